#!/bin/sh
# SPDX-License-Identifier: MIT
# espstation itself on database files it must not change or cannot use.
#   audit_readonly: `audit summary` reads a 0444 file in a 0555 directory,
#     and (as root, in a private mount namespace) from a read-only mount,
#     with and without the -wal/-shm files beside it, leaving the file as it
#     was; on an empty file it fails and the file stays empty.
#   audit_v1: `audit mac` reads a schema v1 file (fixtures/v1.sql) as it is,
#     read-only: each backup's provenance as the v2 migration would compute
#     it, and which backup a restore would write, or why none; the file is
#     left as it was.
#   run_db_errors: `run --config` with database = a newer schema, a text
#     file, another program's SQLite file, a read-only database, a path
#     under a plain file: each fails with one line naming the path, the
#     cause and a fix that fits; only a missing directory is told to create
#     one.
# Root ignores mode bits, so read-only media are a read-only bind mount,
# made only when root can unshare; the file's bytes and mtime prove no
# write happened.
# usage: db_cli_test.sh CASE ESPSTATION DB_MAKE_FIXTURE
# Exit status: 0 pass, 1 fail, 77 skipped.
set -u
CASE=$1
ST=$2
FIX=$3

T=$(mktemp -d "${TMPDIR:-/tmp}/espstation-dbcli.XXXXXX") || exit 1
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT

say() { printf '%s\n' "[$CASE] $*"; }
fail() {
	printf 'FAIL [%s]: %s\n' "$CASE" "$*"
	for f in "$T/out" "$T/err"; do
		[ -s "$f" ] && { printf -- '--- %s\n' "$f"; tail -n 20 "$f"; }
	done
	exit 1
}

# A station's database, made through the API.
make_db() { "$FIX" "$1" >/dev/null 2>&1 || fail "db_make_fixture $1"; }
# What a file is: its bytes' checksum, size and mtime (ns).
state() { printf '%s %s\n' "$(cksum <"$1")" "$(stat -c %y "$1")"; }

ROOT_RO=0
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
	ROOT_RO=1
fi
# on_ro_mount DIR CMD...: runs CMD with DIR mounted read-only (root only).
on_ro_mount() {
	d=$1
	shift
	unshare -m sh -c 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift &&
		exec "$@"' sh "$d" "$@"
}

audit_readonly() {
	mkdir "$T/ro" && make_db "$T/ro/station.db"
	"$ST" audit summary --db "$T/ro/station.db" >"$T/want" 2>"$T/err" || fail "audit of a writable copy"
	rm -f "$T/ro/station.db-wal" "$T/ro/station.db-shm"
	chmod 0444 "$T/ro/station.db" && chmod 0555 "$T/ro"
	before=$(state "$T/ro/station.db")
	"$ST" audit summary --db "$T/ro/station.db" >"$T/out" 2>"$T/err"; rc=$?
	say "0444 file in a 0555 directory: exit $rc"
	[ $rc = 0 ] || fail "audit of a read-only file: exit $rc"
	cmp -s "$T/out" "$T/want" || fail "audit of a read-only file: other output"
	[ "$(state "$T/ro/station.db")" = "$before" ] || fail "the read-only file changed"

	if [ $ROOT_RO = 1 ]; then
		# the first pass has no -wal/-shm beside it; the second has the
		# ones a reader in a writable directory leaves
		chmod 0755 "$T/ro" && rm -f "$T/ro/station.db-wal" "$T/ro/station.db-shm"
		for pass in "no -wal/-shm" "-wal and -shm left"; do
			on_ro_mount "$T/ro" "$ST" audit summary --db "$T/ro/station.db" >"$T/out" 2>"$T/err"
			rc=$?
			say "read-only mount, $pass: exit $rc"
			[ $rc = 0 ] || fail "audit on a read-only mount ($pass): exit $rc"
			cmp -s "$T/out" "$T/want" || fail "audit on a read-only mount ($pass): other output"
			[ "$(state "$T/ro/station.db")" = "$before" ] || fail "the file changed ($pass)"
			"$ST" audit summary --db "$T/ro/station.db" >/dev/null 2>&1 # leaves -wal/-shm
			[ -e "$T/ro/station.db-shm" ] || fail "no -shm for the second pass"
		done
	else
		say "not root: the read-only mount is skipped (chmod showed the same)"
	fi

	: >"$T/empty.db"
	before=$(state "$T/empty.db")
	"$ST" audit summary --db "$T/empty.db" >"$T/out" 2>"$T/err"; rc=$?
	say "empty file: exit $rc: $(cat "$T/err")"
	[ $rc != 0 ] || fail "audit of an empty file succeeded"
	[ ! -s "$T/empty.db" ] && [ "$(state "$T/empty.db")" = "$before" ] || fail "the empty file was written"
	[ ! -e "$T/empty.db-wal" ] && [ ! -e "$T/empty.db-shm" ] || fail "files beside the empty file"
	[ "$(wc -l <"$T/err")" = 1 ] && grep -q "$T/empty.db: not an espstation database" "$T/err" ||
		fail "empty file: no one-line cause with the path"
}

