#!/bin/sh
# ospf-lab.sh: a lab of real FRR (zebra + ospfd + ospf6d [+ staticd])
# dual-stack routers, OSPFv2 and OSPFv3, in network namespaces, for checking
# the passive OSPF monitor against FRR's own routing tables.  Needs root,
# iproute2, FRR 8.4 (Debian package "frr", daemons in /usr/lib/frr), tcpdump
# and python3.  All traffic stays inside namespaces the lab creates; no host
# interface is touched.  LAB_IPV6=0 (read by "up", kept in DIR/ipv6) makes
# an IPv4-only lab, OSPFv2 alone, as before OSPFv3 joined it.
#
# Topology (every router Rn: router id 10.255.0.n, namespace anl-<id>-rn,
# stub network 10.100.n.0/24 on "stub0", a veth whose peer "stub0p" sits
# beside it in the same namespace, passive in OSPF):
#
#                          mon 10.0.0.254 (anl-<id>-mon: passive listener,
#                           |                 no OSPF; the "monitor segment")
#   ====+===========+=======+====+===========+====  LAN 10.0.0.0/24, area 0:
#       |           |            |           |      bridge br0 in anl-<id>-br
#      r1          r2           r3          r4
#    DR, pri 200  BDR, pri 100  pri 1       pri 0, ASBR: 10.200.4.0/24 and
#                   |             \         /     10.200.44.0/24 (E2, metric 100)
#                   | p2p      p2p \       / p2p
#                   |               \     /
#                  r6 ---- p2p ----- r5
#        ABR, NSSA  |                 |  ABR
#        translator | p2p         p2p |
#   - - - - - - - - | - - - -   - - - | - - - - - - - - - - - - - - - - -
#   area 0.0.0.2    |           area 0.0.0.1
#   (NSSA)         r8                r7  ASBR: 10.200.7.0/24, 10.200.77.0/24
#     ASBR: type-7 10.200.8.0/24          (E1: metric-type 1, metric 20)
#     (metric-type 2, metric 30)
#
# Equal cost: r1 -> r5 (and on to area 1) via r3 and via r4 (20 each);
# r1 -> 10.1.56.0/24 via r2, r3 and r4 (30 each).  add-router's routers
# (r9, r10, ...) join the LAN at 10.0.0.N with priority 0.  The bridge is a
# "hub" (no MAC learning), so the listener also sees the unicast DD/LSR/LSU
# exchange between the routers on the LAN.
#
# Point-to-point links are veth pairs "to-rB" (in rA) / "to-rA" (in rB),
# 10.1.AB.0/24 with host part = router number (r3-r5: 10.1.35.3 and .5),
# "ip ospf network point-to-point" (another topology, "up --topology", may
# give each link its own /24 and an OSPF cost).  The LAN port of every router is "lan0".
# Two of them are tapped so that a listener hears areas 1 and 2 too: r5-r7
# and r6-r8 go through a hub bridge of their own (br-r5r7, br-r6r8 in the
# bridge namespace) that also has a port in the monitor namespace, "mon1"
# and "mon2" (no address); to OSPF they are still point-to-point links,
# whose every packet is multicast to 224.0.0.5.
# Area 0: r1..r6 (6 routers); area 0.0.0.1: r5, r7; area 0.0.0.2 (NSSA):
# r6, r8.  Hello 1 s, dead 4 s everywhere; SPF throttle 0/50/500 ms, LSA
# throttle 200 ms, LSA min-arrival 100 ms.  Externals come from staticd
# blackhole routes redistributed by the ASBRs (r4, r7, r8).
#
# IPv6 (OSPFv3, ospf6d beside ospfd in every router, add-router's too, with
# the same router ids, areas, NSSA, priorities, costs, hello/dead/retransmit
# intervals, SPF throttle and LSA min-arrival; FRR 8.4's ospf6d has no "timers
# throttle lsa", and no MD5: LAB_MD5_KEY is OSPFv2's only):
#   stubs      fd00:100:N::1/64 on stub0 (passive)
#   LAN        fd00::N/64 (DR r1, BDR r2 as in IPv4)
#   p2p        fd00:1:AB::N/64 (A < B, N the router number; r3-r5:
#              fd00:1:35::3 and ::5); a link given a NET a.b.c.0/24 by
#              another topology: fd00:a:b:c::N/64.  "ipv6 ospf6 network
#              point-to-point"
#   externals  r4 fd00:200:4::/64, fd00:200:44::/64 (E2, metric 100); r7
#              fd00:200:7::/64, fd00:200:77::/64 (E1, 20); r8 type-7
#              fd00:200:8::/64 (metric-type 2, metric 30)
#   listener   IPv6 off on mon0 (no address), mon1, mon2 and in the bridge
#              namespace: a raw IPv6 socket joined to ff02::5/6 (ospfmon
#              --raw-socket) makes the kernel send MLD reports, which no
#              switch stops (20-ospfmon-socket wants no frame from mon0),
#              and on an interface with IPv6 off it is not opened.
#              LAB_MON_IPV6=1 (read by "up") gives mon0 fd00::254/64 with
#              not a frame sent for it by the kernel itself (see mon_ipv6);
#              a listener joining groups on it is another matter
# Every router address is "nodad", DAD is off (accept_dad 0), addresses stay
# while a link is down (keep_addr_on_down 1), IPv6 forwarding is on; the
# hosts' end of every stub (stub0p) has IPv6 off.  Another topology
# ("--topology") gets the same: IPv6 on every router, its LAN, stubs and
# p2p links, and IPv6 externals if it sets EXT_ROUTES6.
# FRR 8.4's ospf6d, as seen here: it originates no default into the NSSA
# (r8 has no ::/0); r6 translates r8's type-7 keeping its metric (30;
# ospfd's translation says 20, its default-metric); the translation, whose
# forwarding address is r8's stub address, is sometimes not computed into
# some router's table (after r6's process restarts, say): when a wait for
# convergence ("up", "add-router", "remove-router") finds only that
# missing, r8 is made to originate its type-7 anew (reannounce_nssa6), which
# mends it; "reannounce-nssa6" does the same on demand (needed after r6's or
# r8's ospf6d restarts: restarting r8's loses the translation everywhere;
# restarting the LAN routers' and r7's is harmless).  With equal-cost paths its next
# hops can be incomplete, stale or missing, and after a change it can keep
# a stale route beside the new one (see cmd_routes); the kernel's can differ
# too.  ospf6d, as ospfd, keeps some state in /var/run/frr shared by the
# whole machine (ospf6d-gr.json, ospf6d-at-seq-no.dat: graceful restart and
# authentication-trailer sequence numbers, neither used here).
#
# How FRR 8.4 is run (what works here): every daemon D of router R, with NS
# its namespace, starts as
#   ip netns exec NS /usr/lib/frr/D -d -N NS -P 0 -f DIR/etc/NS/D.conf
#      -i DIR/run/NS/D.pid -z DIR/run/NS/zserv.api --vty_socket DIR/run/NS
#      --log file:DIR/log/R-D.log
# and drops to user frr (so DIR must be reachable by frr: run/ and log/ are
# chowned to it; "-u root" is refused: root is not in the frrvty group).
# vtysh talks to it with
#   vtysh -N NS --vty_socket DIR/run --config_dir DIR/etc -d ospfd -c ...
# (vtysh appends the pathspace to --vty_socket, the daemons do not; it reads
# DIR/etc/NS/vtysh.conf); without -d (one -d only: a second replaces the
# first) it talks to every daemon of the router, each command going to the
# daemons that have it: one vtysh for ospfd and ospf6d.  The daemons still
# create an empty /var/run/frr/NS, which "down" removes.
#
# Usage (DIR holds all state: configs, sockets, pid files, logs):
#   ospf-lab.sh up DIR [--topology FILE] [--capture FILE] [--switch]
#        build, start, wait for convergence, print a summary.  --topology
#        builds FILE's network instead of the one above (see "the topology"
#        below; e.g. tests/lab/topo-enterprise.sh), kept as DIR/topology.sh
#        for the later subcommands; --capture starts tcpdump on the monitor
#        port BEFORE the routers start (stop it with capture-stop); --switch
#        keeps MAC learning on the bridge (then the listener sees only
#        multicast and broadcast).
#   ospf-lab.sh down DIR                 stop and delete everything (idempotent)
#   ospf-lab.sh routes DIR OUTDIR        OUTDIR/R.json (show ip ospf route json),
#                                        OUTDIR/R.rid, OUTDIR/R.lsdb.json,
#                                        OUTDIR/R.fib.json (the kernel's OSPF routes);
#                                        dual stack: R.ospf6.json, R.fib6.json,
#                                        R.ifaces6.json, R.lsdb6.json (see
#                                        cmd_routes for every file's format)
#   ospf-lab.sh capture DIR FILE SECONDS         capture in the foreground
#   ospf-lab.sh capture-start DIR FILE           capture in the background
#   ospf-lab.sh capture-stop DIR                 stop the background capture
#   ospf-lab.sh cost DIR ROUTER IFACE COST|default   (default: FRR's own;
#                                        both families' cost on IFACE)
#   ospf-lab.sh link-down DIR ROUTER IFACE
#   ospf-lab.sh link-up DIR ROUTER IFACE
#   ospf-lab.sh add-router DIR           one more router (next free rN) on the LAN
#   ospf-lab.sh remove-router DIR ROUTER take an add-router's router away again
#                                        (its LSAs flushed first)
#   ospf-lab.sh reannounce-nssa6 DIR     every NSSA ASBR (r8) originates its IPv6
#                                        type-7s anew, and the lab reconverges: mends
#                                        ospf6d's lost NSSA translation after r6's or
#                                        r8's ospf6d restarted ("clear ipv6 ospf6
#                                        process" there loses fd00:200:8::/64 at
#                                        some or all routers)
#   ospf-lab.sh wait DIR [DIGEST]        wait until the lab is stable again (given
#                                        DIGEST, first until its state differs
#                                        from that one, for at most 10 s)
#   ospf-lab.sh digest DIR               print the digest of the lab's state now
#                                        (neighbours, routes, databases)
#   ospf-lab.sh status DIR               summary
#   ospf-lab.sh vtysh DIR ROUTER CMD...  run vtysh commands on ROUTER (on its
#                                        every daemon in a dual-stack lab)
# Topology changes wait for reconvergence before they return.  Most
# subcommand appends a line "<epoch ms> <what>" to DIR/events.
# Environment: LAB_TIMEOUT (s, default 60) bounds every wait for convergence.
# LAB_MD5_KEY=ID:KEY (read by "up" and kept in DIR/md5key for the later
# subcommands): every OSPF interface authenticates with keyed MD5 (RFC 2328
# D.3), "ip ospf authentication message-digest" and "ip ospf
# message-digest-key ID md5 KEY".
set -u

