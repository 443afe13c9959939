/* Flow placement (lib/place.c) on hand-built databases, and the
 * database document written and read back (lib/lsdbdoc.c). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "lsabuild.h"
#include "lsabuild6.h"
#include "lsdb.h"
#include "place.h"
#include "sbuf.h"
#include "snapshot.h"
#include "lsdbdoc.h"

#define R1 IP(1,1,1,1)
#define R2 IP(2,2,2,2)
#define R3 IP(3,3,3,3)
#define R4 IP(4,4,4,4)
#define R5 IP(5,5,5,5)
#define R6 IP(6,6,6,6)
#define LAN IP(10,0,100,3)          /* the transit network's id: R3's address */
#define M24 IP(255,255,255,0)
#define M30 IP(255,255,255,252)
#define T0 1700000000000ull

static void install(struct lsdb *db, struct lsabuf *l, uint32_t area)
{
	struct lsa a;

	lsab_finish(l, &a);
	CHECK_EQ(lsdb_install(db, area, &a, T0, NULL), LSDB_ADDED);
}

/*
 *            10.0.12.0/30          10.0.23.0/30
 *   R1 .1 ------------- .2 R2 .2 ------------- .3 R3 ==LAN 10.0.100.0/24== R5 (ASBR)
 *    .1 \                                     .3 /   (DR R3, cost 1)       R6 (ABR, ASBR-summary)
 *        \-- 10.0.14.0/30 -- .2 R4 .2 -- 10.0.43.0/30
 * every p2p cost 10; stub 10.N.0.0/24 on each RN (cost 1), the p2p subnets as
 * stubs of both ends.  R5: E2 192.0.2.0/24.  R6: summary 172.16.0.0/16, an
 * ASBR-summary for 9.9.9.9 (in an area not held) whose E1 198.51.100.0/24 is
 * here.  R2 and R4: both E2 203.0.113.0/24 metric 50.
 */
static struct lsdb *build_a(void)
{
	struct lsdb *db = lsdb_new(100);
	struct lsabuf l;
	uint32_t lan[] = { R3, R5, R6 };

	lsab_router_begin(&l, R1, 0, OSPF_INITIAL_SEQ);
	lsab_router_link(&l, LINK_P2P, R2, IP(10,0,12,1), 10);
	lsab_router_link(&l, LINK_STUB, IP(10,0,12,0), M30, 10);
	lsab_router_link(&l, LINK_P2P, R4, IP(10,0,14,1), 10);
	lsab_router_link(&l, LINK_STUB, IP(10,0,14,0), M30, 10);
	lsab_router_link(&l, LINK_STUB, IP(10,1,0,0), M24, 1);
	install(db, &l, 0);

	lsab_router_begin(&l, R2, LSA_ROUTER_E, OSPF_INITIAL_SEQ);
	lsab_router_link(&l, LINK_P2P, R1, IP(10,0,12,2), 10);
	lsab_router_link(&l, LINK_STUB, IP(10,0,12,0), M30, 10);
	lsab_router_link(&l, LINK_P2P, R3, IP(10,0,23,2), 10);
	lsab_router_link(&l, LINK_STUB, IP(10,0,23,0), M30, 10);
	lsab_router_link(&l, LINK_STUB, IP(10,2,0,0), M24, 1);
	install(db, &l, 0);

	lsab_router_begin(&l, R3, 0, OSPF_INITIAL_SEQ);
	lsab_router_link(&l, LINK_P2P, R2, IP(10,0,23,3), 10);
	lsab_router_link(&l, LINK_STUB, IP(10,0,23,0), M30, 10);
	lsab_router_link(&l, LINK_P2P, R4, IP(10,0,43,3), 10);
	lsab_router_link(&l, LINK_STUB, IP(10,0,43,0), M30, 10);
	lsab_router_link(&l, LINK_TRANSIT, LAN, IP(10,0,100,3), 1);
	lsab_router_link(&l, LINK_STUB, IP(10,3,0,0), M24, 1);
	install(db, &l, 0);

	lsab_router_begin(&l, R4, LSA_ROUTER_E, OSPF_INITIAL_SEQ);
	lsab_router_link(&l, LINK_P2P, R1, IP(10,0,14,2), 10);
	lsab_router_link(&l, LINK_STUB, IP(10,0,14,0), M30, 10);
	lsab_router_link(&l, LINK_P2P, R3, IP(10,0,43,2), 10);
	lsab_router_link(&l, LINK_STUB, IP(10,0,43,0), M30, 10);
	lsab_router_link(&l, LINK_STUB, IP(10,4,0,0), M24, 1);
	install(db, &l, 0);

	lsab_router_begin(&l, R5, LSA_ROUTER_E, OSPF_INITIAL_SEQ);
	lsab_router_link(&l, LINK_TRANSIT, LAN, IP(10,0,100,5), 1);
	lsab_router_link(&l, LINK_STUB, IP(10,5,0,0), M24, 1);
	install(db, &l, 0);

	lsab_router_begin(&l, R6, LSA_ROUTER_B, OSPF_INITIAL_SEQ);
	lsab_router_link(&l, LINK_TRANSIT, LAN, IP(10,0,100,6), 1);
	lsab_router_link(&l, LINK_STUB, IP(10,6,0,0), M24, 1);
	install(db, &l, 0);

	lsab_network(&l, LAN, R3, M24, lan, 3);
	install(db, &l, 0);
	lsab_summary(&l, LSA_SUMMARY, IP(172,16,0,0), R6, IP(255,255,0,0), 5);
	install(db, &l, 0);
	lsab_summary(&l, LSA_ASBR_SUMMARY, IP(9,9,9,9), R6, 0, 5);
	install(db, &l, 0);
	lsab_external(&l, IP(192,0,2,0), R5, M24, true, 20, 0);
	install(db, &l, LSDB_AS_SCOPE);
	lsab_external(&l, IP(198,51,100,0), IP(9,9,9,9), M24, false, 10, 0);
	install(db, &l, LSDB_AS_SCOPE);
	lsab_external(&l, IP(203,0,113,0), R2, M24, true, 50, 0);
	install(db, &l, LSDB_AS_SCOPE);
	lsab_external(&l, IP(203,0,113,0), R4, M24, true, 50, 0);
	install(db, &l, LSDB_AS_SCOPE);
	return db;
}

static struct place_in flow(uint32_t src, uint32_t dst, uint64_t bytes, uint64_t packets)
{
	struct place_in in;

