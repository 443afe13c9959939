/*
 * The collector's core without sockets: v5 sequence tracking (gaps, late
 * datagrams, the wrap at 2^32, restarts, engines), sampling, the allow-list,
 * versions a listener does not take, the bounded exporter table, what
 * lands in the interval's aggregation table, and records whose counts no
 * flow can have (huge octets, sampled or not), which must not reach it.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agg.h"
#include "check.h"
#include "coll.h"
#include "log.h"
#include "lsabuild.h"
#include "lsdb.h"
#include "nf5.h"
#include "place.h"

#define NOW 1700000000000ull

/* A v5 datagram of n records 10.0.0.1 -> 10.0.1.x, 100 bytes 2 packets each. */
static size_t v5(uint8_t *buf, uint32_t seq, unsigned n, uint8_t engine, uint16_t sampling)
{
	struct nf5_header h = {
		.version = 5, .count = (uint16_t)n, .sys_uptime = 100000, .unix_secs = 1700000000,
		.flow_sequence = seq, .engine_id = engine, .sampling_interval = sampling,
	};
	size_t off = nf5_encode_header(buf, &h);

	for (unsigned i = 0; i < n; i++) {
		struct nf5_record r = {
			.srcaddr = 0x0a000001, .dstaddr = 0x0a000100 + i, .dPkts = 2, .dOctets = 100,
			.first = 90000, .last = 99000, .prot = 17, .srcport = 1, .dstport = 2,
		};
		off += nf5_encode_record(buf + off, &r);
	}
	return off;
}

static struct sockaddr_in from(uint32_t addr, uint16_t port)
{
	struct sockaddr_in s;

	memset(&s, 0, sizeof(s));
	s.sin_family = AF_INET;
	s.sin_addr.s_addr = htonl(addr);
	s.sin_port = htons(port);
	return s;
}

static const struct agg_entry *find(struct coll *c, uint8_t kind, uint32_t b)
{
	const struct agg *t = coll_interval(c);

	for (size_t i = 0; i < t->cap; i++)
		if (t->e[i].k.kind == kind && (kind != AK_EXPORTER || t->e[i].k.b == b))
			return &t->e[i];
	return NULL;
}

/* The exporter entry of IPv4 address addr (host order), domain dom. */
static const struct agg_entry *find_exporter(struct coll *c, uint32_t addr, uint32_t dom)
{
	const struct agg *t = coll_interval(c);
	uint32_t n = htonl(addr);

	for (size_t i = 0; i < t->cap; i++)
		if (t->e[i].k.kind == AK_EXPORTER && t->e[i].k.a == 0 && t->e[i].k.b == dom &&
		    memcmp(t->e[i].k.addr.b, &n, 4) == 0)
			return &t->e[i];
	return NULL;
}

static uint64_t total(struct coll *c, int v)
{
	const struct agg_entry *e = find(c, AK_TOTAL, 0);
	return e ? e->v[v] : 0;
}

static void send5(struct coll *c, uint32_t seq, unsigned n, uint8_t engine)
{
	uint8_t buf[NF5_MAX_LEN];
	struct sockaddr_in s = from(0xc0000201, 2055);
	size_t len = v5(buf, seq, n, engine, 0);

	coll_datagram(c, (struct sockaddr *)&s, CP_V5, buf, len, NOW);
}

static void test_sequence(void)
{
	struct coll_conf cc = { 0 };
	struct coll *c = coll_new(&cc, 1);

	send5(c, 1000, 10, 0);          /* first: synchronises */
	send5(c, 1010, 10, 0);          /* in order */
	CHECK_EQ(coll_stats(c)->lost, 0);
	send5(c, 1030, 5, 0);           /* 1020..1029 missing */
	CHECK_EQ(coll_stats(c)->lost, 10);
	CHECK_EQ(total(c, AV_LOST), 10);
	CHECK_EQ(find(c, AK_EXPORTER, 0)->v[AV_LOST], 10);
	send5(c, 1020, 10, 0);          /* ... arrives late: given back */
	CHECK_EQ(coll_stats(c)->lost, 0);
	CHECK_EQ(coll_stats(c)->reordered, 1);
	CHECK_EQ(total(c, AV_LOST), 0);
	send5(c, 1035, 1, 0);
	CHECK_EQ(coll_stats(c)->lost, 0);
	/* another engine on the same transport session has its own sequence */
	send5(c, 7, 3, 1);
	send5(c, 12, 3, 1);             /* 10, 11 lost */
	CHECK_EQ(coll_stats(c)->lost, 2);
	CHECK_EQ(find(c, AK_EXPORTER, 1)->v[AV_LOST], 2);
	/* a restart: far back, no loss */
	send5(c, 3, 2, 0);
	CHECK_EQ(coll_stats(c)->resets, 1);
	CHECK_EQ(coll_stats(c)->lost, 2);
	send5(c, 5, 2, 0);
	CHECK_EQ(coll_stats(c)->lost, 2);
	/* the wrap at 2^32 */
	send5(c, 0xfffffff0u, 0x10, 1);  /* a restart for engine 1 ... */
	send5(c, 0, 4, 1);               /* ... then across the wrap, in order */
	send5(c, 8, 4, 1);               /* 4..7 lost */
	CHECK_EQ(coll_stats(c)->lost, 6);
	CHECK_EQ(coll_stats(c)->records[0], 10 + 10 + 5 + 10 + 1 + 3 + 3 + 2 + 2 + 16 + 4 + 4);
	CHECK_EQ(total(c, AV_FLOWS), coll_stats(c)->records[0]);
	CHECK_EQ(total(c, AV_BYTES), 100 * coll_stats(c)->records[0]);
	CHECK_EQ(coll_stats(c)->unrouted, coll_stats(c)->records[0]);   /* no topology */
	coll_free(c);
}

static void test_sampling_and_drops(void)
{
	uint8_t buf[NF5_MAX_LEN];
	struct coll_prefix allow = { .af = AF_INET, .plen = 24 };
	/* (three exporters send the same records: not duplicates here) */
	struct coll_conf cc = { .allow = &allow, .nallow = 1, .max_exporters = 2,
	                        .dedup_off = true };
	struct coll *c;
	struct sockaddr_in s;
	size_t len;

	inet_pton(AF_INET, "192.0.2.0", allow.addr.b);
	c = coll_new(&cc, 2);
	/* sampling 1 in 100 (deterministic, mode 1): counts scaled */
	len = v5(buf, 0, 3, 0, (uint16_t)(1 << NF5_SAMPLING_MODE_SHIFT | 100));
	s = from(0xc0000201, 1);
	coll_datagram(c, (struct sockaddr *)&s, CP_V5, buf, len, NOW);
	CHECK_EQ(total(c, AV_BYTES), 3 * 100 * 100);
	CHECK_EQ(total(c, AV_PACKETS), 3 * 2 * 100);
	CHECK_EQ(total(c, AV_FLOWS), 3);
	/* outside the allow-list */
	s = from(0xc6336401, 1);
	coll_datagram(c, (struct sockaddr *)&s, CP_V5, buf, len, NOW);
	CHECK_EQ(coll_stats(c)->dropped[CD_NOT_ALLOWED], 1);
	/* a version the listener does not take; too short */
	s = from(0xc0000201, 1);
	coll_datagram(c, (struct sockaddr *)&s, CP_IPFIX, buf, len, NOW);
	CHECK_EQ(coll_stats(c)->dropped[CD_VERSION], 1);
	coll_datagram(c, (struct sockaddr *)&s, CP_V5, buf, 1, NOW);
	CHECK_EQ(coll_stats(c)->dropped[CD_TOO_SHORT], 1);
	coll_datagram(c, (struct sockaddr *)&s, CP_V5, buf, len - 1, NOW);
	CHECK_EQ(coll_stats(c)->dropped[CD_V5], 1);
	/* the exporter table holds 2: a third sender is dropped while the
	 * others are fresh, and takes the place of one idle for 5 minutes */
	s = from(0xc0000202, 1);
	coll_datagram(c, (struct sockaddr *)&s, CP_V5, buf, len, NOW);
	s = from(0xc0000203, 1);
	coll_datagram(c, (struct sockaddr *)&s, CP_V5, buf, len, NOW + 1000);
	CHECK_EQ(coll_stats(c)->dropped[CD_EXPORTERS], 1);
	coll_datagram(c, (struct sockaddr *)&s, CP_V5, buf, len, NOW + 301000);
	CHECK_EQ(coll_stats(c)->dropped[CD_EXPORTERS], 1);
	CHECK_EQ(coll_stats(c)->exporters_evicted, 1);
	CHECK_EQ(total(c, AV_FLOWS), 3 * 3);
	coll_free(c);
}

/* --- records no flow can have ---------------------------------------------- */

