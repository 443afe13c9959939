#!/bin/sh
# The Grafana dashboard (etc/grafana/anemone.json) against what the programs
# really write.  A private redis-server is filled as in production:
# anemone-ospfmon replays the lab's OSPF capture (tests/data/ospf/lab.pcap),
# publishing the ospf: keys and saving its LSDB snapshot; anemone-collector
# places NetFlow v5 on that topology (--topology SNAPSHOT) and writes the
# series, counters, indexes and top-N sets, and (router r3 exporting from
# 127.0.0.2, with observation points) a link's measured load.  The flows come from a capture
# made here of TCP and UDP conversations between hosts of the lab's stub
# networks (10.100.1.0/24 ... 10.100.6.0/24), exported by anemone-exporter.
# Then tests/grafana-queries runs every panel's query, for every link, pair
# and exporter of the index sets, over the whole time range, and checks that
# each returns data of the shape its panel shows.  Last, the same dashboard
# with a prefix nothing was written under must fail, naming the panels.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need redis-server redis-cli python3 ss

COLLECTOR="$top_builddir/collector/anemone-collector"
OSPFMON="$top_builddir/ospfmon/anemone-ospfmon"
QUERIES="$top_srcdir/tests/grafana-queries"
DASHBOARD="$top_srcdir/etc/grafana/anemone.json"
[ -x "$COLLECTOR" ] || skip "$COLLECTOR is not built"

PORT=$(free_port)
redis_start

info "OSPF: the lab's capture through anemone-ospfmon"
"$OSPFMON" -r "$top_srcdir/tests/data/ospf/lab.pcap" -s "$T/lab.snap" \
	--redis "127.0.0.1:$PORT" >"$T/ospfmon.out" 2>"$T/ospfmon.log" ||
	fail "anemone-ospfmon: $(cat "$T/ospfmon.log")"
[ -s "$T/lab.snap" ] || fail "anemone-ospfmon saved no snapshot"
[ -n "$(R GET anemone:ospf:version)" ] || fail "anemone-ospfmon published nothing"
info "topology version $(R GET anemone:ospf:version), $(R LLEN anemone:ospf:events) events"

# Flows between hosts of the stub networks, timestamps from now: a few
# packets each way; every record has a path across the lab.
python3 - "$T/flows.pcap" <<'PY' || fail "cannot write the capture"
import struct, sys, time

def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    return ~(s + (s >> 16)) & 0xffff

def ip(a):
    return bytes(int(x) for x in a.split("."))

