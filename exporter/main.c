/*
 * anemone-exporter: a source of ended flows (a capture metered in this
 * thread, or DPDK worker lcores metering theirs) -> encoders -> senders.
 * In replays every clock is the packet timestamp, so the same file and
 * configuration give the same bytes out.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <libconfig.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "daemon.h"
#include "log.h"
#include "settings.h"
#include "source.h"

#define TICK_MS          100

/* The sources of ended flows, by their input: DPDK ports, or a capture. */
static const struct {
	bool dpdk;
	const struct flow_source_ops *ops;
} sources[] = {
#ifdef HAVE_DPDK
	{ true, &dpdk_source_ops },
#endif
	{ false, &capture_source_ops },
};

struct exporter {
	const struct exporter_conf *conf;
	struct flow_source *src;
	struct sender *snd[EXP_MAX_DEST];
	const struct encoder_ops *encops[EXP_MAX_DEST];
	void *enc[EXP_MAX_DEST];
	bool enc_open;
	uint64_t now_ms;           /* latest time the source gave */
	uint64_t last_tick_ms;
};

static void usage(FILE *fp)
{
	fprintf(fp,
	"usage: anemone-exporter [-nvS] [-c FILE] (-i IFACE | -r FILE) [-f FILTER]\n"
	"                        [--direction in|out|both] [--route-lookup]\n"
	"                        [-u USER] -x PROTO:HOST:PORT [-x ...]\n"
	"                        [--dpdk EAL-ARGS [--dpdk-workers N] [--dpdk-queues N]\n"
	"                         [--dpdk-idle-exit SECONDS]]\n"
	"  -i IFACE   capture live on IFACE           -r FILE  read a pcap/pcapng file\n"
	"             (dpdk:PORT[,PORT...]: DPDK ethdev ports, with --dpdk \"EAL ARGS\")\n"
	"  -x DEST    export to PROTO:HOST:PORT, PROTO v5, v9, ipfix (UDP) or ipfix+tcp;\n"
	"             IPv6 hosts in brackets: ipfix:[2001:db8::1]:4739\n"
	"  -c FILE    configuration file (libconfig)  -n       check configuration, exit\n"
	"  -f FILTER  BPF capture filter              -u USER  drop privileges to USER\n"
	"  --direction in|out|both  live: meter the frames the interface received\n"
	"             (for this host: a router's input), sent, or both (default)\n"
	"  --route-lookup  live: egress interface and next hop from the kernel's routes\n"
	"  -v         verbose (debug) logging         -S       log to syslog\n"
	"  --log-file FILE   log to FILE (reopened on SIGHUP)\n"
	"  -V         print version                   -h       this help\n"
	"Without -c, reads " ANEMONE_SYSCONFDIR "/anemone-exporter.conf if it exists.\n"
	"SIGUSR1 prints statistics; SIGHUP reopens the log file; SIGTERM/SIGINT\n"
	"export every flow and exit.\n");
}

/* The encoder of a destination's protocol. */
static const struct encoder_ops *encoder_for(enum exp_proto proto)
{
	return proto == EXP_V5 ? &nf5_encoder_ops : proto == EXP_V9 ? &nf9_encoder_ops :
	       &ipfix_encoder_ops;
}

/* Open one encoder per destination, its sysUptime origin at boot_ms. */
static void encoders_open(struct exporter *ex, uint64_t boot_ms)
{
	struct enc_params p = ex->conf->enc;
	char err[512];

	p.boot_ms = boot_ms;
	p.sampling = ex->conf->meter.sampling;
	p.sampling_mode = ex->conf->meter.sampling_mode;
	for (unsigned i = 0; i < ex->conf->ndest; i++) {
		struct enc_params pi = p;
		if (ex->conf->dest[i].proto == EXP_IPFIX_TCP)
			pi.template_refresh_s = 0;   /* once per connection */
		ex->encops[i] = encoder_for(ex->conf->dest[i].proto);
		if ((ex->enc[i] = ex->encops[i]->open(&pi, ex->snd[i], err, sizeof(err))) == NULL)
			fatalx("%s: %s", sender_name(ex->snd[i]), err);
	}
	ex->enc_open = true;
}

/* The sink's side (see source.h).  clock: the first time opens the
 * encoders; time never goes back. */
