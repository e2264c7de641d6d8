#!/bin/sh
# Quick start: installs the dependencies (Debian 12), builds espstation, and
# runs the real station on a virtual rack of eight simulated Sonoffs that an
# operator plugs in over nine seconds (CP2102, CH340, FT232R and a bare
# adapter; 1 MB and 4 MB units, an ESP8285, one unit whose boot button is
# broken).  Each unit is backed up, erased, flashed and verified at 921600
# baud; the operator console shows every slot.  The database, the backups and
# every log stay in ./rack-demo/.
# Usage: tests/demo.sh [--no-install]
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
[ "${1:-}" = "--no-install" ] || .ci/install-deps

echo "=== building (release preset) ==="
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc 2>/dev/null || echo 2)" \
	--target espstation vrack cli_mkimage >/dev/null
bin=$root/build
out=$root/rack-demo
rm -rf "$out"
mkdir -p "$out"

# the firmware every unit gets (a synthetic 420 KB ESP8266 image)
"$bin/tests/cli/cli_mkimage" image "$out/firmware.bin" 420000 11
. "$root/tests/station/station_cfg.sh"
station_cfg "$out/station.cfg" demo-rack "$out" refurbish "$out/firmware.bin" 921600 460800 15 115200
echo "slots = (" >>"$out/station.cfg"
for n in 0 1 2 3 4 5 6 7; do
	reset=""
	[ $n = 7 ] && reset='reset = "none"; '
	echo "  { id_path = \"pci-0000:00:14.0-usb-0:1.$((n + 1)):1.0\"; name = \"$((n + 1))\"; $reset}," >>"$out/station.cfg"
done
sed -i '$ s/},$/}/' "$out/station.cfg"
echo ");" >>"$out/station.cfg"

# inside the rack: the station runs until all eight jobs are closed
inside='
	"$1" run --config "$2/station.cfg" --ready-fd "$VRACK_READY_FD" & st=$!
	while [ "$(sqlite3 "$2/station.db" "select count(*) from jobs where end_ms is not null" 2>/dev/null || echo 0)" -lt 8 ]; do
		sleep 0.5
	done
	sleep 0.5
	kill -TERM $st
	wait $st'
echo "=== the station on a virtual rack (umockdev): 8 units plugged in over 9 s ==="
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
echo "=== espstation audit verify-vault --db rack-demo/station.db ==="
"$es" audit verify-vault --db "$out/station.db"
echo
echo "demo: everything is in $out: station.db (SQLite; ask it with espstation audit), backups/<mac>/ (0600 files),"
echo "      rack/slotN.emu.log (each unit's own command log), rack/slotN.lines (DTR/RTS)"
