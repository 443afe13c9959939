/*
 * The capture-backed source of ended flows (see source.h): a capture
 * backend (libpcap live or file, or the mapped pcap reader) feeds the meter
 * in the calling thread.  A file is read in bursts on packet time; a live
 * interface on the wall clock (and the packets' time, whichever is later),
 * re-opened every REOPEN_MS after it fails.
 */
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>

#include "daemon.h"
#include "log.h"
#include "settings.h"
#include "source.h"

#define BURST        512           /* frames per dispatch, live */
#define FILE_BURST   (BURST * 8)   /* frames per dispatch, file */
#define REOPEN_MS    5000

struct capture_source {
	struct flow_source base;
	const struct exporter_conf *conf;
	struct flow_sink sink;
	const struct capture_ops *capops;
	struct capture *cap;           /* NULL while a live capture is down */
	int dlt;
	struct meter *meter;
	bool begun;                    /* sink->clock called */
	uint64_t now_ms;               /* latest time: packet or wall clock */
	uint64_t reopen_at;
	uint64_t cap_errors;
	struct cap_stats capst;        /* of the captures already closed */
	struct ratelim drop_rl, reopen_rl;
};

/* The meter's export callback. */
static void ended(void *ctx, const struct anm_flow *f)
{
	struct capture_source *s = ctx;

	s->sink.flow(s->sink.ctx, f);
}

/* Time is t (the first call starts the export): the flows due by then are
 * handed over before the frame that brought it is metered. */
static void clock_to(struct capture_source *s, uint64_t t)
{
	s->begun = true;
	s->sink.clock(s->sink.ctx, t);
	if (t > s->now_ms) {
		s->now_ms = t;
		meter_advance(s->meter, t);
		s->sink.tick(s->sink.ctx);
	}
}

static void on_frame(void *ctx, const struct cap_frame *fr)
{
	struct capture_source *s = ctx;
	enum pkt_status st;

	if (!s->begun || fr->ts_ms > s->now_ms)
		clock_to(s, fr->ts_ms);
	st = meter_packet(s->meter, s->dlt, fr->data, fr->caplen, fr->wirelen, s->now_ms);
	if (st != PKT_OK && st != PKT_NOT_IP)
		log_ratelimited(&s->drop_rl, s->now_ms, "dropped a %u-byte frame: %s",
		                fr->wirelen, pkt_status_name(st));
}

/* Live: the wall clock moves time on (never back); flows expire by it. */
static void wall_tick(struct capture_source *s)
{
	uint64_t w = wall_ms();

	if (w > s->now_ms)
		s->now_ms = w;
	s->begun = true;
	s->sink.clock(s->sink.ctx, s->now_ms);
	meter_advance(s->meter, s->now_ms);
	s->sink.tick(s->sink.ctx);
}

static int capture_open(struct capture_source *s, char *err, size_t errlen)
{
	if ((s->cap = s->capops->open(&s->conf->cap, err, errlen)) == NULL)
		return -1;
	s->dlt = s->capops->datalink(s->cap);
	return 0;
}

/* Capture counters so far: those of the captures already closed (a live
 * interface re-opened after it went away) plus the open one's. */
static struct cap_stats capture_stats_now(const struct capture_source *s)
{
	struct cap_stats cur = s->capst, st;

	if (s->cap != NULL) {
		s->capops->stats(s->cap, &st);
		if (st.valid) {
			cur.received += st.received;
			cur.dropped += st.dropped;
			cur.if_dropped += st.if_dropped;
			cur.valid = true;
		}
	}
	return cur;
}

static void src_close(struct flow_source *base)
{
	struct capture_source *s = (struct capture_source *)base;

	if (s == NULL)
		return;
	meter_free(s->meter);
	if (s->cap != NULL)
		s->capops->close(s->cap);
	free(s);
}

/*
 * Open the capture (the mapped reader for a classic pcap file unless
 * libpcap is asked for) and the meter with its flow table (the table's
 * memory is allocated here, up front).  A live capture's frames get the
 * interface's index as ingressInterface unless the configuration sets one.
 */
