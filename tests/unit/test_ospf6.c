/*
 * Unit tests for the OSPFv3 decoder (lib/ospf6.c).
 *
 * Two sources of packets.  Real ones: packetlife.net's capture
 * OSPFv3_broadcast_adjacency.cap (routers 1.1.1.1 at fe80::1 and 2.2.2.2 at
 * fe80::2 on a broadcast link in area 1): its first Hello as published in a
 * hex dump, and two more Hellos and two LSUs written back to wire bytes from
 * the field values a public decode of the capture lists.  Those are pinned
 * down by the capture's own checksums: every LSA's Fletcher checksum and
 * every packet checksum (with the capture's IPv6 addresses) reproduces the
 * value the routers sent.  And hand-built ones covering every packet type,
 * every LSA type and every drop reason.
 *
 * Packet checksums are computed here by our own straightforward reference
 * (ref_cksum: pseudo-header and packet laid out in one buffer and summed),
 * sharing no code with lib/ospf6.c.  Packets and LSAs go to the decoder in
 * heap buffers of exactly the size being tested, so a sanitizer build
 * catches any read past them.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "ospf.h"
#include "ospf6.h"
#include "lsdb.h"
#include "lsdbdoc.h"
#include "sbuf.h"
#include "snapshot.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
                        (uint32_t)(c) << 8 | (uint32_t)(d))
#define R1 IP(1, 1, 1, 1)
#define R2 IP(2, 2, 2, 2)

/* --- addresses --------------------------------------------------------- */

static const uint8_t fe80_1[16] = { 0xfe, 0x80, [15] = 1 };
static const uint8_t fe80_2[16] = { 0xfe, 0x80, [15] = 2 };
static const uint8_t ff02_5[16] = { 0xff, 0x02, [15] = 5 };
static const uint8_t ff02_6[16] = { 0xff, 0x02, [15] = 6 };

/* 2001:db8:0:<n>:: */
static void db8(uint8_t a[16], unsigned n)
{
	memset(a, 0, 16);
	a[0] = 0x20;
	a[1] = 0x01;
	a[2] = 0x0d;
	a[3] = 0xb8;
	a[6] = (uint8_t)(n >> 8);
	a[7] = (uint8_t)n;
}

/* --- real packets (IPv6 payloads, hex) --------------------------------- */

/* Hello from 1.1.1.1 (fe80::1 to ff02::5), no neighbour yet. */
static const char cap_hello[] =
	"030100240101010100000001fb86000000000005010000130"
	"00a00280000000000000000";

/* Hello from 1.1.1.1 (fe80::1 to ff02::5): DR itself, neighbour 2.2.2.2. */
static const char cap_hello_nbr[] =
	"030100280101010100000001f57800000000000501000013000a002801010101"
	"0000000002020202";

/* Hello from 2.2.2.2 (fe80::2 to ff02::5): DR 1.1.1.1, BDR itself. */
static const char cap_hello_bdr[] =
	"030100280202020200000001f17300000000000501000013000a002801010101"
	"0202020201010101";

/* LSU from 1.1.1.1 (fe80::1 to fe80::2): router-LSA with no interfaces,
 * four inter-area-prefix-LSAs, link-LSA, intra-area-prefix-LSA. */
static const char cap_lsu_exchange[] =
	"030401200101010100000001e556000000000007002820010000000001010101"
	"80000002d13a0018010000330029200300000003010101018000000162590024"
	"0000004a4000000020010db80000000300292003000000020101010180000001"
	"baf60024000000544000000020010db800000004002920030000000101010101"
	"80000001eba000240000004a4000000020010db8000000340029200300000000"
	"01010101800000010ebd0024000000404000000020010db80000000000230008"
	"0000000501010101800000023d08003801000033fe8000000000000000000000"
	"00000001000000014000000020010db800000012002320090000000001010101"
	"80000001e8d2002c0001200100000000010101014000000a20010db800000012";

/* LSU from 1.1.1.1 (fe80::1 to ff02::5) once DR: network-LSA, its
 * intra-area-prefix-LSA, the old one flushed at MaxAge, the new router-LSA
 * with a transit interface. */
static const char cap_lsu_dr[] =
	"030400a80101010100000001722a000000000004000120020000000501010101"
	"8000000127cc0020000000330101010102020202000120090000140001010101"
	"800000018f1c002c0001200200000005010101014000000020010db800000012"
	"0e10200900000000010101018000000214f60020000020010000000001010101"
	"00012001000000000101010180000003558b0028010000330200000a00000005"
	"0000000501010101";

