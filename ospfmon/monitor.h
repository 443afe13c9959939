/*
 * The core of anemone-ospfmon, independent of where packets come from:
 * frames in, OSPF packets checked, LSAs installed in the link-state
 * database and, one at a time, into the topology (lib/topolive.h); once
 * the database has been quiet for `hold` after a change, the changes since
 * the last version become its events and a new version.  Time is the
 * packets' time (capture time in a replay), moved on by mon_tick when no
 * packet arrives; LSAs leave when their age reaches MaxAge.
 *
 * OSPFv3 (RFC 5340) packets, IPv6 next header 89, go to the same database
 * (lib/lsdb.h holds both versions): instance ids 0 to 31 (IPv6 unicast,
 * RFC 5838) are taken, others counted (other_af) and left; the packet
 * checksum is verified over the IPv6 pseudo-header; an authentication
 * trailer (RFC 7166) is not verified (such packets count as unverified).
 * An OSPFv3 LSA that changes makes a new version: the OSPFv3 topology is
 * built again whole (topo6_build, O(n log n) in the OSPFv3 LSAs, counted
 * in the version's work) and compared with the last one into events
 * ("ospf":3 in their elements); it is published inside the topology
 * document ("ospfv3"), and the database document carries the LSAs.
 *
 * Authentication: packets of an area that has keys (mon_conf.keys: keys
 * without an area apply to every area) must carry a cryptographic digest
 * (AuType 2) that verifies under the key of their key id, and a sequence
 * number not below the last one accepted from the same neighbour (router
 * id and source address; forgotten after MON_SEQ_FORGET_MS without an
 * accepted packet, so a router that restarts its numbering is locked out
 * that long at most); anything else is dropped and counted per reason.
 * Packets of an area without keys are accepted unverified and counted; the
 * topology says so (completeness: authenticated, unverified_packets).
 * The sequence check stops replays from one address only: the digest does
 * not cover the IP source, so a captured packet sent from another address
 * is a new neighbour to it.  What such a packet (or a delayed one) carries
 * is judged by the database: an instance older than the one held is
 * ignored (RFC 2328 13.1), and one not newer than an instance flushed or
 * aged out within MaxAge is refused and counted (lsdb.h, tombstones:
 * LSDB_STALE), so neither brings back a withdrawn route or a router that
 * left -- but for an instance at InitialSequenceNumber 5 s or more after the
 * flush, which is the originator's new incarnation as far as anyone can
 * tell.
 *
 * Cost: a packet costs O(its length) (decode, digest) plus O(neighbours)
 * for the sequence check, plus, for each LSA that changed, what keeping the
 * topology costs (topolive.h: O(L log L) for an LSA of L links, plus the
 * link ends of the routers it is linked to, plus O(log n) look-ups); a new
 * version the events of what changed, O(d log d) for d elements changed,
 * never a walk of the database.  The whole topology (mon_topology, for a
 * publication or a dump) costs O(n log n), and its documents O(n): the
 * spacing of versions counts both (mon_charge), so versions cost at most
 * rebuild_work_per_s elementary steps per second of packet time.
 */
#ifndef OSPFMON_MONITOR_H
#define OSPFMON_MONITOR_H

#include <stdbool.h>
#include <stdint.h>

#include "capture.h"
#include "events.h"
#include "log.h"
#include "lsdb.h"
#include "ospf.h"
#include "ospf6.h"
#include "ospfauth.h"
#include "topo.h"
#include "topolive.h"

#define DEF_HOLD_MS 200
#define MAX_LSAS    200000
#define MAX_LSDB_BYTES (128ull << 20)   /* of LSAs held: what their copies take */
#define MON_MAX_KEYS 64
#define MON_MAX_NEIGHBORS 1024       /* sequence numbers kept (verified senders) */
#define MON_SEQ_FORGET_MS 120000
#define DEF_REBUILD_WORK_PER_S 20000000ull   /* about a fifth of a core */

/* One authentication key.  The key octets are not owned (the loaded
 * configuration's) and are never logged. */
struct mon_key {
	bool any_area;               /* configured without an area: every area */
	uint32_t area;
	uint8_t key_id;
	enum ospf_auth_alg alg;
	const uint8_t *key;
	size_t keylen;
};

