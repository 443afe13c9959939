/*
 * Logging: stderr in the foreground, syslog for daemons, or a file appended
 * to (reopened after SIGHUP, for logrotate).  A line on stderr or in the
 * file reads "2026-12-07T01:02:03.456Z PROG LEVEL: message" (UTC, ms).
 * log_warn appends strerror(errno); fatal/fatalx log and exit(1).
 * Per-packet problems go through a struct ratelim so a flood of bad input
 * costs one line a second.
 */
#ifndef ANEMONE_LOG_H
#define ANEMONE_LOG_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#define LOG_ATTR(f, a) __attribute__((format(printf, f, a)))

enum log_dest { LOG_TO_STDERR = 0, LOG_TO_SYSLOG };

/* verbosity: 0 = warnings and info, 1 = debug too. */
void log_init(const char *progname, enum log_dest dest, int verbosity);
int  log_verbosity(void);

/*
 * Log to `path` instead (appended, created 0640, a symbolic link refused),
 * until the end.  Returns -1 with the reason in err if it cannot be opened
 * (the destination stays as it was).  `hups` counts the requests to reopen
 * (daemon.h's sig_hup, or NULL: never): once it changes, the next line
 * logged, or log_reopen_due, reopens the file: rename it, send SIGHUP, and
 * the daemon writes to a new file of that name.
 */
int  log_to_file(const char *path, const volatile sig_atomic_t *hups, char *err, size_t errlen);

/* Reopen the log file if *hups changed since it was opened (the loop
 * calls it each turn).  If the new file cannot be opened the old one is
 * kept, and said so in it.  Cost: a compare, or an open(2). */
void log_reopen_due(void);

void log_warn(const char *fmt, ...) LOG_ATTR(1, 2);
void log_warnx(const char *fmt, ...) LOG_ATTR(1, 2);
void log_info(const char *fmt, ...) LOG_ATTR(1, 2);
void log_debug(const char *fmt, ...) LOG_ATTR(1, 2);
_Noreturn void fatal(const char *fmt, ...) LOG_ATTR(1, 2);
_Noreturn void fatalx(const char *fmt, ...) LOG_ATTR(1, 2);

/*
 * At most `burst` messages per `interval_ms`; the rest are counted and the
 * count is reported with the next message that gets through.  `now_ms` is
 * passed in (capture time in replay mode).
 */
struct ratelim {
	uint64_t window_start;
	uint32_t interval_ms;
	uint32_t burst;
	uint32_t used;
	uint64_t suppressed;
};
#define RATELIM_INIT(interval_ms, burst) { 0, (interval_ms), (burst), 0, 0 }

void log_ratelimited(struct ratelim *rl, uint64_t now_ms, const char *fmt, ...) LOG_ATTR(3, 4);

#endif
