/*
 * Unit tests for the packet decoder (capture/decode.c): hand-built frames for
 * every link type, encapsulation and transport the decoder knows, plus
 * malformed and truncated ones.  Every frame is handed to the decoder in a
 * heap buffer of exactly caplen bytes, so a sanitizer build catches any read
 * past the captured bytes.  Also spreader_pick, the decoder-based choice of
 * the DPDK worker that meters a frame.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <pcap/dlt.h>

#include "check.h"
#include "decode.h"
#include "meter.h"
#include "spreader.h"

/* --- frame builder ---------------------------------------------------- */

struct frame {
	uint8_t b[4096];
	size_t n;
};

static const uint8_t mac_dst[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t mac_src[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t src4[4] = { 192, 0, 2, 1 };
static const uint8_t dst4[4] = { 198, 51, 100, 2 };
static const uint8_t src6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t dst6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

static void f_init(struct frame *f)
{
	memset(f, 0, sizeof(*f));
}

static void put8(struct frame *f, unsigned v)
{
	if (f->n < sizeof(f->b))
		f->b[f->n++] = (uint8_t)v;
}

static void put16(struct frame *f, unsigned v)
{
	put8(f, v >> 8);
	put8(f, v);
}

static void put32(struct frame *f, uint32_t v)
{
	put16(f, v >> 16);
	put16(f, v & 0xffff);
}

static void putmem(struct frame *f, const uint8_t *p, size_t n)
{
	while (n--)
		put8(f, *p++);
}

static void pad(struct frame *f, size_t n)
{
	while (n--)
		put8(f, 0);
}

static void set16(struct frame *f, size_t off, unsigned v)
{
	f->b[off] = (uint8_t)(v >> 8);
	f->b[off + 1] = (uint8_t)v;
}

static void eth(struct frame *f, unsigned type)
{
	putmem(f, mac_dst, 6);
	putmem(f, mac_src, 6);
	put16(f, type);
}

static void vlan(struct frame *f, unsigned tci, unsigned type)
{
	put16(f, tci);
	put16(f, type);
}

static void mpls(struct frame *f, uint32_t label, int bos, unsigned ttl)
{
	put32(f, label << 12 | 5u << 9 | (bos ? 1u : 0u) << 8 | ttl);
}

/* Linux cooked v1 header; addr gets alen bytes of mac_src (zero-padded). */
static void sll(struct frame *f, unsigned alen, unsigned proto)
{
	uint8_t addr[8] = { 0 };

	memcpy(addr, mac_src, 6);
	put16(f, 0);            /* packet type: to us */
	put16(f, 1);            /* ARPHRD_ETHER */
	put16(f, alen);
	putmem(f, addr, 8);
	put16(f, proto);
}

static void sll2(struct frame *f, unsigned alen, unsigned proto)
{
	uint8_t addr[8] = { 0 };

	memcpy(addr, mac_src, 6);
	put16(f, proto);
	put16(f, 0);
	put32(f, 3);            /* ifindex */
	put16(f, 1);            /* ARPHRD_ETHER */
	put8(f, 4);             /* PACKET_OUTGOING */
	put8(f, alen);
	putmem(f, addr, 8);
}

/* 32-bit address family, little- or big-endian. */
static void af_hdr(struct frame *f, uint32_t af, int little)
{
	if (little) {
		put8(f, af);
		put8(f, af >> 8);
		put8(f, af >> 16);
		put8(f, af >> 24);
	} else {
		put32(f, af);
	}
}

/* IPv4 header of ihl words (options are NOPs); returns its offset.  The total
 * length is set by ip4_end. */
static size_t ip4(struct frame *f, unsigned ihl, unsigned tos, unsigned id,
                  unsigned frag, unsigned proto)
{
	size_t off = f->n;
	unsigned i;

	put8(f, 0x40 | ihl);
	put8(f, tos);
	put16(f, 0);
	put16(f, id);
	put16(f, frag);
	put8(f, 64);
	put8(f, proto);
	put16(f, 0);
	putmem(f, src4, 4);
	putmem(f, dst4, 4);
	for (i = 5; i < ihl; i++)
		put32(f, 0x01010101);
	return off;
}

static void ip4_end(struct frame *f, size_t off)
{
	set16(f, off + 2, (unsigned)(f->n - off));
}

/* IPv6 header with traffic class tc and a flow label; payload length is set
 * by ip6_end. */
static size_t ip6(struct frame *f, unsigned tc, unsigned nxt)
{
	size_t off = f->n;

	put32(f, 6u << 28 | tc << 20 | 0xabcde);
	put16(f, 0);
	put8(f, nxt);
	put8(f, 64);
	putmem(f, src6, 16);
	putmem(f, dst6, 16);
	return off;
}

static void ip6_end(struct frame *f, size_t off)
{
	set16(f, off + 4, (unsigned)(f->n - off - 40));
}

/* Generic IPv6 extension header of (len + 1) * 8 bytes. */
static void ext6(struct frame *f, unsigned nxt, unsigned len)
{
	put8(f, nxt);
	put8(f, len);
	pad(f, (len + 1) * 8 - 2);
}

static void ah6(struct frame *f, unsigned nxt, unsigned len)
{
	put8(f, nxt);
	put8(f, len);
	pad(f, (len + 2) * 4 - 2);
}

static void frag6(struct frame *f, unsigned nxt, unsigned off8, int more,
                  uint32_t id)
{
	put8(f, nxt);
	put8(f, 0);
	put16(f, off8 << 3 | (more ? 1u : 0u));
	put32(f, id);
}

static void tcp(struct frame *f, unsigned sport, unsigned dport, unsigned flags)
{
	put16(f, sport);
	put16(f, dport);
	put32(f, 1000);
	put32(f, 2000);
	put8(f, 0x50);
	put8(f, flags);
	put16(f, 65535);
	put32(f, 0);
}

static void udp(struct frame *f, unsigned sport, unsigned dport, unsigned plen)
{
	put16(f, sport);
	put16(f, dport);
	put16(f, 8 + plen);
	put16(f, 0);
	pad(f, plen);
}

static void icmp(struct frame *f, unsigned type, unsigned code)
{
	put8(f, type);
	put8(f, code);
	put16(f, 0);
	put32(f, 0x00010002);
}

/* --- decoding helpers ------------------------------------------------- */

static int seen[PKT_STATUS_MAX];

/* Decode the first caplen bytes of f from an exact-size heap copy. */
static enum pkt_status dec(int dlt, const struct frame *f, size_t caplen,
                           size_t wirelen, struct pkt_info *pi)
{
	uint8_t *copy = malloc(caplen ? caplen : 1);
	enum pkt_status st;

	if (copy == NULL)
		abort();
	memcpy(copy, f->b, caplen);
	st = pkt_decode(dlt, copy, caplen, wirelen, pi);
	CHECK(memcmp(copy, f->b, caplen) == 0);        /* input untouched */
	free(copy);
	CHECK((unsigned)st < PKT_STATUS_MAX);
	if ((unsigned)st < PKT_STATUS_MAX)
		seen[st] = 1;
	return st;
}

static enum pkt_status decf(int dlt, const struct frame *f, struct pkt_info *pi)
{
	return dec(dlt, f, f->n, f->n, pi);
}

/* Decode every prefix of f, with the wire length equal to the prefix and to
 * the whole frame.  Never OK unless the full frame is; invariants on OK. */
static void sweep(int dlt, const struct frame *f)
{
	struct pkt_info pi;
	enum pkt_status full = decf(dlt, f, &pi);
	size_t cap;
	int w;

	for (cap = 0; cap <= f->n; cap++) {
		for (w = 0; w < 2; w++) {
			enum pkt_status st = dec(dlt, f, cap, w ? f->n : cap, &pi);

			if (full != PKT_OK)
				CHECK(st != PKT_OK || cap < f->n);
			if (st != PKT_OK)
				continue;
			CHECK(pi.af == AF_INET || pi.af == AF_INET6);
			if (pi.af == AF_INET)
				CHECK(pi.src.w[1] == 0 && pi.src.w[2] == 0 &&
				      pi.src.w[3] == 0 && pi.dst.w[3] == 0);
			if (pi.frag == PKT_FRAG_LATER)
				CHECK(pi.sport == 0 && pi.dport == 0);
			CHECK(pi.vlan_depth <= PKT_MAX_VLAN);
			CHECK(pi.mpls_depth <= PKT_MAX_MPLS);
			CHECK(pi.ip_len <= (w ? f->n : cap));
		}
	}
}

static void check_v4_addrs(const struct pkt_info *pi)
{
	static const uint8_t zero[12];

	CHECK_EQ(pi->af, AF_INET);
	CHECK(memcmp(pi->src.b, src4, 4) == 0);
	CHECK(memcmp(pi->dst.b, dst4, 4) == 0);
	CHECK(memcmp(pi->src.b + 4, zero, 12) == 0);
	CHECK(memcmp(pi->dst.b + 4, zero, 12) == 0);
}

static void check_v6_addrs(const struct pkt_info *pi)
{
	CHECK_EQ(pi->af, AF_INET6);
	CHECK(memcmp(pi->src.b, src6, 16) == 0);
	CHECK(memcmp(pi->dst.b, dst6, 16) == 0);
}

/* Ethernet + IPv4 + TCP with plen payload bytes. */
static void build_eth4_tcp(struct frame *f, unsigned flags, size_t plen)
{
	size_t o;

	f_init(f);
	eth(f, 0x0800);
	o = ip4(f, 5, 0xb8, 0x4242, 0x4000, 6);
	tcp(f, 40000, 443, flags);
	pad(f, plen);
	ip4_end(f, o);
}

/* Ethernet + IPv6 + TCP with plen payload bytes. */
static void build_eth6_tcp(struct frame *f, size_t plen)
{
	size_t o;

	f_init(f);
	eth(f, 0x86DD);
	o = ip6(f, 0x2e, 6);
	tcp(f, 50000, 22, 0x18);
	pad(f, plen);
	ip6_end(f, o);
}

/* --- tests ------------------------------------------------------------ */

static void test_eth_ipv4(void)
{
	struct frame f;
	struct pkt_info pi;
	size_t o;

	/* TCP with flags */
	build_eth4_tcp(&f, 0x12, 5);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_OK);
	check_v4_addrs(&pi);
	CHECK_EQ(pi.proto, 6);
	CHECK_EQ(pi.sport, 40000);
	CHECK_EQ(pi.dport, 443);
	CHECK_EQ(pi.tcp_flags, 0x12);
	CHECK_EQ(pi.ip_len, 45);
	CHECK_EQ(pi.tos, 0xb8);
	CHECK_EQ(pi.frag, PKT_FRAG_NONE);
	CHECK_EQ(pi.frag_id, 0x4242);
	CHECK_EQ(pi.has_mac, 1);
	CHECK(memcmp(pi.src_mac, mac_src, 6) == 0);
	CHECK(memcmp(pi.dst_mac, mac_dst, 6) == 0);
	CHECK_EQ(pi.vlan, 0);
	CHECK_EQ(pi.vlan_depth, 0);
	CHECK_EQ(pi.mpls_depth, 0);
	CHECK_EQ(pi.mpls_top, 0);
	sweep(DLT_EN10MB, &f);

	/* UDP, padded to the Ethernet minimum: ip_len from the header */
	f_init(&f);
	eth(&f, 0x0800);
	o = ip4(&f, 5, 0, 1, 0, 17);
	udp(&f, 53, 33333, 2);
	ip4_end(&f, o);
	pad(&f, 60 - f.n);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_OK);
	CHECK_EQ(pi.proto, 17);
	CHECK_EQ(pi.sport, 53);
	CHECK_EQ(pi.dport, 33333);
	CHECK_EQ(pi.tcp_flags, 0);
	CHECK_EQ(pi.ip_len, 30);
	CHECK_EQ(pi.l4_off, 14 + 20);   /* the IP payload, without the padding */
	CHECK_EQ(pi.l4_len, 10);
	sweep(DLT_EN10MB, &f);

	/* ICMP echo request and port unreachable: type<<8|code in dport */
	f_init(&f);
	eth(&f, 0x0800);
	o = ip4(&f, 5, 0, 2, 0, 1);
	icmp(&f, 8, 0);
	ip4_end(&f, o);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_OK);
	CHECK_EQ(pi.proto, 1);
	CHECK_EQ(pi.sport, 0);
	CHECK_EQ(pi.dport, 0x0800);
	f.b[14 + 20] = 3;
	f.b[14 + 20 + 1] = 3;
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_OK);
	CHECK_EQ(pi.dport, 0x0303);
	sweep(DLT_EN10MB, &f);

	/* ICMPv6 number inside IPv4: not ICMP here, ports stay 0 */
	f.b[14 + 9] = 58;
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_OK);
	CHECK_EQ(pi.proto, 58);
	CHECK_EQ(pi.dport, 0);

	/* IPv4 with options: IHL 6 and IHL 15 */
	f_init(&f);
	eth(&f, 0x0800);
	o = ip4(&f, 6, 0, 3, 0, 6);
	tcp(&f, 1, 2, 0x02);
	ip4_end(&f, o);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_OK);
	CHECK_EQ(pi.sport, 1);
	CHECK_EQ(pi.dport, 2);
	CHECK_EQ(pi.tcp_flags, 0x02);
	CHECK_EQ(pi.ip_len, 44);
	sweep(DLT_EN10MB, &f);

	f_init(&f);
	eth(&f, 0x0800);
	o = ip4(&f, 15, 0, 3, 0, 17);
	udp(&f, 7, 9, 0);
	ip4_end(&f, o);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_OK);
	CHECK_EQ(pi.sport, 7);
	CHECK_EQ(pi.dport, 9);
	CHECK_EQ(pi.ip_len, 68);
	/* options cut by the capture */
	CHECK_EQ(dec(DLT_EN10MB, &f, 14 + 40, f.n, &pi), PKT_TRUNC_L3);
	sweep(DLT_EN10MB, &f);

	/* other transports with ports */
	{
		static const unsigned protos[] = { 136, 132, 33 };
		unsigned i;

		for (i = 0; i < 3; i++) {
			f_init(&f);
			eth(&f, 0x0800);
			o = ip4(&f, 5, 0, 4, 0, protos[i]);
			udp(&f, 1000 + i, 2000 + i, 4);
			ip4_end(&f, o);
			CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_OK);
			CHECK_EQ(pi.proto, protos[i]);
			CHECK_EQ(pi.sport, 1000 + i);
			CHECK_EQ(pi.dport, 2000 + i);
		}
	}

	/* unknown transport (GRE) and ESP: ports 0, OK */
	f_init(&f);
	eth(&f, 0x0800);
	o = ip4(&f, 5, 0, 5, 0, 47);
	put32(&f, 0x00000800);
	ip4_end(&f, o);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_OK);
	CHECK_EQ(pi.proto, 47);
	CHECK_EQ(pi.sport, 0);
	CHECK_EQ(pi.dport, 0);
	f.b[14 + 9] = 50;
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_OK);
	CHECK_EQ(pi.proto, 50);
	CHECK_EQ(pi.dport, 0);
	/* no transport bytes at all */
	f.n = 14 + 20;
	ip4_end(&f, 14);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_OK);
	CHECK_EQ(pi.ip_len, 20);
}

