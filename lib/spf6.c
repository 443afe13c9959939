/*
 * Shortest paths for IPv6 over OSPFv3: what is computed is in spf6.h; this
 * is how.  The OSPFv3 LSAs of the database are decoded (lsa6_decode_held)
 * once an area: the routers' interfaces into one array (each router's
 * together, read by the two-way checks without going back to the wire
 * bytes), the network-LSAs into another; each area's Dijkstra is spf.c's,
 * on vertices keyed by 64 bits (a router id; a network's DR and DR's
 * interface id), with the candidate list, the LSA collection and the
 * ranking of paths taken from spf_common.h.  Every next hop is one of
 * root's neighbours: each area has a sorted table of those root may have
 * there (area6.hop, made before its Dijkstra), and a vertex holds indexes
 * into it, 4 bytes a next hop (not 24), turned back into nh6 when routes
 * are offered.  The areas other than the backbone are computed first, so
 * that a virtual link in the backbone finds its transit area's next hops.
 * The table is built with a hash index on (prefix, length), then sorted
 * and indexed for route6_lookup.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ospf6.h"
#include "spf6.h"
#include "spf_common.h"

#define INF SPF_INF
#define MAX_AREAS 64                 /* as spf_routes */

enum { V_ROUTER, V_NET };

#define NO_HOP UINT32_MAX

/* A vertex of one area's graph.  Its next hops are indexes into its area's
 * table of root's possible next hops (area6.hop), which is sorted: the
 * order of the indexes is that of the next hops (nh_cmp), and a vertex
 * carries 64 bytes of them instead of 16 nh6 (384). */
struct vtx {
	uint8_t  kind;
	bool     done;
	bool     attached;               /* a network root is on */
	uint8_t  nnh;
	uint8_t  flags;                  /* router: LSA6_ROUTER_*, and */
	uint32_t options;                /* options, of its router-LSA with the
	                                    lowest link state id */
	uint32_t dist;
	uint64_t id;                     /* router: its id; network: DR << 32 | DR's
	                                    interface id */
	uint32_t root_ifid;              /* attached network: root's interface on it */
	uint32_t if0, nif;               /* router: its interfaces (of all its
	                                    router-LSAs, by link state id), area's
	                                    ifs[if0..if0 + nif) */
	const struct lsa6 *l;            /* network: its network-LSA */
	uint32_t nh[SPF_MAX_NEXTHOPS];   /* area's hop[nh[i]], ascending */
};

struct area6 {
	uint32_t area;
	struct lsa6 *net;                /* the network-LSAs by (DR, id) */
	struct lsa6_iface *ifs;          /* the routers' interfaces, decoded once
	                                    (freed after the Dijkstra) */
	struct vtx *v;                   /* v[0..nr): routers, v[nr..n): networks;
	                                    each range sorted by id */
	uint64_t *ids;                   /* v[i].id, packed for the binary search */
	unsigned n, nr;
	int root;
	struct nh6 *hop;                 /* every next hop root may have in the
	                                    area, sorted (nh_cmp), no repeats */
	unsigned nhop;
};

/* The table being built, with an open-addressing index on (prefix, plen):
 * slot[] holds route index + 1, 0 for empty; at most half full. */
struct rtab6 {
	struct route6_table *t;
	uint32_t *slot;
	unsigned size;                   /* power of two */
	uint64_t lens[3];                /* bit L: some route is a /L (L <= 128) */
};

/* One computation. */
struct spf6 {
	const struct lsdb *db;
	uint32_t root;
	struct area6 *as;                /* the areas root is in, as[0..nas) */
	unsigned nas;
	struct rtab6 rt;
	bool oom;
};

struct asbr6 {                       /* a path to an ASBR in another area */
	uint32_t id, cost;
	uint8_t  nnh;
	struct nh6 nh[SPF_MAX_NEXTHOPS];
};

/* --- helpers ------------------------------------------------------------ */

static bool decode(const struct lsdb_entry *e, struct lsa6 *out)
{
	return e->lsa.h.v3 && lsa6_decode_held(e->lsa.raw, e->lsa.h.length, out) == OSPF6_OK;
}

static int nh_cmp(const struct nh6 *a, const struct nh6 *b)
{
	int c = memcmp(a->addr, b->addr, sizeof(a->addr));

	if (c != 0)
		return c;
	if (a->ifid != b->ifid)
		return a->ifid < b->ifid ? -1 : 1;
	if (a->router != b->router)
		return a->router < b->router ? -1 : 1;
	return 0;
}

static int nh_qcmp(const void *a, const void *b)
{
	return nh_cmp(a, b);
}

/* Add next hop x to list[0..*n), kept sorted, without repeats, at most
 * SPF_MAX_NEXTHOPS (the lowest).  Cost: O(SPF_MAX_NEXTHOPS). */
static void nh6_add(struct nh6 *list, uint8_t *n, const struct nh6 *x)
{
	unsigned i;
	int c = 1;

	for (i = 0; i < *n && (c = nh_cmp(&list[i], x)) < 0; i++)
		;
	if ((i < *n && c == 0) || i == SPF_MAX_NEXTHOPS)
		return;
	if (*n == SPF_MAX_NEXTHOPS)
		(*n)--;                      /* the highest goes */
	memmove(&list[i + 1], &list[i], (*n - i) * sizeof(list[0]));
	list[i] = *x;
	(*n)++;
}

