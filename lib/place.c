/*
 * Flow placement (place.h).  Every table is a sorted array searched by
 * bisection; the per-flow walk uses scratch arrays sized at build time.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ospf6.h"
#include "place.h"
#include "spf.h"
#include "spf6.h"
#include "topo.h"

struct iface {
	uint32_t addr, router, net;
	uint8_t rid_only;            /* 1: a router id, not an interface address */
};

struct adj {
	uint32_t a, b, net;          /* a and b share a p2p link (net 0) or network net */
};

/* What an ownership entry says, for the egress rule. */
enum own_kind { OWN_STUB, OWN_TRANSIT, OWN_SUMMARY, OWN_EXTERNAL };

struct owner {
	uint32_t prefix, mask, router;
	uint8_t kind;                /* enum own_kind */
};

struct rtr {
	uint32_t id;
	uint8_t state;               /* 0 not computed, 1 table, 2 none (spf failed) */
	uint8_t state6;              /* the same, of its OSPFv3 table */
	uint64_t masks;              /* bit n: the table has a /n route */
	struct route_table rt;
	struct route6_table rt6;
};

/* OSPFv3 (the database's OSPFv3 LSAs; see place.h). */
struct owner6 {
	uint8_t prefix[16];
	uint8_t plen, kind;          /* kind: enum own_kind */
	uint32_t router;
};

struct if6 {
	uint32_t router, ifid;       /* a router's interface (router-LSA) */
	uint32_t net;                /* the transit network it is on (its id as
	                                links name it), else 0 */
	uint32_t nbr;                /* p2p: the neighbour's router id */
	uint32_t metric;             /* the interface's cost */
};

struct ll6 {
	uint8_t addr[16];            /* a link-local address (link-LSA) */
	uint32_t router;
};

struct edge {
	uint32_t to, net;            /* router index, transit network or 0 */
};

/*
 * Longest-prefix match over every prefix of the ownership table, by the
 * /16 the address is in: the longest prefix of 16 bits or fewer covering
 * the block, and the longer ones inside it, longest first.  A destination's
 * longest match here (its "leaf") decides every router's decision for it:
 * each routing table's prefixes are ownership prefixes too (stub, transit,
 * summary, NSSA/external), and two addresses with the same leaf match the
 * same entries of every table.  So the walk's outcome is a function of
 * (ingress, start router, leaf), which the graph cache below keys on.
 */
struct upfx {
	uint32_t prefix, mask;
	uint32_t ingress;            /* the source's ingress for this prefix: its
	                                lowest owner that is a router, else 0 */
};

struct dir16 {
	uint32_t best;               /* upfx index + 1 of the longest <= /16, or 0 */
	uint32_t first;              /* longer ones: longs[first .. first + n) */
	uint32_t n;
};

/*
 * Graph cache: the forwarding graph the walk found from (ingress, start)
 * for one leaf, as the steps to replay on other amounts: the routers in the
 * order the walk freed them, each with its outgoing edges (to a later step,
 * into an output link slot) or its pair slot.  The output slots are the
 * walk's links and pairs in their sorted order, so a replay fills them and
 * drops the empty ones, with the same integer shares the walk gives.  An
 * unrouted outcome that does not depend on the amounts is cached as its
 * reason.  Direct-mapped; it belongs to the placer, so a new topology starts
 * with an empty one.
 */
#define GCACHE_SIZE  4096            /* entries, a power of two */
#define GC_NODES     16
#define GC_EDGES     24

struct gcache {
	uint32_t ingress, start, leaf, nh;   /* nh: the pinning next hop, else 0 */
	uint8_t valid, reason, nnodes, nedges, nlinks, npairs;
	struct { uint8_t k, egress, slot; } node[GC_NODES];   /* slot: pair, or first edge */
	struct { uint8_t to, slot; } edge[GC_EDGES];
	struct { uint32_t a, b, net; } link[GC_EDGES];
	uint32_t egress[GC_NODES];
};

struct placer {
	const struct lsdb *db;
	struct rtr *r;        unsigned nr;
	struct iface *ifc;    unsigned nifc;
	struct adj *adj;      unsigned nadj;
	struct owner *own;    unsigned nown;
	uint64_t own_masks;
	unsigned tables;
	/* per-flow scratch, nr entries each (edges: nr * SPF_MAX_NEXTHOPS) */
	uint32_t gen, *mark, *indeg, *eoff, *ecnt, *depth, *queue;
	uint8_t *egress;
	uint64_t *abytes, *apkts;
	struct edge *edges;
	struct upfx *upfx;    unsigned nupfx;
	struct dir16 *dir;           /* 65536 blocks */
	uint32_t *longs;             /* upfx indices, see struct dir16 */
	struct gcache *cache;        /* GCACHE_SIZE entries */
	bool nocache;                /* placer_cache(pl, false) */
	uint32_t *order;             /* the walk's order of freeing (scratch) */
	/* OSPFv3 */
	struct owner6 *own6;  unsigned nown6;
	uint64_t own6_lens[3];       /* bit n: an owner of a /n */
	struct if6 *if6;      unsigned nif6;
	struct ll6 *ll6;      unsigned nll6;
	unsigned routers6;           /* routers with an OSPFv3 router-LSA */
};

static int masklen(uint32_t m)
{
	return __builtin_popcount(m);
}

static uint32_t lenmask(int len)
{
	return len == 0 ? 0 : 0xffffffffu << (32 - len);
}

/* --- building --------------------------------------------------------------- */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_iface(const void *a, const void *b)
{
	const struct iface *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->rid_only != y->rid_only)
		return x->rid_only < y->rid_only ? -1 : 1;
	if (x->router != y->router)
		return x->router < y->router ? -1 : 1;
	return x->net < y->net ? -1 : x->net > y->net;
}

static int cmp_adj(const void *a, const void *b)
{
	const struct adj *x = a, *y = b;
	if (x->a != y->a)
		return x->a < y->a ? -1 : 1;
	if (x->b != y->b)
		return x->b < y->b ? -1 : 1;
	return x->net < y->net ? -1 : x->net > y->net;
}

static int cmp_owner(const void *a, const void *b)
{
	const struct owner *x = a, *y = b;
	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	if (x->mask != y->mask)
		return x->mask < y->mask ? -1 : 1;
	if (x->router != y->router)
		return x->router < y->router ? -1 : 1;
	return x->kind < y->kind ? -1 : x->kind > y->kind;
}

