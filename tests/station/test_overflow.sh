#!/bin/sh
# SPDX-License-Identifier: MIT
# uevents lost to a full udev socket (the kernel's ENOBUFS, played by
# hp_overflow_shim preloaded into the station): once the first unit's job is
# closed, the operator swaps the unit in slot 0 (a remove of ttyUSB0, an add
# of ttyUSB1) while the socket drops every uevent.  On ENOBUFS the station
# must read the adapters present again and reconcile its workers: ttyUSB0's
# slot is released, ttyUSB1 gets a worker and the new unit is served.
# Arguments: VRACK ESPSTATION UDEV_PROBE MKIMAGE SHIM.
CASE=station_overflow
. "$(dirname "$0")/station_lib.sh"
[ -f "${5:-}" ] || fail "no overflow shim given: $*"
"$MKIMAGE" image "$T/fw.bin" 300000 5
write_cfg refurbish
HP_OVERFLOW_ARM=$T/overflow HP_OVERFLOW_LOG=$T/dropped.log RUN_PRELOAD=$5
export HP_OVERFLOW_ARM HP_OVERFLOW_LOG RUN_PRELOAD
# after the first job: the socket overflows, the unit is swapped, and only
# then (the rack settled) the station learns that uevents were lost
hook='. "$IN_RACK"; [ -e "$2/swapped" ] || [ "$(closed "$2")" != 1 ] || {
	: >"$2/overflow"; echo "swap 0" >"$VRACK_CONTROL"; sleep 1; : >"$2/swapped"; rm "$2/overflow"; }'
rack --baud-fast --slot "0 kind=cp2102 timing=fast" -- sh -c "$station_cmd" sh "$ST" "$T" 2 "$hook"
show_station
say "dropped uevents: $(tr '\n' ';' <"$T/dropped.log" 2>/dev/null)"
grep -q "station exit 0" "$T/out" || fail "station did not stop cleanly: $(cat "$T/out")"
[ -e "$T/swapped" ] || fail "the first job never closed, so the unit was never swapped"
grep -q "^dropped remove /dev/ttyUSB0" "$T/dropped.log" && grep -q "^dropped add /dev/ttyUSB1" "$T/dropped.log" ||
	fail "the shim did not drop the swap's uevents"
grep -q "udev events were lost.*re-reading" "$T/station.log" || fail "the station did not say it lost uevents"
grep -q "slot ttyUSB0 \[/dev/ttyUSB0\]: adapter removed" "$T/station.log" || fail "the vanished port kept its slot"
say "jobs: $(q "select group_concat(j.slot || ':' || d.mac || ':' || j.result, ' ') from jobs j join devices d on d.id = j.device_id")"
[ "$(q "select count(*) from jobs where result = 'passed'")" = 2 ] || fail "the swapped-in unit was not served"
[ "$(q "select slot from jobs order by id desc limit 1")" = ttyUSB1 ] || fail "the second job is not on the new port"
[ "$(q "select count(distinct d.mac) from jobs j join devices d on d.id = j.device_id")" = 2 ] || fail "not two units"
[ "$(q 'pragma integrity_check')" = ok ] || fail "integrity_check"
say "ok"
