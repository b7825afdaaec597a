#!/usr/bin/env bash
# The mount is nosuid and nodev however zunfs is started (zunfs(1), USERS):
# mount.fuse3 passes "dev,suid" to a helper run by root (mount -t, fstab),
# and then a user's container could make a set-user-ID root binary and a
# device node in the user's volume, which the user ran and read from the
# host through data/ (euid 0; the host's device). Here through
# `mount -t fuse.zunfs ... -o allow_other`, in a private mount namespace
# (mount(8)'s fixed PATH finds the zunfs under test bound over
# /usr/local/bin/zunfs, as test_mount_helper does).
if [ -z "${ZF_PRIVATE_NS:-}" ]; then
	exec env ZF_PRIVATE_NS=1 unshare -m --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
chmod 755 "$T"
A=4848
as() { setpriv --reuid="$1" --regid="$1" --clear-groups "${@:2}"; }
placeholder=0
if [ ! -e /usr/local/bin/zunfs ]; then
	mkdir -p /usr/local/bin
	: >/usr/local/bin/zunfs
	placeholder=1
fi
own_daemons() {
	local p
	for p in $(pgrep -x zunfs); do
		tr '\0' ' ' <"/proc/$p/cmdline" | grep -q -- " $MNT" && echo "$p"
	done
	return 0
}
teardown() {
	local rc=$? p
	fusermount3 -u -z "$MNT" 2>/dev/null || true
	for _ in $(seq 1 50); do [ -z "$(own_daemons)" ] && break; sleep 0.1; done
	for p in $(own_daemons); do kill -9 "$p" 2>/dev/null || true; done
	[ $placeholder -eq 0 ] || { umount /usr/local/bin/zunfs 2>/dev/null; rm -f /usr/local/bin/zunfs; }
	(exit $rc)
	cleanup
}
trap teardown EXIT
mount --bind "$ZUNFS_BIN" /usr/local/bin/zunfs
mkdir -p "$MNT"

mount -t fuse.zunfs zunfs "$MNT" -o "docker=$DOCKER_HOST,state=$STATE,allow_other" ||
	fail "mount -t fuse.zunfs"
opts=$(awk -v m="$MNT" '$2 == m {print $4}' /proc/mounts)
assert_match ",$opts," ",nosuid," "mounted nosuid ($opts)"
assert_match ",$opts," ",nodev," "mounted nodev ($opts)"

log "a user's container makes a set-user-ID root binary in the user's volume; a device node is there too"
as $A mkdir "$MNT/volumes/v"
echo 'driver: local' | as $A "$ZF_TESTTOOL" write "$MNT/volumes/v/spec.yaml" >/dev/null
assert_eq "$(as $A timeout 30 cat "$MNT/volumes/v/until/Available")" Available "the volume"
as $A cp "$ZF_TESTTOOL" "$MNT/volumes/v/data/tool"
as $A mkdir "$MNT/containers/c"
printf 'image: busybox\ncommand: [sh, -c, "chown 0:0 /v/tool && chmod 4755 /v/tool && sleep 3600"]\nvolumeMounts: [{name: v, mountPath: /v}]\n' |
	as $A "$ZF_TESTTOOL" write "$MNT/containers/c/spec.yaml" >/dev/null
assert_eq "$(as $A timeout 60 cat "$MNT/containers/c/until/Running")" Running "the container"
# containers may not mknod (CAP_MKNOD is dropped): the node is made where
# the engine keeps the volume, as by anything else that reaches it
vol=$(docker volume ls -q --filter "label=zunfs.instance=$(instance)")
mknod "$(docker volume inspect -f '{{.Mountpoint}}' "$vol")/null" c 1 3
chmod 666 "$(docker volume inspect -f '{{.Mountpoint}}' "$vol")/null"
assert_match "$(stat -c %F "$MNT/volumes/v/data/null")" "character special" "the device node shows"
wait_for 20 bash -c "[ \"\$(stat -c %u '$MNT/volumes/v/data/tool')\" = 0 ]"
assert_match "$(stat -c '%a %u' "$MNT/volumes/v/data/tool")" '^4755 0$' "the binary is set-user-ID root"

log "run and read through data/ by the volume's owner"
assert_eq "$(as $A "$MNT/volumes/v/data/tool" euid)" "euid=$A" "the set-user-ID bit gives nothing"
assert_fails "Permission denied" as $A cat "$MNT/volumes/v/data/null"
assert_fails "Permission denied" as $A sh -c "echo x > '$MNT/volumes/v/data/null'"
assert_fails "Permission denied" cat "$MNT/volumes/v/data/null"

umount "$MNT" || fail "umount"