static void nh6_merge(struct nh6 *list, uint8_t *n, const struct nh6 *from, unsigned nfrom)
{
	for (unsigned i = 0; i < nfrom; i++)
		nh6_add(list, n, &from[i]);
}

/* nh6_add for a vertex's next hops, as indexes into its area's sorted
 * table: the same list, the same lowest SPF_MAX_NEXTHOPS kept.  Cost:
 * O(SPF_MAX_NEXTHOPS). */
static void nh_add(struct vtx *w, uint32_t x)
{
	unsigned i;

	for (i = 0; i < w->nnh && w->nh[i] < x; i++)
		;
	if ((i < w->nnh && w->nh[i] == x) || i == SPF_MAX_NEXTHOPS)
		return;
	if (w->nnh == SPF_MAX_NEXTHOPS)
		w->nnh--;                    /* the highest goes */
	memmove(&w->nh[i + 1], &w->nh[i], (w->nnh - i) * sizeof(w->nh[0]));
	w->nh[i] = x;
	w->nnh++;
}

/* Vertex v's (of area a) next hops, as nh6 in out[0..v->nnh), sorted. */
static const struct nh6 *vtx_nh(const struct area6 *a, const struct vtx *v, struct nh6 *out)
{
	for (unsigned i = 0; i < v->nnh; i++)
		out[i] = a->hop[v->nh[i]];
	return out;
}

/* The index of next hop x in a's table, NO_HOP if not there.  Cost:
 * O(log H). */
static uint32_t hop_find(const struct area6 *a, const struct nh6 *x)
{
	unsigned lo = 0, hi = a->nhop;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		int c = nh_cmp(&a->hop[mid], x);
		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NO_HOP;
}

/* Does router w have an interface of `type` (point-to-point or virtual),
 * id w_ifid, to (router, ifid)?  The two-way check of an edge from router
 * to w over router's interface ifid toward w's w_ifid. */
static bool links_back(const struct area6 *a, const struct vtx *w, uint8_t type, uint32_t router,
                       uint32_t ifid, uint32_t w_ifid)
{
	const struct lsa6_iface *b = &a->ifs[w->if0], *end = b + w->nif;

	for (; b < end; b++)
		if (b->type == type && b->nbr_router_id == router && b->nbr_iface_id == ifid &&
		    b->iface_id == w_ifid)
			return true;
	return false;
}

/* Does router w have a transit interface to network (dr, dr_ifid)?  If so,
 * *ifid gets w's interface id on it (its first such). */
static bool on_network(const struct area6 *a, const struct vtx *w, uint32_t dr, uint32_t dr_ifid,
                       uint32_t *ifid)
{
	const struct lsa6_iface *b = &a->ifs[w->if0], *end = b + w->nif;

	for (; b < end; b++) {
		if (b->type == LINK6_TRANSIT && b->nbr_router_id == dr && b->nbr_iface_id == dr_ifid) {
			*ifid = b->iface_id;
			return true;
		}
	}
	return false;
}

static bool network_lists(const struct vtx *n, uint32_t router)
{
	for (unsigned i = 0; i < n->l->u.network.nrouters; i++)
		if (lsa6_network_router(n->l, i) == router)
			return true;
	return false;
}

/* Router's link-local address on its interface ifid: from its link-LSA
 * held in area, all zero without one. */
static void link_local(const struct lsdb *db, uint32_t area, uint32_t router, uint32_t ifid,
                       uint8_t out[16])
{
	const struct lsdb_entry *e = lsdb_get(db, area, LSDB_V3 | LSA6_LINK, ifid, router);
	struct lsa6 l;

	memset(out, 0, 16);
	if (e != NULL && e->lsa.h.age < OSPF_MAX_AGE && decode(e, &l))
		memcpy(out, l.u.link.ll_addr, 16);
}

