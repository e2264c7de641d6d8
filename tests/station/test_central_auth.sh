#!/bin/sh
# SPDX-License-Identifier: MIT
# A wrong password in central.password_file: the station says so once (one
# console line naming the cause, never the password), keeps retrying in the
# background, and works on locally: both units' jobs pass and nothing reaches
# the central store.  `espstation status` shows the error, exit 3, no
# password either.  Arguments: VRACK ESPSTATION UDEV_PROBE MKIMAGE.
CASE=station_central_auth
. "$(dirname "$0")/station_lib.sh"
. "$(dirname "$0")/central_lib.sh"

pg_start "$T/pg" || fail "cannot start PostgreSQL"
"$MKIMAGE" image "$T/fw.bin" 200000 5
WRONG="wrong-pw-$$-Zq7"
echo "$WRONG" >"$T/wrong.pass"
chmod 0600 "$T/wrong.pass"
central_station "$T/a" bench-auth backup "$T/wrong.pass"
start_rack "$T/a" --slot "0 kind=cp2102 timing=fast mac=60:01:94:0c:00:01" \
	--slot "1 kind=ch340 timing=fast mac=60:01:94:0c:01:01"
closed_ge() { [ "$(lclosed "$1")" -ge "$2" ]; }
wait_for 40 "both jobs" closed_ge "$T/a" 2
# the shipper has been refused three times (1, 2 s back-off): the line must
# not repeat
refused_thrice() {
	[ "$(status_field "$T/a" 's["central"]["shipper"]["link"], s["central"]["shipper"]["failed_tries"] >= 3')" = "refused True" ]
}
wait_for 20 "the shipper to be refused three times" refused_thrice
"$ST" status --config "$T/a/station.cfg" >"$T/status.out" 2>&1
rc=$?
"$ST" status --config "$T/a/station.cfg" --json >"$T/status.json" 2>&1
say "status (exit $rc): $(tr '\n' '|' <"$T/status.out")"
stop_rack "$T/a"

[ "$(lq "$T/a" "select count(*) from jobs where result = 'passed'")" = 2 ] ||
	fail "jobs: $(lq "$T/a" "select id, result, err_msg from jobs")"
grep 'central store' "$T/a/station.log" | sed 's/^/    /'
n=$(grep -c 'central store.*shipping paused' "$T/a/station.log")
[ "$n" = 1 ] || fail "the refusal was said $n times, expected once"
grep 'central store.*shipping paused' "$T/a/station.log" | grep -qi 'password\|authentication' ||
	fail "the line does not name the cause: $(grep 'central store' "$T/a/station.log")"
for f in "$T/a/station.log" "$T/status.out" "$T/status.json" "$T/a/data/station.db.central-state"; do
	! grep -q -- "$WRONG" "$f" || fail "the password is printed in $f"
done
[ $rc = 3 ] || fail "status with the store refusing: exit $rc, expected 3"
grep -qi 'password\|authentication' "$T/status.out" || fail "status does not say why"
[ "$(cq "select count(*) from pg_tables where tablename = 'stations'")" = 0 ] ||
	[ "$(cq "select count(*) from stations")" = 0 ] || fail "something reached the central store"
say "ok"
