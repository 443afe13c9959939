/*
 * Unit tests of exporter/fib.c: the RTM_GETROUTE request written byte for
 * byte, the reply parser fed replies built here (routed, connected, local,
 * unreachable, the kernel's error, late answers, every truncation, broken
 * lengths), the cache's expiry and bound, and one real lookup on the
 * loopback of the namespace the test runs in.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fib.h"

/* --- building replies ---------------------------------------------------- */

struct msg {
	uint8_t b[512];
	size_t len;             /* of the whole buffer (several messages) */
	size_t start;           /* of the message being built */
};

/* Start a message of type and seq at the end of m. */
static void msg_begin(struct msg *m, uint16_t type, uint32_t seq)
{
	struct nlmsghdr nh = { .nlmsg_type = type, .nlmsg_seq = seq };

	m->start = m->len;
	memcpy(m->b + m->len, &nh, sizeof(nh));
	m->len += NLMSG_HDRLEN;
}

/* Append raw bytes (aligned to 4 with zeros). */
static void msg_put(struct msg *m, const void *p, size_t n)
{
	memcpy(m->b + m->len, p, n);
	memset(m->b + m->len + n, 0, NLMSG_ALIGN(n) - n);
	m->len += NLMSG_ALIGN(n);
}

/* Append an attribute. */
static void msg_attr(struct msg *m, uint16_t type, const void *p, size_t n)
{
	struct rtattr a = { .rta_len = (unsigned short)RTA_LENGTH(n), .rta_type = type };

	memcpy(m->b + m->len, &a, sizeof(a));
	m->len += sizeof(a);
	msg_put(m, p, n);
}

/* Close the message: its nlmsg_len. */
static void msg_end(struct msg *m)
{
	uint32_t len = (uint32_t)(m->len - m->start);

	memcpy(m->b + m->start, &len, sizeof(len));
}

/* A complete RTM_NEWROUTE answer: family af, type, oif (0: none), gateway
 * (NULL: none). */
static void route_reply(struct msg *m, uint32_t seq, uint8_t af, uint8_t type, uint32_t oif,
                        const char *gw)
{
	struct rtmsg rt = { .rtm_family = af, .rtm_type = type, .rtm_dst_len = af == AF_INET ? 32 : 128 };
	uint8_t addr[16];

	msg_begin(m, RTM_NEWROUTE, seq);
	msg_put(m, &rt, sizeof(rt));
	msg_attr(m, RTA_TABLE, &(uint32_t){ 254 }, 4);
	if (af == AF_INET)
		msg_attr(m, RTA_DST, "\x0a\x00\x03\x01", 4);
	if (oif != 0)
		msg_attr(m, RTA_OIF, &oif, 4);
	if (gw != NULL) {
		inet_pton(af, gw, addr);
		msg_attr(m, RTA_GATEWAY, addr, af == AF_INET ? 4 : 16);
	}
	msg_end(m);
}

static void error_reply(struct msg *m, uint32_t seq, int error)
{
	msg_begin(m, NLMSG_ERROR, seq);
	msg_put(m, &error, sizeof(error));
	msg_put(m, &(struct nlmsghdr){ .nlmsg_seq = seq }, sizeof(struct nlmsghdr));
	msg_end(m);
}

static union anm_addr addr_of(uint8_t af, const char *text)
{
	union anm_addr a;

	memset(&a, 0, sizeof(a));
	inet_pton(af, text, a.b);
	return a;
}

/* --- the request --------------------------------------------------------- */

