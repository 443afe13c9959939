#!/bin/sh
# Live capture in a network namespace made by the test: traffic between two
# namespaces over a veth pair is exported to nfcapd (v5) and over IPFIX/TCP;
# the exporter runs as nobody; the capture interface is deleted under it and
# created again, and the flows from before and after are all exported
# (nothing already accounted is lost), with the failure counted.  The IPFIX
# collector is then stopped and replaced: the exporter reconnects and the new
# connection's stream carries its own templates (ipfixDump decodes it alone).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_root
need ip nfcapd nfdump python3 ss

A=anm-live-a-$$ B=anm-live-b-$$
IA=anl$$a IB=anl$$b

mkveth() { veth_between "$A" "$B" "$IA" "$IB" 10.123.0; }
netns_add "$A" "$B" || fail "cannot create namespaces"
ip -n "$A" link set lo up
mkveth || fail "cannot create veth pair"

ns_udp_bound() { ip netns exec "$A" ss -Hlun "sport = :$1" | grep -q .; }
ns_tcp_listening() { ip netns exec "$A" ss -Hltn "sport = :$1" | grep -q .; }

# send COUNT UDP datagrams from B to A with source port SPORT
send() {
	ip netns exec "$B" python3 -c "
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('10.123.0.2', int(sys.argv[2])))
for i in range(int(sys.argv[1])):
    s.sendto(b'x' * 72, ('10.123.0.1', 7))
    time.sleep(0.01)
" "$1" "$2"
}

port=$(free_port)
mkdir -p "$T/nf"
ip netns exec "$A" nfcapd -w "$T/nf" -p "$port" -b 127.0.0.1 -t 3600 >"$T/nfcapd.log" 2>&1 &
nfpid=$!; BG_PIDS="$BG_PIDS $nfpid"
wait_for 10 ns_udp_bound "$port" || fail "nfcapd did not start"

# ns A's own loopback: the collectors live in the namespace too
sink_start() {   # sink_start FILE: IPFIX/TCP sink on $tport in ns A
	ip netns exec "$A" "$top_srcdir/tests/flow-sink" --tcp "$tport" --out "$1" &
	sink=$!; BG_PIDS="$BG_PIDS $sink"
	wait_for 10 ns_tcp_listening "$tport" || fail "flow-sink did not start"
}
tport=$(free_port)
sink_start "$T/conn1.ipfix"

printf 'flows = { idle-timeout = "1s"; };\nexport = { max-hold = "100ms"; };\n' >"$T/live.conf"
ip netns exec "$A" "$EXPORTER" -c "$T/live.conf" -i "$IA" -u nobody -x "v5:127.0.0.1:$port" \
	-x "ipfix+tcp:127.0.0.1:$tport" >"$T/exp.log" 2>&1 &
exp=$!; BG_PIDS="$BG_PIDS $exp"
wait_for 10 grep -q "running as nobody" "$T/exp.log" || fail "exporter did not start: $(cat "$T/exp.log")"
wait_for 10 grep -q "capturing on $IA" "$T/exp.log" || fail "exporter does not capture: $(cat "$T/exp.log")"

uid=$(awk '/^Uid:/ { print $2 }' "/proc/$exp/status")
capeff=$(awk '/^CapEff:/ { print $2 }' "/proc/$exp/status")
expect_eq "exporter uid" "$uid" "$(id -u nobody)"
expect_eq "exporter effective capabilities (CAP_NET_RAW only)" "$capeff" "0000000000002000"

# seen: the packets the exporter has seen, as it last said on SIGUSR1 (each
# call asks again)
seen() { kill -USR1 "$exp"; grep 'stats packets: seen=' "$T/exp.log" | tail -1 | sed 's/.*seen=\([0-9]*\).*/\1/'; }
seen_more() { [ "$(seen)" -ge "$1" ] 2>/dev/null; }
wait_for 5 seen_more 0 || fail "no statistics on SIGUSR1"
seen0=$(seen)
send 20 40001
# all 20 seen before the interface goes: their flow, ended by the 1 s idle
# timeout, has reached the IPFIX collector whole (counting packets seen
# would let other traffic, such as neighbour discovery, stand in for the
# last of the 20)
wait_for 10 seen_more $((seen0 + 20)) || fail "the exporter did not see the 20 packets: $(seen)"
wait_for 10 sh -c "'$top_srcdir/tests/ipfix-records' '$T/conn1.ipfix' | grep -q '^17 40001 7 20 2000 '" ||
	fail "the 20 packets' flow did not reach the IPFIX collector whole"