	memset(&in, 0, sizeof(in));
	in.af = AF_INET;
	in.src.w[0] = htonl(src);
	in.dst.w[0] = htonl(dst);
	in.bytes = bytes;
	in.packets = packets;
	return in;
}

static struct place_out out;

static const struct place_link *link_of(uint32_t a, uint32_t b)
{
	for (unsigned i = 0; i < out.nlinks; i++)
		if (out.links[i].a == a && out.links[i].b == b)
			return &out.links[i];
	return NULL;
}

/* The link a -> b carries bytes/packets over net. */
static int has_link(uint32_t a, uint32_t b, uint32_t net, uint64_t bytes, uint64_t packets)
{
	const struct place_link *l = link_of(a, b);
	return l != NULL && l->net == net && l->bytes == bytes && l->packets == packets;
}

static int has_pair(uint32_t in, uint32_t eg, uint64_t bytes, uint64_t packets)
{
	for (unsigned i = 0; i < out.npairs; i++)
		if (out.pairs[i].ingress == in && out.pairs[i].egress == eg)
			return out.pairs[i].bytes == bytes && out.pairs[i].packets == packets;
	return 0;
}

static void test_paths(struct placer *pl)
{
	struct place_in in;

	/* a p2p hop */
	in = flow(IP(10,1,0,9), IP(10,2,0,9), 100, 2);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	CHECK_EQ(out.ingress, R1);
	CHECK_EQ(out.nlinks, 1);
	CHECK(has_link(R1, R2, 0, 100, 2));
	CHECK_EQ(out.npairs, 1);
	CHECK(has_pair(R1, R2, 100, 2));
	/* the same path again (from the placement cache) with other amounts,
	 * and a flow of nothing (no links, no pair) */
	in = flow(IP(10,1,0,9), IP(10,2,0,9), 7, 1);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	CHECK_EQ(out.ingress, R1);
	CHECK_EQ(out.nlinks, 1);
	CHECK(has_link(R1, R2, 0, 7, 1));
	CHECK_EQ(out.npairs, 1);
	CHECK(has_pair(R1, R2, 7, 1));
	in = flow(IP(10,1,0,9), IP(10,2,0,9), 0, 0);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	CHECK_EQ(out.nlinks, 0);
	CHECK_EQ(out.npairs, 0);

	/* equal cost R1 -> R3 via R2 (next hop 10.0.12.2) and R4 (10.0.14.2):
	 * the lower next hop gets the odd byte and packet */
	in = flow(IP(10,1,0,9), IP(10,3,0,9), 1001, 3);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	CHECK_EQ(out.nlinks, 4);
	CHECK(has_link(R1, R2, 0, 501, 2));
	CHECK(has_link(R1, R4, 0, 500, 1));
	CHECK(has_link(R2, R3, 0, 501, 2));
	CHECK(has_link(R4, R3, 0, 500, 1));
	CHECK_EQ(out.npairs, 1);
	CHECK(has_pair(R1, R3, 1001, 3));
	/* divided traffic is not taken from the cache: the split follows the
	 * amounts of each flow */
	in = flow(IP(10,1,0,9), IP(10,3,0,9), 1001, 3);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	CHECK(has_link(R1, R2, 0, 501, 2));
	in = flow(IP(10,1,0,9), IP(10,3,0,9), 11, 1);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	CHECK_EQ(out.nlinks, 4);
	CHECK(has_link(R1, R2, 0, 6, 1));
	CHECK(has_link(R1, R4, 0, 5, 0));
	in = flow(IP(10,1,0,9), IP(10,3,0,9), 1001, 3);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	/* sorted by (a, b) */
	CHECK(out.links[0].a == R1 && out.links[0].b == R2);
	CHECK(out.links[3].a == R4 && out.links[3].b == R3);

	/* 1 byte over two paths: the second path carries nothing, no entry */
	in = flow(IP(10,1,0,9), IP(10,3,0,9), 1, 1);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	CHECK_EQ(out.nlinks, 2);
	CHECK(has_link(R1, R2, 0, 1, 1));
	CHECK(has_link(R2, R3, 0, 1, 1));

	/* a LAN hop, after the split merges again at R3 */
	in = flow(IP(10,1,0,9), IP(10,5,0,9), 7, 7);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	CHECK_EQ(out.nlinks, 5);
	CHECK(has_link(R1, R2, 0, 4, 4));
	CHECK(has_link(R1, R4, 0, 3, 3));
	CHECK(has_link(R3, R5, LAN, 7, 7));
	CHECK(has_pair(R1, R5, 7, 7));

	/* and back from the LAN: R5 -> R3 over it, then split */
	in = flow(IP(10,5,0,9), IP(10,1,0,9), 10, 5);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	CHECK_EQ(out.ingress, R5);
	CHECK(has_link(R5, R3, LAN, 10, 5));
	CHECK(has_link(R3, R2, 0, 5, 3));      /* 10.0.23.2 < 10.0.43.2 */
	CHECK(has_link(R3, R4, 0, 5, 2));
	CHECK(has_pair(R5, R1, 10, 5));

	/* inter-area: the summary's ABR is the egress */
	in = flow(IP(10,1,0,9), IP(172,16,44,1), 20, 2);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	CHECK(has_link(R3, R6, LAN, 20, 2));
	CHECK_EQ(out.npairs, 1);
	CHECK(has_pair(R1, R6, 20, 2));

	/* external of an ASBR here (R5) */
	in = flow(IP(10,2,0,9), IP(192,0,2,1), 30, 3);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	CHECK(has_link(R2, R3, 0, 30, 3));
	CHECK(has_link(R3, R5, LAN, 30, 3));
	CHECK(has_pair(R2, R5, 30, 3));

	/* external of an ASBR in an area not held: leaves at the ABR (R6) */
	in = flow(IP(10,4,0,9), IP(198,51,100,1), 40, 4);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	CHECK(has_link(R4, R3, 0, 40, 4));
	CHECK(has_link(R3, R6, LAN, 40, 4));
	CHECK(has_pair(R4, R6, 40, 4));

	/* one external from two ASBRs at equal cost: two egresses */
	in = flow(IP(10,1,0,9), IP(203,0,113,7), 9, 3);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	CHECK_EQ(out.nlinks, 2);
	CHECK(has_link(R1, R2, 0, 5, 2));
	CHECK(has_link(R1, R4, 0, 4, 1));
	CHECK_EQ(out.npairs, 2);
	CHECK(has_pair(R1, R2, 5, 2));
	CHECK(has_pair(R1, R4, 4, 1));
	CHECK(out.pairs[0].egress == R2);
	/* ... and from an ASBR itself: its own */
	in = flow(IP(10,2,0,9), IP(203,0,113,7), 9, 3);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	CHECK_EQ(out.nlinks, 0);
	CHECK(has_pair(R2, R2, 9, 3));

	/* inside one router */
	in = flow(IP(10,3,0,1), IP(10,3,0,2), 64, 1);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	CHECK_EQ(out.nlinks, 0);
	CHECK_EQ(out.npairs, 1);
	CHECK(has_pair(R3, R3, 64, 1));
}

