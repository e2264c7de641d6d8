#!/bin/sh
# SPDX-License-Identifier: MIT
# (c) Two CH340 adapters: the same VID:PID and no serial number at all, so
# only their ID_PATH (the hub port) tells the slots apart.  The monitor must
# see two distinct ID_PATHs without serials, and both units must answer
# espstation through their own port, each with its own MAC.
CASE=ch340_pair
. "$(dirname "$0")/rack_lib.sh"

printf '0 plug 0\n0 plug 1\n' >"$T/timeline"
rack --wait-ready --timeline "$T/timeline" \
	--slot '0 kind=ch340 mac=dc:4f:22:00:00:01 timing=fast' \
	--slot '1 kind=ch340 mac=dc:4f:22:00:00:02 timing=fast' -- \
	sh -c '"$1" --adds 2 --timeout 10 && "$2" probe --port /dev/ttyUSB0 --json &&
	       "$2" probe --port /dev/ttyUSB1 --json' sh "$PROBE" "$ST"
say "inside the rack (${SECS}s):"
sed 's/^/    /' "$T/out"
expect_rc 0
adds=$(grep -c '^add ' "$T/out")
[ "$adds" -eq 2 ] || fail "expected 2 add events, got $adds"
paths=$(sed -n 's/^add .* ID_PATH=\([^ ]*\) .*/\1/p' "$T/out" | sort -u | wc -l)
[ "$paths" -eq 2 ] || fail "the two CH340s do not have distinct ID_PATHs"
[ "$(grep -c '^add .* vid:pid=1a86:7523 usb_serial=(none) ID_SERIAL_SHORT=(none) ' "$T/out")" -eq 2 ] ||
	fail "expected two CH340 (1a86:7523) without serial numbers"
grep -q '"port":"/dev/ttyUSB0".*"mac":"dc:4f:22:00:00:01"' "$T/out" || fail "ttyUSB0 is not slot 0's unit"
grep -q '"port":"/dev/ttyUSB1".*"mac":"dc:4f:22:00:00:02"' "$T/out" || fail "ttyUSB1 is not slot 1's unit"
say "ok"
