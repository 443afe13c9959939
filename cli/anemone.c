/*
 * anemone: answers from what anemone-collector and anemone-ospfmon keep in
 * Redis -- the busiest links, router pairs, hosts and prefixes of a time
 * window, one link's load and who causes it, the path between two
 * addresses, what the window's traffic would do if links or routers failed
 * or costs changed, a picture of the topology, topology events, exporter
 * health.  Text tables, or JSON with --json.  See anemone(1).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf.h"
#include "daemon.h"
#include "rconn.h"
#include "routing.h"
#include "sbuf.h"
#include "scenario.h"
#include "store.h"

#define MAX_CHANGES 64

struct opts {
	uint64_t window_ms, until_ms;
	bool json;
	unsigned n;
	double threshold;            /* utilisation, 0..1+ */
	const char *svg, *png, *dot;
	struct scen_change ch[MAX_CHANGES];
	const char *ch_text[MAX_CHANGES];
	unsigned nch;
	/* changes as given, resolved once names are loaded */
	const char *fail_link[MAX_CHANGES], *fail_router[MAX_CHANGES], *cost[MAX_CHANGES];
	unsigned nfail_link, nfail_router, ncost;
	int order[3 * MAX_CHANGES];  /* 0 link, 1 router, 2 cost: in command-line order */
	unsigned norder;
};

static struct store S;
static struct opts O;

/* --- output helpers -------------------------------------------------------- */

/* A text table: rows of cells, printed with columns aligned (numbers to the
 * right: a cell starting with a digit, or '-', is a number unless it is
 * the first column). */
#define TMAXC 12
struct table {
	char **cell;
	unsigned ncols, nrows, cap;
};

static void t_row(struct table *t, ...)
{
	va_list ap;
	const char *c;

	if (t->nrows == t->cap) {
		unsigned nc = t->cap ? t->cap * 2 : 32;
		char **x = realloc(t->cell, (size_t)nc * TMAXC * sizeof(*x));
		if (x == NULL)
			die(1, "out of memory");
		t->cell = x;
		t->cap = nc;
	}
	va_start(ap, t);
	for (unsigned i = 0; i < TMAXC; i++) {
		c = i < t->ncols ? va_arg(ap, const char *) : NULL;
		t->cell[t->nrows * TMAXC + i] = c ? strdup(c) : NULL;
	}
	va_end(ap);
	t->nrows++;
}

static int numeric(const char *s)
{
	const char *p = s + (*s == '-' || *s == '+');

	if (strcmp(s, "-") == 0)
		return 1;
	if (*p < '0' || *p > '9' || strchr(s, ':') || strchr(s, '/') != strrchr(s, '/'))
		return 0;
	return strchr(s, '.') == strrchr(s, '.');      /* not an address */
}

static void t_print(struct table *t, const char *indent)
{
	size_t w[TMAXC] = { 0 };

	for (unsigned r = 0; r < t->nrows; r++)
		for (unsigned i = 0; i < t->ncols; i++) {
			const char *c = t->cell[r * TMAXC + i];
			if (c && strlen(c) > w[i])
				w[i] = strlen(c);
		}
	for (unsigned r = 0; r < t->nrows; r++) {
		struct sbuf line = SBUF_INIT;
		size_t n;
		sbuf_printf(&line, "%s", indent);
		for (unsigned i = 0; i < t->ncols; i++) {
			const char *c = t->cell[r * TMAXC + i];
			if (c == NULL)
				c = "";
			if (i && r && numeric(c))
				sbuf_printf(&line, "%s%*s", i ? "  " : "", (int)w[i], c);
			else
				sbuf_printf(&line, "%s%-*s", i ? "  " : "", (int)w[i], c);
		}
		n = line.len;
		while (n > 0 && line.p[n - 1] == ' ')
			n--;
		printf("%.*s\n", (int)n, sbuf_str(&line));
		sbuf_free(&line);
	}
	for (unsigned r = 0; r < t->nrows; r++)
		for (unsigned i = 0; i < TMAXC; i++)
			free(t->cell[r * TMAXC + i]);
	free(t->cell);
	memset(t, 0, sizeof(*t));
}

static void json_str(struct sbuf *b, const char *s)
{
	sbuf_put(b, "\"", 1);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			sbuf_printf(b, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			sbuf_printf(b, "\\u%04x", *s);
		else
			sbuf_put(b, s, 1);
	}
	sbuf_put(b, "\"", 1);
}

/* "id":"a.b.c.d","name":"..."|null under the given member names */
static void json_router(struct sbuf *b, const char *key, uint32_t id)
{
	const char *n = store_name(&S, id);

	sbuf_printf(b, "\"%s\":", key);
	sbuf_ipq(b, id);
	sbuf_printf(b, ",\"%s_name\":", key);
	if (n)
		json_str(b, n);
	else
		sbuf_printf(b, "null");
}

static void json_window(struct sbuf *b)
{
	char f[40], u[40];

	fmt_time(S.from_ms, f, sizeof(f));
	fmt_time(S.until_ms, u, sizeof(u));
	sbuf_printf(b, "\"window\":{\"from_ms\":%llu,\"until_ms\":%llu,\"from\":\"%s\",\"until\":\"%s\","
	            "\"seconds\":%llu,\"resolution\":\"%s\"}",
	            (unsigned long long)S.from_ms, (unsigned long long)S.until_ms, f, u,
	            (unsigned long long)((S.until_ms - S.from_ms) / 1000), S.res);
}

static void json_out(struct sbuf *b)
{
	if (!sbuf_ok(b))
		die(1, "out of memory");
	fputs(sbuf_str(b), stdout);
	putchar('\n');
	sbuf_free(b);
}

static void print_window(const char *what)
{
	char f[40], u[40];

	fmt_time(S.from_ms, f, sizeof(f));
	fmt_time(S.until_ms, u, sizeof(u));
	printf("%s, %s to %s (%llu s, %s buckets)\n", what, f, u,
	       (unsigned long long)((S.until_ms - S.from_ms) / 1000), S.res);
}

static double window_s(void)
{
	return (double)(S.until_ms - S.from_ms) / 1000.0;
}

/* bits/s over the window, as an integer */
static uint64_t bps_of(uint64_t bytes)
{
	uint64_t ms = S.until_ms - S.from_ms;
	return ms ? (uint64_t)((double)bytes * 8000.0 / (double)ms + 0.5) : 0;
}

static void cell_bytes(uint64_t v, char *buf, size_t len) { fmt_bytes(v, buf, len); }
static void cell_u64(uint64_t v, char *buf, size_t len) { snprintf(buf, len, "%llu", (unsigned long long)v); }
static void cell_rate(uint64_t bytes, char *buf, size_t len) { fmt_rate((double)bytes * 8 / window_s(), buf, len); }
static void cell_util(double u, bool known, char *buf, size_t len)
{
	if (known)
		snprintf(buf, len, "%.1f%%", u * 100);
	else
		snprintf(buf, len, "-");
}

static void json_util(struct sbuf *b, uint64_t bytes, uint64_t cap)
{
	if (cap)
		sbuf_printf(b, ",\"capacity_bps\":%llu,\"utilisation\":%.4f", (unsigned long long)cap,
		            (double)bps_of(bytes) / (double)cap);
	else
		sbuf_printf(b, ",\"capacity_bps\":null,\"utilisation\":null");
}

static void label(uint32_t id, char *buf, size_t len) { store_label(&S, id, buf, len); }

static void link_label(uint32_t a, uint32_t b, char *buf, size_t len)
{
	char x[128], y[128];

	label(a, x, sizeof(x));
	label(b, y, sizeof(y));
	snprintf(buf, len, "%s -> %s", x, y);
}

/* The window must hold traffic. */
static void need_traffic(void)
{
	unsigned n;
	char f[40], u[40], w[40];

	store_sum(&S, SCHEMA_TOTAL, NULL, &n);
	if (n)
		return;
	fmt_time(S.from_ms, f, sizeof(f));
	fmt_time(S.until_ms, u, sizeof(u));
	fmt_time(S.newest_ms, w, sizeof(w));
	die(1, "no traffic in the window %s to %s (the newest %s bucket ends %s)", f, u, S.res, w);
}

/* --- the traffic matrix of the window --------------------------------------- */

static struct pair_load *matrix(unsigned *np)
{
	unsigned n, k = 0;
	char **ids = store_members(&S, SCHEMA_PAIR, &n);
	struct pair_load *p = calloc(n + 1, sizeof(*p));

	if (p == NULL)
		die(1, "out of memory");
	for (unsigned i = 0; i < n; i++)
		store_sum_append(&S, SCHEMA_PAIR, ids[i]);
	for (unsigned i = 0; i < n; i++) {
		struct sums t = store_sum_reply(&S, NULL);
		if (parse_link_id(ids[i], &p[k].i, &p[k].e) < 0 || (t.bytes == 0 && t.packets == 0))
			continue;
		p[k].bytes = t.bytes;
		p[k].packets = t.packets;
		p[k].flows = t.flows;
		k++;
	}
	store_free_list(ids, n);
	*np = k;
	return p;
}

static void open_net(struct net *n)
{
	uint64_t t, v;
	struct lsdb *db = store_lsdb(&S, &t, &v);

	if (net_open(n, db, t) < 0)
		die(1, "out of memory");
}

/* --- top ------------------------------------------------------------------- */

struct row {
	char id[300];
	uint32_t a, b;
	struct sums s;
};

static int cmp_row(const void *x, const void *y)
{
	const struct row *p = x, *q = y;
	if (p->s.bytes != q->s.bytes)
		return p->s.bytes > q->s.bytes ? -1 : 1;
	return strcmp(p->id, q->id);
}

