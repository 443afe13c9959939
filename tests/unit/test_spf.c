/* LSDB installation rules and SPF on a hand-built area. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lsabuild.h"
#include "hash.h"
#include "lsdb.h"
#include "spf.h"

static struct lsdb *db;

static void install(struct lsabuf *l, uint32_t area)
{
	struct lsa a;

	lsab_finish(l, &a);
	CHECK_EQ(lsdb_install(db, area, &a, 0, NULL), LSDB_ADDED);
}

static const struct route *find(const struct route_table *rt, uint32_t prefix, uint32_t mask)
{
	for (unsigned i = 0; i < rt->n; i++)
		if (rt->r[i].prefix == prefix && rt->r[i].mask == mask)
			return &rt->r[i];
	return NULL;
}

/*
 *   R1 --10-- R2 --10-- R4 ==(net 10.0.45.0/24, DR R4)== R5 (ASBR) -- 10.5.0.0/24
 *    \--10-- R3 --10---/     R4 is also an ABR: 172.16.0.0/16 metric 3
 *   R6 claims a link to R1 that R1 does not return (two-way check).
 */
static void build(void)
{
	struct lsabuf l;
	uint32_t net45[] = { IP(4,4,4,4), IP(5,5,5,5) };

	lsab_router_begin(&l, IP(1,1,1,1), 0, OSPF_INITIAL_SEQ);
	lsab_router_link(&l, LINK_P2P, IP(2,2,2,2), IP(10,0,12,1), 10);
	lsab_router_link(&l, LINK_STUB, IP(10,0,12,0), IP(255,255,255,252), 10);
	lsab_router_link(&l, LINK_P2P, IP(3,3,3,3), IP(10,0,13,1), 10);
	lsab_router_link(&l, LINK_STUB, IP(10,0,13,0), IP(255,255,255,252), 10);
	lsab_router_link(&l, LINK_STUB, IP(10,255,0,1), IP(255,255,255,255), 0);
	install(&l, 0);

	lsab_router_begin(&l, IP(2,2,2,2), 0, OSPF_INITIAL_SEQ);
	lsab_router_link(&l, LINK_P2P, IP(1,1,1,1), IP(10,0,12,2), 10);
	lsab_router_link(&l, LINK_STUB, IP(10,0,12,0), IP(255,255,255,252), 10);
	lsab_router_link(&l, LINK_P2P, IP(4,4,4,4), IP(10,0,24,2), 10);
	lsab_router_link(&l, LINK_STUB, IP(10,255,0,2), IP(255,255,255,255), 0);
	install(&l, 0);

	lsab_router_begin(&l, IP(3,3,3,3), 0, OSPF_INITIAL_SEQ);
	lsab_router_link(&l, LINK_P2P, IP(1,1,1,1), IP(10,0,13,3), 10);
	lsab_router_link(&l, LINK_P2P, IP(4,4,4,4), IP(10,0,34,3), 10);
	install(&l, 0);

	lsab_router_begin(&l, IP(4,4,4,4), LSA_ROUTER_B, OSPF_INITIAL_SEQ);
	lsab_router_link(&l, LINK_P2P, IP(2,2,2,2), IP(10,0,24,4), 10);
	lsab_router_link(&l, LINK_P2P, IP(3,3,3,3), IP(10,0,34,4), 10);
	lsab_router_link(&l, LINK_TRANSIT, IP(10,0,45,4), IP(10,0,45,4), 1);
	lsab_router_link(&l, LINK_STUB, IP(10,255,0,4), IP(255,255,255,255), 0);
	install(&l, 0);

	lsab_router_begin(&l, IP(5,5,5,5), LSA_ROUTER_E, OSPF_INITIAL_SEQ);
	lsab_router_link(&l, LINK_TRANSIT, IP(10,0,45,4), IP(10,0,45,5), 1);
	lsab_router_link(&l, LINK_STUB, IP(10,5,0,0), IP(255,255,255,0), 5);
	install(&l, 0);

	lsab_router_begin(&l, IP(6,6,6,6), 0, OSPF_INITIAL_SEQ);
	lsab_router_link(&l, LINK_P2P, IP(1,1,1,1), IP(10,0,16,6), 1);
	lsab_router_link(&l, LINK_STUB, IP(10,6,0,0), IP(255,255,0,0), 1);
	install(&l, 0);

	lsab_network(&l, IP(10,0,45,4), IP(4,4,4,4), IP(255,255,255,0), net45, 2);
	install(&l, 0);
	lsab_summary(&l, LSA_SUMMARY, IP(172,16,0,0), IP(4,4,4,4), IP(255,255,0,0), 3);
	install(&l, 0);
	lsab_external(&l, IP(192,0,2,0), IP(5,5,5,5), IP(255,255,255,0), true, 20, 0);
	install(&l, 0);
	lsab_external(&l, IP(198,51,100,0), IP(5,5,5,5), IP(255,255,255,0), false, 7, 0);
	install(&l, 0);
	/* forwarding address on R2's loopback: the path to it, not to R5 */
	lsab_external(&l, IP(203,0,113,0), IP(5,5,5,5), IP(255,255,255,0), false, 1, IP(10,255,0,2));
	install(&l, 0);
}

