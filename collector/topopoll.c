/*
 * The collector's topology poll of Redis, in its own thread (topopoll.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "daemon.h"
#include "log.h"
#include "lsdbdoc.h"
#include "schema.h"
#include "topopoll.h"

struct topopoll {
	/* read-only after topopoll_new */
	char *k_version, *k_lsdb;
	uint64_t check_ms;

	/* shared, under mu */
	pthread_mutex_t mu;
	pthread_cond_t cv;           /* stop; the first poll ended */
	bool stop, again, polled;
	struct lsdb *ready;          /* parsed, not yet taken */
	uint64_t ready_version, ready_time_ms, errors;

	/* the thread's */
	pthread_t thread;
	struct rconn c;
	bool have_version;
	uint64_t version;
};

/*
 * One poll: GET the version; if it changed, GET the database and parse it.
 * Returns 0 (the database, if any, handed over), or -1 with tp->c.err set
 * (Redis failed).  Cost: one round trip, two and a parse on a change.
 */
static int poll_once(struct topopoll *tp)
{
	const char *getv[] = { "GET", tp->k_version }, *getl[] = { "GET", tp->k_lsdb };
	redisReply *r = NULL;
	uint64_t deadline, version = 0, time_ms = 0;
	char err[256];
	struct lsdb *db;
	bool again;

	if (rconn_begin(&tp->c, &deadline) < 0 ||
	    rconn_command(&tp->c, deadline, "GET version", 2, getv, NULL, &r) < 0)
		return -1;
	if (r->type != REDIS_REPLY_STRING) {   /* nothing published yet */
		freeReplyObject(r);
		return 0;
	}
	if (parse_uint(r->str, 0, UINT64_MAX, &version) < 0) {
		freeReplyObject(r);
		snprintf(tp->c.err, sizeof(tp->c.err), "%s is not a number", tp->k_version);
		return -1;
	}
	freeReplyObject(r);
	pthread_mutex_lock(&tp->mu);
	again = tp->again;
	tp->again = false;
	pthread_mutex_unlock(&tp->mu);
	if (tp->have_version && version == tp->version && !again)
		return 0;
	if (rconn_command(&tp->c, deadline, "GET lsdb", 2, getl, NULL, &r) < 0)
		return -1;
	tp->have_version = true;
	tp->version = version;
	if (r->type != REDIS_REPLY_STRING) {
		freeReplyObject(r);
		return 0;
	}
	db = lsdbdoc_read(r->str, r->len, &version, &time_ms, err, sizeof(err));
	freeReplyObject(r);
	pthread_mutex_lock(&tp->mu);
	if (db == NULL) {
		tp->errors++;
	} else {
		if (tp->ready)
			lsdb_free(tp->ready);
		tp->ready = db;
		tp->ready_version = version;
		tp->ready_time_ms = time_ms;
	}
	pthread_mutex_unlock(&tp->mu);
	if (db == NULL)
		log_warnx("redis %s: %s: %s; keeping the topology held", tp->c.endpoint, tp->k_lsdb,
		          err);
	return 0;
}

static void *poll_thread(void *arg)
{
	struct topopoll *tp = arg;

	pthread_mutex_lock(&tp->mu);
	while (!tp->stop) {
		uint64_t now = rconn_mono_ms(), next;
		struct timespec ts;

		if (rconn_due(&tp->c, now)) {
			pthread_mutex_unlock(&tp->mu);
			if (poll_once(tp) < 0)
				rconn_failed(&tp->c, rconn_mono_ms());
			else
				rconn_succeeded(&tp->c, NULL);
			pthread_mutex_lock(&tp->mu);
			if (!tp->polled) {
				tp->polled = true;
				pthread_cond_broadcast(&tp->cv);
			}
		}
		next = rconn_mono_ms() + tp->check_ms;
		ts.tv_sec = (time_t)(next / 1000);
		ts.tv_nsec = (long)(next % 1000) * 1000000;
		if (!tp->stop)
			pthread_cond_timedwait(&tp->cv, &tp->mu, &ts);
	}
	pthread_mutex_unlock(&tp->mu);
	return NULL;
}

struct topopoll *topopoll_new(const struct rconn_conf *rc, const char *prefix,
                              uint64_t check_ms)
{
	struct topopoll *tp = calloc(1, sizeof(*tp));
	int err;

	if (tp == NULL)
		return NULL;
	tp->check_ms = check_ms;
	if ((tp->k_version = schema_key_new(prefix, SCHEMA_OSPF_VERSION)) == NULL ||
	    (tp->k_lsdb = schema_key_new(prefix, SCHEMA_OSPF_LSDB)) == NULL ||
	    rconn_init(&tp->c, rc) < 0)
		goto fail;
	if ((err = daemon_thread_start(&tp->thread, &tp->mu, &tp->cv, poll_thread, tp)) != 0) {
		errno = err;
		log_warn("redis %s: cannot start the topology poll's thread", tp->c.endpoint);
		rconn_free(&tp->c);
		goto fail;
	}
	return tp;
fail:
	free(tp->k_version);
	free(tp->k_lsdb);
	free(tp);
	return NULL;
}

void topopoll_free(struct topopoll *tp)
{
	if (tp == NULL)
		return;
	pthread_mutex_lock(&tp->mu);
	tp->stop = true;
	pthread_cond_signal(&tp->cv);
	pthread_mutex_unlock(&tp->mu);
	pthread_join(tp->thread, NULL);
	if (tp->ready)
		lsdb_free(tp->ready);
	rconn_free(&tp->c);
	pthread_cond_destroy(&tp->cv);
	pthread_mutex_destroy(&tp->mu);
	free(tp->k_version);
	free(tp->k_lsdb);
	free(tp);
}

struct lsdb *topopoll_take(struct topopoll *tp, uint64_t *version, uint64_t *time_ms,
                           uint64_t *errors)
{
	struct lsdb *db;

	pthread_mutex_lock(&tp->mu);
	db = tp->ready;
	tp->ready = NULL;
	*version = tp->ready_version;
	*time_ms = tp->ready_time_ms;
	*errors += tp->errors;
	tp->errors = 0;
	pthread_mutex_unlock(&tp->mu);
	return db;
}

void topopoll_wait_first(struct topopoll *tp)
{
	pthread_mutex_lock(&tp->mu);
	while (!tp->polled && !tp->stop)
		pthread_cond_wait(&tp->cv, &tp->mu);
	pthread_mutex_unlock(&tp->mu);
}

void topopoll_again(struct topopoll *tp)
{
	pthread_mutex_lock(&tp->mu);
	tp->again = true;
	pthread_mutex_unlock(&tp->mu);
}

const char *topopoll_endpoint(const struct topopoll *tp)
{
	return tp->c.endpoint;
}