FRR=${FRR_DIR:-/usr/lib/frr}
HELLO=1
DEAD=4
RXMT=1
TIMEOUT=${LAB_TIMEOUT:-60}

# ---- the topology ---------------------------------------------------------
# The default topology (the one drawn above).  "up --topology FILE" replaces
# it: FILE is a shell fragment, sourced after topology_clear, that sets
#   BASE_ROUTERS  "r1 r2 ..." (rN: router id 10.255.0.N, stub 10.100.N.0/24)
#   LAN_MEMBERS   "router:priority ..." on the LAN 10.0.0.0/24 (may be empty)
#   LAN_COST      "ip ospf cost" of every LAN port (empty: FRR's default)
#   ADDED_PRIO    LAN priority of add-router's routers
#   P2P_LINKS     "rA:rB:AREA[:NET[:COST]] ...": NET a /24 (a.b.c.0/24; the
#                 host part is the router number), default 10.1.AB.0/24;
#                 COST the "ip ospf cost" of both ends (empty: FRR's default)
#   TAPPED_LINKS  "rA:rB:listener-port ..." p2p links the listener hears too
#   NSSA_AREAS    areas configured "nssa"
#   ASBRS         "router:metric-type:metric ..." (redistribute static)
#   EXT_ROUTES    "router:prefix ..." (staticd blackhole routes)
#   EXT_ROUTES6   the same for IPv6 (redistributed by ospf6d as ASBRS says)
#   stub_area R   (a function) the area of R's stub0
# and may set anything else for its own users (ospf-lab.sh ignores it).  "up"
# keeps a copy as DIR/topology.sh, which every later subcommand reads.
topology_clear() {
	BASE_ROUTERS="" LAN_MEMBERS="" LAN_COST="" ADDED_PRIO=0 P2P_LINKS=""
	TAPPED_LINKS="" NSSA_AREAS="" ASBRS="" EXT_ROUTES="" EXT_ROUTES6=""
	stub_area() { echo 0.0.0.0; }
}
topology_default() {
	topology_clear
	BASE_ROUTERS="r1 r2 r3 r4 r5 r6 r7 r8"
	LAN_MEMBERS="r1:200 r2:100 r3:1 r4:0"       # router:priority on the LAN
	ADDED_PRIO=0                                # priority of add-router's routers
	P2P_LINKS="r3:r5:0.0.0.0 r4:r5:0.0.0.0 r5:r6:0.0.0.0 r2:r6:0.0.0.0 r5:r7:0.0.0.1 r6:r8:0.0.0.2"
	# p2p links the listener also hears: routerA:routerB:listener-port (see below)
	TAPPED_LINKS="r5:r7:mon1 r6:r8:mon2"
	NSSA_AREAS="0.0.0.2"
	ASBRS="r4:2:100 r7:1:20 r8:2:30"            # router:metric-type:metric
	EXT_ROUTES="r4:10.200.4.0/24 r4:10.200.44.0/24 r7:10.200.7.0/24 r7:10.200.77.0/24 r8:10.200.8.0/24"
	EXT_ROUTES6="r4:fd00:200:4::/64 r4:fd00:200:44::/64 r7:fd00:200:7::/64 r7:fd00:200:77::/64 r8:fd00:200:8::/64"
	stub_area() {
		case $1 in r7) echo 0.0.0.1 ;; r8) echo 0.0.0.2 ;; *) echo 0.0.0.0 ;; esac
	}
}
topology_default

# load_topology FILE: FILE's topology instead of the default
load_topology() {
	[ -r "$1" ] || die "cannot read topology $1"
	topology_clear
	. "$1" || die "topology $1 failed"
	[ -n "$BASE_ROUTERS" ] || die "topology $1 sets no BASE_ROUTERS"
	_x=$(p2p_links) || die "topology $1: bad P2P_LINKS"
}

# p2p_links: "A B AREA NET COST NET6" per p2p link (NET: the first three
# octets of its /24, COST "-" for FRR's default, NET6 the first groups of its
# IPv6 /64: fd00:1:AB by default, fd00:a:b:c for a NET a.b.c.0/24 given)
p2p_links() {
	for l in $P2P_LINKS; do
		_ifs=$IFS; IFS=:; set -- $l; IFS=$_ifs
		[ $# -ge 3 ] && [ $# -le 5 ] || { log "bad p2p link $l"; return 1; }
		_net=10.1.$(num "$1")$(num "$2")
		_net6=fd00:1:$(num "$1")$(num "$2")
		if [ -n "${4:-}" ]; then
			case $4 in *.*.*.0/24) _net=${4%.0/24} ;; *) log "p2p link $l: $4 is not a.b.c.0/24"; return 1 ;; esac
			_net6=fd00:$(echo "$_net" | tr . :)
		fi
		echo "$1 $2 $3 $_net ${5:--} $_net6"
	done
}

