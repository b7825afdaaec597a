#!/usr/bin/env bash
# Probes (Kubernetes') and healthcheck (Zun's) as the engine's check of a
# container: the health file, inspect.json's health, until/healthy and
# until/unhealthy, a capsule member checked over HTTP on the pod's
# loopback, zunfs's restart of a container whose livenessProbe fails, and
# the refusals (EINVAL naming the field).
. "$(dirname "$0")/lib.sh"
mount_zunfs
C=$MNT/containers
K=$MNT/capsules
W=$(mktemp -d)
at_exit "rm -rf '$W'"
health() { head -n 1 "$1/health"; }
json() { # FILE PYTHON-EXPR (d is the document)
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}

log "an exec readinessProbe: starting, then healthy once the file is there"
mkdir "$C/ready"
cat >"$W/ready.yaml" <<'YAML'
image: busybox
command: [sh, -c, "sleep 3; touch /tmp/ready; exec sleep 3600"]
readinessProbe:
  exec: {command: [cat, /tmp/ready]}
  periodSeconds: 1
  failureThreshold: 10
YAML
assert_eq "$("$ZF_TESTTOOL" write "$C/ready/spec.yaml" <"$W/ready.yaml")" ok "an exec probe is taken"
assert_eq "$(timeout 30 cat "$C/ready/until/Running")" Running "it runs"
assert_eq "$(health "$C/ready")" starting "starting before the first check passes"
assert_eq "$(timeout 30 cat "$C/ready/until/healthy")" healthy "until/healthy returns"
assert_eq "$(health "$C/ready")" healthy "the health file says healthy"
assert_match "$(cat "$C/ready/health")" $'\nfailing_streak: 0\nlast_exit_code: 0\nlast_check: 20[0-9-]+T' \
	"the last check's exit code and time"
assert_eq "$(json "$C/ready/inspect.json" 'd["health"]["status"], d["health"]["last_exit_code"]')" \
	"healthy 0" "inspect.json's health"
assert_eq "$(json "$C/ready/inspect.json" 'd["healthcheck"]["test"], d["healthcheck"]["interval"], d["healthcheck"]["from"]')" \
	"['CMD', 'cat', '/tmp/ready'] 1 ['readinessProbe']" "inspect.json's healthcheck: the engine's check"
assert_eq "$(docker inspect --format '{{json .Config.Healthcheck.Test}} {{.Config.Healthcheck.Interval}} {{.Config.Healthcheck.Retries}}' "$(engine_id_of ready)")" \
	'["CMD","cat","/tmp/ready"] 1s 10' "the engine runs it"
assert_match "$(ls "$C/ready/until")" $'healthy\n(.*\n)?unhealthy' "until/ lists the health words"

log "it turns unhealthy: the probe's file removed"
"$ZF_TESTTOOL" poll "$C/ready/health" 30000 >"$W/poll" &
poller=$!
exec 3<>"$C/ready/exec"
echo 'rm /tmp/ready' >&3
assert_eq "$(cat <&3)" "[exit 0]" "the file removed"
exec 3<&-
assert_eq "$(timeout 60 cat "$C/ready/until/unhealthy")" unhealthy "until/unhealthy returns"
wait "$poller"
assert_eq "$(cat "$W/poll")" changed "poll() on health wakes when it changes"
assert_match "$(cat "$C/ready/health")" \
	$'^unhealthy\nfailing_streak: [0-9]+\nlast_exit_code: 1\nlast_check: .*\nlast_output: cat: can.t open ./tmp/ready.: No such file or directory$' \
	"the health file: exit code 1 and the command's output"
assert_eq "$(json "$C/ready/inspect.json" 'd["health"]["status"], d["health"]["failing_streak"] >= 10')" \
	"unhealthy True" "inspect.json: unhealthy, its failing streak"
assert_eq "$(cat "$C/ready/status")" Running "a readinessProbe does not restart it"
assert_eq "$("$ZF_TESTTOOL" nbread "$C/ready/until/healthy" || true)" "read: EAGAIN" \
	"until/healthy waits while it runs unhealthy"

log "a container without a check: health none, no until/healthy"
mkdir "$C/plain"
printf 'image: busybox\ncommand: [sleep, "3600"]\n' >"$W/plain.yaml"
assert_eq "$("$ZF_TESTTOOL" write "$C/plain/spec.yaml" <"$W/plain.yaml")" ok "a plain container"
assert_eq "$(timeout 30 cat "$C/plain/until/Running")" Running "it runs"
assert_eq "$(cat "$C/plain/health")" none "health: none"
assert_eq "$(json "$C/plain/inspect.json" 'd["health"]["status"], d["healthcheck"]')" "none None" \
	"inspect.json: none"
assert_fails "No such file or directory" cat "$C/plain/until/healthy"
assert_eq "$(ls "$C/plain/until" | grep -c healthy || true)" 0 "until/ lists no health words"

