#!/usr/bin/env bash
# volumes/ with the local driver (an engine volume each): the spec and its
# refusals, data/ for cp in and out, containers' volumeMounts (read-only
# too), In-use and EBUSY, a sandbox's volumes that its containers get, a
# capsule's {name, volume: VOLUME}, a remount, and rmdir taking the data.
. "$(dirname "$0")/lib.sh"
mount_zunfs
V=$MNT/volumes
C=$MNT/containers
vol_name() { jq -r .volume_name "$V/$1/inspect.json"; }

mkdir "$V/data"
assert_eq "$(cat "$V/data/status")" "Empty" "a new volume"
assert_eq "$(ls "$V/data" | tr '\n' ' ')" "inspect.json spec.yaml status status_reason task_state until " "no data/ before it is made"
# refusals: nothing is made
assert_eq "$(printf 'driver: local\nvolumeID: x\n' | put_spec volumes/data)" "close: EINVAL" "volumeID on local"
assert_match "$(cat "$V/data/status_reason")" "line 2, column 1: volumeID is for the cinder driver" "why"
assert_eq "$(printf 'driverOptions: {type: none, device: /etc, o: bind}\n' | put_spec volumes/data)" "close: EPERM" "a host directory"
assert_match "$(cat "$V/data/status_reason")" "would hand a host device or directory" "why"
assert_eq "$(printf 'driver: cinder\nsize: 1G\n' | put_spec volumes/data)" "close: EOPNOTSUPP" "cinder"
assert_match "$(cat "$V/data/status_reason")" "driver: cinder: no Cinder is configured: mount with -o cinder=" "why"
assert_eq "$(cat "$V/data/status")" "Empty" "nothing made"
assert_eq "$(docker volume ls -q --filter "label=zunfs.instance=$(instance)")" "" "nothing in the engine"

# made: Available, with its files under data/
assert_eq "$(printf 'driver: local\n' | put_spec volumes/data)" "ok" "a local volume"
assert_eq "$(timeout 30 cat "$V/data/until/Available")" "Available" "made"
assert_eq "$(docker volume inspect -f '{{.Driver}} {{index .Labels "zunfs.kind"}} {{index .Labels "zunfs.name"}}' "$(vol_name data)")" "local volume data" "the engine's volume"
echo from-host >"$T/in.txt"
cp "$T/in.txt" "$V/data/data/"
assert_eq "$(ls "$V/data/data")" "in.txt" "cp in"
assert_eq "$(cat "$(jq -r .mountpoint "$V/data/inspect.json")/in.txt")" "from-host" "data/ is the volume's files"
# a new spec for a made volume would lose its data
assert_eq "$(printf 'driver: local\ndriverOptions: {type: tmpfs, device: tmpfs}\n' | put_spec volumes/data)" "close: EBUSY" "no second spec"
assert_match "$(cat "$V/data/status_reason")" "rmdir it and make another" "why"
assert_eq "$(printf 'driver: local\n' | put_spec volumes/data)" "ok" "the same spec again is fine"

# a container mounts it: reads what the host put, writes what the host reads
mkdir "$C/w"
printf 'image: busybox\ncommand: [sh, -c, "cat /d/in.txt; echo from-container > /d/out.txt; trap \\"exit 0\\" TERM; while :; do sleep 0.2; done"]\nvolumeMounts: [{name: data, mountPath: /d}]\n' | put_spec containers/w >/dev/null
timeout 30 cat "$C/w/until/Running" >/dev/null
wait_for 10 grep -q from-host "$C/w/logs"
wait_for 10 test -f "$V/data/data/out.txt"
assert_eq "$(cat "$V/data/data/out.txt")" "from-container" "cp out"
assert_eq "$(cat "$V/data/status") $(jq -r .used_by "$V/data/inspect.json")" "In-use containers/w" "in use, and by whom"
assert_fails "Device or resource busy" rmdir "$V/data"
assert_match "$(cat "$V/data/status_reason")" "rmdir: in use by containers/w" "why"
# read-only
mkdir "$C/ro"
printf 'image: busybox\ncommand: [sh, -c, "touch /d/x 2>&1; sleep 300"]\nvolumeMounts: [{name: data, mountPath: /d, readOnly: true}]\n' | put_spec containers/ro >/dev/null
timeout 30 cat "$C/ro/until/Running" >/dev/null
wait_for 10 grep -q "Read-only file system" "$C/ro/logs"
ok
# a volume that does not exist is refused before anything is made
mkdir "$C/nov"
assert_eq "$(printf 'image: busybox\nvolumeMounts: [{name: nope, mountPath: /d}]\n' | put_spec containers/nov)" "close: EINVAL" "no such volume"
rmdir "$C/nov"

# the users go: Available again; the container's removal never takes the volume
rmdir "$C/w" "$C/ro"
assert_eq "$(cat "$V/data/status")" "Available" "no user left"
wait_for 20 not engine_has w
assert_eq "$(docker volume ls -q --filter "name=$(vol_name data)")" "$(vol_name data)" "the volume stays"

