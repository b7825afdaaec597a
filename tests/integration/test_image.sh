#!/usr/bin/env bash
# imagePullPolicy. Only loopback "registries" are named here: a pull that
# cannot reach one must end in Error quickly, never hang, and no test may
# send traffic off this machine.
. "$(dirname "$0")/lib.sh"
mount_zunfs
C=$MNT/containers
# port 9 on loopback: nothing listens, so a pull is refused at once
docker tag busybox:latest 127.0.0.1:9/zunfs-test/present:1
at_exit 'docker rmi 127.0.0.1:9/zunfs-test/present:1 >/dev/null 2>&1'

launch() { # NAME IMAGE POLICY
	mkdir "$C/$1"
	printf 'image: %s\nimagePullPolicy: %s\n%s\n' "$2" "$3" "$FOREVER" | put_spec "containers/$1" >/dev/null
}

launch never-missing 127.0.0.1:9/zunfs-test/missing:1 Never
assert_fails "Input/output error" timeout 30 cat "$C/never-missing/until/Running"
assert_match "$(cat "$C/never-missing/status_reason")" "image 127.0.0.1:9/zunfs-test/missing:1 is not present and imagePullPolicy is Never" "Never, missing"

launch ifnp-missing 127.0.0.1:9/zunfs-test/missing:1 IfNotPresent
start=$(date +%s)
assert_fails "Input/output error" timeout 60 cat "$C/ifnp-missing/until/Running"
assert_match "$(cat "$C/ifnp-missing/status_reason")" "^image: pulling image 127.0.0.1:9/zunfs-test/missing:1: .*(refused|connect)" "IfNotPresent pulls, and says why it failed"
[ $(($(date +%s) - start)) -lt 30 ] || fail "a failed pull took too long"
ok
assert_eq "$(cat "$C/ifnp-missing/task_state")" "" "no task after the failure"

launch ifnp-present 127.0.0.1:9/zunfs-test/present:1 IfNotPresent
assert_eq "$(timeout 30 cat "$C/ifnp-present/until/Running")" "Running" "IfNotPresent, present: no pull"
launch never-present 127.0.0.1:9/zunfs-test/present:1 Never
assert_eq "$(timeout 30 cat "$C/never-present/until/Running")" "Running" "Never, present"

launch always-present 127.0.0.1:9/zunfs-test/present:1 Always
assert_fails "Input/output error" timeout 60 cat "$C/always-present/until/Running"
assert_match "$(cat "$C/always-present/status_reason")" "^image: pulling image 127.0.0.1:9/zunfs-test/present:1: " "Always pulls even when present"

# the default is IfNotPresent
mkdir "$C/default"
printf 'image: 127.0.0.1:9/zunfs-test/present:1\n%s\n' "$FOREVER" | put_spec containers/default >/dev/null
assert_eq "$(timeout 30 cat "$C/default/until/Running")" "Running" "default policy"
assert_eq "$(jq -r .image_pull_policy "$C/default/inspect.json")" "IfNotPresent" "default in inspect.json"
# none of the failures left an engine container behind
assert_eq "$(engine_count)" "3" "only the three running containers"
unmount_zunfs
