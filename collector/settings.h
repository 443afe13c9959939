/*
 * anemone-collector configuration: defaults, then the libconfig file (-c),
 * then the command line.  Documented in anemone-collector(8) and
 * etc/anemone-collector.conf.
 */
#ifndef COLLECTOR_SETTINGS_H
#define COLLECTOR_SETTINGS_H

#include <stdbool.h>
#include <stdint.h>

#include "coll.h"
#include "endpoint.h"
#include "linkdoc.h"
#include "rconn.h"
#include "snmp.h"

#define COL_MAX_LISTEN   32
#define COL_MAX_FORWARD  16
#define COL_MAX_ALLOW    256
#define COL_MAX_MAP      1024
#define COL_MAX_GROUPS   256
#define COL_MAX_MEMBERS  1024
#define COL_MAX_CAPS     4096
#define COL_MAX_NAMES    4096

#define COL_DEF_RCVBUF        (8u << 20)
#define COL_DEF_CHECK_MS      5000     /* how often the topology source is looked at */
#define COL_DEF_TCP_MAX       256      /* IPFIX/TCP connections held */
#define COL_DEF_TCP_PER_SRC   16       /* of them from one address */
#define COL_DEF_TCP_IDLE_MS   30000    /* closed after this long without a byte */
#define COL_DEF_TCP_MSG_MS    10000    /* ... or this long inside one message */
#define COL_DEF_TOP_SKETCH    32       /* sketch counters per top-N member */

struct col_listen {
	unsigned protos;             /* CP_* mask; CP_IPFIX alone with tcp */
	bool tcp;
	struct endpoint ep;
	char spec[300];
};

enum topo_source { TS_NONE, TS_REDIS, TS_FILE };

struct collector_conf {
	struct col_listen listen[COL_MAX_LISTEN];
	unsigned nlisten;
	struct endpoint forward[COL_MAX_FORWARD];
	unsigned nforward;
	struct coll_prefix allow[COL_MAX_ALLOW];
	unsigned nallow;
	struct coll_map map[COL_MAX_MAP];
	unsigned nmap;
	struct coll_group groups[COL_MAX_GROUPS];    /* probe-groups */
	unsigned ngroups;
	struct coll_member members[COL_MAX_MEMBERS];
	unsigned nmembers;
	struct snmp_conf snmp;       /* snmp.nagents 0: no polling */
	struct cap_rule caps[COL_MAX_CAPS];
	unsigned ncaps;
	struct col_name { uint32_t id; const char *name; } names[COL_MAX_NAMES];
	unsigned nnames;             /* router names, for the anemone command */
	uint32_t rcvbuf;
	uint64_t flush_ms;
	bool clock_exporter;         /* buckets by export time, not arrival */
	uint64_t max_exporters, max_keys;
	bool dedup_off;              /* duplicates.detect = false */
	uint64_t dedup_window_ms, dedup_records;   /* duplicates (0: defaults) */
	uint64_t tcp_max, tcp_per_source;     /* IPFIX/TCP connections: all, one address */
	uint64_t tcp_idle_ms, tcp_message_ms; /* their idle and message timeouts */
	uint64_t max_sampling;       /* largest sampling rate applied */
	uint64_t max_domains;        /* domains of one address counted apart */
	uint64_t template_memory;    /* bytes of v9/IPFIX state */
	uint64_t template_share;     /* percent of it one exporter address holds */

	bool redis;                  /* write to Redis at all */
	struct rconn_conf rc;
	const char *prefix;
	const char *writer_id;       /* redis.id; NULL: col_default_id() */
	uint64_t backlog_bytes;
	uint64_t top_n;
	uint64_t top_sketch;         /* sketch counters per top-N member */

	enum topo_source topo;
	const char *topo_file;
	const char *topo_prefix;     /* ospfmon's key prefix; default: prefix */
	uint64_t topo_check_ms;

	bool syslog;
	int verbose;
	const char *log_file;        /* log.file, --log-file */
	const char *user;            /* user, -u: run as this user once listening */
	const char *path;
};

void collector_conf_defaults(struct collector_conf *c);

struct config_t;
/* Load path into c; strings stay owned by *cfg.  Returns the number of
 * errors reported ("file:line: message"). */
unsigned collector_conf_load(struct collector_conf *c, struct config_t *cfg, const char *path);

/*
 * The one loader: defaults, the file (-c, or the default one when it
 * exists: daemon_config_path), the command line over it, the whole
 * checked.  Returns -1 to run, or the exit status after printing what -h,
 * -V or -n ask or what is wrong (usage or `file:line: message` on stderr,
 * CONF_EXIT).  *cfg must be config_init'ed; strings point into argv, *cfg
 * and static buffers.
 */
int collector_settings_load(struct collector_conf *c, struct config_t *cfg, int argc, char **argv);

/* "v5,v9,ipfix:ADDR:PORT", "udp:ADDR:PORT" (= v5,v9,ipfix), "ipfix+tcp:ADDR:PORT".
 * 0, or -1 with a message in err. */
int col_listen_parse(const char *spec, struct col_listen *l, char *err, size_t errlen);
/* "arrival" or "exporter" into *exporter; 0, or -1 when neither. */
int col_clock_parse(const char *s, bool *exporter);
/* "ADDR[/LEN]" */
int col_prefix_parse(const char *s, struct coll_prefix *p, char *err, size_t errlen);
/* The writer's default id: "HOSTNAME/SPEC[,SPEC...]" of the listeners (at
 * most len - 1 bytes).  Returns buf. */
const char *col_default_id(const struct collector_conf *c, char *buf, size_t len);
/* "HOST:PORT" of Redis */
int col_redis_parse(const char *s, struct rconn_conf *rc, char *hostbuf, size_t hostlen,
                    char *err, size_t errlen);

#endif
