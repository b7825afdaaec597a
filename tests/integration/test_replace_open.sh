#!/usr/bin/env bash
# Replacing spec.yaml while something has it open: perl -pi keeps the
# original open while it renames its work file over it, a pager or `tail -f`
# holds it during a sed -i, python's os.replace, mv beside an open
# descriptor. The rename applies the spec like any other (the old name's
# node is left an orphan, as an unlinked inode; no .fuse_hiddenN name is
# ever made, which libfuse's high-level API did), and what had the old
# spec.yaml open keeps reading it, as a regular file's old inode. A spec
# refused at a rename fails it with EBADMSG, which mv words truthfully
# ("Bad message"; it words EINVAL as "a subdirectory of itself"), and
# status_reason says why. For containers, capsules, members and volumes. (A
# capsule's spec.yaml shows a new spec once its upgrade runs.) And a temp
# file removed while open.
. "$(dirname "$0")/lib.sh"
mount_zunfs
C=$MNT/containers
K=$MNT/capsules

loop() { printf '[sh, -c, "trap \\"exit 0\\" TERM; while :; do sleep %s; done"]' "$1"; }
cspec() { printf 'image: busybox\ncommand: %s\n' "$(loop "$1")"; }
kspec() { printf 'kind: capsule\nspec:\n  containers:\n  - name: a\n    image: busybox\n    command: %s\n' "$(loop "$1")"; }
# the engine's command of what DIR runs: a container, or the member a of a capsule
engine_cmds() { # DIR
	local ids
	if [ -d "$1/containers" ]; then
		ids=$(docker ps -q --filter "label=zunfs.uuid=$(jq -r .uuid "$1/inspect.json")" --filter label=zunfs.role=member.a)
	else
		ids=$(jq -r .container_id "$1/inspect.json")
	fi
	[ -n "$ids" ] && docker inspect -f '{{join .Config.Cmd " "}}' $ids
}
# DIR runs its spec with sleep SECS (one container of it, no task in flight)
runs() { # DIR SECS
	local cmds
	[ "$(cat "$1/status")" = Running ] && [ -z "$(cat "$1/task_state")" ] || return 1
	cmds=$(engine_cmds "$1") || return 1
	[ "$(echo "$cmds" | wc -l)" = 1 ] && [[ "$cmds" == *"sleep $2;"* ]]
}
# CMD... run in DIR: its output and exit status
in_dir() { # DIR CMD...
	local d=$1
	shift
	(cd "$d" && "$@" 2>&1; echo "rc=$?")
}
# the same, for assert_fails
at() { # DIR CMD...
	local d=$1
	shift
	(cd "$d" && "$@")
}

