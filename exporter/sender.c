/*
 * Senders: one per collector, each with its own non-blocking socket and a
 * bounded queue of whole messages (see export.h for the contract).
 *
 * Nothing here blocks a live capture: sockets are non-blocking, TCP
 * connections are made in the background, the rate limit holds messages in
 * the queue instead of sleeping, and a message that does not fit in the
 * queue is dropped whole and counted.  Only a patient sender (a replay)
 * waits, and only while its collector makes progress (sender_set_patience).
 *
 * TCP: a message whose first bytes went out stays at the head of the queue
 * until its last byte has gone, so the stream never carries part of a
 * message followed by another; on any failure the connection is closed,
 * what it held (the partly sent message and everything queued) is counted
 * lost, and a reconnection is scheduled with exponential backoff.  A new
 * connection starts with an empty queue, so the encoder's templates go
 * first on it.
 *
 * UDP: a connected socket with IP_RECVERR / IPV6_RECVERR, so that every ICMP
 * error about a datagram (port unreachable from a host where the collector
 * is not running, host unreachable, ...) is queued on the socket's error
 * queue; each one read moves one datagram from `messages` to `refused`.
 * Hosts rate-limit ICMP errors (Linux: about one a second per peer after a
 * short burst, and net.ipv4.icmp_msgs_per_sec in all), so
 * `refused` is a lower bound.  The destination is logged when it starts
 * refusing and when a datagram sent well after the last refusal (past the
 * peer's ICMP rate limit) draws none.
 */
#include <errno.h>
#include <inttypes.h>
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
#include <linux/errqueue.h>

#include "endpoint.h"
#include "export.h"
#include "log.h"

#define CONNECT_TIMEOUT_MS 2000
#define BACKOFF_MIN_MS     1000
#define BACKOFF_MAX_MS     30000
#define STABLE_MS          10000     /* a connection this old resets the backoff */
#define QUEUE_MIN          65536     /* sender_set_queue's floor: one IPFIX message */
#define ERRQ_PER_CALL      256       /* error-queue entries read per call */
#define PROBE_AFTER_MS     1000      /* refusing: a datagram sent this long after the
                                        last refusal gets an ICMP error if refused */
#define PROBE_WAIT_MS      2000      /* ... within this long */
#define SETTLE_MS          50        /* at exit: how long ICMP errors may take */
#define NS_PER_MS          1000000u

/* One queued message; data[off..len) is still to be written. */
struct qmsg {
	struct qmsg *next;
	size_t len, off;
	uint8_t data[];
};
/* What a queued message costs, against the queue's bound. */
#define QCOST(len) ((len) + sizeof(struct qmsg))

