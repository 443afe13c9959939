/*
 * Unit tests for the OSPFv2 decoder (lib/ospf.c).
 *
 * Two sources of packets: real ones, captured between two FRR 8.4 ospfd
 * routers in network namespaces (a point-to-point link in area 0, a
 * broadcast link in NSSA area 1, connected routes redistributed as E1 with
 * tag 77, opaque router-information LSAs; a second run with MD5
 * authentication and area 1 a normal area), and hand-built ones covering
 * every LSA type and every drop reason.  Packets and LSAs go to the decoder
 * in heap buffers of exactly the size being tested, so a sanitizer build
 * catches any read past them.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ospf.h"
#include "ospfauth.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
                        (uint32_t)(c) << 8 | (uint32_t)(d))

/* --- real packets (IP payloads, hex) ---------------------------------- */

/* Hello on the point-to-point link, from 192.0.2.1, one neighbor. */
static const char cap_hello_p2p[] =
	"02010030c00002010000000077c700000000000000000000fffffffc00010201"
	"000000040000000000000000c0000202";

/* Hello on the broadcast NSSA link: options N/P, DR 10.1.12.2, BDR .1. */
static const char cap_hello_bcast[] =
	"02010030c00002010000000146bd00000000000000000000ffffff0000010801"
	"000000040a010c020a010c01c0000202";

/* DD in area 1 with five LSA headers (router, 3 summaries, NSSA). */
static const char cap_dd[] =
	"02020084c000020100000001abef0000000000000000000005dc48002fc08ee0"
	"00000801c0000201c0000201800000051c8100240004000300000000c0000201"
	"80000001b8e1001c000400030a000c00c000020180000001f984001c00040003"
	"c0000201c000020180000001c413001c00040207c6336410c000020180000001"
	"d6f50024";

/* LSR for five LSAs. */
static const char cap_lsr[] =
	"02030054c000020200000001ad430000000000000000000000000001c0000201"
	"c00002010000000300000000c0000201000000030a000c00c000020100000003"
	"c0000201c000020100000007c6336410c0000201";

/* LSU in area 1: router, 3 summaries, NSSA (E1, tag 77), router, network. */
static const char cap_lsu_area1[] =
	"020400fcc0000202000000010d10000000000000000000000000000700010801"
	"c0000202c0000202800000050c8f0024030000010a010c00ffffff000300000a"
	"0004000300000000c000020280000001b2e6001c000000000000000100040003"
	"0a000c00c000020280000001f389001cfffffffc0000000a00040003c0000202"
	"c000020280000001b421001cffffffff0000000000040207c6336420c0000202"
	"80000001308b0024fffffff000000014000000000000004d00010801c0000202"
	"c000020280000006423e0024030000010a010c020a010c020200000a00010802"
	"0a010c02c000020280000001feee0020ffffff00c0000201c0000202";

/* LSU in area 0: router (2 stubs), summary, AS-external (E1, tag 77),
 * router (p2p + 2 stubs). */
static const char cap_lsu_area0[] =
	"020400c8c000020200000000c3a0000000000000000000000000000400010201"
	"c0000202c0000202800000034c860030030000020a000c00fffffffc0300000a"
	"c0000202ffffffff03000000000102030a010c00c000020280000001db9b001c"
	"ffffff000000000a00010205c6336420c0000202800000014c710024fffffff0"
	"00000014000000000000004d00010201c0000202c000020280000004934a003c"
	"03000003c00002010a000c020100000a0a000c00fffffffc0300000ac0000202"
	"ffffffff03000000";

/* LSU: router-LSA and an opaque area-scope (type 10) router-info LSA. */
static const char cap_lsu_opaque[] =
	"02040074c000020100000000a315000000000000000000000000000200060201"
	"c0000201c0000201800000047d63003c03000003c00002020a000c010100000a"
	"0a000c00fffffffc0300000ac0000201ffffffff030000000001420a04000000"
	"c000020180000001c276001c0001000410000000";

/* LSAck for six LSAs. */
static const char cap_lsack[] =
	"02050090c0000201000000012b710000000000000000000000010801c0000202"
	"c0000202800000050c8f00240004000300000000c000020280000001b2e6001c"
	"000400030a000c00c000020280000001f389001c00040003c0000202c0000202"
	"80000001b421001c00040207c6336420c000020280000001308b002400010802"
	"0a010c02c000020280000001feee0020";

/* MD5-authenticated DD (I/M/MS) from the second run: declared length 32,
 * then the 16-octet digest.  The checksum field is zero, as RFC 2328 D.4.3
 * has it. */
static const char cap_dd_md5[] =
	"02020020c00002020000000000000002000001106b0260a805dc4207337a9f21"
	"d0832c4c645af678b58bbeb6d02bf16b";

/* MD5-authenticated LSU with an ASBR-summary LSA, then the digest. */
static const char cap_lsu_md5[] =
	"02040038c00002010000000000000002000001106b0260ba0000000100010204"
	"c0000202c000020180000001f2d6001c000000000000000a1b8600b6ce7959da"
	"e398f3c75898c8ab";

