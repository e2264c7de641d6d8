#!/bin/sh
# db/ depends on SQLite and libc only, and never prints (library code
# reports through return codes and db_errmsg()); db.h compiles on its own
# and does not drag <sqlite3.h> into its users.
# Usage: check_db_layer.sh SOURCE_DIR C_COMPILER
set -u
src=$1
cc=$2
fail=0
bad() { echo "db layer: $*"; fail=1; }

for f in "$src"/db/*.c "$src"/db/*.h; do
	if grep -nE '#include[[:space:]]*"' "$f" | grep -vE '"(db|db_priv)\.h"'; then
		bad "$f: includes a header from outside db/ (error codes arrive as int + name)"
	fi
	if grep -nE '#include[[:space:]]*<(libudev|libconfig|libserialport|pthread|zlib)\.h>' "$f"; then
		bad "$f: db/ links SQLite only"
	fi
	# (SQL's own printf('...') inside statements is fine)
	if grep -nE '(^|[^a-z_])(printf|fprintf|puts|fputs|perror|putchar)[[:space:]]*\(' "$f" |
		grep -v "printf('"; then
		bad "$f: db/ must not print (report through the return code and db_errmsg)"
	fi
done
# The files are layers (db_priv.h lists them in this order): a file calls
# only what it or a file before it defines, so the helpers are a leaf and
# nothing calls back up (the old db.c and db_schema.c called each other).
order="db_sql db_clock db_check db_mac db_tx db_open_err db_schema db_conn db_job db_device
	db_backup db_audit db_export"
for f in "$src"/db/*.c; do
	case " $(echo $order) " in
	*" $(basename "$f" .c) "*) ;;
	*) bad "$f: not in the layer order (check_db_layer.sh and db_priv.h)" ;;
	esac
done
defines() { # the non-static functions a file defines
	grep -E '^[a-z]' "$1" | grep -v '^static' | grep -v ';[[:space:]]*$' |
		sed -nE 's/^[a-z][a-z0-9_ *]*[ *](db_[a-z0-9_]+)\(.*/\1/p'
}
later=""
for n in $(echo $order | tr ' ' '\n' | tac); do
	f="$src/db/$n.c"
	[ -f "$f" ] || { bad "$f: listed in the layer order but missing"; continue; }
	for fn in $later; do
		# code lines only: a comment may name a later function
		if grep -nE "(^|[^a-z0-9_])$fn\(" "$f" | grep -vE '^[0-9]+:[[:space:]]*(/\*|\*)'; then
			bad "$f calls $fn, defined in a later layer"
		fi
	done
	later="$later $(defines "$f")"
done

if grep -nE '#include[[:space:]]*<sqlite3\.h>' "$src/db/db.h"; then
	bad "db.h: keep SQLite out of the public header"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '#include "db.h"\nint main(void) { return DB_SCHEMA_VERSION > 0 ? 0 : 1; }\n' >"$tmp/h.c"
if ! "$cc" -std=c11 -Wall -Wextra -Werror -fsyntax-only -I"$src/db" "$tmp/h.c"; then
	bad "db.h does not compile on its own"
fi
[ $fail -eq 0 ] && echo "db layer: ok"
exit $fail
