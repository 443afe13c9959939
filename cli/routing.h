/*
 * Routing a traffic matrix over a topology, for the anemone command: the
 * measured ingress -> egress router pairs of a window placed on a link-state
 * database the way the collector places flows (lib/place.h: OSPF
 * routes router by router, equal-cost splits in integers), so that loads
 * computed here and loads the collector counted agree when the topology is
 * the one the traffic crossed.
 *
 * A pair is routed towards its egress router's own prefix: the longest
 * stub prefix no other router lists (a loopback, the router's LAN), else a
 * transit network it is DR of, else a summary or external it originates.
 * A pair whose ingress or egress is gone, or that has no route, is
 * unreachable (with the placement's reason).
 */
#ifndef ANEMONE_ROUTING_H
#define ANEMONE_ROUTING_H

#include <stdint.h>

#include "lsdb.h"
#include "place.h"
#include "topo.h"

struct net {
	struct lsdb *db;
	struct topo *t;
	struct topo *t6;             /* the OSPFv3 topology (no router: none) */
	struct placer *pl;
	uint64_t time_ms;
};

struct pair_load {
	uint32_t i, e;
	uint64_t bytes, packets, flows;
};

struct link_load {
	uint32_t a, b;               /* directed, router ids */
	uint32_t net;                /* the transit network crossed, 0: p2p */
	uint64_t bytes, packets;
};

struct unreach {
	uint32_t i, e;
	uint64_t bytes, packets;
	const char *why;
};

struct routed {
	struct link_load *links;     /* sorted by (a, b, net), merged */
	unsigned nlinks;
	struct unreach *un;
	unsigned nun;
};

/* Takes db (freed by net_close).  -1 when memory ran out. */
int net_open(struct net *n, struct lsdb *db, uint64_t time_ms);
void net_close(struct net *n);

/* Whether router id has a router-LSA. */
int net_has_router(const struct net *n, uint32_t id);

/* The address a pair towards router e is routed to (host order), or 0. */
uint32_t net_dest_of(const struct net *n, uint32_t e);

/* Route one pair: out as place_flow fills it; returns out->reason, or
 * PLACE_NO_ROUTE when e has no prefix of its own. */
int net_route_pair(struct net *n, uint32_t i, uint32_t e, uint64_t bytes, uint64_t packets,
                   struct place_out *out);

/* Route every pair; out is the caller's, free with routed_free. */
void net_route_matrix(struct net *n, const struct pair_load *p, unsigned np, struct routed *out);
void routed_free(struct routed *r);

/* The cost of the hop a -> b (over transit network `via`, or p2p when 0);
 * 0 when the topology has no such link. */
uint32_t net_link_cost(const struct net *n, uint32_t a, uint32_t b, uint32_t via);

/* Add to a link list (unsorted); links_merge sorts and merges it, by
 * (a, b, net), or by (a, b) alone when by_pair (net becomes 0): the links
 * as the collector counts them, "A-B". */
void link_add(struct link_load **l, unsigned *n, unsigned *cap, uint32_t a, uint32_t b,
              uint32_t net, uint64_t bytes, uint64_t packets);
void links_merge(struct link_load *l, unsigned *n, int by_pair);

#endif
