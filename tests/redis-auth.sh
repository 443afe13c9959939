#!/bin/sh
# Every program that talks to Redis against a redis-server that requires
# authentication (an ACL file: the default user with a password, and a user
# "flows" of its own):
#  - with the password: anemone-ospfmon publishes a replayed topology, the
#    collector takes it from Redis and writes the records sent to it, and
#    the anemone command reads both, its password given by the environment
#    (ANEMONE_REDIS_PASSWORD), a file (--redis-password-file) or the option
#    (and from another database: --redis-db);
#  - the same as user "flows" (AUTH user password): Redis lists the
#    collector's connections under that user;
#  - without a password or with a wrong one: the anemone command says so
#    and exits 1; the collector and ospfmon log the refusal once, keep
#    running and exit cleanly.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need redis-server redis-cli python3 ss

ANEMONE="$top_builddir/cli/anemone"
OSPFMON="$top_builddir/ospfmon/anemone-ospfmon"
SEND="$top_srcdir/tests/v5-send"
LAB="$top_srcdir/tests/data/ospf/lab.pcap"
PORT=$(free_port)
cat >"$T/users.acl" <<'EOF'
user default on >secret ~* &* +@all
user flows on >flowpw ~* &* +@all
EOF
REDISCLI_AUTH=secret     # for redis-cli (R) as the default user
export REDISCLI_AUTH
REDIS_ARGS="--aclfile $T/users.acl"
redis_start
[ "$(redis-cli -h 127.0.0.1 -p "$PORT" --no-auth-warning -a wrong PING 2>&1)" != PONG ] ||
	fail "the server does not require authentication"

logged() { grep -q "$2" "$1"; }

# publish NAME "PUBLISH-SETTINGS": ospfmon replays the lab into Redis
publish() {
	printf 'publish = { redis-host = "127.0.0.1"; redis-port = %s; prefix = "%s:"; %s };\n' \
		"$PORT" "$1" "$2" >"$T/ospf-$1.conf"
	"$OSPFMON" -c "$T/ospf-$1.conf" -r "$LAB" >"$T/ospf-$1.log" 2>&1 ||
		fail "$1: anemone-ospfmon: $(cat "$T/ospf-$1.log")"
}

# flows NAME "REDIS-SETTINGS": a collector writes records sent to it; it
# takes the topology ospfmon published under the same prefix
flows() {
	cport=$(free_port)
	collector_start "$1" "v5:127.0.0.1:$cport" "redis = { $2 };" --flush 1s
	wait_for 20 logged "$T/$1.log" "topology loaded" ||
		fail "$1: the collector did not take the topology from Redis"
	sent=$("$SEND" "$cport" --rate 500 --count 20)
}

A() { "$ANEMONE" --redis "127.0.0.1:$PORT" "$@"; }

info "the default user's password"
publish pw 'redis-password = "secret";'
[ -n "$(R GET pw:ospf:version)" ] || fail "ospfmon published nothing: $(cat "$T/ospf-pw.log")"
flows pw 'password = "secret";'
collector_stop "$cport"
expect_eq "pw: flows in Redis" "$(R HGET pw:totals flows)" "$(field "$sent" flows)"
ANEMONE_REDIS_PASSWORD=secret A --prefix pw: --json exporters >"$T/cli-env.json" 2>"$T/cli.err" ||
	fail "anemone, password in the environment: $(cat "$T/cli.err")"
expect_eq "anemone (ANEMONE_REDIS_PASSWORD): records of the exporter" \
	"$(python3 -c 'import json, sys; print(sum(e["records"] for e in json.load(open(sys.argv[1]))["exporters"]))' "$T/cli-env.json")" \
	"$(field "$sent" flows)"
printf 'secret\n' >"$T/pw"
A --redis-password-file "$T/pw" --prefix pw: events -n 3 >"$T/cli-file.txt" 2>"$T/cli.err" ||
	fail "anemone --redis-password-file: $(cat "$T/cli.err")"
