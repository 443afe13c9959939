#!/bin/sh
# The same capture and configuration give byte-identical exports, run after
# run, over every transport (and with random sampling, whose seed is fixed in
# file mode); and the mapped reader of classic pcap files gives exactly what
# libpcap's reader gives, with and without a BPF filter.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need python3 ss

# export_once TAG CONF CAPTURE: export CAPTURE over the three transports,
# recording what each collector received in $T/TAG.{udp,tcp,v5}
# (the three sinks start together: a Python start-up is most of a run)
export_once() {
	tag=$1 cfg=$2 file=$3
	for x in udp:udp tcp:tcp udp:v5; do
		rm -f "$T/$tag.${x#*:}.port"
		"$top_srcdir/tests/flow-sink" "--${x%%:*}" 0 --out "$T/$tag.${x#*:}" \
			--port-file "$T/$tag.${x#*:}.port" &
		BG_PIDS="$BG_PIDS $!"
		eval "s_${x#*:}=\$!"
	done
	for x in udp tcp v5; do
		wait_for 10 test -s "$T/$tag.$x.port" || fail "flow-sink did not start"
	done
	s1=$s_udp s2=$s_tcp s3=$s_v5
	pu=$(cat "$T/$tag.udp.port") pt=$(cat "$T/$tag.tcp.port") p5=$(cat "$T/$tag.v5.port")
	"$EXPORTER" -c "$cfg" -r "$file" -x "ipfix:127.0.0.1:$pu" -x "ipfix+tcp:127.0.0.1:$pt" \
		-x "v5:127.0.0.1:$p5" >"$T/$tag.log" 2>&1 || fail "exporter: $(cat "$T/$tag.log")"
	sink_stop $s1; sink_stop $s2; sink_stop $s3
}

printf 'flows = { max-flows = 100000; };\n' >"$T/plain.conf"
printf 'sampling = { rate = 3; mode = "random"; };\nexport = { max-hold = "200ms"; };\n' >"$T/sampled.conf"

for conf in plain sampled; do
	for cap in real-veth.pcap v4-mixed.pcap v6.pcap; do
		export_once "$conf-$cap-1" "$T/$conf.conf" "$CAPS/$cap"
		export_once "$conf-$cap-2" "$T/$conf.conf" "$CAPS/$cap"
		for tr in udp tcp v5; do
			a="$T/$conf-$cap-1.$tr" b="$T/$conf-$cap-2.$tr"
			[ -s "$a" ] || [ "$tr" = v5 -a "$cap" = v6.pcap ] || fail "$conf $cap $tr: nothing exported"
			cmp "$a" "$b" || fail "$conf $cap $tr: exports differ between runs"
			info "$conf $cap $tr: $(wc -c <"$a") bytes, identical"
		done
	done
done

printf 'input = { file-reader = "libpcap"; };\n' >"$T/libpcap.conf"
printf 'input = { file-reader = "libpcap"; filter = "udp or icmp6"; };\n' >"$T/libpcap-f.conf"
printf 'input = { filter = "udp or icmp6"; };\n' >"$T/mapped-f.conf"
for cap in v4-mixed v6 v6-be v6-nsec vlan qinq mpls frags sll sll2 rawip bad real-veth; do
	for f in "" -f; do
		if [ -n "$f" ]; then mconf="$T/mapped-f.conf"; else mconf="$T/plain.conf"; fi
		export_once "mapped$f-$cap" "$mconf" "$CAPS/$cap.pcap"
		export_once "libpcap$f-$cap" "$T/libpcap$f.conf" "$CAPS/$cap.pcap"
		# (a plain "udp" filter matches no tagged frame: only unfiltered
		# runs must see packets)
		[ -n "$f" ] || grep -q "stats packets: seen=[1-9]" "$T/mapped$f-$cap.log" ||
			fail "$cap: nothing read"
		for tr in udp tcp v5; do
			cmp "$T/mapped$f-$cap.$tr" "$T/libpcap$f-$cap.$tr" ||
				fail "$cap${f:+ (filtered)} $tr: the mapped reader and libpcap disagree"
		done
		# (the same lines but for the time each starts with)
		a=$(grep 'stats packets' "$T/mapped$f-$cap.log" | cut -d' ' -f2-)
		b=$(grep 'stats packets' "$T/libpcap$f-$cap.log" | cut -d' ' -f2-)
		[ "$a" = "$b" ] || fail "$cap: statistics differ: $a / $b"
	done
	info "$cap: mapped reader = libpcap, with and without a filter"
done
exit 0
