/*
 * The topology an OSPF link-state database describes, in the terms a network
 * engineer uses: per area the routers, the links between them with the cost
 * in each direction, the transit (broadcast) networks, and the prefixes with
 * the router that owns them; AS-external routes; and what is missing (LSAs
 * that other LSAs refer to but the database does not hold), which says how
 * complete a passive listener's view is.  Two topologies are compared into
 * events (router appeared, link removed, cost changed, ...): a refreshed LSA
 * builds the same topology and so yields no event.
 *
 * Links: a point-to-point or virtual link is one entry per pair of router
 * interfaces, a < b by router id, "two-way" when both routers list it (the
 * RFC 2328 16.1 two-way check); parallel links are paired by the stub subnet
 * their addresses share, else in address order: per router pair, the k-th
 * end of the lower router in address order with the k-th of the other among
 * the ends the same most specific stub subnet of the lower router holds,
 * then k-th with k-th among the rest.  A stub subnet is a stub link of a
 * contiguous mask of 0 to 31 bits; a non-contiguous mask names no subnet
 * (RFC 4632 5.1) and pairs nothing.  A link only one side lists
 * is kept as one-way (b_addr and cost_ba 0), a is then the router listing it.
 * A router's link to a transit network is one entry (a = router, b = the
 * network's id, the DR's interface address), two-way when the network-LSA
 * lists the router.  A router is "up" when it has a two-way link, or is the
 * only router of its area.
 */
#ifndef ANEMONE_TOPO_H
#define ANEMONE_TOPO_H

#include <stdbool.h>
#include <stdint.h>

#include "lsdb.h"
#include "sbuf.h"

struct topo_router {
	uint32_t area, id;
	uint8_t  flags;              /* LSA_ROUTER_B/E/V/NT (OSPFv3's flags have
	                                the same bits) */
	bool     up;
	bool     v3;                 /* of an OSPFv3 topology (topo6_build) */
};

struct topo_link {
	uint32_t area;
	uint8_t  type;               /* LINK_P2P, LINK_TRANSIT, LINK_VIRTUAL */
	bool     two_way;
	bool     v3;                 /* OSPFv3: the addresses are interface ids */
	uint32_t a, b;               /* routers; transit: router, network id
	                                (OSPFv3: the DR's router id) */
	uint32_t a_addr, b_addr;     /* interface addresses (link data); transit: b_addr 0
	                                (OSPFv3: interface ids; transit: b_addr the
	                                DR's interface id, which with b names the
	                                network) */
	uint32_t cost_ab, cost_ba;   /* transit: cost_ba 0 (leaving a network costs nothing) */
};

struct topo_network {
	uint32_t area, id, mask, dr; /* OSPFv3: id the DR's interface id, mask 0 */
	unsigned first, n;           /* attached routers: topo.att[first .. first+n) */
};

enum topo_prefix_kind {
	TP_STUB = 0,                 /* router-LSA stub link */
	TP_TRANSIT,                  /* a transit network's prefix; router = the DR */
	TP_SUMMARY,                  /* type 3; router = the ABR */
	TP_ASBR_SUMMARY,             /* type 4: the ASBR as a /32; router = the ABR */
	TP_NSSA,                     /* type 7 */
	TP_EXTERNAL,                 /* type 5; area LSDB_AS_SCOPE */
};

struct topo_prefix {
	uint32_t area;
	uint8_t  kind;               /* enum topo_prefix_kind */
	bool     e2;                 /* NSSA/external: type 2 metric */
	uint32_t prefix, mask, router;   /* OSPFv3: prefix and mask 0 (but for
	                                an ASBR summary: the ASBR as a /32) */
	uint32_t cost;               /* metric */
	uint32_t fwd, tag;           /* NSSA/external */
	bool     v3;                 /* of an OSPFv3 topology: an IPv6 prefix,
	                                p6/plen and fwd6 (an ASBR summary: prefix
	                                and mask as above) */
	uint8_t  plen;
	uint8_t  p6[16], fwd6[16];   /* network order; fwd6 all zero: none */
};

enum topo_missing_kind { TM_ROUTER = 0, TM_NETWORK };

struct topo_missing {
	uint32_t area;
	uint8_t  kind;               /* enum topo_missing_kind */
	uint32_t id;
};

/* Every array is sorted by its key (area first), elements of one key by
 * their contents (topo_link_order, topo_prefix_order). */
struct topo {
	uint64_t time_ms;            /* the database time it was built at */
	uint64_t work;               /* elementary steps topo_build took (each
	                                element visited, each comparison of a
	                                sort or search counted): its cost, for
	                                the statistics and for tests */
	struct topo_router *r;   unsigned nr;
	struct topo_link *l;     unsigned nl;
	struct topo_network *n;  unsigned nn;
	uint32_t *att;           unsigned natt;
	struct topo_prefix *p;   unsigned np;
	struct topo_missing *m;  unsigned nm;
	/* How the database was filled, as its owner knows it (ospfmon sets
	 * these after topo_build; zero otherwise): */
	uint64_t lsas_refused;       /* LSAs the database had no room for */
	uint64_t unverified;         /* OSPF packets accepted without a verified digest */
	bool authenticated;          /* keys configured and every packet accepted
	                                verified by one */
	bool v3;                     /* an OSPFv3 topology (topo6_build) */
	const struct topo *v6;       /* rendered with this one (topo_json,
	                                topo_text): the network's OSPFv3 topology,
	                                borrowed (not freed with it), or NULL */
};

