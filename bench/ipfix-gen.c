/*
 * ipfix-gen: write a stream of IPFIX messages, prepared in advance for the
 * collector benchmark (bench/collector-run), in tests/dgram-replay's file
 * format: each message as a 4-byte big-endian length followed by the bytes.
 *
 *   ipfix-gen [-n RECORDS] [-r PER_MESSAGE] [-t TEMPLATE_EVERY] [-s SEED]
 *             [-o FILE]
 *
 * One observation domain (1), one template (256) of 13 fixed-length fields:
 *
 *   sourceIPv4Address 4, destinationIPv4Address 4, sourceTransportPort 2,
 *   destinationTransportPort 2, protocolIdentifier 1, tcpControlBits 1
 *   (reduced size), ipClassOfService 1, ingressInterface 4,
 *   egressInterface 4, octetDeltaCount 8, packetDeltaCount 8,
 *   flowStartMilliseconds 8, flowEndMilliseconds 8      = 55 bytes a record
 *
 * The first message holds the template set alone, and so does every
 * TEMPLATE_EVERY-th message after it (default 1000: exporters over UDP
 * resend their templates); the others hold one data set of PER_MESSAGE
 * records (default 30: 1,670-byte messages).  Sequence numbers count the
 * data records sent before each message, as RFC 7011 says, so a receiver
 * that tracks them counts exactly what it missed.
 *
 * Records: IPv4 5-tuples with both hosts in the OSPF lab's stub networks
 * 10.100.1.0/24 .. 10.100.8.0/24 (tests/data/collector/lab-lsdb.json), so
 * the collector places every record on a path between two routers; hosts
 * .1 to .254, TCP (80 %), UDP and ICMP; well-known server ports; 1 to
 * 1,000 packets of 40 to 1,500 bytes.  A fixed PRNG (splitmix64), so the
 * same options give the same file.
 *
 * Prints "messages=N records=N bytes=N" on stdout.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TID        256
#define REC_LEN    55
#define MAX_PER    1000

static uint64_t rng;

static uint64_t next(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t below(uint32_t n)
{
	return (uint32_t)((next() >> 32) * n >> 32);
}

static uint8_t *put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
	p = put16(p, (uint16_t)(v >> 16));
	return put16(p, (uint16_t)v);
}

static uint8_t *put64(uint8_t *p, uint64_t v)
{
	p = put32(p, (uint32_t)(v >> 32));
	return put32(p, (uint32_t)v);
}

static const uint16_t fields[][2] = {
	{ 8, 4 }, { 12, 4 }, { 7, 2 }, { 11, 2 }, { 4, 1 }, { 6, 1 }, { 5, 1 },
	{ 10, 4 }, { 14, 4 }, { 1, 8 }, { 2, 8 }, { 152, 8 }, { 153, 8 },
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static uint32_t host(void)
{
	/* 10.100.N.H, N in 1..8, H in 1..254 */
	return 0x0a640000u | (1 + below(8)) << 8 | (1 + below(254));
}

static uint8_t *record(uint8_t *p, uint64_t now_ms)
{
	static const uint16_t ports[] = { 443, 80, 53, 22, 25, 123, 993, 8080, 3306, 5432 };
	uint32_t src = host(), dst = host(), r = below(100);
	uint8_t proto = r < 80 ? 6 : r < 97 ? 17 : 1;
	uint64_t pkts = 1 + below(1000), bytes = pkts * (40 + below(1461));
	uint64_t end = now_ms - below(60000), start = end - below(300000);
	uint16_t sport = proto == 1 ? 0 : (uint16_t)(32768 + below(28232));
	uint16_t dport = proto == 1 ? (uint16_t)(8 << 8) : ports[below(10)];

	while (dst == src)
		dst = host();
	p = put32(p, src);
	p = put32(p, dst);
	p = put16(p, sport);
	p = put16(p, dport);
	*p++ = proto;
	*p++ = proto == 6 ? (uint8_t)(0x10 | below(0x40)) : 0;
	*p++ = (uint8_t)(below(4) << 5);
	p = put32(p, 1 + below(16));
	p = put32(p, 1 + below(16));
	p = put64(p, bytes);
	p = put64(p, pkts);
	p = put64(p, start);
	return put64(p, end);
}

static void emit(FILE *out, const uint8_t *m, size_t len)
{
	uint8_t l[4];

	put32(l, (uint32_t)len);
	if (fwrite(l, 4, 1, out) != 1 || fwrite(m, len, 1, out) != 1) {
		perror("ipfix-gen: write");
		exit(1);
	}
}

int main(int argc, char **argv)
{
	uint64_t records = 3000000, per = 30, tevery = 1000, seed = 1, done = 0, msgs = 0,
	         bytes = 0;
	const char *path = NULL;
	static uint8_t m[16 + 4 + MAX_PER * REC_LEN];
	FILE *out = stdout;
	uint64_t now_ms;
	struct timespec ts;
	int opt;

	while ((opt = getopt(argc, argv, "n:r:t:s:o:")) != -1) {
		switch (opt) {
		case 'n': records = strtoull(optarg, NULL, 10); break;
		case 'r': per = strtoull(optarg, NULL, 10); break;
		case 't': tevery = strtoull(optarg, NULL, 10); break;
		case 's': seed = strtoull(optarg, NULL, 10); break;
		case 'o': path = optarg; break;
		default:
			fprintf(stderr, "usage: ipfix-gen [-n RECORDS] [-r PER_MESSAGE] "
			        "[-t TEMPLATE_EVERY] [-s SEED] [-o FILE]\n");
			return 2;
		}
	}
	if (per < 1 || per > MAX_PER || tevery < 2) {
		fprintf(stderr, "ipfix-gen: -r 1..%d, -t >= 2\n", MAX_PER);
		return 2;
	}
	if (path && (out = fopen(path, "wb")) == NULL) {
		perror(path);
		return 1;
	}
	rng = seed;
	clock_gettime(CLOCK_REALTIME, &ts);
	now_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	while (done < records) {
		uint8_t *p = m + 16, *set = p;
		uint64_t n = 0;

		if (msgs % tevery == 0) {
			p = put16(p, 2);
			p += 2;
			p = put16(p, TID);
			p = put16(p, (uint16_t)NFIELDS);
			for (size_t i = 0; i < NFIELDS; i++) {
				p = put16(p, fields[i][0]);
				p = put16(p, fields[i][1]);
			}
		} else {
			n = records - done < per ? records - done : per;
			p = put16(p, TID);
			p += 2;
			for (uint64_t i = 0; i < n; i++)
				p = record(p, now_ms);
		}
		put16(set + 2, (uint16_t)(p - set));
		put16(m, 10);
		put16(m + 2, (uint16_t)(p - m));
		put32(m + 4, (uint32_t)(now_ms / 1000));
		put32(m + 8, (uint32_t)done);
		put32(m + 12, 1);
		emit(out, m, (size_t)(p - m));
		done += n;
		msgs++;
		bytes += (uint64_t)(p - m);
	}
	if (fflush(out) != 0 || (path && fclose(out) != 0)) {
		perror("ipfix-gen: write");
		return 1;
	}
	printf("messages=%llu records=%llu bytes=%llu\n", (unsigned long long)msgs,
	       (unsigned long long)done, (unsigned long long)bytes);
	return 0;
}
