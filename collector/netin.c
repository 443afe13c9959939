/*
 * The collector's inputs (see netin.h): listeners, IPFIX/TCP connections and
 * their framing, read in bounded shares per turn; connection limits,
 * eviction and timeouts; the kernel's UDP drop counts.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "endpoint.h"
#include "log.h"
#include "netin.h"

#define SWEEP_MS 100                 /* how often the timeouts are looked at */
#define MAX_DGRAM 65536

struct listener {
	int fd;
	bool tcp;
	unsigned protos;
	const char *spec;
	uint32_t drops_seen;         /* the kernel's count, as last reported */
	uint64_t drops;              /* summed over wraps of that count */
};

struct conn {
	int fd;                      /* -1: the slot is free */
	uint64_t id;
	struct sockaddr_storage peer;
	uint8_t *buf;                /* NETIN_BUF bytes while len > 0, else NULL */
	size_t len;
	uint64_t last_ms;            /* accept, or the last byte received (monotonic) */
	uint64_t partial_ms;         /* when the pending message's first byte came */
	uint64_t messages, bytes;
};

union ctrl {
	struct cmsghdr align;
	char buf[CMSG_SPACE(sizeof(uint32_t)) * 2];
};

struct netin {
	struct netin_conf conf;
	struct netin_ops ops;
	struct listener ls[COL_MAX_LISTEN];
	unsigned nls;
	struct conn *conns;          /* conf.max_conns slots */
	unsigned nconns;             /* slots in use */
	uint64_t next_id;
	/* the last poll: listeners first, then connections; for those, the
	 * slot and the id of the connection polled (a slot may be reused by
	 * an accept in the same turn) */
	struct pollfd *pfd;
	unsigned *pslot;
	uint64_t *pid;
	unsigned np;
	unsigned rr;                 /* the turn's first socket, rotating */
	uint64_t next_sweep;
	/* one UDP batch */
	uint8_t (*dgram)[MAX_DGRAM];
	struct mmsghdr msgs[NETIN_UDP_BATCH];
	struct iovec iov[NETIN_UDP_BATCH];
	struct sockaddr_storage from[NETIN_UDP_BATCH];
	union ctrl ctrl[NETIN_UDP_BATCH];
	struct netin_stats st;
	struct ratelim rl_close, rl_refuse, rl_err;
};

enum why { W_PEER, W_IDLE, W_STALL, W_EVICT_FULL, W_EVICT_SOURCE, W_BAD, W_EXIT };

/* --- listeners ------------------------------------------------------------- */

/* Open, bind and (TCP) listen; -1 with the reason logged. */
static int open_listener(const struct netin_conf *c, const struct col_listen *l)
{
	int fd, one = 1, zero = 0;
	int type = l->tcp ? SOCK_STREAM : SOCK_DGRAM;

	if ((fd = socket(l->ep.addr.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0) {
		log_warn("%s: socket", l->spec);
		return -1;
	}
	/* TCP: a restart is not kept from its port by connections in TIME_WAIT.
	 * Not UDP: there it would let a second collector bind the same port and
	 * silently take the datagrams from the first. */
	if (l->tcp)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (l->ep.addr.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (!l->tcp) {
		int want = (int)c->rcvbuf, got = 0;
		socklen_t gl = sizeof(got);
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof(want)) < 0)
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof(want));
		if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &gl) == 0 && got / 2 < want)
			log_info("%s: receive buffer %d bytes, not %d (raise net.core.rmem_max)",
			         l->spec, got / 2, want);
		/* each datagram then carries the count of those the kernel dropped */
		if (setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one)) < 0)
			log_warn("%s: SO_RXQ_OVFL (kernel drops will not be counted)", l->spec);
	}
	if (bind(fd, (struct sockaddr *)&l->ep.addr, l->ep.addrlen) < 0) {
		log_warn("%s: bind", l->spec);
		close(fd);
		return -1;
	}
	if (l->tcp && listen(fd, 64) < 0) {
		log_warn("%s: listen", l->spec);
		close(fd);
		return -1;
	}
	return fd;
}

/* The kernel's drop counter is 32 bits and only grows: add what it grew. */
static void drops_seen(struct listener *l, uint32_t v)
{
	l->drops += (uint32_t)(v - l->drops_seen);
	l->drops_seen = v;
}

/* One recvmmsg batch from l, each datagram handed on.  Cost: one system
 * call, at most NETIN_UDP_BATCH datagrams. */