static void test_spf(void)
{
	struct route_table rt = { 0 };
	const struct route *r;

	db = lsdb_new(1000);
	build();
	CHECK_EQ(spf_routes(db, IP(1,1,1,1), &rt), 0);

	r = find(&rt, IP(10,255,0,1), 0xffffffff);
	CHECK(r != NULL && r->type == RT_INTRA && r->cost == 0 && r->attached);
	r = find(&rt, IP(10,0,12,0), IP(255,255,255,252));
	CHECK(r != NULL && r->cost == 10 && r->attached);
	r = find(&rt, IP(10,255,0,2), 0xffffffff);
	CHECK(r != NULL && r->cost == 10 && r->nnh == 1 && r->nh[0] == IP(10,0,12,2));
	r = find(&rt, IP(10,255,0,4), 0xffffffff);       /* equal-cost pair */
	CHECK(r != NULL && r->cost == 20 && r->nnh == 2 &&
	      r->nh[0] == IP(10,0,12,2) && r->nh[1] == IP(10,0,13,3));
	r = find(&rt, IP(10,0,45,0), IP(255,255,255,0));  /* transit network */
	CHECK(r != NULL && r->cost == 21 && r->nnh == 2);
	r = find(&rt, IP(10,5,0,0), IP(255,255,255,0));   /* behind the network */
	CHECK(r != NULL && r->cost == 26 && r->nnh == 2);
	r = find(&rt, IP(172,16,0,0), IP(255,255,0,0));
	CHECK(r != NULL && r->type == RT_INTER && r->cost == 23 && r->nnh == 2);
	r = find(&rt, IP(192,0,2,0), IP(255,255,255,0));
	CHECK(r != NULL && r->type == RT_E2 && r->type2_cost == 20 && r->cost == 21 && r->nnh == 2);
	r = find(&rt, IP(198,51,100,0), IP(255,255,255,0));
	CHECK(r != NULL && r->type == RT_E1 && r->cost == 28);
	r = find(&rt, IP(203,0,113,0), IP(255,255,255,0));
	CHECK(r != NULL && r->type == RT_E1 && r->cost == 11 && r->nnh == 1 && r->nh[0] == IP(10,0,12,2));
	CHECK(find(&rt, IP(10,6,0,0), IP(255,255,0,0)) == NULL);   /* fails the two-way check */

	/* from R5: everything through the transit network; R1's stub via R4 */
	CHECK_EQ(spf_routes(db, IP(5,5,5,5), &rt), 0);
	r = find(&rt, IP(10,255,0,1), 0xffffffff);
	CHECK(r != NULL && r->cost == 21 && r->nnh == 1 && r->nh[0] == IP(10,0,45,4));
	r = find(&rt, IP(10,0,45,0), IP(255,255,255,0));
	CHECK(r != NULL && r->cost == 1 && r->attached);
	CHECK(find(&rt, IP(192,0,2,0), IP(255,255,255,0)) == NULL);  /* its own externals */

	CHECK_EQ(spf_routes(db, IP(9,9,9,9), &rt), -1);                /* not in the LSDB */
	route_table_free(&rt);
	lsdb_free(db);
}

/*
 * RFC 2328 16.1 step 3: at equal distance a network is taken before a
 * router.  R1 reaches R3 directly (p2p, 10) and across a LAN (10 + 0), so
 * both next hops count; taking R3 first would lose the LAN's.
 */
static void test_equal_cost_through_network(void)
{
	struct route_table rt = { 0 };
	struct lsabuf l;
	const struct route *r;
	uint32_t lan[] = { IP(1,1,1,1), IP(3,3,3,3) };

	db = lsdb_new(100);
	lsab_router_begin(&l, IP(1,1,1,1), 0, OSPF_INITIAL_SEQ);
	lsab_router_link(&l, LINK_P2P, IP(3,3,3,3), IP(10,0,13,1), 10);
	lsab_router_link(&l, LINK_TRANSIT, IP(10,0,0,1), IP(10,0,0,1), 10);
	install(&l, 0);
	lsab_router_begin(&l, IP(3,3,3,3), 0, OSPF_INITIAL_SEQ);
	lsab_router_link(&l, LINK_P2P, IP(1,1,1,1), IP(10,0,13,3), 10);
	lsab_router_link(&l, LINK_TRANSIT, IP(10,0,0,1), IP(10,0,0,3), 10);
	lsab_router_link(&l, LINK_STUB, IP(10,3,0,0), IP(255,255,0,0), 1);
	install(&l, 0);
	lsab_network(&l, IP(10,0,0,1), IP(1,1,1,1), IP(255,255,255,0), lan, 2);
	install(&l, 0);
	CHECK_EQ(spf_routes(db, IP(1,1,1,1), &rt), 0);
	r = find(&rt, IP(10,3,0,0), IP(255,255,0,0));
	CHECK(r != NULL && r->cost == 11 && r->nnh == 2 &&
	      r->nh[0] == IP(10,0,0,3) && r->nh[1] == IP(10,0,13,3));
	route_table_free(&rt);
	lsdb_free(db);
}

