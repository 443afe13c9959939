#!/bin/sh
# anemone-ospfmon on the recorded dual-stack FRR lab (tests/data/ospf6: the
# monitor segment of real FRR 8.4 routers running ospfd and ospf6d, see its
# README): the database (both versions), the topology (with its "ospfv3"
# part) and the IPv6 routes of the LAN's routers equal the committed golden
# files; the IPv6 routes equal FRR ospf6d's own tables for r1-r4, after the
# recording and after each change (cost, link down, link up, router added),
# each change replayed on the snapshot the previous one saved, yielding
# exactly its golden events; damaged OSPFv3 packets are dropped and counted
# per reason while the rest of the capture is read as before.
# ANEMONE_REGEN=1 (exactly) rewrites the golden files instead of comparing,
# and the test then exits as skipped: a regenerating run never passes.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need python3

OSPFMON="$top_builddir/ospfmon/anemone-ospfmon"
PROG=$OSPFMON
D="$top_srcdir/tests/data/ospf6"
G="$D/golden"
STEPS="cost link-down link-up add-router"
ALL="-r $D/lab.pcap"
for s in $STEPS; do ALL="$ALL -r $D/change-$s.pcap"; done

golden() {   # golden NAME ARGS...: run ospfmon, its stdout must equal $G/NAME
	name=$1; shift
	"$OSPFMON" "$@" >"$T/$name" 2>"$T/$name.err" || fail "$name: anemone-ospfmon $*: $(cat "$T/$name.err")"
	grep -q ' dropped=0 .* ospf6-dropped=0 ' "$T/$name.err" ||
		fail "$name: packets dropped: $(cat "$T/$name.err")"
	if [ "${ANEMONE_REGEN:-0}" = 1 ]; then
		mkdir -p "$G" && cp "$T/$name" "$G/$name"
		info "$name: written"
		return
	fi
	diff -u "$G/$name" "$T/$name" >"$T/$name.diff" || fail "$name differs from the golden file:
$(head -40 "$T/$name.diff")"
	info "$name: $(wc -l <"$T/$name") lines equal"
}

# against FRR: ROUTES-DIR ROUTER OURS.json
frr_equal() {
	out=$(python3 "$top_srcdir/tests/route6-compare" --unheard --v4 "$1/$2.json" "$1/$2.ospf6.json" \
		"$1/$2.ifaces6.json" "$3" "$2") || fail "$2: IPv6 routes differ from FRR's ($1):
$out"
	info "$2 ($(basename "$1")): $out"
}

# shellcheck disable=SC2086
{
golden lsdb.txt -r "$D/lab.pcap" --dump lsdb
golden lsdb.json -r "$D/lab.pcap" --dump lsdb --json
golden topology.txt -r "$D/lab.pcap" --dump topology
golden topology.json -r "$D/lab.pcap" --dump topology --json
for r in 1 2 3 4; do
	golden "routes6-r$r.json" -r "$D/lab.pcap" --dump routes6 --root 10.255.0.$r --json
done
golden routes6-r1.txt -r "$D/lab.pcap" --dump routes6 --root 10.255.0.1
golden events.json $ALL --dump events
golden final-topology.json $ALL --dump topology --json
golden final-routes6-r9.json $ALL --dump routes6 --root 10.255.0.9 --json
}
[ "${ANEMONE_REGEN:-0}" != 1 ] || skip "ANEMONE_REGEN=1: golden files written into $G, nothing compared"

python3 - "$T/topology.json" <<'EOF' || fail "the OSPFv3 topology of the lab: $(cat "$T/topology.json")"
import json, sys
d = json.load(open(sys.argv[1]))
v3 = d["ospfv3"]
c = v3["completeness"]
assert c["routers"] == 6 and c["complete"], c
links = [l for a in v3["areas"] for l in a["links"]]
assert all(l["ospf"] == 3 and l["two_way"] for l in links), links
assert sum(l["type"] == "p2p" for l in links) == 4, links
assert sum(l["type"] == "transit" for l in links) == 4, links
ext = {e["prefix"]: e["type"] for e in v3["externals"]}
assert ext == {"fd00:200:4::/64": "E2", "fd00:200:44::/64": "E2", "fd00:200:7::/64": "E1",
               "fd00:200:77::/64": "E1", "fd00:200:8::/64": "E2"}, ext
EOF
info "the OSPFv3 topology: 6 routers, 4 p2p and 4 LAN links, all two-way, the externals"

