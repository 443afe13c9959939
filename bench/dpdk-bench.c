/*
 * dpdk-bench: frames per second through anemone-exporter's DPDK fast path
 * (dpdk/engine.c), fed by a generator lcore over a net_ring port.
 *
 *   dpdk-bench --eal "EAL ARGS" [--workers N] [--flows F] [--seconds S]
 *              [--max-flows M] [--ring N] [--warmup-max S] [--gen-yield]
 *              [--same-order] [--small-pages]
 *   dpdk-bench --eal "EAL ARGS" --prefill R [--ports P] [--workers N]
 *              [--flows F] [--max-flows M] [--same-order] [--small-pages]
 *   dpdk-bench --write-pcap FILE [--flows F] [--packets N] [--same-order]
 *
 * The frames: F distinct IPv4/UDP flows (default 1,000,000), one 64-byte
 * frame on the wire each (60 bytes without the FCS, which a NIC does not
 * deliver).  Flow k goes from 10.(k>>16).(k>>8).k to 172.16.x.y, ports
 * derived from k: addresses and ports all vary, so the software spreading
 * hash and the flow tables both see F distinct flows.
 *
 * The order: every round visits each flow once.  The first round sends
 * them in a scattered order A (slot s: flow (s * a + 7) mod F, a coprime to
 * F), and a flow table creates its entries in the order it first sees the
 * flows, one after the other: in order A.  Every later round, the measured
 * ones included, sends them in a second order B, a pseudo-random
 * permutation (fixed seed) unrelated to A, so consecutive frames hit flow
 * entries and recency-list links scattered over the whole table, as in
 * real traffic, whose packet order has nothing to do with the order its
 * flows were created in.  (A second multiplicative step for B would also
 * put consecutive frames far apart in creation order, but the entries it
 * visits drift through the table in a regular pattern, and it measured
 * faster than a random order.)  --same-order sends every round in order A
 * instead, as earlier versions did: in steady state consecutive frames then
 * hit consecutive entries and links, sequential memory that the hardware
 * prefetcher streams in, which flatters the flow table; it is kept for
 * comparison.  Both modes print how close in creation order the flows of
 * nearby frames of the measured rounds are (the share of the pairs of
 * frames up to GAP_WINDOW apart whose flows were created less than NEAR
 * entries apart: nearly all with --same-order, about 2 * NEAR / F in
 * order B).  With N > 1 workers each worker creates its share of the flows
 * in order A (less any frame of the first round the spreader dropped: that
 * flow is created later).  The frames of both orders are built up front (2 x 64 MB for
 * 1M flows), 64 bytes apart, in sending order, so the generator's cost per
 * frame is one 64-byte copy from an array it reads sequentially, whatever
 * the order.
 *
 * Engine mode: the EAL is initialised with the given arguments (they must
 * provide main + N workers + 1 generator lcores); an rte_ring becomes DPDK
 * port P through rte_eth_from_rings (net_ring, no RSS, one RX queue reading
 * that ring), the engine opens "dpdk:P" with N workers (the first N worker
 * lcores), max-flows M in total (default 2^21), timeouts of a day and every
 * key field, the flow tables in transparent huge pages (--small-pages: in
 * small pages, as with flows.huge-pages = false).  With N > 1 worker 0
 * reads the port and spreads the frames in software, as with any device
 * without RSS.  The generator runs on the last worker lcore: it takes
 * mbufs from its own pool in bursts of 32 (rte_pktmbuf_alloc_bulk), copies
 * each frame's 64 bytes in, and enqueues
 * the burst straight into the ring (the engine has no TX queue); a ring
 * that is full is retried after rte_pause() (--gen-yield: sched_yield(),
 * which leaves the CPU to a worker sharing it), and every retry counted.
 *
 * The main lcore drains ended flows (dpdk_poll) once a millisecond; the
 * warm-up lasts until the engine has created all F flows, then the window
 * of S seconds (default 5) is measured.  Every rate comes from the engine's
 * counters: frames metered = dpdk_totals' "seen" (decoded must equal it),
 * per worker from the "stats worker" lines of dpdk_log_stats; the
 * generator's own count is printed only as the offered rate.  The CPU time
 * each lcore thread got during the window is read from /proc/self/task
 * (threads "rte-worker-L"), so an oversubscribed machine shows how much of a
 * core the workers had.  After the window the generator stops, the engine
 * stops (every flow ends, forced) and the checks run: created = F, nothing
 * evicted, nothing expired, every frame decoded, every created flow handed
 * to the main lcore, and the packets of those records adding up to the
 * frames decoded.  Exit status 0, 2 if a check failed, 1 on errors.
 *
 * Prefill mode (--prefill R) has no generator, so that N workers can have N
 * CPUs to themselves (with the main lcore, which only sleeps and looks at
 * ring counts meanwhile): before the engine starts, every frame of the run
 * (the first round, then R rounds in the measured order) is put in an mbuf
 * of one large pool and queued on P net_ring ports (--ports, default 1),
 * flow k's frames on the (k mod P)th.  The ports have no RSS, so with N > 1
 * workers each worker reads its ports and spreads in software, as the
 * engine does for any such device.  The warm-up lasts until every port's
 * first round has been received (a flow whose first frame was dropped on a
 * full worker input ring is created later); the window ends while every
 * port still holds more than PREFILL_LEFT frames, so every worker has its
 * own frames to meter throughout.  The frames are in memory the workers
 * have not touched, as a NIC's would be; the pool takes about 330 bytes a
 * frame (F * (R + 1) frames: -m accordingly), and in small pages (--no-huge)
 * a worker misses the TLB on every few mbufs: hugetlbfs pages are needed
 * for figures comparable with the generator's.  Checks as above, except
 * that flows whose every frame was dropped are not created: every frame
 * queued is metered or counted as dropped.
 *
 * Pcap mode writes N frames (default 6 * F) in the generator's order (the
 * first F in order A, the rest round after round in order B; all in order A
 * with --same-order) as a classic pcap file (microsecond records 1 us apart,
 * caplen = len = 60): the same packets for anemone-exporter -r.
 *
 * Build and run: bench/dpdk-run.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>
#include <rte_mempool.h>
#include <rte_pause.h>
#include <rte_ring.h>

#include "engine.h"
#include "flows.h"
#include "flowtab.h"
#include "log.h"
#include "meter.h"

#define FRAME_LEN   60            /* 64 bytes on the wire less the FCS */
#define SLOT        64            /* one prebuilt frame per cache line */
#define GEN_BURST   32
#define POOL_CACHE  512
#define DAY_MS      86400000u
#define GAP_WINDOW  32            /* frames: a generator burst */
#define NEAR        64            /* flow-table entries: a few KiB */
#define MAX_PORTS   4             /* --ports */
#define PREFILL_POLL 0.005        /* s between looks at a prefilled run's rings */
#define PREFILL_LEFT 200000       /* frames: the window ends when a ring holds fewer */

