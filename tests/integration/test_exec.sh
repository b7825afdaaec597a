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
