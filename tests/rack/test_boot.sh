#!/bin/sh
# SPDX-License-Identifier: MIT
# (g) Units boot what their flash holds, driven by the rack as a station
# drives them.  rack_boot_listen resets each wired unit with an RTS pulse
# (DTR released: GPIO0 high) and listens at 74880 (ESP8266 ROM) and then at
# 115200 (the firmware):
#   slot 0  a stock Sonoff: banner with rst cause 2 and boot mode (3,6), the
#           ROM's load lines and csum, the NONOS boot loader, then the SDK
#           at 115200 with the unit's MAC;
#   slot 1  the button still held (gpio0_held): boot mode (1,6), no load;
#   slot 2  firmware=bootloop:300: watchdog resets (rst cause 4) 300 ms apart;
#   slot 3  an ESP32: the flash boot log and ESP-IDF's second stage at 115200;
#   slot 4  a DOUT-only flash under the stock QIO header: csum err;
#   slot 5  a bare adapter: the listener talks to the loader (after the
#           operator's button press), then waits; the simulated operator
#           power-cycles without the button once the line has been quiet
#           for cycle=0.5 s: banner with rst cause 1 (power-on), load lines.
CASE=boot
. "$(dirname "$0")/rack_lib.sh"
LISTEN=$(dirname "$PROBE")/rack_boot_listen

cat >"$T/slots" <<'SL'
0 kind=cp2102  layout=stock timing=fast
1 kind=ch340   layout=stock timing=fast faults=gpio0_held
2 kind=cp2102  layout=stock timing=fast firmware=bootloop:300
3 kind=cp2102n chip=esp32 layout=stock timing=fast
4 kind=ft232r  layout=stock timing=fast flash_modes=dout
5 kind=noreset layout=stock timing=fast button=0.3 cycle=0.5
SL
rack --slots "$T/slots" -- sh -c '
L=$1; D=$2
"$L" /dev/ttyUSB0 --rom-until "jump to run user1" >"$D/b0"
"$L" /dev/ttyUSB1 --rom-ms 60 --app-ms 100 >"$D/b1"
"$L" /dev/ttyUSB2 --rom-until "jump to run user1" --app-ms 900 >"$D/b2"
"$L" /dev/ttyUSB3 --rom-baud 115200 --rom-until "entry 0x" >"$D/b3"
"$L" /dev/ttyUSB4 --rom-until "ets_main.c" --app-ms 300 >"$D/b4"
"$L" /dev/ttyUSB5 --sync --reset none --wait-ms 5000 --rom-until "jump to run user1" >"$D/b5"
exit 0' sh "$LISTEN" "$T"
expect_rc 0
for i in 0 1 2 3 4 5; do
	say "slot $i heard:"
	sed 's/^/    /' "$T/b$i"
done

has() { grep -qF -- "$2" "$T/b$1" || fail "slot $1: no '$2'"; }
hasnt() { ! grep -qF -- "$2" "$T/b$1" || fail "slot $1: '$2' should not be there"; }

has 0 "rom:  ets Jan  8 2013,rst cause:2, boot mode:(3,6)"
has 0 "rom: load 0x4010f000, len "
has 0 "rom: csum 0x"
hasnt 0 "csum err"
has 0 "rom: jump to run user1 @ 1000"
has 0 "app: mode : sta(5c:cf:7f:c0:00:00)"
grep -q 'TIOCMSET DTR=0 RTS=1 EN=low GPIO0=high' "$W/slot0.lines" || fail "slot 0: no RTS pulse with DTR released"
grep -q '"ev":"boot","result":"app_ok","cause":"en","rst":2,.*"baud":74880,"firmware":"chatty"' \
	"$W/slot0.emu.log" || fail "slot 0: no app_ok boot event"
grep -q '"ev":"app_text","what":"app",.*"baud":115200' "$W/slot0.emu.log" || fail "slot 0: no firmware text"

has 1 "rom:  ets Jan  8 2013,rst cause:2, boot mode:(1,6)"
hasnt 1 "load 0x"
grep -q '"ev":"boot","result":"download","cause":"en"' "$W/slot1.emu.log" || fail "slot 1: no download boot"

wdt=$(grep -c '"ev":"reset","cause":"wdt"' "$W/slot2.emu.log")
say "slot 2: $wdt watchdog resets"
[ "$wdt" -ge 2 ] || fail "slot 2: $wdt watchdog resets"
grep -q '"ev":"boot","result":"bootloop","cause":"wdt","rst":4' "$W/slot2.emu.log" || fail "slot 2: no bootloop boot"

has 3 "rom: rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)"
has 3 "rom: entry 0x4008"
has 3 "2nd stage bootloader"

has 4 "rom: chksum 0xef"
has 4 "rom: csum err"
grep -q '"result":"bad_checksum".*"garbled":true' "$W/slot4.emu.log" || fail "slot 4: no garbled checksum failure"

has 5 "rom:  ets Jan  8 2013,rst cause:1, boot mode:(3,6)"
has 5 "rom: load 0x4010f000, len "
has 5 "app: mode : sta(5c:cf:7f:c0:05:00)"
grep -q 'operator: power-cycle holding GPIO0' "$W/slot5.lines" || fail "slot 5: the button was never pressed"
grep -q 'operator: power-cycle$' "$W/slot5.lines" || fail "slot 5: no plain power-cycle"
t_cycle=$(rack_time 'slot 5: the line has been quiet')
[ -n "$t_cycle" ] || fail "slot 5: rack.log does not say why the operator cycled"
grep -q '"cmd".*"name":"SYNC"' "$W/slot5.emu.log" || fail "slot 5: the listener never talked to the loader"
say "slot 5: the operator power-cycled at ${t_cycle}s"
say "ok"
