# SPDX-License-Identifier: MIT
# Shared by the central-store tests and bench_central: a station on its own
# virtual rack shipping to the PostgreSQL the test started (tests/pg/pg_lib.sh),
# and the comparisons of a local database with the central store.
# Sourced after station_lib.sh.
. "$(dirname "$0")/../pg/pg_lib.sh"
command -v psql >/dev/null 2>&1 || { echo "SKIP [$CASE]: no psql"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "SKIP [$CASE]: no python3"; exit 77; }
# the cluster belongs to the unprivileged postgres user when we are root:
# it must reach its directory under $T
chmod 0711 "$T"
# on the way out: stop every station and rack still running, then the cluster
central_cleanup() {
	rc=$?
	for p in "$T"/*/rack.pid; do
		[ -e "$p" ] || continue
		: >"$(dirname "$p")/stop"
		wait "$(cat "$p")" 2>/dev/null
		[ $rc = 0 ] || { echo "--- $(dirname "$p")/station.log (last 30 lines)"; tail -n 30 "$(dirname "$p")/station.log"; }
	done
	pg_cleanup
	rm -rf "$T"
}
trap central_cleanup EXIT

# central_station DIR NAME MODE [PASSFILE]: DIR/station.cfg for station NAME with
# its own database and backups under DIR/data, shipping to $PG_URL.
central_station() {
	mkdir -p "$1"
	station_cfg "$1/station.cfg" "$2" "$1/data" "$3" "$T/fw.bin" 3000000 921600 10
	cat >>"$1/station.cfg" <<CFG
central = { url = "$PG_URL"; password_file = "${4:-$PG_PASSFILE}"; };
CFG
}

# The command run inside a rack: the station on $2/station.cfg until the
# file $2/stop appears (or the rack's timeout); prints "station exit STATUS".
central_run='
	"$1" run --config "$2/station.cfg" --plain >>"$2/station.log" 2>&1 &
	st=$!
	echo "$st" >"$2/station.pid"
	while [ ! -e "$2/stop" ]; do sleep 0.1; done
	# the cost of the station before it stops: CPU ticks (utime + stime) and
	# peak RSS (VmHWM, kB) of the supervisor, and of its shipper child if any
	cost() { echo "$(awk "{ print \$14 + \$15 }" "/proc/$1/stat") $(awk "/^VmHWM/ { print \$2 }" "/proc/$1/status")"; }
	shp=
	for c in $(cat "/proc/$st/task/$st/children" 2>/dev/null); do
		[ "$(cat "/proc/$c/comm" 2>/dev/null)" = espst-shipper ] && shp=$c
	done
	echo "$(cost $st) $([ -n "$shp" ] && cost "$shp" || echo 0 0)" >"$2/cost"
	kill -TERM $st
	wait $st
	echo "station exit $?"'

# start_rack DIR SLOT-ARGS...: a rack in the background (workdir DIR/w,
# output DIR/out and DIR/err), running central_run for DIR.
start_rack() {
	d=$1
	shift
	TMPDIR=$d umockdev-wrapper "$VRACK" -q --workdir "$d/w" --timeout "${RACK_TIMEOUT:-120}" --baud-fast "$@" \
		-- sh -c "$central_run" sh "$ST" "$d" >"$d/out" 2>"$d/err" &
	echo $! >"$d/rack.pid"
}

# stop_rack DIR: stops its station and waits for the rack; fails unless the
# station stopped cleanly.
stop_rack() {
	: >"$1/stop"
	wait "$(cat "$1/rack.pid")"
	grep -q "station exit 0" "$1/out" || fail "$1: station did not stop cleanly: $(cat "$1/out" "$1/err")"
}

lq() { sqlite3 "$1/data/station.db" "$2"; }
# closed jobs of the station in DIR
lclosed() { lq "$1" "select count(*) from jobs where end_ms is not null" 2>/dev/null || echo 0; }

# cq SQL: the central database, as its owner would read it
cq() { PG_DB=espstation pg_psql "$1"; }
cjobs() { cq "select count(*) from station_rows r join stations s on s.id = r.station_id where s.name = '$1' and r.tbl = 'jobs'" 2>/dev/null || echo 0; }

# wait_for SECONDS WHAT COMMAND...: polls COMMAND every 0.2 s until it succeeds
wait_for() {
	secs=$1 what=$2
	shift 2
	i=0
	while ! "$@"; do
		i=$((i + 1))
		[ $i -lt $((secs * 5)) ] || fail "waited ${secs}s for $what"
		sleep 0.2
	done
}

# status_field DIR EXPR: a field of `espstation status --json` (python expression on s)
status_field() {
	"$ST" status --config "$1/station.cfg" --json 2>/dev/null |
		python3 -c "import json,sys; s=json.load(sys.stdin); print($2)"
}

# compare_central DIR NAME: every journal row, job and backup of the local
# database is in the central store once, the same, and each backup's bytes
# hash to its SHA-256 there.
compare_central() {
	d=$1 n=$2
	sid=$(cq "select id from stations where name = '$n'")
	[ -n "$sid" ] || fail "$n: no such station in the central store"
	for t in jobs backups devices adapters; do
		l=$(lq "$d" "select count(*) from $t")
		c=$(cq "select count(*) from station_rows where station_id = $sid and tbl = '$t'")
		[ "$l" = "$c" ] || fail "$n: $t: $l local, $c central"
	done
	l=$(lq "$d" "select count(*) from events")
	c=$(cq "select count(*) from journal where station_id = $sid")
	[ "$l" = "$c" ] || fail "$n: events: $l local, $c central"
	# the same rows, not just as many
	lq "$d" "select id || ' ' || type from events order by id" >"$T/$n.lev"
	cq "select local_id || ' ' || type from journal where station_id = $sid order by local_id" >"$T/$n.cev"
	cmp -s "$T/$n.lev" "$T/$n.cev" || fail "$n: journal differs: $(diff "$T/$n.lev" "$T/$n.cev" | head -n 5)"
	lq "$d" "select id || ' ' || result || ' ' || end_ms from jobs order by id" >"$T/$n.ljob"
	cq "select local_id || ' ' || (row->>'result') || ' ' || (row->>'end_ms') from station_rows
	    where station_id = $sid and tbl = 'jobs' order by local_id" >"$T/$n.cjob"
	cmp -s "$T/$n.ljob" "$T/$n.cjob" || fail "$n: jobs differ: $(diff "$T/$n.ljob" "$T/$n.cjob" | head -n 5)"
	# each backup: the local file's SHA-256 = the recorded one = the blob's bytes re-hashed
	lq "$d" "select id || ' ' || sha256 || ' ' || path from backups order by id" >"$T/$n.lbk"
	while read -r id sha path; do
		[ "$(sha256sum <"$path" | cut -d' ' -f1)" = "$sha" ] || fail "$n: backup $id: local file altered"
		got=$(cq "select encode(sha256(b.data), 'hex') || ' ' || count(*) over ()
		          from station_rows r join blobs b on b.sha256 = r.row->>'sha256'
		          where r.station_id = $sid and r.tbl = 'backups' and r.local_id = $id")
		[ "$got" = "$sha 1" ] || fail "$n: backup $id ($sha): central has '$got'"
	done <"$T/$n.lbk"
	say "$n: $(wc -l <"$T/$n.ljob") jobs, $(wc -l <"$T/$n.lbk") backups, $(wc -l <"$T/$n.lev") events: each once in the central store, the same"
}
