/*
 * The link-state database (lsdb.h): a hash of every LSA instance held, keyed
 * by (area, type, ls_id, adv_router), plus a binary min-heap of the entries
 * by the time their age reaches MaxAge (DoNotAge ones are not in it), so
 * aging visits only what ages out.  Installation follows RFC 2328
 * 13.1/13.2; every result is counted.  Tombstones (LSAs flushed or aged
 * out) are entries of the same hash, marked, without a body, in the same
 * heap by the time they go, and on their own list in the order they were
 * made, so that the oldest is found in O(1) when an LSA needs its room.
 *
 * The walks.  The LSAs (not the tombstones) are kept in groups, one per
 * (area, key's type) held, each an array of its entries with their keys
 * (an entry's all_pprev points at its place there); the groups are in a
 * second hash, keyed by (area, type), and each area held has a record (a
 * group of type AREA_REC in that hash) with the list of its groups, and is
 * in the array db->areas.  An entry joins its group when installed, takes
 * its predecessor's place when it replaces it, and leaves when it becomes
 * a tombstone (flushed, aged out), the group's last entry taking its
 * place; a group left empty goes, and so does an area left without
 * groups.  So a walk of one (area, type) reads that group's array only
 * (the sort, by the keys in it, no entry), a walk of an area that area's
 * groups, lsdb_areas the areas; an installation costs one more O(1)
 * expected look-up (the group's; none for a newer instance of an LSA
 * held), plus a creation when it is the group's first entry, and the
 * arrays double and halve (amortized O(1)).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "hash.h"
#include "lsdb.h"
#include "ospf6.h"

#define NOT_IN_HEAP UINT32_MAX
#define AREA_REC UINT32_MAX          /* a group's type: the area's record (no
                                        key's type is: they are below 2^17) */

/* A group's place for one LSA: its key in the walks' order, and it. */
struct lsdb_slot {
	uint64_t key;                        /* ls_id << 32 | adv_router */
	struct lsdb_entry *e;                /* e->all_pprev == &this->e */
};

/*
 * A group: the LSAs held of one (area, key's type), in the array v[0..n)
 * (n > 0: an empty group goes; cap below 4 n + 8 unless memory ran out as
 * it shrank: a group that shrinks gives its room back), in their area's
 * list of groups (sib).  An
 * area's record (type AREA_REC): its groups on the list `groups`, n the LSAs
 * held in them, at its place in db->areas.
 */
struct lsdb_group {
	uint32_t area, type;
	struct lsdb_group *hnext;            /* hash chain */
	uint32_t n;
	uint32_t cap;                        /* group: v's room */
	uint32_t at;                         /* record: db->areas[at] is it */
	struct lsdb_slot *v;                 /* group: its entries, in no order */
	struct lsdb_group *rec;              /* group: its area's record */
	struct lsdb_group *sib, **sib_pprev; /* group: its area's list */
	struct lsdb_group *groups;           /* record: its groups */
};

struct lsdb {
	struct lsdb_entry **bucket;
	struct lsdb_entry **heap;    /* by maxage_ms; heap[i]->heap_at == i */
	uint32_t nheap, cheap;
	struct lsdb_group **gbucket; /* the groups and the areas' records */
	uint32_t gmask, ngroups;     /* ngroups: groups and records; the table
	                                doubles when it passes gmask + 1 */
	struct lsdb_group **areas;   /* every area's record (LSDB_AS_SCOPE too),
	                                in no order */
	uint32_t nareas, careas;
	struct lsdb_entry *tombs;    /* every tombstone, oldest first */
	struct lsdb_entry **tombs_tail;  /* the last one's all_next (or &tombs) */
	uint32_t mask;
	uint32_t max;
	uint64_t max_bytes;          /* of the LSAs held; 0: no bound */
	uint64_t seed;               /* drawn per database: ids crafted to collide
	                                under one seed do not under another */
	struct lsdb_stats st;
};

struct lsdb_key {
	uint32_t area, ls_id, adv_router, type;
};

static bool as_scoped(uint32_t type)
{
	if (type & LSDB_V3)
		return lsa6_scope((uint16_t)type) == LSA6_SCOPE_AS;
	return type == LSA_EXTERNAL || type == LSA_OPAQUE_AS;
}

uint32_t lsdb_scope(uint32_t area, uint32_t type)
{
	return as_scoped(type) ? LSDB_AS_SCOPE : area;
}

uint32_t lsdb_type(const struct lsa_hdr *h)
{
	return h->v3 ? LSDB_V3 | h->type : h->type;
}

