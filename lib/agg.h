/*
 * Aggregation tables: counters keyed by what Redis keeps per interval
 * (directed link, ingress->egress pair, source host, destination prefix,
 * exporter, the unrouted reasons, the grand total).  One table takes the
 * records of the current flush interval; at each flush it is merged into the
 * tables of the coarser resolutions and handed to the writer, so the work per
 * record is a handful of hash updates and the work per interval grows with
 * the number of distinct keys, not records.
 *
 * Two structures, both of bounded size:
 *
 * - The exact table: the total, the unrouted reasons, links, pairs and
 *   exporters (observation domains), counted exactly.  Open addressing with
 *   linear probing; it grows with the keys of an interval, up to max_keys
 *   links, pairs and exporters (the total and the reasons, at most a few
 *   dozen keys, always fit), and shrinks at agg_clear when an interval used
 *   less than an eighth of it.  These keys are bounded by the topology and
 *   the exporter table, not by traffic; an update beyond max_keys is
 *   counted in `overflow` (its bytes are still in the total).
 *
 * - Two heavy-hitter sketches, of source hosts (AK_SRC) and of destination
 *   prefixes (AK_DSTPFX): weighted Space-Saving (Metwally, Agrawal and
 *   El Abbadi, 2005) with k counters, ranked by bytes, allocated once.  A
 *   key that is held adds to its counter; a new key takes a free counter,
 *   or else the one with the fewest bytes (min), which it inherits: its
 *   bytes become min + its own, and min is its error.  So for every member,
 *   bytes - err <= true bytes <= bytes, and err <= min <= B / k, where B is
 *   every byte the sketch took (the bucket's total); a key whose true bytes
 *   exceed B / k is always held.  While a bucket has at most k distinct
 *   keys of a kind, nothing is evicted and every count is exact (err 0).
 *   Packets and flows of a member are those counted since it took its
 *   counter: exact when err is 0, else a lower bound.  Memory: k x
 *   AGG_SKETCH_BYTES per sketch, whatever the traffic.
 *
 * The sketches of the coarser resolutions are not merged from the finer
 * ones (a merged sketch's bound would be looser): agg_chain links a table
 * to the next coarser one, and every sketch update goes to each table of the
 * chain, so each resolution's bucket has its own sketch with the bound
 * above for its own B.  agg_merge merges the exact tables only.
 *
 * Bytes, packets and flows saturate at AGG_SUM_MAX (INT64_MAX: what Redis's
 * HINCRBY takes) instead of wrapping; each addition that reached it is
 * counted in `saturated`.  Lost records are modular (an interval's count
 * may be negative) and do not saturate.
 *
 * Not thread-safe: one thread updates and reads a chain.
 */
#ifndef COLLECTOR_AGG_H
#define COLLECTOR_AGG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow.h"

enum agg_kind {
	AK_TOTAL = 1,     /* everything received: a, b, addr zero */
	AK_LINK,          /* a -> b: router ids, host order */
	AK_PAIR,          /* a (ingress) -> b (egress) */
	AK_SRC,           /* addr: a source host (sketch) */
	AK_DSTPFX,        /* addr/plen: a destination prefix (sketch) */
	AK_EXPORTER,      /* addr: the exporter, b: observation domain / engine */
	AK_UNROUTED,      /* a: the reason (enum of the placer) */
	AK_MEASURED,      /* a -> b: measured on the link (transit records of b
	                     entering from a), router ids */
	AK_MAX
};

/* Whether a kind is counted in a sketch (else in the exact table). */
static inline bool agg_sketched(int kind)
{
	return kind == AK_SRC || kind == AK_DSTPFX;
}

/* 32 bytes, hashed as words: keep it padded and zeroed. */
struct agg_key {
	uint8_t  kind;               /* enum agg_kind */
	uint8_t  af;                 /* AF_INET, AF_INET6, 0 */
	uint8_t  plen;
	uint8_t  pad;
	uint32_t a, b;
	uint32_t pad2;
	union anm_addr addr;         /* network order */
};

enum { AV_BYTES, AV_PACKETS, AV_FLOWS, AV_LOST, AV_N };

/* The largest a sum of bytes, packets or flows gets. */
#define AGG_SUM_MAX ((uint64_t)INT64_MAX)

