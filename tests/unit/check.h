/*
 * Minimal unit-test support: CHECK(cond) records a failure with file:line and
 * carries on; check_done() prints a summary and returns the exit status that
 * automake's test driver expects (0 pass, 1 fail).
 */
#ifndef ANEMONE_CHECK_H
#define ANEMONE_CHECK_H

#include <stdio.h>

static int check_failures, check_count;

#define CHECK(cond) do { \
	check_count++; \
	if (!(cond)) { \
		check_failures++; \
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
	} \
} while (0)

#define CHECK_EQ(a, b) do { \
	unsigned long long check_a_ = (unsigned long long)(a), check_b_ = (unsigned long long)(b); \
	check_count++; \
	if (check_a_ != check_b_) { \
		check_failures++; \
		fprintf(stderr, "%s:%d: check failed: %s == %s (%llu != %llu)\n", \
		        __FILE__, __LINE__, #a, #b, check_a_, check_b_); \
	} \
} while (0)

static inline int check_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, check_count, check_failures);
	return check_failures ? 1 : 0;
}

/* UNDER_ASAN: defined when built with AddressSanitizer (gcc or clang), whose
 * shadow memory and quarantine make memory measurements meaningless */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

#endif
