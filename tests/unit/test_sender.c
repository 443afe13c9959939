/*
 * The real senders (exporter/sender.c) against collectors on loopback
 * sockets made here: a TCP collector that stops reading never blocks the
 * caller and costs whole messages only (the stream it finally reads is
 * every message counted sent, each whole, in order); a patient sender waits
 * for a slow collector but gives up on a stalled one; a lost connection
 * counts what it held; the rate limit queues instead of sleeping; datagrams
 * to a closed UDP port are counted refused, not sent, and the sender sees
 * the collector come back; sender_finish leaves every message counted once.
 *
 * Wall-clock waits (about 5 s in all) are the ICMP probe interval and the
 * patience being tested; nothing is timed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "export.h"
#include "log.h"

/* Every message: IPFIX-like header (version 10, length, sequence number)
 * then bytes that depend on the sequence number. */
static size_t make_msg(uint8_t *buf, uint32_t seq, size_t len)
{
	buf[0] = 0;
	buf[1] = 10;
	buf[2] = (uint8_t)(len >> 8);
	buf[3] = (uint8_t)len;
	buf[4] = (uint8_t)(seq >> 24);
	buf[5] = (uint8_t)(seq >> 16);
	buf[6] = (uint8_t)(seq >> 8);
	buf[7] = (uint8_t)seq;
	for (size_t i = 8; i < len; i++)
		buf[i] = (uint8_t)(seq * 7 + i);
	return len;
}

/* Walk a received stream: every message whole and intact, sequence numbers
 * increasing.  Returns the number of messages, or -1 if anything is wrong
 * (a cut message, bytes of two messages mixed). */
static long check_stream(const uint8_t *d, size_t n, uint32_t *last_seq)
{
	size_t off = 0;
	long count = 0;
	int64_t prev = -1;

	while (off < n) {
		size_t len;
		uint32_t seq;

		if (n - off < 8 || d[off] != 0 || d[off + 1] != 10)
			return -1;
		len = (size_t)d[off + 2] << 8 | d[off + 3];
		seq = (uint32_t)d[off + 4] << 24 | (uint32_t)d[off + 5] << 16 |
		      (uint32_t)d[off + 6] << 8 | d[off + 7];
		if (len < 8 || n - off < len || (int64_t)seq <= prev)
			return -1;
		for (size_t i = 8; i < len; i++)
			if (d[off + i] != (uint8_t)(seq * 7 + i))
				return -1;
		prev = seq;
		off += len;
		count++;
	}
	if (last_seq != NULL)
		*last_seq = (uint32_t)prev;
	return count;
}

static uint16_t bound_port(int fd)
{
	struct sockaddr_in a;
	socklen_t l = sizeof(a);

	getsockname(fd, (struct sockaddr *)&a, &l);
	return ntohs(a.sin_port);
}

/* A TCP listener on 127.0.0.1, with a small receive buffer when asked
 * (inherited by the connection: its window closes after a few kB). */
static int tcp_listener(int rcvbuf, uint16_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (rcvbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 4) < 0) {
		perror("listener");
		exit(1);
	}
	*port = bound_port(fd);
	return fd;
}

static struct sender *new_sender(const char *proto, uint16_t port)
{
	char spec[64], err[256];
	struct exp_dest d;
	struct sender *s;

