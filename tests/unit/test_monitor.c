/*
 * Unit tests of anemone-ospfmon's core (ospfmon/monitor.c) fed Ethernet
 * frames built here: the authentication policy (forged, replayed, unsigned
 * and unknown-key packets against configured keys; unverified packets
 * without keys), a full link-state database (counted, and the view said to
 * be incomplete), the spacing of topology rebuilds by their cost, and old
 * instances of flushed LSAs heard again (refused, from any address).
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lsabuild.h"
#include "monitor.h"
#include "ospfauth.h"

#define DLT_EN10MB 1

static uint8_t frame_buf[70000];
static struct lsabuf lb;                  /* 64 KB: not on the stack */

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)); put16(p + 2, (uint16_t)v); }

static uint16_t inet_csum(const uint8_t *b, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)b[i] << 8 | b[i + 1];
	if (n % 2)
		s += (uint32_t)b[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* How a test packet is authenticated. */
struct auth {
	int autype;                  /* OSPF_AUTH_NULL or OSPF_AUTH_CRYPTO */
	enum ospf_auth_alg alg;
	const char *key;             /* NULL with CRYPTO: a made-up digest */
	uint8_t key_id;
	uint32_t seq;
};

/*
 * One frame: Ethernet, IPv4 from src to 224.0.0.5, an OSPF LS Update from
 * router rid in area carrying the nlsa LSAs in lsas[0..lsalen), signed as
 * `a` says; cut = octets to drop from the end.  Returns the frame length.
 */
static size_t lsu_frame(uint32_t src, uint32_t rid, uint32_t area, const uint8_t *lsas,
                        size_t lsalen, unsigned nlsa, const struct auth *a, size_t cut)
{
	uint8_t *f = frame_buf, *ip = f + 14, *o = ip + 20;
	size_t len = 28 + lsalen, dl = 0;

	memset(f, 0, 14 + 20 + 28);
	memcpy(f, "\x01\x00\x5e\x00\x00\x05\x02\x00\x00\x00\x00\x01\x08\x00", 14);
	o[0] = 2;
	o[1] = OSPF_LSU;
	put16(o + 2, (uint16_t)len);
	put32(o + 4, rid);
	put32(o + 8, area);
	put16(o + 14, (uint16_t)a->autype);
	put32(o + 24, nlsa);
	memcpy(o + 28, lsas, lsalen);
	if (a->autype == OSPF_AUTH_CRYPTO) {
		dl = ospf_auth_digest_len(a->alg);
		o[18] = a->key_id;
		o[19] = (uint8_t)dl;
		put32(o + 20, a->seq);
		if (a->key == NULL)
			for (size_t i = 0; i < dl; i++)
				o[len + i] = (uint8_t)(i * 37 + 1);
		else if (!ospf_auth_digest(a->alg, (const uint8_t *)a->key, strlen(a->key), o, len,
		                           o + len))
			abort();
	} else {
		put16(o + 12, inet_csum(o, len));
	}
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + len + dl - cut));
	ip[8] = 1;
	ip[9] = 89;
	put32(ip + 12, src);
	put32(ip + 16, IP(224,0,0,5));
	put16(ip + 10, inet_csum(ip, 20));
	return 14 + 20 + len + dl - cut;
}

static void feed(struct monitor *m, uint64_t ts_ms, size_t n)
{
	struct cap_frame fr = { frame_buf, (uint32_t)n, (uint32_t)n, ts_ms };

	mon_frame(m, &fr);
}

/* A router-LSA of rid with one stub link. */
static size_t router_lsa(uint32_t rid, uint32_t net, int32_t seq)
{
	struct lsa a;

	lsab_router_begin(&lb, rid, 0, seq);
	lsab_router_link(&lb, LINK_STUB, net, IP(255,255,255,0), 1);
	lsab_finish(&lb, &a);
	return lb.len;
}

static void send_lsu(struct monitor *m, uint64_t t, uint32_t src, uint32_t rid, uint32_t area,
                     const struct auth *a, int32_t lsa_seq, size_t cut)
{
	size_t n = router_lsa(rid, IP(10,0,0,0) + (rid & 0xff) * 256, lsa_seq);
	uint8_t lsa[64];

	memcpy(lsa, lb.b, n);
	feed(m, t, lsu_frame(src, rid, area, lsa, n, 1, a, cut));
}

static bool has_router(const struct monitor *m, uint32_t area, uint32_t rid)
{
	return lsdb_get(m->db, area, LSA_ROUTER, rid, rid) != NULL;
}

static bool json_has(struct monitor *m, const char *what)
{
	struct sbuf b = SBUF_INIT;
	const struct topo *t = mon_topology(m);
	bool r;

	if (t == NULL)
		return false;
	topo_json(t, m->version, &b);
	r = sbuf_ok(&b) && strstr(sbuf_str(&b), what) != NULL;
	if (!r)
		fprintf(stderr, "not in the topology: %s\n  %s\n", what,
		        sbuf_ok(&b) ? strstr(sbuf_str(&b), "\"completeness\"") : "(no memory)");
	sbuf_free(&b);
	return r;
}

static struct mon_conf conf(void)
{
	struct mon_conf c = { .hold_ms = 200 };

	c.ev.flap_count = 4;
	c.ev.flap_window_ms = 60000;
	return c;
}

/* Without keys a cryptographically "signed" packet cannot be checked: it is
 * installed, counted unverified, and the topology says so. */
static void test_no_key(void)
{
	struct mon_conf c = conf();
	struct monitor m;
	struct auth forged = { OSPF_AUTH_CRYPTO, OSPF_AUTH_MD5, NULL, 1, 0xffffffffu };

	CHECK(mon_init(&m, &c));
	m.dlt = DLT_EN10MB;
	send_lsu(&m, 1000, IP(10,0,0,66), IP(6,6,6,6), 0, &forged, OSPF_INITIAL_SEQ, 0);
	mon_tick(&m, 2000, true);
	CHECK(has_router(&m, 0, IP(6,6,6,6)));
	CHECK_EQ(m.auth_unverified, 1);
	CHECK_EQ(m.auth_verified, 0);
	CHECK(json_has(&m, "\"authenticated\":false,\"unverified_packets\":1}"));
	mon_free(&m);
}

