/*
 * ospf-bench: LSDB installation and SPF benchmark of Anemone's OSPF code
 * (lib/ospf.c, lib/lsdb.c, lib/spf.c) on synthetic OSPFv2 databases, and
 * the OSPFv3 SPF (lib/ospf6.c, lib/spf6.c) on the same networks.
 *
 *   ospf-bench [-s SEED] [-r ROOTS] [-b BUDGET_S] [-p] [-d] [N ...]   (default N: 1000 10000)
 *
 * For each N it builds one area of N routers:
 *   - point-to-point links: a "twisted torus" (router i linked to i+1 and to
 *     i+W mod N, W = floor(sqrt N): degree 4 for every router) plus N/10
 *     random extra links; torus links cost 10 (three in four) or 20, extra
 *     links 10, 20 or 30, so equal-cost paths abound;
 *   - one stub network (a /24, metric 1) per router;
 *   - N/20 transit (broadcast) networks of 3 to 5 random routers, each with a
 *     network-LSA from its DR;
 *   - 4 ABRs originating summary-LSAs for N/20 prefixes (each prefix from 2
 *     ABRs) and ASBR-summary-LSAs for 2 ASBRs outside the area (each from 2
 *     ABRs); 4 ASBRs in the area; AS-external-LSAs for N/20 prefixes, each
 *     from 2 of the 6 ASBRs, half type 1, half type 2, a quarter with a
 *     forwarding address;
 *   - with -p, every point-to-point link also as a /30 stub at both ends, as
 *     routers advertise numbered links (RFC 2328 12.4.1.1).
 * Every LSA is encoded as wire bytes with a Fletcher checksum computed here
 * (RFC 2328 12.1.7, RFC 905 annex B), checked and decoded by lsa_decode and
 * installed by lsdb_install.  The PRNG is seeded: runs are reproducible.
 *
 * It measures the install rate (decode + install of the whole database into
 * a new LSDB: ADDED; then of every LSA again with the next sequence number
 * and changed contents: CHANGED; and both without the decode), the time of
 * one spf_routes() from ROOTS random roots (median, max), and the time to
 * compute every router's routes (run if the estimate fits in BUDGET_S
 * seconds, else extrapolated from the sample, and said so).  Every routing
 * table computed is checked against a reference computed here (its own
 * Dijkstra over the same topology): route count, the cost of every stub,
 * transit, inter-area and external route, and that every route is either
 * directly attached or has next hops that are neighbours of the root.
 * The run stops (exit 2) if a check fails: the timings would not be worth
 * anything.  Exit 1 if a target is missed, 0 if all are met.
 *
 * OSPFv3.  The same network (the same routers, links, costs, flags, LANs,
 * prefixes, summaries and externals, the same equal-cost paths) is also
 * encoded as OSPFv3 LSAs (RFC 5340 A.4; encode6 says how): per router a
 * router-LSA (a point-to-point or transit interface per link, interface ids
 * from 1), an intra-area-prefix-LSA with its stubs and a link-LSA per
 * interface (link-local address fe80::ROUTER:IFID, the LAN's prefix); per
 * LAN a network-LSA and an intra-area-prefix-LSA; inter-area-prefix-,
 * inter-area-router- and AS-external-LSAs for the summaries, ASBR-summaries
 * and externals.  Every IPv4 prefix becomes a /64 of 2001:db8::/32 (its 32
 * bits in octets 4-7).  They are checked and decoded by lsa6_decode and
 * installed by lsdb_install, into a database of their own (-d: into the
 * OSPFv2 one, both versions in one database as anemone-ospfmon holds
 * them).  spf6_routes and spf_routes run from the same roots, interleaved:
 * for each root one right after the other (even roots OSPFv2 first, odd
 * ones OSPFv3 first), so both see the machine in the same state; medians
 * of both, the ratio of the medians and the median of the per-root ratios,
 * in wall time and in this thread's CPU time.  Every OSPFv3 table is
 * checked against the OSPFv2 table of the same root, itself checked as
 * above: the same number of routes, and route by route the /64 of the
 * OSPFv2 prefix, the same type, cost, type 2 cost, area, attached flag and
 * next hops (the same neighbours, each with its link-local address and
 * root's interface id) -- except that the next hops of an external route
 * are checked against the union of those of the ASBRs, forwarding
 * addresses and ABRs that give its best path, as RFC 2328 16.2 merges
 * equal-cost paths to an ASBR (spf_routes keeps one ABR's: counted, not
 * failed, as the OSPFv2 check never compared next-hop sets).  All routers'
 * routes (when within the budget) run both versions the same way.
 *
 * Targets: one SPF under 20 ms at 10,000 routers (median of the roots);
 * all routers' routes under 1 s at 1,000 routers; over 100,000 LSAs/s
 * installed (decode + install, ADDED and CHANGED alike); at 1,000 and
 * 10,000 routers, spf6_routes within 1.5 x spf_routes (the ratio of the
 * medians in wall time, in the same run).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "lsdb.h"
#include "ospf.h"
#include "ospf6.h"
#include "spf.h"
#include "spf6.h"

#ifndef BENCH_CFLAGS
#define BENCH_CFLAGS "(not recorded: build with bench/ospf-run)"
#endif
#ifndef LIB_CFLAGS
#define LIB_CFLAGS "(not recorded: build with bench/ospf-run)"
#endif

#define MAX_LSAS      200000u         /* as anemone-ospfmon's lsdb_new() */
#define T_SPF_MS      20.0            /* one SPF at 10,000 routers */
#define T_ALL_S       1.0             /* all routers' routes at 1,000 */
#define T_INSTALL     100000.0        /* LSAs/s */
#define T_V3_RATIO    1.5             /* spf6_routes / spf_routes at 1,000 and 10,000 */

/* Address plan (host order). */
#define RID_BASE      0x0b000001u     /* router i: 11.0.0.1 + i */
#define OUT_ASBR_BASE 0x0c000001u     /* ASBRs outside the area: 12.0.0.1 + k */
#define P2P_BASE      0x0a000000u     /* link k: 10.0.0.0/30 + 4k (10.0/9) */
#define LAN_BASE      0x0a800000u     /* LAN j: 10.128.0.0/24 + 256j */
#define STUB_BASE     0x14000000u     /* router i's stub: 20.0.0.0/24 + 256i */
#define SUM_BASE      0x1e000000u     /* summary prefix j: 30.0.0.0/24 + 256j */
#define EXT_BASE      0x28000000u     /* external prefix j: 40.0.0.0/24 + 256j */
#define MASK24        0xffffff00u
#define MASK30        0xfffffffcu

#define NABR          4
#define NASBR_IN      4
#define NASBR_OUT     2
#define INF           UINT32_MAX

static int fail_count;
#define FAILF(...) do { fprintf(stderr, "CHECK FAILED: " __VA_ARGS__); fputc('\n', stderr); \
                        if (++fail_count > 20) exit(2); } while (0)

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz);
	if (p == NULL) {
		perror("calloc");
		exit(3);
	}
	return p;
}

static void *xrealloc(void *p, size_t sz)
{
	p = realloc(p, sz ? sz : 1);
	if (p == NULL) {
		perror("realloc");
		exit(3);
	}
	return p;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* This thread's CPU time: what preemption by other processes does not add to. */
static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* --- PRNG (splitmix64) ---------------------------------------------------- */

static uint64_t rng;

static uint64_t rnd64(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t rnd(uint32_t n)             /* uniform in [0, n) */
{
	return (uint32_t)(((rnd64() >> 32) * (uint64_t)n) >> 32);
}

/* --- the model ------------------------------------------------------------ */

/* ifid: the OSPFv3 interface id of a point-to-point or transit link (its
 * index in the router's list + 1), nbr_ifid the neighbour's on a point-to-
 * point link, the DR's on a transit one; 0 for stubs. */
struct link { uint32_t id, data; uint16_t metric; uint8_t type; uint32_t ifid, nbr_ifid; };

struct router {
	uint32_t rid;
	uint8_t flags;
	struct link *l;
	unsigned n, cap;
};

struct lan { uint32_t dr_addr, mask; uint32_t att[5]; uint16_t metric[5]; uint32_t ifid[5]; unsigned n; };

/* Point-to-point link k: router end[e] (e = 0: address net + 1, 1: net + 2),
 * its interface id ifid[e]. */
struct p2pl { unsigned end[2]; uint32_t ifid[2]; };

struct summ { uint8_t type; uint32_t id, adv, mask, metric; };

struct ext { uint32_t id, adv, mask, metric, fwd, tag; bool e2; };

struct model {
	unsigned n, w;
	struct router *r;
	unsigned np2p, nextra;
	struct p2pl *pl;             /* pl[0..np2p) */
	struct lan *lan;
	unsigned nlan, nlanatt;
	unsigned abr[NABR], asbr[NASBR_IN];
	struct summ *s;
	unsigned ns, nsum_pref, nasbrsum;
	struct ext *x;
	unsigned nx, next_pref;
	bool p2p_stubs;
	/* reference graph (CSR): vertex i < n is router i, n + j is LAN j */
	unsigned nv;
	unsigned *adj_off, *adj_to, *adj_cost;
};

static uint32_t rid_of(unsigned i) { return RID_BASE + i; }
static unsigned idx_of(uint32_t rid) { return rid - RID_BASE; }
static bool in_area(const struct model *m, uint32_t rid) { return rid >= RID_BASE && rid - RID_BASE < m->n; }
static uint32_t lan_addr(unsigned j, unsigned pos) { return LAN_BASE + (j << 8) + 1 + pos; }
static unsigned lan_of(uint32_t addr) { return (addr - LAN_BASE) >> 8; }

/* Returns the link's index in r's list. */
static unsigned add_link(struct router *r, uint8_t type, uint32_t id, uint32_t data, uint16_t metric)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 8;
		r->l = xrealloc(r->l, r->cap * sizeof(*r->l));
	}
	r->l[r->n] = (struct link){ .id = id, .data = data, .metric = metric, .type = type };
	return r->n++;
}

