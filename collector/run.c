/*
 * anemone-collector's run (see run.h): the inputs' callbacks, forwarding,
 * the export clock, the loop, and the exit that writes what is held.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "rconn.h"
#include "run.h"
#include "stats.h"

#define TICK_MS      200
#define EXIT_STALL_MS 10000      /* at exit, give up writing after this without progress */
#define EXIT_CAP_MS   60000      /* ... or after this in all (systemd allows 90 s) */
#define DRAIN_MS     2000        /* at exit, time given to read what is queued */

/* --- inputs ---------------------------------------------------------------- */

/* A datagram to every forward destination, never waiting; a send that
 * fails (or a family without a socket) is counted. */
static void forward(struct col *c, const uint8_t *buf, size_t len)
{
	for (unsigned i = 0; i < c->conf->nforward; i++) {
		const struct endpoint *e = &c->conf->forward[i];
		int fd = e->addr.ss_family == AF_INET6 ? c->fwd6 : c->fwd4;
		if (fd < 0 || sendto(fd, buf, len, MSG_DONTWAIT, (const struct sockaddr *)&e->addr,
		                     e->addrlen) < 0)
			c->forward_errors++;
		else
			c->forwarded++;
	}
}

/*
 * With --clock exporter the buckets follow the export time the messages
 * carry, not the time they arrive: a message exported later than any before
 * it closes the buckets that end by then, before its records are counted.
 * The clock never goes back (an older message counts in the open bucket).
 * Only a message the core takes moves it: from a sender the allow-list
 * admits, of a version its listener takes (coll_takes), with a header that
 * agrees with its length (coll_export_ms); others are dropped by the core,
 * and counted, without touching the buckets.
 */
static void clock_message(struct col *c, const struct sockaddr *from, unsigned protos,
                          const uint8_t *buf, size_t len, uint64_t wall)
{
	uint64_t t;

	if (!c->conf->clock_exporter || (t = coll_export_ms(buf, len)) == 0 || t <= c->clock_ms ||
	    !coll_takes(c->coll, from, protos, buf, len))
		return;
	if (c->clock_ms == 0)
		buckets_start(&c->b, t);
	else
		buckets_flush(&c->b, c->coll, c->w, t, wall, false);
	c->clock_ms = t;
}

/* The inputs' callbacks (struct netin_ops): a UDP datagram, or a whole
 * IPFIX message from a TCP connection, goes to the export clock and the
 * core; datagrams are forwarded too. */
static void on_datagram(void *ctx, const struct sockaddr *from, unsigned protos,
                        const uint8_t *buf, size_t len, uint64_t now_ms)
{
	struct col *c = ctx;

	clock_message(c, from, protos, buf, len, now_ms);
	coll_datagram(c->coll, from, protos, buf, len, now_ms);
	if (c->conf->nforward)
		forward(c, buf, len);
}

static bool on_allowed(void *ctx, const struct sockaddr *from)
{
	struct col *c = ctx;

	return coll_stream_allowed(c->coll, from);
}

static void on_message(void *ctx, uint64_t conn, const struct sockaddr *from,
                       const uint8_t *buf, size_t len, uint64_t now_ms)
{
	struct col *c = ctx;

	clock_message(c, from, CP_IPFIX, buf, len, now_ms);   /* netin: IPFIX only */
	coll_stream_message(c->coll, conn, from, buf, len, now_ms);
}

static void on_closed(void *ctx, uint64_t conn)
{
	struct col *c = ctx;

	coll_stream_closed(c->coll, conn);
}

/*
 * At exit, before the buckets are written: what the kernel holds was
 * acknowledged to its sender (TCP: received data, and connections waiting
 * to be accepted) or reached this host (UDP), so it is accounted rather
 * than dropped with the sockets.  Turns as in the main loop, buckets
 * closed on time between them, until no socket has input, for at most
 * DRAIN_MS against senders that do not stop; then the connections are
 * closed (those inside a message counted and logged).
 */
static void drain_inputs(struct col *c)
{
	uint64_t end = rconn_mono_ms() + DRAIN_MS;
	int ready;

	do {
		uint64_t now;
		ready = netin_poll(c->in, 0);
		now = wall_ms();
		netin_work(c->in, now, rconn_mono_ms());
		if (!c->conf->clock_exporter)
			buckets_flush(&c->b, c->coll, c->w, now, now, false);
	} while (ready != 0 && rconn_mono_ms() < end);
	netin_close_all(c->in, rconn_mono_ms());
}

/*
 * At exit, after the open buckets were queued: have the writer write its
 * backlog for as long as Redis makes progress (the number queued falls).
 * Gives up after EXIT_STALL_MS without progress (or one attempt's time
 * limit and a second, if longer: a slow batch is still progress) or after
 * EXIT_CAP_MS in all; what is left is logged by writer_stop and stays
 * counted in redis-queued and redis-records-queued for the last
 * statistics.  Looks every 100 ms; logs once if it takes more than 5 s.
 */