void lsdb_lsa6(const struct lsa6 *l6, struct lsa *out)
{
	memset(out, 0, sizeof(*out));
	out->h.age = l6->h.age;
	out->h.do_not_age = l6->h.do_not_age;
	out->h.v3 = true;
	out->h.type = l6->h.type;
	out->h.ls_id = l6->h.ls_id;
	out->h.adv_router = l6->h.adv_router;
	out->h.seq = l6->h.seq;
	out->h.checksum = l6->h.checksum;
	out->h.length = l6->h.length;
	out->raw = l6->raw;
}

bool lsdb_decode(const uint8_t *buf, size_t len, bool v3, struct lsa *out, const char **why)
{
	if (v3) {
		struct lsa6 l6;
		enum ospf6_status st = lsa6_decode(buf, len, &l6);
		if (st != OSPF6_OK) {
			*why = ospf6_status_name(st);
			return false;
		}
		lsdb_lsa6(&l6, out);
		return true;
	}
	enum ospf_status st = lsa_decode(buf, len, out);
	if (st != OSPF_OK) {
		*why = ospf_status_name(st);
		return false;
	}
	return true;
}

/* ---- the MaxAge heap: O(log n) a push or a removal ---- */

static void heap_set(struct lsdb *db, uint32_t i, struct lsdb_entry *e)
{
	db->heap[i] = e;
	e->heap_at = i;
}

static void sift_up(struct lsdb *db, uint32_t i)
{
	struct lsdb_entry *e = db->heap[i];

	while (i > 0 && db->heap[(i - 1) / 2]->maxage_ms > e->maxage_ms) {
		heap_set(db, i, db->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(db, i, e);
}

static void sift_down(struct lsdb *db, uint32_t i)
{
	struct lsdb_entry *e = db->heap[i];

	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= db->nheap)
			break;
		if (c + 1 < db->nheap && db->heap[c + 1]->maxage_ms < db->heap[c]->maxage_ms)
			c++;
		if (db->heap[c]->maxage_ms >= e->maxage_ms)
			break;
		heap_set(db, i, db->heap[c]);
		i = c;
	}
	heap_set(db, i, e);
}

/* Room for one more entry in the heap; false when memory ran out. */
static bool heap_reserve(struct lsdb *db)
{
	struct lsdb_entry **h;
	uint32_t c;

	if (db->nheap < db->cheap)
		return true;
	c = db->cheap ? db->cheap * 2 : 64;
	if ((h = realloc(db->heap, (size_t)c * sizeof(*h))) == NULL)
		return false;
	db->heap = h;
	db->cheap = c;
	return true;
}

/* Put e in the heap (room reserved) by its maxage_ms. */
static void heap_insert(struct lsdb *db, struct lsdb_entry *e)
{
	db->heap[db->nheap] = e;
	sift_up(db, db->nheap++);
}

/* Put the LSA e in the heap (room reserved) unless it never ages. */
static void heap_push(struct lsdb *db, struct lsdb_entry *e)
{
	e->heap_at = NOT_IN_HEAP;
	if (e->lsa.h.do_not_age)
		return;
	/* lsdb_age_of reaches MaxAge when (now - installed) / 1000 >= MaxAge - age */
	e->maxage_ms = e->installed_ms + (uint64_t)(OSPF_MAX_AGE - e->lsa.h.age) * 1000;
	heap_insert(db, e);
}

static void heap_remove(struct lsdb *db, struct lsdb_entry *e)
{
	uint32_t i = e->heap_at;
	struct lsdb_entry *last;

	if (i == NOT_IN_HEAP)
		return;
	e->heap_at = NOT_IN_HEAP;
	if (i == --db->nheap)
		return;
	last = db->heap[db->nheap];
	heap_set(db, i, last);
	sift_up(db, i);
	sift_down(db, last->heap_at);
}

static uint32_t key_hash(const struct lsdb *db, uint32_t area, uint32_t type,
                         uint32_t ls_id, uint32_t adv)
{
	struct lsdb_key k = { area, ls_id, adv, type };

	return (uint32_t)hash_words(&k, sizeof(k), db->seed) & db->mask;
}

struct lsdb *lsdb_new(uint32_t max_lsas)
{
	struct lsdb *db = calloc(1, sizeof(*db));
	uint32_t nb = 16;

