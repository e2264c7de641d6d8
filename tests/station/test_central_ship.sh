#!/bin/sh
# SPDX-License-Identifier: MIT
# Two stations ship to one central store that dies mid-shipping (issue 11):
# stations A (refurbish) and B (backup), each on its own virtual rack with
# two 1 MB units and its own database and vault, both with central = { url;
# password_file; }.  Once each has a job in the central store, the server is
# killed (pg_stop immediate: no shutdown, connections cut), every unit is
# swapped for a new one and the stations go on: every job passes, `espstation
# status` shows the backlog (counted locally, exit 3) and the console says the
# store is down.  The server comes back, one more unit each is done, and then
# every local journal row, job and backup is in the central store exactly
# once and the same (ids, results, end times; each backup's bytes re-hashed
# by the server).  Arguments: VRACK ESPSTATION UDEV_PROBE MKIMAGE.
CASE=station_central_ship
. "$(dirname "$0")/station_lib.sh"
. "$(dirname "$0")/central_lib.sh"

pg_start "$T/pg" || fail "cannot start PostgreSQL"
"$MKIMAGE" image "$T/fw.bin" 200000 5
central_station "$T/a" bench-a refurbish
central_station "$T/b" bench-b backup
start_rack "$T/a" --slot "0 kind=cp2102 timing=fast mac=60:01:94:0a:00:01" \
	--slot "1 kind=ch340 timing=fast mac=60:01:94:0a:01:01"
start_rack "$T/b" --slot "0 kind=ft232r timing=fast mac=60:01:94:0b:00:01" \
	--slot "1 kind=cp2102 timing=fast mac=60:01:94:0b:01:01"
swap_all() { for s in 0 1; do echo "swap $s" >"$1/w/control"; done; }
closed_ge() { [ "$(lclosed "$1")" -ge "$2" ]; }
shipped_ge() { [ "$(cjobs "$1")" -ge "$2" ]; }

# 1. both ship: a job of each station arrives
wait_for 40 "station A's first job in the central store" shipped_ge bench-a 1
wait_for 40 "station B's first job in the central store" shipped_ge bench-b 1
say "both stations shipped a job; killing the central server"

# 2. the server dies; the stations go on with two new units each
pg_stop immediate
wait_for 30 "station A's first two jobs" closed_ge "$T/a" 2
wait_for 30 "station B's first two jobs" closed_ge "$T/b" 2
swap_all "$T/a"
swap_all "$T/b"
wait_for 40 "station A's jobs while the store is down" closed_ge "$T/a" 4
wait_for 40 "station B's jobs while the store is down" closed_ge "$T/b" 4
for d in a b; do
	"$ST" status --config "$T/$d/station.cfg" >"$T/$d.status" 2>&1
	rc=$?
	say "station $d status (exit $rc): $(tr '\n' '|' <"$T/$d.status")"
	[ $rc = 3 ] || fail "status of $d with the store down: exit $rc, expected 3"
	# the shipper's state: down, and the two jobs done since cannot have arrived
	wait_for 10 "station $d's shipper to count its backlog" sh -c \
		"[ \"\$(\"$ST\" status --config '$T/$d/station.cfg' --json | python3 -c 'import json,sys; s=json.load(sys.stdin)[\"central\"]; print(s[\"shipper\"][\"link\"], s[\"backlog\"][\"jobs\"] >= 2)')\" = 'down True' ]"
	grep -q "central store down since [0-9:]*: [1-9][0-9]* jobs\?, .* MiB waiting" "$T/$d/station.log" ||
		fail "station $d's console never said the store is down: $(grep central "$T/$d/station.log")"
done

# 3. the server comes back; one more unit each, shipped live
pg_restart || fail "cannot restart PostgreSQL"
echo "swap 0" >"$T/a/w/control"
echo "swap 1" >"$T/b/w/control"
wait_for 40 "station A's last job" closed_ge "$T/a" 5
wait_for 40 "station B's last job" closed_ge "$T/b" 5
caught_up() {
	[ "$(status_field "$1" 's["central"]["reachable"] and s["central"]["backlog"]["jobs"] == 0 and s["central"]["backlog"]["backups"] == 0 and s["central"]["backlog"]["events"] == 0')" = True ]
}
wait_for 40 "station A to catch up" caught_up "$T/a"
wait_for 40 "station B to catch up" caught_up "$T/b"
stop_rack "$T/a"
stop_rack "$T/b"

# 4. every job passed: the store being down failed or blocked none
for d in a b; do
	n=$(lq "$T/$d" "select count(*) from jobs")
	p=$(lq "$T/$d" "select count(*) from jobs where result = 'passed'")
	[ "$n" = 5 ] && [ "$p" = 5 ] ||
		fail "station $d: $p of $n jobs passed: $(lq "$T/$d" "select id, result, err_msg from jobs")"
	say "station $d job cycle times (ms, in order; the store was down for jobs 3-4): $(lq "$T/$d" "select group_concat(end_ms - start_ms, ' ') from jobs")"
	say "station $d console: $(grep 'central store' "$T/$d/station.log" | sed 's/^<[0-9]>station: //' | tr '\n' '|')"
done

# 5. everything arrived once, the same
compare_central "$T/a" bench-a
compare_central "$T/b" bench-b
dup=$(cq "select count(*) from (select sha256 from blobs group by sha256 having count(*) > 1) d")
[ "$dup" = 0 ] || fail "$dup backup blobs stored twice"
[ "$(cq "select count(*) from stations where name in ('bench-a', 'bench-b')")" = 2 ] || fail "stations: $(cq "select name from stations")"
say "ok"
