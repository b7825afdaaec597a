#!/usr/bin/env bash
# Runs every tests/integration/test_*.sh against the zunfs of BUILD_DIR.
# Needs root and $DOCKER_HOST pointing at a private engine (scripts/test).
#   tests/integration/run.sh BUILD_DIR [TEST_NAME...]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: run.sh BUILD_DIR [TEST...]}" && pwd)
shift
export ZUNFS_BIN="$build/zunfs" ZF_TESTTOOL="$build/tests/zf-testtool"
# exitcode 86: a sanitizer's report, told from zunfs's own exit 1; whether
# the report is ours is lib.sh's sanitizer_findings' to say
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=86}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# libfuse's own leaks that zunfs cannot free (see the file)
export LSAN_OPTIONS=suppressions=$here/lsan.supp:print_suppressions=0

tests=("$@")
if [ ${#tests[@]} -eq 0 ]; then
	for f in "$here"/test_*.sh; do tests+=("$(basename "$f" .sh)"); done
fi
# Tests run ZUNFS_IT_JOBS at a time (default 2): each has its own mount,
# state, temp dir and, where it needs one, its own engine, registry or
# Cinder (own directory and ports), so they share only the test engine.
# Most of a test's time is waiting on the engine; two lanes nearly halve
# the pass. ZUNFS_IT_TIMEOUT (seconds, default 600) bounds each test.
jobs=${ZUNFS_IT_JOBS:-2}
limit=${ZUNFS_IT_TIMEOUT:-600}
outs=$(mktemp -d /tmp/zunfs-it-run.XXXXXX)
trap 'rm -rf "$outs"' EXIT
run_one() { # TEST: its output in $outs/TEST.out, "RC SECONDS" in $outs/TEST.rc
	local start=$SECONDS rc=0
	timeout -k 30 "$limit" bash "$here/$1.sh" >"$outs/$1.out" 2>&1 || rc=$?
	[ $rc -ne 124 ] && [ $rc -ne 137 ] || echo "(killed after ${limit}s: ZUNFS_IT_TIMEOUT)" >>"$outs/$1.out"
	echo "$rc $((SECONDS - start))" >"$outs/$1.rc.tmp"
	mv "$outs/$1.rc.tmp" "$outs/$1.rc"
}
pass=0
failed=()
reported=()
report_done() { # prints each finished test once, in the order they ended
	local t rc secs
	for t in "${tests[@]}"; do
		[ -f "$outs/$t.rc" ] || continue
		[[ " ${reported[*]} " == *" $t "* ]] && continue
		reported+=("$t")
		read -r rc secs <"$outs/$t.rc"
		if [ "$rc" -eq 0 ]; then
			pass=$((pass + 1))
			echo "PASS $t (${secs}s, $(tail -n 1 "$outs/$t.out"))"
		else
			failed+=("$t")
			echo "FAIL $t (${secs}s)"
			tail -n 60 "$outs/$t.out" | sed 's/^/    /'
		fi
	done
}
running=0
for t in "${tests[@]}"; do
	while [ "$running" -ge "$jobs" ]; do
		wait -n || true
		running=$((running - 1))
		report_done
	done
	run_one "$t" &
	running=$((running + 1))
done
wait
report_done
echo "integration $(basename "$build"): $pass passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
