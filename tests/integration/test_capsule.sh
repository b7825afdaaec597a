#!/usr/bin/env bash
# capsules/: pods from YAML on one sandbox: launch (sandbox, init containers
# in order, members), status from the members, the sandbox file, rmdir of
# everything, relaunch after a remount, upgrade with rollback. Members' own
# directories: test_capsule_members.sh; kill -9 mid-way: test_capsule_crash.sh.
. "$(dirname "$0")/lib.sh"
mount_zunfs
K=$MNT/capsules
members() { docker ps -aq --filter "label=zunfs.uuid=$(jq -r .uuid "$K/$1/inspect.json")" --filter "label=zunfs.role=$2"; }

mkdir "$K/web"
assert_eq "$(ls "$K/web" | tr '\n' ' ')" "containers inspect.json logs sandbox spec.yaml status status_reason task_state until " "capsule files"
assert_eq "$(cat "$K/web/status")" "Empty" "a new capsule"
cat >"$T/web.yaml" <<'YAML'
kind: Pod
metadata: {name: web, labels: {app: demo}}
spec:
  restartPolicy: Never
  initContainers:
  - name: setup
    image: busybox
    command: [sh, -c, "echo set-up-first > /dev/shm/flag"]
  containers:
  - name: server
    image: busybox
    command: [sh, -c, "cat /dev/shm/flag; echo hello-pod | nc -l -p 8080; trap 'exit 0' TERM; while :; do sleep 0.2; done"]
  - name: client
    image: busybox
    command: [sh, -c, "until nc 127.0.0.1 8080 2>/dev/null; do sleep 0.2; done; trap 'exit 0' TERM; while :; do sleep 0.2; done"]
YAML
assert_eq "$("$ZF_TESTTOOL" write "$K/web/spec.yaml" <"$T/web.yaml")" "ok" "a valid capsule"
assert_match "$(cat "$K/web/status")" "^(Pending|Starting|Running)$" "launching"
assert_eq "$(timeout 60 cat "$K/web/until/Running")" "Running" "the capsule runs"
sid=$(cat "$K/web/sandbox")
assert_eq "$(docker inspect -f '{{.Config.Image}} {{.HostConfig.IpcMode}}' "$sid" | cut -d: -f1)" "zunfs/pause" "its sandbox"
srv=$(members web member.server)
cli=$(members web member.client)
assert_eq "$(docker inspect -f '{{.HostConfig.NetworkMode}}' "$cli")" "container:$sid" "members join the sandbox"
assert_eq "$(docker inspect -f '{{index .Config.Labels "app"}} {{index .Config.Labels "zunfs.capsule"}} {{.HostConfig.RestartPolicy.Name}}' "$srv")" "demo web no" "member labels and restart policy"
wait_for 10 bash -c "docker logs '$srv' 2>&1 | grep -q set-up-first"
assert_eq "$(docker logs "$srv" 2>&1 | head -n 1)" "set-up-first" "the init container ran first"
assert_eq "$(docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$(members web init.setup)")" "exited 0" "init container done"
wait_for 10 bash -c "docker logs '$cli' 2>&1 | grep -q hello-pod"
ok

# a member stopped behind zunfs's back: the capsule follows (restartPolicy Never)
docker kill "$cli" >/dev/null
wait_for 5 bash -c "[ \"\$(cat '$K/web/status')\" = Failed ]"
assert_match "$(cat "$K/web/status_reason")" "container client exited with code 137" "why it failed"

# rmdir takes everything: members, init containers, sandbox
rmdir "$K/web"
wait_for 20 bash -c "[ -z \"\$(docker ps -aq --filter label=zunfs.instance=$(instance))\" ]"
ok

# Finished: every member exited 0
mkdir "$K/job"
printf 'kind: capsule\nspec:\n  restartPolicy: Never\n  containers:\n  - {name: a, image: busybox, command: [true]}\n  - {name: b, image: busybox, command: [sh, -c, "sleep 1"]}\n' >"$T/job.yaml"
"$ZF_TESTTOOL" write "$K/job/spec.yaml" <"$T/job.yaml" >/dev/null
assert_eq "$(timeout 60 cat "$K/job/until/Finished")" "Finished" "all members exited 0"

