#!/bin/sh
# The layers of the tree (issue 16): no folder includes a header of a folder
# that depends on it, and the programs that need no IPFIX link no libfixbuf.
#
# Each folder may include headers of the folders listed for it and no other:
#   lib/        itself only (the base layer: every folder may use it)
#   capture/    itself and lib/ (packets in: interface, backends, decoder)
#   redis/      itself and lib/ (the schema and the writer)
#   exporter/   itself, capture/ and lib/
#   dpdk/       itself, exporter/, capture/ and lib/ (a source of ended
#               flows of the exporter's: exporter/source.h)
#   ospfmon/    itself, capture/, redis/ and lib/
#   collector/  itself, redis/ and lib/
#   cli/        itself, redis/ and lib/
# A quoted include names a header alone (a path is reported) and is
# resolved as the compiler would: the including file's own folder first,
# then the other folders in a fixed order (a header name is unique outside
# its own folder); a header found in none of them is reported too, since
# it would come from a folder the list does not allow.  System headers
# (<...>) are not ours.  The list is acyclic, so no folder can include,
# even through another, a folder that depends on it; the test checks that
# as well, so that widening one folder's list cannot close a loop unseen.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
cd "$top_srcdir" || fail "no source tree"

ALLOWED="lib:lib capture:capture,lib redis:redis,lib exporter:exporter,capture,lib
dpdk:dpdk,exporter,capture,lib ospfmon:ospfmon,capture,redis,lib
collector:collector,redis,lib cli:cli,redis,lib"

allowed_of() {
	for e in $ALLOWED; do
		[ "${e%%:*}" = "$1" ] && { echo "${e#*:}" | tr ',' ' '; return; }
	done
}

# 1. the dependency list has no cycle (a depth-first walk from each folder)
reach() {   # reach FROM SEEN: fails if FROM's dependencies lead back to $start
	for d in $(allowed_of "$1"); do
		[ "$d" = "$1" ] && continue
		[ "$d" = "$start" ] && return 1
		case " $2 " in *" $d "*) continue ;; esac
		reach "$d" "$2 $d" || return 1
	done
	return 0
}
for e in $ALLOWED; do
	start=${e%%:*}
	reach "$start" "$start" || fail "the layer list has a cycle through $start/"
done

# 2. every quoted include of every folder resolves to an allowed folder
bad=$T/bad
: >"$bad"
checked=0
for e in $ALLOWED; do
	dir=${e%%:*}
	for f in "$dir"/*.c "$dir"/*.h; do
		[ -f "$f" ] || continue
		sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f" |
		while read -r h; do
			case $h in
			*/*) echo "$f includes \"$h\" (a path: name the header alone)" >>"$bad"
			     continue ;;
			esac
			found=""
			# the compiler's order: the file's own folder, then the others
			for d in $dir lib capture redis exporter dpdk ospfmon collector cli; do
				[ -f "$d/$h" ] && { found=$d; break; }
			done
			case " $(allowed_of "$dir") " in
			*" $found "*) ;;
			*) echo "$f includes \"$h\" (${found:-not in any allowed folder}/)" >>"$bad" ;;
			esac
		done
		checked=$((checked + 1))
	done
done
[ "$checked" -gt 50 ] || fail "only $checked files looked at: is this the source tree?"
[ -s "$bad" ] && fail "includes across layers:
$(cat "$bad")"
info "$checked files: every include stays in its layer"

# 3. the CLI and ospfmon link no libfixbuf (nor glib, which it brings)
need ldd
for b in cli/anemone ospfmon/anemone-ospfmon; do
	p="$top_builddir/$b"
	[ -x "$p" ] || fail "$p not built"
	ldd "$p" >"$T/ldd" 2>&1 || fail "ldd $b: $(cat "$T/ldd")"
	grep -q 'libc\.so' "$T/ldd" || fail "ldd $b printed no libraries: $(cat "$T/ldd")"
	if grep -E 'libfixbuf|libglib' "$T/ldd"; then
		fail "$b links libfixbuf or glib"
	fi
done
# and the two that read or write IPFIX do (so the check above can see it)
for b in collector/anemone-collector exporter/anemone-exporter; do
	ldd "$top_builddir/$b" | grep -q libfixbuf || fail "$b: ldd shows no libfixbuf: the check cannot see it"
done
info "cli and ospfmon link without libfixbuf"
exit 0