	if (db == NULL || max_lsas == 0)
		goto fail;
	while (nb < max_lsas && nb < (1u << 20))
		nb <<= 1;
	if ((db->bucket = calloc(nb, sizeof(*db->bucket))) == NULL)
		goto fail;
	db->mask = nb - 1;
	if ((db->gbucket = calloc(16, sizeof(*db->gbucket))) == NULL)
		goto fail;
	db->gmask = 15;
	db->max = max_lsas;
	db->tombs_tail = &db->tombs;
	if (getrandom(&db->seed, sizeof(db->seed), 0) != sizeof(db->seed))
		db->seed = 0x6c7364625f6b6579ull ^ (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)db;
	return db;
fail:
	if (db != NULL)
		free(db->bucket);
	free(db);
	return NULL;
}

void lsdb_set_max_bytes(struct lsdb *db, uint64_t max_bytes)
{
	db->max_bytes = max_bytes;
}

/* ---- the groups: per (area, key's type) lists of the LSAs held ---- */

static uint32_t group_hash(const struct lsdb *db, uint32_t area, uint32_t type, uint32_t mask)
{
	uint64_t k = (uint64_t)area << 32 | type;

	return (uint32_t)hash_words(&k, sizeof(k), db->seed ^ 0x67726f7570ull) & mask;
}

/* The link pointing at group (area, type), or at its chain's end. */
static struct lsdb_group **group_slot(const struct lsdb *db, uint32_t area, uint32_t type)
{
	struct lsdb_group **pp = &db->gbucket[group_hash(db, area, type, db->gmask)];

	while (*pp != NULL && ((*pp)->area != area || (*pp)->type != type))
		pp = &(*pp)->hnext;
	return pp;
}

static struct lsdb_group *group_find(const struct lsdb *db, uint32_t area, uint32_t type)
{
	return *group_slot(db, area, type);
}

/* Into the group hash, which doubles when fuller than one a bucket (when
 * memory runs out it stays as it is: longer chains).  Amortized O(1). */
static void group_hash_add(struct lsdb *db, struct lsdb_group *g)
{
	struct lsdb_group **pp;

	if (db->ngroups > db->gmask && db->gmask < (1u << 30)) {
		uint32_t mask = db->gmask * 2 + 1;
		struct lsdb_group **nb = calloc((size_t)mask + 1, sizeof(*nb));
		if (nb != NULL) {
			for (uint32_t b = 0; b <= db->gmask; b++) {
				struct lsdb_group *x = db->gbucket[b], *nx;
				for (; x != NULL; x = nx) {
					uint32_t h = group_hash(db, x->area, x->type, mask);
					nx = x->hnext;
					x->hnext = nb[h];
					nb[h] = x;
				}
			}
			free(db->gbucket);
			db->gbucket = nb;
			db->gmask = mask;
		}
	}
	pp = &db->gbucket[group_hash(db, g->area, g->type, db->gmask)];
	g->hnext = *pp;
	*pp = g;
	db->ngroups++;
}

static void group_hash_remove(struct lsdb *db, struct lsdb_group *g)
{
	*group_slot(db, g->area, g->type) = g->hnext;
	db->ngroups--;
}

/* Record rec goes (it has no groups left). */
static void area_drop(struct lsdb *db, struct lsdb_group *rec)
{
	group_hash_remove(db, rec);
	db->areas[rec->at] = db->areas[--db->nareas];
	db->areas[rec->at]->at = rec->at;
	free(rec);
}

/* Group g goes if it holds no entry (and its area if that was its last
 * group).  O(1) expected. */
static void group_put(struct lsdb *db, struct lsdb_group *g)
{
	struct lsdb_group *rec = g->rec;

	if (g->n > 0)
		return;
	*g->sib_pprev = g->sib;
	if (g->sib != NULL)
		g->sib->sib_pprev = g->sib_pprev;
	group_hash_remove(db, g);
	free(g->v);
	free(g);
	if (rec->groups == NULL)
		area_drop(db, rec);
}

/* Give g's array room for cap entries (cap >= g->n); the entries' all_pprev
 * follow.  False when memory ran out (g unchanged).  O(n). */
static bool group_resize(struct lsdb_group *g, uint32_t cap)
{
	struct lsdb_slot *v = realloc(g->v, (size_t)cap * sizeof(*v));

	if (v == NULL)
		return false;
	g->v = v;
	g->cap = cap;
	for (uint32_t i = 0; i < g->n; i++)
		v[i].e->all_pprev = &v[i].e;
	return true;
}

/* The group of (area, type), made (with its area's record) if there is
 * none, with room for one more entry; NULL when memory ran out (nothing
 * changed then).  O(1) expected, amortized (the array doubles). */
static struct lsdb_group *group_get(struct lsdb *db, uint32_t area, uint32_t type)
{
	struct lsdb_group *g = group_find(db, area, type), *rec;

