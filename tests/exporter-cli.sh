#!/bin/sh
# Command line and configuration: every error is "file:line: message" (or a
# clear usage message) with exit status 2; -n accepts the shipped example.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need tshark python3

expect_exit 0 "configuration OK" -n -c "$top_srcdir/etc/anemone-exporter.conf"
expect_exit 0 "^anemone-exporter \(anemone\) [0-9]" -V
expect_exit 0 "usage:" -h

c=$(conf unknown 'input = { file = "x.pcap"; };
export = { destinations = ["v5:127.0.0.1:2055"]; };
flows = { max-flow = 10; };')
expect_exit 2 "^$c:3: unknown setting 'max-flow'" -n -c "$c"

c=$(conf range 'flows = {
  max-flows = 0;
};')
expect_exit 2 "^$c:2: 'max-flows' must be an integer from 1 to" -n -c "$c"

c=$(conf syntax 'flows = {
  max-flows = 10;
  idle-timeout = = 5;
};')
expect_exit 2 "^$c:3: syntax error" -n -c "$c"

c=$(conf dest 'export = {
  mtu = 1500;
  destinations = [ "v5:127.0.0.1:2055", "netflow:127.0.0.1:9" ];
};')
expect_exit 2 "^$c:3: 'netflow:127.0.0.1:9': protocol must be v5, v9, ipfix or ipfix\+tcp" -n -c "$c"

c=$(conf duration 'flows = { idle-timeout = "soon"; };')
expect_exit 2 "^$c:1: 'idle-timeout' must be a duration" -n -c "$c"

c=$(conf hugepages 'flows = { huge-pages = "yes"; };')
expect_exit 2 "^$c:1: 'huge-pages' must be true or false" -n -c "$c"

c=$(conf type 'input = {
  file = "x.pcap";
  snaplen = "big";
};')
expect_exit 2 "^$c:3: 'snaplen' must be an integer" -n -c "$c"

c=$(conf sampling 'sampling = { rate = 100000; };')
expect_exit 2 "^$c:1: 'rate' must be an integer from 1 to 16383" -n -c "$c"

c=$(conf filter 'input = {
  file = "x.pcap";
  filter = "udp and port banana";
};')
expect_exit 2 "^$c:3: filter 'udp and port banana': " -n -c "$c"
expect_exit 2 "^anemone-exporter: -f filter 'tcp port': " -r x.pcap -x v5:127.0.0.1:9 -f 'tcp port'

# direction and route lookup: live captures only; the direction's values
c=$(conf dirfile 'input = {
  file = "x.pcap";
  direction = "in";
};
export = { destinations = [ "v5:127.0.0.1:9" ]; };')
expect_exit 2 "^$c:3: 'direction' = \"in\" needs a live capture" -n -c "$c"
c=$(conf routefile 'input = { file = "x.pcap"; };
export = {
  destinations = [ "v5:127.0.0.1:9" ];
  route-lookup = true;
};')
expect_exit 2 "^$c:4: 'route-lookup' = true needs a live capture" -n -c "$c"
c=$(conf dirvalue 'input = {
  interface = "lo";
  direction = "inbound";
};')
expect_exit 2 "^$c:3: 'direction' must be \"in\", \"out\" or \"both\"" -n -c "$c"
# the file's live capture replaced by -r: still the file's line
c=$(conf dirlive 'input = { interface = "lo"; direction = "out"; };
export = { destinations = [ "v5:127.0.0.1:9" ]; route-lookup = true; };')
expect_exit 0 "configuration OK" -n -c "$c"
expect_exit 2 "^$c:1: 'direction' = \"out\" needs a live capture" -n -c "$c" -r x.pcap
expect_exit 2 "^$c:2: 'route-lookup' = true needs a live capture" -n -c "$c" -r x.pcap
# --direction both overrides the file's direction: only route-lookup is left
expect_exit 2 "^$c:2: 'route-lookup'" -n -c "$c" --direction both -r x.pcap
! grep -q direction "$T/err" || fail "--direction both did not override the file: $(cat "$T/err")"
expect_exit 2 "^anemone-exporter: --direction in needs a live capture \(-i\)" \
	-n -r x.pcap -x v5:127.0.0.1:9 --direction in
expect_exit 2 "^anemone-exporter: --route-lookup needs a live capture \(-i\)" \
	-n -r x.pcap -x v5:127.0.0.1:9 --route-lookup
expect_exit 2 "^anemone-exporter: --direction: 'up' must be in, out or both" \
	-n -i lo -x v5:127.0.0.1:9 --direction up
expect_exit 0 "configuration OK" -n -i lo -x v5:127.0.0.1:9 --direction in --route-lookup
expect_exit 0 "configuration OK" -n -r x.pcap -x v5:127.0.0.1:9 --direction both

expect_exit 2 "$T/nonexistent.conf: cannot open" -n -c "$T/nonexistent.conf"
expect_exit 2 "protocol must be v5, v9, ipfix or ipfix\+tcp" -r x.pcap -x bogus
expect_exit 2 "put IPv6 addresses in brackets" -r x.pcap -x v5:::1:2055
expect_exit 2 "port must be 1-65535" -r x.pcap -x v5:127.0.0.1:70000
expect_exit 2 "no input" -x v5:127.0.0.1:2055
expect_exit 2 "no destination" -r x.pcap
expect_exit 2 "mutually exclusive" -r x.pcap -i lo -x v5:127.0.0.1:2055
expect_exit 2 "usage:" --no-such-option
expect_exit 2 "unexpected argument" -r x.pcap -x v5:127.0.0.1:2055 extra

# a complete file with no command-line overrides is enough to run
c=$(conf full "input = { file = \"$CAPS/v4-mixed.pcap\"; };
export = { destinations = [ \"v5:127.0.0.1:9\" ]; };")
expect_exit 0 "configuration OK" -n -c "$c"

# a capture filter applies: only the TCP frames of the capture are seen
# (exported to a sink: a replay whose messages are refused exits 1)
sink_start udp "$T/f.v5"
"$EXPORTER" -r "$CAPS/v4-mixed.pcap" -f tcp -x "v5:127.0.0.1:$SINK_PORT" >"$T/f.log" 2>&1 ||
	fail "-f tcp: $(cat "$T/f.log")"
sink_stop "$SINK_PID"
expect_eq "frames seen with -f tcp" "$(exporter_stat "$T/f.log" seen)" \
	"$(tshark -r "$CAPS/v4-mixed.pcap" -Y 'tcp && !icmp' 2>/dev/null | wc -l)"
exit 0
