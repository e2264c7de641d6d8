#!/bin/sh
# SPDX-License-Identifier: MIT
# Restore writes each unit's original firmware, whatever happened since
# (issue 9): two units are refurbished twice (the second backups hold our
# own firmware: provenance "ours"), then restored: each gets its original
# back, and audit says which backup restore chooses and why.  A third,
# unmapped port is served by the single-port commands only: a hand-made
# backup imported for its MAC is what restore writes onto it, and an import
# recorded under another MAC is refused there.
CASE=station_provenance
. "$(dirname "$0")/station_lib.sh"
"$MKIMAGE" image "$T/fw.bin" 300000 5
for n in 0 1 2; do "$MKIMAGE" random "$T/orig$n.bin" 1048576 $((n + 40)); done
write_cfg refurbish
cat >>"$T/station.cfg" <<CFG
allow_unmapped = false;
slots = (
  { id_path = "pci-0000:00:14.0-usb-0:1.1:1.0"; name = "A"; },
  { id_path = "pci-0000:00:14.0-usb-0:1.2:1.0"; name = "B"; }
);
CFG
cp "$T/station.cfg" "$T/refurbish.cfg"
sed 's/^mode = .*/mode = "restore";/' "$T/refurbish.cfg" >"$T/restore.cfg"
cmd='
	. "$IN_RACK"
	run_until "$1" "$2" refurbish 2
	run_until "$1" "$2" refurbish 4
	run_until "$1" "$2" restore 6
	# the third unit: a hand-made backup of it, imported, then restored
	"$1" write --port /dev/ttyUSB2 --baud 921600 "$2/fw.bin" >"$2/w2.out" 2>&1; echo "write2 exit $?"
	"$1" vault import --mac 60:01:94:00:00:2c --config "$2/refurbish.cfg" "$2/orig2.bin" \
		>"$2/import.out" 2>&1; echo "import exit $?"
	"$1" restore --port /dev/ttyUSB2 --baud 921600 --config "$2/refurbish.cfg" \
		>"$2/r2.out" 2>&1; echo "restore2 exit $?"
	# the same file recorded under another MAC: never written onto this unit
	"$1" vault import --mac 60:01:94:00:00:2b --config "$2/refurbish.cfg" "$2/orig2.bin" \
		>"$2/import_wrong.out" 2>&1; echo "import_wrong exit $?"
	f=$(sqlite3 "$2/data/station.db" "select path from backups where provenance = '"'"'imported'"'"' order by id desc limit 1")
	"$1" restore --port /dev/ttyUSB2 --baud 921600 --config "$2/refurbish.cfg" --backup "$f" \
		>"$2/r_wrong.out" 2>&1; echo "restore_wrong exit $?"
	"$1" audit mac 60:01:94:00:00:2a --config "$2/refurbish.cfg" >"$2/audit.out" 2>&1; echo "audit exit $?"'
rack --baud-fast --dump-flash \
	--slot "0 kind=cp2102 timing=fast mac=60:01:94:00:00:2a image=$T/orig0.bin" \
	--slot "1 kind=ch340 timing=fast mac=60:01:94:00:00:2b image=$T/orig1.bin" \
	--slot "2 kind=ft232r timing=fast mac=60:01:94:00:00:2c image=$T/orig2.bin" \
	-- sh -c "$cmd" sh "$ST" "$T"
show_station
cat "$T/out"
say "jobs: $(q "select group_concat(coalesce(slot, '-') || ':' || mode || ':' || result, ' ') from jobs")"
say "backups: $(q "select group_concat(d.mac || ':' || b.provenance, ' ') from backups b join devices d on d.id = b.device_id")"
[ "$(q "select count(*) from jobs where mode = 'refurbish' and result = 'passed'")" = 4 ] || fail "refurbishes did not pass"
for m in 2a 2b; do
	[ "$(q "select group_concat(b.provenance, ' ') from backups b join devices d on d.id = b.device_id
		where d.mac = '60:01:94:00:00:$m' and b.job_id is not null order by b.id")" = "original ours" ] ||
		fail "60:01:94:00:00:$m: backups are not 'original ours'"
done
[ "$(q "select count(*) from jobs where mode = 'restore' and slot <> '' and result = 'passed'")" = 2 ] ||
	fail "station restores did not pass"
for n in 0 1; do
	cmp -s "$T/orig$n.bin" "$W/slot$n.flash.bin" || fail "slot $n: restore did not write the unit's original"
done
grep -q "^import exit 0" "$T/out" || fail "import: $(cat "$T/import.out")"
grep -q "^restore2 exit 0" "$T/out" || fail "restore of the import: $(cat "$T/r2.out")"
cmp -s "$T/orig2.bin" "$W/slot2.flash.bin" || fail "slot 2: the imported backup was not restored"
[ "$(q "select imported_by is not null and imported_from = 'orig2.bin' from backups where provenance = 'imported' limit 1")" = 1 ] ||
	fail "import not recorded with operator and file"
grep -q "^restore_wrong exit 6" "$T/out" || fail "an import under another MAC was not refused: $(cat "$T/r_wrong.out")"
grep -q "belongs to 60:01:94:00:00:2b, but this unit is 60:01:94:00:00:2c" "$T/r_wrong.out" ||
	fail "refusal does not name both MACs: $(cat "$T/r_wrong.out")"
grep -q "^audit exit 0" "$T/out" && grep -q "ours" "$T/audit.out" && grep -qi "original" "$T/audit.out" ||
	fail "audit mac does not show provenance: $(cat "$T/audit.out")"
# the second refurbish of a unit knows what the first left there (the same
# image, the rest proven erased): it reads nothing and writes nothing, and
# restore sends only what differs from the flash (here, all of it)
for n in 0 1; do
	log="$W/slot$n.emu.log"
	read_bytes=$(sed -n 's/.*"name":"READ_FLASH".*"length":\([0-9]*\).*/\1/p' "$log" | awk '{ s += $1 } END { print s + 0 }')
	writes=$(grep -c '"name":"FLASH_DEFL_BEGIN"' "$log")
	say "slot $n: READ_FLASH $read_bytes bytes, $writes FLASH_DEFL_BEGIN in 2 refurbishes and a restore"
	[ "$read_bytes" = 1048576 ] || fail "slot $n: the revisit read again what the station had written"
	[ "$writes" = 2 ] || fail "slot $n: the revisit wrote an image that was already on the flash"
done
[ "$(q 'pragma integrity_check')" = ok ] || fail "integrity_check"
say "ok"
