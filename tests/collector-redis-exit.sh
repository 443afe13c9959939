#!/bin/sh
# At exit (SIGTERM) the collector writes what is queued for Redis for as
# long as Redis makes progress, and says what it could not write.
#  - a backlog that takes longer than a few seconds to write: 3,000
#    one-second buckets (--clock exporter, each datagram a second later)
#    queued while redis-server is stopped (SIGSTOP); the collector gets
#    SIGTERM, Redis stays stopped 4 s more, then runs 100 ms in every
#    500 ms (a loaded machine).  Every bucket must reach Redis: the totals
#    hash and the total:1s stream hold every record sent, one stream entry
#    per bucket, nothing left queued (redis-queued=0 in the last
#    statistics), nothing logged as not written.  (A collector that gives
#    the backlog a fixed 5 s leaves most buckets unwritten.)
#  - a Redis that never comes back (stopped for good): the collector gives
#    up, exits 0, logs how many intervals and records it did not write, and
#    its last statistics count them (redis-queued, redis-records-queued).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need redis-server redis-cli python3 ss

SEND="$top_srcdir/tests/v5-send"
BUCKETS=${EXIT_BUCKETS:-3000}
PORT=$(free_port)
redis_start
CLEANUP_HOOKS="$CLEANUP_HOOKS redis_cont"     # a stopped server would not end

gone() { ! kill -0 "$1" 2>/dev/null; }
now_ms() { python3 -c 'import time; print(int(time.monotonic() * 1000))'; }
# throttle: Redis runs 100 ms in every 500 ms, until killed
throttle() {
	while :; do
		kill -CONT "$REDIS_PID"; sleep 0.1
		kill -STOP "$REDIS_PID"; sleep 0.4
	done
}

info "$BUCKETS buckets queued while Redis is stopped, written at exit while it crawls"
cport=$(free_port)
collector_start crawl "v5:127.0.0.1:$cport" 'redis = { timeout = "3s"; };' \
	--topology none --flush 1s --clock exporter
kill -STOP "$REDIS_PID"
sent=$("$SEND" "$cport" --rate 1500 --count "$BUCKETS" --export-time 1700000000 --export-step 1)
wait_for 30 udp_drained "$cport" || fail "the collector does not read its socket"
t0=$(now_ms)
kill -TERM "$CPID"
sleep 4     # (the test: Redis stays stopped past the collector's timeout, 3 s)
throttle &
tpid=$!
BG_PIDS="$BG_PIDS $tpid"
wait_for 150 gone "$CPID" || fail "the collector did not exit in 150 s"
wait "$CPID" || fail "the collector's exit status: $?"
t1=$(now_ms)
kill "$tpid"; wait "$tpid" 2>/dev/null
redis_cont
info "the collector exited $(( (t1 - t0) / 1000 )) s after SIGTERM; batches written: $(logstat crawl redis-batches), commands: $(logstat crawl redis-commands)"
expect_eq "crawl: flows in Redis" "$(R HGET crawl:totals flows)" "$(field "$sent" flows)"
expect_eq "crawl: bytes in Redis" "$(R HGET crawl:totals bytes)" "$(field "$sent" bytes)"
expect_eq "crawl: entries of the 1s stream" "$(R XLEN crawl:total:1s)" "$BUCKETS"
expect_eq "crawl: bytes over the 1s stream" "$(series_sum crawl:total:1s bytes)" "$(field "$sent" bytes)"
expect_eq "crawl: bytes over the 1m stream" "$(series_sum crawl:total:1m bytes)" "$(field "$sent" bytes)"
expect_eq "crawl: left queued" "$(logstat crawl redis-queued)" 0
expect_eq "crawl: batches dropped" "$(logstat crawl redis-batches-dropped)" 0
! grep -q "not written" "$T/crawl.log" || fail "crawl: $(grep "not written" "$T/crawl.log")"

info "Redis stopped for good"
cport=$(free_port)
collector_start never "v5:127.0.0.1:$cport" 'redis = { timeout = "1s"; };' \
	--topology none --flush 1s --clock exporter
kill -STOP "$REDIS_PID"
sent=$("$SEND" "$cport" --rate 1000 --count 20 --export-time 1700000000 --export-step 1)
wait_for 30 udp_drained "$cport" || fail "the collector does not read its socket"
kill -TERM "$CPID"
wait_for 150 gone "$CPID" || fail "the collector did not give up in 150 s"
wait "$CPID" || fail "the collector's exit status: $?"
redis_cont
line=$(grep "not written" "$T/never.log") || fail "never: nothing logged as not written"
info "never: $line"
queued=$(logstat never redis-queued)
[ "${queued:-0}" -ge 20 ] || fail "never: redis-queued '$queued', want at least 20 (the buckets)"
expect_eq "never: records left queued" "$(logstat never redis-records-queued)" "$(field "$sent" flows)"
echo "$line" | grep -q "$queued intervals" || fail "never: the log line does not say $queued intervals"
echo "$line" | grep -q "$(field "$sent" flows) records" ||
	fail "never: the log line does not say $(field "$sent" flows) records"
expect_eq "never: flows in Redis" "$(R HGET never:totals flows)" ""
echo PASS
