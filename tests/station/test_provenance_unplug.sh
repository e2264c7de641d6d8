#!/bin/sh
# SPDX-License-Identifier: MIT
# Restore after an interrupted refurbish writes the unit's original (issue 9).
# A stock-like 1 MB unit (timing=real) is refurbished and pulled in the
# middle of a stage; plugged in again, the station backs it up a second time
# (what it holds now: provenance "ours", or "blank" after a chip erase), then
# refurbishes it.  Restore must write the FIRST backup, not the newest: the
# unit's final flash equals that backup and the factory flash byte for byte,
# the restore job wrote that backup's id, and `audit mac` names it and why.
# Argument 5, where the unit is pulled:
#   erase       the default targeted erase: the unit's first `erase` event;
#               restored by the station in restore mode;
#   chip_erase  erase = "chip": during the chip erase (all 0xFF at once, so
#               the second backup is "blank"); restored by the station;
#   write       the 2nd FLASH_DEFL_DATA block, before FLASH_DEFL_END;
#               restored by `espstation restore --port`.
# "Pulled during the stage" is checked in the unit's own log, not trusted.
CASE=station_provenance_unplug_$5
. "$(dirname "$0")/station_lib.sh"
case $5 in
erase) PULL_RE='"ev":"erase"' PULL_N=1 SECOND=ours STAGE=erase ;;
chip_erase) PULL_RE='"ev":"erase".*"chip":1' PULL_N=1 SECOND=blank STAGE=erase ;;
write) PULL_RE='"name":"FLASH_DEFL_DATA"' PULL_N=2 SECOND=ours STAGE=write ;;
*) echo "usage: $0 VRACK ESPSTATION UDEV_PROBE MKIMAGE erase|chip_erase|write" >&2; exit 2 ;;
esac
MAC=60:01:94:00:00:5a
UNIT="0 kind=cp2102 mac=$MAC seed=9 layout=stock"

# the unit's factory flash, from the rack alone (same seed and MAC: same flash)
rack --dump-flash --slot "$UNIT timing=fast" -- true
expect_rc 0
cp "$W/slot0.flash.bin" "$T/factory.bin"

