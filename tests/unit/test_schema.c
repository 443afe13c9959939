/*
 * redis/schema.[ch] against redis/SCHEMA.md: every key the builders make
 * is documented, every key the document names is one the builders make
 * (both as `<prefix>...` patterns, read from the document), every example
 * key of the document's redis-cli lines fits a pattern, and the
 * resolutions, retentions, marker expiry and events length the document
 * states are the table's.  A key renamed in code without the document, or
 * in the document without the code, fails here.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "schema.h"

#ifndef SCHEMA_MD
#error "SCHEMA_MD: the path of redis/SCHEMA.md"
#endif

#define MAXP 128

struct set {
	char *s[MAXP];
	unsigned n;
};

static bool set_has(const struct set *s, const char *k)
{
	for (unsigned i = 0; i < s->n; i++)
		if (strcmp(s->s[i], k) == 0)
			return true;
	return false;
}

static void set_add(struct set *s, const char *k)
{
	if (set_has(s, k))
		return;
	if (s->n == MAXP) {
		fprintf(stderr, "test_schema: more than %d patterns\n", MAXP);
		exit(1);
	}
	if ((s->s[s->n++] = strdup(k)) == NULL)
		exit(1);
}

static void set_free(struct set *s)
{
	for (unsigned i = 0; i < s->n; i++)
		free(s->s[i]);
	s->n = 0;
}

/* Replace every occurrence of what in s by with (at most 256 bytes). */
static void subst(char *s, size_t len, const char *what, const char *with)
{
	char out[512], *p;
	size_t wl = strlen(what);

	while ((p = strstr(s, what)) != NULL) {
		snprintf(out, sizeof(out), "%.*s%s%s", (int)(p - s), s, with, p + wl);
		snprintf(s, len, "%s", out);
	}
}

#define PFX      "<prefix>"
#define BUCKET   1234567890123ull
#define NONCE    0x0123456789abcdefull

/* Add what b holds, with the numbers the builders were given written as
 * the document's placeholders, and reset b. */
static void take(struct set *s, struct sbuf *b)
{
	char k[512];

	CHECK(sbuf_ok(b));
	snprintf(k, sizeof(k), "%s", sbuf_str(b));
	subst(k, sizeof(k), "1234567890123", "<bucket_ms>");
	subst(k, sizeof(k), "0123456789abcdef", "<nonce>");
	set_add(s, k);
	sbuf_reset(b);
}

/* Every key the builders make, in the document's notation. */
static void built(struct set *s)
{
	static const struct { enum schema_kind kind; const char *id; } series[] = {
		{ SCHEMA_TOTAL, NULL }, { SCHEMA_LINK, "<A-B>" }, { SCHEMA_PAIR, "<I-E>" },
		{ SCHEMA_EXPORTER, "<X/D>" }, { SCHEMA_MEASURED, "<A-B>" },
	};
	static const enum schema_kind topk[] = { SCHEMA_SRC, SCHEMA_DSTPFX, SCHEMA_LINK, SCHEMA_PAIR };
	struct sbuf b = SBUF_INIT;

	for (int k = 0; k < SCHEMA_NKEYS; k++) {
		schema_key(&b, PFX, (enum schema_key)k);
		take(s, &b);
	}
	for (size_t i = 0; i < sizeof(series) / sizeof(series[0]); i++) {
		schema_series(&b, PFX, series[i].kind, series[i].id, "<res>");
		take(s, &b);
		schema_counters(&b, PFX, series[i].kind, series[i].id);
		take(s, &b);
		if (series[i].kind != SCHEMA_TOTAL) {
			schema_index(&b, PFX, series[i].kind);
			take(s, &b);
		}
	}
	for (size_t i = 0; i < sizeof(topk) / sizeof(topk[0]); i++) {
		schema_top(&b, PFX, topk[i], "<res>", BUCKET);
		take(s, &b);
		schema_top_last(&b, PFX, topk[i], "<res>");
		take(s, &b);
		schema_toppkts(&b, PFX, topk[i], "<res>", BUCKET);
		take(s, &b);
		schema_toperr(&b, PFX, topk[i], "<res>", BUCKET);
		take(s, &b);
	}
	schema_updated(&b, PFX, "<res>");
	take(s, &b);
	schema_marker(&b, PFX, "<id>", NONCE);
	take(s, &b);
	sbuf_free(&b);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *p = NULL;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) < 0 || (p = malloc((size_t)n + 1)) == NULL ||
	    fread(p, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		exit(1);
	}
	p[n] = 0;
	fclose(f);
	return p;
}