# a failing init container: Failed, and the members never start
mkdir "$K/bad-init"
printf 'kind: capsule\nspec:\n  initContainers:\n  - {name: i, image: busybox, command: [sh, -c, "exit 4"]}\n  containers:\n  - {name: m, image: busybox}\n' >"$T/bi.yaml"
"$ZF_TESTTOOL" write "$K/bad-init/spec.yaml" <"$T/bi.yaml" >/dev/null
assert_fails "Input/output error" timeout 60 cat "$K/bad-init/until/Running"
assert_eq "$(cat "$K/bad-init/status")" "Failed" "init failure"
assert_match "$(cat "$K/bad-init/status_reason")" "init container i: exited with code 4" "why"
assert_eq "$(members bad-init member.m)" "" "members never started"
assert_eq "$(cat "$K/bad-init/containers/m/status")" "Error" "the member says so"
assert_match "$(cat "$K/bad-init/containers/m/status_reason")" "its container was not made \(the capsule is Failed: init container i: exited with code 4\)" "and why"
assert_eq "$(cat "$K/bad-init/containers/m/task_state")" "" "no task left"

# validation happens before anything is launched
mkdir "$K/v"
printf 'kind: capsule\nspec:\n  containers:\n  - {name: a, image: busybox}\n  - {name: a, image: busybox}\n' | put_spec capsules/v >/dev/null
assert_match "$(cat "$K/v/status_reason")" "line 5, column 5: two containers are named 'a'" "duplicate names"
printf 'kind: capsule\nhostSelector: elsewhere\nspec:\n  containers:\n  - {image: busybox}\n' | put_spec capsules/v >/dev/null
assert_match "$(cat "$K/v/status_reason")" "hostSelector: 'elsewhere' is not this host" "hostSelector"
printf 'kind: capsule\nspec:\n  containers:\n  - {image: busybox, securityContext: {privileged: true}}\n' | put_spec capsules/v >/dev/null
assert_match "$(cat "$K/v/status_reason")" "securityContext.privileged: true would hand the host" "EPERM field"
assert_eq "$(cat "$K/v/status")" "Empty" "nothing launched"

# a remount keeps a running capsule as it is
mkdir "$K/keep"
printf 'kind: capsule\nspec:\n  containers:\n  - {name: a, image: busybox, command: [sh, -c, "trap \\"exit 0\\" TERM; while :; do sleep 0.2; done"]}\n' >"$T/keep.yaml"
"$ZF_TESTTOOL" write "$K/keep/spec.yaml" <"$T/keep.yaml" >/dev/null
timeout 60 cat "$K/keep/until/Running" >/dev/null
before=$(members keep member.a)
unmount_zunfs
mount_zunfs
assert_eq "$(cat "$K/keep/status") $(members keep member.a)" "Running $before" "same capsule after remount"
# a launch cut short by a crash is done again from the start
sqlite3 "$STATE/zunfs.db" "UPDATE objects SET status = 'Starting', task_state = 'capsule_creating' WHERE name = 'keep'"
unmount_zunfs
mount_zunfs
assert_eq "$(timeout 60 cat "$K/keep/until/Running")" "Running" "relaunched after a cut-short launch"
assert_eq "$(docker ps -aq --filter "label=zunfs.uuid=$(jq -r .uuid "$K/keep/inspect.json")" | wc -l)" "2" "one sandbox and one member, nothing twice"
unmount_zunfs