static void test_keys(void)
{
	static const struct mon_key keys[] = {
		{ .any_area = false, .area = 0, .key_id = 1, .alg = OSPF_AUTH_MD5,
		  .key = (const uint8_t *)"k-one", .keylen = 5 },
		{ .any_area = true, .key_id = 2, .alg = OSPF_AUTH_HMAC_SHA256,
		  .key = (const uint8_t *)"k-two", .keylen = 5 },
	};
	struct mon_conf c = conf();
	struct monitor m;
	struct auth good = { OSPF_AUTH_CRYPTO, OSPF_AUTH_MD5, "k-one", 1, 100 };
	struct auth forged = { OSPF_AUTH_CRYPTO, OSPF_AUTH_MD5, NULL, 1, 0xffffffffu };
	struct auth wrongkey = { OSPF_AUTH_CRYPTO, OSPF_AUTH_MD5, "k-0ne", 1, 200 };
	struct auth unknown = { OSPF_AUTH_CRYPTO, OSPF_AUTH_MD5, "k-one", 9, 200 };
	struct auth null = { OSPF_AUTH_NULL, OSPF_AUTH_MD5, NULL, 0, 0 };
	struct auth sha = { OSPF_AUTH_CRYPTO, OSPF_AUTH_HMAC_SHA256, "k-two", 2, 7 };
	uint64_t t = 1000;

	c.keys = keys;
	c.nkeys = 2;
	CHECK(mon_init(&m, &c));
	m.dlt = DLT_EN10MB;

	send_lsu(&m, t, IP(10,0,0,1), IP(1,1,1,1), 0, &good, OSPF_INITIAL_SEQ, 0);
	CHECK(has_router(&m, 0, IP(1,1,1,1)));
	CHECK_EQ(m.auth_verified, 1);
	/* a forgery, a wrong key, an unknown key id, no authentication at all */
	send_lsu(&m, t, IP(10,0,0,66), IP(6,6,6,6), 0, &forged, OSPF_INITIAL_SEQ, 0);
	send_lsu(&m, t, IP(10,0,0,66), IP(6,6,6,6), 0, &wrongkey, OSPF_INITIAL_SEQ, 0);
	send_lsu(&m, t, IP(10,0,0,66), IP(6,6,6,6), 0, &unknown, OSPF_INITIAL_SEQ, 0);
	send_lsu(&m, t, IP(10,0,0,66), IP(6,6,6,6), 0, &null, OSPF_INITIAL_SEQ, 0);
	CHECK(!has_router(&m, 0, IP(6,6,6,6)));
	CHECK_EQ(m.drops[OSPF_AUTH_BAD_DIGEST], 2);
	CHECK_EQ(m.drops[OSPF_AUTH_NO_KEY], 1);
	CHECK_EQ(m.drops[OSPF_AUTH_MISSING], 1);
	/* the digest cut short */
	send_lsu(&m, t, IP(10,0,0,1), IP(1,1,1,1), 0, &good, OSPF_INITIAL_SEQ + 1, 3);
	CHECK_EQ(m.drops[OSPF_AUTH_BAD_LENGTH], 1);

	/* sequence numbers: never below the neighbour's last; equal is fine */
	good.seq = 99;
	send_lsu(&m, t, IP(10,0,0,1), IP(1,1,1,1), 0, &good, OSPF_INITIAL_SEQ + 1, 0);
	CHECK_EQ(m.drops[OSPF_AUTH_REPLAYED], 1);
	CHECK(lsdb_get(m.db, 0, LSA_ROUTER, IP(1,1,1,1), IP(1,1,1,1))->lsa.h.seq == OSPF_INITIAL_SEQ);
	good.seq = 100;
	send_lsu(&m, t, IP(10,0,0,1), IP(1,1,1,1), 0, &good, OSPF_INITIAL_SEQ + 1, 0);
	CHECK_EQ(m.auth_verified, 2);
	/* the same router from another interface (address) has its own numbers */
	good.seq = 3;
	send_lsu(&m, t, IP(10,0,1,1), IP(1,1,1,1), 0, &good, OSPF_INITIAL_SEQ + 2, 0);
	CHECK_EQ(m.auth_verified, 3);
	CHECK_EQ(m.drops[OSPF_AUTH_REPLAYED], 1);
	/* a neighbour with nothing accepted for MON_SEQ_FORGET_MS is forgotten
	 * (a router restarted its numbering) */
	good.seq = 50;
	t += MON_SEQ_FORGET_MS - 1;
	send_lsu(&m, t, IP(10,0,0,1), IP(1,1,1,1), 0, &good, OSPF_INITIAL_SEQ + 3, 0);
	CHECK_EQ(m.drops[OSPF_AUTH_REPLAYED], 2);
	t += 2;
	send_lsu(&m, t, IP(10,0,0,1), IP(1,1,1,1), 0, &good, OSPF_INITIAL_SEQ + 3, 0);
	CHECK_EQ(m.drops[OSPF_AUTH_REPLAYED], 2);
	CHECK_EQ(m.auth_verified, 4);

	/* area 1: only the key for every area (id 2, HMAC-SHA-256) applies */
	send_lsu(&m, t, IP(10,1,0,5), IP(5,5,5,5), 1, &sha, OSPF_INITIAL_SEQ, 0);
	CHECK(has_router(&m, 1, IP(5,5,5,5)));
	good.seq = 1000;
	send_lsu(&m, t, IP(10,1,0,5), IP(5,5,5,6), 1, &good, OSPF_INITIAL_SEQ, 0);
	CHECK(!has_router(&m, 1, IP(5,5,5,6)));
	CHECK_EQ(m.drops[OSPF_AUTH_NO_KEY], 2);

	mon_tick(&m, t + 1000, true);
	CHECK_EQ(m.auth_unverified, 0);
	CHECK(json_has(&m, "\"complete\":true,\"lsas_refused\":0,\"authenticated\":true,"
	                   "\"unverified_packets\":0}"));
	mon_free(&m);
}

