/*
 * Unit tests for the OSPFv3 shortest paths (lib/spf6.c) on databases built
 * from LSA bytes (lsabuild6): each LSA checksummed, decoded by lsa6_decode
 * and installed as ospfmon installs it.  Router n has router id n.n.n.n;
 * router n's interface toward router m has id 10n+m when both are below
 * 10, its link-local address fe80::<that id> unless a test says otherwise.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lsabuild.h"
#include "lsabuild6.h"
#include "lsdb.h"
#include "spf.h"
#include "spf6.h"

static struct lsdb *db;
static struct lsabuf6 lb;                  /* 64 KB: not on the stack */

static uint32_t R(unsigned n) { return 0x01010101u * n; }

struct a6 { uint8_t b[16]; };

/* 2001:db8:<x>:<y>::<z> */
static struct a6 g6(uint16_t x, uint16_t y, uint16_t z)
{
	struct a6 a = { { 0x20, 0x01, 0x0d, 0xb8 } };

	a.b[4] = (uint8_t)(x >> 8);
	a.b[5] = (uint8_t)x;
	a.b[6] = (uint8_t)(y >> 8);
	a.b[7] = (uint8_t)y;
	a.b[14] = (uint8_t)(z >> 8);
	a.b[15] = (uint8_t)z;
	return a;
}

/* fe80::<y>:<z> */
static struct a6 ll2(uint16_t y, uint16_t z)
{
	struct a6 a = { { 0xfe, 0x80 } };

	a.b[12] = (uint8_t)(y >> 8);
	a.b[13] = (uint8_t)y;
	a.b[14] = (uint8_t)(z >> 8);
	a.b[15] = (uint8_t)z;
	return a;
}

static struct a6 ll(uint16_t z) { return ll2(0, z); }

static const struct a6 zero6;              /* :: */

static void install(uint32_t area)
{
	struct lsa a;

	lsab6_finish(&lb, &a);
	CHECK_EQ(lsdb_install(db, area, &a, 0, NULL), LSDB_ADDED);
}

/* A point-to-point interface of router a to router b, ids 10a+b and 10b+a. */
static void p2p(unsigned a, unsigned b, uint16_t metric)
{
	lsab6_iface(&lb, LINK6_P2P, metric, 10 * a + b, 10 * b + a, R(b));
}

/* Router a's link-LSA for its interface toward b, fe80::<10a+b>. */
static void link_to(unsigned a, unsigned b, uint32_t area)
{
	lsab6_link(&lb, R(a), 10 * a + b, ll((uint16_t)(10 * a + b)).b);
	install(area);
}

/* An intra-area-prefix-LSA of router a with one prefix. */
static void stub(unsigned a, uint32_t ls_id, struct a6 p, uint8_t plen, uint8_t opts,
                 uint16_t metric, uint32_t area)
{
	lsab6_intra(&lb, R(a), ls_id, LSA6_ROUTER, 0, R(a));
	lsab6_prefix(&lb, plen, opts, metric, p.b);
	install(area);
}

static const struct route6 *find(const struct route6_table *rt, struct a6 p, uint8_t plen)
{
	for (unsigned i = 0; i < rt->n; i++)
		if (rt->r[i].plen == plen && memcmp(rt->r[i].prefix, p.b, 16) == 0)
			return &rt->r[i];
	return NULL;
}

static bool nh_is(const struct nh6 *n, struct a6 addr, uint32_t ifid, uint32_t router)
{
	return memcmp(n->addr, addr.b, 16) == 0 && n->ifid == ifid && n->router == router;
}

/* The route to p/plen has cost and type, and a single next hop. */
static bool one_nh(const struct route6 *r, uint32_t cost, struct a6 addr, uint32_t ifid,
                   uint32_t router)
{
	return r != NULL && r->cost == cost && !r->attached && r->nnh == 1 &&
	       nh_is(&r->nh[0], addr, ifid, router);
}

/* Every route's next hops sorted by (addr, ifid), the table by (prefix, plen). */
static bool table_sorted(const struct route6_table *rt)
{
	for (unsigned i = 0; i < rt->n; i++) {
		const struct route6 *r = &rt->r[i];
		if (i > 0) {
			int c = memcmp(rt->r[i - 1].prefix, r->prefix, 16);
			if (c > 0 || (c == 0 && rt->r[i - 1].plen >= r->plen))
				return false;
		}
		for (unsigned j = 1; j < r->nnh; j++) {
			int c = memcmp(r->nh[j - 1].addr, r->nh[j].addr, 16);
			if (c > 0 || (c == 0 && r->nh[j - 1].ifid >= r->nh[j].ifid))
				return false;
		}
	}
	return true;
}

/*
 * Point-to-point links in area 0:
 *
 *   R1 --10-- R2 --10-- R4        R3's router-LSA in two parts: its link
 *    \--10-- R3 --10---/          to R1 in link state id 0, to R4 in 1
 *   R5 claims a link to R1 that R1 does not list (no two-way);
 *   R1 -- R6 listed both ways, but R6 names another interface of R1's;
 *   R1 -- R7 likewise, but R7's interface is not the one R1 names;
 *   R1 -- R8 likewise, but R8's link back is a virtual link.
 *
 * R2 has link-LSAs on both its links (fe80::21 toward R1, fe80::24 toward
 * R4): the next hop is the one on the link used.  The OSPFv2 LSAs of a
 * different topology share the database, one of them under the same key
 * numbers (type 1, id and router 1.1.1.1) as an OSPFv3 LSA of LS type
 * 0x0001.
 */
