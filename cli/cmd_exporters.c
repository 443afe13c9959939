/*
 * anemone exporters: every exporter the collector has heard -- records,
 * bytes and lost records in the window, loss, templates, records since the
 * counters began, when it was last heard -- and a status: ok, losing (more
 * than 0.1% of records lost in the window) or silent (nothing for 5
 * minutes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "daemon.h"

struct exporter_row {
	const char *id;              /* borrowed from the result's ids */
	struct sums w;               /* the window (flows: records) */
	double loss;                 /* lost / (received + lost) in the window */
	uint64_t rec, lost, last, tmpl;   /* the hash: since the counters began */
	bool has_t;                  /* templates known (IPFIX, v9) */
	const char *status;
};

struct exporters_result {
	char **ids;
	unsigned n;
	struct exporter_row *row;
};

/* Each exporter's window sums and hash, pipelined; now decides "silent".
 * Cost: two reads per exporter in one round trip. */
static void exporters_query(struct cli *c, struct exporters_result *r, uint64_t now)
{
	struct store *s = &c->st;
	struct sbuf k = SBUF_INIT;

	r->ids = store_members(s, SCHEMA_EXPORTER, &r->n);
	if (r->n == 0)
		die(1, "no exporter has sent anything to the collector writing under \"%s\"", s->prefix);
	if ((r->row = calloc(r->n, sizeof(*r->row))) == NULL)
		die(1, "out of memory");
	for (unsigned i = 0; i < r->n; i++) {
		store_sum_append(s, SCHEMA_EXPORTER, r->ids[i]);
		sbuf_reset(&k);
		schema_counters(&k, s->prefix, SCHEMA_EXPORTER, r->ids[i]);
		store_append(s, "HGETALL %s", store_key(&k));
	}
	sbuf_free(&k);
	for (unsigned i = 0; i < r->n; i++) {
		struct exporter_row *x = &r->row[i];
		redisReply *h;
		uint64_t gone;
		x->id = r->ids[i];
		x->w = store_sum_reply(s, NULL);
		h = store_reply(s);
		for (size_t k = 0; k + 1 < h->elements; k += 2) {
			const char *f = h->element[k]->str, *v = h->element[k + 1]->str;
			if (strcmp(f, "records") == 0)
				x->rec = strtoull(v, NULL, 10);
			else if (strcmp(f, "lost") == 0)
				x->lost = (uint64_t)strtoll(v, NULL, 10);
			else if (strcmp(f, "last_seen_ms") == 0)
				x->last = strtoull(v, NULL, 10);
			else if (strcmp(f, "templates") == 0)
				x->tmpl = strtoull(v, NULL, 10), x->has_t = true;
		}
		freeReplyObject(h);
		/* a late datagram can make a window's lost negative */
		gone = x->w.lost > 0 ? (uint64_t)x->w.lost : 0;
		x->loss = x->w.flows + gone ? (double)gone / (double)(x->w.flows + gone) : 0;
		x->status = x->last && now > x->last + 300000 ? "silent" : x->loss > 0.001 ? "losing" : "ok";
	}
}

/* {"window":..,"exporters":[..]}: window counters, totals, status. */
static void exporters_json(const struct cli *c, const void *res_)
{
	const struct exporters_result *r = res_;
	struct sbuf s = SBUF_INIT;

	sbuf_printf(&s, "{");
	cli_json_window(c, &s);
	sbuf_printf(&s, ",\"exporters\":[");
	for (unsigned i = 0; i < r->n; i++) {
		const struct exporter_row *x = &r->row[i];
		sbuf_printf(&s, "%s{\"exporter\":", i ? "," : "");
		json_str(&s, x->id);
		sbuf_printf(&s, ",\"window\":{\"records\":%llu,\"bytes\":%llu,\"packets\":%llu,\"lost\":%lld,"
		            "\"loss\":%.6f},\"records\":%llu,\"lost\":%llu,\"last_seen_ms\":%llu,\"templates\":",
		            (unsigned long long)x->w.flows, (unsigned long long)x->w.bytes,
		            (unsigned long long)x->w.packets, (long long)x->w.lost, x->loss,
		            (unsigned long long)x->rec, (unsigned long long)x->lost, (unsigned long long)x->last);
		if (x->has_t)
			sbuf_printf(&s, "%llu", (unsigned long long)x->tmpl);
		else
			sbuf_printf(&s, "null");
		sbuf_printf(&s, ",\"status\":\"%s\"}", x->status);
	}
	sbuf_printf(&s, "]}");
	json_out(&s);
}

