/*
 * IPFIX / NetFlow v9 input through libfixbuf's connection-less collection
 * (fBufAllocForCollection with a NULL collector, fBufSetBuffer per message).
 *
 * Every datagram goes through three steps:
 *
 *   1. check: header, length and the set (flowset) structure are walked
 *      without touching any state.  Anything wrong here rejects the datagram
 *      as a whole; so does a new domain beyond max_domains.
 *   2. clean: the message is rewritten into out_buf as a well-formed IPFIX
 *      message, keeping our own table of each domain's templates in step:
 *        - template records are validated (ids, field counts, scope counts,
 *          the template limit); a bad record is dropped and counted, the
 *          good ones kept.  Fields of a length their type cannot have are
 *          skipped (field_check): rewritten as opaque bytes, or left out
 *          when of length 0 (v9); an integer we read sent longer than its
 *          type becomes opaque high bytes followed by the element at its
 *          own size, and a record whose high bytes are not zero is dropped
 *          (clean_data_set), so libfixbuf never sees a length it would
 *          complain about;
 *        - elements libfixbuf does not know, and structured-data (list)
 *          elements, are rewritten as paddingOctets of the same length, so
 *          the information model never grows from the network and no nested
 *          list decoding happens;
 *        - data sets whose template we do not have are dropped (counted);
 *          the others are cut to their whole records (padding and any
 *          truncated last record go), so libfixbuf only ever reads records
 *          that are complete;
 *        - withdrawals are not passed on: our table forgets the template at
 *          once, and libfixbuf's copy is removed with fbSessionRemoveTemplate
 *          once the message has been read (unless the message redefined it).
 *      The cleaned message is rarely longer than the input (the v9 header
 *      is 4 bytes shorter; rewritten elements drop their enterprise number;
 *      only a split integer adds a field): when it would not fit, what is
 *      cleaned so far is decoded first (wspace_flush).
 *   3. decode: libfixbuf reads the cleaned message, learns its templates (our
 *      new-template callback hangs a context on each one: which of our fields
 *      it carries, whether it is an options template, and an internal
 *      template of its own holding just those of our fields, in FIELDS
 *      order) and transcodes each record into the internal template of its
 *      external one (set with fBufSetInternalTemplate before fBufNext, once
 *      fBufNextCollectionTemplate has told which external template comes
 *      next).  A record is then read where the context points: the fields
 *      it has in the transcoded record, the absent ones at a block of zeros.
 *      libfixbuf's template pairs are not used: in libfixbuf 2.x they only
 *      apply to sub-template lists, and are not scoped to a domain.
 *
 * NetFlow v9 is translated to IPFIX here, in step 2, not by libfixbuf's
 * translator (fbCollectorSetNetflowV9Translator).  That translator hangs off
 * an fbCollector's read path, and fBufSetBuffer() detaches any collector, so
 * it never sees buffers we own.  The only collector fed from memory would be
 * fbCollectorAllocFP on an fmemopen/fopencookie FILE, whose v9 read path
 * (fbCollectorDecodeV9MsgVL in libfixbuf 2.4/2.5) takes the header's record
 * count for a flowset count, and whose buffer checks fail for any buffer
 * larger than the header; it also keeps its per-domain state keyed by
 * libfixbuf's UDP session objects and logs through g_warning per packet.
 * Translating ourselves costs one pass that step 2 does anyway.  The v9
 * source id is the observation domain; template flowset 0 becomes set 2,
 * options template flowset 1 becomes set 3 (scope/option byte lengths become
 * field counts; v9 scope types 1-5 become observationDomainId,
 * ingressInterface, lineCardId, meteringProcessId, templateId), data
 * flowsets keep their ids, v9 field types >= 32768 (no enterprise numbers in
 * v9) become padding, and FIRST/LAST_SWITCHED (the same ids as
 * flowStart/EndSysUpTime) are made absolute from the header's sysUptime and
 * unix_secs at decode.
 *
 * Cost per record: one libfixbuf transcode of just the fields we use into a
 * reused buffer (no zero-fill of the fields the template lacks: earlier, one
 * internal template of all 51 fields cost a memset per absent field per
 * record) and one conversion to struct anm_flow on the stack; no allocation.
 * Allocation happens per session (ours; its libfixbuf session only when its
 * first template goes to libfixbuf: fb_open), per domain (its template
 * table) and per template (our entry and its cleaned record; once data uses
 * it, libfixbuf's copy, our context, its internal template, and a
 * field-length array for variable-length templates), all of it charged to
 * the session's owner in a template budget when there is one (see
 * ipfix_in.h): a template reaches libfixbuf only with its first data set
 * (materialize), and a refresh that changes nothing is not passed on, so a
 * flood of templates without data costs a few hundred bytes each and no
 * libfixbuf work.  The sessions of a budget read through one libfixbuf
 * reader (fBuf: its 64 KiB message buffer is most of what a session cost
 * before) and share the full internal template: struct fbshared.  Internal template ids are the
 * session's own (257..65535, the first free one from a rotating start; 256 is
 * the full struct rec template); an internal template is removed once its
 * external template is gone (withdrawn, redefined), after the message.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <fixbuf/public.h>
/* fBufSetSession and fbSessionSetTemplateBuffer: how libfixbuf's own UDP
 * collector (fbListenerSetPeerSession, 2.x) reads many sessions through
 * one fBuf (see struct fbshared); fBufRemoveTemplateTcplan (forget_plans) */
#include <fixbuf/private.h>

#include "be.h"
#include "ipfix_in.h"

#define IPFIX_VERSION   10
#define V9_VERSION      9
#define IPFIX_HDR_LEN   16
#define V9_HDR_LEN      20
#define MSG_MAX         65535
#define SET_TEMPLATE    2
#define SET_OPTIONS     3
#define V9_SET_TEMPLATE 0
#define V9_SET_OPTIONS  1
#define TID_MIN         256
#define TID_INTERNAL    256            /* internal ids are their own space */
#define VARLEN          65535
#define IE_PADDING      210
/* What unknown and list elements travel as: an octetArray that is not in our
 * internal template (paddingOctets is, and libfixbuf 2.4 cannot transcode a
 * variable-length paddingOctets into a fixed one). */
#define IE_PLACEHOLDER  315            /* dataLinkFrameSection */
#define NTP_UNIX_OFFSET 2208988800ull   /* seconds 1900-01-01 .. 1970-01-01 */

/*
 * The fields we read: one bit each in a template's context mask, one member
 * each in struct rec, in this order.  X(bit, IANA name, id, internal length)
 */
#define FIELDS(X) \
	X(OCTETS,      "octetDeltaCount",              1,   8) \
	X(PACKETS,     "packetDeltaCount",             2,   8) \
	X(OCTETS_TOT,  "octetTotalCount",             85,   8) \
	X(PACKETS_TOT, "packetTotalCount",            86,   8) \
	X(START_MS,    "flowStartMilliseconds",      152,   8) \
	X(END_MS,      "flowEndMilliseconds",        153,   8) \
	X(START_US,    "flowStartMicroseconds",      154,   8) \
	X(END_US,      "flowEndMicroseconds",        155,   8) \
	X(START_NS,    "flowStartNanoseconds",       156,   8) \
	X(END_NS,      "flowEndNanoseconds",         157,   8) \
	X(SYSINIT,     "systemInitTimeMilliseconds", 160,   8) \
	X(PROB,        "samplingProbability",        311,   8) \
	X(SRC6,        "sourceIPv6Address",           27,  16) \
	X(DST6,        "destinationIPv6Address",      28,  16) \
	X(NH6,         "ipNextHopIPv6Address",        62,  16) \
	X(BGPNH6,      "bgpNextHopIPv6Address",       63,  16) \
	X(SRC4,        "sourceIPv4Address",            8,   4) \
	X(DST4,        "destinationIPv4Address",      12,   4) \
	X(NH4,         "ipNextHopIPv4Address",        15,   4) \
	X(BGPNH4,      "bgpNextHopIPv4Address",       18,   4) \
	X(IN_IF,       "ingressInterface",            10,   4) \
	X(OUT_IF,      "egressInterface",             14,   4) \
	X(SRC_AS,      "bgpSourceAsNumber",           16,   4) \
	X(DST_AS,      "bgpDestinationAsNumber",      17,   4) \
	X(START_S,     "flowStartSeconds",           150,   4) \
	X(END_S,       "flowEndSeconds",             151,   4) \
	X(START_UP,    "flowStartSysUpTime",          22,   4) \
	X(END_UP,      "flowEndSysUpTime",            21,   4) \
	X(START_DUS,   "flowStartDeltaMicroseconds", 158,   4) \
	X(END_DUS,     "flowEndDeltaMicroseconds",   159,   4) \
	X(SAMP_INT,    "samplingInterval",            34,   4) \
	X(SAMP_RAND,   "samplerRandomInterval",       50,   4) \
	X(SAMP_PINT,   "samplingPacketInterval",     305,   4) \
	X(SAMP_PSPACE, "samplingPacketSpace",        306,   4) \
	X(SPORT,       "sourceTransportPort",          7,   2) \
	X(DPORT,       "destinationTransportPort",    11,   2) \
	X(VLAN,        "vlanId",                      58,   2) \
	X(DOT1Q,       "dot1qVlanId",                243,   2) \
	X(CVLAN,       "dot1qCustomerVlanId",        245,   2) \
	X(TCPFLAGS,    "tcpControlBits",               6,   2) \
	X(ICMP4,       "icmpTypeCodeIPv4",            32,   2) \
	X(ICMP6,       "icmpTypeCodeIPv6",           139,   2) \
	X(SRCMAC,      "sourceMacAddress",            56,   6) \
	X(DSTMAC,      "destinationMacAddress",       80,   6) \
	X(PROTO,       "protocolIdentifier",           4,   1) \
	X(TOS,         "ipClassOfService",             5,   1) \
	X(ENDREASON,   "flowEndReason",              136,   1) \
	X(SMASK4,      "sourceIPv4PrefixLength",       9,   1) \
	X(DMASK4,      "destinationIPv4PrefixLength", 13,   1) \
	X(SMASK6,      "sourceIPv6PrefixLength",      29,   1) \
	X(DMASK6,      "destinationIPv6PrefixLength", 30,   1)

enum field_bit {
#define X(b, n, id, l) FB_##b,
	FIELDS(X)
#undef X
	FB_COUNT
};
_Static_assert(FB_COUNT <= 64, "field mask is 64 bits");
#define HAS(m, b) (((m) >> (FB_##b)) & 1u)
#define ID_TABLE_SIZE 512                /* all our ids are below this */

/*
 * The full internal record (template TID_INTERNAL: for templates that carry
 * none of our fields, or when no internal template of their own could be
 * made), laid out as libfixbuf writes it: members in FIELDS
 * order at the running sum of their lengths, then padding to 8 bytes (a
 * paddingOctets element in the internal template).  Host order; IPv4
 * addresses are unsigned32 to libfixbuf, IPv6 addresses and MACs are bytes.
 */
