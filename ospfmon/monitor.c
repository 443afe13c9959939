/*
 * anemone-ospfmon's core (monitor.h): frames to checked OSPF packets, their
 * authentication checked against the configured keys, LSAs into the
 * database and the live topology, and the changes made events and a new
 * version once the database has been quiet for the hold time (and the last
 * version's cost allows).  Everything dropped is counted per reason and
 * logged through a rate limiter.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "be.h"
#include "decode.h"
#include "monitor.h"
#include "sbuf.h"

#define MAX_PENDING 100000

static void on_evlog(void *ctx, const char *json)
{
	struct monitor *m = ctx;
	char *copy;

	if (m->on_event != NULL)
		m->on_event(m->cb_ctx, json);
	if (m->npending == MAX_PENDING) {
		m->pending_dropped++;
		return;
	}
	if (m->npending == m->cap_pending) {
		unsigned cap = m->cap_pending ? m->cap_pending * 2 : 64;
		char **p = realloc(m->pending, cap * sizeof(*p));
		if (p == NULL) {
			m->pending_dropped++;
			return;
		}
		m->pending = p;
		m->cap_pending = cap;
	}
	if ((copy = strdup(json)) == NULL) {
		m->pending_dropped++;
		return;
	}
	m->pending[m->npending++] = copy;
}

bool mon_init(struct monitor *m, const struct mon_conf *c)
{
	memset(m, 0, sizeof(*m));
	m->c = *c;
	m->rl = (struct ratelim)RATELIM_INIT(1000, 5);
	m->rl_full = (struct ratelim)RATELIM_INIT(10000, 1);
	if (m->c.max_lsas == 0)
		m->c.max_lsas = MAX_LSAS;
	if (m->c.rebuild_work_per_s == 0)
		m->c.rebuild_work_per_s = DEF_REBUILD_WORK_PER_S;
	if (m->c.max_lsdb_bytes == 0)
		m->c.max_lsdb_bytes = MAX_LSDB_BYTES;
	if ((m->db = lsdb_new(m->c.max_lsas)) == NULL)
		return false;
	lsdb_set_max_bytes(m->db, m->c.max_lsdb_bytes);
	if ((m->nbr = calloc(MON_MAX_NEIGHBORS, sizeof(*m->nbr))) == NULL ||
	    (m->live = topo_live_new()) == NULL ||
	    (m->ev = evlog_new(&c->ev, on_evlog, m)) == NULL) {
		topo_live_free(m->live);
		free(m->nbr);
		lsdb_free(m->db);
		return false;
	}
	return true;
}

void mon_take_events(struct monitor *m)
{
	for (unsigned i = 0; i < m->npending; i++)
		free(m->pending[i]);
	m->npending = 0;
}

void mon_free(struct monitor *m)
{
	mon_take_events(m);
	free(m->pending);
	evlog_free(m->ev);
	topo_free(m->topo);
	topo_free(m->topo6);
	topo_live_free(m->live);
	lsdb_free(m->db);
	free(m->nbr);
}

struct diff_ctx {
	struct monitor *m;
	uint64_t time_ms;
	unsigned n;
};

static void on_diff(void *vctx, const struct topo_event *ev)
{
	struct diff_ctx *d = vctx;

	evlog_topo(d->m->ev, ev, d->time_ms);
	d->n++;
}

/* Say when the view becomes complete or incomplete, and what is missing.
 * True when what a reader of the document acts on changed: complete, the
 * LSAs refused, authenticated.  O(log n). */
