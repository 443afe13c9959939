/*
 * The fuzz targets' small topology: a link-state database of two routers,
 * built from raw LSAs, with no file read.  Header-only: each target is one
 * translation unit (tests/fuzz/run).
 */
#ifndef FUZZ_SMALL_TOPO_H
#define FUZZ_SMALL_TOPO_H

#include <string.h>

#include "lsdb.h"
#include "ospf.h"

/* r1 (10.255.0.1) -- p2p -- r2 (10.255.0.2), each with a stub /24 */
static struct lsdb *small_lsdb(void)
{
	static const uint8_t r1[] = {
		0, 1, 0x22, 1, 10, 255, 0, 1, 10, 255, 0, 1, 0x80, 0, 0, 1, 0, 0, 0, 60,
		0, 0, 0, 3,
		10, 255, 0, 2, 10, 1, 12, 1, 1, 0, 0, 10,
		10, 1, 12, 0, 255, 255, 255, 0, 3, 0, 0, 10,
		10, 100, 1, 0, 255, 255, 255, 0, 3, 0, 0, 10,
	};
	static const uint8_t r2[] = {
		0, 1, 0x22, 1, 10, 255, 0, 2, 10, 255, 0, 2, 0x80, 0, 0, 1, 0, 0, 0, 60,
		0, 0, 0, 3,
		10, 255, 0, 1, 10, 1, 12, 2, 1, 0, 0, 10,
		10, 1, 12, 0, 255, 255, 255, 0, 3, 0, 0, 10,
		10, 100, 2, 0, 255, 255, 255, 0, 3, 0, 0, 10,
	};
	const uint8_t *lsas[] = { r1, r2 };
	struct lsdb *db = lsdb_new(100);

	for (int i = 0; i < 2; i++) {
		uint8_t buf[60];
		struct lsa l;
		uint16_t ck;
		memcpy(buf, lsas[i], sizeof(buf));
		ck = lsa_checksum(buf, sizeof(buf));
		buf[16] = (uint8_t)(ck >> 8);
		buf[17] = (uint8_t)ck;
		if (lsa_decode(buf, sizeof(buf), &l) == OSPF_OK)
			lsdb_install(db, 0, &l, 1700000000000ull, NULL);
	}
	return db;
}

#endif
