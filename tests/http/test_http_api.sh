#!/bin/sh
# SPDX-License-Identifier: MIT
# run --http on the virtual rack, with curl: two units (one passes, one fails
# its verify), a token on a loopback address.  Checked: no token, a wrong
# token -> 401 on every route; Bearer, ?token= (then its cookie) -> 200;
# traversal (/../, %2e%2e, an encoded NUL), a malformed MAC, an unknown
# path, POST, a body, an oversized URL and header -> a 4xx and nothing of
# the page or the data; /api/jobs byte for byte `audit jobs --json` (also
# filtered); /api/units/MAC equal to `audit mac --json`; /api/slots and the
# first event-stream picture show both units; /metrics passes the text-format
# checker and its job counts and stage counts equal the database's; with an
# unreachable central store, its backlog (the shipper's state file, counted
# locally) equals the database's jobs and backups, and it is gone once the
# station runs without a central store.
CASE=http_api
. "$(dirname "$0")/http_lib.sh"

"$MKIMAGE" image "$T/fw.bin" 200000 5
station_cfg "$T/station.cfg" http-test "$T/data" refurbish "$T/fw.bin" 3000000 921600 10
TOKEN=Ab3dEf6hIj9kLm2nOp5qRs8t
echo "$TOKEN" >"$T/tok"
chmod 600 "$T/tok"
echo "http = { token_file = \"$T/tok\"; };" >>"$T/station.cfg"
cp "$T/station.cfg" "$T/station.nocentral.cfg"
# nothing listens on port 1: the shipper finds the store down at once
echo 'central = { url = "postgresql://station@127.0.0.1:1/espstation"; };' >>"$T/station.cfg"
rack_bg --baud-fast \
	--slot "0 kind=cp2102 timing=fast mac=60:01:94:00:10:01" \
	--slot "1 kind=ch340 timing=fast mac=60:01:94:00:10:02 faults=lie_writes=1"
wait_port
grep -q "listening on $ADDR (token required)" "$T/station.1.log" || fail "start-up line: $(head -n 3 "$T/station.1.log")"
wait_for 60 '[ "$(closed)" -ge 2 ]' || { show_station; fail "2 jobs did not close"; }
say "jobs: $(q "select group_concat(slot || ':' || result, ' ') from jobs")"
AUTH="Authorization: Bearer $TOKEN"

# code [CURL-ARGS...] PATH: the status, the body in $T/body
code() {
	curl -s -o "$T/body" -D "$T/head" -w '%{http_code}' --max-time 10 "$@"
}
# nothing of the page or the data in a refusal
refusal() { # WHAT STATUS-RE STATUS
	echo "$3" | grep -Eq "$2" || fail "$1: status $3, expected $2; body: $(head -c 300 "$T/body")"
	! grep -Eqi 'data-page=|60:01:94:00:10|"slot"|espstation_jobs' "$T/body" || fail "$1: the refusal carries data: $(head -c 300 "$T/body")"
}

# ---- the token --------------------------------------------------------
for p in / /app.js /api/slots /api/jobs /api/today /api/units/60:01:94:00:10:01 /metrics /events /unit/60:01:94:00:10:01; do
	refusal "no token $p" '^401$' "$(code "$URL$p")"
	grep -qi '^WWW-Authenticate: Bearer' "$T/head" || fail "no token $p: no WWW-Authenticate"
	refusal "wrong token $p" '^401$' "$(code -H "Authorization: Bearer Ab3dEf6hIj9kLm2nOp5qRsXX" "$URL$p")"
	refusal "a prefix of the token $p" '^401$' "$(code -H "Authorization: Bearer Ab3dEf6h" "$URL$p")"
	refusal "wrong ?token= $p" '^401$' "$(code "$URL$p?token=nope")"
done
[ "$(code -H "$AUTH" "$URL/api/slots")" = 200 ] || fail "Bearer: $(cat "$T/body")"
[ "$(code "$URL/?token=$TOKEN")" = 200 ] || fail "?token=: $(cat "$T/body")"
grep -qi "^Set-Cookie: espstation_token=$TOKEN; Path=/; HttpOnly; SameSite=Strict" "$T/head" ||
	fail "?token= sets no cookie: $(cat "$T/head")"
grep -q '<title>' "$T/body" || fail "/ is not the page"
[ "$(code -b "espstation_token=$TOKEN" "$URL/api/today")" = 200 ] || fail "cookie: $(cat "$T/body")"
[ "$(code -b "espstation_token=x$TOKEN" "$URL/api/today")" = 401 ] || fail "a wrong cookie was taken"