/* A database with no room left: what it refuses is counted, and the view
 * is incomplete. */
static void test_lsdb_full(void)
{
	struct mon_conf c = conf();
	struct monitor m;
	struct auth null = { OSPF_AUTH_NULL, OSPF_AUTH_MD5, NULL, 0, 0 };
	uint8_t lsas[5 * 64];
	size_t off = 0;
	uint64_t v;

	c.max_lsas = 2;
	CHECK(mon_init(&m, &c));
	m.dlt = DLT_EN10MB;
	/* two LSAs, then a rebuild: a complete view */
	for (uint32_t r = 1; r <= 2; r++) {
		size_t n = router_lsa(IP(1,1,1,0) + r, IP(10,0,0,0) + r * 256, OSPF_INITIAL_SEQ);
		memcpy(lsas + off, lb.b, n);
		off += n;
	}
	feed(&m, 1000, lsu_frame(IP(10,0,0,1), IP(1,1,1,1), 0, lsas, off, 2, &null, 0));
	mon_tick(&m, 2000, true);
	CHECK(json_has(&m, "\"complete\":true,\"lsas_refused\":0,"));
	v = m.version;
	/* five more in one update: none fits */
	off = 0;
	for (uint32_t r = 3; r <= 7; r++) {
		size_t n = router_lsa(IP(1,1,1,0) + r, IP(10,0,0,0) + r * 256, OSPF_INITIAL_SEQ);
		memcpy(lsas + off, lb.b, n);
		off += n;
	}
	feed(&m, 3000, lsu_frame(IP(10,0,0,1), IP(1,1,1,1), 0, lsas, off, 5, &null, 0));
	CHECK_EQ(lsdb_stats(m.db)->entries, 2);
	CHECK_EQ(lsdb_stats(m.db)->installed[LSDB_FULL], 5);
	mon_tick(&m, 4000, false);
	/* a new version says so, though the topology did not change */
	CHECK(m.version > v);
	CHECK(json_has(&m, "\"complete\":false,\"lsas_refused\":5,"));
	CHECK(!m.comp.complete);
	CHECK_EQ(m.comp.lsas_refused, 5);
	mon_free(&m);
}

/* A publisher: each version's whole topology is made (and paid for). */
static void publish_version(void *ctx)
{
	CHECK(mon_topology(ctx) != NULL);
}

/*
 * Versions are spaced so that they cost at most rebuild_work_per_s steps a
 * second of packet time: 40 LS Updates 250 ms apart (hold 200 ms), each a
 * router-LSA of 1,000 links, published as they come, do not cost 40
 * renderings of a growing database.
 */
static void test_rebuild_budget(void)
{
	struct mon_conf c = conf();
	struct monitor m;
	struct auth null = { OSPF_AUTH_NULL, OSPF_AUTH_MD5, NULL, 0, 0 };
	const uint64_t budget = 1000000;        /* steps a second */
	uint64_t t = 10000, t0 = t, bound;
	struct lsa a;

	c.rebuild_work_per_s = budget;
	CHECK(mon_init(&m, &c));
	m.dlt = DLT_EN10MB;
	m.on_version = publish_version;
	m.cb_ctx = &m;
	for (uint32_t r = 0; r < 40; r++) {
		uint32_t next = (r + 1) % 40, prev = (r + 39) % 40;
		static uint8_t lsa[65536];
		lsab_router_begin(&lb, IP(11,0,0,1) + r, 0, OSPF_INITIAL_SEQ);
		for (uint32_t k = 0; k < 250; k++) {
			uint32_t fwd = IP(10,0,0,0) + (r << 12) + 4 * k;
			uint32_t back = IP(10,0,0,0) + (prev << 12) + 4 * k;
			lsab_router_link(&lb, LINK_P2P, IP(11,0,0,1) + next, fwd + 1, 10);
			lsab_router_link(&lb, LINK_STUB, fwd, IP(255,255,255,252), 10);
			lsab_router_link(&lb, LINK_P2P, IP(11,0,0,1) + prev, back + 2, 10);
			lsab_router_link(&lb, LINK_STUB, back, IP(255,255,255,252), 10);
		}
		lsab_finish(&lb, &a);
		memcpy(lsa, lb.b, lb.len);
		feed(&m, t, lsu_frame(IP(10,0,0,1), IP(11,0,0,1) + r, 0, lsa, lb.len, 1, &null, 0));
		t += 250;
	}
	mon_tick(&m, t, true);
	CHECK(mon_topology(&m) != NULL && m.topo->nr == 40 && m.comp.complete);
	if (m.topo == NULL)
		return;
	/* what was built in the run, at the budget, plus the last (forced) build
	 * and the one that may have started just before it */
	bound = budget * (t - t0) / 1000 + 2 * m.topo->work + 2 * (m.topo->nr + m.topo->nl + m.topo->np);
	printf("test_monitor: 40 updates over %llu ms: %u rebuilds, work %llu (bound %llu)\n",
	       (unsigned long long)(t - t0), m.rebuilds, (unsigned long long)m.work,
	       (unsigned long long)bound);
	CHECK(m.rebuilds < 40);
	CHECK(m.work <= bound);
	mon_free(&m);
}

/* ceil(log2 n), at least 1 */
static uint64_t lg2(uint64_t n)
{
	uint64_t k = 1;

	while (k < 63 && (1ull << k) < n)
		k++;
	return k;
}

/* The monitor's topology is what topo_build makes of its database. */
static bool same_as_built(struct monitor *m)
{
	const struct topo *t = mon_topology(m);
	struct topo *full = topo_build(m->db, m->now_ms);
	bool same = t != NULL && full != NULL && topo_equal(t, full);

	topo_free(full);
	return same;
}

/* Router r of the ring of test_change_work: 1,350 numbered point-to-point
 * links to each neighbour, each with its /30 stub (5,400 links); `cost`:
 * the metric of its first link to the next router.  Built in lb. */
