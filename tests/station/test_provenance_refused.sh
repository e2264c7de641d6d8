#!/bin/sh
# SPDX-License-Identifier: MIT
# A unit whose only backups are "blank" and "ours" has nothing restore may
# write (issue 9).  A blank unit (layout=blank) is refurbished twice: its
# first backup is all 0xFF ("blank"), its second holds our own firmware
# ("ours").  Then restore is asked for, by the station in restore mode and
# by `espstation restore --port`: both refuse, saying what the vault holds
# and how to write one of those anyway, and NOTHING is written: after the
# mark, the unit's own log shows the restores reached it (SYNC) but no
# erase and no write, and its final flash is still our firmware.
CASE=station_provenance_refused
. "$(dirname "$0")/station_lib.sh"
MAC=60:01:94:00:00:5b
"$MKIMAGE" image "$T/fw.bin" 300000 5
write_cfg refurbish
cat >>"$T/station.cfg" <<CFG
slots = ( { id_path = "pci-0000:00:14.0-usb-0:1.1:1.0"; name = "A"; } );
CFG
cp "$T/station.cfg" "$T/refurbish.cfg"
sed 's/^mode = .*/mode = "restore";/' "$T/refurbish.cfg" >"$T/restore.cfg"
export MAC
cmd='
	. "$IN_RACK"
	run_until "$1" "$2" refurbish 1
	run_until "$1" "$2" refurbish 2
	# what the unit heard before the restores
	wc -l <"$VRACK_WORKDIR/slot0.emu.log" >"$2/mark"
	run_until "$1" "$2" restore 3
	"$1" restore --port /dev/ttyUSB0 --baud 3000000 --config "$2/refurbish.cfg" \
		>"$2/restore.out" 2>"$2/restore.err"
	echo "restore_port exit $?"
	"$1" audit mac "$MAC" --config "$2/refurbish.cfg" >"$2/audit.out" 2>&1; echo "audit exit $?"'
rack --baud-fast --dump-flash --slot "0 kind=cp2102 timing=fast mac=$MAC layout=blank" \
	-- sh -c "$cmd" sh "$ST" "$T"
show_station
sed 's/^/    /' "$T/out"
say "jobs: $(q "select group_concat(coalesce(slot, '-') || ':' || mode || ':' || result || ':' || stage, ' ') from jobs")"
[ "$(grep -c '^\(refurbish\|restore\) exit 0$' "$T/out")" = 3 ] || fail "a station run did not stop cleanly"
[ "$(q "select group_concat(result, ' ') from jobs where mode = 'refurbish'")" = "passed passed" ] ||
	fail "the refurbishes did not pass"
q "select b.id || ' ' || b.provenance || ' ' || b.path from backups b join devices d on d.id = b.device_id
	where d.mac = '$MAC' order by b.id" >"$T/backups"
say "backups: $(tr '\n' ';' <"$T/backups")"
[ "$(awk '{ printf "%s%s", (NR > 1 ? " " : ""), $2 }' "$T/backups")" = "blank ours" ] ||
	fail "backups are not 'blank ours'"
ours_path=$(sed -n '2s/^[0-9]* [a-z]* //p' "$T/backups")

# --- both restores refused, saying what exists and what to do
want="2 backups of $MAC: 1 ours, 1 blank; none original or imported: restore needs --backup FILE to write one of those"
row=$(q "select result || '|' || stage || '|' || err_msg from jobs where mode = 'restore' and slot = 'A'")
say "station restore: $row"
[ "${row%%|*}" = refused ] || fail "the station's restore job was not refused: $row"
case $row in *"$want"*) ;; *) fail "the station's refusal does not say what exists: $row" ;; esac
grep -q "^restore_port exit 6$" "$T/out" || fail "restore --port: $(grep "^restore_port exit" "$T/out"), want 6: $(cat "$T/restore.err")"
say "restore --port: $(tail -n 1 "$T/restore.err")"
grep -qF "$want" "$T/restore.err" || fail "restore --port does not say what exists: $(cat "$T/restore.err")"
[ "$(q "select count(*) from jobs where mode = 'restore' and result = 'refused'")" = 2 ] ||
	fail "not two refused restore jobs"
[ "$(q "select count(*) from job_writes w join jobs j on j.id = w.job_id where j.mode = 'restore'")" = 0 ] &&
	[ "$(q "select count(*) from restores")" = 0 ] || fail "a refused restore recorded a write"

# --- nothing written: the unit's own log after the mark, and its flash
mark=$(cat "$T/mark")
cmds=$(tail -n +$((mark + 1)) "$W/slot0.emu.log" >"$T/after.log" && emu_cmds "$T/after.log")
say "the unit's commands during the restores: $cmds"
[ "$(grep -c '"name":"SYNC"' "$T/after.log")" -ge 2 ] || fail "the restores never reached the unit"
# (detect's zero-size FLASH_BEGIN attaches the SPI flash: no blocks, nothing erased)
! grep -v '"name":"FLASH_BEGIN","erase_size":0,"blocks":0,.*"erased_sectors":0,' "$T/after.log" |
	grep -Eq '"ev":"erase"|"name":"(ERASE_FLASH|ERASE_REGION|FLASH_BEGIN|FLASH_DATA|FLASH_DEFL_BEGIN|FLASH_DEFL_DATA|FLASH_END|FLASH_DEFL_END)"' ||
	fail "a refused restore erased or wrote: $cmds"
cmp -s "$ours_path" "$W/slot0.flash.bin" || fail "the unit's flash changed: it is no longer our firmware"
# --- audit says the same
grep -q "^audit exit 0" "$T/out" || fail "audit mac: $(cat "$T/audit.out")"
say "audit: $(grep '^Restore without --backup' "$T/audit.out")"
grep -qxF "Restore without --backup refuses: $want" "$T/audit.out" || fail "audit mac does not say why restore writes nothing: $(cat "$T/audit.out")"
[ "$(q 'pragma integrity_check')" = ok ] || fail "integrity_check"
say "ok"