static uint8_t *put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; return p + 2; }
static uint8_t *put32(uint8_t *p, uint32_t v) { return put16(put16(p, (uint16_t)(v >> 16)), (uint16_t)v); }
static uint8_t *put64(uint8_t *p, uint64_t v) { return put32(put32(p, (uint32_t)(v >> 32)), (uint32_t)v); }

struct xrec {
	uint32_t src, dst;
	uint64_t octets, packets;
	uint32_t sampling;              /* samplingInterval (IE 34); 0: unsampled */
};

/* An IPFIX message (domain 0, sequence seq) with its template (256:
 * sourceIPv4Address, destinationIPv4Address, octetDeltaCount and
 * packetDeltaCount of 8 bytes, samplingInterval) and n records. */
static size_t ipfix(uint8_t *buf, uint32_t seq, const struct xrec *r, unsigned n)
{
	static const uint16_t fields[][2] = { { 8, 4 }, { 12, 4 }, { 1, 8 }, { 2, 8 }, { 34, 4 } };
	uint8_t *p = buf + 16, *set;

	set = p;
	p = put16(put16(p, 2), 0);
	p = put16(put16(p, 256), 5);
	for (unsigned i = 0; i < 5; i++)
		p = put16(put16(p, fields[i][0]), fields[i][1]);
	put16(set + 2, (uint16_t)(p - set));
	set = p;
	p = put16(put16(p, 256), 0);
	for (unsigned i = 0; i < n; i++)
		p = put32(put64(put64(put32(put32(p, r[i].src), r[i].dst), r[i].octets), r[i].packets),
		          r[i].sampling);
	put16(set + 2, (uint16_t)(p - set));
	put32(put32(put32(put16(put16(buf, 10), (uint16_t)(p - buf)), 1700000000), seq), 0);
	return (size_t)(p - buf);
}

static void send_ipfix(struct coll *c, uint32_t seq, const struct xrec *r, unsigned n)
{
	uint8_t buf[4096];
	struct sockaddr_in s = from(0xc0000209, 4739);
	size_t len = ipfix(buf, seq, r, n);

	coll_datagram(c, (struct sockaddr *)&s, CP_IPFIX, buf, len, NOW);
}

/* A v5 datagram of one record with the given counts. */
static void send5_counts(struct coll *c, uint32_t seq, uint32_t octets, uint32_t packets,
                         uint16_t sampling)
{
	uint8_t buf[NF5_MAX_LEN];
	struct sockaddr_in s = from(0xc0000201, 2055);
	struct nf5_header h = {
		.version = 5, .count = 1, .sys_uptime = 100000, .unix_secs = 1700000000,
		.flow_sequence = seq, .sampling_interval = sampling,
	};
	struct nf5_record r = {
		.srcaddr = 0x0a000002, .dstaddr = 0x0a000102, .dPkts = packets, .dOctets = octets,
		.first = 90000, .last = 99000, .prot = 6,
	};
	size_t off = nf5_encode_header(buf, &h);

	off += nf5_encode_record(buf + off, &r);
	coll_datagram(c, (struct sockaddr *)&s, CP_V5, buf, off, NOW);
}

/* No entry of the table holds a sum above INT64_MAX (what Redis's HINCRBY
 * takes): lost counts excepted, which are modular by design. */
static bool sums_fit(struct coll *c)
{
	const struct agg *t = coll_interval(c);

	for (size_t i = 0; i < t->cap; i++)
		for (int v = 0; v < AV_N; v++)
			if (t->e[i].k.kind != 0 && v != AV_LOST && t->e[i].v[v] > INT64_MAX)
				return false;
	return true;
}

/*
 * One record of 2^63 - 1500 bytes made every later interval's totals fail
 * in Redis (HINCRBY past INT64_MAX); a sampled record whose octets times the
 * rate pass 2^64 wrapped to a small number.  Neither may be counted; honest
 * records around them are; and the sums of many large but possible records
 * stop at INT64_MAX rather than pass it.
 */
static void test_absurd(void)
{
	struct coll_conf cc = { 0 };
	struct coll *c = coll_new(&cc, 3);
	struct xrec honest = { 0x0a000003, 0x0a000103, 1500, 1, 0 };
	struct xrec huge = { 0x0a000004, 0x0a000104, (1ull << 63) - 1500, 1, 0 };
	/* (2^52 + 1) * 4096 = 2^64 + 4096: wraps to 4096 bytes */
	struct xrec wraps = { 0x0a000005, 0x0a000105, (1ull << 52) + 1, 1ull << 33, 4096 };
	/* the largest a record may be: 2^40 * 1024 = 2^50 bytes, 2^31 packets */
	struct xrec big = { 0x0a000006, 0x0a000106, 1ull << 40, 1ull << 21, 1024 };
	uint64_t want_bytes, want_packets;
	uint32_t seq = 0;

	send_ipfix(c, seq++, &honest, 1);
	send_ipfix(c, seq++, &huge, 1);
	CHECK_EQ(total(c, AV_BYTES), 1500);
	CHECK_EQ(total(c, AV_FLOWS), 1);
	send_ipfix(c, seq++, &wraps, 1);
	CHECK_EQ(total(c, AV_BYTES), 1500);
	CHECK_EQ(total(c, AV_PACKETS), 1);
	send_ipfix(c, seq++, &big, 1);
	want_bytes = 1500 + (1ull << 50);
	want_packets = 1 + (1ull << 31);
	CHECK_EQ(total(c, AV_BYTES), want_bytes);
	CHECK_EQ(total(c, AV_PACKETS), want_packets);
	CHECK_EQ(coll_stats(c)->records[2], 2);
	/* v5: more bytes than any packet can hold; bytes without packets
	 * (dPkts is always there in v5: zero is a count, not an absence) */
	send5_counts(c, 0, 0xffffffffu, 1, 0);
	send5_counts(c, 1, 100, 0, 0);
	/* the largest v5 can be, sampled: fits */
	send5_counts(c, 2, 0xffffffffu, 0x10000, (uint16_t)(1 << NF5_SAMPLING_MODE_SHIFT | 0x3fff));
	want_bytes += 0xffffffffull * 0x3fff;
	want_packets += 0x10000ull * 0x3fff;
	CHECK_EQ(total(c, AV_BYTES), want_bytes);
	CHECK_EQ(total(c, AV_PACKETS), want_packets);
	CHECK_EQ(coll_stats(c)->records[0], 1);
	CHECK_EQ(coll_stats(c)->absurd, 4);
	CHECK_EQ(coll_stats(c)->lost, 0);
	CHECK(sums_fit(c));
	CHECK_EQ(coll_interval(c)->saturated, 0);
	/* 2^13 records of 2^50 bytes: 2^63, one more than a sum may hold */
	for (unsigned i = 0; i < 8192 / 16; i++) {
		struct xrec r[16];
		for (unsigned j = 0; j < 16; j++)
			r[j] = big;
		send_ipfix(c, seq, r, 16);
		seq += 16;
	}
	CHECK_EQ(total(c, AV_BYTES), INT64_MAX);
	CHECK(sums_fit(c));
	CHECK(coll_interval(c)->saturated > 0);
	CHECK_EQ(coll_stats(c)->absurd, 4);
	coll_free(c);
}

/* max_sampling bounds v5's rate too: a rate above it is not applied. */
static void test_v5_sampling_bound(void)
{
	uint8_t buf[NF5_MAX_LEN];
	struct coll_conf cc = { .max_sampling = 50 };
	struct coll *c = coll_new(&cc, 3);
	struct sockaddr_in s = from(0xc0000201, 1);
	size_t len;

	len = v5(buf, 0, 3, 0, (uint16_t)(1 << NF5_SAMPLING_MODE_SHIFT | 100));
	coll_datagram(c, (struct sockaddr *)&s, CP_V5, buf, len, NOW);
	CHECK_EQ(total(c, AV_BYTES), 3 * 100);
	CHECK_EQ(coll_stats(c)->sampling_rejected, 3);
	len = v5(buf, 3, 2, 0, (uint16_t)(1 << NF5_SAMPLING_MODE_SHIFT | 50));
	coll_datagram(c, (struct sockaddr *)&s, CP_V5, buf, len, NOW);
	CHECK_EQ(total(c, AV_BYTES), 3 * 100 + 2 * 100 * 50);
	CHECK_EQ(coll_stats(c)->sampling_rejected, 3);
	coll_free(c);
}

/* ---- template memory ------------------------------------------------------ */

static void info_rss(uint64_t before, uint64_t peak)
{
	printf("template flood: RSS %.1f MiB before, %.1f MiB at the peak\n",
	       (double)before / 1048576, (double)peak / 1048576);
}

static uint64_t rss_bytes(void)
{
	unsigned long size = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f == NULL)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &res) != 2)
		res = 0;
	fclose(f);
	return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
}

static size_t oput16(uint8_t *b, size_t o, uint16_t v) { b[o] = (uint8_t)(v >> 8); b[o + 1] = (uint8_t)v; return o + 2; }
static size_t oput32(uint8_t *b, size_t o, uint32_t v) { return oput16(b, oput16(b, o, (uint16_t)(v >> 16)), (uint16_t)v); }

