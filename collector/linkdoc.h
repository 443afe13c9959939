/*
 * The links the collector counts, as Grafana and the anemone command need
 * them: every directed router-to-router link of the OSPF topology (a
 * point-to-point link each way; across a transit network, each attached
 * router to each other), with its OSPF cost, the sending interface's
 * address, and the capacity configured for it.  Written to Redis when a
 * topology is taken (redis/SCHEMA.md: <prefix>link-topology, <prefix>capacity).
 */
#ifndef COLLECTOR_LINKDOC_H
#define COLLECTOR_LINKDOC_H

#include <stdbool.h>
#include <stdint.h>

#include "sbuf.h"
#include "topo.h"

/* A capacity: for the link between routers a and b (both directions), or
 * for every link whose sending interface address is in prefix/mask.  Link
 * rules win over prefix rules; among each, the first that matches. */
struct cap_rule {
	bool by_prefix;
	uint32_t a, b;               /* router ids, host order */
	uint32_t prefix, mask;       /* host order */
	uint64_t bps;
};

/* json: {"version":N,"links":[{"id":"A-B","a":..,"b":..,"area":..,"type":
 * "p2p"|"transit","network":..,"addr":..,"cost":N,"capacity_bps":N|null}]};
 * caps: one "A-B=bps" line per link with a capacity. */
void linkdoc_build(const struct topo *t, uint64_t version, const struct cap_rule *rules,
                   unsigned nrules, struct sbuf *json, struct sbuf *caps);

/* Parse a rate: an integer in bits/s, or with a suffix k, M, G, T (powers of
 * 1000): "10G".  0, or -1 if malformed or 0. */
int parse_bps(const char *s, uint64_t *out);

#endif
