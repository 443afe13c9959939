/*
 * anemone topo --svg FILE [--png FILE] [--dot FILE]: the topology drawn
 * by Graphviz (neato) with the window's load: one edge per point-to-point
 * link and per router attachment to a LAN, width by traffic, colour by
 * the utilisation of the busier direction.  A dual-stack network's OSPFv3
 * topology is drawn on the same routers: an edge both versions have says
 * so ("v4+v6", and OSPFv3's costs where they differ), one only OSPFv3 has
 * is dashed ("IPv6 only"), a router only in OSPFv3 is drawn too.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

struct edge {
	uint32_t a, b;               /* undirected: router a, router b or the LAN's id */
	bool net;                    /* a router and a LAN */
	uint64_t ab, ba;             /* bytes each way */
	uint32_t cab, cba;           /* costs */
	uint64_t cap;
	uint8_t fam;                 /* 1: OSPFv2, 2: OSPFv3, 3: both */
	uint32_t cab6, cba6;         /* OSPFv3's costs (fam & 2) */
};

struct topo_result {
	const struct net *nt;        /* the topology drawn */
	bool traffic;                /* the window holds traffic */
	struct edge *e;
	unsigned ne;
	uint64_t maxb;               /* the busiest direction's bytes, at least 1 */
	struct sbuf dot;             /* the Graphviz text */
	unsigned ne6, nr6;           /* edges and routers only OSPFv3 has */
	uint32_t *r6;                /* those routers */
};

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

/* Run a Graphviz layout over the DOT text into file out as format (svg,
 * png); die when it fails.  Cost: a fork and neato's run. */
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

/* The edges of the topology with the window's matrix routed on them. */
/* The OSPFv2 network with the same attached routers as OSPFv3 network n
 * of t6 (the same LAN), or 0. */
static uint32_t twin_net(const struct net *nt, const struct topo_network *n)
{
	for (unsigned i = 0; i < nt->t->nn; i++) {
		const struct topo_network *m = &nt->t->n[i];
		unsigned k = 0;
		if (m->area != n->area || m->n != n->n)
			continue;
		for (; k < n->n; k++) {
			unsigned j = 0;
			while (j < m->n && nt->t->att[m->first + j] != nt->t6->att[n->first + k])
				j++;
			if (j == m->n)
				break;
		}
		if (k == n->n)
			return m->id;
	}
	return 0;
}

static bool have_router(const struct topo *t, uint32_t id)
{
	for (unsigned i = 0; i < t->nr; i++)
		if (t->r[i].id == id)
			return true;
	return false;
}

/* OSPFv3's two-way links onto the edges: one OSPFv2 has (the same two
 * routers, or a router and the same LAN) becomes both versions'; the rest
 * are added, OSPFv3's only.  Returns the number of edges. */
static unsigned overlay6(struct cli *c, const struct net *nt, struct topo_result *r,
                         struct edge *e, unsigned ne)
{
	const struct topo *t6 = nt->t6;

	for (unsigned i = 0; i < t6->nl; i++) {
		const struct topo_link *l = &t6->l[i];
		uint32_t b = l->b;
		bool net = l->type == LINK_TRANSIT, found = false;
		if (!l->two_way)
			continue;
		if (net) {                        /* the LAN: its OSPFv2 twin's id */
			uint32_t twin = 0;
			for (unsigned k = 0; k < t6->nn && !twin; k++)
				if (t6->n[k].dr == l->b && t6->n[k].id == l->b_addr &&
				    t6->n[k].area == l->area)
					twin = twin_net(nt, &t6->n[k]);
			b = twin ? twin : l->b;
		}
		for (unsigned j = 0; j < ne && !found; j++) {
			struct edge *x = &e[j];
			if (x->net != net || !(x->fam & 1))
				continue;
			if (net ? x->a == l->a && x->b == b
			        : (x->a == l->a && x->b == b) || (x->a == b && x->b == l->a)) {
				bool same_dir = x->a == l->a;
				x->fam |= 2;
				x->cab6 = same_dir ? l->cost_ab : l->cost_ba;
				x->cba6 = same_dir ? l->cost_ba : l->cost_ab;
				found = true;
			}
		}
		if (found)
			continue;
		e[ne] = (struct edge){ .a = l->a, .b = b, .net = net, .fam = 2, .cab = l->cost_ab,
		                       .cba = l->cost_ba, .cab6 = l->cost_ab, .cba6 = l->cost_ba };
		if (!net)
			e[ne].cap = store_capacity(&c->st, l->a, b);
		ne++;
		r->ne6++;
	}
	if ((r->r6 = calloc(t6->nr + 1, sizeof(*r->r6))) == NULL)
		die(1, "out of memory");
	for (unsigned i = 0; i < t6->nr; i++)
		if (!have_router(nt->t, t6->r[i].id) &&
		    (r->nr6 == 0 || r->r6[r->nr6 - 1] != t6->r[i].id))
			r->r6[r->nr6++] = t6->r[i].id;
	return ne;
}

