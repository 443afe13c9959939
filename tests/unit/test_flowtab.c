/* Flow table: expiry by idle/active/linger, LRU eviction, flush order. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "flowtab.h"

#define MAXREC 64

static struct anm_flow rec[MAXREC];
static int nrec;

static void collect(void *ctx, const struct anm_flow *f)
{
	(void)ctx;
	if (nrec < MAXREC)
		rec[nrec] = *f;
	nrec++;
}

static struct flow_key key(uint8_t host, uint16_t sport)
{
	struct flow_key k;

	memset(&k, 0, sizeof(k));
	k.af = AF_INET;
	k.src.b[0] = 10; k.src.b[3] = host;
	k.dst.b[0] = 10; k.dst.b[3] = 200;
	k.proto = 6;
	k.sport = sport;
	k.dport = 80;
	return k;
}

static struct flow_pkt pkt(uint32_t octets, uint8_t flags)
{
	struct flow_pkt p;

	memset(&p, 0, sizeof(p));
	p.octets = octets;
	p.tcp_flags = flags;
	p.ends_flow = (flags & 0x05) != 0;   /* FIN or RST */
	return p;
}

static struct flowtab *mk(uint32_t max)
{
	struct flowtab_conf c = { max, 60000, 15000, 2000, 12345, 0 };

	nrec = 0;
	return flowtab_new(&c, collect, NULL);
}

static void test_idle(void)
{
	struct flowtab *ft = mk(16);
	struct flow_key k = key(1, 1000);
	struct flow_pkt p = pkt(100, 0x10);

	flowtab_update(ft, &k, &p, 1000);
	flowtab_update(ft, &k, &p, 3000);
	flowtab_expire(ft, 17999, UINT_MAX);
	CHECK_EQ(nrec, 0);
	flowtab_expire(ft, 18000, UINT_MAX);
	CHECK_EQ(nrec, 1);
	CHECK_EQ(rec[0].packets, 2);
	CHECK_EQ(rec[0].octets, 200);
	CHECK_EQ(rec[0].first_ms, 1000);
	CHECK_EQ(rec[0].last_ms, 3000);
	CHECK_EQ(rec[0].end_reason, ANM_END_IDLE);
	CHECK_EQ(rec[0].sport, 1000);
	CHECK_EQ(flowtab_stats(ft)->ended[ANM_END_IDLE], 1);
	CHECK_EQ(flowtab_stats(ft)->active, 0);
	flowtab_free(ft);
}

static void test_active(void)
{
	struct flowtab *ft = mk(16);
	struct flow_key k = key(2, 2000);
	struct flow_pkt p = pkt(40, 0x10);

	/* one packet a second for 90 s: one record at 60 s, the rest at flush */
	for (uint64_t t = 0; t <= 90000; t += 1000) {
		flowtab_expire(ft, t, UINT_MAX);
		flowtab_update(ft, &k, &p, t);
	}
	CHECK_EQ(nrec, 1);
	CHECK_EQ(rec[0].end_reason, ANM_END_ACTIVE);
	CHECK_EQ(rec[0].packets, 60);
	CHECK_EQ(rec[0].first_ms, 0);
	CHECK_EQ(rec[0].last_ms, 59000);
	flowtab_flush(ft, ANM_END_FORCED);
	CHECK_EQ(nrec, 2);
	CHECK_EQ(rec[1].end_reason, ANM_END_FORCED);
	CHECK_EQ(rec[1].packets, 31);
	CHECK_EQ(rec[1].first_ms, 60000);
	flowtab_free(ft);
}