grep -q "external-added" "$T/cli-file.txt" || fail "anemone events: $(cat "$T/cli-file.txt")"
info "anemone --redis-password-file: events read"
A --redis-password secret --prefix pw: --json exporters >/dev/null 2>"$T/cli.err" ||
	fail "anemone --redis-password: $(cat "$T/cli.err")"
info "anemone --redis-password: exporters read"

R SWAPDB 0 5 >/dev/null          # the data in database 5: --redis-db
ANEMONE_REDIS_PASSWORD=secret A --redis-db 5 --prefix pw: --json exporters >/dev/null 2>"$T/cli.err" ||
	fail "anemone --redis-db 5: $(cat "$T/cli.err")"
info "anemone --redis-db 5: exporters read"
R SWAPDB 0 5 >/dev/null

PROG=$ANEMONE
expect_exit 1 "NOAUTH.*password" --redis "127.0.0.1:$PORT" --prefix pw: exporters
ANEMONE_REDIS_PASSWORD=wrong expect_exit 1 "authentication.*WRONGPASS" \
	--redis "127.0.0.1:$PORT" --prefix pw: exporters
expect_exit 2 "--redis-password-file $T/none: " --redis "127.0.0.1:$PORT" \
	--redis-password-file "$T/none" exporters

info "an ACL user"
publish acl 'redis-user = "flows"; redis-password = "flowpw";'
[ -n "$(R GET acl:ospf:version)" ] || fail "ospfmon published nothing as user flows"
flows acl 'user = "flows"; password = "flowpw";'
users=$(R CLIENT LIST | grep -c " user=flows ")
[ "$users" -ge 2 ] || fail "acl: the collector's writer and poll are not connected as flows ($users): $(R CLIENT LIST)"
info "acl: connections as user flows: $users"
collector_stop "$cport"
expect_eq "acl: flows in Redis" "$(R HGET acl:totals flows)" "$(field "$sent" flows)"
ANEMONE_REDIS_PASSWORD=flowpw A --redis-user flows --prefix acl: --json exporters \
	>"$T/cli-acl.json" 2>"$T/cli.err" || fail "anemone --redis-user: $(cat "$T/cli.err")"
info "anemone --redis-user: exporters read"
ANEMONE_REDIS_PASSWORD=secret expect_exit 1 "authentication.*WRONGPASS" \
	--redis "127.0.0.1:$PORT" --redis-user flows --prefix acl: exporters

info "a wrong password: refused, logged once, no crash; a replay exits 1"
printf 'publish = { redis-host = "127.0.0.1"; redis-port = %s; prefix = "bad:"; redis-user = "flows"; redis-password = "nope"; timeout = "200ms"; };\n' \
	"$PORT" >"$T/ospf-bad.conf"
"$OSPFMON" -c "$T/ospf-bad.conf" -r "$LAB" >"$T/ospf-bad.log" 2>&1
st=$?
# nothing reached Redis: a replay says so in its exit status
[ "$st" -eq 1 ] || fail "ospfmon with a wrong password: exit $st, want 1: $(cat "$T/ospf-bad.log")"
grep -q "replay not delivered to Redis: [1-9][0-9]* events and 2 documents unsent" "$T/ospf-bad.log" ||
	fail "ospfmon: what was not sent is not counted: $(cat "$T/ospf-bad.log")"
grep -q "AUTH: WRONGPASS" "$T/ospf-bad.log" || fail "ospfmon: refusal not logged: $(cat "$T/ospf-bad.log")"
info "ospfmon: $(grep -m1 WRONGPASS "$T/ospf-bad.log")"
cport=$(free_port)
collector_start bad "v5:127.0.0.1:$cport" 'redis = { user = "flows"; password = "nope"; };' --flush 1s
"$SEND" "$cport" --rate 500 --count 20 >/dev/null
wait_for 10 logged "$T/bad.log" "AUTH: WRONGPASS" || fail "the collector did not log the refusal"
collector_stop "$cport"
expect_eq "bad: refusals logged as warnings" "$(grep -c "WRONGPASS.*will retry" "$T/bad.log")" 2
grep -q "interval.* not written" "$T/bad.log" || fail "bad: unwritten intervals not reported"
expect_eq "bad: nothing written" "$(R EXISTS bad:totals)" 0
echo PASS