/* Binary search for vertex (kind, id).  Cost: O(log V). */
static int find_vtx(const struct area6 *a, uint8_t kind, uint64_t id)
{
	unsigned lo = kind == V_ROUTER ? 0 : a->nr, end = kind == V_ROUTER ? a->nr : a->n, hi = end;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (a->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < end && a->ids[lo] == id ? (int)lo : -1;
}

static uint64_t net_id(uint32_t dr, uint32_t dr_ifid)
{
	return (uint64_t)dr << 32 | dr_ifid;
}

/* Router id's vertex in area a if reached (not root), or NULL. */
static const struct vtx *reached_router(const struct area6 *a, uint32_t id)
{
	int i = find_vtx(a, V_ROUTER, id);

	if (i < 0 || i == a->root || a->v[i].dist == INF)
		return NULL;
	return &a->v[i];
}

/*
 * The nearest path to router `id` among the areas computed so far (only
 * area `only` when use_only), from a router whose flags have all of
 * need_flags; *ap gets its area.  NULL if none.  Cost: O(A log V).
 */
static const struct vtx *router_path(const struct spf6 *s, uint32_t id, uint32_t only, bool use_only,
                                     uint8_t need_flags, const struct area6 **ap)
{
	const struct vtx *best = NULL;

	for (unsigned k = 0; k < s->nas; k++) {
		if (use_only && s->as[k].area != only)
			continue;
		const struct vtx *v = reached_router(&s->as[k], id);
		if (v == NULL || (v->flags & need_flags) != need_flags)
			continue;
		if (best == NULL || v->dist < best->dist) {
			best = v;
			*ap = &s->as[k];
		}
	}
	return best;
}

/* The path to the far end of root's virtual link, router id: through a
 * transit area (not the backbone, root's router-LSA with the V flag), the
 * nearest; *ap gets its area.  NULL if none. */
static const struct vtx *virtual_path(const struct spf6 *s, uint32_t id, const struct area6 **ap)
{
	const struct vtx *best = NULL;

	for (unsigned k = 0; k < s->nas; k++) {
		const struct area6 *a = &s->as[k];
		if (a->area == 0 || !(a->v[a->root].flags & LSA6_ROUTER_V))
			continue;
		const struct vtx *v = reached_router(a, id);
		if (v != NULL && (best == NULL || v->dist < best->dist)) {
			best = v;
			*ap = a;
		}
	}
	return best;
}

/* --- one area ---------------------------------------------------------- */

/* An LSA of spf_collect's list and its key in the order vertices want. */
struct lkey {
	uint64_t key;                    /* adv_router << 32 | ls_id */
	unsigned i;
};

static int lkey_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct lkey *)a)->key, y = ((const struct lkey *)b)->key;

	return (x > y) - (x < y);
}

/* c's entries in (adv_router, ls_id) order, as a malloc'd array of indexes
 * into c->e (NULL when memory ran out, or c is empty). */
static struct lkey *by_router(const struct spf_collect *c)
{
	struct lkey *k = malloc((c->n ? c->n : 1) * sizeof(*k));

	if (k == NULL)
		return NULL;
	for (unsigned i = 0; i < c->n; i++)
		k[i] = (struct lkey){ (uint64_t)c->e[i]->lsa.h.adv_router << 32 | c->e[i]->lsa.h.ls_id, i };
	qsort(k, c->n, sizeof(*k), lkey_cmp);
	return k;
}

/* The candidate list's key of vertex i: networks before routers at equal
 * distance (RFC 2328 16.1 step 3, as spf.c). */
static unsigned cand_key(const struct area6 *a, unsigned i)
{
	return i >= a->nr ? i - a->nr : i + (a->n - a->nr);
}

static unsigned cand_vtx(const struct area6 *a, unsigned key)
{
	return key < a->n - a->nr ? key + a->nr : key - (a->n - a->nr);
}

struct hops {                        /* a list of next hops being gathered */
	struct nh6 *h;
	unsigned n, cap;
};

static bool hops_push(struct hops *l, const struct nh6 *x)
{
	if (l->n == l->cap) {
		unsigned cap = l->cap ? l->cap * 2 : 16;
		struct nh6 *h = realloc(l->h, cap * sizeof(*h));
		if (h == NULL)
			return false;
		l->h = h;
		l->cap = cap;
	}
	l->h[l->n++] = *x;
	return true;
}

/*
 * Area a's table of root's possible next hops: every next hop relax() can
 * give (root's point-to-point neighbours, the routers on the networks root
 * is on, the next hops of the far ends of root's virtual links in their
 * transit areas), maybe more, sorted and without repeats.  False when
 * memory ran out.  Cost: O(H log H) for the H gathered, plus their
 * link-local look-ups.
 */
static bool root_hops(struct spf6 *s, struct area6 *a)
{
	const struct vtx *r = &a->v[a->root];
	struct hops l = { 0 };
	struct nh6 x, nb[SPF_MAX_NEXTHOPS];
	bool ok = true;

	for (unsigned k = 0; k < r->nif && ok; k++) {
		const struct lsa6_iface *lk = &a->ifs[r->if0 + k];
		if (lk->type == LINK6_P2P) {
			link_local(s->db, a->area, lk->nbr_router_id, lk->nbr_iface_id, x.addr);
			x.ifid = lk->iface_id;
			x.router = lk->nbr_router_id;
			ok = hops_push(&l, &x);
		} else if (lk->type == LINK6_VIRTUAL) {
			const struct area6 *ta = NULL;
			const struct vtx *tv = virtual_path(s, lk->nbr_router_id, &ta);
			if (tv != NULL) {
				vtx_nh(ta, tv, nb);
				for (unsigned i = 0; i < tv->nnh && ok; i++)
					ok = hops_push(&l, &nb[i]);
			}
		} else if (lk->type == LINK6_TRANSIT) {
			int ni = find_vtx(a, V_NET, net_id(lk->nbr_router_id, lk->nbr_iface_id));
			if (ni < 0)
				continue;
			const struct lsa6 *nl = a->v[ni].l;
			for (unsigned i = 0; i < nl->u.network.nrouters && ok; i++) {
				uint32_t rid = lsa6_network_router(nl, i), w_ifid;
				int wi = find_vtx(a, V_ROUTER, rid);
				if (wi < 0 || !on_network(a, &a->v[wi], lk->nbr_router_id, lk->nbr_iface_id,
				                          &w_ifid))
					continue;
				link_local(s->db, a->area, rid, w_ifid, x.addr);
				x.ifid = lk->iface_id;
				x.router = rid;
				ok = hops_push(&l, &x);
			}
		}
	}
	if (!ok) {
		free(l.h);
		return false;
	}
	if (l.n > 1)
		qsort(l.h, l.n, sizeof(l.h[0]), nh_qcmp);
	a->nhop = 0;
	for (unsigned i = 0; i < l.n; i++)
		if (a->nhop == 0 || nh_cmp(&l.h[a->nhop - 1], &l.h[i]) != 0)
			l.h[a->nhop++] = l.h[i];
	a->hop = l.h;
	return true;
}

