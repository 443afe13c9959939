/*
 * IPFIX encoder through a fake sender: message structure checked by our own
 * walker (header, set lengths, template-first ordering, sequence numbers,
 * size limit), one data record of each family checked byte by byte, the
 * whole stream read back with libfixbuf's file collector, and, if ipfixDump
 * is installed, ipfixDump run over the same file.
 *
 * Writes its IPFIX files to $TMPDIR (default /tmp).
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fixbuf/public.h>

#include "check.h"
#include "export.h"
#include "fake_sender.h"

#define T0 1700000000123ull            /* a "now" in Unix ms */

/* External record lengths of our templates (no padding on the wire). */
#define REC4_LEN 87
#define REC6_LEN 123
#define SAMPLING_REC_LEN 13

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

/* What our walker learns about one message. */
struct msg_info {
	int ok;                     /* header and all set lengths consistent */
	uint32_t export_time, seq, domain;
	size_t nsets;
	uint16_t set_id[16];
	size_t set_off[16];         /* offset of each set's header */
	uint16_t set_len[16];
	size_t data_records;        /* records in sets >= 256 */
};

static size_t rec_len_of(uint16_t set_id)
{
	switch (set_id) {
	case 256: return REC4_LEN;
	case 257: return REC6_LEN;
	case 258: return SAMPLING_REC_LEN;
	}
	return 0;
}

/* Walk one message: version, length, then sets with lengths that are
 * >= 4, inside the message, and summing exactly to it. */
static struct msg_info walk(const struct fake_msg *m)
{
	struct msg_info mi;
	size_t off = 16;

	memset(&mi, 0, sizeof(mi));
	if (m == NULL || m->len < 16 || get16(m->data) != 10 ||
	    get16(m->data + 2) != m->len)
		return mi;
	mi.export_time = get32(m->data + 4);
	mi.seq = get32(m->data + 8);
	mi.domain = get32(m->data + 12);
	while (off < m->len) {
		uint16_t id, len;
		size_t rl;

		if (off + 4 > m->len || mi.nsets == 16)
			return mi;
		id = get16(m->data + off);
		len = get16(m->data + off + 2);
		if (len < 4 || off + len > m->len)
			return mi;
		mi.set_id[mi.nsets] = id;
		mi.set_off[mi.nsets] = off;
		mi.set_len[mi.nsets] = len;
		mi.nsets++;
		if (id >= 256) {
			rl = rec_len_of(id);
			if (rl == 0 || len == 4 || (len - 4) % rl != 0)
				return mi;      /* unknown set, empty set or ragged */
			mi.data_records += (len - 4) / rl;
		}
		off += len;
	}
	mi.ok = (off == m->len);
	return mi;
}

static int only_templates(const struct msg_info *mi)
{
	size_t i;

	for (i = 0; i < mi->nsets; i++)
		if (mi->set_id[i] != 2 && mi->set_id[i] != 3)
			return 0;
	return mi->nsets > 0;
}

static int has_set(const struct msg_info *mi, uint16_t id)
{
	size_t i;

	for (i = 0; i < mi->nsets; i++)
		if (mi->set_id[i] == id)
			return 1;
	return 0;
}

static struct anm_flow flow4(unsigned i)
{
	struct anm_flow f;
	uint32_t a;

	memset(&f, 0, sizeof(f));
	f.af = AF_INET;
	a = htonl(0xc0000201u + i);           /* 192.0.2.1 + i */
	memcpy(f.src.b, &a, 4);
	a = htonl(0xc6336464u);               /* 198.51.100.100 */
	memcpy(f.dst.b, &a, 4);
	a = htonl(0xcb007101u);               /* 203.0.113.1 */
	memcpy(f.nexthop.b, &a, 4);
	f.packets = 5000000000ull + i;        /* > 32 bits: IPFIX carries 64 */
	f.octets = 6000000000000ull + i;
	f.first_ms = T0 - 60000;
	f.last_ms = T0 - 1000 + i;
	f.in_if = 100000;
	f.out_if = 2;
	f.src_as = 4200000000u;
	f.dst_as = 64500;
	f.sampling = 0;
	f.sport = 49152;
	f.dport = 443;
	f.vlan = 4094;
	f.proto = 6;
	f.tos = 0xb8;
	f.tcp_flags = 0x12;
	f.end_reason = ANM_END_ACTIVE;
	f.src_mask = 24;
	f.dst_mask = 25;
	memcpy(f.src_mac, "\x02\x00\x00\x00\x00\x01", 6);
	memcpy(f.dst_mac, "\x02\x00\x00\x00\x00\x02", 6);
	return f;
}

