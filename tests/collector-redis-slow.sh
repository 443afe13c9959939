#!/bin/sh
# A Redis that is slow, not gone, costs nothing and counts nothing twice.
#  - slow: redis-server is stopped (SIGSTOP) for 10 s while a steady v5
#    stream arrives, long enough for the writer's time limit (4 s here) to
#    run out with a bucket sent but its reply not yet read, then continued.
#    A writer that sends that bucket again would have Redis execute every
#    copy; one that waits for Redis in the receiving thread would leave the
#    datagrams sent meanwhile in a socket buffer too small to hold them
#    (socket-buffer: about 2 s of this stream).  The totals hash and the sum
#    of the total:1s stream equal what was sent, and the copies Redis
#    refused are counted (redis-duplicates).
#  - two collectors writing one prefix and the same buckets (--clock
#    exporter: one export time), both given the same id by mistake, and
#    one of them restarted: every run's records add up.
#  - a totals field near INT64_MAX (an earlier absurd record): the increment
#    that would pass it saturates at 9223372036854775807 and is counted
#    (redis-saturated); the other fields and later runs keep counting.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need redis-server redis-cli python3 ss

SEND="$top_srcdir/tests/v5-send"
PORT=$(free_port)
redis_start
redis_cont() { kill -CONT "$REDIS_PID"; }     # a stopped server would not end
CLEANUP_HOOKS="$CLEANUP_HOOKS redis_cont"

field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
# series_sum KEY FIELD: the sum of FIELD over every entry of stream KEY
series_sum() { R XRANGE "$1" - + | awk -v f="$2" '$0 == f { getline; s += $1 } END { print s + 0 }'; }
# logstat NAME KEY: KEY from the last statistics the collector NAME logged
# (several lines "stats name=value ...")
logstat() { grep ': stats ' "$T/$1.log" | tr ' ' '\n' | sed -n "s/^$2=//p" | tail -1; }
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
sleep 3
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
dups=$(logstat slow redis-duplicates)
[ "${dups:-0}" -ge 1 ] || fail "slow: no copy refused (redis-duplicates '$dups'): the stop did not catch a batch in flight"
info "slow: copies refused: $dups"

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