static void sink_clock(void *ctx, uint64_t now_ms)
{
	struct exporter *ex = ctx;

	if (!ex->enc_open)
		encoders_open(ex, now_ms);
	if (now_ms > ex->now_ms)
		ex->now_ms = now_ms;
}

/* Every ended flow goes to every encoder. */
static void sink_flow(void *ctx, const struct anm_flow *f)
{
	struct exporter *ex = ctx;

	for (unsigned i = 0; i < ex->conf->ndest; i++)
		ex->encops[i]->add(ex->enc[i], f, ex->now_ms);
}

/* The encoders' timers (hold, template refresh), every TICK_MS of time. */
static void sink_tick(void *ctx)
{
	struct exporter *ex = ctx;

	if (!ex->enc_open || ex->now_ms - ex->last_tick_ms < TICK_MS)
		return;
	ex->last_tick_ms = ex->now_ms;
	for (unsigned i = 0; i < ex->conf->ndest; i++)
		ex->encops[i]->tick(ex->enc[i], ex->now_ms);
}

/* Log the statistics (SIGUSR1 and at exit): the source's counters, every
 * destination's, the capture's, then the source's own details.  DPDK: asks
 * the workers for fresh counters (waits up to 200 ms). */
static void print_stats(struct exporter *ex)
{
	struct source_totals t;
	const struct meter_stats *ms = &t.ms;
	const struct flowtab_stats *fs = &t.fs;
	char drops[1024];
	size_t off = 0;
	uint64_t dropped = 0;

	memset(&t, 0, sizeof(t));
	ex->src->ops->totals(ex->src, &t);
	for (int i = 1; i < PKT_STATUS_MAX; i++) {
		dropped += ms->drops[i];
		off += (size_t)snprintf(drops + off, sizeof(drops) - off, " %s=%" PRIu64,
		                        pkt_status_name((enum pkt_status)i), ms->drops[i]);
		if (off >= sizeof(drops))
			break;
	}
	log_info("stats packets: seen=%" PRIu64 " sampled-out=%" PRIu64 " decoded=%" PRIu64
	         " dropped=%" PRIu64 " frag-unmatched=%" PRIu64,
	         ms->seen, ms->sampled_out, ms->decoded, dropped, ms->frag_unmatched);
	log_info("stats drops:%s", drops);
	log_info("stats flows: created=%" PRIu64 " active=%u peak=%u ended-idle=%" PRIu64
	         " ended-active=%" PRIu64 " ended-eof=%" PRIu64 " ended-forced=%" PRIu64
	         " ended-resources=%" PRIu64,
	         fs->created, fs->active, fs->peak, fs->ended[ANM_END_IDLE],
	         fs->ended[ANM_END_ACTIVE], fs->ended[ANM_END_EOF],
	         fs->ended[ANM_END_FORCED], fs->ended[ANM_END_RESOURCES]);
	for (unsigned i = 0; i < ex->conf->ndest; i++) {
		const struct sender_stats *ss = sender_stats(ex->snd[i]);
		const struct enc_stats *es = ex->enc_open ? ex->encops[i]->stats(ex->enc[i]) : NULL;
		static const struct enc_stats none;

		if (es == NULL)
			es = &none;
		log_info("stats export %s: records=%" PRIu64 " messages=%" PRIu64
		         " templates=%" PRIu64 " skipped-ipv6=%" PRIu64 " sent=%" PRIu64
		         " refused=%" PRIu64 " dropped=%" PRIu64 " send-errors=%" PRIu64
		         " queued=%" PRIu64 " queued-bytes=%" PRIu64 " connects=%" PRIu64
		         " paced-ms=%" PRIu64 "%s%s",
		         sender_name(ex->snd[i]), es->records, es->messages, es->templates,
		         es->skipped, ss->messages, ss->refused, ss->dropped, ss->errors,
		         ss->queued, ss->queued_bytes, ss->connects, ss->paced_ms,
		         ss->stalled ? " stalled" : "", ss->refusing ? " refusing" : "");
	}
	if (ex->conf->cap.interface != NULL) {
		log_info("stats capture %s: received=%" PRIu64 " dropped=%" PRIu64
		         " if-dropped=%" PRIu64 " errors=%" PRIu64, ex->conf->cap.interface,
		         t.cap.received, t.cap.dropped, t.cap.if_dropped, t.cap_errors);
	} else {
		log_info("stats capture %s: errors=%" PRIu64, ex->conf->cap.file, t.cap_errors);
	}
	if (ex->conf->route_lookup)
		log_info("stats route-lookup: lookups=%" PRIu64 " cache-hits=%" PRIu64
		         " queries=%" PRIu64 " no-route=%" PRIu64 " local=%" PRIu64
		         " failures=%" PRIu64 " timeouts=%" PRIu64, t.fib.lookups, t.fib.hits,
		         t.fib.queries, t.fib.no_route, t.fib.local, t.fib.failures, t.fib.timeouts);
	if (ex->src->ops->log_detail != NULL)
		ex->src->ops->log_detail(ex->src);
}

