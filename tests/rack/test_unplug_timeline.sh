#!/bin/sh
# SPDX-License-Identifier: MIT
# (d) An unplug from the timeline, as an operator would pull the cable: 3 s
# into a 1 MB backup at 921600 baud (about 12 s of reading).  espstation must
# exit 4 within a second; a udev monitor in the same rack must get the tty's
# "remove" with the slot's ID_PATH; afterwards the /dev node and the sysfs
# entry are gone, as after a real unplug.
CASE=unplug_timeline
. "$(dirname "$0")/rack_lib.sh"

printf '# vrack-timeline v1\n3.0 unplug 0   # mid-backup\n' >"$T/timeline"
rack --timeline "$T/timeline" --slot '0 kind=ft232r flash=1MB' -- sh -c '
	"$1" --adds 0 --removes 1 --timeout 30 >"$3/monitor.out" & mon=$!
	"$2" backup --port /dev/ttyUSB0 --baud 921600 -o "$3/backup.bin"; rc=$?
	wait $mon || echo "monitor failed"
	# the tty hangs up first, then the devices go (leaf first): give the
	# removal a moment, as a real USB disconnect takes one too
	i=0
	while [ -c /dev/ttyUSB0 ] || [ -e /sys/class/tty/ttyUSB0 ]; do
		i=$((i + 1)); [ $i -le 20 ] || break
		sleep 0.05
	done
	[ -c /dev/ttyUSB0 ] && echo "/dev/ttyUSB0 still there"
	[ -e /sys/class/tty/ttyUSB0 ] && echo "/sys/class/tty/ttyUSB0 still there"
	exit $rc' sh "$PROBE" "$ST" "$T"
say "espstation said: $(tail -n 1 "$T/err")"
say "the monitor saw: $(cat "$T/monitor.out")"
expect_rc 4
! grep -q 'still there\|monitor failed' "$T/out" || fail "$(grep 'still there\|monitor failed' "$T/out")"
grep -q '^remove /dev/ttyUSB0 ID_PATH=pci-0000:00:14.0-usb-0:1.1:1.0 vid:pid=0403:6001 ' "$T/monitor.out" ||
	fail "no remove event with the slot's ID_PATH and VID:PID"
[ "$(last_cmd_before_unplug "$W/slot0.emu.log")" = READ_FLASH ] || fail "the unplug did not come mid-read"
t_unplug=$(rack_time 'slot 0: unplug .*timeline')
t_exit=$(rack_time 'command exited')
say "unplugged at ${t_unplug}s, espstation exited at ${t_exit}s (rack clock)"
awk -v a="$t_unplug" -v b="$t_exit" 'BEGIN { exit !(b - a < 1.0) }' || fail "espstation was slow to notice"
show_lines 0
say "ok"
