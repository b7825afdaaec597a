#!/usr/bin/env bash
# logs: a regular file with its real size that grows; cat ends; tail -n and
# tail -f work; it survives container restarts and remounts.
. "$(dirname "$0")/lib.sh"
mount_zunfs
C=$MNT/containers
mkdir "$C/l"
# each run marks its lines with its start time, so a line written twice shows
printf 'image: busybox\ncommand: [sh, -c, "trap \\"exit 0\\" TERM; r=$(date +%%s); i=0; while :; do i=$((i+1)); echo line $i; echo err $i $r >&2; sleep 1; done"]\n' | put_spec containers/l >/dev/null
timeout 30 cat "$C/l/until/Running" >/dev/null
wait_for 10 bash -c "grep -q 'line 3' '$C/l/logs'"
size=$(stat -c %s "$C/l/logs")
[ "$size" -gt 0 ] || fail "logs has no size"
ok
assert_eq "$(timeout 5 cat "$C/l/logs" | head -n 2 | sed -E 's/^(err [0-9]+) [0-9]+$/\1/' | sort | tr '\n' ' ')" "err 1 line 1 " "stdout and stderr"
assert_eq "$(timeout 5 cat "$C/l/logs" | wc -c)" "$(stat -c %s "$C/l/logs")" "cat reads the whole size, then ends"
assert_match "$(tail -n 1 "$C/l/logs")" "^(line|err) [0-9]+( [0-9]+)?$" "tail -n"
assert_eq "$(grep -c '^line' "$C/l/logs")" "$(grep -c '^err' "$C/l/logs")" "grep"

# tail -f sees new lines arrive
timeout 4 tail -f -n 0 "$C/l/logs" >"$T/follow.out" || true
assert_match "$(cat "$T/follow.out")" "line [0-9]+" "tail -f follows"
[ "$(grep -c '^line' "$T/follow.out")" -ge 2 ] || fail "tail -f saw $(cat "$T/follow.out")"
ok

# a restart: the old lines stay, new ones follow, none twice
echo 'restart 1' >"$C/l/ctl"
wait_for 10 bash -c "[ \$(grep -c '^line 2\$' '$C/l/logs') -ge 2 ]"
assert_eq "$(grep -c '^line 1$' "$C/l/logs")" "2" "line 1 once per run"
assert_eq "$(grep '^err' "$C/l/logs" | sort | uniq -d)" "" "no line twice across a restart"
# remount: the log is still there, and no line is written twice
before=$(grep -c . "$C/l/logs")
unmount_zunfs
sleep 1
mount_zunfs
sleep 2
assert_eq "$(grep '^err' "$C/l/logs" | sort | uniq -d | head -n 3)" "" "nothing written twice across a remount"
[ "$(grep -c . "$C/l/logs")" -ge "$before" ] || fail "log shrank across a remount"
ok
rmdir "$C/l"
wait_for 15 not engine_has l
# the log goes once the engine's removal is done (rmdir returns before it)
wait_for 10 bash -c "[ -z \"\$(ls '$STATE/logs')\" ]"
assert_eq "$(ls "$STATE/logs" | grep -c . || true)" "0" "rmdir deletes the log"
unmount_zunfs

# a container that ended before zunfs looked at it: its output is read to the end
mount_zunfs
mkdir "$C/quick"
printf 'image: busybox\ncommand: [sh, -c, "echo quick-1; echo quick-2 >&2"]\n' | put_spec containers/quick >/dev/null
timeout 30 cat "$C/quick/until/Stopped" >/dev/null
wait_for 10 grep -q quick-2 "$C/quick/logs"
assert_eq "$(sort "$C/quick/logs" | tr '\n' ' ')" "quick-1 quick-2 " "a short-lived container's logs, once"
unmount_zunfs
mount_zunfs
sleep 1
assert_eq "$(sort "$C/quick/logs" | tr '\n' ' ')" "quick-1 quick-2 " "not read again at a remount"
unmount_zunfs
