/*
 * OSPFv2 wire formats (RFC 2328 appendix A; NSSA RFC 3101; opaque RFC 5250),
 * decoded by pure functions: no sockets, clocks, logging or allocation.
 * Fixed parts become host-order structs; variable parts (router links,
 * attached routers, LSAs in an update, LSA headers in DD/LSAck) are read
 * through accessors over the caller's buffer, after the decoder has checked
 * every length once.  Addresses and router ids are host-order uint32.
 */
#ifndef ANEMONE_OSPF_H
#define ANEMONE_OSPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OSPF_VERSION        2
#define OSPF_HDR_LEN        24
#define LSA_HDR_LEN         20
#define OSPF_MAX_AGE        3600      /* seconds */
#define OSPF_MAX_AGE_DIFF   900
#define OSPF_LS_REFRESH     1800
#define OSPF_INITIAL_SEQ    ((int32_t)0x80000001)
#define OSPF_MAX_SEQ        ((int32_t)0x7fffffff)
#define OSPF_LS_INFINITY    0xffffffu /* 24-bit metric meaning unreachable */

enum ospf_pkt_type {
	OSPF_HELLO = 1, OSPF_DD = 2, OSPF_LSR = 3, OSPF_LSU = 4, OSPF_LSACK = 5,
};

enum ospf_autype { OSPF_AUTH_NULL = 0, OSPF_AUTH_SIMPLE = 1, OSPF_AUTH_CRYPTO = 2 };

enum lsa_type {
	LSA_ROUTER = 1, LSA_NETWORK = 2, LSA_SUMMARY = 3, LSA_ASBR_SUMMARY = 4,
	LSA_EXTERNAL = 5, LSA_NSSA = 7,
	LSA_OPAQUE_LINK = 9, LSA_OPAQUE_AREA = 10, LSA_OPAQUE_AS = 11,
};

/* Router-LSA link types (RFC 2328 A.4.2). */
enum lsa_link_type { LINK_P2P = 1, LINK_TRANSIT = 2, LINK_STUB = 3, LINK_VIRTUAL = 4 };

/* Options (RFC 2328 A.2, RFC 3101 2.2). */
#define OSPF_OPT_E    0x02    /* AS-external-LSAs flooded: not a stub area/NSSA */
#define OSPF_OPT_NP   0x08    /* N in Hellos, P (propagate) in type-7 LSAs */

/* Router-LSA flags. */
#define LSA_ROUTER_B  0x01    /* area border router */
#define LSA_ROUTER_E  0x02    /* AS boundary router */
#define LSA_ROUTER_V  0x04    /* virtual link endpoint */
#define LSA_ROUTER_NT 0x10    /* NSSA translator (RFC 3101) */

/* Results.  OSPF_OK is the only success; the rest are drop reasons. */
enum ospf_status {
	OSPF_OK = 0,
	OSPF_TRUNC,            /* fewer bytes than a header or a declared length */
	OSPF_BAD_VERSION,
	OSPF_BAD_TYPE,         /* packet type outside 1..5 */
	OSPF_BAD_LENGTH,       /* declared length below the minimum or not a
	                          multiple the format requires */
	OSPF_BAD_CHECKSUM,     /* packet checksum (null/simple authentication) */
	OSPF_BAD_LSA_LENGTH,   /* LSA length below 20, beyond the packet, or
	                          inconsistent with its body */
	OSPF_BAD_LSA_CHECKSUM, /* Fletcher checksum of an LSA */
	OSPF_BAD_LSA_TYPE,     /* LSA type the decoder does not know */
	OSPF_BAD_LSA_AGE,      /* age above MaxAge */
	/* Cryptographic authentication (ospfauth.h, and its user's policy). */
	OSPF_AUTH_BAD_LENGTH,  /* auth length not the key's digest length, or
	                          the digest not all there */
	OSPF_AUTH_BAD_DIGEST,  /* the digest does not verify */
	OSPF_AUTH_NO_KEY,      /* no key with the packet's key id for its area */
	OSPF_AUTH_MISSING,     /* not cryptographically authenticated, in an
	                          area that has keys */
	OSPF_AUTH_REPLAYED,    /* sequence number below the neighbour's last */
	OSPF_STATUS_MAX
};

const char *ospf_status_name(enum ospf_status st);

struct ospf_hdr {
	uint8_t  version, type;
	uint16_t length;           /* whole packet, header included */
	uint32_t router_id, area_id;
	uint16_t checksum, autype;
	uint8_t  key_id, auth_len; /* cryptographic authentication */
	uint32_t crypto_seq;
};

struct lsa_hdr {
	uint16_t age;              /* seconds; DoNotAge bit cleared */
	bool     do_not_age;
	bool     v3;               /* an OSPFv3 LSA (ospf6.h): type is its 16-bit
	                              LS type, options 0; its body is read from
	                              raw by lsa6_decode.  Never set by this
	                              file's decoders. */
	uint8_t  options;
	uint16_t type;             /* OSPFv2: 1..11; OSPFv3: the LS type */
	uint32_t ls_id, adv_router;
	int32_t  seq;
	uint16_t checksum, length;
};

