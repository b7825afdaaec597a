#!/usr/bin/env bash
# SIGTERM, SIGINT and a lazy unmount (fusermount3 -u -z) end zunfs within 5 s
# while readers block in until/, events, tty, exec and tail -f logs: the
# readers end (EOF; until/ with ENOTCONN), the store stays whole and the
# containers keep running. (A plain fusermount3 -u is refused by the kernel,
# EBUSY, while files are open: that is checked too.)
. "$(dirname "$0")/lib.sh"
C=$MNT/containers

# a shell's background job ignores SIGINT, and zunfs keeps an ignored
# signal ignored: start it with SIGINT at its default, as from a terminal
start_zunfs() {
	mkdir -p "$MNT"
	env --default-signal=INT "$ZUNFS_BIN" -f -o "docker=$DOCKER_HOST,state=$STATE" "$MNT" >>"$T/zunfs.log" 2>&1 &
	ZUNFS_PID=$!
	wait_for 10 mountpoint -q "$MNT"
}

start_zunfs
mkdir "$C/shell" "$C/empty"
echo 'image: busybox
command: [sh]
tty: true
stdin_open: true' | put_spec containers/shell >/dev/null
assert_eq "$(timeout 60 cat "$C/shell/until/Running")" Running "shell runs"
id=$(engine_id_of shell)

for how in SIGTERM SIGINT lazy; do
	log "stopping with $how, readers blocked"
	pids=()
	cat "$C/empty/until/Running" >"$T/until.out" 2>"$T/until.err" &
	until_pid=$!
	cat "$MNT/events" >/dev/null 2>"$T/events.err" &
	events_pid=$!
	cat "$C/shell/tty" >/dev/null 2>&1 &
	pids+=($!)
	tail -f "$C/shell/logs" >/dev/null 2>&1 &
	pids+=($!)
	exec 5<>"$C/shell/exec"
	echo 'sleep 3600' >&5
	cat <&5 >/dev/null 2>&1 &
	pids+=($!)
	exec 5<&-
	sleep 1
	for p in "$until_pid" "$events_pid" "${pids[@]}"; do kill -0 "$p" || fail "a reader ($p) did not block"; done
	ok
	[ "$how" = lazy ] || assert_fails "busy" fusermount3 -u "$MNT"
	start=$(date +%s%N)
	case $how in
	SIGTERM) kill -TERM "$ZUNFS_PID" ;;
	SIGINT) kill -INT "$ZUNFS_PID" ;;
	lazy) fusermount3 -u -z "$MNT" ;;
	esac
	for _ in $(seq 1 50); do kill -0 "$ZUNFS_PID" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$ZUNFS_PID" 2>/dev/null && fail "$how: zunfs still runs 5 s later"
	rc=0
	wait "$ZUNFS_PID" || rc=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	log "$how: zunfs exited $rc after $ms ms"
	assert_eq "$rc" 0 "$how: exit status"
	ZUNFS_PID=
	not mountpoint -q "$MNT" || fail "$how: still mounted"
	ok
	rc=0
	wait "$until_pid" || rc=$?
	[ $rc -ne 0 ] || fail "$how: until/Running ended with success"
	assert_match "$(cat "$T/until.err")" "Transport endpoint is not connected" "$how: until/ says why"
	rc=0
	wait "$events_pid" || rc=$?
	assert_eq "$rc/$(cat "$T/events.err")" "0/" "$how: events ends with EOF"
	for p in "${pids[@]}"; do
		for _ in $(seq 1 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$p" 2>/dev/null && fail "$how: reader $p still blocked"
	done
	ok
	assert_eq "$(sqlite3 "$STATE/zunfs.db" 'PRAGMA integrity_check')" ok "$how: the store"
	assert_eq "$(docker inspect -f '{{.State.Running}}' "$id")" true "$how: the container runs on"
	check_daemon_log
	start_zunfs
	assert_eq "$(cat "$C/shell/status")" Running "$how: back after a remount"
done
log "stopping while a ctl write waits on a long stop (sleep as PID 1 ignores SIGTERM: its grace is 60 s)"
mkdir "$C/stubborn"
printf 'image: busybox\ncommand: [sleep, "3600"]\n' | put_spec containers/stubborn >/dev/null
assert_eq "$(timeout 60 cat "$C/stubborn/until/Running")" Running "stubborn runs"
bash -c "echo 'stop 60' >'$C/stubborn/ctl'" 2>"$T/ctl.err" &
writer=$!
sleep 1
start=$(date +%s%N)
kill -TERM "$ZUNFS_PID"
for _ in $(seq 1 50); do kill -0 "$ZUNFS_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$ZUNFS_PID" 2>/dev/null && fail "zunfs still runs 5 s after SIGTERM with a ctl stop in flight"
rc=0
wait "$ZUNFS_PID" || rc=$?
log "exited $rc after $((($(date +%s%N) - start) / 1000000)) ms, the engine's stop still going"
assert_eq "$rc" 0 "exit status with engine work left to the engine"
ZUNFS_PID=
rc=0
wait "$writer" || rc=$?
[ "$rc" -ne 0 ] || fail "the ctl write returned success though zunfs stopped before the stop"
ok
start_zunfs
assert_match "$(cat "$C/stubborn/status")" "^(Running|Stopped)$" "the engine's truth after the restart"
unmount_zunfs
