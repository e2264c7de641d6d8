#!/bin/sh
# SPDX-License-Identifier: MIT
# Station benchmark (label bench): the station on the virtual rack with
# N = 1, 4, 8, 16, 32 slots (BENCH_NS overrides) of full 1 MB units (every
# sector holds data, so the sparse backup reads it all and the dense flow's
# bound stays the yardstick), refurbish mode at 921600 baud, realistic
# emulated flash timing (timing=real).  Per N it
# prints the total time, the per-device cycle time and its ratio to the
# wire-plus-flash bound, supervisor / worker / rack CPU and the peak RSS per
# worker; then the issue's three targets as "target met / NOT met".
# Then the side-by-side of issue 9 on BENCH_SBS_N (3) stock-like 1 MB units
# (layout=stock) at 921600: (a) the tutorial's dense flow, measured by
# bench_refurbish ($BENCH_REFURBISH, set by CMake: the station cannot run it,
# see below), (b) the station's default refurbish of the units, (c) the
# same units revisited, twice: restored to stock by the station and back
# with 8 KiB of config changed (bench_refurbish's revisit), and back with the
# firmware the station wrote; cycle times, bytes read and the ratios (b)/(a),
# (c)/(a) against the targets 0.50 and 0.35.  BENCH_SBS_N=0 skips it.
# Last, the boot check's stage time per unit on BENCH_BOOT_N (3) units.
# It never fails on speed, only on wrong results (a job not passed, a slot
# with no job or two, a backup that is not the unit's flash, a unit whose
# final flash is not the image).
# Arguments: VRACK ESPSTATION UDEV_PROBE MKIMAGE (like the station tests).
CASE=bench_station
. "$(dirname "$0")/station_lib.sh"

NS=${BENCH_NS:-1 4 8 16 32}
BAUD=921600
ROM_BAUD=115200
FLASH=1048576
IMG_BYTES=${BENCH_IMAGE_BYTES:-420000}
HZ=$(getconf CLK_TCK 2>/dev/null || echo 100)
KINDS="cp2102 ch340 ft232r"

"$MKIMAGE" image "$T/fw.bin" "$IMG_BYTES" 11
"$MKIMAGE" random "$T/full.bin" "$FLASH" 12
CFG_NAME=bench ROM=$ROM_BAUD STUB=$BAUD FALLBACK=460800 CT=60 write_cfg refurbish

# what a 1 MB unit holds after a refurbish: the image, its header patched
# to DOUT and 1 MB (as in test_refurbish.sh)
b3=$(od -An -tu1 -j3 -N1 "$T/fw.bin" | tr -d ' ')
# shellcheck disable=SC2059 # the expected header bytes
{ head -c 2 "$T/fw.bin"; printf "$(printf '\\%03o\\%03o' 3 $((32 | (b3 & 15))))"; tail -c +5 "$T/fw.bin"; } >"$T/expect.bin"

# --- the bound's inputs --------------------------------------------------
# The station sends the image zlib-compressed (compress2, level 9) after
# padding it to 4 bytes and patching 2 header bytes; Perl's Compress::Zlib is
# the same zlib, so its size is exact up to those 2 bytes.  Without it: gzip -9
# minus the gzip framing (18 bytes) plus zlib's (6): an approximation.
IMG_LEN=$(wc -c <"$T/fw.bin")
PAD_LEN=$(((IMG_LEN + 3) / 4 * 4))
{ cat "$T/fw.bin"; head -c $((PAD_LEN - IMG_LEN)) /dev/zero | tr '\0' '\377'; } >"$T/fw.pad"
if ZLEN=$(perl -MCompress::Zlib -e 'local $/; my $d = <STDIN>; print length(compress($d, 9))' <"$T/fw.pad" 2>/dev/null) &&
	[ -n "$ZLEN" ]; then
	ZHOW="zlib level 9 (Perl Compress::Zlib, exact)"
else
	ZLEN=$(($(gzip -9 -n -c "$T/fw.pad" | wc -c) - 12))
	ZHOW="gzip -9 size - 12 bytes of framing (approximation)"
fi

# The flasher stub the station uploads at the ROM baud: text + data bytes,
# read from what the unit received (MEM_BEGIN sizes in its own log) in the
# first run; 12376 bytes (esp8266.json of esptool-js 0.7.0) until then.
STUB_BYTES=12376

