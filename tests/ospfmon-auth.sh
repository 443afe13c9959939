#!/bin/sh
# anemone-ospfmon and OSPF cryptographic authentication, on a capture of real
# FRR 8.4 routers using keyed MD5 (tests/data/ospf/md5.pcap, recorded by
# tests/lab/record-ospf-md5.sh; key id 1, key "anemone-md5-key"):
# - no key configured: everything is installed, counted unverified, logged
#   once, and the topology says it is not authenticated; a forged LS Update
#   (router 6.6.6.6 advertising 8.8.8.0/24, a made-up digest) is installed too;
# - the right key: every packet verifies, the forged one is dropped
#   (auth-bad-digest), routes equal FRR's; a replayed old LS Update is
#   dropped (auth-replayed); a forged one without authentication too
#   (auth-missing); a key for another area leaves area 0 unverified;
# - a router-LSA flushed (its router left), then an old LS Update that
#   carried it sent again a minute later from another address (outside the
#   digest: a new neighbour to the sequence check, it verifies): refused by
#   the database, counted (lsdb-stale-refused), logged; the router stays
#   gone;
# - a wrong key or key id: everything dropped and counted;
# - the capture re-signed with HMAC-SHA-1/256/384/512 by Python's hmac (RFC
#   5709, independent of our code) verifies with the matching key;
# - configuration errors are file:line, exit 2, and never show the key.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need python3

OSPFMON="$top_builddir/ospfmon/anemone-ospfmon"
PROG=$OSPFMON
D="$top_srcdir/tests/data/ospf"
TOOL="$top_srcdir/tests/ospf-auth-tool"
CAP="$D/md5.pcap"
KEY=anemone-md5-key

python3 "$TOOL" forge "$CAP" "$T/forged.pcap" crypto || fail "cannot forge"
python3 "$TOOL" forge "$CAP" "$T/forged-null.pcap" null || fail "cannot forge"
python3 "$TOOL" replay "$CAP" "$T/replayed.pcap" || fail "cannot replay"

# run NAME CONF PCAP: replay with config CONF, topology as JSON in $T/NAME.json
run() {
	"$OSPFMON" -c "$2" -r "$3" --dump topology --json >"$T/$1.json" 2>"$T/$1.err" ||
		fail "$1: anemone-ospfmon failed: $(cat "$T/$1.err")"
}
stat_of() {   # stat_of NAME KEY: KEY=value of the stats line
	sed -n "s/.* $2=\([0-9]*\).*/\1/p" "$T/$1.err" | tail -1
}
completeness() { python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["completeness"], sort_keys=True))' "$T/$1.json"; }
has_forged() { grep -q '"6.6.6.6"' "$T/$1.json" || grep -q '"8.8.8.0/24"' "$T/$1.json"; }
conf_key() {  # conf_key NAME ENTRIES: a config with these authentication entries
	conf "$1" "authentication = ( $2 );"
}

# --- no key: as before, but said ---
nokey=$(conf nokey 'events = { hold = "200ms"; };')
run nokey "$nokey" "$T/forged.pcap"
has_forged nokey || fail "no key: the forged router is not installed (it cannot be told apart without a key)"
[ "$(stat_of nokey auth-unverified)" = 250 ] || fail "no key: auth-unverified $(stat_of nokey auth-unverified), want 250: $(tail -3 "$T/nokey.err")"
[ "$(grep -c 'no key is configured for it: its packets are accepted unverified, the view is unauthenticated' "$T/nokey.err")" = 1 ] ||
	fail "no key: not logged once that the view is unauthenticated: $(cat "$T/nokey.err")"
completeness nokey | grep -q '"authenticated": false' || fail "no key: completeness $(completeness nokey)"
completeness nokey | grep -q '"unverified_packets": [1-9]' || fail "no key: completeness $(completeness nokey)"
info "no key: 250 packets unverified (the forged one installed), logged once; completeness $(completeness nokey)"

# --- the right key ---
good=$(conf_key good "{ area = \"0.0.0.0\"; key-id = 1; key = \"$KEY\"; type = \"md5\"; }")
run good "$good" "$T/forged.pcap"
has_forged good && fail "the forged router was installed despite the key: $(grep -o '.\{60\}6\.6\.6\.6.\{60\}' "$T/good.json" | head -2)"
[ "$(stat_of good auth-verified)" = 249 ] || fail "right key: auth-verified $(stat_of good auth-verified), want 249"
[ "$(stat_of good dropped)" = 1 ] || fail "right key: dropped $(stat_of good dropped), want 1"
grep -q 'dropped 1 OSPF packets: auth-bad-digest' "$T/good.err" || fail "right key: no auth-bad-digest: $(tail -3 "$T/good.err")"
grep -q 'dropped an OSPF packet from 10.0.0.66 (router id 6.6.6.6): auth-bad-digest' "$T/good.err" ||
	fail "right key: the drop is not logged with its source: $(cat "$T/good.err")"
