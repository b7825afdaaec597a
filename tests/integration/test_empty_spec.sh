#!/usr/bin/env bash
# Closing a spec.yaml opened for writing with O_TRUNC is a spec write,
# whatever was written: `: > spec.yaml` and `printf '' >` give an empty spec
# (a sandbox's launches, a volume's is a local volume, a container's is
# refused, saying why). A shell's `echo ... >` still applies once, and an
# open without O_TRUNC (touch) changes nothing.
. "$(dirname "$0")/lib.sh"
mount_zunfs
S=$MNT/sandboxes
V=$MNT/volumes
C=$MNT/containers

mkdir "$S/colon" "$S/printf" "$V/vol" "$C/c" "$S/touched"
: >"$S/colon/spec.yaml"
assert_eq "$(timeout 60 cat "$S/colon/until/Running")" Running ": > spec.yaml launches a sandbox"
printf '' >"$S/printf/spec.yaml"
assert_eq "$(timeout 60 cat "$S/printf/until/Running")" Running "printf '' > spec.yaml too"
: >"$V/vol/spec.yaml"
assert_eq "$(timeout 60 cat "$V/vol/until/Available")" Available "an empty volume spec: a local volume"
assert_eq "$(jq -r .driver "$V/vol/inspect.json")" local "its driver"
# a container needs an image: refused, and the shell cannot say it, the file does
: >"$C/c/spec.yaml"
wait_for 5 bash -c "grep -q 'image' '$C/c/status_reason'"
assert_eq "$(cat "$C/c/status")" Empty "nothing launched"
# touch opens for writing without O_TRUNC: nothing changes
touch "$S/touched/spec.yaml"
sleep 1
assert_eq "$(cat "$S/touched/status")" Empty "touch changes nothing"
# a shell's echo > closes a dup before writing: one spec, applied once
echo "image: busybox
$FOREVER" >"$C/c/spec.yaml"
assert_eq "$(timeout 60 cat "$C/c/until/Running")" Running "echo > applies the written spec"
assert_eq "$(cat "$C/c/status_reason")" "" "no refusal left from an empty apply"
# an O_TRUNC open closed after another writer's spec does not undo it
mkdir "$S/stale"
exec 7>"$S/stale/spec.yaml"
echo 'hostname: kept' | put_spec sandboxes/stale >/dev/null
assert_eq "$(timeout 60 cat "$S/stale/until/Running")" Running "the other writer's spec runs"
exec 7>&-
sleep 1
assert_eq "$(cat "$S/stale/spec.yaml")" "hostname: kept" "the stale empty open changed nothing"
unmount_zunfs
