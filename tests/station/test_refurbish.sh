#!/bin/sh
# SPDX-License-Identifier: MIT
# Three units (CP2102, CH340, FT232R; 1, 1 and 4 MB) plugged at once, refurbish
# mode.  Proved from independent evidence: each unit's own command log shows
# backup (READ_FLASH + chip MD5) finished before the erase; each backup file
# equals the unit's original flash, is 0600, and its hash is the recorded one;
# each unit's final flash is the image with the header patched for its size.
CASE=station_refurbish
. "$(dirname "$0")/station_lib.sh"

"$MKIMAGE" image "$T/fw.bin" 300000 5
for n in 0 1 2; do "$MKIMAGE" random "$T/orig$n.bin" $((n == 2 ? 4194304 : 1048576)) $((n + 10)); done
write_cfg refurbish
RUN_ARGS="--events json:$T/events.jsonl"
export RUN_ARGS
rack --baud-fast --dump-flash \
	--slot "0 kind=cp2102 timing=fast mac=60:01:94:00:00:01 image=$T/orig0.bin" \
	--slot "1 kind=ch340 timing=fast mac=60:01:94:00:00:02 image=$T/orig1.bin" \
	--slot "2 kind=ft232r timing=fast mac=60:01:94:00:00:03 flash=4MB image=$T/orig2.bin" \
	-- sh -c "$station_cmd" sh "$ST" "$T" 3
show_station
grep -q "station exit 0" "$T/out" || fail "station did not stop cleanly: $(cat "$T/out")"
[ "$(q "select count(*) from jobs where result = 'passed'")" = 3 ] ||
	fail "jobs: $(q "select slot, result, stage, err_msg from jobs")"
say "jobs: $(q "select group_concat(slot || ':' || result, ' ') from jobs")"
for n in 0 1 2; do
	mac="60:01:94:00:00:0$((n + 1))"
	row=$(q "select b.path || '|' || b.sha256 || '|' || b.verified from backups b join devices d on d.id = b.device_id where d.mac = '$mac'")
	path=${row%%|*}; rest=${row#*|}; sha=${rest%%|*}; verified=${rest#*|}
	[ -f "$path" ] || fail "backup of $mac not on disk ($row)"
	cmp -s "$path" "$T/orig$n.bin" || fail "backup of $mac differs from the unit's original flash"
	[ "$(sha256sum <"$path" | cut -d' ' -f1)" = "$sha" ] || fail "recorded SHA-256 of $mac is wrong"
	[ "$verified" = 1 ] || fail "backup of $mac not verified against the chip"
	[ "$(stat -c %a "$path")" = 600 ] || fail "backup of $mac has mode $(stat -c %a "$path")"
	[ "$(stat -c %a "$(dirname "$path")")" = 700 ] || fail "vault dir of $mac not 0700"
	cmds=$(emu_cmds "$W/slot$n.emu.log")
	say "slot $n device log: $cmds"
	echo "$cmds" | grep -Eq 'READ_FLASH[*0-9]* SPI_FLASH_MD5 ((ERASE_FLASH|ERASE_REGION)[*0-9]* )?FLASH_DEFL_BEGIN .*FLASH_DEFL_END SPI_FLASH_MD5' ||
		fail "slot $n: pipeline order wrong in the device's own log"
	# expected flash: the image, header patched to DOUT and the unit's size
	size_code=$([ $n = 2 ] && echo 64 || echo 32)
	b3=$(od -An -tu1 -j3 -N1 "$T/fw.bin" | tr -d ' ')
	{ head -c 2 "$T/fw.bin"; printf "$(printf '\\%03o\\%03o' 3 $((size_code | (b3 & 15))))"; tail -c +5 "$T/fw.bin"; } >"$T/expect$n.bin"
	cmp -s -n "$(stat -c %s "$T/fw.bin")" "$T/expect$n.bin" "$W/slot$n.flash.bin" || fail "slot $n: flash is not the patched image"
	# nothing of the last owner survives: past the image, every byte is erased
	end=$(( ($(stat -c %s "$T/fw.bin") + 4095) / 4096 * 4096 ))
	[ -z "$(tail -c +$((end + 1)) "$W/slot$n.flash.bin" | tr -d '\377' | head -c 1)" ] ||
		fail "slot $n: old data left past the image"
done
[ "$(q "select count(*) from events where type = 'clean.proven'")" = 3 ] || fail "clean proof not recorded for every job"
# the JSON event stream: one object per line, a "done" per job
[ "$(grep -c '"type":"done".*"result":"passed"' "$T/events.jsonl")" = 3 ] || fail "events: $(tail -n 3 "$T/events.jsonl")"
bad=$(grep -cv '^{"time":"[0-9T:.-]*Z","type":"[a-z]*","slot":' "$T/events.jsonl")
[ "$bad" = 0 ] || fail "$bad malformed event lines"
say "events: $(wc -l <"$T/events.jsonl") JSON lines, e.g. $(grep '"type":"unit"' "$T/events.jsonl" | head -n 1)"
[ "$(q 'pragma integrity_check')" = ok ] || fail "integrity_check"
say "ok"
