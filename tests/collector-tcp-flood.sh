#!/bin/sh
# One IPFIX/TCP connection sending as fast as the collector reads must not
# starve the other inputs, the flushes or SIGTERM (issue 15, item 2).
#
# tests/ipfix-tcp-peer floods one IPFIX/TCP connection with valid messages
# while NetFlow v5 datagrams come at a steady 100 a second on a UDP
# listener with a small receive buffer (256 KiB: about two seconds of them),
# and the collector flushes every second.  Then SIGTERM, the flood still
# running.  Checked:
#  - every v5 record is counted: the v5 exporter's records and bytes in
#    Redis are exactly what was sent, and the kernel dropped no datagram
#    (udp-kernel-drops = 0, from SO_RXQ_OVFL);
#  - the flushes kept time: the v5 exporter's 1-second series has an entry
#    for (nearly) every second of its 6 seconds, not one merged bucket;
#  - the flood was real: the collector accounted many more IPFIX records
#    than v5 ones;
#  - SIGTERM ends the collector while the flood goes on: the drain at exit
#    is bounded (2 s), so it exits well within the 20 s allowed here (a
#    safety net, not a measurement), with status 0.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need redis-server redis-cli python3 ss

PEER="$top_srcdir/tests/ipfix-tcp-peer"
PORT=$(free_port)
redis_start
cport=$(free_port)
collector_start fair "ipfix+tcp:127.0.0.1:$cport" 'socket-buffer = 262144;' \
	-l "v5:127.0.0.1:$cport" --topology none --flush 1s

problems=""
problem() { echo "PROBLEM: $*" >&2; problems="$problems
  $*"; }

python3 "$PEER" flood "$cport" --seconds 40 --ready "$T/flood.ready" >"$T/flood.out" 2>&1 &
FLOOD=$!
BG_PIDS="$BG_PIDS $FLOOD"
wait_for 20 test -e "$T/flood.ready" || fail "the flood did not start: $(cat "$T/flood.out")"
info "flood running; v5 at 100 datagrams/s for 6 s"
python3 "$PEER" v5 "$cport" --rate 100 --seconds 6 --engine 7 >"$T/v5.out" ||
	fail "v5 sender: $(cat "$T/v5.out")"
sent=$(cat "$T/v5.out")
info "v5 sent: $sent"
v5_records=$(echo "$sent" | sed 's/.*records=\([0-9]*\).*/\1/')
v5_octets=$(echo "$sent" | sed 's/.*octets=\([0-9]*\).*/\1/')
# every datagram sent reached the socket's queue or was dropped by the
# kernel: wait until the collector has read the queue (or give up)
wait_for 10 udp_drained "$cport" || problem "the UDP queue was not read during the flood"

kill -0 "$FLOOD" 2>/dev/null || fail "the flood ended early: $(cat "$T/flood.out")"
kill -TERM "$CPID"
t0=$(date +%s)
n=0
while kill -0 "$CPID" 2>/dev/null && [ $n -lt 200 ]; do sleep 0.1; n=$((n + 1)); done
if kill -0 "$CPID" 2>/dev/null; then
	problem "SIGTERM: still running $(($(date +%s) - t0)) s later, the flood going on"
	kill "$FLOOD"
fi
wait "$CPID"
status=$?
info "exited $(($(date +%s) - t0)) s after SIGTERM, status $status"
[ "$status" = 0 ] || problem "exit status $status"
wait "$FLOOD" 2>/dev/null
info "flood: $(cat "$T/flood.out")"

got=$(R HGET fair:exporter:127.0.0.1/7 records)
[ "$got" = "$v5_records" ] || problem "v5 records: got '$got', want $v5_records"
got=$(R HGET fair:exporter:127.0.0.1/7 bytes)
[ "$got" = "$v5_octets" ] || problem "v5 bytes: got '$got', want $v5_octets"
drops=$(cstat fair udp-kernel-drops)
info "udp-kernel-drops: $drops"
[ "$drops" = 0 ] || problem "udp-kernel-drops: got '$drops', want 0"
buckets=$(R XLEN fair:exporter:127.0.0.1/7:1s)
info "1-second buckets holding v5 records: $buckets ($(R XRANGE fair:exporter:127.0.0.1/7:1s - + |
	awk 'p { printf "%s ", $0; p = 0 } $0 == "records" { p = 1 }')records each)"
[ "$buckets" -ge 4 ] || problem "1-second buckets of the v5 exporter: $buckets, want one a second (>= 4 of 6)"
ipfix=$(cstat fair records-ipfix)
info "records-ipfix: $ipfix, records-v5: $(cstat fair records-v5)"
[ "${ipfix:-0}" -ge $((10 * v5_records)) ] ||
	problem "the flood was not one: $ipfix IPFIX records for $v5_records v5 ones"

[ -z "$problems" ] || fail "$problems"
echo PASS
