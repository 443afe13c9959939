/*
 * anemone link A-B: one directed link's load in the window -- its total,
 * its busiest bucket, bucket by bucket -- and who causes it: the window's
 * traffic matrix routed on the current topology, the link's share of each
 * ingress -> egress pair, by ingress (sources) and by egress (sinks).
 * Beside the load placed on it, the load measured on it (transit records
 * of B's exporter entering from A), when any exporter reports it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct link_result {
	uint32_t a, b, cost;
	uint64_t cap;                /* bits/s, 0: none configured */
	struct sums tot;
	struct sums measured;        /* in the window, when measured */
	bool is_measured;            /* the link has a measured series */
	uint64_t peak, peak_t;       /* the busiest bucket's bytes and start */
	struct sums *pts;            /* npts buckets */
	unsigned npts;
	uint64_t attributed;         /* bytes of the matrix routed over the link */
	struct pair_load *by, *srcs, *sinks;   /* busiest first */
	unsigned nby, nsrc, nsink;
};

/* qsort: bytes down, then ingress, egress up. */
static int cmp_pair_bytes(const void *x, const void *y)
{
	const struct pair_load *p = x, *q = y;
	if (p->bytes != q->bytes)
		return p->bytes > q->bytes ? -1 : 1;
	if (p->i != q->i)
		return p->i < q->i ? -1 : 1;
	return p->e < q->e ? -1 : p->e > q->e;
}

/* Add bytes and packets to router r's row of l (*n rows; a new row at
 * the end when r has none).  Cost: linear in *n. */
static void add_router_share(struct pair_load *l, unsigned *n, uint32_t r, uint64_t bytes,
                             uint64_t packets)
{
	for (unsigned i = 0; i < *n; i++)
		if (l[i].i == r) {
			l[i].bytes += bytes;
			l[i].packets += packets;
			return;
		}
	l[*n] = (struct pair_load){ r, r, bytes, packets, 0 };
	(*n)++;
}

/* Fill r for the link a -> b.  Cost: the link's series, the matrix (one
 * read per pair) and one placement per pair. */
static void link_query(struct cli *c, struct net *nt, struct link_result *r)
{
	static struct place_out po;
	char id[SCHEMA_LINK_ID_LEN];
	struct pair_load *mx;
	unsigned np;

	store_sum_append(&c->st, SCHEMA_LINK, schema_link_id(id, r->a, r->b));
	r->pts = store_series_reply(&c->st, &r->npts);
	for (unsigned i = 0; i < r->npts; i++) {
		r->tot.bytes += r->pts[i].bytes;
		r->tot.packets += r->pts[i].packets;
		r->tot.flows += r->pts[i].flows;
		if (r->pts[i].bytes > r->peak) {
			r->peak = r->pts[i].bytes;
			r->peak_t = r->pts[i].time_ms;
		}
	}
	r->measured = store_sum(&c->st, SCHEMA_MEASURED, id, NULL);
	r->is_measured = store_is_member(&c->st, SCHEMA_MEASURED, id);
	r->cap = store_capacity(&c->st, r->a, r->b);
	r->cost = net_link_cost(nt, r->a, r->b, 0);
	mx = cli_matrix(c, &np);
	r->by = calloc(np + 1, sizeof(*r->by));
	r->srcs = calloc(np + 1, sizeof(*r->srcs));
	r->sinks = calloc(np + 1, sizeof(*r->sinks));
	if (!r->by || !r->srcs || !r->sinks)
		die(1, "out of memory");
	for (unsigned i = 0; i < np; i++) {
		uint64_t lbytes = 0, lpk = 0;
		if (mx[i].i == mx[i].e ||
		    net_route_pair(nt, mx[i].i, mx[i].e, mx[i].bytes, mx[i].packets, &po) != PLACE_OK)
			continue;
		for (unsigned k = 0; k < po.nlinks; k++)
			if (po.links[k].a == r->a && po.links[k].b == r->b) {
				lbytes += po.links[k].bytes;
				lpk += po.links[k].packets;
			}
		if (lbytes == 0 && lpk == 0)
			continue;
		r->by[r->nby++] = (struct pair_load){ mx[i].i, mx[i].e, lbytes, lpk, 0 };
		add_router_share(r->srcs, &r->nsrc, mx[i].i, lbytes, lpk);
		add_router_share(r->sinks, &r->nsink, mx[i].e, lbytes, lpk);
		r->attributed += lbytes;
	}
	qsort(r->by, r->nby, sizeof(*r->by), cmp_pair_bytes);
	qsort(r->srcs, r->nsrc, sizeof(*r->srcs), cmp_pair_bytes);
	qsort(r->sinks, r->nsink, sizeof(*r->sinks), cmp_pair_bytes);
	free(mx);
}

