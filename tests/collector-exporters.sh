#!/bin/sh
# Records from other exporters decode completely and correctly.  One capture
# (IPv4 and IPv6: TCP, UDP, ICMP/ICMPv6, hosts of several kinds) goes through
# pmacct's nfprobe (NetFlow v5, v9, IPFIX), softflowd (v5, v9, IPFIX) and
# fprobe (v5, from a live veth in a network namespace the test makes); each
# export stream is recorded (tests/dgram-replay) and then:
#   - decoded by the collector's decoders (tests/unit/records-driver) and by
#     tshark's (tests/cflow-records): the same records, field for field
#     (addresses, ports, protocol, octets, packets), none rejected, no
#     template error, no data set without its template, no truncated set, no
#     record without an address, no sequence gap;
#   - summed per 5-tuple, equal to the capture's own flows (tests/pcap-totals,
#     IPv4 only for v5): every exporter here counts IP-layer bytes;
#   - replayed into anemone-collector: Redis totals (bytes, packets, flows),
#     the records counter, the bytes of every source host (top:src), nothing
#     dropped or lost, and the decoder counters of the statistics hash at 0.
# libfixbuf's sample IPFIX files go through the same checks when the
# installed packages ship any (Debian's do not).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need redis-server redis-cli tshark python3 ss ip setsid pmacctd softflowd fprobe
need_root

COLLECTOR="$top_builddir/collector/anemone-collector"
DRIVER="$top_builddir/tests/unit/records-driver"
REPLAY="$top_srcdir/tests/dgram-replay"
CFLOW="$top_srcdir/tests/cflow-records"
[ -x "$DRIVER" ] || fail "$DRIVER is not built (make check builds it; or make tests/unit/records-driver)"

# The capture: v4-mixed and v6 merged in time order, without the Ethernet
# padding of short frames (softflowd and fprobe count a packet's captured
# bytes, the others the IP length).
CAP="$T/mixed.pcap"
python3 - "$CAP" "$CAPS/v4-mixed.pcap" "$CAPS/v6.pcap" <<'PY' || fail "cannot build the capture"
import struct, sys
frames = []
for n, p in enumerate(sys.argv[2:]):
    d = open(p, "rb").read()
    assert struct.unpack_from("<I", d)[0] == 0xa1b2c3d4 and struct.unpack_from("<I", d, 20)[0] == 1
    hdr, off = d[:24], 24
    while off < len(d):
        ts, us, cl, ol = struct.unpack_from("<IIII", d, off)
        f = d[off + 16:off + 16 + cl]
        off += 16 + cl
        et = struct.unpack_from("!H", f, 12)[0]
        if et == 0x800:
            f = f[:14 + struct.unpack_from("!H", f, 16)[0]]
        elif et == 0x86dd:
            f = f[:54 + struct.unpack_from("!H", f, 18)[0]]
        frames.append((ts, us, n, len(frames), f))
frames.sort()
with open(sys.argv[1], "wb") as o:
    o.write(hdr)
    for ts, us, _, _, f in frames:
        o.write(struct.pack("<IIII", ts, us, len(f), len(f)) + f)
PY
# (in the background, while the exporters run)
{ "$PCAP_TOTALS" --flows "$CAP" >"$T/cap.all" && 
  "$PCAP_TOTALS" --flows --ipv4-only "$CAP" >"$T/cap.ipv4"; } &
PT_PID=$!
BG_PIDS="$BG_PIDS $PT_PID"

PORT=$(free_port)
redis_start

# record NAME SENDER: the datagrams SENDER (a shell command, @PORT@ replaced)
# sends, in $T/NAME.dg; IN_NS: run the recorder and the sender in that
# network namespace (on its 127.0.0.1).  Run in the background (record_bg),
# the recordings go on side by side: record_wait waits for them all.
record() {
	rm -f "$T/$1.port"
	$IN_NS "$REPLAY" record --port-file "$T/$1.port" --out "$T/$1.dg" &
	rp=$!
	wait_for 10 test -s "$T/$1.port" || { kill "$rp"; fail "$1: recorder did not start"; }
	cmd=$(echo "$2" | sed "s/@PORT@/$(cat "$T/$1.port")/g")
	$IN_NS sh -c "$cmd" >"$T/$1.sender.log" 2>&1 ||
		{ kill "$rp"; fail "$1: sender failed: $(tail -5 "$T/$1.sender.log")"; }
	# (a sleep kept: these exporters are other programs, whose helper
	# processes -- pmacctd's plugin -- may still send after the command
	# returns, and nothing tells when they are done; the recorder then
	# reads everything queued before it stops)
	sleep 0.5
	kill -TERM "$rp"; wait "$rp"
	[ -s "$T/$1.dg" ] || fail "$1: nothing recorded: $(tail -5 "$T/$1.sender.log")"
}
REC_PIDS=""
record_bg() { record "$@" & REC_PIDS="$REC_PIDS $!"; BG_PIDS="$BG_PIDS $!"; }
record_wait() { for p in $REC_PIDS; do wait "$p" || exit 1; done; REC_PIDS=""; }
IN_NS=

