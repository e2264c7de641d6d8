#!/bin/sh
# SPDX-License-Identifier: MIT
# The man pages against what the program and the config loader really take:
#  - every option a `espstation [CMD] --help` prints (its option lines and its
#    Usage lines) appears in espstation(1); a short option appears on one line
#    with its long form ("-o, --output");
#  - every setting in station/station.cfg.example and every name the config
#    loader accepts (the *_known[] tables of station/common/st_config.c) is
#    an item (.TP tag) of espstation.cfg(5);
#  - both pages render without groff warnings (skipped without groff);
#  - `cmake --install` puts them into share/man/man1 and man5 (when a build
#    directory is given).
#
# usage: man_test.sh ESPSTATION SOURCE_DIR [BUILD_DIR CMAKE]
# Exit status: 0 pass, 1 fail.
set -u

ST=$1
SRC=$2
BUILD=${3:-}
CMAKE=${4:-cmake}
MAN1=$SRC/station/doc/espstation.1
MAN5=$SRC/station/doc/espstation.cfg.5

T=$(mktemp -d "${TMPDIR:-/tmp}/espstation-man.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT

failed=0
bad() {
	printf 'FAIL [man]: %s\n' "$*"
	failed=1
}

for f in "$MAN1" "$MAN5"; do
	[ -r "$f" ] || { bad "no man page $f"; exit 1; }
done

# troff source -> the text a reader sees, one source line per line
plain() {
	sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\f(..//g' -e 's/\\&//g' \
		-e 's/\\(dq/"/g' -e "s/\\\\(aq/'/g" "$1"
}
plain "$MAN1" >"$T/man1.txt"
plain "$MAN5" >"$T/man5.txt"

# ---- espstation(1) against every --help ------------------------------------

"$ST" --help >"$T/help.main" 2>"$T/err" || bad "espstation --help failed: $(cat "$T/err")"
cmds=$(sed -nE 's/^  ([a-z][a-z-]*)  .*/\1/p' "$T/help.main")
[ -n "$cmds" ] || bad "found no commands in espstation --help"
items() {
	awk '/^\.TP/ { getline; print }' "$1" | sed -E 's/^\.[A-Z]+ +//; s/\\-/-/g; s/\\f[BIRP]//g' |
		awk '{ print $1 }' | tr -d '"' | sort -u
}
items "$MAN1" >"$T/items1"
for c in $cmds; do
	"$ST" "$c" --help >"$T/help.$c" 2>"$T/err" || bad "espstation $c --help failed: $(cat "$T/err")"
	grep -qx -- "$c" "$T/items1" || bad "espstation.1 has no item for the command $c"
done

: >"$T/pairs"
: >"$T/opts"
for f in "$T"/help.*; do
	# option lines: "  -o, --output FILE  text" and "      --force  text"
	sed -nE 's/^ +(-[a-zA-Z]), +(--[a-z][a-z0-9-]*)([ =].*)?$/\1 \2/p' "$f" >>"$T/pairs"
	sed -nE 's/^ +(-[a-zA-Z], +)?(--[a-z][a-z0-9-]*)([ =[].*)?$/\2/p' "$f" >>"$T/opts"
	# the Usage block: from "Usage:" to the first empty line
	awk '/^Usage:/ { u = 1 } u && /^$/ { u = 0 } u' "$f" |
		grep -oE -- '(^|[][ |])--?[a-zA-Z][a-zA-Z0-9-]*' | sed -E 's/^[][ |]//' >>"$T/opts"
done
n=0
for o in $(sort -u "$T/opts"); do
	n=$((n + 1))
	grep -qE -- "(^|[^a-zA-Z0-9-])$o([^a-zA-Z0-9-]|\$)" "$T/man1.txt" ||
		bad "option $o (printed by --help) is missing from espstation.1"
done
[ $n -ge 20 ] || bad "found only $n options in the --help pages (the extraction is broken)"
sort -u "$T/pairs" | while read -r short long; do
	grep -E -- "(^|[^a-zA-Z0-9-])$short([^a-zA-Z0-9-]|\$)" "$T/man1.txt" |
		grep -qE -- "(^|[^a-zA-Z0-9-])$long([^a-zA-Z0-9-]|\$)" ||
		{ echo "$short $long" >>"$T/badpairs"; }
done
if [ -s "$T/badpairs" ]; then
	while read -r short long; do
		bad "espstation.1 has no line naming both $short and $long"
	done <"$T/badpairs"
fi

# ---- espstation.cfg(5) against the example and the loader ------------------

# the items of the page: the first word of the line after each .TP
items "$MAN5" >"$T/items"

sed 's/#.*//' "$SRC/station/station.cfg.example" |
	grep -oE '[a-z_][a-z0-9_]*[[:space:]]*=' | sed -E 's/[[:space:]]*=$//' | sort -u >"$T/settings.example"
[ -s "$T/settings.example" ] || bad "found no settings in station/station.cfg.example"

awk '/_known\[\][[:space:]]*=/ { k = 1 } k { print } k && /;/ { k = 0 }' \
	"$SRC/station/common/st_config.c" | grep -oE '"[a-z_][a-z0-9_]*"' | tr -d '"' |
	sort -u >"$T/settings.loader"
[ "$(wc -l <"$T/settings.loader")" -ge 10 ] ||
	bad "found no *_known[] setting tables in station/common/st_config.c (update this test)"

for s in $(sort -u "$T/settings.example" "$T/settings.loader"); do
	grep -qx -- "$s" "$T/items" || bad "setting '$s' is not an item of espstation.cfg.5"
done

# ---- rendering -------------------------------------------------------------

if command -v groff >/dev/null 2>&1; then
	for f in "$MAN1" "$MAN5"; do
		groff -man -Tutf8 -ww -z "$f" >"$T/groff.err" 2>&1
		[ ! -s "$T/groff.err" ] || bad "groff warns about $f: $(head -n 5 "$T/groff.err")"
	done
else
	printf '[man] groff not installed: rendering not checked\n'
fi

# ---- installation ----------------------------------------------------------

if [ -n "$BUILD" ]; then
	if "$CMAKE" --install "$BUILD" --prefix "$T/inst" >"$T/install.log" 2>&1; then
		for p in share/man/man1/espstation.1 share/man/man5/espstation.cfg.5; do
			[ -f "$T/inst/$p" ] || bad "cmake --install did not install $p"
		done
		cmp -s "$T/inst/share/man/man1/espstation.1" "$MAN1" || bad "installed espstation.1 differs"
	else
		bad "cmake --install failed: $(tail -n 5 "$T/install.log")"
	fi
fi

[ $failed -eq 0 ] || exit 1
printf '[man] ok: %s options, %s settings\n' "$n" "$(sort -u "$T/settings.example" "$T/settings.loader" | wc -l)"
exit 0