static struct anm_flow flow6(unsigned i)
{
	struct anm_flow f = flow4(i);

	f.af = AF_INET6;
	memset(&f.src, 0, sizeof(f.src));
	memset(&f.dst, 0, sizeof(f.dst));
	memset(&f.nexthop, 0, sizeof(f.nexthop));
	inet_pton(AF_INET6, "2001:db8::1", f.src.b);
	f.src.b[15] = (uint8_t)(1 + i);
	inet_pton(AF_INET6, "2001:db8:ffff::53", f.dst.b);
	inet_pton(AF_INET6, "fe80::1", f.nexthop.b);
	f.proto = 17;
	f.tcp_flags = 0;
	f.src_mask = 48;
	f.dst_mask = 64;
	return f;
}

static struct enc_params params(void)
{
	struct enc_params p;

	memset(&p, 0, sizeof(p));
	p.boot_ms = T0 - 3600000;
	p.domain = 77;
	p.max_hold_ms = 2000;
	return p;
}

static void tmp_path(char *buf, size_t len, const char *name)
{
	const char *dir = getenv("TMPDIR");

	snprintf(buf, len, "%s/anemone-%s-%ld.ipfix", dir && *dir ? dir : "/tmp",
	         name, (long)getpid());
}

/* Sequence numbers must count the data records of the messages before. */
static void check_sequence(struct sender *s)
{
	uint32_t expect = 0;
	size_t i;

	for (i = 0; i < fake_sender_count(s); i++) {
		struct msg_info mi = walk(fake_sender_msg(s, i));

		CHECK(mi.ok);
		CHECK_EQ(mi.seq, expect);
		expect += (uint32_t)mi.data_records;
	}
}

/* --- read back with libfixbuf ------------------------------------------- */

struct rd_flow {
	uint64_t packets, octets, start_ms, end_ms;
	uint8_t  src6[16], dst6[16];
	uint32_t src4, dst4, src_as, in_if;
	uint16_t sport, vlan;
	uint8_t  src_mac[6];
	uint8_t  proto, end_reason, src_mask;
	uint8_t  pad[3];
};

struct rd_sampling {
	uint32_t domain, interval, space;
	uint8_t  algorithm;
	uint8_t  pad[3];
};

static fbInfoElementSpec_t rd_flow_spec[] = {
	{ "packetDeltaCount", 8, 0 }, { "octetDeltaCount", 8, 0 },
	{ "flowStartMilliseconds", 8, 0 }, { "flowEndMilliseconds", 8, 0 },
	{ "sourceIPv6Address", 16, 0 }, { "destinationIPv6Address", 16, 0 },
	{ "sourceIPv4Address", 4, 0 }, { "destinationIPv4Address", 4, 0 },
	{ "bgpSourceAsNumber", 4, 0 }, { "ingressInterface", 4, 0 },
	{ "sourceTransportPort", 2, 0 }, { "vlanId", 2, 0 },
	{ "sourceMacAddress", 6, 0 },
	{ "protocolIdentifier", 1, 0 }, { "flowEndReason", 1, 0 },
	{ "sourceIPv4PrefixLength", 1, 0 },
	{ "paddingOctets", 3, 0 },
	FB_IESPEC_NULL
};

static fbInfoElementSpec_t rd_sampling_spec[] = {
	{ "observationDomainId", 4, 0 }, { "samplingPacketInterval", 4, 0 },
	{ "samplingPacketSpace", 4, 0 }, { "samplingAlgorithm", 1, 0 },
	{ "paddingOctets", 3, 0 },
	FB_IESPEC_NULL
};

struct readback {
	size_t flows4, flows6, options;
	struct rd_flow first4, first6;
	struct rd_sampling samp;
	int error;
};

static uint16_t add_rd_template(fbSession_t *session, fbInfoModel_t *model,
                                fbInfoElementSpec_t *spec, uint16_t tid)
{
	fbTemplate_t *t = fbTemplateAlloc(model);
	GError *err = NULL;

	if (!fbTemplateAppendSpecArray(t, spec, 0, &err) ||
	    !fbSessionAddTemplate(session, TRUE, tid, t, &err)) {
		fprintf(stderr, "readback template: %s\n", err ? err->message : "?");
		g_clear_error(&err);
		fbTemplateFreeUnused(t);
		return 0;
	}
	return tid;
}

