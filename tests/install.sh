#!/bin/sh
# make install: what a system needs to run the three daemons as services.
# Installs the build tree into a private root (DESTDIR, no root needed), then
# checks there: the three systemd units (systemd-analyze verify against that
# root, their ExecStart, bounding set and hardening, their exposure score),
# the configurations (accepted by the installed daemons' -n), the sysusers.d
# file (systemd-sysusers --dry-run creates the user anemone), the tmpfiles.d
# file (the directories ospfmon may write), the logrotate file (a real
# rotation of a copy pointed at this test's directory, reloading through a
# stand-in systemctl), the manual pages and SCHEMA.md at the paths the pages
# name.  A deliberately broken copy of a unit must be refused by the check.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
for c in systemd-analyze systemd-sysusers logrotate; do
	command -v $c >/dev/null 2>&1 || fail "$c is not installed (scripts/install-deps installs it)"
done

# make in the build tree, not as a job of the make running this test
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL "${MAKE:-make}" -s -C "$top_builddir" "$@"; }
dirs=$(mk print-install-dirs) || fail "make print-install-dirs"
eval "$dirs"
[ -n "$systemdsystemunitdir" ] || fail "configure found no systemd unit directory (systemd's pkg-config file)"
[ -n "$sysusersdir" ] && [ -n "$tmpfilesdir" ] || fail "configure found no sysusers.d/tmpfiles.d directory"
R=$T/root
SHOW_ON_FAIL="$T/install.log"
mk install DESTDIR="$R" >"$T/install.log" 2>&1 || fail "make install DESTDIR=$R"
SHOW_ON_FAIL=""

# --- the units -------------------------------------------------------------
# systemd-analyze verify --root resolves everything in the root: the targets
# the units name (systemd's own units, copied), the programs they run (/bin/kill,
# copied; ours, installed).  A clean unit prints nothing: unknown keys and
# bad values are only warnings (exit 0), so any output fails too.
# It finds a unit by its name in the root's unit directories, whatever path
# it is given.
mkdir -p "$R/lib/systemd/system" "$R/etc/systemd/system" "$R/bin"
hostunits=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null)
tar -C "${hostunits:-/lib/systemd/system}" --exclude='anemone-*' -cf - . |
	tar -C "$R/lib/systemd/system" --skip-old-files -xf - || fail "copying systemd's units"
cp /bin/kill "$R/bin/kill" || fail "copying /bin/kill"
verify() {   # verify UNIT-FILE: 0 when systemd-analyze accepts it silently
	systemd-analyze verify --man=no --root="$R" "$1" >"$T/verify.out" 2>&1 &&
	! [ -s "$T/verify.out" ]
}

# expected bounding sets: -u needs SETUID/SETGID, and SETPCAP to shrink the
# bounding set to what it keeps; capture NET_RAW; the collector's ports
# below 1024 NET_BIND_SERVICE; SO_RCVBUFFORCE NET_ADMIN
caps_exporter="CAP_NET_RAW CAP_SETGID CAP_SETPCAP CAP_SETUID"
caps_collector="CAP_NET_ADMIN CAP_NET_BIND_SERVICE CAP_SETGID CAP_SETPCAP CAP_SETUID"
caps_ospfmon="CAP_NET_ADMIN CAP_NET_RAW CAP_SETGID CAP_SETPCAP CAP_SETUID"
for d in exporter collector ospfmon; do
	n=anemone-$d u=$R$systemdsystemunitdir/$n.service
	[ -f "$u" ] || fail "$n.service is not in $systemdsystemunitdir"
	verify "$u" || { cat "$T/verify.out" >&2; fail "systemd-analyze verify $n.service"; }
	grep -qx "ExecStart=$sbindir/$n -c $sysconfdir/anemone/$n.conf -u anemone" "$u" ||
		fail "$n.service: ExecStart is not '$sbindir/$n -c $sysconfdir/anemone/$n.conf -u anemone'"
	grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$u" || fail "$n.service: no ExecReload sending SIGHUP"
	for h in ProtectSystem=strict NoNewPrivileges=yes ProtectHome=yes PrivateTmp=yes; do
		grep -qx "$h" "$u" || fail "$n.service: no $h"
	done
	grep -q '^RestrictAddressFamilies=AF_' "$u" || fail "$n.service: no RestrictAddressFamilies"
	got=$(sed -n 's/^CapabilityBoundingSet=//p' "$u" | tr ' ' '\n' | sort | tr '\n' ' ')
	eval "want=\$caps_$d"
	[ "$got" = "$want " ] || fail "$n.service: CapabilityBoundingSet is '$got', not '$want'"
	# exposure 0 (locked down) to 10 (none): 3.5 leaves room for what
	# each needs (network, -u); losing a few protections passes it
	systemd-analyze security --offline=yes --threshold=35 --root="$R" "$u" >"$T/security.out" 2>&1 ||
		fail "$n.service: $(tail -1 "$T/security.out")"
	info "$n.service: verified, $(sed -n 's/.*Overall exposure level for [^:]*: //p' "$T/security.out")"

	# what it runs is there, and its installed configuration is accepted
	[ -x "$R$sbindir/$n" ] || fail "$sbindir/$n is not installed"
	c=$R$sysconfdir/anemone/$n.conf
	[ -f "$c" ] || fail "$sysconfdir/anemone/$n.conf is not installed"
	[ "$(stat -c %a "$c")" = 600 ] || fail "$n.conf is mode $(stat -c %a "$c"), not 600"
	"$R$sbindir/$n" -n -c "$c" >"$T/n.out" 2>&1 && grep -q "configuration OK" "$T/n.out" ||
		{ cat "$T/n.out" >&2; fail "$n -n -c (the installed $n.conf)"; }
	m=$R$mandir/man8/$n.8
	[ -f "$m" ] || fail "$mandir/man8/$n.8 is not installed"
	grep -q "$sysconfdir/anemone/$n.conf" "$m" || fail "$n.8 does not name $sysconfdir/anemone/$n.conf"
	grep -q '^Documentation=man:'"$n"'(8)$' "$u" || fail "$n.service: Documentation= is not man:$n(8)"
