#!/usr/bin/env bash
# A capsule's own Cinder volumes against a real Cinder (scripts/cinder,
# started here and cleaned at the end) and the real engine:
# {cinder: {size: 1, autoRemove: true}} made with the capsule, attached once
# for two members that both mount it, kept through an upgrade (same volume,
# its files), deleted with the capsule; {cinder: {volumeID}} adopted, never
# deleted, and one holder per Cinder volume (EBUSY); without autoRemove the
# volume stays in Cinder after rmdir, unlabelled; the capsule spec's sample
# with its flat driver: cinder volume, and a volume type Cinder lacks.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cinder.sh"
start_cinder /tmp/zunfs-it-cinder-capsule 8777 5683
# the Cinder volumes labelled with a capsule's uuid
vols_of() { capi "$CINDER_URL/volumes/detail" | jq -r --arg u "$1" '.volumes[] | select(.metadata."zunfs.uuid" == $u) | .id'; }
mounts_of() { docker inspect -f '{{range .Mounts}}{{.Type}}:{{.Source}}:{{.Destination}} {{end}}' "$1"; }
FOREVER='command: [sh, -c, "trap exit TERM; while :; do sleep 1; done"]'

mount_zunfs -o "cinder=$CINDER_URL"
K=$MNT/capsules
V=$MNT/volumes

# two members mount one volume made with the capsule: one attach, one loop
mkdir "$K/two"
cat >"$T/two.yaml" <<YAML
kind: capsule
spec:
  containers:
  - {name: a, image: busybox, command: [sh, -c, "echo from-a > /d/a.txt; sync; trap exit TERM; while :; do sleep 1; done"], volumeMounts: [{name: shared, mountPath: /d}]}
  - {name: b, image: busybox, $FOREVER, volumeMounts: [{name: shared, mountPath: /e}]}
  volumes:
  - {name: shared, cinder: {size: 1, autoRemove: true}}
YAML
assert_eq "$("$ZF_TESTTOOL" write "$K/two/spec.yaml" <"$T/two.yaml")" "ok" "a capsule with a cinder volume"
assert_eq "$(timeout 180 cat "$K/two/until/Running") $(cat "$K/two/status_reason")" "Running " "it runs"
U=$(jq -r .uuid "$K/two/inspect.json")
ID=$(vols_of "$U")
assert_match "$ID" '^[0-9a-f-]{36}$' "one Cinder volume for it"
assert_eq "$(capi "$CINDER_URL/volumes/$ID" | jq -r '.volume | "\(.status) \(.size) \(.attachments | length) \(.name) \(.metadata."zunfs.role")"')" "in-use 1 1 zunfs-two.shared cinder.shared" "in Cinder: attached once"
assert_eq "$(loops_over "volume-$ID")" "1" "one loop over its file"
ida=$(jq -r .container_id "$K/two/containers/a/inspect.json")
idb=$(jq -r .container_id "$K/two/containers/b/inspect.json")
assert_eq "$(mounts_of "$ida")" "bind:$STATE/cinder/$ID:/d " "a binds the host mount"
assert_eq "$(mounts_of "$idb")" "bind:$STATE/cinder/$ID:/e " "b binds the same"
wait_for 30 docker exec "$idb" test -e /e/a.txt
assert_eq "$(docker exec "$idb" cat /e/a.txt)" "from-a" "b reads what a wrote"

# an upgrade: the new generation mounts the same volume, files and all
sed 's/echo from-a > \/d\/a.txt; sync; //' "$T/two.yaml" >"$T/two2.yaml"
assert_eq "$("$ZF_TESTTOOL" write "$K/two/spec.yaml" <"$T/two2.yaml")" "ok" "an upgrade"
wait_for 120 bash -c "[ \"\$(jq .generation '$K/two/inspect.json')\" = 2 ] || [ -n \"\$(cat '$K/two/status_reason')\" ]"
wait_for 30 bash -c "[ -z \"\$(cat '$K/two/task_state')\" ]"
assert_eq "$(cat "$K/two/status") $(cat "$K/two/status_reason")" "Running " "upgraded"
wait_for 30 bash -c "[ \"\$(jq -r .container_id '$K/two/containers/b/inspect.json')\" != '$idb' ]"
idb2=$(jq -r .container_id "$K/two/containers/b/inspect.json")
assert_eq "$(docker exec "$idb2" cat /e/a.txt)" "from-a" "the new generation has the files"
assert_eq "$(vols_of "$U")" "$ID" "the same volume"
assert_eq "$(capi "$CINDER_URL/volumes/$ID" | jq -r '.volume | "\(.status) \(.attachments | length)"')" "in-use 1" "still attached once"
assert_eq "$(loops_over "volume-$ID")" "1" "still one loop"

