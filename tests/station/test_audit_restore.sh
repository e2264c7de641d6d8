#!/bin/sh
# SPDX-License-Identifier: MIT
# Audit and single-port restore on a database filled by the station: three
# units (1, 1 and 4 MB) are refurbished, then backed up again (two backups
# each), then `espstation restore --port` runs in the same rack:
#   slot 0: unit 22's backup is refused (another MAC), then forced (recorded
#           donor -> target), then unit 21's first backup by --backup FILE;
#   slot 1: no choice given: its original (the first backup: the second,
#           taken after the refurbish, holds our firmware);
#   slot 2: a 1 MB backup on the 4 MB unit: refused, then --force-size.
# Proved by the units' final flash, the restores rows, and verify-vault
# before and after a vault file is deleted and another altered.  The audit
# tables of this database, masked (ids, times, durations, paths) and sorted,
# are compared with golden files.
CASE=station_audit_restore
. "$(dirname "$0")/station_lib.sh"
GOLDEN=$(dirname "$0")/golden
"$MKIMAGE" image "$T/fw.bin" 300000 5
for n in 0 1 2; do "$MKIMAGE" random "$T/orig$n.bin" $((n == 2 ? 4194304 : 1048576)) $((n + 40)); done
write_cfg refurbish
cp "$T/station.cfg" "$T/refurbish.cfg"
sed 's/^mode = .*/mode = "backup";/' "$T/refurbish.cfg" >"$T/backup.cfg"
cmd='
	. "$IN_RACK"
	db="$2/data/station.db"
	restore() {
		name=$1; shift
		"$ST" restore --config "$T/refurbish.cfg" --baud 3000000 "$@" >"$T/$name.out" 2>"$T/$name.err"
		echo "$name exit $?"
	}
	run_until "$1" "$2" refurbish 3
	run_until "$1" "$2" backup 6
	ST=$1 T=$2
	first21=$(sqlite3 "$db" "select b.path from backups b join devices d on d.id = b.device_id where d.mac = '\''60:01:94:00:00:21'\'' order by b.id limit 1")
	restore clone_refused --port /dev/ttyUSB0 --mac 60-01-94-00-00-22
	restore clone_forced --port /dev/ttyUSB0 --mac 600194000022 --force-clone
	restore by_file --port /dev/ttyUSB0 --backup "$first21"
	restore own --port /dev/ttyUSB1
	restore size_refused --port /dev/ttyUSB2 --mac 60:01:94:00:00:21 --force-clone
	restore size_forced --port /dev/ttyUSB2 --mac 60:01:94:00:00:21 --force-clone --force-size'
rack --baud-fast --dump-flash \
	--slot "0 kind=cp2102 timing=fast mac=60:01:94:00:00:21 image=$T/orig0.bin" \
	--slot "1 kind=ch340 timing=fast mac=60:01:94:00:00:22 image=$T/orig1.bin" \
	--slot "2 kind=ft232r timing=fast mac=60:01:94:00:00:23 flash=4MB image=$T/orig2.bin" \
	-- sh -c "$cmd" sh "$ST" "$T"
cat "$T/out"
say "jobs: $(q "select group_concat(coalesce(slot, '') || ':' || mode || ':' || result, ' ') from jobs")"
[ "$(q "select count(*) from jobs where mode in ('refurbish', 'backup') and result = 'passed'")" = 6 ] ||
	{ show_station; fail "station jobs: $(q 'select slot, mode, result, err_msg from jobs')"; }
[ "$(q "select count(*) from backups where verified = 1")" = 6 ] || fail "not two backups per unit"
expect_exit() {   # NAME CODE [ERE on stderr]
	grep -q "^$1 exit $2\$" "$T/out" || fail "restore $1: expected exit $2: $(cat "$T/$1.out" "$T/$1.err")"
	[ -z "${3:-}" ] || grep -Eq -- "$3" "$T/$1.err" || fail "restore $1: stderr lacks /$3/: $(cat "$T/$1.err")"
	say "restore $1: exit $2${3:+: $(tail -n 1 "$T/$1.err")}"
}
expect_exit clone_refused 6 "belongs to 60:01:94:00:00:22, but this unit is 60:01:94:00:00:21: .*cloud identity.*--force-clone"
expect_exit clone_forced 0
expect_exit by_file 0
expect_exit own 0
expect_exit size_refused 6 "is 1048576 bytes \(1MB\) but the unit's flash is 4194304 bytes \(4MB\).*--force-size"
expect_exit size_forced 0

newest() { q "select b.$2 from backups b join devices d on d.id = b.device_id where d.mac = '$1' and b.verified order by b.id desc limit 1"; }
original() { q "select b.$2 from backups b join devices d on d.id = b.device_id where d.mac = '$1' and b.provenance = 'original'"; }
[ "$(original 60:01:94:00:00:22 id)" != "$(newest 60:01:94:00:00:22 id)" ] || fail "the second backup is not a newer one"
[ "$(q "select count(*) from backups where provenance = 'ours'")" = 3 ] || fail "backups after the refurbish are not 'ours'"
# slot 0 ends with its own first backup (the stock flash), by --backup FILE
cmp -s "$T/orig0.bin" "$W/slot0.flash.bin" || fail "slot 0: not its stock flash after --backup"
# slot 1: its original, not the newer backup of our own firmware
cmp -s "$T/orig1.bin" "$W/slot1.flash.bin" || fail "slot 1: not its original firmware"
# slot 2: unit 21's original (1 MB) over the first MB, forced
head -c 1048576 "$W/slot2.flash.bin" | cmp -s "$T/orig0.bin" - ||
	fail "slot 2: the first MB is not unit 21's original"