static bool report_completeness(struct monitor *m)
{
	struct topo_completeness c;
	struct topo_missing miss[8];
	unsigned nm;
	bool changed;

	topo_live_completeness(m->live, &c);
	c.lsas_refused = lsdb_stats(m->db)->installed[LSDB_FULL];
	c.unverified = m->auth_unverified;
	c.authenticated = m->c.nkeys > 0 && m->auth_unverified == 0 && m->auth_verified > 0;
	c.complete = c.complete && c.lsas_refused == 0;
	changed = c.complete != m->comp.complete || c.lsas_refused != m->comp.lsas_refused ||
	          c.authenticated != m->comp.authenticated;
	if (c.complete != m->comp.complete || c.missing_routers != m->comp.missing_routers ||
	    c.missing_networks != m->comp.missing_networks ||
	    (c.lsas_refused > 0) != (m->comp.lsas_refused > 0)) {
		if (c.complete) {
			log_info("view complete: %u routers, no LSA referred to is missing", c.routers);
		} else if (c.routers > 0) {
			struct sbuf b = SBUF_INIT;
			nm = topo_live_missing(m->live, miss, 8);
			for (unsigned i = 0; i < nm; i++) {
				sbuf_printf(&b, "%s%s ", i ? ", " : "",
				            miss[i].kind == TM_ROUTER ? "router" : "network");
				sbuf_ipq(&b, miss[i].id);
			}
			if (nm > 0)
				log_info("view incomplete: %u routers; %u router-LSAs and %u network-LSAs "
				         "missing (%s%s)", c.routers, c.missing_routers,
				         c.missing_networks, sbuf_str(&b),
				         c.missing_routers + c.missing_networks > 8 ? ", ..." : "");
			if (c.lsas_refused > 0)
				log_info("view incomplete: %u routers; %llu LSAs refused: the link-state "
				         "database is full", c.routers, (unsigned long long)c.lsas_refused);
			sbuf_free(&b);
		}
	}
	m->comp = c;
	return changed;
}

/* The live topology built anew from the database, without events.  False
 * (and none held) when memory ran out.  O(database). */
static bool live_load(struct monitor *m)
{
	topo_live_free(m->live);
	m->live_work = 0;
	if ((m->live = topo_live_new()) == NULL || !topo_live_load(m->live, m->db, m->now_ms)) {
		topo_live_free(m->live);
		m->live = NULL;
		return false;
	}
	return true;
}

/* The live topology is lost (memory ran out while it changed): build it
 * again from the database, without events.  False when that failed too
 * (then it is tried again at the next version). */
static bool live_reload(struct monitor *m)
{
	m->events_lost++;
	log_warnx("out of memory keeping the topology: rebuilt from the database; the "
	          "events of this change are lost (%llu versions so far)",
	          (unsigned long long)m->events_lost);
	return live_load(m);
}

/*
 * The OSPFv3 topology built again and, with d, compared with the last one
 * into events.  Returns its work.  Memory running out keeps the last one
 * (the next OSPFv3 change tries again).
 */
static uint64_t rebuild6(struct monitor *m, struct diff_ctx *d)
{
	struct topo *t = topo6_build(m->db, m->now_ms);
	uint64_t work;

	if (t == NULL) {
		log_warnx("out of memory building the OSPFv3 topology; its events wait for the "
		          "next change");
		return 0;
	}
	work = t->work;
	if (d != NULL)
		work += topo_diff(m->topo6, t, on_diff, d);
	topo_free(m->topo6);
	m->topo6 = t;
	return work;
}

/*
 * A new version: the changes since the last one compared into events (if
 * `events`), and a version number if anything changed.  The next version
 * may not come before this one's work, at rebuild_work_per_s, has been
 * paid for in packet time.  Cost: what the changes touched (topolive.h),
 * not the database.
 */
static void rebuild(struct monitor *m, bool events)
{
	struct diff_ctx d = { m, m->dirty_since, 0 };
	uint64_t work;
	bool comp_changed;

	if (m->live == NULL || topo_live_failed(m->live) ||
	    !topo_live_commit(m->live, events ? on_diff : NULL, &d)) {
		if (!live_reload(m))
			return;                /* dirty still: tried again */
		d.n = 1;                       /* what changed is not known */
	}
	work = topo_live_work(m->live) - m->live_work;
	m->live_work = topo_live_work(m->live);
	if (m->v3_changed)
		work += rebuild6(m, events ? &d : NULL);
	m->work += work;
	m->next_rebuild_ms = m->now_ms + work * 1000 / m->c.rebuild_work_per_s;
	comp_changed = report_completeness(m);
	topo_free(m->topo);
	m->topo = NULL;
	m->topo_ms = m->now_ms;
	m->dirty = false;
	m->rebuilds++;
	if (d.n > 0 || m->version == 0 || (events && comp_changed) || m->v3_changed) {
		m->v3_changed = false;
		m->version++;
		if (m->on_version != NULL)
			m->on_version(m->cb_ctx);
	}
}

