#!/bin/sh
# Publication to Redis and to the JSON file (ospfmon/publish.c, through
# tests/unit/publish-driver) against a redis-server of the test's own on a
# free loopback port: the keys and values of redis/SCHEMA.md, the events list
# newest first and trimmed, the notifications as a subscriber receives them,
# AUTH and SELECT, the JSON file replaced atomically; then Redis away: an
# answerless server costs at most the timeout, a publication while Redis is
# not running queues its events and warns once, and the next attempt after
# the backoff delivers every queued event and the newest snapshot; Redis
# restarted under a live connection; the bounded queue drops the oldest.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need redis-server redis-cli python3

DRIVER="$top_builddir/tests/unit/publish-driver"
[ -x "$DRIVER" ] || fail "$DRIVER is not built (make check builds it)"
PORT=$(free_port)
CHAN=anemone:ospf:changes
T0=1700000000000


# sub_start FILE: a subscriber to the change channel, its output into FILE
subscribed() { [ "$(R PUBSUB NUMSUB "$CHAN" | sed -n 2p)" = 1 ]; }
sub_start() {
	redis-cli -h 127.0.0.1 -p "$PORT" SUBSCRIBE "$CHAN" >"$1" 2>&1 &
	SUB_PID=$!
	BG_PIDS="$BG_PIDS $SUB_PID"
	wait_for 10 subscribed || fail "redis-cli SUBSCRIBE did not subscribe"
}
# messages FILE: the payload of each message the subscriber received
messages() { awk 'm == 2 { print; m = 0; next } m == 1 { m = 2; next } $0 == "message" { m = 1 }' "$1"; }
has_messages() { [ "$(messages "$2" | wc -l)" -ge "$1" ]; }

# same_text WHAT WANT GOT: file GOT (a value redis-cli printed) is file WANT
same_text() {
	{ cat "$2"; echo; } | cmp -s - "$3" || fail "$1 differs from $2: $(head -c 300 "$3")"
	info "$1 = $(basename "$2")"
}

