/*
 * NetFlow v9 encoder (RFC 3954), for collectors that take v9 but not IPFIX:
 * IPv4 and IPv6 flows, which v5 cannot carry.  Written by hand (libfixbuf
 * writes IPFIX only); the layout is fixed, so a record is a run of put*.
 *
 * Templates (fixed IDs, as the IPFIX encoder's):
 *   256  IPv4 flow record        257  IPv6 flow record
 *   258  options template, only when sampling > 1: scope System (the source
 *        ID), SAMPLING_INTERVAL and SAMPLING_ALGORITHM
 * Counters are 8 bytes (RFC 3954 allows N bytes for IN_BYTES/IN_PKTS), so
 * no flow is split; interface indexes and AS numbers 4 bytes; times are
 * FIRST_SWITCHED/LAST_SWITCHED, sysUptime milliseconds (from boot_ms).
 *
 * An export packet is the header, then, when they are due, the template
 * FlowSet (and the sampling options template and its one data record),
 * then data FlowSets: one per run of records of one family, each padded to
 * 4 bytes.  The templates are due in the first packet and then every
 * template_refresh_s seconds (v9 runs over UDP only: a collector that
 * starts late learns them then).  Header fields: Count, the records of the
 * packet, templates and options included (RFC 3954 5.1); Sequence Number,
 * the export packets sent before this one, mod 2^32 (5.1: per packet, not
 * per record as in IPFIX), counted whether or not the sender then lost it,
 * so collectors see the loss; Source ID, the observation domain.
 *
 * A packet goes out when the next record does not fit, on ->flush, or once
 * its oldest record has waited max_hold_ms (->tick; ->add as a backstop).
 * Memory: one buffer of the sender's largest message, allocated at ->open.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "be.h"
#include "export.h"

#define NF9_VERSION      9
#define NF9_HDR_LEN      20
#define NF9_SET_HDR      4
#define TID_V4           256
#define TID_V6           257
#define TID_SAMPLING     258

/* RFC 3954 section 8 field types */
enum {
	F_IN_BYTES = 1, F_IN_PKTS = 2, F_PROTOCOL = 4, F_SRC_TOS = 5, F_TCP_FLAGS = 6,
	F_L4_SRC_PORT = 7, F_IPV4_SRC_ADDR = 8, F_SRC_MASK = 9, F_INPUT_SNMP = 10,
	F_L4_DST_PORT = 11, F_IPV4_DST_ADDR = 12, F_DST_MASK = 13, F_OUTPUT_SNMP = 14,
	F_IPV4_NEXT_HOP = 15, F_SRC_AS = 16, F_DST_AS = 17, F_LAST_SWITCHED = 21,
	F_FIRST_SWITCHED = 22, F_IPV6_SRC_ADDR = 27, F_IPV6_DST_ADDR = 28,
	F_IPV6_SRC_MASK = 29, F_IPV6_DST_MASK = 30, F_SAMPLING_INTERVAL = 34,
	F_SAMPLING_ALGORITHM = 35, F_SRC_MAC = 56, F_SRC_VLAN = 58,
	F_IP_PROTOCOL_VERSION = 60, F_IPV6_NEXT_HOP = 62, F_DST_MAC = 80,
};
#define SCOPE_SYSTEM 1

/* A template: (type, length) pairs in record order. */
struct field {
	uint16_t type, len;
};

static const struct field tmpl_v4[] = {
	{ F_IN_PKTS, 8 }, { F_IN_BYTES, 8 }, { F_FIRST_SWITCHED, 4 }, { F_LAST_SWITCHED, 4 },
	{ F_IPV4_SRC_ADDR, 4 }, { F_IPV4_DST_ADDR, 4 }, { F_IPV4_NEXT_HOP, 4 },
	{ F_INPUT_SNMP, 4 }, { F_OUTPUT_SNMP, 4 }, { F_SRC_AS, 4 }, { F_DST_AS, 4 },
	{ F_L4_SRC_PORT, 2 }, { F_L4_DST_PORT, 2 }, { F_SRC_VLAN, 2 },
	{ F_SRC_MAC, 6 }, { F_DST_MAC, 6 }, { F_PROTOCOL, 1 }, { F_SRC_TOS, 1 },
	{ F_TCP_FLAGS, 1 }, { F_SRC_MASK, 1 }, { F_DST_MASK, 1 }, { F_IP_PROTOCOL_VERSION, 1 },
};

static const struct field tmpl_v6[] = {
	{ F_IN_PKTS, 8 }, { F_IN_BYTES, 8 }, { F_FIRST_SWITCHED, 4 }, { F_LAST_SWITCHED, 4 },
	{ F_IPV6_SRC_ADDR, 16 }, { F_IPV6_DST_ADDR, 16 }, { F_IPV6_NEXT_HOP, 16 },
	{ F_INPUT_SNMP, 4 }, { F_OUTPUT_SNMP, 4 }, { F_SRC_AS, 4 }, { F_DST_AS, 4 },
	{ F_L4_SRC_PORT, 2 }, { F_L4_DST_PORT, 2 }, { F_SRC_VLAN, 2 },
	{ F_SRC_MAC, 6 }, { F_DST_MAC, 6 }, { F_PROTOCOL, 1 }, { F_SRC_TOS, 1 },
	{ F_TCP_FLAGS, 1 }, { F_IPV6_SRC_MASK, 1 }, { F_IPV6_DST_MASK, 1 },
	{ F_IP_PROTOCOL_VERSION, 1 },
};

