/*
 * The database document (lsdbdoc.h): its writer, and a strict reader of it
 * and of the snapshot files.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ospf.h"
#include "snapshot.h"
#include "lsdbdoc.h"

#define MAX_LSA_LEN 65535u

struct parser {
	const char *base, *p, *end;
	char *err;
	size_t errlen;
	bool failed;
	/* what was read */
	bool have_version, have_time, have_lsas;
	uint64_t version, time_ms;
	struct lsdb *db;             /* second pass: install into it */
	uint8_t *buf;                /* MAX_LSA_LEN bytes */
	unsigned nlsas;
};

static bool fail(struct parser *ps, const char *what)
{
	if (!ps->failed)
		snprintf(ps->err, ps->errlen, "offset %zu: %s", (size_t)(ps->p - ps->base), what);
	ps->failed = true;
	return false;
}

static void ws(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

/* Skip white space, then the character c. */
static bool expect(struct parser *ps, char c, const char *what)
{
	ws(ps);
	if (ps->p >= ps->end || *ps->p != c)
		return fail(ps, what);
	ps->p++;
	return true;
}

/* After white space: c (consumed, true) or not (false). */
static bool peek_take(struct parser *ps, char c)
{
	ws(ps);
	if (ps->p < ps->end && *ps->p == c) {
		ps->p++;
		return true;
	}
	return false;
}

static bool uint_value(struct parser *ps, uint64_t *v)
{
	const char *s;

	ws(ps);
	s = ps->p;
	*v = 0;
	if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
		return fail(ps, "expected an unsigned integer");
	if (*ps->p == '0' && ps->p + 1 < ps->end && ps->p[1] >= '0' && ps->p[1] <= '9')
		return fail(ps, "leading zero in an integer");
	while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
		unsigned d = (unsigned)(*ps->p - '0');
		if (*v > (UINT64_MAX - d) / 10) {
			ps->p = s;
			return fail(ps, "integer out of range");
		}
		*v = *v * 10 + d;
		ps->p++;
	}
	if (ps->p < ps->end && (*ps->p == '.' || *ps->p == 'e' || *ps->p == 'E'))
		return fail(ps, "expected an integer, not a fraction");
	return true;
}

/* A string without escapes: *s points at its first character, *n its length. */
static bool string_value(struct parser *ps, const char **s, size_t *n)
{
	if (!expect(ps, '"', "expected a string"))
		return false;
	*s = ps->p;
	while (ps->p < ps->end && *ps->p != '"') {
		if (*ps->p == '\\')
			return fail(ps, "string escapes are not part of this document");
		if ((unsigned char)*ps->p < 0x20)
			return fail(ps, "control character in a string");
		ps->p++;
	}
	if (ps->p >= ps->end)
		return fail(ps, "unterminated string");
	*n = (size_t)(ps->p - *s);
	ps->p++;
	return true;
}

static bool key_is(const char *k, size_t n, const char *name)
{
	return n == strlen(name) && memcmp(k, name, n) == 0;
}

/* A member name and its colon. */
static bool member(struct parser *ps, const char **k, size_t *n)
{
	return string_value(ps, k, n) && expect(ps, ':', "expected ':'");
}

static bool dotted_quad(const char *s, size_t n, uint32_t *out)
{
	uint32_t a = 0;
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		unsigned v = 0, digits = 0;
		if (part > 0) {
			if (i >= n || s[i] != '.')
				return false;
			i++;
		}
		while (i < n && s[i] >= '0' && s[i] <= '9' && digits < 4) {
			v = v * 10 + (unsigned)(s[i] - '0');
			digits++;
			i++;
		}
		if (digits == 0 || digits > 3 || v > 255)
			return false;
		a = a << 8 | v;
	}
	*out = a;
	return i == n;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One element of "lsas": checked in both passes, installed in the second. */