log "a livenessProbe that fails: zunfs restarts the container (restartPolicy Always)"
mkdir "$C/live"
cat >"$W/live.yaml" <<'YAML'
image: busybox
restartPolicy: Always
command: [sh, -c, "touch /tmp/ok; trap 'exit 0' TERM; while :; do sleep 1; done"]
livenessProbe:
  exec: {command: [test, -f, /tmp/ok]}
  periodSeconds: 1
  failureThreshold: 2
YAML
assert_eq "$("$ZF_TESTTOOL" write "$C/live/spec.yaml" <"$W/live.yaml")" ok "a livenessProbe"
assert_eq "$(timeout 30 cat "$C/live/until/healthy")" healthy "it is healthy"
first=$(json "$C/live/inspect.json" 'd["started_at"]')
exec 3<>"$C/live/exec"
echo 'rm /tmp/ok' >&3
cat <&3 >/dev/null
exec 3<&-
restarted() { [ "$(json "$C/live/inspect.json" 'd["started_at"]')" != "$first" ]; }
wait_for 60 restarted
assert_eq "$(timeout 60 cat "$C/live/until/healthy")" healthy "restarted, it passes again (its command made the file anew)"
assert_eq "$(cat "$C/live/status")" Running "it runs"
assert_eq "$(docker inspect --format '{{.State.Running}}' "$(engine_id_of live)")" true "the engine runs it again"

log "a startupProbe holds the livenessProbe off while the container starts"
mkdir "$C/slow"
cat >"$W/slow.yaml" <<'YAML'
image: busybox
restartPolicy: Always
command: [sh, -c, "sleep 4; touch /tmp/up; exec sleep 3600"]
startupProbe:
  exec: {command: [test, -f, /tmp/up]}
  periodSeconds: 1
  failureThreshold: 8
livenessProbe:
  exec: {command: [test, -f, /tmp/up]}
  periodSeconds: 1
  failureThreshold: 2
YAML
assert_eq "$("$ZF_TESTTOOL" write "$C/slow/spec.yaml" <"$W/slow.yaml")" ok "a startupProbe"
assert_eq "$(timeout 30 cat "$C/slow/until/Running")" Running "it runs"
assert_eq "$(docker inspect --format '{{.Config.Healthcheck.StartPeriod}} {{.Config.Healthcheck.Retries}}' "$(engine_id_of slow)")" \
	"6.5s 2" "the start period: 8 - 2 periods and a half"
first=$(json "$C/slow/inspect.json" 'd["started_at"]')
assert_eq "$(timeout 30 cat "$C/slow/until/healthy")" healthy "healthy once started"
assert_eq "$(json "$C/slow/inspect.json" 'd["started_at"]')" "$first" \
	"not restarted: 4 failures, past the livenessProbe's 2, fell in the start period"
assert_eq "$(docker inspect --format '{{.RestartCount}}' "$(engine_id_of slow)")" 0 "the engine did not restart it either"

log "a livenessProbe that fails under restartPolicy Never: stopped, saying why"
mkdir "$C/never"
cat >"$W/never.yaml" <<'YAML'
image: busybox
restartPolicy: Never
command: [sleep, "3600"]
livenessProbe:
  exec: {command: [test, -f, /tmp/never]}
  periodSeconds: 1
  failureThreshold: 1
YAML
assert_eq "$("$ZF_TESTTOOL" write "$C/never/spec.yaml" <"$W/never.yaml")" ok "a failing livenessProbe"
assert_eq "$(timeout 60 cat "$C/never/until/Stopped")" Stopped "stopped"
assert_match "$(cat "$C/never/status_reason")" "^exited with code [0-9]+ \(stopped by zunfs: its livenessProbe failed\)$" \
	"status_reason says why"
assert_fails "Input/output error" timeout 10 cat "$C/never/until/healthy"

log "tcpSocket against nothing: unhealthy with nc's words"
mkdir "$C/tcp"
printf 'image: busybox\ncommand: [sleep, "3600"]\nreadinessProbe:\n  tcpSocket: {port: 9}\n  periodSeconds: 1\n  failureThreshold: 1\n' >"$W/tcp.yaml"
assert_eq "$("$ZF_TESTTOOL" write "$C/tcp/spec.yaml" <"$W/tcp.yaml")" ok "a tcpSocket probe"
assert_eq "$(timeout 30 cat "$C/tcp/until/unhealthy")" unhealthy "unhealthy"
assert_match "$(cat "$C/tcp/health")" "last_output: nc: can't connect to remote host \(127.0.0.1\): Connection refused" \
	"the health file has nc's output"

log "a check whose command the image lacks: unhealthy with the engine's words"
mkdir "$C/lack"
printf 'image: busybox\ncommand: [sleep, "3600"]\nreadinessProbe:\n  exec: {command: [curl, -f, "http://127.0.0.1/"]}\n  periodSeconds: 1\n  failureThreshold: 1\n' >"$W/lack.yaml"
assert_eq "$("$ZF_TESTTOOL" write "$C/lack/spec.yaml" <"$W/lack.yaml")" ok "a check with curl"
assert_eq "$(timeout 30 cat "$C/lack/until/unhealthy")" unhealthy "unhealthy"
assert_match "$(cat "$C/lack/health")" 'last_output: .*"curl": executable file not found' \
	"the engine's output in the health file"

