/*
 * The collector's Redis writer (see writer.h and redis/SCHEMA.md): batches
 * built in the caller's thread, a queue bounded in bytes, and a thread that
 * applies them one at a time, each in an optimistic transaction guarded by
 * the writer's marker key (send_batch below says why that applies a batch
 * once).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "sbuf.h"
#include "schema.h"
#include "writer.h"

struct batch {
	struct batch *next;
	struct sbuf cmds;            /* its commands in RESP, as sent */
	unsigned ncmds;
	uint64_t records;            /* records it summarises (for the drop count) */
	uint64_t seq;                /* its sequence number, from 1 */
	uint64_t saturated;          /* increments clamped while building it */
	bool oom;                    /* a key could not be built: lost */
	bool busy;                   /* the thread is sending it: not dropped */
	bool unknown;                /* a copy was sent, no answer came: not dropped */
};

struct writer {
	/* set by writer_new, read-only after */
	char *prefix, *id, *marker;
	uint64_t nonce;
	size_t backlog_bytes;
	unsigned top_n;
	const char *(*reason_name)(uint32_t);
	/* the caller's thread only */
	struct agg_entry **top;      /* top_n scratch */
	struct sbuf kb[4];           /* keys being built (schema.h) */
	bool stopped;                /* the thread has been joined */

	/* shared, under mu */
	pthread_mutex_t mu;
	pthread_cond_t cv;           /* a batch queued, stop, drain */
	struct batch *head, *tail;   /* the head may be in flight */
	uint64_t seq;                /* the last sequence number given */
	struct writer_stats st;
	bool drop_logged, draining, stop;

	/* the writer's thread only */
	pthread_t thread;
	struct rconn c;
	bool watching;               /* the marker is WATCHed on c, and last read */
	uint64_t last;               /* the marker's value then: last batch applied */
};

/* --- RESP ----------------------------------------------------------------- */

static void bulk(struct sbuf *b, const char *s, size_t n)
{
	sbuf_printf(b, "$%zu\r\n", n);
	sbuf_put(b, s, n);
	sbuf_put(b, "\r\n", 2);
}

/* A command: argv[0] its name, argv[1] its key, then its other arguments
 * (len NULL: strlen of each). */
static void cmdv(struct batch *bt, int argc, const char **argv, const size_t *len)
{
	sbuf_printf(&bt->cmds, "*%d\r\n", argc);
	for (int i = 0; i < argc; i++)
		bulk(&bt->cmds, argv[i], len ? len[i] : strlen(argv[i]));
	bt->ncmds++;
}

/* The next command of a RESP buffer built by cmdv, from *off: its first
 * max arguments into argv/argl (not NUL-terminated), their number into
 * *argc; *off moves past it.  Reads only what cmdv wrote.  Cost: linear in
 * the command's bytes. */
static void cmd_next(const struct sbuf *b, size_t *off, size_t *argc, const char **argv,
                     size_t *argl, size_t max)
{
	const char *p = b->p + *off;
	char *end;
	size_t n = strtoul(p + 1, &end, 10);

	p = end + 2;
	*argc = n;
	for (size_t i = 0; i < n; i++) {
		size_t l = strtoul(p + 1, &end, 10);
		p = end + 2;
		if (i < max) {
			argv[i] = p;
			argl[i] = l;
		}
		p += l + 2;
	}
	*off = (size_t)(p - b->p);
}

/* A command of up to 64 arguments, NULL-terminated: the name, the key, the
 * rest. */
static void cmd(struct batch *bt, const char *first, ...)
{
	const char *argv[64];
	int argc = 0;
	va_list ap;

	argv[argc++] = first;
	va_start(ap, first);
	while (argc < 64 && (argv[argc] = va_arg(ap, const char *)) != NULL)
		argc++;
	va_end(ap);
	cmdv(bt, argc, argv, NULL);
}

/* Scratch buffer i for a key, emptied. */
static struct sbuf *kb(struct writer *w, int i)
{
	sbuf_reset(&w->kb[i]);
	return &w->kb[i];
}

/* The key built in k; one that could not be built (out of memory) makes
 * bt lost when it is queued. */
static const char *kstr(struct batch *bt, const struct sbuf *k)
{
	if (!sbuf_ok(k))
		bt->oom = true;
	return sbuf_str(k);
}

static const char *u64s(char *buf, uint64_t v)
{
	snprintf(buf, 24, "%" PRIu64, v);
	return buf;
}

/* Lost records: a late datagram gives back what its gap counted, possibly
 * in a later interval, so an interval's count can be negative (the table
 * keeps it modulo 2^64). */
static const char *lost_s(char *buf, uint64_t v)
{
	snprintf(buf, 24, "%" PRId64, (int64_t)v);
	return buf;
}

