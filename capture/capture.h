/*
 * Capture backends behind one small ops table: libpcap (live interface or
 * capture file) and a mapped reader of classic pcap files.  A backend hands
 * frames to a callback in bursts; frames are valid only during the callback.
 * DPDK ports are not a backend of this table: the worker lcores of
 * dpdk/engine.h read and meter them.  The exporter reads both through its
 * sources of ended flows (exporter/source.h).
 */
#ifndef ANEMONE_CAPTURE_H
#define ANEMONE_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>

struct cap_frame {
	const uint8_t *data;
	uint32_t caplen, wirelen;
	uint64_t ts_ms;            /* Unix epoch milliseconds */
};

typedef void (*cap_frame_fn)(void *ctx, const struct cap_frame *f);

struct cap_stats {
	uint64_t received;         /* seen by the backend (kernel/driver) */
	uint64_t dropped;          /* dropped for lack of buffer space */
	uint64_t if_dropped;       /* dropped by the interface/driver */
	bool valid;                /* the backend reports these counters */
};

enum cap_result {
	CAP_OK = 0,                /* frames delivered (or a timeout: none) */
	CAP_EOF,                   /* end of capture file */
	CAP_ERROR,                 /* device gone or file damaged: see errbuf */
};

/* Which frames of a live interface are metered (the exporter's
 * input.direction). */
enum cap_direction {
	DIR_BOTH = 0,              /* every frame the interface carries */
	DIR_IN,                    /* received, and for this host (its MAC,
	                              multicast or broadcast): a router's input */
	DIR_OUT,                   /* sent by this host */
};

struct cap_conf {
	const char *interface;     /* live capture, or */
	const char *file;          /* capture file (pcap or pcapng) */
	const char *filter;        /* BPF expression, NULL for none */
	bool promisc;
	enum cap_direction pkt_direction;   /* live, pcap: libpcap's test of each
	                              frame's packet type (pcap_setdirection; in:
	                              every frame not sent by this host) */
	uint32_t snaplen;
	uint32_t buffer_bytes;     /* kernel buffer, 0 = libpcap default */
	uint32_t timeout_ms;       /* live: deliver a partial burst after this */
	bool libpcap_only;         /* files: always read through libpcap */
	const char *dpdk_args;     /* DPDK: EAL arguments, white-space separated */
	uint32_t dpdk_workers;     /* DPDK: worker lcores, 0 = every one */
	uint32_t dpdk_queues;      /* DPDK: RX queues per port, 0 = automatic */
	uint32_t eof_idle_ms;      /* DPDK: end of input after this long without
	                              a frame, 0 = never */
};

struct capture;

struct capture_ops {
	const char *name;
	struct capture *(*open)(const struct cap_conf *c, char *err, size_t errlen);
	/* Deliver up to max frames (wait at most conf timeout when live). */
	enum cap_result (*dispatch)(struct capture *cap, int max, cap_frame_fn fn,
	                            void *ctx, char *err, size_t errlen);
	int (*datalink)(const struct capture *cap);      /* libpcap DLT_ */
	int (*fd)(const struct capture *cap);            /* pollable, or -1 */
	void (*stats)(struct capture *cap, struct cap_stats *st);
	void (*close)(struct capture *cap);
};

extern const struct capture_ops pcap_capture_ops;      /* live, and any file */
extern const struct capture_ops pcapfile_capture_ops;  /* classic pcap files, mapped */

/* Can pcapfile_capture_ops read this file (a regular file in classic pcap
 * format, version 2)?  Otherwise libpcap reads it. */
bool pcapfile_usable(const char *path);

#endif
