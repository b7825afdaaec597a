#!/usr/bin/env bash
# What happens behind zunfs's back shows in status within about a second,
# from the engine's event stream; the events file tells every change.
. "$(dirname "$0")/lib.sh"
mount_zunfs
C=$MNT/containers
cat "$MNT/events" >"$T/events.txt" &
events_pid=$!
sleep 0.5 # let the reader open the file: it sees what comes after

mkdir "$C/x"
printf 'image: busybox\n%s\n' "$FOREVER" | put_spec containers/x >/dev/null
timeout 30 cat "$C/x/until/Running" >/dev/null
id=$(engine_id_of x)

docker pause "$id" >/dev/null
wait_for 3 status_is x Paused
docker unpause "$id" >/dev/null
wait_for 3 status_is x Running
docker stop -t 1 "$id" >/dev/null
wait_for 3 status_is x Stopped
assert_eq "$(cat "$C/x/status_reason")" "exited with code 0" "reason after docker stop"
docker start "$id" >/dev/null
wait_for 3 status_is x Running
docker kill "$id" >/dev/null
wait_for 3 status_is x Stopped
assert_eq "$(cat "$C/x/status_reason")" "exited with code 137" "reason after docker kill"
docker start "$id" >/dev/null
wait_for 3 status_is x Running
# the process exits on its own
docker exec "$id" kill 1
wait_for 3 status_is x Stopped
docker rm -f "$id" >/dev/null
wait_for 3 status_is x Error
assert_match "$(cat "$C/x/status_reason")" "removed from the engine outside zunfs" "reason after docker rm"
assert_eq "$(jq -r .container_id "$C/x/inspect.json")" "null" "engine id forgotten"
# writing the spec again brings it back
printf 'image: busybox\n%s\n' "$FOREVER" | put_spec containers/x >/dev/null
assert_eq "$(timeout 30 cat "$C/x/until/Running")" "Running" "recreated"

# a restart policy: the engine restarts it, zunfs follows
mkdir "$C/r"
printf 'image: busybox\ncommand: [sh, -c, "sleep 0.5; exit 3"]\nrestartPolicy: Always\n' | put_spec containers/r >/dev/null
wait_for 10 bash -c "[ \$(docker inspect -f '{{.RestartCount}}' \$(sed -n 's/.*\"container_id\": \"\\([0-9a-f]*\\)\".*/\\1/p' '$C/r/inspect.json')) -ge 2 ]"
assert_match "$(cat "$C/r/status")" "^(Running|Restarting)$" "restarting container"
rmdir "$C/r"

rmdir "$C/x"
wait_for 15 not engine_has x
# events: one line per change, TIME KIND/NAME OLD NEW
sleep 0.3
kill "$events_pid"
wait "$events_pid" || true
all=$(cat "$T/events.txt")
assert_match "$(head -n 1 <<<"$all")" "^20[0-9-]{8}T[0-9:.]{12}Z containers/x - Empty$" "first event: mkdir"
for change in "Empty Creating" "Running Paused" "Paused Running" "Running Stopped" "Stopped Error" "Error Creating" "Running Deleting" "Deleting -"; do
	grep -q "containers/x $change\$" <<<"$all" || fail "no event 'containers/x $change' in: $all"
	ok
done
unmount_zunfs
