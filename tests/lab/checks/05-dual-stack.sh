#!/bin/sh
# The FRR lab is dual stack (a check of tests/lab.tap, run against its lab,
# tests/lab/ospf-lab.sh, the default topology; needs root and FRR): beside
# ospfd, every router's ospf6d computed, from the same topology, the same
# routes for IPv6.
#  - every router has an OSPFv3 route to every router's stub fd00:100:N::/64
#    of the type (intra/inter-area), area and cost its OSPFv2 route to
#    10.100.N.0/24 has;
#  - the externals: r4's fd00:200:4::/64 and fd00:200:44::/64 as E2 with
#    external metric 100, r7's fd00:200:7::/64 and fd00:200:77::/64 as E1,
#    each at the cost of its IPv4 twin, everywhere but in r8 (its area 2 is
#    an NSSA: no AS-external LSAs); r8's type-7 fd00:200:8::/64 as N2 in
#    area 2 (r6) and, translated by r6, as E2 everywhere else.  FRR 8.4's
#    ospf6d keeps the type-7's metric (30) in the translation where ospfd
#    puts its default-metric (20), and originates no default into the NSSA
#    (r8 has no ::/0, where it has 0.0.0.0/0): neither is compared;
#  - every router's kernel has a proto ospf IPv6 route for each prefix of
#    ospf6d's table but the ones it is attached to, and no other;
#  - r8's stub answers a ping from r1's stub address (fd00:100:1::1 to
#    fd00:100:8::1: four routers and three areas' worth of forwarding);
#  - the listener's mon0 has IPv6 off (see ospf-lab.sh; with LAB_MON_IPV6=1
#    it holds fd00::254/64 and no link-local address, in no multicast group
#    the kernel would report); its silence on the wire is checked by
#    10-ospfmon-live and 20-ospfmon-socket (no frame from it).
# Changes nothing: the lab is left as found.  A few seconds.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../../.." && pwd)}
. "$top_srcdir/tests/lib.sh"
need ip python3 ping
[ -n "${LAB_DIR:-}" ] || skip "a check of tests/lab.tap, run against its lab (LAB_DIR)"

L=$LAB_DIR
[ "$(cat "$L/ipv6" 2>/dev/null)" = 1 ] || skip "the lab is IPv4-only (LAB_IPV6=0)"
[ ! -f "$L/topology.sh" ] || skip "the lab is not of the default topology"
P=$(cat "$L/prefix") || fail "no lab in $L"

sh "$LAB" routes "$L" "$T/r" >"$T/routes.log" 2>&1 || fail "cannot read the routers' routes: $(tail -3 "$T/routes.log")"
for r in $(cat "$L/routers"); do
	ip -n "$P-$r" -6 -j route show proto kernel >"$T/r/$r.conn6" || fail "$r: no connected routes"
done

python3 - "$T/r" $(cat "$L/routers") <<'PY' || fail "IPv6 routes are not those of IPv4"
import json, os, sys
d, routers = sys.argv[1], sys.argv[2:]
load = lambda r, x: json.load(open(os.path.join(d, r + x)))
T4 = {"N": "intra", "N IA": "inter", "N E1": "E1", "N E2": "E2"}
bad = []
def want(r, p6, got, t, area, cost, t2):
    w = (t, area, cost, t2)
    g = (got["type"], got["area"], got["cost"], got["type2_cost"]) if got else None
    if g != w:
        bad.append("%s: %s: want %s, got %s" % (r, p6, w, g))
n_stub = n_ext = 0
for r in routers:
    v4, v6, fib6 = load(r, ".json"), load(r, ".ospf6.json"), load(r, ".fib6.json")
    areas = {i["area"] for i in load(r, ".ifaces6.json").values()}
    # every router's stub, as its IPv4 twin
    for s in routers:
        n = s[1:]
        p4, p6 = "10.100.%s.0/24" % n, "fd00:100:%s::/64" % n
        if p4 not in v4:
            bad.append("%s: no IPv4 route to %s" % (r, p4)); continue
        e = v4[p4]
        want(r, p6, v6.get(p6), T4[e["routeType"]], e["area"], e["cost"], 0)
        n_stub += 1
    # externals
    nssa_only = areas == {"0.0.0.2"}
    for asbr, p4, p6, t, t2 in (("r4", "10.200.4.0/24", "fd00:200:4::/64", "E2", 100),
                                ("r4", "10.200.44.0/24", "fd00:200:44::/64", "E2", 100),
                                ("r7", "10.200.7.0/24", "fd00:200:7::/64", "E1", 0),
                                ("r7", "10.200.77.0/24", "fd00:200:77::/64", "E1", 0)):
        if r == asbr:
            continue                    # its own
        if nssa_only:
            if p6 in v6:
                bad.append("%s: %s in an NSSA: %s" % (r, p6, v6[p6]))
            continue
        if p4 not in v4:
            bad.append("%s: no IPv4 route to %s" % (r, p4)); continue
        want(r, p6, v6.get(p6), t, None, v4[p4]["cost"], t2)
        n_ext += 1
    p6 = "fd00:200:8::/64"
    if r != "r8":
        t = "N2" if "0.0.0.2" in areas else "E2"
        if v6.get(p6, {}).get("type") != t:
            bad.append("%s: %s: want %s, got %s" % (r, p6, t, v6.get(p6)))
        n_ext += 1
    # the kernel's: ospf6d's prefixes but the attached ones
    attached = {e["dst"] for e in load(r, ".conn6")}
    want_fib = set(v6) - attached
    if set(fib6) != want_fib:
        bad.append("%s: kernel's OSPF routes differ from ospf6d's: only in the kernel %s, only in ospf6d %s"
                   % (r, sorted(set(fib6) - want_fib), sorted(want_fib - set(fib6))))
for b in bad:
    print(b)
if bad:
    sys.exit(1)
print("-- %d routers: %d stub routes as IPv4's, %d externals of the right type, kernels as ospf6d"
      % (len(routers), n_stub, n_ext))
PY

# r1's stub to r8's stub (a first try may wait for neighbour discovery)
ok=0
for _ in 1 2 3; do
	if ip netns exec "$P-r1" ping -6 -n -c 1 -W 2 -I fd00:100:1::1 fd00:100:8::1 >"$T/ping.log" 2>&1; then
		ok=1; break
	fi
done
[ "$ok" = 1 ] || fail "no answer from fd00:100:8::1 to fd00:100:1::1: $(cat "$T/ping.log")"
info "ping6 fd00:100:1::1 -> fd00:100:8::1: $(grep -o 'time=[0-9.]* ms' "$T/ping.log")"

# the listener: IPv6 off on mon0; or (LAB_MON_IPV6=1) fd00::254/64 and no
# link-local address, in no multicast group the kernel would report
MON=$LAB_MON
if [ "$(ip netns exec "$MON" sysctl -n net.ipv6.conf.mon0.disable_ipv6)" = 1 ]; then
	a6=$(ip -n "$MON" -6 -o addr show dev mon0 | awk '{ print $4 }' | tr '\n' ' ')
	expect_eq "mon0's IPv6 addresses (IPv6 off)" "$a6" ""
else
	a6=$(ip -n "$MON" -6 -o addr show dev mon0 | awk '{ print $4 }' | tr '\n' ' ')
	expect_eq "mon0's IPv6 addresses" "$a6" "fd00::254/64 "
	g6=$(ip -n "$MON" -6 maddr show dev mon0 | awk '$1 == "inet6" { print $2 }' | sort | tr '\n' ' ')
	expect_eq "mon0's IPv6 multicast groups" "$g6" "ff01::1 ff02::1 "
fi
exit 0
