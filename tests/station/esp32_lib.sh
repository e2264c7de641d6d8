# SPDX-License-Identifier: MIT
# Shared by the ESP32/ESP32-C3 station tests (test_esp32_*.sh), sourced after
# station_lib.sh: flash files built from parts with dd (never with core/),
# the firmware sets of both chips, the header patch and the appended SHA-256
# as the tests expect them, and the "untouched" checks on a unit's own log.

# blank FILE SIZE: SIZE bytes of erased flash (0xFF)
blank() {
	head -c "$2" /dev/zero | tr '\000' '\377' >"$1"
}

# put FILE ADDR PART: PART's bytes into FILE at ADDR (FILE keeps its size
# unless PART runs past its end)
put() {
	dd if="$3" of="$1" bs=64K conv=notrunc oflag=seek_bytes seek=$(($2)) status=none
}

# original FILE SIZE BOOT_AT CHIPID SEED: a stock-like unit's flash, as the
# factory left it: boot loader at BOOT_AT, partition table at 0x8000, NVS-like
# data at 0x9000, app at 0x10000, erased elsewhere (so backups stay sparse)
original() {
	blank "$1" "$2"
	"$MKIMAGE" image32 "$T/o.boot" 20000 "$5" "$4" 1
	"$MKIMAGE" ptable "$T/o.pt" 3072 "$5"
	"$MKIMAGE" random "$T/o.nvs" 8192 "$(($5 + 1))"
	"$MKIMAGE" image32 "$T/o.app" 200000 "$(($5 + 2))" "$4" 1
	put "$1" "$3" "$T/o.boot"
	put "$1" 0x8000 "$T/o.pt"
	put "$1" 0x9000 "$T/o.nvs"
	put "$1" 0x10000 "$T/o.app"
	rm -f "$T/o.boot" "$T/o.pt" "$T/o.nvs" "$T/o.app"
}

# The firmware the tests give the new chips, in both forms the config takes:
# ESP32 as esptool's parts (boot loader, partition table, app), ESP32-C3 as
# one merged factory file at 0x0.  Boot loaders have a SHA-256 appended, as
# ESP-IDF builds them, so the station's header patch must recompute it.
make_esp32_firmware() {
	"$MKIMAGE" image32 "$T/boot32.bin" 24000 61 0 1
	"$MKIMAGE" ptable "$T/pt32.bin" 3072 62
	"$MKIMAGE" image32 "$T/app32.bin" 150000 63 0 1
	"$MKIMAGE" image32 "$T/bootc3.bin" 20000 71 5 1
	"$MKIMAGE" ptable "$T/ptc3.bin" 3072 72
	"$MKIMAGE" image32 "$T/appc3.bin" 120000 73 5 1
	# the C3's factory file: its parts at their flash addresses, erased between
	blank "$T/factory-c3.bin" $((0x10000 + $(stat -c %s "$T/appc3.bin")))
	put "$T/factory-c3.bin" 0 "$T/bootc3.bin"
	put "$T/factory-c3.bin" 0x8000 "$T/ptc3.bin"
	put "$T/factory-c3.bin" 0x10000 "$T/appc3.bin"
	IMAGES32="esp32 = \"0x1000 $T/boot32.bin 0x8000 $T/pt32.bin 0x10000 $T/app32.bin\"; esp32c3 = \"$T/factory-c3.bin\";"
}

# cfg_images FILE [SETTINGS]: appends images = { SETTINGS }; (default: both
# chips' firmware from make_esp32_firmware)
cfg_images() {
	echo "images = { ${2:-$IMAGES32} };" >>"$1"
}

# cfg_no_esp8266 FILE: no ESP8266 firmware (the image group keeps the header
# settings only)
cfg_no_esp8266() {
	sed -i 's/^image = { file = "[^"]*"; /image = { /' "$1"
}

# size_code BYTES: the header's flash size code (esp32-family.md §7.2)
size_code() {
	case $1 in
	1048576) echo 0 ;; 2097152) echo 16 ;; 4194304) echo 32 ;; 8388608) echo 48 ;;
	16777216) echo 64 ;; *) echo "size_code: $1?" >&2; echo 0 ;;
	esac
}

