# SPDX-License-Identifier: MIT
# Shared by the rack tests (tests/rack/test_*.sh); sourced after setting
# CASE.  Arguments of every test: VRACK ESPSTATION UDEV_PROBE [STAGE].
# Checks use what the rack records independently of espstation: the unit's
# own JSON-lines log (slotN.emu.log), the adapter's line log (slotN.lines),
# vrack's rack.log and the unit's flash (slotN.flash.bin, --dump-flash).
set -u

VRACK=$1
ST=$2
PROBE=$3
STAGE=${4:-}

command -v umockdev-wrapper >/dev/null 2>&1 || {
	echo "SKIP [$CASE]: umockdev-wrapper is not installed (Debian package umockdev)"
	exit 77
}

# ASan binaries behind umockdev's preload library must not check that their
# runtime comes first (set by CMake too; kept here for runs by hand).
case ":${ASAN_OPTIONS:-}:" in
*:verify_asan_link_order=*) ;;
*) ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"; export ASAN_OPTIONS ;;
esac

T=$(mktemp -d "${TMPDIR:-/tmp}/espstation-rack.XXXXXX") || exit 1
W=$T/w
trap 'rm -rf "$T"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

say() { printf '[%s] %s\n' "$CASE" "$*"; }

dump() {
	for f in "$T/out" "$T/err" "$W/rack.log"; do
		[ -s "$f" ] || continue
		printf -- '--- %s (last 25 lines)\n' "${f#"$T"/}"
		tail -n 25 "$f"
	done
	for f in "$W"/slot*.lines "$W"/slot*.emu*.log; do
		[ -s "$f" ] || continue
		printf -- '--- %s (last 12 lines)\n' "${f#"$T"/}"
		tail -n 12 "$f" | cut -c1-300
	done
}

fail() {
	printf 'FAIL [%s]: %s\n' "$CASE" "$*"
	dump
	exit 1
}

now() { date +%s.%N; }

# rack [vrack options...] -- COMMAND...: runs COMMAND in a rack whose workdir
# is $W; sets RC (vrack's exit status = the command's) and SECS (wall time).
# Output goes to $T/out and $T/err.  Every run is checked for hygiene.
rack() {
	rm -rf "$W"
	t_start=$(now)
	# TMPDIR: the testbed goes under $T, so even a crashed vrack leaves
	# nothing behind once the trap removes $T (RACK_TMP overrides)
	TMPDIR=${RACK_TMP:-$T} umockdev-wrapper "$VRACK" -q --workdir "$W" --timeout 90 "$@" >"$T/out" 2>"$T/err"
	RC=$?
	SECS=$(awk -v a="$t_start" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')
	check_hygiene
}

# The testbed directory vrack made (named in rack.log) must be gone.
check_hygiene() {
	tb=$(sed -n 's/.*rack: testbed \([^,]*\),.*/\1/p' "$W/rack.log" 2>/dev/null | head -n 1)
	[ -n "$tb" ] || fail "rack.log names no testbed"
	[ ! -e "$tb" ] || fail "vrack left its testbed $tb behind"
	for d in "$T"/umockdev.*; do
		[ ! -e "$d" ] || fail "a testbed was left behind: $d"
	done
}

# The unit's commands in order, repeats folded: "SYNC READ_REG*6 ...".
emu_cmds() {
	sed -n 's/.*"ev":"cmd".*"name":"\([A-Z_0-9]*\)".*/\1/p' "$1" |
		awk '$0 != prev { if (n) printf "%s%s ", prev, (n > 1 ? "*" n : ""); prev = $0; n = 0 }
		     { n++ }
		     END { if (n) printf "%s%s", prev, (n > 1 ? "*" n : ""); print "" }'
}

# The last command the unit received before it was unplugged.
last_cmd_before_unplug() {
	awk '/"ev":"unplug"/ { print name; exit }
	     /"ev":"cmd"/ { sub(/.*"name":"/, ""); sub(/".*/, ""); name = $0 }' "$1"
}

# Time (s, rack clock) of the first rack.log line matching an ERE.
rack_time() {
	awk -v re="$1" '$0 ~ re { print $1; exit }' "$W/rack.log"
}

# Prints slotN.lines to the test log, without the "unchanged" repeats.
show_lines() {
	say "slot$1.lines (DTR/RTS as the adapter saw them):"
	grep -v ' unchanged$' "$W/slot$1.lines" | sed 's/^/    /'
}

expect_rc() {
	[ "$RC" -eq "$1" ] || fail "expected exit status $1, got $RC (${SECS}s): $(tail -n 3 "$T/err")"
}
