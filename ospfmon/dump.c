#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>

#include "dump.h"
#include "ospf6.h"
#include "spf6.h"
#include "sbuf.h"
#include "spf.h"
#include "topo.h"

static const char *ip(uint32_t a, char *buf)
{
	struct in_addr in = { htonl(a) };

	return inet_ntop(AF_INET, &in, buf, INET_ADDRSTRLEN);
}

static int masklen(uint32_t m)
{
	return __builtin_popcount(m);
}

struct dump_ctx {
	bool json;
	bool first;
	uint64_t now_ms;
};

/* An IPv6 prefix as text. */
static const char *p6(const struct lsa6_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, p->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, p->len);
	return buf;
}

/* The body of an OSPFv3 LSA, after its header line. */
static void dump_body6(const struct lsa *l)
{
	struct lsa6 x;
	struct lsa6_prefix p;
	struct lsa6_iface f;
	char a[INET_ADDRSTRLEN], pb[INET6_ADDRSTRLEN + 8], fw[INET6_ADDRSTRLEN];

	if (lsa6_decode(l->raw, l->h.length, &x) != OSPF6_OK) {
		printf("\n");
		return;
	}
	switch (x.h.type) {
	case LSA6_ROUTER:
		printf(" flags 0x%02x options 0x%06x\n", x.u.router.flags, x.u.router.options);
		for (struct lsa6_iface_cursor c = { 0 }; lsa6_router_iface_next(&x, &c, &f);)
			printf("    %-7s ifid %-10u nbr %-15s nbr-ifid %-10u metric %u\n",
			       f.type == LINK6_P2P ? "p2p" : f.type == LINK6_TRANSIT ? "transit" :
			       f.type == LINK6_VIRTUAL ? "virtual" : "?", f.iface_id,
			       ip(f.nbr_router_id, a), f.nbr_iface_id, f.metric);
		break;
	case LSA6_NETWORK:
		printf("\n");
		for (unsigned i = 0; i < x.u.network.nrouters; i++)
			printf("    attached %s\n", ip(lsa6_network_router(&x, i), a));
		break;
	case LSA6_INTER_PREFIX:
		printf(" %s metric %u\n", p6(&x.u.inter_prefix.prefix, pb, sizeof(pb)),
		       x.u.inter_prefix.metric);
		break;
	case LSA6_INTER_ROUTER:
		printf(" asbr %s metric %u\n", ip(x.u.inter_router.dest, a), x.u.inter_router.metric);
		break;
	case LSA6_EXTERNAL:
	case LSA6_NSSA:
		inet_ntop(AF_INET6, x.u.external.fwd, fw, sizeof(fw));
		printf(" %s %s metric %u fwd %s tag %u\n", p6(&x.u.external.prefix, pb, sizeof(pb)),
		       x.u.external.e2 ? "E2" : "E1", x.u.external.metric,
		       x.u.external.has_fwd ? fw : "-", x.u.external.tag);
		break;
	case LSA6_LINK:
		inet_ntop(AF_INET6, x.u.link.ll_addr, fw, sizeof(fw));
		printf(" link-local %s\n", fw);
		for (struct lsa6_prefix_cursor c = { 0 }; lsa6_prefix_next(&x, &c, &p);)
			printf("    prefix %s\n", p6(&p, pb, sizeof(pb)));
		break;
	case LSA6_INTRA_PREFIX:
		printf(" refers to 0x%04x %s %s\n", x.u.intra_prefix.ref_type,
		       ip(x.u.intra_prefix.ref_ls_id, a), ip(x.u.intra_prefix.ref_adv_router, fw));
		for (struct lsa6_prefix_cursor c = { 0 }; lsa6_prefix_next(&x, &c, &p);)
			printf("    prefix %s metric %u%s\n", p6(&p, pb, sizeof(pb)), p.field,
			       p.options & LSA6_PREFIX_NU ? " NU" : "");
		break;
	default:
		printf("\n");
	}
}

