#!/bin/sh
# SPDX-License-Identifier: MIT
# The audit across stations (issue 11): two benches' databases (bench-1 from
# audit_fixture, bench-2 from central_tool, sharing unit 5c:cf:7f:00:00:01)
# are shipped to a throwaway PostgreSQL; then `audit jobs`, `audit backups`
# (JSON and CSV) and `audit mac` (JSON) with --db postgresql://... must equal
# the union of the same audits on each bench's file, record for record once
# ids (local to each file) are left out, every record under its station's
# name.  Also: the table form, a password inside the url (a one-line usage
# error that does not echo it), a store that is down (exit 7), verify-vault
# (refused: the files are on the stations), and no snapshot left in $TMPDIR
# after any of them.
# usage: test_central_audit.sh ESPSTATION AUDIT_FIXTURE CENTRAL_TOOL
set -u
CASE=central_audit
ST=$1
FIXTURE=$2
TOOL=$3
command -v python3 >/dev/null 2>&1 || { echo "SKIP [$CASE]: no python3"; exit 77; }
. "$(dirname "$0")/../pg/pg_lib.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/espstation-caudit.XXXXXX") || exit 1
trap 'pg_cleanup; rm -rf "$T"' EXIT
# the cluster's own user must reach its directory under $T
chmod 0711 "$T"

say() { printf '[%s] %s\n' "$CASE" "$*"; }
fail() { printf 'FAIL [%s]: %s\n' "$CASE" "$*"; exit 1; }

pg_start "$T/pg" || fail "cannot start PostgreSQL"
mkdir -p "$T/a" "$T/b" "$T/tmp"
"$FIXTURE" "$T/a" || fail "audit_fixture"
"$TOOL" bench "$T/b" bench-2 || fail "central_tool bench"
for s in a b; do
	"$TOOL" ship "$PG_URL" "$PG_PASSFILE" "$T/$s/station.db" >"$T/ship.$s" 2>&1 ||
		fail "shipping $s: $(cat "$T/ship.$s")"
	say "$(cat "$T/ship.$s")"
done

# audit NAME ARGS...: runs the audit with a private TMPDIR, output in
# $T/NAME.out and .err, exit status in $T/NAME.rc; the snapshot must be gone
audit() {
	name=$1
	shift
	TMPDIR=$T/tmp "$ST" audit "$@" >"$T/$name.out" 2>"$T/$name.err"
	echo $? >"$T/$name.rc"
	left=$(ls -A "$T/tmp")
	[ -z "$left" ] || fail "audit $*: left its snapshot behind in TMPDIR: $left"
}
rc() { cat "$T/$1.rc"; }
central() { audit "$@" --db "$PG_URL" --password-file "$PG_PASSFILE"; }

# records NAME FORMAT [KEY]: the records of an audit output (JSON array,
# the array KEY of a JSON object, or CSV), one canonical JSON line each,
# sorted: ids (local to a file) left out, "backup N" in texts masked
records() {
	python3 - "$T/$1.out" "$2" "${3:-}" <<-'PY'
	import csv, io, json, re, sys
	path, fmt, key = sys.argv[1:4]
	text = open(path, encoding="utf-8").read()
	if fmt == "csv":
	    rows = list(csv.DictReader(io.StringIO(text, newline="")))
	else:
	    rows = json.loads(text)
	    if key:
	        rows = rows[key]
	out = []
	for r in rows:
	    r = {k: (re.sub(r"backup [0-9]+", "backup #", v) if isinstance(v, str) else v)
	         for k, v in r.items() if k not in ("job_id", "backup_id")}
	    out.append(json.dumps(r, sort_keys=True))
	print("\n".join(sorted(out)))
	PY
}

