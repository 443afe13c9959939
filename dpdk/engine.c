/*
 * The DPDK fast path (see engine.h).
 *
 * Threads: the main lcore (the exporter's own thread) drains the workers'
 * rings of ended flows and does everything that may block: encoding,
 * sending, statistics, signals.  Each worker lcore polls its RX queues in
 * bursts, meters every frame into its own meter and flow table, and expires
 * its own flows, a bounded number between bursts; nothing on the packet
 * path is shared between workers but the input rings of software spreading.
 *
 * Time: a port replaying a capture file (net_pcap rx_pcap=) gives each mbuf
 * the pcap record's time (microseconds, in the mbuf timestamp dynamic field);
 * then every clock is packet time, as with -r.  A device that timestamps
 * frames itself (RX timestamp offload) is converted from its clock, whose
 * rate is measured against the TSC at start; otherwise a burst is stamped
 * with the TSC, anchored at the wall clock at start.  A frame passed to
 * another worker carries its time in a dynamic field of our own.
 *
 * Flow control: a worker never waits for the main lcore unless its ring of
 * ended flows and its spare buffer are both full.  Live traffic spread to a
 * worker whose input ring is full is dropped and counted (as a NIC drops
 * what its queue cannot hold); a replayed file is not live, so there the
 * spreading worker waits instead, metering its own input meanwhile.
 */
#include <errno.h>
#include <stdalign.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

/* rte_eth_read_clock() (device timestamps) is still experimental in 22.11 */
#define ALLOW_EXPERIMENTAL_API 1
/* DPDK 22.11's headers compile cleanly with -std=c11 -Wall -Wextra; their
 * flags (DPDK_CFLAGS: -include rte_config.h, -march) reach only dpdk/. */
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_devargs.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>
#include <rte_pause.h>
#include <rte_prefetch.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "engine.h"
#include "log.h"
#include "spreader.h"

#define BURST          32
#define PREFETCH_AHEAD 4
#define RX_DESC        1024
#define IN_RING        2048           /* frames spread to a worker */
#define OUT_RING       8192           /* ended flows to the main lcore */
#define PEND           256            /* ended flows waiting for room */
#define EXPIRE_BATCH   64             /* flows a worker expires between bursts */
#define POOL_CACHE     256
#define MAX_ARGS       64
#define BOUNCE         65536          /* a multi-segment frame, linearised */
#define MAX_RXQ        (DPDK_MAX_PORTS * DPDK_MAX_QUEUES)
#define IDLE_SLEEP_NS  50000          /* sleep this long when idle ... */
#define IDLE_AFTER_NS  1000000        /* ... for longer than this */
#define STATS_WAIT_MS  200

_Static_assert(sizeof(struct anm_flow) % 4 == 0, "ring elements are 4-byte multiples");

struct port {
	uint16_t id;
	char name[24];                 /* "dpdk:0" */
	const char *driver;
	bool configured, started;
	bool rss, replay, devts;
	uint16_t nq;
	int ts_off;                    /* replay or device timestamps */
	uint64_t ts_flag;
	uint64_t dev_hz, dev0, dev_wall0_ms;
};

struct rxq {
	uint16_t port, queue;
	uint8_t pidx;
	bool spread;                   /* hash in software */
	uint64_t frames;               /* worker-private */
};

struct worker_pub {                    /* copied out on request */
	struct meter_stats ms;
	struct flowtab_stats fs;
	uint64_t spread_out, spread_in, spread_drops, spread_waits, export_waits;
	uint64_t expiry_deferred;
	uint64_t rxq_frames[MAX_RXQ];
};

struct worker {
	struct dpdk_engine *e;
	unsigned id, lcore;
	struct meter *meter;
	struct spreader *spreader;     /* software spreading, with several workers */
	struct rte_ring *in, *out;
	struct rxq rxq[MAX_RXQ];
	unsigned nrxq;
	uint16_t cur_port;
	uint64_t now_ms;
	uint8_t *bounce;
	struct ratelim drop_rl;
	uint64_t spread_out, spread_in, spread_drops, spread_waits, export_waits;
	uint64_t expiry_deferred;      /* expiries spread over several bursts */
	bool expiring;                 /* flows are due and not yet ended */
	unsigned npend;
	struct anm_flow pend[PEND];
	uint16_t nspread[DPDK_MAX_WORKERS];
	struct rte_mbuf *spread[DPDK_MAX_WORKERS][BURST];

	/* shared with the main lcore, on their own cache lines */
	alignas(64) uint64_t pub_now_ms;       /* replay: latest packet time */
	uint64_t pub_first_ms;                 /* replay: first packet time */
	uint64_t pub_active_tsc;               /* last frame seen or held */
	alignas(64) unsigned stats_req;
	alignas(64) unsigned stats_ack;
	int finished;
	struct worker_pub pub;
};

struct dpdk_engine {
	struct dpdk_conf conf;
	unsigned nports, nworkers;
	struct port port[DPDK_MAX_PORTS];
	uint32_t in_if[RTE_MAX_ETHPORTS];
	struct rte_mempool *pool;
	int ts_field;                  /* our dynamic field: ms time of a spread frame */
	bool replay;
	bool launched;
	uint64_t hz, tsc0, wall0_ms;
	uint64_t eof_cycles;
	struct worker *w[DPDK_MAX_WORKERS];
	alignas(64) int stop;
	unsigned rx_stopped;
	uint64_t final_ms;
};

static bool eal_done, eal_ok;         /* rte_eal_init() runs once per process */
static char *eal_argv_buf;
static char *eal_argv[MAX_ARGS + 2];

static uint64_t wall_now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

