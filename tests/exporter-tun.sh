#!/bin/sh
# --direction on an interface without a MAC address (a tun device: what
# WireGuard, OpenVPN and IP tunnels look like to a capture).  In a network
# namespace made by the test, a python3 process owns the tun device: it
# writes IPv4/UDP packets into it (the namespace receives them) from the
# moment the exporters say they capture, and reads what the namespace sends
# out of it.  One anemone-exporter captures the tun with --direction in,
# another with --direction out; each exports IPFIX over TCP to
# tests/flow-sink, read back by ipfixDump.  Checked:
#   - "in" meters every packet written into the tun, the first ones too
#     (sent at once after the exporter says it captures: a packet-type test
#     in a socket filter would lose the frames of the first 100-200 ms
#     after the capture opens), and nothing the namespace sent;
#   - "out" meters what the namespace sent (UDP from a socket, and its ICMP
#     port unreachable answers) and nothing it received.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_root
need ip ipfixDump python3

N=anm-tun-$$ TUN=atun$$
netns_add "$N" || fail "cannot create namespace $N"
ip -n "$N" link set lo up || fail "lo up in $N"

# the tun's owner: creates TUN, waits for $T/go, writes COUNT packets 5 ms
# apart, then reads what comes out until $T/stop
cat >"$T/tun.py" <<'EOF'
import fcntl, os, select, socket, struct, sys, time
name, count, size, d = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, 0x400454ca, struct.pack("16sH", name.encode(), 0x0001 | 0x1000))  # TUNSETIFF: tun, no packet info
open(d + "/tun.ready", "w").close()
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
payload = b"t" * size
udp = struct.pack("!HHHH", 41100, 7, 8 + size, 0) + payload
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                 socket.inet_aton("10.201.9.2"), socket.inet_aton("10.201.9.1"))
ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
while not os.path.exists(d + "/go"):
    time.sleep(0.001)
for i in range(count):
    os.write(fd, ip + udp)
    time.sleep(0.005)
open(d + "/tun.sent", "w").close()
while not os.path.exists(d + "/stop"):
    if select.select([fd], [], [], 0.05)[0]:
        os.read(fd, 65536)
EOF
ip netns exec "$N" python3 "$T/tun.py" "$TUN" 60 50 "$T" &
BG_PIDS="$BG_PIDS $!"
wait_for 10 test -e "$T/tun.ready" || fail "the tun device was not created"
ip -n "$N" addr add 10.201.9.1/24 dev "$TUN" && ip -n "$N" link set "$TUN" up ||
	fail "cannot set up $TUN"
ip -n "$N" -o link show "$TUN" | grep -q 'link/none' || fail "$TUN has a link-layer address"

ns_sink "$N" in
ns_sink "$N" out
printf 'flows = { idle-timeout = "1s"; };\nexport = { max-hold = "100ms"; };\n' >"$T/exp.conf"
SHOW_ON_FAIL="$T/in.log $T/out.log"
# shellcheck disable=SC2154
ip netns exec "$N" "$EXPORTER" -c "$T/exp.conf" -i "$TUN" --direction in -v \
	-x "ipfix+tcp:127.0.0.1:$PORT_in" >"$T/in.log" 2>&1 &
EXP_IN=$!; BG_PIDS="$BG_PIDS $EXP_IN"
# shellcheck disable=SC2154
ip netns exec "$N" "$EXPORTER" -c "$T/exp.conf" -i "$TUN" --direction out -v \
	-x "ipfix+tcp:127.0.0.1:$PORT_out" >"$T/out.log" 2>&1 &
EXP_OUT=$!; BG_PIDS="$BG_PIDS $EXP_OUT"
for l in in out; do
	wait_for 10 grep -q "capturing on $TUN" "$T/$l.log" || fail "exporter $l does not capture: $(cat "$T/$l.log")"
done
grep -q "$TUN: no MAC address: the frames received told by their packet type" "$T/in.log" ||
	fail "the exporter does not say how it tells the direction: $(cat "$T/in.log")"
touch "$T/go"
# meanwhile, the namespace sends 5 datagrams out of the tun
ip netns exec "$N" python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.201.9.1", 41200))
for i in range(5):
    s.sendto(b"o" * 30, ("10.201.9.2", 9))
    time.sleep(0.02)
' || fail "cannot send out of $TUN"
wait_for 10 test -e "$T/tun.sent" || fail "the packets were not written into $TUN"
sleep 1.5      # the flows end (idle timeout 1 s)
for p in $EXP_IN $EXP_OUT; do kill -TERM "$p"; done
wait "$EXP_IN" || fail "the --direction in exporter exit status: $?"
wait "$EXP_OUT" || fail "the --direction out exporter exit status: $?"
touch "$T/stop"
# shellcheck disable=SC2154
sink_stop "$SINK_in"; sink_stop "$SINK_out"

# src dst proto sport dport packets octets, one line a record, summed per flow
records() {
	ipfixDump --in "$1" | awk '
		function done() { if (inrec) { k = s " " d " " p " " sp " " dp; P[k] += pk; O[k] += oc } inrec = 0 }
		/^--- data record/ { done(); inrec = 1; s = d = p = sp = dp = "-"; pk = oc = 0; next }
		/^(---|\*\*\*)/ { done() }
		inrec && $2 == "sourceIPv4Address" { s = $NF }
		inrec && $2 == "destinationIPv4Address" { d = $NF }
		inrec && $2 == "protocolIdentifier" { p = $NF }
		inrec && $2 == "sourceTransportPort" { sp = $NF }
		inrec && $2 == "destinationTransportPort" { dp = $NF }
		inrec && $2 == "packetDeltaCount" { pk = $NF }
		inrec && $2 == "octetDeltaCount" { oc = $NF }
		END { done(); for (k in P) print k, P[k], O[k] }' | sort
}
records "$T/in.ipfix" >"$T/in.txt" || fail "ipfixDump cannot read the export of in"
records "$T/out.ipfix" >"$T/out.txt" || fail "ipfixDump cannot read the export of out"
info "in: $(tr '\n' ';' <"$T/in.txt")"
info "out: $(tr '\n' ';' <"$T/out.txt")"

expect_eq "received, --direction in (60 x 78 octets, the first ones too)" \
	"$(awk '$4 == 41100' "$T/in.txt")" "10.201.9.2 10.201.9.1 17 41100 7 60 4680"
expect_eq "anything sent, --direction in" "$(awk '$1 == "10.201.9.1"' "$T/in.txt")" ""
expect_eq "sent, --direction out (5 x 58 octets)" \
	"$(awk '$4 == 41200' "$T/out.txt")" "10.201.9.1 10.201.9.2 17 41200 9 5 290"
expect_eq "anything received, --direction out" "$(awk '$1 == "10.201.9.2"' "$T/out.txt")" ""
sanitizer_clean "$T/in.log" "$T/out.log"
exit 0
