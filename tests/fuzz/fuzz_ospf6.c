/*
 * libFuzzer target for the OSPFv3 decoder (lib/ospf6.c).
 *
 * Input format: byte 0 holds mode bits, the rest is an OSPFv3 packet (the
 * IPv6 payload, maybe with a trailer), or with MODE_LSA a single LSA.
 * Random mutations nearly always break the LSAs' Fletcher checksums, which
 * would keep the fuzzer out of the body decoders, so the harness can repair
 * them before decoding:
 *   MODE_FIX_LSA   recompute the checksum of every LSA it can find (the LSAs
 *                  of an LSU, walked by their length fields; or the LSA)
 *   MODE_LSA       call lsa6_decode instead of ospf6_decode
 *   MODE_FIX_LEN   set the declared packet length (or LSA length) to the
 *                  bytes present
 *   MODE_FIX_PKT   set the packet checksum for the harness's addresses
 * The input is copied to a heap buffer of exactly its size first.
 *
 * Invariants checked (abort() on violation): the status is in range and
 * named; the decoder did not write its input; on success, decoding the
 * declared length alone in an exact-size copy gives the same result, and
 * every accessor and cursor then runs on that copy (so the sanitizer catches
 * a read past raw + length); counts agree with what the iterators yield and
 * with the harness's own walk of the bytes; every LSA of an LSU decodes again
 * on its own, in its own exact-size buffer, its checksum verifies and
 * recomputes to the field (octet-wise modulo 255); every prefix is at most
 * 128 bits with nothing set past its length and matches the wire; lsa6_compare
 * is reflexive and antisymmetric; ospf6_checksum agrees with the harness's own
 * Internet checksum, a packet given that checksum verifies and fails with any
 * one bit flipped.
 *
 * Build: clang -g -O1 -std=c11 -D_GNU_SOURCE
 *        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
 *        -Ilib tests/fuzz/fuzz_ospf6.c lib/ospf6.c lib/ospf.c
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ospf.h"
#include "ospf6.h"

#define MODE_FIX_LSA 0x01
#define MODE_LSA     0x02
#define MODE_FIX_LEN 0x04
#define MODE_FIX_PKT 0x08

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile unsigned sink;

static const uint8_t src_addr[16] = { 0xfe, 0x80, [15] = 1 };
static const uint8_t dst_addr[16] = { 0xff, 0x02, [15] = 5 };

static unsigned rd16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint8_t *dup_exact(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);

	if (c == NULL)
		abort();
	memcpy(c, p, n);
	return c;
}

/* The harness's own checksum: pseudo-header words, then the packet's with
 * the checksum field skipped, summed in 64 bits and folded at the end. */
static unsigned pkt_cksum(const uint8_t *b, size_t n)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < 16; i += 2)
		sum += rd16(src_addr + i) + rd16(dst_addr + i);
	sum += (uint64_t)(n >> 16) + (n & 0xffff) + 89;
	for (i = 0; i < n; i++) {
		if (i == 12 || i == 13)
			continue;
		sum += i % 2 ? b[i] : (uint64_t)b[i] << 8;
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (unsigned)(~sum & 0xffff);
}

static void fix_lsa(uint8_t *b, size_t avail)
{
	size_t l;

	if (avail < LSA6_HDR_LEN)
		return;
	l = rd16(b + 18);
	if (l >= LSA6_HDR_LEN && l <= avail)
		wr16(b + 16, lsa_checksum(b, l));
}

