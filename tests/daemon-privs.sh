#!/bin/sh
# The three daemons started as root with -u nobody, in a network namespace
# made by the test: each runs as nobody (uid, gid, groups) in every thread,
# with no capability but what it needs (the exporter and ospfmon capturing
# live: CAP_NET_RAW, to re-open an interface that goes away; the collector:
# none) in its effective, permitted and bounding sets, with no_new_privs; and
# each still does its work after the switch: the exporter captures pings sent
# over a veth pair and exports them to the collector, which counts them;
# ospfmon hears OSPF frames replayed into the veth.  SIGHUP: each reopens
# its file (log file, ospfmon's events file) after it was renamed, and
# writes to the new one.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_root
need ip python3 ping
id nobody >/dev/null 2>&1 || skip "no user 'nobody'"

A=anm-priv-a-$$ B=anm-priv-b-$$
IA=anp$$a IB=anp$$b
netns_add "$A" "$B" || fail "cannot create namespaces"
ip -n "$B" link set lo up
veth_between "$A" "$B" "$IA" "$IB" 10.124.0 || fail "cannot create veth pair"

# the daemons write as nobody: a directory nobody can reach and write
chmod 755 "$T"
D="$T/run"
mkdir "$D" && chown nobody "$D"

COLLECTOR="$top_builddir/collector/anemone-collector"
OSPFMON="$top_builddir/ospfmon/anemone-ospfmon"
NOBODY_UID=$(id -u nobody) NOBODY_GID=$(id -g nobody)
NET_RAW=0000000000002000   # 1 << CAP_NET_RAW (13)
NONE=0000000000000000

# inb NAME CMD...: run CMD in namespace B in the background, its pid in
# $T/NAME.pid (ip netns exec may fork: $! is not the daemon)
inb() {
	_n=$1; shift
	ip netns exec "$B" sh -c 'echo $$ >"$0"; exec "$@"' "$T/$_n.pid" "$@" &
	BG_PIDS="$BG_PIDS $!"
	eval "W_$_n=$!"     # ip netns exec: it exits with the daemon's status
}
# exited NAME: the daemon NAME stopped with status 0 (and no sanitizer report)
exited() {
	eval "_w=\$W_$1"
	wait "$_w" || fail "$1: exit status $?: $(tail -5 "$D/$1.log" "$T/$1.err")"
}
pid_of() { wait_for 10 test -s "$T/$1.pid" && cat "$T/$1.pid"; }

