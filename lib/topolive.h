/*
 * The topology of a link-state database kept up to date one LSA at a time:
 * what topo_build (topo.h) would build from the database, maintained as
 * each LSA is added, changed or removed, and the events of the changes
 * since the last commit, which are those topo_diff would report between
 * the full topologies before and after.
 *
 * Each LSA's contribution is kept (a router-LSA's flags, point-to-point
 * and virtual link ends, stubs and transit links; a network-LSA's attached
 * routers; a summary's or external's prefix), with what the pairing and
 * the two-way checks derive from it: the links between each pair of
 * routers (recomputed from both routers' ends when either changes), the
 * two-way state of transit links (when their router or network changes),
 * routers' "up" (a count of their two-way links, or alone in the area),
 * and what is missing (counts of references to each router and network).
 * An element the changes touch is saved as it was at the last commit; the
 * commit compares those with their present state, nothing else.
 *
 * Cost: changing an LSA of L links costs O(L log L) plus, for each router
 * it is linked to, O(g log g) for the g link ends the two have towards each
 * other, plus O(log n) a look-up (treaps with random priorities, n the
 * elements held); a network-LSA of k routers O((k + their transit links to
 * it) log n).  Elements that share a key (a prefix several LSAs give) are
 * handled as one group, so their number counts too.  The commit costs
 * O(d log d) in the elements saved; topo_live_topo, the whole topology,
 * O(n log n).  Every step is counted (topo_live_work).
 *
 * Not thread-safe.  When memory runs out the live topology is no longer
 * right (topo_live_failed): its owner must build a new one.
 */
#ifndef ANEMONE_TOPOLIVE_H
#define ANEMONE_TOPOLIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "lsdb.h"
#include "topo.h"

struct topo_live;

/* Empty; NULL when memory ran out. */
struct topo_live *topo_live_new(void);
void topo_live_free(struct topo_live *tl);

/*
 * The LSA of key (area, type, ls_id, adv) -- area as the database holds
 * it (lsdb_scope) -- is now l, or is no longer held (l NULL: flushed,
 * aged out).  l must not be MaxAge; it is not kept (what is needed is
 * copied).  Types that make no part of a topology are ignored.
 */
void topo_live_set(struct topo_live *tl, uint32_t area, uint8_t type, uint32_t ls_id,
                   uint32_t adv, const struct lsa *l);

/* Every LSA of db that is not MaxAge at now_ms, as a baseline: no change
 * is recorded for the next commit.  False when memory ran out. */
bool topo_live_load(struct topo_live *tl, const struct lsdb *db, uint64_t now_ms);

/*
 * Call fn (if not NULL) for each difference between the topology at the
 * last commit and now, in topo_diff's order, with elements as topo_diff
 * would give them; then forget the changes.  False when memory ran out
 * (the events are lost: topo_live_failed).
 */
bool topo_live_commit(struct topo_live *tl, topo_event_fn fn, void *ctx);

/* The whole topology as topo_build(db, now_ms) of the database it follows
 * would give it (topo_equal); NULL when memory ran out.  O(n log n). */
struct topo *topo_live_topo(struct topo_live *tl, uint64_t now_ms);

/* Routers and missing LSAs (the fields topo_completeness derives from the
 * topology; the caller sets the rest).  O(1). */
void topo_live_completeness(const struct topo_live *tl, struct topo_completeness *c);

/* The first `max` missing LSAs in the topology's order; returns how many. */
unsigned topo_live_missing(const struct topo_live *tl, struct topo_missing *out, unsigned max);

/* Elementary steps done so far (look-up levels, elements visited, sort
 * comparisons): the cost of keeping the topology, for statistics and tests. */
uint64_t topo_live_work(const struct topo_live *tl);

/* Memory ran out during a change: the topology is no longer right. */
bool topo_live_failed(const struct topo_live *tl);

#endif