struct bytes {
	uint8_t d[4096];
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

/* --- the reference packet checksum -------------------------------------- */

/*
 * RFC 8200 8.1 written out literally: the pseudo-header (source, destination,
 * 32-bit upper-layer length, three zero octets, next header 89) followed by
 * the packet with its checksum field zeroed, padded to even length, summed
 * as 16-bit words, folded, complemented.
 */
static unsigned ref_cksum(const uint8_t *src, const uint8_t *dst,
                          const uint8_t *pkt, size_t len)
{
	static uint8_t buf[40 + sizeof(((struct bytes *)0)->d) + 1];
	uint64_t sum = 0;
	size_t i, n = 40 + len;

	if (len > sizeof(((struct bytes *)0)->d))
		abort();
	memcpy(buf, src, 16);
	memcpy(buf + 16, dst, 16);
	buf[32] = (uint8_t)(len >> 24);
	buf[33] = (uint8_t)(len >> 16);
	buf[34] = (uint8_t)(len >> 8);
	buf[35] = (uint8_t)len;
	buf[36] = buf[37] = buf[38] = 0;
	buf[39] = 89;
	memcpy(buf + 40, pkt, len);
	buf[40 + 12] = buf[40 + 13] = 0;
	if (n % 2)
		buf[n++] = 0;
	for (i = 0; i < n; i += 2)
		sum += (uint64_t)buf[i] << 8 | buf[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (unsigned)(~sum & 0xffff);
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

static void put24(struct bytes *b, uint32_t v)
{
	put8(b, v >> 16 & 0xff);
	put16(b, v & 0xffff);
}

static void put32(struct bytes *b, uint32_t v)
{
	put16(b, v >> 16);
	put16(b, v & 0xffff);
}

static void put_bytes(struct bytes *b, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		put8(b, p[i]);
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

/* Start an OSPFv3 packet. */
static void pkt_begin(struct bytes *b, unsigned type, uint32_t rid, uint32_t area,
                      unsigned instance)
{
	b->n = 0;
	put8(b, 3);
	put8(b, type);
	put16(b, 0);            /* length, set by pkt_end */
	put32(b, rid);
	put32(b, area);
	put16(b, 0);            /* checksum, set by pkt_end */
	put8(b, instance);
	put8(b, 0);
}

/* Set the length to everything written and the checksum for fe80::1 to
 * ff02::5. */
static void pkt_end(struct bytes *b)
{
	set16(b, 2, (unsigned)b->n);
	set16(b, 12, ref_cksum(fe80_1, ff02_5, b->d, b->n));
}

/* Start an LSA header at b->n; returns its offset. */
static size_t lsa_begin(struct bytes *b, unsigned age, unsigned type,
                        uint32_t id, uint32_t adv, uint32_t seq)
{
	size_t start = b->n;

	put16(b, age);
	put16(b, type);
	put32(b, id);
	put32(b, adv);
	put32(b, seq);
	put16(b, 0);            /* checksum */
	put16(b, 0);            /* length */
	return start;
}

/* Set the LSA's length and checksum (with lib/ospf.c's lsa_checksum, which
 * the real LSAs below show right for OSPFv3 too). */
static void lsa_end(struct bytes *b, size_t start)
{
	size_t len = b->n - start;

	set16(b, start + 18, (unsigned)len);
	set16(b, start + 16, lsa_checksum(b->d + start, len));
}

/* A prefix: the address's first ceil(len / 32) words as given, bits past
 * len included. */
static void put_prefix(struct bytes *b, unsigned len, unsigned options,
                       unsigned field, const uint8_t *addr)
{
	put8(b, len);
	put8(b, options);
	put16(b, field);
	put_bytes(b, addr, (len + 31) / 32 * 4);
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

static const uint8_t *heap_copy(const uint8_t *src, size_t len)
{
	dec_free();
	heap = malloc(len ? len : 1);
	if (heap == NULL)
		abort();
	memcpy(heap, src, len);
	return heap;
}

static enum ospf6_status dec(const uint8_t *src, size_t len, struct ospf6_pkt *p)
{
	return ospf6_decode(heap_copy(src, len), len, p);
}

static enum ospf6_status dec_b(const struct bytes *b, struct ospf6_pkt *p)
{
	return dec(b->d, b->n, p);
}

static enum ospf6_status dec_hex(const char *hex, struct ospf6_pkt *p)
{
	struct bytes b;

	from_hex(&b, hex);
	return dec_b(&b, p);
}

static enum ospf6_status lsa_dec(const uint8_t *src, size_t len, struct lsa6 *l)
{
	return lsa6_decode(heap_copy(src, len), len, l);
}

static enum ospf6_status lsa_dec_b(const struct bytes *b, struct lsa6 *l)
{
	return lsa_dec(b->d, b->n, l);
}

/* The decoded prefix against expectations: length, options, field, and the
 * address equal to want's first len bits, zero after. */
static int prefix_is(const struct lsa6_prefix *p, unsigned len, unsigned options,
                     unsigned field, const uint8_t *want)
{
	uint8_t masked[16];
	unsigned i;

	for (i = 0; i < 16; i++) {
		unsigned bits = len >= 8 * (i + 1) ? 8 : len > 8 * i ? len - 8 * i : 0;

		masked[i] = bits ? (uint8_t)(want[i] & (0xff << (8 - bits))) : 0;
	}
	return p->len == len && p->options == options && p->field == field &&
	    memcmp(p->addr, masked, 16) == 0;
}

/* --- status names ------------------------------------------------------- */

static void test_status_names(void)
{
	static const char *const names[] = {
		"ok", "trunc", "bad-version", "bad-type", "bad-length",
		"bad-checksum", "bad-lsa-length", "bad-lsa-checksum",
		"bad-lsa-age", "bad-prefix",
	};
	unsigned i;

	CHECK_EQ(sizeof(names) / sizeof(names[0]), OSPF6_STATUS_MAX);
	for (i = 0; i < OSPF6_STATUS_MAX; i++)
		CHECK(strcmp(ospf6_status_name((enum ospf6_status)i), names[i]) == 0);
	CHECK(strcmp(ospf6_status_name(OSPF6_STATUS_MAX), "unknown") == 0);
	CHECK(strcmp(ospf6_status_name((enum ospf6_status)77), "unknown") == 0);
}

/* --- real captures ----------------------------------------------------- */

static void test_real_hello(void)
{
	struct ospf6_pkt p;

	CHECK_EQ(dec_hex(cap_hello, &p), OSPF6_OK);
	CHECK_EQ(p.h.version, 3);
	CHECK_EQ(p.h.type, OSPF6_HELLO);
	CHECK_EQ(p.h.length, 36);
	CHECK_EQ(p.h.router_id, R1);
	CHECK_EQ(p.h.area_id, 1);
	CHECK_EQ(p.h.checksum, 0xfb86);
	CHECK_EQ(p.h.instance_id, 0);
	CHECK_EQ(p.h.reserved, 0);
	CHECK_EQ(p.trailer_len, 0);
	CHECK_EQ(p.iface_id, 5);
	CHECK_EQ(p.priority, 1);
	CHECK_EQ(p.hello_options, OSPF6_OPT_V6 | OSPF6_OPT_E | OSPF6_OPT_R);
	CHECK_EQ(p.hello_interval, 10);
	CHECK_EQ(p.dead_interval, 40);
	CHECK_EQ(p.dr, 0);
	CHECK_EQ(p.bdr, 0);
	CHECK_EQ(p.nneighbors, 0);
	CHECK_EQ(p.nlsa, 0);
	/* the checksum the router sent, from its addresses */
	CHECK_EQ(ospf6_checksum(fe80_1, ff02_5, p.raw, p.h.length), 0xfb86);
	CHECK_EQ(ref_cksum(fe80_1, ff02_5, p.raw, p.h.length), 0xfb86);
	CHECK_EQ(ospf6_checksum_verify(&p, fe80_1, ff02_5), OSPF6_OK);
	/* any other address pair: the pseudo-header differs */
	CHECK_EQ(ospf6_checksum_verify(&p, fe80_1, ff02_6), OSPF6_BAD_CHECKSUM);
	CHECK_EQ(ospf6_checksum_verify(&p, fe80_2, ff02_5), OSPF6_BAD_CHECKSUM);

	CHECK_EQ(dec_hex(cap_hello_nbr, &p), OSPF6_OK);
	CHECK_EQ(p.h.length, 40);
	CHECK_EQ(p.dr, R1);
	CHECK_EQ(p.bdr, 0);
	CHECK_EQ(p.nneighbors, 1);
	CHECK_EQ(ospf6_hello_neighbor(&p, 0), R2);
	CHECK_EQ(ospf6_checksum_verify(&p, fe80_1, ff02_5), OSPF6_OK);

	CHECK_EQ(dec_hex(cap_hello_bdr, &p), OSPF6_OK);
	CHECK_EQ(p.h.router_id, R2);
	CHECK_EQ(p.h.checksum, 0xf173);
	CHECK_EQ(p.dr, R1);
	CHECK_EQ(p.bdr, R2);
	CHECK_EQ(p.nneighbors, 1);
	CHECK_EQ(ospf6_hello_neighbor(&p, 0), R1);
	CHECK_EQ(ospf6_checksum_verify(&p, fe80_2, ff02_5), OSPF6_OK);
	CHECK_EQ(ospf6_checksum_verify(&p, fe80_1, ff02_5), OSPF6_BAD_CHECKSUM);
	dec_free();
}

/* Every LSA of an accepted LSU: lsa_checksum() recomputes the value the
 * router put in the field. */
static void check_lsu_checksums(const struct ospf6_pkt *p)
{
	struct lsa6 l;
	size_t off = 0;

	while (ospf6_lsu_next(p, &off, &l) == OSPF6_OK) {
		CHECK(lsa_checksum_ok(l.raw, l.h.length));
		CHECK_EQ(lsa_checksum(l.raw, l.h.length), l.h.checksum);
	}
}

static void test_real_lsu_exchange(void)
{
	static const struct { uint32_t id, metric; unsigned net; uint16_t ck; } iap[] = {
		{ 3, 0x4a, 0x03, 0x6259 }, { 2, 0x54, 0x04, 0xbaf6 },
		{ 1, 0x4a, 0x34, 0xeba0 }, { 0, 0x40, 0x00, 0x0ebd },
	};
	struct ospf6_pkt p;
	struct lsa6 l;
	struct lsa6_prefix pf;
	struct lsa6_prefix_cursor pc = { 0 };
	struct lsa6_iface_cursor ic = { 0 };
	struct lsa6_iface ifc;
	uint8_t want[16];
	size_t off = 0;
	unsigned i;

	CHECK_EQ(dec_hex(cap_lsu_exchange, &p), OSPF6_OK);
	CHECK_EQ(p.h.type, OSPF6_LSU);
	CHECK_EQ(p.h.length, 288);
	CHECK_EQ(p.h.router_id, R1);
	CHECK_EQ(p.h.area_id, 1);
	CHECK_EQ(p.h.checksum, 0xe556);
	CHECK_EQ(p.nlsa, 7);
	check_lsu_checksums(&p);
	/* sent to the neighbour's link-local address */
	CHECK_EQ(ospf6_checksum_verify(&p, fe80_1, fe80_2), OSPF6_OK);
	CHECK_EQ(ospf6_checksum_verify(&p, fe80_1, ff02_5), OSPF6_BAD_CHECKSUM);
	CHECK_EQ(ospf6_checksum(fe80_1, fe80_2, p.raw, p.h.length), 0xe556);

	/* router-LSA of an ABR with no adjacency yet */
	CHECK_EQ(ospf6_lsu_next(&p, &off, &l), OSPF6_OK);
	CHECK_EQ(l.h.age, 0x28);
	CHECK_EQ(l.h.do_not_age, false);
	CHECK_EQ(l.h.type, LSA6_ROUTER);
	CHECK_EQ(lsa6_scope(l.h.type), LSA6_SCOPE_AREA);
	CHECK_EQ(l.h.ls_id, 0);
	CHECK_EQ(l.h.adv_router, R1);
	CHECK_EQ(l.h.seq, (int32_t)0x80000002);
	CHECK_EQ(l.h.checksum, 0xd13a);
	CHECK_EQ(l.h.length, 24);
	CHECK_EQ(l.u.router.flags, LSA6_ROUTER_B);
	CHECK_EQ(l.u.router.options, OSPF6_OPT_V6 | OSPF6_OPT_E | OSPF6_OPT_R | OSPF6_OPT_DC);
	CHECK_EQ(l.u.router.nifaces, 0);
	CHECK(!lsa6_router_iface_next(&l, &ic, &ifc));
	CHECK(!lsa6_prefix_next(&l, &pc, &pf));

	/* four inter-area-prefix-LSAs, one /64 each */
	for (i = 0; i < 4; i++) {
		CHECK_EQ(ospf6_lsu_next(&p, &off, &l), OSPF6_OK);
		CHECK_EQ(l.h.type, LSA6_INTER_PREFIX);
		CHECK_EQ(l.h.age, 0x29);
		CHECK_EQ(l.h.ls_id, iap[i].id);
		CHECK_EQ(l.h.seq, OSPF_INITIAL_SEQ);
		CHECK_EQ(l.h.checksum, iap[i].ck);
		CHECK_EQ(l.h.length, 36);
		CHECK_EQ(l.u.inter_prefix.metric, iap[i].metric);
		db8(want, iap[i].net);
		CHECK(prefix_is(&l.u.inter_prefix.prefix, 64, 0, 0, want));
		memset(&pc, 0, sizeof(pc));
		CHECK(lsa6_prefix_next(&l, &pc, &pf));
		CHECK(prefix_is(&pf, 64, 0, 0, want));
		CHECK(!lsa6_prefix_next(&l, &pc, &pf));
	}

	/* link-LSA */
	CHECK_EQ(ospf6_lsu_next(&p, &off, &l), OSPF6_OK);
	CHECK_EQ(l.h.type, LSA6_LINK);
	CHECK_EQ(lsa6_scope(l.h.type), LSA6_SCOPE_LINK);
	CHECK_EQ(l.h.age, 0x23);
	CHECK_EQ(l.h.ls_id, 5);
	CHECK_EQ(l.h.seq, (int32_t)0x80000002);
	CHECK_EQ(l.h.checksum, 0x3d08);
	CHECK_EQ(l.h.length, 56);
	CHECK_EQ(l.u.link.priority, 1);
	CHECK_EQ(l.u.link.options, 0x33);
	CHECK(memcmp(l.u.link.ll_addr, fe80_1, 16) == 0);
	CHECK_EQ(l.u.link.nprefixes, 1);
	memset(&pc, 0, sizeof(pc));
	CHECK(lsa6_prefix_next(&l, &pc, &pf));
	db8(want, 0x12);
	CHECK(prefix_is(&pf, 64, 0, 0, want));
	CHECK(!lsa6_prefix_next(&l, &pc, &pf));

	/* intra-area-prefix-LSA referring to the router-LSA */
	CHECK_EQ(ospf6_lsu_next(&p, &off, &l), OSPF6_OK);
	CHECK_EQ(l.h.type, LSA6_INTRA_PREFIX);
	CHECK_EQ(l.h.ls_id, 0);
	CHECK_EQ(l.h.checksum, 0xe8d2);
	CHECK_EQ(l.h.length, 44);
	CHECK_EQ(l.u.intra_prefix.nprefixes, 1);
	CHECK_EQ(l.u.intra_prefix.ref_type, LSA6_ROUTER);
	CHECK_EQ(l.u.intra_prefix.ref_ls_id, 0);
	CHECK_EQ(l.u.intra_prefix.ref_adv_router, R1);
	memset(&pc, 0, sizeof(pc));
	CHECK(lsa6_prefix_next(&l, &pc, &pf));
	CHECK(prefix_is(&pf, 64, 0, 10, want));        /* metric 10 */
	CHECK(!lsa6_prefix_next(&l, &pc, &pf));

	CHECK_EQ(off, (size_t)p.h.length - 20);
	CHECK_EQ(ospf6_lsu_next(&p, &off, &l), OSPF6_TRUNC);
	dec_free();
}

static void test_real_lsu_dr(void)
{
	struct ospf6_pkt p;
	struct lsa6 l;
	struct lsa6_prefix pf;
	struct lsa6_prefix_cursor pc = { 0 };
	struct lsa6_iface_cursor ic = { 0 };
	struct lsa6_iface ifc;
	uint8_t want[16];
	size_t off = 0;

	CHECK_EQ(dec_hex(cap_lsu_dr, &p), OSPF6_OK);
	CHECK_EQ(p.h.length, 168);
	CHECK_EQ(p.h.checksum, 0x722a);
	CHECK_EQ(p.nlsa, 4);
	check_lsu_checksums(&p);
	CHECK_EQ(ospf6_checksum_verify(&p, fe80_1, ff02_5), OSPF6_OK);
	CHECK_EQ(ospf6_checksum_verify(&p, fe80_1, ff02_6), OSPF6_BAD_CHECKSUM);

	/* network-LSA: the DR's interface id, both routers attached */
	CHECK_EQ(ospf6_lsu_next(&p, &off, &l), OSPF6_OK);
	CHECK_EQ(l.h.type, LSA6_NETWORK);
	CHECK_EQ(l.h.age, 1);
	CHECK_EQ(l.h.ls_id, 5);
	CHECK_EQ(l.h.adv_router, R1);
	CHECK_EQ(l.h.checksum, 0x27cc);
	CHECK_EQ(l.h.length, 32);
	CHECK_EQ(l.u.network.options, 0x33);
	CHECK_EQ(l.u.network.nrouters, 2);
	CHECK_EQ(lsa6_network_router(&l, 0), R1);
	CHECK_EQ(lsa6_network_router(&l, 1), R2);

	/* its intra-area-prefix-LSA */
	CHECK_EQ(ospf6_lsu_next(&p, &off, &l), OSPF6_OK);
	CHECK_EQ(l.h.type, LSA6_INTRA_PREFIX);
	CHECK_EQ(l.h.ls_id, 0x1400);
	CHECK_EQ(l.u.intra_prefix.nprefixes, 1);
	CHECK_EQ(l.u.intra_prefix.ref_type, LSA6_NETWORK);
	CHECK_EQ(l.u.intra_prefix.ref_ls_id, 5);
	CHECK_EQ(l.u.intra_prefix.ref_adv_router, R1);
	CHECK(lsa6_prefix_next(&l, &pc, &pf));
	db8(want, 0x12);
	CHECK(prefix_is(&pf, 64, 0, 0, want));
	CHECK(!lsa6_prefix_next(&l, &pc, &pf));

	/* the stub's intra-area-prefix-LSA flushed: MaxAge, no prefixes */
	CHECK_EQ(ospf6_lsu_next(&p, &off, &l), OSPF6_OK);
	CHECK_EQ(l.h.age, OSPF_MAX_AGE);
	CHECK_EQ(l.h.type, LSA6_INTRA_PREFIX);
	CHECK_EQ(l.h.seq, (int32_t)0x80000002);
	CHECK_EQ(l.h.length, 32);
	CHECK_EQ(l.u.intra_prefix.nprefixes, 0);
	CHECK_EQ(l.u.intra_prefix.ref_type, LSA6_ROUTER);
	memset(&pc, 0, sizeof(pc));
	CHECK(!lsa6_prefix_next(&l, &pc, &pf));

	/* router-LSA with the transit interface to the DR (itself) */
	CHECK_EQ(ospf6_lsu_next(&p, &off, &l), OSPF6_OK);
	CHECK_EQ(l.h.type, LSA6_ROUTER);
	CHECK_EQ(l.h.seq, (int32_t)0x80000003);
	CHECK_EQ(l.h.checksum, 0x558b);
	CHECK_EQ(l.u.router.flags, LSA6_ROUTER_B);
	CHECK_EQ(l.u.router.nifaces, 1);
	CHECK(lsa6_router_iface_next(&l, &ic, &ifc));
	CHECK_EQ(ifc.type, LINK6_TRANSIT);
	CHECK_EQ(ifc.metric, 10);
	CHECK_EQ(ifc.iface_id, 5);
	CHECK_EQ(ifc.nbr_iface_id, 5);
	CHECK_EQ(ifc.nbr_router_id, R1);
	CHECK(!lsa6_router_iface_next(&l, &ic, &ifc));
	CHECK_EQ(ospf6_lsu_next(&p, &off, &l), OSPF6_TRUNC);
	dec_free();
}

/* --- hand-built LSAs ---------------------------------------------------- */

static void build_router_lsa(struct bytes *b)
{
	size_t s = lsa_begin(b, 10, LSA6_ROUTER, 0, IP(10, 9, 9, 9), 0x80000010);

	put8(b, LSA6_ROUTER_B | LSA6_ROUTER_E | LSA6_ROUTER_V | LSA6_ROUTER_X |
	     LSA6_ROUTER_NT);
	put24(b, OSPF6_OPT_V6 | OSPF6_OPT_E | OSPF6_OPT_R | OSPF6_OPT_AF);
	/* p2p */
	put8(b, LINK6_P2P); put8(b, 0); put16(b, 5);
	put32(b, 7); put32(b, 9); put32(b, IP(10, 0, 0, 2));
	/* transit */
	put8(b, LINK6_TRANSIT); put8(b, 0); put16(b, 100);
	put32(b, 8); put32(b, 3); put32(b, IP(10, 0, 0, 3));
	/* virtual, extreme values */
	put8(b, LINK6_VIRTUAL); put8(b, 0); put16(b, 65535);
	put32(b, 0x80000001); put32(b, 0xfffffffe); put32(b, IP(10, 0, 0, 4));
	lsa_end(b, s);
}

static void test_router_lsa(void)
{
	static const struct lsa6_iface want[] = {
		{ LINK6_P2P, 5, 7, 9, IP(10, 0, 0, 2) },
		{ LINK6_TRANSIT, 100, 8, 3, IP(10, 0, 0, 3) },
		{ LINK6_VIRTUAL, 65535, 0x80000001, 0xfffffffe, IP(10, 0, 0, 4) },
	};
	struct bytes b = { .n = 0 };
	struct lsa6 l;
	struct lsa6_iface ifc;
	struct lsa6_iface_cursor c = { 0 };
	unsigned i;

	build_router_lsa(&b);
	CHECK_EQ(b.n, 20 + 4 + 3 * 16);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_OK);
	CHECK_EQ(l.h.age, 10);
	CHECK_EQ(l.h.type, LSA6_ROUTER);
	CHECK_EQ(l.h.ls_id, 0);
	CHECK_EQ(l.h.adv_router, IP(10, 9, 9, 9));
	CHECK_EQ(l.h.seq, (int32_t)0x80000010);
	CHECK_EQ(l.h.checksum, get16(b.d + 16));
	CHECK_EQ(l.h.length, b.n);
	CHECK(l.raw == heap);
	CHECK_EQ(l.u.router.flags, 0x1f);
	CHECK_EQ(l.u.router.options, 0x000113);
	CHECK_EQ(l.u.router.nifaces, 3);
	for (i = 0; lsa6_router_iface_next(&l, &c, &ifc); i++) {
		if (i >= 3)
			break;
		CHECK_EQ(ifc.type, want[i].type);
		CHECK_EQ(ifc.metric, want[i].metric);
		CHECK_EQ(ifc.iface_id, want[i].iface_id);
		CHECK_EQ(ifc.nbr_iface_id, want[i].nbr_iface_id);
		CHECK_EQ(ifc.nbr_router_id, want[i].nbr_router_id);
	}
	CHECK_EQ(i, 3);
	CHECK_EQ(c.i, 3);
	/* random access agrees */
	lsa6_router_iface(&l, 2, &ifc);
	CHECK_EQ(ifc.type, LINK6_VIRTUAL);
	CHECK_EQ(ifc.nbr_iface_id, 0xfffffffe);
	lsa6_router_iface(&l, 0, &ifc);
	CHECK_EQ(ifc.nbr_router_id, IP(10, 0, 0, 2));
	dec_free();
}

/* A router-LSA cut or padded to body_len octets after the header, with its
 * length and checksum made to match. */
static enum ospf6_status router_body_len(size_t body_len)
{
	struct bytes b = { .n = 0 };
	struct lsa6 l;

	build_router_lsa(&b);
	while (b.n < 20 + body_len)
		put8(&b, 0);
	b.n = 20 + body_len;
	lsa_end(&b, 0);
	return lsa_dec_b(&b, &l);
}

static void test_router_lsa_bad(void)
{
	size_t n;

	CHECK_EQ(router_body_len(4), OSPF6_OK);         /* no interfaces */
	CHECK_EQ(router_body_len(4 + 16), OSPF6_OK);
	CHECK_EQ(router_body_len(4 + 48), OSPF6_OK);
	CHECK_EQ(router_body_len(4 + 64), OSPF6_OK);     /* a zero interface */
	for (n = 0; n < 4; n++)
		CHECK_EQ(router_body_len(n), OSPF6_BAD_LSA_LENGTH);
	for (n = 5; n < 4 + 16; n++)
		CHECK_EQ(router_body_len(n), OSPF6_BAD_LSA_LENGTH);
	CHECK_EQ(router_body_len(4 + 48 + 4), OSPF6_BAD_LSA_LENGTH);
	dec_free();
}

static size_t network_lsa(struct bytes *b, unsigned nrouters)
{
	size_t s = lsa_begin(b, 0, LSA6_NETWORK, 42, IP(10, 0, 0, 3), 0x80000001);
	unsigned i;

	put8(b, 0);
	put24(b, OSPF6_OPT_V6 | OSPF6_OPT_R | OSPF6_OPT_N);
	for (i = 0; i < nrouters; i++)
		put32(b, IP(10, 0, 0, 1 + i));
	lsa_end(b, s);
	return s;
}

static void test_network_lsa(void)
{
	struct bytes b = { .n = 0 };
	struct lsa6 l;
	unsigned i;

	network_lsa(&b, 5);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_OK);
	CHECK_EQ(l.h.type, LSA6_NETWORK);
	CHECK_EQ(l.h.ls_id, 42);
	CHECK_EQ(l.h.length, 44);
	CHECK_EQ(l.u.network.options, 0x19);
	CHECK_EQ(l.u.network.nrouters, 5);
	for (i = 0; i < 5; i++)
		CHECK_EQ(lsa6_network_router(&l, i), IP(10, 0, 0, 1 + i));

	/* no attached router */
	b.n = 0;
	network_lsa(&b, 0);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_BAD_LSA_LENGTH);
	/* a router id cut short */
	b.n = 0;
	network_lsa(&b, 2);
	b.n -= 2;
	lsa_end(&b, 0);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_BAD_LSA_LENGTH);
	/* no options either */
	b.n = 22;
	lsa_end(&b, 0);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_BAD_LSA_LENGTH);
	dec_free();
}