/* An IPFIX message header at b (length filled by ipfix_end). */
static size_t ipfix_begin(uint8_t *b, uint32_t seq, uint32_t domain)
{
	size_t o = oput16(b, 0, 10);

	o = oput16(b, o, 0);
	o = oput32(b, o, 1700000000);
	o = oput32(b, o, seq);
	return oput32(b, o, domain);
}

static size_t ipfix_end(uint8_t *b, size_t len) { oput16(b, 2, (uint16_t)len); return len; }

/* A template set of n templates (ids 256..) of nf fields: the first 8 of
 * the collector's own (addresses, counters, ports, protocol, times), the
 * others unknown elements. */
static size_t flood_templates(uint8_t *b, size_t o, unsigned n, unsigned nf)
{
	static const uint16_t ours[][2] = { { 8, 4 }, { 12, 4 }, { 1, 8 }, { 2, 8 },
	                                    { 7, 2 }, { 11, 2 }, { 4, 1 }, { 152, 8 } };
	size_t set = o;

	o = oput16(b, o + 4, 0) - 2;
	for (unsigned t = 0; t < n; t++) {
		o = oput16(b, o, (uint16_t)(256 + t));
		o = oput16(b, o, (uint16_t)nf);
		for (unsigned i = 0; i < nf; i++) {
			o = oput16(b, o, i < 8 ? ours[i][0] : (uint16_t)(400 + i));
			o = oput16(b, o, i < 8 ? ours[i][1] : 4);
		}
	}
	oput16(b, set, 2);
	oput16(b, set + 2, (uint16_t)(o - set));
	return o;
}

/* One data record (of zeros) for each of the n templates of flood_templates,
 * which libfixbuf must then learn. */
static size_t flood_data(uint8_t *b, size_t o, unsigned n, unsigned nf)
{
	size_t rl = 37 + 4 * (nf - 8);

	for (unsigned t = 0; t < n; t++) {
		o = oput16(b, o, (uint16_t)(256 + t));
		o = oput16(b, o, (uint16_t)(4 + rl));
		memset(b + o, 0, rl);
		o += rl;
	}
	return o;
}

/* An exporter's IPFIX message in domain 1: template 256 (source and
 * destination addresses, 4-byte octets) if with_tmpl, then 3 records of 100
 * bytes from src (host order). */
static size_t xp_msg(uint8_t *b, uint32_t seq, uint32_t src, bool with_tmpl)
{
	size_t len = ipfix_begin(b, seq, 1);

	if (with_tmpl) {
		len = oput16(b, len, 2);
		len = oput16(b, len, 4 + 4 + 3 * 4);
		len = oput16(b, len, 256);
		len = oput16(b, len, 3);
		len = oput16(b, oput16(b, len, 8), 4);
		len = oput16(b, oput16(b, len, 12), 4);
		len = oput16(b, oput16(b, len, 1), 4);
	}
	len = oput16(b, len, 256);
	len = oput16(b, len, 4 + 3 * 12);
	for (uint32_t i = 0; i < 3; i++)
		len = oput32(b, oput32(b, oput32(b, len, src), 0x0a000001 + i), 100);
	return ipfix_end(b, len);
}

/*
 * 32 source ports (8 on each of 4 addresses) each define the most
 * observation domains (64) and templates (256 each) a transport session
 * holds: 524288 templates, an eighth of them with data (so that libfixbuf
 * learns them too).  Memory must stay within the template budget (64 MiB by
 * default, 16 MiB per address), and an honest exporter arriving last, when
 * the exporter table is full of the flood's sessions, must still have its
 * records decoded and counted, and keep its template through more floods.
 */
static void test_template_flood(void)
{
	struct coll_conf cc = { .max_exporters = 32 };
	struct coll *c = coll_new(&cc, 4);
	uint8_t *b = malloc(65536);
	uint64_t rss0 = rss_bytes(), peak = 0;
	const struct coll_stats *st;
	struct sockaddr_in s;
	size_t len;

	for (uint16_t port = 0; port < 32; port++) {
		s = from(0xc6336401u + port / 8u, (uint16_t)(10000 + port));
		for (uint32_t dom = 0; dom < 64; dom++) {
			len = flood_templates(b, ipfix_begin(b, 0, dom), 256, 16);
			if (dom % 8 == 0)        /* data: libfixbuf holds these */
				len = flood_data(b, len, 256, 16);
			coll_datagram(c, (struct sockaddr *)&s, CP_IPFIX, b, ipfix_end(b, len), NOW);
		}
		if (rss_bytes() > peak)
			peak = rss_bytes();
	}
	info_rss(rss0, peak);
#ifndef UNDER_ASAN
	/* the budget, and what the allocators keep beside it */
	CHECK(peak - rss0 < (96u << 20));
#endif
	/* the honest exporter: a template and 3 records of 100 bytes */
	s = from(0xc0000209, 2055);
	coll_datagram(c, (struct sockaddr *)&s, CP_IPFIX, b, xp_msg(b, 0, 0xc0000209, true),
	              NOW + 1000);
	CHECK_EQ(coll_stats(c)->dropped[CD_EXPORTERS], 0);
	CHECK_EQ(coll_stats(c)->records[2], 32 * 8 * 256 + 3);      /* the flood's data too */
	CHECK_EQ(total(c, AV_BYTES), 300);
	CHECK_EQ(find_exporter(c, 0xc0000209, 1) ? find_exporter(c, 0xc0000209, 1)->v[AV_FLOWS] : 0, 3);
	/* what was counted: within the budget, the flood's own share at most;
	 * the flood's templates forgotten, and its sessions for the newcomer */
	st = coll_stats(c);
	CHECK_EQ(st->template_memory_limit, COLL_DEFAULT_TEMPLATE_MEMORY);
	CHECK(st->template_memory_peak <= st->template_memory_limit);
	CHECK(st->template_memory_peak > st->template_memory_limit - (1u << 20));   /* used */
	CHECK(st->templates_evicted > 400000);
	CHECK_EQ(st->exporters_evicted_crowded, 1);
	CHECK_EQ(st->no_template_sets, 0);
	/* the honest exporter keeps its template through a second flood */
	for (uint16_t port = 0; port < 4; port++) {
		s = from(0xc6336401u + port, (uint16_t)(20000 + port));
		for (uint32_t dom = 0; dom < 64; dom++) {
			len = flood_templates(b, ipfix_begin(b, 0, dom), 256, 16);
			coll_datagram(c, (struct sockaddr *)&s, CP_IPFIX, b, ipfix_end(b, len), NOW + 2000);
		}
	}
	s = from(0xc0000209, 2055);
	coll_datagram(c, (struct sockaddr *)&s, CP_IPFIX, b, xp_msg(b, 3, 0xc0000209, false), NOW + 3000);
	CHECK_EQ(coll_stats(c)->records[2], 32 * 8 * 256 + 6);
	CHECK_EQ(coll_stats(c)->no_template_sets, 0);
	free(b);
	coll_free(c);
}


static uint64_t flows_of(struct coll *c, uint32_t addr)
{
	const struct agg_entry *e = find_exporter(c, addr, 1);
	return e ? e->v[AV_FLOWS] : 0;
}

/*
 * Strangers churning through the template memory: 3000 addresses, each
 * sending, three times over, either a flood of 20 templates that no data
 * ever uses, or a data set whose template it never sent: 6 MB of sessions
 * and 40 MB of templates for 4 MiB.  Meanwhile an exporter sends its
 * template once, then data every 100 strangers' datagrams: every one of its
 * records must be counted (its template and its session stay).  And an
 * exporter arriving last, with the memory full of strangers, must get in
 * and have its records counted.
 */
