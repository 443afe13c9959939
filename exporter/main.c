/*
 * anemone-exporter: capture -> meter (decode, flow table) -> encoders ->
 * senders.  One thread.  In capture-file mode every clock is the packet
 * timestamp, so the same file and configuration give the same bytes out.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <libconfig.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/time.h>
#include <unistd.h>

#include "conf.h"
#include "daemon.h"
#include "log.h"
#include "settings.h"
#ifdef HAVE_DPDK
#include "engine.h"
#endif

#define BURST            512
#define TICK_MS          100
#define REOPEN_MS        5000

struct exporter {
	const struct exporter_conf *conf;
	const struct capture_ops *capops;
	struct capture *cap;
	int dlt;
	struct meter *meter;       /* NULL with DPDK: the workers meter */
#ifdef HAVE_DPDK
	struct dpdk_engine *dp;
#endif
	struct sender *snd[EXP_MAX_DEST];
	const struct encoder_ops *encops[EXP_MAX_DEST];
	void *enc[EXP_MAX_DEST];
	bool enc_open;
	bool replay;               /* clocked by packet time (-r, DPDK net_pcap) */
	uint64_t now_ms;           /* latest time seen: packet or wall clock */
	uint64_t last_tick_ms;
	uint64_t cap_errors;       /* capture failures (device gone, file damaged) */
	struct cap_stats capst;    /* accumulated over re-opens */
	struct ratelim drop_rl;
};

static void usage(FILE *fp)
{
	fprintf(fp,
	"usage: anemone-exporter [-nvS] [-c FILE] (-i IFACE | -r FILE) [-f FILTER]\n"
	"                        [-u USER] -x PROTO:HOST:PORT [-x ...]\n"
	"                        [--dpdk EAL-ARGS [--dpdk-workers N] [--dpdk-queues N]\n"
	"                         [--dpdk-idle-exit SECONDS]]\n"
	"  -i IFACE   capture live on IFACE           -r FILE  read a pcap/pcapng file\n"
	"             (dpdk:PORT[,PORT...]: DPDK ethdev ports, with --dpdk \"EAL ARGS\")\n"
	"  -x DEST    export to PROTO:HOST:PORT, PROTO v5, ipfix (UDP) or ipfix+tcp;\n"
	"             IPv6 hosts in brackets: ipfix:[2001:db8::1]:4739\n"
	"  -c FILE    configuration file (libconfig)  -n       check configuration, exit\n"
	"  -f FILTER  BPF capture filter              -u USER  drop privileges to USER\n"
	"  -v         verbose (debug) logging         -S       log to syslog\n"
	"  --log-file FILE   log to FILE (reopened on SIGHUP)\n"
	"  -V         print version                   -h       this help\n"
	"Without -c, reads " ANEMONE_SYSCONFDIR "/anemone-exporter.conf if it exists.\n"
	"SIGUSR1 prints statistics; SIGHUP reopens the log file; SIGTERM/SIGINT\n"
	"export every flow and exit.\n");
}

static const struct encoder_ops *encoder_for(enum exp_proto proto)
{
	return proto == EXP_V5 ? &nf5_encoder_ops : &ipfix_encoder_ops;
}

/* Every ended flow goes to every encoder. */
static void export_flow(void *ctx, const struct anm_flow *f)
{
	struct exporter *ex = ctx;

	for (unsigned i = 0; i < ex->conf->ndest; i++)
		ex->encops[i]->add(ex->enc[i], f, ex->now_ms);
}

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

static void encoders_tick(struct exporter *ex)
{
	if (!ex->enc_open || ex->now_ms - ex->last_tick_ms < TICK_MS)
		return;
	ex->last_tick_ms = ex->now_ms;
	for (unsigned i = 0; i < ex->conf->ndest; i++)
		ex->encops[i]->tick(ex->enc[i], ex->now_ms);
}

static void on_frame(void *ctx, const struct cap_frame *fr)
{
	struct exporter *ex = ctx;
	enum pkt_status st;

	if (!ex->enc_open)
		encoders_open(ex, fr->ts_ms);
	if (fr->ts_ms > ex->now_ms) {
		/* the time first: flows that expire now are exported at it */
		ex->now_ms = fr->ts_ms;
		meter_advance(ex->meter, ex->now_ms);
		encoders_tick(ex);
	}
	st = meter_packet(ex->meter, ex->dlt, fr->data, fr->caplen, fr->wirelen, ex->now_ms);
	if (st != PKT_OK && st != PKT_NOT_IP)
		log_ratelimited(&ex->drop_rl, ex->now_ms, "dropped a %u-byte frame: %s",
		                fr->wirelen, pkt_status_name(st));
}

