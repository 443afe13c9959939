#!/bin/sh
# The anemone command's three output formats agree, on the bundled
# enterprise network (tests/data/enterprise, loaded once):
#   - --json of every command is one valid JSON document (python3's json);
#   - --csv of every command that prints a table parses with python3's csv
#     module (tables of one answer separated by an empty line) and every
#     value equals the --json answer's (numbers, ids, names) and the text
#     table's (row order, labels, counts, shares, utilisation, status);
#   - an event that is not JSON is shown as such and keeps --json valid;
#   - topo --csv (no table) and --json --csv together are usage errors.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need redis-server redis-cli python3 ss neato

ANEMONE="$top_builddir/cli/anemone"
E="$top_srcdir/tests/data/enterprise"
PORT=$(free_port)
redis_start
"$E/load" --redis "127.0.0.1:$PORT" --build "$top_builddir" --work "$T/load" >"$T/load.out" 2>&1 ||
	fail "loading the enterprise network: $(tail -20 "$T/load.out")"

A() { "$ANEMONE" --redis "127.0.0.1:$PORT" "$@"; }
HOUR="--window 1h --until 2026-11-02T15:00Z"

# run NAME ARGS...: the text, --json and --csv answers (NAME.txt/.json/.csv;
# no .csv when CSV is not expected to work), each exit 0 and silent on stderr
run() {
	name=$1; shift
	for fmt in txt json csv; do
		case $fmt in txt) o= ;; json) o=--json ;; csv) o=--csv ;; esac
		[ "$fmt" = csv ] && [ "$name" = topo ] && continue
		# shellcheck disable=SC2086
		(cd "$T" && A $o "$@") >"$T/$name.$fmt" 2>"$T/err" || fail "anemone $o $*: exit $?: $(cat "$T/err")"
		[ -s "$T/err" ] && fail "anemone $o $*: $(cat "$T/err")"
		[ -s "$T/$name.$fmt" ] || fail "anemone $o $*: no output"
	done
	names="$names $name"
}
names=
# shellcheck disable=SC2086
{
	run top-links $HOUR top links
	run top-pairs $HOUR top pairs -n 15
	run top-talkers --window 1d top talkers
	run top-prefixes $HOUR top prefixes
	run link $HOUR link hq-core1-dc-core1
	run link-day --window 1d -n 3 link dc-core1-hq-core1
	run path path 10.100.1.10 10.100.4.20
	run path-lan path 10.100.5.77 10.100.6.10
	run whatif $HOUR whatif --fail-link hq-core1-dc-core1 --threshold 30
	run whatif-router $HOUR whatif --fail-router dc-core2
	run topo $HOUR topo --dot t.dot
	run events -n 1000 events
	run exporters exporters
}

# shellcheck disable=SC2086
python3 - "$T" $names <<'PY' || fail "the formats disagree"
import csv, io, json, re, sys

d = sys.argv[1]
checked = 0

def fail(name, msg):
    sys.exit("%s: %s" % (name, msg))

def eq(name, what, got, want):
    global checked
    checked += 1
    if got != want:
        fail(name, "%s: CSV %r, want %r" % (what, got, want))

def tables(name):
    """The CSV answer's tables: lists of dicts, split at empty rows."""
    rows = list(csv.reader(io.StringIO(open("%s/%s.csv" % (d, name), newline="").read())))
    out, cur = [], []
    for r in rows + [[]]:
        if r:
            cur.append(r)
        elif cur:
            head = cur[0]
            for x in cur[1:]:
                if len(x) != len(head):
                    fail(name, "a row of %d cells under %d columns: %r" % (len(x), len(head), x))
            out.append([dict(zip(head, x)) for x in cur[1:]])
            cur = []
    return out

def text_rows(name, header):
    """The rows of the text table whose header line starts with header:
    cells split at two blanks or more."""
    lines = open("%s/%s.txt" % (d, name)).read().split("\n")
    for i, l in enumerate(lines):
        if l.strip().startswith(header):
            rows = []
            for l2 in lines[i + 1:]:
                if not l2.strip() or l2.startswith("(") or not l2.startswith(" " * (len(l) - len(l.lstrip()))):
                    break
                rows.append(re.split(r" {2,}", l2.strip()))
            return rows
    fail(name, "no text table %r" % header)

def label(i, n):
    return n if n else i

def num(v):
    return "" if v is None else str(v)

def f4(v):
    return "" if v is None else "%.4f" % v

