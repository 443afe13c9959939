/*
 * Publication to Redis and to a JSON file (see publish.h and
 * redis/SCHEMA.md).  A snapshot handed to pub_publish replaces the pending
 * one; its events join the queue.  One attempt sends the pending snapshot and
 * the whole queue in a single pipelined MULTI/EXEC, then the notification.
 * Any failure closes the connection and schedules a new attempt after the
 * backoff; nothing pending is forgotten until EXEC has committed it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "atomicfile.h"
#include "log.h"
#include "publish.h"
#include "rconn.h"
#include "sbuf.h"
#include "strdup_opt.h"

struct pub_event {
	char *s;
	size_t len;
};

struct pub {
	/* configuration (own copies) */
	bool redis;
	char *json_file, *lsdb_file;
	uint32_t keep;
	char *endpoint;                 /* for logs: c.endpoint, or "(none)" */
	char *k_topology, *k_lsdb, *k_version, *k_updated, *k_events, *k_channel;

	struct rconn c;

	/* pending snapshot: the newest one not yet committed */
	bool dirty;
	char *topology, *lsdb;
	size_t topology_len, lsdb_len;
	uint64_t version, time_ms;

	/* events not yet committed: a ring, oldest at q[q_head] */
	struct pub_event *q;
	size_t q_head, q_len, q_cap;
	bool q_full_logged;

	bool file_failing, lsdb_file_failing;
	struct pub_stats st;
};

/* --- small helpers -------------------------------------------------------- */

/* prefix + the schema's name of k (schema.h), or NULL and *oom set. */
static char *key_new(const char *prefix, enum schema_key k, bool *oom)
{
	char *s = schema_key_new(prefix, k);

	if (s == NULL)
		*oom = true;
	return s;
}

/* --- the event queue ------------------------------------------------------ */

static struct pub_event *q_at(struct pub *p, size_t i)
{
	return &p->q[(p->q_head + i) % p->q_cap];
}

/* Drop the oldest event (queue non-empty). */
static void q_drop_oldest(struct pub *p)
{
	free(p->q[p->q_head].s);
	p->q_head = (p->q_head + 1) % p->q_cap;
	p->q_len--;
}

/* Append a copy of ev; when the queue is at its bound the oldest goes.
 * Returns -1 when out of memory (the event is then lost and counted). */
static int q_push(struct pub *p, const char *ev)
{
	struct pub_event e;

	if (p->q_len == p->q_cap && p->q_cap < PUB_EVENTS_QUEUE_MAX) {
		size_t cap = p->q_cap ? p->q_cap * 2 : 64;
		struct pub_event *nq;
		if (cap > PUB_EVENTS_QUEUE_MAX)
			cap = PUB_EVENTS_QUEUE_MAX;
		if ((nq = malloc(cap * sizeof(*nq))) == NULL)
			goto oom;
		for (size_t i = 0; i < p->q_len; i++)
			nq[i] = *q_at(p, i);
		free(p->q);
		p->q = nq;
		p->q_cap = cap;
		p->q_head = 0;
	}
	e.len = strlen(ev);
	if ((e.s = malloc(e.len + 1)) == NULL)
		goto oom;
	memcpy(e.s, ev, e.len + 1);
	if (p->q_len == p->q_cap) {
		q_drop_oldest(p);
		p->st.events_dropped++;
		if (!p->q_full_logged) {
			log_warnx("redis %s: %u events queued, dropping the oldest",
			          p->endpoint, (unsigned)PUB_EVENTS_QUEUE_MAX);
			p->q_full_logged = true;
		}
	}
	*q_at(p, p->q_len) = e;
	p->q_len++;
	return 0;
oom:
	p->st.events_dropped++;
	log_warnx("redis %s: out of memory queueing an event; dropped", p->endpoint);
	return -1;
}

static void q_clear(struct pub *p)
{
	while (p->q_len > 0)
		q_drop_oldest(p);
	p->q_head = 0;
}

/* --- Redis ---------------------------------------------------------------- */

/* The notification: {"version":N,"time_ms":T,"events":[...]}, events oldest
 * first.  NULL when out of memory. */
