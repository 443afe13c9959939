/*
 * Building LSAs as wire bytes for tests and benchmarks: a header, a body,
 * then lsab_finish fills in the length and Fletcher checksum and decodes
 * the result (aborting if the decoder refuses it).
 */
#ifndef ANEMONE_LSABUILD_H
#define ANEMONE_LSABUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ospf.h"

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))

struct lsabuf {
	uint8_t b[65535];            /* the largest LSA the length field allows */
	size_t len;
};

void lsab_hdr(struct lsabuf *l, uint8_t type, uint32_t id, uint32_t adv, int32_t seq, uint16_t age);
/* Change the sequence number of the LSA being built. */
void lsab_hdr_seq(struct lsabuf *l, int32_t seq);
void lsab_finish(struct lsabuf *l, struct lsa *out);
void lsab_router_begin(struct lsabuf *l, uint32_t rid, uint8_t flags, int32_t seq);
/* At most (sizeof b - 24) / 12 links. */
void lsab_router_link(struct lsabuf *l, uint8_t type, uint32_t id, uint32_t data, uint16_t metric);
void lsab_network(struct lsabuf *l, uint32_t dr_addr, uint32_t dr, uint32_t mask,
                  const uint32_t *routers, unsigned n);
void lsab_summary(struct lsabuf *l, uint8_t type, uint32_t id, uint32_t adv, uint32_t mask,
                  uint32_t metric);
/* Type 5 (LSA_EXTERNAL), or 7 with lsab_hdr's type changed by the caller. */
void lsab_external(struct lsabuf *l, uint32_t id, uint32_t adv, uint32_t mask, bool e2,
                   uint32_t metric, uint32_t fwd);

#endif