/*
 * A router only in an NSSA (its router-LSA without the E option) has no
 * AS-external routes: type-5 LSAs are not flooded there.  Its routes to
 * outside come from type-7 LSAs (N1/N2).  R1 and R2 in NSSA 0.0.0.2, R2 the
 * translator: its type-7 and the type-5 translated from it are both held.
 */
static void test_nssa_only_router(void)
{
	struct route_table rt = { 0 };
	struct lsabuf l;
	const struct route *r;

	db = lsdb_new(100);
	lsab_router_begin(&l, IP(1,1,1,1), 0, OSPF_INITIAL_SEQ);
	l.b[2] = OSPF_OPT_NP;
	lsab_router_link(&l, LINK_P2P, IP(2,2,2,2), IP(10,0,12,1), 10);
	install(&l, 2);
	lsab_router_begin(&l, IP(2,2,2,2), LSA_ROUTER_B | LSA_ROUTER_E, OSPF_INITIAL_SEQ);
	l.b[2] = OSPF_OPT_NP;
	lsab_router_link(&l, LINK_P2P, IP(1,1,1,1), IP(10,0,12,2), 10);
	install(&l, 2);
	lsab_external(&l, IP(192,0,2,0), IP(2,2,2,2), IP(255,255,255,0), true, 30, 0);
	l.b[3] = LSA_NSSA;
	l.b[2] = OSPF_OPT_NP;
	install(&l, 2);
	lsab_external(&l, IP(198,51,100,0), IP(2,2,2,2), IP(255,255,255,0), true, 30, 0);
	install(&l, LSDB_AS_SCOPE);
	CHECK_EQ(spf_routes(db, IP(1,1,1,1), &rt), 0);
	r = find(&rt, IP(192,0,2,0), IP(255,255,255,0));
	CHECK(r != NULL && r->type == RT_N2 && r->cost == 10 && r->type2_cost == 30);
	CHECK(find(&rt, IP(198,51,100,0), IP(255,255,255,0)) == NULL);
	route_table_free(&rt);
	lsdb_free(db);
}

static void test_lsdb(void)
{
	struct lsabuf l;
	struct lsa a;
	struct lsa_hdr old;
	const struct lsdb_entry *e;

	db = lsdb_new(2);
	lsab_router_begin(&l, IP(1,1,1,1), 0, 100);
	lsab_router_link(&l, LINK_STUB, IP(10,1,0,0), IP(255,255,0,0), 1);
	lsab_finish(&l, &a);
	CHECK_EQ(lsdb_install(db, 0, &a, 1000, NULL), LSDB_ADDED);
	CHECK_EQ(lsdb_install(db, 0, &a, 2000, NULL), LSDB_DUPLICATE);
	/* same contents, higher sequence: a refresh */
	lsab_router_begin(&l, IP(1,1,1,1), 0, 101);
	lsab_router_link(&l, LINK_STUB, IP(10,1,0,0), IP(255,255,0,0), 1);
	lsab_finish(&l, &a);
	CHECK_EQ(lsdb_install(db, 0, &a, 3000, &old), LSDB_REFRESHED);
	CHECK_EQ(old.seq, 100);
	/* older sequence: ignored */
	lsab_router_begin(&l, IP(1,1,1,1), 0, 99);
	lsab_router_link(&l, LINK_STUB, IP(10,1,0,0), IP(255,255,0,0), 1);
	lsab_finish(&l, &a);
	CHECK_EQ(lsdb_install(db, 0, &a, 3000, NULL), LSDB_OLDER);
	/* new contents */
	lsab_router_begin(&l, IP(1,1,1,1), 0, 102);
	lsab_router_link(&l, LINK_STUB, IP(10,1,0,0), IP(255,255,0,0), 5);
	lsab_finish(&l, &a);
	CHECK_EQ(lsdb_install(db, 0, &a, 4000, NULL), LSDB_CHANGED);
	e = lsdb_get(db, 0, LSA_ROUTER, IP(1,1,1,1), IP(1,1,1,1));
	CHECK(e != NULL && e->lsa.h.seq == 102 && lsdb_age_of(e, 4000) == 1 && lsdb_age_of(e, 14000) == 11);
	/* the same LSA in another area is another entry; AS scope ignores areas */
	CHECK_EQ(lsdb_install(db, 1, &a, 4000, NULL), LSDB_ADDED);
	lsab_external(&l, IP(192,0,2,0), IP(5,5,5,5), IP(255,255,255,0), true, 20, 0);
	lsab_finish(&l, &a);
	CHECK_EQ(lsdb_install(db, 7, &a, 4000, NULL), LSDB_FULL);      /* bound of 2 */
	CHECK_EQ(lsdb_stats(db)->entries, 2);
	/* a MaxAge instance flushes */
	lsab_router_begin(&l, IP(1,1,1,1), 0, 102);
	l.b[0] = OSPF_MAX_AGE >> 8;
	l.b[1] = OSPF_MAX_AGE & 0xff;
	lsab_router_link(&l, LINK_STUB, IP(10,1,0,0), IP(255,255,0,0), 5);
	lsab_finish(&l, &a);
	CHECK_EQ(lsdb_install(db, 1, &a, 5000, NULL), LSDB_FLUSHED);
	CHECK(lsdb_get(db, 1, LSA_ROUTER, IP(1,1,1,1), IP(1,1,1,1)) == NULL);
	CHECK_EQ(lsdb_install(db, 1, &a, 5000, NULL), LSDB_OLDER);    /* the flush again */
	/* ageing out */
	lsdb_age(db, 4000 + 3598 * 1000, NULL, NULL);      /* installed at age 1 */
	CHECK_EQ(lsdb_stats(db)->entries, 1);
	lsdb_age(db, 4000 + 3599 * 1000, NULL, NULL);
	CHECK_EQ(lsdb_stats(db)->entries, 0);
	CHECK_EQ(lsdb_stats(db)->aged_out, 1);
	lsdb_free(db);
}

