/*
 * mem-floor: what random memory access costs on this machine, measured the
 * way a flow table accesses memory: the floor under bench/flowtab-bench.c's
 * figures, whatever the table's design.
 *
 *   mem-floor [--flows F] [--max-flows M] [--ops N] [--small-pages]
 *
 * Two ideal tables sized like the flow table for M flows (128-byte entries,
 * a 4-byte bucket per power-of-two slot), F of them live, each updated N
 * times in a random order with the same software prefetching as the flow
 * table (16 updates ahead):
 *
 *   one_line  a table where an update finds its flow with one access: it
 *             reads and writes one random 64-byte line of the entry array;
 *   two_step  a table where an update reads a random bucket, which names
 *             the entry, then reads and writes the entry's first two lines;
 *             no chains, no collisions, no recency lists, no key compare.
 *
 * Every real table does at least what two_step does (a bucket, then an
 * entry) or, with entries inside their buckets, what one_line does; so
 * these are floors: the flow table's ns per update minus two_step's is what
 * its design costs on top of the memory.  Arrays in transparent huge pages,
 * or with --small-pages in small ones.  Run by bench/flowtab-run.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define ENT   128u       /* entry size */
#define BUCKET(k) (mix((k) ^ 0x5eed) & (nb - 1))   /* flow k's bucket */
#define AHEAD 16u        /* prefetch distance, updates */

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* A fixed pseudo-random function of i: the update order. */
static inline uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

static void *table(size_t size, int small)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		fprintf(stderr, "mem-floor: cannot map %zu bytes\n", size);
		exit(1);
	}
	(void)madvise(p, size, small ? MADV_NOHUGEPAGE : MADV_HUGEPAGE);
	memset(p, 0, size);
	return p;
}

static void usage(void)
{
	fprintf(stderr, "usage: mem-floor [--flows F] [--max-flows M] [--ops N] [--small-pages]\n");
	exit(1);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "flows", required_argument, NULL, 'f' },
		{ "max-flows", required_argument, NULL, 'm' },
		{ "ops", required_argument, NULL, 'n' },
		{ "small-pages", no_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t flows = 1000000, max_flows = 1u << 21, ops = 20000000, nb = 1, i, sum = 0;
	int small = 0, c;
	uint8_t *ent;
	uint32_t *bucket;
	double t0, one_line, two_step;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f': flows = strtoull(optarg, NULL, 0); break;
		case 'm': max_flows = strtoull(optarg, NULL, 0); break;
		case 'n': ops = strtoull(optarg, NULL, 0); break;
		case 'p': small = 1; break;
		default: usage();
		}
	}
	if (flows < 2 || max_flows < flows || ops < 1000)
		usage();
	while (nb < max_flows)
		nb <<= 1;
	ent = table(max_flows * ENT, small);
	bucket = table(nb * sizeof(*bucket), small);
	/* flow k lives in entry k (created in order) and is found through its
	 * bucket, BUCKET(k); of two flows with one bucket, both reach the
	 * later one's entry, which changes nothing measurable */
	for (i = 0; i < flows; i++)
		bucket[BUCKET(i)] = (uint32_t)i + 1;

	t0 = now_s();
	for (i = 0; i < ops; i++) {
		uint8_t *e;

		__builtin_prefetch(ent + mix(i + AHEAD) % flows * ENT, 1);
		e = ent + mix(i) % flows * ENT;
		sum += ((uint64_t *)(void *)e)[0];
		((uint64_t *)(void *)e)[1]++;
	}
	one_line = (now_s() - t0) * 1e9 / (double)ops;

	t0 = now_s();
	for (i = 0; i < ops; i++) {
		uint32_t x;
		uint8_t *e;

		__builtin_prefetch(&bucket[BUCKET(mix(i + 2 * AHEAD) % flows)]);
		x = bucket[BUCKET(mix(i + AHEAD) % flows)];
		__builtin_prefetch(ent + (x - 1) * (uint64_t)ENT, 1);
		__builtin_prefetch(ent + (x - 1) * (uint64_t)ENT + 64, 1);
		e = ent + (bucket[BUCKET(mix(i) % flows)] - 1) * (uint64_t)ENT;
		sum += ((uint64_t *)(void *)e)[0];
		((uint64_t *)(void *)e)[1]++;
		((uint64_t *)(void *)e)[9] += 46;
	}
	two_step = (now_s() - t0) * 1e9 / (double)ops;

	printf("RESULT flows=%llu max_flows=%llu pages=%s ops=%llu one_line_ns=%.1f two_step_ns=%.1f sum=%llu\n",
	       (unsigned long long)flows, (unsigned long long)max_flows, small ? "small" : "huge",
	       (unsigned long long)ops, one_line, two_step, (unsigned long long)(sum & 1));
	return 0;
}
