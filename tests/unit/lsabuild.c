#include <stdlib.h>
#include <string.h>

#include "lsabuild.h"

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)); put16(p + 2, (uint16_t)v); }

void lsab_hdr(struct lsabuf *l, uint8_t type, uint32_t id, uint32_t adv, int32_t seq, uint16_t age)
{
	memset(l, 0, sizeof(*l));
	put16(l->b, age);
	l->b[2] = 0x02;                      /* options: E */
	l->b[3] = type;
	put32(l->b + 4, id);
	put32(l->b + 8, adv);
	put32(l->b + 12, (uint32_t)seq);
	l->len = LSA_HDR_LEN;
}

void lsab_finish(struct lsabuf *l, struct lsa *out)
{
	put16(l->b + 18, (uint16_t)l->len);
	put16(l->b + 16, 0);
	put16(l->b + 16, lsa_checksum(l->b, l->len));
	if (lsa_decode(l->b, l->len, out) != OSPF_OK)
		abort();
}

void lsab_router_begin(struct lsabuf *l, uint32_t rid, uint8_t flags, int32_t seq)
{
	lsab_hdr(l, LSA_ROUTER, rid, rid, seq, 1);
	l->b[20] = flags;
	l->len = 24;
}

void lsab_router_link(struct lsabuf *l, uint8_t type, uint32_t id, uint32_t data, uint16_t metric)
{
	uint8_t *p = l->b + l->len;

	put32(p, id);
	put32(p + 4, data);
	p[8] = type;
	p[9] = 0;
	put16(p + 10, metric);
	l->len += 12;
	put16(l->b + 22, (uint16_t)((l->b[22] << 8 | l->b[23]) + 1));
}

void lsab_network(struct lsabuf *l, uint32_t dr_addr, uint32_t dr, uint32_t mask,
                    const uint32_t *routers, unsigned n)
{
	lsab_hdr(l, LSA_NETWORK, dr_addr, dr, OSPF_INITIAL_SEQ, 1);
	put32(l->b + 20, mask);
	for (unsigned i = 0; i < n; i++)
		put32(l->b + 24 + 4 * i, routers[i]);
	l->len = 24 + 4 * n;
}

void lsab_summary(struct lsabuf *l, uint8_t type, uint32_t id, uint32_t adv, uint32_t mask, uint32_t metric)
{
	lsab_hdr(l, type, id, adv, OSPF_INITIAL_SEQ, 1);
	put32(l->b + 20, mask);
	put32(l->b + 24, metric & 0xffffff);
	l->len = 28;
}

void lsab_external(struct lsabuf *l, uint32_t id, uint32_t adv, uint32_t mask, bool e2,
                     uint32_t metric, uint32_t fwd)
{
	lsab_hdr(l, LSA_EXTERNAL, id, adv, OSPF_INITIAL_SEQ, 1);
	put32(l->b + 20, mask);
	put32(l->b + 24, (e2 ? 0x80000000u : 0) | (metric & 0xffffff));
	put32(l->b + 28, fwd);
	put32(l->b + 32, 0);
	l->len = 36;
}


void lsab_hdr_seq(struct lsabuf *l, int32_t seq)
{
	put32(l->b + 12, (uint32_t)seq);
}