# ---- helpers --------------------------------------------------------------
log() { echo "ospf-lab: $*" >&2; }
die() { log "error: $*"; exit 1; }
now_ms() { date +%s%3N; }
event() { [ -d "$D" ] && echo "$(now_ms) $*" >>"$D/events"; :; }
# stop_pids PID...: SIGTERM, then SIGKILL for what is still there 5 s later
stop_pids() {
	[ $# -gt 0 ] || return 0
	kill -TERM "$@" 2>/dev/null
	_t=$(($(now_ms) + 5000))
	for _p in "$@"; do
		while kill -0 "$_p" 2>/dev/null && [ "$(now_ms)" -lt "$_t" ]; do sleep 0.05; done
		kill -KILL "$_p" 2>/dev/null
	done
	return 0
}

# setdir DIR: D = absolute DIR, ID = 4 hex digits of its hash, P = prefix of
# every namespace of this lab (so that two labs in two DIRs can coexist); the
# lab's topology if "up" was given one.
setdir() {
	[ -n "${1:-}" ] || usage
	D=$(realpath -m -- "$1") || die "bad directory $1"
	ID=$(printf '%s' "$D" | md5sum | cut -c1-4)
	P=anl-$ID
	BR=$P-br
	MON=$P-mon
	if [ -f "$D/topology.sh" ]; then load_topology "$D/topology.sh"; fi
	V6=$(cat "$D/ipv6" 2>/dev/null || echo 1)
}
ns() { echo "$P-$1"; }
num() { echo "${1#r}"; }
routers() { cat "$D/routers" 2>/dev/null; }
have_router() { routers | grep -qx "$1"; }
lan_prio() { sed -n "s/^$1://p" "$D/lan" 2>/dev/null; }
is_asbr() { for a in $ASBRS; do [ "${a%%:*}" = "$1" ] && return 0; done; return 1; }
is_nssa() { for a in $NSSA_AREAS; do [ "$a" = "$1" ] && return 0; done; return 1; }

# vty ROUTER CMD...: vtysh on ROUTER's ospfd, through its pathspace.
# vty6: the same on its ospf6d; vtyall: on every daemon ROUTER runs (each
# command goes to the daemons that have it: one vtysh for both families)
vty() {
	_r=$1; shift
	vtysh -N "$(ns "$_r")" --vty_socket "$D/run" --config_dir "$D/etc" -d ospfd "$@"
}
vty6() {
	_r=$1; shift
	vtysh -N "$(ns "$_r")" --vty_socket "$D/run" --config_dir "$D/etc" -d ospf6d "$@"
}
vtyall() {
	_r=$1; shift
	vtysh -N "$(ns "$_r")" --vty_socket "$D/run" --config_dir "$D/etc" "$@"
}

# p2p_links_of R: "iface addr area peer cost addr6" for every p2p link of R
p2p_links_of() {
	p2p_links | while read -r a b area net cost net6; do
		if [ "$a" = "$1" ]; then echo "to-$b $net.$(num "$a")/24 $area $b $cost $net6::$(num "$a")/64"; fi
		if [ "$b" = "$1" ]; then echo "to-$a $net.$(num "$b")/24 $area $a $cost $net6::$(num "$b")/64"; fi
	done
}

# areas_of R: the areas R has interfaces in
areas_of() {
	{
		stub_area "$1"
		[ -n "$(lan_prio "$1")" ] && echo 0.0.0.0
		p2p_links_of "$1" | awk '{print $3}'
	} | sort -u
}

# The authentication lines of an interface when the lab uses MD5 (DIR/md5key).
md5_lines() {
	[ -s "$D/md5key" ] || return 0
	_k=$(cat "$D/md5key")
	echo " ip ospf authentication message-digest"
	echo " ip ospf message-digest-key ${_k%%:*} md5 ${_k#*:}"
}

write_configs() {
	_r=$1; _n=$(ns "$_r"); _e=$D/etc/$_n
	mkdir -p "$_e"
	: >"$_e/vtysh.conf"
	# zebra without the kernel's nexthop objects: with them, a link that
	# goes down takes its nexthop out of the kernel's shared group, and
	# zebra, which does not notice, reuses the group for the route when the
	# link is back: the kernel then forwards on fewer paths than OSPF has
	printf 'hostname %s\nno zebra nexthop kernel enable\n' "$_r" >"$_e/zebra.conf"
	{
		echo "frr defaults traditional"
		echo "hostname $_r"
		echo "!"
		p=$(lan_prio "$_r")
		if [ -n "$p" ]; then
			echo "interface lan0"
			echo " ip ospf area 0.0.0.0"
			echo " ip ospf hello-interval $HELLO"
			echo " ip ospf dead-interval $DEAD"
			echo " ip ospf retransmit-interval $RXMT"
			echo " ip ospf priority $p"
			[ -n "$LAN_COST" ] && echo " ip ospf cost $LAN_COST"
			md5_lines
			echo "!"
		fi
		p2p_links_of "$_r" | while read -r ifc _ area _ cost _; do
			echo "interface $ifc"
			echo " ip ospf area $area"
			echo " ip ospf network point-to-point"
			echo " ip ospf hello-interval $HELLO"
			echo " ip ospf dead-interval $DEAD"
			echo " ip ospf retransmit-interval $RXMT"
			[ "$cost" != - ] && echo " ip ospf cost $cost"
			md5_lines
			echo "!"
		done
		echo "interface stub0"
		echo " ip ospf area $(stub_area "$_r")"
		echo " ip ospf passive"
		echo "!"
		echo "router ospf"
		echo " ospf router-id 10.255.0.$(num "$_r")"
		echo " log-adjacency-changes detail"
		echo " timers throttle spf 0 50 500"
		echo " timers throttle lsa all 200"
		echo " timers lsa min-arrival 100"
		for a in $(areas_of "$_r"); do
			is_nssa "$a" && echo " area $a nssa"
		done
		for a in $ASBRS; do
			[ "${a%%:*}" = "$_r" ] || continue
			t=${a#*:}; m=${t#*:}; t=${t%%:*}
			echo " redistribute static metric-type $t metric $m"
		done
		echo "!"
	} >"$_e/ospfd.conf"
	[ "$V6" = 1 ] && write_ospf6_config "$_r" >"$_e/ospf6d.conf"
	if is_asbr "$_r"; then
		{
			echo "hostname $_r"
			for e in $EXT_ROUTES; do
				[ "${e%%:*}" = "$_r" ] && echo "ip route ${e#*:} blackhole"
			done
			[ "$V6" = 1 ] && for e in $EXT_ROUTES6; do
				[ "${e%%:*}" = "$_r" ] && echo "ipv6 route ${e#*:} blackhole"
			done
		} >"$_e/staticd.conf"
	fi
	chmod 755 "$_e"; chmod 644 "$_e"/*
}

# write_ospf6_config R: ospf6d.conf of R, ospfd.conf's twin: the same
# interfaces, areas (NSSA too), priorities, costs, timers and router id, and
# the same redistribution (of staticd's IPv6 routes).  FRR 8.4's ospf6d has
# no "timers throttle lsa" (its LSA throttle is fixed) and no keyed MD5.
write_ospf6_config() {
	_r=$1
	echo "frr defaults traditional"
	echo "hostname $_r"
	echo "!"
	p=$(lan_prio "$_r")
	if [ -n "$p" ]; then
		echo "interface lan0"
		echo " ipv6 ospf6 area 0.0.0.0"
		echo " ipv6 ospf6 hello-interval $HELLO"
		echo " ipv6 ospf6 dead-interval $DEAD"
		echo " ipv6 ospf6 retransmit-interval $RXMT"
		echo " ipv6 ospf6 priority $p"
		[ -n "$LAN_COST" ] && echo " ipv6 ospf6 cost $LAN_COST"
		echo "!"
	fi
	p2p_links_of "$_r" | while read -r ifc _ area _ cost _; do
		echo "interface $ifc"
		echo " ipv6 ospf6 area $area"
		echo " ipv6 ospf6 network point-to-point"
		echo " ipv6 ospf6 hello-interval $HELLO"
		echo " ipv6 ospf6 dead-interval $DEAD"
		echo " ipv6 ospf6 retransmit-interval $RXMT"
		[ "$cost" != - ] && echo " ipv6 ospf6 cost $cost"
		echo "!"
	done
	echo "interface stub0"
	echo " ipv6 ospf6 area $(stub_area "$_r")"
	echo " ipv6 ospf6 passive"
	echo "!"
	echo "router ospf6"
	echo " ospf6 router-id 10.255.0.$(num "$_r")"
	echo " log-adjacency-changes detail"
	echo " timers throttle spf 0 50 500"
	echo " timers lsa min-arrival 100"
	for a in $(areas_of "$_r"); do
		is_nssa "$a" && echo " area $a nssa"
	done
	for a in $ASBRS; do
		[ "${a%%:*}" = "$_r" ] || continue
		t=${a#*:}; m=${t#*:}; t=${t%%:*}
		echo " redistribute static metric-type $t metric $m"
	done
	echo "!"
}

# mkns NAME [router]: a namespace with lo up and IPv4 forwarding on.  IPv6
# is off (a quieter capture) but in a router of a dual-stack lab, where it
# is on, forwarding, with no duplicate address detection (an address is
# usable at once: no tentative link-local to hold OSPFv3 back) and keeping
# its addresses when a link goes down (as IPv4 does).
mkns() {
	ip netns add "$1" || return 1
	ip -n "$1" link set lo up
	if [ "${2:-}" = router ] && [ "$V6" = 1 ]; then
		ip netns exec "$1" sysctl -q -w net.ipv6.conf.all.disable_ipv6=0 \
			net.ipv6.conf.default.disable_ipv6=0 \
			net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
			net.ipv6.conf.all.keep_addr_on_down=1 net.ipv6.conf.default.keep_addr_on_down=1 \
			net.ipv6.conf.all.forwarding=1 net.ipv6.conf.default.forwarding=1 \
			net.ipv4.ip_forward=1 >/dev/null
	else
		ip netns exec "$1" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=1 >/dev/null
	fi
}

# lan_attach R ADDR/LEN IFACE-IN-NS NS [ADDR6/LEN]: a veth from the bridge
# (port named R)
lan_attach() {
	ip -n "$4" link add "$3" type veth peer name "$1" netns "$BR" || return 1
	ip -n "$BR" link set "$1" master br0 || return 1
	ip -n "$BR" link set "$1" up
	[ "$HUB" = 1 ] && ip -n "$BR" link set "$1" type bridge_slave learning off
	ip -n "$4" addr add "$2" dev "$3"
	[ -n "${5:-}" ] && ip -n "$4" addr add "$5" dev "$3" nodad
	ip -n "$4" link set "$3" up
}

# mon_ipv6: fd00::254/64 on the listener's mon0 with not a frame sent for
# it by the kernel (LAB_MON_IPV6=1 only: see the head comment).  No
# link-local address (addrgenmode none: no DAD, no router solicitation, no
# MLD report from one), no DAD, no router solicitations, no forwarding (no
# all-routers group), and "arp off": the kernel joins no solicited-node
# group on a NOARP interface (addrconf_join_solict), so it has no group to
# send MLD reports for (ff02::1, the one it joins, is never reported); mon0
# no longer answers ARP either, which a listener never should.  Checked
# with tcpdump on another LAN port, mon0 down and up again included: not a
# frame.  A socket joining a group on mon0 makes the kernel report it.
mon_ipv6() {
	ip -n "$MON" link set mon0 arp off || return 1
	ip -n "$MON" link set mon0 addrgenmode none || return 1
	ip netns exec "$MON" sysctl -q -w net.ipv6.conf.mon0.accept_ra=0 \
		net.ipv6.conf.mon0.router_solicitations=0 net.ipv6.conf.mon0.accept_dad=0 \
		net.ipv6.conf.mon0.forwarding=0 net.ipv6.conf.mon0.keep_addr_on_down=1 \
		net.ipv6.conf.mon0.disable_ipv6=0 >/dev/null || return 1
	ip -n "$MON" addr add fd00::254/64 dev mon0 nodad
}

# build_router R: namespace, stub veth, LAN port (if a LAN member), configs.
# (p2p links are made by build_links once every namespace exists)
build_router() {
	_r=$1; _n=$(ns "$_r"); _i=$(num "$_r")
	mkns "$_n" router || return 1
	echo "$_n" >>"$D/netns"
	ip -n "$_n" link add stub0 type veth peer name stub0p || return 1
	ip -n "$_n" addr add "10.100.$_i.1/24" dev stub0
	_a6=""
	if [ "$V6" = 1 ]; then
		# (the hosts' end of the stub, stub0p, stays IPv6-silent)
		ip netns exec "$_n" sysctl -q -w net.ipv6.conf.stub0p.disable_ipv6=1 >/dev/null
		ip -n "$_n" addr add "fd00:100:$_i::1/64" dev stub0 nodad
		_a6=fd00::$_i/64
	fi
	ip -n "$_n" link set stub0p up
	ip -n "$_n" link set stub0 up
	if [ -n "$(lan_prio "$_r")" ]; then
		lan_attach "$_r" "10.0.0.$_i/24" lan0 "$_n" ${_a6:+"$_a6"} || return 1
	fi
	write_configs "$_r"
	mkdir -p "$D/run/$_n"
	chown frr:frr "$D/run/$_n"
}

# tap_of A B: the listener's port on the link A-B, if it is tapped
tap_of() {
	for t in $TAPPED_LINKS; do
		[ "${t%:*}" = "$1:$2" ] && { echo "${t##*:}"; return; }
	done
}

# tapped_link A B PORT: A's "to-B" and B's "to-A" meet in a hub bridge of
# their own (in $BR), with the listener's PORT (no address) on it too; to
# OSPF still a point-to-point link, whose every packet is multicast.
tapped_link() {
	_br=br-$1$2
	ip -n "$BR" link add "$_br" type bridge stp_state 0 forward_delay 0 mcast_snooping 0 || return 1
	ip -n "$BR" link set "$_br" type bridge ageing_time 0
	ip -n "$BR" link set "$_br" up
	for _x in "$1:$2" "$2:$1"; do
		_me=${_x%:*}; _peer=${_x#*:}
		ip -n "$(ns "$_me")" link add "to-$_peer" type veth peer name "$_me-$_peer" netns "$BR" || return 1
		ip -n "$BR" link set "$_me-$_peer" master "$_br" || return 1
		ip -n "$BR" link set "$_me-$_peer" type bridge_slave learning off
		ip -n "$BR" link set "$_me-$_peer" up
	done
	ip -n "$MON" link add "$3" type veth peer name "$3" netns "$BR" || return 1
	ip -n "$BR" link set "$3" master "$_br" || return 1
	ip -n "$BR" link set "$3" type bridge_slave learning off
	ip -n "$BR" link set "$3" up
	ip -n "$MON" link set "$3" up
}

build_links() {
	p2p_links >"$D/p2p" || return 1
	while read -r a b _ net _ net6; do
		tap=$(tap_of "$a" "$b")
		if [ -n "$tap" ]; then
			tapped_link "$a" "$b" "$tap" || return 1
		else
			ip -n "$(ns "$a")" link add "to-$b" type veth peer name "to-$a" netns "$(ns "$b")" || return 1
		fi
		ip -n "$(ns "$a")" addr add "$net.$(num "$a")/24" dev "to-$b"
		ip -n "$(ns "$b")" addr add "$net.$(num "$b")/24" dev "to-$a"
		if [ "$V6" = 1 ]; then
			ip -n "$(ns "$a")" addr add "$net6::$(num "$a")/64" dev "to-$b" nodad
			ip -n "$(ns "$b")" addr add "$net6::$(num "$b")/64" dev "to-$a" nodad
		fi
		ip -n "$(ns "$a")" link set "to-$b" up
		ip -n "$(ns "$b")" link set "to-$a" up
	done <"$D/p2p"
}

# start_daemon R DAEMON
start_daemon() {
	_n=$(ns "$1")
	ip netns exec "$_n" "$FRR/$2" -d -N "$_n" -P 0 \
		-f "$D/etc/$_n/$2.conf" -i "$D/run/$_n/$2.pid" \
		-z "$D/run/$_n/zserv.api" --vty_socket "$D/run/$_n" \
		--log "file:$D/log/$1-$2.log" 2>>"$D/log/$1-$2.stderr" ||
		{ log "$2 of $1 did not start:"; tail -5 "$D/log/$1-$2.stderr" >&2; return 1; }
}

# wait_file FILE SECONDS
wait_file() {
	_t=$(($(now_ms) + $2 * 1000))
	while [ ! -e "$1" ]; do
		[ "$(now_ms)" -gt "$_t" ] && return 1
		sleep 0.05
	done
}

# start_routers R...: zebra everywhere, then (once every zebra socket exists)
# staticd and ospfd, close together so that the DR election is deterministic.
start_routers() {
	for r in "$@"; do start_daemon "$r" zebra || return 1; done
	for r in "$@"; do
		wait_file "$D/run/$(ns "$r")/zserv.api" 10 || { log "zebra of $r has no socket"; return 1; }
	done
	for r in "$@"; do
		is_asbr "$r" && { start_daemon "$r" staticd || return 1; }
	done
	for r in "$@"; do
		start_daemon "$r" ospfd || return 1
		[ "$V6" = 1 ] && { start_daemon "$r" ospf6d || return 1; }
	done
	for r in "$@"; do
		wait_file "$D/run/$(ns "$r")/ospfd.vty" 10 || { log "ospfd of $r has no vty socket"; return 1; }
		[ "$V6" = 1 ] || continue
		wait_file "$D/run/$(ns "$r")/ospf6d.vty" 10 || { log "ospf6d of $r has no vty socket"; return 1; }
	done
}

# ---- convergence ----------------------------------------------------------
# expected prefixes in R's OSPF routing table once the whole lab is up: every
# router's stub, the LAN and every p2p network, and every external (from
# other ASBRs; type-5 ones only outside NSSA-only routers).
expected_prefixes() {
	_r=$1
	for x in $(routers); do echo "10.100.$(num "$x").0/24"; done
	[ -s "$D/lan" ] && echo 10.0.0.0/24
	p2p_links | while read -r _ _ _ net _; do echo "$net.0/24"; done
	nssa_only=1
	for a in $(areas_of "$_r"); do is_nssa "$a" || nssa_only=0; done
	for e in $EXT_ROUTES; do
		o=${e%%:*}
		[ "$o" = "$_r" ] && continue
		[ "$nssa_only" = 1 ] && continue   # no type-5 in an NSSA
		echo "${e#*:}"
	done
}
# expected_prefixes6 R: the same for OSPFv3 (FRR 8.4's ospf6d originates no
# default into an NSSA, so none is expected there or anywhere)
expected_prefixes6() {
	_r=$1
	for x in $(routers); do echo "fd00:100:$(num "$x")::/64"; done
	[ -s "$D/lan" ] && echo fd00::/64
	p2p_links | while read -r _ _ _ _ _ net6; do echo "$net6::/64"; done
	nssa_only=1
	for a in $(areas_of "$_r"); do is_nssa "$a" || nssa_only=0; done
	for e in $EXT_ROUTES6; do
		o=${e%%:*}
		[ "$o" = "$_r" ] && continue
		[ "$nssa_only" = 1 ] && continue
		echo "${e#*:}"
	done
}

# write_expect: what poll wants with EXPECT=1, in $D/expect (once a wait)
write_expect() {
	rm -rf "$D/expect"; mkdir -p "$D/expect"
	for r in $(routers); do
		expected_prefixes "$r" >"$D/expect/$r.expect"
		[ "$V6" = 1 ] && expected_prefixes6 "$r" >"$D/expect/$r.expect6"
	done
	[ "$V6" = 1 ] && nssa_externals6 >"$D/expect/nssa6"
	:
}

# poll: one snapshot of every router into $D/poll, summarised by python:
# prints "<ok> <digest> <detail>"; ok=1 when no neighbour is in a transient
# state and (if EXPECT=1) every expected prefix is in every routing table.
# A dual-stack lab's routers answer for both daemons in one vtysh each,
# one router after the other (vtysh's at once, on a small machine, delayed
# the listeners' tcpdump enough to drop packets).
poll() {
	mkdir -p "$D/poll"
	rm -f "$D/poll"/*
	for r in $(routers); do
		if [ "$V6" = 1 ]; then
			vtyall "$r" -c 'show ip ospf neighbor json' -c 'show ip ospf route json' \
				-c 'show ip ospf database json' -c 'show ipv6 ospf6 neighbor json' \
				-c 'show ipv6 ospf6 route json' -c 'show ipv6 ospf6 database json' \
				>"$D/poll/$r.out" 2>/dev/null
		else
			vty "$r" -c 'show ip ospf neighbor json' -c 'show ip ospf route json' \
				-c 'show ip ospf database json' >"$D/poll/$r.out" 2>/dev/null
		fi
	done
	if [ "$EXPECT" = 1 ]; then cp "$D/expect"/* "$D/poll/"; fi
	python3 - "$D/poll" "$V6" $(routers) <<'PY'
import hashlib, ipaddress, json, os, sys
d, v6, routers = sys.argv[1], sys.argv[2] == "1", sys.argv[3:]
def objs(text):
    dec, i, out = json.JSONDecoder(), 0, []
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return out
        o, i = dec.raw_decode(text, i)
        out.append(o)
def strip(o):  # drop what changes by itself (ages, timers)
    if isinstance(o, dict):
        return {k: strip(v) for k, v in o.items()
                if not any(s in k.lower() for s in ("age", "timer", "msec", "uptime", "duration", "deadtime"))}
    if isinstance(o, list):
        return [strip(v) for v in o]
    return o
ok, notes, h = True, [], hashlib.sha1()
other, nssa_missing = False, False   # what keeps ok 0: NSSA IPv6 externals only?
def canon6(p):
    try:
        return str(ipaddress.ip_network(p))
    except ValueError:
        return p
nssa6 = set()
if v6 and os.path.exists(os.path.join(d, "nssa6")):
    nssa6 = set(map(canon6, open(os.path.join(d, "nssa6")).read().split()))
for r in routers:
    try:
        o = objs(open(os.path.join(d, r + ".out")).read())
        nb, rt, db = o[:3]
        if v6:
            nb6, rt6, db6 = o[3:6]
    except Exception:
        ok = False; other = True; notes.append(r + ":no-answer"); continue
    states = []
    for rid, lst in sorted(nb.get("neighbors", {}).items()):
        for n in lst:
            st = n.get("nbrState", n.get("state", "?"))
            states.append((rid, n.get("ifaceName", ""), st))
            if not (st.startswith("Full") or st.startswith("2-Way")):
                ok = False; other = True; notes.append("%s:%s:%s" % (r, rid, st))
    h.update(json.dumps([r, states, rt, strip(db)], sort_keys=True).encode())
    ef = os.path.join(d, r + ".expect")
    if os.path.exists(ef):
        missing = [p for p in open(ef).read().split() if p not in rt]
        if missing:
            ok = False; other = True; notes.append("%s:missing:%d" % (r, len(missing)))
    if not v6:
        continue
    states6 = []
    for n in nb6.get("neighbors", []):
        st = n.get("state", "?")
        states6.append((n.get("neighborId"), n.get("interfaceName"), st, n.get("ifState")))
        if st not in ("Full", "Twoway"):
            ok = False; other = True; notes.append("%s:v6:%s:%s" % (r, n.get("neighborId"), st))
    rt6 = {canon6(p): v for p, v in rt6.get("routes", {}).items()}
    h.update(json.dumps([r, sorted(states6), strip(rt6), strip(db6)], sort_keys=True).encode())
    ef = os.path.join(d, r + ".expect6")
    if os.path.exists(ef):
        missing = [p for p in open(ef).read().split() if canon6(p) not in rt6]
        if missing:
            ok = False; notes.append("%s:missing6:%s" % (r, ",".join(missing[:2])))
            if set(map(canon6, missing)) <= nssa6:
                nssa_missing = True
            else:
                other = True
print(1 if ok else 0, h.hexdigest()[:16], ",".join(notes[:6]) or "-",
      1 if nssa_missing and not other else 0)
PY
}

# nssa_externals6: the IPv6 externals that routers of an NSSA redistribute
# (type-7, translated to type-5 by the NSSA's ABR)
nssa_externals6() {
	for e in $EXT_ROUTES6; do
		o=${e%%:*}
		for a in $(areas_of "$o"); do
			is_nssa "$a" && { echo "${e#*:}"; break; }
		done
	done
}
# reannounce_nssa6: every ASBR in an NSSA stops and starts redistributing
# into OSPFv3 again ("no redistribute static", "redistribute static ..."):
# new type-7 LSAs, new translations, and routes computed again everywhere
reannounce_nssa6() {
	for a in $ASBRS; do
		_o=${a%%:*}
		case " $(nssa_externals6_of "$_o") " in "  ") continue ;; esac
		_t=${a#*:}; _m=${_t#*:}; _t=${_t%%:*}
		log "$_o: re-announcing its IPv6 NSSA externals (new type-7 LSAs)"
		event "reannounce-nssa6 $_o"
		vty6 "$_o" -c 'configure terminal' -c 'router ospf6' -c 'no redistribute static' \
			-c "redistribute static metric-type $_t metric $_m" >/dev/null 2>&1 ||
			log "$_o: vtysh failed"
	done
}
nssa_externals6_of() {
	nssa_externals6 | while read -r _p; do
		for e in $EXT_ROUTES6; do [ "$e" = "$1:$_p" ] && echo "$_p"; done
	done | tr '\n' ' '
}

# converge [BEFORE-DIGEST]: wait until the snapshot stays the same for SETTLE
# seconds with ok=1 (and, given BEFORE-DIGEST, first until it differs from
# that one, for at most 10 s).  Prints the seconds it took and the digest.
converge() {
	_before=${1:-}
	_t0=$(now_ms); _end=$((_t0 + TIMEOUT * 1000)); _last=""; _since=$_t0
	_changed=0 _reann=0
	if [ "$EXPECT" = 1 ]; then write_expect; fi
	while :; do
		set -- $(poll)
		_ok=${1:-0}; _dg=${2:-x}; _note=${3:-}; _nssa=${4:-0}
		_now=$(now_ms)
		echo "$_now ok=$_ok $_dg $_note" >>"$D/log/converge.log"
		# FRR 8.4's ospf6d: a router may never compute its route to the
		# translation of an NSSA external (r8's fd00:200:8::/64, by r6):
		# once that is all that is missing and the lab has stayed the same
		# for SETTLE s, the NSSA's ASBRs originate their type-7s anew
		if [ "$_nssa" = 1 ] && [ "$_dg" = "$_last" ] && [ $((_now - _since)) -ge $((SETTLE * 1000)) ] &&
			[ $((_now - _reann)) -ge 15000 ]; then
			_reann=$_now
			reannounce_nssa6
		fi
		if [ -n "$_before" ] && [ "$_changed" = 0 ]; then
			if [ "$_dg" != "$_before" ]; then _changed=1
			elif [ $((_now - _t0)) -gt 10000 ]; then
				log "warning: nothing changed in 10 s"; _changed=1
			fi
		fi
		if [ "$_dg" != "$_last" ]; then _last=$_dg; _since=$_now
		elif [ "$_ok" = 1 ] && { [ -z "$_before" ] || [ "$_changed" = 1 ]; } &&
			[ $((_now - _since)) -ge $((SETTLE * 1000)) ]; then
			echo "$(((_now - _t0) / 1000)).$(((_now - _t0) % 1000 / 100)) $_dg"
			return 0
		fi
		if [ "$_now" -gt "$_end" ]; then
			log "no convergence in $TIMEOUT s (last: $_note)"
			return 1
		fi
		sleep 0.3
	done
}

summary() {
	if [ "$V6" = 1 ]; then
		printf '%-4s %-14s %-12s %-5s %-6s %-5s %-7s %s\n' router namespace router-id nbrs routes nbrs6 routes6 neighbours
	else
		printf '%-4s %-14s %-12s %-5s %-6s %s\n' router namespace router-id nbrs routes neighbours
	fi
	for r in $(routers); do
		if [ "$V6" = 1 ]; then
			vtyall "$r" -c 'show ip ospf neighbor json' -c 'show ip ospf route json' \
				-c 'show ip ospf json' -c 'show ipv6 ospf6 neighbor json' \
				-c 'show ipv6 ospf6 route json'
		else
			vty "$r" -c 'show ip ospf neighbor json' -c 'show ip ospf route json' \
				-c 'show ip ospf json'
		fi 2>/dev/null | python3 -c '
import json, sys
text, dec, i, objs = sys.stdin.read(), json.JSONDecoder(), 0, []
while True:
    while i < len(text) and text[i].isspace(): i += 1
    if i >= len(text): break
    o, i = dec.raw_decode(text, i); objs.append(o)
nb, rt, inf, nb6, rt6 = (objs + [{}] * 5)[:5]
n = [(rid, x.get("nbrState", "?"), x.get("ifaceName", "")) for rid, l in sorted(nb.get("neighbors", {}).items()) for x in l]
v6 = "" if sys.argv[3] != "1" else "%-5d %-7d " % (len(nb6.get("neighbors", [])), len(rt6.get("routes", {})))
print("%-4s %-14s %-12s %-5d %-6d %s%s" % (sys.argv[1], sys.argv[2], inf.get("routerId", "?"), len(n), len(rt), v6,
      " ".join("%s@%s=%s" % (rid.split(".")[-1], ifc.split(":")[0], st) for rid, st, ifc in n)))
' "$r" "$(ns "$r")" "$V6"
	done
	if [ -s "$D/lan" ]; then
		vty r1 -c 'show ip ospf interface lan0 json' 2>/dev/null | python3 -c '
import json, sys
i = json.load(sys.stdin).get("interfaces", {}).get("lan0", {})
print("LAN 10.0.0.0/24: DR %s (%s), BDR %s (%s)" % (i.get("drId"), i.get("drAddress"), i.get("bdrId"), i.get("bdrAddress")))'
		[ "$V6" = 1 ] && vty6 r1 -c 'show ipv6 ospf6 interface lan0 json' 2>/dev/null | python3 -c '
import json, sys
i = json.load(sys.stdin).get("lan0", {})
print("LAN fd00::/64: DR %s, BDR %s" % (i.get("dr"), i.get("bdr")))'
	fi
	:
}

# ---- capture --------------------------------------------------------------
cap_start() { # FILE: tcpdump on the listener's port, in the background
	_f=$(realpath -m -- "$1")
	[ -e "$D/capture.pid" ] && die "a background capture is already running (capture-stop first)"
	: >"$D/log/capture.stderr"
	ip netns exec "$MON" tcpdump -i mon0 -U -n -Z root -w "$_f" >>"$D/log/capture.stderr" 2>&1 &
	echo $! >"$D/capture.pid"
	echo "$_f" >"$D/capture.file"
	_t=$(($(now_ms) + 10000))
	until grep -q 'listening on' "$D/log/capture.stderr"; do
		kill -0 "$(cat "$D/capture.pid")" 2>/dev/null || { rm -f "$D/capture.pid"; die "tcpdump failed: $(cat "$D/log/capture.stderr")"; }
		[ "$(now_ms)" -gt "$_t" ] && die "tcpdump did not start"
		sleep 0.05
	done
	event "capture-start $_f"
}
cap_stop() {
	[ -e "$D/capture.pid" ] || return 0
	_p=$(cat "$D/capture.pid")
	if [ -r "/proc/$_p/comm" ] && [ "$(cat "/proc/$_p/comm")" = tcpdump ]; then
		kill -INT "$_p" 2>/dev/null
		_t=$(($(now_ms) + 5000))
		while kill -0 "$_p" 2>/dev/null && [ "$(now_ms)" -lt "$_t" ]; do sleep 0.05; done
		kill -KILL "$_p" 2>/dev/null
	fi
	rm -f "$D/capture.pid"
	event "capture-stop $(cat "$D/capture.file" 2>/dev/null)"
	grep -E 'packets (captured|received)' "$D/log/capture.stderr" | sed 's/^/ospf-lab: tcpdump: /' >&2
}

# ---- subcommands ----------------------------------------------------------
up_failed() {
	_rc=$?
	trap - EXIT
	if [ "$_rc" != 0 ]; then
		log "up failed; tearing the lab down (logs stay in $D/log)"
		for f in "$D"/log/*.log "$D"/log/*.stderr; do
			[ -s "$f" ] && grep -qiE 'error|fail|unknown' "$f" &&
				{ echo "--- $f" >&2; grep -iE 'error|fail|unknown' "$f" | tail -5 >&2; }
		done
		do_down
	fi
	exit "$_rc"
}

cmd_up() {
	setdir "$1"; shift
	CAP=""; HUB=1; TOPO=""
	while [ $# -gt 0 ]; do
		case $1 in
		--capture) CAP=${2:?--capture needs a file}; shift 2 ;;
		--switch) HUB=0; shift ;;
		--topology) TOPO=$(realpath -m -- "${2:?--topology needs a file}"); shift 2 ;;
		*) usage ;;
		esac
	done
	if [ -n "$TOPO" ]; then load_topology "$TOPO"; else topology_default; fi
	[ "$(id -u)" = 0 ] || die "needs root"
	for c in ip vtysh tcpdump python3 realpath md5sum runuser; do
		command -v "$c" >/dev/null 2>&1 || die "$c is not installed"
	done
	for x in zebra ospfd ospf6d staticd; do [ -x "$FRR/$x" ] || die "$FRR/$x missing (apt-get install frr)"; done
	id frr >/dev/null 2>&1 || die "no user frr (FRR package not installed?)"
	[ ${#D} -le 70 ] || die "DIR path too long for unix socket names (${#D} > 70 chars)"
	ip netns list | grep -q "^$P-" && die "lab $P is already up (down $D first)"
	t0=$(now_ms)
	mkdir -p "$D/etc" "$D/run" "$D/log" || die "cannot create $D"
	rm -rf "${D:?}/etc"/* "${D:?}/run"/* "$D/poll" "$D/netns" "$D/capture.pid"
	rm -f "$D"/log/*
	chmod 755 "$D" "$D/etc" "$D/run"
	chown frr:frr "$D/log"
	runuser -u frr -- test -x "$D/run" ||
		die "user frr cannot reach $D (make its parent directories searchable, e.g. chmod o+x)"
	rm -f "$D/topology.sh"
	if [ -n "$TOPO" ]; then cp -- "$TOPO" "$D/topology.sh" || die "cannot keep the topology in $D"; fi
	echo "$BASE_ROUTERS" | tr ' ' '\n' >"$D/routers"
	echo "$LAN_MEMBERS" | tr ' ' '\n' >"$D/lan"
	echo "$HUB" >"$D/hub"
	echo "$P" >"$D/prefix"
	V6=${LAB_IPV6:-1}
	case $V6 in 0|1) ;; *) die "LAB_IPV6: want 0 or 1" ;; esac
	echo "$V6" >"$D/ipv6"
	rm -f "$D/md5key"
	if [ -n "${LAB_MD5_KEY:-}" ]; then
		case $LAB_MD5_KEY in
		[0-9]*:?*) (umask 077; echo "$LAB_MD5_KEY" >"$D/md5key") ;;
		*) die "LAB_MD5_KEY: want ID:KEY" ;;
		esac
	fi
	: >"$D/events"
	trap up_failed EXIT
	trap 'exit 1' INT TERM HUP
	event "up"

	mkns "$BR" && echo "$BR" >>"$D/netns" || die "cannot create namespace $BR"
	mkns "$MON" && echo "$MON" >>"$D/netns" || die "cannot create namespace $MON"
	ip -n "$BR" link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0 ||
		die "cannot create the bridge"
	[ "$HUB" = 1 ] && ip -n "$BR" link set br0 type bridge ageing_time 0
	ip -n "$BR" link set br0 up
	lan_attach mon 10.0.0.254/24 mon0 "$MON" || die "cannot attach the listener"
	if [ "$V6" = 1 ] && [ "${LAB_MON_IPV6:-0}" = 1 ]; then
		mon_ipv6 || die "cannot give the listener its IPv6 address"
	fi
	for r in $BASE_ROUTERS; do build_router "$r" || die "cannot build $r"; done
	build_links || die "cannot build the p2p links"
	[ -n "$CAP" ] && cap_start "$CAP"
	t1=$(now_ms)
	start_routers $BASE_ROUTERS || die "routers did not start"
	event "routers-started"
	t2=$(now_ms)
	EXPECT=1 SETTLE=3
	set -- $(converge) || die "no convergence"
	[ $# -eq 2 ] || die "no convergence"
	took=$1
	event "converged $2"
	trap - EXIT INT TERM HUP
	summary
	echo "lab $P up: build $(( (t1 - t0) ))ms, start $(( (t2 - t1) ))ms, converged ${took}s after start (stable ${SETTLE}s); total $(( ($(now_ms) - t0) / 1000 ))s"
	[ -n "$CAP" ] && echo "capture running into $(cat "$D/capture.file") (stop: $0 capture-stop $D)"
	:
}

do_down() {
	cap_stop 2>/dev/null
	victims=""
	# processes in this lab's namespaces, and daemons from its pid files
	for n in $(ip netns list | awk '{print $1}' | grep "^$P-"); do
		victims="$victims $(ip netns pids "$n" 2>/dev/null)"
	done
	for f in "$D"/run/*/*.pid; do
		[ -r "$f" ] || continue
		p=$(cat "$f"); c=$(cat "/proc/$p/comm" 2>/dev/null) || continue
		case $c in zebra|ospfd|ospf6d|staticd) grep -qF "$D/" "/proc/$p/cmdline" && victims="$victims $p" ;; esac
	done
	victims=$(echo $victims | tr ' ' '\n' | sort -un)
	names=""
	for p in $victims; do names="$names $(cat "/proc/$p/comm" 2>/dev/null).$p"; done
	stop_pids $victims
	# FRR keeps a per-process crash-log directory /var/tmp/frr/<daemon>.<pid>
	# that only a clean exit removes
	for x in $names; do
		case $x in zebra.*|ospfd.*|ospf6d.*|staticd.*) rm -rf "/var/tmp/frr/$x" ;; esac
	done
	for n in $(ip netns list | awk '{print $1}' | grep "^$P-"); do
		ip netns del "$n" 2>/dev/null || log "cannot delete namespace $n"
		# FRR makes /var/run/frr/<pathspace> even with every path overridden
		rmdir "/var/run/frr/$n" 2>/dev/null
	done
	for n in $(cat "$D/netns" 2>/dev/null); do rmdir "/var/run/frr/$n" 2>/dev/null; done
	:
}

