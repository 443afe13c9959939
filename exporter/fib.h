/*
 * Route lookup in the kernel's FIB, for the egressInterface and next hop of
 * exported flows (export.route-lookup), as a router's own flow export fills
 * them: one RTM_GETROUTE query over a NETLINK_ROUTE socket per destination
 * address, answered from a small cache most of the time.
 *
 * Three layers, so that each can be tested (and fuzzed) alone:
 *   fib_request, fib_parse   pure: bytes of a request out, the kernel's
 *                            reply in (no sockets, no clocks, no logging)
 *   fib_cache_*              pure: a bounded set-associative cache of
 *                            answers by (destination, source), time passed in
 *   struct fib               the socket and the cache: fib_fill, called
 *                            once per exported flow (never per packet)
 *
 * The query is the forwarding decision for the flow: RTA_DST = its
 * destination and, when the capture meters only received frames (input
 * direction "in"), RTA_IIF = the capture's ifindex and RTA_SRC = its source,
 * so the kernel answers as for a packet arriving there (ip_forward off: no
 * route).  Without an input interface the query is the host's own output
 * route for the destination alone: the kernel refuses an output lookup from
 * a source address that is not local (ENETUNREACH).  Answers are cached by
 * what the query asked: (destination, source) with an input interface, so
 * that ECMP (the kernel hashes the source with the destination) and
 * source-specific routes (ip rule from ...) give each source its own
 * answer; the destination alone without.  A kernel hashing L4 ports too
 * (fib_multipath_hash_policy 1) is answered as for ports 0.
 *
 * Cost: a cache hit is one hash and up to FIB_CACHE_WAYS compares; a miss
 * is one send and one receive on the netlink socket (some 5 us on Linux,
 * which answers RTM_GETROUTE within the sendmsg call), bounded by
 * FIB_TIMEOUT_MS; after a timeout no query is sent for FIB_BACKOFF_MS, so
 * a kernel that does not answer costs at most 10 % of the time.
 *
 * Not thread-safe: one struct fib per thread (the capture source's).
 */
#ifndef ANEMONE_FIB_H
#define ANEMONE_FIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow.h"

#define FIB_CACHE_SLOTS  4096   /* answers kept (a power of two) */
#define FIB_CACHE_WAYS   4      /* slots one destination may use */
#define FIB_TTL_MS       5000   /* an answer is used this long: route changes
                                   show within 5 s */
#define FIB_TIMEOUT_MS   100    /* wait for the kernel's answer at most this */
#define FIB_BACKOFF_MS   1000   /* after a timeout: no query for this long */
#define FIB_REQ_MAX      96     /* bytes of the longest request */

/* What a destination's route says about the flows towards it. */
enum fib_kind {
	FIB_ROUTED = 1,         /* forwarded: out oif, via gw (zero: connected) */
	FIB_LOCAL,              /* delivered to this host (or multicast,
	                           broadcast): exported with egress 0 */
	FIB_NO_ROUTE,           /* unreachable, blackhole, prohibit, or the
	                           kernel's error (no route, forwarding off,
	                           martian source): egress 0 */
};

struct fib_route {
	enum fib_kind kind;
	uint32_t oif;           /* FIB_ROUTED: the outgoing ifindex */
	union anm_addr gw;      /* FIB_ROUTED: the gateway (network order, the
	                           flow's family), zero when directly connected */
	int error;              /* FIB_NO_ROUTE from an error: its errno */
};

/* --- pure: the wire format --------------------------------------------- */

/*
 * Write an RTM_GETROUTE request for destination dst of family af (AF_INET
 * or AF_INET6) into buf: RTA_SRC when src is not NULL, RTA_IIF when iif is
 * not 0.  Returns its length (at most FIB_REQ_MAX), or 0 if len is too
 * small or af unknown.  Cost: O(1).
 */
size_t fib_request(uint8_t *buf, size_t len, uint32_t seq, uint8_t af,
                   const union anm_addr *dst, const union anm_addr *src, uint32_t iif);