static void test_fin_rst(void)
{
	struct flowtab *ft = mk(16);
	struct flow_key a = key(3, 3000), b = key(4, 4000), c = key(5, 5000);
	struct flow_pkt syn = pkt(60, 0x02), fin = pkt(52, 0x11), rst = pkt(40, 0x04);
	struct flow_pkt ack = pkt(52, 0x10);

	flowtab_update(ft, &a, &syn, 0);
	flowtab_update(ft, &a, &fin, 1000);
	flowtab_update(ft, &b, &rst, 1000);
	flowtab_update(ft, &c, &syn, 1000);      /* no FIN: waits for idle */
	flowtab_update(ft, &a, &ack, 1500);      /* straggler joins the flow */
	flowtab_expire(ft, 2999, UINT_MAX);
	CHECK_EQ(nrec, 0);
	flowtab_expire(ft, 3000, UINT_MAX);
	CHECK_EQ(nrec, 1);
	CHECK_EQ(rec[0].sport, 4000);
	CHECK_EQ(rec[0].end_reason, ANM_END_EOF);
	CHECK_EQ(rec[0].tcp_flags, 0x04);
	flowtab_expire(ft, 3500, UINT_MAX);
	CHECK_EQ(nrec, 2);
	CHECK_EQ(rec[1].sport, 3000);
	CHECK_EQ(rec[1].packets, 3);
	CHECK_EQ(rec[1].tcp_flags, 0x13);
	CHECK_EQ(rec[1].end_reason, ANM_END_EOF);
	flowtab_expire(ft, 15999, UINT_MAX);
	CHECK_EQ(nrec, 2);
	flowtab_expire(ft, 16000, UINT_MAX);
	CHECK_EQ(nrec, 3);
	CHECK_EQ(rec[2].end_reason, ANM_END_IDLE);
	flowtab_free(ft);
}

/* Bounded expiry: the flows it leaves due end as they would have, when a
 * packet meets one or a full table needs room, and no live flow is evicted
 * for them. */
static void test_bounded(void)
{
	struct flowtab *ft = mk(4);
	struct flow_pkt p = pkt(100, 0x10);
	struct flow_key k[5];

	for (int i = 0; i < 5; i++)
		k[i] = key((uint8_t)(10 + i), (uint16_t)(100 + i));
	for (int i = 0; i < 4; i++)
		flowtab_update(ft, &k[i], &p, (uint64_t)i);
	/* all four idle at 20 s; end one */
	CHECK(flowtab_expire(ft, 20000, 1));
	CHECK_EQ(nrec, 1);
	CHECK_EQ(rec[0].sport, 100);
	CHECK_EQ(rec[0].end_reason, ANM_END_IDLE);
	CHECK(flowtab_expire(ft, 20000, 0));             /* nothing ended, still due */
	CHECK_EQ(nrec, 1);
	/* a packet meets due flow 3: it ends, idle, and a new one starts */
	flowtab_update(ft, &k[3], &p, 20000);
	flowtab_sync(ft);
	CHECK_EQ(nrec, 2);
	CHECK_EQ(rec[1].sport, 103);
	CHECK_EQ(rec[1].end_reason, ANM_END_IDLE);
	CHECK_EQ(rec[1].first_ms, 3);
	CHECK_EQ(rec[1].packets, 1);
	/* a new flow fills the table, then another needs room: due flow 1
	 * ends, idle, not a live one by eviction */
	flowtab_update(ft, &k[0], &p, 20001);
	flowtab_update(ft, &k[4], &p, 20001);
	flowtab_sync(ft);
	CHECK_EQ(nrec, 3);
	CHECK_EQ(rec[2].sport, 101);
	CHECK_EQ(rec[2].end_reason, ANM_END_IDLE);
	CHECK_EQ(flowtab_stats(ft)->ended[ANM_END_RESOURCES], 0);
	/* the rest: flow 2 */
	CHECK(!flowtab_expire(ft, 20001, UINT_MAX));
	CHECK_EQ(nrec, 4);
	CHECK_EQ(rec[3].sport, 102);
	CHECK_EQ(rec[3].end_reason, ANM_END_IDLE);
	flowtab_flush(ft, ANM_END_FORCED);
	CHECK_EQ(nrec, 7);
	for (int i = 4; i < 7 && i < nrec; i++) {
		CHECK_EQ(rec[i].end_reason, ANM_END_FORCED);
		CHECK(rec[i].first_ms >= 20000);
	}
	flowtab_free(ft);
}

