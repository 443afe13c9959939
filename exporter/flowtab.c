#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "flowtab.h"
#include "hash.h"

#define NIL 0u   /* entry 0 is never used, so index 0 means "none" */

enum ent_state { ENT_FREE = 0, ENT_OPEN, ENT_CLOSING };

/*
 * One flow: 112 bytes.  What a packet touches (hash, chain, key, counters,
 * last_off, flags) comes first; the start-list links and MACs last.  Times
 * after first_ms are 32-bit offsets: a flow never lives longer than the active
 * timeout (at most 24 h < 2^32 ms).
 */
struct flow_ent {
	uint32_t hash;
	uint32_t chain;              /* next in hash bucket, or free list */
	struct flow_key key;
	uint64_t packets, octets;
	uint64_t first_ms;
	uint32_t last_off;           /* last packet - first_ms */
	uint8_t  tcp_flags;
	uint8_t  state;              /* enum ent_state */
	uint8_t  pad[2];
	uint32_t sprev, snext;       /* start list */
	uint8_t  src_mac[6], dst_mac[6];
	uint8_t  pad2[4];
};
_Static_assert(sizeof(struct flow_ent) == 112, "flow entry size is part of the memory budget");
/* The bytes of an entry that a packet for an existing flow touches. */
#define ENT_HOT offsetof(struct flow_ent, pad)

/*
 * Recency-list links live in their own array: moving a flow to the tail on
 * every packet touches its two neighbours, and 8-byte links (100,000 flows:
 * 800 KB) stay in cache where 112-byte entries would not.
 */
struct rlink {
	uint32_t prev, next;
};

struct dlist {
	uint32_t head, tail;
};

/*
 * Packets in flight, in three stages.  A packet's bucket is prefetched when
 * it arrives; STAGE packets later the first entry of its chain; another
 * STAGE later, if that entry is another flow's, the next one in the chain
 * (at half load a quarter of the lookups need it, and a miss that is not
 * prefetched stalls the whole pipeline); it is applied PIPE_DEPTH packets
 * after it arrived.  So the memory latency of one lookup hides behind the
 * work on the others.
 * Each stage must outlast a memory access that misses every cache and the
 * TLB, which in a virtual machine can take 200 ns: 8 packets a stage.
 * Deferring changes nothing observable: expiry applies every deferred
 * packet before it ends a flow (see flowtab_expire), and nothing else reads
 * the table in between.
 */
#define STAGE      8                 /* packets a stage */
#define PIPE_DEPTH (3 * STAGE)       /* packets in flight */
#define PIPE       32                /* ring size: power of two >= PIPE_DEPTH */

struct pending {
	struct flow_key key;
	struct flow_pkt pkt;
	uint64_t now_ms;
	uint32_t hash;
};

struct flowtab {
	struct flowtab_conf conf;
	struct flow_ent *ent;        /* max_flows + 1 entries, [0] unused */
	struct rlink *rl;            /* recency links, parallel to ent */
	uint32_t *bucket;            /* nbuckets heads */
	uint32_t nbuckets;
	uint32_t mask;               /* nbuckets - 1 */
	uint32_t free_head;          /* ended entries, for reuse */
	uint32_t next_unused;        /* entries from here on were never used */
	struct dlist open, closing, start;
	flow_export_fn export_fn;
	void *ctx;
	struct flowtab_stats st;
	struct pending pipe[PIPE];
	uint32_t pipe_head, pipe_n;
	uint32_t min_timeout_ms;     /* least of idle, linger and active */
	bool left_due;               /* a bounded flowtab_expire left flows due */
};

/*
 * Zeroed memory for a table array.  With huge, in transparent huge pages
 * where the kernel offers them: lookups land anywhere in these arrays, and
 * with 4 KiB pages nearly every one also misses the TLB.  But under some
 * hypervisors a guest's huge pages are backed by small ones and random
 * access to them is slower than to small pages (bench/RESULTS.md), hence the
 * choice.  Untouched pages stay unallocated either way.  Freed with
 * table_free(p, size).
 */
#if defined(__SANITIZE_ADDRESS__)
#define TABLE_ON_HEAP 1              /* gcc -fsanitize=address */
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TABLE_ON_HEAP 1              /* clang */
#endif
#endif

