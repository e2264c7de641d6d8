#!/bin/sh
# Quick start: installs the dependencies (Debian 12), builds espstation, and
# runs the real station on a virtual rack of ten simulated Sonoffs that an
# operator plugs in over nine seconds (CP2102, CH340, FT232R, CP2102N, CH9102
# and a bare adapter; ESP8266 units of 1 MB and 4 MB, an ESP8285, an ESP32
# and an ESP32-C3, one unit whose boot button is broken).  Each unit is
# backed up, erased, flashed with its own chip family's firmware, verified
# at 921600 baud and reset into that firmware to see it boot (the bare
# adapter's operator power-cycles its unit for that: demo.timeline); the
# operator console shows every slot.  The database, the backups and every
# log stay in ./rack-demo/.
# Usage: tests/demo.sh [--no-install]
# DEMO_BUILD=DIR runs the binaries of a build tree already made (no build);
# DEMO_OUT=DIR puts everything there instead of ./rack-demo/.
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
[ "${1:-}" = "--no-install" ] || .ci/install-deps

if [ -n "${DEMO_BUILD:-}" ]; then
	bin=$(cd "$DEMO_BUILD" && pwd)
else
	echo "=== building (release preset) ==="
	cmake --preset default >/dev/null
	cmake --build --preset default -j "$(nproc 2>/dev/null || echo 2)" \
		--target espstation vrack cli_mkimage >/dev/null
	bin=$root/build
fi
out=${DEMO_OUT:-$root/rack-demo}
rm -rf "$out"
mkdir -p "$out"

# the firmware per chip family (synthetic): a 420 KB ESP8266 image; for the
# ESP32 esptool's three parts (boot loader, partition table, app); for the
# ESP32-C3 one merged factory file, its parts at their flash addresses
mk=$bin/tests/cli/cli_mkimage
"$mk" image "$out/firmware.bin" 420000 11
"$mk" image32 "$out/bootloader.bin" 24000 12 0 1
"$mk" ptable "$out/partitions.bin" 3072 13
"$mk" image32 "$out/firmware32.bin" 400000 14 0 1
"$mk" image32 "$out/c3-boot.bin" 20000 15 5 1
"$mk" image32 "$out/c3-app.bin" 380000 16 5 1
head -c $((0x10000)) /dev/zero | tr '\000' '\377' >"$out/factory-c3.bin"
dd if="$out/c3-boot.bin" of="$out/factory-c3.bin" conv=notrunc status=none
dd if="$out/partitions.bin" of="$out/factory-c3.bin" bs=4096 seek=8 conv=notrunc status=none
cat "$out/c3-app.bin" >>"$out/factory-c3.bin"
. "$root/tests/station/station_cfg.sh"
# the boot check (the product's default; off in station_cfg unless asked)
ST_BOOT_CHECK=true station_cfg "$out/station.cfg" demo-rack "$out" refurbish "$out/firmware.bin" 921600 460800 15 115200
cat >>"$out/station.cfg" <<CFG
images = {
  esp32 = "0x1000 $out/bootloader.bin 0x8000 $out/partitions.bin 0x10000 $out/firmware32.bin";
  esp32c3 = "$out/factory-c3.bin";
};
CFG
echo "slots = (" >>"$out/station.cfg"
for n in 0 1 2 3 4 5 6 7 8 9; do
	reset=""
	[ $n = 7 ] && reset='reset = "none"; '
	# slot N sits on hub N/8+1, port N%8+1 (tests/rack/README.md)
	echo "  { id_path = \"pci-0000:00:14.0-usb-0:$((n / 8 + 1)).$((n % 8 + 1)):1.0\"; name = \"$((n + 1))\"; $reset}," >>"$out/station.cfg"
done
sed -i '$ s/},$/}/' "$out/station.cfg"
echo ");" >>"$out/station.cfg"

# inside the rack: the station runs until all ten jobs are closed
inside='
	"$1" run --config "$2/station.cfg" --ready-fd "$VRACK_READY_FD" & st=$!
	while [ "$(sqlite3 "$2/station.db" "select count(*) from jobs where end_ms is not null" 2>/dev/null || echo 0)" -lt 10 ]; do
		sleep 0.5
	done
	sleep 0.5
	kill -TERM $st
	wait $st'
echo "=== the station on a virtual rack (umockdev): 10 units plugged in over 9 s ==="
umockdev-wrapper "$bin/tests/rack/vrack" -q --workdir "$out/rack" --wait-ready --timeout 240 \
	--slots "$root/tests/rack/demo.slots" --timeline "$root/tests/rack/demo.timeline" \
	--dump-flash -- sh -c "$inside" sh "$bin/station/espstation" "$out"

echo
es="$bin/station/espstation"
echo "=== espstation audit summary --db rack-demo/station.db ==="
"$es" audit summary --db "$out/station.db"
echo
echo "=== espstation audit backups --db rack-demo/station.db ==="
"$es" audit backups --db "$out/station.db"
echo
echo "=== espstation audit mac dc-4f-22-a0-00-05 --db rack-demo/station.db ==="
"$es" audit mac dc-4f-22-a0-00-05 --db "$out/station.db"
echo
echo "=== espstation audit mac 24:0a:c4:a0:00:09 --db rack-demo/station.db (the ESP32) ==="
"$es" audit mac 24:0a:c4:a0:00:09 --db "$out/station.db"
echo
echo "=== espstation audit mac 60:01:94:a0:00:08 --db rack-demo/station.db (the bare adapter's unit: booted by its operator's power cycle) ==="
"$es" audit mac 60:01:94:a0:00:08 --db "$out/station.db"
echo
echo "=== espstation audit verify-vault --db rack-demo/station.db ==="
"$es" audit verify-vault --db "$out/station.db"
echo
echo "demo: everything is in $out: station.db (SQLite; ask it with espstation audit), backups/<mac>/ (0600 files),"
echo "      rack/slotN.emu.log (each unit's own command log), rack/slotN.lines (DTR/RTS)"