cmd_down() {
	setdir "$1"
	event "down"
	do_down
	left=$(ip netns list | awk '{print $1}' | grep "^$P-")
	[ -z "$left" ] || die "namespaces left: $left"
	echo "lab $P down"
}

need_up() {
	[ -s "$D/routers" ] && ip netns list | grep -q "^$P-br" || die "lab in $D is not up"
	HUB=$(cat "$D/hub" 2>/dev/null || echo 1)
}
need_router() {
	have_router "$1" || die "no router $1 in this lab ($(routers | tr '\n' ' '))"
}

# cmd_routes DIR OUTDIR: per router R,
#  R.json        "show ip ospf route json", verbatim
#  R.rid         R's router id
#  R.lsdb.json   "show ip ospf database <type> json" for router, network,
#                summary, asbr-summary, external and nssa-external, merged
#                into one object (8.4's vtysh sends "show ip ospf database
#                detail json" nowhere useful)
#  R.fib.json    what the kernel forwards by: OSPF's routes as zebra
#                installed them (prefix: [gateway, device] of each next hop),
#                which can differ from OSPF's own table:
#                {"10.100.2.0/24": [["10.0.0.2", "lan0"], ...], ...}
# and in a dual-stack lab:
#  R.ospf6.json  FRR's OSPFv3 routing table, normalised:
#     {"fd00:100:1::/64": {"type": "intra"|"inter"|"E1"|"E2"|"N1"|"N2",
#                          "area": "0.0.0.0" (null for E*/N*),
#                          "cost": N, "type2_cost": N,
#                          "nexthops": [["fe80::...", "lan0"], ...]}, ...}
#     one entry per prefix: FRR's best route to it (flag B in "show ipv6
#     ospf6 route detail"; 8.4's json keeps only the last of a prefix's
#     routes, best or not).  "cost" is the whole distance but for E2/N2,
#     where it is the distance to the ASBR or forwarding address and
#     "type2_cost" the external metric (0 for every other type).  N1/N2:
#     from a type-7 (NSSA) LSA, which FRR's text shows as External-1/2 with
#     origin NSSA.  Next hops [link-local address, interface], sorted; []
#     for a directly attached network.  FRR 8.4's ospf6d next hops can be
#     incomplete, stale or missing ([] for a route that is not directly
#     attached) where there are, or were, equal-cost paths (fixed in FRR
#     10.0); and after a change it can keep a stale route flagged best
#     beside the new one: the one changed last is taken (it is what zebra
#     has).  What the kernel forwards by is R.fib6.json.
#  R.fib6.json   the kernel's proto ospf IPv6 routes, as R.fib.json:
#     {"fd00:100:2::/64": [["fe80::...", "lan0"], ...], ...}
#     (a network R is attached to is the kernel's, not OSPF's)
#  R.ifaces6.json  every interface of R in OSPFv3:
#     {"lan0": {"ifindex": 4, "interface_id": 4, "link_local": "fe80::...",
#               "area": "0.0.0.0", "cost": 10}, ...}
#     (FRR's OSPFv3 interface id is the ifindex; a next hop is the
#     link-local address of the neighbour's interface on the link, which
#     its Link-LSA carries)
#  R.lsdb6.json  "show ipv6 ospf6 database json", verbatim (the headers of
#     every LSA: type, id, advertising router, age, sequence number)
# One vtysh per router (both daemons), then one python for them all.
cmd_routes() {
	setdir "$1"; need_up
	out=${2:?usage: routes DIR OUTDIR}
	mkdir -p "$out" || die "cannot create $out"
	raw=$D/routes.raw
	rm -rf "$raw"; mkdir -p "$raw" || die "cannot create $raw"
	for r in $(routers); do
		# (the json answers first, in this order; the text one last)
		set -- -c 'show ip ospf route json' -c 'show ip ospf json' \
			-c 'show ip ospf database router json' \
			-c 'show ip ospf database network json' \
			-c 'show ip ospf database summary json' \
			-c 'show ip ospf database asbr-summary json' \
			-c 'show ip ospf database external json' \
			-c 'show ip ospf database nssa-external json'
		if [ "$V6" = 1 ]; then
			vtyall "$r" "$@" -c 'show ipv6 ospf6 interface json' \
				-c 'show ipv6 ospf6 database json' \
				-c 'show ipv6 ospf6 route detail' >"$raw/$r.vty" || die "vtysh failed on $r"
			ip -n "$(ns "$r")" -6 -j route show proto ospf >"$raw/$r.fib6" || die "no IPv6 FIB from $r"
			ip -n "$(ns "$r")" -j addr show >"$raw/$r.addr" || die "no addresses from $r"
		else
			vty "$r" "$@" >"$raw/$r.vty" || die "vtysh failed on $r"
		fi
		ip -n "$(ns "$r")" -j route show proto ospf >"$raw/$r.fib" || die "no FIB from $r"
	done
	python3 - "$raw" "$out" "$V6" $(routers) <<'PY' || die "cannot read the routers' state"
import json, os, re, sys
raw, out, v6, routers = sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4:]
def write(name, text):
    with open(os.path.join(out, name), "w") as f:
        f.write(text)
