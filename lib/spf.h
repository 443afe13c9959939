/*
 * Shortest paths over an OSPF link-state database, as a given router would
 * compute them (RFC 2328 section 16): per-area Dijkstra with equal-cost
 * paths and the two-way check, transit and stub networks (16.1),
 * inter-area routes from summary LSAs (16.2), AS-external routes of type 1
 * and 2 with forwarding addresses (16.4), and NSSA type-7 routes (RFC 3101).
 * The collector's what-if will run it on modified databases too.
 */
#ifndef ANEMONE_SPF_H
#define ANEMONE_SPF_H

#include <stdint.h>
#include "lsdb.h"

#define SPF_MAX_NEXTHOPS 16

enum route_type { RT_INTRA = 0, RT_INTER, RT_E1, RT_E2, RT_N1, RT_N2 };

struct route {
	uint32_t prefix, mask;       /* host order; prefix already masked */
	uint8_t  type;               /* enum route_type */
	uint32_t cost;               /* E2/N2: the cost to the ASBR/forwarding address */
	uint32_t type2_cost;         /* E2/N2: the external metric; else 0 */
	uint32_t area;               /* intra/inter: the area the path lies in */
	uint8_t  attached;           /* directly attached: no next hop */
	uint8_t  nnh;
	uint32_t nh[SPF_MAX_NEXTHOPS]; /* next-hop addresses, ascending */
};

struct route_table {
	struct route *r;             /* sorted by prefix, then mask */
	unsigned n, cap;
};

/*
 * Compute root's routing table from db into rt (emptied first).  Returns 0,
 * or -1 if root has no router-LSA in any area (rt is left empty) or memory
 * ran out.  Cost: O(A * (V log V + E)) for A areas, plus the summary and
 * external LSAs.
 */
int spf_routes(const struct lsdb *db, uint32_t root, struct route_table *rt);

void route_table_free(struct route_table *rt);

const char *route_type_name(enum route_type t);   /* "intra", "inter", "E1", ... */

#endif
