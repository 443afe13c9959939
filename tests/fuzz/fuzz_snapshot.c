/*
 * libFuzzer target for the LSDB snapshot reader (lib/snapshot.c): the file
 * anemone-ospfmon saves and reads back at start, and the collector and the
 * anemone command load with --topology FILE.  Any input gives -1 with a
 * message, or the LSAs installed (a damaged file: those before the damage,
 * with a message); the database built from it is then walked.
 *
 * Build: clang -g -O1 -std=c11 -D_GNU_SOURCE
 *        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
 *        -Ilib tests/fuzz/fuzz_snapshot.c lib/snapshot.c lib/atomicfile.c
 *        lib/log.c lib/ospf.c lib/lsdb.c lib/topo.c lib/sbuf.c
 */
#include <stdio.h>
#include <stdlib.h>

#include "lsdb.h"
#include "snapshot.h"
#include "topo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	uint64_t now_ms = 0;
	struct lsdb *db;
	FILE *fp;
	long n;

	if (size == 0 || (fp = fmemopen((void *)(uintptr_t)data, size, "rb")) == NULL)
		return 0;
	if ((db = lsdb_new(4096)) == NULL)
		abort();
	n = snapshot_read(db, fp, "fuzz", &now_ms, err, sizeof(err));
	fclose(fp);
	if (n < 0 && err[0] == 0)
		abort();                 /* a failure always says why */
	if (n > 0) {
		struct topo *t = topo_build(db, now_ms);
		if (t == NULL)
			abort();
		topo_free(t);
	}
	lsdb_free(db);
	return 0;
}
