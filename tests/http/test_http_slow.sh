#!/bin/sh
# SPDX-License-Identifier: MIT
# A slow /events client is dropped and never holds the station up.  The hub's
# per-client queue is made small for the test (ESPSTATION_HTTP_SSE_QUEUE, see
# station/http/http_priv.h) so that a few units overflow it.  Two clients
# connect before any unit is plugged: sse_stall.py (a tiny receive buffer,
# reads nothing) and curl -N (reads at once).  Checked, with the stalled
# client still not reading: every job closes and passes; then /metrics says
# one client was dropped; once the stalled client reads, the server closes
# its connection after a strict prefix of what curl got; curl got every
# job, unit, stage and done event the database implies; /metrics still
# parses and counts one open stream; the station stops cleanly.
CASE=http_slow
. "$(dirname "$0")/http_lib.sh"
command -v python3 >/dev/null 2>&1 || { echo "SKIP [$CASE]: no python3"; exit 77; }
N=8
QUEUE=8192

"$MKIMAGE" image "$T/fw.bin" 200000 5
station_cfg "$T/station.cfg" slow-test "$T/data" refurbish "$T/fw.bin" 3000000 921600 10
# every slot starts unplugged (its first event is a plug the run never
# reaches): the test plugs them once both clients are in
echo '# vrack-timeline v1' >"$T/timeline"
i=0
while [ $i -lt $N ]; do
	echo "$i kind=cp2102 timing=fast mac=60:01:94:00:30:0$((i + 1))" >>"$T/slots"
	echo "999 plug $i" >>"$T/timeline"
	echo "plug $i" >>"$T/plug.todo"
	i=$((i + 1))
done
ESPSTATION_HTTP_SSE_QUEUE=$QUEUE
export ESPSTATION_HTTP_SSE_QUEUE
rack_bg --baud-fast --slots "$T/slots" --timeline "$T/timeline"
wait_port
grep -q "event-stream queue $QUEUE bytes per client" "$T/station.1.log" ||
	fail "the station did not take ESPSTATION_HTTP_SSE_QUEUE: $(head -n 3 "$T/station.1.log")"

python3 "$HERE/sse_stall.py" "$ADDR" "$T" 2>"$T/stall.err" &
STALL_PID=$!
curl -s -N --max-time 90 "$URL/events" >"$T/events" 2>/dev/null &
CURL_PID=$!
trap 'touch "$T/read"; kill $CURL_PID $STALL_PID 2>/dev/null; rm -rf "$T"' EXIT
# metric NAME: its value in a fresh /metrics ($T/metrics), "" if absent
metric() {
	curl -s --max-time 10 -o "$T/metrics" "$URL/metrics" || return 1
	sed -n "s/^$1 //p" "$T/metrics"
}
wait_for 20 '[ -e "$T/connected" ] && [ "$(metric espstation_http_event_clients)" = 2 ]' ||
	fail "the two /events clients did not both connect: $(cat "$T/stall.err")"
mv "$T/plug.todo" "$T/plug"

# the station goes on while the stalled client's queue overflows
wait_for 30 '[ "$(closed)" -ge $N ]' || { show_station; fail "$(closed) of $N jobs closed with a stalled /events client"; }
[ "$(q "select count(*) from jobs where result = 'passed'")" = $N ] ||
	fail "not every job passed: $(q "select slot || ':' || result from jobs")"
say "jobs: $(q "select group_concat(slot || ':' || result || ':' || (end_ms - start_ms) || 'ms', ' ') from jobs")"
# the workers write the database themselves: that the supervisor kept
# going shows in what it passed on, every job's end at the reader and in the
# hub's own picture, with the stalled client still not reading
wait_for 20 '[ "$(grep -c "^data: {.*\"type\":\"done\"" "$T/events")" -ge $N ]' ||
	fail "with a stalled client, curl got $(grep -c '"type":"done"' "$T/events") done events of $N (the station waits for the network?)"