static struct lsabuf tb;                  /* 64 KB: not on the stack */
static struct lsa ta;

/* The router-LSA of rid with one stub of `metric`, at sequence number seq,
 * its age field `age` (DoNotAge bit included): decoded in ta. */
static const struct lsa *rtr(uint32_t rid, int32_t seq, uint16_t age, uint16_t metric)
{
	lsab_router_begin(&tb, rid, 0, seq);
	lsab_router_link(&tb, LINK_STUB, IP(10,9,0,0), IP(255,255,255,0), metric);
	tb.b[0] = (uint8_t)(age >> 8);
	tb.b[1] = (uint8_t)age;
	lsab_finish(&tb, &ta);
	return &ta;
}

#define HOUR_MS ((uint64_t)OSPF_MAX_AGE * 1000)

/*
 * Tombstones: an LSA flushed or aged out leaves its last instance's header
 * for MaxAge; until then an instance not newer (13.1: sequence number,
 * checksum, age) is refused (STALE, counted), a newer one is installed
 * (ADDED); a MaxAge instance of an LSA not held leaves one too, and a
 * newer one moves it on.  They are invisible to look-ups and walks.
 */
static void test_lsdb_tombstones(void)
{
	const uint32_t A = IP(1,0,0,1), C = IP(1,0,0,3), D = IP(1,0,0,4), E = IP(1,0,0,5);
	const uint32_t F = IP(1,0,0,6);
	const struct lsdb_stats *st;
	const struct lsdb_entry **v;
	const struct lsdb_entry *e;
	uint16_t ck, m;
	uint32_t n;

	/* flushed: the same instance at MaxAge (premature aging, 14.1) */
	db = lsdb_new(16);
	st = lsdb_stats(db);
	CHECK_EQ(lsdb_install(db, 0, rtr(A, 100, 1, 1), 1000, NULL), LSDB_ADDED);
	ck = ta.h.checksum;
	CHECK_EQ(lsdb_install(db, 0, rtr(A, 100, OSPF_MAX_AGE, 1), 2000, NULL), LSDB_FLUSHED);
	CHECK(lsdb_get(db, 0, LSA_ROUTER, A, A) == NULL);
	CHECK_EQ(st->entries, 0);
	CHECK_EQ(st->tombstones, 1);
	CHECK(lsdb_sorted(db, &v, &n) && v == NULL && n == 0);
	CHECK_EQ(lsdb_areas(db, &n, 1), 0);
	/* its old instance, young or old, an older one within MinLSArrival of
	 * the flush, the flush again */
	CHECK_EQ(lsdb_install(db, 0, rtr(A, 100, 1, 1), 3000, NULL), LSDB_STALE);
	CHECK_EQ(lsdb_install(db, 0, rtr(A, 100, 2000, 1), 3000, NULL), LSDB_STALE);
	CHECK_EQ(lsdb_install(db, 0, rtr(A, 99, 1, 1), 2000 + LSDB_FLUSH_HOLD_MS - 1, NULL),
	         LSDB_STALE);
	CHECK_EQ(lsdb_install(db, 0, rtr(A, 100, OSPF_MAX_AGE, 1), 3000, NULL), LSDB_OLDER);
	CHECK_EQ(st->installed[LSDB_STALE], 3);
	CHECK(lsdb_get(db, 0, LSA_ROUTER, A, A) == NULL);
	/* the same sequence number, other contents: the checksum decides */
	for (m = 2; m < 1000 && rtr(A, 100, 1, m)->h.checksum >= ck; m++)
		;
	CHECK(ta.h.checksum < ck);
	CHECK_EQ(lsdb_install(db, 0, &ta, 3000, NULL), LSDB_STALE);
	for (m = 2; m < 1000 && rtr(A, 100, 1, m)->h.checksum <= ck; m++)
		;
	CHECK(ta.h.checksum > ck);
	CHECK_EQ(lsdb_install(db, 0, &ta, 3000, NULL), LSDB_ADDED);
	e = lsdb_get(db, 0, LSA_ROUTER, A, A);
	CHECK(e != NULL && e->lsa.h.checksum == ta.h.checksum);
	CHECK_EQ(st->entries, 1);
	CHECK_EQ(st->tombstones, 0);
	CHECK_EQ(st->installed[LSDB_STALE], 4);
	/* flushed again at 5000: the tombstone lives MaxAge from then, and
	 * refuses the instance flushed as long */
	CHECK_EQ(lsdb_install(db, 0, rtr(A, 101, OSPF_MAX_AGE, 1), 5000, NULL), LSDB_FLUSHED);
	lsdb_age(db, 5000 + HOUR_MS - 1, NULL, NULL);
	CHECK_EQ(st->tombstones, 1);
	CHECK_EQ(lsdb_install(db, 0, rtr(A, 101, 1, 1), 5000 + HOUR_MS - 1, NULL), LSDB_STALE);
	lsdb_age(db, 5000 + HOUR_MS, NULL, NULL);
	CHECK_EQ(st->tombstones, 0);
	CHECK_EQ(st->aged_out, 0);
	CHECK_EQ(lsdb_install(db, 0, rtr(A, 101, 1, 1), 5000 + HOUR_MS, NULL), LSDB_ADDED);
	lsdb_free(db);

	/* an OSPF process restarted ("clear ip ospf process" in FRR): its LSA
	 * flushed at +15, then numbered afresh from where the new process
	 * starts (+9), seconds later.  Within MinLSArrival of the flush, taken
	 * for a delayed instance; after, installed, as the routers do. */
	db = lsdb_new(16);
	st = lsdb_stats(db);
	CHECK_EQ(lsdb_install(db, 0, rtr(A, OSPF_INITIAL_SEQ + 15, 1, 1), 0, NULL), LSDB_ADDED);
	CHECK_EQ(lsdb_install(db, 0, rtr(A, OSPF_INITIAL_SEQ + 15, OSPF_MAX_AGE, 1), 40000, NULL),
	         LSDB_FLUSHED);
	CHECK_EQ(lsdb_install(db, 0, rtr(A, OSPF_INITIAL_SEQ + 9, 1, 2),
	                      40000 + LSDB_FLUSH_HOLD_MS - 1, NULL), LSDB_STALE);
	CHECK(lsdb_get(db, 0, LSA_ROUTER, A, A) == NULL);
	CHECK_EQ(lsdb_install(db, 0, rtr(A, OSPF_INITIAL_SEQ + 9, 1, 2), 40000 + LSDB_FLUSH_HOLD_MS,
	                      NULL), LSDB_ADDED);
	CHECK_EQ(st->tombstones, 0);
	CHECK_EQ(lsdb_install(db, 0, rtr(A, OSPF_INITIAL_SEQ + 10, 1, 3), 44000, NULL),
	         LSDB_CHANGED);
	e = lsdb_get(db, 0, LSA_ROUTER, A, A);
	CHECK(e != NULL && e->lsa.h.seq == OSPF_INITIAL_SEQ + 10);
	lsdb_free(db);

	/* aged out: installed at age 3000, MaxAge at 600 s */
	db = lsdb_new(16);
	st = lsdb_stats(db);
	CHECK_EQ(lsdb_install(db, 0, rtr(C, 100, 3000, 1), 0, NULL), LSDB_ADDED);
	lsdb_age(db, 599999, NULL, NULL);
	CHECK(lsdb_get(db, 0, LSA_ROUTER, C, C) != NULL);
	lsdb_age(db, 600000, NULL, NULL);
	CHECK_EQ(st->aged_out, 1);
	CHECK_EQ(st->entries, 0);
	CHECK_EQ(st->tombstones, 1);
	CHECK_EQ(lsdb_install(db, 0, rtr(C, 100, 3000, 1), 700000, NULL), LSDB_STALE);
	CHECK_EQ(lsdb_install(db, 0, rtr(C, 100, 1, 1), 700000, NULL), LSDB_STALE);
	CHECK(lsdb_get(db, 0, LSA_ROUTER, C, C) == NULL);
	CHECK_EQ(lsdb_install(db, 0, rtr(C, 101, 1, 1), 700000, NULL), LSDB_ADDED);
	CHECK_EQ(st->tombstones, 0);
	/* MaxAge of an LSA not held: ignored, and older instances refused; a
	 * newer MaxAge instance moves the tombstone on */
	CHECK_EQ(lsdb_install(db, 0, rtr(D, 50, OSPF_MAX_AGE, 1), 1000000, NULL), LSDB_OLDER);
	CHECK_EQ(st->tombstones, 1);
	CHECK_EQ(lsdb_install(db, 0, rtr(D, 50, 1, 1), 1000000, NULL), LSDB_STALE);
	CHECK_EQ(lsdb_install(db, 0, rtr(D, 51, OSPF_MAX_AGE, 1), 2000000, NULL), LSDB_OLDER);
	CHECK_EQ(lsdb_install(db, 0, rtr(D, 51, 1, 1), 2000000, NULL), LSDB_STALE);
	lsdb_age(db, 1000000 + HOUR_MS, NULL, NULL);
	CHECK_EQ(lsdb_install(db, 0, rtr(D, 51, 1, 1), 1000000 + HOUR_MS, NULL), LSDB_STALE);
	lsdb_age(db, 2000000 + HOUR_MS, NULL, NULL);
	CHECK_EQ(lsdb_install(db, 0, rtr(D, 51, 1, 1), 2000000 + HOUR_MS, NULL), LSDB_ADDED);
	/* MaxSequenceNumber flushed: the originator starts again at
	 * InitialSequenceNumber (12.1.6) */
	CHECK_EQ(lsdb_install(db, 0, rtr(E, OSPF_MAX_SEQ, 1, 1), 0, NULL), LSDB_ADDED);
	CHECK_EQ(lsdb_install(db, 0, rtr(E, OSPF_MAX_SEQ, OSPF_MAX_AGE, 1), 0, NULL), LSDB_FLUSHED);
	CHECK_EQ(lsdb_install(db, 0, rtr(E, OSPF_MAX_SEQ - 1, 1, 1), 0, NULL), LSDB_STALE);
	CHECK_EQ(lsdb_install(db, 0, rtr(E, OSPF_INITIAL_SEQ, 1, 1), 0, NULL), LSDB_ADDED);
	/* a new incarnation: InitialSequenceNumber, MinLSArrival or more after
	 * the flush (what FRR does once the flush has left the databases), even
	 * the very instance flushed; before that refused.  The instance flushed
	 * at a later number: refused for the hour. */
	CHECK_EQ(lsdb_install(db, 0, rtr(F, OSPF_INITIAL_SEQ, 1, 1), 0, NULL), LSDB_ADDED);
	CHECK_EQ(lsdb_install(db, 0, rtr(F, OSPF_INITIAL_SEQ, OSPF_MAX_AGE, 1), 10000, NULL),
	         LSDB_FLUSHED);
	CHECK_EQ(lsdb_install(db, 0, rtr(F, OSPF_INITIAL_SEQ, 1, 1), 10000 + LSDB_FLUSH_HOLD_MS - 1,
	                      NULL), LSDB_STALE);
	CHECK_EQ(lsdb_install(db, 0, rtr(F, OSPF_INITIAL_SEQ, OSPF_MAX_AGE, 1),
	                      10000 + LSDB_FLUSH_HOLD_MS, NULL), LSDB_OLDER);
	CHECK_EQ(lsdb_install(db, 0, rtr(F, OSPF_INITIAL_SEQ, 1, 1), 10000 + LSDB_FLUSH_HOLD_MS,
	                      NULL), LSDB_ADDED);
	CHECK_EQ(lsdb_install(db, 0, rtr(F, OSPF_INITIAL_SEQ + 5, 1, 3), 20000, NULL), LSDB_CHANGED);
	CHECK_EQ(lsdb_install(db, 0, rtr(F, OSPF_INITIAL_SEQ + 5, OSPF_MAX_AGE, 3), 30000, NULL),
	         LSDB_FLUSHED);
	CHECK_EQ(lsdb_install(db, 0, rtr(F, OSPF_INITIAL_SEQ + 5, 1, 3), 30000 + 10 * 60000, NULL),
	         LSDB_STALE);
	CHECK_EQ(lsdb_install(db, 0, rtr(F, OSPF_INITIAL_SEQ, 1, 2), 30000 + 10 * 60000, NULL),
	         LSDB_ADDED);
	/* a DoNotAge LSA's tombstone ages all the same */
	CHECK_EQ(lsdb_install(db, 1, rtr(E, 7, 0x8000 | 1, 1), 0, NULL), LSDB_ADDED);
	CHECK_EQ(lsdb_install(db, 1, rtr(E, 7, 0x8000 | OSPF_MAX_AGE, 1), 10, NULL), LSDB_FLUSHED);
	CHECK_EQ(lsdb_install(db, 1, rtr(E, 7, 0x8000 | 1, 1), 20, NULL), LSDB_STALE);
	lsdb_age(db, 10 + HOUR_MS, NULL, NULL);
	CHECK_EQ(lsdb_install(db, 1, rtr(E, 7, 0x8000 | 1, 1), 20 + HOUR_MS, NULL), LSDB_ADDED);
	lsdb_free(db);
}