static void test_request(void)
{
	uint8_t buf[FIB_REQ_MAX];
	union anm_addr dst = addr_of(AF_INET, "10.0.3.1"), src = addr_of(AF_INET, "10.0.1.2");
	union anm_addr dst6 = addr_of(AF_INET6, "fd00::1");
	struct nlmsghdr nh;
	struct rtmsg rt;
	struct rtattr a;
	uint32_t iif;
	size_t n;

	n = fib_request(buf, sizeof(buf), 77, AF_INET, &dst, &src, 5);
	CHECK_EQ(n, 28 + 8 + 8 + 8);
	memcpy(&nh, buf, sizeof(nh));
	CHECK_EQ(nh.nlmsg_len, n);
	CHECK_EQ(nh.nlmsg_type, RTM_GETROUTE);
	CHECK_EQ(nh.nlmsg_flags, NLM_F_REQUEST);
	CHECK_EQ(nh.nlmsg_seq, 77);
	memcpy(&rt, buf + 16, sizeof(rt));
	CHECK_EQ(rt.rtm_family, AF_INET);
	CHECK_EQ(rt.rtm_dst_len, 32);
	CHECK_EQ(rt.rtm_src_len, 32);
	memcpy(&a, buf + 28, sizeof(a));
	CHECK_EQ(a.rta_type, RTA_DST);
	CHECK_EQ(a.rta_len, 8);
	CHECK(memcmp(buf + 32, dst.b, 4) == 0);
	memcpy(&a, buf + 36, sizeof(a));
	CHECK_EQ(a.rta_type, RTA_SRC);
	CHECK(memcmp(buf + 40, src.b, 4) == 0);
	memcpy(&a, buf + 44, sizeof(a));
	CHECK_EQ(a.rta_type, RTA_IIF);
	memcpy(&iif, buf + 48, 4);
	CHECK_EQ(iif, 5);

	/* destination only: an output lookup */
	n = fib_request(buf, sizeof(buf), 1, AF_INET, &dst, NULL, 0);
	CHECK_EQ(n, 28 + 8);
	memcpy(&rt, buf + 16, sizeof(rt));
	CHECK_EQ(rt.rtm_src_len, 0);

	n = fib_request(buf, sizeof(buf), 1, AF_INET6, &dst6, &dst6, 9);
	CHECK_EQ(n, 28 + 20 + 20 + 8);
	CHECK(n <= FIB_REQ_MAX);
	CHECK(memcmp(buf + 32, dst6.b, 16) == 0);

	CHECK_EQ(fib_request(buf, sizeof(buf), 1, AF_UNIX, &dst, NULL, 0), 0);
	CHECK_EQ(fib_request(buf, 40, 1, AF_INET6, &dst6, NULL, 0), 0);
}

/* --- the parser ---------------------------------------------------------- */

static void test_answers(void)
{
	struct fib_route r;
	struct msg m;
	union anm_addr gw = addr_of(AF_INET, "10.0.2.2"), gw6 = addr_of(AF_INET6, "fe80::1");

	memset(&m, 0, sizeof(m));
	route_reply(&m, 5, AF_INET, RTN_UNICAST, 3, "10.0.2.2");
	CHECK_EQ(fib_parse(m.b, m.len, 5, AF_INET, &r), FIB_ANSWER);
	CHECK_EQ(r.kind, FIB_ROUTED);
	CHECK_EQ(r.oif, 3);
	CHECK(memcmp(r.gw.b, gw.b, 16) == 0);

	/* directly connected: no gateway, next hop zero */
	memset(&m, 0, sizeof(m));
	route_reply(&m, 6, AF_INET, RTN_UNICAST, 4, NULL);
	CHECK_EQ(fib_parse(m.b, m.len, 6, AF_INET, &r), FIB_ANSWER);
	CHECK_EQ(r.kind, FIB_ROUTED);
	CHECK_EQ(r.oif, 4);
	CHECK(r.gw.w[0] == 0 && r.gw.w[1] == 0 && r.gw.w[2] == 0 && r.gw.w[3] == 0);

	memset(&m, 0, sizeof(m));
	route_reply(&m, 7, AF_INET6, RTN_UNICAST, 2, "fe80::1");
	CHECK_EQ(fib_parse(m.b, m.len, 7, AF_INET6, &r), FIB_ANSWER);
	CHECK_EQ(r.oif, 2);
	CHECK(memcmp(r.gw.b, gw6.b, 16) == 0);

	/* to this host: oif lo, but no egress */
	memset(&m, 0, sizeof(m));
	route_reply(&m, 8, AF_INET, RTN_LOCAL, 1, NULL);
	CHECK_EQ(fib_parse(m.b, m.len, 8, AF_INET, &r), FIB_ANSWER);
	CHECK_EQ(r.kind, FIB_LOCAL);

	memset(&m, 0, sizeof(m));
	route_reply(&m, 9, AF_INET, RTN_BLACKHOLE, 0, NULL);
	CHECK_EQ(fib_parse(m.b, m.len, 9, AF_INET, &r), FIB_ANSWER);
	CHECK_EQ(r.kind, FIB_NO_ROUTE);

	/* the kernel's error: no route */
	memset(&m, 0, sizeof(m));
	error_reply(&m, 10, -ENETUNREACH);
	CHECK_EQ(fib_parse(m.b, m.len, 10, AF_INET, &r), FIB_ANSWER);
	CHECK_EQ(r.kind, FIB_NO_ROUTE);
	CHECK_EQ(r.error, ENETUNREACH);

	/* an acknowledgement is not an answer */
	memset(&m, 0, sizeof(m));
	error_reply(&m, 11, 0);
	CHECK_EQ(fib_parse(m.b, m.len, 11, AF_INET, &r), FIB_ERR_MALFORMED);

	/* a late answer to an earlier query, then ours, in one datagram */
	memset(&m, 0, sizeof(m));
	route_reply(&m, 3, AF_INET, RTN_UNICAST, 9, "10.9.9.9");
	CHECK_EQ(fib_parse(m.b, m.len, 12, AF_INET, &r), FIB_NOT_OURS);
	route_reply(&m, 12, AF_INET, RTN_UNICAST, 3, "10.0.2.2");
	CHECK_EQ(fib_parse(m.b, m.len, 12, AF_INET, &r), FIB_ANSWER);
	CHECK_EQ(r.oif, 3);
	CHECK_EQ(fib_parse(m.b, 0, 12, AF_INET, &r), FIB_NOT_OURS);

	/* another message type under our seq */
	memset(&m, 0, sizeof(m));
	msg_begin(&m, NLMSG_DONE, 13);
	msg_put(&m, &(int){ 0 }, sizeof(int));
	msg_end(&m);
	CHECK_EQ(fib_parse(m.b, m.len, 13, AF_INET, &r), FIB_ERR_MALFORMED);
}

