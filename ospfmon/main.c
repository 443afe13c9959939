/*
 * anemone-ospfmon: a passive OSPFv2 listener.  It replays captures (-r) or
 * listens on an interface (-i: libpcap, or a receive-only raw socket) until
 * SIGTERM/SIGINT: every OSPF packet is checked, every LSA installed in the
 * link-state database by the rules of RFC 2328 13.1, every change of the
 * topology reported as an event, and the topology, the database and the
 * events published (Redis, a JSON file).  At the end it prints what --dump
 * asks for.  It never transmits.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libconfig.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "capture.h"
#include "conf.h"
#include "daemon.h"
#include "dump.h"
#include "lsdbdoc.h"
#include "log.h"
#include "monitor.h"
#include "publish.h"
#include "rconn.h"
#include "rawsock.h"
#include "snapshot.h"

#define DEF_SNAPSHOT_MS (5 * 60 * 1000)

#define MAX_IFACES 16

struct settings {
	const char *interfaces[MAX_IFACES];
	unsigned ninterfaces;
	const char *files[16];
	unsigned nfiles;
	bool raw_socket;
	uint32_t buffer_bytes;
	const char *snapshot;
	uint64_t snapshot_ms;
	const char *events_file;
	struct mon_conf mon;
	struct mon_key keys[MON_MAX_KEYS];
	struct pub_conf pub;
	bool syslog;
	int verbose;
};

static void defaults(struct settings *s)
{
	memset(s, 0, sizeof(*s));
	s->snapshot_ms = DEF_SNAPSHOT_MS;
	s->mon.hold_ms = DEF_HOLD_MS;
	s->mon.ev.flap_count = DEF_FLAP_COUNT;
	s->mon.ev.flap_window_ms = DEF_FLAP_WINDOW_MS;
}

static const char *const top_known[] = { "input", "snapshot", "events", "publish", "log",
                                         "authentication", "lsdb-memory", NULL };
static const char *const key_known[] = { "area", "key-id", "key", "type", NULL };
static const char *const input_known[] = { "interface", "raw-socket", "file", "buffer-size", NULL };
static const char *const snapshot_known[] = { "file", "interval", NULL };
static const char *const events_known[] = { "file", "hold", "flap-count", "flap-window", NULL };
static const char *const publish_known[] = {
	"redis-host", "redis-port", "redis-socket", "redis-user", "redis-password", "redis-db",
	"prefix", "events-keep", "timeout", "json-file", "lsdb-file", NULL
};
static const char *const log_known[] = { "syslog", "verbose", NULL };

/* --redis HOST[:PORT] or [IPV6]:PORT or a socket path (with a '/'). */
static int parse_redis(const char *arg, struct pub_conf *pc, char *buf, size_t len)
{
	struct rconn_conf rc = { 0 };

	if (rconn_parse(arg, &rc, buf, len) < 0)
		return -1;
	pc->redis_host = rc.host;
	pc->redis_unix = rc.unix_path;
	pc->redis_port = rc.port;
	return 0;
}

/* input.interface: a name, or a list of names. */
static void load_interfaces(struct conf_ctx *cx, const config_setting_t *g, struct settings *s)
{
	const config_setting_t *v = config_setting_get_member(g, "interface");
	const char *name;

	if (v == NULL)
		return;
	if (config_setting_type(v) == CONFIG_TYPE_STRING) {
		s->interfaces[0] = config_setting_get_string(v);
		s->ninterfaces = 1;
		return;
	}
	if (config_setting_type(v) != CONFIG_TYPE_ARRAY && config_setting_type(v) != CONFIG_TYPE_LIST) {
		conf_error(cx, v, "'interface' must be a name or a list of names");
		return;
	}
	for (int i = 0; i < config_setting_length(v); i++) {
		if ((name = config_setting_get_string_elem(v, i)) == NULL) {
			conf_error(cx, v, "'interface' must be a name or a list of names");
			return;
		}
		if (s->ninterfaces == MAX_IFACES) {
			conf_error(cx, v, "at most %d interfaces", MAX_IFACES);
			return;
		}
		s->interfaces[s->ninterfaces++] = name;
	}
}

/*
 * authentication = ( { area = "0.0.0.0"; key-id = 1; key = "..."; type = "md5"; }, ... ):
 * the keys packets are verified with (area optional: every area; type
 * md5 by default, or hmac-sha-1, -256, -384, -512).  The key strings stay in
 * cfg; they are never printed, not even in an error.
 */
