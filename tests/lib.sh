# Shared helpers for the integration tests (sourced, POSIX sh).
# Each test gets a private temp dir, and everything it started is stopped and
# removed on exit, whether it passed or not.  Exit 77 = skipped (automake).
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
EXPORTER="$top_builddir/exporter/anemone-exporter"
CAPS="$top_srcdir/tests/data/captures"
PCAP_TOTALS="$top_srcdir/tests/pcap-totals"
PROG=$EXPORTER

T=$(mktemp -d "${TMPDIR:-/tmp}/anemone-test.XXXXXX")
# the daemons read $(sysconfdir)/anemone/NAME.conf when not given -c: never
# the machine's in a test (an empty directory instead)
mkdir -p "$T/no-config"
export ANEMONE_CONFIG_DIR="$T/no-config"
BG_PIDS=""
CLEANUP_HOOKS=""

cleanup() {
	for h in $CLEANUP_HOOKS; do "$h" >/dev/null 2>&1; done
	for p in $BG_PIDS; do kill "$p" 2>/dev/null; done
	for p in $BG_PIDS; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# fail MESSAGE: also shows the end of each file named in $SHOW_ON_FAIL
fail() {
	echo "FAIL: $*" >&2
	for f in ${SHOW_ON_FAIL:-}; do
		[ -f "$f" ] && { echo "== $f:"; tail -15 "$f"; } >&2
	done
	exit 1
}
skip() { echo "SKIP: $*" >&2; exit 77; }

# netns_add NAME...: create network namespaces, each killed (its processes)
# and deleted when the test ends, whatever way it ends
TEST_NETNS=""
netns_empty() { [ -z "$(ip netns pids "$1" 2>/dev/null)" ]; }
netns_cleanup() {
	for _ns in $TEST_NETNS; do
		pids=$(ip netns pids "$_ns" 2>/dev/null)
		# shellcheck disable=SC2086
		[ -n "$pids" ] && { kill $pids; wait_for 5 netns_empty "$_ns"; }
		ip netns del "$_ns"
	done
}
netns_add() {
	case " $CLEANUP_HOOKS " in *" netns_cleanup "*) ;; *) CLEANUP_HOOKS="$CLEANUP_HOOKS netns_cleanup" ;; esac
	for n in "$@"; do
		TEST_NETNS="$TEST_NETNS $n"
		ip netns add "$n" || return 1
	done
}
# veth_between NS-A NS-B IF-A IF-B NET: a veth pair from NS-A (IF-A, NET.1/24)
# to NS-B (IF-B, NET.2/24), both ends up; NET is three octets ("10.123.0")
veth_between() {
	ip link add "$3" netns "$1" type veth peer name "$4" netns "$2" || return 1
	ip -n "$1" addr add "$5.1/24" dev "$3" &&
	ip -n "$2" addr add "$5.2/24" dev "$4" &&
	ip -n "$1" link set "$3" up &&
	ip -n "$2" link set "$4" up
}
# stall_start [NS]: tests/stall-collector (accepts, never reads) on 127.0.0.1
# of namespace NS (default: this one); sets STALL_PORT
stall_start() {
	rm -f "$T/stall.port"
	${1:+ip netns exec "$1"} "$top_srcdir/tests/stall-collector" "$T/stall.port" &
	BG_PIDS="$BG_PIDS $!"
	wait_for 10 test -s "$T/stall.port" || fail "the stalled collector did not start"
	STALL_PORT=$(cat "$T/stall.port")
}
# sanitizer_clean FILE...: no AddressSanitizer, LeakSanitizer or UBSan report
# in any FILE (the stderr of programs the test ran); else the test fails
sanitizer_clean() {
	for f in "$@"; do
		[ -f "$f" ] || continue
		! grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$f" ||
			fail "sanitizer report in $f: $(grep -m1 -E -A12 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$f")"
	done
}
info() { echo "-- $*"; }
need() { for c in "$@"; do command -v "$c" >/dev/null 2>&1 || skip "$c is not installed"; done; }
need_root() { [ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces / live capture)"; }

# A port free for both UDP and TCP on 127.0.0.1.
free_port() {
	python3 - <<'PY'
import socket
while True:
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.bind(("127.0.0.1", 0))
    port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port))
    except OSError:
        continue
    print(port)
    break
