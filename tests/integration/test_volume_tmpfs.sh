#!/usr/bin/env bash
# A tmpfs volume holds its files in the host's memory, and what data/ writes
# there is zunfs's (issue 19, 4): one user's tmpfs volumes together stay
# within -o tmpfs_max. One over it, or over what the user's others leave, or
# of no limit at all (size=0), is refused at close() with EDQUOT and
# status_reason says why; one that names no size gets the default (64 MiB,
# or tmpfs_max when smaller), not the kernel's half of the RAM; writes
# through data/ stop at the volume's size; each user has a share of their
# own. A host device or directory stays refused (EPERM).
. "$(dirname "$0")/lib.sh"
chmod 755 "$T"
A=4242 B=4343
as() { setpriv --reuid="$1" --regid="$1" --clear-groups "${@:2}"; }
V=$MNT/volumes
put() { # UID NAME SPEC: close()'s word
	as "$1" mkdir -p "$V/$2"
	printf '%s\n' "$3" | as "$1" "$ZF_TESTTOOL" write "$V/$2/spec.yaml" || true
}
available() { # UID NAME
	assert_eq "$(as "$1" timeout 30 cat "$V/$2/until/Available")" Available "$2 made"
}
size_of() { # UID NAME: data/'s size in bytes (statfs)
	as "$1" stat -f -c '%b %S' "$V/$2/data" | awk '{ print $1 * $2 }'
}

# by default a sixteenth of the RAM: 200g is more on any host this runs on
mount_zunfs -o allow_other
assert_eq "$(put $A big 'driverOptions: {type: tmpfs, device: tmpfs, o: size=200g}')" "close: EDQUOT" "a tmpfs over the default cap"
assert_match "$(as $A cat "$V/big/status_reason")" "a tmpfs of 200 GiB is more than the .* of memory this mount allows a user \(tmpfs_max\)" "why"
assert_eq "$(put $A t0 'driverOptions: {type: tmpfs, device: tmpfs}')" ok "a tmpfs of no size"
available $A t0
assert_eq "$(docker volume inspect -f '{{.Options.o}}' "$(jq -r .volume_name "$V/t0/inspect.json")")" "size=67108864" "the engine was given the default, 64 MiB"
as $A rmdir "$V/t0" "$V/big"
unmount_zunfs

mount_zunfs -o allow_other,tmpfs_max=48m
assert_eq "$(put $A big 'driverOptions: {type: tmpfs, device: tmpfs, o: size=200g}')" "close: EDQUOT" "a tmpfs over the cap"
assert_match "$(as $A cat "$V/big/status_reason")" "a tmpfs of 200 GiB is more than the 48 MiB of memory this mount allows a user \(tmpfs_max\)" "why"
assert_eq "$(as $A cat "$V/big/status")" Empty "nothing made"
assert_eq "$(put $A big 'driverOptions: {type: tmpfs, device: tmpfs, o: "mode=1777,size=0"}')" "close: EDQUOT" "a tmpfs of no limit"
assert_match "$(as $A cat "$V/big/status_reason")" "no size limit \(size=0\)" "why"
assert_eq "$(put $A big 'driverOptions: {type: tmpfs, device: tmpfs, o: size=1t}')" "close: EDQUOT" "a tmpfs over the cap, again"
assert_eq "$(put $A big 'driverOptions: {type: tmpfs, device: tmpfs, o: size=lots}')" "close: EINVAL" "a size tmpfs cannot read"
# a host device or directory is not a tmpfs at all
assert_eq "$(put $A big 'driverOptions: {type: ext4, device: /dev/vda}')" "close: EPERM" "a host device"
assert_eq "$(put $A big 'driverOptions: {type: none, device: /etc, o: bind}')" "close: EPERM" "a host directory"
as $A rmdir "$V/big"

# no size: the default, within the cap (48 MiB here)
assert_eq "$(put $A t1 'driverOptions: {type: tmpfs, device: tmpfs}')" ok "a tmpfs of no size"
available $A t1
assert_match "$(docker volume inspect -f '{{.Options.o}}' "$(jq -r .volume_name "$V/t1/inspect.json")")" "^size=50331648$" "the engine was given the default within the cap"
# the user's share is taken: a second one does not fit beside it
assert_eq "$(put $A t2 'driverOptions: {type: tmpfs, device: tmpfs, o: size=1m}')" "close: EDQUOT" "over the user's share"
assert_match "$(as $A cat "$V/t2/status_reason")" "a tmpfs of 1 MiB beside the 48 MiB this user's tmpfs volumes hold already" "why"
# another user has a share of their own
assert_eq "$(put $B b1 'driverOptions: {type: tmpfs, device: tmpfs, o: size=32m}')" ok "another user's"
available $B b1
as $A rmdir "$V/t1"
assert_eq "$(put $A t2 'driverOptions: {type: tmpfs, device: tmpfs, o: "uid=4242,size=16m"}')" ok "within the share"
assert_eq "$(put $A t3 'driverOptions: {type: tmpfs, device: tmpfs, o: size=32m}')" ok "the rest of the share"
assert_eq "$(put $A t4 'driverOptions: {type: tmpfs, device: tmpfs, o: size=4k}')" "close: EDQUOT" "nothing left"
available $A t2
available $A t3

# writes through data/ stop at the volume's size (the engine mounts the
# tmpfs while a container uses the volume)
as $A mkdir "$MNT/containers/c"
printf 'image: busybox\n%s\nvolumeMounts: [{name: t2, mountPath: /t}]\n' "$FOREVER" |
	as $A "$ZF_TESTTOOL" write "$MNT/containers/c/spec.yaml" >/dev/null
assert_eq "$(as $A timeout 60 cat "$MNT/containers/c/until/Running")" Running "a container uses t2"
assert_eq "$(size_of $A t2)" $((16 << 20)) "data/ is the tmpfs of 16 MiB"
out=$(as $A dd if=/dev/zero of="$V/t2/data/f" bs=1M 2>&1) && fail "dd into a 16 MiB tmpfs never failed"
assert_match "$out" "No space left on device" "a full tmpfs"
written=$(stat -c %s "$V/t2/data/f")
log "through data/ into a tmpfs of 16 MiB: $written bytes"
[ "$written" -le $((16 << 20)) ] && [ "$written" -gt $((15 << 20)) ] || fail "wrote $written bytes into 16 MiB"
ok
as $A rm "$V/t2/data/f"
as $A rmdir "$MNT/containers/c"

for v in t2 t3 t4; do as $A rmdir "$V/$v"; done
as $B rmdir "$V/b1"
unmount_zunfs
