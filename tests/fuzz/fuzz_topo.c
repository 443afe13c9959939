/*
 * libFuzzer target for what is built on decoded LSAs: the link-state
 * database (lib/lsdb.c), the topology and its differences (lib/topo.c), the
 * topology kept one LSA at a time (lib/topolive.c) and SPF (lib/spf.c), fed
 * with arbitrary combinations of LSAs -- links to oneself, parallel links,
 * networks listing unknown routers, stale DRs, absurd metrics.
 *
 * Input: records of { u8 area (0-3, 255: AS scope), u16 length, LSA }.
 * Each LSA's Fletcher checksum and length field are repaired so mutations
 * reach the body decoders; LSAs lsa_decode refuses are skipped.  The first
 * half of the records is installed and its topology built, then the rest,
 * and the two topologies are compared; JSON and text renderings run on both;
 * SPF runs from the first three routers seen.
 * Invariants (abort() on violation): every array of a topology is sorted
 * by key; topo_diff of a topology with itself reports nothing; the two-way
 * point-to-point and virtual links equal those of a naive pairing done here
 * (quadratic, from the LSAs: per router pair, the k-th end of the lower
 * router in address order with the k-th of the other among those whose
 * addresses the same most specific stub subnet of the lower router holds --
 * a stub whose mask is contiguous and of 0 to 31 bits; a non-contiguous mask
 * names no subnet -- then k-th with k-th among the rest), and every transit
 * link is two-way exactly when its network's LSA lists its router.  After
 * every record (installed, refused, flushing or ageing others out), the
 * live topology equals topo_build's, and its events since the record before
 * equal topo_diff's between the two topologies built whole.  Record k
 * arrives at k seconds, so LSAs of high age age out and leave tombstones; an
 * LSA refused as stale is not held, and LSAs and tombstones together stay
 * within the bound (4096, or 16 for inputs of even length, so that full
 * databases push tombstones out).
 *
 * Build: clang -g -O1 -std=c11 -D_GNU_SOURCE
 *        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Ilib
 *        tests/fuzz/fuzz_topo.c lib/ospf.c lib/lsdb.c lib/spf.c lib/topo.c lib/topolive.c
 *        lib/sbuf.c
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lsdb.h"
#include "spf.h"
#include "topo.h"
#include "topolive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void count_event(void *ctx, const struct topo_event *ev)
{
	struct sbuf *b = ctx;

	topo_event_json(ev, 1000, b);
}

static void never(void *ctx, const struct topo_event *ev)
{
	(void)ctx;
	(void)ev;
	abort();
}

static void check_sorted(const struct topo *t)
{
	for (unsigned i = 1; i < t->nr; i++)
		if (t->r[i - 1].area > t->r[i].area ||
		    (t->r[i - 1].area == t->r[i].area && t->r[i - 1].id >= t->r[i].id))
			abort();
	for (unsigned i = 1; i < t->nn; i++)
		if (t->n[i - 1].area > t->n[i].area ||
		    (t->n[i - 1].area == t->n[i].area && t->n[i - 1].id >= t->n[i].id))
			abort();
	for (unsigned i = 1; i < t->nl; i++)
		if (t->l[i - 1].area > t->l[i].area)
			abort();
	for (unsigned i = 0; i < t->nn; i++)
		if (t->n[i].first + t->n[i].n > t->natt)
			abort();
}

/* --- the naive reference --------------------------------------------- */

struct end {
	uint32_t area, from, to, addr, metric;
	uint8_t type;
	bool used;
};

struct ref {
	uint64_t now;
	uint32_t area;
	struct end e[4096];
	unsigned ne;
	struct stub { uint32_t area, router, prefix, mask; } st[4096];
	unsigned nst;
	bool overflow;
};