struct rec {
	uint64_t octets, packets, octets_tot, packets_tot;
	uint64_t start_ms, end_ms, start_us, end_us, start_ns, end_ns;
	uint64_t sysinit_ms;
	double   prob;
	uint8_t  src6[16], dst6[16], nh6[16], bgpnh6[16];
	uint32_t src4, dst4, nh4, bgpnh4, in_if, out_if, src_as, dst_as;
	uint32_t start_s, end_s, start_up, end_up, start_dus, end_dus;
	uint32_t samp_int, samp_rand, samp_pint, samp_pspace;
	uint16_t sport, dport, vlan, dot1q, cvlan, tcpflags, icmp4, icmp6;
	uint8_t  srcmac[6], dstmac[6];
	uint8_t  proto, tos, endreason, smask4, dmask4, smask6, dmask6;
	uint8_t  pad[5];
};
_Static_assert(sizeof(struct rec) == 272, "struct rec has hidden padding");
_Static_assert(offsetof(struct rec, src6) == 96 &&
               offsetof(struct rec, src4) == 160 &&
               offsetof(struct rec, sport) == 232 &&
               offsetof(struct rec, srcmac) == 248 &&
               offsetof(struct rec, proto) == 260,
               "struct rec must follow FIELDS");

static fbInfoElementSpec_t rec_spec[] = {
#define X(b, n, id, l) { (char *)n, l, 0 },
	FIELDS(X)
#undef X
	{ (char *)"paddingOctets", 5, 0 },
	FB_IESPEC_NULL
};

/* id -> bit + 1 (0: not ours), for IETF (enterprise 0) elements. */
static uint8_t id_bit[ID_TABLE_SIZE];

/* Length of each of our fields in struct rec, in FIELDS order. */
static const uint8_t rec_len[FB_COUNT] = {
#define X(b, n, id, l) l,
	FIELDS(X)
#undef X
};

/*
 * What the new-template callback hangs on each external template: which of
 * our fields it carries, and an internal template of its own holding just
 * those fields, in FIELDS order (so libfixbuf has nothing to zero-fill), with
 * where each lands in struct rec.  itid is TID_INTERNAL (the full struct rec
 * template, nf 0) when the template carries none of our fields or no
 * internal template could be made.
 */
struct tctx {
	uint64_t mask;                   /* 1 << FB_x: template has field x */
	int options;                     /* options template */
	int prob32;                      /* samplingProbability sent in 4 bytes */
	uint16_t itid;                   /* internal template id */
	/* where a record's field x is after fBufNext: in s->ibuf (own
	 * internal template), in s->rec (TID_INTERNAL), or zeros (absent) */
	const uint8_t *p[FB_COUNT];
};

static const uint8_t zeros[16];

/* Our own view of an external template: enough to validate data sets. */
/* The high-order bytes of an integer sent longer than its type (rewritten
 * as opaque bytes before the element itself): zero when the value fits. */
#define ZMAX 16                          /* per template; more are skipped */

enum { FB_NONE, FB_CURRENT, FB_STALE };  /* libfixbuf holds: no, this, an older
                                            definition of the template */
struct zchk {
	uint16_t field;                  /* index in the cleaned template */
	uint16_t len;
	uint32_t off;                    /* in the record, if not varlen */
};

struct tmpl {
	uint16_t tid;
	uint8_t  options;
	uint8_t  varlen;                 /* has variable-length fields */
	uint16_t nfields;                /* of the cleaned template */
	uint16_t nz;                     /* entries in z */
	uint32_t minlen;                 /* record length; minimum if varlen */
	uint16_t *lens;                  /* field lengths, if varlen or nz */
	struct zchk *z;                  /* nz checks, in field order */
	uint8_t *rec;                    /* the cleaned template record */
	uint16_t reclen;
	uint8_t fb;                      /* what libfixbuf holds: FB_* */
	/* template memory (struct ipfix_budget) */
	struct domain *d;                /* the domain holding it */
	uint32_t own;                    /* bytes charged: ours */
	uint32_t fbneed, fbheld;         /* libfixbuf's part: once given, charged */
	uint8_t in_g;                    /* on a budget's list (refreshed ones) */
	uint8_t proven;                  /* has carried data: protected segment */
	uint64_t used;                   /* the budget's msgno when last used */
	struct tmpl *gprev, *gnext;      /* the budget's LRU list of its segment */
	struct tmpl *oprev, *onext;      /* its owner's LRU list of its segment */
};

struct domain {
	struct ipfix_domain_stats st;
	struct ipfix_session *s;
	struct tmpl **t;                 /* nt used, cap allocated */
	uint32_t nt, cap;
	int seq_valid;
	uint32_t next_seq;               /* expected next header sequence */
	uint32_t fb_seq;                 /* sequence of the cleaned messages */
	uint64_t sysinit_ms;             /* from options records, 0 unknown */
	int fbdom;                       /* libfixbuf has its table: charged */
};

struct field {
	uint16_t id, len;
	uint32_t ent;
	int hi;                          /* the high bytes of a split integer */
};

/* Scratch for reading templates: a budget's (its sessions are used by one
 * thread) or a session's own. */
struct scratch {
	struct field *fields;            /* 3 * cap: a template as read (cap),
	                                    as it is written (2 * cap) */
	uint32_t cap;                    /* max_fields it has room for */
	uint8_t *trec;                   /* a cleaned template record */
	size_t trec_cap;
};

/* What a budget's sessions share of libfixbuf for decoding, beside each
 * one's own fbSession (a session outside any budget has a reader and a
 * full internal template of its own: fb_open). */
struct fbshared {
	fBuf_t *fbuf;                    /* the message reader */
	fbSession_t *home;               /* fbuf's session between uses (shared) */
	fbTemplate_t *full;              /* the full internal template (shared) */
};

struct ipfix_session {
	struct ipfix_limits lim;
	struct ipfix_session_stats st;
	fbSession_t *fbs;                /* NULL until libfixbuf is needed */
	fBuf_t *fbuf;                    /* own (owns fbs), or the budget's */
	struct domain **doms;            /* max_domains entries */
	uint32_t ndoms;
	struct ipfix_owner *owner;       /* NULL: no budget */
	int refreshed;                   /* templates are resent (UDP) */
	uint64_t cost;                   /* bytes charged: session, its
	                                    libfixbuf session, domains */
	struct wbuf *w;                  /* the output, during input */
	struct scratch *sc;              /* the budget's, or &own_sc */
	struct scratch own_sc;
	/* the message being decoded */
	struct domain *cur;
	int version;
	uint64_t export_ms;              /* header export time, ms */
	uint32_t v9_uptime;              /* v9 header sysUptime */
	size_t msg_records;              /* data records in the message */
	size_t seg_records;              /* ... in the part not yet decoded */
	int msg_unknown;                 /* some data could not be counted */
	int rc;                          /* IPFIX_ERR_DECODE seen */
	uint64_t now_ms;
	ipfix_emit_fn emit;
	void *emit_ctx;
	size_t set_at;                   /* open output set header, 0 none */
	uint16_t set_id;
	struct rec rec;
	uint8_t ibuf[sizeof(struct rec)];/* a record in a per-template layout */
	uint16_t next_itid;              /* where the internal id search starts */
	uint16_t *dead;                  /* internal ids to remove from fbs */
	size_t ndead, capdead;
	int model;                       /* holds a reference to the model */
};

/* The cleaned message: one per thread (a session is used by one thread at a
 * time, and libfixbuf reads the buffer only during ipfix_session_input). */
static _Thread_local uint8_t out_buf[MSG_MAX + 1];

/*
 * Template memory (see ipfix_in.h).  What each thing costs was measured
 * (glibc malloc, glib 2.74 slices, libfixbuf 2.4.1, x86-64) as the growth of
 * mallinfo2() in use, and test_ipfix_in checks that these figures stay
 * within a third above what is measured:
 *   a session: struct ipfix_session and its domain slots (its scratch is
 *     the budget's);
 *   its libfixbuf session, once a template first goes to libfixbuf: the
 *     fbSession and its tables (the message buffer and the full internal
 *     template are the budget's, shared: struct fbshared);
 *   a domain: struct domain; libfixbuf's per-domain template table, once
 *     a template of the domain first goes to libfixbuf;
 *   a template: our struct tmpl and its slot, libfixbuf's copy (an element
 *     and an index entry per field), our context, the internal template of
 *     the fields we read (its transcoding plan is only held while it is
 *     read: forget_plans).
 * A session outside any budget has its own message buffer (64 KiB), full
 * internal template and scratch: not charged anywhere.
 */
#define COST_SESSION      1100u          /* measured 1440 with */
#define COST_SESSION_DOM  8u             /*   64 domain slots */
#define COST_FBS          1900u          /* measured 1700 */
#define COST_DOMAIN       300u           /* measured 240 */
#define COST_FB_DOMAIN    260u           /* measured 218 */
#define COST_OWN          160u           /* measured 144 + the record's bytes */
#define COST_FB           1000u          /* measured: 906 + 119.5 per field */
#define COST_FB_FIELD     125u           /*   up to 64 fields, */
#define COST_FB_FIELD2    90u            /*   89.5 beyond; */
#define COST_INT          650u           /*   + 589 */
#define COST_INT_FIELD    75u            /*   + 69 per field we read */

/* An LRU list of templates, most recently used at the head. */
struct tlist {
	struct tmpl *head, *tail;
};

/*
 * Two segments (SLRU): templates that never carried data (probation) and
 * those that have (protected), each least recently used first to go.  A
 * template is on its owner's list of its segment, and on one of the
 * budget's: if its session's exporter resends templates (UDP), that of its
 * segment; else (TCP) the list of TCP probation templates while it has
 * carried no data, none after.
 */
struct ipfix_budget {
	struct ipfix_budget_stats st;
	struct tlist seg[2];             /* refreshed templates: [proven] */
	struct tlist tcp0;               /* TCP templates that carried no data */
	uint64_t msgno;                  /* odd while a session reads a message */
	ipfix_reclaim_fn reclaim;        /* gives up a session, or NULL */
	void *reclaim_ctx;
	struct fbshared fb;              /* for every session: lazily */
	int model;                       /* holds a reference to the model */
	struct scratch sc;
};

struct ipfix_owner {
	struct ipfix_budget *b;
	uint64_t bytes;
	uint64_t sessions;
	struct tlist seg[2];             /* its templates: [proven] */
};

/* ---- shared information model ------------------------------------------- */

static pthread_mutex_t model_lock = PTHREAD_MUTEX_INITIALIZER;
static fbInfoModel_t *model;
static unsigned model_refs;

static fbInfoModel_t *model_get(void)
{
	fbInfoModel_t *m;

	pthread_mutex_lock(&model_lock);
	if (model_refs++ == 0) {
		model = fbInfoModelAlloc();
#define X(b, n, id, l) id_bit[id] = (uint8_t)(FB_##b + 1);
		FIELDS(X)
#undef X
	}
	m = model;
	pthread_mutex_unlock(&model_lock);
	return m;
}

static void model_put(void)
{
	pthread_mutex_lock(&model_lock);
	if (--model_refs == 0) {
		fbInfoModelFree(model);
		model = NULL;
	}
	pthread_mutex_unlock(&model_lock);
}

/* ---- template memory ------------------------------------------------------ */

