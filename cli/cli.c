/*
 * What several anemone commands ask (cli.h): the window's rates, its
 * traffic matrix, the topology and links named on the command line, and
 * routers as people read them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_render(const struct cli *c, const struct cli_render *r, const void *res)
{
	if (c->o.fmt == OUT_JSON)
		r->json(c, res);
	else if (c->o.fmt == OUT_CSV && r->csv != NULL)
		r->csv(c, res);
	else if (c->o.fmt == OUT_CSV)
		die(2, "no table to print as CSV");
	else
		r->text(c, res);
}

double cli_window_s(const struct cli *c)
{
	return (double)(c->st.until_ms - c->st.from_ms) / 1000.0;
}

uint64_t cli_bps(const struct cli *c, uint64_t bytes)
{
	uint64_t ms = c->st.until_ms - c->st.from_ms;
	return ms ? (uint64_t)((double)bytes * 8000.0 / (double)ms + 0.5) : 0;
}

void cli_need_traffic(struct cli *c)
{
	unsigned n;
	char f[40], u[40], w[40];

	store_sum(&c->st, SCHEMA_TOTAL, NULL, &n);
	if (n)
		return;
	fmt_time(c->st.from_ms, f, sizeof(f));
	fmt_time(c->st.until_ms, u, sizeof(u));
	fmt_time(c->st.newest_ms, w, sizeof(w));
	die(1, "no traffic in the window %s to %s (the newest %s bucket ends %s)", f, u, c->st.res, w);
}

struct id_sums *cli_sums_by_id(struct cli *c, enum schema_kind kind, unsigned *n)
{
	unsigned ni, k = 0;
	char **ids = store_members(&c->st, kind, &ni);
	struct id_sums *r = calloc(ni + 1, sizeof(*r));

	if (r == NULL)
		die(1, "out of memory");
	for (unsigned i = 0; i < ni; i++)
		store_sum_append(&c->st, kind, ids[i]);
	for (unsigned i = 0; i < ni; i++) {
		struct sums t = store_sum_reply(&c->st, NULL);
		if ((t.bytes == 0 && t.packets == 0) || parse_link_id(ids[i], &r[k].a, &r[k].b) < 0)
			continue;
		snprintf(r[k].id, sizeof(r[k].id), "%s", ids[i]);
		r[k].s = t;
		k++;
	}
	store_free_list(ids, ni);
	*n = k;
	return r;
}

struct pair_load *cli_matrix(struct cli *c, unsigned *np)
{
	unsigned n;
	struct id_sums *s = cli_sums_by_id(c, SCHEMA_PAIR, &n);
	struct pair_load *p = calloc(n + 1, sizeof(*p));

	if (p == NULL)
		die(1, "out of memory");
	for (unsigned i = 0; i < n; i++)
		p[i] = (struct pair_load){ s[i].a, s[i].b, s[i].s.bytes, s[i].s.packets, s[i].s.flows };
	free(s);
	*np = n;
	return p;
}


void cli_print_window(const struct cli *c, const char *what)
{
	char f[40], u[40];

	fmt_time(c->st.from_ms, f, sizeof(f));
	fmt_time(c->st.until_ms, u, sizeof(u));
	printf("%s, %s to %s (%llu s, %s buckets)\n", what, f, u,
	       (unsigned long long)((c->st.until_ms - c->st.from_ms) / 1000), c->st.res);
}

void cli_json_window(const struct cli *c, struct sbuf *b)
{
	char f[40], u[40];

	fmt_time(c->st.from_ms, f, sizeof(f));
	fmt_time(c->st.until_ms, u, sizeof(u));
	sbuf_printf(b, "\"window\":{\"from_ms\":%llu,\"until_ms\":%llu,\"from\":\"%s\",\"until\":\"%s\","
	            "\"seconds\":%llu,\"resolution\":\"%s\"}",
	            (unsigned long long)c->st.from_ms, (unsigned long long)c->st.until_ms, f, u,
	            (unsigned long long)((c->st.until_ms - c->st.from_ms) / 1000), c->st.res);
}

void cli_json_router(const struct cli *c, struct sbuf *b, const char *key, uint32_t id)
{
	sbuf_printf(b, "\"%s\":", key);
	sbuf_ipq(b, id);
	sbuf_printf(b, ",\"%s_name\":", key);
	json_str_or_null(b, store_name(&c->st, id));
}

void cli_label(const struct cli *c, uint32_t id, char *buf, size_t len)
{
	store_label(&c->st, id, buf, len);
}

void cli_link_label(const struct cli *c, uint32_t a, uint32_t b, char *buf, size_t len)
{
	char x[128], y[128];

	cli_label(c, a, x, sizeof(x));
	cli_label(c, b, y, sizeof(y));
	snprintf(buf, len, "%s -> %s", x, y);
}

void cli_open_net(struct cli *c, struct net *n)
{
	uint64_t t, v;
	struct lsdb *db = store_lsdb(&c->st, &t, &v);

	if (net_open(n, db, t) < 0)
		die(1, "out of memory");
}

void cli_parse_link(const struct cli *c, const struct net *nt, const char *arg, uint32_t *a,
                    uint32_t *b, int allow_net, int *is_net)
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
		if (store_router(&c->st, buf, &x) < 0 || !net_has_router(nt, x))
			continue;
		if (store_router(&c->st, arg + i + 1, &y) == 0 && net_has_router(nt, y)) {
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
