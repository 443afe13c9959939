/*
 * The collector's Redis writer.  Each closed time bucket of each resolution
 * becomes one batch of commands (the key layout is redis/SCHEMA.md), written
 * as one MULTI/EXEC transaction, so Redis sees every bucket whole or not at
 * all and the number of commands grows with the distinct keys of the bucket,
 * never with the records.
 *
 * While Redis is unreachable, batches queue in memory, oldest first, up to
 * backlog_bytes; beyond that the oldest batch is dropped, counted (batches
 * and the records they summarised) and logged once per outage.  The queue is
 * written in order when Redis is back (lib/rconn.c does the backoff).
 * A transaction whose EXEC reply is lost with the connection may be applied
 * twice; nothing else is.
 */
#ifndef REDIS_WRITER_H
#define REDIS_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agg.h"
#include "rconn.h"

#define WRITER_DEFAULT_PREFIX   "anemone:"
#define WRITER_DEFAULT_BACKLOG  (256u << 20)   /* bytes of queued commands */
#define WRITER_DEFAULT_TOP_N    100

/* One time resolution: its name in key names, bucket width, retention. */
struct writer_res {
	const char *name;            /* "10s", "1m", "1h" */
	uint64_t width_ms;
	uint64_t retention_ms;
};

struct writer_conf {
	struct rconn_conf redis;
	const char *prefix;
	size_t backlog_bytes;
	unsigned top_n;
	const char *(*reason_name)(uint32_t reason);   /* AK_UNROUTED keys */
};

struct writer_stats {
	uint64_t batches_written;    /* transactions committed */
	uint64_t commands_written;   /* commands inside them */
	uint64_t batches_dropped;    /* backlog overflow */
	uint64_t records_dropped;    /* records summarised by the dropped batches */
	uint64_t exec_errors;        /* commands that failed inside a transaction */
	size_t   queued_batches, queued_bytes;
	uint64_t redis_errors, reconnects;
	bool     redis_up;
};

struct writer;

struct writer *writer_new(const struct writer_conf *c);
void writer_free(struct writer *w);

/*
 * Queue the bucket [bucket_ms, bucket_ms + r->width_ms) of resolution r
 * with the counters of t.  `finest` marks the resolution whose buckets also
 * feed the cumulative counters and the indexes (once per record).
 * Returns 0, or -1 when out of memory (the bucket is then lost and counted).
 */
int writer_bucket(struct writer *w, const struct writer_res *r, bool finest,
                  uint64_t bucket_ms, const struct agg *t);

/* Queue a SET of key (prefix added) to value: the topology document, the
 * collector's statistics. */
int writer_set(struct writer *w, const char *key, const char *value, size_t len);

/* Queue a DEL of key (prefix added). */
int writer_del(struct writer *w, const char *key);

/* Queue an HSET of key (prefix added) with the fields of text, lines of
 * "name=value" (at most 128). */
int writer_hset_text(struct writer *w, const char *key, const char *text);

/* Write what is queued if Redis is due an attempt.  Returns the number of
 * batches still queued. */
size_t writer_tick(struct writer *w, uint64_t now_ms);

/* The same, without waiting for the backoff: at exit. */
size_t writer_drain(struct writer *w, uint64_t now_ms);

void writer_stats(const struct writer *w, struct writer_stats *st);

/* Build a key: prefix + the printf-formatted rest, into buf. */
const char *writer_key(const struct writer *w, char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
