#!/bin/sh
# The anemone command on the bundled enterprise network (tests/data/enterprise,
# loaded once with its "load" script: ospfmon's replay of the OSPF capture and
# a day of traffic through exporter and collector), against independent
# computations:
#   1. whatif: tests/whatif-oracle routes the window's traffic matrix (the
#      pair streams, read with redis-cli) on the network as FRR recorded it
#      (r1's LSDB dump, checked against every router's routing table; never
#      an anemone document) with its own shortest paths and integer
#      equal-cost splits; link loads before and after and the unreachable
#      pairs must be equal to the byte, for link and router failures and cost
#      changes, on the busiest hour and the day.  "before" must also equal
#      the per-link counters the collector measured.  With a cost changed in
#      the database document in Redis only, whatif must differ from it.
#   2. path: tests/fib-walk follows the recorded kernel FIBs of the FRR
#      routers; every hop and every equal-cost share must be the path's.
#   3. topo: the SVG is XML with an element per router, network and link of
#      the topology, the PNG a PNG, and rsvg-convert renders the SVG.
#   4. every subcommand, text and --json, against tests/data/enterprise/golden
#      (only the exporters' last-seen wall time masked); the error cases.
# ANEMONE_GOLDEN_UPDATE=1 (exactly) writes the golden files instead of
# comparing, and the test then exits as skipped: such a run never passes.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need redis-server redis-cli python3 ss neato

ANEMONE="$top_builddir/cli/anemone"
E="$top_srcdir/tests/data/enterprise"
G="$E/golden"
PORT=$(free_port)
redis_start
start_ms=$(python3 -c 'import time; print(int(time.time() * 1000))')
"$E/load" --redis "127.0.0.1:$PORT" --build "$top_builddir" --work "$T/load" >"$T/load.out" 2>&1 ||
	fail "loading the enterprise network: $(tail -20 "$T/load.out")"
info "$(grep 'anemone-collector:' "$T/load.out")"

A() { "$ANEMONE" --redis "127.0.0.1:$PORT" "$@"; }
# the busiest office hour and the whole day (1h buckets), as epoch ms
HOUR="--window 1h --until 2026-11-02T15:00Z"
HOUR_MS="1793628000000 1793631600000"     # 2026-11-02T14:00Z, 15:00Z
DAY_MS="1793577600000 1793664000000"      # 2026-11-02T00:00Z, 2026-11-03T00:00Z

# --- 1. whatif against tests/whatif-oracle ---------------------------------

# anemone whatif --json as the oracle's lines
whatif_lines() {
	python3 -c '
import json, sys
d = json.load(sys.stdin)
print("window %d %d %s" % (d["window"]["from_ms"], d["window"]["until_ms"], d["window"]["resolution"]),
      file=sys.stderr)
out = []
for l in d["links"]:
    b, a = l["before"], l["after"]
    if b["bytes"] or a["bytes"] or b["packets"] or a["packets"]:
        out.append("link %s %d %d %d %d" % (l["id"], b["bytes"], a["bytes"], b["packets"], a["packets"]))
for side in ("before", "after"):
    for u in d["unreachable_" + side]:
        out.append("unreachable %s %s-%s %d %d %s" % (side, u["ingress"], u["egress"], u["bytes"],
                                                     u["packets"], u["reason"]))
print("\n".join(sorted(out)))'
}

