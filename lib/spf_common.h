/*
 * What the OSPFv2 (spf.c) and OSPFv3 (spf6.c) shortest-path computations
 * share, written once: the candidate list of RFC 2328 16.1, collecting the
 * LSAs of one type from the database, and the ranking of two paths to one
 * destination (RFC 2328 11 and 16.4, RFC 3101 2.5).  Internal to those two
 * files: the functions are static inline, each file gets its own copy.
 */
#ifndef ANEMONE_SPF_COMMON_H
#define ANEMONE_SPF_COMMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "lsdb.h"
#include "spf.h"

#define SPF_INF UINT32_MAX           /* distance of a vertex not reached */

/*
 * The candidate list (16.1): a binary min-heap of (dist << 32 | key),
 * stale entries left in and skipped by the caller when popped (a vertex
 * whose distance fell is pushed again).  At equal distance the lower key
 * comes first: the callers number networks before routers, as 16.1 step 3
 * wants.  Zero the struct to start; free(q.h) after.  Cost: O(log n) a push
 * or a pop.
 */
struct spf_cand {
	uint64_t *h;
	unsigned n, cap;
};

/* False when memory ran out (the entry is not added). */
static inline bool spf_cand_push(struct spf_cand *q, uint32_t dist, unsigned key)
{
	uint64_t x = (uint64_t)dist << 32 | key;
	unsigned k;

	if (q->n == q->cap) {
		unsigned cap = q->cap ? q->cap * 2 : 256;
		uint64_t *h = realloc(q->h, cap * sizeof(*h));
		if (h == NULL)
			return false;
		q->h = h;
		q->cap = cap;
	}
	for (k = q->n++; k > 0 && q->h[(k - 1) / 2] > x; k = (k - 1) / 2)
		q->h[k] = q->h[(k - 1) / 2];
	q->h[k] = x;
	return true;
}

/* The least entry, removed; needs q->n > 0. */
static inline uint64_t spf_cand_pop(struct spf_cand *q)
{
	uint64_t top = q->h[0], x = q->h[--q->n];
	unsigned k = 0;

	for (;;) {
		unsigned c = 2 * k + 1;
		if (c >= q->n)
			break;
		if (c + 1 < q->n && q->h[c + 1] < q->h[c])
			c++;
		if (q->h[c] >= x)
			break;
		q->h[k] = q->h[c];
		k = c;
	}
	if (q->n)
		q->h[k] = x;
	return top;
}

/*
 * The entries of one key's type (lsdb_type: OSPFv3's with LSDB_V3) in one
 * area, in lsdb_foreach's order, without those at MaxAge (RFC 2328 16: an
 * LSA at MaxAge takes no part in the routing table).  spf_collect empties
 * the list and fills it; the entries are the database's.  oom is set (and
 * stays set) when memory ran out and entries were left out.  Zero the
 * struct to start; free(c.e) after.  Cost: lsdb_foreach's, O(k log k) for
 * the k LSAs of that type in that area, whatever else the database holds
 * (the other version's LSAs, OSPFv3 link-LSAs, other areas').
 */
struct spf_collect {
	const struct lsdb_entry **e;
	unsigned n, cap;
	bool oom;
};

static inline void spf_collect_fn(void *ctx, const struct lsdb_entry *e)
{
	struct spf_collect *c = ctx;

	if (e->lsa.h.age >= OSPF_MAX_AGE)
		return;
	if (c->n == c->cap) {
		unsigned cap = c->cap ? c->cap * 2 : 64;
		const struct lsdb_entry **v = realloc(c->e, cap * sizeof(*v));
		if (v == NULL) {
			c->oom = true;
			return;
		}
		c->e = v;
		c->cap = cap;
	}
	c->e[c->n++] = e;
}

static inline void spf_collect(const struct lsdb *db, uint32_t area, uint32_t type,
                               struct spf_collect *c)
{
	c->n = 0;
	lsdb_foreach(db, area, type, spf_collect_fn, c);
}

/*
 * How a new path to a destination (type, cost, cost2) compares with the
 * path a route holds (held_*): > 0 better, < 0 worse, 0 equally good (their
 * next hops merge).  Intra-area before inter-area before type 1 external
 * (E1 and N1 alike) before type 2 external (E2, N2); between type 2
 * paths the external metric (cost2) first, then the cost to the ASBR or
 * forwarding address; otherwise the cost.  RFC 3101 2.5 (6) ranks E1 and
 * N1 paths, and E2 and N2 paths, as one class: so does this.  Cost: O(1).
 */
static inline int spf_route_rank(uint8_t held_type, uint32_t held_cost, uint32_t held_cost2,
                                 uint8_t type, uint32_t cost, uint32_t cost2)
{
	bool held_t2 = held_type == RT_E2 || held_type == RT_N2;
	bool t2 = type == RT_E2 || type == RT_N2;
	int held_class = held_type <= RT_INTER ? held_type : (held_t2 ? 3 : 2);
	int class = type <= RT_INTER ? type : (t2 ? 3 : 2);

	if (class != held_class)
		return class < held_class ? 1 : -1;
	if (t2 && cost2 != held_cost2)
		return cost2 < held_cost2 ? 1 : -1;
	if (cost != held_cost)
		return cost < held_cost ? 1 : -1;
	return 0;
}

#endif
