#!/bin/sh
# SPDX-License-Identifier: MIT
# Bad input and bad units, each refused with a clear cause and nothing erased:
# a corrupt image (the station does not start), an image larger than the
# unit's flash, a unit that never enters download mode, and a full disk during
# the backup.
CASE=station_refuse
. "$(dirname "$0")/station_lib.sh"

# corrupt image: refused at start-up, one line naming the file
"$MKIMAGE" image "$T/fw.bin" 300000 5
printf '\351\004' | dd of="$T/fw.bin" bs=1 seek=0 conv=notrunc 2>/dev/null # 4 segments claimed
head -c 2000 "$T/fw.bin" >"$T/short.bin" && mv "$T/short.bin" "$T/fw.bin"
write_cfg refurbish
"$ST" run --config "$T/station.cfg" --plain >"$T/o" 2>"$T/e"; rc=$?
say "corrupt image: exit $rc: $(cat "$T/e")"
[ $rc = 6 ] && [ "$(wc -l <"$T/e")" = 1 ] && grep -q "fw.bin" "$T/e" || fail "corrupt image not refused in one line"

# image larger than a 256 KB unit; a never-booting unit; a full disk: the
# vault is a 700 KB tmpfs (a private mount namespace, so root only) and the
# backup is 1 MB; the database lives elsewhere, as it would on a station
"$MKIMAGE" image "$T/fw.bin" 300000 5
CT=3 write_cfg refurbish
mkdir -p "$T/data/backups"
printf '%s\n' "$station_cmd" >"$T/station_cmd.sh"
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
	full=1
	cat >"$T/launch.sh" <<'EOF2'
unshare -m sh -c 'mount -t tmpfs -o size=700k espstation-full "$2/data/backups" &&
	exec sh "$2/station_cmd.sh" "$1" "$2" 3' sh "$1" "$2"
EOF2
else
	full=0
	say "not root: the full-disk case is skipped (it needs a private tmpfs)"
	echo 'exec sh "$2/station_cmd.sh" "$1" "$2" 3' >"$T/launch.sh"
fi
rack --baud-fast --slot "0 kind=cp2102 timing=fast flash=256KB" \
	--slot "1 kind=ch340 timing=fast faults=never_boot" \
	--slot "2 kind=ft232r timing=fast" -- sh "$T/launch.sh" "$ST" "$T"
show_station
say "jobs: $(q "select group_concat(slot || ':' || result || ':' || stage || ':' || coalesce(err_name,''), ' ') from jobs")"
[ "$(q "select result || ':' || err_name from jobs where slot = 'ttyUSB0'")" = "refused:ESP_E_TOOBIG" ] || fail "oversized image not refused"
[ "$(q "select result || ':' || err_name from jobs where slot = 'ttyUSB1'")" = "failed:ESP_E_NOSYNC" ] || fail "never-boot unit"
grep -q "ttyUSB1.*GPIO0" "$T/station.log" || fail "no operator cause for the never-boot unit"
if [ $full = 1 ]; then
	[ "$(q "select result || ':' || stage from jobs where slot = 'ttyUSB2'")" = "failed:backup" ] || fail "full disk"
	grep -q "nothing erased" "$T/station.log" || fail "full disk: cause does not say nothing was erased"
fi
for n in 0 1 2; do
	! grep -q '"name":"ERASE_FLASH"\|"name":"ERASE_REGION"\|"name":"FLASH_DEFL_BEGIN"' "$W/slot$n.emu.log" || fail "slot $n was erased or written"
done
[ "$(q "select count(*) from backups b join jobs j on j.id = b.job_id where j.slot = 'ttyUSB2'")" = 0 ] || fail "a backup row without its file"
[ -z "$(find "$T/data/backups" -name '*.tmp*' 2>/dev/null)" ] || fail "temp files left in the vault"
[ "$(q 'pragma integrity_check')" = ok ] || fail "integrity_check"
say "ok"
