/*
 * Getting a link-state database for the collector: from the database
 * document anemone-ospfmon publishes (the ospf:lsdb key, or the file of
 * --lsdb-file; redis/SCHEMA.md), or from an ospfmon snapshot file
 * ("ANMLSDB1", lib/snapshot.h).
 *
 * The document is read by a small strict parser: exactly the shape
 *   {"version":N,"time_ms":T,"lsas":[{"area":"a.b.c.d"|null,"age":N,"hex":"..."},...]}
 * (members in any order, each once, whitespace anywhere JSON allows it; no
 * other member, no string escapes, integers without sign, fraction or
 * exponent).  Anything else is refused with a message naming the byte
 * offset.  Every LSA is checked by lsa_decode (length, Fletcher checksum,
 * body), its area must agree with its type (null exactly for the AS-scoped
 * types 5 and 11), and it is installed at time_ms with its "age" (an LSA at
 * MaxAge is left out).
 */
#ifndef ANEMONE_TOPOLOAD_H
#define ANEMONE_TOPOLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "lsdb.h"

#define TOPOLOAD_MAX_LSAS 200000     /* LSAs in one database, as ospfmon holds */
#define TOPOLOAD_MAX_FILE (256u << 20)  /* a document file larger is refused */

/* Parse doc[0..len) (need not be NUL-terminated) into a new database.
 * *version and *time_ms (either may be NULL) receive the document's.
 * NULL with a message in err when the document is not one. */
struct lsdb *topoload_json(const char *doc, size_t len, uint64_t *version, uint64_t *time_ms,
                           char *err, size_t errlen);

/* Load path: a snapshot file (starts with "ANMLSDB1") or a database
 * document.  A snapshot is taken at the time it was saved (*time_ms; its
 * *version is 0); a damaged snapshot is refused, not half loaded.  NULL
 * with a message in err. */
struct lsdb *topoload_file(const char *path, uint64_t *version, uint64_t *time_ms,
                           char *err, size_t errlen);

#endif