static struct readback read_back(const char *path)
{
	struct readback rb;
	fbInfoModel_t *model = fbInfoModelAlloc();
	fbSession_t *session = fbSessionAlloc(model);
	fbCollector_t *coll;
	fBuf_t *fbuf;
	GError *err = NULL;

	memset(&rb, 0, sizeof(rb));
	CHECK(add_rd_template(session, model, rd_flow_spec, 1000) == 1000);
	CHECK(add_rd_template(session, model, rd_sampling_spec, 1001) == 1001);
	CHECK_EQ(fbTemplateGetIELenOfMemBuffer(fbSessionGetTemplate(session, TRUE, 1000, NULL)),
	         sizeof(struct rd_flow));
	coll = fbCollectorAllocFile(NULL, path, &err);
	if (coll == NULL) {
		fprintf(stderr, "fbCollectorAllocFile: %s\n", err ? err->message : "?");
		g_clear_error(&err);
		fbSessionFree(session);
		fbInfoModelFree(model);
		rb.error = 1;
		return rb;
	}
	fbuf = fBufAllocForCollection(session, coll);
	for (;;) {
		uint16_t ext_tid = 0;
		fbTemplate_t *t = fBufNextCollectionTemplate(fbuf, &ext_tid, &err);
		union { struct rd_flow f; struct rd_sampling s; } rec;
		size_t len = sizeof(rec);

		if (t == NULL)
			break;
		if (fbTemplateGetOptionsScope(t) > 0) {
			CHECK(fBufSetInternalTemplate(fbuf, 1001, &err));
			len = sizeof(rec.s);
		} else {
			CHECK(fBufSetInternalTemplate(fbuf, 1000, &err));
			len = sizeof(rec.f);
		}
		memset(&rec, 0, sizeof(rec));
		if (!fBufNext(fbuf, (uint8_t *)&rec, &len, &err))
			break;
		if (ext_tid == 256) {
			if (rb.flows4++ == 0)
				rb.first4 = rec.f;
		} else if (ext_tid == 257) {
			if (rb.flows6++ == 0)
				rb.first6 = rec.f;
		} else if (ext_tid == 258) {
			rb.options++;
			rb.samp = rec.s;
		} else {
			rb.error = 1;
		}
	}
	if (err == NULL || !g_error_matches(err, FB_ERROR_DOMAIN, FB_ERROR_EOF)) {
		fprintf(stderr, "readback ended with: %s\n", err ? err->message : "no error");
		rb.error = 1;
	}
	g_clear_error(&err);
	fBufFree(fbuf);                 /* frees session and collector */
	fbInfoModelFree(model);
	return rb;
}

/* Run ipfixDump over path if it is on PATH: it must exit 0 and print no
 * error or warning.  Returns 1 if it ran. */
static int run_ipfixdump(const char *path)
{
	char cmd[2200], out[1024], line[4096];
	FILE *fp;
	int rc, bad = 0;

	if (system("command -v ipfixDump >/dev/null 2>&1") != 0) {
		printf("ipfixDump not found: skipping that check\n");
		return 0;
	}
	snprintf(out, sizeof(out), "%s.dump", path);
	snprintf(cmd, sizeof(cmd), "ipfixDump --in '%s' --out '%s' 2>&1", path, out);
	rc = system(cmd);
	CHECK_EQ(rc, 0);
	fp = fopen(out, "r");
	CHECK(fp != NULL);
	if (fp != NULL) {
		while (fgets(line, sizeof(line), fp) != NULL) {
			if (strcasestr(line, "error") || strcasestr(line, "warn")) {
				fprintf(stderr, "ipfixDump: %s", line);
				bad = 1;
			}
		}
		fclose(fp);
	}
	CHECK(!bad);
	unlink(out);
	return 1;
}

/* --- tests --------------------------------------------------------------- */

