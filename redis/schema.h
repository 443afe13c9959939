/*
 * The Redis schema: every key name Anemone reads or writes, the time
 * resolutions and how long each is kept.  redis/SCHEMA.md documents what
 * these build; tests/unit/test_schema checks the two against each other,
 * so a key renamed here without the document (or the reverse) fails.
 *
 * Writers (redis/writer.c, ospfmon/publish.c) and readers (the collector's
 * topology poll, the anemone command) build their keys here and nowhere
 * else.  Two prefixes exist: ospfmon's (the ospf: keys) and the
 * collector's (everything else); both default to SCHEMA_DEFAULT_PREFIX,
 * and a builder takes the one it needs.
 *
 * The builders append the whole key, prefix first, to a caller's sbuf (so
 * no key is ever truncated: a long prefix or id only makes the buffer
 * grow); the caller resets the sbuf between keys and checks sbuf_ok once
 * (an allocation failure marks the buffer failed).  They never fail
 * otherwise.  Cost: linear in the key's length.  No state: safe from any
 * thread.
 */
#ifndef ANEMONE_SCHEMA_H
#define ANEMONE_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "sbuf.h"

#define SCHEMA_DEFAULT_PREFIX  "anemone:"
/* How long a collector's marker key (applied:<id>:<nonce>) outlives its
 * last batch: a copy of a batch arriving later than this after the batch
 * was applied (an answer lost, then Redis unreachable this long) would be
 * applied again. */
#define SCHEMA_MARKER_TTL_MS   (7ull * 86400 * 1000)
/* The length ospfmon keeps its events list at, unless configured. */
#define SCHEMA_EVENTS_KEEP     10000

/* --- resolutions ----------------------------------------------------------- */

/* One time resolution: its name in key names, bucket width, retention (how
 * long its stream entries and top-N keys are kept). */
struct schema_res {
	const char *name;            /* "10s", "1m", "1h" */
	uint64_t width_ms;
	uint64_t retention_ms;
};

/*
 * Every resolution a collector can write, finest first: the first
 * SCHEMA_NFLUSH are the flush intervals one may configure (whole seconds
 * dividing a minute; the collector writes the one configured as its finest
 * resolution, 10s by default), then the coarse ones every collector writes,
 * SCHEMA_RES_1M and SCHEMA_RES_1H.  A reader probes them all.
 */
#define SCHEMA_NFLUSH  11
#define SCHEMA_NRES    (SCHEMA_NFLUSH + 2)
#define SCHEMA_RES_1M  SCHEMA_NFLUSH
#define SCHEMA_RES_1H  (SCHEMA_NFLUSH + 1)
#define SCHEMA_DEFAULT_FLUSH_MS 10000
extern const struct schema_res schema_res[SCHEMA_NRES];

/* The finest resolution of a collector flushing every flush_ms, or NULL
 * when that is not a flush interval one may configure. */
const struct schema_res *schema_res_flush(uint64_t flush_ms);
/* The resolution called name ("1m"), or NULL. */
const struct schema_res *schema_res_named(const char *name);

/* --- single keys ----------------------------------------------------------- */

enum schema_key {
	/* ospfmon's (its prefix): the documents it publishes, and its channel */
	SCHEMA_OSPF_TOPOLOGY,        /* string: the topology document */
	SCHEMA_OSPF_LSDB,            /* string: the link-state database document */
	SCHEMA_OSPF_VERSION,         /* string: the topology's version */
	SCHEMA_OSPF_UPDATED,         /* string: the snapshot's time, ms */
	SCHEMA_OSPF_EVENTS,          /* list: events, newest first */
	SCHEMA_OSPF_CHANGES,         /* pub/sub channel: one message a publication */
	/* the collector's (its prefix) */
	SCHEMA_TOTALS,               /* hash: cumulative totals, unrouted by reason */
	SCHEMA_COLLECTOR_STATS,      /* hash: the collector's own counters */
	SCHEMA_LINK_TOPOLOGY,        /* string: the links with costs and capacities */
	SCHEMA_CAPACITY,             /* hash: link "A-B" -> bits/s */
	SCHEMA_ROUTER_NAMES,         /* hash: router id -> name */
	SCHEMA_OBSERVATION_POINTS,   /* string: the observation points (JSON) */
	SCHEMA_NKEYS
};