static void build_p2p(void)
{
	struct lsabuf v2;
	struct lsa a;

	lsab6_router(&lb, R(1), 0, 0, LSAB6_OPTS);
	p2p(1, 2, 10);
	p2p(1, 3, 10);
	lsab6_iface(&lb, LINK6_P2P, 1, 16, 61, R(6));
	p2p(1, 7, 1);
	p2p(1, 8, 1);
	install(0);
	lsab6_router(&lb, R(2), R(2), 0, LSAB6_OPTS);   /* any link state id will do */
	p2p(2, 1, 10);
	p2p(2, 4, 10);
	install(0);
	lsab6_router(&lb, R(3), 0, 0, LSAB6_OPTS);
	p2p(3, 1, 10);
	install(0);
	lsab6_router(&lb, R(3), 1, 0, LSAB6_OPTS);
	p2p(3, 4, 10);
	install(0);
	lsab6_router(&lb, R(4), 0, 0, LSAB6_OPTS);
	p2p(4, 2, 10);
	p2p(4, 3, 10);
	install(0);
	lsab6_router(&lb, R(5), 0, 0, LSAB6_OPTS);
	p2p(5, 1, 1);
	install(0);
	lsab6_router(&lb, R(6), 0, 0, LSAB6_OPTS);
	lsab6_iface(&lb, LINK6_P2P, 1, 61, 99, R(1));   /* R1's interface is 16 */
	install(0);
	lsab6_router(&lb, R(7), 0, 0, LSAB6_OPTS);
	lsab6_iface(&lb, LINK6_P2P, 1, 77, 17, R(1));   /* R1 names 71 */
	install(0);
	lsab6_router(&lb, R(8), 0, 0, LSAB6_OPTS);
	lsab6_iface(&lb, LINK6_VIRTUAL, 1, 81, 18, R(1));
	install(0);

	link_to(1, 2, 0);
	link_to(1, 3, 0);
	link_to(2, 1, 0);
	link_to(2, 4, 0);
	link_to(3, 1, 0);
	link_to(3, 4, 0);
	link_to(4, 2, 0);
	link_to(4, 3, 0);
	lsab6_link(&lb, R(6), 61, ll(61).b);
	install(0);

	lsab6_intra(&lb, R(1), 0, LSA6_ROUTER, 0, R(1));
	lsab6_prefix(&lb, 64, 0, 1, g6(1, 0, 0).b);
	lsab6_prefix(&lb, 128, LSA6_PREFIX_LA, 0, g6(0xff, 0, 1).b);
	install(0);
	lsab6_intra(&lb, R(2), 0, LSA6_ROUTER, 0, R(2));
	lsab6_prefix(&lb, 64, 0, 5, g6(2, 0, 0).b);
	lsab6_prefix(&lb, 64, LSA6_PREFIX_NU, 0, g6(2, 1, 0).b);
	install(0);
	lsab6_intra(&lb, R(4), 0, LSA6_ROUTER, 0, R(4));
	lsab6_prefix(&lb, 128, LSA6_PREFIX_LA, 0, g6(0xff, 0, 4).b);
	lsab6_prefix(&lb, 64, 0, 3, g6(4, 0, 0).b);
	install(0);
	stub(5, 0, g6(5, 0, 0), 64, 0, 0, 0);
	stub(6, 0, g6(6, 0, 0), 64, 0, 0, 0);
	stub(7, 0, g6(7, 0, 0), 64, 0, 0, 0);
	stub(8, 0, g6(8, 0, 0), 64, 0, 0, 0);
	/* R2 speaking for R4: not R4's prefix */
	lsab6_intra(&lb, R(2), 1, LSA6_ROUTER, 0, R(4));
	lsab6_prefix(&lb, 64, 0, 0, g6(0x44, 0, 0).b);
	install(0);

	/* OSPFv2: R1 -- 9.9.9.9 with a stub each */
	lsab_router_begin(&v2, R(1), 0, OSPF_INITIAL_SEQ);
	lsab_router_link(&v2, LINK_P2P, R(9), IP(10,0,19,1), 1);
	lsab_router_link(&v2, LINK_STUB, IP(10,1,0,0), IP(255,255,0,0), 1);
	lsab_finish(&v2, &a);
	CHECK_EQ(lsdb_install(db, 0, &a, 0, NULL), LSDB_ADDED);
	lsab_router_begin(&v2, R(9), 0, OSPF_INITIAL_SEQ);
	lsab_router_link(&v2, LINK_P2P, R(1), IP(10,0,19,9), 1);
	lsab_router_link(&v2, LINK_STUB, IP(10,9,0,0), IP(255,255,0,0), 1);
	lsab_finish(&v2, &a);
	CHECK_EQ(lsdb_install(db, 0, &a, 0, NULL), LSDB_ADDED);
	lsab_router_begin(&v2, R(2), 0, OSPF_INITIAL_SEQ);
	lsab_router_link(&v2, LINK_STUB, IP(10,2,0,0), IP(255,255,0,0), 1);
	lsab_finish(&v2, &a);
	CHECK_EQ(lsdb_install(db, 0, &a, 0, NULL), LSDB_ADDED);
	/* an OSPFv3 LSA of LS type 1 keyed as R1's OSPFv2 router-LSA */
	lsab6_hdr(&lb, 0x0001, R(1), R(1));
	install(0);
}

static void test_p2p(void)
{
	struct route6_table rt = { 0 };
	struct route_table rt4 = { 0 };
	const struct route6 *r;

	db = lsdb_new(1000);
	build_p2p();
	CHECK_EQ(spf6_routes(db, R(1), &rt), 0);
	CHECK(table_sorted(&rt));
	CHECK_EQ(rt.n, 5);          /* 1::/64, 2::/64, 4::/64, ff::1, ff::4 */

	/* root's own prefixes: attached, at their metric */
	r = find(&rt, g6(1, 0, 0), 64);
	CHECK(r != NULL && r->type == RT_INTRA && r->cost == 1 && r->attached && r->nnh == 0);
	r = find(&rt, g6(0xff, 0, 1), 128);
	CHECK(r != NULL && r->cost == 0 && r->attached);
	/* next hop: R2's link-local on the link R1 uses, R1's interface */
	r = find(&rt, g6(2, 0, 0), 64);
	CHECK(one_nh(r, 15, ll(21), 12, R(2)));
	CHECK(r != NULL && r->type == RT_INTRA && r->area == 0);
	CHECK(find(&rt, g6(2, 1, 0), 64) == NULL);              /* NU */
	/* R4 at equal cost through R2 and R3 (R3's second router-LSA) */
	r = find(&rt, g6(0xff, 0, 4), 128);
	CHECK(r != NULL && r->cost == 20 && r->nnh == 2 && !r->attached);
	CHECK(r != NULL && nh_is(&r->nh[0], ll(21), 12, R(2)) && nh_is(&r->nh[1], ll(31), 13, R(3)));
	r = find(&rt, g6(4, 0, 0), 64);
	CHECK(r != NULL && r->cost == 23 && r->nnh == 2);
	CHECK(find(&rt, g6(5, 0, 0), 64) == NULL);              /* one-way */
	CHECK(find(&rt, g6(6, 0, 0), 64) == NULL);              /* interface ids disagree */
	CHECK(find(&rt, g6(7, 0, 0), 64) == NULL);
	CHECK(find(&rt, g6(8, 0, 0), 64) == NULL);              /* interface types disagree */
	CHECK(find(&rt, g6(0x44, 0, 0), 64) == NULL);           /* not R4's own */

	/* from R4: R2 by its other link-LSA, R3 through both its parts */
	CHECK_EQ(spf6_routes(db, R(4), &rt), 0);
	r = find(&rt, g6(1, 0, 0), 64);
	CHECK(r != NULL && r->cost == 21 && r->nnh == 2);
	CHECK(r != NULL && nh_is(&r->nh[0], ll(24), 42, R(2)) && nh_is(&r->nh[1], ll(34), 43, R(3)));
	r = find(&rt, g6(0xff, 0, 4), 128);
	CHECK(r != NULL && r->cost == 0 && r->attached);

	/* the OSPFv2 LSAs are OSPFv2's: spf_routes sees them and no others */
	CHECK_EQ(spf_routes(db, R(1), &rt4), 0);
	CHECK_EQ(rt4.n, 2);         /* 10.1/16, 10.9/16 */
	CHECK(rt4.n == 2 && rt4.r[1].prefix == IP(10,9,0,0) && rt4.r[1].cost == 2);
	route_table_free(&rt4);

	/* not in the database; only in OSPFv2 */
	CHECK_EQ(spf6_routes(db, R(99), &rt), -1);
	CHECK_EQ(rt.n, 0);
	CHECK_EQ(spf6_routes(db, R(9), &rt), -1);
	route6_table_free(&rt);
	lsdb_free(db);
}

/*
 * A LAN in area 0, DR R2 at its interface 20: R1 (11), R2, R3 (30), R5
 * (50, no link-LSA) and R6 on it per the network-LSA; R6's router-LSA
 * names another DR interface, so R6 is not on it; R7 names the LAN but the
 * network-LSA does not list it.  R1 -- R3 also point
 * to point (10 each way), R3 -- R4 (5).  R3's link-LSAs: fe80::3 on the
 * LAN, fe80::3:2 toward R1, fe80::3:3 toward R4.
 */
