#!/usr/bin/env bash
# Objects per user (issue 19, item 6): with allow_other a user has at most
# -o max_objects records (default 1000; capsule members count); the next
# mkdir is EDQUOT, and another user's and root's mkdir still work.
. "$(dirname "$0")/lib.sh"
chmod 755 "$T"
as() { setpriv --reuid="$1" --regid="$1" --clear-groups "${@:2}"; }
A=4242 B=4343

mount_zunfs -o allow_other
# the default: 1000
start=$SECONDS
as $A bash -c 'cd "$1" && mkdir o{1..1000}' _ "$MNT/containers"
log "1000 mkdirs by one user in $((SECONDS - start)) s"
assert_fails "Disk quota exceeded" as $A mkdir "$MNT/volumes/one-more"
assert_fails "Disk quota exceeded" as $A mkdir "$MNT/capsules/one-more"
assert_fails "File exists" as $A mkdir "$MNT/containers/o1" # a taken name says so first
as $B mkdir "$MNT/containers/b1" || fail "B's mkdir while A is at their quota"
ok
mkdir "$MNT/containers/r1" || fail "root's mkdir while A is at their quota"
ok
# one removed is one more to make
as $A rmdir "$MNT/containers/o1000"
as $A mkdir "$MNT/volumes/v1" || fail "A's mkdir after an rmdir"
ok
unmount_zunfs

# -o max_objects=N; a capsule's members count, and a member's mkdir is refused alike
mount_zunfs -o allow_other,max_objects=1002
as $A mkdir "$MNT/capsules/p"
printf 'kind: capsule\nspec:\n  containers:\n  - {name: m, image: busybox, command: [sleep, "3600"]}\n' |
	as $A "$ZF_TESTTOOL" write "$MNT/capsules/p/spec.yaml" >/dev/null
as $A timeout 60 cat "$MNT/capsules/p/until/Running" >/dev/null
assert_eq "$(as $A ls "$MNT/capsules/p/containers")" "m" "the capsule's member"
assert_fails "Disk quota exceeded" as $A mkdir "$MNT/capsules/p/containers/added"
assert_fails "Disk quota exceeded" as $A mkdir "$MNT/containers/x"
as $A rmdir "$MNT/containers/o999"
as $A mkdir "$MNT/capsules/p/containers/added" || fail "a member's mkdir under the quota"
ok
unmount_zunfs

# 0: no cap
mount_zunfs -o allow_other,max_objects=0
as $A mkdir "$MNT/containers/x" || fail "max_objects=0 is no cap"
ok
unmount_zunfs
assert_fails "max_objects=-2" "$ZUNFS_BIN" -f -o "docker=$DOCKER_HOST,state=$STATE,max_objects=-2" "$MNT"