static void drop_tmpl_now(struct ipfix_session *s, struct domain *d, struct tmpl *t);
static void drop_tmpl(struct ipfix_session *s, struct domain *d, struct wbuf *w,
                      struct tmpl *t);

/* Room in sc for templates of max_fields fields.  0, or -1 (no memory). */
static int scratch_fit(struct scratch *sc, uint32_t max_fields)
{
	struct field *f;

	if (sc->cap >= max_fields)
		return 0;
	if ((f = realloc(sc->fields, 3 * (size_t)max_fields * sizeof(*f))) == NULL)
		return -1;
	sc->fields = f;
	sc->cap = max_fields;
	return 0;
}

static void scratch_free(struct scratch *sc)
{
	free(sc->fields);
	free(sc->trec);
}

#define FIELDS_IN(s)   ((s)->sc->fields)
#define OFIELDS_IN(s)  ((s)->sc->fields + (s)->lim.max_fields)

struct ipfix_budget *ipfix_budget_new(uint64_t bytes, uint64_t share)
{
	struct ipfix_budget *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return NULL;
	b->st.limit = bytes;
	b->st.share = share && share < bytes ? share : bytes;
	return b;
}

void ipfix_budget_set_reclaim(struct ipfix_budget *b, ipfix_reclaim_fn fn, void *ctx)
{
	b->reclaim = fn;
	b->reclaim_ctx = ctx;
}

void ipfix_budget_free(struct ipfix_budget *b)
{
	if (b == NULL)
		return;
	if (b->fb.fbuf != NULL)
		fBufFree(b->fb.fbuf);    /* and home, the last holder of full */
	if (b->model)
		model_put();
	scratch_free(&b->sc);
	free(b);
}

const struct ipfix_budget_stats *ipfix_budget_stats(const struct ipfix_budget *b)
{
	return &b->st;
}

struct ipfix_owner *ipfix_owner_new(struct ipfix_budget *b)
{
	struct ipfix_owner *o = calloc(1, sizeof(*o));

	if (o != NULL)
		o->b = b;
	return o;
}

void ipfix_owner_free(struct ipfix_owner *o)
{
	free(o);
}

uint64_t ipfix_owner_bytes(const struct ipfix_owner *o)
{
	return o->bytes;
}

uint64_t ipfix_session_cost(const struct ipfix_limits *lim)
{
	static const struct ipfix_limits def = IPFIX_LIMITS_DEFAULT;
	uint64_t dom = lim && lim->max_domains ? lim->max_domains : def.max_domains;

	return COST_SESSION + COST_SESSION_DOM * dom;
}

bool ipfix_owner_fits(const struct ipfix_owner *o, uint64_t more)
{
	return o->bytes + more <= o->b->st.share;
}

/* Our part of a template of nf cleaned fields whose record takes reclen
 * bytes. */
static uint32_t own_cost(uint32_t nf, uint32_t reclen, int lens, uint32_t nz)
{
	uint32_t c = COST_OWN + reclen;

	if (lens)
		c += 2 * nf + 16;
	if (nz)
		c += (uint32_t)sizeof(struct zchk) * nz + 16;
	return c;
}

/* libfixbuf's part of a template of nf fields, nours of them ours (its
 * internal template). */
static uint32_t fb_cost(uint32_t nf, uint32_t nours)
{
	uint32_t c = COST_FB + COST_FB_FIELD * (nf < 64 ? nf : 64) +
	             COST_FB_FIELD2 * (nf > 64 ? nf - 64 : 0);

	if (nours)
		c += COST_INT + COST_INT_FIELD * nours;
	return c;
}

/* The budget's list t belongs on (see struct ipfix_budget), or NULL. */
static struct tlist *glist(struct ipfix_budget *b, const struct tmpl *t)
{
	if (t->d->s->refreshed)
		return &b->seg[t->proven];
	return t->proven ? NULL : &b->tcp0;
}

static void lru_unlink(struct ipfix_owner *o, struct tmpl *t)
{
	struct tlist *g = glist(o->b, t), *l = &o->seg[t->proven];

	if (t->in_g) {
		*(t->gprev ? &t->gprev->gnext : &g->head) = t->gnext;
		*(t->gnext ? &t->gnext->gprev : &g->tail) = t->gprev;
		t->in_g = 0;
	}
	*(t->oprev ? &t->oprev->onext : &l->head) = t->onext;
	*(t->onext ? &t->onext->oprev : &l->tail) = t->oprev;
	t->gprev = t->gnext = t->oprev = t->onext = NULL;
}

/* t becomes the most recently used of its segment: on its owner's list,
 * and the budget's (glist); used in the message being read, if any.
 * O(1). */
static void lru_push(struct ipfix_owner *o, struct tmpl *t)
{
	struct tlist *g = glist(o->b, t), *l = &o->seg[t->proven];

	if (g != NULL) {
		t->gprev = NULL;
		t->gnext = g->head;
		*(g->head ? &g->head->gprev : &g->tail) = t;
		g->head = t;
		t->in_g = 1;
	}
	t->oprev = NULL;
	t->onext = l->head;
	*(l->head ? &l->head->oprev : &l->tail) = t;
	l->head = t;
	t->used = o->b->msgno;
}

/* t was used: it becomes the most recently used of its segment, on its
 * owner's list and on the budget's (heading the first does not mean
 * heading the second), used in the message being read.  O(1). */
static void touch(struct ipfix_session *s, struct tmpl *t)
{
	if (s->owner == NULL)
		return;
	lru_unlink(s->owner, t);
	lru_push(s->owner, t);
}

/* t carried data: it moves to the protected segment (if not there yet),
 * as its most recently used.  O(1). */
static void prove(struct ipfix_session *s, struct tmpl *t)
{
	if (t->proven || s->owner == NULL) {
		t->proven = 1;
		touch(s, t);
		return;
	}
	lru_unlink(s->owner, t);
	t->proven = 1;
	lru_push(s->owner, t);
}

/* Forget template t to make room (whatever session and domain hold it). */
static void evict(struct tmpl *t)
{
	struct domain *d = t->d;
	struct ipfix_session *s = d->s;

	s->owner->b->st.evicted++;
	if (t->proven)
		s->owner->b->st.evicted_used++;
	d->st.templates_evicted++;
	if (s->w != NULL && d == s->cur)
		drop_tmpl(s, d, s->w, t);        /* it may be in the output */
	else
		drop_tmpl_now(s, d, t);
}

/* The least recently used template of list l, unless it was used in the
 * message being read (then so were all the others of l). */
static struct tmpl *older(const struct ipfix_budget *b, const struct tlist *l)
{
	return l->tail != NULL && (l->tail->used != b->msgno || !(b->msgno & 1)) ?
	       l->tail : NULL;
}

/*
 * Charge n bytes to owner o for session keep (NULL: a session being made),
 * making room as ipfix_in.h says:
 *   - while o would be over its share, its own templates: the least
 *     recently used that never carried data, then that did; those used in
 *     the message being read (say, defined before their data sets) last;
 *   - while the budget would be over its limit: the least recently used
 *     template that never carried data, of any owner's UDP session, then
 *     of any TCP session (those of the message being read after the next
 *     step); a session the reclaim callback gives up (never keep); then the
 *     least recently used template that has carried data (UDP).
 * A TCP session's templates that carried data only go for its own owner's
 * share.  Returns 0, or -1 (nothing charged; counted in refused) when
 * nothing more can go.
 * O(what is evicted), plus the callback's cost.
 */
static int charge(struct ipfix_owner *o, uint64_t n, const struct ipfix_session *keep)
{
	struct ipfix_budget *b = o->b;
	uint64_t before;
	struct tmpl *t;

	if (n > b->st.share)
		goto refuse;
	while (o->bytes + n > b->st.share) {
		if ((t = older(b, &o->seg[0])) == NULL && (t = older(b, &o->seg[1])) == NULL &&
		    (t = o->seg[0].tail) == NULL && (t = o->seg[1].tail) == NULL)
			goto refuse;
		evict(t);
	}
	while (b->st.used + n > b->st.limit) {
		if ((t = older(b, &b->seg[0])) != NULL || (t = older(b, &b->tcp0)) != NULL) {
			evict(t);
		} else if (b->reclaim != NULL && (before = b->st.used,
		           b->reclaim(b->reclaim_ctx, keep)) && b->st.used < before) {
			b->st.reclaimed++;
		} else if ((t = b->seg[0].tail) != NULL || (t = b->tcp0.tail) != NULL ||
		           (t = b->seg[1].tail) != NULL) {
			evict(t);
		} else {
			goto refuse;
		}
	}
	o->bytes += n;
	b->st.used += n;
	if (b->st.used > b->st.peak)
		b->st.peak = b->st.used;
	return 0;
refuse:
	b->st.refused++;
	return -1;
}

static void uncharge(struct ipfix_owner *o, uint64_t n)
{
	o->bytes -= n;
	o->b->st.used -= n;
}

/* ---- byte helpers ------------------------------------------------------- */

static inline void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);  p[3] = (uint8_t)v;
}

/* ---- libfixbuf template callback ----------------------------------------- */

/* Called by libfixbuf when an external template goes (withdrawn, redefined,
 * session freed), possibly in the middle of its own template bookkeeping:
 * the internal template is only noted here and removed by reap_internal(). */
static void tctx_free(void *tctx, void *app_ctx)
{
	struct ipfix_session *s = app_ctx;
	struct tctx *c = tctx;

	if (c->itid != TID_INTERNAL) {
		if (s->ndead == s->capdead) {
			size_t cap = s->capdead ? s->capdead * 2 : 16;
			uint16_t *p = realloc(s->dead, cap * sizeof(*p));

			if (p != NULL) {
				s->dead = p;
				s->capdead = cap;
			}
		}
		if (s->ndead < s->capdead)   /* else it stays registered */
			s->dead[s->ndead++] = c->itid;
	}
	free(tctx);
}

/*
 * The reader forgets the internal template it reads records into (it may be
 * about to be removed, or belong to the session that used the reader
 * before): with id 0, which no template has, libfixbuf drops its pointer,
 * and the next record read sets one again (decode).  O(1).
 */
static void fb_forget_internal(fBuf_t *fbuf)
{
	GError *err = NULL;

	if (!fBufSetInternalTemplate(fbuf, 0, &err))
		g_clear_error(&err);
}

/* Remove the internal templates of external templates that have gone.  Not
 * during decoding. */
static void reap_internal(struct ipfix_session *s)
{
	GError *err = NULL;

	if (s->ndead == 0)
		return;
	if (fBufGetSession(s->fbuf) == s->fbs)
		fb_forget_internal(s->fbuf);
	while (s->ndead > 0) {
		(void)fbSessionRemoveTemplate(s->fbs, TRUE, s->dead[--s->ndead], &err);
		g_clear_error(&err);
	}
}

/* Give c an internal template of its fields (c->mask), if it has any, and
 * point c->p at where each field will be. */
