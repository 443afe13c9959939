/*
 * anemone-exporter's one settings loader: defaults, then the libconfig file,
 * then the command line's overrides, checked whole; then the values derived
 * from them (random seeds).
 */
#include <libconfig.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "daemon.h"
#include "settings.h"

void exporter_conf_defaults(struct exporter_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->cap.promisc = true;
	c->cap.snaplen = DEF_SNAPLEN;
	c->cap.timeout_ms = 100;
	c->meter.flows.max_flows = DEF_MAX_FLOWS;
	c->meter.flows.active_ms = DEF_ACTIVE_MS;
	c->meter.flows.idle_ms = DEF_IDLE_MS;
	c->meter.flows.linger_ms = DEF_LINGER_MS;
	c->meter.flows.huge_pages = 1;
	c->meter.key_fields = KEY_ALL;
	c->meter.sampling = 1;
	c->meter.sampling_mode = SAMPLING_NONE;
	c->enc.template_refresh_s = DEF_TEMPLATE_S;
	c->enc.max_hold_ms = DEF_HOLD_MS;
	c->enc.domain = 1;
	c->mtu = DEF_MTU;
	c->queue_bytes = SENDER_QUEUE_DEFAULT;
	c->patience_s = DEF_REPLAY_PATIENCE_S;
}

int filter_check(const char *filter, char *err, size_t errlen)
{
	struct bpf_program prog;
	pcap_t *p = pcap_open_dead(DLT_EN10MB, 65535);
	int rc = 0;

	if (p == NULL) {
		snprintf(err, errlen, "cannot check filter: out of memory");
		return -1;
	}
	if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, errlen, "filter '%s': %s", filter, pcap_geterr(p));
		rc = -1;
	} else {
		pcap_freecode(&prog);
	}
	pcap_close(p);
	return rc;
}

static const char *const top_known[] = {
	"input", "flows", "sampling", "export", "user", "log", NULL
};
static const char *const input_known[] = {
	"interface", "file", "filter", "promiscuous", "snaplen", "buffer-size",
	"interface-index", "file-reader", "dpdk", "dpdk-idle-exit",
	"dpdk-workers", "dpdk-queues", "direction", NULL
};
static const char *const flows_known[] = {
	"max-flows", "active-timeout", "idle-timeout", "tcp-linger", "key",
	"huge-pages", NULL
};
static const char *const sampling_known[] = { "rate", "mode", "seed", NULL };
static const char *const export_known[] = {
	"destinations", "mtu", "engine-type", "engine-id", "observation-domain",
	"template-refresh", "max-hold", "max-rate", "queue-size", "replay-patience",
	"route-lookup", NULL
};

int parse_direction(const char *s, enum cap_direction *out)
{
	if (strcmp(s, "both") == 0)
		*out = DIR_BOTH;
	else if (strcmp(s, "in") == 0)
		*out = DIR_IN;
	else if (strcmp(s, "out") == 0)
		*out = DIR_OUT;
	else
		return -1;
	return 0;
}

const char *direction_name(enum cap_direction d)
{
	return d == DIR_IN ? "in" : d == DIR_OUT ? "out" : "both";
}

static void load_input(struct conf_ctx *cx, struct exporter_conf *c, const config_setting_t *g)
{
	const char *s;
	uint64_t v;

	conf_known(cx, g, input_known);
	conf_string(cx, g, "interface", &c->cap.interface);
	conf_string(cx, g, "file", &c->cap.file);
	if (conf_string(cx, g, "filter", &c->cap.filter) > 0) {
		char err[PCAP_ERRBUF_SIZE + 64];
		if (filter_check(c->cap.filter, err, sizeof(err)) < 0)
			conf_error(cx, config_setting_get_member(g, "filter"), "%s", err);
	}
	conf_bool(cx, g, "promiscuous", &c->cap.promisc);
	if (conf_uint(cx, g, "snaplen", 64, 262144, &v) > 0)
		c->cap.snaplen = (uint32_t)v;
	if (conf_uint(cx, g, "buffer-size", 1, 2047, &v) > 0)   /* MiB */
		c->cap.buffer_bytes = (uint32_t)(v << 20);
	if (conf_string(cx, g, "file-reader", &s) > 0) {
		if (strcmp(s, "libpcap") == 0)
			c->cap.libpcap_only = true;
		else if (strcmp(s, "auto") != 0)
			conf_error(cx, config_setting_get_member(g, "file-reader"),
			           "'file-reader' must be \"auto\" or \"libpcap\"");
	}
	conf_string(cx, g, "dpdk", &c->cap.dpdk_args);
	if (conf_uint(cx, g, "dpdk-idle-exit", 0, 86400, &v) > 0)   /* seconds */
		c->cap.eof_idle_ms = (uint32_t)(v * 1000);
	if (conf_uint(cx, g, "dpdk-workers", 1, 64, &v) > 0)
		c->cap.dpdk_workers = (uint32_t)v;
	if (conf_uint(cx, g, "dpdk-queues", 1, 16, &v) > 0)
		c->cap.dpdk_queues = (uint32_t)v;
	if (conf_uint(cx, g, "interface-index", 0, UINT32_MAX, &v) > 0) {
		c->meter.in_if = (uint32_t)v;
		c->if_index_set = true;
	}
	if (conf_string(cx, g, "direction", &s) > 0) {
		const config_setting_t *d = config_setting_get_member(g, "direction");
		if (parse_direction(s, &c->direction) < 0)
			conf_error(cx, d, "'direction' must be \"in\", \"out\" or \"both\"");
		c->direction_line = (unsigned)config_setting_source_line(d);
	}
}