static void ring_lsa(uint32_t r, uint32_t nrouters, int32_t seq, uint16_t cost)
{
	uint32_t next = (r + 1) % nrouters, prev = (r + nrouters - 1) % nrouters;
	struct lsa a;

	lsab_router_begin(&lb, IP(11,0,0,1) + r, 0, seq);
	for (uint32_t k = 0; k < 1350; k++) {
		uint32_t fwd = IP(10,0,0,0) + (r << 13) + 4 * k;
		uint32_t back = IP(10,0,0,0) + (prev << 13) + 4 * k;
		lsab_router_link(&lb, LINK_P2P, IP(11,0,0,1) + next, fwd + 1, k == 0 ? cost : 10);
		lsab_router_link(&lb, LINK_STUB, fwd, IP(255,255,255,252), 10);
		lsab_router_link(&lb, LINK_P2P, IP(11,0,0,1) + prev, back + 2, 10);
		lsab_router_link(&lb, LINK_STUB, back, IP(255,255,255,252), 10);
	}
	lsab_finish(&lb, &a);
}

/*
 * The work of one change is that of the LSA that changed, not of the
 * database: 200 router-LSAs of 5,400 links (1.08 million links, loaded as
 * from a snapshot), then one LS Update changes one link's cost in one of
 * them, then one LS Update adds a small router-LSA, then one flushes a
 * large one.  Each costs at most 16 (L + 1) log2 n steps of the monitor
 * (m.work), L the links of the LSA, n those of the database, and yields
 * exactly its events.  (Each was a rebuild and a diff of the whole
 * topology: some 40 million steps, 2 s of CPU.)
 */
static void test_change_work(void)
{
	struct mon_conf c = conf();
	struct monitor m;
	struct auth null = { OSPF_AUTH_NULL, OSPF_AUTH_MD5, NULL, 0, 0 };
	static uint8_t lsa[65536];
	const uint32_t nr = 200;
	uint64_t t = 1000000, n = 0, w, bound;
	struct evlog_stats e0, e1;
	struct lsa a;

	CHECK(mon_init(&m, &c));
	m.dlt = DLT_EN10MB;
	for (uint32_t r = 0; r < nr; r++) {
		ring_lsa(r, nr, OSPF_INITIAL_SEQ, 10);
		lsa_decode(lb.b, lb.len, &a);
		CHECK(lsdb_install(m.db, 0, &a, t, NULL) == LSDB_ADDED);
		n += 1 + a.u.router.nlinks;
	}
	m.now_ms = t;
	mon_baseline(&m);
	CHECK(m.comp.complete && m.comp.routers == nr);

	/* router 7 changes the cost of its first link to router 8: one event */
	evlog_stats(m.ev, &e0);
	w = m.work;
	ring_lsa(7, nr, OSPF_INITIAL_SEQ + 1, 20);
	memcpy(lsa, lb.b, lb.len);
	t += 1000;
	feed(&m, t, lsu_frame(IP(10,0,0,8), IP(11,0,0,8), 0, lsa, lb.len, 1, &null, 0));
	mon_tick(&m, t + 1000, true);
	evlog_stats(m.ev, &e1);
	w = m.work - w;
	bound = 16 * (5400 + 1) * lg2(n);
	printf("test_monitor: one cost in a 5,400-link LSA of %llu links: work %llu (bound %llu)\n",
	       (unsigned long long)n, (unsigned long long)w, (unsigned long long)bound);
	CHECK(w <= bound);
	CHECK_EQ(e1.events[TE_COST_CHANGED] - e0.events[TE_COST_CHANGED], 1);
	CHECK(same_as_built(&m));

	/* a new router with one link to router 0 (which does not list it) */
	e0 = e1;
	w = m.work;
	lsab_router_begin(&lb, IP(11,1,0,1), 0, OSPF_INITIAL_SEQ);
	lsab_router_link(&lb, LINK_P2P, IP(11,0,0,1), IP(10,250,0,2), 10);
	lsab_router_link(&lb, LINK_STUB, IP(10,250,0,0), IP(255,255,255,252), 10);
	lsab_finish(&lb, &a);
	memcpy(lsa, lb.b, lb.len);
	t += 2000;
	feed(&m, t, lsu_frame(IP(10,250,0,2), IP(11,1,0,1), 0, lsa, lb.len, 1, &null, 0));
	mon_tick(&m, t + 1000, true);
	evlog_stats(m.ev, &e1);
	w = m.work - w;
	bound = 16 * (2 + 1) * lg2(n);
	printf("test_monitor: a router-LSA of 2 links added: work %llu (bound %llu)\n",
	       (unsigned long long)w, (unsigned long long)bound);
	CHECK(w <= bound);
	CHECK_EQ(e1.events[TE_PREFIX_ADDED] - e0.events[TE_PREFIX_ADDED], 1);
	CHECK_EQ(e1.events[TE_ROUTER_APPEARED] - e0.events[TE_ROUTER_APPEARED], 0);  /* not up */
	CHECK(same_as_built(&m));

	/* router 7's LSA flushed (MaxAge): its router, its 2,700 links and its
	 * 2,700 stubs go */
	e0 = e1;
	w = m.work;
	ring_lsa(7, nr, OSPF_INITIAL_SEQ + 2, 20);
	lb.b[0] = OSPF_MAX_AGE >> 8;
	lb.b[1] = OSPF_MAX_AGE & 0xff;
	memcpy(lsa, lb.b, lb.len);
	t += 2000;
	feed(&m, t, lsu_frame(IP(10,0,0,8), IP(11,0,0,8), 0, lsa, lb.len, 1, &null, 0));
	CHECK(lsdb_get(m.db, 0, LSA_ROUTER, IP(11,0,0,8), IP(11,0,0,8)) == NULL);
	mon_tick(&m, t + 1000, true);
	evlog_stats(m.ev, &e1);
	w = m.work - w;
	bound = 16 * (5400 + 1) * lg2(n);
	printf("test_monitor: a 5,400-link LSA flushed: work %llu (bound %llu)\n",
	       (unsigned long long)w, (unsigned long long)bound);
	CHECK(w <= bound);
	CHECK_EQ(e1.events[TE_ROUTER_DISAPPEARED] - e0.events[TE_ROUTER_DISAPPEARED], 1);
	CHECK_EQ(e1.events[TE_LINK_REMOVED] - e0.events[TE_LINK_REMOVED], 2700);
	CHECK_EQ(e1.events[TE_PREFIX_REMOVED] - e0.events[TE_PREFIX_REMOVED], 2700);
	CHECK(same_as_built(&m));
	mon_free(&m);
}

