#!/usr/bin/env bash
# Images from a real registry: Debian's docker-registry on 127.0.0.1 (a free
# port, its storage under $T), busybox pushed into it; imagePullPolicy
# Never, IfNotPresent and Always told apart by the registry's access log; a
# missing tag; and a big layer pulled through a throttling relay
# (zf-testtool throttle) slow enough to watch task_state image_pulling and
# the progress in status_reason. Only loopback is ever contacted.
. "$(dirname "$0")/lib.sh"
C=$MNT/containers

REGISTRY_PID=
RELAY_PID=
REG= # 127.0.0.1:PORT of the registry
RELAY= # 127.0.0.1:PORT of the relay in front of it
V2_ID=
BIG_MB=160 # the big layer, random bytes: gzip cannot shrink it
RATE=24000000 # bytes a second through the relay: about 7 s for the big layer

stop_registry() {
	local p
	for p in $RELAY_PID $REGISTRY_PID; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	RELAY_PID= REGISTRY_PID=
}
# the references (tags, digests) to images this test pushed or pulled;
# removing them never removes busybox:latest, which shares its image
our_images() {
	[ -n "$REG" ] || return 0
	docker images --digests --format '{{.Repository}}:{{.Tag}} {{.Repository}}@{{.Digest}}' |
		tr ' ' '\n' | grep -v -e ':<none>$' -e '@<none>$' |
		grep -E "^127\.0\.0\.1:(${REG#*:}|${RELAY#*:}|none)/zunfs/" | sort -u || true
}
remove_images() {
	local refs
	refs=$(our_images)
	[ -z "$refs" ] || docker rmi -f $refs >/dev/null 2>&1 || true
	[ -z "$V2_ID" ] || docker rmi -f "$V2_ID" >/dev/null 2>&1 || true
}
at_exit stop_registry
at_exit remove_images

start_registry() {
	local port try
	mkdir -p "$T/registry"
	for try in 1 2 3 4 5; do
		port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		cat >"$T/registry/config.yml" <<EOF
version: 0.1
log:
  level: info
  accesslog: {disabled: false}
storage:
  filesystem: {rootdirectory: $T/registry/data}
  delete: {enabled: true}
http:
  addr: 127.0.0.1:$port
EOF
		: >"$T/registry/log"
		docker-registry serve "$T/registry/config.yml" >"$T/registry/log" 2>&1 </dev/null &
		REGISTRY_PID=$!
		for _ in $(seq 1 100); do
			kill -0 "$REGISTRY_PID" 2>/dev/null || break
			if grep -q "listening on 127.0.0.1:$port" "$T/registry/log"; then
				REG=127.0.0.1:$port
				return 0
			fi
			sleep 0.1
		done
		# the port was taken (or it did not come up): another one
		stop_registry
		log "docker-registry on port $port (try $try): $(tail -n 1 "$T/registry/log")"
	done
	fail "docker-registry did not start"
}

# requests for the manifests of zunfs/busybox the registry has served
manifest_requests() { grep -cE '"(GET|HEAD) /v2/zunfs/busybox/manifests/' "$T/registry/log" || true; }
launch() { # NAME IMAGE POLICY [SPEC LINES]
	mkdir "$C/$1"
	printf 'image: %s\nimagePullPolicy: %s\n%s\n' "$2" "$3" "${4:-$FOREVER}" |
		put_spec "containers/$1" >/dev/null
}
# "12.3 MB" in bytes
to_bytes() { awk -v n="${1% *}" -v u="${1#* }" 'BEGIN { m = u == "GB" ? 1e9 : u == "MB" ? 1e6 : u == "kB" ? 1e3 : 1; printf "%d\n", n * m }'; }

start_registry
log "registry at $REG"
docker tag busybox:latest "$REG/zunfs/busybox:1"
docker push "$REG/zunfs/busybox:1" >/dev/null
# absent here now (its layer stays, as busybox:latest's)
docker rmi "$REG/zunfs/busybox:1" >/dev/null
mount_zunfs

# Never, absent: refused without asking the registry
launch never-absent "$REG/zunfs/busybox:1" Never
assert_fails "Input/output error" timeout 30 cat "$C/never-absent/until/Running"
assert_eq "$(cat "$C/never-absent/status")" "Error" "Never, absent"
assert_match "$(cat "$C/never-absent/status_reason")" "image $REG/zunfs/busybox:1 is not present and imagePullPolicy is Never" "Never named in the reason"
assert_eq "$(manifest_requests)" "0" "Never asked nothing of the registry"

# IfNotPresent, absent: pulled from the registry, then run
launch ifnp-absent "$REG/zunfs/busybox:1" IfNotPresent
assert_eq "$(timeout 60 cat "$C/ifnp-absent/until/Running")" "Running" "IfNotPresent, absent: pulled and run"
pulls=$(manifest_requests)
[ "$pulls" -gt 0 ] || fail "IfNotPresent, absent: the registry saw no manifest request"
ok
docker image inspect "$REG/zunfs/busybox:1" >/dev/null || fail "the pulled image is not in the engine"
ok
assert_eq "$(cat "$C/ifnp-absent/status_reason")" "" "no pull words left once Running"

# IfNotPresent, present: no pull
launch ifnp-present "$REG/zunfs/busybox:1" IfNotPresent
assert_eq "$(timeout 60 cat "$C/ifnp-present/until/Running")" "Running" "IfNotPresent, present"
assert_eq "$(manifest_requests)" "$pulls" "IfNotPresent, present: the registry was not asked"