/*
 * LSAs and tombstones share the bound; an LSA never waits for a
 * tombstone: the oldest goes (counted) to make room, and an LSA is refused
 * only when the bound is all LSAs.
 */
static void test_lsdb_tombstone_bound(void)
{
	const uint32_t A = IP(1,0,0,1), B = IP(1,0,0,2), C = IP(1,0,0,3), D = IP(1,0,0,4);
	const struct lsdb_stats *st;

	db = lsdb_new(2);
	st = lsdb_stats(db);
	CHECK_EQ(lsdb_install(db, 0, rtr(A, 100, 1, 1), 1000, NULL), LSDB_ADDED);
	CHECK_EQ(lsdb_install(db, 0, rtr(B, 100, 1, 1), 1000, NULL), LSDB_ADDED);
	CHECK_EQ(lsdb_install(db, 0, rtr(A, 100, OSPF_MAX_AGE, 1), 2000, NULL), LSDB_FLUSHED);
	CHECK_EQ(st->tombstones, 1);
	CHECK_EQ(lsdb_install(db, 0, rtr(C, 100, 1, 1), 3000, NULL), LSDB_ADDED);
	CHECK_EQ(st->tombstones_evicted, 1);
	CHECK_EQ(st->tombstones, 0);
	CHECK_EQ(lsdb_install(db, 0, rtr(A, 100, 1, 1), 3000, NULL), LSDB_FULL);
	/* a MaxAge instance takes no LSA's room */
	CHECK_EQ(lsdb_install(db, 0, rtr(D, 100, OSPF_MAX_AGE, 1), 3000, NULL), LSDB_OLDER);
	CHECK_EQ(st->tombstones, 0);
	/* two tombstones, B's the older: D pushes it out, C's stays */
	CHECK_EQ(lsdb_install(db, 0, rtr(B, 100, OSPF_MAX_AGE, 1), 4000, NULL), LSDB_FLUSHED);
	CHECK_EQ(lsdb_install(db, 0, rtr(C, 100, OSPF_MAX_AGE, 1), 5000, NULL), LSDB_FLUSHED);
	CHECK_EQ(st->entries, 0);
	CHECK_EQ(st->tombstones, 2);
	CHECK_EQ(lsdb_install(db, 0, rtr(D, 100, 1, 1), 6000, NULL), LSDB_ADDED);
	CHECK_EQ(st->tombstones_evicted, 2);
	CHECK_EQ(lsdb_install(db, 0, rtr(C, 100, 1, 1), 6000, NULL), LSDB_STALE);
	CHECK_EQ(lsdb_install(db, 0, rtr(B, 100, 1, 1), 6000, NULL), LSDB_ADDED);
	CHECK_EQ(st->tombstones_evicted, 3);
	CHECK_EQ(st->entries, 2);
	CHECK_EQ(st->tombstones, 0);
	CHECK_EQ(st->installed[LSDB_FULL], 1);
	lsdb_free(db);

	/* a tombstone moved on by a newer MaxAge instance is the newest: B's,
	 * made later but not moved, goes first */
	db = lsdb_new(2);
	st = lsdb_stats(db);
	CHECK_EQ(lsdb_install(db, 0, rtr(A, 100, OSPF_MAX_AGE, 1), 1000, NULL), LSDB_OLDER);
	CHECK_EQ(lsdb_install(db, 0, rtr(B, 100, OSPF_MAX_AGE, 1), 2000, NULL), LSDB_OLDER);
	CHECK_EQ(lsdb_install(db, 0, rtr(A, 101, OSPF_MAX_AGE, 1), 3000, NULL), LSDB_OLDER);
	CHECK_EQ(st->tombstones, 2);
	CHECK_EQ(lsdb_install(db, 0, rtr(C, 100, 1, 1), 4000, NULL), LSDB_ADDED);
	CHECK_EQ(st->tombstones_evicted, 1);
	CHECK_EQ(lsdb_install(db, 0, rtr(A, 101, 1, 1), 4000, NULL), LSDB_STALE);
	lsdb_free(db);
}