struct mon_conf {
	uint64_t hold_ms;            /* rebuild this long after the first change */
	struct evlog_conf ev;
	uint32_t max_lsas;           /* database bound; 0: MAX_LSAS */
	uint64_t max_lsdb_bytes;     /* the LSAs' bytes; 0: MAX_LSDB_BYTES */
	uint64_t rebuild_work_per_s; /* rebuild budget; 0: DEF_REBUILD_WORK_PER_S */
	const struct mon_key *keys;  /* not owned */
	unsigned nkeys;
};

/* The last cryptographic sequence number accepted from a neighbour. */
struct mon_nbr {
	uint32_t area, router_id, addr;
	uint32_t seq;
	uint64_t accepted_ms;
	uint64_t first_ms;           /* known since (verified from addr) */
};

struct monitor {
	struct mon_conf c;
	struct lsdb *db;
	int dlt;                     /* of the capture being read */
	uint64_t now_ms;
	uint64_t frames, not_ospf, ospf_pkts;
	uint64_t drops[OSPF_STATUS_MAX];
	uint64_t by_type[6];         /* OSPF packets of either version by type */
	/* OSPFv3 (RFC 5340): packets accepted, dropped by reason, of another
	 * address family (RFC 5838 instance ids 32..255: not IPv6 unicast) */
	uint64_t ospf6_pkts, drops6[OSPF6_STATUS_MAX], other_af;
	bool v3_changed;             /* an OSPFv3 LSA changed since the last version */
	struct topo *topo6;          /* the OSPFv3 topology of the last version
	                                (topo6_build), NULL before any */
	struct ratelim rl;
	struct ratelim rl_full;      /* "the database is full" */

	/* authentication */
	uint64_t auth_verified;      /* packets whose digest verified */
	uint64_t auth_unverified;    /* packets accepted unverified (area without keys) */
	bool warned_unverified;      /* logged once: crypto packets, no key */
	struct mon_nbr *nbr;         /* MON_MAX_NEIGHBORS */
	unsigned nnbr;

	/* cost */
	uint64_t work;               /* elementary steps keeping the topology,
	                                its events and its renderings */
	uint64_t live_work;          /* of them, topo_live_work's */
	uint64_t next_rebuild_ms;    /* versions spaced by their cost */

	struct topo_live *live;      /* the topology, kept with the database (NULL
	                                after memory ran out: rebuilt when due) */
	struct topo *topo;           /* the whole topology of the last version, made
	                                when asked (mon_topology); NULL until then */
	uint64_t topo_ms;            /* the time of the last version */
	uint64_t events_lost;        /* versions whose events were lost: memory */
	uint64_t version;            /* +1 on every rebuild that changed something */
	bool dirty;                  /* the database changed since */
	uint64_t dirty_since;        /* its first change */
	uint64_t aged_s;             /* last whole second flaps were ended */
	unsigned rebuilds;
	struct evlog *ev;
	struct topo_completeness comp;

	/* Every event as a JSON object, until the owner takes them. */
	char **pending;
	unsigned npending, cap_pending;
	uint64_t pending_dropped;

	/* Told about every event as it happens, and about every new version
	 * (after its events; it takes them with mon_take_events).  May be NULL. */
	void (*on_event)(void *ctx, const char *json);
	void (*on_version)(void *ctx);
	void *cb_ctx;
};

/* Set up (db empty); false when memory ran out.  c->keys must outlive m. */
bool mon_init(struct monitor *m, const struct mon_conf *c);
void mon_free(struct monitor *m);

/* Build the topology of what the database holds now without events (after
 * loading a snapshot): the baseline later changes are compared with.
 * O(n log n). */
void mon_baseline(struct monitor *m);

/* The whole topology of the last version (NULL before the first one, or
 * when memory ran out), made on the first call after each version: call it
 * when a version is announced (on_version) or after a forced mon_tick.
 * O(n log n), counted in m->work and in the spacing of versions. */
const struct topo *mon_topology(struct monitor *m);

/* Work done for a version outside the monitor (its documents serialised
 * and written: about a step a byte) counted like the monitor's own, so
 * that publications too keep within rebuild_work_per_s. */
void mon_charge(struct monitor *m, uint64_t work);

/* One captured frame (a cap_frame_fn; ctx is the monitor). */
void mon_frame(void *ctx, const struct cap_frame *fr);

/* Move time on to now_ms (never backwards): age the database, rebuild the
 * topology if the hold time passed (force: now, if anything changed), end
 * flapping. */
void mon_tick(struct monitor *m, uint64_t now_ms, bool force);

/* Drop the pending events (after the owner published them). */
void mon_take_events(struct monitor *m);

/* One log line of counters. */
void mon_log_stats(const struct monitor *m);

#endif