log "Zun's healthcheck"
mkdir "$C/zun"
printf 'image: busybox\ncommand: [sleep, "3600"]\nhealthcheck: {cmd: "test -d /tmp && exit 0", interval: 1, retries: 2, timeout: 2}\n' >"$W/zun.yaml"
assert_eq "$("$ZF_TESTTOOL" write "$C/zun/spec.yaml" <"$W/zun.yaml")" ok "Zun's healthcheck"
assert_eq "$(timeout 30 cat "$C/zun/until/healthy")" healthy "healthy"
assert_eq "$(docker inspect --format '{{json .Config.Healthcheck.Test}} {{.Config.Healthcheck.Retries}}' "$(engine_id_of zun)")" \
	'["CMD-SHELL","test -d /tmp && exit 0"] 2' "a line for the image's shell"

log "a capsule member checked over HTTP, served by busybox httpd in the same pod"
cat >"$W/pod.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: server
    image: busybox
    command: [sh, -c, "mkdir -p /www && echo ok >/www/healthz && exec httpd -f -p 127.0.0.1:8080 -h /www"]
  - name: client
    image: busybox
    command: [sleep, "3600"]
    readinessProbe:
      httpGet:
        path: /healthz
        port: 8080
        httpHeaders: [{name: X-Probe, value: zunfs}]
      periodSeconds: 1
      failureThreshold: 30
YAML
mkdir "$K/web"
assert_eq "$("$ZF_TESTTOOL" write "$K/web/spec.yaml" <"$W/pod.yaml")" ok "a Pod with an httpGet probe"
assert_eq "$(timeout 60 cat "$K/web/until/Running")" Running "the capsule runs"
assert_eq "$(timeout 60 cat "$K/web/containers/client/until/healthy")" healthy "the member is healthy"
assert_eq "$(health "$K/web/containers/client")" healthy "its health file"
assert_eq "$(health "$K/web/containers/server")" none "the other member has no check"
assert_eq "$(json "$K/web/inspect.json" '[(c["name"], c["health"]["status"]) for c in d["containers"]]')" \
	"[('server', 'none'), ('client', 'healthy')]" "the capsule's inspect.json: each member's health"
assert_eq "$(timeout 10 cat "$C/web.client/until/healthy")" healthy "through the containers/ link too"

log "refusals: EINVAL naming the field, nothing launched"
refused() { # NAME YAML WANT
	mkdir "$C/$1"
	printf '%s' "$2" >"$W/$1.yaml"
	assert_eq "$("$ZF_TESTTOOL" write "$C/$1/spec.yaml" <"$W/$1.yaml")" "close: EINVAL" "$1 refused"
	assert_match "$(cat "$C/$1/status_reason")" "$3" "$1: the field named"
	assert_eq "$(cat "$C/$1/status")" Empty "$1: nothing launched"
}
refused two $'image: busybox\nlivenessProbe: {exec: {command: [true]}}\nreadinessProbe: {tcpSocket: {port: 80}}\n' \
	"readinessProbe: the engine runs one check a container"
refused succ $'image: busybox\nreadinessProbe: {exec: {command: [true]}, successThreshold: 2}\n' \
	"readinessProbe.successThreshold: 2"
refused https $'image: busybox\nreadinessProbe: {httpGet: {port: 443, scheme: HTTPS}}\n' \
	"readinessProbe.httpGet.scheme: 'HTTPS': only HTTP"
refused start $'image: busybox\nstartupProbe: {exec: {command: [true]}}\n' \
	"startupProbe: needs a livenessProbe"
refused both $'image: busybox\nhealthcheck: {cmd: "true"}\nlivenessProbe: {exec: {command: [true]}}\n' \
	"livenessProbe: healthcheck \(Zun's\) gives the container's check already"
refused period $'image: busybox\nlivenessProbe: {exec: {command: [true]}, periodSeconds: 0}\n' \
	"livenessProbe.periodSeconds: '0' is not a whole number"

log "a delay past the period needs the engine's start interval (API 1.44)"
mkdir "$C/delay"
printf 'image: busybox\ncommand: [sleep, "3600"]\nreadinessProbe:\n  exec: {command: ["true"]}\n  periodSeconds: 1\n  initialDelaySeconds: 3\n' >"$W/delay.yaml"
assert_eq "$("$ZF_TESTTOOL" write "$C/delay/spec.yaml" <"$W/delay.yaml")" ok "taken"
api=$(docker version --format '{{.Server.APIVersion}}')
if [ "$(printf '%s\n1.44\n' "$api" | sort -V | head -n 1)" != 1.44 ]; then
	assert_eq "$(timeout 30 cat "$C/delay/until/Error")" Error "refused by this engine (API $api)"
	assert_match "$(cat "$C/delay/status_reason")" \
		"readinessProbe.initialDelaySeconds: needs the engine's start interval .* API $api" \
		"status_reason names the field and the engine's API"
else
	assert_eq "$(timeout 30 cat "$C/delay/until/healthy")" healthy "held back, then healthy"
fi
unmount_zunfs
echo "ok: $CHECKS checks"