static void test_ipv4_malformed(void)
{
	struct frame f;
	struct pkt_info pi;

	/* IHL < 5 */
	build_eth4_tcp(&f, 0x10, 0);
	f.b[14] = 0x44;
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_BAD_IP_HLEN);
	f.b[14] = 0x40;
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_BAD_IP_HLEN);

	/* total length larger than the wire */
	build_eth4_tcp(&f, 0x10, 0);
	set16(&f, 16, 41);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_BAD_IP_LEN);
	/* ... but fine if the wire was longer than the capture */
	CHECK_EQ(dec(DLT_EN10MB, &f, f.n, f.n + 1, &pi), PKT_OK);
	CHECK_EQ(pi.ip_len, 41);

	/* total length shorter than the minimum header */
	build_eth4_tcp(&f, 0x10, 0);
	set16(&f, 16, 10);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_BAD_IP_LEN);

	/* total length shorter than IHL (options beyond total length) */
	build_eth4_tcp(&f, 0x10, 0);
	f.b[14] = 0x46;
	set16(&f, 16, 22);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_BAD_IP_HLEN);

	/* total length shorter than the TCP header it claims to carry, while
	 * the capture has the bytes (Ethernet padding): L4 not in the packet */
	build_eth4_tcp(&f, 0x10, 0);
	set16(&f, 16, 30);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_TRUNC_L4);
	set16(&f, 16, 33);      /* ports + 9 bytes: flags still missing */
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_TRUNC_L4);
	set16(&f, 16, 34);      /* exactly up to the flags byte */
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_OK);
	CHECK_EQ(pi.tcp_flags, 0x10);

	/* truncated header */
	build_eth4_tcp(&f, 0x10, 0);
	CHECK_EQ(dec(DLT_EN10MB, &f, 14, f.n, &pi), PKT_TRUNC_L3);
	CHECK_EQ(dec(DLT_EN10MB, &f, 14 + 19, f.n, &pi), PKT_TRUNC_L3);

	/* Ethernet says IPv4, header says 6 */
	build_eth4_tcp(&f, 0x10, 0);
	f.b[14] = 0x65;
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_BAD_IP_VERSION);
}