static void test_evict(void)
{
	struct flowtab *ft = mk(3);
	struct flow_key k[5];
	struct flow_pkt p = pkt(100, 0);

	for (int i = 0; i < 5; i++)
		k[i] = key((uint8_t)(10 + i), (uint16_t)(100 + i));
	flowtab_update(ft, &k[0], &p, 0);
	flowtab_update(ft, &k[1], &p, 10);
	flowtab_update(ft, &k[2], &p, 20);
	flowtab_update(ft, &k[0], &p, 30);      /* k1 is now least recently used */
	flowtab_update(ft, &k[3], &p, 40);
	flowtab_sync(ft);
	CHECK_EQ(nrec, 1);
	CHECK_EQ(rec[0].sport, 101);
	CHECK_EQ(rec[0].end_reason, ANM_END_RESOURCES);
	flowtab_update(ft, &k[4], &p, 50);      /* then k2 */
	flowtab_sync(ft);
	CHECK_EQ(nrec, 2);
	CHECK_EQ(rec[1].sport, 102);
	CHECK_EQ(flowtab_stats(ft)->active, 3);
	CHECK_EQ(flowtab_stats(ft)->peak, 3);
	CHECK_EQ(flowtab_stats(ft)->ended[ANM_END_RESOURCES], 2);
	/* flush in order of first packet: k0, k3, k4 */
	flowtab_flush(ft, ANM_END_FORCED);
	CHECK_EQ(nrec, 5);
	CHECK_EQ(rec[2].sport, 100);
	CHECK_EQ(rec[2].packets, 2);
	CHECK_EQ(rec[3].sport, 103);
	CHECK_EQ(rec[4].sport, 104);
	CHECK_EQ(flowtab_stats(ft)->created, 5);
	flowtab_free(ft);
}

static void test_many(void)
{
	/* fill, evict and refill a larger table; counters stay consistent */
	struct flowtab *ft = mk(1000);
	struct flow_pkt p = pkt(1500, 0);
	uint64_t octets = 0;

	for (int i = 0; i < 5000; i++) {
		struct flow_key k = key((uint8_t)(i % 251), (uint16_t)(i % 1777));
		flowtab_update(ft, &k, &p, (uint64_t)i);
	}
	flowtab_flush(ft, ANM_END_FORCED);
	for (int i = 0; i < nrec && i < MAXREC; i++)
		octets += rec[i].octets;
	CHECK_EQ(flowtab_stats(ft)->active, 0);
	CHECK_EQ(flowtab_stats(ft)->packets, 5000);
	CHECK_EQ(flowtab_stats(ft)->created, (uint64_t)nrec);
	CHECK(octets > 0);
	flowtab_free(ft);
}

static void test_big_counters(void)
{
	struct flowtab *ft = mk(4);
	struct flow_key k = key(9, 9);
	struct flow_pkt p = pkt(65535, 0);

	for (int i = 0; i < 70000; i++)
		flowtab_update(ft, &k, &p, 0);
	flowtab_flush(ft, ANM_END_FORCED);
	CHECK_EQ(nrec, 1);
	CHECK_EQ(rec[0].octets, 65535ull * 70000ull);   /* above 2^32 */
	flowtab_free(ft);
}


/*
 * Randomised comparison with a brute-force model of the rules (every flow
 * scanned at every step).  With sync_each_step the table must export the
 * same records at the same steps; without, packets stay deferred in the
 * table's pipeline as in real use, and the whole run must still export the
 * same records.  With a bound, expiry ends at most that many flows a step
 * and leaves the rest due, for later steps, for the packets that meet them
 * and for a full table to end first: the whole run's records are still the
 * same.
 */
#define MKEYS 40
#define MMAX  16

struct mflow { int used, closing; uint64_t pk, first, last; uint8_t flags; };

static int rec_cmp(const void *a, const void *b)
{
	const struct anm_flow *x = a, *y = b;
	if (x->sport != y->sport) return x->sport < y->sport ? -1 : 1;
	if (x->first_ms != y->first_ms) return x->first_ms < y->first_ms ? -1 : 1;
	return 0;
}

static struct anm_flow all_got[20000], all_want[20000];
static int nall_got, nall_want;

static void collect_all(void *ctx, const struct anm_flow *f)
{
	(void)ctx;
	if (nall_got < 20000)
		all_got[nall_got] = *f;
	nall_got++;
	collect(ctx, f);
}

static int all_cmp(const void *a, const void *b)
{
	const struct anm_flow *x = a, *y = b;
	if (x->first_ms != y->first_ms) return x->first_ms < y->first_ms ? -1 : 1;
	return rec_cmp(a, b);
}