static void test_malformed(void)
{
	struct fib_route r;
	struct msg m, bad;
	enum fib_status st;
	uint32_t v;
	uint16_t v16;

	/* every truncation of a good answer: never an answer, never a read
	 * past the end (the sanitizer build checks that) */
	memset(&m, 0, sizeof(m));
	route_reply(&m, 5, AF_INET6, RTN_UNICAST, 3, "fd00::2");
	for (size_t n = 0; n < m.len; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		memcpy(copy, m.b, n);
		st = fib_parse(copy, n, 5, AF_INET6, &r);
		CHECK(n == 0 ? st == FIB_NOT_OURS : st == FIB_ERR_TRUNC);
		free(copy);
	}

	/* a message length of zero, or past the bytes there */
	bad = m;
	v = 0;
	memcpy(bad.b, &v, 4);
	CHECK_EQ(fib_parse(bad.b, bad.len, 5, AF_INET6, &r), FIB_ERR_TRUNC);
	v = (uint32_t)m.len + 4;
	memcpy(bad.b, &v, 4);
	CHECK_EQ(fib_parse(bad.b, bad.len, 5, AF_INET6, &r), FIB_ERR_TRUNC);

	/* an attribute shorter than its header, or running past its message */
	bad = m;
	v16 = 2;
	memcpy(bad.b + 28, &v16, 2);
	CHECK_EQ(fib_parse(bad.b, bad.len, 5, AF_INET6, &r), FIB_ERR_TRUNC);
	v16 = 200;
	memcpy(bad.b + 28, &v16, 2);
	CHECK_EQ(fib_parse(bad.b, bad.len, 5, AF_INET6, &r), FIB_ERR_TRUNC);

	/* the wrong family */
	CHECK_EQ(fib_parse(m.b, m.len, 5, AF_INET, &r), FIB_ERR_MALFORMED);
	CHECK_EQ(fib_parse(m.b, m.len, 5, AF_UNIX, &r), FIB_ERR_MALFORMED);

	/* a gateway of the wrong length; an oif of the wrong length */
	memset(&bad, 0, sizeof(bad));
	msg_begin(&bad, RTM_NEWROUTE, 5);
	msg_put(&bad, &(struct rtmsg){ .rtm_family = AF_INET, .rtm_type = RTN_UNICAST }, 12);
	msg_attr(&bad, RTA_OIF, &(uint32_t){ 3 }, 4);
	msg_attr(&bad, RTA_GATEWAY, "\x0a\x00\x00\x01\x00\x00", 6);
	msg_end(&bad);
	CHECK_EQ(fib_parse(bad.b, bad.len, 5, AF_INET, &r), FIB_ERR_MALFORMED);
	memset(&bad, 0, sizeof(bad));
	msg_begin(&bad, RTM_NEWROUTE, 5);
	msg_put(&bad, &(struct rtmsg){ .rtm_family = AF_INET, .rtm_type = RTN_UNICAST }, 12);
	msg_attr(&bad, RTA_OIF, "\x03\x00", 2);
	msg_end(&bad);
	CHECK_EQ(fib_parse(bad.b, bad.len, 5, AF_INET, &r), FIB_ERR_MALFORMED);

	/* forwarded, but through no interface */
	memset(&bad, 0, sizeof(bad));
	route_reply(&bad, 5, AF_INET, RTN_UNICAST, 0, "10.0.0.1");
	CHECK_EQ(fib_parse(bad.b, bad.len, 5, AF_INET, &r), FIB_ERR_MALFORMED);

	/* a short error message */
	memset(&bad, 0, sizeof(bad));
	msg_begin(&bad, NLMSG_ERROR, 5);
	msg_put(&bad, "\xff\xff", 2);
	msg_end(&bad);
	bad.len -= 2;
	v = (uint32_t)bad.len;
	memcpy(bad.b, &v, 4);
	CHECK_EQ(fib_parse(bad.b, bad.len, 5, AF_INET, &r), FIB_ERR_TRUNC);
}