/* LS Update contents built LSA by LSA: each LSA as lb holds it, with its
 * age set (the age is outside the LSA checksum). */
struct lsus {
	uint8_t b[1024];
	size_t len;
	unsigned n;
};

static void lsus_add(struct lsus *u, uint16_t age)
{
	memcpy(u->b + u->len, lb.b, lb.len);
	put16(u->b + u->len, age);
	u->len += lb.len;
	u->n++;
}

/* Router 2.2.2.2 (an ASBR) linked to 1.1.1.1, with a stub, at sequence
 * number seq; built in lb. */
static void router_b(int32_t seq)
{
	struct lsa a;

	lsab_router_begin(&lb, IP(2,2,2,2), LSA_ROUTER_E, seq);
	lsab_router_link(&lb, LINK_P2P, IP(1,1,1,1), IP(10,0,12,2), 10);
	lsab_router_link(&lb, LINK_STUB, IP(10,0,12,0), IP(255,255,255,252), 10);
	lsab_router_link(&lb, LINK_STUB, IP(10,2,0,0), IP(255,255,255,0), 1);
	lsab_finish(&lb, &a);
}

/* 2.2.2.2's external route 192.0.2.0/24 at sequence number seq; built in lb. */
static void external_b(int32_t seq)
{
	struct lsa a;

	lsab_external(&lb, IP(192,0,2,0), IP(2,2,2,2), IP(255,255,255,0), true, 20, 0);
	lsab_hdr_seq(&lb, seq);
	lsab_finish(&lb, &a);
}

/*
 * An LSA flushed (MaxAge) and gone from the database, then its old
 * instance heard again (a delayed or replayed LS Update): it must not come
 * back.  Routers 1.1.1.1 and 2.2.2.2, 2.2.2.2 with an external route, both
 * of its LSAs refreshed a few times (sequence number Initial + 3); it
 * leaves, flushing them (the same instances at MaxAge: premature aging,
 * RFC 2328 14.1); the LS Update that carried them arrives again from
 * another address, a second later and 59 minutes later: neither is
 * installed, no event, no version, the topology is what the database
 * builds; each is counted (LSDB_STALE).  A newer instance of the
 * router-LSA is accepted (the router is back).
 */
static void test_flushed_replay(void)
{
	struct mon_conf c = conf();
	struct monitor m;
	struct auth null = { OSPF_AUTH_NULL, OSPF_AUTH_MD5, NULL, 0, 0 };
	struct lsus up = { .len = 0 }, gone = { .len = 0 }, back = { .len = 0 };
	struct evlog_stats e0, e1;
	struct lsa a;
	uint64_t v;

	CHECK(mon_init(&m, &c));
	m.dlt = DLT_EN10MB;
	lsab_router_begin(&lb, IP(1,1,1,1), 0, OSPF_INITIAL_SEQ);
	lsab_router_link(&lb, LINK_P2P, IP(2,2,2,2), IP(10,0,12,1), 10);
	lsab_router_link(&lb, LINK_STUB, IP(10,0,12,0), IP(255,255,255,252), 10);
	lsab_finish(&lb, &a);
	lsus_add(&up, 1);
	router_b(OSPF_INITIAL_SEQ + 3);
	lsus_add(&up, 1);
	lsus_add(&gone, OSPF_MAX_AGE);
	external_b(OSPF_INITIAL_SEQ + 3);
	lsus_add(&up, 1);
	lsus_add(&gone, OSPF_MAX_AGE);
	feed(&m, 1000, lsu_frame(IP(10,0,12,2), IP(2,2,2,2), 0, up.b, up.len, up.n, &null, 0));
	mon_tick(&m, 2000, true);
	CHECK(has_router(&m, 0, IP(2,2,2,2)));
	CHECK(json_has(&m, "\"complete\":true,"));

	/* 2.2.2.2 leaves */
	evlog_stats(m.ev, &e0);
	feed(&m, 5000, lsu_frame(IP(10,0,12,2), IP(2,2,2,2), 0, gone.b, gone.len, gone.n, &null, 0));
	mon_tick(&m, 6000, true);
	evlog_stats(m.ev, &e1);
	CHECK(!has_router(&m, 0, IP(2,2,2,2)));
	CHECK(lsdb_get(m.db, 0, LSA_EXTERNAL, IP(192,0,2,0), IP(2,2,2,2)) == NULL);
	CHECK_EQ(e1.events[TE_ROUTER_DISAPPEARED] - e0.events[TE_ROUTER_DISAPPEARED], 1);
	CHECK_EQ(e1.events[TE_EXTERNAL_REMOVED] - e0.events[TE_EXTERNAL_REMOVED], 1);
	CHECK(same_as_built(&m));

	/* the first LS Update again, from another address, a second and an
	 * hour less a minute after the flush */
	e0 = e1;
	v = m.version;
	mon_take_events(&m);
	feed(&m, 6000, lsu_frame(IP(10,0,12,99), IP(2,2,2,2), 0, up.b, up.len, up.n, &null, 0));
	feed(&m, 5000 + 3540000, lsu_frame(IP(10,0,12,99), IP(2,2,2,2), 0, up.b, up.len, up.n,
	                                   &null, 0));
	mon_tick(&m, 5000 + 3541000, true);
	evlog_stats(m.ev, &e1);
	CHECK(!has_router(&m, 0, IP(2,2,2,2)));
	CHECK(lsdb_get(m.db, 0, LSA_EXTERNAL, IP(192,0,2,0), IP(2,2,2,2)) == NULL);
	CHECK_EQ(e1.events[TE_ROUTER_APPEARED] - e0.events[TE_ROUTER_APPEARED], 0);
	CHECK_EQ(e1.events[TE_EXTERNAL_ADDED] - e0.events[TE_EXTERNAL_ADDED], 0);
	for (unsigned i = 0; i < m.npending; i++)
		if (strstr(m.pending[i], "appeared") != NULL || strstr(m.pending[i], "added") != NULL)
			CHECK(!"an event for a replayed, flushed LSA");
	CHECK_EQ(m.version, v);
	CHECK_EQ(lsdb_stats(m.db)->installed[LSDB_STALE], 4);     /* counted */
	CHECK_EQ(lsdb_stats(m.db)->tombstones, 2);
	CHECK(same_as_built(&m));

	/* a newer instance: 2.2.2.2 is back */
	e0 = e1;
	router_b(OSPF_INITIAL_SEQ + 4);
	lsus_add(&back, 1);
	feed(&m, 5000 + 3542000, lsu_frame(IP(10,0,12,2), IP(2,2,2,2), 0, back.b, back.len,
	                                   back.n, &null, 0));
	mon_tick(&m, 5000 + 3543000, true);
	evlog_stats(m.ev, &e1);
	CHECK(has_router(&m, 0, IP(2,2,2,2)));
	CHECK_EQ(e1.events[TE_ROUTER_APPEARED] - e0.events[TE_ROUTER_APPEARED], 1);
	CHECK(m.version > v);
	CHECK_EQ(lsdb_stats(m.db)->installed[LSDB_STALE], 4);
	CHECK_EQ(lsdb_stats(m.db)->tombstones, 1);                 /* the external's */
	CHECK(same_as_built(&m));
	mon_free(&m);
}