/* bytes as a percentage of what the matrix put on the link (0 when
 * nothing). */
static double share_pct(const struct link_result *r, uint64_t bytes)
{
	return r->attributed ? 100.0 * (double)bytes / (double)r->attributed : 0;
}

/* --- printing -------------------------------------------------------------- */

/* {"window","link","series","attributed_bytes","pairs","sources","sinks"},
 * every row of each list. */
static void link_json(const struct cli *c, const void *res_)
{
	const struct link_result *r = res_;
	struct sbuf s = SBUF_INIT;
	char id[SCHEMA_LINK_ID_LEN];

	sbuf_printf(&s, "{");
	cli_json_window(c, &s);
	sbuf_printf(&s, ",\"link\":{\"id\":\"%s\",", schema_link_id(id, r->a, r->b));
	cli_json_router(c, &s, "a", r->a);
	sbuf_printf(&s, ",");
	cli_json_router(c, &s, "b", r->b);
	sbuf_printf(&s, ",\"cost\":%u", r->cost);
	if (r->cap)
		sbuf_printf(&s, ",\"capacity_bps\":%llu,\"utilisation\":%.4f", (unsigned long long)r->cap,
		            (double)cli_bps(c, r->tot.bytes) / (double)r->cap);
	else
		sbuf_printf(&s, ",\"capacity_bps\":null,\"utilisation\":null");
	sbuf_printf(&s, ",\"bytes\":%llu,\"packets\":%llu,\"flows\":%llu,\"bps\":%llu",
	            (unsigned long long)r->tot.bytes, (unsigned long long)r->tot.packets,
	            (unsigned long long)r->tot.flows, (unsigned long long)cli_bps(c, r->tot.bytes));
	sbuf_printf(&s, ",\"peak\":{\"time_ms\":%llu,\"bytes\":%llu,\"bps\":%llu}",
	            (unsigned long long)r->peak_t, (unsigned long long)r->peak,
	            (unsigned long long)(r->peak * 8000 / c->st.width_ms));
	if (r->is_measured)
		sbuf_printf(&s, ",\"measured\":{\"bytes\":%llu,\"packets\":%llu,\"flows\":%llu,"
		            "\"bps\":%llu}}", (unsigned long long)r->measured.bytes,
		            (unsigned long long)r->measured.packets,
		            (unsigned long long)r->measured.flows,
		            (unsigned long long)cli_bps(c, r->measured.bytes));
	else
		sbuf_printf(&s, ",\"measured\":null}");
	sbuf_printf(&s, ",\"series\":[");
	for (unsigned i = 0; i < r->npts; i++)
		sbuf_printf(&s, "%s{\"time_ms\":%llu,\"bytes\":%llu,\"packets\":%llu,\"flows\":%llu}",
		            i ? "," : "", (unsigned long long)r->pts[i].time_ms,
		            (unsigned long long)r->pts[i].bytes, (unsigned long long)r->pts[i].packets,
		            (unsigned long long)r->pts[i].flows);
	sbuf_printf(&s, "],\"attributed_bytes\":%llu,\"pairs\":[", (unsigned long long)r->attributed);
	for (unsigned i = 0; i < r->nby; i++) {
		sbuf_printf(&s, "%s{", i ? "," : "");
		cli_json_router(c, &s, "ingress", r->by[i].i);
		sbuf_printf(&s, ",");
		cli_json_router(c, &s, "egress", r->by[i].e);
		sbuf_printf(&s, ",\"bytes\":%llu,\"packets\":%llu}", (unsigned long long)r->by[i].bytes,
		            (unsigned long long)r->by[i].packets);
	}
	for (int side = 0; side < 2; side++) {
		const struct pair_load *l = side ? r->sinks : r->srcs;
		unsigned nl = side ? r->nsink : r->nsrc;
		sbuf_printf(&s, "],\"%s\":[", side ? "sinks" : "sources");
		for (unsigned i = 0; i < nl; i++) {
			sbuf_printf(&s, "%s{", i ? "," : "");
			cli_json_router(c, &s, "router", l[i].i);
			sbuf_printf(&s, ",\"bytes\":%llu}", (unsigned long long)l[i].bytes);
		}
	}
	sbuf_printf(&s, "]}");
	json_out(&s);
}

