/*
 * IPFIX / NetFlow v9 input: messages built byte by byte below (and, for a
 * round trip, by the project's own IPFIX encoder through the fake sender)
 * are fed to an ipfix_session; the emitted flows and the per-domain counters
 * are checked.  Covers both address families, every timestamp flavour,
 * options-template sampling, withdrawal and redefinition, sequence gaps,
 * wrap, reordering and restart, two domains, v9 with uptime-relative times,
 * malformed input of each kind and the limits.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "check.h"
#include "export.h"
#include "fake_sender.h"
#include "ipfix_in.h"

#define T0     1700000000u             /* export time, Unix seconds */
#define T0_MS  (T0 * 1000ull)
#define NOW_MS 1700000005000ull        /* receive time */
#define NTP_OFF 2208988800ull

/* ---- message builder ----------------------------------------------------- */

struct mb {
	uint8_t b[70000];
	size_t len;
	size_t set_at;
	int v9;
};

static void p8(struct mb *m, uint8_t v) { m->b[m->len++] = v; }
static void p16(struct mb *m, uint16_t v) { p8(m, (uint8_t)(v >> 8)); p8(m, (uint8_t)v); }
static void p32(struct mb *m, uint32_t v) { p16(m, (uint16_t)(v >> 16)); p16(m, (uint16_t)v); }
static void p64(struct mb *m, uint64_t v) { p32(m, (uint32_t)(v >> 32)); p32(m, (uint32_t)v); }
static void pbytes(struct mb *m, const void *p, size_t n) { memcpy(m->b + m->len, p, n); m->len += n; }
static void pzero(struct mb *m, size_t n) { memset(m->b + m->len, 0, n); m->len += n; }

static void ipfix_hdr(struct mb *m, uint32_t seq, uint32_t domain)
{
	m->len = 0;
	m->v9 = 0;
	p16(m, 10); p16(m, 0); p32(m, T0); p32(m, seq); p32(m, domain);
}

static void v9_hdr(struct mb *m, uint32_t uptime, uint32_t secs, uint32_t seq, uint32_t src)
{
	m->len = 0;
	m->v9 = 1;
	p16(m, 9); p16(m, 0); p32(m, uptime); p32(m, secs); p32(m, seq); p32(m, src);
}

static void set_begin(struct mb *m, uint16_t id) { m->set_at = m->len; p16(m, id); p16(m, 0); }
static void set_end(struct mb *m)
{
	size_t l = m->len - m->set_at;

	m->b[m->set_at + 2] = (uint8_t)(l >> 8);
	m->b[m->set_at + 3] = (uint8_t)l;
}
static void fin(struct mb *m)
{
	if (!m->v9) {
		m->b[2] = (uint8_t)(m->len >> 8);
		m->b[3] = (uint8_t)m->len;
	}
}

/* A template from a list of (id, len) pairs, 0-terminated. */
static void tmpl(struct mb *m, uint16_t tid, const uint16_t *f)
{
	size_t n = 0;

	while (f[2 * n])
		n++;
	p16(m, tid); p16(m, (uint16_t)n);
	for (size_t i = 0; i < n; i++) {
		p16(m, f[2 * i]); p16(m, f[2 * i + 1]);
	}
}

/* ---- collecting what the session emits ------------------------------------ */

static struct anm_flow got[64];
static uint32_t got_dom[64];
static size_t ngot;

static void emit(void *ctx, const struct anm_flow *f, uint32_t domain)
{
	(void)ctx;
	if (ngot < 64) {
		got[ngot] = *f;
		got_dom[ngot] = domain;
	}
	ngot++;
}

static struct ipfix_domain_stats dst;
static uint32_t want_dom;
static int dom_found;

static void find_dom(void *ctx, const struct ipfix_domain_stats *st)
{
	(void)ctx;
	if (st->domain == want_dom) {
		dst = *st;
		dom_found = 1;
	}
}

static const struct ipfix_domain_stats *stats_of(struct ipfix_session *s, uint32_t dom)
{
	want_dom = dom;
	dom_found = 0;
	memset(&dst, 0, sizeof(dst));
	ipfix_session_foreach_domain(s, find_dom, NULL);
	return &dst;
}

static int feed(struct ipfix_session *s, struct mb *m)
{
	fin(m);
	ngot = 0;
	return ipfix_session_input(s, m->b, m->len, NOW_MS, emit, NULL);
}

static uint32_t a4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return ntohl(a.s_addr);
}

static int addr_is(const union anm_addr *a, int af, const char *txt)
{
	union anm_addr want;

	memset(&want, 0, sizeof(want));
	inet_pton(af, txt, want.b);
	return memcmp(a->b, want.b, 16) == 0;
}

/* ---- templates used below --------------------------------------------------- */

/* IPv4, with reduced-size encodings (packets 4, AS 2, tcp flags 1). */
static const uint16_t T4[] = {
	8, 4, 12, 4, 7, 2, 11, 2, 4, 1, 1, 8, 2, 4, 152, 8, 153, 8,
	10, 4, 14, 4, 6, 1, 5, 1, 15, 4, 9, 1, 13, 1, 16, 2, 17, 4,
	58, 2, 245, 2, 56, 6, 80, 6, 136, 1, 0 };
#define T4_LEN (4+4+2+2+1+8+4+8+8+4+4+1+1+4+1+1+2+4+2+2+6+6+1)

static void rec4(struct mb *m, const char *src, uint16_t sport, uint64_t octets)
{
	static const uint8_t smac[6] = { 2, 0, 0, 0, 0, 1 }, dmac[6] = { 2, 0, 0, 0, 0, 2 };

	p32(m, a4(src)); p32(m, a4("198.51.100.7")); p16(m, sport); p16(m, 443); p8(m, 6);
	p64(m, octets); p32(m, 7); p64(m, T0_MS - 2000); p64(m, T0_MS - 500);
	p32(m, 3); p32(m, 4); p8(m, 0x1b); p8(m, 0x28); p32(m, a4("192.0.2.254"));
	p8(m, 24); p8(m, 16); p16(m, 64512); p32(m, 4200000000u);
	p16(m, 100); p16(m, 200); pbytes(m, smac, 6); pbytes(m, dmac, 6); p8(m, 3);
}

static const uint16_t T6[] = { 27, 16, 28, 16, 7, 2, 11, 2, 4, 1, 85, 8, 86, 8,
                               150, 4, 151, 4, 62, 16, 29, 1, 30, 1, 0 };

static void rec6(struct mb *m)
{
	uint8_t a[16];

	inet_pton(AF_INET6, "2001:db8::1", a); pbytes(m, a, 16);
	inet_pton(AF_INET6, "2001:db8::2", a); pbytes(m, a, 16);
	p16(m, 5353); p16(m, 53); p8(m, 17); p64(m, 1500); p64(m, 2);
	p32(m, T0 - 10); p32(m, T0 - 9);
	inet_pton(AF_INET6, "fe80::1", a); pbytes(m, a, 16);
	p8(m, 48); p8(m, 64);
}

/* Minimal IPv4 template: src, dst, octets(4). */
static const uint16_t TMIN[] = { 8, 4, 12, 4, 1, 4, 0 };

static void recmin(struct mb *m, uint32_t octets)
{
	p32(m, a4("10.0.0.1")); p32(m, a4("10.0.0.2")); p32(m, octets);
}

/* ---- tests ---------------------------------------------------------------- */

static void test_v4_v6(void)
{
	struct ipfix_session *s = ipfix_session_new(NULL);
	struct mb *m = calloc(1, sizeof(*m));
	const struct ipfix_domain_stats *st;

	ipfix_hdr(m, 0, 7);
	set_begin(m, 2); tmpl(m, 256, T4); tmpl(m, 257, T6); set_end(m);
	set_begin(m, 256); rec4(m, "192.0.2.1", 1000, 5000); rec4(m, "192.0.2.2", 1001, 6000); set_end(m);
	set_begin(m, 257); rec6(m); set_end(m);
	CHECK_EQ(feed(s, m), IPFIX_OK);
	CHECK_EQ(ngot, 3);
	CHECK(got[0].af == AF_INET);
	CHECK(addr_is(&got[0].src, AF_INET, "192.0.2.1"));
	CHECK(addr_is(&got[0].dst, AF_INET, "198.51.100.7"));
	CHECK(addr_is(&got[0].nexthop, AF_INET, "192.0.2.254"));
	CHECK_EQ(got[0].sport, 1000);
	CHECK_EQ(got[0].dport, 443);
	CHECK_EQ(got[0].proto, 6);
	CHECK_EQ(got[0].octets, 5000);
	CHECK_EQ(got[0].packets, 7);
	CHECK_EQ(got[0].first_ms, T0_MS - 2000);
	CHECK_EQ(got[0].last_ms, T0_MS - 500);
	CHECK_EQ(got[0].in_if, 3);
	CHECK_EQ(got[0].out_if, 4);
	CHECK_EQ(got[0].tcp_flags, 0x1b);
	CHECK_EQ(got[0].tos, 0x28);
	CHECK_EQ(got[0].src_mask, 24);
	CHECK_EQ(got[0].dst_mask, 16);
	CHECK_EQ(got[0].src_as, 64512);
	CHECK_EQ(got[0].dst_as, 4200000000u);
	CHECK_EQ(got[0].vlan, 100);
	CHECK_EQ(got[0].inner_vlan, 200);
	CHECK(got[0].src_mac[5] == 1 && got[0].dst_mac[5] == 2);
	CHECK_EQ(got[0].end_reason, 3);
	CHECK_EQ(got[0].sampling, 0);
	CHECK_EQ(got_dom[0], 7);
	CHECK_EQ(got[1].octets, 6000);
	CHECK(got[2].af == AF_INET6);
	CHECK(addr_is(&got[2].src, AF_INET6, "2001:db8::1"));
	CHECK(addr_is(&got[2].dst, AF_INET6, "2001:db8::2"));
	CHECK(addr_is(&got[2].nexthop, AF_INET6, "fe80::1"));
	CHECK_EQ(got[2].octets, 1500);     /* from octetTotalCount */
	CHECK_EQ(got[2].packets, 2);
	CHECK_EQ(got[2].first_ms, (T0 - 10) * 1000ull);
	CHECK_EQ(got[2].last_ms, (T0 - 9) * 1000ull);
	CHECK_EQ(got[2].src_mask, 48);
	CHECK_EQ(got[2].dst_mask, 64);
	st = stats_of(s, 7);
	CHECK(dom_found);
	CHECK_EQ(st->version, 10);
	CHECK_EQ(st->records, 3);
	CHECK_EQ(st->templates_active, 2);
	CHECK_EQ(st->templates_added, 2);
	CHECK_EQ(st->template_errors, 0);
	ipfix_session_free(s);
	free(m);
}

