#!/bin/sh
# anemone-ospfmon --raw-socket live on the FRR lab (a check of tests/lab.tap,
# run against its lab, tests/lab/ospf-lab.sh; needs root and FRR).  A raw IP socket joined to 224.0.0.5/6 on the monitor
# port, without promiscuous mode, hears what the routers multicast on the
# LAN but not their unicast DD/LSR/LSU exchange.  After every router
# restarted OSPF and flooded again:
#  - the routes of r1 computed from what the socket heard equal r1's own
#    (when the multicast traffic of the run carried the whole database);
#  - its database holds exactly what a replay of the multicast part of a
#    tcpdump capture of the same run holds (the socket lost nothing), and is
#    compared with r1's (reported; see below);
#  - the capture on the port (everything, not just OSPF) holds no frame sent
#    from it: no OSPF, and no IGMP either, with the sysctl
#    net.ipv4.igmp_link_local_mcast_reports=0 in the monitor's namespace.
# Before the lab, in a namespace of its own, the open's checks: a missing
# interface, and the warning about IGMP reports when that sysctl is 1.
# (Routes and the database are compared with r1's when the multicast traffic
# of the run carried r1's whole database; see below.)
# Every anemone-ospfmon run exits as it must and reports nothing of the
# sanitizers (in their build).  The lab is left as found (restarting OSPF
# changes no route).
# (it restarts OSPF under its listeners: see tests/lab.tap)
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../../.." && pwd)}
. "$top_srcdir/tests/lib.sh"
need ip tcpdump python3
[ -n "${LAB_DIR:-}" ] || skip "a check of tests/lab.tap, run against its lab (LAB_DIR)"

OSPFMON="$top_builddir/ospfmon/anemone-ospfmon"
L=$LAB_DIR
NS=anemone-sock-$$
ns_down() { ip netns del "$NS"; }
# KEEP=DIR: keep a copy of the test's files (captures, outputs) in DIR
keep() { [ -z "${KEEP:-}" ] || cp -r "$T" "$KEEP"; }
CLEANUP_HOOKS="keep ns_down"

# start_listener NAME ARGS...: anemone-ospfmon --raw-socket in $RUN_NS,
# stdout in $T/NAME.out, stderr in $T/NAME.err; sets pid_NAME.
start_listener() {
	_n=$1; shift
	ip netns exec "$RUN_NS" "$OSPFMON" --raw-socket "$@" >"$T/$_n.out" 2>"$T/$_n.err" &
	eval "pid_$_n=$!"
	BG_PIDS="$BG_PIDS $!"
	wait_for 10 grep -q "listening on" "$T/$_n.err" ||
		fail "$_n: ospfmon did not start: $(cat "$T/$_n.err")"
}
# stop_listener NAME: SIGTERM; it must exit 0 and report no drops
stop_listener() {
	eval "_p=\$pid_$1"
	kill -TERM "$_p"
	wait "$_p" || fail "$1: ospfmon exited with status $?: $(cat "$T/$1.err")"
	grep -q 'capture received=[0-9]* dropped=0$' "$T/$1.err" ||
		fail "$1: the socket dropped datagrams: $(cat "$T/$1.err")"
}

# --- the open's checks, in a namespace of our own ---------------------------
ip netns add "$NS" || fail "cannot create a network namespace"
ip -n "$NS" link add v0 type veth peer name v1 || fail "cannot create a veth pair"
ip -n "$NS" link set v0 up && ip -n "$NS" link set v1 up
RUN_NS=$NS
ip netns exec "$NS" "$OSPFMON" -i nosuch0 --raw-socket >/dev/null 2>"$T/nosuch.err"
rc=$?
[ "$rc" -ne 0 ] || fail "a missing interface was accepted"
sanitizer_clean "$T/nosuch.err"
grep -q "nosuch0: no such interface" "$T/nosuch.err" || fail "missing interface: $(cat "$T/nosuch.err")"
ip netns exec "$NS" sysctl -q -w net.ipv4.igmp_link_local_mcast_reports=1
start_listener warn -i v0
stop_listener warn
grep -q "IGMP.*sysctl -w net.ipv4.igmp_link_local_mcast_reports=0" "$T/warn.err" ||
	fail "no warning about IGMP reports: $(cat "$T/warn.err")"
ip netns exec "$NS" sysctl -q -w net.ipv4.igmp_link_local_mcast_reports=0
start_listener quiet -i v0
stop_listener quiet
! grep -q IGMP "$T/quiet.err" || fail "warned about IGMP with the sysctl 0: $(cat "$T/quiet.err")"
# An interface that vanishes (libpcap here, two of them): reported, and
# opened again when it is back, while the other is listened to throughout.
ip -n "$NS" link add w0 type veth peer name w1 && ip -n "$NS" link set w0 up &&
	ip -n "$NS" link set w1 up || fail "cannot create a veth pair"