static void build_lan(void)
{
	uint32_t on[] = { R(1), R(2), R(3), R(5), R(6) };

	lsab6_router(&lb, R(1), 0, 0, LSAB6_OPTS);
	lsab6_iface(&lb, LINK6_TRANSIT, 10, 11, 20, R(2));
	lsab6_iface(&lb, LINK6_P2P, 10, 12, 32, R(3));
	install(0);
	lsab6_router(&lb, R(2), 0, 0, LSAB6_OPTS);
	lsab6_iface(&lb, LINK6_TRANSIT, 10, 20, 20, R(2));
	install(0);
	lsab6_router(&lb, R(3), 0, 0, LSAB6_OPTS);
	lsab6_iface(&lb, LINK6_TRANSIT, 10, 30, 20, R(2));
	lsab6_iface(&lb, LINK6_P2P, 10, 32, 12, R(1));
	lsab6_iface(&lb, LINK6_P2P, 5, 33, 43, R(4));
	install(0);
	lsab6_router(&lb, R(4), 0, 0, LSAB6_OPTS);
	lsab6_iface(&lb, LINK6_P2P, 5, 43, 33, R(3));
	install(0);
	lsab6_router(&lb, R(5), 0, 0, LSAB6_OPTS);
	lsab6_iface(&lb, LINK6_TRANSIT, 10, 50, 20, R(2));
	install(0);
	lsab6_router(&lb, R(6), 0, 0, LSAB6_OPTS);
	lsab6_iface(&lb, LINK6_TRANSIT, 10, 60, 99, R(2));
	install(0);
	lsab6_router(&lb, R(7), 0, 0, LSAB6_OPTS);
	lsab6_iface(&lb, LINK6_TRANSIT, 10, 70, 20, R(2));
	install(0);
	lsab6_network(&lb, R(2), 20, on, 5);
	install(0);

	lsab6_link(&lb, R(1), 11, ll(1).b);
	install(0);
	lsab6_link(&lb, R(2), 20, ll(2).b);
	install(0);
	lsab6_link(&lb, R(3), 30, ll(3).b);
	install(0);
	lsab6_link(&lb, R(3), 32, ll2(3, 2).b);
	install(0);
	lsab6_link(&lb, R(3), 33, ll2(3, 3).b);
	install(0);
	lsab6_link(&lb, R(6), 60, ll(6).b);
	install(0);

	lsab6_intra(&lb, R(2), 20, LSA6_NETWORK, 20, R(2));     /* the DR's, for the LAN */
	lsab6_prefix(&lb, 64, 0, 0, g6(0xa, 0, 0).b);
	install(0);
	for (unsigned i = 2; i <= 7; i++)
		stub(i, 0, g6(0xff, 0, (uint16_t)i), 128, LSA6_PREFIX_LA, 0, 0);
}

static void test_lan(void)
{
	struct route6_table rt = { 0 };
	const struct route6 *r;

	db = lsdb_new(1000);
	build_lan();
	CHECK_EQ(spf6_routes(db, R(1), &rt), 0);
	CHECK(table_sorted(&rt));
	r = find(&rt, g6(0xa, 0, 0), 64);                       /* the LAN: attached */
	CHECK(r != NULL && r->type == RT_INTRA && r->cost == 10 && r->attached && r->nnh == 0);
	r = find(&rt, g6(0xff, 0, 2), 128);                     /* the DR across the LAN */
	CHECK(one_nh(r, 10, ll(2), 11, R(2)));
	/* R3 across the LAN and point to point at equal cost (the network
	 * taken first, 16.1 step 3), each at its address on that link */
	r = find(&rt, g6(0xff, 0, 3), 128);
	CHECK(r != NULL && r->cost == 10 && r->nnh == 2);
	CHECK(r != NULL && nh_is(&r->nh[0], ll(3), 11, R(3)) && nh_is(&r->nh[1], ll2(3, 2), 12, R(3)));
	r = find(&rt, g6(0xff, 0, 4), 128);                     /* inherits both */
	CHECK(r != NULL && r->cost == 15 && r->nnh == 2);
	CHECK(r != NULL && nh_is(&r->nh[0], ll(3), 11, R(3)) && nh_is(&r->nh[1], ll2(3, 2), 12, R(3)));
	r = find(&rt, g6(0xff, 0, 5), 128);                     /* no link-LSA: :: */
	CHECK(one_nh(r, 10, zero6, 11, R(5)));
	r = find(&rt, g6(0xff, 0, 6), 128);
	CHECK(r == NULL);                                       /* not on the LAN */
	CHECK_EQ(rt.n, 5);

	/* from R3: the LAN attached, R2 at its address on it */
	CHECK_EQ(spf6_routes(db, R(3), &rt), 0);
	r = find(&rt, g6(0xa, 0, 0), 64);
	CHECK(r != NULL && r->cost == 10 && r->attached);
	r = find(&rt, g6(0xff, 0, 2), 128);
	CHECK(one_nh(r, 10, ll(2), 30, R(2)));
	/* from R7: the LAN does not list it, so it reaches nothing */
	CHECK_EQ(spf6_routes(db, R(7), &rt), 0);
	CHECK_EQ(rt.n, 1);
	CHECK(find(&rt, g6(0xff, 0, 7), 128) != NULL);
	route6_table_free(&rt);
	lsdb_free(db);
}

/*
 * Inter-area and external routes.  Area 1: R1 -- R2 (10, R2 an ABR also
 * in area 0), R1 -- R3 (3, R3 an ASBR and ABR), R1 -- R7 (1, neither).
 * Area 0: R2 -- R8 (2), R2 -- R9 (20, R9 an ASBR).  R2 tells area 1 of
 * R9 (inter-area-router, 5).
 */
