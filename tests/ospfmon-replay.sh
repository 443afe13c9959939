#!/bin/sh
# anemone-ospfmon on the recorded FRR lab (tests/data/ospf): the database,
# topology and route dumps of a replay equal the committed golden files; each
# change of the lab yields exactly the events it must (each step replayed on
# the snapshot the previous one saved); snapshots survive the round trip and
# a damaged one is reported; configuration errors are "file:line: message".
# ANEMONE_REGEN=1 (exactly) rewrites the golden files instead of comparing,
# and the test then exits as skipped: a regenerating run never passes.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need python3

OSPFMON="$top_builddir/ospfmon/anemone-ospfmon"
PROG=$OSPFMON
D="$top_srcdir/tests/data/ospf"
G="$D/golden"
ALL="-r $D/lab.pcap -r $D/change-cost.pcap -r $D/change-link-down.pcap -r $D/change-link-up.pcap -r $D/change-add-router.pcap"

golden() {   # golden NAME ARGS...: run ospfmon, its stdout must equal $G/NAME
	name=$1; shift
	"$OSPFMON" "$@" >"$T/$name" 2>"$T/$name.err" || fail "$name: anemone-ospfmon $*: $(cat "$T/$name.err")"
	grep -q ' dropped=0 ' "$T/$name.err" || fail "$name: packets dropped: $(cat "$T/$name.err")"
	if [ "${ANEMONE_REGEN:-0}" = 1 ]; then
		mkdir -p "$G" && cp "$T/$name" "$G/$name"
		info "$name: written"
		return
	fi
	diff -u "$G/$name" "$T/$name" >"$T/$name.diff" || fail "$name differs from the golden file:
$(head -40 "$T/$name.diff")"
	info "$name: $(wc -l <"$T/$name") lines equal"
}

# shellcheck disable=SC2086
{
golden lsdb.txt -r "$D/lab.pcap" --dump lsdb
golden lsdb.json -r "$D/lab.pcap" --dump lsdb --json
golden topology.txt -r "$D/lab.pcap" --dump topology
golden topology.json -r "$D/lab.pcap" --dump topology --json
golden routes-r1.txt -r "$D/lab.pcap" --dump routes --root 10.255.0.1
golden final-lsdb.txt $ALL --dump lsdb
golden final-topology.json $ALL --dump topology --json
golden final-routes-r1.txt $ALL --dump routes --root 10.255.0.1
golden final-routes-r9.txt $ALL --dump routes --root 10.255.0.9
golden events.json $ALL --dump events
}
[ "${ANEMONE_REGEN:-0}" != 1 ] || skip "ANEMONE_REGEN=1: golden files written into $G, nothing compared"
python3 -m json.tool "$T/topology.json" >/dev/null || fail "topology.json is not JSON"
grep -q '"completeness":{"routers":6,"missing_routers":0,"missing_networks":0,"complete":true,"lsas_refused":0,"authenticated":false,"unverified_packets":119}' \
	"$T/topology.json" || fail "the lab's view is not complete: $(tail -c 200 "$T/topology.json")"
# ... and the log says so; a listener that starts mid-way (only the cost
# change heard: r3's router-LSA) says what it is missing
grep -q 'view complete: 6 routers, no LSA referred to is missing' "$T/topology.json.err" ||
	fail "no report of a complete view: $(cat "$T/topology.json.err")"
"$OSPFMON" -r "$D/change-cost.pcap" --dump topology >"$T/partial.txt" 2>"$T/partial.err" ||
	fail "partial replay: $(cat "$T/partial.err")"
grep -q 'view incomplete: 1 routers; 1 router-LSAs and 1 network-LSAs missing (router "10.255.0.5", network "10.0.0.1")' \
	"$T/partial.err" || fail "no report of what is missing: $(cat "$T/partial.err")"
grep -q '^1 routers; 1 router-LSAs and 1 network-LSAs missing: incomplete$' "$T/partial.txt" ||
	fail "the topology does not say it is incomplete: $(cat "$T/partial.txt")"

# An external route withdrawn and announced again (readd.pcap, recorded by
# tests/lab/record-ospf-readd.sh): r4 flushes its two AS-external-LSAs, FRR
# drops them a minute later, and r4 announces them again as the very LSAs it
# flushed, at InitialSequenceNumber.  The monitor takes them back as r1 did
# (a new incarnation, not a replay): each route removed then added, and its
# AS-external-LSAs at the end are r1's (id, router, sequence number).
"$OSPFMON" -r "$D/readd.pcap" --dump events >"$T/readd.json" 2>"$T/readd.err" ||
	fail "readd: $(cat "$T/readd.err")"
