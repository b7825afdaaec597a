#!/usr/bin/env bash
# OpenStack Zun's capsule template, as Zun's API takes it (busybox for the
# image, a local volume where it names Cinder): it runs as written, a bare
# memory number is MiB, availabilityZone is kept. A Pod's bare number stays
# bytes; metadata.name is metadata; two members exposing one port are
# refused naming both; inspect.json shows the spec in force of capsules and
# volumes; a volume made by a user is in that user's group.
. "$(dirname "$0")/lib.sh"
chmod 755 "$T" # other users must reach the mountpoint
mount_zunfs -o allow_other
K=$MNT/capsules
V=$MNT/volumes
as() { setpriv --reuid="$1" --regid="$2" --clear-groups "${@:3}"; }

mkdir "$V/zdata"
: >"$V/zdata/spec.yaml"
assert_eq "$(timeout 60 cat "$V/zdata/until/Available")" Available "a local volume"
assert_match "$(jq -c .spec "$V/zdata/inspect.json")" '"driver":"local"' "a volume's inspect.json shows its spec"

# Zun's template: kind capsule, capsuleVersion beta, env as a map, requests
# with bare numbers, ports with hostPort and a name, workDir
cat >"$T/template.yaml" <<'YAML'
capsuleVersion: beta
kind: capsule
metadata:
  name: template
  labels:
    app: web
restartPolicy: Always
availabilityZone: nova
spec:
  containers:
  - image: busybox
    command:
    - sleep
    - "1000000"
    env:
      ENV1: /usr/local/bin
      ENV2: /usr/bin
    ports:
    - containerPort: 80
      hostPort: 80
      name: nginx-port
      protocol: TCP
    resources:
      requests:
        cpu: 1
        memory: 1024
    workDir: /root
    volumeMounts:
    - name: data
      mountPath: /data
  volumes:
  - name: data
    volume: zdata
YAML
mkdir "$K/zun"
assert_eq "$("$ZF_TESTTOOL" write "$K/zun/spec.yaml" <"$T/template.yaml")" ok "Zun's template is taken"
assert_eq "$(timeout 60 cat "$K/zun/until/Running")" Running "and runs"
m=$(member_id zun member.container-0)
assert_eq "$(docker inspect -f '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.Config.WorkingDir}}' "$m")" \
	"1073741824 1000000000 /root" "memory: 1024 is 1024 MiB in Zun's capsule; cpu; workDir"
assert_eq "$(docker exec "$m" sh -c 'echo $ENV1:$ENV2')" "/usr/local/bin:/usr/bin" "env as a map"
assert_eq "$(jq -r .availability_zone "$K/zun/inspect.json")" nova "availabilityZone is kept"
assert_eq "$(jq -r .metadata_name "$K/zun/inspect.json")" template "metadata.name is metadata"
assert_eq "$(jq -r .name "$K/zun/inspect.json")" zun "the directory names the capsule"
assert_eq "$(jq -r '.spec.containers[0].memory' "$K/zun/inspect.json")" 1073741824 "the spec in force, in inspect.json"
assert_eq "$(jq -r '.spec.volumes[0].volume' "$K/zun/inspect.json")" zdata "its volumes"
assert_eq "$(cat "$K/zun/containers/container-0/spec.yaml" | grep -c 'memory: 1024')" 1 "the member's spec.yaml is its entry"
assert_eq "$(jq -r .memory "$K/zun/containers/container-0/inspect.json")" 1073741824 "and reads it in the capsule's unit"

# a Pod's bare memory number is bytes (Kubernetes' quantities)
cat >"$T/pod.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: other-name}
spec:
  containers:
  - name: a
    image: busybox
    command: [sleep, "3600"]
    resources: {limits: {memory: 134217728}}
YAML
mkdir "$K/pod"
assert_eq "$("$ZF_TESTTOOL" write "$K/pod/spec.yaml" <"$T/pod.yaml")" ok "a Pod"
assert_eq "$(timeout 60 cat "$K/pod/until/Running")" Running "runs"
assert_eq "$(docker inspect -f '{{.HostConfig.Memory}}' "$(member_id pod member.a)")" 134217728 "a Pod's bare number is bytes"
assert_eq "$(jq -r .metadata_name "$K/pod/inspect.json")" other-name "metadata.name differing from the directory is kept"

# zunfs restarted: the members' specs read again in their capsule's unit
unmount_zunfs
chmod 755 "$T" # other users must reach the mountpoint
mount_zunfs -o allow_other
assert_eq "$(jq -r .memory "$K/zun/containers/container-0/inspect.json")" 1073741824 "after a restart too"

# two members exposing one port share one network: refused, naming both
cat >"$T/ports.yaml" <<'YAML'
kind: Pod
spec:
  containers:
  - {name: a, image: busybox, ports: [{containerPort: 8080}]}
  - {name: b, image: busybox, ports: [{containerPort: 8080}]}
YAML
mkdir "$K/ports"
assert_eq "$("$ZF_TESTTOOL" write "$K/ports/spec.yaml" <"$T/ports.yaml" 2>&1 || true)" "close: EINVAL" "one containerPort twice"
assert_match "$(cat "$K/ports/status_reason")" "containers 'a' and 'b' both expose containerPort 8080/tcp" "naming both"
cat >"$T/hports.yaml" <<'YAML'
kind: Pod
spec:
  containers:
  - {name: a, image: busybox, ports: [{containerPort: 80, hostPort: 9090}]}
  - {name: b, image: busybox, ports: [{containerPort: 81, hostPort: 9090}]}
YAML
assert_eq "$("$ZF_TESTTOOL" write "$K/ports/spec.yaml" <"$T/hports.yaml" 2>&1 || true)" "close: EINVAL" "one hostPort twice"
assert_match "$(cat "$K/ports/status_reason")" "both expose hostPort 9090/tcp" "naming it"

# a volume made by a user is in their group (the creator's gid, not 0)
as 4242 4343 mkdir "$V/mine"
as 4242 4343 sh -c ": > '$V/mine/spec.yaml'"
assert_eq "$(timeout 60 cat "$V/mine/until/Available")" Available "a user's volume"
assert_eq "$(as 4242 4343 stat -c '%u %g' "$V/mine/data")" "4242 4343" "its files are the creator's uid and gid"
ok
echo "ok: $CHECKS checks"