audit_v1() {
	command -v sqlite3 >/dev/null || { say "no sqlite3 program: skipped"; exit 77; }
	mkdir "$T/v1" && sqlite3 "$T/v1/station.db" <"$(dirname "$0")/fixtures/v1.sql" ||
		fail "cannot load fixtures/v1.sql"
	chmod 0444 "$T/v1/station.db" && chmod 0555 "$T/v1"
	before=$(state "$T/v1/station.db")
	"$ST" audit mac 5c:cf:7f:00:00:01 --db "$T/v1/station.db" >"$T/out" 2>"$T/err"; rc=$?
	say "audit mac of a v1 file: exit $rc"
	[ $rc = 0 ] || fail "audit mac of a v1 file: exit $rc"
	grep -q '^1 .* original  ' "$T/out" || fail "backup 1 is not shown as original"
	grep -qx 'Restore without --backup writes: backup 1 (original, verified, 2023-11-14T22:13:26.700Z): the newest verified original of 5c:cf:7f:00:00:01' "$T/out" ||
		fail "no restore choice line for unit 1"
	"$ST" audit mac 5c:cf:7f:00:00:02 --db "$T/v1/station.db" --json >"$T/out" 2>"$T/err"; rc=$?
	[ $rc = 0 ] || fail "audit mac --json of a v1 file: exit $rc"
	grep -qF '"restore": {"backup_id": null, "why": "1 backup of 5c:cf:7f:00:00:02: 1 original (1 not verified); no verified original and no usable imported one: restore needs --backup FILE to write one of those"}}' "$T/out" ||
		fail "unit 2: no refusal naming its unverified original"
	grep -q '"provenance": "original"' "$T/out" || fail "unit 2: no provenance"
	[ "$(state "$T/v1/station.db")" = "$before" ] || fail "the v1 file changed"
	[ ! -e "$T/v1/station.db-wal" ] || fail "a -wal beside the v1 file"
}

# run_with DB [ro]: `espstation run` with database = DB (under a read-only
# mount of DB's directory with ro); stderr in $T/err, exit status in $rc.
run_with() {
	cat >"$T/station.cfg" <<CFG
station = "dbcli";
database = "$1";
backup_dir = "$T/backups";
mode = "backup";
CFG
	if [ "${2:-}" = ro ]; then
		on_ro_mount "$(dirname "$1")" timeout 30 "$ST" run --config "$T/station.cfg" --plain \
			</dev/null >"$T/out" 2>"$T/err"
	else
		timeout 30 "$ST" run --config "$T/station.cfg" --plain </dev/null >"$T/out" 2>"$T/err"
	fi
	rc=$?
	say "$(basename "$1")${2:+ ($2)}: exit $rc: $(cat "$T/err")"
}

# expect WHAT PATH CAUSE-REGEX: refused in one line with path, cause, fix,
# in SQLite's words nowhere, and no advice to create a directory.
expect() {
	[ $rc != 0 ] && [ $rc != 124 ] || fail "$1: exit $rc"
	[ "$(wc -l <"$T/err")" = 1 ] || fail "$1: not one line"
	grep -qF "$2" "$T/err" || fail "$1: the path is not named"
	grep -qiE "$3" "$T/err" || fail "$1: the cause is not said"
	grep -q "fix" "$T/err" || fail "$1: no fix"
	! grep -q "create the directory" "$T/err" || fail "$1: told to create a directory"
	! grep -q "attempt to write a readonly" "$T/err" || fail "$1: SQLite's words, not the cause"
}

run_db_errors() {
	mkdir -p "$T/backups" "$T/db"
	printf 'notes, not a database\n' >"$T/db/notes.txt"
	run_with "$T/db/notes.txt"
	expect "text file" "$T/db/notes.txt" "not an espstation database"
	[ "$(cat "$T/db/notes.txt")" = "notes, not a database" ] || fail "the text file was changed"

	if command -v sqlite3 >/dev/null 2>&1; then
		make_db "$T/db/newer.db"
		sqlite3 "$T/db/newer.db" "INSERT INTO schema (version, applied_ms) VALUES (9, 0)" ||
			fail "sqlite3"
		run_with "$T/db/newer.db"
		expect "newer schema" "$T/db/newer.db" "newer than this espstation.*upgrade espstation"

		sqlite3 "$T/db/contacts.db" "CREATE TABLE contacts (name)" || fail "sqlite3"
		run_with "$T/db/contacts.db"
		expect "another program's file" "$T/db/contacts.db" "not an espstation database"
	else
		say "no sqlite3 CLI: the newer-schema and foreign-file cases are skipped"
	fi

	: >"$T/plain"
	run_with "$T/plain/sub/station.db"
	expect "a file on the path" "$T/plain" "not a directory|is a file"

	mkdir "$T/rodb" && make_db "$T/rodb/station.db"
	rm -f "$T/rodb/station.db-wal" "$T/rodb/station.db-shm"
	before=$(state "$T/rodb/station.db")
	if [ $ROOT_RO = 1 ]; then
		run_with "$T/rodb/station.db" ro
	elif [ "$(id -u)" != 0 ]; then
		chmod 0444 "$T/rodb/station.db" && chmod 0555 "$T/rodb"
		run_with "$T/rodb/station.db"
	else
		say "root without unshare: the read-only database case is skipped"
		return 0
	fi
	expect "read-only database" "$T/rodb/station.db" "read-only|permission denied"
	[ "$(state "$T/rodb/station.db")" = "$before" ] || fail "the read-only database changed"
}

case $CASE in
audit_readonly | audit_v1 | run_db_errors) $CASE ;;
*) echo "unknown case $CASE" >&2; exit 2 ;;
esac
say "ok"
