#!/bin/sh
# A router's ingress flow export: three network namespaces made by the test,
# H1 - R - H2, R forwarding (IPv4 and IPv6) between its two veths r1 and r2,
# with a route to a third network (on H2's loopback) via H2.  In R, one
# anemone-exporter captures r1 with --direction in --route-lookup (the
# router's export, running as nobody), another r1 with every frame (the
# control: it shows the traffic the first must leave out was really
# there), a third what r1 sent (--direction out); each exports IPFIX over
# TCP to tests/flow-sink, read back by ipfixDump.  Known UDP traffic
# (python3 sockets in H1 and H2) goes both ways; frames for a foreign MAC
# are sent into r1 with a packet socket.  Checked:
#   - only what r1 received is metered, with exact packet and octet counts;
#     every record's source MAC is H1's (nothing R sent);
#   - egressInterface is r2's ifindex, ingressInterface r1's;
#   - ipNextHopIPv4/IPv6Address is the gateway (H2) for the routed network
#     and zero for the connected one; a second source of H1 routed by a
#     rule of its own gets its own gateway (answers are per source);
#   - frames to another MAC are not metered with "in" (the control meters them);
#   - "out" meters what R sent on r1 and nothing it received;
#   - a route that changes shows in flows exported after the cache's 5 s;
#   - the route-lookup statistics: lookups, a cache hit, no failure.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_root
need ip ipfixDump python3

H1=anm-rt-h1-$$ R=anm-rt-r-$$ H2=anm-rt-h2-$$
I1=art$$h1 R1=art$$r1 R2=art$$r2 I2=art$$h2
netns_add "$H1" "$R" "$H2" || fail "cannot create namespaces"
for n in "$H1" "$R" "$H2"; do ip -n "$n" link set lo up || fail "lo up in $n"; done
ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 ||
	fail "cannot make $R forward"
veth_between "$R" "$H1" "$R1" "$I1" 10.201.1 || fail "cannot create the veth R-H1"
veth_between "$R" "$H2" "$R2" "$I2" 10.201.2 || fail "cannot create the veth R-H2"
# IPv6 beside IPv4 (nodad: usable at once); the third network on H2's loopback
ip -n "$R" addr add fd00:201:1::1/64 dev "$R1" nodad &&
ip -n "$H1" addr add fd00:201:1::2/64 dev "$I1" nodad &&
ip -n "$R" addr add fd00:201:2::1/64 dev "$R2" nodad &&
ip -n "$H2" addr add fd00:201:2::2/64 dev "$I2" nodad &&
ip -n "$H2" addr add 10.201.3.1/32 dev lo &&
ip -n "$H2" addr add fd00:201:3::1/128 dev lo &&
ip -n "$H1" route add default via 10.201.1.1 &&
ip -n "$H1" -6 route add default via fd00:201:1::1 &&
ip -n "$H2" route add default via 10.201.2.1 &&
ip -n "$H2" -6 route add default via fd00:201:2::1 &&
ip -n "$R" route add 10.201.3.0/24 via 10.201.2.2 &&
ip -n "$R" -6 route add fd00:201:3::/64 via fd00:201:2::2 &&
# a second source in H1 whose traffic R routes elsewhere (a source-specific
# route: the answer for one source is not the answer for another)
ip -n "$H1" addr add 10.201.1.3/24 dev "$I1" &&
ip -n "$R" route add 10.201.3.0/24 via 10.201.2.4 table 100 &&
ip -n "$R" rule add from 10.201.1.3 lookup 100 || fail "cannot set up addresses and routes"
# the router routes before anything is measured (and the neighbours are known)
for d in 10.201.2.2 10.201.3.1 fd00:201:2::2 fd00:201:3::1; do
	wait_for 10 ip netns exec "$H1" ping -c1 -W1 "$d" || fail "H1 cannot reach $d through R"
done

ifindex() { ip -n "$1" -o link show "$2" | sed 's/:.*//'; }
mac() { ip -n "$1" -o link show "$2" | sed 's/.*link\/ether \([0-9a-f:]*\).*/\1/'; }
IDX_R1=$(ifindex "$R" "$R1") IDX_R2=$(ifindex "$R" "$R2")
MAC_H1=$(mac "$H1" "$I1") MAC_R1=$(mac "$R" "$R1")
info "r1 ifindex $IDX_R1 ($MAC_R1), r2 ifindex $IDX_R2; H1's MAC $MAC_H1"

