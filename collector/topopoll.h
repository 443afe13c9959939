/*
 * The collector's watch on the topology anemone-ospfmon publishes in Redis
 * (redis/SCHEMA.md, part 1), in a thread of its own so that a Redis that is
 * slow or gone never holds up the thread that receives flow records.
 *
 * Every check interval the thread reads <prefix>ospf:version and, when it
 * differs from the version last read (or nothing was read yet),
 * <prefix>ospf:lsdb, parses it (lsdbdoc_read) and leaves the database for
 * the caller to take; a newer one replaces one not yet taken.  A document
 * that does not parse is logged and counted, and the held topology stays.
 * Failures to reach Redis back off as lib/rconn.c does (logged once per
 * outage).
 *
 * The caller's thread takes the database and builds its placer from it
 * (lib/place.h): the thread only reads and parses.  Memory: at most
 * one parsed database waits, besides the one being parsed.
 */
#ifndef COLLECTOR_TOPOPOLL_H
#define COLLECTOR_TOPOPOLL_H

#include <stdint.h>

#include "lsdb.h"
#include "rconn.h"

struct topopoll;

/* Start polling Redis (rc) under prefix, every check_ms, first at once.
 * NULL when out of memory or the thread cannot start. */
struct topopoll *topopoll_new(const struct rconn_conf *rc, const char *prefix,
                              uint64_t check_ms);

/* Stop the thread (waiting for an attempt under way, at most the time
 * limit) and free what is held. */
void topopoll_free(struct topopoll *tp);

/* The newest database parsed and not yet taken, or NULL; the caller owns
 * it.  *version and *time_ms receive the document's, *errors (added to) the
 * documents refused since the last call.  Never waits for Redis. */
struct lsdb *topopoll_take(struct topopoll *tp, uint64_t *version, uint64_t *time_ms,
                           uint64_t *errors);

/* Wait until the thread's first poll has ended (it is bounded by the
 * connection's time limit): at start, so that the first records are placed
 * on the topology Redis holds, as when the poll was synchronous. */
void topopoll_wait_first(struct topopoll *tp);

/* Read the database again at the next poll even if the version has not
 * changed (the caller could not use the one it took). */
void topopoll_again(struct topopoll *tp);

/* "host:port", for logs. */
const char *topopoll_endpoint(const struct topopoll *tp);

#endif