struct bytes {
	uint8_t d[2048];
	size_t n;
};

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static void from_hex(struct bytes *b, const char *s)
{
	b->n = 0;
	while (s[0] && s[1] && b->n < sizeof(b->d)) {
		int hi = hexval(s[0]), lo = hexval(s[1]);

		if (hi < 0 || lo < 0)
			abort();
		b->d[b->n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
}

/* --- builders --------------------------------------------------------- */

static void put8(struct bytes *b, unsigned v)
{
	if (b->n >= sizeof(b->d))
		abort();
	b->d[b->n++] = (uint8_t)v;
}

static void put16(struct bytes *b, unsigned v)
{
	put8(b, v >> 8 & 0xff);
	put8(b, v & 0xff);
}

static void put32(struct bytes *b, uint32_t v)
{
	put16(b, v >> 16);
	put16(b, v & 0xffff);
}

static void set16(struct bytes *b, size_t off, unsigned v)
{
	b->d[off] = (uint8_t)(v >> 8);
	b->d[off + 1] = (uint8_t)v;
}

static void set32(struct bytes *b, size_t off, uint32_t v)
{
	set16(b, off, v >> 16);
	set16(b, off + 2, v & 0xffff);
}

static unsigned get16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* Start an OSPF packet (null authentication) at b->n. */
static void pkt_begin(struct bytes *b, unsigned type, uint32_t rid, uint32_t area)
{
	b->n = 0;
	put8(b, 2);
	put8(b, type);
	put16(b, 0);            /* length, set by pkt_end */
	put32(b, rid);
	put32(b, area);
	put16(b, 0);            /* checksum, set by pkt_end */
	put16(b, 0);            /* autype */
	put32(b, 0);
	put32(b, 0);
}

/* Our own Internet checksum, independent of lib/ospf.c: over b[0..len) with
 * the authentication field skipped, the checksum field as zero. */
static unsigned inet_cksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if ((i >= 16 && i < 24) || i == 12 || i == 13)
			continue;
		sum += i % 2 ? p[i] : (uint32_t)p[i] << 8;
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

static void pkt_fix_cksum(struct bytes *b, size_t len)
{
	set16(b, 12, 0);
	set16(b, 12, inet_cksum(b->d, len));
}

/* Set the length to everything written and compute the checksum. */
static void pkt_end(struct bytes *b)
{
	set16(b, 2, (unsigned)b->n);
	pkt_fix_cksum(b, b->n);
}

/* Start an LSA header at b->n; returns its offset. */
static size_t lsa_begin(struct bytes *b, unsigned age, unsigned options,
                        unsigned type, uint32_t id, uint32_t adv, uint32_t seq)
{
	size_t start = b->n;

	put16(b, age);
	put8(b, options);
	put8(b, type);
	put32(b, id);
	put32(b, adv);
	put32(b, seq);
	put16(b, 0);            /* checksum */
	put16(b, 0);            /* length */
	return start;
}

/* Set the LSA's length and checksum (with lib/ospf.c's lsa_checksum). */
static void lsa_end(struct bytes *b, size_t start)
{
	size_t len = b->n - start;

	set16(b, start + 18, (unsigned)len);
	set16(b, start + 16, lsa_checksum(b->d + start, len));
}

/* --- decoding from exact-size heap copies ------------------------------ */

/* Decode a copy of src[0..len) in a buffer of exactly len bytes; the copy
 * stays alive (for the accessors) until the next call or dec_free(). */
static uint8_t *heap;

static void dec_free(void)
{
	free(heap);
	heap = NULL;
}

static enum ospf_status dec(const uint8_t *src, size_t len, struct ospf_pkt *p)
{
	dec_free();
	heap = malloc(len ? len : 1);
	if (heap == NULL)
		abort();
	memcpy(heap, src, len);
	return ospf_decode(heap, len, p);
}

static enum ospf_status dec_b(const struct bytes *b, struct ospf_pkt *p)
{
	return dec(b->d, b->n, p);
}

static enum ospf_status dec_hex(const char *hex, struct ospf_pkt *p)
{
	struct bytes b;

	from_hex(&b, hex);
	return dec_b(&b, p);
}

static enum ospf_status lsa_dec(const uint8_t *src, size_t len, struct lsa *l)
{
	dec_free();
	heap = malloc(len ? len : 1);
	if (heap == NULL)
		abort();
	memcpy(heap, src, len);
	return lsa_decode(heap, len, l);
}

/* --- real captures ----------------------------------------------------- */

static void test_real_hello(void)
{
	struct ospf_pkt p;

	CHECK_EQ(dec_hex(cap_hello_p2p, &p), OSPF_OK);
	CHECK_EQ(p.h.version, 2);
	CHECK_EQ(p.h.type, OSPF_HELLO);
	CHECK_EQ(p.h.length, 48);
	CHECK_EQ(p.h.router_id, IP(192, 0, 2, 1));
	CHECK_EQ(p.h.area_id, 0);
	CHECK_EQ(p.h.autype, OSPF_AUTH_NULL);
	CHECK_EQ(p.hello_mask, IP(255, 255, 255, 252));
	CHECK_EQ(p.hello_interval, 1);
	CHECK_EQ(p.hello_options, 0x02);
	CHECK_EQ(p.priority, 1);
	CHECK_EQ(p.dead_interval, 4);
	CHECK_EQ(p.dr, 0);
	CHECK_EQ(p.bdr, 0);
	CHECK_EQ(p.nneighbors, 1);
	CHECK_EQ(ospf_hello_neighbor(&p, 0), IP(192, 0, 2, 2));
	CHECK_EQ(p.nlsa, 0);

	CHECK_EQ(dec_hex(cap_hello_bcast, &p), OSPF_OK);
	CHECK_EQ(p.h.area_id, 1);
	CHECK_EQ(p.hello_mask, IP(255, 255, 255, 0));
	CHECK_EQ(p.hello_options, 0x08);
	CHECK_EQ(p.dr, IP(10, 1, 12, 2));
	CHECK_EQ(p.bdr, IP(10, 1, 12, 1));
	CHECK_EQ(p.nneighbors, 1);
	CHECK_EQ(ospf_hello_neighbor(&p, 0), IP(192, 0, 2, 2));
	dec_free();
}

static void test_real_dd_lsr_lsack(void)
{
	static const uint8_t dd_types[] = { 1, 3, 3, 3, 7 };
	static const uint8_t ack_types[] = { 1, 3, 3, 3, 7, 2 };
	struct ospf_pkt p;
	struct lsa_hdr h;
	size_t off = 0;
	unsigned n = 0;

	CHECK_EQ(dec_hex(cap_dd, &p), OSPF_OK);
	CHECK_EQ(p.h.type, OSPF_DD);
	CHECK_EQ(p.dd_mtu, 1500);
	CHECK_EQ(p.dd_options, 0x48);
	CHECK_EQ(p.dd_flags, 0);
	CHECK_EQ(p.dd_seq, 0x2fc08ee0);
	CHECK_EQ(p.nlsa, 5);
	while (ospf_lsahdr_next(&p, &off, &h) == OSPF_OK) {
		if (n < 5)
			CHECK_EQ(h.type, dd_types[n]);
		n++;
	}
	CHECK_EQ(n, 5);
	CHECK_EQ(off, 100);
	/* the last header, the NSSA-LSA */
	CHECK_EQ(h.age, 4);
	CHECK_EQ(h.do_not_age, false);
	CHECK_EQ(h.options, 0x02);
	CHECK_EQ(h.ls_id, IP(198, 51, 100, 16));
	CHECK_EQ(h.adv_router, IP(192, 0, 2, 1));
	CHECK_EQ(h.seq, OSPF_INITIAL_SEQ);
	CHECK_EQ(h.checksum, 0xd6f5);
	CHECK_EQ(h.length, 36);
	/* DD: not an LSU */
	off = 0;
	{
		struct lsa l;

		CHECK_EQ(ospf_lsu_next(&p, &off, &l), OSPF_BAD_TYPE);
	}

	CHECK_EQ(dec_hex(cap_lsr, &p), OSPF_OK);
	CHECK_EQ(p.h.type, OSPF_LSR);
	CHECK_EQ(p.h.length, 84);
	CHECK_EQ(p.nlsa, 0);
	off = 0;
	CHECK_EQ(ospf_lsahdr_next(&p, &off, &h), OSPF_BAD_TYPE);

	CHECK_EQ(dec_hex(cap_lsack, &p), OSPF_OK);
	CHECK_EQ(p.h.type, OSPF_LSACK);
	CHECK_EQ(p.nlsa, 6);
	off = 0;
	n = 0;
	while (ospf_lsahdr_next(&p, &off, &h) == OSPF_OK) {
		if (n < 6)
			CHECK_EQ(h.type, ack_types[n]);
		n++;
	}
	CHECK_EQ(n, 6);
	CHECK_EQ(h.ls_id, IP(10, 1, 12, 2));
	CHECK_EQ(h.length, 32);
	dec_free();
}

/* Every LSA in an accepted LSU: lsa_checksum() recomputes the value FRR put
 * in the field (real-world check of our Fletcher arithmetic). */
static void check_lsu_checksums(const struct ospf_pkt *p)
{
	struct lsa l;
	size_t off = 0;

	while (ospf_lsu_next(p, &off, &l) == OSPF_OK) {
		CHECK(lsa_checksum_ok(l.raw, l.h.length));
		CHECK_EQ(lsa_checksum(l.raw, l.h.length), l.h.checksum);
	}
}

static void test_real_lsu(void)
{
	static const uint8_t types1[] = { 1, 3, 3, 3, 7, 1, 2 };
	struct ospf_pkt p;
	struct lsa l;
	struct lsa_router_link rl;
	size_t off = 0;
	unsigned n = 0;

	/* area 1 */
	CHECK_EQ(dec_hex(cap_lsu_area1, &p), OSPF_OK);
	CHECK_EQ(p.h.type, OSPF_LSU);
	CHECK_EQ(p.nlsa, 7);
	check_lsu_checksums(&p);
	while (ospf_lsu_next(&p, &off, &l) == OSPF_OK) {
		if (n < 7)
			CHECK_EQ(l.h.type, types1[n]);
		switch (n) {
		case 0:         /* router-LSA of an ABR/ASBR with a stub link */
			CHECK_EQ(l.h.adv_router, IP(192, 0, 2, 2));
			CHECK_EQ(l.h.seq, (int32_t)0x80000005);
			CHECK_EQ(l.u.router.flags, LSA_ROUTER_B | LSA_ROUTER_E);
			CHECK_EQ(l.u.router.nlinks, 1);
			lsa_router_link(&l, 0, &rl);
			CHECK_EQ(rl.type, LINK_STUB);
			CHECK_EQ(rl.id, IP(10, 1, 12, 0));
			CHECK_EQ(rl.data, IP(255, 255, 255, 0));
			CHECK_EQ(rl.metric, 10);
			break;
		case 1:         /* default summary into the NSSA */
			CHECK_EQ(l.h.ls_id, 0);
			CHECK_EQ(l.u.summary.mask, 0);
			CHECK_EQ(l.u.summary.metric, 1);
			break;
		case 2:
			CHECK_EQ(l.h.ls_id, IP(10, 0, 12, 0));
			CHECK_EQ(l.u.summary.mask, IP(255, 255, 255, 252));
			CHECK_EQ(l.u.summary.metric, 10);
			break;
		case 4:         /* NSSA, E1, tag 77, originated by an ABR: no P */
			CHECK_EQ(l.h.ls_id, IP(198, 51, 100, 32));
			CHECK_EQ(l.u.external.mask, IP(255, 255, 255, 240));
			CHECK_EQ(l.u.external.metric, 20);
			CHECK_EQ(l.u.external.e2, false);
			CHECK_EQ(l.u.external.fwd, 0);
			CHECK_EQ(l.u.external.tag, 77);
			CHECK_EQ(l.u.external.p, false);
			break;
		case 5:         /* router-LSA with a transit link */
			CHECK_EQ(l.u.router.nlinks, 1);
			lsa_router_link(&l, 0, &rl);
			CHECK_EQ(rl.type, LINK_TRANSIT);
			CHECK_EQ(rl.id, IP(10, 1, 12, 2));
			CHECK_EQ(rl.data, IP(10, 1, 12, 2));
			CHECK_EQ(rl.metric, 10);
			break;
		case 6:         /* network-LSA, two attached routers */
			CHECK_EQ(l.h.ls_id, IP(10, 1, 12, 2));
			CHECK_EQ(l.u.network.mask, IP(255, 255, 255, 0));
			CHECK_EQ(l.u.network.nrouters, 2);
			CHECK_EQ(lsa_network_router(&l, 0), IP(192, 0, 2, 1));
			CHECK_EQ(lsa_network_router(&l, 1), IP(192, 0, 2, 2));
			break;
		}
		n++;
	}
	CHECK_EQ(n, 7);
	CHECK_EQ(off, (size_t)p.h.length - 28);
	CHECK_EQ(ospf_lsu_next(&p, &off, &l), OSPF_TRUNC);

	/* area 0 */
	CHECK_EQ(dec_hex(cap_lsu_area0, &p), OSPF_OK);
	CHECK_EQ(p.nlsa, 4);
	check_lsu_checksums(&p);
	off = 0;
	n = 0;
	while (ospf_lsu_next(&p, &off, &l) == OSPF_OK) {
		if (n == 1) {
			CHECK_EQ(l.h.type, LSA_SUMMARY);
			CHECK_EQ(l.u.summary.mask, IP(255, 255, 255, 0));
			CHECK_EQ(l.u.summary.metric, 10);
		} else if (n == 2) {
			CHECK_EQ(l.h.type, LSA_EXTERNAL);
			CHECK_EQ(l.h.ls_id, IP(198, 51, 100, 32));
			CHECK_EQ(l.u.external.e2, false);
			CHECK_EQ(l.u.external.metric, 20);
			CHECK_EQ(l.u.external.tag, 77);
			CHECK_EQ(l.u.external.p, false);
		} else if (n == 3) {
			CHECK_EQ(l.h.type, LSA_ROUTER);
			CHECK_EQ(l.u.router.nlinks, 3);
			lsa_router_link(&l, 0, &rl);
			CHECK_EQ(rl.type, LINK_P2P);
			CHECK_EQ(rl.id, IP(192, 0, 2, 1));
			CHECK_EQ(rl.data, IP(10, 0, 12, 2));
			CHECK_EQ(rl.metric, 10);
			lsa_router_link(&l, 2, &rl);
			CHECK_EQ(rl.type, LINK_STUB);
			CHECK_EQ(rl.id, IP(192, 0, 2, 2));
			CHECK_EQ(rl.data, IP(255, 255, 255, 255));
			CHECK_EQ(rl.metric, 0);
		}
		n++;
	}
	CHECK_EQ(n, 4);

	/* opaque router information */
	CHECK_EQ(dec_hex(cap_lsu_opaque, &p), OSPF_OK);
	CHECK_EQ(p.nlsa, 2);
	check_lsu_checksums(&p);
	off = 0;
	CHECK_EQ(ospf_lsu_next(&p, &off, &l), OSPF_OK);
	CHECK_EQ(ospf_lsu_next(&p, &off, &l), OSPF_OK);
	CHECK_EQ(l.h.type, LSA_OPAQUE_AREA);
	CHECK_EQ(l.h.ls_id, IP(4, 0, 0, 0));
	CHECK_EQ(l.h.options, 0x42);
	CHECK_EQ(l.h.length, 28);
	CHECK_EQ(ospf_lsu_next(&p, &off, &l), OSPF_TRUNC);
	dec_free();
}

static void test_real_md5(void)
{
	struct ospf_pkt p;
	struct lsa l;
	struct bytes b;
	size_t off = 0;

	from_hex(&b, cap_dd_md5);
	CHECK_EQ(b.n, 48);
	CHECK_EQ(dec_b(&b, &p), OSPF_OK);
	CHECK_EQ(p.h.length, 32);
	CHECK_EQ(p.h.autype, OSPF_AUTH_CRYPTO);
	CHECK_EQ(p.h.checksum, 0);
	CHECK_EQ(p.h.key_id, 1);
	CHECK_EQ(p.h.auth_len, 16);
	CHECK_EQ(p.h.crypto_seq, 0x6b0260a8);
	CHECK_EQ(p.dd_flags, 0x07);
	CHECK_EQ(p.dd_mtu, 1500);
	CHECK_EQ(p.nlsa, 0);

	/* the checksum is not looked at under cryptographic authentication */
	set16(&b, 12, 0x1234);
	CHECK_EQ(dec_b(&b, &p), OSPF_OK);
	/* without the digest: still fine (the decoder does not check it) */
	b.n = 32;
	CHECK_EQ(dec_b(&b, &p), OSPF_OK);
	/* the same bytes as null authentication: the checksum now counts */
	set16(&b, 14, OSPF_AUTH_NULL);
	CHECK_EQ(dec_b(&b, &p), OSPF_BAD_CHECKSUM);
	pkt_fix_cksum(&b, 32);
	CHECK_EQ(dec_b(&b, &p), OSPF_OK);
	CHECK_EQ(p.h.key_id, 0);
	CHECK_EQ(p.h.crypto_seq, 0);

	CHECK_EQ(dec_hex(cap_lsu_md5, &p), OSPF_OK);
	CHECK_EQ(p.h.length, 56);
	CHECK_EQ(p.h.crypto_seq, 0x6b0260ba);
	CHECK_EQ(p.nlsa, 1);
	CHECK_EQ(ospf_lsu_next(&p, &off, &l), OSPF_OK);
	CHECK_EQ(l.h.type, LSA_ASBR_SUMMARY);
	CHECK_EQ(l.h.ls_id, IP(192, 0, 2, 2));
	CHECK_EQ(l.h.adv_router, IP(192, 0, 2, 1));
	CHECK_EQ(l.u.summary.mask, 0);
	CHECK_EQ(l.u.summary.metric, 10);
	CHECK_EQ(lsa_checksum(l.raw, l.h.length), 0xf2d6);
	CHECK_EQ(ospf_lsu_next(&p, &off, &l), OSPF_TRUNC);
	dec_free();
}

/* --- hand-built LSAs ---------------------------------------------------- */

static void build_router_lsa(struct bytes *b)
{
	size_t s = lsa_begin(b, 10, 0x02, LSA_ROUTER, IP(10, 9, 9, 9),
	                     IP(10, 9, 9, 9), 0x80000010);

	put8(b, LSA_ROUTER_B | LSA_ROUTER_E | LSA_ROUTER_V | LSA_ROUTER_NT);
	put8(b, 0);
	put16(b, 4);
	/* p2p with two TOS entries */
	put32(b, IP(10, 8, 8, 8)); put32(b, IP(172, 16, 0, 1));
	put8(b, LINK_P2P); put8(b, 2); put16(b, 5);
	put8(b, 2); put8(b, 0); put16(b, 50);
	put8(b, 4); put8(b, 0); put16(b, 60);
	/* transit */
	put32(b, IP(172, 16, 1, 1)); put32(b, IP(172, 16, 1, 9));
	put8(b, LINK_TRANSIT); put8(b, 0); put16(b, 100);
	/* stub with one TOS entry */
	put32(b, IP(172, 16, 2, 0)); put32(b, IP(255, 255, 255, 0));
	put8(b, LINK_STUB); put8(b, 1); put16(b, 65535);
	put8(b, 8); put8(b, 0); put16(b, 7);
	/* virtual */
	put32(b, IP(10, 7, 7, 7)); put32(b, IP(172, 16, 3, 1));
	put8(b, LINK_VIRTUAL); put8(b, 0); put16(b, 30);
	lsa_end(b, s);
}

static void test_router_lsa(void)
{
	struct bytes b = { .n = 0 };
	struct lsa l;
	struct lsa_router_link rl;

	build_router_lsa(&b);
	CHECK_EQ(b.n, 20 + 4 + 4 * 12 + 3 * 4);
	CHECK(lsa_checksum_ok(b.d, b.n));
	CHECK_EQ(lsa_dec(b.d, b.n, &l), OSPF_OK);
	CHECK_EQ(l.h.type, LSA_ROUTER);
	CHECK_EQ(l.h.age, 10);
	CHECK_EQ(l.h.seq, (int32_t)0x80000010);
	CHECK_EQ(l.h.length, b.n);
	CHECK(l.raw == heap);
	CHECK_EQ(l.u.router.flags, 0x17);
	CHECK_EQ(l.u.router.nlinks, 4);
	lsa_router_link(&l, 0, &rl);
	CHECK_EQ(rl.type, LINK_P2P);
	CHECK_EQ(rl.id, IP(10, 8, 8, 8));
	CHECK_EQ(rl.data, IP(172, 16, 0, 1));
	CHECK_EQ(rl.metric, 5);
	lsa_router_link(&l, 1, &rl);
	CHECK_EQ(rl.type, LINK_TRANSIT);
	CHECK_EQ(rl.id, IP(172, 16, 1, 1));
	CHECK_EQ(rl.data, IP(172, 16, 1, 9));
	CHECK_EQ(rl.metric, 100);
	lsa_router_link(&l, 2, &rl);
	CHECK_EQ(rl.type, LINK_STUB);
	CHECK_EQ(rl.id, IP(172, 16, 2, 0));
	CHECK_EQ(rl.data, IP(255, 255, 255, 0));
	CHECK_EQ(rl.metric, 65535);
	lsa_router_link(&l, 3, &rl);
	CHECK_EQ(rl.type, LINK_VIRTUAL);
	CHECK_EQ(rl.id, IP(10, 7, 7, 7));
	CHECK_EQ(rl.data, IP(172, 16, 3, 1));
	CHECK_EQ(rl.metric, 30);
	/* the cursor reads the same links in order, stepping over TOS entries */
	{
		struct lsa_link_cursor c = { 0 };
		struct lsa_router_link want;
		unsigned n = 0;
		while (lsa_router_link_next(&l, &c, &rl)) {
			lsa_router_link(&l, n, &want);
			CHECK(rl.id == want.id && rl.data == want.data && rl.type == want.type &&
			      rl.metric == want.metric);
			n++;
		}
		CHECK_EQ(n, 4);
		CHECK(!lsa_router_link_next(&l, &c, &rl));
	}

	/* a router-LSA with no links at all is fine */
	b.n = 0;
	{
		size_t s = lsa_begin(&b, 0, 0, LSA_ROUTER, 1, 1, 0x80000001);

		put32(&b, 0);
		lsa_end(&b, s);
	}
	CHECK_EQ(lsa_dec(b.d, b.n, &l), OSPF_OK);
	CHECK_EQ(l.u.router.nlinks, 0);
	dec_free();
}

/* A router-LSA of length len whose body bytes are given (checksum fixed). */
static enum ospf_status router_body(struct bytes *b, unsigned nlinks,
                                    const uint8_t *body, size_t n, struct lsa *l)
{
	size_t s;

	b->n = 0;
	s = lsa_begin(b, 0, 0, LSA_ROUTER, 1, 1, 0x80000001);
	put8(b, 0);
	put8(b, 0);
	put16(b, nlinks);
	while (n--)
		put8(b, *body++);
	lsa_end(b, s);
	return lsa_dec(b->d, b->n, l);
}

static void test_router_lsa_bad(void)
{
	static const uint8_t one_link[12] = { 1, 1, 1, 1, 2, 2, 2, 2, LINK_P2P, 0, 0, 1 };
	static const uint8_t link_tos2[16] = { 1, 1, 1, 1, 2, 2, 2, 2, LINK_P2P, 2, 0, 1,
	                                       0, 0, 0, 0 };
	uint8_t many[12 * 5];
	struct bytes b;
	struct lsa l;
	unsigned i;

	CHECK_EQ(router_body(&b, 1, one_link, 12, &l), OSPF_OK);
	/* #links says more than there are */
	CHECK_EQ(router_body(&b, 2, one_link, 12, &l), OSPF_BAD_LSA_LENGTH);
	CHECK_EQ(router_body(&b, 65535, one_link, 12, &l), OSPF_BAD_LSA_LENGTH);
	/* 65535 links in 60 bytes of links */
	for (i = 0; i < 5; i++)
		memcpy(many + 12 * i, one_link, 12);
	CHECK_EQ(router_body(&b, 5, many, sizeof(many), &l), OSPF_OK);
	CHECK_EQ(router_body(&b, 65535, many, sizeof(many), &l), OSPF_BAD_LSA_LENGTH);
	/* fewer: bytes left over */
	CHECK_EQ(router_body(&b, 0, one_link, 12, &l), OSPF_BAD_LSA_LENGTH);
	CHECK_EQ(router_body(&b, 4, many, sizeof(many), &l), OSPF_BAD_LSA_LENGTH);
	/* a partial link */
	CHECK_EQ(router_body(&b, 1, one_link, 11, &l), OSPF_BAD_LSA_LENGTH);
	/* #TOS says 2 entries, 1 present */
	CHECK_EQ(router_body(&b, 1, link_tos2, 16, &l), OSPF_BAD_LSA_LENGTH);
	/* ... and 1 present when 0 claimed: not consumed */
	{
		uint8_t t[16];

		memcpy(t, link_tos2, 16);
		t[9] = 0;
		CHECK_EQ(router_body(&b, 1, t, 16, &l), OSPF_BAD_LSA_LENGTH);
		t[9] = 1;
		CHECK_EQ(router_body(&b, 1, t, 16, &l), OSPF_OK);
	}
	/* #TOS 255 on the only link */
	{
		uint8_t t[12];

		memcpy(t, one_link, 12);
		t[9] = 255;
		CHECK_EQ(router_body(&b, 1, t, 12, &l), OSPF_BAD_LSA_LENGTH);
	}
	/* no room for flags/#links */
	b.n = 0;
	{
		size_t s = lsa_begin(&b, 0, 0, LSA_ROUTER, 1, 1, 0x80000001);

		put16(&b, 0);
		lsa_end(&b, s);
	}
	CHECK_EQ(lsa_dec(b.d, b.n, &l), OSPF_BAD_LSA_LENGTH);
	dec_free();
}

static size_t network_lsa(struct bytes *b, unsigned nrouters)
{
	size_t s = lsa_begin(b, 100, 0x22, LSA_NETWORK, IP(10, 2, 0, 1),
	                     IP(192, 0, 2, 9), 0x80000002);
	unsigned i;

	put32(b, IP(255, 255, 255, 0));
	for (i = 0; i < nrouters; i++)
		put32(b, IP(192, 0, 2, 9 + i));
	lsa_end(b, s);
	return s;
}

static void test_network_lsa(void)
{
	struct bytes b = { .n = 0 };
	struct lsa l;
	unsigned i;

	network_lsa(&b, 5);
	CHECK_EQ(lsa_dec(b.d, b.n, &l), OSPF_OK);
	CHECK_EQ(l.h.type, LSA_NETWORK);
	CHECK_EQ(l.u.network.mask, IP(255, 255, 255, 0));
	CHECK_EQ(l.u.network.nrouters, 5);
	for (i = 0; i < 5; i++)
		CHECK_EQ(lsa_network_router(&l, i), IP(192, 0, 2, 9 + i));

	b.n = 0;
	network_lsa(&b, 1);
	CHECK_EQ(lsa_dec(b.d, b.n, &l), OSPF_OK);
	CHECK_EQ(l.u.network.nrouters, 1);

	/* no attached router */
	b.n = 0;
	network_lsa(&b, 0);
	CHECK_EQ(lsa_dec(b.d, b.n, &l), OSPF_BAD_LSA_LENGTH);
	/* a partial router id */
	b.n = 0;
	{
		size_t s = lsa_begin(&b, 0, 0, LSA_NETWORK, 1, 1, 0x80000001);

		put32(&b, 0xffffff00);
		put32(&b, 1);
		put16(&b, 2);
		lsa_end(&b, s);
	}
	CHECK_EQ(lsa_dec(b.d, b.n, &l), OSPF_BAD_LSA_LENGTH);
	/* no mask */
	b.n = 0;
	{
		size_t s = lsa_begin(&b, 0, 0, LSA_NETWORK, 1, 1, 0x80000001);

		lsa_end(&b, s);
	}
	CHECK_EQ(lsa_dec(b.d, b.n, &l), OSPF_BAD_LSA_LENGTH);
	dec_free();
}

static void test_summary_lsa(void)
{
	struct bytes b = { .n = 0 };
	struct lsa l;
	size_t s;

	s = lsa_begin(&b, 1, 0x02, LSA_SUMMARY, IP(10, 3, 0, 0), IP(1, 1, 1, 1), 0x80000001);
	put32(&b, IP(255, 255, 0, 0));
	put32(&b, 0x00abcdef);          /* TOS 0, metric */
	put32(&b, 0x08000010);          /* TOS 8, metric 16 */
	lsa_end(&b, s);
	CHECK_EQ(lsa_dec(b.d, b.n, &l), OSPF_OK);
	CHECK_EQ(l.h.type, LSA_SUMMARY);
	CHECK_EQ(l.u.summary.mask, IP(255, 255, 0, 0));
	CHECK_EQ(l.u.summary.metric, 0xabcdef);

	b.n = 0;
	s = lsa_begin(&b, 1, 0x02, LSA_ASBR_SUMMARY, IP(7, 7, 7, 7), IP(1, 1, 1, 1), 0x80000001);
	put32(&b, 0);
	put32(&b, OSPF_LS_INFINITY);
	lsa_end(&b, s);
	CHECK_EQ(lsa_dec(b.d, b.n, &l), OSPF_OK);
	CHECK_EQ(l.h.type, LSA_ASBR_SUMMARY);
	CHECK_EQ(l.h.ls_id, IP(7, 7, 7, 7));
	CHECK_EQ(l.u.summary.mask, 0);
	CHECK_EQ(l.u.summary.metric, OSPF_LS_INFINITY);

	/* no metric; a partial TOS entry */
	b.n = 0;
	s = lsa_begin(&b, 1, 0, LSA_SUMMARY, 1, 1, 0x80000001);
	put32(&b, 0);
	lsa_end(&b, s);
	CHECK_EQ(lsa_dec(b.d, b.n, &l), OSPF_BAD_LSA_LENGTH);
	b.n = 0;
	s = lsa_begin(&b, 1, 0, LSA_ASBR_SUMMARY, 1, 1, 0x80000001);
	put32(&b, 0);
	put32(&b, 1);
	put16(&b, 0);
	lsa_end(&b, s);
	CHECK_EQ(lsa_dec(b.d, b.n, &l), OSPF_BAD_LSA_LENGTH);
	dec_free();
}

static size_t external_lsa(struct bytes *b, unsigned type, unsigned options,
                           int e2, uint32_t metric, uint32_t fwd, uint32_t tag,
                           int extra_tos)
{
	size_t s = lsa_begin(b, 5, options, type, IP(203, 0, 113, 0),
	                     IP(192, 0, 2, 7), 0x80000003);

	put32(b, IP(255, 255, 255, 0));
	put8(b, e2 ? 0x80 : 0);
	put8(b, metric >> 16);
	put16(b, metric & 0xffff);
	put32(b, fwd);
	put32(b, tag);
	if (extra_tos) {
		put8(b, 0x80 | 8);
		put8(b, 0);
		put16(b, 99);
		put32(b, IP(9, 9, 9, 9));
		put32(b, 0xdead);
	}
	lsa_end(b, s);
	return s;
}

static void test_external_lsa(void)
{
	struct bytes b = { .n = 0 };
	struct lsa l;
	size_t s;

	/* E2 with forwarding address and tag, and a second TOS entry */
	external_lsa(&b, LSA_EXTERNAL, 0x02, 1, 0x123456, IP(10, 0, 0, 254), 0xc0ffee01, 1);
	CHECK_EQ(b.n, 48);
	CHECK_EQ(lsa_dec(b.d, b.n, &l), OSPF_OK);
	CHECK_EQ(l.h.type, LSA_EXTERNAL);
	CHECK_EQ(l.u.external.mask, IP(255, 255, 255, 0));
	CHECK_EQ(l.u.external.e2, true);
	CHECK_EQ(l.u.external.metric, 0x123456);
	CHECK_EQ(l.u.external.fwd, IP(10, 0, 0, 254));
	CHECK_EQ(l.u.external.tag, 0xc0ffee01);
	CHECK_EQ(l.u.external.p, false);

	/* E1 */
	b.n = 0;
	external_lsa(&b, LSA_EXTERNAL, 0x02, 0, 20, IP(10, 0, 0, 1), 42, 0);
	CHECK_EQ(lsa_dec(b.d, b.n, &l), OSPF_OK);
	CHECK_EQ(l.u.external.e2, false);
	CHECK_EQ(l.u.external.metric, 20);
	CHECK_EQ(l.u.external.fwd, IP(10, 0, 0, 1));
	CHECK_EQ(l.u.external.tag, 42);

	/* the P bit means nothing outside NSSA-LSAs */
	b.n = 0;
	external_lsa(&b, LSA_EXTERNAL, 0x08, 1, 1, 0, 0, 0);
	CHECK_EQ(lsa_dec(b.d, b.n, &l), OSPF_OK);
	CHECK_EQ(l.u.external.p, false);

	/* NSSA with P */
	b.n = 0;
	external_lsa(&b, LSA_NSSA, 0x08, 1, 7, IP(10, 1, 1, 1), 5, 0);
	CHECK_EQ(lsa_dec(b.d, b.n, &l), OSPF_OK);
	CHECK_EQ(l.h.type, LSA_NSSA);
	CHECK_EQ(l.u.external.p, true);
	CHECK_EQ(l.u.external.e2, true);
	CHECK_EQ(l.u.external.metric, 7);
	CHECK_EQ(l.u.external.fwd, IP(10, 1, 1, 1));
	CHECK_EQ(l.u.external.tag, 5);
	/* NSSA without P, E1 */
	b.n = 0;
	external_lsa(&b, LSA_NSSA, 0x02, 0, 9, 0, 0, 1);
	CHECK_EQ(lsa_dec(b.d, b.n, &l), OSPF_OK);
	CHECK_EQ(l.u.external.p, false);
	CHECK_EQ(l.u.external.e2, false);

	/* bodies of the wrong size: mask only; one and a half entries */
	b.n = 0;
	s = lsa_begin(&b, 1, 0, LSA_EXTERNAL, 1, 1, 0x80000001);
	put32(&b, 0);
	lsa_end(&b, s);
	CHECK_EQ(lsa_dec(b.d, b.n, &l), OSPF_BAD_LSA_LENGTH);
	b.n = 0;
	s = lsa_begin(&b, 1, 0, LSA_NSSA, 1, 1, 0x80000001);
	put32(&b, 0);
	put32(&b, 0); put32(&b, 0); put32(&b, 0);
	put32(&b, 0); put16(&b, 0);
	lsa_end(&b, s);
	CHECK_EQ(lsa_dec(b.d, b.n, &l), OSPF_BAD_LSA_LENGTH);
	dec_free();
}

static void test_opaque_and_unknown(void)
{
	static const unsigned opaque[] = { LSA_OPAQUE_LINK, LSA_OPAQUE_AREA, LSA_OPAQUE_AS };
	static const unsigned unknown[] = { 0, 6, 8, 12, 255 };
	struct bytes b;
	struct lsa l;
	unsigned i;
	size_t s;

	for (i = 0; i < 3; i++) {
		b.n = 0;
		s = lsa_begin(&b, 3, 0x42, opaque[i], IP(1, 0, 0, 7), IP(1, 1, 1, 1), 0x80000001);
		put32(&b, 0x00010004);          /* a TLV, unread */
		put32(&b, 0x12345678);
		lsa_end(&b, s);
		CHECK_EQ(lsa_dec(b.d, b.n, &l), OSPF_OK);
		CHECK_EQ(l.h.type, opaque[i]);
		CHECK_EQ(l.h.ls_id, IP(1, 0, 0, 7));
	}
	/* opaque with no body, and of odd length */
	b.n = 0;
	s = lsa_begin(&b, 3, 0x42, LSA_OPAQUE_LINK, 1, 1, 0x80000001);
	lsa_end(&b, s);
	CHECK_EQ(lsa_dec(b.d, b.n, &l), OSPF_OK);
	b.n = 0;
	s = lsa_begin(&b, 3, 0x42, LSA_OPAQUE_AS, 1, 1, 0x80000001);
	put8(&b, 0x55);
	lsa_end(&b, s);
	CHECK_EQ(b.n, 21);
	CHECK_EQ(lsa_dec(b.d, b.n, &l), OSPF_OK);

	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		b.n = 0;
		s = lsa_begin(&b, 3, 0, unknown[i], 1, 1, 0x80000001);
		put32(&b, 0);
		put32(&b, 0);
		lsa_end(&b, s);
		CHECK_EQ(lsa_dec(b.d, b.n, &l), OSPF_BAD_LSA_TYPE);
	}
	dec_free();
}

static void test_lsa_header_checks(void)
{
	struct bytes b = { .n = 0 };
	struct lsa l;
	size_t i;

	/* age: MaxAge accepted, one more refused; DoNotAge cleared first */
	b.n = 0;
	external_lsa(&b, LSA_EXTERNAL, 0, 1, 1, 0, 0, 0);
	set16(&b, 0, OSPF_MAX_AGE);
	CHECK_EQ(lsa_dec(b.d, b.n, &l), OSPF_OK);   /* age is not checksummed */
	CHECK_EQ(l.h.age, OSPF_MAX_AGE);
	CHECK_EQ(l.h.do_not_age, false);
	set16(&b, 0, OSPF_MAX_AGE + 1);
	CHECK_EQ(lsa_dec(b.d, b.n, &l), OSPF_BAD_LSA_AGE);
	set16(&b, 0, 0xffff);
	CHECK_EQ(lsa_dec(b.d, b.n, &l), OSPF_BAD_LSA_AGE);
	set16(&b, 0, 0x8000 | 17);
	CHECK_EQ(lsa_dec(b.d, b.n, &l), OSPF_OK);
	CHECK_EQ(l.h.age, 17);
	CHECK_EQ(l.h.do_not_age, true);
	set16(&b, 0, 0x8000 | OSPF_MAX_AGE);
	CHECK_EQ(lsa_dec(b.d, b.n, &l), OSPF_OK);
	set16(&b, 0, 0x8000 | (OSPF_MAX_AGE + 1));
	CHECK_EQ(lsa_dec(b.d, b.n, &l), OSPF_BAD_LSA_AGE);
	set16(&b, 0, 0);

	/* every single flipped byte after the age breaks the checksum */
	for (i = 2; i < b.n; i++) {
		uint8_t save = b.d[i];

		if (i == 18 || i == 19)         /* length: other errors first */
			continue;
		b.d[i] ^= 0x01;
		CHECK(!lsa_checksum_ok(b.d, b.n));
		CHECK_EQ(lsa_dec(b.d, b.n, &l), OSPF_BAD_LSA_CHECKSUM);
		b.d[i] = save;
	}
	CHECK_EQ(lsa_dec(b.d, b.n, &l), OSPF_OK);
	b.d[30] ^= 0x40;
	CHECK_EQ(lsa_dec(b.d, b.n, &l), OSPF_BAD_LSA_CHECKSUM);
	b.d[30] ^= 0x40;

	/* length lies: bigger than the buffer, below a header */
	set16(&b, 18, (unsigned)b.n + 4);
	CHECK_EQ(lsa_dec(b.d, b.n, &l), OSPF_BAD_LSA_LENGTH);
	set16(&b, 18, 19);
	CHECK_EQ(lsa_dec(b.d, b.n, &l), OSPF_BAD_LSA_LENGTH);
	set16(&b, 18, 0);
	CHECK_EQ(lsa_dec(b.d, b.n, &l), OSPF_BAD_LSA_LENGTH);
	set16(&b, 18, (unsigned)b.n);
	CHECK_EQ(lsa_dec(b.d, b.n, &l), OSPF_OK);
	/* trailing bytes after the LSA are not looked at */
	put32(&b, 0xffffffff);
	CHECK_EQ(lsa_dec(b.d, b.n, &l), OSPF_OK);
	CHECK_EQ(l.h.length, 36);

	/* every prefix shorter than the LSA fails */
	b.n = 36;
	for (i = 0; i < b.n; i++)
		CHECK(lsa_dec(b.d, i, &l) != OSPF_OK);
	CHECK_EQ(lsa_dec(b.d, 19, &l), OSPF_TRUNC);
	CHECK_EQ(lsa_dec(b.d, 0, &l), OSPF_TRUNC);
	CHECK_EQ(lsa_dec(b.d, 20, &l), OSPF_BAD_LSA_LENGTH);
	dec_free();
}

static void test_checksum_functions(void)
{
	struct bytes b;
	unsigned seed = 12345, i, k;

	/* too short to be an LSA */
	memset(b.d, 0, sizeof(b.d));
	CHECK_EQ(lsa_checksum(b.d, 19), 0);
	CHECK(!lsa_checksum_ok(b.d, 19));
	CHECK(!lsa_checksum_ok(b.d, 0));

	/* pseudo-random LSAs: the computed field verifies, has no zero octet,
	 * and does not depend on what the field held before */
	for (i = 0; i < 500; i++) {
		size_t len = 20 + (i * 7) % 300;
		uint16_t c, c2;

		for (k = 0; k < len; k++) {
			seed = seed * 1103515245u + 12345u;
			b.d[k] = (uint8_t)(seed >> 16);
		}
		if (i % 5 == 0)
			memset(b.d + 2, 0xff, len - 2);
		c = lsa_checksum(b.d, len);
		b.d[16] ^= 0x5a;
		c2 = lsa_checksum(b.d, len);
		CHECK_EQ(c, c2);
		CHECK((c >> 8) != 0 && (c & 0xff) != 0);
		b.d[16] = (uint8_t)(c >> 8);
		b.d[17] = (uint8_t)c;
		CHECK(lsa_checksum_ok(b.d, len));
		b.d[len - 1] ^= 0x80;
		CHECK(!lsa_checksum_ok(b.d, len));
	}
}

/* --- hand-built packets ------------------------------------------------- */

static void build_hello(struct bytes *b, unsigned nnbr)
{
	unsigned i;

	pkt_begin(b, OSPF_HELLO, IP(192, 0, 2, 1), IP(0, 0, 0, 3));
	put32(b, IP(255, 255, 255, 0));
	put16(b, 10);
	put8(b, 0x02);
	put8(b, 7);
	put32(b, 40);
	put32(b, IP(10, 0, 0, 1));
	put32(b, IP(10, 0, 0, 2));
	for (i = 0; i < nnbr; i++)
		put32(b, IP(192, 0, 2, 10 + i));
	pkt_end(b);
}

/* An LSU with one LSA of every decoded type. */
static void build_big_lsu(struct bytes *b)
{
	size_t s;

	pkt_begin(b, OSPF_LSU, IP(192, 0, 2, 1), 0);
	put32(b, 8);
	build_router_lsa(b);
	network_lsa(b, 3);
	s = lsa_begin(b, 1, 0x02, LSA_SUMMARY, IP(10, 3, 0, 0), IP(1, 1, 1, 1), 0x80000001);
	put32(b, IP(255, 255, 0, 0));
	put32(b, 10);
	lsa_end(b, s);
	s = lsa_begin(b, 1, 0x02, LSA_ASBR_SUMMARY, IP(7, 7, 7, 7), IP(1, 1, 1, 1), 0x80000001);
	put32(b, 0);
	put32(b, 20);
	lsa_end(b, s);
	external_lsa(b, LSA_EXTERNAL, 0x02, 1, 100, IP(10, 0, 0, 9), 1234, 1);
	external_lsa(b, LSA_EXTERNAL, 0x02, 0, 10, 0, 0, 0);
	external_lsa(b, LSA_NSSA, 0x08, 1, 30, IP(10, 1, 0, 9), 99, 0);
	s = lsa_begin(b, 1, 0x42, LSA_OPAQUE_AREA, IP(1, 0, 0, 1), IP(1, 1, 1, 1), 0x80000001);
	put32(b, 0x00010004);
	put32(b, 0);
	lsa_end(b, s);
	pkt_end(b);
}

static void test_hello_built(void)
{
	struct bytes b;
	struct ospf_pkt p;
	unsigned i;

	build_hello(&b, 3);
	CHECK_EQ(dec_b(&b, &p), OSPF_OK);
	CHECK_EQ(p.h.area_id, 3);
	CHECK_EQ(p.hello_interval, 10);
	CHECK_EQ(p.priority, 7);
	CHECK_EQ(p.dead_interval, 40);
	CHECK_EQ(p.dr, IP(10, 0, 0, 1));
	CHECK_EQ(p.bdr, IP(10, 0, 0, 2));
	CHECK_EQ(p.nneighbors, 3);
	for (i = 0; i < 3; i++)
		CHECK_EQ(ospf_hello_neighbor(&p, i), IP(192, 0, 2, 10 + i));
	CHECK(p.raw == heap);

	/* IP padding past the declared length is ignored */
	put8(&b, 0xee);
	put8(&b, 0xee);
	put8(&b, 0xee);
	CHECK_EQ(dec_b(&b, &p), OSPF_OK);
	CHECK_EQ(p.nneighbors, 3);

	/* no neighbors */
	build_hello(&b, 0);
	CHECK_EQ(dec_b(&b, &p), OSPF_OK);
	CHECK_EQ(p.nneighbors, 0);

	/* below the fixed part; a partial neighbor */
	build_hello(&b, 0);
	b.n = 40;
	pkt_end(&b);
	CHECK_EQ(dec_b(&b, &p), OSPF_BAD_LENGTH);
	build_hello(&b, 1);
	b.n = 46;
	pkt_end(&b);
	CHECK_EQ(dec_b(&b, &p), OSPF_BAD_LENGTH);
	dec_free();
}

static void test_packet_header(void)
{
	struct bytes b, orig;
	struct ospf_pkt p;
	size_t i;

	build_hello(&b, 2);
	orig = b;

	/* the input is never written */
	CHECK_EQ(dec_b(&b, &p), OSPF_OK);
	CHECK(memcmp(heap, orig.d, orig.n) == 0);

	/* shorter than a header */
	for (i = 0; i < OSPF_HDR_LEN; i++)
		CHECK_EQ(dec(b.d, i, &p), OSPF_TRUNC);
	/* declared length beyond the bytes */
	for (i = OSPF_HDR_LEN; i < b.n; i++)
		CHECK_EQ(dec(b.d, i, &p), OSPF_TRUNC);

	/* version */
	b.d[0] = 3;
	CHECK_EQ(dec_b(&b, &p), OSPF_BAD_VERSION);
	b.d[0] = 0;
	CHECK_EQ(dec_b(&b, &p), OSPF_BAD_VERSION);
	b = orig;
	/* type */
	b.d[1] = 0;
	CHECK_EQ(dec_b(&b, &p), OSPF_BAD_TYPE);
	b.d[1] = 6;
	CHECK_EQ(dec_b(&b, &p), OSPF_BAD_TYPE);
	b.d[1] = 255;
	CHECK_EQ(dec_b(&b, &p), OSPF_BAD_TYPE);
	b = orig;
	/* declared length below a header */
	set16(&b, 2, 23);
	CHECK_EQ(dec_b(&b, &p), OSPF_BAD_LENGTH);
	set16(&b, 2, 0);
	CHECK_EQ(dec_b(&b, &p), OSPF_BAD_LENGTH);
	b = orig;
	/* a wrong checksum, a flipped payload byte */
	set16(&b, 12, get16(b.d + 12) ^ 0x0100);
	CHECK_EQ(dec_b(&b, &p), OSPF_BAD_CHECKSUM);
	b = orig;
	b.d[40] ^= 0x10;
	CHECK_EQ(dec_b(&b, &p), OSPF_BAD_CHECKSUM);
	b = orig;
	/* the authentication field is outside the checksum */
	memcpy(b.d + 16, "secret!!", 8);
	set16(&b, 14, OSPF_AUTH_SIMPLE);
	pkt_fix_cksum(&b, b.n);
	CHECK_EQ(dec_b(&b, &p), OSPF_OK);
	CHECK_EQ(p.h.autype, OSPF_AUTH_SIMPLE);
	b.d[17] ^= 0xff;
	CHECK_EQ(dec_b(&b, &p), OSPF_OK);
	b.d[14 + 1] = OSPF_AUTH_NULL;           /* autype is inside it */
	CHECK_EQ(dec_b(&b, &p), OSPF_BAD_CHECKSUM);

	/* cryptographic authentication with a garbage checksum */
	b = orig;
	set16(&b, 14, OSPF_AUTH_CRYPTO);
	set16(&b, 16, 0);
	b.d[18] = 9;
	b.d[19] = 20;
	set32(&b, 20, 0xfeedface);
	set16(&b, 12, 0xbeef);
	for (i = 0; i < 20; i++)
		put8(&b, (unsigned)i);          /* the digest */
	CHECK_EQ(dec_b(&b, &p), OSPF_OK);
	CHECK_EQ(p.h.key_id, 9);
	CHECK_EQ(p.h.auth_len, 20);
	CHECK_EQ(p.h.crypto_seq, 0xfeedface);
	CHECK_EQ(p.h.checksum, 0xbeef);
	CHECK_EQ(p.nneighbors, 2);
	dec_free();
}

static void test_dd_lsr_lsack_built(void)
{
	struct bytes b;
	struct ospf_pkt p;
	struct lsa_hdr h;
	size_t off;

	/* DD, two headers */
	pkt_begin(&b, OSPF_DD, 1, 0);
	put16(&b, 9000);
	put8(&b, 0x42);
	put8(&b, 0x07);
	put32(&b, 0xffffffff);
	lsa_begin(&b, 0x8000 | 5, 0x02, LSA_ROUTER, 1, 1, 0x80000001);
	set16(&b, b.n - 2, 36);
	lsa_begin(&b, 3600, 0x02, LSA_EXTERNAL, 2, 2, 0x7fffffff);
	set16(&b, b.n - 2, 20);
	pkt_end(&b);
	CHECK_EQ(dec_b(&b, &p), OSPF_OK);
	CHECK_EQ(p.dd_mtu, 9000);
	CHECK_EQ(p.dd_options, 0x42);
	CHECK_EQ(p.dd_flags, 0x07);
	CHECK_EQ(p.dd_seq, 0xffffffff);
	CHECK_EQ(p.nlsa, 2);
	off = 0;
	CHECK_EQ(ospf_lsahdr_next(&p, &off, &h), OSPF_OK);
	CHECK_EQ(h.age, 5);
	CHECK_EQ(h.do_not_age, true);
	CHECK_EQ(h.length, 36);
	CHECK_EQ(ospf_lsahdr_next(&p, &off, &h), OSPF_OK);
	CHECK_EQ(h.age, 3600);
	CHECK_EQ(h.seq, OSPF_MAX_SEQ);
	CHECK_EQ(ospf_lsahdr_next(&p, &off, &h), OSPF_TRUNC);
	CHECK_EQ(off, 40);

	/* a header with length 19 */
	set16(&b, 32 + 20 + 18, 19);
	pkt_end(&b);
	CHECK_EQ(dec_b(&b, &p), OSPF_BAD_LSA_LENGTH);
	/* a partial header */
	b.n = 32 + 20 + 10;
	pkt_end(&b);
	CHECK_EQ(dec_b(&b, &p), OSPF_BAD_LENGTH);
	/* below the fixed part */
	b.n = 30;
	pkt_end(&b);
	CHECK_EQ(dec_b(&b, &p), OSPF_BAD_LENGTH);
	/* the empty DD that starts an exchange */
	b.n = 32;
	pkt_end(&b);
	CHECK_EQ(dec_b(&b, &p), OSPF_OK);
	CHECK_EQ(p.nlsa, 0);

	/* LSR: entries of 12 */
	pkt_begin(&b, OSPF_LSR, 1, 0);
	put32(&b, LSA_ROUTER); put32(&b, 1); put32(&b, 1);
	put32(&b, LSA_NETWORK); put32(&b, 2); put32(&b, 1);
	pkt_end(&b);
	CHECK_EQ(dec_b(&b, &p), OSPF_OK);
	CHECK_EQ(p.nlsa, 0);
	put32(&b, 7);
	pkt_end(&b);
	CHECK_EQ(dec_b(&b, &p), OSPF_BAD_LENGTH);

	/* LSAck */
	pkt_begin(&b, OSPF_LSACK, 1, 0);
	lsa_begin(&b, 1, 0, LSA_SUMMARY, 1, 1, 0x80000001);
	set16(&b, b.n - 2, 28);
	pkt_end(&b);
	CHECK_EQ(dec_b(&b, &p), OSPF_OK);
	CHECK_EQ(p.nlsa, 1);
	off = 0;
	CHECK_EQ(ospf_lsahdr_next(&p, &off, &h), OSPF_OK);
	CHECK_EQ(h.type, LSA_SUMMARY);
	CHECK_EQ(h.length, 28);
	set16(&b, 24 + 18, 0);
	pkt_end(&b);
	CHECK_EQ(dec_b(&b, &p), OSPF_BAD_LSA_LENGTH);
	set16(&b, 24 + 18, 28);
	put16(&b, 0);
	pkt_end(&b);
	CHECK_EQ(dec_b(&b, &p), OSPF_BAD_LENGTH);
	dec_free();
}

static void test_lsu_built(void)
{
	static const uint8_t types[] = { 1, 2, 3, 4, 5, 5, 7, 10 };
	struct bytes b, orig;
	struct ospf_pkt p;
	struct lsa l;
	struct lsa_router_link rl;
	size_t off = 0, first_len;
	unsigned n = 0;

	build_big_lsu(&b);
	orig = b;
	CHECK_EQ(dec_b(&b, &p), OSPF_OK);
	CHECK_EQ(p.nlsa, 8);
	while (ospf_lsu_next(&p, &off, &l) == OSPF_OK) {
		if (n < 8)
			CHECK_EQ(l.h.type, types[n]);
		CHECK(l.raw >= p.raw + 28 && l.raw + l.h.length <= p.raw + p.h.length);
		if (n == 0) {
			lsa_router_link(&l, 3, &rl);
			CHECK_EQ(rl.type, LINK_VIRTUAL);
		} else if (n == 1) {
			CHECK_EQ(lsa_network_router(&l, 2), IP(192, 0, 2, 11));
		} else if (n == 6) {
			CHECK_EQ(l.u.external.p, true);
		}
		n++;
	}
	CHECK_EQ(n, 8);

	/* empty LSU */
	pkt_begin(&b, OSPF_LSU, 1, 0);
	put32(&b, 0);
	pkt_end(&b);
	CHECK_EQ(dec_b(&b, &p), OSPF_OK);
	CHECK_EQ(p.nlsa, 0);
	off = 0;
	CHECK_EQ(ospf_lsu_next(&p, &off, &l), OSPF_TRUNC);
	/* no count */
	b.n = 26;
	pkt_end(&b);
	CHECK_EQ(dec_b(&b, &p), OSPF_BAD_LENGTH);

	/* count too large, too small, absurd */
	b = orig;
	set32(&b, 24, 9);
	pkt_fix_cksum(&b, b.n);
	CHECK_EQ(dec_b(&b, &p), OSPF_BAD_LENGTH);
	set32(&b, 24, 7);
	pkt_fix_cksum(&b, b.n);
	CHECK_EQ(dec_b(&b, &p), OSPF_BAD_LENGTH);
	set32(&b, 24, 0);
	pkt_fix_cksum(&b, b.n);
	CHECK_EQ(dec_b(&b, &p), OSPF_BAD_LENGTH);
	set32(&b, 24, 0xffffffff);
	pkt_fix_cksum(&b, b.n);
	CHECK_EQ(dec_b(&b, &p), OSPF_BAD_LENGTH);

	/* a bad LSA fails the packet with its own status */
	b = orig;
	b.d[28 + 25] ^= 1;                      /* inside the first LSA */
	pkt_fix_cksum(&b, b.n);
	CHECK_EQ(dec_b(&b, &p), OSPF_BAD_LSA_CHECKSUM);
	b = orig;
	b.d[b.n - 1] ^= 1;                      /* inside the last LSA */
	pkt_fix_cksum(&b, b.n);
	CHECK_EQ(dec_b(&b, &p), OSPF_BAD_LSA_CHECKSUM);
	b = orig;
	set16(&b, 28, 3601);
	pkt_fix_cksum(&b, b.n);
	CHECK_EQ(dec_b(&b, &p), OSPF_BAD_LSA_AGE);
	/* first LSA's length: beyond the packet, below a header, shorter than
	 * its body (then the next LSA starts in the wrong place) */
	first_len = get16(orig.d + 28 + 18);
	b = orig;
	set16(&b, 28 + 18, 4000);
	pkt_fix_cksum(&b, b.n);
	CHECK_EQ(dec_b(&b, &p), OSPF_BAD_LSA_LENGTH);
	set16(&b, 28 + 18, 12);
	pkt_fix_cksum(&b, b.n);
	CHECK_EQ(dec_b(&b, &p), OSPF_BAD_LSA_LENGTH);
	set16(&b, 28 + 18, (unsigned)first_len - 4);
	set16(&b, 28 + 16, lsa_checksum(b.d + 28, first_len - 4));
	pkt_fix_cksum(&b, b.n);
	CHECK_EQ(dec_b(&b, &p), OSPF_BAD_LSA_LENGTH);
	/* an unknown LSA type */
	b = orig;
	b.d[28 + 3] = 6;
	set16(&b, 28 + 16, lsa_checksum(b.d + 28, first_len));
	pkt_fix_cksum(&b, b.n);
	CHECK_EQ(dec_b(&b, &p), OSPF_BAD_LSA_TYPE);

	/* an odd-length packet (opaque LSA of 21 bytes): checksum padding */
	pkt_begin(&b, OSPF_LSU, 1, 0);
	put32(&b, 1);
	{
		size_t s = lsa_begin(&b, 1, 0, LSA_OPAQUE_LINK, 1, 1, 0x80000001);

		put8(&b, 0xa5);
		lsa_end(&b, s);
	}
	pkt_end(&b);
	CHECK_EQ(b.n, 49);
	CHECK_EQ(dec_b(&b, &p), OSPF_OK);
	b.d[48] ^= 0x01;
	CHECK(dec_b(&b, &p) != OSPF_OK);
	dec_free();
}

/*
 * Every prefix of an LSU, two ways: cut short (the declared length now lies:
 * OSPF_TRUNC or shorter), and cut with the declared length and checksum
 * made to match (the LSU's insides are now inconsistent).  Never OK, never
 * a read past the exact-size buffer.
 */
static void truncations(const struct bytes *whole)
{
	struct bytes b;
	struct ospf_pkt p;
	size_t cut;

	CHECK_EQ(dec_b(whole, &p), OSPF_OK);
	for (cut = 0; cut < whole->n; cut++) {
		enum ospf_status st = dec(whole->d, cut, &p);

		CHECK(st == OSPF_TRUNC);
		if (cut < OSPF_HDR_LEN)
			continue;
		b = *whole;
		b.n = cut;
		pkt_end(&b);
		st = dec_b(&b, &p);
		CHECK(st != OSPF_OK);
		CHECK(st == OSPF_BAD_LENGTH || st == OSPF_BAD_LSA_LENGTH);
	}
	dec_free();
}

static void test_lsu_truncation(void)
{
	static const char *const caps[] = {
		cap_lsu_area1, cap_lsu_area0, cap_lsu_opaque,
	};
	struct bytes b;
	unsigned i;

	build_big_lsu(&b);
	truncations(&b);
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		from_hex(&b, caps[i]);
		truncations(&b);
	}
}

