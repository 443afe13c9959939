#!/bin/sh
# Idle and active timeouts, TCP FIN/RST endings, eviction at max-flows and
# packet sampling (by the exporter, or upstream of the capture), on
# timestamped captures whose records are known (tests/data/scenarios, written
# by tests/data/gen-scenarios.py): the records read back by ipfixDump must
# equal the expected ones, and the sampling rate must reach collectors (IPFIX
# options record, v5 header read by nfdump).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need ipfixDump nfcapd nfdump python3 ss

S="$top_srcdir/tests/data/scenarios"

for exp in "$S"/*.expected; do
	name=$(basename "$exp" .expected)
	sink_start tcp "$T/$name.ipfix"; sink=$SINK_PID port=$SINK_PORT
	"$EXPORTER" -c "$S/$name.conf" -r "$S/$name.pcap" -x "ipfix+tcp:127.0.0.1:$port" \
		>"$T/$name.log" 2>&1 || fail "$name: exporter failed: $(cat "$T/$name.log")"
	sink_stop "$sink"
	"$top_srcdir/tests/ipfix-records" "$T/$name.ipfix" >"$T/$name.all" || fail "$name: ipfixDump"
	grep -v '^options' "$T/$name.all" >"$T/$name.got"
	diff -u "$exp" "$T/$name.got" || fail "$name: records differ from $exp"
	info "$name: $(wc -l <"$exp") records as expected"
done

# end-reason counters agree with the records
expect_eq "evict: ended-resources" "$(exporter_stat "$T/evict.log" ended-resources)" 2
expect_eq "tcpend: ended-eof" "$(exporter_stat "$T/tcpend.log" ended-eof)" 3
expect_eq "active: ended-active" "$(exporter_stat "$T/active.log" ended-active)" 2
expect_eq "idle: ended-idle" "$(exporter_stat "$T/idle.log" ended-idle)" 4
expect_eq "sampling: sampled-out" "$(exporter_stat "$T/sampling.log" sampled-out)" 139
expect_eq "upstream: sampled-out (every packet metered)" \
	"$(exporter_stat "$T/upstream.log" sampled-out)" 0

# the sampling rate travels: an IPFIX options record (PSAMP systematic
# count-based: 1 packet selected, then 9 skipped) ...
grep -q '^options .*samplingPacketInterval=1 samplingPacketSpace=9' "$T/sampling.all" ||
	fail "sampling: no options record saying 1 in 10: $(grep options "$T/sampling.all")"
info "sampling: $(grep '^options' "$T/sampling.all" | head -1)"
# upstream sampling is declared as random (samplingAlgorithm 2)
grep -q '^options .*samplingAlgorithm=2 samplingPacketInterval=1 samplingPacketSpace=9' \
	"$T/upstream.all" ||
	fail "upstream: no options record saying 1 in 10 at random: $(grep options "$T/upstream.all")"
info "upstream: $(grep '^options' "$T/upstream.all" | head -1)"

# ... which nfcapd applies, as it does the v5 header's sampling interval:
# nfdump shows the counts scaled back (10 x 10 and 6 x 10 packets), whether
# the exporter sampled the 160 packets or a device before the capture did
for scen in sampling upstream; do
	for proto in v5 ipfix; do
		nfcapd_start "$T/nf-$scen-$proto"; p=$NFCAPD_PORT
		"$EXPORTER" -c "$S/$scen.conf" -r "$S/$scen.pcap" -x "$proto:127.0.0.1:$p" \
			>"$T/$scen-$proto.log" 2>&1 || fail "$scen $proto: $(cat "$T/$scen-$proto.log")"
		nfcapd_stop
		expect_eq "$scen $proto scaled back by nfdump" "$(nfdump_totals "$T/nf-$scen-$proto")" \
			"flows=2 packets=160 octets=7680"
	done
done

# random 1-in-10 sampling keeps about a tenth of the packets: of the 306
# packets in active + sampling, 30.6 on average with a standard deviation
# of 5.2; accept 4 deviations either way
printf 'sampling = { rate = 10; mode = "random"; seed = 42; };\n' >"$T/random.conf"
sink_start udp "$T/random.v5"     # a replay whose messages are refused exits 1
for cap in active sampling; do
	"$EXPORTER" -c "$T/random.conf" -r "$S/$cap.pcap" -x "v5:127.0.0.1:$SINK_PORT" \
		>"$T/random-$cap.log" 2>&1 || fail "random sampling: $(cat "$T/random-$cap.log")"
done
sink_stop "$SINK_PID"
kept=$(( $(exporter_stat "$T/random-active.log" decoded) + $(exporter_stat "$T/random-sampling.log" decoded) ))
[ "$kept" -ge 10 ] && [ "$kept" -le 52 ] || fail "random 1-in-10 sampling kept $kept of 306 packets"
info "random 1-in-10 sampling kept $kept of 306 packets"
exit 0
