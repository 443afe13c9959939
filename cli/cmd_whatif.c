/*
 * anemone whatif: the window's traffic matrix routed on the current
 * topology (before) and on a copy with links or routers failed or costs
 * changed (after, scenario.h): every link's load both ways, the links at
 * or over a threshold of their capacity, the pairs that become
 * unreachable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "conf.h"

struct wl {                      /* one directed link, before and after */
	uint32_t a, b;
	uint64_t before, after, bpk, apk;
	uint64_t cap;
	bool over;                   /* after at or over the threshold */
};

struct whatif_result {
	struct scen_change ch[CLI_MAX_CHANGES];
	const char *ch_text[CLI_MAX_CHANGES];
	unsigned nch;
	unsigned np;                 /* router pairs in the matrix */
	uint64_t total;              /* their bytes */
	struct routed rb, ra;        /* before, after */
	struct wl *w;                /* nw, busiest after first */
	unsigned nw, nover;
};

/* qsort: after down, before down, then a, b up. */
static int cmp_wl(const void *x, const void *y)
{
	const struct wl *p = x, *q = y;
	if (p->after != q->after)
		return p->after > q->after ? -1 : 1;
	if (p->before != q->before)
		return p->before > q->before ? -1 : 1;
	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	return p->b < q->b ? -1 : p->b > q->b;
}

/* The changes of the command line, in its order, on the topology nt; dies
 * (2) naming one that is not there. */
static void resolve_changes(const struct cli *c, const struct net *nt, struct whatif_result *r)
{
	const struct cli_opts *o = &c->o;
	unsigned il = 0, ir = 0, ic = 0;

	r->nch = 0;
	for (unsigned k = 0; k < o->norder; k++) {
		struct scen_change *ch = &r->ch[r->nch];
		int is_net = 0;
		memset(ch, 0, sizeof(*ch));
		switch (o->order[k]) {
		case 0:
			ch->kind = SC_FAIL_LINK;
			cli_parse_link(c, nt, o->fail_link[il], &ch->a, &ch->b, 1, &is_net);
			ch->net = is_net;
			r->ch_text[r->nch] = o->fail_link[il++];
			break;
		case 1:
			ch->kind = SC_FAIL_ROUTER;
			if (store_router(&c->st, o->fail_router[ir], &ch->a) < 0 || !net_has_router(nt, ch->a))
				die(2, "--fail-router %s: no such router in the topology", o->fail_router[ir]);
			r->ch_text[r->nch] = o->fail_router[ir++];
			break;
		default: {
			char buf[256], *eq;
			uint64_t v;
			snprintf(buf, sizeof(buf), "%s", o->cost[ic]);
			if ((eq = strrchr(buf, '=')) == NULL || parse_uint(eq + 1, 1, 65535, &v) < 0)
				die(2, "--cost %s: want A-B=COST, COST 1 to 65535", o->cost[ic]);
			*eq = 0;
			ch->kind = SC_COST;
			ch->cost = (uint32_t)v;
			cli_parse_link(c, nt, buf, &ch->a, &ch->b, 1, &is_net);
			ch->net = is_net;
			r->ch_text[r->nch] = o->cost[ic++];
			break;
		}
		}
		r->nch++;
	}
}

/* "fail-link A-B", "fail-router R", "cost A-B=N": change i as given. */
static void change_desc(const struct whatif_result *r, unsigned i, char *buf, size_t len)
{
	static const char *const k[] = { "fail-link", "fail-router", "cost" };
	snprintf(buf, len, "%s %s", k[r->ch[i].kind], r->ch_text[i]);
}

/* Route the matrix before and after; every link either carries, merged.
 * Cost: two routings of the matrix, links x links to merge. */
static void whatif_query(struct cli *c, struct net *before, struct net *after,
                         struct whatif_result *r)
{
	struct pair_load *mx = cli_matrix(c, &r->np);

