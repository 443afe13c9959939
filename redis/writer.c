/*
 * The collector's Redis writer (see writer.h and redis/SCHEMA.md): batches
 * built in the caller's thread, a queue bounded in bytes, and a thread that
 * applies them one at a time through the script below.
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

#include "log.h"
#include "sbuf.h"
#include "writer.h"

/*
 * The script that applies a batch.  KEYS[1] is the writer's marker, KEYS[k]
 * (k > 1) the key of the batch's command k - 1; ARGV[1] the batch's sequence
 * number, ARGV[2] the marker's time to live (ms), then per command its
 * name, the number of its further arguments and those arguments.  Every
 * key is in KEYS, so a hash-tagged prefix keeps a batch in one cluster
 * slot.  Each command runs under pcall: one that fails is counted and
 * reported (the first message) and the others still apply; a HINCRBY that
 * would overflow sets the field to the int64 bound in its direction.
 * Returns {1, errors, saturated, first error} when applied, {0, 0, 0, ""}
 * when the sequence number is not above the marker's: a copy of a batch
 * already applied.  Sequence numbers stay below 2^53 (Lua numbers).
 */
static const char script[] =
	"local last = redis.call('GET', KEYS[1])\n"
	"if last and tonumber(last) >= tonumber(ARGV[1]) then return {0, 0, 0, ''} end\n"
	"redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])\n"
	"local errors, saturated, first, a = 0, 0, '', 3\n"
	"for k = 2, #KEYS do\n"
	"  local name, n = ARGV[a], tonumber(ARGV[a + 1])\n"
	"  local args = {}\n"
	"  for j = 1, n do args[j] = ARGV[a + 1 + j] end\n"
	"  a = a + 2 + n\n"
	"  local r = redis.pcall(name, KEYS[k], unpack(args))\n"
	"  if type(r) == 'table' and r.err then\n"
	"    if name == 'HINCRBY' and string.find(r.err, 'overflow', 1, true) then\n"
	"      local bound = '9223372036854775807'\n"
	"      if string.sub(args[2], 1, 1) == '-' then bound = '-9223372036854775808' end\n"
	"      redis.pcall('HSET', KEYS[k], args[1], bound)\n"
	"      saturated = saturated + 1\n"
	"    else\n"
	"      errors = errors + 1\n"
	"      if first == '' then first = name .. ' ' .. KEYS[k] .. ': ' .. r.err end\n"
	"    end\n"
	"  end\n"
	"end\n"
	"return {1, errors, saturated, first}\n";

struct batch {
	struct batch *next;
	struct sbuf keys;            /* RESP bulk strings: the key of each command */
	struct sbuf args;            /* per command: name, count, its other arguments */
	unsigned ncmds;
	size_t nargs;                /* bulk strings in args */
	uint64_t records;            /* records it summarises (for the drop count) */
	uint64_t seq;                /* its sequence number, from 1 */
	uint64_t saturated;          /* increments clamped while building it */
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
	char sha[48];                /* the script's, from SCRIPT LOAD; "" before */
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
	char n[16];

