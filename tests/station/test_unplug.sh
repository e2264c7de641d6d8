#!/bin/sh
# SPDX-License-Identifier: MIT
# Unplug in the middle of a stage (the unit hangs up after BYTES bytes, then
# the adapter is unplugged): the job is closed as "unplugged" at that stage,
# and nothing is lost: no erase before the backup was committed, and every
# recorded backup is on disk with its hash.  Argument 5: STAGE BYTES.
CASE=station_unplug_$5
. "$(dirname "$0")/station_lib.sh"
STAGE=$5
BYTES=$6
"$MKIMAGE" image "$T/fw.bin" 300000 5
write_cfg refurbish
rack --baud-fast --slot "0 kind=cp2102 timing=fast faults=unplug_after=$BYTES" \
	--slot "1 kind=ch340 timing=fast" -- sh -c "$station_cmd" sh "$ST" "$T" 2
show_station
grep -q "station exit 0" "$T/out" || fail "station did not stop cleanly"
row=$(q "select result || '|' || stage from jobs where slot = 'ttyUSB0'")
say "slot 0 job: $row (unplugged after $BYTES bytes)"
[ "$row" = "unplugged|$STAGE" ] || fail "expected unplugged|$STAGE, got $row"
[ "$(q "select result from jobs where slot <> 'ttyUSB0'")" = passed ] || fail "the other slot noticed"
cmds=$(emu_cmds "$W/slot0.emu.log")
say "device log: $cmds"
if echo "$cmds" | grep -q ERASE_FLASH; then
	echo "$cmds" | grep -Eq 'READ_FLASH[*0-9]* SPI_FLASH_MD5 ERASE_FLASH' || fail "erase without a finished backup"
	[ "$(q "select count(*) from backups b join jobs j on j.id = b.job_id where j.slot = 'ttyUSB0'")" = 1 ] ||
		fail "erase happened but no backup row"
fi
q "select path || ' ' || sha256 from backups" | while read -r path sha; do
	[ "$(sha256sum <"$path" | cut -d' ' -f1)" = "$sha" ] || fail "backup $path unreadable or altered"
done
[ "$(q 'pragma integrity_check')" = ok ] || fail "integrity_check"
say "ok"
