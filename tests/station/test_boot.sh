#!/bin/sh
# SPDX-License-Identifier: MIT
# The boot stage (issue 13) through the real `espstation run` on the rack,
# one case per ctest entry (the 5th argument), boot check on, small images,
# timing=fast.  Each verdict is checked three ways: the job's row (result,
# failing stage, cause), the boot.result event in the database, and the
# unit's own log (the emulator's "boot" event for the reset the station
# caused: what the ROM really did).
#   good        a good image boots: job passed, "booted", stages in order
#   restore     a backup whose image has one flipped byte (checksum now
#               wrong) restored: "bad-image", the job fails with the restore
#               cause; the intact unit beside it boots
#   flash_mode  the image written as QIO: a DOUT-only unit reports
#               "bad-image" (csum err), a unit that boots any mode passes
#   button      GPIO0 still held: "download-mode", the operator's cause
#   bootloop    a firmware reset by its watchdog every 300 ms: "boot-loop"
#   quiet       a quiet firmware fails as "no-output" until its file is in
#               boot.quiet, then passes; "restore" in boot.quiet passes a
#               quiet restored backup
#   bare        a bare adapter (reset = "none"): the station asks for a
#               power cycle without the button and waits; the simulated
#               operator does it a second later; then "booted", reset
#               cause 1 (power-on)
# Arguments: VRACK ESPSTATION UDEV_PROBE MKIMAGE CASE.
CASE=station_boot_$5
. "$(dirname "$0")/station_lib.sh"
WHAT=$5

"$MKIMAGE" image "$T/fw.bin" 60000 5
# the units' own firmware: a bootable image, small so that backups are quick
"$MKIMAGE" image "$T/orig.bin" 40000 7
ST_BOOT_CHECK=true write_cfg refurbish

# job MAC: "result|stage|err_name|err_msg" of the unit's last job
job() {
	q "select j.result || '|' || j.stage || '|' || coalesce(j.err_name, '') || '|' || coalesce(j.err_msg, '')
	   from jobs j join devices d on d.id = j.device_id where d.mac = '$1' order by j.id desc limit 1"
}
# boot MAC FIELD: a field of the unit's last boot.result event
boot() {
	q "select json_extract(e.data, '\$.$2') from events e join jobs j on j.id = e.job_id
	   join devices d on d.id = j.device_id where d.mac = '$1' and e.type = 'boot.result'
	   order by e.id desc limit 1"
}
# stages MAC: the stages of the unit's last job, in order
stages() {
	q "select group_concat(stage, ' ') from (select s.stage from job_stages s where s.job_id =
	   (select j.id from jobs j join devices d on d.id = j.device_id where d.mac = '$1'
	    order by j.id desc limit 1) order by s.id)"
}
# unit_boot N: the unit's last boot event (its own log): "result cause rst"
unit_boot() {
	sed -n 's/.*"ev":"boot","result":"\([a-z_]*\)","cause":"\([a-z]*\)","rst":\([0-9]*\).*/\1 \2 \3/p' \
		"$W/slot$1.emu.log" | tail -n 1
}
# expect MAC RESULT STAGE VERDICT [CAUSE]: the job, its boot.result, and
# (with CAUSE) an ERE its err_msg must match
expect() {
	row=$(job "$1")
	say "$1: $row"
	say "$1: boot.result $(boot "$1" result) (rst cause $(boot "$1" rst_cause), banners $(boot "$1" banners), $(boot "$1" ms) ms): $(boot "$1" why)"
	[ "${row%%|*}" = "$2" ] || fail "$1: job $row, expected $2"
	r=${row#*|}
	[ "${r%%|*}" = "$3" ] || fail "$1: job ended in stage '${r%%|*}', expected $3"
	[ "$(boot "$1" result)" = "$4" ] || fail "$1: boot.result $(boot "$1" result), expected $4: $(boot "$1" log)"
	[ -z "${5:-}" ] || echo "$row" | grep -Eq -- "$5" || fail "$1: cause does not match '$5': $row"
	# the boot stage right after verify; a unit that booted is not reset again
	# (stage_reset only records it), one that did not boot stops there
	st=$(stages "$1")
	if [ "$2" = passed ]; then want="verify boot reset"; else want="verify boot"; fi
	case " $st" in *" $want") ;; *) fail "$1: stages '$st', expected them to end with '$want'" ;; esac
}
# the station ran and stopped cleanly (a crash or sanitizer abort fails)
stopped_cleanly() {
	n=$(grep -c " exit " "$T/out")
	[ "$n" -ge 1 ] && [ "$(grep -c " exit 0" "$T/out")" = "$n" ] ||
		{ show_station; fail "station did not stop cleanly: $(cat "$T/out")"; }
}

