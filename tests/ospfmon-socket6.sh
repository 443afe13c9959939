#!/bin/sh
# anemone-ospfmon --raw-socket hears OSPFv3 as well as OSPFv2: in two
# network namespaces made by the test, joined by a veth pair, a python3
# "router" multicasts one OSPFv2 LS Update to 224.0.0.5 and OSPFv3 ones to
# ff02::5 and ff02::6 (router-LSA and intra-area-prefix-LSA of router
# 10.9.9.1, the kernel computing the IPv6 checksum as routers' kernels do),
# plus an OSPFv3 packet with a broken checksum and one of an IPv4 address
# family instance (RFC 5838).  Checked:
#   - the listener's database holds the LSAs of both versions, and its
#     counters say one OSPFv3 packet failed its checksum and one was of
#     another address family;
#   - its snapshot keeps both, and the IPv6 routes of 10.9.9.1 computed from
#     it hold the prefix as attached;
#   - what the listener's side sent: nothing but MLD reports (no OSPF of
#     either version, no IGMP with net.ipv4.igmp_link_local_mcast_reports=0);
#   - on an interface without IPv6 it warns and hears OSPFv2 still.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_root
need ip python3 tcpdump
OSPFMON="$top_builddir/ospfmon/anemone-ospfmon"

A=anm-o6a-$$ M=anm-o6m-$$
netns_add "$A" "$M" || fail "cannot create namespaces"
for n in "$A" "$M"; do
	ip netns exec "$n" sysctl -q -w net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.all.accept_dad=0 || fail "sysctl in $n"
done
# the listener's namespace sends nothing by itself: no IGMP reports for
# link-local groups, no router solicitations
ip netns exec "$M" sysctl -q -w net.ipv4.igmp_link_local_mcast_reports=0 \
	net.ipv6.conf.default.router_solicitations=0 || fail "sysctl in $M"
veth_between "$A" "$M" a0 m0 10.123.9 || fail "cannot make the veth pair"
for x in "$A a0" "$M m0"; do
	set -- $x
	wait_for 10 sh -c "ip -n $1 -6 addr show dev $2 scope link | grep -q inet6" ||
		fail "$2 has no link-local address"
done

cat >"$T/send.py" <<'EOF'
import socket, struct, sys

RID = socket.inet_aton("10.9.9.1")

def fletcher(lsa):
    """The LSA checksum (RFC 905 annex B; RFC 2328 12.1.7): over the LSA
    but its age, the checksum field (octets 16-17) taken as zero."""
    d = bytearray(lsa[2:])
    d[14] = d[15] = 0
    c0 = c1 = 0
    for b in d:
        c0 = (c0 + b) % 255
        c1 = (c1 + c0) % 255
    k = 15                      # 1-based position of the first checksum octet
    x = ((len(d) - k) * c0 - c1) % 255
    y = (c1 - (len(d) - k + 1) * c0) % 255
    return bytes([x or 255, y or 255])

def lsa(hdr_first4, ls_id, body):
    l = bytearray(hdr_first4 + ls_id + RID + struct.pack("!IHH", 0x80000001, 0, 20 + len(body)) + body)
    l[16:18] = fletcher(l)
    return bytes(l)

def ospf6(lsas, inst=0):
    body = struct.pack("!I", len(lsas)) + b"".join(lsas)
    return struct.pack("!BBH4s4sHBB", 3, 4, 16 + len(body), RID, bytes(4), 0, inst, 0) + body

# OSPFv3: router-LSA (flags 0, options V6|E|R, one p2p interface) and an
# intra-area-prefix-LSA of fd00:9::/64 referring to it
r6 = lsa(struct.pack("!HH", 1, 0x2001), bytes(4),
         struct.pack("!B3s", 0, (0x13).to_bytes(3, "big")) +
         struct.pack("!BBHII4s", 1, 0, 10, 5, 6, socket.inet_aton("10.9.9.2")))
p6 = lsa(struct.pack("!HH", 1, 0x2009), bytes(4),
         struct.pack("!HHI4s", 1, 0x2001, 0, RID) +
         struct.pack("!BBH", 64, 0, 1) + socket.inet_pton(socket.AF_INET6, "fd00:9::")[:8])
# OSPFv2: a router-LSA with one stub link 10.9.1.0/24
r4 = lsa(struct.pack("!HBB", 1, 0x02, 1), RID,
         struct.pack("!BBH", 0, 0, 1) +
         socket.inet_aton("10.9.1.0") + socket.inet_aton("255.255.255.0") + struct.pack("!BBH", 3, 0, 1))
v2 = bytearray(struct.pack("!BBH4s4sHHQ", 2, 4, 24 + 4 + len(r4), RID, bytes(4), 0, 0, 0) +
               struct.pack("!I", 1) + r4)
s = 0
for i in range(0, len(v2), 2):
    s += v2[i] << 8 | v2[i + 1]
while s >> 16:
    s = (s & 0xffff) + (s >> 16)
v2[12:14] = struct.pack("!H", ~s & 0xffff)

ifname = sys.argv[1]
idx = socket.if_nametoindex(ifname)
s4 = socket.socket(socket.AF_INET, socket.SOCK_RAW, 89)
s4.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode())
s4.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
s4.sendto(bytes(v2), ("224.0.0.5", 0))

