/*
 * NetFlow v5 encoder and decoder.  Pure functions over byte buffers: every
 * multi-byte field is written and read big-endian one byte at a time, so the
 * code is independent of host byte order and alignment.
 */
#include "nf5.h"

#include <stddef.h>

#include "be.h"

/* The host structs mirror the wire field for field; if someone reorders or
 * resizes a field these fail and point at the header comment. */
_Static_assert(sizeof(struct nf5_header) == NF5_HEADER_LEN,
               "struct nf5_header must mirror the 24-byte wire header");
_Static_assert(sizeof(struct nf5_record) == NF5_RECORD_LEN,
               "struct nf5_record must mirror the 48-byte wire record");
_Static_assert(offsetof(struct nf5_record, dPkts) == 16 &&
               offsetof(struct nf5_record, srcport) == 32 &&
               offsetof(struct nf5_record, src_as) == 40,
               "struct nf5_record field offsets must match the wire");

size_t nf5_encode_header(uint8_t *buf, const struct nf5_header *h)
{
	uint8_t *p = buf;

	p = put16(p, h->version);
	p = put16(p, h->count);
	p = put32(p, h->sys_uptime);
	p = put32(p, h->unix_secs);
	p = put32(p, h->unix_nsecs);
	p = put32(p, h->flow_sequence);
	p = put8(p, h->engine_type);
	p = put8(p, h->engine_id);
	p = put16(p, h->sampling_interval);
	return (size_t)(p - buf);
}

size_t nf5_encode_record(uint8_t *buf, const struct nf5_record *r)
{
	uint8_t *p = buf;

	p = put32(p, r->srcaddr);
	p = put32(p, r->dstaddr);
	p = put32(p, r->nexthop);
	p = put16(p, r->input);
	p = put16(p, r->output);
	p = put32(p, r->dPkts);
	p = put32(p, r->dOctets);
	p = put32(p, r->first);
	p = put32(p, r->last);
	p = put16(p, r->srcport);
	p = put16(p, r->dstport);
	p = put8(p, 0);
	p = put8(p, r->tcp_flags);
	p = put8(p, r->prot);
	p = put8(p, r->tos);
	p = put16(p, r->src_as);
	p = put16(p, r->dst_as);
	p = put8(p, r->src_mask);
	p = put8(p, r->dst_mask);
	p = put16(p, 0);
	return (size_t)(p - buf);
}

/* Decode one record; the caller has checked that NF5_RECORD_LEN bytes are
 * there. */
static void decode_record(const uint8_t *p, struct nf5_record *r)
{
	r->srcaddr   = be32(p + 0);
	r->dstaddr   = be32(p + 4);
	r->nexthop   = be32(p + 8);
	r->input     = be16(p + 12);
	r->output    = be16(p + 14);
	r->dPkts     = be32(p + 16);
	r->dOctets   = be32(p + 20);
	r->first     = be32(p + 24);
	r->last      = be32(p + 28);
	r->srcport   = be16(p + 32);
	r->dstport   = be16(p + 34);
	r->pad1      = p[36];
	r->tcp_flags = p[37];
	r->prot      = p[38];
	r->tos       = p[39];
	r->src_as    = be16(p + 40);
	r->dst_as    = be16(p + 42);
	r->src_mask  = p[44];
	r->dst_mask  = p[45];
	r->pad2      = be16(p + 46);
}

int nf5_decode(const uint8_t *buf, size_t len, struct nf5_header *h,
               struct nf5_record *recs, size_t max, size_t *nrecs)
{
	size_t off, i;

	*nrecs = 0;
	if (len < NF5_HEADER_LEN)
		return NF5_ERR_SHORT;

	h->version           = be16(buf + 0);
	h->count             = be16(buf + 2);
	h->sys_uptime        = be32(buf + 4);
	h->unix_secs         = be32(buf + 8);
	h->unix_nsecs        = be32(buf + 12);
	h->flow_sequence     = be32(buf + 16);
	h->engine_type       = buf[20];
	h->engine_id         = buf[21];
	h->sampling_interval = be16(buf + 22);

	if (h->version != NF5_VERSION)
		return NF5_ERR_VERSION;
	if (h->count == 0 || h->count > NF5_MAX_RECORDS)
		return NF5_ERR_COUNT;
	/* count <= 30, so this cannot overflow. */
	if (len != NF5_HEADER_LEN + (size_t)h->count * NF5_RECORD_LEN)
		return NF5_ERR_LENGTH;
	if (h->count > max)
		return NF5_ERR_NOSPACE;

	off = NF5_HEADER_LEN;
	for (i = 0; i < h->count; i++) {
		if (off + NF5_RECORD_LEN > len)     /* unreachable after the */
			return NF5_ERR_LENGTH;      /* length check; kept as a guard */
		decode_record(buf + off, &recs[i]);
		off += NF5_RECORD_LEN;
	}
	*nrecs = h->count;
	return NF5_OK;
}

const char *nf5_strerror(int err)
{
	switch (err) {
	case NF5_OK:          return "success";
	case NF5_ERR_SHORT:   return "shorter than a NetFlow v5 header";
	case NF5_ERR_VERSION: return "version is not 5";
	case NF5_ERR_COUNT:   return "record count is 0 or above 30";
	case NF5_ERR_LENGTH:  return "datagram length disagrees with record count";
	case NF5_ERR_NOSPACE: return "record array too small for count";
	}
	return "unknown error";
}

