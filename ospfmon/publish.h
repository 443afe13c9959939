/*
 * Publication of the monitor's view: each snapshot (topology document,
 * link-state database document, the events since the last one) goes to Redis
 * in one MULTI/EXEC transaction followed by a PUBLISH on the change channel,
 * and the topology (and, if asked, the database document) to JSON files
 * replaced atomically.  The keys are schema.h's, described in
 * redis/SCHEMA.md.
 *
 * Redis is spoken to synchronously (hiredis) with a time limit per attempt.
 * While Redis cannot be reached only the newest topology and database are
 * kept, but every event is queued (up to PUB_EVENTS_QUEUE_MAX, the oldest
 * dropped and counted beyond that) and sent with the next successful
 * publication.  Failed attempts are retried with a backoff of 1 s doubling to
 * 30 s, from pub_publish or pub_tick, whichever comes first when due.  An
 * outage is logged once when it starts and once when it ends.
 *
 * Creating a publisher with Redis enabled sets SIGPIPE to be ignored if it
 * was left at its default: a write on a connection the server has closed
 * must come back as an error, not end the process.
 */
#ifndef ANEMONE_PUBLISH_H
#define ANEMONE_PUBLISH_H

#include <stdbool.h>
#include <stdint.h>

#include "schema.h"

#define PUB_DEFAULT_PREFIX      SCHEMA_DEFAULT_PREFIX
#define PUB_DEFAULT_PORT        6379
#define PUB_DEFAULT_EVENTS_KEEP SCHEMA_EVENTS_KEEP
#define PUB_DEFAULT_TIMEOUT_MS  1000
#define PUB_EVENTS_QUEUE_MAX    100000  /* events held while Redis is away */

/*
 * Zero and NULL fields take the defaults above.  Redis is disabled when
 * redis_host and redis_unix are both NULL; redis_unix (a socket path) wins
 * when both are set.  redis_host should be an address: a name is resolved
 * without a time limit.  No file is written when json_file is NULL, no
 * database file when lsdb_file is NULL.  The
 * strings are copied by pub_new.
 */
struct pub_conf {
	const char *redis_host;
	uint16_t redis_port;
	const char *redis_unix;
	const char *redis_user;         /* ACL user: AUTH user password */
	const char *redis_password;     /* AUTH after connecting, if set */
	int redis_db;                   /* SELECT after connecting, if not 0 */
	const char *prefix;             /* of every key and of the channel */
	uint32_t events_keep;           /* length of the events list */
	uint32_t timeout_ms;            /* per attempt: connect and commands */
	const char *json_file;          /* {"version","time_ms","topology"} */
	const char *lsdb_file;          /* the database document, as in Redis */
};

struct pub_stats {
	uint64_t published;       /* transactions committed in Redis */
	uint64_t redis_errors;    /* failed attempts (connect, command, reply) */
	uint64_t reconnects;      /* outages ended by a successful attempt */
	uint64_t events_sent;     /* events committed to the events list */
	uint64_t events_dropped;  /* oldest queued events dropped: queue full */
	uint64_t file_writes;     /* JSON file (either) replaced */
	uint64_t file_errors;     /* JSON file (either) could not be replaced */
	bool redis_up;            /* connected, and the last attempt succeeded */
	uint64_t events_queued;   /* events not yet committed to Redis */
	bool snapshot_pending;    /* the newest topology and database not yet in Redis */
};

struct pub;

/* NULL only when out of memory.  Does not connect: the first publication
 * does. */
struct pub *pub_new(const struct pub_conf *c);
/* Closes the connection; events still queued are lost (and logged). */
void pub_free(struct pub *p);

/*
 * Publish a snapshot.  topology_json and lsdb_json are complete JSON
 * documents, events[0..nevents-1] JSON objects, oldest first; all are copied,
 * none is checked.  now_ms (milliseconds since the epoch) is both the time
 * stamped on the snapshot and the clock of the retry backoff.  Returns 0
 * when everything configured was done, -1 when the file could not be written
 * or the snapshot is still pending for Redis (it will be retried).
 */
int pub_publish(struct pub *p, uint64_t version, uint64_t now_ms,
                const char *topology_json, const char *lsdb_json,
                const char *const *events, unsigned nevents);

/* Call now and then (each second or so): retries a pending publication when
 * its backoff has expired.  Cheap when there is nothing to do. */
void pub_tick(struct pub *p, uint64_t now_ms);

void pub_stats(const struct pub *p, struct pub_stats *st);

#endif
