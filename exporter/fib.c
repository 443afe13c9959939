/*
 * Route lookup in the kernel's FIB over rtnetlink (see fib.h): a pure
 * request writer and reply parser, a pure cache of answers, and the socket
 * that ties them to exported flows.  The parser copies every header and
 * attribute out of the buffer before reading it and checks each length
 * against the bytes really there, layer by layer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fib.h"
#include "hash.h"
#include "log.h"

_Static_assert(sizeof(struct nlmsghdr) == 16, "struct nlmsghdr is 16 bytes on the wire");
_Static_assert(sizeof(struct rtmsg) == 12, "struct rtmsg is 12 bytes on the wire");
_Static_assert(sizeof(struct rtattr) == 4, "struct rtattr is 4 bytes on the wire");
_Static_assert((FIB_CACHE_SLOTS & (FIB_CACHE_SLOTS - 1)) == 0 &&
               FIB_CACHE_SLOTS % FIB_CACHE_WAYS == 0 &&
               ((FIB_CACHE_SLOTS / FIB_CACHE_WAYS) & (FIB_CACHE_SLOTS / FIB_CACHE_WAYS - 1)) == 0,
               "the cache is a power-of-two number of sets of FIB_CACHE_WAYS");

/* Address length of a family, 0 if neither IPv4 nor IPv6. */
static size_t addr_len(uint8_t af)
{
	return af == AF_INET ? 4 : af == AF_INET6 ? 16 : 0;
}

/* --- the wire format ----------------------------------------------------- */

/* Append attribute (type, data) at off in buf; returns the new offset.  The
 * caller has checked the room (RTA_SPACE(len)); the padding is zero. */
static size_t put_attr(uint8_t *buf, size_t off, uint16_t type, const void *data, size_t len)
{
	struct rtattr a = { .rta_len = (unsigned short)RTA_LENGTH(len), .rta_type = type };

	memcpy(buf + off, &a, sizeof(a));
	memcpy(buf + off + RTA_LENGTH(0), data, len);
	return off + RTA_SPACE(len);
}

size_t fib_request(uint8_t *buf, size_t len, uint32_t seq, uint8_t af,
                   const union anm_addr *dst, const union anm_addr *src, uint32_t iif)
{
	size_t alen = addr_len(af), need, off;
	struct nlmsghdr nh;
	struct rtmsg rt;

	if (alen == 0)
		return 0;
	need = NLMSG_SPACE(sizeof(rt)) + RTA_SPACE(alen) * (src != NULL ? 2 : 1) +
	       (iif != 0 ? RTA_SPACE(sizeof(iif)) : 0);
	if (need > len || need > FIB_REQ_MAX)
		return 0;
	memset(buf, 0, need);
	memset(&nh, 0, sizeof(nh));
	nh.nlmsg_len = (uint32_t)need;
	nh.nlmsg_type = RTM_GETROUTE;
	nh.nlmsg_flags = NLM_F_REQUEST;
	nh.nlmsg_seq = seq;
	memset(&rt, 0, sizeof(rt));
	rt.rtm_family = af;
	rt.rtm_dst_len = (uint8_t)(alen * 8);
	rt.rtm_src_len = src != NULL ? (uint8_t)(alen * 8) : 0;
	memcpy(buf, &nh, sizeof(nh));
	memcpy(buf + NLMSG_HDRLEN, &rt, sizeof(rt));
	off = NLMSG_SPACE(sizeof(rt));
	off = put_attr(buf, off, RTA_DST, dst->b, alen);
	if (src != NULL)
		off = put_attr(buf, off, RTA_SRC, src->b, alen);
	if (iif != 0)
		off = put_attr(buf, off, RTA_IIF, &iif, sizeof(iif));
	return off;
}

/* What an answer's route type means for a flow's egress. */
static enum fib_kind kind_of(uint8_t rtm_type)
{
	switch (rtm_type) {
	case RTN_UNICAST:
		return FIB_ROUTED;
	case RTN_LOCAL:
	case RTN_BROADCAST:
	case RTN_MULTICAST:
	case RTN_ANYCAST:
		return FIB_LOCAL;
	default:                 /* unreachable, blackhole, prohibit, throw ... */
		return FIB_NO_ROUTE;
	}
}

/* One RTM_NEWROUTE message m of mlen bytes (its header checked): the route
 * type, RTA_OIF, and RTA_GATEWAY or an RTA_VIA of the flow's family (a
 * gateway of the other family, RFC 5549, cannot be exported: zero).  Cost:
 * linear in mlen. */
static enum fib_status parse_route(const uint8_t *m, size_t mlen, uint8_t af,
                                   struct fib_route *out)
{
	size_t alen = addr_len(af), off = NLMSG_SPACE(sizeof(struct rtmsg));
	struct rtmsg rt;
	uint32_t oif = 0;