static bool p2p_linked(const struct router *a, uint32_t rid)
{
	for (unsigned k = 0; k < a->n; k++)
		if (a->l[k].type == LINK_P2P && a->l[k].id == rid)
			return true;
	return false;
}

static bool add_p2p(struct model *m, unsigned a, unsigned b, uint16_t metric)
{
	if (a == b || p2p_linked(&m->r[a], rid_of(b)))
		return false;
	uint32_t net = P2P_BASE + 4 * m->np2p;
	unsigned ka = add_link(&m->r[a], LINK_P2P, rid_of(b), net + 1, metric);
	unsigned kb = add_link(&m->r[b], LINK_P2P, rid_of(a), net + 2, metric);
	m->r[a].l[ka].ifid = m->r[b].l[kb].nbr_ifid = ka + 1;
	m->r[b].l[kb].ifid = m->r[a].l[ka].nbr_ifid = kb + 1;
	m->pl[m->np2p] = (struct p2pl){ { a, b }, { ka + 1, kb + 1 } };
	if (m->p2p_stubs) {
		add_link(&m->r[a], LINK_STUB, net, MASK30, metric);
		add_link(&m->r[b], LINK_STUB, net, MASK30, metric);
	}
	m->np2p++;
	return true;
}

static void pick_distinct(unsigned n, unsigned k, unsigned *out)
{
	for (unsigned i = 0; i < k; i++) {
		unsigned v;
		bool dup;
		do {
			v = rnd(n);
			dup = false;
			for (unsigned j = 0; j < i; j++)
				dup = dup || out[j] == v;
		} while (dup);
		out[i] = v;
	}
}

static void model_build(struct model *m, unsigned n, bool p2p_stubs)
{
	memset(m, 0, sizeof(*m));
	m->n = n;
	m->p2p_stubs = p2p_stubs;
	m->w = (unsigned)sqrt((double)n);
	if (m->w < 2)
		m->w = 2;
	m->r = xcalloc(n, sizeof(*m->r));
	for (unsigned i = 0; i < n; i++)
		m->r[i].rid = rid_of(i);
	m->pl = xcalloc(2 * n + n / 10 + 1, sizeof(*m->pl));

	/* point-to-point links: twisted torus, then random extras */
	for (unsigned i = 0; i < n; i++) {
		add_p2p(m, i, (i + 1) % n, rnd(4) == 0 ? 20 : 10);
		add_p2p(m, i, (i + m->w) % n, rnd(4) == 0 ? 20 : 10);
	}
	for (unsigned k = 0, tries = 0; k < n / 10 && tries < n; tries++)
		if (add_p2p(m, rnd(n), rnd(n), (uint16_t)(10 * (1 + rnd(3)))))
			k++, m->nextra++;

	/* transit networks */
	m->nlan = n >= 60 ? n / 20 : 0;
	m->lan = xcalloc(m->nlan, sizeof(*m->lan));
	for (unsigned j = 0; j < m->nlan; j++) {
		struct lan *L = &m->lan[j];
		L->n = 3 + rnd(3);
		L->dr_addr = lan_addr(j, 0);
		L->mask = MASK24;
		pick_distinct(n, L->n, L->att);
		for (unsigned p = 0; p < L->n; p++) {
			L->metric[p] = rnd(2) ? 10 : 20;
			struct router *R = &m->r[L->att[p]];
			unsigned k = add_link(R, LINK_TRANSIT, L->dr_addr, lan_addr(j, p), L->metric[p]);
			R->l[k].ifid = L->ifid[p] = k + 1;
			R->l[k].nbr_ifid = L->ifid[0];        /* the DR's, set at p = 0 */
			L->att[p] = rid_of(L->att[p]);
		}
		m->nlanatt += L->n;
	}

	/* a stub per router */
	for (unsigned i = 0; i < n; i++)
		add_link(&m->r[i], LINK_STUB, STUB_BASE + (i << 8), MASK24, 1);

	/* ABRs, ASBRs */
	unsigned pick[NABR + NASBR_IN];
	pick_distinct(n, NABR + NASBR_IN, pick);
	for (unsigned k = 0; k < NABR; k++) {
		m->abr[k] = pick[k];
		m->r[pick[k]].flags |= LSA_ROUTER_B;
	}
	for (unsigned k = 0; k < NASBR_IN; k++) {
		m->asbr[k] = pick[NABR + k];
		m->r[pick[NABR + k]].flags |= LSA_ROUTER_E;
	}

	/* summaries: each prefix from 2 ABRs; ASBR-summaries for the outside ASBRs */
	m->nsum_pref = n / 20 ? n / 20 : 1;
	m->nasbrsum = NASBR_OUT * 2;
	m->s = xcalloc(2 * m->nsum_pref + m->nasbrsum, sizeof(*m->s));
	for (unsigned j = 0; j < m->nsum_pref; j++) {
		unsigned two[2];
		pick_distinct(NABR, 2, two);
		for (unsigned t = 0; t < 2; t++)
			m->s[m->ns++] = (struct summ){ LSA_SUMMARY, SUM_BASE + (j << 8),
			                               rid_of(m->abr[two[t]]), MASK24, 10 * (1 + rnd(5)) };
	}
	for (unsigned k = 0; k < NASBR_OUT; k++) {
		unsigned two[2];
		pick_distinct(NABR, 2, two);
		for (unsigned t = 0; t < 2; t++)
			m->s[m->ns++] = (struct summ){ LSA_ASBR_SUMMARY, OUT_ASBR_BASE + k,
			                               rid_of(m->abr[two[t]]), 0, 10 * (1 + rnd(5)) };
	}

	/* externals: each prefix from 2 of the 6 ASBRs */
	m->next_pref = n / 20 ? n / 20 : 1;
	m->x = xcalloc(2 * m->next_pref, sizeof(*m->x));
	for (unsigned j = 0; j < m->next_pref; j++) {
		unsigned two[2];
		bool e2 = j % 2 == 0;
		uint32_t fwd = j % 4 == 1 ? STUB_BASE + (rnd(n) << 8) + 1 : 0;
		pick_distinct(NASBR_IN + NASBR_OUT, 2, two);
		for (unsigned t = 0; t < 2; t++) {
			uint32_t adv = two[t] < NASBR_IN ? rid_of(m->asbr[two[t]])
			                                 : OUT_ASBR_BASE + (two[t] - NASBR_IN);
			m->x[m->nx++] = (struct ext){ EXT_BASE + (j << 8), adv, MASK24,
			                              100 + rnd(100), fwd, j, e2 };
		}
	}

	/* reference graph */
	m->nv = n + m->nlan;
	m->adj_off = xcalloc(m->nv + 1, sizeof(unsigned));
	unsigned ne = 0;
	for (unsigned i = 0; i < n; i++)
		for (unsigned k = 0; k < m->r[i].n; k++)
			ne += m->r[i].l[k].type == LINK_P2P || m->r[i].l[k].type == LINK_TRANSIT;
	ne += m->nlanatt;
	m->adj_to = xcalloc(ne, sizeof(unsigned));
	m->adj_cost = xcalloc(ne, sizeof(unsigned));
	unsigned e = 0;
	for (unsigned i = 0; i < n; i++) {
		m->adj_off[i] = e;
		for (unsigned k = 0; k < m->r[i].n; k++) {
			const struct link *lk = &m->r[i].l[k];
			if (lk->type == LINK_P2P) {
				m->adj_to[e] = idx_of(lk->id);
				m->adj_cost[e++] = lk->metric;
			} else if (lk->type == LINK_TRANSIT) {
				m->adj_to[e] = n + lan_of(lk->id);
				m->adj_cost[e++] = lk->metric;
			}
		}
	}
	for (unsigned j = 0; j < m->nlan; j++) {
		m->adj_off[n + j] = e;
		for (unsigned p = 0; p < m->lan[j].n; p++) {
			m->adj_to[e] = idx_of(m->lan[j].att[p]);
			m->adj_cost[e++] = 0;
		}
	}
	m->adj_off[m->nv] = e;
}

static void model_free(struct model *m)
{
	for (unsigned i = 0; i < m->n; i++)
		free(m->r[i].l);
	free(m->r);
	free(m->lan);
	free(m->pl);
	free(m->s);
	free(m->x);
	free(m->adj_off);
	free(m->adj_to);
	free(m->adj_cost);
}

/* --- wire encoding ---------------------------------------------------------- */

/* The LSAs of one generation, back to back; off[i] .. off[i+1]. */
struct wire {
	uint8_t *b;
	size_t len, cap;
	size_t *off;
	unsigned n, ncap;
	unsigned by_type[12];
};

static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v & 0xffff); }

/*
 * The Fletcher checksum of RFC 2328 12.1.7 (ISO 8473 / RFC 905 annex B),
 * computed here rather than by the library under test: over the LSA from
 * the options field (octet 2) to its end, with the checksum field (octets
 * 16-17) taken as zero; the two check octets X, Y make both running sums
 * zero when the field is included.
 */
