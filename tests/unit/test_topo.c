/* The topology built from an LSDB, its differences as events, and flap
 * detection over those events. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "events.h"
#include "lsabuild.h"
#include "lsdb.h"
#include "topo.h"

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

int main(void)
{
	test_build();
	test_diff();
	test_flapping();
	test_work();
	test_flap_table();
	return check_done("test_topo");
}