def packet(src, dst, proto, sport, dport, size, flags=0x18):
    if proto == 6:
        l4 = struct.pack("!HHIIBBHHH", sport, dport, 1, 1, 5 << 4, flags, 65535, 0, 0)
    else:
        l4 = struct.pack("!HHHH", sport, dport, 8 + size, 0)
    l4 += bytes(size)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0, 64, proto, 0, ip(src), ip(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
    return eth + hdr + l4

flows = [   # src, dst, proto, sport, dport, packets, payload
    ("10.100.1.10", "10.100.5.20", 6, 40001, 443, 12, 1200),
    ("10.100.5.20", "10.100.1.10", 6, 443, 40001, 12, 40),
    ("10.100.2.30", "10.100.6.40", 17, 5353, 53, 5, 80),
    ("10.100.6.40", "10.100.2.30", 17, 53, 5353, 5, 200),
    ("10.100.3.10", "10.100.4.20", 17, 5000, 5001, 8, 900),
    ("10.100.4.20", "10.100.1.10", 6, 40002, 22, 6, 300),
    ("10.100.6.40", "10.100.3.10", 6, 40003, 80, 4, 500),
]
t0 = time.time() - 10
pkts = []
for i, (s, d, p, sp, dp, n, size) in enumerate(flows):
    for k in range(n):
        pkts.append((t0 + k * 0.25 + i * 0.01, packet(s, d, p, sp, dp, size)))
pkts.sort(key=lambda x: x[0])
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for ts, b in pkts:
        f.write(struct.pack("<IIII", int(ts), int((ts % 1) * 1e6), len(b), len(b)) + b)
PY

info "traffic: the capture through anemone-exporter (v5) into anemone-collector"
CPORT=$(free_port)
collector_up() { grep -q "listening on" "$T/collector.log"; }
# and the router r3 exporting too, from 127.0.0.2: its interface 5 faces r1
# (which exports as well, interface 1), so what it reports entering there is
# transit: the measured load of r1 -> r3 (the panel "Placed and measured")
printf '%s\n' 'exporters = (' \
	'  { address = "127.0.0.2"; interface = 1; router = "10.255.0.1"; role = "edge"; },' \
	'  { address = "127.0.0.2"; interface = 5; router = "10.255.0.3"; role = "core";' \
	'    neighbour = "10.255.0.1"; }' ');' >"$T/collector.conf"
"$COLLECTOR" -c "$T/collector.conf" -l "udp:127.0.0.1:$CPORT" --redis "127.0.0.1:$PORT" \
	--topology "$T/lab.snap" --flush 1s >"$T/collector.log" 2>&1 &
CPID=$!
BG_PIDS="$BG_PIDS $CPID"
wait_for 10 collector_up || fail "collector did not start: $(cat "$T/collector.log")"
"$EXPORTER" -r "$T/flows.pcap" -x "v5:127.0.0.1:$CPORT" >"$T/exporter.log" 2>&1 ||
	fail "exporter: $(cat "$T/exporter.log")"
python3 - "$CPORT" <<'PY' || fail "cannot send r3's records"
import socket, struct, sys
ip = lambda s: struct.unpack("!I", socket.inet_aton(s))[0]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.2", 0))
hdr = struct.pack("!HHIIIIBBH", 5, 2, 100000, 1700000000, 0, 0, 0, 0, 0)
rec = lambda src, dst: struct.pack("!IIIHHIIIIHHBBBBHHBBH", ip(src), ip(dst), 0, 5, 0, 10, 5000,
                                   90000, 99000, 1, 2, 0, 0, 17, 0, 0, 0, 0, 0, 0)
s.sendto(hdr + rec("10.100.1.10", "10.100.5.1") + rec("10.100.1.11", "10.100.5.2"),
         ("127.0.0.1", int(sys.argv[1])))
PY
wait_for 10 udp_drained "$CPORT" || fail "the collector does not read its socket"
kill -TERM "$CPID"
wait "$CPID" || fail "collector exit status $?: $(tail -5 "$T/collector.log")"
grep -q "topology loaded" "$T/collector.log" ||
	fail "the collector did not load $T/lab.snap: $(cat "$T/collector.log")"
[ "$(R HGET anemone:collector:stats routed)" -gt 0 ] 2>/dev/null ||
	fail "no record placed on the topology: $(R HGETALL anemone:collector:stats | paste -sd' ')"
expect_eq "records in anemone:totals" "flows=$(R HGET anemone:totals flows)" \
	"$("$PCAP_TOTALS" --ipv4-only "$T/flows.pcap" | sed 's/ .*//')"
info "written: links $(R SMEMBERS anemone:links | paste -sd' '), pairs $(R SMEMBERS anemone:pairs | paste -sd' ')"
expect_eq "measured links" "$(R SMEMBERS anemone:measureds)" 10.255.0.1-10.255.0.3
expect_eq "records-transit" "$(R HGET anemone:collector:stats records-transit)" 2

info "every panel's query"
"$QUERIES" "$DASHBOARD" 127.0.0.1 "$PORT" >"$T/queries.out" 2>&1 ||
	fail "$(cat "$T/queries.out")"
cat "$T/queries.out"

info "the same dashboard on an empty prefix fails"
python3 - "$DASHBOARD" "$T/empty.json" <<'PY' || fail "cannot write the dashboard copy"
import json, sys
d = json.load(open(sys.argv[1]))
for v in d["templating"]["list"]:
    if v["name"] == "prefix":
        v["query"] = "nothing-here:"
        v["current"] = {"text": "nothing-here:", "value": "nothing-here:"}
json.dump(d, open(sys.argv[2], "w"))
PY
"$QUERIES" "$T/empty.json" 127.0.0.1 "$PORT" >"$T/empty.out" 2>&1
expect_eq "exit status on an empty prefix" "$?" 1
grep -q "^FAIL panel 'Total traffic.*XRANGE nothing-here:total:1m - +: no entries" "$T/empty.out" ||
	fail "the failure does not name the panel and the query: $(cat "$T/empty.out")"
grep -q "^FAIL variable \$link: SMEMBERS nothing-here:links: no values" "$T/empty.out" ||
	fail "an empty index set is not reported: $(cat "$T/empty.out")"
info "$(grep -c '^FAIL' "$T/empty.out") failures reported, e.g. $(grep -m1 '^FAIL panel' "$T/empty.out")"
echo PASS