/* Let every sender write what its socket now takes of its queue. */
static void senders_drain(struct exporter *ex)
{
	for (unsigned i = 0; i < ex->conf->ndest; i++)
		sender_drain(ex->snd[i], ex->now_ms);
}

/* Wait up to w->timeout_ms for frames (w->fd, if any) or for a sender that
 * can write what it holds (its socket, or the rate limit's next token).
 * poll(2)'s result. */
static int wait_for_input(struct exporter *ex, const struct source_wait *w)
{
	struct pollfd pfd[1 + EXP_MAX_DEST];
	int timeout_ms = w->timeout_ms;

	pfd[0].fd = w->fd;
	pfd[0].events = POLLIN;
	pfd[0].revents = 0;
	for (unsigned i = 0; i < ex->conf->ndest; i++) {
		int t = sender_pollfd(ex->snd[i], &pfd[1 + i]);
		if (t >= 0 && t < timeout_ms)
			timeout_ms = t;
	}
	return poll(pfd, 1 + ex->conf->ndest, timeout_ms);
}

/* The source, then the senders: the rate and patience depend on whether
 * the source replays.  Exits (fatalx) on failure. */
static void exporter_open(struct exporter *ex, const struct exporter_conf *conf)
{
	const struct flow_sink sink = { ex, sink_clock, sink_flow, sink_tick };
	bool dpdk = conf->cap.interface != NULL && is_dpdk_interface(conf->cap.interface);
	const struct flow_source_ops *ops = NULL;
	uint32_t rate;
	char err[512];

	memset(ex, 0, sizeof(*ex));
	ex->conf = conf;
	for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++)
		if (sources[i].dpdk == dpdk)
			ops = sources[i].ops;
	if (ops == NULL)   /* exporter_conf_check refuses DPDK ports without DPDK */
		fatalx("%s: no source for this input", conf->cap.interface);
	if ((ex->src = ops->open(conf, &sink, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	rate = conf->max_rate_set ? conf->max_rate : ex->src->replay ? DEF_FILE_RATE : 0;
	for (unsigned i = 0; i < conf->ndest; i++) {
		if ((ex->snd[i] = sender_new(&conf->dest[i], conf->mtu, err, sizeof(err))) == NULL)
			fatalx("%s", err);
		sender_set_rate(ex->snd[i], rate);
		sender_set_queue(ex->snd[i], conf->queue_bytes);
		if (ex->src->replay)
			sender_set_patience(ex->snd[i], conf->patience_s);
	}
}

/*
 * The one loop: a round of the source (which hands ended flows to the
 * encoders), the senders' queues, statistics on SIGUSR1, and a wait when
 * the source is idle; until SIGTERM/SIGINT or the end of the input.  Then
 * the source ends every flow.  Returns 0, or 1 if the input was damaged
 * (what was read is still exported).
 */
static int run(struct exporter *ex)
{
	int rc = 0;

	ex->src->ops->start(ex->src);
	while (!sig_stop) {
		struct source_wait w = { -1, 0 };
		enum source_result r = ex->src->ops->poll(ex->src, &w);

		if (r == SOURCE_END)
			break;
		if (r == SOURCE_FAILED) {
			rc = 1;
			break;
		}
		senders_drain(ex);
		log_reopen_due();            /* after a SIGHUP: the --log-file anew */
		if (sig_stats) {
			sig_stats = 0;
			print_stats(ex);
		}
		if (r == SOURCE_IDLE && wait_for_input(ex, &w) < 0 && errno != EINTR)
			fatal("poll");
	}
	ex->src->ops->stop(ex->src);
	return rc;
}

/*
 * A replay must deliver what it produced: every message refused by the
 * collector's host, dropped (queue full, stalled collector) or lost to a
 * send error is counted, and any makes the exit status 1, with one line
 * giving the count and where.  Live captures keep exiting 0.  (Messages,
 * not records: a refusal names no datagram.)
 */
static int replay_losses(const struct exporter *ex)
{
	char where[2048];
	size_t off = 0;
	uint64_t lost = 0;

	if (!ex->src->replay)
		return 0;
	where[0] = '\0';
	for (unsigned i = 0; i < ex->conf->ndest; i++) {
		const struct sender_stats *ss = sender_stats(ex->snd[i]);
		uint64_t n = ss->refused + ss->dropped + ss->errors;

		if (n == 0)
			continue;
		lost += n;
		if (off < sizeof(where))
			off += (size_t)snprintf(where + off, sizeof(where) - off,
			                        "%s%s refused=%" PRIu64 " dropped=%" PRIu64
			                        " send-errors=%" PRIu64, off ? ", " : "",
			                        sender_name(ex->snd[i]), ss->refused, ss->dropped,
			                        ss->errors);
	}
	if (lost == 0)
		return 0;
	log_warnx("%" PRIu64 " export messages not delivered: %s", lost, where);
	return 1;
}

/* Flush the encoders, drain the senders (a bounded wait), print the
 * statistics.  Returns the exit status: rc, or 1 if a replay lost
 * messages. */
static int exporter_finish(struct exporter *ex, int rc)
{
	for (unsigned i = 0; i < ex->conf->ndest && ex->enc_open; i++)
		ex->encops[i]->flush(ex->enc[i], ex->now_ms);
	sender_finish(ex->snd, ex->conf->ndest, EXIT_IDLE_MS, ex->now_ms);
	print_stats(ex);
	return replay_losses(ex) && rc == 0 ? 1 : rc;
}

/* Free the encoders, then the senders they borrow, then the source. */
static void exporter_close(struct exporter *ex)
{
	for (unsigned i = 0; i < ex->conf->ndest; i++) {
		if (ex->enc_open)
			ex->encops[i]->close(ex->enc[i]);
		sender_free(ex->snd[i]);
	}
	ex->src->ops->close(ex->src);
}

enum {
	OPT_DPDK = 256, OPT_DPDK_IDLE, OPT_DPDK_WORKERS, OPT_DPDK_QUEUES, OPT_LOG_FILE,
	OPT_DIRECTION, OPT_ROUTE_LOOKUP,
};

/* Parse argv into *cli (-V and -h answered here).  Returns -1 to go on, or
 * an exit status. */
static int parse_cli(int argc, char **argv, struct exporter_args *cli)
{
	static const struct option longopts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "read",      required_argument, NULL, 'r' },
		{ "export",    required_argument, NULL, 'x' },
		{ "config",    required_argument, NULL, 'c' },
		{ "filter",    required_argument, NULL, 'f' },
		{ "user",      required_argument, NULL, 'u' },
		{ "check",     no_argument,       NULL, 'n' },
		{ "verbose",   no_argument,       NULL, 'v' },
		{ "syslog",    no_argument,       NULL, 'S' },
		{ "version",   no_argument,       NULL, 'V' },
		{ "help",      no_argument,       NULL, 'h' },
		{ "dpdk",      required_argument, NULL, OPT_DPDK },
		{ "dpdk-idle-exit", required_argument, NULL, OPT_DPDK_IDLE },
		{ "dpdk-workers", required_argument, NULL, OPT_DPDK_WORKERS },
		{ "dpdk-queues", required_argument, NULL, OPT_DPDK_QUEUES },
		{ "log-file",  required_argument, NULL, OPT_LOG_FILE },
		{ "direction", required_argument, NULL, OPT_DIRECTION },
		{ "route-lookup", no_argument,    NULL, OPT_ROUTE_LOOKUP },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(cli, 0, sizeof(*cli));
	cli->dpdk_idle_exit = -1;
	while ((ch = getopt_long(argc, argv, "i:r:x:c:f:u:nvSVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'i': cli->iface = optarg; break;
		case 'r': cli->file = optarg; break;
		case 'c': cli->cfgpath = optarg; break;
		case 'f': cli->filter = optarg; break;
		case 'u': cli->user = optarg; break;
		case 'n': cli->check_only = true; break;
		case 'v': cli->verbose++; break;
		case 'S': cli->syslog = true; break;
		case 'V': daemon_version("anemone-exporter"); return 0;
		case 'h': usage(stdout); return 0;
		case OPT_DPDK: cli->dpdk = optarg; break;
		case OPT_LOG_FILE: cli->log_file = optarg; break;
		case OPT_ROUTE_LOOKUP: cli->route_lookup = true; break;
		case OPT_DIRECTION:
			if (parse_direction(optarg, &cli->direction) < 0) {
				fprintf(stderr, "anemone-exporter: --direction: '%s' must be in, out "
				        "or both\n", optarg);
				return CONF_EXIT;
			}
			cli->direction_set = true;
			break;
		case OPT_DPDK_IDLE: {
			uint64_t v;
			if (parse_uint(optarg, 0, 86400, &v) < 0) {
				fprintf(stderr, "anemone-exporter: --dpdk-idle-exit: '%s' is not a "
				        "number of seconds (0-86400)\n", optarg);
				return CONF_EXIT;
			}
			cli->dpdk_idle_exit = (long)v;
			break;
		}
		case OPT_DPDK_WORKERS:
		case OPT_DPDK_QUEUES: {
			uint64_t max = ch == OPT_DPDK_WORKERS ? 64 : 16, v;
			if (parse_uint(optarg, 1, max, &v) < 0) {
				fprintf(stderr, "anemone-exporter: --dpdk-%s: '%s' is not a number "
				        "from 1 to %" PRIu64 "\n", ch == OPT_DPDK_WORKERS ? "workers" : "queues",
				        optarg, max);
				return CONF_EXIT;
			}
			*(ch == OPT_DPDK_WORKERS ? &cli->dpdk_workers : &cli->dpdk_queues) = (long)v;
			break;
		}
		case 'x':
			if (cli->nx == EXP_MAX_DEST) {
				fprintf(stderr, "anemone-exporter: at most %d destinations\n", EXP_MAX_DEST);
				return CONF_EXIT;
			}
			cli->x[cli->nx++] = optarg;
			break;
		default:
			usage(stderr);
			return CONF_EXIT;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "anemone-exporter: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return CONF_EXIT;
	}
	if (cli->iface != NULL && cli->file != NULL) {
		fprintf(stderr, "anemone-exporter: -i and -r are mutually exclusive\n");
		return CONF_EXIT;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct exporter_conf conf;
	struct exporter_args args;
	struct exporter ex;
	config_t cfg;
	int rc;
	unsigned keep;
	char err[512], cfgbuf[512];

	if ((rc = parse_cli(argc, argv, &args)) >= 0)
		return rc;
	args.cfgpath = daemon_config_path(args.cfgpath, "anemone-exporter", cfgbuf, sizeof(cfgbuf));
	config_init(&cfg);
	if ((rc = exporter_settings(&conf, &cfg, &args)) < 0 && args.check_only) {
		printf("%s: configuration OK\n", args.cfgpath ? args.cfgpath : "anemone-exporter");
		rc = 0;
	}
	if (rc >= 0) {
		config_destroy(&cfg);
		return rc;
	}
	log_init("anemone-exporter", conf.syslog ? LOG_TO_SYSLOG : LOG_TO_STDERR, conf.verbose);

	/* a live capture keeps CAP_NET_RAW to re-open an interface that went
	 * away; threads DPDK starts in exporter_open inherit the bound */
	keep = conf.cap.interface != NULL ? DAEMON_KEEP_NET_RAW : 0;
	daemon_bound_privileges(conf.user, keep);
	exporter_open(&ex, &conf);
	daemon_drop_privileges(conf.user, keep);
	/* the log file is the service user's, as when SIGHUP reopens it */
	if (conf.log_file != NULL && log_to_file(conf.log_file, &sig_hup, err, sizeof(err)) < 0)
		fatalx("%s", err);
	daemon_signals();
	signal(SIGPIPE, SIG_IGN);

	rc = run(&ex);
	rc = exporter_finish(&ex, rc);
	exporter_close(&ex);
	config_destroy(&cfg);
	return rc;
}