struct sender {
	struct exp_dest d;
	char name[300];
	int fd;                      /* -1 while a TCP sender is disconnected */
	bool stream;
	bool connecting;             /* TCP connect in progress on fd */
	bool recverr;                /* UDP: ICMP errors come on the error queue */
	uint64_t connect_deadline_ns;
	size_t max_msg;
	uint32_t gen;                /* connections made so far */
	uint64_t retry_at_ms;
	uint64_t connected_ms;       /* when the current connection was made */
	uint32_t backoff_ms;
	struct sender_stats st;
	struct ratelim rl;           /* errors */
	struct ratelim state_rl;     /* state changes: dropping, stalled, refusing */
	/* queue */
	struct qmsg *head, *tail;
	size_t qlimit;
	uint64_t written;            /* bytes the socket ever took: progress */
	bool dropping;               /* dropped since the queue was last empty */
	uint64_t dropped_before;     /* st.dropped when that began */
	/* rate limit */
	uint32_t rate;               /* messages a second, 0 = unlimited */
	double tokens;               /* token bucket, at most SENDER_BURST */
	uint64_t refill_ns;          /* CLOCK_MONOTONIC of the last refill */
	uint64_t paced_ns;
	unsigned patience_s;         /* 0: never wait */
	/* refusals (UDP), on the monotonic clock: ICMP errors come in real time */
	uint64_t refused_before;     /* st.refused when refusing began */
	uint64_t last_refusal_ns;
	uint64_t probe_ns;           /* refusing: first datagram sent PROBE_AFTER_MS
	                                after the last refusal, 0 none yet */
	uint64_t last_sent_ns;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t mono_ms(void)
{
	return mono_ns() / NS_PER_MS;
}

static const char *proto_names[] = { "v5", "ipfix", "ipfix+tcp", "v9" };

int exp_dest_parse(const char *spec, struct exp_dest *d, char *err, size_t errlen)
{
	const char *p = spec;
	struct endpoint e;

	memset(d, 0, sizeof(*d));
	if (strncmp(p, "v5:", 3) == 0) {
		d->proto = EXP_V5;
		p += 3;
	} else if (strncmp(p, "v9:", 3) == 0) {
		d->proto = EXP_V9;
		p += 3;
	} else if (strncmp(p, "ipfix+tcp:", 10) == 0) {
		d->proto = EXP_IPFIX_TCP;
		p += 10;
	} else if (strncmp(p, "ipfix:", 6) == 0) {
		d->proto = EXP_IPFIX_UDP;
		p += 6;
	} else {
		snprintf(err, errlen, "'%s': protocol must be v5, v9, ipfix or ipfix+tcp", spec);
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

/* --- the queue ------------------------------------------------------------ */

/* Does a message of len bytes fit?  An empty queue takes any message. */
static bool fits(const struct sender *s, size_t len)
{
	return s->head == NULL || s->st.queued_bytes + QCOST(len) <= s->qlimit;
}

/* Append a copy of msg, off bytes of it already written.  -1 if out of
 * memory (nothing queued). */
static int enqueue(struct sender *s, const uint8_t *msg, size_t len, size_t off)
{
	struct qmsg *q = malloc(sizeof(*q) + len);

	if (q == NULL)
		return -1;
	memcpy(q->data, msg, len);
	q->len = len;
	q->off = off;
	q->next = NULL;
	if (s->tail != NULL)
		s->tail->next = q;
	else
		s->head = q;
	s->tail = q;
	s->st.queued++;
	s->st.queued_bytes += QCOST(len);
	return 0;
}

/* Free the head of the queue (the caller has counted it). */
static void dequeue(struct sender *s)
{
	struct qmsg *q = s->head;

	s->head = q->next;
	if (s->head == NULL)
		s->tail = NULL;
	s->st.queued--;
	s->st.queued_bytes -= QCOST(q->len);
	free(q);
}

/* Empty the queue; returns how many messages it held. */
static uint64_t discard_queue(struct sender *s)
{
	uint64_t n = 0;

	while (s->head != NULL) {
		dequeue(s);
		n++;
	}
	return n;
}

/* --- the rate limit ------------------------------------------------------- */

/* A token bucket of SENDER_BURST tokens filled at `rate` a second on the
 * monotonic clock (the limit protects a real collector, whatever the
 * capture's clock); a message takes a token when its first byte goes.
 * One clock_gettime per call when limited, nothing otherwise. */
static void refill(struct sender *s)
{
	uint64_t now;

	if (s->rate == 0)
		return;
	now = mono_ns();
	s->tokens += (double)(now - s->refill_ns) * s->rate / 1e9;
	if (s->tokens > SENDER_BURST)
		s->tokens = SENDER_BURST;
	s->refill_ns = now;
}

static bool has_token(struct sender *s)
{
	refill(s);
	return s->rate == 0 || s->tokens >= 1.0;
}

static void take_token(struct sender *s)
{
	if (s->rate != 0)
		s->tokens -= 1.0;
}

/* Nanoseconds until the next token (0 if there is one). */
static uint64_t token_wait_ns(const struct sender *s)
{
	double t;

	if (s->rate == 0)
		return 0;
	t = s->tokens + (double)(mono_ns() - s->refill_ns) * s->rate / 1e9;
	return t >= 1.0 ? 0 : (uint64_t)((1.0 - t) * 1e9 / s->rate) + 1;
}

/* --- UDP refusals ---------------------------------------------------------- */

/* A datagram the network reported undeliverable: it was counted sent. */
static void refused(struct sender *s, int err)
{
	s->st.refused++;
	if (s->st.messages > 0)
		s->st.messages--;
	s->last_refusal_ns = mono_ns();
	s->probe_ns = 0;
	if (!s->st.refusing) {
		s->st.refusing = 1;
		s->refused_before = s->st.refused - 1;
		log_ratelimited(&s->state_rl, mono_ms(), "%s: the collector refuses datagrams "
		                "(%s); counting them as refused", s->name, strerror(err));
	}
}

/* Read the socket's error queue: each ICMP error is one refused datagram.
 * Returns how many were read.  At most ERRQ_PER_CALL recvmsg calls; one
 * (EAGAIN) when the queue is empty. */
static unsigned udp_errors(struct sender *s)
{
	unsigned n = 0;

	if (!s->recverr || s->fd < 0)
		return 0;
	for (int i = 0; i < ERRQ_PER_CALL; i++) {
		union {
			char buf[CMSG_SPACE(sizeof(struct sock_extended_err) +
			                    sizeof(struct sockaddr_in6))];
			struct cmsghdr align;
		} ctl;
		uint8_t data[64];
		struct iovec iov = { data, sizeof(data) };
		struct msghdr mh;
		struct cmsghdr *c;

		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		if (recvmsg(s->fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			break;
		for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
			struct sock_extended_err ee;

			if (!((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
			      (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR)))
				continue;
			memcpy(&ee, CMSG_DATA(c), sizeof(ee));
			if (ee.ee_origin == SO_EE_ORIGIN_ICMP || ee.ee_origin == SO_EE_ORIGIN_ICMP6) {
				refused(s, (int)ee.ee_errno);
				n++;
			}
		}
	}
	return n;
}

/* Refusing, and a probe datagram has drawn no refusal: the collector is back. */
static void refusal_check(struct sender *s)
{
	if (s->st.refusing && s->probe_ns != 0 &&
	    mono_ns() - s->probe_ns >= (uint64_t)PROBE_WAIT_MS * NS_PER_MS) {
		s->st.refusing = 0;
		log_ratelimited(&s->state_rl, mono_ms(), "%s: the collector takes datagrams "
		                "again (%" PRIu64 " refused meanwhile)", s->name,
		                s->st.refused - s->refused_before);
	}
}

/* --- sending --------------------------------------------------------------- */

/* A message went out whole. */
static void delivered(struct sender *s, size_t len)
{
	s->st.messages++;
	s->st.octets += len;
	if (!s->stream) {
		s->last_sent_ns = mono_ns();
		if (s->st.refusing && s->probe_ns == 0 &&
		    s->last_sent_ns - s->last_refusal_ns >= (uint64_t)PROBE_AFTER_MS * NS_PER_MS)
			s->probe_ns = s->last_sent_ns;
	}
}

/* Errors a UDP send reports for an ICMP error about an earlier datagram. */
static bool icmp_errno(int e)
{
	return e == ECONNREFUSED || e == EHOSTUNREACH || e == ENETUNREACH ||
	       e == EHOSTDOWN || e == ENONET || e == ENOPROTOOPT;
}

/* One non-blocking send.  A UDP send that fails because an ICMP error about
 * an earlier datagram is pending counts that refusal and tries again.
 * Returns the bytes taken, or -1 with errno. */
static ssize_t xmit(struct sender *s, const uint8_t *p, size_t len)
{
	for (int tries = 0;; tries++) {
		ssize_t n = send(s->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		int e = errno;

		if (n >= 0) {
			s->written += (uint64_t)n;
			if (s->st.stalled) {
				s->st.stalled = 0;
				log_ratelimited(&s->state_rl, mono_ms(), "%s: the collector "
				                "takes messages again", s->name);
			}
			return n;
		}
		if (e == EINTR)
			continue;
		if (!s->stream && icmp_errno(e) && tries < 4) {
			if (udp_errors(s) > 0)
				continue;
			if (!s->recverr && e == ECONNREFUSED) {
				refused(s, e);
				continue;
			}
		}
		errno = e;
		return -1;
	}
}

/* Schedule the next connection attempt after the current backoff, and
 * double the backoff (up to BACKOFF_MAX_MS) for the one after. */
static void retry_later(struct sender *s, uint64_t now_ms)
{
	s->retry_at_ms = now_ms + s->backoff_ms;
	s->backoff_ms = s->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : s->backoff_ms * 2;
}

/* Close a TCP connection that failed (or is being given up), with what it
 * held: the queue is counted lost.  Reconnect at once if it had been up for
 * a while; a collector that keeps dropping fresh connections gets the
 * growing backoff instead of a reconnection storm. */
static void tcp_drop(struct sender *s, uint64_t now_ms)
{
	uint64_t lost = discard_queue(s);

	close(s->fd);
	s->fd = -1;
	s->connecting = false;
	if (lost > 0) {
		s->st.errors += lost;
		log_ratelimited(&s->rl, now_ms, "%s: %" PRIu64 " queued message(s) lost with "
		                "the connection", s->name, lost);
	}
	if (s->dropping) {
		s->dropping = false;
		s->dropped_before = s->st.dropped;
	}
	if (now_ms - s->connected_ms >= STABLE_MS) {
		s->backoff_ms = BACKOFF_MIN_MS;
		s->retry_at_ms = now_ms;
	} else {
		retry_later(s, now_ms);
	}
}

/* A send failed with errno e (not EAGAIN).  TCP: the connection goes, with
 * its queue.  The caller counts the message it was sending, if any, that
 * was not in the queue. */
static void send_failed(struct sender *s, int e, uint64_t now_ms)
{
	log_ratelimited(&s->rl, now_ms, "%s: send: %s", s->name, strerror(e));
	if (s->stream)
		tcp_drop(s, now_ms);
}

/* Write queued messages while the socket and the rate limit take them. */
static void flush_queue(struct sender *s, uint64_t now_ms)
{
	while (s->head != NULL && s->fd >= 0 && !s->connecting) {
		struct qmsg *q = s->head;
		ssize_t n;

		if (q->off == 0 && !has_token(s))
			break;
		n = xmit(s, q->data + q->off, q->len - q->off);
		if (n < 0) {
			int e = errno;
			if (e == EAGAIN || e == EWOULDBLOCK)
				break;
			send_failed(s, e, now_ms);
			if (!s->stream) {     /* this datagram is lost */
				s->st.errors++;
				dequeue(s);
			}
			continue;
		}
		if (q->off == 0)
			take_token(s);
		if (!s->stream && (size_t)n != q->len) {   /* cannot happen with UDP */
			s->st.errors++;
			dequeue(s);
			continue;
		}
		q->off += (size_t)n;
		if (q->off < q->len)
			break;                /* the socket is full */
		delivered(s, q->len);
		dequeue(s);
	}
	if (s->head == NULL && s->dropping) {
		s->dropping = false;
		log_ratelimited(&s->state_rl, mono_ms(), "%s: queue drained; %" PRIu64
		                " message(s) dropped while it was full", s->name,
		                s->st.dropped - s->dropped_before);
	}
}

/* A message that does not fit in the queue. */
static void drop(struct sender *s)
{
	s->st.dropped++;
	if (!s->dropping) {
		s->dropping = true;
		s->dropped_before = s->st.dropped - 1;
		log_ratelimited(&s->state_rl, mono_ms(), "%s: queue full (%zu bytes): dropping "
		                "messages until the collector catches up", s->name, s->qlimit);
	}
}

/* Patient senders: wait until len bytes fit in the queue, as long as the
 * collector takes something every patience_s seconds (time spent waiting
 * for the rate limit does not count), and for the rate limit.  Declares the
 * sender stalled when it gives up.  Blocks at most patience_s seconds
 * without progress; each round is one flush and one poll or sleep. */
static void wait_for_room(struct sender *s, size_t len, uint64_t now_ms)
{
	uint64_t patience_ns = (uint64_t)s->patience_s * 1000 * NS_PER_MS;
	uint64_t seen = s->written, progress_ns = mono_ns();

	while (!fits(s, len)) {
		uint64_t t, wait_ns;
		struct pollfd pfd;

		flush_queue(s, now_ms);
		if (fits(s, len) || s->fd < 0)
			return;
		t = mono_ns();
		if (s->written != seen) {
			seen = s->written;
			progress_ns = t;
		}
		if (t - progress_ns >= patience_ns) {
			s->st.stalled = 1;
			log_ratelimited(&s->state_rl, mono_ms(), "%s: the collector took nothing "
			                "for %u s: dropping what does not fit in its queue until it "
			                "takes messages again", s->name, s->patience_s);
			return;
		}
		wait_ns = patience_ns - (t - progress_ns);
		if (s->head->off == 0 && (t = token_wait_ns(s)) > 0) {
			struct timespec ts;
			if (t > wait_ns)
				t = wait_ns;
			ts.tv_sec = (time_t)(t / 1000000000u);
			ts.tv_nsec = (long)(t % 1000000000u);
			while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
				;
			s->paced_ns += t;
			s->st.paced_ms = s->paced_ns / NS_PER_MS;
			progress_ns += t;     /* the rate's wait, not the collector's */
			continue;
		}
		pfd.fd = s->fd;
		pfd.events = POLLOUT;
		(void)poll(&pfd, 1, wait_ns / NS_PER_MS > 1000 ? 1000 : (int)(wait_ns / NS_PER_MS) + 1);
	}
}

int sender_send(struct sender *s, const uint8_t *msg, size_t len, uint64_t now_ms)
{
	ssize_t n;

	/* (a pending ICMP error fails the next UDP send: xmit reads the
	 * error queue then, and sender_drain in between) */
	if (!s->stream)
		refusal_check(s);
	flush_queue(s, now_ms);
	if (s->fd < 0 || s->connecting)
		goto lost;
	if (s->head == NULL && has_token(s)) {
		n = xmit(s, msg, len);
		if (n == (ssize_t)len) {
			take_token(s);
			delivered(s, len);
			return 0;
		}
		if (n >= 0 && s->stream) {
			/* the head of the message is on the wire: its tail
			 * must follow before anything else, whatever the limit */
			take_token(s);
			if (enqueue(s, msg, len, (size_t)n) == 0)
				return 0;
			log_ratelimited(&s->rl, now_ms, "%s: out of memory", s->name);
			tcp_drop(s, now_ms);
			goto lost;
		}
		if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
			send_failed(s, n >= 0 ? EMSGSIZE : errno, now_ms);
			goto lost;
		}
	}
	if (!fits(s, len) && s->patience_s > 0 && !s->st.stalled)
		wait_for_room(s, len, now_ms);
	if (s->fd < 0)
		goto lost;                /* the connection went while waiting */
	if (!fits(s, len) || enqueue(s, msg, len, 0) < 0) {
		drop(s);
		return -1;
	}
	return 0;
lost:
	s->st.errors++;
	return -1;
}

/* --- TCP connections ------------------------------------------------------ */

/* The connection in progress is up: a new generation. */
static void tcp_connected(struct sender *s, uint64_t now_ms)
{
	s->connecting = false;
	s->gen++;
	s->st.connects++;
	s->connected_ms = now_ms;
	log_info("%s: connected", s->name);
}

/* The connection attempt failed with errno e: close it, log (rate-limited)
 * and schedule the next attempt. */
static void tcp_connect_failed(struct sender *s, int e, uint64_t now_ms)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->connecting = false;
	log_ratelimited(&s->rl, now_ms, "%s: cannot connect: %s (retrying in %us)",
	                s->name, strerror(e), s->backoff_ms / 1000);
	retry_later(s, now_ms);
}

/* Start a non-blocking connection. */
static void tcp_start(struct sender *s, uint64_t now_ms)
{
	int fd = socket(s->d.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0) {
		tcp_connect_failed(s, errno, now_ms);
		return;
	}
	s->fd = fd;
	if (connect(fd, (struct sockaddr *)&s->d.addr, s->d.addrlen) == 0) {
		tcp_connected(s, now_ms);
	} else if (errno == EINPROGRESS) {
		s->connecting = true;
		s->connect_deadline_ns = mono_ns() + (uint64_t)CONNECT_TIMEOUT_MS * NS_PER_MS;
	} else {
		tcp_connect_failed(s, errno, now_ms);
	}
}

/* A connection in progress: done yet?  Waits up to wait_ms for it. */
static void tcp_check(struct sender *s, uint64_t now_ms, int wait_ms)
{
	struct pollfd pfd = { s->fd, POLLOUT, 0 };
	int soerr = 0;
	socklen_t sl = sizeof(soerr);

	if (poll(&pfd, 1, wait_ms) == 1) {
		if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
			soerr = errno;
		if (soerr == 0)
			tcp_connected(s, now_ms);
		else
			tcp_connect_failed(s, soerr, now_ms);
	} else if (mono_ns() >= s->connect_deadline_ns) {
		tcp_connect_failed(s, ETIMEDOUT, now_ms);
	}
}

/* Milliseconds left before the connection in progress times out. */
static int connect_left_ms(const struct sender *s)
{
	uint64_t now = mono_ns();

	return now >= s->connect_deadline_ns ? 0 :
	       (int)((s->connect_deadline_ns - now) / NS_PER_MS) + 1;
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
	if (s->fd >= 0 && s->connecting)
		tcp_check(s, now_ms, s->patience_s > 0 ? connect_left_ms(s) : 0);
	if (s->fd >= 0 && !s->connecting && tcp_peer_gone(s->fd)) {
		log_ratelimited(&s->rl, now_ms, "%s: collector closed the connection", s->name);
		tcp_drop(s, now_ms);
	}
	if (s->fd < 0 && now_ms >= s->retry_at_ms) {
		tcp_start(s, now_ms);
		if (s->connecting && s->patience_s > 0)
			tcp_check(s, now_ms, CONNECT_TIMEOUT_MS);
	}
	return s->fd >= 0 && !s->connecting ? s->gen : 0;
}

/* --- the rest of the API --------------------------------------------------- */

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
	s->qlimit = SENDER_QUEUE_DEFAULT;
	s->rl = (struct ratelim)RATELIM_INIT(10000, 3);
	s->state_rl = (struct ratelim)RATELIM_INIT(60000, 10);
	snprintf(s->name, sizeof(s->name), d->addr.ss_family == AF_INET6 ? "%s:[%s]:%s" : "%s:%s:%s",
	         proto_names[d->proto], d->host, d->port);

	if (!s->stream) {
		unsigned rmtu;
		int on = 1;

		if ((s->fd = socket(d->addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
		    connect(s->fd, (const struct sockaddr *)&d->addr, d->addrlen) < 0) {
			snprintf(err, errlen, "%s: %s", s->name, strerror(errno));
			sender_free(s);
			return NULL;
		}
		s->recverr = d->addr.ss_family == AF_INET6 ?
		             setsockopt(s->fd, SOL_IPV6, IPV6_RECVERR, &on, sizeof(on)) == 0 :
		             setsockopt(s->fd, SOL_IP, IP_RECVERR, &on, sizeof(on)) == 0;
		rmtu = route_mtu(s->fd, d->addr.ss_family);
		if (rmtu != 0 && rmtu < mtu)
			mtu = rmtu;
		s->gen = 1;
	} else {
		/* the caller has not started: the first connection may take
		 * its time, so that the first messages find it up */
		tcp_start(s, 0);
		if (s->connecting)
			tcp_check(s, 0, CONNECT_TIMEOUT_MS);
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
	discard_queue(s);
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}

void sender_set_queue(struct sender *s, size_t bytes)
{
	s->qlimit = bytes < QUEUE_MIN ? QUEUE_MIN : bytes;
}

size_t sender_max_msg(const struct sender *s)
{
	return s->max_msg;
}

void sender_set_rate(struct sender *s, uint32_t msgs_per_s)
{
	s->rate = msgs_per_s;
	s->tokens = SENDER_BURST;
	s->refill_ns = mono_ns();
}

void sender_set_patience(struct sender *s, unsigned stall_s)
{
	s->patience_s = stall_s;
}

size_t sender_drain(struct sender *s, uint64_t now_ms)
{
	if (s->stream && s->fd >= 0 && s->connecting)
		tcp_check(s, now_ms, 0);
	if (!s->stream) {
		udp_errors(s);
		refusal_check(s);
	}
	flush_queue(s, now_ms);
	return (size_t)s->st.queued;
}

int sender_pollfd(const struct sender *s, struct pollfd *pfd)
{
	uint64_t t;

	pfd->fd = -1;
	pfd->events = 0;
	pfd->revents = 0;
	if (s->fd < 0)
		return -1;
	if (s->connecting) {
		pfd->fd = s->fd;
		pfd->events = POLLOUT;
		return -1;
	}
	if (s->head == NULL)
		return -1;
	if (s->head->off > 0 || (t = token_wait_ns(s)) == 0) {
		pfd->fd = s->fd;
		pfd->events = POLLOUT;
		return -1;
	}
	t = t / NS_PER_MS + 1;
	return t > 1000 ? 1000 : (int)t;
}

void sender_finish(struct sender *const *ss, unsigned n, unsigned idle_ms, uint64_t now_ms)
{
	uint64_t *seen = calloc(n + 1, sizeof(*seen)), *progress = calloc(n + 1, sizeof(*progress));
	struct pollfd *pfd = calloc(n + 1, sizeof(*pfd));
	bool *done = calloc(n + 1, sizeof(*done)), *paced = calloc(n + 1, sizeof(*paced));
	uint64_t start = mono_ms(), settle = 0, t;

	if (seen == NULL || progress == NULL || pfd == NULL || done == NULL || paced == NULL)
		goto give_up;             /* count what is queued as dropped */
	for (unsigned i = 0; i < n; i++) {
		seen[i] = ss[i]->written;
		progress[i] = start;
	}
	for (;;) {
		int timeout = 100, nfds = 0;
		bool pending = false;
		uint64_t before;

		t = mono_ms();
		for (unsigned i = 0; i < n; i++) {
			struct sender *s = ss[i];
			/* patient senders wait as long as the collector takes
			 * something every patience; others at most 5 idle_ms */
			uint64_t limit = s->patience_s > 0 ? (uint64_t)s->patience_s * 1000 : idle_ms;
			int w;

			if (done[i])
				continue;
			if (sender_drain(s, now_ms) == 0 || s->fd < 0 || s->st.stalled ||
			    (s->patience_s == 0 && t - start >= 5 * (uint64_t)idle_ms)) {
				done[i] = true;
				continue;
			}
			if (s->written != seen[i]) {
				seen[i] = s->written;
				progress[i] = t;
			} else if (t - progress[i] >= limit) {
				done[i] = true;
				continue;
			}
			pending = true;
			w = sender_pollfd(s, &pfd[nfds]);
			if (pfd[nfds].fd >= 0)
				nfds++;
			if (w >= 0 && w < timeout)
				timeout = w;
			paced[i] = w >= 0;
		}
		if (!pending)
			break;
		before = mono_ns();
		(void)poll(pfd, (nfds_t)nfds, timeout);
		for (unsigned i = 0; i < n; i++) {
			if (!paced[i])
				continue;
			ss[i]->paced_ns += mono_ns() - before;
			ss[i]->st.paced_ms = ss[i]->paced_ns / NS_PER_MS;
			paced[i] = false;
		}
	}
give_up:
	for (unsigned i = 0; i < n; i++) {
		struct sender *s = ss[i];
		uint64_t left = discard_queue(s);

		if (left > 0) {
			s->st.dropped += left;
			log_warnx("%s: %" PRIu64 " message(s) still queued at exit: dropped",
			          s->name, left);
		}
		if (!s->stream && s->recverr && s->last_sent_ns > settle)
			settle = s->last_sent_ns;
	}
	/* ICMP errors about the last datagrams may still be on their way */
	if (settle != 0 && pfd != NULL) {
		uint64_t until = settle / NS_PER_MS + SETTLE_MS;
		while ((t = mono_ms()) < until) {
			int nfds = 0;
			for (unsigned i = 0; i < n; i++) {
				if (ss[i]->stream || !ss[i]->recverr)
					continue;
				pfd[nfds].fd = ss[i]->fd;
				pfd[nfds].events = 0;      /* POLLERR: the error queue */
				nfds++;
			}
			if (poll(pfd, (nfds_t)nfds, (int)(until - t)) <= 0)
				break;
			for (unsigned i = 0; i < n; i++)
				if (!ss[i]->stream)
					udp_errors(ss[i]);
		}
	}
	free(seen);
	free(progress);
	free(pfd);
	free(done);
	free(paced);
}

const struct sender_stats *sender_stats(const struct sender *s)
{
	return &s->st;
}

const char *sender_name(const struct sender *s)
{
	return s->name;
}