/* Each time flavour in a template of its own: 256 + i. */
static void test_times(void)
{
	static const uint16_t tt[][11] = {
		{ 8, 4, 12, 4, 154, 8, 155, 8, 0 },                 /* micro (NTP) */
		{ 8, 4, 12, 4, 156, 8, 157, 8, 0 },                 /* nano (NTP) */
		{ 8, 4, 12, 4, 158, 4, 159, 4, 0 },                 /* delta micro */
		{ 8, 4, 12, 4, 22, 4, 21, 4, 160, 8, 0 },           /* uptime + init */
		{ 8, 4, 12, 4, 22, 4, 21, 4, 0 },                   /* uptime, init from options */
		{ 8, 4, 12, 4, 0 },                                 /* none */
		{ 8, 4, 12, 4, 153, 8, 0 },                         /* end only */
	};
	struct ipfix_session *s = ipfix_session_new(NULL);
	struct mb *m = calloc(1, sizeof(*m));
	uint64_t ntp_a = (uint64_t)(T0 - 3 + NTP_OFF) << 32 | 0x80000000u;   /* +500 ms */
	uint64_t ntp_b = (uint64_t)(T0 - 1 + NTP_OFF) << 32 | 0x40000000u;   /* +250 ms */
	size_t i;

	ipfix_hdr(m, 0, 1);
	set_begin(m, 2);
	for (i = 0; i < 7; i++)
		tmpl(m, (uint16_t)(256 + i), tt[i]);
	set_end(m);
	set_begin(m, 3);
	p16(m, 300); p16(m, 2); p16(m, 1); p16(m, 149); p16(m, 4); p16(m, 160); p16(m, 8);
	set_end(m);
	set_begin(m, 300); p32(m, 1); p64(m, T0_MS - 100000); set_end(m);
	set_begin(m, 256); recmin(m, 0); m->len -= 4; p64(m, ntp_a); p64(m, ntp_b); set_end(m);
	set_begin(m, 257); recmin(m, 0); m->len -= 4; p64(m, ntp_a); p64(m, ntp_b); set_end(m);
	set_begin(m, 258); recmin(m, 0); m->len -= 4; p32(m, 4000000); p32(m, 1500000); set_end(m);
	set_begin(m, 259); recmin(m, 0); m->len -= 4; p32(m, 1000); p32(m, 2000); p64(m, T0_MS - 50000); set_end(m);
	set_begin(m, 260); recmin(m, 0); m->len -= 4; p32(m, 1000); p32(m, 2000); set_end(m);
	set_begin(m, 261); recmin(m, 0); m->len -= 4; set_end(m);
	set_begin(m, 262); recmin(m, 0); m->len -= 4; p64(m, T0_MS - 7); set_end(m);
	CHECK_EQ(feed(s, m), IPFIX_OK);
	CHECK_EQ(ngot, 7);
	CHECK_EQ(got[0].first_ms, T0_MS - 3000 + 500);
	CHECK_EQ(got[0].last_ms, T0_MS - 1000 + 250);
	CHECK_EQ(got[1].first_ms, T0_MS - 3000 + 500);
	CHECK_EQ(got[1].last_ms, T0_MS - 1000 + 250);
	CHECK_EQ(got[2].first_ms, T0_MS - 4000);
	CHECK_EQ(got[2].last_ms, T0_MS - 1500);
	CHECK_EQ(got[3].first_ms, T0_MS - 50000 + 1000);
	CHECK_EQ(got[3].last_ms, T0_MS - 50000 + 2000);
	CHECK_EQ(got[4].first_ms, T0_MS - 100000 + 1000);
	CHECK_EQ(got[4].last_ms, T0_MS - 100000 + 2000);
	CHECK_EQ(got[5].first_ms, NOW_MS);
	CHECK_EQ(got[5].last_ms, NOW_MS);
	CHECK_EQ(got[6].first_ms, T0_MS - 7);
	CHECK_EQ(got[6].last_ms, T0_MS - 7);
	CHECK_EQ(stats_of(s, 1)->options_records, 1);
	ipfix_session_free(s);
	free(m);
}

static void test_sampling(void)
{
	static const uint16_t with_int[] = { 8, 4, 12, 4, 1, 4, 34, 4, 0 };
	struct ipfix_session *s = ipfix_session_new(NULL);
	struct mb *m = calloc(1, sizeof(*m));

	/* PSAMP interval/space: 1 selected, 99 skipped = 1 in 100 */
	ipfix_hdr(m, 0, 1);
	set_begin(m, 2); tmpl(m, 256, TMIN); tmpl(m, 257, with_int); set_end(m);
	set_begin(m, 3);
	p16(m, 300); p16(m, 3); p16(m, 1); p16(m, 149); p16(m, 4); p16(m, 305); p16(m, 4); p16(m, 306); p16(m, 4);
	p16(m, 301); p16(m, 2); p16(m, 1); p16(m, 149); p16(m, 4); p16(m, 34); p16(m, 4);
	p16(m, 302); p16(m, 2); p16(m, 1); p16(m, 149); p16(m, 4); p16(m, 50); p16(m, 4);
	p16(m, 303); p16(m, 2); p16(m, 1); p16(m, 149); p16(m, 4); p16(m, 311); p16(m, 8);
	set_end(m);
	set_begin(m, 256); recmin(m, 1); set_end(m);       /* before any rate */
	set_begin(m, 300); p32(m, 1); p32(m, 1); p32(m, 99); set_end(m);
	set_begin(m, 256); recmin(m, 2); set_end(m);
	set_begin(m, 257); recmin(m, 3); p32(m, 10); set_end(m);   /* inline wins */
	CHECK_EQ(feed(s, m), IPFIX_OK);
	CHECK_EQ(ngot, 3);
	CHECK_EQ(got[0].sampling, 0);
	CHECK_EQ(got[1].sampling, 100);
	CHECK_EQ(got[2].sampling, 10);
	CHECK_EQ(got[1].octets, 2);        /* unscaled */
	CHECK_EQ(stats_of(s, 1)->sampling, 100);

	ipfix_hdr(m, 4, 1);
	set_begin(m, 301); p32(m, 1); p32(m, 512); set_end(m);
	set_begin(m, 256); recmin(m, 4); set_end(m);
	set_begin(m, 302); p32(m, 1); p32(m, 33); set_end(m);
	set_begin(m, 256); recmin(m, 5); set_end(m);
	set_begin(m, 303); p32(m, 1); p64(m, 0x3f50624dd2f1a9fcull); set_end(m);  /* 0.001 */
	set_begin(m, 256); recmin(m, 6); set_end(m);
	CHECK_EQ(feed(s, m), IPFIX_OK);
	CHECK_EQ(ngot, 3);
	CHECK_EQ(got[0].sampling, 512);
	CHECK_EQ(got[1].sampling, 33);
	CHECK_EQ(got[2].sampling, 1000);
	CHECK_EQ(stats_of(s, 1)->options_records, 4);
	CHECK_EQ(stats_of(s, 1)->lost, 0);
	ipfix_session_free(s);
	free(m);
}

/* An options record of template 310..313 (scope: observationDomainId). */
static void opt_f32(struct mb *m, uint32_t bits) { set_begin(m, 310); p32(m, 1); p32(m, bits); set_end(m); }
static void opt_f64(struct mb *m, uint64_t bits) { set_begin(m, 311); p32(m, 1); p64(m, bits); set_end(m); }
static void opt_int(struct mb *m, uint32_t v) { set_begin(m, 312); p32(m, 1); p32(m, v); set_end(m); }
static void opt_psamp(struct mb *m, uint32_t pint, uint32_t space)
{
	set_begin(m, 313); p32(m, 1); p32(m, pint); p32(m, space); set_end(m);
}

/* The rate the next data record of template 256 is read with. */
static uint32_t rate_now(struct ipfix_session *s, struct mb *m, uint32_t *seq)
{
	ipfix_hdr(m, (*seq)++, 1);
	set_begin(m, 256); recmin(m, 1); set_end(m);
	if (feed(s, m) != IPFIX_OK || ngot != 1)
		return 0xdeadbeef;
	return got[0].sampling;
}

/*
 * samplingProbability (311) is float64, and RFC 7011 6.2 lets an exporter
 * send it as float32 in 4 bytes: libfixbuf (2.4, and 2.5 too) widens such a
 * value like an integer, so it must be read as float32 here.  Absurd rates
 * (probability 0, NaN, negative, above 1 or below 1/max; intervals of 0 or
 * above the maximum) are never applied: the domain keeps its rate, a data
 * record falls back to it.
 */
static void test_sampling_bounds(void)
{
	static const uint16_t inl[] = { 8, 4, 12, 4, 1, 4, 34, 4, 0 };
	struct ipfix_session *s = ipfix_session_new(NULL);
	struct mb *m = calloc(1, sizeof(*m));
	uint32_t seq = 0;

	ipfix_hdr(m, seq++, 1);
	set_begin(m, 2); tmpl(m, 256, TMIN); tmpl(m, 257, inl); set_end(m);
	set_begin(m, 3);
	p16(m, 310); p16(m, 2); p16(m, 1); p16(m, 149); p16(m, 4); p16(m, 311); p16(m, 4);
	p16(m, 311); p16(m, 2); p16(m, 1); p16(m, 149); p16(m, 4); p16(m, 311); p16(m, 8);
	p16(m, 312); p16(m, 2); p16(m, 1); p16(m, 149); p16(m, 4); p16(m, 34); p16(m, 4);
	p16(m, 313); p16(m, 3); p16(m, 1); p16(m, 149); p16(m, 4); p16(m, 305); p16(m, 4); p16(m, 306); p16(m, 4);
	set_end(m);
	opt_f32(m, 0x3c23d70au);                      /* 0.01f: 1 in 100 */
	CHECK_EQ(feed(s, m), IPFIX_OK);
	CHECK_EQ(stats_of(s, 1)->sampling, 100);
	CHECK_EQ(rate_now(s, m, &seq), 100);

	/* absurd values: none of them changes the rate */
	ipfix_hdr(m, seq++, 1);
	opt_f64(m, 0x01a56e1fc2f8f359ull);            /* 1e-300: 1 in 1e300 */
	opt_f64(m, 0x7ff8000000000000ull);            /* NaN */
	opt_f64(m, 0xbfe0000000000000ull);            /* -0.5 */
	opt_f64(m, 0x3ff8000000000000ull);            /* 1.5 */
	opt_f64(m, 0);                                /* 0.0 */
	opt_f64(m, 0x7ff0000000000000ull);            /* +inf */
	opt_f32(m, 0x7fc00000u);                      /* NaN (float32) */
	opt_f32(m, 0x00000001u);                      /* float32 denormal */
	opt_f32(m, 0);                                /* 0.0f */
	opt_int(m, 0);
	opt_int(m, 4000000000u);
	opt_int(m, 1000001);                          /* just above the maximum */
	opt_psamp(m, 0, 5);
	opt_psamp(m, 1, 4000000000u);
	CHECK_EQ(feed(s, m), IPFIX_OK);
	CHECK_EQ(stats_of(s, 1)->options_records, 15);
	CHECK_EQ(stats_of(s, 1)->sampling_rejected, 14);
	CHECK_EQ(stats_of(s, 1)->sampling, 100);
	CHECK_EQ(rate_now(s, m, &seq), 100);

	/* the largest rate taken (1000000), and a float32 one again */
	ipfix_hdr(m, seq++, 1); opt_int(m, 1000000); CHECK_EQ(feed(s, m), IPFIX_OK);
	CHECK_EQ(rate_now(s, m, &seq), 1000000);
	ipfix_hdr(m, seq++, 1); opt_f32(m, 0x3a83126fu); CHECK_EQ(feed(s, m), IPFIX_OK);   /* 0.001f */
	CHECK_EQ(rate_now(s, m, &seq), 1000);
	ipfix_hdr(m, seq++, 1); opt_psamp(m, 2, 6); CHECK_EQ(feed(s, m), IPFIX_OK);        /* 8/2 */
	CHECK_EQ(rate_now(s, m, &seq), 4);

	/* in a data record: an absurd inline rate is not applied, the
	 * domain's is; a sound one wins */
	ipfix_hdr(m, seq++, 1);
	set_begin(m, 257);
	recmin(m, 1); p32(m, 4000000000u);
	recmin(m, 2); p32(m, 0);
	recmin(m, 3); p32(m, 7);
	set_end(m);
	CHECK_EQ(feed(s, m), IPFIX_OK);
	CHECK_EQ(ngot, 3);
	CHECK_EQ(got[0].sampling, 4);
	CHECK_EQ(got[1].sampling, 4);
	CHECK_EQ(got[2].sampling, 7);
	CHECK_EQ(stats_of(s, 1)->sampling_rejected, 14 + 2);
	ipfix_session_free(s);
	free(m);
}

