/*
 * LSDB snapshots, so a restarted ospfmon is not blind (and the collector can
 * load the database ospfmon saved): every LSA held, with
 * its area and its age at the time of saving, in a small binary file written
 * atomically (temporary file, fsync, rename).  At load each LSA is checked
 * again (lsdb_decode: lengths and Fletcher checksum), aged by the time that
 * passed since the save, and installed; what reached MaxAge meanwhile is
 * left out.  A damaged file is reported and loading stops there, keeping
 * what was read before.
 *
 * Format (integers big-endian):
 *   "ANMLSDB2"  u64 saved_ms (Unix epoch ms)  u32 count
 *   count x { u32 area (0xffffffff: AS scope)  u16 length  u8 OSPF version
 *             (2 or 3)  LSA (length bytes, its age field the age at saved_ms) }
 * Files of the first format, "ANMLSDB1" (OSPFv2 only: no version octet),
 * are read too.
 */
#ifndef ANEMONE_SNAPSHOT_H
#define ANEMONE_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lsdb.h"

/* Whether the first 8 bytes of a file are a snapshot's (either format). */
bool snapshot_magic(const uint8_t m[8]);

/* Write db as it stands at now_ms to path.  Returns the number of LSAs
 * written, or -1 with a message in err. */
long snapshot_save(const struct lsdb *db, const char *path, uint64_t now_ms,
                   char *err, size_t errlen);

/* Install the LSAs of the snapshot at path into db, aged to *now_ms (0:
 * to the time of the save, which *now_ms then receives).  Returns the
 * number installed (err empty), or -1 when the file cannot be read at all;
 * a damaged file returns what was loaded with err set. */
long snapshot_load(struct lsdb *db, const char *path, uint64_t *now_ms,
                   char *err, size_t errlen);

/* The same from an open stream (read to the end of the snapshot, not
 * closed); name is for the messages. */
long snapshot_read(struct lsdb *db, FILE *fp, const char *name, uint64_t *now_ms,
                   char *err, size_t errlen);

#endif
