/*
 * A fake sender for encoder tests: implements the sender_* functions of
 * export.h by recording every message in memory instead of sending it.
 * Tests drive the generation number, the path size and send failures.
 *
 * Link exactly one of fake_sender.c or the real sender.c into a program.
 */
#ifndef ANEMONE_FAKE_SENDER_H
#define ANEMONE_FAKE_SENDER_H

#include <stddef.h>
#include <stdint.h>
#include "export.h"

/* One message handed to sender_send. */
struct fake_msg {
	uint8_t *data;              /* owned by the fake sender */
	size_t len;
	uint64_t now_ms;            /* the now_ms passed to sender_send */
	uint32_t generation;        /* generation current when it was sent */
	int lost;                   /* 1 if the send was made to fail */
};

/* A sender whose sender_max_msg is max_msg and whose generation starts at
 * 1 (a UDP sender, or a connected TCP one).  Never returns NULL (aborts on
 * allocation failure). */
struct sender *fake_sender_new(size_t max_msg, const char *name);

/* Set what sender_generation returns from now on (0 = disconnected). */
void fake_sender_set_generation(struct sender *s, uint32_t gen);

/* Make the next n calls to sender_send fail (return -1, counted as errors
 * and still recorded with lost = 1). */
void fake_sender_fail_next(struct sender *s, unsigned n);

size_t fake_sender_count(const struct sender *s);
const struct fake_msg *fake_sender_msg(const struct sender *s, size_t i);

/* Forget the recorded messages (stats are kept). */
void fake_sender_clear(struct sender *s);

/* Write every recorded, non-lost message back to back to path (an IPFIX
 * file is exactly that).  Returns 0 or -1. */
int fake_sender_write(const struct sender *s, const char *path);

#endif
