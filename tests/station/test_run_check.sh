#!/bin/sh
# SPDX-License-Identifier: MIT
# `espstation run --check` and the path checks of every start, against config
# files written here: a good station passes and nothing is created; each bad
# setting (typo in a group, empty or unusable backup_dir, database, image,
# LED, stub) is one FAIL line naming the setting, the path and the fix, and
# a real `run` refuses it before it watches any port.  No device, no umockdev.
# Usage: test_run_check.sh ESPSTATION MKIMAGE
set -u
ST=$1
MKIMAGE=$2
CASE=station_config_check
T=$(mktemp -d "${TMPDIR:-/tmp}/espstation-check.XXXXXX") || exit 1
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT

say() { printf '[%s] %s\n' "$CASE" "$*"; }
fail() {
	printf 'FAIL [%s]: %s\n' "$CASE" "$*"
	for f in "$T/out" "$T/err"; do
		[ -s "$f" ] && { echo "--- ${f#"$T"/}"; cat "$f"; }
	done
	exit 1
}

# cfg EXTRA...: a refurbish station under $T/data, plus the lines given
# (a later line may not repeat a setting: libconfig refuses duplicates)
cfg() {
	{
		echo 'station = "check-test";'
		echo 'mode = "refurbish";'
		echo 'settle_ms = 0;'
		for l in "$@"; do echo "$l"; done
	} >"$T/station.cfg"
}
good_paths() {
	echo "database = \"$T/data/station.db\";"
	echo "backup_dir = \"$T/data/backups\";"
	echo "image = { file = \"$T/fw.bin\"; flash_mode = \"dout\"; };"
}

# check EXPECTED_RC [ARGS...]: run --check --config $T/station.cfg.  Where
# udev cannot be watched (some containers), the adapters check fails too:
# then an expected 0 is a 1 whose only FAIL is that one.
check() {
	want=$1
	shift
	"$ST" run --check --config "$T/station.cfg" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$want" = 0 ] && [ "$rc" = 1 ] && [ -n "${NOUDEV:-}" ] &&
		[ "$(grep '^FAIL' "$T/out" | grep -vc '^FAIL adapters: cannot watch udev')" = 0 ]; then
		rc=0
	fi
	[ "$rc" = "$want" ] || fail "run --check $*: exit $rc, expected $want"
}
has() { grep -qE -- "$1" "$T/out" || fail "run --check output lacks /$1/"; }
hasnt() { ! grep -qE -- "$1" "$T/out" || fail "run --check output has /$1/"; }
# A start with the current config must refuse at once with one line on stderr.
start_refused() {
	want=$1
	shift
	timeout 20 "$ST" run --config "$T/station.cfg" --plain "$@" >"$T/out" 2>"$T/err"
	rc=$?
	[ "$rc" = "$want" ] || fail "run $*: exit $rc, expected $want (124: it started)"
	[ "$(wc -l <"$T/err")" = 1 ] || fail "run $*: not one line on stderr"
	for w in $RUN_WORDS; do
		grep -qF -- "$w" "$T/err" || fail "run $*: the error does not mention '$w'"
	done
	[ ! -e "$T/data/station.db" ] || fail "run $*: created the database before refusing"
}

"$MKIMAGE" image "$T/fw.bin" 20000 1 || fail "mkimage"
# an esptool-format stub: all it must do here is load
printf '{"entry": 1074843652, "text": "AAAAAA==", "text_start": 1074843648,\n "data": "AAAA", "data_start": 1073720488}\n' >"$T/stub.json"
printf '{"entry": 1, "text": "!!"}\n' >"$T/bad-stub.json"

# ---- a station that would run: exit 0, one ok line per check, nothing made
cfg "$(good_paths)" "stub = \"$T/stub.json\";"
"$ST" run --check --config "$T/station.cfg" >"$T/out" 2>&1
if grep -q '^FAIL adapters: cannot watch udev' "$T/out"; then
	NOUDEV=1
	say "udev cannot be watched here: the adapters check is expected to fail"
fi
check 0
for s in config backup_dir database image led_root stub adapters; do
	[ "$s" = adapters ] && [ -n "${NOUDEV:-}" ] && continue
	has "^ok $s( |:)"