# byte FILE OFF: one byte as a decimal number
byte() {
	od -An -tu1 -j "$(($2))" -N1 "$1" | tr -d ' '
}

# sha_at FILE OFF LEN: SHA-256 (hex) of LEN bytes at OFF
sha_at() {
	tail -c +$(($2 + 1)) "$1" | head -c "$3" | sha256sum | cut -d' ' -f1
}

# hex2bin HEX: the bytes (dash's printf knows octal escapes only)
hex2bin() {
	# shellcheck disable=SC2059 # the format is the data, as octal escapes
	printf "$(echo "$1" | awk 'function nib(c) { return index("0123456789abcdef", c) - 1 }
		{ for (i = 1; i < length($0); i += 2)
			printf "\\%03o", nib(substr($0, i, 1)) * 16 + nib(substr($0, i + 1, 1)) }')"
}

# hex_at FILE OFF LEN: LEN bytes at OFF as hex
hex_at() {
	od -An -tx1 -j "$(($2))" -N "$3" "$1" | tr -d ' \n'
}

# patch_boot FLASH OFF IMAGE FLASH_BYTES: the boot loader IMAGE as written at
# OFF into the expected FLASH: bytes 2-3 as the config asks (dout, the unit's
# size, frequency kept), the appended SHA-256 (IMAGE's last 32 bytes, as
# mkimage writes it) recomputed over the patched [0, data_length)
patch_boot() {
	b3=$(byte "$3" 3)
	printf "$(printf '\\%03o\\%03o' 3 $(($(size_code "$4") | (b3 & 15))))" >"$T/hdr"
	put "$1" $(($2 + 2)) "$T/hdr"
	dl=$(($(stat -c %s "$3") - 32))
	hex2bin "$(sha_at "$1" "$2" "$dl")" >"$T/digest"
	put "$1" $(($2 + dl)) "$T/digest"
}

# expect_esp32 OUT FLASH_BYTES / expect_c3 OUT FLASH_BYTES: what a refurbish
# leaves on the unit: the firmware at its addresses, the boot loader patched,
# every other byte erased
expect_esp32() {
	blank "$1" "$2"
	put "$1" 0x1000 "$T/boot32.bin"
	put "$1" 0x8000 "$T/pt32.bin"
	put "$1" 0x10000 "$T/app32.bin"
	patch_boot "$1" 0x1000 "$T/boot32.bin" "$2"
}
expect_c3() {
	blank "$1" "$2"
	put "$1" 0 "$T/factory-c3.bin"
	patch_boot "$1" 0 "$T/bootc3.bin" "$2"
}

# digest_ok FLASH OFF IMAGE: the boot loader at OFF in FLASH carries a valid
# appended SHA-256 (over [0, data_length), data_length from IMAGE's length),
# and its header bytes 2-3 differ from IMAGE's (it was patched)
digest_ok() {
	dl=$(($(stat -c %s "$3") - 32))
	[ "$(sha_at "$1" "$2" "$dl")" = "$(hex_at "$1" $(($2 + dl)) 32)" ] || return 1
	[ "$(hex_at "$1" $(($2 + 2)) 2)" != "$(hex_at "$3" 2 2)" ]
}

# untouched SLOT ORIGINAL: the unit heard no erase and no write, and its
# flash is still ORIGINAL, byte for byte
untouched() {
	! grep -Eq '"name":"(ERASE_FLASH|ERASE_REGION|FLASH_BEGIN|FLASH_DEFL_BEGIN|FLASH_DATA|FLASH_DEFL_DATA)"' \
		"$W/slot$1.emu.log" || fail "slot $1 was erased or written: $(emu_cmds "$W/slot$1.emu.log")"
	cmp -s "$2" "$W/slot$1.flash.bin" || fail "slot $1: flash changed"
}

# stopped_cleanly N: the N station runs inside the rack ("NAME exit STATUS"
# lines of in_rack.sh's run_until in $T/out) all stopped with status 0, so
# a crash or a sanitizer abort fails the test
stopped_cleanly() {
	[ "$(grep -c '^[a-z0-9_]* exit 0$' "$T/out")" = "$1" ] ||
		fail "a station run did not stop cleanly: $(grep ' exit ' "$T/out" | tr '\n' ' ')"
}
