/*
 * libFuzzer target for the IPFIX / NetFlow v9 input (collector/ipfix_in.c).
 *
 * The input is a sequence of datagrams, each prefixed by a 2-byte big-endian
 * length (cut short at the end of the input), all fed to one fresh session
 * with small limits, so that templates from one datagram meet data, options
 * records and withdrawals in the next and the limits are reached.
 *
 * Every datagram goes to two sessions of two owners sharing a template
 * memory budget with room for little more than the two sessions, so that
 * templates are evicted all the time, from the other session and from the
 * one reading the datagram (in the middle of its output); the budget's
 * reclaim callback gives up the second session when asked (it is made
 * again for the next datagram), so a session goes while the other reads,
 * and both read through the budget's one libfixbuf reader.  A third
 * session, outside the budget, reads through a reader of its own.
 *
 * Besides crashes and sanitizer reports, it checks that a rejected datagram
 * emits nothing, that libfixbuf never refuses a cleaned message
 * (IPFIX_ERR_DECODE), that every emitted flow is IPv4 or IPv6 with the
 * domain of its datagram, that the domain and template counts stay within
 * the limits, the bytes charged within the budget and back to 0 at the end.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Ilib -Icollector \
 *         tests/fuzz/fuzz_ipfix_in.c collector/ipfix_in.c \
 *         $(pkg-config --cflags --libs libfixbuf) -o fuzz_ipfix_in
 *   ./fuzz_ipfix_in tests/fuzz/corpus/ipfix_in
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ipfix_in.h"

#define MAX_DOMAINS   4
#define MAX_TEMPLATES 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t emitted;
static uint32_t cur_domain;
static struct ipfix_session *s2;        /* given up by give_up() */

static bool give_up(void *ctx, const struct ipfix_session *keep)
{
	(void)ctx;
	if (s2 == NULL || s2 == keep)
		return false;
	ipfix_session_free(s2);
	s2 = NULL;
	return true;
}

static void emit(void *ctx, const struct anm_flow *f, uint32_t domain)
{
	(void)ctx;
	if ((f->af != AF_INET && f->af != AF_INET6) || domain != cur_domain)
		abort();
	emitted++;
}

/* Feed one datagram to s: what it may do (see above).  Aborts otherwise. */
static void feed(struct ipfix_session *s, const uint8_t *copy, size_t len)
{
	int rc;

	emitted = 0;
	rc = ipfix_session_input(s, copy, len, 1700000000000ull, emit, NULL);
	if (rc == IPFIX_ERR_DECODE || rc > 0 || (rc < 0 && emitted != 0))
		abort();
}

static void check_domain(void *ctx, const struct ipfix_domain_stats *st)
{
	(void)ctx;
	if (st->templates_active > MAX_TEMPLATES ||
	    (st->version != 9 && st->version != 10))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipfix_limits lim = { MAX_DOMAINS, MAX_TEMPLATES, 32, 1000, 10, 1000 };
	uint64_t room = 2 * ipfix_session_cost(&lim) + 24000;
	struct ipfix_budget *b = ipfix_budget_new(room, 0);
	const struct ipfix_budget_stats *bs = ipfix_budget_stats(b);
	struct ipfix_owner *oa = ipfix_owner_new(b), *ob = ipfix_owner_new(b);
	struct ipfix_session *s = ipfix_session_new_in(&lim, oa, 1);
	struct ipfix_session *s3 = ipfix_session_new(&lim);
	size_t off = 0;

	ipfix_budget_set_reclaim(b, give_up, NULL);
	s2 = ipfix_session_new_in(&lim, ob, 0);
	if (s == NULL || s2 == NULL || s3 == NULL)
		abort();
	while (size - off >= 2) {
		size_t len = (size_t)data[off] << 8 | data[off + 1];
		uint8_t *copy;

		off += 2;
		if (len > size - off)
			len = size - off;
		/* an exact-size copy, so ASan sees any read past the datagram */
		copy = malloc(len ? len : 1);
		if (copy == NULL)
			abort();
		memcpy(copy, data + off, len);
		off += len;
		emitted = 0;
		cur_domain = 0;
		if (len >= 4 && copy[0] == 0 && copy[1] == 9 && len >= 20)
			cur_domain = (uint32_t)copy[16] << 24 | (uint32_t)copy[17] << 16 |
			             (uint32_t)copy[18] << 8 | copy[19];
		else if (len >= 16)
			cur_domain = (uint32_t)copy[12] << 24 | (uint32_t)copy[13] << 16 |
			             (uint32_t)copy[14] << 8 | copy[15];
		feed(s, copy, len);
		if (s2 == NULL)                  /* given up: made again */
			s2 = ipfix_session_new_in(&lim, ob, 0);
		if (s2 != NULL)
			feed(s2, copy, len);
		feed(s3, copy, len);
		free(copy);
		if (bs->used > bs->limit)
			abort();
	}
	if (ipfix_session_stats(s)->domains > MAX_DOMAINS)
		abort();
	ipfix_session_foreach_domain(s, check_domain, NULL);
	if (s2 != NULL)
		ipfix_session_foreach_domain(s2, check_domain, NULL);
	ipfix_session_foreach_domain(s3, check_domain, NULL);
	ipfix_session_free(s);
	ipfix_session_free(s2);
	s2 = NULL;
	ipfix_session_free(s3);
	if (bs->used != 0 || bs->templates != 0 || bs->sessions != 0 || bs->fb_sessions != 0)
		abort();
	ipfix_owner_free(oa);
	ipfix_owner_free(ob);
	ipfix_budget_free(b);
	return 0;
}