/* Capture counters so far: those of the captures already closed (a live
 * interface re-opened after it went away) plus the open one's. */
static struct cap_stats capture_stats_now(const struct exporter *ex)
{
	struct cap_stats cur = ex->capst, st;

	if (ex->cap != NULL) {
		ex->capops->stats(ex->cap, &st);
		if (st.valid) {
			cur.received += st.received;
			cur.dropped += st.dropped;
			cur.if_dropped += st.if_dropped;
			cur.valid = true;
		}
	}
	return cur;
}

static void print_stats(struct exporter *ex)
{
	const struct meter_stats *ms;
	const struct flowtab_stats *fs;
	struct cap_stats cur;
	char drops[1024];
	size_t off = 0;
	uint64_t dropped = 0;
#ifdef HAVE_DPDK
	struct meter_stats dms;
	struct flowtab_stats dfs;

	if (ex->dp != NULL) {
		dpdk_totals(ex->dp, &dms, &dfs, &cur);
		ms = &dms;
		fs = &dfs;
	} else
#endif
	{
		ms = meter_stats(ex->meter);
		fs = flowtab_stats(meter_flowtab(ex->meter));
		cur = capture_stats_now(ex);
	}
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
		         cur.received, cur.dropped, cur.if_dropped, ex->cap_errors);
	} else {
		log_info("stats capture %s: errors=%" PRIu64, ex->conf->cap.file, ex->cap_errors);
	}
#ifdef HAVE_DPDK
	if (ex->dp != NULL)
		dpdk_log_stats(ex->dp);
#endif
}

static int open_capture(struct exporter *ex, char *err, size_t errlen)
{
	if ((ex->cap = ex->capops->open(&ex->conf->cap, err, errlen)) == NULL)
		return -1;
	ex->dlt = ex->capops->datalink(ex->cap);
	return 0;
}

/* Housekeeping between bursts: statistics on SIGUSR1; with the wall clock
 * (live captures), time moves forward (never back), flows expire and the
 * encoders send what is due. */
static void stats_if_asked(struct exporter *ex)
{
	if (sig_stats) {
		sig_stats = 0;
		print_stats(ex);
	}
}

static void wall_tick(struct exporter *ex)
{
	uint64_t w = wall_ms();

	if (w > ex->now_ms)
		ex->now_ms = w;
	meter_advance(ex->meter, ex->now_ms);
	encoders_tick(ex);
}

/* Let every sender write what its socket now takes of its queue. */
static void senders_drain(struct exporter *ex)
{
	for (unsigned i = 0; i < ex->conf->ndest; i++)
		sender_drain(ex->snd[i], ex->now_ms);
}

/* Read a capture file to the end, then export everything.  Returns the exit
 * status: 0, or 1 if the file was damaged (what was read is still exported). */
static int run_file(struct exporter *ex)
{
	char err[512];
	int rc = 0;

	while (!sig_stop) {
		enum cap_result r = ex->capops->dispatch(ex->cap, BURST * 8, on_frame, ex,
		                                          err, sizeof(err));
		if (r == CAP_EOF)
			break;
		if (r == CAP_ERROR) {
			log_warnx("%s: %s", ex->conf->cap.file, err);
			ex->cap_errors++;
			rc = 1;
			break;
		}
		senders_drain(ex);
		stats_if_asked(ex);
	}
	return rc;
}

#ifdef HAVE_DPDK
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

/* The main lcore's side of the DPDK engine: the ended flows the workers
 * hand over go to the encoders. */
static void dpdk_flow(void *ctx, unsigned worker, const struct anm_flow *f)
{
	struct exporter *ex = ctx;

	if (!ex->enc_open)
		encoders_open(ex, f->first_ms);
	if (ex->conf->verbose >= 2)
		log_flow(worker, f);
	export_flow(ex, f);
}

/*
 * DPDK: the worker lcores capture and meter; this (main) lcore takes the
 * flows they end, encodes and sends them, until SIGTERM/SIGINT or the end of
 * input (no frame on any worker for --dpdk-idle-exit seconds).  A replay
 * (net_pcap reading files) runs on packet time, as -r does; otherwise on the
 * wall clock.
 */
