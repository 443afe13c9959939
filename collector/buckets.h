/*
 * The collector's time buckets: the interval table (coll's) is the finest
 * resolution; when a bucket of a resolution ends it is handed to the Redis
 * writer and its counts merged into the open buckets of the coarser ones
 * (redis/SCHEMA.md).  The clock is passed in: arrival time, or the export
 * time the messages carry (--clock exporter).  Not thread-safe; the
 * receiving thread owns it.
 */
#ifndef COLLECTOR_BUCKETS_H
#define COLLECTOR_BUCKETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agg.h"
#include "coll.h"
#include "schema.h"
#include "writer.h"

#define NRES 3   /* the flush interval's resolution, 1m and 1h */

struct buckets {
	const struct schema_res *res[NRES];   /* schema.h's table, finest first */
	struct agg coarse[NRES];     /* [0] unused: the interval table is coll's */
	uint64_t bucket[NRES];       /* start of the open bucket of each resolution */
	uint64_t saturated;          /* additions to a bucket that stopped at INT64_MAX */
	uint64_t overflow;           /* links, pairs, exporters beyond max-keys */
	/* called when the interval bucket has been closed (not at the final
	 * flush): the collector writes its statistics then */
	void (*on_interval)(void *ctx);
	void *ctx;
};

/*
 * The finest resolution becomes flush_ms wide; the coarser tables get
 * max_keys keys and top-k sketches of top_k counters, chained after coll's
 * interval table.  0, or -1 when the flush interval is not one of the
 * schema's (logged) or memory ran out (buckets_free cleans up).
 */
int buckets_init(struct buckets *b, struct coll *coll, uint64_t flush_ms, size_t max_keys,
                 size_t top_k, uint64_t seed);

/* Open the buckets that contain t (the first time of the clock). */
void buckets_start(struct buckets *b, uint64_t t);

/*
 * Close the buckets that have ended by now_ms (all of them when `all`):
 * the interval table is written (w may be NULL: nothing is written) as the
 * finest bucket and merged into the open buckets of the coarser
 * resolutions, which are written when they end.  now_ms is the bucket
 * clock, wall the time now.  Cost: nothing unless a bucket ended; then
 * linear in the keys held.
 */
void buckets_flush(struct buckets *b, struct coll *coll, struct writer *w, uint64_t now_ms,
                   uint64_t wall, bool all);

/* Sums saturated and keys over the limit so far, the open buckets included. */
void buckets_totals(const struct buckets *b, struct coll *coll, uint64_t *saturated,
                    uint64_t *overflow);

/* The reasons' names, for the writer (writer_conf.reason_name). */
const char *buckets_reason_name(uint32_t r);

void buckets_free(struct buckets *b);

#endif
