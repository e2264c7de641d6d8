#!/bin/sh
# SPDX-License-Identifier: MIT
# A mixed rack in one station run (issue 10): an ESP8266EX (CP2102), an
# ESP8285 (CH340), an ESP32 (CP2102N) and an ESP32-C3 (CH9102), stock-like
# units plugged in at once, the config with `image` (ESP8266) and `images`
# (esp32 as parts, esp32c3 as one factory file).  Every job passes and each
# unit ends up with its own family's firmware: its flash is that firmware
# (boot header patched for the unit's size) and 0xFF everywhere else, and
# the database names the family's image for each write.
CASE=station_esp32_mixed
. "$(dirname "$0")/station_lib.sh"
. "$(dirname "$0")/esp32_lib.sh"
"$MKIMAGE" image "$T/fw.bin" 200000 5
make_esp32_firmware
write_cfg refurbish
cfg_images "$T/station.cfg"
rack --baud-fast --dump-flash \
	--slot "0 kind=cp2102 timing=fast mac=60:01:94:00:30:01 layout=stock" \
	--slot "1 kind=ch340 chip=esp8285 timing=fast mac=dc:4f:22:00:30:02 layout=stock" \
	--slot "2 kind=cp2102n chip=esp32 timing=fast mac=24:0a:c4:00:30:03 layout=stock" \
	--slot "3 kind=ch9102 chip=esp32c3 timing=fast mac=58:cf:79:00:30:04 layout=stock" \
	-- sh -c "$station_cmd" sh "$ST" "$T" 4
show_station
grep -q "station exit 0" "$T/out" || fail "station did not stop cleanly: $(cat "$T/out")"
say "jobs: $(q "select group_concat(j.slot || ':' || d.family || ':' || j.result, ' ') from jobs j
	left join devices d on d.id = j.device_id")"
[ "$(q "select count(*) from jobs where result = 'passed'")" = 4 ] ||
	fail "jobs: $(q "select slot, result, stage, err_msg from jobs")"
# each family's image, as the database recorded it
img() {
	q "select i.name from job_writes w join jobs j on j.id = w.job_id join devices d on d.id = j.device_id
		join images i on i.id = w.image_id where d.mac = '$1'"
}
for m in 60:01:94:00:30:01 dc:4f:22:00:30:02; do
	[ "$(img $m)" = fw.bin ] || fail "$m: written with '$(img $m)', not the ESP8266 image"
done
case $(img 24:0a:c4:00:30:03) in *boot32.bin*pt32.bin*app32.bin*) ;; *) fail "ESP32 written with '$(img 24:0a:c4:00:30:03)'" ;; esac
[ "$(img 58:cf:79:00:30:04)" = factory-c3.bin ] || fail "C3 written with '$(img 58:cf:79:00:30:04)'"
say "devices: $(q "select group_concat(mac || ' ' || family || ' ' || description, '; ') from devices")"
[ "$(q "select group_concat(family, ' ') from (select family from devices order by family)")" = "esp32 esp32c3 esp8266 esp8266" ] ||
	fail "families recorded: $(q "select group_concat(family, ' ') from devices")"

# the flash of each unit: its own family's firmware, nothing else
for n in 0 1; do
	size=$(stat -c %s "$W/slot$n.flash.bin")
	blank "$T/expect$n.bin" "$size"
	put "$T/expect$n.bin" 0 "$T/fw.bin"
	# the ESP8266 header: dout, the unit's size (1 MB = 0x20), frequency kept
	printf "$(printf '\\%03o\\%03o' 3 $((32 | ($(byte "$T/fw.bin" 3) & 15))))" >"$T/hdr"
	put "$T/expect$n.bin" 2 "$T/hdr"
done
expect_esp32 "$T/expect2.bin" "$(stat -c %s "$W/slot2.flash.bin")"
expect_c3 "$T/expect3.bin" "$(stat -c %s "$W/slot3.flash.bin")"
for n in 0 1 2 3; do
	cmp "$T/expect$n.bin" "$W/slot$n.flash.bin" >"$T/cmp" 2>&1 ||
		fail "slot $n: flash is not its family's firmware, erased elsewhere: $(cat "$T/cmp")"
	say "slot $n: $(sed -n 's/.*"description":"\([^"]*\)".*/\1/p' "$W/slot$n.emu.log" | head -n 1): flash = its family's firmware"
done
[ "$(q "select count(*) from events where type = 'clean.proven'")" = 4 ] || fail "clean proof not recorded for every job"
[ "$(q 'pragma integrity_check')" = ok ] || fail "integrity_check"
say "ok"
