#!/usr/bin/env bash
# One open file read (and written) by several threads at once: FUSE serves
# their requests on several threads, and an open file's buffer must hold
# (under the sanitizers, a race on it is a finding). The daemon lives on and
# every read answers.
. "$(dirname "$0")/lib.sh"
mount_zunfs
C=$MNT/containers
mkdir "$C/c"
echo 'image: busybox
command: [sleep, "3600"]' | put_spec containers/c >/dev/null
assert_eq "$(timeout 60 cat "$C/c/until/Running")" Running "a container"
for f in inspect.json status spec.yaml; do
	assert_eq "$("$ZF_TESTTOOL" preads "$C/c/$f" 2000)" ok "$f read by 8 threads at once"
done
assert_eq "$("$ZF_TESTTOOL" preads "rw:$C/w/spec.yaml" 1 2>&1 || true)" "open: ENOENT" "no such file"
mkdir "$C/w"
assert_eq "$("$ZF_TESTTOOL" preads "rw:$C/w/spec.yaml" 2000)" ok "spec.yaml read and written by 8 threads at once"
assert_eq "$(cat "$C/w/spec.yaml")" "image: busybox" "what they wrote applies at close"
assert_eq "$(cat "$C/c/status")" Running "the daemon answers"
ok
echo "ok: $CHECKS checks"
