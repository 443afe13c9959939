#!/bin/sh
# Bad input to anemone-collector: every malformed datagram or message is
# dropped and counted under its reason, templates with zero-length or
# oversized fields and data before its template are counted, floods of
# template ids, observation domains and exporters are bounded (memory too),
# a bad IPFIX/TCP stream is closed and counted, and after each group the
# process is alive and a valid datagram is still decoded and accounted to
# the byte.  The datagrams are built here field by field (python3 struct).
# Run by the sanitizer build too: it runs the collector that build made.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need redis-server redis-cli python3 ss

COLLECTOR="$top_builddir/collector/anemone-collector"
PORT=$(free_port)
redis_start

MAXX=12                 # max-exporters
if nm "$COLLECTOR" 2>/dev/null | grep -q __asan_init; then
	RSS_MAX_KB=600000   # AddressSanitizer's shadow memory and quarantine
else
	RSS_MAX_KB=100000
fi

cport=$(free_port)
printf 'redis = { prefix = "bad:"; };\nmax-exporters = %d;\n' "$MAXX" >"$T/c.conf"
"$COLLECTOR" -c "$T/c.conf" -l "udp:127.0.0.1:$cport" -l "ipfix+tcp:127.0.0.1:$cport" \
	--redis "127.0.0.1:$PORT" --topology none --flush 1s >"$T/c.log" 2>&1 &
cpid=$!
BG_PIDS="$BG_PIDS $cpid"
SHOW_ON_FAIL="$T/c.log $T/send.log"
wait_for 10 grep -q "listening on ipfix+tcp" "$T/c.log" || fail "collector did not start"
sport=$(free_port)      # the source port of the exporter that stays

cat >"$T/send.py" <<'PY'
import os, random, socket, struct, sys, time

cport, sport = int(sys.argv[1]), int(sys.argv[2])
group, args = sys.argv[3], [int(a) for a in sys.argv[4:]]
DST = ("127.0.0.1", cport)
NOW = int(time.time())
rnd = random.Random(group)

def udp(port=sport):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    return s

def paced(s, dgrams):
    for i, d in enumerate(dgrams):
        s.sendto(d, DST)
        if i % 32 == 31:
            time.sleep(0.002)      # the collector reads; nothing overflows

# NetFlow v5
def v5(count, records, seq=0, engine=(0, 0), length=None):
    h = struct.pack("!HHIIIIBBH", 5, count, 100000, NOW, 0, seq, engine[0], engine[1], 0)
    body = b"".join(records)
    return h + body if length is None else (h + body + b"\0" * 2000)[:length]

def v5rec(octets, src=0x0a000001, dst=0x0a000102, pkts=1):
    return struct.pack("!IIIHHIIIIHHBBBBHHBBH", src, dst, 0, 1, 2, pkts, octets,
                       90000, 99000, 1234, 80, 0, 0x10, 6, 0, 0, 0, 32, 24, 0)

# IPFIX; a template is (tid, [(id, length), ...]), its records src, dst,
# octets, packets for GOOD
GOOD = [(8, 4), (12, 4), (1, 8), (2, 8)]

def iset(sid, body):
    return struct.pack("!HH", sid, 4 + len(body)) + body

def tmpl(tid, fields):
    return struct.pack("!HH", tid, len(fields)) + b"".join(struct.pack("!HH", i, l) for i, l in fields)

def rec(octets, pkts=1, src=0x0a000001, dst=0x0a000203):
    return struct.pack("!IIQQ", src, dst, octets, pkts)

def ipfix(domain, seq, *sets, length=None):
    body = b"".join(sets)
    n = 16 + len(body)
    return struct.pack("!HHIII", 10, n if length is None else length, NOW, seq, domain) + body

def v9(domain, seq, *flowsets):
    return struct.pack("!HHIIII", 9, len(flowsets), 100000, NOW, seq, domain) + b"".join(flowsets)

s = udp()
if group == "probe":            # one v5 record of args[1] octets, sequence args[0]
    s.sendto(v5(1, [v5rec(args[1])], seq=args[0]), DST)