static void test_ingress(struct placer *pl)
{
	struct place_in in;

	/* a summary's source: the ABR */
	in = flow(IP(172,16,1,1), IP(10,6,0,1), 1, 1);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	CHECK_EQ(out.ingress, R6);
	CHECK(has_pair(R6, R6, 1, 1));
	/* a LAN's source: its DR (R3) */
	in = flow(IP(10,0,100,77), IP(10,2,0,1), 1, 1);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	CHECK_EQ(out.ingress, R3);
	/* a p2p subnet both ends list: the lower id */
	in = flow(IP(10,0,43,1), IP(10,2,0,1), 1, 1);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	CHECK_EQ(out.ingress, R3);
	/* an external's source: the ASBR, or the ABR standing in for it */
	in = flow(IP(192,0,2,1), IP(10,5,0,1), 1, 1);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	CHECK_EQ(out.ingress, R5);
	in = flow(IP(198,51,100,1), IP(10,5,0,1), 1, 1);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	CHECK_EQ(out.ingress, R6);
	CHECK(has_link(R6, R5, LAN, 1, 1));

	/* the exporter's router given: the source does not matter */
	in = flow(IP(8,8,8,8), IP(10,3,0,1), 6, 2);
	in.ingress = R2;
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	CHECK_EQ(out.ingress, R2);
	CHECK(!out.pinned);
	CHECK(has_link(R2, R3, 0, 6, 2));

	/* nexthop pinning: R1 sends it to R4 (its address, or its router id),
	 * not split between R2 and R4 */
	in = flow(IP(10,1,0,9), IP(10,3,0,9), 1001, 3);
	in.ingress = R1;
	in.nexthop.w[0] = htonl(IP(10,0,14,2));
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	CHECK(out.pinned);
	CHECK_EQ(out.nlinks, 2);
	CHECK(has_link(R1, R4, 0, 1001, 3));
	CHECK(has_link(R4, R3, 0, 1001, 3));
	CHECK(has_pair(R1, R3, 1001, 3));
	in.nexthop.w[0] = htonl(R4);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	CHECK(out.pinned);
	CHECK(has_link(R1, R4, 0, 1001, 3));
	/* a nexthop that is no neighbour's address is ignored */
	in.nexthop.w[0] = htonl(IP(10,0,100,5));   /* R5: not R1's neighbour */
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	CHECK(!out.pinned);
	CHECK(has_link(R1, R2, 0, 501, 2));
	in.nexthop.w[0] = htonl(IP(192,168,1,1));
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	CHECK(!out.pinned);
	/* pinned over the LAN, and the route comes back: R3 -> R5 -> R3 -> ... */
	in = flow(IP(10,3,0,9), IP(10,1,0,9), 8, 4);
	in.ingress = R3;
	in.nexthop.w[0] = htonl(IP(10,0,100,5));
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	CHECK(out.pinned);
	CHECK(has_link(R3, R5, LAN, 8, 4));
	CHECK(has_link(R5, R3, LAN, 8, 4));
	CHECK(has_link(R3, R2, 0, 4, 2));
	CHECK(has_link(R3, R4, 0, 4, 2));
	CHECK(has_pair(R3, R1, 8, 4));
}

static void test_unrouted(struct placer *pl)
{
	struct place_in in;
	struct lsdb *empty = lsdb_new(10);
	struct placer *none = placer_build(empty, T0);

	in = flow(IP(10,1,0,9), IP(10,2,0,9), 1, 1);
	CHECK(none != NULL);
	CHECK_EQ(place_flow(none, &in, &out), PLACE_NO_TOPOLOGY);
	CHECK_EQ(place_flow(NULL, &in, &out), PLACE_NO_TOPOLOGY);
	placer_free(none);
	lsdb_free(empty);

	in.af = AF_INET6;
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_IPV6);
	CHECK_EQ(out.reason, PLACE_IPV6);
	CHECK_EQ(out.nlinks + out.npairs, 0);
	in.af = 0;
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_BAD_FAMILY);
	in = flow(IP(8,8,8,8), IP(10,2,0,9), 1, 1);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_NO_SOURCE_PREFIX);
	in = flow(IP(10,1,0,1), IP(8,8,8,8), 1, 1);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_NO_ROUTE);
	CHECK_EQ(out.ingress, R1);
	in.ingress = IP(7,7,7,7);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_UNKNOWN_INGRESS);

	CHECK(strcmp(place_reason_name(PLACE_NO_SOURCE_PREFIX), "no-source-prefix") == 0);
	CHECK(strcmp(place_reason_name(PLACE_TOO_MANY_PATHS), "too-many-paths") == 0);
	CHECK(strcmp(place_reason_name(PLACE_REASON_MAX), "?") == 0);
}

/*
 * A forwarding loop the database itself causes: the external 198.18.0.0/24
 * of an ASBR (9.0.0.9) in an area not held, forwarding address 10.77.0.1 in
 * 10.77.0.0/16, which A and B both announce as a summary.  Each ignores its
 * own summary (RFC 2328 16.2) and sends the traffic to the other.  C is the
 * ABR with the ASBR-summary.
 */
