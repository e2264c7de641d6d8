#!/bin/sh
# SPDX-License-Identifier: MIT
# A remote slot (slots = ( { name = "r1"; port = "rfc2217://..."; } )) in
# `espstation run`, against the emulator's RFC 2217 server as the rack board:
#  - while nothing listens on the port, no worker starts (no job rows, no
#    loop hammering the server: hotplug probes it with a back-off);
#  - once the server is up the slot is served as a fixed jig: reset through
#    DTR/RTS, backup at 921600, job passed, backup equal to the flash;
#  - the server going away is the slot's unplug; back again, the slot is
#    served again (a second passed job) without restarting the station.
# usage: test_remote_run.sh ESPSTATION ESP8266_EMU
# Exit status: 0 pass, 1 fail.
set -u
ST=$1
EMU=$2

T=$(mktemp -d "${TMPDIR:-/tmp}/espstation-remote.XXXXXX") || exit 1
EMU_PID=
RUN_PID=
cleanup() {
	[ -n "$RUN_PID" ] && kill -KILL "$RUN_PID" 2>/dev/null
	[ -n "$EMU_PID" ] && kill -KILL "$EMU_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

fail() {
	printf 'FAIL [remote run]: %s\n' "$*"
	for f in run.err emu.err; do
		[ -s "$T/$f" ] && { echo "--- $f"; tail -n 20 "$T/$f"; }
	done
	exit 1
}

# emu_start PORT [options]: the RFC 2217 server on 127.0.0.1:PORT (0: any)
emu_start() {
	p=$1
	shift
	: >"$T/emu.out"
	"$EMU" --rfc2217 "$p" --fast-flash --boot app "$@" >"$T/emu.out" 2>>"$T/emu.err" &
	EMU_PID=$!
	i=0
	until [ "$(wc -l <"$T/emu.out")" -ge 1 ]; do
		kill -0 "$EMU_PID" 2>/dev/null || { EMU_PID=; fail "emulator exited at start"; }
		i=$((i + 1))
		[ $i -le 100 ] || fail "emulator not ready after 10 s"
		sleep 0.1
	done
	PORT=$(head -n 1 "$T/emu.out")
}

emu_stop() {
	kill -TERM "$EMU_PID" 2>/dev/null
	wait "$EMU_PID"
	EMU_PID=
}

# count TYPE [RESULT]: events of that type (and result) for slot r1
count() {
	grep "\"type\":\"$1\"" "$T/events.json" 2>/dev/null | grep '"slot":"r1"' |
		grep -c "${2:+\"result\":\"$2\"}"
}

# wait_for N TYPE [RESULT]: until N such events, at most 40 s
wait_for() {
	i=0
	until [ "$(count "$2" ${3:-})" -ge "$1" ]; do
		kill -0 "$RUN_PID" 2>/dev/null || fail "the station exited"
		i=$((i + 1))
		[ $i -le 400 ] || fail "no $1 '$2 ${3:-}' event after 40 s"
		sleep 0.1
	done
}

# a port that was free a moment ago; the server comes up on it later
emu_start 0 --layout stock --save-flash "$T/flash.bin"
emu_stop
cat >"$T/st.cfg" <<CFG
station = "remote-test";
database = "$T/station.db";
backup_dir = "$T/backups";
mode = "backup";
baud = { stub = 921600; fallback = 115200; };
connect_timeout = 10;
settle_ms = 200;
after_job = { reset = true; wait_removal = true; };
boot_check = false;
slots = ( { name = "r1"; port = "rfc2217://127.0.0.1:$PORT"; } );
CFG
"$ST" run --config "$T/st.cfg" --plain --events "json:$T/events.json" >"$T/run.out" 2>"$T/run.err" &
RUN_PID=$!
i=0
until grep -q "running in backup mode" "$T/run.out" "$T/run.err" 2>/dev/null; do
	i=$((i + 1))
	[ $i -le 100 ] || fail "the station did not start"
	sleep 0.1
done
# refused: the slot stays unplugged (hotplug probes 0 s, 1 s, 3 s ...)
sleep 2
[ "$(count attached)" -eq 0 ] || fail "a worker started for a server that refuses"

emu_start "$PORT" --flash-image "$T/flash.bin" --log "$T/emu.log"
wait_for 1 done
[ "$(count done passed)" -eq 1 ] || fail "job 1 did not pass: $(grep '"done"' "$T/events.json")"
grep -q '"ev":"boot","result":"download"' "$T/emu.log" || fail "no DTR/RTS reset into download mode"
grep -q '"ev":"baud","who":"host","baud":921600' "$T/emu.log" || fail "no baud switch to 921600"

# the server goes away: the slot's unplug; then it is back
emu_stop
wait_for 1 detached
emu_start "$PORT" --flash-image "$T/flash.bin"
wait_for 2 done
[ "$(count done passed)" -eq 2 ] || fail "job 2 did not pass"
[ "$(count attached)" -eq 2 ] || fail "expected 2 attaches, got $(count attached)"

kill -TERM "$RUN_PID"
wait "$RUN_PID"
rc=$?
RUN_PID=
[ $rc -eq 0 ] || fail "the station exited with $rc"
emu_stop

want=$(sha256sum <"$T/flash.bin" | cut -d' ' -f1)
n=0
for f in "$T"/backups/18fe34123456/*.bin; do
	[ "$(sha256sum <"$f" | cut -d' ' -f1)" = "$want" ] || fail "backup $f differs from the flash"
	n=$((n + 1))
done
[ $n -eq 2 ] || fail "expected 2 backups, found $n"
echo "ok remote run"
