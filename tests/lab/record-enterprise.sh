#!/bin/sh
# Record tests/data/enterprise from a live lab: the enterprise-like network of
# tests/lab/topo-enterprise.sh built by tests/lab/ospf-lab.sh.  One capture on
# the HQ LAN's listener from before the routers start until a few seconds
# after convergence; then every router's kernel forwarding table, FRR's
# routes, its addresses and router id, r1's LSDB and the router names.
# Checks that the capture carries every LSA of r1's LSDB, that each FIB holds
# exactly FRR's OSPF next hops, and the equal-cost paths the topology is made
# for (r5 -> r6, r1 -> r4; r9 through r7 only).  With OSPFMON set to an
# anemone-ospfmon binary, also that its routes from the capture equal FRR's
# for every router.  Root only; everything is torn down on exit.
#
#   tests/lab/record-enterprise.sh [OUTDIR]    (default tests/data/enterprise)
#
# Environment: STEADY (s, default 5) of steady state after convergence;
# MIN_SECONDS (default 30) the capture's shortest length.
here=$(cd "$(dirname "$0")" && pwd)
NAME=enterprise
. "$here/record-lib.sh"
topo=$here/topo-enterprise.sh
check=$here/ospf-lsdb-check.py
OUT=$(realpath -m -- "${1:-$top/tests/data/enterprise}")
STEADY=${STEADY:-5}
MIN_SECONDS=${MIN_SECONDS:-30}

mkdir -p "$OUT" || exit 1
rm -rf "$OUT/fib" "$OUT/frr" "$OUT/addr" "$OUT/ospf.pcap" "$OUT/names" "$OUT/timeline"
mkdir -p "$OUT/fib" "$OUT/frr" "$OUT/addr"

"$lab" up "$L" --topology "$topo" --capture "$T/ospf.pcap" || fail "up"
start=$(sed -n 's/^\([0-9]*\) capture-start .*/\1/p' "$L/events" | head -1)
conv=$(sed -n 's/^\([0-9]*\) converged .*/\1/p' "$L/events" | head -1)
until=$((conv + STEADY * 1000))
[ "$until" -lt $((start + MIN_SECONDS * 1000)) ] && until=$((start + MIN_SECONDS * 1000))
rest=$((until - $(now_ms)))
[ "$rest" -gt 0 ] && sleep "$((rest / 1000)).$(printf '%03d' $((rest % 1000)))"

"$lab" capture-stop "$L"
cp "$T/ospf.pcap" "$OUT/ospf.pcap"

# the snapshot (the lab is steady: nothing changes any more; the LSA check
# below would see it)
prefix=$(cat "$L/prefix")
"$lab" routes "$L" "$T/routes" || fail "routes"
for r in $(cat "$L/routers"); do
	n=$prefix-$r
	ip -n "$n" -j -p route show >"$OUT/fib/$r.json" || fail "no FIB from $r"
	ip -n "$n" -j -p addr show >"$OUT/addr/$r.json" || fail "no addresses from $r"
	vtysh -N "$n" --vty_socket "$L/run" --config_dir "$L/etc" -d zebra \
		-c 'show ip route json' >"$OUT/frr/$r.route.json" || fail "no zebra routes from $r"
	cp "$T/routes/$r.json" "$OUT/frr/$r.ospf-route.json"
	cp "$T/routes/$r.rid" "$OUT/frr/$r.rid"
done
cp "$T/routes/r1.lsdb.json" "$OUT/frr/r1.lsdb.json"

# router id -> name
(. "$topo"
for x in $ROUTER_NAMES; do
	echo "$(cat "$OUT/frr/${x%%:*}.rid") ${x#*:}"
done) >"$OUT/names" || fail "names"

# the lab's event log, with epoch milliseconds (as in the pcap timestamps)
sed -e "s|$L|LABDIR|g" -e "s|$T/ospf.pcap|ospf.pcap|g" -e "s|$T/routes|routes|g" \
	"$L/events" >"$OUT/timeline"

"$lab" down "$L" || fail "down"
ip netns list | grep -q "^$prefix-" && fail "namespaces left"
pgrep -f -- "$L/" >/dev/null && fail "processes left"

