/*
 * Export side of the exporter: senders (one per collector, owning its socket)
 * and encoders (NetFlow v5, NetFlow v9, IPFIX) behind one ops table.
 *
 * Ownership: an encoder borrows its sender (the caller frees both, encoder
 * first).  Records handed to ->add are copied; the caller keeps its flow.
 */
#ifndef ANEMONE_EXPORT_H
#define ANEMONE_EXPORT_H

#include <stddef.h>
#include <stdint.h>
#include <poll.h>
#include <sys/socket.h>
#include "flow.h"

enum exp_proto { EXP_V5 = 0, EXP_IPFIX_UDP, EXP_IPFIX_TCP, EXP_V9 };

struct exp_dest {
	enum exp_proto proto;
	char host[256];             /* as given, IPv6 without brackets */
	char port[16];
	struct sockaddr_storage addr;
	socklen_t addrlen;
};

/* Parse "PROTO:HOST:PORT" (PROTO v5|v9|ipfix|ipfix+tcp, IPv6 HOST in brackets,
 * numeric addresses or names).  Returns 0, or -1 with a message in err. */
int exp_dest_parse(const char *spec, struct exp_dest *d, char *err, size_t errlen);

/* --- senders ---------------------------------------------------------- */

/*
 * A sender never blocks its caller unless it was told to be patient (a
 * replay).  Each has a bounded queue of whole messages: what the socket does
 * not take at once waits there and goes out, in order, as the socket takes
 * it (sender_drain, which the caller runs from its loop); a message that
 * does not fit in the queue is dropped whole and counted.  A TCP stream
 * never carries part of a message: a message whose head went out is
 * finished before the next one starts, and one the connection loses is
 * counted lost with everything queued behind it.
 *
 * Every message handed to sender_send ends up in exactly one counter:
 * messages (sent), refused, dropped or errors, or, for now, queued; once
 * sender_finish has run, messages + refused + dropped + errors is the number
 * of calls to sender_send.
 */
struct sender_stats {
	uint64_t messages;          /* sent: taken whole by the kernel, and not
	                               reported refused */
	uint64_t octets;            /* bytes of the messages taken by the kernel */
	uint64_t refused;           /* UDP: taken, then reported undeliverable by
	                               an ICMP error (port or host unreachable...).
	                               Hosts rate-limit ICMP errors, so this is a
	                               lower bound and messages an upper bound */
	uint64_t dropped;           /* never sent: the queue was full, or still
	                               held when sender_finish gave up */
	uint64_t errors;            /* lost to a send error, a lost connection,
	                               or no connection (TCP) */
	uint64_t connects;          /* successful (re)connections, TCP */
	uint64_t paced_ms;          /* time spent waiting for the rate limit */
	uint64_t queued;            /* messages in the queue now */
	uint64_t queued_bytes;      /* the memory they hold (bytes and bookkeeping) */
	int stalled;                /* a patient sender gave up waiting (below) */
	int refusing;               /* UDP: refusals reported recently */
};

struct sender;

/* Open a sender for d.  mtu caps the message size (0 = 1500); the effective
 * size also respects the route's MTU (IP_MTU / IPV6_MTU) for UDP.  A TCP
 * sender connects at once (waiting up to 2 s for the connection: the
 * caller has not started yet), then reconnects in the background with
 * backoff (1 s doubling to 30 s) after a failure.  The queue holds
 * SENDER_QUEUE_DEFAULT bytes until sender_set_queue says otherwise.
 * Returns NULL with a message in err. */
#define SENDER_QUEUE_DEFAULT (4u << 20)
struct sender *sender_new(const struct exp_dest *d, unsigned mtu,
                          char *err, size_t errlen);
void sender_free(struct sender *s);   /* queued messages are freed uncounted:
                                         run sender_finish first */

/* Bound the queue's memory to bytes: its messages and their bookkeeping
 * (a few dozen bytes each).  At least one message always fits. */
void sender_set_queue(struct sender *s, size_t bytes);

/* Send at most msgs_per_s messages a second (0: no limit), in bursts of at
 * most SENDER_BURST.  Messages beyond the rate wait in the queue; only a
 * patient sender waits for the rate itself (when its queue is full). */
#define SENDER_BURST 32
void sender_set_rate(struct sender *s, uint32_t msgs_per_s);