static bool lsa_object(struct parser *ps)
{
	bool have_area = false, have_age = false, have_hex = false, as_scope = false;
	uint32_t area = 0;
	uint64_t age = 0;
	const char *hex = NULL, *obj = ps->p;
	size_t hexlen = 0;

	if (!expect(ps, '{', "expected an LSA object"))
		return false;
	do {
		const char *k;
		size_t kn;

		if (!member(ps, &k, &kn))
			return false;
		if (key_is(k, kn, "area") && !have_area) {
			const char *s;
			size_t n;
			have_area = true;
			ws(ps);
			if (ps->end - ps->p >= 4 && memcmp(ps->p, "null", 4) == 0) {
				ps->p += 4;
				as_scope = true;
			} else if (!string_value(ps, &s, &n)) {
				return false;
			} else if (!dotted_quad(s, n, &area)) {
				ps->p = s;
				return fail(ps, "area: not a dotted quad");
			}
		} else if (key_is(k, kn, "age") && !have_age) {
			have_age = true;
			if (!uint_value(ps, &age))
				return false;
			if (age > OSPF_MAX_AGE)
				return fail(ps, "age above MaxAge");
		} else if (key_is(k, kn, "hex") && !have_hex) {
			have_hex = true;
			if (!string_value(ps, &hex, &hexlen))
				return false;
		} else {
			ps->p = k;
			return fail(ps, "unknown or repeated member of an LSA");
		}
	} while (peek_take(ps, ','));
	if (!expect(ps, '}', "expected ',' or '}'"))
		return false;
	if (!have_area || !have_age || !have_hex) {
		ps->p = obj;
		return fail(ps, "LSA without area, age or hex");
	}
	if (hexlen % 2 != 0 || hexlen / 2 < LSA_HDR_LEN || hexlen / 2 > MAX_LSA_LEN) {
		ps->p = hex;
		return fail(ps, "hex: not an LSA's length");
	}
	for (size_t i = 0; i < hexlen; i += 2) {
		int hi = hexval(hex[i]), lo = hexval(hex[i + 1]);
		if (hi < 0 || lo < 0) {
			ps->p = hex + i;
			return fail(ps, "hex: not a hex digit");
		}
		ps->buf[i / 2] = (uint8_t)(hi << 4 | lo);
	}

	struct lsa l;
	enum ospf_status st = lsa_decode(ps->buf, hexlen / 2, &l);
	char msg[96];

	if (st == OSPF_OK && l.h.length != hexlen / 2)
		st = OSPF_BAD_LSA_LENGTH;
	if (st != OSPF_OK) {
		ps->p = hex;
		snprintf(msg, sizeof(msg), "LSA %u: %s", ps->nlsas + 1, ospf_status_name(st));
		return fail(ps, msg);
	}
	if (as_scope != (l.h.type == LSA_EXTERNAL || l.h.type == LSA_OPAQUE_AS)) {
		ps->p = obj;
		snprintf(msg, sizeof(msg), "LSA %u: type %u with area %s", ps->nlsas + 1,
		         l.h.type, as_scope ? "null" : "set");
		return fail(ps, msg);
	}
	ps->nlsas++;
	if (ps->db == NULL || age >= OSPF_MAX_AGE)
		return true;
	/* the age field is outside the checksum: the current age goes there */
	ps->buf[0] = (uint8_t)(((age >> 8) & 0x7f) | (l.h.do_not_age ? 0x80 : 0));
	ps->buf[1] = (uint8_t)(age & 255);
	l.h.age = (uint16_t)age;
	if (lsdb_install(ps->db, as_scope ? LSDB_AS_SCOPE : area, &l, ps->time_ms, NULL) == LSDB_FULL) {
		snprintf(msg, sizeof(msg), "more than %u LSAs", LSDBDOC_MAX_LSAS);
		return fail(ps, msg);
	}
	return true;
}

static bool document(struct parser *ps)
{
	ps->p = ps->base;
	ps->have_version = ps->have_time = ps->have_lsas = false;
	ps->nlsas = 0;
	if (!expect(ps, '{', "expected '{' (not a database document)"))
		return false;
	do {
		const char *k;
		size_t kn;

		if (!member(ps, &k, &kn))
			return false;
		if (key_is(k, kn, "version") && !ps->have_version) {
			ps->have_version = true;
			if (!uint_value(ps, &ps->version))
				return false;
		} else if (key_is(k, kn, "time_ms") && !ps->have_time) {
			ps->have_time = true;
			if (!uint_value(ps, &ps->time_ms))
				return false;
		} else if (key_is(k, kn, "lsas") && !ps->have_lsas) {
			ps->have_lsas = true;
			if (!expect(ps, '[', "expected '['"))
				return false;
			if (!peek_take(ps, ']')) {
				do {
					if (!lsa_object(ps))
						return false;
				} while (peek_take(ps, ','));
				if (!expect(ps, ']', "expected ',' or ']'"))
					return false;
			}
		} else {
			ps->p = k;
			return fail(ps, "unknown or repeated member");
		}
	} while (peek_take(ps, ','));
	if (!expect(ps, '}', "expected ',' or '}'"))
		return false;
	ws(ps);
	if (ps->p != ps->end)
		return fail(ps, "garbage after the document");
	if (!ps->have_version || !ps->have_time || !ps->have_lsas) {
		ps->p = ps->base;
		return fail(ps, "version, time_ms or lsas missing");
	}
	return true;
}