R --raw GET anemone:ospf:topology >"$T/topology.json"
n=0
for w in hour day; do
	if [ $w = hour ]; then win=$HOUR; ms=$HOUR_MS; else win="--window 1d"; ms=$DAY_MS; fi
	# shellcheck disable=SC2086
	set -- $ms
	from=$1 until=$2
	# the window's sums of the collector's pair and link streams, read with
	# one redis-cli: "pair|link ID BYTES PACKETS"
	{
		for k in pair link; do
			for id in $(R SMEMBERS "anemone:${k}s"); do
				echo "ECHO $k:$id"
				echo "XRANGE anemone:$k:$id:1h $from $((until - 1))"
			done
		done
	} | R --raw | awk '
		function out() { if (key != "" && (b || p)) printf "%s %.0f %.0f\n", key, b, p }
		/^(pair|link):/ { out(); key = $0; sub(":", " ", key); b = p = 0; next }
		$0 == "bytes" { getline; b += $0 } $0 == "packets" { getline; p += $0 }
		END { out() }' | LC_ALL=C sort >"$T/sums.$w"
	sed -n 's/^pair //p' "$T/sums.$w" >"$T/matrix.$w"
	sed -n 's/^link //p' "$T/sums.$w" >"$T/measured.$w"
	if [ ! -s "$T/matrix.$w" ] || [ ! -s "$T/measured.$w" ]; then
		fail "no pair or link counters in the $w window"
	fi
	# (a) the busiest backbone link, (b) a DC core router, (c) a cost making
	# an equal-cost split (r9 -> r8 at 50: r9 reaches the DC via r7 and via
	# r8 at 120 each), (d) all three kinds, (e) dc-servers' link to dc-core1:
	# hq-core1 then has three next hops to dc-servers (10.0.0.2 and 10.1.2.2
	# to hq-core2, 10.1.3.3 to dc-core1), and splits with a remainder, where
	# the order of the next hops decides
	for sc in "a --fail-link hq-core1-dc-core1" \
		"b --fail-router dc-core2" \
		"c --cost branch-east-branch-south=50" \
		"d --fail-link hq-core1-dc-core1 --cost branch-east-branch-south=50 --fail-router hq-core2" \
		"e --fail-link dc-core1-dc-servers"; do
		# shellcheck disable=SC2086
		set -- $sc
		id=$1; shift
		# shellcheck disable=SC2086
		A --json $win whatif "$@" >"$T/whatif.json" 2>"$T/err" ||
			fail "whatif $*: exit $?: $(cat "$T/err")"
		whatif_lines <"$T/whatif.json" >"$T/anemone.$w.$id" 2>"$T/window" ||
			fail "whatif $*: not the JSON expected: $(head -c 300 "$T/whatif.json")"
		[ "$(cat "$T/window")" = "window $from $until 1h" ] ||
			fail "whatif $* ($w): $(cat "$T/window"), want window $from $until 1h"
		"$top_srcdir/tests/whatif-oracle" "$E/frr/r1.lsdb.json" "$E/frr" "$T/matrix.$w" --names "$E/names" "$@" \
			>"$T/oracle.$w.$id" 2>"$T/oracle.err" ||
			fail "whatif-oracle $*: $(cat "$T/oracle.err")"
		diff -u "$T/oracle.$w.$id" "$T/anemone.$w.$id" >"$T/diff" ||
			fail "whatif $* ($w): anemone (+) differs from the oracle (-):
$(cat "$T/diff")"
		# before: what the collector measured on each link
		awk '$1 == "link" && ($3 || $5) { print $2, $3, $5 }' "$T/oracle.$w.$id" | LC_ALL=C sort |
			diff -u "$T/measured.$w" - >"$T/diff" ||
			fail "whatif $* ($w): before (+) is not what the collector measured (-):
$(cat "$T/diff")"
		info "whatif ($id) $*, $w: $(grep -c '^link' "$T/oracle.$w.$id") links," \
			"$(grep -c '^unreachable after' "$T/oracle.$w.$id") pairs unreachable after," \
			"$(sed 's/^whatif-oracle: //' "$T/oracle.err"): equal to the oracle and to the collector's counters"
		n=$((n + 1))
	done
	# the scenarios are what they say
	grep -q '^link 10.255.0.9-10.255.0.8 0 [1-9]' "$T/oracle.$w.c" ||
		fail "($w) the cost change did not move traffic onto branch-east -> branch-south"
	grep -q '^link 10.255.0.9-10.255.0.7 [1-9][0-9]* [1-9]' "$T/oracle.$w.c" ||
		fail "($w) the cost change did not split branch-east's traffic"
	grep -q '^link 10.255.0.1-10.255.0.3 [1-9][0-9]* 0 ' "$T/oracle.$w.a" ||
		fail "($w) the failed backbone link still carries traffic"
	grep -q '^unreachable after 10.255.0.4-' "$T/oracle.$w.b" ||
		fail "($w) nothing entered at the failed dc-core2"
	! grep -q '^unreachable before' "$T/oracle.$w.b" || fail "($w) unreachable pairs before a change"