int dpdk_eal_init(const char *args, char *err, size_t errlen)
{
	int argc = 0, rc;
	char *s, *save = NULL;

	if (eal_done) {
		if (!eal_ok)
			snprintf(err, errlen, "dpdk: EAL initialisation failed earlier");
		return eal_ok ? 0 : -1;
	}
	eal_done = true;
	if (args == NULL) {
		snprintf(err, errlen, "dpdk: no EAL arguments (--dpdk or input.dpdk)");
		return -1;
	}
	if ((eal_argv_buf = strdup(args)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	eal_argv[argc++] = (char *)"anemone-exporter";
	for (s = strtok_r(eal_argv_buf, " \t\n", &save); s != NULL;
	     s = strtok_r(NULL, " \t\n", &save)) {
		if (argc == MAX_ARGS + 1) {
			snprintf(err, errlen, "dpdk: more than %d EAL arguments", MAX_ARGS);
			return -1;
		}
		eal_argv[argc++] = s;
	}
	eal_argv[argc] = NULL;
	if ((rc = rte_eal_init(argc, eal_argv)) < 0) {
		snprintf(err, errlen, "dpdk: EAL initialisation failed (%s): %s",
		         args, rte_strerror(rte_errno));
		return -1;
	}
	eal_ok = true;
	if (rc != argc - 1) {
		snprintf(err, errlen, "dpdk: unexpected non-EAL argument '%s' in '%s'",
		         eal_argv[rc + 1], args);
		return -1;
	}
	return 0;
}

/* "dpdk:0" or "dpdk:0,1,3": port ids. */
static int parse_ports(struct dpdk_engine *e, const char *spec, char *err, size_t errlen)
{
	const char *p = spec;

	if (strncmp(p, DPDK_IFACE_PREFIX, strlen(DPDK_IFACE_PREFIX)) == 0)
		p += strlen(DPDK_IFACE_PREFIX);
	for (;;) {
		char *end;
		unsigned long v;

		errno = 0;
		v = strtoul(p, &end, 10);
		if (end == p || errno != 0 || v >= RTE_MAX_ETHPORTS || (*end != '\0' && *end != ',')) {
			snprintf(err, errlen, "%s: not a DPDK port or list of ports "
			         "(dpdk:PORT[,PORT...], PORT a port id)", spec);
			return -1;
		}
		for (unsigned i = 0; i < e->nports; i++)
			if (e->port[i].id == v) {
				snprintf(err, errlen, "%s: port %lu given twice", spec, v);
				return -1;
			}
		if (e->nports == DPDK_MAX_PORTS) {
			snprintf(err, errlen, "%s: at most %d ports", spec, DPDK_MAX_PORTS);
			return -1;
		}
		e->port[e->nports].id = (uint16_t)v;
		snprintf(e->port[e->nports].name, sizeof(e->port[0].name), "dpdk:%lu", v);
		e->nports++;
		if (*end == '\0')
			return 0;
		p = end + 1;
	}
}

/* Is this port net_pcap reading a capture file (rx_pcap=FILE), rather than
 * a live interface (rx_iface=, iface=: stamped on arrival by libpcap)? */
static bool pcap_file_replay(const struct rte_eth_dev_info *info)
{
	const struct rte_devargs *da;

	if (info->driver_name == NULL || strcmp(info->driver_name, "net_pcap") != 0 ||
	    info->device == NULL || (da = rte_dev_devargs(info->device)) == NULL ||
	    da->args == NULL)
		return false;
	return strstr(da->args, "rx_pcap=") != NULL;
}

static uint64_t tsc_to_ms(const struct dpdk_engine *e, uint64_t tsc)
{
	uint64_t d = tsc - e->tsc0;

	return e->wall0_ms + d / e->hz * 1000 + d % e->hz * 1000 / e->hz;
}

/* Measure a timestamping device's clock rate against the TSC. */
static void devclock_calibrate(struct dpdk_engine *e, struct port *p)
{
	uint64_t c0, c1, t0, t1;
	struct timespec ts = { 0, 20000000 };

	if (rte_eth_read_clock(p->id, &c0) != 0)
		goto none;
	t0 = rte_get_tsc_cycles();
	nanosleep(&ts, NULL);
	if (rte_eth_read_clock(p->id, &c1) != 0 || c1 <= c0)
		goto none;
	t1 = rte_get_tsc_cycles();
	p->dev_hz = (uint64_t)((double)(c1 - c0) * (double)e->hz / (double)(t1 - t0));
	p->dev0 = c1;
	p->dev_wall0_ms = tsc_to_ms(e, t1);
	if (p->dev_hz > 0)
		return;
none:
	p->devts = false;             /* no readable clock: stamp with the TSC */
}

static uint8_t sym_key[64];           /* 0x6d5a repeated: a symmetric Toeplitz key */

/* Does the port hash with our key (read back: a driver may accept a key
 * and ignore it)? */
static bool rss_verified(const struct port *p, uint8_t key_len)
{
	uint8_t key[sizeof(sym_key)];
	struct rte_eth_rss_conf rc;

	memset(&rc, 0, sizeof(rc));
	rc.rss_key = key;
	rc.rss_key_len = key_len;
	if (rte_eth_dev_rss_hash_conf_get(p->id, &rc) != 0 || rc.rss_hf == 0)
		return false;
	return memcmp(key, sym_key, key_len) == 0;
}

/* Configure and start a port: with RSS over p->nq queues, or without.  Some
 * drivers want as many TX queues as RX queues (net_tap): then TX queues are
 * set up too, and never used. */
static int port_start(struct dpdk_engine *e, struct port *p,
                      const struct rte_eth_dev_info *info, char *err, size_t errlen)
{
	struct rte_eth_conf pconf;
	struct rte_eth_rxconf rxconf;
	uint16_t nrxd = RX_DESC, ntxd = 0, ntxq = 0;
	uint8_t key_len = info->hash_key_size && info->hash_key_size <= sizeof(sym_key) ?
	                  info->hash_key_size : 40;
	int rc, socket;

	memset(&pconf, 0, sizeof(pconf));
	if (p->rss) {
		pconf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		pconf.rx_adv_conf.rss_conf.rss_key = sym_key;
		pconf.rx_adv_conf.rss_conf.rss_key_len = key_len;
		/* addresses only: every fragment of a packet, and so every
		 * packet of a flow, hashes alike */
		pconf.rx_adv_conf.rss_conf.rss_hf = info->flow_type_rss_offloads &
			(RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_FRAG_IPV4 | RTE_ETH_RSS_IPV6 |
			 RTE_ETH_RSS_FRAG_IPV6 | RTE_ETH_RSS_IPV6_EX);
	} else {
		pconf.rxmode.mq_mode = RTE_ETH_MQ_RX_NONE;
	}
	if (p->devts)
		pconf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_TIMESTAMP;
	if (p->nq > info->max_rx_queues) {
		snprintf(err, errlen, "%s: cannot start the port: %u RX queues asked, the "
		         "device (driver %s) has at most %u", p->name, p->nq, p->driver,
		         info->max_rx_queues);
		return -1;
	}
	if ((rc = rte_eth_dev_configure(p->id, p->nq, 0, &pconf)) != 0) {
		ntxq = p->nq;
		if (ntxq > info->max_tx_queues ||
		    rte_eth_dev_configure(p->id, p->nq, ntxq, &pconf) != 0) {
			snprintf(err, errlen, "%s: cannot configure the port (driver %s, %u RX "
			         "queues%s): %s", p->name, p->driver, p->nq, p->rss ? ", RSS" : "",
			         rte_strerror(-rc));
			return -1;
		}
		ntxd = 512;
	}
	p->configured = true;
	if ((rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->id, &nrxd, &ntxd)) != 0) {
		snprintf(err, errlen, "%s: descriptors: %s", p->name, rte_strerror(-rc));
		return -1;
	}
	socket = rte_eth_dev_socket_id(p->id);
	if (socket < 0)
		socket = (int)rte_socket_id();
	rxconf = info->default_rxconf;
	rxconf.offloads = pconf.rxmode.offloads;
	for (uint16_t q = 0; q < p->nq; q++)
		if ((rc = rte_eth_rx_queue_setup(p->id, q, nrxd, (unsigned)socket, &rxconf,
		                                 e->pool)) != 0) {
			snprintf(err, errlen, "%s: RX queue %u: %s", p->name, q, rte_strerror(-rc));
			return -1;
		}
	for (uint16_t q = 0; q < ntxq; q++)
		if ((rc = rte_eth_tx_queue_setup(p->id, q, ntxd, (unsigned)socket, NULL)) != 0) {
			snprintf(err, errlen, "%s: TX queue %u: %s", p->name, q, rte_strerror(-rc));
			return -1;
		}
	if (e->conf.promisc && (rc = rte_eth_promiscuous_enable(p->id)) != 0 && rc != -ENOTSUP) {
		snprintf(err, errlen, "%s: promiscuous mode: %s", p->name, rte_strerror(-rc));
		return -1;
	}
	if ((rc = rte_eth_dev_start(p->id)) != 0) {
		snprintf(err, errlen, "%s: cannot start the port (driver %s): %s", p->name,
		         p->driver, rte_strerror(-rc));
		return -1;
	}
	p->started = true;
	if (p->rss && !rss_verified(p, key_len)) {
		snprintf(err, errlen, "%s: the device (driver %s) does not hash with the "
		         "symmetric key it was given", p->name, p->driver);
		return -1;
	}
	return 0;
}

/* RSS or not, and how many RX queues: hardware RSS when there are several
 * workers and the device hashes IP addresses over several queues (unless
 * one queue is asked for). */
static void port_plan(const struct dpdk_engine *e, struct port *p,
                      const struct rte_eth_dev_info *info)
{
	p->rss = e->nworkers > 1 && (info->flow_type_rss_offloads & RTE_ETH_RSS_IP) &&
	         info->max_rx_queues > 1 && e->conf.queues != 1;
	p->nq = (uint16_t)(e->conf.queues ? e->conf.queues : p->rss ? e->nworkers : 1);
}

static int port_setup(struct dpdk_engine *e, struct port *p, unsigned pidx,
                      char *err, size_t errlen)
{
	struct rte_eth_dev_info info;
	int rc;

	if (!rte_eth_dev_is_valid_port(p->id)) {
		snprintf(err, errlen, "%s: no DPDK port %u (%u available; give a device "
		         "with --vdev or an allowed PCI address in the EAL arguments)",
		         p->name, p->id, rte_eth_dev_count_avail());
		return -1;
	}
	if ((rc = rte_eth_dev_info_get(p->id, &info)) != 0) {
		snprintf(err, errlen, "%s: device info: %s", p->name, rte_strerror(-rc));
		return -1;
	}
	p->driver = info.driver_name ? info.driver_name : "?";
	p->replay = pcap_file_replay(&info);
	e->in_if[p->id] = e->conf.if_index_set ? e->conf.meter.in_if + pidx :
	                  e->nports > 1 ? (uint32_t)p->id + 1 : e->conf.meter.in_if;
	p->devts = !p->replay && (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TIMESTAMP);
	port_plan(e, p, &info);

	if (port_start(e, p, &info, err, errlen) < 0) {
		if (!p->rss)
			return -1;
		/* RSS as we need it (symmetric) is not to be had: one queue,
		 * spread in software */
		log_warnx("%s; using one RX queue, spread in software", err);
		if (p->started)
			(void)rte_eth_dev_stop(p->id);
		p->started = false;
		p->rss = false;
		p->nq = 1;
		if (port_start(e, p, &info, err, errlen) < 0)
			return -1;
	}
	(void)rte_eth_stats_reset(p->id);

	p->ts_off = -1;
	if (p->replay || p->devts) {
		p->ts_off = rte_mbuf_dynfield_lookup(RTE_MBUF_DYNFIELD_TIMESTAMP_NAME, NULL);
		rc = rte_mbuf_dynflag_lookup(RTE_MBUF_DYNFLAG_RX_TIMESTAMP_NAME, NULL);
		if (p->ts_off < 0 || rc < 0) {
			p->ts_off = -1;
			p->replay = p->devts = false;   /* no times in the mbufs */
		} else {
			p->ts_flag = UINT64_C(1) << rc;
		}
	}
	if (p->devts)
		devclock_calibrate(e, p);
	return 0;
}

/* ---- the worker lcores ---- */

static uint64_t *ts_field(const struct dpdk_engine *e, struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, e->ts_field, uint64_t *);
}

