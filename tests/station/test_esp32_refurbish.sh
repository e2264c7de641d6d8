#!/bin/sh
# SPDX-License-Identifier: MIT
# Refurbish, then restore, on the new chips (issue 10): an ESP32 (2 MB, on a
# CP2102N) gets esptool's three parts (boot loader at 0x1000, partition
# table, app), an ESP32-C3 (1 MB, on a CH9102 = /dev/ttyACM0) one merged
# factory file at 0x0.  Proved from the rack's own records: each backup
# equals the unit's original flash; the unit's log runs backup, erase,
# write, verify in that order; its final flash is exactly the parts at their
# addresses with the boot loader's header patched (dout, the unit's size)
# and its appended SHA-256 recomputed, and 0xFF everywhere else; audit
# names family and chip.  Then the station in restore mode writes each
# unit's ORIGINAL backup back: the flash equals the factory one, byte for
# byte (a second rack: the units as the refurbish left them).
CASE=station_esp32_refurbish
. "$(dirname "$0")/station_lib.sh"
. "$(dirname "$0")/esp32_lib.sh"
MAC32=24:0a:c4:00:10:01
MACC3=58:cf:79:00:10:02
S32=2097152
SC3=1048576
original "$T/orig32.bin" $S32 0x1000 0 21
original "$T/origc3.bin" $SC3 0 5 31
make_esp32_firmware
write_cfg refurbish
cfg_no_esp8266 "$T/station.cfg"
cfg_images "$T/station.cfg"
cp "$T/station.cfg" "$T/refurbish.cfg"
sed 's/^mode = .*/mode = "restore";/' "$T/refurbish.cfg" >"$T/restore.cfg"
slots() {
	echo "0 kind=cp2102n chip=esp32 timing=fast flash=2MB mac=$MAC32 image=$1"
	echo "1 kind=ch9102 chip=esp32c3 timing=fast flash=1MB mac=$MACC3 image=$2"
}
slots "$T/orig32.bin" "$T/origc3.bin" >"$T/refurbish.slots"
cmd='
	. "$IN_RACK"
	run_until "$1" "$2" refurbish 2
	"$1" audit mac '$MAC32' --config "$2/refurbish.cfg" >"$2/audit32.out" 2>&1
	"$1" audit mac '$MACC3' --config "$2/refurbish.cfg" >"$2/auditc3.out" 2>&1
	"$1" audit summary --family esp32c3 --config "$2/refurbish.cfg" >"$2/summary.out" 2>&1'
rack --baud-fast --dump-flash --slots "$T/refurbish.slots" -- sh -c "$cmd" sh "$ST" "$T"
show_station
cat "$T/out"
stopped_cleanly 1
say "jobs: $(q "select group_concat(slot || ':' || mode || ':' || result, ' ') from jobs")"
[ "$(q "select count(*) from jobs where mode = 'refurbish' and result = 'passed'")" = 2 ] ||
	fail "refurbishes did not pass: $(q "select slot, result, stage, err_msg from jobs")"