static void test_compare(void)
{
	struct lsa_hdr a, b;

	memset(&a, 0, sizeof(a));
	a.seq = (int32_t)0x80000005;
	a.checksum = 0x1000;
	a.age = 100;
	b = a;
	CHECK_EQ(lsa_compare(&a, &b), 0);

	/* sequence numbers are signed */
	b.seq = (int32_t)0x80000006;
	CHECK(lsa_compare(&a, &b) < 0);
	CHECK(lsa_compare(&b, &a) > 0);
	a.seq = OSPF_INITIAL_SEQ;
	b.seq = 1;
	CHECK(lsa_compare(&b, &a) > 0);
	a.seq = OSPF_MAX_SEQ;
	CHECK(lsa_compare(&a, &b) > 0);
	/* the sequence number wins over everything else */
	a.checksum = 0;
	a.age = OSPF_MAX_AGE;
	b.checksum = 0xffff;
	CHECK(lsa_compare(&a, &b) > 0);

	/* same seq: larger checksum (unsigned) */
	a.seq = b.seq = 7;
	a.age = b.age = 100;
	a.checksum = 0x8001;
	b.checksum = 0x7fff;
	CHECK(lsa_compare(&a, &b) > 0);
	CHECK(lsa_compare(&b, &a) < 0);
	a.checksum = 0xffff;
	b.checksum = 0x0001;
	b.age = OSPF_MAX_AGE;
	CHECK(lsa_compare(&a, &b) > 0);

	/* same seq and checksum: exactly one at MaxAge */
	a.checksum = b.checksum = 0x4242;
	a.age = 0;
	b.age = OSPF_MAX_AGE;
	CHECK(lsa_compare(&a, &b) < 0);
	CHECK(lsa_compare(&b, &a) > 0);
	a.age = OSPF_MAX_AGE;
	CHECK_EQ(lsa_compare(&a, &b), 0);

	/* ages more than MaxAgeDiff apart: the younger */
	a.age = 10;
	b.age = 10 + OSPF_MAX_AGE_DIFF + 1;
	CHECK(lsa_compare(&a, &b) > 0);
	CHECK(lsa_compare(&b, &a) < 0);
	/* exactly MaxAgeDiff apart, or less: the same instance */
	b.age = 10 + OSPF_MAX_AGE_DIFF;
	CHECK_EQ(lsa_compare(&a, &b), 0);
	CHECK_EQ(lsa_compare(&b, &a), 0);
	b.age = 11;
	CHECK_EQ(lsa_compare(&a, &b), 0);
	/* MaxAge - 1 against 0: age difference, not the MaxAge rule */
	a.age = 0;
	b.age = OSPF_MAX_AGE - 1;
	CHECK(lsa_compare(&a, &b) > 0);
}