static void make_internal(struct ipfix_session *s, struct tctx *c)
{
	const uint8_t *at[FB_COUNT];
	fbInfoElementSpec_t spec[FB_COUNT + 1];
	static const char *const names[FB_COUNT] = {
#define X(b, n, id, l) n,
		FIELDS(X)
#undef X
	};
	fbTemplate_t *t;
	GError *err = NULL;
	uint32_t i, tries;
	uint16_t off = 0, tid = 0, ilen = 0, nf = 0;

	c->itid = TID_INTERNAL;
	for (i = 0; i < FB_COUNT; i++) {
		c->p[i] = (const uint8_t *)&s->rec + off;
		if ((c->mask >> i) & 1u) {
			spec[nf].name = (char *)names[i];
			spec[nf].len_override = rec_len[i];
			spec[nf].flags = 0;
			at[i] = s->ibuf + ilen;
			ilen = (uint16_t)(ilen + rec_len[i]);
			nf++;
		} else {
			at[i] = zeros;
		}
		off = (uint16_t)(off + rec_len[i]);
	}
	if (c->mask == 0)
		return;
	memset(&spec[nf], 0, sizeof(spec[nf]));
	/* a free internal id: the search resumes where the last one ended */
	for (tries = 0; tries < 65536 - TID_MIN; tries++) {
		if (s->next_itid <= TID_INTERNAL)
			s->next_itid = TID_INTERNAL + 1;
		tid = s->next_itid++;
		if (fbSessionGetTemplate(s->fbs, TRUE, tid, NULL) == NULL)
			break;
		tid = 0;
	}
	if (tid == 0)
		return;
	t = fbTemplateAlloc(fbSessionGetInfoModel(s->fbs));
	if (!fbTemplateAppendSpecArray(t, spec, 0xffffffff, &err) ||
	    fbTemplateGetIELenOfMemBuffer(t) != ilen) {
		g_clear_error(&err);
		fbTemplateFreeUnused(t);
		return;
	}
	if (!fbSessionAddTemplate(s->fbs, TRUE, tid, t, &err)) {
		g_clear_error(&err);
		fbTemplateFreeUnused(t);
		return;
	}
	c->itid = tid;
	memcpy(c->p, at, sizeof(c->p));
}

static void new_template(fbSession_t *fs, uint16_t tid, fbTemplate_t *t,
                         void *app_ctx, void **tmpl_ctx,
                         fbTemplateCtxFree_fn *free_fn)
{
	struct ipfix_session *s = app_ctx;
	struct tctx *c;
	uint32_t i, n;

	(void)fs;
	(void)tid;
	c = malloc(sizeof(*c));
	if (c == NULL)
		return;                  /* records of this template are skipped */
	c->mask = 0;
	c->options = fbTemplateGetOptionsScope(t) > 0;
	c->prob32 = 0;
	n = fbTemplateCountElements(t);
	for (i = 0; i < n; i++) {
		const fbInfoElement_t *ie = fbTemplateGetIndexedIE(t, i);

		if (ie != NULL && ie->ent == 0 && ie->num < ID_TABLE_SIZE &&
		    id_bit[ie->num]) {
			c->mask |= 1ull << (id_bit[ie->num] - 1);
			/* a template element's len is its length on the wire */
			if (ie->num == 311 && ie->len == 4)
				c->prob32 = 1;
		}
	}
	make_internal(s, c);
	*tmpl_ctx = c;
	*free_fn = tctx_free;
}

/* ---- session ------------------------------------------------------------ */

/* The full internal template (TID_INTERNAL, struct rec), or NULL: our
 * static spec against the model, a build problem. */
static fbTemplate_t *full_template(void)
{
	fbTemplate_t *t = fbTemplateAlloc(model);
	GError *err = NULL;

	if (!fbTemplateAppendSpecArray(t, rec_spec, 0xffffffff, &err) ||
	    fbTemplateGetIELenOfMemBuffer(t) != sizeof(struct rec)) {
		g_clear_error(&err);
		fbTemplateFreeUnused(t);
		return NULL;
	}
	return t;
}

/* A reader in collection mode on libfixbuf session fs, records read one by
 * one (no automatic moving to the next message). */
static fBuf_t *reader(fbSession_t *fs)
{
	fBuf_t *f = fBufAllocForCollection(fs, NULL);

	fBufSetAutomaticMode(f, FALSE);
	return f;
}

/* The budget's reader, its home session and the full internal template
 * they share (made at the first need; the budget holds a reference to the
 * model).  0, or -1 (a build problem). */
static int fb_shared(struct ipfix_budget *b)
{
	fbTemplate_t *t;
	GError *err = NULL;

	if (b->fb.fbuf != NULL)
		return 0;
	if (!b->model) {
		model_get();
		b->model = 1;
	}
	if ((t = full_template()) == NULL)
		return -1;
	b->fb.home = fbSessionAlloc(model);
	if (!fbSessionAddTemplate(b->fb.home, TRUE, TID_INTERNAL, t, &err)) {
		g_clear_error(&err);
		fbTemplateFreeUnused(t);
		fbSessionFree(b->fb.home);
		b->fb.home = NULL;
		return -1;
	}
	b->fb.full = t;
	b->fb.fbuf = reader(b->fb.home);
	return 0;
}

/*
 * Give s its libfixbuf session, before the first template goes to
 * libfixbuf.  In a budget it is charged (COST_FBS) to s's owner and reads
 * through the budget's reader and full internal template (struct
 * fbshared); outside, s gets a reader and a full internal template of its
 * own.  0, or -1: no room in the budget (libfixbuf and glib abort when out
 * of memory), or a build problem.  O(1), plus what making room evicts.
 */
static int fb_open(struct ipfix_session *s)
{
	struct ipfix_budget *b = s->owner ? s->owner->b : NULL;
	fbTemplate_t *full;
	GError *err = NULL;

	if (s->fbs != NULL)
		return 0;
	if (b != NULL) {
		if (charge(s->owner, COST_FBS, s) < 0)
			return -1;
		if (fb_shared(b) < 0) {
			uncharge(s->owner, COST_FBS);
			return -1;
		}
		full = b->fb.full;
	} else if ((full = full_template()) == NULL) {
		return -1;
	}
	s->fbs = fbSessionAlloc(model);
	fbSessionAddNewTemplateCallback(s->fbs, new_template, s);
	if (!fbSessionAddTemplate(s->fbs, TRUE, TID_INTERNAL, full, &err)) {
		g_clear_error(&err);
		if (b == NULL)
			fbTemplateFreeUnused(full);
		fbSessionFree(s->fbs);
		s->fbs = NULL;
		if (b != NULL)
			uncharge(s->owner, COST_FBS);
		return -1;
	}
	if (b != NULL) {
		s->fbuf = b->fb.fbuf;
		fbSessionSetTemplateBuffer(s->fbs, s->fbuf);   /* its plan cache */
		s->cost += COST_FBS;
		b->st.fb_sessions++;
	} else {
		s->fbuf = reader(s->fbs);
	}
	return 0;
}

/* Make s's libfixbuf session the reader's (a budget's is shared). */
static void fb_enter(struct ipfix_session *s)
{
	if (fBufGetSession(s->fbuf) == s->fbs)
		return;
	fBufSetSession(s->fbuf, s->fbs);
	fb_forget_internal(s->fbuf);     /* it was the other session's */
}

struct ipfix_session *ipfix_session_new(const struct ipfix_limits *lim)
{
	return ipfix_session_new_in(lim, NULL, 1);
}

struct ipfix_session *ipfix_session_new_in(const struct ipfix_limits *lim,
                                           struct ipfix_owner *o, int refreshed)
{
	static const struct ipfix_limits def = IPFIX_LIMITS_DEFAULT;
	struct ipfix_session *s;
	uint64_t cost = ipfix_session_cost(lim);

	if (o != NULL && charge(o, cost, NULL) < 0) {
		errno = ENOSPC;
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		if (o != NULL)
			uncharge(o, cost);
		errno = ENOMEM;
		return NULL;
	}
	s->owner = o;
	s->refreshed = refreshed;
	s->cost = o ? cost : 0;
	if (o != NULL) {
		o->sessions++;
		o->b->st.sessions++;
	}
	s->lim = lim ? *lim : def;
	if (s->lim.max_domains == 0)
		s->lim.max_domains = def.max_domains;
	if (s->lim.max_templates == 0)
		s->lim.max_templates = def.max_templates;
	if (s->lim.max_fields == 0)
		s->lim.max_fields = def.max_fields;
	if (s->lim.max_fields > 16383)   /* 4 bytes each in a 64 KiB message */
		s->lim.max_fields = 16383;
	if (s->lim.reorder_window == 0)
		s->lim.reorder_window = def.reorder_window;
	if (s->lim.v9_reorder_window == 0)
		s->lim.v9_reorder_window = def.v9_reorder_window;
	if (s->lim.max_sampling == 0)
		s->lim.max_sampling = def.max_sampling;
	s->sc = o ? &o->b->sc : &s->own_sc;
	s->doms = calloc(s->lim.max_domains, sizeof(*s->doms));
	if (s->doms == NULL || scratch_fit(s->sc, s->lim.max_fields) < 0) {
		ipfix_session_free(s);
		errno = ENOMEM;
		return NULL;
	}
	model_get();                     /* field_check reads it */
	s->model = 1;
	return s;
}

void ipfix_session_free(struct ipfix_session *s)
{
	uint32_t i, j;

	if (s == NULL)
		return;
	if (s->fbs != NULL && s->owner == NULL) {
		fBufFree(s->fbuf);       /* and the session, templates, contexts */
	} else if (s->fbs != NULL) {
		struct fbshared *sh = &s->owner->b->fb;

		if (fBufGetSession(sh->fbuf) == s->fbs) {
			fBufSetSession(sh->fbuf, sh->home);
			fb_forget_internal(sh->fbuf);
		}
		fbSessionFree(s->fbs);   /* templates, contexts; full is released */
		s->owner->b->st.fb_sessions--;
	}
	if (s->model)
		model_put();
	free(s->dead);
	for (i = 0; i < s->ndoms; i++) {
		struct domain *d = s->doms[i];

		for (j = 0; j < d->nt; j++) {
			struct tmpl *t = d->t[j];

			if (s->owner != NULL) {
				lru_unlink(s->owner, t);
				uncharge(s->owner, t->own + t->fbheld);
				s->owner->b->st.templates--;
			}
			free(t->lens);
			free(t->z);
			free(t->rec);
			free(t);
		}
		free(d->t);
		free(d);
	}
	if (s->owner != NULL) {
		uncharge(s->owner, s->cost);
		s->owner->sessions--;
		s->owner->b->st.sessions--;
		s->owner->b->st.domains -= s->ndoms;
	}
	free(s->doms);
	if (s->sc == &s->own_sc)
		scratch_free(&s->own_sc);
	free(s);
}

const struct ipfix_session_stats *ipfix_session_stats(const struct ipfix_session *s)
{
	return &s->st;
}

void ipfix_session_foreach_domain(struct ipfix_session *s,
                                  void (*fn)(void *, const struct ipfix_domain_stats *),
                                  void *ctx)
{
	uint32_t i;

	for (i = 0; i < s->ndoms; i++) {
		s->doms[i]->st.templates_active = s->doms[i]->nt;
		fn(ctx, &s->doms[i]->st);
	}
}

