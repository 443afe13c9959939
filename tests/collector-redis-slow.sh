#!/bin/sh
# A Redis that is slow, not gone, costs nothing and counts nothing twice.
#  - slow: redis-server is stopped (SIGSTOP) for 10 s while a steady v5
#    stream arrives, long enough for the writer's time limit (4 s here) to
#    run out with commands sent but their replies not yet read, then
#    continued.  A writer that waits for Redis in the receiving thread
#    would leave the datagrams sent meanwhile in a socket buffer too small
#    to hold them (socket-buffer: about 2 s of this stream).  The totals
#    hash and the sum of the total:1s stream equal what was sent.
#  - a transaction held back on its way to Redis (tests/redis-hold, a
#    proxy): the writer gives up on it after its time limit and sends the
#    batch again on a new connection; the held copy reaches Redis before
#    the retry (which must then find it applied and refuse its own copy,
#    counted in redis-duplicates) or after the retry was applied (the held
#    copy's EXEC must be aborted).  Totals exact both ways.  (Stopping
#    Redis rarely catches a transaction in flight: the writer sends one
#    only after the reply to its check of the marker.)
#  - two collectors writing one prefix and the same buckets (--clock
#    exporter: one export time), both given the same id by mistake, and
#    one of them restarted: every run's records add up.
#  - a totals field near INT64_MAX (an earlier absurd record): the increment
#    that would pass it saturates at 9223372036854775807 and is counted
#    (redis-saturated); the other fields and later runs keep counting.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need redis-server redis-cli python3 ss

SEND="$top_srcdir/tests/v5-send"
HOLD="$top_srcdir/tests/redis-hold"
PORT=$(free_port)
redis_start
CLEANUP_HOOKS="$CLEANUP_HOOKS redis_cont"     # a stopped server would not end

# udp_drops PORT: the kernel's drop count of the UDP socket on 127.0.0.1:PORT
udp_drops() {
	awk -v p="$(printf '0100007F:%04X' "$1")" '$2 == p { print $NF }' /proc/net/udp
}

info "Redis stopped for 10 s under a steady stream"
cport=$(free_port)
collector_start slow "v5:127.0.0.1:$cport" \
	'socket-buffer = 262144; redis = { timeout = "4s"; };' --flush 1s
"$SEND" "$cport" --rate 100 --seconds 17 >"$T/sent-slow" &
sp=$!
BG_PIDS="$BG_PIDS $sp"
sleep 3     # (the test: 3 s of the stream, then Redis stopped for 10 s)
kill -STOP "$REDIS_PID"
sleep 10
kill -CONT "$REDIS_PID"
wait "$sp" || fail "v5-send failed"
sent=$(cat "$T/sent-slow")
info "sent: $sent; kernel drops on the collector's socket: $(udp_drops "$cport")"
collector_stop "$cport"
expect_eq "slow: flows in Redis" "$(R HGET slow:totals flows)" "$(field "$sent" flows)"
expect_eq "slow: packets in Redis" "$(R HGET slow:totals packets)" "$(field "$sent" packets)"
expect_eq "slow: bytes in Redis" "$(R HGET slow:totals bytes)" "$(field "$sent" bytes)"
expect_eq "slow: flows over the 1s stream" "$(series_sum slow:total:1s flows)" "$(field "$sent" flows)"
expect_eq "slow: bytes over the 1s stream" "$(series_sum slow:total:1s bytes)" "$(field "$sent" bytes)"
expect_eq "slow: batches dropped" "$(logstat slow redis-batches-dropped)" 0
info "slow: copies refused: $(logstat slow redis-duplicates)"