	if (g != NULL) {
		if (g->n == g->cap && !group_resize(g, g->cap * 2))
			return NULL;
		return g;
	}
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return NULL;
	if ((g->v = malloc(4 * sizeof(*g->v))) == NULL) {
		free(g);
		return NULL;
	}
	g->cap = 4;
	if ((rec = group_find(db, area, AREA_REC)) == NULL) {
		if (db->nareas == db->careas) {
			uint32_t c = db->careas ? db->careas * 2 : 8;
			struct lsdb_group **a = realloc(db->areas, (size_t)c * sizeof(*a));
			if (a == NULL)
				goto fail;
			db->areas = a;
			db->careas = c;
		}
		if ((rec = calloc(1, sizeof(*rec))) == NULL)
			goto fail;
		rec->area = area;
		rec->type = AREA_REC;
		rec->at = db->nareas;
		db->areas[db->nareas++] = rec;
		group_hash_add(db, rec);
	}
	g->area = area;
	g->type = type;
	g->rec = rec;
	g->sib = rec->groups;
	if (rec->groups != NULL)
		rec->groups->sib_pprev = &g->sib;
	rec->groups = g;
	g->sib_pprev = &rec->groups;
	group_hash_add(db, g);
	return g;
fail:
	free(g->v);
	free(g);
	return NULL;
}

/* The LSA e joins group g (which has room: group_get). */
static void group_link(struct lsdb_group *g, struct lsdb_entry *e)
{
	struct lsdb_slot *sl = &g->v[g->n++];

	sl->key = (uint64_t)e->lsa.h.ls_id << 32 | e->lsa.h.adv_router;
	sl->e = e;
	e->all_next = NULL;
	e->all_pprev = &sl->e;
	g->rec->n++;
}

/* The LSA e leaves its group (the last entry takes its place; the group
 * goes if left empty, gives room back if left a quarter full).  O(1)
 * expected, amortized. */
static void group_unlink(struct lsdb *db, struct lsdb_entry *e)
{
	struct lsdb_group *g = group_find(db, e->area, lsdb_type(&e->lsa.h));
	struct lsdb_slot *sl = (struct lsdb_slot *)(void *)((char *)e->all_pprev -
	                                                     offsetof(struct lsdb_slot, e));
	struct lsdb_slot *last = &g->v[--g->n];

	if (sl != last) {
		*sl = *last;
		sl->e->all_pprev = &sl->e;
	}
	g->rec->n--;
	if (g->n == 0)
		group_put(db, g);
	else if (g->cap > 8 && g->n <= g->cap / 4)
		group_resize(g, g->cap / 2);   /* if memory ran out, it keeps its room */
}

/* The LSA e takes the place of the LSA held, of the same key, in its group. */
static void group_replace(struct lsdb_entry *held, struct lsdb_entry *e)
{
	e->all_next = NULL;
	e->all_pprev = held->all_pprev;
	*e->all_pprev = e;
}

/* The tombstone list: appended at the tail, O(1) anywhere out. */
static void tomb_link(struct lsdb *db, struct lsdb_entry *e)
{
	e->all_next = NULL;
	e->all_pprev = db->tombs_tail;
	*db->tombs_tail = e;
	db->tombs_tail = &e->all_next;
}

static void tomb_unlink(struct lsdb *db, struct lsdb_entry *e)
{
	*e->all_pprev = e->all_next;
	if (e->all_next != NULL)
		e->all_next->all_pprev = e->all_pprev;
	else
		db->tombs_tail = e->all_pprev;
}

static void entry_free(struct lsdb_entry *e)
{
	free((void *)e->lsa.raw);
	free(e);
}

void lsdb_free(struct lsdb *db)
{
	if (db == NULL)
		return;
	for (uint32_t b = 0; b <= db->mask; b++) {
		struct lsdb_entry *e = db->bucket[b], *n;
		for (; e != NULL; e = n) {
			n = e->next;
			entry_free(e);
		}
	}
	for (uint32_t b = 0; b <= db->gmask; b++) {
		struct lsdb_group *g = db->gbucket[b], *n;
		for (; g != NULL; g = n) {
			n = g->hnext;
			free(g->v);
			free(g);
		}
	}
	free(db->bucket);
	free(db->gbucket);
	free(db->areas);
	free(db->heap);
	free(db);
}

uint16_t lsdb_age_of(const struct lsdb_entry *e, uint64_t now_ms)
{
	uint64_t age = e->lsa.h.age;

	if (!e->lsa.h.do_not_age && now_ms > e->installed_ms)
		age += (now_ms - e->installed_ms) / 1000;
	return age > OSPF_MAX_AGE ? OSPF_MAX_AGE : (uint16_t)age;
}

