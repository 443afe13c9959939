#!/bin/sh
# IPFIX/TCP connections that send nothing, or stop inside a message, must
# not lock honest exporters out, nor be held forever (issue 15, item 8).
#  1. Defaults: 256 idle connections from 32 addresses (127.0.0.2-33, 8
#     each) fill the connection table; an honest exporter (anemone-exporter
#     from 127.0.0.1, reading a capture) still gets in, long before any
#     timeout could fire: an idle connection is closed for it, its records
#     are all counted, and the 255 others stay open.
#  2. max-per-source 2: a third connection from one address closes that
#     address's connection idle the longest; a message cut off by the
#     exporter's close is counted (tcp-truncated) and logged.
#  3. Short timeouts (idle 1 s, message 2 s): an idle connection, one
#     stalled inside a message header and one inside a message body are
#     closed by the collector, counted by reason; the two cut messages are
#     counted in tcp-truncated.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need redis-server redis-cli python3 ss

PEER="$top_srcdir/tests/ipfix-tcp-peer"
PORT=$(free_port)
redis_start
CAP="$CAPS/v4-mixed.pcap"
want_bytes=$("$PCAP_TOTALS" "$CAP" | sed 's/.*octets=\([0-9]*\).*/\1/')

# established CLIENT-ADDR: connections from CLIENT-ADDR to the collector
# still open on the client's side
established() {
	ss -Htn state established "( dport = :$cport and src $1 )" | wc -l
}
accepted() { grep -c ":$cport: IPFIX connection from $1" "$T/$2.log"; }

info "1. a table full of idle connections (defaults)"
cport=$(free_port)
collector_start full "ipfix+tcp:127.0.0.1:$cport" "" --topology none --flush 1s
srcs=""
i=2
while [ $i -le 33 ]; do srcs="$srcs 127.0.0.$i"; i=$((i + 1)); done
# shellcheck disable=SC2086
python3 "$PEER" idle "$cport" --from $srcs --count 8 --ready "$T/idle.ready" >"$T/idle.out" 2>&1 &
BG_PIDS="$BG_PIDS $!"
wait_for 20 test -e "$T/idle.ready" || fail "idle connections not made: $(cat "$T/idle.out")"
wait_for 20 sh -c "[ \$(grep -c ':$cport: IPFIX connection from 127.0.0.' '$T/full.log') -ge 256 ]" ||
	fail "the collector did not accept the 256 idle connections"
info "256 idle connections accepted"
"$EXPORTER" -r "$CAP" -x "ipfix+tcp:127.0.0.1:$cport" >"$T/exp.log" 2>&1 ||
	info "exporter: $(tail -3 "$T/exp.log")"
wait_for 10 sh -c "[ \"\$(redis-cli -p $PORT HGET full:totals bytes)\" = $want_bytes ]" ||
	fail "the honest exporter's records: $(R HGET full:totals bytes) bytes counted, want $want_bytes"
info "the honest exporter's bytes: $want_bytes"
expect_eq "accepted from 127.0.0.1" "$(accepted 127.0.0.1: full)" 1
grep -q "closed for a new connection.*table full" "$T/full.log" ||
	fail "no idle connection was closed for the honest one"
n=0
for s in $srcs; do n=$((n + $(established "$s"))); done
expect_eq "idle connections still open (no timeout fired)" "$n" 255
wait_for 5 sh -c "[ \"\$(redis-cli -p $PORT HGET full:collector:stats tcp-evicted)\" = 1 ]" ||
	fail "tcp-evicted: $(cstat full tcp-evicted), want 1"
collector_stop

info "2. a connection limit per address; a message cut off by a close"
cport=$(free_port)
collector_start src "ipfix+tcp:127.0.0.1:$cport" \
	'tcp = { max-per-source = 2; idle-timeout = "60s"; message-timeout = "60s"; };' \
	--topology none --flush 1s