# bound SECONDS for one device, components in $T/bound.txt
compute_bound() {
	awk -v baud=$BAUD -v rom=$ROM_BAUD -v flash=$FLASH -v img=$PAD_LEN -v z="$ZLEN" \
		-v stub="$STUB_BYTES" -v zhow="$ZHOW" 'BEGIN {
		# emulator constants (tests/emu/emu_flash.c)
		chip_per_mib = 4.0; sector = 0.045; block = 0.150; page = 0.0006; md5_bps = 8388608
		t_rom = stub * 10 / rom
		t_bk_wire = flash * 10 / baud
		t_bk_md5 = flash / md5_bps
		t_erase = chip_per_mib * flash / 1048576
		t_wr_wire = z * 10 / baud
		region = int((img + 4095) / 4096) * 4096
		nblk = int(region / 65536); nsec = (region - nblk * 65536) / 4096
		t_wr_erase = nblk * block + nsec * sector
		t_wr_prog = int((img + 255) / 256) * page
		t_wr_flash = t_wr_erase + t_wr_prog
		t_wr = t_wr_wire > t_wr_flash ? t_wr_wire : t_wr_flash
		t_vf_md5 = img / md5_bps
		total = t_rom + t_bk_wire + t_bk_md5 + t_erase + t_wr + t_vf_md5
		f = "/dev/stderr"
		printf "bound per device (1 MB unit, image %d B padded, %d B on the wire: %s):\n", img, z, zhow > f
		printf "  ROM phase: stub upload %d B x 10 / %d baud          %6.3f s\n", stub, rom, t_rom > f
		printf "  backup:    %d B x 10 / %d baud                    %6.3f s\n", flash, baud, t_bk_wire > f
		printf "             + chip MD5 of 1 MiB at 8 MiB/s               %6.3f s\n", t_bk_md5 > f
		printf "  erase:     chip erase 4 s/MiB                            %6.3f s\n", t_erase > f
		printf "  write:     wire %d B x 10 / %d baud = %.3f s; flash: %d x 64 KiB block (150 ms)\n", z, baud, t_wr_wire, nblk > f
		printf "             + %d x 4 KiB sector (45 ms) + %d pages x 0.6 ms = %.3f s;\n", nsec, int((img + 255) / 256), t_wr_flash > f
		printf "             the stub programs while the next block arrives: max  %6.3f s\n", t_wr > f
		printf "  verify:    chip MD5 of %d B at 8 MiB/s               %6.3f s\n", img, t_vf_md5 > f
		printf "  dense-flow bound (read all, chip erase, write overlapped)  %6.3f s\n", total > f
		printf "  (adding the write flash time instead of overlapping it:  %6.3f s)\n", total - t_wr + t_wr_wire + t_wr_flash > f
		printf "%.3f\n", total
	}' 2>"$T/bound.txt"
}

# --- the command inside the rack -------------------------------------------
# Starts the station, samples its process tree every 100 ms (per worker:
# VmHWM, RssAnon, utime+stime; keeps the last line per pid), stops it once $3
# jobs are closed and every worker has been reaped, and writes the CPU
# counters: supervisor utime+stime and cutime+cstime (its reaped workers,
# exact), vrack's (the rack: umockdev + every emulated unit) over the run.
cat >"$T/inside.sh" <<'INSIDE'
ST=$1 D=$2 N=$3
stat_ticks() { awk '{ print $14 + $15, $16 + $17 }' "/proc/$1/stat" 2>/dev/null; }
rack_pid=$PPID
rack_comm=$(cat "/proc/$rack_pid/comm" 2>/dev/null)
rack0=$(stat_ticks "$rack_pid")
t0=$(date +%s%N)
"$ST" run --config "$D/station.cfg" --plain >"$D/station.log" 2>&1 & st=$!
: >"$D/samples"
i=0 done_at=""
while [ $i -lt 3000 ]; do
	# one awk per sample: children of every thread of the supervisor
	kids=$(cat /proc/$st/task/*/children 2>/dev/null)
	[ -n "$kids" ] && awk -v now="$(date +%s%N)" 'BEGIN {
		for (k = 1; k < ARGC; k++) {
			p = ARGV[k]; hwm = anon = -1
			if ((getline l < ("/proc/" p "/stat")) <= 0) continue
			close("/proc/" p "/stat"); split(l, f, " ")
			while ((getline l < ("/proc/" p "/status")) > 0) {
				if (l ~ /^VmHWM:/) { split(l, g, " "); hwm = g[2] }
				if (l ~ /^RssAnon:/) { split(l, g, " "); anon = g[2] }
			}
			close("/proc/" p "/status")
			if (hwm >= 0) print p, now, hwm, anon, f[14] + f[15], f[22]
		}
	}' $kids >>"$D/samples"
	if [ $((i % 5)) = 0 ]; then
		n=$(sqlite3 "$D/data/station.db" "select count(*) from jobs where end_ms is not null" 2>/dev/null)
		[ "${n:-0}" -ge "$N" ] && [ -z "$kids" ] && break
		# give up waiting for the reaping 5 s after the last job closed
		if [ "${n:-0}" -ge "$N" ]; then
			[ -z "$done_at" ] && done_at=$i
			[ $((i - done_at)) -ge 50 ] && break
		fi
		kill -0 $st 2>/dev/null || break
	fi
	sleep 0.1
	i=$((i + 1))
done
t1=$(date +%s%N)
sup=$(stat_ticks $st)
sup_hwm=$(awk '/^VmHWM:/ { print $2 }' /proc/$st/status 2>/dev/null)
rack1=$(stat_ticks "$rack_pid")
# the rack's busiest thread (umockdev serves every port's read/write/ioctl)
busy=$(for f in /proc/$rack_pid/task/*/stat; do cat "$f"; done 2>/dev/null |
	awk '{ t = $14 + $15; if (t > m) { m = t; c = $2 } } END { gsub(/[()]/, "", c); print m + 0, (c == "" ? "?" : c) }')
