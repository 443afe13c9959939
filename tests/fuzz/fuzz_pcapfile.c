/* libFuzzer target for the classic pcap file parser: the input is a whole
 * file; walk every record and check each stays inside the buffer. */
#include <stdint.h>
#include <stdlib.h>

#include "pcapfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pcapfile_hdr h;
	struct pcapfile_rec r;
	size_t off = PCAPFILE_HDR_LEN;
	unsigned sum = 0;

	if (pcapfile_header(data, size, &h) != PCAPF_OK)
		return 0;
	(void)pcapfile_dlt(h.linktype);
	while (pcapfile_record(data, size, off, &h, &r) == PCAPF_OK) {
		if (r.data < data || r.data + r.caplen > data + size || r.next <= off ||
		    r.next > size || r.wirelen < r.caplen)
			abort();
		if (r.caplen)
			sum += r.data[r.caplen - 1];
		off = r.next;
	}
	return (int)(sum & 0);
}
