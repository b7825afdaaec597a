#!/usr/bin/env bash
# tty: each open is an attach; a program converses with the container through
# it; several attaches at once each see the output; EOF when the stream ends;
# errnos for a container that is not running or has no stdin.
. "$(dirname "$0")/lib.sh"
mount_zunfs
C=$MNT/containers

# a shell without a tty: stdin and demultiplexed stdout+stderr
mkdir "$C/sh"
printf 'image: busybox\ncommand: [sh]\nstdin_open: true\n' | put_spec containers/sh >/dev/null
timeout 30 cat "$C/sh/until/Running" >/dev/null
exec 3<>"$C/sh/tty"
assert_eq "$(jq .attached "$C/sh/inspect.json")" "1" "one attach"
echo 'echo out-$((40+2)); echo err-1 >&2' >&3
read -r -t 10 line1 <&3
read -r -t 10 line2 <&3
assert_eq "$(printf '%s\n' "$line1" "$line2" | sort | tr '\n' ' ')" "err-1 out-42 " "stdout and stderr through tty"

# a second attach sees the same output
exec 4<"$C/sh/tty"
assert_eq "$(jq .attached "$C/sh/inspect.json")" "2" "two attaches"
echo 'echo both' >&3
read -r -t 10 a <&3
read -r -t 10 b <&4
assert_eq "$a/$b" "both/both" "both attaches see the output"
exec 4<&-
# poll() and O_NONBLOCK on a tty
assert_eq "$("$ZF_TESTTOOL" nbread "$C/sh/tty")" "read: EAGAIN" "nothing to read: EAGAIN"
"$ZF_TESTTOOL" poll "$C/sh/tty" 10000 >"$T/poll.out" &
poller=$!
sleep 0.5
echo 'echo wake' >&3
wait "$poller"
assert_eq "$(cat "$T/poll.out")" "changed" "poll wakes on output"
read -r -t 10 _ <&3 || true

# the stream ends when the container does: EOF
echo 'exit 3' >&3
assert_eq "$(timeout 10 cat <&3; echo "[rc $?]")" "[rc 0]" "EOF at the end"
exec 3<&-
wait_for 5 status_is sh Stopped
assert_eq "$(jq .attached "$C/sh/inspect.json")" "0" "no attaches after close"
# not running: EBUSY
assert_fails "Device or resource busy" cat "$C/sh/tty"

# no stdin: read-only attaches only
mkdir "$C/ro"
printf 'image: busybox\ncommand: [sh, -c, "while :; do echo tick; sleep 0.3; done"]\n' | put_spec containers/ro >/dev/null
timeout 30 cat "$C/ro/until/Running" >/dev/null
assert_fails "Permission denied" sh -c "echo x > '$C/ro/tty'"
assert_eq "$(timeout 5 head -n 2 "$C/ro/tty" 2>/dev/null | tr '\n' ' ')" "tick tick " "read-only attach"

# a reader that stops reading blocks no one; it later finds where output was dropped
mkdir "$C/flood"
printf 'image: busybox\ncommand: [sh, -c, "read go; head -c 3145728 /dev/zero; exec sleep 300"]\nstdin_open: true\n' |
	put_spec containers/flood >/dev/null
timeout 30 cat "$C/flood/until/Running" >/dev/null
exec 4<"$C/flood/tty" # opened, never read while the output comes
exec 6<>"$C/flood/tty"
echo go >&6
assert_eq "$(timeout 20 head -c 3145728 <&6 | wc -c)" "3145728" "an active reader gets all, a stalled one beside it"
sleep 1 # the stalled reader is found stalled after 200 ms without reading
assert_match "$(timeout 3 cat <&4 | tr -d '\0' || true)" "\[zunfs: [0-9]+ bytes dropped\]" "the stalled reader is told what it lost"
exec 4<&- 6>&-

# a tty container: raw output, ctrl-c reaches the foreground process
mkdir "$C/t"
printf 'image: busybox\ncommand: [sh]\ntty: true\nstdin_open: true\n' | put_spec containers/t >/dev/null
timeout 30 cat "$C/t/until/Running" >/dev/null
exec 5<>"$C/t/tty"
printf 'sleep 100; echo after-sleep\r' >&5
sleep 0.5
printf '\003' >&5
printf 'echo alive-$((1+1))\r' >&5
out=$(timeout 3 cat <&5 2>/dev/null | tr -d '\r' || true)
assert_match "$out" $'\nalive-2\n' "the shell lives on after ctrl-c"
assert_eq "$(grep -c '^after-sleep$' <<<"$out" || true)" "0" "ctrl-c stopped sleep (its echo never ran)"
exec 5<&-
assert_eq "$(cat "$C/t/status")" "Running" "closing the attach leaves it running"
unmount_zunfs
