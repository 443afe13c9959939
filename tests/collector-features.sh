#!/bin/sh
# The collector's listeners and topology handling, each against real peers:
#  - an IPv6 listener ([::1]) taking IPFIX from anemone-exporter;
#  - forwarding: every datagram also goes, unchanged, to an nfcapd, whose
#    nfdump totals equal the capture's;
#  - the allow-list: an exporter outside it is dropped and counted;
#  - sampling: anemone-exporter sampling 1 in 10 deterministically, as v5
#    (rate in the header) and IPFIX (rate in an options record): the
#    collector's packets are the capture's, scaled back exactly; and a
#    capture sampled 1 in 10 upstream (sampling mode "upstream"): every
#    packet metered, the collector's counts are the capture's times 10;
#  - the exporter -> router map: records whose source no OSPF prefix owns
#    enter at the router the configuration names;
#  - --clock exporter: the buckets are the export times of a capture's
#    flows (minutes apart, years ago), not the time they arrived; a
#    datagram the collector does not take (a sender outside the
#    allow-list, a version the listener does not take, a malformed v5
#    header) dated a day later does not move that clock;
#  - at SIGTERM, what the sockets hold (IPFIX connections not yet accepted,
#    their data, queued datagrams) is counted, not dropped;
#  - the topology from Redis, reloaded when anemone-ospfmon publishes a new
#    version (the lab's cost change moves r1 -> r5 off the r3 path), with no
#    record lost across the reload.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need redis-server redis-cli nfcapd nfdump python3 ss

OSPFMON="$top_builddir/ospfmon/anemone-ospfmon"
D="$top_srcdir/tests/data"
PORT=$(free_port)
redis_start

start() {   # start NAME LISTEN CONFIG-TEXT OPTIONS...
	collector_start "$@" --flush 1s
}
stop() { collector_stop "$1"; }

CAP="$CAPS/v4-mixed.pcap"
want=$("$PCAP_TOTALS" "$CAP")
want_bytes=$(echo "$want" | sed 's/.*octets=\([0-9]*\).*/\1/')

info "IPv6 listener, forwarding to nfcapd"
nfcapd_start "$T/fwd"
cport=$(free_port)
start v6 "ipfix:[::1]:$cport" "forward = [ \"127.0.0.1:$NFCAPD_PORT\" ];" --topology none
"$EXPORTER" -r "$CAP" -x "ipfix:[::1]:$cport" >"$T/exp.log" 2>&1 || fail "exporter: $(cat "$T/exp.log")"
stop "$cport"
nfcapd_stop
expect_eq "v6: bytes in Redis" "$(R HGET v6:totals bytes)" "$want_bytes"
expect_eq "v6: exporter seen over IPv6 (domain 1)" "$(R SMEMBERS v6:exporters)" "::1/1"
expect_eq "forwarded to nfcapd: nfdump totals" "$(nfdump_totals "$T/fwd")" "$want"
expect_eq "forwarded datagrams" "$(cstat v6 forwarded)" "$(cstat v6 datagrams)"
expect_eq "forward errors" "$(cstat v6 forward-errors)" 0

info "allow-list"
cport=$(free_port)
start allow "v5:127.0.0.1:$cport" 'allow = [ "192.0.2.0/24", "2001:db8::/32" ];' --topology none
"$EXPORTER" -r "$CAP" -x "v5:127.0.0.1:$cport" >"$T/exp.log" 2>&1 || fail "exporter"
stop "$cport"
[ "$(cstat allow datagrams)" -gt 0 ] || fail "allow: nothing received"
expect_eq "allow: dropped-not-allowed = every datagram" "$(cstat allow dropped-not-allowed)" \
	"$(cstat allow datagrams)"
expect_eq "allow: nothing counted" "$(R HGET allow:totals flows)" ""
cport=$(free_port)
start allowtcp "ipfix+tcp:127.0.0.1:$cport" 'allow = [ "192.0.2.0/24" ];' --topology none
"$EXPORTER" -r "$CAP" -x "ipfix+tcp:127.0.0.1:$cport" >"$T/exp.log" 2>&1
wait_for 10 grep -q "connection from 127.0.0.1:[0-9]* refused: not in 'allow'" "$T/allowtcp.log" ||
	fail "allow: the TCP connection was not refused"
