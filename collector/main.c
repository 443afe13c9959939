/*
 * anemone-collector: UDP/TCP listeners -> coll (decode, normalise, place,
 * aggregate) -> at each flush, buckets of three resolutions -> the Redis
 * writer.  One thread receives and aggregates; Redis is written by the
 * writer's thread (redis/writer.h) and the topology read from Redis (what
 * anemone-ospfmon publishes) by the poll's (topopoll.h), so that a slow
 * Redis never holds up receiving.  The topology may be a file instead; it
 * is reloaded when it changes.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <libconfig.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "coll.h"
#include "conf.h"
#include "daemon.h"
#include "linkdoc.h"
#include "log.h"
#include "netin.h"
#include "place.h"
#include "rconn.h"
#include "sbuf.h"
#include "schema.h"
#include "settings.h"
#include "topo.h"
#include "topoload.h"
#include "topopoll.h"
#include "writer.h"

#define TICK_MS      200
#define EXIT_STALL_MS 10000      /* at exit, give up writing after this without progress */
#define EXIT_CAP_MS   60000      /* ... or after this in all (systemd allows 90 s) */
#define DRAIN_MS     2000        /* at exit, time given to read what is queued */

/* The three resolutions written: the flush interval's, 1m and 1h. */
#define NRES 3

struct col {
	const struct collector_conf *conf;
	const struct schema_res *res[NRES];   /* schema.h's table, finest first */
	struct coll *coll;
	struct writer *w;
	struct netin *in;
	int fwd4, fwd6;
	uint64_t forwarded, forward_errors;
	uint64_t saturated;          /* additions to a bucket that stopped at INT64_MAX */
	uint64_t overflow;           /* links, pairs, exporters beyond max-keys */
	struct agg coarse[NRES];     /* [0] unused: the interval table is coll's */
	uint64_t bucket[NRES];       /* start of the open bucket of each resolution */
	uint64_t clock_ms;           /* --clock exporter: newest export time, 0: none yet */
	/* topology */
	struct topopoll *tp;         /* from Redis */
	struct timespec topo_mtime;
	off_t topo_size;
	uint64_t next_topo_ms;
	uint64_t topo_loads, topo_errors;
};

/* --- inputs ---------------------------------------------------------------- */

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

static void flush(struct col *c, uint64_t now_ms, uint64_t wall, bool all);
static uint64_t floor_to(uint64_t t, uint64_t w);

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
		for (int r = 0; r < NRES; r++)
			c->bucket[r] = floor_to(t, c->res[r]->width_ms);
	else
		flush(c, t, wall, false);
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
			flush(c, now, now, false);
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

/* --- the topology ---------------------------------------------------------- */

/* The configured router names (<prefix>router-names), 128 a command. */
static void write_names(struct col *c)
{
	struct sbuf b = SBUF_INIT;

	writer_del(c->w, SCHEMA_ROUTER_NAMES);
	for (unsigned i = 0; i < c->conf->nnames; i++) {
		uint32_t id = c->conf->names[i].id;
		sbuf_printf(&b, "%u.%u.%u.%u=%s\n", id >> 24, id >> 16 & 255, id >> 8 & 255, id & 255,
		            c->conf->names[i].name);
		if ((i + 1) % 128 == 0 || i + 1 == c->conf->nnames) {
			if (sbuf_ok(&b))
				writer_hset_text(c->w, SCHEMA_ROUTER_NAMES, sbuf_str(&b));
			sbuf_reset(&b);
		}
	}
	sbuf_free(&b);
}

static void take_lsdb(struct col *c, struct lsdb *db, uint64_t time_ms, const char *what)
{
	struct placer *p = placer_build(db, time_ms);

	if (p == NULL) {
		lsdb_free(db);
		log_warnx("%s: cannot build the topology (out of memory)", what);
		c->topo_errors++;
		if (c->tp)
			topopoll_again(c->tp);          /* read it again */
		return;
	}
	coll_set_topology(c->coll, p, db);
	c->topo_loads++;
	log_info("%s: topology loaded (%u routers)", what, placer_routers(p));
	if (c->w) {
		/* the links with their costs and capacities, for Grafana and anemone */
		struct topo *t = topo_build(db, time_ms);
		struct sbuf json = SBUF_INIT, caps = SBUF_INIT;
		if (t) {
			linkdoc_build(t, c->topo_loads, c->conf->caps, c->conf->ncaps, &json, &caps);
			if (sbuf_ok(&json) && sbuf_ok(&caps)) {
				writer_set(c->w, SCHEMA_LINK_TOPOLOGY, sbuf_str(&json), json.len);
				writer_del(c->w, SCHEMA_CAPACITY);
				if (caps.len)
					writer_hset_text(c->w, SCHEMA_CAPACITY, sbuf_str(&caps));
			}
			write_names(c);
			topo_free(t);
		}
		sbuf_free(&json);
		sbuf_free(&caps);
	}
}

