#!/bin/sh
# SPDX-License-Identifier: MIT
# espstation audit on a known day (audit_fixture: fixed clock, real backup
# files): every sub-command's table, JSON and CSV against golden files (only
# the scratch directory masked), MAC spellings, filters (the chip family
# among them), the boot check (result per job, the newest check's details
# with its log escaped, counts per result), usage errors with their exit
# codes, and verify-vault catching a deleted and an altered file.
# usage: test_audit_cli.sh ESPSTATION AUDIT_FIXTURE GOLDEN_DIR
# UPDATE_GOLDEN=1 rewrites the golden files (check them by hand).
set -u
ST=$1
FIXTURE=$2
GOLDEN=$3
CASE=cli_audit
T=$(mktemp -d "${TMPDIR:-/tmp}/espstation-audit.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT

say() { printf '[%s] %s\n' "$CASE" "$*"; }
fail() {
	printf 'FAIL [%s]: %s\n' "$CASE" "$*"
	for f in "$T/out" "$T/err"; do [ -s "$f" ] && { echo "--- $f"; tail -n 20 "$f"; }; done
	exit 1
}
# run ARGS...: espstation audit ARGS --db the fixture; RC, $T/out, $T/err
run() { "$ST" audit "$@" >"$T/out" 2>"$T/err"; RC=$?; }
expect_rc() { [ "$RC" -eq "$1" ] || fail "expected exit $1, got $RC: $(cat "$T/err")"; }
expect_err() { grep -Eq -- "$1" "$T/err" || fail "stderr lacks /$1/: $(cat "$T/err")"; }
# golden NAME: $T/out, the scratch directory masked, equals golden/NAME
golden() {
	sed "s|$T|@T|g" "$T/out" >"$T/masked"
	if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
		cp "$T/masked" "$GOLDEN/$1"
		say "golden/$1 rewritten"
		return
	fi
	diff -u "$GOLDEN/$1" "$T/masked" >"$T/diff" || fail "$1 differs from golden:
$(cat "$T/diff")"
	say "$1 matches"
}

"$FIXTURE" "$T" || fail "audit_fixture failed"
DB="--db $T/station.db"

# ---- the golden tables ----------------------------------------------------
run mac 5c:cf:7f:00:00:01 $DB; expect_rc 0; golden audit_mac.txt
run mac 5c:cf:7f:00:00:03 $DB --json; expect_rc 0; golden audit_mac_03.json
run mac 58:cf:79:00:00:05 $DB; expect_rc 0; golden audit_mac_c3.txt
run mac 5c:cf:7f:00:00:03 $DB; expect_rc 0; golden audit_mac_03.txt
run jobs $DB; expect_rc 0; golden audit_jobs.txt
run jobs $DB --json; expect_rc 0; golden audit_jobs.json
run jobs $DB --slot 2 --result failed --csv; expect_rc 0; golden audit_jobs_slot2_failed.csv
run backups $DB; expect_rc 0; golden audit_backups.txt
run backups $DB --csv --since 2024-05-02; expect_rc 0; golden audit_backups_since.csv
run summary $DB; expect_rc 0; golden audit_summary.txt
run summary $DB --since 2024-05-01T18:30 --json; expect_rc 0; golden audit_summary_since.json
run verify-vault $DB --all; expect_rc 0; golden audit_vault_all.txt

# ---- the JSON is JSON, the CSV is RFC 4180 --------------------------------
if command -v python3 >/dev/null 2>&1; then
	run jobs $DB --json
	python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); assert len(a) == 10 and a[0]["job_id"] == 9 and a[0]["cycle_ms"] == 4100 and a[0]["family"] == "esp8266", a[0]' \
		"$T/out" || fail "audit jobs --json is not the expected JSON"
	run jobs $DB --csv
	python3 -c 'import csv,sys; r=list(csv.reader(open(sys.argv[1], newline=""))); assert len(r) == 11 and r[0][0] == "job_id" and "family" in r[0] and all(len(x) == len(r[0]) for x in r), r' \
		"$T/out" || fail "audit jobs --csv is not rectangular CSV"
	# the family and the ciphertext mark, as JSON and as CSV columns
	run backups $DB --family esp32c3 --json
	python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); assert [(b["backup_id"], b["family"], b["ciphertext"]) for b in a] == [(6, "esp32c3", True)], a' \
		"$T/out" || fail "audit backups --family esp32c3 --json: $(cat "$T/out")"
	run backups $DB --family esp8266 --csv
	python3 -c 'import csv,sys; r=list(csv.DictReader(open(sys.argv[1], newline=""))); assert len(r) == 4 and {(x["family"], x["ciphertext"]) for x in r} == {("esp8266", "0")}, r' \
		"$T/out" || fail "audit backups --family esp8266 --csv: $(cat "$T/out")"
	run mac 58cf79000005 $DB --json
	python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); d=o["device"]; assert (d["family"], d["description"], d["revision"], d["security"]) == ("esp32c3", "ESP32-C3 (QFN32) (revision v0.4)", "v0.4", "flash_encryption") and o["backups"][0]["ciphertext"] is True, o' \
		"$T/out" || fail "audit mac --json of the ESP32-C3: $(cat "$T/out")"
	run mac 5ccf7f000001 $DB --json
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["device"]; assert (d["family"], d["security"]) == ("esp8266", ""), d' \
		"$T/out" || fail "audit mac --json of an ESP8285: $(cat "$T/out")"
	say "JSON and CSV parse"

	# the boot check: per job in JSON (null where none ran), after every older
	# column in CSV (positions kept), the newest check's log whole in JSON
	run jobs $DB --json
	python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); got={j["job_id"]: (j["boot_result"], j["boot_rst_cause"], j["boot_ms"]) for j in a}; want={j: ("", None, None) for j in range(1, 11)}; want.update({1: ("no-output", 2, 2150), 6: ("booted", 2, 1240), 10: ("bad-image", 2, 1510)}); assert got == want, got' \
		"$T/out" || fail "audit jobs --json: boot columns: $(cat "$T/out")"
	run jobs $DB --csv
	python3 -c 'import csv,sys; r=list(csv.reader(open(sys.argv[1], newline=""))); assert r[0][18:] == ["family", "boot_result", "boot_rst_cause", "boot_ms"] and r[0][14:16] == ["clean_proven", "backup_id"], r[0]; rows={x[0]: x[18:] for x in r[1:]}; assert rows["6"] == ["esp8266", "booted", "2", "1240"] and rows["10"] == ["esp8266", "bad-image", "2", "1510"] and rows["1"] == ["esp8266", "no-output", "2", "2150"] and rows["2"] == ["esp8266", "", "", ""], rows' \
		"$T/out" || fail "audit jobs --csv: boot columns: $(cat "$T/out")"
	run mac 5ccf7f000003 $DB --json
	python3 -c 'import json,sys; b=json.load(open(sys.argv[1]))["boot"]; assert (b["job_id"], b["result"], b["quiet_ok"], b["rst_cause"], b["boot_mode"], b["ms"]) == (10, "bad-image", False, 2, 3, 1510) and b["why"].startswith("the ROM found a checksum mismatch") and b["log"].endswith("csum err\n\x07\"ets_main.c\" \\xff\n"), b' \
		"$T/out" || fail "audit mac --json: the boot check of unit 03: $(cat "$T/out")"
	run mac 5ccf7f000002 $DB --json
	python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); assert o["boot"] is None and all(j["boot_result"] == "" for j in o["jobs"]), o' \
		"$T/out" || fail "audit mac --json of a unit never boot-checked: $(cat "$T/out")"
	say "boot check: per job, the newest in detail, JSON escaped"
