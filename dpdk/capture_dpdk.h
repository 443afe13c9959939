/*
 * DPDK capture backend: one ethdev port, one RX queue, polled in bursts.
 * Selected by an interface name "dpdk:PORT" (PORT is the ethdev port id);
 * the EAL is initialised from cap_conf.dpdk_args.  Built only with
 * HAVE_DPDK.
 */
#ifndef ANEMONE_CAPTURE_DPDK_H
#define ANEMONE_CAPTURE_DPDK_H

#include <stdbool.h>

#include "capture.h"

#define DPDK_IFACE_PREFIX "dpdk:"

extern const struct capture_ops dpdk_capture_ops;

/*
 * Does this capture replay recorded timestamps (net_pcap reading a capture
 * file: each mbuf carries the pcap record time) rather than stamping frames
 * with the time they arrive?  The exporter then runs on packet time, as
 * with -r.
 */
bool dpdk_capture_replays(const struct capture *cap);

#endif