static void test_status_names(void)
{
	static const char *const names[] = {
		"ok", "trunc", "bad-version", "bad-type", "bad-length",
		"bad-checksum", "bad-lsa-length", "bad-lsa-checksum",
		"bad-lsa-type", "bad-lsa-age", "auth-bad-length", "auth-bad-digest",
		"auth-unknown-key", "auth-missing", "auth-replayed",
	};
	unsigned i;

	CHECK_EQ(sizeof(names) / sizeof(names[0]), OSPF_STATUS_MAX);
	for (i = 0; i < OSPF_STATUS_MAX; i++)
		CHECK(strcmp(ospf_status_name((enum ospf_status)i), names[i]) == 0);
	CHECK(strcmp(ospf_status_name(OSPF_STATUS_MAX), "unknown") == 0);
	CHECK(strcmp(ospf_status_name((enum ospf_status)77), "unknown") == 0);
}

/* --- cryptographic authentication (lib/ospfauth.c) ---------------------- */

/* Digests of cap_dd_md5's packet (its 32 octets, auth length set to the
 * digest's) computed independently with Python's hmac and hashlib, as RFC
 * 5709 3.3 has it: keys "anemone" (7 octets), 40 x "k" (longer than a
 * SHA-1 digest, shorter than its block: RFC 5709 hashes it, plain HMAC would
 * not) and 100 x "K". */
