/*
 * The DPDK source of ended flows (see exporter/source.h): the engine's
 * worker lcores capture and meter; the caller's (main) lcore takes the flows
 * they end and hands them to the sink.  A replay (net_pcap reading files)
 * runs on packet time, as -r does; otherwise on the wall clock.  The input
 * ends when no worker has seen a frame for eof_idle_ms (if set).
 *
 * Only this file and engine.c know the engine; the exporter knows the ops
 * table alone.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "daemon.h"
#include "engine.h"
#include "log.h"
#include "settings.h"
#include "source.h"

struct dpdk_source {
	struct flow_source base;
	const struct exporter_conf *conf;
	struct flow_sink sink;
	struct dpdk_engine *dp;
	bool begun;                    /* sink->clock called */
	uint64_t now_ms;
};

/* Time is t; the first call starts the export at it. */
static void clock_to(struct dpdk_source *s, uint64_t t)
{
	s->begun = true;
	if (t > s->now_ms)
		s->now_ms = t;
	s->sink.clock(s->sink.ctx, t);
}

/* -vv: every ended flow, with the worker that metered it. */
static void log_flow(unsigned worker, const struct anm_flow *f)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	inet_ntop(f->af, f->src.b, a, sizeof(a));
	inet_ntop(f->af, f->dst.b, b, sizeof(b));
	log_debug("worker %u: flow %s %u > %s %u proto %u vlan %u packets %" PRIu64
	          " bytes %" PRIu64 " end %u", worker, a, f->sport, b, f->dport, f->proto,
	          f->vlan, f->packets, f->octets, f->end_reason);
}

/* An ended flow from a worker's ring, on the main lcore.  A replay's export
 * starts at the first flow if no packet time was published before it. */
static void ended(void *ctx, unsigned worker, const struct anm_flow *f)
{
	struct dpdk_source *s = ctx;

	if (!s->begun)
		clock_to(s, f->first_ms);
	if (s->conf->verbose >= 2)
		log_flow(worker, f);
	s->sink.flow(s->sink.ctx, f);
}

static void src_close(struct flow_source *base)
{
	struct dpdk_source *s = (struct dpdk_source *)base;

	if (s == NULL)
		return;
	dpdk_close(s->dp);
	free(s);
}

/* Initialise the EAL, configure and start the ports, create the workers'
 * meters (the flow budget shared between them). */
static struct flow_source *src_open(const struct exporter_conf *c, const struct flow_sink *sink,
                                    char *err, size_t errlen)
{
	struct dpdk_conf dc = {
		.eal_args = c->cap.dpdk_args, .ports = c->cap.interface,
		.workers = c->cap.dpdk_workers, .queues = c->cap.dpdk_queues,
		.promisc = c->cap.promisc, .eof_idle_ms = c->cap.eof_idle_ms,
		.if_index_set = c->if_index_set, .meter = c->meter,
	};
	struct dpdk_source *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->base.ops = &dpdk_source_ops;
	s->conf = c;
	s->sink = *sink;
	if ((s->dp = dpdk_open(&dc, err, errlen)) == NULL) {
		free(s);
		return NULL;
	}
	s->base.replay = dpdk_replays(s->dp);
	if (s->base.replay)
		log_info("%s: replaying recorded timestamps (net_pcap)", c->cap.interface);
	return &s->base;
}

/* Live ports start the export at the wall clock; then the workers go. */
static void src_start(struct flow_source *base)
{
	struct dpdk_source *s = (struct dpdk_source *)base;

	if (!s->base.replay)
		clock_to(s, wall_ms());
	log_info("capturing on %s, exporting to %u destination(s)", s->conf->cap.interface,
	         s->conf->ndest);
	dpdk_start(s->dp);
}

/* Take every flow waiting in the workers' rings, at the engine's time.
 * Idle (a millisecond) when there was none. */
static enum source_result src_poll(struct flow_source *base, struct source_wait *w)
{
	struct dpdk_source *s = (struct dpdk_source *)base;
	uint64_t now = dpdk_now_ms(s->dp), first;
	unsigned n;

	if (s->base.replay && !s->begun && (first = dpdk_first_ms(s->dp)) != 0)
		clock_to(s, first);
	if (s->begun && now > s->now_ms)
		clock_to(s, now);
	n = dpdk_poll(s->dp, ended, s);
	if (s->begun)
		s->sink.tick(s->sink.ctx);
	if (dpdk_input_ended(s->dp)) {
		log_info("%s: no frame for %u ms: end of input", s->conf->cap.interface,
		         s->conf->cap.eof_idle_ms);
		return SOURCE_END;
	}
	if (n > 0)
		return SOURCE_BUSY;
	w->fd = -1;
	w->timeout_ms = 1;
	return SOURCE_IDLE;
}

/* The workers meter what they hold and end every flow; the export's time
 * is then the engine's last. */
static void src_stop(struct flow_source *base)
{
	struct dpdk_source *s = (struct dpdk_source *)base;
	uint64_t end;

	dpdk_stop(s->dp, ended, s);
	if (s->begun && (end = dpdk_now_ms(s->dp)) > s->now_ms)
		clock_to(s, end);
}

static void src_totals(struct flow_source *base, struct source_totals *t)
{
	struct dpdk_source *s = (struct dpdk_source *)base;

	dpdk_totals(s->dp, &t->ms, &t->fs, &t->cap);
	t->cap_errors = 0;
}

static void src_log_detail(struct flow_source *base)
{
	dpdk_log_stats(((struct dpdk_source *)base)->dp);
}

const struct flow_source_ops dpdk_source_ops = {
	.open = src_open,
	.start = src_start,
	.poll = src_poll,
	.stop = src_stop,
	.totals = src_totals,
	.log_detail = src_log_detail,
	.close = src_close,
};
