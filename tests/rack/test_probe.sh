#!/bin/sh
# SPDX-License-Identifier: MIT
# (a) One CP2102 slot: the unmodified `espstation probe --json` finds the
# unit through libserialport on /dev/ttyUSB0 and reports the slot's MAC; the
# adapter saw the auto-reset sequence (EN low, then GPIO0 low while EN rises)
# and the unit booted into its download mode because of it.
CASE=probe
. "$(dirname "$0")/rack_lib.sh"

MAC=60:01:94:aa:bb:cc
rack --slot "0 kind=cp2102 mac=$MAC timing=fast" -- "$ST" probe --port /dev/ttyUSB0 --json
expect_rc 0
say "probe --json (${SECS}s): $(cat "$T/out")"
grep -q "\"mac\":\"$MAC\"" "$T/out" || fail "the JSON does not carry the slot's MAC $MAC"
grep -q '"chip":"ESP8266EX"' "$T/out" || fail "the JSON does not name the ESP8266EX"
show_lines 0

# EN low (RTS without DTR), later GPIO0 low with EN high (DTR without RTS)
awk '/EN=low/ { en = NR } /EN=high GPIO0=low/ && en { ok = 1 } END { exit !ok }' \
	"$W/slot0.lines" || fail "slot0.lines shows no EN-low-then-GPIO0-low reset"
grep -q ' open$' "$W/slot0.lines" || fail "slot0.lines shows no open"
grep -q '"ev":"reset".*"boot":"download"' "$W/slot0.emu.log" ||
	fail "the unit never booted into download mode"
say "the unit saw: $(grep -o '"ev":"\(reset\|lines\)"[^}]*' "$W/slot0.emu.log" | grep -v '"dtr":0,"rts":0' | tr '\n' ' ')"
say "the unit's commands: $(emu_cmds "$W/slot0.emu.log")"
say "ok"
