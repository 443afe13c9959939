#!/bin/sh
# The DPDK input (needs root): full-length captures replayed by DPDK's net_pcap virtual
# device (-i dpdk:0) give the same flow records as the same files read with
# -r, with one worker and with two (software spreading: net_pcap has no
# RSS); with two, every flow and both directions of every conversation are
# metered by exactly one worker; two ports are read at once; live capture
# (net_pcap on a veth) with two workers; a device whose RSS is not as
# needed (net_tap) falls back to software spreading; and missing
# devices, a port that cannot start, too little memory, too few lcores and
# bad EAL arguments end the exporter with a message and a non-zero status,
# not a crash.
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

# records FILE [REGEX]: every field (but those matching REGEX) of every IPFIX
# data record, one record a line, sorted
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
        if m and not (sys.argv[1] and re.fullmatch(sys.argv[1], m.group(2))):
            cur.append("%s=%s" % (m.group(2), m.group(3).strip()))
for r in sorted(" ".join(sorted(r)) for r in recs):
    print(r)
' "${2:-}"
}

# one_worker LOG [any]: from the -vv lines "worker N: flow A P > B Q proto X
# vlan V ...", every flow key was metered by one worker, both directions of
# a conversation by the same one, and (unless "any") both workers metered
# some flows.  The spreading hash is seeded at random: a capture of a few
# conversations may, by chance, land on one worker ("any").
one_worker() {
	python3 - "$1" "${2:-}" <<'PY'
import re, sys
owner, per = {}, {}
for line in open(sys.argv[1]):
    m = re.search(r"worker (\d+): flow (\S+) (\d+) > (\S+) (\d+) proto (\d+) vlan (\d+)", line)
    if not m:
        continue
    w, a, p, b, q, proto, vlan = m.groups()
    per[w] = per.get(w, 0) + 1
    key = (a, p, b, q, proto, vlan)
    if owner.setdefault(key, w) != w:
        sys.exit("flow %s on workers %s and %s" % (key, owner[key], w))
    rev = (b, q, a, p, proto, vlan)
    if rev in owner and owner[rev] != w:
        sys.exit("conversation %s: one direction on worker %s, the other on %s" % (key, owner[rev], w))
if len(per) < 2 and sys.argv[2] != "any":
    sys.exit("flows on %d worker(s) only: %s" % (len(per), per))
pairs = sum(1 for (a, p, b, q, pr, v) in owner if (b, q, a, p, pr, v) in owner)
print("%d flows, %s per worker, %d in two-way conversations" % (len(owner), per, pairs))
PY
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

# run_records NAME EXPORTER-ARGS...: run the exporter into an IPFIX sink
# (log NAME.log), then its records, as from records(), into NAME.txt
run_records() {
	name=$1; shift
	sink_start tcp "$T/$name.ipfix"
	SHOW_ON_FAIL="$T/$name.log"
	timeout 60 "$EXPORTER" "$@" -x "ipfix+tcp:127.0.0.1:$SINK_PORT" \
		>"$T/$name.log" 2>&1 || fail "$name: exporter exit $?"
	sink_stop "$SINK_PID"
	records "$T/$name.ipfix" >"$T/$name.txt" || fail "$name: ipfixDump"
}

# Two workers need three lcores (the main one exports): lcores 0-2 on the
# machine's CPUs (however few), scheduled by the kernel.
cpus=$(nproc)
LCORES="--lcores (0-2)@(0-$((cpus > 1 ? cpus - 1 : 0)))"
for cap in real-veth.pcap v4-mixed.pcap v6.pcap vlan.pcap; do
	full_length "$CAPS/$cap" || fail "$cap has truncated frames: net_pcap cannot replay it faithfully"
	for how in file w1 w2; do
		case $how in
		file) set -- -r "$CAPS/$cap" ;;
		w1)
			eal -m 512 "--vdev=net_pcap0,rx_pcap=$CAPS/$cap"
			set -- -i dpdk:0 --dpdk "$EAL" --dpdk-idle-exit 1
			if [ $cap = vlan.pcap ]; then   # the same from the configuration file
				printf 'input = { interface = "dpdk:0"; dpdk = "%s"; dpdk-idle-exit = 1; };\n' \
					"$EAL" >"$T/dpdk.conf"
				set -- -c "$T/dpdk.conf"
			fi ;;
		w2)
			eal -m 512 "$LCORES" "--vdev=net_pcap0,rx_pcap=$CAPS/$cap"
			set -- -i dpdk:0 --dpdk "$EAL" --dpdk-workers 2 --dpdk-idle-exit 1 -vv ;;
		esac
		run_records "$cap.$how" "$@"
	done
	[ -s "$T/$cap.file.txt" ] || fail "$cap: no records from -r"
	for how in w1 w2; do
		SHOW_ON_FAIL="$T/$cap.$how.log"
		grep -q 'replaying recorded timestamps' "$T/$cap.$how.log" ||
			fail "$cap ($how): net_pcap gave no recorded timestamps"
		received=$(exporter_stat "$T/$cap.$how.log" received)
		seen=$(exporter_stat "$T/$cap.$how.log" seen)
		[ "$received" = "$seen" ] && [ "$seen" -gt 0 ] ||
			fail "$cap ($how): DPDK received $received frames, the meter saw $seen"
		diff "$T/$cap.file.txt" "$T/$cap.$how.txt" >"$T/$cap.diff" ||
			fail "$cap: DPDK ($how) and -r records differ: $(head -20 "$T/$cap.diff")"
	done
	grep -q 'worker 1 on lcore .*spread to it' "$T/$cap.w2.log" ||
		fail "$cap: the second worker did not start"
	spread=$(grep -c ' anemone-exporter [a-z]*: stats worker' "$T/$cap.w2.log")
	[ "$spread" = 2 ] || fail "$cap: $spread worker statistics lines, not 2"
	one=$(one_worker "$T/$cap.w2.log" any) || fail "$cap: $one"
	info "$cap: $(wc -l <"$T/$cap.file.txt") identical records, $seen frames; 2 workers: $one"
