#!/usr/bin/env bash
# sandboxes/: an infra container (zunfs's own pause image, imported with no
# registry) whose network, IPC and UTS namespaces containers join with
# `sandbox: NAME`; rmdir of a sandbox in use is EBUSY.
. "$(dirname "$0")/lib.sh"
mount_zunfs
S=$MNT/sandboxes
C=$MNT/containers

mkdir "$S/pod"
assert_eq "$(cat "$S/pod/status")" "Empty" "a new sandbox"
assert_eq "$(ls "$S/pod" | tr '\n' ' ')" "inspect.json spec.yaml status status_reason task_state until " "sandbox files"
printf 'hostname: podhost\nlabels: {app: demo}\nbogus: 1\n' | put_spec sandboxes/pod >/dev/null
assert_match "$(cat "$S/pod/status_reason")" "line 3, column 1: unknown key 'bogus' \(labels, hostname, volumes\)" "bad sandbox spec"
printf 'hostname: -bad\n' | put_spec sandboxes/pod >/dev/null
assert_match "$(cat "$S/pod/status_reason")" "hostname: '-bad' is not a host name" "bad hostname"
printf 'volumes: [{name: data, mountPath: /data}]\n' | put_spec sandboxes/pod >/dev/null
assert_match "$(cat "$S/pod/status_reason")" "volumes: no volume named 'data'" "volumes must exist"
printf 'hostname: podhost\nlabels: {app: demo}\n' >"$S/pod/spec.yaml"
assert_eq "$(timeout 60 cat "$S/pod/until/Running")" "Running" "sandbox runs"
sid=$(jq -r .container_id "$S/pod/inspect.json")
assert_match "$(docker inspect -f '{{.Config.Image}} {{json .Config.Cmd}}' "$sid")" "^zunfs/pause:[0-9.]+ \[\"/pause\"\]$" "the built-in pause image"
assert_eq "$(docker inspect -f '{{.HostConfig.IpcMode}} {{.Config.Hostname}} {{index .Config.Labels "app"}} {{index .Config.Labels "zunfs.kind"}}' "$sid")" "shareable podhost demo sandbox" "sandbox engine config"
assert_eq "$(docker run --rm --entrypoint /pause "$(docker inspect -f '{{.Config.Image}}' "$sid")" --version | cut -d' ' -f1)" "zunfs-pause" "the pause program"

# two containers in the sandbox talk over localhost and share its hostname
mkdir "$C/srv" "$C/cli"
printf 'image: busybox\nsandbox: pod\ncommand: [sh, -c, "echo hello-over-localhost | nc -l -p 8080; trap \\"exit 0\\" TERM; while :; do sleep 0.2; done"]\n' | put_spec containers/srv >/dev/null
printf 'image: busybox\nsandbox: pod\ncommand: [sh, -c, "until nc 127.0.0.1 8080 2>/dev/null; do sleep 0.2; done; hostname; trap \\"exit 0\\" TERM; while :; do sleep 0.2; done"]\n' | put_spec containers/cli >/dev/null
timeout 30 cat "$C/cli/until/Running" >/dev/null
wait_for 15 bash -c "grep -q podhost '$C/cli/logs'"
assert_eq "$(cat "$C/cli/logs" | tr '\n' ' ')" "hello-over-localhost podhost " "localhost and hostname shared"
cid=$(engine_id_of cli)
assert_eq "$(docker inspect -f '{{.HostConfig.NetworkMode}} {{.HostConfig.IpcMode}}' "$cid")" "container:$sid container:$sid" "joined namespaces"
# IPC: a shared memory segment made in one is seen in the other
docker exec "$(engine_id_of srv)" sh -c 'echo shared > /dev/shm/note'
assert_eq "$(docker exec "$cid" cat /dev/shm/note)" "shared" "IPC namespace shared"

