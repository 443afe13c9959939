/*
 * The collector's SNMP poller: in a thread of its own, every interval, it
 * walks each configured agent's interface and address tables (SNMPv2c, or
 * SNMPv3 with USM; GETBULK, net-snmp's single-session API) into a struct snmptab, so that a
 * slow or dead agent never holds up receiving.  The receiving thread takes
 * each agent's newest table (snmp_poller_take) and derives the observation
 * points (topofeed.c).  An agent that does not answer, or answers what is
 * not a table (an error status, OIDs that do not increase, more rows than
 * the table holds), is logged (once per change of its state) and counted;
 * its last good table stays.
 */
#ifndef COLLECTOR_SNMP_H
#define COLLECTOR_SNMP_H

#include <stdbool.h>
#include <stdint.h>

#include "flow.h"
#include "snmptab.h"

#define SNMP_MAX_AGENTS 256

struct snmp_agent {
	int af;                      /* the exporter whose interfaces these are */
	union anm_addr exporter;
	char peer[128];              /* net-snmp peer name, "udp:HOST:PORT" */
};

struct snmp_conf {
	const char *community;       /* SNMPv2c; or SNMPv3 (USM) when user is set: */
	const char *user;
	bool auth_sha256;            /* SHA-256, else SHA-1 (HMAC-SHA-96) */
	const char *auth_password;   /* NULL: noAuthNoPriv */
	const char *priv_password;   /* AES-128; NULL: authNoPriv */
	uint64_t interval_ms, timeout_ms;
	unsigned retries;
	struct snmp_agent agents[SNMP_MAX_AGENTS];
	unsigned nagents;
};

struct snmp_stats {
	uint64_t polls, errors;      /* walks of an agent done, failed */
	uint64_t bad_values;         /* values refused (snmptab.bad) */
	uint64_t dropped_rows;       /* rows past the table's bounds */
};

struct snmp_poller;

/* Initialise net-snmp (no configuration or MIB files read) and start the
 * thread; NULL when out of memory.  Borrows conf. */
struct snmp_poller *snmp_poller_start(const struct snmp_conf *conf);

/* Agent i's newest good table into *t when there is one newer than *gen
 * (then *gen is updated): true.  Cost: a copy of the table. */
bool snmp_poller_take(struct snmp_poller *p, unsigned i, uint64_t *gen, struct snmptab *t);

void snmp_poller_stats(struct snmp_poller *p, struct snmp_stats *st);

/* Stop the thread (within the current poll's timeout) and free. */
void snmp_poller_stop(struct snmp_poller *p);

#endif
