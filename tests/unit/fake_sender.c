/*
 * Fake sender for encoder unit tests; see fake_sender.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_sender.h"

struct sender {
	char name[64];
	size_t max_msg;
	uint32_t generation;
	unsigned fail_next;
	struct sender_stats stats;
	struct fake_msg *msgs;
	size_t nmsgs, cap;
};

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL) {
		fprintf(stderr, "fake_sender: out of memory\n");
		abort();
	}
	return p;
}

struct sender *fake_sender_new(size_t max_msg, const char *name)
{
	struct sender *s = xmalloc(sizeof(*s));

	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->max_msg = max_msg;
	s->generation = 1;
	return s;
}

void fake_sender_clear(struct sender *s)
{
	size_t i;

	for (i = 0; i < s->nmsgs; i++)
		free(s->msgs[i].data);
	s->nmsgs = 0;
}

void sender_free(struct sender *s)
{
	if (s == NULL)
		return;
	fake_sender_clear(s);
	free(s->msgs);
	free(s);
}

void fake_sender_set_generation(struct sender *s, uint32_t gen)
{
	s->generation = gen;
}

void fake_sender_fail_next(struct sender *s, unsigned n)
{
	s->fail_next = n;
}

size_t fake_sender_count(const struct sender *s)
{
	return s->nmsgs;
}

const struct fake_msg *fake_sender_msg(const struct sender *s, size_t i)
{
	return i < s->nmsgs ? &s->msgs[i] : NULL;
}

int fake_sender_write(const struct sender *s, const char *path)
{
	FILE *fp = fopen(path, "wb");
	size_t i;
	int rc = 0;

	if (fp == NULL)
		return -1;
	for (i = 0; i < s->nmsgs; i++) {
		if (s->msgs[i].lost)
			continue;
		if (fwrite(s->msgs[i].data, 1, s->msgs[i].len, fp) != s->msgs[i].len)
			rc = -1;
	}
	if (fclose(fp) != 0)
		rc = -1;
	return rc;
}

/* --- the export.h sender API --------------------------------------------- */

size_t sender_max_msg(const struct sender *s)
{
	return s->max_msg;
}

uint32_t sender_generation(struct sender *s, uint64_t now_ms)
{
	(void)now_ms;
	return s->generation;
}

int sender_send(struct sender *s, const uint8_t *msg, size_t len, uint64_t now_ms)
{
	struct fake_msg *m;

	if (s->nmsgs == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct fake_msg *n = realloc(s->msgs, cap * sizeof(*n));

		if (n == NULL) {
			fprintf(stderr, "fake_sender: out of memory\n");
			abort();
		}
		s->msgs = n;
		s->cap = cap;
	}
	m = &s->msgs[s->nmsgs++];
	m->data = xmalloc(len);
	memcpy(m->data, msg, len);
	m->len = len;
	m->now_ms = now_ms;
	m->generation = s->generation;
	m->lost = 0;
	if (s->fail_next > 0 || s->generation == 0) {
		if (s->fail_next > 0)
			s->fail_next--;
		m->lost = 1;
		s->stats.errors++;
		return -1;
	}
	s->stats.messages++;
	s->stats.octets += len;
	return 0;
}

const struct sender_stats *sender_stats(const struct sender *s)
{
	return &s->stats;
}

const char *sender_name(const struct sender *s)
{
	return s->name;
}