	if (mlen < NLMSG_LENGTH(sizeof(rt)))
		return FIB_ERR_TRUNC;
	memcpy(&rt, m + NLMSG_HDRLEN, sizeof(rt));
	if (rt.rtm_family != af)
		return FIB_ERR_MALFORMED;
	memset(out, 0, sizeof(*out));
	while (off < mlen) {
		struct rtattr a;
		const uint8_t *p;
		size_t plen, step;

		if (mlen - off < sizeof(a))
			return FIB_ERR_TRUNC;
		memcpy(&a, m + off, sizeof(a));
		if (a.rta_len < sizeof(a) || a.rta_len > mlen - off)
			return FIB_ERR_TRUNC;
		p = m + off + RTA_LENGTH(0);
		plen = a.rta_len - RTA_LENGTH(0);
		switch (a.rta_type & NLA_TYPE_MASK) {
		case RTA_OIF:
			if (plen != sizeof(oif))
				return FIB_ERR_MALFORMED;
			memcpy(&oif, p, sizeof(oif));
			break;
		case RTA_GATEWAY:
			if (plen != alen)
				return FIB_ERR_MALFORMED;
			memcpy(out->gw.b, p, alen);
			break;
		case RTA_VIA: {
			uint16_t fam;
			if (plen < sizeof(fam))
				return FIB_ERR_MALFORMED;
			memcpy(&fam, p, sizeof(fam));
			if (fam == af && plen - sizeof(fam) == alen)
				memcpy(out->gw.b, p + sizeof(fam), alen);
			break;
		}
		default:
			break;
		}
		step = RTA_ALIGN(a.rta_len);
		if (step >= mlen - off)
			break;
		off += step;
	}
	out->kind = kind_of(rt.rtm_type);
	if (out->kind == FIB_ROUTED) {
		if (oif == 0)
			return FIB_ERR_MALFORMED;
		out->oif = oif;
	} else {
		memset(&out->gw, 0, sizeof(out->gw));
	}
	return FIB_ANSWER;
}

/* One message of our seq, header checked: an error (the kernel's "no
 * route"), or a route. */
static enum fib_status parse_msg(const uint8_t *m, size_t mlen, uint16_t type, uint8_t af,
                                 struct fib_route *out)
{
	int error;

	if (type == RTM_NEWROUTE)
		return parse_route(m, mlen, af, out);
	if (type != NLMSG_ERROR)
		return FIB_ERR_MALFORMED;
	if (mlen < NLMSG_LENGTH(sizeof(error)))
		return FIB_ERR_TRUNC;
	memcpy(&error, m + NLMSG_HDRLEN, sizeof(error));
	if (error >= 0 || error < -4095)   /* an acknowledgement: we asked for none;
	                                      no errno is that large */
		return FIB_ERR_MALFORMED;
	memset(out, 0, sizeof(*out));
	out->kind = FIB_NO_ROUTE;
	out->error = -error;
	return FIB_ANSWER;
}

enum fib_status fib_parse(const uint8_t *buf, size_t len, uint32_t seq, uint8_t af,
                          struct fib_route *out)
{
	size_t off = 0;

	if (addr_len(af) == 0)
		return FIB_ERR_MALFORMED;
	while (off < len) {
		struct nlmsghdr nh;
		size_t step;

		if (len - off < sizeof(nh))
			return FIB_ERR_TRUNC;
		memcpy(&nh, buf + off, sizeof(nh));
		if (nh.nlmsg_len < sizeof(nh) || nh.nlmsg_len > len - off)
			return FIB_ERR_TRUNC;
		if (nh.nlmsg_seq == seq)
			return parse_msg(buf + off, nh.nlmsg_len, nh.nlmsg_type, af, out);
		step = NLMSG_ALIGN(nh.nlmsg_len);
		if (step >= len - off)
			break;
		off += step;
	}
	return FIB_NOT_OURS;
}

/* --- the cache ----------------------------------------------------------- */

/* The source of a key: src, or zeros for none. */
static const union anm_addr *key_src(const union anm_addr *src)
{
	static const union anm_addr none;

	return src != NULL ? src : &none;
}

/* The first slot of the set of (af, dst, src). */
static size_t set_of(const struct fib_cache *c, uint8_t af, const union anm_addr *dst,
                     const union anm_addr *src)
{
	struct { uint8_t d[16], s[16]; uint64_t af; } key;

	memset(&key, 0, sizeof(key));
	memcpy(key.d, dst->b, addr_len(af));
	memcpy(key.s, key_src(src)->b, addr_len(af));
	key.af = af;
	return (size_t)(hash_words(&key, sizeof(key), c->seed) &
	                (FIB_CACHE_SLOTS / FIB_CACHE_WAYS - 1)) * FIB_CACHE_WAYS;
}

