/*
 * The collector's Redis writer.  Each closed time bucket of each resolution
 * becomes one batch of commands (the keys are schema.h's, documented in
 * redis/SCHEMA.md), and
 * the number of commands grows with the distinct keys of the bucket, never
 * with the records.
 *
 * Batches are built by the caller (the collector's receiving thread) and
 * queued; a thread of the writer's own sends them, oldest first, so a Redis
 * that is slow or gone never holds up the caller: every function below
 * returns without waiting for Redis.  While Redis is unreachable, batches
 * queue in memory up to backlog_bytes; beyond that the oldest batch is
 * dropped, counted (batches and the records they summarised) and logged
 * once per outage (lib/rconn.c does the backoff).
 *
 * Nothing is applied twice.  Each batch carries a token: the writer's id
 * (the collector's, configured or hostname and listeners), a random nonce
 * drawn when the writer is created, and a sequence number.  The writer
 * keeps, under id and nonce, a marker key holding the highest sequence
 * number applied (refreshed with a time to live at each batch), and
 * applies a batch in an optimistic transaction: WATCH the marker and GET
 * it; at or above the batch's number the batch was applied already
 * (counted in duplicates, dropped); else MULTI, SET the marker to it, the
 * batch's commands, EXEC, which Redis runs only if the marker was not
 * touched meanwhile (a nil EXEC: look again).  The writer sends one batch
 * at a time, in order, the next only when Redis has answered the previous
 * one, and a transaction only once its GET was answered: writer.c's
 * send_batch says why a copy given up on can then never apply twice.  A
 * batch sent whose answer was lost is never dropped for the backlog bound:
 * it may have been applied, and only Redis can say.
 *
 * A HINCRBY that would pass INT64_MAX (or INT64_MIN) sets the field to that
 * bound instead (an HSET after EXEC), counted in saturated; the rest of the
 * batch applies.
 *
 * Thread-safety: the functions below are called from one thread (not the
 * writer's).  Cost: building a batch is linear in the keys of the bucket;
 * queueing is O(1) plus the drops.
 */
#ifndef REDIS_WRITER_H
#define REDIS_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agg.h"
#include "rconn.h"
#include "schema.h"

#define WRITER_DEFAULT_BACKLOG  (256u << 20)   /* bytes of queued commands */
#define WRITER_DEFAULT_TOP_N    100

struct writer_conf {
	struct rconn_conf redis;
	const char *prefix;          /* NULL: SCHEMA_DEFAULT_PREFIX */
	const char *id;              /* the writer's id in its marker key ("collector") */
	size_t backlog_bytes;
	unsigned top_n;
	const char *(*reason_name)(uint32_t reason);   /* AK_UNROUTED keys */
};

struct writer_stats {
	uint64_t batches_written;    /* batches applied */
	uint64_t commands_written;   /* commands in them */
	uint64_t batches_dropped;    /* backlog overflow */
	uint64_t records_dropped;    /* records summarised by the dropped batches */
	uint64_t exec_errors;        /* commands of a batch that failed */
	uint64_t duplicates;         /* batches Redis had applied already: refused */
	uint64_t saturated;          /* HINCRBYs set to the int64 bound instead */
	size_t   queued_batches, queued_bytes;
	uint64_t queued_records;     /* records summarised by the queued batches */
	uint64_t redis_errors, reconnects;
	bool     redis_up;
};

struct writer;

/* Creates the writer and starts its thread (signals blocked in it); does
 * not connect.  NULL when out of memory or the thread cannot start. */
struct writer *writer_new(const struct writer_conf *c);
/* Stops the thread, waiting for an attempt under way (at most the time
 * limit), and logs how many batches and records are left unwritten (with
 * why, when not NULL: "no batch written for 10 s").  They stay queued, and
 * counted in the statistics, until writer_free.  Called again: nothing. */
void writer_stop(struct writer *w, const char *why);
/* Stops the thread if writer_stop did not (logging the same) and frees the
 * writer and what is queued. */
void writer_free(struct writer *w);

/*
 * Queue the bucket [bucket_ms, bucket_ms + r->width_ms) of resolution r
 * with the counters of t.  `finest` marks the resolution whose buckets also
 * feed the cumulative counters and the indexes (once per record).
 * Returns 0, or -1 when out of memory (the bucket is then lost and counted).
 */
int writer_bucket(struct writer *w, const struct schema_res *r, bool finest,
                  uint64_t bucket_ms, const struct agg *t);

/* Queue a SET of key (prefix added) to value: the link document. */
int writer_set(struct writer *w, enum schema_key key, const char *value, size_t len);

/* Queue a DEL of key (prefix added). */
int writer_del(struct writer *w, enum schema_key key);

/* Queue an HSET of key (prefix added) with the fields of text, lines of
 * "name=value" (at most 128): the collector's statistics, capacities,
 * router names. */
int writer_hset_text(struct writer *w, enum schema_key key, const char *text);

/* The number of batches queued (the one being sent included).  The
 * writer's thread writes them as soon as Redis is due an attempt. */
size_t writer_tick(struct writer *w, uint64_t now_ms);

/* The same, and from now on the thread retries without the backoff (every
 * 100 ms): at exit, called until it returns 0 or the caller gives up (then
 * writer_stop).  The number falls as batches are written or refused as
 * copies: the caller's measure of progress. */
size_t writer_drain(struct writer *w, uint64_t now_ms);

void writer_stats(const struct writer *w, struct writer_stats *st);

#endif
