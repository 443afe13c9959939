/*
 * libFuzzer target for the route lookup's netlink reply parser
 * (exporter/fib.c, fib_parse).  The first byte picks the family and the
 * sequence number asked; the rest is the datagram.  Besides crashes and
 * out-of-bounds reads it checks that an answer is one of the kinds, that
 * a routed answer has an outgoing interface, and that a rejected datagram
 * gives no answer kind the caller would use.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Ilib -Iexporter \
 *         tests/fuzz/fuzz_fib.c exporter/fib.c -o fuzz_fib
 *   ./fuzz_fib tests/fuzz/corpus/fib
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fib_route r;
	enum fib_status st;
	uint8_t af;

	if (size < 1)
		return 0;
	af = (data[0] & 1) ? AF_INET6 : AF_INET;
	memset(&r, 0xa5, sizeof(r));
	st = fib_parse(data + 1, size - 1, data[0] >> 1, af, &r);
	if (st == FIB_ANSWER && ((r.kind == FIB_ROUTED && r.oif == 0) ||
	                         (r.kind != FIB_ROUTED && r.kind != FIB_LOCAL &&
	                          r.kind != FIB_NO_ROUTE)))
		abort();
	if (st != FIB_ANSWER && st != FIB_NOT_OURS && st != FIB_ERR_TRUNC &&
	    st != FIB_ERR_MALFORMED)
		abort();
	return 0;
}
