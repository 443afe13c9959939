/*
 * OSPFv3 packet and LSA decoder (RFC 5340 appendix A, RFC 7166 trailers).
 *
 * The same contract as the OSPFv2 decoder in ospf.c.  Every function here is
 * pure: it reads the caller's bytes, never writes them, and keeps no state.
 * Wire fields are read an octet at a time into host-order locals; the buffer
 * is never cast to a struct.  Every read is preceded by a length check,
 * layer by layer: the packet header against the bytes captured, the declared
 * packet length against those bytes, each LSA's declared length against what
 * is left of the packet, and each element of an LSA body (interface, router
 * id, prefix, optional field) against the LSA's length.  Loops whose count
 * comes from the wire also stop when the bytes run out, so their cost is
 * bounded by the input size whatever the counts say.
 *
 * The accessors and cursors trust that their argument came from a successful
 * decode; an index out of range, or an LSA of the wrong type, is a caller
 * bug and aborts.
 *
 * Shared with ospf.c: the Fletcher checksum of LSAs (lsa_checksum_ok: the
 * OSPFv3 LSA header puts age, checksum and length where OSPFv2 does) and
 * the RFC 2328 13.1 comparison (lsa_compare).
 */
#include <stdlib.h>
#include <string.h>

#include "ospf6.h"
#include "ospf.h"
#include "be.h"

/* OSPFv3 packet header (A.3.1). */
#define OFF_VERSION     0
#define OFF_TYPE        1
#define OFF_LENGTH      2
#define OFF_ROUTER_ID   4
#define OFF_AREA_ID     8
#define OFF_CHECKSUM    12
#define OFF_INSTANCE    14
#define OFF_RESERVED    15

/* Hello (A.3.2): offsets from the start of the packet. */
#define HELLO_OFF_IFACE_ID  16
#define HELLO_OFF_PRIORITY  20
#define HELLO_OFF_OPTIONS   21      /* 24 bits */
#define HELLO_OFF_INTERVAL  24
#define HELLO_OFF_DEAD      26
#define HELLO_OFF_DR        28
#define HELLO_OFF_BDR       32
#define HELLO_FIXED         36      /* neighbours start here */
#define HELLO_NBR_LEN       4

/* Database Description (A.3.3). */
#define DD_OFF_OPTIONS      17      /* 24 bits, after a reserved octet */
#define DD_OFF_MTU          20
#define DD_OFF_FLAGS        23
#define DD_OFF_SEQ          24
#define DD_FIXED            28      /* LSA headers start here */

/* Link State Request (A.3.4): entries of reserved(2) type(2) id(4) adv(4). */
#define LSR_FIXED           16
#define LSR_ENTRY_LEN       12
#define LSR_ENT_OFF_TYPE    2
#define LSR_ENT_OFF_LS_ID   4
#define LSR_ENT_OFF_ADV     8

/* Link State Update (A.3.5). */
#define LSU_OFF_COUNT       16
#define LSU_FIXED           20      /* LSAs start here */

/* Link State Acknowledgment (A.3.6). */
#define LSACK_FIXED         16

/* LSA header (A.4.2). */
#define LSA_OFF_AGE         0
#define LSA_OFF_TYPE        2
#define LSA_OFF_LS_ID       4
#define LSA_OFF_ADV_ROUTER  8
#define LSA_OFF_SEQ         12
#define LSA_OFF_CHECKSUM    16
#define LSA_OFF_LENGTH      18
#define LSA_DO_NOT_AGE      0x8000u  /* RFC 1793 */

/* Prefix (A.4.1): length(1) options(1) field(2), then the address in
 * ceil(length / 32) 32-bit words. */
#define PFX_FIXED           4
#define PFX_OFF_OPTIONS     1
#define PFX_OFF_FIELD       2
#define PFX_MAX_LEN         128

