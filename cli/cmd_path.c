/*
 * anemone path SRC DST: the routers and links a packet from SRC to DST
 * crosses as OSPF routes it now -- where it enters and leaves, every
 * equal-cost path with its cost and share, every hop -- from the same
 * placement the collector uses.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAXPATHS 256
#define UNIT 1000000000000ull    /* the bytes placed: divides into exact shares */

struct path_result {
	const char *src, *dst;       /* as given */
	bool v6;                     /* IPv6 addresses: OSPFv3's paths and costs */
	const struct net *nt;        /* the topology routed on */
	struct place_out po;         /* the placement: ingress, egresses, links */
	unsigned order[PLACE_MAX_LINKS];   /* po.links as a packet meets them */
	uint32_t hops[MAXPATHS][PLACE_MAX_HOPS];
	uint32_t via[MAXPATHS][PLACE_MAX_HOPS];   /* [k]: the LAN from hop k-1 to k, or 0 */
	unsigned len[MAXPATHS];
	uint32_t cost[MAXPATHS];
	double share[MAXPATHS];
	unsigned n;
};

/* The bytes the placement sends out of router r.  Cost: the links. */
static uint64_t node_out(const struct place_out *po, uint32_t r)
{
	uint64_t s = 0;

	for (unsigned i = 0; i < po->nlinks; i++)
		if (po->links[i].a == r)
			s += po->links[i].bytes;
	return s;
}

/* The cost of a placed link in the family routed. */
static uint32_t link_cost(const struct path_result *ps, const struct place_link *l)
{
	return ps->v6 ? placer_cost6(ps->nt->pl, l->a, l->b, l->net)
	              : net_link_cost(ps->nt, l->a, l->b, l->net);
}

/* Every path from cur[depth - 1] along the placed links, at most MAXPATHS.
 * Cost: the number of paths times the links. */
static void walk(const struct net *nt, struct path_result *ps, uint32_t *cur, uint32_t *via,
                 unsigned depth, uint32_t cost, double share)
{
	const struct place_out *po = &ps->po;
	uint32_t r = cur[depth - 1];
	uint64_t out = node_out(po, r);

	if (out == 0 || depth >= PLACE_MAX_HOPS) {
		if (ps->n < MAXPATHS) {
			memcpy(ps->hops[ps->n], cur, depth * sizeof(*cur));
			memcpy(ps->via[ps->n], via, depth * sizeof(*via));
			ps->len[ps->n] = depth;
			ps->cost[ps->n] = cost;
			ps->share[ps->n] = share;
			ps->n++;
		}
		return;
	}
	for (unsigned i = 0; i < po->nlinks; i++) {
		const struct place_link *l = &po->links[i];
		if (l->a != r)
			continue;
		cur[depth] = l->b;
		via[depth] = l->net;
		walk(nt, ps, cur, via, depth + 1, cost + link_cost(ps, l),
		     share * (double)l->bytes / (double)out);
	}
}

/* Whether the topology has a default route (a prefix of length 0): then
 * every destination matches a prefix. */
static bool has_default(const struct net *nt)
{
	for (unsigned i = 0; i < nt->t->np; i++)
		if (nt->t->p[i].mask == 0)
			return true;
	return false;
}

/* The placed links in the order a packet meets them: by the router's
 * distance in hops from the ingress, then as placed. */
static void hop_order(struct path_result *r)
{
	const struct place_out *po = &r->po;
	unsigned depth[PLACE_MAX_LINKS];

	for (unsigned i = 0; i < po->nlinks; i++) {
		depth[i] = PLACE_MAX_HOPS;
		r->order[i] = i;
		if (po->links[i].a == po->ingress)
			depth[i] = 0;
	}
	for (unsigned round = 0; round < PLACE_MAX_HOPS; round++)
		for (unsigned i = 0; i < po->nlinks; i++)
			for (unsigned k = 0; k < po->nlinks; k++)
				if (po->links[k].b == po->links[i].a && depth[k] + 1 < depth[i])
					depth[i] = depth[k] + 1;
	for (unsigned i = 1; i < po->nlinks; i++)
		for (unsigned k = i; k > 0 && depth[r->order[k - 1]] > depth[r->order[k]]; k--) {
			unsigned x = r->order[k];
			r->order[k] = r->order[k - 1];
			r->order[k - 1] = x;
		}
}

/* Place one flow of UNIT bytes from src to dst (network order, of r->v6's
 * family), or die naming why not. */
