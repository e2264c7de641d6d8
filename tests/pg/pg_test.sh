#!/bin/sh
# Runs one case of test_central against a cluster of its own.
# Usage: pg_test.sh TESTS_PG_DIR TEST_CENTRAL CASE
set -u
here=$1
prog=$2
case_name=$3
. "$here/pg_lib.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pgc.XXXXXX") || exit 1
# the cluster's user (postgres, when run as root) must reach its directory
chmod 0755 "$tmp"
trap 'pg_cleanup; rm -rf "$tmp"' EXIT
pg_start "$tmp/pg" || exit 1
PG_LIB=$here/pg_lib.sh TMPDIR=$tmp "$prog" "$case_name"