static uint16_t fletcher(const uint8_t *lsa, size_t len)
{
	const size_t start = 2, pos = 16;       /* the field, from the LSA's start */
	int64_t c0 = 0, c1 = 0, x, y;

	for (size_t i = start; i < len; i++) {
		c0 = (c0 + (i == pos || i == pos + 1 ? 0 : lsa[i])) % 255;
		c1 = (c1 + c0) % 255;
	}
	/* the field sits at octet (pos - start) of the checksummed data of
	 * length len - start: X = ((L - P - 1) c0 - c1) mod 255, Y = -c0 - X */
	x = ((int64_t)((len - start - (pos - start) - 1) % 255) * c0 - c1) % 255;
	if (x <= 0)
		x += 255;
	y = 510 - c0 - x;
	if (y > 255)
		y -= 255;
	return (uint16_t)(x << 8 | y);
}

/* Append the LSA built in lsa[0..len): fill in length and checksum. */
static void emit(struct wire *w, uint8_t *lsa, size_t len)
{
	put16(lsa + 18, (uint32_t)len);
	put16(lsa + 16, 0);
	put16(lsa + 16, fletcher(lsa, len));
	if (w->len + len > w->cap) {
		w->cap = (w->len + len) * 2;
		w->b = xrealloc(w->b, w->cap);
	}
	if (w->n + 2 > w->ncap) {
		w->ncap = w->ncap ? w->ncap * 2 : 1024;
		w->off = xrealloc(w->off, w->ncap * sizeof(*w->off));
	}
	memcpy(w->b + w->len, lsa, len);
	w->off[w->n] = w->len;
	w->len += len;
	w->off[++w->n] = w->len;
	w->by_type[lsa[3]]++;
}

static void hdr(uint8_t *b, uint8_t type, uint32_t id, uint32_t adv, int32_t seq)
{
	put16(b, 1);                            /* age */
	b[2] = 0x02;                            /* options: E */
	b[3] = type;
	put32(b + 4, id);
	put32(b + 8, adv);
	put32(b + 12, (uint32_t)seq);
}

/*
 * Encode the whole database.  gen 0: the database; gen 1: every LSA with
 * the next sequence number and different contents (stub metrics +1,
 * attached routers in reverse order, summary and external metrics +1).
 */
static void encode(const struct model *m, unsigned gen, struct wire *w)
{
	int32_t seq = OSPF_INITIAL_SEQ + (int32_t)gen;
	size_t maxl = 0;

	memset(w, 0, sizeof(*w));
	for (unsigned i = 0; i < m->n; i++)
		if (m->r[i].n > maxl)
			maxl = m->r[i].n;
	uint8_t *b = xcalloc(24 + 12 * maxl + 64, 1);

	for (unsigned i = 0; i < m->n; i++) {
		const struct router *r = &m->r[i];
		hdr(b, LSA_ROUTER, r->rid, r->rid, seq);
		b[20] = r->flags;
		b[21] = 0;
		put16(b + 22, r->n);
		for (unsigned k = 0; k < r->n; k++) {
			uint8_t *p = b + 24 + 12 * k;
			const struct link *lk = &r->l[k];
			put32(p, lk->id);
			put32(p + 4, lk->data);
			p[8] = lk->type;
			p[9] = 0;
			put16(p + 10, lk->metric + (lk->type == LINK_STUB ? gen : 0));
		}
		emit(w, b, 24 + 12 * r->n);
	}
	for (unsigned j = 0; j < m->nlan; j++) {
		const struct lan *L = &m->lan[j];
		hdr(b, LSA_NETWORK, L->dr_addr, L->att[0], seq);
		put32(b + 20, L->mask);
		for (unsigned p = 0; p < L->n; p++)
			put32(b + 24 + 4 * p, L->att[gen ? L->n - 1 - p : p]);
		emit(w, b, 24 + 4 * L->n);
	}
	for (unsigned k = 0; k < m->ns; k++) {
		const struct summ *s = &m->s[k];
		hdr(b, s->type, s->id, s->adv, seq);
		put32(b + 20, s->mask);
		put32(b + 24, (s->metric + gen) & 0xffffff);
		emit(w, b, 28);
	}
	for (unsigned k = 0; k < m->nx; k++) {
		const struct ext *x = &m->x[k];
		hdr(b, LSA_EXTERNAL, x->id, x->adv, seq);
		put32(b + 20, x->mask);
		put32(b + 24, (x->e2 ? 0x80000000u : 0) | ((x->metric + gen) & 0xffffff));
		put32(b + 28, x->fwd);
		put32(b + 32, x->tag);
		emit(w, b, 36);
	}
	free(b);
}

/* --- the same network in OSPFv3 (RFC 5340 A.4) ------------------------------ */

/* Address plan: an IPv4 /24 or /30 becomes the /64 with the 32 bits of
 * its prefix in octets 4-7 (10.128.1.0/24: 2001:db8:a80:100::/64; order-
 * preserving, so both tables sort alike); an IPv4 address in a /24 becomes
 * the address in that /64 with its last octet last (20.0.5.1:
 * 2001:db8:1400:500::1); router R's interface I has the link-local address
 * fe80::R:I (octets 8-11 R, 12-15 I). */
static void pfx6(uint32_t v4net, uint8_t out[16])
{
	memset(out, 0, 16);
	out[0] = 0x20; out[1] = 0x01; out[2] = 0x0d; out[3] = 0xb8;
	put32(out + 4, v4net);
}

static void addr6_in24(uint32_t v4, uint8_t out[16])
{
	pfx6(v4 & MASK24, out);
	out[15] = (uint8_t)(v4 & 0xff);
}

static void ll6(uint32_t rid, uint32_t ifid, uint8_t out[16])
{
	memset(out, 0, 16);
	out[0] = 0xfe; out[1] = 0x80;
	put32(out + 8, rid);
	put32(out + 12, ifid);
}

#define OPT6 (OSPF6_OPT_V6 | OSPF6_OPT_E | OSPF6_OPT_R)

static void put24(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 16); put16(p + 1, v & 0xffff); }

static void hdr6(uint8_t *b, uint16_t type, uint32_t id, uint32_t adv)
{
	put16(b, 1);                            /* age */
	put16(b + 2, type);
	put32(b + 4, id);
	put32(b + 8, adv);
	put32(b + 12, (uint32_t)OSPF_INITIAL_SEQ);
}

/* A prefix of 64 bits at p (A.4.1): length, options, 16-bit field, two words. */
static size_t prefix64(uint8_t *p, uint16_t field, const uint8_t a[16])
{
	p[0] = 64;
	p[1] = 0;
	put16(p + 2, field);
	memcpy(p + 4, a, 8);
	return 12;
}

/*
 * The model's network as OSPFv3 LSAs (sequence OSPF_INITIAL_SEQ, options
 * V6|E|R): per router a router-LSA (link state id 0, its B/E flags, an
 * interface per point-to-point and transit link, interface ids as in struct
 * link) and an intra-area-prefix-LSA referring to it with its stubs (the
 * /24, and with -p the /30s, each as a /64 with the IPv4 metric); per
 * interface a link-LSA (fe80::R:I; the LAN's /64, or with -p the link's);
 * per LAN a network-LSA from its DR (link state id: the DR's interface id)
 * and an intra-area-prefix-LSA referring to it with the LAN's /64, metric
 * 0; an inter-area-prefix-LSA per summary-LSA, an inter-area-router-LSA per
 * ASBR-summary-LSA, an AS-external-LSA per AS-external-LSA (E2, metric,
 * tag; the forwarding address mapped as above).
 */
