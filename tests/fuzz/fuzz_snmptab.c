/*
 * libFuzzer target for what the collector makes of an SNMP agent's answer
 * (collector/snmptab.c): the varbinds of a walk, as net-snmp hands them
 * over, into the interface table, then the observation points it gives on
 * a small topology (r1 -- p2p 10.1.12.0/24 -- r2, stubs 10.100.1.0/24 and
 * 10.100.2.0/24).  The table must stay within its bounds, every point must
 * be of the router found, with an ifIndex and a role that fits it.
 *
 * The input is a sequence of varbinds, each: 1 byte, the column (low 2
 * bits: ipAdEntIfIndex, ipAdEntNetMask, ifName, ifHighSpeed; bit 2: an OID
 * of other elements instead), 1 byte n and n elements of 2 bytes (the
 * index: an address's 4 bytes, an ifIndex), 1 byte type, 1 byte length and
 * the value's bytes (for INTEGER and Gauge, a long of that length if it is
 * one's, as net-snmp gives them).
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "place.h"
#include "small_topo.h"
#include "snmptab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned long cols[4][11] = {
	{ 1, 3, 6, 1, 2, 1, 4, 20, 1, 2 },
	{ 1, 3, 6, 1, 2, 1, 4, 20, 1, 3 },
	{ 1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 1 },
	{ 1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 15 },
};
static const size_t col_len[4] = { 10, 10, 11, 11 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct lsdb *db;
	static struct placer *pl;
	static struct snmptab t;
	struct coll_map pts[64];
	union anm_addr x;
	size_t off = 0;
	uint32_t r;
	unsigned n;

	if (db == NULL) {
		log_init("fuzz_snmptab", LOG_TO_STDERR, -1);
		db = small_lsdb();
		pl = placer_build(db, 1700000000000ull);
	}
	snmptab_init(&t);
	while (off + 2 <= size) {
		unsigned long oid[64];
		size_t len = 0;
		unsigned c = data[off] & 3, k = data[off + 1];
		bool other = data[off] & 4;
		uint8_t type, vlen;
		off += 2;
		if (!other) {
			memcpy(oid, cols[c], col_len[c] * sizeof(oid[0]));
			len = col_len[c];
		}
		for (unsigned i = 0; i < k && off + 2 <= size && len < 64; i++, off += 2)
			oid[len++] = (unsigned long)(data[off] << 8 | data[off + 1]);
		if (off + 2 > size)
			break;
		type = data[off];
		vlen = data[off + 1];
		off += 2;
		if (vlen > size - off)
			vlen = (uint8_t)(size - off);
		snmptab_take(&t, oid, len, type, data + off, vlen);
		off += vlen;
	}
	if (t.nifs > SNMPTAB_MAX_IFS || t.naddrs > SNMPTAB_MAX_ADDRS)
		abort();
	memset(&x, 0, sizeof(x));
	x.w[0] = htonl(0x0a010c01);
	{
		struct cap_rule caps[64];
		unsigned nc = snmptab_caps(&t, caps, 64);
		for (unsigned i = 0; i < nc; i++)
			if (!caps[i].by_prefix || caps[i].mask != 0xffffffffu || caps[i].bps == 0)
				abort();
	}
	n = snmptab_points(&t, pl, AF_INET, &x, pts, 64, &r);
	if (n > 64 || (n > 0 && r == 0))
		abort();
	for (unsigned i = 0; i < n; i++) {
		const struct coll_map *m = &pts[i];
		if (m->router != r || m->ifindex == 0 || m->any_if || !m->any_domain ||
		    (m->role == COLL_ROLE_CORE) == (m->neighbour == 0 && m->network == 0) ||
		    (m->role != COLL_ROLE_CORE && m->role != COLL_ROLE_EDGE) || m->neighbour == r)
			abort();
		for (unsigned j = 0; j < i; j++)
			if (pts[j].ifindex == m->ifindex)
				abort();
	}
	return 0;
}
