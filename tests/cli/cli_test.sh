#!/bin/sh
# SPDX-License-Identifier: MIT
# End-to-end tests of the espstation command line against the device
# emulator.  Each case checks the program's claims against independent
# evidence: the emulator's own flash dump (--save-flash), the image it was
# loaded with, its JSON-lines command log, and files made by mkimage.
#
# usage: cli_test.sh CASE ESPSTATION EMULATOR MKIMAGE [STUB_JSON]
#   EMULATOR may be "none" for the cases that need no device.
#   STUB_JSON: an esptool-format stub file for the --stub case.
# Exit status: 0 pass, 1 fail, 77 skipped.
set -u

CASE=$1
ST=$2
EMU=$3
MKIMAGE=$4
STUB_JSON=${5:-}

T=$(mktemp -d "${TMPDIR:-/tmp}/espstation-cli.XXXXXX") || exit 1
EMU_PID=
BG_PID=

cleanup() {
	[ -n "$BG_PID" ] && kill -TERM "$BG_PID" 2>/dev/null && wait "$BG_PID" 2>/dev/null
	[ -n "$EMU_PID" ] && kill -TERM "$EMU_PID" 2>/dev/null && wait "$EMU_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

say() { printf '%s\n' "[$CASE] $*"; }

dump() {
	for f in "$T"/out "$T"/err "$T"/emu.stderr; do
		[ -s "$f" ] || continue
		printf -- '--- %s\n' "$f"
		tail -n 20 "$f"
	done
	if [ -s "$T/emu.log" ]; then
		printf -- '--- emu.log (last 15 lines)\n'
		tail -n 15 "$T/emu.log"
	fi
}

fail() {
	printf 'FAIL [%s]: %s\n' "$CASE" "$*"
	dump
	exit 1
}

# ---- the emulator ---------------------------------------------------------

# emu_start [emulator options...]: a fresh device on $T/ttyEMU, in download
# mode, bare wiring, instant flash timing, logging to $T/emu.log.
emu_start() {
	[ "$EMU" != none ] || fail "this case needs the emulator"
	rm -f "$T/emu.stdout" "$T/emu.log" "$T/ttyEMU"
	"$EMU" --pty "$T/ttyEMU" --boot download --wiring none --fast-flash --no-banner \
		--log "$T/emu.log" "$@" >"$T/emu.stdout" 2>"$T/emu.stderr" &
	EMU_PID=$!
	# Ready once it printed the slave path (a whole line) on stdout.
	i=0
	while ! grep -q . "$T/emu.stdout" 2>/dev/null || [ "$(wc -l <"$T/emu.stdout")" -lt 1 ]; do
		kill -0 "$EMU_PID" 2>/dev/null || { EMU_PID=; fail "emulator exited at start: $(cat "$T/emu.stderr")"; }
		i=$((i + 1))
		[ $i -le 100 ] || fail "emulator not ready after 10 s"
		sleep 0.1
	done
	[ -e "$T/ttyEMU" ] || fail "emulator did not create $T/ttyEMU"
}

# emu_start_tcp [emulator options...]: the same device behind a TCP port
# (a stand-in for ser2net); sets PORT to its socket:// address.
emu_start_tcp() {
	[ "$EMU" != none ] || fail "this case needs the emulator"
	rm -f "$T/emu.stdout" "$T/emu.log"
	"$EMU" --tcp 0 --boot download --wiring none --fast-flash --no-banner \
		--log "$T/emu.log" "$@" >"$T/emu.stdout" 2>"$T/emu.stderr" &
	EMU_PID=$!
	i=0
	until [ "$(wc -l <"$T/emu.stdout" 2>/dev/null || echo 0)" -ge 1 ]; do
		kill -0 "$EMU_PID" 2>/dev/null || { EMU_PID=; fail "emulator exited at start: $(cat "$T/emu.stderr")"; }
		i=$((i + 1))
		[ $i -le 100 ] || fail "emulator not ready after 10 s"
		sleep 0.1
	done
	PORT="socket://127.0.0.1:$(head -n 1 "$T/emu.stdout")"
}

# emu_stop: SIGTERM, which also writes --save-flash; fails if it crashed.
emu_stop() {
	[ -n "$EMU_PID" ] || return 0
	kill -TERM "$EMU_PID" 2>/dev/null
	wait "$EMU_PID"
	rc=$?
	EMU_PID=
	[ $rc -eq 0 ] || fail "emulator exited with $rc: $(tail -n 5 "$T/emu.stderr")"
}

# Opcodes the emulator logged, one per line, as decimal numbers.
emu_ops() {
	sed -n 's/.*"ev":"cmd".*"op":\([0-9]*\).*/\1/p' "$T/emu.log"
}

# emu_saw OPCODE: did the device receive that command?
emu_saw() {
	emu_ops | grep -qx "$1"
}

# emu_erased: did any command erase flash?  (Detection itself sends a
# FLASH_BEGIN of size 0 to attach the SPI flash, as esptool does.)
emu_erased() {
	grep '"ev":"cmd"' "$T/emu.log" | grep -qE '"erased_sectors":[1-9]|"name":"ERASE_'
}

OP_FLASH_BEGIN=2
OP_FLASH_DATA=3
OP_MEM_BEGIN=5
OP_SYNC=8
OP_FLASH_DEFL_BEGIN=16
OP_FLASH_DEFL_DATA=17
OP_SPI_FLASH_MD5=19
OP_ERASE_FLASH=208
OP_ERASE_REGION=209
OP_READ_FLASH=210

# ---- running espstation ---------------------------------------------------

# The options every device run uses: the emulator's port, no modem lines,
# a fast link, and the unit left in the loader (a bare adapter cannot
# reset it, and the emulator is dumped afterwards).
common() {
	printf '%s\n' --port "$T/ttyEMU" --reset none --baud 3000000 --connect-timeout 5 \
		--after no-reset
}

# st EXPECTED_RC args...: runs espstation, stdout in $T/out, stderr in $T/err.
st() {
	want=$1
	shift
	"$ST" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	# Under ASan/UBSan a report may come with an exit code a case expects.
	grep -qE 'Sanitizer|runtime error:' "$T/err" && fail "sanitizer report from espstation $*"
	[ "$rc" -eq "$want" ] || fail "espstation $* exited with $rc, expected $want"
}

# st_dev EXPECTED_RC SUBCOMMAND args...: st with the common device options.
st_dev() {
	want=$1
	sub=$2
	shift 2
	# shellcheck disable=SC2046 # common() prints one word per line, no spaces
	st "$want" "$sub" $(common) "$@"
}

# A failure is exactly one "espstation: " line on stderr.
one_error_line() {
	n=$(grep -c '^espstation: ' "$T/err")
	[ "$n" -eq 1 ] || fail "expected one 'espstation:' error line on stderr, got $n"
}

# The error line mentions a pattern (extended regex, case-insensitive).
error_mentions() {
	grep '^espstation: ' "$T/err" | grep -qiE -e "$1" || fail "error line does not mention '$1'"
}

out_has() {
	grep -qE "$1" "$T/out" || fail "stdout lacks '$1'"
}

same_file() {
	cmp "$1" "$2" >"$T/cmp" 2>&1 || fail "$1 and $2 differ: $(cat "$T/cmp")"
}

ff_bytes() {
	head -c "$1" /dev/zero | tr '\000' '\377'
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }
md5_of() { md5sum "$1" | cut -d' ' -f1; }
size_of() { wc -c <"$1" | tr -d ' '; }

# expected_flash BASE IMAGE ADDR OUT: what the flash must hold after writing
# IMAGE at ADDR over BASE: every 4 KiB sector the image touches is erased
# (0xFF), then the image is programmed (esp-serial-protocol.md §14.3).
expected_flash() {
	base=$1 img=$2 addr=$3 out=$4
	len=$(size_of "$img")
	first=$((addr / 4096))
	nsec=$(((addr + len + 4095) / 4096 - first))
	cp "$base" "$out"
	ff_bytes $((nsec * 4096)) | dd of="$out" bs=4096 seek="$first" conv=notrunc 2>/dev/null
	dd if="$img" of="$out" bs=1 seek="$addr" conv=notrunc 2>/dev/null
}

# header_bytes FILE: bytes 2 and 3 as "xx yy".
header_bytes() {
	od -An -tx1 -j2 -N2 "$1" | tr -s ' ' | sed 's/^ //; s/ $//'
}

# patch_header FILE B2 B3 (octal escapes for printf, e.g. \003 \040)
patch_header() {
	printf '%b' "$2$3" | dd of="$1" bs=1 seek=2 conv=notrunc 2>/dev/null
}

# ---- the cases -------------------------------------------------------------

case_help() {
	st 0 --help
	for w in probe backup erase write verify "Exit status" socket:// "--reset none"; do
		grep -q -- "$w" "$T/out" || fail "espstation --help does not mention $w"
	done
	st 0 --version
	out_has '^espstation [0-9]+\.[0-9]+'
	common_opts="--port --baud --rom-baud --reset --stub --connect-timeout --after --verbose --quiet --help"
	for cmd in probe backup erase write verify; do
		case $cmd in
		probe) own="--json" ;;
		backup) own="--output --force" ;;
		erase) own="--region" ;;
		write) own="--address --flash-mode --flash-size --flash-freq --no-compress --no-verify" ;;
		verify) own="--address --flash-mode --flash-size --flash-freq" ;;
		esac
		st 0 "$cmd" --help
		for o in $common_opts $own; do
			grep -q -- "$o" "$T/out" || fail "$cmd --help does not mention $o"
		done
		for w in "Usage: espstation $cmd" "Examples:" "Exit status:" socket:// "--reset none" \
			"default"; do
			grep -q -- "$w" "$T/out" || fail "$cmd --help does not mention '$w'"
		done
		for code in 0 1 2 3 4 5 6 7 8; do
			grep -qE "^  $code  " "$T/out" || fail "$cmd --help does not document exit code $code"
		done
		[ ! -s "$T/err" ] || fail "$cmd --help wrote to stderr"
	done
	st 0 write --help
	grep -q -- "--flash-mode dout --flash-size 1MB sonoff.bin" "$T/out" ||
		fail "write --help lacks the classic Sonoff example"
	st 0 help verify
	out_has "Usage: espstation verify"
}

