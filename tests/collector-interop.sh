#!/bin/sh
# The same capture through exporters into anemone-collector, each run into
# its own key prefix of one private redis-server: anemone-exporter as
# NetFlow v5, NetFlow v9, IPFIX/UDP and IPFIX/TCP, softflowd as NetFlow v9
# and IPFIX; and IPv6 flows as NetFlow v9 and IPFIX (totals as the capture's).
# Totals in Redis must equal the capture's IPv4 totals (tests/pcap-totals,
# decoded by tshark), with no record lost or dropped; and the aggregates the
# collector keeps (per source host, per destination prefix, the time series
# and the per-exporter counters) must be identical whatever the protocol.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need redis-server redis-cli softflowd tshark python3 ss


# The capture, without the Ethernet padding of its short frames: softflowd
# counts a packet's bytes from the captured length, so the 6 bytes after a
# 40-byte TCP ACK in a 60-byte frame would count for it and not for the
# IP-layer counters of the others (the IP total length).
CAP="$T/v4-mixed.pcap"
python3 - "$CAPS/v4-mixed.pcap" "$CAP" <<'PY' || fail "cannot strip the capture"
import struct, sys
d = open(sys.argv[1], "rb").read()
assert struct.unpack_from("<IHHiIII", d)[0] == 0xa1b2c3d4 and struct.unpack_from("<I", d, 20)[0] == 1
out, off = [d[:24]], 24
while off < len(d):
    ts, us, cl, ol = struct.unpack_from("<IIII", d, off)
    fr = d[off + 16:off + 16 + cl]
    off += 16 + cl
    if struct.unpack_from("!H", fr, 12)[0] == 0x800:
        cl = min(cl, 14 + struct.unpack_from("!H", fr, 16)[0])
        fr, ol = fr[:cl], cl
    out.append(struct.pack("<IIII", ts, us, cl, ol) + fr)
open(sys.argv[2], "wb").write(b"".join(out))
PY
PORT=$(free_port)
redis_start

want=$("$PCAP_TOTALS" --ipv4-only "$CAP") || fail "pcap-totals"
want_flows=$(echo "$want" | sed 's/flows=\([0-9]*\).*/\1/')
want_pkts=$(echo "$want" | sed 's/.*packets=\([0-9]*\).*/\1/')
want_bytes=$(echo "$want" | sed 's/.*octets=\([0-9]*\).*/\1/')
info "capture (IPv4): $want"

# run NAME LISTEN-PROTO SENDER...: a collector writing under prefix NAME:,
# listening on LISTEN-PROTO:127.0.0.1:<port>; SENDER (with @PORT@ replaced)
# sends the capture; then the collector is stopped once it has read it all.
run() {
	name=$1 lp=$2; shift 2
	cport=$(free_port)
	collector_start "$name" "$lp:127.0.0.1:$cport" "" --topology none
	cmd=$(echo "$*" | sed "s/@PORT@/$cport/g")
	sh -c "$cmd" >"$T/$name.sender.log" 2>&1 || fail "$name: sender failed: $(cat "$T/$name.sender.log")"
	case $lp in
	*tcp*)   # the collector read the stream to its end: it closed its side
		wait_for 10 sh -c "[ -z \"\$(ss -Htn state connected '( sport = :$cport )')\" ]" ||
			fail "$name: the collector did not read the TCP stream to its end"
		collector_stop ;;
	*) collector_stop "$cport" ;;
	esac
	grep -q "stats datagrams=" "$T/$name.log" || fail "$name: no statistics at exit"
}

# aggregates NAME: every per-host and per-prefix sum (over the 1-hour
# buckets), the total series, the per-exporter counters, sorted
aggregates() {
	for kind in src dstpfx; do
		for k in $(R --scan --pattern "$1:top:$kind:1h:[0-9]*"); do
			R ZRANGE "$k" 0 -1 WITHSCORES
		done | paste - - | awk -v k=$kind '{ s[$1] += $2 } END { for (m in s) print k, m, s[m] }'
	done | sort
	R XRANGE "$1:total:1h" - + | awk '/^(bytes|packets)$/ { f = $1; next } f { t[f] += $1; f = "" }
		END { print "series bytes", t["bytes"], "packets", t["packets"] }'
}

