# SPDX-License-Identifier: MIT
# Shared by the station tests: the rack helpers (tests/rack/rack_lib.sh) plus
# a station config, a runner that stops the station once N jobs are closed,
# and database queries.  Arguments: VRACK ESPSTATION UDEV_PROBE MKIMAGE.
. "$(dirname "$0")/../rack/rack_lib.sh"
MKIMAGE=$4
command -v sqlite3 >/dev/null 2>&1 || { echo "SKIP [$CASE]: no sqlite3 CLI"; exit 77; }
DB=$T/data/station.db

# write_cfg MODE; $CT (connect timeout), $STUB and $FALLBACK (bauds) override
write_cfg() {
	mode=$1
	cat >"$T/station.cfg" <<CFG
station = "rack-test";
database = "$DB";
backup_dir = "$T/data/backups";
mode = "$mode";
image = { file = "$T/fw.bin"; flash_mode = "dout"; flash_size = "detect"; };
baud = { stub = ${STUB:-3000000}; fallback = ${FALLBACK:-921600}; };
connect_timeout = ${CT:-10};
settle_ms = 200;
after_job = { reset = true; wait_removal = false; };
CFG
}

# The command run inside the rack: the station, stopped by SIGTERM once
# $JOBS jobs are closed (or after 60 s); its own exit status is printed.
station_cmd='
	"$1" run --config "$2/station.cfg" --plain ${RUN_ARGS:-} >"$2/station.log" 2>&1 & st=$!
	echo "$st" >"$2/station.pid"
	i=0
	while [ $i -lt 300 ]; do
		n=$(sqlite3 "$2/data/station.db" "select count(*) from jobs where end_ms is not null" 2>/dev/null)
		[ "${n:-0}" -ge "$3" ] && break
		[ -n "${4:-}" ] && sh -c "$4" sh "$1" "$2"
		sleep 0.2
		i=$((i + 1))
	done
	kill -TERM $st
	wait $st
	echo "station exit $?"'

q() { sqlite3 "$DB" "$1"; }

show_station() {
	say "station log:"
	sed 's/^/    /' "$T/station.log" | head -n 60
}
