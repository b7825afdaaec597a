#!/usr/bin/env bash
# zunfs mounts as every FUSE filesystem does: mount -t fuse.zunfs through
# mount.fuse3 (SOURCE MOUNTPOINT, as sshfs), an /etc/fstab line with nofail
# and _netdev, and the systemd unit's own ExecStart/ExecStop lines run as
# systemd runs them (no systemd runs here: PID 1 is not systemd).
# mount(8) gives helpers a fixed PATH, so the zunfs under test is bound over
# /usr/local/bin/zunfs in a private mount namespace of this test alone.
if [ -z "${ZF_PRIVATE_NS:-}" ]; then
	exec env ZF_PRIVATE_NS=1 unshare -m --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
placeholder=0
if [ ! -e /usr/local/bin/zunfs ]; then
	mkdir -p /usr/local/bin
	: >/usr/local/bin/zunfs
	placeholder=1
fi
# daemons this test started through mount(8) or the unit's lines, by pid
own_daemons() {
	local p
	for p in $(pgrep -x zunfs); do
		tr '\0' ' ' <"/proc/$p/cmdline" | grep -q -- " $MNT" && echo "$p"
	done
	return 0
}
teardown() {
	local rc=$? p
	fusermount3 -u -z "$MNT" 2>/dev/null || true
	for _ in $(seq 1 50); do [ -z "$(own_daemons)" ] && break; sleep 0.1; done
	for p in $(own_daemons); do kill -9 "$p" 2>/dev/null || true; done
	[ $placeholder -eq 0 ] || { umount /usr/local/bin/zunfs 2>/dev/null; rm -f /usr/local/bin/zunfs; }
	(exit $rc) # cleanup reads the test's status from $?
	cleanup
}
trap teardown EXIT
mount --bind "$ZUNFS_BIN" /usr/local/bin/zunfs
C=$MNT/containers
mkdir -p "$MNT"

daemon_pid() { own_daemons | head -n 1; } # the zunfs serving $MNT
unmounted_and_gone() { # PID
	! mountpoint -q "$MNT" && ! kill -0 "$1" 2>/dev/null
}
launch() { # NAME
	mkdir "$C/$1"
	echo "image: busybox
$FOREVER" | put_spec "containers/$1" >/dev/null
	assert_eq "$(timeout 60 cat "$C/$1/until/Running")" Running "$1 runs"
}

log "mount -t fuse.zunfs zunfs MNT -o ..."
mount -t fuse.zunfs zunfs "$MNT" -o "docker=$DOCKER_HOST,state=$STATE" || fail "mount -t fuse.zunfs"
assert_match "$(awk -v m="$MNT" '$2 == m {print $1, $3}' /proc/mounts)" "^zunfs fuse.zunfs$" "/proc/mounts names it"
launch a
pid=$(daemon_pid)
[ -n "$pid" ] || fail "no daemon for $MNT"
ok
umount "$MNT" || fail "umount"
wait_for 10 unmounted_and_gone "$pid"
ok

log "the source as the engine's URL"
mount -t fuse.zunfs "$DOCKER_HOST" "$MNT" -o "state=$STATE" || fail "mount with a URL source"
assert_eq "$(cat "$C/a/status")" Running "the same state, the same objects"
pid=$(daemon_pid)
fusermount3 -u "$MNT"
wait_for 10 unmounted_and_gone "$pid"

log "an fstab line, with nofail and _netdev"
fstab=$T/fstab
echo "zunfs $MNT fuse.zunfs docker=$DOCKER_HOST,state=$STATE,nofail,_netdev,allow_other 0 0" >"$fstab"
mount -T "$fstab" "$MNT" || fail "mount from the fstab line"
assert_match "$(awk -v m="$MNT" '$2 == m {print $4}' /proc/mounts)" "allow_other" "options reach libfuse"
assert_eq "$(cat "$C/a/status")" Running "mounted from fstab"
pid=$(daemon_pid)
umount "$MNT"
wait_for 10 unmounted_and_gone "$pid"
# mount -a mounts every line it can, as at boot; one whose engine does not
# answer fails alone, saying why (nofail is for systemd: boot goes on)
echo "zunfs $T/nowhere fuse.zunfs docker=unix://$T/no.sock,state=$T/state2,nofail 0 0" >>"$fstab"
mkdir -p "$T/nowhere"
rc=0
mount -a -T "$fstab" 2>"$T/mount-a.err" || rc=$?
assert_eq "$rc" 64 "mount -a: 'some mounts succeeded'"
assert_match "$(cat "$T/mount-a.err")" "cannot reach the Docker Engine at unix://$T/no.sock" "the failing line says why"
mountpoint -q "$MNT" || fail "mount -a did not mount the good line"
ok
not mountpoint -q "$T/nowhere" || fail "the failing line mounted"
ok
pid=$(daemon_pid)
umount "$MNT"
wait_for 10 unmounted_and_gone "$pid"

log "the systemd unit's lines, as systemd runs them for zunfs@$(systemd-escape -p "$MNT").service"
unit=$(dirname "$ZUNFS_BIN")/data/zunfs@.service
[ -f "$unit" ] || fail "no $unit in the build"
unit_cmds() { # KEY: its command lines, %f and $ZUNFS_OPTIONS put in
	sed -n "s/^$1=//p" "$unit" | sed -e "s|%f|$MNT|g" -e "s|\\\$ZUNFS_OPTIONS|-o docker=$DOCKER_HOST,state=$STATE|g" \
		-e "s|^[^ ]*/zunfs |/usr/local/bin/zunfs |"
}
run_lines() { # KEY: each line in order; a leading - lets it fail, as in systemd
	local line
	while read -r line; do
		if [[ $line == -* ]]; then
			bash -c "${line#-}" || true
		else
			bash -c "$line" || fail "$1 failed: $line"
		fi
	done < <(unit_cmds "$1")
}
assert_match "$(grep -c '^Restart=on-failure' "$unit")" "^1$" "restarts on failure"
assert_match "$(grep '^After=' "$unit")" "docker.service" "mounts after docker.service"
start_unit() {
	run_lines ExecStartPre
	# Type=exec: the main process is ExecStart's, in the foreground
	eval "set -- $(unit_cmds ExecStart)"
	"$@" >>"$T/unit.log" 2>&1 &
	UNIT_PID=$!
	wait_for 10 mountpoint -q "$MNT"
}
start_unit
assert_eq "$(cat "$C/a/status")" Running "mounted by the unit"
launch b
log "the main process dies: Restart=on-failure runs ExecStartPre, which clears the dead mount"
kill -9 "$UNIT_PID"
wait "$UNIT_PID" 2>/dev/null || true
assert_fails "Transport endpoint is not connected" ls "$MNT"
start_unit
assert_eq "$(cat "$C/b/status")" Running "back after the restart"
log "systemctl stop: ExecStop, then the main process must end by itself"
run_lines ExecStop
rc=0
timeout 15 tail --pid="$UNIT_PID" -f /dev/null || fail "zunfs still runs 15 s (TimeoutStopSec) after ExecStop"
wait "$UNIT_PID" || rc=$?
assert_eq "$rc" 0 "the unit's main process exits 0 on stop"
not mountpoint -q "$MNT" || fail "still mounted after stop"
ok
found=$(sanitizer_findings "$T/unit.log")
[ -z "$found" ] || fail "sanitizer report: $found"
# the containers keep running
assert_eq "$(engine_count)" 2 "both containers still in the engine"
assert_eq "$(docker inspect -f '{{.State.Running}}' $(engine_ids) | sort -u)" true "and running"