/*
 * Relax the edge v -> w of cost c (16.1 step 2) and compute w's next hops
 * (RFC 5340 4.8.2): lk is v's interface the edge leaves by (v a router),
 * w_ifid w's interface id on network v (v a network).  A virtual link of
 * root's with no transit path is not used.  Memory running out sets s->oom.
 */
static void relax(struct spf6 *s, struct area6 *a, unsigned vi, unsigned wi, uint32_t c,
                  const struct lsa6_iface *lk, uint32_t w_ifid, struct spf_cand *q)
{
	struct vtx *v = &a->v[vi], *w = &a->v[wi];
	uint32_t d = v->dist + c, h;
	const struct vtx *tv = NULL;
	const struct area6 *ta = NULL;
	struct nh6 x;

	if (w->done || d > w->dist || d < v->dist)     /* d < v->dist: overflow */
		return;
	if ((int)vi == a->root && w->kind == V_ROUTER && lk->type == LINK6_VIRTUAL &&
	    (tv = virtual_path(s, (uint32_t)w->id, &ta)) == NULL)
		return;                  /* the virtual link is down */
	if (d < w->dist) {
		w->dist = d;
		w->nnh = 0;
		w->attached = false;
		if (!spf_cand_push(q, d, cand_key(a, wi)))
			s->oom = true;
	}
	if ((int)vi == a->root) {
		if (w->kind == V_NET) {
			if (!w->attached)
				w->root_ifid = lk->iface_id;
			w->attached = true;
		} else if (tv != NULL) {
			for (unsigned i = 0; i < tv->nnh; i++)
				if ((h = hop_find(a, &ta->hop[tv->nh[i]])) != NO_HOP)
					nh_add(w, h);
		} else {
			link_local(s->db, a->area, (uint32_t)w->id, lk->nbr_iface_id, x.addr);
			x.ifid = lk->iface_id;
			x.router = (uint32_t)w->id;
			if ((h = hop_find(a, &x)) != NO_HOP)
				nh_add(w, h);
		}
	} else if (v->kind == V_NET && v->attached) {
		link_local(s->db, a->area, (uint32_t)w->id, w_ifid, x.addr);
		x.ifid = v->root_ifid;
		x.router = (uint32_t)w->id;
		if ((h = hop_find(a, &x)) != NO_HOP)
			nh_add(w, h);
	} else {
		for (unsigned i = 0; i < v->nnh; i++)
			nh_add(w, v->nh[i]);
	}
}

/* Build area's vertices from its router- and network-LSAs, each router's
 * interfaces decoded into a->ifs, and root's next hops (root_hops).  0, -1
 * if root has no router-LSA there, -2 if memory ran out. */
static int area_build(struct spf6 *s, uint32_t area, struct area6 *a)
{
	struct spf_collect rc = { 0 }, nc = { 0 };
	struct lkey *kr = NULL, *kn = NULL;
	unsigned nn = 0, nif = 0, cif = 0;
	struct lsa6 l;
	int ret = -2;

	memset(a, 0, sizeof(*a));
	a->area = area;
	spf_collect(s->db, area, LSDB_V3 | LSA6_ROUTER, &rc);
	spf_collect(s->db, area, LSDB_V3 | LSA6_NETWORK, &nc);
	if (rc.oom || nc.oom)
		goto out;
	if (rc.n == 0) {
		ret = -1;
		goto out;
	}
	kr = by_router(&rc);
	kn = by_router(&nc);
	a->net = malloc((nc.n ? nc.n : 1) * sizeof(*a->net));
	a->v = calloc(rc.n + nc.n, sizeof(*a->v));
	a->ids = malloc((rc.n + nc.n) * sizeof(*a->ids));
	a->ifs = malloc((cif = 4 * rc.n) * sizeof(*a->ifs));
	if (kr == NULL || kn == NULL || a->net == NULL || a->v == NULL || a->ids == NULL ||
	    a->ifs == NULL)
		goto out;
	for (unsigned i = 0; i < rc.n; i++) {
		if (!decode(rc.e[kr[i].i], &l))
			continue;
		if (a->n == 0 || a->v[a->n - 1].id != l.h.adv_router)
			a->v[a->n++] = (struct vtx){ .kind = V_ROUTER, .id = l.h.adv_router,
			                             .dist = INF, .flags = l.u.router.flags,
			                             .options = l.u.router.options, .if0 = nif };
		/* else another router-LSA of the same router: its interfaces follow */
		if (nif + l.u.router.nifaces > cif) {
			unsigned c = cif;
			while (c < nif + l.u.router.nifaces)
				c *= 2;
			struct lsa6_iface *f = realloc(a->ifs, c * sizeof(*f));
			if (f == NULL)
				goto out;
			a->ifs = f;
			cif = c;
		}
		for (struct lsa6_iface_cursor c = { 0 }; lsa6_router_iface_next(&l, &c, &a->ifs[nif]);)
			nif++;
		a->v[a->n - 1].nif = nif - a->v[a->n - 1].if0;
	}
	a->nr = a->n;
	for (unsigned i = 0; i < nc.n; i++) {
		if (!decode(nc.e[kn[i].i], &a->net[nn]))
			continue;
		a->v[a->n++] = (struct vtx){ .kind = V_NET,
		                             .id = net_id(a->net[nn].h.adv_router, a->net[nn].h.ls_id),
		                             .dist = INF, .l = &a->net[nn] };
		nn++;
	}
	for (unsigned i = 0; i < a->n; i++)
		a->ids[i] = a->v[i].id;
	if ((a->root = find_vtx(a, V_ROUTER, s->root)) < 0)
		ret = -1;
	else
		ret = root_hops(s, a) ? 0 : -2;
out:
	free(rc.e);
	free(nc.e);
	free(kr);
	free(kn);
	return ret;
}