static void test_snaplen_tso(void)
{
	struct frame f;
	struct pkt_info pi;

	/* snaplen: headers captured, payload not */
	build_eth4_tcp(&f, 0x18, 1000);
	CHECK_EQ(dec(DLT_EN10MB, &f, 14 + 40, f.n, &pi), PKT_OK);
	CHECK_EQ(pi.ip_len, 1040);
	CHECK_EQ(pi.tcp_flags, 0x18);
	CHECK_EQ(pi.dport, 443);
	CHECK_EQ(dec(DLT_EN10MB, &f, 14 + 34, f.n, &pi), PKT_OK);
	CHECK_EQ(dec(DLT_EN10MB, &f, 14 + 33, f.n, &pi), PKT_TRUNC_L4);
	CHECK_EQ(dec(DLT_EN10MB, &f, 96, f.n, &pi), PKT_OK);

	build_eth6_tcp(&f, 1000);
	CHECK_EQ(dec(DLT_EN10MB, &f, 14 + 60, f.n, &pi), PKT_OK);
	CHECK_EQ(pi.ip_len, 1060);
	CHECK_EQ(pi.tcp_flags, 0x18);

	/* TSO: total length 0, length from the wire */
	build_eth4_tcp(&f, 0x18, 100);
	set16(&f, 16, 0);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_OK);
	CHECK_EQ(pi.ip_len, 140);
	CHECK_EQ(dec(DLT_EN10MB, &f, 14 + 40, 14 + 64000, &pi), PKT_OK);
	CHECK_EQ(pi.ip_len, 64000);
	CHECK_EQ(pi.dport, 443);
	sweep(DLT_EN10MB, &f);

	/* IPv6 payload length 0 (BIG TCP) */
	build_eth6_tcp(&f, 100);
	set16(&f, 14 + 4, 0);
	CHECK_EQ(dec(DLT_EN10MB, &f, 14 + 60, 14 + 100000, &pi), PKT_OK);
	CHECK_EQ(pi.ip_len, 100000);
	CHECK_EQ(pi.sport, 50000);
}

/* Every truncation point of Ethernet + IPv6 + TCP. */
static void test_truncation_ipv6_tcp(void)
{
	struct frame f;
	struct pkt_info pi;
	size_t cap;

	build_eth6_tcp(&f, 10);
	CHECK_EQ(f.n, 84u);
	for (cap = 0; cap < f.n; cap++) {
		enum pkt_status st = dec(DLT_EN10MB, &f, cap, f.n, &pi);
		enum pkt_status sw = dec(DLT_EN10MB, &f, cap, cap, &pi);

		if (cap < 14 + 40 + 14)
			CHECK(st != PKT_OK);
		if (cap < 14) {
			CHECK_EQ(st, PKT_TRUNC_L2);
			CHECK_EQ(sw, PKT_TRUNC_L2);
		} else if (cap < 54) {
			CHECK_EQ(st, PKT_TRUNC_L3);
			CHECK_EQ(sw, PKT_TRUNC_L3);
		} else {
			CHECK_EQ(st, cap < 68 ? PKT_TRUNC_L4 : PKT_OK);
			CHECK_EQ(sw, PKT_BAD_IP_LEN);
		}
	}
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_OK);
	check_v6_addrs(&pi);
	CHECK_EQ(pi.tos, 0x2e);
	CHECK_EQ(pi.ip_len, 70);
	CHECK_EQ(pi.sport, 50000);
	CHECK_EQ(pi.dport, 22);
	CHECK_EQ(pi.tcp_flags, 0x18);
}