static int router_index(const struct placer *pl, uint32_t id)
{
	unsigned lo = 0, hi = pl->nr;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (pl->r[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < pl->nr && pl->r[lo].id == id ? (int)lo : -1;
}

static void owner_add(struct owner *o, unsigned *n, uint32_t prefix, uint32_t mask,
                      uint32_t router, uint8_t kind)
{
	o[*n] = (struct owner){ prefix & mask, mask, router, kind };
	(*n)++;
}

static void placer_free_scratch(struct placer *pl)
{
	free(pl->mark);
	free(pl->indeg);
	free(pl->eoff);
	free(pl->ecnt);
	free(pl->depth);
	free(pl->queue);
	free(pl->egress);
	free(pl->abytes);
	free(pl->apkts);
	free(pl->edges);
}

void placer_free(struct placer *pl)
{
	if (pl == NULL)
		return;
	for (unsigned i = 0; i < pl->nr; i++) {
		route_table_free(&pl->r[i].rt);
		route6_table_free(&pl->r[i].rt6);
	}
	free(pl->r);
	free(pl->own6);
	free(pl->if6);
	free(pl->ll6);
	free(pl->ifc);
	free(pl->adj);
	free(pl->own);
	placer_free_scratch(pl);
	free(pl->cache);
	free(pl->upfx);
	free(pl->dir);
	free(pl->longs);
	free(pl->order);
	free(pl);
}

/* Sort and remove duplicates (equal by cmp). */
static unsigned uniq(void *base, unsigned n, size_t size, int (*cmp)(const void *, const void *))
{
	char *p = base;
	unsigned k = 0;

	if (n == 0)
		return 0;
	qsort(base, n, size, cmp);
	for (unsigned i = 1; i < n; i++)
		if (cmp(p + k * size, p + i * size) != 0)
			memcpy(p + ++k * size, p + i * size, size);
	return k + 1;
}

static int cmp_len_desc(const void *a, const void *b, void *ctx)
{
	const struct upfx *u = ctx;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int lx = masklen(u[x].mask), ly = masklen(u[y].mask);

	return lx != ly ? ly - lx : (x > y) - (x < y);
}

/* How an owner stands in for the source's ingress: a router's own prefix
 * (stub, transit network) before a summary before an external.  With a
 * database of every area, a prefix of area 1 has its router's stub and the
 * summaries of every ABR beside it: the traffic enters at the stub's router. */
static int owner_rank(const struct owner *o)
{
	return o->kind == OWN_STUB || o->kind == OWN_TRANSIT ? 0 : o->kind == OWN_SUMMARY ? 1 : 2;
}

/* Of the owners of own[i]'s prefix (own[i] its first), the best that is a
 * router of the topology: lowest rank, then lowest id; NULL if none is. */
static const struct owner *owner_best(const struct placer *pl, unsigned i)
{
	const struct owner *best = NULL;

	for (unsigned j = i; j < pl->nown && pl->own[j].prefix == pl->own[i].prefix &&
	                     pl->own[j].mask == pl->own[i].mask; j++)
		if (router_index(pl, pl->own[j].router) >= 0 &&
		    (best == NULL || owner_rank(&pl->own[j]) < owner_rank(best)))
			best = &pl->own[j];
	return best;
}

/* Whether a router of the topology owns (prefix, mask) as its stub or
 * transit network. */
static bool owned_within(const struct placer *pl, unsigned i)
{
	const struct owner *b = owner_best(pl, i);

	return b != NULL && owner_rank(b) == 0;
}

/* The /16 index over the ownership prefixes (see struct dir16). */
static int lpm_build(struct placer *pl)
{
	unsigned nlong = 0;

	if ((pl->upfx = calloc(pl->nown + 1, sizeof(*pl->upfx))) == NULL ||
	    (pl->dir = calloc(65536, sizeof(*pl->dir))) == NULL)
		return -1;
	/* own is sorted by (prefix, mask, router): one entry per prefix, its
	 * best owner (owner_best) as the source's ingress */
	for (unsigned i = 0; i < pl->nown; i++) {
		const struct owner *o = &pl->own[i];
		struct upfx *u = pl->nupfx ? &pl->upfx[pl->nupfx - 1] : NULL;
		if (u == NULL || u->prefix != o->prefix || u->mask != o->mask) {
			const struct owner *b = owner_best(pl, i);
			u = &pl->upfx[pl->nupfx++];
			*u = (struct upfx){ o->prefix, o->mask, b ? b->router : 0 };
		}
	}
	/* the short ones, shortest first so longer ones overwrite */
	for (int len = 0; len <= 16; len++)
		for (unsigned i = 0; i < pl->nupfx; i++) {
			const struct upfx *u = &pl->upfx[i];
			if (masklen(u->mask) != len)
				continue;
			for (uint32_t b = u->prefix >> 16; b <= (u->prefix | ~u->mask) >> 16; b++)
				pl->dir[b].best = i + 1;
		}
	for (unsigned i = 0; i < pl->nupfx; i++)
		if (masklen(pl->upfx[i].mask) > 16) {
			pl->dir[pl->upfx[i].prefix >> 16].n++;
			nlong++;
		}
	if ((pl->longs = calloc(nlong + 1, sizeof(*pl->longs))) == NULL)
		return -1;
	for (uint32_t b = 0, at = 0; b < 65536; b++) {
		pl->dir[b].first = at;
		at += pl->dir[b].n;
		pl->dir[b].n = 0;
	}
	for (unsigned i = 0; i < pl->nupfx; i++)
		if (masklen(pl->upfx[i].mask) > 16) {
			struct dir16 *d = &pl->dir[pl->upfx[i].prefix >> 16];
			pl->longs[d->first + d->n++] = i;
		}
	for (uint32_t b = 0; b < 65536; b++)
		if (pl->dir[b].n > 1)
			qsort_r(pl->longs + pl->dir[b].first, pl->dir[b].n, sizeof(uint32_t),
			        cmp_len_desc, pl->upfx);
	return 0;
}

/* The longest ownership prefix matching addr: its index + 1, or 0. */
static uint32_t lpm_leaf(const struct placer *pl, uint32_t addr)
{
	const struct dir16 *d = &pl->dir[addr >> 16];

	for (uint32_t i = 0; i < d->n; i++) {
		const struct upfx *u = &pl->upfx[pl->longs[d->first + i]];
		if ((addr & u->mask) == u->prefix)
			return pl->longs[d->first + i] + 1;
	}
	return d->best;
}


/* --- OSPFv3 ------------------------------------------------------------------ */

static int cmp_owner6(const void *a, const void *b)
{
	const struct owner6 *x = a, *y = b;
	int c = memcmp(x->prefix, y->prefix, 16);

	if (c != 0)
		return c;
	if (x->plen != y->plen)
		return x->plen < y->plen ? -1 : 1;
	if (x->router != y->router)
		return x->router < y->router ? -1 : 1;
	return x->kind < y->kind ? -1 : x->kind > y->kind;
}

static int cmp_if6(const void *a, const void *b)
{
	const struct if6 *x = a, *y = b;
	if (x->router != y->router)
		return x->router < y->router ? -1 : 1;
	if (x->ifid != y->ifid)
		return x->ifid < y->ifid ? -1 : 1;
	if (x->net != y->net)
		return x->net < y->net ? -1 : 1;
	return x->nbr < y->nbr ? -1 : x->nbr > y->nbr;
}

static int cmp_ll6(const void *a, const void *b)
{
	const struct ll6 *x = a, *y = b;
	int c = memcmp(x->addr, y->addr, 16);
	return c != 0 ? c : x->router < y->router ? -1 : x->router > y->router;
}

/* addr's first plen bits, the rest zero, into out. */
static void mask6(const uint8_t *addr, unsigned plen, uint8_t *out)
{
	unsigned full = plen / 8, rest = plen % 8;

	memcpy(out, addr, full);
	memset(out + full, 0, 16 - full);
	if (rest)
		out[full] = (uint8_t)(addr[full] & (0xff << (8 - rest)));
}

/* The OSPFv3 LSAs held, each decoded (they were checked when installed),
 * not at MaxAge: *v and *n as lsdb_sorted, decoded into l6 (n entries). */
struct v6set {
	const struct lsdb_entry **v;
	uint32_t n;
	struct lsa6 *l6;             /* n; l6[i].raw NULL: not used */
};

static bool v6set_load(struct v6set *s, const struct lsdb *db, uint64_t now_ms)
{
	memset(s, 0, sizeof(*s));
	if (!lsdb_sorted(db, &s->v, &s->n))
		return false;
	if ((s->l6 = calloc(s->n + 1, sizeof(*s->l6))) == NULL)
		return false;
	for (uint32_t i = 0; i < s->n; i++) {
		const struct lsdb_entry *e = s->v[i];
		if (!e->lsa.h.v3 || lsdb_age_of(e, now_ms) >= OSPF_MAX_AGE ||
		    lsa6_decode_held(e->lsa.raw, e->lsa.h.length, &s->l6[i]) != OSPF6_OK)
			s->l6[i].raw = NULL;
	}
	return true;
}

static void v6set_free(struct v6set *s)
{
	free(s->v);
	free(s->l6);
}

/* The routers with an OSPFv3 router-LSA, appended to ids[*n] (room: s->n). */
static void routers6(const struct v6set *s, uint32_t *ids, unsigned *n)
{
	for (uint32_t i = 0; i < s->n; i++)
		if (s->l6[i].raw != NULL && s->l6[i].h.type == LSA6_ROUTER)
			ids[(*n)++] = s->l6[i].h.adv_router;
}

static int cmp_u32p(const void *a, const void *b)
{
	return cmp_u32(a, b);
}

/*
 * The id links name an OSPFv3 transit network by: the OSPFv2 network with
 * the same attached routers (the same LAN, whatever DR each version
 * elected), else its DR's router id.  att[0..na) sorted.
 */
static uint32_t net6_id(const struct topo *t, uint32_t dr, const uint32_t *att, unsigned na)
{
	for (unsigned i = 0; i < t->nn; i++) {
		const struct topo_network *nw = &t->n[i];
		uint32_t b[64];
		if (nw->n != na || na > 64)
			continue;
		memcpy(b, t->att + nw->first, na * sizeof(*b));
		qsort(b, na, sizeof(*b), cmp_u32p);
		if (memcmp(b, att, na * sizeof(*b)) == 0)
			return nw->id;
	}
	return dr;
}

struct net6 { uint32_t dr, drif, id; };

static int build6(struct placer *pl, const struct v6set *s, const struct topo *t)
{
	unsigned nif = 0, nll = 0, nown = 0, nnet = 0, nasbr = 0;
	struct net6 *nets = NULL;
	int rc = -1;

	for (uint32_t i = 0; i < s->n; i++) {
		const struct lsa6 *l = &s->l6[i];
		if (l->raw == NULL)
			continue;
		switch (l->h.type) {
		case LSA6_ROUTER: nif += l->u.router.nifaces; pl->routers6++; break;
		case LSA6_NETWORK: nnet++; break;
		case LSA6_LINK: nll++; break;
		case LSA6_INTRA_PREFIX: nown += l->u.intra_prefix.nprefixes; break;
		case LSA6_INTER_ROUTER: nasbr++; break;
		case LSA6_INTER_PREFIX: case LSA6_EXTERNAL: case LSA6_NSSA: nown++; break;
		default: break;
		}
	}
	/* an external of an ASBR not held: one owner per ABR that reaches it */
	nown += nasbr * (nown + 1);
	if ((nets = calloc(nnet + 1, sizeof(*nets))) == NULL ||
	    (pl->if6 = calloc(nif + 1, sizeof(*pl->if6))) == NULL ||
	    (pl->ll6 = calloc(nll + 1, sizeof(*pl->ll6))) == NULL ||
	    (pl->own6 = calloc(nown + 1, sizeof(*pl->own6))) == NULL)
		goto out;
	nnet = 0;
	for (uint32_t i = 0; i < s->n; i++) {
		const struct lsa6 *l = &s->l6[i];
		uint32_t att[64];
		unsigned na;
		if (l->raw == NULL || l->h.type != LSA6_NETWORK || l->u.network.nrouters > 64)
			continue;
		na = l->u.network.nrouters;
		for (unsigned k = 0; k < na; k++)
			att[k] = lsa6_network_router(l, k);
		qsort(att, na, sizeof(*att), cmp_u32p);
		nets[nnet++] = (struct net6){ l->h.adv_router, l->h.ls_id,
		                              net6_id(t, l->h.adv_router, att, na) };
	}
	for (uint32_t i = 0; i < s->n; i++) {
		const struct lsa6 *l = &s->l6[i];
		struct lsa6_iface f;
		struct lsa6_prefix p;
		if (l->raw == NULL)
			continue;
		switch (l->h.type) {
		case LSA6_ROUTER:
			for (struct lsa6_iface_cursor c = { 0 }; lsa6_router_iface_next(l, &c, &f);) {
				struct if6 x = { l->h.adv_router, f.iface_id, 0, 0, f.metric };
				if (f.type == LINK6_TRANSIT) {
					x.net = f.nbr_router_id;
					for (unsigned k = 0; k < nnet; k++)
						if (nets[k].dr == f.nbr_router_id &&
						    nets[k].drif == f.nbr_iface_id)
							x.net = nets[k].id;
				} else {
					x.nbr = f.nbr_router_id;
				}
				pl->if6[pl->nif6++] = x;
			}
			break;
		case LSA6_LINK:
			memcpy(pl->ll6[pl->nll6].addr, l->u.link.ll_addr, 16);
			pl->ll6[pl->nll6++].router = l->h.adv_router;
			break;
		case LSA6_INTRA_PREFIX: {
			bool net = l->u.intra_prefix.ref_type == LSA6_NETWORK;
			if (!net && l->u.intra_prefix.ref_type != LSA6_ROUTER)
				break;
			for (struct lsa6_prefix_cursor c = { 0 }; lsa6_prefix_next(l, &c, &p);) {
				struct owner6 *o = &pl->own6[pl->nown6];
				if (p.options & LSA6_PREFIX_NU)
					continue;
				mask6(p.addr, p.len, o->prefix);
				o->plen = p.len;
				o->router = l->u.intra_prefix.ref_adv_router;
				o->kind = net ? OWN_TRANSIT : OWN_STUB;
				pl->nown6++;
			}
			break;
		}
		case LSA6_INTER_PREFIX:
		case LSA6_EXTERNAL:
		case LSA6_NSSA: {
			const struct lsa6_prefix *pp = l->h.type == LSA6_INTER_PREFIX
			                               ? &l->u.inter_prefix.prefix : &l->u.external.prefix;
			uint8_t kind = l->h.type == LSA6_INTER_PREFIX ? OWN_SUMMARY : OWN_EXTERNAL;
			if (pp->options & LSA6_PREFIX_NU)
				break;
			if (kind == OWN_EXTERNAL && router_index(pl, l->h.adv_router) < 0) {
				/* the ABRs that reach the ASBR stand in */
				for (uint32_t j = 0; j < s->n; j++) {
					const struct lsa6 *r = &s->l6[j];
					struct owner6 *o = &pl->own6[pl->nown6];
					if (r->raw == NULL || r->h.type != LSA6_INTER_ROUTER ||
					    r->u.inter_router.dest != l->h.adv_router)
						continue;
					mask6(pp->addr, pp->len, o->prefix);
					o->plen = pp->len;
					o->router = r->h.adv_router;
					o->kind = kind;
					pl->nown6++;
				}
				break;
			}
			struct owner6 *o = &pl->own6[pl->nown6++];
			mask6(pp->addr, pp->len, o->prefix);
			o->plen = pp->len;
			o->router = l->h.adv_router;
			o->kind = kind;
			break;
		}
		default:
			break;
		}
	}
	pl->nown6 = uniq(pl->own6, pl->nown6, sizeof(*pl->own6), cmp_owner6);
	pl->nif6 = uniq(pl->if6, pl->nif6, sizeof(*pl->if6), cmp_if6);
	pl->nll6 = uniq(pl->ll6, pl->nll6, sizeof(*pl->ll6), cmp_ll6);
	for (unsigned i = 0; i < pl->nown6; i++)
		pl->own6_lens[pl->own6[i].plen / 64] |= 1ull << (pl->own6[i].plen % 64);
	rc = 0;
out:
	free(nets);
	return rc;
}

struct placer *placer_build(const struct lsdb *db, uint64_t now_ms)
{
	struct placer *pl = calloc(1, sizeof(*pl));
	struct topo *t = topo_build(db, now_ms);
	uint32_t *ids = NULL;
	size_t nadj = 0, nown;
	struct v6set s6 = { 0 };
	unsigned nids;

	if (pl == NULL || t == NULL || !v6set_load(&s6, db, now_ms))
		goto fail;
	pl->db = db;

	/* routers: every id, once (an ABR appears once per area), of either
	 * version */
	if ((ids = malloc((t->nr + s6.n + 1) * sizeof(*ids))) == NULL)
		goto fail;
	for (unsigned i = 0; i < t->nr; i++)
		ids[i] = t->r[i].id;
	nids = t->nr;
	routers6(&s6, ids, &nids);
	pl->nr = uniq(ids, nids, sizeof(*ids), cmp_u32);
	if ((pl->r = calloc(pl->nr + 1, sizeof(*pl->r))) == NULL)
		goto fail;
	for (unsigned i = 0; i < pl->nr; i++)
		pl->r[i].id = ids[i];
	free(ids);
	ids = NULL;

	/* interfaces and adjacencies */
	if ((pl->ifc = calloc(2 * (size_t)t->nl + pl->nr + 1, sizeof(*pl->ifc))) == NULL)
		goto fail;
	for (unsigned i = 0; i < t->nn; i++)
		nadj += (size_t)t->n[i].n * t->n[i].n;
	if ((pl->adj = calloc(nadj + 2 * (size_t)t->nl + 1, sizeof(*pl->adj))) == NULL)
		goto fail;
	nadj = 0;
	for (unsigned i = 0; i < t->nl; i++) {
		const struct topo_link *l = &t->l[i];
		if (l->type == LINK_P2P) {
			pl->ifc[pl->nifc++] = (struct iface){ l->a_addr, l->a, 0, 0 };
			if (l->two_way) {
				pl->ifc[pl->nifc++] = (struct iface){ l->b_addr, l->b, 0, 0 };
				pl->adj[nadj++] = (struct adj){ l->a, l->b, 0 };
				pl->adj[nadj++] = (struct adj){ l->b, l->a, 0 };
			}
		} else if (l->type == LINK_TRANSIT) {
			pl->ifc[pl->nifc++] = (struct iface){ l->a_addr, l->a, l->b, 0 };
		}
	}
	for (unsigned i = 0; i < t->nn; i++) {
		const struct topo_network *nw = &t->n[i];
		for (unsigned x = 0; x < nw->n; x++)
			for (unsigned y = 0; y < nw->n; y++)
				if (x != y)
					pl->adj[nadj++] = (struct adj){ t->att[nw->first + x],
					                                t->att[nw->first + y], nw->id };
	}
	for (unsigned i = 0; i < pl->nr; i++)
		pl->ifc[pl->nifc++] = (struct iface){ pl->r[i].id, pl->r[i].id, 0, 1 };
	pl->nifc = uniq(pl->ifc, pl->nifc, sizeof(*pl->ifc), cmp_iface);
	pl->nadj = uniq(pl->adj, (unsigned)nadj, sizeof(*pl->adj), cmp_adj);

	/* ownership: an external of an unseen ASBR may get one entry per ABR
	 * that has an ASBR-summary for it */
	nown = t->np;
	for (unsigned i = 0; i < t->np; i++)
		if (t->p[i].kind == TP_ASBR_SUMMARY)
			nown += t->np;
	if ((pl->own = calloc(nown + 1, sizeof(*pl->own))) == NULL)
		goto fail;
	for (unsigned i = 0; i < t->np; i++) {
		const struct topo_prefix *p = &t->p[i];
		switch (p->kind) {
		case TP_STUB:
			owner_add(pl->own, &pl->nown, p->prefix, p->mask, p->router, OWN_STUB);
			break;
		case TP_TRANSIT:
			owner_add(pl->own, &pl->nown, p->prefix, p->mask, p->router, OWN_TRANSIT);
			break;
		case TP_SUMMARY:
			owner_add(pl->own, &pl->nown, p->prefix, p->mask, p->router, OWN_SUMMARY);
			break;
		case TP_NSSA:
		case TP_EXTERNAL:
			if (router_index(pl, p->router) >= 0) {
				owner_add(pl->own, &pl->nown, p->prefix, p->mask, p->router, OWN_EXTERNAL);
				break;
			}
			for (unsigned j = 0; j < t->np; j++)
				if (t->p[j].kind == TP_ASBR_SUMMARY && t->p[j].prefix == p->router)
					owner_add(pl->own, &pl->nown, p->prefix, p->mask, t->p[j].router,
					          OWN_EXTERNAL);
			break;
		default:
			break;
		}
	}
	pl->nown = uniq(pl->own, pl->nown, sizeof(*pl->own), cmp_owner);
	for (unsigned i = 0; i < pl->nown; i++)
		pl->own_masks |= 1ull << masklen(pl->own[i].mask);
	if (lpm_build(pl) < 0 || build6(pl, &s6, t) < 0)
		goto fail;

	/* scratch */
	{
		size_t n = pl->nr + 1;
		pl->mark = calloc(n, sizeof(uint32_t));
		pl->indeg = calloc(n, sizeof(uint32_t));
		pl->eoff = calloc(n, sizeof(uint32_t));
		pl->ecnt = calloc(n, sizeof(uint32_t));
		pl->depth = calloc(n, sizeof(uint32_t));
		pl->queue = calloc(n, sizeof(uint32_t));
		pl->egress = calloc(n, 1);
		pl->abytes = calloc(n, sizeof(uint64_t));
		pl->apkts = calloc(n, sizeof(uint64_t));
		pl->edges = calloc(n * SPF_MAX_NEXTHOPS, sizeof(struct edge));
		pl->cache = calloc(GCACHE_SIZE, sizeof(*pl->cache));
		pl->order = calloc(n, sizeof(uint32_t));
		if (!pl->cache || !pl->order || !pl->mark || !pl->indeg || !pl->eoff || !pl->ecnt || !pl->depth || !pl->queue ||
		    !pl->egress || !pl->abytes || !pl->apkts || !pl->edges)
			goto fail;
	}
	topo_free(t);
	v6set_free(&s6);
	return pl;
fail:
	free(ids);
	topo_free(t);
	v6set_free(&s6);
	placer_free(pl);
	return NULL;
}

void placer_stats(const struct placer *pl, struct placer_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (pl == NULL)
		return;
	st->routers = pl->nr;
	st->interfaces = pl->nifc;
	st->prefixes = pl->nown;
	st->tables = pl->tables;
}

const char *place_reason_name(enum place_reason r)
{
	static const char *const names[PLACE_REASON_MAX] = {
		"ok", "no-topology", "ipv6", "family", "unknown-ingress", "no-source-prefix",
		"no-route", "unknown-nexthop", "loop", "too-many-paths",
	};
	return (unsigned)r < PLACE_REASON_MAX ? names[r] : "?";
}

/* --- look-ups --------------------------------------------------------------- */

/* The first owner entry >= (prefix, mask). */
static unsigned owner_lower(const struct placer *pl, uint32_t prefix, uint32_t mask)
{
	unsigned lo = 0, hi = pl->nown;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		const struct owner *o = &pl->own[mid];
		if (o->prefix < prefix || (o->prefix == prefix && o->mask < mask))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The longest prefix matching addr with an owner that is a router of the
 * topology: its best owner (owner_best), if of a kind in `kinds` (a bit mask
 * of enum own_kind).  With only_router set, the longest one that router
 * owns (kinds in `kinds`). */
static const struct owner *owner_lpm(const struct placer *pl, uint32_t addr, int only_router,
                                     uint32_t router, unsigned kinds)
{
	for (int len = 32; len >= 0; len--) {
		uint32_t m = lenmask(len);
		if (!(pl->own_masks & (1ull << len)))
			continue;
		unsigned first = owner_lower(pl, addr & m, m);
		if (!only_router && first < pl->nown && pl->own[first].prefix == (addr & m) &&
		    pl->own[first].mask == m) {
			const struct owner *o = owner_best(pl, first);
			if (o != NULL && (kinds & (1u << o->kind)))
				return o;
			continue;
		}
		for (unsigned i = first;
		     i < pl->nown && pl->own[i].prefix == (addr & m) && pl->own[i].mask == m; i++) {
			const struct owner *o = &pl->own[i];
			if (!(kinds & (1u << o->kind)))
				continue;
			if (only_router ? o->router == router : router_index(pl, o->router) >= 0)
				return o;
		}
	}
	return NULL;
}

/* R's routing table, computed the first time. */
static const struct rtr *table(struct placer *pl, unsigned ri)
{
	struct rtr *r = &pl->r[ri];

	if (r->state == 0) {
		if (spf_routes(pl->db, r->id, &r->rt) < 0) {
			route_table_free(&r->rt);
			r->state = 2;
		} else {
			r->state = 1;
			for (unsigned i = 0; i < r->rt.n; i++)
				r->masks |= 1ull << masklen(r->rt.r[i].mask);
		}
		pl->tables++;
	}
	return r;
}

static const struct route *route_lpm(const struct rtr *r, uint32_t addr)
{
	if (r->state != 1)
		return NULL;
	for (int len = 32; len >= 0; len--) {
		uint32_t m = lenmask(len), p = addr & m;
		unsigned lo = 0, hi = r->rt.n;
		if (!(r->masks & (1ull << len)))
			continue;
		while (lo < hi) {
			unsigned mid = lo + (hi - lo) / 2;
			const struct route *x = &r->rt.r[mid];
			if (x->prefix < p || (x->prefix == p && x->mask < m))
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < r->rt.n && r->rt.r[lo].prefix == p && r->rt.r[lo].mask == m)
			return &r->rt.r[lo];
	}
	return NULL;
}

static const struct adj *adj_find(const struct placer *pl, uint32_t a, uint32_t b)
{
	unsigned lo = 0, hi = pl->nadj;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		const struct adj *x = &pl->adj[mid];
		if (x->a < a || (x->a == a && x->b < b))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < pl->nadj && pl->adj[lo].a == a && pl->adj[lo].b == b ? &pl->adj[lo] : NULL;
}

/* The first interface (pl->ifc, by address) at or above addr.  O(log n). */
static unsigned ifc_lower(const struct placer *pl, uint32_t addr)
{
	unsigned lo = 0, hi = pl->nifc;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (pl->ifc[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The interface with address addr, preferring one of a neighbour of
 * router `from`, and an interface address over a router id. */
static const struct iface *iface_find(const struct placer *pl, uint32_t addr, uint32_t from)
{
	unsigned lo = ifc_lower(pl, addr);
	const struct iface *first;

	if (lo >= pl->nifc || pl->ifc[lo].addr != addr)
		return NULL;
	first = &pl->ifc[lo];
	for (unsigned i = lo; i < pl->nifc && pl->ifc[i].addr == addr; i++)
		if (pl->ifc[i].router != from && adj_find(pl, from, pl->ifc[i].router) != NULL)
			return &pl->ifc[i];
	return first;
}

/* --- the walk --------------------------------------------------------------- */

static bool add_link(struct place_out *out, uint32_t a, uint32_t b, uint32_t net,
                     uint64_t bytes, uint64_t pkts)
{
	if (bytes == 0 && pkts == 0)
		return true;
	for (unsigned i = 0; i < out->nlinks; i++) {
		struct place_link *l = &out->links[i];
		if (l->a == a && l->b == b && l->net == net) {
			l->bytes += bytes;
			l->packets += pkts;
			return true;
		}
	}
	if (out->nlinks == PLACE_MAX_LINKS)
		return false;
	out->links[out->nlinks++] = (struct place_link){ a, b, net, bytes, pkts };
	return true;
}

static bool add_pair(struct place_out *out, uint32_t in, uint32_t eg, uint64_t bytes,
                     uint64_t pkts)
{
	if (bytes == 0 && pkts == 0)
		return true;
	for (unsigned i = 0; i < out->npairs; i++) {
		struct place_pair *p = &out->pairs[i];
		if (p->egress == eg) {
			p->bytes += bytes;
			p->packets += pkts;
			return true;
		}
	}
	if (out->npairs == PLACE_MAX_PAIRS)
		return false;
	out->pairs[out->npairs++] = (struct place_pair){ in, eg, bytes, pkts };
	return true;
}

static int cmp_link(const void *a, const void *b)
{
	const struct place_link *x = a, *y = b;
	if (x->a != y->a)
		return x->a < y->a ? -1 : 1;
	if (x->b != y->b)
		return x->b < y->b ? -1 : 1;
	return x->net < y->net ? -1 : x->net > y->net;
}

static int cmp_pair(const void *a, const void *b)
{
	const struct place_pair *x = a, *y = b;
	return x->egress < y->egress ? -1 : x->egress > y->egress;
}

/* Whether router ri delivers dst itself (see place.h), else its route. */
static int decide(struct placer *pl, unsigned ri, uint32_t dst, const struct route **lout)
{
	const struct rtr *r = table(pl, ri);
	const struct route *l = route_lpm(r, dst);
	const struct owner *o = owner_lpm(pl, dst, 1, r->id,
	                                  1u << OWN_STUB | 1u << OWN_SUMMARY | 1u << OWN_EXTERNAL);

	*lout = l;
	if (l != NULL && l->attached)
		return 1;
	if (o != NULL) {
		int ol = masklen(o->mask), ll = l ? masklen(l->mask) : -1;
		if (ol > ll)
			return 1;
		if (ol == ll && (o->kind != OWN_SUMMARY ||
		                 (l->type != RT_INTRA &&
		                  !owned_within(pl, owner_lower(pl, o->prefix, o->mask)))))
			return 1;
	}
	if (l == NULL || l->nnh == 0)
		return PLACE_NO_ROUTE;
	return 0;
}


/* --- OSPFv3: the look-ups of the walk ----------------------------------------- */

/* The first owner6 at or above (prefix, plen).  O(log n). */
static unsigned owner6_lower(const struct placer *pl, const uint8_t *prefix, unsigned plen)
{
	unsigned lo = 0, hi = pl->nown6;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		const struct owner6 *o = &pl->own6[mid];
		int c = memcmp(o->prefix, prefix, 16);
		if (c < 0 || (c == 0 && o->plen < plen))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int owner6_rank(const struct owner6 *o)
{
	return o->kind == OWN_STUB || o->kind == OWN_TRANSIT ? 0 : o->kind == OWN_SUMMARY ? 1 : 2;
}

/* Of the owners of own6[i]'s prefix (own6[i] its first), the best that is
 * a router of the topology (as owner_best). */
static const struct owner6 *owner6_best(const struct placer *pl, unsigned i)
{
	const struct owner6 *best = NULL;

	for (unsigned j = i; j < pl->nown6 && pl->own6[j].plen == pl->own6[i].plen &&
	                     memcmp(pl->own6[j].prefix, pl->own6[i].prefix, 16) == 0; j++)
		if (router_index(pl, pl->own6[j].router) >= 0 &&
		    (best == NULL || owner6_rank(&pl->own6[j]) < owner6_rank(best)))
			best = &pl->own6[j];
	return best;
}

/* owner_lpm for an IPv6 address.  O(lengths present * log n). */
static const struct owner6 *owner6_lpm(const struct placer *pl, const uint8_t *addr,
                                       int only_router, uint32_t router, unsigned kinds)
{
	for (int len = 128; len >= 0; len--) {
		uint8_t p[16];
		unsigned i;
		if (!(pl->own6_lens[len / 64] & (1ull << (len % 64))))
			continue;
		mask6(addr, (unsigned)len, p);
		i = owner6_lower(pl, p, (unsigned)len);
		if (!only_router && i < pl->nown6 && pl->own6[i].plen == len &&
		    memcmp(pl->own6[i].prefix, p, 16) == 0) {
			const struct owner6 *o = owner6_best(pl, i);
			if (o != NULL && (kinds & (1u << o->kind)))
				return o;
			continue;
		}
		for (; i < pl->nown6 && pl->own6[i].plen == len &&
		       memcmp(pl->own6[i].prefix, p, 16) == 0; i++) {
			const struct owner6 *o = &pl->own6[i];
			if (!(kinds & (1u << o->kind)))
				continue;
			if (only_router ? o->router == router : router_index(pl, o->router) >= 0)
				return o;
		}
	}
	return NULL;
}

/* R's OSPFv3 routing table, computed the first time. */
static const struct rtr *table6(struct placer *pl, unsigned ri)
{
	struct rtr *r = &pl->r[ri];

	if (r->state6 == 0) {
		if (spf6_routes(pl->db, r->id, &r->rt6) < 0) {
			route6_table_free(&r->rt6);
			r->state6 = 2;
		} else {
			r->state6 = 1;
		}
		pl->tables++;
	}
	return r;
}

/* decide() for an IPv6 destination. */
static int decide6(struct placer *pl, unsigned ri, const uint8_t *dst, const struct route6 **lout)
{
	const struct rtr *r = table6(pl, ri);
	const struct route6 *l = r->state6 == 1 ? route6_lookup(&r->rt6, dst) : NULL;
	const struct owner6 *o = owner6_lpm(pl, dst, 1, r->id,
	                                    1u << OWN_STUB | 1u << OWN_SUMMARY | 1u << OWN_EXTERNAL);

	*lout = l;
	if (l != NULL && l->attached)
		return 1;
	if (o != NULL) {
		int ol = o->plen, ll = l ? l->plen : -1;
		if (ol > ll)
			return 1;
		if (ol == ll) {
			const struct owner6 *b = o->kind == OWN_SUMMARY
			        ? owner6_best(pl, owner6_lower(pl, o->prefix, o->plen)) : NULL;
			if (o->kind != OWN_SUMMARY ||
			    (l->type != RT_INTRA && (b == NULL || owner6_rank(b) != 0)))
				return 1;
		}
	}
	if (l == NULL || l->nnh == 0)
		return PLACE_NO_ROUTE;
	return 0;
}

/* The order IPv6 traffic is split in among a route's next hops: by the
 * neighbour's router id, then the interface id (not by link-local address,
 * which a monitor knows only for the links it hears).  ord receives the
 * indices.  O(k^2) for k <= SPF_MAX_NEXTHOPS. */
static void nh6_order(const struct route6 *l, uint8_t *ord)
{
	for (unsigned i = 0; i < l->nnh; i++) {
		unsigned j = i;
		for (; j > 0; j--) {
			const struct nh6 *a = &l->nh[ord[j - 1]], *b = &l->nh[i];
			if (a->router < b->router || (a->router == b->router && a->ifid <= b->ifid))
				break;
			ord[j] = ord[j - 1];
		}
		ord[j] = (uint8_t)i;
	}
}

/* The first interface (pl->if6, by router then interface id) at or above
 * (a, ifid).  O(log n). */
static unsigned if6_lower(const struct placer *pl, uint32_t a, uint32_t ifid)
{
	unsigned lo = 0, hi = pl->nif6;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		const struct if6 *x = &pl->if6[mid];
		if (x->router < a || (x->router == a && x->ifid < ifid))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Router a's interface ifid: the transit network it is on, else 0. */
static uint32_t if6_net(const struct placer *pl, uint32_t a, uint32_t ifid)
{
	unsigned i = if6_lower(pl, a, ifid);

	return i < pl->nif6 && pl->if6[i].router == a && pl->if6[i].ifid == ifid
	       ? pl->if6[i].net : 0;
}

/* Whether router b has an interface on transit network net.  O(log n + b's
 * interfaces). */
static bool if6_on(const struct placer *pl, uint32_t b, uint32_t net)
{
	for (unsigned j = if6_lower(pl, b, 0); j < pl->nif6 && pl->if6[j].router == b; j++)
		if (pl->if6[j].net == net)
			return true;
	return false;
}

uint32_t placer_cost6(const struct placer *pl, uint32_t a, uint32_t b, uint32_t net)
{
	uint32_t best = UINT32_MAX;

	if (pl == NULL)
		return 0;
	for (unsigned i = if6_lower(pl, a, 0); i < pl->nif6 && pl->if6[i].router == a; i++) {
		const struct if6 *x = &pl->if6[i];
		if ((net ? x->net == net : x->net == 0 && x->nbr == b) && x->metric < best)
			best = x->metric;
	}
	return best == UINT32_MAX ? 0 : best;
}

/* Whether a and b are OSPFv3 neighbours (a p2p interface of a to b, or a
 * transit network both are on): true with *net the network (0: p2p).
 * O(log n + a's interfaces * b's): walked once for a pinned record. */
static bool adj6(const struct placer *pl, uint32_t a, uint32_t b, uint32_t *net)
{
	for (unsigned i = if6_lower(pl, a, 0); i < pl->nif6 && pl->if6[i].router == a; i++) {
		const struct if6 *x = &pl->if6[i];
		if (x->net == 0 ? x->nbr == b : if6_on(pl, b, x->net)) {
			*net = x->net;
			return true;
		}
	}
	return false;
}

/* The router whose link-LSA gives link-local address addr, preferring a
 * neighbour of `from`; 0 if none.  O(log n + the routers with addr). */
static uint32_t ll6_router(const struct placer *pl, const uint8_t *addr, uint32_t from)
{
	unsigned lo = 0, hi = pl->nll6;
	uint32_t first = 0, net;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (memcmp(pl->ll6[mid].addr, addr, 16) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < pl->nll6 && memcmp(pl->ll6[lo].addr, addr, 16) == 0; lo++) {
		if (first == 0)
			first = pl->ll6[lo].router;
		if (pl->ll6[lo].router != from && adj6(pl, from, pl->ll6[lo].router, &net))
			return pl->ll6[lo].router;
	}
	return first;
}

static int unrouted(struct place_out *out, enum place_reason why)
{
	out->reason = (uint8_t)why;
	out->nlinks = out->npairs = 0;
	return why;
}

static struct gcache *gcache_slot(const struct placer *pl, uint32_t ingress, unsigned start,
                                  uint32_t leaf)
{
	uint64_t h = ((uint64_t)ingress << 32 | leaf) * 0x9e3779b97f4a7c15ull;

	h ^= (uint64_t)start * 0xc2b2ae3d27d4eb4full;
	return &pl->cache[(h >> 40) & (GCACHE_SIZE - 1)];
}

/* Replay a cached graph on in's amounts, after what out holds (the pinned
 * first hop); the same shares as the walk. */
static int gcache_use(const struct gcache *e, const struct place_in *in, struct place_out *out)
{
	uint64_t ab[GC_NODES], ap[GC_NODES];
	struct place_link links[GC_EDGES];
	struct place_pair pairs[GC_NODES];
	unsigned pinned = out->nlinks;

	if (e->reason != PLACE_OK)
		return unrouted(out, (enum place_reason)e->reason);
	memset(ab, 0, e->nnodes * sizeof(ab[0]));
	memset(ap, 0, e->nnodes * sizeof(ap[0]));
	for (unsigned i = 0; i < e->nlinks; i++)
		links[i] = (struct place_link){ e->link[i].a, e->link[i].b, e->link[i].net, 0, 0 };
	for (unsigned i = 0; i < e->npairs; i++)
		pairs[i] = (struct place_pair){ out->ingress, e->egress[i], 0, 0 };
	ab[0] = in->bytes;
	ap[0] = in->packets;
	for (unsigned n = 0; n < e->nnodes; n++) {
		uint64_t b = ab[n], p = ap[n];
		unsigned k = e->node[n].k;
		if (e->node[n].egress) {
			pairs[e->node[n].slot].bytes += b;
			pairs[e->node[n].slot].packets += p;
			continue;
		}
		for (unsigned x = 0; x < k; x++) {
			unsigned ei = e->node[n].slot + x;
			uint64_t sb = b / k + (x < b % k), sp = p / k + (x < p % k);
			links[e->edge[ei].slot].bytes += sb;
			links[e->edge[ei].slot].packets += sp;
			ab[e->edge[ei].to] += sb;
			ap[e->edge[ei].to] += sp;
		}
	}
	for (unsigned i = 0; i < e->nlinks; i++)
		if ((links[i].bytes || links[i].packets) &&
		    !add_link(out, links[i].a, links[i].b, links[i].net, links[i].bytes, links[i].packets))
			return unrouted(out, PLACE_TOO_MANY_PATHS);
	for (unsigned i = 0; i < e->npairs; i++)
		if (!add_pair(out, pairs[i].ingress, pairs[i].egress, pairs[i].bytes, pairs[i].packets))
			return unrouted(out, PLACE_TOO_MANY_PATHS);
	if (pinned)                     /* the pinned hop first: sort as the walk does */
		qsort(out->links, out->nlinks, sizeof(out->links[0]), cmp_link);
	return PLACE_OK;
}

static int slot_of_link(const struct gcache *e, uint32_t a, uint32_t b, uint32_t net)
{
	for (unsigned i = 0; i < e->nlinks; i++)
		if (e->link[i].a == a && e->link[i].b == b && e->link[i].net == net)
			return (int)i;
	return -1;
}

static int cmp_glink(const void *x, const void *y)
{
	const uint32_t *a = x, *b = y;   /* a, b, net */
	for (int i = 0; i < 3; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

/* Remember the walk just done (pl->order holds its n routers in the order
 * freed; the edges are in pl->edges): 0, or -1 when it does not fit. */
static int gcache_put(struct placer *pl, struct gcache *e, unsigned n)
{
	unsigned pos[GC_NODES], ne = 0;

	e->valid = 0;
	if (n > GC_NODES)
		return -1;
	for (unsigned i = 0; i < n; i++)
		pos[i] = pl->order[i];
	e->nnodes = (uint8_t)n;
	e->nlinks = e->npairs = 0;
	/* the distinct links, sorted as the walk's output is */
	for (unsigned i = 0; i < n; i++) {
		unsigned ri = pos[i];
		if (pl->egress[ri])
			continue;
		for (uint32_t x = 0; x < pl->ecnt[ri]; x++) {
			const struct edge *ed = &pl->edges[pl->eoff[ri] + x];
			uint32_t a = pl->r[ri].id, b = pl->r[ed->to].id;
			if (slot_of_link(e, a, b, ed->net) >= 0)
				continue;
			if (e->nlinks == GC_EDGES)
				return -1;
			e->link[e->nlinks].a = a;
			e->link[e->nlinks].b = b;
			e->link[e->nlinks].net = ed->net;
			e->nlinks++;
		}
	}
	qsort(e->link, e->nlinks, sizeof(e->link[0]), cmp_glink);
	for (unsigned i = 0; i < n; i++) {
		unsigned ri = pos[i];
		if (pl->egress[ri]) {
			unsigned j;
			for (j = 0; j < e->npairs && e->egress[j] != pl->r[ri].id; j++)
				;
			if (j == e->npairs)
				e->egress[e->npairs++] = pl->r[ri].id;
			e->node[i].k = 0;
			e->node[i].egress = 1;
			e->node[i].slot = (uint8_t)j;
			continue;
		}
		e->node[i].k = (uint8_t)pl->ecnt[ri];
		e->node[i].egress = 0;
		e->node[i].slot = (uint8_t)ne;
		for (uint32_t x = 0; x < pl->ecnt[ri]; x++) {
			const struct edge *ed = &pl->edges[pl->eoff[ri] + x];
			unsigned to;
			if (ne == GC_EDGES)
				return -1;
			for (to = 0; to < n && pos[to] != ed->to; to++)
				;
			if (to <= i || to == n)     /* the walk frees a router after its senders */
				return -1;
			e->edge[ne].to = (uint8_t)to;
			e->edge[ne].slot = (uint8_t)slot_of_link(e, pl->r[ri].id, pl->r[ed->to].id, ed->net);
			ne++;
		}
	}
	/* pairs in the walk's order: by egress */
	for (unsigned i = 1; i < e->npairs; i++)
		for (unsigned j = i; j > 0 && e->egress[j - 1] > e->egress[j]; j--) {
			uint32_t t = e->egress[j];
			e->egress[j] = e->egress[j - 1];
			e->egress[j - 1] = t;
			for (unsigned m = 0; m < n; m++)
				if (e->node[m].egress && e->node[m].slot == j)
					e->node[m].slot = (uint8_t)(j - 1);
				else if (e->node[m].egress && e->node[m].slot == j - 1)
					e->node[m].slot = (uint8_t)j;
		}
	e->nedges = (uint8_t)ne;
	e->reason = PLACE_OK;
	e->valid = 1;
	return 0;
}

static int walk(struct placer *pl, const struct place_in *in, struct place_out *out,
                uint32_t dst, uint32_t ingress, unsigned start, unsigned *freed);
static int place6(struct placer *pl, const struct place_in *in, struct place_out *out);

int place_flow(struct placer *pl, const struct place_in *in, struct place_out *out)
{
	uint32_t src, dst, nh, ingress, leaf;
	unsigned start, freed = 0;
	int ii, rc;

	out->reason = PLACE_OK;
	out->pinned = false;
	out->ingress = 0;
	out->nlinks = out->npairs = 0;
	out->dst_prefix = 0;
	out->dst_plen = 0;
	memset(out->dst_prefix6, 0, sizeof(out->dst_prefix6));
	if (in->af == AF_INET6)
		return place6(pl, in, out);
	if (in->af != AF_INET)
		return unrouted(out, PLACE_BAD_FAMILY);
	if (pl == NULL || pl->nr == 0)
		return unrouted(out, PLACE_NO_TOPOLOGY);
	src = ntohl(in->src.w[0]);
	dst = ntohl(in->dst.w[0]);
	nh = ntohl(in->nexthop.w[0]);
	leaf = lpm_leaf(pl, dst);
	if (leaf) {
		out->dst_prefix = pl->upfx[leaf - 1].prefix;
		out->dst_plen = (uint8_t)masklen(pl->upfx[leaf - 1].mask);
	}

	/* 1. the ingress, and maybe a pinned first hop */
	if (in->ingress != 0) {
		if ((ii = router_index(pl, in->ingress)) < 0)
			return unrouted(out, PLACE_UNKNOWN_INGRESS);
	} else {
		uint32_t sl = lpm_leaf(pl, src);
		if (sl && pl->upfx[sl - 1].ingress) {
			ii = router_index(pl, pl->upfx[sl - 1].ingress);
		} else {
			/* the longest match has no owner in the topology: a shorter one */
			const struct owner *o = owner_lpm(pl, src, 0, 0, 0xf);
			if (o == NULL)
				return unrouted(out, PLACE_NO_SOURCE_PREFIX);
			ii = router_index(pl, o->router);
		}
	}
	ingress = pl->r[ii].id;
	out->ingress = ingress;
	start = (unsigned)ii;
	if (in->ingress != 0 && nh != 0) {
		const struct iface *f = iface_find(pl, nh, ingress);
		const struct adj *a = f ? adj_find(pl, ingress, f->router) : NULL;
		if (a != NULL) {
			/* the link the address is on, else any link between the two */
			uint32_t net = f->rid_only ? a->net : f->net;
			if (!add_link(out, ingress, f->router, net, in->bytes, in->packets))
				return unrouted(out, PLACE_TOO_MANY_PATHS);
			out->pinned = true;
			start = (unsigned)router_index(pl, f->router);
		}
	}

	/* 2. the walk, or the graph it found for this (ingress, start, leaf)
	 * before, replayed on these amounts */
	{
		struct gcache *e = gcache_slot(pl, ingress, start, leaf);
		uint32_t pin = out->pinned ? nh : 0;
		if (pl->nocache)
			return walk(pl, in, out, dst, ingress, start, &freed);
		if (e->valid && e->leaf == leaf && e->ingress == ingress && e->start == start &&
		    e->nh == pin)
			return gcache_use(e, in, out);
		rc = walk(pl, in, out, dst, ingress, start, &freed);
		if (rc == PLACE_OK && freed > 0) {
			if (gcache_put(pl, e, freed) < 0)
				return rc;
		} else if (rc != PLACE_OK && rc != PLACE_TOO_MANY_PATHS && freed == 0) {
			e->reason = (uint8_t)rc;        /* the graph, not the amounts, said no */
		} else {
			return rc;
		}
		e->ingress = ingress;
		e->start = start;
		e->leaf = leaf;
		e->nh = pin;
		e->valid = 1;
		return rc;
	}
}

/* Steps 2a and 2b of place_flow, for IPv4 destination dst or, when dst6 is
 * not NULL, for IPv6 destination dst6; *freed receives the number of
 * routers of the forwarding graph when it was found whole (pl->order lists
 * them in the order they were freed), else 0. */
static int walk_af(struct placer *pl, const struct place_in *in, struct place_out *out,
                   uint32_t dst, const uint8_t *dst6, uint32_t ingress, unsigned start,
                   unsigned *freed)
{
	unsigned n = 0, head = 0, nedges = 0, done = 0, reached;
	uint8_t ord[SPF_MAX_NEXTHOPS];

	/* 2a. the forwarding graph from start: depth-first, each router once */
	if (++pl->gen == 0) {
		memset(pl->mark, 0, pl->nr * sizeof(*pl->mark));
		pl->gen = 1;
	}
	pl->mark[start] = pl->gen;
	pl->queue[n++] = start;
	pl->indeg[start] = 0;
	while (head < n) {
		unsigned ri = pl->queue[head++];
		const struct route *l = NULL;
		const struct route6 *l6 = NULL;
		int d = dst6 ? decide6(pl, ri, dst6, &l6) : decide(pl, ri, dst, &l);
		unsigned nnh;

		if (d > 1)
			return unrouted(out, (enum place_reason)d);
		pl->egress[ri] = (uint8_t)d;
		pl->eoff[ri] = nedges;
		pl->ecnt[ri] = 0;
		pl->abytes[ri] = pl->apkts[ri] = 0;
		pl->depth[ri] = 0;
		if (d == 1)
			continue;
		nnh = dst6 ? l6->nnh : l->nnh;
		if (dst6)
			nh6_order(l6, ord);
		for (unsigned k = 0; k < nnh; k++) {
			int bi;
			uint32_t net;
			if (dst6) {
				/* OSPFv3's next hops name their router */
				bi = router_index(pl, l6->nh[ord[k]].router);
				net = if6_net(pl, pl->r[ri].id, l6->nh[ord[k]].ifid);
			} else {
				const struct iface *f = iface_find(pl, l->nh[k], pl->r[ri].id);
				bi = f ? router_index(pl, f->router) : -1;
				net = f ? f->net : 0;
			}
			if (bi < 0)
				return unrouted(out, PLACE_UNKNOWN_NEXTHOP);
			if ((unsigned)bi == ri)
				return unrouted(out, PLACE_LOOP);
			pl->edges[nedges++] = (struct edge){ (uint32_t)bi, net };
			pl->ecnt[ri]++;
			if (pl->mark[bi] != pl->gen) {
				pl->mark[bi] = pl->gen;
				pl->indeg[bi] = 0;
				pl->queue[n++] = (unsigned)bi;
			}
			pl->indeg[bi]++;
		}
	}

	/* 2b. in topological order: add up what arrives, then divide it */
	reached = n;
	if (pl->indeg[start] != 0)
		return unrouted(out, PLACE_LOOP);
	pl->abytes[start] = in->bytes;
	pl->apkts[start] = in->packets;
	head = n = 0;
	pl->queue[n++] = start;
	while (head < n) {
		unsigned ri = pl->queue[head++];
		uint64_t b = pl->abytes[ri], p = pl->apkts[ri];
		uint32_t k = pl->ecnt[ri];

		pl->order[done++] = ri;
		if (pl->egress[ri]) {
			if (!add_pair(out, ingress, pl->r[ri].id, b, p))
				return unrouted(out, PLACE_TOO_MANY_PATHS);
			continue;
		}
		for (uint32_t e = 0; e < k; e++) {
			const struct edge *ed = &pl->edges[pl->eoff[ri] + e];
			uint64_t sb = b / k + (e < b % k), sp = p / k + (e < p % k);
			if (pl->depth[ri] + 1 > PLACE_MAX_HOPS)
				return unrouted(out, PLACE_LOOP);
			if (!add_link(out, pl->r[ri].id, pl->r[ed->to].id, ed->net, sb, sp))
				return unrouted(out, PLACE_TOO_MANY_PATHS);
			pl->abytes[ed->to] += sb;
			pl->apkts[ed->to] += sp;
			if (pl->depth[ed->to] < pl->depth[ri] + 1)
				pl->depth[ed->to] = pl->depth[ri] + 1;
			if (--pl->indeg[ed->to] == 0)
				pl->queue[n++] = ed->to;
		}
	}
	if (done != reached)            /* some router never freed: a cycle */
		return unrouted(out, PLACE_LOOP);
	*freed = done;
	qsort(out->links, out->nlinks, sizeof(out->links[0]), cmp_link);
	qsort(out->pairs, out->npairs, sizeof(out->pairs[0]), cmp_pair);
	return PLACE_OK;
}

static int walk(struct placer *pl, const struct place_in *in, struct place_out *out,
                uint32_t dst, uint32_t ingress, unsigned start, unsigned *freed)
{
	return walk_af(pl, in, out, dst, NULL, ingress, start, freed);
}

/* place_flow for an IPv6 flow: the same steps on the OSPFv3 LSAs (no graph
 * cache).  The database has none: PLACE_IPV6. */
static int place6(struct placer *pl, const struct place_in *in, struct place_out *out)
{
	const struct owner6 *d;
	uint32_t ingress;
	unsigned start, freed = 0;
	int ii;
	static const uint8_t zero[16];

	if (pl == NULL || pl->routers6 == 0)
		return unrouted(out, PLACE_IPV6);
	d = owner6_lpm(pl, in->dst.b, 0, 0, 0xf);
	if (d != NULL) {
		memcpy(out->dst_prefix6, d->prefix, 16);
		out->dst_plen = d->plen;
	}
	if (in->ingress != 0) {
		if ((ii = router_index(pl, in->ingress)) < 0)
			return unrouted(out, PLACE_UNKNOWN_INGRESS);
	} else {
		const struct owner6 *o = owner6_lpm(pl, in->src.b, 0, 0, 0xf);
		if (o == NULL)
			return unrouted(out, PLACE_NO_SOURCE_PREFIX);
		ii = router_index(pl, o->router);
	}
	ingress = pl->r[ii].id;
	out->ingress = ingress;
	start = (unsigned)ii;
	if (in->ingress != 0 && memcmp(in->nexthop.b, zero, 16) != 0) {
		/* a link-local next hop names the neighbour (its link-LSA) */
		uint32_t nb = ll6_router(pl, in->nexthop.b, ingress), net;
		if (nb != 0 && nb != ingress && adj6(pl, ingress, nb, &net)) {
			if (!add_link(out, ingress, nb, net, in->bytes, in->packets))
				return unrouted(out, PLACE_TOO_MANY_PATHS);
			out->pinned = true;
			start = (unsigned)router_index(pl, nb);
		}
	}
	return walk_af(pl, in, out, 0, in->dst.b, ingress, start, &freed);
}

uint32_t placer_router_of(const struct placer *pl, uint32_t addr)
{
	const struct iface *f = iface_find(pl, addr, 0);

	return f ? f->router : 0;
}

unsigned placer_subnet(const struct placer *pl, uint32_t prefix, uint32_t mask, uint32_t self,
                       uint32_t *out, unsigned max, uint32_t *net)
{
	unsigned n = 0;

	*net = 0;
	prefix &= mask;
	for (unsigned i = ifc_lower(pl, prefix); i < pl->nifc && (pl->ifc[i].addr & mask) == prefix; i++) {
		const struct iface *f = &pl->ifc[i];
		bool seen = false;
		if (f->rid_only)
			continue;
		if (f->net != 0)
			*net = f->net;
		if (f->router == self)
			continue;
		for (unsigned k = 0; k < n && k < max; k++)
			seen |= out[k] == f->router;
		if (seen)
			continue;
		if (n < max)
			out[n] = f->router;
		n++;
	}
	return n;
}

unsigned placer_adjacent(const struct placer *pl, uint32_t r, uint32_t *nbr, uint32_t *net,
                         unsigned max)
{
	unsigned lo = 0, hi = pl->nadj, n = 0;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (pl->adj[mid].a < r)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (unsigned i = lo; i < pl->nadj && pl->adj[i].a == r; i++) {
		if (n < max) {
			nbr[n] = pl->adj[i].b;
			net[n] = pl->adj[i].net;
		}
		n++;
	}
	return n;
}

unsigned placer_routers(const struct placer *pl)
{
	return pl->nr;
}

void placer_cache(struct placer *pl, bool on)
{
	pl->nocache = !on;
	memset(pl->cache, 0, GCACHE_SIZE * sizeof(*pl->cache));
}