info "a transaction held back on its way, given up on, delivered before the retry / after it"
for mode in before-retry after-retry; do
	name=$(echo "$mode" | tr -d -)
	hport=$(free_port)
	"$HOLD" "$hport" "$PORT" --hold 3 --release "$mode" >"$T/hold-$name.log" 2>&1 &
	BG_PIDS="$BG_PIDS $!"
	wait_for 10 grep -q listening "$T/hold-$name.log" || fail "redis-hold: $(cat "$T/hold-$name.log")"
	cport=$(free_port)
	rport=$PORT PORT=$hport         # the collector talks to Redis through it
	collector_start "$name" "v5:127.0.0.1:$cport" 'redis = { timeout = "1s"; };' \
		--topology none --flush 1s
	PORT=$rport
	SHOW_ON_FAIL="$SHOW_ON_FAIL $T/hold-$name.log"
	sent=$("$SEND" "$cport" --rate 100 --seconds 3)
	wait_for 30 grep -q delivered "$T/hold-$name.log" ||
		fail "$mode: the held transaction was not delivered: $(cat "$T/hold-$name.log")"
	collector_stop "$cport"
	info "$mode: $(grep delivered "$T/hold-$name.log")"
	expect_eq "$mode: flows in Redis" "$(R HGET "$name:totals" flows)" "$(field "$sent" flows)"
	expect_eq "$mode: bytes in Redis" "$(R HGET "$name:totals" bytes)" "$(field "$sent" bytes)"
	expect_eq "$mode: bytes over the 1s stream" "$(series_sum "$name:total:1s" bytes)" \
		"$(field "$sent" bytes)"
	if [ "$mode" = before-retry ]; then
		# the copy was applied first: the retry finds the marker at its number
		grep -q "delivered: EXEC applied" "$T/hold-$name.log" ||
			fail "$mode: the held copy was not applied: $(cat "$T/hold-$name.log")"
		dups=$(logstat "$name" redis-duplicates)
		[ "${dups:-0}" -ge 1 ] || fail "$mode: no copy refused (redis-duplicates '$dups')"
	else
		# the retry applied it first: the held copy's EXEC is aborted
		grep -q "delivered: EXEC aborted" "$T/hold-$name.log" ||
			fail "$mode: the held copy was not aborted: $(cat "$T/hold-$name.log")"
	fi
done

info "two collectors, one prefix, one id, the same buckets; then a restart"
twin() {   # twin NAME: a collector writing under twin: with id "twin"
	printf 'redis = { prefix = "twin:"; id = "twin"; };\n' >"$T/twin.conf"
	eval "${1}_port=\$(free_port)"
	eval "p=\$${1}_port"
	"$COLLECTOR" -c "$T/twin.conf" -l "v5:127.0.0.1:$p" --redis "127.0.0.1:$PORT" \
		--topology none --flush 1s --clock exporter >>"$T/$1.log" 2>&1 &
	eval "${1}_pid=$!"
	BG_PIDS="$BG_PIDS $!"
	SHOW_ON_FAIL="$T/x.log $T/y.log"
	wait_for 10 grep -q "listening on" "$T/$1.log" || fail "$1 did not start: $(cat "$T/$1.log")"
}
twin_stop() {  # twin_stop NAME
	eval "p=\$${1}_port pid=\$${1}_pid"
	wait_for 10 udp_drained "$p" || fail "$1 does not read its socket"
	kill -TERM "$pid"; wait "$pid" || fail "$1: exit status $?"
}
twin x
twin y
one=$("$SEND" "$x_port" --rate 500 --count 50 --export-time 1700000000)
"$SEND" "$y_port" --rate 500 --count 50 --export-time 1700000000 >/dev/null
twin_stop x
twin_stop y
twin x
"$SEND" "$x_port" --rate 500 --count 50 --export-time 1700000000 >/dev/null
twin_stop x
expect_eq "twin: flows in Redis (3 runs)" "$(R HGET twin:totals flows)" "$(( 3 * $(field "$one" flows) ))"
expect_eq "twin: bytes in Redis (3 runs)" "$(R HGET twin:totals bytes)" "$(( 3 * $(field "$one" bytes) ))"
expect_eq "twin: entries of the one bucket" "$(R XLEN twin:total:1s)" 3
expect_eq "twin: bytes over the 1s stream" "$(series_sum twin:total:1s bytes)" "$(( 3 * $(field "$one" bytes) ))"
expect_eq "twin: bytes over the 1m stream" "$(series_sum twin:total:1m bytes)" "$(( 3 * $(field "$one" bytes) ))"
expect_eq "twin: copies refused" "$(logstat x redis-duplicates)" 0

info "a totals field near INT64_MAX"
R HSET sat:totals bytes 9223372036854775000 >/dev/null
for run in 1 2; do
	cport=$(free_port)
	collector_start sat "v5:127.0.0.1:$cport" "" --topology none --flush 1s
	got=$("$SEND" "$cport" --rate 500 --count 20)
	collector_stop "$cport"
	expect_eq "sat run $run: bytes saturated" "$(R HGET sat:totals bytes)" 9223372036854775807
	expect_eq "sat run $run: flows in Redis" "$(R HGET sat:totals flows)" \
		"$(( run * $(field "$got" flows) ))"
	n=$(logstat sat redis-saturated)
	[ "${n:-0}" -ge 1 ] || fail "sat run $run: no increment counted as saturated ('$n')"
	expect_eq "sat run $run: command errors" "$(logstat sat redis-exec-errors)" 0
	expect_eq "sat run $run: bytes over the 1s stream" "$(series_sum sat:total:1s bytes)" \
		"$(( run * $(field "$got" bytes) ))"
done
echo PASS