/*
 * The document's key patterns: every `<prefix>...` in backquotes (the bare
 * `<prefix>` aside), with <kind> written out for each kind the document's
 * top-N table names (`<prefix>top:KIND:<res>:<bucket_ms>`).
 */
static void documented(const char *md, struct set *s)
{
	struct set raw = { 0 }, kinds = { 0 };
	const char *p = md;

	while ((p = strstr(p, "`" PFX)) != NULL) {
		const char *e = strchr(p + 1, '`');
		char k[512];
		if (e == NULL)
			break;
		snprintf(k, sizeof(k), "%.*s", (int)(e - p - 1), p + 1);
		if (strcmp(k, PFX) != 0)
			set_add(&raw, k);
		p = e + 1;
	}
	for (unsigned i = 0; i < raw.n; i++) {
		char kind[64];
		const char *t = raw.s[i] + strlen(PFX "top:"), *c;
		if (strncmp(raw.s[i], PFX "top:", strlen(PFX "top:")) == 0 && t[0] != '<' &&
		    (c = strchr(t, ':')) != NULL && strcmp(c, ":<res>:<bucket_ms>") == 0) {
			snprintf(kind, sizeof(kind), "%.*s", (int)(c - t), t);
			set_add(&kinds, kind);
		}
	}
	CHECK(kinds.n > 0);
	for (unsigned i = 0; i < raw.n; i++) {
		if (strstr(raw.s[i], "<kind>") == NULL) {
			set_add(s, raw.s[i]);
			continue;
		}
		for (unsigned j = 0; j < kinds.n; j++) {
			char k[512];
			snprintf(k, sizeof(k), "%s", raw.s[i]);
			subst(k, sizeof(k), "<kind>", kinds.s[j]);
			set_add(s, k);
		}
	}
	set_free(&raw);
	set_free(&kinds);
}

/* Does key fit pattern, each <placeholder> standing for one or more
 * characters? */
static bool fits(const char *pat, const char *key)
{
	if (*pat == 0)
		return *key == 0;
	if (*pat == '<') {
		const char *e = strchr(pat, '>');
		if (e == NULL)
			return false;
		for (const char *k = key + 1; k <= key + strlen(key); k++)
			if (*key && fits(e + 1, k))
				return true;
		return false;
	}
	return *pat == *key && fits(pat + 1, key + 1);
}

/* The example keys of the document (SCHEMA_DEFAULT_PREFIX and what follows
 * it, where no shell variable is in it) each fit a built pattern. */
static void examples(const char *md, const struct set *built)
{
	const char *p = md;
	unsigned n = 0;

	while ((p = strstr(p, SCHEMA_DEFAULT_PREFIX)) != NULL) {
		size_t l = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789:.-/");
		char k[256];
		bool ok = false;
		if (l >= sizeof(k) || l == strlen(SCHEMA_DEFAULT_PREFIX) || p[l] == '$' || p[l] == '*') {
			p += l;
			continue;
		}
		snprintf(k, sizeof(k), "%.*s", (int)l, p);
		for (unsigned i = 0; i < built->n && !ok; i++) {
			char pat[512];
			snprintf(pat, sizeof(pat), "%s", built->s[i]);
			subst(pat, sizeof(pat), PFX, SCHEMA_DEFAULT_PREFIX);
			ok = fits(pat, k);
		}
		if (!ok)
			fprintf(stderr, "SCHEMA.md: example key %s fits no key the code builds\n", k);
		CHECK(ok);
		n++;
		p += l;
	}
	CHECK(n >= 10);
}

