#!/bin/sh
# anemone-ospfmon live on the FRR lab (a check of tests/lab.tap, run against
# its lab, tests/lab/ospf-lab.sh; needs root and FRR): listeners on the lab's monitor port hear the routers re-form their
# adjacencies and flood, and each listener's routes for a backbone router
# then equal that router's own (show ip ospf route json).  A daemon on the
# LAN goes through the lab's changes (a cost, a link down and up, a router
# added) and reports exactly each step's events; a daemon listening on the
# LAN and on the taps of areas 1 and 2 computes, after convergence and after
# every step, every router's routes as that router does.  Captures on the
# listeners' interfaces for the whole run find no frame sent from them: the
# monitor never transmits.  Every anemone-ospfmon run exits 0 and reports
# nothing of the sanitizers (in their build).  The lab is dual-stack: the
# daemons hear OSPFv3 too, its events are checked with OSPFv2's and the
# IPv6 routes of every router with the IPv4 ones.  The lab's changes are undone
# at the end (cost default, remove-router): the lab is left as found.
# lab: fresh
# (it restarts OSPF under its listeners: see tests/lab.tap)
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../../.." && pwd)}
. "$top_srcdir/tests/lib.sh"
need ip tcpdump python3 mergecap
[ -n "${LAB_DIR:-}" ] || skip "a check of tests/lab.tap, run against its lab (LAB_DIR)"

OSPFMON="$top_builddir/ospfmon/anemone-ospfmon"
L=$LAB_DIR
MON=$LAB_MON
MAC=$(ip netns exec "$MON" cat /sys/class/net/mon0/address)

ip netns exec "$MON" tcpdump -i mon0 -U -n --immediate-mode -w "$T/mon0.pcap" >"$T/tcpdump.log" 2>&1 &
td=$!; BG_PIDS="$BG_PIDS $td"
wait_for 10 grep -q "listening on" "$T/tcpdump.log" || fail "tcpdump did not start"
tds=""
for p in mon1 mon2; do
	ip netns exec "$MON" tcpdump -i "$p" -U -n --immediate-mode -w "$T/$p.pcap" >"$T/tcpdump-$p.log" 2>&1 &
	tds="$tds $!"; BG_PIDS="$BG_PIDS $!"
	wait_for 10 grep -q "listening on" "$T/tcpdump-$p.log" || fail "tcpdump on $p did not start"
done