static const struct {
	enum ospf_auth_alg alg;
	unsigned keylen;
	const char *hex;
} kat[] = {
	{ OSPF_AUTH_HMAC_SHA1, 7, "568389e4ad4246d03ed65ef64ba58bca1fa0a527" },
	{ OSPF_AUTH_HMAC_SHA1, 40, "0b7068a11679a73ac63381a90c03ad53ddb54a81" },
	{ OSPF_AUTH_HMAC_SHA1, 100, "2a34ac25cdb549a73d22b5f8154999523fe49f16" },
	{ OSPF_AUTH_HMAC_SHA256, 7, "25ab6ae8be5aa46238578403b25172bcfe12b32cb98d3621da16fd562560ea1f" },
	{ OSPF_AUTH_HMAC_SHA256, 40, "6a26c63b22789f46b3a861bae21dc0023ebddb740b7fa61053cf779dd23c79d4" },
	{ OSPF_AUTH_HMAC_SHA256, 100, "f1c789f7a4c9784036ecf5edf3fb769336ecbdac21e7ff25a969b2b57ddfc0cb" },
	{ OSPF_AUTH_HMAC_SHA384, 7, "a261994da384a77b6b9aba45fd2e1ce6f4dce615f20fcf9999408faadf9d1218"
	                            "e6ac0daa6bda679d2ebf482050364e8c" },
	{ OSPF_AUTH_HMAC_SHA384, 40, "9ea17870c516c191f3647d64102deeb9206db7a8d43df9bf078134a3ccada849"
	                             "c3fd023b8191925a40c0c00dcc02036e" },
	{ OSPF_AUTH_HMAC_SHA384, 100, "a0f46a1b64c5ea819426824e73f88a93bf0fdc30cc2814d4889f366c2b379b09"
	                              "511ffe9e1492326e4c927f09145f80f6" },
	{ OSPF_AUTH_HMAC_SHA512, 7, "ceead59815757f9568f4f9b15ba2af4f26d0c037419541551d526fd99076a58f"
	                            "02690fa0f257168f8c82a80f8aad7809082ee23470bd9a8d1c416eb533521012" },
	{ OSPF_AUTH_HMAC_SHA512, 40, "80514d8e0497efa285d2541a5868d15eddddae29000e7819d93fa5df08cdf4c7"
	                             "a1657aa187d603e4e7e50789092b5a7ae121a35f240498151486003681d05e8c" },
	{ OSPF_AUTH_HMAC_SHA512, 100, "97c2daf5217724589820c9f38c9026fc8fc23e20c0758447f7a10658dc452283"
	                              "a43717cb77ffc311a76954fef03340786e9b8dc3e6c50bbd45713a14fd44792b" },
};

