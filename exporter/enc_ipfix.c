/*
 * IPFIX encoder (RFC 7011) built on libfixbuf's buffer exporter.
 *
 * libfixbuf lays out messages; we decide when they go and hand them to our
 * sender.  The fBuf runs in manual mode over fbExporterAllocBuffer(out,
 * max_msg): fBufAppend returns FB_ERROR_EOM when a record does not fit, we
 * fBufEmit (which copies the finished message into `out`), send
 * fbExporterGetMsgLen() bytes and append again.
 *
 * Templates (fixed IDs):
 *   256  IPv4 flow record        257  IPv6 flow record
 *   258  options template, only when sampling > 1: one options record
 *        (scope observationDomainId) stating the sampling algorithm and rate
 * Templates travel in a message of their own (libfixbuf 2.4 forces a new
 * message before and after a template set); the sampling options record
 * follows in a second small message.  They are sent before the first data
 * message, again whenever sender_generation() reports a new non-zero
 * generation (a new TCP connection), and every template_refresh_s seconds
 * (UDP; the caller passes 0 for TCP).  If the trigger is noticed when a data
 * message is already laid out, that message is copied aside, the templates
 * go first and the data message follows.
 *
 * Two header fields are ours, not libfixbuf's, and are patched into each
 * message just before it is handed to the sender:
 *   - Export Time = now_ms / 1000 of the send (libfixbuf would stamp the time
 *     the message was *started*, and call time() itself);
 *   - Sequence Number = data records (flow and options records) sent before
 *     this message in this observation domain, mod 2^32 (RFC 7011 s. 3.1),
 *     counted in the order messages really go out.  Records in a message the
 *     sender then lost still count, so collectors see the loss.
 *
 * A data message goes out when full, on ->flush, or once its oldest record
 * has waited max_hold_ms (checked on ->tick, and on ->add as a backstop).
 *
 * Memory: libfixbuf/glib abort the process if an allocation fails; our own
 * allocations fail cleanly in ->open.  ->close frees everything: fBufFree
 * frees the session (with its templates) and the exporter; the information
 * model is freed after it.
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <fixbuf/public.h>

#include "be.h"
#include "export.h"

#define TID_V4        256
#define TID_V6        257
#define TID_SAMPLING  258

/* Smallest path we accept: the template message (about 240 bytes) must fit
 * in one message, and so must one record in a fresh message. */
#define IPFIX_MIN_MSG 256
#define IPFIX_MAX_MSG 65535          /* 16-bit Length field */

/* samplingAlgorithm(35) values (IANA). */
#define SAMPLING_ALG_DETERMINISTIC 1
#define SAMPLING_ALG_RANDOM        2

/* Spec flags: which templates an element belongs to.  An entry with flags
 * 0 is in all four flow templates. */
#define F_INT  0x1                   /* internal template only (padding) */
#define F_V4   0x2
#define F_V6   0x4

/*
 * Internal records: what we hand to fBufAppend.  libfixbuf reads an
 * internal record at offsets that are the running sum of the internal
 * template's element lengths, with no alignment of its own, so each struct
 * lists its fields in the spec's order, sorted by size so the compiler adds
 * no padding, and ends in explicit padding (a paddingOctets element in the
 * internal template only) up to its 8-byte alignment.  ipfix_open() checks
 * fbTemplateGetIELenOfMemBuffer() against sizeof.  Numbers are host order;
 * libfixbuf converts (IPv4 addresses too: they are unsigned32 to it).
 */
struct rec4 {
	uint64_t packets, octets, start_ms, end_ms;
	uint32_t src, dst, nexthop;
	uint32_t in_if, out_if, src_as, dst_as;
	uint16_t sport, dport, vlan, cvlan, tcp_flags;
	uint8_t  src_mac[6], dst_mac[6];
	uint8_t  proto, tos, end_reason, src_mask, dst_mask;
	uint8_t  pad[1];
};