done
# over the four captures (dozens of conversations), both workers metered
busy=$(cat "$T"/*.w2.log | grep -o ' anemone-exporter [a-z]*: worker [0-9]*: flow' | sort -u | wc -l)
[ "$busy" = 2 ] || fail "the four captures' flows were metered by $busy worker(s), not 2"

# Two ports at once, two workers: each file's flows (keys, packets, bytes),
# told apart by ingressInterface (port id + 1).  Times and end reasons differ
# from -r: the two files are read at once, so a worker's clock is the latest
# packet time of either.
eal -m 512 "$LCORES" "--vdev=net_pcap0,rx_pcap=$CAPS/v6.pcap" "--vdev=net_pcap1,rx_pcap=$CAPS/vlan.pcap"
run_records 2p -i dpdk:0,1 --dpdk "$EAL" --dpdk-workers 2 --dpdk-idle-exit 1
skip_fields='ingressInterface|flowStartMilliseconds|flowEndMilliseconds|flowEndReason'
records "$T/2p.ipfix" "$skip_fields" >"$T/2p.txt"
for cap in v6.pcap vlan.pcap; do
	records "$T/$cap.file.ipfix" "$skip_fields"
done | sort >"$T/2p.want"
diff "$T/2p.want" "$T/2p.txt" >"$T/2p.diff" || fail "two ports: records differ: $(head -20 "$T/2p.diff")"
for i in 1 2; do
	n=$(records "$T/2p.ipfix" | grep -c "ingressInterface=$i\b")
	[ "$n" -gt 0 ] || fail "two ports: no record with ingressInterface $i"
done
for port in 0 1; do
	grep -q "stats queue dpdk:$port/0 (worker $port): received=[1-9]" "$T/2p.log" ||
		fail "two ports: dpdk:$port was not read by worker $port"
done
info "two ports: $(wc -l <"$T/2p.txt") records, as from the two files"

# A mass expiry: 3000 flows, 20 s of silence (idle timeout 15 s), then the
# same flows in reverse order and 1000 new ones.  A worker ends at most a
# batch of due flows between bursts, so the first frames after the pause
# meet flows that are due but not yet ended, and the new ones find the
# table (max-flows 3500) full of them.  The records must still be those of
# -r, which ends all 3000 at once: with one worker and the small table
# (where -r's evictions are the same too), and with two and a large one.
python3 - "$T/pause.pcap" <<'PY'
import struct, sys
out = [struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)]
def frame(t_us, n):
    src, dst = bytes([10, 9, n >> 8 & 255, n & 255]), bytes([10, 8, 0, 1])
    payload = bytes(22)
    udp = struct.pack(">HHHH", 10000 + n % 50000, 53, 8 + len(payload), 0) + payload
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, src, dst) + udp
    eth = bytes.fromhex("020000000002020000000001") + b"\x08\x00" + ip
    out.append(struct.pack("<IIII", t_us // 1000000, t_us % 1000000, len(eth), len(eth)) + eth)
t = 1700000000 * 1000000
for n in range(3000):
    frame(t + 10 * n, n)
t += 20 * 1000000
for i, n in enumerate(list(range(2999, -1, -1)) + list(range(3000, 4000))):
    frame(t + 10 * i, n)
open(sys.argv[1], "wb").write(b"".join(out))
PY
printf 'flows = { max-flows = 3500; };\n' >"$T/pause.conf"
for how in file w1 file-large w2; do
	case $how in
	file) set -- -c "$T/pause.conf" -r "$T/pause.pcap" ;;
	file-large) set -- -r "$T/pause.pcap" ;;
	w1)
		eal -m 512 "--vdev=net_pcap0,rx_pcap=$T/pause.pcap"
		set -- -c "$T/pause.conf" -i dpdk:0 --dpdk "$EAL" --dpdk-idle-exit 1 ;;
	w2)
		eal -m 512 "$LCORES" "--vdev=net_pcap0,rx_pcap=$T/pause.pcap"
		set -- -i dpdk:0 --dpdk "$EAL" --dpdk-workers 2 --dpdk-idle-exit 1 ;;
	esac
	run_records "pause.$how" "$@"
done
for how in w1 w2; do
	SHOW_ON_FAIL="$T/pause.$how.log"
	want="$T/pause.file.txt"
	[ $how = w2 ] && want="$T/pause.file-large.txt"
	diff "$want" "$T/pause.$how.txt" >"$T/pause.diff" ||
		fail "pause: DPDK ($how) and -r records differ: $(head -20 "$T/pause.diff")"
	deferred=$(exporter_stat "$T/pause.$how.log" expiry-deferred)
	[ "${deferred:-0}" -gt 0 ] || fail "pause ($how): the mass expiry was not spread over bursts"
done
n=$(wc -l <"$T/pause.file.txt")
idle=$(grep -c 'flowEndReason=1\b' "$T/pause.file.txt")
evicted=$(grep -c 'flowEndReason=5\b' "$T/pause.file.txt")
[ "$n" = 7000 ] && [ "$idle" = 3000 ] && [ "$evicted" = 500 ] ||
	fail "pause: -r gave $n records, $idle idle, $evicted evicted (want 7000, 3000, 500)"
info "mass expiry: $n records as from -r, $idle idle, $evicted evicted; spread over bursts"

# The main lcore exports through the same senders as libpcap's loop: a
# collector that accepts and never reads costs only itself.  A replay of
# 80,000 flows to it and to a healthy collector, with a small queue and
# export.replay-patience 1 s: the replay waits once for the stalled one,
# then drops its messages (counted); the healthy one gets every record and
# every packet; the replay exits 1, its last line counting what was lost.
GEN_CAPTURE_BIN="$T/gen-capture" sh "$top_srcdir/bench/gen-capture" -n 160000 -f 80000 \
	-o "$T/stall.pcap" >/dev/null 2>&1 || fail "cannot generate the capture"
stall_start
stall=$STALL_PORT
sink_start tcp "$T/stall-healthy.ipfix"
printf 'export = { queue-size = 65536; replay-patience = "1s"; };\n' >"$T/stall.conf"
eal -m 512 "--vdev=net_pcap0,rx_pcap=$T/stall.pcap"
SHOW_ON_FAIL="$T/stall.log"
timeout 60 "$EXPORTER" -c "$T/stall.conf" -i dpdk:0 --dpdk "$EAL" --dpdk-idle-exit 1 \
	-x "ipfix+tcp:127.0.0.1:$stall" -x "ipfix+tcp:127.0.0.1:$SINK_PORT" >"$T/stall.log" 2>&1
rc=$?
# every frame read: a worker waiting for the main lcore (itself waiting out
# the stalled one's patience) is not an idle port
grep -q 'stats capture dpdk:0: received=160000 ' "$T/stall.log" ||
	fail "stalled collector: the replay did not read the whole file"
[ "$rc" -eq 1 ] || fail "stalled collector: exporter exit $rc, want 1 (messages were dropped)"
expect_undelivered "$T/stall.log"
sink_stop "$SINK_PID"
line=$(grep "stats export ipfix+tcp:127.0.0.1:$SINK_PORT:" "$T/stall.log")
want=$(echo "$line" | tr ' ' '\n' | sed -n 's/^records=//p')
got=$(ipfixDump --in "$T/stall-healthy.ipfix" 2>"$T/stall.err" |
	awk '/^--- data record/ { n++ } $2 == "packetDeltaCount" { p += $NF }
	     END { printf "records=%d packets=%d\n", n, p }')
expect_eq "stalled collector: the healthy one got" "$got" "records=$want packets=160000"
line=$(grep "stats export ipfix+tcp:127.0.0.1:$stall:" "$T/stall.log")
val() { echo "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
[ "$(val dropped)" -gt 0 ] && echo "$line" | grep -q ' stalled$' ||
	fail "stalled collector: not given up, or nothing dropped: $line"
expect_eq "stalled collector: messages = sent + dropped + send-errors" "$(val messages)" \
	"$(($(val sent) + $(val dropped) + $(val send-errors)))"
info "stalled collector: sent $(val sent), dropped $(val dropped) of $(val messages)"

# Live: net_pcap on a veth in a namespace of the test's own (rx_iface=),
# two workers on the wall clock, conversations both ways between two
# namespaces; SIGUSR1 gives statistics while running; SIGTERM exports every
# flow, each on one worker, with every packet sent.
A=anm-dpdk-a-$$ B=anm-dpdk-b-$$
IA=and$$a IB=and$$b
netns_add "$A" "$B" || fail "cannot create namespaces"
ip -n "$A" link set lo up
veth_between "$A" "$B" "$IA" "$IB" 10.124.0 || fail "cannot create veth pair"
ns_tcp_listening() { ip netns exec "$A" ss -Hltn "sport = :$1" | grep -q .; }
tport=$(free_port)
ip netns exec "$A" "$top_srcdir/tests/flow-sink" --tcp "$tport" --out "$T/live.ipfix" &
sink=$!; BG_PIDS="$BG_PIDS $sink"
wait_for 10 ns_tcp_listening "$tport" || fail "flow-sink did not start"
eal -m 512 "$LCORES" "--vdev=net_pcap0,rx_iface=$IA"
ip netns exec "$A" "$EXPORTER" -i dpdk:0 --dpdk "$EAL" --dpdk-workers 2 -vv \
	-x "ipfix+tcp:127.0.0.1:$tport" >"$T/live.log" 2>&1 &
exp=$!; BG_PIDS="$BG_PIDS $exp"
SHOW_ON_FAIL="$T/live.log"
wait_for 20 grep -q "capturing on dpdk:0" "$T/live.log" || fail "exporter did not start"
grep -q 'replaying' "$T/live.log" && fail "a live port taken for a replay"
# send NS SRC DST: 40 conversations of 5 datagrams, ports 41000+i <-> 7000+i
send() {
	ip netns exec "$1" python3 -c "
import socket, sys, time
src, dst, back = sys.argv[1], sys.argv[2], sys.argv[3] == 'back'
socks = []
for i in range(40):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, (7000 if back else 41000) + i))
    socks.append(s)
for k in range(5):
    for i, s in enumerate(socks):
        s.sendto(b'y' * 100, (dst, (41000 if back else 7000) + i))
    time.sleep(0.02)
" "$2" "$3" "$4"
}
# workers_seen LOG N: the workers have seen N packets between them, as they
# last said on SIGUSR1 (each call asks again)
workers_seen() {
	kill -USR1 "$exp"
	[ "$(sed -n 's/.*stats worker \([0-9]*\) (lcore [0-9]*): seen=\([0-9]*\).*/\1 \2/p' "$1" |
		awk '{ s[$1] = $2 } END { for (w in s) t += s[w]; print t + 0 }')" -ge "$2" ]
}
send "$B" 10.124.0.2 10.124.0.1 fwd
send "$A" 10.124.0.1 10.124.0.2 back
# (the 400 datagrams seen before SIGTERM)
wait_for 20 workers_seen "$T/live.log" 400 || fail "the workers did not see the 400 datagrams"
wait_for 5 grep -q "stats worker 1 (lcore" "$T/live.log" || fail "no worker statistics on SIGUSR1"
kill -TERM "$exp"
wait "$exp" || fail "live: exporter exit $?"
kill "$sink" 2>/dev/null; wait "$sink" 2>/dev/null   # (it reads everything queued first)
one=$(one_worker "$T/live.log") || fail "live: $one"
# every conversation: 5 datagrams of 128 IP bytes each way, in one record
records "$T/live.ipfix" >"$T/live.txt"
n=$(grep -c "octetDeltaCount=640 packetDeltaCount=5 protocolIdentifier=17 .*sourceIPv4Address=10.124.0.[12] " "$T/live.txt")
[ "$n" = 80 ] || fail "live: $n UDP records of 5 datagrams, want 80: $(grep protocolIdentifier=17 "$T/live.txt" | head -5)"
for w in 0 1; do
	grep -q "stats worker $w (lcore [0-9]*): seen=[1-9]" "$T/live.log" || fail "live: worker $w saw nothing"
