/*
 * What-if scenarios (scenario.h): the database is copied into an editable
 * list of LSAs, router- and network-LSAs are rewritten (links dropped or
 * re-costed, routers dropped), and the result installed into a new database
 * with fresh checksums.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "be.h"
#include "sbuf.h"
#include "scenario.h"

struct ed {
	uint32_t area;
	uint8_t *buf;
	size_t len;
	int gone;
	bool v3;                     /* an OSPFv3 LSA (lsdb.h) */
};

struct edlist {
	struct ed *e;
	size_t n, cap;
	int oom;
};

struct rlink {
	uint32_t id, data;
	uint8_t type;
	uint16_t metric;
};

static void collect(void *ctx, const struct lsdb_entry *e)
{
	struct edlist *l = ctx;
	uint8_t *b;

	if (l->oom)
		return;
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 64;
		struct ed *ne = realloc(l->e, nc * sizeof(*ne));
		if (ne == NULL) {
			l->oom = 1;
			return;
		}
		l->e = ne;
		l->cap = nc;
	}
	if ((b = malloc(e->lsa.h.length)) == NULL) {
		l->oom = 1;
		return;
	}
	memcpy(b, e->lsa.raw, e->lsa.h.length);
	l->e[l->n++] = (struct ed){ e->area, b, e->lsa.h.length, 0, e->lsa.h.v3 };
}

/* The key's type (lsdb_type): an OSPFv3 LSA's is never an OSPFv2 type. */
static uint32_t ed_type(const struct ed *e)
{
	return e->v3 ? LSDB_V3 | be16(e->buf + 2) : e->buf[3];
}
static uint32_t ed_id(const struct ed *e) { return be32(e->buf + 4); }
static uint32_t ed_adv(const struct ed *e) { return be32(e->buf + 8); }

/* Router-LSA links into out (at most max); returns how many.  TOS metrics
 * other than 0 are dropped (nothing here uses them). */
static unsigned rl_links(const struct ed *e, struct rlink *out, unsigned max)
{
	unsigned n = be16(e->buf + 22), k = 0;
	size_t off = 24;

	for (unsigned i = 0; i < n && off + 12 <= e->len && k < max; i++) {
		out[k].id = be32(e->buf + off);
		out[k].data = be32(e->buf + off + 4);
		out[k].type = e->buf[off + 8];
		out[k].metric = be16(e->buf + off + 10);
		off += 12 + 4u * e->buf[off + 9];
		k++;
	}
	return k;
}

/* Replace e's body: a router-LSA with links l[0..n), flags kept. */
static int rl_write(struct ed *e, const struct rlink *l, unsigned n)
{
	size_t len = 24 + 12 * (size_t)n;
	uint8_t *b = malloc(len);

	if (b == NULL)
		return -1;
	memcpy(b, e->buf, 22);
	put16(b + 22, (uint16_t)n);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *p = b + 24 + 12 * i;
		put32(p, l[i].id);
		put32(p + 4, l[i].data);
		p[8] = l[i].type;
		p[9] = 0;
		put16(p + 10, l[i].metric);
	}
	free(e->buf);
	e->buf = b;
	e->len = len;
	return 0;
}

static unsigned net_routers(const struct ed *e) { return e->len >= 24 ? (unsigned)(e->len - 24) / 4 : 0; }
static uint32_t net_router(const struct ed *e, unsigned i) { return be32(e->buf + 24 + 4 * i); }
static uint32_t net_mask(const struct ed *e) { return be32(e->buf + 20); }

/* Drop router r from network-LSA e (the length shrinks by 4). */
static void net_drop(struct ed *e, uint32_t r)
{
	unsigned n = net_routers(e), k = 0;

	for (unsigned i = 0; i < n; i++) {
		uint32_t x = net_router(e, i);
		if (x != r)
			put32(e->buf + 24 + 4 * k++, x);
	}
	e->len = 24 + 4 * (size_t)k;
}

static int net_has(const struct ed *e, uint32_t r)
{
	for (unsigned i = 0; i < net_routers(e); i++)
		if (net_router(e, i) == r)
			return 1;
	return 0;
}

