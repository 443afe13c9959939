/*
 * The log (see log.h): one line per message, built whole and written with
 * one call, to stderr, syslog or a file reopened after SIGHUP.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char *log_prog = "anemone";
static enum log_dest log_dest;
static int log_verbose;
static const char *log_path;    /* log_to_file's, or NULL */
static int log_fd = -1;
static const volatile sig_atomic_t *log_hups;   /* reopen when it changes */
static sig_atomic_t log_hup_seen;

/* O_NOFOLLOW: a daemon started as root appends to no link's target. */
static int open_log(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0640);
}

int log_to_file(const char *path, const volatile sig_atomic_t *hups, char *err, size_t errlen)
{
	int fd = open_log(path);

	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open the log file: %s", path,
		         errno == ELOOP ? "a symbolic link" : strerror(errno));
		return -1;
	}
	if (log_fd >= 0)
		close(log_fd);
	log_fd = fd;
	log_path = path;
	log_hups = hups;
	log_hup_seen = hups != NULL ? *hups : 0;
	return 0;
}

void log_reopen_due(void)
{
	sig_atomic_t now;
	int fd, e;

	if (log_path == NULL || log_hups == NULL || (now = *log_hups) == log_hup_seen)
		return;
	log_hup_seen = now;
	if ((fd = open_log(log_path)) < 0) {
		e = errno;
		log_warnx("%s: cannot reopen the log file (%s); writing on to the old one",
		          log_path, strerror(e));
		return;
	}
	close(log_fd);
	log_fd = fd;
}

void log_init(const char *progname, enum log_dest dest, int verbosity)
{
	log_prog = progname;
	log_dest = dest;
	log_verbose = verbosity;
	if (dest == LOG_TO_SYSLOG)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

int log_verbosity(void)
{
	return log_verbose;
}

/* The level word of a log line. */
static const char *level_name(int pri)
{
	switch (pri) {
	case LOG_CRIT: return "fatal";
	case LOG_WARNING: return "warning";
	case LOG_INFO: return "info";
	default: return "debug";
	}
}

/*
 * One formatted line to the chosen destination; errstr appended if given.
 * On stderr and in a file it starts with the UTC time to the millisecond
 * and the level.
 */
static void log_vemit(int pri, const char *errstr, const char *fmt, va_list ap)
{
	char msg[1024], line[1200];
	struct timespec ts;
	struct tm tm;
	int n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_dest == LOG_TO_SYSLOG && log_path == NULL) {
		if (errstr)
			syslog(pri, "%s: %s", msg, errstr);
		else
			syslog(pri, "%s", msg);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s: %s%s%s\n",
	             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	             tm.tm_sec, ts.tv_nsec / 1000000, log_prog, level_name(pri), msg,
	             errstr ? ": " : "", errstr ? errstr : "");
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	if (log_path != NULL) {
		log_reopen_due();
		if (write(log_fd, line, (size_t)n) == n)
			return;
	}
	fputs(line, stderr);
}

void log_warn(const char *fmt, ...)
{
	const char *e = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_WARNING, e, fmt, ap);
	va_end(ap);
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_WARNING, NULL, fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_INFO, NULL, fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_verbose < 1)
		return;
	va_start(ap, fmt);
	log_vemit(LOG_DEBUG, NULL, fmt, ap);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	const char *e = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_CRIT, e, fmt, ap);
	va_end(ap);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_CRIT, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}

void log_ratelimited(struct ratelim *rl, uint64_t now_ms, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (now_ms - rl->window_start >= rl->interval_ms || now_ms < rl->window_start) {
		rl->window_start = now_ms;
		rl->used = 0;
	}
	if (rl->used >= rl->burst) {
		rl->suppressed++;
		return;
	}
	rl->used++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (rl->suppressed) {
		log_warnx("%s (%llu similar messages suppressed)", msg,
		          (unsigned long long)rl->suppressed);
		rl->suppressed = 0;
	} else {
		log_warnx("%s", msg);
	}
}
