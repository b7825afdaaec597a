#!/usr/bin/env bash
# A capsule's emptyDir volumes: made with the capsule, shared by the members
# that mount them, kept across an upgrade (as long as the spec declares
# them), removed with the capsule. medium: Memory is a tmpfs of sizeLimit;
# sizeLimit on a disk emptyDir is refused (the engine cannot limit it).
. "$(dirname "$0")/lib.sh"
mount_zunfs
K=$MNT/capsules
vols() { docker volume ls -q --filter "label=zunfs.instance=$(instance)" | sort; }

cat >"$T/pod.yaml" <<'YAML'
kind: Pod
metadata: {name: shared}
spec:
  containers:
  - name: writer
    image: busybox
    command: [sh, -c, "echo hello > /cache/greeting; echo fast > /mem/x; sleep 3600"]
    volumeMounts: [{name: cache, mountPath: /cache}, {name: mem, mountPath: /mem}]
  - name: reader
    image: busybox
    command: [sleep, "3600"]
    volumeMounts: [{name: cache, mountPath: /cache, readOnly: true}, {name: mem, mountPath: /mem}]
  volumes:
  - name: cache
    emptyDir: {}
  - name: mem
    emptyDir: {medium: Memory, sizeLimit: 16Mi}
YAML
mkdir "$K/p"
assert_eq "$("$ZF_TESTTOOL" write "$K/p/spec.yaml" <"$T/pod.yaml")" ok "a Pod with emptyDir volumes"
assert_eq "$(timeout 60 cat "$K/p/until/Running")" Running "runs"
r=$(member_id p member.reader)
wait_for 10 docker exec "$r" test -f /cache/greeting
assert_eq "$(docker exec "$r" cat /cache/greeting)" hello "the members share the emptyDir"
assert_eq "$(docker exec "$r" cat /mem/x)" fast "and the Memory one"
assert_match "$(docker exec "$r" sh -c 'grep " /mem " /proc/mounts')" "^tmpfs /mem tmpfs .*size=16384k" "medium: Memory is a tmpfs of sizeLimit"
assert_fails "Read-only" docker exec "$r" touch /cache/no
assert_eq "$(vols | wc -l)" 2 "two engine volumes, the capsule's"
assert_match "$(jq -c '.spec.volumes' "$K/p/inspect.json")" '"emptyDir":\{"medium":"Memory","sizeLimit":16777216\}' "inspect.json shows them"

# an upgrade keeps what the new spec still declares, files and all
sed 's/sleep 3600"\]/sleep 3601"]/; /- name: mem$/,/sizeLimit/d; s/, {name: mem, mountPath: \/mem}//g' "$T/pod.yaml" >"$T/pod2.yaml"
assert_eq "$("$ZF_TESTTOOL" write "$K/p/spec.yaml" <"$T/pod2.yaml")" ok "an upgrade that drops the Memory one"
wait_for 60 bash -c "[ \"\$(jq -r .generation '$K/p/inspect.json')\" = 2 ] && [ -z \"\$(cat '$K/p/task_state')\" ]"
assert_eq "$(cat "$K/p/status")" Running "upgraded"
r=$(member_id p member.reader)
assert_eq "$(docker exec "$r" cat /cache/greeting)" hello "the kept emptyDir keeps its files"
assert_eq "$(vols | wc -l)" 1 "the dropped one is removed"

# refused: sizeLimit on the node's disk
printf 'kind: Pod\nspec:\n  containers:\n  - {name: a, image: busybox}\n  volumes:\n  - {name: v, emptyDir: {sizeLimit: 1Gi}}\n' >"$T/bad.yaml"
mkdir "$K/bad"
assert_eq "$("$ZF_TESTTOOL" write "$K/bad/spec.yaml" <"$T/bad.yaml" 2>&1 || true)" "close: EINVAL" "sizeLimit without medium: Memory"
assert_match "$(cat "$K/bad/status_reason")" "emptyDir.sizeLimit: only with medium: Memory" "saying why"

# rmdir takes them with the capsule
rmdir "$K/p"
wait_for 30 bash -c "[ -z \"\$(docker volume ls -q --filter label=zunfs.instance=$(instance))\" ]"
ok
echo "ok: $CHECKS checks"
