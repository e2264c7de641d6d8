# SPDX-License-Identifier: MIT
# Run inside the rack by the http tests: the station on DIR/station.cfg with
# --http $HTTP_LISTEN (default 127.0.0.1:0).  DIR/port gets "HOST:PORT" once
# it listens; touching DIR/restart stops it (SIGTERM) and starts it again on
# the same address; touching DIR/stop (or 80 s) ends it.  DIR/plug, once it
# appears, goes to vrack's control FIFO (lines like "plug 0"), then is removed.  Each run logs to
# DIR/station.N.log; DIR/station.exit gets the last exit status.
# HTTP_OFF=1: without --http (the benchmark's baseline).  Before the stop,
# DIR/station.res gets the supervisor's own CPU seconds and peak RSS (KiB).
# usage: sh in_rack_http.sh ESPSTATION DIR
ST=$1
D=$2
listen=${HTTP_LISTEN:-127.0.0.1:0}
n=0
start() {
	n=$((n + 1))
	if [ -n "${HTTP_OFF:-}" ]; then
		"$ST" run --config "$D/station.cfg" --plain >"$D/station.$n.log" 2>&1 &
	else
		"$ST" run --config "$D/station.cfg" --plain --http "$listen" >"$D/station.$n.log" 2>&1 &
	fi
	pid=$!
}
start
i=0
while [ $i -lt 800 ] && [ ! -e "$D/stop" ]; do
	if [ ! -s "$D/port" ]; then
		addr=$(sed -n 's/.*http: listening on \([^ ]*\).*/\1/p' "$D/station.$n.log" | head -n 1)
		if [ -n "$addr" ]; then
			listen=$addr
			echo "$addr" >"$D/port.tmp" && mv "$D/port.tmp" "$D/port"
		fi
	fi
	if [ -e "$D/plug" ]; then
		cat "$D/plug" >"$VRACK_CONTROL"
		rm -f "$D/plug"
	fi
	if [ -e "$D/restart" ]; then
		rm -f "$D/restart" "$D/port"
		kill -TERM $pid
		wait $pid
		start
	fi
	sleep 0.1
	i=$((i + 1))
done
tck=$(getconf CLK_TCK)
awk -v t="$tck" '{ printf "cpu_s %.2f\n", ($14 + $15) / t }' "/proc/$pid/stat" >"$D/station.res" 2>/dev/null
sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\).*/rss_kib \1/p' "/proc/$pid/status" >>"$D/station.res" 2>/dev/null
kill -TERM $pid
wait $pid
echo $? >"$D/station.exit"