static void load_flows(struct conf_ctx *cx, struct exporter_conf *c, const config_setting_t *g)
{
	const config_setting_t *key;
	uint64_t v;
	bool huge;

	conf_known(cx, g, flows_known);
	if (conf_uint(cx, g, "max-flows", 1, 1u << 30, &v) > 0)
		c->meter.flows.max_flows = (uint32_t)v;
	if (conf_duration_ms(cx, g, "active-timeout", 1000, 86400000, &v) > 0)
		c->meter.flows.active_ms = (uint32_t)v;
	if (conf_duration_ms(cx, g, "idle-timeout", 1000, 86400000, &v) > 0)
		c->meter.flows.idle_ms = (uint32_t)v;
	if (conf_duration_ms(cx, g, "tcp-linger", 0, 3600000, &v) > 0)
		c->meter.flows.linger_ms = (uint32_t)v;
	if (conf_bool(cx, g, "huge-pages", &huge) > 0)
		c->meter.flows.huge_pages = huge;
	if (g != NULL && (key = config_setting_get_member(g, "key")) != NULL) {
		int n = config_setting_length(key);
		if (config_setting_type(key) != CONFIG_TYPE_ARRAY &&
		    config_setting_type(key) != CONFIG_TYPE_LIST) {
			conf_error(cx, key, "'key' must be a list of field names");
			return;
		}
		c->meter.key_fields = 0;
		for (int i = 0; i < n; i++) {
			const config_setting_t *e = config_setting_get_elem(key, (unsigned)i);
			const char *name = config_setting_get_string(e);
			unsigned bit = name ? meter_key_field(name) : 0;
			if (bit == 0)
				conf_error(cx, e, "unknown key field '%s' (src-addr, dst-addr, "
				           "src-port, dst-port, proto, tos, vlan, in-if)",
				           name ? name : "?");
			c->meter.key_fields |= bit;
		}
	}
}

static void load_sampling(struct conf_ctx *cx, struct exporter_conf *c, const config_setting_t *g)
{
	const char *mode = NULL;
	uint64_t v;

	conf_known(cx, g, sampling_known);
	if (conf_uint(cx, g, "rate", 1, 16383, &v) > 0)
		c->meter.sampling = (uint32_t)v;
	if (conf_string(cx, g, "mode", &mode) > 0) {
		if (strcmp(mode, "deterministic") == 0)
			c->meter.sampling_mode = SAMPLING_DETERMINISTIC;
		else if (strcmp(mode, "random") == 0)
			c->meter.sampling_mode = SAMPLING_RANDOM;
		else if (strcmp(mode, "upstream") == 0)
			c->meter.sampling_mode = SAMPLING_UPSTREAM;
		else
			conf_error(cx, config_setting_get_member(g, "mode"),
			           "'mode' must be \"deterministic\", \"random\" "
			           "or \"upstream\"");
	}
	if (conf_uint(cx, g, "seed", 1, UINT64_MAX, &v) > 0) {
		c->meter.sampling_seed = v;
		c->seed_set = true;
	}
	if (c->meter.sampling > 1 && c->meter.sampling_mode == SAMPLING_NONE)
		c->meter.sampling_mode = SAMPLING_DETERMINISTIC;
}

