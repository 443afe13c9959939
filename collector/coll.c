/*
 * The collector's core (see coll.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "be.h"
#include "coll.h"
#include "dedup.h"
#include "hash.h"
#include "infer.h"
#include "ipfix_in.h"
#include "log.h"
#include "nf5.h"
#include "place.h"
#include "sbuf.h"

#define V5_ENGINES 16                /* engines tracked per transport session */
#define V5_REORDER_WINDOW 100000     /* records: a smaller step back is reordering */
#define PRODUCTIVE_MS (5 * 60 * 1000) /* a record as recent: not given up */
#define XP_DOMAINS 64                /* v9/IPFIX domains per transport session */

struct v5seq {
	uint16_t engine;             /* engine_type << 8 | engine_id */
	uint32_t next;               /* expected flow_sequence */
	uint64_t lost;               /* counted so far (reordering gives back) */
};

struct xaddr;
struct xp;

/*
 * The lists a UDP transport session is on, each doubly linked, the most
 * recently moved at the head (TCP sessions are on none: they end with
 * their connections):
 *   LK_ALL    c->xl[productive]: every UDP session; [0] by last datagram,
 *             [1] by last record accounted (rec_seq);
 *   LK_SESS   c->xs[productive]: those holding v9/IPFIX state, in the same
 *             order; but one that gets its state after it has accounted a
 *             record, whose place in xs[1] would be anywhere, waits in the
 *             heap c->pend (by rec_seq) until its next record puts it at
 *             the head of xs[1];
 *   LK_ADDR   xaddr.ul: the UDP sessions of its address, by last datagram;
 *   LK_ASESS  xaddr.sl: of them, those holding v9/IPFIX state.
 * So the session to give up is at a list's tail (or the heap's root),
 * whichever kind is asked for, and victim_of() never walks past sessions
 * of the wrong kind.
 */
enum { LK_ALL, LK_SESS, LK_ADDR, LK_ASESS, LK_N };
struct xlink { struct xp *prev, *next; };
struct xlist { struct xp *head, *tail; };

/* A transport session: UDP from an address and port, or a TCP connection. */
struct xp {
	struct xp *next;             /* hash chain */
	struct xaddr *xa;            /* its address */
	struct xp *aprev, *anext;    /* the sessions of that address */
	int af;
	union anm_addr addr;
	uint16_t port;
	uint64_t conn;               /* TCP connection id, 0 for UDP */
	uint64_t last_ms;            /* last datagram */
	uint64_t last_rec_ms;        /* last record accounted, 0 none yet */
	struct xlink lk[LK_N];       /* UDP: on the lists above */
	uint8_t on;                  /* which: bit LK_x */
	uint64_t rec_seq;            /* order of the last move to the head of xl[1] */
	size_t pend;                 /* index in c->pend + 1, 0: not there */
	bool productive;             /* has accounted a record */
	struct v5seq v5[V5_ENGINES];
	unsigned nv5;
	struct ipfix_session *sess;
	uint32_t router;             /* the router with the exporter's address, */
	uint64_t router_swap;        /* for topology number router_swap (0: none yet) */
	/* lost counts of the session's domains already moved to the table */
	struct { uint32_t domain; uint64_t lost; } rep[XP_DOMAINS];
	unsigned nrep;
};

/* An exporter: a source address, with its transport sessions (UDP ports,
 * TCP connections) and its share of the template memory. */
struct xaddr {
	struct xaddr *next;          /* hash chain */
	int af;
	union anm_addr addr;
	struct ipfix_owner *owner;
	struct xp *sessions;
	unsigned nudp;               /* UDP sessions among them */
	struct xlist ul, sl;         /* of them (LK_ADDR, LK_ASESS) */
	struct xaddr *cprev, *cnext; /* nudp >= 2: on c->crowd[nudp] */
	uint32_t *dom;               /* the domains counted apart, max_domains */
	unsigned ndom;
	unsigned group;              /* its probe group + 1, 0: none */
	/* found reporting the same flows as another (auto_duplicate): that
	 * one, records of it matched and records since it was first matched;
	 * grouped: its records are duplicates while that one reports */
	int dup_af;
	union anm_addr dup_addr;
	uint64_t nmatch, nrec;
	bool grouped;
	uint64_t last_ms;            /* its last record counted where it entered */
	bool kept;                   /* no session, kept for the above (xa_put) */
};

/* A probe group's state (coll_conf.groups). */
struct group {
	struct coll_group g;
	int af;                      /* its source: af 0 none yet */
	union anm_addr src;
	uint64_t src_ms;             /* the source's last record */
};

struct coll {
	struct coll_conf conf;
	struct coll_map *map;
	struct coll_map *smap;       /* from SNMP (coll_set_points) */
	unsigned nsmap;
	struct group *groups;
	struct coll_member *members;
	uint32_t *exporting;         /* routers with role entries, sorted */
	unsigned nexporting;
	/* where traffic is observed as it enters a router (set_observed):
	 * its inputs with a core point, (router, neighbour, 0) or (router, 0,
	 * network), sorted; the routers with an edge or probe point (traffic
	 * from outside); and, with a topology, those observed on every input
	 * and from outside */
	struct obs_in { uint32_t router, from, net; } *inputs;
	unsigned ninputs;
	uint32_t *edged, *full;
	unsigned nedged, nfull;
	uint32_t *whole;             /* routers with a role "router" entry, sorted */
	unsigned nwhole;
	struct infer *inf;           /* their interfaces, inferred */
	struct dedup *dd;            /* fingerprints of records counted whole */
	size_t nkept;                /* address entries kept without a session */
	size_t nactive;              /* addresses with such records in the window
	                                (some gone, until the next flush) */
	bool noting;                 /* fingerprints noted, not in the table */
	int ring_af;                 /* the exporter whose fingerprints are noted
	                                (by value: its entry may go), 0: none */
	union anm_addr ring_addr;
	/* their records held until their interface is decided (inferred_point),
	 * in arrival order: a ring of COLL_HELD_MAX slots, nheld of them from
	 * hhead on in use (some dead: nlive are not) */
	struct held {
		struct infer_key k;
		uint32_t router;
		bool live;
		uint64_t flush;          /* c->flushes when held */
		uint64_t ms;             /* when it came */
		uint64_t bytes, packets;
		struct anm_flow f;
	} *held;
	size_t hhead, nheld, nlive;
	uint64_t flushes;            /* coll_release_held calls */
	struct coll_prefix *allow;
	struct xp **tab;
	struct xaddr **atab;         /* addresses, tabsize slots */
	size_t tabsize, nxp;
	/* UDP transport sessions: [0] that never accounted a record, least
	 * recently seen last; [1] that did, least recently productive last;
	 * xs: those of them holding v9/IPFIX state (LK_SESS) */
	struct xlist xl[2], xs[2];
	/* addresses by their number of UDP sessions n >= 2: crowd[n], of
	 * max_exporters + 1; most: the largest n with some (< 2: none) */
	struct xaddr **crowd;
	size_t most;
	/* productive UDP sessions that got v9/IPFIX state after their last
	 * record (LK_SESS): a binary heap by rec_seq, of max_exporters */
	struct xp **pend;
	size_t npend;
	uint64_t rec_seq;            /* the last given */
	uint64_t now_ms;             /* of the datagram being read (reclaim) */
	struct ipfix_budget *budget; /* template memory */
	uint64_t last_evicted;       /* budget's evicted count last logged */
	uint64_t seed;
	struct placer *placer;
	struct lsdb *db;             /* the placer's database */
	struct agg interval;
	struct coll_stats st;
	struct coll_stats gone;      /* domain sums of the sessions freed */
	struct ipfix_limits lim;
	uint64_t last_flush_ms;
	struct {                     /* the datagram being accounted (acc_flush) */
		struct xp *x;
		uint32_t domain;
		uint64_t bytes, packets, flows;         /* every record: the exporter's */
		uint64_t cbytes, cpackets, cflows;      /* those counted: the total's */
	} acc;
	struct place_out out;        /* scratch */
	struct place_out up;         /* scratch: the path upstream (upstream()) */
	struct ratelim rl;
	uint64_t v5_sampling_rejected;
	/* choosing transport sessions to give up (coll_victim_work) */
	uint64_t victim_choices, victim_steps;
};

static const char *drop_names[CD_MAX] = {
	"not-allowed", "too-short", "version", "exporters-full", "bad-v5", "bad-ipfix",
	"template-memory",
};

const char *coll_drop_name(enum coll_drop d)
{
	return d < CD_MAX ? drop_names[d] : "?";
}

/* --- addresses ------------------------------------------------------------- */

/* The sender as (af, address, port); v4-mapped IPv6 becomes IPv4. */
static void sender_of(const struct sockaddr *sa, int *af, union anm_addr *a, uint16_t *port)
{
	memset(a, 0, sizeof(*a));
	*af = 0;
	*port = 0;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		*af = AF_INET;
		memcpy(a->b, &s4->sin_addr, 4);
		*port = ntohs(s4->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		*port = ntohs(s6->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			*af = AF_INET;
			memcpy(a->b, &s6->sin6_addr.s6_addr[12], 4);
		} else {
			*af = AF_INET6;
			memcpy(a->b, &s6->sin6_addr, 16);
		}
	}
}

static bool in_prefix(int af, const union anm_addr *a, const struct coll_prefix *p)
{
	unsigned full = p->plen / 8, rest = p->plen % 8;

	if (af != p->af)
		return false;
	if (memcmp(a->b, p->addr.b, full) != 0)
		return false;
	return rest == 0 || ((a->b[full] ^ p->addr.b[full]) & (0xff << (8 - rest)) & 0xff) == 0;
}

static bool allowed(const struct coll *c, int af, const union anm_addr *a)
{
	if (c->allow == NULL)
		return true;
	for (unsigned i = 0; i < c->conf.nallow; i++)
		if (in_prefix(af, a, &c->allow[i]))
			return true;
	return false;
}

/* --- the exporter table ---------------------------------------------------- */

struct xp_key {
	uint64_t conn;
	union anm_addr addr;
	uint32_t af, port;
};

static size_t xp_slot(const struct coll *c, int af, const union anm_addr *a, uint16_t port,
                      uint64_t conn)
{
	struct xp_key k;

	memset(&k, 0, sizeof(k));
	k.conn = conn;
	k.addr = *a;
	k.af = (uint32_t)af;
	k.port = port;
	return (size_t)hash_words(&k, sizeof(k), c->seed) & (c->tabsize - 1);
}

/* Add the domain counters of session s to t. */
static void sum_domain(void *ctx, const struct ipfix_domain_stats *d)
{
	struct coll_stats *t = ctx;

	t->domains++;
	t->templates += d->templates_active;
	t->templates_added += d->templates_added;
	t->templates_withdrawn += d->templates_withdrawn;
	t->template_errors += d->template_errors;
	t->no_template_sets += d->no_template_sets;
	t->bad_sets += d->bad_sets;
	t->reserved_sets += d->reserved_sets;
	t->options_records += d->options_records;
	t->no_address_records += d->no_address_records;
	t->sampling_rejected += d->sampling_rejected;
	t->fields_skipped += d->fields_skipped;
	t->value_overflows += d->value_overflows;
}

/* --- exporters: source addresses ------------------------------------------- */

static size_t xa_slot(const struct coll *c, int af, const union anm_addr *a)
{
	return xp_slot(c, af, a, 0, UINT64_MAX);
}

/* The address entry of (af, a), created if need be (NULL: out of memory). */
static struct xaddr *xa_get(struct coll *c, int af, const union anm_addr *a)
{
	size_t i = xa_slot(c, af, a);
	struct xaddr *e;

