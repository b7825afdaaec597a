#!/usr/bin/env bash
# volumes/ with driver: cinder against a real Cinder (scripts/cinder, started
# here and stopped at the end whatever happens) and the real engine: a volume
# made in Cinder, attached (reserve, initialize_connection, a loop over its
# file, attach, mkfs, mount under the state directory), a container writing
# to it and a second one reading it back, data/ showing it; adopting a Cinder
# volume by volumeID (its filesystem kept, rmdir only forgets it); a failed
# mount rolled back (the volume available again, nothing looped or mounted);
# rmdir deleting a made one; Cinder's quota and capacity refusals.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cinder.sh"
start_cinder /tmp/zunfs-it-cinder 8776 5682

mount_zunfs -o "cinder=$CINDER_URL"
V=$MNT/volumes
C=$MNT/containers

# made in Cinder: 1 GiB, labelled, attached and mounted under the state directory
mkdir "$V/cv"
assert_eq "$(printf 'driver: cinder\nsize: 1\n' | put_spec volumes/cv)" "ok" "a cinder volume"
assert_eq "$(timeout 120 cat "$V/cv/until/Available" || echo "why: $(cat "$V/cv/status_reason")")" "Available" "made and attached"
ID=$(jq -r .volume_name "$V/cv/inspect.json")
assert_match "$ID" '^[0-9a-f-]{36}$' "its Cinder id"
assert_eq "$(capi "$CINDER_URL/volumes/$ID" | jq -r '.volume | "\(.status) \(.size) \(.metadata."zunfs.name") \(.attachments[0].host_name)"')" "in-use 1 cv zunfs-$(hostname)" "in Cinder"
MP=$(findmnt -rn -o TARGET,FSTYPE -S "$(findmnt -rn -o SOURCE --target "$STATE/cinder/$ID")")
assert_eq "$MP" "$STATE/cinder/$ID ext4" "mounted under the state directory, made ext4"
assert_eq "$(loops_over "volume-$ID")" "1" "one loop over its file"

# another zunfs on this host (its own state directory) cannot take it:
# both attach as zunfs-HOSTNAME, the state directory tells them apart
mkdir -p "$T/mnt2"
"$ZUNFS_BIN" -f -o "docker=$DOCKER_HOST,state=$T/state2,cinder=$CINDER_URL" "$T/mnt2" >>"$T/zunfs2.log" 2>&1 &
Z2=$!
at_exit "fusermount3 -u '$T/mnt2' 2>/dev/null; kill $Z2 2>/dev/null"
wait_for 10 mountpoint -q "$T/mnt2"
mkdir "$T/mnt2/volumes/steal"
printf 'driver: cinder\nvolumeID: %s\n' "$ID" | "$ZF_TESTTOOL" write "$T/mnt2/volumes/steal/spec.yaml" >/dev/null
assert_eq "$(timeout 60 cat "$T/mnt2/volumes/steal/until/Error")" "Error" "the other zunfs's attach is refused"
assert_match "$(cat "$T/mnt2/volumes/steal/status_reason")" "EBUSY|in use by zunfs-$(hostname) \(another zunfs on this host" "why"
rmdir "$T/mnt2/volumes/steal"
wait_for 30 not test -e "$T/mnt2/volumes/steal"
fusermount3 -u "$T/mnt2"
wait "$Z2" 2>/dev/null || true
[ -z "$(sanitizer_findings "$T/zunfs2.log")" ] || { sanitizer_findings "$T/zunfs2.log"; fail "the second zunfs: a sanitizer report"; }
assert_eq "$(cstatus "$ID") $(loops_over "volume-$ID") $(cat "$V/cv/status")" "in-use 1 Available" "ours untouched"

# a container writes; another, after the first is gone, reads it back
mkdir "$C/w"
printf 'image: busybox\ncommand: [sh, -c, "echo from-w > /d/f.txt; sync"]\nvolumeMounts: [{name: cv, mountPath: /d}]\n' | put_spec containers/w >/dev/null
assert_eq "$(timeout 60 cat "$C/w/until/Stopped")" "Stopped" "the writer ran"
rmdir "$C/w"
wait_for 30 not test -e "$C/w"
mkdir "$C/r"
printf 'image: busybox\ncommand: [cat, /d/f.txt]\nvolumeMounts: [{name: cv, mountPath: /d}]\n' | put_spec containers/r >/dev/null
assert_eq "$(timeout 60 cat "$C/r/until/Stopped")" "Stopped" "the reader ran"
wait_for 10 grep -q from-w "$C/r/logs"
assert_eq "$(cat "$V/cv/data/f.txt")" "from-w" "data/ shows it"
rmdir "$C/r"
wait_for 30 not test -e "$C/r"

