#!/usr/bin/env bash
# exec: a command line written on an open file runs in the container; its
# output comes back on the same descriptor, then "[exit N]", then EOF.
. "$(dirname "$0")/lib.sh"
mount_zunfs
C=$MNT/containers
mkdir "$C/x"
printf 'image: busybox\n%s\n' "$FOREVER" | put_spec containers/x >/dev/null
timeout 30 cat "$C/x/until/Running" >/dev/null

exec 3<>"$C/x/exec"
echo 'ls /' >&3
out=$(timeout 10 cat <&3)
exec 3>&-
assert_match "$out" $'bin\n.*etc\n.*tmp\n\\[exit 0\\]$' "ls / and its exit code"

exec 3<>"$C/x/exec"
echo "sh -c 'echo to-err >&2; exit 7'" >&3
assert_eq "$(timeout 10 cat <&3)" $'to-err\n[exit 7]' "stderr and a non-zero exit"
exec 3>&-

# "[exit N]" stands on its own line whatever the output's last byte and
# however far the reader has got: output without a final newline taken as it
# comes (the reader drained the buffer before the exit), on stdout or stderr
exec 3<>"$C/x/exec"
echo "sh -c 'printf abc; sleep 0.5'" >&3
assert_eq "$(timeout 10 cat <&3)" $'abc\n[exit 0]' "stdout without a newline, read as it came"
exec 3>&-
exec 3<>"$C/x/exec"
echo 'printf abc' >&3
assert_eq "$(timeout 10 cat <&3)" $'abc\n[exit 0]' "printf abc"
exec 3>&-
exec 3<>"$C/x/exec"
echo "sh -c 'printf err >&2; sleep 0.5; exit 4'" >&3
assert_eq "$(timeout 10 cat <&3)" $'err\n[exit 4]' "stderr without a newline, read as it came"
exec 3>&-
# ... and read only after the command ended (the output still buffered)
exec 3<>"$C/x/exec"
echo "sh -c 'echo out; sleep 0.2; printf err >&2'" >&3
sleep 1
assert_eq "$(timeout 10 cat <&3)" $'out\nerr\n[exit 0]' "read after the end"
exec 3>&-
# a last newline is not doubled; no output at all: the status line alone
exec 3<>"$C/x/exec"
echo "sh -c 'echo line; sleep 0.5'" >&3
assert_eq "$(timeout 10 cat <&3 | od -c | head -n 2)" "$(printf 'line\n[exit 0]\n' | od -c | head -n 2)" "one newline before the status line"
exec 3>&-
exec 3<>"$C/x/exec"
echo 'true' >&3
assert_eq "$(timeout 10 cat <&3 | od -c | head -n 2)" "$(printf '[exit 0]\n' | od -c | head -n 2)" "no output: the status line alone"
exec 3>&-

# a reader that read nothing while the command wrote 2 MB: the oldest output
# was dropped, and the note saying so stands whole on its own line even to
# a reader that reads a few bytes at a time (dd bs=5), as does "[exit N]"
exec 3<>"$C/x/exec"
echo "sh -c 'yes abcdefg | head -c 2000000; printf tail'" >&3
sleep 1.5
out=$(timeout 20 dd bs=5 status=none <&3 | grep -av '^abcdefg$' || true)
exec 3>&-
# (a line cut by the drop: its end may stand after the note)
assert_match "$out" $'^\\[zunfs: [0-9]+ bytes dropped\\]\n([a-g]+\n)?tail\n\\[exit 0\\]$' "the dropped note, read 5 bytes at a time"

# a container with a tty: exec without -t is no different
mkdir "$C/tt"
printf 'image: busybox\ntty: true\n%s\n' "$FOREVER" | put_spec containers/tt >/dev/null
timeout 30 cat "$C/tt/until/Running" >/dev/null
exec 3<>"$C/tt/exec"
echo "sh -c 'printf abc; sleep 0.5'" >&3
assert_eq "$(timeout 10 cat <&3)" $'abc\n[exit 0]' "in a tty container"
exec 3>&-

# -i: later writes go to the command's stdin
exec 3<>"$C/x/exec"
echo '-i head -n 2' >&3
printf 'one\ntwo\nthree\n' >&3
assert_eq "$(timeout 10 cat <&3)" $'one\ntwo\n[exit 0]' "stdin with -i"
exec 3>&-

# a command that does not exist
exec 3<>"$C/x/exec"
echo 'no-such-command' >&3
assert_match "$(timeout 10 cat <&3)" "\\[exit 12[67]\\]$" "missing command: 126/127"
exec 3>&-
# opened read-only: nothing to run
assert_fails "Permission denied" cat "$C/x/exec"
# bad command lines
assert_eq "$(echo "sh -c 'unclosed" | "$ZF_TESTTOOL" write "$C/x/exec")" "write: EINVAL" "unclosed quote"
assert_eq "$(echo "-i" | "$ZF_TESTTOOL" write "$C/x/exec")" "write: EINVAL" "no command"
# a stopped container
echo stop >"$C/x/ctl"
assert_eq "$(echo ls | "$ZF_TESTTOOL" write "$C/x/exec")" "write: EBUSY" "a stopped container"
unmount_zunfs
