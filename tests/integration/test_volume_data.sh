#!/usr/bin/env bash
# volumes/NAME/data/: the volume's files, read-write for its owner through
# the mount (the engine's data root is not theirs to reach), with the host's
# own permissions; new files are the caller's. Other users see nothing.
. "$(dirname "$0")/lib.sh"
chmod 755 "$T" # other users must reach the mountpoint
mount_zunfs -o allow_other
V=$MNT/volumes
as() { setpriv --reuid="$1" --regid="$1" --clear-groups "${@:2}"; }

as 4242 mkdir "$V/mine"
printf 'driver: local\n' | as 4242 "$ZF_TESTTOOL" write "$V/mine/spec.yaml" >/dev/null
assert_eq "$(as 4242 timeout 30 cat "$V/mine/until/Available")" "Available" "made by a user"
D=$V/mine/data
assert_eq "$(as 4242 stat -c '%F %u' "$D")" "directory 4242" "data/ is the owner's directory"
# the files really are where the engine keeps them, which the owner cannot reach
mp=$(jq -r .mountpoint "$V/mine/inspect.json")
assert_fails "Permission denied" as 4242 ls "$mp"

# cp in and out, mkdir, mv, ln -s, append, truncate, chmod, touch, rm: as the owner
echo from-host >"$T/in.txt"
chmod 644 "$T/in.txt"
as 4242 cp "$T/in.txt" "$D/"
as 4242 mkdir "$D/sub"
as 4242 mv "$D/in.txt" "$D/sub/in.txt"
as 4242 ln -s sub/in.txt "$D/link"
as 4242 sh -c "echo more >> '$D/sub/in.txt'"
assert_eq "$(as 4242 cat "$D/link" | tr '\n' ' ')" "from-host more " "through a link in the volume"
assert_eq "$(stat -c '%u %g %a' "$mp/sub/in.txt")" "4242 4242 644" "new files are the caller's"
as 4242 truncate -s 4 "$D/sub/in.txt"
assert_eq "$(as 4242 cat "$D/sub/in.txt")" "from" "truncate"
as 4242 chmod 600 "$D/sub/in.txt"
as 4242 touch -d 2020-01-02 "$D/sub/in.txt"
assert_eq "$(as 4242 stat -c '%a %y' "$D/sub/in.txt" | cut -c1-14)" "600 2020-01-02" "chmod and touch"
mkdir -m 777 "$T/u"
as 4242 cp "$D/sub/in.txt" "$T/u/out.txt"
assert_eq "$(cat "$T/u/out.txt")" "from" "cp out"
assert_eq "$(as 4242 ls "$D" | tr '\n' ' ')" "link sub " "ls"
# the owner may lock themselves out of a directory, and back in
as 4242 chmod 700 "$D"
assert_eq "$(as 4242 stat -c %a "$D")" "700" "chmod data/"
as 4242 chmod 755 "$D"
assert_fails "Device or resource busy" as 4242 rmdir "$D"
assert_eq "$(as 4242 "$ZF_TESTTOOL" rename "$D/link" "$V/mine/spec2" || true)" "rename: EXDEV" "out of data/ is another file system"

# the caller's supplementary groups count: a root file shared with group 5000
echo from-root >"$D/shared.txt"
chgrp 5000 "$D/shared.txt"
chmod 660 "$D/shared.txt"
assert_fails "Permission denied" as 4242 cat "$D/shared.txt"
assert_eq "$(setpriv --reuid=4242 --regid=4242 --groups=5000 cat "$D/shared.txt")" "from-root" "through a supplementary group"
setpriv --reuid=4242 --regid=4242 --groups=5000 sh -c "echo by-group >> '$D/shared.txt'"
assert_eq "$(tail -n 1 "$D/shared.txt")" "by-group" "written through the group"
rm "$D/shared.txt"

# others: nothing to see; root: everything
assert_fails "No such file or directory" as 4343 ls "$D"
assert_fails "No such file or directory" as 4343 cat "$D/link"
assert_eq "$(ls "$D" | tr '\n' ' ')" "link sub " "root sees it"

# a container mounting the volume sees the owner's files
as 4242 mkdir "$MNT/containers/c"
printf 'image: busybox\ncommand: [sh, -c, "ls -n /d/sub; sleep 300"]\nvolumeMounts: [{name: mine, mountPath: /d}]\n' | as 4242 "$ZF_TESTTOOL" write "$MNT/containers/c/spec.yaml" >/dev/null
as 4242 timeout 30 cat "$MNT/containers/c/until/Running" >/dev/null
wait_for 10 grep -q in.txt "$MNT/containers/c/logs"
assert_match "$(cat "$MNT/containers/c/logs")" "4242 +4242 .* in.txt" "the container sees them, the owner's"

as 4242 rmdir "$MNT/containers/c"
as 4242 rm -r "$D/sub" "$D/link"
assert_eq "$(as 4242 ls -A "$D")" "" "emptied"
wait_for 20 bash -c "[ \"\$(cat '$V/mine/status')\" = Available ]"
as 4242 rmdir "$V/mine"
wait_for 20 bash -c "[ ! -e '$mp' ]"
ok
unmount_zunfs