ip netns exec "$NS" "$OSPFMON" -i v0 -i w0 --dump events >/dev/null 2>"$T/vanish.err" &
pid_v=$!; BG_PIDS="$BG_PIDS $pid_v"
wait_for 10 grep -q "listening on w0" "$T/vanish.err" || fail "not listening: $(cat "$T/vanish.err")"
ip -n "$NS" link del w0
wait_for 10 grep -q "w0: .*; will try again every 5 s" "$T/vanish.err" ||
	fail "a vanished interface was not reported: $(cat "$T/vanish.err")"
ip -n "$NS" link add w0 type veth peer name w1 && ip -n "$NS" link set w0 up &&
	ip -n "$NS" link set w1 up || fail "cannot create a veth pair"
wait_for 15 sh -c "[ \$(grep -c 'listening on w0' '$T/vanish.err') -ge 2 ]" ||
	fail "the interface was not opened again: $(cat "$T/vanish.err")"
kill -0 "$pid_v" || fail "anemone-ospfmon did not keep running: $(cat "$T/vanish.err")"
# (its exit status says an interface failed during the run: 1)
kill -TERM "$pid_v"; wait "$pid_v"; rc=$?
[ "$rc" -eq 1 ] || fail "anemone-ospfmon exited with status $rc, want 1 (w0 failed): $(cat "$T/vanish.err")"
grep -q "v0: capture received=" "$T/vanish.err" || fail "v0 was not listened to throughout: $(cat "$T/vanish.err")"
ns_down
info "open: missing interface, the IGMP warning, an interface that vanishes and comes back"

# --- the lab ---------------------------------------------------------------
MON=$LAB_MON
RUN_NS=$MON
MAC=$(ip netns exec "$MON" cat /sys/class/net/mon0/address)
igmp_was=$(ip netns exec "$MON" sysctl -n net.ipv4.igmp_link_local_mcast_reports)
igmp_back() { ip netns exec "$MON" sysctl -q -w "net.ipv4.igmp_link_local_mcast_reports=$igmp_was"; }
CLEANUP_HOOKS="$CLEANUP_HOOKS igmp_back"
ip netns exec "$MON" sysctl -q -w net.ipv4.igmp_link_local_mcast_reports=0 ||
	fail "cannot set net.ipv4.igmp_link_local_mcast_reports"

ip netns exec "$MON" tcpdump -i mon0 -U -n --immediate-mode -w "$T/mon0.pcap" >"$T/tcpdump.log" 2>&1 &
td=$!; BG_PIDS="$BG_PIDS $td"
wait_for 10 grep -q "listening on" "$T/tcpdump.log" || fail "tcpdump did not start"

start_listener lsdb -i mon0 --dump lsdb --json
start_listener routes -i mon0 --dump routes --root 10.255.0.1 --json
for n in lsdb routes; do
	! grep -q IGMP "$T/$n.err" || fail "$n: warned about IGMP: $(cat "$T/$n.err")"
done

# make every router flood its database again: restart OSPF everywhere
before=$(sh "$LAB" digest "$L") || fail "cannot read the lab's state"
for r in r1 r2 r3 r4 r5 r6 r7 r8; do
	sh "$LAB" vtysh "$L" "$r" "clear ip ospf process" >/dev/null 2>&1 ||
		fail "cannot restart OSPF on $r"
done
t_clear=$(date +%s)
# (the lab's state first differs from before, then settles)
sh "$LAB" wait "$L" "$before" >"$T/wait.log" 2>&1 || fail "lab did not reconverge: $(tail "$T/wait.log")"
# About 40 s after the restart every area-0 router of FRR 8.4 originates
# its router-LSA once more, unchanged but for the sequence number (after
# "wait" has seen the routes settle): let that pass before reading FRR.
# Polled: until every area-0 router-LSA in r1's database has a sequence
# number other than it had at convergence (at most 60 s after the restart;
# then the comparisons below go ahead, reading FRR before and after).
area0_seqs() {   # "adv-router seq" of every area-0 router-LSA r1 holds
	sh "$LAB" vtysh "$L" r1 "show ip ospf database router json" 2>/dev/null | python3 -c '
import json, sys
for l in json.load(sys.stdin).get("routerLinkStates", {}).get("areas", {}).get("0.0.0.0", []):
    print(l["advertisingRouter"], l["lsaSeqNumber"])' | sort
}
area0_seqs >"$T/seq.converged"
[ -s "$T/seq.converged" ] || fail "no router-LSA in r1's area 0"
all_refreshed() {
	area0_seqs >"$T/seq.now"
	[ "$(join "$T/seq.converged" "$T/seq.now" | wc -l)" -eq "$(wc -l <"$T/seq.converged")" ] &&
	[ "$(join "$T/seq.converged" "$T/seq.now" | awk '$2 == $3' | wc -l)" -eq 0 ]
}
left=$((t_clear + 60 - $(date +%s)))
if [ "$left" -gt 0 ] && wait_for "$left" all_refreshed; then
	info "every area-0 router-LSA refreshed $(($(date +%s) - t_clear)) s after the restart"
