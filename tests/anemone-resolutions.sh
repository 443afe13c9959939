#!/bin/sh
# The anemone command reads the buckets of every flush interval a collector
# accepts (one table of resolutions, redis/schema.c): a collector flushing
# every 12 s (a flush interval the command's own list once lacked) writes
# <prefix>...:12s series, and a 12-second window is read from them, at
# that resolution, with exactly the records of that bucket.  The export
# clock places three datagrams, 12 s apart, in three consecutive buckets,
# so nothing depends on when the test runs.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need redis-server redis-cli python3 ss

ANEMONE="$top_builddir/cli/anemone"
SEND="$top_srcdir/tests/v5-send"
T0=1700000004                    # a multiple of 12 s: a bucket starts there
PORT=$(free_port)
redis_start

cport=$(free_port)
collector_start res "v5:127.0.0.1:$cport" 'clock = "exporter";' --topology none --flush 12s
sent=$("$SEND" "$cport" --rate 100 --count 3 --export-time "$T0" --export-step 12)
collector_stop "$cport"
expect_eq "records sent" "$(field "$sent" flows)" 90
expect_eq "the collector's newest 12s bucket" "$(R GET res:updated:12s)" "$(((T0 + 24) * 1000))"

# the second bucket, [T0 + 12, T0 + 24): the second datagram's 30 records
"$ANEMONE" --redis "127.0.0.1:$PORT" --prefix res: --json --window 12s --until $((T0 + 24)) \
	exporters >"$T/exp.json" 2>"$T/cli.err" || fail "anemone exporters: $(cat "$T/cli.err")"
py() { python3 -c "import json, sys; d = json.load(open(sys.argv[1])); print($1)" "$T/exp.json"; }
expect_eq "the window's resolution" "$(py 'd["window"]["resolution"]')" 12s
expect_eq "the window" "$(py 'd["window"]["from_ms"], d["window"]["until_ms"]')" \
	"$(((T0 + 12) * 1000)) $(((T0 + 24) * 1000))"
expect_eq "records in the window" "$(py 'sum(e["window"]["records"] for e in d["exporters"])')" 30
