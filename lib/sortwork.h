/*
 * What lib's topology builders share to order their arrays and to count
 * their cost (topo.c, topolive.c): a three-way compare step and the
 * comparisons a sort or a binary search spends.
 */
#ifndef ANEMONE_SORTWORK_H
#define ANEMONE_SORTWORK_H

#include <stdint.h>

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

#endif