/* a + b, or AGG_SUM_MAX if that is more; *saturated counts the times. */
static inline uint64_t agg_sat_add(uint64_t a, uint64_t b, uint64_t *saturated)
{
	if (a > AGG_SUM_MAX || b > AGG_SUM_MAX - a) {
		(*saturated)++;
		return AGG_SUM_MAX;
	}
	return a + b;
}

struct agg_entry {
	struct agg_key k;
	uint64_t v[AV_N];            /* bytes, packets, flows (records), lost records */
	uint64_t last_ms;            /* exporters: last datagram seen */
	uint64_t err;                /* sketch members: bytes may be over by this much */
	uint32_t templates;          /* exporters (v9/IPFIX): templates defined, */
	bool     has_templates;      /* as last reported */
};

/* One Space-Saving sketch (see above); k counters, all allocated at init. */
struct agg_sketch {
	struct agg_entry *node;      /* the counters: n in use */
	uint32_t *heap;              /* counters in use, a min-heap by bytes */
	uint32_t *pos;               /* counter -> its place in heap */
	uint32_t *next;              /* counter -> next of its hash chain */
	uint32_t *head;              /* hash chains (AGG_NIL: empty) */
	uint32_t k, n, mask;
	uint64_t total;              /* bytes taken (saturating): B above */
	uint64_t evictions;          /* counters taken over by a new key */
};

/* Memory per sketch counter: the entry, its heap place, position, chain
 * link and two chain heads. */
#define AGG_SKETCH_BYTES (sizeof(struct agg_entry) + 5 * sizeof(uint32_t))
#define AGG_DEFAULT_TOP_K 3200       /* 32 x the default top-n */
#define AGG_MAX_TOP_K (1u << 20)

struct agg {
	struct agg_entry *e;         /* the exact table: cap slots; kind 0 = empty */
	size_t cap, n;
	size_t max_keys;
	uint64_t seed;
	uint64_t overflow;           /* exact-table updates refused: max_keys */
	uint64_t saturated;          /* additions that reached AGG_SUM_MAX */
	struct agg_sketch sk[2];     /* AK_SRC, AK_DSTPFX */
	struct agg *coarser;         /* also takes this table's sketch updates */
};

/* Set up t for at most max_keys links, pairs and exporters and sketches of
 * top_k counters (0: AGG_DEFAULT_TOP_K; at most AGG_MAX_TOP_K).  0, or -1
 * when out of memory. */
int agg_init(struct agg *t, size_t max_keys, size_t top_k, uint64_t seed);
void agg_free(struct agg *t);
/* Empty the table: the sketches keep their memory; the exact table shrinks
 * to four times the keys it held when it held fewer than an eighth of its
 * slots (never below its initial 1024).  Cost: the size of both. */
void agg_clear(struct agg *t);

/* Sketch updates of fine go to coarser too (and on along its chain). */
void agg_chain(struct agg *fine, struct agg *coarser);

/* Add to the counters of k (which must be zero-padded: use the helpers
 * below), saturating.  Returns the entry (for a sketched kind, its counter
 * in t's sketch: valid until the next update), or NULL when the exact table
 * is full (counted in overflow) or out of memory.  Cost: one hash lookup
 * (exact), or O(log k) per sketch of the chain. */
struct agg_entry *agg_add(struct agg *t, const struct agg_key *k, uint64_t bytes,
                          uint64_t packets, uint64_t flows);

/* Add every entry of src's exact table into dst's (the sketches are fed
 * through agg_chain). */
void agg_merge(struct agg *dst, const struct agg *src);

/* Key builders: zeroed, then the fields of the kind. */
void agg_key_routers(struct agg_key *k, enum agg_kind kind, uint32_t a, uint32_t b);
void agg_key_addr(struct agg_key *k, enum agg_kind kind, int af, const union anm_addr *a,
                  uint8_t plen);

/* The n entries of kind with the most bytes, largest first (ties: key
 * order, so the result is deterministic), into out (room for n).  Cost: a
 * sort of the kind's keys (a sketch's: at most k). */
size_t agg_top(const struct agg *t, enum agg_kind kind, struct agg_entry **out, size_t n);

/* The sketch of a sketched kind (read-only: total, k, evictions). */
const struct agg_sketch *agg_sketch_of(const struct agg *t, enum agg_kind kind);
/* Its smallest counter's bytes: 0 while a counter is free; any key not
 * held had at most this many bytes. */
uint64_t agg_sketch_min(const struct agg_sketch *s);

#endif