# rmdir: the containers, then the volume: detached and deleted (autoRemove)
rmdir "$K/two"
wait_for 90 not test -e "$K/two"
wait_for 60 is_status "$ID" gone
assert_eq "$(loops_over "volume-$ID")" "0" "no loop left"
assert_eq "$(findmnt -rn -o TARGET | grep -c "$STATE/cinder/$ID" || true)" "0" "nothing mounted"

# adopted by volumeID: used, never deleted; one holder at a time
A=$(capi -X POST "$CINDER_URL/volumes" -d '{"volume": {"size": 1, "name": "made-outside"}}' | jq -r .volume.id)
wait_for 60 is_status "$A" available
mkdir "$K/ad"
printf 'kind: capsule\nspec:\n  containers:\n  - {name: w, image: busybox, command: [sh, -c, "echo adopted > /d/k.txt; sync; trap exit TERM; while :; do sleep 1; done"], volumeMounts: [{name: v, mountPath: /d}]}\n  volumes:\n  - {name: v, cinder: {volumeID: %s}}\n' "$A" >"$T/ad.yaml"
assert_eq "$("$ZF_TESTTOOL" write "$K/ad/spec.yaml" <"$T/ad.yaml")" "ok" "adopt in a capsule"
assert_eq "$(timeout 120 cat "$K/ad/until/Running")" "Running" "it runs"
assert_eq "$(cstatus "$A")" "in-use" "attached"
mkdir "$V/dup"
assert_eq "$(printf 'driver: cinder\nvolumeID: %s\n' "$A" | put_spec volumes/dup)" "close: EBUSY" "a second holder"
assert_match "$(cat "$V/dup/status_reason")" "Cinder volume $A is already capsule ad's" "why"
rmdir "$V/dup"
mkdir "$K/ad2"
assert_eq "$("$ZF_TESTTOOL" write "$K/ad2/spec.yaml" <"$T/ad.yaml")" "close: EBUSY" "nor another capsule"
rmdir "$K/ad2"
rmdir "$K/ad"
wait_for 90 not test -e "$K/ad"
wait_for 60 is_status "$A" available
sleep 2
assert_eq "$(cstatus "$A")" "available" "only detached, never deleted"
mkdir "$V/back"
assert_eq "$(printf 'driver: cinder\nvolumeID: %s\n' "$A" | put_spec volumes/back)" "ok" "adopt it as a volume now"
assert_eq "$(timeout 120 cat "$V/back/until/Available" || echo "why: $(cat "$V/back/status_reason")")" "Available" "attached"
assert_eq "$(cat "$V/back/data/k.txt")" "adopted" "its files"
rmdir "$V/back"
wait_for 60 not test -e "$V/back"
wait_for 60 is_status "$A" available

# without autoRemove: kept in Cinder after rmdir, detached, without zunfs.instance
mkdir "$K/keep"
printf 'kind: capsule\nspec:\n  containers:\n  - {name: w, image: busybox, %s, volumeMounts: [{name: v, mountPath: /d}]}\n  volumes:\n  - {name: v, cinder: {size: 1}}\n' "$FOREVER" | put_spec capsules/keep >/dev/null
assert_eq "$(timeout 120 cat "$K/keep/until/Running")" "Running" "a kept volume's capsule runs"
KU=$(jq -r .uuid "$K/keep/inspect.json")
KID=$(vols_of "$KU")
assert_match "$KID" '^[0-9a-f-]{36}$' "made"
rmdir "$K/keep"
wait_for 90 not test -e "$K/keep"
wait_for 60 is_status "$KID" available
assert_eq "$(capi "$CINDER_URL/volumes/$KID" | jq -r '.volume.metadata | has("zunfs.instance")')" "false" "no clean-up of zunfs's takes it"
assert_eq "$(loops_over "volume-$KID")" "0" "no loop left"

