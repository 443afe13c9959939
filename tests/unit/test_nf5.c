/*
 * NetFlow v5: codec round trip, decoder rejection of malformed datagrams,
 * and the encoder (batching, sequence numbers, time arithmetic, counter
 * splitting, sampling field, hold timer) through a fake sender.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "check.h"
#include "export.h"
#include "fake_sender.h"
#include "nf5.h"

#define BOOT_MS 1700000000000ull          /* 2023-11-14T22:13:20Z */

static struct nf5_record sample_record(unsigned i)
{
	struct nf5_record r;

	memset(&r, 0, sizeof(r));
	r.srcaddr = 0xc0000201u + i;          /* 192.0.2.1 + i */
	r.dstaddr = 0xc6336401u;              /* 198.51.100.1 */
	r.nexthop = 0xcb007101u;              /* 203.0.113.1 */
	r.input = (uint16_t)(3 + i);
	r.output = 65535;
	r.dPkts = 0xfffffffeu - i;
	r.dOctets = 0x80000001u;
	r.first = 0x01020304u;
	r.last = 0xfffffff0u;
	r.srcport = 0xabcd;
	r.dstport = 443;
	r.tcp_flags = 0x1b;
	r.prot = 6;
	r.tos = 0xb8;
	r.src_as = 64512;
	r.dst_as = 23456;
	r.src_mask = 24;
	r.dst_mask = 32;
	return r;
}

static int record_eq(const struct nf5_record *a, const struct nf5_record *b)
{
	return a->srcaddr == b->srcaddr && a->dstaddr == b->dstaddr &&
	       a->nexthop == b->nexthop && a->input == b->input &&
	       a->output == b->output && a->dPkts == b->dPkts &&
	       a->dOctets == b->dOctets && a->first == b->first &&
	       a->last == b->last && a->srcport == b->srcport &&
	       a->dstport == b->dstport && a->tcp_flags == b->tcp_flags &&
	       a->prot == b->prot && a->tos == b->tos &&
	       a->src_as == b->src_as && a->dst_as == b->dst_as &&
	       a->src_mask == b->src_mask && a->dst_mask == b->dst_mask;
}

/* Build a datagram of n sample records; returns its length. */
static size_t build(uint8_t *buf, unsigned n)
{
	struct nf5_header h = {
		.version = 5, .count = (uint16_t)n, .sys_uptime = 0x11223344u,
		.unix_secs = 1700000123u, .unix_nsecs = 999000000u,
		.flow_sequence = 0xfffffff0u, .engine_type = 1, .engine_id = 2,
		.sampling_interval = 0x4064,
	};
	size_t len = nf5_encode_header(buf, &h);
	unsigned i;

	for (i = 0; i < n; i++) {
		struct nf5_record r = sample_record(i);
		len += nf5_encode_record(buf + len, &r);
	}
	return len;
}

static void test_roundtrip(void)
{
	uint8_t buf[NF5_MAX_LEN];
	struct nf5_header h;
	struct nf5_record recs[NF5_MAX_RECORDS];
	size_t len, n = 99, i;
	struct nf5_record r = sample_record(0);

	/* byte layout of the header and of one record, checked by hand */
	len = build(buf, 1);
	CHECK_EQ(len, NF5_HEADER_LEN + NF5_RECORD_LEN);
	CHECK(buf[0] == 0 && buf[1] == 5 && buf[2] == 0 && buf[3] == 1);
	CHECK(buf[4] == 0x11 && buf[7] == 0x44);
	CHECK(buf[16] == 0xff && buf[19] == 0xf0);
	CHECK(buf[20] == 1 && buf[21] == 2 && buf[22] == 0x40 && buf[23] == 0x64);
	CHECK(buf[24] == 192 && buf[25] == 0 && buf[26] == 2 && buf[27] == 1);
	CHECK(buf[24 + 36] == 0 && buf[24 + 37] == 0x1b && buf[24 + 38] == 6);
	CHECK(buf[24 + 46] == 0 && buf[24 + 47] == 0);

	/* pads are written as zero whatever the struct holds */
	r.pad1 = 0xff;
	r.pad2 = 0xffff;
	nf5_encode_record(buf + 24, &r);
	CHECK(buf[24 + 36] == 0 && buf[24 + 46] == 0 && buf[24 + 47] == 0);

	len = build(buf, NF5_MAX_RECORDS);
	CHECK_EQ(len, NF5_MAX_LEN);
	CHECK_EQ(nf5_decode(buf, len, &h, recs, NF5_MAX_RECORDS, &n), NF5_OK);
	CHECK_EQ(n, NF5_MAX_RECORDS);
	CHECK_EQ(h.version, 5);
	CHECK_EQ(h.count, 30);
	CHECK_EQ(h.sys_uptime, 0x11223344u);
	CHECK_EQ(h.unix_secs, 1700000123u);
	CHECK_EQ(h.unix_nsecs, 999000000u);
	CHECK_EQ(h.flow_sequence, 0xfffffff0u);
	CHECK_EQ(h.engine_type, 1);
	CHECK_EQ(h.engine_id, 2);
	CHECK_EQ(h.sampling_interval, 0x4064);
	for (i = 0; i < n; i++) {
		struct nf5_record want = sample_record((unsigned)i);
		CHECK(record_eq(&recs[i], &want));
		CHECK_EQ(recs[i].pad1, 0);
		CHECK_EQ(recs[i].pad2, 0);
	}
}

