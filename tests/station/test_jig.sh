#!/bin/sh
# SPDX-License-Identifier: MIT
# A fixed jig (after_job.wait_removal): the adapter stays plugged in and the
# operator puts unit after unit into it.  After the first job the worker waits
# while the same unit is still there, starts a new job as soon as another MAC
# answers, and each unit gets its own backup.
CASE=station_jig
. "$(dirname "$0")/station_lib.sh"
"$MKIMAGE" image "$T/fw.bin" 300000 5
write_cfg refurbish
sed -i 's/wait_removal = false/wait_removal = true/' "$T/station.cfg"
# once the first job is closed, the operator swaps the unit in the jig
hook='[ -e "$2/reseated" ] || [ "$(sqlite3 "$2/data/station.db" "select count(*) from jobs where end_ms is not null")" != 1 ] ||
	{ sleep 3; echo "reseat 0" >"$VRACK_CONTROL"; : >"$2/reseated"; }'
rack --baud-fast --slot "0 kind=cp2102 timing=fast" -- sh -c "$station_cmd" sh "$ST" "$T" 2 "$hook"
show_station
grep -q "station exit 0" "$T/out" || fail "station did not stop cleanly"
say "jobs: $(q "select group_concat(j.id || ':' || d.mac || ':' || j.result, ' ') from jobs j join devices d on d.id = j.device_id")"
[ "$(q "select count(distinct d.mac) from jobs j join devices d on d.id = j.device_id where j.result = 'passed'")" = 2 ] ||
	fail "expected two units served in one jig"
[ "$(q "select count(distinct adapter_id) from jobs")" = 1 ] || fail "the adapter changed"
[ "$(q "select count(*) from backups")" = 2 ] || fail "each unit needs its own backup"
[ "$(q 'pragma integrity_check')" = ok ] || fail "integrity_check"
say "ok"
