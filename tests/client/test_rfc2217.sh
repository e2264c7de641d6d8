#!/bin/sh
# SPDX-License-Identifier: MIT
# rfc2217:// end to end: the unmodified espstation against the emulator's RFC
# 2217 server (esp8266-emu --rfc2217 0), which plays the network serial
# server and the unit behind it.
#   backup   the unit starts in its firmware: only the DTR/RTS reset through
#            RFC 2217 puts it into download mode; the stub switches to
#            921600 (the server's SET-BAUDRATE must follow); the whole 1 MB
#            flash (stock layout: 0xFF-heavy, so IAC escaping is exercised)
#            is read and its SHA-256 equals the emulator's own flash.
#   drop     the server closes the connection mid-read: exit 4 (unplugged)
#            with "connection closed by the server", no backup file, no hang.
#   refused  no server on the port: exit 2 with one line naming host:port.
# usage: test_rfc2217.sh CASE ESPSTATION ESP8266_EMU
# Exit status: 0 pass, 1 fail.
set -u
CASE=$1
ST=$2
EMU=$3

T=$(mktemp -d "${TMPDIR:-/tmp}/espstation-rfc2217.XXXXXX") || exit 1
EMU_PID=
cleanup() {
	[ -n "$EMU_PID" ] && kill -KILL "$EMU_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

fail() {
	printf 'FAIL [rfc2217 %s]: %s\n' "$CASE" "$*"
	for f in st.err emu.err; do
		[ -s "$T/$f" ] && { echo "--- $f"; tail -n 15 "$T/$f"; }
	done
	exit 1
}

# emu_start [emulator options...]: sets PORT to the server's rfc2217:// URL
emu_start() {
	"$EMU" --rfc2217 0 --fast-flash --log "$T/emu.log" "$@" >"$T/emu.out" 2>"$T/emu.err" &
	EMU_PID=$!
	i=0
	until [ "$(wc -l <"$T/emu.out" 2>/dev/null || echo 0)" -ge 1 ]; do
		kill -0 "$EMU_PID" 2>/dev/null || { EMU_PID=; fail "emulator exited at start"; }
		i=$((i + 1))
		[ $i -le 100 ] || fail "emulator not ready after 10 s"
		sleep 0.1
	done
	PORT="rfc2217://127.0.0.1:$(head -n 1 "$T/emu.out")"
}

# emu_stop: SIGTERM, which writes --save-flash
emu_stop() {
	kill -TERM "$EMU_PID" 2>/dev/null
	wait "$EMU_PID"
	rc=$?
	EMU_PID=
	[ $rc -eq 0 ] || fail "emulator exited with $rc"
}

# st EXPECTED_RC ARGS...: runs espstation, bounded, and checks its exit status
st() {
	want=$1
	shift
	timeout 60 "$ST" "$@" >"$T/st.out" 2>"$T/st.err"
	rc=$?
	[ $rc -ne 124 ] || fail "espstation $* hung (killed after 60 s)"
	[ $rc -eq "$want" ] || fail "espstation $*: exit $rc, expected $want"
}

case $CASE in
backup)
	emu_start --boot app --layout stock --save-flash "$T/flash.bin"
	st 0 backup --port "$PORT" -o "$T/unit.bin"
	emu_stop
	[ "$(sha256sum <"$T/unit.bin")" = "$(sha256sum <"$T/flash.bin")" ] ||
		fail "the backup differs from the emulator's flash"
	[ "$(stat -c %s "$T/unit.bin")" -eq 1048576 ] || fail "the backup is not 1 MB"
	grep -q 'SHA-256: *'"$(sha256sum <"$T/flash.bin" | cut -d' ' -f1)" "$T/st.out" ||
		fail "the printed SHA-256 is not the flash's"
	# the unit was in its firmware: EN pulsed with GPIO0 low brought it to
	# the loader, and the host side followed the stub to 921600
	grep -q '"ev":"boot","result":"download"' "$T/emu.log" ||
		fail "no reset into download mode through DTR/RTS"
	grep -q '"ev":"baud","who":"host","baud":921600' "$T/emu.log" ||
		fail "the server's port never went to 921600 (SET-BAUDRATE)"
	# (after the final reset the ROM's banner at 74880 is garbled by design)
	grep '"ev":"garbled"' "$T/emu.log" |
		grep -qE '"host_baud":921600,"dev_baud":115200|"host_baud":115200,"dev_baud":921600' &&
		fail "bytes garbled between 115200 and 921600: the switch was not in effect in time"
	;;
drop)
	emu_start --boot app --layout stock --rfc2217-drop-after 300000
	st 4 backup --port "$PORT" -o "$T/unit.bin"
	grep -q "connection closed by the server (unplugged?)" "$T/st.err" ||
		fail "the drop was not reported as a closed connection"
	[ "$(grep -c 'espstation:' "$T/st.err")" -eq 1 ] || fail "not one error line"
	[ ! -e "$T/unit.bin" ] || fail "a backup file was left behind"
	ls "$T" | grep -q '^unit\.bin' && fail "a temporary backup file was left behind"
	emu_stop
	;;
refused)
	# a port that was bound a moment ago and is free now: nothing listens
	emu_start --boot download
	url=$PORT
	emu_stop
	st 2 probe --port "$url"
	where=${url#rfc2217://}
	[ "$(wc -l <"$T/st.err")" -eq 1 ] || fail "not one line: $(cat "$T/st.err")"
	grep -q "$where refused the connection" "$T/st.err" || fail "host:port not named"
	;;
*)
	echo "unknown case $CASE" >&2
	exit 1
	;;
esac
echo "ok rfc2217 $CASE"
