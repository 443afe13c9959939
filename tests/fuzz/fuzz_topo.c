/*
 * libFuzzer target for what is built on decoded LSAs: the link-state
 * database (lib/lsdb.c), the topology and its differences (lib/topo.c) and
 * SPF (lib/spf.c), fed with arbitrary combinations of LSAs -- links to
 * oneself, parallel links, networks listing unknown routers, stale DRs,
 * absurd metrics.
 *
 * Input: records of { u8 area (0-3, 255: AS scope), u16 length, LSA }.
 * Each LSA's Fletcher checksum and length field are repaired so mutations
 * reach the body decoders; LSAs lsa_decode refuses are skipped.  The first
 * half of the records is installed and its topology built, then the rest,
 * and the two topologies are compared; JSON and text renderings run on both;
 * SPF runs from the first three routers seen.
 * Invariants (abort() on violation): every array of a topology is sorted
 * by key; topo_diff of a topology with itself reports nothing.
 *
 * Build: clang -g -O1 -std=c11 -D_GNU_SOURCE
 *        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Ilib
 *        tests/fuzz/fuzz_topo.c lib/ospf.c lib/lsdb.c lib/spf.c lib/topo.c lib/sbuf.c
 */
#include <stdlib.h>
#include <string.h>

#include "lsdb.h"
#include "spf.h"
#include "topo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void count_event(void *ctx, const struct topo_event *ev)
{
	struct sbuf *b = ctx;

	topo_event_json(ev, 1000, b);
}

static void never(void *ctx, const struct topo_event *ev)
{
	(void)ctx;
	(void)ev;
	abort();
}

static void check_sorted(const struct topo *t)
{
	for (unsigned i = 1; i < t->nr; i++)
		if (t->r[i - 1].area > t->r[i].area ||
		    (t->r[i - 1].area == t->r[i].area && t->r[i - 1].id >= t->r[i].id))
			abort();
	for (unsigned i = 1; i < t->nn; i++)
		if (t->n[i - 1].area > t->n[i].area ||
		    (t->n[i - 1].area == t->n[i].area && t->n[i - 1].id >= t->n[i].id))
			abort();
	for (unsigned i = 1; i < t->nl; i++)
		if (t->l[i - 1].area > t->l[i].area)
			abort();
	for (unsigned i = 0; i < t->nn; i++)
		if (t->n[i].first + t->n[i].n > t->natt)
			abort();
}

static void exercise(const struct lsdb *db, const uint32_t *roots, unsigned nroots,
                     struct topo **prev)
{
	struct topo *t = topo_build(db, 5000);
	struct sbuf b = SBUF_INIT;
	struct route_table rt = { 0 };
	struct topo_completeness c;

	if (t == NULL)
		return;
	check_sorted(t);
	topo_diff(t, t, never, NULL);
	topo_diff(*prev, t, count_event, &b);
	topo_json(t, 1, &b);
	topo_text(t, &b);
	topo_completeness(t, &c);
	for (unsigned i = 0; i < nroots; i++)
		spf_routes(db, roots[i], &rt);
	route_table_free(&rt);
	sbuf_free(&b);
	topo_free(*prev);
	*prev = t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lsdb *db = lsdb_new(4096);
	struct topo *prev = NULL;
	uint32_t roots[3];
	unsigned nroots = 0, nrec = 0, half;
	size_t off;

	if (db == NULL)
		return 0;
	for (off = 0; off + 3 <= size; nrec++) {
		size_t len = (size_t)data[off + 1] << 8 | data[off + 2];
		off += 3 + (len < size - off - 3 ? len : size - off - 3);
	}
	half = nrec / 2;
	nrec = 0;
	for (off = 0; off + 3 <= size; nrec++) {
		uint32_t area = data[off] == 255 ? LSDB_AS_SCOPE : data[off] & 3;
		size_t len = (size_t)data[off + 1] << 8 | data[off + 2];
		uint8_t *buf;
		struct lsa l;

		if (nrec == half)
			exercise(db, roots, nroots, &prev);
		off += 3;
		if (len > size - off)
			len = size - off;
		if (len >= LSA_HDR_LEN && (buf = malloc(len)) != NULL) {
			memcpy(buf, data + off, len);
			buf[18] = (uint8_t)(len >> 8);
			buf[19] = (uint8_t)len;
			buf[16] = buf[17] = 0;
			{
				uint16_t ck = lsa_checksum(buf, len);
				buf[16] = (uint8_t)(ck >> 8);
				buf[17] = (uint8_t)ck;
			}
			if (lsa_decode(buf, len, &l) == OSPF_OK) {
				lsdb_install(db, area, &l, 1000 + nrec, NULL);
				if (l.h.type == LSA_ROUTER && nroots < 3)
					roots[nroots++] = l.h.adv_router;
			}
			free(buf);
		}
		off += len;
	}
	exercise(db, roots, nroots, &prev);
	topo_free(prev);
	lsdb_free(db);
	return 0;
}
