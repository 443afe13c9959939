/*
 * The collector's Redis writer (see writer.h and redis/SCHEMA.md).
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "sbuf.h"
#include "writer.h"

struct batch {
	struct batch *next;
	struct sbuf cmds;            /* RESP, MULTI .. EXEC included */
	unsigned ncmds;              /* inside the transaction */
	uint64_t records;            /* records it summarises (for the drop count) */
};

struct writer {
	struct rconn c;
	char *prefix;
	size_t backlog_bytes;
	unsigned top_n;
	const char *(*reason_name)(uint32_t);
	struct batch *head, *tail;
	struct writer_stats st;
	bool drop_logged;
	struct agg_entry **top;      /* top_n scratch */
};

/* --- RESP ----------------------------------------------------------------- */

static void resp_argv(struct sbuf *b, int argc, const char **argv, const size_t *len)
{
	sbuf_printf(b, "*%d\r\n", argc);
	for (int i = 0; i < argc; i++) {
		size_t n = len ? len[i] : strlen(argv[i]);
		sbuf_printf(b, "$%zu\r\n", n);
		sbuf_put(b, argv[i], n);
		sbuf_put(b, "\r\n", 2);
	}
}

/* A command of up to 64 arguments, NULL-terminated. */
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
	resp_argv(&bt->cmds, argc, argv, NULL);
	bt->ncmds++;
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
	case AK_EXPORTER:
		addr_name(a, sizeof(a), k, false);
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

static size_t queued_bytes(const struct writer *w)
{
	return w->st.queued_bytes;
}

static void pop(struct writer *w)
{
	struct batch *b = w->head;

	w->head = b->next;
	if (w->head == NULL)
		w->tail = NULL;
	w->st.queued_batches--;
	w->st.queued_bytes -= b->cmds.len;
	sbuf_free(&b->cmds);
	free(b);
}

static struct batch *batch_new(void)
{
	struct batch *b = calloc(1, sizeof(*b));

	if (b)
		resp_argv(&b->cmds, 1, (const char *[]){ "MULTI" }, NULL);
	return b;
}

/* Close the transaction and queue it; drop the oldest beyond the bound. */
static int enqueue(struct writer *w, struct batch *b)
{
	resp_argv(&b->cmds, 1, (const char *[]){ "EXEC" }, NULL);
	if (!sbuf_ok(&b->cmds)) {
		w->st.batches_dropped++;
		w->st.records_dropped += b->records;
		log_warnx("redis %s: out of memory building a batch; dropped", w->c.endpoint);
		sbuf_free(&b->cmds);
		free(b);
		return -1;
	}
	while (w->head && queued_bytes(w) + b->cmds.len > w->backlog_bytes) {
		w->st.batches_dropped++;
		w->st.records_dropped += w->head->records;
		if (!w->drop_logged) {
			log_warnx("redis %s: backlog of %zu bytes full; dropping the oldest "
			          "intervals (counted in batches-dropped, records-dropped)",
			          w->c.endpoint, w->backlog_bytes);
			w->drop_logged = true;
		}
		pop(w);
	}
	if (w->tail)
		w->tail->next = b;
	else
		w->head = b;
	w->tail = b;
	w->st.queued_batches++;
	w->st.queued_bytes += b->cmds.len;
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
		cmd(bt, "HINCRBY", key, f, i == AV_LOST ? lost_s(v, e->v[i]) : u64s(v, e->v[i]), NULL);
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
		w->st.batches_dropped++;
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
	resp_argv(&bt->cmds, 3, (const char *[]){ "SET", k, value },
	          (const size_t[]){ 3, strlen(k), len });
	bt->ncmds++;
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
			sbuf_free(&bt->cmds);
		free(bt);
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
	if (argc > 2) {
		resp_argv(&bt->cmds, argc, argv, argl);
		bt->ncmds++;
	}
	free(copy);
	return enqueue(w, bt);
}

/* --- sending -------------------------------------------------------------- */

