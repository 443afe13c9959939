#!/bin/sh
# Counting each flow once, on the FRR lab (a check of tests/lab.tap, run
# against its lab, tests/lab/ospf-lab.sh; needs root, FRR, snmpd and
# redis-server): deployments 1, 2 and 3 of anemone-collector(8), "Counting
# each flow once", with real routers, real exporters and real SNMP agents,
# each mapped by configuration, by SNMP and by inference, equal a probe at
# the sources and the generator's own counts, to the byte.
#
# What runs, all of it in namespaces (the lab's, and one of the check's
# own, "anco-PID", holding Redis and the collectors):
#  - every router gets two links to the check's namespace: "mgmt0"
#    (172.31.N.2/30, the collectors' end .1) for its exporters and snmpd,
#    and "probe0" (172.31.N.6/30, .5) for its stub segment's probe, so that
#    export and SNMP never cross a lab link (nothing meters them).  Neither
#    joins OSPF: ospfd.conf names its interfaces ("ip ospf area"), and the
#    check skips if a "network" statement covers 172.31.0.0/16;
#  - an snmpd (Debian's; no MIB files needed, a configuration and state
#    directory of its own, v2c) in every router's namespace, on mgmt0;
#  - anemone-exporter, IPFIX, on every interface of every router (stub0,
#    lan0, to-rX; not mgmt0 or probe0), each sending from the router's
#    mgmt0 address, its interface's ifindex the ingressInterface; 4096
#    flows, idle timeout 1 s, OSPF filtered out.  Ingress only:
#    input.direction = "in" when the exporter takes it (its -n says),
#    else the filter "ether dst <the interface's MAC>" (the LAN is a hub:
#    frames between two other routers reach every port); with it
#    export.route-lookup = true when taken (then the collectors pin each
#    counted flow's first hop to the exported next hop).  COUNT_ONCE_PLAIN=1
#    uses neither (to tell exporter from collector problems apart);
#  - a SPAN probe on the stub segment of each router with hosts: an
#    exporter on the hosts' end of it (stub0p) metering the frames sent
#    to the router (ether dst = stub0's MAC), from its own address;
#  - the hosts: tests/lab/count-once-gen.py sends, from an AF_PACKET
#    socket on stub0p, the frames hosts 10.100.N.10-15 would send to their
#    router (static neighbour entries at the far end deliver them onto
#    the far stub: no ARP fails, no ICMP error comes back).  Every ordered
#    pair of r1, r2, r7 and r8 exchanges traffic, and r3 -> r7, r4 -> r8,
#    r7 -> r4, r8 -> r3: across the LAN, between areas (area 0; r7 in
#    area 1; r8 in the NSSA area 2), over every equal-cost path (r1 ->
#    r3|r4 -> r5, r2 -> r3|r4|r6 -> r5, r4 -> r5|r2 -> r6 ... and back).
#    Flows come in bundles of one size from one source host, each path of
#    the bundle's group getting exactly the share of it OSPF gives that
#    path (the kernels' next hops read with "ip route get", hop by hop),
#    so that placed equals measured to the byte (see the generator's
#    head comment); 120 flows, about 5,900 packets.
#
# The collectors (one redis-server, a key prefix each, the lab's whole
# database: every area, see below): "gt", the ground truth, fed by the
# probes of every stub with hosts and nothing else, no observation point
# (placed from the sources); then each deployment under each mapping:
#    d1   every router exports
#    d2a  the edge: the routers with hosts (r1 r2 r3 r4 r7 r8; not the
#         ABRs r5 and r6)
#    d2b  a random half of the routers (seeded; printed), among the halves
#         that see every equal-cost path of every flow (a flow some of
#         whose paths no exporter sees has no exact answer)
#    d3   probes on r1's and r7's stubs, and r2, r5 and r8 exporting
#         (overlapping: the probes' flows are seen again by r2 and r5)
#  x conf   an exporters entry per (mgmt address, ifindex): edge, or core
#           facing its neighbour, or core on the LAN (its id, the
#           network-LSA's, from the database)
#    snmp   snmp.agents, the routers' snmpd, and no interface entry
#    infer  { address; router; role = "router"; } per router and nothing
#           more; when the collector refuses role = "router" (its -n)
#           these are not run, and the check says so
# (probes are entries without a role in every mapping).  The database is
# FRR's own: tests/lab/frr-lsdb-doc.py encodes every LSA of every router's
# "show ip ospf database ... json" again, each checked against the
# checksum FRR prints, into a database document (--topology FILE): no
# router is made to flood again for a listener to hear it.
#
# Then: every exporter metered exactly the packets of the flows that
# crossed its interface (asked by SIGUSR1 until it has, for at most 20 s);
# the exporters export what they hold (SIGTERM, exit 0); the collectors
# read every datagram and write what they hold (SIGTERM, exit 0).  For
# every collector, the totals, every pair of the matrix, every link's
# placed load and the source hosts of the top-N sets (summed over their
# hour buckets) equal the generator's counts and the ground truth's
# (bytes and packets, exactly; the flow counts are shown, not compared: a
# flow seen first at two routers on two paths counts a record at each);
# for every deployment, the measured load of every link into an exporting
# router is what the kernels' paths carried, and equals the placed load;
# "anemone check --threshold 0" (a byte off differs) exits 0; "anemone top talkers" prints what it prints for the
# ground truth; the SNMP collectors' observation points come from "snmp",
# the inferring ones' from "inferred".  A table shows what was compared.
# About 15 s (sanitizer build), stages timed.  Everything the check
# started is stopped and its links and neighbour entries are gone at exit,
# however it ends: the lab is left as found.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../../.." && pwd)}
. "$top_srcdir/tests/lib.sh"
need ip python3 redis-server redis-cli ss
command -v snmpd >/dev/null 2>&1 || skip "snmpd is not installed (Debian package snmpd)"
[ -n "${LAB_DIR:-}" ] || skip "a check of tests/lab.tap, run against its lab (LAB_DIR)"