/*
 * Router ids chosen so that every key falls in one bucket of the table as
 * it was hashed with a fixed, public seed: installing n such LSAs compared
 * n^2/2 entries.  With a seed drawn when the database is made, the look-ups
 * stay O(1) whatever ids the routers choose.
 */
static void test_lsdb_collisions(void)
{
	struct lsdb_key_was { uint32_t area, ls_id, adv_router, type; };
	struct lsabuf l;
	struct lsa a;
	uint32_t rid = 0, n = 0, want = 0;
	unsigned added = 0;

	db = lsdb_new(4096);                 /* 4096 buckets */
	while (n < 2000 && rid < 0x40000000u) {
		struct lsdb_key_was k = { 0, ++rid, rid, LSA_ROUTER };
		uint32_t h = (uint32_t)hash_words(&k, sizeof(k), 0x6c7364625f6b6579ull) & 4095;
		if (n == 0)
			want = h;
		if (h != want)
			continue;
		n++;
		lsab_router_begin(&l, rid, 0, OSPF_INITIAL_SEQ);
		lsab_router_link(&l, LINK_STUB, IP(10,0,0,0), IP(255,255,255,0), 1);
		lsab_finish(&l, &a);
		added += lsdb_install(db, 0, &a, 0, NULL) == LSDB_ADDED;
	}
	CHECK_EQ(n, 2000);
	CHECK_EQ(added, 2000);
	printf("test_spf: 2000 LSAs with colliding ids: %llu entries compared\n",
	       (unsigned long long)lsdb_stats(db)->probes);
	CHECK(lsdb_stats(db)->probes <= 8 * 2000);
	lsdb_free(db);
}