/* Does entry e hold (af, dst, src)? */
static bool entry_is(const struct fib_entry *e, uint8_t af, const union anm_addr *dst,
                     const union anm_addr *src)
{
	return e->af == af && memcmp(e->dst.b, dst->b, addr_len(af)) == 0 &&
	       memcmp(e->src.b, key_src(src)->b, addr_len(af)) == 0;
}

const struct fib_route *fib_cache_find(const struct fib_cache *c, uint8_t af,
                                       const union anm_addr *dst, const union anm_addr *src,
                                       uint64_t now_ms)
{
	size_t base = set_of(c, af, dst, src);

	for (size_t i = 0; i < FIB_CACHE_WAYS; i++) {
		const struct fib_entry *e = &c->e[base + i];
		if (e->expires_ms > now_ms && entry_is(e, af, dst, src))
			return &e->r;
	}
	return NULL;
}

void fib_cache_put(struct fib_cache *c, uint8_t af, const union anm_addr *dst,
                   const union anm_addr *src, const struct fib_route *r, uint64_t now_ms)
{
	size_t base = set_of(c, af, dst, src);
	struct fib_entry *victim = NULL;

	for (size_t i = 0; i < FIB_CACHE_WAYS; i++) {
		struct fib_entry *e = &c->e[base + i];
		if (e->expires_ms > now_ms && entry_is(e, af, dst, src)) {
			victim = e;
			break;
		}
		if (victim == NULL || (victim->expires_ms > now_ms && e->expires_ms < victim->expires_ms))
			victim = e;
	}
	memset(victim, 0, sizeof(*victim));
	memcpy(victim->dst.b, dst->b, addr_len(af));
	memcpy(victim->src.b, key_src(src)->b, addr_len(af));
	victim->af = af;
	victim->r = *r;
	victim->expires_ms = now_ms + FIB_TTL_MS;
}

void fib_cache_clear(struct fib_cache *c)
{
	memset(c->e, 0, sizeof(*c->e) * FIB_CACHE_SLOTS);
}

/* --- the socket ---------------------------------------------------------- */

struct fib {
	int fd;
	uint32_t seq;
	uint32_t iif;
	uint64_t quiet_until;      /* after a timeout: no query before this */
	struct fib_cache cache;
	struct fib_stats st;
	struct ratelim rl;
	uint8_t rbuf[8192];        /* a route answer is some 100 bytes */
};

/* Monotonic milliseconds, for the query's deadline only (flows and the
 * cache run on the caller's time). */