struct opts {
	const char *eal;
	const char *pcap;
	unsigned workers;
	uint32_t flows;
	uint32_t max_flows;
	uint32_t ring;
	uint64_t packets;
	double seconds;
	double warmup_max;
	bool yield;
	bool same_order;
	bool small_pages;         /* flows.huge-pages = false */
	unsigned prefill;         /* measured rounds queued up front (0: the generator) */
	unsigned ports;           /* with prefill: net_ring ports */
};

/* ---- the frames ---- */

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void build_frame(uint8_t *f, uint32_t k)
{
	uint8_t *ip = f + 14, *udp = ip + 20;
	uint32_t sum = 0;
	struct bench_flow fl = bench_flow(k);

	memset(f, 0, SLOT);
	f[0] = 0x02; f[5] = 0x02;                 /* 02:00:00:00:00:02 */
	f[6] = 0x02; f[11] = 0x01;                /* 02:00:00:00:00:01 */
	put16(f + 12, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, FRAME_LEN - 14);
	put16(ip + 4, k & 0xffff);                /* identification */
	ip[8] = 64;
	ip[9] = 17;
	put32(ip + 12, fl.src);
	put32(ip + 16, fl.dst);
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)ip[i] << 8 | ip[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put16(ip + 10, ~sum & 0xffff);
	put16(udp, fl.sport);
	put16(udp + 2, fl.dport);
	put16(udp + 4, FRAME_LEN - 14 - 20);
}

/* One round of frames in the order of flow[], SLOT bytes apart. */
static uint8_t *build_frames(uint32_t n, const uint32_t *flow)
{
	uint8_t *t = aligned_alloc(SLOT, (size_t)n * SLOT);

	if (t == NULL)
		return NULL;
	for (uint64_t s = 0; s < n; s++)
		build_frame(t + s * SLOT, flow[s]);
	return t;
}

/* How close in creation order (first[]) the flows of nearby frames of the
 * measured order (later[]) are: the mean distance for consecutive frames,
 * and the share of the pairs of frames at most GAP_WINDOW apart (across the
 * end of a round too) whose flows were created less than NEAR entries
 * apart.  A negative mean if out of memory. */
struct spread {
	double mean_next;
	double near_share;
};

static struct spread creation_spread(uint32_t n, const uint32_t *first, const uint32_t *later)
{
	struct spread sp = { -1, 0 };
	uint32_t *created = malloc((size_t)n * sizeof(*created));   /* flow -> slot in first */
	uint32_t *rank = malloc((size_t)n * sizeof(*rank));         /* later slot -> first slot */
	uint64_t pairs = 0, near = 0;
	double sum = 0;

	if (created != NULL && rank != NULL) {
		for (uint32_t s = 0; s < n; s++)
			created[first[s]] = s;
		for (uint32_t t = 0; t < n; t++)
			rank[t] = created[later[t]];
		for (uint64_t t = 0; t < n; t++) {
			for (uint64_t j = 1; j <= GAP_WINDOW && j < n; j++) {
				uint32_t o = rank[(t + n - j) % n];
				uint32_t dist = rank[t] > o ? rank[t] - o : o - rank[t];

				if (j == 1)
					sum += dist;
				pairs++;
				near += dist < NEAR;
			}
		}
		sp.mean_next = sum / n;
		sp.near_share = pairs > 0 ? (double)near / (double)pairs : 0;
	}
	free(created);
	free(rank);
	return sp;
}