done
grep -q 'after [1-9]' "$T/oracle.err" || fail "(e) no split with a remainder: the order of next hops untested"
info "whatif: $n scenarios equal to the oracle"

# a topology the oracle does not share: hq-core1's cost towards dc-core1 at
# 100 in the database document in Redis only; (e) on the hour again
R --raw GET anemone:ospf:lsdb >"$T/lsdb.json"
"$top_srcdir/tests/lsdb-set-cost" "$T/lsdb.json" 10.255.0.1 10.255.0.3 100 >"$T/bad-lsdb.json" ||
	fail "lsdb-set-cost failed"
printf %s "$(cat "$T/bad-lsdb.json")" | R -x SET anemone:ospf:lsdb >/dev/null
# shellcheck disable=SC2086
A --json $HOUR whatif --fail-link dc-core1-dc-servers >"$T/whatif.json" 2>"$T/err" ||
	fail "whatif on the changed document: exit $?: $(cat "$T/err")"
printf %s "$(cat "$T/lsdb.json")" | R -x SET anemone:ospf:lsdb >/dev/null
[ "$(R --raw GET anemone:ospf:lsdb)" = "$(cat "$T/lsdb.json")" ] || fail "the database document not restored"
whatif_lines <"$T/whatif.json" >"$T/anemone.bad" 2>/dev/null || fail "whatif: $(head -c 300 "$T/whatif.json")"
! cmp -s "$T/oracle.hour.e" "$T/anemone.bad" || fail "a changed cost in the database document went unnoticed"
info "whatif with hq-core1 -> dc-core1 at 100 in the document: $(diff "$T/oracle.hour.e" "$T/anemone.bad" |
	grep -c '^>') lines differ from the oracle's"

# --- 2. path against the FIBs FRR installed ---------------------------------

for x in 1 2 3 4 5 6 7 8 9 10; do
	for y in 1 2 3 4 5 6 7 8 9 10; do
		[ $x = $y ] || echo "10.100.$x.10 10.100.$y.20"
	done
	echo "10.100.$x.10 198.51.100.7"
done >"$T/queries"
"$top_srcdir/tests/fib-walk" "$E" <"$T/queries" >"$T/fib" || fail "fib-walk failed"
while read -r s d; do
	A --json path "$s" "$d" || echo "path $s $d: exit $?"
done <"$T/queries" >"$T/paths" 2>"$T/err"
[ -s "$T/err" ] && fail "path: $(head -5 "$T/err")"
python3 -c '
import json, sys
qs = [l.split() for l in open(sys.argv[1]) if l.split()]
out = []
for (src, dst), line in zip(qs, open(sys.argv[2])):
    d = json.loads(line)
    links = {}
    for l in d["links"]:
        k = (l["a"], l["b"], "lan" if l["via"] else "p2p")
        if k in links:
            sys.exit("%s %s: the link %s twice" % (src, dst, k))
        links[k] = l["share"]
    out += ["%s %s link %s-%s %s %.6f" % (src, dst, a, b, k, s) for (a, b, k), s in links.items()]
    out += ["%s %s egress %s %.6f" % (src, dst, e["router"], e["share"]) for e in d["egresses"]]
print("\n".join(sorted(out)))' "$T/queries" "$T/paths" >"$T/anemone-paths" ||
	fail "path --json: not the JSON expected"
diff -u "$T/fib" "$T/anemone-paths" >"$T/diff" ||
	fail "path: anemone (+) differs from the FIBs (-):
$(cat "$T/diff")"
grep -q ' 0\.333333$' "$T/fib" || fail "no three-way equal-cost split among the paths"
info "path: $(wc -l <"$T/queries") source/destination pairs, $(grep -c ' link ' "$T/fib") hops" \
	"($(grep ' link ' "$T/fib" | grep -vc ' 1\.000000$') of them shares of equal-cost splits): as the FIBs forward"