	for (e = c->atab[i]; e; e = e->next)
		if (e->af == af && memcmp(&e->addr, a, sizeof(*a)) == 0) {
			if (e->kept) {
				e->kept = false;
				c->nkept--;
			}
			return e;
		}
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	if ((e->owner = ipfix_owner_new(c->budget)) == NULL ||
	    (e->dom = malloc(c->conf.max_domains * sizeof(*e->dom))) == NULL) {
		if (e->owner)
			ipfix_owner_free(e->owner);
		free(e);
		return NULL;
	}
	e->af = af;
	e->addr = *a;
	for (unsigned k = 0; k < c->conf.nmembers; k++)
		if (c->members[k].af == af && memcmp(&c->members[k].addr, a, sizeof(*a)) == 0)
			e->group = c->members[k].group + 1;
	e->next = c->atab[i];
	c->atab[i] = e;
	return e;
}

/* Whether a record of x is its probe group's duplicate: x's address is a
 * member and not the source (a new source when there was none, or when
 * the source has been silent too long).  O(1). */
static bool duplicate(struct coll *c, const struct xp *x, uint64_t now_ms)
{
	struct group *g;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	if (x->xa->group == 0)
		return false;
	g = &c->groups[x->xa->group - 1];
	if (g->af == x->af && memcmp(&g->src, &x->addr, sizeof(g->src)) == 0) {
		g->src_ms = now_ms;
		return false;
	}
	if (g->af != 0 && now_ms < g->src_ms + g->g.silent_ms)
		return true;
	inet_ntop(x->af, x->addr.b, a, sizeof(a));
	if (g->af != 0) {
		inet_ntop(g->af, g->src.b, b, sizeof(b));
		log_info("probe group %s: %s counted from now on (%s silent for %" PRIu64 " s)",
		         g->g.name, a, b, (now_ms - g->src_ms) / 1000);
	} else {
		log_info("probe group %s: %s counted (the first member heard)", g->g.name, a);
	}
	g->af = x->af;
	g->src = x->addr;
	g->src_ms = now_ms;
	return false;
}

/* The address's entry, or NULL.  O(1) expected. */
static struct xaddr *xa_find(const struct coll *c, int af, const union anm_addr *a)
{
	for (struct xaddr *e = c->atab[xa_slot(c, af, a)]; e; e = e->next)
		if (e->af == af && memcmp(&e->addr, a, sizeof(*a)) == 0)
			return e;
	return NULL;
}

/*
 * Whether record f of x, about to be counted where its flow entered, is a
 * record another exporter already reported (dedup.h): the same flow key
 * and counts within the window.  While one exporter alone has such records
 * (a single probe), its fingerprints are only noted (dedup_note), and put
 * in the table when another one comes: a look-up costs a cache miss a
 * record (a quarter of the single probe's throughput, bench/RESULTS.md).
 * An exporter whose records are such
 * duplicates of one other for COLL_AUTO_MATCHES records, 90 % of its
 * records since, is grouped with it (logged): its records are duplicates
 * from then on (also those of long flows the two cut into records apart),
 * until that one has been silent for COLL_GROUP_SILENT_MS.  O(1).
 */
/* Put the fingerprints noted into the table, as their exporter's. */
static void load_notes(struct coll *c, uint64_t now_ms)
{
	dedup_load(c->dd, c->ring_af, c->ring_af ? &c->ring_addr : NULL, now_ms,
	           c->conf.dedup_window_ms);
	c->ring_af = 0;
}

static bool auto_duplicate(struct coll *c, struct xaddr *e, const struct anm_flow *f,
                           uint64_t now_ms)
{
	struct xaddr *p;
	union anm_addr by;
	int by_af;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	if (e->last_ms == 0 || now_ms > e->last_ms + c->conf.dedup_window_ms) {
		if (++c->nactive == 1)      /* alone: note */
			c->noting = true;
	}
	if (now_ms > e->last_ms)         /* (a held record is older) */
		e->last_ms = now_ms;
	/* another came, or the notes are another's (one whose entry went, its
	 * sessions closed, still in the window): compare */
	if (c->noting && (c->nactive >= 2 ||
	                  (c->ring_af != 0 && (c->ring_af != e->af ||
	                                       memcmp(&c->ring_addr, &e->addr, sizeof(e->addr)) != 0)))) {
		load_notes(c, now_ms);
		c->noting = false;
	}
	if (e->grouped) {
		p = xa_find(c, e->dup_af, &e->dup_addr);
		if (p != NULL && now_ms < p->last_ms + COLL_GROUP_SILENT_MS) {
			c->st.auto_duplicates++;
			return true;
		}
		inet_ntop(e->af, e->addr.b, a, sizeof(a));
		inet_ntop(e->dup_af, e->dup_addr.b, b, sizeof(b));
		log_info("exporter %s counted again: %s, which reports the same flows, has been "
		         "silent for %u s", a, b, COLL_GROUP_SILENT_MS / 1000);
		e->grouped = false;
		e->nmatch = e->nrec = 0;
	}
	if (c->noting) {                 /* alone: nothing to compare with yet */
		c->ring_af = e->af;
		c->ring_addr = e->addr;
		dedup_note(c->dd, dedup_fingerprint(c->dd, f), now_ms);
		return false;
	}
	e->nrec++;
	if (!dedup_check(c->dd, dedup_fingerprint(c->dd, f), e->af, &e->addr, now_ms,
	                 c->conf.dedup_window_ms, &by, &by_af))
		return false;
	c->st.auto_duplicates++;
	if (e->dup_af != by_af || memcmp(&e->dup_addr, &by, sizeof(by)) != 0) {
		e->dup_af = by_af;
		e->dup_addr = by;
		e->nmatch = 0;
		e->nrec = 1;
	}
	if (++e->nmatch >= COLL_AUTO_MATCHES && e->nmatch * 100 >= e->nrec * 90 &&
	    (p = xa_find(c, by_af, &by)) != NULL && !p->grouped) {
		e->grouped = true;
		inet_ntop(e->af, e->addr.b, a, sizeof(a));
		inet_ntop(by_af, by.b, b, sizeof(b));
		log_info("exporters %s and %s report the same flows (%" PRIu64 " of %" PRIu64
		         " records): %s's are duplicates from now on (records-duplicate)",
		         a, b, e->nmatch, e->nrec, a);
	}
	return true;
}

/* Forget e once it holds no transport session. */
static void xa_free(struct coll *c, struct xaddr *e)
{
	struct xaddr **pp;

	if (e->kept)
		c->nkept--;
	for (pp = &c->atab[xa_slot(c, e->af, &e->addr)]; *pp != e; pp = &(*pp)->next)
		;
	*pp = e->next;
	ipfix_owner_free(e->owner);
	free(e->dom);
	free(e);
}

/* The address entry's duplicate state (last record, grouping) outlives
 * its sessions while it matters: an exporter whose TCP connection closes
 * and comes back, or whose partner's does, is still known for what it
 * reports.  So an entry with records counted where they entered is kept
 * (at most max_exporters of them) until that is longer ago than the
 * duplicate window and COLL_GROUP_SILENT_MS (xa_reap). */
static bool xa_matters(const struct coll *c, const struct xaddr *e, uint64_t now_ms)
{
	uint64_t keep = c->conf.dedup_window_ms > COLL_GROUP_SILENT_MS ?
	                c->conf.dedup_window_ms : COLL_GROUP_SILENT_MS;

	return e->last_ms != 0 && now_ms <= e->last_ms + keep;
}

/* Forget e once it holds no transport session (and its duplicate state no
 * longer matters, or there is no room to keep it). */
static void xa_put(struct coll *c, struct xaddr *e)
{
	if (e->sessions != NULL)
		return;
	if (!e->kept && e->last_ms != 0 && c->nkept < c->conf.max_exporters) {
		e->kept = true;
		c->nkept++;
		return;
	}
	if (!e->kept)
		xa_free(c, e);
}

/* Free the kept entries whose state no longer matters.  O(addresses). */
static void xa_reap(struct coll *c, uint64_t now_ms)
{
	for (size_t i = 0; i < c->tabsize && c->nkept > 0; i++)
		for (struct xaddr *e = c->atab[i], *n; e; e = n) {
			n = e->next;
			if (e->kept && e->sessions == NULL && !xa_matters(c, e, now_ms))
				xa_free(c, e);
		}
}

/* --- the exporter table: transport sessions --------------------------------- */

static void xp_report(struct coll *c, struct xp *x, uint64_t now_ms);

/* Take x off l, a list of kind k (LK_x) that holds it.  O(1). */
static void lk_unlink(struct xlist *l, struct xp *x, int k)
{
	struct xlink *n = &x->lk[k];

	*(n->prev ? &n->prev->lk[k].next : &l->head) = n->next;
	*(n->next ? &n->next->lk[k].prev : &l->tail) = n->prev;
	n->prev = n->next = NULL;
	x->on &= (uint8_t)~(1u << k);
}

/* Put x, on no list of kind k, at the head of l.  O(1). */
static void lk_push(struct xlist *l, struct xp *x, int k)
{
	struct xlink *n = &x->lk[k];

	n->prev = NULL;
	n->next = l->head;
	*(l->head ? &l->head->lk[k].prev : &l->tail) = x;
	l->head = x;
	x->on |= (uint8_t)(1u << k);
}

/* x to the head of l, of kind k: the list of that kind it is on, if any.
 * O(1). */
static void lk_front(struct xlist *l, struct xp *x, int k)
{
	if (l->head == x)
		return;
	if (x->on & (1u << k))
		lk_unlink(l, x, k);
	lk_push(l, x, k);
}

/* x was heard from (a datagram): its address's lists and, while it has
 * accounted no record, the unproductive ones are ordered by it.  O(1). */
static void xp_seen(struct coll *c, struct xp *x, uint64_t now_ms)
{
	x->last_ms = now_ms;
	if (x->conn != 0)
		return;
	lk_front(&x->xa->ul, x, LK_ADDR);
	if (x->sess)
		lk_front(&x->xa->sl, x, LK_ASESS);
	if (!x->productive) {
		lk_front(&c->xl[0], x, LK_ALL);
		if (x->sess)
			lk_front(&c->xs[0], x, LK_SESS);
	}
}

/* --- the heap c->pend, by rec_seq ---------------------------------------- */

static void pend_set(struct coll *c, size_t i, struct xp *x)
{
	c->pend[i] = x;
	x->pend = i + 1;
}