static void *table_alloc(size_t size, int huge)
{
#ifdef TABLE_ON_HEAP
	/* under AddressSanitizer: heap memory, so it can check every access */
	(void)huge;
	return calloc(1, size);
#else
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
#if defined(MADV_HUGEPAGE) && defined(MADV_NOHUGEPAGE)
	/* explicitly either way: the system's default may be "always" */
	(void)madvise(p, size, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
#else
	(void)huge;
#endif
	return p;
#endif
}

static void table_free(void *p, size_t size)
{
#ifdef TABLE_ON_HEAP
	(void)size;
	free(p);
#else
	if (p != NULL)
		munmap(p, size);
#endif
}

size_t flowtab_bytes_per_flow(void)
{
	/* buckets: one per flow, rounded up to a power of two */
	return sizeof(struct flow_ent) + sizeof(struct rlink) + sizeof(uint32_t);
}

struct flowtab *flowtab_new(const struct flowtab_conf *conf,
                            flow_export_fn export_fn, void *ctx)
{
	struct flowtab *ft;
	uint32_t nb = 1;

	if (conf->max_flows == 0 || conf->max_flows > (1u << 30))
		return NULL;
	while (nb < conf->max_flows)
		nb <<= 1;
	if ((ft = calloc(1, sizeof(*ft))) == NULL)
		return NULL;
	ft->conf = *conf;
	ft->min_timeout_ms = conf->idle_ms < conf->linger_ms ? conf->idle_ms : conf->linger_ms;
	if (conf->active_ms < ft->min_timeout_ms)
		ft->min_timeout_ms = conf->active_ms;
	ft->export_fn = export_fn;
	ft->ctx = ctx;
	ft->mask = nb - 1;
	ft->nbuckets = nb;
	ft->ent = table_alloc(((size_t)conf->max_flows + 1) * sizeof(*ft->ent), conf->huge_pages);
	ft->rl = table_alloc(((size_t)conf->max_flows + 1) * sizeof(*ft->rl), conf->huge_pages);
	ft->bucket = table_alloc((size_t)nb * sizeof(*ft->bucket), conf->huge_pages);
	if (ft->ent == NULL || ft->rl == NULL || ft->bucket == NULL) {
		flowtab_free(ft);
		return NULL;
	}
	/* Entries never used are handed out in index order from next_unused,
	 * so the table's pages are touched (and count in RSS) only as flows
	 * need them; ended flows go to the free list. */
	ft->free_head = NIL;
	ft->next_unused = 1;
	return ft;
}

void flowtab_free(struct flowtab *ft)
{
	if (ft == NULL)
		return;
	table_free(ft->ent, ((size_t)ft->conf.max_flows + 1) * sizeof(*ft->ent));
	table_free(ft->rl, ((size_t)ft->conf.max_flows + 1) * sizeof(*ft->rl));
	table_free(ft->bucket, (size_t)ft->nbuckets * sizeof(*ft->bucket));
	free(ft);
}

/* --- intrusive doubly linked lists over entry indexes ------------------ */

/* Define name_append/name_unlink for a list whose links for entry i are
 * LINK(ft, i).prev / .next. */
#define DLIST_FNS(name, LINK)                                                  \
static void name##_append(struct flowtab *ft, struct dlist *l, uint32_t i)     \
{                                                                              \
	LINK(ft, i).prev = l->tail;                                            \
	LINK(ft, i).next = NIL;                                                \
	if (l->tail != NIL)                                                    \
		LINK(ft, l->tail).next = i;                                    \
	else                                                                   \
		l->head = i;                                                   \
	l->tail = i;                                                           \
}                                                                              \
static void name##_unlink(struct flowtab *ft, struct dlist *l, uint32_t i)     \
{                                                                              \
	uint32_t p = LINK(ft, i).prev, n = LINK(ft, i).next;                   \
	if (p != NIL)                                                          \
		LINK(ft, p).next = n;                                          \
	else                                                                   \
		l->head = n;                                                   \
	if (n != NIL)                                                          \
		LINK(ft, n).prev = p;                                          \
	else                                                                   \
		l->tail = p;                                                   \
}

/* the start list's links are inside the entry, under other names */
#define RLINK(ft, i) ((ft)->rl[i])
#define SLINK(ft, i) (*(struct rlink *)(void *)&(ft)->ent[i].sprev)
_Static_assert(offsetof(struct flow_ent, snext) == offsetof(struct flow_ent, sprev) + 4,
               "sprev/snext are viewed as a struct rlink");

DLIST_FNS(rlist, RLINK)
DLIST_FNS(slist, SLINK)

static struct dlist *recency_list(struct flowtab *ft, const struct flow_ent *e)
{
	return e->state == ENT_CLOSING ? &ft->closing : &ft->open;
}

static uint32_t key_hash(const struct flowtab *ft, const struct flow_key *k)
{
	return (uint32_t)hash_words(k, sizeof(*k), ft->conf.seed);
}

/* Fill a normalised record from an entry. */
static void ent_to_flow(const struct flow_ent *e, enum anm_end_reason reason,
                        struct anm_flow *f)
{
	memset(f, 0, sizeof(*f));
	f->src = e->key.src;
	f->dst = e->key.dst;
	f->packets = e->packets;
	f->octets = e->octets;
	f->first_ms = e->first_ms;
	f->last_ms = e->first_ms + e->last_off;
	f->in_if = e->key.in_if;
	f->sport = e->key.sport;
	f->dport = e->key.dport;
	f->vlan = e->key.vlan;
	f->inner_vlan = e->key.inner_vlan;
	f->af = e->key.af;
	f->proto = e->key.proto;
	f->tos = e->key.tos;
	f->tcp_flags = e->tcp_flags;
	f->end_reason = (uint8_t)reason;
	memcpy(f->src_mac, e->src_mac, 6);
	memcpy(f->dst_mac, e->dst_mac, 6);
}

/* Export entry i with the given reason and return it to the free list. */
static void ent_end(struct flowtab *ft, uint32_t i, enum anm_end_reason reason)
{
	struct flow_ent *e = &ft->ent[i];
	struct anm_flow f;
	uint32_t *pp;

	ent_to_flow(e, reason, &f);
	ft->export_fn(ft->ctx, &f);

	for (pp = &ft->bucket[e->hash & ft->mask]; *pp != i; pp = &ft->ent[*pp].chain)
		;
	*pp = e->chain;
	rlist_unlink(ft, recency_list(ft, e), i);
	slist_unlink(ft, &ft->start, i);
	e->state = ENT_FREE;
	e->chain = ft->free_head;
	ft->free_head = i;
	ft->st.ended[reason]++;
	ft->st.active--;
}

static uint64_t ent_last(const struct flow_ent *e)
{
	return e->first_ms + e->last_off;
}

/* The least recently used flow across both recency lists. */
static uint32_t lru_victim(const struct flowtab *ft)
{
	uint32_t o = ft->open.head, c = ft->closing.head;

	if (o == NIL)
		return c;
	if (c == NIL)
		return o;
	return ent_last(&ft->ent[c]) <= ent_last(&ft->ent[o]) ? c : o;
}

/* The two timeouts expiry judges a flow by: has it had no packet for its
 * idle time (open) or linger time (closing), has it lived its active time? */
static bool quiet_due(const struct flowtab *ft, const struct flow_ent *e, uint64_t now_ms)
{
	return ent_last(e) + (e->state == ENT_CLOSING ? ft->conf.linger_ms : ft->conf.idle_ms) <= now_ms;
}

static bool active_due(const struct flowtab *ft, const struct flow_ent *e, uint64_t now_ms)
{
	return e->first_ms + ft->conf.active_ms <= now_ms;
}

/* Why expiry ends e for a timeout whose reason for an open flow is
 * open_reason: a closing flow ends as EOF whichever timeout ends it. */
static enum anm_end_reason due_reason(const struct flow_ent *e, enum anm_end_reason open_reason)
{
	return e->state == ENT_CLOSING ? ANM_END_EOF : open_reason;
}

/* Why flowtab_expire at now_ms would end entry e (it judges a flow by its
 * recency timeout first, then by its active time), or -1 if it would not. */
static int ent_due(const struct flowtab *ft, const struct flow_ent *e, uint64_t now_ms)
{
	if (quiet_due(ft, e, now_ms))
		return due_reason(e, ANM_END_IDLE);
	if (active_due(ft, e, now_ms))
		return due_reason(e, ANM_END_ACTIVE);
	return -1;
}

/* The next flow expiry ends at now_ms, and why; NIL if none is due.  The
 * list heads are the oldest: open flows past their idle time first, then
 * closing flows past their linger time, then flows past their active
 * time. */
static uint32_t next_due(const struct flowtab *ft, uint64_t now_ms, enum anm_end_reason *why)
{
	uint32_t i;

	if (((i = ft->open.head) != NIL && quiet_due(ft, &ft->ent[i], now_ms)) ||
	    ((i = ft->closing.head) != NIL && quiet_due(ft, &ft->ent[i], now_ms))) {
		*why = due_reason(&ft->ent[i], ANM_END_IDLE);
		return i;
	}
	if ((i = ft->start.head) != NIL && active_due(ft, &ft->ent[i], now_ms)) {
		*why = due_reason(&ft->ent[i], ANM_END_ACTIVE);
		return i;
	}
	return NIL;
}

/* Make room in a full table: end a flow that a bounded flowtab_expire has
 * left due, else evict the least recently used one. */
static void make_room(struct flowtab *ft, uint64_t now_ms)
{
	enum anm_end_reason why;
	uint32_t i = next_due(ft, now_ms, &why);

	if (i != NIL)
		ent_end(ft, i, why);
	else
		ent_end(ft, lru_victim(ft), ANM_END_RESOURCES);
}

/* Account one packet: find or create its flow and update it. */
static void apply(struct flowtab *ft, const struct pending *q)
{
	const struct flow_key *k = &q->key;
	const struct flow_pkt *p = &q->pkt;
	uint64_t now_ms = q->now_ms;
	uint32_t h = q->hash;
	uint32_t i = ft->bucket[h & ft->mask];
	struct flow_ent *e;
	int why;

	while (i != NIL && (ft->ent[i].hash != h || memcmp(&ft->ent[i].key, k, sizeof(*k)) != 0))
		i = ft->ent[i].chain;
	if (ft->left_due && i != NIL && (why = ent_due(ft, &ft->ent[i], now_ms)) >= 0) {
		/* due, and left for later by a bounded flowtab_expire: end it
		 * now, as an unbounded one would have, and start a new flow.
		 * (Otherwise no flow is due: expiry runs whenever time moves.) */
		ent_end(ft, i, (enum anm_end_reason)why);
		i = NIL;
	}

	if (i == NIL) {
		if (ft->free_head == NIL && ft->next_unused > ft->conf.max_flows)
			make_room(ft, now_ms);
		if (ft->free_head != NIL) {
			i = ft->free_head;
			ft->free_head = ft->ent[i].chain;
		} else {
			i = ft->next_unused++;
		}
		e = &ft->ent[i];
		memset(e, 0, sizeof(*e));
		e->key = *k;
		e->hash = h;
		e->chain = ft->bucket[h & ft->mask];
		ft->bucket[h & ft->mask] = i;
		e->first_ms = now_ms;
		e->state = ENT_OPEN;
		if (p->has_mac) {
			memcpy(e->src_mac, p->src_mac, 6);
			memcpy(e->dst_mac, p->dst_mac, 6);
		}
		rlist_append(ft, &ft->open, i);
		slist_append(ft, &ft->start, i);
		ft->st.created++;
		if (++ft->st.active > ft->st.peak)
			ft->st.peak = ft->st.active;
	} else {
		struct dlist *l;

		e = &ft->ent[i];
		l = recency_list(ft, e);
		if (l->tail != i) {
			rlist_unlink(ft, l, i);
			rlist_append(ft, l, i);
		}
		if (now_ms > ent_last(e)) {
			/* flowtab_expire ends a flow after active_ms (< 2^32 ms); the
			 * clamp only matters to a caller that never expires */
			uint64_t off = now_ms - e->first_ms;
			e->last_off = off > UINT32_MAX ? UINT32_MAX : (uint32_t)off;
		}
	}

	e->packets++;
	e->octets += p->octets;
	e->tcp_flags |= p->tcp_flags;   /* non-zero only for TCP */
	ft->st.packets++;
	if (p->ends_flow && e->state == ENT_OPEN) {
		rlist_unlink(ft, &ft->open, i);
		e->state = ENT_CLOSING;
		rlist_append(ft, &ft->closing, i);
	}
}

static void apply_oldest(struct flowtab *ft)
{
	apply(ft, &ft->pipe[ft->pipe_head]);
	ft->pipe_head = (ft->pipe_head + 1) & (PIPE - 1);
	ft->pipe_n--;
}

void flowtab_sync(struct flowtab *ft)
{
	while (ft->pipe_n > 0)
		apply_oldest(ft);
}

/* Start fetching what applying a packet to entry i touches: the first
 * ENT_HOT bytes of the entry and its recency links.  112-byte entries
 * start 0, 48, 32 and 16 bytes into a 64-byte line in turn; at 48 those
 * bytes span three lines, the third from byte 80 (last_off, state).
 * A macro, not a function: with the prefetches in a static function called
 * from flowtab_update, gcc 12 at -O1 and above emitted none of them, and
 * the table ran at half speed at 1M flows (bench/flowtab-run). */
#define PREFETCH_ENT(ft, i) do {                                               \
	__builtin_prefetch(&(ft)->ent[i]);                                     \
	__builtin_prefetch((const char *)&(ft)->ent[i] + 64);                  \
	__builtin_prefetch((const char *)&(ft)->ent[i] + ENT_HOT - 1);         \
	__builtin_prefetch(&(ft)->rl[i]);                                      \
} while (0)

