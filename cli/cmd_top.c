/*
 * anemone top links|pairs|talkers|prefixes: the busiest of the window by
 * bytes.  Links and pairs are the collector's per-link and per-pair
 * streams summed over the window; talkers and prefixes are each bucket's
 * top-N sets summed (a member outside a bucket's top N counts nothing
 * there).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum top_kind { TOP_LINKS, TOP_PAIRS, TOP_TALKERS, TOP_PREFIXES };

struct top_series_row {          /* links, pairs */
	struct id_sums x;
	uint64_t cap;                /* links: bits/s, 0 none configured */
};

struct top_member {              /* talkers, prefixes */
	char id[200];
	uint64_t bytes, packets;
};

struct top_result {
	enum top_kind kind;
	struct top_series_row *rows; /* links, pairs: n, busiest first */
	struct top_member *m;        /* talkers, prefixes: n, busiest first */
	unsigned n;
};

/* qsort: bytes down, then id. */
static int cmp_row(const void *x, const void *y)
{
	const struct top_series_row *p = x, *q = y;
	if (p->x.s.bytes != q->x.s.bytes)
		return p->x.s.bytes > q->x.s.bytes ? -1 : 1;
	return strcmp(p->x.id, q->x.id);
}

/* The links' or pairs' sums over the window, the busiest -n.  Cost: one
 * pipelined XRANGE per member of the set. */
static void top_series(struct cli *c, struct top_result *r)
{
	bool links = r->kind == TOP_LINKS;
	unsigned k;
	struct id_sums *s = cli_sums_by_id(c, links ? SCHEMA_LINK : SCHEMA_PAIR, &k);
	struct top_series_row *rows = calloc(k + 1, sizeof(*rows));

	if (rows == NULL)
		die(1, "out of memory");
	for (unsigned i = 0; i < k; i++)
		rows[i].x = s[i];
	free(s);
	qsort(rows, k, sizeof(*rows), cmp_row);
	if (k > c->o.n)
		k = c->o.n;
	for (unsigned i = 0; links && i < k; i++)
		rows[i].cap = store_capacity(&c->st, rows[i].x.a, rows[i].x.b);
	r->rows = rows;
	r->n = k;
}

/* qsort: by id, to add up a member's buckets. */
static int cmp_member_id(const void *x, const void *y)
{
	return strcmp(((const struct top_member *)x)->id, ((const struct top_member *)y)->id);
}

/* qsort: bytes down, then id. */
static int cmp_member(const void *x, const void *y)
{
	const struct top_member *p = x, *q = y;
	if (p->bytes != q->bytes)
		return p->bytes > q->bytes ? -1 : 1;
	return strcmp(p->id, q->id);
}

/* Each bucket's top set and its packets, members added up over the
 * buckets, the busiest -n.  Cost: two pipelined reads per bucket, a sort. */
static void top_sets(struct cli *c, struct top_result *r)
{
	enum schema_kind kind = r->kind == TOP_TALKERS ? SCHEMA_SRC : SCHEMA_DSTPFX;
	struct store *s = &c->st;
	struct sbuf k = SBUF_INIT;
	struct top_member *m = NULL;
	unsigned nm = 0, cap = 0, nb = 0;

	for (uint64_t t = s->from_ms; t < s->until_ms; t += s->width_ms, nb++) {
		sbuf_reset(&k);
		schema_top(&k, s->prefix, kind, s->res, t);
		store_append(s, "ZRANGE %s 0 -1 WITHSCORES", store_key(&k));
		sbuf_reset(&k);
		schema_toppkts(&k, s->prefix, kind, s->res, t);
		store_append(s, "HGETALL %s", store_key(&k));
	}
	sbuf_free(&k);
	for (unsigned i = 0; i < nb; i++) {
		redisReply *z = store_reply(s), *h = store_reply(s);
		for (size_t j = 0; j + 1 < z->elements; j += 2) {
			if (nm == cap) {
				cap = cap ? cap * 2 : 256;
				if ((m = realloc(m, cap * sizeof(*m))) == NULL)
					die(1, "out of memory");
			}
			snprintf(m[nm].id, sizeof(m[nm].id), "%s", z->element[j]->str);
			m[nm].bytes = strtoull(z->element[j + 1]->str, NULL, 10);
			m[nm].packets = 0;
			for (size_t q = 0; q + 1 < h->elements; q += 2)
				if (strcmp(h->element[q]->str, m[nm].id) == 0)
					m[nm].packets = strtoull(h->element[q + 1]->str, NULL, 10);
			nm++;
		}
		freeReplyObject(z);
		freeReplyObject(h);
	}
	if (nm) {
		unsigned k = 0;
		qsort(m, nm, sizeof(*m), cmp_member_id);
		for (unsigned i = 0; i < nm; i++) {
			if (k && strcmp(m[k - 1].id, m[i].id) == 0) {
				m[k - 1].bytes += m[i].bytes;
				m[k - 1].packets += m[i].packets;
			} else {
				m[k++] = m[i];
			}
		}
		nm = k;
		qsort(m, nm, sizeof(*m), cmp_member);
	}
	if (nm > c->o.n)
		nm = c->o.n;
	r->m = m;
	r->n = nm;
}