static void encode6(const struct model *m, struct wire *w)
{
	size_t maxl = 0;

	memset(w, 0, sizeof(*w));
	for (unsigned i = 0; i < m->n; i++)
		if (m->r[i].n > maxl)
			maxl = m->r[i].n;
	uint8_t *b = xcalloc(32 + 16 * maxl + 64, 1), a[16];

	for (unsigned i = 0; i < m->n; i++) {
		const struct router *r = &m->r[i];
		size_t len = 24;
		hdr6(b, LSA6_ROUTER, 0, r->rid);
		b[20] = r->flags;                       /* B, E: the same bits as OSPFv2's */
		put24(b + 21, OPT6);
		for (unsigned k = 0; k < r->n; k++) {
			const struct link *lk = &r->l[k];
			uint8_t *p = b + len;
			if (lk->type == LINK_STUB)
				continue;
			p[0] = lk->type == LINK_P2P ? LINK6_P2P : LINK6_TRANSIT;
			p[1] = 0;
			put16(p + 2, lk->metric);
			put32(p + 4, lk->ifid);
			put32(p + 8, lk->nbr_ifid);
			put32(p + 12, lk->type == LINK_P2P ? lk->id
			                                   : m->lan[lan_of(lk->id)].att[0]);
			len += 16;
		}
		emit(w, b, len);

		/* its stubs */
		unsigned np = 0;
		hdr6(b, LSA6_INTRA_PREFIX, 0, r->rid);
		put16(b + 22, LSA6_ROUTER);
		put32(b + 24, 0);
		put32(b + 28, r->rid);
		len = 32;
		for (unsigned k = 0; k < r->n; k++) {
			if (r->l[k].type != LINK_STUB)
				continue;
			pfx6(r->l[k].id, a);
			len += prefix64(b + len, r->l[k].metric, a);
			np++;
		}
		put16(b + 20, np);
		emit(w, b, len);

		/* a link-LSA per interface */
		for (unsigned k = 0; k < r->n; k++) {
			const struct link *lk = &r->l[k];
			if (lk->type == LINK_STUB)
				continue;
			hdr6(b, LSA6_LINK, lk->ifid, r->rid);
			b[20] = 1;                      /* priority */
			put24(b + 21, OPT6);
			ll6(r->rid, lk->ifid, b + 24);
			len = 44;
			np = 0;
			if (lk->type == LINK_TRANSIT || m->p2p_stubs) {
				pfx6(lk->type == LINK_TRANSIT ? lk->id & MASK24 : lk->data & MASK30, a);
				len += prefix64(b + len, 0, a);
				np++;
			}
			put32(b + 40, np);
			emit(w, b, len);
		}
	}
	for (unsigned j = 0; j < m->nlan; j++) {
		const struct lan *L = &m->lan[j];
		hdr6(b, LSA6_NETWORK, L->ifid[0], L->att[0]);
		b[20] = 0;
		put24(b + 21, OPT6);
		for (unsigned p = 0; p < L->n; p++)
			put32(b + 24 + 4 * p, L->att[p]);
		emit(w, b, 24 + 4 * L->n);

		hdr6(b, LSA6_INTRA_PREFIX, L->ifid[0], L->att[0]);
		put16(b + 20, 1);
		put16(b + 22, LSA6_NETWORK);
		put32(b + 24, L->ifid[0]);
		put32(b + 28, L->att[0]);
		pfx6(L->dr_addr & L->mask, a);
		emit(w, b, 32 + prefix64(b + 32, 0, a));
	}
	for (unsigned k = 0; k < m->ns; k++) {
		const struct summ *su = &m->s[k];
		if (su->type == LSA_SUMMARY) {
			hdr6(b, LSA6_INTER_PREFIX, k, su->adv);
			b[20] = 0;
			put24(b + 21, su->metric);
			pfx6(su->id, a);
			emit(w, b, 24 + prefix64(b + 24, 0, a));
		} else {
			hdr6(b, LSA6_INTER_ROUTER, su->id, su->adv);
			b[20] = 0;
			put24(b + 21, OPT6);
			b[24] = 0;
			put24(b + 25, su->metric);
			put32(b + 28, su->id);
			emit(w, b, 32);
		}
	}
	for (unsigned k = 0; k < m->nx; k++) {
		const struct ext *x = &m->x[k];
		size_t len = 24;
		hdr6(b, LSA6_EXTERNAL, k, x->adv);
		b[20] = (uint8_t)((x->e2 ? LSA6_EXT_E : 0) | (x->fwd ? LSA6_EXT_F : 0) | LSA6_EXT_T);
		put24(b + 21, x->metric);
		pfx6(x->id, a);
		len += prefix64(b + len, 0, a);         /* field: referenced LS type 0 */
		if (x->fwd) {
			addr6_in24(x->fwd, b + len);
			len += 16;
		}
		put32(b + len, x->tag);
		len += 4;
		emit(w, b, len);
	}
	free(b);
}

static void wire_free(struct wire *w)
{
	free(w->b);
	free(w->off);
}

/* --- install --------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Decode and install every LSA of w; each must give `want`. */
static double decode_install(struct lsdb *db, const struct wire *w, enum lsdb_result want)
{
	struct lsa l;
	unsigned bad = 0;
	double t0 = now_s();

	for (unsigned i = 0; i < w->n; i++) {
		enum ospf_status st = lsa_decode(w->b + w->off[i], w->off[i + 1] - w->off[i], &l);
		bad += st != OSPF_OK;
		bad += lsdb_install(db, 0, &l, 0, NULL) != want;
	}
	double t = now_s() - t0;
	if (bad)
		FAILF("decode+install: %u LSAs not decoded or not %d", bad, (int)want);
	return t;
}

static double install_only(struct lsdb *db, const struct lsa *v, unsigned n, enum lsdb_result want)
{
	unsigned bad = 0;
	double t0 = now_s();

	for (unsigned i = 0; i < n; i++)
		bad += lsdb_install(db, 0, &v[i], 0, NULL) != want;
	double t = now_s() - t0;
	if (bad)
		FAILF("install: %u LSAs not %d", bad, (int)want);
	return t;
}

static struct lsa *decode_all(const struct wire *w)
{
	struct lsa *v = xcalloc(w->n, sizeof(*v));

	for (unsigned i = 0; i < w->n; i++) {
		const uint8_t *p = w->b + w->off[i];
		size_t len = w->off[i + 1] - w->off[i];
		if (lsa_decode(p, len, &v[i]) != OSPF_OK)
			FAILF("lsa_decode refused LSA %u: %s", i,
			      ospf_status_name(lsa_decode(p, len, &v[i])));
		/* our checksum against the library's */
		if (lsa_checksum(p, len) != v[i].h.checksum)
			FAILF("LSA %u: checksum 0x%04x, lsa_checksum says 0x%04x", i,
			      v[i].h.checksum, lsa_checksum(p, len));
	}
	return v;
}

struct rate { double added, changed; };       /* LSAs/s, median */

struct install_res {
	unsigned reps;
	struct rate di, io;                       /* decode+install, install only */
	double di_added_min, di_added_max, di_changed_min, di_changed_max;
	double decode_only;
};

static void bench_install(const struct wire *w0, const struct wire *w1, struct install_res *res)
{
	enum { MAXREP = 200 };
	double ta[MAXREP], tc[MAXREP], ia[MAXREP], ic[MAXREP], td[MAXREP];
	struct lsa *v0 = decode_all(w0), *v1 = decode_all(w1), l;
	unsigned r = 0;
	double spent = 0, t0;
	volatile unsigned sink = 0;

	while (r < MAXREP && (r < 5 || spent < 1.0)) {
		struct lsdb *db = lsdb_new(MAX_LSAS);
		t0 = now_s();
		ta[r] = decode_install(db, w0, LSDB_ADDED);
		tc[r] = decode_install(db, w1, LSDB_CHANGED);
		if (lsdb_stats(db)->entries != w0->n)
			FAILF("LSDB holds %u entries, not %u", lsdb_stats(db)->entries, w0->n);
		lsdb_free(db);
		db = lsdb_new(MAX_LSAS);
		ia[r] = install_only(db, v0, w0->n, LSDB_ADDED);
		ic[r] = install_only(db, v1, w1->n, LSDB_CHANGED);
		lsdb_free(db);
		double d0 = now_s();
		for (unsigned i = 0; i < w0->n; i++)
			sink += lsa_decode(w0->b + w0->off[i], w0->off[i + 1] - w0->off[i], &l);
		td[r] = now_s() - d0;
		spent += now_s() - t0;
		r++;
	}
	res->reps = r;
	res->di.added = w0->n / median(ta, r);
	res->di_added_min = w0->n / ta[r - 1];     /* sorted by median() */
	res->di_added_max = w0->n / ta[0];
	res->di.changed = w1->n / median(tc, r);
	res->di_changed_min = w1->n / tc[r - 1];
	res->di_changed_max = w1->n / tc[0];
	res->io.added = w0->n / median(ia, r);
	res->io.changed = w1->n / median(ic, r);
	res->decode_only = w0->n / median(td, r);
	free(v0);
	free(v1);
}

/* OSPFv3: lsa6_decode, lsdb_lsa6, lsdb_install for every LSA of w; each
 * must be ADDED.  Returns the time taken. */
static double decode_install6(struct lsdb *db, const struct wire *w)
{
	struct lsa6 l6;
	struct lsa l;
	unsigned bad = 0;
	double t0 = now_s();

	for (unsigned i = 0; i < w->n; i++) {
		enum ospf6_status st = lsa6_decode(w->b + w->off[i], w->off[i + 1] - w->off[i], &l6);
		if (st != OSPF6_OK) {
			if (bad++ == 0)
				FAILF("lsa6_decode refused OSPFv3 LSA %u (type 0x%04x): %s", i,
				      l6.h.type, ospf6_status_name(st));
			continue;
		}
		lsdb_lsa6(&l6, &l);
		bad += lsdb_install(db, 0, &l, 0, NULL) != LSDB_ADDED;
	}
	double t = now_s() - t0;
	if (bad)
		FAILF("OSPFv3 decode+install: %u LSAs not decoded or not added", bad);
	return t;
}

/* --- reference shortest paths ------------------------------------------------ */

struct heap { uint64_t *h; unsigned n; };   /* (dist << 32 | vertex), min-heap */

static void heap_push(struct heap *q, uint64_t x)
{
	unsigned i = q->n++;
	while (i > 0 && q->h[(i - 1) / 2] > x) {
		q->h[i] = q->h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	q->h[i] = x;
}

static uint64_t heap_pop(struct heap *q)
{
	uint64_t top = q->h[0], x = q->h[--q->n];
	unsigned i = 0;
	for (;;) {
		unsigned c = 2 * i + 1;
		if (c >= q->n)
			break;
		if (c + 1 < q->n && q->h[c + 1] < q->h[c])
			c++;
		if (q->h[c] >= x)
			break;
		q->h[i] = q->h[c];
		i = c;
	}
	if (q->n)
		q->h[i] = x;
	return top;
}

/* Distances from router `root` over the model's graph (binary heap, CSR). */
static void ref_dijkstra(const struct model *m, unsigned root, uint32_t *dist, struct heap *q)
{
	for (unsigned v = 0; v < m->nv; v++)
		dist[v] = INF;
	dist[root] = 0;
	q->n = 0;
	heap_push(q, root);
	while (q->n) {
		uint64_t x = heap_pop(q);
		unsigned v = (unsigned)x;
		uint32_t d = (uint32_t)(x >> 32);
		if (d != dist[v])
			continue;
		for (unsigned e = m->adj_off[v]; e < m->adj_off[v + 1]; e++) {
			unsigned t = m->adj_to[e];
			uint32_t nd = d + m->adj_cost[e];
			if (nd < dist[t]) {
				dist[t] = nd;
				heap_push(q, (uint64_t)nd << 32 | t);
			}
		}
	}
}

/* --- route checks ----------------------------------------------------------- */

static const struct route *rt_lookup(const struct route_table *rt, uint32_t prefix, uint32_t mask)
{
	unsigned lo = 0, hi = rt->n;
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		const struct route *r = &rt->r[mid];
		if (r->prefix < prefix || (r->prefix == prefix && r->mask < mask))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < rt->n && rt->r[lo].prefix == prefix && rt->r[lo].mask == mask)
		return &rt->r[lo];
	return NULL;
}