struct rec6 {
	uint64_t packets, octets, start_ms, end_ms;
	uint8_t  src[16], dst[16], nexthop[16];
	uint32_t in_if, out_if, src_as, dst_as;
	uint16_t sport, dport, vlan, cvlan, tcp_flags;
	uint8_t  src_mac[6], dst_mac[6];
	uint8_t  proto, tos, end_reason, src_mask, dst_mask;
	uint8_t  pad[5];
};

struct rec_sampling {
	uint32_t domain;                 /* scope */
	uint32_t packet_interval;        /* packets selected in a row: 1 */
	uint32_t packet_space;           /* packets skipped between: N-1 */
	uint8_t  algorithm;              /* samplingAlgorithm: 1 det., 2 random */
	uint8_t  pad[3];
};

_Static_assert(sizeof(struct rec4) == 88, "struct rec4 has hidden padding");
_Static_assert(sizeof(struct rec6) == 128, "struct rec6 has hidden padding");
_Static_assert(sizeof(struct rec_sampling) == 16,
               "struct rec_sampling has hidden padding");
_Static_assert(offsetof(struct rec4, src_mac) == 70 &&
               offsetof(struct rec6, src_mac) == 106,
               "flow record layout must follow flow_spec");

static fbInfoElementSpec_t flow_spec[] = {
	{ "packetDeltaCount",            8, 0 },
	{ "octetDeltaCount",             8, 0 },
	{ "flowStartMilliseconds",       8, 0 },
	{ "flowEndMilliseconds",         8, 0 },
	{ "sourceIPv4Address",           4, F_V4 },
	{ "destinationIPv4Address",      4, F_V4 },
	{ "ipNextHopIPv4Address",        4, F_V4 },
	{ "sourceIPv6Address",          16, F_V6 },
	{ "destinationIPv6Address",     16, F_V6 },
	{ "ipNextHopIPv6Address",       16, F_V6 },
	{ "ingressInterface",            4, 0 },
	{ "egressInterface",             4, 0 },
	{ "bgpSourceAsNumber",           4, 0 },
	{ "bgpDestinationAsNumber",      4, 0 },
	{ "sourceTransportPort",         2, 0 },
	{ "destinationTransportPort",    2, 0 },
	{ "vlanId",                      2, 0 },
	{ "dot1qCustomerVlanId",         2, 0 },
	{ "tcpControlBits",              2, 0 },
	{ "sourceMacAddress",            6, 0 },
	{ "destinationMacAddress",       6, 0 },
	{ "protocolIdentifier",          1, 0 },
	{ "ipClassOfService",            1, 0 },
	{ "flowEndReason",               1, 0 },
	{ "sourceIPv4PrefixLength",      1, F_V4 },
	{ "destinationIPv4PrefixLength", 1, F_V4 },
	{ "sourceIPv6PrefixLength",      1, F_V6 },
	{ "destinationIPv6PrefixLength", 1, F_V6 },
	{ "paddingOctets",               1, F_INT | F_V4 },
	{ "paddingOctets",               5, F_INT | F_V6 },
	FB_IESPEC_NULL
};

/*
 * The sampling options record: scope observationDomainId, then the rate as
 * PSAMP samplingPacketInterval (1 packet selected) / samplingPacketSpace
 * (N-1 skipped), and the mode as samplingAlgorithm(35) (1 deterministic,
 * 2 random).
 *
 * Chosen by testing against nfcapd 1.7.1, which applies the rate to every
 * flow of the domain for exactly {305, 306} or {305, 306, 35}, but ignores
 * the whole record as soon as selectorId(302) or selectorAlgorithm(304) is
 * present (it then expects each flow to name its selectorId), and reads
 * samplingInterval(34) alone as no sampling at all.  So the PSAMP
 * selectorAlgorithm (1 systematic count-based, 3 random n-out-of-N) is not
 * sent; samplingAlgorithm carries the same distinction.
 *
 * Upstream sampling (packets sampled before the capture) is declared as
 * random: the exporter cannot know the upstream selection, and a capture fed
 * by several sampled ports, or losing frames, no longer sees every N-th
 * packet of any one stream; for scaling counts back, a selection
 * independent of the traffic is the closest description.  The v5 header
 * says the same (mode bits 10).
 */