PY
}

# wait_for SECONDS COMMAND...: poll until COMMAND succeeds.
wait_for() {   # (its counter has a name of its own: callers' variables survive)
	_wait_n=$(($1 * 10)); shift
	while [ "$_wait_n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1; _wait_n=$((_wait_n - 1))
	done
	return 1
}


# nfcapd_start DIR [ADDR]: nfcapd on ADDR (127.0.0.1), on a free port,
# writing into DIR; sets NFCAPD_PID and NFCAPD_PORT.  nfcapd cannot take a
# port from the kernel, so a port another test grabbed meanwhile is retried.
nfcapd_start() {
	mkdir -p "$1"
	case "${2:-127.0.0.1}" in *:*) fam=-6 ;; *) fam=-4 ;; esac
	for try in 1 2 3 4 5; do
		NFCAPD_PORT=$(free_port)
		nfcapd $fam -w "$1" -p "$NFCAPD_PORT" -b "${2:-127.0.0.1}" -t 3600 -P "$1.pid" \
			>"$1.log" 2>&1 &
		NFCAPD_PID=$!
		BG_PIDS="$BG_PIDS $NFCAPD_PID"
		if wait_for 10 nfcapd_bound "$NFCAPD_PORT" "$NFCAPD_PID"; then
			eval "NFCAPD_PORT_$NFCAPD_PID=$NFCAPD_PORT"
			return 0
		fi
		kill "$NFCAPD_PID" 2>/dev/null; wait "$NFCAPD_PID" 2>/dev/null
	done
	fail "nfcapd did not start: $(cat "$1.log")"
}
nfcapd_bound() { ss -Hlunp "sport = :$1" | grep -q "pid=$2,"; }

# udp_drained PORT: nothing waits in the receive queue of the UDP socket on PORT
udp_drained() { [ "$(ss -Hlun "sport = :$1" | awk '{ print $2 }' | sort -n | tail -1)" = 0 ]; }

# nfcapd_stop: stop the nfcapd started last (or NFCAPD_PID) cleanly, once it
# has read every datagram already sent to it, so that it writes them all.
nfcapd_stop() {
	eval "port=\${NFCAPD_PORT_$NFCAPD_PID:-}"
	[ -z "$port" ] || wait_for 10 udp_drained "$port" || fail "nfcapd does not read its socket"
	kill -TERM "$NFCAPD_PID" 2>/dev/null
	wait "$NFCAPD_PID" 2>/dev/null
	true
}

# sink_start udp|tcp OUTFILE [flow-sink options]: a tests/flow-sink on a
# port the kernel picks; sets SINK_PID and SINK_PORT.
sink_start() {
	kind=$1 out=$2; shift 2
	rm -f "$out.port"
	"$top_srcdir/tests/flow-sink" "--$kind" 0 --out "$out" --port-file "$out.port" "$@" &
	SINK_PID=$!
	BG_PIDS="$BG_PIDS $SINK_PID"
	wait_for 10 test -s "$out.port" || fail "flow-sink did not start"
	SINK_PORT=$(cat "$out.port")
}

# ns_sink NS NAME: a tests/flow-sink taking IPFIX over TCP in namespace NS,
# writing $T/NAME.ipfix; sets SINK_NAME (its pid) and PORT_NAME
ns_sink() {
	rm -f "$T/$2.port"
	ip netns exec "$1" "$top_srcdir/tests/flow-sink" --tcp 0 --out "$T/$2.ipfix" \
		--port-file "$T/$2.port" &
	BG_PIDS="$BG_PIDS $!"
	eval "SINK_$2=$!"
	wait_for 10 test -s "$T/$2.port" || fail "flow-sink $2 did not start"
	eval "PORT_$2=$(cat "$T/$2.port")"
}

