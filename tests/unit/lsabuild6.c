/* Building OSPFv3 LSAs as wire bytes for tests (lsabuild6.h). */
#include <stdlib.h>
#include <string.h>

#include "lsabuild6.h"
#include "lsdb.h"

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put24(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 16); put16(p + 1, (uint16_t)v); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)); put16(p + 2, (uint16_t)v); }

static void bump_count(struct lsabuf6 *l)
{
	uint8_t *p = l->b + l->count_at;

	if (l->count_at == 0)
		abort();             /* this LSA has no list */
	if (l->count_width == 2)
		put16(p, (uint16_t)((p[0] << 8 | p[1]) + 1));
	else
		put32(p, ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]) + 1);
}

void lsab6_hdr(struct lsabuf6 *l, uint16_t type, uint32_t ls_id, uint32_t adv)
{
	memset(l->b, 0, LSA6_HDR_LEN);
	put16(l->b, 1);                      /* age */
	put16(l->b + 2, type);
	put32(l->b + 4, ls_id);
	put32(l->b + 8, adv);
	put32(l->b + 12, (uint32_t)OSPF_INITIAL_SEQ);
	l->len = LSA6_HDR_LEN;
	l->count_at = 0;
	l->count_width = 0;
}

void lsab6_router(struct lsabuf6 *l, uint32_t rid, uint32_t ls_id, uint8_t flags, uint32_t options)
{
	lsab6_hdr(l, LSA6_ROUTER, ls_id, rid);
	l->b[20] = flags;
	put24(l->b + 21, options);
	l->len = 24;
}

void lsab6_iface(struct lsabuf6 *l, uint8_t type, uint16_t metric, uint32_t ifid,
                 uint32_t nbr_ifid, uint32_t nbr_rid)
{
	uint8_t *p = l->b + l->len;

	p[0] = type;
	p[1] = 0;
	put16(p + 2, metric);
	put32(p + 4, ifid);
	put32(p + 8, nbr_ifid);
	put32(p + 12, nbr_rid);
	l->len += 16;
}

void lsab6_network(struct lsabuf6 *l, uint32_t dr, uint32_t dr_ifid, const uint32_t *routers,
                   unsigned n)
{
	lsab6_hdr(l, LSA6_NETWORK, dr_ifid, dr);
	l->b[20] = 0;
	put24(l->b + 21, LSAB6_OPTS);
	l->len = 24;
	for (unsigned i = 0; i < n; i++) {
		put32(l->b + l->len, routers[i]);
		l->len += 4;
	}
}

void lsab6_link(struct lsabuf6 *l, uint32_t rid, uint32_t ifid, const uint8_t ll[16])
{
	lsab6_hdr(l, LSA6_LINK, ifid, rid);
	l->b[20] = 1;                        /* priority */
	put24(l->b + 21, LSAB6_OPTS);
	memcpy(l->b + 24, ll, 16);
	put32(l->b + 40, 0);
	l->len = 44;
	l->count_at = 40;
	l->count_width = 4;
}

void lsab6_intra(struct lsabuf6 *l, uint32_t adv, uint32_t ls_id, uint16_t ref_type,
                 uint32_t ref_ls_id, uint32_t ref_adv)
{
	lsab6_hdr(l, LSA6_INTRA_PREFIX, ls_id, adv);
	put16(l->b + 20, 0);
	put16(l->b + 22, ref_type);
	put32(l->b + 24, ref_ls_id);
	put32(l->b + 28, ref_adv);
	l->len = 32;
	l->count_at = 20;
	l->count_width = 2;
}

/* A prefix at the end of the LSA: length, options, 16-bit field, then the
 * address in whole 32-bit words. */
static void put_prefix(struct lsabuf6 *l, uint8_t plen, uint8_t options, uint16_t field,
                       const uint8_t addr[16])
{
	size_t words = ((size_t)plen + 31) / 32;
	uint8_t *p = l->b + l->len;

	p[0] = plen;
	p[1] = options;
	put16(p + 2, field);
	memcpy(p + 4, addr, words * 4);
	l->len += 4 + words * 4;
}

void lsab6_prefix(struct lsabuf6 *l, uint8_t plen, uint8_t options, uint16_t field,
                  const uint8_t addr[16])
{
	bump_count(l);
	put_prefix(l, plen, options, field, addr);
}

void lsab6_inter_prefix(struct lsabuf6 *l, uint32_t adv, uint32_t ls_id, uint32_t metric,
                        uint8_t plen, uint8_t options, const uint8_t addr[16])
{
	lsab6_hdr(l, LSA6_INTER_PREFIX, ls_id, adv);
	put24(l->b + 21, metric);
	l->len = 24;
	put_prefix(l, plen, options, 0, addr);
}

void lsab6_inter_router(struct lsabuf6 *l, uint32_t adv, uint32_t ls_id, uint32_t metric,
                        uint32_t dest)
{
	lsab6_hdr(l, LSA6_INTER_ROUTER, ls_id, adv);
	put24(l->b + 21, LSAB6_OPTS);
	put24(l->b + 25, metric);
	put32(l->b + 28, dest);
	l->len = 32;
}

void lsab6_external(struct lsabuf6 *l, uint16_t type, uint32_t adv, uint32_t ls_id, bool e2,
                    uint32_t metric, uint8_t plen, uint8_t options, const uint8_t addr[16],
                    const uint8_t *fwd)
{
	lsab6_hdr(l, type, ls_id, adv);
	l->b[20] = (uint8_t)((e2 ? LSA6_EXT_E : 0) | (fwd != NULL ? LSA6_EXT_F : 0));
	put24(l->b + 21, metric);
	l->len = 24;
	put_prefix(l, plen, options, 0, addr);
	if (fwd != NULL) {
		memcpy(l->b + l->len, fwd, 16);
		l->len += 16;
	}
}

void lsab6_finish(struct lsabuf6 *l, struct lsa *out)
{
	struct lsa6 l6;

	put16(l->b + 18, (uint16_t)l->len);
	put16(l->b + 16, 0);
	put16(l->b + 16, lsa_checksum(l->b, l->len));
	if (lsa6_decode(l->b, l->len, &l6) != OSPF6_OK)
		abort();
	lsdb_lsa6(&l6, out);
}
