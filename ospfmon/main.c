/*
 * anemone-ospfmon: a passive OSPFv2 listener.  It replays captures (-r) or
 * listens on an interface with libpcap (-i, until SIGTERM/SIGINT): every
 * OSPF packet is checked, every LSA it carries installed in the link-state
 * database by the rules of RFC 2328 13.1, and at the end the database or a
 * router's routes are printed.  It never transmits: the capture is
 * receive-only and no socket is opened.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <sys/time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "conf.h"
#include "decode.h"
#include "log.h"
#include "lsdb.h"
#include "ospf.h"
#include "spf.h"

#define MAX_LSAS 200000

static volatile sig_atomic_t got_stop;

static void on_signal(int sig)
{
	(void)sig;
	got_stop = 1;
}

static uint64_t wall_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

struct ospfmon {
	struct lsdb *db;
	int dlt;
	uint64_t now_ms;
	uint64_t frames, not_ospf, ospf_pkts;
	uint64_t drops[OSPF_STATUS_MAX];
	uint64_t by_type[6];
	struct ratelim rl;
};

static void usage(FILE *fp)
{
	fprintf(fp,
	"usage: anemone-ospfmon (-i IFACE | -r FILE [-r FILE ...]) [--dump lsdb|routes]\n"
	"                       [--root ROUTER-ID] [--json]\n"
	"  -i IFACE        listen on IFACE (libpcap, receive only) until SIGTERM or\n"
	"                  SIGINT, then print\n"
	"  -r FILE         replay a pcap/pcapng capture of OSPF traffic; several are\n"
	"                  read in order into one database\n"
	"  --dump WHAT     print the link-state database (lsdb, default) or the\n"
	"                  routes of --root (routes)\n"
	"  --root ID       router id whose routes to compute (dotted quad)\n"
	"  --json          JSON instead of text\n");
}

static const char *ip(uint32_t a, char *buf)
{
	struct in_addr in = { htonl(a) };

	return inet_ntop(AF_INET, &in, buf, INET_ADDRSTRLEN);
}

static int masklen(uint32_t m)
{
	return __builtin_popcount(m);
}

/* One captured frame: IPv4 protocol 89 -> OSPF -> LSAs into the LSDB. */
static void on_frame(void *ctx, const struct cap_frame *fr)
{
	struct ospfmon *m = ctx;
	struct pkt_info pi;
	struct ospf_pkt p;
	enum ospf_status st;

	m->frames++;
	if (fr->ts_ms > m->now_ms)
		m->now_ms = fr->ts_ms;
	if (pkt_decode(m->dlt, fr->data, fr->caplen, fr->wirelen, &pi) != PKT_OK ||
	    pi.af != AF_INET || pi.proto != 89 || pi.frag != PKT_FRAG_NONE) {
		m->not_ospf++;
		return;
	}
	if ((st = ospf_decode(fr->data + pi.l4_off, pi.l4_len, &p)) != OSPF_OK) {
		m->drops[st]++;
		log_ratelimited(&m->rl, m->now_ms, "dropped an OSPF packet: %s", ospf_status_name(st));
		return;
	}
	m->ospf_pkts++;
	m->by_type[p.h.type]++;
	if (p.h.type == OSPF_LSU) {
		size_t off = 0;
		struct lsa l;
		while (ospf_lsu_next(&p, &off, &l) == OSPF_OK)
			lsdb_install(m->db, p.h.area_id, &l, m->now_ms, NULL);
	}
}

struct dump_ctx {
	bool json;
	bool first;
	uint64_t now_ms;
};

