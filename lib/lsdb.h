/*
 * The link-state database: every LSA instance ospfmon has seen, per area
 * (AS-scoped LSAs in one AS scope), installed by the rules of RFC 2328 13.1
 * and 13.2 and aged from the time passed in.  Each entry owns a copy of its
 * LSA.  Each entry's MaxAge time is kept in a heap, so aging costs
 * O(log n) an LSA aged out, not a walk of the database.
 *
 * Both versions of OSPF in one database.  A network running OSPFv2 and
 * OSPFv3 (RFC 5340) has one set of routers, areas and links; the database
 * holds the LSAs of both, told apart by the key: the key's type of an
 * OSPFv3 LSA is LSDB_V3 | its 16-bit LS type (lsdb_type), so no OSPFv3
 * LSA, whatever its type, is ever taken for an OSPFv2 one.  Everything
 * below -- installation, tombstones, aging, the bounds -- is the same for
 * both: RFC 5340 keeps RFC 2328's rules (13.1, 13.2, 14) and the header's
 * age, sequence number and checksum.  OSPFv3 scopes: AS-scoped LSAs are
 * held in LSDB_AS_SCOPE, area-scoped ones in their area, and link-scoped
 * ones (link-LSAs) in the area of the link they were heard on, keyed, as
 * every LSA, by (type, link state id, router): a link-LSA's link state id
 * is its router's interface id, which names one interface of that router
 * (RFC 5340 4.4.3.8), so the key names the link.  A walk of "every type"
 * gives both versions' LSAs; the users of one version ask for its types.
 *
 * Tombstones.  An LSA flushed (a newer MaxAge instance) or aged out leaves
 * a tombstone: its key and the header of its last instance, at MaxAge, for
 * MaxAge (3600 s) from then.  While it lives, the instance it remembers,
 * and any other at its sequence number that is not newer (RFC 2328 13.1:
 * sequence number, then checksum, then age), is refused (LSDB_STALE,
 * counted): the last LS Update before a flush, delayed or replayed from
 * whatever address, cannot bring back a withdrawn route or a router that
 * left.  A newer instance replaces the tombstone (LSDB_ADDED).  An instance
 * with a lower sequence number, or at InitialSequenceNumber, is refused for
 * LSDB_FLUSH_HOLD_MS and installed after: by then the routers have let the
 * flushed instance go (acknowledged, it leaves their databases) and take
 * what its originator numbers afresh.  FRR re-announces an external route
 * withdrawn a minute before as the very LSA it flushed, at
 * InitialSequenceNumber (tests/data/ospf/readd.pcap), and a router whose
 * OSPF process restarted floods its LSAs again, numbered from where the new
 * process starts, about 4 s after flushing the old ones (the lab's
 * 20-ospfmon-socket).  Such an earlier instance, replayed, is therefore
 * taken after LSDB_FLUSH_HOLD_MS, as routers would take it from a
 * neighbour; with cryptographic authentication a replay from the sender's
 * own address fails the sequence-number check (RFC 2328 D.3), and one from
 * another address is refused (lsdb_install_from).  Not caught: a replay of
 * the sender's latest packet (its cryptographic sequence number may repeat)
 * or of one the monitor never heard (a unicast retransmission it could not
 * see), and a packet sent to an address no router takes packets for, which
 * changes only the monitor's view; a router whose cryptographic sequence
 * starts again from 0 after a restart is a new sender for MON_SEQ_FORGET_MS
 * and then its earlier-numbered LSAs wait for the hour (FRR numbers them
 * by the clock, so not FRR).  An
 * instance at InitialSequenceNumber after a flush at MaxSequenceNumber is
 * taken at once (12.1.6).  A MaxAge instance of an LSA not held leaves a
 * tombstone too.  Tombstones are invisible to the look-ups and walks below,
 * and hold no LSA body.
 *
 * Bounded: LSAs and tombstones together are at most max_lsas, and the LSAs'
 * bytes at most max_bytes when set (lsdb_set_max_bytes).  An LSA
 * never waits for a tombstone: when the bound is reached, the oldest
 * tombstone goes to make room (counted: tombstones_evicted; the protection
 * it gave is lost), and an LSA is refused (LSDB_FULL, counted) only when
 * max_lsas LSAs are held.  A flush or an aging out turns an entry into a
 * tombstone in place, so it never needs room.
 */
#ifndef ANEMONE_LSDB_H
#define ANEMONE_LSDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ospf.h"

