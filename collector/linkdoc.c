/*
 * The directed links with costs and capacities (see linkdoc.h).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "linkdoc.h"

int parse_bps(const char *s, uint64_t *out)
{
	static const struct { char c; uint64_t m; } sfx[] = {
		{ 'k', 1000ull }, { 'M', 1000000ull }, { 'G', 1000000000ull }, { 'T', 1000000000000ull },
	};
	char num[32];
	size_t n = strlen(s);
	uint64_t mult = 1, v;

	if (n == 0 || n >= sizeof(num))
		return -1;
	memcpy(num, s, n + 1);
	for (unsigned i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++)
		if (num[n - 1] == sfx[i].c) {
			mult = sfx[i].m;
			num[--n] = 0;
		}
	if (parse_uint(num, 1, UINT64_MAX / mult, &v) < 0)
		return -1;
	*out = v * mult;
	return 0;
}

static uint64_t capacity(const struct cap_rule *r, unsigned n, uint32_t a, uint32_t b,
                         uint32_t addr)
{
	for (unsigned i = 0; i < n; i++)
		if (!r[i].by_prefix && ((r[i].a == a && r[i].b == b) || (r[i].a == b && r[i].b == a)))
			return r[i].bps;
	for (unsigned i = 0; i < n; i++)
		if (r[i].by_prefix && (addr & r[i].mask) == r[i].prefix)
			return r[i].bps;
	return 0;
}

#define QUAD(x) (x) >> 24, (x) >> 16 & 255, (x) >> 8 & 255, (x) & 255

static void one(struct sbuf *j, struct sbuf *caps, bool *first, uint32_t area, const char *type,
                uint32_t a, uint32_t b, uint32_t net, uint32_t addr, uint32_t cost,
                const struct cap_rule *rules, unsigned nrules)
{
	uint64_t bps = capacity(rules, nrules, a, b, addr);

	sbuf_printf(j, "%s{\"id\":\"%u.%u.%u.%u-%u.%u.%u.%u\",\"a\":", *first ? "" : ",",
	            QUAD(a), QUAD(b));
	*first = false;
	sbuf_ipq(j, a);
	sbuf_printf(j, ",\"b\":");
	sbuf_ipq(j, b);
	sbuf_printf(j, ",\"area\":");
	sbuf_ipq(j, area);
	sbuf_printf(j, ",\"type\":\"%s\"", type);
	if (net) {
		sbuf_printf(j, ",\"network\":");
		sbuf_ipq(j, net);
	}
	sbuf_printf(j, ",\"addr\":");
	sbuf_ipq(j, addr);
	sbuf_printf(j, ",\"cost\":%" PRIu32 ",\"capacity_bps\":", cost);
	if (bps) {
		sbuf_printf(j, "%" PRIu64 "}", bps);
		sbuf_printf(caps, "%u.%u.%u.%u-%u.%u.%u.%u=%" PRIu64 "\n", QUAD(a), QUAD(b), bps);
	} else {
		sbuf_printf(j, "null}");
	}
}

void linkdoc_build(const struct topo *t, uint64_t version, const struct cap_rule *rules,
                   unsigned nrules, struct sbuf *json, struct sbuf *caps)
{
	bool first = true;

	sbuf_printf(json, "{\"version\":%" PRIu64 ",\"links\":[", version);
	for (unsigned i = 0; i < t->nl; i++) {
		const struct topo_link *l = &t->l[i];
		if (l->type != LINK_P2P || !l->two_way)
			continue;
		one(json, caps, &first, l->area, "p2p", l->a, l->b, 0, l->a_addr, l->cost_ab,
		    rules, nrules);
		one(json, caps, &first, l->area, "p2p", l->b, l->a, 0, l->b_addr, l->cost_ba,
		    rules, nrules);
	}
	/* across a transit network: each router with a two-way link to it, to
	 * each other one */
	for (unsigned i = 0; i < t->nl; i++) {
		const struct topo_link *from = &t->l[i];
		if (from->type != LINK_TRANSIT || !from->two_way)
			continue;
		for (unsigned k = 0; k < t->nl; k++) {
			const struct topo_link *to = &t->l[k];
			if (k == i || to->type != LINK_TRANSIT || !to->two_way || to->b != from->b ||
			    to->area != from->area || to->a == from->a)
				continue;
			one(json, caps, &first, from->area, "transit", from->a, to->a, from->b,
			    from->a_addr, from->cost_ab, rules, nrules);
		}
	}
	sbuf_printf(json, "]}");
}