case $WHAT in
good)
	rack --baud-fast --dump-flash \
		--slot "0 kind=cp2102 timing=fast mac=60:01:94:00:13:01 image=$T/orig.bin" \
		-- sh -c "$station_cmd" sh "$ST" "$T" 1
	show_station
	stopped_cleanly
	expect 60:01:94:00:13:01 passed reset booted
	[ "$(boot 60:01:94:00:13:01 rst_cause)" = 2 ] || fail "not started by the reset pin (rst cause 2)"
	boot 60:01:94:00:13:01 log | grep -q "mode : sta(60:01:94:00:13:01)" ||
		fail "the firmware's first words are not in the recorded log: $(boot 60:01:94:00:13:01 log)"
	[ "$(unit_boot 0)" = "app_ok en 2" ] || fail "the unit's last boot was '$(unit_boot 0)', not app_ok by EN"
	grep -q '"ev":"app_text"' "$W/slot0.emu.log" || fail "the unit's firmware never spoke"
	;;
restore)
	# one flipped byte in the first segment: the ROM's checksum no longer matches
	cp "$T/orig.bin" "$T/corrupt.bin"
	b=$(od -An -tu1 -j 1000 -N1 "$T/orig.bin" | tr -d ' ')
	# shellcheck disable=SC2059 # the flipped byte
	printf "$(printf '\\%03o' $((b ^ 0x40)))" | dd of="$T/corrupt.bin" bs=1 seek=1000 conv=notrunc status=none
	[ "$(cmp -l "$T/orig.bin" "$T/corrupt.bin" | wc -l)" = 1 ] || fail "not exactly one byte flipped"
	cp "$T/station.cfg" "$T/refurbish.cfg"
	sed 's/^mode = .*/mode = "restore";/' "$T/refurbish.cfg" >"$T/restore.cfg"
	rack --baud-fast --dump-flash \
		--slot "0 kind=cp2102 timing=fast mac=60:01:94:00:13:02 image=$T/corrupt.bin" \
		--slot "1 kind=ch340 timing=fast mac=60:01:94:00:13:03 image=$T/orig.bin" \
		-- sh -c '. "$IN_RACK"; run_until "$1" "$2" refurbish 2; run_until "$1" "$2" restore 4' sh "$ST" "$T"
	show_station
	stopped_cleanly
	[ "$(q "select count(*) from jobs where mode = 'refurbish' and result = 'passed'")" = 2 ] ||
		fail "the refurbish jobs did not pass: $(q "select slot, result, err_msg from jobs")"
	q "select path from backups b join devices d on d.id = b.device_id where d.mac = '60:01:94:00:13:02'" >"$T/bk"
	cmp -s -n "$(stat -c %s "$T/corrupt.bin")" "$(head -n 1 "$T/bk")" "$T/corrupt.bin" ||
		fail "the vault does not hold the corrupt original"
	expect 60:01:94:00:13:02 failed boot bad-image \
		"ESP_E_BOOT\|the restored backup does not boot: corrupt or wrong-size backup\? \(bad-image: .*checksum"
	boot 60:01:94:00:13:02 log | grep -q "csum err" || fail "no 'csum err' in the recorded log"
	# the restore itself wrote and verified the backup: only the boot failed
	cmp -s "$(head -n 1 "$T/bk")" "$W/slot0.flash.bin" || fail "slot 0: the flash is not the restored backup"
	[ "$(unit_boot 0)" = "bad_checksum en 2" ] || fail "the unit's last boot was '$(unit_boot 0)', not bad_checksum"
	expect 60:01:94:00:13:03 passed reset booted
	cmp -s -n "$(stat -c %s "$T/orig.bin")" "$T/orig.bin" "$W/slot1.flash.bin" || fail "slot 1: the flash is not its original"
	[ "$(q "select mode from jobs j join devices d on d.id = j.device_id where d.mac = '60:01:94:00:13:02' order by j.id desc limit 1")" = restore ] ||
		fail "the failed job is not the restore"
	;;
