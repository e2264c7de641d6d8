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
	ctest --preset "$preset" -LE bench "$@"
done
echo "=== benchmarks (figures only; they fail only on wrong data) ==="
rc=0
ctest --preset default -L bench -V >build/bench.log 2>&1 || rc=$?
sed -n 's/^[0-9]*: //p' build/bench.log |
	grep -vE '^(Test command|Working Directory|Environment variables|Test timeout)' || true
[ $rc -eq 0 ] || { echo "a benchmark failed (see build/bench.log)"; exit 1; }
echo "=== all tests passed ==="