	for (unsigned i = 0; i < r->np; i++)
		r->total += mx[i].bytes;
	net_route_matrix(before, mx, r->np, &r->rb);
	net_route_matrix(after, mx, r->np, &r->ra);
	free(mx);
	links_merge(r->rb.links, &r->rb.nlinks, 1);
	links_merge(r->ra.links, &r->ra.nlinks, 1);
	r->w = calloc(r->rb.nlinks + r->ra.nlinks + 1, sizeof(*r->w));
	if (r->w == NULL)
		die(1, "out of memory");
	for (int side = 0; side < 2; side++) {
		const struct routed *rt = side ? &r->ra : &r->rb;
		for (unsigned i = 0; i < rt->nlinks; i++) {
			struct wl *w = r->w;
			unsigned j;
			for (j = 0; j < r->nw; j++)
				if (w[j].a == rt->links[i].a && w[j].b == rt->links[i].b)
					break;
			if (j == r->nw) {
				w[j].a = rt->links[i].a;
				w[j].b = rt->links[i].b;
				w[j].cap = store_capacity(&c->st, w[j].a, w[j].b);
				r->nw++;
			}
			if (side) {
				w[j].after += rt->links[i].bytes;
				w[j].apk += rt->links[i].packets;
			} else {
				w[j].before += rt->links[i].bytes;
				w[j].bpk += rt->links[i].packets;
			}
		}
	}
	qsort(r->w, r->nw, sizeof(*r->w), cmp_wl);
	for (unsigned i = 0; i < r->nw; i++) {
		struct wl *w = &r->w[i];
		w->over = w->cap && (double)cli_bps(c, w->after) >= c->o.threshold * (double)w->cap;
		r->nover += w->over;
	}
}

/* --- printing -------------------------------------------------------------- */

/* {"window","changes","threshold","matrix_bytes","links",
 * "unreachable_before","unreachable_after"}. */
static void whatif_json(const struct cli *c, const void *res_)
{
	const struct whatif_result *r = res_;
	struct sbuf s = SBUF_INIT;

	sbuf_printf(&s, "{");
	cli_json_window(c, &s);
	sbuf_printf(&s, ",\"changes\":[");
	for (unsigned i = 0; i < r->nch; i++) {
		char d[300];
		change_desc(r, i, d, sizeof(d));
		sbuf_printf(&s, "%s", i ? "," : "");
		json_str(&s, d);
	}
	sbuf_printf(&s, "],\"threshold\":%.4f,\"matrix_bytes\":%llu,\"links\":[", c->o.threshold,
	            (unsigned long long)r->total);
	for (unsigned i = 0; i < r->nw; i++) {
		const struct wl *w = &r->w[i];
		char id[SCHEMA_LINK_ID_LEN];
		sbuf_printf(&s, "%s{\"id\":\"%s\",", i ? "," : "", schema_link_id(id, w->a, w->b));
		cli_json_router(c, &s, "a", w->a);
		sbuf_printf(&s, ",");
		cli_json_router(c, &s, "b", w->b);
		sbuf_printf(&s, ",\"capacity_bps\":");
		if (w->cap)
			sbuf_printf(&s, "%llu", (unsigned long long)w->cap);
		else
			sbuf_printf(&s, "null");
		for (int side = 0; side < 2; side++) {
			uint64_t by = side ? w->after : w->before, pk = side ? w->apk : w->bpk;
			sbuf_printf(&s, ",\"%s\":{\"bytes\":%llu,\"packets\":%llu,\"bps\":%llu,\"utilisation\":",
			            side ? "after" : "before", (unsigned long long)by,
			            (unsigned long long)pk, (unsigned long long)cli_bps(c, by));
			if (w->cap)
				sbuf_printf(&s, "%.4f}", (double)cli_bps(c, by) / (double)w->cap);
			else
				sbuf_printf(&s, "null}");
		}
		sbuf_printf(&s, ",\"over_threshold\":%s}", w->over ? "true" : "false");
	}
	for (int side = 0; side < 2; side++) {
		const struct routed *rt = side ? &r->ra : &r->rb;
		sbuf_printf(&s, "],\"unreachable_%s\":[", side ? "after" : "before");
		for (unsigned i = 0; i < rt->nun; i++) {
			sbuf_printf(&s, "%s{", i ? "," : "");
			cli_json_router(c, &s, "ingress", rt->un[i].i);
			sbuf_printf(&s, ",");
			cli_json_router(c, &s, "egress", rt->un[i].e);
			sbuf_printf(&s, ",\"bytes\":%llu,\"packets\":%llu,\"reason\":\"%s\"}",
			            (unsigned long long)rt->un[i].bytes, (unsigned long long)rt->un[i].packets,
			            rt->un[i].why);
		}
	}
	sbuf_printf(&s, "]}");
	json_out(&s);
}