# dstat LOG KEY: KEY=N from the driver's last stats line
dstat() { grep '^stats' "$1" | tail -1 | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# seqs: the "seq" of each JSON event on stdin, space-separated
seqs() { python3 -c 'import json, sys; print(" ".join(str(json.loads(l)["seq"]) for l in sys.stdin if l.strip()))'; }

# --- documents ---------------------------------------------------------------
cat >"$T/topo1.json" <<'EOF'
{"version":1,"time_ms":1700000000000,"areas":[{"area":"0.0.0.0",
 "routers":[{"id":"10.255.0.1","flags":["ABR"],"up":true},{"id":"10.255.0.2","flags":[],"up":true}],
 "links":[{"type":"p2p","a":"10.255.0.1","b":"10.255.0.2","a_addr":"10.1.0.1","b_addr":"10.1.0.2","cost_ab":10,"cost_ba":10}],
 "networks":[],"prefixes":[{"prefix":"10.100.1.0/24","kind":"stub","router":"10.255.0.2","cost":1}],
 "missing":{"routers":[],"networks":[]}}],
 "externals":[],"completeness":{"routers":2,"missing_routers":0,"missing_networks":0,"complete":true}}
EOF
sed 's/"cost_ab":10/"cost_ab":20/; s/"version":1/"version":2/' "$T/topo1.json" >"$T/topo2.json"
sed 's/"cost_ab":10/"cost_ab":30/; s/"version":1/"version":3/' "$T/topo1.json" >"$T/topo3.json"
printf '%s\n' '{"version":1,"time_ms":1700000000000,"lsas":[{"area":"0.0.0.0","age":1,"hex":"0001020a"}]}' >"$T/lsdb1.json"
printf '%s\n' '{"version":3,"time_ms":1700000000000,"lsas":[]}' >"$T/lsdb2.json"
EV='{"time_ms":1700000000000,"time":"2023-11-14T22:13:20.000Z","event":"router-appeared","area":"0.0.0.0","router":"10.255.0.2"}'

# --- Redis up: keys, values, events, notifications, the file -----------------
redis_start
sub_start "$T/sub1"
mkdir "$T/out"
"$DRIVER" -H 127.0.0.1 -p "$PORT" -k 5 -j "$T/out/topology.json" \
	at=$T0 topo=@"$T/topo1.json" lsdb=@"$T/lsdb1.json" event="$EV" events=2 publish=1 \
	at=$((T0 + 1000)) topo=@"$T/topo2.json" events=4 publish=2 \
	at=$((T0 + 2000)) publish=3 >"$T/d1.out" 2>"$T/d1.err" || fail "driver: $(cat "$T/d1.err")"
[ ! -s "$T/d1.err" ] || fail "driver complained: $(cat "$T/d1.err")"
expect_eq "publications with rv=0" "$(grep -c 'rv=0$' "$T/d1.out")" 3
expect_eq "published" "$(dstat "$T/d1.out" published)" 3
expect_eq "events_sent" "$(dstat "$T/d1.out" events_sent)" 7
expect_eq "redis_up" "$(dstat "$T/d1.out" redis_up)" 1

expect_eq "keys" "$(R KEYS '*' | sort | tr '\n' ' ')" \
	"anemone:ospf:events anemone:ospf:lsdb anemone:ospf:topology anemone:ospf:updated anemone:ospf:version "
for k in topology lsdb version updated; do
	expect_eq "type of $k" "$(R TYPE anemone:ospf:$k)" string
done
expect_eq "type of events" "$(R TYPE anemone:ospf:events)" list
expect_eq "version" "$(R GET anemone:ospf:version)" 3
expect_eq "updated" "$(R GET anemone:ospf:updated)" $((T0 + 2000))
R GET anemone:ospf:topology >"$T/got"; same_text "topology" "$T/topo2.json" "$T/got"
R GET anemone:ospf:lsdb >"$T/got"; same_text "lsdb" "$T/lsdb1.json" "$T/got"
# 7 events pushed, 5 kept, newest first
expect_eq "events kept" "$(R LLEN anemone:ospf:events)" 5
expect_eq "events, newest first" "$(R LRANGE anemone:ospf:events 0 -1 | seqs)" "6 5 4 3 2"

wait_for 10 has_messages 3 "$T/sub1" || fail "3 notifications expected: $(cat "$T/sub1")"
e1='{"event":"test","seq":1,"time_ms":1700000000000}'
e2='{"event":"test","seq":2,"time_ms":1700000000000}'
printf '%s\n' \
	"{\"version\":1,\"time_ms\":$T0,\"events\":[$EV,$e1,$e2]}" \
	"{\"version\":2,\"time_ms\":$((T0 + 1000)),\"events\":[$(for s in 3 4 5 6; do
		printf '{"event":"test","seq":%d,"time_ms":%d}' $s $((T0 + 1000)); done | sed 's/}{/},{/g')]}" \
	"{\"version\":3,\"time_ms\":$((T0 + 2000)),\"events\":[]}" >"$T/want-msgs"
messages "$T/sub1" >"$T/got-msgs"
cmp -s "$T/want-msgs" "$T/got-msgs" || fail "notifications: $(diff "$T/want-msgs" "$T/got-msgs")"
info "notifications: 3, as expected"
messages "$T/sub1" | while read -r m; do
	printf '%s' "$m" | python3 -m json.tool >/dev/null || fail "notification is not JSON: $m"
done || exit 1

python3 -m json.tool "$T/out/topology.json" >/dev/null || fail "the JSON file is not JSON"
python3 - "$T/out/topology.json" "$T/topo2.json" $((T0 + 2000)) <<'PY' || fail "JSON file content"
import json, sys
f = json.load(open(sys.argv[1]))
assert sorted(f) == ["time_ms", "topology", "version"], sorted(f)
assert f["version"] == 3 and f["time_ms"] == int(sys.argv[3]), f
assert f["topology"] == json.load(open(sys.argv[2]))
PY
expect_eq "files in the JSON file's directory" "$(ls -A "$T/out")" topology.json
expect_eq "file mode" "$(stat -c %a "$T/out/topology.json")" 644
expect_eq "file_writes" "$(dstat "$T/d1.out" file_writes)" 3

# prefix, database and password
R CONFIG SET requirepass s3cret >/dev/null
"$DRIVER" -H 127.0.0.1 -p "$PORT" -a s3cret -n 2 -P lab1: topo='{"x":1}' events=1 publish=7 \
	>"$T/d2.out" 2>"$T/d2.err" || fail "driver: $(cat "$T/d2.err")"
RA() { redis-cli -h 127.0.0.1 -p "$PORT" -a s3cret --no-auth-warning "$@"; }
expect_eq "db 2: lab1:ospf:version" "$(RA -n 2 GET lab1:ospf:version)" 7
expect_eq "db 2: lab1:ospf:topology" "$(RA -n 2 GET lab1:ospf:topology)" '{"x":1}'
expect_eq "db 0 untouched: version" "$(RA -n 0 GET anemone:ospf:version)" 3
"$DRIVER" -H 127.0.0.1 -p "$PORT" -a wrong publish=8 >"$T/d3.out" 2>"$T/d3.err"
grep -q "redis 127.0.0.1:$PORT: AUTH: .*; will retry" "$T/d3.err" ||
	fail "wrong password: $(cat "$T/d3.err")"
info "wrong password: $(cat "$T/d3.err")"
RA CONFIG SET requirepass '' >/dev/null

# an unwritable file: counted and logged, not fatal; Redis disabled
"$DRIVER" -j "$T/nonexistent/topology.json" publish=1 publish=2 >"$T/d4.out" 2>"$T/d4.err" ||
	fail "driver: $(cat "$T/d4.err")"
expect_eq "file_errors" "$(dstat "$T/d4.out" file_errors)" 2
expect_eq "file error lines" "$(grep -c 'nonexistent/topology.json: cannot create a temporary file: No such file or directory' "$T/d4.err")" 1
expect_eq "published without Redis" "$(dstat "$T/d4.out" published)" 0

# --- a server that accepts and never answers: the attempt is bounded ---------
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(5)
print(s.getsockname()[1], flush=True); time.sleep(60)' >"$T/mute.port" &
BG_PIDS="$BG_PIDS $!"
wait_for 10 test -s "$T/mute.port" || fail "mute server did not start"
t=$(date +%s%N)
"$DRIVER" -H 127.0.0.1 -p "$(cat "$T/mute.port")" -t 300 events=1 publish=1 >"$T/d5.out" 2>"$T/d5.err"
ms=$((($(date +%s%N) - t) / 1000000))
grep -q "timed out after 300 ms; will retry" "$T/d5.err" || fail "mute server: $(cat "$T/d5.err")"
[ "$ms" -lt 1500 ] || fail "an attempt against a mute server took $ms ms (timeout 300 ms)"
info "mute server: gave up after about $ms ms: $(head -1 "$T/d5.err")"

# --- Redis not running: queue, warn once, back off, deliver everything -------
redis_stop
rm -f "$T/go"
"$DRIVER" -H 127.0.0.1 -p "$PORT" \
	at=$T0 topo=@"$T/topo1.json" lsdb=@"$T/lsdb1.json" events=3 publish=10 \
	at=$((T0 + 500)) topo=@"$T/topo2.json" events=2 publish=11 \
	at=$((T0 + 1000)) tick at=$((T0 + 2000)) tick \
	at=$((T0 + 2500)) topo=@"$T/topo3.json" lsdb=@"$T/lsdb2.json" events=4 publish=12 stats \
	waitfile="$T/go" at=$((T0 + 2999)) tick stats at=$((T0 + 3000)) tick stats \
	>"$T/d6.out" 2>"$T/d6.err" &
drv=$!
BG_PIDS="$BG_PIDS $drv"
wait_for 10 grep -q '^stats' "$T/d6.out" ||
	fail "driver stuck: $(cat "$T/d6.out" "$T/d6.err")"
expect_eq "publications while down, rv=-1" "$(grep -c 'rv=-1$' "$T/d6.out")" 3
expect_eq "failed attempts (at 0 and 1000; 2000 and 2500 wait)" "$(dstat "$T/d6.out" redis_errors)" 2
redis_start
[ -z "$(R KEYS '*')" ] || fail "Redis not empty after a restart"
sub_start "$T/sub2"
touch "$T/go"
wait "$drv" || fail "driver failed: $(cat "$T/d6.err")"
expect_eq "warnings" "$(grep -c 'will retry' "$T/d6.err")" 1
grep -q " publish-driver warning: redis 127.0.0.1:$PORT: Connection refused; will retry$" "$T/d6.err" ||
	fail "warning: $(cat "$T/d6.err")"
grep -q "reachable again after 2 failed attempts; sent 9 queued events" "$T/d6.err" ||
	fail "reconnection not logged: $(cat "$T/d6.err")"
info "$(cat "$T/d6.err" | tr '\n' '|')"
expect_eq "redis_errors before the backoff expires (2999)" "$(grep '^stats' "$T/d6.out" | sed -n 2p | grep -o 'redis_errors=[0-9]*')" redis_errors=2
expect_eq "published" "$(dstat "$T/d6.out" published)" 1
expect_eq "reconnects" "$(dstat "$T/d6.out" reconnects)" 1
expect_eq "events_sent" "$(dstat "$T/d6.out" events_sent)" 9
expect_eq "version" "$(R GET anemone:ospf:version)" 12
expect_eq "updated (time of the newest snapshot)" "$(R GET anemone:ospf:updated)" $((T0 + 2500))
R GET anemone:ospf:topology >"$T/got"; same_text "topology" "$T/topo3.json" "$T/got"
R GET anemone:ospf:lsdb >"$T/got"; same_text "lsdb" "$T/lsdb2.json" "$T/got"
expect_eq "queued events, newest first" "$(R LRANGE anemone:ospf:events 0 -1 | seqs)" "9 8 7 6 5 4 3 2 1"
wait_for 10 has_messages 1 "$T/sub2" || fail "no notification after the outage"
expect_eq "notifications" "$(messages "$T/sub2" | wc -l)" 1
expect_eq "events of the notification" "$(messages "$T/sub2" |
	python3 -c 'import json, sys; m = json.load(sys.stdin); print(m["version"], m["time_ms"], " ".join(str(e["seq"]) for e in m["events"]))')" \
	"12 $((T0 + 2500)) 1 2 3 4 5 6 7 8 9"