collector_stop
[ "$(cstat allowtcp dropped-not-allowed)" -ge 1 ] || fail "allow: TCP refusal not counted"
expect_eq "allow over TCP: nothing counted" "$(R HGET allowtcp:totals flows)" ""

info "exporter -> router map"
printf '10.9.9.9 10.100.1.1 2800 10\n10.100.1.10 10.100.5.20 1000 10\n' >"$T/map.flows"
"$top_srcdir/tests/flows-to-pcap" "$T/map.flows" "$T/map.pcap" || fail "flows-to-pcap"
cport=$(free_port)
start map "ipfix:127.0.0.1:$cport" \
	'exporters = ( { address = "127.0.0.1"; router = "10.255.0.3"; } );' \
	--topology "$D/collector/lab-lsdb.json"
"$EXPORTER" -r "$T/map.pcap" -x "ipfix:127.0.0.1:$cport" >"$T/exp.log" 2>&1 || fail "exporter"
stop "$cport"
expect_eq "map: pairs (both flows enter at r3)" "$(R SMEMBERS map:pairs | sort | tr '\n' ' ')" \
	"10.255.0.3-10.255.0.1 10.255.0.3-10.255.0.5 "
expect_eq "map: r3 -> r1 bytes" "$(R HGET map:pair:10.255.0.3-10.255.0.1 bytes)" 2800
expect_eq "map: nothing unrouted" "$(cstat map unrouted)" 0

info "sampling: counts scaled by the rate, from the v5 header and from IPFIX options"
GEN_CAPTURE_BIN="$T/gen-capture" sh "$top_srcdir/bench/gen-capture" -n 20000 -f 500 \
	-o "$T/samp.pcap" >/dev/null 2>&1 || fail "cannot generate the capture"
printf 'sampling = { rate = 10; mode = "deterministic"; };\n' >"$T/samp-exp.conf"
for proto in v5 ipfix; do
	cport=$(free_port)
	start "samp$proto" "$proto:127.0.0.1:$cport" "" --topology none
	"$EXPORTER" -c "$T/samp-exp.conf" -r "$T/samp.pcap" -x "$proto:127.0.0.1:$cport" \
		>"$T/exp.log" 2>&1 || fail "exporter: $(cat "$T/exp.log")"
	stop "$cport"
done
pk5=$(R HGET sampv5:totals packets) pki=$(R HGET sampipfix:totals packets)
expect_eq "sampling: v5 and IPFIX scale alike" "$pk5" "$pki"
expect_eq "sampling: packets a multiple of the rate" "$((pk5 % 10))" 0
expect_eq "sampling: 1 in 10 of 20000 packets, scaled back" "$pk5" 20000

# 2000 packets as a 1-in-10 packet broker would pass them on
GEN_CAPTURE_BIN="$T/gen-capture" sh "$top_srcdir/bench/gen-capture" -n 2000 -f 500 \
	-o "$T/up.pcap" >/dev/null 2>&1 || fail "cannot generate the capture"
up_bytes=$("$PCAP_TOTALS" "$T/up.pcap" | sed 's/.*octets=\([0-9]*\).*/\1/')
printf 'sampling = { rate = 10; mode = "upstream"; };\n' >"$T/up-exp.conf"
for proto in v5 ipfix; do
	cport=$(free_port)
	start "up$proto" "$proto:127.0.0.1:$cport" "" --topology none
	"$EXPORTER" -c "$T/up-exp.conf" -r "$T/up.pcap" -x "$proto:127.0.0.1:$cport" \
		>"$T/exp.log" 2>&1 || fail "exporter: $(cat "$T/exp.log")"
	expect_eq "upstream $proto: nothing sampled out" "$(exporter_stat "$T/exp.log" sampled-out)" 0
	stop "$cport"
	expect_eq "upstream $proto: 2000 packets seen, 20000 counted" "$(R HGET "up$proto:totals" packets)" 20000
	expect_eq "upstream $proto: bytes 10 x the capture's" "$(R HGET "up$proto:totals" bytes)" \
		"$((up_bytes * 10))"
done

info "--clock exporter: buckets follow the export time"
printf '10.100.1.10 10.100.5.%d 1000 1\n' 1 2 3 4 5 6 >"$T/clk.flows"
"$top_srcdir/tests/flows-to-pcap" --start 1700000000 --gap-us 30000000 "$T/clk.flows" \
	"$T/clk.pcap" || fail "flows-to-pcap"
