#!/bin/sh
# One record no flow can have must not poison the totals.  An IPFIX record
# of 2^63 - 1500 bytes (one packet) used to be counted: the cumulative
# <prefix>totals hash reached 2^63 - 1500, and every later HINCRBY of an
# honest interval failed in Redis ("increment would overflow"), for good:
# the key outlives the collector.  A sampled record whose octets times the
# rate pass 2^64 wrapped to a few kilobytes.  Here each is sent in an
# interval of its own, then honest records, then a restarted collector
# sends more: the totals in Redis are exactly the honest records', the two
# are counted as absurd-records (not as records, not as lost), no command
# failed in Redis, and neither absurd source host is in a top-N set.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need redis-server redis-cli python3 ss

PORT=$(free_port)
redis_start

# send PORT SEQ SRC:DST:OCTETS:PACKETS:SAMPLING...: one IPFIX message, with
# its template, from a fixed source port (one transport session)
SPORT=$(free_port)
send() {
	python3 - "$SPORT" "$@" <<'PY' || fail "cannot send"
import socket, struct, sys, time
sport, port, seq = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
recs = [tuple(int(x) for x in a.split(":")) for a in sys.argv[4:]]
fields = [(8, 4), (12, 4), (1, 8), (2, 8), (34, 4)]   # src, dst, octets, packets, samplingInterval
tmpl = struct.pack("!HH", 256, len(fields)) + b"".join(struct.pack("!HH", *f) for f in fields)
tset = struct.pack("!HH", 2, 4 + len(tmpl)) + tmpl
data = b"".join(struct.pack("!IIQQI", *r) for r in recs)
dset = struct.pack("!HH", 256, 4 + len(data)) + data
body = tset + dset
msg = struct.pack("!HHIII", 10, 16 + len(body), int(time.time()), seq, 0) + body
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", sport))
s.sendto(msg, ("127.0.0.1", port))
PY
}
ip() { python3 -c "import ipaddress, sys; print(int(ipaddress.ip_address(sys.argv[1])))" "$1"; }
A=$(ip 10.0.0.1) B=$(ip 10.0.0.2) HUGE=$(ip 10.0.0.66) WRAP=$(ip 10.0.0.77) D=$(ip 10.0.1.1)

flushed() { [ "$(cstat "$1" datagrams)" = "$2" ]; }
start() {   # start NAME
	cport=$(free_port)
	collector_start "$1" "ipfix:127.0.0.1:$cport" "" --topology none --flush 1s
}

start absurd
# 2^63 - 1500 bytes in one packet, alone in its interval
send "$cport" 0 "$HUGE:$D:9223372036854774308:1:0"
wait_for 20 flushed absurd 1 || fail "the first message was not accounted"
# (2^52 + 1) bytes * 1:4096 = 2^64 + 4096: wrapped to 4096 bytes
send "$cport" 1 "$WRAP:$D:4503599627370497:8589934592:4096"
wait_for 20 flushed absurd 2 || fail "the second message was not accounted"
# honest: ten records, 1000 bytes and 2 packets each, and one sampled 1:100
send "$cport" 2 "$A:$D:1000:2:0" "$A:$D:1000:2:0" "$A:$D:1000:2:0" "$A:$D:1000:2:0" \
	"$A:$D:1000:2:0" "$B:$D:1000:2:0" "$B:$D:1000:2:0" "$B:$D:1000:2:0" "$B:$D:1000:2:0" \
	"$B:$D:10:1:100"
wait_for 20 flushed absurd 3 || fail "the third message was not accounted"
collector_stop "$cport"
expect_eq "absurd: bytes in Redis" "$(R HGET absurd:totals bytes)" $((9 * 1000 + 1000))
expect_eq "absurd: packets in Redis" "$(R HGET absurd:totals packets)" $((9 * 2 + 100))
expect_eq "absurd: flows in Redis" "$(R HGET absurd:totals flows)" 10
expect_eq "absurd: redis-exec-errors" "$(cstat absurd redis-exec-errors)" 0
expect_eq "absurd: absurd-records" "$(cstat absurd absurd-records)" 2
expect_eq "absurd: records-ipfix" "$(cstat absurd records-ipfix)" 10
expect_eq "absurd: lost" "$(cstat absurd lost)" 0
expect_eq "absurd: bytes of the 1h series" "$(R XRANGE absurd:total:1h - + |
	awk '/^bytes$/ { getline; s += $1 } END { print s + 0 }')" 10000
grep -q "absurd" "$T/absurd.log" || fail "the absurd records were not logged"
for k in $(R --scan --pattern 'absurd:top:src:*'); do
	R ZRANGE "$k" 0 -1
done | sort -u >"$T/members"
expect_eq "absurd: source hosts in the top-N sets" "$(tr '\n' ' ' <"$T/members")" "10.0.0.1 10.0.0.2 "

# a restarted collector adds to the same keys: they still take increments
SPORT=$(free_port)
start absurd
send "$cport" 0 "$A:$D:1000:2:0" "$B:$D:1000:2:0"
wait_for 20 flushed absurd 1 || fail "the restarted collector did not account the message"
collector_stop "$cport"
expect_eq "absurd: bytes in Redis after the restart" "$(R HGET absurd:totals bytes)" 12000
expect_eq "absurd: flows in Redis after the restart" "$(R HGET absurd:totals flows)" 12
expect_eq "absurd: redis-exec-errors after the restart" "$(cstat absurd redis-exec-errors)" 0
echo PASS
