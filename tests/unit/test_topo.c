/* The topology built from an LSDB, its differences as events, flap
 * detection over those events, and the topology kept one LSA at a time
 * (topolive.h) against the one built whole. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "events.h"
#include "lsabuild.h"
#include "lsabuild6.h"
#include "lsdb.h"
#include "topo.h"
#include "topolive.h"

static struct lsdb *db;
static uint64_t now = 1000000;

static void install(struct lsabuf *l, uint32_t area)
{
	struct lsa a;

	lsab_finish(l, &a);
	lsdb_install(db, area, &a, now, NULL);
}

/*
 * Area 0:  R1 ==two parallel p2p links (10.0.12.0/30 cost 10/10, 10.0.21.0/30
 *          cost 5/7)== R2;  R1, R2, R3 on a LAN 10.0.0.0/24 whose DR is R1;
 *          R3 claims a p2p link to R4, which has no router-LSA (missing);
 *          R2 lists a transit link to a network 10.9.9.1 whose network-LSA
 *          is missing.  R1 is an ASBR: 192.0.2.0/24 E2 20.
 * Area 1:  R5 alone (an ABR with only a stub).
 * r2_cost: the cost R2 gives the first parallel link; r2_lan: whether R2
 * lists the LAN; seq: the sequence number of every LSA.
 */
static void build(uint16_t r2_cost, bool r2_lan, int32_t seq)
{
	struct lsabuf l;
	uint32_t lan[] = { IP(1,1,1,1), IP(2,2,2,2), IP(3,3,3,3) };

	lsab_router_begin(&l, IP(1,1,1,1), LSA_ROUTER_E, seq);
	lsab_router_link(&l, LINK_P2P, IP(2,2,2,2), IP(10,0,21,1), 5);
	lsab_router_link(&l, LINK_STUB, IP(10,0,21,0), IP(255,255,255,252), 5);
	lsab_router_link(&l, LINK_P2P, IP(2,2,2,2), IP(10,0,12,1), 10);
	lsab_router_link(&l, LINK_STUB, IP(10,0,12,0), IP(255,255,255,252), 10);
	lsab_router_link(&l, LINK_TRANSIT, IP(10,0,0,1), IP(10,0,0,1), 1);
	install(&l, 0);

	lsab_router_begin(&l, IP(2,2,2,2), 0, seq);
	lsab_router_link(&l, LINK_P2P, IP(1,1,1,1), IP(10,0,12,2), r2_cost);
	lsab_router_link(&l, LINK_P2P, IP(1,1,1,1), IP(10,0,21,2), 7);
	if (r2_lan)
		lsab_router_link(&l, LINK_TRANSIT, IP(10,0,0,1), IP(10,0,0,2), 1);
	lsab_router_link(&l, LINK_TRANSIT, IP(10,9,9,1), IP(10,9,9,2), 1);
	install(&l, 0);

	lsab_router_begin(&l, IP(3,3,3,3), 0, seq);
	lsab_router_link(&l, LINK_TRANSIT, IP(10,0,0,1), IP(10,0,0,3), 1);
	lsab_router_link(&l, LINK_P2P, IP(4,4,4,4), IP(10,0,34,3), 1);
	install(&l, 0);

	lsab_network(&l, IP(10,0,0,1), IP(1,1,1,1), IP(255,255,255,0), lan, 3);
	lsab_hdr_seq(&l, seq);
	install(&l, 0);

	lsab_external(&l, IP(192,0,2,0), IP(1,1,1,1), IP(255,255,255,0), true, 20, 0);
	lsab_hdr_seq(&l, seq);
	install(&l, LSDB_AS_SCOPE);

	lsab_router_begin(&l, IP(5,5,5,5), LSA_ROUTER_B, seq);
	lsab_router_link(&l, LINK_STUB, IP(10,5,0,0), IP(255,255,0,0), 1);
	install(&l, 1);
}

static const struct topo_link *find_link(const struct topo *t, uint8_t type, uint32_t a,
                                         uint32_t a_addr)
{
	for (unsigned i = 0; i < t->nl; i++)
		if (t->l[i].type == type && t->l[i].a == a && t->l[i].a_addr == a_addr)
			return &t->l[i];
	return NULL;
}

static void test_build(void)
{
	struct topo *t;
	const struct topo_link *k;
	struct topo_completeness c;
	struct sbuf b = SBUF_INIT;

	db = lsdb_new(1000);
	build(10, true, OSPF_INITIAL_SEQ);
	t = topo_build(db, now);
	CHECK(t != NULL);
	CHECK_EQ(t->nr, 4);
	CHECK(t->r[0].id == IP(1,1,1,1) && t->r[0].up && t->r[0].flags == LSA_ROUTER_E);
	CHECK(t->r[2].id == IP(3,3,3,3) && t->r[2].up);     /* through the LAN */
	CHECK(t->r[3].area == 1 && t->r[3].up);              /* alone in its area */

	/* parallel links paired by their subnets, not by order */
	k = find_link(t, LINK_P2P, IP(1,1,1,1), IP(10,0,12,1));
	CHECK(k != NULL && k->two_way && k->b == IP(2,2,2,2) && k->b_addr == IP(10,0,12,2));
	CHECK(k != NULL && k->cost_ab == 10 && k->cost_ba == 10);
	k = find_link(t, LINK_P2P, IP(1,1,1,1), IP(10,0,21,1));
	CHECK(k != NULL && k->two_way && k->b_addr == IP(10,0,21,2) && k->cost_ab == 5 &&
	      k->cost_ba == 7);
	/* R3 -> R4: one-way, R4 missing */
	k = find_link(t, LINK_P2P, IP(3,3,3,3), IP(10,0,34,3));
	CHECK(k != NULL && !k->two_way && k->b == IP(4,4,4,4));
	/* transit: R2 on the LAN two-way, on 10.9.9.1 not (no network-LSA) */
	k = find_link(t, LINK_TRANSIT, IP(2,2,2,2), IP(10,0,0,2));
	CHECK(k != NULL && k->two_way && k->b == IP(10,0,0,1));
	k = find_link(t, LINK_TRANSIT, IP(2,2,2,2), IP(10,9,9,2));
	CHECK(k != NULL && !k->two_way);
	CHECK_EQ(t->nn, 1);
	CHECK(t->nn == 1 && t->n[0].n == 3 && t->n[0].dr == IP(1,1,1,1));

	CHECK_EQ(t->nm, 2);
	CHECK(t->nm == 2 && t->m[0].kind == TM_ROUTER && t->m[0].id == IP(4,4,4,4));
	CHECK(t->nm == 2 && t->m[1].kind == TM_NETWORK && t->m[1].id == IP(10,9,9,1));
	topo_completeness(t, &c);
	CHECK(c.routers == 4 && c.missing_routers == 1 && c.missing_networks == 1 && !c.complete);

	/* prefixes: stubs, the LAN's transit prefix, the external */
	{
		unsigned stubs = 0, transit = 0, ext = 0;
		for (unsigned i = 0; i < t->np; i++) {
			stubs += t->p[i].kind == TP_STUB;
			transit += t->p[i].kind == TP_TRANSIT;
			if (t->p[i].kind == TP_EXTERNAL) {
				ext++;
				CHECK(t->p[i].area == LSDB_AS_SCOPE && t->p[i].e2 && t->p[i].cost == 20);
			}
		}
		CHECK_EQ(stubs, 3);
		CHECK_EQ(transit, 1);
		CHECK_EQ(ext, 1);
	}
	topo_json(t, 7, &b);
	CHECK(sbuf_ok(&b));
	CHECK(strncmp(sbuf_str(&b), "{\"version\":7,", 13) == 0);
	CHECK(strstr(sbuf_str(&b), "\"missing\":{\"routers\":[\"4.4.4.4\"],\"networks\":[\"10.9.9.1\"]}") != NULL);
	CHECK(strstr(sbuf_str(&b), "\"a\":\"1.1.1.1\",\"b\":\"2.2.2.2\",\"a_addr\":\"10.0.21.1\","
	             "\"b_addr\":\"10.0.21.2\",\"cost_ab\":5,\"cost_ba\":7") != NULL);
	CHECK(strstr(sbuf_str(&b), "\"completeness\":{\"routers\":4,\"missing_routers\":1,"
	             "\"missing_networks\":1,\"complete\":false,\"lsas_refused\":0,"
	             "\"authenticated\":false,\"unverified_packets\":0}}") != NULL);
	sbuf_free(&b);
	topo_free(t);
	lsdb_free(db);
}