case_usage() {
	st 1
	st 1 frobnicate
	one_error_line
	st 1 probe
	one_error_line
	error_mentions "--port"
	st 1 probe --port /dev/null --bogus
	one_error_line
	error_mentions "unknown option"
	st 1 write --port /dev/null
	one_error_line
	st 1 write --port /dev/null --flash-mode fast x.bin
	error_mentions "flash-mode"
	st 1 write --port /dev/null --flash-size 3MB x.bin
	error_mentions "flash-size"
	st 1 write --port /dev/null --address 0x123 x.bin
	error_mentions "4 KiB"
	st 1 erase --port /dev/null --region 0x1000
	error_mentions "region"
	st 1 probe --port /dev/null --reset X9
	one_error_line
	st 1 backup --port /dev/null
	error_mentions "-o FILE"
	# A --stub that cannot be loaded fails before any port is opened.
	st 1 backup --port "$T/no-such-port" --stub "$T/missing.json" -o "$T/b.bin"
	one_error_line
	error_mentions "stub"
	# The image is read before connecting: a typo costs no device time.
	st 7 write --port "$T/no-such-port" "$T/missing.bin"
	one_error_line
}

case_noport() {
	st 2 probe --port "$T/ttyNOPE"
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "expected exactly one line on stderr"
	one_error_line
	error_mentions "ttyNOPE"
	st 2 probe --port /dev/null
	one_error_line
	st 2 backup --port "$T/ttyNOPE" -o "$T/b.bin"
	[ ! -e "$T/b.bin" ] || fail "a backup file appeared"
	one_error_line
}

