/*
 * The anemone command's Redis reads (store.h).
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sbuf.h"
#include "schema.h"
#include "store.h"
#include "lsdbdoc.h"

void store_open(struct store *s, const char *endpoint, const char *host, uint16_t port,
                const char *unix_path, uint32_t timeout_ms, const char *user,
                const char *password, int db)
{
	struct timeval tv = { (time_t)(timeout_ms / 1000), (suseconds_t)(timeout_ms % 1000) * 1000 };
	redisReply *r;

	s->endpoint = endpoint;
	s->rc = unix_path ? redisConnectUnixWithTimeout(unix_path, tv)
	                  : redisConnectWithTimeout(host, port, tv);
	if (s->rc == NULL)
		die(1, "cannot connect to Redis at %s: out of memory", endpoint);
	if (s->rc->err)
		die(1, "cannot connect to Redis at %s: %s", endpoint, s->rc->errstr);
	redisSetTimeout(s->rc, tv);
	if (user || password) {
		if (user)
			r = redisCommand(s->rc, "AUTH %s %s", user, password ? password : "");
		else
			r = redisCommand(s->rc, "AUTH %s", password);
		if (r == NULL)
			die(1, "Redis at %s: %s", endpoint, s->rc->errstr[0] ? s->rc->errstr : "no reply");
		if (r->type == REDIS_REPLY_ERROR) {
			char why[256];
			snprintf(why, sizeof(why), "%s", r->str);
			freeReplyObject(r);
			die(1, "Redis at %s: authentication%s%s failed: %s", endpoint,
			    user ? " as " : "", user ? user : "", why);
		}
		freeReplyObject(r);
	}
	if (db != 0)
		freeReplyObject(store_cmd(s, "SELECT %d", db));
}

void store_close(struct store *s)
{
	if (s->rc)
		redisFree(s->rc);
	s->rc = NULL;
	for (unsigned i = 0; i < s->nnames; i++)
		free(s->names[i].name);
	free(s->names);
	s->names = NULL;
	s->nnames = 0;
	free(s->caps);
	s->caps = NULL;
	s->ncaps = 0;
}

static redisReply *checked(struct store *s, redisReply *r)
{
	if (r == NULL)
		die(1, "Redis at %s: %s", s->endpoint, s->rc->errstr[0] ? s->rc->errstr : "no reply");
	if (r->type == REDIS_REPLY_ERROR) {
		char why[256];
		bool noauth = strncmp(r->str, "NOAUTH", 6) == 0;
		snprintf(why, sizeof(why), "%s", r->str);
		freeReplyObject(r);
		if (noauth)
			die(1, "Redis at %s: %s (it needs a password: ANEMONE_REDIS_PASSWORD, "
			    "--redis-password-file or --redis-password, and --redis-user for an ACL "
			    "user)", s->endpoint, why);
		die(1, "Redis at %s: %s", s->endpoint, why);
	}
	return r;
}

redisReply *store_cmd(struct store *s, const char *fmt, ...)
{
	va_list ap;
	redisReply *r;

	va_start(ap, fmt);
	r = redisvCommand(s->rc, fmt, ap);
	va_end(ap);
	return checked(s, r);
}

void store_append(struct store *s, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = redisvAppendCommand(s->rc, fmt, ap);
	va_end(ap);
	if (rc != REDIS_OK)
		die(1, "Redis at %s: out of memory", s->endpoint);
}

redisReply *store_reply(struct store *s)
{
	void *r = NULL;

	if (redisGetReply(s->rc, &r) != REDIS_OK)
		r = NULL;
	return checked(s, r);
}

/* --- keys ----------------------------------------------------------------- */

/* A key built by schema.h, or die when there was no memory to build it. */
const char *store_key(const struct sbuf *k)
{
	if (!sbuf_ok(k))
		die(1, "out of memory");
	return sbuf_str(k);
}

/* HGETALL of the collector's hash k. */
static redisReply *hgetall(struct store *s, enum schema_key k)
{
	struct sbuf b = SBUF_INIT;
	redisReply *r;

	schema_key(&b, s->prefix, k);
	r = store_cmd(s, "HGETALL %s", store_key(&b));
	sbuf_free(&b);
	return r;
}

/* --- the window ------------------------------------------------------------ */

/* The resolution i of the schema's table, coarsest first. */
static const struct schema_res *res_at(size_t i)
{
	return &schema_res[SCHEMA_NRES - 1 - i];
}

