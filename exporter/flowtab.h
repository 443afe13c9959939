/*
 * The flow table: a preallocated, fixed-size set of unidirectional flows.
 *
 * Every flow sits in a hash chain, in one of two recency lists (open flows,
 * and TCP flows that have seen FIN or RST and are lingering) ordered by last
 * packet, and in a start list ordered by first packet.  Expiry therefore only
 * ever looks at list heads: idle timeout at the heads of the recency lists,
 * active timeout at the head of the start list.  A full table evicts the least
 * recently used flow and exports it with end reason "lack of resources".
 *
 * Time is passed in (milliseconds); nothing here reads a clock, so a capture
 * file replays identically.  Single-threaded: one table per worker.
 */
#ifndef ANEMONE_FLOWTAB_H
#define ANEMONE_FLOWTAB_H

#include <stdbool.h>
#include <stdint.h>
#include "flow.h"

/* The fields that tell flows apart.  Fields dropped from the key by
 * configuration are zero.  48 bytes: hashed as 6 words. */
struct flow_key {
	union anm_addr src, dst;
	uint32_t in_if;
	uint16_t sport, dport;
	uint16_t vlan, inner_vlan;
	uint8_t  af, proto, tos, pad;
};
_Static_assert(sizeof(struct flow_key) == 48, "flow_key is hashed as 6 words");

/* Per-packet values that are accumulated rather than keyed. */
struct flow_pkt {
	uint32_t octets;
	uint8_t  tcp_flags;
	uint8_t  ends_flow;     /* TCP FIN or RST of a per-connection flow */
	uint8_t  has_mac;
	uint8_t  src_mac[6], dst_mac[6];
};

struct flowtab_conf {
	uint32_t max_flows;     /* fixed maximum, allocated up front */
	uint32_t active_ms;     /* export a long-lived flow after this long */
	uint32_t idle_ms;       /* export a flow with no packet for this long */
	uint32_t linger_ms;     /* after TCP FIN/RST, wait this long for stragglers */
	uint64_t seed;          /* hash seed */
	uint8_t  huge_pages;    /* ask for transparent huge pages for the table */
};

struct flowtab_stats {
	uint64_t created;
	uint64_t ended[ANM_END_MAX + 1];   /* by enum anm_end_reason */
	uint64_t packets;                  /* packets accounted */
	uint32_t active;                   /* flows in the table now */
	uint32_t peak;                     /* most flows ever in the table */
};

/* Called for every flow that ends; the record is valid during the call only. */
typedef void (*flow_export_fn)(void *ctx, const struct anm_flow *f);

struct flowtab;

/* Allocates max_flows entries and the hash buckets; NULL if out of memory or
 * max_flows is 0 or too large. */
struct flowtab *flowtab_new(const struct flowtab_conf *conf,
                            flow_export_fn export_fn, void *ctx);
void flowtab_free(struct flowtab *ft);

/* Account one packet to the flow with key k, creating it if needed (which may
 * evict the least recently used flow).  The work may be deferred by a few
 * packets (their memory is prefetched meanwhile); flowtab_expire, _flush,
 * _stats and _sync apply what is deferred first.  O(1) expected; times must
 * not decrease. */
void flowtab_update(struct flowtab *ft, const struct flow_key *k,
                    const struct flow_pkt *p, uint64_t now_ms);

/* Apply every deferred packet now (exports any flow evicted meanwhile). */
void flowtab_sync(struct flowtab *ft);

/* Export the flows whose idle, linger or active time has passed at now_ms,
 * at most max of them (UINT_MAX: all), oldest first.  Returns true if due
 * flows remain: call again, with the same or a later time.  Meanwhile the
 * records stay those of an unbounded call: a packet that meets a flow left
 * due ends it first (with the reason expiry would give) and starts a new
 * one, and a full table ends a due flow before it evicts a live one.  Only
 * the order of export differs.  O(1) when nothing is due, O(k) for k
 * expired flows. */
bool flowtab_expire(struct flowtab *ft, uint64_t now_ms, unsigned max);

/* Export every flow with the given reason (ANM_END_FORCED at shutdown). */
void flowtab_flush(struct flowtab *ft, enum anm_end_reason reason);

const struct flowtab_stats *flowtab_stats(struct flowtab *ft);

/* Bytes of memory per flow, including the hash buckets (for documentation and
 * the benchmark's per-flow budget). */
size_t flowtab_bytes_per_flow(void);

#endif
