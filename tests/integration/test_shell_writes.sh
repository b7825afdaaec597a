#!/usr/bin/env bash
# What a shell reports when a spec is refused at close(): the README and the
# manual write specs only with tools that report it (cat >, tee, cp), and
# say why bash's echo > does not.
. "$(dirname "$0")/lib.sh"
mount_zunfs
S=$MNT/containers/w/spec.yaml
mkdir "$MNT/containers/w"
bad=$'image: busybox\nbogus: 1\n'
printf '%s' "$bad" >"$T/bad.yaml"

assert_fails "Invalid argument" bash -c "printf '%s' '$bad' | tee '$S' >/dev/null"
assert_fails "Invalid argument" cp "$T/bad.yaml" "$S"
assert_fails "Invalid argument" bash -c "cat >'$S' <'$T/bad.yaml'"
assert_match "$(cat "$MNT/containers/w/status_reason")" "unknown key 'bogus'" "the reason"
# bash's builtin ignores close(): 0, though the spec was refused
rc=0
bash -c "echo '$bad' > '$S'" 2>/dev/null || rc=$?
assert_eq "$rc" 0 "bash's echo > reports nothing (the reason the docs avoid it)"
assert_eq "$(cat "$MNT/containers/w/status")" "Empty" "and nothing was launched"

# the docs' own examples: no spec written with echo/printf >
top=$(cd "$(dirname "$0")/../.." && pwd)
found=$(grep -nE "(echo|printf) [^|]*> *[^ ]*spec\.yaml" "$top/README.md" "$top/docs/zunfs.1.md" | grep -v "ignores" || true)
[ -z "$found" ] || fail "a spec written with the shell's echo/printf > in the docs: $found"
ok
unmount_zunfs
