#!/bin/sh
# SPDX-License-Identifier: MIT
# vrack's own command line: --help documents the slot keys and the timeline
# format; mistakes in a slot spec or a timeline are refused before anything
# starts, naming FILE:LINE and the fix; a missing command is exit 127.
CASE=cli
. "$(dirname "$0")/rack_lib.sh"

run() { "$VRACK" "$@" >"$T/out" 2>"$T/err"; RC=$?; SECS=-; }
expect_msg() {   # ERE on stderr
	grep -Eq "$1" "$T/err" || fail "stderr lacks /$1/: $(cat "$T/err")"
	say "$(head -n 1 "$T/err")"
}

run --help
expect_rc 0
for w in 'kind=cp2102\|ch340\|ft232r\|noreset' 'unplug_after=BYTES' 'stuck_sector=ADDR' \
	'layout=simple\|stock\|blank' 'TIME plug\|unplug\|swap\|power-cycle SLOT' \
	'ID_PATH' 'slotN.lines' 'VRACK_READY_FD' 'Exit status' 'chip=esp8266ex|esp8285|esp32|esp32c3' \
	'security=LIST' 'sdm (Secure Download Mode' 'ch9102   1a86:55d4' 'cp2102n  10c4:ea60' \
	'firmware=chatty|quiet|bootloop:MS|exception' 'flash_modes=LIST' 'cycle=SEC|never' 'gpio0_held'; do
	grep -q -- "$w" "$T/out" || fail "--help does not mention '$w'"
done

run --slot '0 kind=cp2101' -- true
expect_rc 125
expect_msg "unknown adapter kind 'cp2101' \(kinds: cp2102, cp2102n, ch340, ch9102, ft232r, noreset\)"

run --slot '0 chip=esp31' -- true
expect_rc 125
expect_msg "chip wants esp8266ex, esp8285, esp32 or esp32c3, not 'esp31'"

run --slot '0 chip=esp32 security=fe,sdm' -- true
expect_rc 125
expect_msg "security=sdm needs chip=esp32c3"

run --slot '0 security=fe' -- true
expect_rc 125
expect_msg "security is for chip=esp32 or esp32c3"

run --slot '0 chip=esp32c3 security=fe,xx' -- true
expect_rc 125
expect_msg "unknown security item 'xx'"

run --slot '0 chip=esp32 revision=v3.7' -- true
expect_rc 125
expect_msg "revision v3.7 does not exist on this chip"

run --slot '0 flsh=1MB' -- true
expect_rc 125
expect_msg "unknown key 'flsh'"

run --slot '0 flash=3MB' -- true
expect_rc 125
expect_msg "flash wants a power of two"

run --slot '0 layout=stockish' -- true
expect_rc 125
expect_msg "layout wants simple, stock or blank, not 'stockish'"

run --slot "0 layout=stock image=$T/none.bin" -- true
expect_rc 125
expect_msg "image and layout exclude each other"

run --slot '0 faults=stuck_sector=0xFB800' -- true
expect_rc 125
expect_msg "faults: stuck_sector wants a 4 KiB sector address \(e.g. 0xFB000\), not '0xFB800'"

run --slot '0 firmware=bootloop:20' -- true
expect_rc 125
expect_msg "firmware wants chatty, quiet, bootloop:MS \(MS 50..60000\) or exception, not 'bootloop:20'"

run --slot '0 flash_modes=dout,qxo' -- true
expect_rc 125
expect_msg "flash_modes wants a comma list of qio, qout, dio, dout"

run --slot '0 kind=noreset cycle=0' -- true
expect_rc 125
expect_msg "cycle wants the seconds the line must stay quiet"

run --slot '0 flash=512KB faults=stuck_sector=0xFB000' -- true
expect_rc 125
expect_msg "faults: stuck_sector=0xFB000 is beyond the 512 KB flash"

printf '0 kind=ch340\n# comment\n1 kind=ft232r faults=never_boot,unplug_after=lots\n' >"$T/slots"
run --slots "$T/slots" -- true
expect_rc 125
expect_msg "$T/slots:3: faults: unplug_after wants a byte count"

printf '# vrack-timeline v1\n1.0 unplug 0\n2,5 plug 0\n' >"$T/tl"
run --timeline "$T/tl" -- true
expect_rc 125
expect_msg "$T/tl:3: '2,5' is not a time in seconds"

printf '1 unplug 0\n2 yank 0\n' >"$T/tl"
run --timeline "$T/tl" -- true
expect_rc 125
expect_msg "$T/tl:2: unknown action 'yank': use plug, unplug, swap, reseat or power-cycle"

printf '1 unplug 4\n' >"$T/tl"
run --timeline "$T/tl" -- true
expect_rc 125
expect_msg "$T/tl:1: slot 4 is not defined: add --slot '4 kind=cp2102'"

printf '1 unplug 0\n2 unplug 0\n' >"$T/tl"
run --timeline "$T/tl" -- true
expect_rc 125
expect_msg "$T/tl:2: slot 0 is not plugged in at 2.000 s"

printf '# vrack-timeline v2\n' >"$T/tl"
run --timeline "$T/tl" -- true
expect_rc 125
expect_msg "$T/tl:1: timeline format v2, but this vrack reads v1"

run -q
expect_rc 125
expect_msg "no command"

rack -- /nonexistent/command
expect_rc 127
say "a missing command: exit 127"
say "ok"
