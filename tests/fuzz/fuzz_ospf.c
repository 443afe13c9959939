/*
 * libFuzzer target for the OSPFv2 decoder (lib/ospf.c).
 *
 * Input format: byte 0 holds mode bits, the rest is an OSPF packet (the IP
 * payload), or with MODE_LSA a single LSA.  Random mutations nearly always
 * break the packet checksum and the LSAs' Fletcher checksums, which would
 * keep the fuzzer out of the body decoders, so the harness can repair them
 * before decoding:
 *   MODE_FIX_LSA   recompute the checksum of every LSA it can find (the LSAs
 *                  of an LSU, walked by their length fields; or the LSA)
 *   MODE_FIX_PKT   recompute the packet checksum over the declared length
 *   MODE_LSA       call lsa_decode instead of ospf_decode
 *   MODE_FIX_LEN   set the declared packet length to the bytes present
 * The input is copied to a heap buffer of exactly its size first.
 *
 * Invariants checked on success (abort() on violation): the decoder did not
 * write its input; decoding the declared length alone in an exact-size copy
 * gives the same result, and every accessor then runs on that copy (so the
 * sanitizer catches a read past raw + length); counts agree with what the
 * iterators yield; every LSA of an LSU decodes again on its own, in its own
 * exact-size buffer, and its checksum verifies and recomputes to the field
 * (octet-wise modulo 255); lsa_compare is reflexive and antisymmetric.
 * Cryptographic authentication (lib/ospfauth.c): a packet with AuType 2 is
 * checked against an MD5 key and an HMAC-SHA-256 key (any status but ok,
 * bad-length, bad-digest is a bug; so is a read past the input); then the
 * packet is signed with each algorithm into an exact-size buffer and must
 * verify, and fail with one digest bit flipped.
 *
 * Build: clang -g -O1 -std=c11 -D_GNU_SOURCE
 *        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
 *        -Ilib tests/fuzz/fuzz_ospf.c lib/ospf.c lib/ospfauth.c -lnettle
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ospf.h"
#include "ospfauth.h"

#define MODE_FIX_LSA 0x01
#define MODE_FIX_PKT 0x02
#define MODE_LSA     0x04
#define MODE_FIX_LEN 0x08

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile unsigned sink;

static unsigned rd16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
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

/* The harness's own Internet checksum over b[0..n), auth field and
 * checksum field skipped. */
static unsigned pkt_cksum(const uint8_t *b, size_t n)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (i == 12 || i == 13 || (i >= 16 && i < 24))
			continue;
		sum += i % 2 ? b[i] : (uint32_t)b[i] << 8;
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

static void fix_lsa(uint8_t *b, size_t avail)
{
	size_t l;

	if (avail < LSA_HDR_LEN)
		return;
	l = rd16(b + 18);
	if (l >= LSA_HDR_LEN && l <= avail)
		wr16(b + 16, lsa_checksum(b, l));
}

