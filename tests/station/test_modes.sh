#!/bin/sh
# SPDX-License-Identifier: MIT
# The backup and flash modes select their stages: a backup-mode job backs up
# and never erases or writes; a flash-mode job (asked for explicitly) erases,
# writes and verifies without a backup.  Proved by the stages recorded and by
# each unit's own command log.
CASE=station_modes
. "$(dirname "$0")/station_lib.sh"
"$MKIMAGE" image "$T/fw.bin" 300000 5
write_cfg backup
cp "$T/station.cfg" "$T/backup.cfg"
sed 's/^mode = .*/mode = "flash";/' "$T/backup.cfg" >"$T/flash.cfg"
cmd='
	. "$IN_RACK"
	run_until "$1" "$2" backup 1
	cp "$VRACK_WORKDIR/slot0.emu.log" "$2/after-backup.log"
	run_until "$1" "$2" flash 2
	cp "$VRACK_WORKDIR/slot0.emu.log" "$2/after-flash.log"'
rack --baud-fast --slot "0 kind=cp2102 timing=fast" -- sh -c "$cmd" sh "$ST" "$T"
show_station
cat "$T/out"
stages() { q "select group_concat(s.stage, ' ') from job_stages s join jobs j on j.id = s.job_id where j.mode = '$1' and s.outcome = 'ok'"; }
say "backup job: $(stages backup); flash job: $(stages flash)"
[ "$(stages backup)" = "detect backup reset" ] || fail "backup mode ran other stages"
[ "$(stages flash)" = "detect erase write verify reset" ] || fail "flash mode stages wrong"
[ "$(q "select count(*) from backups")" = 1 ] || fail "expected exactly one backup (from the backup job)"
b=$(emu_cmds "$T/after-backup.log")
say "device log after the backup job: $b"
echo "$b" | grep -q 'READ_FLASH' || fail "backup job did not read"
! echo "$b" | grep -Eq 'ERASE|FLASH_DEFL|FLASH_DATA' || fail "backup job erased or wrote"
[ "$(q "select count(*) from jobs where result = 'passed'")" = 2 ] || fail "jobs did not pass"
say "ok"
