#!/bin/sh
# SPDX-License-Identifier: MIT
# Station-mode restore from the central store (issue 11): `espstation run`
# in restore mode with central configured, on a throwaway PostgreSQL.
# Bench A (backup mode, its own rack) backs up a 1 MB unit; central_tool
# ships A's database.  Bench B (its own empty database and vault, its own
# rack) runs in restore mode with central configured:
#   slot 0: the same unit (same MAC), its flash blank since: B fetches A's
#           backup into its vault, records it as imported (central:bench-a),
#           restores it; the flash ends equal to A's backup byte for byte;
#   slot 1: a unit no bench ever backed up: refused ("nothing to restore
#           onto ...; the central store ... has none either"), and the unit
#           gets no erase or write (the emulator's own log).
# The worker's spec_init is what hands the config's central url to the
# restore job: without it slot 0 is refused too.
CASE=station_central_restore_run
. "$(dirname "$0")/station_lib.sh"
TOOL=$5
. "$(dirname "$0")/../pg/pg_lib.sh"
trap 'pg_cleanup; rm -rf "$T"' EXIT
chmod 0711 "$T"   # the cluster's own user must reach its directory
pg_start "$T/pg" || fail "cannot start PostgreSQL"

MAC=60:01:94:00:00:d1
NONE=60:01:94:00:00:d2
"$MKIMAGE" image "$T/fw.bin" 300000 5
"$MKIMAGE" random "$T/orig.bin" 1048576 81
"$MKIMAGE" random "$T/other.bin" 1048576 82
# A: backup mode, database and vault under $T/data (station_lib's q)
CFG_NAME=bench-a write_cfg backup
mv "$T/station.cfg" "$T/backup.cfg"
# B: restore mode, database and vault under $T/b/data, central configured
mkdir -p "$T/b"
station_cfg "$T/b/restore.cfg" bench-b "$T/b/data" restore "$T/fw.bin" 3000000 921600 10
echo "central = { url = \"$PG_URL\"; password_file = \"$PG_PASSFILE\"; };" >>"$T/b/restore.cfg"

W=$T/wa
rack --baud-fast --dump-flash \
	--slot "0 kind=cp2102 timing=fast mac=$MAC image=$T/orig.bin" \
	-- sh -c '. "$IN_RACK"; run_until "$1" "$2" backup 1' sh "$ST" "$T"
grep -qx "backup exit 0" "$T/out" || { show_station; fail "A: $(cat "$T/out" "$T/err")"; }
[ "$(q "select count(*) from jobs where mode = 'backup' and result = 'passed'")" = 1 ] ||
	{ show_station; fail "A's backup did not pass"; }
a_backup=$(q "select path from backups where provenance = 'original'")
cmp -s "$T/orig.bin" "$a_backup" || fail "A's backup is not the unit's flash"
"$TOOL" ship "$PG_URL" "$PG_PASSFILE" "$DB" >"$T/ship.a" 2>&1 || fail "ship A: $(cat "$T/ship.a")"
say "A: $(cat "$T/ship.a")"

W=$T/wb
rack --baud-fast --dump-flash \
	--slot "0 kind=cp2102 timing=fast mac=$MAC layout=blank" \
	--slot "1 kind=ch340 timing=fast mac=$NONE image=$T/other.bin" \
	-- sh -c '. "$IN_RACK"; run_until "$1" "$2" restore 2' sh "$ST" "$T/b"
qb() { sqlite3 "$T/b/data/station.db" "$1"; }
showb() { say "B's log:"; sed 's/^/    /' "$T/b/station.log" | head -n 60; }
grep -qx "restore exit 0" "$T/out" || { showb; fail "B: $(cat "$T/out" "$T/err")"; }
say "B's jobs: $(qb "select group_concat(slot || ':' || mode || ':' || result, ' ') from jobs")"

# slot 0: fetched, recorded as imported, restored byte for byte
r0=$(qb "select j.result || '|' || coalesce(j.err_msg, '') from jobs j join devices d on d.id = j.device_id
	where d.mac = '$MAC'")
[ "$r0" = "passed|" ] || { showb; fail "B's restore of $MAC: $r0"; }
cmp -s "$a_backup" "$W/slot0.flash.bin" || fail "B's unit flash is not A's backup"
row=$(qb "select b.provenance || '|' || b.imported_by || '|' || b.imported_from || '|' || b.sha256
	from backups b join devices d on d.id = b.device_id where d.mac = '$MAC'")
want="imported|central:bench-a|bench-a:$a_backup|$(sha256sum "$T/orig.bin" | cut -c1-64)"
[ "$row" = "$want" ] || fail "B's backup row: got $row, want $want"
cmp -s "$T/orig.bin" "$(qb "select path from backups")" || fail "B's vault copy differs"
rows=$(qb "select r.donor_mac || '>' || r.target_mac || ':' || r.forced || ':' || (r.backup_id = b.id)
	from restores r join backups b on b.id = r.backup_id")
[ "$rows" = "$MAC>$MAC:0:1" ] || fail "B's restores: $rows"

# slot 1: refused, nothing written, nothing recorded
r1=$(qb "select j.result || '|' || j.err_msg from jobs j join devices d on d.id = j.device_id
	where d.mac = '$NONE'")
case "$r1" in
"refused|nothing to restore onto $NONE: no backups of $NONE"*"the central store postgresql://"*"has none either"*) ;;
*) showb; fail "B's job for $NONE: $r1" ;;
esac
say "slot 1: $r1"
changes_flash() {
	grep -E '"name":"(FLASH_DATA|FLASH_DEFL_BEGIN|FLASH_DEFL_DATA|ERASE_FLASH|ERASE_REGION)"|"name":"FLASH_BEGIN".*"blocks":[1-9]' "$@"
}
grep -q '"name":"SYNC"' "$W/slot1.emu.log" || fail "slot 1: the emulator log shows no session"
! changes_flash "$W/slot1.emu.log" || fail "slot 1: the unit got erase/write commands"
changes_flash -q "$W/slot0.emu.log" || fail "slot 0: no write seen in the emulator log (the check above is blind)"
cmp -s "$T/other.bin" "$W/slot1.flash.bin" || fail "slot 1: the unit's flash changed"
[ "$(qb "select count(*) from backups")" = 1 ] || fail "B recorded a backup for $NONE"
[ "$(qb "select count(*) from restores")" = 1 ] || fail "B recorded a restore for $NONE"
! grep -q "$(cat "$PG_PASSFILE")" "$T/b/station.log" || fail "B's log holds the password"
say "ok"