static void fix_up(uint8_t *b, size_t n, unsigned mode)
{
	size_t plen, off, l;

	if (mode & MODE_LSA) {
		if (mode & MODE_FIX_LSA)
			fix_lsa(b, n);
		return;
	}
	if (n < OSPF_HDR_LEN)
		return;
	if (mode & MODE_FIX_LEN)
		wr16(b + 2, n > 0xffff ? 0xffff : (unsigned)n);
	plen = rd16(b + 2);
	if (plen > n)
		plen = n;
	if ((mode & MODE_FIX_LSA) && b[1] == OSPF_LSU) {
		for (off = 28; off + LSA_HDR_LEN <= plen; off += l) {
			l = rd16(b + off + 18);
			if (l < LSA_HDR_LEN || l > plen - off)
				break;
			fix_lsa(b + off, l);
		}
	}
	if ((mode & MODE_FIX_PKT) && plen >= OSPF_HDR_LEN)
		wr16(b + 12, pkt_cksum(b, plen));
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

/* Field by field: struct padding is not ours to compare. */
static int hdr_eq(const struct lsa_hdr *a, const struct lsa_hdr *b)
{
	return a->age == b->age && a->do_not_age == b->do_not_age &&
	    a->options == b->options && a->type == b->type &&
	    a->ls_id == b->ls_id && a->adv_router == b->adv_router &&
	    a->seq == b->seq && a->checksum == b->checksum &&
	    a->length == b->length;
}

static int pkt_hdr_eq(const struct ospf_hdr *a, const struct ospf_hdr *b)
{
	return a->version == b->version && a->type == b->type &&
	    a->length == b->length && a->router_id == b->router_id &&
	    a->area_id == b->area_id && a->checksum == b->checksum &&
	    a->autype == b->autype && a->key_id == b->key_id &&
	    a->auth_len == b->auth_len && a->crypto_seq == b->crypto_seq;
}

static void check_hdr(const struct lsa_hdr *h)
{
	if (h->length < LSA_HDR_LEN || h->age > 0x7fff)
		abort();
	if (lsa_compare(h, h) != 0)
		abort();
}

/* A decoded LSA at l->raw[0..l->h.length): check, then decode it again in
 * its own exact-size buffer and run every accessor there. */
static void check_lsa(const struct lsa *l)
{
	struct lsa c;
	struct lsa_router_link rl;
	uint8_t *copy;
	uint16_t ck;
	size_t off;
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

	copy = dup_exact(l->raw, l->h.length);
	if (lsa_decode(copy, l->h.length, &c) != OSPF_OK)
		abort();
	if (c.raw != copy || !hdr_eq(&c.h, &l->h))
		abort();
	switch (c.h.type) {
	case LSA_ROUTER:
		if (c.u.router.nlinks != l->u.router.nlinks ||
		    c.u.router.flags != l->u.router.flags)
			abort();
		/* the harness's own walk: links must fill the body exactly */
		off = 24;
		for (i = 0; i < c.u.router.nlinks; i++) {
			if (off + 12 > c.h.length)
				abort();
			off += 12 + (size_t)copy[off + 9] * 4;
		}
		if (off != c.h.length)
			abort();
		/* the cursor reads the links the harness's walk finds, in order;
		 * random access agrees with it (first and last: O(n) in all) */
		{
			struct lsa_link_cursor cu = { 0 };
			struct lsa_router_link first = { 0 }, last = { 0 };
			off = 24;
			for (i = 0; lsa_router_link_next(&c, &cu, &rl); i++) {
				if (i >= c.u.router.nlinks || rl.type != copy[off + 8] ||
				    rl.metric != (uint16_t)(copy[off + 10] << 8 | copy[off + 11]) ||
				    rl.id != ((uint32_t)copy[off] << 24 | (uint32_t)copy[off + 1] << 16 |
				              (uint32_t)copy[off + 2] << 8 | copy[off + 3]))
					abort();
				if (i == 0)
					first = rl;
				last = rl;
				off += 12 + (size_t)copy[off + 9] * 4;
				sink += rl.id + rl.data + rl.type + rl.metric;
			}
			if (i != c.u.router.nlinks || off != c.h.length)
				abort();
			if (i > 0) {
				lsa_router_link(&c, 0, &rl);
				if (memcmp(&rl, &first, sizeof(rl)) != 0)
					abort();
				lsa_router_link(&c, i - 1, &rl);
				if (memcmp(&rl, &last, sizeof(rl)) != 0)
					abort();
			}
		}
		break;
	case LSA_NETWORK:
		if (c.u.network.nrouters == 0 ||
		    c.u.network.nrouters != (c.h.length - 24) / 4 ||
		    (c.h.length - 24) % 4 != 0)
			abort();
		for (i = 0; i < c.u.network.nrouters; i++)
			sink += lsa_network_router(&c, i);
		sink += c.u.network.mask;
		break;
	case LSA_SUMMARY:
	case LSA_ASBR_SUMMARY:
		if (c.h.length < 28 || c.u.summary.metric > OSPF_LS_INFINITY ||
		    c.u.summary.metric != l->u.summary.metric)
			abort();
		break;
	case LSA_EXTERNAL:
	case LSA_NSSA:
		if (c.h.length < 36 || (c.h.length - 24) % 12 != 0 ||
		    c.u.external.metric > OSPF_LS_INFINITY)
			abort();
		if (c.u.external.p && c.h.type != LSA_NSSA)
			abort();
		if (c.u.external.mask != l->u.external.mask ||
		    c.u.external.metric != l->u.external.metric ||
		    c.u.external.fwd != l->u.external.fwd ||
		    c.u.external.tag != l->u.external.tag ||
		    c.u.external.e2 != l->u.external.e2 ||
		    c.u.external.p != l->u.external.p)
			abort();
		break;
	case LSA_OPAQUE_LINK:
	case LSA_OPAQUE_AREA:
	case LSA_OPAQUE_AS:
		break;
	default:
		abort();
	}
	free(copy);
}

static void check_lsa_mode(const uint8_t *buf, size_t n)
{
	struct lsa l;
	enum ospf_status st = lsa_decode(buf, n, &l);

	if ((unsigned)st >= OSPF_STATUS_MAX)
		abort();
	if (st != OSPF_OK)
		return;
	if (l.raw != buf || l.h.length > n)
		abort();
	check_lsa(&l);
}

/* All accessors over an accepted packet whose buffer is exactly its
 * declared length. */
static void walk_packet(const struct ospf_pkt *p)
{
	struct lsa l, prev;
	struct lsa_hdr h;
	size_t off = 0, start, total = 0;
	unsigned i, n = 0, have_prev = 0;
	enum ospf_status st;

	switch (p->h.type) {
	case OSPF_HELLO:
		if (p->h.length < 44 || p->nneighbors != (p->h.length - 44u) / 4)
			abort();
		for (i = 0; i < p->nneighbors; i++)
			sink += ospf_hello_neighbor(p, i);
		sink += p->hello_mask + p->dr + p->bdr + p->hello_interval +
		    p->hello_options + p->priority + p->dead_interval;
		if (p->nlsa != 0)
			abort();
		break;
	case OSPF_DD:
	case OSPF_LSACK:
		start = p->h.type == OSPF_DD ? 32 : 24;
		while ((st = ospf_lsahdr_next(p, &off, &h)) == OSPF_OK) {
			check_hdr(&h);
			if (++n > p->nlsa)
				abort();
		}
		if (st != OSPF_TRUNC || n != p->nlsa || off != p->h.length - start)
			abort();
		sink += p->dd_mtu + p->dd_options + p->dd_flags + p->dd_seq;
		break;
	case OSPF_LSR:
		if (p->nlsa != 0 || (p->h.length - 24) % 12 != 0)
			abort();
		break;
	case OSPF_LSU:
		while ((st = ospf_lsu_next(p, &off, &l)) == OSPF_OK) {
			if (++n > p->nlsa)
				abort();
			if (l.raw < p->raw + 28 ||
			    l.raw + l.h.length > p->raw + p->h.length)
				abort();
			total += l.h.length;
			check_lsa(&l);
			if (have_prev &&
			    sign(lsa_compare(&l.h, &prev.h)) != -sign(lsa_compare(&prev.h, &l.h)))
				abort();
			prev = l;
			have_prev = 1;
		}
		if (st != OSPF_TRUNC || n != p->nlsa || total != p->h.length - 28u ||
		    off != total)
			abort();
		break;
	default:
		abort();
	}
}

/* The digest checks on a packet ospf_decode accepted from buf[0..n). */
static void check_auth(const struct ospf_pkt *p, const uint8_t *buf, size_t n)
{
	static const uint8_t key[] = "fuzz-key";
	size_t length = p->h.length;
	enum ospf_status st;

	if (p->h.autype == OSPF_AUTH_CRYPTO) {
		st = ospf_auth_verify(p, n, OSPF_AUTH_MD5, key, 8);
		if (st != OSPF_OK && st != OSPF_AUTH_BAD_LENGTH && st != OSPF_AUTH_BAD_DIGEST)
			abort();
		st = ospf_auth_verify(p, n, OSPF_AUTH_HMAC_SHA256, key, 8);
		if (st != OSPF_OK && st != OSPF_AUTH_BAD_LENGTH && st != OSPF_AUTH_BAD_DIGEST)
			abort();
	}
	/* sign a copy with each algorithm: it verifies; a flipped bit does not */
	for (unsigned a = 0; a < OSPF_AUTH_ALG_MAX; a++) {
		size_t l = ospf_auth_digest_len((enum ospf_auth_alg)a);
		uint8_t *c = malloc(length + l);
		struct ospf_pkt q;

		if (c == NULL)
			abort();
		memcpy(c, buf, length);
		wr16(c + 14, OSPF_AUTH_CRYPTO);
		c[19] = (uint8_t)l;
		if (!ospf_auth_digest((enum ospf_auth_alg)a, key, 8, c, length, c + length))
			abort();
		if (ospf_decode(c, length + l, &q) != OSPF_OK ||
		    ospf_auth_verify(&q, length + l, (enum ospf_auth_alg)a, key, 8) != OSPF_OK)
			abort();
		c[length + l - 1] ^= 1;
		if (ospf_auth_verify(&q, length + l, (enum ospf_auth_alg)a, key, 8) != OSPF_AUTH_BAD_DIGEST)
			abort();
		if (ospf_auth_verify(&q, length + l - 1, (enum ospf_auth_alg)a, key, 8) !=
		    OSPF_AUTH_BAD_LENGTH)
			abort();
		free(c);
	}
	(void)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ospf_pkt p, q;
	enum ospf_status st;
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

	st = ospf_decode(buf, n, &p);
	if ((unsigned)st >= OSPF_STATUS_MAX)
		abort();
	if (strcmp(ospf_status_name(st), "unknown") == 0)
		abort();
	if (st != OSPF_OK)
		goto out;

	if (p.raw != buf || p.h.length < OSPF_HDR_LEN || p.h.length > n ||
	    p.h.version != OSPF_VERSION || p.h.type < 1 || p.h.type > 5)
		abort();
	if (p.h.autype != OSPF_AUTH_CRYPTO &&
	    (p.h.key_id | p.h.auth_len | p.h.crypto_seq) != 0)
		abort();

	/* the same packet, without the bytes past its declared length */
	exact = dup_exact(buf, p.h.length);
	if (ospf_decode(exact, p.h.length, &q) != OSPF_OK)
		abort();
	if (q.raw != exact || !pkt_hdr_eq(&q.h, &p.h) ||
	    q.nlsa != p.nlsa || q.nneighbors != p.nneighbors ||
	    q.dd_seq != p.dd_seq || q.dr != p.dr)
		abort();
	walk_packet(&q);
	free(exact);
	check_auth(&p, buf, n);

out:
	if (memcmp(buf, orig, n) != 0)
		abort();
	free(orig);
	free(buf);
	(void)sink;
	return 0;
}
