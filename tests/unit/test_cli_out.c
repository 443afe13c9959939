/*
 * The anemone command's output layer and event reader (cli/out.h,
 * cli/event.h): tables aligned as before, CSV quoting as RFC 4180 wants,
 * the number formats, and topology events flattened from JSON -- the
 * shapes ospfmon writes (nested objects, arrays, "old" values, flap
 * events) and text that is not an event at all.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "event.h"
#include "out.h"

/* What fn printed into a FILE, as a string (free it). */
static char *captured(FILE *fp)
{
	long n;
	char *s;

	fflush(fp);
	n = ftell(fp);
	rewind(fp);
	s = calloc(1, (size_t)n + 1);
	if (s && fread(s, 1, (size_t)n, fp) != (size_t)n)
		s[0] = 0;
	fclose(fp);
	return s;
}

static void test_table(void)
{
	struct table t;
	FILE *fp = tmpfile();
	char *s;

	table_init(&t, 4);
	table_row(&t, "#", "LINK", "BYTES", "UTIL");
	table_row(&t, "1", "a -> b", "12.3 GB", "4.5%");
	table_row(&t, "10", "10.0.0.1 -> c", "1 B", "-");
	table_row(&t, "2", NULL, "999.9 kB", "");
	table_print(&t, fp, "  ");
	s = captured(fp);
	CHECK(s && strcmp(s,
		"  #   LINK           BYTES     UTIL\n"
		"  1   a -> b          12.3 GB  4.5%\n"
		"  10  10.0.0.1 -> c       1 B     -\n"
		"  2                  999.9 kB\n") == 0);
	if (s)
		fputs(s, stderr);
	free(s);
	CHECK_EQ(t.nrows, 0);

	fp = tmpfile();
	table_init(&t, 5);
	table_row(&t, "id", "name", "note", "q", "empty");
	table_row(&t, "1", "a,b", "say \"hi\"", " lead", NULL);
	table_row(&t, "2", "line\nbreak", "plain", "trail ", "");
	table_csv(&t, fp);
	csv_next_table(fp);
	s = captured(fp);
	CHECK(s && strcmp(s,
		"id,name,note,q,empty\n"
		"1,\"a,b\",\"say \"\"hi\"\"\",\" lead\",\n"
		"2,\"line\nbreak\",plain,\"trail \",\n"
		"\n") == 0);
	if (s)
		fputs(s, stderr);
	free(s);
}

static void test_formats(void)
{
	char b[64];

	fmt_bytes(999, b, sizeof(b));
	CHECK(strcmp(b, "999 B") == 0);
	fmt_bytes(12345678901ull, b, sizeof(b));
	CHECK(strcmp(b, "12.3 GB") == 0);
	fmt_rate(999.4, b, sizeof(b));
	CHECK(strcmp(b, "999 b/s") == 0);
	fmt_rate(123456789, b, sizeof(b));
	CHECK(strcmp(b, "123.5 Mb/s") == 0);
	fmt_util(0.1234, true, b, sizeof(b));
	CHECK(strcmp(b, "12.3%") == 0);
	fmt_util(0.5, false, b, sizeof(b));
	CHECK(strcmp(b, "-") == 0);
	fmt_time(1793628000000ull, b, sizeof(b));
	CHECK(strcmp(b, "2026-11-02 14:00Z") == 0);
	fmt_time(1793628001000ull, b, sizeof(b));
	CHECK(strcmp(b, "2026-11-02 14:00:01Z") == 0);
	fmt_time_iso(1793628000000ull, b, sizeof(b));
	CHECK(strcmp(b, "2026-11-02T14:00:00Z") == 0);
	fmt_frac4(0.123456, b, sizeof(b));
	CHECK(strcmp(b, "0.1235") == 0);
}

/* The line of one event, or "" when it could not be read. */
static void line_of(const char *json, char *out, size_t len, int *rc)
{
	struct event_fields f;
	struct sbuf s = SBUF_INIT;

	*rc = event_read(json, strlen(json), &f);
	event_line(&f, &s);
	snprintf(out, len, "%s", sbuf_ok(&s) && sbuf_ok(&f.details) ? sbuf_str(&s) : "(out of memory)");
	sbuf_free(&s);
	event_fields_free(&f);
}