# union SUB FORMAT [KEY] -- AUDIT ARGS: central == bench-1 + bench-2
union() {
	sub=$1 fmt=$2 key=$3
	shift 4
	for s in a b; do
		audit "$sub.$s" "$@" --db "$T/$s/station.db"
		[ "$(rc "$sub.$s")" = 0 ] || fail "audit $* on $s: $(cat "$T/$sub.$s.err")"
	done
	central "$sub.c" "$@"
	[ "$(rc "$sub.c")" = 0 ] || fail "audit $* on the central store: $(cat "$T/$sub.c.err")"
	{ records "$sub.a" "$fmt" "$key"; records "$sub.b" "$fmt" "$key"; } | sort >"$T/$sub.want"
	records "$sub.c" "$fmt" "$key" >"$T/$sub.got"
	n=$(wc -l <"$T/$sub.want")
	[ "$n" -ge 3 ] || fail "audit $*: only $n records on the benches (the fixture is broken)"
	diff -u "$T/$sub.want" "$T/$sub.got" >"$T/$sub.diff" ||
		fail "audit $* on the central store is not the union of the benches': $(cat "$T/$sub.diff")"
	# bench-2's only backup of unit 01 came from the store: taken by no job of
	# bench-2, it has no station (as on bench-2 itself)
	grep -q '"station": "bench-1"' "$T/$sub.got" && { [ "$sub" = mac_backups ] ||
		grep -q '"station": "bench-2"' "$T/$sub.got"; } ||
		fail "audit $*: the records do not name both stations"
	say "audit $*: $n records, the union of both benches"
}
union jobs_json json "" -- jobs --json
union jobs_csv csv "" -- jobs --csv
union backups_json json "" -- backups --json
union backups_csv csv "" -- backups --csv
union mac_jobs json jobs -- mac 5C-CF-7F-00-00-01 --json
union mac_backups json backups -- mac 5c:cf:7f:00:00:01 --json
union failed_csv csv "" -- jobs --result failed --csv

# audit mac across benches: the unit as first seen (last seen: by either),
# and restore's choice is the same backup (by its hash) as on the bench
# that took it
python3 - "$T/mac_jobs.a.out" "$T/mac_jobs.b.out" "$T/mac_jobs.c.out" <<-'PY' ||
import json, sys
a, b, c = (json.load(open(p)) for p in sys.argv[1:4])
def chosen(m):
    return [b["sha256"] for b in m["backups"] if b["backup_id"] == m["restore"]["backup_id"]]
def first(m):
    return {k: v for k, v in m["device"].items() if k != "last_seen"}
assert first(a) == first(c), (a["device"], c["device"])
last = max(a["device"]["last_seen"], b["device"]["last_seen"])
assert c["device"]["last_seen"] == last, (c["device"], last)
assert chosen(a) and chosen(a) == chosen(c), (chosen(a), chosen(c))
PY
	fail "audit mac: device or restore choice differs"

# the table form: the STATION column tells the benches apart
central table jobs
[ "$(rc table)" = 0 ] || fail "audit jobs (table): $(cat "$T/table.err")"
head -n 1 "$T/table.out" | grep -q STATION || fail "audit jobs: no STATION column"
grep -q ' bench-1 ' "$T/table.out" && grep -q ' bench-2 ' "$T/table.out" ||
	fail "audit jobs (table) lacks a station: $(cat "$T/table.out")"
central filter jobs --station bench-2 --csv
[ "$(rc filter)" = 0 ] && [ "$(tail -n +2 "$T/filter.out" | grep -c bench-2)" = 3 ] &&
	! grep -q bench-1 "$T/filter.out" || fail "audit jobs --station bench-2: $(cat "$T/filter.out")"

# a password inside the url: refused before any connection, in one line,
# without repeating it, with the usage exit status
audit pw jobs --db "postgresql://station:s3cret-pw@127.0.0.1:$PG_PORT/espstation"
[ "$(rc pw)" = 1 ] || fail "a password in the url: exit $(rc pw), want 1: $(cat "$T/pw.err")"
[ "$(wc -l <"$T/pw.err")" = 1 ] || fail "a password in the url: not one line: $(cat "$T/pw.err")"
! grep -q s3cret "$T/pw.err" || fail "the error repeats the password: $(cat "$T/pw.err")"
grep -qi password "$T/pw.err" || fail "the error does not say why: $(cat "$T/pw.err")"
[ ! -s "$T/pw.out" ] || fail "a refused audit printed: $(cat "$T/pw.out")"
say "password in the url: $(cat "$T/pw.err")"

# a store that is down: exit 7, one line naming it
pg_stop fast
central down jobs
[ "$(rc down)" = 7 ] || fail "store down: exit $(rc down), want 7: $(cat "$T/down.err")"
[ "$(wc -l <"$T/down.err")" = 1 ] || fail "store down: not one line: $(cat "$T/down.err")"
grep -q "127.0.0.1:$PG_PORT" "$T/down.err" || fail "store down: the store is not named: $(cat "$T/down.err")"
say "store down: $(cat "$T/down.err")"
central vault verify-vault
[ "$(rc vault)" = 1 ] || fail "verify-vault on the central store: exit $(rc vault): $(cat "$T/vault.err")"
say "ok"
