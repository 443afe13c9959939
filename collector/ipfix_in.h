/*
 * IPFIX (RFC 7011) and NetFlow v9 (RFC 3954) input: bytes in, normalised
 * flow records (struct anm_flow) out.  The collector owns the sockets; this
 * module keeps the per-transport-session state (templates, sampling,
 * sequence numbers) and decodes one datagram or one TCP-framed message per
 * call.
 *
 * One struct ipfix_session per transport session: per exporter address+port
 * for UDP, per connection for TCP.  A session holds up to max_domains
 * observation domains (IPFIX Observation Domain ID, v9 Source ID: the same
 * number space; a v9 and an IPFIX exporter behind one address+port with the
 * same id share the domain's templates).  A session is used by one thread at
 * a time; different sessions outside any budget may be used, created and
 * freed on different threads: they share only libfixbuf's information
 * model, which is reference-counted under a lock and never written after
 * its creation (no element from the network reaches it).  The sessions of a
 * budget share more (its libfixbuf reader: see "Template memory"): they
 * are used by one thread.
 *
 * Every message goes through a validating rewrite before libfixbuf sees it
 * (see ipfix_in.c): malformed set structure rejects the datagram as a whole;
 * bad templates are dropped one by one and counted; data whose template is
 * unknown is skipped and counted.  Memory is bounded by the limits below.
 *
 * Field lengths (what real exporters send, and RFC 7011 6.2 reduced-size
 * encoding): integers and float64 may be shorter than their type; a float64
 * in 4 bytes is a float32.  A field whose length its type cannot have (an
 * address in 2 bytes, an integer we do not read in more bytes than its type)
 * is skipped, and its template kept (fields_skipped); so is a v9 field of
 * length 0.  An integer we read sent longer than its type is read when its
 * value fits; a record whose value does not is dropped (value_overflows).  A
 * v9 field of length 65535 is variable-length, as in IPFIX.  A v9 options
 * template may have no scope field (or only zero-length ones).  Trailing
 * bytes after the last set: none in IPFIX; in v9 fewer than 4, or zeros of
 * any length.  An IPFIX field of length 0 drops its template.
 *
 * Sequence numbers (per domain, uint32 serial arithmetic, d = seq - expected
 * taken as a signed 32-bit difference):
 *   IPFIX: the header's sequence is the number of data records the exporter
 *     sent in the domain before this message; expected = previous seq +
 *     records in the previous message.
 *       d == 0                      in order
 *       d > 0                       d records lost (lost += d)
 *       -reorder_window <= d < 0    a late (reordered) message: reordered++,
 *                                   and lost -= its record count (capped at
 *                                   lost): they were counted lost when the gap
 *                                   showed; expected is not moved back
 *       d < -reorder_window         exporter restart: resets++, no loss
 *     A message with a data set we could not decode (template unknown) has an
 *     unknown record count: the next message resynchronises (no loss counted
 *     across it).  The first message of a domain only synchronises.
 *   v9: the header's sequence counts export packets: expected = previous + 1,
 *     the same rules with counts in packets, and lost_packets_v9 instead of
 *     lost (a late packet gives back 1).
 *
 * Sampling: an options record carrying samplingInterval (34),
 * samplerRandomInterval (50), samplingPacketInterval (305) with
 * samplingPacketSpace (306) (rate = (interval + space) / interval, rounded
 * down), or samplingProbability (311, rate = 1/p rounded; float64, or float32
 * in 4 bytes: RFC 7011 6.2 reduced-size encoding) sets the domain's rate for
 * the data records that follow; the same fields inside a data record override
 * it for that record.  The first of these fields, in that order, that gives a
 * sound rate wins.  A rate is sound when it is 1..max_sampling: an interval
 * of 0, a probability of 0, NaN, infinite, negative, above 1 or below
 * 1/max_sampling is not.  A record whose sampling fields give no sound rate
 * is counted (sampling_rejected) and its values never applied: an options
 * record leaves the domain's rate as it was, a data record takes the
 * domain's rate (or none).  anm_flow.sampling carries the rate; counts stay
 * unscaled.  Per-selector (selectorId/samplerId) rates are not tracked: the
 * last options record wins.
 *
 * Times: anm_flow.first_ms/last_ms come from, in this order of preference,
 * flowStart/EndMilliseconds, -Microseconds, -Nanoseconds, -Seconds,
 * -DeltaMicroseconds (relative to the export time), -SysUpTime (relative to
 * systemInitTimeMilliseconds in the record, else the one last seen in an
 * options record of the domain, else for v9 the packet header's
 * unix_secs - sysUptime, wrap-safe).  A missing start takes the end and vice
 * versa; a record with neither gets now_ms for both.
 *
 * Records: octet/packet counts from the delta counters, else the total
 * counters.  Records with no IPv4 or IPv6 source/destination address are not
 * emitted (counted as no_address_records).  Options records are never
 * emitted.
 */
