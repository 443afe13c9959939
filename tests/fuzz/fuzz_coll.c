/*
 * libFuzzer target for the collector's datagram entry point (coll_datagram
 * and coll_stream_message): exporter table, v5 decoding and sequence
 * tracking, the v9/IPFIX sessions, normalisation, placement on a small
 * topology and aggregation, with every limit set small so the fuzzer reaches
 * them.
 *
 * The input is a sequence of datagrams, each introduced by 3 bytes: the
 * sender (low 3 bits: one of 8 addresses, IPv4 and IPv6; bit 3: a TCP
 * stream message instead of a UDP datagram; bit 4: close that stream; bit
 * 5: 6 minutes later, so that sessions go quiet; bits 6-7: more source
 * ports of the IPv4 addresses, so that one crowds the table) and a 16-bit
 * length.  Every datagram also goes through coll_export_ms and coll_takes
 * (what --clock exporter reads).  At the end the interval is flushed as the
 * collector does, and the counters must add up and fit in a signed 64-bit
 * integer, and choosing the sessions to give up must have taken a few steps
 * a choice.  Observation points (r2's sender: an edge interface, a core one
 * facing r1; r1's: a core LAN interface on a network the topology lacks)
 * and a probe group (two of the IPv6 senders) make records transit, first
 * observed, unattributed or duplicates as their input interface says: the
 * total holds exactly the records counted.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "coll.h"
#include "ipfix_in.h"
#include "log.h"
#include "lsdb.h"
#include "ospf.h"
#include "place.h"
#include "small_topo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sender(unsigned i, unsigned more_ports, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (i & 4) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		inet_pton(AF_INET6, "2001:db8::1", &s6->sin6_addr);
		s6->sin6_addr.s6_addr[15] = (uint8_t)i;
		s6->sin6_port = htons((uint16_t)(2000 + (i & 1)));
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(0x0a010c01 + (i & 1));     /* r1's, r2's interface */
		s4->sin_port = htons((uint16_t)(2000 + (i >> 1) + 2 * more_ports));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct lsdb *db;
	static struct placer *pl;
	static const struct coll_map map[] = {
		{ .af = AF_INET, .any_domain = true, .ifindex = 1, .router = 0x0aff0002,
		  .role = COLL_ROLE_EDGE },
		{ .af = AF_INET, .any_domain = true, .ifindex = 2, .router = 0x0aff0002,
		  .role = COLL_ROLE_CORE, .neighbour = 0x0aff0001 },
		{ .af = AF_INET, .any_domain = true, .ifindex = 3, .router = 0x0aff0001,
		  .role = COLL_ROLE_CORE, .network = 0x0a010c01 },
		/* r1's other interfaces: inferred from the traffic */
		{ .af = AF_INET, .any_domain = true, .any_if = true, .router = 0x0aff0001,
		  .role = COLL_ROLE_ROUTER },
	};
	static struct coll_map points[4];
	static const struct coll_group groups[] = { { "fuzz", 30000 } };
	static struct coll_member members[2];
	/* room for 3 v9/IPFIX sessions and a few templates: evictions */
	struct coll_conf cc = { .max_exporters = 4, .max_keys = 64, .top_k = 8,
	                        .template_memory = 3 * ipfix_session_cost(NULL) + 40000,
	                        .template_share_pct = 60, .map = points, .nmap = 4,
	                        .groups = groups, .ngroups = 1, .members = members,
	                        .nmembers = 2 };
	struct coll *c;
	uint64_t now = 1700000000000ull;
	size_t off = 0;

	if (db == NULL) {               /* one topology for every run */
		log_init("fuzz_coll", LOG_TO_STDERR, -1);
		memcpy(points, map, sizeof(points));
		points[0].addr.w[0] = points[1].addr.w[0] = htonl(0x0a010c02);
		points[2].addr.w[0] = points[3].addr.w[0] = htonl(0x0a010c01);
		for (int i = 0; i < 2; i++) {
			members[i].af = AF_INET6;
			inet_pton(AF_INET6, "2001:db8::1", members[i].addr.b);
			members[i].addr.b[15] = (uint8_t)(4 + i);
		}
		db = small_lsdb();
		pl = placer_build(db, now);
	}
	if ((c = coll_new(&cc, 42)) == NULL)
		return 0;
	coll_set_topology(c, pl, db);
	while (off + 3 <= size) {
		unsigned h = data[off];
		size_t len = (size_t)(data[off + 1] << 8 | data[off + 2]);
		struct sockaddr_storage ss;
		off += 3;
		if (len > size - off)
			len = size - off;
		sender(h & 7, h >> 6, &ss);
		if (h & 32)
			now += 6 * 60 * 1000;
		(void)coll_export_ms(data + off, len);
		(void)coll_takes(c, (struct sockaddr *)&ss, CP_V5 | CP_IPFIX, data + off, len);
		if (h & 16)
			coll_stream_closed(c, h & 7);
		else if (h & 8)
			coll_stream_message(c, (h & 7) + 1, (struct sockaddr *)&ss, data + off, len, now);
		else
			coll_datagram(c, (struct sockaddr *)&ss, CP_V5 | CP_V9 | CP_IPFIX, data + off,
			              len, now);
		off += len;
		now += 1000;
	}
	coll_flush_sessions(c, now);
	coll_release_held(c, true);
	{
		uint64_t choices, steps;
		coll_victim_work(c, &choices, &steps);
		if (steps > 8 * choices)
			abort();
	}
	{
		const struct coll_stats *st = coll_stats(c);
		const struct agg *iv = coll_interval(c);
		uint64_t flows = 0;
		for (size_t i = 0; i < iv->cap; i++)
			if (iv->e[i].k.kind == AK_TOTAL)
				flows += iv->e[i].v[AV_FLOWS];
		/* every record counted is in the total, placed or not: all but
		 * the transit ones and the duplicates */
		if (flows + st->observations[CO_TRANSIT] + st->observations[CO_DUPLICATE] !=
		        st->records[0] + st->records[1] + st->records[2] ||
		    st->observations[CO_COUNTED] + st->observations[CO_FIRST] +
		        st->observations[CO_UNMAPPED] != flows ||
		    st->routed + st->unrouted != flows ||
		    st->template_memory_peak > st->template_memory_limit)
			abort();
		/* no sum passes what Redis's HINCRBY takes (lost is modular) */
		uint64_t bytes = 0;
		for (size_t i = 0; i < iv->cap; i++) {
			if (iv->e[i].k.kind != 0 && (iv->e[i].v[AV_BYTES] > AGG_SUM_MAX ||
			                             iv->e[i].v[AV_PACKETS] > AGG_SUM_MAX ||
			                             iv->e[i].v[AV_FLOWS] > AGG_SUM_MAX))
				abort();
			if (iv->e[i].k.kind == AK_TOTAL)
				bytes = iv->e[i].v[AV_BYTES];
		}
		/* each sketch took every record's bytes; its counters add up to
		 * them; each error is at most the smallest counter, at most a
		 * k-th of the total */
		for (int kind = AK_SRC; kind <= AK_DSTPFX; kind++) {
			const struct agg_sketch *sk = agg_sketch_of(iv, (enum agg_kind)kind);
			uint64_t sum = 0, min = agg_sketch_min(sk), fl = 0;
			if (sk->n > sk->k || (iv->saturated == 0 && sk->total != bytes))
				abort();
			for (uint32_t i = 0; i < sk->n; i++) {
				const struct agg_entry *e = &sk->node[i];
				if (e->k.kind != kind || e->err > e->v[AV_BYTES] || e->err > min)
					abort();
				sum += e->v[AV_BYTES];
				fl += e->v[AV_FLOWS];
			}
			if (iv->saturated == 0 && (sum != sk->total || min > sk->total / sk->k ||
			                           (sk->evictions == 0 && fl != flows)))
				abort();
		}
	}
	coll_detach_topology(c);
	coll_free(c);
	return 0;
}