/* RTA_VIA: a gateway of the flow's family is taken, another family's
 * (an IPv4 route via an IPv6 next hop) cannot be exported: zero. */
static void test_via(void)
{
	struct fib_route r;
	struct msg m;
	struct { uint16_t family; uint8_t addr[16]; } via;

	memset(&m, 0, sizeof(m));
	msg_begin(&m, RTM_NEWROUTE, 5);
	msg_put(&m, &(struct rtmsg){ .rtm_family = AF_INET, .rtm_type = RTN_UNICAST }, 12);
	msg_attr(&m, RTA_OIF, &(uint32_t){ 7 }, 4);
	via.family = AF_INET6;
	inet_pton(AF_INET6, "fe80::1", via.addr);
	msg_attr(&m, RTA_VIA, &via, 18);
	msg_end(&m);
	CHECK_EQ(fib_parse(m.b, m.len, 5, AF_INET, &r), FIB_ANSWER);
	CHECK_EQ(r.oif, 7);
	CHECK(r.gw.w[0] == 0 && r.gw.w[3] == 0);

	memset(&m, 0, sizeof(m));
	msg_begin(&m, RTM_NEWROUTE, 6);
	msg_put(&m, &(struct rtmsg){ .rtm_family = AF_INET6, .rtm_type = RTN_UNICAST }, 12);
	msg_attr(&m, RTA_OIF, &(uint32_t){ 7 }, 4);
	msg_attr(&m, RTA_VIA, &via, 18);
	msg_end(&m);
	CHECK_EQ(fib_parse(m.b, m.len, 6, AF_INET6, &r), FIB_ANSWER);
	CHECK(memcmp(r.gw.b, via.addr, 16) == 0);
}

/* --- the cache ----------------------------------------------------------- */