completeness good | grep -q '"authenticated": true, "complete": true' || fail "right key: completeness $(completeness good)"
completeness good | grep -q '"unverified_packets": 0' || fail "right key: completeness $(completeness good)"
grep -q 'unauthenticated' "$T/good.err" && fail "right key: says unauthenticated: $(cat "$T/good.err")"
"$OSPFMON" -c "$good" -r "$T/forged.pcap" --dump routes --root 10.255.0.1 --json >"$T/r1.json" 2>/dev/null ||
	fail "right key: no routes"
out=$("$top_srcdir/tests/route-compare" "$D/md5-routes/r1.json" "$T/r1.json") ||
	fail "right key: r1's routes differ from FRR's: $out"
info "right key: 249 packets verified, the forged one dropped (auth-bad-digest), r1's routes equal FRR's"

# a key for every area (no "area") works the same
any=$(conf_key any "{ key-id = 1; key = \"$KEY\"; }")
run any "$any" "$CAP"
[ "$(stat_of any auth-verified)" = 249 ] && [ "$(stat_of any dropped)" = 0 ] ||
	fail "key for every area: $(tail -2 "$T/any.err")"

# an old LS Update sent again (a replay) is dropped; so is a forged one with
# null authentication in an area that has keys
run replayed "$good" "$T/replayed.pcap"
grep -q 'dropped 1 OSPF packets: auth-replayed' "$T/replayed.err" || fail "replay not dropped: $(tail -3 "$T/replayed.err")"
run forgednull "$good" "$T/forged-null.pcap"
grep -q 'dropped 1 OSPF packets: auth-missing' "$T/forgednull.err" || fail "null-auth forgery not dropped: $(tail -3 "$T/forgednull.err")"
has_forged forgednull && fail "the null-auth forgery was installed"
info "right key: a replayed LS Update dropped (auth-replayed), a null-auth forgery dropped (auth-missing)"

# r2's router-LSA flushed (signed with the key: r2 left), then the first LS
# Update of the capture, which carried an older instance of it, replayed a
# minute later from another address
"$OSPFMON" -c "$good" -r "$CAP" --dump lsdb >"$T/lsdb.txt" 2>/dev/null || fail "no database dump"
grep -q 'type 1  id 10.255.0.2 ' "$T/lsdb.txt" || fail "the capture has no router-LSA of 10.255.0.2"
python3 "$TOOL" flush-replay "$CAP" "$T/flush-replay.pcap" "$KEY" || fail "cannot flush and replay"
"$OSPFMON" -c "$good" -r "$T/flush-replay.pcap" --dump lsdb >"$T/flushreplay.txt" 2>"$T/flushreplay.err" ||
	fail "flush and replay: anemone-ospfmon failed: $(cat "$T/flushreplay.err")"
[ "$(stat_of flushreplay auth-verified)" = 251 ] && [ "$(stat_of flushreplay dropped)" = 0 ] ||
	fail "flush and replay: not every packet verified: $(tail -2 "$T/flushreplay.err")"
grep -q 'type 1  id 10.255.0.2 ' "$T/flushreplay.txt" &&
	fail "the flushed router-LSA came back with a replayed LS Update: $(grep -A1 'type 1  id 10.255.0.2 ' "$T/flushreplay.txt")"
[ "$(stat_of flushreplay lsdb-stale-refused)" = 1 ] ||
	fail "flush and replay: lsdb-stale-refused $(stat_of flushreplay lsdb-stale-refused), want 1: $(tail -1 "$T/flushreplay.err")"
grep -q 'refused the type-1 LSA 10.255.0.2 from 10.255.0.2 (sequence number 0x80000005) sent by 10.0.0.77: not newer than its instance flushed' \
	"$T/flushreplay.err" || fail "flush and replay: the refusal is not logged: $(cat "$T/flushreplay.err")"
info "right key: r2's router-LSA flushed, an old LS Update with it replayed from another address a minute later: verified, refused by the database (lsdb-stale-refused=1)"

