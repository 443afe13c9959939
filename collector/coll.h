/*
 * The collector's core, without sockets or Redis: a datagram (or a message
 * from a TCP stream) goes in with its sender's address; out come counters in
 * the current interval's aggregation table.  On the way: the exporter table
 * (one entry per transport session: address and port; bounded), the v5
 * decoder or the v9/IPFIX session, sequence tracking, sampling, the
 * normalised flow record, and its placement on the OSPF topology.
 *
 * Everything a datagram can do is counted in struct coll_stats; nothing
 * from the network can make the core allocate without bound.  This is the
 * "datagram entry point" the fuzz target drives.
 *
 * Memory: the exporter table holds max_exporters transport sessions; v9 and
 * IPFIX state (sessions, observation domains, templates) is charged to a
 * template budget of template_memory bytes, of which one exporter address
 * (summed over its transport sessions) holds at most template_share_pct
 * percent (ipfix_in.h).  To make room in the budget, templates that never
 * carried data go first (least recently used first); then transport
 * sessions as below; then templates that carried data (least recently used
 * first).  A newcomer finding the table full, and the budget when it needs
 * room, take the place of a UDP transport session (and only for the budget,
 * one with v9/IPFIX state): one that never accounted a record, the least
 * recently seen (exporters-evicted-unproductive); else one that has
 * accounted none for 5 minutes, the longest without (exporters-evicted);
 * else the least recently seen of the address holding the most UDP
 * sessions, if more than one (exporters-evicted-crowded; also when a new
 * session's own address is over its share).  So junk sources churn among
 * themselves while an exporter whose records are decoded keeps its place.
 * Only when every session accounts records and is of an address of its own
 * is a newcomer refused (dropped-exporters-full, dropped-template-memory):
 * the allow-list (coll_conf.allow) is what keeps strangers out.  Choosing
 * the session to give up (or finding there is none) takes a few steps
 * whatever the table holds: the sessions are kept in lists in that order
 * and the addresses by their number of UDP sessions (coll_victim_work
 * counts the steps); the exporter table costs two pointers per session it
 * may hold beside its hash tables.
 */
#ifndef COLLECTOR_COLL_H
#define COLLECTOR_COLL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "agg.h"
#include "flow.h"

struct placer;

/* Versions a listener accepts (a mask). */
enum { CP_V5 = 1, CP_V9 = 2, CP_IPFIX = 4 };

#define COLL_DEFAULT_MAX_EXPORTERS 4096
/* Links, pairs and exporters (observation domains) counted per interval
 * and coarser bucket (agg.h: about 530 bytes each at most, per table). */
#define COLL_DEFAULT_MAX_KEYS      (1u << 16)

/*
 * Records no flow can have are not counted (absurd-records), so that one
 * broken or hostile record cannot make a sum wrap or pass what Redis holds
 * (anemone-collector(8), "Bad input").  Absurd is, after sampling:
 *  - more than COLL_MAX_PACKET_BYTES per packet: the largest IP packet is
 *    65,535 bytes (IPv4), and hosts that merge segments (GRO, BIG TCP)
 *    report packets of up to 512 KiB; 1 MiB leaves room for link-layer
 *    headers and still catches counts that are not byte counts;
 *  - bytes but no packets, in NetFlow v5 (where dPkts is always present;
 *    a v9/IPFIX template may carry no packet counter, so there zero means
 *    "not reported");
 *  - more than COLL_MAX_RECORD_BYTES bytes (4.5 PB: 1 Tb/s for 10 hours)
 *    or COLL_MAX_RECORD_PACKETS packets (1.5 billion packets a second, a
 *    full 1 Tb/s of minimum-size frames, for 3 hours) in one record, after
 *    sampling: no flow carries that between two exports (active timeouts
 *    are minutes, at most an hour or two).  The multiplication by the
 *    sampling rate is checked against these bounds, so it cannot wrap.
 * With these bounds a bucket's sum needs 2048 records of the largest size
 * to reach INT64_MAX; the aggregation saturates there (agg.h).
 */
#define COLL_MAX_PACKET_BYTES   (1ull << 20)
#define COLL_MAX_RECORD_BYTES   (1ull << 52)
#define COLL_MAX_RECORD_PACKETS (1ull << 44)
/* Observation domains (v9 source ids, IPFIX domains, v5 engines) of one
 * exporter address counted under keys of their own (ADDRESS/DOMAIN); those
 * an address uses beyond the first COLL_DEFAULT_MAX_DOMAINS are counted
 * together, under ADDRESS/other (domains_folded).  An exporter's identities
 * in Redis, each a hash, a set member and three streams, so stay bounded
 * whatever domain numbers a stranger (or a broken exporter) puts in its
 * headers. */
