#!/bin/sh
# SPDX-License-Identifier: MIT
# The page in a real browser: Debian's headless Chromium against run --http
# on the virtual rack (a token, so the browser's own ?token= -> cookie path
# is used).  Two units are plugged 5 and 6 s after the station starts, so the
# page is watching when they pass.  browser_check.py drives Chromium through
# its DevTools port: live stream, a tile per unit, a tile reaching "passed",
# a screenshot (kept in OUT_DIR), a station restart the page recovers from by
# itself, and the unit page with its backups.  Beside it, /events: the slot
# state carries the console's own rate and ETA.
CASE=http_browser
. "$(dirname "$0")/http_lib.sh"
CHROME=$(command -v chromium || command -v chromium-browser) || { echo "SKIP [$CASE]: no chromium"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "SKIP [$CASE]: no python3"; exit 77; }
[ -n "$OUT_DIR" ] || OUT_DIR=$T

"$MKIMAGE" image "$T/fw.bin" 200000 5
station_cfg "$T/station.cfg" wall-test "$T/data" refurbish "$T/fw.bin" 3000000 921600 10
TOKEN=Zx8cVb7nMq6wEr5tYu4iOp3a
echo "$TOKEN" >"$T/tok"
echo "http = { token_file = \"$T/tok\"; };" >>"$T/station.cfg"
printf '# vrack-timeline v1\n5 plug 0\n6 plug 1\n' >"$T/timeline"
rack_bg --baud-fast --timeline "$T/timeline" \
	--slot "0 kind=cp2102 timing=fast mac=60:01:94:00:20:01" \
	--slot "1 kind=ft232r timing=fast mac=60:01:94:00:20:02"
wait_port
# the stream beside the page (it ends with the station's restart)
curl -s -N --max-time 120 -H "Authorization: Bearer $TOKEN" "http://$ADDR/events" >"$T/events" 2>/dev/null &
CURL_PID=$!

# no traffic beyond this machine: every background service of the browser off
"$CHROME" --headless=new --no-sandbox --disable-gpu --user-data-dir="$T/chrome" \
	--remote-debugging-port=0 --remote-debugging-address=127.0.0.1 --window-size=1400,900 \
	--no-first-run --no-default-browser-check --disable-background-networking \
	--disable-component-update --disable-sync --disable-default-apps --disable-extensions \
	--disable-domain-reliability --no-pings --dns-prefetch-disable --metrics-recording-only \
	--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider \
	about:blank >"$T/chrome.log" 2>&1 &
CHROME_PID=$!
trap 'kill $CHROME_PID $CURL_PID 2>/dev/null; rm -rf "$T"' EXIT
wait_for 30 '[ -s "$T/chrome/DevToolsActivePort" ]' || fail "chromium did not open its DevTools port: $(tail -n 5 "$T/chrome.log")"
DPORT=$(head -n 1 "$T/chrome/DevToolsActivePort")
python3 "$HERE/browser_check.py" "$DPORT" "http://$ADDR" "$TOKEN" "$T" "$OUT_DIR" 2 60:01:94:00:20:01 >"$T/check.log" 2>&1
check=$?
cat "$T/check.log"
kill $CHROME_PID 2>/dev/null
wait $CHROME_PID 2>/dev/null
[ $check = 0 ] || { show_station; fail "the browser check failed"; }
kill $CURL_PID 2>/dev/null
wait $CURL_PID 2>/dev/null
# one rate and ETA: each slot state after a progress line carries the line's
# rate_bps and eta_s, or none when the line had none (the hub computes none)
python3 - "$T/events" <<'PY' || fail "the page's rate and ETA are not the console's"
import json, sys
blocks = [b for b in open(sys.argv[1]).read().split('\n\n') if b.strip()]
def parse(b):
    ev = {'event': 'message', 'data': None}
    for line in b.split('\n'):
        k, _, v = line.partition(': ')
        if k in ('event', 'data'):
            ev[k] = v
    return ev
evs = [parse(b) for b in blocks]
pairs = rated = eta = 0
for a, b in zip(evs, evs[1:]):
    if a['event'] != 'message' or not a['data'] or b['event'] != 'slot':
        continue
    line, slot = json.loads(a['data']), json.loads(b['data'])
    if line.get('type') != 'progress':
        continue
    pairs += 1
    for k in ('rate_bps', 'eta_s'):
        if line.get(k) != slot.get(k):
            sys.exit(f'slot {slot["slot"]}: {k} {slot.get(k)} after a line with {line.get(k)}: {a["data"]}')
    rated += 'rate_bps' in line
    eta += 'eta_s' in line
print(f'[http_browser] {pairs} progress lines, {rated} with a rate, {eta} with an ETA, the same in the slot state')
# at the rack's fast timing a stage ends within the console's second: its
# lines are the first (no rate yet) and the last (a rate, nothing left)
if not rated:
    sys.exit('no progress line with a rate reached the stream')
PY
stop_rack
[ "$(cat "$T/station.exit")" = 0 ] || { show_station; fail "the station did not stop cleanly: $(cat "$T/station.exit")"; }
[ -s "$OUT_DIR/http_browser.png" ] || fail "no screenshot"
say "ok"