static void test_ipv6(void)
{
	struct frame f;
	struct pkt_info pi;
	size_t o, cap;
	int i;

	/* hop-by-hop + destination options + routing, then TCP */
	f_init(&f);
	eth(&f, 0x86DD);
	o = ip6(&f, 0, 0);
	ext6(&f, 60, 0);
	ext6(&f, 43, 1);
	ext6(&f, 6, 2);
	tcp(&f, 1234, 80, 0x11);
	ip6_end(&f, o);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_OK);
	check_v6_addrs(&pi);
	CHECK_EQ(pi.proto, 6);
	CHECK_EQ(pi.sport, 1234);
	CHECK_EQ(pi.dport, 80);
	CHECK_EQ(pi.tcp_flags, 0x11);
	CHECK_EQ(pi.ip_len, 40 + 8 + 16 + 24 + 20);
	for (cap = 0; cap < f.n; cap++) {
		enum pkt_status st = dec(DLT_EN10MB, &f, cap, f.n, &pi);

		if (cap < 14)
			CHECK_EQ(st, PKT_TRUNC_L2);
		else if (cap < 54)
			CHECK_EQ(st, PKT_TRUNC_L3);
		else if (cap < 54 + 48)
			CHECK_EQ(st, PKT_BAD_V6EXT);
		else if (cap < 54 + 48 + 14)
			CHECK_EQ(st, PKT_TRUNC_L4);
		else
			CHECK_EQ(st, PKT_OK);
	}
	sweep(DLT_EN10MB, &f);

	/* mobility, HIP and shim6 headers are walked like the others */
	f_init(&f);
	eth(&f, 0x86DD);
	o = ip6(&f, 0, 135);
	ext6(&f, 139, 0);
	ext6(&f, 140, 1);
	ext6(&f, 17, 0);
	udp(&f, 5, 6, 0);
	ip6_end(&f, o);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_OK);
	CHECK_EQ(pi.proto, 17);
	CHECK_EQ(pi.sport, 5);
	CHECK_EQ(pi.dport, 6);

	/* AH: (len + 2) * 4 bytes */
	f_init(&f);
	eth(&f, 0x86DD);
	o = ip6(&f, 0, 51);
	ah6(&f, 17, 4);
	udp(&f, 500, 4500, 8);
	ip6_end(&f, o);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_OK);
	CHECK_EQ(pi.proto, 17);
	CHECK_EQ(pi.sport, 500);
	CHECK_EQ(pi.dport, 4500);
	sweep(DLT_EN10MB, &f);

	/* chain of exactly PKT_MAX_V6EXT headers, then one too many */
	f_init(&f);
	eth(&f, 0x86DD);
	o = ip6(&f, 0, 60);
	for (i = 0; i < PKT_MAX_V6EXT - 1; i++)
		ext6(&f, 60, 0);
	ext6(&f, 17, 0);
	udp(&f, 1, 2, 0);
	ip6_end(&f, o);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_OK);
	CHECK_EQ(pi.dport, 2);
	f_init(&f);
	eth(&f, 0x86DD);
	o = ip6(&f, 0, 60);
	for (i = 0; i < PKT_MAX_V6EXT; i++)
		ext6(&f, 60, 0);
	ext6(&f, 17, 0);
	udp(&f, 1, 2, 0);
	ip6_end(&f, o);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_BAD_V6EXT);

	/* extension header longer than the payload length (bytes captured) */
	f_init(&f);
	eth(&f, 0x86DD);
	o = ip6(&f, 0, 0);
	ext6(&f, 17, 1);
	udp(&f, 1, 2, 0);
	set16(&f, o + 4, 8);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_BAD_V6EXT);

	/* payload length larger than the wire */
	build_eth6_tcp(&f, 0);
	set16(&f, 18, 21);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_BAD_IP_LEN);

	/* ESP and no-next-header stop the walk */
	f_init(&f);
	eth(&f, 0x86DD);
	o = ip6(&f, 0, 50);
	put32(&f, 0x1000);      /* SPI */
	put32(&f, 1);           /* sequence */
	pad(&f, 16);
	ip6_end(&f, o);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_OK);
	CHECK_EQ(pi.proto, 50);
	CHECK_EQ(pi.sport, 0);
	CHECK_EQ(pi.dport, 0);
	f_init(&f);
	eth(&f, 0x86DD);
	o = ip6(&f, 0, 0);
	ext6(&f, 59, 0);
	ip6_end(&f, o);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_OK);
	CHECK_EQ(pi.proto, 59);
	CHECK_EQ(pi.ip_len, 48);
	/* payload length 0 with no next header: just the 40-byte header */
	f_init(&f);
	eth(&f, 0x86DD);
	ip6(&f, 0, 59);
	pad(&f, 6);             /* Ethernet padding */
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_OK);
	CHECK_EQ(pi.ip_len, 40);

	/* jumbo payload option: payload length 0, length from the wire */
	f_init(&f);
	eth(&f, 0x86DD);
	ip6(&f, 0, 0);
	put8(&f, 6);
	put8(&f, 0);
	put8(&f, 0xc2);
	put8(&f, 4);
	put32(&f, 100000);
	tcp(&f, 9, 10, 0x10);
	CHECK_EQ(dec(DLT_EN10MB, &f, f.n, 14 + 100048, &pi), PKT_OK);
	CHECK_EQ(pi.ip_len, 100048);
	CHECK_EQ(pi.sport, 9);
	CHECK_EQ(pi.tcp_flags, 0x10);

	/* ICMPv6 echo request; ICMPv4 number inside IPv6 has no ports */
	f_init(&f);
	eth(&f, 0x86DD);
	o = ip6(&f, 0, 58);
	icmp(&f, 128, 0);
	ip6_end(&f, o);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_OK);
	CHECK_EQ(pi.proto, 58);
	CHECK_EQ(pi.sport, 0);
	CHECK_EQ(pi.dport, 0x8000);
	sweep(DLT_EN10MB, &f);
	f.b[14 + 6] = 1;
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_OK);
	CHECK_EQ(pi.proto, 1);
	CHECK_EQ(pi.dport, 0);

	/* Ethernet says IPv6, header says 4 */
	build_eth6_tcp(&f, 0);
	f.b[14] = 0x45;
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_BAD_IP_VERSION);
}

