/*
 * NetFlow v5 encoder: queues up to 30 records and hands whole datagrams to
 * its sender.
 *
 * A datagram goes out when it is full (30 records, or fewer when the
 * sender's path cannot carry 1464 bytes, e.g. IPv6 transport over a
 * 1500-byte MTU), on ->flush, or once the
 * oldest queued record has waited max_hold_ms (checked on ->tick, and
 * on ->add as a backstop).  flow_sequence counts every record handed to the sender, whether
 * or not that send succeeded, so a collector sees lost datagrams as gaps.
 *
 * v5 carries IPv4 only and 32-bit counters: IPv6 flows are counted in
 * stats.skipped; a flow whose packets or octets exceed 2^32-1 is split into
 * several records whose counters add up exactly to the flow's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "export.h"
#include "nf5.h"

#define AS_TRANS 23456u            /* RFC 6793: stands in for a 4-byte AS */

/* Most records one flow may be split into.  65536 records of 2^32-1 octets
 * is 2.8e14 octets (a 100 Gbit/s link saturated for 6 hours), far beyond a
 * sane active timeout; a flow beyond it is corrupt and is skipped rather
 * than flooding the collector with thousands of datagrams. */
#define NF5_SPLIT_MAX 65536u

struct nf5_enc {
	struct enc_params p;
	struct sender *s;          /* borrowed */
	struct enc_stats st;
	uint32_t seq;              /* records handed to the sender, mod 2^32 */
	uint16_t sampling;         /* precomputed header sampling_interval */
	size_t max_recs;           /* records per datagram, 1..30 */
	size_t n;                  /* queued records */
	uint64_t oldest_ms;        /* ->add time of q[0] */
	struct nf5_record q[NF5_MAX_RECORDS];
	uint8_t buf[NF5_MAX_LEN];
};

static uint16_t sampling_field(const struct enc_params *p)
{
	uint32_t interval = p->sampling, mode = 0;

	if (interval <= 1)
		return 0;
	if (interval > NF5_SAMPLING_INTERVAL_MAX)
		interval = NF5_SAMPLING_INTERVAL_MAX;
	/* Upstream sampling is declared random (mode bits 10): the exporter
	 * does not know how the device before the capture selects packets,
	 * and whatever its spacing, it is not this exporter's every N-th. */
	if (p->sampling_mode == SAMPLING_DETERMINISTIC)
		mode = NF5_SAMPLING_DETERMINISTIC;
	else if (p->sampling_mode == SAMPLING_RANDOM ||
	         p->sampling_mode == SAMPLING_UPSTREAM)
		mode = NF5_SAMPLING_RANDOM;
	return (uint16_t)(mode << NF5_SAMPLING_MODE_SHIFT | interval);
}

static void *nf5_open(const struct enc_params *p, struct sender *s,
                      char *err, size_t errlen)
{
	struct nf5_enc *e;
	size_t max_msg = sender_max_msg(s), max_recs;

	if (max_msg < NF5_HEADER_LEN + NF5_RECORD_LEN) {
		if (errlen)
			snprintf(err, errlen, "path too small for NetFlow v5: "
			         "%zu bytes", max_msg);
		return NULL;
	}
	max_recs = (max_msg - NF5_HEADER_LEN) / NF5_RECORD_LEN;
	if (max_recs > NF5_MAX_RECORDS)
		max_recs = NF5_MAX_RECORDS;
	e = calloc(1, sizeof(*e));
	if (e == NULL) {
		if (errlen)
			snprintf(err, errlen, "out of memory");
		return NULL;
	}
	e->p = *p;
	e->s = s;
	e->sampling = sampling_field(p);
	e->max_recs = max_recs;
	return e;
}

/* Hand the queued records to the sender as one datagram.  No-op when the
 * queue is empty.  The datagram counts as sent even if the sender lost it
 * (the sender counts the error). */
static void nf5_send(struct nf5_enc *e, uint64_t now_ms)
{
	struct nf5_header h;
	size_t i, len;

	if (e->n == 0)
		return;
	h.version = NF5_VERSION;
	h.count = (uint16_t)e->n;
	h.sys_uptime = (uint32_t)(now_ms - e->p.boot_ms);
	h.unix_secs = (uint32_t)(now_ms / 1000);
	h.unix_nsecs = (uint32_t)(now_ms % 1000) * 1000000u;
	h.flow_sequence = e->seq;
	h.engine_type = e->p.engine_type;
	h.engine_id = e->p.engine_id;
	h.sampling_interval = e->sampling;

	len = nf5_encode_header(e->buf, &h);
	for (i = 0; i < e->n; i++)
		len += nf5_encode_record(e->buf + len, &e->q[i]);
	(void)sender_send(e->s, e->buf, len, now_ms);

	e->seq += (uint32_t)e->n;
	e->st.records += e->n;
	e->st.messages++;
	e->n = 0;
}