static void load_export(struct conf_ctx *cx, struct exporter_conf *c, const config_setting_t *g)
{
	const config_setting_t *d;
	uint64_t v;

	conf_known(cx, g, export_known);
	if (conf_bool(cx, g, "route-lookup", &c->route_lookup) > 0)
		c->route_lookup_line = (unsigned)config_setting_source_line(
			config_setting_get_member(g, "route-lookup"));
	if (conf_uint(cx, g, "mtu", 576, 65535, &v) > 0)
		c->mtu = (uint32_t)v;
	if (conf_uint(cx, g, "max-rate", 0, 10000000, &v) > 0) {
		c->max_rate = (uint32_t)v;
		c->max_rate_set = true;
	}
	if (conf_uint(cx, g, "queue-size", 65536, 1u << 30, &v) > 0)   /* bytes */
		c->queue_bytes = (uint32_t)v;
	if (conf_duration_ms(cx, g, "replay-patience", 0, 3600000, &v) > 0)
		c->patience_s = (uint32_t)((v + 999) / 1000);
	if (conf_uint(cx, g, "engine-type", 0, 255, &v) > 0)
		c->enc.engine_type = (uint8_t)v;
	if (conf_uint(cx, g, "engine-id", 0, 255, &v) > 0)
		c->enc.engine_id = (uint8_t)v;
	if (conf_uint(cx, g, "observation-domain", 0, UINT32_MAX, &v) > 0)
		c->enc.domain = (uint32_t)v;
	if (conf_duration_ms(cx, g, "template-refresh", 1000, 86400000, &v) > 0)
		c->enc.template_refresh_s = (uint32_t)(v / 1000);
	if (conf_duration_ms(cx, g, "max-hold", 1, 60000, &v) > 0)
		c->enc.max_hold_ms = (uint32_t)v;
	if (g != NULL && (d = config_setting_get_member(g, "destinations")) != NULL) {
		int n = config_setting_length(d);
		if (config_setting_type(d) != CONFIG_TYPE_ARRAY &&
		    config_setting_type(d) != CONFIG_TYPE_LIST) {
			conf_error(cx, d, "'destinations' must be a list of \"PROTO:HOST:PORT\"");
			return;
		}
		for (int i = 0; i < n; i++) {
			const config_setting_t *e = config_setting_get_elem(d, (unsigned)i);
			const char *spec = config_setting_get_string(e);
			char err[512];

			if (c->ndest == EXP_MAX_DEST) {
				conf_error(cx, e, "at most %d destinations", EXP_MAX_DEST);
				return;
			}
			if (spec == NULL) {
				conf_error(cx, e, "destination must be a string \"PROTO:HOST:PORT\"");
				continue;
			}
			if (exp_dest_parse(spec, &c->dest[c->ndest], err, sizeof(err)) < 0)
				conf_error(cx, e, "%s", err);
			else
				c->ndest++;
		}
	}
}

unsigned exporter_conf_load(struct exporter_conf *c, config_t *cfg, const char *path)
{
	struct conf_ctx cx = { path, 0 };
	const config_setting_t *root;

	c->path = path;
	if (conf_read(&cx, cfg, path) < 0)
		return cx.errors;
	root = config_root_setting(cfg);
	conf_known(&cx, root, top_known);
	load_input(&cx, c, config_setting_get_member(root, "input"));
	load_flows(&cx, c, config_setting_get_member(root, "flows"));
	load_sampling(&cx, c, config_setting_get_member(root, "sampling"));
	load_export(&cx, c, config_setting_get_member(root, "export"));
	conf_string(&cx, root, "user", &c->user);
	conf_log_group(&cx, root, &c->syslog, &c->verbose, &c->log_file);
	if (c->cap.interface != NULL && c->cap.file != NULL)
		conf_error(&cx, config_setting_get_member(config_setting_get_member(root, "input"), "file"),
		           "'interface' and 'file' are mutually exclusive");
	return cx.errors;
}

bool is_dpdk_interface(const char *iface)
{
	return strncmp(iface, "dpdk:", 5) == 0;
}

/* Report that a setting needs a libpcap live capture: "file:line: NAME =
 * VALUE needs ..." when the file set it (line > 0), "anemone-exporter: OPTION
 * needs ..." when the command line did.  One error. */
static unsigned needs_live(const struct exporter_conf *c, unsigned line, const char *setting,
                           const char *option, const char *why)
{
	if (line > 0)
		fprintf(stderr, "%s:%u: %s needs a live capture (input.interface or -i): %s\n",
		        c->path, line, setting, why);
	else
		fprintf(stderr, "anemone-exporter: %s needs a live capture (-i): %s\n", option, why);
	return 1;
}

/* Direction and route lookup are of libpcap live captures: a capture file
 * records neither which way a frame went nor this host's routes, and DPDK
 * ports bypass the kernel.  Returns the number of errors reported. */
static unsigned check_live_only(const struct exporter_conf *c)
{
	bool dpdk = c->cap.interface != NULL && is_dpdk_interface(c->cap.interface);
	unsigned errors = 0;
	char setting[64], option[64];

	snprintf(setting, sizeof(setting), "'direction' = \"%s\"", direction_name(c->direction));
	snprintf(option, sizeof(option), "--direction %s", direction_name(c->direction));
	if (c->direction != DIR_BOTH && c->cap.file != NULL)
		errors += needs_live(c, c->direction_line, setting, option,
		                     "a capture file does not record which way a frame went "
		                     "(only \"both\" applies)");
	else if (c->direction != DIR_BOTH && dpdk)
		errors += needs_live(c, c->direction_line, setting, option,
		                     "DPDK ports are not captured through the kernel "
		                     "(only \"both\" applies)");
	if (c->route_lookup && c->cap.file != NULL)
		errors += needs_live(c, c->route_lookup_line, "'route-lookup' = true",
		                     "--route-lookup", "this host's routes are not those of "
		                     "the network the file was captured on");
	else if (c->route_lookup && dpdk)
		errors += needs_live(c, c->route_lookup_line, "'route-lookup' = true",
		                     "--route-lookup", "not supported with DPDK ports");
	return errors;
}

