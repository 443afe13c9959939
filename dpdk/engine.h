/*
 * The DPDK fast path: ports polled by worker lcores, each worker metering
 * into its own flow table, ended flows handed to the main lcore through one
 * ring per worker.  The main lcore takes them (dpdk/source_dpdk.c, the
 * exporter's DPDK source of ended flows, exporter/source.h) and encodes and
 * sends them; a worker never waits for it unless its ring of ended flows is
 * full.
 *
 * Spreading: a port whose device hashes in hardware (RSS) gets one RX queue
 * per worker and a symmetric key over the IP addresses only (a NIC hashes a
 * fragment by its addresses: with ports in the hash, a fragmented packet's
 * flow would straddle two workers), and queue q of every port goes to
 * worker q % workers.  A port without RSS (virtual devices: net_pcap,
 * net_ring, net_null) is read by one worker that hashes each frame's flow key
 * in software, ports included, with fragments resolved (spreader_pick), and
 * passes it on through the other workers' input rings.  Either way both
 * directions of a conversation, and every fragment of a packet, land on one
 * worker.
 *
 * Built only with HAVE_DPDK; DPDK's headers and flags stay in dpdk/.
 */
#ifndef ANEMONE_DPDK_ENGINE_H
#define ANEMONE_DPDK_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "capture.h"
#include "meter.h"

#define DPDK_IFACE_PREFIX "dpdk:"
#define DPDK_MAX_PORTS   16
#define DPDK_MAX_WORKERS 64
#define DPDK_MAX_QUEUES  16           /* RX queues per port */

struct dpdk_conf {
	const char *eal_args;     /* EAL arguments, white-space separated */
	const char *ports;        /* "dpdk:0" or "dpdk:0,1" */
	unsigned workers;         /* 0: one per worker lcore of the EAL */
	unsigned queues;          /* RX queues per port; 0: one per worker with
	                             RSS, else what the device has (1) */
	bool promisc;
	uint32_t eof_idle_ms;     /* end of input after this long without a frame
	                             on any worker; 0 = never */
	bool if_index_set;        /* meter.in_if given: port i gets in_if + i;
	                             otherwise port id + 1 */
	struct meter_conf meter;  /* max_flows is the total over the workers */
};

/* An ended flow, handed over on the main lcore; the record is valid during
 * the call only. */
typedef void (*dpdk_flow_fn)(void *ctx, unsigned worker, const struct anm_flow *f);

struct dpdk_engine;

/* Initialise the EAL from an argument string split at white space (no
 * quoting).  Once per process: later calls return the first one's result.
 * dpdk_open calls it; a program that needs the EAL before (to create a
 * port of its own, as bench/ does) calls it first. */
int dpdk_eal_init(const char *args, char *err, size_t errlen);

/* Initialise the EAL (once per process), configure and start the ports,
 * create the pools, rings and the workers' meters.  NULL with a message
 * naming the port and the cause on failure. */
struct dpdk_engine *dpdk_open(const struct dpdk_conf *c, char *err, size_t errlen);

/* Do the ports replay capture files with recorded timestamps (net_pcap
 * rx_pcap=)?  Then every clock is the packet time, as with -r. */
bool dpdk_replays(const struct dpdk_engine *e);
unsigned dpdk_nworkers(const struct dpdk_engine *e);

/* Launch the workers on their lcores. */
void dpdk_start(struct dpdk_engine *e);

/* Main lcore: hand every ended flow waiting in the workers' rings to fn.
 * Returns how many. */
unsigned dpdk_poll(struct dpdk_engine *e, dpdk_flow_fn fn, void *ctx);

/* The engine's time: when replaying, the latest packet time over the
 * workers (0 before the first packet); otherwise the wall clock. */
uint64_t dpdk_now_ms(const struct dpdk_engine *e);

/* Replay: the earliest first-packet time published so far, 0 if none. */
uint64_t dpdk_first_ms(const struct dpdk_engine *e);

/* Has no worker seen a frame for eof_idle_ms? */
bool dpdk_input_ended(const struct dpdk_engine *e);

/* Stop receiving, let the workers meter what they hold, end every flow
 * (expired ones by their timeout, the rest forced) and hand them to fn;
 * returns once every worker has finished. */
void dpdk_stop(struct dpdk_engine *e, dpdk_flow_fn fn, void *ctx);

/* Totals over the workers; capture counters over the ports. */
void dpdk_totals(struct dpdk_engine *e, struct meter_stats *ms,
                 struct flowtab_stats *fs, struct cap_stats *cs);

/* Log the per-port, per-queue and per-worker statistics (log_info). */
void dpdk_log_stats(struct dpdk_engine *e);

/* Stop the ports, free everything, clean up the EAL. */
void dpdk_close(struct dpdk_engine *e);

#endif
