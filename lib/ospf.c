/*
 * OSPFv2 packet and LSA decoder (RFC 2328 appendix A, RFC 3101, RFC 5250).
 *
 * Every function here is pure: it reads the caller's bytes, never writes
 * them, and keeps no state.  Wire fields are read an octet at a time into
 * host-order locals; the buffer is never cast to a struct.  Every read is
 * preceded by a length check, layer by layer: the OSPF header against the
 * bytes captured, the declared packet length against those bytes, each LSA's
 * declared length against what is left of the packet, and each element of an
 * LSA body against the LSA's length.  Loops whose count comes from the wire
 * also stop when the bytes run out, so their cost is bounded by the input
 * size whatever the counts say.
 *
 * The accessors (ospf_hello_neighbor, ospf_lsu_next, ospf_lsahdr_next,
 * lsa_router_link, lsa_network_router) trust that their argument came from a
 * successful decode; an index out of range is a caller bug and aborts.
 */
#include <stdlib.h>
#include <string.h>

#include "ospf.h"
#include "be.h"

/* OSPF packet header (A.3.1). */
#define OFF_VERSION     0
#define OFF_TYPE        1
#define OFF_LENGTH      2
#define OFF_ROUTER_ID   4
#define OFF_AREA_ID     8
#define OFF_CHECKSUM    12
#define OFF_AUTYPE      14
#define OFF_AUTH        16
#define AUTH_LEN        8
#define OFF_KEY_ID      18      /* cryptographic authentication (D.3) */
#define OFF_AUTH_LEN    19
#define OFF_CRYPTO_SEQ  20

/* Hello (A.3.2): offsets from the start of the packet. */
#define HELLO_OFF_MASK      24
#define HELLO_OFF_INTERVAL  28
#define HELLO_OFF_OPTIONS   30
#define HELLO_OFF_PRIORITY  31
#define HELLO_OFF_DEAD      32
#define HELLO_OFF_DR        36
#define HELLO_OFF_BDR       40
#define HELLO_FIXED         44      /* neighbors start here */
#define HELLO_NBR_LEN       4

/* Database Description (A.3.3). */
#define DD_OFF_MTU      24
#define DD_OFF_OPTIONS  26
#define DD_OFF_FLAGS    27
#define DD_OFF_SEQ      28
#define DD_FIXED        32          /* LSA headers start here */

/* Link State Request (A.3.4). */
#define LSR_ENTRY_LEN   12

/* Link State Update (A.3.5). */
#define LSU_OFF_COUNT   24
#define LSU_FIXED       28          /* LSAs start here */

/* Link State Acknowledgment (A.3.6). */
#define LSACK_FIXED     24

/* LSA header (A.4.1). */
#define LSA_OFF_AGE         0
#define LSA_OFF_OPTIONS     2
#define LSA_OFF_TYPE        3
#define LSA_OFF_LS_ID       4
#define LSA_OFF_ADV_ROUTER  8
#define LSA_OFF_SEQ         12
#define LSA_OFF_CHECKSUM    16
#define LSA_OFF_LENGTH      18
#define LSA_DO_NOT_AGE      0x8000u  /* RFC 1793 */

/* Router-LSA (A.4.2). */
#define RTR_OFF_FLAGS       20
#define RTR_OFF_NLINKS      22
#define RTR_FIXED           24      /* links start here */
#define RTR_LINK_LEN        12      /* id(4) data(4) type(1) #tos(1) metric(2) */
#define RTR_LINK_OFF_DATA   4
#define RTR_LINK_OFF_TYPE   8
#define RTR_LINK_OFF_NTOS   9
#define RTR_LINK_OFF_METRIC 10
#define RTR_TOS_LEN         4       /* tos(1) 0(1) metric(2) */

