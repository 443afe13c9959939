/*
 * What every daemon shares: SIGTERM/SIGINT ask it to stop, SIGUSR1 for its
 * statistics (flags the loop polls and clears), SIGHUP to reopen the files
 * it appends to (a count each holder of a file compares with the one it
 * last saw), the wall clock, -V/-h in one format, the configuration file
 * read by default, and the switch to an unprivileged user keeping only the
 * capabilities it names.
 */
#ifndef ANEMONE_DAEMON_H
#define ANEMONE_DAEMON_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

extern volatile sig_atomic_t sig_stop;    /* SIGTERM or SIGINT seen */
extern volatile sig_atomic_t sig_stats;   /* SIGUSR1 seen: the loop clears it */
extern volatile sig_atomic_t sig_hup;     /* SIGHUPs seen so far (only the handler writes) */

/* Install the handlers (no SA_RESTART: a blocking poll returns EINTR). */
void daemon_signals(void);

/* True once per SIGHUP for the holder of *seen (which starts at 0):
 * reopen your files then.  Cost: a compare. */
bool daemon_hup_due(sig_atomic_t *seen);

/* Milliseconds since the epoch. */
uint64_t wall_ms(void);

/*
 * A worker thread of a daemon: *mu and *cv (on CLOCK_MONOTONIC, for timed
 * waits that wall-clock steps cannot stretch) are initialised, then fn(arg)
 * starts with every signal blocked, so that signals reach the main loop's
 * thread alone.  Returns 0, or the error number (mu and cv destroyed again).
 */
int daemon_thread_start(pthread_t *t, pthread_mutex_t *mu, pthread_cond_t *cv,
                        void *(*fn)(void *), void *arg);

/* 64 random bits, never 0: getrandom, else the clock and the pid (a seed
 * for hash tables and sampling, not a secret). */
uint64_t daemon_random_u64(void);

/* -V: "NAME (anemone) VERSION" on stdout. */
void daemon_version(const char *name);

/*
 * The configuration file to read: `given` (-c) if not NULL; else
 * ANEMONE_SYSCONFDIR/NAME.conf if that file exists (ANEMONE_CONFIG_DIR in
 * the environment replaces the directory: the tests point it at an empty
 * one); else NULL (defaults and the command line only).  The path is in
 * buf when it is the default.
 */
const char *daemon_config_path(const char *given, const char *name, char *buf, size_t len);

/* Capabilities a daemon may keep after daemon_drop_privileges. */
#define DAEMON_KEEP_NET_RAW   1u   /* re-open a capture or raw socket */
#define DAEMON_KEEP_NET_BIND  2u   /* bind a port below 1024 again */

/*
 * Become `user` (its uid, gid and only that group) once everything that
 * needs root is open; NULL: stay as started.  Every capability not in
 * `keep` (DAEMON_KEEP_*) leaves the permitted and effective sets, and the
 * bounding set when CAP_SETPCAP is held (without it, as when started as
 * `user`, the bounding set stays as it was: no_new_privs, set too, still
 * keeps an exec from gaining any); those in `keep` stay permitted and
 * effective.  Already running as `user`: only the capabilities are
 * reduced.  Exits through fatal/fatalx on any other failure, and if root
 * could still be regained.  Logs what it did.
 */
void daemon_drop_privileges(const char *user, unsigned keep);

/*
 * The part of daemon_drop_privileges that threads inherit, done early:
 * every capability not in `keep` out of the bounding set (when CAP_SETPCAP
 * is held), and no_new_privs.  The capabilities held stay as they are.  For
 * a daemon whose libraries start threads before it can drop privileges
 * (DPDK's EAL: its lcores and service threads), called before them: those
 * threads then lose their capabilities with the switch of user (the kernel
 * clears them in each thread whose uid leaves 0), and never regain any.
 * NULL user: nothing.  Exits through fatal on failure.
 */
void daemon_bound_privileges(const char *user, unsigned keep);

#endif
