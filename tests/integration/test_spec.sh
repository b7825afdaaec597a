#!/usr/bin/env bash
# spec.yaml: validation at close (EINVAL, line and column, nothing reaches
# the engine), then every container key as the engine receives it.
. "$(dirname "$0")/lib.sh"
mount_zunfs
C=$MNT/containers
mkdir "$C/bad"

# each bad spec: close() fails EINVAL, status_reason points at it, no engine object
check_bad() { # REASON-REGEX (spec on stdin)
	assert_eq "$(put_spec containers/bad)" "close: EINVAL" "bad spec fails at close"
	assert_match "$(cat "$C/bad/status_reason")" "$1" "reason"
	assert_eq "$(cat "$C/bad/status")" "Empty" "status unchanged by a bad spec"
	assert_eq "$(cat "$C/bad/spec.yaml")" "" "spec unchanged by a bad spec"
}
printf 'image: busybox\nbogus: 1\n' | check_bad "^spec.yaml: line 2, column 1: unknown key 'bogus'"
printf 'command: [sh]\n' | check_bad "'image' is required"
printf '\n' | check_bad "the spec is empty"
printf 'image: busybox\nenv: [1, 2\n' | check_bad "^spec.yaml: line 3, column 1: YAML: "
printf 'image: busybox\nrestartPolicy: Sometimes\n' | check_bad "line 2, column 16: restartPolicy: 'Sometimes'"
printf 'image: busybox\nresources: {requests: {memory: lots}}\n' | check_bad "line 2, column 32: resources.requests.memory: 'lots'"
printf 'image: busybox\nresources: {requests: {memory: 1M}}\n' | check_bad "below the engine's minimum"
printf 'image: busybox\nresources: {requests: {cpu: -1}}\n' | check_bad "resources.requests.cpu: '-1'"
printf 'image: busybox\nports: [{containerPort: 70000}]\n' | check_bad "containerPort: '70000' is not a port number"
printf 'image: busybox\ntty: maybe\n' | check_bad "line 2, column 6: tty must be true or false"
printf 'image: busybox\nimage: busybox\n' | check_bad "line 2, column 1: 'image' is given twice"
printf 'image: busybox\nlabels: {zunfs.uuid: x}\n' | check_bad "the zunfs. prefix is zunfs's own"
printf 'image: busybox\nvolumeMounts: [{name: data, mountPath: /data}]\n' | check_bad "no volume named 'data'"
printf 'image: busybox\nsandbox: sb1\n' | check_bad "no sandbox named 'sb1'"
printf 'image: busybox\ncommand: "sh -c \x27unclosed"\n' | check_bad "command has an unclosed quote"
printf 'image: busybox\nworkDir: relative\n' | check_bad "workDir: 'relative' is not an absolute path"
printf 'image: busybox\nimagePullPolicy: Sometimes\n' | check_bad "imagePullPolicy: 'Sometimes'"
# a spec that would hand out the host: EPERM, not EINVAL
for key in "privileged: true" "hostNetwork: true" "devices: [/dev/sda]"; do
	assert_eq "$(printf 'image: busybox\n%s\n' "$key" | put_spec containers/bad)" "close: EPERM" "$key refused"
	assert_match "$(cat "$C/bad/status_reason")" "line 2, column 1: '${key%%:*}' would hand the host to the container" "why"
done
assert_eq "$(engine_count)" "0" "no bad spec reached the engine"