/* Dijkstra over one area (16.1, RFC 5340 4.8.1).  0, -1 if root is not in
 * it, -2 if memory ran out. */
static int area_dijkstra(struct spf6 *s, uint32_t area, struct area6 *a)
{
	struct spf_cand q = { 0 };
	int ret = area_build(s, area, a);

	if (ret < 0)
		return ret;
	a->v[a->root].dist = 0;
	if (!spf_cand_push(&q, 0, cand_key(a, (unsigned)a->root)))
		return -2;
	while (q.n > 0) {
		uint64_t top = spf_cand_pop(&q);
		unsigned vi = cand_vtx(a, (uint32_t)top);
		struct vtx *v = &a->v[vi];

		if (v->done || v->dist != (uint32_t)(top >> 32))
			continue;           /* stale entry */
		v->done = true;
		if (v->kind == V_NET) {
			uint32_t dr = (uint32_t)(v->id >> 32), dr_ifid = (uint32_t)v->id, w_ifid;
			for (unsigned i = 0; i < v->l->u.network.nrouters; i++) {
				int wi = find_vtx(a, V_ROUTER, lsa6_network_router(v->l, i));
				if (wi >= 0 && on_network(a, &a->v[wi], dr, dr_ifid, &w_ifid))
					relax(s, a, vi, (unsigned)wi, 0, NULL, w_ifid, &q);
			}
			continue;
		}
		/* RFC 5340 A.2: no transit through a router without R or V6 */
		if ((int)vi != a->root &&
		    (v->options & (OSPF6_OPT_R | OSPF6_OPT_V6)) != (OSPF6_OPT_R | OSPF6_OPT_V6))
			continue;
		for (unsigned k = 0; k < v->nif; k++) {
			const struct lsa6_iface *lk = &a->ifs[v->if0 + k];
			int wi = -1;
			if (lk->type == LINK6_P2P || lk->type == LINK6_VIRTUAL) {
				wi = find_vtx(a, V_ROUTER, lk->nbr_router_id);
				if (wi >= 0 && !links_back(a, &a->v[wi], lk->type, (uint32_t)v->id,
				                           lk->iface_id, lk->nbr_iface_id))
					wi = -1;
			} else if (lk->type == LINK6_TRANSIT) {
				wi = find_vtx(a, V_NET, net_id(lk->nbr_router_id, lk->nbr_iface_id));
				if (wi >= 0 && !network_lists(&a->v[wi], (uint32_t)v->id))
					wi = -1;
			}
			if (wi >= 0)
				relax(s, a, vi, (unsigned)wi, lk->metric, lk, 0, &q);
		}
	}
	free(q.h);
	free(a->ifs);                /* not needed after */
	a->ifs = NULL;
	return s->oom ? -2 : 0;
}

static void area_free(struct area6 *a)
{
	free(a->net);
	free(a->ifs);
	free(a->v);
	free(a->ids);
	free(a->hop);
}

/* --- the routing table ------------------------------------------------- */

static void mask6(uint8_t out[16], const uint8_t *a, unsigned len)
{
	memset(out, 0, 16);
	memcpy(out, a, len / 8);
	if (len % 8)
		out[len / 8] = (uint8_t)(a[len / 8] & (0xff << (8 - len % 8)));
}

static unsigned rt_hash(const uint8_t prefix[16], uint8_t plen, unsigned size)
{
	uint64_t hi, lo;

	memcpy(&hi, prefix, 8);
	memcpy(&lo, prefix + 8, 8);
	uint64_t k = (hi * 0x9e3779b97f4a7c15ull) ^ ((lo ^ plen) * 0xc2b2ae3d27d4eb4full);
	return (unsigned)((k ^ k >> 29) * 0xff51afd7ed558ccdull >> 32) & (size - 1);
}

static struct route6 *rt_find(const struct rtab6 *rt, const uint8_t prefix[16], uint8_t plen)
{
	if (rt->size == 0)
		return NULL;
	for (unsigned h = rt_hash(prefix, plen, rt->size); rt->slot[h] != 0; h = (h + 1) & (rt->size - 1)) {
		struct route6 *r = &rt->t->r[rt->slot[h] - 1];
		if (r->plen == plen && memcmp(r->prefix, prefix, 16) == 0)
			return r;
	}
	return NULL;
}