static void test_fragments(void)
{
	struct frame f;
	struct pkt_info pi;
	size_t o;

	/* IPv4 first fragment: MF, offset 0 -> L4 parsed */
	f_init(&f);
	eth(&f, 0x0800);
	o = ip4(&f, 5, 0, 0x1234, 0x2000, 17);
	udp(&f, 4000, 5000, 24);
	ip4_end(&f, o);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_OK);
	CHECK_EQ(pi.frag, PKT_FRAG_FIRST);
	CHECK_EQ(pi.frag_id, 0x1234);
	CHECK_EQ(pi.sport, 4000);
	CHECK_EQ(pi.dport, 5000);
	sweep(DLT_EN10MB, &f);

	/* IPv4 later fragment (offset 185 * 8, MF set or not): no L4 */
	f_init(&f);
	eth(&f, 0x0800);
	o = ip4(&f, 5, 0, 0x1234, 0x2000 | 185, 17);
	pad(&f, 3);
	ip4_end(&f, o);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_OK);
	CHECK_EQ(pi.frag, PKT_FRAG_LATER);
	CHECK_EQ(pi.frag_id, 0x1234);
	CHECK_EQ(pi.proto, 17);
	CHECK_EQ(pi.sport, 0);
	CHECK_EQ(pi.dport, 0);
	CHECK_EQ(pi.ip_len, 23);
	set16(&f, 14 + 6, 185);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_OK);
	CHECK_EQ(pi.frag, PKT_FRAG_LATER);
	sweep(DLT_EN10MB, &f);

	/* DF only is not a fragment */
	build_eth4_tcp(&f, 0x02, 0);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_OK);
	CHECK_EQ(pi.frag, PKT_FRAG_NONE);

	/* IPv6 first fragment */
	f_init(&f);
	eth(&f, 0x86DD);
	o = ip6(&f, 0, 44);
	frag6(&f, 17, 0, 1, 0xdeadbeef);
	udp(&f, 123, 456, 40);
	ip6_end(&f, o);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_OK);
	CHECK_EQ(pi.frag, PKT_FRAG_FIRST);
	CHECK_EQ(pi.frag_id, 0xdeadbeef);
	CHECK_EQ(pi.proto, 17);
	CHECK_EQ(pi.sport, 123);
	CHECK_EQ(pi.dport, 456);
	sweep(DLT_EN10MB, &f);

	/* IPv6 later fragment, after a hop-by-hop header */
	f_init(&f);
	eth(&f, 0x86DD);
	o = ip6(&f, 0, 0);
	ext6(&f, 44, 0);
	frag6(&f, 6, 100, 0, 0x01020304);
	pad(&f, 5);
	ip6_end(&f, o);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_OK);
	CHECK_EQ(pi.frag, PKT_FRAG_LATER);
	CHECK_EQ(pi.frag_id, 0x01020304);
	CHECK_EQ(pi.proto, 6);
	CHECK_EQ(pi.sport, 0);
	CHECK_EQ(pi.dport, 0);
	CHECK_EQ(pi.tcp_flags, 0);
	sweep(DLT_EN10MB, &f);

	/* atomic fragment (offset 0, no M): not a fragment, L4 parsed */
	f_init(&f);
	eth(&f, 0x86DD);
	o = ip6(&f, 0, 44);
	frag6(&f, 17, 0, 0, 7);
	udp(&f, 1, 2, 0);
	ip6_end(&f, o);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_OK);
	CHECK_EQ(pi.frag, PKT_FRAG_NONE);
	CHECK_EQ(pi.dport, 2);

	/* first fragment whose TCP header is cut by the payload length */
	f_init(&f);
	eth(&f, 0x86DD);
	o = ip6(&f, 0, 44);
	frag6(&f, 6, 0, 1, 8);
	put16(&f, 1);
	put16(&f, 2);
	put32(&f, 0);
	ip6_end(&f, o);
	tcp(&f, 0, 0, 0);       /* bytes beyond the payload: not L4 */
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_TRUNC_L4);
}

static void test_vlan(void)
{
	struct frame f;
	struct pkt_info pi;
	size_t o;
	int i;

	/* single tag, priority bits set */
	f_init(&f);
	eth(&f, 0x8100);
	vlan(&f, 0xa064, 0x0800);
	o = ip4(&f, 5, 0, 1, 0, 17);
	udp(&f, 67, 68, 0);
	ip4_end(&f, o);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_OK);
	CHECK_EQ(pi.vlan, 100);
	CHECK_EQ(pi.inner_vlan, 0);
	CHECK_EQ(pi.vlan_depth, 1);
	CHECK_EQ(pi.sport, 67);
	CHECK_EQ(pi.ip_len, 28);
	CHECK_EQ(dec(DLT_EN10MB, &f, 16, f.n, &pi), PKT_TRUNC_L2);
	sweep(DLT_EN10MB, &f);

	/* QinQ: 802.1ad outer, 802.1Q inner, IPv6 */
	f_init(&f);
	eth(&f, 0x88A8);
	vlan(&f, 10, 0x8100);
	vlan(&f, 0x2014, 0x86DD);
	o = ip6(&f, 0, 17);
	udp(&f, 1, 2, 0);
	ip6_end(&f, o);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_OK);
	CHECK_EQ(pi.vlan, 10);
	CHECK_EQ(pi.inner_vlan, 20);
	CHECK_EQ(pi.vlan_depth, 2);
	check_v6_addrs(&pi);
	sweep(DLT_EN10MB, &f);

	/* PKT_MAX_VLAN tags accepted (old 0x9100 too), one more refused */
	f_init(&f);
	eth(&f, 0x9100);
	for (i = 1; i < PKT_MAX_VLAN; i++)
		vlan(&f, (unsigned)i, 0x8100);
	vlan(&f, (unsigned)PKT_MAX_VLAN, 0x0800);
	o = ip4(&f, 5, 0, 1, 0, 6);
	tcp(&f, 1, 2, 0x04);
	ip4_end(&f, o);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_OK);
	CHECK_EQ(pi.vlan, 1);
	CHECK_EQ(pi.inner_vlan, 2);
	CHECK_EQ(pi.vlan_depth, PKT_MAX_VLAN);
	CHECK_EQ(pi.tcp_flags, 0x04);

	f_init(&f);
	eth(&f, 0x8100);
	for (i = 0; i < PKT_MAX_VLAN; i++)
		vlan(&f, 5, 0x8100);
	vlan(&f, 5, 0x0800);
	o = ip4(&f, 5, 0, 1, 0, 6);
	tcp(&f, 1, 2, 0x04);
	ip4_end(&f, o);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_VLAN_DEPTH);
	sweep(DLT_EN10MB, &f);

	/* VLAN-tagged ARP */
	f_init(&f);
	eth(&f, 0x8100);
	vlan(&f, 7, 0x0806);
	pad(&f, 28);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_NOT_IP);
	CHECK_EQ(pi.vlan, 7);
}