#define COLL_DEFAULT_MAX_DOMAINS   16
#define COLL_MAX_DOMAINS           1024
#define COLL_DEFAULT_TEMPLATE_MEMORY (64ull << 20)
#define COLL_DEFAULT_TEMPLATE_SHARE  25      /* percent, one exporter address */

/*
 * An observation point: where an exporter's records were seen, (address,
 * domain, input interface) -> the router and how traffic entering there
 * entered it; the most specific entry matching a record wins.
 *  - COLL_ROLE_INGRESS (no role given): the records enter the network at
 *    this router (a probe on a SPAN port, an exporter reaching the
 *    collector from a management address): counted, placed from it.
 *  - COLL_ROLE_EDGE: the interface faces outside the OSPF domain (hosts,
 *    customers, other networks): the records are where their flows entered;
 *    counted, placed from the router, as INGRESS.
 *  - COLL_ROLE_CORE: the interface faces neighbour router `neighbour` (a
 *    point-to-point link), or the routers on transit network `network` (a
 *    LAN: the id of its network-LSA, the DR's interface address; each
 *    record's neighbour is the router on it that OSPF forwards its flow
 *    from, found by placing the flow from its source, the record split in
 *    proportion when there are several): the records feed the measured
 *    load of the link neighbour -> router.  They are transit, not counted
 *    again (totals, links, pairs, tops), for the share of their flow
 *    observed before (where it entered a router by an input with a core
 *    point, or from outside at a router with an edge or probe point: the
 *    flow placed from its source); the rest, observed nowhere before, is
 *    counted there, placed from the source.
 *  - COLL_ROLE_ROUTER (an entry without an interface): the exporter is
 *    router's own, exporting what enters it on every interface.  The
 *    router observes all its inputs.  Each interface's role is that of a
 *    more specific entry, else SNMP's, else inferred from the traffic
 *    (infer.h): where OSPF routes the interface's flows in from.  Until an
 *    interface is decided, each record is taken where OSPF routes its own
 *    flow in from.
 * (anemone-collector(8), "Counting each flow once".)
 */
enum coll_role { COLL_ROLE_INGRESS, COLL_ROLE_EDGE, COLL_ROLE_CORE, COLL_ROLE_ROUTER };

struct coll_map {
	int af;
	union anm_addr addr;
	bool any_domain, any_if;
	uint32_t domain, ifindex;
	uint32_t router;             /* host order */
	uint8_t role;                /* enum coll_role */
	uint32_t neighbour;          /* COLL_ROLE_CORE: router id, host order, or */
	uint32_t network;            /* the LAN's network-LSA id, host order */
};

/*
 * A probe group: exporters (addresses) that see the same packets -- two
 * SPAN ports of one segment, a probe and its backup.  One member at a time
 * is the group's source: the first heard, until it has been silent for
 * silent_ms, when the next member heard takes over (logged).  The source's
 * records are counted as any; the others' are duplicates, counted only
 * under their exporter and in records-duplicate.
 */
#define COLL_GROUP_SILENT_MS 30000
struct coll_member {
	int af;
	union anm_addr addr;
	unsigned group;              /* index in coll_conf.groups */
};
struct coll_group {
	const char *name;
	uint64_t silent_ms;          /* 0: COLL_GROUP_SILENT_MS */
};

/* How a record's observation was taken (coll_stats.observations). */
enum coll_obs {
	CO_COUNTED,                  /* at a known router where it entered (an
	                                observation point, or an exporter whose
	                                address is a router's): counted */
	CO_TRANSIT,                  /* at a core interface: measured, not counted */
	CO_FIRST,                    /* at a core interface facing a router that
	                                does not export: counted (the share no
	                                exporting router saw before), placed from
	                                its source address; and measured */
	CO_UNMAPPED,                 /* no router known for it: counted, placed from
	                                its source address */
	CO_DUPLICATE,                /* from a probe group's member that is not its
	                                source (struct coll_group), or the same as
	                                another exporter's (auto_duplicates): not
	                                counted */
	CO_MAX
};

/* An allowed exporter prefix. */
struct coll_prefix {
	int af;
	union anm_addr addr;
	uint8_t plen;
};