static size_t inter_prefix_lsa(struct bytes *b, unsigned plen, unsigned popt,
                               const uint8_t *addr, uint32_t metric)
{
	size_t s = lsa_begin(b, 1, LSA6_INTER_PREFIX, 7, IP(10, 0, 0, 1), 0x80000001);

	put8(b, 0);
	put24(b, metric);
	put_prefix(b, plen, popt, 0, addr);
	lsa_end(b, s);
	return s;
}

/* Prefix lengths at every word and octet boundary, from an address of all
 * ones on the wire: the decoded address has exactly len leading ones. */
static void test_prefix_lengths(void)
{
	static const unsigned lens[] = {
		0, 1, 7, 8, 9, 31, 32, 33, 63, 64, 65, 95, 96, 97, 127, 128,
	};
	uint8_t ones[16];
	struct bytes b;
	struct lsa6 l;
	unsigned i;

	memset(ones, 0xff, sizeof(ones));
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		b.n = 0;
		inter_prefix_lsa(&b, lens[i], LSA6_PREFIX_NU | LSA6_PREFIX_DN, ones, 77);
		CHECK_EQ(b.n, 20 + 4 + 4 + (lens[i] + 31) / 32 * 4);
		CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_OK);
		CHECK_EQ(l.u.inter_prefix.metric, 77);
		CHECK(prefix_is(&l.u.inter_prefix.prefix, lens[i],
		                LSA6_PREFIX_NU | LSA6_PREFIX_DN, 0, ones));
	}
	/* and a real-looking one: 2001:db8:0:abcd:ff00::/72 with junk after */
	{
		uint8_t a[16], want[16];

		db8(a, 0xabcd);
		memset(a + 8, 0xff, 8);
		memcpy(want, a, 16);
		memset(want + 9, 0, 7);
		b.n = 0;
		inter_prefix_lsa(&b, 72, LSA6_PREFIX_LA, a, 0xffffff);
		CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_OK);
		CHECK_EQ(l.u.inter_prefix.metric, OSPF_LS_INFINITY);
		CHECK_EQ(l.u.inter_prefix.prefix.len, 72);
		CHECK_EQ(l.u.inter_prefix.prefix.options, LSA6_PREFIX_LA);
		CHECK(memcmp(l.u.inter_prefix.prefix.addr, want, 16) == 0);
	}
	dec_free();
}

static void test_inter_prefix_bad(void)
{
	uint8_t a[16];
	struct bytes b;
	struct lsa6 l;

	db8(a, 1);
	/* prefix length 129, 200, 255: malformed, with or without the words */
	b.n = 0;
	inter_prefix_lsa(&b, 128, 0, a, 1);
	b.d[24] = 129;
	lsa_end(&b, 0);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_BAD_PREFIX);
	put32(&b, 0);           /* 129 bits would need a fifth word */
	lsa_end(&b, 0);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_BAD_PREFIX);
	b.d[24] = 255;
	lsa_end(&b, 0);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_BAD_PREFIX);
	/* 128 with the four words: fine */
	b.n = 0;
	inter_prefix_lsa(&b, 128, 0, a, 1);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_OK);
	/* 128 bits with three words */
	b.n -= 4;
	lsa_end(&b, 0);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_BAD_LSA_LENGTH);
	/* 64 bits with a word too many */
	b.n = 0;
	inter_prefix_lsa(&b, 64, 0, a, 1);
	put32(&b, 0);
	lsa_end(&b, 0);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_BAD_LSA_LENGTH);
	/* no prefix at all; half a prefix header */
	b.n = 24;
	lsa_end(&b, 0);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_BAD_LSA_LENGTH);
	b.n = 26;
	lsa_end(&b, 0);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_BAD_LSA_LENGTH);
	b.n = 23;
	lsa_end(&b, 0);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_BAD_LSA_LENGTH);
	dec_free();
}

static size_t inter_router_lsa(struct bytes *b)
{
	size_t s = lsa_begin(b, 3, LSA6_INTER_ROUTER, 99, IP(10, 0, 0, 1), 0x80000002);

	put8(b, 0);
	put24(b, OSPF6_OPT_V6 | OSPF6_OPT_E | OSPF6_OPT_R);
	put8(b, 0);
	put24(b, 0x123456);
	put32(b, IP(10, 0, 0, 99));
	lsa_end(b, s);
	return s;
}

static void test_inter_router_lsa(void)
{
	struct bytes b = { .n = 0 };
	struct lsa6 l;
	struct lsa6_prefix_cursor pc = { 0 };
	struct lsa6_prefix pf;

	inter_router_lsa(&b);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_OK);
	CHECK_EQ(l.h.type, LSA6_INTER_ROUTER);
	CHECK_EQ(l.h.ls_id, 99);
	CHECK_EQ(l.h.length, 32);
	CHECK_EQ(l.u.inter_router.options, 0x13);
	CHECK_EQ(l.u.inter_router.metric, 0x123456);
	CHECK_EQ(l.u.inter_router.dest, IP(10, 0, 0, 99));
	CHECK(!lsa6_prefix_next(&l, &pc, &pf));
	/* 28 or 36 octets */
	b.n = 28;
	lsa_end(&b, 0);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_BAD_LSA_LENGTH);
	b.n = 0;
	inter_router_lsa(&b);
	put32(&b, 0);
	lsa_end(&b, 0);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_BAD_LSA_LENGTH);
	dec_free();
}

struct ext {
	unsigned type, flags, plen, popt, ref_type;
	uint32_t metric, tag, ref_id;
};