fi

# ---- the boot check in the tables ---------------------------------------------
BEL=$(printf '\007')
for sub in "mac 5c:cf:7f:00:00:03" "jobs" "summary"; do
	run $sub $DB; expect_rc 0
	! grep -q "$BEL" "$T/out" || fail "audit $sub prints a raw control byte"
done
run mac 5c:cf:7f:00:00:03 $DB; expect_rc 0
grep -qx 'Boot check of job 10 (the newest with one, recorded 2024-05-01T23:00:10.000Z): bad-image in 1.51s, reset cause 2, boot mode 3, 1 ROM banner, 0 bytes from the firmware' "$T/out" ||
	fail "audit mac: no boot check line for unit 03: $(cat "$T/out")"
grep -qxF '  \x07"ets_main.c" \xff' "$T/out" || fail "audit mac: the log's control byte not shown as \\x07: $(cat "$T/out")"
run mac 5c:cf:7f:00:00:02 $DB; expect_rc 0
grep -qx 'Boot check: none recorded for this unit' "$T/out" || fail "audit mac of a unit never boot-checked: $(cat "$T/out")"
# unit 01: checked twice (a quiet firmware's no-output passed, then booted): the newest shown
run mac 5c:cf:7f:00:00:01 $DB; expect_rc 0
grep -q '^Boot check of job 6 (the newest with one, recorded 2024-05-02T17:00:12.750Z): booted in 1.24s, reset cause 2,' "$T/out" ||
	fail "audit mac: not the newest boot check of unit 01: $(cat "$T/out")"