# --- Redis restarted under a live connection ----------------------------------
rm -f "$T/down" "$T/up"
"$DRIVER" -H 127.0.0.1 -p "$PORT" at=$T0 events=1 publish=20 waitfile="$T/down" \
	at=$((T0 + 100)) events=2 publish=21 events=1 publish=22 waitfile="$T/up" \
	at=$((T0 + 1100)) tick >"$T/d7.out" 2>"$T/d7.err" &
drv=$!
BG_PIDS="$BG_PIDS $drv"
wait_for 10 grep -q 'publish version=20' "$T/d7.out" || fail "driver stuck: $(cat "$T/d7.err")"
redis_stop
touch "$T/down"
wait_for 10 grep -q 'publish version=22' "$T/d7.out" || fail "driver stuck: $(cat "$T/d7.err")"
redis_start
touch "$T/up"
wait "$drv" || fail "driver died (SIGPIPE?): status $?: $(cat "$T/d7.err")"
expect_eq "warnings" "$(grep -c 'will retry' "$T/d7.err")" 1
info "$(head -1 "$T/d7.err")"
expect_eq "version after the restart" "$(R GET anemone:ospf:version)" 22
expect_eq "events after the restart" "$(R LRANGE anemone:ospf:events 0 -1 | seqs)" "4 3 2"