static void test_malformed(void)
{
	uint8_t buf[NF5_MAX_LEN + NF5_RECORD_LEN + 1];
	struct nf5_header h;
	struct nf5_record recs[NF5_MAX_RECORDS + 1];
	size_t len, cut, n;
	int rc;

	/* truncated at every length short of a whole 3-record datagram */
	len = build(buf, 3);
	for (cut = 0; cut < len; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);  /* exact size: ASan sees overreads */

		memcpy(copy, buf, cut);
		n = 77;
		rc = nf5_decode(copy, cut, &h, recs, NF5_MAX_RECORDS, &n);
		CHECK(rc == (cut < NF5_HEADER_LEN ? NF5_ERR_SHORT : NF5_ERR_LENGTH));
		CHECK_EQ(n, 0);
		free(copy);
	}

	/* one trailing byte */
	len = build(buf, 3);
	buf[len] = 0;
	CHECK_EQ(nf5_decode(buf, len + 1, &h, recs, NF5_MAX_RECORDS, &n), NF5_ERR_LENGTH);

	/* bad version: 9 and 0 */
	len = build(buf, 3);
	buf[1] = 9;
	CHECK_EQ(nf5_decode(buf, len, &h, recs, NF5_MAX_RECORDS, &n), NF5_ERR_VERSION);
	buf[1] = 0;
	CHECK_EQ(nf5_decode(buf, len, &h, recs, NF5_MAX_RECORDS, &n), NF5_ERR_VERSION);

	/* count 0, with and without record bytes after the header */
	len = build(buf, 1);
	buf[2] = 0;
	buf[3] = 0;
	CHECK_EQ(nf5_decode(buf, NF5_HEADER_LEN, &h, recs, NF5_MAX_RECORDS, &n), NF5_ERR_COUNT);
	CHECK_EQ(nf5_decode(buf, len, &h, recs, NF5_MAX_RECORDS, &n), NF5_ERR_COUNT);

	/* count 31 with 31 records' worth of bytes */
	len = build(buf, NF5_MAX_RECORDS);
	memcpy(buf + len, buf + NF5_HEADER_LEN, NF5_RECORD_LEN);
	len += NF5_RECORD_LEN;
	buf[3] = 31;
	CHECK_EQ(nf5_decode(buf, len, &h, recs, NF5_MAX_RECORDS + 1, &n), NF5_ERR_COUNT);
	buf[2] = 0x80;          /* count 0x801f */
	CHECK_EQ(nf5_decode(buf, len, &h, recs, NF5_MAX_RECORDS + 1, &n), NF5_ERR_COUNT);

	/* count disagrees with the bytes: says 2 with 3 records, 4 with 3 */
	len = build(buf, 3);
	buf[3] = 2;
	CHECK_EQ(nf5_decode(buf, len, &h, recs, NF5_MAX_RECORDS, &n), NF5_ERR_LENGTH);
	buf[3] = 4;
	CHECK_EQ(nf5_decode(buf, len, &h, recs, NF5_MAX_RECORDS, &n), NF5_ERR_LENGTH);

	/* caller's array too small */
	len = build(buf, 3);
	CHECK_EQ(nf5_decode(buf, len, &h, recs, 2, &n), NF5_ERR_NOSPACE);
	CHECK_EQ(n, 0);
	CHECK_EQ(nf5_decode(buf, len, &h, recs, 3, &n), NF5_OK);
	CHECK_EQ(n, 3);

	CHECK(strcmp(nf5_strerror(NF5_ERR_COUNT), "record count is 0 or above 30") == 0);
	CHECK(strcmp(nf5_strerror(12345), "unknown error") == 0);
}