def dump(o, sort=True):
    return json.dumps(o, indent=1, sort_keys=sort) + "\n"
def lines(o):  # a prefix a line, in address order
    import ipaddress
    ks = sorted(o, key=lambda p: (ipaddress.ip_network(p).version, ipaddress.ip_network(p)))
    return "{\n" + ",\n".join(" %s: %s" % (json.dumps(k), json.dumps(o[k], sort_keys=True)) for k in ks) + \
        ("\n}\n" if ks else "}\n")
def objs(text, n):  # the first n json values of text (verbatim), and the rest
    dec, i, got = json.JSONDecoder(), 0, []
    for _ in range(n):
        while i < len(text) and text[i].isspace():
            i += 1
        o, j = dec.raw_decode(text, i)
        got.append((o, text[i:j]))
        i = j
    return got, text[i:]
def fib(path):
    res = {}
    for e in json.load(open(path)):
        hops = e.get("nexthops") or [e]
        res[e["dst"]] = sorted([h.get("gateway"), h.get("dev")] for h in hops)
    return res
def ago(s):  # FRR's times: "00:01:02 ago", "2d03h04m ago", "1w2d03h ago"
    s = s.replace(" ago", "").strip()
    if ":" in s:
        h, m, x = (int(v) for v in s.split(":"))
        return h * 3600 + m * 60 + x
    unit = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
    return sum(int(n) * unit[u] for n, u in re.findall(r"(\d+)([wdhms])", s))