/* The window line, one row per exporter, the legend. */
static void exporters_text(const struct cli *c, const void *res_)
{
	const struct exporters_result *r = res_;
	struct table t;

	cli_print_window(c, "Exporters");
	table_init(&t, 9);
	table_row(&t, "EXPORTER", "RECORDS", "BYTES", "LOST", "LOSS", "TEMPLATES", "TOTAL RECORDS",
	          "LAST SEEN", "STATUS");
	for (unsigned i = 0; i < r->n; i++) {
		const struct exporter_row *x = &r->row[i];
		char r1[32], by[32], lo[32], ls[32], tp[32], tr[32], seen[40];
		fmt_u64(x->w.flows, r1, sizeof(r1));
		fmt_bytes(x->w.bytes, by, sizeof(by));
		snprintf(lo, sizeof(lo), "%lld", (long long)x->w.lost);
		snprintf(ls, sizeof(ls), "%.2f%%", x->loss * 100);
		if (x->has_t)
			fmt_u64(x->tmpl, tp, sizeof(tp));
		else
			snprintf(tp, sizeof(tp), "-");
		fmt_u64(x->rec, tr, sizeof(tr));
		if (x->last)
			fmt_time(x->last, seen, sizeof(seen));
		else
			snprintf(seen, sizeof(seen), "-");
		table_row(&t, x->id, r1, by, lo, ls, tp, tr, seen, x->status);
	}
	table_print(&t, stdout, "");
	printf("(RECORDS, BYTES, LOST, LOSS: in the window; TOTAL RECORDS: since the counters began;\n"
	       " silent: nothing for 5 minutes; losing: more than 0.1%% of records lost)\n");
}

/* The JSON's members as columns (window_* for the window's). */
static void exporters_csv(const struct cli *c, const void *res_)
{
	const struct exporters_result *r = res_;
	struct table t;

	(void)c;
	table_init(&t, 12);
	table_row(&t, "exporter", "window_records", "window_bytes", "window_packets", "window_lost",
	          "window_loss", "records", "lost", "last_seen_ms", "last_seen", "templates", "status");
	for (unsigned i = 0; i < r->n; i++) {
		const struct exporter_row *x = &r->row[i];
		char v[10][40];
		fmt_u64(x->w.flows, v[0], sizeof(v[0]));
		fmt_u64(x->w.bytes, v[1], sizeof(v[1]));
		fmt_u64(x->w.packets, v[2], sizeof(v[2]));
		snprintf(v[3], sizeof(v[3]), "%lld", (long long)x->w.lost);
		snprintf(v[4], sizeof(v[4]), "%.6f", x->loss);
		fmt_u64(x->rec, v[5], sizeof(v[5]));
		fmt_u64(x->lost, v[6], sizeof(v[6]));
		fmt_u64(x->last, v[7], sizeof(v[7]));
		v[8][0] = v[9][0] = 0;
		if (x->last)
			fmt_time_iso(x->last, v[8], sizeof(v[8]));
		if (x->has_t)
			fmt_u64(x->tmpl, v[9], sizeof(v[9]));
		table_row(&t, x->id, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], x->status);
	}
	table_csv(&t, stdout);
}

static const struct cli_render exporters_render = { exporters_text, exporters_json, exporters_csv };

/* exporters: read, print.  Cost: one round trip of two reads per exporter. */
int cmd_exporters(struct cli *c, int argc, char **argv)
{
	struct exporters_result r = { 0 };

	(void)argv;
	if (argc != 0)
		die(2, "exporters: no arguments");
	store_window(&c->st, c->o.window_ms, c->o.until_ms);
	exporters_query(c, &r, wall_ms());
	cli_render(c, &exporters_render, &r);
	free(r.row);
	store_free_list(r.ids, r.n);
	return 0;
}