# --- the queue is bounded: the oldest go, counted -----------------------------
redis_stop
rm -f "$T/go"
# (a generous timeout: this is about the bound, not about speed; 5 MB go
# twice, in the transaction and in the notification)
"$DRIVER" -H 127.0.0.1 -p "$PORT" -t 20000 at=$T0 events=100005 publish=30 waitfile="$T/go" \
	at=$((T0 + 1000)) tick >"$T/d8.out" 2>"$T/d8.err" &
drv=$!
BG_PIDS="$BG_PIDS $drv"
wait_for 30 grep -q 'rv=' "$T/d8.out" ||
	fail "driver stuck: $(cat "$T/d8.err")"
redis_start
sub_start "$T/sub3"
touch "$T/go"
wait "$drv" || fail "driver failed: $(cat "$T/d8.err")"
expect_eq "events_dropped" "$(dstat "$T/d8.out" events_dropped)" 5
expect_eq "events_sent" "$(dstat "$T/d8.out" events_sent)" 100000
expect_eq "queue-full warnings" "$(grep -c 'events queued, dropping the oldest' "$T/d8.err")" 1
expect_eq "failed attempts (the one while down)" "$(dstat "$T/d8.out" redis_errors)" 1
expect_eq "redis_up" "$(dstat "$T/d8.out" redis_up)" 1
expect_eq "events list length (default cap)" "$(R LLEN anemone:ospf:events)" 10000
expect_eq "newest and oldest kept" "$(R LRANGE anemone:ospf:events 0 0 | seqs) $(R LRANGE anemone:ospf:events -1 -1 | seqs)" "100005 90006"
wait_for 30 has_messages 1 "$T/sub3" || fail "no notification: $(cat "$T/d8.err")"
expect_eq "events of the notification" "$(messages "$T/sub3" |
	python3 -c 'import json, sys; e = json.load(sys.stdin)["events"]; print(len(e), e[0]["seq"], e[-1]["seq"])')" \
	"100000 6 100005"

