/*
 * Run by tests/place-check.sh: load a link-state database (a snapshot or a
 * database document, lsdbdoc_load), place the flows read from stdin, one
 * "SRC DST BYTES PACKETS" a line ('#' starts a comment), and print the totals
 * as tests/place-oracle does:
 *   link A B BYTES PACKETS      (router ids; LANs merged into the pair)
 *   pair INGRESS EGRESS BYTES PACKETS
 *   unrouted REASON BYTES PACKETS
 * unsorted (the script sorts).  Exit 2 on a usage or load error.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "place.h"
#include "lsdbdoc.h"

#define MAXT 4096

struct total {
	char kind;                   /* 'l', 'p', 'u' */
	uint32_t a, b;               /* routers, or the reason in a */
	uint64_t bytes, packets;
};

static struct total tot[MAXT];
static unsigned ntot;

static void add(char kind, uint32_t a, uint32_t b, uint64_t bytes, uint64_t packets)
{
	for (unsigned i = 0; i < ntot; i++)
		if (tot[i].kind == kind && tot[i].a == a && tot[i].b == b) {
			tot[i].bytes += bytes;
			tot[i].packets += packets;
			return;
		}
	if (ntot == MAXT) {
		fprintf(stderr, "place-driver: too many totals\n");
		exit(2);
	}
	tot[ntot++] = (struct total){ kind, a, b, bytes, packets };
}

static const char *ip(uint32_t a, char *buf)
{
	struct in_addr in = { htonl(a) };
	return inet_ntop(AF_INET, &in, buf, INET_ADDRSTRLEN);
}

int main(int argc, char **argv)
{
	char err[512], line[512], a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	uint64_t version, time_ms;
	struct lsdb *db;
	struct placer *pl;
	static struct place_out out;
	unsigned lineno = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: place-driver LSDB-FILE <FLOWS\n");
		return 2;
	}
	if ((db = lsdbdoc_load(argv[1], &version, &time_ms, err, sizeof(err))) == NULL) {
		fprintf(stderr, "place-driver: %s\n", err);
		return 2;
	}
	if ((pl = placer_build(db, time_ms)) == NULL) {
		fprintf(stderr, "place-driver: out of memory\n");
		return 2;
	}
	while (fgets(line, sizeof(line), stdin) != NULL) {
		char src[64], dst[64];
		struct place_in in;
		char *hash = strchr(line, '#');

		lineno++;
		if (hash != NULL)
			*hash = 0;
		memset(&in, 0, sizeof(in));
		if (sscanf(line, " %63s", src) != 1)
			continue;
		if (sscanf(line, "%63s %63s %" SCNu64 " %" SCNu64, src, dst, &in.bytes, &in.packets) != 4) {
			fprintf(stderr, "place-driver: line %u: want SRC DST BYTES PACKETS\n", lineno);
			return 2;
		}
		if (inet_pton(AF_INET, src, in.src.b) == 1 && inet_pton(AF_INET, dst, in.dst.b) == 1) {
			in.af = AF_INET;
		} else if (inet_pton(AF_INET6, src, in.src.b) == 1 &&
		           inet_pton(AF_INET6, dst, in.dst.b) == 1) {
			in.af = AF_INET6;
		} else {
			fprintf(stderr, "place-driver: line %u: bad address\n", lineno);
			return 2;
		}
		if (place_flow(pl, &in, &out) != PLACE_OK) {
			add('u', out.reason, 0, in.bytes, in.packets);
			continue;
		}
		for (unsigned i = 0; i < out.nlinks; i++)
			add('l', out.links[i].a, out.links[i].b, out.links[i].bytes, out.links[i].packets);
		for (unsigned i = 0; i < out.npairs; i++)
			add('p', out.pairs[i].ingress, out.pairs[i].egress, out.pairs[i].bytes,
			    out.pairs[i].packets);
	}
	for (unsigned i = 0; i < ntot; i++) {
		const struct total *t = &tot[i];
		if (t->kind == 'u')
			printf("unrouted %s %" PRIu64 " %" PRIu64 "\n",
			       place_reason_name((enum place_reason)t->a), t->bytes, t->packets);
		else
			printf("%s %s %s %" PRIu64 " %" PRIu64 "\n", t->kind == 'l' ? "link" : "pair",
			       ip(t->a, a), ip(t->b, b), t->bytes, t->packets);
	}
	placer_free(pl);
	lsdb_free(db);
	return 0;
}
