#!/bin/sh
# The anemone command on a dual-stack network: the database anemone-ospfmon
# makes of the recorded dual-stack FRR lab (tests/data/ospf6/lab.pcap, both
# OSPF versions) in Redis.
#   - path between two IPv6 addresses: the OSPFv3 paths (ECMP shares, costs
#     of OSPFv3's interfaces, the destination's IPv6 prefix), as
#     --dump routes6 has the ingress's routes; IPv4 as before;
#   - topo: every link both versions have is marked so ("v4+v6"); with r4's
#     OSPFv2 router-LSA taken out of the document, its links and itself are
#     drawn as OSPFv3's only (dashed, "IPv6 only"), and the counts say so.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need redis-server redis-cli python3 ss neato

ANEMONE="$top_builddir/cli/anemone"
OSPFMON="$top_builddir/ospfmon/anemone-ospfmon"
D="$top_srcdir/tests/data/ospf6"
PORT=$(free_port)
redis_start
A() { "$ANEMONE" --redis "127.0.0.1:$PORT" "$@"; }

"$OSPFMON" -r "$D/lab.pcap" --lsdb-file "$T/lsdb.json" >/dev/null 2>"$T/mon.err" ||
	fail "ospfmon: $(cat "$T/mon.err")"
R SET anemone:ospf:lsdb "$(cat "$T/lsdb.json")" >/dev/null || fail "cannot load Redis"

info "path: IPv6 as OSPFv3 routes it"
A --json path fd00:100:1::10 fd00:100:5::20 >"$T/path6.json" 2>"$T/err" || fail "path: $(cat "$T/err")"
python3 - "$T/path6.json" <<'EOF' || fail "path fd00:100:1::10 -> fd00:100:5::20: $(cat "$T/path6.json")"
import json, sys
p = json.load(open(sys.argv[1]))
assert p["ingress"] == "10.255.0.1", p["ingress"]
assert p["dst_prefix"] == "fd00:100:5::/64", p["dst_prefix"]
assert [e["router"] for e in p["egresses"]] == ["10.255.0.5"], p["egresses"]
paths = sorted((x["routers"], x["cost"], x["share"]) for x in p["paths"])
assert paths == [(["10.255.0.1", "10.255.0.3", "10.255.0.5"], 20, 0.5),
                 (["10.255.0.1", "10.255.0.4", "10.255.0.5"], 20, 0.5)], paths
for l in p["links"]:
    assert l["cost"] == 10, l
    assert (l["via"] == "10.0.0.1") == (l["a"] == "10.255.0.1"), l   # the LAN, by its IPv4 id
EOF
# the same as r1's own routes to it (--dump routes6): cost 30 = 20 + the stub's 10
"$OSPFMON" -r "$D/lab.pcap" --dump routes6 --root 10.255.0.1 --json 2>/dev/null |
	grep -q '"prefix": "fd00:100:5::/64", "type": "intra", "area": "0.0.0.0", "cost": 30' ||
	fail "r1's route to fd00:100:5::/64 is not cost 30"
A path fd00:100:1::10 fd00:100:5::20 >"$T/path6.txt" 2>"$T/err" || fail "path: $(cat "$T/err")"
grep -q "destination prefix fd00:100:5::/64" "$T/path6.txt" || fail "path text: $(cat "$T/path6.txt")"
A --json path 10.100.1.10 10.100.5.20 >"$T/path4.json" 2>"$T/err" || fail "path (IPv4): $(cat "$T/err")"
grep -q '"dst_prefix":"10.100.5.0/24"' "$T/path4.json" || fail "IPv4 path: $(cat "$T/path4.json")"
A path fd00:100:1::10 2001:db8::1 >"$T/out" 2>&1 && fail "a destination no OSPFv3 prefix holds was routed"
grep -q "no OSPF prefix holds the destination 2001:db8::1" "$T/out" || fail "no-route message: $(cat "$T/out")"

info "topo: both families on one drawing, with the IPv6 flows' load"
# the collector's counters (topo draws a window of them): the lab's IPv6
# flows, placed on the same database
grep -v '^#' "$top_srcdir/tests/data/collector/lab-flows6" | grep . |
	awk '{ b = $3; if (b < 48 * $4) b = 48 * $4 + $3; print $1, $2, b, $4 }' >"$T/flows6"
