#!/bin/sh
# The generated systemd unit (station/espstation.service from .service.in):
#  - every @VAR@ was substituted; ExecStart runs EXPECTED_BIN (an absolute
#    path) with the subcommand run, and each --option it passes is one that
#    `espstation run --help` lists;
#  - no end-of-line comments (systemd would take the "#..." as part of the value);
#  - the lines the station relies on are there (KillMode=mixed, the tty
#    DeviceAllow= lines, AF_NETLINK, dialout, the state directory);
#  - `systemd-analyze verify` passes, if it works here at all (it often does
#    not in a container: then that part is skipped with a message).
# Usage: check_unit.sh UNIT_FILE EXPECTED_BIN BUILT_ESPSTATION
set -u
unit=$1
expect_bin=$2
built=$3
fail=0
bad() { echo "check_unit: $*"; fail=1; }

[ -r "$unit" ] || { echo "check_unit: cannot read $unit"; exit 1; }
if grep -n '@[A-Za-z_][A-Za-z_0-9]*@' "$unit"; then
	bad "unsubstituted @VARIABLE@ left in $unit"
fi
if grep -nE '^[[:space:]]*[^#;[:space:]].*[[:space:]][#;]' "$unit"; then
	bad "end-of-line comment in $unit (systemd keeps it as part of the value)"
fi

exec_line=$(sed -n 's/^ExecStart=//p' "$unit")
[ "$(printf '%s\n' "$exec_line" | grep -c .)" -eq 1 ] || bad "expected exactly one ExecStart= line"
set -f
# shellcheck disable=SC2086
set -- $exec_line
set +f
case ${1:-} in
/*) ;;
*) bad "ExecStart binary '${1:-}' is not an absolute path" ;;
esac
[ "${1:-}" = "$expect_bin" ] || bad "ExecStart runs '${1:-}', expected '$expect_bin'"
[ "${2:-}" = run ] || bad "ExecStart subcommand is '${2:-}', expected 'run'"
help=$("$built" run --help 2>&1) || bad "'$built run --help' failed"
shift 2 2>/dev/null || shift $#
for a in "$@"; do
	case $a in
	--*)
		opt=${a%%=*}
		if printf '%s\n' "$help" | grep -qE -- "(^|[[:space:][,])$opt([][[:space:]=,]|\$)"; then
			echo "check_unit: $opt is in 'espstation run --help'"
		else
			bad "ExecStart passes $opt, which 'espstation run --help' does not list"
		fi
		;;
	-*) bad "ExecStart passes short option $a: use the long form in units" ;;
	esac
done

for want in 'KillMode=mixed' 'DeviceAllow=char-ttyUSB rw' 'DeviceAllow=char-ttyACM rw' \
	'DevicePolicy=closed' 'SupplementaryGroups=dialout' 'StateDirectory=espstation' \
	'ConfigurationDirectory=espstation' 'NoNewPrivileges=yes' 'ProtectSystem=strict' \
	'Restart=on-failure'; do
	grep -qxF "$want" "$unit" || bad "missing line: $want"
done
grep -qE '^RestrictAddressFamilies=.*AF_NETLINK' "$unit" || bad "RestrictAddressFamilies= must allow AF_NETLINK (udev monitor)"
grep -qE '^PrivateNetwork=(yes|true|1)' "$unit" && bad "PrivateNetwork= hides udev's netlink events"

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "check_unit: no systemd-analyze here: skipping 'systemd-analyze verify'"
else
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/st-unit.XXXXXX") || exit 1
	trap 'rm -rf "$tmp"' EXIT
	trap 'exit 1' INT TERM
	# verify wants the ExecStart binary to exist: point it at the build's
	# until installed; everything else is the generated unit unchanged.
	sed "s|^ExecStart=$expect_bin |ExecStart=$built |" "$unit" >"$tmp/espstation.service"
	printf '[Unit]\nDescription=probe\n[Service]\nType=exec\nExecStart=/bin/true\n' >"$tmp/st-probe.service"
	if ! probe=$(cd "$tmp" && SYSTEMD_LOG_COLOR=0 systemd-analyze verify --man=no "$tmp/st-probe.service" 2>&1) ||
		printf '%s\n' "$probe" | grep -q st-probe; then
		echo "check_unit: 'systemd-analyze verify' does not work here (container?), skipping it:"
		printf '%s\n' "$probe" | sed 's/^/    /' | head -n 5
	else
		out=$(cd "$tmp" && SYSTEMD_LOG_COLOR=0 systemd-analyze verify --man=no "$tmp/espstation.service" 2>&1)
		rc=$?
		printf '%s\n' "$out" | grep -F espstation && bad "systemd-analyze verify complains about the unit"
		[ $rc -eq 0 ] || bad "systemd-analyze verify exit status $rc: $out"
		[ $fail -eq 0 ] && echo "check_unit: systemd-analyze verify ok"
	fi
fi
[ $fail -eq 0 ] && echo "check_unit: ${unit##*/} ok"
exit $fail
