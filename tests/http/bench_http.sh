#!/bin/sh
# SPDX-License-Identifier: MIT
# Benchmark (label bench, figures only): the supervisor's own CPU time and
# peak RSS on a rack of $BENCH_HTTP_N units (default 32, refurbish, fast
# timing) without and with --http, the latter with one /events client
# reading the whole run; and the events per second delivered to it.  Fails
# only when a run does not finish all its jobs.
CASE=bench_http
. "$(dirname "$0")/http_lib.sh"
N=${BENCH_HTTP_N:-32}
"$MKIMAGE" image "$T/fw.bin" 200000 5
station_cfg "$T/station.cfg" bench-http "$T/data" refurbish "$T/fw.bin" 3000000 921600 20
i=0
while [ $i -lt $N ]; do
	echo "$i kind=cp2102 timing=fast" >>"$T/slots"
	i=$((i + 1))
done
run() { # LABEL
	rm -rf "$T/data" "$T"/station.[0-9]*.log "$T/station.res" "$T/station.exit"
	start=$(now)
	rack_bg --baud-fast --slots "$T/slots"
	if [ -z "${HTTP_OFF:-}" ]; then
		wait_port
		curl -s -N --max-time 120 "$URL/events" >"$T/events.txt" 2>/dev/null &
		CURL=$!
	fi
	wait_for 110 '[ "$(closed)" -ge $N ]' || { show_station; fail "$1: $(closed) of $N jobs closed"; }
	secs=$(awk -v a="$start" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
	stop_rack
	[ -z "${HTTP_OFF:-}" ] && { kill $CURL 2>/dev/null; wait $CURL 2>/dev/null; }
	res=$(tr '\n' ' ' <"$T/station.res")
	if [ -z "${HTTP_OFF:-}" ]; then
		slotev=$(grep -c '^event: slot' "$T/events.txt")
		ev=$(($(grep -c '^data: {' "$T/events.txt") - slotev)) # the --events json lines
		say "$1: $N units in ${secs}s; supervisor $res; /events client got $ev event lines + $slotev slot states ($(awk -v e="$ev" -v s="$secs" 'BEGIN { printf "%.1f", e / s }') events/s over the run)"
	else
		say "$1: $N units in ${secs}s; supervisor $res"
	fi
}
HTTP_OFF=1
export HTTP_OFF
run "without --http"
unset HTTP_OFF
run "with --http and one /events client"
say "ok"
