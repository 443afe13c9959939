/*
 * What anemone-ospfmon prints (--dump) and publishes besides the topology:
 * the link-state database (text, or JSON with one object per LSA), a
 * router's routes, and the database as hex-encoded LSAs for collectors that
 * rebuild it and run SPF themselves.
 */
#ifndef OSPFMON_DUMP_H
#define OSPFMON_DUMP_H

#include <stdbool.h>
#include <stdint.h>

#include "lsdb.h"
#include "sbuf.h"
#include "topo.h"

void dump_lsdb(const struct lsdb *db, uint64_t now_ms, bool json);
/* Returns 0, or 1 (after a message) when root is not in the database. */
int dump_routes(const struct lsdb *db, uint32_t root, bool json);
/* The same for the IPv6 routes of root's OSPFv3 (lib/spf6.h): each with its
 * area (null for externals) and next hops {via: link-local address, ifid:
 * root's interface id, router}. */
int dump_routes6(const struct lsdb *db, uint32_t root, bool json);
void dump_topology(const struct topo *t, uint64_t version, bool json);


#endif
