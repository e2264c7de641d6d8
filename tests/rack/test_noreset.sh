#!/bin/sh
# SPDX-License-Identifier: MIT
# (f) A bare adapter (kind noreset: TX/RX only, DTR/RTS reach nothing).
# `espstation probe --reset none` waits for the operator; the simulated
# operator holds the button and power-cycles the unit 0.8 s after the plug,
# and the probe must then succeed.  The line log shows the lines were not
# wired and when the operator acted; the unit's log shows the power cycle
# with GPIO0 held and the download-mode boot.
CASE=noreset
. "$(dirname "$0")/rack_lib.sh"

rack --slot '0 kind=noreset mac=60:01:94:0b:0b:0b timing=fast button=0.8' -- \
	"$ST" probe --port /dev/ttyUSB0 --reset none --connect-timeout 10 --json
say "probe (${SECS}s): $(cat "$T/out")"
expect_rc 0
grep -q '"mac":"60:01:94:0b:0b:0b"' "$T/out" || fail "the JSON does not carry the unit's MAC"
show_lines 0
grep -q 'operator: power-cycle holding GPIO0' "$W/slot0.lines" || fail "the operator never acted"
! grep -q 'EN=' "$W/slot0.lines" || fail "a noreset adapter's lines reached EN/GPIO0"
grep -q '"ev":"power".*"hold_gpio0":1' "$W/slot0.emu.log" || fail "the unit saw no power cycle with GPIO0 held"
grep -q '"ev":"reset".*"boot":"download"' "$W/slot0.emu.log" || fail "the unit did not boot the loader"
t_press=$(rack_time 'operator holds the button')
say "the operator pressed at ${t_press}s; the probe took ${SECS}s"
awk -v s="$SECS" 'BEGIN { exit !(s >= 0.8) }' || fail "the probe succeeded before the button press"
say "ok"
