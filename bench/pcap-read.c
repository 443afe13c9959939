/*
 * pcap-read: the "libpcap alone" baseline.  Reads a capture file to the end
 * with pcap_dispatch, touches the first bytes of every frame (so the data is
 * really read) and prints the packet count and a checksum of those bytes.
 *
 *   pcap-read FILE
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

struct acc {
	uint64_t packets;
	uint64_t sum;
};

static void cb(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct acc *a = (struct acc *)user;
	a->packets++;
	if (h->caplen >= 34)   /* Ethernet + IPv4 source/destination */
		a->sum += bytes[12] ^ bytes[26] ^ bytes[30] ^ bytes[33];
}

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	struct acc a = { 0, 0 };
	pcap_t *p;
	int n;

	if (argc != 2) {
		fprintf(stderr, "usage: pcap-read FILE\n");
		return 2;
	}
	if ((p = pcap_open_offline(argv[1], err)) == NULL) {
		fprintf(stderr, "pcap-read: %s\n", err);
		return 1;
	}
	while ((n = pcap_dispatch(p, 4096, cb, (u_char *)&a)) > 0)
		;
	if (n < 0) {
		fprintf(stderr, "pcap-read: %s\n", pcap_geterr(p));
		return 1;
	}
	pcap_close(p);
	fprintf(stderr, "pcap-read: packets=%llu sum=%llu\n",
	        (unsigned long long)a.packets, (unsigned long long)a.sum);
	return 0;
}
