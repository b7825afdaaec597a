#!/usr/bin/env bash
# Writes through data/ are the writer's (issue 19, 4): on a file system with
# blocks reserved for root, the volume's unprivileged owner writing through
# data/ gets ENOSPC where writing there directly as that user does, not
# megabytes later on root's reserve (zunfs gives up CAP_SYS_RESOURCE, and
# every other capability, for them). Root through data/ keeps root's
# rights. The file system is a small ext4 on a loop file of the test's,
# mounted over the volume's directory (and once more where the user reaches
# it directly).
. "$(dirname "$0")/lib.sh"
chmod 755 "$T"
mount_zunfs -o allow_other
OWNER=4242
as_owner() { setpriv --reuid=$OWNER --regid=$OWNER --clear-groups "$@"; }

as_owner mkdir "$MNT/volumes/v"
printf 'driver: local\n' | as_owner "$ZF_TESTTOOL" write "$MNT/volumes/v/spec.yaml" >/dev/null
assert_eq "$(as_owner timeout 30 cat "$MNT/volumes/v/until/Available")" Available "volume made"
D=$MNT/volumes/v/data
mp=$(jq -r .mountpoint "$MNT/volumes/v/inspect.json")

# 32 MiB, a fifth of it root's
truncate -s 32M "$T/fs.img"
mkfs.ext4 -q -m 20 "$T/fs.img"
loop=$(losetup --find --show "$T/fs.img")
at_exit "losetup -d $loop 2>/dev/null"
mkdir "$T/ext"
mount "$loop" "$T/ext"
at_fail "umount -l '$mp' 2>/dev/null; umount -l '$T/ext' 2>/dev/null"
chown $OWNER:$OWNER "$T/ext"
mount --bind "$T/ext" "$mp"
assert_eq "$(as_owner stat -f -c '%b %S' "$D")" "$(stat -f -c '%b %S' "$T/ext")" "data/ is on the small file system"

fill() { # FILE [as]: writes zeros to FILE until the file system refuses; its size
	local out
	out=$("${@:2}" dd if=/dev/zero of="$1" bs=64k 2>&1) && fail "dd into $1 never failed"
	[[ $out == *"No space left on device"* ]] || fail "dd into $1: $out"
	stat -c %s "$1"
}
direct=$(fill "$T/ext/direct" as_owner)
rm "$T/ext/direct"
sync
via=$(fill "$D/via" as_owner)
rm "$D/via"
sync
byroot=$(fill "$D/byroot")
rm "$D/byroot"
log "ENOSPC after: $((direct / 1024)) KiB directly as uid $OWNER, $((via / 1024)) KiB through data/, $((byroot / 1024)) KiB through data/ as root"
diff=$((via - direct))
[ "${diff#-}" -lt 1048576 ] || fail "through data/ the owner wrote $((diff / 1024)) KiB more than directly (root's reserve)"
ok
[ $((byroot - direct)) -gt 4194304 ] || fail "root through data/ did not reach its reserve: $byroot bytes"
ok

umount "$mp"
umount "$T/ext"
as_owner rmdir "$MNT/volumes/v"
unmount_zunfs
