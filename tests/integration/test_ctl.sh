#!/usr/bin/env bash
# ctl: start, stop [s], restart [s], kill [SIG], pause, unpause, resize;
# EBUSY in the wrong state, EINVAL for what is not a command; task_state.
. "$(dirname "$0")/lib.sh"
mount_zunfs
C=$MNT/containers/app
mkdir "$C"
ctl() { echo "$*" >"$C/ctl"; }
engine_state() { docker inspect -f '{{.State.Status}}' "$(engine_id_of app)"; }

# nothing to control before a spec
assert_fails "Device or resource busy" ctl start
assert_match "$(cat "$C/status_reason")" "ctl start: not possible while the container is Empty" "reason"

printf 'image: busybox\n%s\n' "$FOREVER" | put_spec containers/app >/dev/null
timeout 30 cat "$C/until/Running" >/dev/null
assert_eq "$(engine_state)" "running" "engine: running"
assert_eq "$(cat "$C/task_state")" "" "no task when idle"

ctl stop
assert_eq "$(cat "$C/status")" "Stopped" "stop: status when ctl returns"
assert_eq "$(engine_state)" "exited" "engine: exited"
assert_eq "$(cat "$C/status_reason")" "exited with code 0" "stopped by SIGTERM, trapped"
assert_fails "Device or resource busy" ctl stop
assert_fails "Device or resource busy" ctl pause
assert_match "$(cat "$C/status_reason")" "ctl pause: not possible while the container is Stopped" "EBUSY reason"

ctl start
assert_eq "$(cat "$C/status")" "Running" "start"
assert_eq "$(engine_state)" "running" "engine: running again"
assert_fails "Device or resource busy" ctl start

ctl pause
assert_eq "$(cat "$C/status")" "Paused" "pause"
assert_eq "$(engine_state)" "paused" "engine: paused"
assert_fails "Device or resource busy" ctl pause
ctl unpause
assert_eq "$(cat "$C/status")" "Running" "unpause"

started=$(docker inspect -f '{{.State.StartedAt}}' "$(engine_id_of app)")
ctl restart 1
assert_eq "$(cat "$C/status")" "Running" "restart"
[ "$(docker inspect -f '{{.State.StartedAt}}' "$(engine_id_of app)")" != "$started" ] || fail "restart did not restart"
ok

ctl kill TERM
wait_for 5 status_is app Stopped
ctl start
ctl kill
wait_for 5 status_is app Stopped
assert_eq "$(cat "$C/status_reason")" "exited with code 137" "kill: SIGKILL by default"
ctl start
ctl stop 0
assert_eq "$(cat "$C/status")" "Stopped" "stop 0"
# removed behind zunfs's back: nothing left to start
docker rm -f "$(engine_id_of app)" >/dev/null
wait_for 3 status_is app Error
assert_fails "Device or resource busy" ctl start

# bad commands: EINVAL and why
for bad in "bogus" "stop soon" "kill NOTASIGNAL" "resize 10" "pause now" "" "stop 1 2"; do
	assert_fails "Invalid argument" ctl "$bad"
done
ctl bogus 2>/dev/null || true
assert_match "$(cat "$C/status_reason")" "unknown command 'bogus'" "EINVAL reason"

# resize: the container's tty takes the new size
mkdir "$MNT/containers/tty"
printf 'image: busybox\ntty: true\nstdin_open: true\n%s\n' "$FOREVER" | put_spec containers/tty >/dev/null
timeout 30 cat "$MNT/containers/tty/until/Running" >/dev/null
echo "resize 30 100" >"$MNT/containers/tty/ctl"
tid=$(engine_id_of tty)
assert_eq "$(docker exec "$tid" stty -F /proc/1/fd/0 size)" "30 100" "resize reached the tty"
echo "resize 40 120" >"$MNT/containers/tty/ctl"
assert_eq "$(docker exec "$tid" stty -F /proc/1/fd/0 size)" "40 120" "resize again"
assert_fails "Device or resource busy" ctl resize 24 80
# ctl is write-only; the state files are read-only
assert_fails "Permission denied" cat "$C/ctl"
assert_fails "Permission denied" sh -c "echo Running > '$C/status'"
unmount_zunfs
