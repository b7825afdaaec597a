# Shared by the integration tests: mount a real zunfs on the private engine
# ($DOCKER_HOST, started by scripts/test), check, and clean up on every exit.
# Each test file sources this, gets its own $T (mountpoint $MNT, state
# $STATE), and everything it made goes at exit: the mount, the daemon, the
# engine containers and volumes labelled with its state's instance id, and $T.
set -euo pipefail

: "${ZUNFS_BIN:?set ZUNFS_BIN to the zunfs binary}"
: "${ZF_TESTTOOL:?set ZF_TESTTOOL to tests/zf-testtool}"
: "${DOCKER_HOST:?set DOCKER_HOST to the private test engine}"

T=$(mktemp -d /tmp/zunfs-it.XXXXXX)
MNT=$T/mnt
STATE=$T/state
ZUNFS_PID=
CHECKS=0

log() { echo "# $*"; }
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
ok() { CHECKS=$((CHECKS + 1)); }

assert_eq() { # ACTUAL EXPECTED WHAT
	[ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"
	ok
}
assert_match() { # ACTUAL REGEX WHAT
	[[ "$1" =~ $2 ]] || fail "$3: '$1' does not match /$2/"
	ok
}
# runs a command that must fail with the given errno text (as strerror words)
assert_fails() { # "ERRTEXT" CMD...
	local want=$1 out
	shift
	if out=$("$@" 2>&1); then
		fail "'$*' succeeded; expected: $want"
	fi
	[[ "$out" == *"$want"* ]] || fail "'$*' failed with '$out'; expected: $want"
	ok
}
# waits up to SECONDS for CMD to succeed
wait_for() { # SECONDS CMD...
	local limit=$1 i
	shift
	for ((i = 0; i < limit * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	fail "after ${limit}s still not true: $*"
}
not() { ! "$@"; }
status_is() { [ "$(cat "$MNT/containers/$1/status")" = "$2" ]; }

instance() { sqlite3 "$STATE/zunfs.db" "SELECT value FROM meta WHERE key = 'instance'"; }
# engine containers made by this test's zunfs
engine_ids() { docker ps -aq --no-trunc --filter "label=zunfs.instance=$(instance)"; }
engine_count() { engine_ids | grep -c . || true; }
# whether the engine still has a container of this test's zunfs named NAME
engine_has() { [ -n "$(docker ps -aq --filter "label=zunfs.name=$1" --filter "label=zunfs.instance=$(instance)")" ]; }
# a running capsule member's engine id, by its capsule's name and role (member.NAME)
member_id() { # CAPSULE ROLE
	docker ps -q --no-trunc --filter "label=zunfs.instance=$(instance)" \
		--filter "label=zunfs.capsule=$1" --filter "label=zunfs.role=$2"
}
engine_id_of() { sed -n 's/.*"container_id": "\([0-9a-f]*\)".*/\1/p' "$MNT/containers/$1/inspect.json"; }

mount_zunfs() { # [zunfs options...]
	mkdir -p "$MNT"
	"$ZUNFS_BIN" -f -o "docker=$DOCKER_HOST,state=$STATE" "$@" "$MNT" >>"$T/zunfs.log" 2>&1 &
	ZUNFS_PID=$!
	for _ in $(seq 1 100); do
		mountpoint -q "$MNT" && return 0
		kill -0 "$ZUNFS_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$T/zunfs.log" >&2
	fail "zunfs did not mount"
}

# The sanitizer reports in a daemon log, but one that is libfuse's own: a
# FUSE_INTERRUPT that comes after its request was answered is queued in the
# session and never freed (128 bytes, allocated and lost inside libfuse3; see
# the review of libfuse/libfuse#1522). Every other report is printed.
sanitizer_findings() { # LOG
	awk '
	function judge() { if (blk != "" && !benign) print blk; blk = "" }
	/runtime error:|ERROR: AddressSanitizer|LeakSanitizer has encountered/ { print; next }
	/^(Direct|Indirect) leak of/ {
		judge(); blk = $0
		benign = ($0 ~ /^Direct leak of 128 byte\(s\) in 1 object\(s\)/); next
	}
	blk != "" && /^ +#[0-9]+ / {
		blk = blk "\n" $0
		if ($0 !~ /__interceptor_calloc|libfuse3\.so|libc\.so|start_thread|clone/) benign = 0
		next
	}
	blk != "" { judge() }
	END { judge() }' "$1" 2>/dev/null
}

# The sanitizer build reports on stderr; any report of ours fails the test.
check_daemon_log() {
	local found
	found=$(sanitizer_findings "$T/zunfs.log")
	if [ -n "$found" ]; then
		echo "$found" >&2
		fail "sanitizer report in the zunfs log"
	fi
}

unmount_zunfs() {
	[ -n "$ZUNFS_PID" ] || return 0
	fusermount3 -u "$MNT"
	local rc=0
	wait "$ZUNFS_PID" || rc=$?
	ZUNFS_PID=
	check_daemon_log
	# 86: the sanitizers reported (run.sh's ASAN_OPTIONS); check_daemon_log
	# has failed the test for any report but libfuse's own leak
	[ "$rc" -eq 86 ] && [ -z "$(sanitizer_findings "$T/zunfs.log")" ] && rc=0
	[ "$rc" -eq 0 ] || { cat "$T/zunfs.log" >&2; fail "zunfs exited with $rc"; }
}

# at_exit 'CMD': run CMD at exit (after the engine objects go, before $T
# does), whatever the test's outcome; it cannot turn a failure into a pass
# the way `trap 'CMD || true; cleanup' EXIT` does ($? is then CMD's).
EXIT_CMDS=()
at_exit() { EXIT_CMDS+=("$1"); }
# at_fail 'CMD': on a failure only, before the at_exit commands: what tells
# why (a service's logs that at_exit then removes)
FAIL_CMDS=()
at_fail() { FAIL_CMDS+=("$1"); }

cleanup() {
	local rc=$? c
	# a failed test may hold files of the mount open on these: let go first
	exec 3<&- 4<&- 5<&- 6<&- 7<&- 8<&- 9<&-
	if [ $rc -ne 0 ]; then for c in "${FAIL_CMDS[@]}"; do eval "$c" >&2 || true; done; fi
	if [ -n "$ZUNFS_PID" ]; then
		fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null || true
		for _ in $(seq 1 100); do kill -0 "$ZUNFS_PID" 2>/dev/null || break; sleep 0.1; done
		kill "$ZUNFS_PID" 2>/dev/null || true
		wait "$ZUNFS_PID" 2>/dev/null || true
	fi
	if [ -f "$STATE/zunfs.db" ]; then
		local ids
		ids=$(engine_ids 2>/dev/null || true)
		[ -z "$ids" ] || docker rm -f $ids >/dev/null 2>&1 || true
		ids=$(docker volume ls -q --filter "label=zunfs.instance=$(instance)" 2>/dev/null || true)
		[ -z "$ids" ] || docker volume rm -f $ids >/dev/null 2>&1 || true
	fi
	for c in "${EXIT_CMDS[@]}"; do eval "$c" || true; done
	if [ $rc -ne 0 ] && [ -f "$T/zunfs.log" ]; then
		echo "--- zunfs log (last 30 lines) ---" >&2
		tail -n 30 "$T/zunfs.log" >&2
	fi
	[ -z "$(sanitizer_findings "$T/zunfs.log")" ] || rc=1
	rm -rf "$T"
	[ $rc -eq 0 ] && echo "ok: $CHECKS checks"
	exit $rc
}
trap cleanup EXIT
# the runner's timeout (TERM) is a failure that says what was running; bash
# would otherwise run the EXIT trap with $? = 0
trap 'echo "FAIL: stopped by SIGTERM/SIGINT while running: $BASH_COMMAND${FUNCNAME:+ (in ${FUNCNAME[*]}, lines ${BASH_LINENO[*]})}" >&2; exit 143' TERM INT

# a command that ends at once on SIGTERM (sleep as PID 1 ignores it: 10 s grace)
FOREVER='command: [sh, -c, "trap \"exit 0\" TERM; while :; do sleep 0.2; done"]'

# writes stdin as spec.yaml of KIND/NAME and reports "ok" or "close: EINVAL"
put_spec() { "$ZF_TESTTOOL" write "$MNT/$1/spec.yaml" || true; }