static int run_dpdk(struct exporter *ex)
{
	uint64_t end;

	dpdk_start(ex->dp);
	while (!sig_stop) {
		uint64_t now = dpdk_now_ms(ex->dp), first;
		unsigned n;

		if (ex->replay && !ex->enc_open && (first = dpdk_first_ms(ex->dp)) != 0)
			encoders_open(ex, first);
		if (now > ex->now_ms)
			ex->now_ms = now;
		n = dpdk_poll(ex->dp, dpdk_flow, ex);
		encoders_tick(ex);
		senders_drain(ex);
		stats_if_asked(ex);
		if (dpdk_input_ended(ex->dp)) {
			log_info("%s: no frame for %u ms: end of input", ex->conf->cap.interface,
			         ex->conf->cap.eof_idle_ms);
			break;
		}
		if (n == 0)
			(void)poll(NULL, 0, 1);
	}
	dpdk_stop(ex->dp, dpdk_flow, ex);
	if ((end = dpdk_now_ms(ex->dp)) > ex->now_ms)
		ex->now_ms = end;
	return 0;
}
#endif

/* Wait up to timeout_ms for frames (the capture, if open) or for a sender
 * that can write what it holds (its socket, or the rate limit's next
 * token).  poll(2)'s result. */
static int senders_poll(struct exporter *ex, int timeout_ms)
{
	struct pollfd pfd[1 + EXP_MAX_DEST];

	pfd[0].fd = ex->cap != NULL ? ex->capops->fd(ex->cap) : -1;
	pfd[0].events = POLLIN;
	pfd[0].revents = 0;
	for (unsigned i = 0; i < ex->conf->ndest; i++) {
		int w = sender_pollfd(ex->snd[i], &pfd[1 + i]);
		if (w >= 0 && w < timeout_ms)
			timeout_ms = w;
	}
	return poll(pfd, 1 + ex->conf->ndest, timeout_ms);
}

/* Live capture until SIGTERM/SIGINT.  A capture that fails (interface gone)
 * is closed and re-opened every REOPEN_MS; flows stay in the table and keep
 * expiring on the wall clock meanwhile.  Nothing in the loop waits for a
 * collector: the senders queue what their sockets do not take at once. */
static int run_live(struct exporter *ex)
{
	struct ratelim rl = RATELIM_INIT(60000, 2);
	uint64_t reopen_at = 0;
	char err[512];

	while (!sig_stop) {
		if (ex->cap == NULL && ex->now_ms >= reopen_at) {
			if (open_capture(ex, err, sizeof(err)) == 0) {
				log_info("%s: capturing again", ex->conf->cap.interface);
			} else {
				log_ratelimited(&rl, ex->now_ms, "%s (retrying every %ds)", err,
				                REOPEN_MS / 1000);
				reopen_at = ex->now_ms + REOPEN_MS;
			}
		}
		if (senders_poll(ex, (int)ex->conf->cap.timeout_ms) < 0 && errno != EINTR)
			fatal("poll");
		if (ex->cap != NULL) {
			if (ex->capops->dispatch(ex->cap, BURST, on_frame, ex, err, sizeof(err))
			    == CAP_ERROR) {
				log_warnx("%s: capture failed: %s", ex->conf->cap.interface, err);
				ex->cap_errors++;
				ex->capst = capture_stats_now(ex);
				ex->capops->close(ex->cap);
				ex->cap = NULL;
				reopen_at = ex->now_ms + REOPEN_MS;
			}
		}
		wall_tick(ex);
		senders_drain(ex);
		stats_if_asked(ex);
	}
	/* Account what the kernel captured before the signal: its buffer hands
	 * packets over at the latest after the capture timeout. */
	if (ex->cap != NULL) {
		uint64_t until = wall_ms() + ex->conf->cap.timeout_ms + 50;
		while (wall_ms() < until) {
			struct pollfd pfd = { ex->capops->fd(ex->cap), POLLIN, 0 };
			(void)poll(&pfd, 1, 10);
			if (ex->capops->dispatch(ex->cap, -1, on_frame, ex, err, sizeof(err)) != CAP_OK)
				break;
		}
	}
	return 0;
}

static uint64_t random_u64(void)
{
	uint64_t v = 0;

	if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
		v = wall_ms() ^ ((uint64_t)getpid() << 32);
	return v ? v : 1;
}

/* What the command line says; it overrides the configuration file. */
struct cli {
	const char *cfgpath, *iface, *file, *filter, *user, *dpdk, *log_file;
	long dpdk_idle_exit;       /* seconds, -1 = not given */
	long dpdk_workers, dpdk_queues;  /* 0 = not given */
	const char *x[EXP_MAX_DEST];
	unsigned nx;
	bool check_only, syslog;
	int verbose;
};

enum { OPT_DPDK = 256, OPT_DPDK_IDLE, OPT_DPDK_WORKERS, OPT_DPDK_QUEUES, OPT_LOG_FILE };

