#!/usr/bin/env bash
# A capsule's containers as directories: capsules/NAME/containers/CNAME/ with
# the per-container files (status, logs, tty, exec, top, stats, inspect.json),
# containers/NAME.CNAME links, EPERM for lifecycle ctl, rmdir and spec writes,
# capsules/NAME/logs merging every member's lines with [CNAME] prefixes,
# mkdir capsules/NAME/containers/NEW (zun run --capsule) reaching the others
# on localhost, members following an upgrade, and nothing left after rmdir.
. "$(dirname "$0")/lib.sh"
mount_zunfs
K=$MNT/capsules
C=$MNT/containers

mkdir "$K/web"
cat >"$T/web.yaml" <<'YAML'
kind: capsule
metadata: {name: web}
spec:
  containers:
  - name: server
    image: busybox
    command: [sh, -c, "echo server-up; trap 'exit 0' TERM; while :; do echo pong | nc -l -p 7000; done"]
  - name: shell
    image: busybox
    stdin_open: true
    command: [sh]
YAML
"$ZF_TESTTOOL" write "$K/web/spec.yaml" <"$T/web.yaml" >/dev/null
assert_eq "$(timeout 60 cat "$K/web/until/Running")" "Running" "the capsule runs"
assert_eq "$(ls "$K/web" | tr '\n' ' ')" "containers inspect.json logs sandbox spec.yaml status status_reason task_state until " "capsule files"
assert_eq "$(ls "$K/web/containers" | tr '\n' ' ')" "server shell " "one directory per member"
assert_eq "$(ls "$K/web/containers/server" | tr '\n' ' ')" "ctl exec health inspect.json logs spec.yaml stats status status_reason task_state top tty until " "a member's files"
assert_eq "$(timeout 30 cat "$K/web/containers/server/until/Running")" "Running" "member status"
assert_eq "$(cat "$K/web/containers/shell/status")" "Running" "member status"
assert_eq "$(jq -r '[.containers[] | .name + "=" + .status] | join(" ")' "$K/web/inspect.json")" "server=Running shell=Running" "the capsule's inspect.json lists its members"
assert_eq "$(jq -r '.engine_ids.members.server == .containers[0].container_id and .sandbox_id != null' "$K/web/inspect.json")" "true" "and their engine ids"
# the member's spec is its entry in the capsule's spec
assert_eq "$(head -n 2 "$K/web/containers/server/spec.yaml")" "name: server
image: busybox" "a member's spec.yaml"
assert_eq "$(stat -c %a "$K/web/containers/server/spec.yaml")" "444" "read-only"
# inspect.json says which capsule and which engine container
srv=$(jq -r .container_id "$K/web/containers/server/inspect.json")
assert_eq "$(jq -r .capsule "$K/web/containers/server/inspect.json")" "web" "inspect.json names the capsule"
assert_eq "$(docker inspect -f '{{index .Config.Labels "zunfs.role"}} {{.HostConfig.NetworkMode}}' "$srv")" "member.server container:$(cat "$K/web/sandbox")" "the engine's member"

# containers/web.server is a link to the member's directory
assert_eq "$(readlink "$C/web.server")" "../capsules/web/containers/server" "the link"
assert_eq "$(ls "$C" | tr '\n' ' ')" "web.server web.shell " "containers/ lists the links"
assert_eq "$(cat "$C/web.server/status")" "Running" "read through the link"
assert_fails "File exists" mkdir "$C/web.server"

# lifecycle through the member is refused: the capsule decides
assert_fails "Operation not permitted" bash -c "echo stop > '$C/web.server/ctl'"
assert_match "$(cat "$C/web.server/status_reason")" "ctl stop: a capsule's containers follow the capsule" "why"
assert_fails "Operation not permitted" rmdir "$K/web/containers/server"
assert_fails "Operation not permitted" bash -c "echo 'image: busybox' > '$C/web.server/spec.yaml'"
assert_match "$(cat "$C/web.server/status_reason")" "comes from capsules/web/spec.yaml" "why"
assert_fails "Operation not permitted" rmdir "$K/web/containers"
assert_eq "$(docker inspect -f '{{.State.Status}}' "$srv")" "running" "the member still runs"
# ...but resize is not lifecycle
echo 'resize 30 100' >"$C/web.shell/ctl"
ok