struct coll_conf {
	size_t max_exporters;        /* transport sessions held */
	size_t max_keys;             /* links, pairs, exporters per interval */
	size_t top_k;                /* counters of each top-N sketch (0: default) */
	const struct coll_map *map;
	unsigned nmap;
	const struct coll_group *groups;
	unsigned ngroups;
	const struct coll_member *members;
	unsigned nmembers;
	const struct coll_prefix *allow;   /* NULL: every exporter */
	unsigned nallow;
	uint32_t max_sampling;       /* largest 1-in-N sampling rate applied
	                                (0: IPFIX_MAX_SAMPLING_DEFAULT) */
	uint64_t template_memory;    /* bytes of v9/IPFIX session state (0: default) */
	unsigned template_share_pct; /* of it, one address at most (0: default) */
	unsigned max_domains;        /* exporter keys per address (0: default) */
	/* records two exporters both report (dedup.h), found by their
	 * fingerprints: off, or kept dedup_window_ms (0: default), of
	 * dedup_records at most (0: default) */
	bool dedup_off;
	uint64_t dedup_window_ms;
	size_t dedup_records;
};
#define COLL_AUTO_MATCHES 64         /* records matched before grouping */

enum coll_drop {
	CD_NOT_ALLOWED,              /* sender not in the allow-list */
	CD_TOO_SHORT,                /* fewer than 2 bytes: no version */
	CD_VERSION,                  /* not a version this listener takes */
	CD_EXPORTERS,                /* exporter table full */
	CD_V5,                       /* v5 datagram rejected by the decoder */
	CD_IPFIX,                    /* v9/IPFIX message rejected as a whole */
	CD_MEMORY,                   /* no room in the template memory for a new
	                                transport session or domain */
	CD_MAX
};

struct coll_stats {
	uint64_t datagrams, octets;
	uint64_t dropped[CD_MAX];
	uint64_t records[3];         /* v5, v9, IPFIX data records accounted */
	uint64_t absurd;             /* data records not accounted: absurd counts */
	uint64_t lost;               /* records (v5, IPFIX) or packets (v9) missing */
	uint64_t reordered;          /* datagrams that came after a later one */
	uint64_t resets;             /* sequence restarts (exporter restarted) */
	uint64_t exporters;          /* transport sessions created */
	/* transport sessions given up for a newcomer or template memory: */
	uint64_t exporters_evicted;  /* no record for 5 minutes (idle ones too) */
	uint64_t exporters_evicted_unproductive;  /* never a record */
	uint64_t exporters_evicted_crowded;  /* of an address holding many */
	uint64_t routed, unrouted;   /* records placed on the topology or not */
	uint64_t observations[CO_MAX];  /* records accounted, by enum coll_obs */
	uint64_t unattributed;       /* records of a LAN core interface whose flow
	                                OSPF does not route in by it: no link
	                                measured (counted, as records-first, with
	                                a topology; without one, transit) */
	uint64_t inferred;           /* records of a role "router" exporter whose
	                                interface was not mapped: taken where OSPF
	                                routes their flow in from */
	uint64_t infer_full;         /* their votes not kept: table full */
	uint64_t auto_duplicates;    /* records found another exporter's
	                                (records-duplicate has them too) */
	uint64_t held;               /* of them held until their interface was
	                                inferred (equal-cost paths into it) */
	uint64_t placer_swaps;       /* topologies taken */
	/* v9/IPFIX messages rejected whole (dropped[CD_IPFIX]), by reason:
	 * shorter than the header, IPFIX length field != datagram length,
	 * malformed set structure, a domain beyond the per-session limit,
	 * not decodable after cleaning */
	uint64_t ipfix_short, ipfix_length, ipfix_sets, ipfix_domains, ipfix_decode;
	/* summed over the observation domains of every v9/IPFIX session, those
	 * of sessions already gone included (struct ipfix_domain_stats);
	 * domains and templates: held now */
	uint64_t domains, templates;
	uint64_t templates_added, templates_withdrawn, template_errors;
	uint64_t no_template_sets, bad_sets, reserved_sets;
	uint64_t options_records, no_address_records;
	/* records whose sampling rate was absurd and not applied (v9/IPFIX
	 * options and data records, v5 datagrams above max_sampling) */
	uint64_t sampling_rejected;
	uint64_t domains_folded;     /* records counted under ADDRESS/other */
	/* template fields skipped (odd lengths, v9 zero-length fields), data
	 * records dropped for an oversized integer whose value did not fit */
	uint64_t fields_skipped, value_overflows;
	/* template memory (struct ipfix_budget): bytes held now, at most, the
	 * limit; templates forgotten to make room (of them, ones that had
	 * carried data); sessions, domains and templates refused for want of
	 * room */
	uint64_t template_memory, template_memory_peak, template_memory_limit;
	uint64_t templates_evicted, template_memory_refused;
	uint64_t templates_evicted_used;     /* evicted ones that had carried data */
};