	bulk(&bt->keys, argv[1], len ? len[1] : strlen(argv[1]));
	bulk(&bt->args, argv[0], len ? len[0] : strlen(argv[0]));
	snprintf(n, sizeof(n), "%d", argc - 2);
	bulk(&bt->args, n, strlen(n));
	for (int i = 2; i < argc; i++)
		bulk(&bt->args, argv[i], len ? len[i] : strlen(argv[i]));
	bt->ncmds++;
	bt->nargs += (size_t)argc;
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

const char *writer_key(const struct writer *w, char *buf, size_t len, const char *fmt, ...)
{
	size_t n = strlen(w->prefix);
	va_list ap;

	if (n >= len)
		n = len - 1;
	memcpy(buf, w->prefix, n);
	buf[n] = 0;
	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
	return buf;
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

static void ip4s(char *buf, uint32_t host_order)
{
	struct in_addr a = { htonl(host_order) };
	inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
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
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	switch (k->kind) {
	case AK_LINK:
	case AK_PAIR:
		ip4s(a, k->a);
		ip4s(b, k->b);
		snprintf(buf, len, "%s-%s", a, b);
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
	return b->keys.len + b->args.len;
}

static struct batch *batch_new(void)
{
	return calloc(1, sizeof(struct batch));
}

static void batch_free(struct batch *b)
{
	sbuf_free(&b->keys);
	sbuf_free(&b->args);
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
	if (!sbuf_ok(&b->keys) || !sbuf_ok(&b->args)) {
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
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

/* --- buckets -------------------------------------------------------------- */

static const char *kind_name(uint8_t kind)
{
	switch (kind) {
	case AK_LINK: return "link";
	case AK_PAIR: return "pair";
	case AK_SRC: return "src";
	case AK_DSTPFX: return "dstpfx";
	case AK_EXPORTER: return "exporter";
	case AK_UNROUTED: return "unrouted";
	default: return "total";
	}
}

/* The time series entry of one key. */
static void series(struct writer *w, struct batch *bt, const struct writer_res *r,
                   const char *id, const char *minid, const char *ts,
                   const struct agg_entry *e)
{
	char key[512], by[24], pk[24], fl[24], lo[24];

	if (e->k.kind == AK_TOTAL)
		writer_key(w, key, sizeof(key), "total:%s", r->name);
	else
		writer_key(w, key, sizeof(key), "%s:%s:%s", kind_name(e->k.kind), id, r->name);
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

/* HINCRBY of key's fields <pre>bytes, <pre>packets and <pre><flows>, and
 * <pre>lost when `lost` is set. */
static void hincr(struct batch *bt, const char *key, const char *pre, const char *flows,
                  bool lost, const struct agg_entry *e)
{
	static const char *const names[] = { "bytes", "packets", NULL, "lost" };
	char f[400], v[24];

	for (int i = 0; i < AV_N; i++) {
		if (i == AV_LOST && !lost)
			continue;
		snprintf(f, sizeof(f), "%s%s", pre, i == AV_FLOWS ? flows : names[i]);
		cmd(bt, "HINCRBY", key, f,
		    i == AV_LOST ? lost_s(v, e->v[i]) : incr_s(v, bt, e->v[i]), NULL);
	}
}

/* Cumulative counters and indexes (finest resolution only). */
static void cumulative(struct writer *w, struct batch *bt, const char *id,
                       const struct agg_entry *e)
{
	char key[512], set[256], v[24], pre[320];

	switch (e->k.kind) {
	case AK_TOTAL:
		writer_key(w, key, sizeof(key), "totals");
		hincr(bt, key, "", "flows", true, e);
		break;
	case AK_UNROUTED:
		writer_key(w, key, sizeof(key), "totals");
		snprintf(pre, sizeof(pre), "unrouted:%s:", id);
		hincr(bt, key, pre, "flows", false, e);
		break;
	case AK_LINK:
	case AK_PAIR:
		writer_key(w, set, sizeof(set), "%ss", kind_name(e->k.kind));
		cmd(bt, "SADD", set, id, NULL);
		writer_key(w, key, sizeof(key), "%s:%s", kind_name(e->k.kind), id);
		hincr(bt, key, "", "flows", false, e);
		break;
	case AK_EXPORTER:
		writer_key(w, set, sizeof(set), "exporters");
		cmd(bt, "SADD", set, id, NULL);
		writer_key(w, key, sizeof(key), "exporter:%s", id);
		hincr(bt, key, "", "records", true, e);
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
static void topn(struct writer *w, struct batch *bt, const struct writer_res *r,
                 uint64_t bucket_ms, const struct agg *t, enum agg_kind kind)
{
	char key[512], last[512], pk[512], pe[512], id[300], sc[24], pv[24], ex[24];
	size_t n = agg_top(t, kind, w->top, w->top_n);
	bool sketched = agg_sketched(kind);

	if (n == 0)
		return;
	writer_key(w, key, sizeof(key), "top:%s:%s:%" PRIu64, kind_name(kind), r->name, bucket_ms);
	writer_key(w, last, sizeof(last), "top:%s:%s:last", kind_name(kind), r->name);
	writer_key(w, pk, sizeof(pk), "toppkts:%s:%s:%" PRIu64, kind_name(kind), r->name,
	           bucket_ms);
	writer_key(w, pe, sizeof(pe), "toperr:%s:%s:%" PRIu64, kind_name(kind), r->name,
	           bucket_ms);
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

int writer_bucket(struct writer *w, const struct writer_res *r, bool finest,
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
		char key[512];
		writer_key(w, key, sizeof(key), "updated:%s", r->name);
		cmd(bt, "SET", key, u64s(stamp, bucket_ms), NULL);
	}
	return enqueue(w, bt);
}

int writer_set(struct writer *w, const char *key, const char *value, size_t len)
{
	struct batch *bt = batch_new();
	char k[512];

	if (bt == NULL)
		return -1;
	writer_key(w, k, sizeof(k), "%s", key);
	cmdv(bt, 3, (const char *[]){ "SET", k, value }, (const size_t[]){ 3, strlen(k), len });
	return enqueue(w, bt);
}

int writer_del(struct writer *w, const char *key)
{
	struct batch *bt = batch_new();
	char k[512];

	if (bt == NULL)
		return -1;
	writer_key(w, k, sizeof(k), "%s", key);
	cmd(bt, "DEL", k, NULL);
	return enqueue(w, bt);
}

int writer_hset_text(struct writer *w, const char *key, const char *text)
{
	struct batch *bt = batch_new();
	const char *argv[2 + 2 * 128];
	size_t argl[2 + 2 * 128];
	char k[512], *copy = strdup(text), *save = NULL;
	int argc = 2;

	if (bt == NULL || copy == NULL) {
		free(copy);
		if (bt)
			batch_free(bt);
		lost(w, 0);
		return -1;
	}
	writer_key(w, k, sizeof(k), "%s", key);
	argv[0] = "HSET";
	argv[1] = k;
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

/* Load the script into Redis's cache, keeping its SHA1.  0, or -1. */
static int load_script(struct writer *w, uint64_t deadline)
{
	const char *argv[] = { "SCRIPT", "LOAD", script };
	redisReply *r = NULL;

	if (rconn_command(&w->c, deadline, "SCRIPT LOAD", 3, argv, NULL, &r) < 0)
		return -1;
	if (r->type != REDIS_REPLY_STRING || r->len >= sizeof(w->sha)) {
		snprintf(w->c.err, sizeof(w->c.err), "SCRIPT LOAD: unexpected reply");
		freeReplyObject(r);
		return -1;
	}
	memcpy(w->sha, r->str, r->len);
	w->sha[r->len] = 0;
	freeReplyObject(r);
	return 0;
}

/* Append b as EVALSHA (or EVAL with the script's text) to the output
 * buffer: the header, then the batch's keys and arguments as they are
 * (hiredis sends the buffer's bytes as appended). */
static int append_batch(struct writer *w, const struct batch *b, bool by_sha)
{
	struct sbuf h = SBUF_INIT, mid = SBUF_INIT;
	char n[24];
	int ok;

	sbuf_printf(&h, "*%zu\r\n", (size_t)6 + b->ncmds + b->nargs);
	if (by_sha) {
		bulk(&h, "EVALSHA", 7);
		bulk(&h, w->sha, strlen(w->sha));
	} else {
		bulk(&h, "EVAL", 4);
		bulk(&h, script, strlen(script));
	}
	snprintf(n, sizeof(n), "%u", b->ncmds + 1);
	bulk(&h, n, strlen(n));
	bulk(&h, w->marker, strlen(w->marker));
	snprintf(n, sizeof(n), "%" PRIu64, b->seq);
	bulk(&mid, n, strlen(n));
	snprintf(n, sizeof(n), "%llu", (unsigned long long)WRITER_MARKER_TTL_MS);
	bulk(&mid, n, strlen(n));
	ok = sbuf_ok(&h) && sbuf_ok(&mid) &&
	     redisAppendFormattedCommand(w->c.rc, h.p, h.len) == REDIS_OK &&
	     redisAppendFormattedCommand(w->c.rc, b->keys.p, b->keys.len) == REDIS_OK &&
	     redisAppendFormattedCommand(w->c.rc, mid.p, mid.len) == REDIS_OK &&
	     redisAppendFormattedCommand(w->c.rc, b->args.p, b->args.len) == REDIS_OK;
	sbuf_free(&h);
	sbuf_free(&mid);
	if (!ok)
		snprintf(w->c.err, sizeof(w->c.err), "batch: out of memory");
	return ok ? 0 : -1;
}

/* What Redis said about a batch. */
struct outcome {
	bool on_wire;                /* the batch was (partly) sent */
	bool answered;               /* Redis answered (on failure: an error reply) */
	bool applied;                /* else a copy, refused */
	uint64_t errors, saturated;
	char first[200];             /* the first error */
};

/*
 * One attempt at the head batch b: connect (and load the script) if needed,
 * send it, read the answer.  0 with *o, or -1 with w->c.err set (the
 * caller then calls rconn_failed, which closes the connection) and
 * o->answered set if Redis answered with an error (OOM, BUSY, a cluster
 * redirection...): the script did not apply the batch then, or had recorded
 * its number, so a copy can only be refused.  Cost: one round trip (two
 * after a connect, three when Redis has lost the script).
 */
static int send_batch(struct writer *w, const struct batch *b, struct outcome *o)
{
	uint64_t deadline;
	redisReply *r = NULL;

	if (rconn_begin(&w->c, &deadline) < 0)
		return -1;
	if (w->sha[0] == 0 && load_script(w, deadline) < 0)
		return -1;
	/* each batch gets the whole time limit: a long backlog is written
	 * batch by batch */
	deadline = rconn_mono_ms() + w->c.timeout_ms;
	o->on_wire = true;
	for (int pass = 0; pass < 2; pass++) {
		if (append_batch(w, b, pass == 0) < 0 ||
		    rconn_reply_any(&w->c, deadline, "batch", &r) < 0)
			return -1;
		/* the script cache was emptied (SCRIPT FLUSH, a restart): nothing
		 * was applied; EVAL sends the text and caches it again */
		if (pass == 0 && r->type == REDIS_REPLY_ERROR && strncmp(r->str, "NOSCRIPT", 8) == 0) {
			freeReplyObject(r);
			r = NULL;
			continue;
		}
		break;
	}
	o->answered = true;
	if (r->type == REDIS_REPLY_ERROR) {
		snprintf(w->c.err, sizeof(w->c.err), "batch: %s", r->str);
		freeReplyObject(r);
		return -1;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 4 ||
	    r->element[0]->type != REDIS_REPLY_INTEGER || r->element[1]->type != REDIS_REPLY_INTEGER ||
	    r->element[2]->type != REDIS_REPLY_INTEGER) {
		snprintf(w->c.err, sizeof(w->c.err), "batch: unexpected reply from the script");
		freeReplyObject(r);
		return -1;
	}
	o->applied = r->element[0]->integer == 1;
	o->errors = (uint64_t)r->element[1]->integer;
	o->saturated = (uint64_t)r->element[2]->integer;
	snprintf(o->first, sizeof(o->first), "%s",
	         r->element[3]->type == REDIS_REPLY_STRING ? r->element[3]->str : "");
	freeReplyObject(r);
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
 * answer, pop it (applied, or refused as a copy); on a failure, keep it at
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
	size_t n;

	(void)now_ms;
	pthread_mutex_lock(&w->mu);
	if (!w->draining) {
		w->draining = true;      /* no backoff: the process is leaving */
		pthread_cond_signal(&w->cv);
	}
	n = w->st.queued_batches;
	pthread_mutex_unlock(&w->mu);
	return n;
}

/* --- life ----------------------------------------------------------------- */

struct writer *writer_new(const struct writer_conf *c)
{
	struct writer *w = calloc(1, sizeof(*w));
	const char *id = c->id ? c->id : "collector";
	pthread_condattr_t ca;
	sigset_t all, old;
	size_t n;
	int err;

	if (w == NULL)
		return NULL;
	w->backlog_bytes = c->backlog_bytes ? c->backlog_bytes : WRITER_DEFAULT_BACKLOG;
	w->top_n = c->top_n ? c->top_n : WRITER_DEFAULT_TOP_N;
	w->reason_name = c->reason_name;
	w->prefix = strdup(c->prefix ? c->prefix : WRITER_DEFAULT_PREFIX);
	w->id = strdup(id);
	w->top = calloc(w->top_n, sizeof(*w->top));
	if (getrandom(&w->nonce, sizeof(w->nonce), 0) != sizeof(w->nonce))
		w->nonce = rconn_mono_ms() * 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid() ^
		           (uint64_t)time(NULL) << 20;
	n = (w->prefix ? strlen(w->prefix) : 0) + strlen(id) + 32;
	if ((w->marker = malloc(n)) != NULL)
		snprintf(w->marker, n, "%sapplied:%s:%016" PRIx64, w->prefix ? w->prefix : "", id,
		         w->nonce);
	if (w->prefix == NULL || w->id == NULL || w->top == NULL || w->marker == NULL ||
	    rconn_init(&w->c, &c->redis) < 0)
		goto fail;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&w->mu, NULL);
	sigfillset(&all);                /* signals go to the caller's thread */
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&w->thread, NULL, writer_thread, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err != 0) {
		errno = err;
		log_warn("redis %s: cannot start the writer's thread", w->c.endpoint);
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
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

void writer_free(struct writer *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	if (w->head)
		log_warnx("redis %s: %zu interval%s not written", w->c.endpoint,
		          w->st.queued_batches, w->st.queued_batches == 1 ? "" : "s");
	while (w->head)
		unlink_free(w, NULL, w->head);
	rconn_free(&w->c);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w->prefix);
	free(w->id);
	free(w->marker);
	free(w->top);
	free(w);
}

void writer_stats(const struct writer *w, struct writer_stats *st)
{
	struct writer *mw = (struct writer *)w;    /* the lock, not the data */

	pthread_mutex_lock(&mw->mu);
	*st = w->st;
	pthread_mutex_unlock(&mw->mu);
}
