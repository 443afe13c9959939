/*
 * flowtab-bench: the flow table alone (exporter/flowtab.c), one thread, no
 * packets: how many flow updates per second it applies with F active flows.
 *
 *   flowtab-bench [--flows F] [--rounds R] [--max-flows M] [--same-order]
 *                 [--small-pages]
 *
 * Keys are those of bench/dpdk-bench.c's frames (IPv4/UDP, flow k from
 * 10.(k>>16).(k>>8).k to 172.16.x.y, ports derived from k), built up front.
 * Round 1 creates the flows in a scattered order A; every later round
 * updates each flow once in a pseudo-random permutation B unrelated to A,
 * as real traffic's packet order is unrelated to its flows' creation order
 * (--same-order: A every round).  The measured rounds are 2..R (default
 * R = 11); the time per update includes hashing the key.  Timeouts are a
 * day, so nothing expires; at the end every flow is flushed and the checks
 * are that exactly F flows were created and their packets add up.  The
 * table is in transparent huge pages, or with --small-pages in small ones
 * (flows.huge-pages = false).
 *
 * This isolates the table from decoding, rings and mbufs: the difference
 * between its rate and bench/dpdk-run's per-worker rate is the rest of the
 * worker's path.  Build and run: bench/flowtab-run.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flowtab.h"

static uint64_t exported_flows, exported_packets;

static void on_export(void *ctx, const struct anm_flow *f)
{
	(void)ctx;
	exported_flows++;
	exported_packets += f->packets;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* kB of the process's memory in transparent huge pages (the table asks for
 * them with MADV_HUGEPAGE; how many it gets changes the figures). */
static long anon_huge_kb(void)
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

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void make_key(uint32_t k, struct flow_key *key)
{
	memset(key, 0, sizeof(*key));
	key->af = 4;
	key->proto = 17;
	key->src.b[0] = 10;
	key->src.b[1] = (uint8_t)(k >> 16);
	key->src.b[2] = (uint8_t)(k >> 8);
	key->src.b[3] = (uint8_t)k;
	key->dst.b[0] = 172;
	key->dst.b[1] = 16;
	key->dst.b[2] = (uint8_t)((k * 7u) >> 8);
	key->dst.b[3] = (uint8_t)(k * 7u);
	key->sport = (uint16_t)(1024 + (k % 60000));
	key->dport = (uint16_t)(53 + (k % 3));
	key->in_if = 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: flowtab-bench [--flows F] [--rounds R] [--max-flows M] [--same-order]\n"
	                "                     [--small-pages]\n");
	exit(1);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "flows", required_argument, NULL, 'f' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "max-flows", required_argument, NULL, 'm' },
		{ "same-order", no_argument, NULL, 's' },
		{ "small-pages", no_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t flows = 1000000, rounds = 11, max_flows = 1u << 21;
	int same = 0, small = 0, c;
	struct flowtab_conf conf;
	struct flowtab *ft;
	struct flow_key *keys;
	uint32_t *order_a, *order_b, a, i, r;
	struct flow_pkt pkt;
	uint64_t seed = 0x9e3779b97f4a7c15ull, t_ms = 1000;
	double t0, t1;
	long thp_kb;
	const struct flowtab_stats *st;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f': flows = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'r': rounds = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'm': max_flows = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 's': same = 1; break;
		case 'p': small = 1; break;
		default: usage();
		}
	}
	if (flows < 2 || rounds < 2 || max_flows < flows)
		usage();
	keys = malloc((size_t)flows * sizeof(*keys));
	order_a = malloc((size_t)flows * sizeof(*order_a));
	order_b = malloc((size_t)flows * sizeof(*order_b));
	if (keys == NULL || order_a == NULL || order_b == NULL) {
		fprintf(stderr, "flowtab-bench: out of memory\n");
		return 1;
	}
	/* order A: a multiplicative step coprime to flows; the keys are stored
	 * in sending order so reading them is sequential whatever the order */
	for (a = (uint32_t)(flows * 0.618) | 1; ; a += 2) {
		uint32_t x = a, y = flows;
		while (y != 0) { uint32_t t = x % y; x = y; y = t; }
		if (x == 1)
			break;
	}
	for (i = 0; i < flows; i++)
		order_a[i] = (uint32_t)(((uint64_t)i * a + 7) % flows);
	for (i = 0; i < flows; i++)
		order_b[i] = i;
	for (i = flows - 1; i > 0; i--) {
		uint32_t j = (uint32_t)(xorshift(&seed) % (i + 1)), t = order_b[i];
		order_b[i] = order_b[j];
		order_b[j] = t;
	}

	memset(&conf, 0, sizeof(conf));
	conf.max_flows = max_flows;
	conf.active_ms = conf.idle_ms = conf.linger_ms = 86400000;
	conf.seed = 0x5eed;
	conf.huge_pages = !small;
	if ((ft = flowtab_new(&conf, on_export, NULL)) == NULL) {
		fprintf(stderr, "flowtab-bench: cannot allocate %u flows\n", max_flows);
		return 1;
	}
	memset(&pkt, 0, sizeof(pkt));
	pkt.octets = 46;

	for (i = 0; i < flows; i++)
		make_key(order_a[i], &keys[i]);
	for (i = 0; i < flows; i++)
		flowtab_update(ft, &keys[i], &pkt, t_ms);
	flowtab_sync(ft);
	if (!same)
		for (i = 0; i < flows; i++)
			make_key(order_b[i], &keys[i]);

	t0 = now_s();
	for (r = 1; r < rounds; r++) {
		t_ms++;
		for (i = 0; i < flows; i++)
			flowtab_update(ft, &keys[i], &pkt, t_ms);
	}
	flowtab_sync(ft);
	t1 = now_s();

	thp_kb = anon_huge_kb();
	st = flowtab_stats(ft);
	flowtab_flush(ft, ANM_END_FORCED);
	{
		uint64_t n = (uint64_t)flows * (rounds - 1);
		int ok = st->created == flows && exported_flows == flows &&
		         exported_packets == (uint64_t)flows * rounds;
		printf("RESULT flows=%u rounds=%u max_flows=%u order=%s pages=%s updates=%llu seconds=%.3f "
		       "ns_per_update=%.1f mupdates=%.2f bytes_per_flow=%zu thp_mib=%ld checks=%s\n",
		       flows, rounds, max_flows, same ? "same" : "decorrelated", small ? "small" : "huge",
		       (unsigned long long)n, t1 - t0, (t1 - t0) * 1e9 / (double)n,
		       (double)n / (t1 - t0) / 1e6, flowtab_bytes_per_flow(), thp_kb / 1024, ok ? "ok" : "FAILED");
		flowtab_free(ft);
		return ok ? 0 : 2;
	}
}
