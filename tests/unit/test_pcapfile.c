/* Classic pcap file parsing: byte orders, resolutions, damage. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "decode.h"
#include "pcapfile.h"

static size_t put32(uint8_t *p, uint32_t v, int swapped)
{
	if (swapped)
		v = __builtin_bswap32(v);
	memcpy(p, &v, 4);
	return 4;
}

/* A file of n records of `caplen` bytes each (wire length caplen + 10). */
static size_t mkfile(uint8_t *buf, int swapped, int nsec, uint32_t linktype, int n, uint32_t caplen)
{
	size_t o = 0;
	uint16_t v;

	o += put32(buf + o, nsec ? 0xa1b23c4du : 0xa1b2c3d4u, swapped);
	v = swapped ? __builtin_bswap16(2) : 2;
	memcpy(buf + o, &v, 2); o += 2;
	v = swapped ? __builtin_bswap16(4) : 4;
	memcpy(buf + o, &v, 2); o += 2;
	o += put32(buf + o, 0, swapped);
	o += put32(buf + o, 0, swapped);
	o += put32(buf + o, 65535, swapped);
	o += put32(buf + o, linktype, swapped);
	for (int i = 0; i < n; i++) {
		o += put32(buf + o, 1700000000u + (uint32_t)i, swapped);
		o += put32(buf + o, nsec ? 123456789u : 123456u, swapped);
		o += put32(buf + o, caplen, swapped);
		o += put32(buf + o, caplen + 10, swapped);
		memset(buf + o, 0xa0 + i, caplen);
		o += caplen;
	}
	return o;
}

static void test_orders(void)
{
	static uint8_t buf[4096];

	for (int swapped = 0; swapped < 2; swapped++) {
		for (int nsec = 0; nsec < 2; nsec++) {
			size_t len = mkfile(buf, swapped, nsec, 1, 3, 60), off = PCAPFILE_HDR_LEN;
			struct pcapfile_hdr h;
			struct pcapfile_rec r;
			int n = 0;

			CHECK_EQ(pcapfile_header(buf, len, &h), PCAPF_OK);
			CHECK_EQ(h.swapped, swapped);
			CHECK_EQ(h.nsec, nsec);
			CHECK_EQ(h.version_major, 2);
			CHECK_EQ(h.snaplen, 65535);
			CHECK_EQ(h.linktype, 1);
			while (pcapfile_record(buf, len, off, &h, &r) == PCAPF_OK) {
				CHECK_EQ(r.caplen, 60);
				CHECK_EQ(r.wirelen, 70);
				CHECK_EQ(r.ts_ms, (1700000000ull + (unsigned)n) * 1000 + 123);
				CHECK_EQ(r.data[0], 0xa0 + n);
				off = r.next;
				n++;
			}
			CHECK_EQ(n, 3);
			CHECK_EQ(pcapfile_record(buf, len, off, &h, &r), PCAPF_EOF);
		}
	}
}

static void test_damage(void)
{
	static uint8_t buf[4096];
	size_t len = mkfile(buf, 0, 0, 101, 2, 40);
	struct pcapfile_hdr h;
	struct pcapfile_rec r;
	uint32_t big = PCAPFILE_MAX_CAPLEN + 1;

	CHECK_EQ(pcapfile_header(buf, 0, &h), PCAPF_NOT_PCAP);
	CHECK_EQ(pcapfile_header((const uint8_t *)"\x0a\x0d\x0d\x0a\0\0\0\0", 8, &h), PCAPF_NOT_PCAP);
	for (size_t cut = 1; cut < PCAPFILE_HDR_LEN; cut++)
		CHECK_EQ(pcapfile_header(buf, cut, &h), PCAPF_TRUNC);
	CHECK_EQ(pcapfile_header(buf, len, &h), PCAPF_OK);
	CHECK_EQ(pcapfile_dlt(h.linktype), DLT_RAW);
	/* every cut inside the first record is truncation, never a read past */
	for (size_t cut = PCAPFILE_HDR_LEN + 1; cut < PCAPFILE_HDR_LEN + PCAPFILE_REC_LEN + 40; cut++) {
		uint8_t *copy = malloc(cut);
		memcpy(copy, buf, cut);
		CHECK_EQ(pcapfile_record(copy, cut, PCAPFILE_HDR_LEN, &h, &r), PCAPF_TRUNC);
		free(copy);
	}
	CHECK_EQ(pcapfile_record(buf, len, len + 1, &h, &r), PCAPF_TRUNC);
	memcpy(buf + PCAPFILE_HDR_LEN + 8, &big, 4);
	CHECK_EQ(pcapfile_record(buf, len, PCAPFILE_HDR_LEN, &h, &r), PCAPF_BAD_CAPLEN);
	/* wire length below the captured length is raised to it */
	len = mkfile(buf, 0, 0, 1, 1, 40);
	memset(buf + PCAPFILE_HDR_LEN + 12, 0, 4);
	CHECK_EQ(pcapfile_record(buf, len, PCAPFILE_HDR_LEN, &h, &r), PCAPF_OK);
	CHECK_EQ(r.wirelen, 40);
	/* FCS bits above the link type are ignored */
	len = mkfile(buf, 1, 0, 0x14000001u, 1, 40);
	CHECK_EQ(pcapfile_header(buf, len, &h), PCAPF_OK);
	CHECK_EQ(h.linktype, 1);
}

int main(void)
{
	test_orders();
	test_damage();
	CHECK_EQ(pcapfile_dlt(1), DLT_EN10MB);
	CHECK_EQ(pcapfile_dlt(113), DLT_LINUX_SLL);
	CHECK_EQ(pcapfile_dlt(276), DLT_LINUX_SLL2);
	return check_done("test_pcapfile");
}