/*
 * What FRR does (tests/data/ospf/readd.pcap): an external route withdrawn
 * (its LSA, still at InitialSequenceNumber, flushed) and announced again a
 * minute and a half later is the very LSA it flushed, age aside: its
 * originator numbers it from InitialSequenceNumber again once it has left
 * the databases.  A copy heard within MinLSArrival (1 s) of the flush is a
 * delayed one and refused; the same LSA later is a new incarnation:
 * installed, external-added.
 */
static void test_rebirth(void)
{
	struct mon_conf c = conf();
	struct monitor m;
	struct auth null = { OSPF_AUTH_NULL, OSPF_AUTH_MD5, NULL, 0, 0 };
	struct lsus up = { .len = 0 }, gone = { .len = 0 };
	struct evlog_stats e0, e1;

	CHECK(mon_init(&m, &c));
	m.dlt = DLT_EN10MB;
	external_b(OSPF_INITIAL_SEQ);
	lsus_add(&up, 1);
	lsus_add(&gone, OSPF_MAX_AGE);
	feed(&m, 1000, lsu_frame(IP(10,0,12,2), IP(2,2,2,2), 0, up.b, up.len, up.n, &null, 0));
	feed(&m, 17000, lsu_frame(IP(10,0,12,2), IP(2,2,2,2), 0, gone.b, gone.len, gone.n, &null, 0));
	mon_tick(&m, 17500, true);
	CHECK(lsdb_get(m.db, 0, LSA_EXTERNAL, IP(192,0,2,0), IP(2,2,2,2)) == NULL);
	evlog_stats(m.ev, &e0);
	feed(&m, 17000 + LSDB_FLUSH_HOLD_MS - 1, lsu_frame(IP(10,0,12,1), IP(1,1,1,1), 0, up.b, up.len,
	                                                up.n, &null, 0));
	CHECK_EQ(lsdb_stats(m.db)->installed[LSDB_STALE], 1);
	CHECK(lsdb_get(m.db, 0, LSA_EXTERNAL, IP(192,0,2,0), IP(2,2,2,2)) == NULL);
	feed(&m, 112000, lsu_frame(IP(10,0,12,2), IP(2,2,2,2), 0, up.b, up.len, up.n, &null, 0));
	mon_tick(&m, 113000, true);
	evlog_stats(m.ev, &e1);
	CHECK(lsdb_get(m.db, 0, LSA_EXTERNAL, IP(192,0,2,0), IP(2,2,2,2)) != NULL);
	CHECK_EQ(e1.events[TE_EXTERNAL_ADDED] - e0.events[TE_EXTERNAL_ADDED], 1);
	CHECK_EQ(lsdb_stats(m.db)->installed[LSDB_STALE], 1);
	CHECK_EQ(lsdb_stats(m.db)->tombstones, 0);
	CHECK(same_as_built(&m));
	mon_free(&m);
}

/*
 * The digest does not cover the IP source address: a signed LS Update
 * captured earlier and sent again from another address is a new neighbour
 * to the sequence-number check, and verifies.  After the LSA it carried was
 * flushed, it must not reinstall it.
 */
