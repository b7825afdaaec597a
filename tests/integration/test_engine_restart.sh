#!/usr/bin/env bash
# The engine goes away and comes back, on an engine of this test's own:
# while it is away, status says Unknown (naming the engine and since when),
# reads answer from memory, writes fail at once with EIO, open tty/exec
# streams end within 2 s and a write to an ended tty fails with EPIPE; once
# it answers again every object reconverges to the engine's truth within
# 5 s. Both a plain restart (the engine stops its containers) and
# --live-restore (they run on, and a tty can be opened again).
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
E=$T/engine
at_exit '"$top/scripts/engine" stop "$E" >/dev/null 2>&1'
DOCKER_HOST=$("$top/scripts/engine" start "$E")
export DOCKER_HOST
"$top/scripts/busybox-image" >/dev/null
C=$MNT/containers
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
# waits up to LIMIT ms for FILE to read WANT; how long it took in $WAITED
# (not printed: a fail in a $(...) would end only that subshell)
wait_read() { # LIMIT_MS FILE WANT
	local start
	start=$(date +%s%N)
	while [ "$(cat "$2" 2>/dev/null)" != "$3" ]; do
		[ "$(ms_since "$start")" -lt "$1" ] || fail "$2 is '$(cat "$2" 2>&1)' after $1 ms, not '$3'"
		sleep 0.05
	done
	ok
	WAITED=$(ms_since "$start")
}

mount_zunfs
mkdir "$C/shell" "$C/plain"
echo 'image: busybox
command: [sh]
tty: true
stdin_open: true' | put_spec containers/shell >/dev/null
echo "image: busybox
$FOREVER" | put_spec containers/plain >/dev/null
for c in shell plain; do assert_eq "$(timeout 60 cat "$C/$c/until/Running")" Running "$c runs"; done
mkdir "$MNT/volumes/v" "$MNT/capsules/pod"
echo 'driver: local' | put_spec volumes/v >/dev/null
assert_eq "$(timeout 30 cat "$MNT/volumes/v/until/Available")" Available "the volume"
printf 'kind: capsule\nspec:\n  restartPolicy: Always\n  containers:\n  - name: a\n    image: busybox\n    command: [sleep, "3600"]\n' | put_spec capsules/pod >/dev/null
assert_eq "$(timeout 60 cat "$MNT/capsules/pod/until/Running")" Running "the capsule"

for mode in plain live-restore; do
	log "== the engine stops and starts ($mode)"
	cat "$C/shell/tty" >/dev/null 2>&1 &
	reader=$!
	exec 4>"$C/shell/tty"
	exec 5<>"$C/plain/exec"
	echo 'sleep 3600' >&5
	cat <&5 >/dev/null 2>&1 &
	exec_reader=$!
	sleep 0.5
	start=$(date +%s%N)
	"$top/scripts/engine" halt "$E" &
	halter=$!
	wait_read 2000 "$C/plain/status" Unknown
	log "Unknown after $WAITED ms"
	assert_match "$(cat "$C/plain/status_reason")" "^the engine at unix://$E/docker.sock does not answer since 20[0-9-]+T" "the reason names the engine and since when"
	for o in containers/shell volumes/v capsules/pod capsules/pod/containers/a; do
		assert_eq "$(cat "$MNT/$o/status")" Unknown "$o too"
	done
	for p in $reader $exec_reader; do
		while kill -0 "$p" 2>/dev/null; do
			[ "$(ms_since "$start")" -lt 2000 ] || fail "a tty/exec reader still open 2 s after the engine went away"
			sleep 0.05
		done
	done
	ok
	log "streams ended after $(ms_since "$start") ms"
	assert_fails "Broken pipe" bash -c 'echo hello >&4'
	exec 4>&- 5>&-
	# reads answer from memory, writes fail at once
	assert_match "$(jq -r .status "$C/plain/inspect.json")" "Unknown" "inspect.json"
	t0=$(date +%s%N)
	assert_fails "Input/output error" bash -c "echo stop >'$C/plain/ctl'"
	echo "image: busybox
command: [sleep, '1']" >"$T/new.yaml"
	assert_fails "Input/output error" cp "$T/new.yaml" "$C/plain/spec.yaml"
	assert_fails "Input/output error" rmdir "$C/plain"
	assert_fails "Input/output error" bash -c "echo hi >'$C/shell/tty'"
	mkdir "$C/late-$mode"
	assert_fails "Input/output error" cp "$T/new.yaml" "$C/late-$mode/spec.yaml"
	[ "$(ms_since "$t0")" -lt 1500 ] || fail "writes while the engine is away took $(ms_since "$t0") ms"
	ok
	assert_match "$(cat "$C/plain/status_reason")" "does not answer" "the refusals' reason"
	wait "$halter" || fail "dockerd did not stop"
	if [ "$mode" = plain ]; then
		DOCKER_HOST=$("$top/scripts/engine" start "$E")
	else
		DOCKER_HOST=$("$top/scripts/engine" start "$E" --live-restore)
	fi
	log "the engine answers again"
	# an object refused while the engine was away, with no container: the
	# engine's absence is no longer its reason
	wait_for 5 bash -c "[ -z \"\$(cat '$C/late-$mode/status_reason')\" ]"
	assert_eq "$(cat "$C/late-$mode/status")" Empty "still Empty"
	if [ "$mode" = plain ]; then
		want=Stopped
	else
		want=Running
	fi
	for c in plain shell; do
		truth=$(docker inspect -f '{{.State.Status}}' "$(engine_id_of "$c")")
		wait_read 5000 "$C/$c/status" "$want"
		log "$c: $want after $WAITED ms (the engine says $truth)"
	done
	wait_read 5000 "$MNT/volumes/v/status" Available
	# the capsule's member runs again (Always), the engine's way or zunfs's
	start=$(date +%s%N)
	until [ "$(cat "$MNT/capsules/pod/status")" = Running ]; do
		[ "$(ms_since "$start")" -lt 15000 ] || fail "the capsule is $(cat "$MNT/capsules/pod/status") 15 s after the engine's return"
		sleep 0.1
	done
	ok
	log "the capsule Running after $(ms_since "$start") ms"
	if [ "$mode" = plain ]; then
		assert_match "$(cat "$C/plain/status_reason")" "^exited with code" "the engine's reason"
		assert_fails "Device or resource busy" bash -c "echo hi >'$C/shell/tty'"
		# the first round's engine ran without live-restore: its containers
		# were stopped; start them for the second round on a live-restore engine
		"$top/scripts/engine" halt "$E"
		DOCKER_HOST=$("$top/scripts/engine" start "$E" --live-restore)
		wait_read 5000 "$C/plain/status" Stopped
		for c in plain shell; do
			echo start >"$C/$c/ctl"
			assert_eq "$(timeout 30 cat "$C/$c/until/Running")" Running "$c runs again"
		done
	else
		# the container ran on: a new attach works
		exec 4<>"$C/shell/tty"
		echo 'echo back-$((6*7))' >&4
		out=$(timeout 5 grep -m1 -a "back-42" <&4 || true)
		exec 4>&-
		assert_match "$out" "back-42" "a tty opened after the engine's return"
	fi
done
unmount_zunfs