struct evrec {
	unsigned n;
	uint8_t type[32];
	const struct topo_link *link[32];
};

static void record(void *ctx, const struct topo_event *ev)
{
	struct evrec *r = ctx;

	if (r->n < 32) {
		r->type[r->n] = ev->type;
		r->link[r->n] = ev->l_new != NULL ? ev->l_new : ev->l_old;
	}
	r->n++;
}

static void test_diff(void)
{
	struct topo *t0, *t1, *t2, *t3;
	struct evrec r = { 0 };

	db = lsdb_new(1000);
	build(10, true, OSPF_INITIAL_SEQ);
	t0 = topo_build(db, now);

	/* from nothing: every up router, two-way link and prefix is new */
	topo_diff(NULL, t0, record, &r);
	CHECK(r.n > 0 && r.type[0] == TE_ROUTER_APPEARED);

	/* a refresh (new sequence numbers, same contents): no event */
	now += 1000;
	build(10, true, OSPF_INITIAL_SEQ + 1);
	t1 = topo_build(db, now);
	memset(&r, 0, sizeof(r));
	topo_diff(t0, t1, record, &r);
	CHECK_EQ(r.n, 0);

	/* R2 changes its cost on one parallel link: one cost-changed */
	build(30, true, OSPF_INITIAL_SEQ + 2);
	t2 = topo_build(db, now);
	memset(&r, 0, sizeof(r));
	topo_diff(t1, t2, record, &r);
	CHECK_EQ(r.n, 1);
	CHECK(r.type[0] == TE_COST_CHANGED && r.link[0]->a_addr == IP(10,0,12,1) &&
	      r.link[0]->cost_ba == 30);

	/* R2 leaves the LAN (the network-LSA still lists it): its transit link
	 * is one-way now, so removed */
	build(30, false, OSPF_INITIAL_SEQ + 3);
	t3 = topo_build(db, now);
	memset(&r, 0, sizeof(r));
	topo_diff(t2, t3, record, &r);
	CHECK_EQ(r.n, 1);
	CHECK(r.type[0] == TE_LINK_REMOVED && r.link[0]->type == LINK_TRANSIT &&
	      r.link[0]->a == IP(2,2,2,2));
	{
		struct topo_event ev = { .type = TE_LINK_REMOVED, .area = 0, .l_old = r.link[0] };
		struct sbuf b = SBUF_INIT;
		topo_event_json(&ev, 1795318777262ull, &b);
		CHECK(strcmp(sbuf_str(&b), "{\"time_ms\":1795318777262,\"time\":\"2026-11-22T03:39:37.262Z\","
		             "\"event\":\"link-removed\",\"area\":\"0.0.0.0\",\"link\":{\"type\":\"transit\","
		             "\"router\":\"2.2.2.2\",\"network\":\"10.0.0.1\",\"addr\":\"10.0.0.2\","
		             "\"cost\":1,\"two_way\":true}}") == 0);
		if (!sbuf_ok(&b) || strstr(sbuf_str(&b), "link-removed") == NULL)
			fprintf(stderr, "%s\n", sbuf_str(&b));
		sbuf_free(&b);
	}
	topo_free(t0);
	topo_free(t1);
	topo_free(t2);
	topo_free(t3);
	lsdb_free(db);
}

struct sink {
	unsigned n, flapping, stopped;
	char last[4096];
};

static void on_json(void *ctx, const char *json)
{
	struct sink *s = ctx;

	s->n++;
	s->flapping += strstr(json, "\"event\":\"flapping\"") != NULL;
	s->stopped += strstr(json, "\"event\":\"flapping-stopped\"") != NULL;
	snprintf(s->last, sizeof(s->last), "%s", json);
}

static void test_flapping(void)
{
	struct evlog_conf c = { .flap_count = 3, .flap_window_ms = 10000 };
	struct sink s = { 0 };
	struct evlog *el = evlog_new(&c, on_json, &s);
	struct topo_link up = { .area = 0, .type = LINK_P2P, .two_way = true, .a = 1, .b = 2,
	                        .a_addr = 3, .b_addr = 4, .cost_ab = 10, .cost_ba = 10 };
	struct topo_event add = { .type = TE_LINK_ADDED, .l_new = &up };
	struct topo_event del = { .type = TE_LINK_REMOVED, .l_old = &up };
	struct evlog_stats st;

	/* two changes 1 s apart, then one 20 s later: never 3 within 10 s */
	evlog_topo(el, &del, 1000);
	evlog_topo(el, &add, 2000);
	evlog_topo(el, &del, 22000);
	CHECK_EQ(s.flapping, 0);
	/* two more within the window: flapping, once */
	evlog_topo(el, &add, 23000);
	evlog_topo(el, &del, 24000);
	CHECK_EQ(s.flapping, 1);
	evlog_topo(el, &add, 25000);
	CHECK_EQ(s.flapping, 1);
	CHECK_EQ(s.n, 7);
	evlog_tick(el, 30000);
	CHECK_EQ(s.stopped, 0);
	evlog_tick(el, 35000);                 /* quiet for 10 s since 25000 */
	CHECK_EQ(s.stopped, 1);
	CHECK(strstr(s.last, "\"time_ms\":35000,") != NULL);
	CHECK(strstr(s.last, "\"changes\":4,") != NULL);
	CHECK(strstr(s.last, "\"last\":{\"time_ms\":25000,") != NULL);
	evlog_stats(el, &st);
	CHECK(st.events[TE_LINK_ADDED] == 3 && st.events[TE_LINK_REMOVED] == 3);
	CHECK(st.flapping == 1 && st.flapping_stopped == 1 && st.flapping_now == 0 &&
	      st.tracked == 0);
	evlog_free(el);
}

/*
 * The cost of building a topology is O(n log n) in the size of the database,
 * n = the LSAs plus their links and attached routers, whatever their shape:
 * topo_build's own count of its elementary steps stays under 8 n log2 n.
 * (200 router-LSAs of 5,400 links each took minutes when looking up a
 * router-LSA's i-th link walked the i before it, and pairing a link with
 * its other half scanned every stub prefix of the database.)
 */