/* The CHANGE column: =, new, gone or the change in percent. */
static void change_cell(const struct wl *w, char *buf, size_t len)
{
	if (w->after == w->before)
		snprintf(buf, len, "=");
	else if (w->before == 0)
		snprintf(buf, len, "new");
	else if (w->after == 0)
		snprintf(buf, len, "gone");
	else
		snprintf(buf, len, "%+.0f%%", 100.0 * ((double)w->after - (double)w->before) / (double)w->before);
}

/* The changes, the links table before and after, the links over the
 * threshold and the pairs unreachable after. */
static void whatif_text(const struct cli *c, const void *res_)
{
	const struct whatif_result *r = res_;
	char by[32], rt[32], ut[32], ra_[32], ua[32], cp[32], lb[300], d[300];
	struct table tb;

	cli_print_window(c, "What if");
	printf("Changes:");
	for (unsigned i = 0; i < r->nch; i++) {
		change_desc(r, i, d, sizeof(d));
		printf("%s %s", i ? "," : "", d);
	}
	if (r->nch == 0)
		printf(" none");
	fmt_bytes(r->total, by, sizeof(by));
	printf("\nThe window's traffic matrix (%s between %u router pairs), routed on the\n"
	       "current topology (before) and on the changed one (after):\n\n", by, r->np);
	table_init(&tb, 8);
	table_row(&tb, "LINK", "CAPACITY", "BEFORE", "UTIL", "AFTER", "UTIL", "CHANGE", "");
	for (unsigned i = 0; i < r->nw; i++) {
		const struct wl *w = &r->w[i];
		uint64_t capdiv = w->cap ? w->cap : 1;
		char ch[32];
		cli_link_label(c, w->a, w->b, lb, sizeof(lb));
		if (w->cap)
			fmt_rate((double)w->cap, cp, sizeof(cp));
		else
			snprintf(cp, sizeof(cp), "-");
		fmt_rate((double)w->before * 8 / cli_window_s(c), rt, sizeof(rt));
		fmt_util((double)cli_bps(c, w->before) / (double)capdiv, w->cap != 0, ut, sizeof(ut));
		fmt_rate((double)w->after * 8 / cli_window_s(c), ra_, sizeof(ra_));
		fmt_util((double)cli_bps(c, w->after) / (double)capdiv, w->cap != 0, ua, sizeof(ua));
		change_cell(w, ch, sizeof(ch));
		table_row(&tb, lb, cp, rt, ut, ra_, ua, ch, w->over ? "OVER" : "");
	}
	table_print(&tb, stdout, "  ");
	printf("\n%u link%s at or over %.0f%% of capacity after the change%s\n", r->nover,
	       r->nover == 1 ? "" : "s", c->o.threshold * 100, r->nover ? ":" : ".");
	for (unsigned i = 0; i < r->nw; i++) {
		const struct wl *w = &r->w[i];
		if (!w->over)
			continue;
		cli_link_label(c, w->a, w->b, lb, sizeof(lb));
		fmt_rate((double)w->after * 8 / cli_window_s(c), ra_, sizeof(ra_));
		fmt_rate((double)w->cap, cp, sizeof(cp));
		printf("  %s: %s on %s (%.1f%%)\n", lb, ra_, cp,
		       100.0 * (double)cli_bps(c, w->after) / (double)w->cap);
	}
	printf("%u router pair%s unreachable after the change%s\n", r->ra.nun, r->ra.nun == 1 ? "" : "s",
	       r->ra.nun ? ":" : ".");
	for (unsigned i = 0; i < r->ra.nun; i++) {
		const struct unreach *u = &r->ra.un[i];
		cli_link_label(c, u->i, u->e, lb, sizeof(lb));
		fmt_bytes(u->bytes, by, sizeof(by));
		fmt_rate((double)u->bytes * 8 / cli_window_s(c), rt, sizeof(rt));
		printf("  %s: %s (%s), %s\n", lb, by, rt, u->why);
	}
	if (r->rb.nun)
		printf("(%u pair%s unreachable before the change as well)\n", r->rb.nun,
		       r->rb.nun == 1 ? "" : "s");
}

