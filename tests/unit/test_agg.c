/*
 * The aggregation tables: the Space-Saving sketch of hosts and prefixes
 * checked against exact counts kept by the test (score - error <= true <=
 * score, error <= min <= total / k, every key above total / k held, the
 * counts adding up to the total, exact while there are no more keys than
 * counters), on a skewed stream, on a stream whose heavy keys arrive last,
 * and on a flood of distinct keys; the chain to coarser tables; the exact
 * table's bound (links refused and counted beyond max_keys, the total and
 * the reasons always kept) and its shrinking; saturation.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "agg.h"
#include "check.h"

#define NKEYS 20000

static uint64_t truth[NKEYS];

static void host_key(struct agg_key *k, uint32_t id)
{
	union anm_addr a;

	memset(&a, 0, sizeof(a));
	a.b[0] = 10;
	a.b[1] = (uint8_t)(id >> 16);
	a.b[2] = (uint8_t)(id >> 8);
	a.b[3] = (uint8_t)id;
	agg_key_addr(k, AK_SRC, AF_INET, &a, 32);
}

static uint32_t id_of(const struct agg_key *k)
{
	return (uint32_t)k->addr.b[1] << 16 | (uint32_t)k->addr.b[2] << 8 | k->addr.b[3];
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void add(struct agg *t, uint32_t id, uint64_t bytes)
{
	struct agg_key k;

	host_key(&k, id);
	agg_add(t, &k, bytes, 1, 1);
	truth[id] += bytes;
}

/* Every guarantee of the sketch, against truth[]; total is every byte. */
static void check_sketch(const struct agg *t, uint64_t total, const char *what)
{
	const struct agg_sketch *s = agg_sketch_of(t, AK_SRC);
	uint64_t min = agg_sketch_min(s), sum = 0;
	unsigned bad = 0, missing = 0;
	static bool held[NKEYS];

	memset(held, 0, sizeof(held));
	CHECK_EQ(s->total, total);
	CHECK(min * s->k <= total);
	for (uint32_t i = 0; i < s->n; i++) {
		const struct agg_entry *e = &s->node[i];
		uint32_t id = id_of(&e->k);
		sum += e->v[AV_BYTES];
		held[id] = true;
		if (!(e->v[AV_BYTES] - e->err <= truth[id] && truth[id] <= e->v[AV_BYTES] &&
		      e->err <= min && e->err <= e->v[AV_BYTES]))
			bad++;
	}
	CHECK_EQ(sum, total);
	for (uint32_t id = 0; id < NKEYS; id++) {
		if (truth[id] * s->k > total && !held[id])
			missing++;
		if (!held[id] && truth[id] > min)
			missing++;
	}
	if (bad || missing)
		fprintf(stderr, "%s: %u counts outside their bounds, %u heavy keys missing\n", what,
		        bad, missing);
	CHECK_EQ(bad, 0);
	CHECK_EQ(missing, 0);
}

/* A skewed stream (a few keys carry most bytes) in random order. */
static void test_skewed(void)
{
	struct agg t;
	uint64_t seed = 12345, total = 0;

	memset(truth, 0, sizeof(truth));
	CHECK(agg_init(&t, 1024, 64, 7) == 0);
	for (int i = 0; i < 200000; i++) {
		uint64_t r = rnd(&seed);
		/* key 0..9 with probability 1/2, else any of NKEYS */
		uint32_t id = (r & 1) ? (uint32_t)(r >> 8) % 10 : (uint32_t)(r >> 8) % NKEYS;
		uint64_t b = 40 + (r >> 40) % 1460;
		add(&t, id, b);
		total += b;
	}
	check_sketch(&t, total, "skewed");
	CHECK(agg_sketch_of(&t, AK_SRC)->evictions > 0);
	/* the top 10 are the ten heavy keys */
	{
		struct agg_entry *top[10];
		unsigned heavy = 0;
		CHECK_EQ(agg_top(&t, AK_SRC, top, 10), 10);
		for (int i = 0; i < 10; i++) {
			heavy += id_of(&top[i]->k) < 10;
			if (i > 0)
				CHECK(top[i - 1]->v[AV_BYTES] >= top[i]->v[AV_BYTES]);
		}
		CHECK_EQ(heavy, 10);
	}
	agg_free(&t);
}

/* The heavy keys come last, after a flood of distinct keys has filled the
 * sketch and raised its minimum. */
static void test_late_heavy(void)
{
	struct agg t;
	uint64_t total = 0;

	memset(truth, 0, sizeof(truth));
	CHECK(agg_init(&t, 1024, 100, 8) == 0);
	for (uint32_t id = 10; id < NKEYS; id++) {
		add(&t, id, 1000);
		total += 1000;
	}
	for (int round = 0; round < 50; round++)
		for (uint32_t id = 0; id < 5; id++) {
			add(&t, id, 100000 * (5 - id));
			total += 100000 * (5 - id);
		}
	check_sketch(&t, total, "late heavy");
	{
		struct agg_entry *top[5];
		CHECK_EQ(agg_top(&t, AK_SRC, top, 5), 5);
		for (uint32_t i = 0; i < 5; i++) {
			CHECK_EQ(id_of(&top[i]->k), i);
			CHECK(top[i]->err > 0);          /* they took counters over */
			CHECK(top[i]->err * 100 <= total);
		}
	}
	agg_free(&t);
}