/* --- encoder ------------------------------------------------------------- */

static struct anm_flow v4flow(unsigned i, uint64_t first_ms, uint64_t last_ms)
{
	struct anm_flow f;
	uint32_t a;

	memset(&f, 0, sizeof(f));
	f.af = AF_INET;
	a = htonl(0x0a000001u + i);
	memcpy(f.src.b, &a, 4);
	a = htonl(0x0a0000feu);
	memcpy(f.dst.b, &a, 4);
	a = htonl(0x0a000101u);
	memcpy(f.nexthop.b, &a, 4);
	f.packets = 10 + i;
	f.octets = 1000 + i;
	f.first_ms = first_ms;
	f.last_ms = last_ms;
	f.in_if = 7;
	f.out_if = 70000;                 /* clamps to 65535 */
	f.src_as = 65001;
	f.dst_as = 4200000000u;           /* 4-byte AS: AS_TRANS */
	f.sport = (uint16_t)(1024 + i);
	f.dport = 53;
	f.proto = 17;
	f.tos = 0x20;
	f.tcp_flags = 0;
	f.src_mask = 8;
	f.dst_mask = 16;
	return f;
}

static struct enc_params params(void)
{
	struct enc_params p;

	memset(&p, 0, sizeof(p));
	p.boot_ms = BOOT_MS;
	p.engine_type = 3;
	p.engine_id = 4;
	p.max_hold_ms = 1000;
	return p;
}

/* Decode message i of s, checking it is a valid v5 datagram. */
static size_t decode_msg(struct sender *s, size_t i, struct nf5_header *h,
                         struct nf5_record *recs)
{
	const struct fake_msg *m = fake_sender_msg(s, i);
	size_t n = 0;

	CHECK(m != NULL);
	if (m == NULL)
		return 0;
	CHECK_EQ(nf5_decode(m->data, m->len, h, recs, NF5_MAX_RECORDS, &n), NF5_OK);
	return n;
}

static void test_encoder_batches(void)
{
	const struct encoder_ops *ops = &nf5_encoder_ops;
	struct sender *s = fake_sender_new(1472, "v5:test");
	struct enc_params p = params();
	struct nf5_header h;
	struct nf5_record recs[NF5_MAX_RECORDS];
	char err[128];
	void *e = ops->open(&p, s, err, sizeof(err));
	uint64_t now = BOOT_MS + 5000123;     /* sysUptime 5000.123 s */
	unsigned i;
	size_t n;

	CHECK(e != NULL);
	for (i = 0; i < 31; i++) {
		struct anm_flow f = v4flow(i, BOOT_MS + 1000 + i, BOOT_MS + 4000000 + i);
		ops->add(e, &f, now);
	}
	CHECK_EQ(fake_sender_count(s), 1);              /* 30 went at once */
	ops->flush(e, now + 5);
	CHECK_EQ(fake_sender_count(s), 2);

	n = decode_msg(s, 0, &h, recs);
	CHECK_EQ(n, 30);
	CHECK_EQ(h.flow_sequence, 0);
	CHECK_EQ(h.sys_uptime, 5000123);
	CHECK_EQ(h.unix_secs, (BOOT_MS + 5000123) / 1000);
	CHECK_EQ(h.unix_nsecs, 123000000u);
	CHECK_EQ(h.engine_type, 3);
	CHECK_EQ(h.engine_id, 4);
	CHECK_EQ(h.sampling_interval, 0);
	CHECK_EQ(recs[0].srcaddr, 0x0a000001u);
	CHECK_EQ(recs[29].srcaddr, 0x0a000001u + 29);
	CHECK_EQ(recs[0].dstaddr, 0x0a0000feu);
	CHECK_EQ(recs[0].nexthop, 0x0a000101u);
	CHECK_EQ(recs[5].first, 1005);
	CHECK_EQ(recs[5].last, 4000005);
	CHECK_EQ(recs[5].dPkts, 15);
	CHECK_EQ(recs[5].dOctets, 1005);
	CHECK_EQ(recs[0].input, 7);
	CHECK_EQ(recs[0].output, 65535);
	CHECK_EQ(recs[0].src_as, 65001);
	CHECK_EQ(recs[0].dst_as, 23456);
	CHECK_EQ(recs[0].srcport, 1024);
	CHECK_EQ(recs[0].dstport, 53);
	CHECK_EQ(recs[0].prot, 17);
	CHECK_EQ(recs[0].tos, 0x20);
	CHECK_EQ(recs[0].src_mask, 8);
	CHECK_EQ(recs[0].dst_mask, 16);

	n = decode_msg(s, 1, &h, recs);
	CHECK_EQ(n, 1);
	CHECK_EQ(h.flow_sequence, 30);
	CHECK_EQ(h.sys_uptime, 5000128);
	CHECK_EQ(recs[0].srcaddr, 0x0a000001u + 30);

	CHECK_EQ(ops->stats(e)->records, 31);
	CHECK_EQ(ops->stats(e)->messages, 2);
	CHECK_EQ(ops->stats(e)->skipped, 0);

	/* flush with nothing queued sends nothing */
	ops->flush(e, now + 6);
	CHECK_EQ(fake_sender_count(s), 2);

	/* a lost datagram still advances flow_sequence */
	fake_sender_clear(s);
	fake_sender_fail_next(s, 1);
	{
		struct anm_flow f = v4flow(0, BOOT_MS, BOOT_MS);
		ops->add(e, &f, now);
		ops->flush(e, now);
		ops->add(e, &f, now);
		ops->add(e, &f, now);
		ops->flush(e, now);
	}
	CHECK_EQ(fake_sender_count(s), 2);
	CHECK_EQ(fake_sender_msg(s, 0)->lost, 1);
	decode_msg(s, 0, &h, recs);
	CHECK_EQ(h.flow_sequence, 31);
	decode_msg(s, 1, &h, recs);
	CHECK_EQ(h.flow_sequence, 32);
	CHECK_EQ(ops->stats(e)->records, 34);
	CHECK_EQ(ops->stats(e)->messages, 4);
	CHECK_EQ(sender_stats(s)->errors, 1);

	ops->close(e);
	sender_free(s);
}

