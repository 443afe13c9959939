/*
 * NetFlow v9 encoder (exporter/enc_nf9.c) through a fake sender: each
 * packet read back by a small v9 reader of this test's own (RFC 3954
 * section 5: header, FlowSets, templates, data records decoded by the
 * template they name), every field of IPv4 and IPv6 records, Count, the
 * per-packet sequence number, the Source ID, 4-byte padding, packets bound
 * by the path, templates in the first packet and on refresh, the sampling
 * options template and record, the hold timer.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "be.h"
#include "check.h"
#include "export.h"
#include "fake_sender.h"

#define BOOT_MS 1700000000000ull

/* --- the reader ------------------------------------------------------------ */

struct tmpl {
	uint16_t id, n, scope_len;   /* scope_len: options templates, bytes */
	uint16_t type[64], len[64];
};

struct rec {
	uint16_t tid;
	uint64_t v[64];              /* by field position; addresses below */
	uint8_t addr[64][16];
};

struct pkt {
	uint16_t version, count;
	uint32_t uptime, secs, seq, source;
	unsigned ntmpl, nopt, nrec, records;   /* records: template + options
	                                          template + data records */
	struct rec r[64];
	int bad;                     /* a malformed FlowSet, padding or length */
};

static struct tmpl known[8];
static unsigned nknown;

static struct tmpl *find_tmpl(uint16_t id)
{
	for (unsigned i = 0; i < nknown; i++)
		if (known[i].id == id)
			return &known[i];
	return NULL;
}

static void learn(const struct tmpl *t)
{
	struct tmpl *k = find_tmpl(t->id);

	if (k == NULL)
		k = &known[nknown++];
	*k = *t;
}