static void test_basic_layout(void)
{
	const struct encoder_ops *ops = &ipfix_encoder_ops;
	struct sender *s = fake_sender_new(1472, "ipfix:test");
	struct enc_params p = params();
	char err[256] = "", path[512];
	void *e = ops->open(&p, s, err, sizeof(err));
	struct anm_flow f4 = flow4(0), f6 = flow6(0);
	struct msg_info t, d;
	const uint8_t *r;

	CHECK(e != NULL);
	if (e == NULL) {
		fprintf(stderr, "open: %s\n", err);
		sender_free(s);
		return;
	}
	ops->add(e, &f4, T0);
	ops->add(e, &f6, T0);
	CHECK_EQ(fake_sender_count(s), 0);
	ops->flush(e, T0 + 1500);
	CHECK_EQ(fake_sender_count(s), 2);

	/* templates first, in a message of their own */
	t = walk(fake_sender_msg(s, 0));
	CHECK(t.ok);
	CHECK(only_templates(&t));
	CHECK_EQ(t.nsets, 1);
	CHECK_EQ(t.set_id[0], 2);
	CHECK_EQ(t.export_time, (T0 + 1500) / 1000);
	CHECK_EQ(t.seq, 0);
	CHECK_EQ(t.domain, 77);
	/* first template record: ID 256, 23 fields, packetDeltaCount(2)/8 first,
	 * octetDeltaCount(1)/8 second */
	r = fake_sender_msg(s, 0)->data + t.set_off[0] + 4;
	CHECK_EQ(get16(r), 256);
	CHECK_EQ(get16(r + 2), 23);
	CHECK_EQ(get16(r + 4), 2);
	CHECK_EQ(get16(r + 6), 8);
	CHECK_EQ(get16(r + 8), 1);
	CHECK_EQ(get16(r + 10), 8);
	/* then 256 again? no: the second template is 257 */
	r += 4 + 23 * 4;
	CHECK_EQ(get16(r), 257);
	CHECK_EQ(get16(r + 2), 23);
	CHECK_EQ(t.set_len[0], 4 + 2 * (4 + 23 * 4));

	d = walk(fake_sender_msg(s, 1));
	CHECK(d.ok);
	CHECK_EQ(d.nsets, 2);
	CHECK_EQ(d.set_id[0], 256);
	CHECK_EQ(d.set_len[0], 4 + REC4_LEN);
	CHECK_EQ(d.set_id[1], 257);
	CHECK_EQ(d.set_len[1], 4 + REC6_LEN);
	CHECK_EQ(d.seq, 0);
	CHECK_EQ(d.domain, 77);
	CHECK_EQ(d.export_time, (T0 + 1500) / 1000);

	/* the IPv4 record, byte by byte */
	r = fake_sender_msg(s, 1)->data + d.set_off[0] + 4;
	CHECK_EQ(get64(r + 0), 5000000000ull);                  /* packets */
	CHECK_EQ(get64(r + 8), 6000000000000ull);               /* octets */
	CHECK_EQ(get64(r + 16), T0 - 60000);                    /* start */
	CHECK_EQ(get64(r + 24), T0 - 1000);                     /* end */
	CHECK(memcmp(r + 32, "\xc0\x00\x02\x01", 4) == 0);      /* src */
	CHECK(memcmp(r + 36, "\xc6\x33\x64\x64", 4) == 0);      /* dst */
	CHECK(memcmp(r + 40, "\xcb\x00\x71\x01", 4) == 0);      /* next hop */
	CHECK_EQ(get32(r + 44), 100000);                        /* ingress */
	CHECK_EQ(get32(r + 48), 2);                             /* egress */
	CHECK_EQ(get32(r + 52), 4200000000u);                   /* src AS */
	CHECK_EQ(get32(r + 56), 64500);                         /* dst AS */
	CHECK_EQ(get16(r + 60), 49152);                         /* sport */
	CHECK_EQ(get16(r + 62), 443);                           /* dport */
	CHECK_EQ(get16(r + 64), 4094);                          /* vlan */
	CHECK_EQ(get16(r + 66), 0);                             /* customer vlan */
	CHECK_EQ(get16(r + 68), 0x12);                          /* tcp flags */
	CHECK(memcmp(r + 70, "\x02\x00\x00\x00\x00\x01", 6) == 0);
	CHECK(memcmp(r + 76, "\x02\x00\x00\x00\x00\x02", 6) == 0);
	CHECK_EQ(r[82], 6);                                     /* proto */
	CHECK_EQ(r[83], 0xb8);                                  /* tos */
	CHECK_EQ(r[84], ANM_END_ACTIVE);
	CHECK_EQ(r[85], 24);
	CHECK_EQ(r[86], 25);

	/* the IPv6 record: addresses and the fields after them */
	r = fake_sender_msg(s, 1)->data + d.set_off[1] + 4;
	CHECK_EQ(get64(r + 0), 5000000000ull);
	CHECK(memcmp(r + 32, f6.src.b, 16) == 0);
	CHECK(memcmp(r + 48, f6.dst.b, 16) == 0);
	CHECK(memcmp(r + 64, f6.nexthop.b, 16) == 0);
	CHECK_EQ(get32(r + 80), 100000);
	CHECK_EQ(get16(r + 96), 49152);
	CHECK_EQ(r[118], 17);
	CHECK_EQ(r[121], 48);
	CHECK_EQ(r[122], 64);

	CHECK_EQ(ops->stats(e)->records, 2);
	CHECK_EQ(ops->stats(e)->messages, 2);
	CHECK_EQ(ops->stats(e)->templates, 1);
	CHECK_EQ(ops->stats(e)->skipped, 0);

	/* an unknown family is skipped */
	f4.af = AF_UNIX;
	ops->add(e, &f4, T0);
	CHECK_EQ(ops->stats(e)->skipped, 1);

	tmp_path(path, sizeof(path), "basic");
	CHECK_EQ(fake_sender_write(s, path), 0);
	{
		struct readback rb = read_back(path);

		CHECK(!rb.error);
		CHECK_EQ(rb.flows4, 1);
		CHECK_EQ(rb.flows6, 1);
		CHECK_EQ(rb.options, 0);
		CHECK_EQ(rb.first4.src4, 0xc0000201u);
		CHECK_EQ(rb.first4.dst4, 0xc6336464u);
		CHECK_EQ(rb.first4.packets, 5000000000ull);
		CHECK_EQ(rb.first4.octets, 6000000000000ull);
		CHECK_EQ(rb.first4.start_ms, T0 - 60000);
		CHECK_EQ(rb.first4.src_as, 4200000000u);
		CHECK_EQ(rb.first4.in_if, 100000);
		CHECK_EQ(rb.first4.vlan, 4094);
		CHECK_EQ(rb.first4.proto, 6);
		CHECK_EQ(rb.first4.end_reason, ANM_END_ACTIVE);
		CHECK_EQ(rb.first4.src_mask, 24);
		CHECK(memcmp(rb.first4.src_mac, f6.src_mac, 6) == 0);
		CHECK(memcmp(rb.first6.src6, f6.src.b, 16) == 0);
		CHECK(memcmp(rb.first6.dst6, f6.dst.b, 16) == 0);
		CHECK_EQ(rb.first6.src4, 0);
		CHECK_EQ(rb.first6.sport, 49152);
		CHECK_EQ(rb.first6.proto, 17);
	}
	run_ipfixdump(path);
	unlink(path);

	ops->close(e);
	sender_free(s);
}