cport=$(free_port)
start clk "ipfix:127.0.0.1:$cport" "clock = \"exporter\";" --topology none
"$EXPORTER" -r "$T/clk.pcap" -x "ipfix:127.0.0.1:$cport" >"$T/exp.log" 2>&1 || fail "exporter"
stop "$cport"
# the six one-packet flows are at 1700000000 + 0, 30, ..., 150 s.  Reading a
# file, the exporter's time is the packets': the next packet shows the last
# flow idle (15 s), so the flows go out at +60 (two), +90, +120 and +150
# (the last two, at the end): minutes 1700000040 and 1700000100
ids=$(R XRANGE clk:total:1m - + | grep -E '^[0-9]+-[0-9]+$' | sed 's/-.*//' | tr '\n' ' ')
expect_eq "clock exporter: 1-minute buckets of the capture's time" "$ids" \
	"1700000040000 1700000100000 "
ids=$(R XRANGE clk:total:1s - + | grep -E '^[0-9]+-[0-9]+$' | sed 's/-.*//' | tr '\n' ' ')
expect_eq "clock exporter: 1-second buckets" "$ids" \
	"1700000060000 1700000090000 1700000120000 1700000150000 "
expect_eq "clock exporter: every flow counted" "$(R HGET clk:totals flows)" 6
expect_eq "clock exporter: the newest 1m bucket" "$(R GET clk:updated:1m)" 1700000100000

info "--clock exporter: only what is taken moves the clock"
# v5 datagrams of one record exported 1 s apart from 127.0.0.1, the only
# allowed sender; after the first, datagrams dated a day later that the
# collector does not take: v5 from 127.0.0.2 (not allowed), v9 from
# 127.0.0.1 (not a version the listener takes), and a v5 datagram whose
# length disagrees with its count.  None may move the clock: each honest
# datagram closes the bucket of the one before, and none lands in a bucket
# a day ahead.
cport=$(free_port)
start clkf "v5:127.0.0.1:$cport" 'clock = "exporter"; allow = [ "127.0.0.1/32" ];' --topology none
python3 - "$cport" <<'PY' || fail "clock: cannot send"
import socket, struct, sys
port = int(sys.argv[1])
T0 = 1700000200
def v5(secs, seq, count=1, records=1):
    h = struct.pack("!HHIIIIBBH", 5, count, 100000, secs, 0, seq, 0, 1, 0)
    r = struct.pack("!IIIHHIIIIHHBBBBHHBBH", 0x0a640a0a, 0x0a640501, 0, 1, 2, 1, 100,
                    90000, 99000, 1, 2, 0, 0, 17, 0, 0, 0, 24, 24, 0)
    return h + r * records
def send(data, src="127.0.0.1"):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    s.sendto(data, ("127.0.0.1", port))
    s.close()
send(v5(T0, 0))
send(v5(T0 + 86400, 0), "127.0.0.2")
send(struct.pack("!HHIIII", 9, 0, 100000, T0 + 86400, 0, 0))
send(v5(T0 + 86400, 1, count=30))
for i in range(1, 5):
    send(v5(T0 + i, i))
PY
stop "$cport"
expect_eq "clock: not allowed, wrong version, malformed" \
	"$(cstat clkf dropped-not-allowed) $(cstat clkf dropped-version) $(cstat clkf dropped-bad-v5)" "1 1 1"
ids=$(R XRANGE clkf:total:1s - + | grep -E '^[0-9]+-[0-9]+$' | sed 's/-.*//' | tr '\n' ' ')
expect_eq "clock: one 1-second bucket per honest datagram" "$ids" \
	"1700000200000 1700000201000 1700000202000 1700000203000 1700000204000 "
expect_eq "clock: every honest flow counted" "$(R HGET clkf:totals flows)" 5

info "exit: what the sockets hold at SIGTERM is counted"
# Stopped, the collector reads nothing: the kernel accepts two IPFIX
# connections and queues their data, and queues v5 datagrams.  SIGTERM then
# SIGCONT: everything the kernel acknowledged must be in Redis, though at
# most one connection is accepted (and none read) in the loop's last turn.
# A third connection stops inside a message (its header announces 100
# bytes, 20 come) and stays open: closed at exit, and logged.
cport=$(free_port)
start held "ipfix+tcp:127.0.0.1:$cport" "" --topology none -l "v5:127.0.0.1:$cport"
kill -STOP "$CPID"
for x in "ipfix+tcp:127.0.0.1:$cport" "ipfix+tcp:127.0.0.1:$cport" "v5:127.0.0.1:$cport"; do
	"$EXPORTER" -r "$CAP" -x "$x" >"$T/exp.log" 2>&1 || fail "exporter to $x: $(cat "$T/exp.log")"