static void test_encoder_time_wrap(void)
{
	const struct encoder_ops *ops = &nf5_encoder_ops;
	struct sender *s = fake_sender_new(1472, "v5:test");
	struct enc_params p = params();
	struct nf5_header h;
	struct nf5_record recs[NF5_MAX_RECORDS];
	void *e = ops->open(&p, s, NULL, 0);
	/* 50 days after boot: uptime has wrapped past 2^32 ms (49.7 days) */
	uint64_t now = BOOT_MS + 50ull * 86400000;
	struct anm_flow f = v4flow(0, now - 2000, now - 1000);

	ops->add(e, &f, now);
	ops->flush(e, now);
	decode_msg(s, 0, &h, recs);
	CHECK_EQ(h.sys_uptime, (uint32_t)(50ull * 86400000));
	CHECK_EQ(recs[0].first, (uint32_t)(50ull * 86400000 - 2000));
	CHECK_EQ(recs[0].last, (uint32_t)(50ull * 86400000 - 1000));
	CHECK_EQ((uint32_t)(h.sys_uptime - recs[0].last), 1000);
	ops->close(e);
	sender_free(s);
}

static void test_encoder_skip_and_split(void)
{
	const struct encoder_ops *ops = &nf5_encoder_ops;
	struct sender *s = fake_sender_new(1472, "v5:test");
	struct enc_params p = params();
	struct nf5_header h;
	struct nf5_record recs[NF5_MAX_RECORDS];
	void *e = ops->open(&p, s, NULL, 0);
	uint64_t now = BOOT_MS + 10000;
	struct anm_flow f = v4flow(0, BOOT_MS + 1, BOOT_MS + 2);
	uint64_t pk = 0, oc = 0;
	size_t n, i;

	/* IPv6 cannot be carried */
	f.af = AF_INET6;
	ops->add(e, &f, now);
	CHECK_EQ(ops->stats(e)->skipped, 1);
	ops->flush(e, now);
	CHECK_EQ(fake_sender_count(s), 0);

	/* 10e9 octets in 3 packets: 3 records */
	f = v4flow(0, BOOT_MS + 1, BOOT_MS + 2);
	f.octets = 10000000000ull;
	f.packets = 3;
	ops->add(e, &f, now);
	ops->flush(e, now);
	n = decode_msg(s, 0, &h, recs);
	CHECK_EQ(n, 3);
	for (i = 0; i < n; i++) {
		pk += recs[i].dPkts;
		oc += recs[i].dOctets;
		CHECK_EQ(recs[i].srcaddr, 0x0a000001u);
		CHECK_EQ(recs[i].first, 1);
	}
	CHECK_EQ(pk, 3);
	CHECK_EQ(oc, 10000000000ull);
	CHECK_EQ(recs[0].dOctets, 3333333334u);
	CHECK_EQ(recs[1].dOctets, 3333333333u);

	/* worst case for the remainder: 3 * (2^32-1) - 1 octets */
	fake_sender_clear(s);
	f.octets = 3ull * UINT32_MAX - 1;
	f.packets = (uint64_t)UINT32_MAX + 1;   /* needs 2 by packets, 3 by octets */
	ops->add(e, &f, now);
	ops->flush(e, now);
	n = decode_msg(s, 0, &h, recs);
	CHECK_EQ(n, 3);
	pk = oc = 0;
	for (i = 0; i < n; i++) {
		pk += recs[i].dPkts;
		oc += recs[i].dOctets;
	}
	CHECK_EQ(pk, (uint64_t)UINT32_MAX + 1);
	CHECK_EQ(oc, 3ull * UINT32_MAX - 1);

	/* packets alone over 32 bits; exactly 2^32-1 does not split */
	fake_sender_clear(s);
	f.octets = 100;
	f.packets = 5ull * UINT32_MAX;
	ops->add(e, &f, now);
	f.packets = UINT32_MAX;
	f.octets = UINT32_MAX;
	ops->add(e, &f, now);
	ops->flush(e, now);
	n = decode_msg(s, 0, &h, recs);
	CHECK_EQ(n, 6);
	pk = oc = 0;
	for (i = 0; i < 5; i++) {
		pk += recs[i].dPkts;
		oc += recs[i].dOctets;
		CHECK_EQ(recs[i].dPkts, UINT32_MAX);
		CHECK_EQ(recs[i].dOctets, 20);
	}
	CHECK_EQ(pk, 5ull * UINT32_MAX);
	CHECK_EQ(oc, 100);
	CHECK_EQ(recs[5].dPkts, UINT32_MAX);
	CHECK_EQ(recs[5].dOctets, UINT32_MAX);

	/* zero counters still make one record */
	fake_sender_clear(s);
	f.octets = 0;
	f.packets = 0;
	ops->add(e, &f, now);
	ops->flush(e, now);
	CHECK_EQ(decode_msg(s, 0, &h, recs), 1);

	/* absurd counters are skipped, not split into millions of records */
	fake_sender_clear(s);
	f.octets = UINT64_MAX;
	ops->add(e, &f, now);
	ops->flush(e, now);
	CHECK_EQ(fake_sender_count(s), 0);
	CHECK_EQ(ops->stats(e)->skipped, 2);

	/* a split flow spills over datagram boundaries: 29 queued + 3 */
	fake_sender_clear(s);
	f = v4flow(0, BOOT_MS + 1, BOOT_MS + 2);
	for (i = 0; i < 29; i++)
		ops->add(e, &f, now);
	f.octets = 10000000000ull;
	ops->add(e, &f, now);
	ops->flush(e, now);
	CHECK_EQ(fake_sender_count(s), 2);
	CHECK_EQ(decode_msg(s, 0, &h, recs), 30);
	CHECK_EQ(decode_msg(s, 1, &h, recs), 2);

	ops->close(e);
	sender_free(s);
}