static void load_keys(struct conf_ctx *cx, const config_setting_t *v, struct settings *s)
{
	if (config_setting_type(v) != CONFIG_TYPE_LIST && config_setting_type(v) != CONFIG_TYPE_ARRAY) {
		conf_error(cx, v, "'authentication' must be a list of keys: ( { key-id = 1; key = \"...\"; } )");
		return;
	}
	for (int i = 0; i < config_setting_length(v); i++) {
		const config_setting_t *g = config_setting_get_elem(v, (unsigned)i);
		struct mon_key *k = &s->keys[s->mon.nkeys];
		const char *str, *key = NULL;
		struct in_addr a;
		uint64_t id = 0;

		if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
			conf_error(cx, g, "each authentication key must be a group { key-id = ...; key = ...; }");
			continue;
		}
		if (s->mon.nkeys == MON_MAX_KEYS) {
			conf_error(cx, g, "at most %d authentication keys", MON_MAX_KEYS);
			return;
		}
		conf_known(cx, g, key_known);
		memset(k, 0, sizeof(*k));
		k->any_area = true;
		k->alg = OSPF_AUTH_MD5;
		if (conf_string(cx, g, "area", &str) > 0) {
			if (inet_pton(AF_INET, str, &a) == 1) {
				k->area = ntohl(a.s_addr);
				k->any_area = false;
			} else {
				conf_error(cx, config_setting_get_member(g, "area"),
				           "'area' must be an area id in dotted-quad form (\"0.0.0.1\")");
			}
		}
		if (conf_uint(cx, g, "key-id", 0, 255, &id) == 0)
			conf_error(cx, g, "an authentication key needs 'key-id' (0 to 255)");
		k->key_id = (uint8_t)id;
		if (conf_string(cx, g, "type", &str) > 0 &&
		    (k->alg = ospf_auth_alg_parse(str)) == OSPF_AUTH_ALG_MAX)
			conf_error(cx, config_setting_get_member(g, "type"), "'type' must be md5, "
			           "hmac-sha-1, hmac-sha-256, hmac-sha-384 or hmac-sha-512");
		if (conf_string(cx, g, "key", &key) == 0)
			conf_error(cx, g, "an authentication key needs 'key'");
		if (key != NULL) {
			size_t n = strlen(key);
			if (n == 0 || n > OSPF_AUTH_MAX_KEY ||
			    (k->alg == OSPF_AUTH_MD5 && n > OSPF_AUTH_MD5_KEY))
				conf_error(cx, config_setting_get_member(g, "key"),
				           "'key' must be 1 to %d characters long for %s",
				           k->alg == OSPF_AUTH_MD5 ? OSPF_AUTH_MD5_KEY : OSPF_AUTH_MAX_KEY,
				           k->alg == OSPF_AUTH_MD5 ? "md5" : "hmac-sha");
			k->key = (const uint8_t *)key;
			k->keylen = n;
		}
		for (unsigned j = 0; j < s->mon.nkeys; j++)
			if (s->keys[j].key_id == k->key_id && s->keys[j].any_area == k->any_area &&
			    s->keys[j].area == k->area)
				conf_error(cx, g, "a second key with key-id %u for %s", k->key_id,
				           k->any_area ? "every area" : "this area");
		s->mon.nkeys++;
	}
	s->mon.keys = s->keys;
}

