/*
 * DPDK capture backend.  The EAL is initialised once, from an argument
 * string split at white space (no quoting).  One port, one RX queue, no
 * RSS: frames come from rte_eth_rx_burst() in bursts of DPDK_BURST and are
 * handed to the callback, then freed.
 *
 * Timestamps: from the TSC, anchored at open (wall clock at open plus
 * (tsc - tsc0) / hz).  The exception is net_pcap reading a file (rx_pcap=):
 * it stores each pcap record's time, in microseconds since the epoch, in
 * the mbuf dynamic timestamp field (and sets the RX timestamp flag).
 * Replaying a capture file faster than it was recorded would squeeze its
 * flows' idle and active timeouts and FIN lingers, so those recorded times
 * are used and the capture counts as a replay (dpdk_capture_replays()).
 *
 * End of input: net_pcap simply stops delivering at the end of its file.
 * With cap_conf.eof_idle_ms set, dispatch() reports CAP_EOF once no frame
 * has arrived for that long.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

/* DPDK 22.11's headers compile cleanly with -std=c11 -Wall -Wextra; their
 * flags (DPDK_CFLAGS: -include rte_config.h, -march) reach only this file. */
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_devargs.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>

#include "capture_dpdk.h"

#define DPDK_BURST     32
#define DPDK_RX_DESC   1024
#define DPDK_POOL_SIZE 4095           /* 2^n - 1: best for rte_mempool */
#define DPDK_POOL_CACHE 256
#define DPDK_MAX_ARGS  64
#define DPDK_IDLE_NS   200000         /* back off 0.2 ms after an empty burst */
#define DPDK_BOUNCE    65536          /* linearised multi-segment frames */

struct capture {
	uint16_t port;
	bool started;
	bool replay;                   /* net_pcap: recorded timestamps */
	struct rte_mempool *pool;
	int ts_off;                    /* mbuf dynamic timestamp field, or -1 */
	uint64_t ts_flag;
	uint64_t hz, tsc0, wall0_ms;
	uint64_t last_frame_tsc;
	uint64_t eof_idle_cycles;      /* 0: never end */
	uint8_t *bounce;
};

static bool eal_done;                  /* rte_eal_init() runs once per process */
static bool eal_ok;
static char *eal_argv_buf;
static char *eal_argv[DPDK_MAX_ARGS + 2];

static uint64_t wall_now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

static int eal_init(const char *args, char *err, size_t errlen)
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
		if (argc == DPDK_MAX_ARGS + 1) {
			snprintf(err, errlen, "dpdk: more than %d EAL arguments", DPDK_MAX_ARGS);
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
	if (rc != argc - 1) {
		snprintf(err, errlen, "dpdk: unexpected non-EAL argument '%s' in '%s'",
		         eal_argv[rc + 1], args);
		return -1;
	}
	eal_ok = true;
	return 0;
}