unsigned exporter_conf_check(const struct exporter_conf *c)
{
	unsigned errors = 0;
	const char *where = c->path ? c->path : "anemone-exporter";

	if (c->cap.interface == NULL && c->cap.file == NULL) {
		fprintf(stderr, "%s: no input: give -i IFACE or -r FILE (or input.interface / input.file)\n", where);
		errors++;
	}
	if (c->cap.interface != NULL && is_dpdk_interface(c->cap.interface)) {
#ifdef HAVE_DPDK
		if (c->cap.dpdk_args == NULL) {
			fprintf(stderr, "%s: %s needs EAL arguments: --dpdk \"ARGS\" (or input.dpdk)\n",
			        where, c->cap.interface);
			errors++;
		}
		if (c->cap.filter != NULL) {
			fprintf(stderr, "%s: %s: capture filters are not supported with DPDK\n",
			        where, c->cap.interface);
			errors++;
		}
#else
		fprintf(stderr, "%s: %s: this anemone-exporter was built without DPDK "
		        "(configure --with-dpdk)\n", where, c->cap.interface);
		errors++;
#endif
	}
	if (c->ndest == 0) {
		fprintf(stderr, "%s: no destination: give -x PROTO:HOST:PORT (or export.destinations)\n", where);
		errors++;
	}
	return errors + check_live_only(c);
}

int exporter_settings(struct exporter_conf *conf, struct config_t *cfg,
                      const struct exporter_args *a)
{
	char err[512];

	exporter_conf_defaults(conf);
	if (a->cfgpath != NULL && exporter_conf_load(conf, cfg, a->cfgpath) > 0)
		return CONF_EXIT;
	if (a->iface != NULL) {
		conf->cap.interface = a->iface;
		conf->cap.file = NULL;
	}
	if (a->file != NULL) {
		conf->cap.file = a->file;
		conf->cap.interface = NULL;
	}
	if (a->filter != NULL) {
		if (filter_check(a->filter, err, sizeof(err)) < 0) {
			fprintf(stderr, "anemone-exporter: -f %s\n", err);
			return CONF_EXIT;
		}
		conf->cap.filter = a->filter;
	}
	if (a->dpdk != NULL) {
		/* input.dpdk without a DPDK input is ignored (-r overrides the
		 * file's interface); --dpdk without one is a mistake */
		if (conf->cap.interface == NULL || !is_dpdk_interface(conf->cap.interface)) {
			fprintf(stderr, "anemone-exporter: --dpdk given but the input is not a "
			        "DPDK port (-i dpdk:PORT)\n");
			return CONF_EXIT;
		}
		conf->cap.dpdk_args = a->dpdk;
	}
	if (a->dpdk_idle_exit >= 0)
		conf->cap.eof_idle_ms = (uint32_t)a->dpdk_idle_exit * 1000;
	if (a->dpdk_workers > 0)
		conf->cap.dpdk_workers = (uint32_t)a->dpdk_workers;
	if (a->dpdk_queues > 0)
		conf->cap.dpdk_queues = (uint32_t)a->dpdk_queues;
	if (a->direction_set) {
		conf->direction = a->direction;
		conf->direction_line = 0;
	}
	if (a->route_lookup) {
		conf->route_lookup = true;
		conf->route_lookup_line = 0;
	}
	if (a->user != NULL)
		conf->user = a->user;
	if (a->syslog)
		conf->syslog = true;
	if (a->log_file != NULL)
		conf->log_file = a->log_file;
	if (a->verbose)
		conf->verbose = a->verbose;
	if (a->nx > 0) {
		conf->ndest = 0;
		for (unsigned i = 0; i < a->nx; i++) {
			if (exp_dest_parse(a->x[i], &conf->dest[conf->ndest], err, sizeof(err)) < 0) {
				fprintf(stderr, "anemone-exporter: -x %s\n", err);
				return CONF_EXIT;
			}
			conf->ndest++;
		}
	}
	if (exporter_conf_check(conf) > 0)
		return CONF_EXIT;
	/* a file replays the same way every time: its sampling stream too */
	conf->meter.flows.seed = daemon_random_u64();
	if (!conf->seed_set)
		conf->meter.sampling_seed = conf->cap.file != NULL ? 1 : daemon_random_u64();
	return -1;
}