static size_t external_lsa(struct bytes *b, const struct ext *e,
                           const uint8_t *addr, const uint8_t *fwd)
{
	size_t s = lsa_begin(b, 100, e->type, 0x101, IP(10, 0, 0, 5), 0x80000003);

	put8(b, e->flags);
	put24(b, e->metric);
	put_prefix(b, e->plen, e->popt, e->ref_type, addr);
	if (e->flags & LSA6_EXT_F)
		put_bytes(b, fwd, 16);
	if (e->flags & LSA6_EXT_T)
		put32(b, e->tag);
	if (e->ref_type)
		put32(b, e->ref_id);
	lsa_end(b, s);
	return s;
}

static void test_external_lsa(void)
{
	static const struct ext cases[] = {
		/* E2, nothing optional */
		{ LSA6_EXTERNAL, LSA6_EXT_E, 48, 0, 0, 20, 0, 0 },
		/* E1 with a forwarding address */
		{ LSA6_EXTERNAL, LSA6_EXT_F, 64, 0, 0, 1, 0, 0 },
		/* tag only */
		{ LSA6_EXTERNAL, LSA6_EXT_T | LSA6_EXT_E, 56, 0, 0, 2, 0xdeadbeef, 0 },
		/* referenced LSA only */
		{ LSA6_EXTERNAL, 0, 128, 0, 0x4009, 3, 0, 0x7777 },
		/* all three, default route */
		{ LSA6_EXTERNAL, LSA6_EXT_E | LSA6_EXT_F | LSA6_EXT_T, 0, 0, 0x2001, 0xffffff, 77, 12 },
		/* NSSA with P, forwarding address and tag */
		{ LSA6_NSSA, LSA6_EXT_F | LSA6_EXT_T, 64, LSA6_PREFIX_P, 0, 10, 5, 0 },
	};
	uint8_t addr[16], fwd[16];
	struct bytes b;
	struct lsa6 l;
	struct lsa6_prefix pf;
	unsigned i;

	db8(addr, 0x55);
	addr[8] = 0xaa;         /* some bits past short prefixes */
	memcpy(fwd, fe80_2, 16);
	fwd[0] = 0x20;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct ext *e = &cases[i];
		struct lsa6_prefix_cursor pc = { 0 };
		size_t want_len = 20 + 4 + 4 + (e->plen + 31) / 32 * 4 +
		    (e->flags & LSA6_EXT_F ? 16 : 0) + (e->flags & LSA6_EXT_T ? 4 : 0) +
		    (e->ref_type ? 4 : 0);

		b.n = 0;
		external_lsa(&b, e, addr, fwd);
		CHECK_EQ(b.n, want_len);
		CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_OK);
		CHECK_EQ(l.h.type, e->type);
		CHECK_EQ(lsa6_scope(l.h.type), e->type == LSA6_EXTERNAL ?
		         LSA6_SCOPE_AS : LSA6_SCOPE_AREA);
		CHECK_EQ(l.h.ls_id, 0x101);
		CHECK_EQ(l.h.length, want_len);
		CHECK_EQ(l.u.external.flags, e->flags);
		CHECK_EQ(l.u.external.e2, (e->flags & LSA6_EXT_E) != 0);
		CHECK_EQ(l.u.external.metric, e->metric);
		CHECK(prefix_is(&l.u.external.prefix, e->plen, e->popt, e->ref_type, addr));
		CHECK_EQ(l.u.external.has_fwd, (e->flags & LSA6_EXT_F) != 0);
		if (e->flags & LSA6_EXT_F)
			CHECK(memcmp(l.u.external.fwd, fwd, 16) == 0);
		else
			CHECK(memcmp(l.u.external.fwd, (uint8_t[16]){ 0 }, 16) == 0);
		CHECK_EQ(l.u.external.has_tag, (e->flags & LSA6_EXT_T) != 0);
		CHECK_EQ(l.u.external.tag, e->tag);
		CHECK_EQ(l.u.external.ref_type, e->ref_type);
		CHECK_EQ(l.u.external.ref_ls_id, e->ref_id);
		/* the cursor yields the one prefix */
		CHECK(lsa6_prefix_next(&l, &pc, &pf));
		CHECK(memcmp(&pf, &l.u.external.prefix, sizeof(pf)) == 0);
		CHECK(!lsa6_prefix_next(&l, &pc, &pf));
	}
	dec_free();
}

static void test_external_bad(void)
{
	static const struct ext all = {
		LSA6_EXTERNAL, LSA6_EXT_E | LSA6_EXT_F | LSA6_EXT_T, 64, 0, 0x2001, 1, 2, 3,
	};
	struct ext e;
	uint8_t addr[16];
	struct bytes b;
	struct lsa6 l;
	size_t full, cut;

	db8(addr, 1);
	b.n = 0;
	external_lsa(&b, &all, addr, fe80_1);
	full = b.n;
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_OK);
	/* every optional field missing in part or whole: each cut short of the
	 * full body (and past the prefix) is a length the flags contradict */
	for (cut = 20 + 4 + 4 + 8; cut < full; cut++) {
		b.n = cut;
		lsa_end(&b, 0);
		CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_BAD_LSA_LENGTH);
	}
	/* a field nobody asked for: F clear, the address still there */
	b.n = 0;
	external_lsa(&b, &all, addr, fe80_1);
	b.d[20] = LSA6_EXT_E | LSA6_EXT_T;
	lsa_end(&b, 0);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_BAD_LSA_LENGTH);
	/* referenced LS type cleared: the referenced id is surplus */
	b.n = 0;
	external_lsa(&b, &all, addr, fe80_1);
	set16(&b, 26, 0);
	lsa_end(&b, 0);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_BAD_LSA_LENGTH);
	/* prefix length 129 in an external and an NSSA LSA */
	e = all;
	e.plen = 128;
	b.n = 0;
	external_lsa(&b, &e, addr, fe80_1);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_OK);
	b.d[24] = 129;
	lsa_end(&b, 0);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_BAD_PREFIX);
	e.type = LSA6_NSSA;
	b.n = 0;
	external_lsa(&b, &e, addr, fe80_1);
	b.d[24] = 129;
	lsa_end(&b, 0);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_BAD_PREFIX);
	/* nothing after the metric */
	b.n = 24;
	lsa_end(&b, 0);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_BAD_LSA_LENGTH);
	b.n = 22;
	lsa_end(&b, 0);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_BAD_LSA_LENGTH);
	dec_free();
}

/* A link-LSA with n prefixes 2001:db8:0:<i>::/(48 + 8i), the count field
 * saying count. */
static size_t link_lsa(struct bytes *b, unsigned n, uint32_t count)
{
	size_t s = lsa_begin(b, 0, LSA6_LINK, 6, IP(10, 0, 0, 6), 0x80000001);
	uint8_t a[16];
	unsigned i;

	put8(b, 0xfe);                  /* priority */
	put24(b, OSPF6_OPT_V6 | OSPF6_OPT_E | OSPF6_OPT_R | OSPF6_OPT_DC);
	put_bytes(b, fe80_2, 16);
	put32(b, count);
	for (i = 0; i < n; i++) {
		db8(a, i);
		put_prefix(b, 48 + 8 * i, i == 1 ? LSA6_PREFIX_LA : 0, 0, a);
	}
	lsa_end(b, s);
	return s;
}

static void test_link_lsa(void)
{
	struct bytes b = { .n = 0 };
	struct lsa6 l;
	struct lsa6_prefix pf;
	struct lsa6_prefix_cursor pc = { 0 };
	uint8_t a[16];
	unsigned i;

	link_lsa(&b, 3, 3);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_OK);
	CHECK_EQ(l.h.type, LSA6_LINK);
	CHECK_EQ(lsa6_scope(l.h.type), LSA6_SCOPE_LINK);
	CHECK_EQ(l.h.ls_id, 6);
	CHECK_EQ(l.h.length, 44 + 3 * 4 + 8 + 8 + 8);
	CHECK_EQ(l.u.link.priority, 0xfe);
	CHECK_EQ(l.u.link.options, 0x33);
	CHECK(memcmp(l.u.link.ll_addr, fe80_2, 16) == 0);
	CHECK_EQ(l.u.link.nprefixes, 3);
	for (i = 0; lsa6_prefix_next(&l, &pc, &pf); i++) {
		if (i >= 3)
			break;
		db8(a, i);
		CHECK(prefix_is(&pf, 48 + 8 * i, i == 1 ? LSA6_PREFIX_LA : 0, 0, a));
	}
	CHECK_EQ(i, 3);
	CHECK_EQ(pc.off, l.h.length);

	/* no prefixes */
	b.n = 0;
	link_lsa(&b, 0, 0);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_OK);
	CHECK_EQ(l.h.length, 44);
	memset(&pc, 0, sizeof(pc));
	CHECK(!lsa6_prefix_next(&l, &pc, &pf));

	/* counts that do not fit the length, either way */
	b.n = 0;
	link_lsa(&b, 2, 3);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_BAD_LSA_LENGTH);
	b.n = 0;
	link_lsa(&b, 2, 1);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_BAD_LSA_LENGTH);
	b.n = 0;
	link_lsa(&b, 2, 0xffffffff);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_BAD_LSA_LENGTH);
	b.n = 0;
	link_lsa(&b, 0, 1);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_BAD_LSA_LENGTH);
	/* the second prefix 129 long */
	b.n = 0;
	link_lsa(&b, 3, 3);
	b.d[44 + 4 + 8] = 129;
	lsa_end(&b, 0);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_BAD_PREFIX);
	/* the last prefix's last word cut */
	b.n = 0;
	link_lsa(&b, 3, 3);
	b.n -= 4;
	lsa_end(&b, 0);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_BAD_LSA_LENGTH);
	/* no room for the count */
	b.n = 43;
	lsa_end(&b, 0);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_BAD_LSA_LENGTH);
	dec_free();
}

/* An intra-area-prefix-LSA with n prefixes 2001:db8:0:<100+i>::/64, metric
 * i + 1, the count field saying count. */
static size_t intra_lsa(struct bytes *b, unsigned n, unsigned count)
{
	size_t s = lsa_begin(b, 0, LSA6_INTRA_PREFIX, 0x1400, IP(10, 0, 0, 7), 0x80000001);
	uint8_t a[16];
	unsigned i;

	put16(b, count);
	put16(b, LSA6_NETWORK);
	put32(b, 5);
	put32(b, IP(10, 0, 0, 7));
	for (i = 0; i < n; i++) {
		db8(a, 100 + i);
		put_prefix(b, 64, 0, i + 1, a);
	}
	lsa_end(b, s);
	return s;
}

static void test_intra_prefix_lsa(void)
{
	struct bytes b = { .n = 0 };
	struct lsa6 l;
	struct lsa6_prefix pf;
	struct lsa6_prefix_cursor pc = { 0 };
	uint8_t a[16];
	unsigned i;

	intra_lsa(&b, 4, 4);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_OK);
	CHECK_EQ(l.h.type, LSA6_INTRA_PREFIX);
	CHECK_EQ(l.h.ls_id, 0x1400);
	CHECK_EQ(l.h.length, 32 + 4 * 12);
	CHECK_EQ(l.u.intra_prefix.nprefixes, 4);
	CHECK_EQ(l.u.intra_prefix.ref_type, LSA6_NETWORK);
	CHECK_EQ(l.u.intra_prefix.ref_ls_id, 5);
	CHECK_EQ(l.u.intra_prefix.ref_adv_router, IP(10, 0, 0, 7));
	for (i = 0; lsa6_prefix_next(&l, &pc, &pf); i++) {
		if (i >= 4)
			break;
		db8(a, 100 + i);
		CHECK(prefix_is(&pf, 64, 0, i + 1, a));
	}
	CHECK_EQ(i, 4);

	b.n = 0;
	intra_lsa(&b, 4, 5);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_BAD_LSA_LENGTH);
	b.n = 0;
	intra_lsa(&b, 4, 3);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_BAD_LSA_LENGTH);
	b.n = 0;
	intra_lsa(&b, 4, 0xffff);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_BAD_LSA_LENGTH);
	b.n = 0;
	intra_lsa(&b, 2, 2);
	b.d[32 + 12] = 129;             /* the second prefix */
	lsa_end(&b, 0);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_BAD_PREFIX);
	b.n = 31;
	lsa_end(&b, 0);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_BAD_LSA_LENGTH);
	dec_free();
}