/* The link pointing at the entry for the key, or at the chain's end; each
 * entry compared counts in *probes (if not NULL). */
static struct lsdb_entry **slot(const struct lsdb *db, uint32_t area, uint32_t type,
                                uint32_t ls_id, uint32_t adv, uint64_t *probes)
{
	struct lsdb_entry **pp = &db->bucket[key_hash(db, area, type, ls_id, adv)];

	for (; *pp != NULL; pp = &(*pp)->next) {
		if (probes != NULL)
			(*probes)++;
		const struct lsa_hdr *h = &(*pp)->lsa.h;
		if ((*pp)->area == area && lsdb_type(h) == type && h->ls_id == ls_id &&
		    h->adv_router == adv)
			break;
	}
	return pp;
}

const struct lsdb_entry *lsdb_get(const struct lsdb *db, uint32_t area, uint32_t type,
                                  uint32_t ls_id, uint32_t adv_router)
{
	const struct lsdb_entry *e;

	if (as_scoped(type))
		area = LSDB_AS_SCOPE;
	e = *slot(db, area, type, ls_id, adv_router, NULL);
	return e != NULL && !e->tomb ? e : NULL;
}

/* Same contents: options and everything after the 20-byte header. */
static bool same_contents(const struct lsa *a, const struct lsa *b)
{
	return a->h.options == b->h.options && a->h.length == b->h.length &&
	       memcmp(a->raw + LSA_HDR_LEN, b->raw + LSA_HDR_LEN, a->h.length - LSA_HDR_LEN) == 0;
}

/* A heap copy of l whose decoded view points at the copy. */
static struct lsdb_entry *entry_new(uint32_t area, const struct lsa *l, uint64_t now_ms)
{
	struct lsdb_entry *e = calloc(1, sizeof(*e));
	uint8_t *raw = malloc(l->h.length);

	if (e == NULL || raw == NULL) {
		free(e);
		free(raw);
		return NULL;
	}
	memcpy(raw, l->raw, l->h.length);
	e->lsa = *l;
	e->lsa.raw = raw;
	e->area = area;
	e->installed_ms = now_ms;
	return e;
}

/*
 * Make the LSA entry e (its slot *pp) a tombstone remembering header h at
 * MaxAge, made at since_ms (installed_ms), until MaxAge after: its body
 * freed, off the list of entries, onto the tombstone list, in the heap by
 * when it goes.  (Should the heap have no room for a DoNotAge LSA's
 * tombstone, memory ran out: the entry just goes.)  O(log n).
 */
static void entomb(struct lsdb *db, struct lsdb_entry **pp, struct lsdb_entry *e,
                   const struct lsa_hdr *h, uint64_t since_ms)
{
	struct lsa_hdr th = *h;      /* h may be e's own */

	group_unlink(db, e);
	heap_remove(db, e);
	db->st.entries--;
	db->st.bytes -= e->lsa.h.length;
	if (!heap_reserve(db)) {
		*pp = e->next;
		entry_free(e);
		return;
	}
	free((void *)e->lsa.raw);
	memset(&e->lsa, 0, sizeof(e->lsa));
	e->lsa.h = th;
	e->lsa.h.age = OSPF_MAX_AGE;
	e->lsa.h.do_not_age = false;
	e->tomb = true;
	e->installed_ms = since_ms;
	e->maxage_ms = since_ms + (uint64_t)OSPF_MAX_AGE * 1000;
	heap_insert(db, e);
	tomb_link(db, e);
	db->st.tombstones++;
}

/* Remove tombstone t (its slot *pp) from the database.  O(log n). */
static void tomb_free(struct lsdb *db, struct lsdb_entry **pp, struct lsdb_entry *t)
{
	*pp = t->next;
	tomb_unlink(db, t);
	heap_remove(db, t);
	entry_free(t);
	db->st.tombstones--;
}

/* Whether the LSAs held may grow by `more` bytes (max_bytes). */
static bool bytes_fit(const struct lsdb *db, uint64_t more)
{
	return db->max_bytes == 0 || db->st.bytes + more <= db->max_bytes;
}

/* Room for one more entry: true if there is, or the oldest tombstone went
 * to make it (counted); false when the database holds max LSAs.  O(1)
 * expected + O(log n). */
static bool make_room(struct lsdb *db)
{
	struct lsdb_entry *t = db->tombs;

	if (db->st.entries + db->st.tombstones < db->max)
		return true;
	if (t == NULL)
		return false;
	tomb_free(db, slot(db, t->area, lsdb_type(&t->lsa.h), t->lsa.h.ls_id, t->lsa.h.adv_router,
	                   NULL), t);
	db->st.tombstones_evicted++;
	return true;
}