s6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 89)
s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)
s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 1)
s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_CHECKSUM, 12)    # the kernel's, as FRR
s6.sendto(ospf6([r6]), ("ff02::5", 0, 0, idx))
s6.sendto(ospf6([p6]), ("ff02::6", 0, 0, idx))
s6.sendto(ospf6([p6], inst=64), ("ff02::5", 0, 0, idx))        # an IPv4 AF instance
bad = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 89)        # no kernel checksum:
bad.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)   # the field stays 0
bad.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 1)
bad.sendto(ospf6([r6]), ("ff02::5", 0, 0, idx))
EOF

info "the listener, and what its side sends"
ip netns exec "$A" tcpdump -i a0 -U -n --immediate-mode -w "$T/a0.pcap" >"$T/tcpdump.log" 2>&1 &
BG_PIDS="$BG_PIDS $!"
wait_for 10 grep -q "listening on" "$T/tcpdump.log" || fail "tcpdump did not start"
ip netns exec "$M" "$OSPFMON" -i m0 --raw-socket -s "$T/snap" --dump lsdb --json -v \
	>"$T/lsdb.json" 2>"$T/mon.err" &
mon=$!; BG_PIDS="$BG_PIDS $mon"
SHOW_ON_FAIL="$T/mon.err"
wait_for 10 grep -q "listening on m0" "$T/mon.err" || fail "the listener did not start"
grep -q "joined ff02::5 and ff02::6" "$T/mon.err" || fail "no OSPFv3 socket"
ip netns exec "$A" python3 "$T/send.py" a0 || fail "cannot send"
sleep 1
kill -USR1 "$mon"
wait_for 10 grep -q "ospf6=" "$T/mon.err" || fail "no statistics"
kill "$mon"; wait "$mon"; rc=$?
[ "$rc" -eq 0 ] || fail "the listener exited $rc"

stats=$(grep ': stats ' "$T/mon.err" | tail -1)
expect_eq "OSPFv3 packets accepted" "$(field "$stats" ospf6)" 2
expect_eq "OSPFv3 packets dropped" "$(field "$stats" ospf6-dropped)" 1
expect_eq "OSPFv3 other address families" "$(field "$stats" ospf6-other-af)" 1
grep -q "dropped 1 OSPFv3 packets: bad-checksum" "$T/mon.err" || fail "no bad-checksum count"
python3 - "$T/lsdb.json" <<'EOF' || fail "the database: $(cat "$T/lsdb.json")"
import json, sys
got = sorted((e.get("ospf", 2), e["type"], e["adv"], e["area"]) for e in json.load(open(sys.argv[1])))
want = [(2, 1, "10.9.9.1", "0.0.0.0"), (3, 0x2001, "10.9.9.1", "0.0.0.0"),
        (3, 0x2009, "10.9.9.1", "0.0.0.0")]
assert got == want, got
EOF

info "the snapshot keeps both; the routes of 10.9.9.1"
"$OSPFMON" -s "$T/snap" --dump routes6 --root 10.9.9.1 --json >"$T/routes6.json" 2>"$T/r6.err" ||
	fail "routes6: $(cat "$T/r6.err")"
python3 - "$T/routes6.json" <<'EOF' || fail "routes6: $(cat "$T/routes6.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert [(x["prefix"], x["type"], x["area"], x["cost"], x["attached"], x["nexthops"]) for x in r] == \
    [("fd00:9::/64", "intra", "0.0.0.0", 1, True, [])], r
EOF
"$OSPFMON" -s "$T/snap" --dump routes --root 10.9.9.1 --json >"$T/routes.json" 2>&1 ||
	fail "routes: $(cat "$T/routes.json")"
grep -q '"10.9.1.0/24"' "$T/routes.json" || fail "IPv4 routes: $(cat "$T/routes.json")"

sleep 0.5
kill "$(echo "$BG_PIDS" | awk '{ print $1 }')" 2>/dev/null
sleep 0.5
mac=$(ip -n "$M" -j link show m0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])')
sent=$(tcpdump -r "$T/a0.pcap" -n -e "ether src $mac" 2>/dev/null)
echo "$sent" >"$T/sent.txt"
[ -n "$sent" ] || fail "the listener's side sent nothing, not even MLD reports (was it heard?)"
# (MLDv2 reports go to ff02::16, behind a hop-by-hop header)
others=$(tcpdump -r "$T/a0.pcap" -n "ether src $mac and not (ip6 dst ff02::16 and ip6[48] == 143)" 2>/dev/null)
[ -z "$others" ] || fail "the listener's side sent more than MLD reports: $others"

info "an interface without IPv6: OSPFv2 only, and a warning"
ip netns exec "$M" sysctl -q -w net.ipv6.conf.m0.disable_ipv6=1 || fail "disable_ipv6"
ip netns exec "$M" "$OSPFMON" -i m0 --raw-socket --dump lsdb --json >"$T/lsdb4.json" 2>"$T/mon4.err" &
mon=$!; BG_PIDS="$BG_PIDS $mon"
SHOW_ON_FAIL="$T/mon4.err"
wait_for 10 grep -q "listening on m0" "$T/mon4.err" || fail "the listener did not start"
grep -q "m0: OSPFv3 (IPv6) not heard" "$T/mon4.err" || fail "no warning: $(cat "$T/mon4.err")"
ip netns exec "$A" python3 "$T/send.py" a0 || fail "cannot send"
sleep 1
kill "$mon"; wait "$mon" || fail "the listener failed"
python3 -c '
import json, sys
got = [(e.get("ospf", 2), e["type"]) for e in json.load(open(sys.argv[1]))]
assert got == [(2, 1)], got' "$T/lsdb4.json" || fail "OSPFv2 not heard: $(cat "$T/lsdb4.json")"
exit 0
