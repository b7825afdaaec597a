#!/usr/bin/env bash
# The command line, the top level of the tree, mounting and unmounting,
# and the engine reached over TCP as well as the unix socket.
. "$(dirname "$0")/lib.sh"

assert_match "$("$ZUNFS_BIN" --help)" "usage: .*zunfs \[-f\] \[-d\] \[-o OPTION" "--help"
assert_match "$("$ZUNFS_BIN" --help)" "docker=URL" "--help names docker="
assert_match "$("$ZUNFS_BIN" --version)" "^zunfs [0-9]+\.[0-9]+\.[0-9]+" "--version"

# no engine there: a clear message and a failure, nothing mounted
mkdir -p "$T/m2"
if out=$("$ZUNFS_BIN" -f -o "docker=unix://$T/none.sock,state=$T/s2" "$T/m2" 2>&1); then
	fail "mounted without an engine"
fi
assert_match "$out" "cannot reach the Docker Engine at unix://$T/none.sock" "no-engine message"
mountpoint -q "$T/m2" && fail "mounted without an engine"
ok
if out=$("$ZUNFS_BIN" -o "docker=ftp://x,state=$T/s2" "$T/m2" 2>&1); then fail "bad URL accepted"; fi
assert_match "$out" "docker=ftp://x" "bad URL message"
if out=$("$ZUNFS_BIN" -o "state=$T/s2" 2>&1); then fail "no mountpoint accepted"; fi
assert_match "$out" "no mountpoint" "missing mountpoint message"

mount_zunfs
assert_eq "$(ls "$MNT" | tr '\n' ' ')" "capsules containers events sandboxes version volumes " "top level"
assert_match "$(head -n 1 "$MNT/version")" "^zunfs [0-9.]+$" "version: zunfs line"
assert_match "$(sed -n 2p "$MNT/version")" "^engine: Docker Engine [0-9]" "version: engine line"
for k in containers capsules sandboxes volumes; do
	assert_eq "$(ls "$MNT/$k" | wc -l)" "0" "$k is empty"
done
# files the tree does not define cannot be made at the top or in kind dirs
assert_fails "Operation not permitted" touch "$MNT/newfile"
assert_fails "Operation not permitted" touch "$MNT/containers/newfile"
assert_fails "Operation not permitted" mkdir "$MNT/newdir"
assert_fails "Operation not permitted" rmdir "$MNT/containers"
assert_fails "Permission denied" sh -c "echo x > '$MNT/version'"
# one zunfs per state directory: a second one is refused, saying who holds it
mkdir -p "$T/m3"
if out=$("$ZUNFS_BIN" -f -o "docker=$DOCKER_HOST,state=$STATE" "$T/m3" 2>&1); then
	fail "a second zunfs on the same state started"
fi
assert_match "$out" "state=.* is in use by another zunfs \(pid $ZUNFS_PID\)" "why"
mountpoint -q "$T/m3" && fail "the second one mounted"
unmount_zunfs
mountpoint -q "$MNT" && fail "still mounted after fusermount3 -u"
ok

# the same engine over tcp://, through a loopback-only relay to its socket
port=$((20000 + RANDOM % 20000))
socat "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork" "UNIX-CONNECT:${DOCKER_HOST#unix://}" &
relay=$!
at_exit 'kill $relay 2>/dev/null'
wait_for 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port"
mkdir -p "$MNT"
"$ZUNFS_BIN" -f -o "docker=tcp://127.0.0.1:$port,state=$STATE" "$MNT" >>"$T/zunfs.log" 2>&1 &
ZUNFS_PID=$!
wait_for 10 mountpoint -q "$MNT"
mkdir "$MNT/containers/overtcp"
echo "image: busybox
$FOREVER" | put_spec containers/overtcp >/dev/null
timeout 30 cat "$MNT/containers/overtcp/until/Running" >/dev/null
assert_eq "$(docker inspect -f '{{.State.Running}}' "$(engine_id_of overtcp)")" "true" "running via tcp://"
rmdir "$MNT/containers/overtcp"
wait_for 20 not engine_has overtcp
unmount_zunfs