# --- pmacct (nfprobe): reads the capture and exits at its end, exporting
# every flow it holds (pcap_savefile_wait: true and a SIGTERM later made it
# export nothing here).  In a session of its own: stopping, pmacctd may
# signal its process group. ---
for v in 5 9 10; do
	cat >"$T/pm$v.conf.in" <<EOF
daemonize: false
pcap_savefile: $CAP
pcap_savefile_wait: false
plugins: nfprobe
nfprobe_receiver: 127.0.0.1:RECEIVER_PORT
nfprobe_version: $v
nfprobe_timeouts: tcp=1:tcp.rst=1:tcp.fin=1:udp=1:icmp=1:general=1:maxlife=1:expint=1
EOF
	record_bg pmacct-v$v "sed s/RECEIVER_PORT/@PORT@/ $T/pm$v.conf.in >$T/pm$v.conf &&
		setsid pmacctd -f $T/pm$v.conf"
done

# --- softflowd ---
for v in 5 9 10; do
	record_bg softflowd-v$v "softflowd -d -m 100000 -r $CAP -n 127.0.0.1:@PORT@ -v $v"
done

record_wait   # fprobe alone: the others, stopping, may signal more than their own

# --- fprobe: live capture on one end of a veth pair in a namespace of the
# test's own; the capture's frames are sent into the other end ---
NS="anm-exporters-$$"
netns_add "$NS" || fail "cannot create a network namespace"
ip -n "$NS" link add fpa type veth peer name fpb || fail "cannot create a veth pair"
for i in fpa fpb; do   # no IPv6 autoconfiguration traffic of their own
	ip netns exec "$NS" sysctl -qw "net.ipv6.conf.$i.disable_ipv6=1"
	ip -n "$NS" link set "$i" up
done
ip -n "$NS" link set lo up
cat >"$T/send.py" <<'PY'
import socket, struct, sys, time
d = open(sys.argv[2], "rb").read()
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
off = 24
while off < len(d):
    cl = struct.unpack_from("<I", d, off + 8)[0]
    s.send(d[off + 16:off + 16 + cl])
    off += 16 + cl
    time.sleep(0.001)
PY
# the sender: fprobe on fpb, up and capturing; the frames into fpa; fprobe
# told to stop once its idle timeout (1 s) has passed: it exports what it
# still holds at SIGTERM.  fprobe drops packets without a word when its
# pending queue (-q, 100 packets by default) is full: hence -q 10000.  In a
# session of its own too.
cat >"$T/fprobe.sh" <<EOF
: >$T/fprobe.log
setsid fprobe -l 2 -i fpb -q 10000 -d 1 -e 5 -s 1 127.0.0.1:\$1 >$T/fprobe.log 2>&1 &
fp=\$!
n=0; until grep -q 'collector #1' $T/fprobe.log; do sleep 0.1; n=\$((n + 1)); [ \$n -lt 300 ] || { echo fprobe did not start; exit 1; }; done
# capturing: its packet socket is open
n=0; until ss -Hp -0 | grep -q "pid=\$fp,"; do sleep 0.1; n=\$((n + 1)); [ \$n -lt 300 ] || { echo fprobe does not capture; exit 1; }; done
python3 $T/send.py fpa $CAP || exit 1
sleep 2    # (the test: fprobe's idle timeout, 1 s, passes before SIGTERM)
kill -TERM \$fp; wait \$fp
grep -q 'Done' $T/fprobe.log || { echo fprobe did not finish; cat $T/fprobe.log; exit 1; }
EOF
IN_NS="ip netns exec $NS"
record_bg fprobe-v5 "sh $T/fprobe.sh @PORT@"
IN_NS=
record_wait

# --- libfixbuf's sample files, if any: each IPFIX file becomes a recording
# of its messages ---
samples=$(for p in libfixbuf-dev libfixbuf-tools libfixbuf9 libfixbuf3 libfixbuf-doc; do
	dpkg -L "$p" 2>/dev/null; done | grep -Ei '\.(ipfix|ipf)$' | sort -u)
