/*
 * The collector's statistics (see stats.h): one name=value text, as log
 * lines or as the <prefix>collector:stats hash.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "run.h"
#include "sbuf.h"
#include "schema.h"
#include "stats.h"

/* Every counter as name=value, separated by spaces (log lines) or newlines
 * (redis_hash: the writer's HSET text); "redis=up|down" last.  Cost:
 * linear in the number of counters. */
static void stats_text(const struct col *c, struct sbuf *b, bool redis_hash)
{
	const struct coll_stats *s = coll_stats(c->coll);
	struct writer_stats ws = { 0 };
	struct netin_stats ns = { 0 };
	const char *sep = redis_hash ? "\n" : " ";

	if (c->w)
		writer_stats(c->w, &ws);
	if (c->in)
		netin_stats(c->in, &ns);
#define ST(name, v) sbuf_printf(b, "%s=%" PRIu64 "%s", name, (uint64_t)(v), sep)
	ST("datagrams", s->datagrams);
	ST("octets", s->octets);
	for (int i = 0; i < CD_MAX; i++) {
		char n[64];
		snprintf(n, sizeof(n), "dropped-%s", coll_drop_name((enum coll_drop)i));
		ST(n, s->dropped[i]);
	}
	ST("bad-ipfix-short", s->ipfix_short);
	ST("bad-ipfix-length", s->ipfix_length);
	ST("bad-ipfix-sets", s->ipfix_sets);
	ST("bad-ipfix-domains", s->ipfix_domains);
	ST("bad-ipfix-decode", s->ipfix_decode);
	ST("records-v5", s->records[0]);
	ST("records-v9", s->records[1]);
	ST("records-ipfix", s->records[2]);
	ST("absurd-records", s->absurd);
	ST("lost", s->lost);
	ST("reordered", s->reordered);
	ST("sequence-resets", s->resets);
	ST("exporters", s->exporters);
	ST("exporters-evicted", s->exporters_evicted);
	ST("exporters-evicted-unproductive", s->exporters_evicted_unproductive);
	ST("exporters-evicted-crowded", s->exporters_evicted_crowded);
	ST("template-memory", s->template_memory);
	ST("template-memory-peak", s->template_memory_peak);
	ST("template-memory-limit", s->template_memory_limit);
	ST("templates-evicted", s->templates_evicted);
	ST("templates-evicted-used", s->templates_evicted_used);
	ST("template-memory-refused", s->template_memory_refused);
	ST("domains", s->domains);
	ST("templates", s->templates);
	ST("templates-added", s->templates_added);
	ST("templates-withdrawn", s->templates_withdrawn);
	ST("template-errors", s->template_errors);
	ST("no-template-sets", s->no_template_sets);
	ST("bad-sets", s->bad_sets);
	ST("reserved-sets", s->reserved_sets);
	ST("options-records", s->options_records);
	ST("no-address-records", s->no_address_records);
	ST("sampling-rejected", s->sampling_rejected);
	ST("domains-folded", s->domains_folded);
	ST("fields-skipped", s->fields_skipped);
	ST("value-overflows", s->value_overflows);
	ST("routed", s->routed);
	ST("unrouted", s->unrouted);
	ST("records-counted", s->observations[CO_COUNTED]);
	ST("records-transit", s->observations[CO_TRANSIT]);
	ST("records-first", s->observations[CO_FIRST]);
	ST("records-unmapped", s->observations[CO_UNMAPPED]);
	ST("records-duplicate", s->observations[CO_DUPLICATE]);
	ST("records-duplicate-found", s->auto_duplicates);
	ST("measured-unattributed", s->unattributed);
	ST("records-inferred", s->inferred);
	ST("records-held", s->held);
	ST("infer-full", s->infer_full);
	{
		uint64_t sat, ovf;
		buckets_totals(&c->b, c->coll, &sat, &ovf);
		ST("sums-saturated", sat);
		ST("keys-overflow", ovf);
	}
	ST("topology-loads", c->topo.loads);
	ST("topology-errors", c->topo.errors);
	{
		struct snmp_stats ss = { 0 };
		if (c->topo.snmp)
			snmp_poller_stats(c->topo.snmp, &ss);
		ST("snmp-polls", ss.polls);
		ST("snmp-errors", ss.errors);
		ST("snmp-bad-values", ss.bad_values + ss.dropped_rows);
		ST("snmp-points", c->topo.npoints);
	}
	ST("forwarded", c->forwarded);
	ST("forward-errors", c->forward_errors);
	ST("tcp-errors", ns.tcp_errors);
	ST("tcp-accepted", ns.tcp_accepted);
	ST("tcp-open", ns.tcp_open);
	ST("tcp-evicted", ns.tcp_evicted);
	ST("tcp-idle-timeouts", ns.tcp_idle_timeouts);
	ST("tcp-stall-timeouts", ns.tcp_stall_timeouts);
	ST("tcp-truncated", ns.tcp_truncated);
	ST("udp-kernel-drops", ns.udp_kernel_drops);
	ST("redis-batches", ws.batches_written);
	ST("redis-commands", ws.commands_written);
	ST("redis-batches-dropped", ws.batches_dropped);
	ST("redis-records-dropped", ws.records_dropped);
	ST("redis-exec-errors", ws.exec_errors);
	ST("redis-duplicates", ws.duplicates);
	ST("redis-saturated", ws.saturated);
	ST("redis-queued", ws.queued_batches);
	ST("redis-records-queued", ws.queued_records);
	ST("redis-errors", ws.redis_errors);
	sbuf_printf(b, "redis=%s", ws.redis_up ? "up" : "down");
#undef ST
}

/* The statistics as log lines "stats name=value ...", cut between fields
 * so that no line passes what a log line holds (lib/log.c, syslog): the
 * first starts with datagrams=, a name appears once. */
void col_stats_log(const struct col *c)
{
	enum { LINE = 800 };
	struct sbuf b = SBUF_INIT;
	const char *p, *end;

	stats_text(c, &b, false);
	p = sbuf_str(&b);
	end = p + strlen(p);
	while (p < end) {
		const char *cut = end;
		if (end - p > LINE) {
			cut = p + LINE;
			while (cut > p && *cut != ' ')
				cut--;
			if (cut == p)
				cut = p + LINE;
		}
		log_info("stats %.*s", (int)(cut - p), p);
		p = cut;
		while (*p == ' ')
			p++;
	}
	sbuf_free(&b);
}

/* The statistics as the collector:stats hash, queued for the writer. */
void col_stats_write(const struct col *c)
{
	struct sbuf b = SBUF_INIT;

	if (c->w == NULL)
		return;
	stats_text(c, &b, true);
	writer_hset_text(c->w, SCHEMA_COLLECTOR_STATS, sbuf_str(&b));
	sbuf_free(&b);
}
