/*
 * The collector's time buckets of three resolutions (see buckets.h).
 */
#include <inttypes.h>
#include <stdio.h>

#include "buckets.h"
#include "log.h"
#include "place.h"
#include "schema.h"

const char *buckets_reason_name(uint32_t r)
{
	return place_reason_name((int)r);
}

/* t rounded down to a multiple of w. */
static uint64_t floor_to(uint64_t t, uint64_t w)
{
	return t - t % w;
}

int buckets_init(struct buckets *b, struct coll *coll, uint64_t flush_ms, size_t max_keys,
                 size_t top_k, uint64_t seed)
{
	/* the finest resolution is the flush interval's: "10s", "1s" */
	if ((b->res[0] = schema_res_flush(flush_ms)) == NULL) {
		log_warnx("flush interval of %" PRIu64 " ms: not one of the schema's", flush_ms);
		return -1;
	}
	b->res[1] = &schema_res[SCHEMA_RES_1M];
	b->res[2] = &schema_res[SCHEMA_RES_1H];
	for (int r = 1; r < NRES; r++)
		if (agg_init(&b->coarse[r], max_keys, top_k, seed + (uint64_t)r) < 0)
			return -1;
	agg_chain(coll_interval(coll), &b->coarse[1]);
	for (int r = 2; r < NRES; r++)
		agg_chain(&b->coarse[r - 1], &b->coarse[r]);
	return 0;
}

void buckets_start(struct buckets *b, uint64_t t)
{
	for (int r = 0; r < NRES; r++)
		b->bucket[r] = floor_to(t, b->res[r]->width_ms);
}

void buckets_flush(struct buckets *b, struct coll *coll, struct writer *w, uint64_t now_ms,
                   uint64_t wall, bool all)
{
	struct agg *iv = coll_interval(coll);

	if (!all && now_ms < b->bucket[0] + b->res[0]->width_ms)
		return;
	coll_flush_sessions(coll, wall);
	coll_release_held(coll, all);
	if (iv->n > 0) {
		if (w)
			writer_bucket(w, b->res[0], true, b->bucket[0], iv);
		for (int r = 1; r < NRES; r++)
			agg_merge(&b->coarse[r], iv);
		if (iv->overflow)
			log_warnx("%" PRIu64 " updates of links, pairs or exporters not counted under "
			          "their key (they are in the total): more than %zu in one interval "
			          "(max-keys)", iv->overflow, iv->max_keys);
	}
	b->saturated += iv->saturated;
	b->overflow += iv->overflow;
	agg_clear(iv);
	b->bucket[0] = floor_to(now_ms, b->res[0]->width_ms);
	if (b->on_interval && !all)
		b->on_interval(b->ctx);
	for (int r = 1; r < NRES; r++) {
		if (!all && now_ms < b->bucket[r] + b->res[r]->width_ms)
			continue;
		if (b->coarse[r].n > 0 && w)
			writer_bucket(w, b->res[r], false, b->bucket[r], &b->coarse[r]);
		if (b->coarse[r].overflow)
			log_warnx("%" PRIu64 " updates of links, pairs or exporters not counted under "
			          "their key in a %s bucket (they are in its total): more than %zu "
			          "(max-keys)", b->coarse[r].overflow, b->res[r]->name, b->coarse[r].max_keys);
		b->saturated += b->coarse[r].saturated;
		b->overflow += b->coarse[r].overflow;
		agg_clear(&b->coarse[r]);
		b->bucket[r] = floor_to(now_ms, b->res[r]->width_ms);
	}
}

void buckets_totals(const struct buckets *b, struct coll *coll, uint64_t *saturated,
                    uint64_t *overflow)
{
	uint64_t sat = b->saturated + coll_interval(coll)->saturated;
	uint64_t ovf = b->overflow + coll_interval(coll)->overflow;

	for (int r = 1; r < NRES; r++) {
		sat += b->coarse[r].saturated;
		ovf += b->coarse[r].overflow;
	}
	*saturated = sat;
	*overflow = ovf;
}

void buckets_free(struct buckets *b)
{
	for (int r = 1; r < NRES; r++)
		agg_free(&b->coarse[r]);
}