for p in 10.200.4.0/24 10.200.44.0/24; do
	got=$(grep "\"prefix\":\"$p\"" "$T/readd.json" | sed -n 's/.*"event":"\([a-z-]*\)".*/\1/p' | xargs)
	[ "$got" = "external-added external-removed external-added" ] ||
		fail "readd: the events of $p are \"$got\", want added, removed, added: $(tail -2 "$T/readd.err")"
done
"$OSPFMON" -r "$D/readd.pcap" --dump lsdb --json >"$T/readd-lsdb.json" 2>/dev/null || fail "readd: no database"
python3 -c '
import json, sys
ours = {(l["id"], l["adv"], int(l["seq"], 16)) for l in json.load(open(sys.argv[1])) if l["type"] == 5}
r1 = {(l["linkStateId"], l["advertisingRouter"], int(l["lsaSeqNumber"], 16))
      for l in json.load(open(sys.argv[2]))["asExternalLinkStates"]}
sys.exit(0 if ours == r1 else "ours %s, r1 %s" % (sorted(ours), sorted(r1)))' \
	"$T/readd-lsdb.json" "$D/readd-r1-external.json" || fail "readd: the AS-external-LSAs differ from r1's"
info "readd: 10.200.4.0/24 and 10.200.44.0/24 withdrawn and announced again at InitialSequenceNumber: taken back, as r1 did"

# Each step of the lab's timeline (tests/data/ospf/timeline), replayed on the
# snapshot of everything before it: exactly these events.
S="$T/lsdb.snap"
"$OSPFMON" -r "$D/lab.pcap" -s "$S" --dump events >/dev/null 2>"$T/s0.err" ||
	fail "replay with a snapshot: $(cat "$T/s0.err")"
grep -q "no snapshot yet, starting empty" "$T/s0.err" || fail "missing snapshot not reported: $(cat "$T/s0.err")"
grep -q "lsdb.snap: 17 LSAs saved" "$T/s0.err" || fail "snapshot not saved: $(cat "$T/s0.err")"
step() {   # step NAME: the events of change-NAME.pcap, summarised, must be
	   # tests/data/ospf/steps/NAME.events (what the live test expects too)
	sort "$D/steps/$1.events" >"$T/want.$1"
	"$OSPFMON" -r "$D/change-$1.pcap" -s "$S" --dump events >"$T/ev.$1" 2>"$T/ev.$1.err" ||
		fail "$1: $(cat "$T/ev.$1.err")"
	grep -q "lsdb.snap: 1[0-9] LSAs loaded" "$T/ev.$1.err" || fail "$1: snapshot not loaded: $(cat "$T/ev.$1.err")"
	"$top_srcdir/tests/event-summary" "$T/ev.$1" | sort >"$T/got.$1"
	diff -u "$T/want.$1" "$T/got.$1" >"$T/diff.$1" || fail "$1: events differ (- wanted, + got):
$(cat "$T/diff.$1")"
	info "$1: $(wc -l <"$T/got.$1") events as expected"
}
step cost
step link-down
step link-up
step add-router
# the same events, in the same order, as one replay of everything gives
tail -n 11 "$T/events.json" >"$T/tail.json"
cat "$T/ev.cost" "$T/ev.link-down" "$T/ev.link-up" "$T/ev.add-router" | cmp -s - "$T/tail.json" ||
	fail "step-by-step events differ from the whole replay's"

# The chain of snapshots ends where the whole replay ends: the same database
# (a capture with no packets replays nothing, at the snapshot's own time).
printf '\324\303\262\241\002\000\004\000\000\000\000\000\000\000\000\000\377\377\000\000\001\000\000\000' >"$T/empty.pcap"
"$OSPFMON" -r "$T/empty.pcap" -s "$S" --dump lsdb >"$T/chain-lsdb.txt" 2>"$T/chain.err" ||
	fail "snapshot reload: $(cat "$T/chain.err")"
cmp -s "$T/chain-lsdb.txt" "$G/final-lsdb.txt" || fail "the database through snapshots differs:
$(diff -u "$G/final-lsdb.txt" "$T/chain-lsdb.txt" | head -30)"
info "snapshot chain: same database as the whole replay"
for r in r1 r2 r3 r4 r9; do
	"$OSPFMON" -r "$T/empty.pcap" -s "$S" --dump routes --root "$(cat "$D/routes-after-add-router/$r.rid")" \
		--json >"$T/chain-$r.json" 2>/dev/null || fail "$r: no routes from the snapshot"
	out=$("$top_srcdir/tests/route-compare" "$D/routes-after-add-router/$r.json" "$T/chain-$r.json") ||
		fail "$r: routes from the snapshot differ from FRR's: $out"
done
info "routes from the snapshot equal FRR's for r1-r4 and r9"