/* The frame's time: recorded (replay), from the device, or the burst's. */
static uint64_t frame_ms(const struct port *p, const struct rte_mbuf *m, uint64_t burst_ms)
{
	uint64_t t;

	if (p->ts_off < 0 || !(m->ol_flags & p->ts_flag))
		return burst_ms;
	t = *RTE_MBUF_DYNFIELD(m, p->ts_off, const rte_mbuf_timestamp_t *);
	if (p->replay)
		return t / 1000;               /* net_pcap: microseconds */
	if (t < p->dev0)
		return p->dev_wall0_ms;
	return p->dev_wall0_ms + (uint64_t)((double)(t - p->dev0) * 1000.0 / (double)p->dev_hz);
}

static const uint8_t *frame_bytes(struct worker *w, struct rte_mbuf *m, uint32_t *caplen)
{
	if (m->nb_segs == 1) {
		*caplen = rte_pktmbuf_data_len(m);
		return rte_pktmbuf_mtod(m, const uint8_t *);
	}
	*caplen = rte_pktmbuf_pkt_len(m) < BOUNCE ? rte_pktmbuf_pkt_len(m) : BOUNCE;
	return rte_pktmbuf_read(m, 0, *caplen, w->bounce);
}

/* A worker waiting for room, with frames in hand, is busy: the end of
 * input is "no frame received for eof_idle_ms", not "no frame finished".
 * A replay whose main lcore waited out a stalled destination's patience
 * (as long as eof_idle_ms) otherwise found every worker "idle" the moment
 * it came back, and ended the replay with most of the file unread. */