static void read_udp(struct netin *n, struct listener *l, uint64_t now_ms)
{
	int got;

	for (int i = 0; i < NETIN_UDP_BATCH; i++) {
		struct msghdr *h = &n->msgs[i].msg_hdr;
		n->iov[i].iov_base = n->dgram[i];
		n->iov[i].iov_len = MAX_DGRAM;
		memset(h, 0, sizeof(*h));
		h->msg_iov = &n->iov[i];
		h->msg_iovlen = 1;
		h->msg_name = &n->from[i];
		h->msg_namelen = sizeof(n->from[i]);
		h->msg_control = n->ctrl[i].buf;
		h->msg_controllen = sizeof(n->ctrl[i].buf);
	}
	if ((got = recvmmsg(l->fd, n->msgs, NETIN_UDP_BATCH, MSG_DONTWAIT, NULL)) <= 0) {
		if (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			log_ratelimited(&n->rl_err, now_ms, "%s: receive: %s", l->spec, strerror(errno));
		return;
	}
	for (int i = 0; i < got; i++) {
		struct msghdr *h = &n->msgs[i].msg_hdr;
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(h); cm; cm = CMSG_NXTHDR(h, cm)) {
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SO_RXQ_OVFL &&
			    cm->cmsg_len >= CMSG_LEN(sizeof(uint32_t))) {
				uint32_t v;
				memcpy(&v, CMSG_DATA(cm), sizeof(v));
				drops_seen(l, v);
			}
		}
		n->ops.datagram(n->ops.ctx, (struct sockaddr *)&n->from[i], l->protos, n->dgram[i],
		                n->msgs[i].msg_len, now_ms);
	}
}

/* --- connections ----------------------------------------------------------- */

/* The address of sa (IPv4-mapped IPv6 as IPv4) in 17 bytes: family, then
 * the address; what the per-address limit compares. */
static void source_key(const struct sockaddr_storage *sa, uint8_t key[17])
{
	memset(key, 0, 17);
	if (sa->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		key[0] = 4;
		memcpy(key + 1, &s4->sin_addr, 4);
	} else if (sa->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			key[0] = 4;
			memcpy(key + 1, s6->sin6_addr.s6_addr + 12, 4);
		} else {
			key[0] = 6;
			memcpy(key + 1, &s6->sin6_addr, 16);
		}
	}
}