# upgrade: a new spec for a running capsule runs beside the old one, then
# replaces it; a new spec that fails is rolled back and the old one stays
mount_zunfs
mkdir "$K/up"
up_spec() { printf 'kind: capsule\nspec:\n  containers:\n  - {name: a, image: busybox, command: [sh, -c, "echo %s; trap \\"exit 0\\" TERM; while :; do sleep 0.2; done"]}\n' "$1"; }
up_spec v1 >"$T/up1.yaml"
"$ZF_TESTTOOL" write "$K/up/spec.yaml" <"$T/up1.yaml" >/dev/null
timeout 60 cat "$K/up/until/Running" >/dev/null
assert_eq "$(jq .generation "$K/up/inspect.json")" "1" "first generation"
old_sb=$(cat "$K/up/sandbox")
up_spec v2 >"$T/up2.yaml"
"$ZF_TESTTOOL" write "$K/up/spec.yaml" <"$T/up2.yaml" >/dev/null
wait_for 30 bash -c "[ \"\$(jq .generation '$K/up/inspect.json')\" = 2 ] && [ -z \"\$(cat '$K/up/task_state')\" ]"
assert_eq "$(cat "$K/up/status")" "Running" "upgraded and running"
new_sb=$(cat "$K/up/sandbox")
[ "$new_sb" != "$old_sb" ] || fail "the upgrade kept the old sandbox"
ok
wait_for 20 bash -c "! docker inspect '$old_sb' >/dev/null 2>&1"
assert_match "$(cat "$K/up/spec.yaml")" "echo v2" "the new spec is in force"
assert_eq "$(docker logs "$(members up member.a)" 2>&1)" "v2" "the new member runs"
# a failing upgrade: rolled back
printf 'kind: capsule\nspec:\n  restartPolicy: Never\n  containers:\n  - {name: a, image: busybox, command: [sh, -c, "exit 9"]}\n' >"$T/up3.yaml"
"$ZF_TESTTOOL" write "$K/up/spec.yaml" <"$T/up3.yaml" >/dev/null
wait_for 30 bash -c "grep -q 'rolled back' '$K/up/status_reason'"
assert_match "$(cat "$K/up/status_reason")" "upgrade rolled back: the new capsule: container a is exited \(exit code 9\); the previous capsule keeps running" "rollback reason"
assert_eq "$(cat "$K/up/status") $(cat "$K/up/sandbox") $(jq .generation "$K/up/inspect.json")" "Running $new_sb 2" "the old capsule kept"
assert_match "$(cat "$K/up/spec.yaml")" "echo v2" "the old spec still in force"
assert_eq "$(docker ps -aq --filter "label=zunfs.uuid=$(jq -r .uuid "$K/up/inspect.json")" | wc -l)" "2" "the failed generation is gone"
# an upgrade cut short by a crash leaves a second generation behind: the next
# refresh removes it, the capsule in force stays whole
unmount_zunfs
uuid=$(sqlite3 "$STATE/zunfs.db" "SELECT uuid FROM objects WHERE name = 'up'")
stray=$(docker run -d --network none --label "zunfs.instance=$(instance)" --label "zunfs.uuid=$uuid" \
	--label zunfs.kind=capsule --label zunfs.role=member.a --label zunfs.sandbox=gone busybox sleep 300)
mount_zunfs
wait_for 20 bash -c "! docker inspect '$stray' >/dev/null 2>&1"
assert_eq "$(cat "$K/up/status") $(cat "$K/up/sandbox")" "Running $new_sb" "the capsule in force stays"
unmount_zunfs

# the capsule spec's sample (tests/fixtures/capsules/sample.yaml), adapted
# to this machine: this host, a PATH where busybox is, a local volume for
# its Cinder one (a capsule naming Cinder is refused, below), restartPolicy
# Never so that its echo finishes
mount_zunfs
mkdir "$K/sample" "$MNT/volumes/sample-data"
printf 'driver: local\n' | put_spec volumes/sample-data >/dev/null
sed -e 's/^hostSelector: node1/hostSelector: localhost/' -e 's/^restartPolicy: Always/restartPolicy: Never/' \
	-e 's|PATH: /usr/local/bin|PATH: /usr/local/bin:/bin|' -e 's/^      drivers: cinder$/      volume: sample-data/' \
	-e '/^      size: 5GB$/d' -e '/^      volumeType: type1$/d' \
	"$(dirname "$0")/../fixtures/capsules/sample.yaml" >"$T/sample.yaml"
