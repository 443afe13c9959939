/*
 * Placing a flow on the OSPF topology: which router it entered at, which
 * router(s) it left from, and how many bytes and packets crossed each link
 * in each direction, as OSPF routes it.
 *
 * A placer is built from a link-state database (placer_build) and keeps a
 * pointer to it: the database must outlive the placer and not change while
 * it is used (build a new placer for a new database).  From the database:
 *   - the routers (topo_build);
 *   - an interface map, address -> router: every point-to-point interface
 *     address, every router interface on a transit network (with the
 *     network), and every router id (used only when no interface has the
 *     address);
 *   - an ownership table for longest-prefix match: stub networks (the
 *     router listing them), transit networks (the DR), summary prefixes
 *     (the ABR originating them), NSSA and AS-external prefixes (the ASBR;
 *     when the ASBR is in an area the database does not hold -- it has no
 *     router-LSA -- the ABRs originating an ASBR-summary for it stand in);
 *   - the routing table of each router, spf_routes as that router computes
 *     it, computed the first time a flow passes through the router and kept.
 *
 * IPv6 flows are placed the same way on the database's OSPFv3 LSAs (RFC
 * 5340; one database holds both versions, lib/lsdb.h): the routers are
 * the union of both versions' (the same router id is the same router);
 * the ownership table comes from intra-area-prefix-LSAs (a prefix of a
 * router-LSA: that router's stub; of a network-LSA: its DR's transit
 * network), inter-area-prefix-LSAs (the ABR), AS-external- and NSSA-LSAs
 * (the ASBR, or the ABRs with an inter-area-router-LSA for it when it is
 * not held); prefixes with the NU bit are left out.  Routing tables are
 * spf6_routes's, whose next hops name their router, so no interface map
 * is needed; a hop over a transit network is named by the OSPFv2 network
 * with the same attached routers (one LAN is one link for both families),
 * else by the OSPFv3 DR's router id.  A link-local next hop given by the
 * exporter pins the first hop as an IPv4 one does (the neighbour whose
 * link-LSA has the address).  A router divides IPv6 traffic among its
 * next hops in the order of (neighbour's router id, its own interface id),
 * not of link-local addresses: a monitor knows those only for the links it
 * hears (link-LSAs have link scope), and the shares must not depend on
 * where it listens.  No graph cache: each IPv6 flow is walked.
 * A database without OSPFv3 routers leaves IPv6 flows unrouted, "ipv6".
 *
 * place_flow (IPv4, and IPv6 as above):
 *   1. Ingress: in->ingress when the caller knows the exporter's router.
 *      Then, if in->nexthop is an address of another router adjacent to the
 *      ingress (interface map; a p2p link or a shared transit network), the
 *      first hop is pinned: ingress -> that router over their link, all of
 *      the flow; the walk below starts there.  A nexthop that is not such an
 *      address is ignored.  Without in->ingress: the owner of the longest
 *      prefix in the ownership table that matches the source; several
 *      owners of that prefix: a router's own (stub; a transit network's
 *      DR) before a summary before an external, and of those the lowest
 *      router id (a p2p subnet both ends list, a summary from two ABRs;
 *      with every area held, a stub of area 1 enters at its router, not at
 *      an ABR summarising it).
 *   2. Egress: from the ingress, router by router.  At router R the longest
 *      route for the destination in R's table (L) and the longest prefix R
 *      owns that matches it (O) decide: R is an egress when L is directly
 *      attached, or O is longer than L (or there is no L), or O is as long
 *      as L and is R's stub or R's NSSA/AS-external prefix, or R's summary
 *      while L is not intra-area and no router of the topology has the
 *      prefix as its stub or transit network (R's own summary or external
 *      is how R says "I deliver this"; its own table never holds them, RFC
 *      2328 16.2 and 16.4 skip self-originated LSAs; with the area behind
 *      the summary held too, the traffic goes on to the prefix's router).  Else the traffic R holds is
 *      divided evenly among L's next hops (each mapped to its router by the
 *      interface map): for k next hops in ascending address order, each
 *      gets b/k bytes and the first b%k one more; packets alike; so the
 *      totals stay exact.  Traffic that reaches a router along several
 *      paths is added up before that router divides it (routers are taken
 *      in topological order of the forwarding graph).  A cycle in the
 *      forwarding graph, or a path longer than PLACE_MAX_HOPS: "loop".
 *      No route at a router on the way: "no-route" for the whole flow; a
 *      next hop no interface has: "unknown-nexthop".
 *   3. Output: the directed links crossed (router a to router b; net the
 *      transit network's id when the hop crosses one, else 0), merged, and
 *      the (ingress, egress) pairs, merged; both without entries of 0
 *      bytes and 0 packets, links sorted by (a, b, net), pairs by egress.
 *      A flow delivered by its ingress router has one pair and no links.
 *
 * Cost: O(routers visited * next hops * log n) per flow, no allocation but
 * the first routing table of each router.  Not thread-safe (the placer has
 * the per-flow scratch space).
 */
