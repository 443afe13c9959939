/*
 * anemone check: every directed link's load in the window as placed (the
 * counted traffic routed on OSPF, link:A-B) beside the load measured on it
 * (transit records entering by it, measured:A-B), and the links where the
 * two differ by more than the threshold (--threshold PCT of the larger;
 * default CHECK_DEFAULT_PCT): where OSPF routing is not what carries the
 * traffic (a static or policy route, a failed placement), or where an
 * exporter loses records.  A link no exporter measures (no measured series)
 * is listed as not measured and is not compared.  Exit status 1 when a
 * link differs, 0 when none does: a check a monitoring system can run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define CHECK_DEFAULT_PCT 5.0

enum check_status { CS_OK, CS_DIFFERS, CS_UNMEASURED };
static const char *const status_name[] = { "ok", "differs", "not measured" };

struct check_row {
	char id[40];
	uint32_t a, b;
	struct sums placed, measured;
	double diff;                 /* |placed - measured| / max, bytes */
	enum check_status status;
};

struct check_result {
	struct check_row *row;
	unsigned n, ndiffer, nmeasured;
	double threshold;            /* a fraction */
};

/* Find or add the row of link id (a, b).  Cost: linear in the rows. */
static struct check_row *row_of(struct check_result *r, const struct id_sums *s)
{
	for (unsigned i = 0; i < r->n; i++)
		if (strcmp(r->row[i].id, s->id) == 0)
			return &r->row[i];
	memset(&r->row[r->n], 0, sizeof(r->row[r->n]));
	snprintf(r->row[r->n].id, sizeof(r->row[r->n].id), "%s", s->id);
	r->row[r->n].a = s->a;
	r->row[r->n].b = s->b;
	return &r->row[r->n++];
}

static int cmp_row(const void *x, const void *y)
{
	const struct check_row *p = x, *q = y;
	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	return p->b < q->b ? -1 : p->b > q->b;
}

/* Placed and measured sums of every link with either in the window, and
 * whether each link is measured at all.  Cost: one pipelined read per link
 * of each index, one set look-up per link placed but not measured in the
 * window. */
static void check_query(struct cli *c, struct check_result *r)
{
	unsigned np, nm;
	struct id_sums *p = cli_sums_by_id(c, SCHEMA_LINK, &np);
	struct id_sums *m = cli_sums_by_id(c, SCHEMA_MEASURED, &nm);

	if ((r->row = calloc(np + nm + 1, sizeof(*r->row))) == NULL)
		die(1, "out of memory");
	for (unsigned i = 0; i < np; i++)
		row_of(r, &p[i])->placed = p[i].s;
	for (unsigned i = 0; i < nm; i++)
		row_of(r, &m[i])->measured = m[i].s;
	qsort(r->row, r->n, sizeof(*r->row), cmp_row);
	for (unsigned i = 0; i < r->n; i++) {
		struct check_row *w = &r->row[i];
		uint64_t hi = w->placed.bytes > w->measured.bytes ? w->placed.bytes : w->measured.bytes;
		uint64_t d = w->placed.bytes > w->measured.bytes ? w->placed.bytes - w->measured.bytes :
		             w->measured.bytes - w->placed.bytes;
		if (w->measured.bytes == 0 && w->measured.packets == 0 &&
		    !store_is_member(&c->st, SCHEMA_MEASURED, w->id)) {
			w->status = CS_UNMEASURED;
			continue;
		}
		r->nmeasured++;
		w->diff = hi ? (double)d / (double)hi : 0;
		w->status = w->diff > r->threshold ? CS_DIFFERS : CS_OK;
		r->ndiffer += w->status == CS_DIFFERS;
	}
	free(p);
	free(m);
}

/* --- printing -------------------------------------------------------------- */

static void sums_json(struct sbuf *s, const char *key, const struct sums *x)
{
	sbuf_printf(s, ",\"%s\":{\"bytes\":%llu,\"packets\":%llu,\"flows\":%llu}", key,
	            (unsigned long long)x->bytes, (unsigned long long)x->packets,
	            (unsigned long long)x->flows);
}

/* {"window","threshold","links":[{id,a,b,placed,measured|null,difference,
 * status}],"differ":[ids]} */