void store_window(struct store *s, uint64_t window_ms, uint64_t until_ms)
{
	uint64_t newest[SCHEMA_NRES];
	int pick = -1, any = 0;
	struct sbuf k = SBUF_INIT;

	for (size_t i = 0; i < SCHEMA_NRES; i++) {
		sbuf_reset(&k);
		schema_updated(&k, s->prefix, res_at(i)->name);
		store_append(s, "GET %s", store_key(&k));
	}
	sbuf_free(&k);
	for (size_t i = 0; i < SCHEMA_NRES; i++) {
		redisReply *r = store_reply(s);
		newest[i] = r->type == REDIS_REPLY_STRING ? strtoull(r->str, NULL, 10) : 0;
		any |= newest[i] != 0;
		freeReplyObject(r);
	}
	if (!any)
		die(1, "Redis at %s holds no counters under prefix \"%s\" (is anemone-collector "
		    "writing there?)", s->endpoint, s->prefix);
	/* the coarsest resolution that tiles the window (and, when the end is
	 * given, whose buckets end there) */
	for (size_t i = 0; i < SCHEMA_NRES && pick < 0; i++)
		if (newest[i] && window_ms >= res_at(i)->width_ms && window_ms % res_at(i)->width_ms == 0 &&
		    until_ms % res_at(i)->width_ms == 0)
			pick = (int)i;
	for (size_t i = SCHEMA_NRES; i-- > 0 && pick < 0;)
		if (newest[i])
			pick = (int)i;
	s->res = res_at((size_t)pick)->name;
	s->width_ms = res_at((size_t)pick)->width_ms;
	s->newest_ms = newest[pick] + s->width_ms;
	s->until_ms = until_ms ? until_ms : s->newest_ms;
	s->from_ms = s->until_ms > window_ms ? s->until_ms - window_ms : 0;
}

/* Field values of one stream entry into a sums. */
static void entry_sums(const redisReply *fields, struct sums *t)
{
	for (size_t j = 0; j + 1 < fields->elements; j += 2) {
		const char *f = fields->element[j]->str, *v = fields->element[j + 1]->str;
		if (f == NULL || v == NULL)
			continue;
		if (strcmp(f, "bytes") == 0)
			t->bytes += strtoull(v, NULL, 10);
		else if (strcmp(f, "packets") == 0)
			t->packets += strtoull(v, NULL, 10);
		else if (strcmp(f, "flows") == 0 || strcmp(f, "records") == 0)
			t->flows += strtoull(v, NULL, 10);
		else if (strcmp(f, "lost") == 0)
			t->lost += strtoll(v, NULL, 10);
	}
}

void store_sum_append(struct store *s, enum schema_kind kind, const char *id)
{
	struct sbuf k = SBUF_INIT;

	schema_series(&k, s->prefix, kind, id, s->res);
	store_append(s, "XRANGE %s %llu %llu", store_key(&k), (unsigned long long)s->from_ms,
	             (unsigned long long)(s->until_ms - 1));
	sbuf_free(&k);
}

struct sums *store_series_reply(struct store *s, unsigned *n)
{
	redisReply *r = store_reply(s);
	struct sums *pts = calloc(r->elements + 1, sizeof(*pts));
	unsigned k = 0;

	if (pts == NULL)
		die(1, "out of memory");
	for (size_t i = 0; i < r->elements; i++) {
		const redisReply *e = r->element[i];
		uint64_t t;
		if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 || e->element[0]->str == NULL ||
		    e->element[1]->type != REDIS_REPLY_ARRAY)
			continue;
		t = strtoull(e->element[0]->str, NULL, 10);
		if (k == 0 || pts[k - 1].time_ms != t)
			pts[k++].time_ms = t;
		entry_sums(e->element[1], &pts[k - 1]);
	}
	freeReplyObject(r);
	*n = k;
	return pts;
}

struct sums store_sum_reply(struct store *s, unsigned *n)
{
	unsigned k;
	struct sums *pts = store_series_reply(s, &k), t = { 0 };

	for (unsigned i = 0; i < k; i++) {
		t.bytes += pts[i].bytes;
		t.packets += pts[i].packets;
		t.flows += pts[i].flows;
		t.lost += pts[i].lost;
	}
	free(pts);
	if (n)
		*n = k;
	return t;
}