/* The router-LSA of rid with n stubs: 24 + 12 n bytes, in tb/ta. */
static const struct lsa *rtr_n(uint32_t rid, int32_t seq, unsigned n)
{
	lsab_router_begin(&tb, rid, 0, seq);
	for (unsigned i = 0; i < n; i++)
		lsab_router_link(&tb, LINK_STUB, IP(10, 9, i >> 8 & 255, i & 255), IP(255,255,255,0), 1);
	lsab_finish(&tb, &ta);
	return &ta;
}

/*
 * A byte bound: LSAs that would pass it are refused (FULL), a changed
 * instance that would keeps the one held, a flush gives its bytes back.
 * Without it, max_lsas LSAs of up to 64 KiB each could take gigabytes.
 */
static void test_lsdb_bytes(void)
{
	db = lsdb_new(1000);
	lsdb_set_max_bytes(db, 3 * (24 + 12 * 100));          /* three LSAs of 100 stubs */
	for (uint32_t r = 1; r <= 3; r++)
		CHECK_EQ(lsdb_install(db, 0, rtr_n(r, 100, 100), 1000, NULL), LSDB_ADDED);
	CHECK_EQ(lsdb_stats(db)->bytes, 3 * (24 + 12 * 100));
	CHECK_EQ(lsdb_install(db, 0, rtr_n(4, 100, 1), 1000, NULL), LSDB_FULL);
	/* growing: refused, the instance held stays; shrinking: fine */
	CHECK_EQ(lsdb_install(db, 0, rtr_n(1, 101, 101), 2000, NULL), LSDB_FULL);
	CHECK(lsdb_get(db, 0, LSA_ROUTER, 1, 1) != NULL &&
	      lsdb_get(db, 0, LSA_ROUTER, 1, 1)->lsa.h.seq == 100);
	CHECK_EQ(lsdb_install(db, 0, rtr_n(1, 101, 50), 2000, NULL), LSDB_CHANGED);
	CHECK_EQ(lsdb_stats(db)->bytes, 2 * (24 + 12 * 100) + 24 + 12 * 50);
	CHECK_EQ(lsdb_install(db, 0, rtr_n(4, 100, 40), 2000, NULL), LSDB_ADDED);
	/* a flush gives the bytes back */
	rtr_n(2, 101, 100);
	tb.b[0] = OSPF_MAX_AGE >> 8;
	tb.b[1] = OSPF_MAX_AGE & 0xff;
	lsab_finish(&tb, &ta);
	CHECK_EQ(lsdb_install(db, 0, &ta, 3000, NULL), LSDB_FLUSHED);
	CHECK_EQ(lsdb_stats(db)->bytes, (24 + 12 * 100) + (24 + 12 * 50) + (24 + 12 * 40));
	CHECK_EQ(lsdb_install(db, 0, rtr_n(5, 100, 100), 3000, NULL), LSDB_ADDED);
	CHECK_EQ(lsdb_stats(db)->installed[LSDB_FULL], 2);
	/* and aging out */
	lsdb_age(db, 3000 + HOUR_MS, NULL, NULL);
	CHECK_EQ(lsdb_stats(db)->entries, 0);
	CHECK_EQ(lsdb_stats(db)->bytes, 0);
	lsdb_free(db);
}


