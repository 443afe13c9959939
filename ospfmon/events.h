/*
 * ospfmon's event log: every topology event (lib/topo.h) as one JSON line,
 * handed to a sink (the events file, stdout, the publisher), plus flap
 * detection: an element (router, link, prefix) that changes flap_count
 * times within flap_window is reported once as "flapping"; when it has been
 * quiet for a whole window, "flapping-stopped" follows.  The elements
 * tracked (those that changed within the last window) are at most
 * EVLOG_MAX_TRACKED; the changes of others are reported but not tracked
 * (counted: untracked).  Looking an element up is O(1): a hash table with
 * a seed drawn at start, grown as it fills.
 */
#ifndef OSPFMON_EVENTS_H
#define OSPFMON_EVENTS_H

#include <stdint.h>

#include "topo.h"

#define DEF_FLAP_COUNT     4
#define DEF_FLAP_WINDOW_MS 60000
#define EVLOG_MAX_TRACKED  200000   /* about 40 MB */

struct evlog_conf {
	uint32_t flap_count;         /* changes ... */
	uint64_t flap_window_ms;     /* ... within this long: flapping */
};

/* Receives each event as a JSON object (no newline). */
typedef void (*evlog_sink_fn)(void *ctx, const char *json);

struct evlog_stats {
	uint64_t events[TE_MAX];     /* by type */
	uint64_t flapping, flapping_stopped;
	uint64_t probes;             /* tracked elements compared while looking
	                                one up: the cost of flap tracking */
	uint64_t untracked;          /* changes of elements not tracked: the
	                                table was full */
	uint32_t tracked, flapping_now;
};

struct evlog;

struct evlog *evlog_new(const struct evlog_conf *c, evlog_sink_fn sink, void *ctx);
void evlog_free(struct evlog *el);

/* Record one topology event that happened at time_ms. */
void evlog_topo(struct evlog *el, const struct topo_event *ev, uint64_t time_ms);

/* Report the elements that stopped flapping by now_ms, forget quiet ones. */
void evlog_tick(struct evlog *el, uint64_t now_ms);

void evlog_stats(const struct evlog *el, struct evlog_stats *st);

#endif