static void topo_file(struct col *c, bool force)
{
	struct stat st;
	char err[256];
	uint64_t version = 0, time_ms = 0;
	struct lsdb *db;

	if (stat(c->conf->topo_file, &st) < 0) {
		if (force || c->topo_size != -1)
			log_warn("%s", c->conf->topo_file);
		c->topo_size = -1;
		return;
	}
	if (!force && st.st_size == c->topo_size && st.st_mtim.tv_sec == c->topo_mtime.tv_sec &&
	    st.st_mtim.tv_nsec == c->topo_mtime.tv_nsec)
		return;
	c->topo_size = st.st_size;
	c->topo_mtime = st.st_mtim;
	if ((db = topoload_file(c->conf->topo_file, &version, &time_ms, err, sizeof(err))) == NULL) {
		log_warnx("%s: %s; keeping the topology held", c->conf->topo_file, err);
		c->topo_errors++;
		return;
	}
	take_lsdb(c, db, time_ms, c->conf->topo_file);
}

/* Take the database the poll's thread has read from Redis, if there is a
 * new one.  Never waits for Redis. */
static void topo_redis(struct col *c)
{
	uint64_t version = 0, time_ms = 0;
	struct lsdb *db = topopoll_take(c->tp, &version, &time_ms, &c->topo_errors);
	char what[300];

	if (db == NULL)
		return;
	snprintf(what, sizeof(what), "redis %s: %s version %" PRIu64,
	         topopoll_endpoint(c->tp), schema_key_name(SCHEMA_OSPF_LSDB), version);
	take_lsdb(c, db, time_ms, what);
}

static void topo_check(struct col *c, uint64_t now_ms, bool force)
{
	if (c->conf->topo == TS_REDIS) {     /* polled by its thread: take it when there */
		if (force)
			topopoll_wait_first(c->tp);
		topo_redis(c);
		return;
	}
	if (!force && now_ms < c->next_topo_ms)
		return;
	c->next_topo_ms = now_ms + c->conf->topo_check_ms;
	if (c->conf->topo == TS_FILE)
		topo_file(c, force);
}

/* --- statistics ------------------------------------------------------------ */

