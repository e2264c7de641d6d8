#!/bin/sh
# Layer rules of hotplug/ that an include alone would not break the build for:
#  - libudev stays in hotplug/hotplug.c (a move to sd-device touches one file),
#    so no other product directory includes <libudev.h>;
#  - hotplug/ never prints (the station logs) and includes no header of
#    core/, db/ or station/;
#  - the udev rules directories are listed once, in hotplug/hotplug.h
#    (HP_RULES_DIRS_DEFAULT; callers pass NULL), so two lists cannot drift.
# Usage: check_hotplug_layers.sh SOURCE_DIR
set -u
src=$1
fail=0
bad() { echo "lint: $*"; fail=1; }

for f in "$src"/core/*.[ch] "$src"/db/*.[ch] "$src"/station/*.[ch] "$src"/station/*/*.[ch] "$src"/hotplug/*.[ch]; do
	[ -e "$f" ] || continue
	if [ "$f" != "$src/hotplug/hotplug.c" ] && grep -nE '#include[[:space:]]*<libudev\.h>' "$f"; then
		bad "$f: only hotplug/hotplug.c may include <libudev.h>"
	fi
	if [ "$f" != "$src/hotplug/hotplug.h" ] && grep -nE '"/[^"]*rules\.d' "$f"; then
		bad "$f: a udev rules directory listed outside hotplug/hotplug.h (pass NULL for HP_RULES_DIRS_DEFAULT)"
	fi
done
for f in "$src"/hotplug/*.[ch]; do
	if grep -nE '(^|[^a-z_])(printf|fprintf|puts|fputs|perror|syslog)[[:space:]]*\(' "$f"; then
		bad "$f: hotplug must not print (return codes and the warn callback)"
	fi
	if grep -nE '#include[[:space:]]*"([^"]*/)?(esp|xport|db|st_)[a-z0-9_]*\.h"' "$f"; then
		bad "$f: hotplug must not include core/, db/ or station/ headers"
	fi
done
[ $fail -eq 0 ] && echo "lint: hotplug layers ok"
exit $fail
