/*
 * OSPFv3 wire formats (RFC 5340 appendix A; authentication trailer RFC 7166),
 * decoded by pure functions: no sockets, clocks, logging or allocation.
 * Fixed parts become host-order structs; variable parts (Hello neighbours,
 * LSR entries, LSAs in an update, LSA headers in DD/LSAck, router-LSA
 * interfaces, network-LSA attached routers, prefixes) are read through
 * accessors and cursors over the caller's buffer, after the decoder has
 * checked every length once.  Router ids, area ids, interface ids and link
 * state ids are host-order uint32; IPv6 addresses and prefixes are 16 octets
 * in network order.
 *
 * What is shared with OSPFv2 (ospf.h) rather than written twice:
 *  - the LSA header keeps the OSPFv2 layout for everything but the type
 *    (age at 0, checksum at 16, length at 18, the Fletcher checksum from
 *    octet 2 on), so lsa_checksum() and lsa_checksum_ok() serve OSPFv3 LSAs
 *    as they are: use them directly;
 *  - "which instance is newer" (RFC 2328 13.1, unchanged by RFC 5340) looks
 *    only at sequence number, checksum and age, so lsa6_compare() hands
 *    those three to lsa_compare().
 *
 * The packet checksum is not the decoder's business: OSPFv3 uses the IPv6
 * upper-layer checksum, which needs the IPv6 source and destination
 * addresses, and a raw socket's kernel may already have verified it.
 * ospf6_checksum_verify() checks it on a decoded packet when the caller has
 * the addresses.
 *
 * Bytes after the declared packet length are not part of the packet: an
 * authentication trailer (RFC 7166; the AT option bit says one follows), an
 * LLS block (RFC 5613; the L bit), or link-layer padding.  The decoder
 * reads only the declared length and never looks at what follows.
 */
#ifndef ANEMONE_OSPF6_H
#define ANEMONE_OSPF6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OSPF6_VERSION       3
#define OSPF6_IPPROTO       89        /* next header value in the pseudo-header */
#define OSPF6_HDR_LEN       16
#define LSA6_HDR_LEN        20        /* = LSA_HDR_LEN of ospf.h */
#define OSPF6_ADDR_LEN      16        /* an IPv6 address */
/* MaxAge, MaxAgeDiff, the sequence number space and LSInfinity are those of
 * OSPFv2: OSPF_MAX_AGE, OSPF_MAX_AGE_DIFF, OSPF_INITIAL_SEQ, OSPF_MAX_SEQ,
 * OSPF_LS_INFINITY in ospf.h. */

enum ospf6_pkt_type {
	OSPF6_HELLO = 1, OSPF6_DD = 2, OSPF6_LSR = 3, OSPF6_LSU = 4, OSPF6_LSACK = 5,
};

/* Options, 24 bits (RFC 5340 A.2; AF RFC 5838, L RFC 5613, AT RFC 7166). */
#define OSPF6_OPT_V6  0x000001u  /* take part in IPv6 routing */
#define OSPF6_OPT_E   0x000002u  /* AS-external-LSAs flooded: not stub/NSSA */
#define OSPF6_OPT_N   0x000008u  /* NSSA */
#define OSPF6_OPT_R   0x000010u  /* an active router (clear: transit forbidden) */
#define OSPF6_OPT_DC  0x000020u  /* demand circuits */
#define OSPF6_OPT_AF  0x000100u  /* address families */
#define OSPF6_OPT_L   0x000200u  /* an LLS block follows the packet */
#define OSPF6_OPT_AT  0x000400u  /* an authentication trailer follows */

/* Database Description flags (A.3.3). */
#define OSPF6_DD_MS   0x01
#define OSPF6_DD_M    0x02
#define OSPF6_DD_I    0x04

/*
 * LS type (A.4.2.1): U bit, flooding scope S2|S1, function code.  The types
 * whose bodies the decoder knows are the full 16-bit values below; any other
 * value (another scope or U bit with a known function code included) is an
 * unknown LSA, accepted with its header, length and checksum checked and no
 * body decoded.
 */
