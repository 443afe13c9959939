/*
 * Packet decoder: link layer -> VLAN/MPLS -> IPv4/IPv6 (+ extension
 * headers) -> the first bytes of the transport header.
 *
 * Every layer works on a running offset into the captured bytes and checks
 * the bytes it is about to read against caplen first.  Wire bytes are read one
 * octet at a time into locals (or memcpy'd for addresses); the input buffer is
 * never cast to a struct and never written.
 *
 * Two lengths matter: caplen bounds what may be read; wirelen (>= caplen, the
 * frame size before snaplen truncation) bounds what the IP header may claim.
 */
#include <string.h>
#include <sys/socket.h>
#include <pcap/dlt.h>

#include "decode.h"

/* Link-layer header sizes and field offsets. */
#define ETH_HLEN        14      /* dst(6) src(6) type(2) */
#define ETH_OFF_DST     0
#define ETH_OFF_SRC     6
#define ETH_OFF_TYPE    12
#define ETH_MIN_TYPE    1536    /* below: 802.3 length field (LLC frame) */

#define SLL_HLEN        16      /* pkttype(2) hatype(2) alen(2) addr(8) proto(2) */
#define SLL_OFF_ALEN    4
#define SLL_OFF_ADDR    6
#define SLL_OFF_PROTO   14

#define SLL2_HLEN       20      /* proto(2) rsv(2) ifindex(4) hatype(2)
                                   pkttype(1) alen(1) addr(8) */
#define SLL2_OFF_PROTO  0
#define SLL2_OFF_ALEN   11
#define SLL2_OFF_ADDR   12

#define NULL_HLEN       4       /* address family, 32 bits */

#define VLAN_TLEN       4       /* TCI(2) type(2) */
#define MPLS_ELEN       4       /* label(20) tc(3) s(1) ttl(8) */
#define MPLS_BOS        0x100u

#define ETHERTYPE_IPV4  0x0800
#define ETHERTYPE_IPV6  0x86DD
#define ETHERTYPE_VLAN  0x8100
#define ETHERTYPE_QINQ  0x88A8
#define ETHERTYPE_QINQ_OLD 0x9100
#define ETHERTYPE_MPLS  0x8847
#define ETHERTYPE_MPLS_MC 0x8848

/* Address-family values seen in DLT_NULL / DLT_LOOP headers. */
#define BSD_AF_INET         2
#define BSD_AF_INET6_BSD    24  /* NetBSD, OpenBSD, BSD/OS */
#define BSD_AF_INET6_FREEBSD 28
#define BSD_AF_INET6_DARWIN 30

/* IPv4 header. */
#define IP4_HLEN_MIN    20
#define IP4_OFF_TOS     1
#define IP4_OFF_LEN     2
#define IP4_OFF_ID      4
#define IP4_OFF_FRAG    6
#define IP4_OFF_PROTO   9
#define IP4_OFF_SRC     12
#define IP4_OFF_DST     16
#define IP4_MF          0x2000u
#define IP4_OFFMASK     0x1fffu

/* IPv6 header and extension headers. */
#define IP6_HLEN        40
#define IP6_OFF_PLEN    4
#define IP6_OFF_NXT     6
#define IP6_OFF_SRC     8
#define IP6_OFF_DST     24
#define IP6_FRAG_HLEN   8       /* nxt(1) rsv(1) off/M(2) id(4) */
#define IP6_FRAG_M      0x0001u
#define IP6_FRAG_OFFMASK 0xfff8u

/* Protocol numbers (IANA). */
#define P_HOPOPTS       0
#define P_ICMP          1
#define P_TCP           6
#define P_UDP           17
#define P_DCCP          33
#define P_ROUTING       43
#define P_FRAGMENT      44
#define P_ESP           50
#define P_AH            51
#define P_ICMPV6        58
#define P_NONE          59
#define P_DSTOPTS       60
#define P_SCTP          132
#define P_MOBILITY      135
#define P_UDPLITE       136
#define P_HIP           139
#define P_SHIM6         140