elif group == "garbage":
    out = []
    for i in range(60):         # versions no listener takes
        ver = rnd.choice([0, 1, 6, 7, 8, 11, 0x4500, 0xffff])
        out.append(struct.pack("!H", ver) + os.urandom(rnd.randrange(0, 1400)))
    for i in range(20):         # v5 of a length no record count gives
        n = rnd.randrange(2, 1470)
        while n >= 24 and (n - 24) % 48 == 0:
            n += 1
        out.append(struct.pack("!H", 5) + os.urandom(n - 2))
    for i in range(20):         # IPFIX whose length field is not the length
        n = rnd.randrange(16, 1400)
        ln = rnd.choice([0, 15, n - 1, n + 1, 65535])
        out.append(struct.pack("!HH", 10, ln) + os.urandom(n - 4))
    for i in range(20):         # v9: random header, a flowset running past the end
        n = rnd.randrange(28, 1400)
        b = bytearray(struct.pack("!H", 9) + os.urandom(n - 2))
        b[22:24] = struct.pack("!H", n - 20 + 4 + rnd.randrange(0, 100))
        out.append(bytes(b))
    paced(s, out)
elif group == "short":
    for d in (b"", b"\x00", b"\x05", b"\x00\x05\x00", b"\x00\x0a\x00", b"\x00\x09\x00",
              b"\x00\x07\x00"):
        s.sendto(d, DST)
elif group == "v5":
    r = v5rec(1000)
    for d in (v5(1, [r])[:20],                      # truncated header
              v5(1, [r])[:23],
              v5(0, []),                            # count 0
              v5(31, [r] * 31),                     # count 31
              v5(2, [r]),                           # count 2, one record
              v5(1, [r, r]),                        # count 1, two records
              v5(1, [r]) + b"\0" * 5,               # trailing bytes
              v5(1, [r])[:60]):                     # truncated record
        s.sendto(d, DST)
elif group == "ipfix-structure":
    d0 = args[0]
    t = iset(2, tmpl(256, GOOD))
    for d in (ipfix(d0, 0, t, length=100),          # length field longer
              ipfix(d0, 0, t, length=20),           # shorter
              ipfix(d0, 0, t)[:15],                 # shorter than a header
              ipfix(d0, 0, struct.pack("!HH", 2, 2) + b"\0" * 8),   # set length 2
              ipfix(d0, 0, struct.pack("!HH", 2, 0)),               # set length 0
              ipfix(d0, 0, struct.pack("!HH", 2, 400) + b"\0" * 20),  # past the end
              ipfix(d0, 0, t, b"\0\0")):            # bytes after the last set
        s.sendto(d, DST)
elif group == "ipfix-templates":
    # zero-length field (an error in IPFIX), sourceIPv4Address of 16 bytes
    # (skipped, the template kept), octetDeltaCount of 100 bytes (read when
    # the value fits: here it does not), a template id below 256, a truncated
    # template record; then data for each: no template, a record without its
    # source, a record dropped (value-overflows), a reserved set
    d0 = args[0]
    bad = iset(2, tmpl(300, [(8, 4), (12, 0), (1, 8)]) + tmpl(301, [(8, 16), (12, 4)]) +
              tmpl(302, [(8, 4), (12, 4), (1, 100)]) + tmpl(100, GOOD) +
              tmpl(303, GOOD)[:10])
    s.sendto(ipfix(d0, 0, bad), DST)
    s.sendto(ipfix(d0, 0, iset(300, b"\1" * 16), iset(301, b"\1" * 20),
                   iset(302, b"\1" * 108), iset(100, rec(7))), DST)
    # a good template next to a bad one, and its data
    s.sendto(ipfix(d0, 0, iset(2, tmpl(302, [(8, 4), (1, 0)]) + tmpl(310, GOOD))), DST)
    s.sendto(ipfix(d0, 0, iset(310, rec(args[1]))), DST)