#define LSA6_TYPE_U         0x8000u  /* unknown type: flood as if understood */
#define LSA6_TYPE_SCOPE     0x6000u  /* S2|S1 */
#define LSA6_TYPE_FUNC      0x1fffu  /* function code */

enum lsa6_type {
	LSA6_ROUTER = 0x2001, LSA6_NETWORK = 0x2002,
	LSA6_INTER_PREFIX = 0x2003, LSA6_INTER_ROUTER = 0x2004,
	LSA6_EXTERNAL = 0x4005, LSA6_NSSA = 0x2007,
	LSA6_LINK = 0x0008, LSA6_INTRA_PREFIX = 0x2009,
};

enum lsa6_scope {
	LSA6_SCOPE_LINK = 0, LSA6_SCOPE_AREA = 1, LSA6_SCOPE_AS = 2,
	LSA6_SCOPE_RESERVED = 3,
};

/* Router-LSA flags (A.4.3). */
#define LSA6_ROUTER_B   0x01    /* area border router */
#define LSA6_ROUTER_E   0x02    /* AS boundary router */
#define LSA6_ROUTER_V   0x04    /* virtual link endpoint */
#define LSA6_ROUTER_X   0x08    /* deprecated (was W, wildcard multicast) */
#define LSA6_ROUTER_NT  0x10    /* NSSA translator (RFC 3101) */

/* Router-LSA interface types (A.4.3); 3 is reserved and not refused. */
enum lsa6_iface_type { LINK6_P2P = 1, LINK6_TRANSIT = 2, LINK6_VIRTUAL = 4 };

/* PrefixOptions (A.4.1.1). */
#define LSA6_PREFIX_NU  0x01    /* not to be used for unicast routing */
#define LSA6_PREFIX_LA  0x02    /* an address of the advertising router */
#define LSA6_PREFIX_X   0x04    /* deprecated (was MC) */
#define LSA6_PREFIX_P   0x08    /* NSSA: propagate */
#define LSA6_PREFIX_DN  0x10    /* down bit (RFC 4576) */

/* AS-external-LSA / NSSA-LSA flags (A.4.7). */
#define LSA6_EXT_T      0x01    /* an external route tag is present */
#define LSA6_EXT_F      0x02    /* a forwarding address is present */
#define LSA6_EXT_E      0x04    /* type 2 external metric */

/* Results.  OSPF6_OK is the only success; the rest are drop reasons. */
enum ospf6_status {
	OSPF6_OK = 0,
	OSPF6_TRUNC,            /* fewer bytes than a header or a declared length */
	OSPF6_BAD_VERSION,
	OSPF6_BAD_TYPE,         /* packet type outside 1..5 */
	OSPF6_BAD_LENGTH,       /* declared length below the type's minimum, not
	                           the multiple the format requires, or not what
	                           the LSU's count of LSAs uses up */
	OSPF6_BAD_CHECKSUM,     /* packet checksum (ospf6_checksum_verify only) */
	OSPF6_BAD_LSA_LENGTH,   /* LSA length below 20, beyond the packet, or
	                           inconsistent with its body (counts, flags) */
	OSPF6_BAD_LSA_CHECKSUM, /* Fletcher checksum of an LSA */
	OSPF6_BAD_LSA_AGE,      /* age above MaxAge */
	OSPF6_BAD_PREFIX,       /* a prefix length above 128 */
	OSPF6_STATUS_MAX
};

/* A short lower-case name for a status ("ok", "bad-prefix"); "unknown" for a
 * value outside the enum.  Cost: O(1). */
const char *ospf6_status_name(enum ospf6_status st);

struct ospf6_hdr {
	uint8_t  version, type;
	uint16_t length;            /* the packet, header included; a trailer not */
	uint32_t router_id, area_id;
	uint16_t checksum;
	uint8_t  instance_id;
	uint8_t  reserved;          /* should be 0; not checked */
};