static void test_replay_other_source(void)
{
	static const struct mon_key keys[] = {
		{ .any_area = false, .area = 0, .key_id = 1, .alg = OSPF_AUTH_MD5,
		  .key = (const uint8_t *)"k-one", .keylen = 5 },
	};
	struct mon_conf c = conf();
	struct monitor m;
	struct auth r2 = { OSPF_AUTH_CRYPTO, OSPF_AUTH_MD5, "k-one", 1, 100 };
	static uint8_t captured[sizeof(frame_buf)];
	struct evlog_stats e0, e1;
	uint8_t lsa[64];
	size_t n, flen;
	uint64_t v;

	c.keys = keys;
	c.nkeys = 1;
	CHECK(mon_init(&m, &c));
	m.dlt = DLT_EN10MB;
	/* 2.2.2.2 floods its router-LSA from 10.0.0.2; the frame is captured */
	n = router_lsa(IP(2,2,2,2), IP(10,2,0,0), OSPF_INITIAL_SEQ + 7);
	memcpy(lsa, lb.b, n);
	flen = lsu_frame(IP(10,0,0,2), IP(2,2,2,2), 0, lsa, n, 1, &r2, 0);
	memcpy(captured, frame_buf, flen);
	feed(&m, 1000, flen);
	mon_tick(&m, 2000, true);
	CHECK(has_router(&m, 0, IP(2,2,2,2)));
	CHECK_EQ(m.auth_verified, 1);

	/* it flushes it */
	put16(lsa, OSPF_MAX_AGE);
	r2.seq = 101;
	feed(&m, 3000, lsu_frame(IP(10,0,0,2), IP(2,2,2,2), 0, lsa, n, 1, &r2, 0));
	mon_tick(&m, 4000, true);
	CHECK(!has_router(&m, 0, IP(2,2,2,2)));
	CHECK_EQ(m.auth_verified, 2);
	evlog_stats(m.ev, &e0);
	v = m.version;

	/* the captured frame again, from the same address: a replay */
	memcpy(frame_buf, captured, flen);
	feed(&m, 5000, flen);
	CHECK_EQ(m.drops[OSPF_AUTH_REPLAYED], 1);
	/* ... and from another address (IP source and checksum rewritten), ten
	 * minutes later: it verifies, but its LSA is older than the flush */
	memcpy(frame_buf, captured, flen);
	put32(frame_buf + 14 + 12, IP(10,0,0,66));
	put16(frame_buf + 14 + 10, 0);
	put16(frame_buf + 14 + 10, inet_csum(frame_buf + 14, 20));
	feed(&m, 603000, flen);
	CHECK_EQ(m.drops[OSPF_AUTH_REPLAYED], 1);
	CHECK_EQ(m.auth_verified, 3);
	mon_tick(&m, 604000, true);
	evlog_stats(m.ev, &e1);
	CHECK(!has_router(&m, 0, IP(2,2,2,2)));
	CHECK_EQ(e1.events[TE_ROUTER_APPEARED] - e0.events[TE_ROUTER_APPEARED], 0);
	CHECK_EQ(e1.events[TE_PREFIX_ADDED] - e0.events[TE_PREFIX_ADDED], 0);
	CHECK_EQ(m.version, v);
	CHECK_EQ(lsdb_stats(m.db)->installed[LSDB_STALE], 1);
	CHECK(same_as_built(&m));
	mon_free(&m);
}

/*
 * With cryptographic authentication, after a flush: an older instance of
 * the LSA, captured and replayed from another address past MinLSArrival,
 * comes from a sender first heard after the flush and is refused; the
 * originator's LSA numbered afresh (its OSPF process restarted), flooded
 * from the address it was heard from before, is installed.
 */
static void test_restart_keyed(void)
{
	static const struct mon_key keys[] = {
		{ .any_area = false, .area = 0, .key_id = 1, .alg = OSPF_AUTH_MD5,
		  .key = (const uint8_t *)"k-one", .keylen = 5 },
	};
	struct mon_conf c = conf();
	struct monitor m;
	struct auth r2 = { OSPF_AUTH_CRYPTO, OSPF_AUTH_MD5, "k-one", 1, 90 };
	static uint8_t captured[sizeof(frame_buf)];
	uint8_t lsa[64];
	size_t n, flen;

	c.keys = keys;
	c.nkeys = 1;
	CHECK(mon_init(&m, &c));
	m.dlt = DLT_EN10MB;
	/* an earlier instance (+3), captured; then +7, then its flush */
	n = router_lsa(IP(2,2,2,2), IP(10,2,0,0), OSPF_INITIAL_SEQ + 3);
	flen = lsu_frame(IP(10,0,0,2), IP(2,2,2,2), 0, lb.b, n, 1, &r2, 0);
	memcpy(captured, frame_buf, flen);
	feed(&m, 500, flen);
	n = router_lsa(IP(2,2,2,2), IP(10,2,0,0), OSPF_INITIAL_SEQ + 7);
	memcpy(lsa, lb.b, n);
	r2.seq = 100;
	feed(&m, 1000, lsu_frame(IP(10,0,0,2), IP(2,2,2,2), 0, lsa, n, 1, &r2, 0));
	put16(lsa, OSPF_MAX_AGE);
	r2.seq = 101;
	feed(&m, 3000, lsu_frame(IP(10,0,0,2), IP(2,2,2,2), 0, lsa, n, 1, &r2, 0));
	mon_tick(&m, 3000, true);
	CHECK(!has_router(&m, 0, IP(2,2,2,2)));
	CHECK_EQ(m.auth_verified, 3);

	/* +3 replayed from another address, 1.5 s after the flush */
	memcpy(frame_buf, captured, flen);
	put32(frame_buf + 14 + 12, IP(10,0,0,66));
	put16(frame_buf + 14 + 10, 0);
	put16(frame_buf + 14 + 10, inet_csum(frame_buf + 14, 20));
	feed(&m, 4500, flen);
	CHECK_EQ(m.auth_verified, 4);
	CHECK_EQ(lsdb_stats(m.db)->installed[LSDB_STALE], 1);
	mon_tick(&m, 4500, true);
	CHECK(!has_router(&m, 0, IP(2,2,2,2)));

	/* the restarted originator's +1, from 10.0.0.2 */
	n = router_lsa(IP(2,2,2,2), IP(10,2,0,0), OSPF_INITIAL_SEQ + 1);
	r2.seq = 102;
	feed(&m, 5000, lsu_frame(IP(10,0,0,2), IP(2,2,2,2), 0, lb.b, n, 1, &r2, 0));
	mon_tick(&m, 5000, true);
	CHECK(has_router(&m, 0, IP(2,2,2,2)));
	CHECK_EQ(lsdb_get(m.db, 0, LSA_ROUTER, IP(2,2,2,2), IP(2,2,2,2))->lsa.h.seq,
	         OSPF_INITIAL_SEQ + 1);
	CHECK_EQ(lsdb_stats(m.db)->installed[LSDB_STALE], 1);
	CHECK(same_as_built(&m));
	mon_free(&m);
}


/* ---- OSPFv3 ---- */