static void le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* first: the first round; rounds: every later round */
static int write_pcap(const struct opts *o, const uint8_t *first, const uint8_t *rounds)
{
	static char iobuf[1 << 20];
	uint8_t gh[24] = { 0 }, rec[16 + FRAME_LEN];
	const uint32_t t0 = 1704067200;           /* 2024-01-01T00:00:00Z */
	FILE *f = fopen(o->pcap, "wb");
	const uint8_t *frames = first;
	uint32_t slot = 0;

	if (f == NULL) {
		fprintf(stderr, "dpdk-bench: %s: %s\n", o->pcap, strerror(errno));
		return 1;
	}
	setvbuf(f, iobuf, _IOFBF, sizeof(iobuf));
	le32(gh, 0xa1b2c3d4);
	gh[4] = 2;
	gh[6] = 4;
	le32(gh + 16, 65535);
	le32(gh + 20, 1);                         /* LINKTYPE_ETHERNET */
	fwrite(gh, 1, sizeof(gh), f);
	le32(rec + 8, FRAME_LEN);
	le32(rec + 12, FRAME_LEN);
	for (uint64_t i = 0; i < o->packets; i++) {
		le32(rec, t0 + (uint32_t)(i / 1000000));
		le32(rec + 4, (uint32_t)(i % 1000000));
		memcpy(rec + 16, frames + (size_t)slot * SLOT, FRAME_LEN);
		if (++slot == o->flows) {
			slot = 0;
			frames = rounds;
		}
		if (fwrite(rec, 1, sizeof(rec), f) != sizeof(rec))
			break;
	}
	if (ferror(f) | fclose(f)) {
		fprintf(stderr, "dpdk-bench: %s: write error\n", o->pcap);
		return 1;
	}
	printf("wrote %" PRIu64 " frames of %d bytes over %" PRIu32 " flows to %s (%s)\n",
	       o->packets, FRAME_LEN, o->flows, o->pcap,
	       o->same_order ? "every round in order A" : "first round in order A, then order B");
	return 0;
}

/* ---- the generator lcore ---- */

struct gen {
	struct rte_mempool *pool;
	struct rte_ring *ring;
	const uint8_t *first;          /* the first round's frames */
	const uint8_t *rounds;         /* every later round's */
	uint32_t nframes;
	uint16_t port;
	bool yield;                    /* sched_yield() before a retry */
	alignas(64) uint64_t sent;     /* written by the generator only */
	uint64_t retries;
	uint64_t alloc_fails;
	alignas(64) int stop;
};

static int gen_main(void *arg)
{
	struct gen *g = arg;
	struct rte_mbuf *m[GEN_BURST];
	uint64_t sent = 0, retries = 0, alloc_fails = 0;
	const uint8_t *frames = g->first;
	uint32_t slot = 0;

	while (!__atomic_load_n(&g->stop, __ATOMIC_RELAXED)) {
		unsigned done = 0;

		if (rte_pktmbuf_alloc_bulk(g->pool, m, GEN_BURST) != 0) {
			__atomic_store_n(&g->alloc_fails, ++alloc_fails, __ATOMIC_RELAXED);
			rte_pause();
			continue;
		}
		for (unsigned i = 0; i < GEN_BURST; i++) {
			rte_memcpy(rte_pktmbuf_mtod(m[i], void *), frames + (size_t)slot * SLOT, SLOT);
			m[i]->data_len = FRAME_LEN;
			m[i]->pkt_len = FRAME_LEN;
			m[i]->port = g->port;   /* as a PMD sets it; the engine reads it */
			if (++slot == g->nframes) {
				slot = 0;
				frames = g->rounds;
			}
		}
		for (;;) {
			done += rte_ring_sp_enqueue_burst(g->ring, (void **)&m[done],
			                                  GEN_BURST - done, NULL);
			if (done == GEN_BURST)
				break;
			retries++;
			if (__atomic_load_n(&g->stop, __ATOMIC_RELAXED)) {
				rte_pktmbuf_free_bulk(&m[done], GEN_BURST - done);
				break;
			}
			if (g->yield)
				sched_yield();
			else
				rte_pause();
		}
		sent += done;
		__atomic_store_n(&g->sent, sent, __ATOMIC_RELAXED);
		__atomic_store_n(&g->retries, retries, __ATOMIC_RELAXED);
	}
	return 0;
}

/* ---- the main lcore ---- */

struct ended {
	uint64_t flows, packets, per_worker[DPDK_MAX_WORKERS];
};