/* No more keys than counters: every count exact. */
static void test_exact_when_few(void)
{
	struct agg t;
	struct agg_entry *top[64];
	uint64_t total = 0;

	memset(truth, 0, sizeof(truth));
	CHECK(agg_init(&t, 1024, 64, 9) == 0);
	for (int i = 0; i < 10000; i++) {
		add(&t, (uint32_t)(i * 7) % 64, (uint64_t)i);
		total += (uint64_t)i;
	}
	check_sketch(&t, total, "few");
	CHECK_EQ(agg_top(&t, AK_SRC, top, 64), 64);
	for (int i = 0; i < 64; i++) {
		CHECK_EQ(top[i]->err, 0);
		CHECK_EQ(top[i]->v[AV_BYTES], truth[id_of(&top[i]->k)]);
		CHECK_EQ(top[i]->v[AV_FLOWS], 10000 / 64 + (id_of(&top[i]->k) * 55 % 64 < 10000 % 64));
	}
	agg_free(&t);
}

/* The chain: a coarser table's sketch takes every update of the finer one
 * and keeps it across the finer one's clear; the exact tables are merged. */
static void test_chain(void)
{
	struct agg fine, coarse;
	struct agg_key k;
	struct agg_entry *top[2];

	CHECK(agg_init(&fine, 1024, 16, 1) == 0);
	CHECK(agg_init(&coarse, 1024, 16, 2) == 0);
	agg_chain(&fine, &coarse);
	memset(truth, 0, sizeof(truth));
	add(&fine, 1, 100);
	agg_key_routers(&k, AK_TOTAL, 0, 0);
	agg_add(&fine, &k, 100, 1, 1);
	agg_merge(&coarse, &fine);
	agg_clear(&fine);
	add(&fine, 1, 50);
	add(&fine, 2, 10);
	agg_add(&fine, &k, 60, 2, 2);
	CHECK_EQ(agg_top(&fine, AK_SRC, top, 2), 2);
	CHECK_EQ(top[0]->v[AV_BYTES], 50);
	agg_merge(&coarse, &fine);
	CHECK_EQ(agg_top(&coarse, AK_SRC, top, 2), 2);
	CHECK_EQ(id_of(&top[0]->k), 1);
	CHECK_EQ(top[0]->v[AV_BYTES], 150);
	CHECK_EQ(top[1]->v[AV_BYTES], 10);
	CHECK_EQ(agg_sketch_of(&coarse, AK_SRC)->total, 160);
	CHECK_EQ(agg_top(&coarse, AK_TOTAL, top, 1), 1);
	CHECK_EQ(top[0]->v[AV_BYTES], 160);
	agg_free(&fine);
	agg_free(&coarse);
}

/* The exact table: beyond max_keys a link is refused and counted; the
 * total and the reasons still fit; a table that held many keys shrinks
 * once an interval holds few. */
static void test_exact_bound(void)
{
	struct agg t;
	struct agg_key k;
	size_t big;

	CHECK(agg_init(&t, 5000, 16, 3) == 0);
	for (uint32_t i = 0; i < 6000; i++) {
		agg_key_routers(&k, AK_LINK, i, i + 1);
		if (i < 5000)
			CHECK(agg_add(&t, &k, 1, 1, 1) != NULL);
		else
			CHECK(agg_add(&t, &k, 1, 1, 1) == NULL);
	}
	CHECK_EQ(t.n, 5000);
	CHECK_EQ(t.overflow, 1000);
	agg_key_routers(&k, AK_TOTAL, 0, 0);
	CHECK(agg_add(&t, &k, 1, 1, 1) != NULL);
	agg_key_routers(&k, AK_UNROUTED, 3, 0);
	CHECK(agg_add(&t, &k, 1, 1, 1) != NULL);
	big = t.cap;
	CHECK(big >= 16384);
	agg_clear(&t);
	CHECK_EQ(t.cap, big);               /* held 5002 keys: kept */
	agg_key_routers(&k, AK_TOTAL, 0, 0);
	agg_add(&t, &k, 1, 1, 1);
	agg_clear(&t);
	CHECK_EQ(t.cap, 1024);              /* held one: back to the start */
	CHECK_EQ(t.n, 0);
	CHECK_EQ(t.overflow, 0);
	agg_free(&t);
}

/* Sums stop at INT64_MAX, in the sketch and the exact table. */
static void test_saturation(void)
{
	struct agg t;
	struct agg_key k;
	struct agg_entry *e;

	CHECK(agg_init(&t, 1024, 4, 4) == 0);
	host_key(&k, 1);
	agg_add(&t, &k, AGG_SUM_MAX - 10, 1, 1);
	e = agg_add(&t, &k, 100, 1, 1);
	CHECK_EQ(e->v[AV_BYTES], AGG_SUM_MAX);
	CHECK_EQ(agg_sketch_of(&t, AK_SRC)->total, AGG_SUM_MAX);
	agg_key_routers(&k, AK_TOTAL, 0, 0);
	agg_add(&t, &k, AGG_SUM_MAX, 1, 1);
	e = agg_add(&t, &k, AGG_SUM_MAX, 1, 1);
	CHECK_EQ(e->v[AV_BYTES], AGG_SUM_MAX);
	CHECK_EQ(e->v[AV_PACKETS], 2);
	e->v[AV_LOST] -= 5;                  /* lost is modular */
	CHECK_EQ((int64_t)e->v[AV_LOST], -5);
	CHECK_EQ(t.saturated, 3);
	agg_free(&t);
}

int main(void)
{
	test_skewed();
	test_late_heavy();
	test_exact_when_few();
	test_chain();
	test_exact_bound();
	test_saturation();
	return check_done("test_agg");
}