const char *ipfix_strerror(int err)
{
	switch (err) {
	case IPFIX_OK:          return "ok";
	case IPFIX_ERR_SHORT:   return "shorter than a message header";
	case IPFIX_ERR_VERSION: return "version is neither 9 nor 10";
	case IPFIX_ERR_LENGTH:  return "message length does not match the datagram";
	case IPFIX_ERR_SET:     return "malformed set structure";
	case IPFIX_ERR_DOMAINS: return "too many observation domains";
	case IPFIX_ERR_TOOBIG:  return "datagram larger than 65535 bytes";
	case IPFIX_ERR_DECODE:  return "cleaned message not decodable";
	case IPFIX_ERR_MEMORY:  return "no room in the template memory for a new domain";
	}
	return "unknown error";
}

static struct domain *find_domain(struct ipfix_session *s, uint32_t id)
{
	uint32_t i;

	for (i = 0; i < s->ndoms; i++)
		if (s->doms[i]->st.domain == id)
			return s->doms[i];
	return NULL;
}

/* A new domain (the caller checked max_domains); NULL with *rc set when
 * there is no memory, or no room in the budget. */
static struct domain *add_domain(struct ipfix_session *s, uint32_t id, int *rc)
{
	struct domain *d;

	*rc = IPFIX_ERR_MEMORY;
	if (s->owner != NULL && charge(s->owner, COST_DOMAIN, s) < 0)
		return NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		if (s->owner != NULL)
			uncharge(s->owner, COST_DOMAIN);
		return NULL;
	}
	d->s = s;
	d->st.domain = id;
	s->doms[s->ndoms++] = d;
	s->st.domains = s->ndoms;
	if (s->owner != NULL) {
		s->cost += COST_DOMAIN;
		s->owner->b->st.domains++;
	}
	return d;
}

static struct tmpl *find_tmpl(struct domain *d, uint16_t tid)
{
	uint32_t i;

	for (i = 0; i < d->nt; i++)
		if (d->t[i]->tid == tid)
			return d->t[i];
	return NULL;
}

/* ---- step 1: structure check --------------------------------------------- */

/* Walk the sets of [p, p+n): each header complete, length >= 4 and inside;
 * *used: the bytes the sets take.  Trailing bytes after the last set: none
 * for IPFIX; for v9, fewer than 4 bytes, or zero bytes of any length (Cisco
 * ACI, PAN-OS 8.1 pad packets with hundreds of them).  O(sets + padding). */
static int check_sets(const uint8_t *p, size_t n, int v9, size_t *used)
{
	size_t off = 0;

	while (n - off >= 4) {
		uint16_t len = be16(p + off + 2);

		if (len < 4 || len > n - off) {
			size_t i;

			if (!v9)
				return IPFIX_ERR_SET;
			for (i = off; i < n && p[i] == 0; i++)
				;
			if (i < n)
				return IPFIX_ERR_SET;
			break;                   /* zero padding */
		}
		off += len;
	}
	if (off != n && !v9)
		return IPFIX_ERR_SET;
	*used = off;
	return IPFIX_OK;
}

/* ---- step 2: clean -------------------------------------------------------- */

/* What becomes of a template field (field_check). */
enum fact {
	F_KEEP,                          /* as it is */
	F_OPAQUE,                        /* unknown, list or padding: placeholder */
	F_SKIP,                          /* a length its type cannot have: placeholder,
	                                    counted as skipped */
	F_DROP,                          /* zero-length v9 field: left out, counted */
	F_SPLIT,                         /* an unsigned integer we read, sent longer
	                                    than its type: placeholder for the high
	                                    bytes, then the element at its size */
	F_BAD                            /* the template is dropped */
};

/*
 * Check template field f (its id may be rewritten to IE_PLACEHOLDER, of the
 * same length; for F_SPLIT *size is the element's own length).  RFC 7011 6.2
 * lets integers and float64 be sent shorter; real exporters also send them
 * longer (samplerId in 2 or 4 bytes), addresses in odd lengths (H3C), and v9
 * fields of length 0: the template is kept, and only an IPFIX zero-length
 * field (RFC 7011: not allowed) makes it bad.  A v9 field of length 65535 is
 * taken as variable-length, as in IPFIX (H3C's VRFname).  O(1).
 */
static enum fact field_check(struct field *f, int v9, uint16_t *size)
{
	const fbInfoElement_t *ie;
	uint16_t n = 0;

	if (f->len == 0)
		return v9 ? F_DROP : F_BAD;
	ie = fbInfoModelGetElementByID(model, f->id, f->ent);
	if (ie == NULL || ie->type >= FB_BASIC_LIST || f->id == IE_PADDING) {
		f->id = IE_PLACEHOLDER;
		f->ent = 0;
		return F_OPAQUE;
	}
	switch (ie->type) {
	case FB_OCTET_ARRAY:
	case FB_STRING:
		return F_KEEP;
	case FB_UINT_8:  n = 1; break;
	case FB_UINT_16: n = 2; break;
	case FB_UINT_32: n = 4; break;
	case FB_UINT_64: n = 8; break;
	case FB_INT_8: case FB_BOOL:
		if (f->len == 1)
			return F_KEEP;
		break;
	case FB_INT_16: case FB_INT_32: case FB_INT_64:
		if (f->len <= ie->len)
			return F_KEEP;
		break;
	case FB_FLOAT_64:
		if (f->len == 4 || f->len == 8)
			return F_KEEP;
		break;
	default:                         /* addresses, times, float32 */
		if (f->len == ie->len)
			return F_KEEP;
		break;
	}
	if (n != 0 && f->len <= n)
		return F_KEEP;
	if (n != 0 && f->len != VARLEN && f->ent == 0 && f->id < ID_TABLE_SIZE &&
	    id_bit[f->id]) {
		*size = n;
		return F_SPLIT;
	}
	f->id = IE_PLACEHOLDER;
	f->ent = 0;
	return F_SKIP;
}

/* v9 scope field types 1..5 (System, Interface, Line Card, Cache,
 * Template) as IPFIX elements. */
static uint16_t v9_scope_id(uint16_t type)
{
	static const uint16_t map[] = { 0, 149, 10, 141, 143, 145 };

	return type >= 1 && type <= 5 ? map[type] : 0;
}

/* Output writer over out_buf; the cleaned message rarely outgrows the input,
 * the bound is checked anyway. */
struct wbuf {
	uint8_t *p;
	size_t len, cap;
	int overflow;
};

static uint8_t *wspace(struct wbuf *w, size_t n)
{
	uint8_t *r;

	if (w->cap - w->len < n) {
		w->overflow = 1;
		return NULL;
	}
	r = w->p + w->len;
	w->len += n;
	return r;
}

static int decode(struct ipfix_session *s, struct domain *d, uint8_t *buf, size_t len);

/* Open an output template set of the given id (header filled at close). */
static void set_open(struct ipfix_session *s, struct wbuf *w, uint16_t id)
{
	size_t at = w->len;

	if (wspace(w, 4) != NULL) {
		s->set_at = at;
		s->set_id = id;
	}
}

/* Close the open set: fill its header, or take it back if empty. */
static void set_close(struct ipfix_session *s, struct wbuf *w)
{
	if (s->set_at == 0)
		return;
	if (w->len == s->set_at + 4) {
		w->len = s->set_at;
	} else {
		wr16(w->p + s->set_at, s->set_id);
		wr16(w->p + s->set_at + 2, (uint16_t)(w->len - s->set_at));
	}
	s->set_at = 0;
}

/* Hand what has been cleaned so far to libfixbuf as a message of its own
 * (so that it knows every template written so far) and start the next one,
 * reopening the set that was open. */
static void flush(struct ipfix_session *s, struct domain *d, struct wbuf *w)
{
	uint16_t reopen = 0;
	int was_open = s->set_at != 0;

	if (was_open) {
		reopen = s->set_id;
		set_close(s, w);
	}
	/* (only a template given to libfixbuf, and so its session, puts
	 * anything in the output) */
	if (w->len > IPFIX_HDR_LEN && !w->overflow && s->fbs != NULL) {
		wr16(w->p, IPFIX_VERSION);
		wr16(w->p + 2, (uint16_t)w->len);
		wr32(w->p + 4, (uint32_t)(s->export_ms / 1000));
		wr32(w->p + 8, d->fb_seq);
		wr32(w->p + 12, d->st.domain);
		d->fb_seq += (uint32_t)s->seg_records;
		if (decode(s, d, w->p, w->len) != IPFIX_OK)
			s->rc = IPFIX_ERR_DECODE;
	}
	w->len = IPFIX_HDR_LEN;
	s->seg_records = 0;
	if (was_open)
		set_open(s, w, reopen);
}

/* Forget template t of domain d, in our table and in libfixbuf's, when
 * nothing of d's is waiting in an output (another domain's, or a session
 * not in ipfix_session_input).  libfixbuf's domain is left at d's: the next
 * message read sets it.  O(templates of d). */
static void drop_tmpl_now(struct ipfix_session *s, struct domain *d, struct tmpl *t)
{
	uint16_t tid = t->tid;
	GError *err = NULL;
	uint32_t i;

	if (t->fb != FB_NONE) {          /* else libfixbuf never had it */
		fbSessionSetDomain(s->fbs, d->st.domain);
		if (fbSessionGetTemplate(s->fbs, FALSE, tid, NULL) != NULL)
			(void)fbSessionRemoveTemplate(s->fbs, FALSE, tid, &err);
		g_clear_error(&err);
		reap_internal(s);
	}
	if (s->owner != NULL) {
		lru_unlink(s->owner, t);
		uncharge(s->owner, t->own + t->fbheld);
		s->owner->b->st.templates--;
	}
	for (i = 0; i < d->nt && d->t[i] != t; i++)
		;
	d->t[i] = d->t[--d->nt];
	free(t->lens);
	free(t->z);
	free(t->rec);
	free(t);
}

/* Forget template t of domain d, the one being cleaned into w: what is
 * cleaned so far is read first (it may define or use t). */
static void drop_tmpl(struct ipfix_session *s, struct domain *d, struct wbuf *w,
                      struct tmpl *t)
{
	flush(s, d, w);
	drop_tmpl_now(s, d, t);
}

/* wspace(), after handing what is already cleaned to libfixbuf if n does not
 * fit (split fields make a cleaned template longer than its input). */
static uint8_t *wspace_flush(struct ipfix_session *s, struct domain *d, struct wbuf *w,
                             size_t n)
{
	if (w->cap - w->len < n)
		flush(s, d, w);
	return wspace(w, n);
}

/*
 * Validate s->fields[0..nf) as template tid (an options template if
 * `options`, its first `scope` fields the scope) and install it in domain d
 * and in the output (the record goes at w, inside a set the caller opened).
 * Fields are rewritten as field_check() says into s->ofields; an options
 * template left without a scope field (v9: Juniper SRX sends one whose scope
 * field has length 0, or none) takes its first field as scope, so that its
 * option fields are read.  Returns 1 if kept.  O(nf).
 */
