/*
 * The collector's inputs (collector/netin.c) against real loopback sockets,
 * with the monotonic time passed in so that timeouts need no waiting: IPFIX
 * framing over a byte stream, the per-address limit and the table limit
 * (the connection idle the longest is the one closed), idle and stalled
 * connections timing out, messages cut by a close counted, UDP datagrams
 * handed on with the kernel's drop count.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "log.h"
#include "netin.h"
#include "settings.h"

#define WALL 1700000000000ull

struct seen {
	unsigned messages, datagrams, closed;
	size_t bytes;
	uint64_t last_closed;
	uint64_t conn_of_last_message;
};

static void on_datagram(void *ctx, const struct sockaddr *from, unsigned protos,
                        const uint8_t *buf, size_t len, uint64_t now_ms)
{
	struct seen *s = ctx;

	(void)from, (void)protos, (void)buf, (void)now_ms;
	s->datagrams++;
	s->bytes += len;
}

static bool on_allowed(void *ctx, const struct sockaddr *from)
{
	(void)ctx, (void)from;
	return true;
}

static void on_message(void *ctx, uint64_t conn, const struct sockaddr *from, const uint8_t *buf,
                       size_t len, uint64_t now_ms)
{
	struct seen *s = ctx;

	(void)from, (void)now_ms;
	CHECK(len >= 16 && buf[0] == 0 && buf[1] == 10 && (size_t)(buf[2] << 8 | buf[3]) == len);
	s->messages++;
	s->bytes += len;
	s->conn_of_last_message = conn;
}

static void on_closed(void *ctx, uint64_t conn)
{
	struct seen *s = ctx;

	s->closed++;
	s->last_closed = conn;
}

/* A port free on 127.0.0.1 for TCP and UDP (the kernel's pick for TCP). */
static unsigned free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	socklen_t al = sizeof(a);
	int t, u;
	unsigned port = 0;

	for (int i = 0; i < 50 && port == 0; i++) {
		a.sin_port = 0;
		t = socket(AF_INET, SOCK_STREAM, 0);
		if (bind(t, (struct sockaddr *)&a, sizeof(a)) == 0 &&
		    getsockname(t, (struct sockaddr *)&a, &al) == 0) {
			u = socket(AF_INET, SOCK_DGRAM, 0);
			if (bind(u, (struct sockaddr *)&a, sizeof(a)) == 0)
				port = ntohs(a.sin_port);
			close(u);
		}
		close(t);
	}
	return port;
}

/* A TCP connection from 127.0.0.<last> to the port. */
static int client(unsigned port, unsigned last)
{
	struct sockaddr_in src = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000000 | last) };
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
	                           .sin_addr.s_addr = htonl(0x7f000001) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0 || bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0 ||
	    connect(fd, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
		perror("client");
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* Has the collector closed fd (end of stream or reset)? */
static bool closed_by_peer(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	if (poll(&p, 1, 200) <= 0)
		return false;
	return recv(fd, &c, 1, MSG_DONTWAIT) <= 0;
}

/* Turns at monotonic time `mono` until pred holds (at most 50 of them,
 * each waiting up to 20 ms for input). */
#define TURNS_UNTIL(n, mono, pred) do { \
	for (int t_ = 0; t_ < 50 && !(pred); t_++) { \
		netin_poll((n), 20); \
		netin_work((n), WALL + (mono), (mono)); \
	} \
} while (0)

/* k turns at monotonic time mono, each waiting up to 20 ms for input */
static void turns(struct netin *n, uint64_t mono, int k)
{
	for (int i = 0; i < k; i++) {
		netin_poll(n, 20);
		netin_work(n, WALL + mono, mono);
	}
}

/* Turns at mono until no socket has input (at most 1000). */
static void drain(struct netin *n, uint64_t mono)
{
	for (int i = 0; i < 1000 && netin_poll(n, 0) > 0; i++)
		netin_work(n, WALL + mono, mono);
}

static size_t ipfix_msg(uint8_t *b, unsigned len)
{
	memset(b, 0, len);
	b[1] = 10;
	b[2] = (uint8_t)(len >> 8);
	b[3] = (uint8_t)len;
	return len;
}

static void test_frame(void)
{
	uint8_t b[64];
	size_t m = 0;

	ipfix_msg(b, 40);
	CHECK_EQ(netin_frame(b, 0, &m), 0);
	CHECK_EQ(netin_frame(b, 3, &m), 0);
	CHECK_EQ(netin_frame(b, 39, &m), 0);
	CHECK_EQ(netin_frame(b, 40, &m), 1);
	CHECK_EQ(m, 40);
	CHECK_EQ(netin_frame(b, 64, &m), 1);
	b[1] = 9;
	CHECK_EQ(netin_frame(b, 64, &m), -1);          /* not version 10 */
	ipfix_msg(b, 40);
	b[3] = 15;
	CHECK_EQ(netin_frame(b, 64, &m), -1);          /* shorter than a header */
	b[3] = 16;
	CHECK_EQ(netin_frame(b, 16, &m), 1);           /* a header alone */
}

