#!/bin/sh
# The DPDK input (needs root): full-length captures replayed by DPDK's net_pcap virtual
# device (-i dpdk:0) give the same flow records as the same files read with
# -r; and missing devices, too little memory and bad EAL arguments end the
# exporter with a message and a non-zero status, not a crash.
#
# net_pcap sets each packet's length from the captured length, so only
# captures whose frames are not truncated (caplen == len) can match.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_root
need python3 ipfixDump

"$EXPORTER" -n -i dpdk:0 --dpdk "--no-pci" -x ipfix:127.0.0.1:9 >"$T/probe.log" 2>&1 ||
	skip "anemone-exporter was built without DPDK: $(tail -1 "$T/probe.log")"

# Each EAL gets its own runtime directory (--file-prefix), removed at exit.
PREFIXES=""
dpdk_cleanup() { for p in $PREFIXES; do rm -rf "/var/run/dpdk/$p"; done; }
CLEANUP_HOOKS="$CLEANUP_HOOKS dpdk_cleanup"
# eal ARGS...: EAL arguments for one run in $EAL (no hugepages, no PCI)
eal_n=0
eal() {
	eal_n=$((eal_n + 1)); prefix="anemone-test-$$-$eal_n"; PREFIXES="$PREFIXES $prefix"
	EAL="--no-huge --no-pci --no-shconf --file-prefix $prefix $*"
}

# records FILE: every field of every IPFIX data record, one record a line, sorted
records() {
	TZ=UTC ipfixDump --in "$1" | python3 -c '
import re, sys
recs, cur = [], None
for line in sys.stdin:
    if line.startswith("--- data record"):
        cur = []
        recs.append(cur)
    elif line.startswith("---") or line.startswith("***"):
        cur = None
    elif cur is not None:
        m = re.match(r"\s*\((\d+)\)\s+(\S+)\s*:\s*(.*)$", line)
        if m:
            cur.append("%s=%s" % (m.group(2), m.group(3).strip()))
for r in sorted(" ".join(sorted(r)) for r in recs):
    print(r)
'
}

# full_length FILE: no frame of the classic pcap FILE is truncated
full_length() {
	python3 - "$1" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
e = "<" if d[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
off = 24
while off < len(d):
    caplen, wirelen = struct.unpack(e + "II", d[off + 8:off + 16])
    if caplen != wirelen:
        sys.exit(1)
    off += 16 + caplen
PY
}

for cap in real-veth.pcap v4-mixed.pcap v6.pcap vlan.pcap; do
	full_length "$CAPS/$cap" || fail "$cap has truncated frames: net_pcap cannot replay it faithfully"
	for how in file dpdk; do
		sink_start tcp "$T/$cap.$how.ipfix"
		if [ $how = file ]; then
			set -- -r "$CAPS/$cap"
		else
			eal -m 512 "--vdev=net_pcap0,rx_pcap=$CAPS/$cap"
			set -- -i dpdk:0 --dpdk "$EAL" --dpdk-idle-exit 1
			if [ $cap = vlan.pcap ]; then   # the same from the configuration file
				printf 'input = { interface = "dpdk:0"; dpdk = "%s"; dpdk-idle-exit = 1; };\n' \
					"$EAL" >"$T/dpdk.conf"
				set -- -c "$T/dpdk.conf"
			fi
		fi
		SHOW_ON_FAIL="$T/$cap.$how.log"
		timeout 60 "$EXPORTER" "$@" -x "ipfix+tcp:127.0.0.1:$SINK_PORT" \
			>"$T/$cap.$how.log" 2>&1 || fail "$cap ($how): exporter exit $?"
		sink_stop "$SINK_PID"
		records "$T/$cap.$how.ipfix" >"$T/$cap.$how.txt" || fail "$cap ($how): ipfixDump"
	done
	[ -s "$T/$cap.file.txt" ] || fail "$cap: no records from -r"
	grep -q 'replaying recorded timestamps' "$T/$cap.dpdk.log" ||
		fail "$cap: net_pcap gave no recorded timestamps"
	received=$(exporter_stat "$T/$cap.dpdk.log" received)
	seen=$(exporter_stat "$T/$cap.dpdk.log" seen)
	[ "$received" = "$seen" ] && [ "$seen" -gt 0 ] ||
		fail "$cap: DPDK received $received frames, the meter saw $seen"
	diff "$T/$cap.file.txt" "$T/$cap.dpdk.txt" >"$T/$cap.diff" ||
		fail "$cap: DPDK and -r records differ: $(head -20 "$T/$cap.diff")"
	info "$cap: $(wc -l <"$T/$cap.file.txt") identical records, $seen frames"
done

# fault ARGS... -- PATTERN: the exporter fails cleanly with a message matching PATTERN
fault() {
	pattern=$1; shift
	timeout 60 "$EXPORTER" "$@" -x ipfix:127.0.0.1:9 >"$T/fault.log" 2>&1
	rc=$?
	SHOW_ON_FAIL="$T/fault.log"
	[ $rc -ne 0 ] || fail "exit 0 for: $*"
	[ $rc -lt 124 ] || fail "exit $rc (crash or hang) for: $*"
	grep -q "^anemone-exporter: .*$pattern" "$T/fault.log" || fail "no '$pattern' message for: $*"
	info "fails cleanly (exit $rc): $(grep '^anemone-exporter: ' "$T/fault.log" | tail -1)"
}
c="$CAPS/real-veth.pcap"
eal -m 512                      # no device at all
fault "no DPDK port 0" -i dpdk:0 --dpdk "$EAL"
eal -m 512 "--vdev=net_pcap0,rx_pcap=$c"
fault "no DPDK port 1" -i dpdk:1 --dpdk "$EAL"
eal -m 8 "--vdev=net_pcap0,rx_pcap=$c"      # too little memory for the mbuf pool
fault "cannot create a pool" -i dpdk:0 --dpdk "$EAL"
eal -m 512 "--vdev=net_pcap0,rx_pcap=$T/missing.pcap"   # the device fails to probe
fault "no DPDK port 0" -i dpdk:0 --dpdk "$EAL"
eal -m 512 --no-such-eal-option
fault "EAL initialisation failed" -i dpdk:0 --dpdk "$EAL"
eal -m 512
fault "not a DPDK port" -i dpdk:eth0 --dpdk "$EAL"
fault "needs EAL arguments" -i dpdk:0
fault "not a DPDK port" -i lo --dpdk "$EAL"
exit 0