assert_eq "$("$ZF_TESTTOOL" write "$K/sample/spec.yaml" <"$T/sample.yaml")" "ok" "the sample is valid"
assert_eq "$(timeout 60 cat "$K/sample/until/Finished")" "Finished" "the sample ran"
wait_for 10 grep -q '^\[container-0\] Hello World$' "$K/sample/logs"
sid=$(jq -r '.containers[0].container_id' "$K/sample/inspect.json")
assert_eq "$(docker inspect -f '{{.Config.WorkingDir}} {{.HostConfig.NanoCpus}} {{.HostConfig.Memory}} {{index .Config.Labels "app"}}' "$sid")" "/root 1000000000 2000000000 web" "the sample's fields reach the engine"
assert_eq "$(docker inspect -f '{{range .Mounts}}{{.Name}} {{.Destination}} {{.RW}}{{end}}' "$sid")" "$(jq -r .volume_name "$MNT/volumes/sample-data/inspect.json") /root/mnt false" "its volume, read-only"
assert_eq "$(docker inspect -f '{{range $p, $_ := .Config.ExposedPorts}}{{$p}}{{end}}' "$(cat "$K/sample/sandbox")")" "80/tcp" "its port, exposed on the sandbox that owns the network"
assert_eq "$(jq -r '.containers[0].name' "$K/sample/inspect.json") $(jq -c '[.ports[] | .containerPort, .hostPort]' "$K/sample/containers/container-0/inspect.json")" "container-0 [80,80]" "the port recorded"
assert_eq "$(jq -c '[.restart_policy, .volumes[0].volume, (.ports[0] | .container, .containerPort, .hostPort, .protocol)]' "$K/sample/inspect.json")" '["no","sample-data","container-0",80,80,"tcp"]' "the capsule's inspect.json: policy, volumes, ports"
# the sample names a Cinder volume: refused without -o cinder= (test_capsule_cinder runs it)
mkdir "$K/sample-vol"
assert_eq "$(sed -e 's/^hostSelector: node1/hostSelector: localhost/' "$(dirname "$0")/../fixtures/capsules/sample.yaml" | put_spec capsules/sample-vol)" "close: EOPNOTSUPP" "a Cinder volume"
assert_match "$(cat "$K/sample-vol/status_reason")" "volumes: 'volume1': driver: cinder: no Cinder is configured" "why"
assert_eq "$(cat "$K/sample-vol/status")" "Empty" "nothing launched"

# a launch that fails at its second member: Failed, saying why, for good
# (the first member runs on, and its events do not make the capsule Running)
mkdir "$K/half"
printf 'kind: capsule\nspec:\n  containers:\n  - {name: a, image: busybox, %s}\n  - {name: b, image: "nope:1", imagePullPolicy: Never}\n' "$FOREVER" | put_spec capsules/half >/dev/null
assert_eq "$(timeout 60 cat "$K/half/until/Failed")" "Failed" "a member that cannot start"
assert_eq "$(cat "$K/half/status_reason")" "container b: image nope:1 is not present and imagePullPolicy is Never" "why"
docker restart -t 1 "$(jq -r '.containers[0].container_id' "$K/half/inspect.json")" >/dev/null
sleep 1
assert_eq "$(cat "$K/half/status") $(cat "$K/half/containers/a/status")" "Failed Running" "still Failed"
assert_match "$(cat "$K/half/containers/b/status_reason")" "its container was not made" "b says so"

# restartPolicy Never and a container that fails: Failed, and which one
mkdir "$K/fails"
printf 'kind: capsule\nspec:\n  restartPolicy: Never\n  containers:\n  - {name: ok, image: busybox, %s}\n  - {name: bad, image: busybox, command: [sh, -c, "sleep 1; exit 3"]}\n' "$FOREVER" | put_spec capsules/fails >/dev/null
assert_eq "$(timeout 60 cat "$K/fails/until/Failed")" "Failed" "a failing member under Never"
assert_match "$(cat "$K/fails/status_reason")" "container bad exited with code 3" "why"
assert_eq "$(cat "$K/fails/containers/bad/status") $(cat "$K/fails/containers/ok/status")" "Stopped Running" "each member says its own"
unmount_zunfs