case_probe() {
	emu_start --chip esp8266ex --mac 5c:cf:7f:0a:0b:0c --flash-size 1MB
	st_dev 0 probe
	out_has '^Chip: +ESP8266EX'
	out_has '^MAC: +5c:cf:7f:0a:0b:0c'
	out_has '^Flash size: +1MB \(1048576 bytes\)'
	out_has '^Crystal: +26 MHz'
	out_has '^Flash ID: +0x14[0-9a-f]{2}ef \(manufacturer 0xef, device 0x[0-9a-f]{2}14\)'
	emu_saw $OP_SYNC || fail "the emulator log shows no SYNC"
	emu_saw $OP_MEM_BEGIN && fail "probe uploaded the stub; it needs only the ROM"
	st_dev 0 probe --json
	[ "$(wc -l <"$T/out")" -eq 1 ] || fail "--json printed more than one line"
	json=$(cat "$T/out")
	for kv in '"chip":"ESP8266EX"' '"mac":"5c:cf:7f:0a:0b:0c"' '"flash_size":1048576' \
		'"flash_size_name":"1MB"' '"flash_manufacturer":"0xef"' "\"port\":\"$T/ttyEMU\""; do
		case $json in *"$kv"*) ;; *) fail "--json lacks $kv: $json" ;; esac
	done
	printf '%s' "$json" | grep -qE '"flash_id":"0x14[0-9a-f]{2}ef"' || fail "bad flash_id: $json"
	printf '%s' "$json" | grep -qE '"flash_device":"0x[0-9a-f]{2}14"' || fail "bad flash_device: $json"
	printf '%s' "$json" | grep -qE '"crystal_mhz":26[,}]' || fail "bad crystal_mhz: $json"
	printf '%s' "$json" | grep -qE '^\{.*\}$' || fail "not one JSON object: $json"
	emu_stop

	emu_start --chip esp8285 --flash-size 2MB --mac 24:0a:c4:00:00:01 --crystal 40
	st_dev 0 probe --json
	grep -q '"chip":"ESP8285' "$T/out" || fail "ESP8285 not named: $(cat "$T/out")"
	grep -q '"crystal_mhz":40' "$T/out" || fail "40 MHz crystal not found: $(cat "$T/out")"
	grep -q '"flash_size":2097152' "$T/out" || fail "2MB flash not found: $(cat "$T/out")"
	grep -q '"mac":"24:0a:c4:00:00:01"' "$T/out" || fail "wrong MAC: $(cat "$T/out")"
	emu_stop

	# Default --after hard-reset on a port without DTR/RTS: the operator is
	# told to power-cycle; that is not a failure.
	emu_start
	st 0 probe --port "$T/ttyEMU" --reset none --connect-timeout 5
	grep -qi "power-cycle" "$T/err" || fail "no power-cycle note after probe"
	grep -q '^espstation: ' "$T/err" && fail "a successful probe printed an error line"
	emu_stop
}

# backup of a 1 MB flash loaded with a known image, at the fast test baud.
case_backup() {
	"$MKIMAGE" random "$T/stock.bin" 1048576 11 || fail "mkimage"
	mkdir "$T/out.d"
	emu_start --flash-size 1MB --flash-image "$T/stock.bin"
	st_dev 0 backup -o "$T/out.d/unit.bin"
	same_file "$T/out.d/unit.bin" "$T/stock.bin"
	mode=$(stat -c %a "$T/out.d/unit.bin")
	[ "$mode" = 600 ] || fail "backup has mode $mode, not 600"
	[ "$(ls -A "$T/out.d")" = unit.bin ] || fail "stray files next to the backup: $(ls -A "$T/out.d")"
	out_has "SHA-256: +$(sha256_of "$T/stock.bin")"
	out_has "MD5: +$(md5_of "$T/stock.bin")"
	out_has "Size: +1048576 bytes"
	emu_saw $OP_READ_FLASH || fail "no READ_FLASH in the emulator log"
	emu_stop

	# An existing file is never replaced without --force, and the refusal
	# comes before the device is touched.
	printf 'keep me' >"$T/out.d/unit.bin"
	emu_start --flash-size 1MB --flash-image "$T/stock.bin"
	st_dev 7 backup -o "$T/out.d/unit.bin"
	one_error_line
	error_mentions "exists"
	[ "$(cat "$T/out.d/unit.bin")" = "keep me" ] || fail "the existing file was changed"
	emu_saw $OP_SYNC && fail "the device was contacted although the output exists"
	st_dev 0 backup -o "$T/out.d/unit.bin" --force
	same_file "$T/out.d/unit.bin" "$T/stock.bin"
	[ "$(stat -c %a "$T/out.d/unit.bin")" = 600 ] || fail "--force backup is not mode 600"
	emu_stop

	# Brown-out reads: corrupted READ_FLASH packets must be caught by the
	# chip's MD5 and re-read; the file still equals the flash.
	emu_start --flash-size 1MB --flash-image "$T/stock.bin" --brownout-reads 3 --seed 7
	st_dev 0 backup -o "$T/out.d/brownout.bin"
	same_file "$T/out.d/brownout.bin" "$T/stock.bin"
	emu_stop
}