samples="$samples $(find /usr/share/doc /usr/share/libfixbuf -path '*fixbuf*' \
	\( -name '*.ipfix' -o -name '*.ipf' \) 2>/dev/null)"
nsamples=0
for f in $samples; do
	[ -f "$f" ] || continue
	nsamples=$((nsamples + 1))
	python3 - "$f" "$T/fixbuf-$nsamples.dg" <<'PY' || fail "$f: not an IPFIX file"
import struct, sys
d, out, off = open(sys.argv[1], "rb").read(), [], 0
while off + 16 <= len(d):
    v, n = struct.unpack_from("!HH", d, off)
    assert v == 10 and n >= 16, "not IPFIX at %d" % off
    out.append(struct.pack("!I", n) + d[off:off + n]); off += n
open(sys.argv[2], "wb").write(b"".join(out))
PY
	info "libfixbuf sample $f: fixbuf-$nsamples"
done
[ "$nsamples" -gt 0 ] || info "libfixbuf sample files: none in the installed packages (libfixbuf-dev, libfixbuf-tools, libfixbuf9)"

wait "$PT_PID" || fail "pcap-totals"
info "capture: $(tail -1 "$T/cap.all"); IPv4: $(tail -1 "$T/cap.ipv4")"

# tshark's decoding of every recording, two at a time
NAMES="pmacct-v5 pmacct-v9 pmacct-v10 softflowd-v5 softflowd-v9 softflowd-v10 fprobe-v5"
i=1
while [ "$i" -le "$nsamples" ]; do NAMES="$NAMES fixbuf-$i"; i=$((i + 1)); done
echo $NAMES | tr ' ' '\n' | xargs -P 2 -I @ sh -c \
	'"$1" "$2/@.dg" >"$2/@.raw" 2>"$2/@.tshark.err"; echo $? >"$2/@.tshark.rc"; sort "$2/@.raw" >"$2/@.theirs"' \
	sh "$CFLOW" "$T"

collector_up() { grep -q "listening on" "$1"; }
stat() { R HGET "$1:collector:stats" "$2"; }