/* Network-LSA (A.4.3), summary-LSAs (A.4.4), AS-external-LSAs (A.4.5). */
#define NET_OFF_MASK        20
#define NET_FIXED           24      /* attached routers start here */
#define SUM_OFF_MASK        20
#define SUM_FIXED           24      /* TOS entries start here */
#define SUM_TOS_LEN         4       /* tos(1) metric(3) */
#define EXT_OFF_MASK        20
#define EXT_FIXED           24      /* TOS entries start here */
#define EXT_TOS_LEN         12      /* E|tos(1) metric(3) fwd(4) tag(4) */
#define EXT_E_BIT           0x80u


/* Fletcher checksum (12.1.7): computed from the options field on. */
#define FLETCHER_START      LSA_OFF_OPTIONS
#define FLETCHER_MOD        255

const char *ospf_status_name(enum ospf_status st)
{
	switch (st) {
	case OSPF_OK:               return "ok";
	case OSPF_TRUNC:            return "trunc";
	case OSPF_BAD_VERSION:      return "bad-version";
	case OSPF_BAD_TYPE:         return "bad-type";
	case OSPF_BAD_LENGTH:       return "bad-length";
	case OSPF_BAD_CHECKSUM:     return "bad-checksum";
	case OSPF_BAD_LSA_LENGTH:   return "bad-lsa-length";
	case OSPF_BAD_LSA_CHECKSUM: return "bad-lsa-checksum";
	case OSPF_BAD_LSA_TYPE:     return "bad-lsa-type";
	case OSPF_BAD_LSA_AGE:      return "bad-lsa-age";
	case OSPF_AUTH_BAD_LENGTH:  return "auth-bad-length";
	case OSPF_AUTH_BAD_DIGEST:  return "auth-bad-digest";
	case OSPF_AUTH_NO_KEY:      return "auth-unknown-key";
	case OSPF_AUTH_MISSING:     return "auth-missing";
	case OSPF_AUTH_REPLAYED:    return "auth-replayed";
	case OSPF_STATUS_MAX:       break;
	}
	return "unknown";
}

/* --- checksums -------------------------------------------------------- */

/*
 * Internet checksum (RFC 1071) over buf[0..len) with the 8 authentication
 * octets at OFF_AUTH taken as zero, as RFC 2328 D.4.1 and D.4.2 define it.
 * True when the sum, checksum field included, folds to 0xffff.
 * Needs len >= OSPF_HDR_LEN.  Cost: O(len).
 */
