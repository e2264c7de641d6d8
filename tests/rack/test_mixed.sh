#!/bin/sh
# SPDX-License-Identifier: MIT
# (c) A mixed rack: ESP8266EX, ESP8285, ESP32 and ESP32-C3 units on CP2102,
# CH340, CP2102N and CH9102 adapters at once.  A libudev monitor sees each
# adapter (the CH9102 as a CDC-ACM /dev/ttyACMn, driver cdc_acm; the
# CP2102N with its unique serial), and raw protocol bytes on each port
# reach that slot's chip: magic word per chip, 2 status bytes from the
# ESP8266 ROMs, 4 from the ESP32-class ROMs.  rack.log and each unit's log
# name chip, variant and security state.
CASE=mixed
. "$(dirname "$0")/rack_lib.sh"
CHIPPROBE=$(dirname "$PROBE")/rack_chip_probe

cat >"$T/slots" <<'SL'
0 kind=cp2102  chip=esp8266ex timing=fast
1 kind=ch340   chip=esp8285   timing=fast
2 kind=cp2102n chip=esp32     timing=fast layout=stock security=fe,dldis
3 kind=ch9102  chip=esp32c3   timing=fast layout=stock
SL
cat >"$T/timeline" <<'TL'
0 plug 0
0 plug 1
0 plug 2
0 plug 3
TL
rack --wait-ready --timeline "$T/timeline" --slots "$T/slots" -- \
	sh -c '"$1" --adds 4 --timeout 10 && "$2" /dev/ttyUSB0 /dev/ttyUSB1 /dev/ttyUSB2 /dev/ttyACM0' \
	sh "$PROBE" "$CHIPPROBE"
say "inside the rack (${SECS}s):"
sed 's/^/    /' "$T/out"
expect_rc 0

add_line() {    # ID_PATH -> the add event
	grep "^add .* ID_PATH=pci-0000:00:14.0-usb-0:$1:1.0 " "$T/out" || fail "no add for $1"
}
l=$(add_line 1.3) || exit 1
case "$l" in
*"vid:pid=10c4:ea60 usb_serial="????????????????????????????????" "*"driver=cp210x"*) ;;
*) fail "CP2102N add event: $l" ;;
esac
l=$(add_line 1.4) || exit 1
case "$l" in
"add /dev/ttyACM0 "*"vid:pid=1a86:55d4 "*"driver=cdc_acm"*) ;;
*) fail "CH9102 add event: $l" ;;
esac
grep -q "libserialport: /dev/ttyACM0 transport=usb vid:pid=1a86:55d4 " "$T/out" ||
	fail "libserialport does not see the CH9102 as USB 1a86:55d4"

chip_line() {   # NODE MAGIC STATUS_BYTES
	grep -q "^$1 magic=$2 status_bytes=$3\$" "$T/out" || fail "$1 is not magic $2 with $3 status bytes"
}
node() { sed -n "s/^add \(\/dev\/tty[A-Z]*[0-9]*\) ID_PATH=pci-0000:00:14.0-usb-0:1.$1:1.0 .*/\1/p" "$T/out"; }
chip_line "$(node 1)" fff0c101 2
chip_line "$(node 2)" fff0c101 2
chip_line "$(node 3)" 00f01d83 4
chip_line /dev/ttyACM0 1b31506f 4

grep -q 'slot 2: plug /dev/ttyUSB2 (cp2102n .*ESP32-D0WD-V3 (revision v3.1), flash encrypted, download encryption disabled, 4096KB' "$W/rack.log" ||
	fail "rack.log does not describe slot 2's unit"
grep -q 'slot 3: plug /dev/ttyACM0 (ch9102 1a86:55d4.*ESP32-C3 (QFN32) (revision v0.4), 4096KB' "$W/rack.log" ||
	fail "rack.log does not describe slot 3's unit"
grep -q '"chip":"esp32","description":"ESP32-D0WD-V3 (revision v3.1)".*"flash_encrypted":true' "$W/slot2.emu.log" ||
	fail "slot 2's log lacks chip and security"
grep -q '"chip":"esp32c3"' "$W/slot3.emu.log" || fail "slot 3's log lacks its chip"
say "ok"