static void ref_router(void *ctx, const struct lsdb_entry *e)
{
	struct ref *r = ctx;
	const struct lsa *l = &e->lsa;

	if (lsdb_age_of(e, r->now) >= OSPF_MAX_AGE || l->h.ls_id != l->h.adv_router)
		return;
	for (unsigned i = 0; i < l->u.router.nlinks; i++) {
		struct lsa_router_link k;
		lsa_router_link(l, i, &k);
		if (k.type == LINK_P2P || k.type == LINK_VIRTUAL) {
			if (r->ne == 4096) {
				r->overflow = true;
				return;
			}
			r->e[r->ne++] = (struct end){ r->area, l->h.adv_router, k.id, k.data, k.metric,
			                              k.type, false };
		} else if (k.type == LINK_STUB && k.data != 0xffffffffu &&
		           (~k.data & (~k.data + 1)) == 0) {      /* contiguous, not /32 */
			if (r->nst == 4096) {
				r->overflow = true;
				return;
			}
			r->st[r->nst++] = (struct stub){ r->area, l->h.adv_router, k.id & k.data, k.data };
		}
	}
}

/* The most specific stub subnet of router `rt` in area holding addr: its
 * index + 1, or 0.  (Equal subnets listed twice count as one.) */
static unsigned ref_sub(const struct ref *r, uint32_t area, uint32_t rt, uint32_t addr)
{
	unsigned best = 0;

	for (unsigned i = 0; i < r->nst; i++) {
		const struct stub *s = &r->st[i];
		if (s->area != area || s->router != rt || (addr & s->mask) != s->prefix)
			continue;
		if (best == 0 || __builtin_popcount(s->mask) > __builtin_popcount(r->st[best - 1].mask))
			best = i + 1;
	}
	for (unsigned i = 0; best != 0 && i < best - 1; i++)     /* first of its equals */
		if (r->st[i].area == area && r->st[i].router == rt &&
		    r->st[i].prefix == r->st[best - 1].prefix && r->st[i].mask == r->st[best - 1].mask)
			return i + 1;
	return best;
}

struct pair { uint32_t area, a, b, a_addr, b_addr; uint8_t type; };

static int pair_cmp(const void *pa, const void *pb)
{
	const struct pair *x = pa, *y = pb;

	if (x->area != y->area) return x->area < y->area ? -1 : 1;
	if (x->type != y->type) return x->type < y->type ? -1 : 1;
	if (x->a != y->a) return x->a < y->a ? -1 : 1;
	if (x->b != y->b) return x->b < y->b ? -1 : 1;
	if (x->a_addr != y->a_addr) return x->a_addr < y->a_addr ? -1 : 1;
	if (x->b_addr != y->b_addr) return x->b_addr < y->b_addr ? -1 : 1;
	return 0;
}

static int end_cmp(const void *pa, const void *pb)
{
	const struct end *x = pa, *y = pb;
	uint32_t xl = x->from < x->to ? x->from : x->to, yl = y->from < y->to ? y->from : y->to;
	uint32_t xh = x->from < x->to ? x->to : x->from, yh = y->from < y->to ? y->to : y->from;

	if (x->area != y->area) return x->area < y->area ? -1 : 1;
	if (x->type != y->type) return x->type < y->type ? -1 : 1;
	if (xl != yl) return xl < yl ? -1 : 1;
	if (xh != yh) return xh < yh ? -1 : 1;
	if (x->from != y->from) return x->from < y->from ? -1 : 1;
	if (x->addr != y->addr) return x->addr < y->addr ? -1 : 1;
	return 0;
}

/* The subnet value (prefix, mask) of ref_sub's answer, 0 for none. */
static uint64_t sub_val(const struct ref *r, uint32_t area, uint32_t rt, uint32_t addr)
{
	unsigned i = ref_sub(r, area, rt, addr);

	return i == 0 ? 0 : ((uint64_t)r->st[i - 1].prefix << 32 | r->st[i - 1].mask) + 1;
}