# Damaged snapshots: the part before the damage is kept; junk is refused.
size=$(wc -c <"$S")
head -c $((size - 30)) "$S" >"$T/cut.snap"
expect_exit 0 "cut.snap: truncated at LSA [0-9]+ of [0-9]+" -r "$T/empty.pcap" -s "$T/cut.snap" --dump lsdb
grep -q "LSAs loaded" "$T/err" || fail "truncated snapshot: nothing loaded"
python3 -c "
import sys
b = bytearray(open(sys.argv[1], 'rb').read()); b[60] ^= 0x01
open(sys.argv[2], 'wb').write(b)" "$S" "$T/bad.snap"
expect_exit 0 "bad.snap: LSA 1 of [0-9]+: bad-lsa-checksum" -r "$T/empty.pcap" -s "$T/bad.snap" --dump lsdb
printf 'not a snapshot at all' >"$T/junk.snap"
expect_exit 1 "junk.snap: not an LSDB snapshot" -r "$T/empty.pcap" -s "$T/junk.snap"
expect_exit 1 "nothere.snap: No such file" -s "$T/nothere.snap" --dump lsdb
# a query of a snapshot (no capture: -s and --dump alone) runs nothing and
# succeeds (aged to now: the capture's LSAs are long past MaxAge)
expect_exit 0 "LSAs loaded" -s "$S" --dump lsdb

# Configuration
expect_exit 0 "configuration OK" -n -c "$top_srcdir/etc/anemone-ospfmon.conf"
c=$(conf unknown 'input = { interface = "eth1"; };
events = {
  flap-cuont = 3;
};')
expect_exit 2 "^$c:3: unknown setting 'flap-cuont'" -n -c "$c"
c=$(conf range 'events = { flap-count = 1; };')
expect_exit 2 "^$c:1: 'flap-count' must be an integer from 2 to 1000" -n -c "$c"
c=$(conf lsdb-memory 'input = { interface = "eth1"; };
lsdb-memory = 1000;')
expect_exit 2 "^$c:2: 'lsdb-memory' must be an integer from 1048576 to" -n -c "$c"
c=$(conf duration 'snapshot = {
  interval = "often";
};')
expect_exit 2 "^$c:2: 'interval' must be a duration" -n -c "$c"
c=$(conf syntax 'events = {
  hold = "1s";
  flap-count = = 3;
};')
expect_exit 2 "^$c:3: syntax error" -n -c "$c"
c=$(conf ifaces 'input = {
  interface = ( "eth1", 7 );
};')
expect_exit 2 "^$c:2: 'interface' must be a name or a list of names" -n -c "$c"
c=$(conf ifaces2 'input = { interface = [ "eth1", "eth2" ]; raw-socket = true; };')
expect_exit 0 "configuration OK" -n -c "$c"
expect_exit 2 "usage:" --dump nothing -r "$D/lab.pcap"
expect_exit 2 "usage:" --dump routes -r "$D/lab.pcap"
expect_exit 2 "not both" -i lo -r "$D/lab.pcap"
# the file's input, events file and hold are used
c=$(conf replay "input = { file = \"$D/change-cost.pcap\"; };
events = { file = \"$T/from-conf.json\"; hold = \"1s\"; };")
"$OSPFMON" -c "$c" -s "$T/conf.snap" --dump topology >/dev/null 2>"$T/conf.err" || fail "config replay: $(cat "$T/conf.err")"
[ -s "$T/from-conf.json" ] || fail "no events written to the configured file"
info "events file from the configuration: $(wc -l <"$T/from-conf.json") events"

# The events file is opened without following a symlink (ospfmon runs as
# root): one in its place is refused and its target left untouched.
printf 'keep me\n' >"$T/target"
ln -s "$T/target" "$T/events-link.json"
expect_exit 1 "events-link.json: .*symbolic link" -r "$D/change-cost.pcap" -e "$T/events-link.json" --dump events
[ "$(cat "$T/target")" = "keep me" ] || fail "the symlink's target was written to: $(head -3 "$T/target")"
# a regular file is appended to, and created mode 0640
"$OSPFMON" -r "$D/change-cost.pcap" -e "$T/new-events.json" --dump topology >/dev/null 2>&1 ||
	fail "events file: replay failed"
[ "$(stat -c %a "$T/new-events.json")" = 640 ] || fail "events file mode $(stat -c %a "$T/new-events.json"), want 640"
n1=$(wc -l <"$T/new-events.json")
"$OSPFMON" -r "$D/change-cost.pcap" -e "$T/new-events.json" --dump topology >/dev/null 2>&1
[ "$(wc -l <"$T/new-events.json")" -eq $((2 * n1)) ] || fail "events file not appended to"
info "events file: symlink refused, target untouched; created 0640, appended ($n1 events a run)"
exit 0