static void write_backlog(struct col *c)
{
	uint64_t start = rconn_mono_ms(), last = start, stall = EXIT_STALL_MS;
	uint32_t tmo = c->conf->rc.timeout_ms ? c->conf->rc.timeout_ms : RCONN_DEFAULT_TIMEOUT_MS;
	size_t left = writer_drain(c->w, wall_ms());
	bool told = false;
	char why[96] = "";

	if ((uint64_t)tmo + 1000 > stall)
		stall = (uint64_t)tmo + 1000;
	while (left > 0) {
		uint64_t now;
		size_t n;

		usleep(100 * 1000);
		now = rconn_mono_ms();
		if ((n = writer_drain(c->w, wall_ms())) < left)
			last = now;
		left = n;
		if (left == 0)
			break;
		if (now - last >= stall) {
			snprintf(why, sizeof(why), "no progress for %.1f s at exit",
			         (double)(now - last) / 1000);
			break;
		}
		if (now - start >= EXIT_CAP_MS) {
			snprintf(why, sizeof(why), "still writing %.0f s after the exit began",
			         (double)(now - start) / 1000);
			break;
		}
		if (!told && now - start >= 5000) {
			log_info("%zu interval%s still queued for Redis; writing on while it makes "
			         "progress (at most %u s)", left, left == 1 ? "" : "s",
			         (unsigned)(EXIT_CAP_MS / 1000));
			told = true;
		}
	}
	writer_stop(c->w, why[0] ? why : NULL);
}

/* The buckets closed an interval: the statistics hash goes with it. */
static void on_interval(void *ctx)
{
	col_stats_write(ctx);
}

/* The core and the buckets: every resolution's top-N sketch, fed per
 * record (agg.h). */
static void open_core(struct col *c, const struct collector_conf *conf)
{
	size_t top_k = (size_t)conf->top_sketch *
	               (conf->top_n ? (size_t)conf->top_n : WRITER_DEFAULT_TOP_N);
	struct coll_conf cc = {
		.max_exporters = conf->max_exporters, .max_keys = conf->max_keys,
		.top_k = top_k,
		.max_sampling = (uint32_t)conf->max_sampling,
		.template_memory = conf->template_memory,
		.template_share_pct = (unsigned)conf->template_share,
		.max_domains = (unsigned)conf->max_domains,
		.map = conf->map, .nmap = conf->nmap,
		.groups = conf->groups, .ngroups = conf->ngroups,
		.members = conf->members, .nmembers = conf->nmembers,
		.allow = conf->nallow ? conf->allow : NULL, .nallow = conf->nallow,
		.dedup_off = conf->dedup_off, .dedup_window_ms = conf->dedup_window_ms,
		.dedup_records = (size_t)conf->dedup_records,
	};
	uint64_t seed = daemon_random_u64();

	if ((c->coll = coll_new(&cc, seed)) == NULL ||
	    buckets_init(&c->b, c->coll, conf->flush_ms, conf->max_keys, top_k, seed) < 0)
		fatalx("out of memory");
	c->b.on_interval = on_interval;
	c->b.ctx = c;
}

int col_open(struct col *c, const struct collector_conf *conf)
{
	struct netin_conf nc = {
		.listen = conf->listen, .nlisten = conf->nlisten, .rcvbuf = conf->rcvbuf,
		.max_conns = (unsigned)conf->tcp_max,
		.max_per_source = (unsigned)conf->tcp_per_source,
		.idle_ms = conf->tcp_idle_ms, .message_ms = conf->tcp_message_ms,
	};
	struct netin_ops ops = { c, on_datagram, on_allowed, on_message, on_closed };

	memset(c, 0, sizeof(*c));
	c->conf = conf;
	c->fwd4 = c->fwd6 = -1;
	open_core(c, conf);
	if ((c->in = netin_new(&nc, &ops)) == NULL)
		return -1;
	if (conf->nforward) {
		c->fwd4 = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		c->fwd6 = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	}
	return 0;
}

void col_start(struct col *c)
{
	const struct collector_conf *conf = c->conf;
	char idbuf[1024];

	if (conf->redis) {
		struct writer_conf wc = {
			.redis = conf->rc, .prefix = conf->prefix, .backlog_bytes = conf->backlog_bytes,
			.id = conf->writer_id ? conf->writer_id : col_default_id(conf, idbuf, sizeof(idbuf)),
			.top_n = (unsigned)conf->top_n, .reason_name = buckets_reason_name,
		};
		if ((c->w = writer_new(&wc)) == NULL)
			fatalx("out of memory");
	}
	if (topofeed_init(&c->topo, conf, c->coll, c->w) < 0)
		fatalx("cannot start the topology poll");
}

void col_run(struct col *c)
{
	uint64_t now = wall_ms();

	buckets_start(&c->b, now);
	topofeed_check(&c->topo, now, true);
	while (!sig_stop) {
		if (netin_poll(c->in, TICK_MS) < 0 && errno != EINTR)
			fatal("poll");
		now = wall_ms();
		netin_work(c->in, now, rconn_mono_ms());
		topofeed_check(&c->topo, now, false);
		if (!c->conf->clock_exporter)
			buckets_flush(&c->b, c->coll, c->w, now, now, false);
		if (c->w)
			writer_tick(c->w, now);
		log_reopen_due();
		if (sig_stats) {
			sig_stats = 0;
			col_stats_log(c);
		}
	}
}

void col_finish(struct col *c)
{
	/* write what is held: what the sockets hold, every open bucket, then
	 * the backlog, for a while */
	drain_inputs(c);
	buckets_flush(&c->b, c->coll, c->w, c->conf->clock_exporter ? c->clock_ms : wall_ms(),
	              wall_ms(), true);
	if (c->w) {
		col_stats_write(c);
		write_backlog(c);
	}
	col_stats_log(c);
}

void col_close(struct col *c)
{
	netin_free(c->in);
	if (c->fwd4 >= 0)
		close(c->fwd4);
	if (c->fwd6 >= 0)
		close(c->fwd6);
	writer_free(c->w);
	topofeed_free(&c->topo);
	buckets_free(&c->b);
	coll_free(c->coll);
}
