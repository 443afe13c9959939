/*
 * anemone-exporter configuration: defaults, then the libconfig file (-c),
 * then the command line.  One struct, read-only once loaded.
 */
#ifndef ANEMONE_EXPORTER_SETTINGS_H
#define ANEMONE_EXPORTER_SETTINGS_H

#include <stdbool.h>
#include <stdint.h>

#include "capture.h"
#include "export.h"
#include "meter.h"

#define EXP_MAX_DEST 16

/* Defaults, documented in anemone-exporter(8) and etc/anemone-exporter.conf. */
#define DEF_MAX_FLOWS       1000000
#define DEF_ACTIVE_MS       60000     /* 1 min: collectors see long flows promptly */
#define DEF_IDLE_MS         15000     /* 15 s: as routers do; short gaps stay one flow */
#define DEF_LINGER_MS       2000      /* after FIN/RST: the last ACKs */
#define DEF_HOLD_MS         1000      /* a partial message waits at most 1 s */
#define DEF_TEMPLATE_S      60        /* IPFIX/UDP template refresh */
#define DEF_SNAPLEN         256       /* enough for any header stack we decode */
#define DEF_MTU             1500
#define DEF_FILE_RATE       5000      /* -r: messages/s per destination, so a
                                         collector with default socket buffers
                                         keeps up with an end-of-file flush,
                                         even on a busy machine */
#define DEF_REPLAY_PATIENCE_S 60      /* replays: how long a full queue waits
                                         for a collector that takes nothing */
#define EXIT_IDLE_MS        2000      /* live: at exit, how long a queue waits
                                         for a collector that takes nothing */

struct exporter_conf {
	struct cap_conf cap;
	bool if_index_set;
	enum cap_direction direction;   /* live captures only */
	unsigned direction_line;   /* its line in the file; 0: default or --direction */
	bool route_lookup;         /* egress and next hop from the kernel FIB
	                              (exporter/fib.h), live captures only */
	unsigned route_lookup_line;   /* as direction_line */
	struct meter_conf meter;
	bool seed_set;
	struct enc_params enc;
	uint32_t mtu;
	uint32_t max_rate;         /* messages/s per destination, 0 = unlimited */
	bool max_rate_set;
	uint32_t queue_bytes;      /* per destination */
	uint32_t patience_s;       /* replays: see sender_set_patience */
	struct exp_dest dest[EXP_MAX_DEST];
	unsigned ndest;
	const char *user;
	bool syslog;
	const char *log_file;     /* log.file, --log-file: log there (SIGHUP reopens) */
	int verbose;
	const char *path;          /* config file, or NULL */
};

/* What the command line says (NULL, 0 or false: not given); it overrides
 * the configuration file. */
struct exporter_args {
	const char *cfgpath, *iface, *file, *filter, *user, *dpdk, *log_file;
	enum cap_direction direction;   /* --direction, if direction_set */
	bool direction_set, route_lookup;   /* --route-lookup */
	long dpdk_idle_exit;       /* seconds, -1 = not given */
	long dpdk_workers, dpdk_queues;  /* 0 = not given */
	const char *x[EXP_MAX_DEST];
	unsigned nx;
	bool check_only, syslog;
	int verbose;
};

/*
 * The loader: defaults, then the file a->cfgpath (if any), then the
 * command line; checked whole; then the random seeds (a file's sampling
 * seed is fixed, so replays repeat).  Strings may point into *cfg (the
 * caller keeps it alive) and into a.  Returns -1 to go on, or CONF_EXIT
 * after reporting every problem on stderr.
 */
struct config_t;
int exporter_settings(struct exporter_conf *conf, struct config_t *cfg,
                      const struct exporter_args *a);

/* Fill defaults. */
void exporter_conf_defaults(struct exporter_conf *c);

/*
 * Load the libconfig file at path into c.  Strings stay owned by *cfg (the
 * caller keeps it alive).  Returns the number of errors reported (each as
 * "file:line: message" on stderr).
 */
struct config_t;
unsigned exporter_conf_load(struct exporter_conf *c, struct config_t *cfg, const char *path);

/* Does the BPF expression compile?  0, or -1 with a message in err. */
int filter_check(const char *filter, char *err, size_t errlen);

/* "in", "out" or "both" -> *out; 0, or -1 for anything else. */
int parse_direction(const char *s, enum cap_direction *out);

/* The name of a direction, as the configuration spells it. */
const char *direction_name(enum cap_direction d);

/* Is this interface name a DPDK port ("dpdk:PORT")? */
bool is_dpdk_interface(const char *iface);

/* Checks that need the whole configuration (input chosen, destinations
 * present).  Reports to stderr; returns the number of errors. */
unsigned exporter_conf_check(const struct exporter_conf *c);

#endif