static void build_inter(void)
{
	lsab6_router(&lb, R(1), 0, 0, LSAB6_OPTS);
	p2p(1, 2, 10);
	p2p(1, 3, 3);
	p2p(1, 7, 1);
	install(1);
	lsab6_router(&lb, R(2), 0, LSA6_ROUTER_B, LSAB6_OPTS);
	p2p(2, 1, 10);
	install(1);
	lsab6_router(&lb, R(3), 0, LSA6_ROUTER_B | LSA6_ROUTER_E, LSAB6_OPTS);
	p2p(3, 1, 3);
	install(1);
	lsab6_router(&lb, R(7), 0, 0, LSAB6_OPTS);
	p2p(7, 1, 1);
	install(1);
	link_to(2, 1, 1);
	link_to(3, 1, 1);
	link_to(7, 1, 1);
	link_to(1, 2, 1);
	stub(1, 0, g6(1, 0, 0), 64, 0, 1, 1);
	stub(2, 0, g6(2, 0, 0), 64, 0, 1, 1);
	stub(3, 0, g6(3, 0, 0), 64, 0, 1, 1);

	lsab6_router(&lb, R(2), 0, LSA6_ROUTER_B, LSAB6_OPTS);
	p2p(2, 8, 2);
	p2p(2, 9, 20);
	install(0);
	lsab6_router(&lb, R(8), 0, LSA6_ROUTER_B, LSAB6_OPTS);
	p2p(8, 2, 2);
	install(0);
	lsab6_router(&lb, R(9), 0, LSA6_ROUTER_E, LSAB6_OPTS);
	p2p(9, 2, 20);
	install(0);
	link_to(8, 2, 0);
	link_to(9, 2, 0);

	/* area 1's inter-area-prefix-LSAs */
	lsab6_inter_prefix(&lb, R(2), 1, 7, 48, 0, g6(0x100, 0, 0).b);
	install(1);
	lsab6_inter_prefix(&lb, R(7), 1, 1, 48, 0, g6(0x700, 0, 0).b);   /* R7: no B */
	install(1);
	lsab6_inter_prefix(&lb, R(2), 2, 1, 64, 0, g6(1, 0, 0).b);       /* R1's own */
	install(1);
	lsab6_inter_prefix(&lb, R(2), 3, OSPF_LS_INFINITY, 48, 0, g6(0x101, 0, 0).b);
	install(1);
	lsab6_inter_prefix(&lb, R(2), 4, 1, 48, LSA6_PREFIX_NU, g6(0x102, 0, 0).b);
	install(1);
	lsab6_inter_prefix(&lb, R(3), 1, 1, 48, 0, g6(0x300, 0, 0).b);
	install(1);
	lsab6_inter_router(&lb, R(2), 1, 5, R(9));
	install(1);
	/* the backbone's */
	lsab6_inter_prefix(&lb, R(8), 1, 4, 48, 0, g6(0x800, 0, 0).b);
	install(0);

	/* externals */
	lsab6_external(&lb, LSA6_EXTERNAL, R(9), 1, false, 20, 48, 0, g6(0xe1, 0, 0).b, NULL);
	install(LSDB_AS_SCOPE);
	lsab6_external(&lb, LSA6_EXTERNAL, R(9), 2, true, 40, 48, 0, g6(0xe2, 0, 0).b, NULL);
	install(LSDB_AS_SCOPE);
	lsab6_external(&lb, LSA6_EXTERNAL, R(3), 2, true, 50, 48, 0, g6(0xe2, 0, 0).b, NULL);
	install(LSDB_AS_SCOPE);
	lsab6_external(&lb, LSA6_EXTERNAL, R(9), 3, true, 40, 48, 0, g6(0xe3, 0, 0).b, NULL);
	install(LSDB_AS_SCOPE);
	lsab6_external(&lb, LSA6_EXTERNAL, R(3), 3, true, 40, 48, 0, g6(0xe3, 0, 0).b, NULL);
	install(LSDB_AS_SCOPE);
	lsab6_external(&lb, LSA6_EXTERNAL, R(3), 4, false, 100, 48, 0, g6(0xe4, 0, 0).b, NULL);
	install(LSDB_AS_SCOPE);
	lsab6_external(&lb, LSA6_EXTERNAL, R(9), 4, true, 1, 48, 0, g6(0xe4, 0, 0).b, NULL);
	install(LSDB_AS_SCOPE);
	/* forwarding address in R3's prefix: through R3, not to R9 */
	lsab6_external(&lb, LSA6_EXTERNAL, R(9), 5, false, 1, 48, 0, g6(0xf, 0, 0).b,
	               g6(3, 0, 9).b);
	install(LSDB_AS_SCOPE);
	/* forwarding address nowhere */
	lsab6_external(&lb, LSA6_EXTERNAL, R(9), 6, false, 1, 48, 0, g6(0xf1, 0, 0).b,
	               g6(0xdead, 0, 1).b);
	install(LSDB_AS_SCOPE);
	lsab6_external(&lb, LSA6_EXTERNAL, R(7), 1, false, 1, 48, 0, g6(0xe7, 0, 0).b, NULL);
	install(LSDB_AS_SCOPE);                                 /* R7 is no ASBR */
	lsab6_external(&lb, LSA6_EXTERNAL, R(1), 1, false, 1, 48, 0, g6(0xe8, 0, 0).b, NULL);
	install(LSDB_AS_SCOPE);                                 /* R1's own */
	lsab6_external(&lb, LSA6_EXTERNAL, R(9), 7, false, 1, 48, LSA6_PREFIX_NU,
	               g6(0xe9, 0, 0).b, NULL);
	install(LSDB_AS_SCOPE);
}

static void test_inter_external(void)
{
	struct route6_table rt = { 0 };
	const struct route6 *r;

	db = lsdb_new(1000);
	build_inter();
	CHECK_EQ(spf6_routes(db, R(1), &rt), 0);
	CHECK(table_sorted(&rt));
	r = find(&rt, g6(0x100, 0, 0), 48);
	CHECK(one_nh(r, 17, ll(21), 12, R(2)));
	CHECK(r != NULL && r->type == RT_INTER && r->area == 1);
	CHECK(find(&rt, g6(0x700, 0, 0), 48) == NULL);          /* not from an ABR */
	r = find(&rt, g6(1, 0, 0), 64);                         /* intra outranks inter */
	CHECK(r != NULL && r->type == RT_INTRA && r->cost == 1 && r->attached);
	CHECK(find(&rt, g6(0x101, 0, 0), 48) == NULL);          /* LSInfinity */
	CHECK(find(&rt, g6(0x102, 0, 0), 48) == NULL);          /* NU */
	r = find(&rt, g6(0x300, 0, 0), 48);
	CHECK(r != NULL && r->type == RT_INTER && r->cost == 4);
	CHECK(find(&rt, g6(0x800, 0, 0), 48) == NULL);          /* the backbone's: not R1's */

	/* E1 through the inter-area-router path: 10 + 5 + 20 */
	r = find(&rt, g6(0xe1, 0, 0), 48);
	CHECK(one_nh(r, 35, ll(21), 12, R(2)));
	CHECK(r != NULL && r->type == RT_E1 && r->type2_cost == 0);
	/* E2: the lower external metric (R9's 40 over R3's 50), whatever the cost */
	r = find(&rt, g6(0xe2, 0, 0), 48);
	CHECK(one_nh(r, 15, ll(21), 12, R(2)));
	CHECK(r != NULL && r->type == RT_E2 && r->type2_cost == 40);
	/* E2 at equal metrics: the nearer ASBR */
	r = find(&rt, g6(0xe3, 0, 0), 48);
	CHECK(one_nh(r, 3, ll(31), 13, R(3)));
	CHECK(r != NULL && r->type == RT_E2 && r->type2_cost == 40);
	/* E1 outranks E2 */
	r = find(&rt, g6(0xe4, 0, 0), 48);
	CHECK(r != NULL && r->type == RT_E1 && r->cost == 103 && r->type2_cost == 0);
	/* forwarding address: 3 + 1 to it, + 1 */
	r = find(&rt, g6(0xf, 0, 0), 48);
	CHECK(one_nh(r, 5, ll(31), 13, R(3)));
	CHECK(r != NULL && r->type == RT_E1);
	CHECK(find(&rt, g6(0xf1, 0, 0), 48) == NULL);
	CHECK(find(&rt, g6(0xe7, 0, 0), 48) == NULL);
	CHECK(find(&rt, g6(0xe8, 0, 0), 48) == NULL);
	CHECK(find(&rt, g6(0xe9, 0, 0), 48) == NULL);

	/* from R2, an ABR: the backbone's inter-area-prefix-LSAs only; R9 in
	 * its own area */
	CHECK_EQ(spf6_routes(db, R(2), &rt), 0);
	r = find(&rt, g6(0x800, 0, 0), 48);
	CHECK(one_nh(r, 6, ll(82), 28, R(8)));
	CHECK(r != NULL && r->type == RT_INTER && r->area == 0);
	CHECK(find(&rt, g6(0x300, 0, 0), 48) == NULL);
	r = find(&rt, g6(3, 0, 0), 64);                         /* area 1 intra */
	CHECK(one_nh(r, 14, ll(12), 21, R(1)));
	CHECK(r != NULL && r->area == 1);
	r = find(&rt, g6(0xe1, 0, 0), 48);
	CHECK(one_nh(r, 40, ll(92), 29, R(9)));
	r = find(&rt, g6(0xe3, 0, 0), 48);                      /* R3 now the farther */
	CHECK(r != NULL && r->type == RT_E2 && r->cost == 13 && r->type2_cost == 40 &&
	      r->nnh == 1 && r->nh[0].router == R(1));
	route6_table_free(&rt);
	lsdb_free(db);
}

