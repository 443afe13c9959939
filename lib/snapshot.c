#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "atomicfile.h"
#include "be.h"
#include "log.h"
#include "snapshot.h"
#include "sbuf.h"

#define MAGIC "ANMLSDB2"          /* records: area, length, OSPF version */
#define MAGIC_V1 "ANMLSDB1"       /* records: area, length (OSPFv2 only) */
#define HDR_LEN 20

struct save_ctx {
	struct sbuf out;
	uint64_t now_ms;
	uint32_t count;
};

static void save_one(void *vctx, const struct lsdb_entry *e)
{
	struct save_ctx *c = vctx;
	uint8_t rec[7], age[2];
	uint16_t a = lsdb_age_of(e, c->now_ms);

	if (a >= OSPF_MAX_AGE)
		return;
	put32(rec, e->area);
	put16(rec + 4, e->lsa.h.length);
	rec[6] = e->lsa.h.v3 ? 3 : 2;
	put16(age, (uint16_t)(a | (e->lsa.h.do_not_age ? 0x8000 : 0)));
	sbuf_put(&c->out, (const char *)rec, sizeof(rec));
	sbuf_put(&c->out, (const char *)age, 2);    /* the age is outside the checksum */
	sbuf_put(&c->out, (const char *)e->lsa.raw + 2, e->lsa.h.length - 2u);
	c->count++;
}

bool snapshot_magic(const uint8_t m[8])
{
	return memcmp(m, MAGIC, 8) == 0 || memcmp(m, MAGIC_V1, 8) == 0;
}

long snapshot_save(const struct lsdb *db, const char *path, uint64_t now_ms,
                   char *err, size_t errlen)
{
	struct save_ctx c = { .now_ms = now_ms };
	uint32_t areas[256];
	unsigned na = lsdb_areas(db, areas, 255);
	uint8_t hdr[HDR_LEN];

	areas[na++] = LSDB_AS_SCOPE;
	memset(hdr, 0, sizeof(hdr));
	sbuf_put(&c.out, (const char *)hdr, sizeof(hdr));     /* filled in below */
	for (unsigned i = 0; i < na; i++)
		lsdb_foreach(db, areas[i], 0, save_one, &c);
	if (!sbuf_ok(&c.out)) {
		snprintf(err, errlen, "%s: out of memory", path);
		sbuf_free(&c.out);
		return -1;
	}
	memcpy(c.out.p, MAGIC, 8);
	put32((uint8_t *)c.out.p + 8, (uint32_t)(now_ms >> 32));
	put32((uint8_t *)c.out.p + 12, (uint32_t)now_ms);
	put32((uint8_t *)c.out.p + 16, c.count);
	if (file_replace(path, c.out.p, c.out.len, err, errlen) < 0) {
		sbuf_free(&c.out);
		return -1;
	}
	sbuf_free(&c.out);
	return (long)c.count;
}

long snapshot_load(struct lsdb *db, const char *path, uint64_t *now,
                   char *err, size_t errlen)
{
	FILE *fp = fopen(path, "rb");
	long n;

	if (fp == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	n = snapshot_read(db, fp, path, now, err, errlen);
	fclose(fp);
	return n;
}

long snapshot_read(struct lsdb *db, FILE *fp, const char *name, uint64_t *now,
                   char *err, size_t errlen)
{
	uint8_t hdr[HDR_LEN], rec[7], lsa_buf[65536];
	uint64_t saved_ms, elapsed_s, now_ms;
	uint32_t count;
	long loaded = 0, expired = 0;

	err[0] = 0;
	size_t reclen = sizeof(rec);

	if (fread(hdr, 1, sizeof(hdr), fp) != sizeof(hdr) ||
	    (memcmp(hdr, MAGIC, 8) != 0 && memcmp(hdr, MAGIC_V1, 8) != 0)) {
		snprintf(err, errlen, "%s: not an LSDB snapshot", name);
		return -1;
	}
	if (memcmp(hdr, MAGIC_V1, 8) == 0) {
		reclen = 6;
		rec[6] = 2;
	}
	saved_ms = (uint64_t)be32(hdr + 8) << 32 | be32(hdr + 12);
	count = be32(hdr + 16);
	if (*now == 0)
		*now = saved_ms;
	now_ms = *now;
	elapsed_s = now_ms > saved_ms ? (now_ms - saved_ms) / 1000 : 0;
	for (uint32_t i = 0; i < count; i++) {
		struct lsa l;
		const char *why;
		uint16_t len, age;
		uint64_t aged;

		if (fread(rec, 1, reclen, fp) != reclen ||
		    (len = be16(rec + 4)) < LSA_HDR_LEN ||
		    fread(lsa_buf, 1, len, fp) != len) {
			snprintf(err, errlen, "%s: truncated at LSA %u of %u", name, i + 1, count);
			break;
		}
		if (rec[6] != 2 && rec[6] != 3) {
			snprintf(err, errlen, "%s: LSA %u of %u: OSPF version %u", name, i + 1, count,
			         rec[6]);
			break;
		}
		if (!lsdb_decode(lsa_buf, len, rec[6] == 3, &l, &why)) {
			snprintf(err, errlen, "%s: LSA %u of %u: %s", name, i + 1, count, why);
			break;
		}
		age = l.h.age;
		aged = l.h.do_not_age ? age : age + elapsed_s;
		if (aged >= OSPF_MAX_AGE) {
			expired++;
			continue;
		}
		put16(lsa_buf, (uint16_t)(aged | (l.h.do_not_age ? 0x8000 : 0)));
		l.h.age = (uint16_t)aged;
		switch (lsdb_install(db, be32(rec), &l, now_ms, NULL)) {
		case LSDB_ADDED: case LSDB_CHANGED: case LSDB_REFRESHED:
			loaded++;
			break;
		default:
			break;
		}
	}
	if (expired > 0)
		log_info("%s: %ld LSAs reached MaxAge in the %llu s since the snapshot was saved",
		         name, expired, (unsigned long long)elapsed_s);
	return loaded;
}
