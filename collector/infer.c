/*
 * Observation points inferred from the traffic: see infer.h.
 */
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "infer.h"

struct ient {
	bool used;
	int8_t decided;              /* index in cand, -1: none */
	struct infer_key k;
	uint32_t router;
	struct infer_cand cand[INFER_CANDS];
	uint32_t votes[INFER_CANDS];     /* records whose answers held it */
	uint32_t records;                /* records that voted */
};

/* An answer decided for interfaces of one exporter and domain (ifindex
 * 0 in k): how many. */
struct tent {
	bool used;
	struct infer_key k;
	struct infer_cand c;
	uint32_t count;
};

struct infer {
	struct ient *e;
	struct tent *tk;             /* the answers decided, size slots */
	size_t size;                 /* slots: a power of two, >= 2 x max */
	unsigned max, n, ntk, ndecided;
	uint64_t seed, gen, full;
};

struct infer *infer_new(unsigned max, uint64_t seed)
{
	struct infer *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->max = max ? max : INFER_DEFAULT_MAX;
	for (t->size = 16; t->size < 2 * (size_t)t->max; t->size *= 2)
		;
	t->e = calloc(t->size, sizeof(*t->e));
	t->tk = calloc(t->size, sizeof(*t->tk));
	if (t->e == NULL || t->tk == NULL) {
		free(t->e);
		free(t->tk);
		free(t);
		return NULL;
	}
	t->seed = seed;
	return t;
}

void infer_free(struct infer *t)
{
	if (t == NULL)
		return;
	free(t->e);
	free(t->tk);
	free(t);
}

static bool same_key(const struct infer_key *a, const struct infer_key *b)
{
	return a->af == b->af && a->domain == b->domain && a->ifindex == b->ifindex &&
	       memcmp(&a->addr, &b->addr, sizeof(a->addr)) == 0;
}

/* k's slot: its entry, or the free slot where it goes.  O(1) expected (the
 * table is at most half full). */
static struct ient *slot(const struct infer *t, const struct infer_key *k)
{
	uint64_t w[4] = { (uint64_t)(uint32_t)k->af | (uint64_t)k->domain << 32, 0, 0,
	                  k->ifindex };
	size_t i;

	memcpy(&w[1], &k->addr, sizeof(k->addr));
	i = hash_words(w, sizeof(w), t->seed) & (t->size - 1);
	while (t->e[i].used && !same_key(&t->e[i].k, k))
		i = (i + 1) & (t->size - 1);
	return &t->e[i];
}

static bool same_cand(const struct infer_cand *a, const struct infer_cand *b)
{
	return a->kind == b->kind && a->id == b->id;
}

/* The slot of answer c of k's exporter and domain in the decided answers,
 * or the free one where it goes.  O(1) expected (at most half full). */
static struct tent *tslot(const struct infer *t, const struct infer_key *k,
                          const struct infer_cand *c)
{
	struct infer_key g = *k;
	uint64_t w[4];
	size_t i;

	g.ifindex = 0;
	w[0] = (uint64_t)(uint32_t)g.af | (uint64_t)g.domain << 32;
	memcpy(&w[1], &g.addr, sizeof(g.addr));
	w[3] = (uint64_t)c->kind << 32 | c->id;
	i = hash_words(w, sizeof(w), t->seed ^ 0x7f4a7c15u) & (t->size - 1);
	while (t->tk[i].used && !(same_key(&t->tk[i].k, &g) && same_cand(&t->tk[i].c, c)))
		i = (i + 1) & (t->size - 1);
	return &t->tk[i];
}

static void count_decided(struct infer *t, const struct ient *e, int delta);

/* Rebuild the decided answers from the interfaces (their slots with no
 * interface left fill the table).  O(table). */
static void recount(struct infer *t)
{
	memset(t->tk, 0, t->size * sizeof(*t->tk));
	t->ntk = 0;
	for (size_t i = 0; i < t->size; i++)
		if (t->e[i].used && t->e[i].decided >= 0)
			count_decided(t, &t->e[i], 1);
}

/* Count e's decided answer (delta 1) or forget it (-1).  O(1) expected. */
static void count_decided(struct infer *t, const struct ient *e, int delta)
{
	const struct infer_cand *c = &e->cand[e->decided];
	struct tent *s = tslot(t, &e->k, c);

	if (!s->used) {
		if (delta < 0)
			return;
		if (t->ntk >= t->max) {
			recount(t);          /* (e is counted there when decided) */
			return;
		}
		s->used = true;
		s->k = e->k;
		s->k.ifindex = 0;
		s->c = *c;
		s->count = 0;
		t->ntk++;
	}
	s->count = delta > 0 ? s->count + 1 : s->count > 0 ? s->count - 1 : 0;
}

/* e decides answer i (-1: none), counted.  O(1) expected. */
static void set_decided(struct infer *t, struct ient *e, int i)
{
	if (i == e->decided)
		return;
	if (e->decided >= 0) {
		count_decided(t, e, -1);
		t->ndecided--;
	}
	e->decided = (int8_t)i;
	if (i >= 0) {
		count_decided(t, e, 1);
		t->ndecided++;
	}
	t->gen++;
}