enum fib_status {
	FIB_ANSWER = 0,         /* *out is the answer to seq */
	FIB_NOT_OURS,           /* well-formed, but no message answers seq (a
	                           late answer to an earlier query): wait on */
	FIB_ERR_TRUNC,          /* a length runs past the bytes there */
	FIB_ERR_MALFORMED,      /* an answer to seq that makes no sense (wrong
	                           family, short attribute, no oif) */
};

/*
 * Parse the datagram the kernel sent back (one or more netlink messages)
 * for the answer to request seq about a destination of family af.  Lengths
 * are checked layer by layer (message header, then its declared length
 * against the bytes there, then rtmsg, then each attribute); nothing is
 * read in place.  Cost: linear in len.
 */
enum fib_status fib_parse(const uint8_t *buf, size_t len, uint32_t seq, uint8_t af,
                          struct fib_route *out);

/* --- pure: the cache ---------------------------------------------------- */

struct fib_entry {
	union anm_addr dst;
	union anm_addr src;     /* zeros: an answer for any source */
	uint64_t expires_ms;    /* 0: free */
	struct fib_route r;
	uint8_t af;
};

/* FIB_CACHE_SLOTS entries in sets of FIB_CACHE_WAYS; the caller owns e. */
struct fib_cache {
	struct fib_entry *e;
	uint64_t seed;          /* of the hash: crafted addresses do not pile
	                           into one set in every process */
};

/* The cached answer for (af, dst, src) still valid at now_ms, or NULL; src
 * NULL: the answer of a query without a source.  Cost: one hash, up to
 * FIB_CACHE_WAYS compares. */
const struct fib_route *fib_cache_find(const struct fib_cache *c, uint8_t af,
                                       const union anm_addr *dst, const union anm_addr *src,
                                       uint64_t now_ms);

/* Keep r for (af, dst, src) until now_ms + FIB_TTL_MS, in place of the same
 * key's entry, a free or expired one, or the set's entry closest to
 * expiry.  Cost: as fib_cache_find. */
void fib_cache_put(struct fib_cache *c, uint8_t af, const union anm_addr *dst,
                   const union anm_addr *src, const struct fib_route *r, uint64_t now_ms);

/* Forget every answer (the input interface changed).  Cost: O(slots). */
void fib_cache_clear(struct fib_cache *c);

/* --- the module: socket and cache -------------------------------------- */

/* The counters of "stats route-lookup". */
struct fib_stats {
	uint64_t lookups;       /* flows that asked for their route */
	uint64_t hits;          /* answered from the cache */
	uint64_t queries;       /* RTM_GETROUTE requests sent */
	uint64_t no_route;      /* answers (queries) without a forwarding route */
	uint64_t local;         /* answers (queries): delivered to this host */
	uint64_t failures;      /* lookups exported with zeros for want of an
	                           answer: timeouts, socket errors, malformed
	                           answers, and misses during a backoff */
	uint64_t timeouts;      /* queries the kernel did not answer in time */
};

struct fib;

/* Open a NETLINK_ROUTE socket (in the caller's network namespace; no
 * privilege needed) and the cache, its hash seeded with seed.  NULL with a
 * message in err.  Cost: one socket, FIB_CACHE_SLOTS entries of memory. */
struct fib *fib_new(uint64_t seed, char *err, size_t errlen);
void fib_free(struct fib *fb);          /* NULL is fine */

/* The input interface the queries name from now on (0: none, an output
 * lookup); a change clears the cache. */
void fib_set_iif(struct fib *fb, uint32_t iif);

/*
 * Fill f->out_if and f->nexthop from the route to f->dst (f->src the
 * source when an input interface is set): the cache, else one query, waiting
 * at most FIB_TIMEOUT_MS.  A flow without an answer, without a route or to
 * this host gets 0 and zeros; so does one without a destination address
 * (a flow key without dst-addr), which is not looked up.  Without a source
 * address (a key without src-addr) the query is an output lookup.
 * Failures are logged rate-limited.
 */
void fib_fill(struct fib *fb, struct anm_flow *f, uint64_t now_ms);

const struct fib_stats *fib_stats(const struct fib *fb);

#endif