static void test_loop(void)
{
	struct lsdb *db = lsdb_new(20);
	struct lsabuf l;
	struct placer *pl;
	struct place_in in;
	const uint32_t A = IP(1,0,0,1), B = IP(1,0,0,2), C = IP(1,0,0,3);

	lsab_router_begin(&l, A, LSA_ROUTER_B, OSPF_INITIAL_SEQ);
	lsab_router_link(&l, LINK_P2P, B, IP(10,9,12,1), 10);
	lsab_router_link(&l, LINK_P2P, C, IP(10,9,13,1), 10);
	lsab_router_link(&l, LINK_STUB, IP(10,10,1,0), M24, 1);
	install(db, &l, 0);
	lsab_router_begin(&l, B, LSA_ROUTER_B, OSPF_INITIAL_SEQ);
	lsab_router_link(&l, LINK_P2P, A, IP(10,9,12,2), 10);
	install(db, &l, 0);
	lsab_router_begin(&l, C, LSA_ROUTER_B, OSPF_INITIAL_SEQ);
	lsab_router_link(&l, LINK_P2P, A, IP(10,9,13,3), 10);
	install(db, &l, 0);
	lsab_summary(&l, LSA_SUMMARY, IP(10,77,0,0), A, IP(255,255,0,0), 10);
	install(db, &l, 0);
	lsab_summary(&l, LSA_SUMMARY, IP(10,77,0,0), B, IP(255,255,0,0), 10);
	install(db, &l, 0);
	lsab_summary(&l, LSA_ASBR_SUMMARY, IP(9,0,0,9), C, 0, 1);
	install(db, &l, 0);
	lsab_external(&l, IP(198,18,0,0), IP(9,0,0,9), M24, true, 20, IP(10,77,0,1));
	install(db, &l, LSDB_AS_SCOPE);

	CHECK((pl = placer_build(db, T0)) != NULL);
	in = flow(IP(10,10,1,1), IP(198,18,0,1), 5, 1);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_LOOP);
	CHECK_EQ(out.nlinks + out.npairs, 0);
	/* the summary itself leaves at the ABR the traffic reaches first */
	in = flow(IP(10,10,1,1), IP(10,77,3,3), 5, 1);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	CHECK(has_pair(A, A, 5, 1));
	placer_free(pl);
	lsdb_free(db);
}

/*
 * A database holding every area (an ospfmon on a link of each, or a
 * topology document of all of them):
 *
 *   area 1                 area 0                  area 2
 *   X7 .7 -- 10.1.17.0/30 -- .1 B1 .1 -- 10.0.12.0/30 -- .2 B2 .2 -- 10.2.29.0/30 -- .9 X9
 *   stub 10.100.7.0/24                                                    stub 10.100.9.0/24
 *
 * B1 and B2 are ABRs; each area holds the summaries of the others'
 * stubs, so 10.100.7.0/24 has three owners: X7 (its stub), B1 (into area
 * 0) and B2 (into area 2), and B1 has the lowest id.  Traffic from the
 * stub enters at X7; B2's own summary of it does not make B2 the egress:
 * a router of the topology owns the prefix, and the traffic goes on there.
 */
static void test_all_areas(void)
{
	struct lsdb *db = lsdb_new(30);
	struct lsabuf l;
	struct placer *pl;
	struct place_in in;
	const uint32_t B1 = IP(1,0,0,1), B2 = IP(1,0,0,2), X7 = IP(7,0,0,7), X9 = IP(9,0,0,9);
	const uint32_t S7 = IP(10,100,7,0), S9 = IP(10,100,9,0);

	lsab_router_begin(&l, X7, 0, OSPF_INITIAL_SEQ);
	lsab_router_link(&l, LINK_P2P, B1, IP(10,1,17,7), 10);
	lsab_router_link(&l, LINK_STUB, S7, M24, 1);
	install(db, &l, 1);
	lsab_router_begin(&l, B1, LSA_ROUTER_B, OSPF_INITIAL_SEQ);
	lsab_router_link(&l, LINK_P2P, X7, IP(10,1,17,1), 10);
	install(db, &l, 1);
	lsab_summary(&l, LSA_SUMMARY, S9, B1, M24, 21);
	install(db, &l, 1);

	lsab_router_begin(&l, B1, LSA_ROUTER_B, OSPF_INITIAL_SEQ);
	lsab_router_link(&l, LINK_P2P, B2, IP(10,0,12,1), 10);
	install(db, &l, 0);
	lsab_router_begin(&l, B2, LSA_ROUTER_B, OSPF_INITIAL_SEQ);
	lsab_router_link(&l, LINK_P2P, B1, IP(10,0,12,2), 10);
	install(db, &l, 0);
	lsab_summary(&l, LSA_SUMMARY, S7, B1, M24, 11);
	install(db, &l, 0);
	lsab_summary(&l, LSA_SUMMARY, S9, B2, M24, 11);
	install(db, &l, 0);

	lsab_router_begin(&l, B2, LSA_ROUTER_B, OSPF_INITIAL_SEQ);
	lsab_router_link(&l, LINK_P2P, X9, IP(10,2,29,2), 10);
	install(db, &l, 2);
	lsab_router_begin(&l, X9, 0, OSPF_INITIAL_SEQ);
	lsab_router_link(&l, LINK_P2P, B2, IP(10,2,29,9), 10);
	lsab_router_link(&l, LINK_STUB, S9, M24, 1);
	install(db, &l, 2);
	lsab_summary(&l, LSA_SUMMARY, S7, B2, M24, 21);
	install(db, &l, 2);

	CHECK((pl = placer_build(db, T0)) != NULL);
	in = flow(IP(10,100,9,5), IP(10,100,7,5), 300, 3);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	CHECK_EQ(out.ingress, X9);
	CHECK_EQ(out.nlinks, 3);
	CHECK(has_link(X9, B2, 0, 300, 3));
	CHECK(has_link(B2, B1, 0, 300, 3));
	CHECK(has_link(B1, X7, 0, 300, 3));
	CHECK(has_pair(X9, X7, 300, 3));
	in = flow(IP(10,100,7,5), IP(10,100,9,5), 7, 1);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	CHECK_EQ(out.ingress, X7);
	CHECK(has_pair(X7, X9, 7, 1));
	/* the exporter's router given as the ABR: from there */
	in.ingress = B2;
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	CHECK(has_pair(B2, X9, 7, 1));
	in = flow(IP(10,100,9,5), IP(10,100,7,5), 4, 1);
	in.ingress = B2;
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	CHECK(has_link(B2, B1, 0, 4, 1));
	CHECK(has_pair(B2, X7, 4, 1));
	placer_free(pl);
	lsdb_free(db);
}

/* A chain of n routers 10.255.x.y, each with stub 10.(x).(y).0/24 ... built
 * as diamonds when wide: node i to node i+1 through two routers. */
static uint32_t chain_id(unsigned i) { return IP(10, 255, i >> 8, i & 255); }
static uint32_t chain_stub(unsigned i) { return IP(10, 100 + (i >> 8), i & 255, 0); }

static void chain_router(struct lsdb *db, unsigned i, const unsigned *nb, unsigned nnb)
{
	struct lsabuf l;

	lsab_router_begin(&l, chain_id(i), 0, OSPF_INITIAL_SEQ);
	for (unsigned k = 0; k < nnb; k++) {
		unsigned lo = i < nb[k] ? i : nb[k], hi = i < nb[k] ? nb[k] : i;
		/* the link's addresses: 172.(lo).(hi).(1 for lo, 2 for hi) */
		lsab_router_link(&l, LINK_P2P, chain_id(nb[k]),
		                 IP(172, lo & 255, hi & 255, i == lo ? 1 : 2), 10);
	}
	lsab_router_link(&l, LINK_STUB, chain_stub(i), M24, 1);
	install(db, &l, 0);
}

