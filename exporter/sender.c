/*
 * Senders: one per collector.  UDP senders use a connected socket so that an
 * ICMP port-unreachable from a missing collector shows up as a counted send
 * error instead of vanishing.  TCP senders frame nothing themselves (IPFIX
 * messages carry their length); on any failure the connection is closed, the
 * message counted lost, and a reconnection scheduled with exponential backoff.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "endpoint.h"
#include "export.h"
#include "log.h"

#define CONNECT_TIMEOUT_MS 2000
#define SEND_TIMEOUT_S     2
#define BACKOFF_MIN_MS     1000
#define BACKOFF_MAX_MS     30000
#define STABLE_MS          10000     /* a connection this old resets the backoff */

struct sender {
	struct exp_dest d;
	char name[300];
	int fd;                      /* -1 while a TCP sender is disconnected */
	bool stream;
	size_t max_msg;
	uint32_t gen;                /* connections made so far */
	uint64_t retry_at_ms;
	uint64_t connected_ms;       /* when the current connection was made */
	uint32_t backoff_ms;
	struct sender_stats st;
	struct ratelim rl;
	uint32_t rate;               /* messages a second, 0 = unlimited */
	double tokens;               /* token bucket, at most SENDER_BURST */
	uint64_t refill_ns;          /* CLOCK_MONOTONIC of the last refill */
	uint64_t paced_ns;
	unsigned patience_s;         /* how long a TCP send may wait, 0: SEND_TIMEOUT_S */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static const char *proto_names[] = { "v5", "ipfix", "ipfix+tcp" };

int exp_dest_parse(const char *spec, struct exp_dest *d, char *err, size_t errlen)
{
	const char *p = spec;
	struct endpoint e;

	memset(d, 0, sizeof(*d));
	if (strncmp(p, "v5:", 3) == 0) {
		d->proto = EXP_V5;
		p += 3;
	} else if (strncmp(p, "ipfix+tcp:", 10) == 0) {
		d->proto = EXP_IPFIX_TCP;
		p += 10;
	} else if (strncmp(p, "ipfix:", 6) == 0) {
		d->proto = EXP_IPFIX_UDP;
		p += 6;
	} else {
		snprintf(err, errlen, "'%s': protocol must be v5, ipfix or ipfix+tcp", spec);
		return -1;
	}
	if (endpoint_parse(spec, p, d->proto == EXP_IPFIX_TCP ? SOCK_STREAM : SOCK_DGRAM,
	                   false, &e, err, errlen) < 0)
		return -1;
	memcpy(d->host, e.host, sizeof(d->host));
	memcpy(d->port, e.port, sizeof(d->port));
	d->addr = e.addr;
	d->addrlen = e.addrlen;
	return 0;
}

/* Blocking connect bounded by CONNECT_TIMEOUT_MS; then a send timeout so a
 * stalled collector cannot stall capture for long.  Returns fd or -1. */
static int tcp_connect(struct sender *s)
{
	struct timeval tv = { SEND_TIMEOUT_S, 0 };
	struct pollfd pfd;
	int fd, flags, soerr = 0;
	socklen_t sl = sizeof(soerr);

	if ((fd = socket(s->d.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	if (connect(fd, (struct sockaddr *)&s->d.addr, s->d.addrlen) < 0) {
		if (errno != EINPROGRESS)
			goto fail;
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, CONNECT_TIMEOUT_MS) != 1) {
			errno = ETIMEDOUT;
			goto fail;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
			goto fail;
		if (soerr != 0) {
			errno = soerr;
			goto fail;
		}
	}
	fcntl(fd, F_SETFL, flags);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
fail:
	soerr = errno;
	close(fd);
	errno = soerr;
	return -1;
}

/* Schedule the next connection attempt after the current backoff, and
 * double the backoff (up to BACKOFF_MAX_MS) for the one after. */
static void retry_later(struct sender *s, uint64_t now_ms)
{
	s->retry_at_ms = now_ms + s->backoff_ms;
	s->backoff_ms = s->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : s->backoff_ms * 2;
}

/* Try to (re)connect a TCP sender now; schedules the next try on failure. */
static void tcp_try(struct sender *s, uint64_t now_ms)
{
	if ((s->fd = tcp_connect(s)) >= 0) {
		s->gen++;
		s->st.connects++;
		s->connected_ms = now_ms;
		log_info("%s: connected", s->name);
		return;
	}
	log_ratelimited(&s->rl, now_ms, "%s: cannot connect: %s (retrying in %us)",
	                s->name, strerror(errno), s->backoff_ms / 1000);
	retry_later(s, now_ms);
}

/* Close a TCP connection that failed.  Reconnect at once if it had been up
 * for a while; a collector that keeps dropping fresh connections gets the
 * growing backoff instead of a reconnection storm. */
static void tcp_drop(struct sender *s, uint64_t now_ms)
{
	close(s->fd);
	s->fd = -1;
	if (now_ms - s->connected_ms >= STABLE_MS) {
		s->backoff_ms = BACKOFF_MIN_MS;
		s->retry_at_ms = now_ms;
	} else {
		retry_later(s, now_ms);
	}
}

/* Route MTU for a connected UDP socket, or 0 if the kernel will not say. */
static unsigned route_mtu(int fd, int family)
{
	int mtu = 0;
	socklen_t sl = sizeof(mtu);

	if (family == AF_INET6) {
		if (getsockopt(fd, IPPROTO_IPV6, IPV6_MTU, &mtu, &sl) < 0)
			return 0;
	} else if (getsockopt(fd, IPPROTO_IP, IP_MTU, &mtu, &sl) < 0) {
		return 0;
	}
	return mtu > 0 ? (unsigned)mtu : 0;
}

struct sender *sender_new(const struct exp_dest *d, unsigned mtu, char *err, size_t errlen)
{
	struct sender *s;
	unsigned iphdr = d->addr.ss_family == AF_INET6 ? 40 : 20;
	unsigned l4hdr = d->proto == EXP_IPFIX_TCP ? 32 : 8;

	if (mtu == 0)
		mtu = 1500;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->d = *d;
	s->fd = -1;
	s->stream = d->proto == EXP_IPFIX_TCP;
	s->backoff_ms = BACKOFF_MIN_MS;
	s->rl = (struct ratelim)RATELIM_INIT(10000, 3);
	snprintf(s->name, sizeof(s->name), d->addr.ss_family == AF_INET6 ? "%s:[%s]:%s" : "%s:%s:%s",
	         proto_names[d->proto], d->host, d->port);

	if (!s->stream) {
		unsigned rmtu;
		if ((s->fd = socket(d->addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
		    connect(s->fd, (const struct sockaddr *)&d->addr, d->addrlen) < 0) {
			snprintf(err, errlen, "%s: %s", s->name, strerror(errno));
			sender_free(s);
			return NULL;
		}
		rmtu = route_mtu(s->fd, d->addr.ss_family);
		if (rmtu != 0 && rmtu < mtu)
			mtu = rmtu;
		s->gen = 1;
	} else {
		tcp_try(s, 0);
	}
	if (mtu < iphdr + l4hdr + 128) {
		snprintf(err, errlen, "%s: MTU %u is too small", s->name, mtu);
		sender_free(s);
		return NULL;
	}
	s->max_msg = mtu - iphdr - l4hdr;
	if (s->max_msg > 65535)
		s->max_msg = 65535;
	return s;
}

void sender_free(struct sender *s)
{
	if (s == NULL)
		return;
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}

size_t sender_max_msg(const struct sender *s)
{
	return s->max_msg;
}

/*
 * Has the collector closed or reset the connection?  Collectors send nothing
 * on an IPFIX stream, so readable means EOF or an error.  Checking before a
 * message is built means the message goes to the next connection instead of
 * into the socket buffer of a dead one.  One poll(2) with no wait.
 */
static bool tcp_peer_gone(int fd)
{
	struct pollfd p = { fd, POLLIN | POLLRDHUP, 0 };
	char c;
	ssize_t n;

	if (poll(&p, 1, 0) <= 0)
		return false;
	if (p.revents & (POLLERR | POLLHUP | POLLRDHUP))
		return true;
	n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

uint32_t sender_generation(struct sender *s, uint64_t now_ms)
{
	if (!s->stream)
		return s->gen;
	if (s->fd >= 0 && tcp_peer_gone(s->fd)) {
		log_ratelimited(&s->rl, now_ms, "%s: collector closed the connection", s->name);
		tcp_drop(s, now_ms);
	}
	if (s->fd < 0 && now_ms >= s->retry_at_ms)
		tcp_try(s, now_ms);
	return s->fd >= 0 ? s->gen : 0;
}

void sender_set_rate(struct sender *s, uint32_t msgs_per_s)
{
	s->rate = msgs_per_s;
	s->tokens = SENDER_BURST;
	s->refill_ns = mono_ns();
}

/* Wait, if need be, until the rate allows one more message.  Wall (monotonic)
 * time: the limit protects a real collector, whatever the capture's clock. */
static void pace(struct sender *s)
{
	uint64_t now = mono_ns();

	s->tokens += (double)(now - s->refill_ns) * s->rate / 1e9;
	if (s->tokens > SENDER_BURST)
		s->tokens = SENDER_BURST;
	s->refill_ns = now;
	if (s->tokens < 1.0) {
		double wait_ns = (1.0 - s->tokens) * 1e9 / s->rate;
		struct timespec ts = { (time_t)(wait_ns / 1e9), (long)((uint64_t)wait_ns % 1000000000u) };
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		s->paced_ns += (uint64_t)wait_ns;
		s->st.paced_ms = s->paced_ns / 1000000u;
		s->tokens = 1.0;
		s->refill_ns = mono_ns();
	}
	s->tokens -= 1.0;
}

void sender_set_patience(struct sender *s, unsigned stall_s)
{
	s->patience_s = stall_s;
}

int sender_send(struct sender *s, const uint8_t *msg, size_t len, uint64_t now_ms)
{
	size_t off = 0;
	unsigned waited_s = 0;
	ssize_t n;

	if (s->rate)
		pace(s);

	if (s->fd < 0)
		goto lost;
	while (off < len) {
		n = send(s->fd, msg + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		/* the send timeout passed with nothing sent: a patient sender
		 * waits on for a collector busy elsewhere */
		if (n < 0 && s->stream && (errno == EAGAIN || errno == EWOULDBLOCK) &&
		    (waited_s += SEND_TIMEOUT_S) < s->patience_s)
			continue;
		if (n < 0) {
			log_ratelimited(&s->rl, now_ms, "%s: send: %s", s->name, strerror(errno));
			if (s->stream)
				/* part of a message may be on the wire: the stream is
				 * unusable, start again with a new connection */
				tcp_drop(s, now_ms);
			goto lost;
		}
		if (!s->stream && (size_t)n != len)
			goto lost;
		off += (size_t)n;
	}
	s->st.messages++;
	s->st.octets += len;
	return 0;
lost:
	s->st.errors++;
	return -1;
}

const struct sender_stats *sender_stats(const struct sender *s)
{
	return &s->st;
}

const char *sender_name(const struct sender *s)
{
	return s->name;
}
