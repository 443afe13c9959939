#!/bin/sh
# anemone-collector's command line and configuration: every configuration
# error is "file:line: message" and exit status 2, command-line errors a
# clear message and 2; -n accepts the shipped example, which (like the
# manual) names every setting the collector accepts; a port another process
# holds is exit 1 with a message naming it.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need python3 ss timeout

COLLECTOR="$top_builddir/collector/anemone-collector"
PROG=$COLLECTOR
L='listen = [ "udp:127.0.0.1:2055" ];'

expect_exit 0 "configuration OK" -n -c "$top_srcdir/etc/anemone-collector.conf"
expect_exit 0 "^anemone-collector \(anemone\) [0-9]" -V
expect_exit 0 "usage:" -h
expect_exit 2 "usage:" --no-such-option
expect_exit 2 "unexpected argument 'extra'" -n -l udp:127.0.0.1:2055 extra

# configuration files
c=$(conf unknown "$L
max-exporter = 5;")
expect_exit 2 "^$c:2: unknown setting 'max-exporter'" -n -c "$c"
c=$(conf unknown-redis "$L
redis = {
  hots = \"127.0.0.1\";
};")
expect_exit 2 "^$c:3: unknown setting 'hots'" -n -c "$c"
c=$(conf syntax "$L
max-keys = = 5;")
expect_exit 2 "^$c:2: syntax error" -n -c "$c"
c=$(conf listen 'listen = [ "udp:127.0.0.1:2055",
  "sflow:127.0.0.1:6343" ];')
expect_exit 2 "^$c:2: 'sflow:127.0.0.1:6343': unknown protocol 'sflow'" -n -c "$c"
c=$(conf listen-port 'listen = "v5:127.0.0.1";')
expect_exit 2 "^$c:1: listen: 'v5:127.0.0.1': expected HOST:PORT" -n -c "$c"
c=$(conf listen-type 'listen = 2055;')
expect_exit 2 "^$c:1: 'listen' must be a string or a list of strings" -n -c "$c"
c=$(conf allow "$L
allow = [ \"192.0.2.0/24\",
  \"10.0.0.1/24\" ];")
expect_exit 2 "^$c:3: '10.0.0.1/24': host bits set beyond /24" -n -c "$c"
c=$(conf allow-addr "$L
allow = [ \"banana/8\" ];")
expect_exit 2 "^$c:2: 'banana/8': not an IPv4 or IPv6 address" -n -c "$c"
c=$(conf allow-len "$L
allow = [ \"10.0.0.0/33\" ];")
expect_exit 2 "^$c:2: '10.0.0.0/33': prefix length must be 0-32" -n -c "$c"
c=$(conf forward "$L
forward = [ \"127.0.0.1\" ];")
expect_exit 2 "^$c:2: '127.0.0.1': expected HOST:PORT" -n -c "$c"
c=$(conf forward-port "$L
forward = [ \"127.0.0.1:0\" ];")
expect_exit 2 "^$c:2: .*port must be 1-65535" -n -c "$c"
c=$(conf sketch "$L
redis = {
  top-n = 10000;
  top-sketch = 1024;
};")
expect_exit 2 "^$c:4: top-sketch x top-n must be at most 1048576 counters" -n -c "$c"
c=$(conf sketch-range "$L
redis = { top-sketch = 0; };")
expect_exit 2 "^$c:2: 'top-sketch' must be" -n -c "$c"
c=$(conf flush "$L
flush-interval = \"7s\";")
expect_exit 2 "^$c:2: flush-interval must divide a minute" -n -c "$c"
c=$(conf flush-range "$L
flush-interval = \"2m\";")
expect_exit 2 "^$c:2: 'flush-interval' must be" -n -c "$c"
c=$(conf max-exporters "$L
max-exporters = 0;")
expect_exit 2 "^$c:2: 'max-exporters' must be an integer from 1 to" -n -c "$c"
c=$(conf tcp-max "$L
tcp = { max-connections = 0; };")
expect_exit 2 "^$c:2: 'max-connections' must be an integer from 1 to 65536" -n -c "$c"
c=$(conf tcp-idle "$L
tcp = {
  idle-timeout = \"10ms\";
};")
expect_exit 2 "^$c:3: 'idle-timeout' must be a duration from 100ms" -n -c "$c"
c=$(conf tcp-unknown "$L
tcp = { max-per-address = 2; };")
expect_exit 2 "^$c:2: unknown setting 'max-per-address'" -n -c "$c"
c=$(conf max-sampling "$L
max-sampling-rate = 0;")
expect_exit 2 "^$c:2: 'max-sampling-rate' must be an integer from 1 to" -n -c "$c"
c=$(conf max-domains "$L
max-domains = 1025;")
expect_exit 2 "^$c:2: 'max-domains' must be an integer from 1 to 1024" -n -c "$c"
c=$(conf map-router "$L
exporters = (
  { address = \"192.0.2.1\"; router = \"r1\"; }
);")
expect_exit 2 "^$c:3: 'r1': a router id is a dotted quad" -n -c "$c"
c=$(conf map-address "$L
exporters = (
  { address = \"192.0.2.1\"; router = \"10.255.0.1\"; },
  { router = \"10.255.0.2\"; }
);")
expect_exit 2 "^$c:4: exporter needs 'address'" -n -c "$c"
c=$(conf map-prefix "$L
exporters = ( { address = \"192.0.2.0/24\"; router = \"10.255.0.1\"; } );")
expect_exit 2 "^$c:2: '192.0.2.0/24': expected one address" -n -c "$c"
c=$(conf map-norouter "$L
exporters = ( { address = \"192.0.2.1\"; } );")
expect_exit 2 "^$c:2: exporter needs 'router'" -n -c "$c"
c=$(conf map-role "$L
exporters = ( { address = \"192.0.2.1\"; router = \"10.255.0.1\"; role = \"transit\"; } );")
expect_exit 2 "^$c:2: 'transit': role is \"edge\" .*, \"core\" .* or \"router\"" -n -c "$c"
c=$(conf map-router-if "$L
exporters = (
  { address = \"192.0.2.1\"; router = \"10.255.0.1\"; role = \"router\";
    interface = 3; }
);")
expect_exit 2 "^$c:4: role = \"router\" is for every interface of the exporter" -n -c "$c"
c=$(conf map-core "$L
exporters = (
  { address = \"192.0.2.1\"; interface = 2; router = \"10.255.0.1\";
    role = \"core\"; }
);")
expect_exit 2 "^$c:4: role = \"core\" needs 'neighbour' .* or 'network'" -n -c "$c"
c=$(conf map-edge-nbr "$L
exporters = ( { address = \"192.0.2.1\"; router = \"10.255.0.1\"; role = \"edge\";
  neighbour = \"10.255.0.2\"; } );")
expect_exit 2 "^$c:3: 'neighbour' goes with role = \"core\"" -n -c "$c"
c=$(conf group-name "$L
probe-groups = ( { exporters = [ \"192.0.2.10\", \"192.0.2.11\" ]; } );")
expect_exit 2 "^$c:2: probe group needs 'name'" -n -c "$c"
c=$(conf group-one "$L
probe-groups = ( { name = \"span\"; exporters = [ \"192.0.2.10\" ]; } );")
expect_exit 2 "^$c:2: probe group 'span' needs 'exporters', an array of two or more" -n -c "$c"
c=$(conf group-twice "$L
probe-groups = (
  { name = \"a\"; exporters = [ \"192.0.2.10\", \"192.0.2.11\" ]; },
  { name = \"b\"; exporters = [ \"192.0.2.12\", \"192.0.2.10\" ]; }
);")
expect_exit 2 "^$c:4: '192.0.2.10' is already in probe group 'a'" -n -c "$c"
c=$(conf group-silent "$L
probe-groups = ( { name = \"a\"; exporters = [ \"192.0.2.10\", \"192.0.2.11\" ];
  silent = \"10ms\"; } );")
expect_exit 2 "^$c:3: 'silent'" -n -c "$c"
c=$(conf topo-file "$L
topology = {
  source = \"file\";
};")
expect_exit 2 "^$c:2: topology source 'file' needs 'file'" -n -c "$c"
c=$(conf topo-source "$L
topology = { source = \"ospf\"; };")
expect_exit 2 "^$c:2: topology source must be redis, file or none" -n -c "$c"
expect_exit 2 "$T/nonexistent.conf: cannot open" -n -c "$T/nonexistent.conf"

# a good file with the mappings and the rest
c=$(conf good "$L
allow = [ \"127.0.0.0/8\", \"2001:db8::/32\" ];
forward = [ \"127.0.0.1:9995\", \"[::1]:9996\" ];
flush-interval = \"5s\";
exporters = ( { address = \"192.0.2.1\"; domain = 3; interface = 7; router = \"10.255.0.1\"; },
  { address = \"192.0.2.1\"; interface = 1; router = \"10.255.0.1\"; role = \"edge\"; },
  { address = \"192.0.2.1\"; interface = 2; router = \"10.255.0.1\"; role = \"core\";
    neighbour = \"10.255.0.2\"; } );
probe-groups = ( { name = \"span\"; exporters = [ \"192.0.2.10\", \"2001:db8::10\" ]; } );
topology = { source = \"file\"; file = \"lsdb.json\"; };")
expect_exit 0 "configuration OK" -n -c "$c"

# the command line
expect_exit 2 "-l 'bogus:127.0.0.1:2055': unknown protocol 'bogus'" -n -l bogus:127.0.0.1:2055
expect_exit 2 "-l 'v5,sflow:127.0.0.1:2055': unknown protocol 'sflow'" -n -l v5,sflow:127.0.0.1:2055
expect_exit 2 "-l '2055': expected PROTO:ADDR:PORT" -n -l 2055
expect_exit 2 "-l 'udp:127.0.0.1': expected HOST:PORT" -n -l udp:127.0.0.1
expect_exit 2 "-l 'udp:127.0.0.1:70000': port must be 1-65535" -n -l udp:127.0.0.1:70000
expect_exit 2 "-l 'udp:::1:2055': put IPv6 addresses in brackets" -n -l udp:::1:2055
expect_exit 0 "configuration OK" -n -l "ipfix+tcp:[::1]:4739" -l "v5,v9:*:2055" --topology none
expect_exit 2 "--flush '7s': must divide a minute" -n -l udp:127.0.0.1:2055 --flush 7s
expect_exit 2 "--flush '90s': must divide a minute" -n -l udp:127.0.0.1:2055 --flush 90s
expect_exit 0 "configuration OK" -n -l udp:127.0.0.1:2055 --flush 15s
expect_exit 2 "--redis '\[::1': expected HOST" -n -l udp:127.0.0.1:2055 --redis '[::1'
expect_exit 2 "--topology redis needs Redis" -n -l udp:127.0.0.1:2055 --no-redis
expect_exit 2 "nothing to listen on" -n
expect_exit 2 "nothing to listen on" --no-redis --topology none
# -l replaces the file's listen
c=$(conf listen-bad 'listen = [ "udp:127.0.0.1:2055" ];')
expect_exit 0 "configuration OK" -n -c "$c" -l ipfix:127.0.0.1:4739

# a port that is taken: exit 1, naming it; by another program, and by a
# second collector (a UDP port is not shared between two collectors)
p=$(free_port)
python3 -c '
import socket, sys, time
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", int(sys.argv[1])))
t = socket.socket(); t.bind(("127.0.0.1", int(sys.argv[1]))); t.listen(1)
open(sys.argv[2], "w").close()
time.sleep(30)' "$p" "$T/held" &
BG_PIDS="$BG_PIDS $!"
wait_for 10 test -e "$T/held" || fail "could not hold port $p"
run_bg() {   # run_bg ARGS...: the collector, at most 10 s; status in rc
	timeout 10 "$COLLECTOR" "$@" >"$T/bg.log" 2>&1
	rc=$?
}
for l in "udp:127.0.0.1:$p" "ipfix+tcp:127.0.0.1:$p"; do
	run_bg -l "$l" --no-redis --topology none
	[ "$rc" -eq 1 ] || fail "$l held by another program: exit $rc, want 1: $(cat "$T/bg.log")"
	grep -q "$l: bind: Address already in use" "$T/bg.log" || fail "$l: unclear message: $(cat "$T/bg.log")"
	info "$l held: exit 1: $(cat "$T/bg.log")"
done

q=$(free_port)
"$COLLECTOR" -l "udp:127.0.0.1:$q" -l "ipfix+tcp:127.0.0.1:$q" --no-redis --topology none \
	>"$T/first.log" 2>&1 &
first=$!
BG_PIDS="$BG_PIDS $first"
wait_for 10 grep -q "listening on ipfix+tcp" "$T/first.log" || fail "collector did not start"
for l in "udp:127.0.0.1:$q" "v5:127.0.0.1:$q" "ipfix+tcp:127.0.0.1:$q"; do
	run_bg -l "$l" --no-redis --topology none
	[ "$rc" -eq 1 ] || fail "$l held by another collector: exit $rc, want 1: $(cat "$T/bg.log")"
	grep -q "bind: Address already in use" "$T/bg.log" || fail "$l: unclear message: $(cat "$T/bg.log")"
	info "$l held by a collector: exit 1"
done
kill -TERM "$first"
wait "$first" || fail "the first collector: exit status $?"

# every setting settings.c accepts is in the shipped example and the manual
sed -n '/_known\[\] = {/,/NULL/p' "$top_srcdir/collector/settings.c" |
	grep -o '"[a-z-]*"' | tr -d '"' | sort -u >"$T/settings"
[ "$(wc -l <"$T/settings")" -gt 25 ] || fail "cannot read the settings from settings.c"
while read -r s; do
	grep -Eq "^[[:space:]#]*(\\{ *)?$s *=|[{;] *$s *=" "$top_srcdir/etc/anemone-collector.conf" ||
		fail "etc/anemone-collector.conf does not document '$s'"
	grep -Eq "^\\.B[RI]? .*\\b$s\\b|[({] *$s *;|^\\.RB .*\\b$s\\b" "$top_srcdir/man/anemone-collector.8" ||
		fail "anemone-collector(8) does not name '$s'"
done <"$T/settings"
info "$(wc -l <"$T/settings") settings, all in etc/anemone-collector.conf and the manual"
exit 0
