/*
 * anemone-ospfmon's settings: one loader, the configuration file (-c, or
 * the default one) first, then the command line over it, checked whole.
 * The strings point into argv or into the libconfig tree the struct holds,
 * so they live until mon_settings_free.
 */
#ifndef ANEMONE_OSPFMON_SETTINGS_H
#define ANEMONE_OSPFMON_SETTINGS_H

#include <libconfig.h>
#include <stdbool.h>
#include <stdint.h>

#include "monitor.h"
#include "publish.h"

#define MON_MAX_IFACES 16
#define MON_MAX_FILES  16
#define MON_DEF_SNAPSHOT_MS (5 * 60 * 1000)

enum mon_dump { DUMP_LSDB, DUMP_TOPOLOGY, DUMP_ROUTES, DUMP_EVENTS, DUMP_ROUTES6 };

struct mon_settings {
	const char *conf_file;          /* read, or NULL */
	const char *interfaces[MON_MAX_IFACES];
	unsigned ninterfaces;
	const char *files[MON_MAX_FILES];
	unsigned nfiles;
	bool raw_socket;
	uint32_t buffer_bytes;
	const char *snapshot;
	uint64_t snapshot_ms;
	const char *events_file;
	struct mon_conf mon;
	struct mon_key keys[MON_MAX_KEYS];
	struct pub_conf pub;
	const char *user;               /* -u, user: run as this user once open */
	const char *log_file;           /* --log-file, log.file */
	bool syslog;
	int verbose;
	/* command line only */
	enum mon_dump dump;
	bool json;
	uint32_t root;                  /* --root, host order */
	config_t cfg;                   /* holds the file's strings */
	char redis_buf[256], conf_buf[512];   /* --redis's host, the default file */
};

/*
 * Fill *s from argv and the configuration file.  Returns -1 when the
 * daemon is to run; otherwise the exit status, after printing what was
 * asked (-h, -V: 0; -n: "FILE: configuration OK", 0) or every problem
 * found (usage on stderr, `file:line: message`; CONF_EXIT).  Call
 * mon_settings_free in every case.
 */
int mon_settings_load(struct mon_settings *s, int argc, char **argv);
void mon_settings_free(struct mon_settings *s);

#endif