# the collectors of truth, on R's loopback: flow-sink writes the stream,
# ipfixDump reads it
ns_sink "$R" in
ns_sink "$R" all
ns_sink "$R" out

printf 'flows = { idle-timeout = "1s"; };\nexport = { max-hold = "100ms"; };\n' >"$T/exp.conf"
SHOW_ON_FAIL="$T/in.log $T/all.log $T/out.log"
# shellcheck disable=SC2154
ip netns exec "$R" "$EXPORTER" -c "$T/exp.conf" -i "$R1" --direction in --route-lookup -u nobody -v \
	-x "ipfix+tcp:127.0.0.1:$PORT_in" >"$T/in.log" 2>&1 &
EXP_IN=$!; BG_PIDS="$BG_PIDS $EXP_IN"
# shellcheck disable=SC2154
ip netns exec "$R" "$EXPORTER" -c "$T/exp.conf" -i "$R1" \
	-x "ipfix+tcp:127.0.0.1:$PORT_all" >"$T/all.log" 2>&1 &
EXP_ALL=$!; BG_PIDS="$BG_PIDS $EXP_ALL"
# shellcheck disable=SC2154
ip netns exec "$R" "$EXPORTER" -c "$T/exp.conf" -i "$R1" --direction out \
	-x "ipfix+tcp:127.0.0.1:$PORT_out" >"$T/out.log" 2>&1 &
EXP_OUT=$!; BG_PIDS="$BG_PIDS $EXP_OUT"
for l in in all out; do
	wait_for 10 grep -q "capturing on $R1" "$T/$l.log" || fail "exporter $l does not capture: $(cat "$T/$l.log")"
	wait_for 10 grep -q "127.0.0.1:.*: connected" "$T/$l.log" || fail "exporter $l did not connect: $(cat "$T/$l.log")"
done
grep -q "capturing on $R1 (direction in), exporting to 1 destination(s) with egress and next hop" \
	"$T/in.log" || fail "the router's exporter does not say what it does: $(cat "$T/in.log")"
info "$(grep -m1 'capture filter' "$T/in.log" | sed 's/.*debug: //')"

# send NS SRC DST SPORT DPORT COUNT PAYLOAD: COUNT UDP datagrams of PAYLOAD bytes
send() {
	ip netns exec "$1" python3 -c '
import socket, sys, time
src, dst, sport, dport, count, size = sys.argv[1:7]
s = socket.socket(socket.AF_INET6 if ":" in dst else socket.AF_INET, socket.SOCK_DGRAM)
s.bind((src, int(sport)))
for i in range(int(count)):
    s.sendto(b"x" * int(size), (dst, int(dport)))
    time.sleep(0.005)
' "$2" "$3" "$4" "$5" "$6" "$7" || fail "cannot send from $1 to $3"
}

# foreign NS IF DST-MAC SRC DST SPORT COUNT: COUNT IPv4/UDP frames (30 bytes of
# payload) to a MAC that is not the peer's, written on IF with a packet socket
foreign() {
	ip netns exec "$1" python3 -c '
import socket, struct, sys
ifname, dmac, src, dst, sport, count = sys.argv[1:7]
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifname, 0))
smac = s.getsockname()[4]
payload = b"y" * 30
udp = struct.pack("!HHHH", int(sport), 7, 8 + len(payload), 0) + payload
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                 socket.inet_aton(src), socket.inet_aton(dst))
ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
frame = bytes.fromhex(dmac.replace(":", "")) + smac + b"\x08\x00" + ip + udp
for i in range(int(count)):
    s.send(frame)
' "$2" "$3" "$4" "$5" "$6" "$7" || fail "cannot send frames from $1"
}