static uint64_t work_bound(uint64_t n)
{
	unsigned k = 1;

	while (k < 63 && (1ull << k) < n)
		k++;
	return 8 * n * k;
}

static struct lsabuf big;               /* 64 KB: not on the stack */

/* Build and check one database's topology; returns its work. */
static uint64_t build_work(const char *what, uint64_t n, unsigned want_links, unsigned want_two_way)
{
	struct topo *t = topo_build(db, now);
	unsigned two_way = 0;
	uint64_t w;

	CHECK(t != NULL);
	if (t == NULL)
		return 0;
	for (unsigned i = 0; i < t->nl; i++)
		two_way += t->l[i].two_way;
	CHECK_EQ(t->nl, want_links);
	CHECK_EQ(two_way, want_two_way);
	w = t->work;
	printf("test_topo: %s: n=%llu work=%llu (bound %llu)\n", what, (unsigned long long)n,
	       (unsigned long long)w, (unsigned long long)work_bound(n));
	CHECK(w > 0 && w <= work_bound(n));
	topo_free(t);
	return w;
}

static void test_work(void)
{
	struct lsa a;
	uint32_t *rt;
	uint64_t n;

	/* 200 routers in a ring, 1,350 numbered point-to-point links between
	 * each two neighbours, each with its /30 stub at both ends: 5,400
	 * links per router-LSA, the most an LS Update can carry. */
	db = lsdb_new(1000);
	n = 0;
	for (uint32_t r = 0; r < 200; r++) {
		uint32_t next = (r + 1) % 200, prev = (r + 199) % 200;
		lsab_router_begin(&big, IP(11,0,0,1) + r, 0, OSPF_INITIAL_SEQ);
		for (uint32_t k = 0; k < 1350; k++) {
			uint32_t fwd = IP(10,0,0,0) + (r << 13) + 4 * k;    /* r -- next */
			uint32_t back = IP(10,0,0,0) + (prev << 13) + 4 * k; /* prev -- r */
			lsab_router_link(&big, LINK_P2P, IP(11,0,0,1) + next, fwd + 1, 10);
			lsab_router_link(&big, LINK_STUB, fwd, IP(255,255,255,252), 10);
			lsab_router_link(&big, LINK_P2P, IP(11,0,0,1) + prev, back + 2, 10);
			lsab_router_link(&big, LINK_STUB, back, IP(255,255,255,252), 10);
		}
		lsab_finish(&big, &a);
		CHECK_EQ(a.u.router.nlinks, 5400);
		CHECK(lsdb_install(db, 0, &a, now, NULL) == LSDB_ADDED);
		n += 1 + a.u.router.nlinks;
	}
	build_work("200 router-LSAs of 5,400 links", n, 200 * 1350, 200 * 1350);
	lsdb_free(db);

	/* two routers with 1,000 parallel links, paired by their subnets */
	db = lsdb_new(1000);
	n = 0;
	for (uint32_t r = 0; r < 2; r++) {
		lsab_router_begin(&big, IP(11,0,0,1) + r, 0, OSPF_INITIAL_SEQ);
		for (uint32_t k = 0; k < 1000; k++) {
			uint32_t net = IP(10,0,0,0) + 4 * k;
			lsab_router_link(&big, LINK_P2P, IP(11,0,0,1) + (1 - r), net + 1 + r, 10 + r);
			lsab_router_link(&big, LINK_STUB, net, IP(255,255,255,252), 10);
		}
		lsab_finish(&big, &a);
		lsdb_install(db, 0, &a, now, NULL);
		n += 1 + a.u.router.nlinks;
	}
	build_work("1,000 parallel links", n, 1000, 1000);
	lsdb_free(db);

	/* one LAN of 2,000 routers */
	db = lsdb_new(10000);
	rt = calloc(2000, sizeof(*rt));
	CHECK(rt != NULL);
	if (rt == NULL)
		return;
	n = 0;
	for (uint32_t r = 0; r < 2000; r++) {
		rt[r] = IP(11,0,0,1) + r;
		lsab_router_begin(&big, rt[r], 0, OSPF_INITIAL_SEQ);
		lsab_router_link(&big, LINK_TRANSIT, IP(10,0,0,1), IP(10,0,0,0) + 1 + r, 1);
		lsab_finish(&big, &a);
		lsdb_install(db, 0, &a, now, NULL);
		n += 2;
	}
	lsab_network(&big, IP(10,0,0,1), rt[0], IP(255,255,0,0), rt, 2000);
	lsab_finish(&big, &a);
	lsdb_install(db, 0, &a, now, NULL);
	n += 1 + 2000;
	free(rt);
	build_work("a LAN of 2,000 routers", n, 2000, 2000);
	lsdb_free(db);

	/* 200 areas of one router each */
	db = lsdb_new(1000);
	n = 0;
	for (uint32_t r = 0; r < 200; r++) {
		lsab_router_begin(&big, IP(11,0,0,1) + r, LSA_ROUTER_B, OSPF_INITIAL_SEQ);
		for (uint32_t k = 0; k < 5; k++)
			lsab_router_link(&big, LINK_STUB, IP(10,0,0,0) + (r << 8) + (k << 4),
			                 IP(255,255,255,240), 1);
		lsab_finish(&big, &a);
		lsdb_install(db, r, &a, now, NULL);
		n += 1 + 5;
	}
	build_work("200 areas", n, 0, 0);
	lsdb_free(db);
}

/*
 * Flap tracking of many elements: the first topology of a large database is
 * hundreds of thousands of "added" events.  Looking an element up must stay
 * O(1) (a table that grows, with a seeded hash), and the elements tracked
 * are bounded: beyond EVLOG_MAX_TRACKED they are counted, not kept.
 */
static void test_flap_table(void)
{
	struct evlog_conf c = { .flap_count = 3, .flap_window_ms = 10000 };
	struct sink s = { 0 };
	struct evlog *el = evlog_new(&c, on_json, &s);
	struct topo_link l = { .area = 0, .type = LINK_P2P, .two_way = true, .cost_ab = 10,
	                       .cost_ba = 10 };
	struct topo_event add = { .type = TE_LINK_ADDED, .l_new = &l };
	struct evlog_stats st;
	const unsigned n = 300000;

	for (unsigned i = 0; i < n; i++) {
		l.a = IP(11,0,0,1) + i / 1000;
		l.b = IP(11,0,0,1) + i / 1000 + 1;
		l.a_addr = IP(10,0,0,1) + 4 * i;
		l.b_addr = IP(10,0,0,2) + 4 * i;
		evlog_topo(el, &add, 1000);
	}
	evlog_stats(el, &st);
	printf("test_topo: %u elements' events: %llu compared, %u tracked\n", n,
	       (unsigned long long)st.probes, st.tracked);
	CHECK_EQ(s.n, n);
	CHECK(st.probes <= 8ull * n);
	/* every event reported; the elements tracked bounded, the rest counted */
	CHECK_EQ(st.tracked, EVLOG_MAX_TRACKED);
	CHECK_EQ(st.untracked, n - EVLOG_MAX_TRACKED);
	CHECK_EQ(st.events[TE_LINK_ADDED], n);
	evlog_free(el);
}

/* ---- the live topology against the one built whole ---- */

static uint64_t rng = 1;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)((rng >> 32) % n);
}

/* The events of a diff, as JSON lines. */
static void ev_text(void *ctx, const struct topo_event *ev)
{
	struct sbuf *b = ctx;

	topo_event_json(ev, 1000, b);
	sbuf_put(b, "\n", 1);
}

