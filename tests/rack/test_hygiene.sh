#!/bin/sh
# SPDX-License-Identifier: MIT
# (g) Rack hygiene: whatever the command does, vrack leaves no testbed
# (/tmp/umockdev.*), no temporary workdir and no process behind.  (Every
# rack test checks the testbed; see check_hygiene in rack_lib.sh.)
#  1. the command leaves a background child and a setsid'd one (own session,
#     out of its process group) and exits 3: vrack exits 3, both are gone;
#  2. --timeout stops a command that runs too long (exit 124);
#  3. SIGTERM to vrack reaches the command (exit 143: killed by SIGTERM);
#  4. a temporary workdir (no --workdir) is removed at the end.
CASE=hygiene
. "$(dirname "$0")/rack_lib.sh"

gone() {   # pid...: every one has exited
	for p in "$@"; do
		kill -0 "$p" 2>/dev/null && return 1
	done
	return 0
}

# this run makes its testbed where any program's would go (/tmp by default)
RACK_TMP=${TMPDIR:-/tmp}
rack -- sh -c 'sleep 300 & echo $! >"$1/pids"; setsid sleep 301 & echo $! >>"$1/pids"; sleep 0.2; exit 3' sh "$T"
expect_rc 3
[ -s "$T/pids" ] || fail "the command did not start its children"
gone $(cat "$T/pids") || fail "processes the command started are still running: $(cat "$T/pids")"
say "1: exit status passed on, leftover processes $(tr '\n' ' ' <"$T/pids")stopped, testbed $tb removed (${SECS}s)"
RACK_TMP=

rack --timeout 1 -- sleep 30
expect_rc 124
awk -v s="$SECS" 'BEGIN { exit !(s < 5) }' || fail "--timeout 1 took ${SECS}s"
say "2: --timeout 1 stopped 'sleep 30' after ${SECS}s"

rm -rf "$W"
TMPDIR=$T umockdev-wrapper "$VRACK" --workdir "$W" -- sleep 30 >"$T/out" 2>"$T/err" &
vr=$!
i=0
until grep -q 'command started' "$W/rack.log" 2>/dev/null; do
	i=$((i + 1)); [ $i -le 100 ] || fail "vrack did not start the command"
	sleep 0.05
done
kill -TERM $vr
wait $vr
RC=$?
SECS=-
check_hygiene
expect_rc 143
grep -q 'got SIGTERM: passing it on' "$W/rack.log" || fail "rack.log does not show the forwarded SIGTERM"
say "3: SIGTERM forwarded, the command died of it (status 143)"

# 4: no --workdir: vrack names its temporary workdir and the testbed on stderr
TMPDIR=$T umockdev-wrapper "$VRACK" -- true >"$T/out" 2>"$T/err"
RC=$?
expect_rc 0
wd=$(sed -n 's/.*rack: testbed \([^,]*\), workdir \(.*\)$/\2/p' "$T/err")
tb=$(sed -n 's/.*rack: testbed \([^,]*\), workdir.*/\1/p' "$T/err")
[ -n "$wd" ] && [ -n "$tb" ] || fail "vrack did not name its workdir and testbed: $(cat "$T/err")"
[ ! -e "$wd" ] || fail "the temporary workdir $wd is still there"
[ ! -e "$tb" ] || fail "the testbed $tb is still there"
say "4: temporary workdir $wd and testbed $tb removed"
say "ok"