static void rt_index(struct rtab6 *rt, unsigned i)
{
	const struct route6 *r = &rt->t->r[i];
	unsigned h = rt_hash(r->prefix, r->plen, rt->size);

	while (rt->slot[h] != 0)
		h = (h + 1) & (rt->size - 1);
	rt->slot[h] = i + 1;
}

static struct route6 *rt_add(struct rtab6 *rt, const uint8_t prefix[16], uint8_t plen)
{
	struct route6_table *t = rt->t;

	if (t->n == t->cap) {
		unsigned cap = t->cap ? t->cap * 2 : 64;
		struct route6 *r = realloc(t->r, cap * sizeof(*r));
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
	memcpy(t->r[t->n].prefix, prefix, 16);
	t->r[t->n].plen = plen;
	rt_index(rt, t->n);
	rt->lens[plen / 64] |= 1ull << (plen % 64);
	return &t->r[t->n++];
}

/* Offer a path to prefix/plen (prefix already masked): keep the best, merge
 * the next hops of equals.  An attached path brings no next hop, and one
 * equally good as paths through neighbours replaces them: a router delivers
 * to a network it is on itself, as FRR's ospf6d (and a kernel's connected
 * route) does -- its own p2p prefix whose interface cost went up to the
 * cost of a way round stays attached. */
static void offer(struct spf6 *s, const struct lsa6_prefix *p, uint8_t type, uint32_t cost,
                  uint32_t cost2, uint32_t area, bool attached, const struct nh6 *nh, unsigned nnh)
{
	struct route6 *r = rt_find(&s->rt, p->addr, p->len);
	int b;

	if (r == NULL) {
		if ((r = rt_add(&s->rt, p->addr, p->len)) == NULL) {
			s->oom = true;
			return;
		}
		b = 1;
	} else {
		b = spf_route_rank(r->type, r->cost, r->type2_cost, type, cost, cost2);
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
	if (attached) {
		r->attached = 1;
		r->nnh = 0;
	} else if (!r->attached) {
		nh6_merge(r->nh, &r->nnh, nh, nnh);
	}
}

/* The longest intra- or inter-area route holding addr, or NULL: the
 * look-up of a forwarding address (16.4 (3)).  Cost: O(129) probes. */
static const struct route6 *lookup_internal(const struct rtab6 *rt, const uint8_t addr[16])
{
	uint8_t m[16];

	for (int len = 128; len >= 0; len--) {
		if (!(rt->lens[len / 64] >> (len % 64) & 1))
			continue;
		mask6(m, addr, (unsigned)len);
		const struct route6 *r = rt_find(rt, m, (uint8_t)len);
		if (r != NULL && r->type <= RT_INTER)
			return r;
	}
	return NULL;
}

/* Intra-area routes of one area, from its intra-area-prefix-LSAs. */
static void intra_routes(struct spf6 *s, const struct area6 *a)
{
	struct spf_collect c = { 0 };
	struct lsa6 l;
	struct lsa6_prefix p;
	struct nh6 nb[SPF_MAX_NEXTHOPS];

	spf_collect(s->db, a->area, LSDB_V3 | LSA6_INTRA_PREFIX, &c);
	s->oom |= c.oom;
	for (unsigned i = 0; i < c.n; i++) {
		int vi;
		if (!decode(c.e[i], &l) || l.u.intra_prefix.ref_adv_router != l.h.adv_router)
			continue;
		if (l.u.intra_prefix.ref_type == LSA6_ROUTER)
			vi = find_vtx(a, V_ROUTER, l.h.adv_router);
		else if (l.u.intra_prefix.ref_type == LSA6_NETWORK)
			vi = find_vtx(a, V_NET, net_id(l.h.adv_router, l.u.intra_prefix.ref_ls_id));
		else
			continue;
		if (vi < 0 || a->v[vi].dist == INF)
			continue;
		const struct vtx *v = &a->v[vi];
		bool attached = vi == a->root || (v->kind == V_NET && v->attached);
		const struct nh6 *nh = vtx_nh(a, v, nb);
		for (struct lsa6_prefix_cursor pc = { 0 }; lsa6_prefix_next(&l, &pc, &p);) {
			uint32_t cost = v->dist + p.field;
			if ((p.options & LSA6_PREFIX_NU) || cost < v->dist)
				continue;
			offer(s, &p, RT_INTRA, cost, 0, a->area, attached, nh, v->nnh);
		}
	}
	free(c.e);
}

/* Inter-area routes (16.2) from one area's inter-area-prefix-LSAs, and its
 * inter-area-router-LSAs into the paths to ASBRs *asbr[0..*nasbr). */
static void inter_routes(struct spf6 *s, const struct area6 *a, struct asbr6 **asbr, unsigned *nasbr)
{
	struct spf_collect c = { 0 };
	struct lsa6 l;
	struct nh6 nb[SPF_MAX_NEXTHOPS];

	spf_collect(s->db, a->area, LSDB_V3 | LSA6_INTER_PREFIX, &c);
	s->oom |= c.oom;
	for (unsigned i = 0; i < c.n; i++) {
		const struct vtx *br;
		if (!decode(c.e[i], &l) || l.h.adv_router == s->root ||
		    l.u.inter_prefix.metric >= OSPF_LS_INFINITY ||
		    (l.u.inter_prefix.prefix.options & LSA6_PREFIX_NU))
			continue;
		br = reached_router(a, l.h.adv_router);
		if (br == NULL || !(br->flags & LSA6_ROUTER_B) ||
		    br->dist + l.u.inter_prefix.metric < br->dist)
			continue;
		/* an intra-area path, if any, outranks it in offer() */
		offer(s, &l.u.inter_prefix.prefix, RT_INTER, br->dist + l.u.inter_prefix.metric, 0,
		      a->area, false, vtx_nh(a, br, nb), br->nnh);
	}
	spf_collect(s->db, a->area, LSDB_V3 | LSA6_INTER_ROUTER, &c);
	s->oom |= c.oom;
	for (unsigned i = 0; i < c.n; i++) {
		const struct vtx *br;
		unsigned j;
		if (!decode(c.e[i], &l) || l.h.adv_router == s->root ||
		    l.u.inter_router.metric >= OSPF_LS_INFINITY || l.u.inter_router.dest == s->root)
			continue;
		br = reached_router(a, l.h.adv_router);
		if (br == NULL || !(br->flags & LSA6_ROUTER_B) ||
		    br->dist + l.u.inter_router.metric < br->dist)
			continue;
		uint32_t cost = br->dist + l.u.inter_router.metric;
		for (j = 0; j < *nasbr && (*asbr)[j].id != l.u.inter_router.dest; j++)
			;
		if (j == *nasbr) {
			struct asbr6 *na = realloc(*asbr, (*nasbr + 1) * sizeof(*na));
			if (na == NULL) {
				s->oom = true;
				continue;
			}
			*asbr = na;
			memset(&na[j], 0, sizeof(na[j]));
			na[j].id = l.u.inter_router.dest;
			na[j].cost = INF;
			(*nasbr)++;
		}
		struct asbr6 *x = &(*asbr)[j];
		if (cost < x->cost) {
			x->cost = cost;
			x->nnh = 0;
		}
		if (cost == x->cost)
			nh6_merge(x->nh, &x->nnh, vtx_nh(a, br, nb), br->nnh);
	}
	free(c.e);
}

static bool all_zero(const uint8_t *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i])
			return false;
	return true;
}

