#!/usr/bin/env bash
# What Kubernetes does with a Pod's env, securityContext, namespace, DNS and
# native sidecars, checked in the engine: $(VAR) expansion and fieldRef
# values in the member's environment and command; the user, groups,
# read-only root, no_new_privs and capabilities of its process; runAsNonRoot
# refused at launch; resolv.conf from dnsConfig; a sidecar started before
# the next init container, running beside the members, stopped when they
# are done. A container of its own takes securityContext too.
. "$(dirname "$0")/lib.sh"
mount_zunfs
K=$MNT/capsules
T2=$(mktemp -d)
at_exit "rm -rf '$T2'"
cid() { # CAPSULE ROLE: the running engine container
	docker ps -aq --no-trunc --filter "label=zunfs.instance=$(instance)" \
		--filter "label=zunfs.capsule=$1" --filter "label=zunfs.role=$2" | head -n 1
}
apply() { # NAME FILE: mkdir, write, expect "ok" and Running
	mkdir "$K/$1"
	assert_eq "$("$ZF_TESTTOOL" write "$K/$1/spec.yaml" <"$2" || true)" ok "$1 accepted"
	assert_eq "$(timeout 90 cat "$K/$1/until/Running" || cat "$K/$1/status_reason")" Running "$1 runs"
}
refused() { # NAME FILE ERRNO TEXT
	mkdir "$K/$1"
	assert_eq "$("$ZF_TESTTOOL" write "$K/$1/spec.yaml" <"$2" || true)" "close: $3" "$1 refused"
	assert_match "$(cat "$K/$1/status_reason")" "$4" "$1: why"
	assert_eq "$(cat "$K/$1/status")" Empty "$1: nothing launched"
}

log "env: fieldRef and \$(VAR)"
cat >"$T2/env.yaml" <<'YAML'
kind: Pod
metadata:
  name: ignored-here
  namespace: shop
  labels: {app: store}
  annotations: {owner: ops}
