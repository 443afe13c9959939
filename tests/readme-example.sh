#!/bin/sh
# README's first command, as a new user runs it: from a fresh clone of the
# repository (a copy of the source tree when this is not a git checkout),
# `sh scripts/run-example` must install nothing more, build, load the
# bundled network and print the whole report -- events, the top links and
# router pairs, top talkers, a path, a what-if failing the busiest backbone
# link, the topology picture.  As root, it runs as user nobody: nothing in
# it may need root once the packages are there.  The clone is of the
# committed tree (HEAD), not of uncommitted changes.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need python3 redis-server redis-cli neato
[ "${ANEMONE_README_TEST:-yes}" != no ] ||
	skip "README command not run in this build (ANEMONE_README_TEST=no: the sanitizer and distcheck builds; the main build runs it)"

chmod 755 "$T"
C="$T/clone"
if [ -d "$top_srcdir/.git" ] && command -v git >/dev/null 2>&1; then
	git clone -q "$top_srcdir" "$C" || fail "git clone"
	info "fresh clone of $(git -C "$C" rev-parse --short HEAD)"
else
	mkdir "$C"
	(cd "$top_srcdir" && tar --exclude=./_build --exclude=./_inst --exclude=./build -cf - .) |
		(cd "$C" && tar -xf -) || fail "copying the source tree"
	info "a copy of the source tree (not a git checkout)"
fi

run() {
	if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1 && command -v runuser >/dev/null 2>&1; then
		mkdir -p "$T/home"
		chown -R nobody "$C" "$T/home"
		info "running as user nobody"
		runuser -u nobody -- env HOME="$T/home" TMPDIR="$T/home" PATH="$PATH" sh "$C/scripts/run-example"
	else
		sh "$C/scripts/run-example"
	fi
}
start=$(date +%s)
run >"$T/out" 2>&1 || { tail -40 "$T/out" >&2; fail "scripts/run-example exited $?"; }
info "scripts/run-example took $(( $(date +%s) - start )) s (build included)"
sed 's/^/   | /' "$T/out"

O="$T/out"
has() { grep -q -- "$1" "$O" || fail "the report lacks: $1"; }
has "load: anemone-collector: records-ipfix=[1-9][0-9]* routed=[1-9][0-9]* unrouted=0"
has "newest OSPF topology events"
has "^Top links, 2026-11-02 "
has "^1  *dc-core"
has "^Top router pairs"
has "^Top talkers"
has "^Path 10.100.5.10 -> 10.100.6.20: enters at hq-access"
has "^2 paths (equal cost"
has "^Changes: fail-link hq-core[12]-dc-core[12]"
has "links* at or over 80% of capacity after the change"
has "^Topology: 10 routers, 1 LAN, 15 links drawn"
for f in topology.svg topology.png; do
	[ -s "$C/build/example/$f" ] || fail "build/example/$f was not written"
done
head -c 8 "$C/build/example/topology.png" | od -An -tx1 | grep -q "89 50 4e 47 0d 0a 1a 0a" ||
	fail "topology.png is not a PNG"
python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$C/build/example/topology.svg" ||
	fail "topology.svg is not XML"
echo PASS