/* An LSA key the random sequence has used, and its last sequence number. */
struct rkey {
	uint32_t area;
	uint8_t type;
	uint32_t id, adv;
	int32_t seq;
};

static struct rkey keys[256];
static unsigned nkeys, nrouters;
static struct lsabuf rl;

#define RID(i) IP(1,0,0,(i))

static uint32_t r_addr(void) { return IP(10,0,rnd(3),1 + rnd(6)); }

static const uint32_t r_masks[] = { 0xfffffffcu, 0xfffffff8u, 0xffffff00u, 0xffffffffu, 0,
                                    0xffff0000u, 0xff00ff00u };

/* A random LSA in rl (finished) for key k (a new instance: seq + 1):
 * half the time, a router-LSA held changes in one link or stub only. */
static void random_lsa(struct rkey *k, struct lsa *a)
{
	uint32_t nets[3] = { IP(10,9,0,1), IP(10,9,0,2), IP(10,0,1,1) };
	const struct lsdb_entry *e = lsdb_get(db, k->area, k->type, k->id, k->adv);

	k->seq++;
	if (k->type == LSA_ROUTER && e != NULL && rnd(2)) {
		struct lsa_link_cursor c = { 0 };
		struct lsa_router_link lk;
		unsigned which = rnd(e->lsa.u.router.nlinks + 1), i = 0;

		lsab_router_begin(&rl, k->adv, e->lsa.u.router.flags, k->seq);
		memcpy(rl.b + 4, e->lsa.raw + 4, 4);           /* its link state id */
		for (; lsa_router_link_next(&e->lsa, &c, &lk); i++) {
			if (i == which) {
				if (lk.type == LINK_STUB) {
					lk.data = r_masks[rnd(3)];     /* subnets that pair links */
					lk.id = r_addr();
				} else if (rnd(3) == 0) {
					lk.type = LINK_STUB;          /* stubs matter most here */
					lk.data = r_masks[rnd(3)];
				} else if (rnd(2)) {
					lk.metric = (uint16_t)(1 + rnd(3));
				} else {
					continue;                  /* dropped */
				}
			}
			lsab_router_link(&rl, lk.type, lk.id, lk.data, lk.metric);
		}
		if (which == i)
			lsab_router_link(&rl, LINK_STUB, r_addr(), r_masks[rnd(7)], 1);
		lsab_finish(&rl, a);
		return;
	}
	switch (k->type) {
	case LSA_ROUTER: {
		unsigned n = rnd(10);
		lsab_router_begin(&rl, k->adv, (uint8_t)rnd(8), k->seq);
		if (k->id != k->adv) {                  /* ignored by topologies */
			rl.b[4] = (uint8_t)(k->id >> 24);
			rl.b[7] = (uint8_t)k->id;
		}
		for (unsigned i = 0; i < n; i++) {
			switch (rnd(8)) {
			case 0: case 1: case 2:
				lsab_router_link(&rl, LINK_P2P, RID(1 + rnd(nrouters)), r_addr(), (uint16_t)(1 + rnd(3)));
				break;
			case 3:
				lsab_router_link(&rl, LINK_VIRTUAL, RID(1 + rnd(nrouters)), r_addr(), 1);
				break;
			case 4: case 5: {
				uint32_t m = r_masks[rnd(7)];
				lsab_router_link(&rl, LINK_STUB, r_addr(), m, (uint16_t)(1 + rnd(2)));
				break;
			}
			default:
				lsab_router_link(&rl, LINK_TRANSIT, nets[rnd(3)], r_addr(), (uint16_t)(1 + rnd(2)));
				break;
			}
		}
		break;
	}
	case LSA_NETWORK: {
		uint32_t att[6];
		unsigned n = 1 + rnd(5);                  /* a network-LSA lists one at least */
		for (unsigned i = 0; i < n; i++)
			att[i] = RID(1 + rnd(nrouters));
		lsab_network(&rl, k->id, k->adv, rnd(2) ? IP(255,255,255,0) : IP(255,255,255,252), att, n);
		lsab_hdr_seq(&rl, k->seq);
		break;
	}
	case LSA_SUMMARY:
	case LSA_ASBR_SUMMARY:
		lsab_summary(&rl, k->type, k->id, k->adv, IP(255,255,255,0), 1 + rnd(3));
		lsab_hdr_seq(&rl, k->seq);
		break;
	default:                                        /* 5, 7 */
		lsab_external(&rl, k->id, k->adv, IP(255,255,255,0), rnd(2), 1 + rnd(3), rnd(2) ? 0 : IP(10,0,0,1));
		rl.b[3] = k->type;
		lsab_hdr_seq(&rl, k->seq);
		break;
	}
	lsab_finish(&rl, a);
}

static struct rkey *random_key(void)
{
	static const uint8_t types[] = { LSA_ROUTER, LSA_ROUTER, LSA_ROUTER, LSA_ROUTER, LSA_NETWORK,
	                                 LSA_NETWORK, LSA_SUMMARY, LSA_ASBR_SUMMARY, LSA_EXTERNAL,
	                                 LSA_NSSA };
	struct rkey k = { 0 };

	if (nkeys > 0 && rnd(3) != 0)
		return &keys[rnd(nkeys)];
	k.type = types[rnd(sizeof(types))];
	k.area = rnd(6) == 0 ? 1 : rnd(40) == 0 ? LSDB_AS_SCOPE : 0;
	k.adv = RID(1 + rnd(nrouters));
	switch (k.type) {
	case LSA_ROUTER:
		k.id = rnd(20) == 0 ? RID(1 + rnd(nrouters)) : k.adv;
		break;
	case LSA_NETWORK:
		k.id = rnd(2) ? IP(10,9,0,1 + rnd(2)) : IP(10,0,1,1);
		break;
	default:
		k.id = IP(20,0,rnd(2),rnd(3));              /* host bits: one prefix, many LSAs */
		break;
	}
	k.area = lsdb_scope(k.area, k.type);
	for (unsigned i = 0; i < nkeys; i++)
		if (keys[i].area == k.area && keys[i].type == k.type && keys[i].id == k.id &&
		    keys[i].adv == k.adv)
			return &keys[i];
	if (nkeys == sizeof(keys) / sizeof(keys[0]))
		return &keys[0];
	k.seq = OSPF_INITIAL_SEQ - 1;
	keys[nkeys] = k;
	return &keys[nkeys++];
}

static void on_aged_live(void *ctx, const struct lsdb_entry *e)
{
	topo_live_set(ctx, e->area, e->lsa.h.type, e->lsa.h.ls_id, e->lsa.h.adv_router, NULL);
}

/* The live topology, its completeness and its first missing LSAs equal
 * those built whole from db at now. */
