#!/usr/bin/env bash
# A slow engine is not an absent one (zunfs(1), WHEN THE ENGINE IS AWAY):
# with every /_ping answered 5 s late, objects must not go Unknown and
# back (every such flap ended every tty and exec, and wrote event lines),
# since the engine does answer. The engine is declared away only once it
# has not answered for the time the manual states, and back only once it
# answers pings again: a relay that stops answering entirely still makes
# the objects Unknown, and its return makes them Running.
. "$(dirname "$0")/lib.sh"

relay=$T/relay.sock
rules=$T/slow
python3 "$(dirname "$0")/slowrelay.py" "$relay" "${DOCKER_HOST#unix://}" "$rules" &
RELAY_PID=$!
at_exit "kill $RELAY_PID 2>/dev/null"
wait_for 10 test -S "$relay"
DOCKER_HOST=unix://$relay mount_zunfs
C=$MNT/containers
for n in a b c; do
	mkdir "$C/$n"
	printf 'image: busybox\n%s\n' "$FOREVER" | put_spec "containers/$n" >/dev/null
done
for n in a b c; do wait_for 60 status_is "$n" Running; done
sleep 1

log "pings answered 5 s late for 20 s"
timeout 25 cat "$MNT/events" >"$T/events" 2>/dev/null &
EV=$!
exec 3<"$C/a/tty"
echo "5 /_ping" >"$rules"
unknown=0
for _ in $(seq 1 40); do
	for n in a b c; do [ "$(cat "$C/$n/status")" = Unknown ] && unknown=$((unknown + 1)); done
	sleep 0.5
done
rm -f "$rules"
kill "$EV" 2>/dev/null || true
wait "$EV" 2>/dev/null || true
log "Unknown seen $unknown times; event lines: $(grep -c . "$T/events" || true)"
assert_eq "$unknown" "0" "no object went Unknown"
assert_eq "$(grep -c 'Unknown' "$T/events" || true)" "0" "no Unknown in events"
# the tty opened before is still attached: it has not ended (EOF)
assert_eq "$(timeout 1 cat <&3 >/dev/null; echo $?)" "124" "the tty stayed attached"
exec 3<&-
for n in a b c; do assert_eq "$(cat "$C/$n/status")" "Running" "$n still Running"; done

unmount_zunfs