/*
 * Is instance h, at now_ms, to replace the one tombstone t remembers?  Yes
 * when it is newer (RFC 2328 13.1).  Otherwise, a MaxAge instance never; an
 * instance at InitialSequenceNumber at once after a flush at
 * MaxSequenceNumber (12.1.6); and, once LSDB_FLUSH_HOLD_MS have passed
 * since the tombstone was made, an instance with a lower sequence number,
 * or at InitialSequenceNumber: the routers have let the flushed instance go
 * by then, and its originator numbers the LSA afresh (FRR from
 * InitialSequenceNumber when it announces a withdrawn route again, from
 * where its new process starts after "clear ip ospf process", seconds after
 * the flush); but not from a sender known only since the tombstone was
 * made (since_ms: lsdb_install_from).  The instance flushed or aged out
 * itself, and any other at its sequence number, is refused for the
 * tombstone's hour.
 */
static bool newer_than_tomb(const struct lsa_hdr *h, const struct lsdb_entry *t,
                            uint64_t now_ms, uint64_t since_ms)
{
	if (lsa_compare(h, &t->lsa.h) > 0)
		return true;
	if (h->age >= OSPF_MAX_AGE)
		return false;
	if (h->seq == OSPF_INITIAL_SEQ && t->lsa.h.seq == OSPF_MAX_SEQ)
		return true;
	return now_ms >= t->installed_ms + LSDB_FLUSH_HOLD_MS && since_ms <= t->installed_ms &&
	       (h->seq < t->lsa.h.seq || h->seq == OSPF_INITIAL_SEQ);
}

/* Install l over tombstone t (its slot *pp): a MaxAge instance newer than
 * it moves it on (OLDER, as when nothing is held), a newer instance takes
 * its place (ADDED), anything else is refused (STALE). */
static enum lsdb_result over_tomb(struct lsdb *db, struct lsdb_entry **pp, struct lsdb_entry *t,
                                  uint32_t area, const struct lsa *l, uint64_t now_ms,
                                  uint64_t since_ms)
{
	struct lsdb_entry *e;
	struct lsdb_group *g;

	if (!newer_than_tomb(&l->h, t, now_ms, since_ms))
		return l->h.age >= OSPF_MAX_AGE ? LSDB_OLDER : LSDB_STALE;
	if (l->h.age >= OSPF_MAX_AGE) {
		heap_remove(db, t);
		t->lsa.h = l->h;
		t->lsa.h.age = OSPF_MAX_AGE;
		t->lsa.h.do_not_age = false;
		t->installed_ms = now_ms;
		t->maxage_ms = now_ms + (uint64_t)OSPF_MAX_AGE * 1000;
		heap_insert(db, t);
		tomb_unlink(db, t);          /* the newest now: the list stays oldest first */
		tomb_link(db, t);
		return LSDB_OLDER;
	}
	if (!bytes_fit(db, l->h.length) || (e = entry_new(area, l, now_ms)) == NULL)
		return LSDB_FULL;
	if ((g = group_get(db, area, lsdb_type(&l->h))) == NULL) {
		entry_free(e);
		return LSDB_FULL;
	}
	e->next = t->next;
	tomb_free(db, pp, t);        /* its heap place is e's */
	*pp = e;
	group_link(g, e);
	heap_push(db, e);
	db->st.entries++;
	db->st.bytes += l->h.length;
	return LSDB_ADDED;
}

enum lsdb_result lsdb_install(struct lsdb *db, uint32_t area, const struct lsa *l,
                              uint64_t now_ms, struct lsa_hdr *old)
{
	return lsdb_install_from(db, area, l, now_ms, 0, old);
}

enum lsdb_result lsdb_install_from(struct lsdb *db, uint32_t area, const struct lsa *l,
                                   uint64_t now_ms, uint64_t sender_since_ms,
                                   struct lsa_hdr *old)
{
	struct lsdb_entry **pp, *held, *e;
	struct lsdb_group *g;
	enum lsdb_result r;
	uint64_t evicted;