struct lsa6_hdr {
	uint16_t age;               /* seconds; DoNotAge bit cleared */
	bool     do_not_age;
	uint16_t type;              /* enum lsa6_type, or unknown */
	uint32_t ls_id, adv_router;
	int32_t  seq;
	uint16_t checksum, length;
};

/* An IPv6 prefix (A.4.1). */
struct lsa6_prefix {
	uint8_t  len;               /* 0..128 */
	uint8_t  options;           /* LSA6_PREFIX_* */
	uint16_t field;             /* the 16 bits after PrefixOptions: the metric
	                               in an intra-area-prefix-LSA, the referenced
	                               LS type in AS-external/NSSA-LSAs, 0 (reserved)
	                               in inter-area-prefix- and link-LSAs */
	uint8_t  addr[OSPF6_ADDR_LEN];  /* bits past len are zero */
};

/* A checked LSA: the header, the type's fixed fields, and the raw bytes
 * (inside the caller's buffer) for the accessors and cursors. */
struct lsa6 {
	struct lsa6_hdr h;
	const uint8_t *raw;         /* h.length bytes, header included */
	union {
		struct {                /* LSA6_ROUTER */
			uint8_t  flags;     /* LSA6_ROUTER_* */
			uint32_t options;
			uint16_t nifaces;
		} router;
		struct {                /* LSA6_NETWORK */
			uint32_t options;
			uint16_t nrouters;  /* at least 1 */
		} network;
		struct {                /* LSA6_INTER_PREFIX */
			uint32_t metric;    /* 24 bits */
			struct lsa6_prefix prefix;
		} inter_prefix;
		struct {                /* LSA6_INTER_ROUTER */
			uint32_t options, metric;   /* metric: 24 bits */
			uint32_t dest;      /* destination router id */
		} inter_router;
		struct {                /* LSA6_EXTERNAL and LSA6_NSSA */
			uint8_t  flags;     /* LSA6_EXT_* */
			bool     e2;        /* type 2 metric (E) */
			uint32_t metric;    /* 24 bits */
			struct lsa6_prefix prefix;  /* .field: ref_type */
			bool     has_fwd;   /* F */
			uint8_t  fwd[OSPF6_ADDR_LEN];   /* zero unless has_fwd */
			bool     has_tag;   /* T */
			uint32_t tag;       /* 0 unless has_tag */
			uint16_t ref_type;  /* 0: no referenced LSA */
			uint32_t ref_ls_id; /* 0 unless ref_type */
		} external;
		struct {                /* LSA6_LINK */
			uint8_t  priority;
			uint32_t options;
			uint8_t  ll_addr[OSPF6_ADDR_LEN];   /* link-local address */
			uint32_t nprefixes;
		} link;
		struct {                /* LSA6_INTRA_PREFIX */
			uint16_t nprefixes;
			uint16_t ref_type;
			uint32_t ref_ls_id, ref_adv_router;
		} intra_prefix;
	} u;
};

/* A router-LSA interface (A.4.3). */
struct lsa6_iface {
	uint8_t  type;              /* enum lsa6_iface_type */
	uint16_t metric;
	uint32_t iface_id, nbr_iface_id, nbr_router_id;
};

/* An LSR entry, or anything naming one LSA. */
struct lsa6_key {
	uint16_t type;
	uint32_t ls_id, adv_router;
};

/* A checked OSPFv3 packet. */
struct ospf6_pkt {
	struct ospf6_hdr h;
	const uint8_t *raw;         /* h.length bytes, then trailer_len more */
	size_t   trailer_len;       /* bytes given past h.length; not looked at */
	unsigned nlsa;              /* LSU: LSAs; DD/LSAck: LSA headers;
	                               LSR: entries; Hello: 0 */
	/* Hello */
	uint32_t iface_id;
	uint8_t  priority;
	uint32_t hello_options;     /* OSPF6_OPT_* */
	uint16_t hello_interval, dead_interval;
	uint32_t dr, bdr;
	unsigned nneighbors;
	/* DD */
	uint32_t dd_options;        /* OSPF6_OPT_* */
	uint16_t dd_mtu;
	uint8_t  dd_flags;          /* OSPF6_DD_* */
	uint32_t dd_seq;
};