static void test_events(void)
{
	char l[1024];
	int rc;
	struct event_fields f;

	/* as ospfmon writes them (the golden events.txt's lines) */
	line_of("{\"time_ms\":1796174280250,\"time\":\"2026-12-02T01:18:00.250Z\",\"event\":\"router-appeared\","
	        "\"area\":\"0.0.0.0\",\"router\":{\"id\":\"10.255.0.10\",\"flags\":[\"ASBR\"],\"up\":true}}",
	        l, sizeof(l), &rc);
	CHECK_EQ(rc, 0);
	CHECK(strcmp(l, "2026-12-02T01:18:00.250Z  router-appeared    area=0.0.0.0 router.id=10.255.0.10 "
	                "router.flags=ASBR router.up=true") == 0);
	line_of("{\"time_ms\":1,\"time\":\"t\",\"event\":\"router-appeared\",\"router\":{\"id\":\"1.1.1.1\","
	        "\"flags\":[],\"up\":true}}", l, sizeof(l), &rc);
	CHECK(strcmp(l, "t                         router-appeared    router.id=1.1.1.1 router.up=true") == 0);
	/* a change: "old" members only where they differ from the subject's */
	line_of("{\"time_ms\":1,\"time\":\"t\",\"event\":\"cost-changed\",\"area\":\"0.0.0.0\","
	        "\"link\":{\"type\":\"p2p\",\"a\":\"1.1.1.1\",\"b\":\"2.2.2.2\",\"cost_ab\":20,\"cost_ba\":10},"
	        "\"old\":{\"type\":\"p2p\",\"a\":\"1.1.1.1\",\"b\":\"2.2.2.2\",\"cost_ab\":10,\"cost_ba\":10}}",
	        l, sizeof(l), &rc);
	CHECK(strcmp(l, "t                         cost-changed       area=0.0.0.0 link.type=p2p link.a=1.1.1.1 "
	                "link.b=2.2.2.2 link.cost_ab=20 link.cost_ba=10 old.cost_ab=10") == 0);
	fprintf(stderr, "%s\n", l);
	/* a flap event: the last event nested, its time and event not special */
	line_of("{\"time_ms\":5,\"time\":\"t5\",\"event\":\"flapping\",\"changes\":4,\"window_s\":60,"
	        "\"last\":{\"time_ms\":4,\"time\":\"t4\",\"event\":\"link-removed\",\"x\":[{\"a\":1},{\"a\":2.5}]}}",
	        l, sizeof(l), &rc);
	CHECK(strcmp(l, "t5                        flapping           changes=4 window_s=60 last.time_ms=4 "
	                "last.time=t4 last.event=link-removed last.x.a=1 last.x.a=2.5") == 0);
	fprintf(stderr, "%s\n", l);
	/* strings decoded; null */
	line_of("{\"event\":\"e\",\"name\":\"a \\\"b\\\" \\u00e9\",\"n\":null}", l, sizeof(l), &rc);
	CHECK(strcmp(l, "                          e                  name=a \"b\" \xc3\xa9 n=null") == 0);
	/* not an event: said so, not guessed at */
	line_of("{\"time\":\"t\",\"event\":", l, sizeof(l), &rc);
	CHECK_EQ(rc, -1);
	CHECK(strstr(l, " text={\"time\":\"t\",\"event\":") != NULL);
	line_of("[1,2]", l, sizeof(l), &rc);
	CHECK_EQ(rc, -1);
	line_of("", l, sizeof(l), &rc);
	CHECK_EQ(rc, -1);
	/* time_ms read as a number */
	CHECK_EQ(event_read("{\"time_ms\":1796174280250}", 25, &f), 0);
	CHECK_EQ(f.time_ms, 1796174280250ull);
	event_fields_free(&f);
	/* deep nesting: bounded by the parser, no crash */
	{
		size_t depth = 5000, n = 0;
		char *d = malloc(depth * 6 + 16);
		if (d) {
			for (size_t i = 0; i < depth; i++)
				n += (size_t)sprintf(d + n, "{\"a\":");
			n += (size_t)sprintf(d + n, "1");
			for (size_t i = 0; i < depth; i++)
				d[n++] = '}';
			d[n] = 0;
			CHECK_EQ(event_read(d, n, &f), -1);
			event_fields_free(&f);
			free(d);
		}
	}
}

int main(void)
{
	test_table();
	test_formats();
	test_events();
	return check_done("test_cli_out");
}