static void dump_lsa(void *vctx, const struct lsdb_entry *e)
{
	struct dump_ctx *c = vctx;
	const struct lsa *l = &e->lsa;
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], ar[INET_ADDRSTRLEN];

	if (c->json) {
		printf("%s\n  {\"area\": %s%s%s, %s\"type\": %u, \"id\": \"%s\", \"adv\": \"%s\", "
		       "\"seq\": \"0x%08" PRIx32 "\", \"age\": %u, \"length\": %u}",
		       c->first ? "" : ",", e->area == LSDB_AS_SCOPE ? "null" : "\"",
		       e->area == LSDB_AS_SCOPE ? "" : ip(e->area, ar),
		       e->area == LSDB_AS_SCOPE ? "" : "\"", l->h.v3 ? "\"ospf\": 3, " : "",
		       l->h.type, ip(l->h.ls_id, a),
		       ip(l->h.adv_router, b), (uint32_t)l->h.seq, lsdb_age_of(e, c->now_ms),
		       l->h.length);
		c->first = false;
		return;
	}
	if (l->h.v3) {
		printf("%-15s v3 type 0x%04x id %-15s adv %-15s seq 0x%08" PRIx32 " len %u",
		       e->area == LSDB_AS_SCOPE ? "AS" : ip(e->area, ar), l->h.type,
		       ip(l->h.ls_id, a), ip(l->h.adv_router, b), (uint32_t)l->h.seq, l->h.length);
		dump_body6(l);
		return;
	}
	printf("%-15s type %-2u id %-15s adv %-15s seq 0x%08" PRIx32 " len %u",
	       e->area == LSDB_AS_SCOPE ? "AS" : ip(e->area, ar), l->h.type, ip(l->h.ls_id, a),
	       ip(l->h.adv_router, b), (uint32_t)l->h.seq, l->h.length);
	switch (l->h.type) {
	case LSA_ROUTER: {
		struct lsa_router_link lk;
		printf(" flags 0x%02x\n", l->u.router.flags);
		for (struct lsa_link_cursor cu = { 0 }; lsa_router_link_next(l, &cu, &lk);) {
			static const char *const kind[] = { "?", "p2p", "transit", "stub", "virtual" };
			printf("    %-7s id %-15s data %-15s metric %u\n",
			       lk.type <= 4 ? kind[lk.type] : "?", ip(lk.id, a), ip(lk.data, b), lk.metric);
		}
		break;
	}
	case LSA_NETWORK:
		printf(" /%d\n", masklen(l->u.network.mask));
		for (unsigned i = 0; i < l->u.network.nrouters; i++)
			printf("    attached %s\n", ip(lsa_network_router(l, i), a));
		break;
	case LSA_SUMMARY:
	case LSA_ASBR_SUMMARY:
		printf(" /%d metric %u\n", masklen(l->u.summary.mask), l->u.summary.metric);
		break;
	case LSA_EXTERNAL:
	case LSA_NSSA:
		printf(" /%d %s metric %u fwd %s tag %u\n", masklen(l->u.external.mask),
		       l->u.external.e2 ? "E2" : "E1", l->u.external.metric,
		       ip(l->u.external.fwd, a), l->u.external.tag);
		break;
	default:
		printf("\n");
	}
}

void dump_lsdb(const struct lsdb *db, uint64_t now_ms, bool json)
{
	uint32_t areas[64];
	unsigned n = lsdb_areas(db, areas, 64);
	struct dump_ctx c = { json, true, now_ms };

	if (json)
		printf("[");
	for (unsigned i = 0; i < n; i++)
		lsdb_foreach(db, areas[i], 0, dump_lsa, &c);
	lsdb_foreach(db, LSDB_AS_SCOPE, 0, dump_lsa, &c);
	if (json)
		printf("\n]\n");
}