# One backup at the production stub baud (921600): ~12 s for 1 MB.
case_backup_921600() {
	"$MKIMAGE" random "$T/stock.bin" 1048576 12 || fail "mkimage"
	emu_start --flash-size 1MB --flash-image "$T/stock.bin"
	st_dev 0 backup -o "$T/unit.bin" --baud 921600
	same_file "$T/unit.bin" "$T/stock.bin"
	[ "$(stat -c %a "$T/unit.bin")" = 600 ] || fail "backup is not mode 600"
	emu_stop
}

# SIGTERM during a backup: exit 8, nothing left in the output directory.
case_cancel() {
	"$MKIMAGE" random "$T/stock.bin" 1048576 13 || fail "mkimage"
	mkdir "$T/out.d"
	emu_start --flash-size 1MB --flash-image "$T/stock.bin"
	# shellcheck disable=SC2046
	"$ST" backup $(common) --baud 115200 -o "$T/out.d/unit.bin" >"$T/out" 2>"$T/err" &
	BG_PID=$!
	i=0
	until grep -q '^read' "$T/err" 2>/dev/null; do
		kill -0 "$BG_PID" 2>/dev/null || fail "backup ended before reading"
		i=$((i + 1))
		[ $i -le 300 ] || fail "no read progress after 30 s"
		sleep 0.1
	done
	sleep 1
	kill -TERM "$BG_PID"
	wait "$BG_PID"
	rc=$?
	BG_PID=
	grep -qE 'Sanitizer|runtime error:' "$T/err" && fail "sanitizer report from the backup"
	[ $rc -eq 8 ] || fail "cancelled backup exited with $rc, expected 8"
	one_error_line
	error_mentions "cancel"
	[ -z "$(ls -A "$T/out.d")" ] || fail "cancelled backup left files: $(ls -A "$T/out.d")"
}

# write + header patch; the emulator's flash must equal the patched image.
case_write() {
	"$MKIMAGE" random "$T/base.bin" 1048576 21 || fail "mkimage"
	# QIO (00), 512KB/40m (00), as many images come; 70001 bytes: not a
	# multiple of 4 before the checksum padding, 70016 after.
	"$MKIMAGE" image "$T/fw.bin" 70001 22 00 00 || fail "mkimage"
	emu_start --flash-size 1MB --flash-image "$T/base.bin" --save-flash "$T/flash.bin"
	st_dev 0 write --flash-mode dout --flash-size 1MB "$T/fw.bin"
	out_has "Flash parameters set to 0x0320"
	cp "$T/fw.bin" "$T/fw-patched.bin"
	patch_header "$T/fw-patched.bin" '\003' '\040'
	[ "$(header_bytes "$T/fw-patched.bin")" = "03 20" ] || fail "test helper patch_header broken"
	out_has "SHA-256 of $T/fw.bin: $(sha256_of "$T/fw.bin")"
	out_has "SHA-256 written: $(sha256_of "$T/fw-patched.bin")"
	emu_saw $OP_FLASH_DEFL_BEGIN || fail "write did not use compressed FLASH_DEFL_BEGIN"
	emu_saw $OP_SPI_FLASH_MD5 || fail "write did not verify with SPI_FLASH_MD5"
	emu_stop
	[ "$(header_bytes "$T/flash.bin")" = "03 20" ] ||
		fail "flash header bytes 2..3 are $(header_bytes "$T/flash.bin"), not 03 20"
	expected_flash "$T/base.bin" "$T/fw-patched.bin" 0 "$T/expect.bin"
	same_file "$T/flash.bin" "$T/expect.bin"

	# Defaults: mode and freq kept, size "detect" = the detected 1MB; after
	# success the stub is told to run the firmware (no DTR/RTS here).
	emu_start --flash-size 1MB --flash-image "$T/base.bin" --save-flash "$T/flash2.bin"
	st_dev 0 write "$T/fw.bin" --after hard-reset
	out_has "Flash parameters set to 0x0020"
	emu_stop
	[ "$(emu_ops | tail -n 1)" = 211 ] || fail "the last command was not RUN_USER_CODE"
	cp "$T/fw.bin" "$T/fw-detect.bin"
	patch_header "$T/fw-detect.bin" '\000' '\040'
	expected_flash "$T/base.bin" "$T/fw-detect.bin" 0 "$T/expect2.bin"
	same_file "$T/flash2.bin" "$T/expect2.bin"

	# Not an image, odd length, not at 0: written as is, padded with 0xFF to
	# 4 bytes; --no-compress uses FLASH_BEGIN/FLASH_DATA.
	"$MKIMAGE" random "$T/blob.bin" 1001 23 || fail "mkimage"
	emu_start --flash-size 1MB --flash-image "$T/base.bin" --save-flash "$T/flash3.bin"
	st_dev 0 write --address 0x10000 --no-compress "$T/blob.bin"
	grep -q "Flash parameters" "$T/out" && fail "a blob at 0x10000 had its 'header' patched"
	emu_saw $OP_FLASH_BEGIN || fail "--no-compress did not use FLASH_BEGIN"
	emu_saw $OP_FLASH_DEFL_BEGIN && fail "--no-compress still used FLASH_DEFL_BEGIN"
	emu_stop
	cp "$T/blob.bin" "$T/blob-padded.bin"
	ff_bytes 3 >>"$T/blob-padded.bin"
	expected_flash "$T/base.bin" "$T/blob-padded.bin" 65536 "$T/expect3.bin"
	same_file "$T/flash3.bin" "$T/expect3.bin"
}