# attach, exec, top, stats, logs work on a member
exec 3<>"$C/web.shell/tty"
echo 'echo from-$((6*7)); nc 127.0.0.1 7000 </dev/null' >&3
read -r -t 10 l1 <&3
read -r -t 10 l2 <&3
assert_eq "$l1 $l2" "from-42 pong" "the member's tty; members share localhost"
exec 3>&-
exec 3<>"$K/web/containers/server/exec"
echo 'cat /proc/1/cmdline' >&3
assert_match "$(timeout 10 cat <&3 | tr '\0' ' ')" "^sh -c echo server-up.*\[exit 0\]" "exec in a member"
exec 3<&-
assert_match "$(cat "$C/web.server/top")" "nc -l -p 7000" "top of a member"
assert_eq "$(jq -r '.pids >= 1' "$C/web.server/stats")" "true" "stats of a member"
wait_for 10 grep -q server-up "$C/web.server/logs"
assert_eq "$(head -n 1 "$C/web.server/logs")" "server-up" "a member's own logs"

# the capsule's logs: every member's lines, prefixed
echo 'echo shell-says-hi' >"$T/in"
exec 3>"$C/web.shell/tty"
cat "$T/in" >&3
exec 3>&-
wait_for 10 grep -q '^\[shell\] shell-says-hi$' "$K/web/logs"
assert_eq "$(grep -c '^\[server\] server-up$' "$K/web/logs")" "1" "merged logs with prefixes"
[ "$(stat -c %s "$K/web/logs")" -gt 0 ] || fail "the merged log has its real size"
ok

# mkdir capsules/web/containers/NEW: a container added to the running capsule
mkdir "$K/web/containers/probe"
assert_eq "$(cat "$K/web/containers/probe/status")" "Empty" "an added member waits for its spec"
assert_eq "$(stat -c %a "$K/web/containers/probe/spec.yaml")" "644" "its spec is writable"
printf 'image: busybox\ncommand: [sh, -c, "nc 127.0.0.1 7000 </dev/null; sleep 300"]\n' >"$T/probe.yaml"
assert_eq "$("$ZF_TESTTOOL" write "$K/web/containers/probe/spec.yaml" <"$T/probe.yaml")" "ok" "its spec"
assert_eq "$(timeout 60 cat "$K/web/containers/probe/until/Running" || cat "$K/web/containers/probe/status_reason")" "Running" "the added member runs"
wait_for 10 grep -q '^pong$' "$C/web.probe/logs"
ok
probe=$(jq -r .container_id "$K/web/containers/probe/inspect.json")
assert_eq "$(docker inspect -f '{{.HostConfig.NetworkMode}} {{index .Config.Labels "zunfs.capsule"}}' "$probe")" "container:$(cat "$K/web/sandbox") web" "it joined the capsule's sandbox"
assert_eq "$(cat "$K/web/status")" "Running" "the capsule with it"
# a name the added member's spec gives must be its own; a member may not be added twice
printf 'name: other\nimage: busybox\n' >"$T/bad.yaml"
assert_eq "$("$ZF_TESTTOOL" write "$K/web/containers/probe/spec.yaml" <"$T/bad.yaml")" "close: EINVAL" "a wrong name"
assert_match "$(cat "$K/web/containers/probe/status_reason")" "'other' is not this container's name" "why"
assert_fails "File exists" mkdir "$K/web/containers/server"
# an added member that never got a spec can be removed again; the capsule's
# inspect.json, which lists its members, wakes a poll() when one comes
"$ZF_TESTTOOL" poll "$K/web/inspect.json" 10000 >"$T/poll.out" &
poller=$!
sleep 0.5
mkdir "$K/web/containers/oops"
wait "$poller"
assert_eq "$(cat "$T/poll.out")" "changed" "poll on the capsule wakes for a member"
assert_eq "$(jq -r '[.containers[].name] | join(" ")' "$K/web/inspect.json")" "server shell probe oops" "listed"
rmdir "$K/web/containers/oops"
assert_eq "$(ls "$K/web/containers" | tr '\n' ' ')" "probe server shell " "oops is gone"
# members are only added to a running capsule
mkdir "$K/idle" "$K/idle/containers/x"
printf 'image: busybox\n' >"$T/x.yaml"
assert_eq "$("$ZF_TESTTOOL" write "$K/idle/containers/x/spec.yaml" <"$T/x.yaml")" "close: EBUSY" "the capsule is Empty"
assert_match "$(cat "$K/idle/containers/x/status_reason")" "containers are added to a Running capsule" "why"
rmdir "$K/idle/containers/x" "$K/idle"