static bool live_equal(struct topo_live *tl, const struct topo *full)
{
	struct topo *t = topo_live_topo(tl, now);
	struct topo_completeness c1, c2;
	struct topo_missing m[4];
	unsigned nm = topo_live_missing(tl, m, 4);
	bool ok = t != NULL && topo_equal(t, full);

	topo_completeness(full, &c1);
	topo_live_completeness(tl, &c2);
	ok = ok && c1.routers == c2.routers && c1.missing_routers == c2.missing_routers &&
	     c1.missing_networks == c2.missing_networks && c1.complete == c2.complete;
	ok = ok && nm == (full->nm < 4 ? full->nm : 4);
	for (unsigned i = 0; ok && i < nm; i++)
		ok = m[i].area == full->m[i].area && m[i].kind == full->m[i].kind &&
		     m[i].id == full->m[i].id;
	if (!ok && t != NULL) {
		struct sbuf a = SBUF_INIT, b = SBUF_INIT;
		topo_text(full, &a);
		topo_text(t, &b);
		fprintf(stderr, "built whole:\n%s\nkept live:\n%s\n", sbuf_str(&a), sbuf_str(&b));
		sbuf_free(&a);
		sbuf_free(&b);
	}
	topo_free(t);
	return ok;
}

/*
 * The live topology tl equals topo_build(db, now); with commit, its events
 * equal topo_diff's from *base (the topology at the last commit, built
 * whole; NULL before the first), and *base becomes the present one.
 * *events counts the events.
 */
static bool live_check(struct topo_live *tl, struct topo **base, bool commit, unsigned *events)
{
	struct topo *full = topo_build(db, now);
	struct sbuf want = SBUF_INIT, got = SBUF_INIT;
	bool ok;

	CHECK(full != NULL);
	if (full == NULL)
		return false;
	if (!live_equal(tl, full)) {
		CHECK(!"live topology differs from the one built whole");
		topo_free(full);
		return false;
	}
	if (!commit) {
		topo_free(full);
		return true;
	}
	topo_diff(*base, full, ev_text, &want);
	CHECK(topo_live_commit(tl, ev_text, &got));
	ok = strcmp(sbuf_str(&want), sbuf_str(&got)) == 0;
	if (!ok) {
		CHECK(!"live events differ from topo_diff's");
		fprintf(stderr, "want:\n%sgot:\n%s", sbuf_str(&want), sbuf_str(&got));
	}
	for (const char *p = sbuf_str(&want); (p = strchr(p, '\n')) != NULL; p++)
		(*events)++;
	sbuf_free(&want);
	sbuf_free(&got);
	topo_free(*base);
	*base = full;
	return ok;
}

/* Install l in db and tell tl what the database did with it. */
static enum lsdb_result live_install(struct topo_live *tl, uint32_t area, const struct lsa *l)
{
	enum lsdb_result r = lsdb_install(db, area, l, now, NULL);

	area = lsdb_scope(area, l->h.type);
	if (r == LSDB_ADDED || r == LSDB_CHANGED)
		topo_live_set(tl, area, l->h.type, l->h.ls_id, l->h.adv_router, l);
	else if (r == LSDB_FLUSHED)
		topo_live_set(tl, area, l->h.type, l->h.ls_id, l->h.adv_router, NULL);
	return r;
}

/*
 * Changes whose effects reach past their LSA, one at a time: a router that
 * changes only its stubs re-pairs its parallel links; a stale DR's
 * network-LSA takes over when the lower one goes, and the transit links
 * follow; the only router of an area is up, and no longer alone when
 * another comes.
 */
static void test_live_cases(void)
{
	struct topo_live *tl = topo_live_new();
	struct topo *base = NULL;
	struct lsabuf l;
	struct lsa a;
	unsigned events = 0;
	uint32_t lan[2] = { IP(1,1,1,1), IP(2,2,2,2) }, one[1] = { IP(1,1,1,1) };

	db = lsdb_new(100);
	now = 1000000;
	/* R1 and R2: two parallel links; R1's stubs say which ends pair */
	lsab_router_begin(&l, IP(1,1,1,1), 0, OSPF_INITIAL_SEQ);
	lsab_router_link(&l, LINK_P2P, IP(2,2,2,2), IP(10,0,0,1), 1);
	lsab_router_link(&l, LINK_P2P, IP(2,2,2,2), IP(10,0,0,3), 2);
	lsab_router_link(&l, LINK_TRANSIT, IP(10,1,0,1), IP(10,1,0,1), 1);
	lsab_finish(&l, &a);
	live_install(tl, 0, &a);
	lsab_router_begin(&l, IP(2,2,2,2), 0, OSPF_INITIAL_SEQ);
	lsab_router_link(&l, LINK_P2P, IP(1,1,1,1), IP(10,0,0,2), 3);
	lsab_router_link(&l, LINK_P2P, IP(1,1,1,1), IP(10,0,0,5), 4);
	lsab_router_link(&l, LINK_TRANSIT, IP(10,1,0,1), IP(10,1,0,2), 1);
	lsab_finish(&l, &a);
	live_install(tl, 0, &a);
	CHECK(live_check(tl, &base, true, &events));
	/* paired by address order: .1-.2, .3-.5; R1 now says its subnets are
	 * 10.0.0.0/29 and, inside it, 10.0.0.2/31: paired .1-.5, .3-.2 */
	lsab_router_begin(&l, IP(1,1,1,1), 0, OSPF_INITIAL_SEQ + 1);
	lsab_router_link(&l, LINK_P2P, IP(2,2,2,2), IP(10,0,0,3), 2);
	lsab_router_link(&l, LINK_STUB, IP(10,0,0,0), IP(255,255,255,248), 2);
	lsab_router_link(&l, LINK_P2P, IP(2,2,2,2), IP(10,0,0,1), 1);
	lsab_router_link(&l, LINK_STUB, IP(10,0,0,2), IP(255,255,255,254), 2);
	lsab_router_link(&l, LINK_TRANSIT, IP(10,1,0,1), IP(10,1,0,1), 1);
	lsab_finish(&l, &a);
	live_install(tl, 0, &a);
	events = 0;
	CHECK(live_check(tl, &base, true, &events));
	CHECK_EQ(events, 6);              /* 2 links removed, 2 added, 2 prefixes */
	CHECK(base != NULL && find_link(base, LINK_P2P, IP(1,1,1,1), IP(10,0,0,1))->b_addr ==
	                      IP(10,0,0,5));
	/* the /31 goes: by order again */
	lsab_router_begin(&l, IP(1,1,1,1), 0, OSPF_INITIAL_SEQ + 2);
	lsab_router_link(&l, LINK_P2P, IP(2,2,2,2), IP(10,0,0,3), 2);
	lsab_router_link(&l, LINK_STUB, IP(10,0,0,0), IP(255,255,255,248), 2);
	lsab_router_link(&l, LINK_P2P, IP(2,2,2,2), IP(10,0,0,1), 1);
	lsab_router_link(&l, LINK_TRANSIT, IP(10,1,0,1), IP(10,1,0,1), 1);
	lsab_finish(&l, &a);
	live_install(tl, 0, &a);
	CHECK(live_check(tl, &base, true, &events));
	CHECK(base != NULL && find_link(base, LINK_P2P, IP(1,1,1,1), IP(10,0,0,1))->b_addr ==
	                      IP(10,0,0,2));
	CHECK(events > 0);

	/* the LAN 10.1.0.1: a network-LSA from R1 listing only R1, a stale one
	 * from R2 listing both; R1's goes: R2's is used, R2's link two-way */
	lsab_network(&l, IP(10,1,0,1), IP(1,1,1,1), IP(255,255,255,0), one, 1);
	lsab_finish(&l, &a);
	live_install(tl, 0, &a);
	lsab_network(&l, IP(10,1,0,1), IP(2,2,2,2), IP(255,255,255,0), lan, 2);
	lsab_finish(&l, &a);
	live_install(tl, 0, &a);
	CHECK(live_check(tl, &base, true, &events));
	lsab_network(&l, IP(10,1,0,1), IP(1,1,1,1), IP(255,255,255,0), one, 1);
	lsab_hdr_seq(&l, OSPF_INITIAL_SEQ + 1);
	lsab_finish(&l, &a);
	l.b[0] = OSPF_MAX_AGE >> 8;
	l.b[1] = OSPF_MAX_AGE & 0xff;
	CHECK(lsa_decode(l.b, l.len, &a) == OSPF_OK);
	CHECK(live_install(tl, 0, &a) == LSDB_FLUSHED);
	CHECK(live_check(tl, &base, true, &events));

	/* area 1: R3 alone (up), then R4 (neither up: no adjacency), R4 goes */
	lsab_router_begin(&l, IP(3,3,3,3), 0, OSPF_INITIAL_SEQ);
	lsab_router_link(&l, LINK_STUB, IP(10,3,0,0), IP(255,255,255,0), 1);
	lsab_finish(&l, &a);
	live_install(tl, 1, &a);
	CHECK(live_check(tl, &base, true, &events));
	lsab_router_begin(&l, IP(4,4,4,4), 0, OSPF_INITIAL_SEQ);
	lsab_finish(&l, &a);
	live_install(tl, 1, &a);
	CHECK(live_check(tl, &base, true, &events));
	CHECK(base != NULL && base->nr == 4 && !base->r[2].up && !base->r[3].up);
	l.b[0] = OSPF_MAX_AGE >> 8;
	l.b[1] = OSPF_MAX_AGE & 0xff;
	lsab_hdr_seq(&l, OSPF_INITIAL_SEQ + 1);
	lsab_finish(&l, &a);
	l.b[0] = OSPF_MAX_AGE >> 8;
	l.b[1] = OSPF_MAX_AGE & 0xff;
	CHECK(lsa_decode(l.b, l.len, &a) == OSPF_OK);
	CHECK(live_install(tl, 1, &a) == LSDB_FLUSHED);
	CHECK(live_check(tl, &base, true, &events));
	CHECK(base != NULL && base->nr == 3 && base->r[2].up);
	printf("test_topo: live topology: %u events of targeted changes, equal to topo_diff's\n",
	       events);
	topo_free(base);
	topo_live_free(tl);
	lsdb_free(db);
}