static void dump_lsa(void *vctx, const struct lsdb_entry *e)
{
	struct dump_ctx *c = vctx;
	const struct lsa *l = &e->lsa;
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], ar[INET_ADDRSTRLEN];

	if (c->json) {
		printf("%s\n  {\"area\": %s%s%s, \"type\": %u, \"id\": \"%s\", \"adv\": \"%s\", "
		       "\"seq\": \"0x%08" PRIx32 "\", \"age\": %u, \"length\": %u}",
		       c->first ? "" : ",", e->area == LSDB_AS_SCOPE ? "null" : "\"",
		       e->area == LSDB_AS_SCOPE ? "" : ip(e->area, ar),
		       e->area == LSDB_AS_SCOPE ? "" : "\"", l->h.type, ip(l->h.ls_id, a),
		       ip(l->h.adv_router, b), (uint32_t)l->h.seq, lsdb_age_of(e, c->now_ms),
		       l->h.length);
		c->first = false;
		return;
	}
	printf("%-15s type %-2u id %-15s adv %-15s seq 0x%08" PRIx32 " len %u",
	       e->area == LSDB_AS_SCOPE ? "AS" : ip(e->area, ar), l->h.type, ip(l->h.ls_id, a),
	       ip(l->h.adv_router, b), (uint32_t)l->h.seq, l->h.length);
	switch (l->h.type) {
	case LSA_ROUTER: {
		struct lsa_router_link lk;
		printf(" flags 0x%02x\n", l->u.router.flags);
		for (unsigned i = 0; i < l->u.router.nlinks; i++) {
			static const char *const kind[] = { "?", "p2p", "transit", "stub", "virtual" };
			lsa_router_link(l, i, &lk);
			printf("    %-7s id %-15s data %-15s metric %u\n",
			       lk.type <= 4 ? kind[lk.type] : "?", ip(lk.id, a), ip(lk.data, b), lk.metric);
		}
		break;
	}
	case LSA_NETWORK:
		printf(" /%d\n", masklen(l->u.network.mask));
		for (unsigned i = 0; i < l->u.network.nrouters; i++)
			printf("    attached %s\n", ip(lsa_network_router(l, i), a));
		break;
	case LSA_SUMMARY:
	case LSA_ASBR_SUMMARY:
		printf(" /%d metric %u\n", masklen(l->u.summary.mask), l->u.summary.metric);
		break;
	case LSA_EXTERNAL:
	case LSA_NSSA:
		printf(" /%d %s metric %u fwd %s tag %u\n", masklen(l->u.external.mask),
		       l->u.external.e2 ? "E2" : "E1", l->u.external.metric,
		       ip(l->u.external.fwd, a), l->u.external.tag);
		break;
	default:
		printf("\n");
	}
}

static void dump_lsdb(struct ospfmon *m, bool json)
{
	uint32_t areas[64];
	unsigned n = lsdb_areas(m->db, areas, 64);
	struct dump_ctx c = { json, true, m->now_ms };

	if (json)
		printf("[");
	for (unsigned i = 0; i < n; i++)
		lsdb_foreach(m->db, areas[i], 0, dump_lsa, &c);
	lsdb_foreach(m->db, LSDB_AS_SCOPE, 0, dump_lsa, &c);
	if (json)
		printf("\n]\n");
}

