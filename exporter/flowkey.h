/*
 * What the meter and the spreader both derive from a decoded packet: its
 * flow key (the configured fields, the rest zero) and, for fragments, the
 * ports of the first fragment (a direct-mapped table each keeps of its own).
 * Inline: both run these once per packet.
 */
#ifndef ANEMONE_FLOWKEY_H
#define ANEMONE_FLOWKEY_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "decode.h"
#include "flowtab.h"
#include "hash.h"
#include "meter.h"

struct frag_key {
	union anm_addr src, dst;
	uint32_t id;
	uint8_t af, proto, pad[2];
};
_Static_assert(sizeof(struct frag_key) == 40, "frag_key is hashed as 5 words");

struct frag_slot {
	struct frag_key key;
	uint64_t expires_ms;
	uint16_t sport, dport;
};

/*
 * Fragments: the first fragment's ports are remembered, keyed by (addresses,
 * protocol, fragment id), so later fragments join the same flow.  Direct-mapped
 * and overwritten on collision: bounded memory, no allocation.
 */
static inline struct frag_slot *flow_frag_slot(struct frag_slot *table, const struct pkt_info *pi,
                                   struct frag_key *k)
{
	memset(k, 0, sizeof(*k));
	k->src = pi->src;
	k->dst = pi->dst;
	k->id = pi->frag_id;
	k->af = pi->af;
	k->proto = pi->proto;
	/* unseeded on purpose: the slot choice must not change between runs (replays
	 * are byte-identical), and a direct-mapped cache stays O(1) under any input */
	return &table[hash_words(k, sizeof(*k), 0) & (FRAG_SLOTS - 1)];
}

/* Remember a first fragment's ports, or give a later fragment those of its
 * first.  False for a later fragment whose first was not seen (ports 0). */
static inline bool flow_frag_resolve(struct frag_slot *table, struct pkt_info *pi, uint64_t now_ms)
{
	struct frag_key k;
	struct frag_slot *s = flow_frag_slot(table, pi, &k);

	if (pi->frag == PKT_FRAG_FIRST) {
		s->key = k;
		s->sport = pi->sport;
		s->dport = pi->dport;
		s->expires_ms = now_ms + FRAG_KEEP_MS;
	} else if (memcmp(&s->key, &k, sizeof(k)) == 0 && now_ms <= s->expires_ms) {
		pi->sport = s->sport;
		pi->dport = s->dport;
	} else {
		return false;
	}
	return true;
}

/* The flow key of a decoded packet: the configured fields, the rest zero. */
static inline void flow_key_of(unsigned kf, uint32_t in_if, const struct pkt_info *pi, struct flow_key *k)
{
	memset(k, 0, sizeof(*k));
	k->af = pi->af;
	if (kf & KEY_SRC_ADDR) k->src = pi->src;
	if (kf & KEY_DST_ADDR) k->dst = pi->dst;
	if (kf & KEY_SRC_PORT) k->sport = pi->sport;
	if (kf & KEY_DST_PORT) k->dport = pi->dport;
	if (kf & KEY_PROTO)    k->proto = pi->proto;
	if (kf & KEY_TOS)      k->tos = pi->tos;
	if (kf & KEY_VLAN) {
		k->vlan = pi->vlan;
		k->inner_vlan = pi->inner_vlan;
	}
	if (kf & KEY_IN_IF)    k->in_if = in_if;
}

#endif