#define TCP_NEED        14      /* ports(4) seq(4) ack(4) off(1) flags(1) */
#define TCP_OFF_FLAGS   13
#define PORTS_NEED      4
#define ICMP_NEED       2

/* One decode in progress.  Invariant: off <= caplen <= wirelen wherever an
 * offset is passed around. */
struct pkt_ctx {
	const uint8_t *buf;
	size_t caplen;
	size_t wirelen;
	struct pkt_info *pi;
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* Bytes on the wire from off to the end of the frame, capped to 32 bits. */
static uint32_t wire_after(const struct pkt_ctx *c, size_t off)
{
	size_t n = c->wirelen - off;

	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

/*
 * Read the ports / ICMP type-code / TCP flags of protocol proto whose header
 * starts at off; lim is the end of the IP payload clipped to caplen.
 * Protocols without ports leave them 0 and succeed.  Cost: O(1).
 */
static enum pkt_status decode_l4(struct pkt_ctx *c, size_t off, size_t lim,
                                 int is_v6)
{
	struct pkt_info *pi = c->pi;
	const uint8_t *p;
	size_t need;

	pi->l4_off = (uint32_t)off;
	pi->l4_len = lim > off ? (uint32_t)(lim - off) : 0;
	switch (pi->proto) {
	case P_TCP:
		need = TCP_NEED;
		break;
	case P_UDP:
	case P_UDPLITE:
	case P_SCTP:
	case P_DCCP:
		need = PORTS_NEED;
		break;
	case P_ICMP:
		if (is_v6)
			return PKT_OK;
		need = ICMP_NEED;
		break;
	case P_ICMPV6:
		if (!is_v6)
			return PKT_OK;
		need = ICMP_NEED;
		break;
	default:
		return PKT_OK;
	}
	if (lim < off || lim - off < need)
		return PKT_TRUNC_L4;
	p = c->buf + off;
	if (need == ICMP_NEED) {
		pi->sport = 0;
		pi->dport = get16(p);
		return PKT_OK;
	}
	pi->sport = get16(p);
	pi->dport = get16(p + 2);
	if (pi->proto == P_TCP)
		pi->tcp_flags = p[TCP_OFF_FLAGS];
	return PKT_OK;
}

/*
 * IPv4 header at off (version already checked).  Validates IHL and total
 * length against the captured and wire bytes, records addresses, ToS and
 * fragment state, then hands the payload to decode_l4 unless this is a later
 * fragment.  Cost: O(1).
 */
static enum pkt_status decode_ipv4(struct pkt_ctx *c, size_t off)
{
	struct pkt_info *pi = c->pi;
	const uint8_t *h = c->buf + off;
	size_t cap = c->caplen - off;
	size_t hlen;
	uint32_t tot, wire = wire_after(c, off);
	uint16_t frag;

	pi->af = AF_INET;
	if (cap < IP4_HLEN_MIN)
		return PKT_TRUNC_L3;
	hlen = (size_t)(h[0] & 0x0f) * 4;
	if (hlen < IP4_HLEN_MIN)
		return PKT_BAD_IP_HLEN;
	if (cap < hlen)
		return PKT_TRUNC_L3;

	memcpy(pi->src.b, h + IP4_OFF_SRC, 4);
	memcpy(pi->dst.b, h + IP4_OFF_DST, 4);
	pi->tos = h[IP4_OFF_TOS];
	pi->proto = h[IP4_OFF_PROTO];
	pi->frag_id = get16(h + IP4_OFF_ID);

	tot = get16(h + IP4_OFF_LEN);
	if (tot == 0)
		tot = wire;             /* TSO/GSO capture: length left unset */
	else if (tot > wire)
		return PKT_BAD_IP_LEN;
	if (tot < IP4_HLEN_MIN)
		return PKT_BAD_IP_LEN;
	if (tot < hlen)
		return PKT_BAD_IP_HLEN;
	pi->ip_len = tot;

	frag = get16(h + IP4_OFF_FRAG);
	if (frag & IP4_OFFMASK) {
		pi->frag = PKT_FRAG_LATER;
		return PKT_OK;
	}
	if (frag & IP4_MF)
		pi->frag = PKT_FRAG_FIRST;

	return decode_l4(c, off + hlen,
	    c->caplen - off < tot ? c->caplen : off + tot, 0);
}

/*
 * IPv6 header at off (version already checked), then at most PKT_MAX_V6EXT
 * extension headers, each checked against the end of the payload clipped to
 * caplen.  A payload length of 0 (jumbogram, or a TSO/BIG TCP capture) counts
 * every wire byte after the link header.  Cost: O(PKT_MAX_V6EXT).
 */
static enum pkt_status decode_ipv6(struct pkt_ctx *c, size_t off)
{
	struct pkt_info *pi = c->pi;
	const uint8_t *h = c->buf + off, *e;
	uint32_t len, wire = wire_after(c, off);
	size_t p, lim, elen;
	uint16_t frag;
	uint8_t nxt;
	int n;

	pi->af = AF_INET6;
	if (c->caplen - off < IP6_HLEN)
		return PKT_TRUNC_L3;
	memcpy(pi->src.b, h + IP6_OFF_SRC, 16);
	memcpy(pi->dst.b, h + IP6_OFF_DST, 16);
	pi->tos = (uint8_t)(get16(h) >> 4);
	nxt = h[IP6_OFF_NXT];
	pi->proto = nxt;

	len = get16(h + IP6_OFF_PLEN);
	if (len == 0 && nxt != P_NONE)
		len = wire;     /* jumbo payload option or TSO: use the wire */
	else
		len += IP6_HLEN;
	if (len > wire)
		return PKT_BAD_IP_LEN;
	pi->ip_len = len;

	lim = c->caplen - off < len ? c->caplen : off + len;
	p = off + IP6_HLEN;
	for (n = 0;; n++) {
		switch (nxt) {
		case P_HOPOPTS:
		case P_ROUTING:
		case P_DSTOPTS:
		case P_MOBILITY:
		case P_HIP:
		case P_SHIM6:
		case P_AH:
			if (n >= PKT_MAX_V6EXT || lim - p < 2)
				return PKT_BAD_V6EXT;
			e = c->buf + p;
			if (nxt == P_AH)
				elen = ((size_t)e[1] + 2) * 4;
			else
				elen = ((size_t)e[1] + 1) * 8;
			if (lim - p < elen)
				return PKT_BAD_V6EXT;
			nxt = e[0];
			p += elen;
			break;
		case P_FRAGMENT:
			if (n >= PKT_MAX_V6EXT || lim - p < IP6_FRAG_HLEN)
				return PKT_BAD_V6EXT;
			e = c->buf + p;
			nxt = e[0];
			frag = get16(e + 2);
			pi->frag_id = get32(e + 4);
			p += IP6_FRAG_HLEN;
			if (frag & IP6_FRAG_OFFMASK) {
				pi->frag = PKT_FRAG_LATER;
				pi->proto = nxt;
				return PKT_OK;
			}
			if (frag & IP6_FRAG_M)
				pi->frag = PKT_FRAG_FIRST;
			break;
		case P_ESP:
		case P_NONE:
			pi->proto = nxt;
			return PKT_OK;
		default:
			pi->proto = nxt;
			return decode_l4(c, p, lim, 1);
		}
	}
}

/*
 * IP header at off.  want is 4 or 6 when the link layer named the version,
 * 0 when the version nibble alone decides (raw IP).  Cost: that of the IP
 * decoder.
 */
static enum pkt_status decode_ip(struct pkt_ctx *c, size_t off, int want)
{
	int v;

	if (off >= c->caplen)
		return PKT_TRUNC_L3;
	v = c->buf[off] >> 4;
	if (want != 0 && v != want)
		return PKT_BAD_IP_VERSION;
	if (v == 4)
		return decode_ipv4(c, off);
	if (v == 6)
		return decode_ipv6(c, off);
	return PKT_BAD_IP_VERSION;
}

/*
 * MPLS label stack at off: pop up to PKT_MAX_MPLS entries until bottom of
 * stack, then guess the payload from its first nibble (there is no type
 * field).  Cost: O(PKT_MAX_MPLS).
 */
static enum pkt_status decode_mpls(struct pkt_ctx *c, size_t off)
{
	struct pkt_info *pi = c->pi;
	uint32_t ent;
	int i;

	for (i = 0; i < PKT_MAX_MPLS; i++) {
		if (c->caplen - off < MPLS_ELEN)
			return PKT_TRUNC_L2;
		ent = get32(c->buf + off);
		if (i == 0)
			pi->mpls_top = ent;
		pi->mpls_depth++;
		off += MPLS_ELEN;
		if (ent & MPLS_BOS) {
			if (off >= c->caplen)
				return PKT_TRUNC_L3;
			switch (c->buf[off] >> 4) {
			case 4:
				return decode_ip(c, off, 4);
			case 6:
				return decode_ip(c, off, 6);
			default:
				return PKT_NOT_IP;  /* pseudowire, control word */
			}
		}
	}
	return PKT_MPLS_DEPTH;
}

/*
 * Dispatch on an ethertype whose payload starts at off, popping up to
 * PKT_MAX_VLAN VLAN tags on the way.  Cost: O(PKT_MAX_VLAN + PKT_MAX_MPLS).
 */
static enum pkt_status decode_ethertype(struct pkt_ctx *c, size_t off,
                                        uint16_t type)
{
	struct pkt_info *pi = c->pi;
	uint16_t vid;

	for (;;) {
		switch (type) {
		case ETHERTYPE_IPV4:
			return decode_ip(c, off, 4);
		case ETHERTYPE_IPV6:
			return decode_ip(c, off, 6);
		case ETHERTYPE_MPLS:
		case ETHERTYPE_MPLS_MC:
			return decode_mpls(c, off);
		case ETHERTYPE_VLAN:
		case ETHERTYPE_QINQ:
		case ETHERTYPE_QINQ_OLD:
			if (pi->vlan_depth >= PKT_MAX_VLAN)
				return PKT_VLAN_DEPTH;
			if (c->caplen - off < VLAN_TLEN)
				return PKT_TRUNC_L2;
			vid = get16(c->buf + off) & 0x0fff;
			if (pi->vlan_depth == 0)
				pi->vlan = vid;
			else if (pi->vlan_depth == 1)
				pi->inner_vlan = vid;
			pi->vlan_depth++;
			type = get16(c->buf + off + 2);
			off += VLAN_TLEN;
			break;
		default:
			return PKT_NOT_IP;
		}
	}
}

/*
 * DLT_NULL / DLT_LOOP: a 32-bit address family.  DLT_NULL stores it in the
 * capturing host's byte order, which the reader cannot know, so both orders
 * are tried; DLT_LOOP is always network order.  Cost: O(1) + IP.
 */
static enum pkt_status decode_null(struct pkt_ctx *c, int either_order)
{
	const uint8_t *h = c->buf;
	uint32_t be, le;
	int i;
	static const uint32_t v6[] = {
		BSD_AF_INET6_BSD, BSD_AF_INET6_FREEBSD, BSD_AF_INET6_DARWIN
	};

	if (c->caplen < NULL_HLEN)
		return PKT_TRUNC_L2;
	be = get32(h);
	le = (uint32_t)h[3] << 24 | (uint32_t)h[2] << 16 |
	    (uint32_t)h[1] << 8 | h[0];
	if (!either_order)
		le = be;
	if (be == BSD_AF_INET || le == BSD_AF_INET)
		return decode_ip(c, NULL_HLEN, 4);
	for (i = 0; i < (int)(sizeof(v6) / sizeof(v6[0])); i++)
		if (be == v6[i] || le == v6[i])
			return decode_ip(c, NULL_HLEN, 6);
	return PKT_NOT_IP;
}

/*
 * See decode.h.  Link-layer headers are decoded here; the rest by the helpers
 * above.  Cost: O(header bytes), bounded by the PKT_MAX_* limits.
 */
enum pkt_status pkt_decode(int dlt, const uint8_t *buf, size_t caplen,
                           size_t wirelen, struct pkt_info *pi)
{
	struct pkt_ctx c;
	uint16_t type;

	memset(pi, 0, sizeof(*pi));
	c.buf = buf;
	c.caplen = buf != NULL ? caplen : 0;
	c.wirelen = wirelen < c.caplen ? c.caplen : wirelen;
	c.pi = pi;

	switch (dlt) {
	case DLT_EN10MB:
		if (c.caplen < ETH_HLEN)
			return PKT_TRUNC_L2;
		memcpy(pi->dst_mac, buf + ETH_OFF_DST, 6);
		memcpy(pi->src_mac, buf + ETH_OFF_SRC, 6);
		pi->has_mac = 1;
		type = get16(buf + ETH_OFF_TYPE);
		if (type < ETH_MIN_TYPE)
			return PKT_NOT_IP;      /* 802.3 length: LLC/SNAP */
		return decode_ethertype(&c, ETH_HLEN, type);
	case DLT_LINUX_SLL:
		if (c.caplen < SLL_HLEN)
			return PKT_TRUNC_L2;
		if (get16(buf + SLL_OFF_ALEN) == 6) {
			memcpy(pi->src_mac, buf + SLL_OFF_ADDR, 6);
			pi->has_mac = 1;
		}
		return decode_ethertype(&c, SLL_HLEN, get16(buf + SLL_OFF_PROTO));
	case DLT_LINUX_SLL2:
		if (c.caplen < SLL2_HLEN)
			return PKT_TRUNC_L2;
		if (buf[SLL2_OFF_ALEN] == 6) {
			memcpy(pi->src_mac, buf + SLL2_OFF_ADDR, 6);
			pi->has_mac = 1;
		}
		return decode_ethertype(&c, SLL2_HLEN,
		    get16(buf + SLL2_OFF_PROTO));
	case DLT_RAW:
		return decode_ip(&c, 0, 0);
	case DLT_IPV4:
		return decode_ip(&c, 0, 4);
	case DLT_IPV6:
		return decode_ip(&c, 0, 6);
	case DLT_NULL:
		return decode_null(&c, 1);
	case DLT_LOOP:
		return decode_null(&c, 0);
	default:
		return PKT_BAD_LINKTYPE;
	}
}

static const char *const status_names[PKT_STATUS_MAX] = {
	[PKT_OK]             = "ok",
	[PKT_NOT_IP]         = "not-ip",
	[PKT_BAD_LINKTYPE]   = "bad-linktype",
	[PKT_TRUNC_L2]       = "trunc-l2",
	[PKT_VLAN_DEPTH]     = "vlan-depth",
	[PKT_MPLS_DEPTH]     = "mpls-depth",
	[PKT_TRUNC_L3]       = "trunc-l3",
	[PKT_BAD_IP_VERSION] = "bad-ip-version",
	[PKT_BAD_IP_HLEN]    = "bad-ip-hlen",
	[PKT_BAD_IP_LEN]     = "bad-ip-len",
	[PKT_BAD_V6EXT]      = "bad-v6ext",
	[PKT_TRUNC_L4]       = "trunc-l4",
};

const char *pkt_status_name(enum pkt_status st)
{
	if ((unsigned)st >= PKT_STATUS_MAX || status_names[st] == NULL)
		return "unknown";
	return status_names[st];
}
