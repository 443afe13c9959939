/*
 * Export side of the exporter: senders (one per collector, owning its socket)
 * and encoders (NetFlow v5, IPFIX) behind one ops table.
 *
 * Ownership: an encoder borrows its sender (the caller frees both, encoder
 * first).  Records handed to ->add are copied; the caller keeps its flow.
 */
#ifndef ANEMONE_EXPORT_H
#define ANEMONE_EXPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include "flow.h"

enum exp_proto { EXP_V5 = 0, EXP_IPFIX_UDP, EXP_IPFIX_TCP };

struct exp_dest {
	enum exp_proto proto;
	char host[256];             /* as given, IPv6 without brackets */
	char port[16];
	struct sockaddr_storage addr;
	socklen_t addrlen;
};

/* Parse "PROTO:HOST:PORT" (PROTO v5|ipfix|ipfix+tcp, IPv6 HOST in brackets,
 * numeric addresses or names).  Returns 0, or -1 with a message in err. */
int exp_dest_parse(const char *spec, struct exp_dest *d, char *err, size_t errlen);

/* --- senders ---------------------------------------------------------- */

struct sender_stats {
	uint64_t messages;          /* datagrams / stream messages delivered */
	uint64_t octets;
	uint64_t errors;            /* failed sends (message lost) */
	uint64_t connects;          /* successful (re)connections, TCP */
	uint64_t paced_ms;          /* time spent waiting for the rate limit */
};

struct sender;

/* Open a sender for d.  mtu caps the message size (0 = 1500); the effective
 * size also respects the route's MTU (IP_MTU / IPV6_MTU) for UDP.  A TCP
 * sender connects lazily and reconnects with backoff after a failure.
 * Returns NULL with a message in err. */
struct sender *sender_new(const struct exp_dest *d, unsigned mtu,
                          char *err, size_t errlen);
void sender_free(struct sender *s);

/* Send at most msgs_per_s messages a second (0: no limit), in bursts of at
 * most SENDER_BURST: sender_send then sleeps when it is ahead.  For replays,
 * where nothing waits on the exporter but a collector can be outrun. */
#define SENDER_BURST 32
void sender_set_rate(struct sender *s, uint32_t msgs_per_s);

/* A TCP send that the collector does not take within the send timeout (2 s:
 * a stalled collector must not stall a live capture) is lost with its
 * connection.  For replays, where nothing is lost by waiting, wait up to
 * stall_s seconds instead (0: the 2 s). */
void sender_set_patience(struct sender *s, unsigned stall_s);

/* Largest export message (IPFIX message / v5 datagram) that fits the path. */
size_t sender_max_msg(const struct sender *s);

/* Connection generation: increases on every new TCP connection (1 for the
 * first), always 1 for UDP, 0 while a TCP sender is disconnected.  Calling it
 * attempts a due reconnection.  An encoder that sees a new generation sends
 * its templates before anything else. */
uint32_t sender_generation(struct sender *s, uint64_t now_ms);

/* Send one whole message.  Returns 0, or -1 if it was lost (counted; a TCP
 * sender then closes and schedules a reconnection). */
int sender_send(struct sender *s, const uint8_t *msg, size_t len, uint64_t now_ms);

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
extern const struct encoder_ops ipfix_encoder_ops;

#endif
