/*
 * The collector's core without sockets: v5 sequence tracking (gaps, late
 * datagrams, the wrap at 2^32, restarts, engines), sampling, the allow-list,
 * versions a listener does not take, the bounded exporter table, and what
 * lands in the interval's aggregation table.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "agg.h"
#include "check.h"
#include "coll.h"
#include "log.h"
#include "nf5.h"

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
	struct coll_conf cc = { .allow = &allow, .nallow = 1, .max_exporters = 2 };
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

int main(void)
{
	log_init("test_coll", LOG_TO_STDERR, 0);
	test_sequence();
	test_sampling_and_drops();
	return check_done("test_coll");
}