static struct flow_source *src_open(const struct exporter_conf *c, const struct flow_sink *sink,
                                    char *err, size_t errlen)
{
	struct capture_source *s = calloc(1, sizeof(*s));
	struct meter_conf mc = c->meter;

	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->base.ops = &capture_source_ops;
	s->base.replay = c->cap.file != NULL;
	s->conf = c;
	s->sink = *sink;
	s->drop_rl = (struct ratelim)RATELIM_INIT(1000, 5);
	s->reopen_rl = (struct ratelim)RATELIM_INIT(60000, 2);
	s->capops = c->cap.file != NULL && !c->cap.libpcap_only && pcapfile_usable(c->cap.file) ?
	            &pcapfile_capture_ops : &pcap_capture_ops;
	if (capture_open(s, err, errlen) < 0)
		goto fail;
	if (c->cap.interface != NULL && !c->if_index_set)
		mc.in_if = if_nametoindex(c->cap.interface);
	if ((s->meter = meter_new(&mc, ended, s)) == NULL) {
		snprintf(err, errlen, "cannot allocate a flow table of %u flows (%zu MiB)",
		         mc.flows.max_flows,
		         (size_t)mc.flows.max_flows * flowtab_bytes_per_flow() >> 20);
		goto fail;
	}
	return &s->base;
fail:
	src_close(&s->base);
	return NULL;
}

/* A live capture starts the export at the wall clock; a file at its first
 * frame. */
static void src_start(struct flow_source *base)
{
	struct capture_source *s = (struct capture_source *)base;

	if (s->base.replay)
		return;
	s->now_ms = wall_ms();
	s->begun = true;
	s->sink.clock(s->sink.ctx, s->now_ms);
	log_info("capturing on %s, exporting to %u destination(s)", s->conf->cap.interface,
	         s->conf->ndest);
}

/* A file: one burst of frames, no waiting. */
static enum source_result file_poll(struct capture_source *s)
{
	char err[512];
	enum cap_result r = s->capops->dispatch(s->cap, FILE_BURST, on_frame, s, err, sizeof(err));

	if (r == CAP_EOF)
		return SOURCE_END;
	if (r == CAP_ERROR) {
		log_warnx("%s: %s", s->conf->cap.file, err);
		s->cap_errors++;
		return SOURCE_FAILED;
	}
	return SOURCE_BUSY;
}

/* Live: re-open a capture that failed when it is time, take one burst,
 * then let the wall clock expire flows.  Always idle after: the caller
 * waits for frames (or a sender) up to the capture timeout. */
static enum source_result live_poll(struct capture_source *s, struct source_wait *w)
{
	char err[512];

	if (s->cap == NULL && s->now_ms >= s->reopen_at) {
		if (capture_open(s, err, sizeof(err)) == 0) {
			log_info("%s: capturing again", s->conf->cap.interface);
		} else {
			log_ratelimited(&s->reopen_rl, s->now_ms, "%s (retrying every %ds)", err,
			                REOPEN_MS / 1000);
			s->reopen_at = s->now_ms + REOPEN_MS;
		}
	}
	if (s->cap != NULL &&
	    s->capops->dispatch(s->cap, BURST, on_frame, s, err, sizeof(err)) == CAP_ERROR) {
		log_warnx("%s: capture failed: %s", s->conf->cap.interface, err);
		s->cap_errors++;
		s->capst = capture_stats_now(s);
		s->capops->close(s->cap);
		s->cap = NULL;
		s->reopen_at = s->now_ms + REOPEN_MS;
	}
	wall_tick(s);
	w->fd = s->cap != NULL ? s->capops->fd(s->cap) : -1;
	w->timeout_ms = (int)s->conf->cap.timeout_ms;
	return SOURCE_IDLE;
}

static enum source_result src_poll(struct flow_source *base, struct source_wait *w)
{
	struct capture_source *s = (struct capture_source *)base;

	return s->base.replay ? file_poll(s) : live_poll(s, w);
}

/* Live: account what the kernel captured before the stop (its buffer hands
 * packets over at the latest after the capture timeout).  Then every flow
 * still in the table ends, forced. */
static void src_stop(struct flow_source *base)
{
	struct capture_source *s = (struct capture_source *)base;
	char err[512];

	if (!s->base.replay && s->cap != NULL) {
		uint64_t until = wall_ms() + s->conf->cap.timeout_ms + 50;
		while (wall_ms() < until) {
			struct pollfd pfd = { s->capops->fd(s->cap), POLLIN, 0 };
			(void)poll(&pfd, 1, 10);
			if (s->capops->dispatch(s->cap, -1, on_frame, s, err, sizeof(err)) != CAP_OK)
				break;
		}
	}
	flowtab_flush(meter_flowtab(s->meter), ANM_END_FORCED);
}

static void src_totals(struct flow_source *base, struct source_totals *t)
{
	struct capture_source *s = (struct capture_source *)base;

	t->ms = *meter_stats(s->meter);
	t->fs = *flowtab_stats(meter_flowtab(s->meter));
	t->cap = capture_stats_now(s);
	t->cap_errors = s->cap_errors;
}

const struct flow_source_ops capture_source_ops = {
	.open = src_open,
	.start = src_start,
	.poll = src_poll,
	.stop = src_stop,
	.totals = src_totals,
	.log_detail = NULL,
	.close = src_close,
};
