#!/bin/bash
# record-real.sh [OUT] — capture real traffic between two network namespaces.
#
# Creates namespaces anm-rec-a-PID and anm-rec-b-PID joined by a veth pair
#   A: veth-a 10.99.0.1/24 fd99::1/64     B: veth-b 10.99.0.2/24 fd99::2/64
# (the addresses exist only inside the namespaces), records veth-a with
# tcpdump -s 0, and makes real traffic from A to B:
#   - HTTP GET of three files (700 B, 12 KB, 64 KB) over IPv4 and IPv6
#     (python3 -m http.server in B, curl in A)
#   - 5 pings over IPv4 and IPv6 (ping -c 5 if installed, else an
#     equivalent python3 raw-socket echo sender; B's kernel answers)
#   - a UDP exchange over IPv4 and IPv6 (python3 echo server in B), with one
#     3000-byte datagram each way that the kernel fragments
#   - TCP connections to a closed port over IPv4 and IPv6 (SYN, RST|ACK)
#   - whatever the kernels add: ARP, neighbour discovery, router
#     solicitations, MLD reports (link-local sources)
# TSO, GSO, GRO and tx checksum offload are turned off on both veths (with
# ethtool if installed, else through the SIOCETHTOOL ioctl from python3) so
# the frames on the wire are MTU-sized with correct checksums.
# Everything it starts (namespaces, processes, temp dir) is removed on exit.
#
# Needs root, iproute2, tcpdump, python3, curl.
# Default OUT: tests/data/captures/real-veth.pcap (relative to the repo top).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$top/tests/data/captures/real-veth.pcap}
NA=anm-rec-a-$$
NB=anm-rec-b-$$
TMPD=$(mktemp -d /tmp/anm-record.XXXXXX)
PIDS=()