static char *notification(struct pub *p, size_t *len)
{
	struct sbuf sb = SBUF_INIT;

	sbuf_printf(&sb, "{\"version\":%" PRIu64 ",\"time_ms\":%" PRIu64 ",\"events\":[",
	            p->version, p->time_ms);
	for (size_t i = 0; i < p->q_len; i++) {
		if (i)
			sbuf_put(&sb, ",", 1);
		sbuf_put(&sb, q_at(p, i)->s, q_at(p, i)->len);
	}
	sbuf_put(&sb, "]}", 2);
	if (!sbuf_ok(&sb)) {
		sbuf_free(&sb);
		return NULL;
	}
	*len = sb.len;
	return sb.p;
}

/*
 * One attempt: connect if needed, commit the pending snapshot and queue, then
 * notify.  Returns 0, or -1 with p->c.err set.  When the transaction committed
 * but the notification failed, the pending state is already cleared.
 */
static int redis_attempt(struct pub *p)
{
	uint64_t deadline;
	char ver[24], upd[24], keep[24];
	const char **argv = NULL;
	size_t *argvlen = NULL;
	redisReply *exec = NULL;
	char *msg = NULL;
	size_t msglen = 0, nev = p->q_len;
	int rv = -1;

	if (rconn_begin(&p->c, &deadline) < 0)
		return -1;
	if ((msg = notification(p, &msglen)) == NULL ||
	    (argv = malloc((nev + 2) * sizeof(*argv))) == NULL ||
	    (argvlen = malloc((nev + 2) * sizeof(*argvlen))) == NULL) {
		snprintf(p->c.err, sizeof(p->c.err), "out of memory");
		goto out;
	}
	snprintf(ver, sizeof(ver), "%" PRIu64, p->version);
	snprintf(upd, sizeof(upd), "%" PRIu64, p->time_ms);
	snprintf(keep, sizeof(keep), "%" PRIu64, (uint64_t)p->keep - 1);

	/* the transaction, pipelined: MULTI, 4 x SET, [LPUSH, LTRIM,] EXEC */
	{
		const char *multi[] = { "MULTI" }, *execv[] = { "EXEC" };
		const char *s1[] = { "SET", p->k_topology, p->topology };
		size_t l1[] = { 3, strlen(p->k_topology), p->topology_len };
		const char *s2[] = { "SET", p->k_lsdb, p->lsdb };
		size_t l2[] = { 3, strlen(p->k_lsdb), p->lsdb_len };
		const char *s3[] = { "SET", p->k_version, ver };
		const char *s4[] = { "SET", p->k_updated, upd };
		const char *trim[] = { "LTRIM", p->k_events, "0", keep };
		unsigned ncmd = 6;
		int ok = redisAppendCommandArgv(p->c.rc, 1, multi, NULL) == REDIS_OK &&
		         redisAppendCommandArgv(p->c.rc, 3, s1, l1) == REDIS_OK &&
		         redisAppendCommandArgv(p->c.rc, 3, s2, l2) == REDIS_OK &&
		         redisAppendCommandArgv(p->c.rc, 3, s3, NULL) == REDIS_OK &&
		         redisAppendCommandArgv(p->c.rc, 3, s4, NULL) == REDIS_OK;
		if (ok && nev > 0) {
			argv[0] = "LPUSH";
			argvlen[0] = 5;
			argv[1] = p->k_events;
			argvlen[1] = strlen(p->k_events);
			for (size_t i = 0; i < nev; i++) {
				argv[i + 2] = q_at(p, i)->s;
				argvlen[i + 2] = q_at(p, i)->len;
			}
			ok = redisAppendCommandArgv(p->c.rc, (int)(nev + 2), argv, argvlen) == REDIS_OK &&
			     redisAppendCommandArgv(p->c.rc, 4, trim, NULL) == REDIS_OK;
			ncmd += 2;
		}
		ok = ok && redisAppendCommandArgv(p->c.rc, 1, execv, NULL) == REDIS_OK;
		if (!ok) {
			rconn_append_failed(&p->c, "transaction");
			goto out;
		}
		/* every reply before EXEC's is +OK or +QUEUED; an error among them
		 * makes Redis discard the transaction (EXECABORT) */
		for (unsigned i = 0; i + 1 < ncmd; i++)
			if (rconn_reply(&p->c, deadline, "transaction", NULL) < 0)
				goto out;
		if (rconn_reply(&p->c, deadline, "EXEC", &exec) < 0)
			goto out;
		if (exec->type != REDIS_REPLY_ARRAY || exec->elements != ncmd - 2) {
			snprintf(p->c.err, sizeof(p->c.err), "EXEC: transaction not executed");
			goto out;
		}
		for (size_t i = 0; i < exec->elements; i++)
			if (exec->element[i]->type == REDIS_REPLY_ERROR) {
				snprintf(p->c.err, sizeof(p->c.err), "EXEC: %s", exec->element[i]->str);
				goto out;
			}
	}

	/* committed: the queue and snapshot are no longer pending */
	p->st.published++;
	p->st.events_sent += nev;
	p->dirty = false;
	q_clear(p);
	p->q_full_logged = false;

	{
		const char *pub[] = { "PUBLISH", p->k_channel, msg };
		size_t pl[] = { 7, strlen(p->k_channel), msglen };
		if (rconn_command(&p->c, deadline, "PUBLISH", 3, pub, pl, NULL) < 0)
			goto out;
	}
	rv = 0;
out:
	if (exec)
		freeReplyObject(exec);
	free(argv);
	free(argvlen);
	free(msg);
	return rv;
}