static uint16_t sampling_of(uint32_t rate, enum sampling_mode mode)
{
	const struct encoder_ops *ops = &nf5_encoder_ops;
	struct sender *s = fake_sender_new(1472, "v5:test");
	struct enc_params p = params();
	struct nf5_header h;
	struct nf5_record recs[NF5_MAX_RECORDS];
	struct anm_flow f = v4flow(0, BOOT_MS, BOOT_MS);
	void *e;

	p.sampling = rate;
	p.sampling_mode = mode;
	e = ops->open(&p, s, NULL, 0);
	ops->add(e, &f, BOOT_MS);
	ops->flush(e, BOOT_MS);
	decode_msg(s, 0, &h, recs);
	ops->close(e);
	sender_free(s);
	return h.sampling_interval;
}

static void test_encoder_sampling(void)
{
	CHECK_EQ(sampling_of(0, SAMPLING_NONE), 0);
	CHECK_EQ(sampling_of(1, SAMPLING_DETERMINISTIC), 0);
	CHECK_EQ(sampling_of(100, SAMPLING_DETERMINISTIC), 0x4000 | 100);
	CHECK_EQ(sampling_of(100, SAMPLING_RANDOM), 0x8000 | 100);
	CHECK_EQ(sampling_of(16383, SAMPLING_RANDOM), 0x8000 | 16383);
	CHECK_EQ(sampling_of(4000, SAMPLING_UPSTREAM), 0x8000 | 4000);  /* as random */
	CHECK_EQ(sampling_of(1000000, SAMPLING_DETERMINISTIC), 0x4000 | 16383);
}