static void still_busy(struct worker *w)
{
	__atomic_store_n(&w->pub_active_tsc, rte_get_tsc_cycles(), __ATOMIC_RELAXED);
}

/* Hand what fits of the ended flows to the main lcore; with wait, all. */
static void pend_flush(struct worker *w, bool wait)
{
	unsigned n;
	bool waited = false;

	while (w->npend > 0) {
		n = rte_ring_sp_enqueue_burst_elem(w->out, w->pend, sizeof(struct anm_flow),
		                                   w->npend, NULL);
		if (n > 0) {
			memmove(w->pend, w->pend + n, (w->npend - n) * sizeof(struct anm_flow));
			w->npend -= n;
		}
		if (w->npend == 0 || !wait)
			break;
		if (!waited) {
			waited = true;
			w->export_waits++;
		}
		still_busy(w);
		rte_pause();
	}
}

/* The flow table's export callback, on the worker. */
static void worker_export(void *ctx, const struct anm_flow *f)
{
	struct worker *w = ctx;

	if (w->npend == PEND)
		pend_flush(w, true);
	w->pend[w->npend++] = *f;
}

/* End flows due at the worker's clock, at most EXPIRE_BATCH and no more
 * than the ring of ended flows and the spare buffer can take, so neither a
 * mass expiry (every flow idle after a pause in traffic) nor a slow main
 * lcore holds up receiving.  What is left stays due (the flow table's
 * records are as if all had ended at once) and the worker loop goes on
 * with it between bursts. */
static void expire_some(struct worker *w)
{
	unsigned room = rte_ring_free_count(w->out) + (PEND - w->npend);
	bool more = meter_expire(w->meter, w->now_ms, room < EXPIRE_BATCH ? room : EXPIRE_BATCH);

	if (more && !w->expiring)
		w->expiry_deferred++;
	w->expiring = more;
}

/* Meter one frame at t_ms (m NULL: only move the clock).  decoded: the
 * spreader's decoding of it, or NULL (or af 0) to decode here. */
static void account(struct worker *w, struct rte_mbuf *m, const uint8_t *data,
                    uint32_t caplen, uint64_t t_ms, const struct pkt_info *decoded)
{
	enum pkt_status st;

	if (t_ms > w->now_ms) {
		w->now_ms = t_ms;
		expire_some(w);
		if (w->e->replay) {
			if (w->pub_first_ms == 0)
				__atomic_store_n(&w->pub_first_ms, t_ms, __ATOMIC_RELEASE);
			__atomic_store_n(&w->pub_now_ms, t_ms, __ATOMIC_RELEASE);
		}
	}
	if (m == NULL)
		return;                        /* a clock tick */
	if (m->port != w->cur_port) {
		w->cur_port = m->port;
		meter_set_in_if(w->meter, w->e->in_if[m->port]);
	}
	if (data == NULL)
		return;                        /* unreadable multi-segment frame */
	if (decoded != NULL && decoded->af != 0) {
		meter_packet_decoded(w->meter, decoded, w->now_ms);
		return;
	}
	st = meter_packet(w->meter, DLT_EN10MB, data, caplen, rte_pktmbuf_pkt_len(m), w->now_ms);
	if (st != PKT_OK && st != PKT_NOT_IP)
		log_ratelimited(&w->drop_rl, w->now_ms, "worker %u: dropped a %u-byte frame: %s",
		                w->id, rte_pktmbuf_pkt_len(m), pkt_status_name(st));
}

/* Start fetching a burst: every mbuf header at once (the data pointer is
 * in it, and frames from a ring-based device or spread by another worker
 * were written on another CPU), then the data of the first frames; the
 * loops over the burst prefetch the rest PREFETCH_AHEAD frames ahead. */
static void prefetch_burst(struct rte_mbuf *const *pkts, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		rte_prefetch0(pkts[i]);
	for (unsigned i = 0; i < PREFETCH_AHEAD && i < n; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
}

/* Free metered frames.  What a PMD delivers is nearly always direct,
 * unshared and in one segment (so its next is NULL, as in the pool): those
 * go back to their pool together without reading the mbuf's second cache
 * line, as rte_pktmbuf_free_bulk would (for its next), a line the
 * allocating CPU last wrote.  Anything else is freed the general way. */
static void free_frames(struct rte_mbuf **pkts, unsigned n)
{
	struct rte_mempool *pool = NULL;
	void *fast[BURST];
	unsigned nfast = 0;

	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (m->nb_segs == 1 && RTE_MBUF_DIRECT(m) && rte_mbuf_refcnt_read(m) == 1 &&
		    (pool == NULL || m->pool == pool) && nfast < BURST) {
			pool = m->pool;
			fast[nfast++] = m;
		} else {
			rte_pktmbuf_free(m);
		}
	}
	if (nfast > 0)
		rte_mempool_put_bulk(pool, fast, nfast);
}

