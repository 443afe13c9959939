/*
 * libFuzzer target for the packet decoder.
 *
 * Input format: byte 0 picks the link type from link_types[] (modulo its
 * size; the last entry is one the decoder does not support); the remaining
 * bytes are the captured frame.  The wire length equals the captured length
 * when the frame's first byte is a multiple of 4, else it is larger by
 * (first byte % 4) * 700, to exercise snaplen-truncated captures.
 *
 * Every frame also goes through the DPDK software spreader (spreader_pick,
 * which decodes too and keeps a fragment table across frames).
 *
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE
 *        -Ilib -Icapture -Iexporter tests/fuzz/fuzz_decode.c capture/decode.c
 *        exporter/meter.c exporter/flowtab.c
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <pcap/dlt.h>

#include "decode.h"
#include "meter.h"
#include "spreader.h"

static const int link_types[] = {
	DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW,
	DLT_IPV4, DLT_IPV6, DLT_NULL, DLT_LOOP,
	147,            /* DLT_USER0: unsupported */
};
#define N_LINK_TYPES (sizeof(link_types) / sizeof(link_types[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt_info pi;
	enum pkt_status st;
	const uint8_t *frame;
	size_t caplen, wirelen;
	volatile unsigned sink = 0;
	int dlt;
	unsigned i;

	if (size < 1)
		return 0;
	dlt = link_types[data[0] % N_LINK_TYPES];
	frame = data + 1;
	caplen = size - 1;
	wirelen = caplen;
	if (caplen > 0 && frame[0] % 4 != 0)
		wirelen += (size_t)(frame[0] % 4) * 700;

	st = pkt_decode(dlt, frame, caplen, wirelen, &pi);
	{
		static struct spreader *sp;
		static uint64_t now;
		if (sp == NULL && (sp = spreader_new(KEY_ALL, 7, 3)) == NULL)
			abort();
		struct pkt_info dpi;
		if (spreader_pick(sp, dlt, frame, (uint32_t)caplen, (uint32_t)wirelen, now += 10, &dpi) >= 3)
			abort();
		/* the spreader's decoding, handed to the meter, is the decoder's */
		if ((dpi.af != 0) != (st == PKT_OK) || (st == PKT_OK && memcmp(&dpi, &pi, sizeof(pi)) != 0))
			abort();
	}

	if ((unsigned)st >= PKT_STATUS_MAX)
		abort();
	if (pkt_status_name(st) == NULL)
		abort();
	if (dlt == 147 && st != PKT_BAD_LINKTYPE)
		abort();
	if (st == PKT_OK) {
		if (pi.af != AF_INET && pi.af != AF_INET6)
			abort();
		if (pi.af == AF_INET &&
		    (pi.src.w[1] | pi.src.w[2] | pi.src.w[3] |
		     pi.dst.w[1] | pi.dst.w[2] | pi.dst.w[3]) != 0)
			abort();
		if (pi.ip_len > wirelen || pi.ip_len < 20)
			abort();
		if (pi.frag == PKT_FRAG_LATER && (pi.sport | pi.dport) != 0)
			abort();
		if (pi.frag > PKT_FRAG_LATER)
			abort();
		if (pi.vlan_depth > PKT_MAX_VLAN || pi.mpls_depth > PKT_MAX_MPLS)
			abort();
		if (pi.vlan > 0x0fff || pi.inner_vlan > 0x0fff)
			abort();
		if (pi.proto != 6 && pi.tcp_flags != 0)
			abort();
	}

	/* touch every field */
	for (i = 0; i < 16; i++)
		sink += pi.src.b[i] + pi.dst.b[i];
	for (i = 0; i < 6; i++)
		sink += pi.src_mac[i] + pi.dst_mac[i];
	sink += pi.ip_len + pi.frag_id + pi.mpls_top + pi.sport + pi.dport +
	    pi.vlan + pi.inner_vlan + pi.af + pi.proto + pi.tos +
	    pi.tcp_flags + pi.frag + pi.mpls_depth + pi.vlan_depth +
	    pi.has_mac;
	(void)sink;
	return 0;
}