static unsigned expected_routes(const struct model *m)
{
	return m->n + m->nlan + m->nsum_pref + m->next_pref + (m->p2p_stubs ? m->np2p : 0);
}

struct check_stats { uint64_t routes, ecmp, nh; unsigned maxnh, roots; };

static bool u32_in(const uint32_t *v, unsigned n, uint32_t x)
{
	for (unsigned i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

/* The distance from root to the ASBR or forwarding address of external
 * LSA t (RFC 2328 16.4 (3)), INF if none.  If via is not NULL, the routers
 * whose next hops that path takes go in via[0..*nvia) (at most NABR): the
 * forwarding address's router; else the ASBR, in the area; else every ABR
 * whose ASBR-summary gives the least cost to the ASBR outside. */
static uint32_t ext_dist(const struct model *m, unsigned root, const uint32_t *dist, unsigned t,
                         unsigned *via, unsigned *nvia)
{
	const struct ext *x = &m->x[t];
	uint32_t rid = rid_of(root), c = INF;

	if (nvia != NULL)
		*nvia = 0;
	if (x->adv == rid)
		return INF;
	if (in_area(m, x->adv)) {
		c = dist[idx_of(x->adv)];
		if (nvia != NULL && !x->fwd)
			via[(*nvia)++] = idx_of(x->adv);
	} else {
		for (unsigned s = 0; s < m->ns; s++)
			if (m->s[s].type == LSA_ASBR_SUMMARY && m->s[s].id == x->adv &&
			    m->s[s].adv != rid && dist[idx_of(m->s[s].adv)] + m->s[s].metric < c)
				c = dist[idx_of(m->s[s].adv)] + m->s[s].metric;
		if (nvia != NULL && c != INF && !x->fwd)
			for (unsigned s = 0; s < m->ns; s++)
				if (m->s[s].type == LSA_ASBR_SUMMARY && m->s[s].id == x->adv &&
				    m->s[s].adv != rid && dist[idx_of(m->s[s].adv)] + m->s[s].metric == c)
					via[(*nvia)++] = idx_of(m->s[s].adv);
	}
	if (c == INF)
		return INF;
	if (x->fwd) {
		unsigned f = (x->fwd - STUB_BASE) >> 8;
		c = dist[f] + 1;
		if (nvia != NULL)
			via[(*nvia)++] = f;
	}
	return c;
}

/* The best path to external prefix k (LSAs k and k + 1): type, cost, type
 * 2 cost; win[t - k] (if not NULL) set for the LSAs that give it. */
static void ext_best(const struct model *m, unsigned root, const uint32_t *dist, unsigned k,
                     uint8_t *btype, uint32_t *bcost, uint32_t *bcost2, bool win[2])
{
	uint32_t cost[2] = { INF, INF }, cost2[2] = { 0, 0 };

	*btype = 0;
	*bcost = *bcost2 = INF;
	for (unsigned t = k; t < k + 2; t++) {
		const struct ext *x = &m->x[t];
		uint32_t c = ext_dist(m, root, dist, t, NULL, NULL);
		if (c == INF)
			continue;
		cost[t - k] = x->e2 ? c : c + x->metric;
		cost2[t - k] = x->e2 ? x->metric : 0;
		if (*bcost == INF || (x->e2 ? cost2[t - k] < *bcost2 ||
		                              (cost2[t - k] == *bcost2 && cost[t - k] < *bcost)
		                            : cost[t - k] < *bcost)) {
			*btype = x->e2 ? RT_E2 : RT_E1;
			*bcost = cost[t - k];
			*bcost2 = cost2[t - k];
		}
	}
	if (win != NULL)
		for (unsigned t = 0; t < 2; t++)
			win[t] = cost[t] != INF && cost[t] == *bcost && cost2[t] == *bcost2;
}

/* Check root's table against the reference distances dist[] from root. */
static void check_routes(const struct model *m, unsigned root, const uint32_t *dist,
                         const struct route_table *rt, struct check_stats *cs)
{
	const struct router *R = &m->r[root];
	uint32_t rid = R->rid, nbr[256];
	unsigned nnbr = 0, want = expected_routes(m), bad = 0;

	if (rt->n != want)
		FAILF("root %u: %u routes, %u expected", root, rt->n, want);

	/* the root's possible next hops: neighbours' addresses on its links */
	for (unsigned k = 0; k < R->n; k++) {
		const struct link *lk = &R->l[k];
		if (lk->type == LINK_P2P) {
			const struct router *N = &m->r[idx_of(lk->id)];
			for (unsigned q = 0; q < N->n; q++)
				if (N->l[q].type == LINK_P2P && N->l[q].id == rid && nnbr < 256)
					nbr[nnbr++] = N->l[q].data;
		} else if (lk->type == LINK_TRANSIT) {
			const struct lan *L = &m->lan[lan_of(lk->id)];
			for (unsigned p = 0; p < L->n; p++)
				if (L->att[p] != rid && nnbr < 256)
					nbr[nnbr++] = lan_addr(lan_of(lk->id), p);
		}
	}
	for (unsigned i = 0; i < rt->n; i++) {
		const struct route *r = &rt->r[i];
		if (i > 0 && (r->prefix < rt->r[i - 1].prefix ||
		              (r->prefix == rt->r[i - 1].prefix && r->mask <= rt->r[i - 1].mask)))
			{ bad++; FAILF("root %u: table not sorted or repeats a prefix at %u", root, i); }
		if (!r->attached && r->nnh == 0)
			{ bad++; FAILF("root %u: route %08x/%08x neither attached nor with a next hop",
			               root, r->prefix, r->mask); }
		for (unsigned k = 0; k < r->nnh; k++)
			if (!u32_in(nbr, nnbr, r->nh[k]))
				{ bad++; FAILF("root %u: route %08x: next hop %08x is no neighbour of the root",
				               root, r->prefix, r->nh[k]); }
		cs->ecmp += r->nnh >= 2;
		cs->nh += r->nnh;
		if (r->nnh > cs->maxnh)
			cs->maxnh = r->nnh;
		if (bad)
			break;
	}
	cs->routes += rt->n;
	cs->roots++;

	/* stubs and transit networks: reference distance (+ stub metric) */
	for (unsigned i = 0; i < m->n; i++) {
		const struct route *r = rt_lookup(rt, STUB_BASE + (i << 8), MASK24);
		if (r == NULL || r->type != RT_INTRA || r->cost != dist[i] + 1 ||
		    (i == root) != (r->attached != 0)) {
			FAILF("root %u: stub of router %u: %s cost %u, reference %u", root, i,
			      r ? "route" : "no route", r ? r->cost : 0, dist[i] + 1);
			break;
		}
	}
	for (unsigned j = 0; j < m->nlan; j++) {
		const struct route *r = rt_lookup(rt, LAN_BASE + (j << 8), MASK24);
		if (r == NULL || r->type != RT_INTRA || r->cost != dist[m->n + j]) {
			FAILF("root %u: transit network %u: %s cost %u, reference %u", root, j,
			      r ? "route" : "no route", r ? r->cost : 0, dist[m->n + j]);
			break;
		}
	}
	/* inter-area: best of the ABRs' summaries that are not the root's */
	for (unsigned k = 0; k + 1 < m->ns; k += 2) {
		if (m->s[k].type != LSA_SUMMARY)
			continue;
		uint32_t best = INF;
		for (unsigned t = k; t < k + 2; t++)
			if (m->s[t].adv != rid && dist[idx_of(m->s[t].adv)] + m->s[t].metric < best)
				best = dist[idx_of(m->s[t].adv)] + m->s[t].metric;
		const struct route *r = rt_lookup(rt, m->s[k].id, m->s[k].mask);
		if (r == NULL || r->type != RT_INTER || r->cost != best) {
			FAILF("root %u: summary %08x: %s cost %u, reference %u", root, m->s[k].id,
			      r ? "route" : "no route", r ? r->cost : 0, best);
			break;
		}
	}
	/* externals: RFC 2328 16.4 over the two LSAs of each prefix */
	for (unsigned k = 0; k + 1 < m->nx; k += 2) {
		uint8_t btype = 0;
		uint32_t bcost = INF, bcost2 = INF;
		ext_best(m, root, dist, k, &btype, &bcost, &bcost2, NULL);
		const struct route *r = rt_lookup(rt, m->x[k].id, m->x[k].mask);
		if (r == NULL || r->type != btype || r->cost != bcost || r->type2_cost != bcost2) {
			FAILF("root %u: external %08x: %s type %u cost %u/%u, reference %u %u/%u",
			      root, m->x[k].id, r ? "route" : "no route", r ? r->type : 0,
			      r ? r->cost : 0, r ? r->type2_cost : 0, btype, bcost, bcost2);
			break;
		}
	}
}

/*
 * The OSPFv3 table of root against its OSPFv2 table (already checked
 * against the reference): the same number of routes, and route by route
 * (the address plan keeps the order) the prefix mapped to its /64, the
 * same type, cost, type 2 cost, area and attached flag, and the same next
 * hops (external routes: those ext_want gives, which spf_routes may fall
 * short of: counted): an OSPFv2 next hop, a neighbour's interface address,
 * names (neighbour, its interface id, root's interface id on that link);
 * an OSPFv3 one must be {fe80::neighbour:its interface id, root's interface
 * id, neighbour}.  (When 16 next hops or more the two may keep different
 * ones: then only the count is compared.)
 */
struct nhk { uint32_t rid, nbr_ifid, root_ifid; };

static int nhk_cmp(const void *a, const void *b)
{
	const struct nhk *x = a, *y = b;
	if (x->rid != y->rid)
		return x->rid < y->rid ? -1 : 1;
	if (x->nbr_ifid != y->nbr_ifid)
		return x->nbr_ifid < y->nbr_ifid ? -1 : 1;
	return (x->root_ifid > y->root_ifid) - (x->root_ifid < y->root_ifid);
}

/* What OSPFv2 next hop addr (an interface address of a neighbour of
 * root's) names. */
static struct nhk nh4_key(const struct model *m, unsigned root, uint32_t addr)
{
	struct nhk k = { 0, 0, 0 };

	if (addr >= P2P_BASE && addr < LAN_BASE) {
		const struct p2pl *pl = &m->pl[(addr - P2P_BASE) / 4];
		unsigned e = (addr & 3) == 2;
		k.rid = rid_of(pl->end[e]);
		k.nbr_ifid = pl->ifid[e];
		if (pl->end[!e] == root)
			k.root_ifid = pl->ifid[!e];
	} else if (addr >= LAN_BASE && lan_of(addr) < m->nlan) {
		const struct lan *L = &m->lan[lan_of(addr)];
		unsigned p = (addr & 0xff) - 1;
		if (p < L->n) {
			k.rid = L->att[p];
			k.nbr_ifid = L->ifid[p];
			for (unsigned q = 0; q < L->n; q++)
				if (L->att[q] == rid_of(root))
					k.root_ifid = L->ifid[q];
		}
	}
	return k;
}

/* Add the next hops of v2 route r (mapped) to set k[0..*n), without repeats. */
static void nhk_add_route(const struct model *m, unsigned root, const struct route *r,
                          struct nhk *k, unsigned *n)
{
	for (unsigned i = 0; i < r->nnh; i++) {
		struct nhk x = nh4_key(m, root, r->nh[i]);
		unsigned j;
		for (j = 0; j < *n && nhk_cmp(&k[j], &x) != 0; j++)
			;
		if (j == *n && *n < 4 * SPF_MAX_NEXTHOPS)
			k[(*n)++] = x;
	}
}

struct check6_stats { uint64_t v2_ext_nh_differ; };

/*
 * The next hops an external route should have: the union, over the LSAs
 * that give its best path, of those of the ASBR, or of the forwarding
 * address, or (ASBR outside the area) of every ABR at the least cost
 * through its ASBR-summary (RFC 2328 16.2 merges equal-cost paths to a
 * destination, ASBRs included) -- each a router whose next hops are those
 * of its stub's intra-area route, already compared.
 */
static unsigned ext_want(const struct model *m, unsigned root, const uint32_t *dist,
                         const struct route_table *rt, uint32_t prefix, struct nhk *k)
{
	unsigned j = (prefix - EXT_BASE) >> 8, n = 0, via[NABR], nvia;
	uint8_t btype;
	uint32_t bcost, bcost2;
	bool win[2];

	ext_best(m, root, dist, 2 * j, &btype, &bcost, &bcost2, win);
	for (unsigned t = 0; t < 2; t++) {
		if (!win[t])
			continue;
		(void)ext_dist(m, root, dist, 2 * j + t, via, &nvia);
		for (unsigned v = 0; v < nvia; v++) {
			const struct route *sr = rt_lookup(rt, STUB_BASE + (via[v] << 8), MASK24);
			if (sr != NULL)
				nhk_add_route(m, root, sr, k, &n);
		}
	}
	qsort(k, n, sizeof(k[0]), nhk_cmp);
	return n;
}

static void check_routes6(const struct model *m, unsigned root, const uint32_t *dist,
                          const struct route_table *rt, const struct route6_table *rt6,
                          struct check6_stats *cs6)
{
	if (rt6->n != rt->n) {
		FAILF("root %u: OSPFv3 %u routes, OSPFv2 %u", root, rt6->n, rt->n);
		return;
	}
	for (unsigned i = 0; i < rt->n; i++) {
		const struct route *r = &rt->r[i];
		const struct route6 *r6 = &rt6->r[i];
		struct nhk want[4 * SPF_MAX_NEXTHOPS], k4[4 * SPF_MAX_NEXTHOPS];
		unsigned nwant = 0, n4 = 0;
		bool ext = r->type == RT_E1 || r->type == RT_E2;
		uint8_t p6[16];

		pfx6(r->prefix, p6);
		if (memcmp(r6->prefix, p6, 16) != 0 || r6->plen != 64) {
			FAILF("root %u: route %u: OSPFv3 prefix is not the /64 of OSPFv2's %08x/%08x",
			      root, i, r->prefix, r->mask);
			return;
		}
		nhk_add_route(m, root, r, k4, &n4);
		qsort(k4, n4, sizeof(k4[0]), nhk_cmp);
		if (ext) {
			nwant = ext_want(m, root, dist, rt, r->prefix, want);
			if (nwant < SPF_MAX_NEXTHOPS &&
			    (n4 != nwant || memcmp(k4, want, n4 * sizeof(k4[0])) != 0))
				cs6->v2_ext_nh_differ++;
		} else {
			memcpy(want, k4, n4 * sizeof(k4[0]));
			nwant = n4;
		}
		unsigned wn = nwant < SPF_MAX_NEXTHOPS ? nwant : SPF_MAX_NEXTHOPS;
		if (r6->type != r->type || r6->cost != r->cost || r6->type2_cost != r->type2_cost ||
		    r6->area != r->area || r6->attached != r->attached || r6->nnh != wn) {
			FAILF("root %u: %08x/%08x: OSPFv3 type %u cost %u/%u area %u attached %u, %u next "
			      "hops; OSPFv2 type %u cost %u/%u area %u attached %u, %u next hops (%u "
			      "expected)", root, r->prefix, r->mask, r6->type, r6->cost, r6->type2_cost,
			      r6->area, r6->attached, r6->nnh, r->type, r->cost, r->type2_cost, r->area,
			      r->attached, r->nnh, wn);
			for (unsigned k = 0; k < nwant; k++)
				fprintf(stderr, "  expected next hop: router %08x, its interface %u, root's %u\n",
				        want[k].rid, want[k].nbr_ifid, want[k].root_ifid);
			for (unsigned k = 0; k < r6->nnh; k++)
				fprintf(stderr, "  OSPFv3 next hop: router %08x, root's interface %u\n",
				        r6->nh[k].router, r6->nh[k].ifid);
			return;
		}
		if (nwant >= SPF_MAX_NEXTHOPS)
			continue;
		for (unsigned k = 0; k < r6->nnh; k++) {   /* sorted by (addr, ifid, router) */
			const struct nh6 *h = &r6->nh[k];
			uint8_t ll[16];
			ll6(want[k].rid, want[k].nbr_ifid, ll);
			if (memcmp(h->addr, ll, 16) != 0 || h->router != want[k].rid ||
			    h->ifid != want[k].root_ifid || want[k].root_ifid == 0) {
				FAILF("root %u: %08x/%08x: OSPFv3 next hop %u is (router %08x, root's "
				      "interface %u), expected (router %08x, its interface %u, root's %u)",
				      root, r->prefix, r->mask, k, h->router, h->ifid, want[k].rid,
				      want[k].nbr_ifid, want[k].root_ifid);
				return;
			}
		}
	}
}

/* --- SPF ----------------------------------------------------------------- */

struct spf_res {
	unsigned nroots;
	double med_ms, min_ms, max_ms, ref_med_ms;     /* spf_routes */
	double med6_ms, min6_ms, max6_ms;              /* spf6_routes */
	double ratio_med, ratio_min, ratio_max;        /* per root: spf6 / spf */
	double cmed_ms, cmed6_ms;                      /* the same in CPU time */
	double cratio_med, cratio_min, cratio_max;
	struct check_stats cs;
	struct check6_stats cs6;
	bool all_run;
	unsigned all_n;
	double all_s, all6_s;        /* measured, or estimated if !all_run */
};

/* Wall time of one call; *cpu (if not NULL) gets its CPU time. */
static double time_spf(const struct lsdb *db, unsigned root, struct route_table *rt, double *cpu)
{
	double c0 = cpu_s(), t0 = now_s();
	int rc = spf_routes(db, rid_of(root), rt);
	double t = now_s() - t0;
	if (cpu != NULL)
		*cpu = cpu_s() - c0;
	if (rc != 0)
		FAILF("spf_routes failed for root %u", root);
	return t;
}

static double time_spf6(const struct lsdb *db, unsigned root, struct route6_table *rt6, double *cpu)
{
	double c0 = cpu_s(), t0 = now_s();
	int rc = spf6_routes(db, rid_of(root), rt6);
	double t = now_s() - t0;
	if (cpu != NULL)
		*cpu = cpu_s() - c0;
	if (rc != 0)
		FAILF("spf6_routes failed for root %u", root);
	return t;
}

/*
 * spf_routes over db and spf6_routes over db6 from the same roots, one
 * after the other for each root (even roots OSPFv2 first, odd roots
 * OSPFv3 first), so that both see the same state of the machine; every
 * table checked (not timed).
 */
static void bench_spf(const struct model *m, const struct lsdb *db, const struct lsdb *db6,
                      unsigned nroots, double budget, struct spf_res *res)
{
	struct route_table rt = { 0 };
	struct route6_table rt6 = { 0 };
	uint32_t *dist = xcalloc(m->nv, sizeof(*dist));
	struct heap q = { xcalloc(m->adj_off[m->nv] + 1, sizeof(uint64_t)), 0 };
	unsigned *roots;
	double *t, *t6, *tr, *ratio, *c, *c6, *cratio;

	memset(res, 0, sizeof(*res));
	if (nroots > m->n)
		nroots = m->n;
	roots = xcalloc(nroots, sizeof(*roots));
	t = xcalloc(nroots, sizeof(*t));
	t6 = xcalloc(nroots, sizeof(*t6));
	tr = xcalloc(nroots, sizeof(*tr));
	ratio = xcalloc(nroots, sizeof(*ratio));
	c = xcalloc(nroots, sizeof(*c));
	c6 = xcalloc(nroots, sizeof(*c6));
	cratio = xcalloc(nroots, sizeof(*cratio));
	if (nroots == m->n)
		for (unsigned i = 0; i < nroots; i++)
			roots[i] = i;
	else
		pick_distinct(m->n, nroots, roots);

	(void)time_spf(db, roots[0], &rt, NULL);              /* warm-up */
	(void)time_spf6(db6, roots[0], &rt6, NULL);
	for (unsigned k = 0; k < nroots; k++) {
		if (k % 2 == 0) {
			t[k] = time_spf(db, roots[k], &rt, &c[k]);
			t6[k] = time_spf6(db6, roots[k], &rt6, &c6[k]);
		} else {
			t6[k] = time_spf6(db6, roots[k], &rt6, &c6[k]);
			t[k] = time_spf(db, roots[k], &rt, &c[k]);
		}
		ratio[k] = t6[k] / t[k];
		cratio[k] = c6[k] / c[k];
		double t0 = now_s();
		ref_dijkstra(m, roots[k], dist, &q);
		tr[k] = now_s() - t0;
		check_routes(m, roots[k], dist, &rt, &res->cs);
		check_routes6(m, roots[k], dist, &rt, &rt6, &res->cs6);
		if (fail_count)
			exit(2);
	}
	res->nroots = nroots;
	res->med_ms = median(t, nroots) * 1e3;
	res->min_ms = t[0] * 1e3;
	res->max_ms = t[nroots - 1] * 1e3;
	res->med6_ms = median(t6, nroots) * 1e3;
	res->min6_ms = t6[0] * 1e3;
	res->max6_ms = t6[nroots - 1] * 1e3;
	res->ratio_med = median(ratio, nroots);
	res->ratio_min = ratio[0];
	res->ratio_max = ratio[nroots - 1];
	res->cmed_ms = median(c, nroots) * 1e3;
	res->cmed6_ms = median(c6, nroots) * 1e3;
	res->cratio_med = median(cratio, nroots);
	res->cratio_min = cratio[0];
	res->cratio_max = cratio[nroots - 1];
	res->ref_med_ms = median(tr, nroots) * 1e3;

	/* every router's routes, both versions: run if the estimate fits the
	 * budget; OSPFv2 for every root, then OSPFv3 for every root (so that
	 * the OSPFv2 figure is that of OSPFv2 alone, as the target has it) */
	res->all_n = m->n;
	double est = (res->med_ms + res->med6_ms) / 1e3 * m->n;
	if (est <= budget) {
		struct check_stats cs = { 0 };
		double sum = 0, sum6 = 0;
		for (unsigned i = 0; i < m->n; i++) {
			sum += time_spf(db, i, &rt, NULL);
			ref_dijkstra(m, i, dist, &q);
			check_routes(m, i, dist, &rt, &cs);
			if (fail_count)
				exit(2);
		}
		for (unsigned i = 0; i < m->n; i++) {
			sum6 += time_spf6(db6, i, &rt6, NULL);
			(void)time_spf(db, i, &rt, NULL);          /* its table again, to check against */
			ref_dijkstra(m, i, dist, &q);
			check_routes6(m, i, dist, &rt, &rt6, &res->cs6);
			if (fail_count)
				exit(2);
		}
		res->all_run = true;
		res->all_s = sum;
		res->all6_s = sum6;
	} else {
		res->all_s = res->med_ms / 1e3 * m->n;
		res->all6_s = res->med6_ms / 1e3 * m->n;
	}
	route_table_free(&rt);
	route6_table_free(&rt6);
	free(dist);
	free(q.h);
	free(roots);
	free(t);
	free(t6);
	free(tr);
	free(ratio);
	free(c);
	free(c6);
	free(cratio);
}

/* --- report --------------------------------------------------------------- */

static void machine(void)
{
	char line[512], model[256] = "unknown", load[128] = "?";
	FILE *f = fopen("/proc/cpuinfo", "r");
	struct utsname u;

	if (f != NULL) {
		while (fgets(line, sizeof(line), f))
			if (strncmp(line, "model name", 10) == 0) {
				char *p = strchr(line, ':');
				if (p != NULL) {
					snprintf(model, sizeof(model), "%s", p + 2);
					model[strcspn(model, "\n")] = 0;
				}
				break;
			}
		fclose(f);
	}
	if ((f = fopen("/proc/loadavg", "r")) != NULL) {
		if (fgets(load, sizeof(load), f))
			load[strcspn(load, "\n")] = 0;
		fclose(f);
	}
	uname(&u);
	printf("machine:  %s, %ld online CPUs (the benchmark uses one), %s %s %s\n",
	       model, sysconf(_SC_NPROCESSORS_ONLN), u.sysname, u.release, u.machine);
	printf("load:     %s (/proc/loadavg at start)\n", load);
#ifdef __VERSION__
	printf("compiler: %s %s\n",
#ifdef __clang__
	       "clang",
#else
	       "gcc",
#endif
	       __VERSION__);
#endif
	printf("flags:    ospf-bench.c: %s; lib/libanemone.a: %s\n", BENCH_CFLAGS, LIB_CFLAGS);
}

static const char *verdict(bool ok) { return ok ? "PASS" : "MISS"; }

static int run(unsigned n, unsigned nroots, double budget, bool p2p_stubs, bool dual,
               uint64_t seed, int *misses)
{
	struct model m;
	struct wire w0, w1, w6;
	struct install_res ir;
	struct spf_res sr;
	double t0;

	rng = seed ^ (uint64_t)n * 0x9e3779b97f4a7c15ull;
	t0 = now_s();
	model_build(&m, n, p2p_stubs);
	encode(&m, 0, &w0);
	encode(&m, 1, &w1);
	encode6(&m, &w6);
	double gen_s = now_s() - t0;

	printf("\n## N = %u routers\n\n", n);
	printf("topology: %u routers in one area (0.0.0.0); %u point-to-point links "
	       "(twisted torus, W = %u, + %u random) = %.2f per router%s;\n",
	       n, m.np2p, m.w, m.nextra, 2.0 * m.np2p / n,
	       p2p_stubs ? ", each also a /30 stub at both ends" : "");
	printf("          %u stub /24s (one per router); %u transit networks (%u attachments, "
	       "3-5 routers each);\n", n, m.nlan, m.nlanatt);
	printf("          %u ABRs: %u summary-LSAs for %u prefixes, %u ASBR-summary-LSAs for %u "
	       "ASBRs outside; %u+%u ASBRs: %u AS-external-LSAs for %u prefixes (E1/E2, "
	       "1/4 with a forwarding address)\n",
	       NABR, 2 * m.nsum_pref, m.nsum_pref, m.nasbrsum, NASBR_OUT, NASBR_IN, NASBR_OUT,
	       m.nx, m.next_pref);
	printf("LSAs:     %u (router %u, network %u, summary %u, asbr-summary %u, external %u), "
	       "%zu bytes; generated and encoded twice in %.2f s (not timed below)\n",
	       w0.n, w0.by_type[1], w0.by_type[2], w0.by_type[3], w0.by_type[4], w0.by_type[5],
	       w0.len, gen_s);
	printf("OSPFv3:   the same network: %u LSAs (router %u, network %u, inter-area-prefix %u, "
	       "inter-area-router %u, AS-external %u, link %u, intra-area-prefix %u), %zu bytes\n",
	       w6.n, w6.by_type[1], w6.by_type[2], w6.by_type[3], w6.by_type[4], w6.by_type[5],
	       w6.by_type[8], w6.by_type[9], w6.len);

	bench_install(&w0, &w1, &ir);
	if (fail_count)
		exit(2);
	printf("\ninstall (%u LSAs into lsdb_new(%u), median of %u runs, [slowest, fastest]):\n",
	       w0.n, MAX_LSAS, ir.reps);
	printf("  lsa_decode + lsdb_install, new database  (ADDED):   %10.0f LSAs/s  [%.0f, %.0f]\n",
	       ir.di.added, ir.di_added_min, ir.di_added_max);
	printf("  lsa_decode + lsdb_install, seq+1, changed (CHANGED): %10.0f LSAs/s  [%.0f, %.0f]\n",
	       ir.di.changed, ir.di_changed_min, ir.di_changed_max);
	printf("  lsdb_install alone (pre-decoded), ADDED:            %10.0f LSAs/s\n", ir.io.added);
	printf("  lsdb_install alone (pre-decoded), CHANGED:          %10.0f LSAs/s\n", ir.io.changed);
	printf("  lsa_decode alone (checksum + body):                 %10.0f LSAs/s\n", ir.decode_only);

	/* OSPFv3: decode + install into a new database, for information */
	double t6[5];
	for (unsigned k = 0; k < 5; k++) {
		struct lsdb *d = lsdb_new(w6.n > MAX_LSAS ? w6.n : MAX_LSAS);
		t6[k] = decode_install6(d, &w6);
		lsdb_free(d);
		if (fail_count)
			exit(2);
	}
	printf("  OSPFv3: lsa6_decode + lsdb_lsa6 + lsdb_install, new database (ADDED): %.0f LSAs/s "
	       "(median of 5; no target)\n", w6.n / median(t6, 5));

	/* the databases the SPFs run on: one a version, or (-d) one for both */
	uint32_t room = w0.n + w6.n > MAX_LSAS ? w0.n + w6.n : MAX_LSAS;
	struct lsdb *db = lsdb_new(room), *db6 = dual ? db : lsdb_new(room);
	(void)decode_install(db, &w0, LSDB_ADDED);
	(void)decode_install6(db6, &w6);
	if (fail_count)
		exit(2);
	bench_spf(&m, db, db6, nroots, budget, &sr);
	printf("\nSPF over %s (%u random roots, after one warm-up call of each; for each root\n"
	       "spf_routes and spf6_routes one after the other, in turn first):\n",
	       dual ? "ONE database holding both versions' LSAs (-d, as anemone-ospfmon's)"
	            : "a database per version", sr.nroots);
	printf("  spf_routes  (OSPFv2): median %.3f ms, min %.3f ms, max %.3f ms\n",
	       sr.med_ms, sr.min_ms, sr.max_ms);
	printf("  spf6_routes (OSPFv3): median %.3f ms, min %.3f ms, max %.3f ms\n",
	       sr.med6_ms, sr.min6_ms, sr.max6_ms);
	printf("  OSPFv3 / OSPFv2: %.2f (of the medians); per root %.2f median, %.2f min, %.2f max\n",
	       sr.med6_ms / sr.med_ms, sr.ratio_med, sr.ratio_min, sr.ratio_max);
	printf("  CPU time of the same calls (CLOCK_THREAD_CPUTIME_ID: without preemption by other "
	       "processes):\n    OSPFv2 median %.3f ms, OSPFv3 median %.3f ms, OSPFv3 / OSPFv2: %.2f "
	       "(of the medians); per root %.2f median, %.2f min, %.2f max\n", sr.cmed_ms, sr.cmed6_ms,
	       sr.cmed6_ms / sr.cmed_ms, sr.cratio_med, sr.cratio_min, sr.cratio_max);
	printf("  bench-local reference Dijkstra (binary heap over an adjacency array, "
	       "distances only): median %.3f ms\n", sr.ref_med_ms);
	printf("  checked: %u routes per root (= %u stubs + %u transit + %u inter-area + %u external%s), "
	       "costs equal to the reference, next hops are the root's neighbours;\n",
	       expected_routes(&m), n, m.nlan, m.nsum_pref, m.next_pref,
	       p2p_stubs ? " + p2p /30s" : "");
	printf("  ECMP: %.1f%% of routes have 2+ next hops (up to %u), %.2f next hops per route\n",
	       100.0 * sr.cs.ecmp / sr.cs.routes, sr.cs.maxnh, (double)sr.cs.nh / sr.cs.routes);
	printf("  OSPFv3 checked against OSPFv2, route by route: the same count, each prefix's /64, "
	       "type, cost,\n  type 2 cost, area, attached flag and next hops (neighbour, its "
	       "link-local address, root's interface);\n  the next hops of external routes "
	       "against the union of those of the ASBRs, forwarding addresses and ABRs that\n"
	       "  give the best path (RFC 2328 16.2 merges equal-cost paths to an ASBR)\n");
	if (sr.cs6.v2_ext_nh_differ)
		printf("  NOTE: %llu external routes (over all the tables checked) where spf_routes' "
		       "next hops are not that union\n  (OSPFv2 is not checked for it: spf.c keeps one "
		       "ABR's next hops to an ASBR outside the area at equal cost)\n",
		       (unsigned long long)sr.cs6.v2_ext_nh_differ);
	if (sr.all_run)
		printf("all %u routers' routes: OSPFv2 %.3f s (%.3f ms a root), OSPFv3 %.3f s (%.3f ms "
		       "a root), ratio %.2f\n  (every root's OSPFv2 table, then every root's OSPFv3 table; "
		       "every table checked as above, checks not timed)\n", n, sr.all_s, sr.all_s / n * 1e3, sr.all6_s, sr.all6_s / n * 1e3,
		       sr.all6_s / sr.all_s);
	else
		printf("all %u routers' routes: ESTIMATED OSPFv2 %.1f s, OSPFv3 %.1f s = %u x the medians "
		       "above (not run: over the %.0f s budget, -b)\n", n, sr.all_s, sr.all6_s, n, budget);
	if (db6 != db)
		lsdb_free(db6);
	lsdb_free(db);

	double slow = ir.di.added < ir.di.changed ? ir.di.added : ir.di.changed;
	printf("\ntargets at N = %u:\n", n);
	if (n == 10000) {
		printf("  %s  one SPF under %.0f ms at 10,000 routers: median %.3f ms (max %.3f ms)\n",
		       verdict(sr.med_ms < T_SPF_MS), T_SPF_MS, sr.med_ms, sr.max_ms);
		*misses += !(sr.med_ms < T_SPF_MS);
	}
	if (n == 1000) {
		printf("  %s  all routers' routes under %.0f s at 1,000 routers: %.3f s%s\n",
		       verdict(sr.all_s < T_ALL_S), T_ALL_S, sr.all_s, sr.all_run ? "" : " (estimated)");
		*misses += !(sr.all_s < T_ALL_S);
	}
	if (n == 1000 || n == 10000) {
		double r = sr.med6_ms / sr.med_ms;
		printf("  %s  OSPFv3 SPF within %.1fx of OSPFv2's in the same run: %.2f (medians %.3f / "
		       "%.3f ms)\n", verdict(r <= T_V3_RATIO), T_V3_RATIO, r, sr.med6_ms, sr.med_ms);
		*misses += !(r <= T_V3_RATIO);
	}
	printf("  %s  over %.0f LSAs/s installed (decode + install, slower of ADDED/CHANGED): %.0f LSAs/s\n",
	       verdict(slow > T_INSTALL), T_INSTALL, slow);
	*misses += !(slow > T_INSTALL);
	if (n != 1000 && n != 10000)
		printf("  (the SPF targets are set at N = 1,000 and 10,000)\n");
	fflush(stdout);

	wire_free(&w0);
	wire_free(&w1);
	wire_free(&w6);
	model_free(&m);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: ospf-bench [-s SEED] [-r ROOTS] [-b BUDGET_S] [-p] [-d] [N ...]\n"
	                "  N        routers (default: 1000 10000)\n"
	                "  -s SEED  PRNG seed (default 1)\n"
	                "  -r ROOTS roots timed one by one (default 50)\n"
	                "  -b SECS  run all N roots only if the estimate is at most SECS (default 60),\n"
	                "           else print an estimate\n"
	                "  -p       numbered point-to-point links: a /30 stub at both ends\n"
	                "  -d       both versions' LSAs in one database (as anemone-ospfmon holds\n"
	                "           them), not a database per version\n");
	exit(64);
}

int main(int argc, char **argv)
{
	uint64_t seed = 1;
	unsigned nroots = 50, ns[16], nn = 0;
	double budget = 60;
	bool p2p = false, dual = false;
	int c, misses = 0;

	while ((c = getopt(argc, argv, "s:r:b:pdh")) != -1) {
		switch (c) {
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'r': nroots = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'b': budget = strtod(optarg, NULL); break;
		case 'p': p2p = true; break;
		case 'd': dual = true; break;
		default: usage();
		}
	}
	for (; optind < argc && nn < 16; optind++) {
		unsigned long v = strtoul(argv[optind], NULL, 0);
		if (v < 8 || v > 500000) {
			fprintf(stderr, "ospf-bench: N must be 8..500000\n");
			return 64;
		}
		ns[nn++] = (unsigned)v;
	}
	if (nn == 0) {
		ns[nn++] = 1000;
		ns[nn++] = 10000;
	}
	if (nroots == 0)
		nroots = 1;

	printf("# ospf-bench: OSPFv2 LSDB install and SPF (lib/ospf.c, lib/lsdb.c, lib/spf.c),\n"
	       "# OSPFv3 SPF against it (lib/ospf6.c, lib/spf6.c)\n\n");
	machine();
	printf("settings: seed %llu, %u roots timed, all-roots budget %.0f s%s%s\n",
	       (unsigned long long)seed, nroots, budget, p2p ? ", -p (p2p /30 stubs)" : "",
	       dual ? ", -d (one database for both versions)" : "");
	fflush(stdout);
	for (unsigned i = 0; i < nn; i++)
		run(ns[i], nroots, budget, p2p, dual, seed, &misses);
	printf("\n%s: %d target(s) missed\n", misses ? "MISS" : "PASS", misses);
	return misses ? 1 : 0;
}