"$top_srcdir/tests/flows-to-pcap" "$T/flows6" "$T/flows6.pcap" --start "$(date +%s)" ||
	fail "cannot write the capture"
COLLECTOR="$top_builddir/collector/anemone-collector"
cport=$(free_port)
collector_start anemone "ipfix:127.0.0.1:$cport" "" --topology "$T/lsdb.json" --flush 1s
"$EXPORTER" -r "$T/flows6.pcap" -x "ipfix:127.0.0.1:$cport" >"$T/exporter.log" 2>&1 ||
	fail "exporter: $(cat "$T/exporter.log")"
collector_stop "$cport"
[ -z "$(R HGET anemone:totals unrouted:ipv6:bytes)" ] || fail "IPv6 records unrouted: no OSPFv3?"
A --json topo --dot "$T/both.dot" >"$T/topo.json" 2>"$T/err" || fail "topo: $(cat "$T/err")"
python3 -c 'import json, sys; d = json.load(open(sys.argv[1]))["ospfv3"]
assert d == {"routers": 6, "edges_ipv6_only": 0, "routers_ipv6_only": 0}, d' "$T/topo.json" ||
	fail "topo counts: $(cat "$T/topo.json")"
n=$(grep -c 'v4+v6' "$T/both.dot")
[ "$n" -eq 8 ] || fail "$n edges marked v4+v6, want the 4 p2p links and 4 LAN attachments: $(cat "$T/both.dot")"
! grep -q 'IPv6 only' "$T/both.dot" || fail "an IPv6-only element where both versions agree"
# r4 without its OSPFv2 router-LSA
python3 - "$T/lsdb.json" "$T/lsdb-no4.json" <<'EOF' || fail "cannot edit the document"
import json, sys
d = json.load(open(sys.argv[1]))
n = len(d["lsas"])
d["lsas"] = [l for l in d["lsas"] if not (l.get("ospf", 2) == 2 and l["hex"][6:8] == "01"
                                          and l["hex"][16:24] == "0aff0004")]
assert len(d["lsas"]) == n - 1, "no OSPFv2 router-LSA of 10.255.0.4"
json.dump(d, open(sys.argv[2], "w"))
EOF
R SET anemone:ospf:lsdb "$(cat "$T/lsdb-no4.json")" >/dev/null || fail "cannot load Redis"
A --json topo --dot "$T/no4.dot" >"$T/topo4.json" 2>"$T/err" || fail "topo: $(cat "$T/err")"
python3 -c 'import json, sys; d = json.load(open(sys.argv[1]))["ospfv3"]
assert d == {"routers": 6, "edges_ipv6_only": 2, "routers_ipv6_only": 1}, d' "$T/topo4.json" ||
	fail "topo counts without r4's OSPFv2: $(cat "$T/topo4.json")"
grep -q '"10.255.0.4" \[id="router-10.255.0.4", style="rounded,filled,dashed"' "$T/no4.dot" ||
	fail "r4 not drawn as OSPFv3's only: $(grep 10.255.0.4 "$T/no4.dot")"
grep -q '"10.255.0.4" -- "net-10.0.0.1" \[id="link6-10.255.0.4-10.0.0.1", style=dashed' "$T/no4.dot" ||
	fail "r4's LAN attachment not drawn as OSPFv3's only: $(grep 10.255.0.4 "$T/no4.dot")"
grep -q 'id="link6-10.255.0.4-10.255.0.5", style=dashed, label="10/10\\nIPv6 only"' "$T/no4.dot" ||
	fail "r4-r5 not drawn as OSPFv3's only: $(grep 10.255.0.4 "$T/no4.dot")"
A topo --dot "$T/no4b.dot" >"$T/topo4.txt" 2>&1 || fail "topo: $(cat "$T/topo4.txt")"
grep -q "OSPFv3 too: 6 routers; 2 links and 1 routers IPv6 only" "$T/topo4.txt" || fail "topo text: $(cat "$T/topo4.txt")"
exit 0