# IPv6 routes of the LAN's routers equal FRR's: after the recording, and
# after each change, every change replayed on the snapshot of what came
# before it (the snapshot keeps both versions)
S="$T/lsdb.snap"
printf '\324\303\262\241\002\000\004\000\000\000\000\000\000\000\000\000\377\377\000\000\001\000\000\000' >"$T/empty.pcap"
for r in r1 r2 r3 r4; do
	frr_equal "$D/routes" "$r" "$T/routes6-$r.json"
done
"$OSPFMON" -r "$D/lab.pcap" -s "$S" --dump events >/dev/null 2>"$T/s0.err" ||
	fail "replay with a snapshot: $(cat "$T/s0.err")"
after() { echo "routes-after-$1"; }
for s in $STEPS; do
	"$OSPFMON" -r "$D/change-$s.pcap" -s "$S" --dump events >"$T/ev.$s" 2>"$T/ev.$s.err" ||
		fail "$s: $(cat "$T/ev.$s.err")"
	# its OSPFv3 events are exactly the step's (what the live lab check
	# expects too)
	"$top_srcdir/tests/event-summary" "$T/ev.$s" | grep '^ospf3 ' | LC_ALL=C sort >"$T/got.$s"
	LC_ALL=C sort "$D/steps/$s.events" | diff -u - "$T/got.$s" >"$T/diff.$s" ||
		fail "$s: the OSPFv3 events differ (- wanted, + got):
$(cat "$T/diff.$s")"
	for r in r1 r2 r3 r4; do
		rid=$(cat "$D/$(after "$s")/$r.rid")
		"$OSPFMON" -s "$S" -r "$T/empty.pcap" --dump routes6 --root "$rid" --json \
			>"$T/$s-$r.json" 2>"$T/$s-$r.err" ||
			fail "$s: no routes of $r from the snapshot: $(cat "$T/$s-$r.err")"
		frr_equal "$D/$(after "$s")" "$r" "$T/$s-$r.json"
	done
done
# the events of the steps, one after the other, are those of the whole replay
cat "$T/ev.cost" "$T/ev.link-down" "$T/ev.link-up" "$T/ev.add-router" >"$T/steps.json"
n=$(wc -l <"$T/steps.json")
tail -n "$n" "$T/events.json" | cmp -s - "$T/steps.json" ||
	fail "step-by-step events differ from the whole replay's:
$(tail -n "$n" "$T/events.json" | diff - "$T/steps.json" | head -20)"
info "4 steps: $n events, as the whole replay's; routes equal FRR's after each"

# Damaged OSPFv3 packets: each kind of damage in a copy of the capture is
# dropped with its reason; everything else is read as before
python3 - "$D/lab.pcap" "$T/bad.pcap" <<'EOF' || fail "cannot write the damaged capture"
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
e = "<" if b[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
off, out = 24, [bytes(b[:24])]
recs = []
while off + 16 <= len(b):
    incl = struct.unpack(e + "I", b[off + 8:off + 12])[0]
    recs.append(bytearray(b[off:off + 16 + incl]))
    off += 16 + incl
hits = {"checksum": 0, "version": 0, "length": 0}
for r in recs:
    f = r[16:]
    if len(f) < 14 + 40 + 16 or f[12:14] != b"\x86\xdd" or f[14 + 6] != 89:
        continue
    o = 14 + 40
    if f[o + 1] == 1 and hits["checksum"] < 3:           # hellos: a wrong checksum
        f[o + 12] ^= 0x5a; hits["checksum"] += 1
    elif f[o + 1] == 5 and hits["version"] < 2:          # LSAcks: version 2
        f[o] = 2; hits["version"] += 1
    elif f[o + 1] == 2 and hits["length"] < 2:           # DDs: a length past the data
        f[o + 2:o + 4] = struct.pack(">H", len(f) - o + 8); hits["length"] += 1
    r[16:] = f
if min(hits.values()) == 0:
    sys.exit("no packets to damage: %s" % hits)
out += [bytes(r) for r in recs]
open(sys.argv[2], "wb").write(b"".join(out))
EOF
"$OSPFMON" -r "$T/bad.pcap" --dump lsdb >"$T/bad.txt" 2>"$T/bad.err" ||
	fail "damaged capture: $(cat "$T/bad.err")"
for why in "3 OSPFv3 packets: bad-checksum" "2 OSPFv3 packets: bad-version" "2 OSPFv3 packets: trunc"; do
	grep -q "dropped $why" "$T/bad.err" || fail "not counted: $why: $(grep dropped "$T/bad.err")"
done
cmp -s "$T/bad.txt" "$G/lsdb.txt" || fail "the damaged capture gives another database:
$(diff "$G/lsdb.txt" "$T/bad.txt" | head -20)"
info "damaged OSPFv3 packets dropped per reason; the same database"
exit 0
