#!/usr/bin/env bash
# Replacing spec.yaml the way editors and sed -i do: a file made beside it,
# renamed over it. It lives in memory, only its maker sees it, and the rename
# applies the spec like a write (an invalid one fails the rename, EBADMSG:
# mv words EINVAL as "a subdirectory of itself"). With spec.yaml open
# elsewhere: test_replace_open.sh.
. "$(dirname "$0")/lib.sh"
chmod 755 "$T"
mount_zunfs -o allow_other
C=$MNT/containers
mkdir "$C/r"
printf 'image: busybox\ncommand: [sh, -c, "trap \\"exit 0\\" TERM; while :; do sleep 0.201; done"]\n' >"$C/r/spec.yaml"
timeout 30 cat "$C/r/until/Running" >/dev/null
old=$(engine_id_of r)

# sed -i: temp file, fchmod/fchown, rename over spec.yaml
sed -i 's/0.201/0.202/' "$C/r/spec.yaml"
assert_match "$(cat "$C/r/spec.yaml")" "sleep 0.202" "sed -i applied"
assert_eq "$(timeout 30 cat "$C/r/until/Running")" "Running" "rebuilt after sed -i"
[ "$(engine_id_of r)" != "$old" ] || fail "sed -i did not rebuild"
ok
assert_eq "$(ls "$C/r" | tr '\n' ' ')" "ctl exec health inspect.json logs spec.yaml stats status status_reason task_state top tty until " "no temp file left"

# by hand: write a file beside it, see it, mv it over
printf 'image: busybox\n%s\n' "$FOREVER" >"$C/r/new.yaml"
assert_eq "$(cat "$C/r/new.yaml" | head -n 1)" "image: busybox" "the temp file reads back"
assert_match "$(ls "$C/r")" "new.yaml" "its maker sees it"
as4242() { setpriv --reuid=4242 --regid=4242 --clear-groups "$@"; }
as4242 mkdir "$C/u"
as4242 sh -c "echo 'image: busybox' > '$C/u/draft.yaml'"
assert_eq "$(as4242 ls "$C/u" | grep -c draft.yaml)" "1" "its maker sees its temp file"
assert_eq "$(ls "$C/u" | grep -c draft.yaml || true)" "0" "root, who sees the object, does not see it"
assert_fails "No such file" cat "$C/u/draft.yaml"
mv "$C/r/new.yaml" "$C/r/spec.yaml"
assert_eq "$(timeout 30 cat "$C/r/until/Running")" "Running" "mv over spec.yaml applied"
assert_match "$(cat "$C/r/spec.yaml")" "trap" "the new spec is in force"
assert_fails "No such file" cat "$C/r/new.yaml"

# an invalid replacement: the rename fails EBADMSG, the temp file stays, nothing changes
printf 'image: busybox\nbogus: 1\n' >"$C/r/bad.yaml"
before=$(engine_id_of r)
assert_eq "$("$ZF_TESTTOOL" rename "$C/r/bad.yaml" "$C/r/spec.yaml")" "rename: EBADMSG" "invalid spec: rename fails"
assert_fails "mv: cannot move '$C/r/bad.yaml' to '$C/r/spec.yaml': Bad message" mv "$C/r/bad.yaml" "$C/r/spec.yaml"
assert_match "$(cat "$C/r/status_reason")" "line 2, column 1: unknown key 'bogus'" "why"
# the refusal's reason outlives a refresh that finds the same state (each
# engine event brings one), until the state itself changes
docker update --cpu-shares 512 "$(engine_id_of r)" >/dev/null
sleep 1
assert_eq "$(cat "$C/r/status")" Running "the same state"
assert_match "$(cat "$C/r/status_reason")" "line 2, column 1: unknown key 'bogus'" "why, after a refresh"
assert_eq "$(engine_id_of r)" "$before" "nothing changed"
assert_match "$(cat "$C/r/bad.yaml")" "bogus" "the temp file stays"
rm "$C/r/bad.yaml"
assert_fails "No such file" cat "$C/r/bad.yaml"

# other renames, and temp files outside an object, are refused
printf 'x' >"$C/r/t.yaml"
assert_fails "Operation not permitted" mv "$C/r/t.yaml" "$C/r/status"
assert_fails "Operation not permitted" mv "$C/r/spec.yaml" "$C/r/old.yaml"
assert_fails "Operation not permitted" touch "$MNT/containers/x.yaml"
# a spec over the cap
assert_fails "File too large" sh -c "head -c 300000 /dev/zero | tr '\\0' '#' > '$C/r/huge.yaml'"
# rmdir takes the temp files with it
rmdir "$C/r"
mkdir "$C/r"
assert_fails "No such file" cat "$C/r/t.yaml"
# rewrites one after another: until/Running waits for each new container
# (a refresh begun before a rewrite once said Running of the old one)
for i in 1 2 3; do
	before=$(engine_id_of r)
	printf 'image: busybox\n%s\nenv: {A: "v%s"}\n' "$FOREVER" "$i" | put_spec containers/r >/dev/null
	assert_eq "$(timeout 60 cat "$C/r/until/Running")" Running "rewrite $i runs"
	[ "$(engine_id_of r)" != "$before" ] || fail "rewrite $i: until/Running came with the old container"
	ok
	wait_for 10 bash -c "[ -z \"\$(cat '$C/r/task_state')\" ]"
done
# a refusal, then the container ends by itself: the status follows the engine,
# the refusal stays in status_reason until the user's next write or action
# (the field report "the refusal reason must survive")
mkdir "$C/ends"
printf 'image: busybox\ncommand: [sh, -c, "sleep 3; exit 3"]\n' | put_spec containers/ends >/dev/null
timeout 30 cat "$C/ends/until/Running" >/dev/null
printf 'image: busybox\nbogus: 1\n' | put_spec containers/ends >/dev/null
assert_match "$(cat "$C/ends/status_reason")" "unknown key 'bogus'" "refused"
assert_eq "$(timeout 30 cat "$C/ends/until/Stopped")" Stopped "it ends"
assert_match "$(cat "$C/ends/status_reason")" "unknown key 'bogus'" "the refusal stays through the engine's new state"
unmount_zunfs