/* Patience, for replays, where nothing is lost by waiting: when the queue is
 * full, sender_send waits for the collector (and the rate limit) instead of
 * dropping, as long as the collector takes something at least every stall_s
 * seconds; and a reconnection waits for the connection (up to 2 s).  A
 * collector that takes nothing for stall_s seconds is declared stalled: the
 * sender then drops what does not fit, without waiting, until the collector
 * takes something again.  0 (the default, live captures): never wait. */
void sender_set_patience(struct sender *s, unsigned stall_s);

/* Largest export message (IPFIX message / v5 datagram) that fits the path. */
size_t sender_max_msg(const struct sender *s);

/* Connection generation: increases on every new TCP connection (1 for the
 * first), always 1 for UDP, 0 while a TCP sender is disconnected or still
 * connecting.  Calling it notices a closed connection and starts a due
 * reconnection.  An encoder that sees a new generation sends its templates
 * before anything else; the queue is empty then (a lost connection takes
 * its queue with it). */
uint32_t sender_generation(struct sender *s, uint64_t now_ms);

/* Send one whole message: now, or queued behind earlier ones.  Returns 0,
 * or -1 if it was lost (counted: dropped, or an error; a TCP sender whose
 * connection fails closes it and schedules a reconnection).  Never blocks
 * unless patient. */
int sender_send(struct sender *s, const uint8_t *msg, size_t len, uint64_t now_ms);

/* Write what the socket takes of the queue, and (UDP) collect the errors
 * the network reported.  Never blocks; cheap when there is nothing to do.
 * Returns the number of messages still queued. */
size_t sender_drain(struct sender *s, uint64_t now_ms);

/* What to poll for before the next sender_drain: sets pfd (fd and events;
 * events 0 when there is nothing to write) and returns how many ms the
 * caller may sleep at most (-1: as long as it likes; 0..1000: the rate
 * limit lets the next queued message go then). */
int sender_pollfd(const struct sender *s, struct pollfd *pfd);

/* At exit: drain the queues of the n senders, all at once, waiting while
 * they make progress.  A patient sender gives up when its collector takes
 * nothing for its patience (a stalled one at once); one without patience
 * when its collector takes nothing for idle_ms, or after 5 * idle_ms in
 * all.  What a sender still holds then is counted dropped.  Last, waits up
 * to 50 ms after the last UDP datagram for ICMP errors about it. */
void sender_finish(struct sender *const *s, unsigned n, unsigned idle_ms, uint64_t now_ms);

const struct sender_stats *sender_stats(const struct sender *s);
const char *sender_name(const struct sender *s);  /* "v5:127.0.0.1:2055" */

/* --- encoders --------------------------------------------------------- */

/* SAMPLING_UPSTREAM: the packets arrive already sampled 1 in N (by a packet
 * broker or a switch before the capture port); every one is metered, and N is
 * declared as if the exporter had sampled at random (see anemone-exporter(8)). */
enum sampling_mode { SAMPLING_NONE = 0, SAMPLING_DETERMINISTIC, SAMPLING_RANDOM,
                     SAMPLING_UPSTREAM };

struct enc_params {
	uint64_t boot_ms;           /* exporter start, Unix ms: sysUptime origin */
	uint32_t sampling;          /* 1-in-N, 0/1 = none */
	enum sampling_mode sampling_mode;
	uint8_t  engine_type;       /* v5 */
	uint8_t  engine_id;         /* v5 */
	uint32_t domain;            /* IPFIX observationDomainId */
	uint32_t template_refresh_s;/* IPFIX over UDP: resend templates this often */
	uint32_t max_hold_ms;       /* send a partial message once its oldest record
	                               has waited this long */
};

struct enc_stats {
	uint64_t records;           /* records placed in messages handed to the sender */
	uint64_t messages;          /* messages handed to the sender */
	uint64_t skipped;           /* flows this format cannot carry (IPv6 in v5) */
	uint64_t templates;         /* template sets sent (IPFIX) */
};

struct encoder_ops {
	const char *name;
	void *(*open)(const struct enc_params *p, struct sender *s, char *err, size_t errlen);
	void  (*add)(void *enc, const struct anm_flow *f, uint64_t now_ms);
	void  (*tick)(void *enc, uint64_t now_ms);   /* timers: hold, template refresh */
	void  (*flush)(void *enc, uint64_t now_ms);  /* send what is queued now */
	const struct enc_stats *(*stats)(const void *enc);
	void  (*close)(void *enc);                   /* flushes nothing: call flush first */
};

extern const struct encoder_ops nf5_encoder_ops;
extern const struct encoder_ops nf9_encoder_ops;
extern const struct encoder_ops ipfix_encoder_ops;

#endif
