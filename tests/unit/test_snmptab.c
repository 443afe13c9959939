/*
 * snmptab: an exporting router's SNMP answer taken value by value (what is
 * not a value of a polled column, of the right type and range, is refused
 * and counted), and the observation points it gives on the recorded lab
 * (tests/data/collector/lab-lsdb.json): r3's LAN interface is core on the
 * LAN 10.0.0.1, its point-to-point interface core facing r5, its stub and
 * an address no router shares edge.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "log.h"
#include "lsdbdoc.h"
#include "place.h"
#include "snmptab.h"

static struct snmptab tab;

static void put_int(unsigned col, uint32_t index_or_addr, long v, int type)
{
	unsigned long oid[14] = { 1, 3, 6, 1, 2, 1, 4, 20, 1, col };
	size_t len = 14;

	for (int i = 0; i < 4; i++)
		oid[10 + i] = index_or_addr >> (24 - 8 * i) & 255;
	CHECK(snmptab_take(&tab, oid, len, type, (const uint8_t *)&v, sizeof(v)));
}

static void addr(uint32_t a, uint32_t ifindex, uint32_t mask)
{
	unsigned long oid[14] = { 1, 3, 6, 1, 2, 1, 4, 20, 1, 3 };
	uint8_t m[4] = { mask >> 24, mask >> 16 & 255, mask >> 8 & 255, mask & 255 };

	put_int(2, a, (long)ifindex, SNMPTAB_INTEGER);
	for (int i = 0; i < 4; i++)
		oid[10 + i] = a >> (24 - 8 * i) & 255;
	CHECK(snmptab_take(&tab, oid, 14, SNMPTAB_IPADDRESS, m, 4));
}

static void ifname(uint32_t ifindex, const char *name)
{
	unsigned long oid[12] = { 1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 1, ifindex };

	CHECK(snmptab_take(&tab, oid, 12, SNMPTAB_OCTET_STR, (const uint8_t *)name, strlen(name)));
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *p;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0 ||
	    (p = malloc((size_t)n + 1)) == NULL || fread(p, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		exit(1);
	}
	fclose(f);
	*len = (size_t)n;
	return p;
}

int main(void)
{
	const char *top = getenv("top_srcdir") ? getenv("top_srcdir") : "..";
	char path[4096], err[256];
	size_t len;
	uint64_t version, time_ms;
	struct lsdb *db;
	struct placer *pl;
	struct coll_map pts[8];
	union anm_addr x;
	uint32_t r;
	unsigned n, seen = 0;
	long l = -3;
	unsigned long bad_oid[12] = { 1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 15, 2 };
	unsigned long other[8] = { 1, 3, 6, 1, 2, 1, 2, 1 };
	uint8_t noncontig[4] = { 255, 0, 255, 0 };

	log_init("test_snmptab", LOG_TO_STDERR, 0);
	snprintf(path, sizeof(path), "%s/tests/data/collector/lab-lsdb.json", top);
	{
		char *doc = slurp(path, &len);
		db = lsdbdoc_read(doc, len, &version, &time_ms, err, sizeof(err));
		free(doc);
	}
	CHECK(db != NULL);
	pl = placer_build(db, time_ms);
	CHECK(pl != NULL);

	snmptab_init(&tab);
	/* r3: LAN 10.0.0.3/24 (ifIndex 2), p2p to r5 10.1.35.3/24 (3), its stub
	 * 10.100.3.1/24 (1), an address no router has 192.0.2.1/24 (4) */
	addr(0x0a000003, 2, 0xffffff00);
	addr(0x0a012303, 3, 0xffffff00);
	addr(0x0a640301, 1, 0xffffff00);
	addr(0xc0000201, 4, 0xffffff00);
	ifname(2, "lan0");
	ifname(3, "to-r5\x01");
	/* refused: a negative ifIndex, a speed of the wrong type, a mask that
	 * is not contiguous; not a polled column: not taken, not counted */
	{
		unsigned long oid[14] = { 1, 3, 6, 1, 2, 1, 4, 20, 1, 2, 10, 0, 0, 9 };
		CHECK(!snmptab_take(&tab, oid, 14, SNMPTAB_INTEGER, (const uint8_t *)&l, sizeof(l)));
		oid[9] = 3;
		CHECK(!snmptab_take(&tab, oid, 14, SNMPTAB_IPADDRESS, noncontig, 4));
		CHECK(!snmptab_take(&tab, oid, 14, SNMPTAB_IPADDRESS, noncontig, 3));
	}
	CHECK(!snmptab_take(&tab, bad_oid, 12, SNMPTAB_OCTET_STR, (const uint8_t *)"x", 1));
	CHECK(!snmptab_take(&tab, other, 8, SNMPTAB_INTEGER, (const uint8_t *)&l, sizeof(l)));
	CHECK_EQ(tab.bad, 4);
	CHECK_EQ(tab.naddrs, 4);
	CHECK(strcmp(tab.ifs[1].name, "to-r5?") == 0);

	memset(&x, 0, sizeof(x));
	x.w[0] = htonl(0x7f000001);
	n = snmptab_points(&tab, pl, AF_INET, &x, pts, 8, &r);
	CHECK_EQ(r, 0x0aff0003);
	CHECK_EQ(n, 4);
	for (unsigned i = 0; i < n; i++) {
		CHECK(pts[i].router == 0x0aff0003 && pts[i].any_domain && !pts[i].any_if);
		CHECK(pts[i].af == AF_INET && pts[i].addr.w[0] == x.w[0]);
		switch (pts[i].ifindex) {
		case 2:
			CHECK(pts[i].role == COLL_ROLE_CORE && pts[i].network == 0x0a000001 &&
			      pts[i].neighbour == 0);
			break;
		case 3:
			CHECK(pts[i].role == COLL_ROLE_CORE && pts[i].neighbour == 0x0aff0005);
			break;
		case 1:
		case 4:
			CHECK(pts[i].role == COLL_ROLE_EDGE);
			break;
		default:
			CHECK(!"an interface not answered");
		}
		seen |= 1u << pts[i].ifindex;
	}
	CHECK_EQ(seen, 0x1e);
	/* no address of the topology: no router, no point */
	snmptab_init(&tab);
	addr(0xc0000201, 4, 0xffffff00);
	CHECK_EQ(snmptab_points(&tab, pl, AF_INET, &x, pts, 8, &r), 0);
	CHECK_EQ(r, 0);
	placer_free(pl);
	lsdb_free(db);
	return check_done("test_snmptab");
}