/*
 * A stub whose mask is not contiguous names no subnet (RFC 4632 5.1: masks
 * are contiguous), so it pairs no links.  The LSAs of a fuzzer's input
 * (tests/fuzz/corpus/topo/pair-noncontig-mask): R5 and R6 (10.255.0.5/.6)
 * list two links and one towards each other; R5's stubs are
 * 10.1.35.0/255.255.191.0, which holds its 10.1.35.5, and
 * 10.1.56.0/255.40.255.0, which holds 10.1.56.5 and R6's 10.1.56.6.  No
 * stub subnet is shared, so the ends pair in address order: 10.1.35.5 with
 * 10.1.56.6, and R5's 10.1.56.5 is one-way.  With 255.255.255.0 in place
 * of the second mask, 10.1.56.5 and 10.1.56.6 share a subnet and pair.
 * The live topology equals the one built whole in both cases.
 */
static void pair_case(uint32_t r5_mask)
{
	struct topo_live *tl = topo_live_new();
	struct topo *t = NULL;
	struct lsabuf l;
	struct lsa a;
	uint32_t att[] = { IP(10,255,0,7), IP(128,0,0,1), IP(101,168,0,36), IP(255,255,255,0) };
	const struct topo_link *k;

	db = lsdb_new(100);
	now = 1000000;
	CHECK(tl != NULL && db != NULL);
	lsab_router_begin(&l, IP(10,255,0,1), 0, OSPF_INITIAL_SEQ + 6);
	lsab_router_link(&l, LINK_TRANSIT, IP(10,0,0,1), IP(10,0,96,1), 10);
	lsab_router_link(&l, LINK_STUB, IP(10,100,1,0), IP(255,255,255,0), 10);
	lsab_finish(&l, &a);
	live_install(tl, 0, &a);
	lsab_router_begin(&l, IP(10,255,0,3), 0, OSPF_INITIAL_SEQ + 8);
	lsab_router_link(&l, LINK_TRANSIT, IP(10,0,0,1), IP(10,0,0,3), 10);
	lsab_router_link(&l, LINK_STUB, IP(10,100,3,0), IP(255,255,255,0), 10);
	lsab_router_link(&l, LINK_P2P, IP(10,255,0,5), IP(10,1,35,3), 30);
	lsab_router_link(&l, LINK_STUB, IP(10,1,35,0), IP(255,255,255,0), 30);
	lsab_finish(&l, &a);
	live_install(tl, 0, &a);
	lsab_router_begin(&l, IP(10,255,0,4), LSA_ROUTER_E, OSPF_INITIAL_SEQ + 6);
	lsab_router_link(&l, LINK_TRANSIT, IP(10,0,0,1), IP(10,0,0,4), 10);
	lsab_router_link(&l, LINK_STUB, IP(10,100,4,0), IP(255,255,255,0), 10);
	lsab_router_link(&l, LINK_P2P, IP(10,255,0,5), IP(10,1,45,4), 10);
	lsab_router_link(&l, LINK_STUB, IP(10,1,45,0), IP(255,255,255,0), 10);
	lsab_finish(&l, &a);
	live_install(tl, 0, &a);
	lsab_router_begin(&l, IP(10,255,0,5), LSA_ROUTER_B, OSPF_INITIAL_SEQ + 8);
	lsab_router_link(&l, LINK_STUB, IP(10,100,5,0), IP(255,255,255,0), 10);
	lsab_router_link(&l, LINK_P2P, IP(10,255,0,6), IP(10,1,35,5), 10);
	lsab_router_link(&l, LINK_STUB, IP(10,1,35,0), IP(255,255,191,0), 10);
	lsab_router_link(&l, LINK_P2P, IP(10,255,0,4), IP(10,1,45,5), 10);
	lsab_router_link(&l, LINK_STUB, IP(10,1,45,0), IP(255,255,255,0), 10);
	lsab_router_link(&l, LINK_P2P, IP(10,255,0,6), IP(10,1,56,5), 10);
	lsab_router_link(&l, LINK_STUB, IP(10,1,56,0), r5_mask, 10);
	lsab_finish(&l, &a);
	live_install(tl, 0, &a);
	lsab_router_begin(&l, IP(10,255,0,6), LSA_ROUTER_B | LSA_ROUTER_E, OSPF_INITIAL_SEQ + 7);
	lsab_router_link(&l, LINK_STUB, IP(10,100,6,0), IP(255,255,255,0), 10);
	lsab_router_link(&l, LINK_P2P, IP(10,255,0,2), IP(10,1,26,6), 10);
	lsab_router_link(&l, LINK_STUB, IP(10,1,26,0), IP(255,255,255,0), 10);
	lsab_router_link(&l, LINK_P2P, IP(10,255,0,5), IP(10,1,56,6), 10);
	lsab_router_link(&l, LINK_STUB, IP(10,1,55,0), IP(255,255,255,0), 10);
	lsab_finish(&l, &a);
	live_install(tl, 0, &a);
	lsab_network(&l, IP(10,0,0,1), IP(10,255,0,1), IP(10,200,77,0), att, 4);
	lsab_hdr_seq(&l, OSPF_INITIAL_SEQ + 2);
	lsab_finish(&l, &a);
	live_install(tl, 0, &a);
	t = topo_build(db, now);
	CHECK(t != NULL);
	if (t == NULL)
		goto out;

	k = find_link(t, LINK_P2P, IP(10,255,0,4), IP(10,1,45,4));     /* one link: paired */
	CHECK(k != NULL && k->two_way && k->b == IP(10,255,0,5) && k->b_addr == IP(10,1,45,5));
	k = find_link(t, LINK_P2P, IP(10,255,0,3), IP(10,1,35,3));     /* R5 lists none */
	CHECK(k != NULL && !k->two_way && k->b == IP(10,255,0,5));
	if (r5_mask == IP(255,40,255,0)) {
		k = find_link(t, LINK_P2P, IP(10,255,0,5), IP(10,1,35,5));
		CHECK(k != NULL && k->two_way && k->b == IP(10,255,0,6) &&
		      k->b_addr == IP(10,1,56,6));
		k = find_link(t, LINK_P2P, IP(10,255,0,5), IP(10,1,56,5));
		CHECK(k != NULL && !k->two_way && k->b == IP(10,255,0,6));
	} else {
		k = find_link(t, LINK_P2P, IP(10,255,0,5), IP(10,1,56,5));
		CHECK(k != NULL && k->two_way && k->b == IP(10,255,0,6) &&
		      k->b_addr == IP(10,1,56,6));
		k = find_link(t, LINK_P2P, IP(10,255,0,5), IP(10,1,35,5));
		CHECK(k != NULL && !k->two_way && k->b == IP(10,255,0,6));
	}
	CHECK(live_equal(tl, t));
out:
	topo_free(t);
	topo_live_free(tl);
	lsdb_free(db);
}

