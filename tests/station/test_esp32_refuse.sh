#!/bin/sh
# SPDX-License-Identifier: MIT
# Firmware of the wrong family is refused before anything is erased (issue
# 10).  At start-up, one line naming both chips: an ESP32 boot loader given
# as the ESP32-C3's firmware, an ESP8266 image given as the ESP32's.  Per
# unit, in one station run with only an ESP8266 image and a C3 set whose
# app part (0x10000) was built for the ESP32: the ESP32 unit is refused with
# "no firmware for esp32 units", the C3 naming both chips, and a C3 of an
# older revision than its boot loader needs naming both revisions.  Each
# refused unit's own log shows no erase and no write command, and its flash
# is unchanged, byte for byte.
CASE=station_esp32_refuse
. "$(dirname "$0")/station_lib.sh"
. "$(dirname "$0")/esp32_lib.sh"
"$MKIMAGE" image "$T/fw.bin" 200000 5
make_esp32_firmware

# at start-up: the whole boot image is another chip's
start_refused() {
	write_cfg refurbish
	cfg_images "$T/station.cfg" "$1"
	"$ST" run --config "$T/station.cfg" --plain >"$T/o" 2>"$T/e"
	rc=$?
	say "$2: exit $rc: $(cat "$T/e")"
	[ $rc = 6 ] && [ "$(wc -l <"$T/e")" = 1 ] || fail "$2: not refused at start-up in one line (exit $rc)"
}
start_refused "esp32c3 = \"$T/boot32.bin\";" "ESP32 boot loader as esp32c3"
grep -q 'ESP32-C3' "$T/e" && grep -q 'ESP32 image\|chip id 0' "$T/e" && grep -q 'boot32.bin' "$T/e" ||
	fail "the refusal does not name the file and both chips"
start_refused "esp32 = \"0x1000 $T/fw.bin\";" "ESP8266 image as esp32"
grep -q 'ESP8266' "$T/e" && grep -q 'ESP32' "$T/e" || fail "the refusal does not name both chips"
[ ! -e "$T/data/station.db" ] || [ "$(q "select count(*) from jobs")" = 0 ] || fail "a job ran"

# per unit: the C3's set starts with its own boot loader (v0.4 and up), but
# its app is an ESP32's
"$MKIMAGE" image32 "$T/bootc3-v04.bin" 20000 74 5 1 4 199
original "$T/orig32.bin" 1048576 0x1000 0 23
original "$T/origc3.bin" 1048576 0 5 33
original "$T/origc3old.bin" 1048576 0 5 34
write_cfg refurbish
cfg_images "$T/station.cfg" "esp32c3 = \"0x0 $T/bootc3-v04.bin 0x8000 $T/ptc3.bin 0x10000 $T/app32.bin\";"
rack --baud-fast --dump-flash \
	--slot "0 kind=cp2102n chip=esp32 timing=fast flash=1MB mac=24:0a:c4:00:40:01 image=$T/orig32.bin" \
	--slot "1 kind=ch9102 chip=esp32c3 timing=fast flash=1MB mac=58:cf:79:00:40:02 image=$T/origc3.bin" \
	--slot "2 kind=ch9102 chip=esp32c3 revision=v0.3 timing=fast flash=1MB mac=58:cf:79:00:40:03 image=$T/origc3old.bin" \
	-- sh -c "$station_cmd" sh "$ST" "$T" 3
show_station
grep -q "station exit 0" "$T/out" || fail "station did not stop cleanly: $(cat "$T/out")"
job() { q "select result || ':' || stage || ':' || coalesce(err_name, '') || ':' || coalesce(err_msg, '') from jobs where slot = '$1'"; }
say "ESP32: $(job ttyUSB0)"
say "C3: $(job ttyACM0)"
say "C3 v0.3: $(job ttyACM1)"
case $(job ttyUSB0) in
"refused:detect:ESP_E_IMAGE:no firmware for esp32 units"*"ESP32-D0WD-V3"*) ;;
*) fail "ESP32 unit without esp32 firmware not refused with that reason" ;;
esac
case $(job ttyACM0) in
"refused:detect:ESP_E_IMAGE:"*app32.bin*0x10000*ESP32*ESP32-C3*) ;;
*) fail "C3 given an ESP32 app not refused naming the part and both chips" ;;
esac
case $(job ttyACM1) in
"refused:detect:ESP_E_IMAGE:"*bootc3-v04.bin*v0.4*v0.3*) ;;
*) fail "C3 v0.3 given a v0.4+ boot loader not refused naming both revisions" ;;
esac
grep -q 'ttyUSB0.*refused.*no firmware for esp32 units' "$T/station.log" ||
	fail "the station log does not give the ESP32's reason"
untouched 0 "$T/orig32.bin"
untouched 1 "$T/origc3.bin"
untouched 2 "$T/origc3old.bin"
[ "$(q "select count(*) from backups")" = 0 ] || fail "a refused unit was backed up"
[ "$(q 'pragma integrity_check')" = ok ] || fail "integrity_check"
say "ok"