# verify: chip MD5 against the identically patched image.
case_verify() {
	"$MKIMAGE" random "$T/base.bin" 1048576 31 || fail "mkimage"
	"$MKIMAGE" image "$T/fw.bin" 50000 32 00 00 || fail "mkimage"
	cp "$T/fw.bin" "$T/fw-patched.bin"
	patch_header "$T/fw-patched.bin" '\003' '\040'
	expected_flash "$T/base.bin" "$T/fw-patched.bin" 0 "$T/flash.bin"
	emu_start --flash-size 1MB --flash-image "$T/flash.bin"
	st_dev 0 verify --flash-mode dout --flash-size 1MB "$T/fw.bin"
	out_has "matches"
	emu_saw $OP_SPI_FLASH_MD5 || fail "verify did not ask for SPI_FLASH_MD5"
	emu_saw $OP_FLASH_DEFL_BEGIN && fail "verify wrote to the flash"
	emu_saw $OP_ERASE_REGION && fail "verify erased the flash"
	emu_stop
	# Without the options the header differs (mode kept = QIO): mismatch.
	emu_start --flash-size 1MB --flash-image "$T/flash.bin"
	st_dev 5 verify "$T/fw.bin"
	one_error_line
	error_mentions "md5|match"
	emu_stop
}

# A flash that lies about writes: write's own verify and verify both catch it.
case_lie() {
	"$MKIMAGE" random "$T/base.bin" 1048576 41 || fail "mkimage"
	"$MKIMAGE" image "$T/fw.bin" 60000 42 03 20 || fail "mkimage"
	emu_start --flash-size 1MB --flash-image "$T/base.bin" --lie-writes 1 --seed 5
	st_dev 5 write "$T/fw.bin"
	one_error_line
	error_mentions "md5|match"
	emu_stop

	emu_start --flash-size 1MB --flash-image "$T/base.bin" --lie-writes 1 --seed 5 \
		--save-flash "$T/lied.bin"
	st_dev 0 write --no-verify "$T/fw.bin"
	emu_saw $OP_SPI_FLASH_MD5 && fail "--no-verify still verified"
	emu_stop
	expected_flash "$T/base.bin" "$T/fw.bin" 0 "$T/expect.bin"
	cmp -s "$T/lied.bin" "$T/expect.bin" && fail "--lie-writes 1 did not corrupt the flash (test premise)"

	emu_start --flash-size 1MB --flash-image "$T/lied.bin"
	st_dev 5 verify "$T/fw.bin"
	one_error_line
	error_mentions "md5|match"
	emu_stop
	# ...and the honest flash verifies.
	emu_start --flash-size 1MB --flash-image "$T/expect.bin"
	st_dev 0 verify "$T/fw.bin"
	emu_stop
}

# Images that do not fit, or are damaged, are refused before any erase:
# the emulator log shows no erase or write, and its flash is unchanged.
case_refuse() {
	"$MKIMAGE" random "$T/base.bin" 262144 50 || fail "mkimage"
	"$MKIMAGE" image "$T/big.bin" 300000 51 00 00 || fail "mkimage"
	emu_start --flash-size 256KB --flash-image "$T/base.bin" --save-flash "$T/flash.bin"
	st_dev 6 write "$T/big.bin"
	one_error_line
	error_mentions "too large"
	error_mentions "$(size_of "$T/big.bin")"
	error_mentions "262144"
	emu_erased && fail "flash was erased although the image was refused"
	for op in $OP_FLASH_DEFL_BEGIN $OP_FLASH_DATA $OP_FLASH_DEFL_DATA $OP_MEM_BEGIN; do
		emu_saw "$op" && fail "command $op reached the device although the image was refused"
	done
	emu_stop
	same_file "$T/flash.bin" "$T/base.bin"

	# Fits at 0, not at 0x38000 of a 256 KB flash (64 KB from there is 288 KB).
	"$MKIMAGE" random "$T/blob.bin" 65536 52 || fail "mkimage"
	emu_start --flash-size 256KB --flash-image "$T/base.bin" --save-flash "$T/flash2.bin"
	st_dev 6 write --address 0x38000 "$T/blob.bin"
	one_error_line
	error_mentions "too large"
	emu_erased && fail "flash was erased although the image was refused"
	emu_stop
	same_file "$T/flash2.bin" "$T/base.bin"

	# A truncated boot image at 0x0 would brick the unit: refused.
	"$MKIMAGE" image "$T/fw.bin" 40000 53 00 00 || fail "mkimage"
	head -c 30000 "$T/fw.bin" >"$T/truncated.bin"
	emu_start --flash-size 256KB --flash-image "$T/base.bin" --save-flash "$T/flash3.bin"
	st_dev 6 write "$T/truncated.bin"
	one_error_line
	error_mentions "valid"
	emu_erased && fail "flash was erased for a damaged image"
	emu_stop
	same_file "$T/flash3.bin" "$T/base.bin"

	# A header that claims 0 segments: the cause named is the header, not
	# the checksum (there is no data for a checksum to cover).
	printf '\351\000\002\040\004\000\020\100' >"$T/noseg.bin"
	head -c 4088 /dev/zero >>"$T/noseg.bin"
	emu_start --flash-size 256KB --flash-image "$T/base.bin"
	st_dev 6 write "$T/noseg.bin"
	one_error_line
	error_mentions "0 segments"
	grep '^espstation: ' "$T/err" | grep -qi checksum && fail "a 0-segment image was blamed on its checksum"
	emu_erased && fail "flash was erased for a 0-segment image"
	emu_stop
}

