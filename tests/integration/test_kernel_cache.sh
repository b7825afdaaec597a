#!/usr/bin/env bash
# The kernel caches names, attributes and the rendered files' pages
# (fs/fuse/cache.c); what zunfs changes must never be read stale from it:
# spec.yaml's size and mtime right after the close() that applied it (even
# when fstat()ed before the close, as vim does: vim then took the file for
# changed under it at its next write, and did not write), status right after until/, a re-read after poll() on the
# same descriptor, a member's link right after rmdir of its capsule, and
# spec.yaml's mtime unmoved by state changes (an editor's check).
. "$(dirname "$0")/lib.sh"
mount_zunfs
C=$MNT/containers

mkdir "$C/a"
printf 'image: busybox\n%s\n' "$FOREVER" | put_spec containers/a >/dev/null
timeout 60 cat "$C/a/until/Running" >/dev/null

# spec.yaml written as vim writes it in place (open, ftruncate, write,
# fsync, fstat, close): right after the close that applied it, stat()
# gives its new size and mtime, not what the fstat before the close cached
new=$(printf 'image: busybox\nlabels: {grown: "a label that makes it longer"}\n%s\n' "$FOREVER")
sleep 1.1 # the new spec's mtime is another second
old_mtime=$(stat -c %Y "$C/a/spec.yaml")
python3 - "$C/a/spec.yaml" "$new" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o644)
os.ftruncate(fd, 0)
os.write(fd, (sys.argv[2] + "\n").encode())
os.fsync(fd)
os.fstat(fd)
os.close(fd)
PY
assert_eq "$(stat -c %s "$C/a/spec.yaml")" "$(printf '%s\n' "$new" | wc -c)" "spec.yaml's size right after the close that applied it"
assert_eq "$(($(stat -c %Y "$C/a/spec.yaml") > old_mtime))" "1" "its mtime moved"
assert_eq "$(cat "$C/a/spec.yaml")" "$new" "and its text"
timeout 60 cat "$C/a/until/Running" >/dev/null
wait_for 30 bash -c "[ -z \"\$(cat '$C/a/task_state')\" ]"

# state changes leave spec.yaml's mtime alone
m1=$(stat -c %Y "$C/a/spec.yaml")
cat "$C/a/status" >/dev/null
sleep 1.1
echo stop >"$C/a/ctl"
assert_eq "$(timeout 30 cat "$C/a/until/Stopped")" "Stopped" "stopped"
assert_eq "$(cat "$C/a/status")" "Stopped" "status right after until/ (its pages were Running)"
assert_eq "$(stat -c %Y "$C/a/spec.yaml")" "$m1" "spec.yaml's mtime is its spec's, not the last state change's"

# a reader that polls, then reads again from the start on the same fd
exec 6<"$C/a/status"
assert_eq "$(head -c 7 <&6)" "Stopped" "read once"
"$ZF_TESTTOOL" poll "$C/a/status" 10000 >"$T/poll" &
poller=$!
sleep 0.3
bash -c 'echo start >"$1"' _ "$C/a/ctl" # a shell of its own: no SIGCHLD from the poller interrupts the write
wait "$poller"
assert_eq "$(cat "$T/poll")" "changed" "poll saw the change"
assert_eq "$(python3 -c "import os; print(os.pread(6, 100, 0).decode().strip())")" "Running" "a pread from the start on the held fd sees it"
exec 6<&-

# a member's link goes with its capsule, at once
mkdir "$MNT/capsules/k"
printf 'kind: capsule\nspec:\n  containers:\n  - {name: m, image: busybox, %s}\n' "$FOREVER" | put_spec capsules/k >/dev/null
timeout 60 cat "$MNT/capsules/k/until/Running" >/dev/null
stat "$C/k.m" "$C/k.m/status" >/dev/null
cat "$C/k.m/status" >/dev/null
rmdir "$MNT/capsules/k"
assert_fails "No such file or directory" stat "$C/k.m"
assert_fails "No such file or directory" ls "$C/k.m"
unmount_zunfs
