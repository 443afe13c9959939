/*
 * The database document, written and read in one place: ospfmon writes it
 * (lsdbdoc_write) to the ospf:lsdb key and the file of --lsdb-file
 * (redis/SCHEMA.md); the collector and the CLI read it back (lsdbdoc_read,
 * lsdbdoc_load), or an ospfmon snapshot file instead ("ANMLSDB2",
 * lib/snapshot.h).
 *
 * The document is read by jansson and then checked strictly: exactly the shape
 *   {"version":N,"time_ms":T,"lsas":[{"area":"a.b.c.d"|null,"age":N,"hex":"..."},...]}
 * where an OSPFv3 LSA's object has a fourth member, "ospf":3 ("ospf":2 may
 * be written for an OSPFv2 one, and is what its absence means)
 * (members in any order, each once, whitespace anywhere JSON allows it; no
 * other member, no string escapes, integers from 0 to 2^63-1 without
 * fraction or exponent).  Anything else is refused with a message naming
 * the line and column (syntax) or the LSA (content).  Every LSA is checked by
 * lsa_decode (length, Fletcher checksum,
 * body), its area must agree with its type (null exactly for the AS-scoped
 * types 5 and 11), and it is installed at time_ms with its "age" (an LSA at
 * MaxAge is left out).  OSPFv3 LSAs are checked by lsa6_decode, and their
 * area must agree with the flooding scope of their LS type.
 */
#ifndef ANEMONE_LSDBDOC_H
#define ANEMONE_LSDBDOC_H

#include <stddef.h>
#include <stdint.h>

#include "lsdb.h"
#include "sbuf.h"

#define LSDBDOC_MAX_LSAS 200000     /* LSAs in one database, as ospfmon holds */
#define LSDBDOC_MAX_FILE (256u << 20)  /* a document file larger is refused */

/* Append the document of db to b: {"version":N,"time_ms":T,"lsas":[...]},
 * each LSA with its area (null for the AS scope), its age at now_ms and its
 * bytes in lower-case hex; in lsdb_sorted's order (areas ascending, the AS
 * scope last).  O(n log n + bytes of the LSAs); b marked failed when memory
 * runs out. */
void lsdbdoc_write(const struct lsdb *db, uint64_t version, uint64_t now_ms, struct sbuf *b);

/* Parse doc[0..len) (need not be NUL-terminated) into a new database.
 * *version and *time_ms (either may be NULL) receive the document's.
 * NULL with a message in err when the document is not one. */
struct lsdb *lsdbdoc_read(const char *doc, size_t len, uint64_t *version, uint64_t *time_ms,
                           char *err, size_t errlen);

/* Load path: a snapshot file (snapshot_magic) or a database
 * document.  A snapshot is taken at the time it was saved (*time_ms; its
 * *version is 0); a damaged snapshot is refused, not half loaded.  NULL
 * with a message in err. */
struct lsdb *lsdbdoc_load(const char *path, uint64_t *version, uint64_t *time_ms,
                           char *err, size_t errlen);

#endif