# --- 3. topo ----------------------------------------------------------------

# shellcheck disable=SC2086
A $HOUR topo --svg "$T/t.svg" --png "$T/t.png" --dot "$T/t.dot" >"$T/out" 2>"$T/err" ||
	fail "topo: exit $?: $(cat "$T/err")"
python3 - "$T/topology.json" "$T/t.svg" "$T/t.png" <<'PY' || fail "topo: the drawing is not the topology"
import json, struct, sys
import xml.etree.ElementTree as ET
doc = json.load(open(sys.argv[1]))
want = set()
for area in doc["areas"]:
    want |= {"router-" + r["id"] for r in area["routers"]}
    want |= {"network-" + n["id"] for n in area["networks"]}
    for l in area["links"]:
        if l["type"] == "transit":
            want.add("link-%s-%s" % (l["router"], l["network"]))
        else:
            want.add("link-%s-%s" % (l["a"], l["b"]))
got = [e.get("id") for e in ET.parse(sys.argv[2]).iter()
       if e.get("id", "").startswith(("router-", "network-", "link-"))]
assert len(got) == len(set(got)), "ids twice: %s" % sorted(got)
assert set(got) == want, "SVG ids: missing %s, extra %s" % (sorted(want - set(got)), sorted(set(got) - want))
png = open(sys.argv[3], "rb").read()
assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR", "not a PNG"
w, h = struct.unpack(">II", png[16:24])
assert 300 <= w <= 8000 and 200 <= h <= 8000, "PNG %dx%d" % (w, h)
print("-- topo: %d ids in the SVG as in the topology document; PNG %dx%d" % (len(got), w, h))
PY
if command -v rsvg-convert >/dev/null 2>&1; then
	rsvg-convert -o "$T/rsvg.png" "$T/t.svg" 2>"$T/err" || fail "rsvg-convert: $(cat "$T/err")"
	python3 -c '
import struct, sys
p = open(sys.argv[1], "rb").read()
assert p[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
w, h = struct.unpack(">II", p[16:24])
assert w >= 300 and h >= 200, (w, h)
print("-- rsvg-convert renders the SVG: %dx%d" % (w, h))' "$T/rsvg.png" || fail "rsvg-convert's PNG"
else
	info "rsvg-convert (librsvg2-bin) is not installed: the SVG is not rendered"
fi

# --- 4. golden outputs --------------------------------------------------------

# golden NAME ARGS...: the text and the --json output (NAME.txt, NAME.json)
# of anemone ARGS, run in $T (files it writes are named relative to it)
golden() {
	name=$1; shift
	for fmt in txt json; do
		if [ $fmt = json ]; then j=--json; else j=; fi
		# shellcheck disable=SC2086
		(cd "$T" && A $j "$@") >"$T/g.out" 2>"$T/err" || fail "anemone $j $*: exit $?: $(cat "$T/err")"
		[ -s "$T/err" ] && fail "anemone $j $*: $(cat "$T/err")"
		case $name in
		exporters) sed -e 's/"last_seen_ms":[0-9]*/"last_seen_ms":"(wall clock)"/' \
			-e 's/  20[0-9][0-9]-[01][0-9]-[0-3][0-9] [0-9:]*Z  */  (wall clock)  /' \
			-e 's/  LAST SEEN  */  LAST SEEN     /' \
			"$T/g.out" >"$T/g.masked" && mv "$T/g.masked" "$T/g.out" ;;
		esac
		check_golden "$name.$fmt" "$T/g.out"
	done
}
check_golden() {
	if [ "${ANEMONE_GOLDEN_UPDATE:-}" = 1 ]; then
		mkdir -p "$G"
		cp "$2" "$G/$1"
	else
		[ -f "$G/$1" ] || fail "no golden file $G/$1 (ANEMONE_GOLDEN_UPDATE=1 writes them)"
		diff -u "$G/$1" "$2" >"$T/diff" || fail "anemone output (+) differs from $1 (-):
$(cat "$T/diff")"
	fi
	ngolden=$((ngolden + 1))
}
ngolden=0
# shellcheck disable=SC2086
{
	for what in links pairs talkers prefixes; do
		golden "top-$what-hour" $HOUR top "$what"
		golden "top-$what-day" --window 1d top "$what"
	done
	golden link-backbone-hour $HOUR link hq-core1-dc-core1
	golden link-wan-east-hour $HOUR link branch-east-branch-north
	golden link-backbone-day --window 1d link dc-core1-hq-core1
	golden path-ecmp path 10.100.1.10 10.100.4.20
	golden path-ecmp-lan path 10.100.5.77 10.100.6.10
	golden path-external path 10.100.9.10 198.51.100.7
	golden whatif-backbone-hour $HOUR whatif --fail-link hq-core1-dc-core1
	golden whatif-backbone-day --window 1d whatif --fail-link hq-core1-dc-core1
	golden topo-hour $HOUR topo --dot topo-hour.dot
	check_golden topo-hour.dot "$T/topo-hour.dot"
	golden events -n 1000 events
	golden exporters exporters
}
# what was masked: the exporter was last seen while this test loaded the data
last=$(R HGET anemone:exporter:127.0.0.1/1 last_seen_ms)
now=$(python3 -c 'import time; print(int(time.time() * 1000))')
if [ -z "$last" ] || [ "$last" -lt "$start_ms" ] || [ "$last" -gt "$now" ]; then
	fail "the exporter's last_seen_ms $last is not the time of the load ($start_ms to $now)"