def ospf6_routes(text, r):
    best = {}
    for block in text.split("\n\n"):
        f, hops, inhops = {}, [], False
        for line in block.splitlines():
            if inhops:
                if line.startswith("  "):
                    hops.append(line.split())
                    continue
                inhops = False
            if line.strip() == "Nexthop:":
                inhops = True
            elif ":" in line:
                k, v = line.split(":", 1)
                f[k.strip()] = v.strip()
        if f.get("Destination type") != "Network" or "B" not in f.get("Lock", "").split("Flags:")[-1]:
            continue
        dest, path = f["Destination"], f["Path Type"]
        origin = (f.get("LS Origin") or "-").split()[0]
        m = re.match(r"(\d+) \((\d+)\)", f["Metric"])
        cost, cost2 = int(m.group(1)), int(m.group(2))
        if path == "Intra-Area":
            t = "intra"
        elif path == "Inter-Area":
            t = "inter"
        elif path in ("External-1", "External-2"):
            t = ("N" if origin == "NSSA" else "E") + path[-1]
        else:
            sys.exit("%s: unknown path type %s of %s" % (r, path, dest))
        best.setdefault(dest, []).append((ago(f.get("Changed Time", "0:0:0")), {
            "type": t,
            "area": f.get("Associated Area") if t in ("intra", "inter") else None,
            "cost": cost,
            "type2_cost": cost2 if t in ("E2", "N2") else 0,
            "nexthops": sorted([h[0], h[1]] for h in hops if len(h) == 2 and h[0] != "::"),
        }))
    res = {}
    for dest, rs in best.items():
        # FRR 8.4 may keep a stale best route beside the new one (r3's own
        # cost to r5 raised: its old route to r5's prefix of the link stays,
        # old cost and all): the one changed last is what zebra has
        newest = min(a for a, _ in rs)
        rs = [x for a, x in rs if a == newest]
        x = min(rs, key=lambda x: (x["cost"], x["type2_cost"]))
        key = lambda y: (y["type"], y["cost"], y["type2_cost"])
        x["nexthops"] = [list(h) for h in sorted({tuple(h) for y in rs if key(y) == key(x) for h in y["nexthops"]})]
        res[dest] = x
    return res