static void test_mpls(void)
{
	struct frame f;
	struct pkt_info pi;
	size_t o;
	int i;

	/* one label, IPv4 */
	f_init(&f);
	eth(&f, 0x8847);
	mpls(&f, 100, 1, 64);
	o = ip4(&f, 5, 0, 1, 0, 6);
	tcp(&f, 179, 50000, 0x18);
	ip4_end(&f, o);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_OK);
	CHECK_EQ(pi.mpls_depth, 1);
	CHECK_EQ(pi.mpls_top, 100u << 12 | 5u << 9 | 1u << 8 | 64);
	CHECK_EQ(pi.sport, 179);
	CHECK_EQ(pi.ip_len, 40);
	check_v4_addrs(&pi);
	sweep(DLT_EN10MB, &f);

	/* three labels, IPv6, behind a VLAN tag, multicast ethertype */
	f_init(&f);
	eth(&f, 0x8100);
	vlan(&f, 300, 0x8848);
	mpls(&f, 16, 0, 255);
	mpls(&f, 17, 0, 255);
	mpls(&f, 18, 1, 255);
	o = ip6(&f, 0, 17);
	udp(&f, 3784, 3785, 0);
	ip6_end(&f, o);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_OK);
	CHECK_EQ(pi.vlan, 300);
	CHECK_EQ(pi.mpls_depth, 3);
	CHECK_EQ(pi.mpls_top, 16u << 12 | 5u << 9 | 255);
	CHECK_EQ(pi.dport, 3785);
	check_v6_addrs(&pi);
	sweep(DLT_EN10MB, &f);

	/* PKT_MAX_MPLS labels accepted, one more refused */
	f_init(&f);
	eth(&f, 0x8847);
	for (i = 1; i < PKT_MAX_MPLS; i++)
		mpls(&f, (uint32_t)i, 0, 1);
	mpls(&f, 99, 1, 1);
	o = ip4(&f, 5, 0, 1, 0, 17);
	udp(&f, 1, 2, 0);
	ip4_end(&f, o);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_OK);
	CHECK_EQ(pi.mpls_depth, PKT_MAX_MPLS);

	f_init(&f);
	eth(&f, 0x8847);
	for (i = 0; i < PKT_MAX_MPLS; i++)
		mpls(&f, (uint32_t)i, 0, 1);
	mpls(&f, 99, 1, 1);
	o = ip4(&f, 5, 0, 1, 0, 17);
	udp(&f, 1, 2, 0);
	ip4_end(&f, o);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_MPLS_DEPTH);
	sweep(DLT_EN10MB, &f);

	/* pseudowire control word: not IP */
	f_init(&f);
	eth(&f, 0x8847);
	mpls(&f, 1000, 1, 64);
	put32(&f, 0);
	eth(&f, 0x0800);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_NOT_IP);

	/* cut inside a label, and right after the bottom of stack */
	CHECK_EQ(dec(DLT_EN10MB, &f, 16, f.n, &pi), PKT_TRUNC_L2);
	CHECK_EQ(dec(DLT_EN10MB, &f, 18, f.n, &pi), PKT_TRUNC_L3);
}

static void test_not_ip(void)
{
	struct frame f;
	struct pkt_info pi;

	/* ARP */
	f_init(&f);
	eth(&f, 0x0806);
	put16(&f, 1);
	put16(&f, 0x0800);
	pad(&f, 24);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_NOT_IP);
	CHECK_EQ(pi.has_mac, 1);

	/* 802.3 length + LLC (spanning tree) */
	f_init(&f);
	eth(&f, 38);
	put8(&f, 0x42);
	put8(&f, 0x42);
	put8(&f, 0x03);
	pad(&f, 35);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_NOT_IP);
	/* even when the LLC payload happens to start like IPv4 */
	f.b[14] = 0x45;
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_NOT_IP);
	set16(&f, 12, 1500);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_NOT_IP);

	/* LLDP */
	f_init(&f);
	eth(&f, 0x88cc);
	pad(&f, 46);
	CHECK_EQ(decf(DLT_EN10MB, &f, &pi), PKT_NOT_IP);

	/* short Ethernet header */
	build_eth4_tcp(&f, 0, 0);
	CHECK_EQ(dec(DLT_EN10MB, &f, 13, f.n, &pi), PKT_TRUNC_L2);
	CHECK_EQ(dec(DLT_EN10MB, &f, 0, 0, &pi), PKT_TRUNC_L2);
	CHECK_EQ(pi.has_mac, 0);
}

static void test_sll(void)
{
	struct frame f;
	struct pkt_info pi;
	static const uint8_t zero[6];
	size_t o;

	/* v1, 6-byte address, IPv4 UDP */
	f_init(&f);
	sll(&f, 6, 0x0800);
	o = ip4(&f, 5, 0x10, 9, 0, 17);
	udp(&f, 514, 514, 10);
	ip4_end(&f, o);
	CHECK_EQ(decf(DLT_LINUX_SLL, &f, &pi), PKT_OK);
	CHECK_EQ(pi.has_mac, 1);
	CHECK(memcmp(pi.src_mac, mac_src, 6) == 0);
	CHECK(memcmp(pi.dst_mac, zero, 6) == 0);
	CHECK_EQ(pi.tos, 0x10);
	CHECK_EQ(pi.sport, 514);
	CHECK_EQ(pi.ip_len, 38);
	check_v4_addrs(&pi);
	CHECK_EQ(dec(DLT_LINUX_SLL, &f, 15, f.n, &pi), PKT_TRUNC_L2);
	sweep(DLT_LINUX_SLL, &f);

	/* v1, 4-byte address (e.g. a GRE tunnel): no MAC; VLAN in protocol */
	f_init(&f);
	sll(&f, 4, 0x8100);
	vlan(&f, 42, 0x86DD);
	o = ip6(&f, 0, 6);
	tcp(&f, 1, 2, 0x01);
	ip6_end(&f, o);
	CHECK_EQ(decf(DLT_LINUX_SLL, &f, &pi), PKT_OK);
	CHECK_EQ(pi.has_mac, 0);
	CHECK(memcmp(pi.src_mac, zero, 6) == 0);
	CHECK_EQ(pi.vlan, 42);
	CHECK_EQ(pi.tcp_flags, 0x01);
	sweep(DLT_LINUX_SLL, &f);

	/* v1 carrying ARP */
	f_init(&f);
	sll(&f, 6, 0x0806);
	pad(&f, 28);
	CHECK_EQ(decf(DLT_LINUX_SLL, &f, &pi), PKT_NOT_IP);

	/* v2, IPv6 ICMPv6 */
	f_init(&f);
	sll2(&f, 6, 0x86DD);
	o = ip6(&f, 0xff, 58);
	icmp(&f, 135, 0);
	ip6_end(&f, o);
	CHECK_EQ(decf(DLT_LINUX_SLL2, &f, &pi), PKT_OK);
	CHECK_EQ(pi.has_mac, 1);
	CHECK(memcmp(pi.src_mac, mac_src, 6) == 0);
	CHECK(memcmp(pi.dst_mac, zero, 6) == 0);
	CHECK_EQ(pi.tos, 0xff);
	CHECK_EQ(pi.dport, 135u << 8);
	check_v6_addrs(&pi);
	CHECK_EQ(dec(DLT_LINUX_SLL2, &f, 19, f.n, &pi), PKT_TRUNC_L2);
	sweep(DLT_LINUX_SLL2, &f);

	/* v2, no address, QinQ + MPLS in the protocol field */
	f_init(&f);
	sll2(&f, 0, 0x88A8);
	vlan(&f, 1, 0x8100);
	vlan(&f, 2, 0x8847);
	mpls(&f, 77, 1, 9);
	o = ip4(&f, 5, 0, 1, 0, 17);
	udp(&f, 1, 2, 0);
	ip4_end(&f, o);
	CHECK_EQ(decf(DLT_LINUX_SLL2, &f, &pi), PKT_OK);
	CHECK_EQ(pi.has_mac, 0);
	CHECK_EQ(pi.vlan, 1);
	CHECK_EQ(pi.inner_vlan, 2);
	CHECK_EQ(pi.mpls_depth, 1);
	CHECK_EQ(pi.mpls_top >> 12, 77);
	sweep(DLT_LINUX_SLL2, &f);
}