# sink_stop PID: stop a tests/flow-sink; it writes (and forwards) everything
# already queued for it before it exits.
sink_stop() {
	kill -TERM "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	true
}

# nfdump_totals DIR: "flows=N packets=N octets=N" over every file in DIR,
# summed from nfdump's own per-flow output.
nfdump_totals() {
	nfdump -q -R "$1" -o 'fmt:%pkt %byt' -N 2>/dev/null |
	awk '$1 ~ /^[0-9]+$/ { f++; p += $1; o += $2 } END { printf "flows=%d packets=%d octets=%d\n", f, p, o }'
}

# exporter_stat FILE KEY: the value of KEY=N from the exporter's stats lines.
exporter_stat() {
	grep ' anemone-exporter [a-z]*: stats' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1
}

# expect_undelivered LOG: a replay that lost export messages ended with one
# line counting them, and the count is what its statistics say was lost
# (refused + dropped + send-errors over every destination), more than 0.
expect_undelivered() {
	want=$(grep ': stats export ' "$1" | tr ' ' '\n' |
		awk -F= '$1 == "refused" || $1 == "dropped" || $1 == "send-errors" { n += $2 }
		         END { print n + 0 }')
	[ "$want" -gt 0 ] || fail "$1: no export message lost"
	expect_eq "the last line's count of messages not delivered" \
		"$(tail -1 "$1" | sed -n 's/.* \([0-9][0-9]*\) export messages not delivered: .*/\1/p')" "$want"
}

# A private redis-server on 127.0.0.1:$PORT (set PORT first; free_port),
# its files in $T; REDIS_PERSIST=yes keeps the data across redis_stop and
# redis_start (append-only file), as a production server would; REDIS_ARGS
# are more options (split on spaces, e.g. "--aclfile $T/users.acl"; set
# REDISCLI_AUTH for R and the start's PING when they require a password).
R() { redis-cli -h 127.0.0.1 -p "$PORT" "$@"; }
redis_ping() { [ "$(R PING 2>/dev/null)" = PONG ]; }
redis_start() {
	redis-server --port "$PORT" --bind 127.0.0.1 --save '' \
		--appendonly "${REDIS_PERSIST:-no}" --appendfsync always --dir "$T" ${REDIS_ARGS:-} \
		>>"$T/redis.log" 2>&1 &
	REDIS_PID=$!
	BG_PIDS="$BG_PIDS $REDIS_PID"
	wait_for 10 redis_ping || fail "redis-server did not start: $(tail -5 "$T/redis.log")"
}
redis_stop() {
	kill "$REDIS_PID"; wait "$REDIS_PID" 2>/dev/null
	! redis_ping || fail "redis-server did not stop"
}

# collector_start NAME LISTEN CONFIG-TEXT [OPTIONS...]: anemone-collector
# writing under the key prefix NAME: to the test's Redis ($PORT), listening
# on LISTEN (PROTO:ADDR:PORT), with CONFIG-TEXT added to its configuration
# file (a "redis = { ... }" group in it gets the prefix) and OPTIONS on its
# command line; its log is $T/NAME.log (shown if the
# test fails).  Sets CPID.
COLLECTOR="$top_builddir/collector/anemone-collector"
collector_start() {
	cname=$1 clisten=$2 ctext=$3; shift 3
	case $ctext in
	*"redis = {"*) printf '%s\n' "$ctext" | sed "s/redis = {/redis = { prefix = \"$cname:\";/" ;;
	*) printf 'redis = { prefix = "%s:"; };\n%s\n' "$cname" "$ctext" ;;
	esac >"$T/$cname.conf"
	"$COLLECTOR" -c "$T/$cname.conf" -l "$clisten" --redis "127.0.0.1:$PORT" "$@" \
		>"$T/$cname.log" 2>&1 &
	CPID=$!
	BG_PIDS="$BG_PIDS $CPID"
	SHOW_ON_FAIL="$T/$cname.log"
	wait_for 10 grep -q "listening on" "$T/$cname.log" ||
		fail "$cname: the collector did not start: $(cat "$T/$cname.log")"
}
# collector_stop [UDP-PORT]: stop the collector (CPID) once it has read every
# datagram queued on UDP-PORT; it writes what it holds and must exit 0.
collector_stop() {
	[ -z "${1:-}" ] || wait_for 10 udp_drained "$1" || fail "the collector does not read its socket"
	kill -TERM "$CPID"; wait "$CPID" || fail "the collector's exit status: $?"
}
# logstat NAME KEY: KEY from the last statistics the collector NAME logged
# (several lines "stats name=value ...") in $T/NAME.log
logstat() { grep ': stats ' "$T/$1.log" | tr ' ' '\n' | sed -n "s/^$2=//p" | tail -1; }
# field TEXT KEY: the value of KEY=V in TEXT (words "name=value")
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
# series_sum KEY FIELD: the sum of FIELD over every entry of stream KEY
series_sum() { R XRANGE "$1" - + | awk -v f="$2" '$0 == f { getline; s += $1 } END { print s + 0 }'; }
# redis_cont: SIGCONT the test's Redis; a test that stops it (SIGSTOP) adds
# this to CLEANUP_HOOKS, since a stopped server would not end
redis_cont() { kill -CONT "$REDIS_PID"; }
# cstat NAME KEY: a counter from the statistics the collector NAME wrote to Redis
cstat() { R HGET "$1:collector:stats" "$2"; }

