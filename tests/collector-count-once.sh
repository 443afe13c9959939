#!/bin/sh
# Counting each flow once when every router exports (deployment 1 of
# anemone-collector(8), "Counting each flow once"), on the recorded OSPF lab:
# the routed flows of tests/data/collector/lab-flows, each exported as
# NetFlow v5 by every router it crosses, as FRR's routing tables carry it
# (tests/place-oracle --per-flow: the entry router sees the whole flow on
# its edge interface, every next router its share on the interface facing
# the router it came from).  Each router exports from an address of its
# own (127.0.1.N); the collector's configuration names each router's
# interfaces edge or core (with the neighbour; the LAN of r1-r4 is one
# interface of each, core with the network: the neighbour a record came
# from is the router OSPF forwards its flow from).  Then, in Redis:
#  - the totals, the links and the pairs equal those of one probe at the
#    sources (the oracle's), not the sum over every router;
#  - every link's measured load equals its placed load, and
#    "anemone check" says so (exit 0);
#  - records-transit counts the records of core interfaces.
# Then only some routers export (r1, r5 and r6; a random half: r2, r3, r5,
# r7): each flow an exporting router sees on every path is counted once,
# as one probe would (placed from its source by the first exporting router
# of each path), the others not at all; measured still equals placed.
# Each of these deployments again with the routers' interfaces inferred
# from the traffic (one role "router" entry a router) instead of named.
# Then two probes that see the same packets, in a probe group, and in none
# (found by their records): counted once.
# Then one flow's packets take another path than OSPF's (a static route at
# r1 sending it r1 -> r3 -> r5 -> r6 instead of r1 -> r2 -> r6): "anemone
# check" exits 1 naming exactly the five links of the two paths.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need redis-server redis-cli python3 ss

COLLECTOR="$top_builddir/collector/anemone-collector"
ANEMONE="$top_builddir/cli/anemone"
D="$top_srcdir/tests/data"
PORT=$(free_port)
redis_start

lab_flows "$T/flows"
"$top_srcdir/tests/place-oracle" "$D/ospf/routes/r1.lsdb.json" "$D/ospf/routes" "$T/flows" \
	>"$T/oracle" || fail "place-oracle failed"
"$top_srcdir/tests/place-oracle" --per-flow "$D/ospf/routes/r1.lsdb.json" "$D/ospf/routes" \
	"$T/flows" >"$T/per-flow" || fail "place-oracle --per-flow failed"

# export.py PER-FLOW FLOWS PORT OUT EXPORTING [EXTRA]: what each router of
# EXPORTING ("all", or router numbers "1,5,6") exports, sent from its
# address (PORT 0: nothing sent); OUT.conf gets the collector's
# observation points, OUT.want what Redis must hold: the links and pairs
# of the flows an exporting router sees on every path (a flow some of whose
# paths no exporting router sees is refused: no exact answer exists), and
# the measured load of every link into an exporting router.  EXTRA:
# "SRC DST BYTES PACKETS R1 R2 ...", one more flow entering at R1 and taking
# the routers given.  Prints the records sent, and of them the core ones.
cat >"$T/export.py" <<'PY'
import os, socket, struct, sys
per_flow, flows_path, port, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
# INFER=1: each exporting router's points are left to inference (one
# role "router" entry an exporter)
infer = os.environ.get("INFER") == "1"
# inference learns from the traffic: then each router sends its records
# `rounds` times (an interface is decided after 8 records)
rounds = 10 if infer else 1
exporting = sys.argv[5]
extra = sys.argv[6].split() if len(sys.argv) > 6 else None
routers = ["10.255.0.%d" % i for i in range(1, 8)]
# "N": router N exports on every interface; "Ne": only on its edge (a probe
# at its hosts' segment)
exp = set(routers) if exporting == "all" else \
    {"10.255.0." + x for x in exporting.split(",") if not x.endswith("e")}
edge_only = set() if exporting == "all" else \
    {"10.255.0." + x[:-1] for x in exporting.split(",") if x.endswith("e")}
addr = {r: "127.0.1.%d" % (i + 1) for i, r in enumerate(routers)}
ip = lambda s: struct.unpack("!I", socket.inet_aton(s))[0]
flows = {}
for n, line in enumerate(open(flows_path), 1):
    f = line.split()
    if f:
        flows[n] = (f[0], f[1])