static void test_raw(void)
{
	struct frame f;
	struct pkt_info pi;
	size_t o;

	f_init(&f);
	o = ip4(&f, 5, 0, 1, 0, 6);
	tcp(&f, 22, 60000, 0x10);
	ip4_end(&f, o);
	CHECK_EQ(decf(DLT_RAW, &f, &pi), PKT_OK);
	check_v4_addrs(&pi);
	CHECK_EQ(pi.has_mac, 0);
	CHECK_EQ(pi.ip_len, 40);
	CHECK_EQ(decf(DLT_IPV4, &f, &pi), PKT_OK);
	CHECK_EQ(pi.sport, 22);
	CHECK_EQ(decf(DLT_IPV6, &f, &pi), PKT_BAD_IP_VERSION);
	sweep(DLT_RAW, &f);
	sweep(DLT_IPV4, &f);

	f_init(&f);
	o = ip6(&f, 0, 17);
	udp(&f, 443, 50000, 30);
	ip6_end(&f, o);
	CHECK_EQ(decf(DLT_RAW, &f, &pi), PKT_OK);
	check_v6_addrs(&pi);
	CHECK_EQ(pi.ip_len, 78);
	CHECK_EQ(decf(DLT_IPV6, &f, &pi), PKT_OK);
	CHECK_EQ(pi.dport, 50000);
	CHECK_EQ(decf(DLT_IPV4, &f, &pi), PKT_BAD_IP_VERSION);
	sweep(DLT_RAW, &f);
	sweep(DLT_IPV6, &f);

	f.b[0] = 0x50;          /* version 5 */
	CHECK_EQ(decf(DLT_RAW, &f, &pi), PKT_BAD_IP_VERSION);
	CHECK_EQ(dec(DLT_RAW, &f, 0, 0, &pi), PKT_TRUNC_L3);
	CHECK_EQ(dec(DLT_RAW, &f, 0, 100, &pi), PKT_TRUNC_L3);
}

static void test_null_loop(void)
{
	static const uint32_t v6af[] = { 24, 28, 30 };
	struct frame f;
	struct pkt_info pi;
	size_t o;
	int le, i;

	for (le = 0; le < 2; le++) {
		/* AF_INET, either byte order */
		f_init(&f);
		af_hdr(&f, 2, le);
		o = ip4(&f, 5, 0, 1, 0, 17);
		udp(&f, 53, 53, 0);
		ip4_end(&f, o);
		CHECK_EQ(decf(DLT_NULL, &f, &pi), PKT_OK);
		check_v4_addrs(&pi);
		CHECK_EQ(pi.ip_len, 28);
		CHECK_EQ(pi.has_mac, 0);
		CHECK_EQ(decf(DLT_LOOP, &f, &pi), le ? PKT_NOT_IP : PKT_OK);
		sweep(DLT_NULL, &f);

		/* the three BSD values of AF_INET6 */
		for (i = 0; i < 3; i++) {
			f_init(&f);
			af_hdr(&f, v6af[i], le);
			o = ip6(&f, 0, 6);
			tcp(&f, 8, 9, 0x02);
			ip6_end(&f, o);
			CHECK_EQ(decf(DLT_NULL, &f, &pi), PKT_OK);
			check_v6_addrs(&pi);
			CHECK_EQ(pi.tcp_flags, 0x02);
			CHECK_EQ(decf(DLT_LOOP, &f, &pi),
			         le ? PKT_NOT_IP : PKT_OK);
		}
		sweep(DLT_LOOP, &f);

		/* AF_INET header in front of an IPv6 packet */
		f.b[le ? 0 : 3] = 2;
		CHECK_EQ(decf(DLT_NULL, &f, &pi), PKT_BAD_IP_VERSION);

		/* unknown family (AF_APPLETALK 16) */
		f_init(&f);
		af_hdr(&f, 16, le);
		pad(&f, 40);
		CHECK_EQ(decf(DLT_NULL, &f, &pi), PKT_NOT_IP);
		CHECK_EQ(decf(DLT_LOOP, &f, &pi), PKT_NOT_IP);
	}
	CHECK_EQ(dec(DLT_NULL, &f, 3, 3, &pi), PKT_TRUNC_L2);
	CHECK_EQ(dec(DLT_LOOP, &f, 0, 0, &pi), PKT_TRUNC_L2);
}

static void test_bad_linktype(void)
{
	struct frame f;
	struct pkt_info pi;

	build_eth4_tcp(&f, 0, 0);
	CHECK_EQ(decf(105, &f, &pi), PKT_BAD_LINKTYPE);        /* 802.11 */
	CHECK_EQ(decf(-1, &f, &pi), PKT_BAD_LINKTYPE);
	CHECK_EQ(decf(100000, &f, &pi), PKT_BAD_LINKTYPE);
	CHECK_EQ(pkt_decode(DLT_EN10MB, NULL, 0, 0, &pi), PKT_TRUNC_L2);
}

static void test_status_names(void)
{
	int i, j;

	CHECK(strcmp(pkt_status_name(PKT_OK), "ok") == 0);
	CHECK(strcmp(pkt_status_name(PKT_NOT_IP), "not-ip") == 0);
	CHECK(strcmp(pkt_status_name(PKT_TRUNC_L4), "trunc-l4") == 0);
	CHECK(strcmp(pkt_status_name(PKT_BAD_V6EXT), "bad-v6ext") == 0);
	for (i = 0; i < PKT_STATUS_MAX; i++) {
		const char *n = pkt_status_name((enum pkt_status)i);

		CHECK(n != NULL && *n != '\0');
		CHECK(strcmp(n, "unknown") != 0);
		CHECK(strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789-") ==
		      strlen(n));
		for (j = 0; j < i; j++)
			CHECK(strcmp(n, pkt_status_name((enum pkt_status)j)) != 0);
	}
	CHECK(strcmp(pkt_status_name(PKT_STATUS_MAX), "unknown") == 0);
	CHECK(strcmp(pkt_status_name((enum pkt_status)-1), "unknown") == 0);
	CHECK(strcmp(pkt_status_name((enum pkt_status)1000), "unknown") == 0);
}

