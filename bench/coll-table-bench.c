/*
 * coll-table-bench: what one datagram costs the collector's core
 * (collector/coll.c, no sockets, no Redis) when its exporter table is full,
 * one thread: nanoseconds per datagram, and the steps the choice of a
 * session to give up took (coll_victim_work).
 *
 *   coll-table-bench [--exporters N] [--count C] [--repeat R]
 *                    [--case known|refused|crowded]
 *
 * The table holds N transport sessions (max-exporters = N), every one of
 * which has had records counted (NetFlow v5, 2 records a datagram), so
 * none may simply go.  Three cases, each on a fresh table, C datagrams
 * measured, R runs, the best and the median printed:
 *   known     N exporters, one an address; each datagram from one of
 *             them, in turn (decoded, 2 records counted);
 *   refused   the same table; each datagram from a new address, which is
 *             refused (every session is productive and of an address of
 *             its own: the choice finds none);
 *   crowded   N - 96 sessions from one address (as a stranger spoofing
 *             many source ports would hold), 96 other exporters; each
 *             datagram from a new address takes the place of the crowded
 *             address's least recently heard from (decoded, counted); at
 *             most (N - 96) / 2 datagrams, so that the address stays the
 *             most crowded.
 * The time comes from CLOCK_MONOTONIC around the C calls of
 * coll_datagram; the clock the core is given moves 1 ms a datagram, so no
 * session is quiet for 5 minutes during a run.  Checks: the counts of
 * dropped-exporters-full and exporters-evicted-crowded are what each
 * case must produce.  --case runs one case only (say, under callgrind:
 * valgrind --tool=callgrind --toggle-collect=coll_datagram counts the
 * instructions of the table's filling and of the measured datagrams).
 * Build and run: bench/coll-table-run.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "coll.h"
#include "log.h"
#include "nf5.h"

#define T0 1700000000000ull

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static struct sockaddr_in from(uint32_t addr, uint16_t port)
{
	struct sockaddr_in s;

	memset(&s, 0, sizeof(s));
	s.sin_family = AF_INET;
	s.sin_addr.s_addr = htonl(addr);
	s.sin_port = htons(port);
	return s;
}

/* A v5 datagram of 2 records (sequence 0: a new session synchronises). */
static size_t v5(uint8_t *buf)
{
	struct nf5_header h = {
		.version = 5, .count = 2, .sys_uptime = 100000, .unix_secs = 1700000000,
	};
	size_t off = nf5_encode_header(buf, &h);

	for (unsigned i = 0; i < 2; i++) {
		struct nf5_record r = {
			.srcaddr = 0x0a000001, .dstaddr = 0x0a000100 + i, .dPkts = 2, .dOctets = 100,
			.first = 90000, .last = 99000, .prot = 17, .srcport = 1, .dstport = 2,
		};
		off += nf5_encode_record(buf + off, &r);
	}
	return off;
}

enum kind { K_KNOWN, K_REFUSED, K_CROWDED };
static const char *const kind_names[] = { "known", "refused", "crowded" };

struct result {
	double ns;                   /* per datagram */
	double steps;                /* per choice, 0 when none */
	int ok;
	uint32_t count;              /* datagrams measured */
};

static struct result run(enum kind k, uint32_t n, uint32_t count)
{
	struct coll_conf cc = { .max_exporters = n };
	struct coll *c = coll_new(&cc, 42);
	uint8_t buf[NF5_MAX_LEN];
	size_t len = v5(buf);
	uint64_t t = T0, ch0, st0, ch1, st1;
	struct sockaddr_in s;
	struct result r = { 0, 0, 1, count };
	double a, b;