for r in routers:
    text = open(os.path.join(raw, r + ".vty")).read()
    got, rest = objs(text, 10 if v6 else 8)
    write(r + ".json", got[0][1] + "\n")
    write(r + ".rid", got[1][0]["routerId"] + "\n")
    lsdb = {}
    for o, _ in got[2:8]:
        lsdb.update(o)
    write(r + ".lsdb.json", dump(lsdb, False))
    write(r + ".fib.json", dump(fib(os.path.join(raw, r + ".fib"))))
    if not v6:
        continue
    ifs, db6 = got[8][0], got[9][1]
    kern = {k["ifname"]: k for k in json.load(open(os.path.join(raw, r + ".addr")))}
    i6 = {}
    for name, i in ifs.items():
        if not i.get("attachedToArea"):
            continue
        k = kern[name]
        ll = [a["local"] for a in k.get("addr_info", []) if a.get("family") == "inet6" and a.get("scope") == "link"]
        i6[name] = {"ifindex": k["ifindex"], "interface_id": i["interfaceId"],
                    "link_local": ll[0] if ll else None, "area": i.get("areaId"), "cost": i.get("cost")}
    write(r + ".ifaces6.json", dump(i6))
    write(r + ".lsdb6.json", db6 + "\n")
    write(r + ".ospf6.json", lines(ospf6_routes(rest, r)))
    write(r + ".fib6.json", lines(fib(os.path.join(raw, r + ".fib6"))))
