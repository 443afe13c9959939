/*
 * Routing a traffic matrix (routing.h).
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "routing.h"
#include "store.h"

int net_open(struct net *n, struct lsdb *db, uint64_t time_ms)
{
	memset(n, 0, sizeof(*n));
	n->db = db;
	n->time_ms = time_ms;
	if ((n->t = topo_build(db, time_ms)) == NULL || (n->t6 = topo6_build(db, time_ms)) == NULL ||
	    (n->pl = placer_build(db, time_ms)) == NULL) {
		net_close(n);
		return -1;
	}
	return 0;
}

void net_close(struct net *n)
{
	if (n->pl)
		placer_free(n->pl);
	if (n->t)
		topo_free(n->t);
	if (n->t6)
		topo_free(n->t6);
	if (n->db)
		lsdb_free(n->db);
	memset(n, 0, sizeof(*n));
}

int net_has_router(const struct net *n, uint32_t id)
{
	for (unsigned i = 0; i < n->t->nr; i++)
		if (n->t->r[i].id == id)
			return 1;
	return 0;
}

/* How many routers list this stub prefix. */
static unsigned stub_owners(const struct topo *t, const struct topo_prefix *p)
{
	unsigned k = 0;

	for (unsigned i = 0; i < t->np; i++)
		if (t->p[i].kind == TP_STUB && t->p[i].prefix == p->prefix && t->p[i].mask == p->mask)
			k++;
	return k;
}

uint32_t net_dest_of(const struct net *n, uint32_t e)
{
	const struct topo *t = n->t;
	const struct topo_prefix *best = NULL;

	for (unsigned i = 0; i < t->np; i++) {
		const struct topo_prefix *p = &t->p[i];
		if (p->kind != TP_STUB || p->router != e || stub_owners(t, p) != 1)
			continue;
		if (best == NULL || p->mask > best->mask)
			best = p;
	}
	for (int kind = TP_TRANSIT; best == NULL && kind <= TP_EXTERNAL; kind++) {
		if (kind == TP_ASBR_SUMMARY)
			continue;
		for (unsigned i = 0; i < t->np && best == NULL; i++)
			if (t->p[i].kind == kind && t->p[i].router == e)
				best = &t->p[i];
	}
	return best ? best->prefix : 0;
}

int net_route_pair(struct net *n, uint32_t i, uint32_t e, uint64_t bytes, uint64_t packets,
                   struct place_out *out)
{
	struct place_in in;
	uint32_t dst = net_dest_of(n, e);

	memset(&in, 0, sizeof(in));
	memset(out, 0, offsetof(struct place_out, links));
	if (!net_has_router(n, i)) {
		out->reason = PLACE_UNKNOWN_INGRESS;
		return out->reason;
	}
	if (dst == 0 || !net_has_router(n, e)) {
		out->reason = PLACE_NO_ROUTE;
		return out->reason;
	}
	in.af = AF_INET;
	in.src.w[0] = htonl(dst);        /* not used: the ingress is given */
	in.dst.w[0] = htonl(dst);
	in.ingress = i;
	in.bytes = bytes;
	in.packets = packets;
	return place_flow(n->pl, &in, out);
}

void link_add(struct link_load **l, unsigned *n, unsigned *cap, uint32_t a, uint32_t b,
              uint32_t net, uint64_t bytes, uint64_t packets)
{
	if (*n == *cap) {
		unsigned nc = *cap ? *cap * 2 : 64;
		struct link_load *x = realloc(*l, nc * sizeof(*x));
		if (x == NULL)
			die(1, "out of memory");
		*l = x;
		*cap = nc;
	}
	(*l)[(*n)++] = (struct link_load){ a, b, net, bytes, packets };
}

static int cmp_link(const void *x, const void *y)
{
	const struct link_load *p = x, *q = y;
	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	if (p->b != q->b)
		return p->b < q->b ? -1 : 1;
	return p->net < q->net ? -1 : p->net > q->net;
}

void links_merge(struct link_load *l, unsigned *n, int by_pair)
{
	unsigned k = 0;

	for (unsigned i = 0; by_pair && i < *n; i++)
		l[i].net = 0;
	qsort(l, *n, sizeof(*l), cmp_link);
	for (unsigned i = 0; i < *n; i++) {
		if (k && l[k - 1].a == l[i].a && l[k - 1].b == l[i].b && l[k - 1].net == l[i].net) {
			l[k - 1].bytes += l[i].bytes;
			l[k - 1].packets += l[i].packets;
		} else {
			l[k++] = l[i];
		}
	}
	*n = k;
}

void net_route_matrix(struct net *n, const struct pair_load *p, unsigned np, struct routed *out)
{
	static struct place_out po;
	unsigned cap = 0, ucap = 0;

	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < np; i++) {
		if (p[i].i == p[i].e && net_has_router(n, p[i].i))
			continue;                /* delivered where it entered */
		if (net_route_pair(n, p[i].i, p[i].e, p[i].bytes, p[i].packets, &po) != PLACE_OK) {
			if (out->nun == ucap) {
				unsigned nc = ucap ? ucap * 2 : 16;
				struct unreach *x = realloc(out->un, nc * sizeof(*x));
				if (x == NULL)
					die(1, "out of memory");
				out->un = x;
				ucap = nc;
			}
			out->un[out->nun++] = (struct unreach){
				p[i].i, p[i].e, p[i].bytes, p[i].packets,
				!net_has_router(n, p[i].i) ? "ingress-router-down" :
				!net_has_router(n, p[i].e) ? "egress-router-down" : place_reason_name(po.reason) };
			continue;
		}
		for (unsigned k = 0; k < po.nlinks; k++)
			link_add(&out->links, &out->nlinks, &cap, po.links[k].a, po.links[k].b,
			         po.links[k].net, po.links[k].bytes, po.links[k].packets);
	}
	links_merge(out->links, &out->nlinks, 0);
}

void routed_free(struct routed *r)
{
	free(r->links);
	free(r->un);
	memset(r, 0, sizeof(*r));
}

uint32_t net_link_cost(const struct net *n, uint32_t a, uint32_t b, uint32_t via)
{
	const struct topo *t = n->t;

	for (unsigned i = 0; i < t->nl; i++) {
		const struct topo_link *l = &t->l[i];
		if (via) {
			if (l->type == LINK_TRANSIT && l->a == a && l->b == via)
				return l->cost_ab;
		} else if (l->type != LINK_TRANSIT) {
			if (l->a == a && l->b == b)
				return l->cost_ab;
			if (l->a == b && l->b == a && l->b_addr)
				return l->cost_ba;
		}
	}
	return 0;
}
