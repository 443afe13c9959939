#!/bin/sh
# Lost records are counted exactly.  Export streams are recorded once
# (anemone-exporter as NetFlow v5 and IPFIX, softflowd as NetFlow v9), then
# replayed into anemone-collector by tests/dgram-replay with every Nth
# datagram dropped and some adjacent pairs swapped.  The collector's "lost"
# (statistics, Redis totals series and per-exporter hash) must equal what
# the dropped datagrams carried, computed from the datagrams themselves:
# records for v5 and IPFIX, export packets for v9; the swapped ones must not
# count.  Records received + lost = records sent.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need redis-server redis-cli softflowd python3 ss

REPLAY="$top_srcdir/tests/dgram-replay"
PORT=$(free_port)
redis_start

# a capture with enough flows for many datagrams
GEN_CAPTURE_BIN="$T/gen-capture" sh "$top_srcdir/bench/gen-capture" -n 20000 -f 3000 \
	-o "$T/cap.pcap" >/dev/null 2>&1 || fail "cannot generate the capture"

# recordings
record() {   # record NAME SENDER (with @PORT@)
	rm -f "$T/$1.port"
	"$REPLAY" record --port-file "$T/$1.port" --out "$T/$1.dg" &
	rp=$!
	BG_PIDS="$BG_PIDS $rp"
	wait_for 10 test -s "$T/$1.port" || fail "recorder did not start"
	cmd=$(echo "$2" | sed "s/@PORT@/$(cat "$T/$1.port")/g")
	sh -c "$cmd" >"$T/$1.sender.log" 2>&1 || fail "$1: $(cat "$T/$1.sender.log")"
	kill -TERM "$rp"; wait "$rp"       # (it reads everything queued first)
	[ -s "$T/$1.dg" ] || fail "$1: nothing recorded"
}
record v5 "$EXPORTER -r $T/cap.pcap -x v5:127.0.0.1:@PORT@"
record ipfix "$EXPORTER -r $T/cap.pcap -x ipfix:127.0.0.1:@PORT@"
record v9 "softflowd -d -m 100000 -r $T/cap.pcap -n 127.0.0.1:@PORT@ -v 9"


# run NAME LISTEN-PROTO REPLAY-OPTIONS...
run() {
	name=$1 lp=$2; shift 2
	cport=$(free_port)
	collector_start "$name" "$lp:127.0.0.1:$cport" "" --topology none
	out=$("$REPLAY" replay "$T/${name%%-*}.dg" "$cport" "$@") || fail "$name: replay failed"
	collector_stop "$cport"
	info "$name: $out"
	want_lost=$(echo "$out" | sed 's/.*lost=//')
	[ "$want_lost" -gt 0 ] || [ "$*" = "" ] || fail "$name: the replay dropped nothing"
	expect_eq "$name: lost (statistics)" "$(cstat "$name" lost)" "$want_lost"
	expect_eq "$name: lost (Redis series)" "$(R XRANGE "$name:total:1h" - + |
		awk '/^lost$/ { getline; s += $1 } END { print s + 0 }')" "$want_lost"
	expect_eq "$name: lost (exporter hash)" "$(for k in $(R SMEMBERS "$name:exporters"); do
		R HGET "$name:exporter:$k" lost; done | awk '{ s += $1 } END { print s + 0 }')" "$want_lost"
	for d in bad-v5 bad-ipfix version; do
		expect_eq "$name: dropped-$d" "$(cstat "$name" "dropped-$d")" 0
	done
}

sent_records() {   # every record of a recording, by its own headers
	python3 - "$1" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
off = n = 0
seqs = {}
while off < len(data):
    (l,) = struct.unpack_from("!I", data, off); d = data[off + 4:off + 4 + l]; off += 4 + l
    if struct.unpack_from("!H", d)[0] == 5:
        n += struct.unpack_from("!H", d, 2)[0]
print(n)
PY
}

run v5-clean v5
expect_eq "v5-clean: records" "$(cstat v5-clean records-v5)" "$(sent_records "$T/v5.dg")"
run v5-drop v5 --drop-every 7
expect_eq "v5-drop: received + lost = sent" \
	"$(( $(cstat v5-drop records-v5) + $(cstat v5-drop lost) ))" "$(sent_records "$T/v5.dg")"
run v5-swap v5 --drop-every 11 --swap-every 5
expect_eq "v5-swap: reordered datagrams seen" "$( [ "$(cstat v5-swap reordered)" -gt 0 ] && echo yes)" yes
run ipfix-drop ipfix --drop-every 5
run ipfix-swap ipfix --drop-every 9 --swap-every 4
run v9-drop v9 --drop-every 6

info "a late datagram in a later interval than its gap"
cport=$(free_port)
sport=$(free_port)
collector_start late "v5:127.0.0.1:$cport" "" --topology none --flush 1s
for r in 0:1 2:4; do "$REPLAY" replay "$T/v5.dg" "$cport" --range $r --sport "$sport" >/dev/null; done
# the gap counted and written: its interval closed, so the late datagram
# falls in a later one
gap_written() { gap=$(R HGET late:totals lost); [ "${gap:-0}" -gt 0 ]; }
wait_for 20 gap_written || fail "late: the gap was not counted: '$gap'"
"$REPLAY" replay "$T/v5.dg" "$cport" --range 1:2 --sport "$sport" >/dev/null
collector_stop "$cport"
expect_eq "late: lost after the late datagram (totals)" "$(R HGET late:totals lost)" 0
expect_eq "late: lost over the series (one bucket negative)" "$(R XRANGE late:total:1s - + |
	awk '/^lost$/ { getline; s += $1; if ($1 < 0) neg = 1 } END { print s + 0, neg + 0 }')" "0 1"
expect_eq "late: reordered" "$(cstat late reordered)" 1
echo PASS
