/*
 * Seeded 64-bit hash for fixed-size keys whose length is a multiple of 8.
 * Pairs of words are folded in with a 64x64->128 multiply; the seed is chosen
 * at start-up so that traffic crafted to collide in one process does not
 * collide in another.  Cost: one multiply per 16 bytes of key, plus one.
 */
#ifndef ANEMONE_HASH_H
#define ANEMONE_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t hash_fold(uint64_t a, uint64_t b)
{
	__uint128_t p = (__uint128_t)a * b;
	return (uint64_t)p ^ (uint64_t)(p >> 64);
}

static inline uint64_t hash_words(const void *key, size_t len, uint64_t seed)
{
	static const uint64_t k[2] = { 0xa0761d6478bd642full, 0xe7037ed1a0b428dbull };
	const uint8_t *p = key;
	uint64_t h = seed ^ len;
	size_t i = 0;

	/* 16 bytes a step, as one 64x64 multiply of the two halves (each mixed
	 * with seed-derived constants): the steps are independent, so the
	 * multiplies overlap in the pipeline. */
	for (; i + 16 <= len; i += 16) {
		uint64_t a, b;
		memcpy(&a, p + i, 8);
		memcpy(&b, p + i + 8, 8);
		h ^= hash_fold(a ^ k[0] ^ seed, b ^ k[1] ^ (seed >> 7 | seed << 57));
	}
	if (i + 8 <= len) {
		uint64_t a;
		memcpy(&a, p + i, 8);
		h ^= hash_fold(a ^ k[0] ^ seed, k[1]);
	}
	return hash_fold(h ^ k[0], k[1] ^ seed);
}

#endif