# recs[router] = [(src, dst, bytes, packets, came_from or None)]: the next
# router of each link its share; the entry router the whole flow (the sum
# of the flow's pairs; unrouted flows are not sent)
recs = {r: [] for r in routers}
entry = {}
for line in open(per_flow):
    f = line.split()
    if not f[0].isdigit():
        continue
    src, dst = flows[int(f[0])]
    if f[1] == "link":
        a, b, by, pk = f[2], f[3], int(f[4]), int(f[5])
        assert pk > 0, line
        recs[b].append((src, dst, by, pk, a))
    elif f[1] == "pair":
        e = entry.setdefault(int(f[0]), [f[2], 0, 0])
        e[1] += int(f[4])
        e[2] += int(f[5])
for n, (r, by, pk) in sorted(entry.items()):
    src, dst = flows[n]
    recs[r].append((src, dst, by, pk, None))
# which flows every path of which an exporting router sees
want, lines = {}, {}
for line in open(per_flow):
    f = line.split()
    if f[0].isdigit():
        lines.setdefault(int(f[0]), []).append(f[1:])
def add(k, b, p):
    w = want.setdefault(k, [0, 0])
    w[0] += b
    w[1] += p
for n, ls in lines.items():
    if not any(l[0] == "pair" for l in ls):
        continue
    ing = [l for l in ls if l[0] == "pair"][0][1]
    adj = {}
    for l in ls:
        if l[0] == "link":
            adj.setdefault(l[1], []).append(l[2])
    ends = set()
    def walk(r, seen):
        seen = seen or r in exp or (r == ing and r in edge_only)
        if r not in adj:
            ends.add(seen)
        for y in adj.get(r, []):
            walk(y, seen)
    walk(ing, False)
    assert len(ends) == 1, "flow %d: some of its paths are seen, some not" % n
    if True in ends:
        for l in ls:
            add((l[0], l[1], l[2]), int(l[3]), int(l[4]))
    for l in ls:
        if l[0] == "link" and l[2] in exp:
            add(("measured", l[1], l[2]), int(l[3]), int(l[4]))
with open(out + ".want", "w") as w:
    for k in sorted(want):
        print(" ".join(k), want[k][0] * rounds, want[k][1] * rounds, file=w)
for r in routers:
    if r in edge_only:
        recs[r] = [x for x in recs[r] if x[4] is None]
    elif r not in exp:
        recs[r] = []
if extra:
    src, dst, by, pk, path = extra[0], extra[1], int(extra[2]), int(extra[3]), extra[4:]
    recs[path[0]].append((src, dst, by, pk, None))
    for a, b in zip(path, path[1:]):
        recs[b].append((src, dst, by, pk, a))
# interface numbers: 1 the edge, 2 the LAN (r1-r4, network-LSA 10.0.0.1:
# one interface facing three routers), then one per point-to-point
# neighbour, in router id order
lan = {"10.255.0.%d" % i for i in range(1, 5)}
nbrs = {r: set() for r in routers}
for line in open(per_flow):
    f = line.split()
    if f[0].isdigit() and f[1] == "link":
        nbrs[f[3]].add(f[2])
for r in routers:
    for x in recs[r]:
        if x[4]:
            nbrs[r].add(x[4])
ifx = {}
for r in routers:
    p2p = sorted((a for a in nbrs[r] if not (r in lan and a in lan)), key=ip)
    ifx[r] = {a: 3 + i for i, a in enumerate(p2p)}
    ifx[r].update({a: 2 for a in nbrs[r] if r in lan and a in lan})
with open(out + ".conf", "w") as c:
    c.write("exporters = (\n")
    ent = []
    for r in sorted(edge_only, key=ip):
        ent.append('  { address = "%s"; interface = 1; router = "%s"; role = "edge"; }' % (addr[r], r))
    for r in sorted(exp, key=ip) if infer else []:
        ent.append('  { address = "%s"; router = "%s"; role = "router"; }' % (addr[r], r))
    for r in sorted(exp, key=ip) if not infer else []:
        ent.append('  { address = "%s"; interface = 1; router = "%s"; role = "edge"; }' % (addr[r], r))
        if r in lan:
            ent.append('  { address = "%s"; interface = 2; router = "%s"; role = "core"; '
                       'network = "10.0.0.1"; }' % (addr[r], r))
        for a, k in sorted(ifx[r].items(), key=lambda x: x[1]):
            if k != 2:
                ent.append('  { address = "%s"; interface = %d; router = "%s"; role = "core"; '
                           'neighbour = "%s"; }' % (addr[r], k, r, a))
    c.write(",\n".join(ent) + "\n);\n")