/* Load the config file into s; the strings live in cfg. */
static int load_config(const char *path, config_t *cfg, struct settings *s)
{
	struct conf_ctx cx = { path, 0 };
	const config_setting_t *root, *g;
	const char *str;
	uint64_t v;

	if (conf_read(&cx, cfg, path) < 0)
		return -1;
	root = config_root_setting(cfg);
	conf_known(&cx, root, top_known);
	conf_uint(&cx, root, "lsdb-memory", 1u << 20, (uint64_t)1 << 40, &s->mon.max_lsdb_bytes);
	if ((g = config_setting_get_member(root, "input")) != NULL) {
		conf_known(&cx, g, input_known);
		load_interfaces(&cx, g, s);
		conf_bool(&cx, g, "raw-socket", &s->raw_socket);
		if (conf_string(&cx, g, "file", &str) > 0)
			s->files[s->nfiles++] = str;
		if (conf_uint(&cx, g, "buffer-size", 1, 1024, &v) > 0)
			s->buffer_bytes = (uint32_t)v << 20;
	}
	if ((g = config_setting_get_member(root, "snapshot")) != NULL) {
		conf_known(&cx, g, snapshot_known);
		conf_string(&cx, g, "file", &s->snapshot);
		conf_duration_ms(&cx, g, "interval", 1000, 86400000, &s->snapshot_ms);
	}
	if ((g = config_setting_get_member(root, "events")) != NULL) {
		conf_known(&cx, g, events_known);
		conf_string(&cx, g, "file", &s->events_file);
		conf_duration_ms(&cx, g, "hold", 0, 60000, &s->mon.hold_ms);
		if (conf_uint(&cx, g, "flap-count", 2, 1000, &v) > 0)
			s->mon.ev.flap_count = (uint32_t)v;
		conf_duration_ms(&cx, g, "flap-window", 1000, 86400000, &s->mon.ev.flap_window_ms);
	}
	if ((g = config_setting_get_member(root, "publish")) != NULL) {
		conf_known(&cx, g, publish_known);
		conf_string(&cx, g, "redis-host", &s->pub.redis_host);
		if (conf_uint(&cx, g, "redis-port", 1, 65535, &v) > 0)
			s->pub.redis_port = (uint16_t)v;
		conf_string(&cx, g, "redis-socket", &s->pub.redis_unix);
		conf_string(&cx, g, "redis-user", &s->pub.redis_user);
		conf_string(&cx, g, "redis-password", &s->pub.redis_password);
		if (conf_uint(&cx, g, "redis-db", 0, 1000, &v) > 0)
			s->pub.redis_db = (int)v;
		conf_string(&cx, g, "prefix", &s->pub.prefix);
		if (conf_uint(&cx, g, "events-keep", 1, 10000000, &v) > 0)
			s->pub.events_keep = (uint32_t)v;
		if (conf_duration_ms(&cx, g, "timeout", 10, 60000, &v) > 0)
			s->pub.timeout_ms = (uint32_t)v;
		conf_string(&cx, g, "json-file", &s->pub.json_file);
		conf_string(&cx, g, "lsdb-file", &s->pub.lsdb_file);
	}
	if ((g = config_setting_get_member(root, "authentication")) != NULL)
		load_keys(&cx, g, s);
	if ((g = config_setting_get_member(root, "log")) != NULL) {
		conf_known(&cx, g, log_known);
		conf_bool(&cx, g, "syslog", &s->syslog);
		if (conf_uint(&cx, g, "verbose", 0, 1, &v) > 0)
			s->verbose = (int)v;
	}
	return cx.errors ? -1 : 0;
}

static void usage(FILE *fp)
{
	fprintf(fp,
	"usage: anemone-ospfmon [-c FILE] [-n] (-i IFACE [--raw-socket] | -r FILE ...)\n"
	"                       [-s SNAPSHOT] [-e EVENTS] [--dump lsdb|topology|routes|events]\n"
	"                       [--redis HOST[:PORT]] [--json-file FILE] [--lsdb-file FILE]\n"
	"                       [--root ROUTER-ID] [--json] [-v]\n"
	"  -c FILE         configuration file (libconfig; see anemone-ospfmon(8))\n"
	"  -n              check the configuration and exit\n"
	"  -i IFACE        listen on IFACE (libpcap, receive only) until SIGTERM or\n"
	"                  SIGINT, then print what --dump asks for; repeat -i to\n"
	"                  listen on several (one database: an ABR's view)\n"
	"  --raw-socket    with -i: a receive-only raw IP socket joined to\n"
	"                  224.0.0.5/6 instead of libpcap (multicast OSPF and OSPF\n"
	"                  to this host only; no mirror port needed)\n"
	"  -r FILE         replay a pcap/pcapng capture of OSPF traffic; several are\n"
	"                  read in order into one database\n"
	"  -s SNAPSHOT     load this LSDB snapshot at start (if it exists) and save\n"
	"                  it at exit (with -i also periodically and on SIGUSR1);\n"
	"                  with neither -i nor -r: only load it, to query it\n"
	"  -e EVENTS      append events to this file, one JSON object per line\n"
	"  --dump WHAT     at the end print the link-state database (lsdb), the\n"
	"                  topology, the routes of --root (routes), or nothing but\n"
	"                  the events, as they happen (events)\n"
	"  --redis ADDR    publish topology, database and events to Redis at\n"
	"                  HOST[:PORT], [IPV6]:PORT or a socket path (redis/SCHEMA.md)\n"
	"  --json-file F   publish the topology to file F too (replaced atomically)\n"
	"  --lsdb-file F   publish the database document (as in Redis) to file F\n"
	"  --root ID       router id whose routes to compute (dotted quad)\n"
	"  --json          JSON instead of text\n"
	"  -v              debug messages\n");
}

