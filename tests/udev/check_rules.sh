#!/bin/sh
# Lint for a udev rules file, in POSIX sh + awk (a fresh Debian may lack Python):
#  - every rule is a comma-separated list of KEY[{attr}]OP"value" with a known
#    key and an operator that key takes (match: == !=; assign: = += -= :=);
#  - no end-of-line comments (udev has none: the "#" would be a syntax error);
#  - every GOTO has a LABEL further down (udev only jumps forward);
#  - no MODE more permissive than 0660 (never world access, never execute);
#  - the file name sorts after 60-serial.rules (ID_PATH, ID_VENDOR_ID) and
#    before 80-mm-candidate.rules (ModemManager reads ID_MM_DEVICE_IGNORE).
# Then `udevadm verify` if this udevadm has it (systemd >= 254).
# Usage: check_rules.sh RULES_FILE
set -u
f=$1
[ -r "$f" ] || { echo "check_rules: cannot read $f"; exit 1; }
fail=0

name=${f##*/}
if ! LC_ALL=C awk -v n="$name" 'BEGIN { exit !(n ~ /\.rules$/ && "60-serial.rules" < n && n < "80-mm-candidate.rules") }'; then
	echo "check_rules: $name must end in .rules and sort after 60-serial.rules, before 80-mm-candidate.rules"
	fail=1
fi

LC_ALL=C awk -v file="$f" '
function err(msg) { printf "%s:%d: %s\n", file, start, msg; bad = 1 }
BEGIN {
	split("ACTION DEVPATH KERNEL KERNELS SUBSYSTEM SUBSYSTEMS DRIVER DRIVERS ATTRS TAGS TEST PROGRAM RESULT CONST", a, " ")
	for (i in a) kind[a[i]] = "match"
	split("OWNER GROUP MODE LABEL GOTO IMPORT RUN OPTIONS SECLABEL", a, " ")
	for (i in a) kind[a[i]] = "assign"
	split("ENV ATTR SYSCTL NAME SYMLINK TAG", a, " ")
	for (i in a) kind[a[i]] = "both"
	split("ATTR ATTRS ENV SYSCTL CONST SECLABEL", a, " ")
	for (i in a) needattr[a[i]] = 1
	split("TAG SYMLINK RUN OPTIONS", a, " ")
	for (i in a) listkey[a[i]] = 1
	nline = 0
}
{
	line = $0
	if (cont == "") start = NR
	if (line ~ /\\$/) { cont = cont substr(line, 1, length(line) - 1); next }
	line = cont line
	cont = ""
	sub(/^[ \t]+/, "", line)
	sub(/[ \t\r]+$/, "", line)
	if (line == "" || line ~ /^#/) next
	rest = line
	ntok = 0
	while (rest != "") {
		if (!match(rest, /^[A-Z_]+(\{[^}]*\})?(==|!=|\+=|-=|:=|=)"[^"]*"/)) {
			if (rest ~ /^#/)
				err("end-of-line comment (udev has none; put it on a line of its own)")
			else
				err("not KEY[{attr}]OP\"value\": " rest)
			break
		}
		tok = substr(rest, 1, RLENGTH)
		rest = substr(rest, RLENGTH + 1)
		ntok++
		match(tok, /^[A-Z_]+/)
		key = substr(tok, 1, RLENGTH)
		t = substr(tok, RLENGTH + 1)
		attr = ""
		if (t ~ /^\{/) { attr = substr(t, 2, index(t, "}") - 2); t = substr(t, index(t, "}") + 1) }
		match(t, /^(==|!=|\+=|-=|:=|=)/)
		op = substr(t, 1, RLENGTH)
		val = substr(t, RLENGTH + 2, length(t) - RLENGTH - 2)
		if (!(key in kind)) err("unknown key " key)
		if ((key in needattr) && attr == "") err(key " needs {attribute}")
		if (kind[key] == "match" && op != "==" && op != "!=") err(key " is a match key: use == or !=, not " op)
		if (kind[key] == "assign" && (op == "==" || op == "!=")) err(key " is an assignment: use =, not " op)
		if ((op == "+=" || op == "-=") && !(key in listkey)) err(key " takes no " op " (only TAG, SYMLINK, RUN, OPTIONS do)")
		if ((key == "LABEL" || key == "GOTO") && op != "=") err(key " takes =")
		if (key == "GOTO") { gotos[++ngoto] = val; gotoline[ngoto] = start }
		if (key == "LABEL") { if (val in label) err("LABEL " val " defined twice"); label[val] = start }
		if (key == "MODE" && op != "==" && op != "!=") {
			if (val !~ /^0?[0-7][0-7][0-7]$/)
				err("MODE \"" val "\" is not an octal mode")
			else {
				m = val; if (length(m) == 4) m = substr(m, 2)
				u = substr(m, 1, 1) + 0; g = substr(m, 2, 1) + 0; o = substr(m, 3, 1) + 0
				if (u % 2 || g % 2 || o != 0)
					err("MODE \"" val "\" is more permissive than 0660")
			}
		}
		if (rest == "") break
		if (!match(rest, /^,[ \t]*/) || RLENGTH == length(rest)) {
			if (rest ~ /^[ \t]*#/) err("end-of-line comment (udev has none; put it on a line of its own)")
			else err("expected \", KEY...\" after " tok ": " rest)
			break
		}
		rest = substr(rest, RLENGTH + 1)
	}
	nrules++
}
END {
	for (i = 1; i <= ngoto; i++) {
		start = gotoline[i]
		if (!(gotos[i] in label)) err("GOTO \"" gotos[i] "\" has no LABEL")
		else if (label[gotos[i]] < gotoline[i]) err("GOTO \"" gotos[i] "\" jumps backwards (udev only jumps forward)")
	}
	if (!nrules) { start = 0; err("no rules") }
	exit bad
}' "$f" || fail=1

if command -v udevadm >/dev/null 2>&1 && udevadm verify --help >/dev/null 2>&1; then
	udevadm verify --resolve-names=never "$f" || fail=1
else
	echo "check_rules: no 'udevadm verify' here (systemd < 254 or no udev): awk checks only"
fi
[ $fail -eq 0 ] && echo "check_rules: $name ok"
exit $fail
