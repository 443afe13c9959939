/*
 * libFuzzer target for the database document reader (lib/lsdbdoc.c):
 * the JSON anemone-ospfmon publishes as ospf:lsdb, which the collector and
 * the anemone command read from Redis.  Any input either gives a database
 * or a message; a database builds a topology.
 *
 * Build: clang -g -O1 -std=c11 -D_GNU_SOURCE
 *        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
 *        -Ilib tests/fuzz/fuzz_topoload.c lib/lsdbdoc.c
 *        lib/snapshot.c lib/atomicfile.c lib/log.c lib/ospf.c lib/lsdb.c
 *        lib/topo.c lib/sbuf.c
 */
#include <stdlib.h>

#include "lsdb.h"
#include "topo.h"
#include "lsdbdoc.h"

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
		if (t == NULL)
			abort();
		topo_free(t);
	}
	lsdb_free(db);
	return 0;
}