static void check_json(const struct cli *c, const void *res_)
{
	const struct check_result *r = res_;
	struct sbuf s = SBUF_INIT;
	bool first = true;

	sbuf_printf(&s, "{");
	cli_json_window(c, &s);
	sbuf_printf(&s, ",\"threshold\":%.4f,\"links\":[", r->threshold);
	for (unsigned i = 0; i < r->n; i++) {
		const struct check_row *w = &r->row[i];
		sbuf_printf(&s, "%s{\"id\":\"%s\",", i ? "," : "", w->id);
		cli_json_router(c, &s, "a", w->a);
		sbuf_printf(&s, ",");
		cli_json_router(c, &s, "b", w->b);
		sums_json(&s, "placed", &w->placed);
		if (w->status == CS_UNMEASURED) {
			sbuf_printf(&s, ",\"measured\":null,\"difference\":null");
		} else {
			sums_json(&s, "measured", &w->measured);
			sbuf_printf(&s, ",\"difference\":%.6f", w->diff);
		}
		sbuf_printf(&s, ",\"status\":\"%s\"}", status_name[w->status]);
	}
	sbuf_printf(&s, "],\"differ\":[");
	for (unsigned i = 0; i < r->n; i++)
		if (r->row[i].status == CS_DIFFERS) {
			sbuf_printf(&s, "%s\"%s\"", first ? "" : ",", r->row[i].id);
			first = false;
		}
	sbuf_printf(&s, "]}");
	json_out(&s);
}

static void check_text(const struct cli *c, const void *res_)
{
	const struct check_result *r = res_;
	char lb[300], pb[32], mb[32], df[32];
	struct table t;

	cli_print_window(c, "Placed and measured load");
	table_init(&t, 5);
	table_row(&t, "LINK", "PLACED", "MEASURED", "DIFFERENCE", "STATUS");
	for (unsigned i = 0; i < r->n; i++) {
		const struct check_row *w = &r->row[i];
		cli_link_label(c, w->a, w->b, lb, sizeof(lb));
		fmt_bytes(w->placed.bytes, pb, sizeof(pb));
		if (w->status == CS_UNMEASURED) {
			snprintf(mb, sizeof(mb), "-");
			snprintf(df, sizeof(df), "-");
		} else {
			fmt_bytes(w->measured.bytes, mb, sizeof(mb));
			snprintf(df, sizeof(df), "%.1f%%", w->diff * 100);
		}
		table_row(&t, lb, pb, mb, df, status_name[w->status]);
	}
	table_print(&t, stdout, "");
	printf("(PLACED: the counted traffic routed on OSPF; MEASURED: transit records entering by\n"
	       " the link; DIFFERENCE: of the larger, in bytes; differs: more than %.1f%%)\n",
	       r->threshold * 100);
	if (r->nmeasured == 0)
		printf("No link is measured: no exporter names an interface facing another router "
		       "(role = \"core\").\n");
	else if (r->ndiffer == 0)
		printf("%u measured link%s, all as placed.\n", r->nmeasured, r->nmeasured == 1 ? "" : "s");
	else
		printf("%u of %u measured links differ from their placed load.\n", r->ndiffer,
		       r->nmeasured);
}

static void check_csv(const struct cli *c, const void *res_)
{
	const struct check_result *r = res_;
	struct table t;

	(void)c;
	table_init(&t, 11);
	table_row(&t, "link", "a", "b", "placed_bytes", "placed_packets", "placed_flows",
	          "measured_bytes", "measured_packets", "measured_flows", "difference", "status");
	for (unsigned i = 0; i < r->n; i++) {
		const struct check_row *w = &r->row[i];
		char a[16], b[16], v[7][32];
		ip4_format(w->a, a);
		ip4_format(w->b, b);
		fmt_u64(w->placed.bytes, v[0], sizeof(v[0]));
		fmt_u64(w->placed.packets, v[1], sizeof(v[1]));
		fmt_u64(w->placed.flows, v[2], sizeof(v[2]));
		v[3][0] = v[4][0] = v[5][0] = v[6][0] = 0;
		if (w->status != CS_UNMEASURED) {
			fmt_u64(w->measured.bytes, v[3], sizeof(v[3]));
			fmt_u64(w->measured.packets, v[4], sizeof(v[4]));
			fmt_u64(w->measured.flows, v[5], sizeof(v[5]));
			snprintf(v[6], sizeof(v[6]), "%.6f", w->diff);
		}
		table_row(&t, w->id, a, b, v[0], v[1], v[2], v[3], v[4], v[5], v[6],
		          status_name[w->status]);
	}
	table_csv(&t, stdout);
}

static const struct cli_render check_render = { check_text, check_json, check_csv };

/* check: read, compare, print; 1 when a link differs. */
int cmd_check(struct cli *c, int argc, char **argv)
{
	struct check_result r = { 0 };

	(void)argv;
	if (argc != 0)
		die(2, "check: no arguments (--threshold PCT: the difference allowed)");
	r.threshold = c->o.threshold_set ? c->o.threshold : CHECK_DEFAULT_PCT / 100.0;
	store_window(&c->st, c->o.window_ms, c->o.until_ms);
	cli_need_traffic(c);
	check_query(c, &r);
	cli_render(c, &check_render, &r);
	free(r.row);
	return r.ndiffer > 0 ? 1 : 0;
}
