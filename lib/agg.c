/*
 * Aggregation tables (see agg.h): the exact table of links, pairs,
 * exporters, reasons and the total, and the Space-Saving sketches of source
 * hosts and destination prefixes.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "agg.h"
#include "hash.h"

#define AGG_INIT_CAP 1024
#define AGG_NIL UINT32_MAX

_Static_assert(sizeof(struct agg_key) == 32, "agg_key is four words");

/* Keys are equal: four word compares, no call. */
static inline bool key_eq(const struct agg_key *x, const struct agg_key *y)
{
	uint64_t a[4], b[4];

	memcpy(a, x, sizeof(a));
	memcpy(b, y, sizeof(b));
	return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3])) == 0;
}

/* --- the sketch ------------------------------------------------------------ */

static int sketch_init(struct agg_sketch *s, uint32_t k)
{
	uint32_t nh = 1;

	memset(s, 0, sizeof(*s));
	while (nh < k)
		nh *= 2;
	s->k = k;
	s->mask = nh - 1;
	s->node = calloc(k, sizeof(*s->node));
	s->heap = calloc(k, sizeof(*s->heap));
	s->pos = calloc(k, sizeof(*s->pos));
	s->next = calloc(k, sizeof(*s->next));
	s->head = malloc(nh * sizeof(*s->head));
	if (s->node == NULL || s->heap == NULL || s->pos == NULL || s->next == NULL ||
	    s->head == NULL)
		return -1;
	memset(s->head, 0xff, nh * sizeof(*s->head));
	return 0;
}

static void sketch_free(struct agg_sketch *s)
{
	free(s->node);
	free(s->heap);
	free(s->pos);
	free(s->next);
	free(s->head);
	memset(s, 0, sizeof(*s));
}

/* Forget every key; cost: the chain heads and the counters in use. */
static void sketch_clear(struct agg_sketch *s)
{
	memset(s->head, 0xff, ((size_t)s->mask + 1) * sizeof(*s->head));
	memset(s->node, 0, (size_t)s->n * sizeof(*s->node));
	s->n = 0;
	s->total = 0;
	s->evictions = 0;
}

static inline uint32_t chain_of(const struct agg_sketch *s, const struct agg_key *k,
                                uint64_t seed)
{
	return (uint32_t)hash_words(k, sizeof(*k), seed) & s->mask;
}

static inline uint64_t bytes_at(const struct agg_sketch *s, uint32_t hp)
{
	return s->node[s->heap[hp]].v[AV_BYTES];
}

static inline void heap_set(struct agg_sketch *s, uint32_t hp, uint32_t i)
{
	s->heap[hp] = i;
	s->pos[i] = hp;
}

/* Move the counter at heap place hp up while its parent has more bytes. */
static void sift_up(struct agg_sketch *s, uint32_t hp)
{
	uint32_t i = s->heap[hp];
	uint64_t b = s->node[i].v[AV_BYTES];

	while (hp > 0) {
		uint32_t up = (hp - 1) / 2;
		if (bytes_at(s, up) <= b)
			break;
		heap_set(s, hp, s->heap[up]);
		hp = up;
	}
	heap_set(s, hp, i);
}

/* Move the counter at heap place hp down while a child has fewer bytes
 * (its bytes only grow: this is the only move an update needs). */
static void sift_down(struct agg_sketch *s, uint32_t hp)
{
	uint32_t i = s->heap[hp];
	uint64_t b = s->node[i].v[AV_BYTES];

	for (;;) {
		uint32_t c = 2 * hp + 1;
		if (c >= s->n)
			break;
		if (c + 1 < s->n && bytes_at(s, c + 1) < bytes_at(s, c))
			c++;
		if (bytes_at(s, c) >= b)
			break;
		heap_set(s, hp, s->heap[c]);
		hp = c;
	}
	heap_set(s, hp, i);
}

/*
 * Weighted Space-Saving update of key k.  Cost: one hash chain (average
 * length at most 1), and O(log k) moves in the heap.
 */
static struct agg_entry *sketch_add(struct agg_sketch *s, uint64_t seed,
                                    const struct agg_key *k, uint64_t bytes,
                                    uint64_t packets, uint64_t flows, uint64_t *saturated)
{
	uint32_t h = chain_of(s, k, seed), i;
	struct agg_entry *e;

	s->total = agg_sat_add(s->total, bytes, saturated);
	for (i = s->head[h]; i != AGG_NIL; i = s->next[i])
		if (key_eq(&s->node[i].k, k))
			break;
	if (i != AGG_NIL) {
		e = &s->node[i];
		e->v[AV_BYTES] = agg_sat_add(e->v[AV_BYTES], bytes, saturated);
		e->v[AV_PACKETS] = agg_sat_add(e->v[AV_PACKETS], packets, saturated);
		e->v[AV_FLOWS] = agg_sat_add(e->v[AV_FLOWS], flows, saturated);
		sift_down(s, s->pos[i]);
		return e;
	}
	if (s->n < s->k) {
		/* a free counter */
		i = s->n++;
		e = &s->node[i];
		memset(e, 0, sizeof(*e));
		e->k = *k;
		e->v[AV_BYTES] = bytes > AGG_SUM_MAX ? AGG_SUM_MAX : bytes;
		e->v[AV_PACKETS] = packets > AGG_SUM_MAX ? AGG_SUM_MAX : packets;
		e->v[AV_FLOWS] = flows > AGG_SUM_MAX ? AGG_SUM_MAX : flows;
		s->next[i] = s->head[h];
		s->head[h] = i;
		s->heap[s->n - 1] = i;
		s->pos[i] = s->n - 1;
		sift_up(s, s->n - 1);
		return e;
	}
	/* take over the counter with the fewest bytes: its bytes are the
	 * error of the new key's count */
	i = s->heap[0];
	e = &s->node[i];
	{
		uint32_t *pp = &s->head[chain_of(s, &e->k, seed)];
		while (*pp != i)
			pp = &s->next[*pp];
		*pp = s->next[i];
	}
	s->evictions++;
	e->k = *k;
	e->err = e->v[AV_BYTES];
	e->v[AV_BYTES] = agg_sat_add(e->v[AV_BYTES], bytes, saturated);
	e->v[AV_PACKETS] = packets > AGG_SUM_MAX ? AGG_SUM_MAX : packets;
	e->v[AV_FLOWS] = flows > AGG_SUM_MAX ? AGG_SUM_MAX : flows;
	s->next[i] = s->head[h];
	s->head[h] = i;
	sift_down(s, 0);
	return e;
}