/* Many mixed flows through small messages: every message within the limit,
 * every record accounted for, sequence numbers consistent, readable. */
static void test_many(size_t max_msg, unsigned nflows)
{
	const struct encoder_ops *ops = &ipfix_encoder_ops;
	struct sender *s = fake_sender_new(max_msg, "ipfix:test");
	struct enc_params p = params();
	void *e = ops->open(&p, s, NULL, 0);
	size_t i, recs = 0, n4 = 0, n6 = 0;
	char path[512];

	CHECK(e != NULL);
	for (i = 0; i < nflows; i++) {
		/* runs of each family, so sets switch within messages */
		struct anm_flow f = (i / 3) % 2 ? flow6((unsigned)i) : flow4((unsigned)i);

		ops->add(e, &f, T0 + i);
		if (f.af == AF_INET)
			n4++;
		else
			n6++;
	}
	ops->flush(e, T0 + nflows);
	for (i = 0; i < fake_sender_count(s); i++) {
		const struct fake_msg *m = fake_sender_msg(s, i);
		struct msg_info mi = walk(m);

		CHECK(mi.ok);
		CHECK(m->len <= max_msg);
		recs += mi.data_records;
		if (i == 0)
			CHECK(only_templates(&mi));
		else
			CHECK(!has_set(&mi, 2) && !has_set(&mi, 3));
	}
	CHECK_EQ(recs, nflows);
	CHECK_EQ(ops->stats(e)->records, nflows);
	CHECK_EQ(ops->stats(e)->messages, fake_sender_count(s));
	check_sequence(s);

	tmp_path(path, sizeof(path), "many");
	CHECK_EQ(fake_sender_write(s, path), 0);
	{
		struct readback rb = read_back(path);

		CHECK(!rb.error);
		CHECK_EQ(rb.flows4, n4);
		CHECK_EQ(rb.flows6, n6);
	}
	run_ipfixdump(path);
	unlink(path);
	ops->close(e);
	sender_free(s);
}

