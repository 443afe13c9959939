/*
 * snmptab: an exporting router's interfaces from its SNMP answers, and the
 * observation points they give (snmptab.h).
 */
#include <string.h>

#include "place.h"
#include "snmptab.h"

static const unsigned long ip_adent[] = { 1, 3, 6, 1, 2, 1, 4, 20, 1 };       /* .2 .3 */
static const unsigned long if_x[] = { 1, 3, 6, 1, 2, 1, 31, 1, 1, 1 };        /* .1 .15 */

void snmptab_init(struct snmptab *t)
{
	t->nifs = t->naddrs = 0;
	t->bad = t->dropped = 0;
}

static bool prefix_of(const unsigned long *oid, size_t len, const unsigned long *p, size_t n)
{
	return len > n && memcmp(oid, p, n * sizeof(*p)) == 0;
}

int snmptab_column(const unsigned long *oid, size_t len, uint32_t *index)
{
	if (prefix_of(oid, len, ip_adent, 9) && (oid[9] == 2 || oid[9] == 3)) {
		uint32_t a = 0;
		if (len != 14)
			return 0;
		for (int i = 0; i < 4; i++) {
			if (oid[10 + i] > 255)
				return 0;
			a = a << 8 | (uint32_t)oid[10 + i];
		}
		*index = a;
		return oid[9] == 2 ? 1 : 2;
	}
	if (prefix_of(oid, len, if_x, 10) && (oid[10] == 1 || oid[10] == 15)) {
		if (len != 12 || oid[11] == 0 || oid[11] > 0x7fffffff)
			return 0;
		*index = (uint32_t)oid[11];
		return oid[10] == 1 ? 3 : 4;
	}
	return 0;
}

/* An integer value of vlen bytes, host order (net-snmp's long or
 * unsigned long); false when it is not one or is negative. */
static bool int_value(const uint8_t *val, size_t vlen, uint64_t *out)
{
	long l;

	if (val == NULL || vlen != sizeof(long))
		return false;
	memcpy(&l, val, sizeof(l));
	if (l < 0)
		return false;
	*out = (uint64_t)l;
	return true;
}

static struct snmptab_addr *addr_row(struct snmptab *t, uint32_t a)
{
	for (unsigned i = 0; i < t->naddrs; i++)
		if (t->addrs[i].addr == a)
			return &t->addrs[i];
	if (t->naddrs == SNMPTAB_MAX_ADDRS) {
		t->dropped++;
		return NULL;
	}
	t->addrs[t->naddrs] = (struct snmptab_addr){ a, 0, 0 };
	return &t->addrs[t->naddrs++];
}

static struct snmptab_if *if_row(struct snmptab *t, uint32_t ifindex)
{
	for (unsigned i = 0; i < t->nifs; i++)
		if (t->ifs[i].ifindex == ifindex)
			return &t->ifs[i];
	if (t->nifs == SNMPTAB_MAX_IFS) {
		t->dropped++;
		return NULL;
	}
	memset(&t->ifs[t->nifs], 0, sizeof(t->ifs[0]));
	t->ifs[t->nifs].ifindex = ifindex;
	return &t->ifs[t->nifs++];
}

bool snmptab_take(struct snmptab *t, const unsigned long *oid, size_t len, int type,
                  const uint8_t *val, size_t vlen)
{
	uint32_t index;
	uint64_t v;
	int col = snmptab_column(oid, len, &index);
	struct snmptab_addr *a;
	struct snmptab_if *f;

	if (col == 0)
		return false;
	switch (col) {
	case 1:                              /* ipAdEntIfIndex */
		if (type != SNMPTAB_INTEGER || !int_value(val, vlen, &v) || v == 0 ||
		    v > 0x7fffffff)
			break;
		if ((a = addr_row(t, index)) == NULL)
			return false;
		a->ifindex = (uint32_t)v;
		return true;
	case 2:                              /* ipAdEntNetMask */
		if (type != SNMPTAB_IPADDRESS || val == NULL || vlen != 4)
			break;
		v = (uint32_t)val[0] << 24 | (uint32_t)val[1] << 16 | (uint32_t)val[2] << 8 | val[3];
		if (((uint32_t)~v & ((uint32_t)~v + 1)) != 0)    /* not contiguous */
			break;
		if ((a = addr_row(t, index)) == NULL)
			return false;
		a->mask = (uint32_t)v;
		return true;
	case 3:                              /* ifName */
		if (type != SNMPTAB_OCTET_STR || (val == NULL && vlen > 0))
			break;
		if ((f = if_row(t, index)) == NULL)
			return false;
		for (size_t i = 0; i < vlen && i + 1 < sizeof(f->name); i++)
			f->name[i] = val[i] >= 0x20 && val[i] < 0x7f ? (char)val[i] : '?';
		f->name[vlen < sizeof(f->name) ? vlen : sizeof(f->name) - 1] = 0;
		return true;
	case 4:                              /* ifHighSpeed, Mb/s */
		if (type != SNMPTAB_GAUGE || !int_value(val, vlen, &v) || v > 0xffffffffu)
			break;
		if ((f = if_row(t, index)) == NULL)
			return false;
		f->speed_bps = v * 1000000;
		return true;
	}
	t->bad++;
	return false;
}

unsigned snmptab_caps(const struct snmptab *t, struct cap_rule *out, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < t->naddrs && n < max; i++)
		for (unsigned k = 0; k < t->nifs; k++)
			if (t->addrs[i].ifindex != 0 && t->ifs[k].ifindex == t->addrs[i].ifindex &&
			    t->ifs[k].speed_bps > 0) {
				memset(&out[n], 0, sizeof(out[n]));      /* (compared whole) */
				out[n].by_prefix = true;
				out[n].prefix = t->addrs[i].addr;
				out[n].mask = 0xffffffffu;
				out[n++].bps = t->ifs[k].speed_bps;
				break;
			}
	return n;
}

unsigned snmptab_points(const struct snmptab *t, const struct placer *pl, int af,
                        const union anm_addr *exporter, struct coll_map *out, unsigned max,
                        uint32_t *router)
{
	unsigned n = 0;

	*router = 0;
	if (pl == NULL)
		return 0;
	for (unsigned i = 0; i < t->naddrs && *router == 0; i++)
		if (t->addrs[i].ifindex != 0)
			*router = placer_router_of(pl, t->addrs[i].addr);
	if (*router == 0)
		return 0;
	for (unsigned i = 0; i < t->naddrs && n < max; i++) {
		const struct snmptab_addr *a = &t->addrs[i];
		uint32_t others[2], net;
		unsigned k;
		struct coll_map m;
		bool dup = false;

		if (a->ifindex == 0 || a->mask == 0 || (a->addr >> 24) == 127)
			continue;            /* (a loopback: nothing enters by it) */
		for (unsigned j = 0; j < n; j++)
			dup |= out[j].ifindex == a->ifindex;
		if (dup)                     /* a second address of an interface */
			continue;
		memset(&m, 0, sizeof(m));
		m.af = af;
		m.addr = *exporter;
		m.any_domain = true;
		m.ifindex = a->ifindex;
		m.router = *router;
		k = placer_subnet(pl, a->addr, a->mask, *router, others, 2, &net);
		if (net != 0) {
			m.role = COLL_ROLE_CORE;
			m.network = net;
		} else if (k == 1) {
			m.role = COLL_ROLE_CORE;
			m.neighbour = others[0];
		} else if (k == 0) {
			m.role = COLL_ROLE_EDGE;
		} else {
			continue;                /* several routers, no LAN: ambiguous */
		}
		out[n++] = m;
	}
	return n;
}
