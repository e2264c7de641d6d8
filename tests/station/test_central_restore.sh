#!/bin/sh
# SPDX-License-Identifier: MIT
# Restore from the central store (issue 11), on one virtual rack and a
# throwaway PostgreSQL.  Station A (bench-a) refurbishes a 1 MB unit (its
# stock flash goes to A's vault) and ships its database.  Then bench B (its
# own database and vault, central configured, no backup of the unit)
# restores that unit with `espstation restore --port`:
#   down:    B2 (central at a dead port): refused as before (exit 6, "nothing
#            to restore"), plus "central store unreachable: ...";
#   altered: the central copy's bytes altered (as superuser, its CHECK
#            dropped): refused (exit 6) in one line naming the store, the
#            backup and the cause; the unit gets no erase or write (the
#            emulator's own log) and B records no backup;
#   ok:      the copy put back: B fetches it into its vault, records it as
#            imported (central:bench-a, bench-a:<A's path>), restores it; the
#            unit's flash ends equal to A's backup byte for byte.
# B's database is shipped too: the central store has B's restore job.
CASE=central_restore
. "$(dirname "$0")/station_lib.sh"
TOOL=$5
. "$(dirname "$0")/../pg/pg_lib.sh"
trap 'pg_cleanup; rm -rf "$T"' EXIT
chmod 0711 "$T"   # the cluster's own user must reach its directory
pg_start "$T/pg" || fail "cannot start PostgreSQL"
PG_LIB=$(cd "$(dirname "$0")/../pg" && pwd)/pg_lib.sh
export PG_LIB

MAC=60:01:94:00:00:c1
"$MKIMAGE" image "$T/fw.bin" 300000 5
"$MKIMAGE" random "$T/orig.bin" 1048576 71
CFG_NAME=bench-a write_cfg refurbish
mv "$T/station.cfg" "$T/refurbish.cfg"
for b in b b2; do
	mkdir -p "$T/$b"
	"$TOOL" init "$T/$b/station.db" || fail "central_tool init $b"
	station_cfg "$T/$b.cfg" "bench-$b" "$T/$b" restore "$T/fw.bin" 3000000 921600 10
done
echo "central = { url = \"$PG_URL\"; password_file = \"$PG_PASSFILE\"; };" >>"$T/b.cfg"
echo "central = { url = \"postgresql://station@127.0.0.1:1/espstation\"; password_file = \"$PG_PASSFILE\"; };" >>"$T/b2.cfg"

# the superuser alters the stored copy (its CHECK and triggers out of the way), and puts it back
TAMPER="ALTER TABLE blobs DISABLE TRIGGER USER;
	ALTER TABLE blobs DROP CONSTRAINT blobs_sha256_matches;
	CREATE TABLE blobs_saved AS SELECT sha256, data FROM blobs;
	UPDATE blobs SET data = set_byte(data, 4096, (get_byte(data, 4096) + 1) % 256);"
UNTAMPER="UPDATE blobs b SET data = s.data FROM blobs_saved s WHERE s.sha256 = b.sha256;"
export TAMPER UNTAMPER

cmd='
	. "$IN_RACK"
	. "$PG_LIB"
	ST=$1 T=$2 TOOL=$3 W=$2/w
	restore() {
		name=$1; shift
		"$ST" restore --port /dev/ttyUSB0 --baud 3000000 "$@" >"$T/$name.out" 2>"$T/$name.err"
		echo "$name exit $?"
	}
	run_until "$ST" "$T" refurbish 1
	"$TOOL" ship "$PG_URL" "$PG_PASSFILE" "$T/data/station.db" >"$T/ship.a" 2>&1; echo "ship a exit $?"
	restore down --config "$T/b2.cfg"
	PG_DB=espstation pg_psql "$TAMPER"; echo "tamper exit $?"
	wc -l <"$W/slot0.emu.log" >"$T/mark0"
	restore altered --config "$T/b.cfg"
	wc -l <"$W/slot0.emu.log" >"$T/mark1"
	sqlite3 "$T/b/station.db" "select count(*) from backups" >"$T/b_backups_refused"
	find "$T/b/backups" -type f 2>/dev/null | wc -l >"$T/b_files_refused"
	PG_DB=espstation pg_psql "$UNTAMPER"; echo "untamper exit $?"
	wc -l <"$W/slot0.emu.log" >"$T/mark2"
	restore ok --config "$T/b.cfg"
	wc -l <"$W/slot0.emu.log" >"$T/mark3"
	"$TOOL" ship "$PG_URL" "$PG_PASSFILE" "$T/b/station.db" >"$T/ship.b" 2>&1; echo "ship b exit $?"'
rack --baud-fast --dump-flash \
	--slot "0 kind=cp2102 timing=fast mac=$MAC image=$T/orig.bin" \
	-- sh -c "$cmd" sh "$ST" "$T" "$TOOL"
cat "$T/out"
for step in "refurbish exit 0" "ship a exit 0" "tamper exit 0" "untamper exit 0" "ship b exit 0"; do
	grep -qx "$step" "$T/out" || { show_station; cat "$T/ship.a" "$T/ship.b" 2>/dev/null; fail "step: want '$step'"; }