static void test_withdraw_redefine(void)
{
	static const uint16_t other[] = { 8, 4, 12, 4, 2, 4, 0 };   /* packets, not octets */
	struct ipfix_session *s = ipfix_session_new(NULL);
	struct mb *m = calloc(1, sizeof(*m));
	const struct ipfix_domain_stats *st;

	ipfix_hdr(m, 0, 1);
	set_begin(m, 2); tmpl(m, 256, TMIN); tmpl(m, 257, TMIN); set_end(m);
	set_begin(m, 256); recmin(m, 11); set_end(m);
	/* withdraw 256 in the same message, after its data */
	set_begin(m, 2); p16(m, 256); p16(m, 0); set_end(m);
	set_begin(m, 256); recmin(m, 12); set_end(m);      /* no template now */
	CHECK_EQ(feed(s, m), IPFIX_OK);
	CHECK_EQ(ngot, 1);
	CHECK_EQ(got[0].octets, 11);
	st = stats_of(s, 1);
	CHECK_EQ(st->templates_withdrawn, 1);
	CHECK_EQ(st->templates_active, 1);
	CHECK_EQ(st->no_template_sets, 1);

	/* redefine 257: packets instead of octets */
	ipfix_hdr(m, 1, 1);
	set_begin(m, 257); recmin(m, 21); set_end(m);
	set_begin(m, 2); tmpl(m, 257, other); set_end(m);
	set_begin(m, 257); recmin(m, 22); set_end(m);
	CHECK_EQ(feed(s, m), IPFIX_OK);
	CHECK_EQ(ngot, 2);
	CHECK_EQ(got[0].octets, 21);
	CHECK_EQ(got[0].packets, 0);
	CHECK_EQ(got[1].octets, 0);
	CHECK_EQ(got[1].packets, 22);
	st = stats_of(s, 1);
	CHECK_EQ(st->templates_redefined, 1);
	/* refresh with the same definition is not a redefinition */
	ipfix_hdr(m, 3, 1);
	set_begin(m, 2); tmpl(m, 257, other); set_end(m);
	set_begin(m, 257); recmin(m, 23); set_end(m);
	CHECK_EQ(feed(s, m), IPFIX_OK);
	CHECK_EQ(ngot, 1);
	CHECK_EQ(stats_of(s, 1)->templates_redefined, 1);

	/* withdraw all data templates, then redefine 256 and use it */
	ipfix_hdr(m, 4, 1);
	set_begin(m, 3); p16(m, 400); p16(m, 2); p16(m, 1); p16(m, 149); p16(m, 4); p16(m, 34); p16(m, 4); set_end(m);
	set_begin(m, 2); p16(m, 2); p16(m, 0); set_end(m);
	set_begin(m, 257); recmin(m, 31); set_end(m);
	set_begin(m, 2); tmpl(m, 256, TMIN); set_end(m);
	set_begin(m, 256); recmin(m, 32); set_end(m);
	CHECK_EQ(feed(s, m), IPFIX_OK);
	CHECK_EQ(ngot, 1);
	CHECK_EQ(got[0].octets, 32);
	st = stats_of(s, 1);
	CHECK_EQ(st->templates_active, 2);                 /* 400 (options) and 256 */
	CHECK_EQ(st->templates_withdrawn, 2);
	CHECK_EQ(st->no_template_sets, 2);

	/* an invalid redefinition drops the old definition too */
	ipfix_hdr(m, 5, 1);
	set_begin(m, 2); p16(m, 256); p16(m, 1); p16(m, 8); p16(m, 0); set_end(m);
	set_begin(m, 256); recmin(m, 33); set_end(m);
	CHECK_EQ(feed(s, m), IPFIX_OK);
	CHECK_EQ(ngot, 0);
	st = stats_of(s, 1);
	CHECK_EQ(st->template_errors, 1);
	CHECK_EQ(st->templates_active, 1);
	ipfix_session_free(s);
	free(m);
}

/* Each external template is read through an internal template of its own:
 * same template id, different definitions in two domains; and enough
 * redefinitions to go round the internal template id space while another
 * template stays in use. */
