#!/bin/sh
# SPDX-License-Identifier: MIT
# Faults in the station: a flash that lies about writes is caught by verify
# (job failed, "reject unit"); brown-out reads are re-read until the backup
# matches the chip; noise on the wire either ends in a job proven right or in
# a failed job -- never in a pass on bad data; a sector that will not erase
# fails the clean-unit proof, naming the sector.
CASE=station_faults
. "$(dirname "$0")/station_lib.sh"
"$MKIMAGE" image "$T/fw.bin" 300000 5
for n in 0 1 2; do "$MKIMAGE" random "$T/orig$n.bin" 1048576 $((n + 20)); done
write_cfg refurbish
rack --baud-fast --dump-flash \
	--slot "0 kind=cp2102 timing=fast faults=lie_writes=1 image=$T/orig0.bin" \
	--slot "1 kind=ch340 timing=fast faults=brownout_reads=3 image=$T/orig1.bin" \
	--slot "2 kind=ft232r timing=fast faults=drop_ppm=2,flip_ppm=2 seed=7 image=$T/orig2.bin" \
	--slot "3 kind=cp2102 timing=fast layout=stock faults=stuck_sector=0xFB000" \
	-- sh -c "$station_cmd" sh "$ST" "$T" 4
show_station
grep -q "station exit 0" "$T/out" || fail "station did not stop cleanly"
say "jobs: $(q "select group_concat(slot || ':' || result || ':' || stage || ':' || coalesce(err_name, ''), ' ') from jobs")"
[ "$(q "select result || ':' || stage || ':' || err_name from jobs where slot = 'ttyUSB0'")" = "failed:verify:ESP_E_VERIFY" ] ||
	fail "the lying flash was not caught by verify"
grep -q "ttyUSB0.*reject unit" "$T/station.log" || fail "no 'reject unit' cause for the operator"
[ "$(q "select result from jobs where slot = 'ttyUSB1'")" = passed ] || fail "brown-out reads were not recovered"
grep -q "ttyUSB1.*re-reading" "$T/station.log" || fail "no re-read was reported for the brown-out unit"
check_backup() { # SLOT N: the recorded backup equals the unit's original flash
	path=$(q "select b.path from backups b join jobs j on j.id = b.job_id where j.slot = '$1'")
	[ -n "$path" ] && cmp -s "$path" "$T/orig$2.bin" || fail "$1: backup differs from the unit's flash"
}
check_backup ttyUSB0 0
check_backup ttyUSB1 1
r2=$(q "select result from jobs where slot = 'ttyUSB2'")
say "noisy unit: $r2 ($(q "select coalesce(err_msg, 'no error') from jobs where slot = 'ttyUSB2'"))"
if [ "$r2" = passed ]; then
	check_backup ttyUSB2 2
	[ "$(q "select count(*) from job_writes w join jobs j on j.id = w.job_id where j.slot = 'ttyUSB2'")" = 1 ] ||
		fail "passed without a recorded write"
else
	[ "$r2" = failed ] || fail "noisy unit: unexpected result $r2"
fi
[ "$(q "select result || ':' || stage || ':' || err_name from jobs where slot = 'ttyUSB3'")" = "failed:verify:ESP_E_VERIFY" ] ||
	fail "a stuck sector passed the clean proof: $(q "select result, stage, err_msg from jobs where slot = 'ttyUSB3'")"
q "select err_msg from jobs where slot = 'ttyUSB3'" | grep -q "0x0fb000 still holds data" ||
	fail "the stuck sector is not named: $(q "select err_msg from jobs where slot = 'ttyUSB3'")"
[ "$(q "select count(*) from jobs where clean_proven = 1 and slot = 'ttyUSB3'")" = 0 ] || fail "stuck unit recorded as clean"
[ "$(q 'pragma integrity_check')" = ok ] || fail "integrity_check"
say "ok"