elif group == "ipfix-order":    # data, then its template, then data again
    d0 = args[0]
    s.sendto(ipfix(d0, 0, iset(320, rec(5555) + rec(5555))), DST)
    s.sendto(ipfix(d0, 0, iset(2, tmpl(320, GOOD))), DST)
    s.sendto(ipfix(d0, 0, iset(320, rec(args[1]) + rec(args[2]))), DST)
elif group == "v9-structure":
    d0 = args[0]
    t = iset(0, tmpl(256, GOOD))
    for d in (v9(d0, 0, t)[:19],                     # shorter than the header
              v9(d0, 0, struct.pack("!HH", 0, 3) + b"\0" * 8),     # flowset length 3
              v9(d0, 0, struct.pack("!HH", 0, 500) + b"\0" * 20)):  # past the end
        s.sendto(d, DST)
elif group == "v9-templates":
    # as ipfix-templates, but a zero-length field is skipped in v9: 300's
    # record (source, 55 octets) is read
    d0 = args[0]
    bad = iset(0, tmpl(300, [(8, 4), (12, 0), (1, 8)]) + tmpl(301, [(8, 16), (12, 4)]) +
              tmpl(302, [(8, 4), (12, 4), (1, 100)]) + tmpl(100, GOOD))
    s.sendto(v9(d0, 0, bad), DST)
    s.sendto(v9(d0, 1, iset(300, struct.pack("!IQ", 0x0a000001, 55) + b"\0" * 4),
                iset(301, b"\1" * 20), iset(302, b"\1" * 108), iset(100, rec(7))), DST)
    s.sendto(v9(d0, 2, iset(0, tmpl(310, GOOD)), iset(310, rec(args[1]))), DST)
elif group == "v9-order":
    d0 = args[0]
    s.sendto(v9(d0, 0, iset(320, rec(5555))), DST)
    s.sendto(v9(d0, 1, iset(0, tmpl(320, GOOD))), DST)
    s.sendto(v9(d0, 2, iset(320, rec(args[1]) + rec(args[2]))), DST)
elif group == "template-flood":
    # 10,000 template ids in one domain from one exporter (its own port),
    # then data for the first and for the last
    s = udp(args[1])
    d0, out, recs = args[0], [], []
    for tid in range(256, 10256):
        recs.append(tmpl(tid, GOOD))
        if len(recs) == 300:
            out.append(ipfix(d0, 0, iset(2, b"".join(recs))))
            recs = []
    out.append(ipfix(d0, 0, iset(2, b"".join(recs))))
    out.append(ipfix(d0, 0, iset(256, rec(args[2])), iset(10255, rec(1))))
    paced(s, out)
elif group == "domain-flood":
    # 300 observation domains from one exporter (its own port), each with
    # 256 templates (the most a domain holds) and 100 more
    s = udp(args[0])
    out = []
    for dom in range(1000, 1300):
        for first in (256, 456):
            t = b"".join(tmpl(tid, GOOD) for tid in range(first, first + 200))
            out.append(ipfix(dom, 0, iset(2, t)))
    paced(s, out)
elif group == "exporter-flood":  # args[0] exporters, one v5 record each
    socks = []
    for i in range(args[0]):
        x = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        x.bind(("127.0.0.1", 0))
        socks.append(x)
    for x in socks:
        x.sendto(v5(1, [v5rec(args[1])]), DST)
        time.sleep(0.001)
elif group == "tcp-bad":        # two connections with bad message headers
    for hdr in (struct.pack("!HHIII", 5, 40, NOW, 0, 0),   # not version 10
                struct.pack("!HHIII", 10, 8, NOW, 0, 0)):  # length below 16
        t = socket.create_connection(DST)
        t.settimeout(10)
        t.sendall(hdr + b"\0" * 24)
        try:
            closed = t.recv(1) == b""
        except ConnectionResetError:
            closed = True
        if not closed:
            sys.exit("the collector did not close a connection with a bad header")
        t.close()
