/*
 * Classic pcap capture files (not pcapng), parsed in place: a pure decoder
 * over a buffer holding the whole file (the capture backend maps it).  Used
 * for -r because libpcap's stdio path costs more per packet than the rest of
 * the exporter; pcapng and anything else still go through libpcap.
 */
#ifndef ANEMONE_PCAPFILE_H
#define ANEMONE_PCAPFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCAPFILE_HDR_LEN    24
#define PCAPFILE_REC_LEN    16
#define PCAPFILE_MAX_CAPLEN 262144   /* as libpcap: larger means a damaged file */

enum pcapfile_status {
	PCAPF_OK = 0,
	PCAPF_EOF,          /* no more records */
	PCAPF_NOT_PCAP,     /* no classic pcap magic (pcapng, other formats) */
	PCAPF_TRUNC,        /* the file ends inside a header or a packet */
	PCAPF_BAD_CAPLEN,   /* record claims more than PCAPF_MAX_CAPLEN bytes */
};

struct pcapfile_hdr {
	bool     swapped;           /* written on a machine of the other byte order */
	bool     nsec;              /* timestamps in nanoseconds, not microseconds */
	uint16_t version_major, version_minor;
	uint32_t snaplen;
	uint32_t linktype;          /* LINKTYPE_ value from the file (FCS bits cleared) */
};

struct pcapfile_rec {
	const uint8_t *data;        /* caplen bytes inside the buffer */
	uint32_t caplen, wirelen;
	uint64_t ts_ms;             /* Unix epoch milliseconds */
	size_t   next;              /* offset of the following record */
};

/* Parse the file header at buf[0..len). */
enum pcapfile_status pcapfile_header(const uint8_t *buf, size_t len, struct pcapfile_hdr *h);

/* Parse the record at offset off (PCAPFILE_HDR_LEN for the first); PCAPF_EOF
 * when off == len.  Never reads outside buf[0..len). */
enum pcapfile_status pcapfile_record(const uint8_t *buf, size_t len, size_t off,
                                     const struct pcapfile_hdr *h, struct pcapfile_rec *r);

/* libpcap DLT_ value for a file's LINKTYPE_ value (they differ for a few). */
int pcapfile_dlt(uint32_t linktype);

#endif