uint64_t agg_sketch_min(const struct agg_sketch *s)
{
	return s->n < s->k ? 0 : s->node[s->heap[0]].v[AV_BYTES];
}

const struct agg_sketch *agg_sketch_of(const struct agg *t, enum agg_kind kind)
{
	return agg_sketched(kind) ? &t->sk[kind == AK_DSTPFX] : NULL;
}

/* --- the exact table ------------------------------------------------------- */

int agg_init(struct agg *t, size_t max_keys, size_t top_k, uint64_t seed)
{
	memset(t, 0, sizeof(*t));
	t->max_keys = max_keys ? max_keys : 1;
	t->seed = seed;
	t->cap = AGG_INIT_CAP;
	if (top_k == 0)
		top_k = AGG_DEFAULT_TOP_K;
	if (top_k > AGG_MAX_TOP_K)
		top_k = AGG_MAX_TOP_K;
	t->e = calloc(t->cap, sizeof(*t->e));
	if (t->e == NULL || sketch_init(&t->sk[0], (uint32_t)top_k) < 0 ||
	    sketch_init(&t->sk[1], (uint32_t)top_k) < 0) {
		agg_free(t);
		return -1;
	}
	return 0;
}

void agg_free(struct agg *t)
{
	free(t->e);
	sketch_free(&t->sk[0]);
	sketch_free(&t->sk[1]);
	memset(t, 0, sizeof(*t));
}

void agg_chain(struct agg *fine, struct agg *coarser)
{
	fine->coarser = coarser;
}

void agg_clear(struct agg *t)
{
	if (t->cap > AGG_INIT_CAP && t->n * 8 < t->cap) {
		size_t cap = AGG_INIT_CAP;
		struct agg_entry *e;
		while (cap < t->n * 4)
			cap *= 2;
		if ((e = calloc(cap, sizeof(*e))) != NULL) {
			free(t->e);
			t->e = e;
			t->cap = cap;
		}
	}
	memset(t->e, 0, t->cap * sizeof(*t->e));
	t->n = 0;
	t->overflow = 0;
	t->saturated = 0;
	sketch_clear(&t->sk[0]);
	sketch_clear(&t->sk[1]);
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

/* The total and the reasons are a few keys whatever the traffic. */
static bool always_fits(uint8_t kind)
{
	return kind == AK_TOTAL || kind == AK_UNROUTED;
}

struct agg_entry *agg_add(struct agg *t, const struct agg_key *k, uint64_t bytes,
                          uint64_t packets, uint64_t flows)
{
	struct agg_entry *e;
	size_t i;

	if (agg_sketched(k->kind)) {
		int w = k->kind == AK_DSTPFX;
		e = sketch_add(&t->sk[w], t->seed, k, bytes, packets, flows, &t->saturated);
		for (struct agg *c = t->coarser; c; c = c->coarser)
			sketch_add(&c->sk[w], c->seed, k, bytes, packets, flows, &c->saturated);
		return e;
	}
	i = slot_of(t, k);
	if (t->e[i].k.kind == 0) {
		if (t->n >= t->max_keys && !always_fits(k->kind)) {
			t->overflow++;
			return NULL;
		}
		if ((t->n + 1) * 2 > t->cap) {
			if (grow(t) < 0)
				return NULL;
			i = slot_of(t, k);
		}
		t->e[i].k = *k;
		t->n++;
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
		if (s->k.kind == 0 || agg_sketched(s->k.kind))
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
	const struct agg_entry *base;
	struct agg_entry **all;
	size_t m = 0, slots;

	if (n == 0)
		return 0;
	if (agg_sketched(kind)) {
		base = t->sk[kind == AK_DSTPFX].node;
		slots = t->sk[kind == AK_DSTPFX].n;
	} else {
		base = t->e;
		slots = t->cap;
	}
	for (size_t i = 0; i < slots; i++)
		if (base[i].k.kind == kind)
			m++;
	if (m == 0 || (all = malloc(m * sizeof(*all))) == NULL)
		return 0;
	m = 0;
	for (size_t i = 0; i < slots; i++)
		if (base[i].k.kind == kind)
			all[m++] = (struct agg_entry *)&base[i];
	qsort(all, m, sizeof(*all), by_bytes_desc);
	if (m > n)
		m = n;
	memcpy(out, all, m * sizeof(*out));
	free(all);
	return m;
}