#ifndef ANEMONE_IPFIX_IN_H
#define ANEMONE_IPFIX_IN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow.h"

struct ipfix_limits {
	uint32_t max_domains;       /* per session; a datagram for one more is rejected */
	uint32_t max_templates;     /* per domain; further new template ids are dropped */
	uint32_t max_fields;        /* per template; longer templates are dropped */
	uint32_t reorder_window;    /* IPFIX: records a late message may lag */
	uint32_t v9_reorder_window; /* v9: packets a late packet may lag */
	uint32_t max_sampling;      /* largest 1-in-N sampling rate taken */
};
#define IPFIX_MAX_SAMPLING_DEFAULT 1000000
#define IPFIX_LIMITS_DEFAULT { 64, 256, 128, 100000, 100, IPFIX_MAX_SAMPLING_DEFAULT }

enum ipfix_err {
	IPFIX_OK          = 0,
	IPFIX_ERR_SHORT   = -1,     /* shorter than the message header */
	IPFIX_ERR_VERSION = -2,     /* version is neither 9 nor 10 */
	IPFIX_ERR_LENGTH  = -3,     /* IPFIX header length != datagram length */
	IPFIX_ERR_SET     = -4,     /* a set length < 4 or past the end, or trailing bytes */
	IPFIX_ERR_DOMAINS = -5,     /* a new domain beyond max_domains */
	IPFIX_ERR_TOOBIG  = -6,     /* translated message would exceed 65535 bytes */
	IPFIX_ERR_DECODE  = -7,     /* libfixbuf refused the cleaned message: a bug
	                               here; records before the failure were emitted */
	IPFIX_ERR_MEMORY  = -8,     /* a new domain: no memory, or no room in the
	                               template memory budget */
};

struct ipfix_domain_stats {
	uint32_t domain;            /* observation domain id / v9 source id */
	uint8_t  version;           /* 9 or 10: of the last message seen */
	uint64_t messages;          /* accepted messages / v9 packets */
	uint64_t records;           /* flow records emitted */
	uint64_t options_records;   /* options data records decoded */
	uint64_t no_address_records;/* data records without an IP address */
	uint64_t lost;              /* IPFIX: records lost (sequence gaps) */
	uint64_t lost_packets_v9;   /* v9: export packets lost */
	uint64_t reordered;         /* late messages/packets */
	uint64_t resets;            /* sequence restarts (exporter restart) */
	uint64_t templates_active;  /* templates now defined */
	uint64_t templates_added;   /* template records accepted (incl. refreshes) */
	uint64_t templates_redefined; /* an id got a different definition */
	uint64_t templates_withdrawn;
	uint64_t templates_evicted; /* forgotten to make room (template budget) */
	uint64_t template_errors;   /* template records dropped: malformed or over limits */
	uint64_t no_template_sets;  /* data sets skipped, template unknown (>= 1 record each) */
	uint64_t bad_sets;          /* data sets with a truncated last record */
	uint64_t reserved_sets;     /* sets with a reserved id (4-255; v9: 2-255), skipped */
	uint64_t fields_skipped;    /* template fields with a length their type
	                               cannot have, or v9 fields of length 0, in
	                               templates kept: their bytes are skipped */
	uint64_t value_overflows;   /* data records dropped: an integer we read,
	                               sent longer than its type, whose value
	                               does not fit it */
	uint64_t sampling_rejected; /* options and data records whose sampling
	                               fields gave no sound rate (not applied) */
	uint32_t sampling;          /* current 1-in-N rate from options; 0 unknown */
	uint32_t last_seq;          /* header sequence of the last message */
};