echo "$t0 $t1 ${sup:-0 0} ${sup_hwm:-0} ${rack0:-0 0} ${rack1:-0 0} ${rack_comm:-?} ${busy:-0 ?}" >"$D/cpu"
kill -TERM $st
wait $st
echo "station exit $?"
INSIDE

# figures for the summary, one line per N: N total cycle ratio ...
: >"$T/table"
for N in $NS; do
	rm -rf "$T/data"
	mkdir -p "$T/data"
	set --
	s=0
	while [ $s -lt "$N" ]; do
		kind=$(echo "$KINDS" | cut -d' ' -f$((s % 3 + 1)))
		set -- "$@" --slot "$s kind=$kind mac=60:01:94:00:$(printf '%02x:%02x' $((s / 256)) $((s % 256))) image=$T/full.bin"
		s=$((s + 1))
	done
	say "N=$N: $N x full 1 MB units (cp2102/ch340/ft232r), refurbish at $BAUD baud, timing=real"
	rack --timeout 500 --dump-flash "$@" -- sh "$T/inside.sh" "$ST" "$T" "$N"
	grep -q "station exit 0" "$T/out" || { show_station; fail "N=$N: station did not stop cleanly (rc $RC): $(cat "$T/out")"; }

	# --- wrong results fail the benchmark ---
	passed=$(q "select count(*) from jobs where result = 'passed'")
	[ "$passed" = "$N" ] || { show_station; fail "N=$N: $passed of $N jobs passed: $(q "select slot || ':' || coalesce(result, 'open') || ' ' || stage || ' ' || coalesce(err_msg, '') from jobs")"; }
	[ "$(q "select count(distinct slot) from jobs")" = "$N" ] || fail "N=$N: jobs not one per slot: $(q "select group_concat(slot) from jobs")"
	s=0
	while [ $s -lt "$N" ]; do
		cmp -s -n "$IMG_LEN" "$T/expect.bin" "$W/slot$s.flash.bin" || fail "N=$N: slot $s: flash is not the patched image"
		s=$((s + 1))
	done
	[ "$(q "select count(*) from backups where verified = 1 and size = $FLASH")" = "$N" ] || fail "N=$N: not $N verified 1 MB backups"
	q "select slot || ' ' || b.path from backups b join jobs j on j.id = b.job_id" | while read -r slot path; do
		cmp -s "$path" "$T/full.bin" || { echo "$slot"; break; }
	done >"$T/badbackup"
	[ ! -s "$T/badbackup" ] || fail "N=$N: the backup of $(cat "$T/badbackup") is not the unit's flash"

	# the stub size the units received (first run), then the bound
	if [ "$N" = "$(echo "$NS" | cut -d' ' -f1)" ]; then
		sb=$(sed -n 's/.*"name":"MEM_BEGIN".*"size":\([0-9]*\).*/\1/p' "$W/slot0.emu.log" | awk '{ s += $1 } END { print s + 0 }')
		[ "$sb" -gt 0 ] && STUB_BYTES=$sb
		say "stub upload: $STUB_BYTES bytes (MEM_BEGIN sizes in slot 0's own log)"
		BOUND=$(compute_bound)
		cat "$T/bound.txt"
	fi

	# --- figures ---
	q "select j.pid, j.slot, j.end_ms - j.start_ms,
	          (select group_concat(s.stage || '=' || (s.end_ms - s.start_ms), ' ') from job_stages s where s.job_id = j.id)
	   from jobs j order by j.start_ms" | tr '|' ' ' >"$T/jobs"
	mm=$(q "select min(start_ms), max(end_ms) from jobs" | tr '|' ' ')
	awk -v N="$N" -v hz="$HZ" -v bound="$BOUND" -v mm="$mm" -v cpu="$(cat "$T/cpu")" -v wall="$SECS" '
		FILENAME ~ /samples$/ { last[$1] = $0; next }
		{ pid[NR] = $1; cyc[NR] = $3 / 1000; csum += $3 / 1000; n++
		  if (!cmin || $3 / 1000 < cmin) cmin = $3 / 1000
		  if ($3 / 1000 > cmax) cmax = $3 / 1000
		  for (k = 4; k <= NF; k++) { split($k, kv, "="); st[kv[1]] += kv[2] / 1000 } }
		END {
			split(mm, m, " "); split(cpu, c, " ")
			t0 = c[1] / 1e9; t1 = c[2] / 1e9; stwall = t1 - t0
			total = (m[2] - m[1]) / 1000; from_start = m[2] / 1000 - t0
			sup = c[3] / hz; wk = c[4] / hz; rk = (c[8] - c[6]) / hz
			for (p in last) { split(last[p], f, " "); if (f[3] > hwm) hwm = f[3]; if (f[4] > anon) anon = f[4]; wks += f[5] / hz; nw++ }
			mean = csum / n
			printf "[bench_station] N=%d: %d jobs passed; first job start -> last job end %.1f s (station start -> last end %.1f s, vrack run %.1f s)\n", N, n, total, from_start, wall
			printf "[bench_station]   cycle per device: mean %.2f s (min %.2f, max %.2f) = %.3f x the dense-flow bound %.2f s; stages (mean):", mean, cmin, cmax, mean / bound, bound
			ns = split("detect backup erase write verify reset", order, " ")
			for (k = 1; k <= ns; k++) if (order[k] in st) printf " %s %.2f", order[k], st[order[k]] / n
			for (s in st) if (index(" detect backup erase write verify reset ", " " s " ") == 0) printf " %s %.2f", s, st[s] / n
			printf "\n"
			printf "[bench_station]   CPU over %.1f s: supervisor %.2f%%, workers %.1f%% of a core together = %.1f%% each (over their cycles), rack (%s: umockdev + units) %.1f%%, its busiest thread (%s) %.1f%%\n", stwall, 100 * sup / stwall, 100 * wk / stwall, 100 * wk / csum, c[10], 100 * rk / stwall, c[12], 100 * c[11] / hz / wall
			printf "[bench_station]   worker CPU: %.2f s in all (supervisor cutime+cstime), %.2f s sampled (last sample per worker)\n", wk, wks
			printf "[bench_station]   peak RSS per worker (VmHWM, %d workers sampled every 100 ms): max %.1f MiB (RssAnon max %.1f MiB); supervisor VmHWM %.1f MiB\n", nw, hwm / 1024, anon / 1024, c[5] / 1024
			printf "%d %.2f %.2f %.2f %.3f %.2f %.1f %.1f %.1f %.1f %.1f %d %.1f\n", N, total, mean, cmax, mean / bound, 100 * sup / stwall, 100 * wk / stwall, 100 * wk / csum, 100 * rk / stwall, hwm / 1024, anon / 1024, nw, 100 * c[11] / hz / wall >> "'"$T/table"'"
		}' "$T/samples" "$T/jobs"
