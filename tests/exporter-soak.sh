#!/bin/sh
# Soak (b) of issue 15: the exporter meters a capture at full speed (-r, no
# rate limit) while, of its four destinations, one stalls (an IPFIX/TCP
# collector that accepts and never reads), two refuse (NetFlow v5 to a
# closed UDP port, IPFIX to a closed TCP port) and one is healthy (an
# IPFIX/TCP tests/flow-sink).  The healthy collector must receive every
# record the exporter made, carrying every packet of the capture; the
# stalled one costs the replay one wait of export.replay-patience and then
# drops, counted; the refusals are counted; nothing is left queued and
# every message is counted once; and the exporter exits 1, its last line
# counting the messages lost.
#
# The capture (bench/gen-capture): FLOWS flows of PACKETS/FLOWS packets,
# GAP_US apart, with a 1 s active timeout, so records leave all through the
# replay.  SOAK_PACKETS, SOAK_FLOWS and SOAK_GAP_US make it longer
# (bench/soak exporter runs it ten times as long).
#
# Runs in a network namespace of its own: the kernel's budget of ICMP
# errors (which tells the exporter about the closed UDP port) is per
# namespace.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_root
need ip python3 ss ipfixDump

PACKETS=${SOAK_PACKETS:-300000} FLOWS=${SOAK_FLOWS:-30000} GAP_US=${SOAK_GAP_US:-20}
GEN_CAPTURE_BIN="$T/gen-capture" sh "$top_srcdir/bench/gen-capture" -n "$PACKETS" -f "$FLOWS" \
	-g "$GAP_US" -o "$T/soak.pcap" >/dev/null 2>&1 || fail "cannot generate the capture"
info "capture: $PACKETS packets over $FLOWS flows, $GAP_US us apart"

N=anm-soak-$$
netns_add "$N" || fail "cannot create a namespace"
ip -n "$N" link set lo up
in_ns() { ip netns exec "$N" "$@"; }

# the stalled collector: accepts, never reads
stall_start "$N"
stall=$STALL_PORT

in_ns "$top_srcdir/tests/flow-sink" --tcp 0 --out "$T/healthy.ipfix" --port-file "$T/healthy.port" &
sink=$!; BG_PIDS="$BG_PIDS $sink"
wait_for 10 test -s "$T/healthy.port" || fail "flow-sink did not start"
healthy=$(cat "$T/healthy.port")
closed=$(free_port)      # nothing listens on it in the namespace, UDP or TCP

cat >"$T/soak.conf" <<EOF
flows = { active-timeout = "1s"; };
export = { max-rate = 0; replay-patience = "2s"; };
EOF
SHOW_ON_FAIL="$T/exp.log"
in_ns timeout 120 "$EXPORTER" -c "$T/soak.conf" -r "$T/soak.pcap" \
	-x "ipfix+tcp:127.0.0.1:$stall" -x "v5:127.0.0.1:$closed" \
	-x "ipfix+tcp:127.0.0.1:$closed" -x "ipfix+tcp:127.0.0.1:$healthy" >"$T/exp.log" 2>&1
rc=$?
sink_stop "$sink"
sed 's/^/   /' "$T/exp.log"
[ "$rc" -eq 1 ] || fail "exporter exit $rc, want 1 (messages were lost)"
expect_undelivered "$T/exp.log"

# line DEST: its statistics; val KEY: a value from it
line() { line=$(grep "stats export $1:" "$T/exp.log"); [ -n "$line" ] || fail "$1: no statistics"; }
val() { echo "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
once() {   # every message counted once, nothing left queued
	expect_eq "$1: messages = sent + refused + dropped + send-errors" "$(val messages)" \
		"$(($(val sent) + $(val refused) + $(val dropped) + $(val send-errors)))"
	expect_eq "$1: queued at exit" "$(val queued)" 0
}

# the healthy collector: every record, every packet of the capture
line "ipfix+tcp:127.0.0.1:$healthy"
records=$(val records)
# ipfixDump decodes it: every data record, and their packetDeltaCount
got=$(ipfixDump --in "$T/healthy.ipfix" 2>"$T/ipfixdump.err" |
	awk '/^--- data record/ { n++ } $2 == "packetDeltaCount" { p += $NF }
	     END { printf "records=%d packets=%d\n", n, p }')
[ -s "$T/ipfixdump.err" ] && fail "ipfixDump: $(head -3 "$T/ipfixdump.err")"
expect_eq "healthy collector" "$got" "records=$records packets=$PACKETS"
expect_eq "healthy collector: sent" "$(val sent)" "$(val messages)"
once healthy

# the stalled one: dropped, counted; the replay waited for it once
line "ipfix+tcp:127.0.0.1:$stall"
[ "$(val dropped)" -gt 0 ] || fail "stalled collector: nothing dropped: $line"
echo "$line" | grep -q ' stalled' || fail "stalled collector: not reported stalled: $line"
grep -q "ipfix+tcp:127.0.0.1:$stall: the collector took nothing for 2 s" "$T/exp.log" ||
	fail "stalled collector: no log line"
once stalled
info "stalled collector: sent $(val sent), dropped $(val dropped) of $(val messages)"

# the refusing ones
line "v5:127.0.0.1:$closed"
[ "$(val refused)" -gt 0 ] || fail "closed UDP port: nothing refused: $line"
grep -q "v5:127.0.0.1:$closed: the collector refuses datagrams" "$T/exp.log" ||
	fail "closed UDP port: no log line"
once "closed UDP port"
info "closed UDP port: refused $(val refused) of $(val messages) (ICMP errors are rate-limited: a lower bound)"
line "ipfix+tcp:127.0.0.1:$closed"
expect_eq "closed TCP port: lost (no connection)" "$(val send-errors)" "$(val messages)"
grep -q "ipfix+tcp:127.0.0.1:$closed: cannot connect: Connection refused" "$T/exp.log" ||
	fail "closed TCP port: no log line"
once "closed TCP port"
exit 0