struct sums store_sum(struct store *s, enum schema_kind kind, const char *id, unsigned *n)
{
	store_sum_append(s, kind, id);
	return store_sum_reply(s, n);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **store_members(struct store *s, enum schema_kind kind, unsigned *n)
{
	struct sbuf key = SBUF_INIT;
	redisReply *r;
	char **l;
	unsigned k = 0;

	schema_index(&key, s->prefix, kind);
	r = store_cmd(s, "SMEMBERS %s", store_key(&key));
	sbuf_free(&key);
	l = calloc(r->elements + 1, sizeof(*l));

	if (l == NULL)
		die(1, "out of memory");
	for (size_t i = 0; i < r->elements; i++)
		if (r->element[i]->str && (l[k] = strdup(r->element[i]->str)) != NULL)
			k++;
	freeReplyObject(r);
	qsort(l, k, sizeof(*l), cmp_str);
	*n = k;
	return l;
}

bool store_is_member(struct store *s, enum schema_kind kind, const char *id)
{
	struct sbuf key = SBUF_INIT;
	redisReply *r;
	bool in;

	schema_index(&key, s->prefix, kind);
	r = store_cmd(s, "SISMEMBER %s %s", store_key(&key), id);
	sbuf_free(&key);
	in = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
	freeReplyObject(r);
	return in;
}

void store_free_list(char **l, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

/* --- names, capacities ----------------------------------------------------- */

static int cmp_name(const void *a, const void *b)
{
	const struct rname *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

void store_load_names(struct store *s)
{
	redisReply *r;

	if (s->names)
		return;
	r = hgetall(s, SCHEMA_ROUTER_NAMES);
	s->names = calloc(r->elements / 2 + 1, sizeof(*s->names));
	if (s->names == NULL)
		die(1, "out of memory");
	for (size_t i = 0; i + 1 < r->elements; i += 2) {
		uint32_t id;
		if (r->element[i]->str && r->element[i + 1]->str &&
		    parse_ip(r->element[i]->str, &id) == 0) {
			s->names[s->nnames].id = id;
			if ((s->names[s->nnames].name = strdup(r->element[i + 1]->str)) != NULL)
				s->nnames++;
		}
	}
	freeReplyObject(r);
	qsort(s->names, s->nnames, sizeof(*s->names), cmp_name);
}

const char *store_name(const struct store *s, uint32_t id)
{
	struct rname key = { id, NULL }, *f;

	if (s->nnames == 0)
		return NULL;
	f = bsearch(&key, s->names, s->nnames, sizeof(*s->names), cmp_name);
	return f ? f->name : NULL;
}

const char *store_label(const struct store *s, uint32_t id, char *buf, size_t len)
{
	const char *n = store_name(s, id);
	char a[16];

	snprintf(buf, len, "%s", n ? n : ip4_format(id, a));
	return buf;
}

int parse_link_id(const char *s, uint32_t *a, uint32_t *b)
{
	char buf[64], *d;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	if ((d = strchr(buf, '-')) == NULL)
		return -1;
	*d = 0;
	return parse_ip(buf, a) == 0 && parse_ip(d + 1, b) == 0 ? 0 : -1;
}

int store_router(const struct store *s, const char *arg, uint32_t *id)
{
	if (parse_ip(arg, id) == 0)
		return 0;
	for (unsigned i = 0; i < s->nnames; i++)
		if (strcmp(s->names[i].name, arg) == 0) {
			*id = s->names[i].id;
			return 0;
		}
	return -1;
}

static int cmp_cap(const void *x, const void *y)
{
	const struct store_cap *p = x, *q = y;
	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	return p->b < q->b ? -1 : p->b > q->b;
}

uint64_t store_capacity(struct store *s, uint32_t a, uint32_t b)
{
	struct store_cap key = { a, b, 0 }, *f;

	if (s->caps == NULL) {
		redisReply *r = hgetall(s, SCHEMA_CAPACITY);
		if ((s->caps = calloc(r->elements / 2 + 1, sizeof(*s->caps))) == NULL)
			die(1, "out of memory");
		for (size_t i = 0; i + 1 < r->elements; i += 2) {
			struct store_cap *c = &s->caps[s->ncaps];
			if (r->element[i]->str && r->element[i + 1]->str &&
			    parse_link_id(r->element[i]->str, &c->a, &c->b) == 0) {
				c->bps = strtoull(r->element[i + 1]->str, NULL, 10);
				s->ncaps++;
			}
		}
		freeReplyObject(r);
		qsort(s->caps, s->ncaps, sizeof(*s->caps), cmp_cap);
	}
	f = s->ncaps ? bsearch(&key, s->caps, s->ncaps, sizeof(*s->caps), cmp_cap) : NULL;
	return f ? f->bps : 0;
}

struct lsdb *store_lsdb(struct store *s, uint64_t *time_ms, uint64_t *version)
{
	struct sbuf k = SBUF_INIT;
	redisReply *r;
	struct lsdb *db;
	char err[256];

	schema_key(&k, s->ospf_prefix, SCHEMA_OSPF_LSDB);
	r = store_cmd(s, "GET %s", store_key(&k));
	if (r->type != REDIS_REPLY_STRING)
		die(1, "Redis at %s has no OSPF topology (%s): is anemone-ospfmon "
		    "publishing there?", s->endpoint, store_key(&k));
	db = lsdbdoc_read(r->str, r->len, version, time_ms, err, sizeof(err));
	freeReplyObject(r);
	if (db == NULL)
		die(1, "%s: %s", store_key(&k), err);
	sbuf_free(&k);
	return db;
}

/* --- what users type ------------------------------------------------------ */

int parse_ip(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*out = ntohl(a.s_addr);
	return 0;
}

int parse_time(const char *s, uint64_t *ms)
{
	static const char *const fmts[] = {
		"%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%MZ", "%Y-%m-%dT%H:%M",
		"%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d",
	};
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (*s >= '0' && *s <= '9' && *end == 0) {
		*ms = v * 1000;
		return 0;
	}
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		struct tm tm;
		const char *e;
		memset(&tm, 0, sizeof(tm));
		if ((e = strptime(s, fmts[i], &tm)) != NULL && *e == 0) {
			*ms = (uint64_t)timegm(&tm) * 1000;
			return 0;
		}
	}
	return -1;
}