# adopted by volumeID: its filesystem kept, rmdir forgets it and never deletes it
A=$(capi -X POST "$CINDER_URL/volumes" -d '{"volume": {"size": 1, "name": "made-outside"}}' | jq -r .volume.id)
wait_for 60 is_status "$A" available
mkdir "$V/ad"
assert_eq "$(printf 'driver: cinder\nvolumeID: %s\n' "$A" | put_spec volumes/ad)" "ok" "adopt"
assert_eq "$(timeout 120 cat "$V/ad/until/Available" || echo "why: $(cat "$V/ad/status_reason")")" "Available" "adopted and attached"
echo kept >"$V/ad/data/k.txt"
rmdir "$V/ad"
wait_for 60 not test -e "$V/ad"
# rmdir returns at once; the detach goes on behind
wait_for 60 is_status "$A" available
assert_eq "$(cstatus "$A")" "available" "rmdir only detached it"
assert_eq "$(loops_over "volume-$A")" "0" "no loop left"
mkdir "$V/ad2"
assert_eq "$(printf 'driver: cinder\nvolumeID: %s\n' "$A" | put_spec volumes/ad2)" "ok" "adopt again"
assert_eq "$(timeout 120 cat "$V/ad2/until/Available")" "Available" "attached again"
assert_eq "$(cat "$V/ad2/data/k.txt")" "kept" "no mkfs over its filesystem"
rmdir "$V/ad2"
wait_for 60 not test -e "$V/ad2"
wait_for 60 is_status "$A" available

# a failed step rolls back: a swap signature cannot be mounted
B=$(capi -X POST "$CINDER_URL/volumes" -d '{"volume": {"size": 1, "name": "unmountable"}}' | jq -r .volume.id)
wait_for 60 is_status "$B" available
mkswap -q "$CDIR/export/volume-$B" >/dev/null
mkdir "$V/bad"
assert_eq "$(printf 'driver: cinder\nvolumeID: %s\n' "$B" | put_spec volumes/bad)" "ok" "adopt"
assert_eq "$(timeout 120 cat "$V/bad/until/Error")" "Error" "the mount failed"
assert_match "$(cat "$V/bad/status_reason")" "mount /dev/loop[0-9]+ \(swap\)" "why"
assert_eq "$(cstatus "$B")" "available" "Cinder: available again"
assert_eq "$(loops_over "volume-$B")" "0" "no loop left"
assert_eq "$(findmnt -rn -o TARGET | grep -c "$STATE/cinder/$B" || true)" "0" "nothing mounted"
rmdir "$V/bad"
wait_for 60 not test -e "$V/bad"
sleep 2
assert_eq "$(cstatus "$B")" "available" "an adopted volume is never deleted"

# rmdir of a made one: unmounted, detached, deleted in Cinder
rmdir "$V/cv"
wait_for 60 not test -e "$V/cv"
wait_for 30 is_status "$ID" gone
assert_eq "$(loops_over "volume-$ID")" "0" "no loop left"
assert_eq "$(findmnt -rn -o TARGET | grep -c "$STATE/cinder" || true)" "0" "nothing mounted"
capi -X DELETE "$CINDER_URL/volumes/$A" >/dev/null
capi -X DELETE "$CINDER_URL/volumes/$B" >/dev/null
wait_for 60 is_status "$A" gone
wait_for 60 is_status "$B" gone

# Cinder's refusals in Cinder's words, nothing left behind: over the
# project's quota (413 at create), and more than any backend has (the
# scheduler fails the volume: Cinder's user message)
project=${CINDER_URL##*/}
assert_eq "$(capi -X PUT "$CINDER_URL/os-quota-sets/$project" -d '{"quota_set": {"gigabytes": 3}}' | jq -r .quota_set.gigabytes)" "3" "a 3 GB quota"
mkdir "$V/big"
assert_eq "$(printf 'driver: cinder\nsize: 5Gi\n' | put_spec volumes/big)" "ok" "5 GiB asked"
assert_eq "$(timeout 60 cat "$V/big/until/Error")" "Error" "over the quota"
assert_match "$(cat "$V/big/status_reason")" "Cinder: POST /volumes: 413 .*quota" "Cinder's words"
assert_eq "$(capi "$CINDER_URL/volumes/detail" | jq '.volumes | length')" "0" "nothing made"
rmdir "$V/big"
wait_for 30 not test -e "$V/big"
capi -X PUT "$CINDER_URL/os-quota-sets/$project" -d '{"quota_set": {"gigabytes": -1}}' >/dev/null
mkdir "$V/huge"
assert_eq "$(printf 'driver: cinder\nsize: 900000Gi\n' | put_spec volumes/huge)" "ok" "900000 GiB asked"
assert_eq "$(timeout 120 cat "$V/huge/until/Error")" "Error" "no backend has room"
assert_match "$(cat "$V/huge/status_reason")" "Cinder: the volume is error: .+" "Cinder's user message"
HID=$(jq -r .volume_name "$V/huge/inspect.json")
assert_eq "$(cstatus "$HID")" "error" "the failed volume, kept while its record is"
unmount_zunfs
mount_zunfs -o "cinder=$CINDER_URL"
wait_for 30 bash -c "grep -q attaching '$V/huge/status_reason'"
assert_match "$(cat "$V/huge/status_reason")" "Cinder: the volume is error: .+" "after a restart, still Cinder's words"
rmdir "$V/huge"
wait_for 30 not test -e "$V/huge"
wait_for 60 is_status "$HID" gone
assert_eq "$(capi "$CINDER_URL/volumes/detail" | jq '.volumes | length')" "0" "rmdir deleted it in Cinder"
unmount_zunfs