for k in 1 2 3; do
	python3 "$PEER" idle "$cport" --from 127.0.0.2 --count 1 --ready "$T/src$k.ready" \
		>"$T/src$k.out" 2>&1 &
	BG_PIDS="$BG_PIDS $!"
	wait_for 10 test -e "$T/src$k.ready" || fail "connection $k not made"
	wait_for 10 sh -c "[ \$(grep -c ':$cport: IPFIX connection from 127.0.0.2:' '$T/src.log') -ge $k ]" ||
		fail "connection $k not accepted"
	sleep 0.2    # so that the first is idle the longest
done
# the first connection (idle the longest) was closed for the third
wait_for 10 sh -c "[ \$(ss -Htn state established '( dport = :$cport and src 127.0.0.2 )' | wc -l) = 2 ]" ||
	fail "connections from 127.0.0.2: $(established 127.0.0.2), want 2"
closed=$(ss -Htn "( dport = :$cport and src 127.0.0.2 )" | awk '$1 != "ESTAB" { sub(/.*:/, "", $4); print $4 }')
expect_eq "the connection closed is the first (idle the longest)" "$closed" "$(cat "$T/src1.ready")"
grep -q "closed for a new connection.*2 connections from 127.0.0.2" "$T/src.log" ||
	fail "the eviction was not logged"
python3 "$PEER" partial "$cport" --from 127.0.0.3 --bytes 20 --length 100 --close >"$T/cut.out" ||
	fail "partial sender"
wait_for 10 grep -q "IPFIX connection from 127.0.0.3:[0-9]*: closed by the exporter inside a message (20 of 100 bytes)" \
	"$T/src.log" || fail "the message cut off by the exporter's close was not logged"
wait_for 5 sh -c "[ \"\$(redis-cli -p $PORT HGET src:collector:stats tcp-truncated)\" = 1 ]" ||
	fail "tcp-truncated: $(cstat src tcp-truncated), want 1"
expect_eq "tcp-evicted" "$(cstat src tcp-evicted)" 1
collector_stop

info "3. idle and stalled connections time out"
cport=$(free_port)
collector_start tmo "ipfix+tcp:127.0.0.1:$cport" \
	'tcp = { idle-timeout = "1s"; message-timeout = "2s"; };' --topology none --flush 1s
python3 "$PEER" partial "$cport" --from 127.0.0.2 --bytes 0 >"$T/p0.out" 2>&1 &
P0=$!
python3 "$PEER" partial "$cport" --from 127.0.0.3 --bytes 2 >"$T/p2.out" 2>&1 &
P2=$!
python3 "$PEER" partial "$cport" --from 127.0.0.4 --bytes 20 --length 100 >"$T/p20.out" 2>&1 &
P20=$!
BG_PIDS="$BG_PIDS $P0 $P2 $P20"
for f in p0 p2 p20; do
	wait_for 20 grep -q "closed-by-collector=yes" "$T/$f.out" ||
		fail "$f: the connection was not closed by the collector"
done
info "idle, header-stalled and body-stalled connections closed by the collector"
grep -q "IPFIX connection from 127.0.0.2:[0-9]*: closed: idle" "$T/tmo.log" ||
	fail "the idle connection's close was not logged"
grep -q "IPFIX connection from 127.0.0.3:[0-9]*: closed: stalled inside a message (2 bytes" "$T/tmo.log" ||
	fail "the header-stalled connection's close was not logged"
grep -q "IPFIX connection from 127.0.0.4:[0-9]*: closed: stalled inside a message (20 of 100 bytes" \
	"$T/tmo.log" || fail "the body-stalled connection's close was not logged"
wait_for 5 sh -c "[ \"\$(redis-cli -p $PORT HGET tmo:collector:stats tcp-truncated)\" = 2 ]" ||
	fail "tcp-truncated: $(cstat tmo tcp-truncated), want 2"
expect_eq "tcp-idle-timeouts" "$(cstat tmo tcp-idle-timeouts)" 1
expect_eq "tcp-stall-timeouts" "$(cstat tmo tcp-stall-timeouts)" 2
expect_eq "tcp-open" "$(cstat tmo tcp-open)" 0
collector_stop
echo PASS
