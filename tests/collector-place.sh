#!/bin/sh
# Placement end to end: the flows of tests/data/collector/lab-flows (between
# the stub networks of the recorded OSPF lab, with equal-cost splits, a LAN,
# inter-area destinations and unroutable flows) are written as packets into
# a capture, which anemone-exporter sends as IPFIX to anemone-collector
# holding the lab's topology (the database document anemone-ospfmon writes).
# The per-link and per-pair counters in Redis must equal what
# tests/place-oracle computes for the same flows with its own Dijkstra over
# ospfmon's topology document, and the unrouted counts its reasons.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need redis-server redis-cli python3 ss

COLLECTOR="$top_builddir/collector/anemone-collector"
D="$top_srcdir/tests/data"
PORT=$(free_port)
redis_start

# The flows, with room for the IP and UDP headers in every packet (28 bytes,
# IPv6 48); bytes that do not divide evenly by packets keep the odd shares of
# the splits.
grep -v '^#' "$D/collector/lab-flows" | grep . |
	awk '{ h = index($1, ":") ? 48 : 28; b = $3; if (b < h * $4) b = h * $4 + $3; print $1, $2, b, $4 }' >"$T/flows"
[ "$(wc -l <"$T/flows")" -ge 15 ] || fail "too few flows"

# one UDP flow per line: PACKETS packets whose IP lengths add up to BYTES
python3 - "$T/flows" "$T/flows.pcap" <<'PY' || fail "cannot write the capture"
import ipaddress, struct, sys
out = [struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)]
t = 1700000000 * 1000000
for n, line in enumerate(open(sys.argv[1])):
    src, dst, b, p = line.split()
    b, p = int(b), int(p)
    s, d = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    for i in range(p):
        size = b // p + (1 if i < b % p else 0)
        udp = struct.pack("!HHHH", 1000 + n, 2000 + n, size - (20 if s.version == 4 else 40), 0)
        if s.version == 4:
            pay = b"\0" * (size - 28)
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, size, n, 0, 64, 17, 0, s.packed, d.packed)
            frame = b"\2" * 6 + b"\4" * 6 + b"\x08\x00" + ip + udp + pay
        else:
            pay = b"\0" * (size - 48)
            ip = struct.pack("!IHBB16s16s", 6 << 28, size - 40, 17, 64, s.packed, d.packed)
            frame = b"\2" * 6 + b"\4" * 6 + b"\x86\xdd" + ip + udp + pay
        out.append(struct.pack("<IIII", t // 1000000, t % 1000000, len(frame), len(frame)) + frame)
        t += 1000
open(sys.argv[2], "wb").write(b"".join(out))
PY

"$top_srcdir/tests/place-oracle" "$D/ospf/golden/topology.json" "$T/flows" >"$T/oracle" ||
	fail "place-oracle failed"
grep -q '^pair 10.255.0.1 10.255.0.5 ' "$T/oracle" || fail "the oracle has no r1 -> r5 pair"

cport=$(free_port)
"$COLLECTOR" -l "ipfix:127.0.0.1:$cport" --redis "127.0.0.1:$PORT" \
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
expect_eq "the equal-cost pair r1 -> r5" "$(grep '^pair 10.255.0.1 10.255.0.5 ' "$T/redis")" \
	"$(grep '^pair 10.255.0.1 10.255.0.5 ' "$T/oracle")"
echo PASS
