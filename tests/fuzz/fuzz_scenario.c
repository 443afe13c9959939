/*
 * libFuzzer target for the anemone command's what-if editing of a
 * link-state database (cli/scenario.c) and the placement that runs on the
 * result (lib/place.c), fed with arbitrary LSAs.
 *
 * Input: one byte choosing the changes, then records { u8 area (0-3, 255:
 * AS scope), u16 length, LSA } as in fuzz_topo (checksum and length
 * repaired, LSAs lsa_decode refuses skipped).  The changes name the
 * database's own routers and networks (by the choice byte), so they reach
 * the editing code rather than stop at "no such router".
 * Invariants (abort() on violation): an edited database installs every
 * LSA it keeps (scen_apply returns NULL only with a message), and the
 * result builds a topology.
 *
 * Build: clang -g -O1 -std=c11 -D_GNU_SOURCE
 *        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
 *        -Ilib -Icollector -Icli tests/fuzz/fuzz_scenario.c cli/scenario.c
 *        lib/place.c lib/ospf.c lib/lsdb.c lib/spf.c lib/topo.c lib/sbuf.c
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lsdb.h"
#include "place.h"
#include "scenario.h"
#include "topo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lsdb *db, *ed;
	struct topo *t;
	struct scen_change ch[3];
	unsigned nch = 0;
	uint8_t pick;
	char err[256];
	size_t off;

	if (size < 1 || (db = lsdb_new(4096)) == NULL)
		return 0;
	pick = data[0];
	for (off = 1; off + 3 <= size;) {
		uint32_t area = data[off] == 255 ? LSDB_AS_SCOPE : data[off] & 3;
		size_t len = (size_t)data[off + 1] << 8 | data[off + 2];
		uint8_t *buf;
		struct lsa l;

		off += 3;
		if (len > size - off)
			len = size - off;
		if (len >= LSA_HDR_LEN && (buf = malloc(len)) != NULL) {
			uint16_t ck;
			memcpy(buf, data + off, len);
			buf[18] = (uint8_t)(len >> 8);
			buf[19] = (uint8_t)len;
			buf[16] = buf[17] = 0;
			ck = lsa_checksum(buf, len);
			buf[16] = (uint8_t)(ck >> 8);
			buf[17] = (uint8_t)ck;
			if (lsa_decode(buf, len, &l) == OSPF_OK)
				lsdb_install(db, area, &l, 5000, NULL);
			free(buf);
		}
		off += len;
	}
	if ((t = topo_build(db, 5000)) == NULL) {
		lsdb_free(db);
		return 0;
	}
	/* changes on what the database holds: routers and networks by index */
	if (t->nr) {
		const struct topo_router *a = &t->r[pick % t->nr], *b = &t->r[(pick >> 3) % t->nr];
		ch[nch++] = (struct scen_change){ (enum scen_kind)(pick % 3), a->id, b->id, 0,
		                                  (uint32_t)(pick >> 2) };
		if (t->nn && (pick & 0x40))
			ch[nch++] = (struct scen_change){ (pick & 0x80) ? SC_COST : SC_FAIL_LINK, a->id,
			                                  t->n[(pick >> 1) % t->nn].id, 1, pick | 1u };
		if (t->nl && (pick & 0x20))
			ch[nch++] = (struct scen_change){ SC_FAIL_LINK, t->l[pick % t->nl].a,
			                                  t->l[pick % t->nl].b,
			                                  t->l[pick % t->nl].type == LINK_TRANSIT, 0 };
	}
	topo_free(t);
	err[0] = 0;
	if ((ed = scen_apply(db, 5000, ch, nch, err, sizeof(err))) == NULL) {
		if (err[0] == 0)
			abort();
	} else {
		struct placer *pl = placer_build(ed, 5000);
		struct topo *t2 = topo_build(ed, 5000);
		if (t2 == NULL)
			abort();
		if (pl) {
			static struct place_out out;
			struct place_in in;
			memset(&in, 0, sizeof(in));
			in.af = AF_INET;
			in.src.w[0] = htonl(0x0a000001u + pick);
			in.dst.w[0] = htonl(0x0a640000u + (uint32_t)pick * 257u);
			in.bytes = 1000 + pick;
			in.packets = 3;
			place_flow(pl, &in, &out);
			placer_free(pl);
		}
		topo_free(t2);
		lsdb_free(ed);
	}
	lsdb_free(db);
	return 0;
}