EXP="$EXPORTER -r $CAP"
SFD="softflowd -d -m 100000 -r $CAP -n 127.0.0.1:@PORT@"
run v5 v5 "$EXP -x v5:127.0.0.1:@PORT@"
run ipfix ipfix "$EXP -x ipfix:127.0.0.1:@PORT@"
run tcp ipfix+tcp "$EXP -x ipfix+tcp:127.0.0.1:@PORT@"
run v9 v9 "$EXP -x v9:127.0.0.1:@PORT@"
run sfv9 v9 "$SFD -v 9"
run sfipfix ipfix "$SFD -v 10"

for n in v5 ipfix tcp v9 sfv9 sfipfix; do
	expect_eq "$n: bytes in Redis" "$(R HGET "$n:totals" bytes)" "$want_bytes"
	expect_eq "$n: packets in Redis" "$(R HGET "$n:totals" packets)" "$want_pkts"
	expect_eq "$n: lost records" "$(cstat $n lost)" 0
	for d in not-allowed too-short version exporters-full bad-v5 bad-ipfix; do
		expect_eq "$n: datagrams dropped ($d)" "$(cstat $n dropped-$d)" 0
	done
	expect_eq "$n: unrouted (no topology) = every record" \
		"$(R HGET "$n:totals" unrouted:no-topology:flows)" "$(R HGET "$n:totals" flows)"
	aggregates "$n" >"$T/$n.agg"
	[ -s "$T/$n.agg" ] && [ "$(grep -c '^src ' "$T/$n.agg")" -gt 1 ] ||
		fail "$n: no aggregates: $(cat "$T/$n.agg")"
done
# our exporter's flows are the capture's flows (softflowd keys flows its own way)
for n in v5 ipfix tcp v9; do
	expect_eq "$n: flows in Redis" "$(R HGET "$n:totals" flows)" "$want_flows"
	expect_eq "$n: records" "$(cstat $n records-$(case $n in v5|v9) echo $n ;; *) echo ipfix ;; esac))" "$want_flows"
done
expect_eq "sfv9: records counted as v9" "$(cstat sfv9 records-v9)" "$(R HGET sfv9:totals flows)"
# exporter health: templates for v9/IPFIX exporters, none for v5
for n in ipfix tcp v9 sfv9 sfipfix; do
	t=$(for x in $(R SMEMBERS "$n:exporters"); do R HGET "$n:exporter:$x" templates; done | sort -n | tail -1)
	[ "${t:-0}" -ge 1 ] || fail "$n: no templates in the exporter hash"
	info "$n: templates defined: $t"
done
expect_eq "v5: no templates field" "$(for x in $(R SMEMBERS v5:exporters); do R HEXISTS "v5:exporter:$x" templates; done)" 0

for n in ipfix tcp v9 sfv9 sfipfix; do
	if ! cmp -s "$T/v5.agg" "$T/$n.agg"; then
		diff "$T/v5.agg" "$T/$n.agg" | head -20 >&2
		fail "aggregates of $n differ from v5's"
	fi
	info "$n: $(wc -l <"$T/$n.agg") aggregate lines identical to v5's"
done

# IPv6 flows, which v5 cannot carry: v9 and IPFIX give the capture's totals
V6="$EXPORTER -r $CAPS/v6.pcap"
want6=$("$PCAP_TOTALS" "$CAPS/v6.pcap") || fail "pcap-totals v6.pcap"
run v6v9 v9 "$V6 -x v9:127.0.0.1:@PORT@"
run v6ipfix ipfix "$V6 -x ipfix:127.0.0.1:@PORT@"
for n in v6v9 v6ipfix; do
	expect_eq "$n: totals in Redis" \
		"flows=$(R HGET "$n:totals" flows) packets=$(R HGET "$n:totals" packets) octets=$(R HGET "$n:totals" bytes)" \
		"$want6"
	expect_eq "$n: lost records" "$(cstat $n lost)" 0
done
echo "PASS"