	snprintf(spec, sizeof(spec), "%s:127.0.0.1:%u", proto, port);
	if (exp_dest_parse(spec, &d, err, sizeof(err)) < 0 ||
	    (s = sender_new(&d, 1500, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s: %s\n", spec, err);
		exit(1);
	}
	return s;
}

/* Every message counted once: sent, refused, dropped, lost or queued. */
static uint64_t accounted(const struct sender *s)
{
	const struct sender_stats *st = sender_stats(s);

	return st->messages + st->refused + st->dropped + st->errors + st->queued;
}

/* What a collector read.  rx_take reads what c has (up to 64 kB) into it;
 * read_all takes everything, draining s meanwhile, until s has nothing
 * queued and c has been quiet for 200 ms. */
struct rx {
	uint8_t *d;
	size_t n, cap;
};

static void rx_take(struct rx *r, int c, int timeout_ms)
{
	struct pollfd p = { c, POLLIN, 0 };
	size_t start = r->n;

	/* at most 64 kB a call: the sender's socket stays nearly full while
	 * it writes its queue, so that the socket takes messages in parts */
	while (r->n - start < 65536 && poll(&p, 1, timeout_ms) == 1) {
		ssize_t k;
		if (r->cap - r->n < 65536) {
			r->cap = r->cap * 2 + 65536;
			r->d = realloc(r->d, r->cap);
		}
		k = recv(c, r->d + r->n, r->cap - r->n, MSG_DONTWAIT);
		if (k <= 0)
			break;
		r->n += (size_t)k;
		timeout_ms = 0;
	}
}

static void read_all(struct sender *s, int c, struct rx *r, uint64_t now_ms)
{
	for (;;) {
		size_t left = sender_drain(s, now_ms);
		size_t before = r->n;

		rx_take(r, c, 200);
		if (left == 0 && r->n == before)
			break;
	}
}

/* Send to a collector that does not read until the kernel takes no more
 * (its send buffer grows for a while as what is in flight is acknowledged)
 * and at least `want` messages wait in the queue.  *i numbers messages. */
static void fill(struct sender *s, unsigned *i, uint64_t want)
{
	const struct sender_stats *st = sender_stats(s);
	uint8_t buf[1400];
	uint64_t q = 0;
	unsigned still = 0;

	for (unsigned round = 0; round < 1000 && still < 3; round++) {
		while (st->queued < want && *i < 100000) {
			sender_send(s, buf, make_msg(buf, *i, 1000), 1000);
			(*i)++;
		}
		usleep(20000);
		sender_drain(s, 1000);
		still = st->queued >= want && st->queued == q ? still + 1 : 0;
		q = st->queued;
	}
}

/* A collector that accepts and stops reading: no call waits; the queue
 * holds what it may and whole messages are dropped; when the collector
 * reads again, it gets exactly the messages counted sent, each whole. */
static void test_tcp_stall(void)
{
	uint16_t port;
	int l = tcp_listener(4096, &port), c;
	struct sender *s = new_sender("ipfix+tcp", port);
	const struct sender_stats *st = sender_stats(s);
	static uint8_t buf[65535];
	struct rx r = { NULL, 0, 0 };
	uint32_t last;
	unsigned n;

	c = accept(l, NULL, NULL);
	CHECK(c >= 0);
	CHECK_EQ(sender_generation(s, 1000), 1);
	sender_set_queue(s, 1 << 20);
	/* until 100 messages were dropped: however large the kernel's buffers;
	 * messages up to IPFIX's largest, so that the socket takes some in
	 * part (it takes a small one whole as soon as it has any room) */
	for (n = 0; n < 100000 && st->dropped < 100; n++)
		sender_send(s, buf, make_msg(buf, n, 1000 + (n * 7919) % 64000), 1000 + n);
	CHECK_EQ(st->dropped, 100);
	CHECK_EQ(st->errors, 0);
	CHECK(st->queued_bytes <= 1 << 20);
	CHECK(st->queued > 0);
	CHECK_EQ(accounted(s), n);
	CHECK_EQ(st->stalled, 0);             /* only patient senders stall */

	/* the collector reads again; one more message after the drops */
	read_all(s, c, &r, 9000);
	CHECK_EQ(st->queued, 0);
	CHECK_EQ(sender_send(s, buf, make_msg(buf, n, 500), 9000), 0);
	n++;
	read_all(s, c, &r, 9000);
	CHECK_EQ(check_stream(r.d, r.n, &last), (long)st->messages);
	CHECK_EQ(st->messages + st->dropped, n);
	CHECK_EQ(st->octets, r.n);
	CHECK_EQ(last, n - 1);

	sender_finish(&s, 1, 100, 9000);
	CHECK_EQ(accounted(s), n);
	free(r.d);
	sender_free(s);
	close(c);
	close(l);
}

/* A patient sender (replay): waits for a collector that reads slowly and
 * drops nothing; gives up on one that takes nothing for the patience, then
 * drops at once; and waits again once the collector takes something. */
struct slow_reader {
	int fd;
	struct rx r;
	volatile int stop;
};

static void *slow_read(void *arg)
{
	struct slow_reader *sr = arg;
	struct timespec ts = { 0, 2000000 };

	while (!sr->stop) {
		ssize_t k;
		if (sr->r.cap - sr->r.n < 65536) {
			sr->r.cap = sr->r.cap * 2 + 65536;
			sr->r.d = realloc(sr->r.d, sr->r.cap);
		}
		k = recv(sr->fd, sr->r.d + sr->r.n, 65536, MSG_DONTWAIT);
		if (k > 0)
			sr->r.n += (size_t)k;
		else if (k == 0)
			break;
		nanosleep(&ts, NULL);
	}
	return NULL;
}

static void test_tcp_patience(void)
{
	uint16_t port;
	int l = tcp_listener(65536, &port), c;
	struct sender *s = new_sender("ipfix+tcp", port);
	const struct sender_stats *st = sender_stats(s);
	uint8_t buf[1400];
	struct slow_reader sr;
	static uint8_t big[40000];
	pthread_t th;
	unsigned i;
	uint64_t dropped;

	c = accept(l, NULL, NULL);
	sender_set_queue(s, 65536);
	sender_set_patience(s, 1);
	CHECK_EQ(sender_generation(s, 1000), 1);

	/* slow but alive: a few MB/s, against 6 MB sent at once (the kernel's
	 * buffers and the queue hold about 3; without patience some 50
	 * messages would be dropped), in large messages */
	memset(&sr, 0, sizeof(sr));
	sr.fd = c;
	pthread_create(&th, NULL, slow_read, &sr);
	for (i = 0; i < 150; i++)
		sender_send(s, big, make_msg(big, i, 40000), 1000);
	CHECK_EQ(st->dropped, 0);
	CHECK_EQ(st->stalled, 0);
	sender_finish(&s, 1, 100, 1000);
	CHECK_EQ(st->messages, 150);
	CHECK_EQ(st->queued, 0);
	for (int k = 0; k < 2000 && sr.r.n < 150 * 40000; k++)
		usleep(10000);                /* the reader takes the rest */
	sr.stop = 1;
	pthread_join(th, NULL);
	/* all of it, each message whole (the socket took most in parts) */
	CHECK_EQ(check_stream(sr.r.d, sr.r.n, NULL), 150);
	free(sr.r.d);

	/* stalled: one wait of the patience, then drops without waiting */
	for (; i < 100000 && !st->stalled; i++)
		sender_send(s, buf, make_msg(buf, i, 1000), 2000);
	CHECK_EQ(st->stalled, 1);
	dropped = st->dropped;
	CHECK_EQ(dropped, 1);                 /* the one that waited */
	for (unsigned k = 0; k < 100; k++, i++)
		sender_send(s, buf, make_msg(buf, i, 1000), 2000);
	CHECK_EQ(st->dropped, dropped + 100);
	CHECK_EQ(accounted(s), i);

	/* the collector reads again: the sender takes heart */
	{
		struct rx r = { NULL, 0, 0 };
		for (int k = 0; k < 50 && st->stalled; k++) {
			rx_take(&r, c, 20);
			sender_drain(s, 3000);
		}
		CHECK_EQ(st->stalled, 0);
		free(r.d);
	}
	sender_free(s);
	close(c);
	close(l);
}

/* A connection reset with messages queued: they are counted lost, the
 * generation drops to 0, and the next connection starts empty. */
static void test_tcp_reset(void)
{
	uint16_t port;
	int l = tcp_listener(4096, &port), c, c2;
	struct sender *s = new_sender("ipfix+tcp", port);
	const struct sender_stats *st = sender_stats(s);
	uint8_t buf[1400];
	struct linger lg = { 1, 0 };
	unsigned i;

	c = accept(l, NULL, NULL);
	i = 0;
	fill(s, &i, 50);
	CHECK(st->queued >= 50);
	setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(c);                             /* RST */
	usleep(50000);
	sender_drain(s, 1000);
	CHECK_EQ(sender_generation(s, 1000), 0);
	CHECK_EQ(st->queued, 0);
	CHECK(st->errors >= 1);
	CHECK_EQ(accounted(s), i);
	/* reconnection after the backoff (1 s of the caller's clock) */
	CHECK_EQ(sender_generation(s, 1500), 0);
	sender_generation(s, 2100);
	c2 = accept(l, NULL, NULL);
	CHECK(c2 >= 0);
	usleep(20000);
	CHECK_EQ(sender_generation(s, 2200), 2);
	CHECK_EQ(st->connects, 2);
	CHECK_EQ(sender_send(s, buf, make_msg(buf, 0, 100), 2200), 0);
	{
		struct rx r = { NULL, 0, 0 };
		rx_take(&r, c2, 500);
		CHECK_EQ(check_stream(r.d, r.n, NULL), 1);   /* a fresh, whole stream */
		free(r.d);
	}
	sender_free(s);
	close(c2);
	close(l);
}

/* UDP to a port nobody listens on: each datagram counted refused, none
 * sent; then a collector appears and the sender says so. */
static void test_udp_refused(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int u = socket(AF_INET, SOCK_DGRAM, 0), rcv;
	uint16_t port;
	struct sender *s;
	const struct sender_stats *st;
	uint8_t buf[1400];
	struct timespec probe = { 1, 200000000 }, wait = { 2, 200000000 };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(u, (struct sockaddr *)&a, sizeof(a));
	port = bound_port(u);
	close(u);                             /* now nobody listens there */
	s = new_sender("v5", port);
	st = sender_stats(s);
	for (unsigned i = 0; i < 10; i++) {
		CHECK_EQ(sender_send(s, buf, make_msg(buf, i, 200), 1000), 0);
		sender_drain(s, 1000);
	}
	sender_finish(&s, 1, 100, 1000);      /* waits for the last ICMP */
	CHECK_EQ(st->refused, 10);
	CHECK_EQ(st->messages, 0);
	CHECK_EQ(st->errors, 0);
	CHECK_EQ(st->refusing, 1);

	/* the collector comes up; a datagram a while after the last refusal
	 * draws none: accepted again */
	rcv = socket(AF_INET, SOCK_DGRAM, 0);
	a.sin_port = htons(port);
	CHECK_EQ(bind(rcv, (struct sockaddr *)&a, sizeof(a)), 0);
	nanosleep(&probe, NULL);
	CHECK_EQ(sender_send(s, buf, make_msg(buf, 10, 200), 2000), 0);
	nanosleep(&wait, NULL);
	sender_drain(s, 4000);
	CHECK_EQ(st->refusing, 0);
	CHECK_EQ(st->messages, 1);
	CHECK_EQ(st->refused, 10);
	CHECK_EQ(recv(rcv, buf, sizeof(buf), MSG_DONTWAIT), 200);
	sender_free(s);
	close(rcv);
}

/* The rate limit, live (no patience): the burst goes at once, the rest
 * waits in the queue, sender_pollfd says when to come back; nobody sleeps
 * in the sender. */
static void test_rate_queue(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int rcv = socket(AF_INET, SOCK_DGRAM, 0);
	struct sender *s;
	const struct sender_stats *st;
	uint8_t buf[1400];
	int n = 0;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(rcv, (struct sockaddr *)&a, sizeof(a));
	s = new_sender("v5", bound_port(rcv));
	st = sender_stats(s);
	sender_set_rate(s, 200);
	for (unsigned i = 0; i < 100; i++)
		CHECK_EQ(sender_send(s, buf, make_msg(buf, i, 100), 1000), 0);
	CHECK(st->messages >= SENDER_BURST && st->messages < 100);   /* the burst, and
	                                         what the time the loop took allows */
	CHECK_EQ(st->queued, 100 - st->messages);
	while (st->queued > 0) {
		struct pollfd p;
		int w = sender_pollfd(s, &p);
		CHECK(w >= 0 || p.events == POLLOUT);
		poll(&p, p.fd >= 0 ? 1 : 0, w);
		sender_drain(s, 1000);
	}
	CHECK_EQ(st->messages, 100);
	CHECK_EQ(st->paced_ms, 0);
	while (recv(rcv, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		n++;
	CHECK_EQ(n, 100);
	sender_free(s);
	close(rcv);
}

/* sender_finish with a stalled collector, live: gives up after idle_ms and
 * counts what is left as dropped. */
static void test_finish_gives_up(void)
{
	uint16_t port;
	int l = tcp_listener(4096, &port), c;
	struct sender *s = new_sender("ipfix+tcp", port);
	const struct sender_stats *st = sender_stats(s);
	unsigned i;

	c = accept(l, NULL, NULL);
	i = 0;
	fill(s, &i, 100);
	CHECK(st->queued >= 100);
	sender_finish(&s, 1, 200, 1000);
	CHECK_EQ(st->queued, 0);
	CHECK(st->dropped >= 1);
	CHECK_EQ(accounted(s), i);
	sender_free(s);
	close(c);
	close(l);
}

/* A network namespace of our own when we may (root): the kernel's budget of
 * ICMP errors is per namespace, and test_udp_refused needs 10 of them. */
static void own_netns(void)
{
	struct ifreq ifr;
	int fd;

	if (unshare(CLONE_NEWNET) < 0) {
		printf("test_sender: sharing the network namespace (%s)\n", strerror(errno));
		return;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0 ||
	    (ifr.ifr_flags |= IFF_UP, ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)) {
		perror("test_sender: lo up");
		exit(1);
	}
	close(fd);
}

int main(void)
{
	log_init("test_sender", LOG_TO_STDERR, 0);
	own_netns();
	test_tcp_stall();
	test_tcp_patience();
	test_tcp_reset();
	test_udp_refused();
	test_rate_queue();
	test_finish_gives_up();
	return check_done("test_sender");
}