done

# --- summary ---------------------------------------------------------------
echo
say "summary ($(nproc 2>/dev/null || echo '?') CPUs; full 1 MB units, $IMG_BYTES-byte image, $BAUD baud, timing=real; bound $BOUND s per device)"
awk 'BEGIN {
	printf "%4s %8s %8s %7s %7s %9s %8s %8s %8s %7s %9s %8s %8s\n", "N", "total s", "cycle s", "max s", "x bound", "units/min", "sup CPU", "workers", "per wkr", "rack", "rack thr", "RSS MiB", "anon MiB"
} {
	printf "%4d %8.1f %8.2f %7.2f %7.3f %9.1f %7.2f%% %7.1f%% %7.1f%% %6.1f%% %8.1f%% %8.1f %8.1f\n", $1, $2, $3, $4, $5, 60 * $1 / $2, $6, $7, $8, $9, $13, $10, $11
}' "$T/table"
echo "  total: first job start -> last job end (all N plugged in at once); cycle: mean jobs.end_ms - start_ms;"
echo "  CPU in % of one core over the station's run: supervisor; workers together (exact, the supervisor's"
echo "  cutime+cstime) and per worker over its cycle; rack = vrack with every emulated unit (not the station);"
echo "  rack thr = vrack's busiest thread; RSS = peak VmHWM of any worker (anon = its RssAnon peak)."
awk -v bound="$BOUND" '
	{ tot[$1] = $2; cyc[$1] = $3; rss[$1] = $10; if ($10 > maxrss) maxrss = $10; if ($5 > worst) { worst = $5; wn = $1 }
	  each = each sprintf("%sN=%d %.3f", (each == "" ? "" : ", "), $1, $5) }
	END {
		if ((1 in tot) && (16 in tot)) {
			r1 = 1 / tot[1]; r16 = 16 / tot[16]; need = 0.9 * 16 * r1
			printf "target aggregate throughput at N=16 >= 0.9 x 16 x the N=1 rate: %s (%.3f units/s vs %.3f needed: %.2f x 16 x N=1)\n", (r16 >= need ? "target met" : "target NOT met"), r16, need, r16 / r1 / 16
		} else
			print "target aggregate throughput at N=16: not measured (BENCH_NS lacks 1 or 16)"
		printf "target per-worker RSS <= 8 MiB: %s (max VmHWM %.1f MiB)\n", (maxrss <= 8 ? "target met" : "target NOT met"), maxrss
		printf "target per-device cycle <= 1.15 x the bound: %s (worst mean %.3f x at N=%d; mean cycle / bound: %s)\n", (worst <= 1.15 ? "target met" : "target NOT met"), worst, wn, each
	}' "$T/table"
