/*
 * anemone-ospfmon's settings (see settings.h): the configuration file's
 * schema, the command line, and the rules joining them.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "daemon.h"
#include "rconn.h"
#include "settings.h"

/* Everything zero but the documented defaults. */
static void defaults(struct mon_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->snapshot_ms = MON_DEF_SNAPSHOT_MS;
	s->mon.hold_ms = DEF_HOLD_MS;
	s->mon.ev.flap_count = DEF_FLAP_COUNT;
	s->mon.ev.flap_window_ms = DEF_FLAP_WINDOW_MS;
}

static const char *const top_known[] = { "input", "snapshot", "events", "publish", "log",
                                         "authentication", "lsdb-memory", "user", NULL };
static const char *const key_known[] = { "area", "key-id", "key", "type", NULL };
static const char *const input_known[] = { "interface", "raw-socket", "file", "buffer-size", NULL };
static const char *const snapshot_known[] = { "file", "interval", NULL };
static const char *const events_known[] = { "file", "hold", "flap-count", "flap-window", NULL };
static const char *const publish_known[] = {
	"redis-host", "redis-port", "redis-socket", "redis-user", "redis-password", "redis-db",
	"prefix", "events-keep", "timeout", "json-file", "lsdb-file", NULL
};

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
static void load_interfaces(struct conf_ctx *cx, const config_setting_t *g, struct mon_settings *s)
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
		if (s->ninterfaces == MON_MAX_IFACES) {
			conf_error(cx, v, "at most %d interfaces", MON_MAX_IFACES);
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
static void load_keys(struct conf_ctx *cx, const config_setting_t *v, struct mon_settings *s)
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
static int load_config(const char *path, config_t *cfg, struct mon_settings *s)
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
	conf_string(&cx, root, "user", &s->user);
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
	conf_log_group(&cx, root, &s->syslog, &s->verbose, &s->log_file);
	return cx.errors ? -1 : 0;
}

/* The usage, to stdout (-h) or stderr (a usage error). */
static void usage(FILE *fp)
{
	fprintf(fp,
	"usage: anemone-ospfmon [-c FILE] [-n] (-i IFACE [--raw-socket] | -r FILE ...)\n"
	"                       [-u USER] [--log-file FILE] [-V] [-h]\n"
	"                       [-s SNAPSHOT] [-e EVENTS] [--dump lsdb|topology|routes|routes6|events]\n"
	"                       [--redis HOST[:PORT]] [--json-file FILE] [--lsdb-file FILE]\n"
	"                       [--root ROUTER-ID] [--json] [-v]\n"
	"  -c FILE         configuration file (libconfig; see anemone-ospfmon(8))\n"
	"                  (default: " ANEMONE_SYSCONFDIR "/anemone-ospfmon.conf\n"
	"                  if it exists)\n"
	"  -n              check the configuration and exit\n"
	"  -i IFACE        listen on IFACE (libpcap, receive only) until SIGTERM or\n"
	"                  SIGINT, then print what --dump asks for; repeat -i to\n"
	"                  listen on several (one database: an ABR's view)\n"
	"  --raw-socket    with -i: receive-only raw sockets joined to 224.0.0.5/6\n"
	"                  and ff02::5/6 instead of libpcap (multicast OSPF and\n"
	"                  OSPF to this host only; no mirror port needed)\n"
	"  -r FILE         replay a pcap/pcapng capture of OSPF traffic; several are\n"
	"                  read in order into one database\n"
	"  -s SNAPSHOT     load this LSDB snapshot at start (if it exists) and save\n"
	"                  it at exit (with -i also periodically and on SIGUSR1);\n"
	"                  with neither -i nor -r: only load it, to query it\n"
	"  -e EVENTS      append events to this file, one JSON object per line\n"
	"  --dump WHAT     at the end print the link-state database (lsdb), the\n"
	"                  topology, the IPv4 (routes) or IPv6 (routes6, OSPFv3)\n"
	"                  routes of --root, or nothing but the events, as they\n"
	"                  happen (events)\n"
	"  --redis ADDR    publish topology, database and events to Redis at\n"
	"                  HOST[:PORT], [IPV6]:PORT or a socket path (redis/SCHEMA.md)\n"
	"  --json-file F   publish the topology to file F too (replaced atomically)\n"
	"  --lsdb-file F   publish the database document (as in Redis) to file F\n"
	"  --root ID       router id whose routes to compute (dotted quad)\n"
	"  --json          JSON instead of text\n"
	"  -u USER         run as USER once the interfaces and files are open\n"
	"                  (live: keeping CAP_NET_RAW only, to re-open them)\n"
	"  --log-file F    log to F instead of stderr (reopened on SIGHUP)\n"
	"  -v              debug messages      -V  version      -h  this help\n"
	"SIGUSR1 logs statistics and saves the snapshot; SIGHUP reopens the events\n"
	"and log files; SIGTERM/SIGINT save the snapshot and stop.\n");
}