static void test_connections(void)
{
	struct seen s = { 0 };
	struct col_listen l[2];
	char spec[64], err[256];
	unsigned port = free_port();
	struct netin_conf nc = {
		.listen = l, .nlisten = 2, .rcvbuf = 1 << 20, .max_conns = 4, .max_per_source = 2,
		.idle_ms = 1000, .message_ms = 500,
	};
	struct netin_ops ops = { &s, on_datagram, on_allowed, on_message, on_closed };
	struct netin_stats st;
	struct netin *n;
	int c1, c2, c3, c4, c5, c6, u;
	uint8_t msg[3000];
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
	                           .sin_addr.s_addr = htonl(0x7f000001) };

	CHECK(port != 0);
	snprintf(spec, sizeof(spec), "ipfix+tcp:127.0.0.1:%u", port);
	CHECK_EQ(col_listen_parse(spec, &l[0], err, sizeof(err)), 0);
	snprintf(spec, sizeof(spec), "udp:127.0.0.1:%u", port);
	CHECK_EQ(col_listen_parse(spec, &l[1], err, sizeof(err)), 0);
	if ((n = netin_new(&nc, &ops)) == NULL) {
		CHECK(!"netin_new");
		return;
	}

	/* two connections from 127.0.0.2; a third closes the first (idle the
	 * longest: it was accepted first), which the exporter sees */
	c1 = client(port, 2);
	TURNS_UNTIL(n, 1000, (netin_stats(n, &st), st.tcp_accepted == 1));
	c2 = client(port, 2);
	TURNS_UNTIL(n, 1100, (netin_stats(n, &st), st.tcp_accepted == 2));
	c3 = client(port, 2);
	TURNS_UNTIL(n, 1200, (netin_stats(n, &st), st.tcp_accepted == 3));
	netin_stats(n, &st);
	CHECK_EQ(st.tcp_accepted, 3);
	CHECK_EQ(st.tcp_open, 2);
	CHECK_EQ(st.tcp_evicted, 1);
	CHECK_EQ(s.closed, 1);
	CHECK_EQ(s.last_closed, 1);                    /* c1's id */
	CHECK(closed_by_peer(c1));

	/* c2 sends a message in two pieces, the cut inside the header: it is
	 * handed on whole once, and c2 is no longer idle */
	ipfix_msg(msg, 2000);
	CHECK_EQ(write(c2, msg, 3), 3);
	turns(n, 1300, 3);
	CHECK_EQ(s.messages, 0);
	CHECK_EQ(write(c2, msg + 3, 1997), 1997);
	TURNS_UNTIL(n, 1500, s.messages == 1);
	CHECK_EQ(s.messages, 1);
	CHECK_EQ(s.bytes, 2000);
	CHECK_EQ(s.conn_of_last_message, 2);

	/* the table (4) fills from other addresses; a fifth closes the one
	 * idle the longest: c3 (1200), not c2 (its last byte at 1500) */
	c4 = client(port, 3);
	TURNS_UNTIL(n, 1550, (netin_stats(n, &st), st.tcp_accepted == 4));
	c5 = client(port, 4);
	TURNS_UNTIL(n, 1600, (netin_stats(n, &st), st.tcp_accepted == 5));
	c6 = client(port, 5);
	TURNS_UNTIL(n, 1650, (netin_stats(n, &st), st.tcp_accepted == 6));
	netin_stats(n, &st);
	CHECK_EQ(st.tcp_open, 4);
	CHECK_EQ(st.tcp_evicted, 2);
	CHECK_EQ(s.last_closed, 3);                    /* c3 */
	CHECK(closed_by_peer(c3));
	CHECK(!closed_by_peer(c2));

	/* c4 stops inside a message body: closed at message-timeout (500 ms
	 * after its first byte), not before, the message counted as cut (the
	 * timeouts are looked at every 100 ms) */
	ipfix_msg(msg, 100);
	CHECK_EQ(write(c4, msg, 20), 20);
	turns(n, 1700, 3);
	netin_work(n, WALL + 2150, 2150);
	CHECK(!closed_by_peer(c4));
	/* at 2250: c4 stalled 550 ms; c5 (accepted at 1600) not yet idle */
	netin_work(n, WALL + 2250, 2250);
	netin_stats(n, &st);
	CHECK_EQ(st.tcp_stall_timeouts, 1);
	CHECK_EQ(st.tcp_truncated, 1);
	CHECK_EQ(st.tcp_idle_timeouts, 0);
	CHECK(closed_by_peer(c4));
	/* c2 sends a message (a header alone) at 2300; at 2650 c5 and c6 have
	 * been idle 1000 ms and more, c2 not */
	ipfix_msg(msg, 16);
	CHECK_EQ(write(c2, msg, 16), 16);
	TURNS_UNTIL(n, 2300, s.messages == 2);
	CHECK_EQ(s.messages, 2);
	netin_work(n, WALL + 2650, 2650);
	netin_stats(n, &st);
	CHECK_EQ(st.tcp_idle_timeouts, 2);
	CHECK_EQ(st.tcp_open, 1);
	CHECK(closed_by_peer(c5));
	CHECK(closed_by_peer(c6));
	CHECK(!closed_by_peer(c2));

	/* c2 closes inside a message header: cut, counted */
	CHECK_EQ(write(c2, msg, 2), 2);
	close(c2);
	TURNS_UNTIL(n, 2700, (netin_stats(n, &st), st.tcp_open == 0));
	netin_stats(n, &st);
	CHECK_EQ(st.tcp_open, 0);
	CHECK_EQ(st.tcp_truncated, 2);
	CHECK_EQ(s.closed, 6);
	CHECK_EQ(st.tcp_errors, 0);

	/* a stream that is not IPFIX: closed, a tcp-error, nothing cut */
	close(c1);
	c1 = client(port, 6);
	TURNS_UNTIL(n, 2800, (netin_stats(n, &st), st.tcp_open == 1));
	ipfix_msg(msg, 100);
	msg[1] = 5;
	CHECK_EQ(write(c1, msg, 100), 100);
	TURNS_UNTIL(n, 2900, (netin_stats(n, &st), st.tcp_open == 0));
	netin_stats(n, &st);
	CHECK_EQ(st.tcp_errors, 1);
	CHECK_EQ(st.tcp_truncated, 2);
	CHECK(closed_by_peer(c1));

	/* UDP: 100 datagrams, read 64 a turn at most */
	u = socket(AF_INET, SOCK_DGRAM, 0);
	for (int i = 0; i < 100; i++)
		CHECK_EQ(sendto(u, msg, 30, 0, (struct sockaddr *)&dst, sizeof(dst)), 30);
	s.datagrams = 0;
	netin_poll(n, 100);
	netin_work(n, WALL + 3000, 3000);
	CHECK_EQ(s.datagrams, NETIN_UDP_BATCH);
	TURNS_UNTIL(n, 3000, s.datagrams == 100);
	CHECK_EQ(s.datagrams, 100);
	netin_stats(n, &st);
	CHECK_EQ(st.udp_kernel_drops, 0);

	netin_close_all(n, 4000);
	netin_free(n);
	close(c1), close(c3), close(c4), close(c5), close(c6), close(u);
}

