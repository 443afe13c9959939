#!/bin/sh
# anemone-ospfmon against real routers: captures recorded on the LAN of an
# 8-router FRR lab (tests/lab/ospf-lab.sh, tests/data/ospf/README) replay
# into a database from which every backbone-only router's routes must equal
# what that router's ospfd computed (`show ip ospf route json`): prefixes,
# types, costs and next hops, after convergence and after each change (a
# cost change, a link down, the link back, a router added).  ABRs and
# routers of other areas are not compared: a listener on one backbone
# segment does not see the other areas' databases.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need python3

OSPFMON="$top_builddir/ospfmon/anemone-ospfmon"
D="$top_srcdir/tests/data/ospf"
files="-r $D/lab.pcap"
compared=0
for step in initial cost link-down link-up add-router; do
	if [ "$step" = initial ]; then
		dir="$D/routes"
	else
		files="$files -r $D/change-$step.pcap"
		dir="$D/routes-after-$step"
	fi
	for r in r1 r2 r3 r4 r9; do
		[ -f "$dir/$r.rid" ] || continue
		# shellcheck disable=SC2086
		"$OSPFMON" $files --dump routes --root "$(cat "$dir/$r.rid")" --json \
			>"$T/$step-$r.json" 2>"$T/$step-$r.err" ||
			fail "$step $r: anemone-ospfmon: $(cat "$T/$step-$r.err")"
		grep -q ' dropped=0 ' "$T/$step-$r.err" || fail "$step: OSPF packets dropped: $(cat "$T/$step-$r.err")"
		out=$("$top_srcdir/tests/route-compare" "$dir/$r.json" "$T/$step-$r.json") ||
			fail "$step $r: routes differ from FRR's:
$out"
		info "$step $r: $out"
		compared=$((compared + 1))
	done
done
expect_eq "routing tables compared with FRR" "$compared" 21

# the database itself: every LSA r1 held (area 0 and AS-external), the same
# instance (sequence number), no more, no fewer
"$OSPFMON" -r "$D/lab.pcap" --dump lsdb --json >"$T/lsdb.json" 2>/dev/null || fail "lsdb dump"
out=$("$top_srcdir/tests/lsdb-compare" "$D/routes/r1.lsdb.json" "$T/lsdb.json") ||
	fail "LSDB differs from r1's:
$out"
info "r1's $out"
exit 0