/* The packet that arrived back packets before the newest. */
static const struct pending *pipe_back(const struct flowtab *ft, uint32_t back)
{
	return &ft->pipe[(ft->pipe_head + ft->pipe_n - 1 - back) & (PIPE - 1)];
}

void flowtab_update(struct flowtab *ft, const struct flow_key *k,
                    const struct flow_pkt *p, uint64_t now_ms)
{
	struct pending *q;

	if (ft->pipe_n == PIPE_DEPTH)
		apply_oldest(ft);
	q = &ft->pipe[(ft->pipe_head + ft->pipe_n++) & (PIPE - 1)];
	q->key = *k;
	q->pkt = *p;
	q->now_ms = now_ms;
	q->hash = key_hash(ft, k);
	__builtin_prefetch(&ft->bucket[q->hash & ft->mask]);
	if (ft->pipe_n > STAGE) {
		/* its bucket has arrived: fetch the chain's first entry */
		uint32_t i = ft->bucket[pipe_back(ft, STAGE)->hash & ft->mask];
		if (i != NIL)
			PREFETCH_ENT(ft, i);
	}
	if (ft->pipe_n > 2 * STAGE) {
		/* its first entry has arrived: if that is another flow, fetch the
		 * next one in the chain (at half load, one lookup in four) */
		const struct pending *a = pipe_back(ft, 2 * STAGE);
		uint32_t i = ft->bucket[a->hash & ft->mask];
		if (i != NIL && ft->ent[i].hash != a->hash && (i = ft->ent[i].chain) != NIL)
			PREFETCH_ENT(ft, i);
	}
}

