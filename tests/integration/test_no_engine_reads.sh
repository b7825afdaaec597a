#!/usr/bin/env bash
# Reading the tree never asks the engine: a burst of cat status, cat
# inspect.json, stat and ls -la over containers, a capsule, a sandbox and a
# volume makes zero engine requests. zunfs talks to the engine through a
# relay (socat -v) that logs every request line; the engine's own event
# stream and the liveness ping (GET /_ping) are not reads. That the count
# can move is shown first: top asks the engine for the container's processes.
. "$(dirname "$0")/lib.sh"

relay=$T/relay.sock
socat -v "UNIX-LISTEN:$relay,fork" "UNIX-CONNECT:${DOCKER_HOST#unix://}" 2>"$T/relay.log" &
RELAY_PID=$!
at_exit "kill $RELAY_PID 2>/dev/null"
wait_for 10 test -S "$relay"
# the request lines the relay saw, but the pings
requests() { grep -aEc '^(GET|POST|PUT|DELETE|HEAD) /' "$T/relay.log" | awk '{print $1}'; }
pings() { grep -aEc '^(GET|HEAD) /(v[0-9.]+/)?_ping' "$T/relay.log" || true; }
reads() { echo $(($(requests) - $(pings))); }

DOCKER_HOST=unix://$relay mount_zunfs
C=$MNT/containers
for n in a b c; do
	mkdir "$C/$n"
	printf 'image: busybox\n%s\n' "$FOREVER" | put_spec "containers/$n" >/dev/null
done
mkdir "$MNT/sandboxes/sb"
: | put_spec sandboxes/sb >/dev/null
mkdir "$MNT/volumes/v"
printf 'driver: local\n' | put_spec volumes/v >/dev/null
mkdir "$MNT/capsules/k"
printf 'kind: capsule\nspec:\n  containers:\n  - {name: m, image: busybox, %s}\n' "$FOREVER" |
	put_spec capsules/k >/dev/null
for n in a b c; do timeout 60 cat "$C/$n/until/Running" >/dev/null; done
timeout 60 cat "$MNT/capsules/k/until/Running" >/dev/null
timeout 60 cat "$MNT/volumes/v/until/Available" >/dev/null
# what the launches queued (refreshes after their events) settles
sleep 2
before=$(reads)
assert_match "$before" '^[1-9][0-9]*$' "the relay saw the launches"

# the count moves when zunfs does ask the engine (the relay logs a moment
# after it passed the request on: a loaded machine took more than 0.5 s)
cat "$C/a/top" >/dev/null
moved() { [ "$(reads)" -gt "$before" ]; }
wait_for 10 moved
top_reads=$(reads)
assert_eq "$((top_reads > before))" "1" "top asked the engine ($before, then $top_reads requests)"
before=$top_reads

for _ in $(seq 1 50); do
	for n in a b c; do
		cat "$C/$n/status" "$C/$n/status_reason" "$C/$n/task_state" "$C/$n/inspect.json" \
			"$C/$n/health" >/dev/null
		stat "$C/$n" "$C/$n/status" "$C/$n/inspect.json" "$C/$n/spec.yaml" >/dev/null
	done
	cat "$MNT/capsules/k/status" "$MNT/capsules/k/inspect.json" \
		"$MNT/capsules/k/containers/m/status" "$MNT/capsules/k/sandbox" \
		"$MNT/sandboxes/sb/status" "$MNT/volumes/v/inspect.json" "$MNT/version" >/dev/null
	ls -la "$C" "$MNT/capsules" "$MNT/capsules/k/containers" "$MNT/sandboxes" "$MNT/volumes" \
		"$C/a" >/dev/null
	cat "$C/a/spec.yaml" >/dev/null
done
after=$(reads)
assert_eq "$((after - before))" "0" "engine requests made by 50 rounds of reads"
unmount_zunfs
