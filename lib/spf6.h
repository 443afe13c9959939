/*
 * Shortest paths for IPv6 over an OSPFv3 link-state database, as a given
 * router would compute them (RFC 5340 4.8, which keeps RFC 2328 16):
 * per-area Dijkstra over router- and network-LSAs with equal-cost paths and
 * the two-way check, intra-area routes from intra-area-prefix-LSAs,
 * inter-area routes from inter-area-prefix- and inter-area-router-LSAs,
 * AS-external routes of type 1 and 2 with forwarding addresses, and NSSA
 * routes (RFC 3101).  The OSPFv3 counterpart of spf.h, over the same
 * database (the OSPFv2 LSAs in it are not looked at), with the same route
 * types and the same preference between paths (spf_common.h).
 *
 * The graph (RFC 5340 4.8.1).  A router vertex is a router id, with the
 * interfaces of all its router-LSAs in the area (a router may originate
 * several, with different link state ids); its options and flags are those
 * of the one with the lowest link state id.  A transit network vertex is
 * (DR's router id, DR's interface id), its network-LSA's key.  Edges, each
 * used only when the far end lists the near one back (two-way): a
 * point-to-point or virtual interface to (neighbour, neighbour's interface
 * id), whose neighbour has an interface of the same type back to (this
 * router, this interface id); a transit interface to (DR, DR's interface
 * id), whose network-LSA lists this router; from a network to each router
 * it lists that has a transit interface to it, at cost 0.  A router other
 * than root whose options lack R or V6 is a destination but never a
 * transit (RFC 5340 A.2): its interfaces are not followed.
 *
 * Next hops (RFC 5340 4.8.2, RFC 2328 16.1.1).  A router reached from root
 * over root's point-to-point interface I, or across a network root is on
 * (root's interface I), is a next hop {its link-local address, I, its
 * router id}; the address comes from its link-LSA on that link in the area
 * (link state id: its interface id on the link), all zero without one.  A
 * network root is on is attached (no next hop).  Everything farther inherits
 * the next hops of the vertices it is reached through, merged over equal-
 * cost paths (at most SPF_MAX_NEXTHOPS, the lowest kept).  A neighbour over
 * a virtual link is reached by the next hops root has to it in a transit
 * area (an area other than the backbone where root's router-LSA has the V
 * flag and the neighbour is reached; the nearest).
 *
 * Routes.  Intra-area: each prefix of an intra-area-prefix-LSA that refers
 * to a reached router (referenced type 0x2001, referenced router = the
 * LSA's advertising router) or network (0x2002, referenced link state id
 * and router = the network-LSA's key, advertising router the DR), at the
 * vertex's distance plus the prefix's metric; attached when the vertex is
 * root or a network root is on.  Inter-area (RFC 2328 16.2): the
 * inter-area-prefix-LSAs of each area root is in -- of the backbone only
 * when root is an area border router (in the backbone and another area) --
 * from a router with the B flag reached in that area, at its distance plus
 * the metric; inter-area-router-LSAs likewise give paths to ASBRs in other
 * areas.  External (16.4): AS-external-LSAs when one of root's router-LSAs
 * has the E option (root is in an area that carries them), and the
 * NSSA-LSAs of each area root is in (RFC 3101), from an ASBR (E flag)
 * reached in an area root is in (NSSA: in that area), or, for AS-external,
 * through an inter-area-router path; with the F bit and a forwarding
 * address other than ::, at the cost of, and through, the intra- or
 * inter-area route that matches the forwarding address longest (none: no
 * route).  E1/N1 cost: the distance to ASBR or forwarding address plus the
 * metric; E2/N2: cost the distance, type2_cost the metric.  LSAs at MaxAge,
 * LSAs root originated, metrics of LSInfinity (0xffffff) and prefixes with
 * the NU option take no part.  Between paths to one prefix: intra-area,
 * then inter-area, then E1/N1, then E2/N2, then the costs; equally good
 * paths merge their next hops.
 */
#ifndef ANEMONE_SPF6_H
#define ANEMONE_SPF6_H

#include <stdint.h>

#include "lsdb.h"
#include "spf.h"        /* enum route_type, SPF_MAX_NEXTHOPS */

/* A next hop: a neighbour on a link of root's. */
struct nh6 {
	uint8_t  addr[16];           /* the neighbour's link-local address, from its
	                                link-LSA on that link; all zero if it has none */
	uint32_t ifid;               /* root's interface id on that link (FRR: the
	                                ifindex) */
	uint32_t router;             /* the neighbour's router id */
};

struct route6 {
	uint8_t  prefix[16];         /* network order; bits past plen zero */
	uint8_t  plen;               /* 0..128 */
	uint8_t  type;               /* enum route_type */
	uint32_t cost;               /* E2/N2: the cost to the ASBR/forwarding address */
	uint32_t type2_cost;         /* E2/N2: the external metric; else 0 */
	uint32_t area;               /* intra/inter: the area the path lies in;
	                                external: that of the path to the ASBR
	                                (0 through an inter-area-router-LSA) */
	uint8_t  attached;           /* directly attached: no next hop */
	uint8_t  nnh;
	struct nh6 nh[SPF_MAX_NEXTHOPS];  /* sorted by (addr, ifid, router) */
	uint32_t up;                 /* 1 + the index of the longest other route
	                                whose prefix holds this one's, 0 if none
	                                (set by route6_table_index, for
	                                route6_lookup) */
};

struct route6_table {
	struct route6 *r;            /* sorted by prefix, then plen */
	unsigned n, cap;
};

/*
 * Compute root's IPv6 routing table from the OSPFv3 LSAs of db into rt
 * (emptied first; its array is reused).  Returns 0, or -1 if root has no
 * OSPFv3 router-LSA in any area (rt left empty) or memory ran out (rt may
 * hold part of the table).  The table comes sorted and indexed
 * (route6_table_index).  Cost: O(A * (V log V + E * D)) for A areas, V
 * vertices, E interfaces and D the most interfaces of one router (the
 * two-way checks), as spf_routes; plus O(P) for the P prefixes of the
 * prefix-LSAs, an external one with a forwarding address O(129) more (its
 * look-up), and O(R log R) for the R routes.
 */
int spf6_routes(const struct lsdb *db, uint32_t root, struct route6_table *rt);

void route6_table_free(struct route6_table *rt);

/*
 * Sort rt->r by prefix then plen and set each route's up.  spf6_routes
 * does it; call it on a table built or changed by other means before
 * route6_lookup.  Two routes with the same prefix and length are a caller
 * bug (the second is never found).  Cost: O(n log n).
 */
void route6_table_index(struct route6_table *rt);

/*
 * The route whose prefix holds addr (16 octets, network order) with the
 * longest length, or NULL if none; rt as route6_table_index left it.
 * Cost: O(log n + d), d (at most 128) the number of routes nested around
 * the one addr sorts after (a binary search, then a walk up the up chain).
 */
const struct route6 *route6_lookup(const struct route6_table *rt, const uint8_t addr[16]);

#endif
