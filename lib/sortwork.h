/*
 * What lib's topology builders share to order their arrays and to count
 * their cost (topo.c, topo6.c, topolive.c): a three-way compare step, the
 * comparisons a sort or a binary search spends, growing and sorting arrays.
 */
#ifndef ANEMONE_SORTWORK_H
#define ANEMONE_SORTWORK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* In a qsort comparator: return the order of x and y if they differ. */
#define CMP(x, y) do { if ((x) != (y)) return (x) < (y) ? -1 : 1; } while (0)

/* ceil(log2 n), at least 1: the comparisons a sort spends per element, or
 * a binary search in all. */
static inline unsigned lg(uint64_t n)
{
	unsigned k = 1;

	while (k < 63 && (1ull << k) < n)
		k++;
	return k;
}

#define SORT_WORK(n) ((uint64_t)(n) * lg(n))

/* Grow the array at *pp (element size sz, capacity *cap) to hold n + 1
 * elements, doubling; false (the array untouched) when memory ran out. */
static inline bool sw_grow(void *pp, unsigned *cap, unsigned n, size_t sz)
{
	void **p = pp, *q;
	unsigned c;

	if (n < *cap)
		return true;
	c = *cap ? *cap * 2 : 32;
	if ((q = realloc(*p, (size_t)c * sz)) == NULL)
		return false;
	*p = q;
	*cap = c;
	return true;
}

/* qsort, which must not be given a NULL array, even empty. */
static inline void sw_sort(void *base, unsigned n, size_t sz,
                           int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, sz, cmp);
}

#endif
