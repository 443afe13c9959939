/*
 * ospf-bench: LSDB installation and SPF benchmark of Anemone's OSPF code
 * (lib/ospf.c, lib/lsdb.c, lib/spf.c) on synthetic OSPFv2 databases.
 *
 *   ospf-bench [-s SEED] [-r ROOTS] [-b BUDGET_S] [-p] [N ...]   (default N: 1000 10000)
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
 * Targets: one SPF under 20 ms at 10,000 routers (median of the roots);
 * all routers' routes under 1 s at 1,000 routers; over 100,000 LSAs/s
 * installed (decode + install, ADDED and CHANGED alike).
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
#include "spf.h"

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

struct link { uint32_t id, data; uint16_t metric; uint8_t type; };

struct router {
	uint32_t rid;
	uint8_t flags;
	struct link *l;
	unsigned n, cap;
};

struct lan { uint32_t dr_addr, mask; uint32_t att[5]; uint16_t metric[5]; unsigned n; };

struct summ { uint8_t type; uint32_t id, adv, mask, metric; };

struct ext { uint32_t id, adv, mask, metric, fwd, tag; bool e2; };

struct model {
	unsigned n, w;
	struct router *r;
	unsigned np2p, nextra;
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

static void add_link(struct router *r, uint8_t type, uint32_t id, uint32_t data, uint16_t metric)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 8;
		r->l = xrealloc(r->l, r->cap * sizeof(*r->l));
	}
	r->l[r->n++] = (struct link){ .id = id, .data = data, .metric = metric, .type = type };
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
	add_link(&m->r[a], LINK_P2P, rid_of(b), net + 1, metric);
	add_link(&m->r[b], LINK_P2P, rid_of(a), net + 2, metric);
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
			add_link(&m->r[L->att[p]], LINK_TRANSIT, L->dr_addr, lan_addr(j, p), L->metric[p]);
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
		for (unsigned t = k; t < k + 2; t++) {
			const struct ext *x = &m->x[t];
			uint32_t c = INF;
			if (x->adv == rid)
				continue;
			if (in_area(m, x->adv)) {
				c = dist[idx_of(x->adv)];
			} else {
				for (unsigned s = 0; s < m->ns; s++)
					if (m->s[s].type == LSA_ASBR_SUMMARY && m->s[s].id == x->adv &&
					    m->s[s].adv != rid && dist[idx_of(m->s[s].adv)] + m->s[s].metric < c)
						c = dist[idx_of(m->s[s].adv)] + m->s[s].metric;
			}
			if (c == INF)
				continue;
			if (x->fwd)
				c = dist[(x->fwd - STUB_BASE) >> 8] + 1;
			uint32_t cost = x->e2 ? c : c + x->metric, cost2 = x->e2 ? x->metric : 0;
			if (bcost == INF || (x->e2 ? cost2 < bcost2 || (cost2 == bcost2 && cost < bcost)
			                           : cost < bcost)) {
				btype = x->e2 ? RT_E2 : RT_E1;
				bcost = cost;
				bcost2 = cost2;
			}
		}
		const struct route *r = rt_lookup(rt, m->x[k].id, m->x[k].mask);
		if (r == NULL || r->type != btype || r->cost != bcost || r->type2_cost != bcost2) {
			FAILF("root %u: external %08x: %s type %u cost %u/%u, reference %u %u/%u",
			      root, m->x[k].id, r ? "route" : "no route", r ? r->type : 0,
			      r ? r->cost : 0, r ? r->type2_cost : 0, btype, bcost, bcost2);
			break;
		}
	}
}

/* --- SPF ----------------------------------------------------------------- */

struct spf_res {
	unsigned nroots;
	double med_ms, min_ms, max_ms, ref_med_ms;
	struct check_stats cs;
	bool all_run;
	unsigned all_n;
	double all_s;                /* measured, or estimated if !all_run */
};