struct run {
	struct settings *s;
	struct monitor m;
	struct pub *pub;
	FILE *events_fp;
	bool events_stdout;
	uint64_t next_snapshot_ms;
};

static void on_event(void *ctx, const char *json)
{
	struct run *r = ctx;

	if (r->events_stdout) {
		fputs(json, stdout);
		fputc('\n', stdout);
		fflush(stdout);
	}
	if (r->events_fp != NULL) {
		fputs(json, r->events_fp);
		fputc('\n', r->events_fp);
		fflush(r->events_fp);
	}
}

/* A new version of the topology: publish it with its events. */
static void on_version(void *ctx)
{
	struct run *r = ctx;
	struct sbuf topo = SBUF_INIT, lsdb = SBUF_INIT;
	const struct topo *t = r->pub != NULL ? mon_topology(&r->m) : NULL;

	if (t != NULL) {
		topo_json(t, r->m.version, &topo);
		lsdbdoc_write(r->m.db, r->m.version, r->m.now_ms, &lsdb);
		mon_charge(&r->m, topo.len + lsdb.len);     /* O(n) a version */
		if (sbuf_ok(&topo) && sbuf_ok(&lsdb))
			pub_publish(r->pub, r->m.version, r->m.now_ms, sbuf_str(&topo), sbuf_str(&lsdb),
			            (const char *const *)r->m.pending, r->m.npending);
		else
			log_warnx("out of memory: version %llu not published",
			          (unsigned long long)r->m.version);
		sbuf_free(&topo);
		sbuf_free(&lsdb);
	}
	mon_take_events(&r->m);
}

/*
 * Open the events file for appending, creating it 0640.  ospfmon runs as
 * root, so a symlink in its place is refused (O_NOFOLLOW) rather than
 * followed to whatever it points at.
 * Logs why and returns NULL on failure.
 */
static FILE *events_open(const char *path)
{
	FILE *fp;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0640);

	if (fd < 0) {
		if (errno == ELOOP)
			log_warnx("%s: the events file is a symbolic link; refusing to follow it", path);
		else
			log_warn("%s: cannot open the events file", path);
		return NULL;
	}
	if ((fp = fdopen(fd, "a")) == NULL) {
		log_warn("%s", path);
		close(fd);
	}
	return fp;
}

static void log_pub_stats(const struct run *r)
{
	struct pub_stats st;

	if (r->pub == NULL)
		return;
	pub_stats(r->pub, &st);
	log_info("publish published=%llu redis-errors=%llu reconnects=%llu events-sent=%llu "
	         "events-dropped=%llu file-writes=%llu file-errors=%llu redis=%s",
	         (unsigned long long)st.published, (unsigned long long)st.redis_errors,
	         (unsigned long long)st.reconnects, (unsigned long long)st.events_sent,
	         (unsigned long long)st.events_dropped, (unsigned long long)st.file_writes,
	         (unsigned long long)st.file_errors, st.redis_up ? "up" : "down");
}

static void save_snapshot(struct run *r, uint64_t now_ms)
{
	char err[512];
	long n;

	if (r->s->snapshot == NULL)
		return;
	if ((n = snapshot_save(r->m.db, r->s->snapshot, now_ms, err, sizeof(err))) < 0)
		log_warnx("%s: cannot save the snapshot: %s", r->s->snapshot, err);
	else
		log_info("%s: %ld LSAs saved", r->s->snapshot, n);
}

/* One interface listened on. */
struct listener {
	const char *name;
	struct capture *cap;         /* NULL while it cannot be opened */
	uint64_t retry_ms;           /* when to try opening it again */
	bool warned;
};

#define REOPEN_MS 5000