wait_for 10 'curl -s --max-time 10 -o "$T/slots.json" "$URL/api/slots" && [ "$(grep -o "\"result\":\"passed\"" "$T/slots.json" | wc -l)" -eq $N ]' ||
	fail "/api/slots does not show $N passed units: $(head -c 400 "$T/slots.json")"
[ ! -e "$T/stall.result" ] || fail "the stalled client ended early: $(cat "$T/stall.result" "$T/stall.err")"
[ "$(metric espstation_http_sse_dropped_total)" = 1 ] ||
	fail "/metrics does not count one dropped client: $(grep -E 'sse_dropped|event_clients' "$T/metrics")"

# once it reads, it gets what the server had sent it, then the end
touch "$T/read"
wait_for 30 '[ -e "$T/stall.result" ]' || fail "the stalled client never finished reading"
set -- $(cat "$T/stall.result")
[ "$1" = eof ] || [ "$1" = reset ] || fail "the server never closed the stalled client's stream ($*)"
wait_for 10 '[ "$(metric espstation_http_event_clients)" = 1 ]' ||
	fail "/events clients after the drop: $(grep -E 'sse_dropped|event_clients' "$T/metrics")"
[ "$(metric espstation_http_sse_dropped_total)" = 1 ] || fail "dropped clients: $(grep sse_dropped "$T/metrics")"
python3 "$HERE/metrics_check.py" <"$T/metrics" >/dev/null || fail "/metrics: $(python3 "$HERE/metrics_check.py" <"$T/metrics")"

# the reading client: everything the database implies; the stalled
# client's stream a strict prefix of it
q "select id, mac, result from jobs order by id" >"$T/db.jobs"
q "select s.job_id, s.stage from job_stages s where s.outcome != 'skipped' order by s.job_id, s.id" >"$T/db.stages"
python3 - "$T/events" "$T/db.jobs" "$T/db.stages" "$T/stall.out" <<'PY' || fail "the event streams against the database"
import json, sys
events = open(sys.argv[1], 'rb').read()
lines = [json.loads(l[6:]) for l in events.decode().split('\n') if l.startswith('data: {"time"')]
def of(t): return [e for e in lines if e['type'] == t]
bad = []
for row in open(sys.argv[2]).read().split('\n'):
    if not row:
        continue
    job, mac, result = row.split('|')
    job = int(job)
    if len([e for e in of('job') if e['job'] == job]) != 1: bad.append(f'job {job}: no single job event')
    if not [e for e in of('unit') if e['job'] == job and e.get('mac') == mac]: bad.append(f'job {job}: no unit event for {mac}')
    d = [e for e in of('done') if e['job'] == job]
    if len(d) != 1 or d[0]['result'] != result: bad.append(f'job {job}: done events {d}, database {result}')
for row in open(sys.argv[3]).read().split('\n'):
    if not row:
        continue
    job, stage = row.split('|')
    if not [e for e in of('stage') if e['job'] == int(job) and e['stage'] == stage]: bad.append(f'job {job}: no stage event for {stage}')
raw = open(sys.argv[4], 'rb').read()
body = raw.split(b'\r\n\r\n', 1)[1] if b'\r\n\r\n' in raw else b''
if not body or len(body) >= len(events) or not events.startswith(body):
    bad.append(f'the stalled client got {len(body)} bytes, not a strict prefix of the reader\'s {len(events)}')
print(f'{len(lines)} event lines; stalled client {len(body)} of {len(events)} bytes')
for b in bad: print(b)
sys.exit(1 if bad else 0)
PY
say "curl: $(grep -c '^data: {"time"' "$T/events") event lines ($(wc -c <"$T/events") bytes); stalled client: $(cat "$T/stall.result")"

stop_rack
[ "$(cat "$T/station.exit")" = 0 ] || { show_station; fail "the station did not stop cleanly: $(cat "$T/station.exit")"; }
say "ok"