# a key only for another area: area 0 is accepted unverified
other=$(conf_key other "{ area = \"0.0.0.1\"; key-id = 1; key = \"$KEY\"; }")
run other "$other" "$CAP"
[ "$(stat_of other auth-unverified)" = 249 ] || fail "key for area 1: $(tail -2 "$T/other.err")"
completeness other | grep -q '"authenticated": false' || fail "key for area 1: completeness $(completeness other)"

# --- a wrong key, a wrong key id: everything dropped, counted ---
bad=$(conf_key bad '{ key-id = 1; key = "not-the-key"; }')
run bad "$bad" "$CAP"
[ "$(stat_of bad dropped)" = 249 ] && grep -q 'dropped 249 OSPF packets: auth-bad-digest' "$T/bad.err" ||
	fail "wrong key: $(tail -3 "$T/bad.err")"
[ "$(stat_of bad lsas)" = 0 ] || fail "wrong key: LSAs installed"
completeness bad | grep -q '"complete": false' || fail "wrong key: completeness $(completeness bad)"
badid=$(conf_key badid "{ key-id = 2; key = \"$KEY\"; }")
run badid "$badid" "$CAP"
grep -q 'dropped 249 OSPF packets: auth-unknown-key' "$T/badid.err" || fail "wrong key id: $(tail -3 "$T/badid.err")"
info "wrong key: 249 dropped (auth-bad-digest); wrong key id: 249 dropped (auth-unknown-key)"

# --- RFC 5709 HMAC-SHA, signed by Python's hmac ---
for alg in hmac-sha-1 hmac-sha-256 hmac-sha-384 hmac-sha-512; do
	k="a $alg key that is longer than sixty-four octets, so that RFC 5709 hashes it first"
	[ "$alg" = hmac-sha-256 ] && k=short
	python3 "$TOOL" resign "$CAP" "$T/$alg.pcap" "$alg" "$k" || fail "cannot re-sign with $alg"
	c=$(conf_key "$alg" "{ key-id = 1; key = \"$k\"; type = \"$alg\"; }")
	run "$alg" "$c" "$T/$alg.pcap"
	[ "$(stat_of "$alg" auth-verified)" = 249 ] && [ "$(stat_of "$alg" dropped)" = 0 ] ||
		fail "$alg: $(tail -3 "$T/$alg.err")"
	completeness "$alg" | grep -q '"authenticated": true, "complete": true' || fail "$alg: completeness $(completeness "$alg")"
	# the md5 key does not verify them
	run "$alg-md5" "$good" "$T/$alg.pcap"
	[ "$(stat_of "$alg-md5" dropped)" = 249 ] || fail "$alg checked with the md5 key: $(tail -3 "$T/$alg-md5.err")"
done
info "HMAC-SHA-1/256/384/512 (signed by Python's hmac): 249 packets verified each"

# --- configuration ---
expect_exit 0 "configuration OK" -n -c "$good"
c=$(conf cbadtype 'authentication = (
  { key-id = 1; key = "sekrit-one"; type = "sha256"; }
);')
expect_exit 2 "^$c:2: 'type' must be md5, hmac-sha-1" -n -c "$c"
c=$(conf clong 'authentication = (
  { key-id = 1;
    key = "sekrit-seventeen!"; } );')
expect_exit 2 "^$c:3: 'key' must be 1 to 16 characters long for md5" -n -c "$c"
c=$(conf cnoid 'authentication = ( { key = "sekrit-two"; } );')
expect_exit 2 "^$c:1: an authentication key needs 'key-id'" -n -c "$c"
c=$(conf cdup 'authentication = ( { key-id = 1; key = "sekrit-three"; },
  { key-id = 1; key = "sekrit-four"; } );')
expect_exit 2 "^$c:2: a second key with key-id 1 for every area" -n -c "$c"
c=$(conf carea 'authentication = ( { area = "zero"; key-id = 1; key = "sekrit-five"; } );')
expect_exit 2 "^$c:1: 'area' must be an area id" -n -c "$c"
c=$(conf cunknown 'authentication = ( { key-id = 1; key = "sekrit-six"; keyid = 2; } );')
expect_exit 2 "^$c:1: unknown setting 'keyid'" -n -c "$c"
grep -rq sekrit "$T"/*.err "$T/err" "$T/out" 2>/dev/null && fail "a key appears in a message"
info "configuration errors: file:line, exit 2, no key printed"
exit 0
