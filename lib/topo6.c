/*
 * The OSPFv3 topology (topo.h, topo6_build): the same elements as
 * topo_build's, built from the OSPFv3 LSAs of the one database (lib/lsdb.h).
 * OSPFv3 names links by interface ids (RFC 5340 A.4.3), so a
 * point-to-point link's two ends pair exactly, with no address heuristics:
 * A's interface i to neighbour B's interface j is two-way when B lists its
 * interface j to A's interface i.  O(n log n) in the OSPFv3 LSAs.
 */
#include <stdlib.h>
#include <string.h>

#include "ospf6.h"
#include "sortwork.h"
#include "topo.h"

struct half6 {
	uint32_t area, from, to, ifid, nbr_ifid, metric;
	uint8_t type;
	bool used;
};

struct b6 {
	struct topo *t;
	unsigned cr, cl, cn, catt, cp, cm, ch;
	struct half6 *h;
	unsigned nh;
	bool oom;
};

static int half6_cmp(const void *pa, const void *pb)
{
	const struct half6 *a = pa, *b = pb;

	CMP(a->area, b->area);
	CMP(a->type, b->type);
	CMP(a->from, b->from);
	CMP(a->ifid, b->ifid);
	CMP(a->to, b->to);
	CMP(a->nbr_ifid, b->nbr_ifid);
	CMP(a->metric, b->metric);
	return 0;
}

/* Networks by (area, DR, DR's interface id): OSPFv3's key. */
static int net6_cmp(const void *pa, const void *pb)
{
	const struct topo_network *a = pa, *b = pb;

	CMP(a->area, b->area);
	CMP(a->dr, b->dr);
	CMP(a->id, b->id);
	return 0;
}

static int att6_cmp(const void *pa, const void *pb)
{
	const uint32_t *a = pa, *b = pb;   /* area, dr, ifid, router */

	for (int i = 0; i < 4; i++)
		CMP(a[i], b[i]);
	return 0;
}

static int missing6_cmp(const void *pa, const void *pb)
{
	const struct topo_missing *a = pa, *b = pb;

	CMP(a->area, b->area);
	CMP(a->kind, b->kind);
	CMP(a->id, b->id);
	return 0;
}

static struct topo_prefix *prefix6(struct b6 *b, uint32_t area, uint8_t kind, uint32_t router,
                                   uint32_t cost, const struct lsa6_prefix *p)
{
	struct topo *t = b->t;
	struct topo_prefix *x;

	if (!sw_grow(&t->p, &b->cp, t->np, sizeof(*t->p))) {
		b->oom = true;
		return NULL;
	}
	x = &t->p[t->np++];
	*x = (struct topo_prefix){ .area = area, .kind = kind, .router = router, .cost = cost,
	                           .v3 = true };
	if (p != NULL) {
		x->plen = p->len;
		memcpy(x->p6, p->addr, 16);  /* the decoder zeroed the bits past len */
	}
	return x;
}

static void link6(struct b6 *b, const struct topo_link *l)
{
	if (!sw_grow(&b->t->l, &b->cl, b->t->nl, sizeof(*b->t->l))) {
		b->oom = true;
		return;
	}
	b->t->l[b->t->nl++] = *l;
}

static void missing6(struct b6 *b, uint32_t area, uint8_t kind, uint32_t id)
{
	if (!sw_grow(&b->t->m, &b->cm, b->t->nm, sizeof(*b->t->m))) {
		b->oom = true;
		return;
	}
	b->t->m[b->t->nm++] = (struct topo_missing){ area, kind, id };
}