done

# the check itself: a unit with a misspelt key, one running a program that
# is not there, must be refused (copies in the root's /etc/systemd/system)
b=$R/etc/systemd/system
sed 's/^NoNewPrivileges=yes/NoNewPrivilege=yes/' "$R$systemdsystemunitdir/anemone-ospfmon.service" \
	>"$b/anemone-broken-key.service"
verify "$b/anemone-broken-key.service" && fail "verify accepted a unit with a misspelt key"
grep -q "Unknown key 'NoNewPrivilege'" "$T/verify.out" || { cat "$T/verify.out" >&2; fail "verify: no unknown key"; }
sed "s|^ExecStart=$sbindir/|ExecStart=$sbindir/no-|" "$R$systemdsystemunitdir/anemone-collector.service" \
	>"$b/anemone-broken-exec.service"
verify "$b/anemone-broken-exec.service" && fail "verify accepted a unit running a program not installed"
grep -q "no-anemone-collector is not executable" "$T/verify.out" ||
	{ cat "$T/verify.out" >&2; fail "verify: no missing program"; }
rm -f "$b"/anemone-broken-*.service

# --- the user and its directories -----------------------------------------
s=$R$sysusersdir/anemone.conf
[ -f "$s" ] || fail "sysusers.d/anemone.conf is not in $sysusersdir"
systemd-sysusers --root="$R" --dry-run "$s" >"$T/sysusers.out" 2>&1 ||
	{ cat "$T/sysusers.out" >&2; fail "systemd-sysusers --dry-run"; }
grep -q "Creating user 'anemone'" "$T/sysusers.out" ||
	{ cat "$T/sysusers.out" >&2; fail "systemd-sysusers would not create the user anemone"; }
tf=$R$tmpfilesdir/anemone.conf
[ -f "$tf" ] || fail "tmpfiles.d/anemone.conf is not in $tmpfilesdir"
# every directory ospfmon's unit lets it write is made, owned by anemone
[ -n "$(sed -n 's/^ReadWritePaths=//p' "$R$systemdsystemunitdir/anemone-ospfmon.service")" ] ||
	fail "anemone-ospfmon.service has no ReadWritePaths"
for p in $(sed -n 's/^ReadWritePaths=//p' "$R$systemdsystemunitdir/anemone-ospfmon.service"); do
	grep -Eq "^d $p 07[0-7][0-7] anemone anemone " "$tf" || fail "tmpfiles.d/anemone.conf does not make $p for anemone"
done

# --- logrotate ---------------------------------------------------------------
lr=$R$sysconfdir/logrotate.d/anemone
[ -f "$lr" ] || fail "logrotate.d/anemone is not in $sysconfdir"
# a copy that rotates this test's /var/log/anemone as the user running it;
# systemctl is a stand-in recording its calls, ospfmon the one unit active
mkdir -p "$T/var/log/anemone" "$T/bin"
echo '{"event":"x"}' >"$T/var/log/anemone/ospf-events.json"
sed -e "s|/var/log/anemone/|$T/var/log/anemone/|g" \
    -e "s|^\([[:space:]]*su\) anemone anemone|\1 $(id -un) $(id -gn)|" "$lr" >"$T/logrotate.conf"
grep -q "su $(id -un)" "$T/logrotate.conf" || fail "logrotate.d/anemone has no 'su anemone anemone'"
cat >"$T/bin/systemctl" <<EOS
#!/bin/sh
echo "\$*" >>"$T/systemctl.calls"
case "\$*" in
*is-active*anemone-ospfmon.service) exit 0 ;;
*is-active*) exit 3 ;;
esac
EOS
chmod +x "$T/bin/systemctl"
PATH="$T/bin:$PATH" logrotate -f -s "$T/logrotate.state" "$T/logrotate.conf" >"$T/logrotate.out" 2>&1 ||
	{ cat "$T/logrotate.out" >&2; fail "logrotate"; }
[ -f "$T/var/log/anemone/ospf-events.json.1" ] || fail "logrotate did not rotate the events file"
[ -e "$T/var/log/anemone/ospf-events.json" ] && fail "logrotate made the new events file (the daemon does, on SIGHUP)"
grep -qx "reload anemone-ospfmon.service" "$T/systemctl.calls" ||
	fail "logrotate did not reload anemone-ospfmon ($(tr '\n' ';' <"$T/systemctl.calls"))"
[ "$(grep -c '^reload' "$T/systemctl.calls")" = 1 ] || fail "logrotate reloaded a unit that is not active"

# --- documentation -----------------------------------------------------------
[ -f "$R$docdir/SCHEMA.md" ] || fail "SCHEMA.md is not in $docdir"
[ -f "$R$mandir/man1/anemone.1" ] || fail "anemone.1 is not installed"
# the pages of what reads or writes Redis name the installed schema
for m in "$R$mandir/man1/anemone.1" "$R$mandir"/man8/anemone-collector.8 "$R$mandir"/man8/anemone-ospfmon.8; do
	grep -q "$docdir/SCHEMA.md" "$m" || fail "$(basename "$m") does not name $docdir/SCHEMA.md"
done
grep -l 'redis/SCHEMA\.md' "$R$mandir"/man*/anemone* && fail "a page names redis/SCHEMA.md, not the installed path"
info "installed: 3 units, 3 configurations, sysusers.d, tmpfiles.d, logrotate.d, 4 manual pages, SCHEMA.md"