static void test_budget_churn(void)
{
	struct coll_conf cc = { .template_memory = 4u << 20 };
	struct coll *c = coll_new(&cc, 5);
	uint8_t *b = malloc(65536);
	struct sockaddr_in s, h = from(0xc0000209, 2055);
	const struct coll_stats *st;
	uint64_t t = NOW;
	uint32_t seq = 0, sent = 0, n = 0;
	size_t len;

	coll_datagram(c, (struct sockaddr *)&h, CP_IPFIX, b, xp_msg(b, seq, 0xc0000209, true), t);
	seq += 3;
	sent += 3;
	for (uint32_t r = 0; r < 3; r++)
		for (uint32_t j = 0; j < 3000; j++) {
			s = from(0xc6120000u + j, 4000);
			if (j % 2 == 0) {
				len = flood_templates(b, ipfix_begin(b, r, 7), 20, 16);
				/* ids 256.. of flood_templates, moved to a fresh range */
				for (size_t o = 16 + 4; o < len; o += 4 + 4 * 16)
					oput16(b, o, (uint16_t)(300 + r * 20 + (o - 20) / 68));
			} else {
				len = flood_data(b, ipfix_begin(b, r, 7), 1, 16);
			}
			coll_datagram(c, (struct sockaddr *)&s, CP_IPFIX, b, ipfix_end(b, len), ++t);
			if (++n % 100 == 0) {
				coll_datagram(c, (struct sockaddr *)&h, CP_IPFIX, b,
				              xp_msg(b, seq, 0xc0000209, false), t);
				seq += 3;
				sent += 3;
			}
		}
	st = coll_stats(c);
	printf("churn: %" PRIu64 " templates evicted, %" PRIu64 " datagrams dropped for memory, "
	       "peak %" PRIu64 " of %" PRIu64 " bytes, %" PRIu64 " sessions given up\n", st->templates_evicted,
	       st->dropped[CD_MEMORY], st->template_memory_peak, st->template_memory_limit,
	       st->exporters_evicted_unproductive);
	CHECK(st->templates_evicted > 10000);
	CHECK_EQ(st->templates_evicted_used, 0);
	CHECK(st->exporters_evicted_unproductive > 1000);   /* strangers churn */
	CHECK(st->template_memory_peak <= st->template_memory_limit);
	CHECK_EQ(flows_of(c, 0xc0000209), sent);
	CHECK_EQ(total(c, AV_BYTES), 100 * (uint64_t)sent);
	/* a newcomer, with the memory full of strangers */
	s = from(0xc000020a, 2055);
	coll_datagram(c, (struct sockaddr *)&s, CP_IPFIX, b, xp_msg(b, 0, 0xc000020a, true), ++t);
	CHECK_EQ(flows_of(c, 0xc000020a), 3);
	CHECK_EQ(coll_stats(c)->dropped[CD_MEMORY], 0);
	free(b);
	coll_free(c);
}

/* An IPFIX message in domain dom defining template id (16 fields, as
 * flood_templates) and carrying one record of it. */
static size_t one_template_msg(uint8_t *b, uint32_t dom, uint16_t id)
{
	size_t len = flood_templates(b, ipfix_begin(b, 0, dom), 1, 16), at = len;

	oput16(b, 16 + 4, id);
	len = flood_data(b, len, 1, 16);
	oput16(b, at, id);
	return ipfix_end(b, len);
}

/*
 * The least recently used template that carried data goes first, whoever
 * holds it.  Exporter A defines its one template, then sends data under it
 * between every two messages of exporter B, which defines a new template
 * with data in each, until the memory is full and B's newest take the
 * room of the least recently used: B's oldest, never A's, which data uses
 * all the time.
 */
static void test_template_lru(void)
{
	struct coll_conf cc = { .template_memory = 1u << 20, .template_share_pct = 100 };
	struct coll *c = coll_new(&cc, 9);
	uint8_t *b = malloc(65536);
	struct sockaddr_in xa = from(0xc0000209, 2055), xb = from(0xc000020b, 2055);
	uint64_t t = NOW;
	uint32_t seq = 0;

	coll_datagram(c, (struct sockaddr *)&xa, CP_IPFIX, b, xp_msg(b, seq, 0xc0000209, true), t);
	seq += 3;
	for (uint32_t i = 0; i < 400; i++) {
		coll_datagram(c, (struct sockaddr *)&xb, CP_IPFIX, b,
		              one_template_msg(b, i % 64, (uint16_t)(256 + i / 64)), ++t);
		coll_datagram(c, (struct sockaddr *)&xa, CP_IPFIX, b,
		              xp_msg(b, seq, 0xc0000209, false), ++t);
		seq += 3;
	}
	printf("template lru: %" PRIu64 " templates evicted (%" PRIu64 " that carried data)\n",
	       coll_stats(c)->templates_evicted, coll_stats(c)->templates_evicted_used);
	CHECK(coll_stats(c)->templates_evicted_used > 100);   /* B's oldest went */
	CHECK_EQ(coll_stats(c)->no_template_sets, 0);
	CHECK_EQ(flows_of(c, 0xc0000209), seq);
	free(b);
	coll_free(c);
}

/*
 * Template floods over IPFIX/TCP.  coll.h and ipfix_in.h promise that
 * templates no data uses, from any number of sources, never push out a
 * template an exporter's data uses while one no data uses is left.  A TCP
 * session's templates only go for its own address's share, so strangers
 * on five addresses, each with one connection defining templates that no
 * data ever uses, fill the whole budget with them: the room they need must
 * then not come from the template of a UDP exporter whose records are
 * counted (nor from its session), which has to keep decoding its data.
 */
static void test_tcp_template_flood(void)
{
	struct coll_conf cc = { .template_memory = 4u << 20 };   /* 1 MiB an address */
	struct coll *c = coll_new(&cc, 8);
	uint8_t *b = malloc(65536);
	struct sockaddr_in s, h = from(0xc0000209, 2055);
	uint64_t t = NOW;
	size_t len;

	coll_datagram(c, (struct sockaddr *)&h, CP_IPFIX, b, xp_msg(b, 0, 0xc0000209, true), t);
	CHECK_EQ(flows_of(c, 0xc0000209), 3);
	for (uint32_t a = 0; a < 5; a++) {
		s = from(0xc6140001u + a, 40000);
		for (uint32_t dom = 0; dom < 24; dom++) {
			len = flood_templates(b, ipfix_begin(b, 0, dom), 256, 16);
			coll_stream_message(c, 1000 + a, (struct sockaddr *)&s, b, ipfix_end(b, len),
			                    ++t);
		}
	}
	printf("tcp flood: %" PRIu64 " of %" PRIu64 " bytes held, %" PRIu64 " templates "
	       "evicted (%" PRIu64 " that carried data), %" PRIu64 " refused\n",
	       coll_stats(c)->template_memory, coll_stats(c)->template_memory_limit,
	       coll_stats(c)->templates_evicted, coll_stats(c)->templates_evicted_used,
	       coll_stats(c)->template_memory_refused);
	/* the exporter's next data, under the template it sent */
	coll_datagram(c, (struct sockaddr *)&h, CP_IPFIX, b, xp_msg(b, 3, 0xc0000209, false), ++t);
	CHECK_EQ(coll_stats(c)->templates_evicted_used, 0);
	CHECK_EQ(coll_stats(c)->no_template_sets, 0);
	CHECK_EQ(flows_of(c, 0xc0000209), 6);
	free(b);
	coll_free(c);
}

/*
 * A full exporter table: a newcomer takes the place of a session that
 * never had a record counted (here, 16 sources of broken v5), not of the
 * exporters whose records are counted; when every session has records
 * counted and is of an address of its own, the newcomer is refused; after
 * 5 minutes without a record, a session gives way.
 */
static void test_table_churn(void)
{
	struct coll_conf cc = { .max_exporters = 16 };
	struct coll *c = coll_new(&cc, 6);
	uint8_t buf[NF5_MAX_LEN];
	struct sockaddr_in s;
	size_t len = v5(buf, 0, 2, 0, 0);
	uint64_t t = NOW;

	for (uint32_t j = 0; j < 8; j++) {           /* 8 exporters */
		s = from(0xc0000300u + j, 2055);
		coll_datagram(c, (struct sockaddr *)&s, CP_V5, buf, len, ++t);
	}
	for (uint32_t j = 0; j < 8; j++) {           /* 8 sources of junk */
		s = from(0xc6130000u + j, 2055);
		coll_datagram(c, (struct sockaddr *)&s, CP_V5, buf, 10, ++t);
	}
	CHECK_EQ(coll_stats(c)->dropped[CD_V5], 8);
	/* 8 newcomers: each takes a junk source's place */
	for (uint32_t j = 0; j < 8; j++) {
		s = from(0xc0000400u + j, 2055);
		coll_datagram(c, (struct sockaddr *)&s, CP_V5, buf, len, ++t);
	}
	CHECK_EQ(coll_stats(c)->dropped[CD_EXPORTERS], 0);
	CHECK_EQ(coll_stats(c)->records[0], 32);
	/* the exporters send again: all 16 kept their sessions (no sequence
	 * restart: a new session would only synchronise) */
	len = v5(buf, 2, 2, 0, 0);
	for (uint32_t j = 0; j < 16; j++) {
		s = from((j < 8 ? 0xc0000300u : 0xc0000400u - 8) + j, 2055);
		coll_datagram(c, (struct sockaddr *)&s, CP_V5, buf, len, ++t);
	}
	CHECK_EQ(coll_stats(c)->records[0], 64);
	CHECK_EQ(coll_stats(c)->exporters, 24);
	/* all 16 have records counted: a 17th is refused */
	s = from(0xc0000500u, 2055);
	coll_datagram(c, (struct sockaddr *)&s, CP_V5, buf, len, ++t);
	CHECK_EQ(coll_stats(c)->dropped[CD_EXPORTERS], 1);
	CHECK_EQ(coll_stats(c)->records[0], 64);
	/* 5 minutes later, one that has had no record since gives way */
	for (uint32_t j = 1; j < 16; j++) {
		s = from((j < 8 ? 0xc0000300u : 0xc0000400u - 8) + j, 2055);
		coll_datagram(c, (struct sockaddr *)&s, CP_V5, buf, len, t + 5 * 60 * 1000);
	}
	s = from(0xc0000500u, 2055);
	coll_datagram(c, (struct sockaddr *)&s, CP_V5, buf, len, t + 5 * 60 * 1000 + 1);
	CHECK_EQ(coll_stats(c)->dropped[CD_EXPORTERS], 1);
	CHECK_EQ(coll_stats(c)->records[0], 64 + 15 * 2 + 2);
	CHECK_EQ(coll_stats(c)->exporters_evicted, 1);
	coll_free(c);
}