static void queue_record(struct nf5_enc *e, const struct nf5_record *r,
                         uint64_t now_ms)
{
	if (e->n == 0)
		e->oldest_ms = now_ms;
	e->q[e->n++] = *r;
	if (e->n == e->max_recs)
		nf5_send(e, now_ms);
}

static uint16_t clamp16(uint32_t v)
{
	return v > 0xffff ? 0xffff : (uint16_t)v;
}

static uint16_t as16(uint32_t as)
{
	return as > 0xffff ? (uint16_t)AS_TRANS : (uint16_t)as;
}

static uint64_t div_ceil(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

/* Queue f as one record, or as n records when a counter exceeds 32 bits.
 * Counters are divided evenly and the remainder spread one unit each over
 * the first records, so every record stays <= UINT32_MAX and the sums are
 * exact.  (Putting the whole remainder on the first record could overflow
 * it: octets = 3 * (2^32-1) - 1 gives q = 2^32-2, r = 2.)  Cost: O(n). */
static void nf5_add(void *enc, const struct anm_flow *f, uint64_t now_ms)
{
	struct nf5_enc *e = enc;
	struct nf5_record r;
	uint64_t n, i, pq, pr, oq, orr;
	uint32_t w;

	/* Backstop for rare ticks.  Strictly greater than the hold, so that
	 * with max_hold_ms 0 flows added at the same instant still share a
	 * datagram; ->tick sends as soon as the hold is reached. */
	if (e->n > 0 && now_ms - e->oldest_ms > e->p.max_hold_ms)
		nf5_send(e, now_ms);

	if (f->af != AF_INET) {
		e->st.skipped++;
		return;
	}
	n = div_ceil(f->octets, UINT32_MAX);
	if (div_ceil(f->packets, UINT32_MAX) > n)
		n = div_ceil(f->packets, UINT32_MAX);
	if (n == 0)
		n = 1;                      /* a flow with zero counters */
	if (n > NF5_SPLIT_MAX) {
		e->st.skipped++;
		return;
	}

	memset(&r, 0, sizeof(r));
	memcpy(&w, f->src.b, 4);
	r.srcaddr = ntohl(w);
	memcpy(&w, f->dst.b, 4);
	r.dstaddr = ntohl(w);
	memcpy(&w, f->nexthop.b, 4);
	r.nexthop = ntohl(w);
	r.input = clamp16(f->in_if);
	r.output = clamp16(f->out_if);
	r.first = (uint32_t)(f->first_ms - e->p.boot_ms);
	r.last = (uint32_t)(f->last_ms - e->p.boot_ms);
	r.srcport = f->sport;
	r.dstport = f->dport;
	r.tcp_flags = f->tcp_flags;
	r.prot = f->proto;
	r.tos = f->tos;
	r.src_as = as16(f->src_as);
	r.dst_as = as16(f->dst_as);
	r.src_mask = f->src_mask;
	r.dst_mask = f->dst_mask;

	pq = f->packets / n;
	pr = f->packets % n;
	oq = f->octets / n;
	orr = f->octets % n;
	for (i = 0; i < n; i++) {
		r.dPkts = (uint32_t)(pq + (i < pr));
		r.dOctets = (uint32_t)(oq + (i < orr));
		queue_record(e, &r, now_ms);
	}
}

static void nf5_tick(void *enc, uint64_t now_ms)
{
	struct nf5_enc *e = enc;

	if (e->n > 0 && now_ms - e->oldest_ms >= e->p.max_hold_ms)
		nf5_send(e, now_ms);
}

static void nf5_flush(void *enc, uint64_t now_ms)
{
	nf5_send(enc, now_ms);
}

static const struct enc_stats *nf5_stats(const void *enc)
{
	const struct nf5_enc *e = enc;

	return &e->st;
}

static void nf5_close(void *enc)
{
	free(enc);
}

const struct encoder_ops nf5_encoder_ops = {
	.name  = "netflow-v5",
	.open  = nf5_open,
	.add   = nf5_add,
	.tick  = nf5_tick,
	.flush = nf5_flush,
	.stats = nf5_stats,
	.close = nf5_close,
};
