#!/bin/sh
# Record tests/data/ospf from a live lab (tests/lab/ospf-lab.sh): one capture
# on the monitor segment from before the routers start to the end, cut into
# contiguous pieces (lab.pcap, then change-<step>.pcap for every topology
# change), and FRR's OSPF routes, router ids and LSDBs after each phase.
# Checks that every area-0 and AS-external LSA in r1's LSDB is carried by the
# captures up to that point.  Root only; everything is torn down on exit.
#
#   tests/lab/record-ospf-data.sh [OUTDIR]      (default tests/data/ospf)
here=$(cd "$(dirname "$0")" && pwd)
NAME=data
. "$here/record-lib.sh"
check=$here/ospf-lsdb-check.py
OUT=$(realpath -m -- "${1:-$top/tests/data/ospf}")
LAB_SECONDS=${LAB_SECONDS:-45}     # length of lab.pcap

mkdir -p "$OUT" || exit 1
rm -rf "$OUT"/routes "$OUT"/routes-after-* "$OUT"/*.pcap "$OUT"/timeline
BOUNDS=""
PHASES="lab"

"$lab" up "$L" --capture "$T/session.pcap" || fail "up"
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

# cut session.pcap at the phase boundaries (the last piece ends with it)
python3 - "$T/session.pcap" "$OUT" "$PHASES" "$BOUNDS" <<'PY' || fail "split"
import struct, sys
src, out, phases, bounds = sys.argv[1], sys.argv[2], sys.argv[3].split(), [int(b) for b in sys.argv[4].split()]
data = open(src, "rb").read()
e = "<" if data[:4] == b"\xd4\xc3\xb2\xa1" else ">"
files = [open("%s/%s.pcap" % (out, p), "wb") for p in phases]
for f in files:
    f.write(data[:24])
off, counts = 24, [0] * len(files)
while off + 16 <= len(data):
    sec, usec, incl = struct.unpack(e + "III", data[off:off + 12])
    ms = sec * 1000 + usec // 1000
    i = sum(1 for b in bounds[:len(files) - 1] if ms >= b)
    files[i].write(data[off:off + 16 + incl]); counts[i] += 1
    off += 16 + incl
for p, c in zip(phases, counts):
    print("record: %s.pcap: %d packets" % (p, c))
PY

# every area-0 and AS-external LSA that r1 holds after a phase was carried
# by the pieces up to that phase
pcaps=""
for p in $PHASES; do
	pcaps="$pcaps $OUT/$p.pcap"
	case $p in lab) r=routes ;; *) r=routes-after-${p#change-} ;; esac
	printf 'record: %-18s ' "$p:"
	"$check" "$OUT/$r/r1.lsdb.json" 0.0.0.0 $pcaps || fail "captures up to $p lack LSAs"
done

# the lab's event log, with epoch milliseconds (as in the pcap timestamps)
sed -e "s|$L|LABDIR|g" -e "s|$T/session.pcap|session.pcap|g" -e "s|$OUT/|tests/data/ospf/|g" \
	"$L/events" >"$OUT/timeline"
echo "cut: $BOUNDS" >>"$OUT/timeline"

"$lab" down "$L" || fail "down"
prefix=$(cat "$L/prefix")
ip netns list | grep -q "^$prefix-" && fail "namespaces left"
pgrep -f -- "$L/" >/dev/null && fail "processes left"
ls -l "$OUT"/*.pcap
echo "record: done"