static void top_series(const char *kind)   /* links, pairs */
{
	unsigned n, k = 0;
	bool links = strcmp(kind, "links") == 0;
	enum schema_kind sk = links ? SCHEMA_LINK : SCHEMA_PAIR;
	char **ids = store_members(&S, sk, &n);
	struct row *rows = calloc(n + 1, sizeof(*rows));

	if (rows == NULL)
		die(1, "out of memory");
	for (unsigned i = 0; i < n; i++)
		store_sum_append(&S, sk, ids[i]);
	for (unsigned i = 0; i < n; i++) {
		struct sums t = store_sum_reply(&S, NULL);
		if (t.bytes == 0 && t.packets == 0)
			continue;
		if (parse_link_id(ids[i], &rows[k].a, &rows[k].b) < 0)
			continue;
		snprintf(rows[k].id, sizeof(rows[k].id), "%s", ids[i]);
		rows[k].s = t;
		k++;
	}
	store_free_list(ids, n);
	qsort(rows, k, sizeof(*rows), cmp_row);
	if (k > O.n)
		k = O.n;
	if (O.json) {
		struct sbuf b = SBUF_INIT;
		sbuf_printf(&b, "{");
		json_window(&b);
		sbuf_printf(&b, ",\"%s\":[", kind);
		for (unsigned i = 0; i < k; i++) {
			sbuf_printf(&b, "%s{\"id\":", i ? "," : "");
			json_str(&b, rows[i].id);
			sbuf_printf(&b, ",");
			json_router(&b, links ? "a" : "ingress", rows[i].a);
			sbuf_printf(&b, ",");
			json_router(&b, links ? "b" : "egress", rows[i].b);
			sbuf_printf(&b, ",\"bytes\":%llu,\"packets\":%llu,\"flows\":%llu,\"bps\":%llu",
			            (unsigned long long)rows[i].s.bytes, (unsigned long long)rows[i].s.packets,
			            (unsigned long long)rows[i].s.flows, (unsigned long long)bps_of(rows[i].s.bytes));
			if (links)
				json_util(&b, rows[i].s.bytes, store_capacity(&S, rows[i].a, rows[i].b));
			sbuf_printf(&b, "}");
		}
		sbuf_printf(&b, "]}");
		json_out(&b);
	} else {
		struct table t = { NULL, links ? 8u : 6u, 0, 0 };
		print_window(links ? "Top links" : "Top router pairs (ingress -> egress)");
		if (links)
			t_row(&t, "#", "LINK", "BYTES", "PACKETS", "FLOWS", "RATE", "CAPACITY", "UTIL");
		else
			t_row(&t, "#", "PAIR", "BYTES", "PACKETS", "FLOWS", "RATE");
		for (unsigned i = 0; i < k; i++) {
			char num[16], lb[300], by[32], pk[32], fl[32], rt[32], cp[32], ut[32];
			uint64_t cap = links ? store_capacity(&S, rows[i].a, rows[i].b) : 0;
			snprintf(num, sizeof(num), "%u", i + 1);
			link_label(rows[i].a, rows[i].b, lb, sizeof(lb));
			cell_bytes(rows[i].s.bytes, by, sizeof(by));
			cell_u64(rows[i].s.packets, pk, sizeof(pk));
			cell_u64(rows[i].s.flows, fl, sizeof(fl));
			cell_rate(rows[i].s.bytes, rt, sizeof(rt));
			if (cap)
				fmt_rate((double)cap, cp, sizeof(cp));
			else
				snprintf(cp, sizeof(cp), "-");
			cell_util((double)bps_of(rows[i].s.bytes) / (double)(cap ? cap : 1), cap != 0, ut, sizeof(ut));
			t_row(&t, num, lb, by, pk, fl, rt, cp, ut);
		}
		t_print(&t, "");
	}
	free(rows);
}

struct member {
	char id[200];
	uint64_t bytes, packets;
};

static int cmp_member_id(const void *x, const void *y)
{
	return strcmp(((const struct member *)x)->id, ((const struct member *)y)->id);
}

static int cmp_member(const void *x, const void *y)
{
	const struct member *p = x, *q = y;
	if (p->bytes != q->bytes)
		return p->bytes > q->bytes ? -1 : 1;
	return strcmp(p->id, q->id);
}

