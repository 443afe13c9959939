/*
 * Two exporters reporting the same flows (two SPAN ports of one segment,
 * a probe and its backup, a probe beside a router's own export of the same
 * segment), found without configuration (anemone-collector(8), "Counting
 * each flow once"): each record counted where its flow entered leaves a
 * fingerprint (its flow key and counts: the same packets metered alike
 * give the same record) for `window` ms; a record whose fingerprint
 * another exporter left is a duplicate.
 *
 * A set-associative table of fixed size (4 slots a bucket, the oldest
 * replaced): no allocation after dedup_new, no I/O, no clock.  One thread.
 */
#ifndef ANEMONE_DEDUP_H
#define ANEMONE_DEDUP_H

#include <stddef.h>
#include <stdint.h>

#include "flow.h"

#define DEDUP_DEFAULT_RECORDS  262144     /* about 10 MiB */
#define DEDUP_DEFAULT_WINDOW_MS 120000

struct dedup;

/* A table of about `records` fingerprints (rounded up to a power of two,
 * at least 64), hashed with seed; NULL when out of memory. */
struct dedup *dedup_new(size_t records, uint64_t seed);
void dedup_free(struct dedup *d);

/* The fingerprint of f: its key (addresses, ports, protocol, ToS) and its
 * counts (bytes, packets, TCP flags).  Pure. */
uint64_t dedup_fingerprint(const struct dedup *d, const struct anm_flow *f);

/* Whether fingerprint fp was left by another exporter than (af, addr) in
 * the last window_ms before now_ms: then *by is that exporter and 1 is
 * returned (nothing is left); else fp is left for (af, addr) and 0
 * returned.  O(1). */
int dedup_check(struct dedup *d, uint64_t fp, int af, const union anm_addr *addr,
                uint64_t now_ms, uint64_t window_ms, union anm_addr *by, int *by_af);

/* While one exporter alone reports records, its fingerprints are only
 * noted, in order (a sequential write: no cache miss a record); the note
 * is loaded into the table, as that exporter's (af, addr), when a second
 * one comes (addr NULL: that exporter is gone, the note is dropped).
 * O(1); dedup_load O(records noted). */
void dedup_note(struct dedup *d, uint64_t fp, uint64_t now_ms);
void dedup_load(struct dedup *d, int af, const union anm_addr *addr, uint64_t now_ms,
                uint64_t window_ms);

#endif