/*
 * Check and decode the OSPFv3 packet in buf[0..len) (the IPv6 payload, or as
 * much of it as was captured).  Checks, in this order: a header fits
 * (OSPF6_TRUNC), version (OSPF6_BAD_VERSION), type (OSPF6_BAD_TYPE),
 * declared length at least a header (OSPF6_BAD_LENGTH) and within len
 * (OSPF6_TRUNC), then the type's body: its fixed part and layout
 * (OSPF6_BAD_LENGTH), and for LSU/DD/LSAck every LSA or LSA header it
 * carries (lengths; for LSU each LSA as lsa6_decode checks it, the first bad
 * one failing the packet with its status).  The packet checksum is not
 * checked (ospf6_checksum_verify does that).  Octets past the declared
 * length are ignored (see trailer_len).  *p is zeroed first and is
 * meaningful only on OSPF6_OK.  Cost: O(len).
 */
enum ospf6_status ospf6_decode(const uint8_t *buf, size_t len, struct ospf6_pkt *p);

/*
 * The packet checksum (A.3.1): the IPv6 upper-layer checksum (RFC 8200 8.1)
 * of buf[0..len) under the pseudo-header src, dst, upper-layer length len,
 * next header 89, with the checksum field (octets 12 and 13) taken as zero:
 * the value for the field.  src and dst are 16 octets each.  Needs
 * len >= OSPF6_HDR_LEN (returns 0 otherwise).  Cost: O(len).
 */
uint16_t ospf6_checksum(const uint8_t *src, const uint8_t *dst,
                        const uint8_t *buf, size_t len);

/*
 * Verify the checksum of a packet ospf6_decode accepted, sent from src to dst
 * (16 octets each, as in the IPv6 header).  OSPF6_OK when it verifies over
 * the declared packet length (RFC 5340 A.3.1), or, when bytes follow the
 * packet (trailer_len > 0: an authentication trailer or LLS block), over
 * everything given to ospf6_decode: senders that leave the checksum to the
 * kernel (Linux IPV6_CHECKSUM, as FRR and BIRD do) cover the whole IPv6
 * payload.  OSPF6_BAD_CHECKSUM otherwise.  Cost: O(h.length + trailer_len).
 */
enum ospf6_status ospf6_checksum_verify(const struct ospf6_pkt *p,
                                        const uint8_t *src, const uint8_t *dst);

/* The i-th Hello neighbour's router id (i < p->nneighbors).  Cost: O(1). */
uint32_t ospf6_hello_neighbor(const struct ospf6_pkt *p, unsigned i);

/* The i-th entry of an LSR (i < p->nlsa).  Cost: O(1). */
void ospf6_lsr_entry(const struct ospf6_pkt *p, unsigned i, struct lsa6_key *out);

/* LSU: decode the LSA at *off (start with *off = 0) and advance.  Returns
 * OSPF6_OK, or OSPF6_TRUNC when there are no more (OSPF6_BAD_TYPE if the
 * packet is not an LSU).  Only valid on a packet ospf6_decode accepted.
 * Cost: O(LSA length) (the LSA is checked again). */
enum ospf6_status ospf6_lsu_next(const struct ospf6_pkt *p, size_t *off,
                                 struct lsa6 *out);

/* DD/LSAck: the LSA header at *off (start at 0), then advance.  OSPF6_TRUNC
 * when there are no more (OSPF6_BAD_TYPE on other packet types).
 * Cost: O(1). */