# in use: rmdir is EBUSY, and says by whom
assert_fails "Device or resource busy" rmdir "$S/pod"
assert_match "$(cat "$S/pod/status_reason")" "in use by containers/(srv|cli)" "EBUSY reason"
# a container naming a sandbox that is not there
mkdir "$C/lost"
printf 'image: busybox\nsandbox: nope\n' | put_spec containers/lost >/dev/null
assert_match "$(cat "$C/lost/status_reason")" "no sandbox named 'nope'" "unknown sandbox"
# a sandbox that is stopped: a container cannot join it
mkdir "$S/down"
echo >"$S/down/spec.yaml" # an empty spec: a sandbox with defaults
timeout 60 cat "$S/down/until/Running" >/dev/null
docker stop "$(jq -r .container_id "$S/down/inspect.json")" >/dev/null
wait_for 5 bash -c "[ \"\$(cat '$S/down/status')\" = Stopped ]"
mkdir "$C/late"
printf 'image: busybox\nsandbox: down\n' | put_spec containers/late >/dev/null
assert_fails "Input/output error" timeout 30 cat "$C/late/until/Running"
assert_match "$(cat "$C/late/status_reason")" "sandbox 'down' is Stopped, not Running" "stopped sandbox"
rmdir "$C/late" "$C/lost"
rmdir "$S/down"

# once its containers are gone, the sandbox goes too
rmdir "$C/srv" "$C/cli"
rmdir "$S/pod"
wait_for 20 bash -c "! docker inspect '$sid' >/dev/null 2>&1"
wait_for 20 bash -c "[ -z \"\$(docker ps -aq --filter label=zunfs.instance=$(instance))\" ]"

# remount: the sandbox comes back as it was
mkdir "$S/keep"
echo 'hostname: kept' >"$S/keep/spec.yaml"
timeout 60 cat "$S/keep/until/Running" >/dev/null
unmount_zunfs
mount_zunfs
assert_eq "$(cat "$S/keep/status")" "Running" "sandbox after remount"
unmount_zunfs

# sandbox_image= uses another image (here one made from busybox that sleeps)
tmp=$(docker create busybox)
docker export "$tmp" | docker import -c 'CMD ["sleep", "100000"]' - zunfs-test/infra:1 >/dev/null
docker rm "$tmp" >/dev/null
at_exit 'docker rmi zunfs-test/infra:1 >/dev/null 2>&1'
mount_zunfs -o sandbox_image=zunfs-test/infra:1
mkdir "$S/custom"
echo >"$S/custom/spec.yaml"
timeout 60 cat "$S/custom/until/Running" >/dev/null
assert_eq "$(docker inspect -f '{{.Config.Image}}' "$(jq -r .container_id "$S/custom/inspect.json")")" "zunfs-test/infra:1" "sandbox_image="
unmount_zunfs

# -o sandbox=per-container: every container without one of its own gets a
# private sandbox, made and removed with it
mount_zunfs -o sandbox=per-container
sandboxes_before=$(ls "$S")
mkdir "$C/solo"
printf 'image: busybox\n%s\n' "$FOREVER" | put_spec containers/solo >/dev/null
assert_eq "$(timeout 60 cat "$C/solo/until/Running")" "Running" "runs in a private sandbox"
uuid=$(jq -r .uuid "$C/solo/inspect.json")
psb=$(docker ps -q --no-trunc --filter "label=zunfs.uuid=$uuid" --filter label=zunfs.role=sandbox)
[ -n "$psb" ] || fail "no private sandbox"
ok
assert_eq "$(docker inspect -f '{{.HostConfig.NetworkMode}}' "$(engine_id_of solo)")" "container:$psb" "joined its private sandbox"
assert_eq "$(ls "$S")" "$sandboxes_before" "private sandboxes are not objects of sandboxes/"
# a remount adopts nothing wrong: the container stays the one it was
id_before=$(engine_id_of solo)
unmount_zunfs
mount_zunfs -o sandbox=per-container
assert_eq "$(cat "$C/solo/status") $(engine_id_of solo)" "Running $id_before" "same container after remount"
rmdir "$C/solo"
wait_for 20 bash -c "[ -z \"\$(docker ps -aq --filter label=zunfs.uuid=$uuid)\" ]"
unmount_zunfs
if out=$("$ZUNFS_BIN" -o "sandbox=bogus,state=$T/s3" "$T/m3" 2>&1); then fail "sandbox=bogus accepted"; fi
assert_match "$out" "sandbox=bogus: give shared or per-container" "bad sandbox mode"