# members survive a remount: same records, same containers, logs go on
uuid=$(jq -r .uuid "$C/web.server/inspect.json")
unmount_zunfs
mount_zunfs
assert_eq "$(ls "$K/web/containers" | tr '\n' ' ')" "probe server shell " "members after a remount"
assert_eq "$(jq -r .uuid "$C/web.server/inspect.json") $(jq -r .container_id "$C/web.server/inspect.json")" "$uuid $srv" "the same member"
assert_eq "$(cat "$C/web.probe/status")" "Running" "the added one too"
assert_eq "$(grep -c '^server-up$' "$C/web.server/logs")" "1" "its log, nothing twice"

# an upgrade: members follow the new spec (kept names keep their directory and
# log; the added one goes with the old generation)
sed -e 's/echo server-up/echo server-v2/' -e 's/name: shell/name: helper/' "$T/web.yaml" >"$T/web2.yaml"
"$ZF_TESTTOOL" write "$K/web/spec.yaml" <"$T/web2.yaml" >/dev/null
wait_for 40 bash -c "[ \"\$(jq .generation '$K/web/inspect.json')\" = 2 ] && [ -z \"\$(cat '$K/web/task_state')\" ]"
assert_eq "$(ls "$K/web/containers" | tr '\n' ' ')" "helper server " "the new generation's members"
assert_eq "$(ls "$C" | tr '\n' ' ')" "web.helper web.server " "and their links"
assert_eq "$(jq -r .uuid "$C/web.server/inspect.json")" "$uuid" "server kept its record"
[ "$(jq -r .container_id "$C/web.server/inspect.json")" != "$srv" ] || fail "server is a new container"
wait_for 10 grep -q '^server-v2$' "$C/web.server/logs"
assert_eq "$(head -n 1 "$C/web.server/logs")" "server-up" "the log goes on across the upgrade"
assert_eq "$(timeout 20 cat "$C/web.helper/until/Running")" "Running" "the new member runs"

# a member of the spec removed behind zunfs's back: the capsule is not whole
# (Unknown, saying which) and the member says so; the others run on
docker rm -f "$(jq -r .container_id "$C/web.helper/inspect.json")" >/dev/null
# (the engine's "removing" may be seen on the way: the reason settles)
wait_for 10 bash -c "[ \"\$(cat '$K/web/status')\" = Unknown ] && [ \"\$(cat '$K/web/status_reason')\" = 'container helper is removed from the engine' ]"
assert_eq "$(cat "$K/web/status_reason")" "container helper is removed from the engine" "the capsule says which"
assert_eq "$(cat "$C/web.helper/status")" "Error" "the member says so"
assert_match "$(cat "$C/web.helper/status_reason")" "its container is gone from the engine" "why"
assert_eq "$(cat "$C/web.server/status")" "Running" "the others run on"

# rmdir: the members, their links and their logs go with the capsule
rmdir "$K/web"
assert_fails "No such file or directory" ls "$C/web.server"
wait_for 30 bash -c "[ -z \"\$(docker ps -aq --filter label=zunfs.instance=$(instance))\" ]"
assert_eq "$(ls "$STATE/logs" | wc -l)" "0" "no log left"
assert_eq "$(sqlite3 "$STATE/zunfs.db" 'SELECT count(*) FROM objects')" "0" "no record left"
unmount_zunfs
