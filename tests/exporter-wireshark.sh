#!/bin/sh
# tshark decodes what we put on the wire — NetFlow v5, NetFlow v9, IPFIX
# over UDP and over TCP, templates and the sampling options record — without a malformed
# packet or an expert warning, and finds every record and the sampling rate
# declared, also for packets sampled upstream of the capture.  Every run uses a
# 700-byte MTU: no datagram may exceed it, and messages are filled up to it.  The export is
# captured on loopback with tcpdump (needs root, as CI is).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_root
need tshark tcpdump nfcapd python3 ss

CAPTURES="$CAPS/v4-mixed.pcap $CAPS/v6.pcap $CAPS/qinq.pcap $CAPS/mpls.pcap $CAPS/frags.pcap
          $CAPS/real-veth.pcap $top_srcdir/tests/data/scenarios/sampling.pcap"
nfcapd_start "$T/v5"; p5=$NFCAPD_PORT
nfcapd_start "$T/v9"; p9=$NFCAPD_PORT
nfcapd_start "$T/udp"; pu=$NFCAPD_PORT
sink_start tcp "$T/tcp.ipfix"; sink=$SINK_PID pt=$SINK_PORT

# immediate mode gives every frame a snaplen-sized ring slot: a 128 MiB ring
# holds ~1900 frames of 70,000 bytes (loopback TCP segments reach 64 KiB)
tcpdump -i lo -s 70000 -B 131072 -U --immediate-mode -w "$T/wire.pcap" "udp port $p5 or udp port $p9 or udp port $pu or tcp port $pt" \
	>"$T/tcpdump.log" 2>&1 &
td=$!; BG_PIDS="$BG_PIDS $td"
wait_for 10 grep -q "listening on" "$T/tcpdump.log" || fail "tcpdump did not start: $(cat "$T/tcpdump.log")"

printf 'export = { mtu = 700; };\n' >"$T/plain.conf"
printf 'export = { mtu = 700; };\nsampling = { rate = 2; };\n' >"$T/sampled.conf"
v4flows=0 allflows=0
for f in $CAPTURES; do
	for conf in "$T/plain.conf" "$T/sampled.conf"; do
		"$EXPORTER" -c "$conf" -r "$f" -x "v5:127.0.0.1:$p5" -x "v9:127.0.0.1:$p9" -x "ipfix:127.0.0.1:$pu" \
			-x "ipfix+tcp:127.0.0.1:$pt" >"$T/exp.log" 2>&1 || fail "exporter on $f: $(cat "$T/exp.log")"
		created=$(exporter_stat "$T/exp.log" created)
		skipped=$(exporter_stat "$T/exp.log" skipped-ipv6)
		allflows=$((allflows + created))
		v4flows=$((v4flows + created - skipped))
	done
done
# sampled upstream: every packet metered, 1 in 10 declared (as random)
printf 'export = { mtu = 700; };\nsampling = { rate = 10; mode = "upstream"; };\n' >"$T/upstream.conf"
"$EXPORTER" -c "$T/upstream.conf" -r "$top_srcdir/tests/data/scenarios/upstream.pcap" \
	-x "v5:127.0.0.1:$p5" -x "v9:127.0.0.1:$p9" -x "ipfix:127.0.0.1:$pu" -x "ipfix+tcp:127.0.0.1:$pt" \
	>"$T/exp.log" 2>&1 || fail "exporter, upstream sampling: $(cat "$T/exp.log")"
created=$(exporter_stat "$T/exp.log" created)
allflows=$((allflows + created)) v4flows=$((v4flows + created))
# let tcpdump write out what it has before stopping it, then make sure the
# kernel dropped nothing: a short capture would make the counts below lie
size=-1
while [ "$size" != "$(wc -c <"$T/wire.pcap")" ]; do
	size=$(wc -c <"$T/wire.pcap"); sleep 0.5
done
kill "$td"; wait "$td" 2>/dev/null
grep -q '^0 packets dropped by kernel' "$T/tcpdump.log" ||
	fail "the capture of our export lost packets: $(cat "$T/tcpdump.log")"
