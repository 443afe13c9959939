/*
 * The topology kept up to date one LSA at a time (topolive.h).  Records
 * live in treaps keyed by words (area first), with priorities from a PRNG
 * seeded per instance, so no order of arrival makes them deep:
 *   nodes     (area, router id): a router-LSA's contribution, and the counts
 *             that say whether the router is up or missing;
 *   groups    (area, type, lo, hi): the point-to-point or virtual links
 *             between two routers, as the pairing of topo_build makes them;
 *   nets      (area, network id): its network-LSAs by advertising router
 *             (the lowest is the one used), the transit links naming it;
 *   pgroups   (area, kind, prefix, mask, router): the prefixes of one key
 *             other than stubs (stubs are their router's);
 *   others    (area, type, ls_id, adv): a summary's or external's prefix;
 *   areas, rids, missing: router counts per area, areas per router id,
 *             and the missing LSAs in the topology's order;
 *   dirty     what changed since the last commit, as it was then.
 * Every change first saves ("touches") what it is about to modify, then
 * modifies it; the commit gathers the saved and present states of what was
 * touched into two partial topologies and lets topo_diff compare them: as
 * every element of a key lives in one record, and only touched records
 * changed, that is the full diff.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "sortwork.h"
#include "topolive.h"


/* ---- treaps keyed by words ---- */

struct tnode {
	struct tnode *l, *r;
	uint32_t prio;
};

/* Every record begins with a struct tnode followed by uint32_t k[N], its
 * key. */
struct keyed {
	struct tnode tn;
	uint32_t k[6];
};

static const uint32_t *key_of(const struct tnode *n)
{
	return (const uint32_t *)((const char *)n + offsetof(struct keyed, k));
}

struct topo_live {
	uint64_t rng;
	uint64_t work;
	bool track;                  /* save what changes (off while loading) */
	bool oom;
	struct tnode *nodes, *groups, *nets, *pgroups, *others, *areas, *rids, *missing, *dirty;
	unsigned nrids, missing_routers, missing_networks;
};