# received on r1 (from H1): to the connected network and via H2, IPv4 and IPv6
send "$H1" 10.201.1.2 10.201.2.2 41001 7 10 100
send "$H1" 10.201.1.2 10.201.2.2 41006 7 2 10           # same destination: a cache hit
send "$H1" 10.201.1.2 10.201.3.1 41002 7 7 50
send "$H1" 10.201.1.3 10.201.3.1 41020 7 4 50      # same destination, other route
send "$H1" fd00:201:1::2 fd00:201:2::2 41011 7 6 60
send "$H1" fd00:201:1::2 fd00:201:3::1 41012 7 5 40
# sent by R on r1 (to H1): forwarded from H2
send "$H2" 10.201.2.2 10.201.1.2 41003 9 5 20
# into r1 for a MAC that is not r1's: R's kernel drops them (PACKET_OTHERHOST)
foreign "$H1" "$I1" 02:00:00:00:be:ef 10.201.1.2 10.201.2.2 41004 4

# records FILE: every flow record of an IPFIX stream, one a line:
#   src dst proto sport dport packets octets in-if out-if next-hop src-mac dst-mac
cat >"$T/records.py" <<'EOF'
import ipaddress, os, re, subprocess, sys
r = subprocess.run(["ipfixDump", "--in", sys.argv[1]], capture_output=True, text=True,
                   env=dict(os.environ, TZ="UTC"))
if r.returncode != 0:
    sys.exit("ipfixDump: " + (r.stderr.strip() or "exit %d" % r.returncode))
recs, cur = [], None
for line in r.stdout.splitlines():
    if line.startswith("--- data record"):
        cur = {}
        recs.append(cur)
    elif line.startswith("---") or line.startswith("***"):
        cur = None
    elif cur is not None:
        m = re.match(r"\s*\((\d+)\)\s+(\S+)\s*:\s*(.*)$", line)
        if m:
            cur[m.group(2)] = m.group(3).strip()
for x in recs:
    if "packetDeltaCount" not in x:
        continue
    v6 = "sourceIPv6Address" in x
    a = (lambda k: str(ipaddress.ip_address(x[k + ("IPv6Address" if v6 else "IPv4Address")])))
    print(a("source"), a("destination"), x["protocolIdentifier"], x["sourceTransportPort"],
          x["destinationTransportPort"], x["packetDeltaCount"], x["octetDeltaCount"],
          x["ingressInterface"], x["egressInterface"], a("ipNextHop"),
          x["sourceMacAddress"], x["destinationMacAddress"])
EOF
records() { python3 "$T/records.py" "$1"; }
has_flow() { records "$1" | grep -q "^$2"; }

# the first flows reach the router's collector (idle timeout 1 s) ...
wait_for 15 has_flow "$T/in.ipfix" "10.201.1.2 10.201.3.1 17 41002 7 " ||
	fail "the flow via H2 was not exported: $(records "$T/in.ipfix")"
# ... then the route via H2 moves to another gateway: a flow exported once
# the cached answer (5 s) has expired has the new next hop
ip -n "$H2" addr add 10.201.2.3/24 dev "$I2" &&
ip -n "$R" route replace 10.201.3.0/24 via 10.201.2.3 || fail "cannot change the route"
sleep 5.5
send "$H1" 10.201.1.2 10.201.3.1 41005 7 3 20
wait_for 15 has_flow "$T/in.ipfix" "10.201.1.2 10.201.3.1 17 41005 7 " ||
	fail "the flow after the route change was not exported: $(records "$T/in.ipfix")"

# SIGTERM: every flow exported, the statistics printed
for p in $EXP_IN $EXP_ALL $EXP_OUT; do kill -TERM "$p"; done
wait "$EXP_IN" || fail "the router's exporter exit status: $?"
wait "$EXP_ALL" || fail "the control exporter exit status: $?"
wait "$EXP_OUT" || fail "the --direction out exporter exit status: $?"
# shellcheck disable=SC2154
sink_stop "$SINK_in"; sink_stop "$SINK_all"; sink_stop "$SINK_out"
for l in in all out; do
	records "$T/$l.ipfix" >"$T/$l.txt" || fail "ipfixDump cannot read the export of $l"
done
info "records: router's export $(wc -l <"$T/in.txt"), control $(wc -l <"$T/all.txt"), out $(wc -l <"$T/out.txt")"

# flow SPORT FILE: the records of the UDP flow from port SPORT, summed
# (one flow: one line) without the MACs
flow() { awk -v p="$1" '$3 == 17 && $4 == p { print $1, $2, $5, $6, $7, $8, $9, $10 }' "$2"; }
expect_eq "to the connected network (10 x 128 octets)" "$(flow 41001 "$T/in.txt")" \
	"10.201.1.2 10.201.2.2 7 10 1280 $IDX_R1 $IDX_R2 0.0.0.0"