static void test_encoder_hold(void)
{
	const struct encoder_ops *ops = &nf5_encoder_ops;
	struct sender *s = fake_sender_new(1472, "v5:test");
	struct enc_params p = params();
	struct nf5_header h;
	struct nf5_record recs[NF5_MAX_RECORDS];
	void *e;
	uint64_t t0 = BOOT_MS + 60000;
	struct anm_flow f = v4flow(0, BOOT_MS, BOOT_MS);

	p.max_hold_ms = 500;
	e = ops->open(&p, s, NULL, 0);
	ops->tick(e, t0);                       /* nothing queued */
	CHECK_EQ(fake_sender_count(s), 0);
	ops->add(e, &f, t0);
	ops->add(e, &f, t0 + 300);
	ops->tick(e, t0 + 499);
	CHECK_EQ(fake_sender_count(s), 0);
	ops->tick(e, t0 + 500);                 /* oldest waited 500 ms */
	CHECK_EQ(fake_sender_count(s), 1);
	CHECK_EQ(decode_msg(s, 0, &h, recs), 2);
	CHECK_EQ(h.sys_uptime, 60500);

	/* the timer restarts with the next record */
	ops->add(e, &f, t0 + 1000);
	ops->tick(e, t0 + 1499);
	CHECK_EQ(fake_sender_count(s), 1);
	/* ->add notices an expired hold too, before queueing its record */
	ops->add(e, &f, t0 + 1600);
	CHECK_EQ(fake_sender_count(s), 2);
	CHECK_EQ(decode_msg(s, 1, &h, recs), 1);
	ops->flush(e, t0 + 1600);
	CHECK_EQ(fake_sender_count(s), 3);
	ops->close(e);

	/* hold 0: flows added at one instant share a datagram; the tick at
	 * that instant sends it, a later ->add sends what was queued */
	fake_sender_clear(s);
	p.max_hold_ms = 0;
	e = ops->open(&p, s, NULL, 0);
	ops->add(e, &f, t0);
	ops->add(e, &f, t0);
	ops->add(e, &f, t0);
	CHECK_EQ(fake_sender_count(s), 0);
	ops->tick(e, t0);
	CHECK_EQ(fake_sender_count(s), 1);
	CHECK_EQ(decode_msg(s, 0, &h, recs), 3);
	ops->add(e, &f, t0 + 1);
	ops->add(e, &f, t0 + 2);
	CHECK_EQ(fake_sender_count(s), 2);
	CHECK_EQ(decode_msg(s, 1, &h, recs), 1);
	ops->close(e);
	sender_free(s);
}

static void test_encoder_small_path(void)
{
	const struct encoder_ops *ops = &nf5_encoder_ops;
	/* IPv6 transport over a 1500-byte MTU: 1452 bytes, 29 records */
	struct sender *s = fake_sender_new(1452, "v5:[2001:db8::1]:2055");
	struct enc_params p = params();
	struct nf5_header h;
	struct nf5_record recs[NF5_MAX_RECORDS];
	struct anm_flow f = v4flow(0, BOOT_MS, BOOT_MS);
	char err[128] = "";
	void *e = ops->open(&p, s, err, sizeof(err));
	unsigned i;

	for (i = 0; i < 30; i++)
		ops->add(e, &f, BOOT_MS);
	CHECK_EQ(fake_sender_count(s), 1);
	CHECK_EQ(decode_msg(s, 0, &h, recs), 29);
	CHECK(fake_sender_msg(s, 0)->len <= 1452);
	ops->close(e);
	sender_free(s);

	s = fake_sender_new(60, "v5:tiny");
	CHECK(ops->open(&p, s, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "too small") != NULL);
	sender_free(s);
}

int main(void)
{
	test_roundtrip();
	test_malformed();
	test_encoder_batches();
	test_encoder_time_wrap();
	test_encoder_skip_and_split();
	test_encoder_sampling();
	test_encoder_hold();
	test_encoder_small_path();
	return check_done("test_nf5");
}
