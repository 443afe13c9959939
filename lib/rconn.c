/*
 * A time-limited Redis connection with backoff (see rconn.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "conf.h"
#include "log.h"
#include "strdup_opt.h"
#include "rconn.h"

uint64_t rconn_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct timeval tv_of_ms(uint64_t ms)
{
	struct timeval tv;

	if (ms == 0)
		ms = 1;                 /* a zero timeout would mean none at all */
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	return tv;
}

int rconn_init(struct rconn *c, const struct rconn_conf *conf)
{
	bool oom = false;
	size_t n;

	memset(c, 0, sizeof(*c));
	c->port = conf->port ? conf->port : RCONN_DEFAULT_PORT;
	c->db = conf->db;
	c->timeout_ms = conf->timeout_ms ? conf->timeout_ms : RCONN_DEFAULT_TIMEOUT_MS;
	c->backoff_ms = RCONN_BACKOFF_MIN_MS;
	c->unix_path = strdup_opt(conf->unix_path, &oom);
	c->host = c->unix_path ? NULL : strdup_opt(conf->host ? conf->host : "127.0.0.1", &oom);
	c->user = strdup_opt(conf->user, &oom);
	c->password = strdup_opt(conf->password, &oom);
	n = (c->unix_path ? strlen(c->unix_path) : c->host ? strlen(c->host) : 0) + 16;
	if ((c->endpoint = malloc(n)) == NULL)
		oom = true;
	else if (c->unix_path)
		snprintf(c->endpoint, n, "unix:%s", c->unix_path);
	else if (c->host)
		snprintf(c->endpoint, n, strchr(c->host, ':') ? "[%s]:%u" : "%s:%u",
		         c->host, (unsigned)c->port);
	if (oom) {
		rconn_free(c);
		return -1;
	}
	{
		struct sigaction sa;
		if (sigaction(SIGPIPE, NULL, &sa) == 0 && !(sa.sa_flags & SA_SIGINFO) &&
		    sa.sa_handler == SIG_DFL) {
			sa.sa_handler = SIG_IGN;
			sigaction(SIGPIPE, &sa, NULL);
		}
	}
	return 0;
}

void rconn_free(struct rconn *c)
{
	if (c->rc)
		redisFree(c->rc);
	free(c->host);
	free(c->unix_path);
	free(c->user);
	free(c->password);
	free(c->endpoint);
	memset(c, 0, sizeof(*c));
}

/* Record in c->err why the context failed, naming the step. */
static void ctx_error(struct rconn *c, const char *step)
{
	const char *why = c->rc ? c->rc->errstr : "cannot allocate a context";

	if (c->rc && c->rc->err == REDIS_ERR_IO &&
	    (strcmp(why, strerror(EAGAIN)) == 0 || strcmp(why, strerror(EWOULDBLOCK)) == 0))
		snprintf(c->err, sizeof(c->err), "%s%stimed out after %" PRIu32 " ms",
		         step, *step ? ": " : "", c->timeout_ms);
	else
		snprintf(c->err, sizeof(c->err), "%s%s%s", step, *step ? ": " : "",
		         why && *why ? why : "connection failed");
}

void rconn_append_failed(struct rconn *c, const char *step)
{
	ctx_error(c, step);
}

/* Before each blocking exchange: the socket timeout becomes what is left of
 * this attempt's time.  -1 (and c->err) when none is left. */
static int time_left(struct rconn *c, uint64_t deadline, const char *step)
{
	uint64_t now = rconn_mono_ms();

	if (now >= deadline) {
		snprintf(c->err, sizeof(c->err), "%s: timed out after %" PRIu32 " ms",
		         step, c->timeout_ms);
		return -1;
	}
	if (redisSetTimeout(c->rc, tv_of_ms(deadline - now)) != REDIS_OK) {
		ctx_error(c, step);
		return -1;
	}
	return 0;
}

int rconn_reply_any(struct rconn *c, uint64_t deadline, const char *step, redisReply **out)
{
	void *v = NULL;

	/* a reply already read (a pipeline's) costs no system call */
	if (redisGetReplyFromReader(c->rc, &v) == REDIS_OK && v != NULL) {
		*out = v;
		return 0;
	}
	if (time_left(c, deadline, step) < 0)
		return -1;
	if (redisGetReply(c->rc, &v) != REDIS_OK || v == NULL) {
		if (v)
			freeReplyObject(v);
		ctx_error(c, step);
		return -1;
	}
	*out = v;
	return 0;
}

