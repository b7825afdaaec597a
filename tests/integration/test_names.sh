#!/usr/bin/env bash
# mkdir and rmdir of containers: name rules, errnos, reuse of a name at once.
. "$(dirname "$0")/lib.sh"
mount_zunfs
C=$MNT/containers

mkdir "$C/web"
assert_eq "$(cat "$C/web/status")" "Empty" "new object is Empty"
assert_eq "$(cat "$C/web/status_reason")" "" "Empty has no reason"
assert_eq "$(cat "$C/web/spec.yaml")" "" "spec.yaml is empty before"
assert_fails "File exists" mkdir "$C/web"
for bad in -lead .dot _under 'a b' 'a:b' 'x*' 'é'; do
	assert_fails "Invalid argument" mkdir "$C/$bad"
done
n63=$(printf 'a%.0s' $(seq 1 63))
mkdir "$C/$n63"
assert_eq "$(cat "$C/$n63/status")" "Empty" "63-byte name"
assert_fails "File name too long" mkdir "$C/${n63}b"
for good in A a.b a-b a_b 0x9; do mkdir "$C/$good"; done
assert_eq "$(ls "$C" | wc -l)" "7" "listing"
assert_eq "$(ls "$C/web" | tr '\n' ' ')" "ctl exec health inspect.json logs spec.yaml stats status status_reason task_state top tty until " "object files"
assert_match "$(ls "$C/web/until" | tr '\n' ' ')" "^Created Creating Dead Deleting Empty Error Paused Rebuilding Restarting Running Stopped Unknown $" "until/ lists the states"
assert_fails "No such file" cat "$C/web/until/Bogus"
assert_fails "No such file" cat "$C/nosuch/status"
# only spec.yaml's replacement may be made inside; other changes are EPERM
assert_fails "Operation not permitted" mv "$C/web/status" "$C/web/status2"
assert_fails "Operation not permitted" chmod 777 "$C/web/spec.yaml"
assert_fails "Operation not permitted" rm "$C/web/status"
assert_fails "Operation not permitted" ln -s x "$C/web/link"
assert_fails "Operation not permitted" mkdir "$C/web/sub"
assert_fails "Operation not permitted" mknod "$C/web/fifo" p

# rmdir of an Empty object; the name is free at once
rmdir "$C/web"
assert_fails "No such file" cat "$C/web/status"
mkdir "$C/web"
assert_eq "$(cat "$C/web/status")" "Empty" "name reused"
for n in A a.b a-b a_b 0x9 "$n63"; do rmdir "$C/$n"; done
assert_eq "$(ls "$C" | tr '\n' ' ')" "web " "after rmdirs"
unmount_zunfs