static bool pending(const struct pub *p)
{
	return p->dirty || p->q_len > 0;
}

/* Attempt now if there is something to send and the backoff allows. */
static void redis_try(struct pub *p, uint64_t now_ms)
{
	size_t queued = p->q_len;
	char what[64];

	if (!p->redis || !pending(p) || !rconn_due(&p->c, now_ms))
		return;
	if (redis_attempt(p) == 0) {
		snprintf(what, sizeof(what), "sent %zu queued event%s", queued,
		         queued == 1 ? "" : "s");
		rconn_succeeded(&p->c, what);
		return;
	}
	rconn_failed(&p->c, now_ms);
}

/* --- the JSON files ------------------------------------------------------- */

/* Replace a file (lib/atomicfile.c) with data; failures are logged once
 * until it works again. */
static int file_put(struct pub *p, const char *path, bool *failing, const struct sbuf *sb)
{
	char err[256];
	int rc;

	if (!sbuf_ok(sb)) {
		snprintf(err, sizeof(err), "out of memory");
		rc = -1;
	} else {
		rc = file_replace(path, sb->p, sb->len, err, sizeof(err));
	}
	if (rc == 0) {
		p->st.file_writes++;
		if (*failing) {
			log_info("%s: written again", path);
			*failing = false;
		}
		return 0;
	}
	p->st.file_errors++;
	if (!*failing) {
		log_warnx("%s: %s (logged once until it works again)", path, err);
		*failing = true;
	}
	return -1;
}

static int file_write(struct pub *p, uint64_t version, uint64_t now_ms, const char *topology)
{
	struct sbuf sb = SBUF_INIT;
	int rc;

	sbuf_printf(&sb, "{\"version\":%" PRIu64 ",\"time_ms\":%" PRIu64 ",\"topology\":",
	            version, now_ms);
	sbuf_put(&sb, topology, strlen(topology));
	sbuf_put(&sb, "}\n", 2);
	rc = file_put(p, p->json_file, &p->file_failing, &sb);
	sbuf_free(&sb);
	return rc;
}

/* The database document as it is, one line. */
static int lsdb_file_write(struct pub *p, const char *lsdb)
{
	struct sbuf sb = SBUF_INIT;
	int rc;

	sbuf_put(&sb, lsdb, strlen(lsdb));
	sbuf_put(&sb, "\n", 1);
	rc = file_put(p, p->lsdb_file, &p->lsdb_file_failing, &sb);
	sbuf_free(&sb);
	return rc;
}

/* --- the interface -------------------------------------------------------- */

struct pub *pub_new(const struct pub_conf *c)
{
	struct pub *p = calloc(1, sizeof(*p));
	const char *prefix = c->prefix ? c->prefix : PUB_DEFAULT_PREFIX;
	bool oom = false;