static fbInfoElementSpec_t sampling_spec[] = {
	{ "observationDomainId",         4, 0 },
	{ "samplingPacketInterval",      4, 0 },
	{ "samplingPacketSpace",         4, 0 },
	{ "samplingAlgorithm",           1, 0 },
	{ "paddingOctets",               3, F_INT },
	FB_IESPEC_NULL
};

struct ipfix_enc {
	struct enc_params p;
	struct sender *s;            /* borrowed */
	struct enc_stats st;
	fbInfoModel_t *model;
	fbSession_t *session;        /* owned by fbuf */
	fBuf_t *fbuf;
	fbExporter_t *exporter;      /* owned by fbuf */
	size_t max_msg;
	uint8_t *out;                /* fBufEmit copies each message here */
	uint8_t *aside;              /* a data message waiting behind templates */
	uint32_t seq;                /* data records sent, mod 2^32 */
	uint32_t gen;                /* generation templates last went on; 0 never */
	uint64_t tmpl_ms;            /* when templates last went */
	uint16_t cur_tid;            /* template set on fbuf, 0 none */
	int msg_open;                /* fbuf holds a message with records */
	size_t msg_recs;             /* flow records in it */
	uint64_t oldest_ms;          /* ->add time of its first record */
};

/* libfixbuf failing where our fixed templates and sizes say it cannot is a
 * bug in this file, not bad input: stop loudly. */
static void fatal_fb(const char *what, GError *err)
{
	fprintf(stderr, "enc_ipfix: %s: %s\n", what, err ? err->message : "?");
	abort();
}

static int is_eom(const GError *err)
{
	return err != NULL && g_error_matches(err, FB_ERROR_DOMAIN, FB_ERROR_EOM);
}

/* Build one template from flow_spec/sampling_spec with the given flags and
 * add it to the session under tid.  Returns 0 or -1 with err set. */
static int add_template(struct ipfix_enc *e, fbInfoElementSpec_t *spec,
                        uint32_t flags, int internal, uint16_t tid,
                        uint16_t scope, size_t want_len,
                        char *err, size_t errlen)
{
	fbTemplate_t *t = fbTemplateAlloc(e->model);
	GError *gerr = NULL;

	if (!fbTemplateAppendSpecArray(t, spec, flags, &gerr))
		goto fail;
	if (scope)
		fbTemplateSetOptionsScope(t, scope);
	if (internal && fbTemplateGetIELenOfMemBuffer(t) != want_len) {
		snprintf(err, errlen, "internal template %u is %u bytes, struct "
		         "is %zu", tid, fbTemplateGetIELenOfMemBuffer(t), want_len);
		fbTemplateFreeUnused(t);
		return -1;
	}
	if (fbSessionAddTemplate(e->session, internal ? TRUE : FALSE, tid, t,
	                         &gerr) == 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "template %u: %s", tid, gerr ? gerr->message : "?");
	g_clear_error(&gerr);
	fbTemplateFreeUnused(t);
	return -1;
}

static void ipfix_close(void *enc)
{
	struct ipfix_enc *e = enc;

	if (e == NULL)
		return;
	if (e->fbuf != NULL)
		fBufFree(e->fbuf);               /* and session, exporter */
	else if (e->session != NULL)
		fbSessionFree(e->session);
	if (e->model != NULL)
		fbInfoModelFree(e->model);       /* after everything using it */
	free(e->out);
	free(e->aside);
	free(e);
}

