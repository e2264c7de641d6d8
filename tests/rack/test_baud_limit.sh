#!/bin/sh
# SPDX-License-Identifier: MIT
# Adapter baud limits.  Linux's cp210x driver programs at most 1 Mbaud on a
# CP2102 and reports success anyway; the rack's adapters do the same, so
# `--baud 3000000` on a CP2102 leaves host and unit at different rates and
# espstation must say the adapter cannot carry it (exit 3).  An FT232R
# (3 Mbaud) does it, and so does the CP2102 under vrack --baud-fast.
CASE=baud_limit
. "$(dirname "$0")/rack_lib.sh"

unit='timing=fast flash=256KB'
rack --slot "0 kind=cp2102 $unit" -- "$ST" backup --port /dev/ttyUSB0 --baud 3000000 -o "$T/a.bin"
say "CP2102 at 3000000 (status $RC): $(tail -n 1 "$T/err")"
expect_rc 3
grep -q 'cannot carry that rate' "$T/err" || fail "the message does not blame the rate"
grep -q 'baud 3000000 asked for; the adapter.s driver programs 1000000' "$W/slot0.lines" ||
	fail "the adapter did not clamp the rate"
grep -q '"ev":"garbled".*"host_baud":1000000,"dev_baud":3000000' "$W/slot0.emu.log" ||
	fail "the unit did not hear the host at the wrong rate"

rack --slot "0 kind=ft232r $unit" -- "$ST" backup --port /dev/ttyUSB0 --baud 3000000 -o "$T/b.bin"
expect_rc 0
say "FT232R at 3000000: ok in ${SECS}s"

rack --baud-fast --slot "0 kind=cp2102 $unit" -- "$ST" backup --port /dev/ttyUSB0 --baud 3000000 -o "$T/c.bin"
expect_rc 0
say "CP2102 at 3000000 with --baud-fast: ok in ${SECS}s"
say "ok"
