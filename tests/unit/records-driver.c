/*
 * Run by tests/collector-exporters.sh: decode a tests/dgram-replay recording
 * with the collector's own decoders (nf5_decode for v5, one ipfix_session for
 * v9/IPFIX, as the collector keeps one per exporter) and print every flow
 * record, one a line:
 *   rec V SRC DST SPORT DPORT PROTO OCTETS PACKETS
 * (V = 5, 9 or 10), then the decoder's own accounting:
 *   rejected N                       datagrams rejected as a whole
 *   domain D vV messages=N records=N options=N no-address=N lost=N
 *          template-errors=N no-template-sets=N bad-sets=N templates=N
 * (one line per domain).  Exit 2 on a usage or read error.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ipfix_in.h"
#include "nf5.h"

static void addr(char *out, size_t n, int af, const void *a)
{
	if (inet_ntop(af, a, out, (socklen_t)n) == NULL)
		snprintf(out, n, "?");
}

struct ctx {
	int version;
};

static void emit(void *vctx, const struct anm_flow *f, uint32_t domain)
{
	const struct ctx *c = vctx;
	char s[64], d[64];

	(void)domain;
	addr(s, sizeof(s), f->af, f->src.b);
	addr(d, sizeof(d), f->af, f->dst.b);
	printf("rec %d %s %s %u %u %u %" PRIu64 " %" PRIu64 "\n", c->version, s, d,
	       (unsigned)f->sport, (unsigned)f->dport, (unsigned)f->proto, f->octets, f->packets);
}

static void domain_line(void *vctx, const struct ipfix_domain_stats *d)
{
	(void)vctx;
	printf("domain %" PRIu32 " v%u messages=%" PRIu64 " records=%" PRIu64 " options=%" PRIu64
	       " no-address=%" PRIu64 " lost=%" PRIu64 " template-errors=%" PRIu64
	       " no-template-sets=%" PRIu64 " bad-sets=%" PRIu64 " templates=%" PRIu64 "\n",
	       d->domain, (unsigned)d->version, d->messages, d->records, d->options_records,
	       d->no_address_records, d->lost + d->lost_packets_v9, d->template_errors,
	       d->no_template_sets, d->bad_sets, d->templates_active);
}

int main(int argc, char **argv)
{
	static uint8_t buf[65536 + 4];
	struct ipfix_session *s;
	uint64_t rejected = 0;
	FILE *in;

	if (argc != 2) {
		fprintf(stderr, "usage: records-driver RECORDING\n");
		return 2;
	}
	if ((in = fopen(argv[1], "rb")) == NULL) {
		perror(argv[1]);
		return 2;
	}
	if ((s = ipfix_session_new(NULL)) == NULL)
		return 2;
	for (;;) {
		uint8_t lb[4];
		size_t len;
		int v;

		if (fread(lb, 1, 4, in) != 4)
			break;
		len = (size_t)lb[0] << 24 | (size_t)lb[1] << 16 | (size_t)lb[2] << 8 | lb[3];
		if (len > 65536 || fread(buf, 1, len, in) != len) {
			fprintf(stderr, "%s: truncated recording\n", argv[1]);
			return 2;
		}
		v = len >= 2 ? buf[0] << 8 | buf[1] : -1;
		if (v == 5) {
			struct nf5_header h;
			static struct nf5_record r[NF5_MAX_RECORDS];
			size_t n = 0;

			if (nf5_decode(buf, len, &h, r, NF5_MAX_RECORDS, &n) != NF5_OK) {
				rejected++;
				continue;
			}
			for (size_t i = 0; i < n; i++) {
				uint32_t a = htonl(r[i].srcaddr), b = htonl(r[i].dstaddr);
				char sa[64], da[64];

				addr(sa, sizeof(sa), AF_INET, &a);
				addr(da, sizeof(da), AF_INET, &b);
				printf("rec 5 %s %s %u %u %u %" PRIu32 " %" PRIu32 "\n", sa, da,
				       (unsigned)r[i].srcport, (unsigned)r[i].dstport, (unsigned)r[i].prot,
				       r[i].dOctets, r[i].dPkts);
			}
		} else {
			struct ctx c = { v };

			if (ipfix_session_input(s, buf, len, 0, emit, &c) < 0)
				rejected++;
		}
	}
	fclose(in);
	printf("rejected %" PRIu64 "\n", rejected);
	ipfix_session_foreach_domain(s, domain_line, NULL);
	ipfix_session_free(s);
	return 0;
}