static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct fib *fib_new(uint64_t seed, char *err, size_t errlen)
{
	struct fib *fb = calloc(1, sizeof(*fb));
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	int one = 1;

	if (fb == NULL) {
		snprintf(err, errlen, "route lookup: out of memory");
		return NULL;
	}
	fb->fd = -1;
	if ((fb->cache.e = calloc(FIB_CACHE_SLOTS, sizeof(*fb->cache.e))) == NULL) {
		snprintf(err, errlen, "route lookup: out of memory");
		goto fail;
	}
	fb->cache.seed = seed;
	fb->rl = (struct ratelim)RATELIM_INIT(10000, 3);
	fb->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	if (fb->fd < 0) {
		snprintf(err, errlen, "route lookup: netlink socket: %s", strerror(errno));
		goto fail;
	}
	/* errors without a copy of our request; unicasts from the kernel only
	 * (a connected netlink socket refuses any other sender) */
	(void)setsockopt(fb->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (connect(fb->fd, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		snprintf(err, errlen, "route lookup: netlink connect: %s", strerror(errno));
		goto fail;
	}
	return fb;
fail:
	fib_free(fb);
	return NULL;
}

void fib_free(struct fib *fb)
{
	if (fb == NULL)
		return;
	if (fb->fd >= 0)
		close(fb->fd);
	free(fb->cache.e);
	free(fb);
}

void fib_set_iif(struct fib *fb, uint32_t iif)
{
	if (iif != fb->iif)
		fib_cache_clear(&fb->cache);
	fb->iif = iif;
}

const struct fib_stats *fib_stats(const struct fib *fb)
{
	return &fb->st;
}

enum query_result { Q_ANSWER, Q_TIMEOUT, Q_FAILED };

/* Wait for the answer to seq until the deadline: skip late answers to
 * earlier queries (each a datagram in the socket's queue, read once); a
 * datagram too big for rbuf, or one that does not parse, fails the query.
 * Cost: one recv per datagram, poll(2) while none. */
static enum query_result await_answer(struct fib *fb, uint32_t seq, uint8_t af, uint64_t deadline,
                                      struct fib_route *r, const char **why)
{
	for (;;) {
		ssize_t got = recv(fb->fd, fb->rbuf, sizeof(fb->rbuf), MSG_TRUNC);
		uint64_t now;
		enum fib_status st;

		if (got < 0) {
			struct pollfd pfd = { fb->fd, POLLIN, 0 };
			if (errno == EINTR || errno == ENOBUFS)   /* ENOBUFS: overrun */
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				*why = strerror(errno);
				return Q_FAILED;
			}
			if ((now = mono_ms()) >= deadline)
				return Q_TIMEOUT;
			if (poll(&pfd, 1, (int)(deadline - now)) < 0 && errno != EINTR) {
				*why = strerror(errno);
				return Q_FAILED;
			}
			continue;
		}
		if ((size_t)got > sizeof(fb->rbuf)) {
			*why = "answer too long";
			return Q_FAILED;
		}
		st = fib_parse(fb->rbuf, (size_t)got, seq, af, r);
		if (st == FIB_ANSWER)
			return Q_ANSWER;
		if (st != FIB_NOT_OURS) {
			*why = st == FIB_ERR_TRUNC ? "truncated answer" : "malformed answer";
			return Q_FAILED;
		}
		if (mono_ms() >= deadline)      /* late answers only, until now */
			return Q_TIMEOUT;
	}
}

/* Ask the kernel for the route of (af, dst[, src, iif]): one request, then
 * its answer within FIB_TIMEOUT_MS. */
static enum query_result query(struct fib *fb, uint8_t af, const union anm_addr *dst,
                               const union anm_addr *src, struct fib_route *r, const char **why)
{
	uint8_t req[FIB_REQ_MAX];
	size_t n;

	if (++fb->seq == 0)
		fb->seq = 1;
	/* an input lookup needs the source (the kernel refuses 0.0.0.0 as
	 * martian); an output lookup refuses one that is not local: the
	 * source and the input interface go together */
	if (fb->iif == 0)
		src = NULL;
	n = fib_request(req, sizeof(req), fb->seq, af, dst, src, src != NULL ? fb->iif : 0);
	if (n == 0) {
		*why = "cannot build the request";
		return Q_FAILED;
	}
	fb->st.queries++;
	if (send(fb->fd, req, n, 0) != (ssize_t)n) {
		*why = strerror(errno);
		return Q_FAILED;
	}
	return await_answer(fb, fb->seq, af, mono_ms() + FIB_TIMEOUT_MS, r, why);
}

/* Is a an all-zero address (a field the flow key leaves out)? */
static bool addr_zero(const union anm_addr *a)
{
	return (a->w[0] | a->w[1] | a->w[2] | a->w[3]) == 0;
}

/* Copy a route's egress into a flow. */
static void apply(struct anm_flow *f, const struct fib_route *r)
{
	if (r->kind != FIB_ROUTED)
		return;
	f->out_if = r->oif;
	f->nexthop = r->gw;
}

void fib_fill(struct fib *fb, struct anm_flow *f, uint64_t now_ms)
{
	const struct fib_route *hit;
	const union anm_addr *src;
	struct fib_route r;
	const char *why = "";
	char addr[INET6_ADDRSTRLEN], msg[128];

	f->out_if = 0;
	memset(&f->nexthop, 0, sizeof(f->nexthop));
	if (addr_len(f->af) == 0 || addr_zero(&f->dst))
		return;
	fb->st.lookups++;
	/* the source goes into the query, and into the key, only with an
	 * input interface (query()) */
	src = fb->iif != 0 && !addr_zero(&f->src) ? &f->src : NULL;
	if ((hit = fib_cache_find(&fb->cache, f->af, &f->dst, src, now_ms)) != NULL) {
		fb->st.hits++;
		apply(f, hit);
		return;
	}
	if (now_ms < fb->quiet_until) {
		fb->st.failures++;
		return;
	}
	switch (query(fb, f->af, &f->dst, src, &r, &why)) {
	case Q_ANSWER:
		if (r.kind == FIB_NO_ROUTE)
			fb->st.no_route++;
		else if (r.kind == FIB_LOCAL)
			fb->st.local++;
		fib_cache_put(&fb->cache, f->af, &f->dst, src, &r, now_ms);
		apply(f, &r);
		return;
	case Q_TIMEOUT:
		fb->st.timeouts++;
		fb->st.failures++;
		fb->quiet_until = now_ms + FIB_BACKOFF_MS;
		snprintf(msg, sizeof(msg), "no answer from the kernel within %d ms (no query "
		         "for the next %d ms)", FIB_TIMEOUT_MS, FIB_BACKOFF_MS);
		why = msg;
		break;
	case Q_FAILED:
		fb->st.failures++;
		break;
	}
	inet_ntop(f->af, f->dst.b, addr, sizeof(addr));
	log_ratelimited(&fb->rl, now_ms, "route lookup for %s: %s (exported without "
	                "egress interface and next hop)", addr, why);
}