/* Two tables: the links (the text's rows, the JSON's values), then the
 * unreachable pairs before and after. */
static void whatif_csv(const struct cli *c, const void *res_)
{
	const struct whatif_result *r = res_;
	struct table t;

	table_init(&t, 16);
	table_row(&t, "id", "a", "a_name", "b", "b_name", "capacity_bps", "before_bytes",
	          "before_packets", "before_bps", "before_utilisation", "after_bytes", "after_packets",
	          "after_bps", "after_utilisation", "change", "over_threshold");
	for (unsigned i = 0; i < r->nw; i++) {
		const struct wl *w = &r->w[i];
		char id[SCHEMA_LINK_ID_LEN], a[16], b[16], cp[32] = "", v[8][32], ch[32];
		ip4_format(w->a, a);
		ip4_format(w->b, b);
		schema_link_id(id, w->a, w->b);
		if (w->cap)
			fmt_u64(w->cap, cp, sizeof(cp));
		for (int side = 0; side < 2; side++) {
			uint64_t by = side ? w->after : w->before, pk = side ? w->apk : w->bpk;
			fmt_u64(by, v[side * 4], sizeof(v[0]));
			fmt_u64(pk, v[side * 4 + 1], sizeof(v[0]));
			fmt_u64(cli_bps(c, by), v[side * 4 + 2], sizeof(v[0]));
			v[side * 4 + 3][0] = 0;
			if (w->cap)
				fmt_frac4((double)cli_bps(c, by) / (double)w->cap, v[side * 4 + 3], sizeof(v[0]));
		}
		change_cell(w, ch, sizeof(ch));
		table_row(&t, id, a, store_name(&c->st, w->a), b, store_name(&c->st, w->b), cp,
		          v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], ch, w->over ? "true" : "false");
	}
	table_csv(&t, stdout);
	csv_next_table(stdout);
	table_init(&t, 8);
	table_row(&t, "unreachable", "ingress", "ingress_name", "egress", "egress_name", "bytes",
	          "packets", "reason");
	for (int side = 0; side < 2; side++) {
		const struct routed *rt = side ? &r->ra : &r->rb;
		for (unsigned i = 0; i < rt->nun; i++) {
			const struct unreach *u = &rt->un[i];
			char x[16], y[16], by[32], pk[32];
			ip4_format(u->i, x);
			ip4_format(u->e, y);
			fmt_u64(u->bytes, by, sizeof(by));
			fmt_u64(u->packets, pk, sizeof(pk));
			table_row(&t, side ? "after" : "before", x, store_name(&c->st, u->i), y,
			          store_name(&c->st, u->e), by, pk, u->why);
		}
	}
	table_csv(&t, stdout);
}

static const struct cli_render whatif_render = { whatif_text, whatif_json, whatif_csv };

/* whatif: the topology, the changes resolved on it, the window, the
 * changed copy, then both routings. */
int cmd_whatif(struct cli *c, int argc, char **argv)
{
	static struct whatif_result r;
	struct net before, after;
	char err[256];
	struct lsdb *db2;

	(void)argv;
	if (argc != 0)
		die(2, "whatif: changes are options (--fail-link, --fail-router, --cost)");
	memset(&r, 0, sizeof(r));
	cli_open_net(c, &before);
	store_load_names(&c->st);
	resolve_changes(c, &before, &r);
	store_window(&c->st, c->o.window_ms, c->o.until_ms);
	cli_need_traffic(c);
	if ((db2 = scen_apply(before.db, before.time_ms, r.ch, r.nch, err, sizeof(err))) == NULL)
		die(2, "whatif: %s", err);
	if (net_open(&after, db2, before.time_ms) < 0)
		die(1, "out of memory");
	whatif_query(c, &before, &after, &r);
	cli_render(c, &whatif_render, &r);
	free(r.w);
	routed_free(&r.rb);
	routed_free(&r.ra);
	net_close(&after);
	net_close(&before);
	return 0;
}