static void on_router6(struct b6 *b, uint32_t area, const struct lsa6 *l)
{
	struct topo *t = b->t;
	struct lsa6_iface f;

	/* one router per (area, id): the lowest link state id comes first */
	if (t->nr == 0 || t->r[t->nr - 1].area != area || t->r[t->nr - 1].id != l->h.adv_router) {
		if (!sw_grow(&t->r, &b->cr, t->nr, sizeof(*t->r))) {
			b->oom = true;
			return;
		}
		t->r[t->nr++] = (struct topo_router){ area, l->h.adv_router, l->u.router.flags,
		                                      false, true };
	}
	for (struct lsa6_iface_cursor c = { 0 }; lsa6_router_iface_next(l, &c, &f);) {
		t->work++;
		if (f.type == LINK6_TRANSIT) {
			link6(b, &(struct topo_link){ .area = area, .type = LINK_TRANSIT, .v3 = true,
			      .a = l->h.adv_router, .b = f.nbr_router_id, .a_addr = f.iface_id,
			      .b_addr = f.nbr_iface_id, .cost_ab = f.metric });
		} else if (f.type == LINK6_P2P || f.type == LINK6_VIRTUAL) {
			if (!sw_grow(&b->h, &b->ch, b->nh, sizeof(*b->h))) {
				b->oom = true;
				return;
			}
			b->h[b->nh++] = (struct half6){ area, l->h.adv_router, f.nbr_router_id,
			                                f.iface_id, f.nbr_iface_id, f.metric,
			                                f.type == LINK6_P2P ? LINK_P2P : LINK_VIRTUAL,
			                                false };
		}
	}
}

static void on_network6(struct b6 *b, uint32_t area, const struct lsa6 *l)
{
	struct topo *t = b->t;
	struct topo_network *n;

	if (!sw_grow(&t->n, &b->cn, t->nn, sizeof(*t->n))) {
		b->oom = true;
		return;
	}
	n = &t->n[t->nn++];
	*n = (struct topo_network){ area, l->h.ls_id, 0, l->h.adv_router, t->natt, 0 };
	for (unsigned i = 0; i < l->u.network.nrouters; i++) {
		if (!sw_grow(&t->att, &b->catt, t->natt, sizeof(*t->att))) {
			b->oom = true;
			return;
		}
		t->att[t->natt++] = lsa6_network_router(l, i);
		t->work++;
		n->n++;
	}
}

static void on_other6(struct b6 *b, uint32_t area, const struct lsa6 *l)
{
	struct lsa6_prefix p;
	struct topo_prefix *x;

	b->t->work++;
	switch (l->h.type) {
	case LSA6_INTRA_PREFIX: {
		uint8_t kind;
		if (l->u.intra_prefix.ref_type == LSA6_ROUTER)
			kind = TP_STUB;
		else if (l->u.intra_prefix.ref_type == LSA6_NETWORK)
			kind = TP_TRANSIT;
		else
			break;
		for (struct lsa6_prefix_cursor c = { 0 }; lsa6_prefix_next(l, &c, &p);) {
			b->t->work++;
			if (!(p.options & LSA6_PREFIX_NU))
				prefix6(b, area, kind, l->u.intra_prefix.ref_adv_router, p.field, &p);
		}
		break;
	}
	case LSA6_INTER_PREFIX:
		if (!(l->u.inter_prefix.prefix.options & LSA6_PREFIX_NU))
			prefix6(b, area, TP_SUMMARY, l->h.adv_router, l->u.inter_prefix.metric,
			        &l->u.inter_prefix.prefix);
		break;
	case LSA6_INTER_ROUTER:
		if ((x = prefix6(b, area, TP_ASBR_SUMMARY, l->h.adv_router,
		                 l->u.inter_router.metric, NULL)) != NULL) {
			x->prefix = l->u.inter_router.dest;
			x->mask = 0xffffffffu;
		}
		break;
	case LSA6_EXTERNAL:
	case LSA6_NSSA:
		if (l->u.external.prefix.options & LSA6_PREFIX_NU)
			break;
		x = prefix6(b, area, l->h.type == LSA6_NSSA ? TP_NSSA : TP_EXTERNAL, l->h.adv_router,
		            l->u.external.metric, &l->u.external.prefix);
		if (x != NULL) {
			x->e2 = l->u.external.e2;
			x->tag = l->u.external.tag;
			memcpy(x->fwd6, l->u.external.fwd, 16);
		}
		break;
	default:
		break;
	}
}

static const struct topo_router *router6(const struct topo *t, uint32_t area, uint32_t id)
{
	struct topo_router key = { .area = area, .id = id };

	return t->nr ? bsearch(&key, t->r, t->nr, sizeof(*t->r), topo_router_order) : NULL;
}