	if (p == NULL)
		return NULL;
	p->redis = c->redis_host != NULL || c->redis_unix != NULL;
	p->keep = c->events_keep ? c->events_keep : PUB_DEFAULT_EVENTS_KEEP;
	p->json_file = strdup_opt(c->json_file, &oom);
	p->lsdb_file = strdup_opt(c->lsdb_file, &oom);
	p->k_topology = key_new(prefix, SCHEMA_OSPF_TOPOLOGY, &oom);
	p->k_lsdb = key_new(prefix, SCHEMA_OSPF_LSDB, &oom);
	p->k_version = key_new(prefix, SCHEMA_OSPF_VERSION, &oom);
	p->k_updated = key_new(prefix, SCHEMA_OSPF_UPDATED, &oom);
	p->k_events = key_new(prefix, SCHEMA_OSPF_EVENTS, &oom);
	p->k_channel = key_new(prefix, SCHEMA_OSPF_CHANGES, &oom);
	if (p->redis) {
		struct rconn_conf rc = {
			.host = c->redis_host, .port = c->redis_port, .unix_path = c->redis_unix,
			.user = c->redis_user, .password = c->redis_password, .db = c->redis_db,
			.timeout_ms = c->timeout_ms,
		};
		if (rconn_init(&p->c, &rc) < 0)
			oom = true;
		else
			p->endpoint = strdup_opt(p->c.endpoint, &oom);
	} else {
		p->endpoint = strdup_opt("(none)", &oom);
	}
	if (oom) {
		pub_free(p);
		return NULL;
	}
	return p;
}

void pub_free(struct pub *p)
{
	if (p == NULL)
		return;
	if (p->q_len > 0)
		log_warnx("redis %s: %zu queued event%s not sent", p->endpoint, p->q_len,
		          p->q_len == 1 ? "" : "s");
	rconn_free(&p->c);
	q_clear(p);
	free(p->q);
	free(p->topology);
	free(p->lsdb);
	free(p->json_file);
	free(p->lsdb_file);
	free(p->endpoint);
	free(p->k_topology);
	free(p->k_lsdb);
	free(p->k_version);
	free(p->k_updated);
	free(p->k_events);
	free(p->k_channel);
	free(p);
}

int pub_publish(struct pub *p, uint64_t version, uint64_t now_ms,
                const char *topology_json, const char *lsdb_json,
                const char *const *events, unsigned nevents)
{
	int rv = 0;

	if (topology_json == NULL || lsdb_json == NULL || (events == NULL && nevents > 0)) {
		errno = EINVAL;
		return -1;
	}
	if (p->json_file && file_write(p, version, now_ms, topology_json) < 0)
		rv = -1;
	if (p->lsdb_file && lsdb_file_write(p, lsdb_json) < 0)
		rv = -1;
	if (!p->redis)
		return rv;

	{
		size_t tl = strlen(topology_json), ll = strlen(lsdb_json);
		char *t = malloc(tl + 1), *l = malloc(ll + 1);
		if (t == NULL || l == NULL) {
			/* keep the previous pending snapshot; the events still go */
			free(t);
			free(l);
			log_warnx("redis %s: out of memory copying a snapshot", p->endpoint);
			rv = -1;
		} else {
			memcpy(t, topology_json, tl + 1);
			memcpy(l, lsdb_json, ll + 1);
			free(p->topology);
			free(p->lsdb);
			p->topology = t;
			p->topology_len = tl;
			p->lsdb = l;
			p->lsdb_len = ll;
			p->version = version;
			p->time_ms = now_ms;
			p->dirty = true;
		}
	}
	for (unsigned i = 0; i < nevents; i++)
		if (q_push(p, events[i]) < 0)
			rv = -1;
	if (p->topology == NULL)        /* nothing to send yet (out of memory) */
		return -1;
	redis_try(p, now_ms);
	return pending(p) ? -1 : rv;
}

void pub_tick(struct pub *p, uint64_t now_ms)
{
	if (p->topology != NULL)
		redis_try(p, now_ms);
}

void pub_stats(const struct pub *p, struct pub_stats *st)
{
	*st = p->st;
	st->redis_errors = p->c.errors;
	st->reconnects = p->c.reconnects;
	st->redis_up = p->c.up;
	st->events_queued = p->redis ? p->q_len : 0;
	st->snapshot_pending = p->redis && p->dirty;
}
