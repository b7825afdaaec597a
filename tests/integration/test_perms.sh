#!/usr/bin/env bash
# Modes and owners; with allow_other each object belongs to its creator.
. "$(dirname "$0")/lib.sh"
chmod 755 "$T" # other users must reach the mountpoint
mount_zunfs -o allow_other
C=$MNT/containers
mode() { stat -c '%A %U' "$1"; }

mkdir "$C/mine"
assert_eq "$(mode "$MNT")" "drwxr-xr-x root" "root dir"
assert_eq "$(mode "$C")" "drwxrwxrwt root" "kind dir: anyone makes, owners remove (as /tmp)"
assert_eq "$(mode "$C/mine")" "drwxr-xr-x root" "object dir"
assert_eq "$(mode "$C/mine/spec.yaml")" "-rw-r--r-- root" "spec.yaml"
assert_eq "$(mode "$C/mine/ctl")" "--w------- root" "ctl"
for f in status status_reason task_state inspect.json; do
	assert_eq "$(mode "$C/mine/$f")" "-r--r--r-- root" "$f"
done
assert_eq "$(mode "$C/mine/until")" "dr-xr-xr-x root" "until/"
assert_eq "$(mode "$MNT/events")" "-r--r--r-- root" "events"
assert_eq "$(mode "$MNT/version")" "-r--r--r-- root" "version"
assert_eq "$(stat -c %s "$C/mine/status")" "6" "status size is its text's"

# another user: makes its own, sees only its own; root sees all
as() { setpriv --reuid="$1" --regid="$1" --clear-groups "${@:2}"; }
as 4242 mkdir "$C/theirs"
assert_eq "$(stat -c %u "$C/theirs")" "4242" "owned by its creator"
assert_eq "$(stat -c %u "$C/theirs/status")" "4242" "its files too"
assert_eq "$(as 4242 ls "$C" | tr '\n' ' ')" "theirs " "a user sees only its own"
assert_eq "$(ls "$C" | tr '\n' ' ')" "mine theirs " "root sees all"
assert_fails "No such file" as 4242 cat "$C/mine/status"
assert_fails "No such file" as 4343 rmdir "$C/theirs"
assert_fails "nonexistent" as 4343 sh -c "echo stop > '$C/theirs/ctl'"
printf 'image: busybox\n%s\n' "$FOREVER" | as 4242 "$ZF_TESTTOOL" write "$C/theirs/spec.yaml" >/dev/null
assert_eq "$(as 4242 timeout 30 cat "$C/theirs/until/Running")" "Running" "another user's container runs"
assert_eq "$(docker inspect -f '{{index .Config.Labels "zunfs.owner"}}' "$(engine_id_of theirs)")" "4242" "owner label"
as 4242 rmdir "$C/theirs"
wait_for 15 not engine_has theirs
unmount_zunfs