PY
	rm -rf "$raw"
	event "routes $(realpath -m -- "$out")"
	echo "routes of $(routers | wc -l) routers in $out"
}

cmd_capture() {
	setdir "$1"; need_up
	f=$(realpath -m -- "${2:?usage: capture DIR FILE SECONDS}")
	s=${3:?usage: capture DIR FILE SECONDS}
	event "capture $f $s"
	ip netns exec "$MON" timeout -s INT "$s" tcpdump -i mon0 -U -n -Z root -w "$f" 2>&1 |
		grep -vE '^(tcpdump: listening|listening on)' >&2
	event "capture-end $f"
	:
}

# change WHAT...: run the change (already done by the caller) bookkeeping:
# wait for reconvergence from the digest taken before it.
pre_change() { EXPECT=0; set -- $(poll); BEFORE=${2:-}; }
post_change() {
	EXPECT=0 SETTLE=$((DEAD + 1))
	set -- "$1" $(converge "$BEFORE")
	[ $# -eq 3 ] || exit 1
	took=$2
	event "converged $3"
	echo "$1: reconverged in ${took}s (stable ${SETTLE}s)"
}

cmd_cost() {
	setdir "$1"; need_up; need_router "$2"
	[ $# -eq 4 ] || usage
	pre_change
	event "cost $2 $3 $4"
	# (both families at once, in one vtysh: each command goes to the
	# daemon that has it)
	if [ "$4" = default ]; then
		set -- "$@" "no ip ospf cost" "no ipv6 ospf6 cost"
	else
		set -- "$@" "ip ospf cost $4" "ipv6 ospf6 cost $4"
	fi
	if [ "$V6" = 1 ]; then
		vtyall "$2" -c 'configure terminal' -c "interface $3" -c "$5" -c "$6" || die "vtysh failed"
	else
		vty "$2" -c 'configure terminal' -c "interface $3" -c "$5" || die "vtysh failed"
	fi
	post_change "cost $2 $3 $4"
}

cmd_link() { # up|down DIR ROUTER IFACE
	how=$1; shift
	setdir "$1"; need_up; need_router "$2"
	[ $# -eq 3 ] || usage
	ip -n "$(ns "$2")" link show "$3" >/dev/null 2>&1 || die "$2 has no interface $3"
	pre_change
	event "link-$how $2 $3"
	ip -n "$(ns "$2")" link set "$3" "$how" || die "ip link set failed"
	post_change "link-$how $2 $3"
}

cmd_add_router() {
	setdir "$1"; need_up
	n=$(routers | sed 's/^r//' | sort -n | tail -1)
	r=r$((n + 1))
	pre_change
	event "add-router $r"
	echo "$r:$ADDED_PRIO" >>"$D/lan"
	echo "$r" >>"$D/routers"
	build_router "$r" || die "cannot build $r"
	start_routers "$r" || die "$r did not start"
	EXPECT=1 SETTLE=3
	set -- $(converge "$BEFORE")
	[ $# -eq 2 ] || exit 1
	took=$1
	event "converged $2"
	echo "add-router: $r ($(ns "$r"), 10.255.0.$(num "$r"), LAN 10.0.0.$(num "$r"), stub 10.100.$(num "$r").0/24) reconverged in ${took}s"
}

# remove-router DIR R: undo add-router: R's OSPF instance is removed first
# (so that it flushes its LSAs: prematurely aged, RFC 2328 14.1, rather than
# left in every database until MaxAge), then its daemons stop and its
# namespace goes, and the lab reconverges.
cmd_remove_router() {
	setdir "$1"; need_up; need_router "$2"
	r=$2
	case " $BASE_ROUTERS " in *" $r "*) die "$r is one of the lab's own routers (only add-router's go)" ;; esac
	pre_change
	event "remove-router $r"
	vty "$r" -c 'configure terminal' -c 'no router ospf' >/dev/null || die "vtysh failed on $r"
	if [ "$V6" = 1 ]; then
		vty6 "$r" -c 'configure terminal' -c 'no router ospf6' >/dev/null || die "vtysh failed on $r"
	fi
	n=$(ns "$r")
	victims=$(ip netns pids "$n" 2>/dev/null)
	for f in "$D/run/$n"/*.pid; do [ -r "$f" ] && victims="$victims $(cat "$f")"; done
	victims=$(echo $victims | tr ' ' '\n' | sort -un)
	stop_pids $victims
	ip netns del "$n" || die "cannot delete namespace $n"
	rmdir "/var/run/frr/$n" 2>/dev/null
	for f in routers lan netns; do
		grep -v -e "^$r\$" -e "^$r:" -e "^$n\$" "$D/$f" >"$D/$f.new"; mv "$D/$f.new" "$D/$f"
	done
	EXPECT=1 SETTLE=$((DEAD + 1))
	set -- $(converge "$BEFORE")
	[ $# -eq 2 ] || exit 1
	took=$1
	event "converged $2"
	echo "remove-router: $r reconverged in ${took}s"
}

cmd_reannounce() {
	setdir "$1"; need_up
	[ "$V6" = 1 ] || die "the lab is IPv4-only"
	pre_change
	reannounce_nssa6
	post_change "reannounce-nssa6"
}

cmd_wait() {
	setdir "$1"; need_up
	EXPECT=0 SETTLE=$((DEAD + 1))
	set -- $(converge "${2:-}")
	[ $# -eq 2 ] || exit 1
	took=$1
	echo "stable after ${took}s"
}

usage() {
	sed -n '/^# Usage/,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}

[ $# -ge 2 ] || usage
cmd=$1; shift
case $cmd in
up) cmd_up "$@" ;;
down) [ $# -eq 1 ] || usage; cmd_down "$1" ;;
routes) [ $# -eq 2 ] || usage; cmd_routes "$@" ;;
capture) [ $# -eq 3 ] || usage; cmd_capture "$@" ;;
capture-start) [ $# -eq 2 ] || usage; setdir "$1"; need_up; cap_start "$2" ;;
capture-stop) [ $# -eq 1 ] || usage; setdir "$1"; cap_stop ;;
cost) cmd_cost "$@" ;;
link-down) cmd_link down "$@" ;;
link-up) cmd_link up "$@" ;;
add-router) [ $# -eq 1 ] || usage; cmd_add_router "$1" ;;
remove-router) [ $# -eq 2 ] || usage; cmd_remove_router "$@" ;;
wait) [ $# -ge 1 ] && [ $# -le 2 ] || usage; cmd_wait "$@" ;;
reannounce-nssa6) [ $# -eq 1 ] || usage; cmd_reannounce "$1" ;;
digest) [ $# -eq 1 ] || usage; setdir "$1"; need_up; EXPECT=0; set -- $(poll); echo "${2:-x}" ;;
status) [ $# -eq 1 ] || usage; setdir "$1"; need_up; summary ;;
vtysh) [ $# -ge 3 ] || usage; setdir "$1"; need_up; need_router "$2"; r=$2; shift 2
	for c in "$@"; do set -- "$@" -c "$c"; shift; done
	if [ "$V6" = 1 ]; then vtyall "$r" "$@"; else vty "$r" "$@"; fi ;;
*) usage ;;
esac
