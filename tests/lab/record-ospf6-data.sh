#!/bin/sh
# Record tests/data/ospf6 from a live dual-stack lab (tests/lab/ospf-lab.sh):
# as tests/lab/record-ospf-data.sh does for OSPFv2, one capture on the
# monitor segment (mon0) from before the routers start to the end, cut into
# contiguous pieces (lab.pcap, then change-<step>.pcap for every topology
# change) and kept to OSPF, both families (IPv4 protocol 89, OSPFv2; IPv6
# next header 89, OSPFv3); and FRR's routes, both families, with the OSPFv3
# interfaces and LSDBs, after each phase.  Checks that every area-0,
# AS-scope and LAN link-scope LSA in r1's OSPFv3 LSDB, and every area-0 and
# AS-external LSA in its OSPFv2 one, is carried by the captures up to that
# point, and that the listener sent nothing.  Root only; takes the lab lock
# (tests/lib.sh); everything is torn down on exit.
#
#   tests/lab/record-ospf6-data.sh [OUTDIR]      (default tests/data/ospf6)
#
# LAB_SECONDS (default 45): length of lab.pcap from the capture's start.
here=$(cd "$(dirname "$0")" && pwd)
NAME=ospf6
. "$here/record-lib.sh"
check=$here/ospf-lsdb-check.py
OUT=$(realpath -m -- "${1:-$top/tests/data/ospf6}")
LAB_SECONDS=${LAB_SECONDS:-45}

mkdir -p "$OUT" || exit 1
rm -rf "$OUT"/routes "$OUT"/routes-after-* "$OUT"/*.pcap "$OUT"/timeline "$OUT"/nexthops6 "$OUT"/v6-vs-v4
BOUNDS=""
PHASES="lab"

LAB_IPV6=1 "$lab" up "$L" --capture "$T/session.pcap" || fail "up"
MON=$(cat "$L/prefix")-mon
MAC=$(ip netns exec "$MON" cat /sys/class/net/mon0/address) || fail "no mon0"
start=$(sed -n 's/^\([0-9]*\) capture-start .*/\1/p' "$L/events" | head -1)
rest=$(( (start + LAB_SECONDS * 1000 - $(now_ms)) / 1000 ))
[ "$rest" -gt 0 ] && sleep "$rest"
"$lab" routes "$L" "$OUT/routes" || fail "routes"
BOUNDS="$(now_ms)"

# step NAME SUBCOMMAND ARGS...: 2 s of steady state, the change (which waits
# for reconvergence plus 5 s of stability), routes, and a cut in the capture.
step() {
	name=$1; shift
	sleep 2
	"$lab" "$@" || fail "$*"
	"$lab" routes "$L" "$OUT/routes-after-$name" || fail "routes after $name"
	BOUNDS="$BOUNDS $(now_ms)"
	PHASES="$PHASES change-$name"
}
step cost cost "$L" r3 to-r5 30
step link-down link-down "$L" r5 to-r6
step link-up link-up "$L" r5 to-r6
step add-router add-router "$L"
"$lab" capture-stop "$L"

# the listener sent nothing, in either family
sent=$(tcpdump -r "$T/session.pcap" -n -e "ether src $MAC" 2>/dev/null | wc -l)
[ "$sent" -eq 0 ] || fail "$sent frames sent from mon0 ($MAC): $(tcpdump -r "$T/session.pcap" -n -e "ether src $MAC" 2>/dev/null | head -3)"

# cut session.pcap at the phase boundaries (the last piece ends with it),
# keeping OSPF (IPv4 protocol 89, IPv6 next header 89)
python3 - "$T/session.pcap" "$OUT" "$PHASES" "$BOUNDS" <<'PY' || fail "split"
import struct, sys
src, out, phases, bounds = sys.argv[1], sys.argv[2], sys.argv[3].split(), [int(b) for b in sys.argv[4].split()]
data = open(src, "rb").read()
e = "<" if data[:4] == b"\xd4\xc3\xb2\xa1" else ">"
files = [open("%s/%s.pcap" % (out, p), "wb") for p in phases]
for f in files:
    f.write(data[:24])
off, counts, dropped = 24, [[0, 0] for _ in files], 0
while off + 16 <= len(data):
    sec, usec, incl = struct.unpack(e + "III", data[off:off + 12])
    frame = data[off + 16:off + 16 + incl]
    ms = sec * 1000 + usec // 1000
    i = sum(1 for b in bounds[:len(files) - 1] if ms >= b)
    v = 0
    if frame[12:14] == b"\x08\x00" and len(frame) >= 34 and frame[23] == 89:
        v = 2
    elif frame[12:14] == b"\x86\xdd" and len(frame) >= 54 and frame[20] == 89:
        v = 3
    if v:
        files[i].write(data[off:off + 16 + incl]); counts[i][v - 2] += 1
    else:
        dropped += 1
    off += 16 + incl