static bool pkt_checksum_ok(const uint8_t *buf, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2) {
		if (i >= OFF_AUTH && i < OFF_AUTH + AUTH_LEN)
			continue;
		sum += be16(buf + i);
		sum = (sum & 0xffff) + (sum >> 16);
	}
	if (len % 2)                    /* odd length: pad with a zero octet */
		sum += (uint32_t)buf[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

/*
 * The two Fletcher sums (mod 255) over lsa[FLETCHER_START..len); when
 * zero_field is set the two checksum octets count as zero.  Cost: O(len).
 */
static void fletcher_sums(const uint8_t *lsa, size_t len, bool zero_field,
                          uint32_t *c0, uint32_t *c1)
{
	uint32_t a = 0, b = 0;
	size_t i;

	for (i = FLETCHER_START; i < len; i++) {
		uint32_t v = lsa[i];

		if (zero_field && (i == LSA_OFF_CHECKSUM || i == LSA_OFF_CHECKSUM + 1))
			v = 0;
		a = (a + v) % FLETCHER_MOD;
		b = (b + a) % FLETCHER_MOD;
	}
	*c0 = a;
	*c1 = b;
}

/*
 * The value for the LS checksum field of the LSA in lsa[0..len) (len is the
 * LSA's length; the field's current contents are ignored): the ISO 8473
 * Fletcher checksum RFC 2328 12.1.7 uses, over the LSA from the options
 * field on.  Neither octet of the result is ever zero.  Returns 0 when len
 * cannot hold an LSA header.  Cost: O(len).
 */
uint16_t lsa_checksum(const uint8_t *lsa, size_t len)
{
	uint32_t c0, c1;
	size_t n;          /* octets from the checksum field's first to the end */
	int32_t x, y;

	if (lsa == NULL || len < LSA_HDR_LEN)
		return 0;
	fletcher_sums(lsa, len, true, &c0, &c1);
	n = len - LSA_OFF_CHECKSUM;
	/* X = (n - 1) * c0 - c1, Y = -X - c0, each mod 255 in 1..255. */
	x = (int32_t)(((n - 1) % FLETCHER_MOD) * c0 % FLETCHER_MOD) - (int32_t)c1;
	x %= FLETCHER_MOD;
	if (x <= 0)
		x += FLETCHER_MOD;
	y = (2 * FLETCHER_MOD - (int32_t)c0 - x) % FLETCHER_MOD;
	if (y <= 0)
		y += FLETCHER_MOD;
	return (uint16_t)(x << 8 | y);
}

/*
 * True when the LS checksum of the LSA in lsa[0..len) verifies: both
 * Fletcher sums over the LSA from the options field on, checksum field
 * included, are zero.  False when len cannot hold an LSA header.
 * Cost: O(len).
 */
bool lsa_checksum_ok(const uint8_t *lsa, size_t len)
{
	uint32_t c0, c1;

	if (lsa == NULL || len < LSA_HDR_LEN)
		return false;
	fletcher_sums(lsa, len, false, &c0, &c1);
	return c0 == 0 && c1 == 0;
}

/* --- LSAs ------------------------------------------------------------- */

void lsa_hdr_decode(const uint8_t *buf, struct lsa_hdr *out)
{
	uint16_t age = be16(buf + LSA_OFF_AGE);

	out->do_not_age = (age & LSA_DO_NOT_AGE) != 0;
	out->age = (uint16_t)(age & ~LSA_DO_NOT_AGE);
	out->options = buf[LSA_OFF_OPTIONS];
	out->type = buf[LSA_OFF_TYPE];
	out->ls_id = be32(buf + LSA_OFF_LS_ID);
	out->adv_router = be32(buf + LSA_OFF_ADV_ROUTER);
	out->seq = (int32_t)be32(buf + LSA_OFF_SEQ);
	out->checksum = be16(buf + LSA_OFF_CHECKSUM);
	out->length = be16(buf + LSA_OFF_LENGTH);
}

/*
 * Router-LSA body: flags, #links, then #links links of 12 octets each
 * followed by #TOS entries of 4.  The links must use up the LSA exactly.
 * Cost: O(length); the walk stops at the LSA's end whatever #links says.
 */
static enum ospf_status lsa_router_body(const uint8_t *b, size_t length,
                                        struct lsa *out)
{
	size_t off = RTR_FIXED;
	unsigned i, nlinks;

	if (length < RTR_FIXED)
		return OSPF_BAD_LSA_LENGTH;
	out->u.router.flags = b[RTR_OFF_FLAGS];
	nlinks = be16(b + RTR_OFF_NLINKS);
	for (i = 0; i < nlinks; i++) {
		if (length - off < RTR_LINK_LEN)
			return OSPF_BAD_LSA_LENGTH;
		off += RTR_LINK_LEN + (size_t)b[off + RTR_LINK_OFF_NTOS] * RTR_TOS_LEN;
		if (off > length)
			return OSPF_BAD_LSA_LENGTH;
	}
	if (off != length)
		return OSPF_BAD_LSA_LENGTH;
	out->u.router.nlinks = (uint16_t)nlinks;
	return OSPF_OK;
}

/* Network-LSA body: mask and at least one attached router.  Cost: O(1). */
static enum ospf_status lsa_network_body(const uint8_t *b, size_t length,
                                         struct lsa *out)
{
	if (length < NET_FIXED + 4 || (length - NET_FIXED) % 4 != 0)
		return OSPF_BAD_LSA_LENGTH;
	out->u.network.mask = be32(b + NET_OFF_MASK);
	out->u.network.nrouters = (uint16_t)((length - NET_FIXED) / 4);
	return OSPF_OK;
}

/* Summary-LSA body (types 3, 4): mask, the TOS 0 metric, maybe more TOS
 * entries of 4 octets.  Cost: O(1). */
static enum ospf_status lsa_summary_body(const uint8_t *b, size_t length,
                                         struct lsa *out)
{
	if (length < SUM_FIXED + SUM_TOS_LEN ||
	    (length - SUM_FIXED) % SUM_TOS_LEN != 0)
		return OSPF_BAD_LSA_LENGTH;
	out->u.summary.mask = be32(b + SUM_OFF_MASK);
	out->u.summary.metric = be24(b + SUM_FIXED + 1);
	return OSPF_OK;
}

/* AS-external / NSSA body (types 5, 7): mask, then entries of 12 octets,
 * the first for TOS 0.  Cost: O(1). */
static enum ospf_status lsa_external_body(const uint8_t *b, size_t length,
                                          struct lsa *out)
{
	const uint8_t *e = b + EXT_FIXED;

	if (length < EXT_FIXED + EXT_TOS_LEN ||
	    (length - EXT_FIXED) % EXT_TOS_LEN != 0)
		return OSPF_BAD_LSA_LENGTH;
	out->u.external.mask = be32(b + EXT_OFF_MASK);
	out->u.external.e2 = (e[0] & EXT_E_BIT) != 0;
	out->u.external.metric = be24(e + 1);
	out->u.external.fwd = be32(e + 4);
	out->u.external.tag = be32(e + 8);
	out->u.external.p = out->h.type == LSA_NSSA &&
	    (out->h.options & OSPF_OPT_NP) != 0;
	return OSPF_OK;
}

/*
 * Check and decode the LSA at buf[0..len).  Checks, in this order: a header
 * fits (else OSPF_TRUNC), the declared length is at least a header and fits
 * in len (OSPF_BAD_LSA_LENGTH), the age is at most MaxAge once the DoNotAge
 * bit is cleared (OSPF_BAD_LSA_AGE), the Fletcher checksum
 * (OSPF_BAD_LSA_CHECKSUM), the type (OSPF_BAD_LSA_TYPE), and the body's
 * layout against the declared length (OSPF_BAD_LSA_LENGTH).  Octets past the
 * declared length are not looked at.  *out is filled only as far as the
 * checks got.  Cost: O(length).
 */
enum ospf_status lsa_decode(const uint8_t *buf, size_t len, struct lsa *out)
{
	size_t length;

	memset(out, 0, sizeof(*out));
	if (len < LSA_HDR_LEN)
		return OSPF_TRUNC;
	lsa_hdr_decode(buf, &out->h);
	out->raw = buf;
	length = out->h.length;
	if (length < LSA_HDR_LEN || length > len)
		return OSPF_BAD_LSA_LENGTH;
	if (out->h.age > OSPF_MAX_AGE)
		return OSPF_BAD_LSA_AGE;
	if (!lsa_checksum_ok(buf, length))
		return OSPF_BAD_LSA_CHECKSUM;

	switch (out->h.type) {
	case LSA_ROUTER:
		return lsa_router_body(buf, length, out);
	case LSA_NETWORK:
		return lsa_network_body(buf, length, out);
	case LSA_SUMMARY:
	case LSA_ASBR_SUMMARY:
		return lsa_summary_body(buf, length, out);
	case LSA_EXTERNAL:
	case LSA_NSSA:
		return lsa_external_body(buf, length, out);
	case LSA_OPAQUE_LINK:
	case LSA_OPAQUE_AREA:
	case LSA_OPAQUE_AS:
		return OSPF_OK;
	default:
		return OSPF_BAD_LSA_TYPE;
	}
}

/*
 * The i-th link of a router-LSA that lsa_decode accepted.  Walks the links
 * before it, stepping over their TOS entries.  Cost: O(i).
 */
void lsa_router_link(const struct lsa *l, unsigned i, struct lsa_router_link *out)
{
	const uint8_t *b = l->raw;
	size_t off = RTR_FIXED, length = l->h.length;
	unsigned k;

	if (l->h.type != LSA_ROUTER || i >= l->u.router.nlinks)
		abort();
	for (k = 0; k < i; k++)
		off += RTR_LINK_LEN + (size_t)b[off + RTR_LINK_OFF_NTOS] * RTR_TOS_LEN;
	if (off + RTR_LINK_LEN > length)   /* lsa_decode guarantees otherwise */
		abort();
	out->id = be32(b + off);
	out->data = be32(b + off + RTR_LINK_OFF_DATA);
	out->type = b[off + RTR_LINK_OFF_TYPE];
	out->metric = be16(b + off + RTR_LINK_OFF_METRIC);
}

/*
 * The next link of a router-LSA that lsa_decode accepted, from a cursor
 * zeroed by the caller.  False once nlinks links were read.  A cursor used
 * with another LSA, or an LSA of another type, is a caller bug and aborts.
 * Cost: O(1).
 */
bool lsa_router_link_next(const struct lsa *l, struct lsa_link_cursor *c,
                          struct lsa_router_link *out)
{
	const uint8_t *b = l->raw;
	size_t off;

	if (l->h.type != LSA_ROUTER)
		abort();
	if (c->i >= l->u.router.nlinks)
		return false;
	off = c->off == 0 ? RTR_FIXED : c->off;
	if (off + RTR_LINK_LEN > l->h.length)   /* lsa_decode guarantees otherwise */
		abort();
	out->id = be32(b + off);
	out->data = be32(b + off + RTR_LINK_OFF_DATA);
	out->type = b[off + RTR_LINK_OFF_TYPE];
	out->metric = be16(b + off + RTR_LINK_OFF_METRIC);
	c->off = off + RTR_LINK_LEN + (size_t)b[off + RTR_LINK_OFF_NTOS] * RTR_TOS_LEN;
	c->i++;
	return true;
}

/* The i-th attached router of a network-LSA.  Cost: O(1). */
uint32_t lsa_network_router(const struct lsa *l, unsigned i)
{
	if (l->h.type != LSA_NETWORK || i >= l->u.network.nrouters)
		abort();
	return be32(l->raw + NET_FIXED + (size_t)i * 4);
}

/*
 * RFC 2328 13.1.  Ages are compared with the DoNotAge bit already cleared
 * (lsa_hdr_decode does that).  Cost: O(1).
 */
int lsa_compare(const struct lsa_hdr *a, const struct lsa_hdr *b)
{
	if (a->seq != b->seq)
		return a->seq > b->seq ? 1 : -1;
	if (a->checksum != b->checksum)
		return a->checksum > b->checksum ? 1 : -1;
	if ((a->age == OSPF_MAX_AGE) != (b->age == OSPF_MAX_AGE))
		return a->age == OSPF_MAX_AGE ? 1 : -1;
	if (a->age > b->age && a->age - b->age > OSPF_MAX_AGE_DIFF)
		return -1;
	if (b->age > a->age && b->age - a->age > OSPF_MAX_AGE_DIFF)
		return 1;
	return 0;
}

/* --- packets ---------------------------------------------------------- */

/* A run of 20-octet LSA headers filling buf[off..length): each must declare
 * a length of at least a header.  Sets p->nlsa.  Cost: O(length). */
static enum ospf_status lsa_hdr_list(const uint8_t *buf, size_t off,
                                     size_t length, struct ospf_pkt *p)
{
	unsigned n = 0;

	if ((length - off) % LSA_HDR_LEN != 0)
		return OSPF_BAD_LENGTH;
	for (; off < length; off += LSA_HDR_LEN, n++)
		if (be16(buf + off + LSA_OFF_LENGTH) < LSA_HDR_LEN)
			return OSPF_BAD_LSA_LENGTH;
	p->nlsa = n;
	return OSPF_OK;
}

static enum ospf_status decode_hello(const uint8_t *buf, size_t length,
                                     struct ospf_pkt *p)
{
	if (length < HELLO_FIXED || (length - HELLO_FIXED) % HELLO_NBR_LEN != 0)
		return OSPF_BAD_LENGTH;
	p->hello_mask = be32(buf + HELLO_OFF_MASK);
	p->hello_interval = be16(buf + HELLO_OFF_INTERVAL);
	p->hello_options = buf[HELLO_OFF_OPTIONS];
	p->priority = buf[HELLO_OFF_PRIORITY];
	p->dead_interval = be32(buf + HELLO_OFF_DEAD);
	p->dr = be32(buf + HELLO_OFF_DR);
	p->bdr = be32(buf + HELLO_OFF_BDR);
	p->nneighbors = (unsigned)((length - HELLO_FIXED) / HELLO_NBR_LEN);
	return OSPF_OK;
}

static enum ospf_status decode_dd(const uint8_t *buf, size_t length,
                                  struct ospf_pkt *p)
{
	if (length < DD_FIXED)
		return OSPF_BAD_LENGTH;
	p->dd_mtu = be16(buf + DD_OFF_MTU);
	p->dd_options = buf[DD_OFF_OPTIONS];
	p->dd_flags = buf[DD_OFF_FLAGS];
	p->dd_seq = be32(buf + DD_OFF_SEQ);
	return lsa_hdr_list(buf, DD_FIXED, length, p);
}

/*
 * LSU: a 32-bit count, then exactly that many LSAs filling the rest of the
 * packet, each checked by lsa_decode.  The first bad LSA fails the packet
 * with its status; a count larger than the LSAs present, or smaller (bytes
 * left over), is OSPF_BAD_LENGTH.  Cost: O(length): every LSA consumes at
 * least a header, so the loop ends when the bytes do.
 */
static enum ospf_status decode_lsu(const uint8_t *buf, size_t length,
                                   struct ospf_pkt *p)
{
	uint32_t count, n;
	size_t off = LSU_FIXED;
	struct lsa l;
	enum ospf_status st;

	if (length < LSU_FIXED)
		return OSPF_BAD_LENGTH;
	count = be32(buf + LSU_OFF_COUNT);
	for (n = 0; n < count; n++) {
		if (length - off < LSA_HDR_LEN)
			return OSPF_BAD_LENGTH;
		st = lsa_decode(buf + off, length - off, &l);
		if (st != OSPF_OK)
			return st;
		off += l.h.length;
	}
	if (off != length)
		return OSPF_BAD_LENGTH;
	p->nlsa = count;
	return OSPF_OK;
}

/*
 * Check and decode one OSPF packet.  Order of checks: a header fits
 * (OSPF_TRUNC), version (OSPF_BAD_VERSION), type (OSPF_BAD_TYPE), declared
 * length at least a header (OSPF_BAD_LENGTH) and within len (OSPF_TRUNC),
 * the checksum unless authentication is cryptographic (OSPF_BAD_CHECKSUM),
 * then the type's body.  Octets past the declared length (IP padding, the
 * cryptographic digest) are ignored.  *p is zeroed first and is meaningful
 * only on OSPF_OK.  Cost: O(len).
 */
enum ospf_status ospf_decode(const uint8_t *buf, size_t len, struct ospf_pkt *p)
{
	struct ospf_pkt z = { 0 };
	size_t length;

	*p = z;
	if (len < OSPF_HDR_LEN)
		return OSPF_TRUNC;
	p->h.version = buf[OFF_VERSION];
	p->h.type = buf[OFF_TYPE];
	p->h.length = be16(buf + OFF_LENGTH);
	p->h.router_id = be32(buf + OFF_ROUTER_ID);
	p->h.area_id = be32(buf + OFF_AREA_ID);
	p->h.checksum = be16(buf + OFF_CHECKSUM);
	p->h.autype = be16(buf + OFF_AUTYPE);
	if (p->h.autype == OSPF_AUTH_CRYPTO) {
		p->h.key_id = buf[OFF_KEY_ID];
		p->h.auth_len = buf[OFF_AUTH_LEN];
		p->h.crypto_seq = be32(buf + OFF_CRYPTO_SEQ);
	}
	p->raw = buf;

	if (p->h.version != OSPF_VERSION)
		return OSPF_BAD_VERSION;
	if (p->h.type < OSPF_HELLO || p->h.type > OSPF_LSACK)
		return OSPF_BAD_TYPE;
	length = p->h.length;
	if (length < OSPF_HDR_LEN)
		return OSPF_BAD_LENGTH;
	if (length > len)
		return OSPF_TRUNC;
	if (p->h.autype != OSPF_AUTH_CRYPTO && !pkt_checksum_ok(buf, length))
		return OSPF_BAD_CHECKSUM;

	switch (p->h.type) {
	case OSPF_HELLO:
		return decode_hello(buf, length, p);
	case OSPF_DD:
		return decode_dd(buf, length, p);
	case OSPF_LSR:
		return (length - OSPF_HDR_LEN) % LSR_ENTRY_LEN == 0 ?
		    OSPF_OK : OSPF_BAD_LENGTH;
	case OSPF_LSU:
		return decode_lsu(buf, length, p);
	default:        /* OSPF_LSACK */
		return lsa_hdr_list(buf, LSACK_FIXED, length, p);
	}
}

/* --- accessors over a decoded packet ---------------------------------- */

uint32_t ospf_hello_neighbor(const struct ospf_pkt *p, unsigned i)
{
	if (p->h.type != OSPF_HELLO || i >= p->nneighbors)
		abort();
	return be32(p->raw + HELLO_FIXED + (size_t)i * HELLO_NBR_LEN);
}

/*
 * The LSA at offset *off from the first LSA of an accepted LSU; advances
 * *off past it.  OSPF_TRUNC once the LSAs are used up; OSPF_BAD_TYPE on a
 * packet that is not an LSU.  Cost: O(LSA length) (the LSA is checked again).
 */
enum ospf_status ospf_lsu_next(const struct ospf_pkt *p, size_t *off, struct lsa *out)
{
	size_t pos;
	enum ospf_status st;

	if (p->h.type != OSPF_LSU)
		return OSPF_BAD_TYPE;
	if (p->h.length < LSU_FIXED || *off >= (size_t)p->h.length - LSU_FIXED)
		return OSPF_TRUNC;
	pos = LSU_FIXED + *off;
	st = lsa_decode(p->raw + pos, p->h.length - pos, out);
	if (st == OSPF_OK)
		*off += out->h.length;
	return st;
}

/*
 * The LSA header at offset *off from the first header of an accepted DD or
 * LSAck; advances *off past it.  OSPF_TRUNC once the headers are used up;
 * OSPF_BAD_TYPE on other packet types.  Cost: O(1).
 */
enum ospf_status ospf_lsahdr_next(const struct ospf_pkt *p, size_t *off, struct lsa_hdr *out)
{
	size_t start, pos;

	if (p->h.type == OSPF_DD)
		start = DD_FIXED;
	else if (p->h.type == OSPF_LSACK)
		start = LSACK_FIXED;
	else
		return OSPF_BAD_TYPE;
	if (p->h.length < start || *off >= (size_t)p->h.length - start ||
	    p->h.length - start - *off < LSA_HDR_LEN)
		return OSPF_TRUNC;
	pos = start + *off;
	lsa_hdr_decode(p->raw + pos, out);
	*off += LSA_HDR_LEN;
	return OSPF_OK;
}

