#!/bin/sh
# Observation points from SNMP, against a real snmpd.  In a network
# namespace of the test's own, interfaces with r3's addresses of the
# recorded lab (tests/data/collector/lab-lsdb.json): the LAN 10.0.0.3/24,
# the point-to-point link to r5 10.1.35.3/24, the stub 10.100.3.1/24 and an
# address no router has, 192.0.2.1/24.  snmpd answers there for them
# (numeric OIDs, no MIB files); anemone-collector, Redis and the exporter
# run there too.  Then:
#  - anemone exporters --interfaces shows, from SNMP, r3's LAN interface
#    core on the LAN 10.0.0.1, the one to r5 core facing r5, the stub and
#    the other edge, each by its ifIndex; the links r3 sends on have its
#    interfaces' speeds as capacities;
#  - records entering by the interface facing r5 are measured on r5 -> r3,
#    and counted once: r5 does not export, so r3 is the first exporting
#    router of their path; records of the stub interface are counted at r3;
#  - snmpd stopped: the collector says so once, counts the failures,
#    keeps the points and every record; an agent answering garbage alike;
#  - SNMPv3 (USM, SHA and AES) gives the same points; a wrong password is
#    reported, and gives none.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_root
need ip snmpd redis-server redis-cli python3

COLLECTOR="$top_builddir/collector/anemone-collector"
ANEMONE="$top_builddir/cli/anemone"
N=anm-snmp-$$
netns_add "$N" || fail "cannot create a namespace"
ip -n "$N" link set lo up
i=0
for a in 10.0.0.3 10.1.35.3 10.100.3.1 192.0.2.1; do
	i=$((i + 1))
	ip -n "$N" link add "s$i" type veth peer name "p$i" &&
		ip -n "$N" addr add "$a/24" dev "s$i" &&
		ip -n "$N" link set "s$i" up && ip -n "$N" link set "p$i" up ||
		fail "cannot make interface s$i"
done
ifx() { ip -n "$N" -o link show "$1" | cut -d: -f1; }
LAN=$(ifx s1) P2P=$(ifx s2) STUB=$(ifx s3) OTHER=$(ifx s4)
inn() { ip netns exec "$N" "$@"; }

SPORT=$(free_port) GPORT=$(free_port) PORT=$(free_port) CPORT=$(free_port)
R() { inn redis-cli -h 127.0.0.1 -p "$PORT" "$@"; }
cat >"$T/snmpd.conf" <<EOF
agentAddress udp:127.0.0.1:$SPORT
rocommunity anemone-test 127.0.0.1
EOF
inn snmpd -f -Lf "$T/snmpd.log" -C -c "$T/snmpd.conf" -p "$T/snmpd.pid" &
SNMPD=$!
BG_PIDS="$BG_PIDS $SNMPD"
inn redis-server --port "$PORT" --bind 127.0.0.1 --save '' --dir "$T" >"$T/redis.log" 2>&1 &
BG_PIDS="$BG_PIDS $!"
wait_for 10 sh -c "ip netns exec $N redis-cli -p $PORT ping | grep -q PONG" ||
	fail "redis-server did not start"
# an agent that answers garbage to everything
inn python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
while True:
    d, a = s.recvfrom(65535)
    s.sendto(b"\x30\x05\x02\x01\x01\x04\x00" + d[:7], a)
' "$GPORT" &
BG_PIDS="$BG_PIDS $!"

cat >"$T/c.conf" <<EOF
snmp = {
  community = "anemone-test";
  interval = "10s";
  timeout = "500ms";
  retries = 0;
  agents = (
    { exporter = "127.0.0.1"; port = $SPORT; },
    { exporter = "127.0.0.2"; address = "127.0.0.1"; port = $GPORT; }
  );
};
EOF
# (ip netns exec may fork: the collector writes its own pid)
ip netns exec "$N" sh -c 'echo $$ >"$0"; exec "$@"' "$T/c.pid" "$COLLECTOR" -c "$T/c.conf" \
	-l "v5:127.0.0.1:$CPORT" --redis "127.0.0.1:$PORT" \
	--topology "$top_srcdir/tests/data/collector/lab-lsdb.json" --flush 1s >"$T/c.log" 2>&1 &
