/*
 * Records two exporters both report: see dedup.h.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dedup.h"
#include "hash.h"

#define WAYS 4

struct dslot {
	uint64_t fp;                 /* 0: free */
	uint64_t t_ms;
	int af;
	union anm_addr addr;
};

struct dedup {
	struct dslot *s;
	size_t buckets;              /* a power of two */
	uint64_t seed;
	/* one exporter's fingerprints, in order, while it is alone (dedup_note) */
	struct { uint64_t fp, t_ms; } *ring;
	size_t rsize, rhead, rcount;
};

struct dedup *dedup_new(size_t records, uint64_t seed)
{
	struct dedup *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	for (d->buckets = 16; d->buckets * WAYS < records; d->buckets *= 2)
		;
	d->rsize = d->buckets * WAYS;
	d->s = calloc(d->buckets * WAYS, sizeof(*d->s));
	d->ring = calloc(d->rsize, sizeof(*d->ring));
	if (d->s == NULL || d->ring == NULL) {
		free(d->s);
		free(d->ring);
		free(d);
		return NULL;
	}
	d->seed = seed;
	return d;
}

void dedup_free(struct dedup *d)
{
	if (d == NULL)
		return;
	free(d->s);
	free(d->ring);
	free(d);
}

void dedup_note(struct dedup *d, uint64_t fp, uint64_t now_ms)
{
	d->ring[d->rhead].fp = fp;
	d->ring[d->rhead].t_ms = now_ms;
	d->rhead = (d->rhead + 1) % d->rsize;
	if (d->rcount < d->rsize)
		d->rcount++;
}

void dedup_load(struct dedup *d, int af, const union anm_addr *addr, uint64_t now_ms,
                uint64_t window_ms)
{
	union anm_addr by;
	int by_af;

	for (size_t k = addr != NULL ? d->rcount : 0; k > 0; k--) {
		size_t i = (d->rhead + d->rsize - k) % d->rsize;
		if (now_ms <= d->ring[i].t_ms + window_ms)
			dedup_check(d, d->ring[i].fp, af, addr, d->ring[i].t_ms, window_ms, &by, &by_af);
	}
	d->rcount = 0;
}

uint64_t dedup_fingerprint(const struct dedup *d, const struct anm_flow *f)
{
	uint64_t w[6];
	uint64_t h;

	memcpy(&w[0], &f->src, 16);
	memcpy(&w[2], &f->dst, 16);
	w[4] = (uint64_t)f->sport << 48 | (uint64_t)f->dport << 32 | (uint64_t)f->proto << 24 |
	       (uint64_t)f->tos << 16 | (uint64_t)f->tcp_flags << 8 | (uint64_t)(f->af & 0xff);
	w[5] = f->octets ^ (f->packets << 40 | f->packets >> 24);
	h = hash_words(w, sizeof(w), d->seed);
	return h ? h : 1;
}

int dedup_check(struct dedup *d, uint64_t fp, int af, const union anm_addr *addr,
                uint64_t now_ms, uint64_t window_ms, union anm_addr *by, int *by_af)
{
	struct dslot *b = &d->s[(fp & (d->buckets - 1)) * WAYS], *old = NULL;
	bool old_fresh = true;

	/* the slot to take: a free or stale one, else the oldest */
	for (int i = 0; i < WAYS; i++) {
		struct dslot *x = &b[i];
		bool fresh = x->fp != 0 && now_ms <= x->t_ms + window_ms;
		if (x->fp == fp && fresh) {
			if (x->af != af || memcmp(&x->addr, addr, sizeof(*addr)) != 0) {
				*by = x->addr;
				*by_af = x->af;
				return 1;
			}
			x->t_ms = now_ms;        /* (the same exporter again) */
			return 0;
		}
		if (old == NULL || (old_fresh && (!fresh || x->t_ms < old->t_ms))) {
			old = x;
			old_fresh = fresh;
		}
	}
	*old = (struct dslot){ fp, now_ms, af, *addr };
	return 0;
}