done
[ "$(q "select count(*) from jobs where mode = 'refurbish' and result = 'passed'")" = 1 ] ||
	{ show_station; fail "A's refurbish did not pass"; }
a_backup=$(q "select path from backups where provenance = 'original'")
cmp -s "$T/orig.bin" "$a_backup" || fail "A's backup is not the unit's stock flash"

expect_exit() {   # NAME CODE [ERE on stderr]
	grep -q "^$1 exit $2\$" "$T/out" || fail "restore $1: expected exit $2: $(cat "$T/$1.out" "$T/$1.err")"
	[ -z "${3:-}" ] || grep -Eq -- "$3" "$T/$1.err" || fail "restore $1: stderr lacks /$3/: $(cat "$T/$1.err")"
	say "restore $1: exit $2: $(tail -n 1 "$T/$1.err")"
}
# down: today's refusal, plus the note
expect_exit down 6 "nothing to restore onto $MAC: no backups of $MAC: nothing to restore; central store unreachable: .*127\.0\.0\.1:1"
# altered: one line, the store, the backup, the cause; nothing written, nothing recorded
store="postgresql://station@127\.0\.0\.1:$PG_PORT/espstation"
expect_exit altered 6 "backup of $MAC from station bench-a refused, nothing written to the unit: central store $store: backup $(sha256sum "$T/orig.bin" | cut -c1-64) was altered"
[ "$(grep -c 'refused, nothing written' "$T/altered.err")" = 1 ] || fail "altered: not one error line: $(cat "$T/altered.err")"
! grep -q "$(cat "$PG_PASSFILE")" "$T/altered.err" "$T/altered.out" "$T/down.err" || fail "a message holds the password"
# the unit's own log between two marks; what changes flash: an erase, data,
# a FLASH_BEGIN of blocks (the loader's FLASH_BEGIN of 0 blocks only attaches it)
emu_between() { tail -n +"$(($(cat "$T/$1") + 1))" "$W/slot0.emu.log" | head -n "$(($(cat "$T/$2") - $(cat "$T/$1")))"; }
changes_flash() {
	grep -E '"name":"(FLASH_DATA|FLASH_DEFL_BEGIN|FLASH_DEFL_DATA|ERASE_FLASH|ERASE_REGION)"|"name":"FLASH_BEGIN".*"blocks":[1-9]' "$@"
}
emu_between mark0 mark1 >"$T/altered.emu"
emu_between mark2 mark3 >"$T/ok.emu"
grep -q '"name":"SYNC"' "$T/altered.emu" || fail "altered: the emulator log shows no session"
! changes_flash "$T/altered.emu" || fail "altered: the unit got erase/write commands"
changes_flash -q "$T/ok.emu" || fail "ok: no write seen in the emulator log (the check above is blind)"
[ "$(cat "$T/b_backups_refused")" = 0 ] || fail "altered: B recorded a backup"
[ "$(cat "$T/b_files_refused")" = 0 ] || fail "altered: files left in B's vault"
# ok: fetched, recorded as imported, restored byte for byte
expect_exit ok 0
cmp -s "$a_backup" "$W/slot0.flash.bin" || fail "B's unit flash is not A's backup"
qb() { sqlite3 "$T/b/station.db" "$1"; }
row=$(qb "select b.provenance || '|' || b.imported_by || '|' || b.imported_from || '|' || b.sha256
	from backups b join devices d on d.id = b.device_id where d.mac = '$MAC'")
want="imported|central:bench-a|bench-a:$a_backup|$(sha256sum "$T/orig.bin" | cut -c1-64)"
[ "$row" = "$want" ] || fail "B's backup row: got $row, want $want"
b_file=$(qb "select path from backups")
case "$b_file" in "$T/b/backups/"*central-bench-a-*.bin) ;; *) fail "B's vault file name: $b_file" ;; esac
cmp -s "$T/orig.bin" "$b_file" || fail "B's vault copy differs"
[ "$(stat -c %a "$b_file")" = 600 ] || fail "B's vault copy is not 0600"
rows=$(qb "select r.donor_mac || '>' || r.target_mac || ':' || r.forced || ':' || (r.backup_id = b.id)
	from restores r join backups b on b.id = r.backup_id")
[ "$rows" = "$MAC>$MAC:0:1" ] || fail "B's restores: $rows"
[ "$(qb "select group_concat(result, ' ') from jobs where mode = 'restore' order by id")" = "refused passed" ] ||
	fail "B's restore jobs: $(qb 'select id, result, err_msg from jobs')"
# recorded centrally too: the central store has B's restore and its backup
"$ST" audit jobs --db "$PG_URL" --password-file "$PG_PASSFILE" --station bench-b --csv >"$T/cj.csv" 2>"$T/cj.err" ||
	fail "audit on the central store: $(cat "$T/cj.err")"
grep -q "bench-b,,/dev/ttyUSB0,.*,restore,$MAC,passed" "$T/cj.csv" || fail "the central store lacks B's restore: $(cat "$T/cj.csv")"
say "ok"
