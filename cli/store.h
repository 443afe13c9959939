/*
 * What the anemone command reads from Redis (keys built by schema.h,
 * documented in redis/SCHEMA.md): the time
 * window and its resolution, sums of the collector's streams over it, the
 * top-N sets, router names, capacities and the OSPF database ospfmon
 * publishes.  Every failure to talk to Redis ends the command with a
 * message (exit 1): a half-read answer is worse than none.
 */
#ifndef ANEMONE_STORE_H
#define ANEMONE_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#include "lsdb.h"
#include "out.h"
#include "schema.h"

struct store {
	redisContext *rc;
	const char *endpoint;
	const char *prefix;          /* the collector's key prefix, "anemone:" */
	const char *ospf_prefix;     /* ospfmon's */
	/* the window: buckets of resolution res starting in [from_ms, until_ms) */
	const char *res;
	uint64_t width_ms, from_ms, until_ms, newest_ms;
	/* router names (<prefix>router-names), sorted by id */
	struct rname { uint32_t id; char *name; } *names;
	unsigned nnames;
	/* link capacities (<prefix>capacity), sorted by (a, b); loaded on first use */
	struct store_cap { uint32_t a, b; uint64_t bps; } *caps;
	unsigned ncaps;
};

struct sums {
	uint64_t bytes, packets, flows;
	int64_t lost;
	uint64_t time_ms;            /* a series point: the bucket start */
};

/* Connect (timeout per command), authenticate (AUTH user password when
 * user is set, AUTH password when only password is) and SELECT db (when not
 * 0), or die with a message naming what failed. */
void store_open(struct store *s, const char *endpoint, const char *host, uint16_t port,
                const char *unix_path, uint32_t timeout_ms, const char *user,
                const char *password, int db);
void store_close(struct store *s);

/* Send a command, read its reply; die on a connection error or a Redis
 * error reply.  The reply is the caller's (freeReplyObject). */
/* A key built by redis/schema.h into k, or die when memory ran out. */
const char *store_key(const struct sbuf *k);

redisReply *store_cmd(struct store *s, const char *fmt, ...);
/* Pipelining: queue, then read the replies in order. */
void store_append(struct store *s, const char *fmt, ...);
redisReply *store_reply(struct store *s);

/* Choose the resolution and the window: window_ms long, ending at until_ms
 * (0: the end of the newest bucket written), read at the coarsest
 * resolution (of schema.h's table) with data whose buckets tile it (else
 * the finest there is).  Dies when
 * Redis holds no data of the collector's under the prefix. */
void store_window(struct store *s, uint64_t window_ms, uint64_t until_ms);

/* Sum over the window of the stream of kind and id (schema_series: the
 * total, a link, pair or exporter; id NULL for the total), *n: entries. */
struct sums store_sum(struct store *s, enum schema_kind kind, const char *id, unsigned *n);
/* Queue the XRANGE of that stream over the window; read it back
 * with store_sum_reply (sum) or store_series_reply (one point per bucket,
 * entries of the same bucket added; *n receives the count, free() it). */
void store_sum_append(struct store *s, enum schema_kind kind, const char *id);
struct sums store_sum_reply(struct store *s, unsigned *n);
struct sums *store_series_reply(struct store *s, unsigned *n);

/* The ids kind has series of (its index, schema_index: links, pairs,
 * exporters), sorted, *n; free with store_free_list. */
char **store_members(struct store *s, enum schema_kind kind, unsigned *n);
void store_free_list(char **l, unsigned n);
/* Whether id is in kind's index (it has a series). */
bool store_is_member(struct store *s, enum schema_kind kind, const char *id);

/* Router names. */
void store_load_names(struct store *s);
const char *store_name(const struct store *s, uint32_t id);   /* NULL if none */
/* "name (a.b.c.d)" or "a.b.c.d" into buf. */
const char *store_label(const struct store *s, uint32_t id, char *buf, size_t len);
/* A router given as a dotted quad or a name: 0 and *id, or -1. */
int store_router(const struct store *s, const char *arg, uint32_t *id);

/* The capacity of link "A-B" in bits/s (0: none configured). */
uint64_t store_capacity(struct store *s, uint32_t a, uint32_t b);

/* ospfmon's database (<ospf_prefix>ospf:lsdb), or die; *time_ms its time. */
struct lsdb *store_lsdb(struct store *s, uint64_t *time_ms, uint64_t *version);

/* Parsing what users type. */
int parse_ip(const char *s, uint32_t *out);                  /* host order */
/* A link or pair id "A-B" (router ids) into a and b; 0, or -1. */
int parse_link_id(const char *s, uint32_t *a, uint32_t *b);
/* "2026-11-02T18:00[:SS][Z]", "2026-11-02 18:00", epoch seconds; -1 if not. */
int parse_time(const char *s, uint64_t *ms);

#endif
