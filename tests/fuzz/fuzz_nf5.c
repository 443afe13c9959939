/*
 * libFuzzer target for the NetFlow v5 decoder.
 *
 * Besides looking for crashes and out-of-bounds reads, it checks two
 * properties: a rejected datagram yields no records, and an accepted one
 * re-encodes to the same bytes (apart from the pad bytes, which the encoder
 * always writes as zero).
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Ilib \
 *         tests/fuzz/fuzz_nf5.c lib/nf5.c -o fuzz_nf5
 *   ./fuzz_nf5 tests/fuzz/corpus/nf5
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nf5.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nf5_header h;
	struct nf5_record recs[NF5_MAX_RECORDS];
	uint8_t out[NF5_MAX_LEN];
	size_t n = 12345, i, len;
	int rc = nf5_decode(data, size, &h, recs, NF5_MAX_RECORDS, &n);

	if (rc != NF5_OK) {
		if (n != 0 || rc > 0)
			abort();
		return 0;
	}
	if (n < 1 || n > NF5_MAX_RECORDS || n != h.count ||
	    size != NF5_HEADER_LEN + n * NF5_RECORD_LEN)
		abort();

	len = nf5_encode_header(out, &h);
	for (i = 0; i < n; i++)
		len += nf5_encode_record(out + len, &recs[i]);
	if (len != size)
		abort();
	for (i = 0; i < n; i++) {
		uint8_t *r = out + NF5_HEADER_LEN + i * NF5_RECORD_LEN;
		const uint8_t *in = data + NF5_HEADER_LEN + i * NF5_RECORD_LEN;

		/* the pads the decoder reported must be the input's */
		if (recs[i].pad1 != in[36] ||
		    recs[i].pad2 != (uint16_t)(in[46] << 8 | in[47]))
			abort();
		r[36] = in[36];
		r[46] = in[46];
		r[47] = in[47];
	}
	if (memcmp(out, data, size) != 0)
		abort();
	return 0;
}
