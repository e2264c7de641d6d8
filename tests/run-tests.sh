#!/bin/sh
# Builds espstation twice (release with -Werror, then ASan+UBSan) and runs the
# whole test suite in both.  Needs the build dependencies (see .ci/run).
# Usage: tests/run-tests.sh [extra ctest arguments, e.g. -L unit]
set -eu
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

for preset in default asan; do
	echo "=== $preset build ==="
	cmake --preset "$preset" >/dev/null
	cmake --build --preset "$preset" -j "$jobs"
	echo "=== $preset tests ==="
	ctest --preset "$preset" "$@"
done
echo "=== all tests passed ==="
