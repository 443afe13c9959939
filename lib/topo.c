/*
 * The topology an LSDB describes (topo.h), built whole from the database in
 * O(n log n): routers, links paired into two-way ones, networks, prefixes,
 * what is missing; its renderings (JSON, text); the differences between two
 * topologies as events.  topo_build is the reference that the incremental
 * topology (topolive.h) must equal.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>

#include "hash.h"
#include "sortwork.h"
#include "topo.h"

static void *search(const void *key, const void *base, unsigned n, size_t sz,
                    int (*cmp)(const void *, const void *))
{
	return n > 0 ? bsearch(key, base, n, sz, cmp) : NULL;
}


static int u32_cmp(const void *pa, const void *pb)
{
	CMP(*(const uint32_t *)pa, *(const uint32_t *)pb);
	return 0;
}

static int router_cmp(const void *pa, const void *pb)
{
	const struct topo_router *a = pa, *b = pb;

	CMP(a->area, b->area);
	CMP(a->id, b->id);
	return 0;
}

static int link_cmp(const void *pa, const void *pb)
{
	const struct topo_link *a = pa, *b = pb;

	CMP(a->area, b->area);
	CMP(a->type, b->type);
	CMP(a->a, b->a);
	CMP(a->b, b->b);
	CMP(a->a_addr, b->a_addr);
	CMP(a->b_addr, b->b_addr);
	return 0;
}

/* Links with one key in one order whatever the sort: by their contents. */
int topo_link_order(const void *pa, const void *pb)
{
	const struct topo_link *a = pa, *b = pb;
	int c = link_cmp(pa, pb);

	if (c != 0)
		return c;
	CMP(a->cost_ab, b->cost_ab);
	CMP(a->cost_ba, b->cost_ba);
	CMP(a->two_way, b->two_way);
	return 0;
}

int topo_router_order(const void *pa, const void *pb)
{
	return router_cmp(pa, pb);
}

static int network_cmp(const void *pa, const void *pb)
{
	const struct topo_network *a = pa, *b = pb;

	CMP(a->area, b->area);
	CMP(a->id, b->id);
	return 0;
}

static int prefix_cmp(const void *pa, const void *pb)
{
	const struct topo_prefix *a = pa, *b = pb;
	int c;

	CMP(a->area, b->area);
	CMP(a->kind, b->kind);
	CMP(a->prefix, b->prefix);
	CMP(a->mask, b->mask);
	CMP(a->v3, b->v3);
	if (a->v3 && (c = memcmp(a->p6, b->p6, 16)) != 0)
		return c < 0 ? -1 : 1;
	CMP(a->plen, b->plen);
	CMP(a->router, b->router);
	return 0;
}

int topo_prefix_order(const void *pa, const void *pb)
{
	const struct topo_prefix *a = pa, *b = pb;
	int c = prefix_cmp(pa, pb);

	if (c != 0)
		return c;
	CMP(a->cost, b->cost);
	CMP(a->e2, b->e2);
	CMP(a->fwd, b->fwd);
	CMP(a->tag, b->tag);
	if ((c = memcmp(a->fwd6, b->fwd6, 16)) != 0)
		return c < 0 ? -1 : 1;
	return 0;
}

static int missing_cmp(const void *pa, const void *pb)
{
	const struct topo_missing *a = pa, *b = pb;

	CMP(a->area, b->area);
	CMP(a->kind, b->kind);
	CMP(a->id, b->id);
	return 0;
}

/* One router's view of a point-to-point or virtual link (before pairing). */
struct half {
	uint32_t area, from, to, addr, metric;
	uint8_t type;
	bool used;
};

static uint32_t lo_of(const struct half *h) { return h->from < h->to ? h->from : h->to; }
static uint32_t hi_of(const struct half *h) { return h->from < h->to ? h->to : h->from; }

static int half_cmp(const void *pa, const void *pb)
{
	const struct half *a = pa, *b = pb;

	CMP(a->area, b->area);
	CMP(a->type, b->type);
	CMP(lo_of(a), lo_of(b));
	CMP(hi_of(a), hi_of(b));
	CMP(a->from, b->from);
	CMP(a->addr, b->addr);
	CMP(a->metric, b->metric);
	return 0;
}

struct builder {
	struct topo *t;
	uint64_t now_ms;
	uint32_t area;
	unsigned cr, cl, cn, catt, cp, cm, ch;
	struct half *h;
	unsigned nh;
	bool oom;
};

static struct topo_prefix *add_prefix(struct builder *b, uint8_t kind, uint32_t prefix,
                                      uint32_t mask, uint32_t router, uint32_t cost)
{
	struct topo *t = b->t;
	struct topo_prefix *p;

	if (!sw_grow(&t->p, &b->cp, t->np, sizeof(*t->p))) {
		b->oom = true;
		return NULL;
	}
	p = &t->p[t->np++];
	*p = (struct topo_prefix){ .area = b->area, .kind = kind, .prefix = prefix & mask,
	                           .mask = mask, .router = router, .cost = cost };
	return p;
}

static void add_missing(struct builder *b, uint8_t kind, uint32_t id)
{
	struct topo *t = b->t;

	if (!sw_grow(&t->m, &b->cm, t->nm, sizeof(*t->m))) {
		b->oom = true;
		return;
	}
	t->m[t->nm++] = (struct topo_missing){ b->area, kind, id };
}

static void add_link(struct builder *b, const struct topo_link *l)
{
	struct topo *t = b->t;

	if (!sw_grow(&t->l, &b->cl, t->nl, sizeof(*t->l))) {
		b->oom = true;
		return;
	}
	t->l[t->nl++] = *l;
}

static void on_router_lsa(void *ctx, const struct lsdb_entry *e)
{
	struct builder *b = ctx;
	struct topo *t = b->t;
	const struct lsa *l = &e->lsa;
	struct lsa_router_link lk;

	if (lsdb_age_of(e, b->now_ms) >= OSPF_MAX_AGE || l->h.ls_id != l->h.adv_router || b->oom)
		return;
	if (!sw_grow(&t->r, &b->cr, t->nr, sizeof(*t->r))) {
		b->oom = true;
		return;
	}
	t->r[t->nr++] = (struct topo_router){ b->area, l->h.adv_router, l->u.router.flags, false,
	                                      false };
	for (struct lsa_link_cursor c = { 0 }; lsa_router_link_next(l, &c, &lk);) {
		t->work++;
		switch (lk.type) {
		case LINK_P2P:
		case LINK_VIRTUAL:
			if (!sw_grow(&b->h, &b->ch, b->nh, sizeof(*b->h))) {
				b->oom = true;
				return;
			}
			b->h[b->nh++] = (struct half){ b->area, l->h.adv_router, lk.id, lk.data,
			                               lk.metric, lk.type, false };
			break;
		case LINK_TRANSIT:
			add_link(b, &(struct topo_link){ .area = b->area, .type = LINK_TRANSIT,
			         .a = l->h.adv_router, .b = lk.id, .a_addr = lk.data,
			         .cost_ab = lk.metric });
			break;
		case LINK_STUB:
			add_prefix(b, TP_STUB, lk.id, lk.data, l->h.adv_router, lk.metric);
			break;
		}
	}
}