# creds PID CAPS NAME [OTHERS]: every thread of PID runs as nobody with
# exactly CAPS in its bounding set, and in its permitted and effective sets
# (threads other than the main one: OTHERS there, if given), no_new_privs
creds() {
	[ -d "/proc/$1" ] || fail "pid $1 is gone"
	for st in /proc/"$1"/task/*/status; do
		tid=$(basename "$(dirname "$st")")
		held=$2
		[ "$tid" = "$1" ] || held=${4:-$2}
		got=$(awk '/^(Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):/ {
			$1 = $1; print }' "$st" | tr '\n' ';')
		want="Uid: $NOBODY_UID $NOBODY_UID $NOBODY_UID $NOBODY_UID;Gid: $NOBODY_GID $NOBODY_GID $NOBODY_GID $NOBODY_GID;Groups: $NOBODY_GID;CapInh: $NONE;CapPrm: $held;CapEff: $held;CapBnd: $2;CapAmb: $NONE;NoNewPrivs: 1;"
		expect_eq "$3: $tid ($(cat "/proc/$1/task/$tid/comm")) credentials" "$got" "$want"
	done
}

stat_of() {   # stat_of LOG KEY: the last KEY=N of the stats lines in LOG
	grep ': stats ' "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | tail -1
}
at_least() {  # at_least LOG KEY N
	v=$(stat_of "$1" "$2"); [ -n "$v" ] && [ "$v" -ge "$3" ]
}

# renamed_and_reopened NAME PID FILE: rename FILE, SIGHUP, and see FILE
# created again by PID's user (nobody)
reopened() {
	mv "$3" "$3.1" || fail "$1: cannot rename $3"
	kill -HUP "$2"
	[ "${4:-}" = lazy ] && kill -USR1 "$2"    # the exporter reopens at its next line
	wait_for 10 test -e "$3" || fail "$1: $3 not created again after SIGHUP"
	expect_eq "$1: owner of the new $(basename "$3")" "$(stat -c %U "$3")" nobody
}

# --- start -------------------------------------------------------------------
inb col "$COLLECTOR" -l v5:127.0.0.1:2055 --no-redis --topology none -u nobody \
	--log-file "$D/col.log" 2>"$T/col.err"
COL=$(pid_of col) || fail "collector did not start"
# the switch is logged on stderr: the log file is opened after it, as
# the service user that SIGHUP reopens it as
wait_for 20 grep -q "running as nobody" "$T/col.err" ||
	fail "collector: no switch to nobody: $(cat "$D/col.log" "$T/col.err" 2>/dev/null)"
wait_for 10 test -e "$D/col.log" || fail "collector: no log file $D/col.log"
expect_eq "collector: owner of its log file" "$(stat -c %U "$D/col.log")" nobody
creds "$COL" "$NONE" collector

inb exp "$EXPORTER" -i "$IB" -x v5:127.0.0.1:2055 -u nobody --log-file "$D/exp.log" 2>"$T/exp.err"
EXP=$(pid_of exp) || fail "exporter did not start"
# the switch is logged on stderr: the log file is opened after it, as
# the service user that SIGHUP reopens it as
wait_for 20 grep -q "running as nobody" "$T/exp.err" ||
	fail "exporter: no switch to nobody: $(cat "$D/exp.log" "$T/exp.err" 2>/dev/null)"
wait_for 10 test -e "$D/exp.log" || fail "exporter: no log file $D/exp.log"
expect_eq "exporter: owner of its log file" "$(stat -c %U "$D/exp.log")" nobody
creds "$EXP" "$NET_RAW" exporter

inb mon "$OSPFMON" -i "$IB" -u nobody -e "$D/events" --log-file "$D/mon.log" --dump events \
	>"$T/mon.out" 2>"$T/mon.err"
MON=$(pid_of mon) || fail "ospfmon did not start"
# the switch is logged on stderr: the log file is opened after it, as
# the service user that SIGHUP reopens it as
wait_for 20 grep -q "running as nobody" "$T/mon.err" ||
	fail "ospfmon: no switch to nobody: $(cat "$D/mon.log" "$T/mon.err" 2>/dev/null)"
wait_for 10 test -e "$D/mon.log" || fail "ospfmon: no log file $D/mon.log"
expect_eq "ospfmon: owner of its log file" "$(stat -c %U "$D/mon.log")" nobody
creds "$MON" "$NET_RAW" ospfmon
info "running as nobody: collector (no capability), exporter and ospfmon (CAP_NET_RAW)"

# --- SIGHUP: each writes to a new file of the same name ---------------------
reopened collector "$COL" "$D/col.log"
kill -USR1 "$COL"
wait_for 10 grep -q ': stats datagrams=' "$D/col.log" || fail "collector: nothing in the new log"
reopened exporter "$EXP" "$D/exp.log" lazy
wait_for 10 grep -q ': stats packets:' "$D/exp.log" || fail "exporter: nothing in the new log"
reopened ospfmon "$MON" "$D/mon.log"
reopened ospfmon "$MON" "$D/events"
info "SIGHUP: the renamed log and events files were replaced by new ones"

# --- still working as nobody --------------------------------------------------
ip netns exec "$A" ping -q -c 3 -i 0.2 10.124.0.2 >/dev/null || fail "no ping over the veth pair"
kill -USR1 "$EXP"
wait_for 10 at_least "$D/exp.log" seen 3 || fail "exporter: pings not captured: $(cat "$D/exp.log")"

# OSPF frames from a recording, replayed into the far end of the veth
ip netns exec "$A" python3 - "$top_srcdir/tests/data/ospf/lab.pcap" "$IA" <<'PY' >"$T/sent" ||
import socket, struct, sys
data = open(sys.argv[1], "rb").read()
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[2], 0))
off, n = 24, 0
while off + 16 <= len(data):
    incl = struct.unpack("<I", data[off + 8:off + 12])[0]
    off += 16
    s.send(data[off:off + incl])
    off += incl
    n += 1
print(n)
PY
	fail "cannot replay OSPF frames into $IA"
ospf_seen() { kill -USR1 "$MON"; sleep 0.2; at_least "$D/mon.log" ospf 100; }
wait_for 20 ospf_seen || fail "ospfmon: OSPF not heard: $(tail -3 "$D/mon.log")"
wait_for 10 test -s "$D/events" || fail "ospfmon: no event in the reopened events file"
[ -s "$D/events.1" ] && fail "ospfmon: events went to the renamed file"
info "ospfmon heard $(stat_of "$D/mon.log" ospf) OSPF packets of $(cat "$T/sent") frames;" \
	"$(wc -l <"$D/events") events in the new file"

# DPDK: the EAL starts its threads (a worker lcore, its service threads)
# before the exporter can switch user; they too end as nobody, with no
# capability, the bounding set and no_new_privs of the main thread, which
# alone keeps CAP_NET_RAW; and the exporter still captures the pings
if "$EXPORTER" -n -i dpdk:0 --dpdk "--no-pci" -x ipfix:127.0.0.1:9 >"$T/probe.log" 2>&1; then
	prefix=anemone-privs-$$
	dpdk_cleanup() { rm -rf "/var/run/dpdk/$prefix"; }
	CLEANUP_HOOKS="$CLEANUP_HOOKS dpdk_cleanup"
	inb dpdk "$EXPORTER" -i dpdk:0 -u nobody -x v5:127.0.0.1:2055 --dpdk \
		"--no-huge --no-pci --no-shconf --file-prefix $prefix -m 512 --lcores (0-1)@(0) --vdev=net_pcap0,rx_iface=$IB" \
		>"$T/dpdk.out" 2>"$T/dpdk.err"
	DP=$(pid_of dpdk) || fail "DPDK exporter did not start"
	wait_for 30 grep -q "running as nobody" "$T/dpdk.err" ||
		fail "DPDK exporter: no switch to nobody: $(cat "$T/dpdk.err")"
	nt=$(ls /proc/"$DP"/task | wc -l)
	[ "$nt" -ge 3 ] || fail "DPDK exporter: $nt threads, want the main one, a worker and the EAL's"
	creds "$DP" "$NET_RAW" "DPDK exporter" "$NONE"
	ip netns exec "$A" ping -q -c 3 -i 0.2 10.124.0.2 >/dev/null || fail "no ping over the veth pair"
	dpdk_seen() { kill -USR1 "$DP"; sleep 0.2; at_least "$T/dpdk.err" seen 3; }
	wait_for 10 dpdk_seen || fail "DPDK exporter: pings not captured: $(tail -5 "$T/dpdk.err")"
	kill -TERM "$DP"
	exited dpdk
	info "DPDK exporter: $nt threads, all as nobody; CAP_NET_RAW in the main one only"
else
	info "(no DPDK in this build: the DPDK exporter's threads not checked)"
fi

# the exporter exports what it holds at exit; the collector counts it
kill -TERM "$EXP"
wait_for 20 grep -q ': stats export v5' "$D/exp.log" || fail "exporter: no final statistics"
exited exp
col_got() { kill -USR1 "$COL"; sleep 0.2; at_least "$D/col.log" records-v5 1; }
wait_for 20 col_got || fail "collector: no v5 record counted: $(tail -3 "$D/col.log")"
info "the collector counted $(stat_of "$D/col.log" datagrams) datagrams," \
	"$(stat_of "$D/col.log" records-v5) v5 records from the exporter"

kill -TERM "$MON" "$COL"
exited mon
exited col
grep -E ' fatal: |Sanitizer|runtime error' "$D"/*.log "$D"/*.log.1 "$T"/*.err && fail "errors logged"
exit 0