void mon_charge(struct monitor *m, uint64_t work)
{
	m->work += work;
	if (m->next_rebuild_ms < m->now_ms)
		m->next_rebuild_ms = m->now_ms;
	m->next_rebuild_ms += work * 1000 / m->c.rebuild_work_per_s;
}

const struct topo *mon_topology(struct monitor *m)
{
	uint64_t work;

	if (m->topo != NULL || m->version == 0 || m->live == NULL)
		return m->topo;
	work = topo_live_work(m->live);
	m->topo = topo_live_topo(m->live, m->topo_ms);
	work = topo_live_work(m->live) - work;
	m->live_work += work;
	mon_charge(m, work);
	if (m->topo == NULL) {
		log_warnx("out of memory making the topology document");
		return NULL;
	}
	m->topo->lsas_refused = m->comp.lsas_refused;
	m->topo->unverified = m->comp.unverified;
	m->topo->authenticated = m->comp.authenticated;
	if (m->topo6 != NULL && (m->topo6->nr > 0 || m->topo6->np > 0 || m->topo6->nm > 0))
		m->topo->v6 = m->topo6;  /* a network with OSPFv3 */
	return m->topo;
}

void mon_baseline(struct monitor *m)
{
	lsdb_age(m->db, m->now_ms, NULL, NULL);
	if (!live_load(m)) {
		log_warnx("out of memory building the topology; will retry");
		m->dirty = true;
		m->dirty_since = m->now_ms;
		return;
	}
	m->v3_changed = true;          /* the OSPFv3 topology too, without events */
	rebuild(m, false);
}

/* The LSA of key (area as received, type, ls_id, adv) is now l (NULL: gone). */
static void live_set(struct monitor *m, uint32_t area, uint8_t type, uint32_t ls_id,
                     uint32_t adv, const struct lsa *l)
{
	if (m->live != NULL)
		topo_live_set(m->live, lsdb_scope(area, type), type, ls_id, adv, l);
}

static void on_aged(void *ctx, const struct lsdb_entry *e)
{
	struct monitor *m = ctx;

	if (!e->lsa.h.v3)
		live_set(m, e->area, (uint8_t)e->lsa.h.type, e->lsa.h.ls_id, e->lsa.h.adv_router,
		         NULL);
	else
		m->v3_changed = true;
	if (!m->dirty) {
		m->dirty = true;
		m->dirty_since = m->now_ms;
	}
}

void mon_tick(struct monitor *m, uint64_t now_ms, bool force)
{
	if (now_ms > m->now_ms)
		m->now_ms = now_ms;
	lsdb_age(m->db, m->now_ms, on_aged, m);      /* O(log n) an LSA aged out */
	if (m->now_ms / 1000 != m->aged_s) {
		m->aged_s = m->now_ms / 1000;
		evlog_tick(m->ev, m->now_ms);
	}
	if (m->dirty && (force || (m->now_ms - m->dirty_since >= m->c.hold_ms &&
	                           m->now_ms >= m->next_rebuild_ms)))
		rebuild(m, true);
}

static void mark_dirty(struct monitor *m)
{
	if (!m->dirty) {
		m->dirty = true;
		m->dirty_since = m->now_ms;
	}
}

/* The key of `key_id` for `area`: one configured for the area before one
 * for every area; NULL if none.  *keyed: the area has keys at all. */
static const struct mon_key *key_for(const struct monitor *m, uint32_t area, uint8_t key_id,
                                     bool *keyed)
{
	const struct mon_key *any = NULL;

	*keyed = false;
	for (unsigned i = 0; i < m->c.nkeys; i++) {
		const struct mon_key *k = &m->c.keys[i];
		if (!k->any_area && k->area != area)
			continue;
		*keyed = true;
		if (k->key_id != key_id)
			continue;
		if (!k->any_area)
			return k;
		if (any == NULL)
			any = k;
	}
	return any;
}