struct lsdb *lsdbdoc_read(const char *doc, size_t len, uint64_t *version, uint64_t *time_ms,
                           char *err, size_t errlen)
{
	struct parser ps = { .base = doc, .end = doc + len, .err = err, .errlen = errlen };

	if (errlen > 0)
		err[0] = 0;
	if (doc == NULL) {
		snprintf(err, errlen, "no document");
		return NULL;
	}
	if ((ps.buf = malloc(MAX_LSA_LEN)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* Pass 1 checks everything and finds time_ms (members come in any
	 * order); pass 2 installs at that time. */
	if (!document(&ps)) {
		free(ps.buf);
		return NULL;
	}
	if ((ps.db = lsdb_new(ps.nlsas < LSDBDOC_MAX_LSAS ? (ps.nlsas ? ps.nlsas : 1)
	                                                   : LSDBDOC_MAX_LSAS)) == NULL) {
		snprintf(err, errlen, "out of memory");
		free(ps.buf);
		return NULL;
	}
	if (!document(&ps)) {
		lsdb_free(ps.db);
		free(ps.buf);
		return NULL;
	}
	free(ps.buf);
	if (version != NULL)
		*version = ps.version;
	if (time_ms != NULL)
		*time_ms = ps.time_ms;
	return ps.db;
}

static struct lsdb *load_snapshot(const char *path, uint64_t *version, uint64_t *time_ms,
                                  char *err, size_t errlen)
{
	struct lsdb *db = lsdb_new(LSDBDOC_MAX_LSAS);
	uint64_t now = 0;
	long n;

	if (db == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	n = snapshot_load(db, path, &now, err, errlen);
	if (n < 0 || err[0] != 0) {
		lsdb_free(db);
		return NULL;
	}
	if (version != NULL)
		*version = 0;
	if (time_ms != NULL)
		*time_ms = now;
	return db;
}

struct lsdb *lsdbdoc_load(const char *path, uint64_t *version, uint64_t *time_ms,
                           char *err, size_t errlen)
{
	FILE *fp = fopen(path, "rb");
	struct stat st;
	char magic[8], *doc;
	size_t len;
	struct lsdb *db;

	if (errlen > 0)
		err[0] = 0;
	if (fp == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(fp), &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		fclose(fp);
		return NULL;
	}
	if (st.st_size > (off_t)LSDBDOC_MAX_FILE) {
		snprintf(err, errlen, "%s: larger than %u MiB", path, LSDBDOC_MAX_FILE >> 20);
		fclose(fp);
		return NULL;
	}
	len = (size_t)st.st_size;
	if (len >= sizeof(magic) && fread(magic, 1, sizeof(magic), fp) == sizeof(magic) &&
	    memcmp(magic, "ANMLSDB1", sizeof(magic)) == 0) {
		fclose(fp);
		return load_snapshot(path, version, time_ms, err, errlen);
	}
	rewind(fp);
	if ((doc = malloc(len ? len : 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		fclose(fp);
		return NULL;
	}
	if (fread(doc, 1, len, fp) != len) {
		snprintf(err, errlen, "%s: read error", path);
		free(doc);
		fclose(fp);
		return NULL;
	}
	fclose(fp);
	db = lsdbdoc_read(doc, len, version, time_ms, err, errlen);
	free(doc);
	if (db == NULL) {
		/* prefix the path to the parser's message */
		char msg[256];
		snprintf(msg, sizeof(msg), "%s", err);
		snprintf(err, errlen, "%s: %s", path, msg);
	}
	return db;
}

struct hex_ctx {
	struct sbuf *b;
	uint64_t now_ms;
	bool first;
};

static void hex_lsa(void *vctx, const struct lsdb_entry *e)
{
	struct hex_ctx *c = vctx;
	static const char hexd[] = "0123456789abcdef";
	char area[20] = "null";

	if (e->area != LSDB_AS_SCOPE)
		snprintf(area, sizeof(area), "\"%u.%u.%u.%u\"", e->area >> 24, (e->area >> 16) & 255,
		         (e->area >> 8) & 255, e->area & 255);
	sbuf_printf(c->b, "%s{\"area\":%s,\"age\":%u,\"hex\":\"", c->first ? "" : ",", area,
	            lsdb_age_of(e, c->now_ms));
	for (unsigned i = 0; i < e->lsa.h.length; i++) {
		char x[2] = { hexd[e->lsa.raw[i] >> 4], hexd[e->lsa.raw[i] & 15] };
		sbuf_put(c->b, x, 2);
	}
	sbuf_put(c->b, "\"}", 2);
	c->first = false;
}

void lsdbdoc_write(const struct lsdb *db, uint64_t version, uint64_t now_ms, struct sbuf *b)
{
	uint32_t areas[256];
	unsigned n = lsdb_areas(db, areas, 255);
	struct hex_ctx c = { b, now_ms, true };

	areas[n++] = LSDB_AS_SCOPE;
	sbuf_printf(b, "{\"version\":%" PRIu64 ",\"time_ms\":%" PRIu64 ",\"lsas\":[", version, now_ms);
	for (unsigned i = 0; i < n; i++)
		lsdb_foreach(db, areas[i], 0, hex_lsa, &c);
	sbuf_put(b, "]}", 2);
}