static void stats_text(const struct col *c, struct sbuf *b, bool redis_hash)
{
	const struct coll_stats *s = coll_stats(c->coll);
	struct writer_stats ws = { 0 };
	struct netin_stats ns = { 0 };
	const char *sep = redis_hash ? "\n" : " ";

	if (c->w)
		writer_stats(c->w, &ws);
	if (c->in)
		netin_stats(c->in, &ns);
#define ST(name, v) sbuf_printf(b, "%s=%" PRIu64 "%s", name, (uint64_t)(v), sep)
	ST("datagrams", s->datagrams);
	ST("octets", s->octets);
	for (int i = 0; i < CD_MAX; i++) {
		char n[64];
		snprintf(n, sizeof(n), "dropped-%s", coll_drop_name((enum coll_drop)i));
		ST(n, s->dropped[i]);
	}
	ST("bad-ipfix-short", s->ipfix_short);
	ST("bad-ipfix-length", s->ipfix_length);
	ST("bad-ipfix-sets", s->ipfix_sets);
	ST("bad-ipfix-domains", s->ipfix_domains);
	ST("bad-ipfix-decode", s->ipfix_decode);
	ST("records-v5", s->records[0]);
	ST("records-v9", s->records[1]);
	ST("records-ipfix", s->records[2]);
	ST("absurd-records", s->absurd);
	ST("lost", s->lost);
	ST("reordered", s->reordered);
	ST("sequence-resets", s->resets);
	ST("exporters", s->exporters);
	ST("exporters-evicted", s->exporters_evicted);
	ST("exporters-evicted-unproductive", s->exporters_evicted_unproductive);
	ST("exporters-evicted-crowded", s->exporters_evicted_crowded);
	ST("template-memory", s->template_memory);
	ST("template-memory-peak", s->template_memory_peak);
	ST("template-memory-limit", s->template_memory_limit);
	ST("templates-evicted", s->templates_evicted);
	ST("templates-evicted-used", s->templates_evicted_used);
	ST("template-memory-refused", s->template_memory_refused);
	ST("domains", s->domains);
	ST("templates", s->templates);
	ST("templates-added", s->templates_added);
	ST("templates-withdrawn", s->templates_withdrawn);
	ST("template-errors", s->template_errors);
	ST("no-template-sets", s->no_template_sets);
	ST("bad-sets", s->bad_sets);
	ST("reserved-sets", s->reserved_sets);
	ST("options-records", s->options_records);
	ST("no-address-records", s->no_address_records);
	ST("sampling-rejected", s->sampling_rejected);
	ST("domains-folded", s->domains_folded);
	ST("fields-skipped", s->fields_skipped);
	ST("value-overflows", s->value_overflows);
	ST("routed", s->routed);
	ST("unrouted", s->unrouted);
	{
		uint64_t sat = c->saturated + coll_interval(c->coll)->saturated;
		uint64_t ovf = c->overflow + coll_interval(c->coll)->overflow;
		for (int r = 1; r < NRES; r++) {
			sat += c->coarse[r].saturated;
			ovf += c->coarse[r].overflow;
		}
		ST("sums-saturated", sat);
		ST("keys-overflow", ovf);
	}
	ST("topology-loads", c->topo_loads);
	ST("topology-errors", c->topo_errors);
	ST("forwarded", c->forwarded);
	ST("forward-errors", c->forward_errors);
	ST("tcp-errors", ns.tcp_errors);
	ST("tcp-accepted", ns.tcp_accepted);
	ST("tcp-open", ns.tcp_open);
	ST("tcp-evicted", ns.tcp_evicted);
	ST("tcp-idle-timeouts", ns.tcp_idle_timeouts);
	ST("tcp-stall-timeouts", ns.tcp_stall_timeouts);
	ST("tcp-truncated", ns.tcp_truncated);
	ST("udp-kernel-drops", ns.udp_kernel_drops);
	ST("redis-batches", ws.batches_written);
	ST("redis-commands", ws.commands_written);
	ST("redis-batches-dropped", ws.batches_dropped);
	ST("redis-records-dropped", ws.records_dropped);
	ST("redis-exec-errors", ws.exec_errors);
	ST("redis-duplicates", ws.duplicates);
	ST("redis-saturated", ws.saturated);
	ST("redis-queued", ws.queued_batches);
	ST("redis-records-queued", ws.queued_records);
	ST("redis-errors", ws.redis_errors);
	sbuf_printf(b, "redis=%s", ws.redis_up ? "up" : "down");
#undef ST
}

/* The statistics as log lines "stats name=value ...", cut between fields
 * so that no line passes what a log line holds (lib/log.c, syslog): the
 * first starts with datagrams=, a name appears once. */
static void log_stats(const struct col *c)
{
	enum { LINE = 800 };
	struct sbuf b = SBUF_INIT;
	const char *p, *end;

	stats_text(c, &b, false);
	p = sbuf_str(&b);
	end = p + strlen(p);
	while (p < end) {
		const char *cut = end;
		if (end - p > LINE) {
			cut = p + LINE;
			while (cut > p && *cut != ' ')
				cut--;
			if (cut == p)
				cut = p + LINE;
		}
		log_info("stats %.*s", (int)(cut - p), p);
		p = cut;
		while (*p == ' ')
			p++;
	}
	sbuf_free(&b);
}

/* --- flushing -------------------------------------------------------------- */

static const char *reason_name(uint32_t r)
{
	return place_reason_name((int)r);
}

static uint64_t floor_to(uint64_t t, uint64_t w)
{
	return t - t % w;
}

/*
 * Close the buckets that have ended by now_ms (all of them when `all`): the
 * interval table is written as the finest bucket and merged into the open
 * buckets of the coarser resolutions, which are written when they end.
 * now_ms is the bucket clock (arrival or export time), wall the time now.
 */
