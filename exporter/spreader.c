/*
 * The software spreader of DPDK ports without RSS (see spreader.h): a
 * symmetric hash of each frame's flow key picks the worker that meters it.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "flowkey.h"
#include "spreader.h"

struct spreader {
	unsigned key_fields, n;
	uint64_t seed;
	struct frag_slot frag[FRAG_SLOTS];
};

struct spreader *spreader_new(unsigned key_fields, uint64_t seed, unsigned n)
{
	struct spreader *sp = calloc(1, sizeof(*sp));

	if (sp == NULL)
		return NULL;
	sp->key_fields = key_fields;
	sp->seed = seed;
	sp->n = n ? n : 1;
	return sp;
}

void spreader_free(struct spreader *sp)
{
	free(sp);
}

unsigned spreader_pick(struct spreader *sp, int dlt, const uint8_t *buf, uint32_t caplen,
                       uint32_t wirelen, uint64_t now_ms, struct pkt_info *decoded)
{
	struct pkt_info pi;
	struct flow_key k;

	if (decoded != NULL)
		decoded->af = 0;
	if (sp->n <= 1 || pkt_decode(dlt, buf, caplen, wirelen, &pi) != PKT_OK)
		return 0;
	if (decoded != NULL)
		*decoded = pi;                 /* as decoded: the meter resolves fragments itself */
	/* later fragments get their first's ports, as the meter will give them */
	if (pi.frag != PKT_FRAG_NONE)
		(void)flow_frag_resolve(sp->frag, &pi, now_ms);
	flow_key_of(sp->key_fields, 0, &pi, &k);
	/* ICMP's "ports" (type, code) differ between request and reply */
	if (k.proto == IPPROTO_ICMP || k.proto == IPPROTO_ICMPV6)
		k.sport = k.dport = 0;
	k.tos = 0;                             /* may differ between directions */
	/* both directions alike: the lower endpoint first */
	{
		int c = memcmp(k.src.b, k.dst.b, sizeof(k.src.b));
		if (c > 0 || (c == 0 && k.sport > k.dport)) {
			union anm_addr a = k.src;
			uint16_t p = k.sport;
			k.src = k.dst;
			k.dst = a;
			k.sport = k.dport;
			k.dport = p;
		}
	}
	/* high bits of the hash, scaled to 0..n-1 without a division */
	return (unsigned)(((hash_words(&k, sizeof(k), sp->seed) >> 32) * sp->n) >> 32);
}
