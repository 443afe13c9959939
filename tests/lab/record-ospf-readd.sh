#!/bin/sh
# Record tests/data/ospf/readd.pcap: the default lab (tests/lab/ospf-lab.sh),
# captured on the monitor segment from before the routers start; LAB_SECONDS
# (default 25) after, r4 stops redistributing its static routes (it flushes
# its two AS-external-LSAs, 10.200.4.0/24 and 10.200.44.0/24), and once r1 no
# longer holds them (FRR removes a flushed LSA up to a minute after the flush
# is acknowledged; READD_AFTER, default 90 s, bounds the wait) it
# redistributes them again; 10 s later the capture ends.  FRR then
# originates each LSA again from InitialSequenceNumber: the very LSA it
# flushed, age aside.  r1's AS-external database at the end is kept as
# readd-r1-external.json.  Root only; takes the lab lock (tests/lib.sh);
# everything is torn down on exit.
#
#   tests/lab/record-ospf-readd.sh [OUTDIR]      (default tests/data/ospf)
here=$(cd "$(dirname "$0")" && pwd)
NAME=readd
. "$here/record-lib.sh"
OUT=$(realpath -m -- "${1:-$top/tests/data/ospf}")
LAB_SECONDS=${LAB_SECONDS:-25}
READD_AFTER=${READD_AFTER:-90}
r1_has() { "$lab" vtysh "$L" r1 "show ip ospf database external $1" | grep -q "Link State ID: $1"; }

mkdir -p "$OUT" || exit 1
"$lab" up "$L" --capture "$T/readd.pcap" || fail "up"
start=$(sed -n 's/^\([0-9]*\) capture-start .*/\1/p' "$L/events" | head -1)
rest=$(( (start + LAB_SECONDS * 1000 - $(now_ms)) / 1000 ))
[ "$rest" -gt 0 ] && sleep "$rest"
r1_has 10.200.4.0 || fail "r1 has no external 10.200.4.0"
"$lab" vtysh "$L" r4 'configure terminal' 'router ospf' 'no redistribute static' || fail "withdraw"
flushed=$(now_ms)
while r1_has 10.200.4.0 || r1_has 10.200.44.0; do
	[ $(( $(now_ms) - flushed )) -lt $((READD_AFTER * 1000)) ] ||
		fail "r1 still holds the flushed LSAs after $READD_AFTER s"
	sleep 1
done
echo "record-readd: flushed LSAs gone from r1 after $(( ($(now_ms) - flushed) / 1000 )) s"
sleep 5
"$lab" vtysh "$L" r4 'configure terminal' 'router ospf' 'redistribute static metric-type 2 metric 100' ||
	fail "announce again"
sleep 10
r1_has 10.200.4.0 && r1_has 10.200.44.0 || fail "r1 did not take the routes back"
"$lab" vtysh "$L" r1 'show ip ospf database external json' >"$T/r1-external.json" || fail "r1's database"
"$lab" capture-stop "$L"
"$lab" down "$L" || fail "down"
cp "$T/readd.pcap" "$OUT/readd.pcap" && cp "$T/r1-external.json" "$OUT/readd-r1-external.json" ||
	fail "copy"
tshark -r "$OUT/readd.pcap" -Y 'ospf.msg == 4' -T fields -e frame.time_relative -e ip.src \
	-e ospf.lsa.id -e ospf.lsa.seqnum -e ospf.lsa.age 2>/dev/null | grep '10\.200\.4\.0'
ls -l "$OUT/readd.pcap"
echo "record-readd: done"
