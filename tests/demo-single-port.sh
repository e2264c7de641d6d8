#!/bin/sh
# Quick start: installs the dependencies (Debian 12), builds espstation and
# runs its job on an emulated Sonoff (1 MB ESP8266, the emulator's realistic
# flash timing, 921600 baud): probe, backup, write with the classic Sonoff
# header settings, verify.  Everything it makes stays in ./demo-out/.
# Usage: tests/demo-single-port.sh [--no-install]
set -eu
cd "$(dirname "$0")/.."
[ "${1:-}" = "--no-install" ] || .ci/install-deps

echo "=== building (release preset) ==="
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc 2>/dev/null || echo 2)" \
	--target espstation esp8266-emu cli_mkimage >/dev/null
bin=build
out=demo-out
rm -rf "$out"
mkdir -p "$out"

# a stock-like Sonoff: 1 MB flash with firmware, download mode held (button)
"$bin/tests/cli/cli_mkimage" image "$out/stock.bin" 1048576 7
"$bin/tests/cli/cli_mkimage" image "$out/new-firmware.bin" 420000 11
"$bin/tests/emu/esp8266-emu" --pty "$out/ttySONOFF" --mac 60:01:94:aa:bb:cc \
	--flash-size 1MB --flash-image "$out/stock.bin" --boot download --wiring none \
	--log "$out/device.log" --save-flash "$out/device-flash-after.bin" \
	--control "$out/operator" >"$out/emu.out" &
emu=$!
trap 'kill $emu 2>/dev/null || true' EXIT INT TERM
while [ ! -s "$out/emu.out" ]; do sleep 0.1; done

es="$bin/station/espstation"
port="--port $out/ttySONOFF --reset none --baud 921600"
# a bare USB-UART has no auto-reset wiring: after each command the unit boots
# its firmware, and the (simulated) operator holds the button and power-cycles it
button() { echo "--- operator: hold GPIO0, power-cycle"; echo "power-cycle gpio0-low" >"$out/operator"; }
set -x
$es probe $port
{ set +x; button; } 2>/dev/null; set -x
$es backup $port -o "$out/backup-600194aabbcc.bin"
{ set +x; button; } 2>/dev/null; set -x
$es write $port --flash-mode dout --flash-size 1MB "$out/new-firmware.bin"
{ set +x; button; } 2>/dev/null; set -x
$es verify $port --flash-mode dout --flash-size 1MB "$out/new-firmware.bin"
set +x
kill $emu
wait $emu 2>/dev/null || true
trap - EXIT INT TERM

echo "=== checks ==="
# the image file is a little shorter than the flash; the rest of the flash is 0xFF
cmp -n "$(stat -c %s "$out/stock.bin")" "$out/stock.bin" "$out/backup-600194aabbcc.bin" &&
	echo "backup equals the unit's original flash (its own MD5 was checked by the chip)"
ls -l "$out/backup-600194aabbcc.bin"
echo "device command log (what the emulated chip received, in order):"
grep -o '"name":"[A-Z0-9_]*"' "$out/device.log" | cut -d'"' -f4 | uniq -c | head -40