/*
 * NSSA area 2: R1 -- R2 (10), R1 -- R4 (4), R2 -- R4 (6); R4 an ASBR, R2
 * the ABR translating R4's NSSA-LSAs into AS-external-LSAs.  Area 0:
 * R2 -- R3 (2).  R4 exports 77::/48 (type 2, 30, forwarding address
 * 2001:db8:4::1 in its 4::/64) and 78::/48 (type 1, 3).  R1 and R4 are in
 * the NSSA only: their router-LSAs lack the E option.
 */
static void build_nssa(void)
{
	const uint32_t nssa = 2, opts = OSPF6_OPT_V6 | OSPF6_OPT_R | OSPF6_OPT_N;

	lsab6_router(&lb, R(1), 0, 0, opts);
	p2p(1, 2, 10);
	p2p(1, 4, 4);
	install(nssa);
	lsab6_router(&lb, R(2), 0, LSA6_ROUTER_B | LSA6_ROUTER_E | LSA6_ROUTER_NT, opts);
	p2p(2, 1, 10);
	p2p(2, 4, 6);
	install(nssa);
	lsab6_router(&lb, R(4), 0, LSA6_ROUTER_E, opts);
	p2p(4, 1, 4);
	p2p(4, 2, 6);
	install(nssa);
	link_to(1, 2, nssa);
	link_to(1, 4, nssa);
	link_to(2, 1, nssa);
	link_to(2, 4, nssa);
	link_to(4, 1, nssa);
	link_to(4, 2, nssa);
	stub(4, 0, g6(4, 0, 0), 64, 0, 1, nssa);
	lsab6_external(&lb, LSA6_NSSA, R(4), 1, true, 30, 48, LSA6_PREFIX_P, g6(0x77, 0, 0).b,
	               g6(4, 0, 1).b);
	install(nssa);
	lsab6_external(&lb, LSA6_NSSA, R(4), 2, false, 3, 48, LSA6_PREFIX_P, g6(0x78, 0, 0).b, NULL);
	install(nssa);

	lsab6_router(&lb, R(2), 0, LSA6_ROUTER_B | LSA6_ROUTER_E, LSAB6_OPTS);
	p2p(2, 3, 2);
	install(0);
	lsab6_router(&lb, R(3), 0, LSA6_ROUTER_E, LSAB6_OPTS);
	p2p(3, 2, 2);
	install(0);
	link_to(2, 3, 0);
	link_to(3, 2, 0);
	/* an NSSA-LSA of R3's, which is not in the NSSA */
	lsab6_external(&lb, LSA6_NSSA, R(3), 1, true, 1, 48, 0, g6(0x79, 0, 0).b, NULL);
	install(nssa);
	lsab6_inter_prefix(&lb, R(2), 1, 7, 64, 0, g6(4, 0, 0).b);
	install(0);
	/* R2's translations */
	lsab6_external(&lb, LSA6_EXTERNAL, R(2), 1, true, 30, 48, 0, g6(0x77, 0, 0).b,
	               g6(4, 0, 1).b);
	install(LSDB_AS_SCOPE);
	lsab6_external(&lb, LSA6_EXTERNAL, R(2), 2, false, 3, 48, 0, g6(0x78, 0, 0).b, NULL);
	install(LSDB_AS_SCOPE);
}

static void test_nssa(void)
{
	struct route6_table rt = { 0 };
	const struct route6 *r;

	db = lsdb_new(1000);
	build_nssa();
	/* R1, in the NSSA only: N2 through the forwarding address (4 + 1);
	 * the type-5 LSAs are not its (it would merge an E2 at equal rank) */
	CHECK_EQ(spf6_routes(db, R(1), &rt), 0);
	r = find(&rt, g6(0x77, 0, 0), 48);
	CHECK(one_nh(r, 5, ll(41), 14, R(4)));
	CHECK(r != NULL && r->type == RT_N2 && r->type2_cost == 30 && r->area == 2);
	r = find(&rt, g6(0x78, 0, 0), 48);
	CHECK(one_nh(r, 7, ll(41), 14, R(4)));
	CHECK(r != NULL && r->type == RT_N1);
	CHECK_EQ(rt.n, 3);

	/* R2, the translator: its own type-5s skipped, the type-7s used */
	CHECK_EQ(spf6_routes(db, R(2), &rt), 0);
	r = find(&rt, g6(0x77, 0, 0), 48);
	CHECK(one_nh(r, 7, ll(42), 24, R(4)));
	CHECK(r != NULL && r->type == RT_N2 && r->type2_cost == 30);
	r = find(&rt, g6(0x78, 0, 0), 48);
	CHECK(r != NULL && r->type == RT_N1 && r->cost == 9);
	CHECK(find(&rt, g6(0x79, 0, 0), 48) == NULL);          /* R3 is not in area 2 */

	/* R3, in the backbone: E2 by the forwarding address's inter-area
	 * route (2 + 7), E1 to the translator (2 + 3) */
	CHECK_EQ(spf6_routes(db, R(3), &rt), 0);
	r = find(&rt, g6(4, 0, 0), 64);
	CHECK(r != NULL && r->type == RT_INTER && r->cost == 9);
	r = find(&rt, g6(0x77, 0, 0), 48);
	CHECK(one_nh(r, 9, ll(23), 32, R(2)));
	CHECK(r != NULL && r->type == RT_E2 && r->type2_cost == 30);
	r = find(&rt, g6(0x78, 0, 0), 48);
	CHECK(one_nh(r, 5, ll(23), 32, R(2)));
	CHECK(r != NULL && r->type == RT_E1);
	route6_table_free(&rt);
	lsdb_free(db);
}

/*
 * RFC 5340 A.2: no transit through a router whose options lack R (R2) or
 * V6 (R3); their own prefixes are still reached.  R1 -- R2 -- R4 and
 * R1 -- R3 -- R4 at 1 + 1, R1 -- R5 -- R4 at 10 + 10.
 */
static void test_no_transit(void)
{
	struct route6_table rt = { 0 };
	const struct route6 *r;

	db = lsdb_new(1000);
	lsab6_router(&lb, R(1), 0, 0, LSAB6_OPTS);
	p2p(1, 2, 1);
	p2p(1, 3, 1);
	p2p(1, 5, 10);
	install(0);
	lsab6_router(&lb, R(2), 0, 0, OSPF6_OPT_V6 | OSPF6_OPT_E);
	p2p(2, 1, 1);
	p2p(2, 4, 1);
	install(0);
	lsab6_router(&lb, R(3), 0, 0, OSPF6_OPT_R | OSPF6_OPT_E);
	p2p(3, 1, 1);
	p2p(3, 4, 1);
	install(0);
	lsab6_router(&lb, R(4), 0, 0, LSAB6_OPTS);
	p2p(4, 2, 1);
	p2p(4, 3, 1);
	p2p(4, 5, 10);
	install(0);
	lsab6_router(&lb, R(5), 0, 0, LSAB6_OPTS);
	p2p(5, 1, 10);
	p2p(5, 4, 10);
	install(0);
	for (unsigned i = 1; i <= 5; i++)
		stub(i, 0, g6(0xff, 0, (uint16_t)i), 128, LSA6_PREFIX_LA, 0, 0);
	link_to(5, 1, 0);

	CHECK_EQ(spf6_routes(db, R(1), &rt), 0);
	r = find(&rt, g6(0xff, 0, 4), 128);
	CHECK(one_nh(r, 20, ll(51), 15, R(5)));
	r = find(&rt, g6(0xff, 0, 2), 128);
	CHECK(r != NULL && r->cost == 1 && r->nnh == 1 && r->nh[0].router == R(2));
	r = find(&rt, g6(0xff, 0, 3), 128);
	CHECK(r != NULL && r->cost == 1 && r->nnh == 1 && r->nh[0].router == R(3));
	/* root itself is no transit: R2 computes its routes through anything */
	CHECK_EQ(spf6_routes(db, R(2), &rt), 0);
	r = find(&rt, g6(0xff, 0, 4), 128);
	CHECK(r != NULL && r->cost == 1 && r->nnh == 1 && r->nh[0].router == R(4));
	r = find(&rt, g6(0xff, 0, 3), 128);                     /* through R1 and R4 */
	CHECK(r != NULL && r->cost == 2 && r->nnh == 2);
	CHECK(r != NULL && nh_is(&r->nh[0], zero6, 21, R(1)) && nh_is(&r->nh[1], zero6, 24, R(4)));
	route6_table_free(&rt);
	lsdb_free(db);
}