#define LSDB_AS_SCOPE 0xffffffffu   /* "area" of AS-scoped LSAs (types 5, 11;
                                       OSPFv3: flooding scope AS) */
#define LSDB_V3 0x10000u            /* in a key's type: OSPFv3's LS type
                                       (LSDB_V3 | 0x2001: its router-LSA) */
#define LSDB_FLUSH_HOLD_MS 1000     /* MinLSArrival (RFC 2328 13 (5a), B): how
                                       long after a flush an earlier-numbered
                                       instance is still taken for a delayed one */

struct lsdb_entry {
	struct lsa lsa;              /* decoded view; lsa.raw points at the copy
	                                (OSPFv3: the header only, lsa.h.v3 set;
	                                lsa6_decode(lsa.raw) reads the body) */
	uint32_t area;               /* area id, or LSDB_AS_SCOPE */
	uint64_t installed_ms;       /* when this instance was installed (a
	                                tombstone: made) */
	struct lsdb_entry *next;     /* hash chain (internal) */
	struct lsdb_entry *all_next, **all_pprev;  /* an LSA: all_pprev points at
	                                its place in its (area, type)'s array;
	                                a tombstone: its list (internal) */
	uint64_t maxage_ms;          /* when its age reaches MaxAge (internal) */
	uint32_t heap_at;            /* its place in the MaxAge heap (internal) */
	bool tomb;                   /* a tombstone: lsa.h only, at MaxAge, lsa.raw
	                                NULL; on the tombstone list (all_next,
	                                all_pprev), not on the list of entries
	                                (internal) */
};

/* What lsdb_install did with an LSA. */
enum lsdb_result {
	LSDB_ADDED,        /* no instance before */
	LSDB_CHANGED,      /* newer instance, different contents */
	LSDB_REFRESHED,    /* newer instance, same contents (age/seq/checksum aside) */
	LSDB_DUPLICATE,    /* the instance already held */
	LSDB_OLDER,        /* older than the instance held: ignored */
	LSDB_FLUSHED,      /* a newer MaxAge instance: the LSA held is removed and
	                      leaves a tombstone (a MaxAge LSA with nothing held
	                      is ignored: OLDER, and leaves or moves on a
	                      tombstone) */
	LSDB_STALE,        /* not newer than the instance a tombstone remembers
	                      (flushed or aged out within MaxAge), nor a new
	                      incarnation: refused */
	LSDB_FULL,         /* no room: refused (counted) */
};

struct lsdb_stats {
	uint64_t installed[LSDB_FULL + 1];  /* by result */
	uint64_t aged_out;                  /* removed by lsdb_age */
	uint64_t tombstones_evicted;        /* went early to make room for an LSA */
	uint64_t probes;                    /* entries compared by lsdb_install's
	                                       look-ups: its cost beyond O(1) */
	uint64_t bytes;                     /* of the LSAs held (their length) */
	uint32_t entries;                   /* LSAs held */
	uint32_t tombstones;                /* tombstones held (entries + tombstones
	                                       <= max_lsas) */
};

struct lsdb;

struct lsdb *lsdb_new(uint32_t max_lsas);
void lsdb_free(struct lsdb *db);
/* Bound the bytes of the LSAs held (their length fields, what their copies
 * take; 0: no bound, the default): an LSA that would pass it is refused
 * (LSDB_FULL, counted), a changed instance that would keeps the one held.
 * max_lsas alone lets 64 KiB LSAs take up to 13 GB at 200,000. */
void lsdb_set_max_bytes(struct lsdb *db, uint64_t max_bytes);

/* The age of an entry at now_ms, capped at MaxAge (DoNotAge LSAs keep theirs). */
uint16_t lsdb_age_of(const struct lsdb_entry *e, uint64_t now_ms);

/*
 * Install LSA l received in area `area` at now_ms.  The LSA is copied.  If
 * `old` is not NULL it receives a copy of the header of the instance that
 * was replaced (when the result is CHANGED, REFRESHED or FLUSHED).
 * O(1) expected look-ups (at most two: one more when a tombstone is
 * evicted; and one of the LSA's (area, type) when it is added or flushed),
 * plus O(log n) in the MaxAge heap, plus amortized O(1) in the array of
 * its (area, type) (which doubles and halves).
 */
enum lsdb_result lsdb_install(struct lsdb *db, uint32_t area, const struct lsa *l,
                              uint64_t now_ms, struct lsa_hdr *old);