static uint64_t be_n(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static void read_pkt(const uint8_t *b, size_t len, struct pkt *k)
{
	size_t off = 20;

	memset(k, 0, sizeof(*k));
	if (len < 20) {
		k->bad = 1;
		return;
	}
	k->version = be16(b);
	k->count = be16(b + 2);
	k->uptime = be32(b + 4);
	k->secs = be32(b + 8);
	k->seq = be32(b + 12);
	k->source = be32(b + 16);
	while (off < len) {
		uint16_t id, slen;
		size_t end, p;
		if (off + 4 > len) {
			k->bad = 1;
			return;
		}
		id = be16(b + off);
		slen = be16(b + off + 2);
		if (slen < 4 || slen % 4 != 0 || off + slen > len) {
			k->bad = 1;
			return;
		}
		end = off + slen;
		p = off + 4;
		if (id == 0) {                        /* templates */
			while (p + 4 <= end) {
				struct tmpl t = { .id = be16(b + p), .n = be16(b + p + 2) };
				p += 4;
				for (unsigned i = 0; i < t.n; i++, p += 4) {
					t.type[i] = be16(b + p);
					t.len[i] = be16(b + p + 2);
				}
				learn(&t);
				k->ntmpl++;
				k->records++;
			}
		} else if (id == 1) {                 /* options templates */
			struct tmpl t = { .id = be16(b + p) };
			uint16_t sl = be16(b + p + 2), ol = be16(b + p + 4);
			p += 6;
			t.scope_len = 0;
			for (unsigned i = 0; i < (unsigned)(sl + ol) / 4u; i++, p += 4) {
				t.type[i] = be16(b + p);
				t.len[i] = be16(b + p + 2);
				if (i < sl / 4u)
					t.scope_len += t.len[i];
			}
			t.n = (uint16_t)((sl + ol) / 4);
			learn(&t);
			k->nopt++;
			k->records++;
			while (p < end)                   /* padding: zeros */
				if (b[p++] != 0)
					k->bad = 1;
		} else {
			const struct tmpl *t = find_tmpl(id);
			unsigned rl = 0;
			if (t == NULL) {
				k->bad = 1;
				return;
			}
			for (unsigned i = 0; i < t->n; i++)
				rl += t->len[i];
			while (p + rl <= end) {
				struct rec *r = &k->r[k->nrec++];
				r->tid = id;
				for (unsigned i = 0; i < t->n; i++) {
					if (t->len[i] > 8)
						memcpy(r->addr[i], b + p, t->len[i]);
					else
						r->v[i] = be_n(b + p, t->len[i]);
					if (t->len[i] == 6)
						memcpy(r->addr[i], b + p, 6);
					p += t->len[i];
				}
				k->records++;
			}
			if (end - p >= 4)                 /* padding is less than 4 */
				k->bad = 1;
			while (p < end)
				if (b[p++] != 0)
					k->bad = 1;
		}
		off = end;
	}
}

/* The value of field type in r (of template r->tid), or ~0. */
static uint64_t field(const struct rec *r, uint16_t type)
{
	const struct tmpl *t = find_tmpl(r->tid);

	for (unsigned i = 0; t != NULL && i < t->n; i++)
		if (t->type[i] == type)
			return r->v[i];
	return ~0ull;
}

static const uint8_t *field_bytes(const struct rec *r, uint16_t type)
{
	const struct tmpl *t = find_tmpl(r->tid);

	for (unsigned i = 0; t != NULL && i < t->n; i++)
		if (t->type[i] == type)
			return r->addr[i];
	return NULL;
}

static unsigned field_len(uint16_t tid, uint16_t type)
{
	const struct tmpl *t = find_tmpl(tid);

	for (unsigned i = 0; t != NULL && i < t->n; i++)
		if (t->type[i] == type)
			return t->len[i];
	return 0;
}

/* --- flows ------------------------------------------------------------------ */

static struct anm_flow flow4(unsigned i)
{
	struct anm_flow f;

	memset(&f, 0, sizeof(f));
	f.af = AF_INET;
	f.src.w[0] = htonl(0xc0000201u + i);
	f.dst.w[0] = htonl(0xc6336401u);
	f.nexthop.w[0] = htonl(0xcb007101u);
	f.packets = 0x100000001ull + i;       /* beyond 32 bits: one record */
	f.octets = 0x5000000000ull;
	f.first_ms = BOOT_MS + 1000;
	f.last_ms = BOOT_MS + 61000;
	f.in_if = 70000;                      /* beyond 16 bits */
	f.out_if = 3;
	f.src_as = 4200000000u;
	f.dst_as = 64512;
	f.sport = 0xabcd;
	f.dport = 443;
	f.vlan = 100;
	f.proto = 6;
	f.tos = 0xb8;
	f.tcp_flags = 0x1b;
	f.src_mask = 24;
	f.dst_mask = 16;
	memcpy(f.src_mac, "\x02\x00\x00\x00\x00\x01", 6);
	memcpy(f.dst_mac, "\x02\x00\x00\x00\x00\x02", 6);
	return f;
}

static struct anm_flow flow6(unsigned i)
{
	struct anm_flow f = flow4(i);

	f.af = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::1", f.src.b);
	f.src.b[15] = (uint8_t)(1 + i);
	inet_pton(AF_INET6, "2001:db8:1::2", f.dst.b);
	inet_pton(AF_INET6, "fe80::1", f.nexthop.b);
	f.proto = 17;
	f.src_mask = 64;
	f.dst_mask = 48;
	return f;
}

static struct enc_params params(void)
{
	struct enc_params p = { .boot_ms = BOOT_MS, .sampling = 1, .domain = 0x01020304,
	                        .template_refresh_s = 600, .max_hold_ms = 1000 };
	return p;
}

static void *open_enc(const struct enc_params *p, struct sender *s)
{
	char err[128];
	void *e = nf9_encoder_ops.open(p, s, err, sizeof(err));

	CHECK(e != NULL);
	return e;
}

/* --- the tests -------------------------------------------------------------- */

static void test_records(void)
{
	struct sender *s = fake_sender_new(1500, "v9:test");
	struct enc_params p = params();
	void *e = open_enc(&p, s);
	struct anm_flow f4 = flow4(0), f6 = flow6(0);
	struct pkt k;
	const struct rec *r;
	uint8_t want[16];
	const struct fake_msg *m;

	nknown = 0;
	nf9_encoder_ops.add(e, &f4, BOOT_MS + 62000);
	nf9_encoder_ops.add(e, &f6, BOOT_MS + 62000);
	nf9_encoder_ops.add(e, &f4, BOOT_MS + 62000);
	CHECK_EQ(fake_sender_count(s), 0);       /* held until flush */
	nf9_encoder_ops.flush(e, BOOT_MS + 62500);
	CHECK_EQ(fake_sender_count(s), 1);
	m = fake_sender_msg(s, 0);
	read_pkt(m->data, m->len, &k);
	CHECK(!k.bad);
	CHECK_EQ(k.version, 9);
	CHECK_EQ(k.ntmpl, 2);
	CHECK_EQ(k.nopt, 0);                     /* no sampling: no options */
	CHECK_EQ(k.nrec, 3);
	CHECK_EQ(k.count, 5);                    /* 2 templates + 3 records */
	CHECK_EQ(k.count, k.records);
	CHECK_EQ(k.seq, 0);
	CHECK_EQ(k.source, 0x01020304);
	CHECK_EQ(k.uptime, 62500);
	CHECK_EQ(k.secs, (BOOT_MS + 62500) / 1000);
	CHECK_EQ(m->len % 4, 0);

	r = &k.r[0];
	CHECK_EQ(r->tid, 256);
	CHECK_EQ(field(r, 2), 0x100000001ull);   /* IN_PKTS, 8 bytes */
	CHECK_EQ(field_len(256, 2), 8);
	CHECK_EQ(field(r, 1), 0x5000000000ull);  /* IN_BYTES */
	CHECK_EQ(field(r, 22), 1000);            /* FIRST_SWITCHED */
	CHECK_EQ(field(r, 21), 61000);           /* LAST_SWITCHED */
	CHECK_EQ(field(r, 8), 0xc0000201u);
	CHECK_EQ(field(r, 12), 0xc6336401u);
	CHECK_EQ(field(r, 15), 0xcb007101u);
	CHECK_EQ(field(r, 10), 70000);           /* INPUT_SNMP, 4 bytes */
	CHECK_EQ(field(r, 14), 3);
	CHECK_EQ(field(r, 16), 4200000000u);     /* SRC_AS, 4 bytes */
	CHECK_EQ(field(r, 17), 64512);
	CHECK_EQ(field(r, 7), 0xabcd);
	CHECK_EQ(field(r, 11), 443);
	CHECK_EQ(field(r, 58), 100);
	CHECK_EQ(field(r, 4), 6);
	CHECK_EQ(field(r, 5), 0xb8);
	CHECK_EQ(field(r, 6), 0x1b);
	CHECK_EQ(field(r, 9), 24);
	CHECK_EQ(field(r, 13), 16);
	CHECK_EQ(field(r, 60), 4);
	CHECK(memcmp(field_bytes(r, 56), "\x02\x00\x00\x00\x00\x01", 6) == 0);
	CHECK(memcmp(field_bytes(r, 80), "\x02\x00\x00\x00\x00\x02", 6) == 0);

	r = &k.r[1];
	CHECK_EQ(r->tid, 257);
	CHECK(memcmp(field_bytes(r, 27), f6.src.b, 16) == 0);
	CHECK(memcmp(field_bytes(r, 28), f6.dst.b, 16) == 0);
	inet_pton(AF_INET6, "fe80::1", want);
	CHECK(memcmp(field_bytes(r, 62), want, 16) == 0);
	CHECK_EQ(field(r, 29), 64);
	CHECK_EQ(field(r, 30), 48);
	CHECK_EQ(field(r, 60), 6);
	CHECK_EQ(field(r, 4), 17);
	CHECK_EQ(field(r, 2), 0x100000001ull);
	CHECK_EQ(k.r[2].tid, 256);

	/* the next packet: no templates (refresh not due), sequence 1 */
	nf9_encoder_ops.add(e, &f6, BOOT_MS + 63000);
	nf9_encoder_ops.flush(e, BOOT_MS + 63000);
	m = fake_sender_msg(s, 1);
	read_pkt(m->data, m->len, &k);
	CHECK(!k.bad);
	CHECK_EQ(k.ntmpl, 0);
	CHECK_EQ(k.seq, 1);
	CHECK_EQ(k.count, 1);
	/* refresh due (600 s): templates again */
	nf9_encoder_ops.add(e, &f4, BOOT_MS + 63000 + 600000);
	nf9_encoder_ops.flush(e, BOOT_MS + 63000 + 600000);
	m = fake_sender_msg(s, 2);
	read_pkt(m->data, m->len, &k);
	CHECK_EQ(k.ntmpl, 2);
	CHECK_EQ(k.seq, 2);
	CHECK_EQ(k.count, 3);
	CHECK_EQ(nf9_encoder_ops.stats(e)->records, 5);
	CHECK_EQ(nf9_encoder_ops.stats(e)->messages, 3);
	CHECK_EQ(nf9_encoder_ops.stats(e)->templates, 2);
	/* an empty flush sends nothing */
	nf9_encoder_ops.flush(e, BOOT_MS + 700000);
	CHECK_EQ(fake_sender_count(s), 3);
	nf9_encoder_ops.close(e);
	sender_free(s);
}

/* Packets bound by the path: every record in exactly one packet, each
 * packet within the size and well formed; lost sends still count in the
 * sequence. */
static void test_sizes(void)
{
	struct sender *s = fake_sender_new(600, "v9:test");
	struct enc_params p = params();
	void *e = open_enc(&p, s);
	struct pkt k;
	unsigned total = 0;

	nknown = 0;
	fake_sender_fail_next(s, 1);
	for (unsigned i = 0; i < 100; i++) {
		struct anm_flow f = i % 3 ? flow4(i) : flow6(i);
		nf9_encoder_ops.add(e, &f, BOOT_MS + 70000);
	}
	nf9_encoder_ops.flush(e, BOOT_MS + 70000);
	CHECK(fake_sender_count(s) > 10);
	for (size_t i = 0; i < fake_sender_count(s); i++) {
		const struct fake_msg *m = fake_sender_msg(s, i);
		CHECK(m->len <= 600);
		read_pkt(m->data, m->len, &k);
		CHECK(!k.bad);
		CHECK_EQ(k.seq, (uint32_t)i);
		CHECK_EQ(k.count, k.records);
		total += k.nrec;
	}
	CHECK_EQ(total, 100);
	CHECK(fake_sender_msg(s, 0)->lost);
	CHECK_EQ(nf9_encoder_ops.stats(e)->records, 100);
	nf9_encoder_ops.close(e);
	sender_free(s);

	/* a path too small for the templates and a record */
	s = fake_sender_new(300, "v9:small");
	{
		char err[128];
		CHECK(nf9_encoder_ops.open(&p, s, err, sizeof(err)) == NULL);
		CHECK(strstr(err, "too small for NetFlow v9") != NULL);
	}
	sender_free(s);
}

static void test_sampling_and_hold(void)
{
	struct sender *s = fake_sender_new(1500, "v9:test");
	struct enc_params p = params();
	void *e;
	struct pkt k;
	struct anm_flow f = flow4(1);
	const struct tmpl *t;

	p.sampling = 100;
	p.sampling_mode = SAMPLING_DETERMINISTIC;
	e = open_enc(&p, s);
	nknown = 0;
	nf9_encoder_ops.add(e, &f, BOOT_MS + 80000);
	nf9_encoder_ops.tick(e, BOOT_MS + 80999);
	CHECK_EQ(fake_sender_count(s), 0);
	nf9_encoder_ops.tick(e, BOOT_MS + 81000);     /* held max_hold_ms */
	CHECK_EQ(fake_sender_count(s), 1);
	read_pkt(fake_sender_msg(s, 0)->data, fake_sender_msg(s, 0)->len, &k);
	CHECK(!k.bad);
	CHECK_EQ(k.ntmpl, 2);
	CHECK_EQ(k.nopt, 1);
	CHECK_EQ(k.nrec, 2);                          /* the options record and the flow */
	CHECK_EQ(k.count, 5);
	t = find_tmpl(258);
	CHECK(t != NULL && t->scope_len == 4 && t->type[0] == 1 && t->type[1] == 34 &&
	      t->type[2] == 35);
	CHECK_EQ(k.r[0].tid, 258);
	CHECK_EQ(k.r[0].v[0], 0x01020304u);           /* scope: the source id */
	CHECK_EQ(k.r[0].v[1], 100);
	CHECK_EQ(k.r[0].v[2], 1);                     /* deterministic */
	CHECK_EQ(k.r[1].tid, 256);
	nf9_encoder_ops.close(e);
	sender_free(s);
}

int main(void)
{
	test_records();
	test_sizes();
	test_sampling_and_hold();
	return check_done("test_nf9");
}