/*
 * A virtual link: R1 and R2 in area 1 (5 apart), R2 -- R3 in the backbone
 * (1), R1 in the backbone only by its virtual link to R2 (5, interfaces 100
 * and 200).  The backbone's routes go through R2 as area 1 reaches it --
 * when R1's router-LSA in area 1 has the V flag (the link is up).
 */
static void test_virtual(bool v_flag)
{
	struct route6_table rt = { 0 };
	const struct route6 *r;

	db = lsdb_new(100);
	lsab6_router(&lb, R(1), 0, LSA6_ROUTER_B | (v_flag ? LSA6_ROUTER_V : 0), LSAB6_OPTS);
	p2p(1, 2, 5);
	install(1);
	lsab6_router(&lb, R(2), 0, LSA6_ROUTER_B | LSA6_ROUTER_V, LSAB6_OPTS);
	p2p(2, 1, 5);
	install(1);
	link_to(2, 1, 1);
	lsab6_router(&lb, R(1), 0, LSA6_ROUTER_B, LSAB6_OPTS);
	lsab6_iface(&lb, LINK6_VIRTUAL, 5, 100, 200, R(2));
	install(0);
	lsab6_router(&lb, R(2), 0, LSA6_ROUTER_B, LSAB6_OPTS);
	lsab6_iface(&lb, LINK6_VIRTUAL, 5, 200, 100, R(1));
	p2p(2, 3, 1);
	install(0);
	lsab6_router(&lb, R(3), 0, 0, LSAB6_OPTS);
	p2p(3, 2, 1);
	install(0);
	stub(3, 0, g6(3, 0, 0), 64, 0, 0, 0);

	CHECK_EQ(spf6_routes(db, R(1), &rt), 0);
	r = find(&rt, g6(3, 0, 0), 64);
	if (v_flag) {
		CHECK(one_nh(r, 6, ll(21), 12, R(2)));
		CHECK(r != NULL && r->type == RT_INTRA && r->area == 0);
	} else {
		CHECK(r == NULL);
	}
	route6_table_free(&rt);
	lsdb_free(db);
}

/* --- route6_lookup ----------------------------------------------------- */

static void add_route(struct route6_table *rt, struct a6 p, uint8_t plen)
{
	if (rt->n == rt->cap) {
		rt->cap = rt->cap ? rt->cap * 2 : 16;
		rt->r = realloc(rt->r, rt->cap * sizeof(rt->r[0]));
		if (rt->r == NULL)
			abort();
	}
	memset(&rt->r[rt->n], 0, sizeof(rt->r[0]));
	memcpy(rt->r[rt->n].prefix, p.b, 16);
	rt->r[rt->n].plen = plen;
	rt->n++;
}

static bool holds(const struct route6 *r, const uint8_t *a)
{
	for (unsigned i = 0; i < r->plen; i++)
		if ((r->prefix[i / 8] ^ a[i / 8]) & (0x80 >> (i % 8)))
			return false;
	return true;
}

/* The longest match by a walk over every route. */
static const struct route6 *naive(const struct route6_table *rt, const uint8_t *a)
{
	const struct route6 *best = NULL;

	for (unsigned i = 0; i < rt->n; i++)
		if (holds(&rt->r[i], a) && (best == NULL || rt->r[i].plen > best->plen))
			best = &rt->r[i];
	return best;
}

static bool is(const struct route6 *r, struct a6 p, uint8_t plen)
{
	return r != NULL && r->plen == plen && memcmp(r->prefix, p.b, 16) == 0;
}

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (uint32_t)(rnd_state >> 16);
}

static void test_lookup(void)
{
	struct route6_table rt = { 0 };
	struct a6 x;

	/* nested, and the address sorting just after a route that misses */
	add_route(&rt, g6(1, 2, 1), 128);
	add_route(&rt, g6(1, 2, 0), 64);
	add_route(&rt, g6(1, 0, 0), 48);
	add_route(&rt, g6(0, 0, 0), 32);
	add_route(&rt, g6(2, 0, 0), 48);
	add_route(&rt, g6(1, 3, 0), 64);
	route6_table_index(&rt);
	CHECK(table_sorted(&rt));
	/* db8::/32, 1::/48, 1:2::/64, 1:2::1/128, 1:3::/64, 2::/48 */
	CHECK(rt.r[0].up == 0 && rt.r[1].up == 1 && rt.r[2].up == 2 && rt.r[3].up == 3 &&
	      rt.r[4].up == 2 && rt.r[5].up == 1);
	CHECK(route6_lookup(&rt, g6(1, 2, 1).b) == &rt.r[3] && is(&rt.r[3], g6(1, 2, 1), 128));
	CHECK(is(route6_lookup(&rt, g6(1, 2, 2).b), g6(1, 2, 0), 64));   /* after the /128 */
	CHECK(is(route6_lookup(&rt, g6(1, 2, 0).b), g6(1, 2, 0), 64));
	CHECK(is(route6_lookup(&rt, g6(1, 4, 1).b), g6(1, 0, 0), 48));   /* after 1:3::/64 */
	CHECK(is(route6_lookup(&rt, g6(1, 0xffff, 1).b), g6(1, 0, 0), 48));
	CHECK(is(route6_lookup(&rt, g6(3, 0, 1).b), g6(0, 0, 0), 32));
	CHECK(is(route6_lookup(&rt, g6(2, 9, 9).b), g6(2, 0, 0), 48));
	CHECK(route6_lookup(&rt, ll(1).b) == NULL);                     /* past them all */
	x = g6(0, 0, 0);
	x.b[3] = 0xb7;                                                  /* before them all */
	CHECK(route6_lookup(&rt, x.b) == NULL);
	add_route(&rt, zero6, 0);                                       /* ::/0 */
	route6_table_index(&rt);
	CHECK(is(route6_lookup(&rt, ll(1).b), zero6, 0));
	CHECK(is(route6_lookup(&rt, x.b), zero6, 0));
	CHECK(is(route6_lookup(&rt, g6(1, 2, 2).b), g6(1, 2, 0), 64));
	route6_table_free(&rt);
	CHECK(route6_lookup(&rt, x.b) == NULL);                         /* empty */

	/* random tables against the walk over every route: prefixes drawn
	 * from a few close addresses so that they nest */
	for (unsigned round = 0; round < 40; round++) {
		struct a6 base[4];
		unsigned bad = 0;
		for (unsigned k = 0; k < 4; k++) {
			base[k] = g6((uint16_t)(rnd() & 3), (uint16_t)rnd(), (uint16_t)rnd());
			base[k].b[9] = (uint8_t)rnd();
		}
		for (unsigned i = 0; i < 200; i++) {
			struct a6 p = base[rnd() % 4];
			uint8_t plen = (uint8_t)(rnd() % 129), m[16] = { 0 };
			p.b[15] ^= (uint8_t)(rnd() & 7);
			memcpy(m, p.b, plen / 8);
			if (plen % 8)
				m[plen / 8] = (uint8_t)(p.b[plen / 8] & (0xff << (8 - plen % 8)));
			memcpy(p.b, m, 16);
			bool dup = false;
			for (unsigned j = 0; j < rt.n && !dup; j++)
				dup = rt.r[j].plen == plen && memcmp(rt.r[j].prefix, p.b, 16) == 0;
			if (!dup)
				add_route(&rt, p, plen);
		}
		route6_table_index(&rt);
		for (unsigned i = 0; i < 500; i++) {
			struct a6 a = base[rnd() % 4];
			a.b[15] ^= (uint8_t)(rnd() & 15);
			a.b[rnd() % 16] ^= (uint8_t)(rnd() % 3 == 0 ? rnd() : 0);
			if (route6_lookup(&rt, a.b) != naive(&rt, a.b))
				bad++;
		}
		CHECK_EQ(bad, 0);
		rt.n = 0;
	}
	route6_table_free(&rt);
}


