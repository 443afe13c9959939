/*
 * What every daemon's main loop needs: SIGTERM/SIGINT ask it to stop,
 * SIGUSR1 for its statistics (flags the loop polls and clears), and the
 * wall clock in milliseconds.
 */
#ifndef ANEMONE_DAEMON_H
#define ANEMONE_DAEMON_H

#include <signal.h>
#include <stdint.h>

extern volatile sig_atomic_t sig_stop;    /* SIGTERM or SIGINT seen */
extern volatile sig_atomic_t sig_stats;   /* SIGUSR1 seen: the loop clears it */

/* Install the handlers (no SA_RESTART: a blocking poll returns EINTR). */
void daemon_signals(void);

/* Milliseconds since the epoch. */
uint64_t wall_ms(void);

#endif
