#!/bin/sh
# SPDX-License-Identifier: MIT
# (c) Hotplug of three kinds of adapter at once.  A libudev monitor
# (rack_udev_probe, listening like the station will) runs inside the rack;
# once it is listening the timeline plugs a CP2102, a CH340 and an FT232R in
# the same instant.  Each add event must carry its own /dev node, the slot's
# ID_PATH, the adapter's VID:PID and serial (none for the CH340), and
# libserialport must see each as a USB port with the same identity.
CASE=hotplug
. "$(dirname "$0")/rack_lib.sh"

cat >"$T/timeline" <<'TL'
# vrack-timeline v1
# three adapters plugged in the same instant, once the monitor listens
0  plug  0
0  plug  1
0  plug  2
TL
rack --wait-ready --timeline "$T/timeline" \
	--slot '0 kind=cp2102' --slot '1 kind=ch340' --slot '2 kind=ft232r' -- \
	"$PROBE" --adds 3 --timeout 10
say "udev events seen inside the rack (${SECS}s):"
sed 's/^/    /' "$T/out"
expect_rc 0

expect_add() {   # ID_PATH VID:PID SERIAL
	line=$(grep "^add .* ID_PATH=$1 " "$T/out") || fail "no add event for ID_PATH $1"
	case "$line" in
	*"vid:pid=$2 usb_serial=$3 ID_SERIAL_SHORT=$3 "*) ;;
	*) fail "add event for $1 is not $2 serial $3: $line" ;;
	esac
	node=$(echo "$line" | awk '{ print $2 }')
	grep -q "libserialport: $node transport=usb vid:pid=$2 serial=$3 " "$T/out" ||
		fail "libserialport does not see $node as USB $2 serial $3"
	echo "$node"
}
n0=$(expect_add pci-0000:00:14.0-usb-0:1.1:1.0 10c4:ea60 0001) || exit 1
n1=$(expect_add pci-0000:00:14.0-usb-0:1.2:1.0 1a86:7523 '(none)') || exit 1
n2=$(expect_add pci-0000:00:14.0-usb-0:1.3:1.0 0403:6001 A50285B2) || exit 1
[ "$n0" != "$n1" ] && [ "$n1" != "$n2" ] && [ "$n0" != "$n2" ] ||
	fail "two adapters share a /dev node: $n0 $n1 $n2"
for n in $n0 $n1 $n2; do
	case "$n" in /dev/ttyUSB[0-9]*) ;; *) fail "unexpected node $n" ;; esac
done
say "ok"