static void test_auth(void)
{
	static const uint8_t anemone[] = "anemone";
	uint8_t key[100], out[OSPF_AUTH_MAX_DIGEST];
	struct bytes b, want;
	struct ospf_pkt p;

	/* names */
	for (unsigned a = 0; a < OSPF_AUTH_ALG_MAX; a++)
		CHECK_EQ(ospf_auth_alg_parse(ospf_auth_alg_name((enum ospf_auth_alg)a)), a);
	CHECK_EQ(ospf_auth_alg_parse("hmac-sha-256"), OSPF_AUTH_HMAC_SHA256);
	CHECK_EQ(ospf_auth_alg_parse("sha256"), OSPF_AUTH_ALG_MAX);
	CHECK_EQ(ospf_auth_digest_len(OSPF_AUTH_MD5), 16);
	CHECK_EQ(ospf_auth_digest_len(OSPF_AUTH_HMAC_SHA384), 48);

	/* FRR 8.4's keyed MD5 (key "anemone"): both captured packets verify */
	CHECK_EQ(dec_hex(cap_dd_md5, &p), OSPF_OK);
	CHECK_EQ(ospf_auth_verify(&p, 48, OSPF_AUTH_MD5, anemone, 7), OSPF_OK);
	CHECK_EQ(ospf_auth_verify(&p, 48, OSPF_AUTH_MD5, (const uint8_t *)"anemonf", 7),
	         OSPF_AUTH_BAD_DIGEST);
	/* the digest cut short, or not there: a length problem */
	CHECK_EQ(ospf_auth_verify(&p, 47, OSPF_AUTH_MD5, anemone, 7), OSPF_AUTH_BAD_LENGTH);
	CHECK_EQ(ospf_auth_verify(&p, 32, OSPF_AUTH_MD5, anemone, 7), OSPF_AUTH_BAD_LENGTH);
	/* an MD5 packet checked with a SHA key: auth length 16 is not 20 */
	CHECK_EQ(ospf_auth_verify(&p, 48, OSPF_AUTH_HMAC_SHA1, anemone, 7), OSPF_AUTH_BAD_LENGTH);
	CHECK_EQ(dec_hex(cap_lsu_md5, &p), OSPF_OK);
	CHECK_EQ(ospf_auth_verify(&p, 72, OSPF_AUTH_MD5, anemone, 7), OSPF_OK);
	/* any octet of the packet changed (here the router id): refused */
	from_hex(&b, cap_lsu_md5);
	b.d[7] ^= 1;
	CHECK_EQ(dec_b(&b, &p), OSPF_OK);
	CHECK_EQ(ospf_auth_verify(&p, b.n, OSPF_AUTH_MD5, anemone, 7), OSPF_AUTH_BAD_DIGEST);
	/* MD5 keys are at most 16 octets; no key is empty */
	memset(key, 'k', sizeof(key));
	CHECK(!ospf_auth_digest(OSPF_AUTH_MD5, key, 17, b.d, 32, out));
	CHECK(!ospf_auth_digest(OSPF_AUTH_HMAC_SHA1, key, 0, b.d, 32, out));
	CHECK(ospf_auth_digest(OSPF_AUTH_MD5, key, 16, b.d, 32, out));

	/* RFC 5709 HMAC-SHA against independently computed digests */
	for (unsigned i = 0; i < sizeof(kat) / sizeof(kat[0]); i++) {
		size_t l = ospf_auth_digest_len(kat[i].alg);
		const uint8_t *k = kat[i].keylen == 7 ? anemone : key;

		memset(key, kat[i].keylen == 40 ? 'k' : 'K', sizeof(key));
		from_hex(&b, cap_dd_md5);
		b.n = 32;
		b.d[19] = (uint8_t)l;                       /* auth length */
		from_hex(&want, kat[i].hex);
		CHECK_EQ(want.n, l);
		CHECK(ospf_auth_digest(kat[i].alg, k, kat[i].keylen, b.d, 32, out));
		CHECK(memcmp(out, want.d, l) == 0);
		memcpy(b.d + 32, want.d, l);
		b.n = 32 + l;
		CHECK_EQ(dec_b(&b, &p), OSPF_OK);
		CHECK_EQ(ospf_auth_verify(&p, b.n, kat[i].alg, k, kat[i].keylen), OSPF_OK);
		b.d[32 + l - 1] ^= 0x80;                   /* last digest octet */
		CHECK_EQ(dec_b(&b, &p), OSPF_OK);
		CHECK_EQ(ospf_auth_verify(&p, b.n, kat[i].alg, k, kat[i].keylen), OSPF_AUTH_BAD_DIGEST);
	}
	dec_free();
}

int main(void)
{
	test_status_names();
	test_auth();
	test_real_hello();
	test_real_dd_lsr_lsack();
	test_real_lsu();
	test_real_md5();
	test_router_lsa();
	test_router_lsa_bad();
	test_network_lsa();
	test_summary_lsa();
	test_external_lsa();
	test_opaque_and_unknown();
	test_lsa_header_checks();
	test_checksum_functions();
	test_hello_built();
	test_packet_header();
	test_dd_lsr_lsack_built();
	test_lsu_built();
	test_lsu_truncation();
	test_compare();
	return check_done("test_ospf");
}