/* Meter the frames other workers spread to this one. */
static unsigned drain_in(struct worker *w)
{
	struct rte_mbuf *pkts[BURST];
	unsigned n = rte_ring_sc_dequeue_burst(w->in, (void **)pkts, BURST, NULL);

	prefetch_burst(pkts, n);
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *data;
		uint32_t caplen;

		if (i + PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + PREFETCH_AHEAD], void *));
		data = frame_bytes(w, pkts[i], &caplen);
		account(w, pkts[i], data, caplen, *ts_field(w->e, pkts[i]), NULL);
	}
	free_frames(pkts, n);
	w->spread_in += n;
	return n;
}

static void spread_send(struct worker *w, unsigned t)
{
	struct worker *to = w->e->w[t];
	unsigned cnt = w->nspread[t], sent = 0;
	bool waited = false;

	while (sent < cnt) {
		sent += rte_ring_mp_enqueue_burst(to->in, (void **)&w->spread[t][sent],
		                                  cnt - sent, NULL);
		if (sent == cnt || !w->e->replay)
			break;
		if (!waited) {
			waited = true;
			w->spread_waits++;
		}
		/* a replay loses nothing: wait, and meter our own input meanwhile
		 * (the other worker may be waiting for room in ours) */
		still_busy(w);
		if (drain_in(w) == 0)
			rte_pause();
	}
	w->spread_out += sent;
	if (sent < cnt) {
		w->spread_drops += cnt - sent;
		rte_pktmbuf_free_bulk(&w->spread[t][sent], cnt - sent);
	}
	w->nspread[t] = 0;
}

static unsigned rx_queue(struct worker *w, struct rxq *q)
{
	struct dpdk_engine *e = w->e;
	const struct port *p = &e->port[q->pidx];
	struct rte_mbuf *pkts[BURST], *done[BURST];
	uint16_t n = rte_eth_rx_burst(q->port, q->queue, pkts, BURST);
	uint16_t ndone = 0;
	uint64_t burst_ms;

	if (n == 0)
		return 0;
	q->frames += n;
	prefetch_burst(pkts, n);
	burst_ms = p->replay ? 0 : tsc_to_ms(e, rte_get_tsc_cycles());
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint64_t t = frame_ms(p, m, burst_ms);
		const uint8_t *data;
		uint32_t caplen;
		unsigned to;
		struct pkt_info pi;

		m->port = q->port;             /* not every driver sets it (net_ring) */
		if (i + PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + PREFETCH_AHEAD], void *));
		data = frame_bytes(w, m, &caplen);
		pi.af = 0;
		/* a frame this worker keeps is decoded once, by the spreader */
		to = !q->spread || data == NULL ? w->id :
		     spreader_pick(w->spreader, DLT_EN10MB, data, caplen, rte_pktmbuf_pkt_len(m),
		                   t > w->now_ms ? t : w->now_ms, &pi);
		if (to == w->id) {
			account(w, m, data, caplen, t, &pi);
			done[ndone++] = m;         /* freed together, below */
		} else {
			*ts_field(e, m) = t;
			w->spread[to][w->nspread[to]++] = m;
		}
	}
	free_frames(done, ndone);
	if (q->spread)
		for (unsigned t = 0; t < e->nworkers; t++)
			if (w->nspread[t] > 0)
				spread_send(w, t);
	return n;
}

static void publish_stats(struct worker *w)
{
	struct worker_pub *p = &w->pub;

	p->ms = *meter_stats(w->meter);
	p->fs = *flowtab_stats(meter_flowtab(w->meter));
	p->spread_out = w->spread_out;
	p->spread_in = w->spread_in;
	p->spread_drops = w->spread_drops;
	p->spread_waits = w->spread_waits;
	p->export_waits = w->export_waits;
	p->expiry_deferred = w->expiry_deferred;
	for (unsigned i = 0; i < w->nrxq; i++)
		p->rxq_frames[i] = w->rxq[i].frames;
}

static void stats_if_asked(struct worker *w)
{
	unsigned req = __atomic_load_n(&w->stats_req, __ATOMIC_ACQUIRE);

	if (req != w->stats_ack) {
		publish_stats(w);
		__atomic_store_n(&w->stats_ack, req, __ATOMIC_RELEASE);
	}
}

static int worker_main(void *arg)
{
	struct worker *w = arg;
	struct dpdk_engine *e = w->e;
	uint64_t tick = e->hz / 1000, last_tick = 0, idle_since = 0;

	w->cur_port = UINT16_MAX;
	while (!__atomic_load_n(&e->stop, __ATOMIC_ACQUIRE)) {
		unsigned got = 0;
		uint64_t tsc;

		for (unsigned i = 0; i < w->nrxq; i++)
			got += rx_queue(w, &w->rxq[i]);
		got += drain_in(w);
		if (w->expiring)
			expire_some(w);
		pend_flush(w, false);
		tsc = rte_get_tsc_cycles();
		if (got > 0) {
			still_busy(w);
			idle_since = 0;
		}
		if (!e->replay && tsc - last_tick >= tick) {
			last_tick = tsc;
			account(w, NULL, NULL, 0, tsc_to_ms(e, tsc), NULL);
		}
		stats_if_asked(w);
		if (got == 0 && !w->expiring) {     /* not idle while flows are due */
			if (idle_since == 0) {
				idle_since = tsc;
			} else if (tsc - idle_since > IDLE_AFTER_NS * e->hz / 1000000000) {
				struct timespec ts = { 0, IDLE_SLEEP_NS };
				nanosleep(&ts, NULL);
			} else {
				rte_pause();
			}
		}
	}

	/* Stop: receive nothing more, meter what other workers spread here
	 * until every worker has stopped receiving, then end every flow. */
	__atomic_add_fetch(&e->rx_stopped, 1, __ATOMIC_ACQ_REL);
	for (;;) {
		bool all = __atomic_load_n(&e->rx_stopped, __ATOMIC_ACQUIRE) == e->nworkers;
		unsigned got = drain_in(w);

		pend_flush(w, false);
		stats_if_asked(w);
		if (all && got == 0 && rte_ring_empty(w->in))
			break;
		if (got == 0)
			rte_pause();
	}
	/* what -r would have expired by the end, then the rest */
	meter_expire(w->meter, e->final_ms > w->now_ms ? e->final_ms : w->now_ms, UINT_MAX);
	flowtab_flush(meter_flowtab(w->meter), ANM_END_FORCED);
	pend_flush(w, true);
	publish_stats(w);
	__atomic_store_n(&w->finished, 1, __ATOMIC_RELEASE);
	return 0;
}

