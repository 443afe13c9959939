/*
 * Test driver for ospfmon/publish.c, run by tests/ospfmon-publish.sh.  The
 * options configure the publisher; each following argument is one step, run
 * in order on a clock of the driver's own (so backoffs need no waiting):
 *
 *   at=MS          set the clock to MS
 *   topo=JSON      the topology document of the next publications
 *   topo=@FILE     ... read from FILE (lsdb= likewise)
 *   event=JSON     add an event to the next publication
 *   events=N       add N events {"event":"test","seq":K,"time_ms":T}, K
 *                  counting from 1 over the whole run
 *   publish=V      publish version V at the clock with the events added
 *   tick           pub_tick at the clock
 *   waitfile=PATH  wait (30 s at most) until PATH exists
 *   stats          print the statistics
 *
 * Every step prints one line; the statistics are printed once more at the
 * end.  Exit status 0, or 2 for a bad argument.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "publish.h"

static void usage(void)
{
	fprintf(stderr,
	"usage: publish-driver [-H HOST] [-p PORT] [-u SOCKET] [-a PASSWORD] [-n DB]\n"
	"                      [-P PREFIX] [-k KEEP] [-t TIMEOUT-MS] [-j FILE] [-v] STEP...\n");
	exit(2);
}

static uint64_t num(const char *s, uint64_t max)
{
	uint64_t v;

	if (parse_uint(s, 0, max, &v) < 0) {
		fprintf(stderr, "publish-driver: '%s' is not a number up to %" PRIu64 "\n", s, max);
		exit(2);
	}
	return v;
}

/* TEXT, or the contents of FILE for "@FILE". */
static char *text_arg(const char *a)
{
	FILE *f;
	char *b = NULL;
	size_t len = 0;

	if (a[0] != '@')
		return strdup(a);
	if ((f = fopen(a + 1, "r")) == NULL) {
		fprintf(stderr, "publish-driver: %s: %s\n", a + 1, strerror(errno));
		exit(2);
	}
	for (;;) {
		char chunk[4096];
		size_t n = fread(chunk, 1, sizeof(chunk), f);
		char *nb;
		if (n == 0)
			break;
		if ((nb = realloc(b, len + n + 1)) == NULL)
			abort();
		b = nb;
		memcpy(b + len, chunk, n);
		len += n;
	}
	fclose(f);
	if (b == NULL && (b = malloc(1)) == NULL)
		abort();
	b[len] = '\0';
	return b;
}

static void print_stats(struct pub *p)
{
	struct pub_stats st;

	pub_stats(p, &st);
	printf("stats published=%" PRIu64 " redis_errors=%" PRIu64 " reconnects=%" PRIu64
	       " events_sent=%" PRIu64 " events_dropped=%" PRIu64 " file_writes=%" PRIu64
	       " file_errors=%" PRIu64 " redis_up=%d\n", st.published, st.redis_errors,
	       st.reconnects, st.events_sent, st.events_dropped, st.file_writes,
	       st.file_errors, st.redis_up ? 1 : 0);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct pub_conf c = { 0 };
	struct pub *p;
	char *topo, *lsdb;
	char **ev = NULL;
	size_t nev = 0, cap = 0;
	uint64_t clock = 0, seq = 0;
	int opt, verbose = 0;

	while ((opt = getopt(argc, argv, "H:p:u:a:n:P:k:t:j:v")) != -1) {
		switch (opt) {
		case 'H': c.redis_host = optarg; break;
		case 'p': c.redis_port = (uint16_t)num(optarg, 65535); break;
		case 'u': c.redis_unix = optarg; break;
		case 'a': c.redis_password = optarg; break;
		case 'n': c.redis_db = (int)num(optarg, 1000); break;
		case 'P': c.prefix = optarg; break;
		case 'k': c.events_keep = (uint32_t)num(optarg, UINT32_MAX); break;
		case 't': c.timeout_ms = (uint32_t)num(optarg, UINT32_MAX); break;
		case 'j': c.json_file = optarg; break;
		case 'v': verbose = 1; break;
		default: usage();
		}
	}
	if (optind >= argc)
		usage();
	log_init("publish-driver", LOG_TO_STDERR, verbose);
	if ((p = pub_new(&c)) == NULL)
		fatalx("pub_new: out of memory");
	topo = strdup("{}");
	lsdb = strdup("{}");

	for (int i = optind; i < argc; i++) {
		const char *a = argv[i], *v = strchr(a, '=');
		v = v ? v + 1 : "";

		if (strncmp(a, "at=", 3) == 0) {
			clock = num(v, UINT64_MAX);
			printf("at %" PRIu64 "\n", clock);
		} else if (strncmp(a, "topo=", 5) == 0) {
			free(topo);
			topo = text_arg(v);
			printf("topo %zu bytes\n", strlen(topo));
		} else if (strncmp(a, "lsdb=", 5) == 0) {
			free(lsdb);
			lsdb = text_arg(v);
			printf("lsdb %zu bytes\n", strlen(lsdb));
		} else if (strncmp(a, "event=", 6) == 0 || strncmp(a, "events=", 7) == 0) {
			uint64_t n = a[5] == '=' ? 1 : num(v, 10000000);
			for (uint64_t k = 0; k < n; k++) {
				char buf[128];
				if (nev == cap) {
					cap = cap ? cap * 2 : 64;
					if ((ev = realloc(ev, cap * sizeof(*ev))) == NULL)
						abort();
				}
				if (a[5] == '=') {
					ev[nev++] = strdup(v);
				} else {
					snprintf(buf, sizeof(buf),
					         "{\"event\":\"test\",\"seq\":%" PRIu64 ",\"time_ms\":%" PRIu64 "}",
					         ++seq, clock);
					ev[nev++] = strdup(buf);
				}
			}
			printf("events %zu waiting\n", nev);
		} else if (strncmp(a, "publish=", 8) == 0) {
			uint64_t ver = num(v, UINT64_MAX);
			int rv = pub_publish(p, ver, clock, topo, lsdb, (const char *const *)ev,
			                     (unsigned)nev);
			printf("publish version=%" PRIu64 " events=%zu rv=%d\n", ver, nev, rv);
			for (size_t k = 0; k < nev; k++)
				free(ev[k]);
			nev = 0;
		} else if (strcmp(a, "tick") == 0) {
			pub_tick(p, clock);
			printf("tick %" PRIu64 "\n", clock);
		} else if (strncmp(a, "waitfile=", 9) == 0) {
			struct timespec ts = { 0, 50 * 1000 * 1000 };
			int n = 600;
			while (access(v, F_OK) != 0 && n-- > 0)
				nanosleep(&ts, NULL);
			printf("waitfile %s %s\n", v, n < 0 ? "timed out" : "found");
		} else if (strcmp(a, "stats") == 0) {
			print_stats(p);
		} else {
			fprintf(stderr, "publish-driver: unknown step '%s'\n", a);
			exit(2);
		}
		fflush(stdout);
	}
	print_stats(p);
	pub_free(p);
	for (size_t k = 0; k < nev; k++)
		free(ev[k]);
	free(ev);
	free(topo);
	free(lsdb);
	return 0;
}