/* --- printing -------------------------------------------------------------- */

static const char *const kind_json[] = { "links", "pairs", "talkers", "prefixes" };
static const char *const titles[] = {
	"Top links", "Top router pairs (ingress -> egress)", "Top talkers (source hosts)",
	"Top destination prefixes",
};

/* {"window", KIND: [...]}: ids, routers with names, counts, bps (and
 * capacity, utilisation for links). */
static void top_json(const struct cli *c, const void *res_)
{
	const struct top_result *r = res_;
	bool links = r->kind == TOP_LINKS, series = r->kind <= TOP_PAIRS;
	struct sbuf b = SBUF_INIT;

	sbuf_printf(&b, "{");
	cli_json_window(c, &b);
	sbuf_printf(&b, ",\"%s\":[", kind_json[r->kind]);
	for (unsigned i = 0; i < r->n; i++) {
		if (series) {
			const struct top_series_row *w = &r->rows[i];
			sbuf_printf(&b, "%s{\"id\":", i ? "," : "");
			json_str(&b, w->x.id);
			sbuf_printf(&b, ",");
			cli_json_router(c, &b, links ? "a" : "ingress", w->x.a);
			sbuf_printf(&b, ",");
			cli_json_router(c, &b, links ? "b" : "egress", w->x.b);
			sbuf_printf(&b, ",\"bytes\":%llu,\"packets\":%llu,\"flows\":%llu,\"bps\":%llu",
			            (unsigned long long)w->x.s.bytes, (unsigned long long)w->x.s.packets,
			            (unsigned long long)w->x.s.flows, (unsigned long long)cli_bps(c, w->x.s.bytes));
			if (links && w->cap)
				sbuf_printf(&b, ",\"capacity_bps\":%llu,\"utilisation\":%.4f",
				            (unsigned long long)w->cap,
				            (double)cli_bps(c, w->x.s.bytes) / (double)w->cap);
			else if (links)
				sbuf_printf(&b, ",\"capacity_bps\":null,\"utilisation\":null");
			sbuf_printf(&b, "}");
		} else {
			const struct top_member *m = &r->m[i];
			sbuf_printf(&b, "%s{\"%s\":", i ? "," : "", r->kind == TOP_TALKERS ? "host" : "prefix");
			json_str(&b, m->id);
			sbuf_printf(&b, ",\"bytes\":%llu,\"packets\":%llu,\"bps\":%llu}",
			            (unsigned long long)m->bytes, (unsigned long long)m->packets,
			            (unsigned long long)cli_bps(c, m->bytes));
		}
	}
	sbuf_printf(&b, "]}");
	json_out(&b);
}

/* The window line, then the table: ranks, labels, human-readable counts. */
static void top_text(const struct cli *c, const void *res_)
{
	const struct top_result *r = res_;
	struct table t;
	char num[16], lb[300], by[32], pk[32], fl[32], rt[32], cp[32], ut[32];

	cli_print_window(c, titles[r->kind]);
	switch (r->kind) {
	case TOP_LINKS:
		table_init(&t, 8);
		table_row(&t, "#", "LINK", "BYTES", "PACKETS", "FLOWS", "RATE", "CAPACITY", "UTIL");
		break;
	case TOP_PAIRS:
		table_init(&t, 6);
		table_row(&t, "#", "PAIR", "BYTES", "PACKETS", "FLOWS", "RATE");
		break;
	default:
		table_init(&t, 5);
		table_row(&t, "#", r->kind == TOP_TALKERS ? "HOST" : "PREFIX", "BYTES", "PACKETS", "RATE");
	}
	for (unsigned i = 0; i < r->n; i++) {
		snprintf(num, sizeof(num), "%u", i + 1);
		if (r->kind <= TOP_PAIRS) {
			const struct top_series_row *w = &r->rows[i];
			cli_link_label(c, w->x.a, w->x.b, lb, sizeof(lb));
			fmt_bytes(w->x.s.bytes, by, sizeof(by));
			fmt_u64(w->x.s.packets, pk, sizeof(pk));
			fmt_u64(w->x.s.flows, fl, sizeof(fl));
			fmt_rate((double)w->x.s.bytes * 8 / cli_window_s(c), rt, sizeof(rt));
			if (w->cap)
				fmt_rate((double)w->cap, cp, sizeof(cp));
			else
				snprintf(cp, sizeof(cp), "-");
			fmt_util((double)cli_bps(c, w->x.s.bytes) / (double)(w->cap ? w->cap : 1), w->cap != 0,
			         ut, sizeof(ut));
			table_row(&t, num, lb, by, pk, fl, rt, cp, ut);
		} else {
			const struct top_member *m = &r->m[i];
			fmt_bytes(m->bytes, by, sizeof(by));
			fmt_u64(m->packets, pk, sizeof(pk));
			fmt_rate((double)m->bytes * 8 / cli_window_s(c), rt, sizeof(rt));
			table_row(&t, num, m->id, by, pk, rt);
		}
	}
	table_print(&t, stdout, "");
	if (r->kind > TOP_PAIRS)
		printf("(summed over each bucket's top N, as the collector's sketch estimates them)\n");
}