bool flowtab_expire(struct flowtab *ft, uint64_t now_ms, unsigned max)
{
	enum anm_end_reason why;
	uint32_t i;

	/* A deferred packet of time t can only make a flow due at t plus a
	 * timeout or later (it refreshes, creates or evicts flows).  So when no
	 * list head is due and the oldest deferred packet is younger than the
	 * least timeout, nothing would be due with every packet applied either,
	 * and they can stay deferred.  Otherwise apply them first. */
	if (next_due(ft, now_ms, &why) == NIL &&
	    (ft->pipe_n == 0 || ft->pipe[ft->pipe_head].now_ms + ft->min_timeout_ms > now_ms))
		return ft->left_due = false;
	flowtab_sync(ft);

	while ((i = next_due(ft, now_ms, &why)) != NIL && max > 0) {
		ent_end(ft, i, why);
		max--;
	}
	return ft->left_due = i != NIL;
}

void flowtab_flush(struct flowtab *ft, enum anm_end_reason reason)
{
	uint32_t i;

	flowtab_sync(ft);
	/* oldest first, so the export order does not depend on hashing */
	while ((i = ft->start.head) != NIL)
		ent_end(ft, i, reason);
}

const struct flowtab_stats *flowtab_stats(struct flowtab *ft)
{
	flowtab_sync(ft);
	return &ft->st;
}