done
has "^ok config $T/station.cfg: station check-test, mode refurbish"
has "^ok backup_dir $T/data/backups: will be created"
has "^ok stub $T/stub.json: loads"
has "^ok image $T/fw.bin: .*ESP8266 image"
has "^the station would run$"
hasnt "^FAIL"
[ ! -e "$T/data" ] || fail "run --check created $T/data"
[ -z "$(find "$T" -name '.espstation-check-*')" ] || fail "run --check left a probe file"
say "good station: $(grep -c '^ok' "$T/out") ok lines, exit 0"

# ---- task 1: a typo inside a group is a FAIL config line with file:line
cfg "$(good_paths | sed 's/flash_mode/flash_mod/')"
check 1
has "^FAIL config: $T/station.cfg:[0-9]+: unknown setting 'flash_mod' in image.*did you mean 'flash_mode'\\?"
RUN_WORDS="flash_mod flash_mode station.cfg:" start_refused 1
cfg "$(good_paths)" "baud = { stubb = 460800; };"
check 1
has "^FAIL config: .*unknown setting 'stubb' in baud.*did you mean 'stub'\\?"
cfg "$(good_paths)" 'adapters = ( { vid = 0x1a86; pid = 0x7523; kidn = "ch340"; } );'
check 1
has "^FAIL config: .*unknown setting 'kidn' in an adapter.*did you mean 'kind'\\?"
say "typos in groups: refused with the nearest name"

# ---- task 2: backup_dir
cfg "database = \"$T/data/station.db\";" 'backup_dir = "";' "image = \"$T/fw.bin\";"
check 1
has '^FAIL backup_dir "": is empty, so backups would go to /<mac>/ \(fix: '
RUN_WORDS='backup_dir empty fix:' start_refused 7
: >"$T/afile"
cfg "database = \"$T/data/station.db\";" "backup_dir = \"$T/afile\";" "image = \"$T/fw.bin\";"
check 1
has "^FAIL backup_dir $T/afile: exists but is not a directory \\(fix: "
RUN_WORDS="backup_dir $T/afile fix:" start_refused 7
cfg "database = \"$T/data/station.db\";" "backup_dir = \"$T/afile/backups\";" "image = \"$T/fw.bin\";"
check 1
has "^FAIL backup_dir $T/afile/backups: .*\\(fix: "
# not writable: /proc takes no files even from root; mode 0500 stops others
cfg "database = \"$T/data/station.db\";" 'backup_dir = "/proc/sys";' "image = \"$T/fw.bin\";"
check 1
has "^FAIL backup_dir /proc/sys: cannot create a file in it: .*\\(fix: "
RUN_WORDS='backup_dir /proc/sys fix:' start_refused 7
if [ "$(id -u)" != 0 ]; then
	mkdir -p "$T/ro" && chmod 0500 "$T/ro"
	cfg "database = \"$T/data/station.db\";" "backup_dir = \"$T/ro\";" "image = \"$T/fw.bin\";"
	check 1
	has "^FAIL backup_dir $T/ro: cannot create a file in it: Permission denied"
	chmod 0700 "$T/ro"
fi
mkdir -p "$T/vault"
cfg "database = \"$T/data/station.db\";" "backup_dir = \"$T/vault\";" "image = \"$T/fw.bin\";"
check 0
has "^ok backup_dir $T/vault: a writable directory"
say "backup_dir: empty, a file, under a file, not writable: refused at start-up"