/* A router's own prefix at the same cost as a way round through a
 * neighbour stays attached, with no next hop (FRR's ospf6d alike): R1's
 * p2p prefix at metric 30, R2 (10 away) announcing it at 20; farther than
 * the way round it is R2's route; nearer, attached. */
static void test_attached_tie(void)
{
	struct route6_table rt = { 0 };
	const struct route6 *r;
	struct a6 p = g6(0x12, 0, 0);
	uint16_t m[3] = { 30, 31, 29 };

	for (int k = 0; k < 3; k++) {
		db = lsdb_new(100);
		lsab6_router(&lb, R(1), 0, 0, LSAB6_OPTS);
		p2p(1, 2, 10);
		install(0);
		lsab6_router(&lb, R(2), 0, 0, LSAB6_OPTS);
		p2p(2, 1, 10);
		install(0);
		link_to(2, 1, 0);
		stub(1, 0, p, 64, 0, m[k], 0);
		stub(2, 0, p, 64, 0, 20, 0);
		CHECK_EQ(spf6_routes(db, R(1), &rt), 0);
		r = find(&rt, p, 64);
		CHECK(r != NULL);
		if (r != NULL && k != 1)
			CHECK(r->attached && r->nnh == 0 && r->cost == m[k]);
		if (r != NULL && k == 1)
			CHECK(!r->attached && one_nh(r, 30, ll(21), 12, R(2)));
		lsdb_free(db);
	}
	route6_table_free(&rt);
}

/* ---- the database's walks (lib/lsdb.c's groups) ------------------------- */

/*
 * lsdb_foreach of one (area, type), of an area (every type; OSPFv3's),
 * lsdb_areas and lsdb_sorted against a model kept from lsdb_install's
 * results and lsdb_age's calls alone, over random installs, refreshes,
 * flushes, replays and agings of both versions' LSAs in a few areas and
 * the AS scope, in a database small enough that tombstones are evicted
 * and LSAs refused: the walks must give exactly the LSAs held, in their
 * order, whatever happened to them.
 */
#define W_AREAS 3
#define W_TYPES 9
#define W_IDS 3
#define W_KEYS (W_AREAS * W_TYPES * W_IDS * W_IDS)

static const uint32_t w_area[W_AREAS] = { 0, 7, 0x0a000001u };
static const uint32_t w_type[W_TYPES] = {        /* key's types */
	LSA_ROUTER, LSA_NETWORK, LSA_SUMMARY, LSA_EXTERNAL,
	LSDB_V3 | LSA6_ROUTER, LSDB_V3 | LSA6_NETWORK, LSDB_V3 | LSA6_LINK,
	LSDB_V3 | LSA6_INTRA_PREFIX, LSDB_V3 | LSA6_EXTERNAL,
};

struct wkey {
	uint32_t area, type, ls_id, adv;   /* area: lsdb_scope's */
	int32_t seq;                       /* the last one sent */
	bool live;
};

static struct wkey wk[W_KEYS];
static unsigned nwk, w_bad;          /* wk[0..nwk) */

struct wlist {
	const struct lsdb_entry *e[W_KEYS];
	unsigned n;
};

static void w_collect(void *ctx, const struct lsdb_entry *e)
{
	struct wlist *l = ctx;

	if (l->n < W_KEYS)
		l->e[l->n] = e;
	l->n++;
}

static void w_aged(void *ctx, const struct lsdb_entry *e)
{
	(void)ctx;
	for (unsigned k = 0; k < nwk; k++)
		if (wk[k].area == e->area && wk[k].type == lsdb_type(&e->lsa.h) &&
		    wk[k].ls_id == e->lsa.h.ls_id && wk[k].adv == e->lsa.h.adv_router) {
			if (!wk[k].live)
				w_bad++;
			wk[k].live = false;
		}
}

static int wkey_cmp(const void *a, const void *b)
{
	const struct wkey *x = *(const struct wkey *const *)a, *y = *(const struct wkey *const *)b;

	if (x->area != y->area)
		return x->area < y->area ? -1 : 1;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	if (x->ls_id != y->ls_id)
		return x->ls_id < y->ls_id ? -1 : 1;
	return x->adv < y->adv ? -1 : x->adv > y->adv;
}

/* Does walk l give exactly the live keys passing `want`, in order? */
static bool w_same(const struct wlist *l, bool (*want)(const struct wkey *, uint32_t, uint32_t),
                   uint32_t area, uint32_t type)
{
	const struct wkey *x[W_KEYS];
	unsigned n = 0;

	for (unsigned k = 0; k < nwk; k++)
		if (wk[k].live && want(&wk[k], area, type))
			x[n++] = &wk[k];
	qsort(x, n, sizeof(x[0]), wkey_cmp);
	if (l->n != n)
		return false;
	for (unsigned i = 0; i < n; i++) {
		const struct lsdb_entry *e = l->e[i];
		if (e->area != x[i]->area || lsdb_type(&e->lsa.h) != x[i]->type ||
		    e->lsa.h.ls_id != x[i]->ls_id || e->lsa.h.adv_router != x[i]->adv ||
		    e->lsa.h.seq != x[i]->seq)
			return false;
	}
	return true;
}

static bool want_one(const struct wkey *k, uint32_t area, uint32_t type)
{
	return k->area == area && k->type == type;
}

static bool want_area(const struct wkey *k, uint32_t area, uint32_t type)
{
	return k->area == area && (type == 0 || (k->type & LSDB_V3));
}

static bool want_all(const struct wkey *k, uint32_t area, uint32_t type)
{
	(void)k, (void)area, (void)type;
	return true;
}