/* The member name of an address key: "192.0.2.1", "2001:db8::/32", "other". */
static void addr_name(char *buf, size_t len, const struct agg_key *k, bool prefix)
{
	char a[INET6_ADDRSTRLEN];

	if (k->af == 0) {
		snprintf(buf, len, "other");
		return;
	}
	inet_ntop(k->af, k->addr.b, a, sizeof(a));
	if (prefix)
		snprintf(buf, len, "%s/%u", a, (unsigned)k->plen);
	else
		snprintf(buf, len, "%s", a);
}

/* The identifier of a key within its kind, as used in key names. */
static void key_id(const struct writer *w, char *buf, size_t len, const struct agg_key *k)
{
	char a[INET6_ADDRSTRLEN];

	switch (k->kind) {
	case AK_LINK:
	case AK_PAIR:
	case AK_MEASURED:
		snprintf(buf, len, "%s", schema_link_id(a, k->a, k->b));
		break;
	case AK_SRC:
		addr_name(buf, len, k, false);
		break;
	case AK_DSTPFX:
		addr_name(buf, len, k, true);
		break;
	case AK_EXPORTER:               /* a = 1: the domains beyond max-domains */
		addr_name(a, sizeof(a), k, false);
		if (k->a == 1)
			snprintf(buf, len, "%s/other", a);
		else
			snprintf(buf, len, "%s/%" PRIu32, a, k->b);
		break;
	case AK_UNROUTED:
		snprintf(buf, len, "%s", w->reason_name ? w->reason_name(k->a) : "unknown");
		break;
	default:
		snprintf(buf, len, "total");
	}
}

/* --- the queue ------------------------------------------------------------ */

static size_t batch_bytes(const struct batch *b)
{
	return b->cmds.len;
}

static struct batch *batch_new(void)
{
	return calloc(1, sizeof(struct batch));
}

static void batch_free(struct batch *b)
{
	sbuf_free(&b->cmds);
	free(b);
}

/* Unlink b, which follows prev (NULL: b is the head), and free it.  Under mu. */
static void unlink_free(struct writer *w, struct batch *prev, struct batch *b)
{
	if (prev)
		prev->next = b->next;
	else
		w->head = b->next;
	if (w->tail == b)
		w->tail = prev;
	w->st.queued_batches--;
	w->st.queued_bytes -= batch_bytes(b);
	w->st.queued_records -= b->records;
	batch_free(b);
}

/* A batch that never made it into the queue (out of memory). */
static void lost(struct writer *w, uint64_t records)
{
	pthread_mutex_lock(&w->mu);
	w->st.batches_dropped++;
	w->st.records_dropped += records;
	pthread_mutex_unlock(&w->mu);
	log_warnx("redis %s: out of memory building a batch; dropped", w->c.endpoint);
}

/*
 * Queue b with the next sequence number and wake the thread; beyond the
 * bound, drop the oldest batches first, except the head while the thread
 * sends it or once a copy of it was sent and no answer came (Redis may have
 * applied it): the queue may then pass the bound by that one batch.
 */