static void on_network_lsa(void *ctx, const struct lsdb_entry *e)
{
	struct builder *b = ctx;
	struct topo *t = b->t;
	const struct lsa *l = &e->lsa;
	struct topo_network *n;

	if (lsdb_age_of(e, b->now_ms) >= OSPF_MAX_AGE || b->oom)
		return;
	/* Entries come sorted by ls_id then advertising router: of two
	 * instances for one network (a stale one from an earlier DR), the
	 * first is used, as SPF does. */
	if (t->nn > 0 && t->n[t->nn - 1].area == b->area && t->n[t->nn - 1].id == l->h.ls_id)
		return;
	if (!sw_grow(&t->n, &b->cn, t->nn, sizeof(*t->n))) {
		b->oom = true;
		return;
	}
	n = &t->n[t->nn++];
	*n = (struct topo_network){ b->area, l->h.ls_id, l->u.network.mask, l->h.adv_router,
	                            t->natt, 0 };
	for (unsigned i = 0; i < l->u.network.nrouters; i++) {
		if (!sw_grow(&t->att, &b->catt, t->natt, sizeof(*t->att))) {
			b->oom = true;
			return;
		}
		t->att[t->natt++] = lsa_network_router(l, i);
		t->work++;
		n->n++;
	}
	add_prefix(b, TP_TRANSIT, l->h.ls_id, l->u.network.mask, l->h.adv_router, 0);
}

static void on_other_lsa(void *ctx, const struct lsdb_entry *e)
{
	struct builder *b = ctx;
	const struct lsa *l = &e->lsa;
	struct topo_prefix *p;

	b->t->work++;
	if (lsdb_age_of(e, b->now_ms) >= OSPF_MAX_AGE || b->oom)
		return;
	switch (l->h.type) {
	case LSA_SUMMARY:
		add_prefix(b, TP_SUMMARY, l->h.ls_id, l->u.summary.mask, l->h.adv_router,
		           l->u.summary.metric);
		break;
	case LSA_ASBR_SUMMARY:
		add_prefix(b, TP_ASBR_SUMMARY, l->h.ls_id, 0xffffffffu, l->h.adv_router,
		           l->u.summary.metric);
		break;
	case LSA_EXTERNAL:
	case LSA_NSSA:
		p = add_prefix(b, l->h.type == LSA_NSSA ? TP_NSSA : TP_EXTERNAL, l->h.ls_id,
		               l->u.external.mask, l->h.adv_router, l->u.external.metric);
		if (p != NULL) {
			p->e2 = l->u.external.e2;
			p->fwd = l->u.external.fwd;
			p->tag = l->u.external.tag;
		}
		break;
	}
}

static const struct topo_router *find_router(const struct topo *t, uint32_t area, uint32_t id)
{
	struct topo_router key = { .area = area, .id = id };

	return search(&key, t->r, t->nr, sizeof(*t->r), router_cmp);
}

static struct topo_network *find_network(const struct topo *t, uint32_t area, uint32_t id)
{
	struct topo_network key = { .area = area, .id = id };

	return search(&key, t->n, t->nn, sizeof(*t->n), network_cmp);
}

/*
 * The stub subnets (router-LSA stub links of contiguous masks other than
 * /32s: a non-contiguous mask names no subnet, topo.h) as a hash table
 * keyed by (area, router, prefix, mask), and which mask lengths occur: the
 * subnet of router r holding an address is found with one probe per length
 * in use, whatever the number of stubs.  Needs t->p sorted (the index of a
 * stub in it names the subnet).
 */
struct stubs {
	uint32_t *slot;              /* 1 + index in t->p; 0: empty */
	uint32_t mask;               /* slots - 1 */
	uint64_t seed;
	uint64_t lens;               /* bit L: a stub of mask length L exists */
};

struct stub_key {
	uint32_t area, router, prefix, mask;
};

static uint32_t stub_slot(const struct stubs *s, uint32_t area, uint32_t router, uint32_t prefix,
                          uint32_t mask)
{
	struct stub_key k = { area, router, prefix, mask };

	return (uint32_t)hash_words(&k, sizeof(k), s->seed) & s->mask;
}

/* Build the table of t's stubs; false when memory ran out.  O(np). */
static bool stubs_build(struct topo *t, struct stubs *s)
{
	uint32_t n = 16;

	memset(s, 0, sizeof(*s));
	while (n < 2 * (uint64_t)t->np + 2 && n < (1u << 31))
		n <<= 1;
	if ((s->slot = calloc(n, sizeof(*s->slot))) == NULL)
		return false;
	s->mask = n - 1;
	if (getrandom(&s->seed, sizeof(s->seed), 0) != sizeof(s->seed))   /* crafted collisions */
		s->seed = (uint64_t)(uintptr_t)s->slot * 0x9e3779b97f4a7c15ull ^ (uint64_t)time(NULL);
	for (unsigned i = 0; i < t->np; i++) {
		const struct topo_prefix *p = &t->p[i];
		uint32_t h;

		if (p->kind != TP_STUB || p->mask == 0xffffffffu || (~p->mask & (~p->mask + 1)) != 0)
			continue;
		h = stub_slot(s, p->area, p->router, p->prefix, p->mask);
		while (s->slot[h] != 0) {
			t->work++;
			h = (h + 1) & s->mask;
		}
		s->slot[h] = i + 1;
		s->lens |= 1ull << __builtin_popcount(p->mask);
		t->work++;
	}
	return true;
}

/* The most specific stub subnet of router r in area that holds addr: 1 +
 * its index in t->p, or 0.  O(mask lengths in use) probes. */
static uint32_t stub_of(struct topo *t, const struct stubs *s, uint32_t area, uint32_t r,
                        uint32_t addr)
{
	for (int len = 31; len >= 0; len--) {
		uint32_t mask = len ? 0xffffffffu << (32 - len) : 0, h;

		if (!(s->lens & 1ull << len))
			continue;
		h = stub_slot(s, area, r, addr & mask, mask);
		for (; s->slot[h] != 0; h = (h + 1) & s->mask) {
			const struct topo_prefix *p = &t->p[s->slot[h] - 1];
			t->work++;
			if (p->area == area && p->router == r && p->mask == mask &&
			    p->prefix == (addr & mask))
				return s->slot[h];
		}
	}
	return 0;
}