/* A UDP listener with a small buffer, overrun while nobody reads: the
 * drops are counted, from the datagrams that get through and from
 * SO_MEMINFO before any does. */
static void test_drops(void)
{
	struct seen s = { 0 };
	struct col_listen l;
	char spec[64], err[256];
	unsigned port = free_port();
	struct netin_conf nc = {
		.listen = &l, .nlisten = 1, .rcvbuf = 4096, .max_conns = 1, .max_per_source = 1,
		.idle_ms = 1000, .message_ms = 1000,
	};
	struct netin_ops ops = { &s, on_datagram, on_allowed, on_message, on_closed };
	struct netin_stats st;
	struct netin *n;
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
	                           .sin_addr.s_addr = htonl(0x7f000001) };
	uint8_t d[1000] = { 0 };
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	uint64_t drops;

	snprintf(spec, sizeof(spec), "v5:127.0.0.1:%u", port);
	CHECK_EQ(col_listen_parse(spec, &l, err, sizeof(err)), 0);
	if ((n = netin_new(&nc, &ops)) == NULL) {
		CHECK(!"netin_new");
		return;
	}
	for (int i = 0; i < 200; i++)
		sendto(u, d, sizeof(d), 0, (struct sockaddr *)&dst, sizeof(dst));
	netin_stats(n, &st);
	drops = st.udp_kernel_drops;
	CHECK(drops > 0);
	drain(n, 1000);
	CHECK_EQ(s.datagrams + drops, 200);
	/* more drops, then a datagram that carries their count */
	s.datagrams = 0;
	for (int i = 0; i < 200; i++)
		sendto(u, d, sizeof(d), 0, (struct sockaddr *)&dst, sizeof(dst));
	drain(n, 1000);
	netin_stats(n, &st);
	CHECK_EQ(s.datagrams + st.udp_kernel_drops - drops, 200);
	netin_free(n);
	close(u);
}

int main(void)
{
	log_init("test_netin", LOG_TO_STDERR, 0);
	test_frame();
	test_connections();
	test_drops();
	return check_done("test_netin");
}