/* An ASBR in another area reached through two ABRs at equal cost: the
 * external route takes the next hops of both (RFC 2328 16.2: equal-cost
 * paths to a destination, an ASBR too, merge).  Area 1: R1 (root) with a
 * p2p link of cost 10 to each of the ABRs R2 and R3; both announce an
 * ASBR-summary for 9.9.9.9 at metric 5; 9.9.9.9 announces 203.0.113.0/24. */
static void test_asbr_two_abrs(void)
{
	struct route_table rt = { 0 };
	struct lsabuf l;
	const struct route *r;

	db = lsdb_new(100);
	lsab_router_begin(&l, IP(1,1,1,1), 0, OSPF_INITIAL_SEQ);
	lsab_router_link(&l, LINK_P2P, IP(2,2,2,2), IP(10,0,12,1), 10);
	lsab_router_link(&l, LINK_P2P, IP(3,3,3,3), IP(10,0,13,1), 10);
	install(&l, 1);
	for (unsigned k = 2; k <= 3; k++) {
		lsab_router_begin(&l, IP(k,k,k,k), LSA_ROUTER_B, OSPF_INITIAL_SEQ);
		lsab_router_link(&l, LINK_P2P, IP(1,1,1,1), IP(10,0,10 + k,k), 10);
		install(&l, 1);
		lsab_summary(&l, LSA_ASBR_SUMMARY, IP(9,9,9,9), IP(k,k,k,k), 0, 5);
		install(&l, 1);
	}
	lsab_external(&l, IP(203,0,113,0), IP(9,9,9,9), IP(255,255,255,0), true, 20, 0);
	install(&l, LSDB_AS_SCOPE);
	CHECK_EQ(spf_routes(db, IP(1,1,1,1), &rt), 0);
	r = find(&rt, IP(203,0,113,0), IP(255,255,255,0));
	CHECK(r != NULL && r->type == RT_E2 && r->cost == 15 && r->type2_cost == 20);
	CHECK(r != NULL && r->nnh == 2 && r->nh[0] == IP(10,0,12,2) && r->nh[1] == IP(10,0,13,3));
	route_table_free(&rt);
	lsdb_free(db);
}

int main(void)
{
	test_lsdb();
	test_lsdb_tombstones();
	test_lsdb_tombstone_bound();
	test_lsdb_collisions();
	test_lsdb_bytes();
	test_spf();
	test_equal_cost_through_network();
	test_nssa_only_router();
	test_asbr_two_abrs();
	return check_done("test_spf");
}