static void test_limits(void)
{
	struct lsdb *db = lsdb_new(200);
	struct placer *pl;
	struct place_in in;
	const unsigned n = 70;

	/* a line of 70 routers: 69 hops, past PLACE_MAX_HOPS */
	for (unsigned i = 0; i < n; i++) {
		unsigned nb[2], k = 0;
		if (i > 0)
			nb[k++] = i - 1;
		if (i + 1 < n)
			nb[k++] = i + 1;
		chain_router(db, i, nb, k);
	}
	CHECK((pl = placer_build(db, T0)) != NULL);
	in = flow(chain_stub(0) + 1, chain_stub(n - 1) + 1, 1, 1);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_LOOP);
	in = flow(chain_stub(0) + 1, chain_stub(PLACE_MAX_HOPS) + 1, 1, 1);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	CHECK_EQ(out.nlinks, PLACE_MAX_HOPS);
	placer_free(pl);
	lsdb_free(db);

	/* 17 diamonds in a row: x0 -(a0|b0)- x1 -(a1|b1)- ... : 68 links */
	db = lsdb_new(200);
	const unsigned d = 17;      /* x_i = 3i, a_i = 3i+1, b_i = 3i+2 */
	for (unsigned i = 0; i <= d; i++) {
		unsigned nb[4], k = 0;
		if (i > 0) {
			nb[k++] = 3 * (i - 1) + 1;
			nb[k++] = 3 * (i - 1) + 2;
		}
		if (i < d) {
			nb[k++] = 3 * i + 1;
			nb[k++] = 3 * i + 2;
		}
		chain_router(db, 3 * i, nb, k);
		if (i < d) {
			unsigned m[2] = { 3 * i, 3 * i + 3 };
			chain_router(db, 3 * i + 1, m, 2);
			chain_router(db, 3 * i + 2, m, 2);
		}
	}
	CHECK((pl = placer_build(db, T0)) != NULL);
	in = flow(chain_stub(0) + 1, chain_stub(3 * d) + 1, 1000, 100);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_TOO_MANY_PATHS);
	CHECK_EQ(out.nlinks + out.npairs, 0);
	/* 16 diamonds fit exactly: 64 links, each half of the traffic */
	in = flow(chain_stub(0) + 1, chain_stub(3 * 16) + 1, 1000, 100);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	CHECK_EQ(out.nlinks, PLACE_MAX_LINKS);
	CHECK(has_link(chain_id(0), chain_id(1), 0, 500, 50));
	CHECK(has_link(chain_id(47), chain_id(48), 0, 500, 50));
	CHECK(has_pair(chain_id(0), chain_id(48), 1000, 100));
	{
		struct placer_stats st;
		placer_stats(pl, &st);
		CHECK_EQ(st.routers, 3 * d + 1);
		CHECK(st.tables >= 49 && st.tables <= st.routers);
	}
	placer_free(pl);
	lsdb_free(db);
}

/* --- topoload ------------------------------------------------------------ */

static void same_placement(struct lsdb *a, struct lsdb *b)
{
	struct placer *pa = placer_build(a, T0), *pb = placer_build(b, T0);
	static struct place_out oa;
	static const uint32_t dsts[] = { IP(10,3,0,9), IP(10,5,0,9), IP(172,16,1,1),
	                                 IP(192,0,2,1), IP(198,51,100,1), IP(203,0,113,1) };

	CHECK(pa != NULL && pb != NULL);
	for (unsigned i = 0; i < sizeof(dsts) / sizeof(dsts[0]); i++) {
		struct place_in in = flow(IP(10,1,0,9), dsts[i], 1001, 3);
		CHECK_EQ(place_flow(pa, &in, &oa), PLACE_OK);
		CHECK_EQ(place_flow(pb, &in, &out), PLACE_OK);
		CHECK(oa.nlinks == out.nlinks && oa.npairs == out.npairs &&
		      memcmp(oa.links, out.links, oa.nlinks * sizeof(oa.links[0])) == 0 &&
		      memcmp(oa.pairs, out.pairs, oa.npairs * sizeof(oa.pairs[0])) == 0);
	}
	placer_free(pa);
	placer_free(pb);
}

static int loads(const char *doc)
{
	char err[256] = "x";
	struct lsdb *db = lsdbdoc_read(doc, strlen(doc), NULL, NULL, err, sizeof(err));

	if (db == NULL) {
		CHECK(err[0] != 0);
		return 0;
	}
	lsdb_free(db);
	return 1;
}