"$MKIMAGE" image "$T/fw.bin" 300000 5
write_cfg refurbish
[ "$5" != chip_erase ] || echo 'erase = "chip";' >>"$T/station.cfg"
cat >>"$T/station.cfg" <<CFG
slots = ( { id_path = "pci-0000:00:14.0-usb-0:1.1:1.0"; name = "A"; } );
CFG
cp "$T/station.cfg" "$T/refurbish.cfg"
sed 's/^mode = .*/mode = "restore";/' "$T/refurbish.cfg" >"$T/restore.cfg"
export PULL_RE PULL_N MAC
cmd='
	. "$IN_RACK"
	log=$VRACK_WORKDIR/slot0.emu.log
	# pulls slot 0 once the unit logged PULL_N lines matching PULL_RE
	(
		while :; do
			n=$(grep -cE "$PULL_RE" "$log" 2>/dev/null)
			[ "${n:-0}" -ge "$PULL_N" ] && { echo "unplug 0" >"$VRACK_CONTROL"; echo pulled; exit; }
			sleep 0.02
		done
	) &
	watcher=$!
	run_until "$1" "$2" refurbish 1
	kill $watcher 2>/dev/null; wait $watcher
	echo "plug 0" >"$VRACK_CONTROL"
	i=0
	while [ ! -c /dev/ttyUSB1 ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	run_until "$1" "$2" refurbish 2
	if [ "$3" = write ]; then
		"$1" restore --port /dev/ttyUSB1 --baud 3000000 --config "$2/refurbish.cfg" \
			>"$2/restore.out" 2>&1
		echo "restore_port exit $?"
	else
		run_until "$1" "$2" restore 3
	fi
	"$1" audit mac "$MAC" --config "$2/refurbish.cfg" >"$2/audit.out" 2>&1; echo "audit exit $?"'
rack --baud-fast --dump-flash --slot "$UNIT" -- sh -c "$cmd" sh "$ST" "$T" "$5"
show_station
sed 's/^/    /' "$T/out"
say "jobs: $(q "select group_concat(coalesce(slot, '-') || ':' || mode || ':' || result || ':' || stage, ' ') from jobs")"
say "rack run ${SECS}s; stages (ms): $(q "select group_concat(j.id || ': ' || (select group_concat(s.stage || ' ' || (s.end_ms - s.start_ms), ', ')
	from job_stages s where s.job_id = j.id), '; ') from jobs j")"
runs=$([ "$STAGE" = write ] && echo 2 || echo 3)
[ "$(grep -c '^\(refurbish\|restore\) exit 0$' "$T/out")" = "$runs" ] || fail "a station run did not stop cleanly"
grep -q '^pulled$' "$T/out" || fail "the unit never reached the point to pull it ($PULL_RE)"

# --- pulled in the middle of the stage: the station's record and the unit's log
[ "$(q "select result || '|' || stage from jobs order by id limit 1")" = "unplugged|$STAGE" ] ||
	fail "first job: $(q "select result, stage, err_msg from jobs order by id limit 1"), want unplugged in $STAGE"
before=$(awk '/"ev":"unplug"/ { exit } { print }' "$W/slot0.emu.log")
[ "$before" != "$(cat "$W/slot0.emu.log")" ] || fail "the unit's log has no unplug event"
if [ "$STAGE" = erase ]; then
	echo "$before" | grep -qE "$PULL_RE" || fail "no erase before the unplug"
	! echo "$before" | grep -q '"name":"FLASH_DEFL_BEGIN"' || fail "the write had begun: not pulled during the erase"
else
	[ "$(echo "$before" | grep -c '"name":"FLASH_DEFL_DATA"')" -ge 2 ] || fail "pulled before the write wrote"
	! echo "$before" | grep -q '"name":"FLASH_DEFL_END"' || fail "the write had ended: not pulled during it"
fi
say "the unit's last command before the unplug: $(last_cmd_before_unplug "$W/slot0.emu.log")"

# --- the backups: the factory flash, then what the interrupted job left
q "select b.id || ' ' || b.provenance || ' ' || b.path from backups b join devices d on d.id = b.device_id
	where d.mac = '$MAC' order by b.id" >"$T/backups"
say "backups: $(tr '\n' ';' <"$T/backups")"
[ "$(awk '{ printf "%s%s", (NR > 1 ? " " : ""), $2 }' "$T/backups")" = "original $SECOND" ] ||
	fail "backups are not 'original $SECOND'"
read -r first_id _ first_path <"$T/backups"
second_path=$(sed -n '2s/^[0-9]* [a-z]* //p' "$T/backups")
cmp -s "$first_path" "$T/factory.bin" || fail "the first backup is not the unit's factory flash"
! cmp -s "$second_path" "$T/factory.bin" || fail "the second backup still equals the factory flash: nothing was interrupted"
if [ "$SECOND" = blank ]; then
	[ -z "$(tr -d '\377' <"$second_path" | head -c 1)" ] || fail "the blank backup holds data"
fi
[ "$(q "select result from jobs where mode = 'refurbish' order by id limit 1 offset 1")" = passed ] ||
	fail "the refurbish after the re-plug did not pass"

# --- the restore: the first backup, proved by the unit's own flash
if [ "$STAGE" = write ]; then
	grep -q "^restore_port exit 0" "$T/out" || fail "restore --port: $(cat "$T/restore.out")"
	say "restore --port: $(grep '^Restored backup' "$T/restore.out")"
	grep -q "^Restored backup $first_id of $MAC onto " "$T/restore.out" ||
		fail "restore --port did not say it restored backup $first_id: $(cat "$T/restore.out")"
fi
[ "$(q "select result from jobs where mode = 'restore'")" = passed ] || fail "the restore job did not pass"
[ "$(q "select w.backup_id from job_writes w join jobs j on j.id = w.job_id where j.mode = 'restore'")" = "$first_id" ] ||
	fail "the restore wrote backup $(q "select w.backup_id from job_writes w join jobs j on j.id = w.job_id where j.mode = 'restore'"), not the original $first_id"
cmp -s "$first_path" "$W/slot0.flash.bin" || fail "the unit's final flash is not its first backup"
cmp -s "$T/factory.bin" "$W/slot0.flash.bin" || fail "the unit's final flash is not its factory flash"
# --- audit says which backup restore chooses, and why
grep -q "^audit exit 0" "$T/out" || fail "audit mac: $(cat "$T/audit.out")"
why=$(grep '^Restore without --backup writes:' "$T/audit.out")
say "audit: $why"
echo "$why" | grep -q "writes: backup $first_id (original, verified, .*): the newest verified original of $MAC; 1 newer passed over: 1 $SECOND\$" ||
	fail "audit mac does not name backup $first_id and why: $(cat "$T/audit.out")"
grep -Eq "^$first_id +[0-9TZ:.-]+ +original " "$T/audit.out" && grep -Eq " $SECOND +$MAC " "$T/audit.out" ||
	fail "audit mac does not list both backups with their provenance"
[ "$(q 'pragma integrity_check')" = ok ] || fail "integrity_check"
say "ok"
