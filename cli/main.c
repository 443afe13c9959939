/*
 * anemone: answers from what anemone-collector and anemone-ospfmon keep in
 * Redis -- the busiest links, router pairs, hosts and prefixes of a time
 * window, one link's load and who causes it, the path between two
 * addresses, what the window's traffic would do if links or routers failed
 * or costs changed, a picture of the topology, topology events, exporter
 * health.  Text tables, JSON with --json, CSV with --csv.  See anemone(1).
 *
 * This file reads the options, connects and runs one command from the
 * command table; each command is cli/cmd_NAME.c.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "conf.h"
#include "rconn.h"

static const struct command {
	const char *name;
	cli_cmd_fn fn;
	bool table;                  /* prints a table: --csv allowed */
	const char *help;            /* its lines of the usage */
} commands[] = {
	{ "top", cmd_top, true,
	  "  top links|pairs|talkers|prefixes [-n N]   the busiest, by bytes in the window\n" },
	{ "link", cmd_link, true,
	  "  link A-B                 one link's load, per bucket, and who causes it\n" },
	{ "path", cmd_path, true,
	  "  path SRC DST             routers and links between two addresses, every\n"
	  "                           equal-cost branch\n" },
	{ "whatif", cmd_whatif, true,
	  "  whatif [--fail-link A-B] [--fail-router R] [--cost A-B=N] [--threshold PCT]\n"
	  "                           the window's traffic re-routed on a changed topology\n" },
	{ "topo", cmd_topo, false,
	  "  topo --svg FILE [--png FILE] [--dot FILE]   draw the topology with its load\n" },
	{ "events", cmd_events, true,
	  "  events [-n N]            the newest OSPF topology events\n" },
	{ "exporters", cmd_exporters, true,
	  "  exporters                exporter health: records, loss, templates, last seen\n"
	  "  exporters --interfaces   where each exporter's records are taken to be seen\n"
	  "                           (observation points, probe groups)\n" },
	{ "check", cmd_check, true,
	  "  check [--threshold PCT]  each link's placed load beside its measured load; exit 1\n"
	  "                           when one differs by more than PCT (5)\n" },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

enum {   /* long options without a letter */
	OPT_REDIS_USER = 256, OPT_REDIS_PASSWORD, OPT_REDIS_PASSWORD_FILE, OPT_REDIS_DB, OPT_CSV,
	OPT_INTERFACES,
};

/* The first line of path (without its end of line), or die: the Redis
 * password kept out of the command line. */
static char *read_password(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (f == NULL)
		die(2, "--redis-password-file %s: %s", path, strerror(errno));
	n = getline(&line, &cap, f);
	fclose(f);
	if (n < 0) {
		free(line);
		die(2, "--redis-password-file %s: empty", path);
	}
	line[strcspn(line, "\r\n")] = 0;
	if (*line == 0) {
		free(line);
		die(2, "--redis-password-file %s: the first line is empty", path);
	}
	return line;
}

static void usage(FILE *fp)
{
	fprintf(fp,
	"usage: anemone [--redis HOST[:PORT]|PATH] [--prefix P] [--ospf-prefix P]\n"
	"               [--redis-user NAME] [--redis-password-file FILE] [--redis-db N]\n"
	"               [--window DURATION] [--until TIME] [--json|--csv] COMMAND ...\n"
	"commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fputs(commands[i].help, fp);
	fprintf(fp,
	"A-B: router ids or names; a link to a LAN as ROUTER-NETWORK.  --window: 1h by\n"
	"default (30m, 1d, ...); --until: the end of the window (default: the newest\n"
	"data), as 2026-11-02T18:00Z or epoch seconds.  --csv: the tables as CSV\n"
	"(every command but topo).  The Redis password: the environment's\n"
	"ANEMONE_REDIS_PASSWORD, the first line of --redis-password-file, or\n"
	"--redis-password PASSWORD (seen by other users in the process list).\n"
	"See anemone(1).\n");
}

/* Where to connect and as whom, from the options. */
struct conn_opts {
	const char *redis, *user, *pass, *pass_file;
	int db;
};

/* Parse the options into o and k; returns optind, or exits (0 for -h and
 * -V, 2 for an error). */
static int parse_opts(int argc, char **argv, struct cli_opts *o, struct store *s, struct conn_opts *k)
{
	static const struct option longopts[] = {
		{ "redis", required_argument, NULL, 'R' },
		{ "prefix", required_argument, NULL, 'P' },
		{ "ospf-prefix", required_argument, NULL, 'O' },
		{ "window", required_argument, NULL, 'w' },
		{ "until", required_argument, NULL, 'u' },
		{ "json", no_argument, NULL, 'j' },
		{ "csv", no_argument, NULL, OPT_CSV },
		{ "svg", required_argument, NULL, 's' },
		{ "png", required_argument, NULL, 'p' },
		{ "dot", required_argument, NULL, 'd' },
		{ "fail-link", required_argument, NULL, 'L' },
		{ "fail-router", required_argument, NULL, 'F' },
		{ "cost", required_argument, NULL, 'C' },
		{ "threshold", required_argument, NULL, 't' },
		{ "interfaces", no_argument, NULL, OPT_INTERFACES },
		{ "redis-user", required_argument, NULL, OPT_REDIS_USER },
		{ "redis-password", required_argument, NULL, OPT_REDIS_PASSWORD },
		{ "redis-password-file", required_argument, NULL, OPT_REDIS_PASSWORD_FILE },
		{ "redis-db", required_argument, NULL, OPT_REDIS_DB },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, csv = false;
	uint64_t v;
	int opt;

	while ((opt = getopt_long(argc, argv, "n:jhV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'R': k->redis = optarg; break;
		case OPT_REDIS_USER: k->user = optarg; break;
		case OPT_REDIS_PASSWORD: k->pass = optarg; break;
		case OPT_REDIS_PASSWORD_FILE: k->pass_file = optarg; break;
		case OPT_REDIS_DB:
			if (parse_uint(optarg, 0, 1u << 20, &v) < 0)
				die(2, "--redis-db %s: a database number", optarg);
			k->db = (int)v;
			break;
		case 'P': s->prefix = optarg; break;
		case 'O': s->ospf_prefix = optarg; break;
		case 'w': {
			size_t l = strlen(optarg);
			if (l > 1 && optarg[l - 1] == 'd' && parse_uint(strndupa(optarg, l - 1), 1, 400, &v) == 0)
				o->window_ms = v * 86400000;
			else if (parse_duration_ms(optarg, &o->window_ms) < 0 || o->window_ms < 1000)
				die(2, "--window %s: a duration (90s, 30m, 1h, 1d)", optarg);
			break;
		}
		case 'u':
			if (parse_time(optarg, &o->until_ms) < 0)
				die(2, "--until %s: a time, as 2026-11-02T18:00Z or epoch seconds", optarg);
			break;
		case 'j': json = true; break;
		case OPT_CSV: csv = true; break;
		case 'n':
			if (parse_uint(optarg, 1, 100000, &v) < 0)
				die(2, "-n %s: a count, 1 to 100000", optarg);
			o->n = (unsigned)v;
			break;
		case 's': o->svg = optarg; break;
		case 'p': o->png = optarg; break;
		case 'd': o->dot = optarg; break;
		case 'L':
		case 'F':
		case 'C':
			if (o->norder == 3 * CLI_MAX_CHANGES ||
			    o->nfail_link + o->nfail_router + o->ncost >= CLI_MAX_CHANGES)
				die(2, "at most %d changes", CLI_MAX_CHANGES);
			if (opt == 'L')
				o->fail_link[o->nfail_link++] = optarg, o->order[o->norder++] = 0;
			else if (opt == 'F')
				o->fail_router[o->nfail_router++] = optarg, o->order[o->norder++] = 1;
			else
				o->cost[o->ncost++] = optarg, o->order[o->norder++] = 2;
			break;
		case 't': {
			char *end;
			double d = strtod(optarg, &end);
			if (end == optarg || (*end && strcmp(end, "%") != 0) || !(d >= 0) || d > 1000)
				die(2, "--threshold %s: a percentage (whatif: of capacity, 80; check: the "
				    "difference allowed, 5)", optarg);
			o->threshold = d / 100.0;
			o->threshold_set = true;
			break;
		}
		case OPT_INTERFACES: o->interfaces = true; break;
		case 'V': printf("anemone %s\n", PACKAGE_VERSION); exit(0);
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (json && csv)
		die(2, "--json or --csv, not both");
	o->fmt = json ? OUT_JSON : csv ? OUT_CSV : OUT_TEXT;
	return optind;
}

int main(int argc, char **argv)
{
	static struct cli c;
	struct conn_opts k = { "127.0.0.1:6379", NULL, NULL, NULL, 0 };
	const struct command *cmd = NULL;
	struct rconn_conf rc;
	char hostbuf[256], ep[300], *pass_read = NULL;
	int rv;

	c.o.window_ms = 3600000;
	c.o.n = 10;
	c.o.threshold = 0.8;
	c.st.prefix = "anemone:";
	optind = parse_opts(argc, argv, &c.o, &c.st, &k);
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (!c.st.ospf_prefix)
		c.st.ospf_prefix = c.st.prefix;
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(argv[optind], commands[i].name) == 0)
			cmd = &commands[i];
	if (c.o.norder && (cmd == NULL || cmd->fn != cmd_whatif))
		die(2, "--fail-link, --fail-router and --cost go with whatif");
	if ((c.o.svg || c.o.png || c.o.dot) && (cmd == NULL || cmd->fn != cmd_topo))
		die(2, "--svg, --png and --dot go with topo");
	if (c.o.interfaces && (cmd == NULL || cmd->fn != cmd_exporters))
		die(2, "--interfaces goes with exporters");
	if (rconn_parse(k.redis, &rc, hostbuf, sizeof(hostbuf)) < 0)
		die(2, "--redis %s: HOST[:PORT], [IPV6]:PORT or a socket path", k.redis);
	if (k.pass == NULL && k.pass_file != NULL)
		k.pass = pass_read = read_password(k.pass_file);
	if (k.pass == NULL && (k.pass = getenv("ANEMONE_REDIS_PASSWORD")) != NULL && *k.pass == 0)
		k.pass = NULL;
	if (rc.unix_path)
		snprintf(ep, sizeof(ep), "%s", rc.unix_path);
	else
		snprintf(ep, sizeof(ep), strchr(rc.host, ':') ? "[%s]:%u" : "%s:%u", rc.host, rc.port);
	if (cmd == NULL)
		die(2, "unknown command '%s' (top, link, path, whatif, topo, events, exporters, check)",
		    argv[optind]);
	if (c.o.fmt == OUT_CSV && !cmd->table)
		die(2, "%s: no table to print as CSV (--json gives its summary)", cmd->name);
	store_open(&c.st, ep, rc.host, rc.port, rc.unix_path, 10000, k.user, k.pass, k.db);
	store_load_names(&c.st);
	rv = cmd->fn(&c, argc - optind - 1, argv + optind + 1);
	store_close(&c.st);
	free(pass_read);
	if (fflush(stdout) != 0 || ferror(stdout))
		die(1, "writing the output: %s", strerror(errno));
	return rv;
}