/* The two-way point-to-point and virtual links of t equal the reference's. */
static void check_pairing(const struct lsdb *db, const struct topo *t)
{
	static struct ref r;
	static struct pair want[4096], got[4096];
	uint32_t areas[8];
	unsigned na = lsdb_areas(db, areas, 8), nw = 0, ng = 0, i = 0;

	memset(&r, 0, sizeof(r));
	r.now = 5000;
	for (unsigned a = 0; a < na; a++) {
		r.area = areas[a];
		lsdb_foreach(db, areas[a], LSA_ROUTER, ref_router, &r);
	}
	if (r.overflow || na == 8)
		return;
	qsort(r.e, r.ne, sizeof(r.e[0]), end_cmp);
	while (i < r.ne) {
		/* a group [i, j): lo's ends [i, mid), hi's [mid, j), each by address */
		const struct end *g = &r.e[i];
		uint32_t lo = g->from < g->to ? g->from : g->to, hi = g->from < g->to ? g->to : g->from;
		unsigned j = i, mid;

		while (j < r.ne && r.e[j].area == g->area && r.e[j].type == g->type &&
		       (r.e[j].from < r.e[j].to ? r.e[j].from : r.e[j].to) == lo &&
		       (r.e[j].from < r.e[j].to ? r.e[j].to : r.e[j].from) == hi)
			j++;
		for (mid = i; mid < j && r.e[mid].from == lo; mid++)
			;
		if (lo != hi)
			for (int pass = 0; pass < 2; pass++)
				for (unsigned x = i; x < mid; x++) {
					uint64_t sx = sub_val(&r, g->area, lo, r.e[x].addr);
					if (r.e[x].used || (pass == 0 && sx == 0))
						continue;
					for (unsigned y = mid; y < j; y++) {
						if (r.e[y].used ||
						    (pass == 0 && sub_val(&r, g->area, lo, r.e[y].addr) != sx))
							continue;
						r.e[x].used = r.e[y].used = true;
						want[nw++] = (struct pair){ g->area, lo, hi, r.e[x].addr,
						                            r.e[y].addr, g->type };
						break;
					}
				}
		i = j;
	}
	for (unsigned k = 0; k < t->nl; k++) {
		const struct topo_link *l = &t->l[k];
		if (!l->two_way || l->type == LINK_TRANSIT)
			continue;
		if (ng == 4096)
			abort();
		got[ng++] = (struct pair){ l->area, l->a, l->b, l->a_addr, l->b_addr, l->type };
	}
	if (nw != ng)
		abort();
	qsort(want, nw, sizeof(want[0]), pair_cmp);
	qsort(got, ng, sizeof(got[0]), pair_cmp);
	for (unsigned k = 0; k < nw; k++)
		if (pair_cmp(&want[k], &got[k]) != 0)
			abort();
}

/* A transit link is two-way exactly when its network-LSA lists the router. */
static void check_transit(const struct topo *t)
{
	for (unsigned i = 0; i < t->nl; i++) {
		const struct topo_link *l = &t->l[i];
		bool listed = false;
		if (l->type != LINK_TRANSIT)
			continue;
		for (unsigned k = 0; k < t->nn; k++)
			if (t->n[k].area == l->area && t->n[k].id == l->b)
				for (unsigned j = 0; j < t->n[k].n; j++)
					listed |= t->att[t->n[k].first + j] == l->a;
		if (listed != l->two_way)
			abort();
	}
}

static void exercise(const struct lsdb *db, const uint32_t *roots, unsigned nroots,
                     struct topo **prev)
{
	struct topo *t = topo_build(db, 5000);
	struct sbuf b = SBUF_INIT;
	struct route_table rt = { 0 };
	struct topo_completeness c;

	if (t == NULL)
		return;
	check_sorted(t);
	check_pairing(db, t);
	check_transit(t);
	topo_diff(t, t, never, NULL);
	topo_diff(*prev, t, count_event, &b);
	topo_json(t, 1, &b);
	topo_text(t, &b);
	topo_completeness(t, &c);
	for (unsigned i = 0; i < nroots; i++)
		spf_routes(db, roots[i], &rt);
	route_table_free(&rt);
	sbuf_free(&b);
	topo_free(*prev);
	*prev = t;
}

/* --- the live topology against the one built whole ------------------ */

static void text_event(void *ctx, const struct topo_event *ev)
{
	struct sbuf *b = ctx;

	topo_event_json(ev, 1000, b);
	sbuf_put(b, "\n", 1);
}

