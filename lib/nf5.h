/*
 * NetFlow v5 wire format: a 24-byte header followed by 1..30 records of 48
 * bytes each, all fields big-endian.
 *
 * The structs below are host-order views of the wire, never cast onto a
 * buffer: nf5_encode_* write them out byte by byte and nf5_decode reads them
 * back the same way.  They happen to mirror the wire layout field for field
 * (which the _Static_asserts in nf5.c check), so a reader can follow the
 * format from this header alone.
 *
 * Addresses (srcaddr, dstaddr, nexthop) are HOST-order uint32 like every
 * other field here: 192.0.2.1 is 0xc0000201.  Convert with ntohl()/htonl()
 * when moving to or from union anm_addr, which is in network order.
 */
#ifndef ANEMONE_NF5_H
#define ANEMONE_NF5_H

#include <stddef.h>
#include <stdint.h>

#define NF5_VERSION      5
#define NF5_HEADER_LEN   24
#define NF5_RECORD_LEN   48
#define NF5_MAX_RECORDS  30
#define NF5_MAX_LEN      (NF5_HEADER_LEN + NF5_MAX_RECORDS * NF5_RECORD_LEN)

/* sampling_interval: mode in the top 2 bits, interval in the low 14. */
#define NF5_SAMPLING_MODE_SHIFT  14
#define NF5_SAMPLING_DETERMINISTIC 1
#define NF5_SAMPLING_RANDOM        2
#define NF5_SAMPLING_INTERVAL_MAX  0x3fff

struct nf5_header {
	uint16_t version;           /* always 5 */
	uint16_t count;             /* records that follow, 1..30 */
	uint32_t sys_uptime;        /* ms since the exporter booted */
	uint32_t unix_secs;         /* export time, seconds since the epoch */
	uint32_t unix_nsecs;        /* residual nanoseconds */
	uint32_t flow_sequence;     /* flows exported before this datagram */
	uint8_t  engine_type;
	uint8_t  engine_id;
	uint16_t sampling_interval; /* see NF5_SAMPLING_* */
};

struct nf5_record {
	uint32_t srcaddr;           /* host order */
	uint32_t dstaddr;           /* host order */
	uint32_t nexthop;           /* host order */
	uint16_t input;             /* SNMP ifIndex, 16 bits on the wire */
	uint16_t output;
	uint32_t dPkts;
	uint32_t dOctets;
	uint32_t first;             /* sys_uptime (ms) at the first packet */
	uint32_t last;              /* sys_uptime (ms) at the last packet */
	uint16_t srcport;
	uint16_t dstport;
	uint8_t  pad1;              /* zero on the wire */
	uint8_t  tcp_flags;
	uint8_t  prot;
	uint8_t  tos;
	uint16_t src_as;
	uint16_t dst_as;
	uint8_t  src_mask;
	uint8_t  dst_mask;
	uint16_t pad2;              /* zero on the wire */
};

/* nf5_decode status codes (0 is success). */
enum nf5_err {
	NF5_OK          = 0,
	NF5_ERR_SHORT   = -1,       /* fewer than NF5_HEADER_LEN bytes */
	NF5_ERR_VERSION = -2,       /* version field is not 5 */
	NF5_ERR_COUNT   = -3,       /* count is 0 or above NF5_MAX_RECORDS */
	NF5_ERR_LENGTH  = -4,       /* len != NF5_HEADER_LEN + count * NF5_RECORD_LEN */
	NF5_ERR_NOSPACE = -5,       /* caller's record array is smaller than count */
};

/* Write h to buf as the 24-byte wire header.  buf must hold NF5_HEADER_LEN
 * bytes.  Returns NF5_HEADER_LEN.  O(1), no allocation. */
size_t nf5_encode_header(uint8_t *buf, const struct nf5_header *h);

/* Write r to buf as one 48-byte wire record; the pad fields are written as
 * zero whatever r holds.  buf must hold NF5_RECORD_LEN bytes.  Returns
 * NF5_RECORD_LEN. */
size_t nf5_encode_record(uint8_t *buf, const struct nf5_record *r);

/* Decode one datagram of len bytes.  On success fills *h, the first
 * h->count entries of recs (max entries available), sets *nrecs to the
 * count and returns NF5_OK.  On failure returns a negative NF5_ERR_* and
 * leaves *nrecs at 0; *h and recs may have been partly written.
 *
 * Pure: no allocation, logging or clock; reads only buf[0..len).  The
 * datagram length must match the header's count exactly (a datagram with
 * trailing bytes is rejected as NF5_ERR_LENGTH, like a short one). */
int nf5_decode(const uint8_t *buf, size_t len, struct nf5_header *h,
               struct nf5_record *recs, size_t max, size_t *nrecs);

/* Static string naming an NF5_* status; "unknown error" for other values. */
const char *nf5_strerror(int err);

#endif
