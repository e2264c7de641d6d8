# SPDX-License-Identifier: MIT
# Shared by the http tests: the rack helpers, the station config, and a
# station on the virtual rack with --http running in the background while the
# test talks to it from outside the rack (curl, chromium).
# Arguments: VRACK ESPSTATION UDEV_PROBE MKIMAGE [OUT_DIR].
. "$(dirname "$0")/../rack/rack_lib.sh"
. "$(dirname "$0")/../station/station_cfg.sh"
MKIMAGE=$4
OUT_DIR=${5:-}
HERE=$(cd "$(dirname "$0")" && pwd)
DB=$T/data/station.db
command -v curl >/dev/null 2>&1 || { echo "SKIP [$CASE]: no curl"; exit 77; }
command -v sqlite3 >/dev/null 2>&1 || { echo "SKIP [$CASE]: no sqlite3 CLI"; exit 77; }
q() { sqlite3 "$DB" "$1"; }

# rack_bg [vrack options...]: the station (in_rack_http.sh) in a rack, in
# the background; sets RACK_PID.  stop_rack ends it and checks its hygiene.
rack_bg() {
	rm -rf "$W" "$T/port" "$T/stop" "$T/restart"
	TMPDIR=$T umockdev-wrapper "$VRACK" -q --workdir "$W" --timeout 120 "$@" -- \
		sh "$HERE/in_rack_http.sh" "$ST" "$T" >"$T/out" 2>"$T/err" &
	RACK_PID=$!
}
stop_rack() {
	touch "$T/stop"
	wait "$RACK_PID"
	RC=$?
	check_hygiene
}
# wait_for SECONDS SHELL-CONDITION: polls every 0.2 s; 1 on time-out.
wait_for() {
	i=0
	while [ $i -lt $(($1 * 5)) ]; do
		eval "$2" && return 0
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}
# the address the station listens on, once it does (30 s at most)
wait_port() {
	wait_for 30 '[ -s "$T/port" ]' || fail "the station never said it listens: $(cat "$T"/station.*.log 2>/dev/null | tail -n 5)"
	ADDR=$(cat "$T/port")
	URL=http://$ADDR
}
closed() { sqlite3 "$DB" "select count(*) from jobs where end_ms is not null" 2>/dev/null || echo 0; }
show_station() {
	for f in "$T"/station.*.log; do
		say "$(basename "$f"):"
		sed 's/^/    /' "$f" | head -n 40
	done
}
