#!/bin/sh
# SPDX-License-Identifier: MIT
# Unplug in the middle of a stage: the test follows the station's own JSON
# event stream and pulls slot 0's adapter (vrack's control FIFO) the moment
# the stage begins.  The job is closed as "unplugged" at that stage, the other
# slot never notices, and nothing is lost: no erase before the backup was
# committed, and every recorded backup is on disk with its hash.
# Argument 5: the stage (detect, backup, erase, write, verify).
CASE=station_unplug_$5
. "$(dirname "$0")/station_lib.sh"
STAGE=$5
# a 1 MB image on a 4 MB unit with real flash timing: every stage lasts long
# enough to be interrupted (erase ~6 s, verify's MD5 ~0.2 s)
"$MKIMAGE" image "$T/fw.bin" 1000000 5
write_cfg refurbish
mkfifo "$T/events"
RUN_ARGS="--events json:$T/events"
export RUN_ARGS STAGE
cmd='
	while IFS= read -r line; do
		case $line in *"\"slot\":\"ttyUSB0\""*"\"stage\":\"$STAGE\""*)
			[ -e "$3/pulled" ] || { echo "unplug 0" >"$VRACK_CONTROL"; : >"$3/pulled"; } ;;
		esac
	done <"$3/events" &
	sh -c "$1" sh "$2" "$3" 2'
rack --baud-fast --slot "0 kind=cp2102 flash=4MB" --slot "1 kind=ch340 timing=fast" \
	-- sh -c "$cmd" sh "$station_cmd" "$ST" "$T"
show_station
grep -q "station exit 0" "$T/out" || fail "station did not stop cleanly"
[ -e "$T/pulled" ] || fail "the stage $STAGE was never reported"
row=$(q "select result || '|' || stage from jobs where slot = 'ttyUSB0'")
say "slot 0 job: $row (pulled when $STAGE began)"
[ "$row" = "unplugged|$STAGE" ] || fail "expected unplugged|$STAGE, got $row"
# the stage it was in has its row: where the job stopped, and why
srow=$(q "select s.outcome || '|' || s.err_name from job_stages s join jobs j on j.id = s.job_id
	where j.slot = 'ttyUSB0' and s.stage = '$STAGE'")
[ "$srow" = "failed|ESP_E_NODEV" ] || fail "no stage row for the interrupted $STAGE: '$srow'"
[ "$(q "select result from jobs where slot <> 'ttyUSB0'")" = passed ] || fail "the other slot noticed"
cmds=$(emu_cmds "$W/slot0.emu.log")
say "device log: $cmds"
if echo "$cmds" | grep -Eq 'ERASE_(FLASH|REGION)'; then
	echo "$cmds" | grep -Eq 'READ_FLASH[*0-9]* SPI_FLASH_MD5 ERASE_(FLASH|REGION)' || fail "erase without a finished backup"
	[ "$(q "select count(*) from backups b join jobs j on j.id = b.job_id where j.slot = 'ttyUSB0'")" = 1 ] ||
		fail "erase happened but no backup row"
fi
q "select path || ' ' || sha256 from backups" | while read -r path sha; do
	[ "$(sha256sum <"$path" | cut -d' ' -f1)" = "$sha" ] || fail "backup $path unreadable or altered"
done
[ "$(q 'pragma integrity_check')" = ok ] || fail "integrity_check"
say "ok"
