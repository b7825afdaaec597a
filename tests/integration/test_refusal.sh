#!/usr/bin/env bash
# A refused spec's reason stays in status_reason until the user's next spec
# write or action, whatever the engine does meanwhile: a stop's own refresh,
# a container killed or removed behind zunfs's back, the engine's restart
# policy. The status still follows the engine.
. "$(dirname "$0")/lib.sh"
mount_zunfs
C=$MNT/containers

mkdir "$C/r"
echo 'image: busybox
command: [sleep, "3600"]' | put_spec containers/r >/dev/null
assert_eq "$(timeout 60 cat "$C/r/until/Running")" Running "it runs"

# ctl stop, then at once a spec the parser refuses: the stop's refresh and
# the engine's die event come after the refusal
echo stop >"$C/r/ctl"
assert_fails "" "$ZF_TESTTOOL" write "$C/r/spec.yaml" <<<'image: [unclosed'
reason=$(cat "$C/r/status_reason")
assert_match "$reason" "^spec.yaml: " "the refusal, at once"
sleep 3
assert_eq "$(cat "$C/r/status")" Stopped "the status follows the engine"
assert_eq "$(cat "$C/r/status_reason")" "$reason" "the refusal stays after the engine's refresh"

# the next action speaks for itself
echo start >"$C/r/ctl"
assert_eq "$(timeout 30 cat "$C/r/until/Running")" Running "started again"
assert_eq "$(cat "$C/r/status_reason")" "" "the action's own outcome replaces the refusal"

# refused while Running, then killed behind zunfs's back: Stopped, the refusal stays
assert_fails "" "$ZF_TESTTOOL" write "$C/r/spec.yaml" <<<'image: busybox
bogus_key: 1'
reason=$(cat "$C/r/status_reason")
assert_match "$reason" "bogus_key" "refused: an unknown key"
docker kill "$(engine_id_of r)" >/dev/null
wait_for 10 status_is r Stopped
sleep 1
assert_eq "$(cat "$C/r/status_reason")" "$reason" "the refusal survives a kill outside zunfs"

# and the container removed from the engine: Error, still the refusal
docker rm -f "$(engine_id_of r)" >/dev/null
wait_for 10 status_is r Error
assert_eq "$(cat "$C/r/status_reason")" "$reason" "the refusal survives the container's removal"

# a valid spec write: its own outcome
echo 'image: busybox
command: [sleep, "3600"]' | put_spec containers/r >/dev/null
assert_eq "$(timeout 60 cat "$C/r/until/Running")" Running "a good spec relaunches it"
assert_eq "$(cat "$C/r/status_reason")" "" "no refusal left"
ok
echo "ok: $CHECKS checks"
