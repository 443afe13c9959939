/*
 * What-if scenarios on a link-state database: a copy of the database with
 * links or routers failed or costs changed, as the routers would flood it,
 * so that everything computed from a database (SPF, placement, the
 * topology) sees the changed network.
 *
 *   fail link A-B (two routers): every point-to-point link between A and B
 *     leaves both router-LSAs, with the stub of its subnet (the interface is
 *     down).  Routers that only share a transit network (a LAN) have no link
 *     of their own to fail: that is an error (fail one's attachment, A-NET).
 *   fail link R-NET (a router and a transit network, NET its id -- the DR's
 *     interface address -- or any address of its prefix): R's interface on
 *     it is down: R's transit link goes, and R leaves the network-LSA.  The
 *     network-LSA stays (whoever is DR next originates the same content);
 *     when fewer than two routers remain, it goes and the one left lists the
 *     network as a stub.
 *   fail router R: every LSA R originates goes (a network-LSA it originated
 *     as DR stays, without R, as above); every router's link to R goes, and
 *     R leaves every network-LSA.
 *   cost A-B=N: the cost of A's interface(s) towards B (a point-to-point
 *     link, its stub too) -- one direction, as "ip ospf cost" on A; towards
 *     a transit network (A-NET, or B a router sharing only a LAN with A):
 *     A's cost onto that network.
 * Changes apply in order; sequence numbers are left as they are (the copy
 * is a new database, not an update of the old one).
 */
#ifndef ANEMONE_SCENARIO_H
#define ANEMONE_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "lsdb.h"

enum scen_kind { SC_FAIL_LINK, SC_FAIL_ROUTER, SC_COST };

struct scen_change {
	enum scen_kind kind;
	uint32_t a;                  /* router id (host order) */
	uint32_t b;                  /* router id, or a transit network's id when net */
	int net;                     /* b is a network */
	uint32_t cost;               /* SC_COST */
};

/* The network-LSA (its id, host order) of the transit network holding
 * address addr (its id or any address of its prefix), or 0. */
uint32_t scen_network_of(const struct lsdb *db, uint32_t addr);

/* A new database: db with the changes.  NULL with a message in err when a
 * change names something the database does not have (a router without a
 * router-LSA, routers without a link between them) or memory ran out. */
struct lsdb *scen_apply(const struct lsdb *db, uint64_t now_ms, const struct scen_change *ch,
                        unsigned n, char *err, size_t errlen);

#endif