static void test_model(int sync_each_step, unsigned bound)
{
	struct flowtab_conf c = { MMAX, 5000, 1000, 300, 99, 0 };
	struct mflow m[MKEYS];
	struct anm_flow want[MKEYS];
	unsigned seed = 12345;
	uint64_t t = 0;
	int mismatches = 0, left_due = 0;
	struct flowtab *ft;

	memset(m, 0, sizeof(m));
	nrec = 0;
	nall_got = nall_want = 0;
	ft = flowtab_new(&c, collect_all, NULL);
	for (int step = 0; step < 20000; step++) {
		int nwant = 0, active = 0, k;
		uint8_t flags;

		seed = seed * 1103515245 + 12345;
		t += 1 + (seed >> 16) % 97;           /* strictly increasing */
		/* the model's expiry at t */
		for (k = 0; k < MKEYS; k++) {
			struct mflow *f = &m[k];
			int reason = 0;
			if (!f->used)
				continue;
			if (!f->closing && f->last + c.idle_ms <= t)
				reason = ANM_END_IDLE;
			else if (f->closing && f->last + c.linger_ms <= t)
				reason = ANM_END_EOF;
			else if (f->first + c.active_ms <= t)
				reason = f->closing ? ANM_END_EOF : ANM_END_ACTIVE;
			if (reason) {
				want[nwant].sport = (uint16_t)k;
				want[nwant].first_ms = f->first;
				want[nwant].last_ms = f->last;
				want[nwant].packets = f->pk;
				want[nwant].end_reason = (uint8_t)reason;
				nwant++;
				f->used = 0;
			}
		}
		for (int j = 0; j < nwant && nall_want < 20000; j++)
			all_want[nall_want++] = want[j];
		nrec = 0;
		left_due += flowtab_expire(ft, t, bound);
		/* the packet */
		seed = seed * 1103515245 + 12345;
		k = (int)((seed >> 16) % MKEYS);
		seed = seed * 1103515245 + 12345;
		flags = (seed >> 16) % 50 == 0 ? 0x01 : 0x10;
		if (!m[k].used) {
			for (int j = 0; j < MKEYS; j++)
				active += m[j].used;
			if (active == MMAX) {
				int lru = -1;
				for (int j = 0; j < MKEYS; j++)
					if (m[j].used && (lru < 0 || m[j].last < m[lru].last))
						lru = j;
				want[nwant].sport = (uint16_t)lru;
				want[nwant].first_ms = m[lru].first;
				want[nwant].last_ms = m[lru].last;
				want[nwant].packets = m[lru].pk;
				want[nwant].end_reason = ANM_END_RESOURCES;
				if (nall_want < 20000)
					all_want[nall_want++] = want[nwant];
				nwant++;
				m[lru].used = 0;
			}
			memset(&m[k], 0, sizeof(m[k]));
			m[k].used = 1;
			m[k].first = t;
		}
		m[k].pk++;
		m[k].last = t;
		if (flags & 0x01)
			m[k].closing = 1;
		{
			struct flow_key fk = key((uint8_t)1, (uint16_t)k);
			struct flow_pkt p = pkt(100, flags);
			flowtab_update(ft, &fk, &p, t);
			if (sync_each_step)
				flowtab_sync(ft);
		}
		if (!sync_each_step)
			continue;
		/* compare this step's records, order aside */
		if (nrec != nwant) {
			if (getenv("FT_DEBUG") && mismatches < 3)
				fprintf(stderr, "step %d t=%llu: %d records, model %d (first: %u/%u)\n", step,
				        (unsigned long long)t, nrec, nwant, nrec ? rec[0].sport : 0,
				        nwant ? want[0].sport : 0);
			mismatches++;
			continue;
		}
		qsort(rec, (size_t)nrec, sizeof(rec[0]), rec_cmp);
		qsort(want, (size_t)nwant, sizeof(want[0]), rec_cmp);
		for (int j = 0; j < nrec; j++)
			if (rec[j].sport != want[j].sport || rec[j].first_ms != want[j].first_ms ||
			    rec[j].last_ms != want[j].last_ms || rec[j].packets != want[j].packets ||
			    rec[j].end_reason != want[j].end_reason) {
				if (getenv("FT_DEBUG") && mismatches < 3)
					fprintf(stderr, "step %d: got %u %llu-%llu %llu r%u, model %u %llu-%llu %llu r%u\n",
					        step, rec[j].sport, (unsigned long long)rec[j].first_ms,
					        (unsigned long long)rec[j].last_ms, (unsigned long long)rec[j].packets,
					        rec[j].end_reason, want[j].sport, (unsigned long long)want[j].first_ms,
					        (unsigned long long)want[j].last_ms, (unsigned long long)want[j].packets,
					        want[j].end_reason);
				mismatches++;
			}
	}
	/* the whole run, deferred or bounded or not: the same records */
	CHECK(flowtab_expire(ft, t, UINT_MAX) == 0);
	flowtab_sync(ft);
	if (getenv("FT_DEBUG"))
		fprintf(stderr, "bound %u: flows left due %d times\n", bound, left_due);
	if (bound != UINT_MAX)
		CHECK(left_due > 100);    /* the bound did defer expiry */
	else
		CHECK_EQ(left_due, 0);
	CHECK_EQ(nall_got, nall_want);
	qsort(all_got, (size_t)nall_got, sizeof(all_got[0]), all_cmp);
	qsort(all_want, (size_t)nall_want, sizeof(all_want[0]), all_cmp);
	for (int j = 0; j < nall_got && j < nall_want; j++)
		if (all_got[j].sport != all_want[j].sport || all_got[j].first_ms != all_want[j].first_ms ||
		    all_got[j].last_ms != all_want[j].last_ms || all_got[j].packets != all_want[j].packets ||
		    all_got[j].end_reason != all_want[j].end_reason)
			mismatches++;
	CHECK_EQ(mismatches, 0);
	CHECK(flowtab_stats(ft)->ended[ANM_END_RESOURCES] > 0);
	CHECK(flowtab_stats(ft)->ended[ANM_END_IDLE] > 0);
	CHECK(flowtab_stats(ft)->ended[ANM_END_EOF] > 0);
	CHECK(flowtab_stats(ft)->ended[ANM_END_ACTIVE] > 0);
	flowtab_free(ft);
}