/* The number before unit in the parenthesis that follows `name` in the
 * sentence beginning at s: "`1m` (8 days)" -> 8. */
static uint64_t stated(const char *s, const char *name, const char *unit)
{
	char q[32];
	const char *p, *e, *u;

	snprintf(q, sizeof(q), "`%s` (", name);
	if ((p = strstr(s, q)) == NULL || (e = strchr(p, ')')) == NULL)
		return 0;
	for (u = e; u > p && strncmp(u, unit, strlen(unit)) != 0; u--)
		;
	while (u > p && (u[-1] == ' ' || (u[-1] >= '0' && u[-1] <= '9')))
		u--;
	return strtoull(u, NULL, 10);
}

/* The other flush intervals the document names in the parenthesis after
 * the default's (`10s` (... `1s`, `2s` ...)): those of the table. */
static void flush_names(const char *s, const struct schema_res *def)
{
	char q[32];
	const char *p, *e;
	unsigned n = 0;

	snprintf(q, sizeof(q), "`%s` (", def->name);
	p = strstr(s, q);
	CHECK(p != NULL && (e = strchr(p, ')')) != NULL);
	if (p == NULL || e == NULL)
		return;
	for (p += strlen(q); (p = memchr(p, '`', (size_t)(e - p))) != NULL && p < e;) {
		const char *c = memchr(p + 1, '`', (size_t)(e - p - 1));
		char name[16];
		const struct schema_res *r;
		if (c == NULL)
			break;
		snprintf(name, sizeof(name), "%.*s", (int)(c - p - 1), p + 1);
		r = schema_res_named(name);
		if (r == NULL || r == def || schema_res_flush(r->width_ms) != r)
			fprintf(stderr, "SCHEMA.md: `%s` is not another flush interval\n", name);
		CHECK(r != NULL && r != def && schema_res_flush(r->width_ms) == r);
		n++;
		p = c + 1;
	}
	CHECK_EQ(n, SCHEMA_NFLUSH - 1);
}

/* What the document says of resolutions, retention, expiry, events. */
static void numbers(const char *md)
{
	const char *s = strstr(md, "`<res>` is ");
	const struct schema_res *f = schema_res_flush(SCHEMA_DEFAULT_FLUSH_MS);
	const char *px = strstr(md, " PX ");
	const char *keep = strstr(md, "`events_keep` of them (");

	CHECK(s != NULL);
	CHECK(f != NULL);
	if (s == NULL || f == NULL)
		return;
	CHECK_EQ(stated(s, f->name, "hours") * 3600000, f->retention_ms);
	CHECK_EQ(stated(s, schema_res[SCHEMA_RES_1M].name, "days") * 86400000,
	         schema_res[SCHEMA_RES_1M].retention_ms);
	CHECK_EQ(stated(s, schema_res[SCHEMA_RES_1H].name, "days") * 86400000,
	         schema_res[SCHEMA_RES_1H].retention_ms);
	flush_names(s, f);
	CHECK(px != NULL && strtoull(px + 4, NULL, 10) == SCHEMA_MARKER_TTL_MS);
	CHECK(keep != NULL && strtoull(keep + strlen("`events_keep` of them ("), NULL, 10) ==
	      SCHEMA_EVENTS_KEEP);
}

/* The table itself: finest first, names unique, flush intervals whole
 * seconds dividing a minute, each coarse width a multiple of every finer. */
