/*
 * libFuzzer target for the database document reader (lib/lsdbdoc.c):
 * the JSON anemone-ospfmon publishes as ospf:lsdb, which the collector and
 * the anemone command read from Redis.  Any input either gives a database
 * or a message; a database builds a topology and a placer, which places
 * an IPv4 and an IPv6 flow between the first prefixes it holds, and every
 * OSPFv3 router's IPv6 routes are computed (at most 16 routers), each
 * route found again by route6_lookup; the OSPFv3 topology is built,
 * rendered beside the OSPFv2 one and compared with nothing.
 *
 * Build: clang -g -O1 -std=c11 -D_GNU_SOURCE
 *        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
 *        -Ilib tests/fuzz/fuzz_topoload.c lib/lsdbdoc.c
 *        lib/snapshot.c lib/atomicfile.c lib/log.c lib/ospf.c lib/lsdb.c
 *        lib/ospf6.c lib/topo.c lib/topo6.c lib/place.c lib/spf.c lib/spf6.c
 *        lib/sbuf.c
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lsdb.h"
#include "lsdbdoc.h"
#include "ospf6.h"
#include "place.h"
#include "spf6.h"
#include "sbuf.h"
#include "topo.h"

struct r6 { uint32_t id[16]; unsigned n; uint8_t pfx[2][16]; unsigned npfx; };

static void v3_walk(void *ctx, const struct lsdb_entry *e)
{
	struct r6 *r = ctx;
	struct lsa6 l;
	struct lsa6_prefix p;

	if (lsa6_decode(e->lsa.raw, e->lsa.h.length, &l) != OSPF6_OK)
		abort();                 /* installed, so it decoded before */
	if (l.h.type == LSA6_ROUTER && r->n < 16)
		r->id[r->n++] = l.h.adv_router;
	for (struct lsa6_prefix_cursor c = { 0 }; r->npfx < 2 && lsa6_prefix_next(&l, &c, &p);)
		memcpy(r->pfx[r->npfx++], p.addr, 16);
}

static void diff_none(void *ctx, const struct topo_event *ev)
{
	char key[256];

	(void)ctx;
	topo_event_key(ev, key, sizeof(key));
}

static void routes6(const struct lsdb *db)
{
	uint32_t areas[64];
	unsigned na = lsdb_areas(db, areas, 63);
	struct r6 r = { .n = 0 };
	struct route6_table rt = { 0 };

	areas[na++] = LSDB_AS_SCOPE;
	for (unsigned i = 0; i < na; i++)
		lsdb_foreach(db, areas[i], LSDB_V3, v3_walk, &r);
	for (unsigned i = 0; i < r.n; i++) {
		if (spf6_routes(db, r.id[i], &rt) < 0)
			continue;
		for (unsigned k = 0; k < rt.n; k++) {
			const struct route6 *x = route6_lookup(&rt, rt.r[k].prefix);
			if (x == NULL || x->plen < rt.r[k].plen || x->nnh > SPF_MAX_NEXTHOPS)
				abort();
		}
	}
	route6_table_free(&rt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	uint64_t version, time_ms;
	struct lsdb *db;

	err[0] = 0;
	db = lsdbdoc_read((const char *)data, size, &version, &time_ms, err, sizeof(err));
	if (db == NULL) {
		if (err[0] == 0)
			abort();
		return 0;
	}
	{
		struct topo *t = topo_build(db, time_ms);
		struct placer *pl = placer_build(db, time_ms);
		struct place_in in = { .af = AF_INET, .bytes = 1001, .packets = 7 };
		struct place_out out;
		struct r6 r = { .n = 0 };
		uint32_t areas[64];
		unsigned na;
		if (t == NULL || pl == NULL)
			abort();
		if (t->np > 1) {
			in.src.w[0] = __builtin_bswap32(t->p[0].prefix | 1);
			in.dst.w[0] = __builtin_bswap32(t->p[t->np - 1].prefix | 1);
		}
		place_flow(pl, &in, &out);
		na = lsdb_areas(db, areas, 63);
		areas[na++] = LSDB_AS_SCOPE;
		for (unsigned i = 0; i < na; i++)
			lsdb_foreach(db, areas[i], LSDB_V3, v3_walk, &r);
		in.af = AF_INET6;
		if (r.npfx > 0) {
			memcpy(in.src.b, r.pfx[0], 16);
			memcpy(in.dst.b, r.pfx[r.npfx - 1], 16);
			in.dst.b[15] |= 1;
		}
		if (place_flow(pl, &in, &out) == PLACE_OK) {
			uint64_t b = 0;
			for (unsigned i = 0; i < out.npairs; i++)
				b += out.pairs[i].bytes;
			if (b != in.bytes)       /* every byte leaves somewhere */
				abort();
		}
		placer_free(pl);
		{
			struct topo *t6 = topo6_build(db, time_ms);
			struct sbuf b = SBUF_INIT;
			if (t6 == NULL)
				abort();
			t->v6 = t6;
			topo_json(t, 1, &b);
			topo_text(t, &b);
			if (topo_diff(NULL, t6, diff_none, NULL) < t6->nr)
				abort();
			sbuf_free(&b);
			topo_free(t6);
		}
		topo_free(t);
	}
	routes6(db);
	lsdb_free(db);
	return 0;
}
