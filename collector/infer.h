/*
 * Observation points inferred from the traffic (anemone-collector(8),
 * "Counting each flow once"): for an exporter that is a router's own
 * (role "router") and an input interface that neither the configuration
 * nor SNMP maps, each record votes for where its flow may have entered the
 * router by that interface, as OSPF routes the flow from its source: from
 * outside (edge), or from each neighbour (a point-to-point link) or LAN
 * its paths come in by (several with equal-cost paths).  The interface's
 * answer is in every vote of OSPF-routed traffic.  A vote whose every
 * answer is another interface's of the exporter, decided, is not taken
 * (traffic off OSPF's paths: an interface faces one neighbour or LAN), and
 * such answers are not decided again for another.  An interface is decided
 * once INFER_MIN_VOTES records voted and one answer is in INFER_SHARE_PCT
 * percent of the votes, and in more than any other; votes are halved
 * every INFER_HALVE_AT records, so that after a change the new answer
 * takes over.
 *
 * A pure table of bounded size (infer_new's max interfaces): no I/O, no
 * clock.  One thread.
 */
#ifndef ANEMONE_INFER_H
#define ANEMONE_INFER_H

#include <stdbool.h>
#include <stdint.h>

#include "flow.h"

#define INFER_MIN_VOTES  8
#define INFER_SHARE_PCT  90
#define INFER_HALVE_AT   1024
#define INFER_CANDS      4
#define INFER_DEFAULT_MAX 16384      /* interfaces (about 100 bytes each) */

enum infer_kind { IK_NONE, IK_EDGE, IK_NEIGHBOUR, IK_NETWORK };

/* An answer: IK_EDGE (id 0), IK_NEIGHBOUR (router id) or IK_NETWORK (the
 * LAN's network-LSA id); host order. */
struct infer_cand {
	uint8_t kind;
	uint32_t id;
};

/* An interface: exporter address, observation domain, ifindex. */
struct infer_key {
	int af;
	union anm_addr addr;
	uint32_t domain, ifindex;
};

/* A decided interface (infer_points). */
struct infer_point {
	struct infer_key k;
	uint32_t router;
	struct infer_cand c;
	uint32_t votes, total;
};

struct infer;

/* A table of at most max interfaces (0: INFER_DEFAULT_MAX), hashed with
 * seed; NULL when out of memory. */
struct infer *infer_new(unsigned max, uint64_t seed);
void infer_free(struct infer *t);

/* The decided answer for interface k, or NULL.  O(1) expected. */
const struct infer_cand *infer_decided(const struct infer *t, const struct infer_key *k);

/* One record's vote for interface k of router `router`: the answers
 * set[0..n) (n > 0; distinct).  1 when the interface's decision changed
 * (decided, or another answer), 0 when not, -1 when the table is full (the
 * vote is not kept).  O(n x INFER_CANDS). */
int infer_vote(struct infer *t, const struct infer_key *k, uint32_t router,
               const struct infer_cand *set, unsigned n);

/* Of the answers set[0..n), the one interface k's votes held most often,
 * when one did more often than the others; else NULL.  O(n x
 * INFER_CANDS). */
const struct infer_cand *infer_likeliest(const struct infer *t, const struct infer_key *k,
                                         const struct infer_cand *set, unsigned n);

/* Whether answer c (a neighbour or a LAN) is another interface's of the
 * same exporter and domain as k, decided.  O(table). */
bool infer_taken(const struct infer *t, const struct infer_key *k, const struct infer_cand *c);

/* The decided interfaces into out[0..max) in the order of the table;
 * returns how many there are (may exceed max).  O(table). */
unsigned infer_points(const struct infer *t, struct infer_point *out, unsigned max);

/* Decisions made or changed so far (a generation number), and votes not
 * kept because the table was full. */
uint64_t infer_generation(const struct infer *t);
uint64_t infer_full(const struct infer *t);
unsigned infer_decided_count(const struct infer *t);

#endif