for name in sys.argv[2:]:
    j = json.load(open("%s/%s.json" % (d, name)))      # valid JSON, or this fails
    if name == "topo":
        assert set(j) >= {"window", "routers", "networks", "edges", "files"}, j
        continue
    t = tables(name)
    if name in ("top-links", "top-pairs"):
        key, a, b = ("links", "a", "b") if name == "top-links" else ("pairs", "ingress", "egress")
        (rows,) = t
        js, tx = j[key], text_rows(name, "#")
        eq(name, "rows", len(rows), len(js))
        eq(name, "text rows", len(tx), len(js))
        for k, (r, w, x) in enumerate(zip(rows, js, tx)):
            eq(name, "rank", r["rank"], str(k + 1))
            eq(name, "rank (text)", r["rank"], x[0])
            for f in ("id", a, a + "_name", b, b + "_name", "bytes", "packets", "flows", "bps"):
                eq(name, f, r[f], num(w[f]) if f not in ("id",) else w[f])
            eq(name, "label (text)", "%s -> %s" % (label(r[a], r[a + "_name"]), label(r[b], r[b + "_name"])), x[1])
            eq(name, "packets (text)", r["packets"], x[3])
            eq(name, "flows (text)", r["flows"], x[4])
            if key == "links":
                eq(name, "capacity_bps", r["capacity_bps"], num(w["capacity_bps"]))
                eq(name, "utilisation", r["utilisation"], f4(w["utilisation"]))
                # the text rounds the exact ratio to 0.1%, the CSV to 0.0001
                if r["utilisation"]:
                    eq(name, "util (text)", abs(float(x[7].rstrip("%")) - 100 * float(r["utilisation"])) <= 0.051, True)
                else:
                    eq(name, "util (text)", x[7], "-")
        assert any(r.get("capacity_bps") for r in rows) or key == "pairs", "no capacity in %s" % name
    elif name in ("top-talkers", "top-prefixes"):
        key, m = ("talkers", "host") if name == "top-talkers" else ("prefixes", "prefix")
        (rows,) = t
        js, tx = j[key], text_rows(name, "#")
        eq(name, "rows", len(rows), len(js))
        eq(name, "text rows", len(tx), len(js))
        for r, w, x in zip(rows, js, tx):
            for f in (m, "bytes", "packets", "bps"):
                eq(name, f, r[f], num(w[f]))
            eq(name, m + " (text)", r[m], x[1])
            eq(name, "packets (text)", r["packets"], x[3])
    elif name.startswith("link"):
        series, pairs, srcs, sinks = t
        js = j["series"]
        eq(name, "buckets", len(series), len(js))
        eq(name, "buckets (text)", len(series), len(text_rows(name, "BUCKET")))
        cap = j["link"]["capacity_bps"]
        for r, w in zip(series, js):
            for f in ("time_ms", "bytes", "packets", "flows"):
                eq(name, f, r[f], num(w[f]))
            if cap:
                eq(name, "utilisation", r["utilisation"], "%.4f" % (int(r["bps"]) / cap))
        eq(name, "pairs", len(pairs), len(j["pairs"]))
        att = j["attributed_bytes"]
        txp = text_rows(name, "INGRESS -> EGRESS")
        for k, (r, w) in enumerate(zip(pairs, j["pairs"])):
            for f in ("ingress", "ingress_name", "egress", "egress_name", "bytes", "packets"):
                eq(name, f, r[f], num(w[f]))
            eq(name, "share", r["share"], "%.1f" % (100.0 * w["bytes"] / att))
            if k < len(txp):
                eq(name, "pair (text)", "%s -> %s" % (label(r["ingress"], r["ingress_name"]),
                                                     label(r["egress"], r["egress_name"])), txp[k][0])
                eq(name, "share (text)", r["share"] + "%", txp[k][3])
        eq(name, "pairs in the text (-n)", len(txp), min(len(pairs), 3 if name == "link-day" else 10))
        for side, rows, col in (("sources", srcs, "source"), ("sinks", sinks, "sink")):
            eq(name, side, len(rows), len(j[side]))
            for r, w in zip(rows, j[side]):
                eq(name, side, (r[col], r["name"], r["bytes"]), (w["router"], num(w["router_name"]), num(w["bytes"])))
        assert len(pairs) > 1 and len(srcs) > 1, "%s: too little traffic to compare" % name
    elif name.startswith("path"):
        (hops,) = t
        tx = text_rows(name, "FROM")
        eq(name, "hops", len(hops), len(j["links"]))
        eq(name, "hops (text)", len(hops), len(tx))
        want = sorted((l["a"], num(l["a_name"]), l["b"], num(l["b_name"]), num(l["via"]), str(l["cost"]),
                       "%.6f" % l["share"]) for l in j["links"])
        got = sorted((r["a"], r["a_name"], r["b"], r["b_name"], r["via"], r["cost"], r["share"]) for r in hops)
        eq(name, "hops (JSON)", got, want)
        for r, x in zip(hops, tx):
            eq(name, "from (text)", label(r["a"], r["a_name"]), x[0])
            eq(name, "to (text)", label(r["b"], r["b_name"]), x[1])
            eq(name, "via (text)", "LAN " + r["via"] if r["via"] else "point-to-point", x[2])
            eq(name, "cost (text)", r["cost"], x[3])
            eq(name, "share (text)", "%.1f%%" % (float(r["share"]) * 100), x[4])
    elif name.startswith("whatif"):
        links, un = t
        js, tx = j["links"], text_rows(name, "LINK")
        eq(name, "links", len(links), len(js))
        eq(name, "links (text)", len(links), len(tx))
        for r, w, x in zip(links, js, tx):
            for f in ("id", "a", "a_name", "b", "b_name", "capacity_bps"):
                eq(name, f, r[f], num(w[f]))
            for side in ("before", "after"):
                for f in ("bytes", "packets", "bps"):
                    eq(name, side + "_" + f, r[side + "_" + f], num(w[side][f]))
                eq(name, side + "_utilisation", r[side + "_utilisation"], f4(w[side]["utilisation"]))
            eq(name, "over_threshold", r["over_threshold"], "true" if w["over_threshold"] else "false")
            eq(name, "label (text)", "%s -> %s" % (label(r["a"], r["a_name"]), label(r["b"], r["b_name"])), x[0])
            eq(name, "change (text)", r["change"], x[6])
            eq(name, "OVER (text)", r["over_threshold"] == "true", len(x) > 7 and x[7] == "OVER")
        want = [(s, u["ingress"], num(u["ingress_name"]), u["egress"], num(u["egress_name"]), num(u["bytes"]),
                 num(u["packets"]), u["reason"]) for s in ("before", "after") for u in j["unreachable_" + s]]
        got = [(r["unreachable"], r["ingress"], r["ingress_name"], r["egress"], r["egress_name"], r["bytes"],
                r["packets"], r["reason"]) for r in un]
        eq(name, "unreachable", got, want)
        if name == "whatif":
            assert any(r["over_threshold"] == "true" for r in links), "no link over 30%"
        else:
            assert un, "no pair unreachable after failing dc-core2"
    elif name == "events":
        (rows,) = t
        js = j["events"]
        lines = open("%s/%s.txt" % (d, name)).read().rstrip("\n").split("\n")[1:]
        eq(name, "events", len(rows), len(js))
        eq(name, "events (text)", len(rows), len(lines))
        for r, w, l in zip(rows, js, lines):
            eq(name, "time_ms", r["time_ms"], str(w["time_ms"]))
            eq(name, "time", r["time"], w["time"])
            eq(name, "event", r["event"], w["event"])
            eq(name, "line (text)", "%-24s  %-18s %s" % (r["time"], r["event"], r["details"]), l)
    elif name == "exporters":
        (rows,) = t
        js, tx = j["exporters"], text_rows(name, "EXPORTER")
        eq(name, "exporters", len(rows), len(js))
        eq(name, "exporters (text)", len(tx), len(js))
        if not js:
            fail(name, "no exporter in the answer")
        for r, w, x in zip(rows, js, tx):
            for f in ("records", "bytes", "packets", "lost"):
                eq(name, "window_" + f, r["window_" + f], str(w["window"][f]))
            eq(name, "window_loss", r["window_loss"], "%.6f" % w["window"]["loss"])
            for f in ("exporter", "records", "lost", "last_seen_ms", "templates", "status"):
                eq(name, f, r[f], num(w[f]))
            eq(name, "exporter (text)", r["exporter"], x[0])
            eq(name, "records (text)", r["window_records"], x[1])
            eq(name, "status (text)", r["status"], x[-1])
    else:
        fail(name, "no check")