sent = core = 0
for r in routers if port else []:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr[r], 0))
    seq = 0
    rs = recs[r] * rounds
    for i in range(0, len(rs), 30):
        chunk = rs[i:i + 30]
        hdr = struct.pack("!HHIIIIBBH", 5, len(chunk), 100000, 1700000000, 0, seq, 0, 0, 0)
        body = b""
        for src, dst, by, pk, came in chunk:
            body += struct.pack("!IIIHHIIIIHHBBBBHHBBH", ip(src), ip(dst), 0,
                                ifx[r][came] if came else 1, 0, pk, by, 90000, 99000,
                                1, 2, 0, 0, 17, 0, 0, 0, 0, 0, 0)
            core += came is not None
        s.sendto(hdr + body, ("127.0.0.1", port))
        seq += len(chunk)
        sent += len(chunk)
    s.close()
print(sent, core)
PY

# run NAME EXPORTING [EXTRA]: a collector on a Redis prefix of its own gets
# the export of the routers EXPORTING (export.py); sets SENT and CORE, the
# records sent and of them core; $T/NAME.want: what Redis must hold
run() {
	cport=$(free_port)
	python3 "$T/export.py" "$T/${PF:-per-flow}" "$T/${FL:-flows}" 0 "$T/$1" "$2" ${3:+"$3"} >/dev/null ||
		fail "$1: cannot write the observation points"
	{ cat "$T/$1.conf"; printf 'redis = { prefix = "%s:"; };\n' "$1"; } >"$T/$1.all.conf"
	"$COLLECTOR" -c "$T/$1.all.conf" -l "v5:127.0.0.1:$cport" --redis "127.0.0.1:$PORT" \
		--topology "$D/collector/lab-lsdb.json" --flush 1s >"$T/$1.log" 2>&1 &
	cpid=$!
	BG_PIDS="$BG_PIDS $cpid"
	SHOW_ON_FAIL="$T/$1.log"
	wait_for 10 grep -q "topology loaded" "$T/$1.log" ||
		fail "$1: the collector did not load the topology: $(cat "$T/$1.log")"
	out=$(python3 "$T/export.py" "$T/${PF:-per-flow}" "$T/${FL:-flows}" "$cport" "$T/$1" "$2" ${3:+"$3"}) ||
		fail "$1: cannot send"
	SENT=${out% *} CORE=${out#* }
	wait_for 10 udp_drained "$cport" || fail "$1: the collector does not read its socket"
	kill -TERM "$cpid"; wait "$cpid" || fail "$1: collector exit status $?"
}

# view P: Redis under prefix P as export.py's .want: links, pairs, measured
view() {
	for k in link pair measured; do
		for l in $(R SMEMBERS "$1${k}s"); do
			echo "$k $(echo "$l" | tr - ' ') $(R HGET "$1$k:$l" bytes) $(R HGET "$1$k:$l" packets)"
		done
	done | LC_ALL=C sort
}

# --- every router exports ----------------------------------------------------
run all all
P=all:
view "$P" | grep -v '^measured' >"$T/placed"
grep -v '^unrouted' "$T/oracle" | LC_ALL=C sort >"$T/want"
diff -u "$T/want" "$T/placed" >"$T/diff" ||
	fail "links and pairs differ from one probe's (the oracle's):
$(cat "$T/diff")"
view "$P" | sed -n 's/^measured /link /p' | LC_ALL=C sort >"$T/measured"
# (per router: a record entering by the LAN is split among the routers
# OSPF forwards its flow from in proportion, and odd amounts round there;
# per link below, with amounts that divide)
into() { awk '{ b[$3] += $4; p[$3] += $5 } END { for (r in b) print r, b[r], p[r] }' "$1" | sort; }
grep '^link' "$T/want" >"$T/want-links"
into "$T/want-links" >"$T/want-into"
into "$T/measured" >"$T/measured-into"
diff -u "$T/want-into" "$T/measured-into" >"$T/diff" ||
	fail "measured loads into each router differ from the placed ones:
$(cat "$T/diff")"
want=$(awk '$1 == "pair" { b += $4; p += $5 } END { print b, p }' "$T/want")
expect_eq "totals (bytes packets): one probe's" \
	"$(R HGET ${P}totals bytes) $(R HGET ${P}totals packets)" "$want"
expect_eq "totals (flows): the flows routed" "$(R HGET ${P}totals flows)" \
	"$(awk '$2 == "pair" { print $1 }' "$T/per-flow" | sort -u | wc -l)"
expect_eq "records-transit" "$(R HGET ${P}collector:stats records-transit)" "$CORE"
expect_eq "records-counted + records-transit" \
	"$(($(R HGET ${P}collector:stats records-counted) + $(R HGET ${P}collector:stats records-transit)))" \
	"$SENT"
expect_eq "records-unmapped" "$(R HGET ${P}collector:stats records-unmapped)" 0
info "$SENT records from 7 routers ($CORE transit): links, pairs and totals as one probe's;" \
	"$(wc -l <"$T/want-into") routers measured as placed"

"$ANEMONE" --redis "127.0.0.1:$PORT" --prefix "$P" check >"$T/check.txt" 2>&1 ||
	fail "anemone check: exit $?: $(cat "$T/check.txt")"
grep -q "^$(wc -l <"$T/measured") measured links, all as placed\.$" "$T/check.txt" ||
	fail "anemone check: $(cat "$T/check.txt")"
# the observation points, as anemone exporters --interfaces shows them
"$ANEMONE" --redis "127.0.0.1:$PORT" --prefix "$P" exporters --interfaces --csv \
	>"$T/points.csv" 2>&1 || fail "anemone exporters --interfaces: $(cat "$T/points.csv")"
expect_eq "observation points shown" "$(($(wc -l <"$T/points.csv") - 1))" \
	"$(grep -c 'address = ' "$T/all.conf")"
grep -q '^127.0.1.3,,2,10.255.0.3,core,,10.0.0.1,config$' "$T/points.csv" ||
	fail "r3's LAN interface not shown: $(cat "$T/points.csv")"
grep -q '^127.0.1.5,,1,10.255.0.5,edge,,,config$' "$T/points.csv" ||
	fail "r5's edge interface not shown: $(cat "$T/points.csv")"
# (anemone link reads the topology where anemone-ospfmon publishes it)
R -x SET "${P}ospf:lsdb" <"$D/collector/lab-lsdb.json" >/dev/null || fail "cannot store the topology"
"$ANEMONE" --redis "127.0.0.1:$PORT" --prefix "$P" link 10.255.0.1-10.255.0.3 >"$T/link.txt" 2>&1 ||
	fail "anemone link: $(cat "$T/link.txt")"
grep -q '^Measured .* (transit records of 10.255.0.3.s exporter entering from 10.255.0.1)$' \
	"$T/link.txt" || fail "anemone link: no measured line: $(cat "$T/link.txt")"


# --- every router, and only some, with amounts that divide ----------------------
# Every router again; then r1, r5 and r6 (the LAN's DR and the area border
# routers); a random half; then a probe (edge only) at r3 with r1 and r7
# exporting on every interface: traffic that crosses r3 without entering
# there (r5 -> r3 -> r1) is not seen by the probe, and is counted by the
# first exporting router after it, r1.
# The flows no exporting router sees are not counted; every other flow is,
# once, at the first exporting router of each path (placed from its
# source).  A path's share of a flow is counted as a flow of its own there,
# split again from the source: with the odd amounts above the integer
# splits of the parts would not add up to those of the whole (100 bytes in
# 3 is 34+33+33, and 34 in 3 is 12+11+11), so these flows are the same
# times 36: a share of a share (at most 3 ways, then 2) divides it.
awk '{ print $1, $2, $3 * 36, $4 * 36 }' "$T/flows" >"$T/flows12"
"$top_srcdir/tests/place-oracle" --per-flow "$D/ospf/routes/r1.lsdb.json" "$D/ospf/routes" \
	"$T/flows12" >"$T/per-flow12" || fail "place-oracle --per-flow failed"
# Each deployment twice: the routers' interfaces named in the
# configuration, then left to inference (one role "router" entry a router:
# each record taken where OSPF routes its flow in from, each interface
# decided from its records).
PF=per-flow12 FL=flows12
for set in "every all" "edge 1,5,6" "half 2,3,5,7" "probes 1,7,3e" \
           "every-inferred all" "edge-inferred 1,5,6" "half-inferred 2,3,5,7" \
           "probes-inferred 1,7,3e"; do
	name=${set% *}
	case $name in *-inferred) INFER=1 ;; *) INFER=0 ;; esac
	export INFER
	run "$name" "${set#* }"
	P=$name:
	view "$P" >"$T/$name.view"
	LC_ALL=C sort "$T/$name.want" | diff -u - "$T/$name.view" >"$T/diff" ||
		fail "$name (routers ${set#* } export): Redis differs from what the export must give:
$(cat "$T/diff")"
	want=$(awk '$1 == "pair" { b += $4; p += $5 } END { print b, p }' "$T/$name.want")
	expect_eq "$name: totals (bytes packets)" \
		"$(R HGET ${P}totals bytes) $(R HGET ${P}totals packets)" "$want"
	expect_eq "$name: records-transit + records-first" \
		"$(($(R HGET ${P}collector:stats records-transit) + $(R HGET ${P}collector:stats records-first)))" \
		"$CORE"
	"$ANEMONE" --redis "127.0.0.1:$PORT" --prefix "$P" check >"$T/$name.check" 2>&1 ||
		fail "$name: anemone check: exit $?: $(cat "$T/$name.check")"
	info "$name: routers ${set#* } export: $(grep -c '^pair' "$T/$name.want") pairs," \
		"$(grep -c '^link' "$T/$name.want") links placed as one probe's for the flows they see;" \
		"records-first $(R HGET ${P}collector:stats records-first);" \
		"$(grep -c '^measured' "$T/$name.want") links measured as placed"
done
INFER=0

# The interfaces inferred are those the configuration names (each as the
# configuration has it), and every interface that received a record of a
# router of the topology is.
for name in every half; do
	for m in "$name" "$name-inferred"; do
		"$ANEMONE" --redis "127.0.0.1:$PORT" --prefix "$m:" exporters --interfaces --csv \
			>"$T/$m.points" 2>&1 || fail "anemone exporters --interfaces: $(cat "$T/$m.points")"
	done
	# (an inferred point is of the records' observation domain: v5 engine 0)
	grep ',inferred$' "$T/$name-inferred.points" | sed 's/,inferred$/,config/; s/^\([^,]*\),0,/\1,,/' |
		LC_ALL=C sort \
		>"$T/$name.inferred"
	# (r7 is not in the recorded topology: nothing is inferred of its interface)
	grep ',config$' "$T/$name.points" | grep -v '^127\.0\.1\.7,' | LC_ALL=C sort |
		diff -u - "$T/$name.inferred" >"$T/diff" ||
		fail "$name: the interfaces inferred differ from the configured ones:
$(cat "$T/diff")"
	grep -q 'exporter 127.0.1.3 domain 0 interface 2 (router 10.255.0.3): core, on LAN 10.0.0.1, inferred from the traffic' \
		"$T/$name-inferred.log" || fail "$name-inferred: r3's LAN interface: no decision logged"
	info "$name: $(wc -l <"$T/$name.inferred") interfaces inferred as configured;" \
		"records-inferred $(R HGET $name-inferred:collector:stats records-inferred)"
done

PF= FL=

# --- two probes that see the same packets -------------------------------------
# Two SPAN probes (127.0.2.1 and 127.0.2.2, no observation point: placed
# from the sources) export the same IPv4 flows; a probe group counts them
# once: Redis holds what one probe gives (the oracle's), and
# records-duplicate the records of the other.
cat >"$T/dup.py" <<'PY'
import socket, struct, sys
ip = lambda s: struct.unpack("!I", socket.inet_aton(s))[0]
recs = [l.split() for l in open(sys.argv[1]) if l.split() and ":" not in l.split()[0]]
for probe in ("127.0.2.1", "127.0.2.2"):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((probe, 0))
    hdr = struct.pack("!HHIIIIBBH", 5, len(recs), 100000, 1700000000, 0, 0, 0, 0, 0)
    body = b"".join(struct.pack("!IIIHHIIIIHHBBBBHHBBH", ip(r[0]), ip(r[1]), 0, 0, 0,
                                int(r[3]), int(r[2]), 90000, 99000, 1, 2, 0, 0, 17, 0,
                                0, 0, 0, 0, 0) for r in recs)
    s.sendto(hdr + body, ("127.0.0.1", int(sys.argv[2])))