/* One address's domains beyond max_domains are counted together under
 * ADDRESS/other: an exporter (or a stranger) writing a new domain number in
 * every header makes at most max_domains + 1 exporter keys; the total keeps
 * every record. */
static void test_domain_cap(void)
{
	struct coll_conf cc = { .max_domains = 4 };
	struct coll *c = coll_new(&cc, 5);
	const struct agg *t = coll_interval(c);
	size_t keys = 0;
	const struct agg_entry *other = NULL;

	for (unsigned e = 0; e < 10; e++)
		send5(c, 0, 3, (uint8_t)e);         /* engine e: domain e */
	send5(c, 3, 2, 1);                      /* a domain already counted apart */
	for (unsigned d = 0; d < 4; d++)
		CHECK(find_exporter(c, 0xc0000201, d) != NULL);
	CHECK_EQ(find_exporter(c, 0xc0000201, 1)->v[AV_FLOWS], 5);
	for (size_t i = 0; i < t->cap; i++)
		if (t->e[i].k.kind == AK_EXPORTER) {
			keys++;
			if (t->e[i].k.a == 1)
				other = &t->e[i];
		}
	CHECK_EQ(keys, 5);
	CHECK(other != NULL);
	CHECK_EQ(other ? other->v[AV_FLOWS] : 0, 6 * 3);
	CHECK_EQ(coll_stats(c)->domains_folded, 6 * 3);
	CHECK_EQ(total(c, AV_FLOWS), 10 * 3 + 2);
	coll_free(c);
}

/* --- the cost of choosing a session to give up ----------------------------- */

#define STEPS_PER_CHOICE 8      /* a constant, whatever the table holds */

/* The choices made since *choices0 and their steps: at least one choice,
 * at most STEPS_PER_CHOICE steps each on average. */
static void check_victim_work(struct coll *c, const char *what, uint64_t *choices0,
                              uint64_t *steps0)
{
	uint64_t choices, steps;

	coll_victim_work(c, &choices, &steps);
	printf("%s: %" PRIu64 " choices, %" PRIu64 " steps (%.1f a choice)\n", what,
	       choices - *choices0, steps - *steps0,
	       choices > *choices0 ? (double)(steps - *steps0) / (double)(choices - *choices0) : 0.0);
	CHECK(choices > *choices0);
	CHECK(steps - *steps0 <= STEPS_PER_CHOICE * (choices - *choices0));
	*choices0 = choices;
	*steps0 = steps;
}

/*
 * The exporter table full of sessions that each account records: the
 * choice of a session to give up for a newcomer, or for template memory,
 * takes a bounded number of steps, not one per address or session held
 * (a stranger sending spoofed v5 from many addresses must not make every
 * datagram scan the table).  And the policy stays what coll.h says:
 *  - 4096 exporters of an address each: newcomers are refused;
 *  - one address holding 4000 of the 4096 sessions: each newcomer takes the
 *    place of that address's least recently heard from;
 *  - 2000 sources of junk (sessions without v9/IPFIX state) and IPFIX
 *    exporters past the template memory: sessions holding some are given
 *    up for it, never the junk, which holds none;
 *  - an address whose IPFIX sessions exceed its share, beside 3000 v5
 *    sessions of its own: its own least recently heard from IPFIX session
 *    goes;
 *  - a session that had v5 records counted and then got v9/IPFIX state
 *    goes for template memory once it has had no record for 5 minutes.
 */
static void test_victim_cost(void)
{
	struct coll_conf cc = { 0 };
	struct coll *c = coll_new(&cc, 11);
	uint8_t buf[NF5_MAX_LEN], *b = malloc(65536);
	struct sockaddr_in s;
	size_t len = v5(buf, 0, 2, 0, 0);
	uint64_t t = NOW, choices0 = 0, steps0 = 0, n;

	/* 4096 exporters, one an address: 1000 newcomers refused */
	for (uint32_t j = 0; j < COLL_DEFAULT_MAX_EXPORTERS; j++) {
		s = from(0x0a800000u + j, 2055);
		coll_datagram(c, (struct sockaddr *)&s, CP_V5, buf, len, ++t);
	}
	CHECK_EQ(coll_stats(c)->records[0], 2 * COLL_DEFAULT_MAX_EXPORTERS);
	for (uint32_t j = 0; j < 1000; j++) {
		s = from(0x0b000000u + j, 2055);
		coll_datagram(c, (struct sockaddr *)&s, CP_V5, buf, len, ++t);
	}
	CHECK_EQ(coll_stats(c)->dropped[CD_EXPORTERS], 1000);
	check_victim_work(c, "victim cost, distinct addresses", &choices0, &steps0);
	coll_free(c);

	/* one address holding 4000 sessions, 96 others */
	c = coll_new(&cc, 12);
	choices0 = steps0 = 0;
	for (uint32_t j = 0; j < 4000; j++) {
		s = from(0xc6330001u, (uint16_t)(10000 + j));
		coll_datagram(c, (struct sockaddr *)&s, CP_V5, buf, len, ++t);
	}
	for (uint32_t j = 0; j < 96; j++) {
		s = from(0x0a800000u + j, 2055);
		coll_datagram(c, (struct sockaddr *)&s, CP_V5, buf, len, ++t);
	}
	for (uint32_t j = 0; j < 1000; j++) {
		s = from(0x0b000000u + j, 2055);
		coll_datagram(c, (struct sockaddr *)&s, CP_V5, buf, len, ++t);
	}
	CHECK_EQ(coll_stats(c)->dropped[CD_EXPORTERS], 0);
	CHECK_EQ(coll_stats(c)->exporters_evicted_crowded, 1000);
	check_victim_work(c, "victim cost, a crowded address", &choices0, &steps0);
	/* the least recently heard from went: ports 10000..10999, not 11000 */
	n = coll_stats(c)->exporters;
	s = from(0xc6330001u, 11000);
	coll_datagram(c, (struct sockaddr *)&s, CP_V5, buf, len, ++t);
	CHECK_EQ(coll_stats(c)->exporters, n);
	s = from(0xc6330001u, 10999);
	coll_datagram(c, (struct sockaddr *)&s, CP_V5, buf, len, ++t);
	CHECK_EQ(coll_stats(c)->exporters, n + 1);
	coll_free(c);

	/* junk without v9/IPFIX state, then IPFIX exporters past the memory */
	cc.template_memory = 256u << 10;
	c = coll_new(&cc, 13);
	choices0 = steps0 = 0;
	for (uint32_t j = 0; j < 2000; j++) {
		s = from(0xc6130000u + j, 2055);
		coll_datagram(c, (struct sockaddr *)&s, CP_V5, buf, 10, ++t);
	}
	for (uint32_t j = 0; j < 200; j++) {
		s = from(0xc0a80000u + j, 4739);
		coll_datagram(c, (struct sockaddr *)&s, CP_IPFIX, b, xp_msg(b, 0, 0xc0a80000u + j, true),
		              ++t);
	}
	CHECK(coll_stats(c)->templates_evicted_used > 0);      /* the memory was full */
	CHECK(coll_stats(c)->exporters_evicted_unproductive > 0);
	check_victim_work(c, "victim cost, template memory", &choices0, &steps0);
	/* sessions holding no v9/IPFIX state were not given up for it */
	n = coll_stats(c)->exporters;
	for (uint32_t j = 0; j < 2000; j++) {
		s = from(0xc6130000u + j, 2055);
		coll_datagram(c, (struct sockaddr *)&s, CP_V5, buf, 10, ++t);
	}
	CHECK_EQ(coll_stats(c)->exporters, n);
	coll_free(c);

	/* one address: 3000 v5 sessions, then IPFIX ones past its share */
	c = coll_new(&cc, 14);
	choices0 = steps0 = 0;
	for (uint32_t j = 0; j < 3000; j++) {
		s = from(0xc6330001u, (uint16_t)(10000 + j));
		coll_datagram(c, (struct sockaddr *)&s, CP_V5, buf, len, ++t);
	}
	for (uint32_t j = 0; j < 100; j++) {
		s = from(0xc6330001u, (uint16_t)(20000 + j));
		coll_datagram(c, (struct sockaddr *)&s, CP_IPFIX, b, xp_msg(b, 0, 0xc6330001u, true),
		              ++t);
	}
	CHECK_EQ(coll_stats(c)->dropped[CD_MEMORY], 0);
	CHECK(coll_stats(c)->exporters_evicted_crowded > 50);
	CHECK_EQ(coll_stats(c)->records[0], 2 * 3000);
	check_victim_work(c, "victim cost, an address over its share", &choices0, &steps0);
	/* its v5 sessions stayed: the one least recently heard from is there */
	n = coll_stats(c)->exporters;
	s = from(0xc6330001u, 10000);
	coll_datagram(c, (struct sockaddr *)&s, CP_V5, buf, len, ++t);
	CHECK_EQ(coll_stats(c)->exporters, n);
	coll_free(c);

	/* a session that had v5 records counted, then got v9/IPFIX state (a
	 * template, no data), and no record since: 5 minutes later it is the
	 * one given up for template memory (no record for 5 minutes) */
	c = coll_new(&cc, 15);
	s = from(0xc0a90001u, 2055);
	coll_datagram(c, (struct sockaddr *)&s, CP_V5, buf, len, ++t);
	coll_datagram(c, (struct sockaddr *)&s, CP_IPFIX, b,
	              ipfix_end(b, flood_templates(b, ipfix_begin(b, 0, 1), 1, 16)), ++t);
	t += 5 * 60 * 1000;
	for (uint32_t j = 0; j < 200; j++) {
		s = from(0xc0a80000u + j, 4739);
		coll_datagram(c, (struct sockaddr *)&s, CP_IPFIX, b, xp_msg(b, 0, 0xc0a80000u + j, true),
		              ++t);
	}
	CHECK_EQ(coll_stats(c)->exporters_evicted, 1);
	n = coll_stats(c)->exporters;
	s = from(0xc0a90001u, 2055);
	coll_datagram(c, (struct sockaddr *)&s, CP_V5, buf, len, ++t);
	CHECK_EQ(coll_stats(c)->exporters, n + 1);              /* it was gone */
	free(b);
	coll_free(c);
}