/* Send the head batch as one transaction.  0, or -1 with w->c.err set. */
static int send_head(struct writer *w, uint64_t deadline)
{
	struct batch *b = w->head;
	redisReply *exec = NULL;

	if (redisAppendFormattedCommand(w->c.rc, b->cmds.p, b->cmds.len) != REDIS_OK) {
		rconn_append_failed(&w->c, "transaction");
		return -1;
	}
	for (unsigned i = 0; i <= b->ncmds; i++)           /* MULTI's +OK, QUEUED... */
		if (rconn_reply(&w->c, deadline, "transaction", NULL) < 0)
			return -1;
	if (rconn_reply(&w->c, deadline, "EXEC", &exec) < 0)
		return -1;
	if (exec->type != REDIS_REPLY_ARRAY) {
		snprintf(w->c.err, sizeof(w->c.err), "EXEC: transaction not executed");
		freeReplyObject(exec);
		return -1;
	}
	for (size_t i = 0; i < exec->elements; i++)
		if (exec->element[i]->type == REDIS_REPLY_ERROR) {
			static struct ratelim rl = RATELIM_INIT(60000, 5);
			w->st.exec_errors++;
			log_ratelimited(&rl, rconn_mono_ms(), "redis %s: command %zu of a batch: %s",
			                w->c.endpoint, i + 1, exec->element[i]->str);
		}
	freeReplyObject(exec);
	w->st.batches_written++;
	w->st.commands_written += b->ncmds;
	pop(w);
	return 0;
}

size_t writer_tick(struct writer *w, uint64_t now_ms)
{
	size_t sent = 0;
	uint64_t deadline;
	char what[64];

	if (w->head == NULL || !rconn_due(&w->c, now_ms))
		return w->st.queued_batches;
	if (rconn_begin(&w->c, &deadline) < 0)
		goto fail;
	while (w->head) {
		/* each transaction gets the whole time limit: a long backlog is
		 * written batch by batch */
		deadline = rconn_mono_ms() + w->c.timeout_ms;
		if (send_head(w, deadline) < 0)
			goto fail;
		sent++;
	}
	snprintf(what, sizeof(what), "wrote %zu queued interval%s", sent, sent == 1 ? "" : "s");
	rconn_succeeded(&w->c, what);
	w->drop_logged = false;
	return 0;
fail:
	rconn_failed(&w->c, now_ms);
	return w->st.queued_batches;
}

size_t writer_drain(struct writer *w, uint64_t now_ms)
{
	w->c.next_try_ms = 0;           /* no backoff: the process is leaving */
	return writer_tick(w, now_ms);
}

/* --- life ----------------------------------------------------------------- */

struct writer *writer_new(const struct writer_conf *c)
{
	struct writer *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->backlog_bytes = c->backlog_bytes ? c->backlog_bytes : WRITER_DEFAULT_BACKLOG;
	w->top_n = c->top_n ? c->top_n : WRITER_DEFAULT_TOP_N;
	w->reason_name = c->reason_name;
	w->prefix = strdup(c->prefix ? c->prefix : WRITER_DEFAULT_PREFIX);
	w->top = calloc(w->top_n, sizeof(*w->top));
	if (w->prefix == NULL || w->top == NULL || rconn_init(&w->c, &c->redis) < 0) {
		free(w->prefix);
		free(w->top);
		free(w);
		return NULL;
	}
	return w;
}

void writer_free(struct writer *w)
{
	if (w == NULL)
		return;
	if (w->head)
		log_warnx("redis %s: %zu interval%s not written", w->c.endpoint,
		          w->st.queued_batches, w->st.queued_batches == 1 ? "" : "s");
	while (w->head)
		pop(w);
	rconn_free(&w->c);
	free(w->prefix);
	free(w->top);
	free(w);
}

void writer_stats(const struct writer *w, struct writer_stats *st)
{
	*st = w->st;
	st->redis_errors = w->c.errors;
	st->reconnects = w->c.reconnects;
	st->redis_up = w->c.up;
}