/* A half's place in the group, for sorting one side by subnet. */
struct sub_ref {
	uint64_t sub;
	unsigned pos;
};

/* By subnet, then by position (the address order of the group). */
static int by_sub(const void *pa, const void *pb)
{
	const struct sub_ref *a = pa, *b = pb;

	CMP(a->sub, b->sub);
	CMP(a->pos, b->pos);
	return 0;
}

unsigned topo_pair_ends(const uint64_t *sub, unsigned na, unsigned nb, bool *used,
                        unsigned (*pair)[2], uint64_t *work)
{
	struct sub_ref *ord;
	unsigned x, y, n = 0, g = na + nb;

	for (x = 0; x < g; x++)
		used[x] = false;
	if (na == 0 || nb == 0)
		return 0;
	if ((ord = malloc(g * sizeof(*ord))) == NULL)
		return UINT_MAX;
	/* by subnet: merge A's and B's ends sorted by (subnet, address) */
	for (x = 0; x < g; x++)
		ord[x] = (struct sub_ref){ sub[x], x };
	qsort(ord, na, sizeof(*ord), by_sub);
	qsort(ord + na, nb, sizeof(*ord), by_sub);
	*work += SORT_WORK(na) + SORT_WORK(nb);
	for (x = 0, y = na; x < na && y < g;) {
		++*work;
		if (ord[x].sub == 0 || ord[x].sub < ord[y].sub) {
			x++;
		} else if (ord[y].sub == 0 || ord[y].sub < ord[x].sub) {
			y++;
		} else {
			used[ord[x].pos] = used[ord[y].pos] = true;
			pair[n][0] = ord[x++].pos;
			pair[n++][1] = ord[y++].pos;
		}
	}
	/* the rest in address order */
	for (x = 0, y = na; x < na && y < g;) {
		++*work;
		if (used[x]) {
			x++;
		} else if (used[y]) {
			y++;
		} else {
			used[x] = used[y] = true;
			pair[n][0] = x++;
			pair[n++][1] = y++;
		}
	}
	free(ord);
	return n;
}

/*
 * Pair the halves of each group (same area, type and router pair) as
 * topo_pair_ends does, the lower router's side first, subnets those of the
 * lower router (contiguous masks only; an unnumbered link's ifindex lies
 * in none; of nested stub subnets the most specific); the rest are one-way.
 * O(h log h) in the halves; needs t->p sorted.
 */
static void pair_links(struct builder *b)
{
	struct topo *t = b->t;
	struct stubs st;
	uint64_t *sub;
	bool *used;
	unsigned (*pair)[2];
	unsigned i = 0;

	sw_sort(b->h, b->nh, sizeof(*b->h), half_cmp);
	t->work += SORT_WORK(b->nh);
	if (b->nh == 0)
		return;
	sub = malloc(b->nh * sizeof(*sub));
	used = malloc(b->nh * sizeof(*used));
	pair = malloc(b->nh * sizeof(*pair));
	if (sub == NULL || used == NULL || pair == NULL || !stubs_build(t, &st)) {
		free(sub);
		free(used);
		free(pair);
		b->oom = true;
		return;
	}
	while (i < b->nh) {
		unsigned j = i, mid, np = 0;
		uint32_t lo = lo_of(&b->h[i]), hi = hi_of(&b->h[i]);

		while (j < b->nh && b->h[j].area == b->h[i].area && b->h[j].type == b->h[i].type &&
		       lo_of(&b->h[j]) == lo && hi_of(&b->h[j]) == hi)
			j++;
		/* [i, mid): lo's halves; [mid, j): hi's (a router linked to itself:
		 * all in the first part, each one-way). */
		for (mid = i; mid < j && b->h[mid].from == lo; mid++)
			;
		t->work += j - i;
		if (mid > i && mid < j) {
			for (unsigned x = i; x < j; x++)
				sub[x - i] = stub_of(t, &st, b->h[x].area, lo, b->h[x].addr);
			if ((np = topo_pair_ends(sub, mid - i, j - mid, used, pair, &t->work)) == UINT_MAX) {
				b->oom = true;
				break;
			}
		}
		for (unsigned k = 0; k < np; k++) {
			struct half *x = &b->h[i + pair[k][0]], *y = &b->h[i + pair[k][1]];
			x->used = y->used = true;
			add_link(b, &(struct topo_link){ .area = x->area, .type = x->type,
			         .two_way = true, .a = lo, .b = hi, .a_addr = x->addr,
			         .b_addr = y->addr, .cost_ab = x->metric, .cost_ba = y->metric });
		}
		for (unsigned x = i; x < j; x++)
			if (!b->h[x].used)
				add_link(b, &(struct topo_link){ .area = b->h[x].area,
				         .type = b->h[x].type, .a = b->h[x].from, .b = b->h[x].to,
				         .a_addr = b->h[x].addr, .cost_ab = b->h[x].metric });
		i = j;
	}
	free(st.slot);
	free(sub);
	free(used);
	free(pair);
}

/* Two-way checks of transit links, routers' "up", and what is missing. */
/* A router attached to a network (from the network-LSA), for looking up
 * "does the network-LSA list this router" in O(log n). */
struct att_ref {
	uint32_t area, net, router;
};

static int att_ref_cmp(const void *pa, const void *pb)
{
	const struct att_ref *a = pa, *b = pb;

	CMP(a->area, b->area);
	CMP(a->net, b->net);
	CMP(a->router, b->router);
	return 0;
}

/* Two-way checks of transit links, routers' "up", and what is missing.
 * O((links + attached routers) log n); needs t->p sorted. */
