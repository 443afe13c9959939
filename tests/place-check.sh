#!/bin/sh
# Flow placement on the recorded OSPF lab (tests/data/ospf) against an
# independent reference: tests/place-oracle computes the per-link and
# per-(ingress, egress) totals of tests/data/collector/lab-flows from what
# the FRR routers themselves said (r1's LSDB dump and every router's routing
# table, tests/data/ospf/routes), never from an anemone document;
# tests/unit/place-driver places the same flows with the collector's
# place_flow on the database loaded by topoload, from the database document
# (--lsdb-file) and from a snapshot (-s).  Both must print the same.  The
# committed database document must be what anemone-ospfmon --lsdb-file
# writes for the lab.  And the comparison must catch a wrong topology: with
# r3's cost towards r5 changed to 30 in the document only, place_flow must
# disagree with the oracle, and agree with it on FRR's routes recorded after
# the lab made that very change (routes-after-cost).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need python3

OSPFMON="$top_builddir/ospfmon/anemone-ospfmon"
DRIVER="$top_builddir/tests/unit/place-driver"
PROG=$OSPFMON
D="$top_srcdir/tests/data"
FLOWS="$D/collector/lab-flows"
[ -x "$DRIVER" ] || fail "$DRIVER not built (make check builds it)"

"$OSPFMON" -r "$D/ospf/lab.pcap" --lsdb-file "$T/lsdb.json" \
	--dump topology --json >"$T/topology.json" 2>"$T/ospfmon.err" ||
	fail "anemone-ospfmon: $(cat "$T/ospfmon.err")"
"$OSPFMON" -r "$D/ospf/lab.pcap" -s "$T/snap" --dump lsdb >/dev/null 2>"$T/snap.err" ||
	fail "anemone-ospfmon -s: $(cat "$T/snap.err")"
cmp -s "$D/ospf/golden/topology.json" "$T/topology.json" ||
	fail "the lab's topology is not the golden one (tests/ospfmon-replay.sh says more)"
cmp -s "$D/collector/lab-lsdb.json" "$T/lsdb.json" ||
	fail "--lsdb-file wrote another document than tests/data/collector/lab-lsdb.json:
$(head -c 400 "$T/lsdb.json")"
info "--lsdb-file: the committed database document"

"$top_srcdir/tests/place-oracle" "$D/ospf/routes/r1.lsdb.json" "$D/ospf/routes" "$FLOWS" >"$T/oracle" ||
	fail "place-oracle failed"
[ "$(grep -c '^link' "$T/oracle")" -ge 10 ] || fail "the oracle placed almost nothing: $(cat "$T/oracle")"
for src in "$D/collector/lab-lsdb.json" "$T/snap"; do
	"$DRIVER" "$src" <"$FLOWS" >"$T/placed.raw" 2>"$T/placed.err" ||
		fail "place-driver $src: $(cat "$T/placed.err")"
	LC_ALL=C sort "$T/placed.raw" >"$T/placed"
	diff -u "$T/oracle" "$T/placed" >"$T/diff" ||
		fail "place_flow ($(basename "$src")) and the oracle differ:
$(cat "$T/diff")"
	info "$(basename "$src"): $(wc -l <"$T/placed") totals equal the oracle's"
done

# the equal-cost split, exactly: r1 -> r5 via r3 and r4 (1001 bytes, 11
# packets and 7 bytes, 3 packets: 501+4 / 500+3 bytes, 6+2 / 5+1 packets;
# plus what other flows put on these links, checked by the oracle above)
grep -q '^pair 10.255.0.1 10.255.0.5 1308 17$' "$T/placed" || fail "r1 -> r5 total: $(cat "$T/placed")"
grep -q '^unrouted no-route 2 2$' "$T/placed" || fail "no unroutable flow: $(cat "$T/placed")"

# a topology the oracle does not share: r3 -> r5 at 30 in the document only
"$top_srcdir/tests/lsdb-set-cost" "$D/collector/lab-lsdb.json" 10.255.0.3 10.255.0.5 30 \
	>"$T/bad-lsdb.json" || fail "lsdb-set-cost failed"
"$DRIVER" "$T/bad-lsdb.json" <"$FLOWS" >"$T/bad.raw" 2>"$T/placed.err" ||
	fail "place-driver on the changed document: $(cat "$T/placed.err")"
LC_ALL=C sort "$T/bad.raw" >"$T/bad"
! cmp -s "$T/oracle" "$T/bad" || fail "a changed cost in the document went unnoticed by the oracle"
if grep -q '^link 10.255.0.1 10.255.0.3 ' "$T/bad" || ! grep -q '^link 10.255.0.1 10.255.0.4 1378 24$' "$T/bad"; then
	fail "r1 -> r5 does not all go via r4 with r3 -> r5 at 30: $(cat "$T/bad")"
fi
"$top_srcdir/tests/place-oracle" "$D/ospf/routes-after-cost/r1.lsdb.json" "$D/ospf/routes-after-cost" \
	"$FLOWS" >"$T/oracle-cost" || fail "place-oracle (routes-after-cost) failed"
diff -u "$T/oracle-cost" "$T/bad" >"$T/diff" ||
	fail "place_flow with r3 -> r5 at 30 and the oracle on FRR's routes after that change differ:
$(cat "$T/diff")"
info "cost r3 -> r5 30 in the document: $(diff "$T/oracle" "$T/bad" | grep -c '^>') totals differ" \
	"from the oracle's; equal to FRR's after the lab's own cost change"
exit 0