/* Types the decoder has no body for: accepted as long as header, length,
 * age and checksum are right, whatever the body. */
static void test_unknown_lsa(void)
{
	static const unsigned types[] = {
		0xa00c,         /* U bit, area scope, unassigned function code */
		0x2006,         /* group-membership-LSA, deprecated */
		0x0001,         /* router function code, link scope: not a router-LSA */
		0x6001,         /* reserved scope */
		0x8008,         /* link-LSA function code with the U bit */
	};
	struct bytes b;
	struct lsa6 l;
	struct lsa6_prefix pf;
	struct lsa6_prefix_cursor pc = { 0 };
	unsigned i;
	size_t s;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		b.n = 0;
		s = lsa_begin(&b, 1, types[i], 1, R1, 0x80000001);
		put8(&b, 0xff);         /* five odd octets: no known layout */
		put32(&b, 0x81000000);
		lsa_end(&b, s);
		CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_OK);
		CHECK_EQ(l.h.type, types[i]);
		CHECK_EQ(l.h.length, 25);
		CHECK(!lsa6_prefix_next(&l, &pc, &pf));
		/* the checks that do apply */
		b.d[24] ^= 1;
		CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_BAD_LSA_CHECKSUM);
		b.d[24] ^= 1;
		set16(&b, 0, OSPF_MAX_AGE + 1);
		lsa_end(&b, 0);
		CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_BAD_LSA_AGE);
	}
	/* header only */
	b.n = 0;
	s = lsa_begin(&b, 1, 0xa00c, 1, R1, 0x80000001);
	lsa_end(&b, s);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_OK);
	dec_free();
}

static void test_scope(void)
{
	CHECK_EQ(lsa6_scope(LSA6_ROUTER), LSA6_SCOPE_AREA);
	CHECK_EQ(lsa6_scope(LSA6_NETWORK), LSA6_SCOPE_AREA);
	CHECK_EQ(lsa6_scope(LSA6_INTER_PREFIX), LSA6_SCOPE_AREA);
	CHECK_EQ(lsa6_scope(LSA6_INTER_ROUTER), LSA6_SCOPE_AREA);
	CHECK_EQ(lsa6_scope(LSA6_EXTERNAL), LSA6_SCOPE_AS);
	CHECK_EQ(lsa6_scope(LSA6_NSSA), LSA6_SCOPE_AREA);
	CHECK_EQ(lsa6_scope(LSA6_LINK), LSA6_SCOPE_LINK);
	CHECK_EQ(lsa6_scope(LSA6_INTRA_PREFIX), LSA6_SCOPE_AREA);
	CHECK_EQ(lsa6_scope(0x6000), LSA6_SCOPE_RESERVED);
	CHECK_EQ(lsa6_scope(0xffff), LSA6_SCOPE_RESERVED);
	CHECK_EQ(lsa6_scope(0x8008), LSA6_SCOPE_LINK);     /* U bit aside */
	CHECK_EQ(lsa6_scope(0xa001), LSA6_SCOPE_AREA);
	CHECK_EQ(lsa6_scope(0xc005), LSA6_SCOPE_AS);
	CHECK_EQ(0xa00c & LSA6_TYPE_FUNC, 12);
	CHECK((0xa00c & LSA6_TYPE_U) != 0);
}

/* Header, length, age and checksum, on a known type. */
static void test_lsa_header_checks(void)
{
	struct bytes b = { .n = 0 };
	struct lsa6 l;
	size_t n;

	network_lsa(&b, 1);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_OK);
	/* fewer bytes than a header */
	for (n = 0; n < 20; n++)
		CHECK_EQ(lsa_dec(b.d, n, &l), OSPF6_TRUNC);
	/* declared length beyond the buffer */
	CHECK_EQ(lsa_dec(b.d, b.n - 1, &l), OSPF6_BAD_LSA_LENGTH);
	/* octets past the declared length are not looked at */
	put32(&b, 0xdeadbeef);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_OK);
	CHECK_EQ(l.h.length, 28);
	b.n = 28;
	/* declared length below a header */
	for (n = 0; n < 20; n++) {
		set16(&b, 18, (unsigned)n);
		CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_BAD_LSA_LENGTH);
	}
	lsa_end(&b, 0);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_OK);
	/* checksum: any octet changed but the age */
	for (n = 2; n < b.n; n++) {
		b.d[n] ^= 0x10;
		CHECK_EQ(lsa_dec_b(&b, &l), n == 18 || n == 19 ?
		         OSPF6_BAD_LSA_LENGTH : OSPF6_BAD_LSA_CHECKSUM);
		b.d[n] ^= 0x10;
	}
	/* the age is outside the checksum */
	set16(&b, 0, 1234);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_OK);
	CHECK_EQ(l.h.age, 1234);
	set16(&b, 0, OSPF_MAX_AGE);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_OK);
	set16(&b, 0, OSPF_MAX_AGE + 1);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_BAD_LSA_AGE);
	set16(&b, 0, 0x7fff);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_BAD_LSA_AGE);
	/* DoNotAge */
	set16(&b, 0, 0x8000 | 5);
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_OK);
	CHECK_EQ(l.h.age, 5);
	CHECK_EQ(l.h.do_not_age, true);
	set16(&b, 0, 0x8000 | (OSPF_MAX_AGE + 1));
	CHECK_EQ(lsa_dec_b(&b, &l), OSPF6_BAD_LSA_AGE);
	dec_free();
}

/* --- hand-built packets ------------------------------------------------- */

static void build_hello(struct bytes *b, unsigned nnbr, uint32_t options)
{
	unsigned i;

	pkt_begin(b, OSPF6_HELLO, IP(10, 0, 0, 1), IP(0, 0, 0, 3), 7);
	put32(b, 0x01020304);           /* interface id */
	put8(b, 200);                   /* priority */
	put24(b, options);
	put16(b, 10);
	put16(b, 65535);                /* dead interval: 16 bits in OSPFv3 */
	put32(b, IP(10, 0, 0, 1));
	put32(b, IP(10, 0, 0, 2));
	for (i = 0; i < nnbr; i++)
		put32(b, IP(10, 0, 1, i));
	pkt_end(b);
}

static void test_hello_built(void)
{
	struct bytes b;
	struct ospf6_pkt p;
	unsigned i;

	build_hello(&b, 3, OSPF6_OPT_V6 | OSPF6_OPT_E | OSPF6_OPT_R | OSPF6_OPT_L);
	CHECK_EQ(dec_b(&b, &p), OSPF6_OK);
	CHECK_EQ(p.h.version, 3);
	CHECK_EQ(p.h.type, OSPF6_HELLO);
	CHECK_EQ(p.h.length, 48);
	CHECK_EQ(p.h.router_id, IP(10, 0, 0, 1));
	CHECK_EQ(p.h.area_id, 3);
	CHECK_EQ(p.h.checksum, get16(b.d + 12));
	CHECK_EQ(p.h.instance_id, 7);
	CHECK_EQ(p.h.reserved, 0);
	CHECK(p.raw == heap);
	CHECK_EQ(p.trailer_len, 0);
	CHECK_EQ(p.nlsa, 0);
	CHECK_EQ(p.iface_id, 0x01020304);
	CHECK_EQ(p.priority, 200);
	CHECK_EQ(p.hello_options, 0x213);
	CHECK_EQ(p.hello_interval, 10);
	CHECK_EQ(p.dead_interval, 65535);
	CHECK_EQ(p.dr, IP(10, 0, 0, 1));
	CHECK_EQ(p.bdr, IP(10, 0, 0, 2));
	CHECK_EQ(p.nneighbors, 3);
	for (i = 0; i < 3; i++)
		CHECK_EQ(ospf6_hello_neighbor(&p, i), IP(10, 0, 1, i));
	CHECK_EQ(ospf6_checksum_verify(&p, fe80_1, ff02_5), OSPF6_OK);
	/* the high options octet counts too */
	build_hello(&b, 0, 0xff0000 | OSPF6_OPT_V6);
	CHECK_EQ(dec_b(&b, &p), OSPF6_OK);
	CHECK_EQ(p.hello_options, 0xff0001);
	CHECK_EQ(p.nneighbors, 0);

	/* below the fixed part; a neighbour cut short */
	build_hello(&b, 1, 0);
	b.n = 35;
	pkt_end(&b);
	CHECK_EQ(dec_b(&b, &p), OSPF6_BAD_LENGTH);
	for (i = 37; i < 40; i++) {
		build_hello(&b, 1, 0);
		b.n = i;
		pkt_end(&b);
		CHECK_EQ(dec_b(&b, &p), OSPF6_BAD_LENGTH);
	}
	dec_free();
}

/* DD with n LSA headers (types router, network, link, ...). */
static void build_dd(struct bytes *b, unsigned n)
{
	static const unsigned types[] = { LSA6_ROUTER, LSA6_NETWORK, LSA6_LINK, 0xa00c };
	unsigned i;

	pkt_begin(b, OSPF6_DD, IP(10, 0, 0, 2), 0, 0);
	put8(b, 0);
	put24(b, OSPF6_OPT_V6 | OSPF6_OPT_E | OSPF6_OPT_R);
	put16(b, 9000);
	put8(b, 0);
	put8(b, OSPF6_DD_I | OSPF6_DD_M | OSPF6_DD_MS);
	put32(b, 0xfedcba98);
	for (i = 0; i < n; i++) {
		put16(b, i == 3 ? 0x8000 | 7 : 100 + i);
		put16(b, types[i % 4]);
		put32(b, i);
		put32(b, IP(10, 0, 0, 10 + i));
		put32(b, 0x80000001 + i);
		put16(b, 0x1000 + i);
		put16(b, 20 + 4 * i);
	}
	pkt_end(b);
}

static void test_dd_built(void)
{
	static const unsigned types[] = { LSA6_ROUTER, LSA6_NETWORK, LSA6_LINK, 0xa00c };
	struct bytes b;
	struct ospf6_pkt p;
	struct lsa6_hdr h;
	struct lsa6 l;
	size_t off = 0;
	unsigned n = 0;

	build_dd(&b, 4);
	CHECK_EQ(dec_b(&b, &p), OSPF6_OK);
	CHECK_EQ(p.h.type, OSPF6_DD);
	CHECK_EQ(p.h.length, 28 + 80);
	CHECK_EQ(p.h.router_id, IP(10, 0, 0, 2));
	CHECK_EQ(p.dd_options, 0x13);
	CHECK_EQ(p.dd_mtu, 9000);
	CHECK_EQ(p.dd_flags, 7);
	CHECK_EQ(p.dd_seq, 0xfedcba98);
	CHECK_EQ(p.nlsa, 4);
	CHECK_EQ(p.nneighbors, 0);
	while (ospf6_lsahdr_next(&p, &off, &h) == OSPF6_OK) {
		if (n >= 4)
			break;
		CHECK_EQ(h.age, n == 3 ? 7 : 100 + n);
		CHECK_EQ(h.do_not_age, n == 3);
		CHECK_EQ(h.type, types[n]);
		CHECK_EQ(h.ls_id, n);
		CHECK_EQ(h.adv_router, IP(10, 0, 0, 10 + n));
		CHECK_EQ(h.seq, (int32_t)(0x80000001 + n));
		CHECK_EQ(h.checksum, 0x1000 + n);
		CHECK_EQ(h.length, 20 + 4 * n);
		n++;
	}
	CHECK_EQ(n, 4);
	CHECK_EQ(off, 80);
	CHECK_EQ(ospf6_lsahdr_next(&p, &off, &h), OSPF6_TRUNC);
	off = 0;
	CHECK_EQ(ospf6_lsu_next(&p, &off, &l), OSPF6_BAD_TYPE);

	/* empty: the first of an exchange */
	build_dd(&b, 0);
	CHECK_EQ(dec_b(&b, &p), OSPF6_OK);
	CHECK_EQ(p.nlsa, 0);
	off = 0;
	CHECK_EQ(ospf6_lsahdr_next(&p, &off, &h), OSPF6_TRUNC);
	/* below the fixed part; headers cut; a header's length below 20 */
	build_dd(&b, 1);
	b.n = 27;
	pkt_end(&b);
	CHECK_EQ(dec_b(&b, &p), OSPF6_BAD_LENGTH);
	build_dd(&b, 2);
	b.n -= 1;
	pkt_end(&b);
	CHECK_EQ(dec_b(&b, &p), OSPF6_BAD_LENGTH);
	build_dd(&b, 2);
	set16(&b, 28 + 20 + 18, 19);
	pkt_end(&b);
	CHECK_EQ(dec_b(&b, &p), OSPF6_BAD_LSA_LENGTH);
	dec_free();
}