static void test_topoload(struct lsdb *orig)
{
	struct sbuf b = SBUF_INIT;
	char err[256], path[] = "/tmp/test_place.XXXXXX";
	uint64_t version = 0, time_ms = 0;
	struct lsdb *db;
	int fd;

	lsdbdoc_write(orig, 42, T0 + 5000, &b);
	CHECK(sbuf_ok(&b));
	db = lsdbdoc_read(b.p, b.len, &version, &time_ms, err, sizeof(err));
	CHECK(db != NULL);
	if (db == NULL) {
		fprintf(stderr, "lsdbdoc_read: %s\n", err);
		return;
	}
	CHECK_EQ(version, 42);
	CHECK_EQ(time_ms, T0 + 5000);
	CHECK_EQ(lsdb_stats(db)->entries, lsdb_stats(orig)->entries);
	{
		const struct lsdb_entry *e = lsdb_get(db, 0, LSA_ROUTER, R1, R1);
		CHECK(e != NULL && lsdb_age_of(e, T0 + 5000) == 6);   /* 1 s at T0, 5 s on */
		CHECK(lsdb_get(db, LSDB_AS_SCOPE, LSA_EXTERNAL, IP(192,0,2,0), R5) != NULL);
	}
	same_placement(orig, db);
	lsdb_free(db);

	/* every truncation is refused, with a message, and nothing leaks */
	for (size_t n = 0; n + 1 < b.len; n++) {
		char e2[128] = "";
		struct lsdb *t = lsdbdoc_read(b.p, n, NULL, NULL, e2, sizeof(e2));
		CHECK(t == NULL && e2[0] != 0);
		lsdb_free(t);
	}
	/* a flipped hex digit: the checksum */
	{
		char *p = strstr(b.p, "\"hex\":\"") + 7 + 50;
		char save = *p;
		*p = *p == '0' ? '1' : '0';
		CHECK(lsdbdoc_read(b.p, b.len, NULL, NULL, err, sizeof(err)) == NULL);
		CHECK(strstr(err, "checksum") != NULL);
		*p = save;
	}

	/* the file forms: the document, and a snapshot */
	CHECK((fd = mkstemp(path)) >= 0);
	CHECK(write(fd, b.p, b.len) == (ssize_t)b.len);
	close(fd);
	db = lsdbdoc_load(path, &version, &time_ms, err, sizeof(err));
	CHECK(db != NULL && version == 42 && time_ms == T0 + 5000);
	if (db != NULL)
		same_placement(orig, db);
	lsdb_free(db);
	CHECK(snapshot_save(orig, path, T0 + 7000, err, sizeof(err)) > 0);
	db = lsdbdoc_load(path, &version, &time_ms, err, sizeof(err));
	CHECK(db != NULL && version == 0 && time_ms == T0 + 7000);
	if (db != NULL) {
		CHECK_EQ(lsdb_stats(db)->entries, lsdb_stats(orig)->entries);
		same_placement(orig, db);
	}
	lsdb_free(db);
	/* a damaged snapshot is refused */
	CHECK(truncate(path, 100) == 0);
	CHECK(lsdbdoc_load(path, NULL, NULL, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "truncated") != NULL);
	unlink(path);
	CHECK(lsdbdoc_load(path, NULL, NULL, err, sizeof(err)) == NULL);
	CHECK(strstr(err, path) != NULL);
	sbuf_free(&b);

	/* what the document may hold, and what it may not */
	CHECK(loads("{\"version\":1,\"time_ms\":2,\"lsas\":[]}"));
	CHECK(loads(" {\n \"lsas\" : [ ] , \"time_ms\" : 0 , \"version\" : 0 }\n"));
	CHECK(!loads(""));
	CHECK(!loads("[]"));
	CHECK(!loads("{\"version\":1,\"time_ms\":2}"));
	CHECK(!loads("{\"version\":1,\"time_ms\":2,\"lsas\":[],\"x\":1}"));
	CHECK(!loads("{\"version\":1,\"version\":1,\"time_ms\":2,\"lsas\":[]}"));
	CHECK(!loads("{\"version\":-1,\"time_ms\":2,\"lsas\":[]}"));
	CHECK(!loads("{\"version\":01,\"time_ms\":2,\"lsas\":[]}"));
	CHECK(!loads("{\"version\":1.5,\"time_ms\":2,\"lsas\":[]}"));
	CHECK(!loads("{\"version\":99999999999999999999,\"time_ms\":2,\"lsas\":[]}"));
	CHECK(!loads("{\"version\":1,\"time_ms\":2,\"lsas\":[]} x"));
	CHECK(!loads("{\"version\":1,\"time_ms\":2,\"lsas\":[],}"));
	CHECK(!loads("{\"ver\\u0073ion\":1,\"time_ms\":2,\"lsas\":[]}"));
	CHECK(!loads("{\"version\":1,\"time_ms\":2,\"lsas\":[{}]}"));
	CHECK(!loads("{\"version\":1,\"time_ms\":2,\"lsas\":[{\"area\":null,\"age\":1}]}"));
	CHECK(!loads("{\"version\":1,\"time_ms\":2,\"lsas\":[{\"area\":\"0.0.0.256\",\"age\":1,\"hex\":\"00\"}]}"));
	CHECK(!loads("{\"version\":1,\"time_ms\":2,\"lsas\":[{\"area\":\"0.0.0.0\",\"age\":1,\"hex\":\"0g\"}]}"));
	CHECK(!loads("{\"version\":1,\"time_ms\":2,\"lsas\":[{\"area\":\"0.0.0.0\",\"age\":3601,\"hex\":\"00\"}]}"));
	{
		/* a router-LSA must have an area, an AS-external-LSA must not */
		struct lsdb *one = lsdb_new(10);
		struct lsabuf l;
		struct sbuf d = SBUF_INIT;
		char *p;

		lsab_router_begin(&l, R1, 0, OSPF_INITIAL_SEQ);
		lsab_router_link(&l, LINK_STUB, IP(10,1,0,0), M24, 1);
		install(one, &l, 0);
		lsab_external(&l, IP(192,0,2,0), R1, M24, true, 20, 0);
		install(one, &l, LSDB_AS_SCOPE);
		lsdbdoc_write(one, 1, T0, &d);
		CHECK(loads(d.p));
		CHECK((p = strstr(d.p, "\"0.0.0.0\"")) != NULL);
		memcpy(p, "null     ", 9);
		CHECK(!loads(d.p));
		sbuf_reset(&d);
		lsdbdoc_write(one, 1, T0, &d);
		CHECK((p = strstr(d.p, "null")) != NULL);
		memcpy(p, "\"0.0.0.1\"", 9);   /* one character longer: shift the rest */
		CHECK(!loads(d.p));
		sbuf_free(&d);
		lsdb_free(one);
	}
}

static uint64_t rnd_state = 88172645463325252ull;