/* Router-LSA (A.4.3). */
#define RTR_OFF_FLAGS       20
#define RTR_OFF_OPTIONS     21
#define RTR_FIXED           24      /* interfaces start here */
#define RTR_IF_LEN          16      /* type(1) 0(1) metric(2) ifid nbr-ifid nbr-rid */
#define RTR_IF_OFF_METRIC   2
#define RTR_IF_OFF_IFID     4
#define RTR_IF_OFF_NBR_IFID 8
#define RTR_IF_OFF_NBR_RID  12

/* Network-LSA (A.4.4). */
#define NET_OFF_OPTIONS     21
#define NET_FIXED           24      /* attached routers start here */

/* Inter-area-prefix-LSA (A.4.5). */
#define IAP_OFF_METRIC      21
#define IAP_FIXED           24      /* the prefix */

/* Inter-area-router-LSA (A.4.6). */
#define IAR_OFF_OPTIONS     21
#define IAR_OFF_METRIC      25
#define IAR_OFF_DEST        28
#define IAR_LEN             32

/* AS-external-LSA and NSSA-LSA (A.4.7, A.4.8). */
#define EXT_OFF_FLAGS       20
#define EXT_OFF_METRIC      21
#define EXT_FIXED           24      /* the prefix, then the optional fields */
#define EXT_TAG_LEN         4
#define EXT_REF_ID_LEN      4

/* Link-LSA (A.4.9). */
#define LINK_OFF_PRIORITY   20
#define LINK_OFF_OPTIONS    21
#define LINK_OFF_ADDR       24
#define LINK_OFF_NPREFIXES  40
#define LINK_FIXED          44      /* prefixes start here */

/* Intra-area-prefix-LSA (A.4.10). */
#define INTRA_OFF_NPREFIXES 20
#define INTRA_OFF_REF_TYPE  22
#define INTRA_OFF_REF_ID    24
#define INTRA_OFF_REF_ADV   28
#define INTRA_FIXED         32      /* prefixes start here */

const char *ospf6_status_name(enum ospf6_status st)
{
	switch (st) {
	case OSPF6_OK:               return "ok";
	case OSPF6_TRUNC:            return "trunc";
	case OSPF6_BAD_VERSION:      return "bad-version";
	case OSPF6_BAD_TYPE:         return "bad-type";
	case OSPF6_BAD_LENGTH:       return "bad-length";
	case OSPF6_BAD_CHECKSUM:     return "bad-checksum";
	case OSPF6_BAD_LSA_LENGTH:   return "bad-lsa-length";
	case OSPF6_BAD_LSA_CHECKSUM: return "bad-lsa-checksum";
	case OSPF6_BAD_LSA_AGE:      return "bad-lsa-age";
	case OSPF6_BAD_PREFIX:       return "bad-prefix";
	case OSPF6_STATUS_MAX:       break;
	}
	return "unknown";
}

/* --- packet checksum --------------------------------------------------- */

/* Add the 16-bit words of b[0..len) to a one's complement sum, an odd last
 * octet padded with zero; the octets at OFF_CHECKSUM count as zero when
 * skip_field is set.  Cost: O(len). */
static uint32_t sum16(uint32_t sum, const uint8_t *b, size_t len, bool skip_field)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2) {
		if (skip_field && i == OFF_CHECKSUM)
			continue;
		sum += be16(b + i);
		sum = (sum & 0xffff) + (sum >> 16);
	}
	if (len % 2)
		sum += (uint32_t)b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/* The folded sum of the IPv6 pseudo-header (RFC 8200 8.1) for an upper-layer
 * length of len octets, next header 89.  Cost: O(1). */