/*
 * RFC 2328 D.3: a neighbour's cryptographic sequence numbers never
 * decrease.  Check p's against the last accepted from the same router id
 * and source address in the same area, then remember it.  A neighbour
 * unheard (nothing accepted) for MON_SEQ_FORGET_MS is forgotten; when the
 * table is full the one accepted longest ago makes room.  Only packets that
 * verified come here, so the table holds key holders only.  *since_ms: when
 * the neighbour was first heard (lsdb_install_from).
 * Cost: O(MON_MAX_NEIGHBORS).
 */
static enum ospf_status seq_check(struct monitor *m, const struct ospf_pkt *p, uint32_t src,
                                  uint64_t *since_ms)
{
	struct mon_nbr *n = NULL, *oldest = NULL;
	uint64_t first = m->now_ms;

	for (unsigned i = 0; i < m->nnbr; i++) {
		struct mon_nbr *x = &m->nbr[i];
		if (x->area == p->h.area_id && x->router_id == p->h.router_id && x->addr == src) {
			n = x;
			break;
		}
		if (oldest == NULL || x->accepted_ms < oldest->accepted_ms)
			oldest = x;
	}
	if (n != NULL && m->now_ms - n->accepted_ms < MON_SEQ_FORGET_MS) {
		if (p->h.crypto_seq < n->seq)
			return OSPF_AUTH_REPLAYED;
		first = n->first_ms;
	}
	if (n == NULL)
		n = m->nnbr < MON_MAX_NEIGHBORS ? &m->nbr[m->nnbr++] : oldest;
	*n = (struct mon_nbr){ p->h.area_id, p->h.router_id, src, p->h.crypto_seq, m->now_ms,
	                       first };
	*since_ms = first;
	return OSPF_OK;
}

/*
 * The authentication policy for packet p (decoded from buf[0..len), sent
 * from src): OSPF_OK to accept it (counted verified or unverified), or the
 * drop reason.  Cost: O(len) (the digest) + seq_check.
 */
static enum ospf_status auth_check(struct monitor *m, const struct ospf_pkt *p, size_t len,
                                   uint32_t src, uint64_t *since_ms)
{
	const struct mon_key *k;
	enum ospf_status st;
	bool keyed;

	*since_ms = 0;
	k = key_for(m, p->h.area_id, p->h.key_id, &keyed);
	if (!keyed) {
		if (p->h.autype == OSPF_AUTH_CRYPTO && !m->warned_unverified) {
			char an[16];
			ip4_format(p->h.area_id, an);
			log_warnx("area %s uses cryptographic authentication and no key is configured "
			          "for it: its packets are accepted unverified, the view is "
			          "unauthenticated", an);
			m->warned_unverified = true;
		}
		m->auth_unverified++;
		return OSPF_OK;
	}
	if (p->h.autype != OSPF_AUTH_CRYPTO)
		return OSPF_AUTH_MISSING;
	if (k == NULL)
		return OSPF_AUTH_NO_KEY;
	if ((st = ospf_auth_verify(p, len, k->alg, k->key, k->keylen)) != OSPF_OK)
		return st;
	if ((st = seq_check(m, p, src, since_ms)) != OSPF_OK)
		return st;
	m->auth_verified++;
	return OSPF_OK;
}

/* An LSA the database had no room for: counted (lsdb stats), logged at
 * most once every 10 s, and the view marked incomplete at the next rebuild. */
static void lsa_refused(struct monitor *m, const struct lsa *l)
{
	char id[16], adv[16];

	ip4_format(l->h.ls_id, id);
	ip4_format(l->h.adv_router, adv);
	log_ratelimited(&m->rl_full, m->now_ms, "the link-state database is full (%u LSAs): "
	                "refused the type-%u LSA %s from %s (%llu refused in all); the view is "
	                "incomplete", lsdb_stats(m->db)->entries, l->h.type, id, adv,
	                (unsigned long long)lsdb_stats(m->db)->installed[LSDB_FULL]);
	mark_dirty(m);
}

/* An instance a tombstone refuses (lib/lsdb.h): a delayed or replayed LS
 * Update.  Counted (lsdb stats),
 * logged through the drop limiter; nothing else is touched. */