else
	info "area-0 router-LSAs not refreshed 60 s after the restart: $(join "$T/seq.converged" "$T/seq.now" | awk '$2 == $3' | tr '\n' ' ')"
fi
sh "$LAB" routes "$L" "$T/frr" >/dev/null 2>&1 || fail "cannot read the routers' routes"
t_stop=$(date +%s.%N)             # the listener's view ends about here
stop_listener lsdb
stop_listener routes
# (and after the listeners stopped: was FRR's database still the same?)
sh "$LAB" routes "$L" "$T/frr2" >/dev/null 2>&1 || fail "cannot read the routers' routes"
kill "$td"; wait "$td" 2>/dev/null

# What the socket can hear of the capture: OSPF multicast, or to mon0 itself.
tcpdump -r "$T/mon0.pcap" -w "$T/mcast.pcap" \
	"ip proto 89 and (dst 224.0.0.5 or dst 224.0.0.6 or dst 10.0.0.254)" 2>/dev/null ||
	fail "cannot filter the capture"
# ... up to when the listener stopped: the capture went on a little longer.
# The listener read until it saw SIGTERM, within a poll interval (100 ms) of
# t_stop, so the replays cut at t_stop and at t_stop + 0.2 s bracket it.
cut() {   # cut IN OUT EPOCH-SECONDS: the frames of classic pcap IN up to then
	python3 - "$@" <<'PY'
import struct, sys
src, dst, until = sys.argv[1], sys.argv[2], float(sys.argv[3])
b = open(src, "rb").read()
e = "<" if b[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
frac = 1e9 if b[:4] in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d") else 1e6
out, off = [b[:24]], 24
while off + 16 <= len(b):
    sec, sub, incl, _ = struct.unpack(e + "IIII", b[off:off + 16])
    if sec + sub / frac > until:
        break
    out.append(b[off:off + 16 + incl])
    off += 16 + incl
open(dst, "wb").write(b"".join(out))
PY
}
cut "$T/mcast.pcap" "$T/mcast0.pcap" "$t_stop" || fail "cannot cut the capture"
cut "$T/mcast.pcap" "$T/mcast1.pcap" "$(python3 -c "print($t_stop + 0.2)")" || fail "cannot cut the capture"
for k in 0 1; do
	"$OSPFMON" -r "$T/mcast$k.pcap" --dump lsdb --json >"$T/mcast$k.json" 2>"$T/mcast.err" ||
		fail "replay failed: $(cat "$T/mcast.err")"
done
"$OSPFMON" -r "$T/mon0.pcap" --dump lsdb --json >"$T/all.json" 2>"$T/all.err" ||
	fail "replay failed: $(cat "$T/all.err")"

# FRR keeps a flushed (MaxAge) LSA until its removal is acknowledged and
# its MaxAge walker runs; anemone-ospfmon removes it at once (RFC 2328 14:
# a listener has nothing to retransmit).  Compare what is not MaxAge.
python3 - "$T/frr/r1.lsdb.json" "$T/r1.live.json" <<'PY' >"$T/maxage.txt" || fail "cannot read r1's LSDB"
import json, sys
d = json.load(open(sys.argv[1]))
for block in d.values():
    if isinstance(block, list):            # AS scope
        groups = [block]
    elif isinstance(block, dict):
        groups = block.get("areas", {}).values()
    else:
        continue
    for lsas in groups:
        for l in [l for l in lsas if l.get("lsaAge", 0) >= 3600]:
            print("MaxAge in FRR:", l["lsaType"], l["linkStateId"], l["advertisingRouter"], l["lsaSeqNumber"])
            lsas.remove(l)
json.dump(d, open(sys.argv[2], "w"))
PY
[ ! -s "$T/maxage.txt" ] || info "$(cat "$T/maxage.txt")"
python3 - "$T/frr/r1.lsdb.json" "$T/frr2/r1.lsdb.json" <<'PY' >"$T/frr-stable.txt"
import json, sys
def inst(p):
    out = set()
    for k, block in json.load(open(p)).items():
        groups = [block] if isinstance(block, list) else \
            block.get("areas", {}).values() if isinstance(block, dict) else []
        for lsas in groups:
            out |= {(k, l["linkStateId"], l["advertisingRouter"], l["lsaSeqNumber"])
                    for l in lsas if l.get("lsaAge", 0) < 3600}
    return out
a, b = inst(sys.argv[1]), inst(sys.argv[2])
print(" ".join(map(str, sorted(a ^ b))))
sys.exit(a != b)
PY
frr_stable=$?
out=$("$top_srcdir/tests/lsdb-compare" "$T/r1.live.json" "$T/lsdb.out" 2>&1)
sock_rc=$?
same_lsas() {   # same_lsas SOCKET.json REPLAY.json
	python3 - "$1" "$2" <<'PY'
import json, sys
key = lambda l: (l["area"], l["type"], l["id"], l["adv"], l["seq"])
a, b = ({key(l) for l in json.load(open(p))} for p in sys.argv[1:3])
for x in sorted(a - b, key=str): print("only from the socket: ", x)
for x in sorted(b - a, key=str): print("only in the capture:  ", x)
sys.exit(a != b)
PY
}
if same_lsas "$T/lsdb.out" "$T/mcast0.json" >"$T/same0.txt"; then
	cp "$T/mcast0.json" "$T/mcast.json"
elif same_lsas "$T/lsdb.out" "$T/mcast1.json" >"$T/same1.txt"; then
	cp "$T/mcast1.json" "$T/mcast.json"
else
	fail "the raw socket's LSDB differs from a replay of the capture's multicast up to its stop:
$(cat "$T/same0.txt")
(cut 0.2 s later:)
$(cat "$T/same1.txt")"
fi
info "LSDB from the socket = replay of the multicast OSPF captured ($(grep -c '"type"' "$T/lsdb.out") LSAs)"

# Routes: a multicast-only listener knows what was flooded by multicast since
# it started.  After every router restarted at once, much of the database may
# have gone only in unicast exchanges (an adjacency not yet up when an LSA was
# flooded): then the full view waits for the next refresh (30 minutes).  So
# the judge is the multicast traffic itself: when a replay of it holds r1's
# database, the socket's routes must be r1's (read before or after the
# listener stopped).
if "$top_srcdir/tests/lsdb-compare" "$T/r1.live.json" "$T/mcast.json" >"$T/mcast-vs-r1.txt" 2>&1 ||
   "$top_srcdir/tests/lsdb-compare" "$T/frr2/r1.lsdb.json" "$T/mcast.json" >/dev/null 2>&1; then
	rout=$("$top_srcdir/tests/route-compare" "$T/frr/r1.json" "$T/routes.out") ||
	rout=$("$top_srcdir/tests/route-compare" "$T/frr2/r1.json" "$T/routes.out") ||
		fail "r1: routes from the raw socket differ from FRR's (before and after):
$rout
$(cat "$T/routes.err")
LSDB against r1's:
$("$top_srcdir/tests/lsdb-compare" "$T/frr/r1.lsdb.json" "$T/lsdb.out")"
	info "r1 routes: $rout"
else
	info "r1 routes not compared: this run's multicast did not carry r1's whole database:
$(cat "$T/mcast-vs-r1.txt")"
fi
all=$("$top_srcdir/tests/lsdb-compare" "$T/r1.live.json" "$T/all.json" 2>&1)
if [ "$sock_rc" -eq 0 ]; then
	info "LSDB from the socket against r1's: $out"
elif ! "$top_srcdir/tests/lsdb-compare" "$T/r1.live.json" "$T/mcast.json" >/dev/null 2>&1; then
	info "LSDB against r1's: incomplete, as the multicast of this run was: $out"
elif [ "$frr_stable" -ne 0 ]; then
	# FRR flooded while the listeners stopped: nothing to conclude
	info "LSDB against r1's not compared: r1's changed meanwhile: $(cat "$T/frr-stable.txt")"
else
	fail "LSDB from the socket differs from r1's:
$out
promiscuous replay of the whole capture against r1's:
$all"
fi

total=$(tcpdump -r "$T/mon0.pcap" -n 2>/dev/null | wc -l)
sent=$(tcpdump -r "$T/mon0.pcap" -n -e "ether src $MAC" 2>/dev/null | wc -l)
igmp=$(tcpdump -r "$T/mon0.pcap" -n "igmp" 2>/dev/null | wc -l)
[ "$total" -gt 0 ] || fail "the capture on the listeners' port is empty"
info "IGMP frames in the capture (any sender): $igmp"
expect_eq "frames sent from the listeners' port (of $total seen)" "$sent" 0
sanitizer_clean "$T"/*.err
exit 0