/* The address of sa without its port, for logs. */
static void addr_name(const struct sockaddr_storage *sa, char *buf, size_t len)
{
	uint8_t key[17];

	source_key(sa, key);
	if (key[0] == 0 || inet_ntop(key[0] == 4 ? AF_INET : AF_INET6, key + 1, buf,
	                             (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
}

/* "20 of 100 bytes" or "2 bytes of a header": what a connection holds of
 * the message it is in. */
static void partial_name(const struct conn *k, char *buf, size_t len)
{
	if (k->len >= 4)
		snprintf(buf, len, "%zu of %u bytes", k->len, (unsigned)(k->buf[2] << 8 | k->buf[3]));
	else
		snprintf(buf, len, "%zu byte%s of a header", k->len, k->len == 1 ? "" : "s");
}

/*
 * Close the connection in `slot` for `why`, counting it and logging (a
 * close that is not the exporter's own ordinary one goes through the rate
 * limiter); `other` names the newcomer an eviction makes room for.  The
 * slot is free afterwards; other slots do not move.
 */
static void conn_close(struct netin *n, unsigned slot, enum why why, uint64_t mono_ms,
                       const struct sockaddr_storage *other)
{
	struct conn *k = &n->conns[slot];
	char name[80], part[64] = "", oname[80] = "", src[64];
	double idle = (double)(mono_ms - k->last_ms) / 1000.0;

	endpoint_name((struct sockaddr *)&k->peer, name, sizeof(name));
	if (k->len > 0) {
		n->st.tcp_truncated++;
		partial_name(k, part, sizeof(part));
	}
	if (other)
		endpoint_name((const struct sockaddr *)other, oname, sizeof(oname));
	switch (why) {
	case W_PEER:
		if (k->len > 0)
			log_ratelimited(&n->rl_close, mono_ms, "IPFIX connection from %s: closed by the "
			                "exporter inside a message (%s)", name, part);
		else
			log_info("IPFIX connection from %s: closed by the exporter (%" PRIu64
			         " messages, %" PRIu64 " bytes)", name, k->messages, k->bytes);
		break;
	case W_IDLE:
		n->st.tcp_idle_timeouts++;
		log_ratelimited(&n->rl_close, mono_ms, "IPFIX connection from %s: closed: idle for "
		                "%.1f s (idle-timeout)", name, idle);
		break;
	case W_STALL:
		n->st.tcp_stall_timeouts++;
		log_ratelimited(&n->rl_close, mono_ms, "IPFIX connection from %s: closed: stalled "
		                "inside a message (%s) for %.1f s (message-timeout)", name, part,
		                (double)(mono_ms - k->partial_ms) / 1000.0);
		break;
	case W_EVICT_FULL:
		n->st.tcp_evicted++;
		log_ratelimited(&n->rl_close, mono_ms, "IPFIX connection from %s: closed for a new "
		                "connection from %s: table full (%u connections, max-connections), "
		                "this one idle the longest (%.1f s)%s%s", name, oname, n->nconns,
		                idle, *part ? "; a message cut: " : "", part);
		break;
	case W_EVICT_SOURCE:
		n->st.tcp_evicted++;
		addr_name(&k->peer, src, sizeof(src));
		log_ratelimited(&n->rl_close, mono_ms, "IPFIX connection from %s: closed for a new "
		                "connection from the same address: %u connections from %s "
		                "(max-per-source), this one idle the longest (%.1f s)%s%s", name,
		                n->conf.max_per_source, src, idle, *part ? "; a message cut: " : "",
		                part);
		break;
	case W_BAD:
		break;                       /* logged by the caller */
	case W_EXIT:
		if (k->len > 0)
			log_ratelimited(&n->rl_close, mono_ms, "IPFIX connection from %s: closed at exit "
			                "with %zu bytes of a message not yet complete", name, k->len);
		break;
	}
	n->ops.closed(n->ops.ctx, k->id);
	close(k->fd);
	free(k->buf);
	memset(k, 0, sizeof(*k));
	k->fd = -1;
	n->nconns--;
}

/* The slot of the connection idle the longest (the oldest on a tie) among
 * those from `key` (NULL: all), and how many there are.  Cost: one pass
 * over the slots. */
static unsigned find_idlest(const struct netin *n, const uint8_t *key, unsigned *count)
{
	unsigned best = UINT32_MAX, cnt = 0;
	uint8_t k2[17];

	for (unsigned i = 0; i < n->conf.max_conns; i++) {
		const struct conn *k = &n->conns[i];
		if (k->fd < 0)
			continue;
		if (key) {
			source_key(&k->peer, k2);
			if (memcmp(key, k2, sizeof(k2)) != 0)
				continue;
		}
		cnt++;
		if (best == UINT32_MAX || k->last_ms < n->conns[best].last_ms ||
		    (k->last_ms == n->conns[best].last_ms && k->id < n->conns[best].id))
			best = i;
	}
	*count = cnt;
	return best;
}

/*
 * Accept one connection waiting on l, making room for it if needed (see
 * netin.h).  Returns false when none was waiting.  Cost: two passes over
 * the slots.
 */
static bool accept_one(struct netin *n, struct listener *l, uint64_t now_ms, uint64_t mono_ms)
{
	struct sockaddr_storage peer;
	socklen_t pl = sizeof(peer);
	int fd = accept4(l->fd, (struct sockaddr *)&peer, &pl, SOCK_NONBLOCK | SOCK_CLOEXEC);
	char name[80];
	uint8_t key[17];
	unsigned victim, same, all, slot;

	if (fd < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
		    errno != ECONNABORTED)
			log_ratelimited(&n->rl_err, now_ms, "%s: accept: %s", l->spec, strerror(errno));
		return false;
	}
	endpoint_name((struct sockaddr *)&peer, name, sizeof(name));
	if (!n->ops.allowed(n->ops.ctx, (struct sockaddr *)&peer)) {
		log_ratelimited(&n->rl_refuse, now_ms, "%s: connection from %s refused: not in 'allow'",
		                l->spec, name);
		close(fd);
		return true;
	}
	source_key(&peer, key);
	victim = find_idlest(n, key, &same);
	if (same >= n->conf.max_per_source) {
		conn_close(n, victim, W_EVICT_SOURCE, mono_ms, &peer);
	} else if (n->nconns >= n->conf.max_conns) {
		victim = find_idlest(n, NULL, &all);
		conn_close(n, victim, W_EVICT_FULL, mono_ms, &peer);
	}
	for (slot = 0; slot < n->conf.max_conns && n->conns[slot].fd >= 0; slot++)
		;
	if (slot == n->conf.max_conns)   /* cannot be: one was closed if full */
		fatalx("netin: no free connection slot with %u of %u in use", n->nconns,
		       n->conf.max_conns);
	n->conns[slot].fd = fd;
	n->conns[slot].id = ++n->next_id;
	n->conns[slot].peer = peer;
	n->conns[slot].last_ms = mono_ms;
	n->nconns++;
	n->st.tcp_accepted++;
	log_info("%s: IPFIX connection from %s", l->spec, name);
	return true;
}

int netin_frame(const uint8_t *buf, size_t len, size_t *mlen)
{
	unsigned ver;
	size_t m;

	if (len < 4)
		return 0;
	ver = (unsigned)(buf[0] << 8 | buf[1]);
	m = (size_t)(buf[2] << 8 | buf[3]);
	if (ver != 10 || m < 16)
		return -1;
	if (len < m)
		return 0;
	*mlen = m;
	return 1;
}

/*
 * The connection's share of a turn: one read of what fits in its buffer,
 * then every complete IPFIX message in the buffer handed on.  A stream
 * whose next header is not IPFIX (version 10, length >= 16) is closed and
 * counted (tcp_errors).  Cost: one system call, at most NETIN_BUF bytes
 * handed on.
 */
static void conn_read(struct netin *n, unsigned slot, uint64_t now_ms, uint64_t mono_ms)
{
	struct conn *k = &n->conns[slot];
	size_t off = 0, had = k->len;
	ssize_t got;

	if (k->buf == NULL && (k->buf = malloc(NETIN_BUF)) == NULL) {
		log_ratelimited(&n->rl_err, now_ms, "IPFIX connection: out of memory; reading later");
		return;
	}
	got = read(k->fd, k->buf + k->len, NETIN_BUF - k->len);
	if (got <= 0) {
		if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			goto out;
		conn_close(n, slot, W_PEER, mono_ms, NULL);   /* end of stream, or reset */
		return;
	}
	k->len += (size_t)got;
	k->bytes += (uint64_t)got;
	k->last_ms = mono_ms;
	for (;;) {
		size_t mlen;
		int f = netin_frame(k->buf + off, k->len - off, &mlen);
		if (f < 0) {
			char name[80];
			endpoint_name((struct sockaddr *)&k->peer, name, sizeof(name));
			log_ratelimited(&n->rl_close, mono_ms, "IPFIX connection from %s: not an IPFIX "
			                "message header (version %u, length %u); closing", name,
			                (unsigned)(k->buf[off] << 8 | k->buf[off + 1]),
			                (unsigned)(k->buf[off + 2] << 8 | k->buf[off + 3]));
			n->st.tcp_errors++;
			k->len = 0;              /* not a message: nothing truncated */
			conn_close(n, slot, W_BAD, mono_ms, NULL);
			return;
		}
		if (f == 0)
			break;
		n->ops.message(n->ops.ctx, k->id, (struct sockaddr *)&k->peer, k->buf + off, mlen,
		               now_ms);
		k->messages++;
		off += mlen;
	}
	if (off > 0) {
		memmove(k->buf, k->buf + off, k->len - off);
		k->len -= off;
	}
	if (k->len > 0 && (had == 0 || off > 0))
		k->partial_ms = mono_ms;     /* a new message began in this read */
out:
	if (k->len == 0) {
		free(k->buf);
		k->buf = NULL;
	}
}

/* Close the connections idle or stalled past their limits.  One that has
 * bytes waiting in the kernel is left for the next turn to read.  Cost:
 * one pass over the slots. */
static void sweep(struct netin *n, uint64_t mono_ms)
{
	for (unsigned i = 0; i < n->conf.max_conns; i++) {
		struct conn *k = &n->conns[i];
		enum why why;
		int queued = 0;

		if (k->fd < 0)
			continue;
		if (k->len == 0 && mono_ms - k->last_ms >= n->conf.idle_ms)
			why = W_IDLE;
		else if (k->len > 0 && mono_ms - k->partial_ms >= n->conf.message_ms)
			why = W_STALL;
		else
			continue;
		if (ioctl(k->fd, FIONREAD, &queued) == 0 && queued > 0)
			continue;
		conn_close(n, i, why, mono_ms, NULL);
	}
}

/* --- turns ----------------------------------------------------------------- */

int netin_poll(struct netin *n, int timeout_ms)
{
	unsigned np = 0;
	int r;

	for (unsigned i = 0; i < n->nls; i++) {
		n->pfd[np].fd = n->ls[i].fd;
		n->pfd[np].events = POLLIN;
		n->pfd[np++].revents = 0;
	}
	for (unsigned i = 0; i < n->conf.max_conns; i++) {
		if (n->conns[i].fd < 0)
			continue;
		n->pslot[np] = i;
		n->pid[np] = n->conns[i].id;
		n->pfd[np].fd = n->conns[i].fd;
		n->pfd[np].events = POLLIN;
		n->pfd[np++].revents = 0;
	}
	n->np = 0;
	if ((r = poll(n->pfd, np, timeout_ms)) > 0)
		n->np = np;
	return r;
}

bool netin_work(struct netin *n, uint64_t now_ms, uint64_t mono_ms)
{
	unsigned np = n->np;
	bool served = false;

	for (unsigned j = 0; j < np; j++) {
		unsigned i = (n->rr + j) % np;
		if (!(n->pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		served = true;
		if (i < n->nls) {
			struct listener *l = &n->ls[i];
			if (!l->tcp)
				read_udp(n, l, now_ms);
			else
				for (int a = 0; a < NETIN_ACCEPTS && accept_one(n, l, now_ms, mono_ms); a++)
					;
		} else {
			unsigned slot = n->pslot[i];
			if (n->conns[slot].fd >= 0 && n->conns[slot].id == n->pid[i])
				conn_read(n, slot, now_ms, mono_ms);
		}
	}
	n->np = 0;
	if (np)
		n->rr = (n->rr + 1) % np;
	if (mono_ms >= n->next_sweep) {
		sweep(n, mono_ms);
		n->next_sweep = mono_ms + SWEEP_MS;
	}
	return served;
}

void netin_close_all(struct netin *n, uint64_t mono_ms)
{
	for (unsigned i = 0; i < n->conf.max_conns; i++)
		if (n->conns[i].fd >= 0)
			conn_close(n, i, W_EXIT, mono_ms, NULL);
}

void netin_stats(const struct netin *n, struct netin_stats *st)
{
	*st = n->st;
	st->tcp_open = n->nconns;
	st->udp_kernel_drops = 0;
	for (unsigned i = 0; i < n->nls; i++) {
		const struct listener *l = &n->ls[i];
		uint64_t d = l->drops;
		uint32_t mi[SK_MEMINFO_VARS];
		socklen_t ml = sizeof(mi);

		if (l->tcp)
			continue;
		/* drops since the last datagram read: the count is there too */
		if (getsockopt(l->fd, SOL_SOCKET, SO_MEMINFO, mi, &ml) == 0 &&
		    ml > SK_MEMINFO_DROPS * sizeof(uint32_t))
			d += (uint32_t)(mi[SK_MEMINFO_DROPS] - l->drops_seen);
		st->udp_kernel_drops += d;
	}
}

/* --- life ------------------------------------------------------------------ */

struct netin *netin_new(const struct netin_conf *c, const struct netin_ops *ops)
{
	struct netin *n = calloc(1, sizeof(*n));
	size_t np = (size_t)c->nlisten + c->max_conns;

	if (n == NULL)
		goto oom;
	n->conf = *c;
	n->ops = *ops;
	n->rl_close = (struct ratelim)RATELIM_INIT(1000, 10);
	n->rl_refuse = (struct ratelim)RATELIM_INIT(60000, 5);
	n->rl_err = (struct ratelim)RATELIM_INIT(1000, 5);
	if ((n->conns = calloc(c->max_conns ? c->max_conns : 1, sizeof(*n->conns))) == NULL ||
	    (n->pfd = calloc(np, sizeof(*n->pfd))) == NULL ||
	    (n->pslot = calloc(np, sizeof(*n->pslot))) == NULL ||
	    (n->pid = calloc(np, sizeof(*n->pid))) == NULL ||
	    (n->dgram = malloc(sizeof(*n->dgram) * NETIN_UDP_BATCH)) == NULL)
		goto oom;
	for (unsigned i = 0; i < c->max_conns; i++)
		n->conns[i].fd = -1;
	for (unsigned i = 0; i < c->nlisten; i++) {
		struct listener *l = &n->ls[n->nls];
		if ((l->fd = open_listener(c, &c->listen[i])) < 0)
			goto fail;
		l->tcp = c->listen[i].tcp;
		l->protos = c->listen[i].protos;
		l->spec = c->listen[i].spec;
		n->nls++;
		log_info("listening on %s", l->spec);
	}
	return n;
oom:
	log_warnx("out of memory for %u listeners and %u connections", c->nlisten, c->max_conns);
fail:
	netin_free(n);
	return NULL;
}

void netin_free(struct netin *n)
{
	if (n == NULL)
		return;
	for (unsigned i = 0; n->conns && i < n->conf.max_conns; i++)
		if (n->conns[i].fd >= 0) {
			close(n->conns[i].fd);
			free(n->conns[i].buf);
		}
	for (unsigned i = 0; i < n->nls; i++)
		close(n->ls[i].fd);
	free(n->conns);
	free(n->pfd);
	free(n->pslot);
	free(n->pid);
	free(n->dgram);
	free(n);
}
