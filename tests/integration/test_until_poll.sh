#!/usr/bin/env bash
# until/STATE blocks until the state comes, fails EIO when it cannot;
# poll() on status wakes on a change; reads of status do not wait.
. "$(dirname "$0")/lib.sh"
mount_zunfs
C=$MNT/containers
mkdir "$C/w"

# a reader waiting from Empty, released by the spec written later
timeout 30 cat "$C/w/until/Running" >"$T/until.out" &
waiter=$!
sleep 0.5
kill -0 "$waiter" 2>/dev/null || fail "until/Running did not block while Empty"
ok
printf 'image: busybox\n%s\n' "$FOREVER" | put_spec containers/w >/dev/null
wait "$waiter" || fail "until/Running failed"
assert_eq "$(cat "$T/until.out")" "Running" "until/Running reads the state"
assert_eq "$(timeout 5 cat "$C/w/until/Running")" "Running" "already there: at once"

# a state that cannot follow: EIO
echo stop >"$C/w/ctl"
assert_fails "Input/output error" timeout 5 cat "$C/w/until/Paused"
assert_eq "$("$ZF_TESTTOOL" nbread "$C/w/until/Stopped")" "data" "non-blocking, reached"
echo start >"$C/w/ctl"
assert_eq "$("$ZF_TESTTOOL" nbread "$C/w/until/Stopped")" "read: EAGAIN" "non-blocking, not yet"

# a container that exits by itself: until/Stopped follows; until/Running fails once it has
mkdir "$C/brief"
printf 'image: busybox\ncommand: [sh, -c, "sleep 1"]\n' | put_spec containers/brief >/dev/null
assert_eq "$(timeout 30 cat "$C/brief/until/Stopped")" "Stopped" "until/Stopped"
assert_fails "Input/output error" timeout 5 cat "$C/brief/until/Running"

# rmdir releases waiters with EIO
timeout 30 cat "$C/brief/until/Running" >/dev/null 2>&1 &
sleep 0.2
( timeout 30 cat "$C/w/until/Paused" ) >/dev/null 2>&1 &
w2=$!
sleep 0.3
rmdir "$C/w"
rc=0
wait "$w2" || rc=$?
assert_eq "$rc" "1" "rmdir ends an until/ wait with an error"

# poll(): wakes on a change, times out without one
mkdir "$C/p"
assert_eq "$("$ZF_TESTTOOL" poll "$C/p/status" 300)" "timeout" "poll: no change"
"$ZF_TESTTOOL" poll "$C/p/status" 10000 >"$T/poll.out" &
poller=$!
sleep 0.3
printf 'image: busybox\n%s\n' "$FOREVER" | put_spec containers/p >/dev/null
wait "$poller"
assert_eq "$(cat "$T/poll.out")" "changed" "poll: woken by the spec"
# ctl waits for no launch: stop only once it runs (EBUSY while in flight)
assert_eq "$(timeout 60 cat "$C/p/until/Running")" Running "p runs"
"$ZF_TESTTOOL" poll "$MNT/events" 10000 >"$T/poll2.out" &
poller=$!
sleep 0.3
echo stop >"$C/p/ctl"
wait "$poller"
assert_eq "$(cat "$T/poll2.out")" "changed" "poll on events"
# ctrl-c on a blocked reader ends it
timeout -s INT 1 cat "$MNT/events" >/dev/null 2>&1 || true
timeout -s INT 1 cat "$C/p/until/Running" >/dev/null 2>&1 || true
assert_eq "$(cat "$C/p/status")" "Stopped" "still answering after interrupted readers"
unmount_zunfs