/* AS-external routes (scope LSDB_AS_SCOPE) or NSSA routes (scope: an area
 * root is in) (16.4, RFC 3101 2.5). */
static void external_routes(struct spf6 *s, const struct asbr6 *asbr, unsigned nasbr,
                            uint32_t scope, bool nssa)
{
	struct spf_collect c = { 0 };
	struct lsa6 l;

	spf_collect(s->db, scope, LSDB_V3 | (nssa ? LSA6_NSSA : LSA6_EXTERNAL), &c);
	s->oom |= c.oom;
	for (unsigned i = 0; i < c.n; i++) {
		struct nh6 fnh[SPF_MAX_NEXTHOPS];
		const struct nh6 *nh;
		const struct vtx *v;
		const struct area6 *pa = NULL;
		uint32_t x, parea = 0, metric;
		unsigned nnh;
		bool attached = false;

		if (!decode(c.e[i], &l) || l.h.adv_router == s->root)
			continue;
		metric = l.u.external.metric;
		if (metric >= OSPF_LS_INFINITY || (l.u.external.prefix.options & LSA6_PREFIX_NU))
			continue;
		if ((v = router_path(s, l.h.adv_router, scope, nssa, LSA6_ROUTER_E, &pa)) != NULL) {
			x = v->dist;
			parea = pa->area;
			nh = vtx_nh(pa, v, fnh);
			nnh = v->nnh;
		} else if (!nssa) {
			unsigned k;
			for (k = 0; k < nasbr && asbr[k].id != l.h.adv_router; k++)
				;
			if (k == nasbr)
				continue;
			x = asbr[k].cost;
			nh = asbr[k].nh;
			nnh = asbr[k].nnh;
		} else {
			continue;
		}
		if (l.u.external.has_fwd && !all_zero(l.u.external.fwd, 16)) {
			const struct route6 *fr = lookup_internal(&s->rt, l.u.external.fwd);
			if (fr == NULL)
				continue;
			/* fr moves if offer() grows the table: copy */
			x = fr->cost;
			nnh = fr->nnh;
			memcpy(fnh, fr->nh, nnh * sizeof(fnh[0]));
			nh = fnh;
			attached = fr->attached;
		}
		/* offer() ranks intra- and inter-area paths above any external */
		if (l.u.external.e2)
			offer(s, &l.u.external.prefix, nssa ? RT_N2 : RT_E2, x, metric, parea,
			      attached, nh, nnh);
		else if (x + metric >= x)
			offer(s, &l.u.external.prefix, nssa ? RT_N1 : RT_E1, x + metric, 0, parea,
			      attached, nh, nnh);
	}
	free(c.e);
}