# Always, present: a new image under the same tag in the registry, the old
# one here; the container must run the new one
cid=$(docker create busybox:latest true)
echo v2 >"$T/marker"
docker cp "$T/marker" "$cid:/marker"
V2_ID=$(docker commit "$cid" "$REG/zunfs/busybox:1")
docker rm "$cid" >/dev/null
docker push "$REG/zunfs/busybox:1" >/dev/null
docker tag busybox:latest "$REG/zunfs/busybox:1"
pulls=$(manifest_requests)
launch always "$REG/zunfs/busybox:1" Always 'command: [sh, -c, "cat /marker; trap \"exit 0\" TERM; while :; do sleep 0.2; done"]'
assert_eq "$(timeout 60 cat "$C/always/until/Running")" "Running" "Always, present"
[ "$(manifest_requests)" -gt "$pulls" ] || fail "Always: the registry saw no manifest request"
ok
assert_eq "$(docker inspect -f '{{.Image}}' "$(engine_id_of always)")" "$V2_ID" "Always: the registry's new image runs"
wait_for 10 grep -q v2 "$C/always/logs"
ok

# a tag the registry does not have: Error with the registry's words, quickly
start=$SECONDS
launch no-tag "$REG/zunfs/busybox:nope" IfNotPresent
assert_fails "Input/output error" timeout 30 cat "$C/no-tag/until/Running"
[ $((SECONDS - start)) -lt 15 ] || fail "a missing tag took $((SECONDS - start)) s to fail"
ok
assert_eq "$(cat "$C/no-tag/status")" "Error" "missing tag"
assert_match "$(cat "$C/no-tag/status_reason")" "^image: pulling image $REG/zunfs/busybox:nope: .*(not found|manifest unknown)" "missing tag: the registry's words"
assert_eq "$(cat "$C/no-tag/task_state")" "" "no task after the failure"

# a big layer, pulled through the relay: progress while image_pulling
mkdir "$T/big"
head -c "${BIG_MB}M" /dev/urandom >"$T/big/blob"
cid=$(docker create busybox:latest true)
docker cp "$T/big/blob" "$cid:/blob"
rm -rf "$T/big"
docker commit "$cid" "$REG/zunfs/big:1" >/dev/null
docker rm "$cid" >/dev/null
docker push "$REG/zunfs/big:1" >/dev/null
docker rmi "$REG/zunfs/big:1" >/dev/null
"$ZF_TESTTOOL" throttle "${REG#*:}" "$RATE" 120 >"$T/relay.port" 2>&1 </dev/null &
RELAY_PID=$!
wait_for 5 grep -q . "$T/relay.port"
RELAY=127.0.0.1:$(cat "$T/relay.port")
log "relay at $RELAY, $RATE bytes/s"

launch big "$RELAY/zunfs/big:1" IfNotPresent
progress="^pulling image $RELAY/zunfs/big:1: ([0-9.]+ [kMG]?B) of ([0-9.]+ [kMG]?B) \(([0-9]+)%\)$"
seen=() # distinct downloaded byte counts, in the order seen
woken=
start=$SECONDS
while :; do
	[ $((SECONDS - start)) -lt 90 ] || fail "the big pull still not done after 90 s (${#seen[@]} progress steps seen)"
	status=$(cat "$C/big/status")
	[ "$status" != Running ] || break
	[ "$status" != Error ] || fail "the big pull failed: $(cat "$C/big/status_reason")"
	task=$(cat "$C/big/task_state")
	reason=$(cat "$C/big/status_reason")
	if [ "$task" = image_pulling ] && [[ "$reason" =~ $progress ]]; then
		bytes=$(to_bytes "${BASH_REMATCH[1]}")
		[ "${#seen[@]}" -gt 0 ] && [ "${seen[-1]}" = "$bytes" ] || seen+=("$bytes")
		# a poll() on status_reason is woken by the next step
		if [ -z "$woken" ] && [ "${BASH_REMATCH[3]}" -lt 50 ]; then
			woken=$("$ZF_TESTTOOL" poll "$C/big/status_reason" 3000)
			assert_eq "$woken" "changed" "poll() on status_reason wakes with progress"
		fi
	fi
	sleep 0.1
done
log "big pull: $((SECONDS - start)) s, downloaded bytes seen: ${seen[*]}"
[ "${#seen[@]}" -ge 2 ] || fail "fewer than two progress steps seen while image_pulling: ${seen[*]:-none}"
ok
for ((i = 1; i < ${#seen[@]}; i++)); do
	[ "${seen[i]}" -gt "${seen[i - 1]}" ] || fail "progress went back: ${seen[*]}"
done
ok
assert_eq "$(cat "$C/big/status_reason")" "" "no pull words left once Running"
assert_eq "$(sqlite3 "$STATE/zunfs.db" "SELECT status_reason FROM objects WHERE name = 'big'")" "" "the store holds no progress"

# the end: containers, then the images this test pushed or pulled
for c in "$C"/*; do rmdir "$c"; done
no_containers() { [ "$(engine_count)" = 0 ]; }
wait_for 30 no_containers
unmount_zunfs
stop_registry
remove_images
assert_eq "$(our_images)" "" "the test's images are gone"
not docker image inspect "$V2_ID" >/dev/null 2>&1 || fail "the pushed v2 image is still here"
ok
docker image inspect busybox:latest >/dev/null || fail "busybox:latest went with them"
ok