static void fix_up(uint8_t *b, size_t n, unsigned mode)
{
	size_t plen, off, l;

	if (mode & MODE_LSA) {
		if ((mode & MODE_FIX_LEN) && n >= LSA6_HDR_LEN)
			wr16(b + 18, n > 0xffff ? 0xffff : (unsigned)n);
		if (mode & MODE_FIX_LSA)
			fix_lsa(b, n);
		return;
	}
	if (n < OSPF6_HDR_LEN)
		return;
	if (mode & MODE_FIX_LEN)
		wr16(b + 2, n > 0xffff ? 0xffff : (unsigned)n);
	plen = rd16(b + 2);
	if (plen > n)
		plen = n;
	if ((mode & MODE_FIX_LSA) && b[1] == OSPF6_LSU) {
		for (off = 20; off + LSA6_HDR_LEN <= plen; off += l) {
			l = rd16(b + off + 18);
			if (l < LSA6_HDR_LEN || l > plen - off)
				break;
			fix_lsa(b + off, l);
		}
	}
	if ((mode & MODE_FIX_PKT) && plen >= OSPF6_HDR_LEN)
		wr16(b + 12, pkt_cksum(b, plen));
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

/* Field by field: struct padding is not ours to compare. */
static int hdr_eq(const struct lsa6_hdr *a, const struct lsa6_hdr *b)
{
	return a->age == b->age && a->do_not_age == b->do_not_age &&
	    a->type == b->type && a->ls_id == b->ls_id &&
	    a->adv_router == b->adv_router && a->seq == b->seq &&
	    a->checksum == b->checksum && a->length == b->length;
}

static int pkt_hdr_eq(const struct ospf6_hdr *a, const struct ospf6_hdr *b)
{
	return a->version == b->version && a->type == b->type &&
	    a->length == b->length && a->router_id == b->router_id &&
	    a->area_id == b->area_id && a->checksum == b->checksum &&
	    a->instance_id == b->instance_id && a->reserved == b->reserved;
}

static int prefix_eq(const struct lsa6_prefix *a, const struct lsa6_prefix *b)
{
	return a->len == b->len && a->options == b->options &&
	    a->field == b->field && memcmp(a->addr, b->addr, 16) == 0;
}

static void check_hdr(const struct lsa6_hdr *h)
{
	if (h->length < LSA6_HDR_LEN || h->age > 0x7fff)
		abort();
	if (lsa6_compare(h, h) != 0)
		abort();
	if ((unsigned)lsa6_scope(h->type) > LSA6_SCOPE_RESERVED)
		abort();
}

/* A decoded prefix against the wire bytes at w (which the harness has
 * checked are there): at most 128 bits, the address's first len bits those
 * of the wire, nothing after. */
static void check_prefix(const struct lsa6_prefix *p, const uint8_t *w)
{
	unsigned i;

	if (p->len > 128 || p->len != w[0] || p->options != w[1] ||
	    p->field != rd16(w + 2))
		abort();
	for (i = 0; i < 128; i++) {
		unsigned got = p->addr[i / 8] >> (7 - i % 8) & 1;
		unsigned want = i < p->len ? w[4 + i / 8] >> (7 - i % 8) & 1 : 0;

		if (got != want)
			abort();
	}
}

/* The harness's own walk of count prefixes from off, each checked against
 * what the cursor yields; returns the offset past the last. */
static size_t walk_prefixes(const struct lsa6 *l, size_t off, uint32_t count)
{
	struct lsa6_prefix_cursor c = { 0 };
	struct lsa6_prefix p;
	uint32_t i;

	for (i = 0; i < count; i++) {
		size_t words;

		if (off + 4 > l->h.length)
			abort();
		words = ((size_t)l->raw[off] + 31) / 32;
		if (l->raw[off] > 128 || off + 4 + 4 * words > l->h.length)
			abort();
		if (!lsa6_prefix_next(l, &c, &p))
			abort();
		check_prefix(&p, l->raw + off);
		off += 4 + 4 * words;
		sink += p.len + p.addr[0];
	}
	if (lsa6_prefix_next(l, &c, &p) || c.i != count)
		abort();
	return off;
}

/* A decoded LSA at l->raw[0..l->h.length): check, then decode it again in
 * its own exact-size buffer and run every accessor and cursor there. */
static void check_lsa(const struct lsa6 *l)
{
	struct lsa6 c;
	struct lsa6_iface ifc, first = { 0 }, last = { 0 };
	struct lsa6_iface_cursor ic = { 0 };
	struct lsa6_prefix_cursor pc = { 0 };
	struct lsa6_prefix pf;
	uint8_t *copy;
	uint16_t ck;
	size_t off, len;
	unsigned i;

	check_hdr(&l->h);
	if (l->h.age > OSPF_MAX_AGE)
		abort();
	if (!lsa_checksum_ok(l->raw, l->h.length))
		abort();
	ck = lsa_checksum(l->raw, l->h.length);
	if ((ck >> 8) % 255 != (l->h.checksum >> 8) % 255 ||
	    (ck & 0xff) % 255 != (l->h.checksum & 0xff) % 255)
		abort();

	len = l->h.length;
	copy = dup_exact(l->raw, len);
	if (lsa6_decode(copy, len, &c) != OSPF6_OK)
		abort();
	if (c.raw != copy || !hdr_eq(&c.h, &l->h))
		abort();
	switch (c.h.type) {
	case LSA6_ROUTER:
		if (len < 24 || (len - 24) % 16 != 0 || c.u.router.nifaces != (len - 24) / 16 ||
		    c.u.router.flags != copy[20] || c.u.router.options != (rd32(copy + 20) & 0xffffff))
			abort();
		off = 24;
		for (i = 0; lsa6_router_iface_next(&c, &ic, &ifc); i++) {
			if (i >= c.u.router.nifaces || ifc.type != copy[off] ||
			    ifc.metric != rd16(copy + off + 2) ||
			    ifc.iface_id != rd32(copy + off + 4) ||
			    ifc.nbr_iface_id != rd32(copy + off + 8) ||
			    ifc.nbr_router_id != rd32(copy + off + 12))
				abort();
			if (i == 0)
				first = ifc;
			last = ifc;
			off += 16;
		}
		if (i != c.u.router.nifaces || off != len)
			abort();
		if (i > 0) {
			lsa6_router_iface(&c, 0, &ifc);
			if (memcmp(&ifc, &first, sizeof(ifc)) != 0)
				abort();
			lsa6_router_iface(&c, i - 1, &ifc);
			if (memcmp(&ifc, &last, sizeof(ifc)) != 0)
				abort();
		}
		if (lsa6_prefix_next(&c, &pc, &pf))
			abort();
		break;
	case LSA6_NETWORK:
		if (c.u.network.nrouters == 0 || (len - 24) % 4 != 0 ||
		    c.u.network.nrouters != (len - 24) / 4)
			abort();
		for (i = 0; i < c.u.network.nrouters; i++)
			if (lsa6_network_router(&c, i) != rd32(copy + 24 + 4 * i))
				abort();
		sink += c.u.network.options;
		break;
	case LSA6_INTER_PREFIX:
		if (c.u.inter_prefix.metric > 0xffffff ||
		    walk_prefixes(&c, 24, 1) != len)
			abort();
		check_prefix(&c.u.inter_prefix.prefix, copy + 24);
		if (!lsa6_prefix_next(&c, &pc, &pf) ||
		    !prefix_eq(&pf, &c.u.inter_prefix.prefix))
			abort();
		break;
	case LSA6_INTER_ROUTER:
		if (len != 32 || c.u.inter_router.dest != rd32(copy + 28) ||
		    c.u.inter_router.metric != (rd32(copy + 24) & 0xffffff))
			abort();
		if (lsa6_prefix_next(&c, &pc, &pf))
			abort();
		break;
	case LSA6_EXTERNAL:
	case LSA6_NSSA:
		off = walk_prefixes(&c, 24, 1);
		check_prefix(&c.u.external.prefix, copy + 24);
		if (!lsa6_prefix_next(&c, &pc, &pf) ||
		    !prefix_eq(&pf, &c.u.external.prefix))
			abort();
		if (c.u.external.flags != copy[20] ||
		    c.u.external.e2 != ((copy[20] & LSA6_EXT_E) != 0) ||
		    c.u.external.ref_type != c.u.external.prefix.field)
			abort();
		if (c.u.external.has_fwd != ((copy[20] & LSA6_EXT_F) != 0))
			abort();
		if (c.u.external.has_fwd) {
			if (memcmp(c.u.external.fwd, copy + off, 16) != 0)
				abort();
			off += 16;
		}
		if (c.u.external.has_tag != ((copy[20] & LSA6_EXT_T) != 0))
			abort();
		if (c.u.external.has_tag) {
			if (c.u.external.tag != rd32(copy + off))
				abort();
			off += 4;
		}
		if (c.u.external.ref_type != 0) {
			if (c.u.external.ref_ls_id != rd32(copy + off))
				abort();
			off += 4;
		}
		if (off != len)
			abort();
		break;
	case LSA6_LINK:
		if (len < 44 || memcmp(c.u.link.ll_addr, copy + 24, 16) != 0 ||
		    c.u.link.nprefixes != rd32(copy + 40) || c.u.link.priority != copy[20])
			abort();
		if (walk_prefixes(&c, 44, c.u.link.nprefixes) != len)
			abort();
		break;
	case LSA6_INTRA_PREFIX:
		if (len < 32 || c.u.intra_prefix.nprefixes != rd16(copy + 20) ||
		    c.u.intra_prefix.ref_type != rd16(copy + 22) ||
		    c.u.intra_prefix.ref_ls_id != rd32(copy + 24) ||
		    c.u.intra_prefix.ref_adv_router != rd32(copy + 28))
			abort();
		if (walk_prefixes(&c, 32, c.u.intra_prefix.nprefixes) != len)
			abort();
		break;
	default:                /* unknown: no body, no prefixes */
		if (lsa6_prefix_next(&c, &pc, &pf))
			abort();
		break;
	}
	free(copy);
}

static void check_lsa_mode(const uint8_t *buf, size_t n)
{
	struct lsa6 l;
	enum ospf6_status st = lsa6_decode(buf, n, &l);

	if ((unsigned)st >= OSPF6_STATUS_MAX || st == OSPF6_BAD_CHECKSUM ||
	    strcmp(ospf6_status_name(st), "unknown") == 0)
		abort();
	if (st != OSPF6_OK)
		return;
	if (l.raw != buf || l.h.length > n)
		abort();
	check_lsa(&l);
}

/* All accessors over an accepted packet whose buffer is exactly its
 * declared length. */
static void walk_packet(const struct ospf6_pkt *p)
{
	struct lsa6 l, prev;
	struct lsa6_hdr h;
	struct lsa6_key k;
	size_t off = 0, start, total = 0;
	unsigned i, n = 0, have_prev = 0;
	enum ospf6_status st;

	switch (p->h.type) {
	case OSPF6_HELLO:
		if (p->h.length < 36 || p->nneighbors != (p->h.length - 36u) / 4 ||
		    (p->h.length - 36u) % 4 != 0 || p->nlsa != 0)
			abort();
		for (i = 0; i < p->nneighbors; i++)
			if (ospf6_hello_neighbor(p, i) != rd32(p->raw + 36 + 4 * i))
				abort();
		if (p->hello_options > 0xffffff)
			abort();
		sink += p->iface_id + p->dr + p->bdr + p->hello_interval +
		    p->hello_options + p->priority + p->dead_interval;
		break;
	case OSPF6_DD:
	case OSPF6_LSACK:
		start = p->h.type == OSPF6_DD ? 28 : 16;
		while ((st = ospf6_lsahdr_next(p, &off, &h)) == OSPF6_OK) {
			check_hdr(&h);
			if (++n > p->nlsa)
				abort();
		}
		if (st != OSPF6_TRUNC || n != p->nlsa || off != p->h.length - start)
			abort();
		if (p->dd_options > 0xffffff)
			abort();
		sink += p->dd_mtu + p->dd_options + p->dd_flags + p->dd_seq;
		break;
	case OSPF6_LSR:
		if ((p->h.length - 16u) % 12 != 0 || p->nlsa != (p->h.length - 16u) / 12)
			abort();
		for (i = 0; i < p->nlsa; i++) {
			ospf6_lsr_entry(p, i, &k);
			if (k.type != rd16(p->raw + 16 + 12 * i + 2) ||
			    k.ls_id != rd32(p->raw + 16 + 12 * i + 4) ||
			    k.adv_router != rd32(p->raw + 16 + 12 * i + 8))
				abort();
		}
		break;
	case OSPF6_LSU:
		while ((st = ospf6_lsu_next(p, &off, &l)) == OSPF6_OK) {
			if (++n > p->nlsa)
				abort();
			if (l.raw < p->raw + 20 ||
			    l.raw + l.h.length > p->raw + p->h.length)
				abort();
			total += l.h.length;
			check_lsa(&l);
			if (have_prev &&
			    sign(lsa6_compare(&l.h, &prev.h)) != -sign(lsa6_compare(&prev.h, &l.h)))
				abort();
			prev = l;
			have_prev = 1;
		}
		if (st != OSPF6_TRUNC || n != p->nlsa || total != p->h.length - 20u ||
		    off != total)
			abort();
		break;
	default:
		abort();
	}
}

/* The packet checksum on an accepted packet in an exact-size buffer of its
 * declared length (no trailer: one way to verify). */
static void check_checksum(const struct ospf6_pkt *p, uint8_t *exact)
{
	unsigned want = pkt_cksum(exact, p->h.length);
	struct ospf6_pkt q;
	size_t bit;

	if (ospf6_checksum(src_addr, dst_addr, exact, p->h.length) != want)
		abort();
	/* verified iff the field holds that value, or the other one's
	 * complement zero when the value is a zero */
	if ((ospf6_checksum_verify(p, src_addr, dst_addr) == OSPF6_OK) !=
	    (p->h.checksum == want || (p->h.checksum == 0xffff && want == 0) ||
	     (p->h.checksum == 0 && want == 0xffff)))
		abort();
	/* given that checksum it verifies; any one bit flipped, it does not
	 * (but for the length field's bits, which change what is summed) */
	wr16(exact + 12, want);
	if (ospf6_decode(exact, p->h.length, &q) != OSPF6_OK ||
	    ospf6_checksum_verify(&q, src_addr, dst_addr) != OSPF6_OK)
		abort();
	bit = (size_t)(p->h.checksum ^ p->h.router_id) % (p->h.length * 8u);
	if (bit / 8 == 2 || bit / 8 == 3)
		bit += 16;
	exact[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	if (ospf6_decode(exact, p->h.length, &q) == OSPF6_OK &&
	    ospf6_checksum_verify(&q, src_addr, dst_addr) != OSPF6_BAD_CHECKSUM)
		abort();
	exact[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	wr16(exact + 12, p->h.checksum);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ospf6_pkt p, q;
	enum ospf6_status st;
	uint8_t *buf, *orig, *exact;
	unsigned mode;
	size_t n;

	if (size < 1)
		return 0;
	mode = data[0];
	n = size - 1;
	buf = dup_exact(data + 1, n);
	fix_up(buf, n, mode);
	orig = dup_exact(buf, n);

	if (mode & MODE_LSA) {
		check_lsa_mode(buf, n);
		goto out;
	}

	st = ospf6_decode(buf, n, &p);
	if ((unsigned)st >= OSPF6_STATUS_MAX || st == OSPF6_BAD_CHECKSUM ||
	    strcmp(ospf6_status_name(st), "unknown") == 0)
		abort();
	if (st != OSPF6_OK)
		goto out;

	if (p.raw != buf || p.h.length < OSPF6_HDR_LEN || p.h.length > n ||
	    p.h.version != OSPF6_VERSION || p.h.type < 1 || p.h.type > 5 ||
	    p.trailer_len != n - p.h.length)
		abort();
	if ((mode & MODE_FIX_PKT) && ospf6_checksum_verify(&p, src_addr, dst_addr) != OSPF6_OK)
		abort();

	/* the same packet, without the bytes past its declared length */
	exact = dup_exact(buf, p.h.length);
	if (ospf6_decode(exact, p.h.length, &q) != OSPF6_OK)
		abort();
	if (q.raw != exact || !pkt_hdr_eq(&q.h, &p.h) || q.trailer_len != 0 ||
	    q.nlsa != p.nlsa || q.nneighbors != p.nneighbors ||
	    q.iface_id != p.iface_id || q.hello_options != p.hello_options ||
	    q.dr != p.dr || q.bdr != p.bdr || q.dd_seq != p.dd_seq ||
	    q.dd_options != p.dd_options || q.dd_mtu != p.dd_mtu)
		abort();
	walk_packet(&q);
	check_checksum(&q, exact);
	free(exact);

out:
	if (memcmp(buf, orig, n) != 0)
		abort();
	free(orig);
	free(buf);
	(void)sink;
	return 0;
}
