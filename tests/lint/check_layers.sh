#!/bin/sh
# Layer rules that an include alone would not break the build for:
#  - core/ never prints and never includes libudev, SQLite, libconfig or threads;
#  - the device emulator (tests/emu/) shares no code with core/: no core header,
#    no core function, so a protocol bug cannot hide on both sides.
# Usage: check_layers.sh SOURCE_DIR
set -u
src=$1
fail=0
bad() { echo "lint: $*"; fail=1; }

for f in "$src"/core/*.c "$src"/core/*.h; do
	if grep -nE '#include <(libudev|sqlite3|libconfig|pthread)\.h>' "$f"; then
		bad "$f: core must not depend on udev/SQLite/libconfig/threads"
	fi
	if grep -nE '(^|[^a-z_])(printf|fprintf|puts|fputs|perror)[[:space:]]*\(' "$f"; then
		bad "$f: core must not print (report through the log callback)"
	fi
done
for f in "$src"/tests/emu/*.c "$src"/tests/emu/*.h; do
	[ -e "$f" ] || continue
	if grep -nE '#include[[:space:]]*[<"]([^">]*/)?(esp|xport)[a-z_]*\.h[">]' "$f"; then
		bad "$f: the emulator must not include core headers (write it independently)"
	fi
	if grep -nE '(^|[^a-z_])(esp|xport)_[a-z0-9_]+[[:space:]]*\(' "$f"; then
		bad "$f: the emulator calls a core function"
	fi
done
# station/: each directory may include the headers of the directories below
# it only (common <- job <- ui <- run <- audit <- http <- cli; see
# station/CMakeLists.txt), so that the libraries link in one line, no cycle.
headers_of() { for h in "$src"/station/"$1"/*.h; do basename "$h"; done; }
station_may_not() {  # DIR FORBIDDEN-DIR...
	dir=$1
	shift
	for other in "$@"; do
		for h in $(headers_of "$other"); do
			if grep -n "#include \"$h\"" "$src"/station/"$dir"/*.[ch]; then
				bad "station/$dir must not include station/$other/$h"
			fi
		done
	done
}
station_may_not common job ui run audit http cli
station_may_not job ui run audit http cli
station_may_not ui run audit http cli
station_may_not run audit http cli
station_may_not audit http cli
station_may_not http cli
[ $fail -eq 0 ] && echo "lint: layers ok"
exit $fail