/* A checked LSA: the header, the type's fixed fields, and the raw bytes
 * (inside the caller's buffer) for the accessors. */
struct lsa {
	struct lsa_hdr h;
	const uint8_t *raw;        /* h.length bytes, header included */
	union {
		struct { uint8_t flags; uint16_t nlinks; } router;
		struct { uint32_t mask; uint16_t nrouters; } network;
		struct { uint32_t mask; uint32_t metric; } summary;   /* types 3 and 4 */
		struct {                                              /* types 5 and 7 */
			uint32_t mask, metric, fwd, tag;
			bool e2;           /* type 2 metric */
			bool p;            /* NSSA propagate bit (options P) */
		} external;
	} u;
};

struct lsa_router_link {
	uint32_t id, data;         /* meaning depends on type (RFC 2328 A.4.2) */
	uint8_t  type;             /* enum lsa_link_type */
	uint16_t metric;           /* TOS 0 */
};

/* A checked OSPF packet. */
struct ospf_pkt {
	struct ospf_hdr h;
	const uint8_t *raw;        /* h.length bytes */
	unsigned nlsa;             /* LSU: LSAs; DD/LSAck: LSA headers; else 0 */
	/* Hello */
	uint32_t hello_mask, dr, bdr;
	uint16_t hello_interval;
	uint8_t  hello_options, priority;
	uint32_t dead_interval;
	unsigned nneighbors;
	/* DD */
	uint16_t dd_mtu;
	uint8_t  dd_options, dd_flags;
	uint32_t dd_seq;
};

/*
 * Check and decode the OSPF packet in buf[0..len) (the IP payload).  Verifies
 * version, type, declared length, the packet checksum (unless authentication
 * is cryptographic), and for LSU/DD/LSAck every contained LSA or LSA header:
 * lengths, and for LSU each LSA's Fletcher checksum and type-specific body.
 * Cost: O(len).
 */
enum ospf_status ospf_decode(const uint8_t *buf, size_t len, struct ospf_pkt *p);

/* The i-th Hello neighbor (i < p->nneighbors). */
uint32_t ospf_hello_neighbor(const struct ospf_pkt *p, unsigned i);

/* LSU: decode the LSA at *off (start with *off = 0) and advance.  Returns
 * OSPF_OK, or OSPF_TRUNC when there are no more (OSPF_BAD_TYPE if the
 * packet is not an LSU).  Only valid on a packet ospf_decode accepted. */
enum ospf_status ospf_lsu_next(const struct ospf_pkt *p, size_t *off, struct lsa *out);

/* DD/LSAck: the LSA header at *off (start at 0), then advance.  OSPF_TRUNC
 * when there are no more (OSPF_BAD_TYPE on other packet types). */
enum ospf_status ospf_lsahdr_next(const struct ospf_pkt *p, size_t *off, struct lsa_hdr *out);

/* Check and decode one LSA in buf[0..len): header, length, Fletcher checksum,
 * body for known types (opaque types are accepted with no body decoded). */
enum ospf_status lsa_decode(const uint8_t *buf, size_t len, struct lsa *out);

/* Decode the 20-byte LSA header at buf (len >= LSA_HDR_LEN). */
void lsa_hdr_decode(const uint8_t *buf, struct lsa_hdr *out);

/* Accessors over a decoded LSA.  An index at or past nlinks / nrouters (or
 * an LSA of the wrong type) is a caller bug and aborts; so does an index
 * at or past nneighbors in ospf_hello_neighbor. */
void lsa_router_link(const struct lsa *l, unsigned i, struct lsa_router_link *out);

/* Walking a router-LSA's links in order: zero a cursor, then each call
 * fills *out with the next link and returns true, or false when there are
 * no more.  O(1) a link (lsa_router_link is O(i): it walks the i before). */
struct lsa_link_cursor {
	unsigned i;                /* links read so far */
	size_t off;                /* of the next link from the LSA's start; 0: not started */
};
bool lsa_router_link_next(const struct lsa *l, struct lsa_link_cursor *c,
                          struct lsa_router_link *out);
uint32_t lsa_network_router(const struct lsa *l, unsigned i);

/* Fletcher checksum of an LSA as RFC 2328 12.1.7 defines it (over the LSA
 * from the options field on, with the checksum field taken as zero), and
 * its verification. */
uint16_t lsa_checksum(const uint8_t *lsa, size_t len);
bool lsa_checksum_ok(const uint8_t *lsa, size_t len);

/*
 * RFC 2328 13.1: which of two instances of the same LSA is more recent.
 * Returns > 0 if a is newer, < 0 if b is newer, 0 if the same instance.
 */
int lsa_compare(const struct lsa_hdr *a, const struct lsa_hdr *b);

#endif