static uint64_t RND(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* The graph cache gives exactly what the walk gives: random flows on the
 * recorded lab (tests/data/collector/lab-lsdb.json), with and without the
 * exporter's router and a next hop, placed by a placer with its cache and
 * by one without. */
static void test_cache_equivalence(void)
{
	static const uint32_t bases[] = {
		IP(10,100,1,0), IP(10,100,2,0), IP(10,100,3,0), IP(10,100,4,0), IP(10,100,5,0),
		IP(10,100,6,0), IP(10,100,7,0), IP(10,100,8,0), IP(10,0,0,0), IP(10,1,26,0),
		IP(10,1,35,0), IP(10,1,45,0), IP(10,1,56,0), IP(10,1,57,0), IP(10,1,68,0),
		IP(10,200,4,0), IP(10,200,7,0), IP(10,200,8,0), IP(10,9,9,0), IP(192,0,2,0),
	};
	static const uint32_t routers[] = { 0, IP(10,255,0,1), IP(10,255,0,3), IP(10,255,0,5) };
	static const uint32_t hops[] = { 0, IP(10,0,0,2), IP(10,0,0,3), IP(10,1,35,5), IP(10,1,56,6) };
	const char *top = getenv("top_srcdir");
	char path[4096], err[256];
	struct lsdb *db;
	struct placer *a, *b;
	unsigned differ = 0, routed = 0;

	snprintf(path, sizeof(path), "%s/tests/data/collector/lab-lsdb.json", top ? top : "..");
	if ((db = lsdbdoc_load(path, NULL, NULL, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s: %s\n", path, err);
		CHECK(0);
		return;
	}
	a = placer_build(db, T0);
	b = placer_build(db, T0);
	CHECK(a != NULL && b != NULL);
	placer_cache(b, false);
	for (int i = 0; i < 20000; i++) {
		struct place_in in;
		struct place_out oa, ob;
		int ra, rb;
		uint32_t s = bases[RND() % 20], d = bases[RND() % 20];
		uint64_t nb = RND() % 5000, np = RND() % 7;
		s |= (uint32_t)(RND() % 4);
		d |= (uint32_t)(RND() % 4);
		in = flow(s, d, nb, np);
		if (RND() % 4 == 0) {
			in.ingress = routers[RND() % 4];
			in.nexthop.w[0] = htonl(hops[RND() % 5]);
		}
		ra = place_flow(a, &in, &oa);
		rb = place_flow(b, &in, &ob);
		routed += ra == PLACE_OK;
		if (ra != rb || oa.nlinks != ob.nlinks || oa.npairs != ob.npairs ||
		    oa.pinned != ob.pinned || oa.dst_plen != ob.dst_plen ||
		    oa.dst_prefix != ob.dst_prefix) {
			differ++;
			continue;
		}
		for (unsigned k = 0; k < oa.nlinks; k++)
			differ += oa.links[k].a != ob.links[k].a || oa.links[k].b != ob.links[k].b ||
			          oa.links[k].net != ob.links[k].net ||
			          oa.links[k].bytes != ob.links[k].bytes ||
			          oa.links[k].packets != ob.links[k].packets;
		for (unsigned k = 0; k < oa.npairs; k++)
			differ += oa.pairs[k].ingress != ob.pairs[k].ingress ||
			          oa.pairs[k].egress != ob.pairs[k].egress ||
			          oa.pairs[k].bytes != ob.pairs[k].bytes ||
			          oa.pairs[k].packets != ob.pairs[k].packets;
	}
	CHECK_EQ(differ, 0);
	CHECK(routed > 5000);
	placer_free(a);
	placer_free(b);
	lsdb_free(db);
}


/* ---- IPv6 over OSPFv3 ---- */

static struct lsabuf6 lb6;
static struct lsabuf lb;

static void install6(struct lsdb *db, uint32_t area)
{
	struct lsa l;

	lsab6_finish(&lb6, &l);
	CHECK(lsdb_install(db, area, &l, T0, NULL) == LSDB_ADDED);
}

static void a6(uint8_t a[16], uint16_t w0, uint16_t w1, uint16_t w7)
{
	memset(a, 0, 16);
	a[0] = (uint8_t)(w0 >> 8); a[1] = (uint8_t)w0;
	a[2] = (uint8_t)(w1 >> 8); a[3] = (uint8_t)w1;
	a[14] = (uint8_t)(w7 >> 8); a[15] = (uint8_t)w7;
}

/* A link-LSA of router r's interface ifid: link-local fe80::(16 - r):ifid,
 * so that the link-local order of neighbours is their router ids' reversed
 * (IPv6 shares follow router ids, place.h). */
static void link6(struct lsdb *db, uint32_t r, uint32_t ifid)
{
	uint8_t ll[16];

	a6(ll, 0xfe80, 0, 0);
	ll[13] = (uint8_t)(16 - (r & 0xff));
	ll[15] = (uint8_t)ifid;
	lsab6_link(&lb6, r, ifid, ll);
	install6(db, 0);
}

static struct place_in flow6(const uint8_t *src, const uint8_t *dst, uint64_t bytes,
                             uint64_t packets)
{
	struct place_in in;

	memset(&in, 0, sizeof(in));
	in.af = AF_INET6;
	memcpy(in.src.b, src, 16);
	memcpy(in.dst.b, dst, 16);
	in.bytes = bytes;
	in.packets = packets;
	return in;
}

/*
 * Dual stack, area 0: R1 -p2p- R2 -p2p- R4, R1 -p2p- R3 -p2p- R4 (cost 10
 * each, both versions' topologies alike), and a LAN of R4 (DR) and R5.
 * OSPFv2 has only the LAN (10.0.45.0/24, DR 10.0.45.4); OSPFv3 all of it:
 * fd00:1::/64 on R1, fd00:5::/64 on R5, fd00:45::/64 on the LAN, and
 * fd00:e::/48 an E2 external of R4.
 */
static void test_ipv6(void)
{
	struct lsdb *db = lsdb_new(100);
	struct placer *pl;
	struct lsa l;
	struct place_in in;
	uint8_t p1[16], p5[16], p45[16], pe[16], src[16], dst[16], nh[16];
	uint32_t lan_v2 = IP(10,0,45,4), rl[2] = { R4, R5 }, v2lan[2] = { R4, R5 };

	a6(p1, 0xfd00, 1, 0);
	a6(p5, 0xfd00, 5, 0);
	a6(p45, 0xfd00, 0x45, 0);
	a6(pe, 0xfd00, 0xe, 0);
	/* OSPFv2: the LAN only */
	lsab_router_begin(&lb, R4, 0, OSPF_INITIAL_SEQ);
	lsab_router_link(&lb, LINK_TRANSIT, lan_v2, lan_v2, 1);
	lsab_finish(&lb, &l);
	CHECK(lsdb_install(db, 0, &l, T0, NULL) == LSDB_ADDED);
	lsab_router_begin(&lb, R5, 0, OSPF_INITIAL_SEQ);
	lsab_router_link(&lb, LINK_TRANSIT, lan_v2, IP(10,0,45,5), 1);
	lsab_finish(&lb, &l);
	CHECK(lsdb_install(db, 0, &l, T0, NULL) == LSDB_ADDED);
	lsab_network(&lb, lan_v2, R4, 0xffffff00u, v2lan, 2);
	lsab_finish(&lb, &l);
	CHECK(lsdb_install(db, 0, &l, T0, NULL) == LSDB_ADDED);

	/* OSPFv3 */
	lsab6_router(&lb6, R1, 0, 0, LSAB6_OPTS);
	lsab6_iface(&lb6, LINK6_P2P, 10, 1, 1, R2);
	lsab6_iface(&lb6, LINK6_P2P, 10, 2, 1, R3);
	install6(db, 0);
	lsab6_router(&lb6, R2, 0, 0, LSAB6_OPTS);
	lsab6_iface(&lb6, LINK6_P2P, 10, 1, 1, R1);
	lsab6_iface(&lb6, LINK6_P2P, 10, 2, 1, R4);
	install6(db, 0);
	lsab6_router(&lb6, R3, 0, 0, LSAB6_OPTS);
	lsab6_iface(&lb6, LINK6_P2P, 10, 1, 2, R1);
	lsab6_iface(&lb6, LINK6_P2P, 10, 2, 2, R4);
	install6(db, 0);
	lsab6_router(&lb6, R4, 0, LSA6_ROUTER_E, LSAB6_OPTS);
	lsab6_iface(&lb6, LINK6_P2P, 10, 1, 2, R2);
	lsab6_iface(&lb6, LINK6_P2P, 10, 2, 2, R3);
	lsab6_iface(&lb6, LINK6_TRANSIT, 1, 3, 3, R4);
	install6(db, 0);
	lsab6_router(&lb6, R5, 0, 0, LSAB6_OPTS);
	lsab6_iface(&lb6, LINK6_TRANSIT, 1, 1, 3, R4);
	install6(db, 0);
	lsab6_network(&lb6, R4, 3, rl, 2);
	install6(db, 0);
	link6(db, R1, 1); link6(db, R1, 2);
	link6(db, R2, 1); link6(db, R2, 2);
	link6(db, R3, 1); link6(db, R3, 2);
	link6(db, R4, 1); link6(db, R4, 2); link6(db, R4, 3);
	link6(db, R5, 1);
	lsab6_intra(&lb6, R1, 0, LSA6_ROUTER, 0, R1);
	lsab6_prefix(&lb6, 64, 0, 0, p1);
	install6(db, 0);
	lsab6_intra(&lb6, R5, 0, LSA6_ROUTER, 0, R5);
	lsab6_prefix(&lb6, 64, 0, 0, p5);
	lsab6_prefix(&lb6, 64, LSA6_PREFIX_NU, 0, pe);     /* not for unicast: ignored */
	install6(db, 0);
	lsab6_intra(&lb6, R4, 1, LSA6_NETWORK, 3, R4);
	lsab6_prefix(&lb6, 64, 0, 0, p45);
	install6(db, 0);
	lsab6_external(&lb6, LSA6_EXTERNAL, R4, 1, true, 20, 48, 0, pe, NULL);
	install6(db, LSDB_AS_SCOPE);

	CHECK((pl = placer_build(db, T0)) != NULL);
	if (pl == NULL) {
		lsdb_free(db);
		return;
	}
	/* R1's stub to R5's: an even ECMP split to R4, then over the LAN,
	 * named as OSPFv2 names it */
	memcpy(src, p1, 16); src[15] = 9;
	memcpy(dst, p5, 16); dst[15] = 9;
	in = flow6(src, dst, 1001, 11);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	CHECK_EQ(out.ingress, R1);
	CHECK(has_link(R1, R2, 0, 501, 6));            /* R2 first (router id): the odd one */
	CHECK(has_link(R1, R3, 0, 500, 5));
	CHECK(has_link(R2, R4, 0, 501, 6));
	CHECK(has_link(R3, R4, 0, 500, 5));
	CHECK(has_link(R4, R5, lan_v2, 1001, 11));
	CHECK_EQ(out.nlinks, 5);
	CHECK(out.npairs == 1 && has_pair(R1, R5, 1001, 11));
	CHECK_EQ(out.dst_plen, 64);
	CHECK(memcmp(out.dst_prefix6, p5, 16) == 0);
	/* back to R1: from R5 over the LAN, then ECMP */
	in = flow6(dst, src, 100, 2);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	CHECK(has_link(R5, R4, lan_v2, 100, 2));
	CHECK(has_link(R4, R2, 0, 50, 1) && has_link(R4, R3, 0, 50, 1));
	CHECK(has_pair(R5, R1, 100, 2));
	/* to the external: R4 delivers it */
	memcpy(dst, pe, 16); dst[15] = 1;
	in = flow6(src, dst, 10, 1);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	CHECK(out.npairs == 1 && has_pair(R1, R4, 10, 1));
	CHECK_EQ(out.nlinks, 4);
	CHECK_EQ(out.dst_plen, 48);
	/* to the LAN's prefix: R4 and R5 are both on it; the first router on
	 * it delivers */
	memcpy(dst, p45, 16); dst[15] = 7;
	in = flow6(src, dst, 10, 1);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	CHECK(out.npairs == 1 && has_pair(R1, R4, 10, 1));
	/* the exporter's ingress and its link-local next hop pin the first hop */
	memcpy(dst, p5, 16); dst[15] = 9;
	in = flow6(src, dst, 30, 3);
	in.ingress = R1;
	a6(nh, 0xfe80, 0, 0);
	nh[13] = 16 - 3;
	nh[15] = 1;                                    /* fe80::d:1, R3's */
	memcpy(in.nexthop.b, nh, 16);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	CHECK(out.pinned);
	CHECK(has_link(R1, R3, 0, 30, 3) && has_link(R3, R4, 0, 30, 3));
	CHECK(link_of(R1, R2) == NULL);
	/* an unknown next hop is ignored; an unknown ingress refused */
	nh[13] = 9;
	memcpy(in.nexthop.b, nh, 16);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	CHECK(!out.pinned && has_link(R1, R2, 0, 15, 2));
	in.ingress = IP(9,9,9,9);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_UNKNOWN_INGRESS);
	/* unrouted: a source no prefix holds, a destination no route has */
	a6(src, 0x2001, 0xdb8, 1);
	in = flow6(src, dst, 1, 1);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_NO_SOURCE_PREFIX);
	memcpy(src, p1, 16);
	a6(dst, 0x2001, 0xdb8, 1);
	in = flow6(src, dst, 1, 1);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_NO_ROUTE);
	/* IPv4 is untouched: the LAN's two routers, OSPFv2 only */
	in = flow(IP(10,0,45,5), IP(10,0,45,4), 5, 1);
	CHECK_EQ(place_flow(pl, &in, &out), PLACE_OK);
	placer_free(pl);
	lsdb_free(db);
}

int main(void)
{
	struct lsdb *db = build_a();
	struct placer *pl = placer_build(db, T0);

	CHECK(pl != NULL);
	test_paths(pl);
	test_ingress(pl);
	test_unrouted(pl);
	placer_free(pl);
	test_loop();
	test_all_areas();
	test_limits();
	test_topoload(db);
	lsdb_free(db);
	test_cache_equivalence();
	test_ipv6();
	return check_done("test_place");
}