/* Session-wide counters (datagrams rejected as a whole, by error). */
struct ipfix_session_stats {
	uint64_t datagrams;         /* calls to ipfix_session_input */
	uint64_t rejected[9];       /* index -err, 1..8 */
	uint32_t domains;           /* domains now tracked */
};

struct ipfix_session;

/*
 * Template memory.  Sessions may share a budget of bytes.  Each session is
 * charged for itself when made (about 1.6 KiB: it has no libfixbuf state
 * yet), for its libfixbuf session when the first of its templates goes to
 * libfixbuf (with that template's first data: about 1.9 KiB), for each of
 * its domains (300 bytes, 260 more once libfixbuf reads one) and for each
 * template it holds (our table entry, a few hundred bytes; once the
 * template has carried data, libfixbuf's copy and its internal template, 2
 * to 5 KiB more): see COST_* in ipfix_in.c, measured, and test_ipfix_in
 * checking the figures against malloc.  The sessions of a budget share one libfixbuf
 * reader (its 64 KiB message buffer), the full internal template and the
 * scratch for reading templates: a fixed cost of about 140 KiB at most per
 * budget, not charged.  A source that sends only junk or template floods
 * thus costs its session, domains and unused templates: a few hundred bytes
 * each.  The sessions of one exporter (one source address: the caller
 * decides) share an owner, which may hold at most `share` bytes.
 *
 * Templates are in two segments, each least recently used first to go
 * (a segmented LRU): those that never carried data (probation: a flood's,
 * or an exporter's unused ones) and those that have (protected: a data set
 * with at least one record moved them there; a redefinition moves one back).
 * A template is used when defined, refreshed or when data uses it.  To make
 * room for a charge:
 *   1. while the owner would be over its share: its own templates,
 *      probation first, then protected, those used in the message being
 *      read (say, defined before their data sets) last;
 *   2. while the budget would be over its limit: the least recently used
 *      probation template of any owner's session whose exporter resends its
 *      templates (UDP), then of any TCP session, those used in the message
 *      being read excepted; then a session given up by the reclaim callback
 *      (the caller's exporter table decides which: coll.c gives up sessions
 *      whose records are never counted first); then the least recently used
 *      probation template (now those of the message too), then protected
 *      (UDP).
 * A TCP exporter sends a template once, so its protected templates go only
 * to make room within its own share (its probation ones go as above: else
 * a TCP flood of templates no data uses, which no other step can touch,
 * would push out UDP exporters' protected ones).  So a flood of templates
 * that carry no data, over UDP or TCP, from any number of owners, never
 * pushes out a template that carries data while one that does not is
 * left; and a session that decodes is given up only after those that do
 * not.  An evicted template's later data sets are
 * counted as no_template_sets until the exporter sends it again.  When
 * nothing can go, the template (counted in refused and nowhere else),
 * libfixbuf session (the data set is counted in no_template_sets), domain
 * (IPFIX_ERR_MEMORY) or session (ipfix_session_new_in: NULL, ENOSPC) is
 * refused.
 *
 * A budget, its owners and their sessions are used by one thread.  Cost:
 * O(1) per charge, plus the evictions it makes and the callbacks it calls.
 */
struct ipfix_budget;
struct ipfix_owner;

