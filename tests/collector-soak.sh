#!/bin/sh
# Soak: the collector under everything at once.  100 honest exporters (a
# third each NetFlow v5, IPFIX and NetFlow v9, each from an address of its
# own) send a steady stream while a fuzzer sends mutated v5/v9/IPFIX from
# 1,000 more addresses (flipped and cut bytes, bad lengths, absurd counters
# and sampling rates, template and domain floods), one IPFIX/TCP connection
# floods valid messages as fast as the collector takes them, and Redis is
# paused (SIGSTOP), then killed (SIGKILL) and restarted on its append-only
# file.  Afterwards every honest exporter's counters in Redis (the
# exporter:ADDRESS/DOMAIN hash: bytes, packets, records) and the flood's
# are exactly what was sent, nothing was dropped by the kernel or the
# writer, and the collector's peak memory (VmHWM) stayed under the bound its
# configuration sets: the Redis backlog, the template memory, the TCP
# connections' buffers, the exact tables (max-keys) and the sketches, plus
# the program itself.
#
# SOAK_SECONDS (default 45) is the length of the traffic; bench/soak runs it
# longer.  Runs in the build without sanitizers only: AddressSanitizer's
# shadow memory and quarantine make the memory bound meaningless, and the
# sanitizer build runs every item's own test.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need redis-server redis-cli python3 ss

if nm "$COLLECTOR" 2>/dev/null | grep -q __asan_init; then
	skip "the soak's memory bound is for the build without sanitizers (run there)"
fi
S=${SOAK_SECONDS:-45}
SEND="$top_srcdir/tests/soak-send"
PORT=$(free_port)
REDIS_PERSIST=yes
redis_start
CLEANUP_HOOKS="$CLEANUP_HOOKS redis_cont"     # a stopped server would not end
cport=$(free_port)

# the bounds the memory must stay under: each limit of the configuration
BACKLOG=$((64 << 20)) TMPL=$((16 << 20)) CONNS=64 KEYS=8192
collector_start soak "udp:127.0.0.1:$cport" "
max-keys = $KEYS;
template-memory = $TMPL;
redis = { backlog = $BACKLOG; timeout = \"1s\"; };
tcp = { max-connections = $CONNS; };" \
	-l "ipfix+tcp:127.0.0.1:$cport" --topology none --flush 1s

# VmHWM of the collector, in kB
hwm() { awk '/^VmHWM:/ { print $2 }' "/proc/$CPID/status"; }
base=$(hwm)
info "collector started: VmHWM ${base} kB; traffic for $S s"

python3 "$SEND" honest "$cport" --exporters 100 --seconds "$S" --rate 4 --out "$T/honest.json" \
	>"$T/honest.log" 2>&1 &
hpid=$!
python3 "$SEND" fuzz "$cport" --sources 1000 --seconds "$S" --rate 400 >"$T/fuzz.log" 2>&1 &
fpid=$!
python3 "$SEND" flood "$cport" --seconds "$S" --out "$T/flood.json" >"$T/flood.log" 2>&1 &
lpid=$!
BG_PIDS="$BG_PIDS $hpid $fpid $lpid"

# Redis: paused for 6 s a fifth of the way in; killed at half time and
# restarted 5 s later (its append-only file is synced at every write)
sleep $((S / 5))
info "Redis paused"
kill -STOP "$REDIS_PID"
sleep 6
kill -CONT "$REDIS_PID"
info "Redis resumed"
sleep $((S / 2 - S / 5 - 6))
info "Redis killed"
kill -KILL "$REDIS_PID"; wait "$REDIS_PID" 2>/dev/null
sleep 5
redis_start
info "Redis restarted"

wait "$hpid" || fail "the honest exporters failed: $(cat "$T/honest.log")"
wait "$fpid" || fail "the fuzzer failed: $(cat "$T/fuzz.log")"
wait "$lpid" || fail "the flood failed: $(cat "$T/flood.log")"
cat "$T/honest.log" "$T/fuzz.log" "$T/flood.log" | sed 's/^/-- /'
peak=$(hwm)
collector_stop "$cport"

# what each exporter's hash must hold
python3 - "$T/honest.json" "$T/flood.json" >"$T/want" <<'PY'
import json, sys
for f in sys.argv[1:]:
    for k, (b, p, r) in sorted(json.load(open(f)).items()):
        print(k, b, p, r)
PY
[ "$(wc -l <"$T/want")" -eq 101 ] || fail "expected 101 exporters, have $(wc -l <"$T/want")"
bad=0
while read -r key b p r; do
	got=$(R HMGET "soak:exporter:$key" bytes packets records | tr '\n' ' ')
	if [ "$got" != "$b $p $r " ]; then
		echo "exporter $key: got '$got', want '$b $p $r'" >&2
		bad=$((bad + 1))
	fi
done <"$T/want"
info "collector: $(R HMGET soak:collector:stats datagrams udp-kernel-drops redis-duplicates \
	redis-batches-dropped templates-evicted dropped-bad-v5 dropped-bad-ipfix absurd-records \
	sampling-rejected template-errors | tr '\n' ' ')"
expect_eq "honest and flood exporters with counters not exact" "$bad" 0
expect_eq "datagrams the kernel dropped" "$(cstat soak udp-kernel-drops)" 0
expect_eq "batches the writer dropped" "$(cstat soak redis-batches-dropped)" 0
# the fuzz reached the decoders (and was refused there)
junk=$(( $(cstat soak dropped-bad-v5) + $(cstat soak dropped-bad-ipfix) + $(cstat soak template-errors) ))
[ "$junk" -gt 100 ] || fail "the fuzzer's datagrams were not seen: $junk refused"

# memory: the configured bounds (the exact tables' ~530 bytes a key in three
# resolutions, 64 KiB per connection, the sketches' 2 MB, the UDP batch's
# 4 MiB) over what the program held at start, with 16 MiB of slack for the
# allocator's own
bound=$(( base + (BACKLOG + TMPL + CONNS * 65536 + KEYS * 530 * 3 + (6 << 20) + (16 << 20)) / 1024 ))
info "VmHWM: $base kB at start, $peak kB at the end of the traffic; bound $bound kB"
[ "$peak" -le "$bound" ] || fail "peak memory $peak kB passed the configured bound $bound kB"
