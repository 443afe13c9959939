/*
 * The Redis schema (schema.h): the one table of resolutions and the key
 * builders.  Key names appear in this file and in redis/SCHEMA.md only.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"

#define H6   (6ull * 3600 * 1000)
#define D8   (8ull * 86400 * 1000)
#define D35  (35ull * 86400 * 1000)

const struct schema_res schema_res[SCHEMA_NRES] = {
	/* the flush intervals: whole seconds dividing a minute, kept 6 hours */
	{ "1s", 1000, H6 }, { "2s", 2000, H6 }, { "3s", 3000, H6 }, { "4s", 4000, H6 },
	{ "5s", 5000, H6 }, { "6s", 6000, H6 }, { "10s", 10000, H6 }, { "12s", 12000, H6 },
	{ "15s", 15000, H6 }, { "20s", 20000, H6 }, { "30s", 30000, H6 },
	/* every collector's coarse resolutions */
	[SCHEMA_RES_1M] = { "1m", 60000, D8 },
	[SCHEMA_RES_1H] = { "1h", 3600000, D35 },
};

const struct schema_res *schema_res_flush(uint64_t flush_ms)
{
	for (size_t i = 0; i < SCHEMA_NFLUSH; i++)
		if (schema_res[i].width_ms == flush_ms)
			return &schema_res[i];
	return NULL;
}

const struct schema_res *schema_res_named(const char *name)
{
	for (size_t i = 0; i < SCHEMA_NRES; i++)
		if (strcmp(schema_res[i].name, name) == 0)
			return &schema_res[i];
	return NULL;
}

static const char *const key_names[SCHEMA_NKEYS] = {
	[SCHEMA_OSPF_TOPOLOGY] = "ospf:topology",
	[SCHEMA_OSPF_LSDB] = "ospf:lsdb",
	[SCHEMA_OSPF_VERSION] = "ospf:version",
	[SCHEMA_OSPF_UPDATED] = "ospf:updated",
	[SCHEMA_OSPF_EVENTS] = "ospf:events",
	[SCHEMA_OSPF_CHANGES] = "ospf:changes",
	[SCHEMA_TOTALS] = "totals",
	[SCHEMA_COLLECTOR_STATS] = "collector:stats",
	[SCHEMA_LINK_TOPOLOGY] = "link-topology",
	[SCHEMA_CAPACITY] = "capacity",
	[SCHEMA_ROUTER_NAMES] = "router-names",
	[SCHEMA_OBSERVATION_POINTS] = "observation-points",
};

static const char *const kind_names[SCHEMA_NKINDS] = {
	[SCHEMA_TOTAL] = "total",
	[SCHEMA_LINK] = "link",
	[SCHEMA_PAIR] = "pair",
	[SCHEMA_EXPORTER] = "exporter",
	[SCHEMA_SRC] = "src",
	[SCHEMA_DSTPFX] = "dstpfx",
	[SCHEMA_MEASURED] = "measured",
};

const char *schema_key_name(enum schema_key k)
{
	return (unsigned)k < SCHEMA_NKEYS ? key_names[k] : NULL;
}

const char *schema_kind_name(enum schema_kind kind)
{
	return (unsigned)kind < SCHEMA_NKINDS ? kind_names[kind] : NULL;
}

char *schema_link_id(char buf[SCHEMA_LINK_ID_LEN], uint32_t a, uint32_t b)
{
	snprintf(buf, SCHEMA_LINK_ID_LEN, "%u.%u.%u.%u-%u.%u.%u.%u", a >> 24, a >> 16 & 255,
	         a >> 8 & 255, a & 255, b >> 24, b >> 16 & 255, b >> 8 & 255, b & 255);
	return buf;
}

/* A kind's name where a key needs one: a value out of range is a bug of
 * the caller's. */
static const char *kname(enum schema_kind kind)
{
	const char *n = schema_kind_name(kind);

	if (n == NULL)
		abort();
	return n;
}

void schema_key(struct sbuf *b, const char *prefix, enum schema_key k)
{
	const char *n = schema_key_name(k);

	if (n == NULL)
		abort();
	sbuf_printf(b, "%s%s", prefix, n);
}

char *schema_key_new(const char *prefix, enum schema_key k)
{
	struct sbuf b = SBUF_INIT;

	schema_key(&b, prefix, k);
	if (!sbuf_ok(&b)) {
		sbuf_free(&b);
		return NULL;
	}
	return b.p;                      /* the sbuf's allocation, now the caller's */
}

void schema_series(struct sbuf *b, const char *prefix, enum schema_kind kind, const char *id,
                   const char *res)
{
	if (kind == SCHEMA_TOTAL)
		sbuf_printf(b, "%stotal:%s", prefix, res);
	else
		sbuf_printf(b, "%s%s:%s:%s", prefix, kname(kind), id, res);
}

void schema_counters(struct sbuf *b, const char *prefix, enum schema_kind kind, const char *id)
{
	if (kind == SCHEMA_TOTAL)
		schema_key(b, prefix, SCHEMA_TOTALS);
	else
		sbuf_printf(b, "%s%s:%s", prefix, kname(kind), id);
}

void schema_index(struct sbuf *b, const char *prefix, enum schema_kind kind)
{
	sbuf_printf(b, "%s%ss", prefix, kname(kind));
}

void schema_unrouted_field(struct sbuf *b, const char *reason, const char *field)
{
	sbuf_printf(b, "unrouted:%s:%s", reason, field);
}

void schema_top(struct sbuf *b, const char *prefix, enum schema_kind kind, const char *res,
                uint64_t bucket_ms)
{
	sbuf_printf(b, "%stop:%s:%s:%" PRIu64, prefix, kname(kind), res, bucket_ms);
}

void schema_top_last(struct sbuf *b, const char *prefix, enum schema_kind kind, const char *res)
{
	sbuf_printf(b, "%stop:%s:%s:last", prefix, kname(kind), res);
}

void schema_toppkts(struct sbuf *b, const char *prefix, enum schema_kind kind, const char *res,
                    uint64_t bucket_ms)
{
	sbuf_printf(b, "%stoppkts:%s:%s:%" PRIu64, prefix, kname(kind), res, bucket_ms);
}

void schema_toperr(struct sbuf *b, const char *prefix, enum schema_kind kind, const char *res,
                   uint64_t bucket_ms)
{
	sbuf_printf(b, "%stoperr:%s:%s:%" PRIu64, prefix, kname(kind), res, bucket_ms);
}

void schema_updated(struct sbuf *b, const char *prefix, const char *res)
{
	sbuf_printf(b, "%supdated:%s", prefix, res);
}

void schema_marker(struct sbuf *b, const char *prefix, const char *id, uint64_t nonce)
{
	sbuf_printf(b, "%sapplied:%s:%016" PRIx64, prefix, id, nonce);
}
