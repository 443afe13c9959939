#!/bin/sh
# Record tests/data/ospf/md5.pcap: the default lab (tests/lab/ospf-lab.sh)
# with keyed-MD5 authentication (RFC 2328 D.3) on every OSPF interface, key
# id 1, key "anemone-md5-key", captured on the monitor segment from before the
# routers start until LAB_SECONDS (default 25) after, plus FRR's routes at the
# end (md5-routes/).  Root only; takes the lab lock (tests/lib.sh) so that it
# does not run beside a lab test; everything is torn down on exit.
#
#   tests/lab/record-ospf-md5.sh [OUTDIR]      (default tests/data/ospf)
here=$(cd "$(dirname "$0")" && pwd)
NAME=md5
. "$here/record-lib.sh"
OUT=$(realpath -m -- "${1:-$top/tests/data/ospf}")
LAB_SECONDS=${LAB_SECONDS:-25}
KEY="1:anemone-md5-key"

mkdir -p "$OUT" || exit 1
LAB_MD5_KEY=$KEY "$lab" up "$L" --capture "$T/md5.pcap" || fail "up"
start=$(sed -n 's/^\([0-9]*\) capture-start .*/\1/p' "$L/events" | head -1)
rest=$(( (start + LAB_SECONDS * 1000 - $(now_ms)) / 1000 ))
[ "$rest" -gt 0 ] && sleep "$rest"
rm -rf "$OUT/md5-routes"
"$lab" routes "$L" "$OUT/md5-routes" || fail "routes"
"$lab" capture-stop "$L"
"$lab" down "$L" || fail "down"
cp "$T/md5.pcap" "$OUT/md5.pcap" || fail "copy"
# every OSPF packet of the capture is MD5-authenticated with key id 1
tshark -r "$OUT/md5.pcap" -Y ospf -T fields -e ospf.auth.type -e ospf.auth.crypt.key_id 2>/dev/null |
	sort | uniq -c
ls -l "$OUT/md5.pcap"
echo "record-md5: done"