flash_mode)
	sed -i 's/flash_mode = "dout"/flash_mode = "qio"/' "$T/station.cfg"
	rack --baud-fast --dump-flash \
		--slot "0 kind=cp2102 timing=fast mac=60:01:94:00:13:04 image=$T/orig.bin flash_modes=dout" \
		--slot "1 kind=ft232r timing=fast mac=60:01:94:00:13:05 image=$T/orig.bin" \
		-- sh -c "$station_cmd" sh "$ST" "$T" 2
	show_station
	stopped_cleanly
	grep -q "flash boots DOUT only" "$W/rack.log" || fail "the rack did not make slot 0 DOUT-only"
	expect 60:01:94:00:13:04 failed boot bad-image \
		"the unit does not boot the firmware written \(bad-image: .*csum err"
	boot 60:01:94:00:13:04 log | grep -q "chksum 0xef" || fail "the recorded log lacks the garbled segment (chksum 0xef)"
	grep '"ev":"boot"' "$W/slot0.emu.log" | tail -n 1 | grep -q '"result":"bad_checksum".*"garbled":true' ||
		fail "the unit's last boot was not a garbled checksum failure: $(unit_boot 0)"
	# the station wrote what it was told (QIO, byte 2 = 0) and verified it
	[ "$(od -An -tu1 -j2 -N1 "$W/slot0.flash.bin" | tr -d ' ')" = 0 ] || fail "slot 0: header not QIO"
	expect 60:01:94:00:13:05 passed reset booted
	;;
button)
	rack --baud-fast --dump-flash \
		--slot "0 kind=ch340 timing=fast mac=60:01:94:00:13:06 image=$T/orig.bin faults=gpio0_held" \
		-- sh -c "$station_cmd" sh "$ST" "$T" 1
	show_station
	stopped_cleanly
	expect 60:01:94:00:13:06 failed boot download-mode \
		"the unit does not start its firmware \(download-mode\): .*GPIO0 is still held low.*release the button and power-cycle it"
	[ "$(boot 60:01:94:00:13:06 boot_mode)" = 1 ] || fail "boot mode $(boot 60:01:94:00:13:06 boot_mode), expected 1 (UART)"
	[ "$(unit_boot 0)" = "download en 2" ] || fail "the unit's last boot was '$(unit_boot 0)', not download by EN"
	;;
bootloop)
	rack --baud-fast --dump-flash \
		--slot "0 kind=ft232r timing=fast mac=60:01:94:00:13:07 image=$T/orig.bin firmware=bootloop:300" \
		-- sh -c "$station_cmd" sh "$ST" "$T" 1
	show_station
	stopped_cleanly
	expect 60:01:94:00:13:07 failed boot boot-loop \
		"the unit does not boot the firmware written \(boot-loop: the unit reset again"
	[ "$(boot 60:01:94:00:13:07 rst_cause)" = 4 ] || fail "last reset cause $(boot 60:01:94:00:13:07 rst_cause), expected 4 (watchdog)"
	[ "$(boot 60:01:94:00:13:07 banners)" -ge 2 ] || fail "fewer than 2 banners"
	# counted from the station's reset into the firmware (the unit's old
	# firmware looped too, before the station put it in its loader)
	wdt=$(awk '/"ev":"reset","cause":"en"/ { n = 0 } /"ev":"reset","cause":"wdt"/ { n++ } END { print n + 0 }' "$W/slot0.emu.log")
	say "the unit's log: $wdt watchdog resets after the station's reset into the firmware"
	[ "$wdt" -ge 2 ] || fail "the unit was not in a boot loop ($wdt watchdog resets)"
	;;