static void path_query(struct net *nt, struct path_result *r, const union anm_addr *src,
                       const union anm_addr *dst)
{
	uint32_t cur[PLACE_MAX_HOPS], via[PLACE_MAX_HOPS] = { 0 };
	struct place_in in;
	struct place_out *po = &r->po;
	char a[16];

	memset(&in, 0, sizeof(in));
	in.af = r->v6 ? AF_INET6 : AF_INET;
	in.src = *src;
	in.dst = *dst;
	in.bytes = UNIT;
	in.packets = 1;
	place_flow(nt->pl, &in, po);
	if (po->reason == PLACE_IPV6)
		die(1, "path %s -> %s: the database has no OSPFv3 (IPv6) router", r->src, r->dst);
	if (po->reason == PLACE_NO_SOURCE_PREFIX)
		die(2, "path: no OSPF prefix holds the source %s: it is not in this network", r->src);
	if (po->reason == PLACE_NO_ROUTE && po->dst_plen == 0 && !has_default(nt))
		die(2, "path: no OSPF prefix holds the destination %s: it is not in this network", r->dst);
	if (po->reason != PLACE_OK)
		die(1, "path %s -> %s: %s (entering at %s)", r->src, r->dst,
		    place_reason_name(po->reason), po->ingress ? (ip4_format(po->ingress, a), a) : "?");
	cur[0] = po->ingress;
	r->n = 0;
	walk(nt, r, cur, via, 1, 0, 1.0);
	hop_order(r);
}

/* --- printing -------------------------------------------------------------- */

/* {"src","dst","ingress","dst_prefix","egresses","paths","links"}: the
 * links as placed, shares as fractions. */
static void path_json(const struct cli *c, const void *res_)
{
	const struct path_result *r = res_;
	const struct place_out *po = &r->po;
	struct sbuf s = SBUF_INIT;

	sbuf_printf(&s, "{\"src\":\"%s\",\"dst\":\"%s\",", r->src, r->dst);
	cli_json_router(c, &s, "ingress", po->ingress);
	sbuf_printf(&s, ",\"dst_prefix\":");
	if (po->dst_plen && r->v6) {
		char p6[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, po->dst_prefix6, p6, sizeof(p6));
		sbuf_printf(&s, "\"%s/%u\"", p6, po->dst_plen);
	} else if (po->dst_plen) {
		sbuf_prefixq(&s, po->dst_prefix, ~0u << (32 - po->dst_plen));
	} else {
		sbuf_printf(&s, "null");
	}
	sbuf_printf(&s, ",\"egresses\":[");
	for (unsigned i = 0; i < po->npairs; i++) {
		sbuf_printf(&s, "%s{", i ? "," : "");
		cli_json_router(c, &s, "router", po->pairs[i].egress);
		sbuf_printf(&s, ",\"share\":%.6f}", (double)po->pairs[i].bytes / (double)UNIT);
	}
	sbuf_printf(&s, "],\"paths\":[");
	for (unsigned i = 0; i < r->n; i++) {
		sbuf_printf(&s, "%s{\"routers\":[", i ? "," : "");
		for (unsigned k = 0; k < r->len[i]; k++) {
			sbuf_printf(&s, "%s", k ? "," : "");
			sbuf_ipq(&s, r->hops[i][k]);
		}
		sbuf_printf(&s, "],\"via\":[");
		for (unsigned k = 1; k < r->len[i]; k++) {
			sbuf_printf(&s, "%s", k > 1 ? "," : "");
			if (r->via[i][k])
				sbuf_ipq(&s, r->via[i][k]);
			else
				sbuf_printf(&s, "null");
		}
		sbuf_printf(&s, "],\"cost\":%u,\"share\":%.6f}", r->cost[i], r->share[i]);
	}
	sbuf_printf(&s, "],\"links\":[");
	for (unsigned i = 0; i < po->nlinks; i++) {
		const struct place_link *l = &po->links[i];
		sbuf_printf(&s, "%s{", i ? "," : "");
		cli_json_router(c, &s, "a", l->a);
		sbuf_printf(&s, ",");
		cli_json_router(c, &s, "b", l->b);
		sbuf_printf(&s, ",\"via\":");
		if (l->net)
			sbuf_ipq(&s, l->net);
		else
			sbuf_printf(&s, "null");
		sbuf_printf(&s, ",\"cost\":%u,\"share\":%.6f}", link_cost(r, l),
		            (double)l->bytes / (double)UNIT);
	}
	sbuf_printf(&s, "]}");
	json_out(&s);
}

/* Entry and exits, every path with its cost and share, then the hops in
 * the order a packet meets them. */