cleanup() {
	local rc=$? p
	trap - EXIT INT TERM HUP
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	for ns in "$NA" "$NB"; do
		if ip netns list | grep -qw "$ns"; then
			# anything still running inside is ours: end it by pid
			for p in $(ip netns pids "$ns" 2>/dev/null); do
				kill "$p" 2>/dev/null || true
			done
			ip netns del "$ns" 2>/dev/null || true
		fi
	done
	rm -rf "$TMPD"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

say() { echo "record-real: $*" >&2; }
ina() { ip netns exec "$NA" "$@"; }
inb() { ip netns exec "$NB" "$@"; }

[ "$(id -u)" = 0 ] || { say "must run as root"; exit 1; }
for t in ip tcpdump python3 curl; do
	command -v "$t" >/dev/null || { say "missing $t"; exit 1; }
done

# ---- offload switch: ethtool, or the legacy SIOCETHTOOL set commands
cat >"$TMPD/offload.py" <<'EOF'
import ctypes, fcntl, socket, struct, sys
SIOCETHTOOL = 0x8946
SET = {'tx': 0x17, 'tso': 0x1f, 'gso': 0x24, 'gro': 0x2c}
GET = {'tx': 0x16, 'tso': 0x1e, 'gso': 0x23, 'gro': 0x2b}
ifname = sys.argv[1].encode()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
def call(cmd, val=0):
    buf = ctypes.create_string_buffer(struct.pack('II', cmd, val), 8)
    ifr = struct.pack('16sP', ifname, ctypes.addressof(buf))
    fcntl.ioctl(s.fileno(), SIOCETHTOOL, ifr)
    return struct.unpack('II', buf.raw[:8])[1]
for k in ('tso', 'gso', 'gro', 'tx'):
    call(SET[k], 0)
state = {k: call(GET[k]) for k in GET}
print(' '.join('%s=%s' % (k, 'on' if v else 'off') for k, v in state.items()))
sys.exit(1 if any(state.values()) else 0)
EOF

offloads_off() {   # ns ifname
	if command -v ethtool >/dev/null; then
		ip netns exec "$1" ethtool -K "$2" tso off gso off gro off tx off
		say "$2: offloads off (ethtool)"
	else
		local st
		if st=$(ip netns exec "$1" python3 "$TMPD/offload.py" "$2"); then
			say "$2: no ethtool; SIOCETHTOOL ioctl: $st"
		else
			say "WARNING: $2: offloads not all off ($st); frames may exceed the MTU"
		fi
	fi
}

# ---- namespaces and veth
ip netns add "$NA"
ip netns add "$NB"
ip link add veth-a netns "$NA" type veth peer name veth-b netns "$NB"
for ns in "$NA" "$NB"; do
	ip -n "$ns" link set lo up
done
ina sysctl -qw net.ipv6.conf.veth-a.accept_dad=0
inb sysctl -qw net.ipv6.conf.veth-b.accept_dad=0
ip -n "$NA" addr add 10.99.0.1/24 dev veth-a
ip -n "$NB" addr add 10.99.0.2/24 dev veth-b
ip -n "$NA" addr add fd99::1/64 dev veth-a nodad
ip -n "$NB" addr add fd99::2/64 dev veth-b nodad
offloads_off "$NA" veth-a
offloads_off "$NB" veth-b
ip -n "$NA" link set veth-a up
ip -n "$NB" link set veth-b up

# ---- servers in B
mkdir -p "$TMPD/www"
python3 - "$TMPD/www" <<'EOF'
import sys
line = b'anemone real capture test file: 0123456789 abcdefghijklmnopqrstuvwxyz\n'
for name, size in (('small.txt', 700), ('medium.txt', 12000), ('large.txt', 65536)):
    with open('%s/%s' % (sys.argv[1], name), 'wb') as f:
        f.write((line * (size // len(line) + 1))[:size])
EOF
inb python3 -m http.server 80 --bind :: --directory "$TMPD/www" \
	>"$TMPD/http.log" 2>&1 &
PIDS+=($!)

cat >"$TMPD/udpecho.py" <<'EOF'
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(('::', 9999))
while True:
    data, peer = s.recvfrom(65535)
    s.sendto(data.upper(), peer)
EOF
inb python3 "$TMPD/udpecho.py" &
PIDS+=($!)

# wait for the HTTP server (before the capture starts, so no retries show)
for i in $(seq 50); do
	if ina python3 -c 'import socket; socket.create_connection(("10.99.0.2", 80), 1).close()' 2>/dev/null; then
		break
	fi
	sleep 0.1
done

# ---- capture
ina tcpdump -i veth-a -s 0 -U -Z root -w "$TMPD/cap.pcap" \
	>"$TMPD/tcpdump.log" 2>&1 &
TCPDUMP=$!
PIDS+=($TCPDUMP)
for i in $(seq 50); do
	grep -q 'listening on' "$TMPD/tcpdump.log" && break
	sleep 0.1
done
sleep 0.5
# forget the neighbours learnt by the readiness probe: ARP and neighbour
# discovery then show up in the capture (frames the exporter must skip)
ip -n "$NA" neigh flush dev veth-a
ip -n "$NB" neigh flush dev veth-b

say "HTTP over IPv4 and IPv6"
for host in 10.99.0.2 '[fd99::2]'; do
	for f in small.txt medium.txt large.txt; do
		ina curl -sS --noproxy '*' --max-time 10 -o /dev/null "http://$host/$f"
		sleep 0.2
	done
done

say "ping over IPv4 and IPv6"
cat >"$TMPD/ping.py" <<'EOF'
import os, select, socket, struct, sys, time
fam = socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET
proto = socket.IPPROTO_ICMPV6 if fam == socket.AF_INET6 else socket.IPPROTO_ICMP
s = socket.socket(fam, socket.SOCK_RAW, proto)
def csum(b):
    if len(b) % 2: b += b'\0'
    v = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while v >> 16: v = (v & 0xffff) + (v >> 16)
    return ~v & 0xffff
ident, got = os.getpid() & 0xffff, 0
for seq in range(1, 6):
    payload = struct.pack('!d', time.time()) + bytes(range(48))
    typ = 128 if fam == socket.AF_INET6 else 8
    msg = struct.pack('!BBHHH', typ, 0, 0, ident, seq) + payload
    if fam == socket.AF_INET:   # the kernel fills the ICMPv6 checksum
        msg = msg[:2] + struct.pack('!H', csum(msg)) + msg[4:]
    s.sendto(msg, (sys.argv[1], 0))
    end = time.time() + 1
    while time.time() < end:
        r, _, _ = select.select([s], [], [], end - time.time())
        if not r: break
        data = s.recv(2048)
        if fam == socket.AF_INET: data = data[(data[0] & 15) * 4:]
        if data[0] in (0, 129) and struct.unpack('!HH', data[4:8]) == (ident, seq):
            got += 1
            break
    time.sleep(0.2)
print('%s: 5 sent, %d answered' % (sys.argv[1], got))
sys.exit(0 if got == 5 else 1)
EOF
if command -v ping >/dev/null; then
	ina ping -c 5 -i 0.2 10.99.0.2 >/dev/null
	ina ping -6 -c 5 -i 0.2 fd99::2 >/dev/null
else
	say "no ping binary; python3 raw-socket echo instead"
	ina python3 "$TMPD/ping.py" 10.99.0.2 >&2
	ina python3 "$TMPD/ping.py" fd99::2 >&2
fi

say "UDP exchange over IPv4 and IPv6"
ina python3 - <<'EOF' >&2
import socket
for fam, dst in ((socket.AF_INET, '10.99.0.2'), (socket.AF_INET6, 'fd99::2')):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.bind(('10.99.0.1' if fam == socket.AF_INET else 'fd99::1', 40400))
    ok = 0
    for size in (20, 200, 1000, 3000, 64):
        s.sendto((b'anemone udp %d ' % size).ljust(size, b'.'), (dst, 9999))
        ok += len(s.recvfrom(65535)[0]) == size
    print('%s: %d of 5 UDP datagrams echoed' % (dst, ok))
EOF

say "TCP to a closed port over IPv4 and IPv6"
for host in 10.99.0.2 fd99::2; do
	ina python3 - "$host" <<'EOF' || true
import socket, sys
try:
    socket.create_connection((sys.argv[1], 9), 2)
    sys.exit('port 9 unexpectedly open')
except ConnectionRefusedError:
    pass
EOF
done

sleep 0.5
kill -TERM "$TCPDUMP"   # background jobs ignore SIGINT
wait "$TCPDUMP" 2>/dev/null || true
cat "$TMPD/tcpdump.log" >&2
mkdir -p "$(dirname "$OUT")"
cp "$TMPD/cap.pcap" "$OUT"
say "wrote $OUT ($(stat -c %s "$OUT") bytes)"