enum ospf6_status ospf6_lsahdr_next(const struct ospf6_pkt *p, size_t *off,
                                    struct lsa6_hdr *out);

/* Decode the 20-byte LSA header at buf (the caller has checked that 20
 * bytes are there).  Cost: O(1). */
void lsa6_hdr_decode(const uint8_t *buf, struct lsa6_hdr *out);

/*
 * Check and decode one LSA in buf[0..len).  Checks, in this order: a header
 * fits (OSPF6_TRUNC), the declared length is at least a header and within
 * len (OSPF6_BAD_LSA_LENGTH), the age is at most MaxAge once the DoNotAge
 * bit is cleared (OSPF6_BAD_LSA_AGE), the Fletcher checksum
 * (OSPF6_BAD_LSA_CHECKSUM), then for the types of enum lsa6_type the body:
 * every prefix length at most 128 (OSPF6_BAD_PREFIX), and the fixed part,
 * each element, the counts and the optional fields against the declared
 * length, which the body must use up exactly (OSPF6_BAD_LSA_LENGTH).  Other
 * types are accepted with no body decoded.  Octets past the declared length
 * are not looked at.  *out is filled only as far as the checks got.
 * Cost: O(length).
 */
enum ospf6_status lsa6_decode(const uint8_t *buf, size_t len, struct lsa6 *out);

/* lsa6_decode without the Fletcher checksum, for an LSA checked when it
 * was installed (the database's copies, read again by SPF, placement and
 * the topology: the checksum was a fifth of SPF's time).  Every length and
 * count is still checked.  Cost: O(length). */
enum ospf6_status lsa6_decode_held(const uint8_t *buf, size_t len, struct lsa6 *out);

/* The flooding scope of an LS type (S2|S1).  Cost: O(1). */
enum lsa6_scope lsa6_scope(uint16_t type);

/* RFC 2328 13.1 (RFC 5340 keeps it): > 0 if a is the newer instance of the
 * same LSA, < 0 if b is, 0 if they are the same instance.  lsa_compare() on
 * the sequence numbers, checksums and ages.  Cost: O(1). */
int lsa6_compare(const struct lsa6_hdr *a, const struct lsa6_hdr *b);

/*
 * Accessors over a decoded LSA.  An index at or past the count, or an LSA of
 * the wrong type, is a caller bug and aborts (so do an index at or past
 * nneighbors in ospf6_hello_neighbor and at or past nlsa in ospf6_lsr_entry).
 */

/* The i-th interface of a router-LSA.  Cost: O(1) (interfaces are 16
 * octets each). */
void lsa6_router_iface(const struct lsa6 *l, unsigned i, struct lsa6_iface *out);

/* Walking a router-LSA's interfaces in order: zero a cursor, then each call
 * fills *out with the next interface and returns true, or false when there
 * are no more.  Cost: O(1) an interface. */
struct lsa6_iface_cursor {
	unsigned i;                 /* interfaces read so far */
};
bool lsa6_router_iface_next(const struct lsa6 *l, struct lsa6_iface_cursor *c,
                            struct lsa6_iface *out);

/* The i-th attached router of a network-LSA.  Cost: O(1). */
uint32_t lsa6_network_router(const struct lsa6 *l, unsigned i);

/*
 * Walking the prefixes an LSA carries: the list of a link-LSA or an
 * intra-area-prefix-LSA, the one prefix of an inter-area-prefix-, AS-external-
 * or NSSA-LSA (the same as in u), none for other types.  Zero a cursor, then
 * each call fills *out and returns true, or false when there are no more.
 * Cost: O(1) a prefix (prefixes vary in length, so there is no random access).
 */
struct lsa6_prefix_cursor {
	unsigned i;                 /* prefixes read so far */
	size_t off;                 /* of the next one from the LSA's start; 0: not started */
};
bool lsa6_prefix_next(const struct lsa6 *l, struct lsa6_prefix_cursor *c,
                      struct lsa6_prefix *out);

#endif