# --- side by side (issue 9): the tutorial's dense flow, espstation's default,
# a revisit -- on the same stock-like 1 MB units at the same baud -------------
# (a) cannot be run by the station: its backup always scans the chip's MD5s
# and reads only sectors that hold data (no setting asks for a full read);
# erase = "chip" is the only part of the tutorial's flow a setting selects.
# So (a) is bench_refurbish's: the same emulated flash timing and baud, core
# only (no station, no rack), one unit; its rows are printed as measured.
# Like for like, the ratios compare bench_refurbish's cycle (backup, erase,
# write, verify) with the same four stages of the station's jobs; the
# station's full cycle adds detect (ROM sync, stub upload at the ROM baud)
# and reset, which the dense flow pays as well ("x (a)+d+r").
SBS_N=${BENCH_SBS_N:-3}
SBS_CFG=0xFB000 # bench_refurbish's revisit: 8 KiB of config sectors rewritten
BR=${BENCH_REFURBISH:-$(dirname "$VRACK")/../client/bench_refurbish}

# sbs_rack ARGS...: the side-by-side units in a rack (then vrack's ARGS: --
# COMMAND...).  Same MACs and seed in every run: the same factory flash, one
# "model" (boot loader and app from seed 3, as in bench_refurbish).
sbs_rack() {
	s=$SBS_N
	while [ "$s" -gt 0 ]; do
		s=$((s - 1))
		set -- --slot "$s kind=$(echo "$KINDS" | cut -d' ' -f$((s % 3 + 1))) mac=60:01:94:5b:00:$(printf '%02x' $s) layout=stock seed=3" "$@"
	done
	rack --timeout 300 --dump-flash "$@"
}

# sbs_reads K: per slot, bytes READ_FLASH read after each stub start (one
# per job or command, in order; K expected) -> $T/reads: "SLOT R1 R2 ..."
sbs_reads() {
	: >"$T/reads"
	s=0
	while [ "$s" -lt "$SBS_N" ]; do
		awk -v s=$s '/"ev":"stub_start"/ { k++ }
			/"name":"READ_FLASH"/ && k && match($0, /"size":[0-9]+/) { r[k] += substr($0, RSTART + 7, RLENGTH - 7) }
			END { printf "%d", s; for (i = 1; i <= k; i++) printf " %d", r[i]; print "" }' \
			"$W/slot$s.emu.log" >>"$T/reads"
		s=$((s + 1))
	done
	# a stub started twice in one job (a retry) would shift the columns
	awk -v k="$1" 'NF != k + 1 { printf "[bench_station] note: slot %d had %d stub starts, not %d: bytes read per job may be misplaced\n", $1, NF - 1, k }' "$T/reads"
}