/* Restore the heap order around index i.  O(log n). */
static void pend_fix(struct coll *c, size_t i)
{
	struct xp *x = c->pend[i];

	while (i > 0 && c->pend[(i - 1) / 2]->rec_seq > x->rec_seq) {
		pend_set(c, i, c->pend[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	for (;;) {
		size_t m = 2 * i + 1;
		if (m >= c->npend)
			break;
		if (m + 1 < c->npend && c->pend[m + 1]->rec_seq < c->pend[m]->rec_seq)
			m++;
		if (c->pend[m]->rec_seq >= x->rec_seq)
			break;
		pend_set(c, i, c->pend[m]);
		i = m;
	}
	pend_set(c, i, x);
}

static void pend_add(struct coll *c, struct xp *x)
{
	if (c->npend >= c->conf.max_exporters)
		fatalx("coll: more sessions waiting than the table holds");
	pend_set(c, c->npend++, x);
	pend_fix(c, c->npend - 1);
}

static void pend_del(struct coll *c, struct xp *x)
{
	size_t i = x->pend - 1;

	x->pend = 0;
	if (i != --c->npend) {
		pend_set(c, i, c->pend[c->npend]);
		pend_fix(c, i);
	}
}

/* The waiting session with the oldest record, not keep_s's.  O(1): the
 * root, or the older of its children. */
static struct xp *pend_oldest(const struct coll *c, const struct ipfix_session *keep_s)
{
	struct xp *a, *b;

	if (c->npend == 0)
		return NULL;
	if (c->pend[0]->sess != keep_s)
		return c->pend[0];
	a = c->npend > 1 ? c->pend[1] : NULL;
	b = c->npend > 2 ? c->pend[2] : NULL;
	return b != NULL && b->rec_seq < a->rec_seq ? b : a;
}

/* x accounted a record: it is productive, the most recently.  O(1), and
 * O(log n) once after it got v9/IPFIX state while productive. */
static void xp_productive(struct coll *c, struct xp *x, uint64_t now_ms)
{
	x->last_rec_ms = now_ms;
	if (x->conn != 0 || (c->xl[1].head == x && (x->sess == NULL || c->xs[1].head == x)))
		return;
	if (!x->productive) {
		lk_unlink(&c->xl[0], x, LK_ALL);
		if (x->on & (1u << LK_SESS))
			lk_unlink(&c->xs[0], x, LK_SESS);
		x->productive = true;
	}
	if (x->pend)
		pend_del(c, x);
	if (c->xl[1].head != x) {
		lk_front(&c->xl[1], x, LK_ALL);
		x->rec_seq = ++c->rec_seq;
	}
	if (x->sess)
		lk_front(&c->xs[1], x, LK_SESS);
}

/* UDP session x got its v9/IPFIX state: onto the lists of those holding
 * some.  x is the last heard from (its datagram is being read): at the
 * heads of its address's list and, if unproductive, of xs[0]; if
 * productive, into c->pend.  O(1), O(log n) for the heap. */
static void xp_has_sess(struct coll *c, struct xp *x)
{
	if (x->conn != 0)
		return;
	lk_push(&x->xa->sl, x, LK_ASESS);
	if (x->productive)
		pend_add(c, x);
	else
		lk_push(&c->xs[0], x, LK_SESS);
}

/* Address e has d more UDP sessions (+1 or -1): its place in c->crowd,
 * and c->most, follow.  O(1): most falls by one at most. */
static void xa_udp(struct coll *c, struct xaddr *e, int d)
{
	struct xaddr **h;

	if (e->nudp >= 2) {
		h = &c->crowd[e->nudp];
		*(e->cprev ? &e->cprev->cnext : h) = e->cnext;
		if (e->cnext)
			e->cnext->cprev = e->cprev;
		e->cprev = e->cnext = NULL;
	}
	e->nudp = (unsigned)((int)e->nudp + d);
	if (e->nudp > c->conf.max_exporters)
		fatalx("coll: an address with %u UDP sessions, more than the table holds",
		       e->nudp);
	if (e->nudp >= 2) {
		h = &c->crowd[e->nudp];
		e->cnext = *h;
		if (*h)
			(*h)->cprev = e;
		*h = e;
		if (e->nudp > c->most)
			c->most = e->nudp;
	}
	while (c->most >= 2 && c->crowd[c->most] == NULL)
		c->most--;
}

/* Free x (already out of the hash table); its session's counters stay in
 * the sums (but not what it held). */
static void xp_free(struct coll *c, struct xp *x)
{
	struct xaddr *e = x->xa;

	if (x->sess) {
		ipfix_session_foreach_domain(x->sess, sum_domain, &c->gone);
		ipfix_session_free(x->sess);
	}
	*(x->aprev ? &x->aprev->anext : &e->sessions) = x->anext;
	if (x->anext)
		x->anext->aprev = x->aprev;
	if (x->conn == 0) {
		xa_udp(c, e, -1);
		lk_unlink(&c->xl[x->productive], x, LK_ALL);
		if (x->on & (1u << LK_SESS))
			lk_unlink(&c->xs[x->productive], x, LK_SESS);
		if (x->pend)
			pend_del(c, x);
		lk_unlink(&e->ul, x, LK_ADDR);
		if (x->on & (1u << LK_ASESS))
			lk_unlink(&e->sl, x, LK_ASESS);
	}
	free(x);
	xa_put(c, e);
}

/* Take x out of the table and free it, its lost records accounted first. */
static void xp_remove(struct coll *c, struct xp *x, uint64_t now_ms)
{
	struct xp **pp = &c->tab[xp_slot(c, x->af, &x->addr, x->port, x->conn)];

	xp_report(c, x, now_ms);
	while (*pp != x)
		pp = &(*pp)->next;
	*pp = x->next;
	xp_free(c, x);
	c->nxp--;
}

/* Why a transport session is given up. */
enum ev_kind {
	EV_UNPRODUCTIVE,             /* never accounted a record */
	EV_QUIET,                    /* none for PRODUCTIVE_MS (or more) */
	EV_CROWDED                   /* of an address holding many */
};

/* Whether x may be given up: UDP, not keep_x, not holding keep_s, and
 * holding v9/IPFIX state if with_sess. */
static bool may_go(const struct xp *x, const struct xp *keep_x,
                   const struct ipfix_session *keep_s, bool with_sess)
{
	return x->conn == 0 && x != keep_x && (!with_sess || x->sess != NULL) &&
	       (keep_s == NULL || x->sess != keep_s);
}

/* The least recently seen UDP session of e that may go (may_go); NULL if
 * none.  O(1): from the tail of e's list of the kind asked for, past
 * keep_x and keep_s's session at most. */
static struct xp *lru_of(struct coll *c, struct xaddr *e, const struct xp *keep_x,
                         const struct ipfix_session *keep_s, bool with_sess)
{
	int k = with_sess ? LK_ASESS : LK_ADDR;

	for (struct xp *x = (with_sess ? e->sl : e->ul).tail; x; x = x->lk[k].prev) {
		c->victim_steps++;
		if (may_go(x, keep_x, keep_s, with_sess))
			return x;
	}
	return NULL;
}

/*
 * A transport session to give up for a newcomer or for template memory
 * (keep_x, keep_s: a session not to take; with_sess: only one holding
 * v9/IPFIX state, to free template memory), in this order:
 *   1. one that never accounted a record: the least recently seen (junk,
 *      template floods, an exporter with nothing to say yet);
 *   2. one that has accounted none for PRODUCTIVE_MS: the longest without
 *      (idle ones among them);
 *   3. the least recently seen UDP one of the address holding the most UDP
 *      sessions, if it holds more than one (one exporter per address and
 *      port is the honest case; many ports are a flood or a
 *      misconfiguration, and cost that address only).
 * TCP sessions end with their connections.  NULL when there is none: every
 * session accounts records and is of an address of its own (the allow-list
 * is what keeps strangers out).  *kind tells which.
 * O(1), whatever the table holds: 1 and 2 are the tails of lists in that
 * order, of sessions of the kind asked for (with_sess: xs, and for 2 the
 * root of c->pend; else xl); 3 is c->crowd[c->most] (addresses holding as
 * many are equal: the one that got there last is taken) and the tail of
 * its list; at each, no more than keep_x and keep_s's session are passed
 * over.
 */
static struct xp *victim_of(struct coll *c, const struct xp *keep_x,
                            const struct ipfix_session *keep_s, bool with_sess,
                            uint64_t now_ms, enum ev_kind *kind)
{
	const struct xlist *l = with_sess ? c->xs : c->xl;
	int k = with_sess ? LK_SESS : LK_ALL;
	struct xp *x, *p;

	c->victim_choices++;
	*kind = EV_UNPRODUCTIVE;
	for (x = l[0].tail; x; x = x->lk[k].prev) {
		c->victim_steps++;
		if (may_go(x, keep_x, keep_s, with_sess))
			return x;
	}
	*kind = EV_QUIET;
	for (x = l[1].tail; x; x = x->lk[k].prev) {
		c->victim_steps++;
		if (may_go(x, keep_x, keep_s, with_sess))
			break;
	}
	if (with_sess && (p = pend_oldest(c, keep_s)) != NULL && p != keep_x &&
	    (x == NULL || p->rec_seq < x->rec_seq))
		x = p;
	if (x != NULL && x->last_rec_ms + PRODUCTIVE_MS <= now_ms)
		return x;
	*kind = EV_CROWDED;
	c->victim_steps++;
	if (c->most < 2)
		return NULL;
	return lru_of(c, c->crowd[c->most], keep_x, keep_s, with_sess);
}

/* Give up victim v for a newcomer, or for template memory; counted by
 * kind, logged (rate-limited). */
static void evict_xp(struct coll *c, struct xp *v, enum ev_kind kind, const char *why,
                     uint64_t now_ms)
{
	static const char *const kinds[] = {
		"(never a record)", "(no record for 5 minutes)", "(an address with many)"
	};
	char a[INET6_ADDRSTRLEN];

	inet_ntop(v->af, v->addr.b, a, sizeof(a));
	log_ratelimited(&c->rl, now_ms, "%s: transport session %s port %u %s forgotten", why, a,
	                (unsigned)v->port, kinds[kind]);
	switch (kind) {
	case EV_UNPRODUCTIVE: c->st.exporters_evicted_unproductive++; break;
	case EV_QUIET:        c->st.exporters_evicted++; break;
	case EV_CROWDED:      c->st.exporters_evicted_crowded++; break;
	}
	xp_remove(c, v, now_ms);
}

/* The template memory's reclaim callback (ipfix_in.h): give up a session
 * holding v9/IPFIX state, not keep, as victim_of() says.  The owner being
 * charged is never freed: it is keep's address, or that of a session being
 * made, which holds that session's transport session (without v9/IPFIX
 * state yet). */
static bool reclaim(void *ctx, const struct ipfix_session *keep)
{
	struct coll *c = ctx;
	enum ev_kind kind;
	struct xp *v = victim_of(c, NULL, keep, true, c->now_ms, &kind);

	if (v == NULL)
		return false;
	evict_xp(c, v, kind, "template memory full", c->now_ms);
	return true;
}

static struct xp *xp_get(struct coll *c, int af, const union anm_addr *a, uint16_t port,
                         uint64_t conn, uint64_t now_ms)
{
	size_t i = xp_slot(c, af, a, port, conn);
	struct xaddr *e;
	struct xp *x;

	for (x = c->tab[i]; x; x = x->next)
		if (x->conn == conn && x->port == port && x->af == af &&
		    memcmp(&x->addr, a, sizeof(*a)) == 0)
			return x;
	if (c->nxp >= c->conf.max_exporters) {
		enum ev_kind kind;
		struct xp *v = victim_of(c, NULL, NULL, false, now_ms, &kind);

		if (v == NULL)
			return NULL;
		evict_xp(c, v, kind, "exporter table full", now_ms);
		i = xp_slot(c, af, a, port, conn);
	}
	if ((e = xa_get(c, af, a)) == NULL)
		return NULL;
	if ((x = calloc(1, sizeof(*x))) == NULL) {
		xa_put(c, e);
		return NULL;
	}
	x->af = af;
	x->addr = *a;
	x->port = port;
	x->conn = conn;
	x->xa = e;
	x->anext = e->sessions;
	if (e->sessions)
		e->sessions->aprev = x;
	e->sessions = x;
	if (conn == 0) {              /* unproductive, just seen */
		xa_udp(c, e, +1);
		lk_push(&c->xl[0], x, LK_ALL);
		lk_push(&e->ul, x, LK_ADDR);
	}
	x->last_ms = now_ms;
	x->next = c->tab[i];
	c->tab[i] = x;
	c->nxp++;
	c->st.exporters++;
	return x;
}

/* --- accounting ------------------------------------------------------------ */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Observation points are kept sorted by (exporter address, domain or any,
 * interface or any), the entries of one key in the order given (the first
 * of them wins). */
static int point_addr_cmp(int af, const union anm_addr *a, const struct coll_map *m)
{
	if (af != m->af)
		return af < m->af ? -1 : 1;
	return memcmp(a, &m->addr, sizeof(*a));
}

/* What an entry matches beyond the address: (domain, interface), "any"
 * after every value. */
struct point_rest {
	uint64_t d, i;               /* the value, or 1 << 32 for any */
};

static struct point_rest point_rest(bool any_domain, uint32_t domain, bool any_if,
                                    uint32_t ifindex)
{
	return (struct point_rest){ any_domain ? 1ull << 32 : domain, any_if ? 1ull << 32 : ifindex };
}

static int rest_cmp(struct point_rest r, const struct coll_map *m)
{
	struct point_rest q = point_rest(m->any_domain, m->domain, m->any_if, m->ifindex);

	if (r.d != q.d)
		return r.d < q.d ? -1 : 1;
	return r.i < q.i ? -1 : r.i > q.i;
}

static int point_order(const void *pa, const void *pb, void *ctx)
{
	const struct coll_map *map = ctx;
	unsigned a = *(const unsigned *)pa, b = *(const unsigned *)pb;
	int c = point_addr_cmp(map[a].af, &map[a].addr, &map[b]);

	if (c == 0)
		c = rest_cmp(point_rest(map[a].any_domain, map[a].domain, map[a].any_if,
		                        map[a].ifindex), &map[b]);

	return c != 0 ? c : a < b ? -1 : a > b;
}

/* Sort map[0..n) by (address, domain, interface), keeping the order of
 * each key's entries.  -1 when out of memory (map unchanged).
 * O(n log n). */
static int sort_points(struct coll_map *map, unsigned n)
{
	unsigned *ix = malloc((n ? n : 1) * sizeof(*ix));
	struct coll_map *tmp = malloc((n ? n : 1) * sizeof(*tmp));

	if (ix == NULL || tmp == NULL) {
		free(ix);
		free(tmp);
		return -1;
	}
	for (unsigned i = 0; i < n; i++)
		ix[i] = i;
	qsort_r(ix, n, sizeof(*ix), point_order, map);
	for (unsigned i = 0; i < n; i++)
		tmp[i] = map[ix[i]];
	if (n)
		memcpy(map, tmp, n * sizeof(*map));
	free(ix);
	free(tmp);
	return 0;
}

/* The most specific entry of map[0..n) (sorted: sort_points) for x's
 * records of domain that entered by in_if, or NULL: the domain's and the
 * interface's, else any domain's for the interface, else the domain's for
 * any interface, else the address's for anything.  O(log n): every record
 * asks. */
static const struct coll_map *best_point(const struct coll_map *map, unsigned n,
                                         const struct xp *x, uint32_t domain, uint32_t in_if)
{
	static const bool anyd[4] = { false, true, false, true }, anyi[4] = { false, false, true, true };
	unsigned lo = 0, hi = n, end;

	while (lo < hi) {            /* x's entries: [lo, end) */
		unsigned mid = lo + (hi - lo) / 2;
		if (point_addr_cmp(x->af, &x->addr, &map[mid]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (hi = n, end = lo; end < hi;) {
		unsigned mid = end + (hi - end) / 2;
		if (point_addr_cmp(x->af, &x->addr, &map[mid]) >= 0)
			end = mid + 1;
		else
			hi = mid;
	}
	for (int k = 0; k < 4 && lo < end; k++) {
		struct point_rest rest = point_rest(anyd[k], domain, anyi[k], in_if);
		unsigned a = lo, b = end;
		while (a < b) {
			unsigned mid = a + (b - a) / 2;
			if (rest_cmp(rest, &map[mid]) > 0)
				a = mid + 1;
			else
				b = mid;
		}
		if (a < end && rest_cmp(rest, &map[a]) == 0)
			return &map[a];
	}
	return NULL;
}

/* The configuration's entry for the record, else the one SNMP gave (also
 * over a configured role "router" entry, which says nothing of the
 * interface). */
static const struct coll_map *point_of(const struct coll *c, const struct xp *x,
                                       uint32_t domain, uint32_t in_if)
{
	const struct coll_map *m = best_point(c->map, c->conf.nmap, x, domain, in_if), *s;

	if (m != NULL && m->role != COLL_ROLE_ROUTER)
		return m;
	s = best_point(c->smap, c->nsmap, x, domain, in_if);
	return s != NULL ? s : m;
}

static int set_observed(struct coll *c);

int coll_set_points(struct coll *c, const struct coll_map *p, unsigned n)
{
	struct coll_map *m = malloc((n ? n : 1) * sizeof(*m)), *old;
	unsigned nold;

	if (m == NULL)
		return -1;
	if (n)
		memcpy(m, p, n * sizeof(*m));
	if (sort_points(m, n) < 0) {
		free(m);
		return -1;
	}
	old = c->smap;
	nold = c->nsmap;
	c->smap = m;
	c->nsmap = n;
	if (set_observed(c) < 0) {   /* the model of the points held stays */
		c->smap = old;
		c->nsmap = nold;
		free(m);
		return -1;
	}
	free(old);
	return 0;
}

static bool in_set(const uint32_t *set, unsigned n, uint32_t r)
{
	return n > 0 && bsearch(&r, set, n, sizeof(r), cmp_u32) != NULL;
}

static int cmp_in(const void *a, const void *b)
{
	const struct obs_in *x = a, *y = b;

	if (x->router != y->router)
		return x->router < y->router ? -1 : 1;
	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	return x->net < y->net ? -1 : x->net > y->net;
}

/* Whether traffic entering router r from router `from` (over transit
 * network net, 0 for a point-to-point link) is observed there. */
static bool observed_in(const struct coll *c, uint32_t r, uint32_t from, uint32_t net)
{
	struct obs_in k = { r, from, 0 };

	if (in_set(c->whole, c->nwhole, r))
		return true;
	if (c->ninputs == 0)
		return false;
	if (bsearch(&k, c->inputs, c->ninputs, sizeof(k), cmp_in) != NULL)
		return true;
	k.from = 0;
	k.net = net;
	return net != 0 && bsearch(&k, c->inputs, c->ninputs, sizeof(k), cmp_in) != NULL;
}

/* Whether everything leaving router r was observed at r or before: with a
 * topology, r observes every input and traffic from outside; without one,
 * r has observation points with a role (taken to export on every
 * interface). */
static bool exports(const struct coll *c, uint32_t r)
{
	if (c->placer == NULL)
		return in_set(c->exporting, c->nexporting, r);
	return in_set(c->full, c->nfull, r);
}

/* The observation model from the points (configured and from SNMP) and
 * the topology: each router's observed inputs, the routers observed from
 * outside, those observed whole, and those with points with a role (what
 * exports() answers without a topology).  Cost: O(points log points +
 * routers x adjacencies); when the points or the topology change. */
static int set_observed(struct coll *c)
{
	unsigned np = c->conf.nmap + c->nsmap, ni = 0, ne = 0, nf = 0, nx = 0;
	struct obs_in *in = malloc((np + 1) * sizeof(*in));
	uint32_t *e = malloc((np + 1) * sizeof(*e)), *f = malloc((np + 1) * sizeof(*f));
	uint32_t *x = malloc((np + 1) * sizeof(*x)), *w = malloc((np + 1) * sizeof(*w));
	unsigned nw = 0;

	if (in == NULL || e == NULL || f == NULL || x == NULL || w == NULL) {
		free(in);
		free(e);
		free(f);
		free(x);
		free(w);
		return -1;
	}
	for (unsigned i = 0; i < np; i++) {
		const struct coll_map *m = i < c->conf.nmap ? &c->map[i] : &c->smap[i - c->conf.nmap];
		if (m->role == COLL_ROLE_CORE)
			in[ni++] = (struct obs_in){ m->router, m->neighbour, m->neighbour ? 0 : m->network };
		else
			e[ne++] = m->router;
		if (m->role == COLL_ROLE_ROUTER)
			w[nw++] = m->router;
		if (m->role != COLL_ROLE_INGRESS)
			x[nx++] = m->router;
	}
	qsort(in, ni, sizeof(*in), cmp_in);
	qsort(e, ne, sizeof(*e), cmp_u32);
	qsort(x, nx, sizeof(*x), cmp_u32);
	qsort(w, nw, sizeof(*w), cmp_u32);
	free(c->whole);
	c->whole = w;
	c->nwhole = nw;
	free(c->exporting);
	c->exporting = x;
	c->nexporting = nx;
	free(c->inputs);
	free(c->edged);
	c->inputs = in;
	c->ninputs = ni;
	c->edged = e;
	c->nedged = ne;
	for (unsigned i = 0; c->placer != NULL && i < ne; i++) {
		uint32_t nbr[64], net[64];
		unsigned k;
		bool whole = true;
		if (i > 0 && e[i] == e[i - 1])
			continue;
		k = placer_adjacent(c->placer, e[i], nbr, net, 64);
		if (k > 64)
			whole = false;
		for (unsigned j = 0; j < k && j < 64 && whole; j++)
			whole = observed_in(c, e[i], nbr[j], net[j]);
		if (whole)
			f[nf++] = e[i];
	}
	free(c->full);
	c->full = f;
	c->nfull = nf;
	return 0;
}

/*
 * What the path of a record's flow says of a record seen at a core
 * interface of router m->router: the links it may have entered by -- the
 * one from m->neighbour (a point-to-point interface), or each link from a
 * router on transit network m->network into m->router that the flow's path
 * uses (a LAN interface: OSPF says which of the routers on it forward the
 * flow there; when OSPF does not route it into the router by the LAN, a
 * static or policy route, the routers OSPF forwards it onto the LAN from;
 * neither neighbour nor network, an interface not known yet: each link
 * into m->router that the flow's path uses) -- each with its part of the
 * flow and the part of that no exporting router saw before.
 */
struct upstream {
	unsigned n;
	uint32_t from[PLACE_MAX_LINKS];
	double amt[PLACE_MAX_LINKS], unseen[PLACE_MAX_LINKS];
};

/*
 * Fill u for a record of flow f at core point m.  A neighbour that exports
 * saw it all (no placement).  Else the flow is placed from its source and,
 * in the topological order of its path, each router passes on, of what
 * reached it, the part no exporting router saw (none when it exports, all
 * at the entry router unless it exports).  A point-to-point link the path
 * does not use (a static route), or a flow that cannot be placed: the one
 * link, unseen (nothing says another router counted it); a LAN the path
 * does not cross, or a flow that cannot be placed: no link (u->n = 0).  Cost: at most one placement and O(links^3) steps of
 * its at most PLACE_MAX_LINKS links (a handful on real paths).
 */
static void upstream(struct coll *c, const struct anm_flow *f, const struct coll_map *m,
                     struct upstream *u)
{
	struct place_out *o = &c->up;
	struct place_in in;
	uint32_t node[PLACE_MAX_LINKS + 1];
	double amt[PLACE_MAX_LINKS + 1], unseen[PLACE_MAX_LINKS + 1], lunseen[PLACE_MAX_LINKS];
	bool done[PLACE_MAX_LINKS] = { false };
	unsigned nn = 0, left;

	u->n = 0;
	if (m->neighbour != 0) {
		u->n = 1;
		u->from[0] = m->neighbour;
		u->amt[0] = 1;
		u->unseen[0] = exports(c, m->neighbour) ? 0 : 1;
		if (u->unseen[0] == 0)
			return;
	}
	if (c->placer == NULL)
		return;
	memset(&in, 0, sizeof(in));
	in.af = f->af;
	in.src = f->src;
	in.dst = f->dst;
	in.bytes = 1ull << 40;
	if (place_flow(c->placer, &in, o) != PLACE_OK)
		return;
	node[nn] = o->ingress;
	amt[nn] = (double)in.bytes;
	unseen[nn++] = in_set(c->edged, c->nedged, o->ingress) ? 0 : (double)in.bytes;
	/* a link goes once every link into its router has gone (a DAG) */
	for (left = o->nlinks; left > 0;) {
		unsigned progress = 0;
		for (unsigned i = 0; i < o->nlinks; i++) {
			const struct place_link *l = &o->links[i];
			unsigned a, b;
			bool ready = !done[i];
			for (unsigned j = 0; ready && j < o->nlinks; j++)
				ready = done[j] || o->links[j].b != l->a;
			if (!ready)
				continue;
			for (a = 0; a < nn && node[a] != l->a; a++)
				;
			if (a == nn && nn <= PLACE_MAX_LINKS)   /* not reached: nothing arrives */
				node[nn] = l->a, amt[nn] = unseen[nn] = 0, nn++;
			for (b = 0; b < nn && node[b] != l->b; b++)
				;
			if (b == nn && nn <= PLACE_MAX_LINKS)
				node[nn] = l->b, amt[nn] = unseen[nn] = 0, nn++;
			if (a == nn || b == nn)
				return;              /* (more routers than links + 1: not a path) */
			lunseen[i] = amt[a] <= 0 ? 0 : (double)l->bytes * unseen[a] / amt[a];
			amt[b] += (double)l->bytes;
			if (!observed_in(c, l->b, l->a, l->net))
				unseen[b] += lunseen[i];
			done[i] = true;
			left--;
			progress++;
		}
		if (progress == 0)
			return;                  /* a cycle: not a path */
	}
	if (m->neighbour != 0) {
		double on = 0, not_seen = 0;
		for (unsigned i = 0; i < o->nlinks; i++)
			if (o->links[i].a == m->neighbour && o->links[i].b == m->router) {
				on += (double)o->links[i].bytes;
				not_seen += lunseen[i];
			}
		if (on > 0)
			u->unseen[0] = not_seen / on;
		return;
	}
	for (int onto = 0; onto < (m->network ? 2 : 1) && u->n == 0; onto++)
		for (unsigned i = 0; i < o->nlinks; i++) {
			const struct place_link *l = &o->links[i];
			if ((!onto && l->b != m->router) ||
			    (m->network != 0 && l->net != m->network) || l->bytes == 0 ||
			    l->a == m->router)           /* (it left by the LAN: not from it) */
				continue;
			u->from[u->n] = l->a;
			u->amt[u->n] = (double)l->bytes;
			u->unseen[u->n++] = lunseen[i];
		}
}

/* Split v among u's links in proportion to their parts, each rounded to
 * the nearest integer (the parts come from a placement in integers: equal
 * shares may differ in their last unit), adding up to v (what rounding
 * left over or took too much goes to, or comes from, the first). */
static void split(const struct upstream *u, uint64_t v, uint64_t *out)
{
	double all = 0;
	uint64_t given = 0;

	for (unsigned i = 0; i < u->n; i++)
		all += u->amt[i];
	for (unsigned i = 0; i < u->n; i++) {
		out[i] = all > 0 ? (uint64_t)((double)v * (u->amt[i] / all) + 0.5) : 0;
		if (out[i] > v - given)
			out[i] = v - given;
		given += out[i];
	}
	if (u->n > 0)
		out[0] += v - given;
}

/* The router whose interface address x sends from (IPv4), or 0; looked up
 * once per topology taken. */
static uint32_t exporter_router(struct coll *c, struct xp *x)
{
	if (c->placer == NULL || x->af != AF_INET)
		return 0;
	if (x->router_swap != c->st.placer_swaps) {
		x->router = placer_router_of(c->placer, ntohl(x->addr.w[0]));
		x->router_swap = c->st.placer_swaps;
	}
	return x->router;
}

/*
 * The key x's records of `domain` are counted under: ADDRESS/DOMAIN for the
 * first max_domains domains its address uses, ADDRESS/other (a = 1) for
 * the rest.  `records`: how many records this counts (domains_folded).
 * O(max_domains).
 */
static void exporter_key(struct coll *c, const struct xp *x, uint32_t domain,
                         uint64_t records, struct agg_key *k)
{
	struct xaddr *e = x->xa;
	unsigned i;

	agg_key_addr(k, AK_EXPORTER, x->af, &x->addr, 0);
	for (i = 0; i < e->ndom && e->dom[i] != domain; i++)
		;
	if (i == e->ndom) {
		if (e->ndom == c->conf.max_domains) {
			k->a = 1;
			c->st.domains_folded += records;
			return;
		}
		e->dom[e->ndom++] = domain;
	}
	k->b = domain;
}

static void add_lost(struct coll *c, const struct xp *x, uint32_t domain, int64_t lost,
                     uint64_t now_ms)
{
	struct agg_key k;
	struct agg_entry *e;

	exporter_key(c, x, domain, 0, &k);
	if ((e = agg_add(&c->interval, &k, 0, 0, 0)) != NULL) {
		e->v[AV_LOST] += (uint64_t)lost;    /* negative: reordering gives back */
		e->last_ms = now_ms;
	}
	agg_key_routers(&k, AK_TOTAL, 0, 0);
	if ((e = agg_add(&c->interval, &k, 0, 0, 0)) != NULL)
		e->v[AV_LOST] += (uint64_t)lost;
	c->st.lost += (uint64_t)lost;
}

/* Add what a datagram's records held to the total and to their exporter. */
static void acc_flush(struct coll *c, uint64_t now_ms)
{
	struct agg_key k;
	struct agg_entry *e;

	if (c->acc.flows == 0)
		return;
	if (c->acc.cflows > 0) {
		agg_key_routers(&k, AK_TOTAL, 0, 0);
		agg_add(&c->interval, &k, c->acc.cbytes, c->acc.cpackets, c->acc.cflows);
	}
	exporter_key(c, c->acc.x, c->acc.domain, c->acc.flows, &k);
	if ((e = agg_add(&c->interval, &k, c->acc.bytes, c->acc.packets, c->acc.flows)) != NULL)
		e->last_ms = now_ms;
	c->acc.bytes = c->acc.packets = c->acc.flows = 0;
	c->acc.cbytes = c->acc.cpackets = c->acc.cflows = 0;
}

/* The destination prefix a record is counted under when the topology does
 * not name one: the record's own mask, else /24 (IPv4) or /48 (IPv6). */
static void dst_prefix(const struct anm_flow *f, uint8_t plen, struct agg_key *k)
{
	union anm_addr a = f->dst;
	unsigned max = f->af == AF_INET ? 32 : 128, full, rest;

	if (plen == 0 || plen > max)
		plen = f->dst_mask && f->dst_mask <= max ? f->dst_mask : (f->af == AF_INET ? 24 : 48);
	full = plen / 8;
	rest = plen % 8;
	if (rest && full < 16)
		a.b[full++] &= (uint8_t)(0xff << (8 - rest));
	if (full < 16)
		memset(a.b + full, 0, 16 - full);
	agg_key_addr(k, AK_DSTPFX, f->af, &a, plen);
}

/*
 * The bytes and packets record f stands for (its counts times its sampling
 * rate) into *bytes and *packets; NULL, or why the record is absurd (see
 * COLL_MAX_RECORD_BYTES in coll.h), without computing a product that could
 * wrap.  Pure; a few divisions.
 */
static const char *scaled_counts(const struct anm_flow *f, int version, uint64_t *bytes,
                                 uint64_t *packets)
{
	uint64_t mult = f->sampling > 1 ? f->sampling : 1, most;

	if (f->packets == 0) {
		if (f->octets > 0 && version == 5)
			return "bytes without packets";
	} else if (!__builtin_mul_overflow(f->packets, COLL_MAX_PACKET_BYTES, &most) &&
	           f->octets > most) {
		return "more than 1 MiB per packet";
	}
	if (f->octets > COLL_MAX_RECORD_BYTES / mult)
		return "more than 2^52 bytes after sampling";
	if (f->packets > COLL_MAX_RECORD_PACKETS / mult)
		return "more than 2^44 packets after sampling";
	*bytes = f->octets * mult;
	*packets = f->packets * mult;
	return NULL;
}

/*
 * Where OSPF routes flow f into router r from, into set[0..max): from
 * outside (IK_EDGE alone: its source enters the OSPF domain at r), else
 * each neighbour (IK_NEIGHBOUR: a point-to-point link) and LAN
 * (IK_NETWORK) its paths come into r by; returns how many (0: it cannot
 * be placed, or its path does not cross r).  Cost: one placement (cached
 * per path) and its links.
 */
#define ROUTED_IN_MAX 8
static unsigned routed_in(struct coll *c, const struct anm_flow *f, uint32_t r,
                          struct infer_cand *set, unsigned max)
{
	struct place_out *o = &c->up;
	struct place_in in;
	unsigned n = 0;

	memset(&in, 0, sizeof(in));
	in.af = f->af;
	in.src = f->src;
	in.dst = f->dst;
	in.bytes = 1ull << 40;               /* (every equal-cost share has some) */
	if (c->placer == NULL || place_flow(c->placer, &in, o) != PLACE_OK)
		return 0;
	if (o->ingress == r) {
		set[0] = (struct infer_cand){ IK_EDGE, 0 };
		return 1;
	}
	for (unsigned i = 0; i < o->nlinks && n < max; i++) {
		const struct place_link *l = &o->links[i];
		struct infer_cand x = { l->net ? IK_NETWORK : IK_NEIGHBOUR, l->net ? l->net : l->a };
		unsigned j;
		if (l->b != r)
			continue;
		for (j = 0; j < n && (set[j].kind != x.kind || set[j].id != x.id); j++)
			;
		if (j == n)
			set[n++] = x;
	}
	return n;
}

/* An interface answer as an observation point of router r into *m. */
static void cand_point(const struct infer_cand *ic, uint32_t r, struct coll_map *m)
{
	memset(m, 0, sizeof(*m));
	m->router = r;
	m->role = ic->kind == IK_EDGE ? COLL_ROLE_EDGE : COLL_ROLE_CORE;
	m->neighbour = ic->kind == IK_NEIGHBOUR ? ic->id : 0;
	m->network = ic->kind == IK_NETWORK ? ic->id : 0;
}

/* The point of a record at interface k of router r whose flow OSPF routes
 * in by set[0..n) (routed_in), into *m: the interface's answer when
 * decided; else the one answer, or of several (equal-cost paths) the one
 * left when the others are other interfaces' decided answers, or the one
 * the interface's votes held most; else each link of its path into the
 * router (a core point without neighbour or network: upstream()).
 * O(n x the inference table). */
static const struct coll_map *guess_point(const struct coll *c, const struct infer_key *k,
                                          uint32_t r, const struct infer_cand *set,
                                          unsigned n, struct coll_map *m)
{
	const struct infer_cand *d = infer_decided(c->inf, k);
	struct infer_cand left[ROUTED_IN_MAX];
	unsigned nleft = 0;

	/* (of several, those another interface of the exporter is not known to face) */
	for (unsigned i = 0; d == NULL && n > 1 && i < n; i++)
		if (!infer_taken(c->inf, k, &set[i]))
			left[nleft++] = set[i];
	if (n > 1 && nleft > 0) {
		set = left;
		n = nleft;
	}
	if (d == NULL)
		d = n == 1 ? &set[0] : n > 1 ? infer_likeliest(c->inf, k, set, n) : NULL;
	if (d != NULL) {
		cand_point(d, r, m);
	} else {
		memset(m, 0, sizeof(*m));
		m->router = r;
		m->role = COLL_ROLE_CORE;
	}
	return m;
}

static void count_at(struct coll *c, const struct anm_flow *f, const struct coll_map *m,
                     uint32_t xr, uint64_t bytes, uint64_t packets, bool held);

/* Whether a record at point m is counted where its flow entered the
 * network, or where is not known (a router's interface with no answer
 * yet): then a record another exporter reported is a duplicate. */
static bool counted_at_entry(const struct coll_map *m)
{
	return m == NULL || m->role == COLL_ROLE_INGRESS || m->role == COLL_ROLE_EDGE ||
	       (m->role == COLL_ROLE_CORE && m->neighbour == 0 && m->network == 0);
}

static struct held *held_at(struct coll *c, size_t i)
{
	return &c->held[(c->hhead + i) % COLL_HELD_MAX];
}

/* Count held record h where it is now known (or guessed) to have come from. */
static void release_one(struct coll *c, struct held *h)
{
	struct infer_cand set[ROUTED_IN_MAX];
	struct coll_map m;
	const struct coll_map *p;
	struct xaddr *e;
	unsigned n = routed_in(c, &h->f, h->router, set, ROUTED_IN_MAX);

	h->live = false;
	c->nlive--;
	p = guess_point(c, &h->k, h->router, set, n, &m);
	if (c->dd != NULL && counted_at_entry(p) && (e = xa_find(c, h->k.af, &h->k.addr)) != NULL &&
	    e->group == 0 && auto_duplicate(c, e, &h->f, h->ms)) {
		c->st.observations[CO_DUPLICATE]++;
		return;
	}
	count_at(c, &h->f, p, 0, h->bytes, h->packets, true);
}

/* The dead slots at the ring's head are free again. */
static void held_trim(struct coll *c)
{
	while (c->nheld > 0 && !held_at(c, 0)->live) {
		c->hhead = (c->hhead + 1) % COLL_HELD_MAX;
		c->nheld--;
	}
}

/* Release the held records of interface k (NULL: every one, or with old
 * those held COLL_HELD_FLUSHES flushes ago).  O(records held). */
static void release_held(struct coll *c, const struct infer_key *k, bool old)
{
	for (size_t i = 0; i < c->nheld; i++) {
		struct held *h = held_at(c, i);
		if (h->live && (k != NULL ? memcmp(&h->k, k, sizeof(*k)) == 0 :
		                !old || h->flush + COLL_HELD_FLUSHES <= c->flushes))
			release_one(c, h);
	}
	held_trim(c);
}

/* Hold record f of interface k (router r) until the interface is decided;
 * when the ring is full, the oldest held record is counted as it can be.
 * O(1) amortised. */
static void hold(struct coll *c, const struct infer_key *k, uint32_t r,
                 const struct anm_flow *f, uint64_t bytes, uint64_t packets, uint64_t now_ms)
{
	held_trim(c);
	if (c->nheld == COLL_HELD_MAX) {
		release_one(c, held_at(c, 0));
		held_trim(c);
	}
	*held_at(c, c->nheld++) = (struct held){ *k, r, true, c->flushes, now_ms, bytes, packets, *f };
	c->nlive++;
	c->st.held++;
}

/*
 * The observation point of a record of role "router" entry rm at an
 * interface no entry maps (into *m), after this record's vote (infer.h):
 * the interface's answer when decided, else the one answer OSPF gives for
 * the record's own flow; NULL when it gives several (equal-cost paths) or
 * none: the record is held (hold) until the interface is decided.  A
 * decision counts the records held for it (logged).  Cost: routed_in.
 */
static const struct coll_map *inferred_point(struct coll *c, const struct xp *x,
                                             uint32_t domain, const struct anm_flow *f,
                                             const struct coll_map *rm, uint64_t bytes,
                                             uint64_t packets, uint64_t now_ms,
                                             struct coll_map *m)
{
	struct infer_key k;
	struct infer_cand set[ROUTED_IN_MAX];
	const struct infer_cand *d = NULL;
	unsigned n;
	int rc;

	memset(&k, 0, sizeof(k));
	k.af = x->af;
	k.addr = x->addr;
	k.domain = domain;
	k.ifindex = f->in_if;
	c->st.inferred++;
	n = routed_in(c, f, rm->router, set, ROUTED_IN_MAX);
	if (n > 0 && (rc = infer_vote(c->inf, &k, rm->router, set, n)) != 0) {
		if (rc < 0) {
			c->st.infer_full++;
		} else if ((d = infer_decided(c->inf, &k)) != NULL) {
			char a[INET6_ADDRSTRLEN], r[16], id[16];
			inet_ntop(x->af, x->addr.b, a, sizeof(a));
			ip4_format(rm->router, r);
			ip4_format(d->id, id);
			log_info("exporter %s domain %" PRIu32 " interface %" PRIu32 " (router %s): "
			         "%s%s, inferred from the traffic", a, domain, f->in_if, r,
			         d->kind == IK_EDGE ? "edge" : d->kind == IK_NEIGHBOUR ?
			         "core, facing " : "core, on LAN ", d->kind == IK_EDGE ? "" : id);
			release_held(c, &k, false);
		}
	}
	if (infer_decided(c->inf, &k) == NULL && n != 1 && c->placer != NULL) {
		hold(c, &k, rm->router, f, bytes, packets, now_ms);
		return NULL;
	}
	return guess_point(c, &k, rm->router, set, n, m);
}

void coll_release_held(struct coll *c, bool all)
{
	c->flushes++;
	if (c->nlive > 0)
		release_held(c, NULL, !all);
}

uint64_t coll_inferred_generation(const struct coll *c)
{
	return c->inf ? infer_generation(c->inf) : 0;
}

unsigned coll_inferred_points(const struct coll *c, struct coll_map *out, unsigned max,
                              uint64_t *gen)
{
	struct infer_point *all;
	unsigned total, n;

	*gen = c->inf ? infer_generation(c->inf) : 0;
	if (c->inf == NULL || (total = infer_points(c->inf, NULL, 0)) == 0 || max == 0)
		return c->inf ? infer_points(c->inf, NULL, 0) : 0;
	if ((all = malloc(total * sizeof(*all))) == NULL)
		return 0;
	infer_points(c->inf, all, total);
	n = total < max ? total : max;
	for (unsigned i = 0; i < n; i++) {
		cand_point(&all[i].c, all[i].router, &out[i]);
		out[i].af = all[i].k.af;
		out[i].addr = all[i].k.addr;
		out[i].domain = all[i].k.domain;
		out[i].ifindex = all[i].k.ifindex;
	}
	free(all);
	return total;
}

/*
 * Count record f (bytes, packets: its counts after sampling) observed at
 * point m (NULL: none; xr, the router of the exporter's address, or 0): a
 * transit record (at a core point) only in the measured load of the link
 * it entered by, for the share no observation before counted; any other
 * in the total (per datagram, acc_flush; a record held, directly), the
 * source host, the destination prefix, and the links and pair of its
 * placement or its unrouted reason.  Cost: the placement (cached per path)
 * and a handful of table updates.
 */
static void count_at(struct coll *c, const struct anm_flow *f, const struct coll_map *m,
                     uint32_t xr, uint64_t bytes, uint64_t packets, bool held)
{
	uint64_t csat = 0;
	struct agg_key k;
	uint8_t plen = 0;
	uint32_t router;
	int rc;

	if (m != NULL && m->role == COLL_ROLE_CORE) {
		struct upstream u;
		uint64_t sb[PLACE_MAX_LINKS], sp[PLACE_MAX_LINKS];
		double all = 0, not_seen = 0, share = 1;
		upstream(c, f, m, &u);
		split(&u, bytes, sb);
		split(&u, packets, sp);
		for (unsigned i = 0; i < u.n; i++) {
			agg_key_routers(&k, AK_MEASURED, u.from[i], m->router);
			agg_add(&c->interval, &k, sb[i], sp[i], 1);
			all += u.amt[i];
			not_seen += u.unseen[i];
		}
		if (u.n == 0) {
			c->st.unattributed++;
			/* no topology yet: a LAN's routers may have counted it;
			 * do not count it twice */
			if (c->placer == NULL && m->network != 0)
				share = 0;
		} else {
			share = all > 0 ? not_seen / all : 1;
		}
		if (share <= 0) {
			c->st.observations[CO_TRANSIT]++;
			return;
		}
		/* the first exporting router on its path, for its share */
		c->st.observations[CO_FIRST]++;
		if (share < 1) {
			bytes = (uint64_t)((double)bytes * share + 0.5);
			packets = (uint64_t)((double)packets * share + 0.5);
		}
		router = 0;
	} else {
		router = m != NULL ? m->router : xr;
		c->st.observations[router != 0 ? CO_COUNTED : CO_UNMAPPED]++;
	}
	if (held) {
		agg_key_routers(&k, AK_TOTAL, 0, 0);
		agg_add(&c->interval, &k, bytes, packets, 1);
	} else {                         /* (saturated once: the exporter's sums hold these) */
		c->acc.cbytes = agg_sat_add(c->acc.cbytes, bytes, &csat);
		c->acc.cpackets = agg_sat_add(c->acc.cpackets, packets, &csat);
		c->acc.cflows++;
	}
	agg_key_addr(&k, AK_SRC, f->af, &f->src, f->af == AF_INET ? 32 : 128);
	agg_add(&c->interval, &k, bytes, packets, 1);

	if (c->placer == NULL) {
		rc = PLACE_NO_TOPOLOGY;
	} else {
		struct place_in in;
		memset(&in, 0, sizeof(in));
		in.af = f->af;
		in.src = f->src;
		in.dst = f->dst;
		in.nexthop = f->nexthop;
		in.ingress = router;
		in.bytes = bytes;
		in.packets = packets;
		rc = place_flow(c->placer, &in, &c->out);
	}
	if (rc != PLACE_OK) {
		c->st.unrouted++;
		agg_key_routers(&k, AK_UNROUTED, (uint32_t)rc, 0);
		agg_add(&c->interval, &k, bytes, packets, 1);
	} else {
		c->st.routed++;
		for (unsigned i = 0; i < c->out.nlinks; i++) {
			const struct place_link *l = &c->out.links[i];
			agg_key_routers(&k, AK_LINK, l->a, l->b);
			agg_add(&c->interval, &k, l->bytes, l->packets, 1);
		}
		for (unsigned i = 0; i < c->out.npairs; i++) {
			const struct place_pair *p = &c->out.pairs[i];
			agg_key_routers(&k, AK_PAIR, p->ingress, p->egress);
			agg_add(&c->interval, &k, p->bytes, p->packets, 1);
		}
	}
	if (c->placer && c->out.dst_plen > 0) {
		union anm_addr a;
		memset(&a, 0, sizeof(a));
		if (f->af == AF_INET6)
			memcpy(a.b, c->out.dst_prefix6, 16);
		else
			a.w[0] = htonl(c->out.dst_prefix);
		plen = c->out.dst_plen;
		agg_key_addr(&k, AK_DSTPFX, f->af, &a, plen);
	}
	if (plen == 0)
		dst_prefix(f, 0, &k);
	agg_add(&c->interval, &k, bytes, packets, 1);
}


/*
 * Count record f from exporter x (observation domain or v5 engine
 * `domain`) in the interval table: the exporter (per datagram, acc_flush)
 * always; then, unless its probe group's duplicate, where it was observed
 * (point_of; inferred_point, which may hold it): count_at.  An absurd
 * record is counted only in absurd-records, and logged (rate-limited).
 * Cost: count_at's.
 */
static void account(struct coll *c, struct xp *x, uint32_t domain, int version,
                    const struct anm_flow *f, uint64_t now_ms)
{
	uint64_t bytes, packets, sat = 0;
	const struct coll_map *m;
	struct coll_map im;
	const char *why;

	if ((why = scaled_counts(f, version, &bytes, &packets)) != NULL) {
		char a[INET6_ADDRSTRLEN];
		c->st.absurd++;
		inet_ntop(x->af, x->addr.b, a, sizeof(a));
		log_ratelimited(&c->rl, now_ms, "%s record from %s: %" PRIu64 " bytes, %" PRIu64
		                " packets, sampling 1:%" PRIu32 ": %s; not counted (absurd-records)",
		                version == 5 ? "v5" : version == 9 ? "v9" : "IPFIX", a, f->octets,
		                f->packets, f->sampling > 1 ? f->sampling : 1, why);
		return;
	}
	c->st.records[version == 5 ? 0 : version == 9 ? 1 : 2]++;
	xp_productive(c, x, now_ms);
	/* the total and the exporter's counters add up per datagram */
	if (c->acc.flows && (c->acc.x != x || c->acc.domain != domain))
		acc_flush(c, now_ms);
	c->acc.x = x;
	c->acc.domain = domain;
	c->acc.bytes = agg_sat_add(c->acc.bytes, bytes, &sat);
	c->acc.packets = agg_sat_add(c->acc.packets, packets, &sat);
	c->acc.flows++;
	c->interval.saturated += sat;
	if (duplicate(c, x, now_ms)) {
		c->st.observations[CO_DUPLICATE]++;
		return;
	}
	m = point_of(c, x, domain, f->in_if);
	if (m != NULL && m->role == COLL_ROLE_ROUTER &&
	    (m = inferred_point(c, x, domain, f, m, bytes, packets, now_ms, &im)) == NULL)
		return;                      /* held until its interface is known */
	if (c->dd != NULL && x->xa->group == 0 && counted_at_entry(m) &&
	    auto_duplicate(c, x->xa, f, now_ms)) {
		c->st.observations[CO_DUPLICATE]++;
		return;
	}
	count_at(c, f, m, m != NULL ? 0 : exporter_router(c, x), bytes, packets, false);
}

/* --- NetFlow v5 ------------------------------------------------------------ */

/* f from v5 record r of header h; interval: the header's sampling rate,
 * already bounded (v5_datagram). */
static void v5_flow(const struct nf5_header *h, const struct nf5_record *r, uint32_t interval,
                    struct anm_flow *f)
{
	uint64_t export_ms = (uint64_t)h->unix_secs * 1000 + h->unix_nsecs / 1000000;

	memset(f, 0, sizeof(*f));
	f->af = AF_INET;
	f->src.w[0] = htonl(r->srcaddr);
	f->dst.w[0] = htonl(r->dstaddr);
	f->nexthop.w[0] = htonl(r->nexthop);
	f->packets = r->dPkts;
	f->octets = r->dOctets;
	/* uptime stamps, relative to the header's uptime (mod 2^32) */
	f->first_ms = export_ms - (uint32_t)(h->sys_uptime - r->first);
	f->last_ms = export_ms - (uint32_t)(h->sys_uptime - r->last);
	f->in_if = r->input;
	f->out_if = r->output;
	f->src_as = r->src_as;
	f->dst_as = r->dst_as;
	f->sport = r->srcport;
	f->dport = r->dstport;
	f->proto = r->prot;
	f->tos = r->tos;
	f->tcp_flags = r->tcp_flags;
	f->src_mask = r->src_mask;
	f->dst_mask = r->dst_mask;
	f->sampling = interval > 1 ? interval : 0;
}

/* Sequence: flow_sequence counts the flows sent before this datagram. */
static void v5_sequence(struct coll *c, struct xp *x, const struct nf5_header *h,
                        uint64_t now_ms)
{
	uint16_t engine = (uint16_t)(h->engine_type << 8 | h->engine_id);
	struct v5seq *s = NULL;
	int32_t d;

	for (unsigned i = 0; i < x->nv5; i++)
		if (x->v5[i].engine == engine)
			s = &x->v5[i];
	if (s == NULL) {
		if (x->nv5 == V5_ENGINES)
			return;                 /* not tracked: counted nowhere */
		s = &x->v5[x->nv5++];
		s->engine = engine;
		s->next = h->flow_sequence + h->count;
		return;
	}
	d = (int32_t)(h->flow_sequence - s->next);
	if (d == 0) {
		s->next += h->count;
	} else if (d > 0) {
		s->lost += (uint32_t)d;
		add_lost(c, x, engine, d, now_ms);
		s->next = h->flow_sequence + h->count;
	} else if (d > -V5_REORDER_WINDOW && s->lost >= h->count) {
		/* a datagram from inside a gap counted as lost: give it back */
		c->st.reordered++;
		s->lost -= h->count;
		add_lost(c, x, engine, -(int64_t)h->count, now_ms);
	} else {
		c->st.resets++;
		s->next = h->flow_sequence + h->count;
	}
}

static void v5_datagram(struct coll *c, struct xp *x, const uint8_t *buf, size_t len,
                        uint64_t now_ms)
{
	struct nf5_header h;
	struct nf5_record r[NF5_MAX_RECORDS];
	struct anm_flow f;
	size_t n = 0;
	int rc = nf5_decode(buf, len, &h, r, NF5_MAX_RECORDS, &n);
	uint32_t interval;

	if (rc != NF5_OK) {
		c->st.dropped[CD_V5]++;
		log_ratelimited(&c->rl, now_ms, "v5 datagram of %zu bytes dropped: %s", len,
		                nf5_strerror(rc));
		return;
	}
	v5_sequence(c, x, &h, now_ms);
	/* 14 bits: only a max-sampling-rate below 16383 can refuse it */
	interval = h.sampling_interval & NF5_SAMPLING_INTERVAL_MAX;
	if (interval > c->lim.max_sampling) {
		c->v5_sampling_rejected += n;
		interval = 0;
	}
	for (size_t i = 0; i < n; i++) {
		v5_flow(&h, &r[i], interval, &f);
		account(c, x, (uint32_t)(h.engine_type << 8 | h.engine_id), 5, &f, now_ms);
	}
}

/* --- v9 / IPFIX ------------------------------------------------------------ */

/*
 * Give x its v9/IPFIX session, charged to its address's share of the
 * template memory.  Making room is the budget's (templates, then sessions
 * that produce nothing through reclaim()); when the address itself is over
 * its share, its own least recently seen UDP session is given up for it,
 * and one more try made.  0, or -1 with the datagram counted as dropped
 * (template-memory).
 */
static int session_of(struct coll *c, struct xp *x, uint64_t now_ms)
{
	uint64_t cost = ipfix_session_cost(&c->lim);

	for (int tries = 0; tries < 2; tries++) {
		struct xp *v;

		x->sess = ipfix_session_new_in(&c->lim, x->xa->owner, x->conn == 0);
		if (x->sess != NULL) {
			xp_has_sess(c, x);
			return 0;
		}
		if (errno != ENOSPC || tries > 0 || ipfix_owner_fits(x->xa->owner, cost))
			break;
		c->victim_choices++;
		if ((v = lru_of(c, x->xa, x, NULL, true)) == NULL)
			break;
		evict_xp(c, v, EV_CROWDED, "template memory share full", now_ms);
	}
	c->st.dropped[CD_MEMORY]++;
	log_ratelimited(&c->rl, now_ms, "no template memory for a new v9/IPFIX session "
	                "(%" PRIu64 " bytes held): datagram dropped",
	                ipfix_budget_stats(c->budget)->used);
	return -1;
}

struct emit_ctx {
	struct coll *c;
	struct xp *x;
	int version;
	uint64_t now_ms;
};

static void emit(void *ctx, const struct anm_flow *f, uint32_t domain)
{
	struct emit_ctx *e = ctx;

	account(e->c, e->x, domain, e->version, f, e->now_ms);
}

static void ipfix_message(struct coll *c, struct xp *x, int version, const uint8_t *buf,
                          size_t len, uint64_t now_ms)
{
	struct emit_ctx ctx = { c, x, version, now_ms };
	const struct ipfix_budget_stats *bs = ipfix_budget_stats(c->budget);
	int rc;

	if (x->sess == NULL && session_of(c, x, now_ms) < 0)
		return;
	rc = ipfix_session_input(x->sess, buf, len, now_ms, emit, &ctx);
	if (bs->evicted != c->last_evicted) {
		log_ratelimited(&c->rl, now_ms, "template memory: %" PRIu64 " templates "
		                "forgotten so far to make room, the least recently used, %" PRIu64
		                " of them after carrying data (%" PRIu64 " of %" PRIu64 " bytes "
		                "held, at most %" PRIu64 " per exporter)", bs->evicted,
		                bs->evicted_used, bs->used, bs->limit, bs->share);
		c->last_evicted = bs->evicted;
	}
	if (rc == IPFIX_ERR_MEMORY) {
		c->st.dropped[CD_MEMORY]++;
		log_ratelimited(&c->rl, now_ms, "v%d message of %zu bytes dropped: %s", version, len,
		                ipfix_strerror(rc));
	} else if (rc < 0) {
		char a[64];
		c->st.dropped[CD_IPFIX]++;
		switch (rc) {
		case IPFIX_ERR_SHORT:   c->st.ipfix_short++; break;
		case IPFIX_ERR_LENGTH:  c->st.ipfix_length++; break;
		case IPFIX_ERR_DOMAINS: c->st.ipfix_domains++; break;
		case IPFIX_ERR_DECODE:  c->st.ipfix_decode++; break;
		default:                c->st.ipfix_sets++; break;   /* sets, too big */
		}
		inet_ntop(x->af, x->addr.b, a, sizeof(a));
		log_ratelimited(&c->rl, now_ms, "v%d message of %zu bytes from %s dropped: %s",
		                version, len, a, ipfix_strerror(rc));
	}
}

struct rep_ctx {
	struct coll *c;
	struct xp *x;
	uint64_t now_ms;
};

static void report_domain(void *ctx, const struct ipfix_domain_stats *d)
{
	struct rep_ctx *r = ctx;
	struct xp *x = r->x;
	uint64_t lost = d->lost + d->lost_packets_v9;
	unsigned i;

	for (i = 0; i < x->nrep && x->rep[i].domain != d->domain; i++)
		;
	if (i == x->nrep) {
		if (x->nrep == XP_DOMAINS)
			return;
		x->rep[i].domain = d->domain;
		x->rep[i].lost = 0;
		x->nrep++;
	}
	if (lost != x->rep[i].lost) {
		add_lost(r->c, x, d->domain, (int64_t)(lost - x->rep[i].lost), r->now_ms);
		x->rep[i].lost = lost;
	}
	/* the templates it has defined, for the exporters it heard from since
	 * the last flush */
	if (x->last_ms >= r->c->last_flush_ms) {
		struct agg_key k;
		struct agg_entry *e;
		exporter_key(r->c, x, d->domain, 0, &k);
		if ((e = agg_add(&r->c->interval, &k, 0, 0, 0)) != NULL) {
			e->templates = (uint32_t)d->templates_active;
			e->has_templates = true;
			if (e->last_ms < x->last_ms)
				e->last_ms = x->last_ms;
		}
	}
}

/* Move x's lost records (and templates held) into the interval table. */
static void xp_report(struct coll *c, struct xp *x, uint64_t now_ms)
{
	if (x->sess) {
		struct rep_ctx r = { c, x, now_ms };
		ipfix_session_foreach_domain(x->sess, report_domain, &r);
	}
}

void coll_flush_sessions(struct coll *c, uint64_t now_ms)
{
	xa_reap(c, now_ms);
	c->nactive = 0;              /* the addresses counting records now */
	for (size_t i = 0; i < c->tabsize; i++)
		for (struct xaddr *e = c->atab[i]; e; e = e->next)
			if (e->last_ms != 0 && now_ms <= e->last_ms + c->conf.dedup_window_ms)
				c->nactive++;
	if (c->nactive <= 1)         /* (the table's entries age out meanwhile) */
		c->noting = true;
	else if (c->noting) {        /* (a clock stepped back) */
		load_notes(c, now_ms);
		c->noting = false;
	}
	for (size_t i = 0; i < c->tabsize; i++)
		for (struct xp *x = c->tab[i]; x; x = x->next)
			xp_report(c, x, now_ms);
	c->last_flush_ms = now_ms;
}

/* --- entry points ---------------------------------------------------------- */

uint64_t coll_export_ms(const uint8_t *buf, size_t len)
{
	uint16_t version;

	if (len < 16)
		return 0;
	version = (uint16_t)(buf[0] << 8 | buf[1]);
	switch (version) {
	case 5:
		if (len != NF5_HEADER_LEN + (size_t)be16(buf + 2) * NF5_RECORD_LEN ||
		    be16(buf + 2) == 0 || be16(buf + 2) > NF5_MAX_RECORDS)
			return 0;
		return (uint64_t)be32(buf + 8) * 1000 + be32(buf + 12) / 1000000 % 1000;
	case 9:
		return len >= 20 ? (uint64_t)be32(buf + 8) * 1000 : 0;
	case 10:
		return be16(buf + 2) == len ? (uint64_t)be32(buf + 4) * 1000 : 0;
	default:
		return 0;
	}
}

/* Whether a listener taking protos takes this version. */
static bool version_taken(uint16_t version, unsigned protos)
{
	return (version == 5 && (protos & CP_V5)) || (version == 9 && (protos & CP_V9)) ||
	       (version == 10 && (protos & CP_IPFIX));
}

bool coll_takes(const struct coll *c, const struct sockaddr *from, unsigned protos,
                const uint8_t *buf, size_t len)
{
	union anm_addr a;
	uint16_t port;
	int af;

	sender_of(from, &af, &a, &port);
	return af != 0 && allowed(c, af, &a) && len >= 2 &&
	       version_taken((uint16_t)(buf[0] << 8 | buf[1]), protos);
}

void coll_datagram(struct coll *c, const struct sockaddr *from, unsigned protos,
                   const uint8_t *buf, size_t len, uint64_t now_ms)
{
	union anm_addr a;
	uint16_t port, version;
	struct xp *x;
	int af;

	c->st.datagrams++;
	c->st.octets += len;
	c->now_ms = now_ms;
	sender_of(from, &af, &a, &port);
	if (af == 0 || !allowed(c, af, &a)) {
		c->st.dropped[CD_NOT_ALLOWED]++;
		return;
	}
	if (len < 2) {
		c->st.dropped[CD_TOO_SHORT]++;
		return;
	}
	version = (uint16_t)(buf[0] << 8 | buf[1]);
	if (!version_taken(version, protos)) {
		c->st.dropped[CD_VERSION]++;
		log_ratelimited(&c->rl, now_ms, "datagram of version %u dropped: not taken here",
		                (unsigned)version);
		return;
	}
	if ((x = xp_get(c, af, &a, port, 0, now_ms)) == NULL) {
		c->st.dropped[CD_EXPORTERS]++;
		log_ratelimited(&c->rl, now_ms, "exporter table full (%zu): datagram dropped",
		                c->conf.max_exporters);
		return;
	}
	xp_seen(c, x, now_ms);
	if (version == 5)
		v5_datagram(c, x, buf, len, now_ms);
	else
		ipfix_message(c, x, version, buf, len, now_ms);
	acc_flush(c, now_ms);
}

bool coll_stream_allowed(struct coll *c, const struct sockaddr *from)
{
	union anm_addr a;
	uint16_t port;
	int af;

	sender_of(from, &af, &a, &port);
	if (af != 0 && allowed(c, af, &a))
		return true;
	c->st.dropped[CD_NOT_ALLOWED]++;
	return false;
}

void coll_stream_message(struct coll *c, uint64_t conn, const struct sockaddr *from,
                         const uint8_t *buf, size_t len, uint64_t now_ms)
{
	union anm_addr a;
	uint16_t port;
	struct xp *x;
	int af;

	c->st.datagrams++;
	c->st.octets += len;
	c->now_ms = now_ms;
	sender_of(from, &af, &a, &port);
	if ((x = xp_get(c, af, &a, port, conn, now_ms)) == NULL) {
		c->st.dropped[CD_EXPORTERS]++;
		return;
	}
	x->last_ms = now_ms;
	ipfix_message(c, x, 10, buf, len, now_ms);
	acc_flush(c, now_ms);
}

void coll_stream_closed(struct coll *c, uint64_t conn)
{
	for (size_t i = 0; i < c->tabsize; i++)
		for (struct xp *x = c->tab[i]; x; x = x->next)
			if (x->conn == conn) {
				/* its lost records reach the table before it goes */
				xp_remove(c, x, x->last_ms);
				return;
			}
}

/* --- life ------------------------------------------------------------------ */

struct coll *coll_new(const struct coll_conf *conf, uint64_t seed)
{
	struct coll *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->conf = *conf;
	if (c->conf.max_exporters == 0)
		c->conf.max_exporters = COLL_DEFAULT_MAX_EXPORTERS;
	if (c->conf.max_keys == 0)
		c->conf.max_keys = COLL_DEFAULT_MAX_KEYS;
	if (c->conf.max_domains == 0)
		c->conf.max_domains = COLL_DEFAULT_MAX_DOMAINS;
	if (c->conf.max_domains > COLL_MAX_DOMAINS)
		c->conf.max_domains = COLL_MAX_DOMAINS;
	c->seed = seed;
	c->rl = (struct ratelim)RATELIM_INIT(1000, 5);
	c->lim = (struct ipfix_limits)IPFIX_LIMITS_DEFAULT;
	c->lim.max_domains = XP_DOMAINS;
	if (conf->max_sampling)
		c->lim.max_sampling = conf->max_sampling;
	if (c->conf.template_memory == 0)
		c->conf.template_memory = COLL_DEFAULT_TEMPLATE_MEMORY;
	if (c->conf.template_share_pct == 0 || c->conf.template_share_pct > 100)
		c->conf.template_share_pct = COLL_DEFAULT_TEMPLATE_SHARE;
	for (c->tabsize = 64; c->tabsize < c->conf.max_exporters; c->tabsize *= 2)
		;
	c->tab = calloc(c->tabsize, sizeof(*c->tab));
	c->inf = infer_new(0, seed ^ 0x9e3779b97f4a7c15ull);
	c->held = malloc(COLL_HELD_MAX * sizeof(*c->held));
	if (c->conf.dedup_window_ms == 0)
		c->conf.dedup_window_ms = DEDUP_DEFAULT_WINDOW_MS;
	if (!c->conf.dedup_off)
		c->dd = dedup_new(c->conf.dedup_records ? c->conf.dedup_records :
		                  DEDUP_DEFAULT_RECORDS, seed ^ 0xc2b2ae3d27d4eb4full);
	c->atab = calloc(c->tabsize, sizeof(*c->atab));
	c->crowd = calloc(c->conf.max_exporters + 1, sizeof(*c->crowd));
	c->pend = calloc(c->conf.max_exporters, sizeof(*c->pend));
	c->budget = ipfix_budget_new(c->conf.template_memory,
	                             c->conf.template_memory / 100 * c->conf.template_share_pct);
	if (c->budget != NULL)
		ipfix_budget_set_reclaim(c->budget, reclaim, c);
	if (conf->nmap) {
		c->map = malloc(conf->nmap * sizeof(*c->map));
		if (c->map)
			memcpy(c->map, conf->map, conf->nmap * sizeof(*c->map));
		if (c->map && sort_points(c->map, conf->nmap) < 0) {
			free(c->map);
			c->map = NULL;
		}
	}
	if (conf->allow) {
		c->allow = malloc((conf->nallow ? conf->nallow : 1) * sizeof(*c->allow));
		if (c->allow && conf->nallow)
			memcpy(c->allow, conf->allow, conf->nallow * sizeof(*c->allow));
	}
	if (conf->ngroups) {
		c->groups = calloc(conf->ngroups, sizeof(*c->groups));
		c->members = malloc((conf->nmembers ? conf->nmembers : 1) * sizeof(*c->members));
		if (c->groups)
			for (unsigned i = 0; i < conf->ngroups; i++) {
				c->groups[i].g = conf->groups[i];
				if (c->groups[i].g.silent_ms == 0)
					c->groups[i].g.silent_ms = COLL_GROUP_SILENT_MS;
			}
		if (c->members && conf->nmembers)
			memcpy(c->members, conf->members, conf->nmembers * sizeof(*c->members));
	}
	c->conf.map = NULL;
	c->conf.allow = NULL;
	c->conf.groups = NULL;
	c->conf.members = NULL;
	if (c->tab == NULL || c->atab == NULL || c->crowd == NULL || c->pend == NULL ||
	    c->budget == NULL || c->inf == NULL || c->held == NULL ||
	    (!c->conf.dedup_off && c->dd == NULL) ||
	    (conf->nmap && c->map == NULL) || set_observed(c) < 0 ||
	    (conf->allow && c->allow == NULL) ||
	    (conf->ngroups && (c->groups == NULL || c->members == NULL)) ||
	    agg_init(&c->interval, c->conf.max_keys, c->conf.top_k, seed ^ 0x5bd1e995u) < 0) {
		coll_free(c);
		return NULL;
	}
	return c;
}

void coll_free(struct coll *c)
{
	if (c == NULL)
		return;
	if (c->tab && c->atab)
		for (size_t i = 0; i < c->tabsize; i++)
			while (c->tab[i]) {
				struct xp *x = c->tab[i];
				c->tab[i] = x->next;
				xp_free(c, x);
			}
	if (c->atab)
		for (size_t i = 0; i < c->tabsize; i++)
			while (c->atab[i])
				xa_free(c, c->atab[i]);
	free(c->tab);
	free(c->atab);
	free(c->crowd);
	free(c->pend);
	ipfix_budget_free(c->budget);
	coll_set_topology(c, NULL, NULL);
	free(c->map);
	free(c->smap);
	free(c->exporting);
	free(c->inputs);
	free(c->edged);
	free(c->full);
	free(c->whole);
	infer_free(c->inf);
	free(c->held);
	dedup_free(c->dd);
	free(c->groups);
	free(c->members);
	free(c->allow);
	agg_free(&c->interval);
	free(c);
}

void coll_set_topology(struct coll *c, struct placer *p, struct lsdb *db)
{
	if (c->placer)
		placer_free(c->placer);
	if (c->db)
		lsdb_free(c->db);
	c->placer = p;
	c->db = db;
	if (p)
		c->st.placer_swaps++;
	if (p && set_observed(c) < 0)      /* (without one: exports() needs none) */
		log_warnx("out of memory: the observation model stays as it was");
}

void coll_detach_topology(struct coll *c)
{
	c->placer = NULL;
	c->db = NULL;
}

bool coll_has_placer(const struct coll *c)
{
	return c->placer != NULL;
}

struct agg *coll_interval(struct coll *c)
{
	return &c->interval;
}

void coll_victim_work(const struct coll *c, uint64_t *choices, uint64_t *steps)
{
	*choices = c->victim_choices;
	*steps = c->victim_steps;
}

const struct coll_stats *coll_stats(struct coll *c)
{
	struct coll_stats *t = &c->st;

	t->domains = t->templates = 0;
	t->templates_added = c->gone.templates_added;
	t->templates_withdrawn = c->gone.templates_withdrawn;
	t->template_errors = c->gone.template_errors;
	t->no_template_sets = c->gone.no_template_sets;
	t->bad_sets = c->gone.bad_sets;
	t->reserved_sets = c->gone.reserved_sets;
	t->options_records = c->gone.options_records;
	t->no_address_records = c->gone.no_address_records;
	t->sampling_rejected = c->gone.sampling_rejected + c->v5_sampling_rejected;
	t->fields_skipped = c->gone.fields_skipped;
	t->value_overflows = c->gone.value_overflows;
	{
		const struct ipfix_budget_stats *b = ipfix_budget_stats(c->budget);
		t->template_memory = b->used;
		t->template_memory_peak = b->peak;
		t->template_memory_limit = b->limit;
		t->templates_evicted = b->evicted;
		t->templates_evicted_used = b->evicted_used;
		t->template_memory_refused = b->refused;
	}
	for (size_t i = 0; i < c->tabsize; i++)
		for (struct xp *x = c->tab[i]; x; x = x->next)
			if (x->sess)
				ipfix_session_foreach_domain(x->sess, sum_domain, t);
	return t;
}
