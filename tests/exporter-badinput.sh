#!/bin/sh
# Bad input gets a clear message and a counter, never a crash: malformed and
# truncated frames, an unknown link type, a damaged or bogus capture file, a
# missing interface, collectors that are not there.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need nfcapd nfdump tshark python3 ss

run() {   # run NAME ARGS...: exporter with output in $T/NAME.log, status in $rc
	name=$1; shift
	"$EXPORTER" "$@" >"$T/$name.log" 2>&1
	rc=$?
	if grep -qE 'AddressSanitizer|runtime error|Segmentation' "$T/$name.log"; then
		fail "$name: $(cat "$T/$name.log")"
	fi
}

# 1. malformed frames among good ones: each dropped with a reason; the good
#    ones are exported exactly (nfdump against tshark's totals of the file).
nfcapd_start "$T/bad"; p=$NFCAPD_PORT
run bad -r "$CAPS/bad.pcap" -x "v5:127.0.0.1:$p"
nfcapd_stop
[ "$rc" -eq 0 ] || fail "bad.pcap: exit $rc: $(cat "$T/bad.log")"
dropped=$(exporter_stat "$T/bad.log" dropped)
[ "${dropped:-0}" -gt 0 ] || fail "bad.pcap: no drops counted"
info "bad.pcap: $(grep 'stats drops' "$T/bad.log")"
# every frame dropped for the reason tests/data/captures/bad.status gives it
# ("a|b" where either reason is right)
ST="$CAPS/bad.status"
expect_eq "bad.pcap frames dropped" "$dropped" "$(grep -v '^#' "$ST" | awk '$2 != "ok"' | wc -l)"
for reason in not-ip bad-linktype trunc-l2 vlan-depth mpls-depth trunc-l3 bad-ip-version \
              bad-ip-hlen bad-ip-len bad-v6ext trunc-l4; do
	got=$(exporter_stat "$T/bad.log" "$reason")
	lo=$(grep -v '^#' "$ST" | awk -v r="$reason" '$2 == r' | wc -l)
	hi=$(grep -v '^#' "$ST" | awk -v r="$reason" '$2 == r || $2 ~ "(^|[|])" r "([|]|$)"' | wc -l)
	[ "$got" -ge "$lo" ] && [ "$got" -le "$hi" ] ||
		fail "bad.pcap: $got frames dropped as $reason, bad.status says $lo..$hi"
done
grep -q 'dropped a [0-9]*-byte frame: ' "$T/bad.log" || fail "bad.pcap: drops not logged"
expect_eq "bad.pcap good packets" "$(nfdump_totals "$T/bad")" "$("$PCAP_TOTALS" --ipv4-only "$CAPS/bad.pcap")"

# 2. a link type we do not decode: every frame counted, nothing exported
frames=$(tshark -r "$CAPS/unknown-linktype.pcap" 2>/dev/null | wc -l)
run linktype -r "$CAPS/unknown-linktype.pcap" -x "v5:127.0.0.1:$p"
[ "$rc" -eq 0 ] || fail "unknown link type: exit $rc"
expect_eq "unknown link type drops" "$(exporter_stat "$T/linktype.log" bad-linktype)" "$frames"

# 3. a capture file cut in the middle of a packet: message, exit 1, and the
#    flows read so far are still exported
size=$(wc -c <"$CAPS/v4-mixed.pcap")
head -c $((size - 7)) "$CAPS/v4-mixed.pcap" >"$T/cut.pcap"
nfcapd_start "$T/cut"; p=$NFCAPD_PORT
run cut -r "$T/cut.pcap" -x "v5:127.0.0.1:$p"
nfcapd_stop
[ "$rc" -eq 1 ] || fail "truncated file: exit $rc, want 1"
grep -q 'truncated' "$T/cut.log" || fail "truncated file: no message: $(cat "$T/cut.log")"
flows=$(nfdump_totals "$T/cut" | sed 's/flows=\([0-9]*\).*/\1/')
[ "$flows" -gt 0 ] || fail "truncated file: nothing exported"
info "truncated file: exit 1, $flows flows exported: $(grep -m1 truncated "$T/cut.log")"

# 4. not a capture file at all
echo "this is not a capture" >"$T/junk.pcap"
run junk -r "$T/junk.pcap" -x "v5:127.0.0.1:$p"
[ "$rc" -eq 1 ] || fail "junk file: exit $rc, want 1"
grep -q 'junk.pcap' "$T/junk.log" || fail "junk file: message does not name the file"
info "junk file: $(cat "$T/junk.log")"

# 5. an interface that does not exist
run noif -i anemone-no-such-if0 -x "v5:127.0.0.1:$p"
[ "$rc" -eq 1 ] || fail "missing interface: exit $rc, want 1"
grep -q 'anemone-no-such-if0' "$T/noif.log" || fail "missing interface: unclear message"
info "missing interface: $(cat "$T/noif.log")"

# 6. collectors that are not there: the run completes, losses are counted,
#    and the replay exits 1 with their count
closed=$(free_port)
run unreach -r "$CAPS/real-veth.pcap" -x "ipfix+tcp:127.0.0.1:$closed" -x "v5:127.0.0.1:$closed"
[ "$rc" -eq 1 ] || fail "unreachable collectors: exit $rc, want 1"
expect_undelivered "$T/unreach.log"
grep -q "ipfix+tcp:127.0.0.1:$closed: cannot connect: Connection refused" "$T/unreach.log" ||
	fail "unreachable TCP collector: no message: $(cat "$T/unreach.log")"
line=$(grep "stats export ipfix+tcp" "$T/unreach.log")
msgs=$(echo "$line" | tr ' ' '\n' | sed -n 's/^messages=//p')
errs=$(echo "$line" | tr ' ' '\n' | sed -n 's/^send-errors=//p')
[ "$msgs" -gt 0 ] && [ "$errs" = "$msgs" ] || fail "unreachable TCP collector: $line"
info "unreachable TCP collector: $msgs messages, all counted lost"
# (every datagram refused, none sent: tests/exporter-refused.sh, in a
# namespace whose ICMP error budget no other test uses)
line=$(grep "stats export v5" "$T/unreach.log")
val() { echo "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
msgs=$(val messages) sent=$(val sent) refused=$(val refused) dropped=$(val dropped) errs=$(val send-errors)
[ "$msgs" -ge 2 ] && [ "$errs" -eq 0 ] && [ "$dropped" -eq 0 ] &&
	[ $((sent + refused)) -eq "$msgs" ] || fail "unreachable UDP collector: $line"
info "unreachable UDP collector: $line"
exit 0