done
python3 -c 'import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(bytes([0, 10, 0, 100]) + bytes(16))
open(sys.argv[2], "w").close()
time.sleep(60)' "$cport" "$T/partial.sent" &
BG_PIDS="$BG_PIDS $!"
wait_for 10 test -e "$T/partial.sent" || fail "held: the partial message was not sent"
kill -TERM "$CPID"
kill -CONT "$CPID"
wait "$CPID" || fail "held: the collector's exit status: $?"
grep -q "IPFIX connection from 127.0.0.1:[0-9]*: closed at exit with 20 bytes of a message not yet complete" \
	"$T/held.log" || fail "held: the connection left inside a message was not reported: $(cat "$T/held.log")"
expect_eq "held at exit: bytes in Redis" "$(R HGET held:totals bytes)" "$((3 * want_bytes))"
expect_eq "held at exit: connections accepted" "$(grep -c ":$cport: IPFIX connection from" "$T/held.log")" 3

info "topology from Redis, reloaded on a new version"
"$OSPFMON" -r "$D/ospf/lab.pcap" --redis "127.0.0.1:$PORT" >"$T/ospf1.log" 2>&1 ||
	fail "ospfmon: $(cat "$T/ospf1.log")"
v1=$(R GET anemone:ospf:version)
printf '10.100.1.10 10.100.5.20 10000 10\n' >"$T/r1r5.flows"
"$top_srcdir/tests/flows-to-pcap" "$T/r1r5.flows" "$T/r1r5.pcap" || fail "flows-to-pcap"
cport=$(free_port)
start reload "ipfix:127.0.0.1:$cport" 'topology = { prefix = "anemone:"; check-interval = "200ms"; };' \
	--topology redis
wait_for 10 grep -q "topology loaded" "$T/reload.log" || fail "reload: no topology loaded"
"$EXPORTER" -r "$T/r1r5.pcap" -x "ipfix:127.0.0.1:$cport" >"$T/exp.log" 2>&1 || fail "exporter"
wait_for 10 udp_drained "$cport"
# the interval written: the 10,000 bytes of r1 -> r5 on the two links
r1r5_written() {
	r3r5=$(R HGET reload:link:10.255.0.3-10.255.0.5 bytes)
	r4r5=$(R HGET reload:link:10.255.0.4-10.255.0.5 bytes)
	[ $((${r3r5:-0} + ${r4r5:-0})) -eq 10000 ]
}
wait_for 20 r1r5_written
expect_eq "reload: before the change, r1 -> r5 splits over r3 and r4" "$r3r5 $r4r5" "5000 5000"
"$OSPFMON" -r "$D/ospf/lab.pcap" -r "$D/ospf/change-cost.pcap" --redis "127.0.0.1:$PORT" \
	>"$T/ospf2.log" 2>&1 || fail "ospfmon: $(cat "$T/ospf2.log")"
v2=$(R GET anemone:ospf:version)
[ "$v2" != "$v1" ] || fail "the second publication has the same version"
wait_for 10 grep -q "ospf:lsdb version $v2: topology loaded" "$T/reload.log" ||
	fail "reload: version $v2 was not loaded"
"$EXPORTER" -r "$T/r1r5.pcap" -x "ipfix:127.0.0.1:$cport" >"$T/exp.log" 2>&1 || fail "exporter"
stop "$cport"
expect_eq "reload: after the cost change, r3 -> r5 unchanged" \
	"$(R HGET reload:link:10.255.0.3-10.255.0.5 bytes)" "$r3r5"
expect_eq "reload: and r4 -> r5 took the whole flow" \
	"$(R HGET reload:link:10.255.0.4-10.255.0.5 bytes)" "$((r4r5 + 10000))"
[ "$(cstat reload topology-loads)" -ge 2 ] || fail "reload: topology-loads $(cstat reload topology-loads)"
expect_eq "reload: records, none lost" "$(R HGET reload:totals flows) $(cstat reload unrouted)" "2 0"
echo PASS