/* The JSON members as columns, rank first. */
static void top_csv(const struct cli *c, const void *res_)
{
	const struct top_result *r = res_;
	struct table t;
	char num[16], by[32], pk[32], fl[32], bps[32], cp[32], ut[32], a[16], b[16];
	const char *an, *bn;
	bool links = r->kind == TOP_LINKS;

	if (r->kind <= TOP_PAIRS) {
		table_init(&t, links ? 12 : 10);
		if (links)
			table_row(&t, "rank", "id", "a", "a_name", "b", "b_name", "bytes", "packets", "flows",
			          "bps", "capacity_bps", "utilisation");
		else
			table_row(&t, "rank", "id", "ingress", "ingress_name", "egress", "egress_name",
			          "bytes", "packets", "flows", "bps");
	} else {
		table_init(&t, 5);
		table_row(&t, "rank", r->kind == TOP_TALKERS ? "host" : "prefix", "bytes", "packets", "bps");
	}
	for (unsigned i = 0; i < r->n; i++) {
		snprintf(num, sizeof(num), "%u", i + 1);
		if (r->kind <= TOP_PAIRS) {
			const struct top_series_row *w = &r->rows[i];
			ip4_format(w->x.a, a);
			ip4_format(w->x.b, b);
			an = store_name(&c->st, w->x.a);
			bn = store_name(&c->st, w->x.b);
			fmt_u64(w->x.s.bytes, by, sizeof(by));
			fmt_u64(w->x.s.packets, pk, sizeof(pk));
			fmt_u64(w->x.s.flows, fl, sizeof(fl));
			fmt_u64(cli_bps(c, w->x.s.bytes), bps, sizeof(bps));
			cp[0] = ut[0] = 0;
			if (w->cap) {
				fmt_u64(w->cap, cp, sizeof(cp));
				fmt_frac4((double)cli_bps(c, w->x.s.bytes) / (double)w->cap, ut, sizeof(ut));
			}
			table_row(&t, num, w->x.id, a, an, b, bn, by, pk, fl, bps, cp, ut);
		} else {
			const struct top_member *m = &r->m[i];
			fmt_u64(m->bytes, by, sizeof(by));
			fmt_u64(m->packets, pk, sizeof(pk));
			fmt_u64(cli_bps(c, m->bytes), bps, sizeof(bps));
			table_row(&t, num, m->id, by, pk, bps);
		}
	}
	table_csv(&t, stdout);
}

static const struct cli_render top_render = { top_text, top_json, top_csv };

/* top KIND: the window (it must hold traffic), the query, the answer. */
int cmd_top(struct cli *c, int argc, char **argv)
{
	struct top_result r = { 0 };
	unsigned k;

	if (argc != 1)
		die(2, "top: one of links, pairs, talkers, prefixes");
	for (k = 0; k < 4; k++)
		if (strcmp(argv[0], kind_json[k]) == 0)
			break;
	if (k == 4)
		die(2, "top %s: one of links, pairs, talkers, prefixes", argv[0]);
	r.kind = (enum top_kind)k;
	store_window(&c->st, c->o.window_ms, c->o.until_ms);
	cli_need_traffic(c);
	if (r.kind <= TOP_PAIRS)
		top_series(c, &r);
	else
		top_sets(c, &r);
	cli_render(c, &top_render, &r);
	free(r.rows);
	free(r.m);
	return 0;
}
