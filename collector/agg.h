/*
 * Aggregation tables: counters keyed by what Redis keeps per interval
 * (directed link, ingress->egress pair, source host, destination prefix,
 * exporter, the unrouted reasons, the grand total).  One table takes the
 * records of the current flush interval; at each flush it is merged into the
 * tables of the coarser resolutions and handed to the writer, so the work per
 * record is a handful of hash updates and the work per interval grows with
 * the number of distinct keys, not records.
 *
 * Open addressing with linear probing; the table grows up to max_keys.  When
 * it is full, a source host or destination prefix is counted under the
 * catch-all key of its kind (address zero, af 0: "other") and the overflow
 * is counted; links, pairs, exporters and reasons are few and always fit
 * (they take the reserve above max_keys).
 *
 * Bytes, packets and flows saturate at AGG_SUM_MAX (INT64_MAX: what Redis's
 * HINCRBY takes) instead of wrapping; each addition that reached it is
 * counted in `saturated`.  Lost records are modular (an interval's count
 * may be negative) and do not saturate.
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
	AK_SRC,           /* addr: a source host */
	AK_DSTPFX,        /* addr/plen: a destination prefix */
	AK_EXPORTER,      /* addr: the exporter, b: observation domain / engine */
	AK_UNROUTED,      /* a: the reason (enum of the placer) */
	AK_MAX
};

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
	uint32_t templates;          /* exporters (v9/IPFIX): templates defined, */
	bool     has_templates;      /* as last reported */
};

struct agg {
	struct agg_entry *e;         /* cap slots; kind 0 = empty */
	size_t cap, n;
	size_t max_keys;
	uint64_t seed;
	uint64_t overflow;           /* updates folded into "other" */
	uint64_t saturated;          /* additions that reached AGG_SUM_MAX */
};

/* 0, or -1 when out of memory. */
int agg_init(struct agg *t, size_t max_keys, uint64_t seed);
void agg_free(struct agg *t);
/* Empty the table, keeping its memory. */
void agg_clear(struct agg *t);

/* Add to the counters of k (which must be zero-padded: use the helpers
 * below), saturating.  Returns the entry, or NULL only when out of memory. */
struct agg_entry *agg_add(struct agg *t, const struct agg_key *k, uint64_t bytes,
                          uint64_t packets, uint64_t flows);

/* Add every entry of src into dst. */
void agg_merge(struct agg *dst, const struct agg *src);

/* Key builders: zeroed, then the fields of the kind. */
void agg_key_routers(struct agg_key *k, enum agg_kind kind, uint32_t a, uint32_t b);
void agg_key_addr(struct agg_key *k, enum agg_kind kind, int af, const union anm_addr *a,
                  uint8_t plen);

/* The n entries of kind with the most bytes, largest first (ties: key
 * order, so the result is deterministic), into out (room for n). */
size_t agg_top(const struct agg *t, enum agg_kind kind, struct agg_entry **out, size_t n);

#endif