static void build_lsr(struct bytes *b, unsigned n)
{
	unsigned i;

	pkt_begin(b, OSPF6_LSR, IP(10, 0, 0, 3), 1, 0);
	for (i = 0; i < n; i++) {
		put16(b, 0);
		put16(b, i ? LSA6_INTER_PREFIX : LSA6_EXTERNAL);
		put32(b, 0x100 + i);
		put32(b, IP(10, 0, 0, 20 + i));
	}
	pkt_end(b);
}

static void test_lsr_built(void)
{
	struct bytes b;
	struct ospf6_pkt p;
	struct lsa6_key k;
	struct lsa6_hdr h;
	size_t off = 0;
	unsigned i;

	build_lsr(&b, 3);
	CHECK_EQ(dec_b(&b, &p), OSPF6_OK);
	CHECK_EQ(p.h.type, OSPF6_LSR);
	CHECK_EQ(p.h.length, 16 + 36);
	CHECK_EQ(p.nlsa, 3);
	for (i = 0; i < 3; i++) {
		ospf6_lsr_entry(&p, i, &k);
		CHECK_EQ(k.type, i ? LSA6_INTER_PREFIX : LSA6_EXTERNAL);
		CHECK_EQ(k.ls_id, 0x100 + i);
		CHECK_EQ(k.adv_router, IP(10, 0, 0, 20 + i));
	}
	CHECK_EQ(ospf6_lsahdr_next(&p, &off, &h), OSPF6_BAD_TYPE);
	build_lsr(&b, 0);
	CHECK_EQ(dec_b(&b, &p), OSPF6_OK);
	CHECK_EQ(p.nlsa, 0);
	for (i = 1; i < 12; i++) {
		build_lsr(&b, 2);
		b.n -= i;
		pkt_end(&b);
		CHECK_EQ(dec_b(&b, &p), OSPF6_BAD_LENGTH);
	}
	dec_free();
}

static void test_lsack_built(void)
{
	struct bytes b;
	struct ospf6_pkt p;
	struct lsa6_hdr h;
	size_t off = 0, s;

	pkt_begin(&b, OSPF6_LSACK, IP(10, 0, 0, 4), 0, 1);
	s = lsa_begin(&b, OSPF_MAX_AGE, LSA6_EXTERNAL, 9, IP(10, 0, 0, 9), 0x7fffffff);
	set16(&b, s + 16, 0xabcd);
	set16(&b, s + 18, 64);
	s = lsa_begin(&b, 0, LSA6_LINK, 1, IP(10, 0, 0, 1), 0x80000001);
	set16(&b, s + 18, 44);
	pkt_end(&b);
	CHECK_EQ(dec_b(&b, &p), OSPF6_OK);
	CHECK_EQ(p.h.type, OSPF6_LSACK);
	CHECK_EQ(p.h.length, 16 + 40);
	CHECK_EQ(p.h.instance_id, 1);
	CHECK_EQ(p.nlsa, 2);
	CHECK_EQ(ospf6_lsahdr_next(&p, &off, &h), OSPF6_OK);
	CHECK_EQ(h.age, OSPF_MAX_AGE);
	CHECK_EQ(h.do_not_age, false);
	CHECK_EQ(h.type, LSA6_EXTERNAL);
	CHECK_EQ(h.ls_id, 9);
	CHECK_EQ(h.adv_router, IP(10, 0, 0, 9));
	CHECK_EQ(h.seq, OSPF_MAX_SEQ);
	CHECK_EQ(h.checksum, 0xabcd);
	CHECK_EQ(h.length, 64);
	CHECK_EQ(ospf6_lsahdr_next(&p, &off, &h), OSPF6_OK);
	CHECK_EQ(h.age, 0);
	CHECK_EQ(h.type, LSA6_LINK);
	CHECK_EQ(h.ls_id, 1);
	CHECK_EQ(h.adv_router, IP(10, 0, 0, 1));
	CHECK_EQ(h.seq, OSPF_INITIAL_SEQ);
	CHECK_EQ(h.checksum, 0);
	CHECK_EQ(h.length, 44);
	CHECK_EQ(off, 40);
	CHECK_EQ(ospf6_lsahdr_next(&p, &off, &h), OSPF6_TRUNC);

	/* a header whose length is below 20 */
	pkt_begin(&b, OSPF6_LSACK, IP(10, 0, 0, 4), 0, 1);
	s = lsa_begin(&b, 0, LSA6_LINK, 1, IP(10, 0, 0, 1), 0x80000001);
	pkt_end(&b);
	CHECK_EQ(dec_b(&b, &p), OSPF6_BAD_LSA_LENGTH);
	set16(&b, s + 18, 20);
	pkt_end(&b);
	CHECK_EQ(dec_b(&b, &p), OSPF6_OK);
	CHECK_EQ(p.nlsa, 1);
	off = 0;
	CHECK_EQ(ospf6_lsahdr_next(&p, &off, &h), OSPF6_OK);
	CHECK_EQ(h.type, LSA6_LINK);
	CHECK_EQ(ospf6_lsahdr_next(&p, &off, &h), OSPF6_TRUNC);
	/* not a multiple of 20 */
	put8(&b, 0);
	pkt_end(&b);
	CHECK_EQ(dec_b(&b, &p), OSPF6_BAD_LENGTH);
	/* empty */
	pkt_begin(&b, OSPF6_LSACK, IP(10, 0, 0, 4), 0, 1);
	pkt_end(&b);
	CHECK_EQ(dec_b(&b, &p), OSPF6_OK);
	CHECK_EQ(p.nlsa, 0);
	dec_free();
}

/* An LSU with one LSA of every type the decoder knows, and an unknown one. */
static const unsigned big_types[] = {
	LSA6_ROUTER, LSA6_NETWORK, LSA6_INTER_PREFIX, LSA6_INTER_ROUTER,
	LSA6_EXTERNAL, LSA6_NSSA, LSA6_LINK, LSA6_INTRA_PREFIX, 0xa00c,
};

static void build_big_lsu(struct bytes *b)
{
	static const struct ext ext = {
		LSA6_EXTERNAL, LSA6_EXT_E | LSA6_EXT_F | LSA6_EXT_T, 60, 0, 0x2001, 9, 8, 7,
	};
	static const struct ext nssa = {
		LSA6_NSSA, LSA6_EXT_F, 33, LSA6_PREFIX_P, 0, 4, 0, 0,
	};
	uint8_t a[16];
	struct bytes l;
	size_t s;

	db8(a, 0x77);
	pkt_begin(b, OSPF6_LSU, IP(10, 0, 0, 1), 0, 0);
	put32(b, 9);
#define APPEND(stmt) do { l.n = 0; stmt; put_bytes(b, l.d, l.n); } while (0)
	APPEND(build_router_lsa(&l));
	APPEND(network_lsa(&l, 3));
	APPEND(inter_prefix_lsa(&l, 56, 0, a, 30));
	APPEND(inter_router_lsa(&l));
	APPEND(external_lsa(&l, &ext, a, fe80_1));
	APPEND(external_lsa(&l, &nssa, a, fe80_2));
	APPEND(link_lsa(&l, 2, 2));
	APPEND(intra_lsa(&l, 3, 3));
#undef APPEND
	s = lsa_begin(b, 1, 0xa00c, 1, R1, 0x80000001);
	put32(b, 0x12345678);
	lsa_end(b, s);
	pkt_end(b);
}

static void test_lsu_built(void)
{
	struct bytes b;
	struct ospf6_pkt p;
	struct lsa6 l;
	struct lsa6_hdr h;
	size_t off = 0, total = 0;
	unsigned n = 0;

	build_big_lsu(&b);
	CHECK_EQ(dec_b(&b, &p), OSPF6_OK);
	CHECK_EQ(p.h.type, OSPF6_LSU);
	CHECK_EQ(p.h.length, b.n);
	CHECK_EQ(p.nlsa, 9);
	while (ospf6_lsu_next(&p, &off, &l) == OSPF6_OK) {
		if (n >= 9)
			break;
		CHECK_EQ(l.h.type, big_types[n]);
		CHECK(l.raw == p.raw + 20 + total);
		total += l.h.length;
		n++;
	}
	CHECK_EQ(n, 9);
	CHECK_EQ(off, total);
	CHECK_EQ(total, b.n - 20);
	CHECK_EQ(ospf6_lsu_next(&p, &off, &l), OSPF6_TRUNC);
	off = 0;
	CHECK_EQ(ospf6_lsahdr_next(&p, &off, &h), OSPF6_BAD_TYPE);
	CHECK_EQ(ospf6_checksum_verify(&p, fe80_1, ff02_5), OSPF6_OK);

	/* the count against the LSAs present */
	set32(&b, 16, 10);
	pkt_end(&b);
	CHECK_EQ(dec_b(&b, &p), OSPF6_BAD_LENGTH);
	set32(&b, 16, 8);
	pkt_end(&b);
	CHECK_EQ(dec_b(&b, &p), OSPF6_BAD_LENGTH);
	set32(&b, 16, 0);
	pkt_end(&b);
	CHECK_EQ(dec_b(&b, &p), OSPF6_BAD_LENGTH);
	set32(&b, 16, 0xffffffff);
	pkt_end(&b);
	CHECK_EQ(dec_b(&b, &p), OSPF6_BAD_LENGTH);
	/* an empty update */
	pkt_begin(&b, OSPF6_LSU, IP(10, 0, 0, 1), 0, 0);
	put32(&b, 0);
	pkt_end(&b);
	CHECK_EQ(dec_b(&b, &p), OSPF6_OK);
	CHECK_EQ(p.nlsa, 0);
	off = 0;
	CHECK_EQ(ospf6_lsu_next(&p, &off, &l), OSPF6_TRUNC);
	/* no room for the count */
	b.n = 19;
	pkt_end(&b);
	CHECK_EQ(dec_b(&b, &p), OSPF6_BAD_LENGTH);

	/* a bad LSA fails the update with its own status */
	build_big_lsu(&b);
	b.d[b.n - 1] ^= 1;              /* in the unknown LSA's body */
	pkt_end(&b);
	CHECK_EQ(dec_b(&b, &p), OSPF6_BAD_LSA_CHECKSUM);
	build_big_lsu(&b);
	{
		/* the inter-area-prefix-LSA (third) gets prefix length 129 */
		size_t s = 20 + 72 + 36;

		CHECK_EQ(get16(b.d + s + 2), LSA6_INTER_PREFIX);
		b.d[s + 24] = 129;
		set16(&b, s + 16, lsa_checksum(b.d + s, get16(b.d + s + 18)));
		pkt_end(&b);
		CHECK_EQ(dec_b(&b, &p), OSPF6_BAD_PREFIX);
	}
	build_big_lsu(&b);
	set16(&b, 20, OSPF_MAX_AGE + 1);        /* the first LSA's age */
	pkt_end(&b);
	CHECK_EQ(dec_b(&b, &p), OSPF6_BAD_LSA_AGE);
	dec_free();
}