# What an operator must ask for explicitly (bad input #9): a file that is
# no ESP8266 image at 0x0 (--raw), a header size larger than the detected
# flash (--force-size).  Refused with one line naming the option, nothing
# reaches the flash; given the option, the write goes through.  An empty
# image is refused by verify too, in verify's words.
case_raw() {
	"$MKIMAGE" random "$T/base.bin" 1048576 60 || fail "mkimage"
	{ printf '\000'; head -c 8191 "$T/base.bin"; } >"$T/notfw.bin"
	emu_start --flash-size 1MB --flash-image "$T/base.bin" --save-flash "$T/flash.bin"
	st_dev 6 write "$T/notfw.bin"
	one_error_line
	error_mentions "not 0xe9"
	error_mentions "--raw"
	emu_erased && fail "flash was erased for a file that is no image"
	emu_saw $OP_FLASH_DEFL_BEGIN && fail "a file that is no image reached the flash"
	st_dev 0 write --raw "$T/notfw.bin"
	emu_stop
	expected_flash "$T/base.bin" "$T/notfw.bin" 0 "$T/expect.bin"
	same_file "$T/flash.bin" "$T/expect.bin"

	"$MKIMAGE" image "$T/fw.bin" 40000 61 00 00 || fail "mkimage"
	emu_start --flash-size 1MB --flash-image "$T/base.bin" --save-flash "$T/flash2.bin"
	st_dev 6 write --flash-size 4MB "$T/fw.bin"
	one_error_line
	error_mentions "larger than the unit's 1MB flash"
	error_mentions "--force-size"
	emu_saw $OP_FLASH_DEFL_BEGIN && fail "a 4MB header went to a 1MB unit"
	st_dev 0 write --flash-size 4MB --force-size "$T/fw.bin"
	out_has "Flash parameters set to 0x0040"
	emu_stop

	: >"$T/empty.bin"
	st_dev 6 verify "$T/empty.bin"
	one_error_line
	error_mentions "is empty"
	grep -q "refusing to write" "$T/err" && fail "verify of an empty image speaks of writing"
	true
}

# A unit that is not in download mode: exit 3, a message that says so, and
# the operator told once to hold the button.
case_noboot() {
	emu_start --boot app
	st_dev 3 probe --connect-timeout 2
	one_error_line
	error_mentions "download mode|boot"
	emu_stop
	emu_start --boot app --never-boot
	st_dev 3 probe --connect-timeout 2
	one_error_line
	error_mentions "download mode|boot"
	n=$(grep -c 'hold GPIO0 (the button) and power-cycle the unit' "$T/err")
	[ "$n" -eq 1 ] || fail "the button hint was printed $n times, not once"
	emu_saw $OP_MEM_BEGIN && fail "something reached the device beyond SYNC"
	emu_stop
}

# The ROM baud all the way: probe, and a small write with the stub at 115200.
case_baud115200() {
	"$MKIMAGE" random "$T/base.bin" 262144 61 || fail "mkimage"
	"$MKIMAGE" image "$T/fw.bin" 8000 62 02 00 || fail "mkimage"
	emu_start --flash-size 256KB --flash-image "$T/base.bin" --save-flash "$T/flash.bin"
	st_dev 0 probe --baud 115200
	out_has '^Flash size: +256KB'
	st_dev 0 write --baud 115200 --flash-mode dout "$T/fw.bin"
	out_has "Flash parameters set to 0x0310"
	emu_stop
	cp "$T/fw.bin" "$T/fw-patched.bin"
	patch_header "$T/fw-patched.bin" '\003' '\020'
	expected_flash "$T/base.bin" "$T/fw-patched.bin" 0 "$T/expect.bin"
	same_file "$T/flash.bin" "$T/expect.bin"
}

case_erase() {
	"$MKIMAGE" random "$T/base.bin" 1048576 71 || fail "mkimage"
	emu_start --flash-size 1MB --flash-image "$T/base.bin" --save-flash "$T/flash.bin"
	st_dev 0 erase --region 0x10000:8K
	emu_saw $OP_ERASE_REGION || fail "no ERASE_REGION in the emulator log"
	emu_stop
	cp "$T/base.bin" "$T/expect.bin"
	ff_bytes 8192 | dd of="$T/expect.bin" bs=4096 seek=16 conv=notrunc 2>/dev/null
	same_file "$T/flash.bin" "$T/expect.bin"

	emu_start --flash-size 1MB --flash-image "$T/base.bin" --save-flash "$T/flash2.bin"
	st_dev 6 erase --region 0xff000:0x2000
	one_error_line
	error_mentions "beyond"
	emu_erased && fail "an out-of-range erase reached the device"
	emu_stop
	same_file "$T/flash2.bin" "$T/base.bin"

	emu_start --flash-size 1MB --flash-image "$T/base.bin" --save-flash "$T/flash3.bin"
	st_dev 0 erase
	emu_saw $OP_ERASE_FLASH || fail "no ERASE_FLASH in the emulator log"
	emu_stop
	ff_bytes 1048576 >"$T/blank.bin"
	same_file "$T/flash3.bin" "$T/blank.bin"
}

# --stub FILE.json: a stub from a file is what goes up; a broken one is a
# configuration error found before the port is opened.
case_stubfile() {
	if [ -z "$STUB_JSON" ] || [ ! -r "$STUB_JSON" ]; then
		say "skipped: no stub JSON file ($STUB_JSON)"
		exit 77
	fi
	"$MKIMAGE" random "$T/base.bin" 1048576 90 || fail "mkimage"
	"$MKIMAGE" image "$T/fw.bin" 20000 91 00 20 || fail "mkimage"
	emu_start --flash-size 1MB --flash-image "$T/base.bin" --save-flash "$T/flash.bin"
	st_dev 0 write --stub "$STUB_JSON" "$T/fw.bin"
	grep -q '"ev":"stub_start"' "$T/emu.log" || fail "the stub from $STUB_JSON did not start"
	emu_stop
	expected_flash "$T/base.bin" "$T/fw.bin" 0 "$T/expect.bin"
	same_file "$T/flash.bin" "$T/expect.bin"

	printf '{"entry": 1074843652, "text_start": 1074843648}\n' >"$T/bad.json"
	emu_start --flash-size 1MB
	st_dev 1 write --stub "$T/bad.json" "$T/fw.bin"
	one_error_line
	error_mentions "stub"
	emu_saw $OP_SYNC && fail "the port was used although the stub was broken"
	emu_stop
}