	if (as_scoped(lsdb_type(&l->h)))
		area = LSDB_AS_SCOPE;
	pp = slot(db, area, lsdb_type(&l->h), l->h.ls_id, l->h.adv_router, &db->st.probes);
	held = *pp;
	if (held != NULL && held->tomb) {
		r = over_tomb(db, pp, held, area, l, now_ms, sender_since_ms);
		goto out;
	}
	if (held != NULL) {
		struct lsa_hdr hh = held->lsa.h;
		int cmp;

		hh.age = lsdb_age_of(held, now_ms);
		cmp = lsa_compare(&l->h, &hh);
		if (cmp == 0) {
			r = LSDB_DUPLICATE;
			goto out;
		}
		if (cmp < 0) {
			r = LSDB_OLDER;
			goto out;
		}
		if (old != NULL)
			*old = held->lsa.h;
		if (l->h.age >= OSPF_MAX_AGE) {
			entomb(db, pp, held, &l->h, now_ms);
			r = LSDB_FLUSHED;
			goto out;
		}
		if ((l->h.length > held->lsa.h.length &&
		     !bytes_fit(db, (uint64_t)l->h.length - held->lsa.h.length)) ||
		    !heap_reserve(db) || (e = entry_new(area, l, now_ms)) == NULL) {
			r = LSDB_FULL;       /* the instance held stays */
			goto out;
		}
		r = same_contents(&held->lsa, l) ? LSDB_REFRESHED : LSDB_CHANGED;
		db->st.bytes += l->h.length;
		db->st.bytes -= held->lsa.h.length;
		e->next = held->next;
		*pp = e;
		group_replace(held, e);
		heap_remove(db, held);
		heap_push(db, e);
		entry_free(held);
		goto out;
	}
	evicted = db->st.tombstones_evicted;
	if (!heap_reserve(db) || !make_room(db)) {
		r = l->h.age >= OSPF_MAX_AGE ? LSDB_OLDER : LSDB_FULL;
		goto out;
	}
	if (db->st.tombstones_evicted != evicted)   /* pp may point into it */
		pp = slot(db, area, lsdb_type(&l->h), l->h.ls_id, l->h.adv_router, NULL);
	if (l->h.age >= OSPF_MAX_AGE) {
		/* nothing held: ignored, but older instances are refused from now */
		if ((e = calloc(1, sizeof(*e))) != NULL) {
			e->area = area;
			e->lsa.h = l->h;
			e->lsa.h.age = OSPF_MAX_AGE;
			e->lsa.h.do_not_age = false;
			e->installed_ms = now_ms;
			e->tomb = true;
			e->maxage_ms = now_ms + (uint64_t)OSPF_MAX_AGE * 1000;
			e->next = NULL;
			*pp = e;
			heap_insert(db, e);
			tomb_link(db, e);
			db->st.tombstones++;
		}
		r = LSDB_OLDER;
		goto out;
	}
	if (!bytes_fit(db, l->h.length) || (e = entry_new(area, l, now_ms)) == NULL) {
		r = LSDB_FULL;
		goto out;
	}
	if ((g = group_get(db, area, lsdb_type(&l->h))) == NULL) {
		entry_free(e);
		r = LSDB_FULL;
		goto out;
	}
	e->next = NULL;
	*pp = e;
	group_link(g, e);
	heap_push(db, e);
	db->st.entries++;
	db->st.bytes += l->h.length;
	r = LSDB_ADDED;
out:
	db->st.installed[r]++;
	return r;
}

void lsdb_age(struct lsdb *db, uint64_t now_ms,
              void (*fn)(void *ctx, const struct lsdb_entry *e), void *ctx)
{
	while (db->nheap > 0 && db->heap[0]->maxage_ms <= now_ms) {
		struct lsdb_entry *e = db->heap[0];
		struct lsdb_entry **pp = slot(db, e->area, lsdb_type(&e->lsa.h), e->lsa.h.ls_id,
		                              e->lsa.h.adv_router, NULL);
		if (e->tomb) {
			tomb_free(db, pp, e);
			continue;
		}
		if (fn != NULL)
			fn(ctx, e);
		entomb(db, pp, e, &e->lsa.h, e->maxage_ms);
		db->st.aged_out++;
	}
}

static int entry_cmp(const void *a, const void *b)
{
	const struct lsdb_entry *x = *(const struct lsdb_entry *const *)a;
	const struct lsdb_entry *y = *(const struct lsdb_entry *const *)b;

	uint32_t tx = lsdb_type(&x->lsa.h), ty = lsdb_type(&y->lsa.h);

	if (tx != ty)
		return tx < ty ? -1 : 1;
	if (x->lsa.h.ls_id != y->lsa.h.ls_id)
		return x->lsa.h.ls_id < y->lsa.h.ls_id ? -1 : 1;
	if (x->lsa.h.adv_router != y->lsa.h.adv_router)
		return x->lsa.h.adv_router < y->lsa.h.adv_router ? -1 : 1;
	return 0;
}

