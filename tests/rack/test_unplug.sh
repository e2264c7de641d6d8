#!/bin/sh
# SPDX-License-Identifier: MIT
# (d) The adapter vanishes in the middle of a pipeline stage (STAGE = backup,
# erase or write; the single-port commands stand in for the station's stages
# until the station's pipeline exists).  espstation must exit 4 (unplugged)
# promptly, within a second of the hang-up, not after a read timeout; the
# unit's own log proves which command it was in the middle of.
#   backup, write: the unit hangs up after a byte count (fault unplug_after),
#                  which lands inside READ_FLASH / the compressed write data;
#   erase:         the timeline unplugs the adapter 4 s in, while a 4 MB chip
#                  erase (16 s in the emulator: 4 s per MiB) is running.
CASE=unplug_${4:-}
. "$(dirname "$0")/rack_lib.sh"

case $STAGE in
backup)
	rack --slot '0 kind=cp2102 flash=1MB faults=unplug_after=100K' -- \
		"$ST" backup --port /dev/ttyUSB0 --baud 921600 -o "$T/backup.bin"
	want=READ_FLASH ;;
write)
	# 512 KiB that does not compress and is no firmware image (hence --raw)
	dd if=/dev/urandom bs=4096 count=128 2>/dev/null | tr '\351' '\350' >"$T/image.bin"
	rack --slot '0 kind=cp2102 flash=1MB faults=unplug_after=200K' -- \
		"$ST" write --raw --port /dev/ttyUSB0 --baud 921600 "$T/image.bin"
	want=FLASH_DEFL_DATA ;;
erase)
	printf '# vrack-timeline v1\n4.0 unplug 0\n' >"$T/timeline"
	rack --timeline "$T/timeline" --slot '0 kind=cp2102 flash=4MB' -- \
		"$ST" erase --port /dev/ttyUSB0
	want=ERASE_FLASH ;;
*)
	fail "usage: test_unplug.sh VRACK ESPSTATION PROBE backup|erase|write" ;;
esac
say "espstation said: $(tail -n 1 "$T/err")"
expect_rc 4
grep -q 'unplugged\|disappeared\|vanished' "$T/err" || fail "the message does not say the port went away"

got=$(last_cmd_before_unplug "$W/slot0.emu.log")
say "the unit's commands: $(emu_cmds "$W/slot0.emu.log")"
say "last command before the unplug: $got"
[ "$got" = "$want" ] || fail "the unplug came during $got, not $want"
if [ "$STAGE" = erase ]; then
	# the erase was still running: unplug time < erase start + its busy time
	awk '/"name":"ERASE_FLASH"/ { split($0, a, /"t":|,/); t = a[2]; sub(/.*"busy_ms":/, ""); busy = $0 + 0 }
	     /"ev":"unplug"/ { split($0, a, /"t":|,/); exit !(a[2] < t + busy) }' "$W/slot0.emu.log" ||
		fail "the erase had already finished when the adapter went away"
fi

# When did the tty hang up?  The unit's log has it to the microsecond on its
# own clock, whose zero rack.log gives on the rack clock.
emu0=$(sed -n 's/.*slot 0: plug .*(its t=0 at \([0-9.]*\)).*/\1/p' "$W/rack.log")
t_hup=$(sed -n 's/.*"t":\([0-9.]*\),"ev":"unplug".*/\1/p' "$W/slot0.emu.log")
t_exit=$(rack_time 'command exited')
[ -n "$emu0" ] && [ -n "$t_hup" ] && [ -n "$t_exit" ] || fail "cannot tell when the tty hung up"
t_unplug=$(awk -v a="$emu0" -v b="$t_hup" 'BEGIN { printf "%.3f", a + b / 1000 }')
say "the tty hung up at ${t_unplug}s, espstation exited at ${t_exit}s (rack clock)"
awk -v a="$t_unplug" -v b="$t_exit" 'BEGIN { exit !(b - a < 1.0) }' ||
	fail "espstation took $(awk -v a="$t_unplug" -v b="$t_exit" 'BEGIN { print b - a }')s to notice"
grep -q ' unplug (' "$W/slot0.lines" || fail "slot0.lines does not record the unplug"
say "ok"