grep -Eq '^1 .* passed  .*  no-output  +1  ' "$T/out" || fail "audit mac: the quiet pass of job 1: $(cat "$T/out")"
run jobs $DB --result failed; expect_rc 0
grep -Eq '^10 .*  -  +bad-image  +-  +-  +ESP_E_BOOT: ' "$T/out" || fail "audit jobs: BOOT of job 10: $(cat "$T/out")"
grep -Eq '^2 .*  -  +-  +-  +-  +ESP_E_NOSYNC: ' "$T/out" || fail "audit jobs: BOOT of a job without a check: $(cat "$T/out")"
grep -q 'RST\|boot_ms\|BOOT_MS' "$T/out" && fail "audit jobs: the table shows more than the boot result"
run summary $DB --csv; expect_rc 0
[ "$(grep '^boot,' "$T/out" | cut -d, -f1-7 | tr -d '\r' | tr '\n' ' ')" = "boot,bad-image,,1,0,1,0 boot,booted,,1,1,0,0 boot,no-output,,1,1,0,0 " ] ||
	fail "audit summary: boot rows: $(cat "$T/out")"
run summary $DB --since 2024-05-02 --csv; expect_rc 0
[ "$(grep -c '^boot,' "$T/out")" = 1 ] || fail "audit summary --since: boot rows: $(cat "$T/out")"
say "boot check: BOOT per job, the newest check of a unit with its log printable, counts per result"

# ---- the chip family --------------------------------------------------------
run jobs $DB --family esp32 --csv; expect_rc 0
[ "$(tail -n +2 "$T/out" | cut -d, -f1 | tr -d '\r' | tr '\n' ' ')" = "7 " ] || fail "--family esp32: $(cat "$T/out")"
run jobs $DB --family esp8266 --slot 1 --csv; expect_rc 0
[ "$(tail -n +2 "$T/out" | cut -d, -f1 | tr -d '\r' | tr '\n' ' ')" = "6 10 1 " ] || fail "--family esp8266 --slot 1: $(cat "$T/out")"
run jobs $DB --family esp32c3 --result failed --csv; expect_rc 0
[ "$(wc -l <"$T/out")" = 1 ] || fail "--family esp32c3 --result failed: $(cat "$T/out")"
run backups $DB --family esp32; expect_rc 0
grep -Eq '^5 .* 24:0a:c4:00:00:04  esp32 .* no  ' "$T/out" || fail "audit backups --family esp32: $(cat "$T/out")"
[ "$(wc -l <"$T/out")" = 2 ] || fail "audit backups --family esp32: $(cat "$T/out")"
run summary $DB --family esp32c3 --csv; expect_rc 0
[ "$(tail -n +2 "$T/out" | cut -d, -f1,2,4 | tr -d '\r' | tr '\n' ' ')" = "slot,2,1 adapter,1a86:7523 pci-0000:00:14.0-usb-0:1.2:1.0,1 family,esp32c3,1 " ] ||
	fail "audit summary --family esp32c3: $(cat "$T/out")"
for bad in esp3 ESP32 esp32-c3 ''; do
	run jobs $DB --family "$bad"; expect_rc 1
	expect_err "audit jobs: --family: chip family: (unknown value \"$bad\"|missing) \(known: esp32, esp32c3, esp8266\)"
	[ "$(wc -l <"$T/err")" = 1 ] || fail "--family '$bad': not one line: $(cat "$T/err")"
done
run backups $DB --family esp99 --csv; expect_rc 1; expect_err "audit backups: --family: .*known: esp32, esp32c3, esp8266"
run verify-vault $DB --family esp32; expect_rc 1; expect_err "--family does not apply"
run mac 58:cf:79:00:00:05 $DB --family esp32c3; expect_rc 1; expect_err "--family does not apply"
say "--family filters jobs, backups and summaries; a bad family is a usage error naming the known ones"

