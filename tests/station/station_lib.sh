# SPDX-License-Identifier: MIT
# Shared by the station tests: the rack helpers (tests/rack/rack_lib.sh) plus
# the station config, the runner that stops the station once N jobs are
# closed (in_rack.sh, for the command inside the rack), and database
# queries.  Arguments: VRACK ESPSTATION UDEV_PROBE MKIMAGE.
. "$(dirname "$0")/../rack/rack_lib.sh"
. "$(dirname "$0")/station_cfg.sh"
MKIMAGE=$4
command -v sqlite3 >/dev/null 2>&1 || { echo "SKIP [$CASE]: no sqlite3 CLI"; exit 77; }
DB=$T/data/station.db

# write_cfg MODE: $T/station.cfg.  $CFG_NAME (station), $CT (connect
# timeout), $ROM, $STUB and $FALLBACK (bauds) override the defaults.
write_cfg() {
	station_cfg "$T/station.cfg" "${CFG_NAME:-rack-test}" "$T/data" "$1" "$T/fw.bin" \
		"${STUB:-3000000}" "${FALLBACK:-921600}" "${CT:-10}" "${ROM:-}"
}

# For the command run inside the rack: closed and run_until (in_rack.sh).
IN_RACK=$(cd "$(dirname "$0")" && pwd)/in_rack.sh
export IN_RACK

# The command run inside the rack: the station on $T/station.cfg, stopped by
# SIGTERM once $3 jobs are closed (or after 60 s), running the hook $4 while
# it waits; prints "station exit STATUS".
station_cmd='. "$IN_RACK"; run_until "$1" "$2" station "$3" "${4:-}"'

q() { sqlite3 "$DB" "$1"; }

show_station() {
	say "station log:"
	sed 's/^/    /' "$T/station.log" | head -n 60
}