static void bench_spf(const struct model *m, const struct lsdb *db, unsigned nroots,
                      double budget, struct spf_res *res)
{
	struct route_table rt = { 0 };
	uint32_t *dist = xcalloc(m->nv, sizeof(*dist));
	struct heap q = { xcalloc(m->adj_off[m->nv] + 1, sizeof(uint64_t)), 0 };
	unsigned *roots;
	double *t, *tr;

	memset(res, 0, sizeof(*res));
	if (nroots > m->n)
		nroots = m->n;
	roots = xcalloc(nroots, sizeof(*roots));
	t = xcalloc(nroots, sizeof(*t));
	tr = xcalloc(nroots, sizeof(*tr));
	if (nroots == m->n)
		for (unsigned i = 0; i < nroots; i++)
			roots[i] = i;
	else
		pick_distinct(m->n, nroots, roots);

	if (spf_routes(db, rid_of(roots[0]), &rt) != 0)            /* warm-up */
		FAILF("spf_routes failed for root %u", roots[0]);
	for (unsigned k = 0; k < nroots; k++) {
		double t0 = now_s();
		int rc = spf_routes(db, rid_of(roots[k]), &rt);
		t[k] = now_s() - t0;
		if (rc != 0)
			FAILF("spf_routes failed for root %u", roots[k]);
		t0 = now_s();
		ref_dijkstra(m, roots[k], dist, &q);
		tr[k] = now_s() - t0;
		check_routes(m, roots[k], dist, &rt, &res->cs);
		if (fail_count)
			exit(2);
	}
	res->nroots = nroots;
	res->med_ms = median(t, nroots) * 1e3;
	res->min_ms = t[0] * 1e3;
	res->max_ms = t[nroots - 1] * 1e3;
	res->ref_med_ms = median(tr, nroots) * 1e3;

	/* every router's routes: run if the estimate fits the budget */
	res->all_n = m->n;
	double est = res->med_ms / 1e3 * m->n;
	if (est <= budget) {
		struct check_stats cs = { 0 };
		double sum = 0;
		for (unsigned i = 0; i < m->n; i++) {
			double t0 = now_s();
			int rc = spf_routes(db, rid_of(i), &rt);
			sum += now_s() - t0;
			if (rc != 0)
				FAILF("spf_routes failed for root %u", i);
			ref_dijkstra(m, i, dist, &q);
			check_routes(m, i, dist, &rt, &cs);
			if (fail_count)
				exit(2);
		}
		res->all_run = true;
		res->all_s = sum;
	} else {
		res->all_s = est;
	}
	route_table_free(&rt);
	free(dist);
	free(q.h);
	free(roots);
	free(t);
	free(tr);
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

static int run(unsigned n, unsigned nroots, double budget, bool p2p_stubs, uint64_t seed,
               int *misses)
{
	struct model m;
	struct wire w0, w1;
	struct install_res ir;
	struct spf_res sr;
	double t0;

	rng = seed ^ (uint64_t)n * 0x9e3779b97f4a7c15ull;
	t0 = now_s();
	model_build(&m, n, p2p_stubs);
	encode(&m, 0, &w0);
	encode(&m, 1, &w1);
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

	/* the database the SPF runs on */
	struct lsdb *db = lsdb_new(MAX_LSAS);
	(void)decode_install(db, &w0, LSDB_ADDED);
	if (fail_count)
		exit(2);
	bench_spf(&m, db, nroots, budget, &sr);
	printf("\nspf_routes, one root (%u random roots, after one warm-up call):\n", sr.nroots);
	printf("  median %.3f ms, min %.3f ms, max %.3f ms\n", sr.med_ms, sr.min_ms, sr.max_ms);
	printf("  bench-local reference Dijkstra (binary heap over an adjacency array, "
	       "distances only): median %.3f ms\n", sr.ref_med_ms);
	printf("  checked: %u routes per root (= %u stubs + %u transit + %u inter-area + %u external%s), "
	       "costs equal to the reference, next hops are the root's neighbours;\n",
	       expected_routes(&m), n, m.nlan, m.nsum_pref, m.next_pref,
	       p2p_stubs ? " + p2p /30s" : "");
	printf("  ECMP: %.1f%% of routes have 2+ next hops (up to %u), %.2f next hops per route\n",
	       100.0 * sr.cs.ecmp / sr.cs.routes, sr.cs.maxnh, (double)sr.cs.nh / sr.cs.routes);
	if (sr.all_run)
		printf("all %u routers' routes: %.3f s (%u spf_routes calls, %.3f ms each; every table "
		       "checked as above, checks not timed)\n", n, sr.all_s, n, sr.all_s / n * 1e3);
	else
		printf("all %u routers' routes: ESTIMATED %.1f s = %u x the median above (not run: over "
		       "the %.0f s budget, -b)\n", n, sr.all_s, n, budget);
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
	printf("  %s  over %.0f LSAs/s installed (decode + install, slower of ADDED/CHANGED): %.0f LSAs/s\n",
	       verdict(slow > T_INSTALL), T_INSTALL, slow);
	*misses += !(slow > T_INSTALL);
	if (n != 1000 && n != 10000)
		printf("  (the SPF targets are set at N = 1,000 and 10,000)\n");
	fflush(stdout);

	wire_free(&w0);
	wire_free(&w1);
	model_free(&m);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: ospf-bench [-s SEED] [-r ROOTS] [-b BUDGET_S] [-p] [N ...]\n"
	                "  N        routers (default: 1000 10000)\n"
	                "  -s SEED  PRNG seed (default 1)\n"
	                "  -r ROOTS roots timed one by one (default 50)\n"
	                "  -b SECS  run all N roots only if the estimate is at most SECS (default 60),\n"
	                "           else print an estimate\n"
	                "  -p       numbered point-to-point links: a /30 stub at both ends\n");
	exit(64);
}

int main(int argc, char **argv)
{
	uint64_t seed = 1;
	unsigned nroots = 50, ns[16], nn = 0;
	double budget = 60;
	bool p2p = false;
	int c, misses = 0;

	while ((c = getopt(argc, argv, "s:r:b:ph")) != -1) {
		switch (c) {
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'r': nroots = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'b': budget = strtod(optarg, NULL); break;
		case 'p': p2p = true; break;
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

	printf("# ospf-bench: OSPFv2 LSDB install and SPF (lib/ospf.c, lib/lsdb.c, lib/spf.c)\n\n");
	machine();
	printf("settings: seed %llu, %u roots timed, all-roots budget %.0f s%s\n",
	       (unsigned long long)seed, nroots, budget, p2p ? ", -p (p2p /30 stubs)" : "");
	fflush(stdout);
	for (unsigned i = 0; i < nn; i++)
		run(ns[i], nroots, budget, p2p, seed, &misses);
	printf("\n%s: %d target(s) missed\n", misses ? "MISS" : "PASS", misses);
	return misses ? 1 : 0;
}