# ---- malformed and hostile requests -------------------------------------
A="-H"
refusal "/../" '^400$' "$(code $A "$AUTH" --path-as-is "$URL/../../etc/passwd")"
refusal "/app.js/../" '^400$' "$(code $A "$AUTH" --path-as-is "$URL/app.js/../index.html")"
refusal "%2e%2e" '^400$' "$(code $A "$AUTH" "$URL/%2e%2e/%2e%2e/etc/passwd")"
refusal "%2e%2e in unit" '^400$' "$(code $A "$AUTH" "$URL/unit/%2e%2e%2f%2e%2e%2fetc%2fpasswd")"
refusal "encoded NUL" '^400$' "$(code $A "$AUTH" "$URL/api/units/60:01:94:00:10:01%00.json")"
refusal "encoded NUL in the path" '^400$' "$(code $A "$AUTH" "$URL/app.js%00")"
refusal "backslash" '^400$' "$(code $A "$AUTH" "$URL/..%5c..%5cetc")"
refusal "malformed MAC (api)" '^400$' "$(code $A "$AUTH" "$URL/api/units/60:01:94:00:10")"
refusal "malformed MAC (page)" '^400$' "$(code $A "$AUTH" "$URL/unit/zz:zz:zz:zz:zz:zz")"
refusal "unknown unit" '^404$' "$(code $A "$AUTH" "$URL/api/units/60:01:94:00:99:99")"
refusal "unknown path" '^404$' "$(code $A "$AUTH" "$URL/backups/60:01:94:00:10:01")"
refusal "a backup file by its path" '^(400|404)$' "$(code $A "$AUTH" "$URL$(q "select path from backups limit 1")")"
refusal "POST" '^405$' "$(code $A "$AUTH" -X POST --data x "$URL/api/jobs")"
refusal "a body" '^413$' "$(code $A "$AUTH" -X GET --data x "$URL/api/jobs")"
long=$(head -c 20000 /dev/zero | tr '\0' a)
refusal "a 20 KB URL" '^4[0-9][0-9]$' "$(code $A "$AUTH" "$URL/$long")"
refusal "a 20 KB header" '^4[0-9][0-9]$' "$(code $A "$AUTH" -H "X-Big: $long" "$URL/api/slots")"
refusal "bad since" '^400$' "$(code $A "$AUTH" "$URL/api/jobs?since=yesterday")"
refusal "bad result" '^400$' "$(code $A "$AUTH" "$URL/api/jobs?result=won")"
printf 'GARBAGE\r\n\r\n' >"$T/garbage"
g=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$URL/" -H "$AUTH" --request-target '*' -X OPTIONS)
echo "$g" | grep -Eq '^4[0-9][0-9]$' || fail "OPTIONS *: status $g"
# the server still answers after all that
[ "$(code $A "$AUTH" "$URL/api/slots")" = 200 ] || fail "the server stopped answering"

# ---- the data: the audit's own answers ----------------------------------
"$ST" audit jobs --json --db "$DB" >"$T/audit_jobs.json" || fail "audit jobs failed"
[ "$(code $A "$AUTH" "$URL/api/jobs")" = 200 ] || fail "/api/jobs: $(cat "$T/body")"
cmp -s "$T/body" "$T/audit_jobs.json" || fail "/api/jobs differs from audit jobs --json: $(diff "$T/body" "$T/audit_jobs.json" | head -n 5)"
"$ST" audit jobs --json --db "$DB" --result failed --since 1h >"$T/audit_failed.json" || fail "audit jobs --result failed"
[ "$(code $A "$AUTH" "$URL/api/jobs?result=failed&since=1h")" = 200 ] || fail "/api/jobs?result=failed"
cmp -s "$T/body" "$T/audit_failed.json" || fail "/api/jobs?result=failed differs: $(diff "$T/body" "$T/audit_failed.json" | head -n 5)"
grep -q '"result": *"failed"' "$T/body" && ! grep -q '"result": *"passed"' "$T/body" || fail "the failed filter: $(head -c 300 "$T/body")"
for mac in 60:01:94:00:10:01 60:01:94:00:10:02; do
	"$ST" audit mac "$mac" --json --db "$DB" >"$T/audit_mac.json" || fail "audit mac $mac"
	[ "$(code $A "$AUTH" "$URL/api/units/$mac")" = 200 ] || fail "/api/units/$mac: $(cat "$T/body")"
	python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); sys.exit(a != b)' \
		"$T/body" "$T/audit_mac.json" || fail "/api/units/$mac differs from audit mac --json: $(diff "$T/body" "$T/audit_mac.json" | head -n 6)"
