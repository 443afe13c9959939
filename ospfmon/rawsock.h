/*
 * A receive-only capture backend for OSPF on Linux that needs no libpcap
 * and no promiscuous mode: a raw IP socket for protocol 89, bound to one
 * interface (SO_BINDTODEVICE), that joins AllSPFRouters (224.0.0.5) and
 * AllDRouters (224.0.0.6) on it, and for OSPFv3 a raw IPv6 socket that
 * joins ff02::5 and ff02::6 (an interface without IPv6 is heard for OSPFv2
 * only, with a warning).  Frames are datalink DLT_RAW: IPv4 datagrams
 * whole, header included, and IPv6 payloads behind an IPv6 header made
 * from what the socket tells (source, destination by IPV6_PKTINFO, hop
 * limit); fragments reach it reassembled.  The one descriptor to poll is an
 * epoll of both sockets.
 *
 * What it hears: every OSPF packet multicast to 224.0.0.5/6 on the
 * interface (hellos, and LSUs and LSAcks flooded on a broadcast network),
 * plus OSPF unicast to one of the host's own addresses.  It does NOT hear
 * the unicast exchange between two other routers (DD, LSR, the LSUs that
 * answer an LSR, retransmissions), which libpcap in promiscuous mode on a
 * hub or mirror port does; a database built from it holds what is flooded
 * by multicast after the listener started.
 *
 * It never transmits: nothing here writes to the socket, and the socket
 * options it sets are receive options (IP_MULTICAST_LOOP and the other
 * sender's options do not matter).  The kernel, however, announces group
 * memberships: joining 224.0.0.5/6 makes it send IGMP membership reports
 * (and a leave on close) on the interface unless the sysctl
 * net.ipv4.igmp_link_local_mcast_reports is 0 in the listener's network
 * namespace.  The open warns when it is not; the fix is
 *     sysctl -w net.ipv4.igmp_link_local_mcast_reports=0
 * (it holds for the whole namespace).  Joining ff02::5/6 makes it send MLD
 * reports likewise, from the interface's link-local address or from ::
 * without one, and Linux has no switch for those: where nothing at all
 * may be sent, use libpcap on a mirror port (without --raw-socket).
 * IP_MULTICAST_ALL and IPV6_MULTICAST_ALL are switched off so the sockets
 * do not also receive the groups other sockets joined.
 *
 * Timestamps come from the kernel (SO_TIMESTAMPNS); drops for a full
 * receive queue from SO_RXQ_OVFL (and SO_MEMINFO when stats are asked for
 * between datagrams).  cap_conf.buffer_bytes sizes the receive buffer
 * (SO_RCVBUFFORCE when allowed, else SO_RCVBUF, capped by rmem_max); 0
 * means 2 MiB, libpcap's default.  The filter, snaplen, promisc and timeout
 * settings do not apply: dispatch never blocks, poll the fd.
 * Needs CAP_NET_RAW (root).
 */
#ifndef ANEMONE_OSPF_RAWSOCK_H
#define ANEMONE_OSPF_RAWSOCK_H

#include "capture.h"

extern const struct capture_ops ospf_rawsock_ops;

#endif