/* n v5 records 10.0.0.1 -> 10.0.1.x of 100 bytes, 2 packets, that entered
 * exporter `addr` by interface in_if. */
/* n records 10.0.0.1 -> 10.0.1.(base + i), `bytes` bytes 2 packets each,
 * entering by in_if, from addr (v5, sequence seq). */
/* n v5 records src -> dst + i (host order) of `bytes` bytes and 2 packets,
 * entering by in_if, from exporter addr. */
static void send5_flows_from(struct coll *c, uint32_t addr, uint32_t seq, unsigned n, uint32_t src,
                             uint32_t dst, uint32_t bytes, uint16_t in_if, uint64_t now)
{
	uint8_t buf[NF5_MAX_LEN];
	struct sockaddr_in s = from(addr, 2055);
	struct nf5_header h = {
		.version = 5, .count = (uint16_t)n, .sys_uptime = 100000, .unix_secs = 1700000000,
		.flow_sequence = seq,
	};
	size_t off = nf5_encode_header(buf, &h);

	for (unsigned i = 0; i < n; i++) {
		struct nf5_record r = {
			.srcaddr = src, .dstaddr = dst + i, .dPkts = 2,
			.dOctets = bytes, .first = 90000, .last = 99000, .prot = 17, .srcport = 1,
			.dstport = 2, .input = in_if,
		};
		off += nf5_encode_record(buf + off, &r);
	}
	coll_datagram(c, (struct sockaddr *)&s, CP_V5, buf, off, now);
}

static void send5_recs(struct coll *c, uint32_t addr, uint32_t seq, unsigned n, uint16_t in_if,
                       unsigned base, uint32_t bytes, uint64_t now)
{
	send5_flows_from(c, addr, seq, n, 0x0a000001, 0x0a000100 + base, bytes, in_if, now);
}

static void send5_in(struct coll *c, uint32_t addr, uint32_t seq, unsigned n, uint16_t in_if,
                     uint64_t now)
{
	send5_recs(c, addr, seq, n, in_if, 0, 100, now);
}

/*
 * Observation points: the same three flows exported by the router they
 * entered the network at (edge interface 1 of 192.0.2.1, router 10.255.0.1)
 * and by the next router (core interface 7 of 192.0.2.2, router
 * 10.255.0.2, facing 10.255.0.1) are counted once: the total and the tops
 * hold them once; the second exporter's records are transit, in the
 * measured load of 10.255.0.1 -> 10.255.0.2 and under their exporter.  A
 * record of an interface no entry names, from an address no router has, is
 * unmapped: counted.
 */
static void test_observation_points(void)
{
	static const struct coll_map map[] = {
		{ .af = AF_INET, .addr.w[0] = 0x010200c0, .any_domain = true, .ifindex = 1,
		  .router = 0x0aff0001, .role = COLL_ROLE_EDGE },
		{ .af = AF_INET, .addr.w[0] = 0x020200c0, .any_domain = true, .ifindex = 7,
		  .router = 0x0aff0002, .role = COLL_ROLE_CORE, .neighbour = 0x0aff0001 },
	};
	struct coll_conf cc = { .map = map, .nmap = 2, .dedup_off = true };
	struct coll *c = coll_new(&cc, 16);
	const struct agg_entry *m, *x1, *x2;

	send5_in(c, 0xc0000201, 0, 3, 1, NOW);
	send5_in(c, 0xc0000202, 0, 3, 7, NOW);
	CHECK_EQ(total(c, AV_FLOWS), 3);
	CHECK_EQ(total(c, AV_BYTES), 300);
	CHECK_EQ(total(c, AV_PACKETS), 6);
	m = find(c, AK_MEASURED, 0);
	CHECK(m != NULL && m->k.a == 0x0aff0001 && m->k.b == 0x0aff0002);
	CHECK(m != NULL && m->v[AV_BYTES] == 300 && m->v[AV_PACKETS] == 6 && m->v[AV_FLOWS] == 3);
	x1 = find_exporter(c, 0xc0000201, 0);
	x2 = find_exporter(c, 0xc0000202, 0);
	CHECK(x1 != NULL && x1->v[AV_BYTES] == 300 && x1->v[AV_FLOWS] == 3);
	CHECK(x2 != NULL && x2->v[AV_BYTES] == 300 && x2->v[AV_FLOWS] == 3);
	CHECK_EQ(agg_sketch_of(coll_interval(c), AK_SRC)->total, 300);
	CHECK_EQ(coll_stats(c)->observations[CO_COUNTED], 3);
	CHECK_EQ(coll_stats(c)->observations[CO_TRANSIT], 3);
	CHECK_EQ(coll_stats(c)->observations[CO_UNMAPPED], 0);
	CHECK_EQ(coll_stats(c)->records[0], 6);
	/* interface 8 of the second exporter: no entry */
	send5_in(c, 0xc0000202, 3, 2, 8, NOW);
	CHECK_EQ(coll_stats(c)->observations[CO_UNMAPPED], 2);
	CHECK_EQ(total(c, AV_FLOWS), 5);
	CHECK_EQ(find(c, AK_MEASURED, 0)->v[AV_FLOWS], 3);
	coll_free(c);
}

/*
 * A probe group: two probes on one segment send the same records; only
 * the first heard is counted, the other's records are duplicates, counted
 * under their exporter and nowhere else.  When the counted one has been
 * silent longer than the group allows, the other takes over.
 */
static void test_probe_group(void)
{
	static const struct coll_group groups[] = { { "span", 30000 } };
	static const struct coll_member members[] = {
		{ .af = AF_INET, .addr.w[0] = 0x0a0200c0, .group = 0 },
		{ .af = AF_INET, .addr.w[0] = 0x0b0200c0, .group = 0 },
	};
	struct coll_conf cc = { .groups = groups, .ngroups = 1, .members = members, .nmembers = 2 };
	struct coll *c = coll_new(&cc, 17);
	const struct agg_entry *x;

	send5_in(c, 0xc000020a, 0, 3, 1, NOW);
	send5_in(c, 0xc000020b, 0, 3, 1, NOW + 100);
	send5_in(c, 0xc000020a, 3, 3, 1, NOW + 20000);
	send5_in(c, 0xc000020b, 3, 3, 1, NOW + 20100);
	CHECK_EQ(total(c, AV_FLOWS), 6);
	CHECK_EQ(total(c, AV_BYTES), 600);
	CHECK_EQ(coll_stats(c)->observations[CO_DUPLICATE], 6);
	x = find_exporter(c, 0xc000020b, 0);
	CHECK(x != NULL && x->v[AV_FLOWS] == 6 && x->v[AV_BYTES] == 600);
	/* .10 silent for 30 s and more: .11 takes over; .10 back is a duplicate */
	send5_in(c, 0xc000020b, 6, 2, 1, NOW + 50001);
	CHECK_EQ(total(c, AV_FLOWS), 8);
	CHECK_EQ(coll_stats(c)->observations[CO_DUPLICATE], 6);
	send5_in(c, 0xc000020a, 6, 2, 1, NOW + 50100);
	CHECK_EQ(total(c, AV_FLOWS), 8);
	CHECK_EQ(coll_stats(c)->observations[CO_DUPLICATE], 8);
	/* an exporter of no group is counted as ever */
	send5_in(c, 0xc000020c, 0, 1, 1, NOW + 50200);
	CHECK_EQ(total(c, AV_FLOWS), 9);
	coll_free(c);
}

