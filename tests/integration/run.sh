#!/usr/bin/env bash
# Runs every tests/integration/test_*.sh against the zunfs of BUILD_DIR.
# Needs root and $DOCKER_HOST pointing at a private engine (scripts/test).
#   tests/integration/run.sh BUILD_DIR [TEST_NAME...]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: run.sh BUILD_DIR [TEST...]}" && pwd)
shift
export ZUNFS_BIN="$build/zunfs" ZF_TESTTOOL="$build/tests/zf-testtool"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# libfuse's own leaks that zunfs cannot free (see the file)
export LSAN_OPTIONS=suppressions=$here/lsan.supp:print_suppressions=0

tests=("$@")
if [ ${#tests[@]} -eq 0 ]; then
	for f in "$here"/test_*.sh; do tests+=("$(basename "$f" .sh)"); done
fi
pass=0
failed=()
for t in "${tests[@]}"; do
	start=$(date +%s)
	if out=$(timeout 600 bash "$here/$t.sh" 2>&1); then
		pass=$((pass + 1))
		echo "PASS $t ($(($(date +%s) - start))s, $(echo "$out" | tail -n 1))"
	else
		failed+=("$t")
		echo "FAIL $t ($(($(date +%s) - start))s)"
		echo "$out" | tail -n 60 | sed 's/^/    /'
	fi
done
echo "integration $(basename "$build"): $pass passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