int spf6_routes(const struct lsdb *db, uint32_t root, struct route6_table *rt)
{
	uint32_t areas[MAX_AREAS];
	unsigned nareas = lsdb_areas(db, areas, MAX_AREAS);
	struct spf6 s = { .db = db, .root = root, .rt = { .t = rt } };
	struct asbr6 *asbr = NULL;
	unsigned nasbr = 0;
	bool in_backbone = false, abr, ext = false;
	int ret = -1;

	rt->n = 0;
	if (nareas > MAX_AREAS)
		nareas = MAX_AREAS;
	if ((s.as = calloc(nareas ? nareas : 1, sizeof(*s.as))) == NULL)
		return -1;
	/* the backbone last: its virtual links need their transit areas
	 * (lsdb_areas gives them ascending: 0 first if present) */
	for (unsigned k = 0; k < nareas; k++) {
		uint32_t area = areas[0] == 0 ? areas[(k + 1) % nareas] : areas[k];
		int r = area_dijkstra(&s, area, &s.as[s.nas]);
		if (r == 0) {
			in_backbone |= area == 0;
			s.nas++;
			continue;
		}
		area_free(&s.as[s.nas]);
		if (r == -2)
			goto out;
	}
	if (s.nas == 0)
		goto out;
	abr = in_backbone && s.nas > 1;

	/* 16.1: intra-area routes of every area root is in */
	for (unsigned k = 0; k < s.nas; k++)
		intra_routes(&s, &s.as[k]);
	/* 16.2: inter-area routes; an ABR looks at the backbone's only */
	for (unsigned k = 0; k < s.nas; k++)
		if (!abr || s.as[k].area == 0)
			inter_routes(&s, &s.as[k], &asbr, &nasbr);
	/* 16.4: AS-external routes when root is in an area that carries them
	 * (its router-LSA there has the E option; stub areas and NSSAs do not),
	 * RFC 3101: NSSA routes in each area root is in */
	for (unsigned k = 0; k < s.nas; k++)
		ext |= (s.as[k].v[s.as[k].root].options & OSPF6_OPT_E) != 0;
	if (ext)
		external_routes(&s, asbr, nasbr, LSDB_AS_SCOPE, false);
	for (unsigned k = 0; k < s.nas; k++)
		external_routes(&s, asbr, nasbr, s.as[k].area, true);
	if (!s.oom) {
		route6_table_index(rt);
		ret = 0;
	}
out:
	for (unsigned k = 0; k < s.nas; k++)
		area_free(&s.as[k]);
	free(s.as);
	free(s.rt.slot);
	free(asbr);
	return ret;
}

void route6_table_free(struct route6_table *rt)
{
	free(rt->r);
	memset(rt, 0, sizeof(*rt));
}

/* --- look-ups ---------------------------------------------------------- */

static int route6_cmp(const void *a, const void *b)
{
	const struct route6 *x = a, *y = b;
	int c = memcmp(x->prefix, y->prefix, 16);

	if (c != 0)
		return c;
	return (x->plen > y->plen) - (x->plen < y->plen);
}

/* Does prefix/plen hold addr? */
static bool holds(const uint8_t prefix[16], unsigned plen, const uint8_t addr[16])
{
	if (memcmp(prefix, addr, plen / 8) != 0)
		return false;
	if (plen % 8 == 0)
		return true;
	uint8_t m = (uint8_t)(0xff << (8 - plen % 8));
	return (prefix[plen / 8] & m) == (addr[plen / 8] & m);
}

void route6_table_index(struct route6_table *rt)
{
	unsigned stack[130], depth = 0;

	if (rt->n > 1)
		qsort(rt->r, rt->n, sizeof(rt->r[0]), route6_cmp);
	/* sorted, a route comes after every route holding it: keep the chain of
	 * routes holding the current one on a stack (plens rise along it, so
	 * it is at most 129 deep) */
	for (unsigned i = 0; i < rt->n; i++) {
		struct route6 *r = &rt->r[i];
		while (depth > 0 && !(rt->r[stack[depth - 1]].plen < r->plen &&
		                      holds(rt->r[stack[depth - 1]].prefix, rt->r[stack[depth - 1]].plen,
		                            r->prefix)))
			depth--;
		r->up = depth > 0 ? stack[depth - 1] + 1 : 0;
		if (depth < sizeof(stack) / sizeof(stack[0]))
			stack[depth++] = i;
	}
}

/*
 * Why the walk up finds the longest match: let r be the last route sorting
 * at or before (addr, 128).  A route holding addr sorts at or before it, so
 * at or before r; if it holds addr and is not r, it starts at or before r's
 * prefix and ends at or after addr, past r's start: it holds r's prefix,
 * so (prefixes nest or are apart) it holds r or r holds it, and r holding
 * it would make r hold addr.  So every match is r or on r's up chain, and
 * the chain runs from longest to shortest.
 */
const struct route6 *route6_lookup(const struct route6_table *rt, const uint8_t addr[16])
{
	unsigned lo = 0, hi = rt->n;

	while (lo < hi) {                /* first route sorting after (addr, 128) */
		unsigned mid = lo + (hi - lo) / 2;
		if (memcmp(rt->r[mid].prefix, addr, 16) <= 0)   /* any plen <= 128 */
			lo = mid + 1;
		else
			hi = mid;
	}
	for (unsigned i = lo; i > 0; i = rt->r[i - 1].up) {
		const struct route6 *r = &rt->r[i - 1];
		if (holds(r->prefix, r->plen, addr))
			return r;
	}
	return NULL;
}