expect_eq "to the connected network, second flow" "$(flow 41006 "$T/in.txt")" \
	"10.201.1.2 10.201.2.2 7 2 76 $IDX_R1 $IDX_R2 0.0.0.0"
expect_eq "via H2 (7 x 78 octets)" "$(flow 41002 "$T/in.txt")" \
	"10.201.1.2 10.201.3.1 7 7 546 $IDX_R1 $IDX_R2 10.201.2.2"
expect_eq "from the second source, its own route (4 x 78 octets)" "$(flow 41020 "$T/in.txt")" \
	"10.201.1.3 10.201.3.1 7 4 312 $IDX_R1 $IDX_R2 10.201.2.4"
expect_eq "IPv6 to the connected network (6 x 108 octets)" "$(flow 41011 "$T/in.txt")" \
	"fd00:201:1::2 fd00:201:2::2 7 6 648 $IDX_R1 $IDX_R2 ::"
expect_eq "IPv6 via H2 (5 x 88 octets)" "$(flow 41012 "$T/in.txt")" \
	"fd00:201:1::2 fd00:201:3::1 7 5 440 $IDX_R1 $IDX_R2 fd00:201:2::2"
expect_eq "via the new gateway after the route changed" "$(flow 41005 "$T/in.txt")" \
	"10.201.1.2 10.201.3.1 7 3 144 $IDX_R1 $IDX_R2 10.201.2.3"
expect_eq "what R sent on r1 (H2 to H1), router's export" "$(flow 41003 "$T/in.txt")" ""
expect_eq "frames for another MAC, router's export" "$(flow 41004 "$T/in.txt")" ""
expect_eq "records not from H1's MAC, router's export" \
	"$(awk -v m="$MAC_H1" '$11 != m' "$T/in.txt")" ""

# the control saw what the router's export left out
expect_eq "what R sent on r1 (H2 to H1), control" "$(flow 41003 "$T/all.txt")" \
	"10.201.2.2 10.201.1.2 9 5 240 $IDX_R1 0 0.0.0.0"
expect_eq "frames for another MAC, control" "$(flow 41004 "$T/all.txt")" \
	"10.201.1.2 10.201.2.2 7 4 232 $IDX_R1 0 0.0.0.0"
expect_eq "control records of H2 to H1 from r1's MAC (sent by R)" \
	"$(awk -v m="$MAC_R1" '$11 == m && $3 == 17 && $4 == 41003' "$T/all.txt" | wc -l)" 1

# --direction out: what R sent on r1, nothing it received
expect_eq "what R sent on r1 (H2 to H1), --direction out" "$(flow 41003 "$T/out.txt")" \
	"10.201.2.2 10.201.1.2 9 5 240 $IDX_R1 0 0.0.0.0"
expect_eq "what r1 received, --direction out" "$(flow 41001 "$T/out.txt")$(flow 41004 "$T/out.txt")" ""
expect_eq "records not from r1's MAC, --direction out" \
	"$(awk -v m="$MAC_R1" '$11 != m' "$T/out.txt")" ""

# the statistics of the lookups
st=$(grep 'stats route-lookup:' "$T/in.log" | tail -1)
info "$st"
[ -n "$st" ] || fail "no route-lookup statistics"
lookups=$(field "$st" lookups) hits=$(field "$st" cache-hits) queries=$(field "$st" queries)
[ "$lookups" -ge 8 ] || fail "lookups: $lookups, want at least the 8 UDP flows"
[ "$hits" -ge 1 ] || fail "cache-hits: $hits, want at least 1 (two flows to 10.201.2.2)"
expect_eq "route lookup failures" "$(field "$st" failures)" 0
expect_eq "lookups = cache hits + queries (no failure)" "$lookups" "$((hits + queries))"
expect_eq "route lookup timeouts" "$(field "$st" timeouts)" 0
! grep -q 'stats route-lookup' "$T/all.log" || fail "route-lookup statistics without route lookup"
sanitizer_clean "$T/in.log" "$T/all.log" "$T/out.log"
exit 0