wait_for 5 grep -q "stats capture $IA: received=" "$T/exp.log" || fail "no statistics on SIGUSR1"
info "$(grep "stats capture" "$T/exp.log" | tail -1)"

# the interface vanishes ...
ip -n "$A" link del "$IA"
wait_for 10 grep -q "$IA: capture failed" "$T/exp.log" || fail "vanished interface not reported: $(cat "$T/exp.log")"
info "$(grep -m1 'capture failed' "$T/exp.log")"
kill -0 "$exp" || fail "exporter died when the interface vanished"
# ... and comes back
mkveth || fail "cannot re-create veth pair"
wait_for 15 grep -q "$IA: capturing again" "$T/exp.log" || fail "capture not re-opened: $(cat "$T/exp.log")"

# the IPFIX collector goes away once the first flows have reached it, and a
# new one takes its place
wait_for 10 sh -c "'$top_srcdir/tests/ipfix-records' '$T/conn1.ipfix' | grep -q '^17 40001 7 20 2000 '" ||
	fail "first flows did not reach the IPFIX collector"
kill -KILL "$sink"; wait "$sink" 2>/dev/null     # the collector dies
wait_for 10 grep -q "collector closed the connection" "$T/exp.log" ||
	fail "closed connection not noticed: $(cat "$T/exp.log")"
# the collector stays away until the exporter found it so
wait_for 10 grep -q "ipfix+tcp:127.0.0.1:$tport: cannot connect" "$T/exp.log" ||
	fail "no failed reconnection while the collector was away: $(cat "$T/exp.log")"
sink_start "$T/conn2.ipfix"
wait_for 40 sh -c "[ \$(grep -c 'ipfix+tcp:127.0.0.1:$tport: connected' '$T/exp.log') -ge 2 ]" ||
	fail "no reconnection: $(cat "$T/exp.log")"
info "$(grep -m1 'cannot connect' "$T/exp.log")"

send 30 40002

# SIGTERM: the exporter accounts what the kernel captured, exports every flow
kill -TERM "$exp"; wait "$exp"; rc=$?
[ "$rc" -eq 0 ] || fail "exporter exit $rc: $(cat "$T/exp.log")"
ns_udp_drained() {
	[ "$(ip netns exec "$A" ss -Hlun "sport = :$1" | awk '{ print $2 }')" = 0 ]
}
wait_for 10 ns_udp_drained "$port" || fail "nfcapd does not read its socket"
kill -TERM "$nfpid"; wait "$nfpid" 2>/dev/null

errors=$(grep "stats capture $IA" "$T/exp.log" | tail -1 | tr ' ' '\n' | sed -n 's/^errors=//p')
expect_eq "capture failures counted" "$errors" 1
got1=$(nfdump -q -R "$T/nf" -o 'fmt:%pkt %byt' -N 'src port 40001 and proto udp' | awk '{p+=$1; o+=$2} END {print p, o}')
got2=$(nfdump -q -R "$T/nf" -o 'fmt:%pkt %byt' -N 'src port 40002 and proto udp' | awk '{p+=$1; o+=$2} END {print p, o}')
expect_eq "packets/octets before the interface vanished" "$got1" "20 2000"
expect_eq "packets/octets after it came back" "$got2" "30 3000"

# the second connection stands alone: templates first, then the new flows
sink_stop "$sink"
"$top_srcdir/tests/ipfix-records" "$T/conn2.ipfix" >"$T/conn2.txt" || fail "ipfixDump on the second connection"
grep -q "^17 40002 7 30 3000 " "$T/conn2.txt" || fail "second connection lacks the new flows: $(cat "$T/conn2.txt")"
info "second IPFIX connection decodes on its own: $(grep -c . "$T/conn2.txt") records"
connects=$(grep "stats export ipfix+tcp" "$T/exp.log" | tail -1 | tr ' ' '\n' | sed -n 's/^connects=//p')
expect_eq "IPFIX/TCP connections made" "$connects" 2
exit 0