static void top_sets(const char *kind)   /* src, dstpfx */
{
	struct member *m = NULL;
	unsigned nm = 0, cap = 0, nb = 0;
	bool src = strcmp(kind, "src") == 0;

	for (uint64_t t = S.from_ms; t < S.until_ms; t += S.width_ms, nb++) {
		store_append(&S, "ZRANGE %stop:%s:%s:%llu 0 -1 WITHSCORES", S.prefix, kind, S.res,
		             (unsigned long long)t);
		store_append(&S, "HGETALL %stoppkts:%s:%s:%llu", S.prefix, kind, S.res, (unsigned long long)t);
	}
	for (unsigned i = 0; i < nb; i++) {
		redisReply *z = store_reply(&S), *h = store_reply(&S);
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
	/* add up each member over the buckets */
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
	if (nm > O.n)
		nm = O.n;
	if (O.json) {
		struct sbuf b = SBUF_INIT;
		sbuf_printf(&b, "{");
		json_window(&b);
		sbuf_printf(&b, ",\"%s\":[", src ? "talkers" : "prefixes");
		for (unsigned i = 0; i < nm; i++) {
			sbuf_printf(&b, "%s{\"%s\":", i ? "," : "", src ? "host" : "prefix");
			json_str(&b, m[i].id);
			sbuf_printf(&b, ",\"bytes\":%llu,\"packets\":%llu,\"bps\":%llu}",
			            (unsigned long long)m[i].bytes, (unsigned long long)m[i].packets,
			            (unsigned long long)bps_of(m[i].bytes));
		}
		sbuf_printf(&b, "]}");
		json_out(&b);
	} else {
		struct table t = { NULL, 5, 0, 0 };
		print_window(src ? "Top talkers (source hosts)" : "Top destination prefixes");
		t_row(&t, "#", src ? "HOST" : "PREFIX", "BYTES", "PACKETS", "RATE");
		for (unsigned i = 0; i < nm; i++) {
			char num[16], by[32], pk[32], rt[32];
			snprintf(num, sizeof(num), "%u", i + 1);
			cell_bytes(m[i].bytes, by, sizeof(by));
			cell_u64(m[i].packets, pk, sizeof(pk));
			cell_rate(m[i].bytes, rt, sizeof(rt));
			t_row(&t, num, m[i].id, by, pk, rt);
		}
		t_print(&t, "");
		printf("(summed over each bucket's top N, as the collector's sketch estimates them)\n");
	}
	free(m);
}

static int cmd_top(int argc, char **argv)
{
	if (argc != 1)
		die(2, "top: one of links, pairs, talkers, prefixes");
	store_window(&S, O.window_ms, O.until_ms);
	need_traffic();
	if (strcmp(argv[0], "links") == 0)
		top_series("links");
	else if (strcmp(argv[0], "pairs") == 0)
		top_series("pairs");
	else if (strcmp(argv[0], "talkers") == 0)
		top_sets("src");
	else if (strcmp(argv[0], "prefixes") == 0)
		top_sets("dstpfx");
	else
		die(2, "top %s: one of links, pairs, talkers, prefixes", argv[0]);
	return 0;
}

/* --- link ------------------------------------------------------------------ */

/* "A-B" with routers named or given by id (names may hold '-'): the one
 * split where both sides are routers.  b may be a transit network when
 * allow_net (*is_net set). */
static void parse_link(const struct net *nt, const char *arg, uint32_t *a, uint32_t *b,
                       int allow_net, int *is_net)
{
	size_t len = strlen(arg);
	int found = 0;
	char buf[256];

	if (len >= sizeof(buf))
		die(2, "link '%s': too long", arg);
	*is_net = 0;
	for (size_t i = 1; i + 1 < len; i++) {
		uint32_t x, y, nid;
		if (arg[i] != '-')
			continue;
		memcpy(buf, arg, i);
		buf[i] = 0;
		if (store_router(&S, buf, &x) < 0 || !net_has_router(nt, x))
			continue;
		if (store_router(&S, arg + i + 1, &y) == 0 && net_has_router(nt, y)) {
			if (found && (*a != x || *b != y))
				die(2, "link '%s' is ambiguous: give router ids", arg);
			*a = x, *b = y, found = 1;
		} else if (allow_net && parse_ip(arg + i + 1, &y) == 0 &&
		           (nid = scen_network_of(nt->db, y)) != 0) {
			*a = x, *b = nid, *is_net = 1, found = 1;
		}
	}
	if (!found)
		die(2, "link '%s': not two routers of the topology, as A-B (router ids or names%s)",
		    arg, allow_net ? ", or ROUTER-NETWORK for an attachment to a LAN" : "");
}

static int cmp_pair_bytes(const void *x, const void *y)
{
	const struct pair_load *p = x, *q = y;
	if (p->bytes != q->bytes)
		return p->bytes > q->bytes ? -1 : 1;
	if (p->i != q->i)
		return p->i < q->i ? -1 : 1;
	return p->e < q->e ? -1 : p->e > q->e;
}

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

static int cmd_link(int argc, char **argv)
{
	struct net nt;
	uint32_t a, b;
	int is_net;
	char key[300], lb[300], ia[16], ib[16];
	struct sums *pts, tot = { 0 };
	unsigned npts, np, nby = 0, nsrc = 0, nsink = 0;
	struct pair_load *mx, *by, *srcs, *sinks;
	uint64_t cap, peak = 0, peak_t = 0, attributed = 0;
	uint32_t cost;
	static struct place_out po;

	if (argc != 1)
		die(2, "link: one link, A-B");
	open_net(&nt);
	store_load_names(&S);
	parse_link(&nt, argv[0], &a, &b, 0, &is_net);
	store_window(&S, O.window_ms, O.until_ms);
	need_traffic();
	ip4_format(a, ia);
	ip4_format(b, ib);
	snprintf(key, sizeof(key), "%s-%s", ia, ib);
	store_sum_append(&S, SCHEMA_LINK, key);
	pts = store_series_reply(&S, &npts);
	for (unsigned i = 0; i < npts; i++) {
		tot.bytes += pts[i].bytes;
		tot.packets += pts[i].packets;
		tot.flows += pts[i].flows;
		if (pts[i].bytes > peak) {
			peak = pts[i].bytes;
			peak_t = pts[i].time_ms;
		}
	}
	cap = store_capacity(&S, a, b);
	cost = net_link_cost(&nt, a, b, 0);
	/* who: the window's matrix routed on the topology, this link's share */
	mx = matrix(&np);
	by = calloc(np + 1, sizeof(*by));
	srcs = calloc(np + 1, sizeof(*srcs));
	sinks = calloc(np + 1, sizeof(*sinks));
	if (!by || !srcs || !sinks)
		die(1, "out of memory");
	for (unsigned i = 0; i < np; i++) {
		uint64_t lbytes = 0, lpk = 0;
		if (mx[i].i == mx[i].e ||
		    net_route_pair(&nt, mx[i].i, mx[i].e, mx[i].bytes, mx[i].packets, &po) != PLACE_OK)
			continue;
		for (unsigned k = 0; k < po.nlinks; k++)
			if (po.links[k].a == a && po.links[k].b == b) {
				lbytes += po.links[k].bytes;
				lpk += po.links[k].packets;
			}
		if (lbytes == 0 && lpk == 0)
			continue;
		by[nby++] = (struct pair_load){ mx[i].i, mx[i].e, lbytes, lpk, 0 };
		add_router_share(srcs, &nsrc, mx[i].i, lbytes, lpk);
		add_router_share(sinks, &nsink, mx[i].e, lbytes, lpk);
		attributed += lbytes;
	}
	qsort(by, nby, sizeof(*by), cmp_pair_bytes);
	qsort(srcs, nsrc, sizeof(*srcs), cmp_pair_bytes);
	qsort(sinks, nsink, sizeof(*sinks), cmp_pair_bytes);
	if (O.json) {
		struct sbuf s = SBUF_INIT;
		sbuf_printf(&s, "{");
		json_window(&s);
		sbuf_printf(&s, ",\"link\":{\"id\":\"%s-%s\",", ia, ib);
		json_router(&s, "a", a);
		sbuf_printf(&s, ",");
		json_router(&s, "b", b);
		sbuf_printf(&s, ",\"cost\":%u", cost);
		json_util(&s, tot.bytes, cap);
		sbuf_printf(&s, ",\"bytes\":%llu,\"packets\":%llu,\"flows\":%llu,\"bps\":%llu",
		            (unsigned long long)tot.bytes, (unsigned long long)tot.packets,
		            (unsigned long long)tot.flows, (unsigned long long)bps_of(tot.bytes));
		sbuf_printf(&s, ",\"peak\":{\"time_ms\":%llu,\"bytes\":%llu,\"bps\":%llu}}",
		            (unsigned long long)peak_t, (unsigned long long)peak,
		            (unsigned long long)(peak * 8000 / S.width_ms));
		sbuf_printf(&s, ",\"series\":[");
		for (unsigned i = 0; i < npts; i++)
			sbuf_printf(&s, "%s{\"time_ms\":%llu,\"bytes\":%llu,\"packets\":%llu,\"flows\":%llu}",
			            i ? "," : "", (unsigned long long)pts[i].time_ms,
			            (unsigned long long)pts[i].bytes, (unsigned long long)pts[i].packets,
			            (unsigned long long)pts[i].flows);
		sbuf_printf(&s, "],\"attributed_bytes\":%llu,\"pairs\":[", (unsigned long long)attributed);
		for (unsigned i = 0; i < nby; i++) {
			sbuf_printf(&s, "%s{", i ? "," : "");
			json_router(&s, "ingress", by[i].i);
			sbuf_printf(&s, ",");
			json_router(&s, "egress", by[i].e);
			sbuf_printf(&s, ",\"bytes\":%llu,\"packets\":%llu}", (unsigned long long)by[i].bytes,
			            (unsigned long long)by[i].packets);
		}
		sbuf_printf(&s, "],\"sources\":[");
		for (unsigned i = 0; i < nsrc; i++) {
			sbuf_printf(&s, "%s{", i ? "," : "");
			json_router(&s, "router", srcs[i].i);
			sbuf_printf(&s, ",\"bytes\":%llu}", (unsigned long long)srcs[i].bytes);
		}
		sbuf_printf(&s, "],\"sinks\":[");
		for (unsigned i = 0; i < nsink; i++) {
			sbuf_printf(&s, "%s{", i ? "," : "");
			json_router(&s, "router", sinks[i].i);
			sbuf_printf(&s, ",\"bytes\":%llu}", (unsigned long long)sinks[i].bytes);
		}
		sbuf_printf(&s, "]}");
		json_out(&s);
	} else {
		char by1[32], rt[32], cp[32], ut[32], pr[32], pu[32], tt[40];
		struct table t = { NULL, 4, 0, 0 };
		link_label(a, b, lb, sizeof(lb));
		printf("Link %s (%s-%s), OSPF cost %u, capacity ", lb, ia, ib, cost);
		if (cap) {
			fmt_rate((double)cap, cp, sizeof(cp));
			printf("%s\n", cp);
		} else {
			printf("not configured\n");
		}
		print_window("Window");
		cell_bytes(tot.bytes, by1, sizeof(by1));
		cell_rate(tot.bytes, rt, sizeof(rt));
		cell_util((double)bps_of(tot.bytes) / (double)(cap ? cap : 1), cap != 0, ut, sizeof(ut));
		printf("Carried %s, %llu packets, %llu flow records: average %s, utilisation %s\n", by1,
		       (unsigned long long)tot.packets, (unsigned long long)tot.flows, rt, ut);
		if (peak) {
			fmt_rate((double)peak * 8000.0 / (double)S.width_ms, pr, sizeof(pr));
			cell_util((double)peak * 8000.0 / (double)S.width_ms / (double)(cap ? cap : 1),
			          cap != 0, pu, sizeof(pu));
			fmt_time(peak_t, tt, sizeof(tt));
			printf("Busiest %s bucket: %s at %s, utilisation %s\n", S.res, pr, tt, pu);
		}
		printf("\nLoad per %s bucket:\n", S.res);
		t_row(&t, "BUCKET", "BYTES", "RATE", "UTIL");
		for (unsigned i = 0; i < npts; i++) {
			double r = (double)pts[i].bytes * 8000.0 / (double)S.width_ms;
			fmt_time(pts[i].time_ms, tt, sizeof(tt));
			cell_bytes(pts[i].bytes, by1, sizeof(by1));
			fmt_rate(r, rt, sizeof(rt));
			cell_util(r / (double)(cap ? cap : 1), cap != 0, ut, sizeof(ut));
			t_row(&t, tt, by1, rt, ut);
		}
		t_print(&t, "  ");
		printf("\nWho uses it: the window's traffic matrix routed on the current topology\n");
		printf("(%s of the %s counted on the link)\n", (cell_bytes(attributed, pr, sizeof(pr)), pr),
		       (cell_bytes(tot.bytes, pu, sizeof(pu)), pu));
		t.ncols = 4;
		t_row(&t, "INGRESS -> EGRESS", "BYTES", "RATE", "SHARE");
		for (unsigned i = 0; i < nby && i < O.n; i++) {
			char sh[32];
			link_label(by[i].i, by[i].e, lb, sizeof(lb));
			cell_bytes(by[i].bytes, by1, sizeof(by1));
			cell_rate(by[i].bytes, rt, sizeof(rt));
			snprintf(sh, sizeof(sh), "%.1f%%", attributed ? 100.0 * (double)by[i].bytes / (double)attributed : 0);
			t_row(&t, lb, by1, rt, sh);
		}
		t_print(&t, "  ");
		for (int side = 0; side < 2; side++) {
			struct pair_load *l = side ? sinks : srcs;
			unsigned nl = side ? nsink : nsrc;
			printf("\n%s\n", side ? "Sinks (egress routers):" : "Sources (ingress routers):");
			t.ncols = 3;
			t_row(&t, "ROUTER", "BYTES", "SHARE");
			for (unsigned i = 0; i < nl && i < O.n; i++) {
				char sh[32];
				label(l[i].i, lb, sizeof(lb));
				cell_bytes(l[i].bytes, by1, sizeof(by1));
				snprintf(sh, sizeof(sh), "%.1f%%", attributed ? 100.0 * (double)l[i].bytes / (double)attributed : 0);
				t_row(&t, lb, by1, sh);
			}
			t_print(&t, "  ");
		}
	}
	free(pts);
	free(mx);
	free(by);
	free(srcs);
	free(sinks);
	net_close(&nt);
	return 0;
}

/* --- path ------------------------------------------------------------------ */

#define MAXPATHS 256
struct pathset {
	uint32_t hops[MAXPATHS][PLACE_MAX_HOPS];
	uint32_t via[MAXPATHS][PLACE_MAX_HOPS];   /* [k]: the LAN from hop k-1 to k, or 0 */
	unsigned len[MAXPATHS];
	uint32_t cost[MAXPATHS];
	double share[MAXPATHS];
	unsigned n;
};

static uint64_t node_out(const struct place_out *po, uint32_t r)
{
	uint64_t s = 0;

	for (unsigned i = 0; i < po->nlinks; i++)
		if (po->links[i].a == r)
			s += po->links[i].bytes;
	return s;
}

static void walk(const struct net *nt, const struct place_out *po, struct pathset *ps,
                 uint32_t *cur, uint32_t *via, unsigned depth, uint32_t cost, double share)
{
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
		walk(nt, po, ps, cur, via, depth + 1, cost + net_link_cost(nt, l->a, l->b, l->net),
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

static int cmd_path(int argc, char **argv)
{
	struct net nt;
	uint32_t src, dst, cur[PLACE_MAX_HOPS], via[PLACE_MAX_HOPS] = { 0 };
	struct place_in in;
	static struct place_out po;
	static struct pathset ps;
	char lb[300], a[16], b[16];
	const uint64_t unit = 1000000000000ull;   /* divides into exact shares */

	if (argc != 2)
		die(2, "path: SRC DST (IPv4 addresses)");
	if (parse_ip(argv[0], &src) < 0)
		die(2, "path: '%s' is not an IPv4 address", argv[0]);
	if (parse_ip(argv[1], &dst) < 0)
		die(2, "path: '%s' is not an IPv4 address", argv[1]);
	open_net(&nt);
	store_load_names(&S);
	memset(&in, 0, sizeof(in));
	in.af = AF_INET;
	in.src.w[0] = htonl(src);
	in.dst.w[0] = htonl(dst);
	in.bytes = unit;
	in.packets = 1;
	place_flow(nt.pl, &in, &po);
	if (po.reason == PLACE_NO_SOURCE_PREFIX)
		die(2, "path: no OSPF prefix holds the source %s: it is not in this network", argv[0]);
	if (po.reason == PLACE_NO_ROUTE && po.dst_plen == 0 && !has_default(&nt))
		die(2, "path: no OSPF prefix holds the destination %s: it is not in this network", argv[1]);
	if (po.reason != PLACE_OK)
		die(1, "path %s -> %s: %s (entering at %s)", argv[0], argv[1],
		    place_reason_name(po.reason), po.ingress ? (ip4_format(po.ingress, a), a) : "?");
	cur[0] = po.ingress;
	ps.n = 0;
	walk(&nt, &po, &ps, cur, via, 1, 0, 1.0);
	if (O.json) {
		struct sbuf s = SBUF_INIT;
		sbuf_printf(&s, "{\"src\":\"%s\",\"dst\":\"%s\",", argv[0], argv[1]);
		json_router(&s, "ingress", po.ingress);
		sbuf_printf(&s, ",\"dst_prefix\":");
		if (po.dst_plen)
			sbuf_prefixq(&s, po.dst_prefix, po.dst_plen ? ~0u << (32 - po.dst_plen) : 0);
		else
			sbuf_printf(&s, "null");
		sbuf_printf(&s, ",\"egresses\":[");
		for (unsigned i = 0; i < po.npairs; i++) {
			sbuf_printf(&s, "%s{", i ? "," : "");
			json_router(&s, "router", po.pairs[i].egress);
			sbuf_printf(&s, ",\"share\":%.6f}", (double)po.pairs[i].bytes / (double)unit);
		}
		sbuf_printf(&s, "],\"paths\":[");
		for (unsigned i = 0; i < ps.n; i++) {
			sbuf_printf(&s, "%s{\"routers\":[", i ? "," : "");
			for (unsigned k = 0; k < ps.len[i]; k++) {
				sbuf_printf(&s, "%s", k ? "," : "");
				sbuf_ipq(&s, ps.hops[i][k]);
			}
			sbuf_printf(&s, "],\"via\":[");
			for (unsigned k = 1; k < ps.len[i]; k++) {
				sbuf_printf(&s, "%s", k > 1 ? "," : "");
				if (ps.via[i][k])
					sbuf_ipq(&s, ps.via[i][k]);
				else
					sbuf_printf(&s, "null");
			}
			sbuf_printf(&s, "],\"cost\":%u,\"share\":%.6f}", ps.cost[i], ps.share[i]);
		}
		sbuf_printf(&s, "],\"links\":[");
		for (unsigned i = 0; i < po.nlinks; i++) {
			const struct place_link *l = &po.links[i];
			sbuf_printf(&s, "%s{", i ? "," : "");
			json_router(&s, "a", l->a);
			sbuf_printf(&s, ",");
			json_router(&s, "b", l->b);
			sbuf_printf(&s, ",\"via\":");
			if (l->net)
				sbuf_ipq(&s, l->net);
			else
				sbuf_printf(&s, "null");
			sbuf_printf(&s, ",\"cost\":%u,\"share\":%.6f}", net_link_cost(&nt, l->a, l->b, l->net),
			            (double)l->bytes / (double)unit);
		}
		sbuf_printf(&s, "]}");
		json_out(&s);
	} else {
		struct table t = { NULL, 5, 0, 0 };
		label(po.ingress, lb, sizeof(lb));
		ip4_format(po.ingress, a);
		printf("Path %s -> %s: enters at %s (%s)", argv[0], argv[1], lb, a);
		if (po.dst_plen) {
			ip4_format(po.dst_prefix, b);
			printf(", destination prefix %s/%u", b, po.dst_plen);
		}
		printf("\n");
		for (unsigned i = 0; i < po.npairs; i++) {
			label(po.pairs[i].egress, lb, sizeof(lb));
			ip4_format(po.pairs[i].egress, a);
			printf("Leaves at %s (%s)\n", lb, a);
		}
		printf("%u path%s:\n", ps.n, ps.n == 1 ? "" : "s (equal cost, split at each branching router)");
		for (unsigned i = 0; i < ps.n; i++) {
			printf("  cost %u, share %.1f%%: ", ps.cost[i], ps.share[i] * 100);
			for (unsigned k = 0; k < ps.len[i]; k++) {
				label(ps.hops[i][k], lb, sizeof(lb));
				if (k && ps.via[i][k]) {
					ip4_format(ps.via[i][k], a);
					printf(" -(LAN %s)-> %s", a, lb);
				} else {
					printf("%s%s", k ? " -> " : "", lb);
				}
			}
			printf("\n");
		}
		if (po.nlinks) {
			/* hops in the order a packet meets them: by the router's
			 * distance in hops from the ingress, then as placed */
			unsigned depth[PLACE_MAX_LINKS], order[PLACE_MAX_LINKS];
			for (unsigned i = 0; i < po.nlinks; i++) {
				depth[i] = PLACE_MAX_HOPS;
				order[i] = i;
				if (po.links[i].a == po.ingress)
					depth[i] = 0;
			}
			for (unsigned round = 0; round < PLACE_MAX_HOPS; round++)
				for (unsigned i = 0; i < po.nlinks; i++)
					for (unsigned k = 0; k < po.nlinks; k++)
						if (po.links[k].b == po.links[i].a && depth[k] + 1 < depth[i])
							depth[i] = depth[k] + 1;
			for (unsigned i = 1; i < po.nlinks; i++)
				for (unsigned k = i; k > 0 && depth[order[k - 1]] > depth[order[k]]; k--) {
					unsigned x = order[k];
					order[k] = order[k - 1];
					order[k - 1] = x;
				}
			printf("Hops:\n");
			t_row(&t, "FROM", "TO", "VIA", "COST", "SHARE");
			for (unsigned j = 0; j < po.nlinks; j++) {
				const struct place_link *l = &po.links[order[j]];
				char x[128], y[128], via[40], c[16], sh[16];
				label(l->a, x, sizeof(x));
				label(l->b, y, sizeof(y));
				if (l->net) {
					ip4_format(l->net, a);
					snprintf(via, sizeof(via), "LAN %s", a);
				} else {
					snprintf(via, sizeof(via), "point-to-point");
				}
				snprintf(c, sizeof(c), "%u", net_link_cost(&nt, l->a, l->b, l->net));
				snprintf(sh, sizeof(sh), "%.1f%%", (double)l->bytes * 100.0 / (double)unit);
				t_row(&t, x, y, via, c, sh);
			}
			t_print(&t, "  ");
		}
	}
	net_close(&nt);
	return 0;
}

/* --- whatif ---------------------------------------------------------------- */

struct wl {
	uint32_t a, b;
	uint64_t before, after, bpk, apk;
	uint64_t cap;
};

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

static void resolve_changes(const struct net *nt)
{
	unsigned il = 0, ir = 0, ic = 0;

	O.nch = 0;
	for (unsigned k = 0; k < O.norder; k++) {
		struct scen_change *c = &O.ch[O.nch];
		int is_net = 0;
		memset(c, 0, sizeof(*c));
		switch (O.order[k]) {
		case 0:
			c->kind = SC_FAIL_LINK;
			parse_link(nt, O.fail_link[il], &c->a, &c->b, 1, &is_net);
			c->net = is_net;
			O.ch_text[O.nch] = O.fail_link[il++];
			break;
		case 1:
			c->kind = SC_FAIL_ROUTER;
			if (store_router(&S, O.fail_router[ir], &c->a) < 0 || !net_has_router(nt, c->a))
				die(2, "--fail-router %s: no such router in the topology", O.fail_router[ir]);
			O.ch_text[O.nch] = O.fail_router[ir++];
			break;
		default: {
			char buf[256], *eq;
			uint64_t v;
			snprintf(buf, sizeof(buf), "%s", O.cost[ic]);
			if ((eq = strrchr(buf, '=')) == NULL || parse_uint(eq + 1, 1, 65535, &v) < 0)
				die(2, "--cost %s: want A-B=COST, COST 1 to 65535", O.cost[ic]);
			*eq = 0;
			c->kind = SC_COST;
			c->cost = (uint32_t)v;
			parse_link(nt, buf, &c->a, &c->b, 1, &is_net);
			c->net = is_net;
			O.ch_text[O.nch] = O.cost[ic++];
			break;
		}
		}
		O.nch++;
	}
}

static void change_desc(unsigned i, char *buf, size_t len)
{
	static const char *const k[] = { "fail-link", "fail-router", "cost" };
	snprintf(buf, len, "%s %s", k[O.ch[i].kind], O.ch_text[i]);
}

static int cmd_whatif(int argc, char **argv)
{
	struct net before, after;
	struct pair_load *mx;
	unsigned np, nw = 0, nover = 0;
	struct routed rb, ra;
	struct wl *w;
	uint64_t total = 0;
	char err[256];
	struct lsdb *db2;

	(void)argv;
	if (argc != 0)
		die(2, "whatif: changes are options (--fail-link, --fail-router, --cost)");
	open_net(&before);
	store_load_names(&S);
	resolve_changes(&before);
	store_window(&S, O.window_ms, O.until_ms);
	need_traffic();
	if ((db2 = scen_apply(before.db, before.time_ms, O.ch, O.nch, err, sizeof(err))) == NULL)
		die(2, "whatif: %s", err);
	if (net_open(&after, db2, before.time_ms) < 0)
		die(1, "out of memory");
	mx = matrix(&np);
	for (unsigned i = 0; i < np; i++)
		total += mx[i].bytes;
	net_route_matrix(&before, mx, np, &rb);
	net_route_matrix(&after, mx, np, &ra);
	links_merge(rb.links, &rb.nlinks, 1);
	links_merge(ra.links, &ra.nlinks, 1);
	w = calloc(rb.nlinks + ra.nlinks + 1, sizeof(*w));
	if (w == NULL)
		die(1, "out of memory");
	for (int side = 0; side < 2; side++) {
		struct routed *r = side ? &ra : &rb;
		for (unsigned i = 0; i < r->nlinks; i++) {
			unsigned j;
			for (j = 0; j < nw; j++)
				if (w[j].a == r->links[i].a && w[j].b == r->links[i].b)
					break;
			if (j == nw) {
				w[nw].a = r->links[i].a;
				w[nw].b = r->links[i].b;
				w[nw].cap = store_capacity(&S, w[nw].a, w[nw].b);
				nw++;
			}
			if (side) {
				w[j].after += r->links[i].bytes;
				w[j].apk += r->links[i].packets;
			} else {
				w[j].before += r->links[i].bytes;
				w[j].bpk += r->links[i].packets;
			}
		}
	}
	qsort(w, nw, sizeof(*w), cmp_wl);
	for (unsigned i = 0; i < nw; i++)
		if (w[i].cap && (double)bps_of(w[i].after) >= O.threshold * (double)w[i].cap)
			nover++;
	if (O.json) {
		struct sbuf s = SBUF_INIT;
		sbuf_printf(&s, "{");
		json_window(&s);
		sbuf_printf(&s, ",\"changes\":[");
		for (unsigned i = 0; i < O.nch; i++) {
			char d[300];
			change_desc(i, d, sizeof(d));
			sbuf_printf(&s, "%s", i ? "," : "");
			json_str(&s, d);
		}
		sbuf_printf(&s, "],\"threshold\":%.4f,\"matrix_bytes\":%llu,\"links\":[", O.threshold,
		            (unsigned long long)total);
		for (unsigned i = 0; i < nw; i++) {
			char ia[16], ib[16];
			ip4_format(w[i].a, ia);
			ip4_format(w[i].b, ib);
			sbuf_printf(&s, "%s{\"id\":\"%s-%s\",", i ? "," : "", ia, ib);
			json_router(&s, "a", w[i].a);
			sbuf_printf(&s, ",");
			json_router(&s, "b", w[i].b);
			sbuf_printf(&s, ",\"capacity_bps\":");
			if (w[i].cap)
				sbuf_printf(&s, "%llu", (unsigned long long)w[i].cap);
			else
				sbuf_printf(&s, "null");
			for (int side = 0; side < 2; side++) {
				uint64_t by = side ? w[i].after : w[i].before, pk = side ? w[i].apk : w[i].bpk;
				sbuf_printf(&s, ",\"%s\":{\"bytes\":%llu,\"packets\":%llu,\"bps\":%llu,\"utilisation\":",
				            side ? "after" : "before", (unsigned long long)by,
				            (unsigned long long)pk, (unsigned long long)bps_of(by));
				if (w[i].cap)
					sbuf_printf(&s, "%.4f}", (double)bps_of(by) / (double)w[i].cap);
				else
					sbuf_printf(&s, "null}");
			}
			sbuf_printf(&s, ",\"over_threshold\":%s}",
			            w[i].cap && (double)bps_of(w[i].after) >= O.threshold * (double)w[i].cap ? "true" : "false");
		}
		for (int side = 0; side < 2; side++) {
			struct routed *r = side ? &ra : &rb;
			sbuf_printf(&s, "],\"unreachable_%s\":[", side ? "after" : "before");
			for (unsigned i = 0; i < r->nun; i++) {
				sbuf_printf(&s, "%s{", i ? "," : "");
				json_router(&s, "ingress", r->un[i].i);
				sbuf_printf(&s, ",");
				json_router(&s, "egress", r->un[i].e);
				sbuf_printf(&s, ",\"bytes\":%llu,\"packets\":%llu,\"reason\":\"%s\"}",
				            (unsigned long long)r->un[i].bytes, (unsigned long long)r->un[i].packets,
				            r->un[i].why);
			}
		}
		sbuf_printf(&s, "]}");
		json_out(&s);
	} else {
		struct table tb = { NULL, 8, 0, 0 };
		char by[32], rt[32], ut[32], ra_[32], ua[32], cp[32], lb[300], d[300];
		print_window("What if");
		printf("Changes:");
		for (unsigned i = 0; i < O.nch; i++) {
			change_desc(i, d, sizeof(d));
			printf("%s %s", i ? "," : "", d);
		}
		if (O.nch == 0)
			printf(" none");
		cell_bytes(total, by, sizeof(by));
		printf("\nThe window's traffic matrix (%s between %u router pairs), routed on the\n"
		       "current topology (before) and on the changed one (after):\n\n", by, np);
		t_row(&tb, "LINK", "CAPACITY", "BEFORE", "UTIL", "AFTER", "UTIL", "CHANGE", "");
		for (unsigned i = 0; i < nw; i++) {
			char ch[32];
			bool over = w[i].cap && (double)bps_of(w[i].after) >= O.threshold * (double)w[i].cap;
			link_label(w[i].a, w[i].b, lb, sizeof(lb));
			if (w[i].cap)
				fmt_rate((double)w[i].cap, cp, sizeof(cp));
			else
				snprintf(cp, sizeof(cp), "-");
			cell_rate(w[i].before, rt, sizeof(rt));
			cell_util((double)bps_of(w[i].before) / (double)(w[i].cap ? w[i].cap : 1), w[i].cap != 0, ut, sizeof(ut));
			cell_rate(w[i].after, ra_, sizeof(ra_));
			cell_util((double)bps_of(w[i].after) / (double)(w[i].cap ? w[i].cap : 1), w[i].cap != 0, ua, sizeof(ua));
			if (w[i].after == w[i].before)
				snprintf(ch, sizeof(ch), "=");
			else if (w[i].before == 0)
				snprintf(ch, sizeof(ch), "new");
			else if (w[i].after == 0)
				snprintf(ch, sizeof(ch), "gone");
			else
				snprintf(ch, sizeof(ch), "%+.0f%%", 100.0 * ((double)w[i].after - (double)w[i].before) / (double)w[i].before);
			t_row(&tb, lb, cp, rt, ut, ra_, ua, ch, over ? "OVER" : "");
		}
		t_print(&tb, "  ");
		printf("\n%u link%s at or over %.0f%% of capacity after the change%s\n", nover,
		       nover == 1 ? "" : "s", O.threshold * 100, nover ? ":" : ".");
		for (unsigned i = 0; i < nw; i++)
			if (w[i].cap && (double)bps_of(w[i].after) >= O.threshold * (double)w[i].cap) {
				link_label(w[i].a, w[i].b, lb, sizeof(lb));
				cell_rate(w[i].after, ra_, sizeof(ra_));
				fmt_rate((double)w[i].cap, cp, sizeof(cp));
				printf("  %s: %s on %s (%.1f%%)\n", lb, ra_, cp,
				       100.0 * (double)bps_of(w[i].after) / (double)w[i].cap);
			}
		printf("%u router pair%s unreachable after the change%s\n", ra.nun, ra.nun == 1 ? "" : "s",
		       ra.nun ? ":" : ".");
		for (unsigned i = 0; i < ra.nun; i++) {
			link_label(ra.un[i].i, ra.un[i].e, lb, sizeof(lb));
			cell_bytes(ra.un[i].bytes, by, sizeof(by));
			cell_rate(ra.un[i].bytes, rt, sizeof(rt));
			printf("  %s: %s (%s), %s\n", lb, by, rt, ra.un[i].why);
		}
		if (rb.nun)
			printf("(%u pair%s unreachable before the change as well)\n", rb.nun, rb.nun == 1 ? "" : "s");
	}
	free(w);
	free(mx);
	routed_free(&rb);
	routed_free(&ra);
	net_close(&after);
	net_close(&before);
	return 0;
}

/* --- topo ------------------------------------------------------------------ */

static const char *util_colour(double u, bool known)
{
	if (!known)
		return "#7f7f7f";
	if (u < 0.3)
		return "#2ca02c";
	if (u < 0.6)
		return "#bcbd22";
	if (u < 0.8)
		return "#ff7f0e";
	return "#d62728";
}

/* Run a Graphviz layout over the DOT text into file out as format (svg, png). */
static void graphviz(const char *dot, const char *format, const char *out)
{
	char fmt[16];
	int in[2], st;
	pid_t pid;
	size_t len = strlen(dot), off = 0;

	snprintf(fmt, sizeof(fmt), "-T%s", format);
	if (pipe(in) < 0)
		die(1, "pipe: %s", strerror(errno));
	if ((pid = fork()) < 0)
		die(1, "fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(in[0], 0);
		close(in[0]);
		close(in[1]);
		execlp("neato", "neato", fmt, "-o", out, (char *)NULL);
		fprintf(stderr, "anemone: cannot run neato (Graphviz, Debian package graphviz): %s\n",
		        strerror(errno));
		_exit(127);
	}
	close(in[0]);
	while (off < len) {
		ssize_t n = write(in[1], dot + off, len - off);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(in[1]);
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		die(1, "Graphviz could not draw %s (exit %d)", out, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

struct edge {
	uint32_t a, b, net;          /* undirected: a < b; net: a router and a LAN */
	uint64_t ab, ba;             /* bytes each way */
	uint32_t cab, cba;           /* costs */
	uint64_t cap;
};

static int cmd_topo(int argc, char **argv)
{
	struct net nt;
	struct pair_load *mx = NULL;
	unsigned np = 0, ne = 0;
	struct routed r;
	struct edge *e;
	struct sbuf d = SBUF_INIT;
	uint64_t maxb = 1;
	bool traffic;

	(void)argv;
	if (argc != 0)
		die(2, "topo: options only (--svg FILE, --png FILE, --dot FILE)");
	if (!O.svg && !O.png && !O.dot)
		die(2, "topo: give --svg FILE (and/or --png FILE, --dot FILE)");
	open_net(&nt);
	store_load_names(&S);
	store_window(&S, O.window_ms, O.until_ms);
	{
		unsigned n;
		store_sum(&S, SCHEMA_TOTAL, NULL, &n);
		traffic = n > 0;
	}
	if (traffic)
		mx = matrix(&np);
	net_route_matrix(&nt, mx, np, &r);
	e = calloc(nt.t->nl + 1, sizeof(*e));
	if (e == NULL)
		die(1, "out of memory");
	/* one edge per p2p link and per router attachment to a LAN */
	for (unsigned i = 0; i < nt.t->nl; i++) {
		const struct topo_link *l = &nt.t->l[i];
		if (!l->two_way)
			continue;
		e[ne].a = l->a;
		e[ne].b = l->b;
		e[ne].net = l->type == LINK_TRANSIT;
		e[ne].cab = l->cost_ab;
		e[ne].cba = l->cost_ba;
		if (!e[ne].net)
			e[ne].cap = store_capacity(&S, l->a, l->b);
		ne++;
	}
	for (unsigned i = 0; i < r.nlinks; i++) {
		const struct link_load *l = &r.links[i];
		for (unsigned j = 0; j < ne; j++) {
			if (l->net == 0 && !e[j].net) {
				if (e[j].a == l->a && e[j].b == l->b)
					e[j].ab += l->bytes;
				else if (e[j].a == l->b && e[j].b == l->a)
					e[j].ba += l->bytes;
			} else if (l->net && e[j].net && e[j].b == l->net) {
				if (e[j].a == l->a)
					e[j].ab += l->bytes;     /* onto the LAN */
				if (e[j].a == l->b)
					e[j].ba += l->bytes;     /* off the LAN */
			}
		}
	}
	for (unsigned j = 0; j < ne; j++) {
		/* a LAN attachment's capacity: the smallest capacity of its router's
		 * links across it (a capacity configured for a point-to-point link
		 * between the same two routers also answers for their hop across
		 * the LAN: "A-B" names both) */
		if (e[j].net)
			for (unsigned i = 0; i < nt.t->nl; i++) {
				const struct topo_link *l = &nt.t->l[i];
				uint64_t c;
				if (l->type != LINK_TRANSIT || l->b != e[j].b || l->a == e[j].a)
					continue;
				c = store_capacity(&S, e[j].a, l->a);
				if (c && (e[j].cap == 0 || c < e[j].cap))
					e[j].cap = c;
			}
		if (e[j].ab > maxb)
			maxb = e[j].ab;
		if (e[j].ba > maxb)
			maxb = e[j].ba;
	}
	sbuf_printf(&d, "graph anemone {\n  graph [overlap=prism, overlap_scaling=2, splines=true, "
	            "sep=\"+16\", fontname=\"Helvetica\", start=1, label=\"");
	{
		char f[40], u[40];
		fmt_time(S.from_ms, f, sizeof(f));
		fmt_time(S.until_ms, u, sizeof(u));
		if (traffic)
			sbuf_printf(&d, "OSPF topology, traffic %s to %s\\nlinks: OSPF costs each way, "
			            "utilisation of the busier direction; width by traffic, colour by "
			            "utilisation\\n(green < 30%%, olive < 60%%, orange < 80%%, red >= 80%%, "
			            "grey: no capacity configured)", f, u);
		else
			sbuf_printf(&d, "OSPF topology (no traffic in the window %s to %s)", f, u);
	}
	sbuf_printf(&d, "\", labelloc=t, fontsize=12];\n"
	            "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#eef3fb\", fontname=\"Helvetica\", fontsize=11];\n"
	            "  edge [fontname=\"Helvetica\", fontsize=9, len=1.6];\n");
	for (unsigned i = 0; i < nt.t->nr; i++) {
		const struct topo_router *rt = &nt.t->r[i];
		char ip[16];
		const char *nm = store_name(&S, rt->id);
		if (i && nt.t->r[i - 1].id == rt->id)
			continue;                    /* an ABR, in several areas */
		ip4_format(rt->id, ip);
		sbuf_printf(&d, "  \"%s\" [id=\"router-%s\", label=\"%s%s%s\"];\n", ip, ip, nm ? nm : ip,
		            nm ? "\\n" : "", nm ? ip : "");
	}
	for (unsigned i = 0; i < nt.t->nn; i++) {
		char ip[16], pf[16];
		const struct topo_network *n = &nt.t->n[i];
		ip4_format(n->id, ip);
		ip4_format(n->id & n->mask, pf);
		sbuf_printf(&d, "  \"net-%s\" [id=\"network-%s\", shape=ellipse, fillcolor=\"#f5f5f5\", "
		            "label=\"LAN\\n%s/%d\"];\n", ip, ip, pf, __builtin_popcount(n->mask));
	}
	for (unsigned j = 0; j < ne; j++) {
		char ia[16], ib[16], ca[32], cb[32], ut[32] = "";
		uint64_t top = e[j].ab > e[j].ba ? e[j].ab : e[j].ba;
		double u = e[j].cap ? (double)bps_of(top) / (double)e[j].cap : 0;
		double width = 1.0 + 9.0 * sqrt((double)top / (double)maxb);
		ip4_format(e[j].a, ia);
		ip4_format(e[j].b, ib);
		fmt_rate((double)bps_of(e[j].ab), ca, sizeof(ca));
		fmt_rate((double)bps_of(e[j].ba), cb, sizeof(cb));
		if (e[j].cap && traffic)
			snprintf(ut, sizeof(ut), "\\n%.0f%%", u * 100);
		/* the label: costs and utilisation; the rates each way in the tooltip */
		if (e[j].net)
			sbuf_printf(&d, "  \"%s\" -- \"net-%s\" [id=\"link-%s-%s\", penwidth=%.2f, color=\"%s\", "
			            "label=\"%u%s\", tooltip=\"%s onto the LAN %s, %s off it\"];\n", ia, ib, ia, ib,
			            width, util_colour(u, e[j].cap != 0), e[j].cab, ut, ia, ca, cb);
		else
			sbuf_printf(&d, "  \"%s\" -- \"%s\" [id=\"link-%s-%s\", penwidth=%.2f, color=\"%s\", "
			            "label=\"%u/%u%s\", tooltip=\"%s to %s %s, back %s\"];\n", ia, ib, ia, ib,
			            width, util_colour(u, e[j].cap != 0), e[j].cab, e[j].cba, ut, ia, ib, ca, cb);
	}
	sbuf_printf(&d, "}\n");
	if (!sbuf_ok(&d))
		die(1, "out of memory");
	if (O.dot) {
		FILE *f = fopen(O.dot, "w");
		if (f == NULL || fputs(sbuf_str(&d), f) < 0 || fclose(f) != 0)
			die(1, "%s: %s", O.dot, strerror(errno));
	}
	if (O.svg)
		graphviz(sbuf_str(&d), "svg", O.svg);
	if (O.png)
		graphviz(sbuf_str(&d), "png", O.png);
	if (O.json) {
		struct sbuf s = SBUF_INIT;
		sbuf_printf(&s, "{");
		json_window(&s);
		sbuf_printf(&s, ",\"routers\":%u,\"networks\":%u,\"edges\":%u,\"files\":[", nt.t->nr, nt.t->nn, ne);
		{
			const char *fl[3] = { O.svg, O.png, O.dot };
			int first = 1;
			for (int i = 0; i < 3; i++)
				if (fl[i]) {
					sbuf_printf(&s, "%s", first ? "" : ",");
					json_str(&s, fl[i]);
					first = 0;
				}
		}
		sbuf_printf(&s, "]}");
		json_out(&s);
	} else {
		printf("Topology: %u routers, %u LAN%s, %u links drawn", nt.t->nr, nt.t->nn,
		       nt.t->nn == 1 ? "" : "s", ne);
		if (O.svg)
			printf("; SVG %s", O.svg);
		if (O.png)
			printf("; PNG %s", O.png);
		if (O.dot)
			printf("; DOT %s", O.dot);
		printf("\n");
	}
	sbuf_free(&d);
	free(e);
	free(mx);
	routed_free(&r);
	net_close(&nt);
	return 0;
}

/* --- events ---------------------------------------------------------------- */

/* One event as "time  event  k=v ...": the JSON object flattened (nested
 * members as a.b=v), without time_ms/time/event; members of "old" only
 * where they differ from the new value. */
static void event_text(const char *j, struct sbuf *out)
{
	char path[8][160], key[160] = "", val[160];
	int depth = 0;
	struct { char k[160]; char v[160]; } kv[64];
	unsigned nkv = 0;
	char tm[160] = "", ev[160] = "";
	const char *p = j;

	while (*p) {
		size_t n;
		if (*p == '{') {
			if (depth > 0 && depth < 8)
				snprintf(path[depth], sizeof(path[0]), "%s", key);
			depth++;
			p++;
			continue;
		}
		if (*p == '}') {
			depth--;
			p++;
			continue;
		}
		if (*p == '"') {
			/* a string: a key when a ':' follows */
			const char *q = ++p;
			while (*q && *q != '"') {
				if (*q == '\\' && q[1])
					q++;
				q++;
			}
			n = (size_t)(q - p) < sizeof(val) - 1 ? (size_t)(q - p) : sizeof(val) - 1;
			memcpy(val, p, n);
			val[n] = 0;
			p = *q ? q + 1 : q;
			while (*p == ' ')
				p++;
			if (*p == ':') {
				snprintf(key, sizeof(key), "%s", val);
				p++;
				continue;
			}
		} else if ((*p >= '0' && *p <= '9') || *p == '-' || *p == 't' || *p == 'f' || *p == 'n') {
			n = strcspn(p, ",}]");
			if (n >= sizeof(val))
				n = sizeof(val) - 1;
			memcpy(val, p, n);
			val[n] = 0;
			p += n;
		} else {
			p++;
			continue;
		}
		if (depth == 1 && strcmp(key, "time") == 0)
			snprintf(tm, sizeof(tm), "%s", val);
		else if (depth == 1 && strcmp(key, "event") == 0)
			snprintf(ev, sizeof(ev), "%s", val);
		else if (!(depth == 1 && strcmp(key, "time_ms") == 0) && nkv < 64) {
			char full[160] = "";
			for (int d = 1; d < depth && d < 8; d++)
				snprintf(full + strlen(full), sizeof(full) - strlen(full), "%s.", path[d]);
			snprintf(full + strlen(full), sizeof(full) - strlen(full), "%s", key);
			snprintf(kv[nkv].k, sizeof(kv[0].k), "%s", full);
			snprintf(kv[nkv].v, sizeof(kv[0].v), "%s", val);
			nkv++;
		}
	}
	sbuf_printf(out, "%-24s  %-18s", tm, ev);
	for (unsigned i = 0; i < nkv; i++) {
		if (strncmp(kv[i].k, "old.", 4) == 0) {
			/* what changed only */
			bool same = false;
			for (unsigned k = 0; k < nkv; k++)
				if (strcmp(kv[k].k, kv[i].k + 4) == 0 && strcmp(kv[k].v, kv[i].v) == 0)
					same = true;
			if (same)
				continue;
		}
		sbuf_printf(out, " %s=%s", kv[i].k, kv[i].v);
	}
}

static int cmd_events(int argc, char **argv)
{
	redisReply *r;

	(void)argv;
	if (argc != 0)
		die(2, "events: no arguments (-n N: how many)");
	r = store_cmd(&S, "LRANGE %sospf:events 0 %u", S.ospf_prefix, O.n - 1);
	if (r->elements == 0) {
		redisReply *v = store_cmd(&S, "EXISTS %sospf:version", S.ospf_prefix);
		bool none = v->integer == 0;
		freeReplyObject(v);
		if (none)
			die(1, "Redis at %s has no OSPF data (%sospf:*): is anemone-ospfmon publishing there?",
			    S.endpoint, S.ospf_prefix);
	}
	if (O.json) {
		struct sbuf s = SBUF_INIT;
		sbuf_printf(&s, "{\"events\":[");
		for (size_t i = r->elements; i-- > 0;)
			sbuf_printf(&s, "%s%s", i + 1 == r->elements ? "" : ",", r->element[i]->str);
		sbuf_printf(&s, "]}");
		json_out(&s);
	} else {
		printf("The %zu newest OSPF topology events (oldest first):\n", r->elements);
		for (size_t i = r->elements; i-- > 0;) {
			struct sbuf s = SBUF_INIT;
			event_text(r->element[i]->str, &s);
			printf("%s\n", sbuf_str(&s));
			sbuf_free(&s);
		}
	}
	freeReplyObject(r);
	return 0;
}

/* --- exporters ------------------------------------------------------------- */

static int cmd_exporters(int argc, char **argv)
{
	unsigned n;
	char **ids;
	struct sums *w;
	redisReply **h;
	uint64_t now = wall_ms();
	struct sbuf s = SBUF_INIT;
	struct table t = { NULL, 9, 0, 0 };

	(void)argv;
	if (argc != 0)
		die(2, "exporters: no arguments");
	store_window(&S, O.window_ms, O.until_ms);
	ids = store_members(&S, SCHEMA_EXPORTER, &n);
	if (n == 0)
		die(1, "no exporter has sent anything to the collector writing under \"%s\"", S.prefix);
	w = calloc(n, sizeof(*w));
	h = calloc(n, sizeof(*h));
	if (!w || !h)
		die(1, "out of memory");
	for (unsigned i = 0; i < n; i++) {
		store_sum_append(&S, SCHEMA_EXPORTER, ids[i]);
		store_append(&S, "HGETALL %sexporter:%s", S.prefix, ids[i]);
	}
	for (unsigned i = 0; i < n; i++) {
		w[i] = store_sum_reply(&S, NULL);
		h[i] = store_reply(&S);
	}
	if (O.json) {
		sbuf_printf(&s, "{");
		json_window(&s);
		sbuf_printf(&s, ",\"exporters\":[");
	} else {
		print_window("Exporters");
		t_row(&t, "EXPORTER", "RECORDS", "BYTES", "LOST", "LOSS", "TEMPLATES", "TOTAL RECORDS",
		      "LAST SEEN", "STATUS");
	}
	for (unsigned i = 0; i < n; i++) {
		uint64_t rec = 0, lost = 0, last = 0, tmpl = 0;
		bool has_t = false;
		const char *status;
		double loss;
		for (size_t k = 0; k + 1 < h[i]->elements; k += 2) {
			const char *f = h[i]->element[k]->str, *v = h[i]->element[k + 1]->str;
			if (strcmp(f, "records") == 0)
				rec = strtoull(v, NULL, 10);
			else if (strcmp(f, "lost") == 0)
				lost = (uint64_t)strtoll(v, NULL, 10);
			else if (strcmp(f, "last_seen_ms") == 0)
				last = strtoull(v, NULL, 10);
			else if (strcmp(f, "templates") == 0)
				tmpl = strtoull(v, NULL, 10), has_t = true;
		}
		{
			/* lost out of sent (received + lost) in the window; a
			 * late datagram can make a window's lost negative */
			uint64_t gone = w[i].lost > 0 ? (uint64_t)w[i].lost : 0;
			loss = w[i].flows + gone ? (double)gone / (double)(w[i].flows + gone) : 0;
		}
		status = last && now > last + 300000 ? "silent" : loss > 0.001 ? "losing" : "ok";
		if (O.json) {
			sbuf_printf(&s, "%s{\"exporter\":", i ? "," : "");
			json_str(&s, ids[i]);
			sbuf_printf(&s, ",\"window\":{\"records\":%llu,\"bytes\":%llu,\"packets\":%llu,\"lost\":%lld,"
			            "\"loss\":%.6f},\"records\":%llu,\"lost\":%llu,\"last_seen_ms\":%llu,\"templates\":",
			            (unsigned long long)w[i].flows, (unsigned long long)w[i].bytes,
			            (unsigned long long)w[i].packets, (long long)w[i].lost, loss,
			            (unsigned long long)rec, (unsigned long long)lost, (unsigned long long)last);
			if (has_t)
				sbuf_printf(&s, "%llu", (unsigned long long)tmpl);
			else
				sbuf_printf(&s, "null");
			sbuf_printf(&s, ",\"status\":\"%s\"}", status);
		} else {
			char r1[32], by[32], lo[32], ls[32], tp[32], tr[32], seen[40];
			cell_u64(w[i].flows, r1, sizeof(r1));
			cell_bytes(w[i].bytes, by, sizeof(by));
			snprintf(lo, sizeof(lo), "%lld", (long long)w[i].lost);
			snprintf(ls, sizeof(ls), "%.2f%%", loss * 100);
			if (has_t)
				cell_u64(tmpl, tp, sizeof(tp));
			else
				snprintf(tp, sizeof(tp), "-");
			cell_u64(rec, tr, sizeof(tr));
			if (last)
				fmt_time(last, seen, sizeof(seen));
			else
				snprintf(seen, sizeof(seen), "-");
			t_row(&t, ids[i], r1, by, lo, ls, tp, tr, seen, status);
		}
		freeReplyObject(h[i]);
	}
	if (O.json) {
		sbuf_printf(&s, "]}");
		json_out(&s);
	} else {
		t_print(&t, "");
		printf("(RECORDS, BYTES, LOST, LOSS: in the window; TOTAL RECORDS: since the counters began;\n"
		       " silent: nothing for 5 minutes; losing: more than 0.1%% of records lost)\n");
	}
	free(w);
	free(h);
	store_free_list(ids, n);
	return 0;
}

/* --- main ------------------------------------------------------------------ */

enum {   /* long options without a letter */
	OPT_REDIS_USER = 256, OPT_REDIS_PASSWORD, OPT_REDIS_PASSWORD_FILE, OPT_REDIS_DB,
};

/* The first line of path (without its end of line), or die: the Redis
 * password kept out of the command line. */
static char *read_password(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (f == NULL)
		die(2, "--redis-password-file %s: %s", path, strerror(errno));
	n = getline(&line, &cap, f);
	fclose(f);
	if (n < 0) {
		free(line);
		die(2, "--redis-password-file %s: empty", path);
	}
	line[strcspn(line, "\r\n")] = 0;
	if (*line == 0) {
		free(line);
		die(2, "--redis-password-file %s: the first line is empty", path);
	}
	return line;
}

static void usage(FILE *fp)
{
	fprintf(fp,
	"usage: anemone [--redis HOST[:PORT]|PATH] [--prefix P] [--ospf-prefix P]\n"
	"               [--redis-user NAME] [--redis-password-file FILE] [--redis-db N]\n"
	"               [--window DURATION] [--until TIME] [--json] COMMAND ...\n"
	"commands:\n"
	"  top links|pairs|talkers|prefixes [-n N]   the busiest, by bytes in the window\n"
	"  link A-B                 one link's load, per bucket, and who causes it\n"
	"  path SRC DST             routers and links between two addresses, every\n"
	"                           equal-cost branch\n"
	"  whatif [--fail-link A-B] [--fail-router R] [--cost A-B=N] [--threshold PCT]\n"
	"                           the window's traffic re-routed on a changed topology\n"
	"  topo --svg FILE [--png FILE] [--dot FILE]   draw the topology with its load\n"
	"  events [-n N]            the newest OSPF topology events\n"
	"  exporters                exporter health: records, loss, templates, last seen\n"
	"A-B: router ids or names; a link to a LAN as ROUTER-NETWORK.  --window: 1h by\n"
	"default (30m, 1d, ...); --until: the end of the window (default: the newest\n"
	"data), as 2026-11-02T18:00Z or epoch seconds.  The Redis password: the\n"
	"environment's ANEMONE_REDIS_PASSWORD, the first line of --redis-password-file,\n"
	"or --redis-password PASSWORD (seen by other users in the process list).\n"
	"See anemone(1).\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "redis", required_argument, NULL, 'R' },
		{ "prefix", required_argument, NULL, 'P' },
		{ "ospf-prefix", required_argument, NULL, 'O' },
		{ "window", required_argument, NULL, 'w' },
		{ "until", required_argument, NULL, 'u' },
		{ "json", no_argument, NULL, 'j' },
		{ "svg", required_argument, NULL, 's' },
		{ "png", required_argument, NULL, 'p' },
		{ "dot", required_argument, NULL, 'd' },
		{ "fail-link", required_argument, NULL, 'L' },
		{ "fail-router", required_argument, NULL, 'F' },
		{ "cost", required_argument, NULL, 'C' },
		{ "threshold", required_argument, NULL, 't' },
		{ "redis-user", required_argument, NULL, OPT_REDIS_USER },
		{ "redis-password", required_argument, NULL, OPT_REDIS_PASSWORD },
		{ "redis-password-file", required_argument, NULL, OPT_REDIS_PASSWORD_FILE },
		{ "redis-db", required_argument, NULL, OPT_REDIS_DB },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *redis = "127.0.0.1:6379", *cmd, *ruser = NULL, *rpass = NULL, *rpfile = NULL;
	char *rpass_read = NULL;
	int rdb = 0;
	struct rconn_conf rc;
	char hostbuf[256], ep[300];
	int opt, rv;
	uint64_t v;

	O.window_ms = 3600000;
	O.n = 10;
	O.threshold = 0.8;
	S.prefix = "anemone:";
	S.ospf_prefix = NULL;
	while ((opt = getopt_long(argc, argv, "n:jhV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'R': redis = optarg; break;
		case OPT_REDIS_USER: ruser = optarg; break;
		case OPT_REDIS_PASSWORD: rpass = optarg; break;
		case OPT_REDIS_PASSWORD_FILE: rpfile = optarg; break;
		case OPT_REDIS_DB:
			if (parse_uint(optarg, 0, 1u << 20, &v) < 0)
				die(2, "--redis-db %s: a database number", optarg);
			rdb = (int)v;
			break;
		case 'P': S.prefix = optarg; break;
		case 'O': S.ospf_prefix = optarg; break;
		case 'w': {
			size_t l = strlen(optarg);
			if (l > 1 && optarg[l - 1] == 'd' && parse_uint(strndupa(optarg, l - 1), 1, 400, &v) == 0)
				O.window_ms = v * 86400000;
			else if (parse_duration_ms(optarg, &O.window_ms) < 0 || O.window_ms < 1000)
				die(2, "--window %s: a duration (90s, 30m, 1h, 1d)", optarg);
			break;
		}
		case 'u':
			if (parse_time(optarg, &O.until_ms) < 0)
				die(2, "--until %s: a time, as 2026-11-02T18:00Z or epoch seconds", optarg);
			break;
		case 'j': O.json = true; break;
		case 'n':
			if (parse_uint(optarg, 1, 100000, &v) < 0)
				die(2, "-n %s: a count, 1 to 100000", optarg);
			O.n = (unsigned)v;
			break;
		case 's': O.svg = optarg; break;
		case 'p': O.png = optarg; break;
		case 'd': O.dot = optarg; break;
		case 'L':
		case 'F':
		case 'C':
			if (O.norder == 3 * MAX_CHANGES || O.nfail_link + O.nfail_router + O.ncost >= MAX_CHANGES)
				die(2, "at most %d changes", MAX_CHANGES);
			if (opt == 'L')
				O.fail_link[O.nfail_link++] = optarg, O.order[O.norder++] = 0;
			else if (opt == 'F')
				O.fail_router[O.nfail_router++] = optarg, O.order[O.norder++] = 1;
			else
				O.cost[O.ncost++] = optarg, O.order[O.norder++] = 2;
			break;
		case 't': {
			char *end;
			double d = strtod(optarg, &end);
			if (end == optarg || (*end && strcmp(end, "%") != 0) || d <= 0 || d > 1000)
				die(2, "--threshold %s: a percentage of capacity (80)", optarg);
			O.threshold = d / 100.0;
			break;
		}
		case 'V': printf("anemone %s\n", PACKAGE_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (!S.ospf_prefix)
		S.ospf_prefix = S.prefix;
	cmd = argv[optind++];
	argc -= optind;
	argv += optind;
	if (O.norder && strcmp(cmd, "whatif") != 0)
		die(2, "--fail-link, --fail-router and --cost go with whatif");
	if ((O.svg || O.png || O.dot) && strcmp(cmd, "topo") != 0)
		die(2, "--svg, --png and --dot go with topo");
	if (rconn_parse(redis, &rc, hostbuf, sizeof(hostbuf)) < 0)
		die(2, "--redis %s: HOST[:PORT], [IPV6]:PORT or a socket path", redis);
	if (rpass == NULL && rpfile != NULL)
		rpass = rpass_read = read_password(rpfile);
	if (rpass == NULL && (rpass = getenv("ANEMONE_REDIS_PASSWORD")) != NULL && *rpass == 0)
		rpass = NULL;
	if (rc.unix_path)
		snprintf(ep, sizeof(ep), "%s", rc.unix_path);
	else
		snprintf(ep, sizeof(ep), strchr(rc.host, ':') ? "[%s]:%u" : "%s:%u", rc.host, rc.port);
	if (strcmp(cmd, "top") == 0 || strcmp(cmd, "link") == 0 || strcmp(cmd, "path") == 0 ||
	    strcmp(cmd, "whatif") == 0 || strcmp(cmd, "topo") == 0 || strcmp(cmd, "events") == 0 ||
	    strcmp(cmd, "exporters") == 0)
		store_open(&S, ep, rc.host, rc.port, rc.unix_path, 10000, ruser, rpass, rdb);
	else
		die(2, "unknown command '%s' (top, link, path, whatif, topo, events, exporters)", cmd);
	store_load_names(&S);
	if (strcmp(cmd, "top") == 0)
		rv = cmd_top(argc, argv);
	else if (strcmp(cmd, "link") == 0)
		rv = cmd_link(argc, argv);
	else if (strcmp(cmd, "path") == 0)
		rv = cmd_path(argc, argv);
	else if (strcmp(cmd, "whatif") == 0)
		rv = cmd_whatif(argc, argv);
	else if (strcmp(cmd, "topo") == 0)
		rv = cmd_topo(argc, argv);
	else if (strcmp(cmd, "events") == 0)
		rv = cmd_events(argc, argv);
	else
		rv = cmd_exporters(argc, argv);
	store_close(&S);
	free(rpass_read);
	if (fflush(stdout) != 0 || ferror(stdout))
		die(1, "writing the output: %s", strerror(errno));
	return rv;
}