bool infer_taken(const struct infer *t, const struct infer_key *k, const struct infer_cand *c)
{
	const struct tent *s;
	const struct ient *e;
	uint32_t own;

	if (c->kind == IK_EDGE)
		return false;                /* (many interfaces face outside) */
	s = tslot(t, k, c);
	e = slot(t, k);
	own = e->used && e->decided >= 0 && same_cand(&e->cand[e->decided], c);
	return s->used && s->count > own;
}

const struct infer_cand *infer_decided(const struct infer *t, const struct infer_key *k)
{
	const struct ient *e = slot(t, k);

	return e->used && e->decided >= 0 ? &e->cand[e->decided] : NULL;
}

/* Of the answers not decided for another interface of e's exporter (an
 * interface faces one neighbour, one LAN), the one held by
 * INFER_SHARE_PCT % of at least INFER_MIN_VOTES records, and by more
 * records than any other, or -1.  O(INFER_CANDS). */
static int leader(const struct infer *t, const struct ient *e)
{
	int best = -1, second = -1;

	for (int i = 0; i < INFER_CANDS; i++) {
		if (e->votes[i] == 0 || infer_taken(t, &e->k, &e->cand[i]))
			continue;
		if (best < 0 || e->votes[i] > e->votes[best]) {
			second = best;
			best = i;
		} else if (second < 0 || e->votes[i] > e->votes[second]) {
			second = i;
		}
	}
	if (best < 0 || e->votes[best] < INFER_MIN_VOTES ||
	    (uint64_t)e->votes[best] * 100 < (uint64_t)e->records * INFER_SHARE_PCT ||
	    (second >= 0 && e->votes[second] == e->votes[best]))
		return -1;
	return best;
}

/* The slot of answer c in e, taking the least voted one for a new answer
 * (undeciding e if that was its decision).  O(INFER_CANDS). */
static int cand_slot(struct infer *t, struct ient *e, const struct infer_cand *c)
{
	int least = 0;

	for (int i = 0; i < INFER_CANDS; i++) {
		if (e->votes[i] > 0 && same_cand(&e->cand[i], c))
			return i;
		if (e->votes[i] < e->votes[least])
			least = i;
	}
	if (e->decided == least)
		set_decided(t, e, -1);
	e->cand[least] = *c;
	e->votes[least] = 0;
	return least;
}

int infer_vote(struct infer *t, const struct infer_key *k, uint32_t router,
               const struct infer_cand *set, unsigned n)
{
	struct ient *e = slot(t, k);
	int now;

	if (n == 0)
		return 0;
	if (!e->used) {
		if (t->n >= t->max) {
			t->full++;
			return -1;
		}
		memset(e, 0, sizeof(*e));
		e->used = true;
		e->decided = -1;
		e->k = *k;
		t->n++;
	}
	e->router = router;
	{
		unsigned j = 0;
		while (j < n && infer_taken(t, k, &set[j]))
			j++;
		if (j == n)
			return 0;        /* (each answer another interface's: off OSPF's paths) */
	}
	for (unsigned j = 0; j < n; j++)
		e->votes[cand_slot(t, e, &set[j])]++;
	if (++e->records >= INFER_HALVE_AT) {   /* (a leader stays a leader) */
		e->records = (e->records + 1) / 2;
		for (int j = 0; j < INFER_CANDS; j++)
			e->votes[j] = (e->votes[j] + 1) / 2;
	}
	now = leader(t, e);
	if (now < 0 || now == e->decided)
		return 0;
	set_decided(t, e, now);
	return 1;
}

const struct infer_cand *infer_likeliest(const struct infer *t, const struct infer_key *k,
                                         const struct infer_cand *set, unsigned n)
{
	const struct ient *e = slot(t, k);
	int best = -1;
	bool tie = false;

	if (!e->used)
		return NULL;
	for (int i = 0; i < INFER_CANDS; i++) {
		bool in = false;
		for (unsigned j = 0; j < n && !in; j++)
			in = same_cand(&e->cand[i], &set[j]);
		if (!in || e->votes[i] == 0)
			continue;
		if (best < 0 || e->votes[i] > e->votes[best]) {
			best = i;
			tie = false;
		} else if (e->votes[i] == e->votes[best]) {
			tie = true;
		}
	}
	return best < 0 || tie ? NULL : &e->cand[best];
}

unsigned infer_points(const struct infer *t, struct infer_point *out, unsigned max)
{
	unsigned n = 0;

	for (size_t i = 0; i < t->size; i++) {
		const struct ient *e = &t->e[i];
		if (!e->used || e->decided < 0)
			continue;
		if (n < max) {
			out[n] = (struct infer_point){ e->k, e->router, e->cand[e->decided],
			                               e->votes[e->decided], e->records };
		}
		n++;
	}
	return n;
}

uint64_t infer_generation(const struct infer *t)
{
	return t->gen;
}

uint64_t infer_full(const struct infer *t)
{
	return t->full;
}

unsigned infer_decided_count(const struct infer *t)
{
	return t->ndecided;
}