/* KiB of this process's mappings the kernel would back with transparent
 * huge pages ("THPeligible: 1" in /proc/self/smaps); -1 if unknown. */
static long thp_eligible_kb(void)
{
	char line[256];
	long n = 0, size = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "Size:", 5) == 0)
			size = atol(line + 5);
		else if (strncmp(line, "THPeligible:", 12) == 0 && atoi(line + 12) == 1)
			n += size;
	}
	fclose(f);
	return n;
}

/* flows.huge-pages: the table's three arrays are asked for huge pages, or
 * explicitly not (the system default may be "always"); both tables work. */
static void test_huge_pages(void)
{
	char mode[64] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	int thp = f != NULL && fgets(mode, sizeof(mode), f) != NULL && strstr(mode, "[never]") == NULL;
	int heap = 0;

	if (f != NULL)
		fclose(f);
#if defined(__SANITIZE_ADDRESS__)
	heap = 1;                 /* the tables are on the heap under ASan */
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
	heap = 1;
#endif
#endif
	for (int huge = 0; huge <= 1; huge++) {
		struct flowtab_conf c = { 1u << 20, 60000, 15000, 2000, 7, (uint8_t)huge };
		long before = thp_eligible_kb(), after;
		struct flowtab *ft = flowtab_new(&c, collect, NULL);
		struct flow_key k = key(1, 1);
		struct flow_pkt p = pkt(100, 0);

		CHECK(ft != NULL);
		if (ft == NULL)
			continue;
		after = thp_eligible_kb();
		/* huge: all three arrays (entries, links, buckets: over 100 MiB) */
		if (thp && !heap && before >= 0) {
			if (huge)
				CHECK(after - before >= (long)((c.max_flows * flowtab_bytes_per_flow()) >> 10));
			else
				CHECK_EQ(after - before, 0);
		}
		nrec = 0;
		flowtab_update(ft, &k, &p, 1);
		flowtab_flush(ft, ANM_END_FORCED);
		CHECK_EQ(nrec, 1);
		flowtab_free(ft);
	}
	if (!thp || heap)
		printf("test_flowtab: huge-pages: allocation only (%s)\n",
		       heap ? "tables on the heap under AddressSanitizer" : "no transparent huge pages");
}

int main(void)
{
	struct flowtab_conf bad = { 0, 1, 1, 1, 1, 0 };

	CHECK(flowtab_new(&bad, collect, NULL) == NULL);
	CHECK(flowtab_bytes_per_flow() <= 128);
	test_model(1, UINT_MAX);
	test_model(0, UINT_MAX);
	test_model(0, 1);
	test_model(0, 2);
	test_idle();
	test_active();
	test_fin_rst();
	test_bounded();
	test_evict();
	test_many();
	test_big_counters();
	test_huge_pages();
	return check_done("test_flowtab");
}