#define NFIELDS(t) (sizeof(t) / sizeof((t)[0]))

static unsigned rec_len(const struct field *t, size_t n)
{
	unsigned len = 0;

	for (size_t i = 0; i < n; i++)
		len += t[i].len;
	return len;
}

/* The options template FlowSet and its data FlowSet, padded. */
#define OPTIONS_BYTES (24 + 16)

struct nf9_enc {
	struct enc_params p;
	struct sender *s;            /* borrowed */
	struct enc_stats st;
	uint32_t seq;                /* export packets handed to the sender */
	uint8_t *buf;
	size_t max, len;             /* buffer size (the sender's largest
	                                message), bytes in it */
	unsigned count;              /* records in the packet (header Count) */
	size_t set_at;               /* open data FlowSet's offset, 0: none */
	uint16_t set_tid;
	size_t nrec;                 /* flow records in the packet */
	uint64_t oldest_ms;          /* ->add time of its first flow record */
	uint64_t templates_ms;       /* templates last sent; 0: never */
	bool templates_due;
	unsigned len4, len6;
};

static void *nf9_open(const struct enc_params *p, struct sender *s, char *err, size_t errlen)
{
	struct nf9_enc *e;
	size_t max = sender_max_msg(s);
	unsigned len4 = rec_len(tmpl_v4, NFIELDS(tmpl_v4)), len6 = rec_len(tmpl_v6, NFIELDS(tmpl_v6));

	size_t tmpl = NF9_SET_HDR + 4 + 4 * NFIELDS(tmpl_v4) + 4 + 4 * NFIELDS(tmpl_v6) +
	              (p->sampling > 1 ? OPTIONS_BYTES : 0);

	/* the first packet: header, templates and one IPv6 record */
	if (max < NF9_HDR_LEN + tmpl + NF9_SET_HDR + len6 + 3) {
		snprintf(err, errlen, "path too small for NetFlow v9: %zu bytes", max);
		return NULL;
	}
	if (max > 65535)
		max = 65535;
	if ((e = calloc(1, sizeof(*e))) == NULL || (e->buf = malloc(max)) == NULL) {
		free(e);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	e->p = *p;
	e->s = s;
	e->max = max;
	e->len4 = len4;
	e->len6 = len6;
	e->templates_due = true;
	return e;
}

static uint8_t *put_template(uint8_t *q, uint16_t tid, const struct field *t, size_t n)
{
	q = put16(put16(q, tid), (uint16_t)n);
	for (size_t i = 0; i < n; i++)
		q = put16(put16(q, t[i].type), t[i].len);
	return q;
}

/* Close the open data FlowSet: pad it to 4 bytes, write its length. */
static void set_close(struct nf9_enc *e)
{
	if (e->set_at == 0)
		return;
	while ((e->len - e->set_at) % 4 != 0)
		e->buf[e->len++] = 0;
	put16(e->buf + e->set_at + 2, (uint16_t)(e->len - e->set_at));
	e->set_at = 0;
}

/* Start a packet: the header's place, and the templates when due. */
static void packet_start(struct nf9_enc *e, uint64_t now_ms)
{
	uint8_t *q = e->buf + NF9_HDR_LEN, *set;

	e->len = NF9_HDR_LEN;
	e->count = 0;
	e->nrec = 0;
	e->set_at = 0;
	if (!e->templates_due && (e->p.template_refresh_s == 0 ||
	    now_ms < e->templates_ms + (uint64_t)e->p.template_refresh_s * 1000))
		return;
	set = q;
	q = put16(q, 0) + 2;                       /* Template FlowSet, length below */
	q = put_template(q, TID_V4, tmpl_v4, NFIELDS(tmpl_v4));
	q = put_template(q, TID_V6, tmpl_v6, NFIELDS(tmpl_v6));
	put16(set + 2, (uint16_t)(q - set));
	e->count += 2;
	if (e->p.sampling > 1) {
		/* Options Template FlowSet: template id, scope length, option
		 * length, then the scope and option fields */
		set = q;
		q = put16(q, 1) + 2;
		q = put16(put16(put16(q, TID_SAMPLING), 4), 8);
		q = put16(put16(q, SCOPE_SYSTEM), 4);
		q = put16(put16(q, F_SAMPLING_INTERVAL), 4);
		q = put16(put16(q, F_SAMPLING_ALGORITHM), 1);
		while ((q - set) % 4 != 0)
			*q++ = 0;
		put16(set + 2, (uint16_t)(q - set));
		/* its data record: the source id, the interval, the algorithm
		 * (1 deterministic, 2 random; upstream sampling is declared
		 * random, as in v5 and IPFIX) */
		set = q;
		q = put16(q, TID_SAMPLING) + 2;
		q = put32(q, e->p.domain);
		q = put32(q, e->p.sampling);
		q = put8(q, e->p.sampling_mode == SAMPLING_DETERMINISTIC ? 1 : 2);
		while ((q - set) % 4 != 0)
			*q++ = 0;
		put16(set + 2, (uint16_t)(q - set));
		e->count += 2;
	}
	e->len = (size_t)(q - e->buf);
	e->templates_ms = now_ms;
	e->templates_due = false;
	e->st.templates++;
}

/* Send the packet (when it holds flow records; templates alone wait for
 * the first record), counted sent even if the sender then lost it. */
static void packet_send(struct nf9_enc *e, uint64_t now_ms)
{
	uint8_t *q = e->buf;

	if (e->nrec == 0)
		return;
	set_close(e);
	q = put16(put16(q, NF9_VERSION), (uint16_t)e->count);
	q = put32(q, (uint32_t)(now_ms - e->p.boot_ms));
	q = put32(q, (uint32_t)(now_ms / 1000));
	q = put32(q, e->seq);
	put32(q, e->p.domain);
	(void)sender_send(e->s, e->buf, e->len, now_ms);
	e->seq++;
	e->st.records += e->nrec;
	e->st.messages++;
	e->len = 0;
	e->nrec = 0;
}

static uint8_t *put_addr(uint8_t *q, const union anm_addr *a, size_t n)
{
	memcpy(q, a->b, n);
	return q + n;
}

static void nf9_add(void *enc, const struct anm_flow *f, uint64_t now_ms)
{
	struct nf9_enc *e = enc;
	bool v6 = f->af == AF_INET6;
	uint16_t tid = v6 ? TID_V6 : TID_V4;
	size_t need = v6 ? e->len6 : e->len4;
	uint8_t *q;

	if (f->af != AF_INET && f->af != AF_INET6) {
		e->st.skipped++;
		return;
	}
	if (e->nrec > 0 && now_ms - e->oldest_ms > e->p.max_hold_ms)
		packet_send(e, now_ms);
	/* the record, a new FlowSet's header and its padding must fit */
	if (e->len > 0 && e->len + need + (e->set_at && e->set_tid == tid ? 0 : NF9_SET_HDR) + 3 >
	    e->max)
		packet_send(e, now_ms);
	if (e->len == 0)
		packet_start(e, now_ms);
	if (e->set_at == 0 || e->set_tid != tid) {
		set_close(e);
		e->set_at = e->len;
		e->set_tid = tid;
		put16(e->buf + e->len, tid);
		e->len += NF9_SET_HDR;
	}
	if (e->nrec == 0)
		e->oldest_ms = now_ms;
	q = e->buf + e->len;
	q = put64(q, f->packets);
	q = put64(q, f->octets);
	q = put32(q, (uint32_t)(f->first_ms - e->p.boot_ms));
	q = put32(q, (uint32_t)(f->last_ms - e->p.boot_ms));
	q = put_addr(q, &f->src, v6 ? 16 : 4);
	q = put_addr(q, &f->dst, v6 ? 16 : 4);
	q = put_addr(q, &f->nexthop, v6 ? 16 : 4);
	q = put32(put32(q, f->in_if), f->out_if);
	q = put32(put32(q, f->src_as), f->dst_as);
	q = put16(put16(q, f->sport), f->dport);
	q = put16(q, f->vlan);
	memcpy(q, f->src_mac, 6);
	memcpy(q + 6, f->dst_mac, 6);
	q += 12;
	q = put8(put8(q, f->proto), f->tos);
	q = put8(q, f->tcp_flags);
	q = put8(put8(q, f->src_mask), f->dst_mask);
	q = put8(q, v6 ? 6 : 4);
	e->len = (size_t)(q - e->buf);
	e->count++;
	e->nrec++;
}

static void nf9_tick(void *enc, uint64_t now_ms)
{
	struct nf9_enc *e = enc;

	if (e->nrec > 0 && now_ms - e->oldest_ms >= e->p.max_hold_ms)
		packet_send(e, now_ms);
}

static void nf9_flush(void *enc, uint64_t now_ms)
{
	packet_send(enc, now_ms);
}

static const struct enc_stats *nf9_stats(const void *enc)
{
	const struct nf9_enc *e = enc;

	return &e->st;
}

static void nf9_close(void *enc)
{
	struct nf9_enc *e = enc;

	if (e != NULL)
		free(e->buf);
	free(e);
}

const struct encoder_ops nf9_encoder_ops = {
	.name  = "netflow-v9",
	.open  = nf9_open,
	.add   = nf9_add,
	.tick  = nf9_tick,
	.flush = nf9_flush,
	.stats = nf9_stats,
	.close = nf9_close,
};