/* The key's name without a prefix ("ospf:lsdb"); NULL for a value out of
 * range. */
const char *schema_key_name(enum schema_key k);
/* prefix + the key's name, appended to b. */
void schema_key(struct sbuf *b, const char *prefix, enum schema_key k);
/* The same in a string of its own (free() it), or NULL when out of memory. */
char *schema_key_new(const char *prefix, enum schema_key k);

/* --- the collector's counters ---------------------------------------------- */

/* What a series, counter hash, index or top-N set is about. */
enum schema_kind {
	SCHEMA_TOTAL,                /* everything (no id) */
	SCHEMA_LINK,                 /* id "A-B", router ids, directed */
	SCHEMA_PAIR,                 /* id "I-E", ingress and egress router */
	SCHEMA_EXPORTER,             /* id "ADDRESS/DOMAIN" or "ADDRESS/other" */
	SCHEMA_SRC,                  /* top-N only: source hosts */
	SCHEMA_DSTPFX,               /* top-N only: destination prefixes */
	SCHEMA_MEASURED,             /* id "A-B": a link's load measured by transit
	                                records (beside link: its placed load) */
	SCHEMA_NKINDS
};

/* The id of a link or a pair of routers, "A-B" (router ids, host order,
 * as dotted quads), into buf; returns buf. */
#define SCHEMA_LINK_ID_LEN 32
char *schema_link_id(char buf[SCHEMA_LINK_ID_LEN], uint32_t a, uint32_t b);

/* The kind's name in key names ("link", "dstpfx"); NULL out of range. */
const char *schema_kind_name(enum schema_kind kind);

/* The stream of one bucket per entry: total:<res>, or <kind>:<id>:<res>
 * (link, pair, exporter, measured). */
void schema_series(struct sbuf *b, const char *prefix, enum schema_kind kind, const char *id,
                   const char *res);
/* The hash of cumulative counters: totals, or <kind>:<id> (link, pair,
 * exporter, measured). */
void schema_counters(struct sbuf *b, const char *prefix, enum schema_kind kind, const char *id);
/* The set of every id that has a series: links, pairs, exporters,
 * measureds. */
void schema_index(struct sbuf *b, const char *prefix, enum schema_kind kind);

/* The field name, in the totals hash, of what could not be placed for
 * reason: unrouted:<reason>:<field> (field "bytes", "packets", "flows"). */
void schema_unrouted_field(struct sbuf *b, const char *reason, const char *field);

/* Top-N of a bucket (kinds src, dstpfx, link, pair): the sorted set
 * top:<kind>:<res>:<bucket_ms>, the same for the newest bucket written,
 * top:<kind>:<res>:last, each member's packets (hash)
 * toppkts:<kind>:<res>:<bucket_ms>, and for src and dstpfx each member's
 * error bound (hash) toperr:<kind>:<res>:<bucket_ms>. */
void schema_top(struct sbuf *b, const char *prefix, enum schema_kind kind, const char *res,
                uint64_t bucket_ms);
void schema_top_last(struct sbuf *b, const char *prefix, enum schema_kind kind,
                     const char *res);
void schema_toppkts(struct sbuf *b, const char *prefix, enum schema_kind kind, const char *res,
                    uint64_t bucket_ms);
void schema_toperr(struct sbuf *b, const char *prefix, enum schema_kind kind, const char *res,
                   uint64_t bucket_ms);

/* The start (ms) of the newest bucket of resolution res written:
 * updated:<res>. */
void schema_updated(struct sbuf *b, const char *prefix, const char *res);

/* A collector's marker of the last batch applied: applied:<id>:<nonce>,
 * the nonce as 16 hex digits. */
void schema_marker(struct sbuf *b, const char *prefix, const char *id, uint64_t nonce);

#endif
