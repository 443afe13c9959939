#!/bin/sh
# The exporter as built (not the sanitizer build: this catches reads of
# uninitialised memory, which AddressSanitizer does not) runs clean under
# valgrind on captures that exercise every decoder path, both file readers
# (pcapng goes through libpcap) and every encoder: no memory error, no
# definite leak.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need valgrind python3 ss
if nm "$EXPORTER" 2>/dev/null | grep -q __asan_init; then
	skip "valgrind does not run sanitizer builds (this build has -fsanitize)"
fi

sink_start udp "$T/udp"; pu=$SINK_PORT
sink_start tcp "$T/tcp"; pt=$SINK_PORT
printf 'sampling = { rate = 2; };\nflows = { max-flows = 8; };\n' >"$T/small.conf"

for cap in v4-mixed.pcap v4-mixed.pcapng v6.pcap qinq.pcap mpls.pcap frags.pcap sll2.pcap bad.pcap; do
	for conf in /dev/null "$T/small.conf"; do
		G_SLICE=always-malloc valgrind -q --error-exitcode=99 --leak-check=full \
			--errors-for-leak-kinds=definite --show-leak-kinds=definite \
			"$EXPORTER" -c "$conf" -r "$CAPS/$cap" -x "v5:127.0.0.1:$pu" \
			-x "ipfix:127.0.0.1:$pu" -x "ipfix+tcp:127.0.0.1:$pt" >"$T/vg.log" 2>&1
		rc=$?
		[ "$rc" -eq 0 ] || fail "valgrind on $cap ($conf): exit $rc: $(grep -v ' anemone-exporter [a-z]*: ' "$T/vg.log" | head -30)"
	done
	info "$cap: valgrind clean"
done
exit 0
