# SPDX-License-Identifier: MIT
# Sourced by the command a station test runs inside the rack: vrack starts
# it in a new sh, where station_lib.sh's functions do not exist, so
# station_lib.sh exports this file's path as $IN_RACK (`. "$IN_RACK"`).
# DIR is the test's $T: configs DIR/NAME.cfg, database DIR/data/station.db.

# closed DIR: the number of closed jobs (0 while there is no database yet)
closed() {
	sqlite3 "$1/data/station.db" "select count(*) from jobs where end_ms is not null" 2>/dev/null || echo 0
}

# run_until ESPSTATION DIR NAME N [HOOK]: runs the station on DIR/NAME.cfg
# until N jobs are closed (or 60 s passed), then stops it with SIGTERM and
# prints "NAME exit STATUS".  The log is appended to DIR/station.log, the pid
# written to DIR/station.pid; $RUN_ARGS are added to its arguments and
# $RUN_PRELOAD to its LD_PRELOAD.  HOOK runs as `sh -c HOOK sh ESPSTATION
# DIR` every 0.2 s while the station waits.
run_until() {
	preload=${LD_PRELOAD:-}
	[ -z "${RUN_PRELOAD:-}" ] || preload="${preload:+$preload:}$RUN_PRELOAD"
	# shellcheck disable=SC2086 # RUN_ARGS is a list of words
	LD_PRELOAD=$preload "$1" run --config "$2/$3.cfg" --plain ${RUN_ARGS:-} >>"$2/station.log" 2>&1 &
	st=$!
	echo "$st" >"$2/station.pid"
	i=0
	while [ $i -lt 300 ]; do
		n=$(closed "$2")
		[ "${n:-0}" -ge "$4" ] && break
		[ -z "${5:-}" ] || sh -c "$5" sh "$1" "$2"
		sleep 0.2
		i=$((i + 1))
	done
	kill -TERM $st
	wait $st
	echo "$3 exit $?"
}