static int install_template(struct ipfix_session *s, struct domain *d,
                            struct wbuf *w, uint16_t tid, uint32_t nf,
                            uint32_t scope, int options, int v9)
{
	struct tmpl *t;
	struct field *of = OFIELDS_IN(s);
	uint32_t i, on = 0, oscope = 0, nz = 0, skipped = 0, minlen = 0, own;
	uint64_t mask = 0;
	uint16_t *lens = NULL;
	uint8_t *rec = NULL;
	struct zchk *z = NULL;
	int varlen = 0;
	uint8_t *o;
	size_t need;

	if (tid < TID_MIN || nf == 0 || nf > s->lim.max_fields ||
	    (options && scope > nf) || (!v9 && options && scope == 0))
		goto bad;
	for (i = 0; i < nf; i++) {
		struct field f = FIELDS_IN(s)[i];
		uint16_t size = 0;

		f.hi = 0;
		switch (field_check(&f, v9, &size)) {
		case F_BAD:
			goto bad;
		case F_DROP:
			skipped++;
			continue;
		case F_SKIP:
			skipped++;
			break;
		case F_SPLIT:
			if (nz == ZMAX) {        /* absurd: skip the rest */
				f.id = IE_PLACEHOLDER;
				skipped++;
				break;
			}
			of[on].id = IE_PLACEHOLDER;
			of[on].ent = 0;
			of[on].len = (uint16_t)(f.len - size);
			of[on].hi = 1;
			if (i < scope)
				oscope++;
			on++;
			nz++;
			f.len = size;
			break;
		case F_KEEP:
		case F_OPAQUE:
			break;
		}
		of[on++] = f;
		if (i < scope)
			oscope++;
	}
	if (on == 0)
		goto bad;
	if (options && oscope == 0)
		oscope = 1;
	need = 4 + (options ? 2 : 0);
	for (i = 0; i < on; i++) {
		if (of[i].len == VARLEN) {
			varlen = 1;
			minlen += 1;
		} else {
			minlen += of[i].len;
		}
		need += of[i].ent ? 8 : 4;
	}
	if (minlen > MSG_MAX - IPFIX_HDR_LEN - 4 || need > MSG_MAX - IPFIX_HDR_LEN - 4)
		goto bad;

	/* the cleaned template record */
	if (need > s->sc->trec_cap) {
		uint8_t *r = realloc(s->sc->trec, need);

		if (r == NULL)
			goto bad;
		s->sc->trec = r;
		s->sc->trec_cap = need;
	}
	o = s->sc->trec;
	wr16(o, tid);
	wr16(o + 2, (uint16_t)on);
	o += 4;
	if (options) {
		wr16(o, (uint16_t)oscope);
		o += 2;
	}
	for (i = 0; i < on; i++) {
		wr16(o, (uint16_t)(of[i].id | (of[i].ent ? 0x8000 : 0)));
		wr16(o + 2, of[i].len);
		o += 4;
		if (of[i].ent) {
			wr32(o, of[i].ent);
			o += 4;
		}
	}

	t = find_tmpl(d, tid);
	if (t != NULL && t->reclen == need && memcmp(t->rec, s->sc->trec, need) == 0) {
		touch(s, t);                     /* a refresh: nothing changes */
		d->st.templates_added++;
		d->st.fields_skipped += skipped;
		return 1;
	}
	if (varlen || nz) {
		uint32_t off = 0, k = 0;

		lens = malloc(on * sizeof(*lens));
		z = nz ? malloc(nz * sizeof(*z)) : NULL;
		if (lens == NULL || (nz && z == NULL))
			goto bad_free;
		for (i = 0; i < on; i++) {
			lens[i] = of[i].len;
			if (of[i].hi) {
				z[k].field = (uint16_t)i;
				z[k].len = of[i].len;
				z[k].off = off;
				k++;
			}
			off += of[i].len == VARLEN ? 0 : of[i].len;
		}
	}
	if ((rec = malloc(need)) == NULL)
		goto bad_free;
	memcpy(rec, s->sc->trec, need);
	for (i = 0; i < on; i++)
		if (of[i].ent == 0 && of[i].id < ID_TABLE_SIZE && id_bit[of[i].id])
			mask |= 1ull << (id_bit[of[i].id] - 1);
	own = own_cost(on, (uint32_t)need, varlen || nz, nz);
	if (t == NULL) {
		if (d->nt >= s->lim.max_templates)
			goto bad_free;
		if (d->nt == d->cap) {
			uint32_t cap = d->cap ? 2 * d->cap : 8;
			struct tmpl **a;

			if (cap > s->lim.max_templates)
				cap = s->lim.max_templates;
			if ((a = realloc(d->t, cap * sizeof(*a))) == NULL)
				goto bad_free;
			d->t = a;
			d->cap = cap;
		}
		if (s->owner != NULL && charge(s->owner, own, s) < 0)
			goto refused;
		if ((t = calloc(1, sizeof(*t))) == NULL) {
			if (s->owner != NULL)
				uncharge(s->owner, own);
			goto bad_free;
		}
		t->tid = tid;
		t->d = d;
		d->t[d->nt++] = t;
		if (s->owner != NULL) {
			lru_push(s->owner, t);
			s->owner->b->st.templates++;
		}
	} else {
		d->st.templates_redefined++;
		if (s->owner != NULL)            /* not evicted to make room for itself */
			lru_unlink(s->owner, t);
		t->proven = 0;                   /* this definition carried no data yet */
		if (s->owner != NULL && own > t->own && charge(s->owner, own - t->own, s) < 0) {
			lru_push(s->owner, t);
			free(lens);
			free(z);
			free(rec);
			drop_tmpl(s, d, w, t);
			return 0;
		}
		if (s->owner != NULL && own <= t->own)
			uncharge(s->owner, t->own - own);
		if (s->owner != NULL)
			lru_push(s->owner, t);
	}
	if (s->owner == NULL)
		own = 0;
	free(t->lens);
	free(t->z);
	free(t->rec);
	t->lens = lens;
	t->z = z;
	t->rec = rec;
	t->reclen = (uint16_t)need;
	t->own = own;
	t->fbneed = fb_cost(on, (uint32_t)__builtin_popcountll(mask));
	t->fb = t->fb ? FB_STALE : FB_NONE;  /* given to libfixbuf with its data */
	t->nz = (uint16_t)nz;
	t->options = (uint8_t)(options != 0);
	t->varlen = (uint8_t)varlen;
	t->nfields = (uint16_t)on;
	t->minlen = minlen;
	d->st.templates_added++;
	d->st.fields_skipped += skipped;
	return 1;
refused:
	free(lens);
	free(z);
	free(rec);
	return 0;
bad_free:
	free(lens);
	free(z);
	free(rec);
bad:
	d->st.template_errors++;
	/* a bad redefinition: the old definition no longer describes the
	 * data that will follow */
	if (tid >= TID_MIN && (t = find_tmpl(d, tid)) != NULL)
		drop_tmpl(s, d, w, t);
	return 0;
}

/*
 * Hand template t to libfixbuf, in a template set written at w, before its
 * first data set: templates that never carry data (a flood, or an
 * exporter's unused ones) cost libfixbuf nothing, and a refresh that
 * changes nothing costs it nothing either; the session's own libfixbuf
 * session is made with its first such template (fb_open).  Charges
 * libfixbuf's part.  Returns 0, or -1 when the budget has no room (the data
 * is then dropped).
 */
static int materialize(struct ipfix_session *s, struct domain *d, struct wbuf *w,
                       struct tmpl *t)
{
	uint8_t *o;
	int rc = 0;

	if (s->owner != NULL)            /* not evicted to make room for itself */
		lru_unlink(s->owner, t);
	if (fb_open(s) < 0)
		rc = -1;
	if (rc == 0 && s->owner != NULL && !d->fbdom) {
		/* libfixbuf makes the domain's table when it reads it */
		if (charge(s->owner, COST_FB_DOMAIN, s) < 0) {
			rc = -1;
		} else {
			s->cost += COST_FB_DOMAIN;
			d->fbdom = 1;
		}
	}
	if (rc == 0 && s->owner != NULL && t->fbneed > t->fbheld) {
		if (charge(s->owner, t->fbneed - t->fbheld, s) < 0)
			rc = -1;
		else
			t->fbheld = t->fbneed;
	} else if (rc == 0 && s->owner != NULL) {
		uncharge(s->owner, t->fbheld - t->fbneed);
		t->fbheld = t->fbneed;
	}
	if (s->owner != NULL)
		lru_push(s->owner, t);
	if (rc < 0)
		return -1;
	o = wspace_flush(s, d, w, 4 + (size_t)t->reclen);
	if (o == NULL)
		return -1;
	wr16(o, t->options ? SET_OPTIONS : SET_TEMPLATE);
	wr16(o + 2, (uint16_t)(4 + t->reclen));
	memcpy(o + 4, t->rec, t->reclen);
	t->fb = FB_CURRENT;
	return 0;
}

static void withdraw(struct ipfix_session *s, struct domain *d, struct wbuf *w,
                     uint16_t tid, uint16_t set_id)
{
	struct tmpl *t;

	if (tid == set_id) {             /* all templates of this kind */
		uint32_t i = 0;

		while (i < d->nt) {
			if (d->t[i]->options == (set_id == SET_OPTIONS)) {
				drop_tmpl(s, d, w, d->t[i]);
				d->st.templates_withdrawn++;
			} else
				i++;
		}
		return;
	}
	t = find_tmpl(d, tid);
	if (t != NULL) {
		drop_tmpl(s, d, w, t);
		d->st.templates_withdrawn++;
	}
}

/* An IPFIX template (set 2) or options template (set 3) set body. */
static void clean_ipfix_tmpl_set(struct ipfix_session *s, struct domain *d,
                                 struct wbuf *w, const uint8_t *p, size_t n,
                                 uint16_t set_id)
{
	size_t off = 0;

	while (n - off >= 4) {
		uint16_t tid = be16(p + off), cnt = be16(p + off + 2);
		uint32_t scope = 0, i, nf = 0;

		off += 4;
		if (cnt == 0) {
			if (tid == 0)
				return;          /* padding */
			withdraw(s, d, w, tid, set_id);
			continue;
		}
		if (set_id == SET_OPTIONS) {
			if (n - off < 2) {
				d->st.template_errors++;
				return;
			}
			scope = be16(p + off);   /* 0: invalid, caught below */
			off += 2;
		}
		for (i = 0; i < cnt; i++) {
			struct field f = { 0, 0, 0, 0 };

			if (n - off < 4) {
				d->st.template_errors++;
				return;          /* truncated: rest of set lost */
			}
			f.id = be16(p + off);
			f.len = be16(p + off + 2);
			f.ent = 0;
			off += 4;
			if (f.id & 0x8000) {
				if (n - off < 4) {
					d->st.template_errors++;
					return;
				}
				f.id &= 0x7fff;
				f.ent = be32(p + off);
				off += 4;
			}
			if (nf < s->lim.max_fields)
				FIELDS_IN(s)[nf] = f;
			nf++;
		}
		(void)install_template(s, d, w, tid, nf, scope, set_id == SET_OPTIONS, 0);
	}
}

/* A v9 template flowset (0) body. */
static void clean_v9_tmpl_set(struct ipfix_session *s, struct domain *d,
                              struct wbuf *w, const uint8_t *p, size_t n)
{
	size_t off = 0;