static int dump_routes(struct ospfmon *m, uint32_t root, bool json)
{
	struct route_table rt = { 0 };
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	if (spf_routes(m->db, root, &rt) < 0) {
		fprintf(stderr, "anemone-ospfmon: router %s is not in the link-state database\n",
		        ip(root, a));
		return 1;
	}
	if (json)
		printf("[");
	for (unsigned i = 0; i < rt.n; i++) {
		const struct route *r = &rt.r[i];
		if (json) {
			printf("%s\n  {\"prefix\": \"%s/%d\", \"type\": \"%s\", \"cost\": %u, ",
			       i ? "," : "", ip(r->prefix, a), masklen(r->mask),
			       route_type_name(r->type), r->cost);
			if (r->type == RT_E2 || r->type == RT_N2)
				printf("\"type2_cost\": %u, ", r->type2_cost);
			printf("\"nexthops\": [");
			for (unsigned j = 0; j < r->nnh; j++)
				printf("%s\"%s\"", j ? ", " : "", ip(r->nh[j], b));
			printf("]}");
			continue;
		}
		{
			char pfx[32];
			snprintf(pfx, sizeof(pfx), "%s/%d", ip(r->prefix, a), masklen(r->mask));
			printf("%-18s %-5s cost %-6u", pfx, route_type_name(r->type), r->cost);
		}
		if (r->type == RT_E2 || r->type == RT_N2)
			printf(" type-2 %u", r->type2_cost);
		if (r->attached)
			printf(" attached");
		for (unsigned j = 0; j < r->nnh; j++)
			printf(" via %s", ip(r->nh[j], b));
		printf("\n");
	}
	if (json)
		printf("\n]\n");
	route_table_free(&rt);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "read", required_argument, NULL, 'r' },
		{ "interface", required_argument, NULL, 'i' },
		{ "dump", required_argument, NULL, 'd' },
		{ "root", required_argument, NULL, 'R' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cap_conf cc = { 0 };
	struct ospfmon m;
	struct capture *cap;
	const struct capture_ops *ops;
	const char *files[16], *dump = "lsdb", *iface = NULL;
	unsigned nfiles = 0;
	struct in_addr root = { 0 };
	bool json = false, have_root = false;
	enum cap_result r;
	char err[512];
	int ch, rc = 0;

	while ((ch = getopt_long(argc, argv, "i:r:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'i': iface = optarg; break;
		case 'r':
			if (nfiles == 16) {
				fprintf(stderr, "anemone-ospfmon: at most 16 captures\n");
				return CONF_EXIT;
			}
			files[nfiles++] = optarg;
			break;
		case 'd': dump = optarg; break;
		case 'R':
			if (inet_pton(AF_INET, optarg, &root) != 1) {
				fprintf(stderr, "anemone-ospfmon: --root %s: not a router id\n", optarg);
				return CONF_EXIT;
			}
			have_root = true;
			break;
		case 'j': json = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return CONF_EXIT;
		}
	}
	if ((nfiles == 0) == (iface == NULL) || optind != argc ||
	    (strcmp(dump, "lsdb") != 0 && strcmp(dump, "routes") != 0) ||
	    (strcmp(dump, "routes") == 0 && !have_root)) {
		usage(stderr);
		return CONF_EXIT;
	}
	log_init("anemone-ospfmon", LOG_TO_STDERR, 0);
	memset(&m, 0, sizeof(m));
	m.rl = (struct ratelim)RATELIM_INIT(1000, 5);
	if ((m.db = lsdb_new(MAX_LSAS)) == NULL)
		fatalx("out of memory");
	if (iface != NULL) {
		struct sigaction sa;
		uint64_t aged_s = 0;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		cc.interface = iface;
		cc.filter = "ip proto 89";
		cc.promisc = true;
		cc.snaplen = 65535;
		cc.timeout_ms = 100;
		ops = &pcap_capture_ops;
		if ((cap = ops->open(&cc, err, sizeof(err))) == NULL)
			fatalx("%s", err);
		m.dlt = ops->datalink(cap);
		log_info("listening on %s", iface);
		while (!got_stop) {
			struct pollfd pfd = { ops->fd(cap), POLLIN, 0 };
			if (poll(&pfd, 1, 100) < 0 && errno != EINTR)
				fatal("poll");
			if (ops->dispatch(cap, -1, on_frame, &m, err, sizeof(err)) == CAP_ERROR) {
				log_warnx("%s: %s", iface, err);
				rc = 1;
				break;
			}
			if (wall_ms() > m.now_ms)
				m.now_ms = wall_ms();
			if (m.now_ms / 1000 != aged_s) {      /* ages are whole seconds */
				aged_s = m.now_ms / 1000;
				lsdb_age(m.db, m.now_ms, NULL, NULL);
			}
		}
		ops->close(cap);
	}
	for (unsigned i = 0; i < nfiles; i++) {
		cc.file = files[i];
		ops = pcapfile_usable(files[i]) ? &pcapfile_capture_ops : &pcap_capture_ops;
		if ((cap = ops->open(&cc, err, sizeof(err))) == NULL)
			fatalx("%s", err);
		m.dlt = ops->datalink(cap);
		while ((r = ops->dispatch(cap, 4096, on_frame, &m, err, sizeof(err))) == CAP_OK)
			;
		if (r == CAP_ERROR) {
			log_warnx("%s: %s", files[i], err);
			rc = 1;
		}
		ops->close(cap);
	}

	if (strcmp(dump, "lsdb") == 0)
		dump_lsdb(&m, json);
	else if (dump_routes(&m, ntohl(root.s_addr), json) != 0)
		rc = 1;
	{
		uint64_t dropped = 0;
		for (int i = 1; i < OSPF_STATUS_MAX; i++)
			dropped += m.drops[i];
		log_info("stats frames=%" PRIu64 " not-ospf=%" PRIu64 " ospf=%" PRIu64
		         " dropped=%" PRIu64 " hello=%" PRIu64 " dd=%" PRIu64 " lsr=%" PRIu64
		         " lsu=%" PRIu64 " lsack=%" PRIu64 " lsas=%u", m.frames, m.not_ospf,
		         m.ospf_pkts, dropped, m.by_type[1], m.by_type[2], m.by_type[3],
		         m.by_type[4], m.by_type[5], lsdb_stats(m.db)->entries);
	}
	lsdb_free(m.db);
	return rc;
}