static int kcmp(struct topo_live *tl, const uint32_t *a, const struct tnode *n, unsigned len)
{
	const uint32_t *b = key_of(n);

	tl->work++;
	for (unsigned i = 0; i < len; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

static uint32_t prio(struct topo_live *tl)
{
	uint64_t x = tl->rng;              /* xorshift64 */

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	tl->rng = x;
	return (uint32_t)(x >> 32);
}

static struct tnode *t_find(struct topo_live *tl, struct tnode *n, const uint32_t *key, unsigned len)
{
	while (n != NULL) {
		int c = kcmp(tl, key, n, len);
		if (c == 0)
			return n;
		n = c < 0 ? n->l : n->r;
	}
	return NULL;
}

static struct tnode *rot_r(struct tnode *x)
{
	struct tnode *y = x->l;

	x->l = y->r;
	y->r = x;
	return y;
}

static struct tnode *rot_l(struct tnode *x)
{
	struct tnode *y = x->r;

	x->r = y->l;
	y->l = x;
	return y;
}

static struct tnode *t_ins(struct topo_live *tl, struct tnode *root, struct tnode *n, unsigned len)
{
	if (root == NULL)
		return n;
	if (kcmp(tl, key_of(n), root, len) < 0) {
		root->l = t_ins(tl, root->l, n, len);
		if (root->l->prio > root->prio)
			root = rot_r(root);
	} else {
		root->r = t_ins(tl, root->r, n, len);
		if (root->r->prio > root->prio)
			root = rot_l(root);
	}
	return root;
}

/* Insert n (its key set, not already in the tree). */
static void t_insert(struct topo_live *tl, struct tnode **root, struct tnode *n, unsigned len)
{
	n->l = n->r = NULL;
	n->prio = prio(tl);
	*root = t_ins(tl, *root, n, len);
}

static struct tnode *t_merge(struct tnode *a, struct tnode *b)
{
	if (a == NULL)
		return b;
	if (b == NULL)
		return a;
	if (a->prio > b->prio) {
		a->r = t_merge(a->r, b);
		return a;
	}
	b->l = t_merge(a, b->l);
	return b;
}

/* Take the record of key out of the tree; returns it (NULL if none). */
static struct tnode *t_remove(struct topo_live *tl, struct tnode **root, const uint32_t *key,
                              unsigned len)
{
	struct tnode **pp = root;

	while (*pp != NULL) {
		int c = kcmp(tl, key, *pp, len);
		if (c == 0) {
			struct tnode *n = *pp;
			*pp = t_merge(n->l, n->r);
			return n;
		}
		pp = c < 0 ? &(*pp)->l : &(*pp)->r;
	}
	return NULL;
}

static struct tnode *t_first(struct tnode *n)
{
	if (n != NULL)
		while (n->l != NULL)
			n = n->l;
	return n;
}

/* In order; fn returns false to stop.  Returns false if stopped. */
static bool t_walk(struct tnode *n, bool (*fn)(void *ctx, struct tnode *n), void *ctx)
{
	while (n != NULL) {
		if (!t_walk(n->l, fn, ctx) || !fn(ctx, n))
			return false;
		n = n->r;
	}
	return true;
}

static void t_free(struct tnode *n, void (*fn)(struct tnode *n))
{
	while (n != NULL) {
		struct tnode *r = n->r;
		t_free(n->l, fn);
		fn(n);
		n = r;
	}
}

/* ---- growable arrays ---- */

static bool grow(struct topo_live *tl, void *pp, unsigned *cap, unsigned n, size_t sz)
{
	void **p = pp, *q;
	unsigned c;

	if (n < *cap)
		return true;
	c = *cap ? *cap * 2 : 16;
	if ((q = realloc(*p, (size_t)c * sz)) == NULL) {
		tl->oom = true;
		return false;
	}
	*p = q;
	*cap = c;
	return true;
}

/* ---- records ---- */

/* A point-to-point or virtual link end of a router-LSA. */
struct half_e {
	uint32_t to, addr;
	uint16_t metric;
	uint8_t type;
};

struct stub_e {
	uint32_t prefix, mask, metric;
};

/* A missing LSA's place in tl->missing: key (area, kind, id). */
struct miss {
	struct tnode tn;
	uint32_t k[3];
	bool in;
};

struct node {
	struct tnode tn;
	uint32_t k[2];               /* area, router id */
	struct miss ms;
	bool has_lsa;                /* its router-LSA is held */
	uint8_t flags;
	uint32_t lens;               /* bit L: a stub of contiguous mask length L < 32 */
	struct half_e *h;            /* by (type, to, addr, metric) */
	struct stub_e *s;            /* by (prefix, mask, metric) */
	struct topo_link *tr;        /* transit links by (b, a_addr, cost_ab) */
	unsigned nh, ns, ntr;
	unsigned nway;               /* two-way links it is an end of */
	unsigned refs;               /* link ends towards it; networks naming it
	                                (DR or attached) */
};

struct group {
	struct tnode tn;
	uint32_t k[4];               /* area, type, lo, hi */
	struct topo_link *l;         /* by topo_link_order */
	unsigned n;
};

/* One network-LSA (in its network's tree, by advertising router). */
struct inst {
	struct tnode tn;
	uint32_t k[1];               /* advertising router: the DR */
	uint32_t mask;
	uint32_t *att;               /* as listed */
	uint32_t *sorted;
	unsigned natt;
};

struct net {
	struct tnode tn;
	uint32_t k[2];               /* area, network id */
	struct miss ms;
	struct tnode *inst;          /* the first is the one used */
	unsigned tref;               /* transit links naming it */
};

struct pgroup {
	struct tnode tn;
	uint32_t k[5];               /* area, kind, prefix, mask, router */
	struct topo_prefix *v;       /* by topo_prefix_order */
	unsigned n, cap;
};

struct other {
	struct tnode tn;
	uint32_t k[4];               /* area, type, ls_id, adv */
	struct topo_prefix p;
};

struct counter {
	struct tnode tn;
	uint32_t k[1];               /* area (areas) or router id (rids) */
	unsigned n;
	uint32_t x;                  /* areas: xor of the router ids */
};

enum { D_ROUTER = 0, D_STUBS, D_TRANSIT, D_GROUP, D_PREFIX };

/* What a touched record held at the last commit. */
struct dirty {
	struct tnode tn;
	uint32_t k[6];               /* D_*, then the record's key */
	struct topo_router r;
	bool had;                    /* D_ROUTER: the router was there */
	struct topo_link *l;
	struct topo_prefix *p;
	unsigned n;
};

static struct node *node_find(struct topo_live *tl, uint32_t area, uint32_t id)
{
	uint32_t k[2] = { area, id };

	return (struct node *)t_find(tl, tl->nodes, k, 2);
}

/* Key a new element (area, id), and its missing-element entry (area, kind,
 * id): what node_get and net_get share. */
static void elem_key(uint32_t *k, struct miss *ms, uint32_t area, uint32_t kind, uint32_t id)
{
	k[0] = ms->k[0] = area;
	k[1] = ms->k[2] = id;
	ms->k[1] = kind;
}

static struct node *node_get(struct topo_live *tl, uint32_t area, uint32_t id)
{
	struct node *x = node_find(tl, area, id);

	if (x != NULL || (x = calloc(1, sizeof(*x))) == NULL) {
		tl->oom |= x == NULL;
		return x;
	}
	elem_key(x->k, &x->ms, area, TM_ROUTER, id);
	t_insert(tl, &tl->nodes, &x->tn, 2);
	return x;
}

static void node_free(struct tnode *n)
{
	struct node *x = (struct node *)n;

	free(x->h);
	free(x->s);
	free(x->tr);
	free(x);
}

static struct net *net_find(struct topo_live *tl, uint32_t area, uint32_t id)
{
	uint32_t k[2] = { area, id };

	return (struct net *)t_find(tl, tl->nets, k, 2);
}

static struct net *net_get(struct topo_live *tl, uint32_t area, uint32_t id)
{
	struct net *x = net_find(tl, area, id);

	if (x != NULL || (x = calloc(1, sizeof(*x))) == NULL) {
		tl->oom |= x == NULL;
		return x;
	}
	elem_key(x->k, &x->ms, area, TM_NETWORK, id);
	t_insert(tl, &tl->nets, &x->tn, 2);
	return x;
}

static void inst_free(struct tnode *n)
{
	struct inst *x = (struct inst *)n;

	if (x == NULL)
		return;
	free(x->att);
	free(x->sorted);
	free(x);
}

static void net_free(struct tnode *n)
{
	struct net *x = (struct net *)n;

	t_free(x->inst, inst_free);
	free(x);
}

static struct inst *net_used(const struct net *x)
{
	return x == NULL ? NULL : (struct inst *)t_first(x->inst);
}

static unsigned area_routers(struct topo_live *tl, uint32_t area)
{
	struct counter *a = (struct counter *)t_find(tl, tl->areas, &area, 1);

	return a == NULL ? 0 : a->n;
}

/* The router element of x as topo_build makes it. */
static struct topo_router router_of(struct topo_live *tl, const struct node *x)
{
	return (struct topo_router){ x->k[0], x->k[1], x->flags,
	                             x->nway > 0 || area_routers(tl, x->k[0]) == 1, false };
}

static struct topo_prefix stub_prefix(const struct node *x, const struct stub_e *s)
{
	return (struct topo_prefix){ .area = x->k[0], .kind = TP_STUB, .prefix = s->prefix,
	                             .mask = s->mask, .router = x->k[1], .cost = s->metric };
}

/* ---- missing LSAs ---- */

static void miss_set(struct topo_live *tl, struct miss *m, bool want)
{
	if (want == m->in)
		return;
	if (want)
		t_insert(tl, &tl->missing, &m->tn, 3);
	else
		t_remove(tl, &tl->missing, m->k, 3);
	m->in = want;
	if (m->k[1] == TM_ROUTER)
		tl->missing_routers += want ? 1 : -1;
	else
		tl->missing_networks += want ? 1 : -1;
}

/* Update whether router (area, id) is missing, and free its record if
 * nothing refers to it any more. */
static void node_settle(struct topo_live *tl, uint32_t area, uint32_t id)
{
	uint32_t k[2] = { area, id };
	struct node *x = node_find(tl, area, id);

	if (x == NULL)
		return;
	miss_set(tl, &x->ms, !x->has_lsa && x->refs > 0);
	if (!x->has_lsa && x->refs == 0 && x->nway == 0 && x->nh == 0 && x->ns == 0 &&
	    x->ntr == 0 && !x->ms.in)
		node_free(t_remove(tl, &tl->nodes, k, 2));
}

static void net_settle(struct topo_live *tl, uint32_t area, uint32_t id)
{
	uint32_t k[2] = { area, id };
	struct net *x = net_find(tl, area, id);

	if (x == NULL)
		return;
	miss_set(tl, &x->ms, x->inst == NULL && x->tref > 0);
	if (x->inst == NULL && x->tref == 0 && !x->ms.in)
		net_free(t_remove(tl, &tl->nets, k, 2));
}

/* ---- saving what is about to change ---- */

/* A new record for key k, or NULL when already saved (or not tracking). */
static struct dirty *dirty_new(struct topo_live *tl, const uint32_t *k)
{
	struct dirty *d;

	if (!tl->track || t_find(tl, tl->dirty, k, 6) != NULL)
		return NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		tl->oom = true;
		return NULL;
	}
	memcpy(d->k, k, sizeof(d->k));
	t_insert(tl, &tl->dirty, &d->tn, 6);
	return d;
}

static void dirty_free(struct tnode *n)
{
	struct dirty *d = (struct dirty *)n;

	free(d->l);
	free(d->p);
	free(d);
}

static void touch_router(struct topo_live *tl, const struct node *x)
{
	uint32_t k[6] = { D_ROUTER, x->k[0], x->k[1], 0, 0, 0 };
	struct dirty *d = dirty_new(tl, k);

	if (d == NULL)
		return;
	d->had = x->has_lsa;
	d->r = router_of(tl, x);
}

static bool save_links(struct topo_live *tl, struct dirty *d, const struct topo_link *l, unsigned n)
{
	d->n = n;
	tl->work += n;
	if (n == 0)
		return true;
	if ((d->l = malloc(n * sizeof(*l))) == NULL) {
		tl->oom = true;
		return false;
	}
	memcpy(d->l, l, n * sizeof(*l));
	return true;
}

static void touch_stubs(struct topo_live *tl, const struct node *x)
{
	uint32_t k[6] = { D_STUBS, x->k[0], x->k[1], 0, 0, 0 };
	struct dirty *d = dirty_new(tl, k);

	if (d == NULL || x->ns == 0)
		return;
	if ((d->p = malloc(x->ns * sizeof(*d->p))) == NULL) {
		tl->oom = true;
		return;
	}
	for (unsigned i = 0; i < x->ns; i++)
		d->p[i] = stub_prefix(x, &x->s[i]);
	d->n = x->ns;
	tl->work += x->ns;
}

/* x's transit links to network `net`: [*from, *to). */
static void transit_range(struct topo_live *tl, const struct node *x, uint32_t net, unsigned *from,
                          unsigned *to)
{
	unsigned lo = 0, hi = x->ntr;

	tl->work += 2 * lg(x->ntr + 1);
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (x->tr[mid].b < net)
			lo = mid + 1;
		else
			hi = mid;
	}
	*from = lo;
	for (hi = x->ntr; lo < hi;) {
		unsigned mid = lo + (hi - lo) / 2;
		if (x->tr[mid].b <= net)
			lo = mid + 1;
		else
			hi = mid;
	}
	*to = lo;
}