	while (n - off >= 4) {
		uint16_t tid = be16(p + off), cnt = be16(p + off + 2);
		uint32_t i, nf = 0;

		off += 4;
		if (cnt == 0) {
			if (tid != 0)
				d->st.template_errors++;
			return;
		}
		for (i = 0; i < cnt; i++) {
			struct field f = { 0, 0, 0, 0 };

			if (n - off < 4) {
				d->st.template_errors++;
				return;
			}
			f.id = be16(p + off);
			f.len = be16(p + off + 2);
			f.ent = 0;
			off += 4;
			if (f.id & 0x8000)
				f.id = IE_PADDING;   /* vendor type: keep the bytes only */
			if (nf < s->lim.max_fields)
				FIELDS_IN(s)[nf] = f;
			nf++;
		}
		(void)install_template(s, d, w, tid, nf, 0, 0, 1);
	}
}

/* A v9 options template flowset (1) body. */
static void clean_v9_opt_set(struct ipfix_session *s, struct domain *d,
                             struct wbuf *w, const uint8_t *p, size_t n)
{
	size_t off = 0;

	while (n - off >= 6) {
		uint16_t tid = be16(p + off), slen = be16(p + off + 2),
		         olen = be16(p + off + 4);
		uint32_t i, nf = 0, scope;

		off += 6;
		if (tid == 0 && slen == 0 && olen == 0)
			return;                  /* padding */
		/* a scope length of 0 is taken (Juniper SRX): see install_template */
		if (slen % 4 || olen % 4 || slen + olen == 0 ||
		    (size_t)slen + olen > n - off) {
			d->st.template_errors++;
			return;
		}
		scope = slen / 4u;
		for (i = 0; i < (uint32_t)(slen + olen) / 4u; i++) {
			struct field f = { 0, 0, 0, 0 };

			f.id = be16(p + off);
			f.len = be16(p + off + 2);
			f.ent = 0;
			off += 4;
			if (i < scope)
				f.id = v9_scope_id(f.id);
			if (f.id == 0 || (f.id & 0x8000))
				f.id = IE_PADDING;
			if (nf < s->lim.max_fields)
				FIELDS_IN(s)[nf] = f;
			nf++;
		}
		(void)install_template(s, d, w, tid, nf, scope, 1, 1);
	}
}

/* Are the high bytes of t's split integers all zero in record r (whose
 * fields start at off[] when t is variable-length)? */
static int fits(const struct tmpl *t, const uint8_t *r, const size_t *off)
{
	uint32_t k, i;

	for (k = 0; k < t->nz; k++) {
		const uint8_t *b = r + (t->varlen ? off[k] : t->z[k].off);

		for (i = 0; i < t->z[k].len; i++)
			if (b[i] != 0)
				return 0;
	}
	return 1;
}

/*
 * A data set body: count whole records, copy them out under a fresh set
 * header.  Unknown template: counted and dropped.  A record with an integer
 * sent longer than its type whose value does not fit (struct zchk) is left
 * out and counted (value_overflows).  O(n), plus O(fields) per record for a
 * variable-length or split template.
 */
static void clean_data_set(struct ipfix_session *s, struct domain *d,
                           struct wbuf *w, const uint8_t *p, size_t n,
                           uint16_t tid)
{
	struct tmpl *t = find_tmpl(d, tid);
	size_t used = 0, nrec = 0, kept = 0, out;
	size_t zoff[ZMAX];
	uint8_t *o;

	if (t == NULL) {
		d->st.no_template_sets++;
		s->msg_unknown = 1;
		return;
	}
	if (n >= t->minlen)
		prove(s, t);                     /* it carries data: protected */
	else
		touch(s, t);
	if (t->fb != FB_CURRENT && materialize(s, d, w, t) < 0) {
		d->st.no_template_sets++;        /* no room for libfixbuf's copy */
		s->msg_unknown = 1;
		return;
	}
	if (!t->varlen && t->nz == 0) {
		nrec = kept = n / t->minlen;
		used = nrec * t->minlen;
		if (n - used >= t->minlen)
			d->st.bad_sets++;
		if (nrec == 0)
			return;
		o = wspace_flush(s, d, w, 4 + used);
		if (o == NULL)
			return;
		wr16(o, tid);
		wr16(o + 2, (uint16_t)(4 + used));
		memcpy(o + 4, p, used);
		goto done;
	}
	/* record by record: as long as the input at most */
	o = wspace_flush(s, d, w, 4 + n);
	if (o == NULL)
		return;
	out = 4;
	while (used < n) {
		size_t off = used;
		uint32_t i = 0, k = 0;

		if (!t->varlen) {
			if (n - used < t->minlen)
				break;
			off += t->minlen;
		}
		for (; t->varlen && i < t->nfields; i++) {
			size_t l = t->lens[i];

			if (l == VARLEN) {
				if (off >= n)
					break;
				l = p[off++];
				if (l == 255) {
					if (n - off < 2)
						break;
					l = be16(p + off);
					off += 2;
				}
			}
			if (n - off < l)
				break;
			if (k < t->nz && t->z[k].field == i)
				zoff[k++] = off - used;
			off += l;
		}
		if (t->varlen && i < t->nfields)
			break;                   /* truncated record */
		nrec++;
		if (fits(t, p + used, zoff)) {
			memcpy(o + out, p + used, off - used);
			out += off - used;
			kept++;
		} else {
			d->st.value_overflows++;
		}
		used = off;
	}
	if (n - used >= t->minlen)
		d->st.bad_sets++;        /* more than padding left over */
	w->len -= 4 + n - out;           /* give back what was not copied */
	if (kept == 0) {
		w->len -= out;
		goto done;
	}
	wr16(o, tid);
	wr16(o + 2, (uint16_t)out);
done:
	s->msg_records += nrec;          /* what the exporter sent: sequence */
	s->seg_records += kept;          /* what libfixbuf will read */
}

/* Walk the (already checked) sets of [p, p+n) and write the cleaned sets. */
static void clean_sets(struct ipfix_session *s, struct domain *d,
                       struct wbuf *w, const uint8_t *p, size_t n, int v9)
{
	size_t off = 0;

	while (n - off >= 4) {
		uint16_t id = be16(p + off), len = be16(p + off + 2);
		const uint8_t *b = p + off + 4;
		size_t bl = (size_t)len - 4;

		off += len;
		if (id >= TID_MIN) {
			clean_data_set(s, d, w, b, bl, id);
			continue;
		}
		if (!v9 && (id == SET_TEMPLATE || id == SET_OPTIONS)) {
			set_open(s, w, id);
			clean_ipfix_tmpl_set(s, d, w, b, bl, id);
		} else if (v9 && id == V9_SET_TEMPLATE) {
			set_open(s, w, SET_TEMPLATE);
			clean_v9_tmpl_set(s, d, w, b, bl);
		} else if (v9 && id == V9_SET_OPTIONS) {
			set_open(s, w, SET_OPTIONS);
			clean_v9_opt_set(s, d, w, b, bl);
		} else {                         /* other ids below 256: reserved */
			d->st.reserved_sets++;
			continue;
		}
		set_close(s, w);
		if (w->overflow)
			return;
	}
}

/* ---- sequence numbers ------------------------------------------------------ */

static void track_seq(struct ipfix_session *s, struct domain *d, uint32_t seq)
{
	int v9 = s->version == V9_VERSION;
	uint32_t nrec = v9 ? 1 : (uint32_t)s->msg_records;
	uint32_t window = v9 ? s->lim.v9_reorder_window : s->lim.reorder_window;
	uint64_t *lost = v9 ? &d->st.lost_packets_v9 : &d->st.lost;

	d->st.last_seq = seq;
	if (d->seq_valid) {
		int32_t diff = (int32_t)(seq - d->next_seq);

		if (diff > 0) {
			*lost += (uint32_t)diff;
		} else if (diff < 0 && (uint32_t)-(int64_t)diff <= window) {
			d->st.reordered++;
			*lost -= *lost < nrec ? *lost : nrec;
			return;                  /* expected stays */
		} else if (diff < 0) {
			d->st.resets++;
		}
	}
	d->next_seq = seq + nrec;
	/* a message whose record count we could not know: resync next time */
	d->seq_valid = !(s->msg_unknown && !v9);
}

/* ---- step 3: records --------------------------------------------------------- */

static uint64_t ntp_to_ms(uint64_t v)
{
	uint64_t sec = v >> 32;

	if (sec < NTP_UNIX_OFFSET)
		return 0;
	return (sec - NTP_UNIX_OFFSET) * 1000 + (((v & 0xffffffffu) * 1000) >> 32);
}

/* Field x of the record just read with template context c (host order;
 * zero when the template lacks it). */
static inline uint64_t ld64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline uint32_t ld32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint16_t ld16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline double ldd(const uint8_t *p) { double v; memcpy(&v, p, 8); return v; }
#define R64(x) ld64(c->p[FB_##x])
#define R32(x) ld32(c->p[FB_##x])
#define R16(x) ld16(c->p[FB_##x])
#define R8(x)  (*c->p[FB_##x])
#define RP(x)  (c->p[FB_##x])

/*
 * samplingProbability of the record just read.  Sent in 4 bytes it is a
 * float32 (RFC 7011 6.2), which libfixbuf 2.x widens into our float64 like
 * an unsigned integer: the float32's bits are then the low 32 bits of a
 * value whose high 32 bits are zero.  (A libfixbuf that converted it would
 * give a double whose high bits are not all zero, except for 0.0, which
 * reads the same either way.)
 */
static double prob_of(const struct tctx *c)
{
	uint64_t v = ld64(RP(PROB));

	if (c->prob32 && v >> 32 == 0) {
		uint32_t bits = (uint32_t)v;
		float f;

		memcpy(&f, &bits, sizeof(f));
		return f;
	}
	return ldd(RP(PROB));
}

#define RATE_NONE 0                      /* no sampling field */
#define RATE_BAD  (-1)                   /* fields, but no sound rate */

/* The 1-in-N rate the record just read gives (see ipfix_in.h), RATE_NONE or
 * RATE_BAD.  O(1). */
static int64_t rate_of(const struct ipfix_session *s, uint64_t m, const struct tctx *c)
{
	uint64_t max = s->lim.max_sampling;
	int any = 0;

	if (HAS(m, SAMP_INT)) {
		any = 1;
		if (R32(SAMP_INT) > 0 && R32(SAMP_INT) <= max)
			return R32(SAMP_INT);
	}
	if (HAS(m, SAMP_RAND)) {
		any = 1;
		if (R32(SAMP_RAND) > 0 && R32(SAMP_RAND) <= max)
			return R32(SAMP_RAND);
	}
	if (HAS(m, SAMP_PINT)) {
		uint64_t pint = R32(SAMP_PINT);
		uint64_t space = HAS(m, SAMP_PSPACE) ? R32(SAMP_PSPACE) : 0;

		any = 1;
		if (pint > 0 && (pint + space) / pint <= max)
			return (int64_t)((pint + space) / pint);
	}
	if (HAS(m, PROB)) {
		double p = prob_of(c);

		any = 1;
		if (p > 0 && p <= 1) {           /* false for NaN */
			double inv = floor(1.0 / p + 0.5);     /* inf for tiny p */

			if (inv <= (double)max)
				return (int64_t)inv;
		}
	}
	return any ? RATE_BAD : RATE_NONE;
}

