#!/bin/sh
# A burst of 1.2 million distinct source hosts (and as many destination
# prefixes) in one interval must not leave the collector holding memory in
# proportion: the top-N talker and prefix tables are a heavy-hitter sketch
# of fixed size.  Five heavy hitters, spread through the burst, must still
# be the top five members of every resolution's top:src set, in order, with
# scores within the documented error (score - error <= true <= score, and
# error <= the bucket's bytes / k, k = top-n x top-sketch = 3200 by
# default); their destination prefixes lead top:dstpfx likewise; the totals
# stay exact; and the collector's peak RSS (VmHWM) stays under a bound.
# Before the sketch, the tables grew to max-keys (1M) entries per
# resolution and the peak passed 1 GB.
#
# The burst is 40,400 NetFlow v5 datagrams of 30 records, all stamped with
# one export time and counted with --clock exporter, so each resolution has
# exactly one bucket; a last datagram an hour later closes them.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need redis-server redis-cli python3 ss

if nm "$COLLECTOR" 2>/dev/null | grep -q __asan_init; then
	HWM_MAX_KB=150000   # AddressSanitizer's shadow memory and quarantine
else
	HWM_MAX_KB=100000
fi
PORT=$(free_port)
redis_start
cport=$(free_port)
collector_start burst "v5:127.0.0.1:$cport" "" --topology none --clock exporter

T0=1700000000
python3 - "$cport" "$T0" >"$T/sent" <<'PY' || fail "the generator failed"
import socket, struct, sys, time
port, t0 = int(sys.argv[1]), int(sys.argv[2])
# the heavy hitters come in once the sketch is full: they take over
# counters, and their counts carry an error
NDG, HEAVY_EVERY, HEAVY_FROM = 40400, 40, 400
hdr = struct.Struct("!HHIIIIBBH")
rec = struct.Struct("!IIIHHIIIIHHxBBBHHBBxx")
heavy = [(0x0a090901 + i, 0x0ac80001 + (i << 8), (5 - i) * 1000000) for i in range(5)]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
hexport = ":%04X" % port

def queued():      # bytes waiting in the collector's socket
    with open("/proc/net/udp") as f:
        for line in f:
            p = line.split()
            if p[1].endswith(hexport):
                return int(p[4].split(":")[1], 16)
    return 0

seq = host = nheavy = 0
total_bytes = total_recs = 0
for j in range(NDG + 1):
    last = j == NDG
    buf = bytearray(24 + 30 * 48)
    n = 0
    if last:           # an hour later: closes the burst's buckets
        rec.pack_into(buf, 24, 0x0a0a0a0a, 0x0a0b0b0b, 0, 0, 0, 1, 100, 0, 0, 1, 2, 0, 17, 0, 0, 0, 0, 0)
        n = 1
    else:
        if j >= HEAVY_FROM and j % HEAVY_EVERY == 0:
            nheavy += 1
            for src, dst, b in heavy:
                rec.pack_into(buf, 24 + n * 48, src, dst, 0, 0, 0, 10, b, 0, 0, 1, 2, 0, 17, 0, 0, 0, 0, 0)
                n += 1
                total_bytes += b
        while n < 30:
            src = 0x0b000000 + host
            dst = 0x0c000000 + (host << 8) + 1
            rec.pack_into(buf, 24 + n * 48, src, dst, 0, 0, 0, 1, 1000, 0, 0, 1, 2, 0, 17, 0, 0, 0, 0, 0)
            host += 1
            n += 1
            total_bytes += 1000
        total_recs += n
    hdr.pack_into(buf, 0, 5, n, 1000, t0 + (3600 if last else 0), 0, seq, 0, 0, 0)
    seq += n
    s.sendto(bytes(buf[:24 + n * 48]), ("127.0.0.1", port))
    # paced so that the socket never overflows, even with the kernel's
    # default receive buffer (208 KiB; a datagram costs about 2.3 KiB of it)
    if j % 40 == 39 or last:
        deadline = time.time() + 60
        while queued() > (48 << 10) and time.time() < deadline:
            time.sleep(0.001)
print(total_recs, total_bytes, host, nheavy)
PY
read -r nrec nbytes nhosts nheavy <"$T/sent"
info "sent $nrec records ($nhosts distinct source hosts and 5 heavy hitters), $nbytes bytes"

# the burst's buckets are written when the last datagram closes them
B1H=$(( T0 / 3600 * 3600000 )) B1M=$(( T0 / 60 * 60000 )) B10S=$(( T0 / 10 * 10000 ))
written() { [ "$(R GET burst:updated:1h)" = "$B1H" ]; }
wait_for 120 written || fail "the burst's 1h bucket was not written"
hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$CPID/status")
rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$CPID/status")
info "collector: VmHWM $hwm kB, VmRSS $rss kB after the burst"
collector_stop "$cport"

expect_eq "burst: lost" "$(cstat burst lost)" 0
expect_eq "burst: records-v5" "$(cstat burst records-v5)" $((nrec + 1))
expect_eq "burst: bytes (totals)" "$(R HGET burst:totals bytes)" $((nbytes + 100))
bad=""
for res in "10s $B10S" "1m $B1M" "1h $B1H"; do
	set -- $res
	expect_eq "burst: bytes of the $1 bucket" "$(R XRANGE "burst:total:$1" "$2" "$2" |
		awk '/^bytes$/ { getline; print }')" "$nbytes"
	for kind in src dstpfx; do
		R ZREVRANGE "burst:top:$kind:$1:$2" 0 -1 WITHSCORES | paste - - >"$T/top"
		R HGETALL "burst:toperr:$kind:$1:$2" | paste - - >"$T/err"
		[ "$(wc -l <"$T/top")" = 100 ] || bad="$bad top:$kind:$1 has $(wc -l <"$T/top") members, want 100;"
		python3 - "$kind" "$1" "$nbytes" "$nheavy" "$T/top" "$T/err" <<'PY' || bad="$bad top:$kind:$1 (above);"
import sys
kind, res, total, nheavy = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
top = [l.split() for l in open(sys.argv[5])]
err = dict(l.split() for l in open(sys.argv[6]) if l.strip())
k = 3200                              # top-n 100 x top-sketch 32
names = ["10.9.9.%d" % (i + 1) for i in range(5)] if kind == "src" else \
        ["10.200.%d.0/24" % i for i in range(5)]
want = [(5 - i) * 1000000 * nheavy for i in range(5)]
bad = 0
for i in range(5):
    m, score = top[i][0], int(top[i][1])
    e = int(err.get(m, -1))
    ok = m == names[i] and e >= 0 and score - e <= want[i] <= score and e * k <= total
    print("-- top:%s:%s #%d %s %d (true %d, error %d, bound %d)%s" % (
        kind, res, i + 1, m, score, want[i], e, total // k, "" if ok else "  <-- wrong"))
    bad += not ok
# every member's error is within the bound
bad += sum(1 for m, _ in top if int(err.get(m, -1)) < 0 or int(err[m]) * k > total)
sys.exit(1 if bad else 0)
PY
	done
done
[ "$hwm" -lt "$HWM_MAX_KB" ] || bad="$bad the collector's VmHWM reached $hwm kB (bound $HWM_MAX_KB kB);"
[ -z "$bad" ] || fail "$bad"
info "VmHWM $hwm kB < $HWM_MAX_KB kB"
echo PASS