# --- anemone-ospfmon itself ----------------------------------------------------
# Replaying the recorded lab with --redis and --json-file: what is in Redis at
# the end is the final topology (the golden file the replay test checks), its
# version, every event (newest first) and the database as hex LSAs.
OSPFMON="$top_builddir/ospfmon/anemone-ospfmon"
D="$top_srcdir/tests/data/ospf"
G="$D/golden"
R FLUSHALL >/dev/null
kill "$SUB_PID"; wait "$SUB_PID" 2>/dev/null
wait_for 10 sh -c "[ \"\$(redis-cli -h 127.0.0.1 -p $PORT PUBSUB NUMSUB $CHAN | sed -n 2p)\" = 0 ]" ||
	fail "the last subscriber did not go"
sub_start "$T/sub4"
"$OSPFMON" -r "$D/lab.pcap" -r "$D/change-cost.pcap" -r "$D/change-link-down.pcap" \
	-r "$D/change-link-up.pcap" -r "$D/change-add-router.pcap" \
	--redis "127.0.0.1:$PORT" --json-file "$T/ospf.json" --dump topology --json \
	>"$T/final.json" 2>"$T/ospfmon.err" || fail "anemone-ospfmon --redis: $(cat "$T/ospfmon.err")"
cmp -s "$T/final.json" "$G/final-topology.json" || fail "the replay's topology is not the golden one"
R GET anemone:ospf:topology | cmp -s - "$G/final-topology.json" ||
	fail "ospf:topology is not the final topology: $(R GET anemone:ospf:topology | head -c 300)"
version=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["version"])' "$G/final-topology.json")
expect_eq "ospf:version" "$(R GET anemone:ospf:version)" "$version"
expect_eq "ospf:events length" "$(R LLEN anemone:ospf:events)" "$(wc -l <"$G/events.json")"
R LRANGE anemone:ospf:events 0 -1 | tac | cmp -s - "$G/events.json" ||
	fail "ospf:events (oldest first) differ from the replay's events"
R GET anemone:ospf:lsdb | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["version"] == int(sys.argv[1]), d["version"]
for l in d["lsas"]:
    b = bytes.fromhex(l["hex"])
    assert len(b) == int.from_bytes(b[18:20], "big"), l
print(len(d["lsas"]))' "$version" >"$T/nlsas" || fail "ospf:lsdb is not the database: $(R GET anemone:ospf:lsdb | head -c 300)"
expect_eq "LSAs in ospf:lsdb" "$(cat "$T/nlsas")" "$(grep -c ' type ' "$G/final-lsdb.txt")"
python3 -c '
import json, sys
f = json.load(open(sys.argv[1])); g = json.load(open(sys.argv[2]))
assert f["version"] == g["version"] and f["topology"] == g, "JSON file differs"' "$T/ospf.json" "$G/final-topology.json" ||
	fail "the JSON file is not the final topology"
wait_for 10 has_messages "$version" "$T/sub4" || fail "fewer than $version notifications: $(messages "$T/sub4" | wc -l)"
expect_eq "events in the notifications" "$(messages "$T/sub4" |
	python3 -c 'import json, sys; print(sum(len(json.loads(l)["events"]) for l in sys.stdin))')" "$(wc -l <"$G/events.json")"
grep -q 'publish published=[1-9]' "$T/ospfmon.err" || fail "no publish stats: $(cat "$T/ospfmon.err")"
exit 0
