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
#include <stdarg.h>
#include <sys/stat.h>

#include <jansson.h>

#include "ospf.h"
#include "snapshot.h"
#include "lsdbdoc.h"
#include "ospf6.h"

#define MAX_LSA_LEN 65535u

/* Format a message into err (if it is still empty) and fail. */
static bool failf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool failf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen > 0 && err[0] == 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return false;
}

/* A JSON integer in [0, max] into *v. */
static bool uint_member(const json_t *j, uint64_t max, uint64_t *v)
{
	json_int_t i;

	if (!json_is_integer(j))
		return false;
	i = json_integer_value(j);
	if (i < 0 || (uint64_t)i > max)
		return false;
	*v = (uint64_t)i;
	return true;
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

/*
 * Element k (from 0) of "lsas": checked, decoded into buf (MAX_LSA_LEN
 * bytes) and installed into db at time_ms.  O(length of the LSA).
 */
static bool lsa_object(const json_t *o, unsigned k, struct lsdb *db, uint64_t time_ms,
                       uint8_t *buf, char *err, size_t errlen)
{
	const json_t *jarea = json_object_get(o, "area"), *jage = json_object_get(o, "age");
	const json_t *jhex = json_object_get(o, "hex"), *jv = json_object_get(o, "ospf");
	bool as_scope, v3 = false;
	uint32_t area = 0;
	uint64_t age;
	const char *hex;
	size_t hexlen;

	if (!json_is_object(o))
		return failf(err, errlen, "LSA %u: not an object", k + 1);
	if (jarea == NULL || jage == NULL || jhex == NULL)
		return failf(err, errlen, "LSA %u: without area, age or hex", k + 1);
	if (json_object_size(o) != (jv != NULL ? 4u : 3u))
		return failf(err, errlen, "LSA %u: a member other than area, age, hex and ospf", k + 1);
	if (jv != NULL) {
		uint64_t ver;
		if (!uint_member(jv, 3, &ver) || ver < 2)
			return failf(err, errlen, "LSA %u: ospf: not 2 or 3", k + 1);
		v3 = ver == 3;
	}
	as_scope = json_is_null(jarea);
	if (!as_scope && !(json_is_string(jarea) &&
	                   dotted_quad(json_string_value(jarea), json_string_length(jarea), &area)))
		return failf(err, errlen, "LSA %u: area: not a dotted quad or null", k + 1);
	if (!uint_member(jage, OSPF_MAX_AGE, &age))
		return failf(err, errlen, "LSA %u: age: not an integer from 0 to MaxAge", k + 1);
	if (!json_is_string(jhex))
		return failf(err, errlen, "LSA %u: hex: not a string", k + 1);
	hex = json_string_value(jhex);
	hexlen = json_string_length(jhex);
	if (hexlen % 2 != 0 || hexlen / 2 < LSA_HDR_LEN || hexlen / 2 > MAX_LSA_LEN)
		return failf(err, errlen, "LSA %u: hex: not an LSA's length", k + 1);
	for (size_t i = 0; i < hexlen; i += 2) {
		int hi = hexval(hex[i]), lo = hexval(hex[i + 1]);
		if (hi < 0 || lo < 0)
			return failf(err, errlen, "LSA %u: hex: not a hex digit at %zu", k + 1, i);
		buf[i / 2] = (uint8_t)(hi << 4 | lo);
	}

	struct lsa l;
	const char *why;

	if (!lsdb_decode(buf, hexlen / 2, v3, &l, &why))
		return failf(err, errlen, "LSA %u: %s", k + 1, why);
	if (l.h.length != hexlen / 2)
		return failf(err, errlen, "LSA %u: %s", k + 1,
		             v3 ? ospf6_status_name(OSPF6_BAD_LSA_LENGTH)
		                : ospf_status_name(OSPF_BAD_LSA_LENGTH));
	if (as_scope != (lsdb_scope(0, lsdb_type(&l.h)) == LSDB_AS_SCOPE))
		return failf(err, errlen, v3 ? "LSA %u: OSPFv3 type 0x%04x with area %s"
		                             : "LSA %u: type %u with area %s", k + 1, l.h.type,
		             as_scope ? "null" : "set");
	if (age >= OSPF_MAX_AGE)
		return true;
	/* the age field is outside the checksum: the current age goes there */
	buf[0] = (uint8_t)(((age >> 8) & 0x7f) | (l.h.do_not_age ? 0x80 : 0));
	buf[1] = (uint8_t)(age & 255);
	l.h.age = (uint16_t)age;
	if (lsdb_install(db, as_scope ? LSDB_AS_SCOPE : area, &l, time_ms, NULL) == LSDB_FULL)
		return failf(err, errlen, "more than %u LSAs", LSDBDOC_MAX_LSAS);
	return true;
}

/*
 * The document is parsed by jansson (duplicate members refused, nothing after
 * it), then checked member by member.  Cost: O(len) time, and jansson's tree
 * of the document (a few times len) while it is read.
 */
struct lsdb *lsdbdoc_read(const char *doc, size_t len, uint64_t *version, uint64_t *time_ms,
                          char *err, size_t errlen)
{
	json_error_t je;
	json_t *root, *lsas;
	uint64_t v = 0, t = 0;
	struct lsdb *db = NULL;
	uint8_t *buf = NULL;
	size_t n;

	if (errlen > 0)
		err[0] = 0;
	if (doc == NULL) {
		failf(err, errlen, "no document");
		return NULL;
	}
	/* the document has no use for escapes: a name spelled with one is not
	 * the member it looks like to a reader that decodes them */
	if (memchr(doc, '\\', len) != NULL) {
		failf(err, errlen, "offset %zu: string escapes are not part of this document",
		      (size_t)((const char *)memchr(doc, '\\', len) - doc));
		return NULL;
	}
	if ((root = json_loadb(doc, len, JSON_REJECT_DUPLICATES, &je)) == NULL) {
		failf(err, errlen, "line %d column %d: %s", je.line, je.column, je.text);
		return NULL;
	}
	lsas = json_object_get(root, "lsas");
	if (!json_is_object(root))
		failf(err, errlen, "not a database document (not an object)");
	else if (lsas == NULL || json_object_get(root, "version") == NULL ||
	         json_object_get(root, "time_ms") == NULL)
		failf(err, errlen, "version, time_ms or lsas missing");
	else if (json_object_size(root) != 3)
		failf(err, errlen, "a member other than version, time_ms and lsas");
	else if (!uint_member(json_object_get(root, "version"), INT64_MAX, &v))
		failf(err, errlen, "version: not an unsigned integer");
	else if (!uint_member(json_object_get(root, "time_ms"), INT64_MAX, &t))
		failf(err, errlen, "time_ms: not an unsigned integer");
	else if (!json_is_array(lsas))
		failf(err, errlen, "lsas: not an array");
	else if ((n = json_array_size(lsas)) > LSDBDOC_MAX_LSAS)
		failf(err, errlen, "more than %u LSAs", LSDBDOC_MAX_LSAS);
	else if ((buf = malloc(MAX_LSA_LEN)) == NULL || (db = lsdb_new(n ? (unsigned)n : 1)) == NULL)
		failf(err, errlen, "out of memory");
	else {
		for (size_t k = 0; k < n; k++)
			if (!lsa_object(json_array_get(lsas, k), (unsigned)k, db, t, buf, err, errlen)) {
				lsdb_free(db);
				db = NULL;
				break;
			}
	}
	free(buf);
	json_decref(root);
	if (db == NULL)
		return NULL;
	if (version != NULL)
		*version = v;
	if (time_ms != NULL)
		*time_ms = t;
	return db;
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
	uint8_t magic[8];
	char *doc;
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
	    snapshot_magic(magic)) {
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
	sbuf_printf(c->b, "%s{\"area\":%s,%s\"age\":%u,\"hex\":\"", c->first ? "" : ",", area,
	            e->lsa.h.v3 ? "\"ospf\":3," : "", lsdb_age_of(e, c->now_ms));
	for (unsigned i = 0; i < e->lsa.h.length; i++) {
		char x[2] = { hexd[e->lsa.raw[i] >> 4], hexd[e->lsa.raw[i] & 15] };
		sbuf_put(c->b, x, 2);
	}
	sbuf_put(c->b, "\"}", 2);
	c->first = false;
}

void lsdbdoc_write(const struct lsdb *db, uint64_t version, uint64_t now_ms, struct sbuf *b)
{
	const struct lsdb_entry **v;
	uint32_t n;
	struct hex_ctx c = { b, now_ms, true };

	/* one sorted walk (areas ascending, the AS scope last), whatever the
	 * number of areas; without memory for it, no half document */
	if (!lsdb_sorted(db, &v, &n)) {
		b->failed = true;
		return;
	}
	sbuf_printf(b, "{\"version\":%" PRIu64 ",\"time_ms\":%" PRIu64 ",\"lsas\":[", version, now_ms);
	for (uint32_t i = 0; i < n; i++)
		hex_lsa(&c, v[i]);
	sbuf_put(b, "]}", 2);
	free(v);
}