# made with autoRemove, kept by an upgrade that drops it: at rmdir the
# volume stays in Cinder without zunfs's instance label, so the next
# start's orphan pass leaves it
mkdir "$K/flip"
printf 'kind: capsule\nspec:\n  containers:\n  - {name: w, image: busybox, %s, volumeMounts: [{name: v, mountPath: /d}]}\n  volumes:\n  - {name: v, cinder: {size: 1, autoRemove: true}}\n' "$FOREVER" >"$T/flip1.yaml"
assert_eq "$("$ZF_TESTTOOL" write "$K/flip/spec.yaml" <"$T/flip1.yaml")" "ok" "made with autoRemove"
assert_eq "$(timeout 120 cat "$K/flip/until/Running")" "Running" "it runs"
FID=$(vols_of "$(jq -r .uuid "$K/flip/inspect.json")")
sed 's/, autoRemove: true//' "$T/flip1.yaml" >"$T/flip2.yaml"
assert_eq "$("$ZF_TESTTOOL" write "$K/flip/spec.yaml" <"$T/flip2.yaml")" "ok" "an upgrade keeps it"
wait_for 120 bash -c "[ \"\$(jq .generation '$K/flip/inspect.json')\" = 2 ] && [ -z \"\$(cat '$K/flip/task_state')\" ]"
rmdir "$K/flip"
wait_for 90 not test -e "$K/flip"
wait_for 60 is_status "$FID" available
assert_eq "$(capi "$CINDER_URL/volumes/$FID" | jq -r '.volume.metadata | has("zunfs.instance")')" "false" "no longer zunfs's to clean up"
unmount_zunfs
mount_zunfs -o "cinder=$CINDER_URL"
sleep 3
assert_eq "$(cstatus "$FID")" "available" "a restart's orphan pass leaves it"
capi -X DELETE "$CINDER_URL/volumes/$FID" >/dev/null

# the capsule spec's sample (tests/fixtures/capsules/sample.yaml), its
# volume as the spec writes it: drivers: cinder, size: 5GB, volumeType:
# type1. Adapted to this machine as test_capsule does (this host, a PATH
# where busybox is, restartPolicy Never so its echo finishes); the volume
# type is made in Cinder first, as an operator would have it
assert_eq "$(capi -X POST "$CINDER_URL/types" -d '{"volume_type": {"name": "type1"}}' | jq -r .volume_type.name)" "type1" "Cinder has the sample's volume type"
sed -e 's/^hostSelector: node1/hostSelector: localhost/' -e 's/^restartPolicy: Always/restartPolicy: Never/' \
	-e 's|PATH: /usr/local/bin|PATH: /usr/local/bin:/bin|' \
	"$(dirname "$0")/../fixtures/capsules/sample.yaml" >"$T/sample.yaml"
grep -q '^      drivers: cinder$' "$T/sample.yaml" || fail "the fixture's volume entry changed"
mkdir "$K/sample"
assert_eq "$("$ZF_TESTTOOL" write "$K/sample/spec.yaml" <"$T/sample.yaml")" "ok" "the sample"
assert_eq "$(timeout 180 cat "$K/sample/until/Finished") $(cat "$K/sample/status_reason")" "Finished " "the sample ran"
wait_for 10 grep -q '^\[container-0\] Hello World$' "$K/sample/logs"
SU=$(jq -r .uuid "$K/sample/inspect.json")
SID=$(vols_of "$SU")
assert_match "$SID" '^[0-9a-f-]{36}$' "its volume made in Cinder"
assert_eq "$(capi "$CINDER_URL/volumes/$SID" | jq -r '.volume | "\(.size) \(.volume_type) \(.status)"')" "5 type1 in-use" "5 GiB of type1, attached"
sid=$(jq -r '.containers[0].container_id' "$K/sample/inspect.json")
assert_eq "$(docker inspect -f '{{range .Mounts}}{{.Source}}:{{.Destination}}:{{.RW}} {{end}}' "$sid")" "$STATE/cinder/$SID:/root/mnt:false " "mounted read-only where the sample says"
assert_eq "$(jq -c '.spec.volumes[0].cinder | [.size, .volumeType, .autoRemove]' "$K/sample/inspect.json")" '[5,"type1",false]' "inspect.json shows the entry"
rmdir "$K/sample"
wait_for 90 not test -e "$K/sample"
wait_for 60 is_status "$SID" available
assert_eq "$(loops_over "volume-$SID")" "0" "no loop left"
# a type Cinder does not have: Cinder's own words
mkdir "$K/notype"
sed -e 's/volumeType: type1/volumeType: no-such-type/' "$T/sample.yaml" | put_spec capsules/notype >/dev/null
assert_eq "$(timeout 120 cat "$K/notype/until/Failed")" "Failed" "an unknown volume type"
assert_match "$(cat "$K/notype/status_reason")" "no-such-type" "Cinder's words name it"
rmdir "$K/notype"
wait_for 90 not test -e "$K/notype"

capi -X DELETE "$CINDER_URL/volumes/$A" >/dev/null
capi -X DELETE "$CINDER_URL/volumes/$KID" >/dev/null
capi -X DELETE "$CINDER_URL/volumes/$SID" >/dev/null
unmount_zunfs