/*
 * lsdb_install for an LSA whose sender has been known (its packets verified
 * from its address: a cryptographic-authentication neighbour) since
 * sender_since_ms.  Over a tombstone, an instance with a lower sequence
 * number (or at InitialSequenceNumber) is then installed only when the
 * sender was known when the tombstone was made: an LS Update captured
 * earlier and replayed from another address comes from a sender first
 * heard after the flush, and is refused for the tombstone's hour, as the
 * routers refuse it (it comes from no neighbour of theirs).  lsdb_install
 * is this with sender_since_ms 0 (any sender: without authentication a
 * replay is no harder than a forgery).
 */
enum lsdb_result lsdb_install_from(struct lsdb *db, uint32_t area, const struct lsa *l,
                                   uint64_t now_ms, uint64_t sender_since_ms,
                                   struct lsa_hdr *old);

/* The instance held for (area, type, ls_id, adv_router), or NULL (also
 * when only a tombstone is). */
const struct lsdb_entry *lsdb_get(const struct lsdb *db, uint32_t area, uint32_t type,
                                  uint32_t ls_id, uint32_t adv_router);

/* The area an LSA of `type` (a key's type: lsdb_type) received in `area` is
 * held in: LSDB_AS_SCOPE for AS-scoped types (5, 11; OSPFv3: scope AS),
 * else area (OSPFv3 link-scoped LSAs too: see above). */
uint32_t lsdb_scope(uint32_t area, uint32_t type);

/* The key's type of an LSA: h->type for OSPFv2, LSDB_V3 | h->type for
 * OSPFv3. */
uint32_t lsdb_type(const struct lsa_hdr *h);

/* The view lsdb_install takes of an OSPFv3 LSA lsa6_decode accepted: its
 * header (v3 set, options 0) and raw bytes, no body. */
struct lsa6;
void lsdb_lsa6(const struct lsa6 *l6, struct lsa *out);

/* Check and decode one LSA of either version in buf[0..len) (lsa_decode;
 * OSPFv3: lsa6_decode, then lsdb_lsa6): true, or false with *why the
 * decoder's status name. */
bool lsdb_decode(const uint8_t *buf, size_t len, bool v3, struct lsa *out, const char **why);

/* Remove the LSAs whose age reached MaxAge at now_ms; each is passed to
 * fn (if not NULL) before it goes, and leaves a tombstone for MaxAge from
 * the time it reached MaxAge.  Tombstones that lived that long go too.
 * O((k + 1) log n) for k removed: after it, lsdb_age_of(e, now_ms) < MaxAge
 * for every entry e held. */
void lsdb_age(struct lsdb *db, uint64_t now_ms,
              void (*fn)(void *ctx, const struct lsdb_entry *e), void *ctx);

/* Call fn for every entry of `area` (LSDB_AS_SCOPE: AS-scoped ones) whose
 * key's type is `type` (0: every LSA of both versions; LSDB_V3: every
 * OSPFv3 LSA), in a stable order: type (OSPFv2's before OSPFv3's), ls_id,
 * adv_router.  Cost: O(k log k) for the k entries walked (0, LSDB_V3: of
 * the area's types, of its OSPFv3 types), whatever else the database
 * holds: it keeps the LSAs of each (area, type) together, so a walk of an
 * area's OSPFv2 router-LSAs visits no OSPFv3 link-LSA, nor another area's
 * LSAs. */
void lsdb_foreach(const struct lsdb *db, uint32_t area, uint32_t type,
                  void (*fn)(void *ctx, const struct lsdb_entry *e), void *ctx);

/*
 * Every entry of both versions, sorted by area (LSDB_AS_SCOPE last), key's
 * type (OSPFv2's first), ls_id, adv_router,
 * as a malloc'd array of *n pointers that the caller frees (the entries
 * remain the database's, valid until it next changes).  *v is NULL when the
 * database is empty.  False (and *v NULL) when memory ran out.
 * O(n log n): one walk and one sort, whatever the number of areas.
 */
bool lsdb_sorted(const struct lsdb *db, const struct lsdb_entry ***v, uint32_t *n);

/* The areas that hold at least one LSA, ascending; returns how many (at
 * most max are written: the max least).  Cost: O(A log max) for the A
 * areas held (the database keeps a list of them), whatever the number of
 * LSAs. */
unsigned lsdb_areas(const struct lsdb *db, uint32_t *areas, unsigned max);

const struct lsdb_stats *lsdb_stats(const struct lsdb *db);

#endif
