/*
 * OSPFv2 cryptographic authentication (AuType 2): computing and checking the
 * digest that follows a packet.  Keyed MD5 as RFC 2328 D.4.3 defines it (the
 * packet, then the key padded with zeros to 16 octets, through MD5), and
 * HMAC-SHA-1/256/384/512 as RFC 5709 3.3 defines it (HMAC over the packet
 * followed by Apad, 0x878FE1F3 repeated to the digest's length, with a key
 * longer than the digest first hashed down to it).  The digest occupies the
 * auth_len octets right after the packet's declared length.
 *
 * Pure functions over the caller's bytes (no state, clock, logging or
 * allocation); the hashes are nettle's.  Comparison of digests takes the same
 * time whatever octet differs.
 */
#ifndef ANEMONE_OSPFAUTH_H
#define ANEMONE_OSPFAUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ospf.h"

enum ospf_auth_alg {
	OSPF_AUTH_MD5 = 0,           /* RFC 2328 D.4.3 */
	OSPF_AUTH_HMAC_SHA1,         /* RFC 5709 */
	OSPF_AUTH_HMAC_SHA256,
	OSPF_AUTH_HMAC_SHA384,
	OSPF_AUTH_HMAC_SHA512,
	OSPF_AUTH_ALG_MAX
};

#define OSPF_AUTH_MAX_DIGEST 64      /* SHA-512 */
#define OSPF_AUTH_MD5_KEY    16      /* MD5 keys are at most 16 octets */
#define OSPF_AUTH_MAX_KEY    255     /* longest key accepted (HMAC) */

/* "md5", "hmac-sha-1", "hmac-sha-256", ... (the configuration's names);
 * ospf_auth_alg_parse returns OSPF_AUTH_ALG_MAX for an unknown name. */
const char *ospf_auth_alg_name(enum ospf_auth_alg a);
enum ospf_auth_alg ospf_auth_alg_parse(const char *name);

/* Octets of the algorithm's digest (16, 20, 32, 48, 64). */
size_t ospf_auth_digest_len(enum ospf_auth_alg a);

/*
 * The digest of the packet pkt[0..length) (header and body as sent: checksum
 * field zero, key id, auth length and sequence number filled in) under key
 * key[0..keylen), into out[0..ospf_auth_digest_len(a)).  False when the key
 * does not suit the algorithm (empty, MD5 longer than 16 octets, any longer
 * than OSPF_AUTH_MAX_KEY).  Cost: O(length).
 */
bool ospf_auth_digest(enum ospf_auth_alg a, const uint8_t *key, size_t keylen,
                      const uint8_t *pkt, size_t length, uint8_t *out);

/*
 * Check the cryptographic authentication of packet p, which ospf_decode
 * accepted from buf[0..len) (the whole IP payload: the digest follows the
 * declared length).  Returns OSPF_OK when the digest verifies under the key;
 * OSPF_AUTH_BAD_LENGTH when the packet's auth length is not the algorithm's
 * digest length or the digest is not all there; OSPF_AUTH_BAD_DIGEST when it
 * does not verify (or the key does not suit the algorithm).  The key id and
 * sequence number are the caller's business.  Cost: O(length).
 */
enum ospf_status ospf_auth_verify(const struct ospf_pkt *p, size_t len, enum ospf_auth_alg a,
                                  const uint8_t *key, size_t keylen);

#endif