/* The link's header lines, then the buckets, the pairs, the sources and
 * the sinks as tables (the first -n rows of each list). */
static void link_text(const struct cli *c, const void *res_)
{
	const struct link_result *r = res_;
	char by1[32], rt[32], cp[32], ut[32], pr[32], pu[32], tt[40], lb[300], ia[16], ib[16];
	double wms = (double)c->st.width_ms;
	uint64_t capdiv = r->cap ? r->cap : 1;
	struct table t;

	ip4_format(r->a, ia);
	ip4_format(r->b, ib);
	cli_link_label(c, r->a, r->b, lb, sizeof(lb));
	printf("Link %s (%s-%s), OSPF cost %u, capacity ", lb, ia, ib, r->cost);
	if (r->cap) {
		fmt_rate((double)r->cap, cp, sizeof(cp));
		printf("%s\n", cp);
	} else {
		printf("not configured\n");
	}
	cli_print_window(c, "Window");
	fmt_bytes(r->tot.bytes, by1, sizeof(by1));
	fmt_rate((double)r->tot.bytes * 8 / cli_window_s(c), rt, sizeof(rt));
	fmt_util((double)cli_bps(c, r->tot.bytes) / (double)capdiv, r->cap != 0, ut, sizeof(ut));
	printf("Carried %s, %llu packets, %llu flow records: average %s, utilisation %s\n", by1,
	       (unsigned long long)r->tot.packets, (unsigned long long)r->tot.flows, rt, ut);
	if (r->is_measured) {
		fmt_bytes(r->measured.bytes, pr, sizeof(pr));
		fmt_rate((double)r->measured.bytes * 8 / cli_window_s(c), pu, sizeof(pu));
		printf("Measured %s, %llu packets, %llu flow records: average %s (transit records of "
		       "%s's exporter entering from %s)\n", pr,
		       (unsigned long long)r->measured.packets, (unsigned long long)r->measured.flows,
		       pu, ib, ia);
	}
	if (r->peak) {
		fmt_rate((double)r->peak * 8000.0 / wms, pr, sizeof(pr));
		fmt_util((double)r->peak * 8000.0 / wms / (double)capdiv, r->cap != 0, pu, sizeof(pu));
		fmt_time(r->peak_t, tt, sizeof(tt));
		printf("Busiest %s bucket: %s at %s, utilisation %s\n", c->st.res, pr, tt, pu);
	}
	printf("\nLoad per %s bucket:\n", c->st.res);
	table_init(&t, 4);
	table_row(&t, "BUCKET", "BYTES", "RATE", "UTIL");
	for (unsigned i = 0; i < r->npts; i++) {
		double bps = (double)r->pts[i].bytes * 8000.0 / wms;
		fmt_time(r->pts[i].time_ms, tt, sizeof(tt));
		fmt_bytes(r->pts[i].bytes, by1, sizeof(by1));
		fmt_rate(bps, rt, sizeof(rt));
		fmt_util(bps / (double)capdiv, r->cap != 0, ut, sizeof(ut));
		table_row(&t, tt, by1, rt, ut);
	}
	table_print(&t, stdout, "  ");
	fmt_bytes(r->attributed, pr, sizeof(pr));
	fmt_bytes(r->tot.bytes, pu, sizeof(pu));
	printf("\nWho uses it: the window's traffic matrix routed on the current topology\n");
	printf("(%s of the %s counted on the link)\n", pr, pu);
	table_init(&t, 4);
	table_row(&t, "INGRESS -> EGRESS", "BYTES", "RATE", "SHARE");
	for (unsigned i = 0; i < r->nby && i < c->o.n; i++) {
		char sh[32];
		cli_link_label(c, r->by[i].i, r->by[i].e, lb, sizeof(lb));
		fmt_bytes(r->by[i].bytes, by1, sizeof(by1));
		fmt_rate((double)r->by[i].bytes * 8 / cli_window_s(c), rt, sizeof(rt));
		snprintf(sh, sizeof(sh), "%.1f%%", share_pct(r, r->by[i].bytes));
		table_row(&t, lb, by1, rt, sh);
	}
	table_print(&t, stdout, "  ");
	for (int side = 0; side < 2; side++) {
		const struct pair_load *l = side ? r->sinks : r->srcs;
		unsigned nl = side ? r->nsink : r->nsrc;
		printf("\n%s\n", side ? "Sinks (egress routers):" : "Sources (ingress routers):");
		table_init(&t, 3);
		table_row(&t, "ROUTER", "BYTES", "SHARE");
		for (unsigned i = 0; i < nl && i < c->o.n; i++) {
			char sh[32];
			cli_label(c, l[i].i, lb, sizeof(lb));
			fmt_bytes(l[i].bytes, by1, sizeof(by1));
			snprintf(sh, sizeof(sh), "%.1f%%", share_pct(r, l[i].bytes));
			table_row(&t, lb, by1, sh);
		}
		table_print(&t, stdout, "  ");
	}
}