static void touch_transit(struct topo_live *tl, const struct node *x, uint32_t net)
{
	uint32_t k[6] = { D_TRANSIT, x->k[0], x->k[1], net, 0, 0 };
	struct dirty *d = dirty_new(tl, k);
	unsigned i, j;

	if (d == NULL)
		return;
	transit_range(tl, x, net, &i, &j);
	save_links(tl, d, j > i ? x->tr + i : NULL, j - i);
}

static void touch_group(struct topo_live *tl, const uint32_t *gk, const struct group *g)
{
	uint32_t k[6] = { D_GROUP, gk[0], gk[1], gk[2], gk[3], 0 };
	struct dirty *d = dirty_new(tl, k);

	if (d != NULL && g != NULL)
		save_links(tl, d, g->l, g->n);
}

static void touch_prefix(struct topo_live *tl, const uint32_t *pk, const struct pgroup *g)
{
	uint32_t k[6] = { D_PREFIX, pk[0], pk[1], pk[2], pk[3], pk[4] };
	struct dirty *d = dirty_new(tl, k);

	if (d == NULL || g == NULL || g->n == 0)
		return;
	if ((d->p = malloc(g->n * sizeof(*d->p))) == NULL) {
		tl->oom = true;
		return;
	}
	memcpy(d->p, g->v, g->n * sizeof(*d->p));
	d->n = g->n;
	tl->work += g->n;
}

/* ---- counts per area and per router id ---- */

/* Router id of x gains (has) or loses its router-LSA in its area.  The
 * router alone in the area before or after is touched: its "up" changes. */
static void area_change(struct topo_live *tl, const struct node *x, bool has)
{
	uint32_t area = x->k[0], id = x->k[1];
	struct counter *a = (struct counter *)t_find(tl, tl->areas, &area, 1);
	struct counter *r = (struct counter *)t_find(tl, tl->rids, &id, 1);
	struct node *alone;

	if (has) {
		if (a == NULL) {
			if ((a = calloc(1, sizeof(*a))) == NULL) {
				tl->oom = true;
				return;
			}
			a->k[0] = area;
			t_insert(tl, &tl->areas, &a->tn, 1);
		}
		if (r == NULL) {
			if ((r = calloc(1, sizeof(*r))) == NULL) {
				tl->oom = true;
				return;
			}
			r->k[0] = id;
			t_insert(tl, &tl->rids, &r->tn, 1);
			tl->nrids++;
		}
		if (a->n == 1 && (alone = node_find(tl, area, a->x)) != NULL)
			touch_router(tl, alone);
		a->n++;
		a->x ^= id;
		r->n++;
		return;
	}
	if (a == NULL || r == NULL)
		abort();                       /* a router-LSA held is counted */
	if (a->n == 2 && (alone = node_find(tl, area, a->x ^ id)) != NULL)
		touch_router(tl, alone);
	a->x ^= id;
	if (--a->n == 0)
		free(t_remove(tl, &tl->areas, &area, 1));
	if (--r->n == 0) {
		free(t_remove(tl, &tl->rids, &id, 1));
		tl->nrids--;
	}
}

/* ---- prefixes other than stubs ---- */

static void prefix_key(const struct topo_prefix *p, uint32_t *k)
{
	k[0] = p->area;
	k[1] = p->kind;
	k[2] = p->prefix;
	k[3] = p->mask;
	k[4] = p->router;
}