#define MAXL 1024

/* Edit every router-LSA of router r (one per area).  fn edits the links in
 * place and returns the new count. */
static int edit_router(struct edlist *l, uint32_t r,
                       unsigned (*fn)(struct rlink *lk, unsigned n, const struct scen_change *c,
                                      struct edlist *l, uint32_t area, int *hit),
                       const struct scen_change *c, int *hit)
{
	static struct rlink lk[MAXL];

	for (size_t i = 0; i < l->n; i++) {
		struct ed *e = &l->e[i];
		unsigned n;
		if (e->gone || ed_type(e) != LSA_ROUTER || ed_adv(e) != r)
			continue;
		n = rl_links(e, lk, MAXL);
		n = fn(lk, n, c, l, e->area, hit);
		if (rl_write(e, lk, n) < 0)
			return -1;
	}
	return 0;
}

static struct ed *network_lsa(struct edlist *l, uint32_t area, uint32_t id)
{
	for (size_t i = 0; i < l->n; i++)
		if (!l->e[i].gone && ed_type(&l->e[i]) == LSA_NETWORK && ed_id(&l->e[i]) == id &&
		    l->e[i].area == area)
			return &l->e[i];
	return NULL;
}

/* The stub of the subnet a point-to-point interface address is in. */
static int stub_of(const struct rlink *s, uint32_t ifaddr)
{
	return s->type == LINK_STUB && (ifaddr & s->data) == s->id;
}

/* Remove the p2p links to c->b (and their subnets' stubs). */
static unsigned drop_p2p(struct rlink *lk, unsigned n, const struct scen_change *c,
                         struct edlist *l, uint32_t area, int *hit)
{
	uint32_t peer = c->kind == SC_FAIL_ROUTER ? c->a : c->b;
	uint32_t addrs[64];
	unsigned na = 0, k = 0;

	(void)l; (void)area;
	for (unsigned i = 0; i < n; i++)
		if ((lk[i].type == LINK_P2P || lk[i].type == LINK_VIRTUAL) && lk[i].id == peer) {
			if (na < 64)
				addrs[na++] = lk[i].data;
			(*hit)++;
		}
	for (unsigned i = 0; i < n; i++) {
		int drop = (lk[i].type == LINK_P2P || lk[i].type == LINK_VIRTUAL) && lk[i].id == peer;
		/* the subnet's stub goes with the interface (not when the
		 * neighbour failed: this end's interface stays up) */
		for (unsigned j = 0; j < na && !drop && c->kind != SC_FAIL_ROUTER; j++)
			drop = stub_of(&lk[i], addrs[j]);
		if (!drop)
			lk[k++] = lk[i];
	}
	return k;
}

/* Remove the transit link to network c->b. */
static unsigned drop_transit(struct rlink *lk, unsigned n, const struct scen_change *c,
                             struct edlist *l, uint32_t area, int *hit)
{
	unsigned k = 0;

	(void)l; (void)area;
	for (unsigned i = 0; i < n; i++) {
		if (lk[i].type == LINK_TRANSIT && lk[i].id == c->b) {
			(*hit)++;
			continue;
		}
		lk[k++] = lk[i];
	}
	return k;
}

/* A transit link to network `id` becomes a stub of its prefix (the network
 * has no other router left). */
static unsigned to_stub(struct rlink *lk, unsigned n, const struct scen_change *c,
                        struct edlist *l, uint32_t area, int *hit)
{
	for (unsigned i = 0; i < n; i++) {
		struct ed *ne;
		if (lk[i].type != LINK_TRANSIT || lk[i].id != c->b)
			continue;
		if ((ne = network_lsa(l, area, c->b)) == NULL)
			continue;
		lk[i].type = LINK_STUB;
		lk[i].data = net_mask(ne);
		lk[i].id = c->b & lk[i].data;
		(*hit)++;
	}
	return n;
}