static void test_template_refresh(void)
{
	const struct encoder_ops *ops = &ipfix_encoder_ops;
	struct sender *s = fake_sender_new(1472, "ipfix:test");
	struct enc_params p = params();
	void *e;
	struct anm_flow f = flow4(0);
	struct msg_info mi;

	p.template_refresh_s = 10;
	e = ops->open(&p, s, NULL, 0);

	/* an idle tick at start sends the templates at once */
	ops->tick(e, T0);
	CHECK_EQ(fake_sender_count(s), 1);
	mi = walk(fake_sender_msg(s, 0));
	CHECK(only_templates(&mi));

	ops->add(e, &f, T0 + 1000);
	ops->flush(e, T0 + 1000);
	CHECK_EQ(fake_sender_count(s), 2);          /* data only */
	mi = walk(fake_sender_msg(s, 1));
	CHECK(has_set(&mi, 256) && !has_set(&mi, 2));

	/* refresh due while a data message is open: templates go first */
	ops->add(e, &f, T0 + 9000);
	ops->flush(e, T0 + 10000);
	CHECK_EQ(fake_sender_count(s), 4);
	mi = walk(fake_sender_msg(s, 2));
	CHECK(only_templates(&mi));
	mi = walk(fake_sender_msg(s, 3));
	CHECK(has_set(&mi, 256));
	CHECK_EQ(ops->stats(e)->templates, 2);

	/* refresh due while idle: tick sends it */
	ops->tick(e, T0 + 19999);
	CHECK_EQ(fake_sender_count(s), 4);
	ops->tick(e, T0 + 20000);
	CHECK_EQ(fake_sender_count(s), 5);
	mi = walk(fake_sender_msg(s, 4));
	CHECK(only_templates(&mi));
	CHECK_EQ(ops->stats(e)->templates, 3);
	check_sequence(s);

	ops->close(e);
	sender_free(s);
}

static void test_generation(void)
{
	const struct encoder_ops *ops = &ipfix_encoder_ops;
	struct sender *s = fake_sender_new(1472, "ipfix+tcp:test");
	struct enc_params p = params();
	void *e;
	struct anm_flow f = flow4(0);
	struct msg_info mi;

	p.template_refresh_s = 0;                   /* TCP: no timed refresh */
	e = ops->open(&p, s, NULL, 0);
	ops->add(e, &f, T0);
	ops->flush(e, T0);
	CHECK_EQ(fake_sender_count(s), 2);
	ops->add(e, &f, T0 + 3600000);
	ops->flush(e, T0 + 3600000);
	CHECK_EQ(fake_sender_count(s), 3);          /* no refresh over TCP */

	/* reconnection: templates again, before the data */
	fake_sender_set_generation(s, 2);
	ops->add(e, &f, T0 + 3600001);
	ops->flush(e, T0 + 3600001);
	CHECK_EQ(fake_sender_count(s), 5);
	mi = walk(fake_sender_msg(s, 3));
	CHECK(only_templates(&mi));
	CHECK_EQ(fake_sender_msg(s, 3)->generation, 2);
	mi = walk(fake_sender_msg(s, 4));
	CHECK(has_set(&mi, 256));

	/* disconnected: data is still handed over (and lost), no templates */
	fake_sender_set_generation(s, 0);
	ops->add(e, &f, T0 + 3600002);
	ops->flush(e, T0 + 3600002);
	ops->tick(e, T0 + 3600003);
	CHECK_EQ(fake_sender_count(s), 6);
	CHECK_EQ(fake_sender_msg(s, 5)->lost, 1);
	mi = walk(fake_sender_msg(s, 5));
	CHECK(has_set(&mi, 256) && !has_set(&mi, 2));

	/* back up: the idle tick sends templates right away */
	fake_sender_set_generation(s, 3);
	ops->tick(e, T0 + 3600004);
	CHECK_EQ(fake_sender_count(s), 7);
	mi = walk(fake_sender_msg(s, 6));
	CHECK(only_templates(&mi));
	ops->add(e, &f, T0 + 3600005);
	ops->flush(e, T0 + 3600005);
	CHECK_EQ(fake_sender_count(s), 8);
	mi = walk(fake_sender_msg(s, 7));
	CHECK(has_set(&mi, 256) && !has_set(&mi, 2));

	/* the lost message's record still counts, in stats and sequence */
	CHECK_EQ(ops->stats(e)->records, 5);
	CHECK_EQ(ops->stats(e)->templates, 3);
	CHECK_EQ(ops->stats(e)->messages, 8);
	check_sequence(s);
	CHECK_EQ(walk(fake_sender_msg(s, 7)).seq, 4);

	ops->close(e);
	sender_free(s);
}