# a sandbox's volumes: mounted in its infra container and in the containers
# that join it
mkdir "$MNT/sandboxes/sb"
printf 'volumes: [{name: data, mountPath: /shared}]\n' | put_spec sandboxes/sb >/dev/null
timeout 30 cat "$MNT/sandboxes/sb/until/Running" >/dev/null
mkdir "$C/j"
printf 'image: busybox\nsandbox: sb\ncommand: [sh, -c, "cat /shared/out.txt; sleep 300"]\n' | put_spec containers/j >/dev/null
timeout 30 cat "$C/j/until/Running" >/dev/null
wait_for 10 grep -q from-container "$C/j/logs"
assert_eq "$(jq -r .used_by "$V/data/inspect.json")" "sandboxes/sb" "used by the sandbox"
rmdir "$C/j"
wait_for 20 not engine_has j
rmdir "$MNT/sandboxes/sb"
assert_eq "$(cat "$V/data/status")" "Available" "free again"

# a capsule's volumes: {name, volume: VOLUME}; members mount them by the capsule's name
K=$MNT/capsules
mkdir "$K/p"
cat >"$T/p.yaml" <<'YAML'
kind: capsule
spec:
  containers:
  - name: reader
    image: busybox
    command: [sh, -c, "cat /v/in.txt; trap 'exit 0' TERM; while :; do sleep 0.2; done"]
    volumeMounts: [{name: shared, mountPath: /v, readOnly: true}]
  volumes:
  - {name: shared, volume: data}
YAML
"$ZF_TESTTOOL" write "$K/p/spec.yaml" <"$T/p.yaml" >/dev/null
assert_eq "$(timeout 60 cat "$K/p/until/Running")" "Running" "a capsule with a volume"
wait_for 10 grep -q '^\[reader\] from-host$' "$K/p/logs"
assert_eq "$(cat "$V/data/status") $(jq -r .used_by "$V/data/inspect.json")" "In-use capsules/p" "used by the capsule"
# Cinder entries and unknown volumes are refused before anything changes
sed 's/volume: data/cinder: {volumeID: abc}/' "$T/p.yaml" >"$T/p2.yaml"
assert_eq "$("$ZF_TESTTOOL" write "$K/p/spec.yaml" <"$T/p2.yaml")" "close: EOPNOTSUPP" "a cinder volume"
assert_match "$(cat "$K/p/status_reason")" "driver: cinder: no Cinder is configured" "why"
sed 's/volume: data/volume: nope/' "$T/p.yaml" >"$T/p3.yaml"
assert_eq "$("$ZF_TESTTOOL" write "$K/p/spec.yaml" <"$T/p3.yaml")" "close: EINVAL" "no such volume"
assert_match "$(cat "$K/p/status_reason")" "no volume named 'nope'" "why"
assert_eq "$(cat "$K/p/status")" "Running" "the capsule as it was"

# an upgrade that would use another volume and fails: rolled back, and the
# other volume is free again
mkdir "$V/other"
printf 'driver: local\n' | put_spec volumes/other >/dev/null
timeout 30 cat "$V/other/until/Available" >/dev/null
printf 'kind: capsule\nspec:\n  restartPolicy: Never\n  containers:\n  - {name: reader, image: busybox, command: [sh, -c, "exit 9"], volumeMounts: [{name: o, mountPath: /o}]}\n  volumes:\n  - {name: o, volume: other}\n' >"$T/p4.yaml"
"$ZF_TESTTOOL" write "$K/p/spec.yaml" <"$T/p4.yaml" >/dev/null
wait_for 40 grep -q 'rolled back' "$K/p/status_reason"
assert_eq "$(cat "$V/other/status") $(cat "$V/data/status")" "Available In-use" "the rolled-back spec's volume is free"
rmdir "$V/other"

# a remount: the volume, its data and who uses it are as they were
unmount_zunfs
mount_zunfs
assert_eq "$(cat "$V/data/status")" "In-use" "In-use after a remount"
assert_eq "$(cat "$V/data/data/out.txt")" "from-container" "the data after a remount"

# a launch cut short by a crash (the engine volume made, its name not stored
# yet) is done again at the next mount: the same volume, its data whole
unmount_zunfs
sqlite3 "$STATE/zunfs.db" "UPDATE objects SET status = 'Creating', task_state = 'volume_creating', engine_id = '' WHERE kind = 'volume' AND name = 'data'"
mount_zunfs
assert_eq "$(timeout 30 cat "$V/data/until/In-use")" "In-use" "made again, and still in use"
assert_eq "$(cat "$V/data/data/out.txt")" "from-container" "the same volume"
assert_eq "$(docker volume ls -q --filter "label=zunfs.instance=$(instance)" | wc -l)" "1" "one engine volume"

# rmdir takes the volume and its data once nothing uses it
rmdir "$K/p"
wait_for 20 bash -c "[ \"\$(cat '$V/data/status')\" = Available ]"
name=$(vol_name data)
mp=$(jq -r .mountpoint "$V/data/inspect.json")
rmdir "$V/data"
wait_for 20 bash -c "[ -z \"\$(docker volume ls -q --filter name=$name)\" ]"
[ ! -e "$mp" ] || fail "the volume's data is gone"
assert_eq "$(ls "$V")" "" "no volume left"
unmount_zunfs