static void on_flow(void *ctx, unsigned worker, const struct anm_flow *f)
{
	struct ended *e = ctx;

	e->flows++;
	e->packets += f->packets;
	if (worker < DPDK_MAX_WORKERS)
		e->per_worker[worker]++;
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Drain ended flows for `seconds`, once a millisecond. */
static void poll_for(struct dpdk_engine *e, struct ended *ended, double seconds)
{
	double until = mono() + seconds;
	struct timespec ms = { 0, 1000000 };

	do {
		dpdk_poll(e, on_flow, ended);
		nanosleep(&ms, NULL);
	} while (mono() < until);
}

struct snap {
	double t;
	struct meter_stats ms;
	struct flowtab_stats fs;
	struct cap_stats cs;
	uint64_t wseen[DPDK_MAX_WORKERS], wdrops[DPDK_MAX_WORKERS];
	unsigned wfound;
	uint64_t gen_sent, gen_retries;
	double cpu[RTE_MAX_LCORE];     /* CPU seconds of each lcore's thread */
	double cpu_all;                /* every thread of the process */
};

/* The per-worker figures exist only as dpdk_log_stats lines (log_info to
 * stderr): catch them in memory.  Workers write to stderr only for a frame
 * they cannot decode, and these frames all decode (decoded = seen is
 * checked). */
static void worker_lines(struct dpdk_engine *e, struct snap *s)
{
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len), *saved = stderr;

	s->wfound = 0;
	if (mem == NULL)
		return;
	stderr = mem;
	dpdk_log_stats(e);
	stderr = saved;
	fclose(mem);
	for (line = strtok_r(buf, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		const char *p = strstr(line, "stats worker "), *d;
		unsigned w;
		uint64_t seen;

		if (p == NULL || sscanf(p, "stats worker %u (lcore %*u): seen=%" SCNu64, &w, &seen) != 2 ||
		    w >= DPDK_MAX_WORKERS)
			continue;
		s->wseen[w] = seen;
		d = strstr(p, "spread-drops=");
		s->wdrops[w] = d != NULL ? strtoull(d + 13, NULL, 10) : 0;
		s->wfound++;
	}
	free(buf);
}

/* utime + stime of every thread, by lcore ("rte-worker-L"; the main lcore
 * is the process's first thread). */
static void thread_cpu(struct snap *s)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	double hz = (double)sysconf(_SC_CLK_TCK);

	memset(s->cpu, 0, sizeof(s->cpu));
	s->cpu_all = 0;
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char path[300], buf[1024], comm[64] = "";
		unsigned long ut = 0, st = 0;
		const char *p;
		FILE *f;
		size_t n;
		int lcore = -1;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", de->d_name);
		if ((f = fopen(path, "r")) != NULL) {
			if (fgets(comm, sizeof(comm), f) == NULL)
				comm[0] = '\0';
			fclose(f);
		}
		snprintf(path, sizeof(path), "/proc/self/task/%s/stat", de->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		/* after "pid (comm) ": state is field 3, utime 14, stime 15 */
		if ((p = strrchr(buf, ')')) == NULL ||
		    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
			continue;
		if (strtol(de->d_name, NULL, 10) == (long)getpid())
			lcore = (int)rte_get_main_lcore();
		else if (sscanf(comm, "rte-worker-%d", &lcore) != 1)
			lcore = -1;
		s->cpu_all += (double)(ut + st) / hz;
		if (lcore >= 0 && lcore < RTE_MAX_LCORE)
			s->cpu[lcore] = (double)(ut + st) / hz;
	}
	closedir(d);
}

static void take(struct dpdk_engine *e, const struct gen *g, struct snap *s)
{
	double t0 = mono();

	dpdk_totals(e, &s->ms, &s->fs, &s->cs);
	s->t = (t0 + mono()) / 2;
	s->gen_sent = __atomic_load_n(&g->sent, __ATOMIC_RELAXED);
	s->gen_retries = __atomic_load_n(&g->retries, __ATOMIC_RELAXED);
	worker_lines(e, s);
	thread_cpu(s);
}

static void usage(void)
{
	fprintf(stderr,
	        "usage: dpdk-bench --eal \"EAL ARGS\" [--workers N] [--flows F] [--seconds S]\n"
	        "                  [--max-flows M] [--ring N] [--warmup-max S] [--gen-yield]\n"
	        "                  [--same-order] [--small-pages]\n"
	        "       dpdk-bench --eal \"EAL ARGS\" --prefill R [--ports P] [--workers N] [--flows F]\n"
	        "                  [--max-flows M] [--same-order] [--small-pages]\n"
	        "       dpdk-bench --write-pcap FILE [--flows F] [--packets N] [--same-order]\n");
	exit(1);
}

static void parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "eal", required_argument, NULL, 'e' },
		{ "workers", required_argument, NULL, 'w' },
		{ "flows", required_argument, NULL, 'f' },
		{ "seconds", required_argument, NULL, 's' },
		{ "max-flows", required_argument, NULL, 'm' },
		{ "ring", required_argument, NULL, 'r' },
		{ "warmup-max", required_argument, NULL, 'W' },
		{ "write-pcap", required_argument, NULL, 'p' },
		{ "packets", required_argument, NULL, 'n' },
		{ "gen-yield", no_argument, NULL, 'y' },
		{ "same-order", no_argument, NULL, 'S' },
		{ "small-pages", no_argument, NULL, 'P' },
		{ "prefill", required_argument, NULL, 'R' },
		{ "ports", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct opts){ .workers = 1, .flows = 1000000, .max_flows = 1u << 21,
	                    .ring = 4096, .seconds = 5, .warmup_max = 30, .ports = 1 };
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'e': o->eal = optarg; break;
		case 'w': o->workers = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'f': o->flows = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 's': o->seconds = strtod(optarg, NULL); break;
		case 'm': o->max_flows = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'r': o->ring = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'W': o->warmup_max = strtod(optarg, NULL); break;
		case 'p': o->pcap = optarg; break;
		case 'n': o->packets = strtoull(optarg, NULL, 10); break;
		case 'y': o->yield = true; break;
		case 'S': o->same_order = true; break;
		case 'P': o->small_pages = true; break;
		case 'R': o->prefill = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'o': o->ports = (unsigned)strtoul(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (optind != argc || (o->pcap == NULL) == (o->eal == NULL) || o->flows == 0 ||
	    o->flows > (1u << 24) || o->workers == 0 || o->workers > DPDK_MAX_WORKERS ||
	    o->seconds <= 0 || o->max_flows == 0 || o->ring < 64 ||
	    (o->ring & (o->ring - 1)) != 0 || o->ports == 0 || o->ports > MAX_PORTS ||
	    (o->ports > 1 && o->prefill == 0) || o->prefill > 64)
		usage();
	if (o->packets == 0)
		o->packets = 6 * (uint64_t)o->flows;
}