static void test_packet_header(void)
{
	struct bytes b;
	struct ospf6_pkt p;
	size_t n;

	build_hello(&b, 1, OSPF6_OPT_V6);
	CHECK_EQ(dec_b(&b, &p), OSPF6_OK);
	/* fewer bytes than a header; fewer than the declared length */
	for (n = 0; n < 16; n++)
		CHECK_EQ(dec(b.d, n, &p), OSPF6_TRUNC);
	for (n = 16; n < b.n; n++)
		CHECK_EQ(dec(b.d, n, &p), OSPF6_TRUNC);
	/* version */
	b.d[0] = 2;
	CHECK_EQ(dec_b(&b, &p), OSPF6_BAD_VERSION);
	b.d[0] = 4;
	CHECK_EQ(dec_b(&b, &p), OSPF6_BAD_VERSION);
	b.d[0] = 3;
	/* type */
	b.d[1] = 0;
	CHECK_EQ(dec_b(&b, &p), OSPF6_BAD_TYPE);
	b.d[1] = 6;
	CHECK_EQ(dec_b(&b, &p), OSPF6_BAD_TYPE);
	b.d[1] = 0xff;
	CHECK_EQ(dec_b(&b, &p), OSPF6_BAD_TYPE);
	b.d[1] = OSPF6_HELLO;
	/* declared length below a header, whatever the type */
	for (n = 0; n < 16; n++) {
		unsigned t;

		for (t = OSPF6_HELLO; t <= OSPF6_LSACK; t++) {
			b.d[1] = (uint8_t)t;
			set16(&b, 2, (unsigned)n);
			CHECK_EQ(dec_b(&b, &p), OSPF6_BAD_LENGTH);
		}
	}
	b.d[1] = OSPF6_HELLO;
	/* beyond the buffer */
	set16(&b, 2, (unsigned)b.n + 1);
	CHECK_EQ(dec_b(&b, &p), OSPF6_TRUNC);
	set16(&b, 2, 0xffff);
	CHECK_EQ(dec_b(&b, &p), OSPF6_TRUNC);
	/* the decoder leaves the checksum alone */
	pkt_end(&b);
	set16(&b, 12, get16(b.d + 12) ^ 0x5555);
	CHECK_EQ(dec_b(&b, &p), OSPF6_OK);
	CHECK_EQ(ospf6_checksum_verify(&p, fe80_1, ff02_5), OSPF6_BAD_CHECKSUM);
	/* the header is filled however far the checks got */
	b.d[0] = 2;
	CHECK_EQ(dec_b(&b, &p), OSPF6_BAD_VERSION);
	CHECK_EQ(p.h.version, 2);
	CHECK_EQ(p.h.router_id, IP(10, 0, 0, 1));
	/* a header alone is no packet of any type but LSR and LSAck */
	pkt_begin(&b, OSPF6_HELLO, 1, 0, 0);
	for (n = OSPF6_HELLO; n <= OSPF6_LSACK; n++) {
		b.d[1] = (uint8_t)n;
		pkt_end(&b);
		CHECK_EQ(dec_b(&b, &p), n == OSPF6_LSR || n == OSPF6_LSACK ?
		         OSPF6_OK : OSPF6_BAD_LENGTH);
	}
	dec_free();
}

/* --- authentication trailer (RFC 7166) --------------------------------- */

/* An authentication trailer: type 1, length 16 + 32, SA id, 64-bit
 * sequence number, a 32-octet "digest". */
static void put_trailer(struct bytes *b)
{
	unsigned i;

	put16(b, 1);
	put16(b, 16 + 32);
	put16(b, 0);
	put16(b, 0x0101);
	put32(b, 0);
	put32(b, 0x00000042);
	for (i = 0; i < 32; i++)
		put8(b, 0xa5 ^ i);
}

static void test_auth_trailer(void)
{
	struct bytes b, plain;
	struct ospf6_pkt p, q;
	struct lsa6 l;
	size_t off = 0, n;

	/* a Hello with the AT bit and a trailer: decoded as without one */
	build_hello(&plain, 2, OSPF6_OPT_V6 | OSPF6_OPT_R | OSPF6_OPT_AT);
	b = plain;
	put_trailer(&b);
	CHECK_EQ(b.n, plain.n + 48);
	CHECK_EQ(dec_b(&plain, &q), OSPF6_OK);
	CHECK_EQ(dec_b(&b, &p), OSPF6_OK);
	CHECK_EQ(p.h.length, plain.n);
	CHECK_EQ(p.trailer_len, 48);
	CHECK_EQ(p.hello_options & OSPF6_OPT_AT, OSPF6_OPT_AT);
	CHECK_EQ(p.nneighbors, 2);
	CHECK_EQ(p.iface_id, q.iface_id);
	CHECK_EQ(p.dr, q.dr);
	CHECK_EQ(ospf6_hello_neighbor(&p, 1), IP(10, 0, 1, 1));
	/* the checksum over the packet alone (RFC 5340) verifies ... */
	CHECK_EQ(ospf6_checksum_verify(&p, fe80_1, ff02_5), OSPF6_OK);
	/* ... and so does one over the whole payload, trailer included, as a
	 * kernel computing it with IPV6_CHECKSUM writes it */
	set16(&b, 12, ref_cksum(fe80_1, ff02_5, b.d, b.n));
	CHECK(get16(b.d + 12) != get16(plain.d + 12));
	CHECK_EQ(dec_b(&b, &p), OSPF6_OK);
	CHECK_EQ(ospf6_checksum_verify(&p, fe80_1, ff02_5), OSPF6_OK);
	CHECK_EQ(ospf6_checksum_verify(&p, fe80_2, ff02_5), OSPF6_BAD_CHECKSUM);
	/* and with the trailer stripped, that one no longer does */
	CHECK_EQ(dec(b.d, plain.n, &p), OSPF6_OK);
	CHECK_EQ(ospf6_checksum_verify(&p, fe80_1, ff02_5), OSPF6_BAD_CHECKSUM);
	/* whatever the trailer holds, even a cut one or one byte */
	b = plain;
	put_trailer(&b);
	for (n = plain.n; n <= b.n; n++) {
		CHECK_EQ(dec(b.d, n, &p), OSPF6_OK);
		CHECK_EQ(p.trailer_len, n - plain.n);
	}
	memset(b.d + plain.n, 0xff, 48);
	CHECK_EQ(dec_b(&b, &p), OSPF6_OK);

	/* a DD and an LSU with trailers (the AT bit for those is in the Hello
	 * and DD options; an LSU carries none) */
	build_dd(&b, 2);
	set16(&b, 18, OSPF6_OPT_V6 | OSPF6_OPT_AT);
	pkt_end(&b);
	n = b.n;
	put_trailer(&b);
	CHECK_EQ(dec_b(&b, &p), OSPF6_OK);
	CHECK_EQ(p.h.length, n);
	CHECK_EQ(p.dd_options, OSPF6_OPT_V6 | OSPF6_OPT_AT);
	CHECK_EQ(p.nlsa, 2);
	CHECK_EQ(ospf6_checksum_verify(&p, fe80_1, ff02_5), OSPF6_OK);

	build_big_lsu(&b);
	n = b.n;
	/* a trailer that looks like one more LSA: not one */
	put_bytes(&b, b.d + 20, 72);
	CHECK_EQ(dec_b(&b, &p), OSPF6_OK);
	CHECK_EQ(p.nlsa, 9);
	CHECK_EQ(p.trailer_len, 72);
	off = 0;
	while (ospf6_lsu_next(&p, &off, &l) == OSPF6_OK) {
		CHECK(l.raw + l.h.length <= p.raw + p.h.length);
	}
	CHECK_EQ(off, n - 20);
	dec_free();
}

/* --- packet checksum ---------------------------------------------------- */

static void test_checksum(void)
{
	struct bytes b;
	struct ospf6_pkt p;
	uint8_t src[16], dst[16], buf[64];
	size_t i, n;
	unsigned bit;

	/* the library against the reference, every packet type, odd lengths
	 * too (ospf6_checksum takes any length from a header up) */
	build_hello(&b, 3, OSPF6_OPT_V6);
	CHECK_EQ(ospf6_checksum(fe80_1, ff02_5, b.d, b.n), ref_cksum(fe80_1, ff02_5, b.d, b.n));
	build_dd(&b, 4);
	CHECK_EQ(ospf6_checksum(fe80_2, ff02_6, b.d, b.n), ref_cksum(fe80_2, ff02_6, b.d, b.n));
	build_lsr(&b, 5);
	CHECK_EQ(ospf6_checksum(ff02_6, fe80_2, b.d, b.n), ref_cksum(ff02_6, fe80_2, b.d, b.n));
	build_big_lsu(&b);
	CHECK_EQ(ospf6_checksum(fe80_1, fe80_2, b.d, b.n), ref_cksum(fe80_1, fe80_2, b.d, b.n));
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(0xf0 + 37 * i);
	for (i = 0; i < 16; i++) {
		src[i] = (uint8_t)(0xff - i);
		dst[i] = (uint8_t)(0x80 + 3 * i);
	}
	for (n = 16; n <= sizeof(buf); n++)
		CHECK_EQ(ospf6_checksum(src, dst, buf, n), ref_cksum(src, dst, buf, n));
	CHECK_EQ(ospf6_checksum(src, dst, buf, 15), 0);
	CHECK_EQ(ospf6_checksum(src, dst, NULL, 40), 0);
	/* the field's contents do not count */
	buf[12] ^= 0xff;
	CHECK_EQ(ospf6_checksum(src, dst, buf, 40), ref_cksum(src, dst, buf, 40));

	/* verification: every single bit of the packet, of either address */
	build_dd(&b, 2);
	CHECK_EQ(dec_b(&b, &p), OSPF6_OK);
	CHECK_EQ(ospf6_checksum_verify(&p, fe80_1, ff02_5), OSPF6_OK);
	for (i = 0; i < b.n; i++) {
		for (bit = 0; bit < 8; bit++) {
			b.d[i] ^= (uint8_t)(1u << bit);
			if (dec_b(&b, &p) == OSPF6_OK)
				CHECK_EQ(ospf6_checksum_verify(&p, fe80_1, ff02_5),
				         OSPF6_BAD_CHECKSUM);
			b.d[i] ^= (uint8_t)(1u << bit);
		}
	}
	CHECK_EQ(dec_b(&b, &p), OSPF6_OK);
	for (i = 0; i < 16; i++) {
		memcpy(src, fe80_1, 16);
		memcpy(dst, ff02_5, 16);
		src[i] ^= 0x40;
		CHECK_EQ(ospf6_checksum_verify(&p, src, dst), OSPF6_BAD_CHECKSUM);
		src[i] ^= 0x40;
		dst[i] ^= 0x02;
		CHECK_EQ(ospf6_checksum_verify(&p, src, dst), OSPF6_BAD_CHECKSUM);
	}
	/* 0x0000 and 0xffff are the same one's complement zero: a field holding
	 * the other representation of the computed value still verifies */
	for (i = 0; i < 0x10000; i++) {
		build_lsr(&b, 1);
		set32(&b, 24, (uint32_t)i);         /* vary the link state id */
		pkt_end(&b);
		if (get16(b.d + 12) == 0xffff || get16(b.d + 12) == 0)
			break;
	}
	CHECK(i < 0x10000);
	set16(&b, 12, get16(b.d + 12) ^ 0xffff);
	CHECK_EQ(dec_b(&b, &p), OSPF6_OK);
	CHECK_EQ(ospf6_checksum_verify(&p, fe80_1, ff02_5), OSPF6_OK);
	dec_free();
}

/*
 * Every prefix of an LSU, two ways: cut short (the declared length now lies:
 * OSPF6_TRUNC), and cut with the declared length made to match (the LSU's
 * insides are now inconsistent: a bad length, never OK).  Never a read past
 * the exact-size buffer.
 */
static void truncations(const struct bytes *whole)
{
	struct bytes b;
	struct ospf6_pkt p;
	size_t cut;

	CHECK_EQ(dec_b(whole, &p), OSPF6_OK);
	for (cut = 0; cut < whole->n; cut++) {
		enum ospf6_status st = dec(whole->d, cut, &p);

		CHECK_EQ(st, OSPF6_TRUNC);
		if (cut < OSPF6_HDR_LEN)
			continue;
		b = *whole;
		b.n = cut;
		pkt_end(&b);
		st = dec_b(&b, &p);
		CHECK(st == OSPF6_BAD_LENGTH || st == OSPF6_BAD_LSA_LENGTH);
	}
	dec_free();
}

