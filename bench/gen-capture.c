/*
 * gen-capture: write a classic pcap file of small packets spread over many
 * concurrent flows, for benchmarking flow meters.
 *
 *   gen-capture [-n PACKETS] [-f FLOWS] [-s FRAMELEN] [-g GAP_US] -o FILE
 *
 * Every frame is Ethernet / IPv4 / UDP or TCP, FRAMELEN bytes on the wire
 * (default 64).  Captures hold no Ethernet FCS, so a record's original
 * length is FRAMELEN - 4 (60 by default, the whole frame then) and its
 * captured length is always 60: larger frames look cut by a snap length.
 *
 * Every flow has one packet per round of FLOWS packets, so every flow is
 * alive for the whole run.  The first round, which creates the flows, sends
 * them in order A, a bijection of [0, FLOWS) that scatters neighbours; every
 * later round in order B, bench/flows.h's pseudo-random permutation (fixed
 * seed) unrelated to A.  A flow meter's table holds its flows in the order it created them,
 * and real packets arrive in an order unrelated to that: repeating A every
 * round would let consecutive packets hit consecutive table entries, memory
 * the hardware prefetcher streams in, and flatter every meter.  Timestamps
 * start at 2024-01-01 00:00:00 and advance GAP_US microseconds (default 1)
 * per packet: 3 M packets last 3 s, far below the 15 s idle and 60 s
 * active timeouts, so no flow ends before the file does.
 *
 * Flow k: 10.(k>>16 & 0xff).(k>>8 & 0xff).(k & 0xff) -> 172.16.x.y with
 * ports derived from k (UDP destinations 5000-5255: no well-known port, as
 * some meters treat DNS specially); 3 flows in 4 are UDP, 1 in 4 TCP to 443
 * (ACK only, so no FIN/RST ends a flow early).  The IPv4 checksum is
 * computed; the UDP and TCP checksums are left zero.
 */
#define _POSIX_C_SOURCE 200809L   /* getopt */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flows.h"

#define SNAP 60

static void put16(uint8_t *p, unsigned v) { p[0] = v >> 8; p[1] = v & 0xff; }
static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}
static void le32(uint8_t *p, uint32_t v)
{
	p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24;
}

static void usage(void)
{
	fprintf(stderr, "usage: gen-capture [-n PACKETS] [-f FLOWS] [-s FRAMELEN] "
	        "[-g GAP_US] -o FILE\n");
	exit(2);
}

int main(int argc, char **argv)
{
	uint64_t npkt = 3000000, nflow = 100000, gap = 1, framelen = 64;
	const char *out = NULL;
	int c;

	while ((c = getopt(argc, argv, "n:f:s:g:o:")) != -1) {
		switch (c) {
		case 'n': npkt = strtoull(optarg, NULL, 0); break;
		case 'f': nflow = strtoull(optarg, NULL, 0); break;
		case 's': framelen = strtoull(optarg, NULL, 0); break;
		case 'g': gap = strtoull(optarg, NULL, 0); break;
		case 'o': out = optarg; break;
		default: usage();
		}
	}
	if (!out || nflow == 0 || nflow > (1u << 24) || framelen < 64 || framelen > 1518)
		usage();

	FILE *f = strcmp(out, "-") ? fopen(out, "wb") : stdout;
	if (!f) {
		fprintf(stderr, "gen-capture: %s: %s\n", out, strerror(errno));
		return 1;
	}
	static char iobuf[1 << 20];
	setvbuf(f, iobuf, _IOFBF, sizeof iobuf);

	uint8_t gh[24];
	le32(gh, 0xa1b2c3d4);          /* microsecond timestamps */
	gh[4] = 2; gh[5] = 0; gh[6] = 4; gh[7] = 0;
	le32(gh + 8, 0); le32(gh + 12, 0);
	le32(gh + 16, 65535);          /* snaplen */
	le32(gh + 20, 1);              /* LINKTYPE_ETHERNET */
	fwrite(gh, 1, sizeof gh, f);

	/* One template frame; per packet only addresses, ports, protocol,
	 * checksum and the TCP/UDP-specific bytes change. */
	uint8_t rec[16 + SNAP];
	memset(rec, 0, sizeof rec);
	uint8_t *fr = rec + 16;
	static const uint8_t dmac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	static const uint8_t smac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	memcpy(fr, dmac, 6);
	memcpy(fr + 6, smac, 6);
	put16(fr + 12, 0x0800);
	uint8_t *ip = fr + 14;
	unsigned iplen = framelen - 4 - 14;     /* minus FCS and Ethernet header */
	ip[0] = 0x45;
	put16(ip + 2, iplen);
	ip[8] = 64;                             /* TTL */

	uint64_t step = bench_scatter_step(nflow);   /* order A */
	/* order B: bench/flows.h's, the same in every file */
	uint32_t *order_b = malloc(nflow * sizeof(*order_b));
	if (order_b == NULL) {
		fprintf(stderr, "gen-capture: out of memory\n");
		return 1;
	}
	bench_order_b((uint32_t)nflow, order_b);
	uint64_t usec = 0;
	const uint32_t t0 = 1704067200;         /* 2024-01-01T00:00:00Z */
	le32(rec + 8, SNAP);
	le32(rec + 12, framelen - 4);
	uint64_t slot = 0;

	for (uint64_t i = 0; i < npkt; i++) {
		uint64_t k = i < nflow ? (slot * step + 7) % nflow : order_b[slot];
		if (++slot == nflow)
			slot = 0;
		int tcp = (k & 3) == 3;

		le32(rec, t0 + (uint32_t)(usec / 1000000));
		le32(rec + 4, (uint32_t)(usec % 1000000));
		usec += gap;

		put16(ip + 4, (unsigned)i);     /* IP id */
		ip[9] = tcp ? 6 : 17;
		put32(ip + 12, 0x0a000000u | (uint32_t)(k & 0xffffff));
		put32(ip + 16, 0xac100000u | (uint32_t)((k * 40503u) & 0xffff));
		ip[10] = ip[11] = 0;
		uint32_t sum = 0;
		for (int j = 0; j < 20; j += 2)
			sum += (ip[j] << 8) | ip[j + 1];
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		put16(ip + 10, ~sum & 0xffff);

		uint8_t *l4 = ip + 20;
		memset(l4, 0, SNAP - 34);
		put16(l4, 1024 + (unsigned)(k % 60000));
		put16(l4 + 2, tcp ? 443 : 5000 + (unsigned)((k >> 4) & 0xff));
		if (tcp) {
			put32(l4 + 4, (uint32_t)(i * 1000));   /* seq */
			put32(l4 + 8, 1);                      /* ack */
			l4[12] = 5 << 4;
			l4[13] = 0x10;                         /* ACK */
			put16(l4 + 14, 65535);
		} else {
			put16(l4 + 4, iplen - 20);
		}
		if (fwrite(rec, 1, sizeof rec, f) != sizeof rec) {
			fprintf(stderr, "gen-capture: %s: %s\n", out, strerror(errno));
			return 1;
		}
	}
	if (fclose(f) != 0) {
		fprintf(stderr, "gen-capture: %s: %s\n", out, strerror(errno));
		return 1;
	}
	return 0;
}
