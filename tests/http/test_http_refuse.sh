#!/bin/sh
# SPDX-License-Identifier: MIT
# Start-up refusals of run --http, no rack needed: a non-loopback address
# without a token, a missing, empty or short token file, a malformed address,
# a port already taken.  Each exits non-zero with one line naming the fix,
# before any unit could be touched, and nothing is left listening.
# usage: test_http_refuse.sh ESPSTATION
set -u
CASE=http_refuse
ST=$1
T=$(mktemp -d "${TMPDIR:-/tmp}/espstation-http.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
failed=0
bad() { printf 'FAIL [%s]: %s\n' "$CASE" "$*"; failed=1; }
cd "$T" || exit 1

# refused CFG-EXTRA ARGS EXPECT: the station must refuse with EXPECT in a one-line message
refused() {
	printf 'database = "%s/data/station.db";\nbackup_dir = "%s/data/backups";\nmode = "backup";\n%s\n' \
		"$T" "$T" "$1" >"$T/st.cfg"
	timeout 20 "$ST" run --config "$T/st.cfg" --plain $2 >"$T/out" 2>"$T/err"
	rc=$?
	[ $rc -ne 0 ] && [ $rc -ne 124 ] || bad "$2 [$1]: exit $rc, expected a refusal: $(cat "$T/out" "$T/err")"
	grep -q -- "$3" "$T/err" || bad "$2 [$1]: no '$3' in: $(cat "$T/err")"
	[ "$(grep -c . "$T/err")" = 1 ] || bad "$2 [$1]: not one line: $(cat "$T/err")"
	! grep -q "listening on" "$T/err" "$T/out" || bad "$2 [$1]: listened anyway"
	[ ! -e "$T/data/station.db" ] || bad "$2 [$1]: the station started (database created)"
}

refused "" "--http 0.0.0.0:0" "not a loopback address and no token is set (fix: add token_file"
refused 'http = { listen = "0.0.0.0:0"; };' "" "not a loopback address"
refused 'http = { token_file = "/nonexistent/tok"; };' "--http 0.0.0.0:0" "token_file /nonexistent/tok: No such file"
: >"$T/empty.tok"
refused "http = { token_file = \"$T/empty.tok\"; };" "--http 127.0.0.1:0" "the token is empty"
echo short >"$T/short.tok"
refused "http = { token_file = \"$T/short.tok\"; };" "--http 127.0.0.1:0" "shorter than 16"
refused "" "--http 127.0.0.1" "is not HOST:PORT"
refused "" "--http example.org:80" "is not a numeric address"
# a port in use: take one with a station, then ask for it again
printf 'database = "%s/d2/station.db";\nbackup_dir = "%s/d2/backups";\nmode = "backup";\n' "$T" "$T" >"$T/busy.cfg"
"$ST" run --config "$T/busy.cfg" --plain --http 127.0.0.1:0 >"$T/busy.out" 2>&1 &
busy=$!
i=0
while [ $i -lt 100 ] && ! grep -q "listening on" "$T/busy.out"; do sleep 0.1; i=$((i + 1)); done
addr=$(sed -n 's/.*listening on \([^ ]*\).*/\1/p' "$T/busy.out")
if [ -n "$addr" ]; then
	refused "" "--http $addr" "Address already in use (fix: another program has that port"
else
	bad "the first station did not listen: $(cat "$T/busy.out")"
fi
kill -TERM $busy
wait $busy
[ $? = 0 ] || bad "the station with --http did not stop cleanly on SIGTERM"
[ $failed = 0 ] && echo "[$CASE] ok"
exit $failed