struct ipfix_budget_stats {
	uint64_t limit, share;      /* bytes: the budget, one owner's at most */
	uint64_t used, peak;        /* bytes charged now, the most ever */
	uint64_t sessions, domains, templates;  /* held now */
	uint64_t fb_sessions;       /* sessions holding a libfixbuf session now */
	uint64_t evicted;           /* templates forgotten to make room */
	uint64_t evicted_used;      /*   of them, ones that had carried data */
	uint64_t reclaimed;         /* sessions the reclaim callback gave up */
	uint64_t refused;           /* sessions, domains, templates refused */
};

/*
 * The reclaim callback: free one session of the budget (with
 * ipfix_session_free) other than `keep` (the session the room is for; NULL
 * while one is being made), without freeing the owner being charged (the
 * one of keep, or of the session being made), and return true; or return
 * false when it has none to give up.  Called from inside
 * ipfix_session_new_in and ipfix_session_input (of keep).
 */
typedef bool (*ipfix_reclaim_fn)(void *ctx, const struct ipfix_session *keep);

/* share: the most one owner may hold (0 or above bytes: bytes).  Free the
 * budget after its owners, the owners after their sessions. */
struct ipfix_budget *ipfix_budget_new(uint64_t bytes, uint64_t share);
void ipfix_budget_set_reclaim(struct ipfix_budget *b, ipfix_reclaim_fn fn, void *ctx);
void ipfix_budget_free(struct ipfix_budget *b);
const struct ipfix_budget_stats *ipfix_budget_stats(const struct ipfix_budget *b);
struct ipfix_owner *ipfix_owner_new(struct ipfix_budget *b);
void ipfix_owner_free(struct ipfix_owner *o);
uint64_t ipfix_owner_bytes(const struct ipfix_owner *o);
/* Whether `more` bytes fit within o's share (without eviction). */
bool ipfix_owner_fits(const struct ipfix_owner *o, uint64_t more);
/* What a new session with limits lim is charged when made. */
uint64_t ipfix_session_cost(const struct ipfix_limits *lim);

/* A session with the given limits (NULL: IPFIX_LIMITS_DEFAULT; zero fields
 * take their default), outside any budget.  NULL when out of memory. */
struct ipfix_session *ipfix_session_new(const struct ipfix_limits *lim);
/* The same, charged to owner o (NULL: none); refreshed: its exporter resends
 * templates (UDP).  NULL with errno ENOSPC when the budget has no room for
 * it, ENOMEM when out of memory. */
struct ipfix_session *ipfix_session_new_in(const struct ipfix_limits *lim,
                                           struct ipfix_owner *o, int refreshed);
void ipfix_session_free(struct ipfix_session *s);

typedef void (*ipfix_emit_fn)(void *ctx, const struct anm_flow *f, uint32_t domain);

/*
 * Decode one UDP datagram (one IPFIX message or one v9 export packet,
 * told apart by the version field) or one IPFIX message framed from a TCP
 * stream.  Calls emit(ctx, &flow, domain) for each flow record, in order;
 * the flow is only valid during the call.  Returns IPFIX_OK, or a negative
 * IPFIX_ERR_* when the datagram is rejected as a whole (then nothing was
 * emitted and no state changed, except the session counters; the one
 * exception is IPFIX_ERR_DECODE, see above).  Partial
 * decoding (dropped templates, data sets with unknown templates) is counted
 * in the domain statistics, not reported as an error.  now_ms is the receive
 * time in Unix milliseconds.
 */
int ipfix_session_input(struct ipfix_session *s, const uint8_t *buf, size_t len,
                        uint64_t now_ms, ipfix_emit_fn emit, void *ctx);

/* Calls fn for each domain of the session, in creation order. */
void ipfix_session_foreach_domain(struct ipfix_session *s,
                                  void (*fn)(void *ctx, const struct ipfix_domain_stats *),
                                  void *ctx);

const struct ipfix_session_stats *ipfix_session_stats(const struct ipfix_session *s);

/* Static string for an IPFIX_ERR_* value; "unknown error" otherwise. */
const char *ipfix_strerror(int err);

#endif