# ---- MAC spellings ----------------------------------------------------------
run mac 5c:cf:7f:00:00:01 $DB; cp "$T/out" "$T/canon"
for m in 5C:CF:7F:00:00:01 5c-cf-7f-00-00-01 5C-CF-7F-00-00-01 5ccf7f000001 5CCF7F000001 \
	5ccf.7f00.0001 ' 5c:cf:7f:00:00:01 '; do
	run mac "$m" $DB; expect_rc 0
	cmp -s "$T/out" "$T/canon" || fail "audit mac '$m' differs from the canonical spelling"
	run jobs --mac "$m" $DB --csv; expect_rc 0
	[ "$(grep -c '5c:cf:7f:00:00:01' "$T/out")" = 2 ] || fail "audit jobs --mac '$m': $(cat "$T/out")"
done
say "MAC spellings agree"
run mac 5c:cf-7f:00:00:01 $DB; expect_rc 1; expect_err "is not a MAC address"
run mac 5c:cf:7f:00:00:99 $DB; expect_rc 5; expect_err "no unit with MAC 5c:cf:7f:00:00:99"

# ---- filters and usage errors ------------------------------------------------
run jobs $DB --since 2024-05-02T17:30 --csv; expect_rc 0
[ "$(tail -n +2 "$T/out" | cut -d, -f1 | tr -d '\r' | tr '\n' ' ')" = "9 " ] || fail "--since: $(cat "$T/out")"
run jobs $DB --since 1h --csv; expect_rc 0
[ "$(wc -l <"$T/out")" = 1 ] || fail "--since 1h should leave only the header (the fixture is in 2024-05)"
run jobs $DB --slot '' --csv; expect_rc 0
[ "$(tail -n +2 "$T/out" | cut -d, -f1 | tr -d '\r')" = 9 ] || fail "--slot '': $(cat "$T/out")"
run jobs $DB --result passd; expect_rc 1; expect_err "--result"
run jobs $DB --since yesterday; expect_rc 1; expect_err "use a UTC date"
run summary $DB --slot 1; expect_rc 1; expect_err "--slot does not apply"
run mac 5ccf7f000001 $DB --csv; expect_rc 1; expect_err "audit jobs --mac M --csv"
run frobnicate $DB; expect_rc 1; expect_err "no sub-command 'frobnicate'"
run jobs --db "$T/nonexistent.db"; expect_rc 7; expect_err "no database at"
[ ! -e "$T/nonexistent.db" ] || fail "audit created a database"
run --help; expect_rc 0
for w in verify-vault --since --json --csv 'Exit status'; do
	grep -q -- "$w" "$T/out" || fail "audit --help does not mention $w"
done
"$ST" help restore >"$T/out" 2>&1 || fail "help restore"
for w in --force-clone --force-size --backup --mac 'own cloud'; do
	grep -q -- "$w" "$T/out" || fail "restore --help does not mention $w"
done
say "filters and usage errors"

# ---- verify-vault ------------------------------------------------------------
run verify-vault $DB; expect_rc 0
grep -q '^6 backup files checked: 6 intact, 0 missing, 0 altered' "$T/out" || fail "clean vault: $(cat "$T/out")"
rm "$T/backups/5ccf7f000002/job3.bin"
# same size, one byte changed: only the hash can tell
printf 'X' | dd of="$T/backups/5ccf7f000001/job1.bin" bs=1 seek=100 conv=notrunc 2>/dev/null
truncate -s 1000 "$T/backups/5ccf7f000002/job4.bin"
run verify-vault $DB; expect_rc 5; golden audit_vault_damaged.txt
run verify-vault $DB --json; expect_rc 5
grep -q '"status": "missing"' "$T/out" || fail "verify-vault --json: $(cat "$T/out")"
expect_err "6 backup files checked: 3 intact, 1 missing, 2 altered"
run mac 5ccf7f000001 $DB; expect_rc 0
grep -q 'altered: SHA-256' "$T/out" || fail "audit mac does not report the altered file"
run backups $DB --mac 5ccf7f000002 --csv; expect_rc 0
grep -q ',missing,' "$T/out" || fail "audit backups does not report the missing file"
say "verify-vault: a deleted and two altered files reported, exit 5"
say "ok"
