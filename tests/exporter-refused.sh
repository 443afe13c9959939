#!/bin/sh
# Datagrams to a UDP port nobody listens on are not counted as sent (issue
# 15, item 13).  The exporter replays a capture to closed UDP ports, over
# IPv4 and IPv6 (NetFlow v5 and IPFIX): every datagram draws an ICMP port
# unreachable, and the statistics must count each one refused, none sent,
# and say in the log that the collector refuses.
#
# It runs in a network namespace of its own: the kernel's budget of ICMP
# errors (net.ipv4.icmp_msgs_per_sec, burst icmp_msgs_burst) is per
# namespace, so other tests on the machine cannot use it up; and the replay
# is paced below that budget, so that every refusal is reported.
#
# Before the fix a refusal showed up as an error on the next send: the
# datagram that drew it stayed counted as sent, and the next one, which
# might have been delivered, was counted lost.
#
# A replay that could not deliver what it produced exits 1 (issue 16),
# its last line counting the messages lost.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_root
need ip python3

N=anm-refused-$$
netns_add "$N" || fail "cannot create a namespace"
ip -n "$N" link set lo up
in_ns() { ip netns exec "$N" "$@"; }
closed4=$(free_port) closed6=$(free_port)    # nothing in the namespace listens

printf 'export = { max-rate = 200; };\n' >"$T/paced.conf"
in_ns "$EXPORTER" -c "$T/paced.conf" -r "$CAPS/v4-mixed.pcap" \
	-x "v5:127.0.0.1:$closed4" -x "ipfix:127.0.0.1:$closed4" -x "ipfix:[::1]:$closed6" \
	>"$T/exp.log" 2>&1
rc=$?
sed 's/^/   /' "$T/exp.log"
[ "$rc" -eq 1 ] || fail "exporter exit $rc, want 1: nothing was delivered"
expect_undelivered "$T/exp.log"

for dest in "v5:127.0.0.1:$closed4" "ipfix:127.0.0.1:$closed4" "ipfix:[::1]:$closed6"; do
	pat=$(printf '%s' "$dest" | sed 's/[][]/\\&/g')
	line=$(grep "stats export $pat:" "$T/exp.log")
	[ -n "$line" ] || fail "$dest: no statistics"
	val() { echo "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
	msgs=$(val messages)
	[ "$msgs" -ge 2 ] || fail "$dest: only $msgs messages: $line"
	expect_eq "$dest: sent (of $msgs)" "$(val sent)" 0
	expect_eq "$dest: refused" "$(val refused)" "$msgs"
	expect_eq "$dest: send errors" "$(val send-errors)" 0
	grep -q "$pat: the collector refuses datagrams (Connection refused)" "$T/exp.log" ||
		fail "$dest: no log line saying the collector refuses"
done
exit 0
