# What every tests/lab/record-*.sh script starts with (sourced, POSIX sh):
# set `here` (the script's folder) and NAME (a word for messages and the
# temporary folder) first.  Gives top, lab (ospf-lab.sh), root or exit 77,
# the lab lock (one FRR lab at a time on this machine: the lab tests take
# the same one), a temporary folder T (readable by FRR's user) with the lab
# folder L torn down on any exit, fail and now_ms.
set -u
top=$(cd "$here/../.." && pwd)
lab=$here/ospf-lab.sh

[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 77; }
if command -v flock >/dev/null 2>&1; then
	exec 9>"${TMPDIR:-/tmp}/anemone-ospf-lab.lock"
	flock -w 900 9 || echo "record-$NAME: lab lock not obtained in 15 minutes; going ahead" >&2
fi
T=$(mktemp -d "/tmp/ospf-$NAME.XXXXXX") || exit 1
chmod 755 "$T"                     # FRR runs as user frr
L=$T/lab
cleanup() {
	"$lab" down "$L" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
fail() { echo "record-$NAME: FAIL: $*" >&2; exit 1; }
now_ms() { date +%s%3N; }