/* Parse argv into *cli.  Returns -1 to go on, or an exit status. */
static int parse_cli(int argc, char **argv, struct cli *cli)
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
		case OPT_DPDK_IDLE: {
			char *end;
			errno = 0;
			cli->dpdk_idle_exit = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || errno != 0 ||
			    cli->dpdk_idle_exit < 0 || cli->dpdk_idle_exit > 86400) {
				fprintf(stderr, "anemone-exporter: --dpdk-idle-exit: '%s' is not a "
				        "number of seconds (0-86400)\n", optarg);
				return CONF_EXIT;
			}
			break;
		}
		case OPT_DPDK_WORKERS:
		case OPT_DPDK_QUEUES: {
			long max = ch == OPT_DPDK_WORKERS ? 64 : 16, v;
			char *end;
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || errno != 0 || v < 1 || v > max) {
				fprintf(stderr, "anemone-exporter: --dpdk-%s: '%s' is not a number "
				        "from 1 to %ld\n", ch == OPT_DPDK_WORKERS ? "workers" : "queues",
				        optarg, max);
				return CONF_EXIT;
			}
			*(ch == OPT_DPDK_WORKERS ? &cli->dpdk_workers : &cli->dpdk_queues) = v;
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

/* Defaults, then the file, then the command line.  Strings may point into
 * *cfg.  Returns 0, or CONF_EXIT after reporting every problem. */
static int build_conf(struct exporter_conf *conf, config_t *cfg, const struct cli *cli)
{
	char err[512];

	exporter_conf_defaults(conf);
	if (cli->cfgpath != NULL && exporter_conf_load(conf, cfg, cli->cfgpath) > 0)
		return CONF_EXIT;
	if (cli->iface != NULL) {
		conf->cap.interface = cli->iface;
		conf->cap.file = NULL;
	}
	if (cli->file != NULL) {
		conf->cap.file = cli->file;
		conf->cap.interface = NULL;
	}
	if (cli->filter != NULL) {
		if (filter_check(cli->filter, err, sizeof(err)) < 0) {
			fprintf(stderr, "anemone-exporter: -f %s\n", err);
			return CONF_EXIT;
		}
		conf->cap.filter = cli->filter;
	}
	if (cli->dpdk != NULL) {
		/* input.dpdk without a DPDK input is ignored (-r overrides the
		 * file's interface); --dpdk without one is a mistake */
		if (conf->cap.interface == NULL || !is_dpdk_interface(conf->cap.interface)) {
			fprintf(stderr, "anemone-exporter: --dpdk given but the input is not a "
			        "DPDK port (-i dpdk:PORT)\n");
			return CONF_EXIT;
		}
		conf->cap.dpdk_args = cli->dpdk;
	}
	if (cli->dpdk_idle_exit >= 0)
		conf->cap.eof_idle_ms = (uint32_t)cli->dpdk_idle_exit * 1000;
	if (cli->dpdk_workers > 0)
		conf->cap.dpdk_workers = (uint32_t)cli->dpdk_workers;
	if (cli->dpdk_queues > 0)
		conf->cap.dpdk_queues = (uint32_t)cli->dpdk_queues;
	if (cli->user != NULL)
		conf->user = cli->user;
	if (cli->syslog)
		conf->syslog = true;
	if (cli->log_file != NULL)
		conf->log_file = cli->log_file;
	if (cli->verbose)
		conf->verbose = cli->verbose;
	if (cli->nx > 0) {
		conf->ndest = 0;
		for (unsigned i = 0; i < cli->nx; i++) {
			if (exp_dest_parse(cli->x[i], &conf->dest[conf->ndest], err, sizeof(err)) < 0) {
				fprintf(stderr, "anemone-exporter: -x %s\n", err);
				return CONF_EXIT;
			}
			conf->ndest++;
		}
	}
	return exporter_conf_check(conf) > 0 ? CONF_EXIT : 0;
}