static int parse_port(const char *iface, uint16_t *port, char *err, size_t errlen)
{
	const char *p = iface;
	char *end;
	unsigned long v;

	if (strncmp(p, DPDK_IFACE_PREFIX, strlen(DPDK_IFACE_PREFIX)) == 0)
		p += strlen(DPDK_IFACE_PREFIX);
	errno = 0;
	v = strtoul(p, &end, 10);
	if (*p == '\0' || *end != '\0' || errno != 0 || v >= RTE_MAX_ETHPORTS) {
		snprintf(err, errlen, "%s: not a DPDK port (dpdk:PORT, PORT a port id)", iface);
		return -1;
	}
	*port = (uint16_t)v;
	return 0;
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

static void dpdk_close(struct capture *cap)
{
	if (cap == NULL)
		return;
	if (cap->started)
		(void)rte_eth_dev_stop(cap->port);
	if (cap->pool != NULL) {
		(void)rte_eth_dev_close(cap->port);
		rte_mempool_free(cap->pool);
	}
	if (eal_ok) {
		(void)rte_eal_cleanup();
		eal_ok = false;            /* and eal_done stays set: no second init */
	}
	free(cap->bounce);
	free(cap);
}

static struct capture *dpdk_open(const struct cap_conf *c, char *err, size_t errlen)
{
	struct rte_eth_conf pconf;
	struct rte_eth_dev_info info;
	struct rte_eth_rxconf rxconf;
	struct capture *cap;
	uint16_t nrxd = DPDK_RX_DESC, ntxd = 0;
	char name[RTE_MEMPOOL_NAMESIZE];
	int rc, socket;

	if (eal_init(c->dpdk_args, err, errlen) < 0)
		return NULL;
	if ((cap = calloc(1, sizeof(*cap))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	cap->ts_off = -1;
	if (parse_port(c->interface, &cap->port, err, errlen) < 0)
		goto fail;
	if (!rte_eth_dev_is_valid_port(cap->port)) {
		snprintf(err, errlen, "%s: no DPDK port %u (%u available; give a device "
		         "with --vdev or an allowed PCI address in the EAL arguments)",
		         c->interface, cap->port, rte_eth_dev_count_avail());
		goto fail;
	}
	if ((rc = rte_eth_dev_info_get(cap->port, &info)) != 0) {
		snprintf(err, errlen, "%s: device info: %s", c->interface, rte_strerror(-rc));
		goto fail;
	}
	cap->replay = pcap_file_replay(&info);

	socket = rte_eth_dev_socket_id(cap->port);
	if (socket < 0)
		socket = (int)rte_socket_id();
	snprintf(name, sizeof(name), "anm_rx_%u", cap->port);
	cap->pool = rte_pktmbuf_pool_create(name, DPDK_POOL_SIZE, DPDK_POOL_CACHE, 0,
	                                    RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	if (cap->pool == NULL) {
		snprintf(err, errlen, "%s: cannot create a pool of %u mbufs (%u MiB): %s "
		         "(more EAL memory: -m MB, or hugepages)", c->interface,
		         DPDK_POOL_SIZE, (unsigned)(((uint64_t)DPDK_POOL_SIZE *
		         (RTE_MBUF_DEFAULT_BUF_SIZE + sizeof(struct rte_mbuf)) + (1 << 20) - 1) >> 20),
		         rte_strerror(rte_errno));
		goto fail;
	}

	memset(&pconf, 0, sizeof(pconf));
	pconf.rxmode.mq_mode = RTE_ETH_MQ_RX_NONE;
	if ((rc = rte_eth_dev_configure(cap->port, 1, 0, &pconf)) != 0) {
		snprintf(err, errlen, "%s: configure: %s", c->interface, rte_strerror(-rc));
		goto fail;
	}
	if ((rc = rte_eth_dev_adjust_nb_rx_tx_desc(cap->port, &nrxd, &ntxd)) != 0) {
		snprintf(err, errlen, "%s: descriptors: %s", c->interface, rte_strerror(-rc));
		goto fail;
	}
	rxconf = info.default_rxconf;
	rxconf.offloads = pconf.rxmode.offloads;
	if ((rc = rte_eth_rx_queue_setup(cap->port, 0, nrxd, (unsigned)socket, &rxconf,
	                                 cap->pool)) != 0) {
		snprintf(err, errlen, "%s: RX queue: %s", c->interface, rte_strerror(-rc));
		goto fail;
	}
	if (c->promisc && (rc = rte_eth_promiscuous_enable(cap->port)) != 0 && rc != -ENOTSUP) {
		snprintf(err, errlen, "%s: promiscuous mode: %s", c->interface, rte_strerror(-rc));
		goto fail;
	}
	if ((rc = rte_eth_dev_start(cap->port)) != 0) {
		snprintf(err, errlen, "%s: cannot start the port (driver %s): %s", c->interface,
		         info.driver_name ? info.driver_name : "?", rte_strerror(-rc));
		goto fail;
	}
	cap->started = true;
	(void)rte_eth_stats_reset(cap->port);

	if (cap->replay) {
		cap->ts_off = rte_mbuf_dynfield_lookup(RTE_MBUF_DYNFIELD_TIMESTAMP_NAME, NULL);
		rc = rte_mbuf_dynflag_lookup(RTE_MBUF_DYNFLAG_RX_TIMESTAMP_NAME, NULL);
		if (cap->ts_off < 0 || rc < 0) {
			cap->ts_off = -1;
			cap->replay = false;  /* no recorded times: stamp on arrival */
		} else {
			cap->ts_flag = UINT64_C(1) << rc;
		}
	}
	if ((cap->bounce = malloc(DPDK_BOUNCE)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	cap->hz = rte_get_tsc_hz();
	cap->tsc0 = rte_get_tsc_cycles();
	cap->wall0_ms = wall_now_ms();
	cap->last_frame_tsc = cap->tsc0;
	cap->eof_idle_cycles = (uint64_t)c->eof_idle_ms * cap->hz / 1000;
	return cap;
fail:
	dpdk_close(cap);
	return NULL;
}

static uint64_t tsc_to_ms(const struct capture *cap, uint64_t tsc)
{
	uint64_t d = tsc - cap->tsc0;

	return cap->wall0_ms + d / cap->hz * 1000 + d % cap->hz * 1000 / cap->hz;
}

static enum cap_result dpdk_dispatch(struct capture *cap, int max, cap_frame_fn fn,
                                     void *ctx, char *err, size_t errlen)
{
	struct rte_mbuf *pkts[DPDK_BURST];
	int done = 0;

	(void)err;
	(void)errlen;
	while (max < 0 || done < max) {
		uint16_t want = DPDK_BURST, n;
		uint64_t tsc, ts_ms;

		if (max >= 0 && max - done < DPDK_BURST)
			want = (uint16_t)(max - done);
		n = rte_eth_rx_burst(cap->port, 0, pkts, want);
		tsc = rte_get_tsc_cycles();
		if (n == 0) {
			if (cap->eof_idle_cycles && tsc - cap->last_frame_tsc >= cap->eof_idle_cycles)
				return done > 0 ? CAP_OK : CAP_EOF;
			if (done == 0) {
				struct timespec ts = { 0, DPDK_IDLE_NS };
				nanosleep(&ts, NULL);
			}
			break;
		}
		cap->last_frame_tsc = tsc;
		ts_ms = tsc_to_ms(cap, tsc);
		for (uint16_t i = 0; i < n; i++) {
			struct rte_mbuf *m = pkts[i];
			struct cap_frame f;

			f.wirelen = rte_pktmbuf_pkt_len(m);
			if (m->nb_segs == 1) {
				f.data = rte_pktmbuf_mtod(m, const uint8_t *);
				f.caplen = rte_pktmbuf_data_len(m);
			} else {
				f.caplen = f.wirelen < DPDK_BOUNCE ? f.wirelen : DPDK_BOUNCE;
				f.data = rte_pktmbuf_read(m, 0, f.caplen, cap->bounce);
			}
			if (cap->ts_off >= 0 && (m->ol_flags & cap->ts_flag))
				f.ts_ms = *RTE_MBUF_DYNFIELD(m, cap->ts_off, rte_mbuf_timestamp_t *) / 1000;
			else
				f.ts_ms = ts_ms;
			if (f.data != NULL)
				fn(ctx, &f);
			rte_pktmbuf_free(m);
		}
		done += n;
		if (n < want)
			break;
	}
	return CAP_OK;
}

static int dpdk_datalink(const struct capture *cap)
{
	(void)cap;
	return 1;                      /* DLT_EN10MB: ethdev ports carry Ethernet */
}

static int dpdk_fd(const struct capture *cap)
{
	(void)cap;
	return -1;                     /* poll mode */
}

static void dpdk_stats(struct capture *cap, struct cap_stats *st)
{
	struct rte_eth_stats es;

	memset(st, 0, sizeof(*st));
	if (rte_eth_stats_get(cap->port, &es) != 0)
		return;
	st->received = es.ipackets;
	st->dropped = es.rx_nombuf;            /* no mbuf: our pool ran dry */
	st->if_dropped = es.imissed + es.ierrors;  /* the NIC's queue full, bad frames */
	st->valid = true;
}

bool dpdk_capture_replays(const struct capture *cap)
{
	return cap->replay;
}

const struct capture_ops dpdk_capture_ops = {
	.name = "dpdk",
	.open = dpdk_open,
	.dispatch = dpdk_dispatch,
	.datalink = dpdk_datalink,
	.fd = dpdk_fd,
	.stats = dpdk_stats,
	.close = dpdk_close,
};