static void lsa_stale(struct monitor *m, const struct lsa *l, uint32_t src)
{
	char id[16], adv[16], from[16];

	ip4_format(l->h.ls_id, id);
	ip4_format(l->h.adv_router, adv);
	ip4_format(src, from);
	log_ratelimited(&m->rl, m->now_ms, "refused the type-%u LSA %s from %s (sequence "
	                "number 0x%08x) sent by %s: not newer than its instance flushed or aged "
	                "out (for the hour at that number, for %u ms below it), a delayed or "
	                "replayed LS Update (%llu refused in all)",
	                l->h.type, id, adv, (uint32_t)l->h.seq, from, LSDB_FLUSH_HOLD_MS,
	                (unsigned long long)lsdb_stats(m->db)->installed[LSDB_STALE]);
}

/* What installing LSA l (sent from src; 0: not an IPv4 address) did: a
 * change marks the database dirty, a refusal is counted and logged.  True
 * when the LSA was added, changed or flushed. */
static bool installed(struct monitor *m, enum lsdb_result r, const struct lsa *l, uint32_t src)
{
	switch (r) {
	case LSDB_ADDED:
	case LSDB_CHANGED:
	case LSDB_FLUSHED:
		mark_dirty(m);
		return true;
	case LSDB_FULL:
		lsa_refused(m, l);
		return false;
	case LSDB_STALE:
		lsa_stale(m, l, src);
		return false;
	default:
		return false;
	}
}

/* An OSPFv3 packet (the IPv6 payload of pi in fr): checked, its LSAs into
 * the database.  Cost: O(its length) + the installs. */
static void frame6(struct monitor *m, const struct cap_frame *fr, const struct pkt_info *pi)
{
	struct ospf6_pkt p;
	enum ospf6_status st;

	if ((st = ospf6_decode(fr->data + pi->l4_off, pi->l4_len, &p)) != OSPF6_OK ||
	    (st = ospf6_checksum_verify(&p, pi->src.b, pi->dst.b)) != OSPF6_OK) {
		char rid[16], src[INET6_ADDRSTRLEN];
		m->drops6[st]++;
		ip4_format(p.h.router_id, rid);     /* 0.0.0.0 when undecoded */
		inet_ntop(AF_INET6, pi->src.b, src, sizeof(src));
		log_ratelimited(&m->rl, m->now_ms, "dropped an OSPFv3 packet from %s (router id %s): "
		                "%s", src, rid, ospf6_status_name(st));
		return;
	}
	if (p.h.instance_id >= 32) {      /* RFC 5838: not an IPv6 unicast instance */
		m->other_af++;
		return;
	}
	m->ospf6_pkts++;
	m->auth_unverified++;
	m->by_type[p.h.type]++;
	if (p.h.type != OSPF6_LSU)
		return;
	size_t off = 0;
	struct lsa6 l6;
	struct lsa l;
	while (ospf6_lsu_next(&p, &off, &l6) == OSPF6_OK) {
		lsdb_lsa6(&l6, &l);
		if (installed(m, lsdb_install(m->db, p.h.area_id, &l, m->now_ms, NULL), &l, 0))
			m->v3_changed = true;
	}
}

/* One captured frame: IPv4 protocol 89 -> OSPF -> LSAs into the LSDB; IPv6
 * next header 89 -> OSPFv3 (frame6). */
