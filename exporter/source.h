/*
 * Sources of ended flows, behind one ops table: what the exporter's loop
 * reads from.  A source captures and meters; the exporter encodes and sends
 * what it hands over.
 *
 *   capture_source_ops  libpcap (live interface or any capture file) or the
 *                       mapped pcap reader; metering in the calling thread
 *   dpdk_source_ops     DPDK ports (-i dpdk:PORT); worker lcores meter and
 *                       hand ended flows to the calling (main) lcore
 *
 * The source calls its sink from open..close, always in the caller's thread,
 * and only from inside start, poll and stop.  For every new time it calls
 * sink->clock(t) (the first call fixes the export's start, its sysUptime
 * origin), then hands over the flows that ended at t (sink->flow), then
 * calls sink->tick() (the encoders' timers may run); flows ended by a frame
 * follow.  Times never go back.  A replay (a capture file, or a DPDK port
 * replaying one) is clocked by packet time, anything else by the wall
 * clock.
 *
 * Ownership: a flow handed to sink->flow is valid during the call only.
 * The configuration passed to open must outlive the source.
 */
#ifndef ANEMONE_SOURCE_H
#define ANEMONE_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture.h"
#include "fib.h"
#include "flow.h"
#include "flowtab.h"
#include "meter.h"

struct exporter_conf;

struct flow_sink {
	void *ctx;
	void (*clock)(void *ctx, uint64_t now_ms);
	void (*flow)(void *ctx, const struct anm_flow *f);
	void (*tick)(void *ctx);
};

/* The counters of print_stats: metering, flow table, capture. */
struct source_totals {
	struct meter_stats ms;
	struct flowtab_stats fs;
	struct cap_stats cap;      /* over re-opens of a live capture; DPDK: over
	                              the ports, spreading drops included */
	uint64_t cap_errors;       /* capture failures (device gone, file damaged) */
	struct fib_stats fib;      /* route lookups (export.route-lookup; zero
	                              without; the caller zeroes t first) */
};

enum source_result {
	SOURCE_BUSY = 0,           /* there may be more: poll again soon */
	SOURCE_IDLE,               /* nothing ready: the caller may wait (below) */
	SOURCE_END,                /* end of input: stop */
	SOURCE_FAILED,             /* input damaged (logged); what was read is
	                              still handed over by stop */
};

/* What an idle source waits for: frames on fd (-1: none to poll), at most
 * timeout_ms (the caller may wake earlier, for its own reasons). */
struct source_wait {
	int fd;
	int timeout_ms;
};

struct flow_source {
	const struct flow_source_ops *ops;
	bool replay;               /* clocked by packet time */
};

struct flow_source_ops {
	/* Open the input of c (devices, files, flow tables); ready to start,
	 * nothing handed over yet.  NULL with a message in err.  Runs before
	 * privileges are dropped. */
	struct flow_source *(*open)(const struct exporter_conf *c, const struct flow_sink *sink,
	                            char *err, size_t errlen);
	/* Start capturing (a live source starts its clock at the wall clock). */
	void (*start)(struct flow_source *s);
	/* One round: take what has arrived (a bounded burst), meter it, hand
	 * over what ended; never blocks for long.  When SOURCE_IDLE, *w says
	 * what to wait for before the next round. */
	enum source_result (*poll)(struct flow_source *s, struct source_wait *w);
	/* End of the run: take what is still in flight, then end every flow
	 * (forced) and hand them all over. */
	void (*stop)(struct flow_source *s);
	/* Counters so far (DPDK: asks the workers, waiting up to 200 ms). */
	void (*totals)(struct flow_source *s, struct source_totals *t);
	/* Log the source's own statistics beyond the totals (DPDK: ports,
	 * queues, workers); NULL when there are none. */
	void (*log_detail)(struct flow_source *s);
	void (*close)(struct flow_source *s);        /* NULL is fine */
};

extern const struct flow_source_ops capture_source_ops;
extern const struct flow_source_ops dpdk_source_ops;   /* built with DPDK only */

#endif