W=$!
BG_PIDS="$BG_PIDS $W"
wait_for 10 test -s "$T/c.pid" || fail "the collector did not start"
CPID=$(cat "$T/c.pid")
SHOW_ON_FAIL="$T/c.log"
wait_for 20 grep -q 'snmp: 4 observation point(s) of 1 router(s)' "$T/c.log" ||
	fail "no observation points from SNMP: $(cat "$T/c.log" "$T/snmpd.log" 2>/dev/null | tail -20)"
wait_for 10 grep -q 'snmp udp:127.0.0.1:'"$GPORT"': ' "$T/c.log" ||
	fail "the garbage agent is not reported"
info "$(grep -m1 "snmp udp:127.0.0.1:$GPORT" "$T/c.log" | sed 's/.*anemone-collector //')"

inn "$ANEMONE" --redis "127.0.0.1:$PORT" exporters --interfaces --csv >"$T/points.csv" 2>&1 ||
	fail "anemone exporters --interfaces: $(cat "$T/points.csv")"
for want in "127.0.0.1,,$LAN,10.255.0.3,core,,10.0.0.1,snmp" \
	"127.0.0.1,,$P2P,10.255.0.3,core,10.255.0.5,,snmp" \
	"127.0.0.1,,$STUB,10.255.0.3,edge,,,snmp" "127.0.0.1,,$OTHER,10.255.0.3,edge,,,snmp"; do
	grep -qx "$want" "$T/points.csv" || fail "no point $want: $(cat "$T/points.csv")"
done
info "from snmpd: LAN ifIndex $LAN core on 10.0.0.1, ifIndex $P2P core facing r5," \
	"ifIndex $STUB and $OTHER edge"
# the interfaces' speeds (a veth's ifHighSpeed: 10000 Mb/s) as the capacity
# of the links r3 sends on; the others have none
cap() { R HGET anemone:capacity "$1"; }
wait_for 10 sh -c "[ \"\$(ip netns exec $N redis-cli -p $PORT HGET anemone:capacity 10.255.0.3-10.255.0.5)\" = 10000000000 ]" ||
	fail "no capacity from SNMP for r3 -> r5: $(R HGETALL anemone:capacity | paste -sd' ')"
expect_eq "capacity r3 -> r1 (the LAN)" "$(cap 10.255.0.3-10.255.0.1)" 10000000000
expect_eq "capacity r5 -> r3 (not polled)" "$(cap 10.255.0.5-10.255.0.3)" ""

# send IN_IF N SRC DST: N v5 records of 1000 bytes, 10 packets, entering by IN_IF
send() {
	inn python3 - "$CPORT" "$@" <<'PY'
import socket, struct, sys
port, in_if, n, src, dst = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
ip = lambda s: struct.unpack("!I", socket.inet_aton(s))[0]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
hdr = struct.pack("!HHIIIIBBH", 5, n, 100000, 1700000000, 0, 0, 0, 0, 0)
body = b"".join(struct.pack("!IIIHHIIIIHHBBBBHHBBH", ip(src), ip(dst) + i, 0, in_if, 0, 10, 1000,
                            90000, 99000, 1, 2, 0, 0, 17, 0, 0, 0, 0, 0, 0) for i in range(n))
s.sendto(hdr + body, ("127.0.0.1", port))
PY
}
send "$P2P" 5 10.100.5.10 10.100.1.10 || fail "cannot send"
send "$STUB" 3 10.100.3.10 10.100.5.10 || fail "cannot send"
stat() { R HGET anemone:collector:stats "$1"; }
poke() { [ "$(stat records-v5)" = 8 ] 2>/dev/null; }   # (written each flush)
wait_for 10 poke || fail "the records were not counted: $(tail -3 "$T/c.log")"
wait_for 10 sh -c "[ \"\$(ip netns exec $N redis-cli -p $PORT HGET anemone:totals flows)\" = 8 ]" ||
	fail "totals: $(R HGETALL anemone:totals | paste -sd' ')"
expect_eq "measured r5 -> r3 (bytes packets flows)" \
	"$(R HGET anemone:measured:10.255.0.5-10.255.0.3 bytes) $(R HGET anemone:measured:10.255.0.5-10.255.0.3 packets) $(R HGET anemone:measured:10.255.0.5-10.255.0.3 flows)" \
	"5000 50 5"
