#!/bin/sh
# Placement end to end: the flows of tests/data/collector/lab-flows (between
# the stub networks of the recorded OSPF lab, with equal-cost splits, a LAN,
# inter-area destinations and unroutable flows) are written as packets into
# a capture, which anemone-exporter sends as IPFIX to anemone-collector
# holding the lab's topology (the database document anemone-ospfmon writes).
# The per-link and per-pair counters in Redis must equal what
# tests/place-oracle computes for the same flows from FRR's own LSDB dump
# and routing tables (tests/data/ospf/routes), and the unrouted counts its
# reasons.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need redis-server redis-cli python3 ss

COLLECTOR="$top_builddir/collector/anemone-collector"
D="$top_srcdir/tests/data"
PORT=$(free_port)
redis_start

lab_flows "$T/flows"
[ "$(wc -l <"$T/flows")" -ge 15 ] || fail "too few flows"

"$top_srcdir/tests/flows-to-pcap" "$T/flows" "$T/flows.pcap" || fail "cannot write the capture"

"$top_srcdir/tests/place-oracle" "$D/ospf/routes/r1.lsdb.json" "$D/ospf/routes" "$T/flows" >"$T/oracle" ||
	fail "place-oracle failed"
grep -q '^pair 10.255.0.1 10.255.0.5 ' "$T/oracle" || fail "the oracle has no r1 -> r5 pair"

cport=$(free_port)
printf '%s\n' 'capacities = (' \
	'	{ link = "10.255.0.1-10.255.0.2"; bps = "1G"; },' \
	'	{ prefix = "10.1.0.0/16"; bps = 100000000; }' ');' >"$T/c.conf"
"$COLLECTOR" -c "$T/c.conf" -l "ipfix:127.0.0.1:$cport" --redis "127.0.0.1:$PORT" \
	--topology "$D/collector/lab-lsdb.json" --flush 1s >"$T/collector.log" 2>&1 &
cpid=$!
BG_PIDS="$BG_PIDS $cpid"
SHOW_ON_FAIL="$T/collector.log"
wait_for 10 grep -q "topology loaded" "$T/collector.log" ||
	fail "the collector did not load the topology: $(cat "$T/collector.log")"
"$EXPORTER" -r "$T/flows.pcap" -x "ipfix:127.0.0.1:$cport" >"$T/exporter.log" 2>&1 ||
	fail "exporter: $(cat "$T/exporter.log")"
wait_for 10 udp_drained "$cport" || fail "the collector does not read its socket"
kill -TERM "$cpid"; wait "$cpid" || fail "collector exit status $?"

# Redis, in the oracle's format
P=anemone:
{
	for l in $(R SMEMBERS ${P}links); do
		echo "link $(echo "$l" | tr - ' ') $(R HGET "${P}link:$l" bytes) $(R HGET "${P}link:$l" packets)"
	done
	for p in $(R SMEMBERS ${P}pairs); do
		echo "pair $(echo "$p" | tr - ' ') $(R HGET "${P}pair:$p" bytes) $(R HGET "${P}pair:$p" packets)"
	done
	R HGETALL ${P}totals | paste - - | sed -n 's/^unrouted:\([^:]*\):bytes\t/\1 /p' |
		while read -r why bytes; do
			echo "unrouted $why $bytes $(R HGET "${P}totals" "unrouted:$why:packets")"
		done
} | LC_ALL=C sort >"$T/redis"

LC_ALL=C sort "$T/oracle" >"$T/want"
diff -u "$T/want" "$T/redis" >"$T/diff" ||
	fail "Redis differs from the oracle:
$(cat "$T/diff")"
info "$(grep -vc '^unrouted' "$T/redis") link and pair totals equal the oracle's"
info "unrouted: $(grep '^unrouted' "$T/redis" | tr '\n' ';')"
# the links with their costs and capacities
R GET ${P}link-topology >"$T/links.json"
python3 - "$T/links.json" "$T/redis" <<'PY' || fail "link-topology: $(head -c 600 "$T/links.json")"
import json, sys
doc = json.load(open(sys.argv[1]))
links = {l["id"]: l for l in doc["links"]}
used = [l.split()[1] + "-" + l.split()[2] for l in open(sys.argv[2]) if l.startswith("link ")]
missing = [u for u in used if u not in links]
assert not missing, "links with traffic but not in link-topology: %s" % missing
# the lab: r1, r2, r3, r4 on the LAN 10.0.0.0/24 (4 x 3 directed), p2p r2-r6,
# r3-r5, r4-r5, r5-r6 (4 x 2)
assert len(links) == 20, len(links)
l = links["10.255.0.3-10.255.0.5"]
assert (l["type"], l["cost"], l["addr"], l["capacity_bps"]) == ("p2p", 10, "10.1.35.3", 100000000), l
l = links["10.255.0.2-10.255.0.1"]
assert (l["type"], l["network"], l["capacity_bps"]) == ("transit", "10.0.0.1", 1000000000), l
assert links["10.255.0.3-10.255.0.4"]["capacity_bps"] is None
print("-- link-topology: %d links, %d with traffic" % (len(links), len(used)))
PY
expect_eq "capacity of r1-r2 (a link rule, both ways)" \
	"$(R HGET ${P}capacity 10.255.0.1-10.255.0.2) $(R HGET ${P}capacity 10.255.0.2-10.255.0.1)" \
	"1000000000 1000000000"
expect_eq "capacity of r5-r6 (a prefix rule)" "$(R HGET ${P}capacity 10.255.0.5-10.255.0.6)" 100000000
expect_eq "the equal-cost pair r1 -> r5" "$(grep '^pair 10.255.0.1 10.255.0.5 ' "$T/redis")" \
	"$(grep '^pair 10.255.0.1 10.255.0.5 ' "$T/oracle")"
echo PASS
