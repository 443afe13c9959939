#!/bin/sh
# ospf-lab.sh: a lab of real FRR (zebra + ospfd [+ staticd]) OSPFv2 routers in
# network namespaces, for checking the passive OSPF monitor against FRR's own
# routing tables.  Needs root, iproute2, FRR 8.4 (Debian package "frr",
# daemons in /usr/lib/frr), tcpdump and python3.  All traffic stays inside
# namespaces the lab creates; no host interface is touched.
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
# DIR/etc/NS/vtysh.conf).  The daemons still create an empty
# /var/run/frr/NS, which "down" removes.
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
#                                        OUTDIR/R.fib.json (the kernel's OSPF routes)
#   ospf-lab.sh capture DIR FILE SECONDS         capture in the foreground
#   ospf-lab.sh capture-start DIR FILE           capture in the background
#   ospf-lab.sh capture-stop DIR                 stop the background capture
#   ospf-lab.sh cost DIR ROUTER IFACE COST|default   (default: FRR's own)
#   ospf-lab.sh link-down DIR ROUTER IFACE
#   ospf-lab.sh link-up DIR ROUTER IFACE
#   ospf-lab.sh add-router DIR           one more router (next free rN) on the LAN
#   ospf-lab.sh remove-router DIR ROUTER take an add-router's router away again
#                                        (its LSAs flushed first)
#   ospf-lab.sh wait DIR [DIGEST]        wait until the lab is stable again (given
#                                        DIGEST, first until its state differs
#                                        from that one, for at most 10 s)
#   ospf-lab.sh digest DIR               print the digest of the lab's state now
#                                        (neighbours, routes, databases)
#   ospf-lab.sh status DIR               summary
#   ospf-lab.sh vtysh DIR ROUTER CMD...  run vtysh commands on ROUTER
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
#   stub_area R   (a function) the area of R's stub0
# and may set anything else for its own users (ospf-lab.sh ignores it).  "up"
# keeps a copy as DIR/topology.sh, which every later subcommand reads.
topology_clear() {
	BASE_ROUTERS="" LAN_MEMBERS="" LAN_COST="" ADDED_PRIO=0 P2P_LINKS=""
	TAPPED_LINKS="" NSSA_AREAS="" ASBRS="" EXT_ROUTES=""
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

# p2p_links: "A B AREA NET COST" per p2p link (NET: the first three octets of
# its /24, COST "-" for FRR's default)
p2p_links() {
	for l in $P2P_LINKS; do
		_ifs=$IFS; IFS=:; set -- $l; IFS=$_ifs
		[ $# -ge 3 ] && [ $# -le 5 ] || { log "bad p2p link $l"; return 1; }
		_net=10.1.$(num "$1")$(num "$2")
		if [ -n "${4:-}" ]; then
			case $4 in *.*.*.0/24) _net=${4%.0/24} ;; *) log "p2p link $l: $4 is not a.b.c.0/24"; return 1 ;; esac
		fi
		echo "$1 $2 $3 $_net ${5:--}"
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
}
ns() { echo "$P-$1"; }
num() { echo "${1#r}"; }
routers() { cat "$D/routers" 2>/dev/null; }
have_router() { routers | grep -qx "$1"; }
lan_prio() { sed -n "s/^$1://p" "$D/lan" 2>/dev/null; }
is_asbr() { for a in $ASBRS; do [ "${a%%:*}" = "$1" ] && return 0; done; return 1; }
is_nssa() { for a in $NSSA_AREAS; do [ "$a" = "$1" ] && return 0; done; return 1; }

# vty ROUTER CMD...: vtysh on ROUTER's ospfd, through its pathspace.
vty() {
	_r=$1; shift
	vtysh -N "$(ns "$_r")" --vty_socket "$D/run" --config_dir "$D/etc" -d ospfd "$@"
}

