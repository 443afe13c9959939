#!/bin/sh
# anemone-collector as built (not the sanitizer build: valgrind catches
# reads of uninitialised memory, which AddressSanitizer does not) runs clean
# under valgrind through a short life that exercises every path: NetFlow v5,
# IPFIX over UDP and TCP (anemone-exporter), NetFlow v9 (softflowd), some
# malformed datagrams, placement on a topology file, writing to Redis, a
# Redis outage and the backlog written after it, SIGUSR1 and SIGTERM.  No
# memory error, no definite leak.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need valgrind redis-server redis-cli softflowd python3 ss

COLLECTOR="$top_builddir/collector/anemone-collector"
if nm "$COLLECTOR" 2>/dev/null | grep -q __asan_init; then
	skip "valgrind does not run sanitizer builds (this build has -fsanitize)"
fi
CAP="$CAPS/v4-mixed.pcap"
PORT=$(free_port)
REDIS_PERSIST=yes       # the restarted server has its data back
redis_start

cport=$(free_port)
printf 'redis = { prefix = "vg:"; };\n' >"$T/c.conf"
G_SLICE=always-malloc valgrind -q --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite --show-leak-kinds=definite \
	"$COLLECTOR" -c "$T/c.conf" -l "udp:127.0.0.1:$cport" -l "ipfix+tcp:127.0.0.1:$cport" \
	--redis "127.0.0.1:$PORT" --topology "$top_srcdir/tests/data/collector/lab-lsdb.json" \
	--flush 1s >"$T/vg.log" 2>&1 &
cpid=$!
BG_PIDS="$BG_PIDS $cpid"
SHOW_ON_FAIL="$T/vg.log"
wait_for 30 grep -q "listening on ipfix+tcp" "$T/vg.log" || fail "collector did not start under valgrind"
wait_for 30 grep -q "topology loaded" "$T/vg.log" || fail "topology not loaded"

stat() { R HGET vg:collector:stats "$1"; }
positive() { [ "$(stat "$1" 2>/dev/null || echo 0)" -gt 0 ] 2>/dev/null; }
exporter() { "$EXPORTER" -r "$CAP" -x "$1" >>"$T/senders.log" 2>&1 || fail "exporter $1"; }

exporter "v5:127.0.0.1:$cport"
exporter "ipfix:127.0.0.1:$cport"
exporter "ipfix+tcp:127.0.0.1:$cport"
softflowd -d -m 100000 -r "$CAP" -n "127.0.0.1:$cport" -v 9 >>"$T/senders.log" 2>&1 ||
	fail "softflowd"
# the first IPv4 flows of the lab's (routed on its topology) as one v5
# datagram, and malformed datagrams
python3 - "$cport" "$top_srcdir/tests/data/collector/lab-flows" <<'PY'
import ipaddress, socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
d = ("127.0.0.1", int(sys.argv[1]))
recs = []
for line in open(sys.argv[2]):
    f = line.split()
    if len(f) == 4 and not line.startswith("#") and ":" not in f[0] and len(recs) < 10:
        src, dst = (int(ipaddress.ip_address(a)) for a in f[:2])
        recs.append(struct.pack("!IIIHHIIIIHHBBBBHHBBH", src, dst, 0, 0, 0, int(f[3]),
                                int(f[2]), 0, 0, 1000, 2000, 0, 0, 17, 0, 0, 0, 0, 0, 0))
s.sendto(struct.pack("!HHIIIIBBH", 5, len(recs), 0, 0, 0, 0, 1, 1, 0) + b"".join(recs), d)
for b in (b"", b"\x00\x05", struct.pack("!HH", 5, 31) + b"\0" * 20,
          struct.pack("!HHIII", 10, 40, 0, 0, 1) + struct.pack("!HH", 2, 2) + b"\0" * 20,
          struct.pack("!HHIII", 10, 32, 0, 0, 2) + struct.pack("!HHHHHH", 2, 16, 300, 2, 8, 0) + b"\0" * 4,
          struct.pack("!HHIIII", 9, 1, 0, 0, 0, 3) + struct.pack("!HH", 400, 8) + b"\1" * 4):
    s.sendto(b, d)
PY
for k in records-v5 records-ipfix records-v9 routed dropped-bad-v5 dropped-bad-ipfix; do
	wait_for 30 positive "$k" || fail "nothing counted as $k: $(R HGETALL vg:collector:stats | paste -sd' ')"
done
info "v5, IPFIX (UDP, TCP), v9 and bad input counted and placed: routed=$(stat routed)"

info "Redis outage"
redis_stop
exporter "v5:127.0.0.1:$cport"
wait_for 30 grep -q "redis 127.0.0.1:$PORT: .*; will retry" "$T/vg.log" ||
	fail "the outage is not logged"
sleep 2                 # (the test: the outage lasts 2 s, intervals queue up)
redis_start
wait_for 30 grep -q "redis 127.0.0.1:$PORT: reachable again" "$T/vg.log" ||
	fail "the end of the outage is not logged"
want=$(( $(stat records-v5) + $(stat records-v9) + $(stat records-ipfix) ))
flows() { [ "$(R HGET vg:totals flows)" = "$want" ]; }
wait_for 30 flows || fail "totals after the outage: $(R HGET vg:totals flows) flows, want $want"
info "Redis outage: logged, the backlog written after it ($want flows in totals)"
kill -USR1 "$cpid"
wait_for 20 grep -q "stats datagrams=" "$T/vg.log" || fail "SIGUSR1: no statistics logged"

kill -TERM "$cpid"
wait "$cpid"; rc=$?
[ "$rc" -eq 0 ] || fail "valgrind: exit $rc: $(grep -v ' anemone-collector [a-z]*: ' "$T/vg.log" | head -40)"
grep -q '^==[0-9]*==' "$T/vg.log" && fail "valgrind reported: $(grep '^==' "$T/vg.log" | head -40)"
info "collector clean under valgrind: $(grep -c . "$T/vg.log") log lines, exit 0"
exit 0