int dump_routes(const struct lsdb *db, uint32_t root, bool json)
{
	struct route_table rt = { 0 };
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	if (spf_routes(db, root, &rt) < 0) {
		fprintf(stderr, "anemone-ospfmon: router %s is not in the link-state database\n",
		        ip(root, a));
		return 1;
	}
	if (json)
		printf("[");
	for (unsigned i = 0; i < rt.n; i++) {
		const struct route *r = &rt.r[i];
		if (json) {
			printf("%s\n  {\"prefix\": \"%s/%d\", \"type\": \"%s\", \"cost\": %u, ",
			       i ? "," : "", ip(r->prefix, a), masklen(r->mask),
			       route_type_name(r->type), r->cost);
			if (r->type == RT_E2 || r->type == RT_N2)
				printf("\"type2_cost\": %u, ", r->type2_cost);
			printf("\"nexthops\": [");
			for (unsigned j = 0; j < r->nnh; j++)
				printf("%s\"%s\"", j ? ", " : "", ip(r->nh[j], b));
			printf("]}");
			continue;
		}
		{
			char pfx[32];
			snprintf(pfx, sizeof(pfx), "%s/%d", ip(r->prefix, a), masklen(r->mask));
			printf("%-18s %-5s cost %-6u", pfx, route_type_name(r->type), r->cost);
		}
		if (r->type == RT_E2 || r->type == RT_N2)
			printf(" type-2 %u", r->type2_cost);
		if (r->attached)
			printf(" attached");
		for (unsigned j = 0; j < r->nnh; j++)
			printf(" via %s", ip(r->nh[j], b));
		printf("\n");
	}
	if (json)
		printf("\n]\n");
	route_table_free(&rt);
	return 0;
}

int dump_routes6(const struct lsdb *db, uint32_t root, bool json)
{
	struct route6_table rt = { 0 };
	char a[INET6_ADDRSTRLEN], b[INET_ADDRSTRLEN], ar[INET_ADDRSTRLEN];

	if (spf6_routes(db, root, &rt) < 0) {
		fprintf(stderr, "anemone-ospfmon: router %s has no OSPFv3 router-LSA in the "
		        "link-state database\n", ip(root, b));
		route6_table_free(&rt);
		return 1;
	}
	if (json)
		printf("[");
	for (unsigned i = 0; i < rt.n; i++) {
		const struct route6 *r = &rt.r[i];
		bool ext = r->type >= RT_E1;
		inet_ntop(AF_INET6, r->prefix, a, sizeof(a));
		if (json) {
			printf("%s\n  {\"prefix\": \"%s/%u\", \"type\": \"%s\", \"area\": %s%s%s, "
			       "\"cost\": %u, \"type2_cost\": %u, \"attached\": %s, \"nexthops\": [",
			       i ? "," : "", a, r->plen, route_type_name(r->type), ext ? "" : "\"",
			       ext ? "null" : ip(r->area, ar), ext ? "" : "\"", r->cost,
			       r->type == RT_E2 || r->type == RT_N2 ? r->type2_cost : 0,
			       r->attached ? "true" : "false");
			for (unsigned j = 0; j < r->nnh; j++) {
				inet_ntop(AF_INET6, r->nh[j].addr, a, sizeof(a));
				printf("%s{\"via\": \"%s\", \"ifid\": %u, \"router\": \"%s\"}",
				       j ? ", " : "", a, r->nh[j].ifid, ip(r->nh[j].router, b));
			}
			printf("]}");
			continue;
		}
		{
			char pfx[INET6_ADDRSTRLEN + 8];
			snprintf(pfx, sizeof(pfx), "%s/%u", a, r->plen);
			printf("%-24s %-5s cost %-6u", pfx, route_type_name(r->type), r->cost);
		}
		if (r->type == RT_E2 || r->type == RT_N2)
			printf(" type-2 %u", r->type2_cost);
		if (r->attached)
			printf(" attached");
		for (unsigned j = 0; j < r->nnh; j++) {
			inet_ntop(AF_INET6, r->nh[j].addr, a, sizeof(a));
			printf(" via %s%%%u (%s)", a, r->nh[j].ifid, ip(r->nh[j].router, b));
		}
		printf("\n");
	}
	if (json)
		printf("\n]\n");
	route6_table_free(&rt);
	return 0;
}

void dump_topology(const struct topo *t, uint64_t version, bool json)
{
	struct sbuf b = SBUF_INIT;

	if (json) {
		topo_json(t, version, &b);
		sbuf_put(&b, "\n", 1);
	} else {
		topo_text(t, &b);
	}
	fputs(sbuf_str(&b), stdout);
	sbuf_free(&b);
}