static void finish(struct builder *b)
{
	struct topo *t = b->t;
	unsigned nlinks = t->nl;
	struct att_ref *att = malloc((t->natt + 1) * sizeof(*att));
	unsigned natt = 0;

	if (att == NULL) {
		b->oom = true;
		return;
	}
	for (unsigned i = 0; i < t->nn; i++)
		for (unsigned k = 0; k < t->n[i].n; k++)
			att[natt++] = (struct att_ref){ t->n[i].area, t->n[i].id, t->att[t->n[i].first + k] };
	sw_sort(att, natt, sizeof(*att), att_ref_cmp);
	t->work += natt + SORT_WORK(natt);
	for (unsigned i = 0; i < nlinks; i++) {
		struct topo_link *l = &t->l[i];
		struct topo_router *r;

		b->area = l->area;
		t->work += 1 + lg(t->nn) + lg(natt) + 3 * lg(t->nr);  /* the searches below */
		if (l->type == LINK_TRANSIT) {
			struct att_ref key = { l->area, l->b, l->a };
			if (find_network(t, l->area, l->b) == NULL)
				add_missing(b, TM_NETWORK, l->b);
			else
				l->two_way = search(&key, att, natt, sizeof(*att), att_ref_cmp) != NULL;
		} else if (!l->two_way && find_router(t, l->area, l->b) == NULL) {
			add_missing(b, TM_ROUTER, l->b);
		}
		if (l->two_way) {
			if ((r = (struct topo_router *)find_router(t, l->area, l->a)) != NULL)
				r->up = true;
			if (l->type != LINK_TRANSIT &&
			    (r = (struct topo_router *)find_router(t, l->area, l->b)) != NULL)
				r->up = true;
		}
	}
	free(att);
	for (unsigned i = 0; i < t->nn; i++) {
		b->area = t->n[i].area;
		t->work += (uint64_t)(t->n[i].n + 1) * lg(t->nr);
		if (find_router(t, t->n[i].area, t->n[i].dr) == NULL)
			add_missing(b, TM_ROUTER, t->n[i].dr);
		for (unsigned k = 0; k < t->n[i].n; k++)
			if (find_router(t, t->n[i].area, t->att[t->n[i].first + k]) == NULL)
				add_missing(b, TM_ROUTER, t->att[t->n[i].first + k]);
	}
	for (unsigned i = 0; i < t->nr; i++) {
		bool alone = (i == 0 || t->r[i - 1].area != t->r[i].area) &&
		             (i + 1 == t->nr || t->r[i + 1].area != t->r[i].area);
		if (alone)
			t->r[i].up = true;
	}
	sw_sort(t->l, t->nl, sizeof(*t->l), topo_link_order);
	sw_sort(t->m, t->nm, sizeof(*t->m), missing_cmp);
	t->work += t->nr + SORT_WORK(t->nl) + 2 * SORT_WORK(t->nm);
	if (t->nm > 1) {                       /* each missing LSA once */
		unsigned k = 1;
		for (unsigned i = 1; i < t->nm; i++)
			if (missing_cmp(&t->m[i], &t->m[k - 1]) != 0)
				t->m[k++] = t->m[i];
		t->nm = k;
	}
}

/*
 * One sorted walk of the database (area, then type, ls_id, adv_router; the
 * AS scope last) gives each area's router-LSAs, then its network-LSAs, then
 * the rest: routers and networks come out sorted; prefixes, links and
 * missing LSAs are sorted after.  O(n log n) in the LSAs and their links,
 * counted in t->work.
 */
struct topo *topo_build(const struct lsdb *db, uint64_t now_ms)
{
	struct builder b = { .now_ms = now_ms };
	const struct lsdb_entry **v;
	uint32_t n;

	if ((b.t = calloc(1, sizeof(*b.t))) == NULL)
		return NULL;
	b.t->time_ms = now_ms;
	if (!lsdb_sorted(db, &v, &n)) {
		free(b.t);
		return NULL;
	}
	b.t->work += n + SORT_WORK(n);
	for (uint32_t i = 0; i < n && !b.oom; i++) {
		if (v[i]->lsa.h.v3)
			continue;            /* OSPFv3: topo6 */
		b.area = v[i]->area;
		switch (v[i]->lsa.h.type) {
		case LSA_ROUTER:
			if (b.area != LSDB_AS_SCOPE)
				on_router_lsa(&b, v[i]);
			break;
		case LSA_NETWORK:
			if (b.area != LSDB_AS_SCOPE)
				on_network_lsa(&b, v[i]);
			break;
		default:
			on_other_lsa(&b, v[i]);
			break;
		}
	}
	free(v);
	if (!b.oom) {
		sw_sort(b.t->p, b.t->np, sizeof(*b.t->p), topo_prefix_order);
		b.t->work += SORT_WORK(b.t->np);
		pair_links(&b);
	}
	if (!b.oom)
		finish(&b);
	free(b.h);
	if (b.oom) {
		topo_free(b.t);
		return NULL;
	}
	return b.t;
}

void topo_free(struct topo *t)
{
	if (t == NULL)
		return;
	free(t->r);
	free(t->l);
	free(t->n);
	free(t->att);
	free(t->p);
	free(t->m);
	free(t);
}

bool topo_equal(const struct topo *a, const struct topo *b)
{
	if (a->nr != b->nr || a->nl != b->nl || a->nn != b->nn || a->natt != b->natt ||
	    a->np != b->np || a->nm != b->nm)
		return false;
	for (unsigned i = 0; i < a->nr; i++)
		if (router_cmp(&a->r[i], &b->r[i]) != 0 || a->r[i].flags != b->r[i].flags ||
		    a->r[i].up != b->r[i].up)
			return false;
	for (unsigned i = 0; i < a->nl; i++)
		if (topo_link_order(&a->l[i], &b->l[i]) != 0)
			return false;
	for (unsigned i = 0; i < a->nn; i++)
		if (network_cmp(&a->n[i], &b->n[i]) != 0 || a->n[i].mask != b->n[i].mask ||
		    a->n[i].dr != b->n[i].dr || a->n[i].first != b->n[i].first ||
		    a->n[i].n != b->n[i].n)
			return false;
	for (unsigned i = 0; i < a->natt; i++)
		if (a->att[i] != b->att[i])
			return false;
	for (unsigned i = 0; i < a->np; i++)
		if (topo_prefix_order(&a->p[i], &b->p[i]) != 0)
			return false;
	for (unsigned i = 0; i < a->nm; i++)
		if (missing_cmp(&a->m[i], &b->m[i]) != 0)
			return false;
	return true;
}

void topo_completeness(const struct topo *t, struct topo_completeness *c)
{
	uint32_t *ids = malloc((t->nr + 1) * sizeof(*ids));

	memset(c, 0, sizeof(*c));
	if (ids != NULL) {                     /* a router of several areas counts once */
		for (unsigned i = 0; i < t->nr; i++)
			ids[i] = t->r[i].id;
		sw_sort(ids, t->nr, sizeof(*ids), u32_cmp);
		for (unsigned i = 0; i < t->nr; i++)
			c->routers += i == 0 || ids[i] != ids[i - 1];
		free(ids);
	}
	for (unsigned i = 0; i < t->nm; i++) {
		if (t->m[i].kind == TM_ROUTER)
			c->missing_routers++;
		else
			c->missing_networks++;
	}
	c->lsas_refused = t->lsas_refused;
	c->unverified = t->unverified;
	c->authenticated = t->authenticated;
	c->complete = c->routers > 0 && t->nm == 0 && t->lsas_refused == 0;
}

/* ---- output ---- */