static void *ipfix_open(const struct enc_params *p, struct sender *s,
                        char *err, size_t errlen)
{
	struct ipfix_enc *e;
	char dummy[1];

	if (errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	e = calloc(1, sizeof(*e));
	if (e == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	e->p = *p;
	e->s = s;
	e->max_msg = sender_max_msg(s);
	if (e->max_msg > IPFIX_MAX_MSG)
		e->max_msg = IPFIX_MAX_MSG;
	if (e->max_msg < IPFIX_MIN_MSG) {
		snprintf(err, errlen, "path too small for IPFIX: %zu bytes, "
		         "need %d", e->max_msg, IPFIX_MIN_MSG);
		goto fail;
	}
	e->out = malloc(e->max_msg);
	e->aside = malloc(e->max_msg);
	if (e->out == NULL || e->aside == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}

	e->model = fbInfoModelAlloc();
	e->session = fbSessionAlloc(e->model);
	/* The domain scopes external templates: set it before adding them. */
	fbSessionSetDomain(e->session, p->domain);

	/* Templates are added before the session has a buffer, so adding them
	 * exports nothing; we export them ourselves when they are due. */
	if (add_template(e, flow_spec, F_INT | F_V4, 1, TID_V4, 0,
	                 sizeof(struct rec4), err, errlen) < 0 ||
	    add_template(e, flow_spec, F_V4, 0, TID_V4, 0, 0, err, errlen) < 0 ||
	    add_template(e, flow_spec, F_INT | F_V6, 1, TID_V6, 0,
	                 sizeof(struct rec6), err, errlen) < 0 ||
	    add_template(e, flow_spec, F_V6, 0, TID_V6, 0, 0, err, errlen) < 0)
		goto fail;
	if (p->sampling > 1 &&
	    (add_template(e, sampling_spec, F_INT, 1, TID_SAMPLING, 1,
	                  sizeof(struct rec_sampling), err, errlen) < 0 ||
	     add_template(e, sampling_spec, 0, 0, TID_SAMPLING, 1, 0,
	                  err, errlen) < 0))
		goto fail;

	/* fbExporterAllocBuffer has no public free: allocate it only when
	 * fBufAllocForExport is sure to take ownership. */
	e->exporter = fbExporterAllocBuffer(e->out, (uint16_t)e->max_msg);
	e->fbuf = fBufAllocForExport(e->session, e->exporter);
	fBufSetAutomaticMode(e->fbuf, FALSE);
	/* Any non-zero value keeps libfixbuf from calling time(); the real
	 * export time is patched in at send. */
	fBufSetExportTime(e->fbuf, 1);
	return e;
fail:
	ipfix_close(e);
	return NULL;
}

/* Set both the internal and the export template to tid. */
static void use_template(struct ipfix_enc *e, uint16_t tid)
{
	GError *gerr = NULL;

	if (e->cur_tid == tid)
		return;
	if (!fBufSetInternalTemplate(e->fbuf, tid, &gerr) ||
	    !fBufSetExportTemplate(e->fbuf, tid, &gerr))
		fatal_fb("set template", gerr);
	e->cur_tid = tid;
}

/* Emit the message libfixbuf is building into e->out; returns its length. */
static size_t emit(struct ipfix_enc *e)
{
	GError *gerr = NULL;

	if (!fBufEmit(e->fbuf, &gerr))
		fatal_fb("emit", gerr);
	return fbExporterGetMsgLen(e->exporter);
}

/* Stamp export time and sequence number into msg, hand it to the sender
 * and advance the sequence by the nrec data records it carries. */
static void put_msg(struct ipfix_enc *e, uint8_t *msg, size_t len,
                    size_t nrec, uint64_t now_ms)
{
	put32(msg + 4, (uint32_t)(now_ms / 1000));
	put32(msg + 8, e->seq);
	e->seq += (uint32_t)nrec;
	(void)sender_send(e->s, msg, len, now_ms);
	e->st.messages++;
}

/* Append rec with template tid; the caller guarantees no data message is
 * open (a fresh message always has room: IPFIX_MIN_MSG).  The first append
 * after a template export gets a forced EOM from libfixbuf, so retry once. */
static void append_fresh(struct ipfix_enc *e, uint16_t tid, void *rec, size_t len)
{
	GError *gerr = NULL;
	int tries;

	use_template(e, tid);
	for (tries = 0; tries < 2; tries++) {
		if (fBufAppend(e->fbuf, rec, len, &gerr))
			return;
		if (!is_eom(gerr))
			break;
		g_clear_error(&gerr);
	}
	fatal_fb("append to a fresh message", gerr);
}

/* Send the templates message and, when sampling, the options-record
 * message.  Precondition: no data message open in fbuf. */
static void send_templates(struct ipfix_enc *e, uint32_t gen, uint64_t now_ms)
{
	static const uint16_t tids[] = { TID_V4, TID_V6, TID_SAMPLING };
	size_t i, n = e->p.sampling > 1 ? 3 : 2, len;
	GError *gerr = NULL;

	for (i = 0; i < n; i++) {
		/* The first template after data gets a forced EOM ("must start
		 * a new message"); nothing is open, so just retry. */
		if (fbSessionExportTemplate(e->session, tids[i], &gerr))
			continue;
		if (!is_eom(gerr) || i != 0)
			fatal_fb("export template", gerr);
		g_clear_error(&gerr);
		if (!fbSessionExportTemplate(e->session, tids[i], &gerr))
			fatal_fb("export template", gerr);
	}
	len = emit(e);
	put_msg(e, e->out, len, 0, now_ms);
	e->st.templates++;

	if (e->p.sampling > 1) {
		struct rec_sampling r;

		memset(&r, 0, sizeof(r));
		r.domain = e->p.domain;
		r.packet_interval = 1;
		r.packet_space = e->p.sampling - 1;
		r.algorithm = e->p.sampling_mode == SAMPLING_RANDOM ||
		              e->p.sampling_mode == SAMPLING_UPSTREAM ?
		              SAMPLING_ALG_RANDOM : SAMPLING_ALG_DETERMINISTIC;
		append_fresh(e, TID_SAMPLING, &r, sizeof(r));
		len = emit(e);
		put_msg(e, e->out, len, 1, now_ms);
	}
	e->gen = gen;
	e->tmpl_ms = now_ms;
}

static int templates_due(const struct ipfix_enc *e, uint32_t gen, uint64_t now_ms)
{
	if (gen == 0)
		return 0;                /* disconnected: nobody to tell */
	if (gen != e->gen)
		return 1;                /* first message or new connection */
	return e->p.template_refresh_s > 0 &&
	       now_ms - e->tmpl_ms >= (uint64_t)e->p.template_refresh_s * 1000;
}

/* Send the open data message, templates first if they are due. */
static void send_data(struct ipfix_enc *e, uint64_t now_ms)
{
	uint32_t gen;
	size_t len;

	if (!e->msg_open)
		return;
	len = emit(e);
	gen = sender_generation(e->s, now_ms);
	if (templates_due(e, gen, now_ms)) {
		memcpy(e->aside, e->out, len);
		send_templates(e, gen, now_ms);
		put_msg(e, e->aside, len, e->msg_recs, now_ms);
	} else {
		put_msg(e, e->out, len, e->msg_recs, now_ms);
	}
	e->st.records += e->msg_recs;
	e->msg_recs = 0;
	e->msg_open = 0;
}

/* The fields rec4 and rec6 share, by name: the structs differ only in the
 * address fields, and cannot share a nested struct without the compiler
 * padding it out of libfixbuf's packed layout. */
#define FILL_COMMON(r, f) do {                                                 \
	(r)->packets = (f)->packets;                                           \
	(r)->octets = (f)->octets;                                             \
	(r)->start_ms = (f)->first_ms;                                         \
	(r)->end_ms = (f)->last_ms;                                            \
	(r)->in_if = (f)->in_if;                                               \
	(r)->out_if = (f)->out_if;                                             \
	(r)->src_as = (f)->src_as;                                             \
	(r)->dst_as = (f)->dst_as;                                             \
	(r)->sport = (f)->sport;                                               \
	(r)->dport = (f)->dport;                                               \
	(r)->vlan = (f)->vlan;                                                 \
	(r)->cvlan = (f)->inner_vlan;                                          \
	(r)->tcp_flags = (f)->tcp_flags;                                       \
	memcpy((r)->src_mac, (f)->src_mac, 6);                                 \
	memcpy((r)->dst_mac, (f)->dst_mac, 6);                                 \
	(r)->proto = (f)->proto;                                               \
	(r)->tos = (f)->tos;                                                   \
	(r)->end_reason = (f)->end_reason;                                     \
	(r)->src_mask = (f)->src_mask;                                         \
	(r)->dst_mask = (f)->dst_mask;                                         \
} while (0)

static void fill4(struct rec4 *r, const struct anm_flow *f)
{
	uint32_t w;

	memset(r, 0, sizeof(*r));
	FILL_COMMON(r, f);
	memcpy(&w, f->src.b, 4);
	r->src = ntohl(w);
	memcpy(&w, f->dst.b, 4);
	r->dst = ntohl(w);
	memcpy(&w, f->nexthop.b, 4);
	r->nexthop = ntohl(w);
}

static void fill6(struct rec6 *r, const struct anm_flow *f)
{
	memset(r, 0, sizeof(*r));
	FILL_COMMON(r, f);
	memcpy(r->src, f->src.b, 16);
	memcpy(r->dst, f->dst.b, 16);
	memcpy(r->nexthop, f->nexthop.b, 16);
}

/* Append one flow record; when the open message is full, send it and start
 * another.  Cost: one transcode into libfixbuf's buffer, plus a send when
 * the message fills. */
static void ipfix_add(void *enc, const struct anm_flow *f, uint64_t now_ms)
{
	struct ipfix_enc *e = enc;
	union { struct rec4 v4; struct rec6 v6; } rec;
	uint16_t tid;
	size_t len;
	GError *gerr = NULL;

	/* Backstop for rare ticks; strictly greater so that with max_hold_ms 0
	 * flows added at the same instant still share a message. */
	if (e->msg_open && now_ms - e->oldest_ms > e->p.max_hold_ms)
		send_data(e, now_ms);

	if (f->af == AF_INET) {
		fill4(&rec.v4, f);
		tid = TID_V4;
		len = sizeof(rec.v4);
	} else if (f->af == AF_INET6) {
		fill6(&rec.v6, f);
		tid = TID_V6;
		len = sizeof(rec.v6);
	} else {
		e->st.skipped++;
		return;
	}

	if (!e->msg_open) {
		append_fresh(e, tid, &rec, len);
	} else {
		/* A template change closes the set; a full message gives EOM.
		 * libfixbuf checks room for the set header plus a whole
		 * fixed-length record before writing, so EOM leaves the message
		 * intact (no empty set, no partial record). */
		use_template(e, tid);
		if (!fBufAppend(e->fbuf, (uint8_t *)&rec, len, &gerr)) {
			if (!is_eom(gerr))
				fatal_fb("append", gerr);
			g_clear_error(&gerr);
			send_data(e, now_ms);
			append_fresh(e, tid, &rec, len);
		}
	}
	if (!e->msg_open) {
		e->msg_open = 1;
		e->oldest_ms = now_ms;
	}
	e->msg_recs++;
}

/* Hold timer; when idle, also the template timers (so a collector learns
 * the templates right after a TCP connect, and UDP refreshes continue while
 * there is no traffic). */
static void ipfix_tick(void *enc, uint64_t now_ms)
{
	struct ipfix_enc *e = enc;
	uint32_t gen;

	if (e->msg_open) {
		if (now_ms - e->oldest_ms >= e->p.max_hold_ms)
			send_data(e, now_ms);
		return;
	}
	gen = sender_generation(e->s, now_ms);
	if (templates_due(e, gen, now_ms))
		send_templates(e, gen, now_ms);
}

static void ipfix_flush(void *enc, uint64_t now_ms)
{
	send_data(enc, now_ms);
}

static const struct enc_stats *ipfix_stats(const void *enc)
{
	const struct ipfix_enc *e = enc;

	return &e->st;
}

const struct encoder_ops ipfix_encoder_ops = {
	.name  = "ipfix",
	.open  = ipfix_open,
	.add   = ipfix_add,
	.tick  = ipfix_tick,
	.flush = ipfix_flush,
	.stats = ipfix_stats,
	.close = ipfix_close,
};