static void path_text(const struct cli *c, const void *res_)
{
	const struct path_result *r = res_;
	const struct place_out *po = &r->po;
	char lb[300], a[16], b[16];
	struct table t;

	cli_label(c, po->ingress, lb, sizeof(lb));
	ip4_format(po->ingress, a);
	printf("Path %s -> %s: enters at %s (%s)", r->src, r->dst, lb, a);
	if (po->dst_plen && r->v6) {
		char p6[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, po->dst_prefix6, p6, sizeof(p6));
		printf(", destination prefix %s/%u", p6, po->dst_plen);
	} else if (po->dst_plen) {
		ip4_format(po->dst_prefix, b);
		printf(", destination prefix %s/%u", b, po->dst_plen);
	}
	printf("\n");
	for (unsigned i = 0; i < po->npairs; i++) {
		cli_label(c, po->pairs[i].egress, lb, sizeof(lb));
		ip4_format(po->pairs[i].egress, a);
		printf("Leaves at %s (%s)\n", lb, a);
	}
	printf("%u path%s:\n", r->n, r->n == 1 ? "" : "s (equal cost, split at each branching router)");
	for (unsigned i = 0; i < r->n; i++) {
		printf("  cost %u, share %.1f%%: ", r->cost[i], r->share[i] * 100);
		for (unsigned k = 0; k < r->len[i]; k++) {
			cli_label(c, r->hops[i][k], lb, sizeof(lb));
			if (k && r->via[i][k]) {
				ip4_format(r->via[i][k], a);
				printf(" -(LAN %s)-> %s", a, lb);
			} else {
				printf("%s%s", k ? " -> " : "", lb);
			}
		}
		printf("\n");
	}
	if (po->nlinks == 0)
		return;
	printf("Hops:\n");
	table_init(&t, 5);
	table_row(&t, "FROM", "TO", "VIA", "COST", "SHARE");
	for (unsigned j = 0; j < po->nlinks; j++) {
		const struct place_link *l = &po->links[r->order[j]];
		char x[128], y[128], via[40], cs[16], sh[16];
		cli_label(c, l->a, x, sizeof(x));
		cli_label(c, l->b, y, sizeof(y));
		if (l->net) {
			ip4_format(l->net, a);
			snprintf(via, sizeof(via), "LAN %s", a);
		} else {
			snprintf(via, sizeof(via), "point-to-point");
		}
		snprintf(cs, sizeof(cs), "%u", link_cost(r, l));
		snprintf(sh, sizeof(sh), "%.1f%%", (double)l->bytes * 100.0 / (double)UNIT);
		table_row(&t, x, y, via, cs, sh);
	}
	table_print(&t, stdout, "  ");
}

/* The hops table, in the text's order, with the JSON's values. */
static void path_csv(const struct cli *c, const void *res_)
{
	const struct path_result *r = res_;
	const struct place_out *po = &r->po;
	struct table t;

	table_init(&t, 7);
	table_row(&t, "a", "a_name", "b", "b_name", "via", "cost", "share");
	for (unsigned j = 0; j < po->nlinks; j++) {
		const struct place_link *l = &po->links[r->order[j]];
		char x[16], y[16], v[16] = "", cs[16], sh[32];
		ip4_format(l->a, x);
		ip4_format(l->b, y);
		if (l->net)
			ip4_format(l->net, v);
		snprintf(cs, sizeof(cs), "%u", link_cost(r, l));
		snprintf(sh, sizeof(sh), "%.6f", (double)l->bytes / (double)UNIT);
		table_row(&t, x, store_name(&c->st, l->a), y, store_name(&c->st, l->b), v, cs, sh);
	}
	table_csv(&t, stdout);
}

static const struct cli_render path_render = { path_text, path_json, path_csv };

/* path SRC DST: two addresses, the topology, one placement. */
int cmd_path(struct cli *c, int argc, char **argv)
{
	static struct path_result r;
	struct net nt;
	union anm_addr src, dst;
	bool v6;

	if (argc != 2)
		die(2, "path: SRC DST (two IPv4 or two IPv6 addresses)");
	memset(&src, 0, sizeof(src));
	memset(&dst, 0, sizeof(dst));
	v6 = strchr(argv[0], ':') != NULL;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, argv[0], src.b) != 1)
		die(2, "path: '%s' is not an IPv4 or IPv6 address", argv[0]);
	if (inet_pton(v6 ? AF_INET6 : AF_INET, argv[1], dst.b) != 1)
		die(2, "path: '%s' is not an %s address (the source is)", argv[1],
		    v6 ? "IPv6" : "IPv4");
	cli_open_net(c, &nt);
	store_load_names(&c->st);
	memset(&r, 0, sizeof(r));
	r.src = argv[0];
	r.dst = argv[1];
	r.nt = &nt;
	r.v6 = v6;
	path_query(&nt, &r, &src, &dst);
	cli_render(c, &path_render, &r);
	net_close(&nt);
	return 0;
}