/* An Ethernet frame: IPv6 from fe80::<rid low byte> to ff02::5, an OSPFv3
 * LS Update from rid in area, instance id `inst`, carrying one router-LSA
 * of rid (one p2p interface of metric `metric`) at `age` and `seq`; the
 * packet checksum broken when bad_cksum.  Returns the frame length. */
static size_t lsu6_frame(uint32_t rid, uint32_t area, uint8_t inst, uint16_t age, int32_t seq,
                         uint16_t metric, bool bad_cksum)
{
	uint8_t *f = frame_buf, *ip = f + 14, *o = ip + 40, *l = o + 20;
	uint8_t src[16] = { 0xfe, 0x80, [15] = (uint8_t)rid };
	uint8_t dst[16] = { 0xff, 0x02, [15] = 5 };
	size_t llen = 20 + 4 + 16, len = 16 + 4 + llen;

	memset(f, 0, 14 + 40 + len);
	memcpy(f, "\x33\x33\x00\x00\x00\x05\x02\x00\x00\x00\x00\x01\x86\xdd", 14);
	ip[0] = 0x60;
	put16(ip + 4, (uint16_t)len);
	ip[6] = 89;
	ip[7] = 1;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	o[0] = 3;
	o[1] = OSPF6_LSU;
	put16(o + 2, (uint16_t)len);
	put32(o + 4, rid);
	put32(o + 8, area);
	o[14] = inst;
	put32(o + 16, 1);
	put16(l, age);
	put16(l + 2, LSA6_ROUTER);
	put32(l + 4, 0);
	put32(l + 8, rid);
	put32(l + 12, (uint32_t)seq);
	put16(l + 18, (uint16_t)llen);
	l[20] = 0;
	put32(l + 20, OSPF6_OPT_V6 | OSPF6_OPT_E | OSPF6_OPT_R);   /* flags 0, options */
	l[24] = LINK6_P2P;
	put16(l + 26, metric);
	put32(l + 28, 3);
	put32(l + 32, 4);
	put32(l + 36, IP(9, 9, 9, 9));
	put16(l + 16, lsa_checksum(l, llen));
	put16(o + 12, (uint16_t)(ospf6_checksum(src, dst, o, len) ^ (bad_cksum ? 1 : 0)));
	return 14 + 40 + len;
}

static unsigned versions;

static void count_version(void *ctx)
{
	(void)ctx;
	versions++;
}

/* OSPFv3 packets go to the same database (lib/lsdb.h, told apart by the
 * key), checked by their IPv6 checksum; a change is a new version (the
 * database document carries it), a refresh is not; other address
 * families' instances are counted and left. */
static void test_ospf6_intake(void)
{
	struct mon_conf c = conf();
	struct monitor m;
	uint32_t r = IP(1, 1, 1, 1);

	CHECK(mon_init(&m, &c));
	m.dlt = DLT_EN10MB;
	m.on_version = count_version;
	versions = 0;
	send_lsu(&m, 1000, IP(10,0,0,1), r, 0, &(struct auth){ OSPF_AUTH_NULL }, OSPF_INITIAL_SEQ, 0);
	mon_tick(&m, 2000, true);
	CHECK_EQ(versions, 1);
	feed(&m, 3000, lsu6_frame(r, 0, 0, 1, OSPF_INITIAL_SEQ, 10, false));
	CHECK_EQ(m.ospf6_pkts, 1);
	CHECK(lsdb_get(m.db, 0, LSDB_V3 | LSA6_ROUTER, 0, r) != NULL);
	CHECK(has_router(&m, 0, r));                 /* the OSPFv2 one is still there */
	CHECK_EQ(lsdb_stats(m.db)->entries, 2);
	mon_tick(&m, 4000, true);
	CHECK_EQ(versions, 2);                       /* an OSPFv3 change: a version */
	feed(&m, 5000, lsu6_frame(r, 0, 0, 1, OSPF_INITIAL_SEQ + 1, 10, false));
	mon_tick(&m, 6000, true);
	CHECK_EQ(versions, 2);                       /* a refresh: none */
	feed(&m, 7000, lsu6_frame(r, 0, 0, 1, OSPF_INITIAL_SEQ + 2, 20, true));
	CHECK_EQ(m.drops6[OSPF6_BAD_CHECKSUM], 1);
	feed(&m, 7000, lsu6_frame(r, 0, 64, 1, OSPF_INITIAL_SEQ + 2, 20, false));
	CHECK_EQ(m.other_af, 1);                     /* RFC 5838: an IPv4 instance */
	mon_tick(&m, 8000, true);
	CHECK_EQ(versions, 2);
	feed(&m, 9000, lsu6_frame(r, 0, 0, 1, OSPF_INITIAL_SEQ + 2, 20, false));
	mon_tick(&m, 10000, true);
	CHECK_EQ(versions, 3);                       /* a cost change */
	{
		const struct lsdb_entry *e = lsdb_get(m.db, 0, LSDB_V3 | LSA6_ROUTER, 0, r);
		CHECK(e != NULL && e->lsa.h.seq == OSPF_INITIAL_SEQ + 2);
	}
	feed(&m, 11000, lsu6_frame(r, 0, 0, OSPF_MAX_AGE, OSPF_INITIAL_SEQ + 3, 20, false));
	mon_tick(&m, 12000, true);
	CHECK_EQ(versions, 4);                       /* flushed */
	CHECK(lsdb_get(m.db, 0, LSDB_V3 | LSA6_ROUTER, 0, r) == NULL);
	CHECK(has_router(&m, 0, r));
	CHECK_EQ(m.ospf6_pkts, 4);
	mon_free(&m);
}

int main(void)
{
	log_init("test_monitor", LOG_TO_STDERR, 0);
	test_no_key();
	test_keys();
	test_lsdb_full();
	test_rebuild_budget();
	test_change_work();
	test_flushed_replay();
	test_rebirth();
	test_restart_keyed();
	test_replay_other_source();
	test_ospf6_intake();
	return check_done("test_monitor");
}