# sbs_jobs FIRST LAST NAME: jobs FIRST..LAST (by id) passed, one per slot;
# their figures appended to $T/sbs: NAME cycle detect backup erase write verify reset read
sbs_jobs() {
	[ "$(q "select count(*) from jobs where id between $1 and $2 and result = 'passed'")" = $(($2 - $1 + 1)) ] &&
		[ "$(q "select count(distinct slot) from jobs where id between $1 and $2")" = $(($2 - $1 + 1)) ] || {
		show_station
		fail "side by side $3: jobs $1..$2 not all passed, one per slot: $(q "select id || ' ' || slot || ':' || coalesce(result, 'open') || ' ' || stage || ' ' || coalesce(err_msg, '') from jobs where id between $1 and $2")"
	}
	q "select j.end_ms - j.start_ms, (select group_concat(s.stage || '=' || (s.end_ms - s.start_ms), ' ')
		from job_stages s where s.job_id = j.id) from jobs j where j.id between $1 and $2" | tr '|' ' ' |
		awk -v name="$3" -v read="$4" '{ n++; cyc += $1
			for (k = 2; k <= NF; k++) { split($k, kv, "="); st[kv[1]] += kv[2] } }
			END { printf "%s %.3f", name, cyc / n / 1000
				ns = split("detect backup erase write verify reset", o, " ")
				for (k = 1; k <= ns; k++) printf " %.3f", st[o[k]] / n / 1000
				printf " %d\n", read }' >>"$T/sbs"
}

# sbs_backups FIRST LAST WANT: each backup of jobs FIRST..LAST equals
# WANT (a file; "@" in it stands for the slot's number)
sbs_backups() {
	q "select j.slot || ' ' || b.path from backups b join jobs j on j.id = b.job_id
		where j.id between $1 and $2" >"$T/sbs_paths"
	[ "$(wc -l <"$T/sbs_paths")" = $(($2 - $1 + 1)) ] || fail "side by side: jobs $1..$2 did not record one backup each"
	while read -r slot path; do
		want=$(echo "$3" | sed "s/@/${slot#ttyUSB}/")
		cmp -s "$path" "$want" || fail "side by side: the backup of $slot (jobs $1..$2) is not ${want##*/}"
	done <"$T/sbs_paths"
}

# sbs_flash: every unit's final flash is the image, then erased
sbs_flash() {
	s=0
	while [ "$s" -lt "$SBS_N" ]; do
		cmp -s -n "$IMG_LEN" "$T/expect.bin" "$W/slot$s.flash.bin" || fail "side by side: slot $s: flash is not the patched image"
		end=$(((IMG_LEN + 4095) / 4096 * 4096))
		[ -z "$(tail -c +$((end + 1)) "$W/slot$s.flash.bin" | tr -d '\377' | head -c 1)" ] ||
			fail "side by side: slot $s: old data left past the image"
		s=$((s + 1))
	done
}

# mean of column COL (1-based, after the slot) of $T/reads
sbs_mean_read() {
	awk -v c=$(($1 + 1)) '{ s += $c; n++ } END { printf "%d", n ? s / n : 0 }' "$T/reads"
}