/* --- spreader_pick: which worker meters a frame --------------------------- */

/* An Ethernet/IPv4 frame 10.0.0.a -> 10.0.0.b of protocol proto (UDP:
 * sport -> dport; ICMP: type sport, code dport), IPv4 fragment field frag
 * (offset in 8-byte units | 0x2000 more fragments), fragment id 77. */
static void spread_frame(struct frame *f, unsigned a, unsigned b, unsigned proto,
                         unsigned sport, unsigned dport, unsigned frag, unsigned vlan_id)
{
	size_t ip;

	f_init(f);
	if (vlan_id) {
		eth(f, 0x8100);
		vlan(f, vlan_id, 0x0800);
	} else {
		eth(f, 0x0800);
	}
	ip = ip4(f, 5, a & 0xfc, 77, frag, proto);
	memcpy(f->b + ip + 12, (const uint8_t[]){ 10, 0, 0, (uint8_t)a }, 4);
	memcpy(f->b + ip + 16, (const uint8_t[]){ 10, 0, 0, (uint8_t)b }, 4);
	if ((frag & 0x1fff) != 0)
		pad(f, 16);
	else if (proto == 17)
		udp(f, sport, dport, 8);
	else
		icmp(f, sport, dport);
	ip4_end(f, ip);
}

static unsigned pick(struct spreader *sp, const struct frame *f)
{
	return spreader_pick(sp, DLT_EN10MB, f->b, (uint32_t)f->n, (uint32_t)f->n, 1000, NULL);
}

static void test_spread(void)
{
	struct spreader *sp = spreader_new(KEY_ALL, 42, 4), *one = spreader_new(KEY_ALL, 42, 1);
	struct frame f, g;
	unsigned count[4] = { 0, 0, 0, 0 }, total = 0;

	CHECK(sp != NULL && one != NULL);
	for (unsigned a = 1; a < 250; a += 3)
		for (unsigned b = a + 1; b < 250; b += 5) {
			unsigned w;
			spread_frame(&f, a, b, 17, 1000 + a, 2000 + b, 0, 0);
			w = pick(sp, &f);
			CHECK(w < 4);
			count[w < 4 ? w : 0]++;
			total++;
			/* the other direction (with another ToS) */
			spread_frame(&g, b, a, 17, 2000 + b, 1000 + a, 0, 0);
			CHECK(pick(sp, &g) == w);
			/* a fragmented packet of the flow: first and later fragment */
			spread_frame(&g, a, b, 17, 1000 + a, 2000 + b, 0x2000, 0);
			CHECK(pick(sp, &g) == w);
			spread_frame(&g, a, b, 17, 0, 0, 3, 0);
			CHECK(pick(sp, &g) == w);
			/* ICMP echo and its reply */
			spread_frame(&f, a, b, 1, 8, 0, 0, 0);
			spread_frame(&g, b, a, 1, 0, 0, 0, 0);
			CHECK(pick(sp, &f) == pick(sp, &g));
			/* one worker: always 0 */
			CHECK(pick(one, &f) == 0);
		}
	/* no worker gets under 20% of the conversations */
	for (int i = 0; i < 4; i++) {
		if (count[i] * 5 < total)
			fprintf(stderr, "spread: worker %d got %u of %u\n", i, count[i], total);
		CHECK(count[i] * 5 >= total);
	}
	/* one pair of hosts, many conversations: every worker gets some */
	memset(count, 0, sizeof(count));
	for (unsigned p = 0; p < 400; p++) {
		spread_frame(&f, 1, 2, 17, 30000 + p, 53, 0, 0);
		count[pick(sp, &f) & 3]++;
	}
	for (int i = 0; i < 4; i++)
		CHECK(count[i] > 40);
	/* a later fragment whose first was never seen counts as ports 0 */
	spread_frame(&f, 9, 10, 17, 0, 0, 0, 0);
	spread_frame(&g, 9, 10, 17, 0, 0, 5, 0);
	CHECK(pick(sp, &f) == pick(sp, &g));
	/* VLAN is part of the key: VLANs split a conversation's flows, both
	 * directions of each stay together */
	{
		unsigned differ = 0;
		for (unsigned v = 1; v < 64; v++) {
			spread_frame(&f, 1, 2, 17, 1, 2, 0, v);
			spread_frame(&g, 2, 1, 17, 2, 1, 0, v);
			CHECK(pick(sp, &f) == pick(sp, &g));
			spread_frame(&g, 1, 2, 17, 1, 2, 0, v + 1);
			differ += pick(sp, &f) != pick(sp, &g);
		}
		CHECK(differ > 0);
	}
	/* the decoding handed on for the meter: the decoder's, af 0 if none */
	{
		struct pkt_info a, b;
		spread_frame(&f, 1, 2, 17, 5, 6, 0, 0);
		(void)spreader_pick(sp, DLT_EN10MB, f.b, (uint32_t)f.n, (uint32_t)f.n, 1000, &a);
		CHECK(pkt_decode(DLT_EN10MB, f.b, f.n, f.n, &b) == PKT_OK);
		CHECK(a.af == AF_INET && memcmp(&a, &b, sizeof(a)) == 0);
		(void)spreader_pick(one, DLT_EN10MB, f.b, (uint32_t)f.n, (uint32_t)f.n, 1000, &a);
		CHECK(a.af == 0);                  /* one worker: nothing decoded */
		f_init(&f);
		eth(&f, 0x0806);
		pad(&f, 28);
		(void)spreader_pick(sp, DLT_EN10MB, f.b, (uint32_t)f.n, (uint32_t)f.n, 1000, &a);
		CHECK(a.af == 0);
	}
	/* frames that do not decode: worker 0, and no read past caplen */
	f_init(&f);
	eth(&f, 0x0806);
	pad(&f, 28);
	CHECK(pick(sp, &f) == 0);
	spread_frame(&f, 1, 2, 17, 1, 2, 0, 0);
	for (size_t n = 0; n < f.n; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		memcpy(copy, f.b, n);
		CHECK(spreader_pick(sp, DLT_EN10MB, copy, (uint32_t)n, (uint32_t)f.n, 1000, NULL) < 4);
		free(copy);
	}
	spreader_free(sp);
	spreader_free(one);
}

int main(void)
{
	int i;

	test_eth_ipv4();
	test_ipv4_malformed();
	test_snaplen_tso();
	test_truncation_ipv6_tcp();
	test_ipv6();
	test_fragments();
	test_vlan();
	test_mpls();
	test_not_ip();
	test_sll();
	test_raw();
	test_null_loop();
	test_bad_linktype();
	test_status_names();
	test_spread();

	/* every status is produced by some frame above */
	for (i = 0; i < PKT_STATUS_MAX; i++) {
		if (!seen[i])
			fprintf(stderr, "status %s never produced\n",
			        pkt_status_name((enum pkt_status)i));
		CHECK(seen[i]);
	}
	return check_done("test_decode");
}