/* The halves' key but the metric. */
static bool half6_same(const struct half6 *a, const struct half6 *b)
{
	return a->area == b->area && a->type == b->type && a->from == b->from &&
	       a->ifid == b->ifid && a->to == b->to && a->nbr_ifid == b->nbr_ifid;
}

/* The first half at or above key (sorted halves).  O(log n). */
static unsigned half6_lower(struct b6 *b, const struct half6 *key)
{
	unsigned lo = 0, hi = b->nh;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		b->t->work++;
		if (half6_cmp(&b->h[mid], key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Router-LSAs by (area, router, link state id). */
static int rlsa_cmp(const void *pa, const void *pb)
{
	const struct lsdb_entry *a = *(const struct lsdb_entry *const *)pa;
	const struct lsdb_entry *b = *(const struct lsdb_entry *const *)pb;

	CMP(a->area, b->area);
	CMP(a->lsa.h.adv_router, b->lsa.h.adv_router);
	CMP(a->lsa.h.ls_id, b->lsa.h.ls_id);
	return 0;
}

/* Pair the halves, two-way transit links, "up", what is missing. */
static void finish6(struct b6 *b)
{
	struct topo *t = b->t;
	uint32_t (*att)[4] = malloc((t->natt + 1) * sizeof(*att));
	unsigned natt = 0, nlinks;

	if (att == NULL) {
		b->oom = true;
		return;
	}
	sw_sort(b->h, b->nh, sizeof(*b->h), half6_cmp);
	t->work += SORT_WORK(b->nh);
	for (unsigned i = 0; i < b->nh; i++) {
		struct half6 *x = &b->h[i], *y;
		struct half6 key;
		if (x->used)
			continue;
		/* the far end's half back, unused: (area, type, from = to, ifid =
		 * nbr_ifid, to = from, nbr_ifid = ifid), whatever its metric */
		key = (struct half6){ x->area, x->to, x->from, x->nbr_ifid, x->ifid, 0, x->type, false };
		y = NULL;
		for (unsigned k = half6_lower(b, &key); k < b->nh && half6_same(&b->h[k], &key); k++) {
			t->work++;
			if (!b->h[k].used && &b->h[k] != x) {
				y = &b->h[k];
				break;
			}
		}
		x->used = true;
		if (y != NULL && x->from != x->to) {
			const struct half6 *lo = x->from < y->from ? x : y, *hi = lo == x ? y : x;
			y->used = true;
			link6(b, &(struct topo_link){ .area = x->area, .type = x->type, .two_way = true,
			      .v3 = true, .a = lo->from, .b = hi->from, .a_addr = lo->ifid,
			      .b_addr = hi->ifid, .cost_ab = lo->metric, .cost_ba = hi->metric });
		} else {
			link6(b, &(struct topo_link){ .area = x->area, .type = x->type, .v3 = true,
			      .a = x->from, .b = x->to, .a_addr = x->ifid, .cost_ab = x->metric });
		}
	}
	for (unsigned i = 0; i < t->nn; i++)
		for (unsigned k = 0; k < t->n[i].n; k++) {
			att[natt][0] = t->n[i].area;
			att[natt][1] = t->n[i].dr;
			att[natt][2] = t->n[i].id;
			att[natt++][3] = t->att[t->n[i].first + k];
		}
	sw_sort(att, natt, sizeof(*att), att6_cmp);
	t->work += natt + SORT_WORK(natt);
	nlinks = t->nl;
	for (unsigned i = 0; i < nlinks; i++) {
		struct topo_link *l = &t->l[i];
		struct topo_router *r;
		t->work++;
		if (l->type == LINK_TRANSIT) {
			struct topo_network nk = { .area = l->area, .id = l->b_addr, .dr = l->b };
			uint32_t ak[4] = { l->area, l->b, l->b_addr, l->a };
			if (t->nn == 0 || bsearch(&nk, t->n, t->nn, sizeof(*t->n), net6_cmp) == NULL)
				missing6(b, l->area, TM_NETWORK, l->b);
			else
				l->two_way = natt > 0 &&
				             bsearch(ak, att, natt, sizeof(*att), att6_cmp) != NULL;
		} else if (!l->two_way && router6(t, l->area, l->b) == NULL) {
			missing6(b, l->area, TM_ROUTER, l->b);
		}
		if (l->two_way) {
			if ((r = (struct topo_router *)router6(t, l->area, l->a)) != NULL)
				r->up = true;
			if (l->type != LINK_TRANSIT &&
			    (r = (struct topo_router *)router6(t, l->area, l->b)) != NULL)
				r->up = true;
		}
	}
	free(att);
	for (unsigned i = 0; i < t->nn; i++)
		for (unsigned k = 0; k < t->n[i].n; k++)
			if (router6(t, t->n[i].area, t->att[t->n[i].first + k]) == NULL)
				missing6(b, t->n[i].area, TM_ROUTER, t->att[t->n[i].first + k]);
	for (unsigned i = 0; i < t->nr; i++)
		if ((i == 0 || t->r[i - 1].area != t->r[i].area) &&
		    (i + 1 == t->nr || t->r[i + 1].area != t->r[i].area))
			t->r[i].up = true;
	sw_sort(t->l, t->nl, sizeof(*t->l), topo_link_order);
	sw_sort(t->p, t->np, sizeof(*t->p), topo_prefix_order);
	sw_sort(t->m, t->nm, sizeof(*t->m), missing6_cmp);
	t->work += SORT_WORK(t->nl) + SORT_WORK(t->np) + SORT_WORK(t->nm);
	if (t->nm > 1) {
		unsigned k = 1;
		for (unsigned i = 1; i < t->nm; i++)
			if (missing6_cmp(&t->m[i], &t->m[k - 1]) != 0)
				t->m[k++] = t->m[i];
		t->nm = k;
	}
}

struct topo *topo6_build(const struct lsdb *db, uint64_t now_ms)
{
	struct b6 b = { 0 };
	const struct lsdb_entry **v;
	uint32_t n;

	if ((b.t = calloc(1, sizeof(*b.t))) == NULL)
		return NULL;
	b.t->time_ms = now_ms;
	b.t->v3 = true;
	if (!lsdb_sorted(db, &v, &n)) {
		free(b.t);
		return NULL;
	}
	b.t->work += n + SORT_WORK(n);
	/* sorted by area, then type: an area's router-LSAs (0x2001) come
	 * before its network-LSAs (0x2002), each by link state id, router */
	for (uint32_t i = 0; i < n && !b.oom; i++) {
		const struct lsdb_entry *e = v[i];
		struct lsa6 l;
		if (!e->lsa.h.v3 || lsdb_age_of(e, now_ms) >= OSPF_MAX_AGE ||
		    lsa6_decode_held(e->lsa.raw, e->lsa.h.length, &l) != OSPF6_OK)
			continue;
		if (l.h.type == LSA6_ROUTER && e->area != LSDB_AS_SCOPE)
			continue;                /* below: by router first */
		if (l.h.type == LSA6_NETWORK && e->area != LSDB_AS_SCOPE)
			on_network6(&b, e->area, &l);
		else
			on_other6(&b, e->area, &l);
	}
	/* router-LSAs by (area, router, link state id): one router entry each */
	{
		const struct lsdb_entry **rv = malloc((n + 1) * sizeof(*rv));
		unsigned nr = 0;
		if (rv == NULL) {
			b.oom = true;
		} else {
			for (uint32_t i = 0; i < n; i++)
				if (v[i]->lsa.h.v3 && v[i]->lsa.h.type == LSA6_ROUTER &&
				    v[i]->area != LSDB_AS_SCOPE && lsdb_age_of(v[i], now_ms) < OSPF_MAX_AGE)
					rv[nr++] = v[i];
			sw_sort(rv, nr, sizeof(*rv), rlsa_cmp);
			b.t->work += SORT_WORK(nr);
			for (unsigned i = 0; i < nr && !b.oom; i++) {
				struct lsa6 l;
				if (lsa6_decode_held(rv[i]->lsa.raw, rv[i]->lsa.h.length, &l) == OSPF6_OK)
					on_router6(&b, rv[i]->area, &l);
			}
			free(rv);
		}
	}
	free(v);
	if (!b.oom) {
		sw_sort(b.t->n, b.t->nn, sizeof(*b.t->n), net6_cmp);
		finish6(&b);
	}
	free(b.h);
	if (b.oom) {
		topo_free(b.t);
		return NULL;
	}
	return b.t;
}
