#!/bin/sh
# Optional cross-check of esp8266-emu against Espressif's esptool over
# --tcp (socket://).  Not a CI test: Debian 12 ships no esptool package.
# Runs when $ESPTOOL is set (a command line, e.g. "python3 /src/esptool.py")
# or esptool / esptool.py is on PATH; otherwise exits 77 (ctest: skipped).
# Checks, ESP8266: chip/crystal/MAC/flash id with and without the stub,
# read_flash against the emulator's flash, write_flash + verify_flash (stub),
# and a ROM (--no-stub) write.  ESP32 and ESP32-C3: chip description, MAC,
# flash id (ROM and stub), read_flash (stub) and a ROM read (READ_FLASH_SLOW),
# stub and ROM writes, the ESP32 ROM's CHANGE_BAUDRATE with esptool's CK8M
# correction landing on the asked rate, and a C3 in Secure Download Mode
# (get_security_info).  Prints esptool's speed lines.
# Usage: esptool_crosscheck.sh PATH/TO/esp8266-emu
set -u
emu=$1
if [ -n "${ESPTOOL:-}" ]; then
	et=$ESPTOOL
elif command -v esptool >/dev/null 2>&1; then
	et=esptool
elif command -v esptool.py >/dev/null 2>&1; then
	et=esptool.py
else
	echo "esptool not found (set ESPTOOL or install it): skipped"
	exit 77
fi
dir=$(mktemp -d /tmp/emu-esptool-XXXXXX)
fail=0
pid=
# shellcheck disable=SC2317 # called through trap
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	if [ "$fail" -eq 0 ]; then rm -rf "$dir"; else echo "kept $dir"; fi
}
trap cleanup EXIT
bad() { echo "FAIL: $*"; fail=1; }

# start ARGS...: a fresh emulator (the previous one stopped) with ARGS
start() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -f "$dir/port" "$dir/ctl"
	"$emu" --tcp 0 --control "$dir/ctl" --log "$dir/log.jsonl" "$@" >"$dir/port" 2>"$dir/emu.err" &
	pid=$!
	i=0
	while [ ! -s "$dir/port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	port=$(head -n 1 "$dir/port")
	[ -n "$port" ] || { bad "emulator did not start"; exit 1; }
}
start

# run NAME ARGS...: fresh power-up in download mode, then one esptool call
run() {
	name=$1
	shift
	echo "power-cycle gpio0-low" >"$dir/ctl"
	sleep 0.3
	# shellcheck disable=SC2086 # ESPTOOL may be a command with arguments
	$et --port "socket://127.0.0.1:$port" --before no_reset --after no_reset "$@" \
		>"$dir/$name.out" 2>&1 || bad "$name: esptool exit status $?"
}
check() {
	grep -q "$2" "$dir/$1.out" || bad "$1: no '$2' in esptool's output"
}
# save_flash: the emulator's flash into $dir/emu.bin
save_flash() {
	rm -f "$dir/emu.bin"
	echo "save-flash $dir/emu.bin" >"$dir/ctl"
	i=0
	while [ ! -s "$dir/emu.bin" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
}
# same_as FILE OFFSET_4K: FILE equals the saved flash at OFFSET_4K sectors
same_as() {
	n=$(($(wc -c <"$1") / 4096))
	dd if="$dir/emu.bin" bs=4096 skip="$2" count="$n" 2>/dev/null | cmp -s - "$1"
}

$et version 2>/dev/null | tail -n 1
run id_rom --no-stub flash_id
check id_rom "26MHz"
check id_rom "18:fe:34:12:34:56"
check id_rom "Detected flash size: 1MB"
run id_stub flash_id
check id_stub "26MHz"
check id_stub "Manufacturer: ef"
check id_stub "Device: 4014"
run read_flash read_flash 0 0x10000 "$dir/read.bin"
save_flash
same_as "$dir/read.bin" 0 || bad "read_flash: contents differ from the emulator's flash"
head -c 32768 /dev/urandom >"$dir/w.bin"
run write write_flash 0x40000 "$dir/w.bin"
check write "Hash of data verified"
run verify verify_flash 0x40000 "$dir/w.bin"
check verify "digest matched"
run write_rom --no-stub write_flash 0x60000 "$dir/w.bin"
save_flash
same_as "$dir/w.bin" 64 || bad "stub write_flash: flash differs"
same_as "$dir/w.bin" 96 || bad "ROM write_flash: flash differs"
grep -h -E "(Read|Wrote) [0-9]+ bytes" "$dir/read_flash.out" "$dir/write.out" "$dir/write_rom.out" |
	sed 's/.*\r//; s/\x1b\[[0-9;]*[A-Za-z]//g'
grep -o '"flavour":"[a-z]*","entry":[0-9]*,"by":"[a-z_]*"' "$dir/log.jsonl" | sort | uniq -c

# chip32 CHIP DESCRIPTION MAC: the same for an ESP32-class unit (stock flash)
chip32() {
	start --chip "$1" --layout stock --rtc-cali 973
	run "$1_id_rom" --no-stub flash_id
	check "$1_id_rom" "Chip type: *$2"
	check "$1_id_rom" "MAC: *$3"
	check "$1_id_rom" "Detected flash size: 4MB"
	run "$1_id_stub" flash_id
	check "$1_id_stub" "Device: 4016"
	run "$1_read" read_flash 0 0x10000 "$dir/read.bin"
	run "$1_read_rom" --no-stub -b 460800 read_flash 0x8000 0x400 "$dir/read_rom.bin"
	save_flash
	same_as "$dir/read.bin" 0 || bad "$1 read_flash: contents differ from the emulator's flash"
	dd if="$dir/emu.bin" bs=1024 skip=32 count=1 2>/dev/null | cmp -s - "$dir/read_rom.bin" ||
		bad "$1 ROM read_flash (READ_FLASH_SLOW): contents differ"
	grep -q '"name":"CHANGE_BAUDRATE".*"device_baud_next":460800' "$dir/log.jsonl" ||
		bad "$1: the ROM did not land on 460800 after CHANGE_BAUDRATE"
	run "$1_write" write_flash 0x40000 "$dir/w.bin"
	check "$1_write" "Hash of data verified"
	run "$1_write_rom" --no-stub write_flash 0x60000 "$dir/w.bin"
	check "$1_write_rom" "Hash of data verified"
	save_flash
	same_as "$dir/w.bin" 64 || bad "$1 stub write_flash: flash differs"
	same_as "$dir/w.bin" 96 || bad "$1 ROM write_flash: flash differs"
	grep -h -E "(Read|Wrote) [0-9]+ bytes" "$dir/$1_read.out" "$dir/$1_read_rom.out" \
		"$dir/$1_write.out" "$dir/$1_write_rom.out" | sed 's/.*\r//; s/\x1b\[[0-9;]*[A-Za-z]//g'
	grep -o '"flavour":"[a-z]*","entry":[0-9]*,"by":"[a-z_]*"' "$dir/log.jsonl" | sort | uniq -c
}
chip32 esp32 "ESP32-D0WD-V3 (revision v3.1)" 24:0a:c4:12:34:56
chip32 esp32c3 "ESP32-C3 (QFN32) (revision v0.4)" 58:cf:79:12:34:56
start --chip esp32c3 --secure-download --flash-encrypted
run c3_sdm get_security_info
check c3_sdm "in Secure Download Mode"
check c3_sdm "Flags: 0x00000004"
check c3_sdm "Flash Encryption: Enabled"
[ "$fail" -eq 0 ] && echo "esptool cross-check: ok"
exit $fail