# on a failure: where the object under test stood
at_fail 'for d in "$MNT"/containers/r "$MNT"/capsules/r; do [ -d "$d" ] || continue; echo "--- $d: $(cat "$d/status") task=$(cat "$d/task_state") reason=$(cat "$d/status_reason")"; cat "$d/spec.yaml"; ls -la "$d"; engine_cmds "$d"; done'
for kind in containers capsules; do
	D=$MNT/$kind/r
	if [ $kind = containers ]; then spec=cspec; else spec=kspec; fi
	log "$kind"
	mkdir "$D"
	assert_eq "$($spec 0.31 | put_spec $kind/r)" ok "the first spec"
	wait_for 60 runs "$D" 0.31

	# perl -pi renames its work file over spec.yaml with spec.yaml open
	assert_eq "$(in_dir "$D" perl -pi -e 's/0\.31/0.32/' spec.yaml)" "rc=0" "$kind: perl -pi"
	wait_for 60 runs "$D" 0.32
	assert_eq "$(cat "$D/spec.yaml")" "$($spec 0.32)" "$kind: perl -pi's spec is in force"
	assert_eq "$(cat "$D/status_reason")" "" "$kind: nothing refused"

	# sed -i while tail -f follows spec.yaml: tail goes on with the old file
	tail -f "$D/spec.yaml" >"$T/tail.out" 2>&1 &
	tailpid=$!
	at_exit "kill $tailpid 2>/dev/null"
	wait_for 5 grep -q "sleep 0.32" "$T/tail.out"
	assert_eq "$(in_dir "$D" sed -i 's/0\.32/0.33/' spec.yaml)" "rc=0" "$kind: sed -i beside tail -f"
	wait_for 60 runs "$D" 0.33
	sleep 1.5 # tail looks every second
	kill -0 $tailpid 2>/dev/null || fail "$kind: tail -f ended: $(cat "$T/tail.out")"
	ok
	assert_eq "$(cat "$T/tail.out")" "$($spec 0.32)" "$kind: tail -f saw no change and no error"
	kill $tailpid
	wait $tailpid 2>/dev/null || true

	# descriptors held open, mv over: they keep the old file (a reader reads
	# the old spec, a writer's spec goes nowhere), a new open has the new one
	exec 4<"$D/spec.yaml" 5<>"$D/spec.yaml"
	$spec 0.34 >"$D/new.yaml"
	assert_eq "$(in_dir "$D" mv new.yaml spec.yaml)" "rc=0" "$kind: mv over a spec.yaml held open"
	assert_eq "$(cat <&4)" "$($spec 0.33)" "$kind: the open descriptor reads the old spec"
	assert_eq "$(stat -L -c '%h %s' /dev/fd/4)" "0 $($spec 0.33 | wc -c)" "$kind: and fstat()s the old file"
	$spec 0.99 >&5
	exec 4<&- 5>&-
	assert_eq "$(cat "$D/status_reason")" "" "$kind: the old file's writer applied nothing"
	wait_for 60 runs "$D" 0.34
	assert_eq "$(cat "$D/spec.yaml")" "$($spec 0.34)" "$kind: a new open reads the new spec"

	# python's os.replace with the target open
	out=$(cd "$D" && $spec 0.35 | python3 -c '
import os, sys
f = open("spec.yaml")
with open("py.yaml", "w") as t:
    t.write(sys.stdin.read())
os.replace("py.yaml", "spec.yaml")
print(f.read(), end="")' 2>&1)
	assert_eq "$out" "$($spec 0.34)" "$kind: os.replace over an open spec.yaml; the open file reads the old"
	wait_for 60 runs "$D" 0.35

	# refused: mv says so truthfully, status_reason why, nothing changes,
	# and spec.yaml is still there at once (an open one was moved aside)
	printf 'image: busybox\nbogus: 1\n' >"$D/bad.yaml"
	[ $kind = containers ] || printf 'kind: capsule\nbogus: 1\n' >"$D/bad.yaml"
	exec 4<"$D/spec.yaml"
	assert_eq "$(in_dir "$D" mv bad.yaml spec.yaml)" \
		"mv: cannot move 'bad.yaml' to 'spec.yaml': Bad message
rc=1" "$kind: mv of a refused spec, spec.yaml open"
	exec 4<&-
	assert_eq "$(cat "$D/spec.yaml")" "$($spec 0.35)" "$kind: spec.yaml unchanged, at once"
	assert_match "$(cat "$D/status_reason")" "line 2, column 1: unknown key 'bogus'" "$kind: why"
	assert_eq "$(in_dir "$D" mv bad.yaml spec.yaml)" \
		"mv: cannot move 'bad.yaml' to 'spec.yaml': Bad message
rc=1" "$kind: the same with nothing open"
	assert_eq "$("$ZF_TESTTOOL" rename "$D/bad.yaml" "$D/spec.yaml")" "rename: EBADMSG" "$kind: the errno"
	rm "$D/bad.yaml"
	assert_match "$(in_dir "$D" sed -i 's/^kind: capsule$/bogus: 1/; s/^image: busybox$/bogus: 1/' spec.yaml)" \
		"^sed: cannot rename ./sed[A-Za-z0-9]+: Bad message" "$kind: sed -i of a refused spec"
	rm -f "$D"/sed*
	sleep 1
	assert_eq "$(engine_cmds "$D" | grep -c "sleep 0.35;")" 1 "$kind: nothing changed in the engine"
	assert_eq "$(cat "$D/status")" Running "$kind: still running"

	# removing spec.yaml stays EPERM, open or not (install and cp
	# --remove-destination remove the target first: they say so)
	exec 4<"$D/spec.yaml"
	assert_fails "cannot remove 'spec.yaml': Operation not permitted" at "$D" rm spec.yaml
	exec 4<&-
	assert_fails "cannot remove 'spec.yaml': Operation not permitted" at "$D" install -m 644 /dev/null spec.yaml
	assert_fails "cannot remove 'spec.yaml': Operation not permitted" at "$D" cp --remove-destination /dev/null spec.yaml
	assert_eq "$(cat "$D/spec.yaml")" "$($spec 0.35)" "$kind: still there"

	# chmod/chown that change nothing (emacs after its rename): done; others EPERM
	assert_eq "$(in_dir "$D" chmod 644 spec.yaml)" "rc=0" "$kind: chmod to its own mode"
	assert_eq "$(in_dir "$D" chown "$(stat -c %u:%g "$D/spec.yaml")" spec.yaml)" "rc=0" "$kind: chown to its own owner"
	assert_fails "Operation not permitted" chmod 600 "$D/spec.yaml"
	assert_fails "Operation not permitted" chown 4242 "$D/spec.yaml"

	# vim's two ways to save, with spec.yaml held open
	exec 4<"$D/spec.yaml"
	assert_eq "$(in_dir "$D" vim -u NONE -N -es -c 'set backupskip= backupcopy=no writebackup' \
		-c '%s/0\.35/0.36/' -c wq spec.yaml)" "rc=0" "$kind: vim, backupcopy=no"
	wait_for 60 runs "$D" 0.36
	assert_eq "$(in_dir "$D" vim -u NONE -N -es -c 'set backupskip= backupcopy=yes writebackup' \
		-c '%s/0\.36/0.37/' -c wq spec.yaml)" "rc=0" "$kind: vim, backupcopy=yes"
	wait_for 60 runs "$D" 0.37
	exec 4<&-
	assert_eq "$(ls -A "$D" | grep -e '~' -e fuse_hidden -e '\.sw' || true)" "" "$kind: no file left behind"
done

# a temp file removed while open (vim removes a swap file whose release may
# come after the unlink): gone at once, the open descriptor still fstat()s
D=$C/r
exec 5>"$D/scratch.yaml"
echo draft >&5
assert_eq "$(in_dir "$D" rm scratch.yaml)" "rc=0" "rm of an open temp file"
assert_eq "$(ls -A "$D" | grep -c scratch || true)" 0 "it is gone"
assert_fails "No such file" cat "$D/scratch.yaml"
assert_eq "$(stat -L -c '%h %s' /dev/fd/5)" "0 6" "the open descriptor's fstat"
exec 5>&-
assert_eq "$(ls -A "$D" | grep -e fuse_hidden -e scratch || true)" "" "nothing left at its close"
echo again >"$D/scratch.yaml"
assert_eq "$(cat "$D/scratch.yaml")" again "the name can be made again"
rm "$D/scratch.yaml"

# a member of a capsule's spec: refused at the rename (EPERM), saying why
cspec 0.5 >"$K/r/containers/a/new.yaml"
assert_eq "$(in_dir "$K/r/containers/a" mv new.yaml spec.yaml)" \
	"mv: cannot move 'new.yaml' to 'spec.yaml': Operation not permitted
rc=1" "a capsule's member"
assert_match "$(cat "$K/r/containers/a/status_reason")" "comes from capsules/r/spec.yaml" "why"
rm "$K/r/containers/a/new.yaml"
# a volume: a refused spec is EBADMSG too
mkdir "$MNT/volumes/v"
printf 'driver: local\nbogus: 1\n' >"$MNT/volumes/v/bad.yaml"
exec 4<"$MNT/volumes/v/spec.yaml"
assert_eq "$(in_dir "$MNT/volumes/v" mv bad.yaml spec.yaml)" \
	"mv: cannot move 'bad.yaml' to 'spec.yaml': Bad message
rc=1" "a volume's refused spec"
exec 4<&-
assert_match "$(cat "$MNT/volumes/v/status_reason")" "unknown key 'bogus'" "why"
printf 'driver: local\n' >"$MNT/volumes/v/good.yaml"
assert_eq "$(in_dir "$MNT/volumes/v" mv good.yaml spec.yaml)" "rc=0" "a volume's spec by mv"
assert_eq "$(timeout 30 cat "$MNT/volumes/v/until/Available")" Available "made"
unmount_zunfs