static const char *prefix_kind_name(uint8_t k)
{
	static const char *const names[] = { "stub", "transit", "summary", "asbr-summary",
	                                     "nssa", "external" };
	return k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

static const char *link_type_name(uint8_t t)
{
	return t == LINK_P2P ? "p2p" : t == LINK_TRANSIT ? "transit" : "virtual";
}

static void flags_json(struct sbuf *b, uint8_t f)
{
	static const struct { uint8_t bit; const char *name; } fl[] = {
		{ LSA_ROUTER_B, "ABR" }, { LSA_ROUTER_E, "ASBR" }, { LSA_ROUTER_V, "V" },
		{ LSA_ROUTER_NT, "NT" },
	};
	const char *sep = "";

	sbuf_put(b, "[", 1);
	for (unsigned i = 0; i < sizeof(fl) / sizeof(fl[0]); i++)
		if (f & fl[i].bit) {
			sbuf_printf(b, "%s\"%s\"", sep, fl[i].name);
			sep = ",";
		}
	sbuf_put(b, "]", 1);
}

static void router_json(struct sbuf *b, const struct topo_router *r)
{
	sbuf_printf(b, "{%s\"id\":", r->v3 ? "\"ospf\":3," : "");
	sbuf_ipq(b, r->id);
	sbuf_printf(b, ",\"flags\":");
	flags_json(b, r->flags);
	sbuf_printf(b, ",\"up\":%s}", r->up ? "true" : "false");
}

/* An OSPFv3 link: interface ids where OSPFv2's has addresses. */
static void link6_json(struct sbuf *b, const struct topo_link *l)
{
	sbuf_printf(b, "{\"ospf\":3,\"type\":\"%s\",", link_type_name(l->type));
	if (l->type == LINK_TRANSIT) {
		sbuf_printf(b, "\"router\":");
		sbuf_ipq(b, l->a);
		sbuf_printf(b, ",\"ifid\":%u,\"dr\":", l->a_addr);
		sbuf_ipq(b, l->b);
		sbuf_printf(b, ",\"dr_ifid\":%u,\"cost\":%u", l->b_addr, l->cost_ab);
	} else {
		sbuf_printf(b, "\"a\":");
		sbuf_ipq(b, l->a);
		sbuf_printf(b, ",\"b\":");
		sbuf_ipq(b, l->b);
		sbuf_printf(b, ",\"a_ifid\":%u", l->a_addr);
		if (l->two_way)
			sbuf_printf(b, ",\"b_ifid\":%u,\"cost_ab\":%u,\"cost_ba\":%u", l->b_addr,
			            l->cost_ab, l->cost_ba);
		else
			sbuf_printf(b, ",\"b_ifid\":null,\"cost_ab\":%u,\"cost_ba\":null", l->cost_ab);
	}
	sbuf_printf(b, ",\"two_way\":%s}", l->two_way ? "true" : "false");
}

static void link_json(struct sbuf *b, const struct topo_link *l)
{
	if (l->v3) {
		link6_json(b, l);
		return;
	}
	sbuf_printf(b, "{\"type\":\"%s\",", link_type_name(l->type));
	if (l->type == LINK_TRANSIT) {
		sbuf_printf(b, "\"router\":");
		sbuf_ipq(b, l->a);
		sbuf_printf(b, ",\"network\":");
		sbuf_ipq(b, l->b);
		sbuf_printf(b, ",\"addr\":");
		sbuf_ipq(b, l->a_addr);
		sbuf_printf(b, ",\"cost\":%u", l->cost_ab);
	} else {
		sbuf_printf(b, "\"a\":");
		sbuf_ipq(b, l->a);
		sbuf_printf(b, ",\"b\":");
		sbuf_ipq(b, l->b);
		sbuf_printf(b, ",\"a_addr\":");
		sbuf_ipq(b, l->a_addr);
		if (l->two_way) {
			sbuf_printf(b, ",\"b_addr\":");
			sbuf_ipq(b, l->b_addr);
			sbuf_printf(b, ",\"cost_ab\":%u,\"cost_ba\":%u", l->cost_ab, l->cost_ba);
		} else {
			sbuf_printf(b, ",\"b_addr\":null,\"cost_ab\":%u,\"cost_ba\":null", l->cost_ab);
		}
	}
	sbuf_printf(b, ",\"two_way\":%s}", l->two_way ? "true" : "false");
}

/* An IPv6 address, and /len when len <= 128. */
static void ip6_put(struct sbuf *b, const uint8_t *a, unsigned len)
{
	char s[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, a, s, sizeof(s));
	if (len <= 128)
		sbuf_printf(b, "%s/%u", s, len);
	else
		sbuf_printf(b, "%s", s);
}

static void prefix_json(struct sbuf *b, const struct topo_prefix *p)
{
	static const uint8_t zero[16];

	if (p->v3 && p->kind == TP_ASBR_SUMMARY) {
		sbuf_printf(b, "{\"ospf\":3,\"prefix\":");
		sbuf_prefixq(b, p->prefix, p->mask);
		sbuf_printf(b, ",\"kind\":\"asbr-summary\",\"router\":");
		sbuf_ipq(b, p->router);
		sbuf_printf(b, ",\"cost\":%u}", p->cost);
		return;
	}
	if (p->v3) {
		sbuf_printf(b, "{\"ospf\":3,\"prefix\":\"");
		ip6_put(b, p->p6, p->plen);
		sbuf_printf(b, "\",\"kind\":\"%s\",\"router\":", prefix_kind_name(p->kind));
		sbuf_ipq(b, p->router);
		if (p->kind == TP_EXTERNAL || p->kind == TP_NSSA) {
			sbuf_printf(b, ",\"type\":\"%s%d\",\"metric\":%u,\"forward\":",
			            p->kind == TP_NSSA ? "N" : "E", p->e2 ? 2 : 1, p->cost);
			if (memcmp(p->fwd6, zero, 16) != 0) {
				sbuf_put(b, "\"", 1);
				ip6_put(b, p->fwd6, 129);
				sbuf_put(b, "\"", 1);
			} else {
				sbuf_printf(b, "null");
			}
			sbuf_printf(b, ",\"tag\":%u}", p->tag);
			return;
		}
		sbuf_printf(b, ",\"cost\":%u}", p->cost);
		return;
	}
	sbuf_printf(b, "{\"prefix\":");
	sbuf_prefixq(b, p->prefix, p->mask);
	if (p->kind == TP_EXTERNAL || p->kind == TP_NSSA) {
		if (p->kind == TP_NSSA)
			sbuf_printf(b, ",\"kind\":\"nssa\"");
		sbuf_printf(b, ",\"router\":");
		sbuf_ipq(b, p->router);
		sbuf_printf(b, ",\"type\":\"%s%d\",\"metric\":%u,\"forward\":",
		            p->kind == TP_NSSA ? "N" : "E", p->e2 ? 2 : 1, p->cost);
		sbuf_ipq(b, p->fwd);
		sbuf_printf(b, ",\"tag\":%u}", p->tag);
		return;
	}
	sbuf_printf(b, ",\"kind\":\"%s\",\"router\":", prefix_kind_name(p->kind));
	sbuf_ipq(b, p->router);
	sbuf_printf(b, ",\"cost\":%u}", p->cost);
}

static void network_json(struct sbuf *b, const struct topo *t, const struct topo_network *n)
{
	if (t->v3) {
		sbuf_printf(b, "{\"dr\":");
		sbuf_ipq(b, n->dr);
		sbuf_printf(b, ",\"dr_ifid\":%u,\"routers\":[", n->id);
		for (unsigned k = 0; k < n->n; k++) {
			if (k)
				sbuf_put(b, ",", 1);
			sbuf_ipq(b, t->att[n->first + k]);
		}
		sbuf_printf(b, "]}");
		return;
	}
	sbuf_printf(b, "{\"id\":");
	sbuf_ipq(b, n->id);
	sbuf_printf(b, ",\"prefix\":");
	sbuf_prefixq(b, n->id & n->mask, n->mask);
	sbuf_printf(b, ",\"dr\":");
	sbuf_ipq(b, n->dr);
	sbuf_printf(b, ",\"routers\":[");
	for (unsigned k = 0; k < n->n; k++) {
		if (k)
			sbuf_put(b, ",", 1);
		sbuf_ipq(b, t->att[n->first + k]);
	}
	sbuf_printf(b, "]}");
}


/* The lowest area at or after the given positions of the sorted arrays
 * (LSDB_AS_SCOPE when only AS-scoped entries remain): the renderings walk
 * the arrays together, one area at a time, externals last. */
static uint32_t next_area(const struct topo *t, unsigned ir, unsigned il, unsigned in,
                          unsigned ip, unsigned im)
{
	uint32_t area = LSDB_AS_SCOPE;

	if (ir < t->nr && t->r[ir].area < area) area = t->r[ir].area;
	if (il < t->nl && t->l[il].area < area) area = t->l[il].area;
	if (in < t->nn && t->n[in].area < area) area = t->n[in].area;
	if (ip < t->np && t->p[ip].area < area) area = t->p[ip].area;
	if (im < t->nm && t->m[im].area < area) area = t->m[im].area;
	return area;
}

/* "areas":[...],"externals":[...],"completeness":{...} */
static void json_body(const struct topo *t, struct sbuf *b)
{
	struct topo_completeness c;
	unsigned ir = 0, il = 0, in = 0, ip = 0, im = 0;
	const char *asep = "";

	sbuf_printf(b, "\"areas\":[");
	for (;;) {
		uint32_t area = next_area(t, ir, il, in, ip, im);
		char an[16];
		const char *sep;

		if (area == LSDB_AS_SCOPE)
			break;
		ip4_format(area, an);
		sbuf_printf(b, "%s{\"area\":\"%s\",\"routers\":[", asep, an);
		asep = ",";
		for (sep = ""; ir < t->nr && t->r[ir].area == area; ir++, sep = ",") {
			sbuf_printf(b, "%s", sep);
			router_json(b, &t->r[ir]);
		}
		sbuf_printf(b, "],\"links\":[");
		for (sep = ""; il < t->nl && t->l[il].area == area; il++, sep = ",") {
			sbuf_printf(b, "%s", sep);
			link_json(b, &t->l[il]);
		}
		sbuf_printf(b, "],\"networks\":[");
		for (sep = ""; in < t->nn && t->n[in].area == area; in++, sep = ",") {
			sbuf_printf(b, "%s", sep);
			network_json(b, t, &t->n[in]);
		}
		sbuf_printf(b, "],\"prefixes\":[");
		for (sep = ""; ip < t->np && t->p[ip].area == area; ip++, sep = ",") {
			sbuf_printf(b, "%s", sep);
			prefix_json(b, &t->p[ip]);
		}
		sbuf_printf(b, "],\"missing\":{\"routers\":[");
		for (sep = ""; im < t->nm && t->m[im].area == area && t->m[im].kind == TM_ROUTER;
		     im++, sep = ",") {
			sbuf_printf(b, "%s", sep);
			sbuf_ipq(b, t->m[im].id);
		}
		sbuf_printf(b, "],\"networks\":[");
		for (sep = ""; im < t->nm && t->m[im].area == area; im++, sep = ",") {
			sbuf_printf(b, "%s", sep);
			sbuf_ipq(b, t->m[im].id);
		}
		sbuf_printf(b, "]}}");
	}
	sbuf_printf(b, "],\"externals\":[");
	for (const char *sep = ""; ip < t->np; ip++, sep = ",") {
		sbuf_printf(b, "%s", sep);
		prefix_json(b, &t->p[ip]);
	}
	topo_completeness(t, &c);
	sbuf_printf(b, "],\"completeness\":{\"routers\":%u,\"missing_routers\":%u,"
	            "\"missing_networks\":%u,\"complete\":%s,\"lsas_refused\":%llu,"
	            "\"authenticated\":%s,\"unverified_packets\":%llu}", c.routers,
	            c.missing_routers, c.missing_networks, c.complete ? "true" : "false",
	            (unsigned long long)c.lsas_refused, c.authenticated ? "true" : "false",
	            (unsigned long long)c.unverified);
}

void topo_json(const struct topo *t, uint64_t version, struct sbuf *b)
{
	sbuf_printf(b, "{\"version\":%llu,\"time_ms\":%llu,", (unsigned long long)version,
	            (unsigned long long)t->time_ms);
	json_body(t, b);
	if (t->v6 != NULL) {
		sbuf_printf(b, ",\"ospfv3\":{");
		json_body(t->v6, b);
		sbuf_put(b, "}", 1);
	}
	sbuf_put(b, "}", 1);
}

static void ip_text(struct sbuf *b, uint32_t a)
{
	sbuf_printf(b, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

static void prefix_text(struct sbuf *b, const struct topo_prefix *p)
{
	if (p->v3 && p->kind != TP_ASBR_SUMMARY) {
		ip6_put(b, p->p6, p->plen);
		return;
	}
	ip_text(b, p->prefix);
	sbuf_printf(b, "/%d", __builtin_popcount(p->mask));
}

/* An external's forwarding address. */
static void fwd_text(struct sbuf *b, const struct topo_prefix *p)
{
	if (p->v3)
		ip6_put(b, p->fwd6, 129);
	else
		ip_text(b, p->fwd);
}

static void text_body(const struct topo *t, struct sbuf *b);

void topo_text(const struct topo *t, struct sbuf *b)
{
	text_body(t, b);
	if (t->v6 != NULL) {
		sbuf_printf(b, "\nOSPFv3\n");
		text_body(t->v6, b);
	}
}

static void text_body(const struct topo *t, struct sbuf *b)
{
	struct topo_completeness c;
	uint32_t area;
	bool first = true;
	unsigned ir = 0, il = 0, in = 0, ip = 0, im = 0;

	for (;;) {
		area = next_area(t, ir, il, in, ip, im);
		if (area == LSDB_AS_SCOPE)
			break;
		sbuf_printf(b, "%sarea ", first ? "" : "\n");
		first = false;
		ip_text(b, area);
		sbuf_printf(b, "\n");
		for (; ir < t->nr && t->r[ir].area == area; ir++) {
			const struct topo_router *r = &t->r[ir];
			sbuf_printf(b, "  router   ");
			ip_text(b, r->id);
			sbuf_printf(b, "%s%s%s%s%s\n", r->flags & LSA_ROUTER_B ? " ABR" : "",
			            r->flags & LSA_ROUTER_E ? " ASBR" : "",
			            r->flags & LSA_ROUTER_V ? " V" : "",
			            r->flags & LSA_ROUTER_NT ? " NT" : "", r->up ? "" : " (down)");
		}
		for (; il < t->nl && t->l[il].area == area && t->v3; il++) {
			const struct topo_link *l = &t->l[il];
			sbuf_printf(b, "  link     %-7s ", link_type_name(l->type));
			ip_text(b, l->a);
			sbuf_printf(b, " (ifid %u)", l->a_addr);
			if (l->type == LINK_TRANSIT) {
				sbuf_printf(b, " -> network ");
				ip_text(b, l->b);
				sbuf_printf(b, " ifid %u  cost %u", l->b_addr, l->cost_ab);
			} else {
				sbuf_printf(b, " -- ");
				ip_text(b, l->b);
				if (l->two_way)
					sbuf_printf(b, " (ifid %u)  cost %u/%u", l->b_addr, l->cost_ab,
					            l->cost_ba);
				else
					sbuf_printf(b, "  cost %u", l->cost_ab);
			}
			sbuf_printf(b, "%s\n", l->two_way ? "" : "  (one-way)");
		}
		for (; il < t->nl && t->l[il].area == area; il++) {
			const struct topo_link *l = &t->l[il];
			sbuf_printf(b, "  link     %-7s ", link_type_name(l->type));
			ip_text(b, l->a);
			sbuf_printf(b, " (");
			ip_text(b, l->a_addr);
			if (l->type == LINK_TRANSIT) {
				sbuf_printf(b, ") -> network ");
				ip_text(b, l->b);
				sbuf_printf(b, "  cost %u", l->cost_ab);
			} else {
				sbuf_printf(b, ") -- ");
				ip_text(b, l->b);
				if (l->two_way) {
					sbuf_printf(b, " (");
					ip_text(b, l->b_addr);
					sbuf_printf(b, ")  cost %u/%u", l->cost_ab, l->cost_ba);
				} else {
					sbuf_printf(b, "  cost %u", l->cost_ab);
				}
			}
			sbuf_printf(b, "%s\n", l->two_way ? "" : "  (one-way)");
		}
		for (; in < t->nn && t->n[in].area == area && t->v3; in++) {
			const struct topo_network *n = &t->n[in];
			sbuf_printf(b, "  network  dr ");
			ip_text(b, n->dr);
			sbuf_printf(b, " ifid %u:", n->id);
			for (unsigned k = 0; k < n->n; k++) {
				sbuf_printf(b, " ");
				ip_text(b, t->att[n->first + k]);
			}
			sbuf_printf(b, "\n");
		}
		for (; in < t->nn && t->n[in].area == area; in++) {
			const struct topo_network *n = &t->n[in];
			sbuf_printf(b, "  network  ");
			ip_text(b, n->id);
			sbuf_printf(b, " ");
			ip_text(b, n->id & n->mask);
			sbuf_printf(b, "/%d dr ", __builtin_popcount(n->mask));
			ip_text(b, n->dr);
			sbuf_printf(b, ":");
			for (unsigned k = 0; k < n->n; k++) {
				sbuf_printf(b, " ");
				ip_text(b, t->att[n->first + k]);
			}
			sbuf_printf(b, "\n");
		}
		for (; ip < t->np && t->p[ip].area == area; ip++) {
			const struct topo_prefix *p = &t->p[ip];
			sbuf_printf(b, "  prefix   %-12s ", prefix_kind_name(p->kind));
			prefix_text(b, p);
			sbuf_printf(b, " router ");
			ip_text(b, p->router);
			sbuf_printf(b, " %s %u", p->kind == TP_NSSA ? (p->e2 ? "N2" : "N1") : "cost",
			            p->cost);
			if (p->kind == TP_NSSA) {
				sbuf_printf(b, " fwd ");
				fwd_text(b, p);
				sbuf_printf(b, " tag %u", p->tag);
			}
			sbuf_printf(b, "\n");
		}
		for (; im < t->nm && t->m[im].area == area; im++) {
			sbuf_printf(b, "  missing  %s-LSA of ",
			            t->m[im].kind == TM_ROUTER ? "router" : "network");
			ip_text(b, t->m[im].id);
			sbuf_printf(b, "\n");
		}
	}
	if (ip < t->np)
		sbuf_printf(b, "%sAS-external\n", first ? "" : "\n");
	for (; ip < t->np; ip++) {
		const struct topo_prefix *p = &t->p[ip];
		sbuf_printf(b, "  %s ", p->e2 ? "E2" : "E1");
		prefix_text(b, p);
		sbuf_printf(b, " router ");
		ip_text(b, p->router);
		sbuf_printf(b, " metric %u fwd ", p->cost);
		fwd_text(b, p);
		sbuf_printf(b, " tag %u\n", p->tag);
	}
	topo_completeness(t, &c);
	sbuf_printf(b, "%s%u routers; %u router-LSAs and %u network-LSAs missing: %s\n",
	            b->len > 0 ? "\n" : "", c.routers, c.missing_routers, c.missing_networks,
	            c.complete ? "complete" : "incomplete");
	if (c.lsas_refused > 0)
		sbuf_printf(b, "%llu LSAs refused: the database was full\n",
		            (unsigned long long)c.lsas_refused);
}

/* ---- differences ---- */

static const char *const event_names[TE_MAX] = {
	"router-appeared", "router-disappeared", "router-changed",
	"link-added", "link-removed", "cost-changed",
	"prefix-added", "prefix-removed", "prefix-changed",
	"external-added", "external-removed", "external-changed",
};

const char *topo_event_name(enum topo_event_type t)
{
	return (unsigned)t < TE_MAX ? event_names[t] : "?";
}

uint64_t topo_diff(const struct topo *old, const struct topo *new, topo_event_fn fn, void *ctx)
{
	static const struct topo empty;
	unsigned i, j;

	if (old == NULL)
		old = &empty;
	/* routers: only the up ones count */
	for (i = 0, j = 0; i < old->nr || j < new->nr;) {
		const struct topo_router *a = i < old->nr ? &old->r[i] : NULL;
		const struct topo_router *b = j < new->nr ? &new->r[j] : NULL;
		int c = a == NULL ? 1 : b == NULL ? -1 : router_cmp(a, b);
		struct topo_event ev = { 0 };

		if (c < 0) {
			i++;
			b = NULL;
		} else if (c > 0) {
			j++;
			a = NULL;
		} else {
			i++;
			j++;
		}
		if (a != NULL && !a->up)
			a = NULL;
		if (b != NULL && !b->up)
			b = NULL;
		if (a == NULL && b == NULL)
			continue;
		if (a != NULL && b != NULL && a->flags == b->flags)
			continue;
		ev.type = a == NULL ? TE_ROUTER_APPEARED : b == NULL ? TE_ROUTER_DISAPPEARED
		                                                     : TE_ROUTER_CHANGED;
		ev.area = a != NULL ? a->area : b->area;
		ev.r_old = a;
		ev.r_new = b;
		fn(ctx, &ev);
	}
	/* links: only the two-way ones count */
	for (i = 0, j = 0; i < old->nl || j < new->nl;) {
		const struct topo_link *a = i < old->nl ? &old->l[i] : NULL;
		const struct topo_link *b = j < new->nl ? &new->l[j] : NULL;
		int c;
		struct topo_event ev = { 0 };

		if (a != NULL && !a->two_way) {
			i++;
			continue;
		}
		if (b != NULL && !b->two_way) {
			j++;
			continue;
		}
		c = a == NULL ? 1 : b == NULL ? -1 : link_cmp(a, b);
		if (c < 0) {
			i++;
			b = NULL;
		} else if (c > 0) {
			j++;
			a = NULL;
		} else {
			i++;
			j++;
			if (a->cost_ab == b->cost_ab && a->cost_ba == b->cost_ba)
				continue;
		}
		ev.type = a == NULL ? TE_LINK_ADDED : b == NULL ? TE_LINK_REMOVED : TE_COST_CHANGED;
		ev.area = a != NULL ? a->area : b->area;
		ev.l_old = a;
		ev.l_new = b;
		fn(ctx, &ev);
	}
	/* prefixes and external routes */
	for (i = 0, j = 0; i < old->np || j < new->np;) {
		const struct topo_prefix *a = i < old->np ? &old->p[i] : NULL;
		const struct topo_prefix *b = j < new->np ? &new->p[j] : NULL;
		int c = a == NULL ? 1 : b == NULL ? -1 : prefix_cmp(a, b);
		const struct topo_prefix *any;
		struct topo_event ev = { 0 };
		bool ext;

		if (c < 0) {
			i++;
			b = NULL;
		} else if (c > 0) {
			j++;
			a = NULL;
		} else {
			i++;
			j++;
			if (a->cost == b->cost && a->e2 == b->e2 && a->fwd == b->fwd && a->tag == b->tag &&
			    memcmp(a->fwd6, b->fwd6, 16) == 0)
				continue;
		}
		any = a != NULL ? a : b;
		ext = any->kind == TP_EXTERNAL || any->kind == TP_NSSA;
		ev.type = a == NULL ? (ext ? TE_EXTERNAL_ADDED : TE_PREFIX_ADDED)
		        : b == NULL ? (ext ? TE_EXTERNAL_REMOVED : TE_PREFIX_REMOVED)
		                    : (ext ? TE_EXTERNAL_CHANGED : TE_PREFIX_CHANGED);
		ev.area = any->area;
		ev.p_old = a;
		ev.p_new = b;
		fn(ctx, &ev);
	}
	/* each loop step moves i, j or both on */
	return (uint64_t)old->nr + new->nr + old->nl + new->nl + old->np + new->np;
}

void topo_event_json(const struct topo_event *ev, uint64_t time_ms, struct sbuf *b)
{
	char an[16];
	const char *what;

	sbuf_put(b, "{", 1);
	sbuf_time_fields(b, time_ms);
	sbuf_printf(b, ",\"event\":\"%s\"", topo_event_name((enum topo_event_type)ev->type));
	if (ev->area != LSDB_AS_SCOPE) {
		ip4_format(ev->area, an);
		sbuf_printf(b, ",\"area\":\"%s\"", an);
	}
	if (ev->r_old != NULL || ev->r_new != NULL) {
		sbuf_printf(b, ",\"router\":");
		router_json(b, ev->r_new != NULL ? ev->r_new : ev->r_old);
		if (ev->r_old != NULL && ev->r_new != NULL) {
			sbuf_printf(b, ",\"old\":");
			router_json(b, ev->r_old);
		}
	} else if (ev->l_old != NULL || ev->l_new != NULL) {
		sbuf_printf(b, ",\"link\":");
		link_json(b, ev->l_new != NULL ? ev->l_new : ev->l_old);
		if (ev->l_old != NULL && ev->l_new != NULL) {
			sbuf_printf(b, ",\"old\":");
			link_json(b, ev->l_old);
		}
	} else {
		const struct topo_prefix *p = ev->p_new != NULL ? ev->p_new : ev->p_old;
		what = p->kind == TP_EXTERNAL || p->kind == TP_NSSA ? "external" : "prefix";
		sbuf_printf(b, ",\"%s\":", what);
		prefix_json(b, p);
		if (ev->p_old != NULL && ev->p_new != NULL) {
			sbuf_printf(b, ",\"old\":");
			prefix_json(b, ev->p_old);
		}
	}
	sbuf_put(b, "}", 1);
}

void topo_event_key(const struct topo_event *ev, char *buf, size_t len)
{
	const struct topo_router *r = ev->r_new != NULL ? ev->r_new : ev->r_old;
	const struct topo_link *l = ev->l_new != NULL ? ev->l_new : ev->l_old;
	const struct topo_prefix *p = ev->p_new != NULL ? ev->p_new : ev->p_old;

	if (r != NULL)
		snprintf(buf, len, "r%s %x %x", r->v3 ? "6" : "", r->area, r->id);
	else if (l != NULL)
		snprintf(buf, len, "l%s %x %u %x %x %x %x", l->v3 ? "6" : "", l->area, l->type, l->a,
		         l->b, l->a_addr, l->b_addr);
	else if (p != NULL && p->v3) {
		char a[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, p->p6, a, sizeof(a));
		snprintf(buf, len, "p6 %x %u %s/%u %x %x", p->area, p->kind, a, p->plen, p->prefix,
		         p->router);
	} else if (p != NULL)
		snprintf(buf, len, "p %x %u %x %x %x", p->area, p->kind, p->prefix, p->mask,
		         p->router);
	else
		snprintf(buf, len, "?");
}
