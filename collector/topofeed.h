/*
 * The collector's topology feed: the OSPF database it places flows on,
 * from an LSDB file (reloaded when it changes; checked every
 * topo_check_ms) or from Redis (what anemone-ospfmon publishes, read by
 * topopoll's thread and taken here without waiting).  Each database taken
 * becomes the core's placer (coll_set_topology), and the links with their
 * costs and capacities, and the router names, are written to Redis for
 * Grafana and the anemone command.  A database that cannot be read or
 * built is logged and counted (errors) and the held one stays.  Runs in
 * the receiving thread.
 */
#ifndef COLLECTOR_TOPOFEED_H
#define COLLECTOR_TOPOFEED_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "coll.h"
#include "settings.h"
#include "snmp.h"
#include "topopoll.h"
#include "writer.h"

struct topofeed {
	const struct collector_conf *conf;
	struct coll *coll;
	struct writer *w;            /* NULL: nothing written */
	struct topopoll *tp;         /* from Redis */
	struct timespec mtime;       /* the file's, when last read */
	off_t size;                  /* -1: the file was missing */
	uint64_t next_ms;            /* when to look at the file again */
	uint64_t loads, errors;      /* databases taken, refused */
	struct placer *placer;       /* the last taken (the core owns it), */
	struct lsdb *db;             /* its database, */
	uint64_t db_ms;              /* of that time */
	/* SNMP: each agent's newest table, the points derived from them */
	struct snmp_poller *snmp;
	struct snmptab *tab[SNMP_MAX_AGENTS];
	uint64_t gen[SNMP_MAX_AGENTS];
	uint64_t derived_loads;      /* loads when the points were derived */
	struct coll_map *points;     /* npoints, from SNMP */
	unsigned npoints;
	uint64_t inferred_gen;       /* the core's inferred points last written */
	struct cap_rule *snmp_caps;  /* the polled interfaces' speeds */
	unsigned nsnmp_caps;
};

/* 0, or -1 if the Redis poll or the SNMP poller cannot start.  Borrows
 * conf, coll and w. */
int topofeed_init(struct topofeed *c, const struct collector_conf *conf, struct coll *coll,
                  struct writer *w);

/*
 * Take a new database if there is one (force: at start, wait for Redis's
 * first answer, and read the file whatever its time).  Cost: a stat(2)
 * every check interval; building the placer when the database changed.
 * Then, when an SNMP agent answered anew or the topology changed, derive
 * the observation points again (snmptab_points), give them to the core
 * and write the observation-points document.
 */
void topofeed_check(struct topofeed *c, uint64_t now_ms, bool force);

void topofeed_free(struct topofeed *c);

#endif