spec:
  containers:
  - name: a
    image: busybox
    command: [sh, -c, "echo '$(GREETING)' >/tmp/out; exec sleep 3600", '$(LATER)']
    env:
    - {name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: NS, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
    - {name: APP, valueFrom: {fieldRef: {fieldPath: "metadata.labels['app']"}}}
    - {name: OWNER, valueFrom: {fieldRef: {fieldPath: "metadata.annotations['owner']"}}}
    - {name: IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
    - {name: GREETING, value: 'hi $(POD).$(NS) $(APP)/$(OWNER) at $(IP) $$(POD) $(LATER) $(NONE) $(POD'}
    - {name: LATER, value: later}
YAML
apply env "$T2/env.yaml"
A=$(cid env member.a)
envs=$(docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$A")
assert_match "$envs" $'(^|\n)POD=env\n' "metadata.name is the capsule's name"
assert_match "$envs" $'(^|\n)NS=shop\n' "metadata.namespace"
assert_match "$envs" $'(^|\n)APP=store\n' "a label"
assert_match "$envs" $'(^|\n)OWNER=ops\n' "an annotation"
assert_match "$envs" $'(^|\n)IP=127.0.0.1\n' "status.podIP on network none is loopback's"
assert_match "$envs" $'(^|\n)GREETING=hi env.shop store/ops at 127.0.0.1 \\$\\(POD\\) \\$\\(LATER\\) \\$\\(NONE\\) \\$\\(POD\n' \
	"\$(VAR) from the entries before it; \$\$ escapes; later, unknown and unclosed stay"
assert_eq "$(docker inspect -f '{{index .Config.Cmd 3}}' "$A")" later "args see the whole env"
assert_eq "$(docker exec "$A" cat /tmp/out)" 'hi env.shop store/ops at 127.0.0.1 $(POD) $(LATER) $(NONE) $(POD' \
	"the process got the expanded values"
assert_match "$(cat "$K/env/inspect.json")" '"namespace": "shop"' "inspect.json shows the namespace"

refused secret <(printf 'kind: Pod\nspec:\n  containers:\n  - name: a\n    image: busybox\n    env:\n    - {name: P, valueFrom: {secretKeyRef: {name: s, key: k}}}\n') \
	EOPNOTSUPP "containers\[0\]\.env\[0\]\.valueFrom\.secretKeyRef: not supported: zunfs has no Secret objects"

log "securityContext"
cat >"$T2/sec.yaml" <<'YAML'
kind: Pod
spec:
  securityContext:
    runAsUser: 1000
    runAsGroup: 1001
    fsGroup: 2000
    supplementalGroups: [3000]
    runAsNonRoot: true
  containers:
  - name: user
    image: busybox
    command: [sleep, "3600"]
    securityContext:
      readOnlyRootFilesystem: true
      allowPrivilegeEscalation: false
  - name: root
    image: busybox
    command: [sleep, "3600"]
    securityContext:
      runAsUser: 0
      runAsNonRoot: false
      capabilities: {drop: [ALL]}
  - name: plain
    image: busybox
    command: [sleep, "3600"]
    securityContext: {runAsUser: 0, runAsNonRoot: false}
YAML
apply sec "$T2/sec.yaml"
U=$(cid sec member.user)
R=$(cid sec member.root)
P=$(cid sec member.plain)
assert_eq "$(docker exec "$U" id -u)" 1000 "runAsUser (the pod's)"
assert_eq "$(docker exec "$U" id -g)" 1001 "runAsGroup"
assert_match " $(docker exec "$U" id -G) " " 2000 " "fsGroup is a supplementary group"
assert_match " $(docker exec "$U" id -G) " " 3000 " "supplementalGroups"
assert_match "$(docker exec "$U" awk '/^Uid:/ {print $2}' /proc/1/status)" '^1000$' "the process itself runs as 1000"
assert_match "$(docker exec "$U" sh -c 'touch /rootfs-file 2>&1; echo rc=$?')" "Read-only file system" "readOnlyRootFilesystem"
assert_eq "$(docker exec "$U" awk '/^NoNewPrivs:/ {print $2}' /proc/1/status)" 1 "allowPrivilegeEscalation: false is no_new_privs"
assert_eq "$(docker exec "$P" awk '/^NoNewPrivs:/ {print $2}' /proc/1/status)" 0 "not set unless asked"
assert_eq "$(docker exec "$R" id -u)" 0 "the container's runAsUser 0 wins over the pod's"
assert_eq "$(docker exec "$R" awk '/^CapEff:/ {print $2}' /proc/1/status)" 0000000000000000 "capabilities.drop ALL"
assert_match "$(docker exec "$P" awk '/^CapEff:/ {print $2}' /proc/1/status)" '^0*[1-9a-f]' "the engine's default capabilities otherwise"
assert_eq "$(docker exec "$P" sh -c 'touch /rootfs-file && echo ok')" ok "the root is writable unless asked"

printf 'kind: Pod\nspec:\n  securityContext: {runAsNonRoot: true}\n  containers:\n  - {name: a, image: busybox, command: [sleep, "3600"]}\n' >"$T2/nonroot.yaml"
mkdir "$K/nonroot"
assert_eq "$("$ZF_TESTTOOL" write "$K/nonroot/spec.yaml" <"$T2/nonroot.yaml" || true)" ok "runAsNonRoot is checked at launch"
wait_for 60 grep -qx Failed "$K/nonroot/status"
assert_match "$(cat "$K/nonroot/status_reason")" "container a: runAsNonRoot: the image runs as root" "the kubelet's refusal"
assert_eq "$(cid nonroot member.a)" "" "the container was not made"

refused priv <(printf 'kind: Pod\nspec:\n  containers:\n  - {name: a, image: busybox, securityContext: {privileged: true}}\n') \
	EPERM "containers\[0\]\.securityContext\.privileged: true would hand the host"
refused capadd <(printf 'kind: Pod\nspec:\n  containers:\n  - {name: a, image: busybox, securityContext: {capabilities: {add: [SYS_ADMIN]}}}\n') \
	EPERM "capabilities\.add: adding capabilities raises privilege"

log "a container of its own"
mkdir "$MNT/containers/solo"
printf 'image: busybox\ncommand: [sleep, "3600"]\nsecurityContext: {runAsUser: 4242, readOnlyRootFilesystem: true}\n' >"$T2/solo.yaml"
assert_eq "$("$ZF_TESTTOOL" write "$MNT/containers/solo/spec.yaml" <"$T2/solo.yaml" || true)" ok "a container's securityContext"
assert_eq "$(timeout 60 cat "$MNT/containers/solo/until/Running")" Running "it runs"
S=$(engine_id_of solo)
assert_eq "$(docker exec "$S" id -u)" 4242 "runAsUser"
assert_eq "$(docker inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$S")" true "read-only root"
mkdir "$MNT/containers/rooted"
printf 'image: busybox\ncommand: [sleep, "3600"]\nsecurityContext: {runAsNonRoot: true}\n' >"$T2/rooted.yaml"
assert_eq "$("$ZF_TESTTOOL" write "$MNT/containers/rooted/spec.yaml" <"$T2/rooted.yaml" || true)" ok "checked at launch"
wait_for 60 grep -qx Error "$MNT/containers/rooted/status"
assert_match "$(cat "$MNT/containers/rooted/status_reason")" "securityContext: runAsNonRoot: the image runs as root" "a container of its own is refused at launch too"

log "dnsPolicy None and dnsConfig"
cat >"$T2/dns.yaml" <<'YAML'
kind: Pod
spec:
  dnsPolicy: None
  dnsConfig:
    nameservers: [127.0.0.1, "::1"]
    searches: [svc.example, example]
    options: [{name: ndots, value: "2"}, {name: edns0}]
  containers:
  - {name: a, image: busybox, command: [sleep, "3600"]}
  - {name: b, image: busybox, command: [sleep, "3600"]}
YAML
apply dns "$T2/dns.yaml"
for m in a b; do
	conf=$(docker exec "$(cid dns member.$m)" cat /etc/resolv.conf)
	assert_match "$conf" $'(^|\n)nameserver 127.0.0.1\n' "member $m: the first nameserver"
	assert_match "$conf" $'(^|\n)nameserver ::1(\n|$)' "member $m: the second"
	assert_match "$conf" $'(^|\n)search svc.example example(\n|$)' "member $m: searches"
	assert_match "$conf" $'(^|\n)options ndots:2 edns0(\n|$)' "member $m: options"
	[[ "$conf" != *10.255.255.53* ]] || fail "member $m: the host's nameserver is gone under None"
done
refused nodns <(printf 'kind: Pod\nspec:\n  dnsPolicy: None\n  containers:\n  - {name: a, image: busybox}\n') \
	EINVAL "spec.dnsPolicy: None needs spec.dnsConfig.nameservers"

log "a native sidecar"
cat >"$T2/side.yaml" <<'YAML'
kind: Pod
spec:
  restartPolicy: Never
  initContainers:
  - {name: first, image: busybox, command: [true]}
  - {name: proxy, image: busybox, restartPolicy: Always, command: [sh, -c, 'trap "exit 0" TERM; while :; do sleep 0.2; done']}
  - {name: after, image: busybox, command: [true]}
  containers:
  - {name: app, image: busybox, command: [sh, -c, 'sleep 4']}
YAML
apply side "$T2/side.yaml"
PX=$(cid side sidecar.proxy)
[ -n "$PX" ] || fail "no sidecar container"
ok
assert_eq "$(docker inspect -f '{{.State.Status}}' "$PX")" running "the sidecar runs beside the member"
assert_eq "$(docker inspect -f '{{.HostConfig.RestartPolicy.Name}}' "$PX")" always "a sidecar is restarted whatever the capsule's policy"
p_start=$(docker inspect -f '{{.State.StartedAt}}' "$PX")
a_start=$(docker inspect -f '{{.State.StartedAt}}' "$(cid side init.after)")
app_start=$(docker inspect -f '{{.State.StartedAt}}' "$(cid side member.app)")
[[ "$p_start" < "$a_start" && "$a_start" < "$app_start" ]] ||
	fail "order: sidecar $p_start, next init $a_start, member $app_start"
ok
assert_eq "$(ls "$K/side/containers")" app "a sidecar has no directory (as init containers)"
assert_match "$(cat "$K/side/inspect.json")" '"sidecars": \[[[:space:]]*"proxy"[[:space:]]*\]' "inspect.json names it"
wait_for 60 grep -qx Finished "$K/side/status"
ok
state_is() { [ "$(docker inspect -f '{{.State.Status}}' "$1")" = "$2" ]; }
wait_for 30 state_is "$PX" exited
ok
assert_eq "$(cat "$K/side/status")" Finished "the stopped sidecar does not change the capsule's status"
rmdir "$K/side"
none_left() { [ -z "$(cid side sidecar.proxy)" ]; }
wait_for 30 none_left
ok

unmount_zunfs
echo "ok: $CHECKS checks"