elif group == "tcp-split":
    # a template and a data message, cut into small segments (one
    # boundary inside a message header); a message with a bad set between
    d0 = args[0]
    t = socket.create_connection(DST)
    t.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    m = (ipfix(d0, 0, iset(2, tmpl(256, GOOD))) +
         ipfix(d0, 0, struct.pack("!HH", 256, 2)) +
         ipfix(d0, 0, iset(256, rec(args[1]) + rec(args[2]))))
    for i in range(0, len(m), 7):
        t.sendall(m[i:i + 7])
        time.sleep(0.005)
    time.sleep(0.3)
    t.close()
else:
    sys.exit("unknown group " + group)
PY

send() { python3 "$T/send.py" "$cport" "$sport" "$@" >>"$T/send.log" 2>&1 || fail "send $*"; }

# The statistics the test expects, all of them checked after each group.
for k in datagrams dropped-not-allowed dropped-too-short dropped-version \
	dropped-exporters-full dropped-bad-v5 dropped-bad-ipfix bad-ipfix-short \
	bad-ipfix-length bad-ipfix-sets bad-ipfix-domains bad-ipfix-decode records-v5 \
	records-v9 records-ipfix lost template-errors no-template-sets reserved-sets \
	bad-sets tcp-errors fields-skipped value-overflows dropped-template-memory \
	exporters-evicted-crowded exporters-evicted-unproductive; do
	echo "$k 0"
