#!/bin/sh
# Redis away in the middle of a stream.  A recorded NetFlow v5 stream is sent
# to anemone-collector in three parts: with Redis up, with Redis stopped
# (the collector keeps aggregating; it logs the outage once), and after
# Redis restarted (it writes its backlog, logs the end of the outage).  The
# final totals in Redis equal what was sent.  Then the bounded backlog: a
# collector whose backlog holds little, with Redis down for most of the
# stream, drops the oldest intervals, logs it, and counts the records they
# held: totals in Redis + records dropped = records sent.  Redis never
# reached at all: the collector runs, and exits in bounded time.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need redis-server redis-cli python3 ss

REPLAY="$top_srcdir/tests/dgram-replay"
PORT=$(free_port)
REDIS_PERSIST=yes    # a restarted server has its data back, as in production
redis_start

GEN_CAPTURE_BIN="$T/gen-capture" sh "$top_srcdir/bench/gen-capture" -n 30000 -f 6000 \
	-o "$T/cap.pcap" >/dev/null 2>&1 || fail "cannot generate the capture"
want=$("$PCAP_TOTALS" --ipv4-only "$T/cap.pcap")
want_flows=$(echo "$want" | sed 's/flows=\([0-9]*\).*/\1/')
want_pkts=$(echo "$want" | sed 's/.*packets=\([0-9]*\).*/\1/')
want_bytes=$(echo "$want" | sed 's/.*octets=\([0-9]*\).*/\1/')

rm -f "$T/rec.port"
"$REPLAY" record --port-file "$T/rec.port" --out "$T/v5.dg" &
rp=$!
BG_PIDS="$BG_PIDS $rp"
wait_for 10 test -s "$T/rec.port" || fail "recorder did not start"
"$EXPORTER" -r "$T/cap.pcap" -x "v5:127.0.0.1:$(cat "$T/rec.port")" >"$T/exp.log" 2>&1 ||
	fail "exporter: $(cat "$T/exp.log")"
kill -TERM "$rp"; wait "$rp"       # (it reads everything queued first)
ndg=$("$REPLAY" replay "$T/v5.dg" 1 --count)
info "recorded $ndg v5 datagrams: $want"

logged() { grep -q "$2" "$1"; }
start() {   # start NAME [REDIS CONFIG TEXT]
	cport=$(free_port)
	collector_start "$1" "v5:127.0.0.1:$cport" "redis = { ${2:-} };" --topology none --flush 1s
	SHOW_ON_FAIL="$T/$1.log $T/replay.log"
}
# queued NAME N: the collector NAME (CPID) says, asked by SIGUSR1, that at
# least N intervals wait for Redis (each call asks; the answer read is the
# latest logged)
queued() { kill -USR1 "$CPID"; q=$(logstat "$1" redis-queued); [ "${q:-0}" -ge "$2" ]; }
send() { "$REPLAY" replay "$T/v5.dg" "$cport" --range "$1" >>"$T/replay.log" || fail "replay $1"; }

info "outage in the middle"
a=$((ndg / 3)) b=$((2 * ndg / 3))
start mid
send "0:$a"
written() { [ -n "$(R HGET "$1:totals" flows)" ]; }
wait_for 20 written mid || fail "nothing written before the outage"
redis_stop
send "$a:$b"
wait_for 20 queued mid 2 || fail "mid: no intervals wait in the backlog: $(tail -3 "$T/mid.log")"
wait_for 10 logged "$T/mid.log" "will retry" || fail "the outage was not logged: $(cat "$T/mid.log")"
redis_start
send "$b:$ndg"
wait_for 40 logged "$T/mid.log" "reachable again" || fail "the end of the outage was not logged"
collector_stop "$cport"
expect_eq "mid: flows in Redis" "$(R HGET mid:totals flows)" "$want_flows"
expect_eq "mid: packets in Redis" "$(R HGET mid:totals packets)" "$want_pkts"
expect_eq "mid: bytes in Redis" "$(R HGET mid:totals bytes)" "$want_bytes"
expect_eq "mid: series sum = total" "$(R XRANGE mid:total:1s - + |
	awk '/^flows$/ { getline; s += $1 } END { print s + 0 }')" "$want_flows"
expect_eq "mid: intervals dropped" "$(cstat mid redis-batches-dropped)" 0
expect_eq "mid: outage warnings" "$(grep -c "will retry" "$T/mid.log")" 1

info "backlog bound"
start bound 'backlog = 65536;'
redis_stop
send "0:$b"
wait_for 20 queued bound 1 || fail "bound: no interval waits in the backlog: $(tail -3 "$T/bound.log")"
send "$b:$ndg"
wait_for 20 logged "$T/bound.log" "backlog of 65536 bytes full" ||
	fail "the overflow was not logged: $(cat "$T/bound.log")"
redis_start
wait_for 40 logged "$T/bound.log" "reachable again" || fail "bound: the end of the outage was not logged"
collector_stop "$cport"
dropped=$(cstat bound redis-records-dropped)
[ "$dropped" -gt 0 ] || fail "bound: nothing dropped, the bound was not reached"
expect_eq "bound: flows in Redis + records dropped" \
	"$(( $(R HGET bound:totals flows) + dropped ))" "$want_flows"
[ "$(cstat bound redis-batches-dropped)" -gt 0 ] || fail "bound: batches-dropped not counted"

info "Redis never there"
redis_stop
start never
send "0:$a"
wait_for 20 queued never 1 || fail "never: no interval waits to be written: $(tail -3 "$T/never.log")"
t0=$(date +%s)
collector_stop
el=$(( $(date +%s) - t0 ))
# (it gives up after 10 s without progress: 15 s with the time to stop)
[ "$el" -le 15 ] || fail "exit took ${el}s with Redis away"
grep -q "interval.* not written" "$T/never.log" || fail "unwritten intervals not reported: $(cat "$T/never.log")"
info "exit with Redis away: ${el}s, reported: $(grep "not written" "$T/never.log")"
echo PASS
