#!/bin/sh
# SPDX-License-Identifier: MIT
# The backup and flash modes on the new chips (issue 10): an ESP32 and an
# ESP32-C3 are backed up (backup mode: the files equal the units' flash, and
# their own logs show no erase and no write), then flashed (flash mode, no
# backup: chip erase, write, verify; the flash is exactly the firmware at
# its addresses with the boot header patched, 0xFF elsewhere).
CASE=station_esp32_modes
. "$(dirname "$0")/station_lib.sh"
. "$(dirname "$0")/esp32_lib.sh"
MAC32=24:0a:c4:00:20:01
MACC3=58:cf:79:00:20:02
S32=1048576
SC3=2097152
original "$T/orig32.bin" $S32 0x1000 0 22
original "$T/origc3.bin" $SC3 0 5 32
make_esp32_firmware
write_cfg backup
cfg_no_esp8266 "$T/station.cfg"
cfg_images "$T/station.cfg"
cp "$T/station.cfg" "$T/backup.cfg"
sed 's/^mode = .*/mode = "flash";/' "$T/backup.cfg" >"$T/flash.cfg"
cmd='
	. "$IN_RACK"
	run_until "$1" "$2" backup 2
	for n in 0 1; do cp "$VRACK_WORKDIR/slot$n.emu.log" "$2/after-backup$n.log"; done
	run_until "$1" "$2" flash 4'
rack --baud-fast --dump-flash \
	--slot "0 kind=cp2102n chip=esp32 timing=fast flash=1MB mac=$MAC32 image=$T/orig32.bin" \
	--slot "1 kind=ch9102 chip=esp32c3 timing=fast flash=2MB mac=$MACC3 image=$T/origc3.bin" \
	-- sh -c "$cmd" sh "$ST" "$T"
show_station
cat "$T/out"
stopped_cleanly 2
say "jobs: $(q "select group_concat(slot || ':' || mode || ':' || result, ' ') from jobs")"
[ "$(q "select count(*) from jobs where result = 'passed'")" = 4 ] ||
	fail "jobs did not pass: $(q "select slot, mode, result, stage, err_msg from jobs")"
for n in 0 1; do
	if [ $n = 0 ]; then mac=$MAC32 c=32 size=$S32 kind=esp32; else mac=$MACC3 c=c3 size=$SC3 kind=c3; fi
	stages() {
		q "select group_concat(s.stage, ' ') from job_stages s join jobs j on j.id = s.job_id
			join devices d on d.id = j.device_id where j.mode = '$1' and d.mac = '$mac' and s.outcome = 'ok'"
	}
	say "slot $n: backup job: $(stages backup); flash job: $(stages flash)"
	[ "$(stages backup)" = "detect backup reset" ] || fail "slot $n: backup mode ran other stages"
	# (stages after verify, such as reset, are not this test's business)
	case $(stages flash) in
	*backup*) fail "slot $n: flash mode backed up" ;;
	"detect erase write verify"*) ;;
	*) fail "slot $n: flash mode stages wrong" ;;
	esac
	path=$(q "select b.path from backups b join devices d on d.id = b.device_id where d.mac = '$mac'")
	[ "$(q "select count(*) from backups b join devices d on d.id = b.device_id where d.mac = '$mac'")" = 1 ] ||
		fail "slot $n: expected exactly one backup (from the backup job)"
	cmp -s "$path" "$T/orig$c.bin" || fail "slot $n: backup differs from the unit's flash"
	b=$(emu_cmds "$T/after-backup$n.log")
	say "slot $n device log after the backup job: $b"
	echo "$b" | grep -q 'READ_FLASH' || fail "slot $n: backup job did not read"
	! echo "$b" | grep -Eq 'ERASE|FLASH_DEFL|FLASH_DATA|FLASH_BEGIN' || fail "slot $n: backup job erased or wrote"
	"expect_$kind" "$T/expect$n.bin" $size
	cmp "$T/expect$n.bin" "$W/slot$n.flash.bin" >"$T/cmp" 2>&1 ||
		fail "slot $n: flash is not the firmware at its addresses, erased elsewhere: $(cat "$T/cmp")"
done
[ "$(q 'pragma integrity_check')" = ok ] || fail "integrity_check"
say "ok"
