/*
 * What the benchmark programs share: the flows of dpdk-bench and
 * flowtab-bench (flow k's addresses and ports), the two orders in which
 * rounds visit them, and how much of the process is in huge pages.
 * Header-only: each program is compiled on its own from one .c file.
 */
#ifndef ANEMONE_BENCH_FLOWS_H
#define ANEMONE_BENCH_FLOWS_H

#include <stdint.h>
#include <stdio.h>

/* Flow k: 10.(k>>16).(k>>8).k -> 172.16.x.y, UDP, source port 1024 +
 * k mod 60000, destination 5000-5255 (no well-known port: some meters
 * treat DNS specially).  Addresses in host order. */
struct bench_flow {
	uint32_t src, dst;
	uint16_t sport, dport;
};

static inline struct bench_flow bench_flow(uint32_t k)
{
	struct bench_flow f;

	f.src = 0x0a000000u | (k & 0xffffff);
	f.dst = 0xac100000u | ((k * 40503u) & 0xffff);
	f.sport = (uint16_t)(1024 + k % 60000);
	f.dport = (uint16_t)(5000 + ((k >> 4) & 0xff));
	return f;
}

static inline uint64_t bench_gcd(uint64_t a, uint64_t b)
{
	while (b != 0) {
		uint64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/* A multiplier coprime to n: order A's slot s visits flow (s * step + 7)
 * mod n, a bijection that puts unrelated flows side by side. */
static inline uint64_t bench_scatter_step(uint64_t n)
{
	uint64_t a;

	if (n <= 2)
		return 1;
	for (a = 2654435761u % n; a == 0 || bench_gcd(a, n) != 1; a = (a + 1) % n)
		;
	return a;
}

/* Order A, the order that creates the flows: flow[s] is slot s's flow. */
static inline void bench_order_a(uint32_t n, uint32_t *flow)
{
	uint64_t step = bench_scatter_step(n);

	for (uint64_t s = 0; s < n; s++)
		flow[s] = (uint32_t)((s * step + 7) % n);
}

/* Order B, the order of every later round: a pseudo-random permutation
 * (Fisher-Yates driven by xorshift64* from a fixed seed), the same in every
 * run and unrelated to order A, as real packet order is unrelated to the
 * order flows were created in. */
static inline void bench_order_b(uint32_t n, uint32_t *flow)
{
	uint64_t x = UINT64_C(0x2545f4914f6cdd1d);

	for (uint32_t s = 0; s < n; s++)
		flow[s] = s;
	for (uint32_t i = n; i > 1; i--) {
		uint32_t j, t;

		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		j = (uint32_t)(((x * UINT64_C(0x2545f4914f6cdd1d)) >> 32) * i >> 32);
		t = flow[i - 1];
		flow[i - 1] = flow[j];
		flow[j] = t;
	}
}

/* kB of the process's memory in transparent huge pages (the flow tables ask
 * for them unless told otherwise; how many they get changes the figures),
 * -1 if unknown. */
static inline long bench_anon_huge_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/smaps_rollup", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

#endif