static void test_pair_mask(void)
{
	pair_case(IP(255,40,255,0));                 /* not contiguous: no subnet */
	pair_case(IP(255,255,255,0));                /* a subnet */
}

/*
 * Random sequences of LSAs added, changed, flushed and aged out, among a
 * few routers, networks and prefixes so that everything collides: parallel
 * links, links to oneself and to routers without an LSA, stubs nested and
 * repeated, networks with stale DRs and unknown routers, several LSAs for
 * one prefix, a router-LSA whose id is not its router's, two areas and AS
 * scope.  After every step the live topology must equal topo_build's, and
 * at every commit (every 1 to 3 steps) its events those of topo_diff
 * between the topologies built whole at the two commits.
 */
static void test_live(void)
{
	unsigned steps = 0, events = 0;

	for (uint64_t seed = 1; seed <= 60; seed++) {
		struct topo_live *tl = topo_live_new();
		struct topo *base = NULL;
		unsigned until_commit = 1;

		rng = seed * 0x9e3779b97f4a7c15ull;
		nkeys = 0;
		nrouters = 2 + seed % 6;                /* few: many parallel links */
		db = lsdb_new(1000);
		now = 1000000;
		CHECK(tl != NULL && db != NULL);
		for (unsigned step = 0; step < 300; step++, steps++) {
			struct rkey *k = random_key();
			struct lsa a;
			bool commit = --until_commit == 0;

			random_lsa(k, &a);
			if (rnd(5) == 0 && lsdb_get(db, k->area, k->type, k->id, k->adv) != NULL) {
				rl.b[0] = OSPF_MAX_AGE >> 8;          /* flush it */
				rl.b[1] = OSPF_MAX_AGE & 0xff;
				CHECK(lsa_decode(rl.b, rl.len, &a) == OSPF_OK);
			} else if (rnd(10) == 0) {
				uint16_t age = (uint16_t)(OSPF_MAX_AGE - 1 - rnd(4)); /* ages out soon */
				rl.b[0] = (uint8_t)(age >> 8);
				rl.b[1] = (uint8_t)age;
				CHECK(lsa_decode(rl.b, rl.len, &a) == OSPF_OK);
			}
			live_install(tl, k->area, &a);
			now += rnd(3) == 0 ? 1000 + rnd(2000) : 10;
			lsdb_age(db, now, on_aged_live, tl);
			if (commit)
				until_commit = 1 + rnd(3);
			if (!live_check(tl, &base, commit, &events)) {
				fprintf(stderr, "seed %llu step %u\n", (unsigned long long)seed, step);
				break;
			}
		}
		CHECK(!topo_live_failed(tl));
		topo_free(base);
		topo_live_free(tl);
		lsdb_free(db);
	}
	printf("test_topo: live topology: %u random steps, %u events, equal to topo_build/topo_diff\n",
	       steps, events);
	CHECK(events > 1000);
}


/* ---- OSPFv3 (topo6_build) ---- */

#define R1 IP(1,1,1,1)
#define R2 IP(2,2,2,2)

static struct lsabuf6 lb6;

static void install6(uint32_t area)
{
	struct lsa l;

	lsab6_finish(&lb6, &l);
	CHECK(lsdb_install(db, area, &l, now, NULL) != LSDB_FULL);
}

static void pfx6(uint8_t a[16], uint16_t w1)
{
	memset(a, 0, 16);
	a[0] = 0xfd;
	a[2] = (uint8_t)(w1 >> 8);
	a[3] = (uint8_t)w1;
}

/*
 * Area 0: R1 and R2 joined by two parallel p2p links (R1 ifid 1 <-> R2
 * ifid 7, R1 ifid 2 <-> R2 ifid 8: exact pairing by interface ids, however
 * the ids sort), R2 with a one-way link to R3 (R3 has no router-LSA:
 * missing), a LAN of R1 (DR, ifid 3) and R2 (its ifid 9) and R4, which the
 * network-LSA does not list (one-way); prefixes: a stub of R1, the LAN's, an
 * NU one (left out); an E2 external of R2 with a forwarding address; area 1:
 * R2's inter-area-router-LSA for R5.  Every element in both OSPFv2 and
 * OSPFv3 would be a separate topology: the OSPFv2 LSA in the database is
 * not in it.
 */