/* The command line over the file: lists replace, options set. */
static void overlay(struct mon_settings *s, const struct mon_settings *cli)
{
	if (cli->ninterfaces > 0 || cli->nfiles > 0) {
		memcpy(s->interfaces, cli->interfaces, sizeof(s->interfaces));
		s->ninterfaces = cli->ninterfaces;
		memcpy(s->files, cli->files, sizeof(s->files));
		s->nfiles = cli->nfiles;
	}
	if (cli->raw_socket)
		s->raw_socket = true;
	if (cli->snapshot != NULL)
		s->snapshot = cli->snapshot;
	if (cli->events_file != NULL)
		s->events_file = cli->events_file;
	if (cli->verbose)
		s->verbose = 1;
	if (cli->user != NULL)
		s->user = cli->user;
	if (cli->log_file != NULL)
		s->log_file = cli->log_file;
	if (cli->pub.redis_host != NULL || cli->pub.redis_unix != NULL) {
		s->pub.redis_host = cli->pub.redis_host;
		s->pub.redis_unix = cli->pub.redis_unix;
		s->pub.redis_port = cli->pub.redis_port;
	}
	if (cli->pub.json_file != NULL)
		s->pub.json_file = cli->pub.json_file;
	if (cli->pub.lsdb_file != NULL)
		s->pub.lsdb_file = cli->pub.lsdb_file;
	s->dump = cli->dump;
	s->json = cli->json;
	s->root = cli->root;
}

/* argv into *cli.  Returns -1 to go on, or an exit status. */
static int parse_args(int argc, char **argv, struct mon_settings *cli, const char **conf_file,
                      bool *check_only)
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
		{ "user", required_argument, NULL, 'u' },
		{ "log-file", required_argument, NULL, 'G' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const dumps[] = { "lsdb", "topology", "routes", "events", "routes6",
	                                     NULL };
	bool have_root = false;
	struct in_addr root;
	int ch, d;

	while ((ch = getopt_long(argc, argv, "c:e:i:nr:s:u:vVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': *conf_file = optarg; break;
		case 'e': cli->events_file = optarg; break;
		case 'i':
			if (cli->ninterfaces == MON_MAX_IFACES) {
				fprintf(stderr, "anemone-ospfmon: at most %d interfaces\n", MON_MAX_IFACES);
				return CONF_EXIT;
			}
			cli->interfaces[cli->ninterfaces++] = optarg;
			break;
		case 'n': *check_only = true; break;
		case 'r':
			if (cli->nfiles == MON_MAX_FILES) {
				fprintf(stderr, "anemone-ospfmon: at most %d captures\n", MON_MAX_FILES);
				return CONF_EXIT;
			}
			cli->files[cli->nfiles++] = optarg;
			break;
		case 's': cli->snapshot = optarg; break;
		case 'u': cli->user = optarg; break;
		case 'G': cli->log_file = optarg; break;
		case 'v': cli->verbose = 1; break;
		case 'd':
			for (d = 0; dumps[d] != NULL && strcmp(dumps[d], optarg) != 0; d++)
				;
			if (dumps[d] == NULL) {
				fprintf(stderr, "anemone-ospfmon: --dump %s: lsdb, topology, routes, "
				        "routes6 or events\n", optarg);
				usage(stderr);
				return CONF_EXIT;
			}
			cli->dump = (enum mon_dump)d;
			break;
		case 'R':
			if (inet_pton(AF_INET, optarg, &root) != 1) {
				fprintf(stderr, "anemone-ospfmon: --root %s: not a router id\n", optarg);
				return CONF_EXIT;
			}
			cli->root = ntohl(root.s_addr);
			have_root = true;
			break;
		case 'j': cli->json = true; break;
		case 'P':
			if (parse_redis(optarg, &cli->pub, cli->redis_buf, sizeof(cli->redis_buf)) < 0) {
				fprintf(stderr, "anemone-ospfmon: --redis %s: want HOST[:PORT], "
				        "[IPV6]:PORT or a socket path\n", optarg);
				return CONF_EXIT;
			}
			break;
		case 'J': cli->pub.json_file = optarg; break;
		case 'L': cli->pub.lsdb_file = optarg; break;
		case 'S': cli->raw_socket = true; break;
		case 'V': daemon_version("anemone-ospfmon"); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return CONF_EXIT;
		}
	}
	if (optind != argc ||
	    ((cli->dump == DUMP_ROUTES || cli->dump == DUMP_ROUTES6) && !have_root)) {
		usage(stderr);
		return CONF_EXIT;
	}
	return -1;
}

int mon_settings_load(struct mon_settings *s, int argc, char **argv)
{
	static struct mon_settings cli;      /* its strings outlive the call */
	const char *conf_file = NULL;
	bool check_only = false;
	int rc;

	defaults(s);
	config_init(&s->cfg);
	defaults(&cli);
	if ((rc = parse_args(argc, argv, &cli, &conf_file, &check_only)) >= 0)
		return rc;
	/* The file first, then the command line over it. */
	s->conf_file = daemon_config_path(conf_file, "anemone-ospfmon", s->conf_buf,
	                                  sizeof(s->conf_buf));
	if (s->conf_file != NULL && load_config(s->conf_file, &s->cfg, s) < 0)
		return CONF_EXIT;
	overlay(s, &cli);
	if (s->ninterfaces > 0 && s->nfiles > 0) {
		fprintf(stderr, "anemone-ospfmon: an interface or capture files, not both\n");
		return CONF_EXIT;
	}
	if (s->raw_socket && s->ninterfaces == 0) {
		fprintf(stderr, "anemone-ospfmon: --raw-socket needs an interface (-i)\n");
		return CONF_EXIT;
	}
	if (check_only) {
		printf("%s: configuration OK\n", s->conf_file != NULL ? s->conf_file : "anemone-ospfmon");
		return 0;
	}
	if (s->ninterfaces == 0 && s->nfiles == 0 && s->snapshot == NULL) {
		usage(stderr);
		return CONF_EXIT;
	}
	return -1;
}

void mon_settings_free(struct mon_settings *s)
{
	config_destroy(&s->cfg);
}
