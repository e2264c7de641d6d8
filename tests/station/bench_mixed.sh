#!/bin/sh
# SPDX-License-Identifier: MIT
# Mixed-rack benchmark (label bench; issue 10): one refurbish of a
# stock-like ESP8266EX, ESP8285, ESP32 and ESP32-C3 at once, at 921600 baud
# with realistic emulated flash timing, each with its own family's firmware
# (the ESP8266 one 420 000 bytes; the ESP32 one in esptool's three parts).
# Prints per unit: chip, cycle, the time of each stage, bytes read by the
# backup and bytes written.  It never fails on speed, only on a job that does
# not pass.  Arguments: VRACK ESPSTATION UDEV_PROBE MKIMAGE.
CASE=bench_station_mixed
. "$(dirname "$0")/station_lib.sh"
. "$(dirname "$0")/esp32_lib.sh"
"$MKIMAGE" image "$T/fw.bin" 420000 5
make_esp32_firmware
STUB=921600 FALLBACK=460800 CT=30 write_cfg refurbish
cfg_images "$T/station.cfg"
t0=$(now)
rack \
	--slot "0 kind=cp2102 timing=real mac=60:01:94:00:40:01 layout=stock" \
	--slot "1 kind=ch340 chip=esp8285 timing=real mac=dc:4f:22:00:40:02 layout=stock" \
	--slot "2 kind=cp2102n chip=esp32 timing=real mac=24:0a:c4:00:40:03 layout=stock" \
	--slot "3 kind=ch9102 chip=esp32c3 timing=real mac=58:cf:79:00:40:04 layout=stock" \
	-- sh -c "$station_cmd" sh "$ST" "$T" 4
t1=$(now)
[ "$(q "select count(*) from jobs where result = 'passed'")" = 4 ] ||
	fail "jobs: $(q "select slot, result, stage, err_msg from jobs")"
echo "mixed-rack benchmark: 4 stock-like units at once, refurbish at 921600, realistic flash"
q "select d.description, printf('%.2f', (j.end_ms - j.start_ms) / 1000.0),
	(select group_concat(s.stage || ' ' || printf('%.2f', (s.end_ms - s.start_ms) / 1000.0), ', ')
	 from job_stages s where s.job_id = j.id),
	(select s.bytes from job_stages s where s.job_id = j.id and s.stage = 'backup'),
	(select w.size from job_writes w where w.job_id = j.id)
	from jobs j join devices d on d.id = j.device_id order by j.slot" |
	awk -F'|' '{ printf "  %-34s cycle %6s s  (%s)  flash %s B, written %s B\n", $1, $2, $3, $4, $5 }'
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "  rack run (plug to last job closed, incl. start-up): %.1f s\n", b - a }'