#ifndef ANEMONE_PLACE_H
#define ANEMONE_PLACE_H

#include <stdbool.h>
#include <stdint.h>

#include "flow.h"
#include "lsdb.h"

#define PLACE_MAX_LINKS 64           /* links one flow can cross */
#define PLACE_MAX_PAIRS 16           /* egresses one flow can have */
#define PLACE_MAX_HOPS  64           /* a longer path is taken as a loop */

enum place_reason {
	PLACE_OK = 0,
	PLACE_NO_TOPOLOGY,           /* no placer, or no router in it */
	PLACE_IPV6,                  /* an IPv6 flow, and the database has no
	                                OSPFv3 router (OSPFv2 routes IPv4 only) */
	PLACE_BAD_FAMILY,            /* af neither AF_INET nor AF_INET6 */
	PLACE_UNKNOWN_INGRESS,       /* in->ingress is not a router of the topology */
	PLACE_NO_SOURCE_PREFIX,      /* no OSPF prefix matches the source */
	PLACE_NO_ROUTE,              /* a router on the way has no route to dst */
	PLACE_UNKNOWN_NEXTHOP,       /* a route's next hop is no router's interface */
	PLACE_LOOP,                  /* forwarding loop, or more than PLACE_MAX_HOPS */
	PLACE_TOO_MANY_PATHS,        /* more than PLACE_MAX_LINKS or _PAIRS entries */
	PLACE_REASON_MAX
};

struct place_in {
	uint8_t af;                  /* AF_INET or AF_INET6 */
	union anm_addr src, dst;     /* network order (lib/flow.h) */
	union anm_addr nexthop;      /* network order; 0 if unknown */
	uint32_t ingress;            /* router id (host order), 0 if unknown */
	uint64_t bytes, packets;
};

struct place_link {
	uint32_t a, b;               /* router ids: traffic from a to b */
	uint32_t net;                /* transit network id crossed, else 0 */
	uint64_t bytes, packets;
};

struct place_pair {
	uint32_t ingress, egress;
	uint64_t bytes, packets;
};

/* Caller-owned; place_flow fills it in (nlinks = npairs = 0 when unrouted). */
struct place_out {
	uint8_t reason;              /* enum place_reason */
	bool pinned;                 /* the first hop came from the nexthop */
	uint32_t ingress;            /* 0 when unknown */
	uint32_t dst_prefix;         /* the longest OSPF prefix matching dst, host */
	uint8_t dst_plen;            /* order, and its length (0: none) */
	uint8_t dst_prefix6[16];     /* IPv6: the longest OSPFv3 prefix matching
	                                dst (its length dst_plen) */
	unsigned nlinks, npairs;
	struct place_link links[PLACE_MAX_LINKS];
	struct place_pair pairs[PLACE_MAX_PAIRS];
};

struct placer_stats {
	unsigned routers, interfaces, prefixes;
	unsigned tables;             /* routing tables computed so far */
};

struct placer;

/* NULL when memory ran out.  An empty database gives a placer that places
 * nothing ("no-topology"). */
struct placer *placer_build(const struct lsdb *db, uint64_t now_ms);
void placer_free(struct placer *pl);

/* Returns out->reason: PLACE_OK, or why the flow is unrouted. */
int place_flow(struct placer *pl, const struct place_in *in, struct place_out *out);

void placer_stats(const struct placer *pl, struct placer_stats *st);

const char *place_reason_name(enum place_reason r);  /* "no-route", ... */

/* The router with interface address (or router id) addr, host order; 0 if
 * none: the router an exporter's records enter at when its address is one
 * of the router's. */
uint32_t placer_router_of(const struct placer *pl, uint32_t addr);

unsigned placer_routers(const struct placer *pl);

/* The routers router r is adjacent to (a point-to-point link, net 0, or a
 * transit network, net its id): how many, the first max into nbr and net.
 * O(log n + adjacencies). */
unsigned placer_adjacent(const struct placer *pl, uint32_t r, uint32_t *nbr, uint32_t *net,
                         unsigned max);

/* The routers other than self with an interface address in prefix/mask
 * (host order; router ids are not interface addresses): how many, the
 * first max of them into out (by address); *net the transit network an
 * interface in the subnet is on (its network-LSA id), 0 when none (a
 * point-to-point subnet).  O(log n + interfaces in the subnet). */
unsigned placer_subnet(const struct placer *pl, uint32_t prefix, uint32_t mask, uint32_t self,
                       uint32_t *out, unsigned max, uint32_t *net);

/* The OSPFv3 cost of the hop from router a to router b over transit
 * network net (as links name it), or point to point (net 0): the least
 * metric of a's interfaces there; 0 when a has none.  O(interfaces). */
uint32_t placer_cost6(const struct placer *pl, uint32_t a, uint32_t b, uint32_t net);

/* Turn the graph cache off (or on again, emptied): for the test that checks
 * the cache gives what the walk gives. */
void placer_cache(struct placer *pl, bool on);

#endif