print(len(recs))
PY
# two_probes NAME WHAT [CONF]: a collector (prefix NAME:, configuration
# CONF) gets both probes' records; Redis must hold one probe's (the
# oracle's); $T/NAME.sent: the records each probe sent
two_probes() {
	cport=$(free_port)
	printf '%s\n' "${3:-}" "redis = { prefix = \"$1:\"; };" >"$T/$1.conf"
	"$COLLECTOR" -c "$T/$1.conf" -l "v5:127.0.0.1:$cport" --redis "127.0.0.1:$PORT" \
		--topology "$D/collector/lab-lsdb.json" --flush 1s >"$T/$1.log" 2>&1 &
	cpid=$!
	BG_PIDS="$BG_PIDS $cpid"
	SHOW_ON_FAIL="$T/$1.log"
	wait_for 10 grep -q "topology loaded" "$T/$1.log" || fail "$1: the collector did not start"
	python3 "$T/dup.py" "$T/flows" "$cport" >"$T/$1.sent" || fail "$1: cannot send"
	wait_for 10 udp_drained "$cport" || fail "$1: the collector does not read its socket"
	kill -TERM "$cpid"; wait "$cpid" || fail "$1: collector exit status $?"
	view "$1:" | grep -v '^measured' >"$T/$1.view"
	grep -v '^unrouted' "$T/oracle" | LC_ALL=C sort | diff -u - "$T/$1.view" >"$T/diff" ||
		fail "two probes $2: Redis differs from one probe's:
$(cat "$T/diff")"
}
two_probes dup "in a group" \
	'probe-groups = ( { name = "span"; exporters = [ "127.0.2.1", "127.0.2.2" ]; } );'
expect_eq "two probes: records-duplicate" "$(R HGET dup:collector:stats records-duplicate)" \
	"$(cat "$T/dup.sent")"
expect_eq "two probes: totals (flows)" "$(R HGET dup:totals flows)" "$(cat "$T/dup.sent")"
grep -q 'probe group span: 127.0.2.1 counted (the first member heard)' "$T/dup.log" ||
	fail "dup: the group's choice is not logged"
"$ANEMONE" --redis "127.0.0.1:$PORT" --prefix dup: exporters --interfaces >"$T/dup.points" 2>&1 ||
	fail "anemone exporters --interfaces: $(cat "$T/dup.points")"
grep -q '^Probe group span (one member counted, the next after 30 s of silence): 127.0.2.1 127.0.2.2$' \
	"$T/dup.points" || fail "the probe group is not shown: $(cat "$T/dup.points")"

# The same two probes in no group: their records are found the same
# (records-duplicate-found), counted once.
two_probes adup "found the same"
expect_eq "two probes found the same: records-duplicate-found" \
	"$(R HGET adup:collector:stats records-duplicate-found)" "$(cat "$T/adup.sent")"
expect_eq "two probes found the same: totals (flows)" "$(R HGET adup:totals flows)" \
	"$(cat "$T/dup.sent")"

# --- a static route: one flow off OSPF's path --------------------------------
# (configured points, then inferred ones: the interfaces the flow's
# packets enter by are decided by the other traffic)
for INFER in 0 1; do
	export INFER
	run static$INFER all "10.100.1.10 10.100.6.1 10000000 10000 10.255.0.1 10.255.0.3 10.255.0.5 10.255.0.6"
	P=static$INFER:
	"$ANEMONE" --redis "127.0.0.1:$PORT" --prefix "$P" check --json >"$T/check.json" 2>"$T/check.err"
	rc=$?
	[ "$rc" -eq 1 ] || fail "anemone check with a static route: exit $rc, want 1: $(cat "$T/check.err")"
	expect_eq "links named by anemone check (inferred points: $INFER)" \
		"$(python3 -c 'import json, sys; print(" ".join(sorted(json.load(open(sys.argv[1]))["differ"])))' "$T/check.json")" \
		"10.255.0.1-10.255.0.2 10.255.0.1-10.255.0.3 10.255.0.2-10.255.0.6 10.255.0.3-10.255.0.5 10.255.0.5-10.255.0.6"
done
info "a static route at r1: anemone check names the five links of the two paths"
echo PASS