for p, (c2, c3) in zip(phases, counts):
    print("record: %s.pcap: %d OSPFv2 and %d OSPFv3 packets" % (p, c2, c3))
print("record: %d frames neither (ARP, neighbour discovery, MLD, IGMP) left out" % dropped)
PY

# every area-0, AS-scope and LAN link-scope LSA that r1 holds after a phase
# was carried (same or newer instance) by the pieces up to that phase
check6() {   # check6 LSDB6.json PCAP...
	python3 - "$@" <<'PY'
import json, socket, struct, sys
TYPES = {"Rtr": 0x2001, "Net": 0x2002, "IAP": 0x2003, "IAR": 0x2004, "ASE": 0x4005,
         "Type7": 0x2007, "Lnk": 0x0008, "INP": 0x2009}
db = json.load(open(sys.argv[1]))
want = {}
groups = [g for g in db.get("areaScopedLinkStateDb", []) if g.get("areaId") == "0.0.0.0"]
groups += db.get("asScopedLinkStateDb", [])
groups += [g for g in db.get("interfaceScopedLinkStateDb", []) if g.get("interface") == "lan0"]
for g in groups:
    for l in g.get("lsa", []):
        if l["age"] >= 3600:
            continue
        want[(TYPES[l["type"]], l["lsId"], l["advRouter"])] = l["seqNum"]
seen = {}
for path in sys.argv[2:]:
    data = open(path, "rb").read()
    e = "<" if data[:4] == b"\xd4\xc3\xb2\xa1" else ">"
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(e + "I", data[off + 8:off + 12])[0]
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if pkt[12:14] != b"\x86\xdd" or len(pkt) < 54 + 20 or pkt[20] != 89:
            continue
        o = pkt[54:]
        if o[0] != 3 or o[1] != 4:          # OSPFv3 LS Update only
            continue
        n, p = struct.unpack(">I", o[16:20])[0], 20
        for _ in range(n):
            if p + 20 > len(o):
                break
            t, lsid, adv, seq, length = struct.unpack(">H4s4sI2xH", o[p + 2:p + 20])
            k = (t, socket.inet_ntoa(lsid), socket.inet_ntoa(adv))
            seen[k] = max(seen.get(k, seq), seq)
            p += max(length, 20)
bad = 0
for k in sorted(want):
    if k not in seen:
        print("missing: type 0x%04x id %s adv %s seq %08x" % (k + (want[k],))); bad += 1
    elif seen[k] < want[k]:
        print("stale: type 0x%04x id %s adv %s: captured %08x, LSDB %08x" % (k + (seen[k], want[k]))); bad += 1
print("%d OSPFv3 LSAs in the LSDB (area 0, AS scope, lan0), %d missing or stale in the captures" % (len(want), bad))
sys.exit(1 if bad else 0)
PY
}
pcaps=""
for p in $PHASES; do
	pcaps="$pcaps $OUT/$p.pcap"
	case $p in lab) r=routes ;; *) r=routes-after-${p#change-} ;; esac
	printf 'record: %-18s v3: ' "$p:"
	# shellcheck disable=SC2086
	check6 "$OUT/$r/r1.lsdb6.json" $pcaps || fail "captures up to $p lack OSPFv3 LSAs"
	printf 'record: %-18s v2: ' "$p:"
	# shellcheck disable=SC2086
	"$check" "$OUT/$r/r1.lsdb.json" 0.0.0.0 $pcaps || fail "captures up to $p lack OSPFv2 LSAs"
done

# Where FRR 8.4's ospf6d next hops are not the kernel's (its equal-cost
# bugs): one line per route, "<snapshot> <router> <prefix> ospf6d: ...;
# kernel: ..." (a network the router is attached to is the kernel's own)
python3 - "$OUT" routes routes-after-cost routes-after-link-down routes-after-link-up \
	routes-after-add-router >"$OUT/nexthops6" <<'PY' || fail "next hops"
import json, os, sys
out = sys.argv[1]
hops = lambda l: " ".join("%s%%%s" % tuple(h) for h in l) or "-"
for snap in sys.argv[2:]:
    d = os.path.join(out, snap)
    for r in sorted((f[:-11] for f in os.listdir(d) if f.endswith(".ospf6.json")), key=lambda r: int(r[1:])):
        o = json.load(open(os.path.join(d, r + ".ospf6.json")))
        k = json.load(open(os.path.join(d, r + ".fib6.json")))
        for p in sorted(set(o) | set(k)):
            a = o[p]["nexthops"] if p in o else None
            b = k.get(p)
            if b is None and a == []:
                continue                 # attached
            if a != b:
                print("%s %s %s ospf6d: %s; kernel: %s" % (snap, r, p, "(none)" if a is None else hops(a),
                                                           "(none)" if b is None else hops(b)))
PY
echo "record: $(wc -l <"$OUT/nexthops6") routes whose ospf6d next hops are not the kernel's (nexthops6)"

# Where FRR 8.4's ospf6d disagrees with its ospfd: the lab's IPv6 is its
# IPv4 again (fd00:100:N::/64 is 10.100.N.0/24, fd00::/64 10.0.0.0/24,
# fd00:1:AB::/64 10.1.AB.0/24, fd00:200:X::/64 10.200.X.0/24, ::/0
# 0.0.0.0/0), so a route of one should be its twin's: same type, area, cost
# (E2: external metric too) and next-hop routers (IPv4 next hop a.b.c.N is
# rN's; an IPv6 one, a link-local address, is the router whose
# R.ifaces6.json has it; "direct" for an attached network).  One line per
# route that differs: "<snapshot> <router> <prefix>: v4 (...) hops; v6 (...)
# hops" (v4 type "E2" at r6, the translator, is ospfd's name for an N2)
python3 - "$OUT" routes routes-after-cost routes-after-link-down routes-after-link-up \
	routes-after-add-router >"$OUT/v6-vs-v4" <<'PY' || fail "v6 against v4"
import json, os, sys
out = sys.argv[1]
T4 = {"N": "intra", "N IA": "inter", "N E1": "E1", "N E2": "E2"}
def twin(p4):
    if p4 == "0.0.0.0/0":
        return "::/0"
    a, b, c, _ = p4.split("/")[0].split(".")
    return {("10", "100"): "fd00:100:%s::/64" % c, ("10", "1"): "fd00:1:%s::/64" % c,
            ("10", "200"): "fd00:200:%s::/64" % c}.get((a, b), "fd00::/64" if (a, b, c) == ("10", "0", "0") else None)
hops = lambda l: " ".join("%s%%%s" % x if x[1] else x[0] for x in l)
for snap in sys.argv[2:]:
    d = os.path.join(out, snap)
    rs = sorted((f[:-11] for f in os.listdir(d) if f.endswith(".ospf6.json")), key=lambda r: int(r[1:]))
    ll = {}
    for r in rs:
        for x in json.load(open(os.path.join(d, r + ".ifaces6.json"))).values():
            ll[x["link_local"]] = r
    for r in rs:
        v4 = json.load(open(os.path.join(d, r + ".json")))
        v6 = json.load(open(os.path.join(d, r + ".ospf6.json")))
        seen = set()
        for p4, e in sorted(v4.items()):
            p6 = twin(p4) if "/" in p4 else None
            if not p6:
                continue
            seen.add(p6)
            t = T4[e["routeType"]]
            a = (t, e.get("area") if t in ("intra", "inter") else None, e["cost"], e.get("type2cost", 0) if t == "E2" else 0)
            h4 = sorted({("r" + h["ip"].split(".")[-1], h["via"]) if h.get("via") else ("direct", "")
                         for h in e["nexthops"]})
            w = v6.get(p6)
            if w is None:
                print("%s %s %s: v4 %s %s; v6 (none)" % (snap, r, p6, a, hops(h4)))
                continue
            b = (w["type"], w["area"], w["cost"], w["type2_cost"])
            h6 = sorted({(ll.get(h[0], h[0]), h[1]) for h in w["nexthops"]}) or [("direct", "")]
            if a != b or h4 != h6:
                print("%s %s %s: v4 %s %s; v6 %s %s" % (snap, r, p6, a, hops(h4), b, hops(h6)))
        for p6 in sorted(set(v6) - seen):
            w = v6[p6]
            print("%s %s %s: v4 (none); v6 %s %s" % (snap, r, p6, (w["type"], w["area"], w["cost"], w["type2_cost"]),
                                                     hops(sorted({(ll.get(h[0], h[0]), h[1]) for h in w["nexthops"]}))))
PY
echo "record: $(wc -l <"$OUT/v6-vs-v4") routes of ospf6d not as their IPv4 twins in ospfd (v6-vs-v4)"

# OSPFv2 LSDBs: r1's only (tests/data/ospf has the others' of its session)
for d in "$OUT"/routes "$OUT"/routes-after-*; do
	for f in "$d"/*.lsdb.json; do
		[ "$(basename "$f")" = r1.lsdb.json ] || rm -f "$f"
	done
done

# the lab's event log, with epoch milliseconds (as in the pcap timestamps)
sed -e "s|$L|LABDIR|g" -e "s|$T/session.pcap|session.pcap|g" -e "s|$OUT/|tests/data/ospf6/|g" \
	"$L/events" >"$OUT/timeline"
echo "cut: $BOUNDS" >>"$OUT/timeline"

"$lab" down "$L" || fail "down"
prefix=$(cat "$L/prefix")
ip netns list | grep -q "^$prefix-" && fail "namespaces left"
pgrep -f -- "$L/" >/dev/null && fail "processes left"
ls -l "$OUT"/*.pcap
du -sh "$OUT"
echo "record: done"
