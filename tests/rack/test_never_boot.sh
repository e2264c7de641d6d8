#!/bin/sh
# SPDX-License-Identifier: MIT
# (e) A unit that never enters its download mode (the GPIO0 strap is ignored:
# a broken boot button or a board without the auto-reset transistors working).
# The adapter must have seen espstation try the reset more than once, and
# espstation must give up with exit 3 and a message about download mode.
CASE=never_boot
. "$(dirname "$0")/rack_lib.sh"

rack --slot '0 kind=cp2102 timing=fast faults=never_boot' -- \
	"$ST" probe --port /dev/ttyUSB0 --connect-timeout 2
say "espstation said (${SECS}s): $(tail -n 1 "$T/err")"
expect_rc 3
grep -q 'download mode' "$T/err" || fail "the message does not mention the download mode"
resets=$(grep -c 'EN=high GPIO0=low' "$W/slot0.lines")
say "the adapter saw $resets boot-mode reset(s)"
[ "$resets" -ge 2 ] || fail "espstation did not retry the reset"
grep -q '"ev":"fault","kind":"never_boot"' "$W/slot0.emu.log" || fail "the unit did not play never_boot"
! grep -q '"boot":"download"' "$W/slot0.emu.log" || fail "the unit entered download mode after all"
say "ok"