static void listener_open(struct run *r, struct listener *li, const struct capture_ops *ops,
                          uint64_t now)
{
	struct cap_conf cc = { 0 };
	char err[512];

	cc.interface = li->name;
	cc.filter = "ip proto 89";
	cc.promisc = true;
	cc.snaplen = 65535;
	cc.timeout_ms = 100;
	cc.buffer_bytes = r->s->buffer_bytes;
	if ((li->cap = ops->open(&cc, err, sizeof(err))) == NULL) {
		if (!li->warned)
			log_warnx("%s; will try again every %d s", err, REOPEN_MS / 1000);
		li->warned = true;
		li->retry_ms = now + REOPEN_MS;
		return;
	}
	log_info("listening on %s (%s, receive only)", li->name, ops->name);
	li->warned = false;
}

static void listener_close(struct run *r, struct listener *li, const struct capture_ops *ops)
{
	struct cap_stats cs;

	(void)r;
	ops->stats(li->cap, &cs);
	if (cs.valid)
		log_info("%s: capture received=%llu dropped=%llu", li->name,
		         (unsigned long long)cs.received, (unsigned long long)cs.dropped);
	ops->close(li->cap);
	li->cap = NULL;
}

/* Listen on every interface until SIGTERM/SIGINT.  An interface that fails
 * (or vanishes) is reported, counted and reopened every few seconds; the
 * others, and the database, carry on. */
static int listen_live(struct run *r)
{
	const struct capture_ops *ops = r->s->raw_socket ? &ospf_rawsock_ops : &pcap_capture_ops;
	struct listener li[MAX_IFACES];
	unsigned n = r->s->ninterfaces, up = 0;
	uint64_t failures = 0;
	char err[512];

	daemon_signals();
	memset(li, 0, sizeof(li));
	for (unsigned i = 0; i < n; i++) {
		li[i].name = r->s->interfaces[i];
		listener_open(r, &li[i], ops, wall_ms());
		up += li[i].cap != NULL;
	}
	if (up == 0 && n == 1)
		return 1;               /* nothing to listen to: say so and stop */
	r->next_snapshot_ms = wall_ms() + r->s->snapshot_ms;
	while (!sig_stop) {
		struct pollfd pfd[MAX_IFACES];
		uint64_t now;

		for (unsigned i = 0; i < n; i++)
			pfd[i] = (struct pollfd){ li[i].cap != NULL ? ops->fd(li[i].cap) : -1, POLLIN, 0 };
		if (poll(pfd, n, 100) < 0 && errno != EINTR)
			fatal("poll");
		for (unsigned i = 0; i < n; i++) {
			if (li[i].cap == NULL)
				continue;
			r->m.dlt = ops->datalink(li[i].cap);
			if (ops->dispatch(li[i].cap, -1, mon_frame, &r->m, err, sizeof(err)) == CAP_ERROR) {
				log_warnx("%s: %s; will try again every %d s", li[i].name, err,
				          REOPEN_MS / 1000);
				failures++;
				listener_close(r, &li[i], ops);
				li[i].warned = true;
				li[i].retry_ms = wall_ms() + REOPEN_MS;
			}
		}
		now = wall_ms();
		for (unsigned i = 0; i < n; i++)
			if (li[i].cap == NULL && now >= li[i].retry_ms)
				listener_open(r, &li[i], ops, now);
		mon_tick(&r->m, now, false);
		if (r->pub != NULL)
			pub_tick(r->pub, now);
		if (sig_stats) {
			sig_stats = 0;
			mon_log_stats(&r->m);
			log_pub_stats(r);
			if (failures > 0)
				log_info("interface failures=%llu", (unsigned long long)failures);
			save_snapshot(r, now);
		}
		if (now >= r->next_snapshot_ms) {
			save_snapshot(r, now);
			r->next_snapshot_ms = now + r->s->snapshot_ms;
		}
	}
	for (unsigned i = 0; i < n; i++)
		if (li[i].cap != NULL)
			listener_close(r, &li[i], ops);
	mon_tick(&r->m, wall_ms(), true);
	save_snapshot(r, wall_ms());
	return failures > 0 ? 1 : 0;
}

