/*
 * What every anemone command shares: the options, the Redis store, the
 * command table's function type, and the questions several commands ask
 * (the window's traffic matrix, the topology, a link named "A-B", a
 * router's label).  Commands live in cli/cmd_NAME.c: each reads what it
 * needs into a result struct, then prints it as text, JSON or CSV.
 */
#ifndef ANEMONE_CLI_H
#define ANEMONE_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "out.h"
#include "routing.h"
#include "sbuf.h"
#include "scenario.h"
#include "store.h"

#define CLI_MAX_CHANGES 64

/* The command line, read-only once parsed (main.c). */
struct cli_opts {
	uint64_t window_ms, until_ms;
	enum out_fmt fmt;
	unsigned n;                  /* -n: rows of a top list, events */
	double threshold;            /* whatif: utilisation, 0..1+; check: the
	                                difference allowed, a fraction */
	bool threshold_set;          /* given (--threshold) */
	bool interfaces;             /* exporters --interfaces */
	const char *svg, *png, *dot; /* topo's files */
	/* whatif's changes as given, resolved once names are loaded;
	 * order: 0 link, 1 router, 2 cost, in command-line order */
	const char *fail_link[CLI_MAX_CHANGES], *fail_router[CLI_MAX_CHANGES], *cost[CLI_MAX_CHANGES];
	unsigned nfail_link, nfail_router, ncost;
	int order[3 * CLI_MAX_CHANGES];
	unsigned norder;
};

struct cli {
	struct store st;
	struct cli_opts o;
};

/* A command: argc/argv are its own arguments (after the name).  Returns
 * the exit status; errors die (1: failure, 2: usage). */
typedef int (*cli_cmd_fn)(struct cli *c, int argc, char **argv);

int cmd_top(struct cli *c, int argc, char **argv);
int cmd_link(struct cli *c, int argc, char **argv);
int cmd_path(struct cli *c, int argc, char **argv);
int cmd_whatif(struct cli *c, int argc, char **argv);
int cmd_topo(struct cli *c, int argc, char **argv);
int cmd_events(struct cli *c, int argc, char **argv);
int cmd_exporters(struct cli *c, int argc, char **argv);
int cmd_check(struct cli *c, int argc, char **argv);

/* How a command prints its result: one function per format, each given
 * the result struct the command filled.  csv is NULL for a command
 * without a table (main refuses --csv for it before it runs). */
struct cli_render {
	void (*text)(const struct cli *c, const void *res);
	void (*json)(const struct cli *c, const void *res);
	void (*csv)(const struct cli *c, const void *res);
};
/* Print res in the format of the options. */
void cli_render(const struct cli *c, const struct cli_render *r, const void *res);

/* --- the window (after store_window) --------------------------------------- */

/* Seconds of the window. */
double cli_window_s(const struct cli *c);
/* bits/s over the window of so many bytes, rounded to an integer. */
uint64_t cli_bps(const struct cli *c, uint64_t bytes);
/* Die (1) when the window holds no traffic, naming the newest bucket. */
void cli_need_traffic(struct cli *c);
/* A link's or a router pair's sums over the window. */
struct id_sums {
	char id[40];                 /* "A-B" as in the key names */
	uint32_t a, b;               /* its routers (a pair: ingress, egress) */
	struct sums s;
};
/* Every link or pair (kind SCHEMA_LINK, SCHEMA_PAIR) of the collector's
 * index with bytes or packets in the window, in the index's (sorted)
 * order; *n of them, free() the array.  Cost: one pipelined XRANGE per
 * member of the index. */
struct id_sums *cli_sums_by_id(struct cli *c, enum schema_kind kind, unsigned *n);
/* The window's traffic matrix: every router pair with bytes or packets;
 * *np pairs, free() the array.  Cost: that of cli_sums_by_id. */
struct pair_load *cli_matrix(struct cli *c, unsigned *np);

/* "What, 2026-11-02 14:00Z to 2026-11-02 15:00Z (3600 s, 1h buckets)". */
void cli_print_window(const struct cli *c, const char *what);
/* "window":{...} */
void cli_json_window(const struct cli *c, struct sbuf *b);
/* "key":"a.b.c.d","key_name":"..."|null */
void cli_json_router(const struct cli *c, struct sbuf *b, const char *key, uint32_t id);
/* "name (a.b.c.d)" or "a.b.c.d"; "A -> B" of two such labels. */
void cli_label(const struct cli *c, uint32_t id, char *buf, size_t len);
void cli_link_label(const struct cli *c, uint32_t a, uint32_t b, char *buf, size_t len);


/* --- the topology ---------------------------------------------------------- */

/* ospfmon's database from Redis, opened for routing; die when absent. */
void cli_open_net(struct cli *c, struct net *n);
/* "A-B" with routers named or given by id (names may hold '-'): the one
 * split where both sides are routers.  b may be a transit network when
 * allow_net (*is_net set).  Dies (2) naming arg when it is not a link. */
void cli_parse_link(const struct cli *c, const struct net *nt, const char *arg, uint32_t *a,
                    uint32_t *b, int allow_net, int *is_net);

#endif
