#!/bin/sh
# SPDX-License-Identifier: MIT
# kill -9 of a worker mid-backup: its job is closed as "crashed" at that
# stage, the other slot never notices.  Then kill -9 of the supervisor
# mid-job and a restart: the workers died with it (nothing left holding the
# ports), the open job is closed as "interrupted", the database passes
# integrity_check, and the unit is served again.
CASE=station_crash
. "$(dirname "$0")/station_lib.sh"
"$MKIMAGE" image "$T/fw.bin" 300000 5
STUB=921600 FALLBACK=460800 write_cfg refurbish
# a backup at 921600 takes ~12 s: time enough to kill things in the middle
cmd='
	db="$2/data/station.db"
	open_in() { sqlite3 "$db" "select count(*) from jobs where end_ms is null and stage = '\''$1'\''" 2>/dev/null; }
	"$1" run --config "$2/station.cfg" --plain >"$2/station.log" 2>&1 & st=$!
	i=0; while [ "$(open_in backup)" != 2 ] && [ $i -lt 150 ]; do sleep 0.2; i=$((i+1)); done
	sleep 1; kill -9 $(pgrep -P $st | head -n 1); echo "killed a worker"
	workers=$(pgrep -P $st)
	sleep 1; kill -9 $st; wait $st; echo "killed the supervisor"
	sleep 0.5; left=0; for p in $workers; do kill -0 $p 2>/dev/null && left=$((left + 1)); done
	echo "workers left: $left"
	"$1" run --config "$2/station.cfg" --plain >"$2/station2.log" 2>&1 & st=$!
	i=0; while [ $i -lt 300 ]; do
		n=$(sqlite3 "$db" "select count(*) from jobs where result = '\''passed'\''" 2>/dev/null)
		[ "${n:-0}" -ge 1 ] && break; sleep 0.2; i=$((i+1)); done
	kill -TERM $st; wait $st; echo "station exit $?"'
rack --baud-fast --slot "0 kind=cp2102 timing=fast" --slot "1 kind=ch340 timing=fast" \
	-- sh -c "$cmd" sh "$ST" "$T"
show_station
say "second run:"; sed 's/^/    /' "$T/station2.log" | head -n 30
cat "$T/out"
grep -q "workers left: 0" "$T/out" || fail "workers outlived the supervisor: $(grep 'workers left' "$T/out")"
say "jobs: $(q "select group_concat(id || ':' || slot || ':' || result || ':' || stage, ' ') from jobs")"
[ "$(q "select count(*) from jobs where result = 'crashed' and stage = 'backup'")" -ge 1 ] || fail "no crashed job at backup"
[ "$(q "select count(*) from jobs where result = 'interrupted' and stage = 'backup'")" -ge 1 ] || fail "no interrupted job at backup"
[ "$(q "select count(*) from jobs where end_ms is null")" = 0 ] || fail "a job is still open"
[ "$(q "select count(*) from jobs where result = 'passed'")" -ge 1 ] || fail "no unit served after the restart"
q "select path || ' ' || sha256 from backups" | while read -r path sha; do
	[ "$(sha256sum <"$path" | cut -d' ' -f1)" = "$sha" ] || fail "backup $path unreadable or altered"
done
[ "$(q 'pragma integrity_check')" = ok ] || fail "integrity_check"
say "ok"