if checked == 0:
    sys.exit("no CSV value compared")
print("-- %d answers: JSON valid, %d CSV values equal to the JSON and the text" % (len(sys.argv) - 2, checked))
PY

# an event that is not JSON (never written by ospfmon): the text says so,
# --json stays JSON, wrapping it
R LPUSH anemone:ospf:events '{"time":"cut short' >/dev/null || fail "LPUSH"
A -n 2 events >"$T/bad.txt" 2>"$T/err" || fail "events with a broken event: exit $?: $(cat "$T/err")"
tail -1 "$T/bad.txt" | grep -q ' text={"time":"cut short$' || fail "events: the broken event: $(tail -1 "$T/bad.txt")"
A --json -n 2 events >"$T/bad.json" || fail "events --json with a broken event: exit $?"
python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["events"]
assert len(e) == 2 and e[1] == {"unreadable": "{\"time\":\"cut short"} and "event" in e[0], e
' "$T/bad.json" || fail "events --json with a broken event: $(cat "$T/bad.json")"
info "a broken event: shown as text=..., wrapped in --json"

PROG=$ANEMONE
RP="--redis 127.0.0.1:$PORT"
# shellcheck disable=SC2086
{
	expect_exit 2 "topo: no table to print as CSV" $RP --csv topo --dot "$T/x.dot"
	expect_exit 2 "--json or --csv, not both" $RP --json --csv top links
}
exit 0