# a spec with every key
mkdir "$C/full"
cat <<'YAML' | put_spec containers/full >/dev/null
image: busybox
command: ["sh", "-c"]
args: ["echo started; trap 'exit 0' TERM; while :; do sleep 0.2; done"]
workDir: /tmp
env: {GREETING: hello, EMPTY: ""}
labels: {app: web, tier: "1"}
tty: true
stdin_open: true
restartPolicy: OnFailure
imagePullPolicy: IfNotPresent
resources: {requests: {cpu: 0.5, memory: 64Mi}, limits: {memory: 128M}}
ports: [{containerPort: 80, hostPort: 8080, protocol: TCP}, {containerPort: 53, protocol: UDP}]
YAML
assert_match "$(cat "$C/full/status")" "^(Creating|Created|Running)$" "status right after the write"
assert_eq "$(timeout 30 cat "$C/full/until/Running")" "Running" "until/Running"
id=$(engine_id_of full)
insp() { docker inspect -f "$1" "$id"; }
assert_eq "$(insp '{{json .Config.Cmd}}')" '["sh","-c","echo started; trap '"'exit 0'"' TERM; while :; do sleep 0.2; done"]' "command + args"
assert_eq "$(insp '{{.Config.WorkingDir}}')" "/tmp" "workDir"
assert_match "$(insp '{{json .Config.Env}}')" '"GREETING=hello"' "env"
assert_match "$(insp '{{json .Config.Env}}')" '"EMPTY="' "empty env value"
assert_eq "$(insp '{{index .Config.Labels "app"}}/{{index .Config.Labels "tier"}}')" "web/1" "labels"
assert_eq "$(insp '{{index .Config.Labels "zunfs.name"}}/{{index .Config.Labels "zunfs.kind"}}')" "full/container" "zunfs labels"
assert_eq "$(insp '{{index .Config.Labels "zunfs.uuid"}}')" "$(jq -r .uuid "$C/full/inspect.json")" "zunfs.uuid label"
assert_eq "$(insp '{{index .Config.Labels "zunfs.owner"}}')" "0" "zunfs.owner label"
assert_eq "$(insp '{{.Name}}')" "/zunfs-$(jq -r .uuid "$C/full/inspect.json")" "engine name from the uuid"
assert_eq "$(insp '{{.Config.Tty}}/{{.Config.OpenStdin}}')" "true/true" "tty, stdin_open"
assert_eq "$(insp '{{.HostConfig.RestartPolicy.Name}}')" "on-failure" "restartPolicy OnFailure"
assert_eq "$(insp '{{.HostConfig.NanoCpus}}')" "500000000" "cpu"
assert_eq "$(insp '{{.HostConfig.Memory}}')" "128000000" "memory: limits win over requests"
assert_eq "$(insp '{{.HostConfig.NetworkMode}}')" "none" "network none"
assert_eq "$(insp '{{json .Config.ExposedPorts}}')" '{"53/udp":{},"80/tcp":{}}' "exposed ports"
assert_eq "$(jq -r '.ports[0].hostPort' "$C/full/inspect.json")" "8080" "host port recorded"
assert_eq "$(jq -r '.tty, .stdin_open, .attached' "$C/full/inspect.json" | tr '\n' ' ')" "true true 0 " "inspect: tty, stdin_open, attached"
assert_eq "$(jq -r '.environment.GREETING, .labels.app, .restart_policy, .image' "$C/full/inspect.json" | tr '\n' ' ')" "hello web on-failure busybox " "inspect: Zun show fields"
assert_eq "$(jq -r '.container_id' "$C/full/inspect.json")" "$id" "inspect: engine id"
assert_match "$(jq -r '.host' "$C/full/inspect.json")" "^Docker Engine" "inspect: host"
assert_eq "$(cat "$C/full/spec.yaml" | head -n 1)" "image: busybox" "spec.yaml reads back"

# the other spellings: env as a list, restartPolicy in Zun's words, command as a string
mkdir "$C/alt"
cat <<'YAML' | put_spec containers/alt >/dev/null
image: busybox
command: sh -c 'echo "$A $B"; trap "exit 0" TERM; while :; do sleep 0.2; done'
env: [{name: A, value: one}, "B=two"]
restartPolicy: on-failure:3
resources: {requests: {cpu: 250m, memory: 1Gi}}
YAML
timeout 30 cat "$C/alt/until/Running" >/dev/null
id=$(engine_id_of alt)
assert_eq "$(docker inspect -f '{{json .Config.Cmd}}' "$id")" '["sh","-c","echo \"$A $B\"; trap \"exit 0\" TERM; while :; do sleep 0.2; done"]' "command string split like a shell"
assert_eq "$(docker inspect -f '{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}' "$id")" "on-failure:3" "on-failure:N"
assert_eq "$(docker inspect -f '{{.HostConfig.NanoCpus}}/{{.HostConfig.Memory}}' "$id")" "250000000/1073741824" "millicores, Gi"
assert_eq "$(docker logs "$id" 2>&1)" "one two" "env list reached the process"
for pol in Always:always Never:no always:always unless-stopped:unless-stopped no:no; do
	mkdir "$C/rp"
	printf 'image: busybox\n%s\nrestartPolicy: %s\n' "$FOREVER" "${pol%%:*}" | put_spec containers/rp >/dev/null
	timeout 30 cat "$C/rp/until/Running" >/dev/null
	assert_eq "$(docker inspect -f '{{.HostConfig.RestartPolicy.Name}}' "$(engine_id_of rp)")" "${pol##*:}" "restartPolicy ${pol%%:*}"
	rmdir "$C/rp"
	wait_for 20 not engine_has rp
done

# a new spec for a running container rebuilds it
old=$(engine_id_of alt)
printf 'image: busybox\ncommand: [sleep, "301"]\nrestartPolicy: "no"\n' | put_spec containers/alt >/dev/null
assert_eq "$(timeout 30 cat "$C/alt/until/Running")" "Running" "rebuilt"
new=$(engine_id_of alt)
[ "$new" != "$old" ] || fail "rebuild kept the old container"
assert_fails "No such object" docker inspect "$old"
assert_eq "$(docker inspect -f '{{json .Config.Cmd}}' "$new")" '["sleep","301"]' "rebuilt with the new spec"

# the engine's own refusal: a command that does not exist
mkdir "$C/nocmd"
printf 'image: busybox\ncommand: [/no/such/program]\n' | put_spec containers/nocmd >/dev/null
assert_fails "Input/output error" timeout 30 cat "$C/nocmd/until/Running"
assert_eq "$(cat "$C/nocmd/status")" "Error" "engine refusal is Error"
assert_match "$(cat "$C/nocmd/status_reason")" "no such file or directory" "engine's message in status_reason"
unmount_zunfs
