/*
 * OSPFv2 cryptographic authentication digests (ospfauth.h): keyed MD5 (RFC
 * 2328 D.4.3) and HMAC-SHA with Apad (RFC 5709 3.3), over nettle's hashes.
 * Pure: the caller's bytes are read, never written; nothing is kept.
 */
#include <string.h>

#include <nettle/hmac.h>
#include <nettle/md5.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>

#include "ospfauth.h"

#define APAD_WORD 0x878fe1f3u       /* RFC 5709 3.3 */

static const char *const alg_names[OSPF_AUTH_ALG_MAX] = {
	"md5", "hmac-sha-1", "hmac-sha-256", "hmac-sha-384", "hmac-sha-512",
};

static const size_t alg_len[OSPF_AUTH_ALG_MAX] = {
	MD5_DIGEST_SIZE, SHA1_DIGEST_SIZE, SHA256_DIGEST_SIZE, SHA384_DIGEST_SIZE,
	SHA512_DIGEST_SIZE,
};

const char *ospf_auth_alg_name(enum ospf_auth_alg a)
{
	return (unsigned)a < OSPF_AUTH_ALG_MAX ? alg_names[a] : "?";
}

enum ospf_auth_alg ospf_auth_alg_parse(const char *name)
{
	for (unsigned a = 0; a < OSPF_AUTH_ALG_MAX; a++)
		if (strcmp(name, alg_names[a]) == 0)
			return (enum ospf_auth_alg)a;
	return OSPF_AUTH_ALG_MAX;
}

size_t ospf_auth_digest_len(enum ospf_auth_alg a)
{
	return (unsigned)a < OSPF_AUTH_ALG_MAX ? alg_len[a] : 0;
}

/* H(data) for the SHA of an HMAC algorithm: RFC 5709's Ks for a key longer
 * than the digest.  Cost: O(len). */
static void sha_of(enum ospf_auth_alg a, const uint8_t *data, size_t len, uint8_t *out)
{
	switch (a) {
	case OSPF_AUTH_HMAC_SHA1: {
		struct sha1_ctx c;
		sha1_init(&c);
		sha1_update(&c, len, data);
		sha1_digest(&c, SHA1_DIGEST_SIZE, out);
		break;
	}
	case OSPF_AUTH_HMAC_SHA256: {
		struct sha256_ctx c;
		sha256_init(&c);
		sha256_update(&c, len, data);
		sha256_digest(&c, SHA256_DIGEST_SIZE, out);
		break;
	}
	case OSPF_AUTH_HMAC_SHA384: {
		struct sha384_ctx c;
		sha384_init(&c);
		sha384_update(&c, len, data);
		sha384_digest(&c, SHA384_DIGEST_SIZE, out);
		break;
	}
	default: {                       /* OSPF_AUTH_HMAC_SHA512 */
		struct sha512_ctx c;
		sha512_init(&c);
		sha512_update(&c, len, data);
		sha512_digest(&c, SHA512_DIGEST_SIZE, out);
		break;
	}
	}
}

/*
 * RFC 5709 3.3: Ks is the key, or H(key) when the key is longer than the
 * digest (L octets); zero-padding Ks to L and then to the block size is what
 * HMAC does with a short key anyway, so Ks goes to HMAC as it is.  The text
 * is the packet followed by Apad (L octets of 0x878FE1F3 repeated).
 */
static void rfc5709_digest(enum ospf_auth_alg a, const uint8_t *key, size_t keylen,
                        const uint8_t *pkt, size_t length, uint8_t *out)
{
	uint8_t ks[OSPF_AUTH_MAX_DIGEST], apad[OSPF_AUTH_MAX_DIGEST];
	size_t l = alg_len[a];

	if (keylen > l) {
		sha_of(a, key, keylen, ks);
		key = ks;
		keylen = l;
	}
	for (size_t i = 0; i < l; i += 4) {
		apad[i] = (uint8_t)(APAD_WORD >> 24);
		apad[i + 1] = (uint8_t)(APAD_WORD >> 16);
		apad[i + 2] = (uint8_t)(APAD_WORD >> 8);
		apad[i + 3] = (uint8_t)APAD_WORD;
	}
	switch (a) {
	case OSPF_AUTH_HMAC_SHA1: {
		struct hmac_sha1_ctx c;
		hmac_sha1_set_key(&c, keylen, key);
		hmac_sha1_update(&c, length, pkt);
		hmac_sha1_update(&c, l, apad);
		hmac_sha1_digest(&c, l, out);
		break;
	}
	case OSPF_AUTH_HMAC_SHA256: {
		struct hmac_sha256_ctx c;
		hmac_sha256_set_key(&c, keylen, key);
		hmac_sha256_update(&c, length, pkt);
		hmac_sha256_update(&c, l, apad);
		hmac_sha256_digest(&c, l, out);
		break;
	}
	case OSPF_AUTH_HMAC_SHA384: {
		struct hmac_sha384_ctx c;
		hmac_sha384_set_key(&c, keylen, key);
		hmac_sha384_update(&c, length, pkt);
		hmac_sha384_update(&c, l, apad);
		hmac_sha384_digest(&c, l, out);
		break;
	}
	default: {                       /* OSPF_AUTH_HMAC_SHA512 */
		struct hmac_sha512_ctx c;
		hmac_sha512_set_key(&c, keylen, key);
		hmac_sha512_update(&c, length, pkt);
		hmac_sha512_update(&c, l, apad);
		hmac_sha512_digest(&c, l, out);
		break;
	}
	}
}

bool ospf_auth_digest(enum ospf_auth_alg a, const uint8_t *key, size_t keylen,
                      const uint8_t *pkt, size_t length, uint8_t *out)
{
	if ((unsigned)a >= OSPF_AUTH_ALG_MAX || keylen == 0 || keylen > OSPF_AUTH_MAX_KEY ||
	    (a == OSPF_AUTH_MD5 && keylen > OSPF_AUTH_MD5_KEY))
		return false;
	if (a == OSPF_AUTH_MD5) {
		uint8_t k16[OSPF_AUTH_MD5_KEY] = { 0 };
		struct md5_ctx c;

		memcpy(k16, key, keylen);
		md5_init(&c);
		md5_update(&c, length, pkt);
		md5_update(&c, sizeof(k16), k16);
		md5_digest(&c, MD5_DIGEST_SIZE, out);
		return true;
	}
	rfc5709_digest(a, key, keylen, pkt, length, out);
	return true;
}

/* Equal, in a time that does not depend on where they differ. */
static bool same(const uint8_t *x, const uint8_t *y, size_t n)
{
	uint8_t d = 0;

	for (size_t i = 0; i < n; i++)
		d |= (uint8_t)(x[i] ^ y[i]);
	return d == 0;
}

enum ospf_status ospf_auth_verify(const struct ospf_pkt *p, size_t len, enum ospf_auth_alg a,
                                  const uint8_t *key, size_t keylen)
{
	uint8_t want[OSPF_AUTH_MAX_DIGEST];
	size_t l = ospf_auth_digest_len(a), length = p->h.length;

	if (l == 0 || p->h.auth_len != l || length > len || len - length < l)
		return OSPF_AUTH_BAD_LENGTH;
	if (!ospf_auth_digest(a, key, keylen, p->raw, length, want))
		return OSPF_AUTH_BAD_DIGEST;
	return same(want, p->raw + length, l) ? OSPF_OK : OSPF_AUTH_BAD_DIGEST;
}
