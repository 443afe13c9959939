#!/bin/sh
# What the three daemons share on the command line: -V prints "NAME (anemone)
# VERSION" and -h the usage on stdout, both exit 0; an unknown option prints
# the usage on stderr, exit 2; without -c each reads NAME.conf from the
# configuration directory when it is there (ANEMONE_CONFIG_DIR stands in for
# SYSCONFDIR/anemone), and nothing when it is not; every log line on stderr
# starts with an ISO-8601 UTC time in milliseconds, the program and the level.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

COLLECTOR="$top_builddir/collector/anemone-collector"
OSPFMON="$top_builddir/ospfmon/anemone-ospfmon"

# run NAME ARGS...: exit status in $rc, stdout in $T/out, stderr in $T/err
run() { "$@" >"$T/out" 2>"$T/err"; rc=$?; }

# the arguments each needs to pass -n without a configuration file
args_exporter="-r $CAPS/http.pcap -x v5:127.0.0.1:9"
args_collector="-l v5:127.0.0.1:9 --no-redis --topology none"
args_ospfmon=""

mkdir "$T/etc"
for d in exporter collector ospfmon; do
	name=anemone-$d
	prog="$top_builddir/$d/$name"
	run "$prog" -V
	expect_eq "$name -V: exit" "$rc" 0
	grep -Eq "^$name \\(anemone\\) [0-9]+\\.[0-9]+" "$T/out" && [ "$(wc -l <"$T/out")" = 1 ] ||
		fail "$name -V: '$(cat "$T/out")'"
	run "$prog" -h
	expect_eq "$name -h: exit" "$rc" 0
	grep -q "^usage: $name" "$T/out" && [ ! -s "$T/err" ] || fail "$name -h: usage not on stdout alone"
	run "$prog" --no-such-option
	expect_eq "$name --no-such-option: exit" "$rc" 2
	grep -q "usage: $name" "$T/err" && [ ! -s "$T/out" ] || fail "$name: usage error not on stderr"
	run "$prog" --version
	grep -q "^$name (anemone)" "$T/out" && [ "$rc" = 0 ] || fail "$name --version: '$(cat "$T/out")'"

	eval "a=\$args_$d"
	# shellcheck disable=SC2086
	ANEMONE_CONFIG_DIR="$T/etc" run "$prog" -n $a
	expect_eq "$name -n, no default file: exit" "$rc" 0
	echo "no-such-setting = 1;" >"$T/etc/$name.conf"
	# shellcheck disable=SC2086
	ANEMONE_CONFIG_DIR="$T/etc" run "$prog" -n $a
	expect_eq "$name -n, a default file: exit" "$rc" 2
	grep -q "^$T/etc/$name.conf:1: unknown setting 'no-such-setting'" "$T/err" ||
		fail "$name: the default file was not read: $(cat "$T/err")"
	# -c wins over the default
	echo "" >"$T/given.conf"
	# shellcheck disable=SC2086
	ANEMONE_CONFIG_DIR="$T/etc" run "$prog" -n -c "$T/given.conf" $a
	expect_eq "$name -n -c FILE with a bad default file: exit" "$rc" 0
done
info "-V, -h, usage errors and the default configuration file alike in all three"

# log lines: time, program, level
"$OSPFMON" -r "$top_srcdir/tests/data/ospf/lab.pcap" --dump events >/dev/null 2>"$T/log" ||
	fail "ospfmon replay: $(cat "$T/log")"
[ "$(wc -l <"$T/log")" -ge 2 ] || fail "ospfmon logged nothing: $(cat "$T/log")"
bad=$(grep -Ev '^[0-9]{4}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{3}Z anemone-ospfmon (info|warning|debug|fatal): ' "$T/log")
[ -z "$bad" ] || fail "log lines without time and level: $bad"
info "$(head -1 "$T/log")"
exit 0
