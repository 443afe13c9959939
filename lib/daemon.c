/*
 * Signal flags, the wall clock, -V and the default configuration file (see
 * daemon.h; the switch to an unprivileged user is in privs.c, so that only
 * the daemons link libcap).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/time.h>
#include <unistd.h>

#include "daemon.h"

#ifndef ANEMONE_SYSCONFDIR
#define ANEMONE_SYSCONFDIR "/etc/anemone"
#endif

volatile sig_atomic_t sig_stop, sig_stats, sig_hup;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		sig_stats = 1;
	else if (sig == SIGHUP)
		sig_hup++;
	else
		sig_stop = 1;
}

void daemon_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

bool daemon_hup_due(sig_atomic_t *seen)
{
	sig_atomic_t now = sig_hup;

	if (now == *seen)
		return false;
	*seen = now;
	return true;
}

uint64_t wall_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

void daemon_version(const char *name)
{
	printf("%s (anemone) %s\n", name, PACKAGE_VERSION);
}

const char *daemon_config_path(const char *given, const char *name, char *buf, size_t len)
{
	const char *dir = getenv("ANEMONE_CONFIG_DIR");
	int n;

	if (given != NULL)
		return given;
	if (dir == NULL || dir[0] == '\0')
		dir = ANEMONE_SYSCONFDIR;
	n = snprintf(buf, len, "%s/%s.conf", dir, name);
	if (n < 0 || (size_t)n >= len || access(buf, F_OK) != 0)
		return NULL;
	return buf;
}

int daemon_thread_start(pthread_t *t, pthread_mutex_t *mu, pthread_cond_t *cv,
                        void *(*fn)(void *), void *arg)
{
	pthread_condattr_t ca;
	sigset_t all, old;
	int err;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(mu, NULL);
	sigfillset(&all);                /* signals go to the caller's thread */
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err != 0) {
		pthread_cond_destroy(cv);
		pthread_mutex_destroy(mu);
	}
	return err;
}

uint64_t daemon_random_u64(void)
{
	uint64_t v = 0;

	if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
		v = wall_ms() * 0x9e3779b97f4a7c15ull ^ ((uint64_t)getpid() << 32);
	return v ? v : 1;
}