static unsigned set_cost(struct rlink *lk, unsigned n, const struct scen_change *c,
                         struct edlist *l, uint32_t area, int *hit)
{
	uint32_t addrs[64];
	unsigned na = 0;

	(void)l; (void)area;
	for (unsigned i = 0; i < n; i++) {
		int match = c->net ? lk[i].type == LINK_TRANSIT && lk[i].id == c->b
		                   : (lk[i].type == LINK_P2P || lk[i].type == LINK_VIRTUAL) &&
		                     lk[i].id == c->b;
		if (!match)
			continue;
		lk[i].metric = (uint16_t)c->cost;
		if (!c->net && na < 64)
			addrs[na++] = lk[i].data;
		(*hit)++;
	}
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = 0; j < na; j++)
			if (stub_of(&lk[i], addrs[j]))
				lk[i].metric = (uint16_t)c->cost;
	return n;
}

/* Router r leaves network-LSA e; with fewer than two routers left the
 * network-LSA goes and the one left (if any) lists a stub instead. */
static int leave_network(struct edlist *l, struct ed *e, uint32_t r)
{
	struct scen_change c = { SC_FAIL_LINK, 0, ed_id(e), 1, 0 };
	int hit = 0;

	net_drop(e, r);
	if (net_routers(e) >= 2)
		return 0;
	if (net_routers(e) == 1 &&
	    edit_router(l, net_router(e, 0), to_stub, &c, &hit) < 0)
		return -1;
	e->gone = 1;
	return 0;
}

static int have_router(const struct edlist *l, uint32_t r)
{
	for (size_t i = 0; i < l->n; i++)
		if (!l->e[i].gone && ed_type(&l->e[i]) == LSA_ROUTER && ed_adv(&l->e[i]) == r)
			return 1;
	return 0;
}

/* The area and id of a transit network both a and b attach to, or 0. */
static uint32_t shared_network(const struct edlist *l, uint32_t a, uint32_t b)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct ed *e = &l->e[i];
		if (!e->gone && ed_type(e) == LSA_NETWORK && net_has(e, a) && net_has(e, b))
			return ed_id(e);
	}
	return 0;
}

static int apply_one(struct edlist *l, const struct scen_change *c, char *err, size_t errlen)
{
	char x[16], y[16];
	int hit = 0;

	if (!have_router(l, c->a)) {
		snprintf(err, errlen, "no router %s in the topology", ip4_format(c->a, x));
		return -1;
	}
	switch (c->kind) {
	case SC_FAIL_ROUTER:
		for (size_t i = 0; i < l->n; i++) {
			struct ed *e = &l->e[i];
			if (e->gone)
				continue;
			if (ed_type(e) == LSA_NETWORK && net_has(e, c->a)) {
				if (leave_network(l, e, c->a) < 0)
					return -1;
			} else if (ed_adv(e) == c->a) {
				e->gone = 1;
			}
		}
		for (size_t i = 0; i < l->n; i++) {
			struct ed *e = &l->e[i];
			if (!e->gone && ed_type(e) == LSA_ROUTER &&
			    edit_router(l, ed_adv(e), drop_p2p, c, &hit) < 0)
				return -1;
		}
		return 0;
	case SC_FAIL_LINK:
		if (c->net) {
			struct ed *ne = NULL;
			for (size_t i = 0; i < l->n && !ne; i++)
				if (!l->e[i].gone && ed_type(&l->e[i]) == LSA_NETWORK &&
				    ed_id(&l->e[i]) == c->b && net_has(&l->e[i], c->a))
					ne = &l->e[i];
			if (ne == NULL) {
				snprintf(err, errlen, "router %s is not on transit network %s",
				         ip4_format(c->a, x), ip4_format(c->b, y));
				return -1;
			}
			if (edit_router(l, c->a, drop_transit, c, &hit) < 0 ||
			    leave_network(l, ne, c->a) < 0)
				return -1;
			return 0;
		}
		if (!have_router(l, c->b)) {
			snprintf(err, errlen, "no router %s in the topology", ip4_format(c->b, x));
			return -1;
		}
		if (edit_router(l, c->a, drop_p2p, c, &hit) < 0)
			return -1;
		{
			struct scen_change r = *c;
			r.a = c->b;
			r.b = c->a;
			if (edit_router(l, c->b, drop_p2p, &r, &hit) < 0)
				return -1;
		}
		if (hit == 0) {
			uint32_t n = shared_network(l, c->a, c->b);
			char z[16];
			if (n)
				snprintf(err, errlen, "%s and %s share transit network %s, not a "
				         "point-to-point link: fail one's attachment (%s-%s)",
				         ip4_format(c->a, x), ip4_format(c->b, y), ip4_format(n, z), x, z);
			else
				snprintf(err, errlen, "no link between %s and %s", ip4_format(c->a, x), ip4_format(c->b, y));
			return -1;
		}
		return 0;
	case SC_COST:
		if (c->cost < 1 || c->cost > 65535) {
			snprintf(err, errlen, "cost %u: an interface cost is 1 to 65535", c->cost);
			return -1;
		}
		if (edit_router(l, c->a, set_cost, c, &hit) < 0)
			return -1;
		if (hit == 0 && !c->net) {
			struct scen_change t = *c;
			if ((t.b = shared_network(l, c->a, c->b)) != 0) {
				t.net = 1;
				if (edit_router(l, c->a, set_cost, &t, &hit) < 0)
					return -1;
			}
		}
		if (hit == 0) {
			snprintf(err, errlen, "no link from %s to %s", ip4_format(c->a, x), ip4_format(c->b, y));
			return -1;
		}
		return 0;
	}
	return -1;
}

