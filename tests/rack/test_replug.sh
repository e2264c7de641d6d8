#!/bin/sh
# SPDX-License-Identifier: MIT
# Replug and swap.  espstation writes 64 KiB into the unit on /dev/ttyUSB0;
# the timeline then unplugs and replugs the adapter (a new node, ttyUSB1, as
# the kernel numbers anew; the same ID_PATH) and later swaps the unit.
#  - after the replug: the same unit (MAC), its flash still holds the data;
#  - after the swap (ttyUSB2): the next unit (MAC + 1), factory flash, so
#    verify must fail with 5.
CASE=replug
. "$(dirname "$0")/rack_lib.sh"

dd if=/dev/urandom bs=4096 count=16 2>/dev/null >"$T/data.bin"
cat >"$T/timeline" <<'TL'
# vrack-timeline v1 (clock starts once the write is done)
0.2  unplug  0
0.5  plug    0
6.0  swap    0
TL
cat >"$T/inside.sh" <<'SH'
# runs inside the rack: ST DATA
st=$1 data=$2
wait_node() {   # the replugged adapter's node appears
	i=0
	while [ ! -c "$1" ]; do
		i=$((i + 1)); [ $i -le 200 ] || { echo "no $1 after 10 s"; exit 1; }
		sleep 0.05
	done
}
"$st" write --port /dev/ttyUSB0 --address 0x80000 "$data" >/dev/null || exit 11
echo R >&"$VRACK_READY_FD"
wait_node /dev/ttyUSB1
"$st" verify --port /dev/ttyUSB1 --address 0x80000 "$data" >/dev/null || exit 12
"$st" probe --port /dev/ttyUSB1 --json || exit 13
wait_node /dev/ttyUSB2
"$st" probe --port /dev/ttyUSB2 --json || exit 14
"$st" verify --port /dev/ttyUSB2 --address 0x80000 "$data" >/dev/null
echo "verify on the swapped unit: $?"
SH
rack --wait-ready --timeline "$T/timeline" \
	--slot '0 kind=ft232r mac=60:01:94:10:20:30 flash=1MB timing=fast' -- \
	sh "$T/inside.sh" "$ST" "$T/data.bin"
say "inside the rack (${SECS}s):"
sed 's/^/    /' "$T/out"
expect_rc 0
grep -q '"port":"/dev/ttyUSB1".*"mac":"60:01:94:10:20:30"' "$T/out" || fail "the replugged unit is not the same"
grep -q '"port":"/dev/ttyUSB2".*"mac":"60:01:94:10:20:31"' "$T/out" || fail "the swapped unit has not the next MAC"
grep -q '^verify on the swapped unit: 5$' "$T/out" || fail "the swapped unit still had the old data"
plugs=$(grep -c 'slot 0: plug /dev/ttyUSB[012] .*ID_PATH pci-0000:00:14.0-usb-0:1.1:1.0)' "$W/rack.log")
[ "$plugs" -eq 3 ] || fail "expected 3 plugs of slot 0 with one ID_PATH, got $plugs"
say "rack.log:"
sed 's/^/    /' "$W/rack.log"
say "ok"