done
python3 -c 'import json,sys; u=json.load(open(sys.argv[1])); sys.exit(not (u["backups"] and u["backups"][0]["provenance"]))' "$T/body" ||
	fail "the unit has no backup with its provenance"
[ "$(code $A "$AUTH" "$URL/api/slots")" = 200 ] || fail "/api/slots"
python3 - "$T/body" <<'PY' || fail "/api/slots: $(cat "$T/body")"
import json, sys
s = {x["mac"]: x for x in json.load(open(sys.argv[1]))}
ok = s["60:01:94:00:10:01"]["result"] == "passed" and s["60:01:94:00:10:01"]["led"] == "pass"
ok = ok and s["60:01:94:00:10:02"]["result"] == "failed" and s["60:01:94:00:10:02"]["led"] == "fail"
ok = ok and s["60:01:94:00:10:02"]["cause"] != "" and s["60:01:94:00:10:01"]["adapter"] == "cp2102"
sys.exit(0 if ok else 1)
PY
[ "$(code $A "$AUTH" "$URL/api/today")" = 200 ] || fail "/api/today"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (d["passed"] == 1 and d["failed"] == 1 and len(d["last_failures"]) == 1))' "$T/body" ||
	fail "/api/today: $(cat "$T/body")"
curl -s -N --max-time 2 -H "$AUTH" "$URL/events" >"$T/events" 2>/dev/null
grep -q '^retry: ' "$T/events" && grep -q '^event: snapshot' "$T/events" || fail "/events: $(head -c 300 "$T/events")"
[ "$(grep '^data: \[' "$T/events" | grep -o '"led":"[a-z-]*"' | sort | tr '\n' ' ')" = '"led":"fail" "led":"pass" ' ] ||
	fail "/events snapshot: $(head -c 600 "$T/events")"

# ---- /metrics ----------------------------------------------------------
# the shipper counts the backlog when a job ends (the store is down)
wait_for 20 'grep -q "\"backlog_jobs\":2," "$DB.central-state" 2>/dev/null' ||
	fail "the shipper did not count the 2 jobs: $(cat "$DB.central-state" 2>&1)"
[ "$(code $A "$AUTH" "$URL/metrics")" = 200 ] || fail "/metrics"
grep -qi '^Content-Type: text/plain; version=0.0.4' "$T/head" || fail "/metrics content type: $(cat "$T/head")"
python3 "$HERE/metrics_check.py" <"$T/body" >"$T/metrics.sum" || fail "$(cat "$T/metrics.sum")"
q "select 'jobs ' || result || ' ' || count(*) from jobs where end_ms is not null group by result order by result" >"$T/db.sum"
q "select 'stage ' || s.stage || ' ' || count(*) from job_stages s join jobs j on j.id = s.job_id where j.end_ms is not null and s.outcome != 'skipped' group by s.stage order by s.stage" >>"$T/db.sum"
echo "active 0" >>"$T/db.sum"
q "select 'central backlog_backups ' || count(*) || char(10) || 'central backlog_bytes ' || coalesce(sum(size), 0) from backups" >>"$T/db.sum"
printf 'central backlog_jobs %s\ncentral connected 0\n' "$(closed)" >>"$T/db.sum"
diff "$T/metrics.sum" "$T/db.sum" >"$T/metrics.diff" || fail "/metrics against the database: $(cat "$T/metrics.diff")"
say "metrics: $(tr '\n' ' ' <"$T/metrics.sum")"
# without a central store: no central metrics at all
cp "$T/station.nocentral.cfg" "$T/station.cfg"
touch "$T/restart"
wait_for 10 '[ ! -e "$T/restart" ]' || fail "the station did not restart"
wait_port
[ "$(code $A "$AUTH" "$URL/metrics")" = 200 ] || fail "/metrics after the restart"
python3 "$HERE/metrics_check.py" <"$T/body" >"$T/metrics.sum" || fail "$(cat "$T/metrics.sum")"
! grep -q '^central\|espstation_central_' "$T/metrics.sum" "$T/body" || fail "central metrics without a central store: $(grep central "$T/body")"

stop_rack
[ "$(cat "$T/station.exit")" = 0 ] || { show_station; fail "the station did not stop cleanly: $(cat "$T/station.exit")"; }
say "ok"