struct coll;

/* NULL when out of memory. */
struct coll *coll_new(const struct coll_conf *c, uint64_t seed);
void coll_free(struct coll *c);

/* One UDP datagram from `from`; protos: the versions its listener takes. */
void coll_datagram(struct coll *c, const struct sockaddr *from, unsigned protos,
                   const uint8_t *buf, size_t len, uint64_t now_ms);

/* Whether a TCP connection from `from` may be accepted (the allow-list);
 * a refusal is counted as dropped, not-allowed. */
bool coll_stream_allowed(struct coll *c, const struct sockaddr *from);

/* One IPFIX message from the TCP connection `conn` (an opaque, unique id for
 * the connection's life) whose peer is `from`; coll_stream_closed ends its
 * transport session (templates are per connection). */
void coll_stream_message(struct coll *c, uint64_t conn, const struct sockaddr *from,
                         const uint8_t *buf, size_t len, uint64_t now_ms);
void coll_stream_closed(struct coll *c, uint64_t conn);

/* Take a new topology: the placer and the database it was built from (both
 * owned from now on; NULL: none); the previous ones are freed.  Records
 * already accounted keep their placement. */
struct lsdb;
void coll_set_topology(struct coll *c, struct placer *p, struct lsdb *db);

/* The observation points found by SNMP (snmptab.h), copied: they replace
 * the last ones; a configured entry matching a record wins over them.
 * -1 when out of memory (the held ones stay). */
int coll_set_points(struct coll *c, const struct coll_map *p, unsigned n);

/* The interfaces of role "router" exporters decided from the traffic, as
 * observation points (router, role edge or core with neighbour/network),
 * into out[0..max); returns how many there are (may exceed max).  *gen:
 * changes whenever a decision does.  O(the inference table). */
/* Count the records held for an interface not yet inferred (role "router"
 * exporters: equal-cost paths into the router) that have waited two calls,
 * or (all) every one.  Called before each interval is written, and at
 * exit with all.  O(records held: at most COLL_HELD_MAX). */
#define COLL_HELD_MAX     8192
#define COLL_HELD_FLUSHES 2
void coll_release_held(struct coll *c, bool all);

/* The observation points inferred so far (role "router"), as map entries
 * of their router (source "inferred"): how many there are, the first max
 * of them written to out, and *gen their generation.  O(the inference
 * table: some 3 MB), for when coll_inferred_generation has changed. */
unsigned coll_inferred_points(const struct coll *c, struct coll_map *out, unsigned max,
                              uint64_t *gen);
/* A number that changes whenever the inferred points do.  O(1): asked
 * between every two batches of datagrams. */
uint64_t coll_inferred_generation(const struct coll *c);
bool coll_has_placer(const struct coll *c);
/* Forget the topology without freeing it (its owner keeps it): lets the
 * fuzz target build one placer for every run. */
void coll_detach_topology(struct coll *c);

/* The current interval's table: the caller reads it at flush, then clears
 * it with agg_clear. */
struct agg *coll_interval(struct coll *c);

/* The counters; the v9/IPFIX domain sums are computed by the call. */
const struct coll_stats *coll_stats(struct coll *c);

/* The time an export message says it was sent, in ms since the epoch: the
 * v5 header's unix_secs and unix_nsecs, v9's unix secs, IPFIX's Export
 * Time.  0 when buf is none of those, too short to hold it, or its header
 * disagrees with len (v5: the record count, 1 to 30; IPFIX: the message
 * length).  Pure. */
uint64_t coll_export_ms(const uint8_t *buf, size_t len);

/* Whether coll_datagram would take buf from `from` on a listener taking
 * protos, as far as the sender and the version tell: an address the
 * allow-list admits, a version the listener takes.  Pure: counts nothing
 * (coll_datagram counts the drops).  O(allow-list). */
bool coll_takes(const struct coll *c, const struct sockaddr *from, unsigned protos,
                const uint8_t *buf, size_t len);
const char *coll_drop_name(enum coll_drop d);

/* The work of choosing transport sessions to give up (for tests and
 * benchmarks: the choice must cost a bounded number of steps whatever the
 * table holds): choices made (for a newcomer, for template memory, for an
 * address over its share) and, summed over them, the sessions, addresses
 * and table slots looked at. */
void coll_victim_work(const struct coll *c, uint64_t *choices, uint64_t *steps);

/* Call at flush: moves the lost-record counts of the v9/IPFIX sessions
 * into the interval table (the v5 ones are counted as they happen). */
void coll_flush_sessions(struct coll *c, uint64_t now_ms);

#endif