# check NAME VERSION CAPTURE-FLOWS|-: every check of the header for one
# recording; CAPTURE-FLOWS: the pcap-totals --flows the records must sum to.
# ICMP_TYPE_IN_SPORT=yes: the exporter puts an ICMP type in the source port
# and the code in the destination port (fprobe; Cisco's v5, softflowd and
# pmacct: type * 256 + code in the destination port), compared as such.
check() {
	name=$1 ver=$2 capflows=$3 dg="$T/$1.dg"
	"$DRIVER" "$dg" >"$T/$name.dec" || fail "$name: records-driver failed"
	grep '^rec ' "$T/$name.dec" | sort >"$T/$name.ours"
	[ "$(cat "$T/$name.tshark.rc")" = 0 ] ||
		fail "$name: tshark could not decode every record: $(cat "$T/$name.tshark.err")"
	nrec=$(wc -l <"$T/$name.theirs")
	[ "$nrec" -gt 0 ] || fail "$name: tshark found no flow record"
	if ! cmp -s "$T/$name.ours" "$T/$name.theirs"; then
		diff "$T/$name.theirs" "$T/$name.ours" | head -20 >&2
		fail "$name: the collector's decoder and tshark disagree (< tshark, > ours)"
	fi
	info "$name: $nrec records, identical to tshark's (addresses, ports, protocol, octets, packets)"
	expect_eq "$name: decoder: datagrams rejected" "$(sed -n 's/^rejected //p' "$T/$name.dec")" 0
	if [ "$ver" != 5 ]; then
		grep -q '^domain ' "$T/$name.dec" || fail "$name: no observation domain"
		bad=$(grep '^domain ' "$T/$name.dec" | tr ' ' '\n' |
			grep -E '^(no-address|lost|template-errors|no-template-sets|bad-sets)=' | grep -v '=0$')
		[ -z "$bad" ] || fail "$name: decoder counters: $(echo $bad)"
		info "$name: $(grep '^domain ' "$T/$name.dec" | head -1)"
	fi
	if [ "$capflows" != - ]; then
		sum5() { awk '{ k = $1 " " $2 " " $3 " " $4 " " $5; o[k] += $6; p[k] += $7 }
			END { for (k in o) print k, o[k], p[k] }' | sort; }
		awk -v it="${ICMP_TYPE_IN_SPORT:-no}" '$1 == "rec" {
			if (it == "yes" && $7 == 1) { $6 = $5 * 256 + $6; $5 = 0 }
			print $3, $4, $5, $6, $7, $8, $9 }' "$T/$name.theirs" | sum5 >"$T/$name.5t"
		awk '$1 == "flow" { s = $3; d = $5; sub(/:[0-9]+$/, "", s); sub(/:[0-9]+$/, "", d)
			sp = $3; dp = $5; sub(/.*:/, "", sp); sub(/.*:/, "", dp)
			pr = $6; sub(/proto=/, "", pr); pk = $10; sub(/packets=/, "", pk)
			oc = $11; sub(/octets=/, "", oc); print s, d, sp, dp, pr, oc, pk }' "$capflows" | sum5 >"$T/$name.cap5t"
		if ! cmp -s "$T/$name.5t" "$T/$name.cap5t"; then
			diff "$T/$name.cap5t" "$T/$name.5t" | head -20 >&2
			fail "$name: records summed per 5-tuple differ from the capture's flows (< capture)"
		fi
		info "$name: $(wc -l <"$T/$name.5t") 5-tuples, each with the capture's bytes and packets"
	fi

	# into the collector
	cport=$(free_port)
	printf 'redis = { prefix = "%s:"; };\n' "$name" >"$T/$name.conf"
	"$COLLECTOR" -c "$T/$name.conf" -l "udp:127.0.0.1:$cport" --redis "127.0.0.1:$PORT" \
		--topology none >"$T/$name.log" 2>&1 &
	cpid=$!
	BG_PIDS="$BG_PIDS $cpid"
	wait_for 10 collector_up "$T/$name.log" || fail "$name: collector did not start: $(cat "$T/$name.log")"
	"$REPLAY" replay "$dg" "$cport" >/dev/null || fail "$name: replay failed"
	wait_for 10 udp_drained "$cport" || fail "$name: the collector does not read its socket"
	kill -TERM "$cpid"; wait "$cpid" || fail "$name: collector exit status $?: $(cat "$T/$name.log")"
	awk '{ o += $8; p += $9 } END { print o + 0, p + 0 }' "$T/$name.theirs" >"$T/$name.sum"
	read -r want_bytes want_pkts <"$T/$name.sum"
	expect_eq "$name: bytes in Redis" "$(R HGET "$name:totals" bytes)" "$want_bytes"
	expect_eq "$name: packets in Redis" "$(R HGET "$name:totals" packets)" "$want_pkts"
	expect_eq "$name: flows in Redis" "$(R HGET "$name:totals" flows)" "$nrec"
	case $ver in 5) rv=v5 ;; 9) rv=v9 ;; *) rv=ipfix ;; esac
	expect_eq "$name: records-$rv" "$(stat "$name" "records-$rv")" "$nrec"
	for f in lost dropped-not-allowed dropped-too-short dropped-version dropped-exporters-full \
		dropped-bad-v5 dropped-bad-ipfix template-errors no-template-sets bad-sets \
		no-address-records; do
		[ "$(stat "$name" "$f")" = 0 ] || fail "$name: statistics $f = '$(stat "$name" "$f")', want 0"
	done
	info "$name: nothing lost, dropped, or left undecoded ($(stat "$name" options-records) options records)"
	for k in $(R --scan --pattern "$name:top:src:1h:[0-9]*"); do
		R ZRANGE "$k" 0 -1 WITHSCORES
	done | paste - - | awk '{ s[$1] += $2 } END { for (h in s) print h, s[h] }' | sort >"$T/$name.src"
	awk '{ s[$3] += $8 } END { for (h in s) print h, s[h] }' "$T/$name.theirs" | sort >"$T/$name.want-src"
	if ! cmp -s "$T/$name.src" "$T/$name.want-src"; then
		diff "$T/$name.want-src" "$T/$name.src" | head -20 >&2
		fail "$name: bytes per source host in Redis differ from tshark's records (< tshark)"
	fi
	info "$name: bytes of all $(wc -l <"$T/$name.src") source hosts as tshark decodes them"
}

check pmacct-v5 5 "$T/cap.ipv4"
check pmacct-v9 9 "$T/cap.all"
check pmacct-v10 10 "$T/cap.all"
check softflowd-v5 5 "$T/cap.ipv4"
check softflowd-v9 9 "$T/cap.all"
check softflowd-v10 10 "$T/cap.all"
ICMP_TYPE_IN_SPORT=yes
check fprobe-v5 5 "$T/cap.ipv4"
ICMP_TYPE_IN_SPORT=no
i=1
while [ "$i" -le "$nsamples" ]; do
	check "fixbuf-$i" 10 -
	i=$((i + 1))
done
echo PASS