static void topo_edges(struct cli *c, struct net *nt, struct topo_result *r)
{
	struct pair_load *mx = NULL;
	unsigned np = 0, ne = 0;
	struct routed rt;
	struct edge *e;

	if (r->traffic)
		mx = cli_matrix(c, &np);
	net_route_matrix(nt, mx, np, &rt);
	free(mx);
	e = calloc(nt->t->nl + nt->t6->nl + 1, sizeof(*e));
	if (e == NULL)
		die(1, "out of memory");
	for (unsigned i = 0; i < nt->t->nl; i++) {
		const struct topo_link *l = &nt->t->l[i];
		if (!l->two_way)
			continue;
		e[ne].a = l->a;
		e[ne].b = l->b;
		e[ne].net = l->type == LINK_TRANSIT;
		e[ne].cab = l->cost_ab;
		e[ne].cba = l->cost_ba;
		if (!e[ne].net)
			e[ne].cap = store_capacity(&c->st, l->a, l->b);
		e[ne].fam = 1;
		ne++;
	}
	ne = overlay6(c, nt, r, e, ne);
	for (unsigned i = 0; i < rt.nlinks; i++) {
		const struct link_load *l = &rt.links[i];
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
	routed_free(&rt);
	r->maxb = 1;
	for (unsigned j = 0; j < ne; j++) {
		/* a LAN attachment's capacity: the smallest capacity of its router's
		 * links across it (a capacity configured for a point-to-point link
		 * between the same two routers also answers for their hop across
		 * the LAN: "A-B" names both) */
		if (e[j].net)
			for (unsigned i = 0; i < nt->t->nl; i++) {
				const struct topo_link *l = &nt->t->l[i];
				uint64_t cp;
				if (l->type != LINK_TRANSIT || l->b != e[j].b || l->a == e[j].a)
					continue;
				cp = store_capacity(&c->st, e[j].a, l->a);
				if (cp && (e[j].cap == 0 || cp < e[j].cap))
					e[j].cap = cp;
			}
		if (e[j].ab > r->maxb)
			r->maxb = e[j].ab;
		if (e[j].ba > r->maxb)
			r->maxb = e[j].ba;
	}
	r->e = e;
	r->ne = ne;
}

/* The Graphviz text of the topology and its edges into r->dot. */
static void topo_dot(const struct cli *c, const struct net *nt, struct topo_result *r)
{
	struct sbuf *d = &r->dot;
	char f[40], u[40];

	sbuf_printf(d, "graph anemone {\n  graph [overlap=prism, overlap_scaling=2, splines=true, "
	            "sep=\"+16\", fontname=\"Helvetica\", start=1, label=\"");
	fmt_time(c->st.from_ms, f, sizeof(f));
	fmt_time(c->st.until_ms, u, sizeof(u));
	if (r->traffic)
		sbuf_printf(d, "OSPF topology, traffic %s to %s\\nlinks: OSPF costs each way, "
		            "utilisation of the busier direction; width by traffic, colour by "
		            "utilisation\\n(green < 30%%, olive < 60%%, orange < 80%%, red >= 80%%, "
		            "grey: no capacity configured)", f, u);
	else
		sbuf_printf(d, "OSPF topology (no traffic in the window %s to %s)", f, u);
	sbuf_printf(d, "\", labelloc=t, fontsize=12];\n"
	            "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#eef3fb\", fontname=\"Helvetica\", fontsize=11];\n"
	            "  edge [fontname=\"Helvetica\", fontsize=9, len=1.6];\n");
	for (unsigned i = 0; i < nt->t->nr; i++) {
		const struct topo_router *rt = &nt->t->r[i];
		char ip[16];
		const char *nm = store_name(&c->st, rt->id);
		if (i && nt->t->r[i - 1].id == rt->id)
			continue;                    /* an ABR, in several areas */
		ip4_format(rt->id, ip);
		sbuf_printf(d, "  \"%s\" [id=\"router-%s\", label=\"%s%s%s\"];\n", ip, ip, nm ? nm : ip,
		            nm ? "\\n" : "", nm ? ip : "");
	}
	for (unsigned i = 0; i < r->nr6; i++) {
		char ip[16];
		const char *nm = store_name(&c->st, r->r6[i]);
		ip4_format(r->r6[i], ip);
		sbuf_printf(d, "  \"%s\" [id=\"router-%s\", style=\"rounded,filled,dashed\", "
		            "label=\"%s%s%s\\n(IPv6 only)\"];\n", ip, ip, nm ? nm : ip, nm ? "\\n" : "",
		            nm ? ip : "");
	}
	for (unsigned i = 0; i < nt->t6->nn; i++) {
		const struct topo_network *n = &nt->t6->n[i];
		char ip[16];
		if (twin_net(nt, n) != 0)
			continue;                    /* the OSPFv2 LAN node stands for it */
		ip4_format(n->dr, ip);
		sbuf_printf(d, "  \"net-%s\" [id=\"network6-%s-%u\", shape=ellipse, style=\"filled,dashed\", "
		            "fillcolor=\"#f5f5f5\", label=\"LAN (IPv6 only)\\nDR %s\"];\n", ip, ip, n->id, ip);
	}
	for (unsigned i = 0; i < nt->t->nn; i++) {
		char ip[16], pf[16];
		const struct topo_network *n = &nt->t->n[i];
		ip4_format(n->id, ip);
		ip4_format(n->id & n->mask, pf);
		sbuf_printf(d, "  \"net-%s\" [id=\"network-%s\", shape=ellipse, fillcolor=\"#f5f5f5\", "
		            "label=\"LAN\\n%s/%d\"];\n", ip, ip, pf, __builtin_popcount(n->mask));
	}
	for (unsigned j = 0; j < r->ne; j++) {
		const struct edge *e = &r->e[j];
		char ia[16], ib[16], ca[32], cb[32], ut[64] = "";
		uint64_t top = e->ab > e->ba ? e->ab : e->ba;
		double u = e->cap ? (double)cli_bps(c, top) / (double)e->cap : 0;
		double width = 1.0 + 9.0 * sqrt((double)top / (double)r->maxb);
		ip4_format(e->a, ia);
		ip4_format(e->b, ib);
		fmt_rate((double)cli_bps(c, e->ab), ca, sizeof(ca));
		fmt_rate((double)cli_bps(c, e->ba), cb, sizeof(cb));
		if (e->cap && r->traffic)
			snprintf(ut, sizeof(ut), "\\n%.0f%%", u * 100);
		if (e->fam == 2) {               /* OSPFv3 only: costs, dashed */
			if (e->net)
				sbuf_printf(d, "  \"%s\" -- \"net-%s\" [id=\"link6-%s-%s\", style=dashed, "
				            "label=\"%u\\nIPv6 only\"];\n", ia, ib, ia, ib, e->cab6);
			else
				sbuf_printf(d, "  \"%s\" -- \"%s\" [id=\"link6-%s-%s\", style=dashed, "
				            "label=\"%u/%u\\nIPv6 only\"];\n", ia, ib, ia, ib, e->cab6, e->cba6);
			continue;
		}
		if (e->fam == 3 && (e->cab6 != e->cab || (!e->net && e->cba6 != e->cba))) {
			size_t n = strlen(ut);
			if (e->net)
				snprintf(ut + n, sizeof(ut) - n, "\\nv6 %u", e->cab6);
			else
				snprintf(ut + n, sizeof(ut) - n, "\\nv6 %u/%u", e->cab6, e->cba6);
		} else if (e->fam == 3) {
			size_t n = strlen(ut);
			snprintf(ut + n, sizeof(ut) - n, "\\nv4+v6");
		}
		/* the label: costs and utilisation; the rates each way in the tooltip */
		if (e->net)
			sbuf_printf(d, "  \"%s\" -- \"net-%s\" [id=\"link-%s-%s\", penwidth=%.2f, color=\"%s\", "
			            "label=\"%u%s\", tooltip=\"%s onto the LAN %s, %s off it\"];\n", ia, ib, ia, ib,
			            width, util_colour(u, e->cap != 0), e->cab, ut, ia, ca, cb);
		else
			sbuf_printf(d, "  \"%s\" -- \"%s\" [id=\"link-%s-%s\", penwidth=%.2f, color=\"%s\", "
			            "label=\"%u/%u%s\", tooltip=\"%s to %s %s, back %s\"];\n", ia, ib, ia, ib,
			            width, util_colour(u, e->cap != 0), e->cab, e->cba, ut, ia, ib, ca, cb);
	}
	sbuf_printf(d, "}\n");
	if (!sbuf_ok(d))
		die(1, "out of memory");
}

/* {"window","routers","networks","edges","files"}: what was drawn where. */
static void drawing_json(const struct cli *c, const void *res_)
{
	const struct topo_result *r = res_;
	const struct net *nt = r->nt;
	const char *fl[3] = { c->o.svg, c->o.png, c->o.dot };
	struct sbuf s = SBUF_INIT;
	int first = 1;

	sbuf_printf(&s, "{");
	cli_json_window(c, &s);
	sbuf_printf(&s, ",\"routers\":%u,\"networks\":%u,\"edges\":%u,", nt->t->nr, nt->t->nn, r->ne);
	if (nt->t6->nr > 0)
		sbuf_printf(&s, "\"ospfv3\":{\"routers\":%u,\"edges_ipv6_only\":%u,"
		            "\"routers_ipv6_only\":%u},", nt->t6->nr, r->ne6, r->nr6);
	sbuf_printf(&s, "\"files\":[");
	for (int i = 0; i < 3; i++)
		if (fl[i]) {
			sbuf_printf(&s, "%s", first ? "" : ",");
			json_str(&s, fl[i]);
			first = 0;
		}
	sbuf_printf(&s, "]}");
	json_out(&s);
}

/* One line: routers, LANs, links drawn, the files written. */
static void drawing_text(const struct cli *c, const void *res_)
{
	const struct topo_result *r = res_;
	const struct net *nt = r->nt;
	printf("Topology: %u routers, %u LAN%s, %u links drawn", nt->t->nr, nt->t->nn,
	       nt->t->nn == 1 ? "" : "s", r->ne);
	if (nt->t6->nr > 0)
		printf(" (OSPFv3 too: %u routers; %u links and %u routers IPv6 only)", nt->t6->nr,
		       r->ne6, r->nr6);
	if (c->o.svg)
		printf("; SVG %s", c->o.svg);
	if (c->o.png)
		printf("; PNG %s", c->o.png);
	if (c->o.dot)
		printf("; DOT %s", c->o.dot);
	printf("\n");
}

static const struct cli_render drawing_render = { drawing_text, drawing_json, NULL };

/* topo: the topology and the window's load, the DOT text, then the files
 * (DOT written here, SVG and PNG by neato).  --csv is refused by main. */
int cmd_topo(struct cli *c, int argc, char **argv)
{
	struct topo_result r = { .dot = SBUF_INIT };
	struct net nt;
	unsigned n;

	(void)argv;
	if (argc != 0)
		die(2, "topo: options only (--svg FILE, --png FILE, --dot FILE)");
	if (!c->o.svg && !c->o.png && !c->o.dot)
		die(2, "topo: give --svg FILE (and/or --png FILE, --dot FILE)");
	cli_open_net(c, &nt);
	store_load_names(&c->st);
	store_window(&c->st, c->o.window_ms, c->o.until_ms);
	store_sum(&c->st, SCHEMA_TOTAL, NULL, &n);
	r.traffic = n > 0;
	r.nt = &nt;
	topo_edges(c, &nt, &r);
	topo_dot(c, &nt, &r);
	if (c->o.dot) {
		FILE *f = fopen(c->o.dot, "w");
		if (f == NULL || fputs(sbuf_str(&r.dot), f) < 0 || fclose(f) != 0)
			die(1, "%s: %s", c->o.dot, strerror(errno));
	}
	if (c->o.svg)
		graphviz(sbuf_str(&r.dot), "svg", c->o.svg);
	if (c->o.png)
		graphviz(sbuf_str(&r.dot), "png", c->o.png);
	cli_render(c, &drawing_render, &r);
	sbuf_free(&r.dot);
	free(r.e);
	free(r.r6);
	net_close(&nt);
	return 0;
}