static void test_cache(void)
{
	struct fib_cache c = { calloc(FIB_CACHE_SLOTS, sizeof(struct fib_entry)), 12345 };
	struct fib_route r = { .kind = FIB_ROUTED, .oif = 3 }, r2 = { .kind = FIB_LOCAL };
	union anm_addr a = addr_of(AF_INET, "10.0.3.1"), b = addr_of(AF_INET6, "fd00::1");
	union anm_addr x;
	const struct fib_route *got;
	unsigned found = 0;

	CHECK(fib_cache_find(&c, AF_INET, &a, NULL, 1000) == NULL);
	fib_cache_put(&c, AF_INET, &a, NULL, &r, 1000);
	got = fib_cache_find(&c, AF_INET, &a, NULL, 1000 + FIB_TTL_MS - 1);
	CHECK(got != NULL && got->oif == 3);
	CHECK(fib_cache_find(&c, AF_INET, &a, NULL, 1000 + FIB_TTL_MS) == NULL);   /* expired */
	CHECK(fib_cache_find(&c, AF_INET6, &a, NULL, 1000) == NULL);               /* family */
	/* a new answer replaces the old, in place */
	fib_cache_put(&c, AF_INET, &a, NULL, &r2, 2000);
	got = fib_cache_find(&c, AF_INET, &a, NULL, 2000);
	CHECK(got != NULL && got->kind == FIB_LOCAL);
	fib_cache_put(&c, AF_INET6, &b, NULL, &r, 2000);
	CHECK(fib_cache_find(&c, AF_INET6, &b, NULL, 2000) != NULL);
	fib_cache_clear(&c);
	CHECK(fib_cache_find(&c, AF_INET6, &b, NULL, 2000) == NULL);

	/* with a source, per source: the kernel's answer for one (its ECMP
	 * hash, its ip rule) is not the answer for another */
	{
		union anm_addr s1 = addr_of(AF_INET, "10.9.0.1"), s2 = addr_of(AF_INET, "10.9.0.2");
		struct fib_route r3 = { .kind = FIB_ROUTED, .oif = 4 };
		fib_cache_put(&c, AF_INET, &a, &s1, &r, 2500);
		fib_cache_put(&c, AF_INET, &a, &s2, &r3, 2500);
		got = fib_cache_find(&c, AF_INET, &a, &s1, 2500);
		CHECK(got != NULL && got->oif == 3);
		got = fib_cache_find(&c, AF_INET, &a, &s2, 2500);
		CHECK(got != NULL && got->oif == 4);
		CHECK(fib_cache_find(&c, AF_INET, &a, NULL, 2500) == NULL);
		fib_cache_put(&c, AF_INET, &a, NULL, &r2, 2500);
		got = fib_cache_find(&c, AF_INET, &a, &s1, 2500);
		CHECK(got != NULL && got->oif == 3);
		fib_cache_clear(&c);
	}

	/* bounded: twice as many destinations as slots; the last ones are
	 * all there, at most FIB_CACHE_SLOTS in all */
	for (uint32_t i = 0; i < 2 * FIB_CACHE_SLOTS; i++) {
		uint32_t w = htonl(0x0a000000u + i);
		memset(&x, 0, sizeof(x));
		memcpy(x.b, &w, 4);
		fib_cache_put(&c, AF_INET, &x, NULL, &r, 3000 + i);
	}
	for (uint32_t i = 0; i < 2 * FIB_CACHE_SLOTS; i++) {
		uint32_t w = htonl(0x0a000000u + i);
		memset(&x, 0, sizeof(x));
		memcpy(x.b, &w, 4);
		if (fib_cache_find(&c, AF_INET, &x, NULL, 3000 + 2 * FIB_CACHE_SLOTS) != NULL)
			found++;
		if (i == 2 * FIB_CACHE_SLOTS - 1)
			CHECK(fib_cache_find(&c, AF_INET, &x, NULL, 3000 + 2 * FIB_CACHE_SLOTS) != NULL);
	}
	CHECK(found <= FIB_CACHE_SLOTS);
	CHECK(found >= FIB_CACHE_SLOTS / 2);
	free(c.e);
}

/* --- the socket: one real lookup ------------------------------------------ */

static void test_live(void)
{
	char err[256];
	struct fib *fb = fib_new(1, err, sizeof(err));
	struct anm_flow f;

	if (fb == NULL) {
		printf("test_fib: no netlink socket here (%s): live lookup skipped\n", err);
		return;
	}
	memset(&f, 0, sizeof(f));
	f.af = AF_INET;
	f.src = addr_of(AF_INET, "127.0.0.1");
	f.dst = addr_of(AF_INET, "127.0.0.1");
	f.out_if = 99;
	fib_fill(fb, &f, 1000);
	CHECK_EQ(f.out_if, 0);                      /* to this host */
	CHECK_EQ(fib_stats(fb)->lookups, 1);
	CHECK_EQ(fib_stats(fb)->queries, 1);
	CHECK_EQ(fib_stats(fb)->local, 1);
	CHECK_EQ(fib_stats(fb)->failures, 0);
	fib_fill(fb, &f, 1001);
	CHECK_EQ(fib_stats(fb)->hits, 1);
	CHECK_EQ(fib_stats(fb)->queries, 1);
	/* a family without routes, a flow without a destination address:
	 * nothing asked, nothing counted */
	f.af = 0;
	fib_fill(fb, &f, 1002);
	CHECK_EQ(fib_stats(fb)->lookups, 2);
	f.af = AF_INET;
	memset(&f.dst, 0, sizeof(f.dst));
	f.out_if = 99;
	fib_fill(fb, &f, 1003);
	CHECK_EQ(f.out_if, 0);
	CHECK_EQ(fib_stats(fb)->lookups, 2);
	CHECK_EQ(fib_stats(fb)->queries, 1);
	fib_free(fb);
}

int main(void)
{
	test_request();
	test_answers();
	test_malformed();
	test_via();
	test_cache();
	test_live();
	return check_done("test_fib");
}