/*
 * The most specific entry wins, whatever the order of the entries: an
 * exporter with an entry for any interface (edge) and one for interface 7
 * (core, facing that router) has its interface-7 records transit and the
 * others counted; entries of another address given between them change nothing.
 */
static void test_point_specificity(void)
{
	static const struct coll_map map[] = {
		{ .af = AF_INET, .addr.w[0] = 0x050200c0, .any_domain = true, .any_if = true,
		  .router = 0x0aff0009, .role = COLL_ROLE_EDGE },
		{ .af = AF_INET, .addr.w[0] = 0x010200c0, .any_domain = true, .any_if = true,
		  .router = 0x0aff0001, .role = COLL_ROLE_EDGE },
		{ .af = AF_INET, .addr.w[0] = 0x030200c0, .any_domain = true, .ifindex = 7,
		  .router = 0x0aff0009, .role = COLL_ROLE_EDGE },
		{ .af = AF_INET, .addr.w[0] = 0x010200c0, .any_domain = true, .ifindex = 7,
		  .router = 0x0aff0002, .role = COLL_ROLE_CORE, .neighbour = 0x0aff0001 },
	};
	struct coll_conf cc = { .map = map, .nmap = 4 };
	struct coll *c = coll_new(&cc, 18);

	send5_in(c, 0xc0000201, 0, 2, 7, NOW);
	send5_in(c, 0xc0000201, 2, 3, 8, NOW);
	CHECK_EQ(coll_stats(c)->observations[CO_TRANSIT], 2);
	CHECK_EQ(coll_stats(c)->observations[CO_COUNTED], 3);
	CHECK_EQ(total(c, AV_FLOWS), 3);
	coll_free(c);
}

static void send5_flows(struct coll *c, uint32_t addr, uint32_t seq, unsigned n, unsigned base,
                        uint32_t bytes, uint64_t now)
{
	send5_recs(c, addr, seq, n, 0, base, bytes, now);
}

/*
 * Two probes that see the same packets, in no probe group: each record the
 * second reports as the first did (same key and counts) is a duplicate;
 * after 64 of them, 90 % of its records, the second is grouped with the
 * first: its records are duplicates even where they differ (long flows cut
 * apart), until the first has been silent 30 s.  Records of another flow
 * from a third exporter are counted; the same records after the window
 * are not duplicates; detection off counts everything.
 */
/* n IPFIX records 10.0.0.1 -> dst + i of `octets` bytes from exporter exp,
 * over UDP (conn 0) or over TCP connection conn. */
static void ipfix_from(struct coll *c, uint64_t conn, uint32_t exp, uint32_t seq, uint32_t dst,
                       uint64_t octets, unsigned n, uint64_t now)
{
	struct xrec r[100];
	uint8_t buf[8192];
	struct sockaddr_in s = from(exp, conn ? (uint16_t)(40000 + conn) : 4739);
	size_t len;

	for (unsigned i = 0; i < n && i < 100; i++)
		r[i] = (struct xrec){ 0x0a000001, dst + i, octets, 2, 0 };
	len = ipfix(buf, seq, r, n < 100 ? n : 100);
	if (conn)
		coll_stream_message(c, conn, (struct sockaddr *)&s, buf, len, now);
	else
		coll_datagram(c, (struct sockaddr *)&s, CP_IPFIX, buf, len, now);
}

/*
 * The fingerprints a lone exporter noted belong to it by address, not to
 * its entry: (1) a probe alone over TCP, its connection closed, and a
 * second probe reporting the same records 5 s later: duplicates, as when
 * the first one's fingerprints were in the table; (2) the notes of one
 * gone are not taken for the next lone exporter's: its own records of the
 * same flows, later, are counted; (3) a clock stepped back at a flush
 * does not hand the notes to another.
 */
static void test_notes_owner(void)
{
	struct coll_conf cc = { .dedup_window_ms = 120000 };
	struct coll *c = coll_new(&cc, 21);
	uint32_t a = 0xc0000214, b = 0xc0000215, x = 0xc0000216, d = 0xc0000217;

	ipfix_from(c, 1, a, 0, 0x0a000100, 100, 20, NOW);
	coll_stream_closed(c, 1);
	ipfix_from(c, 0, b, 0, 0x0a000100, 100, 20, NOW + 5000);
	CHECK_EQ(total(c, AV_FLOWS), 20);
	CHECK_EQ(coll_stats(c)->auto_duplicates, 20);
	coll_free(c);

	c = coll_new(&cc, 22);
	ipfix_from(c, 1, a, 0, 0x0a000100, 100, 70, NOW);
	coll_stream_closed(c, 1);
	coll_flush_sessions(c, NOW + 1000);                  /* none active: noting */
	ipfix_from(c, 0, x, 0, 0x0b000100, 100, 1, NOW + 2000);
	ipfix_from(c, 0, d, 0, 0x0c000100, 100, 1, NOW + 3000);
	ipfix_from(c, 0, x, 1, 0x0b000200, 100, 1, NOW + 59000);
	ipfix_from(c, 2, a, 70, 0x0a000100, 100, 70, NOW + 60000);   /* a's own, again */
	CHECK_EQ(total(c, AV_FLOWS), 143);
	ipfix_from(c, 2, a, 140, 0x0a000900, 333, 5, NOW + 61000);
	CHECK_EQ(total(c, AV_FLOWS), 148);
	coll_free(c);

	for (uint64_t seed = 1; seed <= 4; seed++) {
		c = coll_new(&cc, seed);
		ipfix_from(c, 0, b, 0, 0x0b000100, 100, 1, NOW);
		coll_flush_sessions(c, NOW + 130000);            /* b stale */
		ipfix_from(c, 0, a, 0, 0x0a000100, 100, 70, NOW + 140000);
		coll_flush_sessions(c, NOW + 30000);             /* 110 s back */
		ipfix_from(c, 0, a, 70, 0x0a000100, 100, 70, NOW + 31000);
		CHECK_EQ(total(c, AV_FLOWS), 141);
		coll_free(c);
	}
}

/*
 * A topology with equal-cost paths for the role "router" cases:
 *   R1 (10.1.0.0/24) -- R2 -- R4 (10.4.0.0/24)
 *      \-------------- R3 --/
 */
#define IPA(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define DR1 IPA(10, 255, 0, 1)
#define DR2 IPA(10, 255, 0, 2)
#define DR3 IPA(10, 255, 0, 3)
#define DR4 IPA(10, 255, 0, 4)

static void dinstall(struct lsdb *db, struct lsabuf *l)
{
	struct lsa a;

	lsab_finish(l, &a);
	CHECK_EQ(lsdb_install(db, 0, &a, NOW, NULL), LSDB_ADDED);
}

static struct placer *diamond(struct lsdb **dbp)
{
	static struct lsabuf l;
	struct lsdb *db = lsdb_new(20);
	const uint32_t m24 = IPA(255, 255, 255, 0);

	lsab_router_begin(&l, DR1, 0, OSPF_INITIAL_SEQ);
	lsab_router_link(&l, LINK_P2P, DR2, IPA(10, 0, 12, 1), 10);
	lsab_router_link(&l, LINK_P2P, DR3, IPA(10, 0, 13, 1), 10);
	lsab_router_link(&l, LINK_STUB, IPA(10, 1, 0, 0), m24, 1);
	dinstall(db, &l);
	lsab_router_begin(&l, DR2, 0, OSPF_INITIAL_SEQ);
	lsab_router_link(&l, LINK_P2P, DR1, IPA(10, 0, 12, 2), 10);
	lsab_router_link(&l, LINK_P2P, DR4, IPA(10, 0, 24, 2), 10);
	dinstall(db, &l);
	lsab_router_begin(&l, DR3, 0, OSPF_INITIAL_SEQ);
	lsab_router_link(&l, LINK_P2P, DR1, IPA(10, 0, 13, 3), 10);
	lsab_router_link(&l, LINK_P2P, DR4, IPA(10, 0, 34, 3), 10);
	dinstall(db, &l);
	lsab_router_begin(&l, DR4, 0, OSPF_INITIAL_SEQ);
	lsab_router_link(&l, LINK_P2P, DR2, IPA(10, 0, 24, 4), 10);
	lsab_router_link(&l, LINK_P2P, DR3, IPA(10, 0, 34, 4), 10);
	lsab_router_link(&l, LINK_STUB, IPA(10, 4, 0, 0), m24, 1);
	dinstall(db, &l);
	*dbp = db;
	return placer_build(db, NOW);
}

