/*
 * A growable text buffer for building JSON and log lines.  On allocation
 * failure the buffer is marked failed and further appends are ignored;
 * callers check sbuf_ok() once at the end.
 */
#ifndef ANEMONE_SBUF_H
#define ANEMONE_SBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"

struct sbuf {
	char *p;               /* NUL-terminated once anything was appended */
	size_t len, cap;
	bool failed;
};

#define SBUF_INIT { NULL, 0, 0, false }

void sbuf_printf(struct sbuf *b, const char *fmt, ...) LOG_ATTR(2, 3);
void sbuf_put(struct sbuf *b, const char *s, size_t n);
/* A dotted-quad address (host order) into buf (16 bytes); returns buf. */
char *ip4_format(uint32_t addr, char *buf);
/* A dotted-quad address (host order) in double quotes. */
void sbuf_ipq(struct sbuf *b, uint32_t addr);
/* "a.b.c.d/len" in double quotes. */
void sbuf_prefixq(struct sbuf *b, uint32_t prefix, uint32_t mask);
/* The JSON members "time_ms":N,"time":"YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC). */
void sbuf_time_fields(struct sbuf *b, uint64_t time_ms);
static inline bool sbuf_ok(const struct sbuf *b) { return !b->failed; }
/* The text ("" when empty). */
static inline const char *sbuf_str(const struct sbuf *b) { return b->p ? b->p : ""; }
static inline void sbuf_reset(struct sbuf *b) { b->len = 0; if (b->p) b->p[0] = 0; b->failed = false; }
void sbuf_free(struct sbuf *b);

#endif