/* Start or end time in Unix ms from record r with mask m; 0 if absent. */
static uint64_t rec_time(const struct ipfix_session *s, const struct domain *d,
                         uint64_t m, const struct tctx *c, int end)
{
	if (HAS(m, START_MS + end))
		return ld64(c->p[FB_START_MS + end]);
	if (HAS(m, START_US + end))
		return ntp_to_ms(ld64(c->p[FB_START_US + end]));
	if (HAS(m, START_NS + end))
		return ntp_to_ms(ld64(c->p[FB_START_NS + end]));
	if (HAS(m, START_S + end))
		return (uint64_t)ld32(c->p[FB_START_S + end]) * 1000;
	if (HAS(m, START_DUS + end)) {
		uint64_t back = ld32(c->p[FB_START_DUS + end]) / 1000;

		return s->export_ms > back ? s->export_ms - back : 0;
	}
	if (HAS(m, START_UP + end)) {
		uint32_t up = ld32(c->p[FB_START_UP + end]);

		if (HAS(m, SYSINIT))
			return R64(SYSINIT) + up;
		if (s->version == V9_VERSION) {
			uint64_t back = (uint32_t)(s->v9_uptime - up);

			return s->export_ms > back ? s->export_ms - back : 0;
		}
		if (d->sysinit_ms)
			return d->sysinit_ms + up;
	}
	return 0;
}

static void put_v4(union anm_addr *a, uint32_t host)
{
	uint32_t n = htonl(host);

	memset(a, 0, sizeof(*a));
	memcpy(a->b, &n, 4);
}

static void handle_record(struct ipfix_session *s, struct domain *d,
                          const struct tctx *c)
{
	uint64_t m = c->mask;
	struct anm_flow f;
	int64_t rate;
	int v6;

	if (c->options) {
		d->st.options_records++;
		rate = rate_of(s, m, c);
		if (rate > 0)
			d->st.sampling = (uint32_t)rate;
		else if (rate == RATE_BAD)
			d->st.sampling_rejected++;
		if (HAS(m, SYSINIT) && R64(SYSINIT))
			d->sysinit_ms = R64(SYSINIT);
		return;
	}
	if (HAS(m, SRC4) || HAS(m, DST4))
		v6 = (HAS(m, SRC6) || HAS(m, DST6)) && R32(SRC4) == 0 && R32(DST4) == 0;
	else if (HAS(m, SRC6) || HAS(m, DST6))
		v6 = 1;
	else {
		d->st.no_address_records++;
		return;
	}

	memset(&f, 0, sizeof(f));
	if (v6) {
		f.af = AF_INET6;
		memcpy(f.src.b, RP(SRC6), 16);
		memcpy(f.dst.b, RP(DST6), 16);
		memcpy(f.nexthop.b, HAS(m, NH6) ? RP(NH6) : RP(BGPNH6), 16);
		if (HAS(m, NH6) && HAS(m, BGPNH6) &&
		    !memcmp(f.nexthop.b, zeros, 16))
			memcpy(f.nexthop.b, RP(BGPNH6), 16);
		f.src_mask = R8(SMASK6);
		f.dst_mask = R8(DMASK6);
	} else {
		uint32_t nh = R32(NH4);

		f.af = AF_INET;
		put_v4(&f.src, R32(SRC4));
		put_v4(&f.dst, R32(DST4));
		put_v4(&f.nexthop, nh ? nh : R32(BGPNH4));
		f.src_mask = R8(SMASK4);
		f.dst_mask = R8(DMASK4);
	}
	f.octets = HAS(m, OCTETS) ? R64(OCTETS) : R64(OCTETS_TOT);
	f.packets = HAS(m, PACKETS) ? R64(PACKETS) : R64(PACKETS_TOT);
	f.first_ms = rec_time(s, d, m, c, 0);
	f.last_ms = rec_time(s, d, m, c, 1);
	if (f.first_ms == 0)
		f.first_ms = f.last_ms;
	if (f.last_ms == 0)
		f.last_ms = f.first_ms;
	if (f.first_ms == 0)
		f.first_ms = f.last_ms = s->now_ms;
	f.in_if = R32(IN_IF);
	f.out_if = R32(OUT_IF);
	f.src_as = R32(SRC_AS);
	f.dst_as = R32(DST_AS);
	rate = rate_of(s, m, c);
	if (rate == RATE_BAD)
		d->st.sampling_rejected++;
	f.sampling = rate > 0 ? (uint32_t)rate : d->st.sampling;
	f.proto = R8(PROTO);
	f.sport = R16(SPORT);
	f.dport = R16(DPORT);
	if ((f.proto == 1 && HAS(m, ICMP4)) || (f.proto == 58 && HAS(m, ICMP6))) {
		f.sport = 0;
		f.dport = f.proto == 1 ? R16(ICMP4) : R16(ICMP6);
	}
	f.vlan = HAS(m, VLAN) ? R16(VLAN) : R16(DOT1Q);
	f.inner_vlan = R16(CVLAN);
	f.tos = R8(TOS);
	f.tcp_flags = (uint8_t)R16(TCPFLAGS);
	f.end_reason = R8(ENDREASON);
	memcpy(f.src_mac, RP(SRCMAC), 6);
	memcpy(f.dst_mac, RP(DSTMAC), 6);
	d->st.records++;
	s->emit(s->emit_ctx, &f, d->st.domain);
}

/*
 * The reader caches a transcoding plan per pair of external and internal
 * template it has read with, in one list, until either template goes; each
 * template that goes, and each plan looked up and not first in it, walks
 * the list.  A budget's reader is shared by all its sessions: the plans of
 * every template with data there would make that list as long as the
 * budget holds templates (tens of thousands: each eviction a walk of it).
 * So a shared reader forgets the plans made with internal template itid of
 * s once it reads with another one, or ends the message: its list holds
 * the plans of one internal template at a time.  O(that list).
 */
static void forget_plans(struct ipfix_session *s, uint16_t itid)
{
	fbTemplate_t *t;

	if (s->owner == NULL || itid == 0)
		return;                          /* a reader of its own keeps them */
	if ((t = fbSessionGetTemplate(s->fbs, TRUE, itid, NULL)) != NULL)
		fBufRemoveTemplateTcplan(s->fbuf, t);
}

/* Have libfixbuf read buf[0..len) and hand each record on. */
static int decode(struct ipfix_session *s, struct domain *d, uint8_t *buf, size_t len)
{
	GError *err = NULL;
	int rc = IPFIX_OK;
	uint16_t itid = 0;

	if (s->fbs == NULL)
		return IPFIX_OK;                 /* nothing given to libfixbuf yet */
	fb_enter(s);
	fBufSetBuffer(s->fbuf, buf, len);
	for (;;) {
		size_t rl;
		fbTemplate_t *t;
		const struct tctx *c;
		uint16_t want;
		uint8_t *into;

		/* the next record's template (reading any template sets
		 * before it), to pick the internal template to read it with */
		t = fBufNextCollectionTemplate(s->fbuf, NULL, &err);
		c = t ? fbTemplateGetContext(t) : NULL;
		want = c ? c->itid : TID_INTERNAL;
		if (t != NULL && want != itid) {
			forget_plans(s, itid);
			if (!fBufSetInternalTemplate(s->fbuf, want, &err)) {
				rc = IPFIX_ERR_DECODE;
				g_clear_error(&err);
				break;
			}
			itid = want;
		}
		into = want == TID_INTERNAL ? (uint8_t *)&s->rec : s->ibuf;
		rl = want == TID_INTERNAL ? sizeof(s->rec) : sizeof(s->ibuf);
		if (t == NULL || !fBufNext(s->fbuf, into, &rl, &err)) {
			if (!g_error_matches(err, FB_ERROR_DOMAIN, FB_ERROR_EOM) &&
			    !g_error_matches(err, FB_ERROR_DOMAIN, FB_ERROR_BUFSZ))
				rc = IPFIX_ERR_DECODE;
			g_clear_error(&err);
			break;
		}
		if (c != NULL)
			handle_record(s, d, c);
	}
	forget_plans(s, itid);
	reap_internal(s);
	return rc;
}

int ipfix_session_input(struct ipfix_session *s, const uint8_t *buf, size_t len,
                        uint64_t now_ms, ipfix_emit_fn emit, void *ctx)
{
	struct domain *d;
	struct wbuf w;
	uint16_t version;
	uint32_t domain, seq;
	size_t hdr, sets_len = 0;
	int rc;

	s->st.datagrams++;
	if (len < 4) {
		rc = IPFIX_ERR_SHORT;
		goto reject;
	}
	version = be16(buf);
	if (version != IPFIX_VERSION && version != V9_VERSION) {
		rc = IPFIX_ERR_VERSION;
		goto reject;
	}
	hdr = version == V9_VERSION ? V9_HDR_LEN : IPFIX_HDR_LEN;
	if (len < hdr) {
		rc = IPFIX_ERR_SHORT;
		goto reject;
	}
	if (len > MSG_MAX) {
		rc = IPFIX_ERR_TOOBIG;
		goto reject;
	}
	if (version == IPFIX_VERSION && be16(buf + 2) != len) {
		rc = IPFIX_ERR_LENGTH;
		goto reject;
	}
	rc = check_sets(buf + hdr, len - hdr, version == V9_VERSION, &sets_len);
	if (rc != IPFIX_OK)
		goto reject;

	if (version == V9_VERSION) {
		s->v9_uptime = be32(buf + 4);
		s->export_ms = (uint64_t)be32(buf + 8) * 1000;
		seq = be32(buf + 12);
		domain = be32(buf + 16);
	} else {
		s->export_ms = (uint64_t)be32(buf + 4) * 1000;
		seq = be32(buf + 8);
		domain = be32(buf + 12);
	}
	d = find_domain(s, domain);
	if (d == NULL) {
		if (s->ndoms >= s->lim.max_domains) {
			rc = IPFIX_ERR_DOMAINS;
			goto reject;
		}
		if ((d = add_domain(s, domain, &rc)) == NULL)
			goto reject;
	}

	/* From here on the datagram is accepted. */
	if (s->owner != NULL)
		s->owner->b->msgno |= 1;         /* a message is being read */
	s->version = version;
	s->cur = d;
	s->msg_records = 0;
	s->seg_records = 0;
	s->msg_unknown = 0;
	s->rc = IPFIX_OK;
	s->now_ms = now_ms;
	s->emit = emit;
	s->emit_ctx = ctx;
	s->set_at = 0;
	d->st.version = (uint8_t)version;
	d->st.messages++;
	w.p = out_buf;
	w.len = IPFIX_HDR_LEN;
	w.cap = MSG_MAX;
	w.overflow = 0;
	s->w = &w;
	clean_sets(s, d, &w, buf + hdr, sets_len, version == V9_VERSION);
	flush(s, d, &w);
	s->w = NULL;
	if (s->owner != NULL)
		s->owner->b->msgno++;            /* even: none is */
	track_seq(s, d, seq);
	if (s->rc != IPFIX_OK)
		s->st.rejected[-s->rc]++;
	return s->rc;
reject:
	s->st.rejected[-rc]++;
	return rc;
}