static void table(void)
{
	for (size_t i = 0; i < SCHEMA_NRES; i++) {
		CHECK(schema_res_named(schema_res[i].name) == &schema_res[i]);
		CHECK(schema_res[i].width_ms > 0 && schema_res[i].retention_ms >= schema_res[i].width_ms);
		if (i > 0)
			CHECK(schema_res[i].width_ms > schema_res[i - 1].width_ms);
		if (i < SCHEMA_NFLUSH) {
			CHECK(schema_res_flush(schema_res[i].width_ms) == &schema_res[i]);
			CHECK(schema_res[i].width_ms % 1000 == 0 && 60000 % schema_res[i].width_ms == 0);
		} else {
			CHECK(schema_res_flush(schema_res[i].width_ms) == NULL);
			for (size_t j = 0; j < i; j++)
				CHECK(schema_res[i].width_ms % schema_res[j].width_ms == 0);
		}
	}
	/* every whole-second divisor of a minute up to 30 s is a flush interval */
	for (uint64_t ms = 1000; ms <= 30000; ms += 1000)
		CHECK((schema_res_flush(ms) != NULL) == (60000 % ms == 0));
	CHECK(schema_res_flush(SCHEMA_DEFAULT_FLUSH_MS) != NULL);
	CHECK(schema_res_named("7s") == NULL);
}

/* A link id as the document's example of one. */
static void ids(const char *md)
{
	char id[SCHEMA_LINK_ID_LEN], q[SCHEMA_LINK_ID_LEN + 4];

	schema_link_id(id, 0x0aff0001, 0x0aff0003);
	CHECK(strcmp(id, "10.255.0.1-10.255.0.3") == 0);
	snprintf(q, sizeof(q), "`%s`", id);
	CHECK(strstr(md, q) != NULL);               /* the identifiers' table */
	schema_link_id(id, 0xffffffff, 0xfffffffe);
	CHECK(strcmp(id, "255.255.255.255-255.255.255.254") == 0);
}

/* Keys longer than any fixed buffer: built whole. */
static void long_keys(void)
{
	struct sbuf b = SBUF_INIT;
	char pfx[2000], *k;

	memset(pfx, 'p', sizeof(pfx) - 1);
	pfx[sizeof(pfx) - 1] = 0;
	schema_marker(&b, pfx, pfx, 1);
	CHECK(sbuf_ok(&b));
	CHECK_EQ(b.len, 2 * strlen(pfx) + strlen("applied:") + 1 + 16);
	CHECK(strcmp(b.p + b.len - 17, ":0000000000000001") == 0);
	sbuf_free(&b);
	k = schema_key_new(pfx, SCHEMA_OSPF_LSDB);
	CHECK(k != NULL && strlen(k) == strlen(pfx) + strlen("ospf:lsdb"));
	free(k);
	CHECK(schema_key_name(SCHEMA_NKEYS) == NULL);
	CHECK(schema_kind_name(SCHEMA_NKINDS) == NULL);
}

int main(void)
{
	struct set code = { 0 }, doc = { 0 };
	char *md = slurp(SCHEMA_MD);

	built(&code);
	documented(md, &doc);
	for (unsigned i = 0; i < code.n; i++) {
		if (!set_has(&doc, code.s[i]))
			fprintf(stderr, "SCHEMA.md does not document %s\n", code.s[i]);
		CHECK(set_has(&doc, code.s[i]));
	}
	for (unsigned i = 0; i < doc.n; i++) {
		if (!set_has(&code, doc.s[i]))
			fprintf(stderr, "SCHEMA.md documents %s, which no builder makes\n", doc.s[i]);
		CHECK(set_has(&code, doc.s[i]));
	}
	CHECK(code.n >= 30);
	{
		/* the totals hash's fields of what could not be placed */
		struct sbuf f = SBUF_INIT;
		char q[128];
		schema_unrouted_field(&f, "<reason>", "bytes");
		snprintf(q, sizeof(q), "`%s`", sbuf_str(&f));
		CHECK(strstr(md, q) != NULL);
		sbuf_free(&f);
	}
	examples(md, &code);
	numbers(md);
	table();
	long_keys();
	ids(md);
	set_free(&code);
	set_free(&doc);
	free(md);
	return check_done("test_schema");
}
