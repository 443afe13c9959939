/*
 * anemone-collector's run: the state of the daemon and its phases.
 * col_open builds the core and the buckets and opens the listeners (what
 * may need root); col_start, once privileges are dropped, starts the
 * threads (the Redis writer, the topology poll); col_run receives in
 * turns until SIGTERM/SIGINT; col_finish accounts what the sockets still
 * hold, writes every open bucket and the writer's backlog for a while and
 * logs the last statistics; col_close frees everything.  One thread receives and
 * aggregates; Redis is written by the writer's thread (redis/writer.h) and
 * the topology read from Redis by the poll's (topopoll.h), so that a slow
 * Redis never holds up receiving.
 */
#ifndef COLLECTOR_RUN_H
#define COLLECTOR_RUN_H

#include <signal.h>
#include <stdint.h>

#include "buckets.h"
#include "coll.h"
#include "netin.h"
#include "settings.h"
#include "topofeed.h"
#include "writer.h"

struct col {
	const struct collector_conf *conf;
	struct coll *coll;
	struct writer *w;            /* NULL: --no-redis */
	struct netin *in;
	int fwd4, fwd6;              /* sockets forwarding datagrams, -1: none */
	uint64_t forwarded, forward_errors;
	struct buckets b;
	uint64_t clock_ms;           /* --clock exporter: newest export time, 0: none yet */
	struct topofeed topo;
};

/* 0, or -1 when a listener cannot be opened (logged); exits when out of
 * memory.  Borrows conf; col_close in every case. */
int col_open(struct col *c, const struct collector_conf *conf);

/* The writer's and the topology poll's threads (after the privileges are
 * dropped, so that they run with what the process keeps).  Exits on
 * failure. */
void col_start(struct col *c);

/* Receive until SIGTERM/SIGINT: each socket with input gets a bounded share
 * (netin.h), then the clock, the topology and the signals are looked at,
 * whatever the load. */
void col_run(struct col *c);

/* After col_run: drain the inputs, write what is held (for at most a
 * minute), log the statistics; then, and after a failed col_open, free. */
void col_finish(struct col *c);
void col_close(struct col *c);

#endif
