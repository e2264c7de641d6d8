#!/bin/sh
# SPDX-License-Identifier: MIT
# (b) One job end to end at 921600 baud: `espstation backup` of a 1 MB unit
# with a stock-like firmware.  The file must equal the unit's flash (dumped
# by vrack), the unit must have seen the host switch to 921600 and switched
# itself with CHANGE_BAUDRATE, and its command log must follow the job:
# SYNC, chip/flash detect ([GET_SECURITY_INFO,] READ_REG...), stub upload (MEM_*), baud switch,
# READ_FLASH, SPI_FLASH_MD5.  The test log shows all three for the record.
CASE=backup_baud
. "$(dirname "$0")/rack_lib.sh"

rack --dump-flash --slot '0 kind=cp2102 flash=1MB' -- \
	"$ST" backup --port /dev/ttyUSB0 --baud 921600 -o "$T/backup.bin"
expect_rc 0
say "backup took ${SECS}s"
cmp "$T/backup.bin" "$W/slot0.flash.bin" || fail "the backup differs from the unit's flash"
[ "$(wc -c <"$T/backup.bin")" -eq 1048576 ] || fail "the backup is not 1 MB"
[ "$(od -An -tx1 -N1 "$T/backup.bin" | tr -d ' ')" = e9 ] ||
	fail "the unit's flash does not start with an ESP8266 image (0xE9)"

show_lines 0
grep -q ' baud 921600$' "$W/slot0.lines" || fail "the adapter never saw 921600 baud"
say "the unit's view of its EN and GPIO0 pins (slot0.emu.log):"
grep -o '"t":[0-9.]*,"ev":"\(reset\|lines\)"[^}]*' "$W/slot0.emu.log" |
	sed 's/^/    /'
grep -q '"ev":"reset","cause":"en","boot":"download"' "$W/slot0.emu.log" ||
	fail "the unit did not boot into download mode"
say "baud changes the unit saw:"
grep -o '"ev":"baud"[^}]*' "$W/slot0.emu.log" | sed 's/^/    /'
grep -q '"ev":"baud","who":"host","baud":921600' "$W/slot0.emu.log" ||
	fail "the unit never saw the host at 921600"
grep -q '"ev":"baud","who":"device","baud":921600' "$W/slot0.emu.log" ||
	fail "the unit never switched itself to 921600"

seq=$(emu_cmds "$W/slot0.emu.log")
say "the unit's command log: $seq"
echo "$seq" | grep -Eq '^SYNC (GET_SECURITY_INFO )?READ_REG.* MEM_BEGIN .*MEM_END .*CHANGE_BAUDRATE .*READ_FLASH[*0-9]* SPI_FLASH_MD5$' ||
	fail "the command log does not follow detect, stub, baud, read, MD5"
md5=$(sed -n 's/.*"name":"SPI_FLASH_MD5".*"md5":"\([0-9a-f]*\)".*/\1/p' "$W/slot0.emu.log")
grep -q "$md5" "$T/out" || fail "espstation did not report the chip's MD5 $md5"
say "ok"
