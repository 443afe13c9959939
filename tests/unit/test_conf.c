/* Configuration: number/duration parsing, the exporter's libconfig loader. */
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "conf.h"
#include "settings.h"

static unsigned load_text(const char *text, struct exporter_conf *c)
{
	char path[] = "/tmp/anemone-test-conf-XXXXXX";
	int fd = mkstemp(path);
	config_t cfg;
	unsigned errors;

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
	exporter_conf_defaults(c);
	config_init(&cfg);
	errors = exporter_conf_load(c, &cfg, path);
	config_destroy(&cfg);   /* strings die here: tests only look at numbers */
	unlink(path);
	return errors;
}

static void test_parse(void)
{
	uint64_t v;

	CHECK(parse_uint("42", 0, 100, &v) == 0 && v == 42);
	CHECK(parse_uint("101", 0, 100, &v) < 0);
	CHECK(parse_uint("-1", 0, 100, &v) < 0);
	CHECK(parse_uint("", 0, 100, &v) < 0);
	CHECK(parse_uint("12x", 0, 100, &v) < 0);
	CHECK(parse_uint(" 1", 0, 100, &v) < 0);
	CHECK(parse_uint("99999999999999999999999", 0, UINT64_MAX, &v) < 0);
	CHECK(parse_duration_ms("30", &v) == 0 && v == 30000);
	CHECK(parse_duration_ms("250ms", &v) == 0 && v == 250);
	CHECK(parse_duration_ms("5m", &v) == 0 && v == 300000);
	CHECK(parse_duration_ms("2h", &v) == 0 && v == 7200000);
	CHECK(parse_duration_ms("5 m", &v) < 0);
	CHECK(parse_duration_ms("m", &v) < 0);
	CHECK(parse_duration_ms("10d", &v) < 0);
}

static void test_good(void)
{
	struct exporter_conf c;
	unsigned e = load_text(
		"input = { file = \"x.pcap\"; snaplen = 128; buffer-size = 4; interface-index = 7; };\n"
		"flows = { max-flows = 5000; active-timeout = \"2m\"; idle-timeout = 10;\n"
		"          tcp-linger = \"500ms\"; key = [\"src-addr\", \"dst-addr\", \"proto\"]; };\n"
		"sampling = { rate = 10; mode = \"random\"; seed = 7; };\n"
		"export = { destinations = [\"v5:127.0.0.1:2055\", \"ipfix+tcp:[::1]:4739\"];\n"
		"           mtu = 1400; engine-type = 1; engine-id = 2; observation-domain = 99;\n"
		"           template-refresh = \"30s\"; max-hold = \"200ms\";\n"
		"           queue-size = 1048576; replay-patience = \"5s\"; };\n"
		"log = { syslog = false; verbose = 1; };\n", &c);

	CHECK_EQ(e, 0);
	CHECK_EQ(c.cap.snaplen, 128);
	CHECK_EQ(c.cap.buffer_bytes, 4u << 20);
	CHECK_EQ(c.meter.in_if, 7);
	CHECK_EQ(c.meter.flows.max_flows, 5000);
	CHECK_EQ(c.meter.flows.active_ms, 120000);
	CHECK_EQ(c.meter.flows.idle_ms, 10000);
	CHECK_EQ(c.meter.flows.linger_ms, 500);
	CHECK_EQ(c.meter.key_fields, KEY_SRC_ADDR | KEY_DST_ADDR | KEY_PROTO);
	CHECK_EQ(c.meter.sampling, 10);
	CHECK_EQ(c.meter.sampling_mode, SAMPLING_RANDOM);
	CHECK_EQ(c.meter.sampling_seed, 7);
	CHECK_EQ(c.ndest, 2);
	CHECK_EQ(c.dest[0].proto, EXP_V5);
	CHECK_EQ(c.dest[1].proto, EXP_IPFIX_TCP);
	CHECK_EQ(c.dest[1].addr.ss_family, AF_INET6);
	CHECK_EQ(c.mtu, 1400);
	CHECK_EQ(c.enc.engine_type, 1);
	CHECK_EQ(c.enc.engine_id, 2);
	CHECK_EQ(c.enc.domain, 99);
	CHECK_EQ(c.enc.template_refresh_s, 30);
	CHECK_EQ(c.enc.max_hold_ms, 200);
	CHECK_EQ(c.queue_bytes, 1048576);
	CHECK_EQ(c.patience_s, 5);
	CHECK_EQ(c.verbose, 1);
	/* the defaults */
	CHECK_EQ(load_text("export = { mtu = 1500; };\n", &c), 0);
	CHECK_EQ(c.queue_bytes, SENDER_QUEUE_DEFAULT);
	CHECK_EQ(c.patience_s, DEF_REPLAY_PATIENCE_S);
	CHECK_EQ(load_text("export = { replay-patience = 0; };\n", &c), 0);
	CHECK_EQ(c.patience_s, 0);
}

static void test_upstream(void)
{
	struct exporter_conf c;

	CHECK_EQ(load_text("sampling = { rate = 4000; mode = \"upstream\"; };\n", &c), 0);
	CHECK_EQ(c.meter.sampling, 4000);
	CHECK_EQ(c.meter.sampling_mode, SAMPLING_UPSTREAM);
}

static void test_bad(void)
{
	struct exporter_conf c;

	CHECK_EQ(load_text("flows = { max-flows = 0; };\n", &c), 1);
	CHECK_EQ(load_text("flows = { max-flow = 10; };\n", &c), 1);        /* typo */
	CHECK_EQ(load_text("flows = { idle-timeout = \"fast\"; };\n", &c), 1);
	CHECK_EQ(load_text("flows = { key = [\"src-addr\", \"colour\"]; };\n", &c), 1);
	CHECK_EQ(load_text("sampling = { rate = 20000; };\n", &c), 1);
	CHECK_EQ(load_text("sampling = { mode = \"sometimes\"; };\n", &c), 1);
	CHECK_EQ(load_text("export = { destinations = [\"v8:1.2.3.4:2055\"]; };\n", &c), 1);
	CHECK_EQ(load_text("export = { destinations = [\"v9:1.2.3.4:2055\"]; };\n", &c), 0);
	CHECK_EQ(load_text("export = { destinations = [\"v5:::1:2055\"]; };\n", &c), 1);
	CHECK_EQ(load_text("export = { destinations = [\"v5:127.0.0.1:0\"]; };\n", &c), 1);
	CHECK_EQ(load_text("export = { queue-size = 1000; };\n", &c), 1);   /* < 64 KiB */
	CHECK_EQ(load_text("export = { replay-patience = \"2h\"; };\n", &c), 1);
	CHECK_EQ(load_text("input = { promiscuous = 3; };\n", &c), 1);
	CHECK_EQ(load_text("input = { file = \"a\"; interface = \"b\"; };\n", &c), 1);
	CHECK_EQ(load_text("colour = \"blue\";\n", &c), 1);
	CHECK_EQ(load_text("flows = { max-flows = 10 \n", &c), 1);            /* syntax */
	CHECK_EQ(load_text("flows = { max-flows = 0; idle-timeout = 0; };\n", &c), 2);
}

int main(void)
{
	test_parse();
	test_good();
	test_upstream();
	test_bad();
	return check_done("test_conf");
}
