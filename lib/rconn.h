/*
 * A Redis connection for a daemon that must not stall or lose track when
 * Redis goes away: hiredis, synchronous, with a time limit on each attempt
 * (connect, AUTH, SELECT, the commands and their replies), a retry backoff of
 * 1 s doubling to 30 s, and an outage logged once when it starts and once
 * when it ends.  Used by ospfmon's publisher and the collector's writer;
 * what to send, and what to keep while Redis is away, is theirs.
 *
 * One attempt:
 *
 *     if (!rconn_due(c, now)) return;            // backing off
 *     uint64_t dl;
 *     if (rconn_begin(c, &dl) < 0 || ...append commands, rconn_reply()...)
 *             rconn_failed(c, now);              // logs, closes, backs off
 *     else
 *             rconn_succeeded(c, "sent N things");
 *
 * Creating a connection sets SIGPIPE to be ignored if it was left at its
 * default: a write on a connection the server has closed must come back as
 * an error, not end the process.  A struct rconn is used by one thread at a
 * time (the collector's writer and topology poll each have their own, in
 * their own thread); its endpoint never changes after rconn_init.
 */
#ifndef ANEMONE_RCONN_H
#define ANEMONE_RCONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#define RCONN_DEFAULT_PORT       6379
#define RCONN_DEFAULT_TIMEOUT_MS 1000
#define RCONN_BACKOFF_MIN_MS     1000
#define RCONN_BACKOFF_MAX_MS     30000

/* unix_path wins over host when both are set; zero fields take defaults.
 * host should be an address: a name is resolved without a time limit. */
struct rconn_conf {
	const char *host;
	uint16_t port;
	const char *unix_path;
	const char *user;            /* ACL user: AUTH user password (Redis 6+) */
	const char *password;        /* AUTH after connecting, if set (or user is) */
	int db;                      /* SELECT after connecting, if not 0 */
	uint32_t timeout_ms;         /* per attempt */
};

struct rconn {
	char *host, *unix_path, *user, *password;
	uint16_t port;
	int db;
	uint32_t timeout_ms;
	char *endpoint;              /* "host:port", "[v6]:port" or "unix:path" */
	redisContext *rc;            /* NULL while disconnected */
	char err[256];               /* why the last attempt failed */
	bool outage;
	uint64_t outage_attempts;
	uint64_t next_try_ms;
	uint32_t backoff_ms;
	/* counters */
	uint64_t errors;             /* failed attempts */
	uint64_t reconnects;         /* outages ended */
	bool up;                     /* the last attempt succeeded */
};

/* 0, or -1 when out of memory.  Does not connect. */
int rconn_init(struct rconn *c, const struct rconn_conf *conf);
void rconn_free(struct rconn *c);

/* Whether an attempt may be made at now_ms (connected, or the backoff has
 * run out; a clock set back by more than the longest backoff makes it due). */
bool rconn_due(const struct rconn *c, uint64_t now_ms);

/* Start an attempt: connect if needed.  *deadline receives the monotonic
 * time by which the attempt must end.  0, or -1 with c->err set. */
int rconn_begin(struct rconn *c, uint64_t *deadline);

/* Read one reply, within the deadline; fails on I/O errors and on error
 * replies.  *out receives the reply (the caller frees it) when out is not
 * NULL.  step names what is being done, for c->err. */
int rconn_reply(struct rconn *c, uint64_t deadline, const char *step, redisReply **out);

/* The same, except that an error reply is returned in *out (type
 * REDIS_REPLY_ERROR), not a failure: for a caller that tells one error
 * from another (a command refused inside a transaction).  Fails only on I/O
 * errors and the time limit.  A reply already read costs no system call. */
int rconn_reply_any(struct rconn *c, uint64_t deadline, const char *step, redisReply **out);

/* Send one command and read its reply (argvlen NULL: strlen of each). */
int rconn_command(struct rconn *c, uint64_t deadline, const char *step, int argc,
                  const char **argv, const size_t *argvlen, redisReply **out);

/* Record in c->err that appending to the output buffer failed. */
void rconn_append_failed(struct rconn *c, const char *step);

/* End an attempt.  rconn_succeeded logs the end of an outage, with what
 * (e.g. "sent 3 queued events") appended when not NULL; rconn_failed logs
 * the start of one (later failures at debug level), closes the connection
 * and schedules the next attempt. */
void rconn_succeeded(struct rconn *c, const char *what);
void rconn_failed(struct rconn *c, uint64_t now_ms);

uint64_t rconn_mono_ms(void);

/* "HOST[:PORT]", "[IPV6]:PORT", or a socket path (anything with a '/') into
 * rc; buf (len bytes) holds the host.  0, or -1 when malformed. */
int rconn_parse(const char *arg, struct rconn_conf *rc, char *buf, size_t len);

#endif