if [ "$SBS_N" -gt 0 ]; then
	echo
	say "side by side: $SBS_N stock-like 1 MB units (layout=stock, seed 3), $IMG_BYTES-byte image, $BAUD baud, timing=real"
	rm -rf "$T/data"
	mkdir -p "$T/data"
	: >"$T/sbs"
	# the units' factory flash, from the rack alone; the revisit's: config changed
	sbs_rack -- true
	[ "$RC" = 0 ] || fail "side by side: the factory dump failed (rc $RC)"
	"$MKIMAGE" random "$T/cfg.bin" 8192 77
	s=0
	while [ "$s" -lt "$SBS_N" ]; do
		cp "$W/slot$s.flash.bin" "$T/factory$s.bin"
		{ head -c $((SBS_CFG)) "$T/factory$s.bin"; cat "$T/cfg.bin"; tail -c +$((SBS_CFG + 8192 + 1)) "$T/factory$s.bin"; } >"$T/changed$s.bin"
		s=$((s + 1))
	done
	# One rack run, the units' flash kept throughout:
	#  (b)  their first visit;
	#  then the station restores them (restore mode: their stock firmware),
	#  their owners change 8 KiB of config (espstation write, unrecorded),
	#  (c)  they come back: the station knows their stock backup and reads
	#       only what differs (bench_refurbish's revisit);
	#  (c)  and once more, holding the firmware the station just wrote.
	# Only the refurbish jobs are figures; restore and config write are set-up.
	sed 's/^mode = .*/mode = "restore";/' "$T/station.cfg" >"$T/restore.cfg"
	sbs_rack -- sh -c '
		. "$IN_RACK"
		run_until "$1" "$2" station "$3"
		run_until "$1" "$2" restore $(($3 * 2))
		s=0
		while [ $s -lt "$3" ]; do
			"$1" write --port /dev/ttyUSB$s --baud 921600 --address '"$SBS_CFG"' --raw "$2/cfg.bin" >/dev/null 2>&1 ||
				echo "config write $s failed"
			s=$((s + 1))
		done
		run_until "$1" "$2" station $(($3 * 3))
		run_until "$1" "$2" station $(($3 * 4))' sh "$ST" "$T" "$SBS_N"
	[ "$(grep -c " exit 0" "$T/out")" = 4 ] && ! grep -q "config write" "$T/out" ||
		{ show_station; fail "side by side: $(cat "$T/out")"; }
	# stub starts per unit: (b), restore, config write, (c) twice
	sbs_reads 5
	sbs_jobs 1 "$SBS_N" b "$(sbs_mean_read 1)"
	sbs_backups 1 "$SBS_N" "$T/factory@.bin"
	sbs_jobs $((SBS_N + 1)) $((SBS_N * 2)) restore 0
	sbs_jobs $((SBS_N * 2 + 1)) $((SBS_N * 3)) c_stock "$(sbs_mean_read 4)"
	sbs_backups $((SBS_N * 2 + 1)) $((SBS_N * 3)) "$T/changed@.bin"
	sbs_jobs $((SBS_N * 3 + 1)) $((SBS_N * 4)) c_ours "$(sbs_mean_read 5)"
	sbs_backups $((SBS_N * 3 + 1)) $((SBS_N * 4)) "$W/slot@.flash.bin"
	sbs_flash

	# (a): bench_refurbish, one unit, core only
	A_HOW="" A_CYCLE=""
	if [ -x "$BR" ] && "$BR" "$BAUD" >"$T/br.out" 2>&1; then
		A_CYCLE=$(sed -n 's/^ *(a) .* cycle *\([0-9.]*\) s.*/\1/p' "$T/br.out")
		A_HOW="bench_refurbish"
		say "(a) from bench_refurbish $BAUD (core against one emulated unit, same flash timing):"
		sed 's/^/    /' "$T/br.out"
	fi
	if [ -z "$A_CYCLE" ]; then
		[ -n "${BOUND:-}" ] || BOUND=$(compute_bound)
		# the bound includes the ROM phase; the four stages do not
		A_CYCLE=$(awk -v b="$BOUND" -v s="$STUB_BYTES" -v r=$ROM_BAUD 'BEGIN { printf "%.3f", b - s * 10 / r }')
		A_HOW="bound"
		say "(a): no bench_refurbish at $BR: the dense-flow bound less its ROM phase, computed"
	fi
	say "station side by side (means over $SBS_N units; stages in s; read: bytes READ_FLASH per unit, from the units' logs):"
	awk -v a="$A_CYCLE" -v how="$A_HOW" -v nu="$SBS_N" '
		BEGIN {
			printf "  %-50s %9s %6s %6s %6s %6s %6s %6s %8s %8s %6s %8s\n", "", "read B", "detect", "backup", "erase",
				"write", "verify", "reset", "b..v s", "cycle s", "x (a)", "x (a)+d+r"
			printf "  %-50s %9d %6s %6s %6s %6s %6s %6s %8.2f %8s %6.2f %8s\n", "(a) dense tutorial flow: " how, 1048576,
				"-", "-", "-", "-", "-", "-", a, "-", 1, "1.00"
		}
		$1 == "restore" { next }
		{ bv = $4 + $5 + $6 + $7; dr = $3 + $8
		  label = $1 == "b" ? "(b) espstation default, first visit" : \
			$1 == "c_stock" ? "(c) revisit, stock firmware + 8 KiB config changed" : \
			"(c) revisit: the firmware the station wrote"
		  printf "  %-50s %9d %6.2f %6.2f %6.2f %6.2f %6.2f %6.2f %8.2f %8.2f %6.2f %8.2f\n", label, $9, $3, $4, $5, $6,
			$7, $8, bv, $2, bv / a, $2 / (a + dr)
		  r[$1] = bv / a }
		END {
			printf "target (b) <= 0.50 x (a): %s (%.2f)\n", (r["b"] <= 0.50 ? "target met" : "target NOT met"), r["b"]
			printf "target (c) <= 0.35 x (a): revisit with stock firmware %s (%.2f); with the station'"'"'s own firmware %s (%.2f)\n",
				(r["c_stock"] <= 0.35 ? "target met" : "target NOT met"), r["c_stock"],
				(r["c_ours"] <= 0.35 ? "target met" : "target NOT met"), r["c_ours"]
		}' "$T/sbs"
	echo "  x (a): the station's backup+erase+write+verify over (a)'s; x (a)+d+r: the station's whole cycle over"
	echo "  (a) plus the same detect and reset.  (b) and (c) are the same units in the station on the rack,"
	echo "  (a) is one unit without station or rack (see the rows above for its own (b) and (c))."