# ---- task 2: database
mkdir -p "$T/dbdir"
cfg "database = \"$T/dbdir\";" "backup_dir = \"$T/vault\";" "image = \"$T/fw.bin\";"
check 1
has "^FAIL database $T/dbdir: is not a regular file \\(fix: "
cfg "database = \"$T/afile/station.db\";" "backup_dir = \"$T/vault\";" "image = \"$T/fw.bin\";"
check 1
has "^FAIL database $T/afile/station.db: directory $T/afile exists but is not a directory"
RUN_WORDS="database $T/afile/station.db fix:" start_refused 7
head -c 4096 /dev/urandom >"$T/foreign.db"
cp "$T/foreign.db" "$T/foreign.orig"
cfg "database = \"$T/foreign.db\";" "backup_dir = \"$T/vault\";" "image = \"$T/fw.bin\";"
check 1
has "^FAIL database $T/foreign.db: cannot be opened: "
cmp -s "$T/foreign.db" "$T/foreign.orig" || fail "run --check changed a foreign database"
say "database: a directory, under a file, a foreign file: refused"
# the station's own database (made by a real start) opens, read-only
if [ -z "${NOUDEV:-}" ]; then
	cfg "database = \"$T/own.db\";" "backup_dir = \"$T/vault\";" "image = \"$T/fw.bin\";"
	mkfifo "$T/ready"
	"$ST" run --config "$T/station.cfg" --plain --ready-fd 3 3>"$T/ready" >"$T/run.log" 2>&1 &
	pid=$!
	got=$(timeout 30 head -c 1 "$T/ready")
	kill -TERM $pid 2>/dev/null
	wait $pid
	[ "$got" = R ] || { cat "$T/run.log"; fail "the station did not start to make a database"; }
	sum=$(cksum <"$T/own.db")
	check 0
	has "^ok database $T/own.db: exists, writable; .*; schema v[1-9]"
	# (a WAL reader may leave an empty -wal and an -shm beside it: not data)
	[ "$(cksum <"$T/own.db")" = "$sum" ] && [ ! -s "$T/own.db-wal" ] ||
		fail "run --check wrote to the database"
	say "database: the station's own opens, unchanged"
fi

# ---- task 2: image
cfg "database = \"$T/data/station.db\";" "backup_dir = \"$T/vault\";" "image = \"$T/missing.bin\";"
check 1
has "^FAIL image $T/missing.bin: cannot be read: No such file or directory \\(fix: "
RUN_WORDS="image $T/missing.bin fix:" start_refused 7
"$MKIMAGE" image "$T/bad.bin" 20000 2 && printf '\351\017' | dd of="$T/bad.bin" bs=1 conv=notrunc 2>/dev/null
cfg "database = \"$T/data/station.db\";" "backup_dir = \"$T/vault\";" "image = \"$T/bad.bin\";"
check 1
has "^FAIL image $T/bad.bin: refused: "
cfg "database = \"$T/data/station.db\";" "backup_dir = \"$T/vault\";" 'mode = "backup";'
sed -i '/^mode = "refurbish";$/d' "$T/station.cfg"
check 0
has "^ok image: not used in backup mode"
say "image: missing and corrupt refused; not needed in backup mode"

# ---- task 2: LEDs under led_root
slot="slots = ( { id_path = \"p1\"; name = \"1\"; led = \"st:1\"; } );"
cfg "$(good_paths)" "led_root = \"$T/leds\";" "$slot"
check 1
has "^FAIL led_root $T/leds: No such file or directory, but 1 slot\\(s\\) have an LED \\(fix: "
mkdir -p "$T/leds/st:1"
check 1
has "^FAIL led_root $T/leds/st:1/brightness: LED 'st:1' of slot 1 cannot be written"
: >"$T/leds/st:1/brightness"
check 0
has "^ok led_root $T/leds: 1 slot LED\\(s\\) writable"
say "led_root: missing root and missing LED refused"

# ---- task 3: stub from the file and from --stub (which wins)
cfg "$(good_paths)" "stub = \"$T/bad-stub.json\";"
check 1
has "^FAIL stub $T/bad-stub.json: does not load: .*\\(fix: "
RUN_WORDS="stub $T/bad-stub.json" start_refused 1
check 0 --stub "$T/stub.json"
has "^ok stub $T/stub.json: loads"
cfg "$(good_paths)"
check 1 --stub "$T/missing.json"
has "^FAIL stub $T/missing.json: does not load"
RUN_WORDS="stub $T/missing.json" start_refused 1 --stub "$T/missing.json"
check 0
has "^ok stub: the built-in esp-flasher-stub"
say "stub: the file's and --stub's are loaded at start-up; --stub overrides"

# ---- a config that does not load at all, and no config
printf 'mode = "refurbsh";\n' >"$T/station.cfg"
check 1
has "^FAIL config: $T/station.cfg:1: unknown mode 'refurbsh'"
(cd "$T" && "$ST" run --check >"$T/out" 2>"$T/err") || fail "run --check without a config: exit $?"
has "^ok config: none given: built-in defaults, mode backup"
[ ! -e "$T/espstation-data" ] || fail "run --check without a config created espstation-data"
say "all checks passed"