static void w_check(void)
{
	static const uint32_t scopes[W_AREAS + 2] = { 0, 7, 0x0a000001u, LSDB_AS_SCOPE, 5 };
	static struct wlist l;
	uint32_t areas[8], want[8], nwant = 0, live = 0;
	const struct lsdb_entry **v;
	uint32_t n;

	for (unsigned a = 0; a < W_AREAS + 2; a++) {
		for (unsigned t = 0; t < W_TYPES; t++) {
			l.n = 0;
			lsdb_foreach(db, scopes[a], w_type[t], w_collect, &l);
			w_bad += !w_same(&l, want_one, scopes[a], w_type[t]);
		}
		l.n = 0;
		lsdb_foreach(db, scopes[a], 0, w_collect, &l);
		w_bad += !w_same(&l, want_area, scopes[a], 0);
		l.n = 0;
		lsdb_foreach(db, scopes[a], LSDB_V3, w_collect, &l);
		w_bad += !w_same(&l, want_area, scopes[a], LSDB_V3);
	}
	/* lsdb_sorted: every entry, by area, type, ls_id, adv_router */
	if (!lsdb_sorted(db, &v, &n)) {
		w_bad++;
		return;
	}
	l.n = 0;
	for (uint32_t i = 0; i < n; i++)
		w_collect(&l, v[i]);
	free(v);
	w_bad += !w_same(&l, want_all, 0, 0);
	/* lsdb_areas: the areas holding an LSA, ascending; the least ones first */
	for (unsigned a = 0; a < W_AREAS; a++) {
		bool has = false;
		for (unsigned k = 0; k < nwk; k++)
			has |= wk[k].live && wk[k].area == w_area[a];
		if (has)
			want[nwant++] = w_area[a];
	}
	for (unsigned k = 0; k < nwk; k++)
		live += wk[k].live;
	w_bad += lsdb_stats(db)->entries != live;
	w_bad += lsdb_areas(db, areas, 8) != nwant || memcmp(areas, want, nwant * sizeof(*want)) != 0;
	w_bad += lsdb_areas(db, areas, 1) != (nwant > 0) || (nwant > 0 && areas[0] != want[0]);
	w_bad += lsdb_areas(db, areas, 0) != 0;
}

static void test_walks(void)
{
	uint8_t raw[64];
	uint64_t now = 1000;
	unsigned checks = 0;

	memset(raw, 0, sizeof(raw));
	nwk = 0;
	for (unsigned a = 0; a < W_AREAS; a++)
		for (unsigned t = 0; t < W_TYPES; t++)
			for (unsigned i = 0; i < W_IDS; i++)
				for (unsigned r = 0; r < W_IDS; r++) {
					uint32_t scope = lsdb_scope(w_area[a], w_type[t]);
					if (scope == LSDB_AS_SCOPE && a > 0)
						continue;        /* one key in the AS scope */
					wk[nwk++] = (struct wkey){ scope, w_type[t], i, R(r + 1),
					                           OSPF_INITIAL_SEQ - 1, false };
				}
	rnd_state = 12345;
	w_bad = 0;
	db = lsdb_new(60);                 /* fewer than the keys: FULL and evictions */
	for (unsigned step = 0; step < 20000; step++) {
		struct wkey *x = &wk[rnd() % nwk];
		unsigned what = rnd() % 16;
		struct lsa l;
		enum lsdb_result res;

		memset(&l, 0, sizeof(l));
		l.h.v3 = (x->type & LSDB_V3) != 0;
		l.h.type = (uint16_t)x->type;
		l.h.ls_id = x->ls_id;
		l.h.adv_router = x->adv;
		l.h.age = (uint16_t)(rnd() % 600);
		l.h.seq = x->seq + 1;
		if (what < 3)
			l.h.age = OSPF_MAX_AGE;                  /* a flush */
		else if (what < 4)                           /* a replay, or older */
			l.h.seq = x->seq < OSPF_INITIAL_SEQ + 2 ? OSPF_INITIAL_SEQ
			                                         : x->seq - (int32_t)(rnd() % 3);
		l.h.length = (uint16_t)(24 + 4 * (rnd() % 4));
		l.h.checksum = (uint16_t)rnd();
		raw[20] = (uint8_t)rnd();
		l.raw = raw;
		/* installed in a random area of the three (AS-scoped: moved to the
		 * AS scope by lsdb_install); the key's area must be that one */
		uint32_t area = x->area == LSDB_AS_SCOPE ? w_area[rnd() % W_AREAS] : x->area;
		res = lsdb_install(db, area, &l, now, NULL);
		switch (res) {
		case LSDB_ADDED:
		case LSDB_CHANGED:
		case LSDB_REFRESHED:
			x->live = true;
			x->seq = l.h.seq;
			break;
		case LSDB_FLUSHED:
			x->live = false;
			x->seq = l.h.seq;
			break;
		case LSDB_OLDER:
		case LSDB_STALE:
			if (l.h.seq > x->seq)
				x->seq = l.h.seq;
			break;
		default:
			break;
		}
		now += rnd() % 50000;                        /* up to 50 s */
		if (rnd() % 64 == 0)
			now += (uint64_t)(rnd() % 3600) * 1000;  /* ages some out */
		lsdb_age(db, now, w_aged, NULL);
		if (step % 7 == 0) {
			w_check();
			checks++;
		}
	}
	w_check();
	CHECK_EQ(w_bad, 0);
	CHECK(checks > 2000);
	CHECK(lsdb_stats(db)->tombstones_evicted > 0);   /* the bounds were reached */
	CHECK(lsdb_stats(db)->installed[LSDB_FULL] > 0);
	CHECK(lsdb_stats(db)->aged_out > 0);
	lsdb_free(db);
}

/* lsdb_areas with more areas than room: the least, ascending; the walks of
 * an area that went give nothing. */
static void test_many_areas(void)
{
	static struct wlist l;
	uint8_t raw[24] = { 0 };
	uint32_t areas[70];
	struct lsa a;
	bool ok = true;

	db = lsdb_new(1000);
	memset(&a, 0, sizeof(a));
	a.h.v3 = true;
	a.h.type = LSA6_ROUTER;
	a.h.adv_router = R(1);
	a.h.seq = OSPF_INITIAL_SEQ;
	a.h.length = 24;
	a.raw = raw;
	for (uint32_t i = 0; i < 300; i++)              /* areas 299*7 % 1000 .. in no order */
		CHECK_EQ(lsdb_install(db, (i * 7919u) % 1000u + 5, &a, 0, NULL), LSDB_ADDED);
	CHECK_EQ(lsdb_areas(db, areas, 64), 64);
	for (unsigned i = 1; i < 64; i++)
		ok &= areas[i - 1] < areas[i];
	for (uint32_t x = 0, k = 0; x < 1005 && k < 64; x++) {   /* the 64 least areas */
		bool held = false;
		for (uint32_t i = 0; i < 300; i++)
			held |= (i * 7919u) % 1000u + 5 == x;
		if (held)
			ok &= areas[k++] == x;
	}
	CHECK(ok);
	/* flush the least: it goes from the list and its walks */
	a.h.age = OSPF_MAX_AGE;
	a.h.seq++;
	CHECK_EQ(lsdb_install(db, areas[0], &a, 1000, NULL), LSDB_FLUSHED);
	lsdb_foreach(db, areas[0], 0, w_collect, &l);
	lsdb_foreach(db, areas[0], LSDB_V3 | LSA6_ROUTER, w_collect, &l);
	CHECK_EQ(l.n, 0);
	uint32_t second = areas[1];
	CHECK_EQ(lsdb_areas(db, areas, 70), 70);
	CHECK_EQ(areas[0], second);
	lsdb_foreach(db, second, LSDB_V3 | LSA6_ROUTER, w_collect, &l);
	CHECK_EQ(l.n, 1);
	lsdb_free(db);
}

int main(void)
{
	test_p2p();
	test_lan();
	test_inter_external();
	test_nssa();
	test_no_transit();
	test_virtual(true);
	test_virtual(false);
	test_lookup();
	test_attached_tie();
	test_walks();
	test_many_areas();
	return check_done("test_spf6");
}