done >"$T/want"
want() {   # want KEY +N ...
	while [ $# -ge 2 ]; do
		awk -v k="$1" -v n="$2" '$1 == k { $2 += n } { print }' "$T/want" >"$T/want.new"
		mv "$T/want.new" "$T/want"
		shift 2
	done
}
stat() { R HGET bad:collector:stats "$1"; }
bytes=0 seq=0 nprobe=0
# stats_match: <prefix>collector:stats has every value of $T/want, and
# <prefix>totals the bytes of every record sent so far
stats_match() {
	R HGETALL bad:collector:stats | paste - - >"$T/got"
	awk 'NR == FNR { got[$1] = $2; next } got[$1] != $2 { bad = 1 } END { exit bad }' \
		"$T/got" "$T/want" && [ "$(R HGET bad:totals bytes)" = "$bytes" ]
}

# check WHAT: after a group, a valid v5 datagram (one record); then the
# collector must be alive, have counted everything as expected, and that
# datagram's bytes must have reached <prefix>totals exactly.
check() {
	nprobe=$((nprobe + 1))
	octets=$((1000 + nprobe))
	send probe "$seq" "$octets"
	seq=$((seq + 1)) bytes=$((bytes + octets))
	want datagrams +1 records-v5 +1
	kill -0 "$cpid" 2>/dev/null || fail "$1: the collector died"
	wait_for 10 udp_drained "$cport" || fail "$1: the collector does not read its socket"
	if ! wait_for 10 stats_match; then
		awk 'NR == FNR { got[$1] = $2; next } got[$1] != $2 { print $1 " = " got[$1] ", want " $2 }' \
			"$T/got" "$T/want" >&2
		fail "$1: statistics or totals (bytes $(R HGET bad:totals bytes), want $bytes) not as expected"
	fi
	info "$1: alive, counted as expected, a valid datagram after it accounted"
}

check "start"

send garbage
want datagrams +120 dropped-version +60 dropped-bad-v5 +20 dropped-bad-ipfix +40 \
	bad-ipfix-length +20 bad-ipfix-sets +20
check "random garbage"

send short
want datagrams +7 dropped-too-short +3 dropped-bad-v5 +1 dropped-bad-ipfix +2 \
	bad-ipfix-short +2 dropped-version +1
check "0-, 1- and 3-byte datagrams"

send v5
want datagrams +8 dropped-bad-v5 +8
check "v5: truncated header, count 0 and 31, length mismatches"

send ipfix-structure 7
want datagrams +7 dropped-bad-ipfix +7 bad-ipfix-length +2 bad-ipfix-short +1 bad-ipfix-sets +4
check "IPFIX: length field, set lengths"

send ipfix-templates 10 4242
bytes=$((bytes + 4242))
want datagrams +4 template-errors +4 no-template-sets +1 reserved-sets +1 records-ipfix +2 \
	fields-skipped +1 value-overflows +1
check "IPFIX: zero-length and oversized fields, template id below 256, their data"

send ipfix-order 11 300 77
bytes=$((bytes + 377))
want datagrams +3 no-template-sets +1 records-ipfix +2
check "IPFIX: data before its template"

send v9-structure 20
want datagrams +3 dropped-bad-ipfix +3 bad-ipfix-short +1 bad-ipfix-sets +2
check "v9: short header, flowset lengths"

send v9-templates 21 999
bytes=$((bytes + 999 + 55))
want datagrams +3 template-errors +1 reserved-sets +1 records-v9 +3 fields-skipped +2 \
	value-overflows +1
check "v9: zero-length and oversized fields, template id below 256, their data"

send v9-order 22 12 13
bytes=$((bytes + 25))
want datagrams +3 no-template-sets +1 records-v9 +2
check "v9: data before its template"

send tcp-bad
want tcp-errors +2
check "IPFIX/TCP: bad message headers close the connection"

send tcp-split 30 5000 6000
bytes=$((bytes + 11000))
want datagrams +3 dropped-bad-ipfix +1 bad-ipfix-sets +1 records-ipfix +2
check "IPFIX/TCP: messages split across segments"

fport=$(free_port)
send template-flood 40 "$fport" 31337
bytes=$((bytes + 31337))
want datagrams +35 template-errors +9744 no-template-sets +1 records-ipfix +1
check "10,000 template ids in one domain"
# held: one template in each of the 4 domains of the groups before but 2 in
# ipfix-templates' (301 with its source skipped, 310) and 4 in v9-templates'
# (300, 301, 302 kept with their odd fields, 310); 256 here
expect_eq "domains held" "$(stat domains)" 5
expect_eq "templates held" "$(stat templates)" $((8 + 256))

fport2=$(free_port)
send domain-flood "$fport2"
# 64 domains taken (the most a transport session holds), 256 templates each:
# the second message of each domain brings 200 new ids, 56 taken
want datagrams +600 dropped-bad-ipfix +472 bad-ipfix-domains +472 template-errors +9216
check "300 observation domains, 400 template ids each"
expect_eq "domains held" "$(stat domains)" $((5 + 64))
expect_eq "templates held" "$(stat templates)" $((8 + 256 + 64 * 256))

# exporters: this one, the two flooders; TCP sessions went with their connection.
# All from 127.0.0.1: once the room is taken, the first newcomer takes the
# place of the domain flooder's session, which never had a record counted;
# then each takes the place of the address's least recently seen session
# (it holds many): the template flooder's (it had one record), this one's,
# then the flood's own; this one's next datagram (the probe after the
# group) takes one more
live=3
send exporter-flood 50 10
want datagrams +50 records-v5 +50 exporters-evicted-unproductive +1 \
	exporters-evicted-crowded $((50 - (MAXX - live) + 1 - 1))
bytes=$((bytes + 10 * 50))
check "50 new exporters from one address, room for $((MAXX - live))"
# created: the three, the IPFIX/TCP connection that delivered messages, the
# 50, this one again
expect_eq "exporters created" "$(stat exporters)" $((3 + 1 + 50 + 1))

rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$cpid/status")
[ "$rss" -lt "$RSS_MAX_KB" ] || fail "collector's VmRSS $rss kB after the floods (bound $RSS_MAX_KB kB)"
info "VmRSS after the floods: $rss kB (< $RSS_MAX_KB kB)"

expect_eq "lost records" "$(stat lost)" 0
kill -TERM "$cpid"
wait "$cpid"; rc=$?
[ "$rc" -eq 0 ] || fail "collector exit status $rc"
grep -E 'AddressSanitizer|runtime error|LeakSanitizer' "$T/c.log" && fail "sanitizer report"
grep -q "stats datagrams=" "$T/c.log" || fail "no statistics at exit"
echo PASS