/* --prefill: queue every frame up front, the first round (order A) then
 * `later` rounds (order B), each flow's frames on port flow % np, in mbufs
 * of pool.  0, or -1 when the pool or a ring is too small. */
static int prefill(struct rte_mempool *pool, struct rte_ring *const *rings, const int *ports,
                   unsigned np, const uint8_t *first, const uint8_t *rounds,
                   const uint32_t *fa, const uint32_t *fb, uint32_t flows, unsigned later)
{
	for (unsigned r = 0; r <= later; r++) {
		const uint8_t *frames = r == 0 ? first : rounds;
		const uint32_t *flow = r == 0 ? fa : fb;

		for (uint32_t i = 0; i < flows; i++) {
			unsigned p = flow[i] % np;
			struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

			if (m == NULL)
				return -1;
			rte_memcpy(rte_pktmbuf_mtod(m, void *), frames + (size_t)i * SLOT, SLOT);
			m->data_len = FRAME_LEN;
			m->pkt_len = FRAME_LEN;
			m->port = (uint16_t)ports[p];
			if (rte_ring_sp_enqueue(rings[p], m) != 0) {
				rte_pktmbuf_free(m);
				return -1;
			}
		}
	}
	return 0;
}

static double rate(uint64_t a, uint64_t b, double dt)
{
	return (double)(b - a) / dt / 1e6;
}