done
info "live: 80 conversations' records; $one"

# A device that claims RSS but does not hash with the symmetric key it is
# given (net_tap, in namespace A): the exporter says so and falls back to
# one queue spread in software.  The tap's kernel side sends 40 flows.
TAPIF=ant$$
eal -m 512 "$LCORES" "--vdev=net_tap0,iface=$TAPIF"
tport=$(free_port)
ip netns exec "$A" "$top_srcdir/tests/flow-sink" --tcp "$tport" --out "$T/tap.ipfix" &
sink=$!; BG_PIDS="$BG_PIDS $sink"
wait_for 10 ns_tcp_listening "$tport" || fail "flow-sink did not start"
ip netns exec "$A" "$EXPORTER" -i dpdk:0 --dpdk "$EAL" --dpdk-workers 2 -vv \
	-x "ipfix+tcp:127.0.0.1:$tport" >"$T/tap.log" 2>&1 &
exp=$!; BG_PIDS="$BG_PIDS $exp"
SHOW_ON_FAIL="$T/tap.log"
wait_for 20 grep -q "capturing on dpdk:0" "$T/tap.log" || fail "tap: exporter did not start"
grep -q "does not hash with the symmetric key it was given; using one RX queue, spread in software" \
	"$T/tap.log" || fail "tap: no RSS fallback message"
