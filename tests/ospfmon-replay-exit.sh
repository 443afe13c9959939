#!/bin/sh
# anemone-ospfmon -r FILE --redis: the exit status says whether what the
# replay produced reached Redis.  To a port nothing listens on: exit 1 and
# one line counting the events and documents left unsent (the events are
# those the same replay counts without Redis, events=N); to a live Redis:
# exit 0, no such line, and every event in the events list.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need redis-server redis-cli python3

OSPFMON="$top_builddir/ospfmon/anemone-ospfmon"
CAP="$top_srcdir/tests/data/ospf/lab.pcap"

"$OSPFMON" -r "$CAP" --dump events >"$T/events" 2>"$T/events.err" ||
	fail "replay without Redis: exit $?: $(cat "$T/events.err")"
nev=$(grep ': stats ' "$T/events.err" | tr ' ' '\n' | sed -n 's/^events=//p')
[ "${nev:-0}" -gt 0 ] || fail "the replay yields no event: $(cat "$T/events.err")"

# nothing listens on PORT
PORT=$(free_port)
"$OSPFMON" -r "$CAP" --redis "127.0.0.1:$PORT" --dump events >/dev/null 2>"$T/dead.err"
rc=$?
expect_eq "exit status, Redis refusing" "$rc" 1
line=$(grep 'replay not delivered to Redis' "$T/dead.err")
expect_eq "the line counting what was not sent" \
	"$(echo "$line" | sed 's/.*: replay/replay/')" \
	"replay not delivered to Redis: $nev events and 2 documents unsent"
info "dead Redis: exit 1, $line"

# a live Redis: everything delivered
redis_start
"$OSPFMON" -r "$CAP" --redis "127.0.0.1:$PORT" --dump events >/dev/null 2>"$T/live.err" ||
	fail "live Redis: exit $?: $(cat "$T/live.err")"
grep -q 'not delivered' "$T/live.err" && fail "live Redis: $(cat "$T/live.err")"
expect_eq "events in Redis" "$(R LLEN anemone:ospf:events)" "$nev"
info "live Redis: exit 0, $nev events in anemone:ospf:events"
exit 0
