/*
 * The collector's inputs: UDP listeners, IPFIX/TCP listeners and the
 * connections they accept, read fairly in turns.
 *
 * A turn is netin_poll (one poll over every socket) then netin_work, which
 * gives each socket found ready a bounded share, starting one place further
 * round the sockets each turn:
 *   UDP listener   one recvmmsg batch (NETIN_UDP_BATCH datagrams)
 *   TCP listener   up to NETIN_ACCEPTS connections accepted
 *   connection     one read of at most NETIN_BUF bytes, then every IPFIX
 *                  message complete in the buffer is handed on
 * So a turn costs at most (listeners + connections) shares whatever one
 * peer sends, and the caller, which checks its clock and its stop flag
 * between turns, closes buckets on time and stops promptly under any load.
 * Leftover input stays in the kernel: poll reports it again next turn.
 *
 * Connections: at most max_conns, at most max_per_source from one address
 * (IPv4-mapped IPv6 counts as IPv4).  A newcomer is never refused for room:
 * when its address already holds max_per_source, that address's connection
 * idle the longest is closed for it; else, when the table is full, the
 * connection idle the longest of all.  Idle means no byte received (since
 * accept): what an exporter with traffic is not, so honest senders keep
 * their connections and the per-address limit keeps one address from
 * holding the table.  A connection that receives nothing for idle_ms, or
 * stays inside a message (header or body incomplete) for message_ms after
 * its first byte, is closed.  Every close that cuts a message is counted
 * (tcp_truncated) and logged through a rate limiter.
 *
 * Memory: listeners and a slot table of max_conns, allocated by netin_new;
 * a connection holds a NETIN_BUF buffer only while a message is incomplete
 * (so max_conns * 64 KiB at most), plus NETIN_UDP_BATCH * 64 KiB for UDP.
 *
 * Times are passed in: `now_ms` (wall clock) is handed to the callbacks for
 * the records; `mono_ms` (monotonic) drives the timeouts.  One thread.
 */
#ifndef COLLECTOR_NETIN_H
#define COLLECTOR_NETIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "settings.h"

#define NETIN_UDP_BATCH 64           /* datagrams a UDP listener's share */
#define NETIN_ACCEPTS   16           /* connections a TCP listener's share */
#define NETIN_BUF       65536        /* above the largest IPFIX message */

struct netin_conf {
	const struct col_listen *listen;
	unsigned nlisten;
	uint32_t rcvbuf;             /* UDP receive buffer asked for, bytes */
	unsigned max_conns, max_per_source;
	uint64_t idle_ms, message_ms;
};

/* What the inputs are handed to; ctx is passed back. */
struct netin_ops {
	void *ctx;
	/* a UDP datagram; protos: the CP_* versions its listener takes */
	void (*datagram)(void *ctx, const struct sockaddr *from, unsigned protos,
	                 const uint8_t *buf, size_t len, uint64_t now_ms);
	/* may a connection from `from` be accepted (the allow-list)? */
	bool (*allowed)(void *ctx, const struct sockaddr *from);
	/* one whole IPFIX message (length as its header says, >= 16) from the
	 * connection `conn` (unique for the process's life) */
	void (*message)(void *ctx, uint64_t conn, const struct sockaddr *from,
	                const uint8_t *buf, size_t len, uint64_t now_ms);
	/* the connection is closed: its transport session ends */
	void (*closed)(void *ctx, uint64_t conn);
};

struct netin_stats {
	uint64_t udp_kernel_drops;   /* datagrams the kernel dropped, all UDP listeners */
	uint64_t tcp_accepted;       /* connections accepted */
	uint64_t tcp_open;           /* open now */
	uint64_t tcp_evicted;        /* closed to make room for a newcomer */
	uint64_t tcp_idle_timeouts;  /* closed after idle_ms without a byte */
	uint64_t tcp_stall_timeouts; /* closed after message_ms inside a message */
	uint64_t tcp_truncated;      /* messages cut by a close, whoever closed */
	uint64_t tcp_errors;         /* closed on a byte stream that is not IPFIX */
};

struct netin;

/* The IPFIX message at the start of buf, len bytes of a TCP stream: 1 with
 * *mlen its length when it is all there, 0 when more bytes are needed, -1
 * when the header is not an IPFIX message header (version 10, length >=
 * 16).  Pure; reads at most 4 bytes. */
int netin_frame(const uint8_t *buf, size_t len, size_t *mlen);

/* Open every listener (logging "listening on SPEC" for each).  NULL, with
 * the reason logged, when one cannot be opened or memory is short. */
struct netin *netin_new(const struct netin_conf *c, const struct netin_ops *ops);
/* Close every socket without a word (netin_close_all first to account
 * the connections); NULL is fine. */
void netin_free(struct netin *n);

/* Wait up to timeout_ms for input on any socket.  Returns the number of
 * sockets ready (0: none), or -1 with errno (EINTR: a signal). */
int netin_poll(struct netin *n, int timeout_ms);

/* The shares of a turn for the sockets the last netin_poll found ready,
 * then (at most every 100 ms) the idle and message timeouts.  Returns
 * whether any socket was served. */
bool netin_work(struct netin *n, uint64_t now_ms, uint64_t mono_ms);

/* Close every connection (at exit), counting and logging those inside a
 * message. */
void netin_close_all(struct netin *n, uint64_t mono_ms);

/* The counters; the kernel's drop counts are read now (SO_MEMINFO) where
 * the last datagram's SO_RXQ_OVFL may be behind. */
void netin_stats(const struct netin *n, struct netin_stats *st);

#endif
