#!/usr/bin/env bash
# A device node swapped in under a file's name (issue 19, 1): a container may
# mknod in its volume and exchange a block device with a regular file in a
# loop (renameat2 RENAME_EXCHANGE), so that the kernel looks up the file and
# zunfs's open finds the device. Through data/, the volume's unprivileged
# owner opens, reads, writes and truncates the name all the while: no read
# returns the device's contents and no write reaches it. The device is a
# loop device over a file of the test's (never a disk), the container's side
# is played by a process on the host in the volume's directory. And the
# container itself makes no device node (zunfs drops CAP_MKNOD).
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

# the host's device: what only it holds is MARK, over and over
MARK=HOST-DEVICE-ONLY
{ yes "$MARK" || true; } | head -c 1048576 >"$T/disk"
before=$(sha256sum <"$T/disk")
loop=$(losetup --find --show "$T/disk")
at_exit "losetup -d $loop 2>/dev/null"
major=$((16#$(stat -c %t "$loop"))) minor=$((16#$(stat -c %T "$loop")))

# the container's part: a file of the owner's and a node of the device,
# both 0666 (a container's root sets what mode it likes), swapped in a loop
head -c 65536 /dev/zero | tr '\0' r >"$mp/f"
chown $OWNER:$OWNER "$mp/f"
chmod 666 "$mp/f"
mknod -m 666 "$mp/dev" b "$major" "$minor"
"$ZF_TESTTOOL" swap "$mp/f" "$mp/dev" 5 >"$T/swap.out" &
swapper=$!
as_owner "$ZF_TESTTOOL" hammer "$D/f" 5 "$MARK" >"$T/hammer.out"
wait $swapper || fail "the swapper failed: $(cat "$T/swap.out")"
log "swapper: $(cat "$T/swap.out"); through data/: $(cat "$T/hammer.out")"
read -r _ opens _ marks _ writes <"$T/hammer.out"
# the race ran: the file itself was opened and written meanwhile
[ "$opens" -gt 0 ] && [ "$writes" -gt 0 ] || fail "no open of the file through data/ succeeded: the race did not run"
ok
assert_eq "$marks" 0 "reads through data/ that returned the device's contents"
sync
losetup -d "$loop"
assert_eq "$(sha256sum <"$T/disk")" "$before" "the device's contents after the race"

# and without a race: the node itself is listed, of no device, never opened
rm -f "$mp/f" "$mp/dev"
mknod -m 666 "$mp/dev" b "$major" "$minor"
assert_eq "$(as_owner stat -c '%F %t:%T' "$D/dev")" "block special file 0:0" "a device node shows no device"
assert_fails "Permission denied" as_owner cat "$D/dev"
rm -f "$mp/dev"

# containers make no device nodes at all (CAP_MKNOD dropped), FIFOs still
as_owner mkdir "$MNT/containers/c"
printf '%s\n' 'image: busybox' \
	'command: [sh, -c, "mknod /d/node b 7 0 || echo no-mknod; mkfifo /d/fifo && echo fifo-made; sleep 300"]' \
	'volumeMounts: [{name: v, mountPath: /d}]' | as_owner "$ZF_TESTTOOL" write "$MNT/containers/c/spec.yaml" >/dev/null
assert_eq "$(as_owner timeout 60 cat "$MNT/containers/c/until/Running")" Running "a container of the owner's"
wait_for 10 grep -q fifo-made "$MNT/containers/c/logs"
assert_match "$(cat "$MNT/containers/c/logs")" "Operation not permitted" "mknod of a device in a container"
assert_eq "$(ls "$mp")" fifo "only the FIFO was made"
as_owner rmdir "$MNT/containers/c"
wait_for 20 bash -c "[ \"\$(cat '$MNT/volumes/v/status')\" = Available ]"
as_owner rmdir "$MNT/volumes/v"
unmount_zunfs