static void flush(struct col *c, uint64_t now_ms, uint64_t wall, bool all)
{
	struct agg *iv = coll_interval(c->coll);

	if (!all && now_ms < c->bucket[0] + c->res[0]->width_ms)
		return;
	coll_flush_sessions(c->coll, wall);
	if (iv->n > 0) {
		if (c->w)
			writer_bucket(c->w, c->res[0], true, c->bucket[0], iv);
		for (int r = 1; r < NRES; r++)
			agg_merge(&c->coarse[r], iv);
		if (iv->overflow)
			log_warnx("%" PRIu64 " updates of links, pairs or exporters not counted under "
			          "their key (they are in the total): more than %zu in one interval "
			          "(max-keys)", iv->overflow, iv->max_keys);
	}
	c->saturated += iv->saturated;
	c->overflow += iv->overflow;
	agg_clear(iv);
	c->bucket[0] = floor_to(now_ms, c->res[0]->width_ms);
	if (c->w && !all) {
		struct sbuf b = SBUF_INIT;
		stats_text(c, &b, true);
		writer_hset_text(c->w, SCHEMA_COLLECTOR_STATS, sbuf_str(&b));
		sbuf_free(&b);
	}
	for (int r = 1; r < NRES; r++) {
		if (!all && now_ms < c->bucket[r] + c->res[r]->width_ms)
			continue;
		if (c->coarse[r].n > 0 && c->w)
			writer_bucket(c->w, c->res[r], false, c->bucket[r], &c->coarse[r]);
		if (c->coarse[r].overflow)
			log_warnx("%" PRIu64 " updates of links, pairs or exporters not counted under "
			          "their key in a %s bucket (they are in its total): more than %zu "
			          "(max-keys)", c->coarse[r].overflow, c->res[r]->name, c->coarse[r].max_keys);
		c->saturated += c->coarse[r].saturated;
		c->overflow += c->coarse[r].overflow;
		agg_clear(&c->coarse[r]);
		c->bucket[r] = floor_to(now_ms, c->res[r]->width_ms);
	}
}

/* --- main ------------------------------------------------------------------ */

