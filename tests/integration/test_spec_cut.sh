#!/usr/bin/env bash
# A spec whose write failed is never applied (zunfs(1), spec.yaml): a spec
# past 256 KiB fails its write with EFBIG, and what was taken before the
# failure, a cut spec, must not launch at close. The case it came from: the
# cut dropped the spec's securityContext, and the container ran as root with
# a writable root filesystem. The same for a temp file renamed over
# spec.yaml (sed -i, editors) and for a running container's new spec.
. "$(dirname "$0")/lib.sh"

mount_zunfs
C=$MNT/containers

# 300 KiB of comments, then what the cut would lose
big=$T/big.yaml
{
	printf 'image: busybox\n%s\n' "$FOREVER"
	for _ in $(seq 1 3000); do printf '# %098d\n' 0; done
	printf 'securityContext: {runAsUser: 1000, readOnlyRootFilesystem: true}\n'
} >"$big"
assert_match "$(stat -c %s "$big")" '^3[0-9]{5}$' "the spec is past 256 KiB"

log "a spec past 256 KiB: the write fails, nothing is launched"
mkdir "$C/cut"
out=$("$ZF_TESTTOOL" write "$C/cut/spec.yaml" <"$big" || true)
assert_eq "$out" "write: EFBIG" "the write's error"
sleep 1
assert_eq "$(cat "$C/cut/status")" "Empty" "nothing launched"
assert_match "$(cat "$C/cut/status_reason")" 'a write failed .*nothing was applied' "status_reason says why"
assert_eq "$(engine_count)" "0" "no engine container"
assert_eq "$(cat "$C/cut/spec.yaml")" "" "spec.yaml is still empty"
# cp reports it too (at the write or at close)
assert_fails "File too large" cp "$big" "$C/cut/spec.yaml"
sleep 1
assert_eq "$(cat "$C/cut/status")" "Empty" "cp: nothing launched"

log "a running container's new spec past 256 KiB: the old one stays"
mkdir "$C/run"
printf 'image: busybox\n%s\n' "$FOREVER" | put_spec containers/run >/dev/null
wait_for 30 status_is run Running
id=$(engine_id_of run)
assert_fails "File too large" cp "$big" "$C/run/spec.yaml"
sleep 2
assert_eq "$(cat "$C/run/status")" "Running" "still running"
assert_eq "$(engine_id_of run)" "$id" "the same engine container (no rebuild)"
assert_eq "$(docker inspect -f '{{.Config.User}}' "$id")" "" "with the spec it had"
assert_match "$(cat "$C/run/status_reason")" 'nothing was applied' "status_reason says why"

log "a temp file past 256 KiB renamed over spec.yaml: refused, nothing applied"
mkdir "$C/tmp"
assert_fails "File too large" cp "$big" "$C/tmp/new.yaml"
assert_fails "File too large" mv "$C/tmp/new.yaml" "$C/tmp/spec.yaml"
sleep 1
assert_eq "$(cat "$C/tmp/status")" "Empty" "the rename launched nothing"
assert_match "$(cat "$C/tmp/status_reason")" 'nothing was applied' "status_reason says why"
# once emptied and written whole, the temp file is applied as any other
printf 'image: busybox\n%s\n' "$FOREVER" >"$C/tmp/new.yaml"
mv "$C/tmp/new.yaml" "$C/tmp/spec.yaml"
wait_for 30 status_is tmp Running
ok

log "ftruncate of an open spec.yaml past 256 KiB: the close fails, nothing applied"
mkdir "$C/tr"
out=$(python3 - "$C/tr/spec.yaml" <<'EOF'
import errno, os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_TRUNC)
os.write(fd, b"image: busybox\n")
try:
    os.ftruncate(fd, 300 * 1024)
    print("truncate: ok")
except OSError as e:
    print("truncate:", errno.errorcode[e.errno])
try:
    os.close(fd)
    print("close: ok")
except OSError as e:
    print("close:", errno.errorcode[e.errno])
EOF
)
assert_eq "$out" $'truncate: EFBIG\nclose: EFBIG' "the truncate and the close fail"
sleep 1
assert_eq "$(cat "$C/tr/status")" "Empty" "nothing launched"

unmount_zunfs