# the refurbish: backups, order in the unit's log, what it left on the flash
for n in 0 1; do
	if [ $n = 0 ]; then
		mac=$MAC32 c=32 size=$S32 kind=esp32 boot=0x1000
	else
		mac=$MACC3 c=c3 size=$SC3 kind=c3 boot=0
	fi
	row=$(q "select b.path || '|' || b.sha256 || '|' || b.verified || '|' || b.ciphertext from backups b
		join devices d on d.id = b.device_id where d.mac = '$mac'")
	path=${row%%|*}
	[ -f "$path" ] || fail "backup of $mac not on disk ($row)"
	cmp -s "$path" "$T/orig$c.bin" || fail "backup of $mac differs from the unit's original flash"
	[ "$(sha256sum <"$path" | cut -d' ' -f1)|1|0" = "${row#*|}" ] ||
		fail "backup of $mac: SHA-256, verified or ciphertext wrong: $row"
	log=$W/slot$n.emu.log
	cmds=$(emu_cmds "$log")
	say "slot $n ($mac) device log: $cmds"
	echo "$cmds" | grep -Eq 'READ_FLASH[*0-9]* SPI_FLASH_MD5 .*(ERASE_FLASH|ERASE_REGION)[*0-9]* .*FLASH_DEFL_BEGIN .*FLASH_DEFL_END SPI_FLASH_MD5' ||
		fail "slot $n: backup, erase, write, verify not in that order in the unit's own log"
	# no erase before the last read, no write before the last erase
	last_read=$(grep -n '"name":"READ_FLASH"' "$log" | tail -n 1 | cut -d: -f1)
	first_erase=$(grep -En '"name":"(ERASE_FLASH|ERASE_REGION)"' "$log" | head -n 1 | cut -d: -f1)
	last_erase=$(grep -En '"name":"(ERASE_FLASH|ERASE_REGION)"' "$log" | tail -n 1 | cut -d: -f1)
	first_write=$(grep -n '"name":"FLASH_DEFL_BEGIN"' "$log" | head -n 1 | cut -d: -f1)
	[ "${last_read:-0}" -lt "${first_erase:-0}" ] && [ "$last_erase" -lt "${first_write:-0}" ] ||
		fail "slot $n: last READ_FLASH at line $last_read, erases at $first_erase..$last_erase, first write at $first_write"
	# exactly the parts at their addresses, boot header patched, the rest erased
	"expect_$kind" "$T/expect$n.bin" $size
	cmp "$T/expect$n.bin" "$W/slot$n.flash.bin" >"$T/cmp" 2>&1 ||
		fail "slot $n: flash is not the firmware at its addresses, erased elsewhere: $(cat "$T/cmp")"
	# the boot loader's header was patched and its appended SHA-256 still holds
	digest_ok "$W/slot$n.flash.bin" $boot "$T/boot$c.bin" ||
		fail "slot $n: boot loader at $boot not patched, or its SHA-256 no longer matches"
	say "slot $n: boot header $(hex_at "$T/boot$c.bin" 2 2) -> $(hex_at "$W/slot$n.flash.bin" $((boot + 2)) 2), appended SHA-256 valid"
	cp "$W/slot$n.flash.bin" "$T/refurbished$n.bin"
done
grep -q 'esp32' "$T/audit32.out" && grep -q 'ESP32-D0WD-V3 (revision v3.1)' "$T/audit32.out" ||
	fail "audit mac does not show the ESP32's family and chip: $(cat "$T/audit32.out")"
grep -q 'esp32c3' "$T/auditc3.out" && grep -q 'ESP32-C3 (QFN32) (revision v0.4)' "$T/auditc3.out" ||
	fail "audit mac does not show the C3's family and chip: $(cat "$T/auditc3.out")"
say "audit mac $MAC32: $(grep -i 'esp32' "$T/audit32.out" | head -n 2 | tr -s ' ' | tr '\n' ' ')"
grep -q 'esp32c3' "$T/summary.out" && ! grep -q 'ESP32-D0WD' "$T/summary.out" ||
	fail "audit summary --family esp32c3: $(cat "$T/summary.out")"
[ "$(q "select count(*) from events where type = 'clean.proven'")" = 2 ] || fail "clean proof not recorded for both refurbishes"

# restore mode, the same units as the refurbish left them: each gets its
# ORIGINAL back, byte for byte
slots "$T/refurbished0.bin" "$T/refurbished1.bin" >"$T/restore.slots"
rack --baud-fast --dump-flash --slots "$T/restore.slots" \
	-- sh -c '. "$IN_RACK"; run_until "$1" "$2" restore 4' sh "$ST" "$T"
show_station
cat "$T/out"
stopped_cleanly 1
say "jobs: $(q "select group_concat(slot || ':' || mode || ':' || result, ' ') from jobs")"
[ "$(q "select count(*) from jobs where mode = 'restore' and result = 'passed'")" = 2 ] ||
	fail "restores did not pass: $(q "select slot, result, stage, err_msg from jobs where mode = 'restore'")"
for n in 0 1; do
	c=$([ $n = 0 ] && echo 32 || echo c3)
	cmp -s "$T/orig$c.bin" "$W/slot$n.flash.bin" || fail "slot $n: restore did not write the unit's original"
done
[ "$(q "select count(*) from restores r join backups b on b.id = r.backup_id
	where r.donor_mac = r.target_mac and r.forced = 0 and b.provenance = 'original'")" = 2 ] ||
	fail "restores not recorded as the units' own originals: $(q 'select * from restores')"
[ "$(q 'pragma integrity_check')" = ok ] || fail "integrity_check"
say "ok"