static void test_sampling(enum sampling_mode mode, uint8_t want_alg)
{
	const struct encoder_ops *ops = &ipfix_encoder_ops;
	struct sender *s = fake_sender_new(1472, "ipfix:test");
	struct enc_params p = params();
	void *e;
	struct anm_flow f = flow4(0);
	struct msg_info mi;
	const uint8_t *r;
	char path[512];

	p.sampling = 100;
	p.sampling_mode = mode;
	p.template_refresh_s = 60;
	e = ops->open(&p, s, NULL, 0);
	ops->add(e, &f, T0);
	ops->flush(e, T0);
	CHECK_EQ(fake_sender_count(s), 3);

	/* templates: data template set, then options template set with
	 * template 258, 4 fields, scope count 1 */
	mi = walk(fake_sender_msg(s, 0));
	CHECK(only_templates(&mi));
	CHECK_EQ(mi.nsets, 2);
	CHECK_EQ(mi.set_id[0], 2);
	CHECK_EQ(mi.set_id[1], 3);
	r = fake_sender_msg(s, 0)->data + mi.set_off[1] + 4;
	CHECK_EQ(get16(r), 258);
	CHECK_EQ(get16(r + 2), 4);
	CHECK_EQ(get16(r + 4), 1);
	CHECK_EQ(get16(r + 6), 149);                /* observationDomainId */
	CHECK_EQ(get16(r + 10), 305);
	CHECK_EQ(get16(r + 14), 306);
	CHECK_EQ(get16(r + 18), 35);
	CHECK_EQ(get16(r + 20), 1);

	/* the options record */
	mi = walk(fake_sender_msg(s, 1));
	CHECK(mi.ok);
	CHECK_EQ(mi.nsets, 1);
	CHECK_EQ(mi.set_id[0], 258);
	CHECK_EQ(mi.data_records, 1);
	r = fake_sender_msg(s, 1)->data + mi.set_off[0] + 4;
	CHECK_EQ(get32(r), 77);
	CHECK_EQ(get32(r + 4), 1);
	CHECK_EQ(get32(r + 8), 99);
	CHECK_EQ(r[12], want_alg);

	mi = walk(fake_sender_msg(s, 2));
	CHECK(has_set(&mi, 256));
	CHECK_EQ(mi.seq, 1);                        /* after the options record */

	/* refresh repeats both */
	ops->add(e, &f, T0 + 60000);
	ops->flush(e, T0 + 60000);
	CHECK_EQ(fake_sender_count(s), 6);
	mi = walk(fake_sender_msg(s, 3));
	CHECK(only_templates(&mi) && has_set(&mi, 3));
	mi = walk(fake_sender_msg(s, 4));
	CHECK(has_set(&mi, 258));
	check_sequence(s);
	CHECK_EQ(ops->stats(e)->records, 2);        /* flows only */

	tmp_path(path, sizeof(path), "sampling");
	CHECK_EQ(fake_sender_write(s, path), 0);
	{
		struct readback rb = read_back(path);

		CHECK(!rb.error);
		CHECK_EQ(rb.flows4, 2);
		CHECK_EQ(rb.options, 2);
		CHECK_EQ(rb.samp.domain, 77);
		CHECK_EQ(rb.samp.interval, 1);
		CHECK_EQ(rb.samp.space, 99);
		CHECK_EQ(rb.samp.algorithm, want_alg);
	}
	run_ipfixdump(path);
	unlink(path);
	ops->close(e);
	sender_free(s);
}

