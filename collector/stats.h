/*
 * The collector's counters, every one (the core's, the inputs', the
 * buckets', the topology's, forwarding, the writer's), as "name=value"
 * text: in log lines (SIGUSR1, exit) and in the collector:stats hash
 * (every interval).  Cost: linear in the number of counters.
 */
#ifndef COLLECTOR_STATS_H
#define COLLECTOR_STATS_H

struct col;

/* Log lines "stats name=value ...", cut between fields so that no line
 * passes what a log line holds: the first starts with datagrams=, a name
 * appears once. */
void col_stats_log(const struct col *c);

/* Queue the collector:stats hash for Redis (nothing without a writer). */
void col_stats_write(const struct col *c);

#endif