ip -n "$A" addr add 10.125.0.1/24 dev "$TAPIF" && ip -n "$A" link set "$TAPIF" up &&
	ip -n "$A" neigh replace 10.125.0.2 lladdr 02:00:0a:7d:00:02 dev "$TAPIF" ||
	fail "tap: cannot address $TAPIF"
ip netns exec "$A" python3 -c "
import socket, time
socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for i in range(40)]
for k in range(3):
    for i, s in enumerate(socks):
        s.sendto(b'z' * 50, ('10.125.0.2', 9000 + i))
    time.sleep(0.02)
"
wait_for 20 workers_seen "$T/tap.log" 120 || fail "tap: the workers did not see the 120 datagrams"
kill -TERM "$exp"
wait "$exp" || fail "tap: exporter exit $?"
kill "$sink" 2>/dev/null; wait "$sink" 2>/dev/null   # (it reads everything queued first)
n=$(records "$T/tap.ipfix" | grep -c "destinationIPv4Address=10.125.0.2 .*octetDeltaCount=234 packetDeltaCount=3 protocolIdentifier=17")
[ "$n" = 40 ] || fail "tap: $n records of 3 datagrams to 10.125.0.2, want 40"
grep -q "stats port dpdk:0 (net_tap, spread in software)" "$T/tap.log" || fail "tap: not spread in software"
for w in 0 1; do
	grep -q "stats worker $w (lcore [0-9]*): seen=[1-9]" "$T/tap.log" || fail "tap: worker $w saw nothing"