static void test_hold_and_loss(void)
{
	const struct encoder_ops *ops = &ipfix_encoder_ops;
	struct sender *s = fake_sender_new(1472, "ipfix:test");
	struct enc_params p = params();
	void *e;
	struct anm_flow f = flow4(0);
	struct msg_info mi;

	p.max_hold_ms = 500;
	e = ops->open(&p, s, NULL, 0);
	ops->add(e, &f, T0);
	ops->add(e, &f, T0 + 100);
	ops->tick(e, T0 + 499);
	CHECK_EQ(fake_sender_count(s), 0);
	ops->tick(e, T0 + 500);
	CHECK_EQ(fake_sender_count(s), 2);          /* templates + data */
	mi = walk(fake_sender_msg(s, 1));
	CHECK_EQ(mi.data_records, 2);
	CHECK_EQ(mi.export_time, (T0 + 500) / 1000);

	/* ->add notices an expired hold before appending */
	ops->add(e, &f, T0 + 1000);
	ops->add(e, &f, T0 + 1600);
	CHECK_EQ(fake_sender_count(s), 3);
	CHECK_EQ(walk(fake_sender_msg(s, 2)).data_records, 1);

	/* a lost message counts as sent */
	fake_sender_fail_next(s, 1);
	ops->flush(e, T0 + 1700);
	CHECK_EQ(fake_sender_count(s), 4);
	CHECK_EQ(fake_sender_msg(s, 3)->lost, 1);
	ops->add(e, &f, T0 + 1800);
	ops->flush(e, T0 + 1800);
	CHECK_EQ(walk(fake_sender_msg(s, 4)).seq, 4);
	CHECK_EQ(ops->stats(e)->records, 5);
	CHECK_EQ(sender_stats(s)->errors, 1);

	/* flush and tick with nothing open send nothing */
	ops->flush(e, T0 + 1900);
	ops->tick(e, T0 + 999999);
	CHECK_EQ(fake_sender_count(s), 5);
	ops->close(e);

	/* hold 0: flows added at one instant share a message */
	fake_sender_clear(s);
	p.max_hold_ms = 0;
	e = ops->open(&p, s, NULL, 0);
	ops->add(e, &f, T0);
	ops->add(e, &f, T0);
	ops->add(e, &f, T0);
	CHECK_EQ(fake_sender_count(s), 0);
	ops->tick(e, T0);
	CHECK_EQ(fake_sender_count(s), 2);
	CHECK_EQ(walk(fake_sender_msg(s, 1)).data_records, 3);
	ops->add(e, &f, T0 + 1);
	ops->add(e, &f, T0 + 2);
	CHECK_EQ(fake_sender_count(s), 3);
	CHECK_EQ(walk(fake_sender_msg(s, 2)).data_records, 1);
	ops->close(e);
	sender_free(s);
}

static void test_open_errors(void)
{
	const struct encoder_ops *ops = &ipfix_encoder_ops;
	struct sender *s = fake_sender_new(200, "ipfix:tiny");
	struct enc_params p = params();
	char err[256] = "";

	CHECK(ops->open(&p, s, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "too small") != NULL);
	CHECK(ops->open(&p, s, NULL, 0) == NULL);
	sender_free(s);

	/* a path above 65535 is clamped to the IPFIX maximum */
	s = fake_sender_new(100000, "ipfix:huge");
	{
		void *e = ops->open(&p, s, err, sizeof(err));
		unsigned i;
		struct anm_flow f = flow6(0);

		CHECK(e != NULL);
		for (i = 0; i < 600; i++)
			ops->add(e, &f, T0);
		ops->flush(e, T0);
		CHECK_EQ(fake_sender_count(s), 3);
		CHECK(fake_sender_msg(s, 1)->len <= 65535);
		CHECK(fake_sender_msg(s, 1)->len > 60000);
		ops->close(e);
	}
	sender_free(s);
}

int main(void)
{
	test_basic_layout();
	test_many(1472, 1000);
	test_many(256, 200);
	test_many(512, 333);
	test_template_refresh();
	test_generation();
	test_sampling(SAMPLING_DETERMINISTIC, 1);
	test_sampling(SAMPLING_RANDOM, 2);
	test_sampling(SAMPLING_UPSTREAM, 2);      /* declared as random */
	test_hold_and_loss();
	test_open_errors();
	return check_done("test_ipfix");
}
