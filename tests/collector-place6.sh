#!/bin/sh
# IPv6 placement end to end, on OSPFv3: the flows of
# tests/data/collector/lab-flows6 (between the IPv6 stubs of the recorded
# dual-stack lab, tests/data/ospf6: equal-cost splits, the LAN, inter-area
# and external destinations, unroutable flows), with the IPv4 flows of
# lab-flows beside them, are written as packets into a capture, which
# anemone-exporter sends to anemone-collector holding the database document
# anemone-ospfmon makes of the lab's monitor segment (both OSPF versions),
# once as IPFIX and once as NetFlow v9 (two collectors, two key prefixes).
# The per-link, per-pair and unrouted counters in Redis must equal what
# tests/place-oracle computes for the same flows from FRR's own LSDB dumps
# and routing tables (tests/data/ospf6/routes: ospf6d's and ospfd's), and
# no flow may be unrouted as "ipv6".
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need redis-server redis-cli python3 ss

OSPFMON="$top_builddir/ospfmon/anemone-ospfmon"
D="$top_srcdir/tests/data"
R6="$D/ospf6/routes"
PORT=$(free_port)
redis_start

# the database document: OSPFv2 and OSPFv3 LSAs
"$OSPFMON" -r "$D/ospf6/lab.pcap" --lsdb-file "$T/lsdb.json" >"$T/ospfmon.log" 2>&1 ||
	fail "anemone-ospfmon: $(cat "$T/ospfmon.log")"
