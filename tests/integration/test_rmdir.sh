#!/usr/bin/env bash
# rmdir: a graceful stop (SIGTERM, SIGKILL after the grace period), then
# removal; the name is free at once; nothing is left in the engine.
. "$(dirname "$0")/lib.sh"
mount_zunfs
C=$MNT/containers

# a process that says it got SIGTERM: the engine's log shows the graceful path
mkdir "$C/g"
printf 'image: busybox\ncommand: [sh, -c, "trap \\"echo got TERM; exit 0\\" TERM; echo up; while :; do sleep 0.2; done"]\n' | put_spec containers/g >/dev/null
timeout 30 cat "$C/g/until/Running" >/dev/null
id=$(engine_id_of g)
wait_for 5 bash -c "docker logs '$id' | grep -q up"
docker events --filter "container=$id" --format '{{.Action}}' >"$T/engine-events" &
evpid=$!
sleep 0.3
rmdir "$C/g"
assert_fails "No such file" ls "$C/g"
# the name is free at once, while the old container is still going away
mkdir "$C/g"
assert_eq "$(cat "$C/g/status")" "Empty" "name reused at once"
wait_for 15 bash -c "! docker inspect '$id' >/dev/null 2>&1"
kill "$evpid"
assert_eq "$(grep -E '^(kill|die|destroy)$' "$T/engine-events" | tr '\n' ' ')" "kill die destroy " "stopped with one signal, then removed"

# a container that ignores SIGTERM is killed after the grace period
mkdir "$C/stubborn"
printf 'image: busybox\ncommand: [sleep, "300"]\n' | put_spec containers/stubborn >/dev/null
timeout 30 cat "$C/stubborn/until/Running" >/dev/null
sid=$(engine_id_of stubborn)
start=$(date +%s)
rmdir "$C/stubborn"
wait_for 30 bash -c "! docker inspect '$sid' >/dev/null 2>&1"
took=$(($(date +%s) - start))
[ "$took" -ge 9 ] || fail "removed after ${took}s: the 10 s grace period was not given"
ok

# rmdir while the launch is still going: both finish, nothing is left
mkdir "$C/quick"
printf 'image: busybox\n%s\n' "$FOREVER" | put_spec containers/quick >/dev/null
rmdir "$C/quick"
wait_for 15 not engine_has quick
# the record goes once the removal returns, a moment after the container
record_count() { sqlite3 "$STATE/zunfs.db" "SELECT count(*) FROM objects WHERE name = '$1'"; }
wait_for 15 bash -c "[ \"\$(sqlite3 '$STATE/zunfs.db' \"SELECT count(*) FROM objects WHERE name = 'quick'\")\" = 0 ]"
assert_eq "$(record_count quick)" "0" "record gone"
assert_eq "$(engine_count)" "0" "nothing left in the engine"
unmount_zunfs