ROUTERS="r1 r2 r3 r4"
for r in $ROUTERS; do
	rid=10.255.0.${r#r}
	ip netns exec "$MON" "$OSPFMON" -i mon0 --dump routes --root "$rid" --json \
		>"$T/$r.ours.json" 2>"$T/$r.err" &
	eval "pid_$r=$!"
	BG_PIDS="$BG_PIDS $!"
done
ip netns exec "$MON" "$OSPFMON" -i mon0 --dump lsdb --json >"$T/lsdb.json" 2>"$T/lsdb.err" &
pid_lsdb=$!; BG_PIDS="$BG_PIDS $!"
# the daemon that stays through the lab's changes, printing its events
ip netns exec "$MON" "$OSPFMON" -i mon0 --dump events >"$T/events.json" 2>"$T/daemon.err" &
pid_daemon=$!; BG_PIDS="$BG_PIDS $!"
# and one on all three areas (the LAN, and the taps on r5-r7 and r6-r8): its
# view is every router's, and so are the routes it can compute
ip netns exec "$MON" "$OSPFMON" -i mon0 -i mon1 -i mon2 -s "$T/all.snap" --dump lsdb \
	>"$T/all.lsdb" 2>"$T/all.err" &
pid_all=$!; BG_PIDS="$BG_PIDS $!"
for r in $ROUTERS lsdb daemon all; do
	wait_for 10 grep -q "listening on mon0" "$T/$r.err" || fail "ospfmon did not start: $(cat "$T/$r.err")"
done

# Make the routers exchange their databases again where the listeners hear
# it: restart OSPF on the LAN routers (the LAN's exchanges carry all of
# area 0 and the externals) and on r7 and r8 (the ABRs then send them all
# of areas 1 and 2 over the tapped links).  Not on the ABRs themselves:
# FRR 8.4's NSSA translator (r6) sometimes stops translating r8's type-7
# after its process restarts, and 10.200.8.0/24 is then gone from the lab.
# OSPFv3 alike ("clear ipv6 ospf6 process"); ospf6d of FRR 8.4 may lose the
# translation of r8's fd00:200:8::/64 when r8 restarts, which the lab's
# reannounce-nssa6 mends (r8 originates its type-7 anew).
before=$(sh "$LAB" digest "$L") || fail "cannot read the lab's state"
for r in r1 r2 r3 r4 r7 r8; do
	sh "$LAB" vtysh "$L" "$r" "clear ip ospf process" >/dev/null 2>&1 ||
		fail "cannot restart OSPF on $r"
	sh "$LAB" vtysh "$L" "$r" "clear ipv6 ospf6 process" >/dev/null 2>&1 ||
		fail "cannot restart OSPFv3 on $r"
done
# (the lab's state first differs from before, then settles)
sh "$LAB" wait "$L" "$before" >"$T/wait.log" 2>&1 || fail "lab did not reconverge: $(tail "$T/wait.log")"
sh "$LAB" reannounce-nssa6 "$L" >>"$T/wait.log" 2>&1 ||
	fail "r8's IPv6 type-7 not announced again: $(tail "$T/wait.log")"
sh "$LAB" routes "$L" "$T/frr" >/dev/null 2>&1 || fail "cannot read the routers' routes"

# What to show when the routes differ: how the live database differs from
# r1's, and whether a replay of the capture of the same run agrees with FRR
# (if it does, the live listener missed packets).
explain() {
	kill "$td" 2>/dev/null; wait "$td" 2>/dev/null
	echo "live LSDB against r1's:"
	"$top_srcdir/tests/lsdb-compare" "$T/frr/r1.lsdb.json" "$T/lsdb.json"
	cat "$T/lsdb.err"
	echo "replay of the capture on mon0, routes of $1:"
	"$OSPFMON" -r "$T/mon0.pcap" --dump routes --root "$2" --json >"$T/replay.json" 2>"$T/replay.err"
	"$top_srcdir/tests/route-compare" "$T/frr/$1.json" "$T/replay.json"
	cat "$T/replay.err"
	echo "the lab's convergence log (last lines):"
	tail -5 "$L/log/converge.log"
}
# stop_ospfmon NAME PID: SIGTERM; it must exit 0
stop_ospfmon() {
	kill -TERM "$2"
	wait "$2" || fail "$1: anemone-ospfmon exited with status $?: $(tail -5 "$T/$1.err")"
}
stop_ospfmon lsdb "$pid_lsdb"
for r in $ROUTERS; do
	eval "pid=\$pid_$r"
	stop_ospfmon "$r" "$pid"
done
# A listener's view is of the moment it stopped, between these two reads of
# FRR: it must equal one of them (they differ only if the lab changed).
sh "$LAB" routes "$L" "$T/frr2" >/dev/null 2>&1 || fail "cannot read the routers' routes"
for r in $ROUTERS; do
	out=$("$top_srcdir/tests/route-compare" "$T/frr/$r.json" "$T/$r.ours.json") ||
	out=$("$top_srcdir/tests/route-compare" "$T/frr2/$r.json" "$T/$r.ours.json") ||
		fail "$r: live routes differ from FRR's:
$out
$(cat "$T/$r.err")
$(explain "$r" "10.255.0.${r#r}" 2>&1)"
	info "$r live: $out"
done

# Each change of the lab: the daemon's events are exactly what the step must
# yield (tests/data/ospf/steps, as in the replay test), and its routes -- read
# from the snapshot it saves on SIGUSR1 -- equal FRR's again.
snapshot_routes() {   # snapshot_routes STEP ROUTERS...: compare with FRR's
	step=$1; shift
	# FRR read before and after the snapshot: it must equal one of them
	sh "$LAB" routes "$L" "$T/frr-$step.0" >/dev/null 2>&1 || fail "$step: cannot read the routers' routes"
	kill -USR1 "$pid_all"
	saved=$((saved + 1))
	wait_for 10 sh -c "[ \$(grep -c 'all.snap: .* LSAs saved' '$T/all.err') -ge $saved ]" ||
		fail "$step: no snapshot saved: $(tail -5 "$T/all.err")"
	sh "$LAB" routes "$L" "$T/frr-$step" >/dev/null 2>&1 || fail "$step: cannot read the routers' routes"
	for r in "$@"; do
		rid=10.255.0.${r#r}
		"$OSPFMON" -s "$T/all.snap" --dump routes --root "$rid" --json >"$T/$step-$r.json" 2>"$T/$step-$r.err" ||
			fail "$step: $r: $(cat "$T/$step-$r.err")"
		out=$("$top_srcdir/tests/route-compare" "$T/frr-$step.0/$r.json" "$T/$step-$r.json") ||
		out=$("$top_srcdir/tests/route-compare" "$T/frr-$step/$r.json" "$T/$step-$r.json") ||
			fail "$step: $r: the daemon's routes differ from FRR's:
$out"
		# IPv6 (OSPFv3): as ospf6d has them, next hops over links the
		# daemon does not hear matched by interface, ospf6d 8.4's stale
		# routes judged by ospfd's twin (tests/route6-compare)
		"$OSPFMON" -s "$T/all.snap" --dump routes6 --root "$rid" --json >"$T/$step-$r.6.json" \
			2>"$T/$step-$r.6.err" || fail "$step: $r: $(cat "$T/$step-$r.6.err")"
		for f in "$T/frr-$step.0" "$T/frr-$step"; do
			out6=$(python3 "$top_srcdir/tests/route6-compare" --unheard --v4 "$f/$r.json" \
				"$f/$r.ospf6.json" "$f/$r.ifaces6.json" "$T/$step-$r.6.json" "$r") && break
		done || fail "$step: $r: the daemon's IPv6 routes differ from FRR's:
$out6"
	done
	info "$step: routes of $* equal FRR's, IPv4 and IPv6"
}
# the snapshots the daemon saved so far (none: there was none at its start)
saved=$(grep -c 'all.snap: .* LSAs saved' "$T/all.err")
ALL_ROUTERS="r1 r2 r3 r4 r5 r6 r7 r8"
snapshot_routes initial $ALL_ROUTERS
D="$top_srcdir/tests/data/ospf"
D6="$top_srcdir/tests/data/ospf6"
step() {   # step NAME LAB-ARGS...: run it, wait, compare events and routes
	name=$1; shift
	mark=$(wc -l <"$T/events.json")
	sh "$LAB" "$@" >"$T/$name.log" 2>&1 || fail "$name: lab: $(tail -5 "$T/$name.log")"
	sh "$LAB" wait "$L" >>"$T/$name.log" 2>&1 || fail "$name: no reconvergence: $(tail -5 "$T/$name.log")"
	# the daemon's events since the step began, once they are all there:
	# its hold time (1 s) after the last LSA of the change, which a loaded
	# machine may deliver later than FRR reports convergence
	# (flapping reports are left out: restarting every router's OSPF above
	# may count as flapping for some elements, rightly)
	# A router joining a LAN describes it as a stub network while its
	# interface waits for the DR election, and as a transit link after
	# (RFC 2328 12.4.1.2); whether that first router-LSA reaches the daemon
	# before the second is a race.  So a stub prefix of a router that
	# appeared in the step, added and removed again within it, is left out
	# (the pair only: either alone is a difference).
	# (the lab runs OSPFv3 too: its events, "ospf3 ...", are the
	# recorded dual-stack lab's, tests/data/ospf6/steps)
	sort "$D/steps/$name.events" "$D6/steps/$name.events" >"$T/want.$name"
	step_events() {
		tail -n +$((mark + 1)) "$T/events.json" | "$top_srcdir/tests/event-summary" |
			grep -v '^flapping' | awk '
			{ line[NR] = $0; o = $1 == "ospf3" }   # OSPFv3 alike, apart
			$(1 + o) == "router-appeared" { joined[o, $(3 + o)] = 1 }
			($(1 + o) == "prefix-added" || $(1 + o) == "prefix-removed") && $(3 + o) == "stub" {
				key[NR] = o " " $(2 + o) " " $(4 + o) " " $(5 + o) " " $(6 + o)
				rtr[NR] = o SUBSEP $(5 + o); n[$(1 + o), key[NR]]++ }
			END {
				for (i = 1; i <= NR; i++)
					if (!(i in key) || !(rtr[i] in joined) ||
					    n["prefix-added", key[i]] != 1 || n["prefix-removed", key[i]] != 1)
						print line[i]
			}' | sort >"$T/got.$name"
		cmp -s "$T/want.$name" "$T/got.$name"
	}
	wait_for 20 step_events || true
	# a sleep that is the test: 1.5 s more, for an event that should not
	# come (a surplus one is a difference as much as a missing one)
	sleep 1.5
	step_events
	diff -u "$T/want.$name" "$T/got.$name" >"$T/diff.$name" ||
		fail "$name: the daemon's events differ (- wanted, + got):
$(cat "$T/diff.$name")
all its events since the step began:
$(tail -n +$((mark + 1)) "$T/events.json")
$(tail -5 "$T/daemon.err")"
	info "$name: $(wc -l <"$T/got.$name") events as expected"
	snapshot_routes "$name" $ALL_ROUTERS
}
step cost cost "$L" r3 to-r5 30
step link-down link-down "$L" r5 to-r6
step link-up link-up "$L" r5 to-r6
ALL_ROUTERS="$ALL_ROUTERS r9"
step add-router add-router "$L"
stop_ospfmon daemon "$pid_daemon"
stop_ospfmon all "$pid_all"

# shellcheck disable=SC2086
kill $tds; wait $tds 2>/dev/null
kill "$td"; wait "$td" 2>/dev/null

# Separately, a replay of the captures of the three ports (merged in time
# order) computes every router's routes as FRR has them at the end.
mergecap -w "$T/all.pcap" "$T/mon0.pcap" "$T/mon1.pcap" "$T/mon2.pcap" ||
	fail "cannot merge the captures"
for r in $ALL_ROUTERS; do
	"$OSPFMON" -r "$T/all.pcap" --dump routes --root "10.255.0.${r#r}" --json >"$T/replay-$r.json" \
		2>"$T/replay-$r.err" || fail "replay: $r: $(cat "$T/replay-$r.err")"
	out=$("$top_srcdir/tests/route-compare" "$T/frr-add-router/$r.json" "$T/replay-$r.json") ||
		fail "replay: $r: routes differ from FRR's:
$out"
	"$OSPFMON" -r "$T/all.pcap" --dump routes6 --root "10.255.0.${r#r}" --json \
		>"$T/replay-$r.6.json" 2>"$T/replay-$r.6.err" || fail "replay: $r: $(cat "$T/replay-$r.6.err")"
	f=$T/frr-add-router
	out=$(python3 "$top_srcdir/tests/route6-compare" --unheard --v4 "$f/$r.json" "$f/$r.ospf6.json" \
		"$f/$r.ifaces6.json" "$T/replay-$r.6.json" "$r") || fail "replay: $r: IPv6 routes differ from FRR's:
$out"
done
info "replay of the captures: routes of $ALL_ROUTERS equal FRR's, IPv4 and IPv6"

for p in mon1 mon2; do
	pmac=$(ip netns exec "$MON" cat /sys/class/net/$p/address)
	ptotal=$(tcpdump -r "$T/$p.pcap" -n 2>/dev/null | wc -l)
	psent=$(tcpdump -r "$T/$p.pcap" -n -e "ether src $pmac" 2>/dev/null | wc -l)
	[ "$ptotal" -gt 0 ] || fail "the capture on $p is empty"
	expect_eq "frames sent from $p (of $ptotal seen)" "$psent" 0
done
total=$(tcpdump -r "$T/mon0.pcap" -n 2>/dev/null | wc -l)
sent=$(tcpdump -r "$T/mon0.pcap" -n -e "ether src $MAC" 2>/dev/null | wc -l)
[ "$total" -gt 0 ] || fail "the capture on the listeners' port is empty"
expect_eq "frames sent from the listeners' port (of $total seen)" "$sent" 0
sanitizer_clean "$T"/*.err

# leave the lab as found: r3's cost on to-r5 FRR's own again, r9 gone
sh "$LAB" cost "$L" r3 to-r5 default >"$T/undo.log" 2>&1 || fail "cannot undo the cost: $(tail -5 "$T/undo.log")"
sh "$LAB" remove-router "$L" r9 >>"$T/undo.log" 2>&1 || fail "cannot remove r9: $(tail -5 "$T/undo.log")"
info "lab restored: $(grep -c reconverged "$T/undo.log") changes undone"
exit 0
