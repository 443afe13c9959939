/*
 * Aggregation tables (see agg.h).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "agg.h"
#include "hash.h"

/* Room kept above max_keys for the kinds that are never folded. */
#define AGG_RESERVE 65536

int agg_init(struct agg *t, size_t max_keys, uint64_t seed)
{
	memset(t, 0, sizeof(*t));
	t->max_keys = max_keys ? max_keys : 1;
	t->seed = seed;
	t->cap = 1024;
	t->e = calloc(t->cap, sizeof(*t->e));
	return t->e ? 0 : -1;
}

void agg_free(struct agg *t)
{
	free(t->e);
	memset(t, 0, sizeof(*t));
}

void agg_clear(struct agg *t)
{
	memset(t->e, 0, t->cap * sizeof(*t->e));
	t->n = 0;
	t->overflow = 0;
	t->saturated = 0;
}

_Static_assert(sizeof(struct agg_key) == 32, "agg_key is four words");

/* Keys are equal: four word compares, no call. */
static inline bool key_eq(const struct agg_key *x, const struct agg_key *y)
{
	uint64_t a[4], b[4];

	memcpy(a, x, sizeof(a));
	memcpy(b, y, sizeof(b));
	return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3])) == 0;
}

static inline size_t slot_of(const struct agg *t, const struct agg_key *k)
{
	size_t i = (size_t)hash_words(k, sizeof(*k), t->seed) & (t->cap - 1);

	while (t->e[i].k.kind != 0 && !key_eq(&t->e[i].k, k))
		i = (i + 1) & (t->cap - 1);
	return i;
}

static int grow(struct agg *t)
{
	struct agg_entry *old = t->e;
	size_t oldcap = t->cap;

	t->cap *= 2;
	if ((t->e = calloc(t->cap, sizeof(*t->e))) == NULL) {
		t->e = old;
		t->cap = oldcap;
		return -1;
	}
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].k.kind != 0)
			t->e[slot_of(t, &old[i].k)] = old[i];
	free(old);
	return 0;
}

static bool foldable(uint8_t kind)
{
	return kind == AK_SRC || kind == AK_DSTPFX;
}

struct agg_entry *agg_add(struct agg *t, const struct agg_key *k, uint64_t bytes,
                          uint64_t packets, uint64_t flows)
{
	struct agg_key other;
	struct agg_entry *e;
	size_t i = slot_of(t, k);

	if (t->e[i].k.kind == 0) {
		size_t limit = foldable(k->kind) ? t->max_keys : t->max_keys + AGG_RESERVE;
		if (t->n >= limit) {
			/* full: a host or prefix goes to its kind's "other" */
			if (!foldable(k->kind))
				return NULL;
			memset(&other, 0, sizeof(other));
			other.kind = k->kind;
			t->overflow++;
			k = &other;
			i = slot_of(t, k);
		}
		if (t->e[i].k.kind == 0) {
			if ((t->n + 1) * 2 > t->cap) {
				if (grow(t) < 0)
					return NULL;
				i = slot_of(t, k);
			}
			t->e[i].k = *k;
			t->n++;
		}
	}
	e = &t->e[i];
	e->v[AV_BYTES] = agg_sat_add(e->v[AV_BYTES], bytes, &t->saturated);
	e->v[AV_PACKETS] = agg_sat_add(e->v[AV_PACKETS], packets, &t->saturated);
	e->v[AV_FLOWS] = agg_sat_add(e->v[AV_FLOWS], flows, &t->saturated);
	return e;
}

void agg_merge(struct agg *dst, const struct agg *src)
{
	for (size_t i = 0; i < src->cap; i++) {
		const struct agg_entry *s = &src->e[i];
		struct agg_entry *d;
		if (s->k.kind == 0)
			continue;
		d = agg_add(dst, &s->k, s->v[AV_BYTES], s->v[AV_PACKETS], s->v[AV_FLOWS]);
		if (d == NULL)
			continue;
		d->v[AV_LOST] += s->v[AV_LOST];
		if (s->has_templates && s->last_ms >= d->last_ms) {
			d->templates = s->templates;
			d->has_templates = true;
		}
		if (s->last_ms > d->last_ms)
			d->last_ms = s->last_ms;
	}
	dst->overflow += src->overflow;
}

void agg_key_routers(struct agg_key *k, enum agg_kind kind, uint32_t a, uint32_t b)
{
	memset(k, 0, sizeof(*k));
	k->kind = (uint8_t)kind;
	k->a = a;
	k->b = b;
}

void agg_key_addr(struct agg_key *k, enum agg_kind kind, int af, const union anm_addr *a,
                  uint8_t plen)
{
	memset(k, 0, sizeof(*k));
	k->kind = (uint8_t)kind;
	k->af = (uint8_t)af;
	k->plen = plen;
	if (a)
		k->addr = *a;
}

static int by_bytes_desc(const void *x, const void *y)
{
	const struct agg_entry *a = *(struct agg_entry *const *)x;
	const struct agg_entry *b = *(struct agg_entry *const *)y;

	if (a->v[AV_BYTES] != b->v[AV_BYTES])
		return a->v[AV_BYTES] > b->v[AV_BYTES] ? -1 : 1;
	return memcmp(&a->k, &b->k, sizeof(a->k));
}

size_t agg_top(const struct agg *t, enum agg_kind kind, struct agg_entry **out, size_t n)
{
	struct agg_entry **all;
	size_t m = 0;

	if (n == 0)
		return 0;
	for (size_t i = 0; i < t->cap; i++)
		if (t->e[i].k.kind == kind)
			m++;
	if (m == 0 || (all = malloc(m * sizeof(*all))) == NULL)
		return 0;
	m = 0;
	for (size_t i = 0; i < t->cap; i++)
		if (t->e[i].k.kind == kind)
			all[m++] = &t->e[i];
	qsort(all, m, sizeof(*all), by_bytes_desc);
	if (m > n)
		m = n;
	memcpy(out, all, m * sizeof(*out));
	free(all);
	return m;
}