printf 'record: LSA check: '
"$check" "$OUT/frr/r1.lsdb.json" 0.0.0.0 "$OUT/ospf.pcap" || fail "the capture lacks LSAs"

python3 - "$OUT" <<'PY' || fail "forwarding tables"
import json, os, sys
out = sys.argv[1]
def load(*p):
    return json.load(open(os.path.join(out, *p)))
routers = sorted((f[:-5] for f in os.listdir(os.path.join(out, "fib"))), key=lambda r: int(r[1:]))
owner = {}                                   # interface address -> router
for r in routers:
    for ifc in load("addr", r + ".json"):
        for a in ifc.get("addr_info", []):
            owner[a["local"]] = r
def fib_hops(r):
    """prefix -> sorted gateways of the OSPF routes in r's kernel table"""
    hops = {}
    for e in load("fib", r + ".json"):
        if e.get("protocol") != "ospf":
            continue
        gws = [h["gateway"] for h in e.get("nexthops", [])] or [e.get("gateway")]
        hops[e["dst"]] = sorted(gws)
    return hops
bad = []
for r in routers:                            # the FIB is FRR's OSPF routes
    frr = load("frr", r + ".ospf-route.json")
    fib = fib_hops(r)
    want = {}
    for p, v in frr.items():
        if "/" not in p:
            continue
        gws = sorted(h["ip"] for h in v["nexthops"] if h.get("ip", "").strip())
        if gws:
            want[p] = gws
    if want != fib:
        bad.append("%s: FIB %s, FRR %s" % (r, fib, want))
def via(r, prefix):
    return sorted(owner[g] for g in fib_hops(r).get(prefix, []))
def cost(r, prefix):
    return load("frr", r + ".ospf-route.json")[prefix]["cost"]
def expect(what, got, want):
    print("record: %-40s %s" % (what, got))
    if got != want:
        bad.append("%s: %s, expected %s" % (what, got, want))
expect("r5 -> r6 (10.100.6.0/24) via", via("r5", "10.100.6.0/24"), ["r1", "r2"])
expect("r5 -> r6 stub cost (30 + 10)", cost("r5", "10.100.6.0/24"), 40)
expect("r1 -> r4 (10.100.4.0/24) via", sorted(set(via("r1", "10.100.4.0/24"))), ["r2", "r3"])
expect("r1 -> r4 stub cost (20 + 10)", cost("r1", "10.100.4.0/24"), 30)
fib9 = fib_hops("r9")
# 24 prefixes (10 stubs, the LAN, 12 links, the E2) but r9's 3 attached ones
expect("r9: OSPF routes in the FIB", len(fib9), 21)
expect("r9: their next hops", sorted({g for h in fib9.values() for g in h}), ["10.7.9.7"])
expect("r9 -> r8 (10.100.8.0/24) cost", cost("r9", "10.100.8.0/24"), 170)
expect("r10's E2 at r5", [load("frr", "r5.ospf-route.json")["198.51.100.0/24"][k] for k in ("routeType", "type2cost")], ["N E2", 20])
if bad:
    print("\n".join(bad))
    sys.exit(1)
print("record: every FIB holds FRR's OSPF next hops (%d routers)" % len(routers))
PY

if [ -n "${OSPFMON:-}" ]; then
	for r in $(cd "$OUT/fib" && ls | sed 's/\.json$//' | sort -V); do
		"$OSPFMON" -r "$OUT/ospf.pcap" --dump routes --root "$(cat "$OUT/frr/$r.rid")" --json \
			>"$T/$r.mon.json" 2>"$T/$r.mon.err" || fail "$r: anemone-ospfmon: $(cat "$T/$r.mon.err")"
		printf 'record: ospfmon %-4s ' "$r:"
		"$top/tests/route-compare" "$OUT/frr/$r.ospf-route.json" "$T/$r.mon.json" ||
			fail "$r: anemone-ospfmon's routes differ from FRR's"
	done
fi
ls -l "$OUT/ospf.pcap"
echo "record: done"
