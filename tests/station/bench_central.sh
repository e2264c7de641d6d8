#!/bin/sh
# SPDX-License-Identifier: MIT
# Central store benchmark (label bench; issue 11).  Prints figures, fails
# only on wrong results (a job not passed, a row or backup missing or
# different in the central store), never on speed.
#  1. throughput: the station's shipper sends a prepared database of
#     BENCH_CENTRAL_N (100) closed jobs, each with a 1 MiB backup, to a fresh
#     central store (schema migrated beforehand); jobs/s and MiB/s from the
#     station's start to the last job's arrival (polled every 0.1 s);
#  2. lag under load: BENCH_CENTRAL_SLOTS (32) units backed up at once by a
#     station shipping as it goes; per job, its arrival (the central row's
#     shipped_at, the batch transaction's start) minus its local end;
#  3. the shipper's cost: the same rack without a central store; CPU seconds
#     and peak RSS (VmHWM) of the supervisor, and of its shipper child.
# Arguments: VRACK ESPSTATION UDEV_PROBE MKIMAGE BENCH_CENTRAL_FILL.
CASE=bench_central
. "$(dirname "$0")/station_lib.sh"
. "$(dirname "$0")/central_lib.sh"
FILL=$5
N=${BENCH_CENTRAL_N:-100}
K=${BENCH_CENTRAL_SLOTS:-32}
HZ=$(getconf CLK_TCK 2>/dev/null || echo 100)
KINDS="cp2102 ch340 ft232r"

pg_start "$T/pg" || fail "cannot start PostgreSQL"
"$MKIMAGE" image "$T/fw.bin" 200000 5
secs() { date +%s.%N; }

# ---- 1. throughput ------------------------------------------------------
central_station "$T/f" bench-fill backup
mkdir -p "$T/f/data"
"$FILL" "$T/f/data" bench-fill "$N" 1048576 || fail "cannot fill the database"
"$ST" status --config "$T/f/station.cfg" >/dev/null 2>&1 # migrates the central schema
printf '# vrack-timeline v1\n999 plug 0\n' >"$T/never.timeline" # a rack with no unit in it
t0=$(secs)
start_rack "$T/f" --timeline "$T/never.timeline" --slot "0 kind=cp2102 timing=fast"
shipped_all() { [ "$(cjobs bench-fill)" -ge "$N" ]; }
i=0
while ! shipped_all; do
	i=$((i + 1))
	[ $i -lt 1200 ] || fail "the prepared jobs did not all arrive in 120 s"
	sleep 0.1
done
t1=$(secs)
stop_rack "$T/f"
compare_central "$T/f" bench-fill
awk -v n="$N" -v a="$t0" -v b="$t1" 'BEGIN { t = b - a;
	printf "[bench_central] throughput: %d jobs with 1 MiB backups in %.2f s (station start to last arrival): %.1f jobs/s, %.1f MiB/s\n", n, t, n / t, n / t }'

# ---- 2. lag under a K-slot load, 3. cost with and without central -----------
slots() {
	i=0
	while [ $i -lt "$K" ]; do
		kind=$(echo $KINDS | cut -d' ' -f$((i % 3 + 1)))
		printf '%d kind=%s timing=fast mac=60:01:96:%02x:00:01\n' $i "$kind" $i
		i=$((i + 1))
	done
}
closed_ge() { [ "$(lclosed "$1")" -ge "$2" ]; }
caught_up() {
	[ "$(status_field "$1" 's["central"]["reachable"] and s["central"]["backlog"]["jobs"] == 0 and s["central"]["backlog"]["backups"] == 0')" = True ]
}
run_load() { # DIR NAME CENTRAL(1/0)
	central_station "$1" "$2" backup
	[ "$3" = 1 ] || sed -i '/^central = /d' "$1/station.cfg"
	t0=$(secs)
	slots >"$1/slots"
	start_rack "$1" --slots "$1/slots"
	wait_for 150 "$K jobs on $2" closed_ge "$1" "$K"
	t1=$(secs)
	[ "$3" = 0 ] || wait_for 60 "$2 to catch up" caught_up "$1"
	stop_rack "$1"
	p=$(lq "$1" "select count(*) from jobs where result = 'passed'")
	[ "$p" = "$K" ] || fail "$2: $p of $K jobs passed: $(lq "$1" "select id, result, err_msg from jobs where result <> 'passed' limit 3")"
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }' >"$1/wall"
}
run_load "$T/l" bench-load 1
compare_central "$T/l" bench-load
sid=$(cq "select id from stations where name = 'bench-load'")
cq "select round(extract(epoch from shipped_at) * 1000) - (row->>'end_ms')::bigint
    from station_rows where station_id = $sid and tbl = 'jobs'" | sort -n >"$T/lag"
awk -v k="$K" -v w="$(cat "$T/l/wall")" '{ v[NR] = $1; s += $1 } END {
	printf "[bench_central] lag, %d slots (backup mode, 1 MB units, %s s for all jobs): job end -> its row in the central store: mean %.0f ms, median %d ms, max %d ms\n",
		k, w, s / NR, v[int((NR + 1) / 2)], v[NR] }' "$T/lag"
run_load "$T/n" bench-nocentral 0
for d in l n; do
	read -r ticks hwm sticks shwm <"$T/$d/cost"
	label=$([ $d = l ] && echo "with central   " || echo "without central")
	awk -v t="$ticks" -v h="$hwm" -v st="$sticks" -v sh="$shwm" -v hz="$HZ" -v l="$label" -v w="$(cat "$T/$d/wall")" 'BEGIN {
		printf "[bench_central] cost %s: supervisor %.2f CPU s, VmHWM %d kB; shipper %.2f CPU s, VmHWM %d kB (rack run %s s)\n",
			l, t / hz, h, st / hz, sh, w }'
done
say "ok"
