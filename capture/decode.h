/*
 * Packet decoder: a pure function from captured bytes to the fields a flow
 * needs.  No sockets, clocks, logging or allocation; every read is preceded by
 * a length check.  Link types are libpcap DLT_ values.
 */
#ifndef ANEMONE_DECODE_H
#define ANEMONE_DECODE_H

#include <pcap/dlt.h>
#include <stddef.h>
#include <stdint.h>
#include "flow.h"

/* Link types newer than some libpcap headers. */
#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

#define PKT_MAX_VLAN   4   /* 802.1Q/802.1ad tags accepted before giving up */
#define PKT_MAX_MPLS   8   /* MPLS labels accepted before giving up */
#define PKT_MAX_V6EXT  8   /* IPv6 extension headers walked before giving up */

/* Result of pkt_decode.  PKT_OK is the only status that yields a flow; every
 * other value is a drop reason the caller counts (pkt_status_name names it). */
enum pkt_status {
	PKT_OK = 0,
	PKT_NOT_IP,          /* ARP, LLDP, LLC, unknown ethertype or MPLS payload */
	PKT_BAD_LINKTYPE,    /* link type the decoder does not know */
	PKT_TRUNC_L2,        /* captured bytes end inside the link-layer header */
	PKT_VLAN_DEPTH,      /* more than PKT_MAX_VLAN tags */
	PKT_MPLS_DEPTH,      /* more than PKT_MAX_MPLS labels */
	PKT_TRUNC_L3,        /* captured bytes end inside the IP header */
	PKT_BAD_IP_VERSION,  /* version nibble disagrees with the link layer */
	PKT_BAD_IP_HLEN,     /* IPv4 IHL < 5 or beyond total length */
	PKT_BAD_IP_LEN,      /* total/payload length shorter than the header or
	                        longer than the bytes on the wire */
	PKT_BAD_V6EXT,       /* extension-header chain too long or truncated */
	PKT_TRUNC_L4,        /* ports/type or TCP flags not in the captured bytes */
	PKT_STATUS_MAX
};

enum pkt_frag {
	PKT_FRAG_NONE = 0,
	PKT_FRAG_FIRST,      /* offset 0 with more fragments: has the L4 header */
	PKT_FRAG_LATER,      /* offset > 0: no L4 header; ports are 0 */
};

struct pkt_info {
	union anm_addr src, dst;   /* network order, zero-padded for IPv4 */
	uint32_t ip_len;           /* octets counted for the flow: IPv4 total
	                              length, IPv6 payload length + 40 */
	uint32_t frag_id;          /* IPv4 identification or IPv6 fragment id */
	uint32_t mpls_top;         /* top label entry (label<<12|tc<<9|s<<8|ttl), 0 if none */
	uint32_t l4_off, l4_len;   /* IP payload: offset in the frame and bytes
	                              captured (0/0 for later fragments) */
	uint16_t sport, dport;     /* ICMP/ICMPv6: sport 0, dport type<<8|code */
	uint16_t vlan;             /* outer VLAN id (12 bits), 0 if untagged */
	uint16_t inner_vlan;       /* second VLAN id for QinQ, else 0 */
	uint8_t  af;               /* AF_INET or AF_INET6 */
	uint8_t  proto;            /* transport protocol after extension headers */
	uint8_t  tos;              /* IPv4 ToS byte / IPv6 traffic class */
	uint8_t  tcp_flags;        /* TCP flags byte (CWR..FIN), 0 otherwise */
	uint8_t  frag;             /* enum pkt_frag */
	uint8_t  mpls_depth;       /* number of MPLS labels popped */
	uint8_t  vlan_depth;       /* number of VLAN tags popped */
	uint8_t  has_mac;          /* src_mac/dst_mac are valid (Ethernet) */
	uint8_t  src_mac[6], dst_mac[6];  /* SLL: src_mac only, dst_mac zero */
};

/*
 * Decode one captured frame.  dlt: libpcap link type (DLT_EN10MB,
 * DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, DLT_IPV4, DLT_IPV6, DLT_NULL,
 * DLT_LOOP).  caplen: bytes in buf; wirelen: length of the frame on the wire
 * (>= caplen).  Fills *pi (zeroed first) and returns PKT_OK, or a drop reason
 * with *pi partly filled.  Cost: O(header bytes), never reads past caplen.
 */
enum pkt_status pkt_decode(int dlt, const uint8_t *buf, size_t caplen,
                           size_t wirelen, struct pkt_info *pi);

/* Short stable name for a status ("not-ip", "trunc-l3", ...), for statistics. */
const char *pkt_status_name(enum pkt_status st);

#endif