static void build6(uint16_t cost_r2_8)
{
	uint8_t a[16], f[16];
	uint32_t lan[2] = { R1, R2 };
	struct lsa l2;

	lsab6_router(&lb6, R1, 0, 0, LSAB6_OPTS);
	lsab6_iface(&lb6, LINK6_P2P, 10, 1, 7, R2);
	lsab6_iface(&lb6, LINK6_P2P, 20, 2, 8, R2);
	lsab6_iface(&lb6, LINK6_TRANSIT, 5, 3, 3, R1);
	install6(0);
	lsab6_router(&lb6, R2, 0, LSA6_ROUTER_E, LSAB6_OPTS);
	lsab6_iface(&lb6, LINK6_P2P, cost_r2_8, 8, 2, R1);
	lsab6_iface(&lb6, LINK6_P2P, 11, 7, 1, R1);
	lsab6_iface(&lb6, LINK6_P2P, 30, 6, 1, IP(3,3,3,3));
	lsab6_iface(&lb6, LINK6_TRANSIT, 5, 9, 3, R1);
	install6(0);
	lsab6_router(&lb6, IP(4,4,4,4), 0, 0, LSAB6_OPTS);
	lsab6_iface(&lb6, LINK6_TRANSIT, 5, 1, 3, R1);
	install6(0);
	lsab6_network(&lb6, R1, 3, lan, 2);
	install6(0);
	pfx6(a, 1);
	lsab6_intra(&lb6, R1, 0, LSA6_ROUTER, 0, R1);
	lsab6_prefix(&lb6, 64, 0, 10, a);
	pfx6(a, 0x99);
	lsab6_prefix(&lb6, 64, LSA6_PREFIX_NU, 10, a);
	install6(0);
	pfx6(a, 0x12);
	lsab6_intra(&lb6, R1, 1, LSA6_NETWORK, 3, R1);
	lsab6_prefix(&lb6, 64, 0, 0, a);
	install6(0);
	pfx6(a, 0xe);
	pfx6(f, 1);
	f[15] = 1;
	lsab6_external(&lb6, LSA6_EXTERNAL, R2, 1, true, 100, 48, 0, a, f);
	install6(LSDB_AS_SCOPE);
	lsab6_inter_router(&lb6, R2, 5, 20, IP(5,5,5,5));
	install6(1);
	/* an OSPFv2 router-LSA of R1: not part of the OSPFv3 topology */
	lsab_router_begin(&rl, R1, 0, OSPF_INITIAL_SEQ);
	lsab_router_link(&rl, LINK_STUB, IP(10,1,0,0), 0xffffff00u, 1);
	lsab_finish(&rl, &l2);
	CHECK(lsdb_install(db, 0, &l2, now, NULL) != LSDB_FULL);
}

static void test_topo6(void)
{
	struct topo *t, *t2, *v2;
	struct evrec r = { 0 };
	struct sbuf b = SBUF_INIT;
	unsigned p2p = 0, two = 0;

	db = lsdb_new(1000);
	build6(12);
	t = topo6_build(db, now);
	CHECK(t != NULL && t->v3);
	if (t == NULL)
		return;
	CHECK_EQ(t->nr, 3);                        /* R1 R2 R4 (area 0) */
	for (unsigned i = 0; i < t->nl; i++) {
		const struct topo_link *l = &t->l[i];
		CHECK(l->v3);
		if (l->type == LINK_P2P) {
			p2p++;
			if (l->two_way) {
				two++;
				CHECK(l->a == R1 && l->b == R2);
				CHECK((l->a_addr == 1 && l->b_addr == 7 && l->cost_ab == 10 &&
				       l->cost_ba == 11) ||
				      (l->a_addr == 2 && l->b_addr == 8 && l->cost_ab == 20 &&
				       l->cost_ba == 12));
			} else {
				CHECK(l->a == R2 && l->b == IP(3,3,3,3) && l->a_addr == 6);
			}
		} else if (l->type == LINK_TRANSIT) {
			CHECK(l->b == R1 && l->b_addr == 3);
			CHECK_EQ(l->two_way, l->a != IP(4,4,4,4));
		}
	}
	CHECK_EQ(p2p, 3);
	CHECK_EQ(two, 2);
	CHECK(t->nm == 1 && t->m[0].kind == TM_ROUTER && t->m[0].id == IP(3,3,3,3));
	CHECK(t->nn == 1 && t->n[0].dr == R1 && t->n[0].id == 3 && t->n[0].n == 2);
	CHECK_EQ(t->np, 4);                        /* stub, LAN, external, ASBR summary */
	for (unsigned i = 0; i < t->np; i++) {
		const struct topo_prefix *p = &t->p[i];
		CHECK(p->v3);
		if (p->kind == TP_EXTERNAL)
			CHECK(p->e2 && p->cost == 100 && p->plen == 48 && p->fwd6[15] == 1 &&
			      p->area == LSDB_AS_SCOPE);
		if (p->kind == TP_TRANSIT)
			CHECK(p->router == R1 && p->plen == 64 && p->p6[3] == 0x12);
		if (p->kind == TP_ASBR_SUMMARY)
			CHECK(p->area == 1 && p->prefix == IP(5,5,5,5) && p->router == R2);
	}
	for (unsigned i = 0; i < t->nr; i++)
		CHECK_EQ(t->r[i].up, t->r[i].id != IP(4,4,4,4));
	/* rendered beside the OSPFv2 topology */
	v2 = topo_build(db, now);
	CHECK(v2 != NULL && v2->nr == 1 && !v2->r[0].v3);
	if (v2 != NULL) {
		v2->v6 = t;
		topo_json(v2, 1, &b);
		CHECK(strstr(sbuf_str(&b), ",\"ospfv3\":{\"areas\":[{\"area\":\"0.0.0.0\",\"routers\":"
		             "[{\"ospf\":3,\"id\":\"1.1.1.1\"") != NULL);
		CHECK(strstr(sbuf_str(&b), "{\"ospf\":3,\"type\":\"p2p\",\"a\":\"1.1.1.1\",\"b\":\"2.2.2.2\","
		             "\"a_ifid\":1,\"b_ifid\":7,\"cost_ab\":10,\"cost_ba\":11,\"two_way\":true}") != NULL);
		CHECK(strstr(sbuf_str(&b), "{\"ospf\":3,\"prefix\":\"fd00:e::/48\",\"kind\":\"external\","
		             "\"router\":\"2.2.2.2\",\"type\":\"E2\",\"metric\":100,\"forward\":\"fd00:1::1\","
		             "\"tag\":0}") != NULL);
		CHECK(strstr(sbuf_str(&b), "\"networks\":[{\"dr\":\"1.1.1.1\",\"dr_ifid\":3,\"routers\":"
		             "[\"1.1.1.1\",\"2.2.2.2\"]}]") != NULL);
		CHECK(strstr(sbuf_str(&b), "fd00:99") == NULL);          /* NU */
		sbuf_free(&b);
		topo_text(v2, &b);
		CHECK(strstr(sbuf_str(&b), "\nOSPFv3\n") != NULL);
		CHECK(strstr(sbuf_str(&b), "link     p2p     1.1.1.1 (ifid 2) -- 2.2.2.2 (ifid 8)  cost 20/12\n") != NULL);
		sbuf_free(&b);
		topo_free(v2);
	}
	/* R2 changes the cost of its interface 8: one cost-changed, the
	 * link of ifids 2 and 8; the same contents again: nothing */
	now += 1000;
	build6(40);
	t2 = topo6_build(db, now);
	CHECK(t2 != NULL);
	topo_diff(t, t2, record, &r);
	CHECK_EQ(r.n, 1);
	CHECK(r.type[0] == TE_COST_CHANGED && r.link[0]->v3 && r.link[0]->a_addr == 2 &&
	      r.link[0]->cost_ba == 40);
	memset(&r, 0, sizeof(r));
	topo_diff(t2, t2, record, &r);
	CHECK_EQ(r.n, 0);
	{
		struct topo_event ev = { .type = TE_COST_CHANGED, .area = 0, .l_old = r.link[0] };
		char k[128];
		ev.l_old = &t2->l[0];
		topo_event_key(&ev, k, sizeof(k));
		CHECK(k[0] == 'l' && k[1] == '6');
	}
	topo_free(t);
	topo_free(t2);
	lsdb_free(db);
}

int main(void)
{
	test_build();
	test_diff();
	test_flapping();
	test_work();
	test_flap_table();
	test_live_cases();
	test_pair_mask();
	test_live();
	test_topo6();
	return check_done("test_topo");
}
