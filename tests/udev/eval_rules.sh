#!/bin/sh
# Evaluates the station's udev rules for each adapter it documents and checks
# the outcome, with a small awk interpreter of the subset the file uses:
# match keys ACTION, SUBSYSTEM, KERNEL, ENV{} (== and !=, globs with * ? [...]
# and | alternatives), and assignments TAG, ENV{}, GROUP, MODE, GOTO, LABEL.
# Any other key fails the test (teach the interpreter first), so a rules file
# that outgrows it cannot pass unchecked.
#  - every adapter (VID:PID below, and each in station.cfg.example) added as
#    a ttyUSB0 (and the CH9102 also as ttyACM0) is tagged espstation, has
#    ID_MM_DEVICE_IGNORE=1, group dialout, mode 0660;
#  - an unrelated device (Arduino 2341:0043), a remove event, a non-tty and
#    a ttyS port are left alone;
#  - the commented slot-map examples, once uncommented, pass the lint and set
#    ESPSTATION_SLOT by ID_PATH.
# Usage: eval_rules.sh RULES_FILE [STATION_CFG_EXAMPLE]
set -u
rules=$1
cfg=${2:-}
here=$(dirname "$0")
fail=0
tmpdir=$(mktemp -d "${TMPDIR:-/tmp}/st-udev-eval.XXXXXX") || exit 1
trap 'rm -rf "$tmpdir"' EXIT
trap 'exit 1' INT TERM
# same name, so the lint's file-order check applies to the copy too
tmp=$tmpdir/${rules##*/}

# udev_eval RULES "KEY=value ..." -> one line: tags=... group=... mode=... mm=... slot=...
udev_eval() {
	LC_ALL=C awk -v props="$2" '
	function die(msg) { printf "eval_rules: %s:%d: %s\n", FILENAME, FNR, msg; failed = 1; exit 2 }
	function glob_re(p,    r, i, c, n) {
		r = ""
		n = length(p)
		for (i = 1; i <= n; i++) {
			c = substr(p, i, 1)
			if (c == "*") r = r ".*"
			else if (c == "?") r = r "."
			else if (c == "[") {
				r = r "["
				if (substr(p, i + 1, 1) == "!") { r = r "^"; i++ }
				while (++i <= n && substr(p, i, 1) != "]") r = r substr(p, i, 1)
				r = r "]"
			} else if (c ~ /[A-Za-z0-9]/) r = r c
			else if (c == "^" || c == "\\" || c == "]") die("pattern character " c " not supported")
			else r = r "[" c "]"
		}
		return "^" r "$"
	}
	function glob_match(s, pat,    alt, k, n) {
		n = split(pat, alt, "|")
		if (n == 0) return s == ""
		for (k = 1; k <= n; k++) if (s ~ glob_re(alt[k])) return 1
		return 0
	}
	BEGIN {
		n = split(props, kv, " ")
		for (i = 1; i <= n; i++) {
			eq = index(kv[i], "=")
			dev[substr(kv[i], 1, eq - 1)] = substr(kv[i], eq + 1)
		}
		group = "root"; mode = "0600"; skipto = ""
	}
	{
		line = $0
		sub(/^[ \t]+/, "", line)
		if (line == "" || line ~ /^#/) next
		ntok = 0
		while (line != "") {
			if (!match(line, /^[A-Z_]+(\{[^}]*\})?(==|!=|\+=|-=|:=|=)"[^"]*"/)) die("cannot parse: " line)
			tok[++ntok] = substr(line, 1, RLENGTH)
			line = substr(line, RLENGTH + 1)
			sub(/^,[ \t]*/, "", line)
		}
		if (skipto != "") {
			if (tok[1] == "LABEL=\"" skipto "\"") skipto = ""
			next
		}
		# match keys first (udev checks all matches before any assignment)
		for (t = 1; t <= ntok; t++) {
			match(tok[t], /^[A-Z_]+/); key = substr(tok[t], 1, RLENGTH); r = substr(tok[t], RLENGTH + 1)
			attr = ""
			if (r ~ /^\{/) { attr = substr(r, 2, index(r, "}") - 2); r = substr(r, index(r, "}") + 1) }
			match(r, /^(==|!=|\+=|-=|:=|=)/); op = substr(r, 1, RLENGTH)
			val = substr(r, RLENGTH + 2, length(r) - RLENGTH - 2)
			K[t] = key; A[t] = attr; O[t] = op; V[t] = val
			if (op != "==" && op != "!=") continue
			if (key == "ACTION" || key == "SUBSYSTEM" || key == "KERNEL") s = dev[key]
			else if (key == "ENV") s = dev[attr]
			else die("match key " key " not supported by this interpreter")
			m = glob_match(s, val)
			if ((op == "==") != m) next
		}
		for (t = 1; t <= ntok; t++) {
			key = K[t]; op = O[t]; val = V[t]
			if (op == "==" || op == "!=") continue
			if (key == "TAG" && op == "+=") tags[val] = 1
			else if (key == "ENV" && op == "=") dev[A[t]] = val
			else if (key == "GROUP" && op == "=") group = val
			else if (key == "MODE" && op == "=") mode = val
			else if (key == "GOTO" && op == "=") skipto = val
			else if (key == "LABEL") ;
			else die("assignment " key op " not supported by this interpreter")
		}
	}
	END {
		if (failed) exit 2
		if (skipto != "") { printf "eval_rules: GOTO \"%s\" never found its LABEL\n", skipto; exit 2 }
		tl = ""
		for (x in tags) tl = tl (tl == "" ? "" : ",") x
		printf "tags=%s group=%s mode=%s mm=%s slot=%s\n", tl, group, mode, dev["ID_MM_DEVICE_IGNORE"], dev["ESPSTATION_SLOT"]
	}' "$1"
}

# expect RULES "props" "expected line" what
expect() {
	got=$(udev_eval "$1" "$2") || { echo "FAIL: $4: the interpreter stopped: $got"; fail=1; return; }
	if [ "$got" = "$3" ]; then
		echo "ok: $4: $got"
	else
		echo "FAIL: $4"
		echo "    device:   $2"
		echo "    got:      $got"
		echo "    expected: $3"
		fail=1
	fi
}

tagged="tags=espstation group=dialout mode=0660 mm=1 slot="
untouched="tags= group=root mode=0600 mm= slot="
add_tty() { echo "ACTION=add SUBSYSTEM=tty KERNEL=$1 ID_VENDOR_ID=$2 ID_MODEL_ID=$3"; }

adapters="10c4:ea60 1a86:7523 1a86:55d4 0403:6001 0403:6015 067b:2303"
if [ -n "$cfg" ]; then
	[ -r "$cfg" ] || { echo "eval_rules: cannot read $cfg"; exit 1; }
	# adapters = ( { vid = 0x10c4; pid = 0xea60; ... }, ... )
	adapters="$adapters $(sed -n 's/.*vid *= *0x\([0-9a-fA-F]*\); *pid *= *0x\([0-9a-fA-F]*\);.*/\1:\2/p' "$cfg" | tr 'A-F' 'a-f')"
fi
for vp in $adapters; do
	expect "$rules" "$(add_tty ttyUSB0 "${vp%:*}" "${vp#*:}")" "$tagged" "adapter $vp as ttyUSB0"
done
expect "$rules" "$(add_tty ttyACM0 1a86 55d4)" "$tagged" "CH9102 1a86:55d4 as ttyACM0"
expect "$rules" "ACTION=change SUBSYSTEM=tty KERNEL=ttyUSB3 ID_VENDOR_ID=10c4 ID_MODEL_ID=ea60" "$tagged" "change event (udevadm trigger)"

expect "$rules" "$(add_tty ttyACM0 2341 0043)" "$untouched" "Arduino Uno 2341:0043 is not ours"
expect "$rules" "$(add_tty ttyUSB0 10c4 ea61)" "$untouched" "10c4:ea61 (other PID, same vendor) is not ours"
expect "$rules" "ACTION=remove SUBSYSTEM=tty KERNEL=ttyUSB0 ID_VENDOR_ID=10c4 ID_MODEL_ID=ea60" "$untouched" "remove event"
expect "$rules" "ACTION=add SUBSYSTEM=usb KERNEL=1-1.1 ID_VENDOR_ID=10c4 ID_MODEL_ID=ea60" "$untouched" "the USB device itself (not the tty)"
expect "$rules" "$(add_tty ttyS0 10c4 ea60)" "$untouched" "a ttyS port"

# The slot-map examples are commented out; enabled, they must lint and work.
sed 's/^#\(ENV{ID_PATH}==\)/\1/' "$rules" >"$tmp"
if grep -q '^ENV{ID_PATH}==.*ESPSTATION_SLOT' "$tmp"; then
	sh "$here/check_rules.sh" "$tmp" >/dev/null || { echo "FAIL: the slot-map examples, uncommented, do not lint:"; sh "$here/check_rules.sh" "$tmp"; fail=1; }
	path=$(sed -n 's/^ENV{ID_PATH}=="\([^"]*\)", *ENV{ESPSTATION_SLOT}="\([^"]*\)".*/\1 \2/p' "$tmp" | head -n 1)
	expect "$tmp" "$(add_tty ttyUSB0 1a86 7523) ID_PATH=${path% *}" "tags=espstation group=dialout mode=0660 mm=1 slot=${path#* }" "slot example, enabled"
	expect "$tmp" "$(add_tty ttyUSB0 1a86 7523) ID_PATH=pci-0000:00:14.0-usb-0:9.9:1.0" "$tagged" "unmapped port, slot examples enabled"
	expect "$tmp" "$(add_tty ttyUSB0 2341 0043) ID_PATH=${path% *}" "$untouched" "slot example does not tag a foreign device"
else
	echo "FAIL: no commented slot-map example (#ENV{ID_PATH}==..., ENV{ESPSTATION_SLOT}=...)"
	fail=1
fi

[ $fail -eq 0 ] && echo "eval_rules: all cases ok"
exit $fail