# p2p_links_of R: "iface addr area peer cost" for every p2p link of R
p2p_links_of() {
	p2p_links | while read -r a b area net cost; do
		if [ "$a" = "$1" ]; then echo "to-$b $net.$(num "$a")/24 $area $b $cost"; fi
		if [ "$b" = "$1" ]; then echo "to-$a $net.$(num "$b")/24 $area $a $cost"; fi
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
		p2p_links_of "$_r" | while read -r ifc _ area _ cost; do
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
	if is_asbr "$_r"; then
		{
			echo "hostname $_r"
			for e in $EXT_ROUTES; do
				[ "${e%%:*}" = "$_r" ] && echo "ip route ${e#*:} blackhole"
			done
		} >"$_e/staticd.conf"
	fi
	chmod 755 "$_e"; chmod 644 "$_e"/*
}

# mkns NAME: a namespace with lo up, IPv6 off (a quieter capture) and IPv4
# forwarding on.
mkns() {
	ip netns add "$1" || return 1
	ip -n "$1" link set lo up
	ip netns exec "$1" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=1 >/dev/null
}

# lan_attach R ADDR/LEN IFACE-IN-NS NS: a veth from the bridge (port named R)
lan_attach() {
	ip -n "$4" link add "$3" type veth peer name "$1" netns "$BR" || return 1
	ip -n "$BR" link set "$1" master br0 || return 1
	ip -n "$BR" link set "$1" up
	[ "$HUB" = 1 ] && ip -n "$BR" link set "$1" type bridge_slave learning off
	ip -n "$4" addr add "$2" dev "$3"
	ip -n "$4" link set "$3" up
}

# build_router R: namespace, stub veth, LAN port (if a LAN member), configs.
# (p2p links are made by build_links once every namespace exists)
build_router() {
	_r=$1; _n=$(ns "$_r"); _i=$(num "$_r")
	mkns "$_n" || return 1
	echo "$_n" >>"$D/netns"
	ip -n "$_n" link add stub0 type veth peer name stub0p || return 1
	ip -n "$_n" addr add "10.100.$_i.1/24" dev stub0
	ip -n "$_n" link set stub0p up
	ip -n "$_n" link set stub0 up
	if [ -n "$(lan_prio "$_r")" ]; then
		lan_attach "$_r" "10.0.0.$_i/24" lan0 "$_n" || return 1
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
	while read -r a b _ net _; do
		tap=$(tap_of "$a" "$b")
		if [ -n "$tap" ]; then
			tapped_link "$a" "$b" "$tap" || return 1
		else
			ip -n "$(ns "$a")" link add "to-$b" type veth peer name "to-$a" netns "$(ns "$b")" || return 1
		fi
		ip -n "$(ns "$a")" addr add "$net.$(num "$a")/24" dev "to-$b"
		ip -n "$(ns "$b")" addr add "$net.$(num "$b")/24" dev "to-$a"
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
	for r in "$@"; do start_daemon "$r" ospfd || return 1; done
	for r in "$@"; do
		wait_file "$D/run/$(ns "$r")/ospfd.vty" 10 || { log "ospfd of $r has no vty socket"; return 1; }
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

# poll: one snapshot of every router into $D/poll, summarised by python:
# prints "<ok> <digest> <detail>"; ok=1 when no neighbour is in a transient
# state and (if EXPECT=1) every expected prefix is in every routing table.
poll() {
	mkdir -p "$D/poll"
	rm -f "$D/poll"/*
	for r in $(routers); do
		vty "$r" -c 'show ip ospf neighbor json' -c 'show ip ospf route json' \
			-c 'show ip ospf database json' >"$D/poll/$r.out" 2>/dev/null
		if [ "$EXPECT" = 1 ]; then expected_prefixes "$r" >"$D/poll/$r.expect"; fi
	done
	python3 - "$D/poll" $(routers) <<'PY'
import hashlib, json, os, sys
d, routers = sys.argv[1], sys.argv[2:]
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
                if not any(s in k.lower() for s in ("age", "timer", "msec", "uptime"))}
    if isinstance(o, list):
        return [strip(v) for v in o]
    return o
ok, notes, h = True, [], hashlib.sha1()
for r in routers:
    try:
        nb, rt, db = objs(open(os.path.join(d, r + ".out")).read())[:3]
    except Exception:
        ok = False; notes.append(r + ":no-answer"); continue
    states = []
    for rid, lst in sorted(nb.get("neighbors", {}).items()):
        for n in lst:
            st = n.get("nbrState", n.get("state", "?"))
            states.append((rid, n.get("ifaceName", ""), st))
            if not (st.startswith("Full") or st.startswith("2-Way")):
                ok = False; notes.append("%s:%s:%s" % (r, rid, st))
    h.update(json.dumps([r, states, rt, strip(db)], sort_keys=True).encode())
    ef = os.path.join(d, r + ".expect")
    if os.path.exists(ef):
        missing = [p for p in open(ef).read().split() if p not in rt]
        if missing:
            ok = False; notes.append("%s:missing:%d" % (r, len(missing)))
print(1 if ok else 0, h.hexdigest()[:16], ",".join(notes[:6]) or "-")
PY
}

# converge [BEFORE-DIGEST]: wait until the snapshot stays the same for SETTLE
# seconds with ok=1 (and, given BEFORE-DIGEST, first until it differs from
# that one, for at most 10 s).  Prints the seconds it took and the digest.
converge() {
	_before=${1:-}
	_t0=$(now_ms); _end=$((_t0 + TIMEOUT * 1000)); _last=""; _since=$_t0
	_changed=0
	while :; do
		set -- $(poll)
		_ok=${1:-0}; _dg=${2:-x}; _note=${3:-}
		_now=$(now_ms)
		echo "$_now ok=$_ok $_dg $_note" >>"$D/log/converge.log"
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
	printf '%-4s %-14s %-12s %-5s %-6s %s\n' router namespace router-id nbrs routes neighbours
	for r in $(routers); do
		vty "$r" -c 'show ip ospf neighbor json' -c 'show ip ospf route json' \
			-c 'show ip ospf json' 2>/dev/null | python3 -c '
import json, sys
text, dec, i, objs = sys.stdin.read(), json.JSONDecoder(), 0, []
while True:
    while i < len(text) and text[i].isspace(): i += 1
    if i >= len(text): break
    o, i = dec.raw_decode(text, i); objs.append(o)
nb, rt, inf = (objs + [{}, {}, {}])[:3]
n = [(rid, x.get("nbrState", "?"), x.get("ifaceName", "")) for rid, l in sorted(nb.get("neighbors", {}).items()) for x in l]
print("%-4s %-14s %-12s %-5d %-6d %s" % (sys.argv[1], sys.argv[2], inf.get("routerId", "?"), len(n), len(rt),
      " ".join("%s@%s=%s" % (rid.split(".")[-1], ifc.split(":")[0], st) for rid, st, ifc in n)))
' "$r" "$(ns "$r")"
	done
	if [ -s "$D/lan" ]; then
		vty r1 -c 'show ip ospf interface lan0 json' 2>/dev/null | python3 -c '
import json, sys
i = json.load(sys.stdin).get("interfaces", {}).get("lan0", {})
print("LAN 10.0.0.0/24: DR %s (%s), BDR %s (%s)" % (i.get("drId"), i.get("drAddress"), i.get("bdrId"), i.get("bdrAddress")))'
	fi
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
	for x in zebra ospfd staticd; do [ -x "$FRR/$x" ] || die "$FRR/$x missing (apt-get install frr)"; done
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
		case $c in zebra|ospfd|staticd) grep -qF "$D/" "/proc/$p/cmdline" && victims="$victims $p" ;; esac
	done
	victims=$(echo $victims | tr ' ' '\n' | sort -un)
	names=""
	for p in $victims; do names="$names $(cat "/proc/$p/comm" 2>/dev/null).$p"; done
	stop_pids $victims
	# FRR keeps a per-process crash-log directory /var/tmp/frr/<daemon>.<pid>
	# that only a clean exit removes
	for x in $names; do
		case $x in zebra.*|ospfd.*|staticd.*) rm -rf "/var/tmp/frr/$x" ;; esac
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

cmd_routes() {
	setdir "$1"; need_up
	out=${2:?usage: routes DIR OUTDIR}
	mkdir -p "$out" || die "cannot create $out"
	for r in $(routers); do
		vty "$r" -c 'show ip ospf route json' >"$out/$r.json" || die "vtysh failed on $r"
		# (8.4's vtysh sends "show ip ospf database detail json" nowhere
		# useful: one query per LSA type, merged into one object)
		vty "$r" -c 'show ip ospf database router json' \
			-c 'show ip ospf database network json' \
			-c 'show ip ospf database summary json' \
			-c 'show ip ospf database asbr-summary json' \
			-c 'show ip ospf database external json' \
			-c 'show ip ospf database nssa-external json' | python3 -c '
import json, sys
text, dec, i, out = sys.stdin.read(), json.JSONDecoder(), 0, {}
while True:
    while i < len(text) and text[i].isspace(): i += 1
    if i >= len(text): break
    o, i = dec.raw_decode(text, i); out.update(o)
json.dump(out, sys.stdout, indent=1); print()' >"$out/$r.lsdb.json" || die "no LSDB from $r"
		vty "$r" -c 'show ip ospf json' | python3 -c 'import json,sys; print(json.load(sys.stdin)["routerId"])' \
			>"$out/$r.rid" || die "no router id from $r"
		# what the kernel forwards by: OSPF's routes as zebra installed
		# them (prefix: [gateway, device] of each next hop), which can
		# differ from OSPF's own table
		ip -n "$(ns "$r")" -j route show proto ospf | python3 -c '
import json, sys
out = {}
for e in json.load(sys.stdin):
    hops = e.get("nexthops") or [e]
    out[e["dst"]] = sorted([h.get("gateway"), h.get("dev")] for h in hops)
json.dump(out, sys.stdout, indent=1, sort_keys=True); print()' >"$out/$r.fib.json" || die "no FIB from $r"
	done
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
	if [ "$4" = default ]; then
		vty "$2" -c 'configure terminal' -c "interface $3" -c "no ip ospf cost" || die "vtysh failed"
	else
		vty "$2" -c 'configure terminal' -c "interface $3" -c "ip ospf cost $4" || die "vtysh failed"
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
digest) [ $# -eq 1 ] || usage; setdir "$1"; need_up; EXPECT=0; set -- $(poll); echo "${2:-x}" ;;
status) [ $# -eq 1 ] || usage; setdir "$1"; need_up; summary ;;
vtysh) [ $# -ge 3 ] || usage; setdir "$1"; need_up; need_router "$2"; r=$2; shift 2
	for c in "$@"; do set -- "$@" -c "$c"; shift; done
	vty "$r" "$@" ;;
*) usage ;;
esac