static int replay(struct run *r)
{
	struct cap_conf cc = { 0 };
	int rc = 0;

	for (unsigned i = 0; i < r->s->nfiles; i++) {
		const struct capture_ops *ops;
		struct capture *cap;
		enum cap_result res;
		char err[512];

		cc.file = r->s->files[i];
		ops = pcapfile_usable(cc.file) ? &pcapfile_capture_ops : &pcap_capture_ops;
		if ((cap = ops->open(&cc, err, sizeof(err))) == NULL) {
			log_warnx("%s", err);
			rc = 1;
			continue;
		}
		r->m.dlt = ops->datalink(cap);
		while ((res = ops->dispatch(cap, 4096, mon_frame, &r->m, err, sizeof(err))) == CAP_OK)
			;
		if (res == CAP_ERROR) {
			log_warnx("%s: %s", cc.file, err);
			rc = 1;
		}
		ops->close(cap);
	}
	mon_tick(&r->m, r->m.now_ms, true);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "read", required_argument, NULL, 'r' },
		{ "interface", required_argument, NULL, 'i' },
		{ "config", required_argument, NULL, 'c' },
		{ "snapshot", required_argument, NULL, 's' },
		{ "events", required_argument, NULL, 'e' },
		{ "redis", required_argument, NULL, 'P' },
		{ "json-file", required_argument, NULL, 'J' },
		{ "lsdb-file", required_argument, NULL, 'L' },
		{ "raw-socket", no_argument, NULL, 'S' },
		{ "dump", required_argument, NULL, 'd' },
		{ "root", required_argument, NULL, 'R' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const dumps[] = { "lsdb", "topology", "routes", "events", NULL };
	struct settings s, cli;
	struct run r;
	config_t cfg;
	const char *dump = "lsdb", *conf_file = NULL;
	struct in_addr root = { 0 };
	bool json = false, have_root = false, check_only = false;
	char redis_buf[256];
	int ch, rc = 0, d;

	defaults(&cli);
	while ((ch = getopt_long(argc, argv, "c:e:i:nr:s:vh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': conf_file = optarg; break;
		case 'e': cli.events_file = optarg; break;
		case 'i':
			if (cli.ninterfaces == MAX_IFACES) {
				fprintf(stderr, "anemone-ospfmon: at most %d interfaces\n", MAX_IFACES);
				return CONF_EXIT;
			}
			cli.interfaces[cli.ninterfaces++] = optarg;
			break;
		case 'n': check_only = true; break;
		case 'r':
			if (cli.nfiles == 16) {
				fprintf(stderr, "anemone-ospfmon: at most 16 captures\n");
				return CONF_EXIT;
			}
			cli.files[cli.nfiles++] = optarg;
			break;
		case 's': cli.snapshot = optarg; break;
		case 'v': cli.verbose = 1; break;
		case 'd': dump = optarg; break;
		case 'R':
			if (inet_pton(AF_INET, optarg, &root) != 1) {
				fprintf(stderr, "anemone-ospfmon: --root %s: not a router id\n", optarg);
				return CONF_EXIT;
			}
			have_root = true;
			break;
		case 'j': json = true; break;
		case 'P':
			if (parse_redis(optarg, &cli.pub, redis_buf, sizeof(redis_buf)) < 0) {
				fprintf(stderr, "anemone-ospfmon: --redis %s: want HOST[:PORT], "
				        "[IPV6]:PORT or a socket path\n", optarg);
				return CONF_EXIT;
			}
			break;
		case 'J': cli.pub.json_file = optarg; break;
		case 'L': cli.pub.lsdb_file = optarg; break;
		case 'S': cli.raw_socket = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return CONF_EXIT;
		}
	}
	for (d = 0; dumps[d] != NULL && strcmp(dumps[d], dump) != 0; d++)
		;
	if (optind != argc || dumps[d] == NULL || (strcmp(dump, "routes") == 0 && !have_root)) {
		usage(stderr);
		return CONF_EXIT;
	}
	/* The file first, then the command line over it. */
	defaults(&s);
	config_init(&cfg);
	if (conf_file != NULL && load_config(conf_file, &cfg, &s) < 0) {
		config_destroy(&cfg);
		return CONF_EXIT;
	}
	if (cli.ninterfaces > 0 || cli.nfiles > 0) {
		memcpy(s.interfaces, cli.interfaces, sizeof(s.interfaces));
		s.ninterfaces = cli.ninterfaces;
		memcpy(s.files, cli.files, sizeof(s.files));
		s.nfiles = cli.nfiles;
	}
	if (cli.raw_socket)
		s.raw_socket = true;
	if (cli.snapshot != NULL)
		s.snapshot = cli.snapshot;
	if (cli.events_file != NULL)
		s.events_file = cli.events_file;
	if (cli.verbose)
		s.verbose = 1;
	if (cli.pub.redis_host != NULL || cli.pub.redis_unix != NULL) {
		s.pub.redis_host = cli.pub.redis_host;
		s.pub.redis_unix = cli.pub.redis_unix;
		s.pub.redis_port = cli.pub.redis_port;
	}
	if (cli.pub.json_file != NULL)
		s.pub.json_file = cli.pub.json_file;
	if (cli.pub.lsdb_file != NULL)
		s.pub.lsdb_file = cli.pub.lsdb_file;
	if (s.ninterfaces > 0 && s.nfiles > 0) {
		fprintf(stderr, "anemone-ospfmon: an interface or capture files, not both\n");
		config_destroy(&cfg);
		return CONF_EXIT;
	}
	if (s.raw_socket && s.ninterfaces == 0) {
		fprintf(stderr, "anemone-ospfmon: --raw-socket needs an interface (-i)\n");
		config_destroy(&cfg);
		return CONF_EXIT;
	}
	if (check_only) {
		printf("%s: configuration OK\n", conf_file != NULL ? conf_file : "anemone-ospfmon");
		config_destroy(&cfg);
		return 0;
	}
	if (s.ninterfaces == 0 && s.nfiles == 0 && s.snapshot == NULL) {
		usage(stderr);
		config_destroy(&cfg);
		return CONF_EXIT;
	}

	log_init("anemone-ospfmon", s.syslog ? LOG_TO_SYSLOG : LOG_TO_STDERR, s.verbose);
	memset(&r, 0, sizeof(r));
	r.s = &s;
	r.events_stdout = strcmp(dump, "events") == 0;
	if (!mon_init(&r.m, &s.mon))
		fatalx("out of memory");
	r.m.on_event = on_event;
	r.m.on_version = on_version;
	r.m.cb_ctx = &r;
	if (s.events_file != NULL && (r.events_fp = events_open(s.events_file)) == NULL)
		exit(1);
	if ((s.pub.redis_host != NULL || s.pub.redis_unix != NULL || s.pub.json_file != NULL ||
	     s.pub.lsdb_file != NULL) &&
	    (r.pub = pub_new(&s.pub)) == NULL)
		fatalx("out of memory");
	if (s.snapshot != NULL && access(s.snapshot, F_OK) != 0 && errno == ENOENT &&
	    (s.ninterfaces > 0 || s.nfiles > 0)) {
		log_info("%s: no snapshot yet, starting empty", s.snapshot);
		r.m.now_ms = s.ninterfaces > 0 ? wall_ms() : 0;
		mon_baseline(&r.m);
	} else if (s.snapshot != NULL) {
		/* Live (or a query of a live daemon's snapshot): aged to now; a
		 * replay continues from the snapshot's own time. */
		char err[512];
		uint64_t now = s.nfiles > 0 ? 0 : wall_ms();
		long n = snapshot_load(r.m.db, s.snapshot, &now, err, sizeof(err));

		if (n < 0)
			fatalx("%s", err);
		if (err[0] != 0)
			log_warnx("%s", err);
		log_info("%s: %ld LSAs loaded", s.snapshot, n);
		r.m.now_ms = now;
		mon_baseline(&r.m);
	}
	if (s.ninterfaces > 0)
		rc = listen_live(&r);
	else if (s.nfiles > 0) {
		rc = replay(&r);
		save_snapshot(&r, r.m.now_ms);
	}

	if (strcmp(dump, "lsdb") == 0)
		dump_lsdb(r.m.db, r.m.now_ms, json);
	else if (strcmp(dump, "topology") == 0) {
		const struct topo *t;
		if (r.m.version == 0)
			mon_baseline(&r.m);
		if ((t = mon_topology(&r.m)) != NULL)
			dump_topology(t, r.m.version, json);
	}
	else if (strcmp(dump, "routes") == 0 && dump_routes(r.m.db, ntohl(root.s_addr), json) != 0)
		rc = 1;
	mon_log_stats(&r.m);
	log_pub_stats(&r);
	pub_free(r.pub);
	if (r.events_fp != NULL)
		fclose(r.events_fp);
	mon_free(&r.m);
	config_destroy(&cfg);
	return rc;
}