int main(int argc, char **argv)
{
	struct opts o;
	char err[512], portspec[64];
	uint8_t *first, *rounds;
	uint32_t *fa, *fb;
	struct spread spread;
	struct rte_ring *rings[MAX_PORTS];
	int ports[MAX_PORTS];
	uint64_t per_port[MAX_PORTS] = { 0 }, first_port[MAX_PORTS] = { 0 }, total = 0;
	struct rte_mempool *pool;
	struct gen *g;
	struct dpdk_engine *e;
	struct dpdk_conf dc;
	struct ended ended = { 0 };
	struct snap a, b, fin;
	unsigned lcore, nth = 0, gen_lcore = 0, worker_lcore[DPDK_MAX_WORKERS];
	unsigned np;
	int bad = 0;
	double t_warm, wcpu = 0, dt;
	uint64_t pool_n;
	long thp_kb;

	setvbuf(stdout, NULL, _IOLBF, 0);
	parse(argc, argv, &o);
	log_init("dpdk-bench", LOG_TO_STDERR, 0);
	np = o.ports;
	fa = malloc((size_t)o.flows * sizeof(*fa));
	fb = o.same_order ? fa : malloc((size_t)o.flows * sizeof(*fb));
	if (fa == NULL || fb == NULL) {
		fprintf(stderr, "dpdk-bench: out of memory\n");
		return 1;
	}
	bench_order_a(o.flows, fa);
	if (fb != fa)
		bench_order_b(o.flows, fb);
	first = build_frames(o.flows, fa);
	rounds = fb == fa ? first : build_frames(o.flows, fb);
	spread = creation_spread(o.flows, fa, fb);
	if (first == NULL || rounds == NULL || spread.mean_next < 0) {
		fprintf(stderr, "dpdk-bench: out of memory\n");
		return 1;
	}
	printf("order %s: the first round (it creates the flows) in order A, every later round "
	       "in order %s; in creation order, the flows of consecutive frames of the later "
	       "rounds are %.0f entries apart on average, and %.4f %% of the pairs of frames up "
	       "to %d apart are less than %d entries apart\n",
	       o.same_order ? "same" : "decorrelated", o.same_order ? "A" : "B",
	       spread.mean_next, 100 * spread.near_share, GAP_WINDOW, NEAR);
	if (o.pcap != NULL) {
		int rc = write_pcap(&o, first, rounds);
		if (rounds != first)
			free(rounds);
		free(first);
		if (fb != fa)
			free(fb);
		free(fa);
		return rc;
	}

	if (dpdk_eal_init(o.eal, err, sizeof(err)) < 0) {
		fprintf(stderr, "dpdk-bench: %s\n", err);
		return 1;
	}
	/* main + workers + the generator on the last worker lcore (no generator
	 * with --prefill) */
	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (nth < o.workers)
			worker_lcore[nth] = lcore;
		gen_lcore = lcore;
		nth++;
	}
	if (nth < o.workers + (o.prefill ? 0 : 1)) {
		fprintf(stderr, "dpdk-bench: %u workers%s need %u worker lcores, the EAL has %u\n",
		        o.workers, o.prefill ? "" : " and a generator",
		        o.workers + (o.prefill ? 0 : 1), nth);
		return 1;
	}

	/* room for the frames (the ring, or every frame with --prefill), the
	 * engine's input rings and bursts, the caches */
	if (o.prefill) {
		for (uint32_t i = 0; i < o.flows; i++) {
			first_port[fa[i] % np]++;
			per_port[fa[i] % np]++;
			per_port[fb[i] % np] += o.prefill;
		}
		total = (uint64_t)o.flows * (o.prefill + 1);
	}
	pool_n = (o.prefill ? total : o.ring) + (uint64_t)o.workers * (2048 + 64 * (o.workers + 1)) +
	         (uint64_t)(o.workers + 2) * POOL_CACHE * 2;
	if (!o.prefill)
		pool_n = rte_align64pow2(pool_n) - 1;
	pool = rte_pktmbuf_pool_create("bench_gen", (unsigned)pool_n, POOL_CACHE, 0,
	                               RTE_PKTMBUF_HEADROOM + (o.prefill ? SLOT : 128),
	                               (int)rte_socket_id());
	if (pool == NULL) {
		fprintf(stderr, "dpdk-bench: pool of %" PRIu64 " mbufs: %s (more -m?)\n", pool_n,
		        rte_strerror(rte_errno));
		return 1;
	}
	portspec[0] = '\0';
	for (unsigned p = 0; p < np; p++) {
		char name[32];
		uint32_t size = o.prefill ? rte_align32pow2((uint32_t)per_port[p] + 1) : o.ring;

		snprintf(name, sizeof(name), "bench_rx%u", p);
		if ((rings[p] = rte_ring_create(name, size, (int)rte_socket_id(),
		                                RING_F_SP_ENQ | RING_F_SC_DEQ)) == NULL) {
			fprintf(stderr, "dpdk-bench: ring of %u: %s (more -m?)\n", size,
			        rte_strerror(rte_errno));
			return 1;
		}
		snprintf(name, sizeof(name), "net_ring_bench%u", p);
		if ((ports[p] = rte_eth_from_rings(name, &rings[p], 1, &rings[p], 1,
		                                   rte_socket_id())) < 0) {
			fprintf(stderr, "dpdk-bench: rte_eth_from_rings: %s\n", rte_strerror(rte_errno));
			return 1;
		}
		snprintf(portspec + strlen(portspec), sizeof(portspec) - strlen(portspec), "%s%d",
		         p == 0 ? DPDK_IFACE_PREFIX : ",", ports[p]);
	}
	if (o.prefill && prefill(pool, rings, ports, np, first, rounds, fa, fb, o.flows,
	                         o.prefill) < 0) {
		fprintf(stderr, "dpdk-bench: cannot queue %" PRIu64 " frames\n", total);
		return 1;
	}

	memset(&dc, 0, sizeof(dc));
	dc.eal_args = o.eal;
	dc.ports = portspec;
	dc.workers = o.workers;
	dc.meter.key_fields = KEY_ALL;
	dc.meter.flows.max_flows = o.max_flows;
	dc.meter.flows.active_ms = DAY_MS;
	dc.meter.flows.idle_ms = DAY_MS;
	dc.meter.flows.linger_ms = DAY_MS;
	dc.meter.flows.seed = UINT64_C(0x9e3779b97f4a7c15);
	dc.meter.flows.huge_pages = !o.small_pages;
	dc.meter.sampling_seed = 1;
	if ((e = dpdk_open(&dc, err, sizeof(err))) == NULL) {
		fprintf(stderr, "dpdk-bench: %s\n", err);
		return 1;
	}
	if ((g = rte_zmalloc("bench_gen", sizeof(*g), 64)) == NULL) {
		fprintf(stderr, "dpdk-bench: out of memory\n");
		return 1;
	}
	g->pool = pool;
	g->ring = rings[0];
	g->first = first;
	g->rounds = rounds;
	g->nframes = o.flows;
	g->port = (uint16_t)ports[0];
	g->yield = o.yield;
	g->sent = total;

	if (o.prefill)
		printf("ports %s (net_ring, one rte_ring each), %" PRIu64 " frames queued up front "
		       "(the first round and %u more; flow k on the (k mod %u)th port), %u worker(s) "
		       "on lcore(s)", portspec, total, o.prefill, np, o.workers);
	else
		printf("port %s (net_ring over one rte_ring of %u), %u worker(s) on lcore(s)",
		       portspec, o.ring, o.workers);
	for (unsigned i = 0; i < o.workers; i++)
		printf("%s%u", i ? "," : " ", worker_lcore[i]);
	if (!o.prefill)
		printf(", generator on lcore %u", gen_lcore);
	printf(", main lcore %u; %" PRIu32 " flows, max-flows %" PRIu32 ", pool of %" PRIu64
	       " mbufs\n", rte_get_main_lcore(), o.flows, o.max_flows, pool_n);

	dpdk_start(e);
	if (!o.prefill && rte_eal_remote_launch(gen_main, g, gen_lcore) != 0) {
		fprintf(stderr, "dpdk-bench: cannot launch the generator on lcore %u\n", gen_lcore);
		return 1;
	}

	/* warm-up: until every flow exists; with --prefill, until every port's
	 * first round has been received (looking at the rings does not disturb
	 * the workers, as asking them for their figures would; a flow whose
	 * first frame a full worker input ring dropped is created later) */
	t_warm = mono();
	for (;;) {
		bool done = true;

		if (o.prefill) {
			poll_for(e, &ended, PREFILL_POLL);
			for (unsigned p = 0; p < np; p++)
				done = done && rte_ring_count(rings[p]) <= per_port[p] - first_port[p];
			if (!done && mono() - t_warm < o.warmup_max)
				continue;
		} else {
			poll_for(e, &ended, 0.05);
		}
		take(e, g, &a);
		if (o.prefill ? done : a.fs.created >= o.flows)
			break;
		if (a.t - t_warm > o.warmup_max) {
			fprintf(stderr, "dpdk-bench: warm-up: %" PRIu64 " of %" PRIu32 " flows after "
			        "%.0f s (seen=%" PRIu64 ", spread drops %" PRIu64 ")\n", a.fs.created,
			        o.flows, o.warmup_max, a.ms.seen, a.cs.dropped);
			bad = 1;
			break;
		}
	}
	printf("warm-up: %" PRIu64 " flows created in %.2f s (%" PRIu64 " frames metered)\n",
	       a.fs.created, a.t - t_warm, a.ms.seen);

	if (!o.prefill) {
		poll_for(e, &ended, o.seconds);
		take(e, g, &b);
	} else {
		/* the window ends while every port still holds frames (until then
		 * every worker has its own to meter); meanwhile the main lcore
		 * only looks at the rings, not at the workers (a snapshot asks
		 * each for its figures) */
		for (;;) {
			unsigned least = UINT_MAX;

			poll_for(e, &ended, PREFILL_POLL);
			for (unsigned p = 0; p < np; p++) {
				unsigned c = rte_ring_count(rings[p]);
				least = c < least ? c : least;
			}
			if (least < PREFILL_LEFT)
				break;
			if (mono() - a.t > o.warmup_max) {
				fprintf(stderr, "dpdk-bench: the ports still hold %u frames or more after "
				        "%.0f s\n", least, o.warmup_max);
				bad = 1;
				break;
			}
		}
		take(e, g, &b);
		for (unsigned p = 0; p < np; p++)
			if (rte_ring_count(rings[p]) == 0) {
				fprintf(stderr, "dpdk-bench: port %d ran dry before the window ended: "
				        "fewer ports or more rounds (--prefill)\n", ports[p]);
				bad = 1;
			}
		if (b.t - a.t < 5 * PREFILL_POLL) {
			fprintf(stderr, "dpdk-bench: a window of %.3f s: queue more rounds (--prefill)\n",
			        b.t - a.t);
			bad = 1;
		}
		/* meter the rest, for the checks */
		for (;;) {
			take(e, g, &fin);
			if (fin.ms.seen + fin.cs.dropped >= total)
				break;
			if (fin.t - b.t > o.warmup_max) {
				fprintf(stderr, "dpdk-bench: %" PRIu64 " of %" PRIu64 " frames metered\n",
				        fin.ms.seen, total);
				bad = 1;
				break;
			}
			poll_for(e, &ended, PREFILL_POLL);
		}
	}
	dt = b.t - a.t;
	thp_kb = bench_anon_huge_kb();

	if (!o.prefill) {
		__atomic_store_n(&g->stop, 1, __ATOMIC_RELAXED);
		rte_eal_wait_lcore(gen_lcore);
	}
	dpdk_stop(e, on_flow, &ended);
	take(e, g, &fin);

	printf("\nwindow: %.3f s\n", dt);
	printf("metered (engine, dpdk_totals seen): %" PRIu64 " frames, %.2f Mpps total, "
	       "%.2f Mpps per worker core (total / %u)\n", b.ms.seen - a.ms.seen,
	       rate(a.ms.seen, b.ms.seen, dt), rate(a.ms.seen, b.ms.seen, dt) / o.workers,
	       o.workers);
	for (unsigned i = 0; i < o.workers; i++) {
		double c = b.cpu[worker_lcore[i]] - a.cpu[worker_lcore[i]];
		wcpu += c;
		printf("  worker %u (lcore %u): %.2f Mpps metered, %.2f CPU s in the window "
		       "(%.0f %% of a core)%s\n", i, worker_lcore[i],
		       rate(a.wseen[i], b.wseen[i], dt), c, 100 * c / dt,
		       a.wfound == o.workers && b.wfound == o.workers ? "" : " [stats lines missing]");
	}
	printf("  per worker CPU second: %.2f Mpps (%.2f CPU s over the workers)\n",
	       wcpu > 0 ? (double)(b.ms.seen - a.ms.seen) / wcpu / 1e6 : 0.0, wcpu);
	if (!o.prefill)
		printf("generator (lcore %u): %.2f Mpps enqueued, %" PRIu64 " ring-full retries in "
		       "the window (%" PRIu64 " in all), %.2f CPU s; ", gen_lcore,
		       rate(a.gen_sent, b.gen_sent, dt), b.gen_retries - a.gen_retries,
		       fin.gen_retries, b.cpu[gen_lcore] - a.cpu[gen_lcore]);
	printf("main lcore %.2f CPU s; process %.2f CPU s\n",
	       b.cpu[rte_get_main_lcore()] - a.cpu[rte_get_main_lcore()], b.cpu_all - a.cpu_all);
	printf("transparent huge pages: %ld MiB of the process's memory\n", thp_kb / 1024);
	printf("spread drops (worker input ring full): %" PRIu64 " in the window, %" PRIu64
	       " in all\n", b.cs.dropped - a.cs.dropped, fin.cs.dropped);

	/* checks: the engine's own account of the run */
	printf("\nat the end: seen=%" PRIu64 " decoded=%" PRIu64 " created=%" PRIu64
	       " ended-forced=%" PRIu64 " ended-resources=%" PRIu64 " ended-idle=%" PRIu64
	       " ended-active=%" PRIu64 "; main lcore received %" PRIu64 " flows holding %" PRIu64
	       " packets; generator sent %" PRIu64 ", allocation failures %" PRIu64 "\n",
	       fin.ms.seen, fin.ms.decoded, fin.fs.created, fin.fs.ended[ANM_END_FORCED],
	       fin.fs.ended[ANM_END_RESOURCES], fin.fs.ended[ANM_END_IDLE],
	       fin.fs.ended[ANM_END_ACTIVE], ended.flows, ended.packets, fin.gen_sent,
	       __atomic_load_n(&g->alloc_fails, __ATOMIC_RELAXED));
	if (o.prefill ? fin.fs.created > o.flows : fin.fs.created != o.flows) {
		printf("CHECK FAILED: %" PRIu64 " flows created, not %" PRIu32 "\n", fin.fs.created, o.flows);
		bad = 1;
	}
	if (o.prefill && fin.ms.seen + fin.cs.dropped != total) {
		printf("CHECK FAILED: of %" PRIu64 " frames queued, %" PRIu64 " metered and %" PRIu64
		       " dropped\n", total, fin.ms.seen, fin.cs.dropped);
		bad = 1;
	}
	if (fin.ms.decoded != fin.ms.seen) {
		printf("CHECK FAILED: %" PRIu64 " of %" PRIu64 " frames decoded\n", fin.ms.decoded, fin.ms.seen);
		bad = 1;
	}
	if (fin.fs.ended[ANM_END_RESOURCES] + fin.fs.ended[ANM_END_IDLE] +
	    fin.fs.ended[ANM_END_ACTIVE] != 0) {
		printf("CHECK FAILED: flows evicted or expired during the run\n");
		bad = 1;
	}
	if (ended.flows != fin.fs.created || ended.packets != fin.ms.decoded) {
		printf("CHECK FAILED: the main lcore got %" PRIu64 " flows of %" PRIu64 " packets, "
		       "the workers created %" PRIu64 " and decoded %" PRIu64 "\n", ended.flows,
		       ended.packets, fin.fs.created, fin.ms.decoded);
		bad = 1;
	}
	if (b.wfound != o.workers || a.wfound != o.workers) {
		printf("CHECK FAILED: per-worker stats lines not found\n");
		bad = 1;
	}
	printf("RESULT workers=%u ports=%u prefill=%u order=%s pages=%s near_pct=%.4f window_s=%.3f"
	       " metered=%" PRIu64 " mpps=%.3f mpps_per_worker=%.3f", o.workers, np, o.prefill,
	       o.same_order ? "same" : "decorrelated", o.small_pages ? "small" : "huge",
	       100 * spread.near_share, dt,
	       b.ms.seen - a.ms.seen, rate(a.ms.seen, b.ms.seen, dt),
	       rate(a.ms.seen, b.ms.seen, dt) / o.workers);
	for (unsigned i = 0; i < o.workers; i++)
		printf(" w%u_mpps=%.3f w%u_cpu=%.2f", i, rate(a.wseen[i], b.wseen[i], dt), i,
		       b.cpu[worker_lcore[i]] - a.cpu[worker_lcore[i]]);
	printf(" mpps_per_worker_cpu_s=%.3f gen_mpps=%.3f gen_cpu=%.2f retries=%" PRIu64
	       " spread_drops=%" PRIu64 " created=%" PRIu64 " thp_mib=%ld checks=%s\n",
	       wcpu > 0 ? (double)(b.ms.seen - a.ms.seen) / wcpu / 1e6 : 0.0,
	       rate(a.gen_sent, b.gen_sent, dt), o.prefill ? 0.0 : b.cpu[gen_lcore] - a.cpu[gen_lcore],
	       b.gen_retries - a.gen_retries, b.cs.dropped - a.cs.dropped, fin.fs.created,
	       thp_kb / 1024, bad ? "FAILED" : "ok");

	/* What the generator left in the rings is not the engine's any more;
	 * dpdk_close closes the ports and cleans up the EAL (its memory with it). */
	for (unsigned p = 0; p < np; p++) {
		struct rte_mbuf *m[GEN_BURST];
		unsigned n;
		while ((n = rte_ring_dequeue_burst(rings[p], (void **)m, GEN_BURST, NULL)) > 0)
			rte_pktmbuf_free_bulk(m, n);
	}
	rte_free(g);
	dpdk_close(e);
	if (rounds != first)
		free(rounds);
	free(first);
	if (fb != fa)
		free(fb);
	free(fa);
	return bad ? 2 : 0;
}