expect_eq "records-first, records-counted" "$(stat records-first) $(stat records-counted)" "5 3"

# snmpd gone: said once, counted, the points and the records kept
kill "$(cat "$T/snmpd.pid")" || fail "cannot stop snmpd"
wait "$SNMPD" 2>/dev/null
wait_for 30 grep -q "snmp udp:127.0.0.1:$SPORT: no answer" "$T/c.log" ||
	fail "a dead agent is not reported: $(tail -5 "$T/c.log")"
send "$STUB" 2 10.100.3.10 10.100.5.10 || fail "cannot send"
poke10() { [ "$(stat records-v5)" = 10 ] 2>/dev/null; }
wait_for 10 poke10 || fail "records lost after the agent died: $(tail -3 "$T/c.log")"
expect_eq "snmp-points (kept)" "$(stat snmp-points)" 4
[ "$(stat snmp-errors)" -ge 2 ] || fail "snmp-errors $(stat snmp-errors), want 2 or more"
[ "$(grep -c "snmp udp:127.0.0.1:$SPORT: no answer" "$T/c.log")" = 1 ] ||
	fail "the dead agent is reported more than once: $(grep "snmp udp" "$T/c.log")"
kill -TERM "$CPID"
wait "$W" || fail "collector exit status $?"
info "snmpd stopped: reported once, snmp-errors $(stat snmp-errors), 4 points kept, no record lost"

# SNMPv3 (USM, SHA and AES): the same points from an snmpd that only takes
# that user; a wrong password is an error, said once, and gives no point
V3PORT=$(free_port) C2PORT=$(free_port)
cat >"$T/snmpd3.conf" <<EOF
agentAddress udp:127.0.0.1:$V3PORT
createUser anemone SHA "anemone-auth-1" AES "anemone-priv-1"
rouser anemone priv
EOF
mkdir -p "$T/snmp3" && chmod 700 "$T/snmp3"
inn snmpd -f -Lf "$T/snmpd3.log" -C -c "$T/snmpd3.conf" -p "$T/snmpd3.pid" \
	--persistentDir="$T/snmp3" &
BG_PIDS="$BG_PIDS $!"
for run in good bad; do
	pw=anemone-priv-1
	[ $run = bad ] && pw=not-the-password
	cat >"$T/v3$run.conf" <<EOF
snmp = {
  user = "anemone"; auth = "SHA"; auth-password = "anemone-auth-1"; priv-password = "$pw";
  interval = "10s"; timeout = "500ms"; retries = 0;
  agents = ( { exporter = "127.0.0.1"; port = $V3PORT; } );
};
redis = { prefix = "v3$run:"; };
EOF
	ip netns exec "$N" sh -c 'echo $$ >"$0"; exec "$@"' "$T/v3$run.pid" "$COLLECTOR" \
		-c "$T/v3$run.conf" -l "v5:127.0.0.1:$C2PORT" --redis "127.0.0.1:$PORT" \
		--topology "$top_srcdir/tests/data/collector/lab-lsdb.json" --flush 1s \
		>"$T/v3$run.log" 2>&1 &
	W3=$!
	BG_PIDS="$BG_PIDS $W3"
	SHOW_ON_FAIL="$T/v3$run.log"
	if [ $run = good ]; then
		wait_for 20 grep -q 'snmp: 4 observation point(s) of 1 router(s)' "$T/v3good.log" ||
			fail "SNMPv3: no observation points: $(tail -5 "$T/v3good.log" "$T/snmpd3.log")"
	else
		wait_for 20 grep -q "snmp udp:127.0.0.1:$V3PORT: " "$T/v3bad.log" ||
			fail "SNMPv3 with a wrong password: not reported: $(tail -5 "$T/v3bad.log")"
		! grep -q 'snmp: [1-9][0-9]* observation point' "$T/v3bad.log" ||
			fail "SNMPv3 with a wrong password gave points"
		info "SNMPv3, a wrong privacy password: $(grep -m1 "snmp udp" "$T/v3bad.log" | sed 's/.*anemone-collector //')"
	fi
	kill -TERM "$(cat "$T/v3$run.pid")"
	wait "$W3" || fail "SNMPv3 $run: collector exit status $?"
done
info "SNMPv3 (SHA, AES): the same 4 points"
echo PASS