void mon_frame(void *ctx, const struct cap_frame *fr)
{
	struct monitor *m = ctx;
	struct pkt_info pi;
	struct ospf_pkt p;
	enum ospf_status st;
	uint64_t since_ms;

	m->frames++;
	mon_tick(m, fr->ts_ms, false);
	if (pkt_decode(m->dlt, fr->data, fr->caplen, fr->wirelen, &pi) != PKT_OK ||
	    (pi.af != AF_INET && pi.af != AF_INET6) || pi.proto != 89 ||
	    pi.frag != PKT_FRAG_NONE) {
		m->not_ospf++;
		return;
	}
	if (pi.af == AF_INET6) {
		frame6(m, fr, &pi);
		return;
	}
	if ((st = ospf_decode(fr->data + pi.l4_off, pi.l4_len, &p)) != OSPF_OK ||
	    (st = auth_check(m, &p, pi.l4_len, be32(pi.src.b), &since_ms)) != OSPF_OK) {
		char rid[16], src[16];
		m->drops[st]++;
		ip4_format(p.h.router_id, rid);
		ip4_format(be32(pi.src.b), src);
		log_ratelimited(&m->rl, m->now_ms, "dropped an OSPF packet from %s (router id %s): %s",
		                src, rid, ospf_status_name(st));
		return;
	}
	m->ospf_pkts++;
	m->by_type[p.h.type]++;
	if (p.h.type == OSPF_LSU) {
		size_t off = 0;
		struct lsa l;
		while (ospf_lsu_next(&p, &off, &l) == OSPF_OK) {
			enum lsdb_result r = lsdb_install_from(m->db, p.h.area_id, &l, m->now_ms,
			                                       since_ms, NULL);
			if (installed(m, r, &l, be32(pi.src.b)))
				live_set(m, p.h.area_id, (uint8_t)l.h.type, l.h.ls_id, l.h.adv_router,
				         r == LSDB_FLUSHED ? NULL : &l);
		}
	}
}

void mon_log_stats(const struct monitor *m)
{
	const struct lsdb_stats *ls = lsdb_stats(m->db);
	struct evlog_stats es;
	uint64_t dropped = 0, dropped6 = 0, events = 0;

	for (int i = 1; i < OSPF_STATUS_MAX; i++)
		dropped += m->drops[i];
	for (int i = 1; i < OSPF6_STATUS_MAX; i++)
		dropped6 += m->drops6[i];
	evlog_stats(m->ev, &es);
	for (int i = 0; i < TE_MAX; i++)
		events += es.events[i];
	log_info("stats frames=%" PRIu64 " not-ospf=%" PRIu64 " ospf=%" PRIu64
	         " dropped=%" PRIu64 " hello=%" PRIu64 " dd=%" PRIu64 " lsr=%" PRIu64
	         " lsu=%" PRIu64 " lsack=%" PRIu64 " lsas=%u lsdb-bytes=%" PRIu64 " changes=%" PRIu64 " refreshes=%" PRIu64
	         " version=%" PRIu64 " events=%" PRIu64 " flapping=%u routers=%u"
	         " missing-routers=%u missing-networks=%u lsdb-full=%" PRIu64
	         " lsdb-stale-refused=%" PRIu64 " lsdb-tombstones=%u"
	         " lsdb-tombstones-evicted=%" PRIu64
	         " auth-verified=%" PRIu64 " auth-unverified=%" PRIu64 " rebuilds=%u"
	         " rebuild-work=%" PRIu64 " flap-untracked=%" PRIu64 " events-lost=%" PRIu64
	         " ospf6=%" PRIu64 " ospf6-dropped=%" PRIu64 " ospf6-other-af=%" PRIu64,
	         m->frames, m->not_ospf,
	         m->ospf_pkts, dropped, m->by_type[1], m->by_type[2], m->by_type[3],
	         m->by_type[4], m->by_type[5], ls->entries, ls->bytes,
	         ls->installed[LSDB_ADDED] + ls->installed[LSDB_CHANGED] + ls->installed[LSDB_FLUSHED],
	         ls->installed[LSDB_REFRESHED], m->version, events, es.flapping_now,
	         m->comp.routers, m->comp.missing_routers, m->comp.missing_networks,
	         ls->installed[LSDB_FULL], ls->installed[LSDB_STALE], ls->tombstones,
	         ls->tombstones_evicted, m->auth_verified, m->auth_unverified, m->rebuilds,
	         m->work, es.untracked, m->events_lost, m->ospf6_pkts, dropped6, m->other_af);
	if (dropped > 0) {
		for (int i = 1; i < OSPF_STATUS_MAX; i++)
			if (m->drops[i] > 0)
				log_info("dropped %" PRIu64 " OSPF packets: %s", m->drops[i],
				         ospf_status_name((enum ospf_status)i));
	}
	for (int i = 1; i < OSPF6_STATUS_MAX; i++)
		if (m->drops6[i] > 0)
			log_info("dropped %" PRIu64 " OSPFv3 packets: %s", m->drops6[i],
			         ospf6_status_name((enum ospf6_status)i));
}