quiet)
	cp "$T/station.cfg" "$T/loud.cfg"
	{ cat "$T/loud.cfg"; echo 'boot = { quiet = ( "other.bin", "fw.bin" ); };'; } >"$T/listed.cfg"
	sed 's/^mode = .*/mode = "restore";/' "$T/loud.cfg" >"$T/restore.cfg"
	echo 'boot = { quiet = ( "restore" ); };' >>"$T/restore.cfg"
	rack --baud-fast --dump-flash \
		--slot "0 kind=cp2102 timing=fast mac=60:01:94:00:13:08 image=$T/orig.bin firmware=quiet" \
		-- sh -c '. "$IN_RACK"; run_until "$1" "$2" loud 1; run_until "$1" "$2" listed 2
			run_until "$1" "$2" restore 3' sh "$ST" "$T"
	show_station
	stopped_cleanly
	[ "$(q "select count(*) from jobs")" = 3 ] || fail "not 3 jobs: $(q "select id, mode, result from jobs")"
	r1=$(q "select result || '|' || err_msg from jobs where id = 1")
	say "not listed: $r1"
	echo "$r1" | grep -q "^failed|the unit does not boot the firmware written (no-output: .*list it in boot.quiet" ||
		fail "a quiet image not in boot.quiet did not fail as no-output: $r1"
	[ "$(q "select json_extract(data, '\$.result') || ' ' || json_extract(data, '\$.quiet_ok') from events where job_id = 1 and type = 'boot.result'")" = "no-output 0" ] ||
		fail "job 1: boot.result $(q "select data from events where job_id = 1 and type = 'boot.result'")"
	for id in 2 3; do
		r=$(q "select mode || ' ' || result || ' ' || (select json_extract(data, '\$.result') || ' quiet_ok=' || json_extract(data, '\$.quiet_ok') from events where job_id = $id and type = 'boot.result') from jobs where id = $id")
		say "job $id: $r"
		case $r in *" passed no-output quiet_ok=1") ;; *) fail "job $id: listed as quiet but $r" ;; esac
	done
	[ "$(unit_boot 0)" = "app_ok en 2" ] || fail "the unit's last boot was '$(unit_boot 0)', not app_ok"
	! grep -q '"ev":"app_text"' "$W/slot0.emu.log" || fail "the quiet firmware spoke"
	;;
bare)
	CT=30 ST_BOOT_CHECK=true write_cfg refurbish
	echo 'slots = ( { id_path = "pci-0000:00:14.0-usb-0:1.1:1.0"; name = "bare"; reset = "none"; } );' >>"$T/station.cfg"
	# the simulated operator: a second after the station asked for the power
	# cycle (its log), they do it ($VRACK_CONTROL), once
	hook='grep -q "power-cycle the unit WITHOUT holding the button" "$2/station.log" || exit 0
		[ -e "$2/cycled" ] && exit 0
		echo . >>"$2/asked"
		[ "$(wc -l <"$2/asked")" -ge 5 ] || exit 0
		echo "power-cycle 0" >"$VRACK_CONTROL" && : >"$2/cycled"'
	rack --baud-fast --dump-flash \
		--slot "0 kind=noreset timing=fast mac=60:01:94:00:13:09 image=$T/orig.bin button=0.3" \
		-- sh -c "$station_cmd" sh "$ST" "$T" 1 "$hook"
	show_station
	stopped_cleanly
	[ -e "$T/cycled" ] || fail "the station never asked the operator to power-cycle the unit"
	expect 60:01:94:00:13:09 passed reset booted
	[ "$(boot 60:01:94:00:13:09 rst_cause)" = 1 ] || fail "rst cause $(boot 60:01:94:00:13:09 rst_cause), expected 1 (power-on)"
	grep -q 'operator: power-cycle holding GPIO0' "$W/slot0.lines" || fail "the button was never pressed"
	grep -q 'operator: power-cycle$' "$W/slot0.lines" || fail "no power cycle without the button"
	[ "$(unit_boot 0)" = "app_ok power 1" ] || fail "the unit's last boot was '$(unit_boot 0)', not app_ok at power-on"
	# the station waited: the boot stage outlasted the operator's delay
	ms=$(q "select end_ms - start_ms from job_stages where stage = 'boot'")
	say "boot stage: $ms ms, the operator's wait included"
	[ "$ms" -ge 800 ] || fail "the boot stage took $ms ms: it did not wait for the operator"
	# nobody pulsed the unwired lines in the boot stage (from its switch to 74880)
	t_boot=$(awk '/ baud 3000000$/ { t = "" } / baud 74880$/ && t == "" { t = $1 } END { print t }' "$W/slot0.lines")
	[ -n "$t_boot" ] || fail "the adapter never saw the ROM's boot baud (74880) after the stub's"
	awk -v t="$t_boot" '$1 >= t && /TIOCMSET/' "$W/slot0.lines" | grep -q . &&
		fail "the boot check drove DTR/RTS on a slot with reset = none"
	;;
*)
	fail "unknown case '$WHAT' (good restore flash_mode button bootloop quiet bare)"
	;;
esac
[ "$(q 'pragma integrity_check')" = ok ] || fail "integrity_check"
say "ok"