done
one=$(one_worker "$T/tap.log") || fail "tap: $one"
info "tap: RSS refused, spread in software: 40 flows; $one"

# fault ARGS... -- PATTERN: the exporter fails cleanly with a message matching PATTERN
fault() {
	pattern=$1; shift
	timeout 60 "$EXPORTER" "$@" -x ipfix:127.0.0.1:9 >"$T/fault.log" 2>&1
	rc=$?
	SHOW_ON_FAIL="$T/fault.log"
	[ $rc -ne 0 ] || fail "exit 0 for: $*"
	[ $rc -lt 124 ] || fail "exit $rc (crash or hang) for: $*"
	grep -Eq "(^| )anemone-exporter( [a-z]+)?: .*$pattern" "$T/fault.log" || fail "no '$pattern' message for: $*"
	info "fails cleanly (exit $rc): $(grep -E '(^| )anemone-exporter( [a-z]+)?: ' "$T/fault.log" | tail -1)"
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
eal -m 512 "--vdev=net_pcap0,rx_pcap=$c"   # net_pcap has one RX queue per file
fault "dpdk:0: cannot start the port: 2 RX queues asked" -i dpdk:0 --dpdk "$EAL" --dpdk-queues 2
eal -m 512 -l 0 "--vdev=net_pcap0,rx_pcap=$c"
fault "no worker lcore" -i dpdk:0 --dpdk "$EAL"
eal -m 512 -l 0-1 "--vdev=net_pcap0,rx_pcap=$c"
fault "2 workers need 2 worker lcores, the EAL has 1" -i dpdk:0 --dpdk "$EAL" --dpdk-workers 2
eal -m 512 "--vdev=net_pcap0,rx_pcap=$c"
fault "dpdk:0,0: port 0 given twice" -i dpdk:0,0 --dpdk "$EAL"
eal -m 512
fault "not a DPDK port" -i dpdk:eth0 --dpdk "$EAL"
fault "needs EAL arguments" -i dpdk:0
fault "not a DPDK port" -i lo --dpdk "$EAL"
exit 0