static void test_internal_templates(void)
{
	static const uint16_t other[] = { 8, 4, 12, 4, 2, 4, 0 };   /* packets, not octets */
	struct ipfix_session *s = ipfix_session_new(NULL);
	struct mb *m = calloc(1, sizeof(*m));
	uint32_t i, bad = 0;

	ipfix_hdr(m, 0, 1);
	set_begin(m, 2); tmpl(m, 256, TMIN); tmpl(m, 257, T4); set_end(m);
	set_begin(m, 256); recmin(m, 41); set_end(m);
	CHECK_EQ(feed(s, m), IPFIX_OK);
	ipfix_hdr(m, 0, 2);
	set_begin(m, 2); tmpl(m, 256, other); set_end(m);
	set_begin(m, 256); recmin(m, 42); set_end(m);
	CHECK_EQ(feed(s, m), IPFIX_OK);
	CHECK_EQ(ngot, 1);
	CHECK_EQ(got[0].octets, 0);
	CHECK_EQ(got[0].packets, 42);
	ipfix_hdr(m, 1, 1);
	set_begin(m, 256); recmin(m, 43); set_end(m);
	set_begin(m, 257); rec4(m, "192.0.2.1", 1000, 44); set_end(m);
	CHECK_EQ(feed(s, m), IPFIX_OK);
	CHECK_EQ(ngot, 2);
	CHECK_EQ(got[0].octets, 43);
	CHECK_EQ(got[0].packets, 0);
	CHECK_EQ(got[1].octets, 44);
	CHECK_EQ(got[1].packets, 7);
	CHECK_EQ(got[1].src_as, 64512);

	for (i = 0; i < 70000; i++) {
		ipfix_hdr(m, 3 + i, 1);
		set_begin(m, 2); tmpl(m, 256, (i & 1) ? TMIN : other); set_end(m);
		set_begin(m, 256); recmin(m, i); set_end(m);
		if (feed(s, m) != IPFIX_OK || ngot != 1 ||
		    got[0].octets != ((i & 1) ? i : 0) ||
		    got[0].packets != ((i & 1) ? 0 : i))
			bad++;
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(stats_of(s, 1)->templates_redefined, 70000);
	ipfix_hdr(m, 3 + i, 1);
	set_begin(m, 257); rec4(m, "192.0.2.2", 1001, 45); set_end(m);
	CHECK_EQ(feed(s, m), IPFIX_OK);
	CHECK_EQ(ngot, 1);
	CHECK_EQ(got[0].octets, 45);
	CHECK_EQ(got[0].in_if, 3);
	CHECK(addr_is(&got[0].src, AF_INET, "192.0.2.2"));
	ipfix_hdr(m, 1, 2);
	set_begin(m, 256); recmin(m, 46); set_end(m);
	CHECK_EQ(feed(s, m), IPFIX_OK);
	CHECK_EQ(ngot, 1);
	CHECK_EQ(got[0].packets, 46);
	ipfix_session_free(s);
	free(m);
}

static void msg_n(struct mb *m, uint32_t seq, uint32_t dom, int n, int with_tmpl)
{
	ipfix_hdr(m, seq, dom);
	if (with_tmpl) {
		set_begin(m, 2); tmpl(m, 256, TMIN); set_end(m);
	}
	set_begin(m, 256);
	for (int i = 0; i < n; i++)
		recmin(m, (uint32_t)i);
	set_end(m);
}

static void test_sequence(void)
{
	struct ipfix_session *s = ipfix_session_new(NULL);
	struct mb *m = calloc(1, sizeof(*m));
	const struct ipfix_domain_stats *st;

	msg_n(m, 100, 1, 2, 1);  CHECK_EQ(feed(s, m), IPFIX_OK);   /* next 102 */
	msg_n(m, 102, 1, 3, 0);  CHECK_EQ(feed(s, m), IPFIX_OK);   /* next 105 */
	msg_n(m, 110, 1, 2, 0);  CHECK_EQ(feed(s, m), IPFIX_OK);   /* 5 lost, next 112 */
	st = stats_of(s, 1);
	CHECK_EQ(st->lost, 5);
	CHECK_EQ(st->last_seq, 110);
	msg_n(m, 105, 1, 3, 0);  CHECK_EQ(feed(s, m), IPFIX_OK);   /* late: 3 of them back */
	st = stats_of(s, 1);
	CHECK_EQ(st->reordered, 1);
	CHECK_EQ(st->lost, 2);
	msg_n(m, 112, 1, 1, 0);  CHECK_EQ(feed(s, m), IPFIX_OK);   /* in order: expected not moved back */
	CHECK_EQ(stats_of(s, 1)->lost, 2);
	/* wrap at 2^32 */
	msg_n(m, 0xfffffffeu, 2, 3, 1);  CHECK_EQ(feed(s, m), IPFIX_OK);
	msg_n(m, 1, 2, 2, 0);            CHECK_EQ(feed(s, m), IPFIX_OK);
	msg_n(m, 5, 2, 1, 0);            CHECK_EQ(feed(s, m), IPFIX_OK);
	st = stats_of(s, 2);
	CHECK_EQ(st->lost, 2);
	CHECK_EQ(st->reordered, 0);
	CHECK_EQ(st->resets, 0);
	/* restart: far backwards */
	msg_n(m, 5000000, 3, 1, 1);      CHECK_EQ(feed(s, m), IPFIX_OK);
	msg_n(m, 0, 3, 1, 0);            CHECK_EQ(feed(s, m), IPFIX_OK);
	msg_n(m, 1, 3, 1, 0);            CHECK_EQ(feed(s, m), IPFIX_OK);
	st = stats_of(s, 3);
	CHECK_EQ(st->resets, 1);
	CHECK_EQ(st->lost, 0);
	/* data we could not count (no template) resynchronises */
	ipfix_hdr(m, 2, 3);
	set_begin(m, 999); pzero(m, 20); set_end(m);
	CHECK_EQ(feed(s, m), IPFIX_OK);
	msg_n(m, 50, 3, 1, 0);           CHECK_EQ(feed(s, m), IPFIX_OK);
	msg_n(m, 51, 3, 1, 0);           CHECK_EQ(feed(s, m), IPFIX_OK);
	st = stats_of(s, 3);
	CHECK_EQ(st->lost, 0);
	CHECK_EQ(st->no_template_sets, 1);
	ipfix_session_free(s);
	free(m);
}

static void test_two_domains(void)
{
	struct ipfix_session *s = ipfix_session_new(NULL);
	struct mb *m = calloc(1, sizeof(*m));

	msg_n(m, 0, 10, 2, 1);   CHECK_EQ(feed(s, m), IPFIX_OK);
	CHECK_EQ(ngot, 2);
	CHECK_EQ(got_dom[0], 10);
	msg_n(m, 0, 20, 2, 0);   CHECK_EQ(feed(s, m), IPFIX_OK);   /* 20 has no template */
	CHECK_EQ(ngot, 0);
	msg_n(m, 0, 20, 1, 1);   CHECK_EQ(feed(s, m), IPFIX_OK);
	CHECK_EQ(ngot, 1);
	CHECK_EQ(got_dom[0], 20);
	CHECK_EQ(stats_of(s, 10)->records, 2);
	CHECK_EQ(stats_of(s, 20)->records, 1);
	CHECK_EQ(stats_of(s, 20)->no_template_sets, 1);
	CHECK_EQ(ipfix_session_stats(s)->domains, 2);
	ipfix_session_free(s);
	free(m);
}

static void test_v9(void)
{
	/* src, dst, ports, proto, IN_BYTES, IN_PKTS, FIRST, LAST, vendor 40001 */
	static const uint16_t t[] = { 8, 4, 12, 4, 7, 2, 11, 2, 4, 1, 1, 4, 2, 4,
	                              22, 4, 21, 4, 40001, 4, 0 };
	struct ipfix_session *s = ipfix_session_new(NULL);
	struct mb *m = calloc(1, sizeof(*m));
	const struct ipfix_domain_stats *st;
	uint32_t up = 1000;        /* uptime wrapped 1 s ago */

	v9_hdr(m, up, T0, 7, 42);
	set_begin(m, 0); tmpl(m, 300, t); set_end(m);
	/* options: scope System (4 bytes), SAMPLING_INTERVAL(34) 4, ALGORITHM(35) 1 */
	set_begin(m, 1); p16(m, 301); p16(m, 4); p16(m, 8); p16(m, 1); p16(m, 4);
	p16(m, 34); p16(m, 4); p16(m, 35); p16(m, 1); pzero(m, 2); set_end(m);
	set_begin(m, 301); p32(m, 0); p32(m, 64); p8(m, 2); pzero(m, 3); set_end(m);
	set_begin(m, 300);
	p32(m, a4("192.0.2.9")); p32(m, a4("192.0.2.10")); p16(m, 1); p16(m, 2); p8(m, 17);
	p32(m, 999); p32(m, 3); p32(m, 0xffffff00u); p32(m, 500); p32(m, 0);
	pzero(m, 3);                              /* flowset padding */
	set_end(m);
	CHECK_EQ(feed(s, m), IPFIX_OK);
	CHECK_EQ(ngot, 1);
	CHECK(got[0].af == AF_INET);
	CHECK(addr_is(&got[0].src, AF_INET, "192.0.2.9"));
	CHECK_EQ(got[0].octets, 999);
	CHECK_EQ(got[0].packets, 3);
	CHECK_EQ(got[0].first_ms, T0_MS - (1000 + 256));
	CHECK_EQ(got[0].last_ms, T0_MS - 500);
	CHECK_EQ(got[0].sampling, 64);
	CHECK_EQ(got_dom[0], 42);
	st = stats_of(s, 42);
	CHECK_EQ(st->version, 9);
	CHECK_EQ(st->templates_active, 2);
	CHECK_EQ(st->options_records, 1);

	/* packets 8, 9 lost: 10 arrives; then 8 late */
	v9_hdr(m, 2000, T0 + 1, 10, 42);
	set_begin(m, 300);
	p32(m, a4("192.0.2.9")); p32(m, a4("192.0.2.10")); p16(m, 1); p16(m, 2); p8(m, 17);
	p32(m, 1); p32(m, 1); p32(m, 1500); p32(m, 1900); p32(m, 0);
	set_end(m);
	CHECK_EQ(feed(s, m), IPFIX_OK);
	CHECK_EQ(ngot, 1);
	CHECK_EQ(got[0].first_ms, (T0 + 1) * 1000ull - 500);
	CHECK_EQ(stats_of(s, 42)->lost_packets_v9, 2);
	v9_hdr(m, 2000, T0 + 1, 8, 42);
	CHECK_EQ(feed(s, m), IPFIX_OK);
	st = stats_of(s, 42);
	CHECK_EQ(st->lost_packets_v9, 1);
	CHECK_EQ(st->reordered, 1);
	CHECK_EQ(st->lost, 0);
	ipfix_session_free(s);
	free(m);
}

static void test_varlen_and_enterprise(void)
{
	struct ipfix_session *s = ipfix_session_new(NULL);
	struct mb *m = calloc(1, sizeof(*m));
	const struct ipfix_domain_stats *st;
	uint8_t name[300];

	memset(name, 'x', sizeof(name));
	ipfix_hdr(m, 0, 1);
	set_begin(m, 2);
	/* src, interfaceName (varlen), dst, an unknown enterprise element, octets */
	p16(m, 256); p16(m, 5); p16(m, 8); p16(m, 4); p16(m, 82); p16(m, 65535);
	p16(m, 12); p16(m, 4); p16(m, 0x8000 | 77); p16(m, 3); p32(m, 4242424242u); p16(m, 1); p16(m, 4);
	/* a basicList element (291), varlen: travels as padding */
	p16(m, 257); p16(m, 4); p16(m, 8); p16(m, 4); p16(m, 291); p16(m, 65535); p16(m, 12); p16(m, 4); p16(m, 1); p16(m, 4);
	set_end(m);
	set_begin(m, 256);
	p32(m, a4("10.1.1.1")); p8(m, 3); pbytes(m, "eth", 3); p32(m, a4("10.1.1.2")); pzero(m, 3); p32(m, 77);
	p32(m, a4("10.1.1.3")); p8(m, 255); p16(m, 300); pbytes(m, name, 300); p32(m, a4("10.1.1.4")); pzero(m, 3); p32(m, 78);
	p32(m, a4("10.1.1.5")); p8(m, 50); pzero(m, 20);   /* truncated record */
	set_end(m);
	set_begin(m, 257);
	p32(m, a4("10.2.2.1")); p8(m, 5); p8(m, 3); p16(m, 0); p16(m, 0); p32(m, a4("10.2.2.2")); p32(m, 79);
	set_end(m);
	CHECK_EQ(feed(s, m), IPFIX_OK);
	CHECK_EQ(ngot, 3);
	CHECK(addr_is(&got[0].dst, AF_INET, "10.1.1.2"));
	CHECK_EQ(got[0].octets, 77);
	CHECK(addr_is(&got[1].src, AF_INET, "10.1.1.3"));
	CHECK_EQ(got[1].octets, 78);
	CHECK(addr_is(&got[2].dst, AF_INET, "10.2.2.2"));
	CHECK_EQ(got[2].octets, 79);
	st = stats_of(s, 1);
	CHECK_EQ(st->bad_sets, 1);
	CHECK_EQ(st->template_errors, 0);
	ipfix_session_free(s);
	free(m);
}

static void test_malformed(void)
{
	struct ipfix_session *s = ipfix_session_new(NULL);
	struct mb *m = calloc(1, sizeof(*m));
	const struct ipfix_domain_stats *st;
	static const uint8_t v5[24] = { 0, 5 };
	uint8_t big[65536 + 10];

	/* whole-datagram rejections */
	CHECK_EQ(ipfix_session_input(s, v5, 3, NOW_MS, emit, NULL), IPFIX_ERR_SHORT);
	CHECK_EQ(ipfix_session_input(s, v5, 24, NOW_MS, emit, NULL), IPFIX_ERR_VERSION);
	ipfix_hdr(m, 0, 1);
	CHECK_EQ(ipfix_session_input(s, m->b, 15, NOW_MS, emit, NULL), IPFIX_ERR_SHORT);
	v9_hdr(m, 0, T0, 0, 1);
	CHECK_EQ(ipfix_session_input(s, m->b, 19, NOW_MS, emit, NULL), IPFIX_ERR_SHORT);
	msg_n(m, 0, 1, 1, 1); fin(m);
	CHECK_EQ(ipfix_session_input(s, m->b, m->len - 1, NOW_MS, emit, NULL), IPFIX_ERR_LENGTH);
	m->b[m->len] = 0;
	CHECK_EQ(ipfix_session_input(s, m->b, m->len + 1, NOW_MS, emit, NULL), IPFIX_ERR_LENGTH);
	memset(big, 0, sizeof(big));
	big[1] = 10;
	CHECK_EQ(ipfix_session_input(s, big, sizeof(big), NOW_MS, emit, NULL), IPFIX_ERR_TOOBIG);
	ipfix_hdr(m, 0, 1); set_begin(m, 2); set_end(m); m->b[m->set_at + 3] = 3;
	CHECK_EQ(feed(s, m), IPFIX_ERR_SET);                 /* set length 3 */
	ipfix_hdr(m, 0, 1); set_begin(m, 256); pzero(m, 8); set_end(m); m->b[m->set_at + 3] = 40;
	CHECK_EQ(feed(s, m), IPFIX_ERR_SET);                 /* beyond the message */
	ipfix_hdr(m, 0, 1); set_begin(m, 256); pzero(m, 8); set_end(m); pzero(m, 2);
	CHECK_EQ(feed(s, m), IPFIX_ERR_SET);                 /* trailing bytes */
	v9_hdr(m, 0, T0, 0, 1); set_begin(m, 0); set_end(m); m->b[m->set_at + 3] = 2;
	CHECK_EQ(feed(s, m), IPFIX_ERR_SET);
	CHECK_EQ(ipfix_session_stats(s)->domains, 0);       /* no state from rejects */
	CHECK_EQ(ipfix_session_stats(s)->rejected[-IPFIX_ERR_SET], 4);

	/* template records dropped one by one; odd fields skipped, their
	 * templates kept */
	ipfix_hdr(m, 0, 1);
	set_begin(m, 2);
	p16(m, 256); p16(m, 2); p16(m, 8); p16(m, 4); p16(m, 12); p16(m, 0);      /* zero length */
	p16(m, 257); p16(m, 2); p16(m, 8); p16(m, 8); p16(m, 12); p16(m, 4);      /* IPv4 of 8: skipped */
	p16(m, 258); p16(m, 2); p16(m, 8); p16(m, 4); p16(m, 4); p16(m, 2);       /* proto of 2: read */
	p16(m, 259); p16(m, 2); p16(m, 8); p16(m, 4); p16(m, 1); p16(m, 9);       /* u64 of 9: read */
	p16(m, 100); p16(m, 1); p16(m, 8); p16(m, 4);                             /* id < 256 */
	p16(m, 260); p16(m, 2); p16(m, 8); p16(m, 4); p16(m, 152); p16(m, 4);     /* ms time of 4: skipped */
	p16(m, 261); p16(m, 2); p16(m, 8); p16(m, 4); p16(m, 12); p16(m, 4);      /* good */
	set_end(m);
	set_begin(m, 3);
	p16(m, 262); p16(m, 1); p16(m, 0); p16(m, 149); p16(m, 4);                /* scope 0 */
	p16(m, 263); p16(m, 1); p16(m, 2); p16(m, 149); p16(m, 4);                /* scope > count */
	set_end(m);
	set_begin(m, 2);
	p16(m, 264); p16(m, 200); p16(m, 8); p16(m, 4);                           /* count past the set */
	set_end(m);
	set_begin(m, 256); pzero(m, 8); set_end(m);
	set_begin(m, 261); recmin(m, 0); m->len -= 4; set_end(m);
	CHECK_EQ(feed(s, m), IPFIX_OK);
	CHECK_EQ(ngot, 1);
	st = stats_of(s, 1);
	CHECK_EQ(st->template_errors, 5);
	CHECK_EQ(st->templates_active, 5);
	CHECK_EQ(st->fields_skipped, 2);
	CHECK_EQ(st->no_template_sets, 1);

	/* a template longer than max_fields */
	ipfix_hdr(m, 0, 1);
	set_begin(m, 2); p16(m, 270); p16(m, 200);
	for (int i = 0; i < 200; i++) { p16(m, 210); p16(m, 1); }
	set_end(m);
	CHECK_EQ(feed(s, m), IPFIX_OK);
	CHECK_EQ(stats_of(s, 1)->template_errors, 6);

	/* v9: an address of variable length is skipped; an options template
	 * with odd lengths is dropped */
	v9_hdr(m, 0, T0, 0, 1);
	set_begin(m, 0); p16(m, 300); p16(m, 1); p16(m, 8); p16(m, 65535); set_end(m);
	set_begin(m, 1); p16(m, 301); p16(m, 3); p16(m, 4); pzero(m, 8); set_end(m);
	CHECK_EQ(feed(s, m), IPFIX_OK);
	CHECK_EQ(stats_of(s, 1)->template_errors, 7);
	CHECK_EQ(stats_of(s, 1)->fields_skipped, 3);
	ipfix_session_free(s);
	free(m);
}

/* A v9 record of "src, dst, octets(4)" (TMIN) and the v9 packet it is in. */
static void v9_one(struct mb *m, uint32_t seq, uint16_t tid, uint32_t octets)
{
	v9_hdr(m, 100000, T0, seq, 5);
	set_begin(m, tid); recmin(m, octets); set_end(m);
}

/*
 * What real v9 exporters send that a strict reading of the field lengths
 * refused (the layouts are those of captures from the devices named; the
 * bytes are our own):
 *   - Cisco ASR 9000: samplerId (48, unsigned8) in 2 bytes; NBAR: in 4;
 *   - H3C: ipv4RouterSc (43, an IPv4 address) in 2 bytes, a field of type
 *     0, and VRFname (236) of length 65535, i.e. variable-length as in IPFIX;
 *   - Juniper SRX: an options template whose one scope field (System) has
 *     length 0, carrying samplingAlgorithm and samplingInterval;
 *   - an options template with no scope at all (scope length 0);
 *   - fields of type 0 and length 0 at the end of a template;
 *   - Cisco ACI, PAN-OS 8.1: a packet padded with 64, or 1220, zero bytes
 *     after its last flowset.
 * Each template is kept (the odd field is skipped), its records read.
 */
static void test_vendor_quirks(void)
{
	static const uint16_t asr9k[] = { 8, 4, 12, 4, 1, 4, 48, 2, 0 };
	static const uint16_t nbar[] = { 8, 4, 12, 4, 1, 4, 48, 4, 0 };
	static const uint16_t zero[] = { 8, 4, 12, 4, 1, 4, 0 };
	struct ipfix_session *s = ipfix_session_new(NULL);
	struct mb *m = calloc(1, sizeof(*m));
	uint32_t seq = 0;

	/* samplerId in 2 and in 4 bytes */
	v9_hdr(m, 100000, T0, seq++, 5);
	set_begin(m, 0); tmpl(m, 300, asr9k); tmpl(m, 301, nbar); set_end(m);
	set_begin(m, 300); recmin(m, 11); p16(m, 3); recmin(m, 12); p16(m, 3); set_end(m);
	set_begin(m, 301); recmin(m, 13); p32(m, 3); set_end(m);
	CHECK_EQ(feed(s, m), IPFIX_OK);
	CHECK_EQ(ngot, 3);
	CHECK_EQ(got[0].octets, 11);
	CHECK_EQ(got[2].octets, 13);

	/* H3C: a 2-byte IPv4 field, a field of type 0, sampling inline (0) */
	v9_hdr(m, 100000, T0, seq++, 5);
	set_begin(m, 0);
	p16(m, 302); p16(m, 7); p16(m, 8); p16(m, 4); p16(m, 12); p16(m, 4); p16(m, 1); p16(m, 4);
	p16(m, 43); p16(m, 2); p16(m, 0); p16(m, 1); p16(m, 35); p16(m, 1); p16(m, 34); p16(m, 4);
	set_end(m);
	set_begin(m, 302); recmin(m, 21); p16(m, 0); p8(m, 0); p8(m, 0); p32(m, 0); set_end(m);
	CHECK_EQ(feed(s, m), IPFIX_OK);
	CHECK_EQ(ngot, 1);
	CHECK_EQ(got[0].octets, 21);
	CHECK(addr_is(&got[0].dst, AF_INET, "10.0.0.2"));

	/* H3C: VRFname of length 65535 in v9, a length byte before its value */
	v9_hdr(m, 100000, T0, seq++, 5);
	set_begin(m, 0);
	p16(m, 303); p16(m, 4); p16(m, 8); p16(m, 4); p16(m, 12); p16(m, 4); p16(m, 236); p16(m, 65535);
	p16(m, 1); p16(m, 4);
	set_end(m);
	set_begin(m, 303);
	p32(m, a4("10.0.0.1")); p32(m, a4("10.0.0.2")); p8(m, 3); pbytes(m, "vpn", 3); p32(m, 31);
	p32(m, a4("10.0.0.3")); p32(m, a4("10.0.0.4")); p8(m, 0); p32(m, 32);
	set_end(m);
	CHECK_EQ(feed(s, m), IPFIX_OK);
	CHECK_EQ(ngot, 2);
	CHECK_EQ(got[0].octets, 31);
	CHECK_EQ(got[1].octets, 32);
	CHECK(addr_is(&got[1].src, AF_INET, "10.0.0.3"));

	/* zero-length fields at the end of a template */
	v9_hdr(m, 100000, T0, seq++, 5);
	set_begin(m, 0);
	p16(m, 304); p16(m, 6); p16(m, 8); p16(m, 4); p16(m, 12); p16(m, 4); p16(m, 1); p16(m, 4);
	p16(m, 0); p16(m, 0); p16(m, 0); p16(m, 0); p16(m, 0); p16(m, 0);
	set_end(m);
	set_begin(m, 304); recmin(m, 41); recmin(m, 42); set_end(m);
	CHECK_EQ(feed(s, m), IPFIX_OK);
	CHECK_EQ(ngot, 2);
	CHECK_EQ(got[1].octets, 42);

	/* Juniper SRX: a zero-length scope field; the rate is learned */
	v9_hdr(m, 100000, T0, seq++, 5);
	set_begin(m, 1);
	p16(m, 305); p16(m, 4); p16(m, 8); p16(m, 1); p16(m, 0); p16(m, 35); p16(m, 1); p16(m, 34); p16(m, 4);
	pzero(m, 2);
	set_end(m);
	set_begin(m, 0); tmpl(m, 306, zero); set_end(m);
	set_begin(m, 305); p8(m, 2); p32(m, 1000); pzero(m, 3); set_end(m);
	set_begin(m, 306); recmin(m, 51); set_end(m);
	CHECK_EQ(feed(s, m), IPFIX_OK);
	CHECK_EQ(ngot, 1);
	CHECK_EQ(got[0].sampling, 1000);
	CHECK_EQ(stats_of(s, 5)->sampling, 1000);

	/* an options template with no scope field at all */
	v9_hdr(m, 100000, T0, seq++, 5);
	set_begin(m, 1); p16(m, 307); p16(m, 0); p16(m, 4); p16(m, 34); p16(m, 4); set_end(m);
	set_begin(m, 307); p32(m, 64); set_end(m);
	set_begin(m, 306); recmin(m, 52); set_end(m);
	CHECK_EQ(feed(s, m), IPFIX_OK);
	CHECK_EQ(ngot, 1);
	CHECK_EQ(got[0].sampling, 64);

	/* zero padding after the last flowset: 64 bytes, 1220 bytes */
	v9_one(m, seq++, 306, 61); pzero(m, 64);
	CHECK_EQ(feed(s, m), IPFIX_OK);
	CHECK_EQ(ngot, 1);
	v9_one(m, seq++, 306, 62); pzero(m, 1220);
	CHECK_EQ(feed(s, m), IPFIX_OK);
	CHECK_EQ(ngot, 1);
	CHECK_EQ(got[0].octets, 62);
	/* but not garbage */
	v9_one(m, seq++, 306, 63); pzero(m, 8); p8(m, 1);
	CHECK_EQ(feed(s, m), IPFIX_ERR_SET);
	CHECK_EQ(ngot, 0);
	CHECK_EQ(stats_of(s, 5)->template_errors, 0);
	CHECK_EQ(stats_of(s, 5)->templates_active, 8);
	/* samplerId 2 and 4 (not read), 43 of 2, three zero-length fields,
	 * the zero-length scope */
	CHECK_EQ(stats_of(s, 5)->fields_skipped, 7);
	CHECK_EQ(stats_of(s, 5)->sampling_rejected, 1);    /* H3C's inline 0 */
	ipfix_session_free(s);
	free(m);
}

/*
 * IPFIX: an integer longer than its type (RFC 7011 allows shorter ones
 * only) is read when its value fits, and the record is dropped when it does
 * not; an element we do not read is kept as opaque bytes whatever its
 * length; one we read with a length its type cannot have (an IPv4 address in
 * 2 bytes) is skipped, and the template and its other fields kept.
 */
static void test_odd_lengths(void)
{
	static const uint16_t wide[] = { 8, 4, 12, 4, 1, 4, 4, 2, 48, 4, 0 };
	static const uint16_t odd[] = { 8, 4, 12, 2, 1, 4, 0 };
	struct ipfix_session *s = ipfix_session_new(NULL);
	struct mb *m = calloc(1, sizeof(*m));

	ipfix_hdr(m, 0, 1);
	set_begin(m, 2); tmpl(m, 256, wide); tmpl(m, 257, odd); set_end(m);
	set_begin(m, 256);
	recmin(m, 71); p16(m, 6); p32(m, 9);
	recmin(m, 72); p16(m, 0x0106); p32(m, 9);        /* protocol 262: no */
	recmin(m, 73); p16(m, 17); p32(m, 0xffffffffu);
	set_end(m);
	set_begin(m, 257); p32(m, a4("10.0.0.1")); p16(m, 7); p32(m, 74); set_end(m);
	CHECK_EQ(feed(s, m), IPFIX_OK);
	CHECK_EQ(ngot, 3);
	CHECK_EQ(got[0].octets, 71);
	CHECK_EQ(got[0].proto, 6);
	CHECK_EQ(got[1].octets, 73);
	CHECK_EQ(got[1].proto, 17);
	CHECK_EQ(got[2].octets, 74);
	CHECK(addr_is(&got[2].src, AF_INET, "10.0.0.1"));
	CHECK(addr_is(&got[2].dst, AF_INET, "0.0.0.0"));
	CHECK_EQ(stats_of(s, 1)->templates_active, 2);
	CHECK_EQ(stats_of(s, 1)->template_errors, 0);
	CHECK_EQ(stats_of(s, 1)->fields_skipped, 2);       /* samplerId, dst of 2 */
	CHECK_EQ(stats_of(s, 1)->value_overflows, 1);
	CHECK_EQ(stats_of(s, 1)->records, 3);
	ipfix_session_free(s);
	free(m);
}

static void test_limits(void)
{
	struct ipfix_limits lim = { 2, 4, 8, 0, 0, 0 };
	struct ipfix_session *s = ipfix_session_new(&lim);
	struct mb *m = calloc(1, sizeof(*m));
	const struct ipfix_domain_stats *st;

	msg_n(m, 0, 1, 1, 1);   CHECK_EQ(feed(s, m), IPFIX_OK);
	msg_n(m, 0, 2, 1, 1);   CHECK_EQ(feed(s, m), IPFIX_OK);
	msg_n(m, 0, 3, 1, 1);   CHECK_EQ(feed(s, m), IPFIX_ERR_DOMAINS);
	CHECK_EQ(ngot, 0);
	msg_n(m, 1, 1, 1, 0);   CHECK_EQ(feed(s, m), IPFIX_OK);   /* known ones go on */
	CHECK_EQ(ngot, 1);

	ipfix_hdr(m, 2, 1);
	set_begin(m, 2);
	for (uint16_t t = 300; t < 310; t++)
		tmpl(m, t, TMIN);
	set_end(m);
	set_begin(m, 302); recmin(m, 1); set_end(m);
	set_begin(m, 303); recmin(m, 1); set_end(m);     /* over the limit: dropped */
	CHECK_EQ(feed(s, m), IPFIX_OK);
	CHECK_EQ(ngot, 1);
	st = stats_of(s, 1);
	CHECK_EQ(st->templates_active, 4);
	CHECK_EQ(st->template_errors, 7);
	CHECK_EQ(st->no_template_sets, 1);

	/* template flood over many messages stays bounded */
	for (uint32_t k = 0; k < 2000; k++) {
		ipfix_hdr(m, 3 + k, 2);
		set_begin(m, 2); p16(m, 2); p16(m, 0); set_end(m);    /* withdraw all */
		set_begin(m, 2);
		for (uint16_t t = 0; t < 6; t++)
			tmpl(m, (uint16_t)(1000 + (k * 6 + t) % 60000), TMIN);
		set_end(m);
		CHECK_EQ(feed(s, m), IPFIX_OK);
	}
	st = stats_of(s, 2);
	CHECK_EQ(st->templates_active, 4);
	ipfix_session_free(s);
	free(m);
}

/* ---- template memory ------------------------------------------------------ */

/* n templates 300.. of TMIN in domain dom, and a record for each of the
 * first `with_data` of them. */
static void budget_msg(struct mb *m, uint32_t seq, uint32_t dom, unsigned n, unsigned with_data)
{
	ipfix_hdr(m, seq, dom);
	set_begin(m, 2);
	for (unsigned i = 0; i < n; i++)
		tmpl(m, (uint16_t)(300 + i), TMIN);
	set_end(m);
	for (unsigned i = 0; i < with_data; i++) {
		set_begin(m, (uint16_t)(300 + i)); recmin(m, i); set_end(m);
	}
}

static uint64_t budget_used(struct ipfix_budget *b) { return ipfix_budget_stats(b)->used; }

/*
 * Least recently used eviction, per-owner shares, refusal, and templates of
 * a session whose exporter does not resend them (TCP): what a template
 * costs here is whatever ipfix_in charges for TMIN (measured in the test).
 * A session costs little until its first template goes to libfixbuf (with
 * its data): then its libfixbuf session is charged (fbs).
 */
static void test_budget_lru(void)
{
	struct mb *m = calloc(1, sizeof(*m));
	struct ipfix_budget *b = ipfix_budget_new(1u << 30, 0);
	struct ipfix_owner *oa = ipfix_owner_new(b), *ob, *oc;
	struct ipfix_session *a, *a2, *tcp, *more[64];
	const struct ipfix_budget_stats *st = ipfix_budget_stats(b);
	uint64_t scost = ipfix_session_cost(NULL), base, tcost, first, with_fb, fbs, limit, k;
	unsigned nmore = 0;

	/* what one session, domain, template (without and with data) costs */
	a = ipfix_session_new_in(NULL, oa, 1);
	CHECK(a != NULL);
	CHECK_EQ(budget_used(b), scost);
	budget_msg(m, 0, 1, 0, 0);
	CHECK_EQ(feed(a, m), IPFIX_OK);
	base = budget_used(b);
	budget_msg(m, 0, 1, 1, 0);
	CHECK_EQ(feed(a, m), IPFIX_OK);
	tcost = budget_used(b) - base;
	CHECK_EQ(st->fb_sessions, 0);                     /* no data: no libfixbuf */
	budget_msg(m, 1, 1, 1, 1);
	CHECK_EQ(feed(a, m), IPFIX_OK);
	CHECK_EQ(ngot, 1);
	CHECK_EQ(st->fb_sessions, 1);
	first = budget_used(b) - base;                    /* fbs + a template's */
	budget_msg(m, 2, 1, 2, 2);
	CHECK_EQ(feed(a, m), IPFIX_OK);
	with_fb = budget_used(b) - base - first;
	fbs = first - with_fb;
	CHECK(tcost > 0 && with_fb > 4 * tcost && fbs > 0);
	CHECK(scost < 4096 && fbs < 4096);                /* no 64 KiB buffer each */
	ipfix_session_free(a);
	CHECK_EQ(budget_used(b), 0);
	CHECK_EQ(st->sessions, 0);
	CHECK_EQ(st->fb_sessions, 0);
	CHECK_EQ(st->templates, 0);
	ipfix_budget_free(b);
	ipfix_owner_free(oa);

	/* room for a session with a domain and 8 templates with data, and half
	 * a template: a second session of the same owner takes the room of the
	 * least recently used, k of them */
	limit = base + fbs + 8 * with_fb + tcost / 2;
	k = (scost - tcost / 2 + with_fb - 1) / with_fb;
	CHECK(k >= 1 && k <= 3);
	b = ipfix_budget_new(limit, 0);
	st = ipfix_budget_stats(b);
	oa = ipfix_owner_new(b);
	a = ipfix_session_new_in(NULL, oa, 1);
	budget_msg(m, 0, 1, 8, 8);                        /* 300..307 */
	CHECK_EQ(feed(a, m), IPFIX_OK);
	CHECK_EQ(ngot, 8);
	CHECK_EQ(st->evicted, 0);
	/* 300 used again: the least recently used are 301, 302, ... */
	ipfix_hdr(m, 8, 1); set_begin(m, 300); recmin(m, 1); set_end(m);
	CHECK_EQ(feed(a, m), IPFIX_OK);
	a2 = ipfix_session_new_in(NULL, oa, 1);           /* same owner, another port */
	CHECK(a2 != NULL);
	CHECK_EQ(st->evicted, k);
	CHECK_EQ(st->evicted_used, k);                    /* all had carried data */
	/* which went: 301.. (300 was used again) */
	ipfix_hdr(m, 9, 1);
	for (uint16_t t = 300; t <= 300 + k; t++) {
		set_begin(m, t); recmin(m, t); set_end(m);
	}
	CHECK_EQ(feed(a, m), IPFIX_OK);
	CHECK_EQ(ngot, 1);
	CHECK_EQ(got[0].octets, 300);
	CHECK_EQ(stats_of(a, 1)->no_template_sets, k);
	CHECK_EQ(stats_of(a, 1)->templates_evicted, k);
	CHECK_EQ(stats_of(a, 1)->templates_active, 8 - k);
	/* the exporter's refresh restores one */
	budget_msg(m, 10, 1, 0, 0);
	set_begin(m, 2); tmpl(m, 301, TMIN); set_end(m);
	set_begin(m, 301); recmin(m, 99); set_end(m);
	CHECK_EQ(feed(a, m), IPFIX_OK);
	CHECK_EQ(ngot, 1);
	CHECK(st->used <= st->limit);
	CHECK(st->peak <= st->limit);
	ipfix_session_free(a2);
	ipfix_session_free(a);
	CHECK_EQ(budget_used(b), 0);

	/* a TCP session's templates only go for its own owner's share */
	ob = ipfix_owner_new(b);
	tcp = ipfix_session_new_in(NULL, ob, 0);
	budget_msg(m, 0, 1, 4, 4);
	CHECK_EQ(feed(tcp, m), IPFIX_OK);
	a = ipfix_session_new_in(NULL, oa, 1);
	CHECK(a != NULL);
	budget_msg(m, 0, 1, 10, 10);                      /* more than the room left */
	CHECK_EQ(feed(a, m), IPFIX_OK);
	CHECK_EQ(stats_of(tcp, 1)->templates_evicted, 0);
	CHECK_EQ(stats_of(tcp, 1)->templates_active, 4);
	CHECK(stats_of(a, 1)->templates_evicted > 0);
	CHECK(st->used <= st->limit);
	/* with nothing left to evict, a session is refused: another owner's
	 * sessions take the room a's templates leave, until none is left */
	ipfix_session_free(a);
	oc = ipfix_owner_new(b);
	errno = 0;
	while (nmore < 64 && (more[nmore] = ipfix_session_new_in(NULL, oc, 1)) != NULL)
		nmore++;
	CHECK(nmore > 0 && nmore < 64);
	CHECK_EQ(errno, ENOSPC);
	CHECK(st->refused > 0);
	CHECK_EQ(stats_of(tcp, 1)->templates_evicted, 0);
	CHECK(st->used <= st->limit);
	while (nmore > 0)
		ipfix_session_free(more[--nmore]);
	ipfix_session_free(tcp);
	ipfix_owner_free(oc);
	ipfix_owner_free(ob);
	ipfix_owner_free(oa);
	ipfix_budget_free(b);

	/* an owner over its share loses its own templates, not another's */
	b = ipfix_budget_new(limit * 4, limit);
	st = ipfix_budget_stats(b);
	oa = ipfix_owner_new(b);
	ob = ipfix_owner_new(b);
	a = ipfix_session_new_in(NULL, oa, 1);
	tcp = ipfix_session_new_in(NULL, ob, 1);
	budget_msg(m, 0, 1, 5, 5);
	CHECK_EQ(feed(tcp, m), IPFIX_OK);
	for (uint32_t d = 0; d < 8; d++) {
		budget_msg(m, 0, d, 20, 20);
		CHECK_EQ(feed(a, m), IPFIX_OK);
	}
	CHECK(ipfix_owner_bytes(oa) <= limit);
	CHECK_EQ(stats_of(tcp, 1)->templates_evicted, 0);
	CHECK(st->evicted > 100);
	ipfix_session_free(a);
	ipfix_session_free(tcp);
	CHECK_EQ(budget_used(b), 0);
	ipfix_owner_free(oa);
	ipfix_owner_free(ob);
	ipfix_budget_free(b);
	free(m);
}

/* The sessions of test_budget_scan: the exporter h (template 256 with data
 * in domain 1) and nf others with a domain each, in budget b. */
static void scan_sessions(struct ipfix_budget *b, struct ipfix_owner **o,
                          struct ipfix_session **s, unsigned nf, struct mb *m)
{
	for (unsigned i = 0; i <= nf; i++) {
		o[i] = ipfix_owner_new(b);
		s[i] = ipfix_session_new_in(NULL, o[i], 1);
		CHECK(s[i] != NULL);
		ipfix_hdr(m, 0, 1);
		if (i == 0) {
			set_begin(m, 2); tmpl(m, 256, TMIN); set_end(m);
			set_begin(m, 256); recmin(m, 7); set_end(m);
		}
		CHECK_EQ(feed(s[i], m), IPFIX_OK);
	}
}

static void scan_free(struct ipfix_budget *b, struct ipfix_owner **o,
                      struct ipfix_session **s, unsigned nf)
{
	for (unsigned i = 0; i <= nf; i++) {
		ipfix_session_free(s[i]);
		ipfix_owner_free(o[i]);
	}
	ipfix_budget_free(b);
}

/*
 * A scan through the template memory: 16 owners send floods of templates
 * that no data uses, 40 new ones each per round, for 10 rounds: 6400
 * templates through a budget with room for 20 beside the sessions.  An
 * exporter's template that carries data in every round must stay: each of
 * its data sets decodes, and only the floods' templates are evicted.
 */
static void test_budget_scan(void)
{
	enum { NF = 16 };
	struct mb *m = calloc(1, sizeof(*m));
	struct ipfix_owner *o[NF + 1];
	struct ipfix_session *s[NF + 1];
	struct ipfix_budget *b = ipfix_budget_new(1ull << 40, 0);
	const struct ipfix_budget_stats *st = ipfix_budget_stats(b);
	uint64_t base, tcost;

	/* what the sessions take, and a template without data */
	scan_sessions(b, o, s, NF, m);
	base = st->used;
	ipfix_hdr(m, 1, 1); set_begin(m, 2); tmpl(m, 300, TMIN); set_end(m);
	CHECK_EQ(feed(s[1], m), IPFIX_OK);
	tcost = st->used - base;
	scan_free(b, o, s, NF);

	b = ipfix_budget_new(base + 20 * tcost, 0);
	st = ipfix_budget_stats(b);
	scan_sessions(b, o, s, NF, m);
	CHECK_EQ(ngot, 0);
	for (uint32_t r = 0; r < 10; r++) {
		for (unsigned i = 1; i <= NF; i++) {
			ipfix_hdr(m, 1 + r, 1);
			set_begin(m, 2);
			for (uint16_t k = 0; k < 40; k++)
				tmpl(m, (uint16_t)(1000 + r * 40 + k), TMIN);
			set_end(m);
			CHECK_EQ(feed(s[i], m), IPFIX_OK);
		}
		ipfix_hdr(m, 1 + r, 1); set_begin(m, 256); recmin(m, r); set_end(m);
		CHECK_EQ(feed(s[0], m), IPFIX_OK);
		CHECK_EQ(ngot, 1);
	}
	CHECK(st->evicted > 6000);
	CHECK(st->used <= st->limit);
	CHECK_EQ(stats_of(s[0], 1)->templates_evicted, 0);
	CHECK_EQ(stats_of(s[0], 1)->no_template_sets, 0);
	scan_free(b, o, s, NF);
	free(m);
}

/* The reclaim callback of test_budget_reclaim: frees the first of its
 * sessions that is not keep. */
static struct ipfix_session *junk[32];
static unsigned reclaims;

static bool give_up(void *ctx, const struct ipfix_session *keep)
{
	(void)ctx;
	for (unsigned i = 0; i < 32; i++)
		if (junk[i] != NULL && junk[i] != keep) {
			ipfix_session_free(junk[i]);
			junk[i] = NULL;
			reclaims++;
			return true;
		}
	return false;
}

/*
 * The order in which room is made when the budget is full: templates that
 * never carried data (any owner's), then sessions the reclaim callback
 * gives up, then the least recently used template that carried data
 * (counted in evicted_used); a session is never given up for itself.
 */
static void test_budget_reclaim(void)
{
	struct mb *m = calloc(1, sizeof(*m));
	struct ipfix_budget *b = ipfix_budget_new(1ull << 40, 0);
	const struct ipfix_budget_stats *st = ipfix_budget_stats(b);
	struct ipfix_owner *oh = ipfix_owner_new(b), *oj = ipfix_owner_new(b);
	struct ipfix_session *h, *fill[64];
	unsigned nfill = 0;
	uint64_t used;

	/* the exporter: templates 256 and 257 with data (proven), in a budget
	 * just big enough for it and 32 sessions with a domain and a template
	 * without data each */
	h = ipfix_session_new_in(NULL, oh, 1);
	ipfix_hdr(m, 0, 1);
	set_begin(m, 2); tmpl(m, 256, TMIN); tmpl(m, 257, TMIN); set_end(m);
	set_begin(m, 256); recmin(m, 1); set_end(m);
	set_begin(m, 257); recmin(m, 2); set_end(m);
	CHECK_EQ(feed(h, m), IPFIX_OK);
	CHECK_EQ(ngot, 2);
	for (unsigned i = 0; i < 32; i++) {
		junk[i] = ipfix_session_new_in(NULL, oj, 1);
		budget_msg(m, 0, 1, 1, 0);
		CHECK_EQ(feed(junk[i], m), IPFIX_OK);
	}
	used = st->used;
	ipfix_session_free(h);
	for (unsigned i = 0; i < 32; i++)
		ipfix_session_free(junk[i]);
	ipfix_owner_free(oh);
	ipfix_owner_free(oj);
	ipfix_budget_free(b);

	b = ipfix_budget_new(used, 0);
	st = ipfix_budget_stats(b);
	ipfix_budget_set_reclaim(b, give_up, NULL);
	oh = ipfix_owner_new(b);
	oj = ipfix_owner_new(b);
	h = ipfix_session_new_in(NULL, oh, 1);
	ipfix_hdr(m, 0, 1);
	set_begin(m, 2); tmpl(m, 256, TMIN); tmpl(m, 257, TMIN); set_end(m);
	set_begin(m, 256); recmin(m, 1); set_end(m);
	set_begin(m, 257); recmin(m, 2); set_end(m);
	CHECK_EQ(feed(h, m), IPFIX_OK);
	for (unsigned i = 0; i < 32; i++) {
		junk[i] = ipfix_session_new_in(NULL, oj, 1);
		budget_msg(m, 0, 1, 1, 0);
		CHECK_EQ(feed(junk[i], m), IPFIX_OK);
	}
	CHECK_EQ(st->used, st->limit);
	CHECK_EQ(st->evicted, 0);
	/* the exporter's third template, with data: the junk's templates go
	 * first (a few), no session given up yet */
	ipfix_hdr(m, 2, 1);
	set_begin(m, 2); tmpl(m, 258, TMIN); set_end(m);
	set_begin(m, 258); recmin(m, 3); set_end(m);
	CHECK_EQ(feed(h, m), IPFIX_OK);
	CHECK_EQ(ngot, 1);
	CHECK(st->evicted > 0);
	CHECK_EQ(st->evicted_used, 0);
	CHECK_EQ(reclaims, 0);
	CHECK_EQ(st->reclaimed, 0);
	/* more: the junk's templates all go, then junk sessions */
	for (uint16_t t = 259; t < 275; t++) {
		ipfix_hdr(m, 3, 1);
		set_begin(m, 2); tmpl(m, t, TMIN); set_end(m);
		set_begin(m, t); recmin(m, t); set_end(m);
		CHECK_EQ(feed(h, m), IPFIX_OK);
		CHECK_EQ(ngot, 1);
	}
	CHECK_EQ(st->evicted, 32);
	CHECK_EQ(st->evicted_used, 0);
	CHECK(reclaims > 0);
	CHECK_EQ(st->reclaimed, reclaims);
	CHECK_EQ(stats_of(h, 1)->templates_active, 19);
	/* the exporter alone: its own least recently used template that
	 * carried data goes (256; 257 was just used) */
	ipfix_hdr(m, 4, 1); set_begin(m, 257); recmin(m, 2); set_end(m);
	CHECK_EQ(feed(h, m), IPFIX_OK);
	for (unsigned i = 0; i < 32; i++)
		if (junk[i] != NULL) {
			ipfix_session_free(junk[i]);
			junk[i] = NULL;
		}
	while (nfill < 64 && st->used + ipfix_session_cost(NULL) <= st->limit)
		fill[nfill++] = ipfix_session_new_in(NULL, oj, 1);   /* not given up */
	CHECK(nfill < 64);
	ipfix_hdr(m, 5, 1);
	set_begin(m, 2); tmpl(m, 300, TMIN); set_end(m);
	set_begin(m, 300); recmin(m, 300); set_end(m);
	CHECK_EQ(feed(h, m), IPFIX_OK);
	CHECK_EQ(ngot, 1);
	CHECK(st->evicted_used >= 1);
	ipfix_hdr(m, 6, 1);
	set_begin(m, 256); recmin(m, 1); set_end(m);
	set_begin(m, 257); recmin(m, 2); set_end(m);
	CHECK_EQ(feed(h, m), IPFIX_OK);
	CHECK_EQ(ngot, 1);
	CHECK_EQ(got[0].octets, 2);
	CHECK(st->used <= st->limit);
	ipfix_session_free(h);
	while (nfill > 0)
		ipfix_session_free(fill[--nfill]);
	CHECK_EQ(st->used, 0);
	ipfix_owner_free(oh);
	ipfix_owner_free(oj);
	ipfix_budget_free(b);
	free(m);
}

/* A message of session s's exporter: template 256 (TMIN, or with 8-byte
 * octets and packets if wide) if with_tmpl, and one record. */
static void rd_msg(struct mb *m, uint32_t seq, int with_tmpl, int wide, uint32_t octets)
{
	static const uint16_t T8[] = { 8, 4, 12, 4, 1, 8, 2, 4, 0 };

	ipfix_hdr(m, seq, 1);
	if (with_tmpl) {
		set_begin(m, 2); tmpl(m, 256, wide ? T8 : TMIN); set_end(m);
	}
	set_begin(m, 256);
	p32(m, a4("10.0.0.1")); p32(m, a4("10.0.0.2"));
	if (wide) {
		p64(m, octets); p32(m, 5);
	} else {
		p32(m, octets);
	}
	set_end(m);
}

/* Feed s one message (rd_msg) and check its one record. */
static void rd_check(struct ipfix_session *s, struct mb *m, uint32_t seq, int with_tmpl,
                     int wide, uint32_t octets)
{
	rd_msg(m, seq, with_tmpl, wide, octets);
	CHECK_EQ(feed(s, m), IPFIX_OK);
	CHECK_EQ(ngot, 1);
	CHECK_EQ(got[0].octets, octets);
	CHECK_EQ(got[0].packets, wide ? 5 : 0);
}

/*
 * The sessions of a budget read through one libfixbuf reader: template ids
 * that mean different things in different sessions, messages interleaved,
 * a session freed while it was the reader's last, another made in its
 * place, a redefinition; and a session outside the budget (its own reader)
 * beside them.  (Under ASan: nothing of a freed session is touched.)
 */
static void test_shared_reader(void)
{
	struct mb *m = calloc(1, sizeof(*m));
	struct ipfix_budget *b = ipfix_budget_new(1u << 30, 0);
	struct ipfix_owner *oa = ipfix_owner_new(b), *ob = ipfix_owner_new(b);
	struct ipfix_session *a = ipfix_session_new_in(NULL, oa, 1);
	struct ipfix_session *bs = ipfix_session_new_in(NULL, ob, 0);
	struct ipfix_session *c = ipfix_session_new(NULL), *d;

	rd_check(a, m, 0, 1, 0, 10);
	rd_check(bs, m, 0, 1, 1, 20);
	rd_check(c, m, 0, 1, 0, 30);
	rd_check(a, m, 1, 0, 0, 11);
	rd_check(bs, m, 1, 0, 1, 21);
	rd_check(c, m, 1, 0, 0, 31);
	rd_check(bs, m, 2, 0, 1, 22);
	rd_check(a, m, 2, 0, 0, 12);
	ipfix_session_free(a);                        /* the reader's last */
	rd_check(bs, m, 3, 0, 1, 23);
	d = ipfix_session_new_in(NULL, oa, 1);
	rd_check(d, m, 0, 1, 0, 40);
	rd_check(bs, m, 4, 1, 0, 24);                 /* 256 redefined: narrow */
	rd_check(d, m, 1, 0, 0, 41);
	rd_check(bs, m, 5, 0, 0, 25);
	rd_check(c, m, 2, 1, 1, 32);                  /* and c's: wide */
	rd_check(d, m, 2, 0, 0, 42);
	rd_check(c, m, 3, 0, 1, 33);
	CHECK_EQ(ipfix_budget_stats(b)->fb_sessions, 2);
	ipfix_session_free(bs);
	rd_check(d, m, 3, 0, 0, 43);
	ipfix_session_free(d);
	rd_check(c, m, 4, 0, 1, 34);
	ipfix_session_free(c);
	CHECK_EQ(ipfix_budget_stats(b)->used, 0);
	ipfix_owner_free(oa);
	ipfix_owner_free(ob);
	ipfix_budget_free(b);
	free(m);
}

/*
 * The figures charged against what malloc says is in use (mallinfo2), for
 * sessions with their domains, the first data of a session (its libfixbuf
 * session and the template, in a domain of its own), templates without
 * data (ours only) and with data (libfixbuf's copy and internal template
 * too): never below what is measured, at most a third above.  Not under
 * ASan, whose allocator mallinfo2 does not see.
 */
static void test_budget_costs(void)
{
#ifndef UNDER_ASAN
	enum { NS = 48, ND = 4, NT = 48 };
	static struct ipfix_session *s[NS];
	struct mb *m = calloc(1, sizeof(*m));
	struct ipfix_budget *b = ipfix_budget_new(1ull << 40, 0);
	struct ipfix_owner *o = ipfix_owner_new(b);
	static const uint16_t t16[] = { 8, 4, 12, 4, 1, 8, 2, 8, 7, 2, 11, 2, 4, 1, 152, 8,
	                                400, 4, 401, 4, 402, 4, 403, 4, 404, 4, 405, 4, 406, 4,
	                                407, 4, 0 };
	struct mallinfo2 mi;
	uint64_t u0, c0, u1, c1, uf, cf, u2 = 0, c2 = 0, u3 = 0, c3 = 0;
	int phase;

	/* warm the allocators and the budget's shared reader up */
	s[0] = ipfix_session_new_in(NULL, o, 1);
	budget_msg(m, 0, 1, 4, 4);
	feed(s[0], m);
	ipfix_session_free(s[0]);

	mi = mallinfo2(); u0 = mi.uordblks + mi.hblkhd; c0 = budget_used(b);
	for (int i = 0; i < NS; i++)
		s[i] = ipfix_session_new_in(NULL, o, 1);
	for (int i = 0; i < NS; i++)
		for (uint32_t d = 0; d < ND; d++) {
			ipfix_hdr(m, 0, d);
			feed(s[i], m);
		}
	mi = mallinfo2(); u1 = mi.uordblks + mi.hblkhd; c1 = budget_used(b);
	for (int i = 0; i < NS; i++) {
		ipfix_hdr(m, 0, 999);
		set_begin(m, 2); tmpl(m, 999, t16); set_end(m);
		set_begin(m, 999); pzero(m, 69); set_end(m);
		feed(s[i], m);
	}
	mi = mallinfo2(); uf = mi.uordblks + mi.hblkhd; cf = budget_used(b);
	for (phase = 0; phase < 2; phase++) {
		for (int i = 0; i < NS; i++)
			for (uint32_t d = 0; d < ND; d++) {
				ipfix_hdr(m, 1 + (uint32_t)phase, d);
				set_begin(m, 2);
				for (uint16_t t = 0; t < NT; t++)
					tmpl(m, (uint16_t)(300 + t), t16);
				set_end(m);
				for (uint16_t t = 0; phase == 1 && t < NT; t++) {
					set_begin(m, (uint16_t)(300 + t)); pzero(m, 69); set_end(m);
				}
				feed(s[i], m);
			}
		mi = mallinfo2();
		if (phase == 0) {
			u2 = mi.uordblks + mi.hblkhd; c2 = budget_used(b);
		} else {
			u3 = mi.uordblks + mi.hblkhd; c3 = budget_used(b);
		}
	}
	printf("template memory, measured/charged bytes: session and %d domains %.0f/%.0f, "
	       "first data (libfixbuf session, a domain, a template) %.0f/%.0f, "
	       "template %.0f/%.0f, with libfixbuf's copy %.0f/%.0f\n", ND,
	       (double)(u1 - u0) / NS, (double)(c1 - c0) / NS,
	       (double)(uf - u1) / NS, (double)(cf - c1) / NS,
	       (double)(u2 - uf) / (NS * ND * NT), (double)(c2 - cf) / (NS * ND * NT),
	       (double)(u3 - uf) / (NS * ND * NT), (double)(c3 - cf) / (NS * ND * NT));
	CHECK(c1 - c0 >= u1 - u0 && (c1 - c0) * 3 <= (u1 - u0) * 4);
	CHECK(cf - c1 >= uf - u1 && (cf - c1) * 3 <= (uf - u1) * 4);
	CHECK(c2 - cf >= u2 - uf && (c2 - cf) * 3 <= (u2 - uf) * 4);
	CHECK(c3 - cf >= u3 - uf && (c3 - cf) * 3 <= (u3 - uf) * 4);
	for (int i = 0; i < NS; i++)
		ipfix_session_free(s[i]);
	CHECK_EQ(budget_used(b), 0);
	ipfix_owner_free(o);
	ipfix_budget_free(b);
	free(m);
#endif
}

/* Flows through the project's own IPFIX encoder and back. */
static void test_roundtrip(void)
{
	static struct sender *snd;     /* the fake sender has no free */
	struct enc_params p;
	char err[200];
	void *enc;
	struct ipfix_session *s = ipfix_session_new(NULL);
	struct anm_flow f;
	size_t i, total = 0;

	if (snd == NULL)
		snd = fake_sender_new(1400, "test");
	memset(&p, 0, sizeof(p));
	p.sampling = 50;
	p.domain = 9;
	p.max_hold_ms = 1000;
	enc = ipfix_encoder_ops.open(&p, snd, err, sizeof(err));
	CHECK(enc != NULL);
	if (enc == NULL)
		return;
	memset(&f, 0, sizeof(f));
	f.af = AF_INET;
	inet_pton(AF_INET, "203.0.113.5", f.src.b);
	inet_pton(AF_INET, "203.0.113.6", f.dst.b);
	inet_pton(AF_INET, "203.0.113.1", f.nexthop.b);
	f.packets = 10; f.octets = 12345; f.first_ms = T0_MS - 999; f.last_ms = T0_MS - 1;
	f.in_if = 5; f.out_if = 6; f.src_as = 65001; f.dst_as = 65002;
	f.sport = 40000; f.dport = 80; f.vlan = 12; f.inner_vlan = 13; f.proto = 6;
	f.tos = 0xb8; f.tcp_flags = 0x12; f.end_reason = 2; f.src_mask = 24; f.dst_mask = 25;
	f.src_mac[0] = 0xaa; f.dst_mac[5] = 0xbb;
	for (i = 0; i < 40; i++)
		ipfix_encoder_ops.add(enc, &f, T0_MS);
	f.af = AF_INET6;
	memset(&f.src, 0, sizeof(f.src)); memset(&f.dst, 0, sizeof(f.dst)); memset(&f.nexthop, 0, 16);
	inet_pton(AF_INET6, "2001:db8:1::5", f.src.b);
	inet_pton(AF_INET6, "2001:db8:1::6", f.dst.b);
	ipfix_encoder_ops.add(enc, &f, T0_MS);
	ipfix_encoder_ops.flush(enc, T0_MS);
	for (i = 0; i < fake_sender_count(snd); i++) {
		const struct fake_msg *fm = fake_sender_msg(snd, i);

		ngot = 0;
		CHECK_EQ(ipfix_session_input(s, fm->data, fm->len, NOW_MS, emit, NULL), IPFIX_OK);
		if (ngot > 0 && total + ngot <= 41) {
			const struct anm_flow *g = &got[ngot - 1];

			CHECK_EQ(g->octets, 12345);
			CHECK_EQ(g->packets, 10);
			CHECK_EQ(g->first_ms, T0_MS - 999);
			CHECK_EQ(g->last_ms, T0_MS - 1);
			CHECK_EQ(g->sampling, 50);
			CHECK_EQ(g->in_if, 5);
			CHECK_EQ(g->dst_as, 65002);
			CHECK_EQ(g->inner_vlan, 13);
			CHECK_EQ(g->tos, 0xb8);
			CHECK_EQ(g->end_reason, 2);
			CHECK(g->src_mac[0] == 0xaa && g->dst_mac[5] == 0xbb);
		}
		total += ngot;
	}
	CHECK_EQ(total, 41);
	CHECK(got[ngot - 1].af == AF_INET6);
	CHECK(addr_is(&got[ngot - 1].src, AF_INET6, "2001:db8:1::5"));
	CHECK_EQ(stats_of(s, 9)->lost, 0);
	CHECK_EQ(stats_of(s, 9)->records, 41);
	CHECK_EQ(stats_of(s, 9)->sampling, 50);
	ipfix_encoder_ops.close(enc);
	ipfix_session_free(s);
}

int main(void)
{
	CHECK(strcmp(ipfix_strerror(IPFIX_ERR_SET), "unknown error") != 0);
	CHECK(strcmp(ipfix_strerror(-99), "unknown error") == 0);
	test_v4_v6();
	test_times();
	test_sampling();
	test_sampling_bounds();
	test_withdraw_redefine();
	test_internal_templates();
	test_sequence();
	test_two_domains();
	test_v9();
	test_varlen_and_enterprise();
	test_malformed();
	test_vendor_quirks();
	test_odd_lengths();
	test_limits();
	test_budget_lru();
	test_budget_scan();
	test_budget_reclaim();
	test_shared_reader();
	test_budget_costs();
	test_roundtrip();
	return check_done("test_ipfix_in");
}