int main(int argc, char **argv)
{
	struct exporter_conf conf;
	struct exporter ex;
	struct cli cli;
	config_t cfg;
	int rc;
	char err[512], cfgbuf[512];

	if ((rc = parse_cli(argc, argv, &cli)) >= 0)
		return rc;
	cli.cfgpath = daemon_config_path(cli.cfgpath, "anemone-exporter", cfgbuf, sizeof(cfgbuf));
	config_init(&cfg);
	if (build_conf(&conf, &cfg, &cli) != 0) {
		config_destroy(&cfg);
		return CONF_EXIT;
	}
	if (cli.check_only) {
		printf("%s: configuration OK\n", cli.cfgpath ? cli.cfgpath : "anemone-exporter");
		config_destroy(&cfg);
		return 0;
	}

	log_init("anemone-exporter", conf.syslog ? LOG_TO_SYSLOG : LOG_TO_STDERR, conf.verbose);
	if (conf.log_file != NULL && log_to_file(conf.log_file, &sig_hup, err, sizeof(err)) < 0)
		fatalx("%s", err);
	if (conf.cap.interface != NULL && !is_dpdk_interface(conf.cap.interface) &&
	    !conf.if_index_set)
		conf.meter.in_if = if_nametoindex(conf.cap.interface);
	conf.meter.flows.seed = random_u64();
	if (!conf.seed_set)
		conf.meter.sampling_seed = conf.cap.file != NULL ? 1 : random_u64();

	memset(&ex, 0, sizeof(ex));
	ex.conf = &conf;
	ex.capops = conf.cap.file != NULL && !conf.cap.libpcap_only && pcapfile_usable(conf.cap.file) ?
	            &pcapfile_capture_ops : &pcap_capture_ops;
	ex.drop_rl = (struct ratelim)RATELIM_INIT(1000, 5);
#ifdef HAVE_DPDK
	if (conf.cap.interface != NULL && is_dpdk_interface(conf.cap.interface)) {
		struct dpdk_conf dc = {
			.eal_args = conf.cap.dpdk_args, .ports = conf.cap.interface,
			.workers = conf.cap.dpdk_workers, .queues = conf.cap.dpdk_queues,
			.promisc = conf.cap.promisc, .eof_idle_ms = conf.cap.eof_idle_ms,
			.if_index_set = conf.if_index_set, .meter = conf.meter,
		};
		if ((ex.dp = dpdk_open(&dc, err, sizeof(err))) == NULL)
			fatalx("%s", err);
		ex.replay = dpdk_replays(ex.dp);
		if (ex.replay)
			log_info("%s: replaying recorded timestamps (net_pcap)", conf.cap.interface);
	} else
#endif
	{
		if (open_capture(&ex, err, sizeof(err)) < 0)
			fatalx("%s", err);
		ex.replay = conf.cap.file != NULL;
	}
	if (!conf.max_rate_set)
		conf.max_rate = ex.replay ? DEF_FILE_RATE : 0;
	for (unsigned i = 0; i < conf.ndest; i++) {
		if ((ex.snd[i] = sender_new(&conf.dest[i], conf.mtu, err, sizeof(err))) == NULL)
			fatalx("%s", err);
		sender_set_rate(ex.snd[i], conf.max_rate);
		sender_set_queue(ex.snd[i], conf.queue_bytes);
		if (ex.replay)
			sender_set_patience(ex.snd[i], conf.patience_s);
	}
	if (ex.cap != NULL && (ex.meter = meter_new(&conf.meter, export_flow, &ex)) == NULL)
		fatalx("cannot allocate a flow table of %u flows (%zu MiB)",
		       conf.meter.flows.max_flows,
		       (size_t)conf.meter.flows.max_flows * flowtab_bytes_per_flow() >> 20);
	/* a live capture keeps CAP_NET_RAW to re-open an interface that went away */
	daemon_drop_privileges(conf.user, conf.cap.interface != NULL ? DAEMON_KEEP_NET_RAW : 0);

	daemon_signals();
	signal(SIGPIPE, SIG_IGN);

	if (conf.cap.file != NULL) {
		rc = run_file(&ex);
	} else {
		if (!ex.replay) {
			ex.now_ms = wall_ms();
			encoders_open(&ex, ex.now_ms);
		}
		log_info("capturing on %s, exporting to %u destination(s)", conf.cap.interface,
		         conf.ndest);
#ifdef HAVE_DPDK
		if (ex.dp != NULL)
			rc = run_dpdk(&ex);
		else
#endif
			rc = run_live(&ex);
	}

	if (ex.meter != NULL)
		flowtab_flush(meter_flowtab(ex.meter), ANM_END_FORCED);
	for (unsigned i = 0; i < conf.ndest && ex.enc_open; i++)
		ex.encops[i]->flush(ex.enc[i], ex.now_ms);
	sender_finish(ex.snd, conf.ndest, EXIT_IDLE_MS, ex.now_ms);
	print_stats(&ex);

	for (unsigned i = 0; i < conf.ndest; i++) {
		if (ex.enc_open)
			ex.encops[i]->close(ex.enc[i]);
		sender_free(ex.snd[i]);
	}
	meter_free(ex.meter);
	if (ex.cap != NULL)
		ex.capops->close(ex.cap);
#ifdef HAVE_DPDK
	dpdk_close(ex.dp);
#endif
	config_destroy(&cfg);
	return rc;
}