int rconn_reply(struct rconn *c, uint64_t deadline, const char *step, redisReply **out)
{
	redisReply *r;

	if (rconn_reply_any(c, deadline, step, &r) < 0)
		return -1;
	if (r->type == REDIS_REPLY_ERROR) {
		snprintf(c->err, sizeof(c->err), "%s: %s", step, r->str ? r->str : "error");
		freeReplyObject(r);
		return -1;
	}
	if (out)
		*out = r;
	else
		freeReplyObject(r);
	return 0;
}

int rconn_command(struct rconn *c, uint64_t deadline, const char *step, int argc,
                  const char **argv, const size_t *argvlen, redisReply **out)
{
	if (redisAppendCommandArgv(c->rc, argc, argv, argvlen) != REDIS_OK) {
		ctx_error(c, step);
		return -1;
	}
	return rconn_reply(c, deadline, step, out);
}

int rconn_begin(struct rconn *c, uint64_t *deadline)
{
	struct timeval tv = tv_of_ms(c->timeout_ms);
	char dbs[16];

	*deadline = rconn_mono_ms() + c->timeout_ms;
	if (c->rc != NULL)
		return 0;
	if (c->unix_path)
		c->rc = redisConnectUnixWithTimeout(c->unix_path, tv);
	else
		c->rc = redisConnectWithTimeout(c->host, c->port, tv);
	if (c->rc == NULL || c->rc->err) {
		ctx_error(c, "");
		return -1;
	}
	if (c->user) {
		const char *argv[] = { "AUTH", c->user, c->password ? c->password : "" };
		if (rconn_command(c, *deadline, "AUTH", 3, argv, NULL, NULL) < 0)
			return -1;
	} else if (c->password) {
		const char *argv[] = { "AUTH", c->password };
		if (rconn_command(c, *deadline, "AUTH", 2, argv, NULL, NULL) < 0)
			return -1;
	}
	if (c->db != 0) {
		const char *argv[] = { "SELECT", dbs };
		snprintf(dbs, sizeof(dbs), "%d", c->db);
		if (rconn_command(c, *deadline, "SELECT", 2, argv, NULL, NULL) < 0)
			return -1;
	}
	return 0;
}

bool rconn_due(const struct rconn *c, uint64_t now_ms)
{
	return c->rc != NULL || now_ms >= c->next_try_ms ||
	       c->next_try_ms - now_ms > RCONN_BACKOFF_MAX_MS;
}

void rconn_succeeded(struct rconn *c, const char *what)
{
	if (c->outage) {
		log_info("redis %s: reachable again after %" PRIu64 " failed attempt%s%s%s",
		         c->endpoint, c->outage_attempts, c->outage_attempts == 1 ? "" : "s",
		         what ? "; " : "", what ? what : "");
		c->reconnects++;
		c->outage = false;
	}
	c->outage_attempts = 0;
	c->backoff_ms = RCONN_BACKOFF_MIN_MS;
	c->up = true;
}

void rconn_failed(struct rconn *c, uint64_t now_ms)
{
	c->errors++;
	c->up = false;
	if (c->rc) {
		redisFree(c->rc);
		c->rc = NULL;
	}
	c->outage_attempts++;
	if (!c->outage) {
		log_warnx("redis %s: %s; will retry", c->endpoint, c->err);
		c->outage = true;
	} else {
		log_debug("redis %s: %s; retrying in %" PRIu32 " ms", c->endpoint, c->err,
		          c->backoff_ms);
	}
	c->next_try_ms = now_ms + c->backoff_ms;
	c->backoff_ms = c->backoff_ms * 2 > RCONN_BACKOFF_MAX_MS ? RCONN_BACKOFF_MAX_MS
	                                                         : c->backoff_ms * 2;
}

int rconn_parse(const char *arg, struct rconn_conf *rc, char *buf, size_t len)
{
	const char *colon;
	uint64_t port = RCONN_DEFAULT_PORT;

	if (strchr(arg, '/') != NULL) {
		rc->unix_path = arg;
		rc->host = NULL;
		return 0;
	}
	snprintf(buf, len, "%s", arg);
	if (buf[0] == '[') {
		char *end = strchr(buf, ']');
		if (end == NULL || (end[1] != 0 && end[1] != ':'))
			return -1;
		if (end[1] == ':' && parse_uint(end + 2, 1, 65535, &port) < 0)
			return -1;
		*end = 0;
		rc->host = buf + 1;
	} else {
		if ((colon = strrchr(buf, ':')) != NULL) {
			if (parse_uint(colon + 1, 1, 65535, &port) < 0)
				return -1;
			buf[colon - buf] = 0;
		}
		rc->host = buf;
	}
	rc->port = (uint16_t)port;
	rc->unix_path = NULL;
	return rc->host[0] != 0 ? 0 : -1;
}