rows=$(q "select group_concat(r.donor_mac || '>' || r.target_mac || ':' || r.forced || ':' || r.backup_id, ' ') from restores r")
want="60:01:94:00:00:22>60:01:94:00:00:21:1:$(original 60:01:94:00:00:22 id)"
want="$want 60:01:94:00:00:21>60:01:94:00:00:21:0:$(original 60:01:94:00:00:21 id)"
want="$want 60:01:94:00:00:22>60:01:94:00:00:22:0:$(original 60:01:94:00:00:22 id)"
want="$want 60:01:94:00:00:21>60:01:94:00:00:23:1:$(original 60:01:94:00:00:21 id)"
[ "$rows" = "$want" ] || fail "restores: got $rows, want $want"
say "restores: $rows"
[ "$(q "select group_concat(result, ' ') from jobs where mode = 'restore' order by id")" = \
	"refused passed passed passed refused passed" ] || fail "restore jobs: $(q "select id, result, err_msg from jobs where mode = 'restore'")"
[ "$(q "select count(*) from events where type = 'restore.size_forced'")" = 1 ] || fail "size forcing not journalled"
# every job's stages lie inside the job's own time span, and the first is detect
bad=$(q "select j.id || ':' || s.stage from jobs j join job_stages s on s.job_id = j.id
	where s.start_ms < j.start_ms or s.end_ms > j.end_ms")
[ -z "$bad" ] || fail "stage times outside their job's: $bad"
[ "$(q "select count(*) from jobs j where (select stage from job_stages where job_id = j.id
	order by id limit 1) <> 'detect'")" = 0 ] || fail "a job does not start with detect"
[ "$(q 'pragma integrity_check')" = ok ] || fail "integrity_check"

# ---- audit on this database ---------------------------------------------------
A() { "$ST" audit "$@" --config "$T/refurbish.cfg" >"$T/a.out" 2>"$T/a.err"; ARC=$?; }
# times, durations, vault file names, ids in texts and quoted fields (stage lists, causes
# with commas) are masked; hashes, sizes, MACs, slots and results stay
mask() {
	sed -E -e "s|$T|@T|g" -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z/@TIME/g' \
		-e 's/[0-9]+\.[0-9]{2}s/@S/g' -e 's|/[0-9TZ.]+-[0-9a-f]{12}\.bin|/@FILE.bin|g' \
		-e 's/backup [0-9]+/backup @N/g' -e 's/"[^"]*"/@Q/g' "$@"
}
sorted() { head -n 1 "$1"; tail -n +2 "$1" | sort; }
A summary; [ "$ARC" = 0 ] || fail "audit summary: $(cat "$T/a.err")"
mask "$T/a.out" | tr -s ' ' >"$T/summary.txt"
A backups --csv; [ "$ARC" = 0 ] || fail "audit backups: $(cat "$T/a.err")"
mask "$T/a.out" | tr -d '\r' | cut -d, -f3,5,7-13 >"$T/b.csv"; sorted "$T/b.csv" >"$T/backups.csv"
A jobs --csv; [ "$ARC" = 0 ] || fail "audit jobs: $(cat "$T/a.err")"
# station, slot, port, adapter, mode, mac, result, stage, image, written, clean, restore, cause
# (job and backup ids depend on which slot the station served first: left out)
mask "$T/a.out" | tr -d '\r' | cut -d, -f3-10,13-15,17- >"$T/j.csv"; sorted "$T/j.csv" >"$T/jobs.csv"
for g in summary.txt backups.csv jobs.csv; do
	if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
		cp "$T/$g" "$GOLDEN/rack_$g"; say "golden/rack_$g rewritten"; continue
	fi
	diff -u "$GOLDEN/rack_$g" "$T/$g" || fail "audit $g differs from golden/rack_$g"
	say "audit $g matches golden/rack_$g"
done
A mac 60-01-94-00-00-21; [ "$ARC" = 0 ] || fail "audit mac: $(cat "$T/a.err")"
[ "$(grep -c 'refurbish\|backup  \|restore' "$T/a.out")" -ge 4 ] || fail "audit mac: $(cat "$T/a.out")"
grep -q ' ok  ' "$T/a.out" || fail "audit mac shows no intact file: $(cat "$T/a.out")"

# ---- verify-vault ---------------------------------------------------------------
A verify-vault; [ "$ARC" = 0 ] || fail "verify-vault on an intact vault: exit $ARC $(cat "$T/a.out")"
gone=$(newest 60:01:94:00:00:23 path); rm "$gone"
bad=$(newest 60:01:94:00:00:22 path); printf 'Z' | dd of="$bad" bs=1 seek=4096 conv=notrunc 2>/dev/null
A verify-vault; [ "$ARC" = 5 ] || fail "verify-vault: expected exit 5, got $ARC"
grep -q "missing .*$gone" "$T/a.out" || fail "verify-vault does not name the deleted file: $(cat "$T/a.out")"
grep -q "altered: SHA-256.*$bad" "$T/a.out" || fail "verify-vault does not name the altered file: $(cat "$T/a.out")"
grep -q "6 backup files checked: 4 intact, 1 missing, 1 altered" "$T/a.out" || fail "verdict: $(cat "$T/a.out")"
say "verify-vault: $(tail -n 1 "$T/a.out")"
say "ok"