static void test_lsu_truncation(void)
{
	static const char *const caps[] = { cap_lsu_exchange, cap_lsu_dr };
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
	struct lsa6_hdr a, b;

	memset(&a, 0, sizeof(a));
	a.type = LSA6_INTRA_PREFIX;
	a.seq = (int32_t)0x80000005;
	a.checksum = 0x1000;
	a.age = 100;
	b = a;
	CHECK_EQ(lsa6_compare(&a, &b), 0);
	/* signed sequence numbers first */
	b.seq = (int32_t)0x80000006;
	CHECK(lsa6_compare(&a, &b) < 0);
	CHECK(lsa6_compare(&b, &a) > 0);
	a.seq = OSPF_MAX_SEQ;
	b.seq = OSPF_INITIAL_SEQ;
	a.age = OSPF_MAX_AGE;
	a.checksum = 0;
	b.checksum = 0xffff;
	CHECK(lsa6_compare(&a, &b) > 0);
	/* then the larger checksum */
	a.seq = b.seq = 7;
	a.age = b.age = 100;
	a.checksum = 0x8001;
	b.checksum = 0x7fff;
	CHECK(lsa6_compare(&a, &b) > 0);
	CHECK(lsa6_compare(&b, &a) < 0);
	/* then MaxAge */
	a.checksum = b.checksum = 0x4242;
	b.age = OSPF_MAX_AGE;
	CHECK(lsa6_compare(&a, &b) < 0);
	CHECK(lsa6_compare(&b, &a) > 0);
	/* then an age difference above MaxAgeDiff */
	a.age = 10;
	b.age = 10 + OSPF_MAX_AGE_DIFF + 1;
	CHECK(lsa6_compare(&a, &b) > 0);
	b.age = 10 + OSPF_MAX_AGE_DIFF;
	CHECK_EQ(lsa6_compare(&a, &b), 0);
	/* the DoNotAge flag and the other header fields play no part */
	a.do_not_age = true;
	a.ls_id = 99;
	b.length = 1000;
	CHECK_EQ(lsa6_compare(&a, &b), 0);
	/* the two real intra-area-prefix-LSAs with ls id 0: seq 2 flushes 1 */
	{
		struct ospf6_pkt p;
		struct lsa6 l;
		struct lsa6_hdr old, flush;
		size_t off = 0;

		memset(&old, 0, sizeof(old));

		CHECK_EQ(dec_hex(cap_lsu_exchange, &p), OSPF6_OK);
		while (ospf6_lsu_next(&p, &off, &l) == OSPF6_OK)
			old = l.h;
		CHECK_EQ(old.type, LSA6_INTRA_PREFIX);
		CHECK_EQ(dec_hex(cap_lsu_dr, &p), OSPF6_OK);
		off = 0;
		CHECK_EQ(ospf6_lsu_next(&p, &off, &l), OSPF6_OK);
		CHECK_EQ(ospf6_lsu_next(&p, &off, &l), OSPF6_OK);
		CHECK_EQ(ospf6_lsu_next(&p, &off, &l), OSPF6_OK);
		flush = l.h;
		CHECK_EQ(flush.ls_id, old.ls_id);
		CHECK(lsa6_compare(&flush, &old) > 0);
		CHECK(lsa6_compare(&old, &flush) < 0);
		dec_free();
	}
}


/* --- both versions in one database (lib/lsdb.h) ------------------------ */

struct seen { unsigned v2, v3; };

static void count_seen(void *ctx, const struct lsdb_entry *e)
{
	struct seen *s = ctx;

	if (e->lsa.h.v3)
		s->v3++;
	else
		s->v2++;
}

/* An OSPFv2 router-LSA with no links: id = adv = rid. */
static void v2_router(struct bytes *b, uint32_t rid, uint32_t seq)
{
	b->n = 0;
	put16(b, 1);            /* age */
	put8(b, 0x02);          /* options E */
	put8(b, 1);             /* type 1 */
	put32(b, rid);
	put32(b, rid);
	put32(b, seq);
	put16(b, 0);
	put16(b, 0);
	put8(b, 0); put8(b, 0); put16(b, 0);    /* flags, 0, no links */
	lsa_end(b, 0);
}

static void test_lsdb_both_versions(void)
{
	struct lsdb *db = lsdb_new(16), *back;
	struct bytes b2, b3, bu, be;
	struct lsa l, l2;
	struct lsa6 l6;
	struct seen s = { 0, 0 };
	uint32_t rid = IP(10, 9, 9, 9);
	const char *why;
	char err[256];

	CHECK(db != NULL);
	/* an OSPFv2 router-LSA (link state id = router id) */
	v2_router(&b2, rid, 0x80000001);
	CHECK(lsa_decode(b2.d, b2.n, &l2) == OSPF_OK);
	CHECK_EQ(lsdb_install(db, 0, &l2, 1000, NULL), LSDB_ADDED);
	/* an OSPFv3 LSA whose 16-bit type, id and router equal the v2 key:
	 * link-scoped, function code 1, id rid */
	bu.n = 0;
	size_t st = lsa_begin(&bu, 1, 0x0001, rid, rid, 0x80000001);
	put32(&bu, 0);
	lsa_end(&bu, st);
	CHECK_EQ(lsdb_decode(bu.d, bu.n, true, &l, &why), true);
	CHECK(l.h.v3 && l.h.type == 0x0001);
	CHECK_EQ(lsdb_install(db, 0, &l, 1000, NULL), LSDB_ADDED);
	/* an OSPFv3 router-LSA and an AS-external-LSA; lsa6_decode_held takes
	 * a broken checksum (the database's copies were checked), nothing else */
	b3.n = 0;
	build_router_lsa(&b3);
	{
		struct lsa6 x, y;
		b3.d[17] ^= 1;
		CHECK_EQ(lsa6_decode(b3.d, b3.n, &x), OSPF6_BAD_LSA_CHECKSUM);
		CHECK_EQ(lsa6_decode_held(b3.d, b3.n, &x), OSPF6_OK);
		b3.d[17] ^= 1;
		CHECK_EQ(lsa6_decode(b3.d, b3.n, &y), OSPF6_OK);
		CHECK(x.u.router.nifaces == y.u.router.nifaces && x.u.router.flags == y.u.router.flags);
		CHECK_EQ(lsa6_decode_held(b3.d, b3.n - 4, &x), OSPF6_BAD_LSA_LENGTH);
	}
	CHECK(lsa6_decode(b3.d, b3.n, &l6) == OSPF6_OK);
	lsdb_lsa6(&l6, &l);
	CHECK_EQ(lsdb_install(db, 0, &l, 1000, NULL), LSDB_ADDED);
	CHECK_EQ(lsdb_install(db, 0, &l, 1000, NULL), LSDB_DUPLICATE);
	be.n = 0;
	st = lsa_begin(&be, 1, LSA6_EXTERNAL, 7, rid, 0x80000001);
	put32(&be, 20);                          /* flags 0, metric 20 */
	put_prefix(&be, 64, 0, 0, (const uint8_t[16]){ 0xfd, 0, 2, 0 });
	lsa_end(&be, st);
	CHECK(lsdb_decode(be.d, be.n, true, &l, &why));
	CHECK_EQ(lsdb_install(db, 0, &l, 1000, NULL), LSDB_ADDED);
	CHECK_EQ(lsdb_stats(db)->entries, 4);
	/* keys: the versions never meet */
	CHECK(lsdb_get(db, 0, 1, rid, rid) != NULL && !lsdb_get(db, 0, 1, rid, rid)->lsa.h.v3);
	CHECK(lsdb_get(db, 0, LSDB_V3 | 1, rid, rid) != NULL);
	CHECK(lsdb_get(db, 0, LSDB_V3 | LSA6_ROUTER, 0, IP(10, 9, 9, 9)) != NULL);
	CHECK(lsdb_get(db, LSDB_AS_SCOPE, LSDB_V3 | LSA6_EXTERNAL, 7, rid) != NULL);
	CHECK(lsdb_get(db, 0, LSDB_V3 | LSA6_EXTERNAL, 7, rid) != NULL);   /* scope applied */
	CHECK_EQ(lsdb_scope(5, LSDB_V3 | LSA6_LINK), 5);
	CHECK_EQ(lsdb_scope(5, LSDB_V3 | LSA6_EXTERNAL), LSDB_AS_SCOPE);
	CHECK_EQ(lsdb_scope(5, LSA_EXTERNAL), LSDB_AS_SCOPE);
	lsdb_foreach(db, 0, LSA_ROUTER, count_seen, &s);
	CHECK(s.v2 == 1 && s.v3 == 0);
	s = (struct seen){ 0, 0 };
	lsdb_foreach(db, 0, LSDB_V3, count_seen, &s);
	CHECK(s.v2 == 0 && s.v3 == 2);
	s = (struct seen){ 0, 0 };
	lsdb_foreach(db, 0, 0, count_seen, &s);
	CHECK(s.v2 == 1 && s.v3 == 2);
	/* a newer v2 instance replaces the v2 one only */
	v2_router(&b2, rid, 0x80000002);
	CHECK(lsa_decode(b2.d, b2.n, &l2) == OSPF_OK);
	CHECK_EQ(lsdb_install(db, 0, &l2, 2000, NULL), LSDB_REFRESHED);
	CHECK_EQ(lsdb_stats(db)->entries, 4);

	/* the database document carries both, and reads back the same */
	struct sbuf doc = SBUF_INIT;
	lsdbdoc_write(db, 7, 2000, &doc);
	CHECK(sbuf_ok(&doc));
	CHECK(strstr(sbuf_str(&doc), "\"ospf\":3") != NULL);
	back = lsdbdoc_read(doc.p, doc.len, NULL, NULL, err, sizeof(err));
	CHECK(back != NULL);
	if (back != NULL) {
		CHECK_EQ(lsdb_stats(back)->entries, 4);
		CHECK(lsdb_get(back, 0, LSDB_V3 | 1, rid, rid) != NULL);
		CHECK(lsdb_get(back, 0, 1, rid, rid) != NULL);
		CHECK(lsdb_get(back, LSDB_AS_SCOPE, LSDB_V3 | LSA6_EXTERNAL, 7, rid) != NULL);
		lsdb_free(back);
	}
	/* an unknown version is refused; so is an AS-scoped OSPFv3 type with
	 * an area.  (Nothing can tell an OSPFv3 LSA from an OSPFv2 one by its
	 * bytes -- 0x0001 above reads as an OSPFv2 router-LSA -- hence the
	 * member.) */
	char *p = strstr(doc.p, "\"ospf\":3,");
	CHECK(p != NULL);
	if (p != NULL) {
		p[7] = '4';
		CHECK(lsdbdoc_read(doc.p, doc.len, NULL, NULL, err, sizeof(err)) == NULL);
		CHECK(strstr(err, "ospf: not 2 or 3") != NULL);
		p[7] = '3';
	}
	sbuf_free(&doc);
	sbuf_printf(&doc, "{\"version\":1,\"time_ms\":5,\"lsas\":[{\"area\":\"0.0.0.1\",\"ospf\":3,"
	            "\"age\":1,\"hex\":\"");
	for (size_t i = 0; i < be.n; i++)
		sbuf_printf(&doc, "%02x", be.d[i]);
	sbuf_printf(&doc, "\"}]}");
	CHECK(lsdbdoc_read(doc.p, doc.len, NULL, NULL, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "OSPFv3 type 0x4005 with area set") != NULL);
	sbuf_free(&doc);

	/* a snapshot too */
	char path[] = "/tmp/anm-test-ospf6-snap-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd >= 0) {
		uint64_t now = 0;
		close(fd);
		CHECK_EQ(snapshot_save(db, path, 2000, err, sizeof(err)), 4);
		back = lsdb_new(16);
		CHECK_EQ(snapshot_load(back, path, &now, err, sizeof(err)), 4);
		CHECK(lsdb_get(back, 0, LSDB_V3 | LSA6_ROUTER, 0, rid) != NULL);
		CHECK(lsdb_get(back, 0, 1, rid, rid) != NULL &&
		      !lsdb_get(back, 0, 1, rid, rid)->lsa.h.v3);
		lsdb_free(back);
		unlink(path);
	}
	lsdb_free(db);
}

int main(void)
{
	test_status_names();
	test_real_hello();
	test_real_lsu_exchange();
	test_real_lsu_dr();
	test_router_lsa();
	test_router_lsa_bad();
	test_network_lsa();
	test_prefix_lengths();
	test_inter_prefix_bad();
	test_inter_router_lsa();
	test_external_lsa();
	test_external_bad();
	test_link_lsa();
	test_intra_prefix_lsa();
	test_unknown_lsa();
	test_scope();
	test_lsa_header_checks();
	test_hello_built();
	test_dd_built();
	test_lsr_built();
	test_lsack_built();
	test_lsu_built();
	test_packet_header();
	test_auth_trailer();
	test_checksum();
	test_lsu_truncation();
	test_compare();
	test_lsdb_both_versions();
	return check_done("test_ospf6");
}
