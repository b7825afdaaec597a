#!/usr/bin/env bash
# A capsule's members see the capsule's name as their host name, as a
# Kubernetes pod's containers see the pod's (spec.hostname when given);
# spec.subdomain is refused, saying why; a sandbox keeps its hostname: key.
. "$(dirname "$0")/lib.sh"
mount_zunfs
K=$MNT/capsules

cat >"$T/web.yaml" <<'YAML'
kind: Pod
metadata: {name: web}
spec:
  containers:
  - {name: a, image: busybox, command: [sleep, "3600"]}
  - {name: b, image: busybox, command: [sleep, "3600"]}
YAML
mkdir "$K/web"
assert_eq "$("$ZF_TESTTOOL" write "$K/web/spec.yaml" <"$T/web.yaml")" ok "a capsule"
assert_eq "$(timeout 60 cat "$K/web/until/Running")" Running "it runs"
assert_eq "$(docker exec "$(member_id web member.a)" hostname)" web "a member's host name is the capsule's name"
assert_eq "$(docker exec "$(member_id web member.b)" hostname)" web "every member's"
assert_eq "$(docker exec "$(member_id web member.a)" cat /etc/hostname)" web "and /etc/hostname says it"

cat >"$T/named.yaml" <<'YAML'
kind: Pod
metadata: {name: named}
spec:
  hostname: db-0
  containers:
  - {name: a, image: busybox, command: [sleep, "3600"]}
YAML
mkdir "$K/named"
assert_eq "$("$ZF_TESTTOOL" write "$K/named/spec.yaml" <"$T/named.yaml")" ok "spec.hostname is taken"
assert_eq "$(timeout 60 cat "$K/named/until/Running")" Running "it runs"
assert_eq "$(docker exec "$(member_id named member.a)" hostname)" db-0 "spec.hostname names the host"

cat >"$T/sub.yaml" <<'YAML'
kind: Pod
metadata: {name: sub}
spec:
  hostname: db-0
  subdomain: dbs
  containers:
  - {name: a, image: busybox}
YAML
mkdir "$K/sub"
"$ZF_TESTTOOL" write "$K/sub/spec.yaml" <"$T/sub.yaml" >/dev/null 2>&1 && fail "subdomain accepted"
assert_match "$(cat "$K/sub/status_reason")" "spec.subdomain: not supported" "subdomain refused, saying why"
assert_eq "$(cat "$K/sub/status")" Empty "nothing launched"

printf 'kind: Pod\nspec:\n  hostname: "-bad"\n  containers:\n  - {name: a, image: busybox}\n' >"$T/bad.yaml"
mkdir "$K/bad"
"$ZF_TESTTOOL" write "$K/bad/spec.yaml" <"$T/bad.yaml" >/dev/null 2>&1 && fail "a bad host name accepted"
assert_match "$(cat "$K/bad/status_reason")" "spec.hostname: '-bad' is not a host name" "a bad host name refused"
ok
echo "ok: $CHECKS checks"