static uint32_t pseudo_sum(const uint8_t *src, const uint8_t *dst, size_t len)
{
	uint32_t sum = 0;
	uint32_t ulen = (uint32_t)len;

	sum = sum16(sum, src, OSPF6_ADDR_LEN, false);
	sum = sum16(sum, dst, OSPF6_ADDR_LEN, false);
	sum += ulen >> 16;
	sum += ulen & 0xffff;
	sum += OSPF6_IPPROTO;       /* three zero octets, then next header */
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

uint16_t ospf6_checksum(const uint8_t *src, const uint8_t *dst,
                        const uint8_t *buf, size_t len)
{
	if (buf == NULL || len < OSPF6_HDR_LEN)
		return 0;
	return (uint16_t)~sum16(pseudo_sum(src, dst, len), buf, len, true);
}

/* True when the sum over the pseudo-header and buf[0..len), checksum field
 * included, folds to 0xffff.  Cost: O(len). */
static bool checksum_ok(const uint8_t *src, const uint8_t *dst,
                        const uint8_t *buf, size_t len)
{
	return sum16(pseudo_sum(src, dst, len), buf, len, false) == 0xffff;
}

enum ospf6_status ospf6_checksum_verify(const struct ospf6_pkt *p,
                                        const uint8_t *src, const uint8_t *dst)
{
	if (p->raw == NULL || p->h.length < OSPF6_HDR_LEN)
		return OSPF6_BAD_CHECKSUM;
	if (checksum_ok(src, dst, p->raw, p->h.length))
		return OSPF6_OK;
	if (p->trailer_len > 0 &&
	    checksum_ok(src, dst, p->raw, (size_t)p->h.length + p->trailer_len))
		return OSPF6_OK;
	return OSPF6_BAD_CHECKSUM;
}

/* --- prefixes ---------------------------------------------------------- */

/*
 * The prefix at b[off..end): checks that its fixed part fits
 * (OSPF6_BAD_LSA_LENGTH), its length is at most 128 (OSPF6_BAD_PREFIX) and
 * its address words fit (OSPF6_BAD_LSA_LENGTH); fills *out (out may be NULL
 * to check only) and sets *next past it.  Needs off <= end.  Cost: O(1).
 */
static enum ospf6_status prefix_at(const uint8_t *b, size_t off, size_t end,
                                   struct lsa6_prefix *out, size_t *next)
{
	size_t nbytes;
	unsigned plen;

	if (end - off < PFX_FIXED)
		return OSPF6_BAD_LSA_LENGTH;
	plen = b[off];
	if (plen > PFX_MAX_LEN)
		return OSPF6_BAD_PREFIX;
	nbytes = (size_t)(plen + 31) / 32 * 4;
	if (end - off - PFX_FIXED < nbytes)
		return OSPF6_BAD_LSA_LENGTH;
	if (out != NULL) {
		out->len = (uint8_t)plen;
		out->options = b[off + PFX_OFF_OPTIONS];
		out->field = be16(b + off + PFX_OFF_FIELD);
		memset(out->addr, 0, sizeof(out->addr));
		memcpy(out->addr, b + off + PFX_FIXED, nbytes);
		/* the words may carry bits past the length: clear them */
		if (plen % 8)
			out->addr[plen / 8] &= (uint8_t)(0xff << (8 - plen % 8));
		memset(out->addr + (plen + 7) / 8, 0, OSPF6_ADDR_LEN - (plen + 7) / 8);
	}
	*next = off + PFX_FIXED + nbytes;
	return OSPF6_OK;
}

/*
 * count prefixes from b[off..length) that must use the rest of the LSA up
 * exactly.  Each prefix takes at least PFX_FIXED octets, so the walk ends when
 * the bytes do whatever count says.  Cost: O(length).
 */
static enum ospf6_status prefix_list(const uint8_t *b, size_t off, size_t length,
                                     uint32_t count)
{
	enum ospf6_status st;
	uint32_t i;

	for (i = 0; i < count; i++) {
		if (off >= length)          /* more prefixes than bytes */
			return OSPF6_BAD_LSA_LENGTH;
		st = prefix_at(b, off, length, NULL, &off);
		if (st != OSPF6_OK)
			return st;
	}
	return off == length ? OSPF6_OK : OSPF6_BAD_LSA_LENGTH;
}

/* --- LSAs -------------------------------------------------------------- */

void lsa6_hdr_decode(const uint8_t *buf, struct lsa6_hdr *out)
{
	uint16_t age = be16(buf + LSA_OFF_AGE);

	out->do_not_age = (age & LSA_DO_NOT_AGE) != 0;
	out->age = (uint16_t)(age & ~LSA_DO_NOT_AGE);
	out->type = be16(buf + LSA_OFF_TYPE);
	out->ls_id = be32(buf + LSA_OFF_LS_ID);
	out->adv_router = be32(buf + LSA_OFF_ADV_ROUTER);
	out->seq = (int32_t)be32(buf + LSA_OFF_SEQ);
	out->checksum = be16(buf + LSA_OFF_CHECKSUM);
	out->length = be16(buf + LSA_OFF_LENGTH);
}

enum lsa6_scope lsa6_scope(uint16_t type)
{
	return (enum lsa6_scope)((type & LSA6_TYPE_SCOPE) >> 13);
}

/* Router-LSA body: flags, options, then interfaces of 16 octets filling the
 * LSA (none is fine: a router with no adjacency yet).  Cost: O(1). */
static enum ospf6_status lsa_router_body(const uint8_t *b, size_t length,
                                         struct lsa6 *out)
{
	if (length < RTR_FIXED || (length - RTR_FIXED) % RTR_IF_LEN != 0)
		return OSPF6_BAD_LSA_LENGTH;
	out->u.router.flags = b[RTR_OFF_FLAGS];
	out->u.router.options = be24(b + RTR_OFF_OPTIONS);
	out->u.router.nifaces = (uint16_t)((length - RTR_FIXED) / RTR_IF_LEN);
	return OSPF6_OK;
}

/* Network-LSA body: options and at least one attached router (the DR
 * itself).  Cost: O(1). */
static enum ospf6_status lsa_network_body(const uint8_t *b, size_t length,
                                          struct lsa6 *out)
{
	if (length < NET_FIXED + 4 || (length - NET_FIXED) % 4 != 0)
		return OSPF6_BAD_LSA_LENGTH;
	out->u.network.options = be24(b + NET_OFF_OPTIONS);
	out->u.network.nrouters = (uint16_t)((length - NET_FIXED) / 4);
	return OSPF6_OK;
}

/* Inter-area-prefix-LSA body: metric and exactly one prefix.  Cost: O(1). */
static enum ospf6_status lsa_inter_prefix_body(const uint8_t *b, size_t length,
                                               struct lsa6 *out)
{
	enum ospf6_status st;
	size_t end;

	if (length < IAP_FIXED)
		return OSPF6_BAD_LSA_LENGTH;
	out->u.inter_prefix.metric = be24(b + IAP_OFF_METRIC);
	st = prefix_at(b, IAP_FIXED, length, &out->u.inter_prefix.prefix, &end);
	if (st != OSPF6_OK)
		return st;
	return end == length ? OSPF6_OK : OSPF6_BAD_LSA_LENGTH;
}

/* Inter-area-router-LSA body: options, metric, destination.  Cost: O(1). */
static enum ospf6_status lsa_inter_router_body(const uint8_t *b, size_t length,
                                               struct lsa6 *out)
{
	if (length != IAR_LEN)
		return OSPF6_BAD_LSA_LENGTH;
	out->u.inter_router.options = be24(b + IAR_OFF_OPTIONS);
	out->u.inter_router.metric = be24(b + IAR_OFF_METRIC);
	out->u.inter_router.dest = be32(b + IAR_OFF_DEST);
	return OSPF6_OK;
}

/*
 * AS-external / NSSA body: flags and metric, one prefix whose 16-bit field is
 * the referenced LS type, then a forwarding address if F, a route tag if T,
 * a referenced link state id if the referenced LS type is not zero, which
 * must end the LSA.  Cost: O(1).
 */
static enum ospf6_status lsa_external_body(const uint8_t *b, size_t length,
                                           struct lsa6 *out)
{
	enum ospf6_status st;
	size_t off;
	uint8_t flags;

	if (length < EXT_FIXED)
		return OSPF6_BAD_LSA_LENGTH;
	flags = b[EXT_OFF_FLAGS];
	out->u.external.flags = flags;
	out->u.external.e2 = (flags & LSA6_EXT_E) != 0;
	out->u.external.metric = be24(b + EXT_OFF_METRIC);
	st = prefix_at(b, EXT_FIXED, length, &out->u.external.prefix, &off);
	if (st != OSPF6_OK)
		return st;
	out->u.external.ref_type = out->u.external.prefix.field;
	if (flags & LSA6_EXT_F) {
		if (length - off < OSPF6_ADDR_LEN)
			return OSPF6_BAD_LSA_LENGTH;
		memcpy(out->u.external.fwd, b + off, OSPF6_ADDR_LEN);
		out->u.external.has_fwd = true;
		off += OSPF6_ADDR_LEN;
	}
	if (flags & LSA6_EXT_T) {
		if (length - off < EXT_TAG_LEN)
			return OSPF6_BAD_LSA_LENGTH;
		out->u.external.tag = be32(b + off);
		out->u.external.has_tag = true;
		off += EXT_TAG_LEN;
	}
	if (out->u.external.ref_type != 0) {
		if (length - off < EXT_REF_ID_LEN)
			return OSPF6_BAD_LSA_LENGTH;
		out->u.external.ref_ls_id = be32(b + off);
		off += EXT_REF_ID_LEN;
	}
	return off == length ? OSPF6_OK : OSPF6_BAD_LSA_LENGTH;
}

/* Link-LSA body: priority, options, link-local address, a 32-bit count, then
 * that many prefixes filling the LSA.  Cost: O(length). */
static enum ospf6_status lsa_link_body(const uint8_t *b, size_t length,
                                       struct lsa6 *out)
{
	if (length < LINK_FIXED)
		return OSPF6_BAD_LSA_LENGTH;
	out->u.link.priority = b[LINK_OFF_PRIORITY];
	out->u.link.options = be24(b + LINK_OFF_OPTIONS);
	memcpy(out->u.link.ll_addr, b + LINK_OFF_ADDR, OSPF6_ADDR_LEN);
	out->u.link.nprefixes = be32(b + LINK_OFF_NPREFIXES);
	return prefix_list(b, LINK_FIXED, length, out->u.link.nprefixes);
}

/* Intra-area-prefix-LSA body: a 16-bit count, the referenced LSA, then that
 * many prefixes filling the LSA.  Cost: O(length). */
static enum ospf6_status lsa_intra_prefix_body(const uint8_t *b, size_t length,
                                               struct lsa6 *out)
{
	if (length < INTRA_FIXED)
		return OSPF6_BAD_LSA_LENGTH;
	out->u.intra_prefix.nprefixes = be16(b + INTRA_OFF_NPREFIXES);
	out->u.intra_prefix.ref_type = be16(b + INTRA_OFF_REF_TYPE);
	out->u.intra_prefix.ref_ls_id = be32(b + INTRA_OFF_REF_ID);
	out->u.intra_prefix.ref_adv_router = be32(b + INTRA_OFF_REF_ADV);
	return prefix_list(b, INTRA_FIXED, length, out->u.intra_prefix.nprefixes);
}

static enum ospf6_status decode_lsa(const uint8_t *buf, size_t len, struct lsa6 *out,
                                    bool cksum);

enum ospf6_status lsa6_decode(const uint8_t *buf, size_t len, struct lsa6 *out)
{
	return decode_lsa(buf, len, out, true);
}

enum ospf6_status lsa6_decode_held(const uint8_t *buf, size_t len, struct lsa6 *out)
{
	return decode_lsa(buf, len, out, false);
}

static enum ospf6_status decode_lsa(const uint8_t *buf, size_t len, struct lsa6 *out,
                                    bool cksum)
{
	size_t length;

	memset(out, 0, sizeof(*out));
	if (len < LSA6_HDR_LEN)
		return OSPF6_TRUNC;
	lsa6_hdr_decode(buf, &out->h);
	out->raw = buf;
	length = out->h.length;
	if (length < LSA6_HDR_LEN || length > len)
		return OSPF6_BAD_LSA_LENGTH;
	if (out->h.age > OSPF_MAX_AGE)
		return OSPF6_BAD_LSA_AGE;
	if (cksum && !lsa_checksum_ok(buf, length))
		return OSPF6_BAD_LSA_CHECKSUM;

	switch (out->h.type) {
	case LSA6_ROUTER:
		return lsa_router_body(buf, length, out);
	case LSA6_NETWORK:
		return lsa_network_body(buf, length, out);
	case LSA6_INTER_PREFIX:
		return lsa_inter_prefix_body(buf, length, out);
	case LSA6_INTER_ROUTER:
		return lsa_inter_router_body(buf, length, out);
	case LSA6_EXTERNAL:
	case LSA6_NSSA:
		return lsa_external_body(buf, length, out);
	case LSA6_LINK:
		return lsa_link_body(buf, length, out);
	case LSA6_INTRA_PREFIX:
		return lsa_intra_prefix_body(buf, length, out);
	default:
		return OSPF6_OK;        /* unknown: flooded, not understood */
	}
}

int lsa6_compare(const struct lsa6_hdr *a, const struct lsa6_hdr *b)
{
	struct lsa_hdr x, y;

	memset(&x, 0, sizeof(x));
	memset(&y, 0, sizeof(y));
	x.seq = a->seq;
	x.checksum = a->checksum;
	x.age = a->age;
	y.seq = b->seq;
	y.checksum = b->checksum;
	y.age = b->age;
	return lsa_compare(&x, &y);
}

/* --- accessors over a decoded LSA ------------------------------------- */

static void iface_at(const uint8_t *p, struct lsa6_iface *out)
{
	out->type = p[0];
	out->metric = be16(p + RTR_IF_OFF_METRIC);
	out->iface_id = be32(p + RTR_IF_OFF_IFID);
	out->nbr_iface_id = be32(p + RTR_IF_OFF_NBR_IFID);
	out->nbr_router_id = be32(p + RTR_IF_OFF_NBR_RID);
}

void lsa6_router_iface(const struct lsa6 *l, unsigned i, struct lsa6_iface *out)
{
	size_t off = RTR_FIXED + (size_t)i * RTR_IF_LEN;

	if (l->h.type != LSA6_ROUTER || i >= l->u.router.nifaces)
		abort();
	if (off + RTR_IF_LEN > l->h.length)     /* lsa6_decode guarantees otherwise */
		abort();
	iface_at(l->raw + off, out);
}

bool lsa6_router_iface_next(const struct lsa6 *l, struct lsa6_iface_cursor *c,
                            struct lsa6_iface *out)
{
	if (l->h.type != LSA6_ROUTER)
		abort();
	if (c->i >= l->u.router.nifaces)
		return false;
	lsa6_router_iface(l, c->i, out);
	c->i++;
	return true;
}

uint32_t lsa6_network_router(const struct lsa6 *l, unsigned i)
{
	if (l->h.type != LSA6_NETWORK || i >= l->u.network.nrouters)
		abort();
	return be32(l->raw + NET_FIXED + (size_t)i * 4);
}

bool lsa6_prefix_next(const struct lsa6 *l, struct lsa6_prefix_cursor *c,
                      struct lsa6_prefix *out)
{
	size_t start, off, next;
	uint32_t count;

	switch (l->h.type) {
	case LSA6_INTER_PREFIX:
		start = IAP_FIXED;
		count = 1;
		break;
	case LSA6_EXTERNAL:
	case LSA6_NSSA:
		start = EXT_FIXED;
		count = 1;
		break;
	case LSA6_LINK:
		start = LINK_FIXED;
		count = l->u.link.nprefixes;
		break;
	case LSA6_INTRA_PREFIX:
		start = INTRA_FIXED;
		count = l->u.intra_prefix.nprefixes;
		break;
	default:
		return false;
	}
	if (c->i >= count)
		return false;
	off = c->off == 0 ? start : c->off;
	if (off >= l->h.length ||       /* lsa6_decode guarantees otherwise */
	    prefix_at(l->raw, off, l->h.length, out, &next) != OSPF6_OK)
		abort();
	c->off = next;
	c->i++;
	return true;
}

/* --- packets ----------------------------------------------------------- */

/* A run of 20-octet LSA headers filling buf[off..length): each must declare
 * a length of at least a header.  Sets p->nlsa.  Cost: O(length). */
static enum ospf6_status lsa_hdr_list(const uint8_t *buf, size_t off,
                                      size_t length, struct ospf6_pkt *p)
{
	unsigned n = 0;

	if ((length - off) % LSA6_HDR_LEN != 0)
		return OSPF6_BAD_LENGTH;
	for (; off < length; off += LSA6_HDR_LEN, n++)
		if (be16(buf + off + LSA_OFF_LENGTH) < LSA6_HDR_LEN)
			return OSPF6_BAD_LSA_LENGTH;
	p->nlsa = n;
	return OSPF6_OK;
}

static enum ospf6_status decode_hello(const uint8_t *buf, size_t length,
                                      struct ospf6_pkt *p)
{
	if (length < HELLO_FIXED || (length - HELLO_FIXED) % HELLO_NBR_LEN != 0)
		return OSPF6_BAD_LENGTH;
	p->iface_id = be32(buf + HELLO_OFF_IFACE_ID);
	p->priority = buf[HELLO_OFF_PRIORITY];
	p->hello_options = be24(buf + HELLO_OFF_OPTIONS);
	p->hello_interval = be16(buf + HELLO_OFF_INTERVAL);
	p->dead_interval = be16(buf + HELLO_OFF_DEAD);
	p->dr = be32(buf + HELLO_OFF_DR);
	p->bdr = be32(buf + HELLO_OFF_BDR);
	p->nneighbors = (unsigned)((length - HELLO_FIXED) / HELLO_NBR_LEN);
	return OSPF6_OK;
}

static enum ospf6_status decode_dd(const uint8_t *buf, size_t length,
                                   struct ospf6_pkt *p)
{
	if (length < DD_FIXED)
		return OSPF6_BAD_LENGTH;
	p->dd_options = be24(buf + DD_OFF_OPTIONS);
	p->dd_mtu = be16(buf + DD_OFF_MTU);
	p->dd_flags = buf[DD_OFF_FLAGS];
	p->dd_seq = be32(buf + DD_OFF_SEQ);
	return lsa_hdr_list(buf, DD_FIXED, length, p);
}

static enum ospf6_status decode_lsr(size_t length, struct ospf6_pkt *p)
{
	if ((length - LSR_FIXED) % LSR_ENTRY_LEN != 0)
		return OSPF6_BAD_LENGTH;
	p->nlsa = (unsigned)((length - LSR_FIXED) / LSR_ENTRY_LEN);
	return OSPF6_OK;
}

/*
 * LSU: a 32-bit count, then exactly that many LSAs filling the rest of the
 * packet, each checked by lsa6_decode.  The first bad LSA fails the packet
 * with its status; a count larger than the LSAs present, or smaller (bytes
 * left over), is OSPF6_BAD_LENGTH.  Cost: O(length): every LSA consumes at
 * least a header, so the loop ends when the bytes do.
 */
static enum ospf6_status decode_lsu(const uint8_t *buf, size_t length,
                                    struct ospf6_pkt *p)
{
	uint32_t count, n;
	size_t off = LSU_FIXED;
	struct lsa6 l;
	enum ospf6_status st;

	if (length < LSU_FIXED)
		return OSPF6_BAD_LENGTH;
	count = be32(buf + LSU_OFF_COUNT);
	for (n = 0; n < count; n++) {
		if (length - off < LSA6_HDR_LEN)
			return OSPF6_BAD_LENGTH;
		st = lsa6_decode(buf + off, length - off, &l);
		if (st != OSPF6_OK)
			return st;
		off += l.h.length;
	}
	if (off != length)
		return OSPF6_BAD_LENGTH;
	p->nlsa = count;
	return OSPF6_OK;
}

enum ospf6_status ospf6_decode(const uint8_t *buf, size_t len, struct ospf6_pkt *p)
{
	struct ospf6_pkt z = { 0 };
	size_t length;

	*p = z;
	if (len < OSPF6_HDR_LEN)
		return OSPF6_TRUNC;
	p->h.version = buf[OFF_VERSION];
	p->h.type = buf[OFF_TYPE];
	p->h.length = be16(buf + OFF_LENGTH);
	p->h.router_id = be32(buf + OFF_ROUTER_ID);
	p->h.area_id = be32(buf + OFF_AREA_ID);
	p->h.checksum = be16(buf + OFF_CHECKSUM);
	p->h.instance_id = buf[OFF_INSTANCE];
	p->h.reserved = buf[OFF_RESERVED];
	p->raw = buf;

	if (p->h.version != OSPF6_VERSION)
		return OSPF6_BAD_VERSION;
	if (p->h.type < OSPF6_HELLO || p->h.type > OSPF6_LSACK)
		return OSPF6_BAD_TYPE;
	length = p->h.length;
	if (length < OSPF6_HDR_LEN)
		return OSPF6_BAD_LENGTH;
	if (length > len)
		return OSPF6_TRUNC;
	p->trailer_len = len - length;

	switch (p->h.type) {
	case OSPF6_HELLO:
		return decode_hello(buf, length, p);
	case OSPF6_DD:
		return decode_dd(buf, length, p);
	case OSPF6_LSR:
		return decode_lsr(length, p);
	case OSPF6_LSU:
		return decode_lsu(buf, length, p);
	default:        /* OSPF6_LSACK */
		return lsa_hdr_list(buf, LSACK_FIXED, length, p);
	}
}

/* --- accessors over a decoded packet ---------------------------------- */

uint32_t ospf6_hello_neighbor(const struct ospf6_pkt *p, unsigned i)
{
	if (p->h.type != OSPF6_HELLO || i >= p->nneighbors)
		abort();
	return be32(p->raw + HELLO_FIXED + (size_t)i * HELLO_NBR_LEN);
}

void ospf6_lsr_entry(const struct ospf6_pkt *p, unsigned i, struct lsa6_key *out)
{
	const uint8_t *e;

	if (p->h.type != OSPF6_LSR || i >= p->nlsa)
		abort();
	e = p->raw + LSR_FIXED + (size_t)i * LSR_ENTRY_LEN;
	out->type = be16(e + LSR_ENT_OFF_TYPE);
	out->ls_id = be32(e + LSR_ENT_OFF_LS_ID);
	out->adv_router = be32(e + LSR_ENT_OFF_ADV);
}

enum ospf6_status ospf6_lsu_next(const struct ospf6_pkt *p, size_t *off,
                                 struct lsa6 *out)
{
	size_t pos;
	enum ospf6_status st;

	if (p->h.type != OSPF6_LSU)
		return OSPF6_BAD_TYPE;
	if (p->h.length < LSU_FIXED || *off >= (size_t)p->h.length - LSU_FIXED)
		return OSPF6_TRUNC;
	pos = LSU_FIXED + *off;
	st = lsa6_decode(p->raw + pos, p->h.length - pos, out);
	if (st == OSPF6_OK)
		*off += out->h.length;
	return st;
}

enum ospf6_status ospf6_lsahdr_next(const struct ospf6_pkt *p, size_t *off,
                                    struct lsa6_hdr *out)
{
	size_t start, pos;

	if (p->h.type == OSPF6_DD)
		start = DD_FIXED;
	else if (p->h.type == OSPF6_LSACK)
		start = LSACK_FIXED;
	else
		return OSPF6_BAD_TYPE;
	if (p->h.length < start || *off >= (size_t)p->h.length - start ||
	    p->h.length - start - *off < LSA6_HDR_LEN)
		return OSPF6_TRUNC;
	pos = start + *off;
	lsa6_hdr_decode(p->raw + pos, out);
	*off += LSA6_HDR_LEN;
	return OSPF6_OK;
}