/* ---- the main lcore ---- */

static void free_workers(struct dpdk_engine *e)
{
	for (unsigned i = 0; i < DPDK_MAX_WORKERS; i++) {
		struct worker *w = e->w[i];
		if (w == NULL)
			continue;
		meter_free(w->meter);
		spreader_free(w->spreader);
		rte_ring_free(w->in);
		rte_ring_free(w->out);
		free(w->bounce);
		rte_free(w);
		e->w[i] = NULL;
	}
}

void dpdk_close(struct dpdk_engine *e)
{
	if (e == NULL)
		return;
	if (e->launched && !__atomic_load_n(&e->stop, __ATOMIC_ACQUIRE))
		dpdk_stop(e, NULL, NULL);
	for (unsigned i = 0; i < e->nports; i++) {
		if (e->port[i].started)
			(void)rte_eth_dev_stop(e->port[i].id);
		if (e->port[i].configured)
			(void)rte_eth_dev_close(e->port[i].id);
	}
	free_workers(e);
	rte_mempool_free(e->pool);
	if (eal_ok) {
		(void)rte_eal_cleanup();
		eal_ok = false;            /* and eal_done stays set: no second init */
	}
	free(e);
}

static int workers_create(struct dpdk_engine *e, char *err, size_t errlen)
{
	unsigned lcore, i = 0;

	RTE_LCORE_FOREACH_WORKER(lcore) {
		struct meter_conf mc = e->conf.meter;
		struct worker *w;
		char name[RTE_RING_NAMESIZE];

		if (i == e->nworkers)
			break;
		w = rte_zmalloc_socket("anm_worker", sizeof(*w), 64, (int)rte_lcore_to_socket_id(lcore));
		if (w == NULL)
			goto nomem;
		e->w[i] = w;
		w->e = e;
		w->id = i;
		w->lcore = lcore;
		w->drop_rl = (struct ratelim)RATELIM_INIT(1000, 5);
		/* the flow budget is shared; sampling streams differ per worker */
		mc.flows.max_flows = e->conf.meter.flows.max_flows / e->nworkers;
		if (mc.flows.max_flows == 0)
			mc.flows.max_flows = 1;
		mc.sampling_seed = e->conf.meter.sampling_seed + i;
		if ((w->meter = meter_new(&mc, worker_export, w)) == NULL) {
			snprintf(err, errlen, "cannot allocate a flow table of %u flows for "
			         "worker %u", mc.flows.max_flows, i);
			return -1;
		}
		if ((w->bounce = malloc(BOUNCE)) == NULL)
			goto nomem;
		if (e->nworkers > 1 && (w->spreader = spreader_new(e->conf.meter.key_fields,
		                            e->conf.meter.flows.seed, e->nworkers)) == NULL)
			goto nomem;
		snprintf(name, sizeof(name), "anm_in_%u", i);
		w->in = rte_ring_create(name, IN_RING, (int)rte_lcore_to_socket_id(lcore),
		                        RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "anm_out_%u", i);
		w->out = rte_ring_create_elem(name, sizeof(struct anm_flow), OUT_RING,
		                              (int)rte_lcore_to_socket_id(lcore),
		                              RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (w->in == NULL || w->out == NULL) {
			snprintf(err, errlen, "dpdk: cannot create the rings of worker %u: %s "
			         "(more EAL memory: -m MB, or hugepages)", i, rte_strerror(rte_errno));
			return -1;
		}
		i++;
	}
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* Queue q of an RSS port goes to worker q % workers, so that both
 * directions of a conversation meet when they arrive on two ports; queues
 * of ports without RSS are dealt round the workers and spread in software. */
static int queues_assign(struct dpdk_engine *e, char *err, size_t errlen)
{
	unsigned rr = 0;

	for (unsigned pi = 0; pi < e->nports; pi++) {
		struct port *p = &e->port[pi];
		for (uint16_t q = 0; q < p->nq; q++) {
			unsigned wi = p->rss ? q % e->nworkers : rr++ % e->nworkers;
			struct worker *w = e->w[wi];
			struct rxq *r;

			if (w->nrxq == MAX_RXQ) {
				snprintf(err, errlen, "dpdk: more than %d RX queues on a worker", MAX_RXQ);
				return -1;
			}
			r = &w->rxq[w->nrxq++];
			r->port = p->id;
			r->queue = q;
			r->pidx = (uint8_t)pi;
			r->spread = !p->rss && e->nworkers > 1;
		}
	}
	return 0;
}

static unsigned pool_size(const struct dpdk_engine *e)
{
	uint64_t need = 0;
	unsigned n = 1;

	for (unsigned i = 0; i < e->nports; i++)
		need += (uint64_t)e->port[i].nq * (RX_DESC + BURST);
	need += (uint64_t)e->nworkers * (IN_RING + BURST * (e->nworkers + 1));
	need += (uint64_t)(e->nworkers + 1) * POOL_CACHE * 3 / 2;
	while (n - 1 < need)
		n <<= 1;
	return n - 1;                  /* 2^n - 1: best for rte_mempool */
}

struct dpdk_engine *dpdk_open(const struct dpdk_conf *c, char *err, size_t errlen)
{
	static const struct rte_mbuf_dynfield ts_desc = {
		.name = "anemone_frame_ms", .size = sizeof(uint64_t), .align = alignof(uint64_t),
	};
	struct dpdk_engine *e;
	unsigned nlc, npool;
	int socket;

	if ((e = calloc(1, sizeof(*e))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	e->conf = *c;
	if (parse_ports(e, c->ports, err, errlen) < 0 || dpdk_eal_init(c->eal_args, err, errlen) < 0)
		goto fail;
	nlc = rte_lcore_count() - 1;
	if (nlc == 0) {
		snprintf(err, errlen, "dpdk: no worker lcore: give the EAL at least two lcores "
		         "(-l 0-1): the main lcore exports, the others capture");
		goto fail;
	}
	e->nworkers = c->workers ? c->workers : nlc;
	if (e->nworkers > nlc || e->nworkers > DPDK_MAX_WORKERS) {
		snprintf(err, errlen, "dpdk: %u workers need %u worker lcores, the EAL has %u "
		         "(-l 0-%u gives one main and %u worker lcores)", e->nworkers,
		         e->nworkers, nlc, e->nworkers, e->nworkers);
		goto fail;
	}
	if ((e->ts_field = rte_mbuf_dynfield_register(&ts_desc)) < 0) {
		snprintf(err, errlen, "dpdk: mbuf field: %s", rte_strerror(rte_errno));
		goto fail;
	}
	e->hz = rte_get_tsc_hz();
	e->tsc0 = rte_get_tsc_cycles();
	e->wall0_ms = wall_now_ms();

	/* queue counts first (the pool is sized by them), then the pool, then
	 * the ports' queues on it */
	for (unsigned i = 0; i < e->nports; i++) {
		struct rte_eth_dev_info info;
		struct port *p = &e->port[i];

		if (rte_eth_dev_is_valid_port(p->id) && rte_eth_dev_info_get(p->id, &info) == 0)
			port_plan(e, p, &info);     /* else reported by port_setup */
	}
	for (size_t i = 0; i < sizeof(sym_key); i += 2) {
		sym_key[i] = 0x6d;
		sym_key[i + 1] = 0x5a;
	}
	npool = pool_size(e);
	socket = e->nports > 0 && rte_eth_dev_is_valid_port(e->port[0].id) ?
	         rte_eth_dev_socket_id(e->port[0].id) : -1;
	if (socket < 0)
		socket = (int)rte_socket_id();
	e->pool = rte_pktmbuf_pool_create("anm_rx", npool, POOL_CACHE, 0,
	                                  RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	if (e->pool == NULL) {
		snprintf(err, errlen, "%s: cannot create a pool of %u mbufs (%u MiB): %s "
		         "(more EAL memory: -m MB, or hugepages)", c->ports, npool,
		         (unsigned)(((uint64_t)npool * (RTE_MBUF_DEFAULT_BUF_SIZE +
		         sizeof(struct rte_mbuf)) + (1 << 20) - 1) >> 20), rte_strerror(rte_errno));
		goto fail;
	}
	for (unsigned i = 0; i < e->nports; i++)
		if (port_setup(e, &e->port[i], i, err, errlen) < 0)
			goto fail;
	e->replay = e->port[0].replay;
	for (unsigned i = 1; i < e->nports; i++)
		if (e->port[i].replay != e->replay) {
			snprintf(err, errlen, "%s: cannot mix capture-file replays (net_pcap "
			         "rx_pcap=) with live ports", c->ports);
			goto fail;
		}
	if (workers_create(e, err, errlen) < 0 || queues_assign(e, err, errlen) < 0)
		goto fail;
	e->eof_cycles = (uint64_t)c->eof_idle_ms * e->hz / 1000;
	return e;
fail:
	dpdk_close(e);
	return NULL;
}

bool dpdk_replays(const struct dpdk_engine *e)
{
	return e->replay;
}

unsigned dpdk_nworkers(const struct dpdk_engine *e)
{
	return e->nworkers;
}

void dpdk_start(struct dpdk_engine *e)
{
	for (unsigned i = 0; i < e->nworkers; i++) {
		struct worker *w = e->w[i];
		const char *how = w->nrxq == 0 ? "spread to it" : w->rxq[0].spread ?
		                  "spreading in software" : e->nworkers > 1 ? "RSS" : "one worker";
		log_info("worker %u on lcore %u: %u RX queue(s), %s", i, w->lcore, w->nrxq, how);
		/* idle since now, not since ever: the end-of-input clock starts
		 * here, whenever the thread gets going */
		still_busy(w);
		if (rte_eal_remote_launch(worker_main, w, w->lcore) != 0)
			fatalx("dpdk: cannot launch worker %u on lcore %u", i, w->lcore);
	}
	e->launched = true;
}

unsigned dpdk_poll(struct dpdk_engine *e, dpdk_flow_fn fn, void *ctx)
{
	struct anm_flow f[64];
	unsigned total = 0;

	for (unsigned i = 0; i < e->nworkers; i++) {
		unsigned n;
		while ((n = rte_ring_sc_dequeue_burst_elem(e->w[i]->out, f, sizeof(f[0]), 64,
		                                           NULL)) > 0) {
			for (unsigned k = 0; k < n; k++)
				if (fn != NULL)
					fn(ctx, i, &f[k]);
			total += n;
		}
	}
	return total;
}

uint64_t dpdk_now_ms(const struct dpdk_engine *e)
{
	uint64_t now = 0;

	if (!e->replay)
		return wall_now_ms();
	for (unsigned i = 0; i < e->nworkers; i++) {
		uint64_t t = __atomic_load_n(&e->w[i]->pub_now_ms, __ATOMIC_ACQUIRE);
		if (t > now)
			now = t;
	}
	return now;
}

uint64_t dpdk_first_ms(const struct dpdk_engine *e)
{
	uint64_t first = 0;

	for (unsigned i = 0; i < e->nworkers; i++) {
		uint64_t t = __atomic_load_n(&e->w[i]->pub_first_ms, __ATOMIC_ACQUIRE);
		if (t != 0 && (first == 0 || t < first))
			first = t;
	}
	return first;
}

bool dpdk_input_ended(const struct dpdk_engine *e)
{
	uint64_t tsc = rte_get_tsc_cycles();

	if (e->eof_cycles == 0)
		return false;
	for (unsigned i = 0; i < e->nworkers; i++) {
		uint64_t active = __atomic_load_n(&e->w[i]->pub_active_tsc, __ATOMIC_RELAXED);
		/* a worker may have stored a later reading than ours */
		if (active >= tsc || tsc - active < e->eof_cycles)
			return false;
	}
	return true;
}

void dpdk_stop(struct dpdk_engine *e, dpdk_flow_fn fn, void *ctx)
{
	bool done;

	if (!e->launched)
		return;
	e->final_ms = e->replay ? dpdk_now_ms(e) : 0;
	__atomic_store_n(&e->stop, 1, __ATOMIC_RELEASE);
	do {
		struct timespec ts = { 0, 200000 };

		done = true;
		for (unsigned i = 0; i < e->nworkers; i++)
			if (!__atomic_load_n(&e->w[i]->finished, __ATOMIC_ACQUIRE))
				done = false;
		if (dpdk_poll(e, fn, ctx) == 0 && !done)
			nanosleep(&ts, NULL);
	} while (!done);
	dpdk_poll(e, fn, ctx);
	rte_eal_mp_wait_lcore();
}

/* Fresh copies of the workers' counters (they publish on request; a worker
 * that has finished published its last). */
static void collect(struct dpdk_engine *e)
{
	uint64_t until = wall_now_ms() + STATS_WAIT_MS;
	unsigned req[DPDK_MAX_WORKERS];

	if (!e->launched)
		return;
	for (unsigned i = 0; i < e->nworkers; i++)
		req[i] = __atomic_add_fetch(&e->w[i]->stats_req, 1, __ATOMIC_ACQ_REL);
	/* yield, not spin, while waiting: the main lcore may share a CPU with
	 * a worker (a small box, or --lcores placing them together), and
	 * spinning would keep that worker from answering, and from its frames,
	 * until the scheduler stepped in (milliseconds: its input overflows) */
	for (unsigned i = 0; i < e->nworkers; i++)
		while (!__atomic_load_n(&e->w[i]->finished, __ATOMIC_ACQUIRE) &&
		       __atomic_load_n(&e->w[i]->stats_ack, __ATOMIC_ACQUIRE) != req[i] &&
		       wall_now_ms() < until)
			sched_yield();
}

void dpdk_totals(struct dpdk_engine *e, struct meter_stats *ms, struct flowtab_stats *fs,
                 struct cap_stats *cs)
{
	collect(e);
	memset(ms, 0, sizeof(*ms));
	memset(fs, 0, sizeof(*fs));
	memset(cs, 0, sizeof(*cs));
	for (unsigned i = 0; i < e->nworkers; i++) {
		const struct worker_pub *p = &e->w[i]->pub;
		ms->seen += p->ms.seen;
		ms->sampled_out += p->ms.sampled_out;
		ms->decoded += p->ms.decoded;
		ms->frag_unmatched += p->ms.frag_unmatched;
		for (int k = 0; k < PKT_STATUS_MAX; k++)
			ms->drops[k] += p->ms.drops[k];
		fs->created += p->fs.created;
		fs->packets += p->fs.packets;
		for (int k = 0; k <= ANM_END_MAX; k++)
			fs->ended[k] += p->fs.ended[k];
		fs->active += p->fs.active;
		fs->peak += p->fs.peak;
		cs->dropped += p->spread_drops;
	}
	for (unsigned i = 0; i < e->nports; i++) {
		struct rte_eth_stats es;
		if (!e->port[i].started || rte_eth_stats_get(e->port[i].id, &es) != 0)
			continue;
		cs->received += es.ipackets;
		cs->dropped += es.rx_nombuf;
		cs->if_dropped += es.imissed + es.ierrors;
		cs->valid = true;
	}
}

void dpdk_log_stats(struct dpdk_engine *e)
{
	collect(e);
	for (unsigned i = 0; i < e->nports; i++) {
		const struct port *p = &e->port[i];
		struct rte_eth_stats es;

		if (!p->started || rte_eth_stats_get(p->id, &es) != 0)
			continue;
		log_info("stats port %s (%s, %s%s): received=%" PRIu64 " missed=%" PRIu64
		         " errors=%" PRIu64 " no-mbuf=%" PRIu64, p->name, p->driver,
		         p->rss ? "RSS" : e->nworkers > 1 ? "spread in software" : "one worker",
		         p->replay ? ", replay" : p->devts ? ", device timestamps" : "",
		         es.ipackets, es.imissed, es.ierrors, es.rx_nombuf);
		for (unsigned wi = 0; wi < e->nworkers; wi++)
			for (unsigned k = 0; k < e->w[wi]->nrxq; k++) {
				const struct rxq *q = &e->w[wi]->rxq[k];
				if (q->pidx != i)
					continue;
				log_info("stats queue %s/%u (worker %u): received=%" PRIu64
				         " errors=%" PRIu64, p->name, q->queue, wi,
				         e->w[wi]->pub.rxq_frames[k],
				         q->queue < RTE_ETHDEV_QUEUE_STAT_CNTRS ? es.q_errors[q->queue] : 0);
			}
	}
	for (unsigned i = 0; i < e->nworkers; i++) {
		const struct worker *w = e->w[i];
		const struct worker_pub *p = &w->pub;
		uint64_t dropped = 0;

		for (int k = 1; k < PKT_STATUS_MAX; k++)
			dropped += p->ms.drops[k];
		log_info("stats worker %u (lcore %u): seen=%" PRIu64 " decoded=%" PRIu64
		         " dropped=%" PRIu64 " flows=%" PRIu64 " active=%u spread-out=%" PRIu64
		         " spread-in=%" PRIu64 " spread-drops=%" PRIu64 " spread-waits=%" PRIu64
		         " export-waits=%" PRIu64 " expiry-deferred=%" PRIu64, i, w->lcore,
		         p->ms.seen, p->ms.decoded, dropped, p->fs.created, p->fs.active,
		         p->spread_out, p->spread_in, p->spread_drops, p->spread_waits,
		         p->export_waits, p->expiry_deferred);
	}
}