static struct coll_map router_entry(uint32_t addr, uint32_t router, uint8_t role)
{
	struct coll_map m = { .af = AF_INET, .any_domain = true, .any_if = true,
	                      .router = router, .role = role };

	m.addr.w[0] = htonl(addr);
	return m;
}

/*
 * Records nothing places, of routers' own exports (role "router"): where
 * they entered is not known, so a record another exporter reported is a
 * duplicate, as for a record counted where its flow entered.  (1) Two
 * routers, the same 10 flows, no topology yet; (2) with a topology, from a
 * source it does not have (held, then released); (3) a router's held
 * records, released once their interface is decided edge, are compared
 * too: a probe at that router reported them first.
 */
static void test_router_role_unplaced(void)
{
	static struct coll_map map[2];
	struct coll_conf cc = { .map = map, .nmap = 2, .dedup_window_ms = 120000 };
	struct lsdb *db;
	struct placer *pl;
	struct coll *c;

	map[0] = router_entry(0xc0000201, DR1, COLL_ROLE_ROUTER);
	map[1] = router_entry(0xc0000202, DR2, COLL_ROLE_ROUTER);
	c = coll_new(&cc, 23);
	send5_flows_from(c, 0xc0000201, 0, 10, IPA(10, 1, 0, 9), IPA(10, 4, 0, 1), 100, 1, NOW);
	send5_flows_from(c, 0xc0000202, 0, 10, IPA(10, 1, 0, 9), IPA(10, 4, 0, 1), 100, 5, NOW + 5);
	CHECK_EQ(total(c, AV_FLOWS), 10);
	CHECK_EQ(coll_stats(c)->auto_duplicates, 10);
	coll_free(c);

	pl = diamond(&db);
	map[0].router = DR2;
	map[1].router = DR4;
	c = coll_new(&cc, 24);
	coll_set_topology(c, pl, db);
	send5_flows_from(c, 0xc0000201, 0, 10, IPA(172, 16, 0, 9), IPA(10, 4, 0, 1), 100, 1, NOW);
	send5_flows_from(c, 0xc0000202, 0, 10, IPA(172, 16, 0, 9), IPA(10, 4, 0, 1), 100, 5,
	                 NOW + 5);
	CHECK_EQ(coll_stats(c)->held, 20);
	coll_release_held(c, false);
	coll_release_held(c, false);
	CHECK_EQ(total(c, AV_FLOWS), 10);
	coll_free(c);                    /* (it owns pl and db) */

	pl = diamond(&db);
	map[0] = router_entry(0xc0000204, DR4, COLL_ROLE_ROUTER);
	map[1] = router_entry(0xc0000205, DR4, COLL_ROLE_INGRESS);
	c = coll_new(&cc, 25);
	coll_set_topology(c, pl, db);
	send5_flows_from(c, 0xc0000205, 0, 10, IPA(172, 16, 0, 9), IPA(10, 4, 0, 100), 100, 0, NOW);
	send5_flows_from(c, 0xc0000204, 0, 10, IPA(172, 16, 0, 9), IPA(10, 4, 0, 100), 100, 1,
	                 NOW + 10);
	send5_flows_from(c, 0xc0000204, 10, 10, IPA(10, 4, 0, 9), IPA(10, 1, 0, 100), 100, 1,
	                 NOW + 20);                  /* interface 1 decided edge */
	CHECK_EQ(coll_stats(c)->held, 10);
	CHECK_EQ(total(c, AV_FLOWS), 20);
	coll_free(c);                    /* (it owns pl and db) */
}

/*
 * Grouping outlives a TCP reconnection: b, grouped with a (70 records
 * matched), closes its connection and comes back at once; its records of
 * flows the two cut apart differently are still duplicates.
 */
static void test_group_reconnect(void)
{
	struct coll_conf cc = { .dedup_window_ms = 120000 };
	struct coll *c = coll_new(&cc, 26);
	uint32_t a = 0xc0000214, b = 0xc0000215;

	ipfix_from(c, 0, a, 0, 0x0a000100, 100, 70, NOW);
	ipfix_from(c, 1, b, 0, 0x0a000100, 100, 70, NOW + 10);
	CHECK_EQ(total(c, AV_FLOWS), 70);
	ipfix_from(c, 0, a, 70, 0x0a000200, 300, 5, NOW + 1000);
	ipfix_from(c, 1, b, 70, 0x0a000200, 250, 5, NOW + 1010);
	CHECK_EQ(total(c, AV_FLOWS), 75);
	coll_stream_closed(c, 1);
	ipfix_from(c, 0, a, 75, 0x0a000300, 300, 5, NOW + 2000);
	ipfix_from(c, 2, b, 75, 0x0a000300, 250, 5, NOW + 2010);
	CHECK_EQ(total(c, AV_FLOWS), 80);
	/* kept for the window only: a flush long after frees it */
	coll_flush_sessions(c, NOW + 400000);
	coll_free(c);
}

static void test_auto_duplicates(void)
{
	struct coll_conf cc = { .dedup_window_ms = 120000 };
	struct coll *c = coll_new(&cc, 19);
	uint32_t a = 0xc0000214, b = 0xc0000215, x = 0xc0000216;

	send5_flows(c, a, 0, 30, 0, 100, NOW);
	send5_flows(c, b, 0, 30, 0, 100, NOW + 10);
	CHECK_EQ(total(c, AV_FLOWS), 30);
	CHECK_EQ(coll_stats(c)->observations[CO_DUPLICATE], 30);
	CHECK_EQ(coll_stats(c)->auto_duplicates, 30);
	/* b's own flow (not a's): counted */
	send5_flows(c, b, 30, 1, 200, 100, NOW + 20);
	CHECK_EQ(total(c, AV_FLOWS), 31);
	/* 40 more of a's, b's again: 70 of 71, grouped at the 64th */
	send5_flows(c, a, 30, 28, 30, 100, NOW + 30);
	send5_flows(c, a, 58, 12, 58, 100, NOW + 31);
	send5_flows(c, b, 31, 28, 30, 100, NOW + 40);
	send5_flows(c, b, 59, 12, 58, 100, NOW + 41);
	CHECK_EQ(total(c, AV_FLOWS), 71);
	CHECK_EQ(coll_stats(c)->observations[CO_DUPLICATE], 70);
	/* grouped: b's records that differ from a's (other counts) are
	 * duplicates too; a third exporter's are counted */
	send5_flows(c, a, 70, 5, 100, 300, NOW + 1000);
	send5_flows(c, b, 71, 5, 100, 250, NOW + 1010);
	send5_flows(c, x, 0, 2, 300, 100, NOW + 1020);
	CHECK_EQ(total(c, AV_FLOWS), 78);
	CHECK_EQ(coll_stats(c)->observations[CO_DUPLICATE], 75);
	/* a silent for 30 s: b counted again */
	send5_flows(c, b, 76, 3, 400, 100, NOW + 40000);
	CHECK_EQ(total(c, AV_FLOWS), 81);
	/* the same records as x's, after the window: counted */
	send5_flows(c, a, 75, 2, 300, 100, NOW + 200000);
	CHECK_EQ(total(c, AV_FLOWS), 83);
	/* a alone now: its fingerprints are noted, not looked up, and compared
	 * with once b comes back */
	coll_flush_sessions(c, NOW + 200001);
	send5_flows(c, a, 90, 4, 500, 100, NOW + 200010);
	send5_flows(c, b, 90, 4, 500, 100, NOW + 200020);
	CHECK_EQ(total(c, AV_FLOWS), 87);
	CHECK_EQ(coll_stats(c)->auto_duplicates, 79);
	coll_free(c);

	cc.dedup_off = true;
	c = coll_new(&cc, 20);
	send5_flows(c, a, 0, 30, 0, 100, NOW);
	send5_flows(c, b, 0, 30, 0, 100, NOW + 10);
	CHECK_EQ(total(c, AV_FLOWS), 60);
	CHECK_EQ(coll_stats(c)->observations[CO_DUPLICATE], 0);
	coll_free(c);
}

int main(void)
{
	log_init("test_coll", LOG_TO_STDERR, 0);
	test_sequence();
	test_sampling_and_drops();
	test_absurd();
	test_v5_sampling_bound();
	test_template_flood();
	test_budget_churn();
	test_template_lru();
	test_tcp_template_flood();
	test_table_churn();
	test_domain_cap();
	test_victim_cost();
	test_observation_points();
	test_probe_group();
	test_point_specificity();
	test_auto_duplicates();
	test_notes_owner();
	test_router_role_unplaced();
	test_group_reconnect();
	return check_done("test_coll");
}
