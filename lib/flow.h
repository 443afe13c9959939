/*
 * The normalised flow record: what every producer (the exporter's flow table,
 * later the collector's v5/v9/IPFIX decoders) hands to every consumer
 * (encoders, aggregation).  Host byte order throughout; addresses are kept in
 * network order inside struct anm_addr, as the socket API does.
 */
#ifndef ANEMONE_FLOW_H
#define ANEMONE_FLOW_H

#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

/* An IPv4 or IPv6 address.  IPv4 uses the first 4 bytes; the rest are zero,
 * so two addresses of the same family compare equal with memcmp. */
union anm_addr {
	uint8_t  b[16];
	uint32_t w[4];
};

/* IPFIX flowEndReason (IANA element 136); also our internal end reasons. */
enum anm_end_reason {
	ANM_END_IDLE      = 1,  /* idle timeout */
	ANM_END_ACTIVE    = 2,  /* active timeout */
	ANM_END_EOF       = 3,  /* end of flow detected: TCP FIN/RST */
	ANM_END_FORCED    = 4,  /* forced end: shutdown, end of capture file */
	ANM_END_RESOURCES = 5,  /* lack of resources: evicted from a full table */
};
#define ANM_END_MAX 5

struct anm_flow {
	union anm_addr src, dst;    /* network order */
	union anm_addr nexthop;     /* network order; zero if unknown */
	uint64_t packets;           /* as counted (not scaled by sampling) */
	uint64_t octets;            /* IP-layer bytes: IP header + payload */
	uint64_t first_ms;          /* Unix epoch milliseconds of first packet */
	uint64_t last_ms;           /* Unix epoch milliseconds of last packet */
	uint32_t in_if, out_if;     /* SNMP-style interface indexes */
	uint32_t src_as, dst_as;
	uint32_t sampling;          /* 1-in-N packet sampling in force; 0 or 1 = none */
	uint16_t sport, dport;      /* ICMP/ICMPv6: sport 0, dport = type << 8 | code */
	uint16_t vlan;              /* outer 802.1Q VLAN id, 0 if untagged */
	uint16_t inner_vlan;        /* QinQ customer VLAN id, 0 if none */
	uint8_t  af;                /* AF_INET or AF_INET6 */
	uint8_t  proto;
	uint8_t  tos;               /* IPv4 ToS / IPv6 traffic class */
	uint8_t  tcp_flags;         /* OR of every packet's flags */
	uint8_t  end_reason;        /* enum anm_end_reason, 0 if unknown */
	uint8_t  src_mask, dst_mask;
	uint8_t  src_mac[6], dst_mac[6];
};

#endif