fi
# --- the boot check (issue 13): what the boot stage adds per unit ------------
# BENCH_BOOT_N (3) units refurbished with a small image (60 000 bytes,
# timing=fast: the flash stages are not the figure here), boot check on with
# its defaults (window 2000 ms, firmware at 115200), the emulator's chatty
# firmware; per unit the boot stage (job_stages) and the verdict's own time
# from the reset (boot.result ms).  Fails if a unit does not pass as
# "booted".  BENCH_BOOT_N=0 skips it.
BOOT_N=${BENCH_BOOT_N:-3}
if [ "$BOOT_N" -gt 0 ]; then
	echo
	say "boot check: $BOOT_N units (cp2102/ch340/ft232r), chatty firmware, boot check on (defaults), refurbish of a 60000-byte image at $BAUD, timing=fast"
	rm -rf "$T/data"
	mkdir -p "$T/data"
	"$MKIMAGE" image "$T/boot_fw.bin" 60000 21
	"$MKIMAGE" image "$T/boot_orig.bin" 40000 22
	ST_BOOT_CHECK=true station_cfg "$T/boot.cfg" bench-boot "$T/data" refurbish "$T/boot_fw.bin" \
		"$BAUD" 460800 60 "$ROM_BAUD"
	set --
	s=0
	while [ "$s" -lt "$BOOT_N" ]; do
		set -- "$@" --slot "$s kind=$(echo "$KINDS" | cut -d' ' -f$((s % 3 + 1))) timing=fast mac=60:01:94:b0:00:$(printf '%02x' $s) image=$T/boot_orig.bin"
		s=$((s + 1))
	done
	rack --timeout 120 "$@" -- sh -c '. "$IN_RACK"; run_until "$1" "$2" boot "$3"' sh "$ST" "$T" "$BOOT_N"
	grep -q "boot exit 0" "$T/out" || { show_station; fail "boot check: station did not stop cleanly (rc $RC): $(cat "$T/out")"; }
	booted=$(q "select count(*) from jobs j join events e on e.job_id = j.id and e.type = 'boot.result'
		where j.result = 'passed' and json_extract(e.data, '\$.result') = 'booted'")
	[ "$booted" = "$BOOT_N" ] || { show_station; fail "boot check: $booted of $BOOT_N units passed as booted: $(q "select slot || ':' || coalesce(result, 'open') || ' ' || coalesce(err_msg, '') from jobs")"; }
	q "select j.slot, s.end_ms - s.start_ms, json_extract(e.data, '\$.ms'), j.end_ms - j.start_ms
	   from jobs j join job_stages s on s.job_id = j.id and s.stage = 'boot'
	   join events e on e.job_id = j.id and e.type = 'boot.result' order by j.slot" | tr '|' ' ' |
		awk '{ n++; st += $2; v += $3; c += $4; if ($2 > mx) mx = $2
		       printf "[bench_station]   %s: boot stage %.2f s (verdict %.2f s after the reset), cycle %.2f s\n", $1, $2 / 1000, $3 / 1000, $4 / 1000 }
		     END { printf "[bench_station] boot stage per unit: mean %.2f s (max %.2f s), the verdict %.2f s after the reset (ROM lines, then the 2000 ms window); this run: %.0f%% of a %.2f s cycle (small image)", st / n / 1000, mx / 1000, v / n / 1000, 100 * st / c, c / n / 1000
			   if (full > 0) printf "; on the full 1 MB unit'"'"'s cycle above (%.2f s) it would add %.0f%%", full, 100 * st / n / 1000 / full
			   printf "; rack run %.1f s\n", secs }' full="$(awk 'NR == 1 { print $3 }' "$T/table")" secs="$SECS"
fi
say "ok (figures only; the benchmark fails only on wrong results)"