n3=$(python3 -c 'import json, sys
print(sum(1 for l in json.load(open(sys.argv[1]))["lsas"] if l.get("ospf") == 3))' "$T/lsdb.json") ||
	fail "the database document is not JSON: $(head -c 300 "$T/lsdb.json")"
[ "$n3" -ge 20 ] || fail "only $n3 OSPFv3 LSAs in the database document"
info "database document: $n3 OSPFv3 LSAs"

# the flows (IPv6 packets need 48 bytes of headers each, IPv4 28)
grep -v '^#' "$D/collector/lab-flows6" | grep . |
	awk '{ h = index($1, ":") ? 48 : 28; b = $3; if (b < h * $4) b = h * $4 + $3; print $1, $2, b, $4 }' >"$T/flows"
n6=$(wc -l <"$T/flows")
[ "$n6" -ge 20 ] || fail "too few IPv6 flows: $n6"
lab_flows "$T/flows4"
cat "$T/flows4" >>"$T/flows"
"$top_srcdir/tests/flows-to-pcap" "$T/flows" "$T/flows.pcap" || fail "cannot write the capture"

"$top_srcdir/tests/place-oracle" --nets --ospf6 "$R6/r1.lsdb6.json" "$R6/r1.lsdb.json" "$R6" "$T/flows" \
	>"$T/oracle.all" 2>"$T/oracle.err" || fail "place-oracle failed: $(cat "$T/oracle.err")"
# (routes where FRR's ospf6d lost equal-cost next hops that ospfd has: the
# oracle adds them, and says so)
[ ! -s "$T/oracle.err" ] || info "$(sed 's/^place-oracle: /FRR: /' "$T/oracle.err")"
grep -v '^net ' "$T/oracle.all" | LC_ALL=C sort >"$T/want"
grep '^net ' "$T/oracle.all" >"$T/nets"
# what the IPv6 flows are on their own, and their equal-cost splits
grep -v '^#' "$D/collector/lab-flows6" | grep . >"$T/flows6"
"$top_srcdir/tests/place-oracle" --per-flow --ospf6 "$R6/r1.lsdb6.json" "$R6/r1.lsdb.json" "$R6" \
	"$T/flows6" >"$T/per-flow6" 2>/dev/null || fail "place-oracle --per-flow failed"
! grep -q ' unrouted ipv6 \| unrouted frr-no-nexthop \| unrouted unknown-nexthop ' "$T/per-flow6" ||
	fail "the oracle cannot place IPv6 flows: $(grep ' unrouted ' "$T/per-flow6")"
splits=$(awk '$2 == "link" { n[$1 " " $3]++ } END { for (k in n) if (n[k] > 1) s++; print s + 0 }' "$T/per-flow6")
[ "$splits" -ge 10 ] || fail "only $splits equal-cost splits in the IPv6 flows"
# the first flow, r1 -> r5 (1001 bytes, 11 packets): equal cost via r3 and
# r4 over the LAN, the odd shares to the lower router id (place.h: not the
# link-local order, which depends on the links a monitor hears)
expect_eq "r1 -> r5: equal cost via r3 and r4, r3 (lower router id) first" \
	"$(grep '^1 link 10.255.0.1 ' "$T/per-flow6" | sort -k6,6nr | head -1 | cut -d' ' -f4-6)" \
	"10.255.0.3 501 6"
expect_eq "r1 -> r5: the pair" "$(grep '^1 pair' "$T/per-flow6")" "1 pair 10.255.0.1 10.255.0.5 1001 11"
info "oracle: $(grep -c '^link' "$T/want") links, $(grep -c '^pair' "$T/want") pairs; the IPv6 flows meet $splits equal-cost splits"

# place: IPFIX, then NetFlow v9, each into a collector of its own
for proto in ipfix v9; do
	cport=$(free_port)
	collector_start "$proto" "$proto:127.0.0.1:$cport" "" --topology "$T/lsdb.json" --flush 1s
	wait_for 10 grep -q "topology loaded" "$T/$proto.log" ||
		fail "$proto: the collector did not load the topology: $(cat "$T/$proto.log")"
	"$EXPORTER" -r "$T/flows.pcap" -x "$proto:127.0.0.1:$cport" >"$T/exporter-$proto.log" 2>&1 ||
		fail "exporter ($proto): $(cat "$T/exporter-$proto.log")"
	collector_stop "$cport"

	# Redis, in the oracle's format
	P=$proto:
	{
		for l in $(R SMEMBERS "${P}links"); do
			echo "link $(echo "$l" | tr - ' ') $(R HGET "${P}link:$l" bytes) $(R HGET "${P}link:$l" packets)"
		done
		for p in $(R SMEMBERS "${P}pairs"); do
			echo "pair $(echo "$p" | tr - ' ') $(R HGET "${P}pair:$p" bytes) $(R HGET "${P}pair:$p" packets)"
		done
		R HGETALL "${P}totals" | paste - - | sed -n 's/^unrouted:\([^:]*\):bytes\t/\1 /p' |
			while read -r why bytes; do
				echo "unrouted $why $bytes $(R HGET "${P}totals" "unrouted:$why:packets")"
			done
	} | LC_ALL=C sort >"$T/redis-$proto"
	diff -u "$T/want" "$T/redis-$proto" >"$T/diff" ||
		fail "$proto: Redis differs from the oracle:
$(cat "$T/diff")"
	none=$(R HGET "${P}totals" unrouted:ipv6:flows)
	expect_eq "$proto: flows unrouted as ipv6" "${none:-none}" none
	expect_eq "$proto: bytes of every flow" "$(R HGET "${P}totals" bytes)" \
		"$(awk '{ s += $3 } END { print s }' "$T/flows")"
	info "$proto: $(grep -vc '^unrouted' "$T/redis-$proto") link and pair totals equal the oracle's; unrouted: $(grep '^unrouted' "$T/redis-$proto" | tr '\n' ';')"
done

# the links IPv6 traffic crossed are the links of the topology (built from
# OSPFv2): the LAN is one link for both families, OSPFv2's network 10.0.0.1
R GET ipfix:link-topology >"$T/links.json"
python3 - "$T/links.json" "$T/nets" <<'PY' || fail "link-topology: $(head -c 600 "$T/links.json")"
import json, sys
links = {l["id"]: l for l in json.load(open(sys.argv[1]))["links"]}
n = 0
for line in open(sys.argv[2]):
    _, a, b, net = line.split()
    l = links.get(a + "-" + b)
    assert l is not None, "%s-%s: not in link-topology" % (a, b)
    want = ("p2p", None) if net == "-" else ("transit", net)
    assert (l["type"], l.get("network")) == want, (a, b, net, l)
    n += 1
print("-- link-topology: the %d links crossed, with their networks (the LAN: 10.0.0.1)" % n)
PY
echo PASS
