#!/bin/sh
# A stalled collector costs only itself (issue 15, item 3).  Live capture on a
# veth in a namespace of the test's own: 120,000 one-packet UDP flows arrive
# at the line rate a Python sender reaches (about 60,000 a second) while the
# exporter sends to two collectors, an IPFIX/TCP one that accepts the
# connection and never reads (its window closes after a few kB) and a
# healthy NetFlow v5 one.  The healthy collector must receive every flow
# with every packet, the stalled one's lost messages must be counted as
# dropped, and the exporter must stop promptly on SIGTERM.
#
# Before the fix, sends blocked the capture thread (2 s send timeout per
# message): the kernel's capture buffer overflowed meanwhile and the healthy
# collector got the same fraction of the traffic as the stalled one.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_root
need ip python3 ss

A=anm-stall-a-$$ B=anm-stall-b-$$
IA=ans$$a IB=ans$$b
netns_add "$A" "$B" || fail "cannot create namespaces"
ip -n "$A" link set lo up
veth_between "$A" "$B" "$IA" "$IB" 10.126.0 || fail "cannot create veth pair"

# The stalled collector: accepts every connection, reads nothing
stall_start "$A"
stall=$STALL_PORT

ip netns exec "$A" "$top_srcdir/tests/flow-sink" --udp 0 --out "$T/v5.bin" --port-file "$T/v5.port" &
sink=$!; BG_PIDS="$BG_PIDS $sink"
wait_for 10 test -s "$T/v5.port" || fail "flow-sink did not start"
v5=$(cat "$T/v5.port")

# Flows end as soon as they are evicted from a small table, so records flow
# to the collectors while the capture goes on.
cat >"$T/stall.conf" <<EOF
input = { buffer-size = 8; };
flows = { max-flows = 1000; idle-timeout = "1s"; };
export = { max-hold = "100ms"; };
EOF
SHOW_ON_FAIL="$T/exp.log"
ip netns exec "$A" "$EXPORTER" -c "$T/stall.conf" -i "$IA" -f "udp and dst host 10.126.0.1" \
	-x "ipfix+tcp:127.0.0.1:$stall" -x "v5:127.0.0.1:$v5" >"$T/exp.log" 2>&1 &
exp=$!; BG_PIDS="$BG_PIDS $exp"
wait_for 10 grep -q "capturing on $IA" "$T/exp.log" || fail "exporter did not start"
wait_for 10 grep -q "ipfix+tcp:127.0.0.1:$stall: connected" "$T/exp.log" ||
	fail "exporter did not connect to the stalled collector"

# 2 x 60,000 flows: two source ports, every destination port 1-60000
N=120000
ip netns exec "$B" python3 -c "
import socket
for sport in (40001, 40002):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('10.126.0.2', sport))
    for p in range(1, 60001):
        s.sendto(b'x' * 32, ('10.126.0.1', p))
" || fail "traffic generator failed"
info "sent $N one-packet flows"
# every packet seen by the exporter (it says on SIGUSR1; each call asks)
seen_all() {
	kill -USR1 "$exp"
	s=$(grep 'stats packets: seen=' "$T/exp.log" | tail -1 | sed 's/.*seen=\([0-9]*\).*/\1/')
	[ "${s:-0}" -ge "$N" ]
}
wait_for 30 seen_all || fail "the exporter saw ${s:-no} packets of $N"

kill -TERM "$exp"
# generous: a safety net, not a measure
n=0
while kill -0 "$exp" 2>/dev/null && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
kill -0 "$exp" 2>/dev/null && fail "exporter still running 30 s after SIGTERM"
wait "$exp"; rc=$?
[ "$rc" -eq 0 ] || fail "exporter exit $rc"
ns_udp_drained() { [ "$(ip netns exec "$A" ss -Hlun "sport = :$1" | awk '{ print $2 }')" = 0 ]; }
wait_for 10 ns_udp_drained "$v5" || fail "flow-sink does not read its socket"
sink_stop "$sink"

sed 's/^/   /' "$T/exp.log"

# The healthy collector: every flow, every packet, every byte (IP length 60)
got=$(python3 - "$T/v5.bin" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
off, recs, pkts, octs, keys = 0, 0, 0, 0, set()
while off + 24 <= len(d):
    ver, count = struct.unpack("!HH", d[off:off + 4])
    if ver != 5:
        sys.exit("not a v5 datagram at %d" % off)
    off += 24
    for i in range(count):
        r = d[off + 48 * i:off + 48 * (i + 1)]
        src, dst = r[0:4], r[4:8]
        p, o = struct.unpack("!II", r[16:24])
        sp, dp = struct.unpack("!HH", r[32:36])
        if r[38] == 17 and src == bytes([10, 126, 0, 2]):
            recs += 1; pkts += p; octs += o; keys.add((sp, dp))
    off += 48 * count
print("records=%d flows=%d packets=%d octets=%d" % (recs, len(keys), pkts, octs))
PY
) || fail "cannot read the v5 collector's datagrams: $got"
expect_eq "healthy v5 collector" "$got" "records=$N flows=$N packets=$N octets=$((N * 60))"

line=$(grep "stats export ipfix+tcp" "$T/exp.log" | tail -1)
val() { echo "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
dropped=$(val dropped)
[ -n "$dropped" ] && [ "$dropped" -gt 0 ] || fail "stalled collector: no dropped messages counted: $line"
grep -q "ipfix+tcp:127.0.0.1:$stall: queue full" "$T/exp.log" || fail "no log line about the full queue"
msgs=$(val messages) sent=$(val sent) errs=$(val send-errors) queued=$(val queued)
expect_eq "stalled collector: messages = sent + dropped + send-errors" \
	"$msgs" "$((sent + dropped + errs))"
expect_eq "stalled collector: nothing left queued at exit" "$queued" 0
info "stalled collector: $line"
exit 0