COLLECTOR="$top_builddir/collector/anemone-collector"
ANEMONE="$top_builddir/cli/anemone"
GEN="$top_srcdir/tests/lab/count-once-gen.py"
L=$LAB_DIR
LP=$(cat "$L/prefix") || fail "no lab in $L"
ROUTERS=$(cat "$L/routers")
M=anco-$$
PL=$T/plan
SOCK=$T/redis.sock
inm() { ip netns exec "$M" "$@"; }
t_start=$(date +%s%N)
t_last=$t_start
stage() {   # stage WHAT: how long since the last stage
	_now=$(date +%s%N)
	info "stage $1: $(((_now - t_last) / 1000000)) ms"
	t_last=$_now
}

# --- undo, whatever way the check ends ---------------------------------------
# (in this order: the processes in the routers' namespaces, the neighbour
# entries, the links; then lib.sh's netns_cleanup for the check's namespace
# and what is in it)
OUR_PIDS=""
stop_ours() {
	for p in $OUR_PIDS; do kill -TERM "$p" 2>/dev/null; done
	for p in $OUR_PIDS; do
		n=50
		while kill -0 "$p" 2>/dev/null && [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
		kill -KILL "$p" 2>/dev/null
	done
	OUR_PIDS=""
}
neigh_del() {
	[ -s "$PL/neigh" ] || return 0
	while read -r r a _; do ip -n "$LP-$r" neigh del "$a" dev stub0 2>/dev/null; done <"$PL/neigh"
}
links_del() {
	for r in $ROUTERS; do
		ip -n "$LP-$r" link del mgmt0 2>/dev/null
		ip -n "$LP-$r" link del probe0 2>/dev/null
	done
}
keep() { [ -z "${KEEP:-}" ] || cp -r "$T" "$KEEP"; }
CLEANUP_HOOKS="keep stop_ours neigh_del links_del"
netns_add "$M" || fail "cannot create namespace $M"     # (adds netns_cleanup last)
ip -n "$M" link set lo up

# bg NS NAME CMD...: CMD in namespace NS in the background, its output in
# $T/NAME.log; its pid (written by the process itself) in OUR_PIDS
bg() {
	_ns=$1 _n=$2; shift 2
	rm -f "$T/$_n.pid"
	ip netns exec "$_ns" sh -c 'echo $$ >"$0"; exec "$@"' "$T/$_n.pid" "$@" >"$T/$_n.log" 2>&1 &
	BG_PIDS="$BG_PIDS $!"
	eval "wpid_$(echo "$_n" | tr -c 'a-zA-Z0-9_\n' _)=$!"
	wait_for 10 test -s "$T/$_n.pid" || fail "$_n did not start: $(cat "$T/$_n.log")"
	OUR_PIDS="$OUR_PIDS $(cat "$T/$_n.pid")"
}
wpid() { eval "echo \$wpid_$(echo "$1" | tr -c 'a-zA-Z0-9_\n' _)"; }

# --- the database, and what the programs here take ----------------------------
sh "$LAB" routes "$L" "$T/frr" >"$T/routes.log" 2>&1 || fail "cannot read the routers: $(tail -3 "$T/routes.log")"
python3 "$top_srcdir/tests/lab/frr-lsdb-doc.py" "$T"/frr/r*.lsdb.json >"$T/lsdb.json" ||
	fail "cannot encode the routers' databases"
info "database: $(grep -o '"hex"' "$T/lsdb.json" | wc -l) LSAs of every area, from FRR"

MAPPINGS=conf,snmp,infer
printf '%s\n' 'listen = [ "ipfix:127.0.0.1:9" ];' \
	'exporters = ( { address = "192.0.2.1"; router = "10.255.0.1"; role = "router"; } );' >"$T/infer-try.conf"
if ! "$COLLECTOR" -n -c "$T/infer-try.conf" >"$T/infer-try.log" 2>&1; then
	MAPPINGS=conf,snmp
	INFER_MISSING=$(grep -m1 . "$T/infer-try.log")
	info "inference NOT RUN: the collector does not take role = \"router\": $INFER_MISSING"
fi
GEN_FLAGS=""
printf 'input = { interface = "lo"; direction = "in"; };\nexport = { destinations = [ "ipfix:127.0.0.1:9" ]; };\n' \
	>"$T/dir-try.conf"
if [ "${COUNT_ONCE_PLAIN:-}" = 1 ]; then
	info "exporters: COUNT_ONCE_PLAIN=1: neither input.direction nor export.route-lookup"
elif "$EXPORTER" -n -c "$T/dir-try.conf" >"$T/dir-try.log" 2>&1; then
	GEN_FLAGS="--direction"
	info "exporters: input.direction = \"in\""
else
	info "exporters: no input.direction yet; a BPF filter \"ether dst MAC\" stands in"
fi
printf 'input = { interface = "lo"; };\nexport = { destinations = [ "ipfix:127.0.0.1:9" ]; route-lookup = true; };\n' \
	>"$T/rl-try.conf"
if "$EXPORTER" -n -c "$T/rl-try.conf" >"$T/rl-try.log" 2>&1 && [ -n "$GEN_FLAGS" ]; then
	GEN_FLAGS="$GEN_FLAGS --route-lookup"
	info "exporters: export.route-lookup = true"
fi
# shellcheck disable=SC2086
python3 "$GEN" plan "$LP" "$PL" --lsdb "$T/lsdb.json" --mappings "$MAPPINGS" $GEN_FLAGS \
	>"$T/plan.log" 2>&1 || fail "no plan: $(cat "$T/plan.log")"
info "plan: $(cat "$T/plan.log")"
while read -r name _ routers _ probes; do
	info "deployment $name: routers $routers; probes $probes"
done <"$PL/deployments"
stage "database and plan"

# --- management links, neighbours, snmpd --------------------------------------
# (they must stay out of OSPF: the lab's ospfd.conf names its interfaces,
# "ip ospf area"; a "network" statement covering 172.31.0.0/16 would take
# them in)
cat "$L"/etc/*/ospfd.conf | python3 -c '
import ipaddress, re, sys
for l in sys.stdin:
    m = re.match(r"\s*network\s+(\S+)", l)
    if m and ipaddress.ip_network(m.group(1), strict=False).overlaps(ipaddress.ip_network("172.31.0.0/16")):
        sys.exit("ospfd.conf: " + l.strip())' >"$T/ospf-net.txt" 2>&1 ||
	skip "the lab's OSPF would take in the management links: $(cat "$T/ospf-net.txt")"
for r in $ROUTERS; do
	n=${r#r}
	for l in "mgmt0 m$n 172.31.$n.2 172.31.$n.1" "probe0 p$n 172.31.$n.6 172.31.$n.5"; do
		set -- $l
		ip link add "$1" netns "$LP-$r" type veth peer name "$2" netns "$M" &&
			ip -n "$LP-$r" addr add "$3/30" dev "$1" && ip -n "$M" addr add "$4/30" dev "$2" &&
			ip -n "$LP-$r" link set "$1" up && ip -n "$M" link set "$2" up ||
			fail "cannot link $r to the management namespace"
	done
done
while read -r r a mac; do
	ip -n "$LP-$r" neigh replace "$a" lladdr "$mac" dev stub0 nud permanent ||
		fail "cannot add the neighbour $a at $r"
done <"$PL/neigh"
for r in $ROUTERS; do
	n=${r#r}
	mkdir -p "$T/snmp-$r" && chmod 700 "$T/snmp-$r"
	printf 'agentAddress udp:172.31.%s.2:161\nrocommunity anemone-lab 172.31.%s.1\n' "$n" "$n" \
		>"$T/snmpd-$r.conf"
	bg "$LP-$r" "snmpd-$r" snmpd -f -Lf "$T/snmpd-$r.out" -C -c "$T/snmpd-$r.conf" \
		-p "$T/snmpd-$r.pidf" --persistentDir="$T/snmp-$r"
done
snmpd_up() { [ -n "$(ip netns exec "$LP-$1" ss -Hlun "sport = :161")" ]; }
for r in $ROUTERS; do
	wait_for 20 snmpd_up "$r" || fail "snmpd at $r does not listen: $(tail -3 "$T/snmpd-$r.log")"
done
stage "links, neighbours, snmpd"

# --- Redis and the collectors -----------------------------------------------
bg "$M" redis redis-server --port 0 --unixsocket "$SOCK" --unixsocketperm 700 --save '' \
	--appendonly no --dir "$T"
wait_for 10 sh -c "[ \"\$(redis-cli -s '$SOCK' ping 2>/dev/null)\" = PONG ]" ||
	fail "redis-server did not start: $(cat "$T/redis.log")"
COLLS=""
while read -r name port conf; do
	bg "$M" "c-$name" "$COLLECTOR" -c "$conf" -l "ipfix:*:$port" --redis "$SOCK" \
		--topology "$T/lsdb.json" --flush 1s
	COLLS="$COLLS $name"
	eval "cport_$(echo "$name" | tr - _)=$port"
done <"$PL/collectors"
# (a failure says what differs; KEEP=DIR keeps every log)
for c in $COLLS; do
	wait_for 20 grep -q "topology loaded" "$T/c-$c.log" ||
		fail "$c: the collector did not load the topology: $(tail -5 "$T/c-$c.log")"
done
# the SNMP collectors: every agent answered (a point for each interface)
for c in $COLLS; do
	case $c in *-snmp) ;; *) continue ;; esac
	nr=$(awk -v d="${c%-snmp}" '$1 == d { print $3 }' "$PL/deployments" | tr ',' '\n' | wc -l)
	wait_for 30 grep -q "snmp: [0-9]* observation point(s) of $nr router(s)" "$T/c-$c.log" ||
		fail "$c: not every router's agent answered: $(grep snmp "$T/c-$c.log" | tail -3)"
	info "$c: $(grep -o 'snmp: [0-9]* observation point(s) of [0-9]* router(s)' "$T/c-$c.log" | tail -1)"
done
stage "redis and $(echo $COLLS | wc -w) collectors"

# --- the exporters -------------------------------------------------------------
EXPS=""
while read -r name r _ conf _; do
	bg "$LP-$r" "x-$name" "$EXPORTER" -c "$conf"
	EXPS="$EXPS $name"
done <"$PL/exporters"
for x in $EXPS; do
	wait_for 20 grep -q "capturing on" "$T/x-$x.log" ||
		fail "exporter $x did not start: $(tail -5 "$T/x-$x.log")"
done
stage "$(echo $EXPS | wc -w) exporters"

# --- the traffic ---------------------------------------------------------------
for r in $(cut -d' ' -f2 "$PL/flows" | sort -u); do
	mac=$(ip -n "$LP-$r" -j link show stub0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])')
	ip netns exec "$LP-$r" python3 "$GEN" send "$PL" "$r" "$mac" >>"$T/send.log" 2>&1 ||
		fail "cannot send from $r: $(tail -3 "$T/send.log")"
done
info "$(tr '\n' ';' <"$T/send.log")"
stage "traffic"

# every exporter has metered the packets of the flows that crossed its
# interface (the plan's paths), no more, no less: asked (SIGUSR1: it logs
# its statistics) until it has, for at most 20 s; then each exports what
# it holds and exits (SIGTERM), 0; then the collectors read what is queued
# for them and write everything (SIGTERM), 0
metered() {   # metered NAME: the packets exporter NAME decoded, as it last said
	grep 'stats packets: seen=' "$T/x-$1.log" | tail -1 | tr ' ' '\n' | sed -n 's/^decoded=//p'
}
all_metered() {
	while read -r name _ _ _ want; do
		[ "$(metered "$name")" = "$want" ] || return 1
	done <"$PL/exporters"
}
n=0
while [ $n -lt 40 ]; do
	for x in $EXPS; do kill -USR1 "$(cat "$T/x-$x.pid")"; done
	sleep 0.5
	all_metered && break
	n=$((n + 1))
done
: >"$T/metered.txt"
while read -r name _ _ _ want; do
	got=$(metered "$name")
	printf '%s=%s ' "$name" "$got" >>"$T/metered.txt"
	[ "$got" = "$want" ] || echo "$name: metered ${got:-?} packets, $want crossed its interface" >>"$T/metered-bad.txt"
done <"$PL/exporters"
info "packets metered: $(cat "$T/metered.txt")"
[ ! -s "$T/metered-bad.txt" ] || fail "exporters metered other packets than the flows':
$(cat "$T/metered-bad.txt")"
stage "every packet metered"
for x in $EXPS; do kill -TERM "$(cat "$T/x-$x.pid")"; done
for x in $EXPS; do
	wait "$(wpid "x-$x")" || fail "exporter $x: exit status $?: $(tail -5 "$T/x-$x.log")"
done
stage "exporters flushed"
drained() { [ "$(inm ss -Hlun "sport = :$1" | awk '{ print $2 }' | sort -n | tail -1)" = 0 ]; }
for c in $COLLS; do
	eval "port=\$cport_$(echo "$c" | tr - _)"
	wait_for 10 drained "$port" || fail "$c does not read its socket"
	kill -TERM "$(cat "$T/c-$c.pid")"
done
for c in $COLLS; do
	wait "$(wpid "c-$c")" || fail "collector $c: exit status $?: $(tail -5 "$T/c-$c.log")"
done
stage "collectors written"

# --- the comparisons -----------------------------------------------------------
python3 "$GEN" compare "$PL" "$SOCK" >"$T/compare.txt" 2>&1
rc=$?
sed 's/^/   /' "$T/compare.txt"
[ $rc -eq 0 ] || fail "the collectors differ (above)"
for c in $COLLS; do
	[ "$c" = gt ] && continue
	"$ANEMONE" --redis "$SOCK" --prefix "$c:" check --threshold 0 >"$T/check-$c.txt" 2>&1 ||
		fail "$c: anemone check: exit $?: $(cat "$T/check-$c.txt")"
	grep -q "measured links\{0,1\}, all as placed\.$" "$T/check-$c.txt" ||
		fail "$c: anemone check: $(cat "$T/check-$c.txt")"
	printf '%s: %s\n' "$c" "$(grep 'all as placed' "$T/check-$c.txt")" >>"$T/checks.txt"
done
info "anemone check --threshold 0, exit 0: $(sed 's/ measured links, all as placed\.//' "$T/checks.txt" | tr '\n' ' ')"
for c in $COLLS; do
	"$ANEMONE" --redis "$SOCK" --prefix "$c:" top talkers -n 100 --csv >"$T/top-$c.csv" 2>&1 ||
		fail "$c: anemone top talkers: $(cat "$T/top-$c.csv")"
	[ "$c" = gt ] || diff -u "$T/top-gt.csv" "$T/top-$c.csv" >"$T/top.diff" ||
		fail "$c: anemone top talkers differs from the ground truth's: $(cat "$T/top.diff")"
done
info "anemone top talkers: the same $(($(wc -l <"$T/top-gt.csv") - 1)) hosts everywhere"
for c in $COLLS; do
	case $c in *-snmp) src=snmp ;; *-infer) src=inferred ;; *) continue ;; esac
	"$ANEMONE" --redis "$SOCK" --prefix "$c:" exporters --interfaces --csv >"$T/points-$c.csv" 2>&1 ||
		fail "$c: anemone exporters --interfaces: $(cat "$T/points-$c.csv")"
	n=$(awk -F, -v s="$src" '$NF == s' "$T/points-$c.csv" | wc -l)
	[ "$n" -gt 0 ] || fail "$c: no observation point from $src: $(cat "$T/points-$c.csv")"
	info "$c: $n observation points from $src"
done
sanitizer_clean "$T"/c-*.log "$T"/x-*.log
stage "comparisons"
info "total: $((($(date +%s%N) - t_start) / 1000000)) ms"
[ -z "${INFER_MISSING:-}" ] || info "NOTE: the inference mapping was not run (role = \"router\" refused)"
exit 0