sink_stop "$sink"

# TCP sequence analysis judges the capture (loss under load), not our export
DEC="-o tcp.analyze_sequence_numbers:FALSE -d udp.port==$p5,cflow -d udp.port==$p9,cflow -d udp.port==$pu,cflow -d tcp.port==$pt,cflow"
# shellcheck disable=SC2086
tshark -r "$T/wire.pcap" $DEC -q -z expert,warn >"$T/expert.txt" 2>&1 || fail "tshark: $(cat "$T/expert.txt")"
if grep -qE '^(Errors|Warns) \(' "$T/expert.txt"; then
	fail "tshark reports problems: $(cat "$T/expert.txt")"
fi
# shellcheck disable=SC2086
bad=$(tshark -r "$T/wire.pcap" $DEC -Y '_ws.malformed || cflow.unknown_field_type' 2>/dev/null | wc -l)
expect_eq "frames tshark finds malformed" "$bad" 0

# every record decoded: v5 records, and IPFIX data records per transport
# shellcheck disable=SC2086
v5recs=$(tshark -r "$T/wire.pcap" $DEC -Y "udp.port==$p5" -T fields -e cflow.count 2>/dev/null |
	awk '{ n += $1 } END { print n + 0 }')
expect_eq "v5 records tshark decodes" "$v5recs" "$v4flows"
for port in "udp.port==$p9" "udp.port==$pu" "tcp.port==$pt"; do
	# shellcheck disable=SC2086
	recs=$(tshark -r "$T/wire.pcap" $DEC -Y "$port" -T fields -e cflow.octets 2>/dev/null |
		tr ',' '\n' | grep -c .)
	expect_eq "v9/IPFIX data records tshark decodes ($port)" "$recs" "$allflows"
done
# shellcheck disable=SC2086
opts=$(tshark -r "$T/wire.pcap" $DEC -Y "udp.port==$pu" -T fields -e cflow.sampling_packet_interval 2>/dev/null | grep -c .)
[ "$opts" -gt 0 ] || fail "tshark finds no sampling options record"
info "sampling options records on IPFIX/UDP: $opts"
# the upstream run's rate: v5 header mode 2 (random), interval 10; IPFIX
# samplingAlgorithm 2 (random), 1 packet in 10 (9 skipped), on both transports
# shellcheck disable=SC2086
up5=$(tshark -r "$T/wire.pcap" $DEC -Y "udp.port==$p5 && cflow.samplingmode == 2 && cflow.samplerate == 10" 2>/dev/null | wc -l)
[ "$up5" -gt 0 ] || fail "tshark finds no v5 header declaring 1 in 10 at random"
for port in "udp.port==$pu" "tcp.port==$pt"; do
	# shellcheck disable=SC2086
	upi=$(tshark -r "$T/wire.pcap" $DEC -Y "$port && cflow.sampling_algorithm == 2 && cflow.sampling_packet_space == 9" 2>/dev/null | wc -l)
	[ "$upi" -gt 0 ] || fail "tshark finds no IPFIX options record declaring 1 in 10 at random ($port)"
done
# shellcheck disable=SC2086
up9=$(tshark -r "$T/wire.pcap" $DEC -Y "udp.port==$p9 && cflow.sampling_algorithm == 2 && cflow.sampling_interval == 10" 2>/dev/null | wc -l)
[ "$up9" -gt 0 ] || fail "tshark finds no v9 options record declaring 1 in 10 at random"
info "upstream 1 in 10 declared: $up5 v5 datagrams, $up9 v9; IPFIX options records on UDP and TCP"

# shellcheck disable=SC2086
maxlen=$(tshark -r "$T/wire.pcap" -Y udp -T fields -e ip.len 2>/dev/null | sort -n | tail -1)
[ "$maxlen" -le 700 ] && [ "$maxlen" -gt 600 ] || fail "largest datagram is $maxlen bytes with a 700-byte MTU"
info "largest datagram with a 700-byte MTU: $maxlen bytes"
exit 0