expect_eq() {  # expect_eq WHAT GOT WANT
	[ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
	info "$1: $2"
}

# expect_exit STATUS PATTERN ARGS...: run $PROG (default: the exporter) with
# ARGS; it must exit with STATUS and print something matching PATTERN.
expect_exit() {
	want=$1 pat=$2; shift 2
	"$PROG" "$@" >"$T/out" 2>"$T/err"
	got=$?
	[ "$got" -eq "$want" ] || fail "$(basename "$PROG") $*: exit $got, want $want; stderr: $(cat "$T/err")"
	grep -qE -- "$pat" "$T/err" "$T/out" ||
		fail "$(basename "$PROG") $*: output does not match '$pat': $(cat "$T/err" "$T/out")"
	info "$* -> $got: $(head -1 "$T/err" "$T/out" | grep -v '^==>' | grep . | head -1)"
}

conf() {   # conf NAME TEXT: write a config file, print its path
	printf '%s\n' "$2" >"$T/$1.conf"
	echo "$T/$1.conf"
}

# lab_lock: skip when lab tests are disabled (configure --disable-lab-tests);
# else wait until no other test on this machine runs an FRR lab, and hold
# that until exit.  Two labs at once on a small machine (make -j check) slow
# the routers enough to make their timing, not ospfmon, the thing tested.
lab_lock() {
	[ "${ANEMONE_LAB_TESTS:-yes}" != no ] ||
		skip "FRR lab tests disabled in this build (configure --disable-lab-tests): scripts/run-tests runs them in the sanitizer build"
	LAB_TIMEOUT=${LAB_TIMEOUT:-120}    # convergence, on a machine busy with other tests
	export LAB_TIMEOUT
	command -v flock >/dev/null 2>&1 || return 0
	exec 9>"${TMPDIR:-/tmp}/anemone-ospf-lab.lock"
	# (processes the test starts inherit the lock; should one outlive it,
	# the next test goes ahead after 10 minutes rather than hang)
	flock -w 600 9 || info "lab lock not obtained in 10 minutes; going ahead"
}

# lab_flows OUT: the flows of tests/data/collector/lab-flows (SRC DST BYTES
# PACKETS, between the recorded lab's networks), with room for the IP and
# UDP headers in every packet (28 bytes, IPv6 48); bytes that do not divide
# evenly by packets keep the odd shares of the splits
lab_flows() {
	grep -v '^#' "$top_srcdir/tests/data/collector/lab-flows" | grep . |
		awk '{ h = index($1, ":") ? 48 : 28; b = $3; if (b < h * $4) b = h * $4 + $3; print $1, $2, b, $4 }' >"$1"
}