# socket://HOST:PORT (ser2net-style): no modem lines, so the reset defaults to
# none; probe and a write work through it.
case_socket() {
	"$MKIMAGE" random "$T/base.bin" 1048576 95 || fail "mkimage"
	"$MKIMAGE" image "$T/fw.bin" 30000 96 03 20 || fail "mkimage"
	emu_start_tcp --flash-size 1MB --flash-image "$T/base.bin" --save-flash "$T/flash.bin"
	st 0 probe --port "$PORT" --json --after no-reset
	grep -q '"flash_size":1048576' "$T/out" || fail "probe over $PORT: $(cat "$T/out")"
	grep -q "\"port\":\"$PORT\"" "$T/out" || fail "port not echoed: $(cat "$T/out")"
	# A socket shows no baud rate, so the crystal cannot be measured: it is
	# unknown, not "0 MHz".
	grep -q '"crystal_mhz":null' "$T/out" || fail "crystal over $PORT not null: $(cat "$T/out")"
	st 0 probe --port "$PORT" --after no-reset
	out_has '^Crystal: +unknown'
	grep -q '0 MHz' "$T/out" && fail "probe over $PORT claims a 0 MHz crystal"
	st 0 write --port "$PORT" --after no-reset "$T/fw.bin"
	out_has "reset none"

	# socket://[::1]:PORT: the emulator listens on IPv4 only, so a relay on
	# the IPv6 loopback forwards to it (skipped without python3 or ::1).
	emu_port=${PORT##*:}
	if command -v python3 >/dev/null 2>&1; then
		python3 -c "$V6_RELAY" "$emu_port" >"$T/relay.out" 2>"$T/relay.err" &
		BG_PID=$!
		i=0
		until [ -s "$T/relay.out" ] || ! kill -0 "$BG_PID" 2>/dev/null || [ $i -gt 100 ]; do
			i=$((i + 1))
			sleep 0.1
		done
		v6=$(head -n 1 "$T/relay.out")
		if [ -n "$v6" ]; then
			st 0 probe --port "socket://[::1]:$v6" --json --after no-reset
			grep -q '"flash_size":1048576' "$T/out" || fail "probe over [::1]: $(cat "$T/out")"
			grep -q "\"port\":\"socket://\[::1\]:$v6\"" "$T/out" ||
				fail "port not echoed: $(cat "$T/out")"
		else
			say "no IPv6 loopback here ($(cat "$T/relay.err")): [::1] part skipped"
		fi
		kill -TERM "$BG_PID" 2>/dev/null
		wait "$BG_PID" 2>/dev/null
		BG_PID=
	else
		say "no python3: [::1] part skipped"
	fi
	emu_stop
	expected_flash "$T/base.bin" "$T/fw.bin" 0 "$T/expect.bin"
	same_file "$T/flash.bin" "$T/expect.bin"
}

# A one-connection TCP relay from [::1]:<any> to 127.0.0.1:<argv[1]>; prints
# its port once listening.
V6_RELAY='
import select, socket, sys
ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
ls.bind(("::1", 0))
ls.listen(1)
print(ls.getsockname()[1], flush=True)
c, _ = ls.accept()
u = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
for s in (c, u):
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
peer = {c: u, u: c}
while True:
    for s in select.select([c, u], [], [])[0]:
        d = s.recv(65536)
        if not d:
            sys.exit(0)
        peer[s].sendall(d)
'

# -o is checked before the port is opened: an empty name, a directory, a
# missing or unusable directory, and (forced or not) anything but a regular
# file are refused with one line, and the device never hears a SYNC.
# (Before, --force renamed the backup over a FIFO, symlink or device node --
# as root `-o /dev/null --force` destroyed /dev/null -- and '' or a directory
# failed only after the whole flash was read.)
case_backup_output() {
	"$MKIMAGE" random "$T/stock.bin" 262144 14 || fail "mkimage"
	mkdir "$T/out.d"
	printf 'keep me' >"$T/target.bin"
	ln -s "$T/target.bin" "$T/out.d/link.bin"
	mkfifo "$T/out.d/fifo" || fail "mkfifo"
	emu_start --flash-size 256KB --flash-image "$T/stock.bin"

	st_dev 1 backup -o ''
	one_error_line
	error_mentions "empty"

	for o in "$T/out.d" "$T/out.d/"; do
		st_dev 7 backup -o "$o" --force
		one_error_line
		error_mentions "directory"
	done
	[ -d "$T/out.d" ] || fail "the directory was replaced"

	st_dev 7 backup -o "$T/out.d/fifo" --force
	one_error_line
	error_mentions "FIFO"
	error_mentions "regular file"
	[ -p "$T/out.d/fifo" ] || fail "--force replaced the FIFO"

	st_dev 7 backup -o "$T/out.d/link.bin" --force
	one_error_line
	error_mentions "symbolic link"
	[ -L "$T/out.d/link.bin" ] || fail "--force replaced the symlink"
	[ "$(cat "$T/target.bin")" = "keep me" ] || fail "the symlink's target was changed"

	# Without --force the node is not even offered --force as the way out.
	st_dev 7 backup -o "$T/out.d/fifo"
	one_error_line
	grep '^espstation: ' "$T/err" | grep -q 'use --force' && fail "a FIFO was offered --force"

	# A device node (a copy of /dev/null, where mknod is allowed: as root).
	if mknod "$T/out.d/null" c 1 3 2>/dev/null; then
		st_dev 7 backup -o "$T/out.d/null" --force
		one_error_line
		error_mentions "character device"
		[ -c "$T/out.d/null" ] || fail "--force replaced the device node"
	else
		say "mknod not permitted: device node part skipped"
	fi

	st_dev 7 backup -o "$T/no-such-dir/unit.bin"
	one_error_line
	error_mentions "no-such-dir"

	# A directory that takes no new file although access(W_OK) says yes
	# (procfs for root); as a user, a directory without write permission.
	if [ "$(id -u)" -eq 0 ]; then
		ro=/proc
	else
		mkdir "$T/ro" && chmod 0555 "$T/ro"
		ro=$T/ro
	fi
	st_dev 7 backup -o "$ro/espstation-unit.bin"
	one_error_line
	error_mentions "cannot create a file in"
	[ ! -e "$ro/espstation-unit.bin" ] || fail "a file appeared in $ro"

	emu_saw $OP_SYNC && fail "the device was contacted although the output was unusable"
	[ "$(ls -A "$T/out.d" | sort | tr '\n' ' ')" = "fifo link.bin $([ -c "$T/out.d/null" ] && echo 'null ')" ] ||
		fail "stray files in the output directory: $(ls -A "$T/out.d")"

	# A regular file is still replaced with --force.
	printf 'old' >"$T/out.d/unit.bin"
	st_dev 0 backup -o "$T/out.d/unit.bin" --force
	same_file "$T/out.d/unit.bin" "$T/stock.bin"
	emu_stop
}

# socket:// ports are checked before connecting: the port is 1..65535 (70000
# used to wrap to 4464 and connect there), an IPv6 address goes in brackets.
case_socket_args() {
	for p in 127.0.0.1:70000 127.0.0.1:65536 127.0.0.1:0 127.0.0.1:99999999999999999999; do
		st 1 probe --port "socket://$p"
		one_error_line
		error_mentions "1\.\.65535"
		error_mentions "out of range"
	done
	for p in 127.0.0.1: 127.0.0.1:4k 127.0.0.1:-1 127.0.0.1:+80 127.0.0.1 :4000 '[::1]' '[::1]4000' \
		'[]:4000' '[::1]:'; do
		st 1 probe --port "socket://$p"
		one_error_line
		error_mentions "socket://"
	done
	st 1 probe --port socket://::1:4000
	one_error_line
	error_mentions "brackets"
}

# audit refuses, as usage errors, dates that do not exist and the two
# output formats at once (before: 2026-02-30 read as 2026-03-02, and the
# last of --json/--csv won silently).  Both come before the database is
# opened, so a missing one shows which check answered.
# vault import refuses what is no whole flash, before it touches the
# database (which here does not even exist: a good file gets exit 7 for it).
case_vault_args() {
	db=$T/none.db
	st 1 vault import "$T/x.bin"
	one_error_line
	error_mentions "--mac MAC is required"
	head -c 300000 /dev/urandom >"$T/odd.bin"
	st 6 vault import --mac 5c:cf:7f:01:02:03 --db "$db" "$T/odd.bin"
	one_error_line
	error_mentions "power of two"
	head -c 1048576 /dev/zero | tr '\000' '\377' >"$T/blank.bin"
	st 6 vault import --mac 5c:cf:7f:01:02:03 --db "$db" "$T/blank.bin"
	one_error_line
	error_mentions "all 0xFF"
	head -c 1048576 /dev/urandom >"$T/whole.bin"
	st 7 vault import --mac 5c:cf:7f:01:02:03 --db "$db" "$T/whole.bin"
	error_mentions "no database"
	[ -e "$db" ] && fail "vault import created a database"
	st 1 vault export --mac 5c:cf:7f:01:02:03 "$T/whole.bin"
	error_mentions "unknown action"
	true
}

case_audit_args() {
	db=$T/none.db
	for d in 2026-02-30 2026-02-29 2025-04-31 2026-13-01 2026-00-10 2026-01-32 \
		2026-02-30T10:00 2026-06-31T23:59:59Z; do
		st 1 audit jobs --db "$db" --since "$d"
		one_error_line
		error_mentions "--since '$d'"
	done
	# real dates pass the check (and then find no database: exit 7)
	for d in 2024-02-29 2026-12-31 2026-01-31T23:59:59Z 2026-04-30T10:00 7d; do
		st 7 audit jobs --db "$db" --since "$d"
		one_error_line
		error_mentions "no database"
	done
	for sub in jobs backups summary; do
		st 1 audit "$sub" --db "$db" --json --csv
		one_error_line
		error_mentions "--json and --csv"
		st 1 audit "$sub" --db "$db" --csv --json
		one_error_line
		error_mentions "--json and --csv"
	done
	st 7 audit jobs --db "$db" --json --json
	error_mentions "no database"
}

# The unit vanishes mid-write: exit 4.
case_unplug() {
	"$MKIMAGE" random "$T/blob.bin" 262144 81 || fail "mkimage"
	emu_start --flash-size 1MB --unplug-after 120000
	st_dev 4 write --address 0x40000 "$T/blob.bin"
	one_error_line
}

case "$CASE" in
help | usage | noport | probe | backup | backup_921600 | cancel | write | verify | lie | refuse | raw | \
	noboot | baud115200 | erase | unplug | stubfile | socket | backup_output | socket_args | \
	audit_args | vault_args)
	"case_$CASE"
	;;
*)
	fail "no such case"
	;;
esac
say "ok"
exit 0
