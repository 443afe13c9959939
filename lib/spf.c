#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "spf.h"
#include "spf_common.h"

#define INF SPF_INF

enum { V_ROUTER, V_NET };

/* A vertex of one area's graph: a router (its router-LSA) or a transit
 * network (its network-LSA, identified by the DR's interface address). */
struct vtx {
	uint8_t  kind;
	bool     done;
	bool     attached;           /* a network the root is on */
	uint8_t  nnh;
	uint32_t id;
	uint32_t dist;
	const struct lsa *lsa;
	uint32_t nh[SPF_MAX_NEXTHOPS];
};

struct area_spf {
	uint32_t area;
	struct vtx *v;
	uint32_t *ids;               /* v[i].id, packed for the binary search */
	unsigned n;
	unsigned nr;                 /* v[0..nr): routers, v[nr..n): networks;
	                                each range sorted by id */
	int root;                    /* index of the root vertex */
};

/* Binary search: lsdb_foreach gives the LSAs ordered by ls_id, so each
 * kind's range of vertices is sorted by id.  Cost: O(log V). */
static int find_vtx(const struct area_spf *a, uint8_t kind, uint32_t id)
{
	unsigned lo = kind == V_ROUTER ? 0 : a->nr, hi = kind == V_ROUTER ? a->nr : a->n;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (a->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < (kind == V_ROUTER ? a->nr : a->n) && a->ids[lo] == id ? (int)lo : -1;
}

/* Add next hop `addr` to w, keeping the list sorted and without repeats. */
static void nh_add(struct vtx *w, uint32_t addr)
{
	unsigned i;

	for (i = 0; i < w->nnh && w->nh[i] < addr; i++)
		;
	if ((i < w->nnh && w->nh[i] == addr) || w->nnh == SPF_MAX_NEXTHOPS)
		return;
	memmove(&w->nh[i + 1], &w->nh[i], (w->nnh - i) * sizeof(w->nh[0]));
	w->nh[i] = addr;
	w->nnh++;
}

/* Does router-LSA r have a link of type `type` to `id`?  If so, and data is
 * not NULL, *data gets that link's data (the router's interface address). */
static bool router_links_to(const struct lsa *r, uint8_t type, uint32_t id, uint32_t *data)
{
	struct lsa_router_link lk;

	for (struct lsa_link_cursor c = { 0 }; lsa_router_link_next(r, &c, &lk);) {
		if (lk.type == type && lk.id == id) {
			if (data != NULL)
				*data = lk.data;
			return true;
		}
	}
	return false;
}

static bool network_lists(const struct lsa *n, uint32_t router)
{
	for (unsigned i = 0; i < n->u.network.nrouters; i++)
		if (lsa_network_router(n, i) == router)
			return true;
	return false;
}

/*
 * Relax the edge v -> w of cost c (16.1 step 2), computing w's next hops as
 * 16.1.1 says: from the root, a network is attached and a router is reached
 * at its interface address on the link; through a network the root is on,
 * a router is reached at its address on that network; otherwise w inherits
 * v's next hops.
 */
static void relax(struct area_spf *a, int vi, int wi, uint32_t c, struct spf_cand *q)
{
	struct vtx *v = &a->v[vi], *w = &a->v[wi];
	uint32_t d = v->dist + c, addr;

	if (w->done || d > w->dist || d < v->dist)     /* d < v->dist: overflow */
		return;
	if (d < w->dist) {
		w->dist = d;
		w->nnh = 0;
		w->attached = false;
		/* RFC 2328 16.1 step 3: networks before routers at equal cost */
		spf_cand_push(q, d, w->kind == V_NET ? (unsigned)wi - a->nr : (unsigned)wi + (a->n - a->nr));
	}
	if (vi == a->root) {
		if (w->kind == V_NET)
			w->attached = true;
		else if (router_links_to(w->lsa, LINK_P2P, v->id, &addr))
			nh_add(w, addr);
	} else if (v->kind == V_NET && v->attached && w->kind == V_ROUTER) {
		if (router_links_to(w->lsa, LINK_TRANSIT, v->id, &addr))
			nh_add(w, addr);
	} else {
		for (unsigned i = 0; i < v->nnh; i++)
			nh_add(w, v->nh[i]);
		w->attached = w->attached || (v->attached && w->kind == V_NET);
	}
}

/* Dijkstra over one area (16.1).  Returns 0, or -1 if root is not in it. */
static int area_dijkstra(const struct lsdb *db, uint32_t area, uint32_t root, struct area_spf *a)
{
	struct spf_collect rc = { 0 }, nc = { 0 };
	struct spf_cand q = { 0 };

	memset(a, 0, sizeof(*a));
	a->area = area;
	spf_collect(db, area, LSA_ROUTER, &rc);
	spf_collect(db, area, LSA_NETWORK, &nc);
	/* one block: the vertices, then their ids */
	a->v = calloc(rc.n + nc.n + 1, sizeof(*a->v) + sizeof(*a->ids));
	if (a->v == NULL)
		goto fail;
	a->ids = (uint32_t *)(a->v + rc.n + nc.n + 1);
	for (unsigned i = 0; i < rc.n; i++) {
		const struct lsa *l = &rc.e[i]->lsa;
		if (l->h.ls_id != l->h.adv_router)
			continue;           /* a router-LSA's id is its router id */
		a->v[a->n] = (struct vtx){ .kind = V_ROUTER, .id = l->h.adv_router,
		                           .dist = INF, .lsa = l };
		a->n++;
	}
	a->nr = a->n;
	for (unsigned i = 0; i < nc.n; i++) {
		const struct lsa *l = &nc.e[i]->lsa;
		if (a->n > a->nr && a->v[a->n - 1].id == l->h.ls_id)
			continue;           /* a stale LSA from an earlier DR: first wins */
		a->v[a->n] = (struct vtx){ .kind = V_NET, .id = l->h.ls_id,
		                           .dist = INF, .lsa = l };
		a->n++;
	}
	free(rc.e);
	free(nc.e);
	for (unsigned i = 0; i < a->n; i++)
		a->ids[i] = a->v[i].id;
	if ((a->root = find_vtx(a, V_ROUTER, root)) < 0)
		return -1;
	a->v[a->root].dist = 0;
	if (!spf_cand_push(&q, 0, (unsigned)a->root + (a->n - a->nr)))
		return -1;

	while (q.n > 0) {
		uint64_t top = spf_cand_pop(&q);
		unsigned key = (uint32_t)top;
		int vi = (int)(key < a->n - a->nr ? key + a->nr : key - (a->n - a->nr));
		struct vtx *v = &a->v[vi];
		if (v->done || v->dist != (uint32_t)(top >> 32))
			continue;           /* stale entry */
		v->done = true;
		if (v->kind == V_ROUTER) {
			struct lsa_router_link lk;
			for (struct lsa_link_cursor c = { 0 }; lsa_router_link_next(v->lsa, &c, &lk);) {
				int wi;
				if (lk.type == LINK_P2P) {
					wi = find_vtx(a, V_ROUTER, lk.id);
					if (wi >= 0 && router_links_to(a->v[wi].lsa, LINK_P2P, v->id, NULL))
						relax(a, vi, wi, lk.metric, &q);
				} else if (lk.type == LINK_TRANSIT) {
					wi = find_vtx(a, V_NET, lk.id);
					if (wi >= 0 && network_lists(a->v[wi].lsa, v->id))
						relax(a, vi, wi, lk.metric, &q);
				}
			}
		} else {
			for (unsigned i = 0; i < v->lsa->u.network.nrouters; i++) {
				int wi = find_vtx(a, V_ROUTER, lsa_network_router(v->lsa, i));
				if (wi >= 0 && router_links_to(a->v[wi].lsa, LINK_TRANSIT, v->id, NULL))
					relax(a, vi, wi, 0, &q);
			}
		}
	}
	free(q.h);
	return 0;
fail:
	free(rc.e);
	free(nc.e);
	return -1;
}

/* --- the routing table ------------------------------------------------ */

/* The table being built, with an open-addressing index on (prefix, mask):
 * slot[] holds route index + 1, 0 for empty; at most half full. */
struct rtab {
	struct route_table *t;
	uint32_t *slot;
	unsigned size;               /* power of two */
	uint64_t masks;              /* bit L: some route has a /L mask (L < 64) */
};

static unsigned rt_hash(uint32_t prefix, uint32_t mask, unsigned size)
{
	uint64_t k = ((uint64_t)prefix << 32 | mask) * 0x9e3779b97f4a7c15ull;
	return (unsigned)(k >> 32) & (size - 1);
}

static struct route *rt_find(const struct rtab *rt, uint32_t prefix, uint32_t mask)
{
	if (rt->size == 0)
		return NULL;
	for (unsigned h = rt_hash(prefix, mask, rt->size); rt->slot[h] != 0; h = (h + 1) & (rt->size - 1)) {
		struct route *r = &rt->t->r[rt->slot[h] - 1];
		if (r->prefix == prefix && r->mask == mask)
			return r;
	}
	return NULL;
}

static void rt_index(struct rtab *rt, unsigned i)
{
	const struct route *r = &rt->t->r[i];
	unsigned h = rt_hash(r->prefix, r->mask, rt->size);

	while (rt->slot[h] != 0)
		h = (h + 1) & (rt->size - 1);
	rt->slot[h] = i + 1;
}

static struct route *rt_add(struct rtab *rt, uint32_t prefix, uint32_t mask)
{
	struct route_table *t = rt->t;

	if (t->n == t->cap) {
		unsigned cap = t->cap ? t->cap * 2 : 64;
		struct route *r = realloc(t->r, cap * sizeof(*r));
		if (r == NULL)
			return NULL;
		t->r = r;
		t->cap = cap;
	}
	if (2 * (t->n + 1) > rt->size) {
		unsigned size = rt->size ? rt->size * 2 : 256;
		uint32_t *slot = calloc(size, sizeof(*slot));
		if (slot == NULL)
			return NULL;
		free(rt->slot);
		rt->slot = slot;
		rt->size = size;
		for (unsigned i = 0; i < t->n; i++)
			rt_index(rt, i);
	}
	memset(&t->r[t->n], 0, sizeof(t->r[0]));
	t->r[t->n].prefix = prefix;
	t->r[t->n].mask = mask;
	rt_index(rt, t->n);
	rt->masks |= 1ull << __builtin_popcount(mask);
	return &t->r[t->n++];
}

/* Add nh[0..nnh) to the ascending set dst[0..*n) (at most SPF_MAX_NEXTHOPS). */
static void nh_union(uint32_t *dst, uint8_t *n, const uint32_t *nh, unsigned nnh)
{
	for (unsigned i = 0; i < nnh; i++) {
		unsigned j;
		for (j = 0; j < *n && dst[j] < nh[i]; j++)
			;
		if ((j < *n && dst[j] == nh[i]) || *n == SPF_MAX_NEXTHOPS)
			continue;
		memmove(&dst[j + 1], &dst[j], (*n - j) * sizeof(dst[0]));
		dst[j] = nh[i];
		(*n)++;
	}
}

static void route_nh_merge(struct route *r, const uint32_t *nh, unsigned nnh)
{
	nh_union(r->nh, &r->nnh, nh, nnh);
}

/* How a path compares with the one r holds: spf_route_rank. */
static int route_better(const struct route *a, uint8_t type, uint32_t cost, uint32_t cost2)
{
	return spf_route_rank(a->type, a->cost, a->type2_cost, type, cost, cost2);
}

/* Offer a path to prefix/mask; keep the best, merge next hops of equals. */
static void offer(struct rtab *rt, uint32_t prefix, uint32_t mask, uint8_t type,
                  uint32_t cost, uint32_t cost2, uint32_t area, bool attached,
                  const uint32_t *nh, unsigned nnh)
{
	struct route *r = rt_find(rt, prefix & mask, mask);
	int b;

	if (r == NULL) {
		if ((r = rt_add(rt, prefix & mask, mask)) == NULL)
			return;
		b = 1;
	} else {
		b = route_better(r, type, cost, cost2);
	}
	if (b < 0)
		return;
	if (b > 0) {
		r->type = type;
		r->cost = cost;
		r->type2_cost = cost2;
		r->area = area;
		r->nnh = 0;
		r->attached = 0;
	}
	/* Equal-cost paths merge their next hops.  A directly attached path
	 * brings none: the route stays attached only while every path is (so a
	 * network the root is on, reached at equal cost through a neighbour
	 * too, goes through the neighbour; FRR's ospfd does the same; RFC 2328
	 * 16.1 step 3 would keep one path, by Link State ID, instead). */
	if (attached) {
		if (b > 0)
			r->attached = 1;
	} else {
		r->attached = 0;
		route_nh_merge(r, nh, nnh);
	}
}

/* Intra-area routes of one area (16.1 step 2 for networks, step 3 for stubs). */
static void intra_routes(const struct area_spf *a, struct rtab *rt)
{
	for (unsigned i = 0; i < a->n; i++) {
		const struct vtx *v = &a->v[i];
		if (v->dist == INF)
			continue;
		if (v->kind == V_NET) {
			offer(rt, v->id, v->lsa->u.network.mask, RT_INTRA, v->dist, 0, a->area,
			      v->attached, v->nh, v->nnh);
			continue;
		}
		struct lsa_router_link lk;
		for (struct lsa_link_cursor c = { 0 }; lsa_router_link_next(v->lsa, &c, &lk);) {
			if (lk.type != LINK_STUB)
				continue;
			offer(rt, lk.id, lk.data, RT_INTRA, v->dist + lk.metric, 0, a->area,
			      (int)i == a->root, v->nh, v->nnh);
		}
	}
}

/* The best intra-area path to router `id` over the areas: its vertex. */
static const struct vtx *router_path(const struct area_spf *as, unsigned nareas, uint32_t id,
                                     uint32_t only_area, bool use_only, uint8_t need_flag,
                                     uint32_t *area_out)
{
	const struct vtx *best = NULL;

	for (unsigned k = 0; k < nareas; k++) {
		if (use_only && as[k].area != only_area)
			continue;
		int i = find_vtx(&as[k], V_ROUTER, id);
		if (i < 0 || as[k].v[i].dist == INF || (int)i == as[k].root)
			continue;
		if (need_flag && !(as[k].v[i].lsa->u.router.flags & need_flag))
			continue;
		if (best == NULL || as[k].v[i].dist < best->dist) {
			best = &as[k].v[i];
			if (area_out != NULL)
				*area_out = as[k].area;
		}
	}
	return best;
}

/* Longest-prefix match of addr among intra- and inter-area routes. */
static const struct route *lookup_internal(const struct rtab *rt, uint32_t addr)
{
	/* longest first, over the mask lengths present (contiguous masks) */
	for (int len = 32; len >= 0; len--) {
		if (!(rt->masks >> len & 1))
			continue;
		uint32_t mask = len ? ~0u << (32 - len) : 0;
		const struct route *r = rt_find(rt, addr & mask, mask);
		if (r != NULL && r->type <= RT_INTER)
			return r;
	}
	return NULL;
}

struct asbr_route {
	uint32_t id, cost;
	uint8_t nnh;
	uint32_t nh[SPF_MAX_NEXTHOPS];
};

static int route_cmp(const void *a, const void *b)
{
	const struct route *x = a, *y = b;

	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	if (x->mask != y->mask)
		return x->mask < y->mask ? -1 : 1;
	return 0;
}

/* External (type 5) or NSSA (type 7, in area `area`) routes (16.4, RFC 3101). */
static void external_routes(const struct lsdb *db, uint32_t root, const struct area_spf *as,
                            unsigned nareas, const struct asbr_route *inter_asbr,
                            unsigned ninter_asbr, uint32_t scope, bool nssa,
                            struct rtab *rt)
{
	struct spf_collect c = { 0 };

	spf_collect(db, scope, nssa ? LSA_NSSA : LSA_EXTERNAL, &c);
	for (unsigned i = 0; i < c.n; i++) {
		const struct lsa *l = &c.e[i]->lsa;
		uint32_t x, nh[SPF_MAX_NEXTHOPS], parea = 0;
		unsigned nnh = 0;
		const struct vtx *asbr;
		bool attached = false;

		if (l->h.adv_router == root || l->u.external.metric >= OSPF_LS_INFINITY)
			continue;
		asbr = router_path(as, nareas, l->h.adv_router, scope, nssa, LSA_ROUTER_E, &parea);
		if (asbr != NULL) {
			x = asbr->dist;
			nnh = asbr->nnh;
			memcpy(nh, asbr->nh, nnh * sizeof(nh[0]));
		} else if (!nssa) {
			unsigned k;
			for (k = 0; k < ninter_asbr && inter_asbr[k].id != l->h.adv_router; k++)
				;
			if (k == ninter_asbr)
				continue;
			x = inter_asbr[k].cost;
			nnh = inter_asbr[k].nnh;
			memcpy(nh, inter_asbr[k].nh, nnh * sizeof(nh[0]));
		} else {
			continue;
		}
		if (l->u.external.fwd != 0) {
			const struct route *fr = lookup_internal(rt, l->u.external.fwd);
			if (fr == NULL)
				continue;
			x = fr->cost;
			nnh = fr->nnh;
			memcpy(nh, fr->nh, nnh * sizeof(nh[0]));
			attached = fr->attached;
		}
		/* offer() ranks intra- and inter-area paths above any external */
		uint32_t prefix = l->h.ls_id & l->u.external.mask;
		uint8_t type = l->u.external.e2 ? (nssa ? RT_N2 : RT_E2) : (nssa ? RT_N1 : RT_E1);
		if (l->u.external.e2)
			offer(rt, prefix, l->u.external.mask, type, x, l->u.external.metric, parea,
			      attached, nh, nnh);
		else
			offer(rt, prefix, l->u.external.mask, type, x + l->u.external.metric, 0, parea,
			      attached, nh, nnh);
	}
	free(c.e);
}

int spf_routes(const struct lsdb *db, uint32_t root, struct route_table *rt)
{
	uint32_t areas[64];
	unsigned nareas = lsdb_areas(db, areas, 64), n = 0;
	struct area_spf *as = calloc(nareas ? nareas : 1, sizeof(*as));
	struct asbr_route *asbr = NULL;
	unsigned nasbr = 0;
	bool abr = false, in_backbone = false;
	struct spf_collect c = { 0 };
	struct rtab rtab = { .t = rt }, *rtx = &rtab;

	rt->n = 0;
	if (as == NULL)
		return -1;
	for (unsigned k = 0; k < nareas; k++) {
		if (area_dijkstra(db, areas[k], root, &as[n]) == 0) {
			if (areas[k] == 0)
				in_backbone = true;
			n++;
		} else {
			free(as[n].v);
		}
	}
	if (n == 0) {
		free(as);
		return -1;
	}
	abr = in_backbone && n > 1;

	/* 16.1: intra-area routes of every attached area */
	for (unsigned k = 0; k < n; k++)
		intra_routes(&as[k], rtx);

	/* 16.2: inter-area routes; an ABR looks at the backbone's summaries only */
	for (unsigned k = 0; k < n; k++) {
		if (abr && as[k].area != 0)
			continue;
		for (uint8_t type = LSA_SUMMARY; type <= LSA_ASBR_SUMMARY; type++) {
			spf_collect(db, as[k].area, type, &c);
			for (unsigned i = 0; i < c.n; i++) {
				const struct lsa *l = &c.e[i]->lsa;
				const struct vtx *br;
				if (l->h.adv_router == root || l->u.summary.metric >= OSPF_LS_INFINITY)
					continue;
				br = router_path(&as[k], 1, l->h.adv_router, 0, false, 0, NULL);
				if (br == NULL)
					continue;
				uint32_t cost = br->dist + l->u.summary.metric;
				if (type == LSA_SUMMARY) {
					/* an intra-area path, if any, outranks it in offer() */
					offer(rtx, l->h.ls_id, l->u.summary.mask, RT_INTER, cost, 0,
					      as[k].area, false, br->nh, br->nnh);
					continue;
				}
				/* type 4: a path to an ASBR in another area */
				unsigned j;
				for (j = 0; j < nasbr && asbr[j].id != l->h.ls_id; j++)
					;
				if (j == nasbr) {
					struct asbr_route *na = realloc(asbr, (nasbr + 1) * sizeof(*na));
					if (na == NULL)
						continue;
					asbr = na;
					memset(&asbr[nasbr], 0, sizeof(asbr[0]));
					asbr[nasbr].id = l->h.ls_id;
					asbr[nasbr].cost = INF;
					nasbr++;
				}
				if (cost < asbr[j].cost) {
					asbr[j].cost = cost;
					asbr[j].nnh = br->nnh;
					memcpy(asbr[j].nh, br->nh, br->nnh * sizeof(br->nh[0]));
				} else if (cost == asbr[j].cost) {
					/* equal-cost paths through other ABRs merge (16.2) */
					nh_union(asbr[j].nh, &asbr[j].nnh, br->nh, br->nnh);
				}
			}
		}
	}
	free(c.e);

	/* 16.4: AS-external routes -- for a root attached to an area that
	 * carries them (its router-LSA there has the E option; stub areas and
	 * NSSAs do not, RFC 2328 3.6 and RFC 3101 2.1); RFC 3101: NSSA routes
	 * in each attached NSSA */
	{
		bool e = false;
		for (unsigned k = 0; k < n && !e; k++)
			e = (as[k].v[as[k].root].lsa->h.options & OSPF_OPT_E) != 0;
		if (e)
			external_routes(db, root, as, n, asbr, nasbr, LSDB_AS_SCOPE, false, rtx);
	}
	for (unsigned k = 0; k < n; k++)
		external_routes(db, root, as, n, asbr, nasbr, as[k].area, true, rtx);
	free(rtab.slot);

	if (rt->n > 1)
		qsort(rt->r, rt->n, sizeof(rt->r[0]), route_cmp);
	for (unsigned k = 0; k < n; k++)
		free(as[k].v);
	free(as);
	free(asbr);
	return 0;
}

void route_table_free(struct route_table *rt)
{
	free(rt->r);
	memset(rt, 0, sizeof(*rt));
}

const char *route_type_name(enum route_type t)
{
	static const char *const names[] = { "intra", "inter", "E1", "E2", "N1", "N2" };

	return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "unknown";
}