/* Four tables, as the text prints them, each with every row: the buckets,
 * the pairs, the sources, the sinks (shares in percent, %.1f as the
 * text). */
static void link_csv(const struct cli *c, const void *res_)
{
	const struct link_result *r = res_;
	char tm[40], ti[40], by[32], pk[32], fl[32], bps[32], ut[32], sh[32], x[16], y[16];
	struct table t;

	table_init(&t, 7);
	table_row(&t, "time_ms", "time", "bytes", "packets", "flows", "bps", "utilisation");
	for (unsigned i = 0; i < r->npts; i++) {
		uint64_t b = (uint64_t)((double)r->pts[i].bytes * 8000.0 / (double)c->st.width_ms + 0.5);
		fmt_u64(r->pts[i].time_ms, tm, sizeof(tm));
		fmt_time_iso(r->pts[i].time_ms, ti, sizeof(ti));
		fmt_u64(r->pts[i].bytes, by, sizeof(by));
		fmt_u64(r->pts[i].packets, pk, sizeof(pk));
		fmt_u64(r->pts[i].flows, fl, sizeof(fl));
		fmt_u64(b, bps, sizeof(bps));
		ut[0] = 0;
		if (r->cap)
			fmt_frac4((double)b / (double)r->cap, ut, sizeof(ut));
		table_row(&t, tm, ti, by, pk, fl, bps, ut);
	}
	table_csv(&t, stdout);
	csv_next_table(stdout);
	table_init(&t, 7);
	table_row(&t, "ingress", "ingress_name", "egress", "egress_name", "bytes", "packets", "share");
	for (unsigned i = 0; i < r->nby; i++) {
		ip4_format(r->by[i].i, x);
		ip4_format(r->by[i].e, y);
		fmt_u64(r->by[i].bytes, by, sizeof(by));
		fmt_u64(r->by[i].packets, pk, sizeof(pk));
		snprintf(sh, sizeof(sh), "%.1f", share_pct(r, r->by[i].bytes));
		table_row(&t, x, store_name(&c->st, r->by[i].i), y, store_name(&c->st, r->by[i].e), by, pk, sh);
	}
	table_csv(&t, stdout);
	for (int side = 0; side < 2; side++) {
		const struct pair_load *l = side ? r->sinks : r->srcs;
		unsigned nl = side ? r->nsink : r->nsrc;
		csv_next_table(stdout);
		table_init(&t, 4);
		table_row(&t, side ? "sink" : "source", "name", "bytes", "share");
		for (unsigned i = 0; i < nl; i++) {
			ip4_format(l[i].i, x);
			fmt_u64(l[i].bytes, by, sizeof(by));
			snprintf(sh, sizeof(sh), "%.1f", share_pct(r, l[i].bytes));
			table_row(&t, x, store_name(&c->st, l[i].i), by, sh);
		}
		table_csv(&t, stdout);
	}
}

static const struct cli_render link_render = { link_text, link_json, link_csv };

/* link A-B: the topology, the link named, the window, then the query. */
int cmd_link(struct cli *c, int argc, char **argv)
{
	struct link_result r = { 0 };
	struct net nt;
	int is_net;

	if (argc != 1)
		die(2, "link: one link, A-B");
	cli_open_net(c, &nt);
	store_load_names(&c->st);
	cli_parse_link(c, &nt, argv[0], &r.a, &r.b, 0, &is_net);
	store_window(&c->st, c->o.window_ms, c->o.until_ms);
	cli_need_traffic(c);
	link_query(c, &nt, &r);
	cli_render(c, &link_render, &r);
	free(r.pts);
	free(r.by);
	free(r.srcs);
	free(r.sinks);
	net_close(&nt);
	return 0;
}