static int slot_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct lsdb_slot *)a)->key, y = ((const struct lsdb_slot *)b)->key;

	return (x > y) - (x < y);
}

/* fn for every entry of group g, by (ls_id, adv_router): a copy of its
 * slots sorted by their keys (not at all if already in order), so that the
 * sort reads no entry.  O(k log k) for its k entries. */
static void group_walk(const struct lsdb_group *g,
                       void (*fn)(void *ctx, const struct lsdb_entry *e), void *ctx)
{
	struct lsdb_slot *v;
	uint32_t i;

	if ((v = malloc((size_t)g->n * sizeof(*v))) == NULL)
		return;
	memcpy(v, g->v, (size_t)g->n * sizeof(*v));
	for (i = 1; i < g->n && v[i - 1].key < v[i].key; i++)
		;
	if (i < g->n)
		qsort(v, g->n, sizeof(*v), slot_cmp);
	for (i = 0; i < g->n; i++)
		fn(ctx, v[i].e);
	free(v);
}

void lsdb_foreach(const struct lsdb *db, uint32_t area, uint32_t type,
                  void (*fn)(void *ctx, const struct lsdb_entry *e), void *ctx)
{
	const struct lsdb_group *g, *rec;
	const struct lsdb_entry **v;
	uint32_t n = 0;

	if (type != 0 && type != LSDB_V3) {
		if (type != AREA_REC && (g = group_find(db, area, type)) != NULL)
			group_walk(g, fn, ctx);
		return;
	}
	if ((rec = group_find(db, area, AREA_REC)) == NULL ||
	    (v = malloc((size_t)rec->n * sizeof(*v))) == NULL)
		return;
	for (g = rec->groups; g != NULL; g = g->sib)
		if (type == 0 || (g->type & LSDB_V3))
			for (uint32_t i = 0; i < g->n; i++)
				v[n++] = g->v[i].e;
	qsort(v, n, sizeof(*v), entry_cmp);
	for (uint32_t i = 0; i < n; i++)
		fn(ctx, v[i]);
	free(v);
}

static int entry_area_cmp(const void *a, const void *b)
{
	const struct lsdb_entry *x = *(const struct lsdb_entry *const *)a;
	const struct lsdb_entry *y = *(const struct lsdb_entry *const *)b;

	if (x->area != y->area)
		return x->area < y->area ? -1 : 1;
	return entry_cmp(a, b);
}

bool lsdb_sorted(const struct lsdb *db, const struct lsdb_entry ***v, uint32_t *n)
{
	const struct lsdb_entry **a;
	uint32_t k = 0;

	*v = NULL;
	*n = 0;
	if (db->st.entries == 0)
		return true;
	if ((a = malloc(db->st.entries * sizeof(*a))) == NULL)
		return false;
	for (uint32_t i = 0; i < db->nareas; i++)
		for (const struct lsdb_group *g = db->areas[i]->groups; g != NULL; g = g->sib)
			for (uint32_t j = 0; j < g->n; j++)
				a[k++] = g->v[j].e;
	qsort(a, k, sizeof(*a), entry_area_cmp);
	*v = a;
	*n = k;
	return true;
}

/* Max-heap on h[0..n): h[i] sinks to its place. */
static void area_sift(uint32_t *h, unsigned n, unsigned i)
{
	uint32_t x = h[i];

	for (;;) {
		unsigned c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && h[c + 1] > h[c])
			c++;
		if (h[c] <= x)
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = x;
}

unsigned lsdb_areas(const struct lsdb *db, uint32_t *areas, unsigned max)
{
	unsigned n = 0;

	/* the least max areas held, in a max-heap on areas[0..n); then sorted */
	for (uint32_t i = 0; i < db->nareas; i++) {
		uint32_t a = db->areas[i]->area;
		if (a == LSDB_AS_SCOPE)
			continue;
		if (n < max) {
			unsigned k = n++;
			for (; k > 0 && areas[(k - 1) / 2] < a; k = (k - 1) / 2)
				areas[k] = areas[(k - 1) / 2];
			areas[k] = a;
		} else if (max > 0 && a < areas[0]) {
			areas[0] = a;
			area_sift(areas, n, 0);
		}
	}
	for (unsigned k = n; k > 1; k--) {
		uint32_t t = areas[0];
		areas[0] = areas[k - 1];
		areas[k - 1] = t;
		area_sift(areas, k - 1, 0);
	}
	return n;
}

const struct lsdb_stats *lsdb_stats(const struct lsdb *db)
{
	return &db->st;
}
