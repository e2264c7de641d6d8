#!/bin/sh
# SPDX-License-Identifier: MIT
# Units with security features on (issue 10), in one rack: an ESP32 with
# flash encryption (its flash is ciphertext), an ESP32-C3 in Secure Download
# Mode, an ESP32-C3 with secure boot.  Refurbish refuses all three with
# their reasons (database, station log); backup mode refuses the encrypted
# unit unless backup_ciphertext = true, and then records its backup as
# ciphertext (the file is the unit's flash as it is); the Secure Download
# Mode unit cannot be read at all.  Through all of it no unit hears an
# erase or a write command, and every flash ends as it started.
CASE=station_esp32_secure
. "$(dirname "$0")/station_lib.sh"
. "$(dirname "$0")/esp32_lib.sh"
MACFE=24:0a:c4:00:50:01
MACSB=58:cf:79:00:50:03
original "$T/origfe.bin" 1048576 0x1000 0 24
original "$T/origsdm.bin" 1048576 0 5 35
original "$T/origsb.bin" 1048576 0 5 36
make_esp32_firmware
write_cfg refurbish
cfg_no_esp8266 "$T/station.cfg"
cfg_images "$T/station.cfg"
cp "$T/station.cfg" "$T/refurbish.cfg"
sed 's/^mode = .*/mode = "backup";/' "$T/refurbish.cfg" >"$T/backup.cfg"
{ cat "$T/backup.cfg"; echo "backup_ciphertext = true;"; } >"$T/ciphertext.cfg"
RUN_ARGS="--events json:$T/events.jsonl"
export RUN_ARGS
cmd='
	. "$IN_RACK"
	run_until "$1" "$2" refurbish 3
	run_until "$1" "$2" backup 6
	run_until "$1" "$2" ciphertext 9'
rack --baud-fast --dump-flash \
	--slot "0 kind=cp2102n chip=esp32 security=fe timing=fast flash=1MB mac=$MACFE image=$T/origfe.bin" \
	--slot "1 kind=ch9102 chip=esp32c3 security=sdm timing=fast flash=1MB mac=58:cf:79:00:50:02 image=$T/origsdm.bin" \
	--slot "2 kind=ch9102 chip=esp32c3 security=sb timing=fast flash=1MB mac=$MACSB image=$T/origsb.bin" \
	-- sh -c "$cmd" sh "$ST" "$T"
show_station
cat "$T/out"
stopped_cleanly 3
# job SLOT MODE N: the Nth (from 0) job of that mode on that slot
job() {
	q "select result || ':' || stage || ':' || coalesce(err_name, '') || ':' || coalesce(err_msg, '') from jobs
		where slot = '$1' and mode = '$2' order by id limit 1 offset $3"
}
for m in refurbish backup; do
	say "$m: $(q "select group_concat(slot || ':' || result || ':' || coalesce(err_name, ''), ' ') from jobs where mode = '$m'")"
done

# refurbish: each refused before anything is erased, with its reason
case $(job ttyUSB0 refurbish 0) in
"refused:detect:ESP_E_SECURITY:ESP32-D0WD-V3 (revision v3.1) $MACFE has flash encryption on"*"nothing changed"*) ;;
*) fail "encrypted ESP32 not refused with its reason: $(job ttyUSB0 refurbish 0)" ;;
esac
case $(job ttyACM0 refurbish 0) in
"refused:detect:ESP_E_SECURITY:"*"Secure Download Mode"*) ;;
*) fail "C3 in Secure Download Mode not refused with its reason: $(job ttyACM0 refurbish 0)" ;;
esac
case $(job ttyACM1 refurbish 0) in
"refused:detect:ESP_E_SECURITY:"*"$MACSB has secure boot on"*) ;;
*) fail "C3 with secure boot not refused with its reason: $(job ttyACM1 refurbish 0)" ;;
esac
grep -q 'ttyUSB0.*refused.*flash encryption' "$T/station.log" &&
	grep -q 'ttyACM0.*refused.*Secure Download Mode' "$T/station.log" &&
	grep -q 'ttyACM1.*refused.*secure boot' "$T/station.log" ||
	fail "the station log does not give every unit's reason"
[ "$(grep -c '"type":"done".*"result":"refused"' "$T/events.jsonl")" -ge 3 ] ||
	fail "events: $(grep '"type":"done"' "$T/events.jsonl")"
grep '"type":"done"' "$T/events.jsonl" | grep -q 'Secure Download Mode' || fail "no event names Secure Download Mode"

# backup mode, backup_ciphertext off: the encrypted unit refused, saying how
case $(job ttyUSB0 backup 0) in
"refused:detect:ESP_E_SECURITY:"*"flash encryption on: a backup would be ciphertext"*"backup_ciphertext = true"*) ;;
*) fail "encrypted unit's plain backup not refused with its reason: $(job ttyUSB0 backup 0)" ;;
esac
for n in 0 1; do
	case $(job ttyACM0 backup $n) in
	"refused:detect:ESP_E_SECURITY:"*"Secure Download Mode"*) ;;
	*) fail "C3 in Secure Download Mode not refused in backup mode: $(job ttyACM0 backup $n)" ;;
	esac
done
# secure boot alone: the flash is plaintext, its backup an ordinary one
[ "$(q "select count(*) from backups b join devices d on d.id = b.device_id where d.mac = '$MACSB' and b.ciphertext = 0")" = 2 ] ||
	fail "the secure-boot C3's backups: $(q "select b.ciphertext from backups b join devices d on d.id = b.device_id where d.mac = '$MACSB'")"

# backup_ciphertext = true: taken, recorded as ciphertext for this MAC
case $(job ttyUSB0 backup 1) in passed:*) ;; *) fail "ciphertext backup: $(job ttyUSB0 backup 1)" ;; esac
row=$(q "select b.path || '|' || b.ciphertext || '|' || b.verified from backups b
	join devices d on d.id = b.device_id where d.mac = '$MACFE'")
say "encrypted unit's backup with backup_ciphertext: $(job ttyUSB0 backup 1); ciphertext|verified = ${row#*|}"
[ "$(echo "$row" | grep -c .)" = 1 ] || fail "expected one backup of the encrypted unit: $row"
[ "${row#*|}" = "1|1" ] || fail "the encrypted unit's backup is not recorded as verified ciphertext: $row"
cmp -s "${row%%|*}" "$T/origfe.bin" || fail "the ciphertext backup is not the unit's flash as it is"
[ "$(q "select security from devices where mac = '$MACFE'")" != "" ] || fail "no security state recorded"
say "devices: $(q "select group_concat(mac || ' ' || coalesce(security, '-'), '; ') from devices")"

# nothing was erased or written, on any unit, in any mode
untouched 0 "$T/origfe.bin"
untouched 1 "$T/origsdm.bin"
untouched 2 "$T/origsb.bin"
[ "$(q 'pragma integrity_check')" = ok ] || fail "integrity_check"
say "ok"
