/*
 * Seeded 64-bit hash for fixed-size keys whose length is a multiple of 8.
 * Each word is folded in with a 64x64->128 multiply; the seed is chosen at
 * start-up so that traffic crafted to collide in one process does not collide
 * in another.  Cost: one multiply per 8 bytes of key.
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
	const uint8_t *p = key;
	uint64_t h = seed ^ 0x9e3779b97f4a7c15ull;

	for (size_t i = 0; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		h = hash_fold(h ^ w, 0xa0761d6478bd642full);
	}
	return hash_fold(h ^ len, 0xe7037ed1a0b428dbull);
}

#endif
