/*
 * What an exporting router says of its interfaces over SNMP, and the
 * observation points that follows from it and the OSPF topology.  No
 * network here and no net-snmp: snmp.c polls, this keeps and judges what
 * came back (an untrusted answer: every value checked, the table bounded;
 * tests/fuzz/fuzz_snmptab.c).
 *
 * Polled columns (numeric OIDs: no MIB files are needed):
 *   ipAdEntIfIndex  1.3.6.1.2.1.4.20.1.2.A.B.C.D   -> ifIndex of address A.B.C.D
 *   ipAdEntNetMask  1.3.6.1.2.1.4.20.1.3.A.B.C.D   -> its mask
 *   ifName          1.3.6.1.2.1.31.1.1.1.1.IFINDEX -> the interface's name
 *   ifHighSpeed     1.3.6.1.2.1.31.1.1.1.15.IFINDEX -> its speed, Mb/s
 *
 * From them (snmptab_points): the router is the one of the topology with
 * any of the addresses; each interface with an address whose subnet holds
 * an interface of another router is core -- facing that router (one other
 * router, a point-to-point subnet) or the LAN (a transit network in the
 * subnet: network = its network-LSA id) -- and each other interface with
 * an address is edge.  An interface whose subnet holds several routers but
 * no transit network, or that has no address (or a loopback one), is left
 * out.
 */
#ifndef COLLECTOR_SNMPTAB_H
#define COLLECTOR_SNMPTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coll.h"
#include "linkdoc.h"

struct placer;

#define SNMPTAB_MAX_IFS   1024       /* interfaces kept from one answer */
#define SNMPTAB_MAX_ADDRS 1024       /* addresses kept from one answer */

/* ASN.1 types of the values (as net-snmp's ASN_*). */
enum {
	SNMPTAB_INTEGER = 0x02, SNMPTAB_OCTET_STR = 0x04, SNMPTAB_IPADDRESS = 0x40,
	SNMPTAB_GAUGE = 0x42,
};

struct snmptab_if {
	uint32_t ifindex;
	char name[64];               /* ifName, printable ASCII only ('?' else) */
	uint64_t speed_bps;          /* ifHighSpeed x 10^6, 0: unknown */
};

struct snmptab_addr {
	uint32_t addr, mask;         /* host order */
	uint32_t ifindex;            /* 0: not answered (yet) */
};

struct snmptab {
	struct snmptab_if ifs[SNMPTAB_MAX_IFS];
	unsigned nifs;
	struct snmptab_addr addrs[SNMPTAB_MAX_ADDRS];
	unsigned naddrs;
	uint64_t bad;                /* values refused: wrong type, length, range */
	uint64_t dropped;            /* rows past the bounds */
};

void snmptab_init(struct snmptab *t);

/* The column an OID is in (0 none, else 1-4 as above), with its index:
 * the address (host order) or the ifIndex.  Rows outside the columns, or
 * with an index that is not one, return 0. */
int snmptab_column(const unsigned long *oid, size_t len, uint32_t *index);

/*
 * Take one varbind of an answer: its OID, ASN.1 type and value bytes (for
 * INTEGER and GAUGE a host-order integer of vlen bytes, as net-snmp gives
 * them; IPADDRESS 4 bytes in network order; OCTET STRING the bytes).
 * Returns true when it was a value of a polled column, taken; false when
 * it belongs to none (the walk is past the column) or was refused
 * (counted in t->bad) or there was no room (t->dropped).  O(rows).
 */
bool snmptab_take(struct snmptab *t, const unsigned long *oid, size_t len, int type,
                  const uint8_t *val, size_t vlen);

/*
 * The observation points of the exporter (af, addr) that follow from t
 * and the topology: at most max into out, their number; *router the
 * router found (0: none of the addresses is a router's: no point).
 * Sources are left to the caller.  O(addresses x log n).
 */
unsigned snmptab_points(const struct snmptab *t, const struct placer *pl, int af,
                        const union anm_addr *exporter, struct coll_map *out, unsigned max,
                        uint32_t *router);

/* The speed of each interface with an address and a speed, as the
 * capacity of the links sent from that address (a rule for the address,
 * linkdoc.h): at most max into out, their number. */
unsigned snmptab_caps(const struct snmptab *t, struct cap_rule *out, unsigned max);

#endif
