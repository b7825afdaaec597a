#!/usr/bin/env bash
# Crash safety of capsules: zunfs killed with SIGKILL in the middle of a
# capsule's launch (making its sandbox, running its init container, starting
# its members) or of an upgrade. After the restart the capsule is whole or
# gone: one sandbox, its init container and each member once, all of the
# generation in force; never a stray member or sandbox.
. "$(dirname "$0")/lib.sh"
mount_zunfs
K=$MNT/capsules

# kill -9 of the daemon; the dead mount is taken down as an admin would
crash() {
	kill -9 "$ZUNFS_PID"
	wait "$ZUNFS_PID" 2>/dev/null || true
	ZUNFS_PID=
	fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT"
}
uuid_of() { sqlite3 "$STATE/zunfs.db" "SELECT uuid FROM objects WHERE name = '$1' AND parent = ''"; }
# the engine's containers of a capsule: "ROLE GENERATION GROUP" lines, sorted
# (names are zunfs-UUID-gN-ROLE; members name their sandbox in a label)
engine_view() {
	local id
	for id in $(docker ps -aq --filter "label=zunfs.uuid=$1"); do
		docker inspect -f '{{.Name}} {{if eq (index .Config.Labels "zunfs.role") "sandbox"}}{{.Id}}{{else}}{{index .Config.Labels "zunfs.sandbox"}}{{end}}' "$id" |
			sed -E 's|^/zunfs-[0-9a-f-]{36}-g([0-9]+)-([^ ]+) |\2 \1 |'
	done | sort
}
# whole: one sandbox, the init container and three members, all in the
# generation of the sandbox the capsule names, each once
assert_whole() { # NAME GENERATION
	local uuid sb view
	uuid=$(uuid_of "$1")
	sb=$(cat "$K/$1/sandbox")
	view=$(engine_view "$uuid")
	assert_eq "$(echo "$view" | awk '{print $1, $2}' | tr '\n' ' ')" "init.setup $2 member.a $2 member.b $2 member.c $2 sandbox $2 " "$1: every container once, one generation"
	assert_eq "$(echo "$view" | awk '{print $3}' | sort -u)" "$sb" "$1: all of the sandbox in force"
	assert_eq "$(ls "$K/$1/containers" | tr '\n' ' ')" "a b c " "$1: its members' directories"
}
capsule_spec() { # WORD
	cat <<YAML
kind: capsule
spec:
  initContainers:
  - {name: setup, image: busybox, command: [sh, -c, "sleep 1"]}
  containers:
  - {name: a, image: busybox, command: [sh, -c, "echo $1; trap 'exit 0' TERM; while :; do sleep 0.2; done"]}
  - {name: b, image: busybox, command: [sh, -c, "trap 'exit 0' TERM; while :; do sleep 0.2; done"]}
  - {name: c, image: busybox, command: [sh, -c, "trap 'exit 0' TERM; while :; do sleep 0.2; done"]}
YAML
}

# killed at each step of a launch: relaunched from nothing at the restart
for step in sandbox init member; do
	name=launch-$step
	mkdir "$K/$name"
	capsule_spec v1 >"$T/$name.yaml"
	"$ZF_TESTTOOL" write "$K/$name/spec.yaml" <"$T/$name.yaml" >/dev/null
	uuid=$(uuid_of "$name")
	case $step in
	sandbox) wait_for 20 bash -c "docker ps -aq --filter label=zunfs.uuid=$uuid --filter label=zunfs.role=sandbox | grep -q ." ;;
	init) wait_for 20 bash -c "docker ps -q --filter label=zunfs.uuid=$uuid --filter label=zunfs.role=init.setup | grep -q ." ;;
	member) wait_for 20 bash -c "docker ps -aq --filter label=zunfs.uuid=$uuid --filter label=zunfs.role=member.a | grep -q ." ;;
	esac
	crash
	mount_zunfs
	assert_eq "$(timeout 60 cat "$K/$name/until/Running")" "Running" "$name: relaunched"
	wait_for 20 bash -c "[ -z \"\$(cat '$K/$name/task_state')\" ]"
	assert_whole "$name" 1
done

# killed while an upgrade makes the new generation: the old one stays whole
# and in force, what the upgrade made is removed
name=upgrade
mkdir "$K/$name"
capsule_spec v1 >"$T/up1.yaml"
"$ZF_TESTTOOL" write "$K/$name/spec.yaml" <"$T/up1.yaml" >/dev/null
timeout 60 cat "$K/$name/until/Running" >/dev/null
uuid=$(uuid_of "$name")
old_sb=$(cat "$K/$name/sandbox")
capsule_spec v2 >"$T/up2.yaml"
"$ZF_TESTTOOL" write "$K/$name/spec.yaml" <"$T/up2.yaml" >/dev/null
wait_for 20 bash -c "docker ps -aq --filter label=zunfs.uuid=$uuid --filter label=zunfs.generation=2 | grep -q ."
crash
mount_zunfs
wait_for 30 bash -c "[ -z \"\$(docker ps -aq --filter label=zunfs.uuid=$uuid --filter name=-g2-)\" ]"
assert_eq "$(cat "$K/$name/status") $(cat "$K/$name/sandbox")" "Running $old_sb" "the old capsule in force"
assert_match "$(cat "$K/$name/status_reason")" "an upgrade was cut short" "why the new spec is not in force"
assert_match "$(cat "$K/$name/spec.yaml")" "echo v1" "the old spec"
assert_whole "$name" 1
# writing the new spec again upgrades it
"$ZF_TESTTOOL" write "$K/$name/spec.yaml" <"$T/up2.yaml" >/dev/null
wait_for 40 bash -c "[ \"\$(jq .generation '$K/$name/inspect.json')\" = 2 ] && [ -z \"\$(cat '$K/$name/task_state')\" ]"
wait_for 20 bash -c "! docker inspect '$old_sb' >/dev/null 2>&1"
assert_whole "$name" 2

# killed while a capsule is removed: the removal is finished at the restart
rmdir "$K/launch-init"
crash
mount_zunfs
uuid=$(uuid_of launch-init)
wait_for 30 bash -c "[ -z \"\$(docker ps -aq --filter label=zunfs.uuid=$uuid)\" ] && [ -z \"\$(sqlite3 '$STATE/zunfs.db' \"SELECT 1 FROM objects WHERE name = 'launch-init'\")\" ]"
ok
unmount_zunfs
