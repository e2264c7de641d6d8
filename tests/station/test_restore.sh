#!/bin/sh
# SPDX-License-Identifier: MIT
# Restore mode: two units are refurbished (their stock flash goes to the
# vault), then the station runs in restore mode on the same rack: each unit
# gets its own backup back (never the other's), verified, and the database
# records donor = target.
CASE=station_restore
. "$(dirname "$0")/station_lib.sh"
"$MKIMAGE" image "$T/fw.bin" 300000 5
for n in 0 1; do "$MKIMAGE" random "$T/orig$n.bin" 1048576 $((n + 30)); done
write_cfg refurbish
cp "$T/station.cfg" "$T/refurbish.cfg"
sed 's/^mode = .*/mode = "restore";/' "$T/refurbish.cfg" >"$T/restore.cfg"
cmd='
	. "$IN_RACK"
	run_until "$1" "$2" refurbish 2
	run_until "$1" "$2" restore 4'
rack --baud-fast --dump-flash \
	--slot "0 kind=cp2102 timing=fast mac=60:01:94:00:00:0a image=$T/orig0.bin" \
	--slot "1 kind=ch340 timing=fast mac=60:01:94:00:00:0b image=$T/orig1.bin" \
	-- sh -c "$cmd" sh "$ST" "$T"
show_station
cat "$T/out"
say "jobs: $(q "select group_concat(slot || ':' || mode || ':' || result, ' ') from jobs")"
[ "$(q "select count(*) from jobs where mode = 'restore' and result = 'passed'")" = 2 ] || fail "restores did not pass"
for n in 0 1; do
	cmp -s "$T/orig$n.bin" "$W/slot$n.flash.bin" || fail "slot $n: flash is not the unit's own original"
done
rows=$(q "select count(*) from restores where donor_mac = target_mac and forced = 0")
[ "$rows" = 2 ] || fail "restores not recorded as own-unit: $(q 'select * from restores')"
[ "$(q 'pragma integrity_check')" = ok ] || fail "integrity_check"
say "ok"
