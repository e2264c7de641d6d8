#!/bin/sh
# Layer rules of hotplug/ that an include alone would not break the build for:
#  - libudev stays in hotplug/hotplug.c (a move to sd-device touches one file),
#    so no other product directory includes <libudev.h>;
#  - hotplug/ never prints (the station logs) and includes no header of
#    core/, db/ or station/.
# Usage: check_hotplug_layers.sh SOURCE_DIR
set -u
src=$1
fail=0
bad() { echo "lint: $*"; fail=1; }

for f in "$src"/core/*.[ch] "$src"/db/*.[ch] "$src"/station/*.[ch] "$src"/station/*/*.[ch] "$src"/hotplug/*.[ch]; do
	[ -e "$f" ] || continue
	[ "$f" = "$src/hotplug/hotplug.c" ] && continue
	if grep -nE '#include[[:space:]]*<libudev\.h>' "$f"; then
		bad "$f: only hotplug/hotplug.c may include <libudev.h>"
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
