/*
 * anemone exporters: every exporter the collector has heard -- records,
 * bytes and lost records in the window, loss, templates, records since the
 * counters began, when it was last heard -- and a status: ok, losing (more
 * than 0.1% of records lost in the window) or silent (nothing for 5
 * minutes).  With --interfaces: the collector's observation points (where
 * each exporter's records are taken to be seen, and where that comes from)
 * and its probe groups.
 */
#include <jansson.h>
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

/* --- exporters --interfaces ---------------------------------------------- */

/* The collector's observation-points document (redis/SCHEMA.md): each
 * point a row of strings ("*" for an entry matching any domain or
 * interface, "-" for no neighbour or network), the probe groups. */
struct points_result {
	json_t *doc;
	const char *(*row)[8];       /* exporter domain interface router role
	                                neighbour network source */
	char (*num)[2][16];
	size_t n;
};

static const char *jstr(json_t *o, const char *k, const char *none)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : none;
}

static void points_query(struct cli *c, struct points_result *r)
{
	struct sbuf k = SBUF_INIT;
	redisReply *rep;
	json_error_t e;
	json_t *pts;

	e.text[0] = 0;
	schema_key(&k, c->st.prefix, SCHEMA_OBSERVATION_POINTS);
	rep = store_cmd(&c->st, "GET %s", store_key(&k));
	if (rep->type != REDIS_REPLY_STRING)     /* a collector with none writes none */
		r->doc = json_pack("{s:[],s:[]}", "points", "probe_groups");
	else
		r->doc = json_loadb(rep->str, rep->len, JSON_REJECT_DUPLICATES, &e);
	freeReplyObject(rep);
	if (r->doc == NULL || !json_is_array(pts = json_object_get(r->doc, "points")) ||
	    !json_is_array(json_object_get(r->doc, "probe_groups")))
		die(1, "%s: not an observation-points document%s%s", store_key(&k),
		    r->doc ? "" : ": ", r->doc ? "" : e.text);
	sbuf_free(&k);
	r->n = json_array_size(pts);
	r->row = calloc(r->n + 1, sizeof(*r->row));
	r->num = calloc(r->n + 1, sizeof(*r->num));
	if (r->row == NULL || r->num == NULL)
		die(1, "out of memory");
	for (size_t i = 0; i < r->n; i++) {
		json_t *p = json_array_get(pts, i);
		const char *keys[2] = { "domain", "interface" };
		for (int j = 0; j < 2; j++) {
			json_t *v = json_object_get(p, keys[j]);
			if (json_is_integer(v))
				snprintf(r->num[i][j], sizeof(r->num[i][j]), "%lld",
				         (long long)json_integer_value(v));
			else
				snprintf(r->num[i][j], sizeof(r->num[i][j]), "*");
		}
		r->row[i][0] = jstr(p, "exporter", "?");
		r->row[i][1] = r->num[i][0];
		r->row[i][2] = r->num[i][1];
		r->row[i][3] = jstr(p, "router", "?");
		r->row[i][4] = jstr(p, "role", "?");
		r->row[i][5] = jstr(p, "neighbour", "-");
		r->row[i][6] = jstr(p, "network", "-");
		r->row[i][7] = jstr(p, "source", "?");
	}
}

static void points_json(const struct cli *c, const void *res_)
{
	const struct points_result *r = res_;
	char *s = json_dumps(r->doc, JSON_COMPACT);

	(void)c;
	if (s == NULL)
		die(1, "out of memory");
	printf("%s\n", s);
	free(s);
}

static void points_text(const struct cli *c, const void *res_)
{
	const struct points_result *r = res_;
	json_t *groups = json_object_get(r->doc, "probe_groups");
	struct table t;

	printf("Observation points (where each exporter's records are taken to be seen):\n");
	table_init(&t, 8);
	table_row(&t, "EXPORTER", "DOMAIN", "INTERFACE", "ROUTER", "ROLE", "NEIGHBOUR", "LAN",
	          "SOURCE");
	for (size_t i = 0; i < r->n; i++)
		table_row(&t, r->row[i][0], r->row[i][1], r->row[i][2], r->row[i][3], r->row[i][4],
		          r->row[i][5], r->row[i][6], r->row[i][7]);
	table_print(&t, stdout, "  ");
	if (r->n == 0)
		printf("  (none: every exporter's records are counted, placed from the router with its\n"
		       "  address, else from their source; or no collector writes under \"%s\")\n",
		       c->st.prefix);
	for (size_t g = 0; g < json_array_size(groups); g++) {
		json_t *x = json_array_get(groups, g), *xs = json_object_get(x, "exporters");
		printf("%sProbe group %s (one member counted, the next after %lld s of silence):",
		       g ? "" : "\n", jstr(x, "name", "?"),
		       (long long)(json_integer_value(json_object_get(x, "silent_ms")) / 1000));
		for (size_t k = 0; k < json_array_size(xs); k++)
			printf(" %s", json_is_string(json_array_get(xs, k)) ?
			       json_string_value(json_array_get(xs, k)) : "?");
		printf("\n");
	}
}

static void points_csv(const struct cli *c, const void *res_)
{
	const struct points_result *r = res_;
	struct table t;

	(void)c;
	table_init(&t, 8);
	table_row(&t, "exporter", "domain", "interface", "router", "role", "neighbour", "network",
	          "source");
	for (size_t i = 0; i < r->n; i++)
		table_row(&t, r->row[i][0], strcmp(r->row[i][1], "*") ? r->row[i][1] : "",
		          strcmp(r->row[i][2], "*") ? r->row[i][2] : "", r->row[i][3], r->row[i][4],
		          strcmp(r->row[i][5], "-") ? r->row[i][5] : "",
		          strcmp(r->row[i][6], "-") ? r->row[i][6] : "", r->row[i][7]);
	table_csv(&t, stdout);
}

static const struct cli_render points_render = { points_text, points_json, points_csv };

/* exporters: read, print.  Cost: one round trip of two reads per exporter. */
int cmd_exporters(struct cli *c, int argc, char **argv)
{
	struct exporters_result r = { 0 };

	(void)argv;
	if (argc != 0)
		die(2, "exporters: no arguments (--interfaces: the observation points)");
	if (c->o.interfaces) {
		struct points_result p = { 0 };
		points_query(c, &p);
		cli_render(c, &points_render, &p);
		free(p.row);
		free(p.num);
		json_decref(p.doc);
		return 0;
	}
	store_window(&c->st, c->o.window_ms, c->o.until_ms);
	exporters_query(c, &r, wall_ms());
	cli_render(c, &exporters_render, &r);
	free(r.row);
	store_free_list(r.ids, r.n);
	return 0;
}