	if (c == NULL) {
		fprintf(stderr, "coll-table-bench: out of memory\n");
		exit(1);
	}
	if (k == K_CROWDED) {
		if (count > (n - 96) / 2)
			r.count = count = (n - 96) / 2;
		for (uint32_t j = 0; j < n - 96; j++) {
			s = from(0xc6330001u, (uint16_t)(1024 + j % 64000));
			if (j >= 64000)      /* more than one address's ports: a second one */
				s = from(0xc6330002u, (uint16_t)(1024 + j - 64000));
			coll_datagram(c, (struct sockaddr *)&s, CP_V5, buf, len, ++t);
		}
		for (uint32_t j = 0; j < 96; j++) {
			s = from(0x0a800000u + j, 2055);
			coll_datagram(c, (struct sockaddr *)&s, CP_V5, buf, len, ++t);
		}
	} else {
		for (uint32_t j = 0; j < n; j++) {
			s = from(0x0a800000u + j, 2055);
			coll_datagram(c, (struct sockaddr *)&s, CP_V5, buf, len, ++t);
		}
	}
	coll_victim_work(c, &ch0, &st0);
	a = now_s();
	for (uint32_t j = 0; j < count; j++) {
		if (k == K_KNOWN)
			s = from(0x0a800000u + j % n, 2055);
		else
			s = from(0x0b000000u + j, 2055);
		coll_datagram(c, (struct sockaddr *)&s, CP_V5, buf, len, ++t);
	}
	b = now_s();
	coll_victim_work(c, &ch1, &st1);
	r.ns = (b - a) * 1e9 / count;
	r.steps = ch1 > ch0 ? (double)(st1 - st0) / (double)(ch1 - ch0) : 0;
	{
		const struct coll_stats *st = coll_stats(c);
		uint64_t want_drop = k == K_REFUSED ? count : 0;
		uint64_t want_crowded = k == K_CROWDED ? count : 0;
		if (st->dropped[CD_EXPORTERS] != want_drop ||
		    st->exporters_evicted_crowded != want_crowded) {
			fprintf(stderr, "coll-table-bench: %s: dropped-exporters-full %" PRIu64
			        " (want %" PRIu64 "), exporters-evicted-crowded %" PRIu64
			        " (want %" PRIu64 ")\n", kind_names[k], st->dropped[CD_EXPORTERS],
			        want_drop, st->exporters_evicted_crowded, want_crowded);
			r.ok = 0;
		}
	}
	coll_free(c);
	return r;
}

static int cmp(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? -1 : a > b;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "exporters", required_argument, NULL, 'n' },
		{ "count", required_argument, NULL, 'c' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "case", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t n = 4096, count = 20000, repeat = 5;
	int opt, failed = 0, only = -1;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'n': n = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'c': count = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'r': repeat = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'k':
			for (int k = K_KNOWN; k <= K_CROWDED; k++)
				if (strcmp(optarg, kind_names[k]) == 0)
					only = k;
			if (only >= 0)
				break;
			/* fall through */
		default:
			fprintf(stderr, "usage: coll-table-bench [--exporters N] [--count C] "
			        "[--repeat R] [--case known|refused|crowded]\n");
			return 1;
		}
	}
	if (n < 200 || n > (1u << 20) || count == 0 || count > (1u << 24) || repeat == 0 ||
	    repeat > 100) {
		fprintf(stderr, "coll-table-bench: 200 <= N <= 2^20, 0 < C <= 2^24, 0 < R <= 100\n");
		return 1;
	}
	log_init("coll-table-bench", LOG_TO_STDERR, -1);
	for (int k = K_KNOWN; k <= K_CROWDED; k++) {
		double ns[100], steps = 0;
		if (only >= 0 && k != only)
			continue;
		uint32_t measured = count;
		for (uint32_t i = 0; i < repeat; i++) {
			struct result r = run((enum kind)k, n, count);
			ns[i] = r.ns;
			steps = r.steps;
			measured = r.count;
			failed |= !r.ok;
		}
		qsort(ns, repeat, sizeof(ns[0]), cmp);
		printf("| %u | %s | %u | %.0f | %.0f | %.1f |\n", n, kind_names[k], measured, ns[0],
		       ns[repeat / 2], steps);
	}
	return failed ? 2 : 0;
}