static void aged(void *ctx, const struct lsdb_entry *e)
{
	topo_live_set(ctx, e->area, e->lsa.h.type, e->lsa.h.ls_id, e->lsa.h.adv_router, NULL);
}

/* tl equals topo_build(db, now); its events those of topo_diff from *full
 * (the topology built whole after the record before), which becomes the
 * present one. */
static void check_live(struct topo_live *tl, const struct lsdb *db, uint64_t now,
                       struct topo **full)
{
	struct topo *t = topo_build(db, now), *l;
	struct sbuf want = SBUF_INIT, got = SBUF_INIT;

	if (t == NULL || (l = topo_live_topo(tl, now)) == NULL)
		abort();
	if (!topo_equal(t, l))
		abort();
	topo_free(l);
	topo_diff(*full, t, text_event, &want);
	if (!topo_live_commit(tl, text_event, &got) || !sbuf_ok(&want) || !sbuf_ok(&got) ||
	    strcmp(sbuf_str(&want), sbuf_str(&got)) != 0)
		abort();
	sbuf_free(&want);
	sbuf_free(&got);
	topo_free(*full);
	*full = t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint32_t bound = size % 2 ? 4096 : 16;
	struct lsdb *db = lsdb_new(bound);
	struct topo_live *tl = topo_live_new();
	struct topo *prev = NULL, *full = NULL;
	uint32_t roots[3];
	unsigned nroots = 0, nrec = 0, half;
	size_t off;

	if (db == NULL || tl == NULL) {
		lsdb_free(db);
		topo_live_free(tl);
		return 0;
	}
	for (off = 0; off + 3 <= size; nrec++) {
		size_t len = (size_t)data[off + 1] << 8 | data[off + 2];
		off += 3 + (len < size - off - 3 ? len : size - off - 3);
	}
	half = nrec / 2;
	nrec = 0;
	for (off = 0; off + 3 <= size; nrec++) {
		uint32_t area = data[off] == 255 ? LSDB_AS_SCOPE : data[off] & 3;
		size_t len = (size_t)data[off + 1] << 8 | data[off + 2];
		uint8_t *buf;
		struct lsa l;

		if (nrec == half)
			exercise(db, roots, nroots, &prev);
		off += 3;
		if (len > size - off)
			len = size - off;
		if (len >= LSA_HDR_LEN && (buf = malloc(len)) != NULL) {
			memcpy(buf, data + off, len);
			buf[18] = (uint8_t)(len >> 8);
			buf[19] = (uint8_t)len;
			buf[16] = buf[17] = 0;
			{
				uint16_t ck = lsa_checksum(buf, len);
				buf[16] = (uint8_t)(ck >> 8);
				buf[17] = (uint8_t)ck;
			}
			if (lsa_decode(buf, len, &l) == OSPF_OK) {
				uint32_t scope = lsdb_scope(area, l.h.type);
				uint64_t now = 1000 + (uint64_t)nrec * 1000;
				const struct lsdb_stats *st = lsdb_stats(db);
				lsdb_age(db, now, aged, tl);
				switch (lsdb_install(db, area, &l, now, NULL)) {
				case LSDB_ADDED:
				case LSDB_CHANGED:
					topo_live_set(tl, scope, l.h.type, l.h.ls_id, l.h.adv_router, &l);
					break;
				case LSDB_FLUSHED:
					topo_live_set(tl, scope, l.h.type, l.h.ls_id, l.h.adv_router, NULL);
					break;
				case LSDB_STALE:
					if (lsdb_get(db, scope, l.h.type, l.h.ls_id, l.h.adv_router) != NULL)
						abort();
					break;
				default:
					break;
				}
				if (st->entries + st->tombstones > bound)
					abort();
				check_live(tl, db, now, &full);
				if (l.h.type == LSA_ROUTER && nroots < 3)
					roots[nroots++] = l.h.adv_router;
			}
			free(buf);
		}
		off += len;
	}
	exercise(db, roots, nroots, &prev);
	topo_free(prev);
	topo_free(full);
	topo_live_free(tl);
	lsdb_free(db);
	return 0;
}