fi
if [ "${ANEMONE_GOLDEN_UPDATE:-}" = 1 ]; then
	skip "ANEMONE_GOLDEN_UPDATE=1: wrote $ngolden golden files into $G, nothing compared"
else
	info "$ngolden outputs equal to the golden files"
fi

# --- errors -------------------------------------------------------------------

PROG=$ANEMONE    # for expect_exit
dead=$(free_port)
expect_exit 1 "127\.0\.0\.1:$dead" --redis "127.0.0.1:$dead" top links
RP="--redis 127.0.0.1:$PORT"
# shellcheck disable=SC2086
{
	expect_exit 2 "nosuch" $RP link nosuch-hq-core1
	expect_exit 2 "nosuch" $RP whatif --fail-router nosuch
	expect_exit 2 "nosuch" $RP whatif --fail-link hq-core1-nosuch
	expect_exit 2 "nosuch" $RP whatif --cost nosuch-hq-core1=20
	expect_exit 2 "no link between" $RP whatif --fail-link hq-core1-branch-east
	expect_exit 2 "share transit network 10\.0\.0\.1, .*\(10\.255\.0\.1-10\.0\.0\.1\)" \
		$RP whatif --fail-link hq-core1-hq-access
	expect_exit 2 "source 192\.0\.2\.1: it is not in this network" $RP path 192.0.2.1 10.100.6.20
	expect_exit 2 "destination 192\.0\.2\.1: it is not in this network" $RP path 10.100.6.20 192.0.2.1
	expect_exit 2 "not an IPv4 or IPv6 address" $RP path hq-core1 10.100.6.20
	expect_exit 2 "'10\.100\.6\.20' is not an IPv6 address \(the source is\)" $RP path fd00::1 10.100.6.20
	expect_exit 1 "has no OSPFv3 \(IPv6\) router" $RP path fd00::1 fd00::2
	expect_exit 2 "--threshold -1: a percentage" $RP check --threshold -1
	expect_exit 2 "--threshold x: a percentage" $RP check --threshold x
	expect_exit 2 "--threshold nan: a percentage" $RP check --threshold nan
	expect_exit 1 "no traffic in the window" $RP --until 2020-01-01T00:00Z top links
	expect_exit 1 "no traffic in the window" $RP --until 2020-01-01T00:00Z whatif --fail-link hq-core1-dc-core1
	expect_exit 1 "no traffic in the window" $RP --until 2020-01-01T00:00Z link hq-core1-dc-core1
}
exit 0
