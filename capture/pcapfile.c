#include <string.h>

#include "decode.h"     /* DLT_ values */
#include "pcapfile.h"

#define MAGIC_USEC 0xa1b2c3d4u
#define MAGIC_NSEC 0xa1b23c4du

static uint32_t rd32(const uint8_t *p, bool swapped)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return swapped ? __builtin_bswap32(v) : v;
}

static uint16_t rd16(const uint8_t *p, bool swapped)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return swapped ? __builtin_bswap16(v) : v;
}

enum pcapfile_status pcapfile_header(const uint8_t *buf, size_t len, struct pcapfile_hdr *h)
{
	uint32_t magic;

	memset(h, 0, sizeof(*h));
	if (len < 4)
		return len == 0 ? PCAPF_NOT_PCAP : PCAPF_TRUNC;
	magic = rd32(buf, false);
	if (magic == MAGIC_USEC || magic == MAGIC_NSEC) {
		h->swapped = false;
	} else if (__builtin_bswap32(magic) == MAGIC_USEC || __builtin_bswap32(magic) == MAGIC_NSEC) {
		h->swapped = true;
		magic = __builtin_bswap32(magic);
	} else {
		return PCAPF_NOT_PCAP;
	}
	if (len < PCAPFILE_HDR_LEN)
		return PCAPF_TRUNC;
	h->nsec = magic == MAGIC_NSEC;
	h->version_major = rd16(buf + 4, h->swapped);
	h->version_minor = rd16(buf + 6, h->swapped);
	h->snaplen = rd32(buf + 16, h->swapped);
	/* the top bits may carry an FCS length: the link type is the low 16 */
	h->linktype = rd32(buf + 20, h->swapped) & 0xffffu;
	return PCAPF_OK;
}

enum pcapfile_status pcapfile_record(const uint8_t *buf, size_t len, size_t off,
                                     const struct pcapfile_hdr *h, struct pcapfile_rec *r)
{
	const uint8_t *p;
	uint32_t sec, frac;

	if (off == len)
		return PCAPF_EOF;
	if (off > len || len - off < PCAPFILE_REC_LEN)
		return PCAPF_TRUNC;
	p = buf + off;
	sec = rd32(p, h->swapped);
	frac = rd32(p + 4, h->swapped);
	r->caplen = rd32(p + 8, h->swapped);
	r->wirelen = rd32(p + 12, h->swapped);
	if (r->caplen > PCAPFILE_MAX_CAPLEN)
		return PCAPF_BAD_CAPLEN;
	if (len - off - PCAPFILE_REC_LEN < r->caplen)
		return PCAPF_TRUNC;
	if (r->wirelen < r->caplen)
		r->wirelen = r->caplen;
	r->data = p + PCAPFILE_REC_LEN;
	r->ts_ms = (uint64_t)sec * 1000 + (h->nsec ? frac / 1000000u : frac / 1000u);
	r->next = off + PCAPFILE_REC_LEN + r->caplen;
	return PCAPF_OK;
}

int pcapfile_dlt(uint32_t linktype)
{
	switch (linktype) {
	case 101: return DLT_RAW;        /* LINKTYPE_RAW */
	case 108: return DLT_LOOP;       /* LINKTYPE_LOOP */
	default:  return (int)linktype;  /* the same number in both spaces */
	}
}
