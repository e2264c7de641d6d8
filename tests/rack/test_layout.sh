#!/bin/sh
# SPDX-License-Identifier: MIT
# A stock-like unit with a sector that will not erase, passed through the slot
# spec (layout=stock, faults=stuck_sector=0xFB000):
#  1. espstation backup equals the unit's flash, which has a boot loader
#     image (0xE9) at 0, user1 (0xEA) at 0x1000, the unit's MAC in its cloud
#     identity and about 60 % of its sectors erased; rack.log names the layout
#     and the stuck sector; the unit's log shows every byte read (READ_FLASH
#     offset/size) and the MD5 ranges;
#  2. espstation erase on the same unit (same seed and MAC: same factory
#     flash) leaves everything 0xFF but sector 0xFB000, which keeps its old
#     content; the unit's log records the erase ranges and the stuck sector.
CASE=layout
. "$(dirname "$0")/rack_lib.sh"

slot='0 kind=cp2102 flash=1MB mac=60:01:94:a0:00:05 seed=5 timing=fast layout=stock faults=stuck_sector=0xFB000'
rack --dump-flash --slot "$slot" -- "$ST" backup --port /dev/ttyUSB0 --baud 921600 -o "$T/backup.bin"
expect_rc 0
cmp "$T/backup.bin" "$W/slot0.flash.bin" || fail "the backup differs from the unit's flash"
grep -q 'slot 0: plug .* flash layout stock, timing fast, stuck sectors 0xFB000,' "$W/rack.log" ||
	fail "rack.log does not name the layout and the stuck sector"
[ "$(od -An -tx1 -N1 "$T/backup.bin" | tr -d ' ')" = e9 ] || fail "no boot loader image at 0"
[ "$(od -An -tx1 -j 4096 -N1 "$T/backup.bin" | tr -d ' ')" = ea ] || fail "no user1 image at 0x1000"
grep -aq '"mac":"60:01:94:a0:00:05","cloud_key":"ck-600194a00005-' "$T/backup.bin" ||
	fail "the unit's cloud identity is not in its flash"
# sectors that are all 0xFF, of 256
erased=$(od -An -v -tx1 -w4096 "$T/backup.bin" | grep -c '^\( ff\)*$')
say "stock 1 MB unit: $erased of 256 sectors erased"
[ "$erased" -ge 140 ] && [ "$erased" -le 180 ] || fail "$erased erased sectors is not about 60 %"
grep -q '"ev":"config".*"timing":"fast","layout":"stock"' "$W/slot0.emu.log" || fail "config event"
grep -q '"ev":"layout","name":"stock","erased_sectors":'"$erased"',' "$W/slot0.emu.log" ||
	fail "the layout event does not count $erased erased sectors"
read_bytes=$(sed -n 's/.*"name":"READ_FLASH","offset":[0-9]*,"length":[0-9]*,"size":\([0-9]*\),.*/\1/p' \
	"$W/slot0.emu.log" | awk '{ s += $1 } END { print s + 0 }')
md5s=$(grep -c '"name":"SPI_FLASH_MD5","offset":[0-9]*,"size":[0-9]*,"md5":' "$W/slot0.emu.log")
say "the unit's log: $read_bytes bytes read with READ_FLASH, $md5s SPI_FLASH_MD5 ranges"
[ "$read_bytes" -gt 0 ] && [ "$md5s" -gt 0 ] || fail "READ_FLASH or SPI_FLASH_MD5 ranges missing"

cp "$T/backup.bin" "$T/factory.bin"
rack --dump-flash --slot "$slot" -- "$ST" erase --port /dev/ttyUSB0
say "espstation erase: exit $RC ($(tail -n 1 "$T/err"))"
say "the unit's erases: $(grep -o '"ev":"erase".*' "$W/slot0.emu.log" | tr '\n' ' ')"
grep -q '"ev":"erase",.*"stuck":\[1028096\]' "$W/slot0.emu.log" || fail "no erase met the stuck sector"
grep -q '"ev":"fault","kind":"stuck_sector","addr":1028096,' "$W/slot0.emu.log" ||
	fail "the stuck sector fault is not logged"
dd if="$T/factory.bin" bs=4096 skip=251 count=1 2>/dev/null >"$T/old.sector"
dd if="$W/slot0.flash.bin" bs=4096 skip=251 count=1 2>/dev/null >"$T/now.sector"
cmp -s "$T/old.sector" "$T/now.sector" || fail "sector 0xFB000 lost its content"
left=$(od -An -v -tx1 -w4096 "$W/slot0.flash.bin" | grep -vc '^\( ff\)*$')
[ "$left" -eq 1 ] || fail "$left sectors hold data after the erase (want only 0xFB000)"
say "ok"
