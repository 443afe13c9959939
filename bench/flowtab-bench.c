/*
 * flowtab-bench: the flow table alone (exporter/flowtab.c), one thread, no
 * packets: how many flow updates per second it applies with F active flows.
 *
 *   flowtab-bench [--flows F] [--rounds R] [--max-flows M] [--same-order]
 *                 [--small-pages]
 *
 * The keys are like those the meter builds for bench/dpdk-bench.c's
 * frames, built up front; the flows and both orders come from
 * bench/flows.h.  Round 1 creates the flows in order A; every later round
 * updates each flow once in order B, unrelated to A (--same-order: A every
 * round).  The measured rounds are 2..R (default R = 11); the time per
 * update includes hashing the key.  Timeouts are a day, so nothing
 * expires; at the end every flow is flushed and the checks are that
 * exactly F flows were created and their packets add up.  The table is in
 * transparent huge pages, or with --small-pages in small ones
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
#include "flows.h"

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

/* A key like the one the meter builds for dpdk-bench's frame of flow k. */
static void make_key(uint32_t k, struct flow_key *key)
{
	struct bench_flow f = bench_flow(k);

	memset(key, 0, sizeof(*key));
	key->af = 4;
	key->proto = 17;
	key->src.b[0] = (uint8_t)(f.src >> 24);
	key->src.b[1] = (uint8_t)(f.src >> 16);
	key->src.b[2] = (uint8_t)(f.src >> 8);
	key->src.b[3] = (uint8_t)f.src;
	key->dst.b[0] = (uint8_t)(f.dst >> 24);
	key->dst.b[1] = (uint8_t)(f.dst >> 16);
	key->dst.b[2] = (uint8_t)(f.dst >> 8);
	key->dst.b[3] = (uint8_t)f.dst;
	key->sport = f.sport;
	key->dport = f.dport;
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
	uint32_t *order_a, *order_b, i, r;
	struct flow_pkt pkt;
	uint64_t t_ms = 1000;
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
	/* the keys are stored in sending order, so reading them is sequential
	 * whatever the order */
	bench_order_a(flows, order_a);
	bench_order_b(flows, order_b);

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

	thp_kb = bench_anon_huge_kb();
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