static void usage(FILE *fp)
{
	fprintf(fp,
	"usage: anemone-collector [-nv] [-c FILE] [-l PROTO:ADDR:PORT ...] [--redis HOST:PORT]\n"
	"                         [--no-redis] [--topology redis|FILE|none] [--flush DURATION]\n"
	"                         [--clock arrival|exporter]\n"
	"  -l SPEC    listen: PROTO v5, v9, ipfix (UDP; several joined by commas, or udp\n"
	"             for all three) or ipfix+tcp; ADDR * for every address:\n"
	"             -l udp:*:2055 -l ipfix+tcp:[::1]:4739\n"
	"  -c FILE    configuration file (libconfig)    -n  check the configuration, exit\n"
	"  --redis HOST[:PORT] | PATH   where to write (default 127.0.0.1:6379)\n"
	"  --no-redis                   aggregate and log only\n"
	"  --topology redis|FILE|none   OSPF topology: as anemone-ospfmon publishes it in\n"
	"             Redis (default), an LSDB file (snapshot or JSON), or none\n"
	"  --flush D  flush interval (default 10s)      -v  debug logging   -V  version\n"
	"  --clock exporter   time buckets by the messages' export time (replays of\n"
	"             captured exports), not by arrival (the default)\n"
	"SIGUSR1 logs statistics; SIGTERM/SIGINT write what is held and exit.\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "redis", required_argument, NULL, 'R' },
		{ "no-redis", no_argument, NULL, 'N' },
		{ "topology", required_argument, NULL, 'T' },
		{ "flush", required_argument, NULL, 'F' },
		{ "clock", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct collector_conf conf;
	struct col c;
	config_t cfg;
	const char *cfile = NULL, *cli_topo = NULL, *cli_redis = NULL, *cli_flush = NULL;
	const char *cli_clock = NULL;
	const char *cli_listen[COL_MAX_LISTEN];
	unsigned ncli_listen = 0;
	bool check = false, no_redis = false;
	int verbose = 0, opt;
	char err[512], hostbuf[256], idbuf[1024];
	uint64_t seed;
	int status = 0;

	while ((opt = getopt_long(argc, argv, "c:l:nvVh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': cfile = optarg; break;
		case 'l':
			if (ncli_listen == COL_MAX_LISTEN) {
				fprintf(stderr, "anemone-collector: at most %d -l\n", COL_MAX_LISTEN);
				return CONF_EXIT;
			}
			cli_listen[ncli_listen++] = optarg;
			break;
		case 'n': check = true; break;
		case 'v': verbose++; break;
		case 'R': cli_redis = optarg; break;
		case 'N': no_redis = true; break;
		case 'T': cli_topo = optarg; break;
		case 'F': cli_flush = optarg; break;
		case 'C': cli_clock = optarg; break;
		case 'V': printf("anemone-collector %s\n", PACKAGE_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return CONF_EXIT;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "anemone-collector: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return CONF_EXIT;
	}
	log_init("anemone-collector", LOG_TO_STDERR, verbose);
	collector_conf_defaults(&conf);
	config_init(&cfg);
	if (cfile && collector_conf_load(&conf, &cfg, cfile) > 0)
		goto conf_error;
	if (ncli_listen) {
		conf.nlisten = 0;
		for (unsigned i = 0; i < ncli_listen; i++) {
			if (col_listen_parse(cli_listen[i], &conf.listen[conf.nlisten], err, sizeof(err)) < 0) {
				fprintf(stderr, "anemone-collector: -l %s\n", err);
				goto conf_error;
			}
			conf.nlisten++;
		}
	}
	if (cli_redis) {
		if (col_redis_parse(cli_redis, &conf.rc, hostbuf, sizeof(hostbuf), err, sizeof(err)) < 0) {
			fprintf(stderr, "anemone-collector: --redis %s\n", err);
			goto conf_error;
		}
		conf.redis = true;
	}
	if (no_redis)
		conf.redis = false;
	if (cli_topo) {
		if (strcmp(cli_topo, "redis") == 0) {
			conf.topo = TS_REDIS;
		} else if (strcmp(cli_topo, "none") == 0) {
			conf.topo = TS_NONE;
		} else {
			conf.topo = TS_FILE;
			conf.topo_file = cli_topo;
		}
	}
	if (cli_flush && (parse_duration_ms(cli_flush, &conf.flush_ms) < 0 ||
	                  schema_res_flush(conf.flush_ms) == NULL)) {
		fprintf(stderr, "anemone-collector: --flush '%s': must divide a minute in whole "
		        "seconds (1s, 2s, 5s, 10s, 15s, 20s, 30s)\n", cli_flush);
		goto conf_error;
	}
	if (cli_clock && col_clock_parse(cli_clock, &conf.clock_exporter) < 0) {
		fprintf(stderr, "anemone-collector: --clock '%s': arrival or exporter\n", cli_clock);
		goto conf_error;
	}
	if (conf.nlisten == 0) {
		fprintf(stderr, "anemone-collector: nothing to listen on: give -l PROTO:ADDR:PORT "
		        "or 'listen' in the configuration\n");
		goto conf_error;
	}
	if (conf.topo == TS_REDIS && !conf.redis) {
		fprintf(stderr, "anemone-collector: --topology redis needs Redis "
		        "(give --topology FILE or none with --no-redis)\n");
		goto conf_error;
	}
	if (check) {
		printf("configuration OK\n");
		config_destroy(&cfg);
		return 0;
	}
	if (conf.syslog)
		log_init("anemone-collector", LOG_TO_SYSLOG, verbose ? verbose : conf.verbose);
	else if (conf.verbose && !verbose)
		log_init("anemone-collector", LOG_TO_STDERR, conf.verbose);

	memset(&c, 0, sizeof(c));
	c.conf = &conf;
	/* the finest resolution is the flush interval's: "10s", "1s" */
	if ((c.res[0] = schema_res_flush(conf.flush_ms)) == NULL)
		fatalx("flush interval of %" PRIu64 " ms: not one of the schema's", conf.flush_ms);
	c.res[1] = &schema_res[SCHEMA_RES_1M];
	c.res[2] = &schema_res[SCHEMA_RES_1H];
	c.fwd4 = c.fwd6 = -1;
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint64_t)wall_ms() * 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid();
	{
		/* every resolution's top-N sketch, fed per record: see agg.h */
		size_t top_k = (size_t)conf.top_sketch *
		               (conf.top_n ? (size_t)conf.top_n : WRITER_DEFAULT_TOP_N);
		struct coll_conf cc = {
			.max_exporters = conf.max_exporters, .max_keys = conf.max_keys,
			.top_k = top_k,
			.max_sampling = (uint32_t)conf.max_sampling,
			.template_memory = conf.template_memory,
			.template_share_pct = (unsigned)conf.template_share,
			.max_domains = (unsigned)conf.max_domains,
			.map = conf.map, .nmap = conf.nmap,
			.allow = conf.nallow ? conf.allow : NULL, .nallow = conf.nallow,
		};
		if ((c.coll = coll_new(&cc, seed)) == NULL)
			fatalx("out of memory");
		for (int r = 1; r < NRES; r++)
			if (agg_init(&c.coarse[r], conf.max_keys, top_k, seed + (uint64_t)r) < 0)
				fatalx("out of memory");
		agg_chain(coll_interval(c.coll), &c.coarse[1]);
		for (int r = 2; r < NRES; r++)
			agg_chain(&c.coarse[r - 1], &c.coarse[r]);
	}
	if (conf.redis) {
		struct writer_conf wc = {
			.redis = conf.rc, .prefix = conf.prefix, .backlog_bytes = conf.backlog_bytes,
			.id = conf.writer_id ? conf.writer_id : col_default_id(&conf, idbuf, sizeof(idbuf)),
			.top_n = (unsigned)conf.top_n, .reason_name = reason_name,
		};
		if ((c.w = writer_new(&wc)) == NULL)
			fatalx("out of memory");
	}
	if (conf.topo == TS_REDIS) {
		const char *p = conf.topo_prefix ? conf.topo_prefix :
		                conf.prefix ? conf.prefix : SCHEMA_DEFAULT_PREFIX;
		if ((c.tp = topopoll_new(&conf.rc, p, conf.topo_check_ms)) == NULL)
			fatalx("cannot start the topology poll");
	}
	{
		struct netin_conf nc = {
			.listen = conf.listen, .nlisten = conf.nlisten, .rcvbuf = conf.rcvbuf,
			.max_conns = (unsigned)conf.tcp_max,
			.max_per_source = (unsigned)conf.tcp_per_source,
			.idle_ms = conf.tcp_idle_ms, .message_ms = conf.tcp_message_ms,
		};
		struct netin_ops ops = { &c, on_datagram, on_allowed, on_message, on_closed };
		if ((c.in = netin_new(&nc, &ops)) == NULL) {
			status = 1;
			goto out;
		}
	}
	if (conf.nforward) {
		c.fwd4 = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		c.fwd6 = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	}
	daemon_signals();

	{
		uint64_t now = wall_ms();
		for (int r = 0; r < NRES; r++)
			c.bucket[r] = floor_to(now, c.res[r]->width_ms);
		topo_check(&c, now, true);
	}
	/* Turns: each socket with input gets a bounded share (netin.h), then
	 * the clock and the stop flag are looked at, whatever the load. */
	while (!sig_stop) {
		uint64_t now;

		if (netin_poll(c.in, TICK_MS) < 0 && errno != EINTR)
			fatal("poll");
		now = wall_ms();
		netin_work(c.in, now, rconn_mono_ms());
		topo_check(&c, now, false);
		if (!conf.clock_exporter)
			flush(&c, now, now, false);
		if (c.w)
			writer_tick(c.w, now);
		if (sig_stats) {
			sig_stats = 0;
			log_stats(&c);
		}
	}

	/* write what is held: what the sockets hold, every open bucket, then
	 * the backlog, for a while */
	drain_inputs(&c);
	flush(&c, conf.clock_exporter ? c.clock_ms : wall_ms(), wall_ms(), true);
	if (c.w) {
		struct sbuf b = SBUF_INIT;
		stats_text(&c, &b, true);
		writer_hset_text(c.w, SCHEMA_COLLECTOR_STATS, sbuf_str(&b));
		sbuf_free(&b);
		write_backlog(&c);
	}
	log_stats(&c);
out:
	netin_free(c.in);
	if (c.fwd4 >= 0)
		close(c.fwd4);
	if (c.fwd6 >= 0)
		close(c.fwd6);
	writer_free(c.w);
	topopoll_free(c.tp);
	for (int r = 1; r < NRES; r++)
		agg_free(&c.coarse[r]);
	coll_free(c.coll);
	config_destroy(&cfg);
	return status;
conf_error:
	config_destroy(&cfg);
	return CONF_EXIT;
}