/* Where p goes in g (the first element not before it). */
static unsigned pgroup_at(struct topo_live *tl, const struct pgroup *g, const struct topo_prefix *p)
{
	unsigned lo = 0, hi = g->n;

	tl->work += lg(g->n + 1);
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (topo_prefix_order(&g->v[mid], p) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void prefix_add(struct topo_live *tl, const struct topo_prefix *p)
{
	uint32_t k[5];
	struct pgroup *g;
	unsigned at;

	prefix_key(p, k);
	g = (struct pgroup *)t_find(tl, tl->pgroups, k, 5);
	touch_prefix(tl, k, g);
	if (g == NULL) {
		if ((g = calloc(1, sizeof(*g))) == NULL) {
			tl->oom = true;
			return;
		}
		memcpy(g->k, k, sizeof(k));
		t_insert(tl, &tl->pgroups, &g->tn, 5);
	}
	if (!grow(tl, &g->v, &g->cap, g->n, sizeof(*g->v)))
		return;
	at = pgroup_at(tl, g, p);
	memmove(g->v + at + 1, g->v + at, (g->n - at) * sizeof(*g->v));
	g->v[at] = *p;
	g->n++;
	tl->work += g->n - at;
}

static void prefix_remove(struct topo_live *tl, const struct topo_prefix *p)
{
	uint32_t k[5];
	struct pgroup *g;
	unsigned at;

	prefix_key(p, k);
	if ((g = (struct pgroup *)t_find(tl, tl->pgroups, k, 5)) == NULL)
		abort();                       /* every prefix added is held */
	touch_prefix(tl, k, g);
	at = pgroup_at(tl, g, p);
	if (at == g->n || topo_prefix_order(&g->v[at], p) != 0)
		abort();
	memmove(g->v + at, g->v + at + 1, (g->n - at - 1) * sizeof(*g->v));
	g->n--;
	tl->work += g->n - at + 1;
	if (g->n == 0) {
		t_remove(tl, &tl->pgroups, k, 5);
		free(g->v);
		free(g);
	}
}

/* ---- summaries and externals ---- */

static void set_other(struct topo_live *tl, uint32_t area, uint8_t type, uint32_t ls_id,
                      uint32_t adv, const struct lsa *l)
{
	uint32_t k[4] = { area, type, ls_id, adv };
	struct other *o = (struct other *)t_find(tl, tl->others, k, 4);
	struct topo_prefix p = { .area = area };

	if (l != NULL) {
		switch (type) {
		case LSA_SUMMARY:
			p.kind = TP_SUMMARY;
			p.mask = l->u.summary.mask;
			p.cost = l->u.summary.metric;
			break;
		case LSA_ASBR_SUMMARY:
			p.kind = TP_ASBR_SUMMARY;
			p.mask = 0xffffffffu;
			p.cost = l->u.summary.metric;
			break;
		default:                       /* LSA_EXTERNAL, LSA_NSSA */
			p.kind = type == LSA_NSSA ? TP_NSSA : TP_EXTERNAL;
			p.mask = l->u.external.mask;
			p.cost = l->u.external.metric;
			p.e2 = l->u.external.e2;
			p.fwd = l->u.external.fwd;
			p.tag = l->u.external.tag;
			break;
		}
		p.prefix = ls_id & p.mask;
		p.router = adv;
		if (o != NULL && topo_prefix_order(&o->p, &p) == 0)
			return;
	}
	if (o != NULL) {
		prefix_remove(tl, &o->p);
		if (l == NULL) {
			free(t_remove(tl, &tl->others, k, 4));
			return;
		}
	} else if (l != NULL) {
		if ((o = calloc(1, sizeof(*o))) == NULL) {
			tl->oom = true;
			return;
		}
		memcpy(o->k, k, sizeof(k));
		t_insert(tl, &tl->others, &o->tn, 4);
	} else {
		return;
	}
	o->p = p;
	prefix_add(tl, &p);
}

/* ---- point-to-point and virtual links: pairing ---- */

static int half_order(const void *pa, const void *pb)
{
	const struct half_e *a = pa, *b = pb;

	CMP(a->type, b->type);
	CMP(a->to, b->to);
	CMP(a->addr, b->addr);
	CMP(a->metric, b->metric);
	return 0;
}

static int stub_order(const void *pa, const void *pb)
{
	const struct stub_e *a = pa, *b = pb;

	CMP(a->prefix, b->prefix);
	CMP(a->mask, b->mask);
	CMP(a->metric, b->metric);
	return 0;
}

static int transit_order(const void *pa, const void *pb)
{
	const struct topo_link *a = pa, *b = pb;

	CMP(a->b, b->b);
	CMP(a->a_addr, b->a_addr);
	CMP(a->cost_ab, b->cost_ab);
	return 0;
}

/* x's link ends of `type` towards `to`: [*from, *end). */
static void half_range(struct topo_live *tl, const struct node *x, uint8_t type, uint32_t to,
                       unsigned *from, unsigned *end)
{
	unsigned lo = 0, hi;

	if (x == NULL) {
		*from = *end = 0;
		return;
	}
	tl->work += 2 * lg(x->nh + 1);
	for (hi = x->nh; lo < hi;) {
		unsigned mid = lo + (hi - lo) / 2;
		if (x->h[mid].type < type || (x->h[mid].type == type && x->h[mid].to < to))
			lo = mid + 1;
		else
			hi = mid;
	}
	*from = lo;
	for (hi = x->nh; lo < hi;) {
		unsigned mid = lo + (hi - lo) / 2;
		if (x->h[mid].type < type || (x->h[mid].type == type && x->h[mid].to <= to))
			lo = mid + 1;
		else
			hi = mid;
	}
	*end = lo;
}

/* The most specific stub subnet of router x (contiguous masks of 0 to 31
 * bits: other masks name no subnet, topo.h) that holds addr, as a number
 * ordered as the subnets are, or 0 for none. */
static uint64_t subnet_of(struct topo_live *tl, const struct node *x, uint32_t addr)
{
	for (int len = 31; len >= 0; len--) {
		uint32_t mask = len ? 0xffffffffu << (32 - len) : 0;
		struct stub_e key = { addr & mask, mask, 0 };
		unsigned lo = 0, hi = x->ns;

		if (!(x->lens & 1u << len))
			continue;
		tl->work += lg(x->ns + 1);
		while (lo < hi) {
			unsigned mid = lo + (hi - lo) / 2;
			if (stub_order(&x->s[mid], &key) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < x->ns && x->s[lo].prefix == key.prefix && x->s[lo].mask == mask)
			return ((uint64_t)key.prefix << 32 | mask) + 1;
	}
	return 0;
}

/*
 * The links of group (area, type, lo, hi) from the ends lo and hi list
 * towards each other, paired as topo_build pairs them (topo_pair_ends:
 * lo's side first, subnets of lo); the others one-way.  Sorted by
 * topo_link_order into *out (malloc'd, NULL when none).  False when memory
 * ran out.  O(g log g) for g ends.
 */
static bool group_links(struct topo_live *tl, uint32_t area, uint8_t type, const struct node *xlo,
                        const struct node *xhi, uint32_t lo, uint32_t hi,
                        struct topo_link **out, unsigned *nout)
{
	unsigned l0, l1, h0, h1, nl, nh, np, n = 0;
	const struct half_e *L, *H;
	struct topo_link *v;
	uint64_t *sub;
	bool *used;
	unsigned (*pair)[2];

	*out = NULL;
	*nout = 0;
	half_range(tl, xlo, type, hi, &l0, &l1);
	if (lo != hi)
		half_range(tl, xhi, type, lo, &h0, &h1);
	else
		h0 = h1 = 0;
	nl = l1 - l0;
	nh = h1 - h0;
	if (nl + nh == 0)
		return true;
	L = nl > 0 ? xlo->h + l0 : NULL;
	H = nh > 0 ? xhi->h + h0 : NULL;
	v = malloc((nl + nh) * sizeof(*v));
	sub = malloc((nl + nh) * sizeof(*sub));
	used = malloc((nl + nh) * sizeof(*used));
	pair = malloc((nl + nh) * sizeof(*pair));
	if (v != NULL && sub != NULL && used != NULL && pair != NULL) {
		tl->work += nl + nh;
		for (unsigned x = 0; x < nl; x++)
			sub[x] = nh > 0 ? subnet_of(tl, xlo, L[x].addr) : 0;
		for (unsigned y = 0; y < nh; y++)
			sub[nl + y] = nl > 0 ? subnet_of(tl, xlo, H[y].addr) : 0;
		np = topo_pair_ends(sub, nl, nh, used, pair, &tl->work);
	} else {
		np = UINT_MAX;
	}
	if (np == UINT_MAX) {
		free(v);
		free(sub);
		free(used);
		free(pair);
		tl->oom = true;
		return false;
	}
	for (unsigned k = 0; k < np; k++) {
		unsigned a = pair[k][0], b = pair[k][1] - nl;
		v[n++] = (struct topo_link){ .area = area, .type = type, .two_way = true,
		         .a = lo, .b = hi, .a_addr = L[a].addr, .b_addr = H[b].addr,
		         .cost_ab = L[a].metric, .cost_ba = H[b].metric };
	}
	for (unsigned x = 0; x < nl; x++)
		if (!used[x])
			v[n++] = (struct topo_link){ .area = area, .type = type, .a = lo, .b = hi,
			         .a_addr = L[x].addr, .cost_ab = L[x].metric };
	for (unsigned y = 0; y < nh; y++)
		if (!used[nl + y])
			v[n++] = (struct topo_link){ .area = area, .type = type, .a = hi, .b = lo,
			         .a_addr = H[y].addr, .cost_ab = H[y].metric };
	if (n > 1)
		qsort(v, n, sizeof(*v), topo_link_order);
	tl->work += n + SORT_WORK(n);
	free(sub);
	free(used);
	free(pair);
	*out = v;
	*nout = n;
	return true;
}

/* Recompute the links between lo and hi (lo <= hi) after either changed. */
static void group_update(struct topo_live *tl, uint32_t area, uint8_t type, uint32_t lo, uint32_t hi)
{
	uint32_t k[4] = { area, type, lo, hi };
	struct group *g = (struct group *)t_find(tl, tl->groups, k, 4);
	struct node *xlo = node_find(tl, area, lo), *xhi = lo == hi ? xlo : node_find(tl, area, hi);
	struct topo_link *v;
	unsigned n, tw_old = 0, tw_new = 0;

	if (!group_links(tl, area, type, xlo, xhi, lo, hi, &v, &n))
		return;
	if (g == NULL && n == 0)
		return;
	if (g != NULL && g->n == n) {
		unsigned i = 0;
		while (i < n && topo_link_order(&g->l[i], &v[i]) == 0)
			i++;
		tl->work += i;
		if (i == n) {
			free(v);
			return;
		}
	}
	touch_group(tl, k, g);
	for (unsigned i = 0; g != NULL && i < g->n; i++)
		tw_old += g->l[i].two_way;
	for (unsigned i = 0; i < n; i++)
		tw_new += v[i].two_way;
	if (tw_old != tw_new) {              /* two-way links: both ends exist */
		touch_router(tl, xlo);
		touch_router(tl, xhi);
		xlo->nway += tw_new - tw_old;
		xhi->nway += tw_new - tw_old;
	}
	if (n == 0) {
		t_remove(tl, &tl->groups, k, 4);
		free(g->l);
		free(g);
		return;
	}
	if (g == NULL) {
		if ((g = calloc(1, sizeof(*g))) == NULL) {
			free(v);
			tl->oom = true;
			return;
		}
		memcpy(g->k, k, sizeof(k));
		t_insert(tl, &tl->groups, &g->tn, 4);
	}
	free(g->l);
	g->l = v;
	g->n = n;
}

/* ---- router-LSAs ---- */

struct rparse {
	uint8_t flags;
	uint32_t lens;
	struct half_e *h;
	struct stub_e *s;
	struct topo_link *tr;
	unsigned nh, ns, ntr;
};

static void rparse_free(struct rparse *p)
{
	free(p->h);
	free(p->s);
	free(p->tr);
}

/* a holding n elements of size sz, shrunk to them (NULL when none). */
static void *fit(void *a, unsigned n, size_t sz)
{
	void *q;

	if (n == 0) {
		free(a);
		return NULL;
	}
	q = realloc(a, n * sz);
	return q != NULL ? q : a;
}

/* A router-LSA's contribution, each part sorted.  O(L log L). */
static bool rparse(struct topo_live *tl, uint32_t area, uint32_t rid, const struct lsa *l,
                   struct rparse *p)
{
	struct lsa_link_cursor c = { 0 };
	struct lsa_router_link lk;
	unsigned n = l->u.router.nlinks;

	memset(p, 0, sizeof(*p));
	p->flags = l->u.router.flags;
	if (n > 0) {
		p->h = malloc(n * sizeof(*p->h));
		p->s = malloc(n * sizeof(*p->s));
		p->tr = malloc(n * sizeof(*p->tr));
		if (p->h == NULL || p->s == NULL || p->tr == NULL) {
			rparse_free(p);
			tl->oom = true;
			return false;
		}
	}
	while (lsa_router_link_next(l, &c, &lk)) {
		tl->work++;
		switch (lk.type) {
		case LINK_P2P:
		case LINK_VIRTUAL:
			p->h[p->nh++] = (struct half_e){ lk.id, lk.data, lk.metric, lk.type };
			break;
		case LINK_TRANSIT:
			p->tr[p->ntr++] = (struct topo_link){ .area = area, .type = LINK_TRANSIT,
			                   .a = rid, .b = lk.id, .a_addr = lk.data, .cost_ab = lk.metric };
			break;
		case LINK_STUB: {
			int len = __builtin_popcount(lk.data);
			p->s[p->ns++] = (struct stub_e){ lk.id & lk.data, lk.data, lk.metric };
			if (len < 32 && lk.data == (len ? 0xffffffffu << (32 - len) : 0))
				p->lens |= 1u << len;
			break;
		}
		}
	}
	if (p->nh > 1)
		qsort(p->h, p->nh, sizeof(*p->h), half_order);
	if (p->ns > 1)
		qsort(p->s, p->ns, sizeof(*p->s), stub_order);
	if (p->ntr > 1)
		qsort(p->tr, p->ntr, sizeof(*p->tr), transit_order);
	tl->work += SORT_WORK(p->nh) + SORT_WORK(p->ns) + SORT_WORK(p->ntr);
	/* kept as long as the LSA is: no room to spare */
	p->h = fit(p->h, p->nh, sizeof(*p->h));
	p->s = fit(p->s, p->ns, sizeof(*p->s));
	p->tr = fit(p->tr, p->ntr, sizeof(*p->tr));
	return true;
}

/* Whether the active network-LSA of (area, net) lists router rid. */
static bool net_lists(struct topo_live *tl, uint32_t area, uint32_t net, uint32_t rid)
{
	const struct inst *in = net_used(net_find(tl, area, net));
	unsigned lo = 0, hi;

	if (in == NULL)
		return false;
	tl->work += lg(in->natt + 1);
	for (hi = in->natt; lo < hi;) {
		unsigned mid = lo + (hi - lo) / 2;
		if (in->sorted[mid] < rid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < in->natt && in->sorted[lo] == rid;
}

/* A (type, neighbour) or network whose part of a router-LSA changed. */
struct changed {
	uint32_t id;
	uint8_t type;
};

static void set_router(struct topo_live *tl, uint32_t area, uint32_t rid, const struct lsa *l)
{
	struct rparse np = { 0 };
	struct node *x;
	struct changed *ch = NULL;
	unsigned nch = 0, cch = 0, nnet, i, j;
	bool has = l != NULL, stubs_changed;

	if (has && !rparse(tl, area, rid, l, &np))
		return;
	x = has ? node_get(tl, area, rid) : node_find(tl, area, rid);
	if (x == NULL || (!has && !x->has_lsa)) {
		rparse_free(&np);
		return;
	}
	touch_router(tl, x);
	if (x->has_lsa != has)
		area_change(tl, x, has);

	/* stubs */
	stubs_changed = x->ns != np.ns ||
	                (np.ns > 0 && memcmp(x->s, np.s, np.ns * sizeof(*np.s)) != 0);
	tl->work += np.ns;
	if (stubs_changed)
		touch_stubs(tl, x);

	/* transit links: the networks whose links changed, their old links' part */
	for (i = 0, j = 0; i < x->ntr || j < np.ntr;) {
		uint32_t net = i < x->ntr && (j == np.ntr || x->tr[i].b <= np.tr[j].b) ? x->tr[i].b
		                                                                      : np.tr[j].b;
		unsigned i1 = i, j1 = j;
		bool same;

		while (i1 < x->ntr && x->tr[i1].b == net)
			i1++;
		while (j1 < np.ntr && np.tr[j1].b == net)
			j1++;
		same = i1 - i == j1 - j;
		for (unsigned k = 0; same && k < i1 - i; k++)
			same = transit_order(&x->tr[i + k], &np.tr[j + k]) == 0;
		tl->work += i1 - i + j1 - j + 1;
		if (!same) {
			struct net *nt;
			if (!grow(tl, &ch, &cch, nch, sizeof(*ch)))
				goto out;
			ch[nch++] = (struct changed){ net, LINK_TRANSIT };
			touch_transit(tl, x, net);
			if (i1 > i && (nt = net_find(tl, area, net)) != NULL)
				nt->tref -= i1 - i;
			for (unsigned k = i; k < i1; k++)
				x->nway -= x->tr[k].two_way;
			/* keep the two-way state of unchanged ones: recomputed below */
		} else {
			for (unsigned k = 0; k < j1 - j; k++)
				np.tr[j + k].two_way = x->tr[i + k].two_way;
		}
		i = i1;
		j = j1;
	}
	nnet = nch;

	/* link ends: the (type, neighbour) groups that must be paired again */
	for (i = 0, j = 0; i < x->nh || j < np.nh;) {
		const struct half_e *e = i < x->nh && (j == np.nh || half_order(&x->h[i], &np.h[j]) <= 0)
		                         ? &x->h[i] : &np.h[j];
		uint8_t type = e->type;
		uint32_t to = e->to;
		unsigned i1 = i, j1 = j;
		bool same;

		while (i1 < x->nh && x->h[i1].type == type && x->h[i1].to == to)
			i1++;
		while (j1 < np.nh && np.h[j1].type == type && np.h[j1].to == to)
			j1++;
		same = i1 - i == j1 - j;
		for (unsigned k = 0; same && k < i1 - i; k++)
			same = half_order(&x->h[i + k], &np.h[j + k]) == 0;
		tl->work += i1 - i + j1 - j + 1;
		if (!same || (stubs_changed && rid < to)) {
			struct node *y;
			if (!grow(tl, &ch, &cch, nch, sizeof(*ch)))
				goto out;
			ch[nch++] = (struct changed){ to, type };
			if (i1 - i != j1 - j) {
				if ((y = to == rid ? x : node_get(tl, area, to)) == NULL)
					goto out;
				y->refs += (j1 - j) - (i1 - i);
			}
		}
		i = i1;
		j = j1;
	}

	/* the new contribution in place */
	free(x->h);
	free(x->s);
	free(x->tr);
	x->h = np.h;
	x->s = np.s;
	x->tr = np.tr;
	x->nh = np.nh;
	x->ns = np.ns;
	x->ntr = np.ntr;
	x->lens = np.lens;
	x->flags = np.flags;
	x->has_lsa = has;
	np.h = NULL;
	np.s = NULL;
	np.tr = NULL;

	/* the changed networks' new links */
	for (unsigned c = 0; c < nnet; c++) {
		struct net *nt = NULL;
		transit_range(tl, x, ch[c].id, &i, &j);
		if (j > i && (nt = net_get(tl, area, ch[c].id)) == NULL)
			goto out;
		for (unsigned k = i; k < j; k++) {
			x->tr[k].two_way = net_lists(tl, area, ch[c].id, rid);
			x->nway += x->tr[k].two_way;
			nt->tref++;
		}
		net_settle(tl, area, ch[c].id);
	}
	/* the groups paired again */
	for (unsigned c = nnet; c < nch; c++) {
		uint32_t to = ch[c].id;
		group_update(tl, area, ch[c].type, rid < to ? rid : to, rid < to ? to : rid);
	}
	for (unsigned c = nnet; c < nch; c++)
		node_settle(tl, area, ch[c].id);
	node_settle(tl, area, rid);
out:
	free(ch);
	rparse_free(&np);
}

/* ---- network-LSAs ---- */

static int u32_order(const void *pa, const void *pb)
{
	CMP(*(const uint32_t *)pa, *(const uint32_t *)pb);
	return 0;
}

static bool same_inst(const struct inst *a, const struct inst *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return a->k[0] == b->k[0] && a->mask == b->mask && a->natt == b->natt &&
	       (a->natt == 0 || memcmp(a->att, b->att, a->natt * sizeof(*a->att)) == 0);
}

/* The network (area, id) is now described by `to` instead of `from`
 * (either NULL): its prefix, the routers it names, and the two-way state
 * of the transit links to it of the routers either lists. */
static void net_switch(struct topo_live *tl, uint32_t area, uint32_t id, const struct inst *from,
                       const struct inst *to)
{
	const struct inst *side[2] = { from, to };
	unsigned i = 0, j = 0;

	for (int s = 0; s < 2; s++) {
		const struct inst *in = side[s];
		struct topo_prefix p;
		struct node *y;

		if (in == NULL)
			continue;
		p = (struct topo_prefix){ .area = area, .kind = TP_TRANSIT, .prefix = id & in->mask,
		                          .mask = in->mask, .router = in->k[0] };
		if (s == 0)
			prefix_remove(tl, &p);
		else
			prefix_add(tl, &p);
		for (unsigned k = 0; k <= in->natt; k++) {
			if ((y = node_get(tl, area, k == in->natt ? in->k[0] : in->att[k])) == NULL)
				return;
			y->refs += s == 0 ? -1 : 1;
		}
		tl->work += in->natt + 1;
	}
	/* routers listed before or now: their links to the network */
	while ((from != NULL && i < from->natt) || (to != NULL && j < to->natt)) {
		uint32_t rid;
		struct node *x;
		unsigned a, b;

		if (to == NULL || j == to->natt || (from != NULL && i < from->natt &&
		                                    from->sorted[i] <= to->sorted[j]))
			rid = from->sorted[i];
		else
			rid = to->sorted[j];
		while (from != NULL && i < from->natt && from->sorted[i] == rid)
			i++;
		while (to != NULL && j < to->natt && to->sorted[j] == rid)
			j++;
		tl->work++;
		if ((x = node_find(tl, area, rid)) == NULL)
			continue;
		transit_range(tl, x, id, &a, &b);
		for (unsigned k = a; k < b; k++) {
			bool tw = to != NULL && net_lists(tl, area, id, rid);
			if (tw == x->tr[k].two_way)
				continue;
			touch_transit(tl, x, id);
			touch_router(tl, x);
			x->tr[k].two_way = tw;
			x->nway += tw ? 1 : -1;
		}
	}
	for (int s = 0; s < 2; s++)
		for (unsigned k = 0; side[s] != NULL && k <= side[s]->natt; k++)
			node_settle(tl, area, k == side[s]->natt ? side[s]->k[0] : side[s]->att[k]);
}

static void set_network(struct topo_live *tl, uint32_t area, uint32_t id, uint32_t adv,
                        const struct lsa *l)
{
	struct net *nt = l != NULL ? net_get(tl, area, id) : net_find(tl, area, id);
	struct inst *in = NULL, *old, *before, *after;

	if (nt == NULL)
		return;
	if (l != NULL) {
		unsigned n = l->u.network.nrouters;
		if ((in = calloc(1, sizeof(*in))) == NULL ||
		    (n > 0 && ((in->att = malloc(n * sizeof(*in->att))) == NULL ||
		               (in->sorted = malloc(n * sizeof(*in->sorted))) == NULL))) {
			inst_free((struct tnode *)in);
			tl->oom = true;
			return;
		}
		in->k[0] = adv;
		in->mask = l->u.network.mask;
		in->natt = n;
		for (unsigned i = 0; i < n; i++)
			in->att[i] = in->sorted[i] = lsa_network_router(l, i);
		if (n > 1)
			qsort(in->sorted, n, sizeof(*in->sorted), u32_order);
		tl->work += n + SORT_WORK(n);
	}
	before = net_used(nt);
	old = (struct inst *)t_remove(tl, &nt->inst, &adv, 1);
	if (in != NULL)
		t_insert(tl, &nt->inst, &in->tn, 1);
	after = net_used(nt);
	if (!same_inst(before, after))
		net_switch(tl, area, id, before, after);
	inst_free((struct tnode *)old);
	net_settle(tl, area, id);
}

void topo_live_set(struct topo_live *tl, uint32_t area, uint8_t type, uint32_t ls_id,
                   uint32_t adv, const struct lsa *l)
{
	if (tl->oom)
		return;
	switch (type) {
	case LSA_ROUTER:
		if (area != LSDB_AS_SCOPE && ls_id == adv)
			set_router(tl, area, adv, l);
		break;
	case LSA_NETWORK:
		if (area != LSDB_AS_SCOPE)
			set_network(tl, area, ls_id, adv, l);
		break;
	case LSA_SUMMARY:
	case LSA_ASBR_SUMMARY:
	case LSA_EXTERNAL:
	case LSA_NSSA:
		set_other(tl, area, type, ls_id, adv, l);
		break;
	default:
		break;
	}
}

/* ---- life ---- */

struct topo_live *topo_live_new(void)
{
	struct topo_live *tl = calloc(1, sizeof(*tl));

	if (tl == NULL)
		return NULL;
	if (getrandom(&tl->rng, sizeof(tl->rng), 0) != sizeof(tl->rng))
		tl->rng = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)tl;
	tl->rng |= 1;                      /* xorshift never leaves 0 */
	tl->track = true;
	return tl;
}

static void plain_free(struct tnode *n)
{
	free(n);
}

static void group_free(struct tnode *n)
{
	free(((struct group *)n)->l);
	free(n);
}

static void pgroup_free(struct tnode *n)
{
	free(((struct pgroup *)n)->v);
	free(n);
}

void topo_live_free(struct topo_live *tl)
{
	if (tl == NULL)
		return;
	t_free(tl->nodes, node_free);
	t_free(tl->groups, group_free);
	t_free(tl->nets, net_free);
	t_free(tl->pgroups, pgroup_free);
	t_free(tl->others, plain_free);
	t_free(tl->areas, plain_free);
	t_free(tl->rids, plain_free);
	t_free(tl->dirty, dirty_free);
	free(tl);
}

bool topo_live_load(struct topo_live *tl, const struct lsdb *db, uint64_t now_ms)
{
	const struct lsdb_entry **v;
	uint32_t n;

	if (!lsdb_sorted(db, &v, &n)) {
		tl->oom = true;
		return false;
	}
	tl->work += n + SORT_WORK(n);
	tl->track = false;
	for (uint32_t i = 0; i < n && !tl->oom; i++)
		if (!v[i]->lsa.h.v3 && lsdb_age_of(v[i], now_ms) < OSPF_MAX_AGE)
			topo_live_set(tl, v[i]->area, v[i]->lsa.h.type, v[i]->lsa.h.ls_id,
			              v[i]->lsa.h.adv_router, &v[i]->lsa);
	tl->track = true;
	free(v);
	return !tl->oom;
}

/* ---- the commit ---- */

/* A partial topology: routers, links and prefixes only. */
struct part {
	struct topo t;
	unsigned cr, cl, cp;
};

static bool part_router(struct topo_live *tl, struct part *p, const struct topo_router *r)
{
	if (!grow(tl, &p->t.r, &p->cr, p->t.nr, sizeof(*r)))
		return false;
	p->t.r[p->t.nr++] = *r;
	return true;
}

static bool part_links(struct topo_live *tl, struct part *p, const struct topo_link *l, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (!grow(tl, &p->t.l, &p->cl, p->t.nl, sizeof(*l)))
			return false;
		p->t.l[p->t.nl++] = l[i];
	}
	tl->work += n;
	return true;
}

static bool part_prefixes(struct topo_live *tl, struct part *p, const struct topo_prefix *v,
                          unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (!grow(tl, &p->t.p, &p->cp, p->t.np, sizeof(*v)))
			return false;
		p->t.p[p->t.np++] = v[i];
	}
	tl->work += n;
	return true;
}

struct gather {
	struct topo_live *tl;
	struct part old, now;
};

/* One touched record: its saved state into old, its present one into now. */
static bool gather_one(void *ctx, struct tnode *n)
{
	struct gather *g = ctx;
	struct topo_live *tl = g->tl;
	const struct dirty *d = (const struct dirty *)n;
	struct node *x;
	bool ok = true;

	switch (d->k[0]) {
	case D_ROUTER:
		if (d->had)
			ok = part_router(tl, &g->old, &d->r);
		if (ok && (x = node_find(tl, d->k[1], d->k[2])) != NULL && x->has_lsa) {
			struct topo_router r = router_of(tl, x);
			ok = part_router(tl, &g->now, &r);
		}
		break;
	case D_STUBS:
		ok = part_prefixes(tl, &g->old, d->p, d->n);
		if (ok && (x = node_find(tl, d->k[1], d->k[2])) != NULL)
			for (unsigned i = 0; ok && i < x->ns; i++) {
				struct topo_prefix p = stub_prefix(x, &x->s[i]);
				ok = part_prefixes(tl, &g->now, &p, 1);
			}
		break;
	case D_TRANSIT:
		ok = part_links(tl, &g->old, d->l, d->n);
		if (ok && (x = node_find(tl, d->k[1], d->k[2])) != NULL) {
			unsigned a, b;
			transit_range(tl, x, d->k[3], &a, &b);
			ok = part_links(tl, &g->now, b > a ? x->tr + a : NULL, b - a);
		}
		break;
	case D_GROUP: {
		const struct group *gr = (const struct group *)t_find(tl, tl->groups, d->k + 1, 4);
		ok = part_links(tl, &g->old, d->l, d->n);
		if (ok && gr != NULL)
			ok = part_links(tl, &g->now, gr->l, gr->n);
		break;
	}
	case D_PREFIX: {
		const struct pgroup *pg = (const struct pgroup *)t_find(tl, tl->pgroups, d->k + 1, 5);
		ok = part_prefixes(tl, &g->old, d->p, d->n);
		if (ok && pg != NULL)
			ok = part_prefixes(tl, &g->now, pg->v, pg->n);
		break;
	}
	}
	return ok;
}

static void part_sort(struct topo_live *tl, struct part *p)
{
	if (p->t.nr > 1)
		qsort(p->t.r, p->t.nr, sizeof(*p->t.r), topo_router_order);
	if (p->t.nl > 1)
		qsort(p->t.l, p->t.nl, sizeof(*p->t.l), topo_link_order);
	if (p->t.np > 1)
		qsort(p->t.p, p->t.np, sizeof(*p->t.p), topo_prefix_order);
	tl->work += SORT_WORK(p->t.nr) + SORT_WORK(p->t.nl) + SORT_WORK(p->t.np);
}

static void part_free(struct part *p)
{
	free(p->t.r);
	free(p->t.l);
	free(p->t.p);
}

bool topo_live_commit(struct topo_live *tl, topo_event_fn fn, void *ctx)
{
	struct gather g = { .tl = tl };
	bool ok = !tl->oom;

	if (ok && fn != NULL && tl->dirty != NULL) {
		ok = t_walk(tl->dirty, gather_one, &g) && !tl->oom;
		if (ok) {
			part_sort(tl, &g.old);
			part_sort(tl, &g.now);
			tl->work += topo_diff(&g.old.t, &g.now.t, fn, ctx);
		}
		part_free(&g.old);
		part_free(&g.now);
	}
	t_free(tl->dirty, dirty_free);
	tl->dirty = NULL;
	return ok;
}

/* ---- the whole topology ---- */

struct whole {
	struct topo_live *tl;
	struct topo *t;
	unsigned cr, cl, cn, catt, cp, cm;
	bool oom;
};

static bool whole_node(void *ctx, struct tnode *n)
{
	struct whole *w = ctx;
	struct topo *t = w->t;
	const struct node *x = (const struct node *)n;

	w->tl->work++;
	if (x->has_lsa) {
		if (!grow(w->tl, &t->r, &w->cr, t->nr, sizeof(*t->r)))
			return false;
		t->r[t->nr++] = router_of(w->tl, x);
	}
	for (unsigned i = 0; i < x->ntr; i++) {
		if (!grow(w->tl, &t->l, &w->cl, t->nl, sizeof(*t->l)))
			return false;
		t->l[t->nl++] = x->tr[i];
	}
	for (unsigned i = 0; i < x->ns; i++) {
		if (!grow(w->tl, &t->p, &w->cp, t->np, sizeof(*t->p)))
			return false;
		t->p[t->np++] = stub_prefix(x, &x->s[i]);
	}
	w->tl->work += x->ntr + x->ns;
	return true;
}

static bool whole_group(void *ctx, struct tnode *n)
{
	struct whole *w = ctx;
	struct topo *t = w->t;
	const struct group *g = (const struct group *)n;

	for (unsigned i = 0; i < g->n; i++) {
		if (!grow(w->tl, &t->l, &w->cl, t->nl, sizeof(*t->l)))
			return false;
		t->l[t->nl++] = g->l[i];
	}
	w->tl->work += g->n + 1;
	return true;
}

static bool whole_net(void *ctx, struct tnode *n)
{
	struct whole *w = ctx;
	struct topo *t = w->t;
	const struct net *x = (const struct net *)n;
	const struct inst *in = net_used(x);

	w->tl->work++;
	if (in == NULL)
		return true;
	if (!grow(w->tl, &t->n, &w->cn, t->nn, sizeof(*t->n)))
		return false;
	t->n[t->nn++] = (struct topo_network){ x->k[0], x->k[1], in->mask, in->k[0], t->natt,
	                                       in->natt };
	for (unsigned i = 0; i < in->natt; i++) {
		if (!grow(w->tl, &t->att, &w->catt, t->natt, sizeof(*t->att)))
			return false;
		t->att[t->natt++] = in->att[i];
	}
	w->tl->work += in->natt;
	return true;
}

static bool whole_pgroup(void *ctx, struct tnode *n)
{
	struct whole *w = ctx;
	struct topo *t = w->t;
	const struct pgroup *g = (const struct pgroup *)n;

	for (unsigned i = 0; i < g->n; i++) {
		if (!grow(w->tl, &t->p, &w->cp, t->np, sizeof(*t->p)))
			return false;
		t->p[t->np++] = g->v[i];
	}
	w->tl->work += g->n + 1;
	return true;
}

static bool whole_missing(void *ctx, struct tnode *n)
{
	struct whole *w = ctx;
	struct topo *t = w->t;
	const struct miss *m = (const struct miss *)n;

	if (!grow(w->tl, &t->m, &w->cm, t->nm, sizeof(*t->m)))
		return false;
	t->m[t->nm++] = (struct topo_missing){ m->k[0], (uint8_t)m->k[1], m->k[2] };
	w->tl->work++;
	return true;
}

struct topo *topo_live_topo(struct topo_live *tl, uint64_t now_ms)
{
	struct whole w = { .tl = tl };
	uint64_t work0 = tl->work;
	bool oom = tl->oom;

	if (oom || (w.t = calloc(1, sizeof(*w.t))) == NULL)
		return NULL;
	w.t->time_ms = now_ms;
	if (!t_walk(tl->nodes, whole_node, &w) || !t_walk(tl->groups, whole_group, &w) ||
	    !t_walk(tl->nets, whole_net, &w) || !t_walk(tl->pgroups, whole_pgroup, &w) ||
	    !t_walk(tl->missing, whole_missing, &w)) {
		tl->oom = oom;               /* the live topology itself is intact */
		topo_free(w.t);
		return NULL;
	}
	if (w.t->nl > 1)
		qsort(w.t->l, w.t->nl, sizeof(*w.t->l), topo_link_order);
	if (w.t->np > 1)
		qsort(w.t->p, w.t->np, sizeof(*w.t->p), topo_prefix_order);
	tl->work += SORT_WORK(w.t->nl) + SORT_WORK(w.t->np);
	w.t->work = tl->work - work0;
	return w.t;
}

void topo_live_completeness(const struct topo_live *tl, struct topo_completeness *c)
{
	memset(c, 0, sizeof(*c));
	c->routers = tl->nrids;
	c->missing_routers = tl->missing_routers;
	c->missing_networks = tl->missing_networks;
	c->complete = c->routers > 0 && c->missing_routers == 0 && c->missing_networks == 0;
}

struct first_missing {
	struct topo_missing *out;
	unsigned n, max;
};

static bool first_one(void *ctx, struct tnode *n)
{
	struct first_missing *f = ctx;
	const struct miss *m = (const struct miss *)n;

	if (f->n == f->max)
		return false;
	f->out[f->n++] = (struct topo_missing){ m->k[0], (uint8_t)m->k[1], m->k[2] };
	return true;
}

unsigned topo_live_missing(const struct topo_live *tl, struct topo_missing *out, unsigned max)
{
	struct first_missing f = { out, 0, max };

	t_walk(tl->missing, first_one, &f);
	return f.n;
}

uint64_t topo_live_work(const struct topo_live *tl)
{
	return tl->work;
}

bool topo_live_failed(const struct topo_live *tl)
{
	return tl->oom;
}