struct topo_completeness {
	unsigned routers;            /* distinct router ids with a router-LSA */
	unsigned missing_routers, missing_networks;
	uint64_t lsas_refused, unverified;   /* as in struct topo */
	bool authenticated;
	bool complete;               /* something seen, nothing missing, nothing
	                                refused */
};

/* Build the topology of db as it stands at now_ms (MaxAge LSAs are left
 * out), from its OSPFv2 LSAs.  NULL when memory ran out.  O(n log n) in
 * the LSAs. */
struct topo *topo_build(const struct lsdb *db, uint64_t now_ms);

/*
 * The same from the OSPFv3 LSAs (RFC 5340), t->v3 set: routers (one per
 * area and id, whatever the number of its router-LSAs; flags of the lowest
 * link state id), point-to-point and virtual links paired exactly (A's
 * interface i to B's interface j, and B's j to A's i: two-way; else
 * one-way, b_addr 0), transit links to (DR, DR's interface id), two-way
 * when the network-LSA lists the router, networks (id the DR's interface
 * id, dr the DR), prefixes (intra-area-prefix-LSAs: a router's stub or a
 * network's, "transit", router the DR; inter-area-prefix: summary;
 * inter-area-router: an ASBR summary, the ASBR as a /32; AS-external and
 * NSSA with their forwarding address and tag), prefixes with the NU bit
 * left out; what is missing (a router-LSA a link refers to; a network-LSA:
 * its DR's router id).  A router is up as in topo_build.  NULL when memory
 * ran out.  O(n log n) in the OSPFv3 LSAs.
 */
struct topo *topo6_build(const struct lsdb *db, uint64_t now_ms);
void topo_free(struct topo *t);

void topo_completeness(const struct topo *t, struct topo_completeness *c);

/* The orders of a topology's arrays, for qsort: routers by (area, id);
 * links by key (area, type, a, b, a_addr, b_addr) then costs and two_way;
 * prefixes by key (area, kind, prefix, mask, router) then cost, e2, fwd,
 * tag.  Total orders: elements of one key (a router listing a stub twice
 * with two metrics) come out in one order whatever sorted them. */
int topo_router_order(const void *a, const void *b);
int topo_link_order(const void *a, const void *b);
int topo_prefix_order(const void *a, const void *b);

/*
 * The pairing of a link group's ends (one area, type and router pair),
 * the one rule topo_build and topo_live follow: side A's ends are
 * [0, na), side B's [na, na + nb), each side in address order; sub[i] is
 * the stub subnet of the lower router that end i's address lies in (any
 * number naming it; 0: none).  First the ends in one subnet, the k-th of
 * each side (in address order within it) with the k-th; then k-th with
 * k-th among the rest.  Sets used[i] for every end paired, writes the
 * pairs (A's index, B's index) into pair[] (room for min(na, nb)) and
 * returns how many; UINT_MAX when memory ran out.  O(g log g) for g
 * ends, added to *work.
 */
unsigned topo_pair_ends(const uint64_t *sub, unsigned na, unsigned nb, bool *used,
                        unsigned (*pair)[2], uint64_t *work);

/* Whether two topologies hold the same elements in the same order (time,
 * work and what their owner sets aside).  O(n). */
bool topo_equal(const struct topo *a, const struct topo *b);

/* The topology as one JSON document (redis/SCHEMA.md), or as text. */
void topo_json(const struct topo *t, uint64_t version, struct sbuf *b);
void topo_text(const struct topo *t, struct sbuf *b);

enum topo_event_type {
	TE_ROUTER_APPEARED = 0, TE_ROUTER_DISAPPEARED, TE_ROUTER_CHANGED,
	TE_LINK_ADDED, TE_LINK_REMOVED, TE_COST_CHANGED,
	TE_PREFIX_ADDED, TE_PREFIX_REMOVED, TE_PREFIX_CHANGED,
	TE_EXTERNAL_ADDED, TE_EXTERNAL_REMOVED, TE_EXTERNAL_CHANGED,
	TE_MAX
};

/* One difference between two topologies.  Exactly one pair of pointers is
 * used; "old" is NULL for an addition, "new" NULL for a removal. */
struct topo_event {
	uint8_t type;                /* enum topo_event_type */
	uint32_t area;               /* LSDB_AS_SCOPE for AS-external routes */
	const struct topo_router *r_old, *r_new;
	const struct topo_link *l_old, *l_new;
	const struct topo_prefix *p_old, *p_new;
};

typedef void (*topo_event_fn)(void *ctx, const struct topo_event *ev);

/*
 * Call fn for every difference from old to new, in a stable order (routers,
 * links, prefixes; each by key; elements of one key are paired in their
 * order, the extra ones added or removed).  Only "up" routers and two-way
 * links count: a router whose last adjacency went disappears, a link one
 * side dropped is removed.  old NULL: every element of new is an addition.
 * The arrays need only be sorted: topo_live_commit passes partial
 * topologies, each key's elements whole.  O(n): returns the elements it
 * looked at.
 */
uint64_t topo_diff(const struct topo *old, const struct topo *new, topo_event_fn fn, void *ctx);

const char *topo_event_name(enum topo_event_type t);   /* "router-appeared", ... */

/* The event as one JSON object: time, event, area (none for AS-external
 * routes), the element and, for a change, its old state. */
void topo_event_json(const struct topo_event *ev, uint64_t time_ms, struct sbuf *b);

/* A text key naming the element an event is about (for flap counting). */
void topo_event_key(const struct topo_event *ev, char *buf, size_t len);

#endif