static void edlist_free(struct edlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->e[i].buf);
	free(l->e);
}

static void collect_all(const struct lsdb *db, struct edlist *l)
{
	uint32_t areas[256];
	unsigned na = lsdb_areas(db, areas, 256), i;
	int as = 0;

	for (i = 0; i < na && i < 256; i++) {
		lsdb_foreach(db, areas[i], 0, collect, l);
		as |= areas[i] == LSDB_AS_SCOPE;
	}
	if (!as)
		lsdb_foreach(db, LSDB_AS_SCOPE, 0, collect, l);
}

uint32_t scen_network_of(const struct lsdb *db, uint32_t addr)
{
	struct edlist l = { 0 };
	uint32_t id = 0;

	collect_all(db, &l);
	for (size_t i = 0; i < l.n && !id; i++) {
		const struct ed *e = &l.e[i];
		if (ed_type(e) == LSA_NETWORK &&
		    (ed_id(e) == addr || (addr & net_mask(e)) == (ed_id(e) & net_mask(e))))
			id = ed_id(e);
	}
	edlist_free(&l);
	return id;
}

struct lsdb *scen_apply(const struct lsdb *db, uint64_t now_ms, const struct scen_change *ch,
                        unsigned n, char *err, size_t errlen)
{
	struct edlist l = { 0 };
	struct lsdb *out = NULL;

	collect_all(db, &l);
	if (l.oom)
		goto oom;
	for (unsigned i = 0; i < n; i++)
		if (apply_one(&l, &ch[i], err, errlen) < 0)
			goto fail;
	if ((out = lsdb_new((uint32_t)l.n + 16)) == NULL)
		goto oom;
	for (size_t i = 0; i < l.n; i++) {
		struct ed *e = &l.e[i];
		struct lsa lsa;
		const char *why;
		if (e->gone)
			continue;
		put16(e->buf + 18, (uint16_t)e->len);
		put16(e->buf + 16, 0);
		put16(e->buf + 16, lsa_checksum(e->buf, e->len));
		if (!lsdb_decode(e->buf, e->len, e->v3, &lsa, &why) ||
		    lsdb_install(out, e->area, &lsa, now_ms, NULL) == LSDB_FULL) {
			snprintf(err, errlen, "an edited LSA does not decode (a bug)");
			lsdb_free(out);
			out = NULL;
			goto fail;
		}
	}
	edlist_free(&l);
	return out;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	edlist_free(&l);
	return NULL;
}