static int enqueue(struct writer *w, struct batch *b)
{
	if (b->ncmds == 0) {             /* nothing to write */
		batch_free(b);
		return 0;
	}
	if (!sbuf_ok(&b->cmds) || b->oom) {
		lost(w, b->records);
		batch_free(b);
		return -1;
	}
	pthread_mutex_lock(&w->mu);
	b->seq = ++w->seq;
	w->st.saturated += b->saturated;
	while (w->st.queued_bytes + batch_bytes(b) > w->backlog_bytes) {
		struct batch *prev = w->head && (w->head->busy || w->head->unknown) ? w->head : NULL;
		struct batch *victim = prev ? prev->next : w->head;
		if (victim == NULL)
			break;
		w->st.batches_dropped++;
		w->st.records_dropped += victim->records;
		if (!w->drop_logged) {
			log_warnx("redis %s: backlog of %zu bytes full; dropping the oldest "
			          "intervals (counted in batches-dropped, records-dropped)",
			          w->c.endpoint, w->backlog_bytes);
			w->drop_logged = true;
		}
		unlink_free(w, prev, victim);
	}
	if (w->tail)
		w->tail->next = b;
	else
		w->head = b;
	w->tail = b;
	w->st.queued_batches++;
	w->st.queued_bytes += batch_bytes(b);
	w->st.queued_records += b->records;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

/* --- buckets -------------------------------------------------------------- */

/* What an aggregation key counts, in the schema's terms (unrouted
 * reasons are fields of the totals). */
static enum schema_kind schema_kind_of(uint8_t kind)
{
	switch (kind) {
	case AK_LINK: return SCHEMA_LINK;
	case AK_PAIR: return SCHEMA_PAIR;
	case AK_SRC: return SCHEMA_SRC;
	case AK_DSTPFX: return SCHEMA_DSTPFX;
	case AK_EXPORTER: return SCHEMA_EXPORTER;
	case AK_MEASURED: return SCHEMA_MEASURED;
	default: return SCHEMA_TOTAL;
	}
}

/* The time series entry of one key. */
static void series(struct writer *w, struct batch *bt, const struct schema_res *r,
                   const char *id, const char *minid, const char *ts,
                   const struct agg_entry *e)
{
	char by[24], pk[24], fl[24], lo[24];
	struct sbuf *k = kb(w, 0);
	const char *key;

	schema_series(k, w->prefix, schema_kind_of(e->k.kind), id, r->name);
	key = kstr(bt, k);
	if (e->k.kind == AK_EXPORTER)
		cmd(bt, "XADD", key, "MINID", "~", minid, ts, "bytes", u64s(by, e->v[AV_BYTES]),
		    "packets", u64s(pk, e->v[AV_PACKETS]), "records", u64s(fl, e->v[AV_FLOWS]),
		    "lost", lost_s(lo, e->v[AV_LOST]), NULL);
	else if (e->k.kind == AK_TOTAL)
		cmd(bt, "XADD", key, "MINID", "~", minid, ts, "bytes", u64s(by, e->v[AV_BYTES]),
		    "packets", u64s(pk, e->v[AV_PACKETS]), "flows", u64s(fl, e->v[AV_FLOWS]),
		    "lost", lost_s(lo, e->v[AV_LOST]), NULL);
	else
		cmd(bt, "XADD", key, "MINID", "~", minid, ts, "bytes", u64s(by, e->v[AV_BYTES]),
		    "packets", u64s(pk, e->v[AV_PACKETS]), "flows", u64s(fl, e->v[AV_FLOWS]), NULL);
}

/* An increment for HINCRBY: above INT64_MAX (which Redis refuses) it is
 * INT64_MAX, counted in the batch's saturated. */
static const char *incr_s(char *buf, struct batch *bt, uint64_t v)
{
	if (v > (uint64_t)INT64_MAX) {
		v = (uint64_t)INT64_MAX;
		bt->saturated++;
	}
	return u64s(buf, v);
}

/* HINCRBY of key's fields bytes, packets and <flows>, and lost when
 * `lost` is set; with a reason, the totals' fields of what could not be
 * placed for it instead (schema_unrouted_field). */
static void hincr(struct writer *w, struct batch *bt, const char *key, const char *reason,
                  const char *flows, bool lost, const struct agg_entry *e)
{
	static const char *const names[] = { "bytes", "packets", NULL, "lost" };
	char v[24];

	for (int i = 0; i < AV_N; i++) {
		const char *f = i == AV_FLOWS ? flows : names[i];
		if (i == AV_LOST && !lost)
			continue;
		if (reason) {
			struct sbuf *fb = kb(w, 3);
			schema_unrouted_field(fb, reason, f);
			f = kstr(bt, fb);
		}
		cmd(bt, "HINCRBY", key, f,
		    i == AV_LOST ? lost_s(v, e->v[i]) : incr_s(v, bt, e->v[i]), NULL);
	}
}

/* Cumulative counters and indexes (finest resolution only). */
static void cumulative(struct writer *w, struct batch *bt, const char *id,
                       const struct agg_entry *e)
{
	char v[24];
	struct sbuf *kk = kb(w, 0), *ks = kb(w, 1);
	enum schema_kind kind = schema_kind_of(e->k.kind);
	const char *key;

	schema_counters(kk, w->prefix, kind, id);       /* the totals for AK_UNROUTED */
	key = kstr(bt, kk);
	switch (e->k.kind) {
	case AK_TOTAL:
		hincr(w, bt, key, NULL, "flows", true, e);
		break;
	case AK_UNROUTED:
		hincr(w, bt, key, id, "flows", false, e);
		break;
	case AK_LINK:
	case AK_PAIR:
	case AK_MEASURED:
		schema_index(ks, w->prefix, kind);
		cmd(bt, "SADD", kstr(bt, ks), id, NULL);
		hincr(w, bt, key, NULL, "flows", false, e);
		break;
	case AK_EXPORTER:
		schema_index(ks, w->prefix, kind);
		cmd(bt, "SADD", kstr(bt, ks), id, NULL);
		hincr(w, bt, key, NULL, "records", true, e);
		if (e->last_ms)
			cmd(bt, "HSET", key, "last_seen_ms", u64s(v, e->last_ms), NULL);
		if (e->has_templates)
			cmd(bt, "HSET", key, "templates", u64s(v, e->templates), NULL);
		break;
	default:
		break;
	}
}

/* The top-N sorted sets of one kind: the bucket's own and "last"; the
 * packets of each member; for the kinds counted by a sketch (hosts,
 * prefixes), each member's error bound in bytes. */
static void topn(struct writer *w, struct batch *bt, const struct schema_res *r,
                 uint64_t bucket_ms, const struct agg *t, enum agg_kind kind)
{
	char id[300], sc[24], pv[24], ex[24];
	size_t n = agg_top(t, kind, w->top, w->top_n);
	bool sketched = agg_sketched(kind);
	enum schema_kind sk = schema_kind_of(kind);
	struct sbuf *b0 = kb(w, 0), *b1 = kb(w, 1), *b2 = kb(w, 2), *b3 = kb(w, 3);
	const char *key, *last, *pk, *pe;

	if (n == 0)
		return;
	schema_top(b0, w->prefix, sk, r->name, bucket_ms);
	schema_top_last(b1, w->prefix, sk, r->name);
	schema_toppkts(b2, w->prefix, sk, r->name, bucket_ms);
	schema_toperr(b3, w->prefix, sk, r->name, bucket_ms);
	key = kstr(bt, b0);
	last = kstr(bt, b1);
	pk = kstr(bt, b2);
	pe = kstr(bt, b3);
	cmd(bt, "DEL", last, NULL);
	for (size_t i = 0; i < n; i++) {
		key_id(w, id, sizeof(id), &w->top[i]->k);
		u64s(sc, w->top[i]->v[AV_BYTES]);
		cmd(bt, "ZADD", key, sc, id, NULL);
		cmd(bt, "ZADD", last, sc, id, NULL);
		cmd(bt, "HSET", pk, id, u64s(pv, w->top[i]->v[AV_PACKETS]), NULL);
		if (sketched)
			cmd(bt, "HSET", pe, id, u64s(pv, w->top[i]->err), NULL);
	}
	cmd(bt, "PEXPIRE", key, u64s(ex, r->retention_ms), NULL);
	cmd(bt, "PEXPIRE", pk, ex, NULL);
	if (sketched)
		cmd(bt, "PEXPIRE", pe, ex, NULL);
}

int writer_bucket(struct writer *w, const struct schema_res *r, bool finest,
                  uint64_t bucket_ms, const struct agg *t)
{
	struct batch *bt = batch_new();
	char minid[24], ts[32], id[300], stamp[24];
	uint64_t min = bucket_ms > r->retention_ms ? bucket_ms - r->retention_ms : 0;

	if (bt == NULL) {
		lost(w, 0);
		return -1;
	}
	snprintf(minid, sizeof(minid), "%" PRIu64, min);
	snprintf(ts, sizeof(ts), "%" PRIu64 "-*", bucket_ms);      /* Redis 7: seq chosen */
	for (size_t i = 0; i < t->cap; i++) {
		const struct agg_entry *e = &t->e[i];
		if (e->k.kind == 0 || e->k.kind == AK_SRC || e->k.kind == AK_DSTPFX)
			continue;
		if (e->k.kind == AK_TOTAL && finest)   /* what the totals hash lacks if dropped */
			bt->records += e->v[AV_FLOWS];
		key_id(w, id, sizeof(id), &e->k);
		if (e->k.kind != AK_UNROUTED)
			series(w, bt, r, id, minid, ts, e);
		if (finest)
			cumulative(w, bt, id, e);
	}
	topn(w, bt, r, bucket_ms, t, AK_SRC);
	topn(w, bt, r, bucket_ms, t, AK_DSTPFX);
	topn(w, bt, r, bucket_ms, t, AK_LINK);
	topn(w, bt, r, bucket_ms, t, AK_PAIR);
	{
		struct sbuf *k = kb(w, 0);
		schema_updated(k, w->prefix, r->name);
		cmd(bt, "SET", kstr(bt, k), u64s(stamp, bucket_ms), NULL);
	}
	return enqueue(w, bt);
}

int writer_set(struct writer *w, enum schema_key key, const char *value, size_t len)
{
	struct batch *bt = batch_new();
	struct sbuf *kk = kb(w, 0);
	const char *k;

	if (bt == NULL)
		return -1;
	schema_key(kk, w->prefix, key);
	k = kstr(bt, kk);
	cmdv(bt, 3, (const char *[]){ "SET", k, value }, (const size_t[]){ 3, strlen(k), len });
	return enqueue(w, bt);
}

int writer_del(struct writer *w, enum schema_key key)
{
	struct batch *bt = batch_new();
	struct sbuf *kk = kb(w, 0);

	if (bt == NULL)
		return -1;
	schema_key(kk, w->prefix, key);
	cmd(bt, "DEL", kstr(bt, kk), NULL);
	return enqueue(w, bt);
}

int writer_hset_text(struct writer *w, enum schema_key key, const char *text)
{
	struct batch *bt = batch_new();
	const char *argv[2 + 2 * 128];
	size_t argl[2 + 2 * 128];
	char *copy = strdup(text), *save = NULL;
	struct sbuf *kk = kb(w, 0);
	int argc = 2;

	if (bt == NULL || copy == NULL) {
		free(copy);
		if (bt)
			batch_free(bt);
		lost(w, 0);
		return -1;
	}
	schema_key(kk, w->prefix, key);
	argv[0] = "HSET";
	argv[1] = kstr(bt, kk);
	for (char *l = strtok_r(copy, "\n", &save); l && argc < 2 + 2 * 128;
	     l = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(l, '=');
		if (eq == NULL)
			continue;
		*eq = 0;
		argv[argc++] = l;
		argv[argc++] = eq + 1;
	}
	for (int i = 0; i < argc; i++)
		argl[i] = strlen(argv[i]);
	if (argc > 2)
		cmdv(bt, argc, argv, argl);
	free(copy);
	return enqueue(w, bt);
}

/* --- sending (the writer's thread) ---------------------------------------- */

/* What Redis said about a batch. */
struct outcome {
	bool on_wire;                /* its transaction was (partly) sent */
	bool answered;               /* Redis answered (on failure: an error reply) */
	bool applied;                /* else a copy, refused */
	bool broken;                 /* applied, then the connection failed */
	uint64_t errors, saturated;
	char first[200];             /* the first error */
};

/* Append a command to the connection's output buffer.  0, or -1. */
static int append(struct writer *w, const char *step, int argc, const char **argv)
{
	if (redisAppendCommandArgv(w->c.rc, argc, argv, NULL) != REDIS_OK) {
		rconn_append_failed(&w->c, step);
		return -1;
	}
	return 0;
}

/* Append WATCH marker, GET marker. */
static int append_watch(struct writer *w)
{
	const char *watch[] = { "WATCH", w->marker }, *get[] = { "GET", w->marker };

	return append(w, "WATCH", 2, watch) < 0 || append(w, "GET", 2, get) < 0 ? -1 : 0;
}

/*
 * Read the replies of WATCH marker, GET marker: then the marker is watched
 * on this connection (w->watching) and w->last holds the sequence number
 * of the last batch applied under it (0: none, or it expired).  0, or -1
 * with w->c.err set (a marker that is not a number is an error: someone
 * else wrote it).
 */
static int read_watch(struct writer *w, uint64_t deadline)
{
	redisReply *r = NULL;
	char *end;

	if (rconn_reply(&w->c, deadline, "WATCH", NULL) < 0 ||
	    rconn_reply(&w->c, deadline, "GET", &r) < 0)
		return -1;
	w->last = 0;
	if (r->type == REDIS_REPLY_STRING) {
		errno = 0;
		w->last = strtoull(r->str, &end, 10);
		if (errno || end == r->str || *end || r->str[0] == '-') {
			snprintf(w->c.err, sizeof(w->c.err), "%s holds \"%.40s\", not a sequence number",
			         w->marker, r->str);
			freeReplyObject(r);
			return -1;
		}
	} else if (r->type != REDIS_REPLY_NIL) {
		snprintf(w->c.err, sizeof(w->c.err), "GET %s: unexpected reply", w->marker);
		freeReplyObject(r);
		return -1;
	}
	freeReplyObject(r);
	w->watching = true;
	return 0;
}

/*
 * Send b's transaction, MULTI, SET marker seq PX ttl, b's commands, EXEC,
 * followed by WATCH marker, GET marker for what comes next, and read the
 * replies up to EXEC's: *exec receives EXEC's (nil when the watched marker
 * was touched; an error when Redis refused a command as it queued it, the
 * first such refusal then in w->c.err).  0, or -1 with w->c.err set on an
 * I/O error, the time limit, or MULTI refused (its commands would then run
 * one by one: the batch's fate is unknown).  Sends in one go; reads
 * ncmds + 3 replies.
 */
static int transaction(struct writer *w, const struct batch *b, uint64_t deadline,
                       struct outcome *o, redisReply **exec)
{
	char seq[24], ttl[24];
	const char *multi[] = { "MULTI" }, *ex[] = { "EXEC" },
	           *set[] = { "SET", w->marker, seq, "PX", ttl };
	bool refused = false;

	snprintf(seq, sizeof(seq), "%" PRIu64, b->seq);
	snprintf(ttl, sizeof(ttl), "%llu", (unsigned long long)SCHEMA_MARKER_TTL_MS);
	o->on_wire = true;
	if (append(w, "MULTI", 1, multi) < 0 || append(w, "SET", 5, set) < 0)
		return -1;
	if (redisAppendFormattedCommand(w->c.rc, b->cmds.p, b->cmds.len) != REDIS_OK) {
		rconn_append_failed(&w->c, "batch");
		return -1;
	}
	if (append(w, "EXEC", 1, ex) < 0 || append_watch(w) < 0 ||
	    rconn_reply(&w->c, deadline, "MULTI", NULL) < 0)
		return -1;
	for (unsigned i = 0; i <= b->ncmds; i++) {         /* +QUEUED, or a refusal */
		redisReply *r;
		if (rconn_reply_any(&w->c, deadline, "batch", &r) < 0)
			return -1;
		if (r->type == REDIS_REPLY_ERROR && !refused) {
			snprintf(w->c.err, sizeof(w->c.err), "batch: %s", r->str);
			refused = true;
		}
		freeReplyObject(r);
	}
	if (rconn_reply_any(&w->c, deadline, "EXEC", exec) < 0)
		return -1;
	if ((*exec)->type == REDIS_REPLY_ERROR && !refused)
		snprintf(w->c.err, sizeof(w->c.err), "EXEC: %s", (*exec)->str);
	return 0;
}

/*
 * The replies of an applied batch (EXEC's array: the marker's SET, then
 * one per command): count the failed commands, keeping the first message;
 * a HINCRBY that failed because it would overflow sets its field to the
 * int64 bound in the increment's direction instead (HSET: the field is
 * past the bound whatever the order, so setting it twice does no harm),
 * counted in saturated.  Those HSETs are not sent when o->broken is set
 * (the connection failed after EXEC; counted as failed commands), and an
 * I/O error on them sets it.  Cost: linear in the replies; when a command
 * failed, a walk over the batch's commands and one round trip.
 */
static void applied(struct writer *w, const struct batch *b, const redisReply *ex,
                    uint64_t deadline, struct outcome *o)
{
	size_t off = 0, nset = 0;
	bool failed = false;

	for (size_t i = 0; i < ex->elements; i++)
		if (ex->element[i]->type == REDIS_REPLY_ERROR)
			failed = true;
	if (!failed)
		return;
	if (ex->element[0]->type == REDIS_REPLY_ERROR) {     /* the marker's SET */
		o->errors++;
		snprintf(o->first, sizeof(o->first), "SET %s: %s", w->marker, ex->element[0]->str);
	}
	for (size_t i = 1; i < ex->elements; i++) {
		const char *argv[4] = { "", "", "", "" };
		size_t argl[4] = { 0 }, argc;
		const redisReply *r = ex->element[i];

		cmd_next(&b->cmds, &off, &argc, argv, argl, 4);
		if (r->type != REDIS_REPLY_ERROR)
			continue;
		if (!o->broken && argc == 4 && argl[0] == 7 && memcmp(argv[0], "HINCRBY", 7) == 0 &&
		    strstr(r->str, "overflow") != NULL) {
			const char *hv[] = { "HSET", argv[1], argv[2],
			                     argv[3][0] == '-' ? "-9223372036854775808"
			                                       : "9223372036854775807" };
			const size_t hl[] = { 4, argl[1], argl[2], strlen(hv[3]) };
			if (redisAppendCommandArgv(w->c.rc, 4, hv, hl) == REDIS_OK) {
				nset++;
				continue;
			}
		}
		if (o->errors++ == 0)
			snprintf(o->first, sizeof(o->first), "%.*s %.*s: %s", (int)argl[0], argv[0],
			         argc > 1 ? (int)argl[1] : 0, argc > 1 ? argv[1] : "", r->str);
	}
	for (size_t i = 0; i < nset; i++) {
		redisReply *r;
		if (rconn_reply_any(&w->c, deadline, "saturating HSET", &r) < 0) {
			o->broken = true;
			o->errors += nset - i;
			if (o->first[0] == 0)
				snprintf(o->first, sizeof(o->first), "%.190s", w->c.err);
			return;
		}
		if (r->type == REDIS_REPLY_ERROR) {
			if (o->errors++ == 0)
				snprintf(o->first, sizeof(o->first), "HSET: %s", r->str);
		} else {
			o->saturated++;
		}
		freeReplyObject(r);
	}
}

/*
 * One attempt at the head batch b: connect if needed, then apply it once.
 * 0 with *o (applied, or a copy refused), or -1 with w->c.err set (the
 * caller then calls rconn_failed, which closes the connection) and
 * o->answered set if Redis refused the transaction (OOM, a cluster
 * redirection...: nothing of it was applied).
 *
 * Why a batch is applied once.  Each batch has a sequence number, and the
 * writer's marker holds the highest applied (batches are applied in
 * order, the next sent only once Redis answered this one).  The marker is
 * WATCHed and read (GET) before a batch is sent; at or above b->seq, b was
 * applied (by a copy whose answer was lost): refused.  Else the writer
 * sends MULTI, SET marker b->seq, b's commands, EXEC, and EXEC runs them
 * only if nothing touched the marker since the WATCH.  A copy of b sent
 * earlier on a connection since given up may still be in Redis's buffers
 * and run later; but the writer sent that copy's MULTI..EXEC only after
 * its GET's reply came, so Redis had executed that WATCH before anything
 * of this attempt.  Of two copies, the first EXEC that runs sets the
 * marker, which aborts the other one (its WATCH came before) or makes its
 * GET see b->seq (its WATCH came after).  An EXEC aborted (nil) means
 * "look again": the next GET tells whether the other copy applied b.
 * Redis runs a transaction whole or not at all (a connection lost before
 * EXEC discards it).
 *
 * Cost: one round trip.  EXEC ends every WATCH, so each transaction is
 * followed in the same write by the WATCH and GET of the next one, whose
 * replies come with EXEC's: the next batch on this connection is checked
 * against them (the WATCH still holds: EXEC aborts if anything touched the
 * marker since).  A new connection costs one more round trip.  Three
 * commands beyond the batch's; a copy refused costs nothing more.
 */
static int send_batch(struct writer *w, const struct batch *b, struct outcome *o)
{
	uint64_t deadline;
	redisReply *ex = NULL;

	if (w->c.rc == NULL)
		w->watching = false;
	if (rconn_begin(&w->c, &deadline) < 0)
		return -1;
	/* each batch gets the whole time limit: a long backlog is written
	 * batch by batch */
	deadline = rconn_mono_ms() + w->c.timeout_ms;
	for (;;) {
		if (!w->watching && (append_watch(w) < 0 || read_watch(w, deadline) < 0))
			return -1;
		if (w->last >= b->seq) {         /* still watching: for the next batch */
			o->answered = true;
			return 0;
		}
		w->watching = false;
		if (transaction(w, b, deadline, o, &ex) < 0)
			return -1;
		if (ex->type != REDIS_REPLY_NIL)
			break;
		freeReplyObject(ex);             /* the marker was touched: look again */
		if (read_watch(w, deadline) < 0)
			return -1;
	}
	if (ex->type == REDIS_REPLY_ERROR) {
		o->answered = true;             /* EXECABORT: nothing applied */
		freeReplyObject(ex);
		return -1;
	}
	if (ex->type != REDIS_REPLY_ARRAY || ex->elements != (size_t)b->ncmds + 1) {
		snprintf(w->c.err, sizeof(w->c.err), "EXEC: unexpected reply");
		freeReplyObject(ex);
		return -1;
	}
	o->answered = o->applied = true;
	if (read_watch(w, deadline) < 0)
		o->broken = true;
	applied(w, b, ex, deadline, o);
	freeReplyObject(ex);
	return 0;
}

/* Wait on cv until the monotonic time until_ms at the latest.  Under mu. */
static void wait_until(struct writer *w, uint64_t until_ms)
{
	struct timespec ts = { (time_t)(until_ms / 1000), (long)(until_ms % 1000) * 1000000 };

	pthread_cond_timedwait(&w->cv, &w->mu, &ts);
}

/*
 * The thread: send the head batch whenever Redis is due an attempt; on an
 * answer, pop it (applied, or refused as a copy: send_batch); on a failure, keep it at
 * the head and back off, or retry every 100 ms while draining.  Holds mu
 * except while talking to Redis; it alone pops the head, and the caller's
 * thread never drops a head marked busy, so b stays valid unlocked.
 */
static void *writer_thread(void *arg)
{
	struct writer *w = arg;
	static struct ratelim rl = RATELIM_INIT(60000, 5);

	pthread_mutex_lock(&w->mu);
	while (!w->stop) {
		struct batch *b = w->head;
		struct outcome o = { 0 };
		int rc;

		if (b == NULL) {
			pthread_cond_wait(&w->cv, &w->mu);
			continue;
		}
		if (!w->draining && !rconn_due(&w->c, rconn_mono_ms())) {
			wait_until(w, w->c.next_try_ms);
			continue;
		}
		b->busy = true;
		pthread_mutex_unlock(&w->mu);
		rc = send_batch(w, b, &o);
		if (rc < 0)
			rconn_failed(&w->c, rconn_mono_ms());
		else if (o.errors > 0)
			log_ratelimited(&rl, rconn_mono_ms(), "redis %s: %" PRIu64 " command%s of a batch "
			                "failed: %s", w->c.endpoint, o.errors, o.errors == 1 ? "" : "s",
			                o.first);
		pthread_mutex_lock(&w->mu);
		b->busy = false;
		if (rc == 0) {
			char what[64];
			if (o.applied) {
				w->st.batches_written++;
				w->st.commands_written += b->ncmds;
			} else {
				w->st.duplicates++;
			}
			w->st.exec_errors += o.errors;
			w->st.saturated += o.saturated;
			unlink_free(w, NULL, b);
			w->drop_logged = false;
			snprintf(what, sizeof(what), "%zu interval%s still queued", w->st.queued_batches,
			         w->st.queued_batches == 1 ? "" : "s");
			if (o.broken)            /* applied; the saturating HSETs were not */
				rconn_failed(&w->c, rconn_mono_ms());
			else
				rconn_succeeded(&w->c, what);
		} else {
			/* on the wire and no answer: Redis may apply it, even later
			 * from the dead connection, so the bound never drops it.
			 * Not sent, or refused with an error: this copy did nothing,
			 * and a batch Redis always refuses does not hold the queue. */
			if (o.on_wire && !o.answered)
				b->unknown = true;
			if (w->draining && !w->stop)
				wait_until(w, rconn_mono_ms() + 100);
		}
		w->st.redis_errors = w->c.errors;
		w->st.reconnects = w->c.reconnects;
		w->st.redis_up = w->c.up;
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

size_t writer_tick(struct writer *w, uint64_t now_ms)
{
	size_t n;

	(void)now_ms;
	pthread_mutex_lock(&w->mu);
	n = w->st.queued_batches;
	pthread_mutex_unlock(&w->mu);
	return n;
}

size_t writer_drain(struct writer *w, uint64_t now_ms)
{
	pthread_mutex_lock(&w->mu);
	if (!w->draining) {
		w->draining = true;      /* no backoff: the process is leaving */
		pthread_cond_signal(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return writer_tick(w, now_ms);
}

/* --- life ----------------------------------------------------------------- */

struct writer *writer_new(const struct writer_conf *c)
{
	struct writer *w = calloc(1, sizeof(*w));
	const char *id = c->id ? c->id : "collector";
	struct sbuf mk = SBUF_INIT;
	int err;

	if (w == NULL)
		return NULL;
	w->backlog_bytes = c->backlog_bytes ? c->backlog_bytes : WRITER_DEFAULT_BACKLOG;
	w->top_n = c->top_n ? c->top_n : WRITER_DEFAULT_TOP_N;
	w->reason_name = c->reason_name;
	w->prefix = strdup(c->prefix ? c->prefix : SCHEMA_DEFAULT_PREFIX);
	w->id = strdup(id);
	w->top = calloc(w->top_n, sizeof(*w->top));
	if (getrandom(&w->nonce, sizeof(w->nonce), 0) != sizeof(w->nonce))
		w->nonce = rconn_mono_ms() * 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid() ^
		           (uint64_t)time(NULL) << 20;
	schema_marker(&mk, w->prefix ? w->prefix : "", id, w->nonce);
	if (sbuf_ok(&mk))
		w->marker = mk.p;            /* the sbuf's allocation, now the writer's */
	else
		sbuf_free(&mk);
	if (w->prefix == NULL || w->id == NULL || w->top == NULL || w->marker == NULL ||
	    rconn_init(&w->c, &c->redis) < 0)
		goto fail;
	if ((err = daemon_thread_start(&w->thread, &w->mu, &w->cv, writer_thread, w)) != 0) {
		errno = err;
		log_warn("redis %s: cannot start the writer's thread", w->c.endpoint);
		rconn_free(&w->c);
		goto fail;
	}
	log_info("redis %s: writing as \"%s\", marker %s", w->c.endpoint, w->id, w->marker);
	return w;
fail:
	free(w->prefix);
	free(w->id);
	free(w->marker);
	free(w->top);
	free(w);
	return NULL;
}

void writer_stop(struct writer *w, const char *why)
{
	if (w->stopped)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	w->stopped = true;
	if (w->head)
		log_warnx("redis %s: %zu interval%s (%" PRIu64 " record%s) not written%s%s",
		          w->c.endpoint, w->st.queued_batches, w->st.queued_batches == 1 ? "" : "s",
		          w->st.queued_records, w->st.queued_records == 1 ? "" : "s",
		          why ? ": " : "", why ? why : "");
}

void writer_free(struct writer *w)
{
	if (w == NULL)
		return;
	writer_stop(w, NULL);
	while (w->head)
		unlink_free(w, NULL, w->head);
	rconn_free(&w->c);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w->prefix);
	free(w->id);
	free(w->marker);
	free(w->top);
	for (size_t i = 0; i < sizeof(w->kb) / sizeof(w->kb[0]); i++)
		sbuf_free(&w->kb[i]);
	free(w);
}

void writer_stats(const struct writer *w, struct writer_stats *st)
{
	struct writer *mw = (struct writer *)w;    /* the lock, not the data */

	pthread_mutex_lock(&mw->mu);
	*st = w->st;
	pthread_mutex_unlock(&mw->mu);
}
