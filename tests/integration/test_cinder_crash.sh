#!/usr/bin/env bash
# Crash safety of Cinder volumes against a real Cinder (scripts/cinder, its
# own directory and ports) and the real engine. zunfs reaches Cinder through
# httphold.py, which holds the request of a named step, so zunfs is killed
# (or Cinder stopped) at that step, not at a guessed moment:
# - kill -9 mid-attach (os-attach held before Cinder sees it, at a restart's
#   re-attach) and a restart: the attach cut short is undone and done again;
# - kill -9 while attached: the mount outlives zunfs, the restart keeps it;
# - kill -9 mid-detach (os-detach held: Cinder says detaching) and a
#   restart: the rmdir's detach is finished;
# - Cinder's API stopped during an attach: EIO-kind failure with a reason,
#   the rollback left for later (marks kept), writing the same spec.yaml
#   again once Cinder is back finishes it;
# - Cinder's API hung (SIGSTOP) during an attach: ETIMEDOUT after
#   cinder_timeout, files of the mount answering meanwhile;
# - a capsule's own volume, kill -9 mid-attach of its launch.
# After each: no volume stuck reserved/attaching/detaching, no stale loop
# device or mount, and the file written before the first crash is still on
# the volume.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
CDIR=/tmp/zunfs-it-cinder-crash
export CINDER_PORT=8778 CINDER_RABBIT_PORT=5684
RELAY_PORT=8779
at_exit "kill -CONT -- -\$(cat '$CDIR/run/cinder-api.pid' 2>/dev/null) 2>/dev/null"
at_exit "'$top/scripts/cinder' clean '$CDIR' >/dev/null 2>&1"
at_fail "echo '--- scripts/cinder start:'; cat '$T/cinder.log' 2>/dev/null; tail -n 5 '$CDIR'/logs/*.log 2>/dev/null; echo '--- relay:'; tail -n 40 '$T/relay/log' 2>/dev/null"
t0=$SECONDS
"$top/scripts/cinder" start "$CDIR" >"$T/cinder.url" 2>"$T/cinder.log" || { cat "$T/cinder.log"; fail "scripts/cinder start"; }
log "Cinder up in $((SECONDS - t0)) s"
eval "$("$top/scripts/cinder" env "$CDIR")"
export OS_AUTH_TOKEN
H=(-H "X-Auth-Token: $OS_AUTH_TOKEN" -H "Content-Type: application/json")
capi() { curl -s --noproxy '*' -m 10 "${H[@]}" "$@"; }
cstatus() { capi "$CINDER_URL/volumes/$1" | jq -r '.volume.status // "gone"'; }
is_status() { [ "$(cstatus "$1")" = "$2" ]; }
attachments() { capi "$CINDER_URL/volumes/$1" | jq -r '[.volume.attachments[].host_name] | join(" ")'; }
loops_over() { losetup -n -O BACK-FILE 2>/dev/null | grep -c "$1" || true; }
mounts_of() { findmnt -rn -o TARGET | grep -c "$STATE/cinder/$1" || true; }
marks() { ls "$STATE/cinder" 2>/dev/null | tr '\n' ' '; }
n_mounts() { [ "$(mounts_of "$1")" = "$2" ]; }
n_loops() { [ "$(loops_over "volume-$1")" = "$2" ]; }

# the relay: zunfs's Cinder is 127.0.0.1:RELAY_PORT
R=$T/relay
mkdir -p "$R"
python3 "$top/tests/integration/httphold.py" "$RELAY_PORT" "$CINDER_PORT" "$R" &
RELAY_PID=$!
at_exit "kill $RELAY_PID 2>/dev/null"
wait_for 10 curl -s --noproxy '*' -o /dev/null "http://127.0.0.1:$RELAY_PORT/"
ZURL=${CINDER_URL/:$CINDER_PORT\//:$RELAY_PORT/}
hold() { rm -f "$R/held"; printf '%s %s\n' "$1" "$2" >"$R/hold"; } # WHEN TEXT
release() { rm -f "$R/hold"; }
held() { [ -s "$R/held" ]; }

start() { mount_zunfs -o "cinder=$ZURL,cinder_timeout=5"; }
# kill -9 of the daemon; the dead mount is taken down as an admin would
crash() {
	kill -9 "$ZUNFS_PID"
	wait "$ZUNFS_PID" 2>/dev/null || true
	ZUNFS_PID=
	fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT"
}
api_pgid() { cat "$CDIR/run/cinder-api.pid"; }
api_back() { # Cinder's API again after a stop: scripts/cinder starts what is not running
	rm -f "$CDIR/run/cinder-api.pid"
	"$top/scripts/cinder" start "$CDIR" >/dev/null 2>>"$T/cinder.log" || fail "Cinder's API did not come back"
}
# whole: in use by this host alone, mounted once over one loop, the file there
assert_attached() { # NAME ID WHAT
	assert_eq "$(cstatus "$2") $(attachments "$2")" "in-use zunfs-$(hostname)" "$3: in use by this host"
	assert_eq "$(mounts_of "$2") $(loops_over "volume-$2")" "1 1" "$3: one mount, one loop"
	assert_eq "$(cat "$MNT/volumes/$1/data/f.txt")" "before-crash" "$3: the data is kept"
	assert_eq "$(marks)" "$2 $2.conn " "$3: no attach mark left"
}
assert_let_go() { # ID WHAT
	assert_eq "$(cstatus "$1") $(attachments "$1")" "available " "$2: available, no attachment"
	assert_eq "$(mounts_of "$1") $(loops_over "volume-$1")" "0 0" "$2: no mount, no loop"
	assert_eq "$(marks)" "" "$2: no marks"
}

A=$(capi -X POST "$CINDER_URL/volumes" -d '{"volume": {"size": 1, "name": "crash-a"}}' | jq -r .volume.id)
assert_match "$A" '^[0-9a-f-]{36}$' "a volume made in Cinder"
wait_for 60 is_status "$A" available
start
V=$MNT/volumes
mkdir "$V/a"
assert_eq "$(printf 'driver: cinder\nvolumeID: %s\n' "$A" | put_spec volumes/a)" "ok" "adopt"
assert_eq "$(timeout 120 cat "$V/a/until/Available" || cat "$V/a/status_reason")" "Available" "attached"
echo before-crash >"$V/a/data/f.txt"
sync -f "$STATE/cinder/$A"

# killed while attached: the mount outlives zunfs (containers keep it)
crash
assert_eq "$(cat "$STATE/cinder/$A/f.txt")" "before-crash" "attached while zunfs is down"
start
assert_eq "$(timeout 60 cat "$V/a/until/Available")" "Available" "restart: still available"
assert_attached a "$A" "killed while attached"

# killed mid-attach: the host mount gone (a reboot), the restart's refresh
# attaches again and is killed as it sends os-attach
crash
umount "$STATE/cinder/$A"
wait_for 10 n_loops "$A" 0
hold before '"os-attach"'
start
wait_for 60 held
assert_eq "$(cstatus "$A")" "attaching" "Cinder: reserved, the attach not sent"
crash
release
assert_eq "$(marks)" "$A.attaching $A.conn " "the attach's marks outlive it"
wait_for 10 n_loops "$A" 0
start
wait_for 90 n_mounts "$A" 1
assert_eq "$(timeout 60 cat "$V/a/until/Available")" "Available" "restart after a cut attach"
assert_attached a "$A" "killed mid-attach"
assert_match "$(grep -c '"os-unreserve"' "$R/log")" '^[1-9]' "the cut attach was undone first"

# killed mid-detach: rmdir's detach is killed as it sends os-detach
hold before '"os-detach"'
rmdir "$V/a"
wait_for 60 held
assert_eq "$(cstatus "$A")" "detaching" "Cinder: detaching"
crash
release
start
wait_for 60 is_status "$A" available
wait_for 30 not test -e "$V/a"
assert_let_go "$A" "killed mid-detach"

# the data survived both: adopted again
mkdir "$V/b"
printf 'driver: cinder\nvolumeID: %s\n' "$A" | put_spec volumes/b >/dev/null
assert_eq "$(timeout 120 cat "$V/b/until/Available" || cat "$V/b/status_reason")" "Available" "adopted again"
assert_attached b "$A" "after the crashes"
rmdir "$V/b"
wait_for 60 is_status "$A" available
wait_for 30 not test -e "$V/b"

# Cinder's API stopped during an attach (reserved, then nothing answers)
mkdir "$V/c"
hold before '"os-initialize_connection"'
printf 'driver: cinder\nvolumeID: %s\n' "$A" >"$T/c.yaml"
assert_eq "$(put_spec volumes/c <"$T/c.yaml")" "ok" "adopt"
wait_for 60 held
kill -TERM -- "-$(api_pgid)"
wait_for 30 not curl -s --noproxy '*' -m 2 -o /dev/null "$CINDER_URL/volumes"
release
assert_eq "$(timeout 60 cat "$V/c/until/Error")" "Error" "Cinder gone: the attach fails"
assert_match "$(cat "$V/c/status_reason")" "Cinder" "the reason names Cinder"
assert_eq "$(mounts_of "$A") $(loops_over "volume-$A")" "0 0" "nothing mounted or looped"
assert_eq "$(marks)" "$A.attaching " "the rollback could not finish: its mark stays"
api_back
assert_eq "$(cstatus "$A")" "attaching" "Cinder back: still reserved"
assert_eq "$(put_spec volumes/c <"$T/c.yaml")" "ok" "the same spec.yaml again: a retry"
assert_eq "$(timeout 120 cat "$V/c/until/Available" || cat "$V/c/status_reason")" "Available" "retried"
assert_attached c "$A" "after Cinder stopped"
rmdir "$V/c"
wait_for 60 is_status "$A" available
wait_for 30 not test -e "$V/c"
assert_let_go "$A" "rmdir after the retry"

# Cinder's API hung during an attach: each request gives up after
# cinder_timeout (5 s); the mount's files answer meanwhile
mkdir "$V/d"
hold before '"os-initialize_connection"'
printf 'driver: cinder\nvolumeID: %s\n' "$A" >"$T/d.yaml"
assert_eq "$(put_spec volumes/d <"$T/d.yaml")" "ok" "adopt"
wait_for 60 held
kill -STOP -- "-$(api_pgid)"
release
t1=$SECONDS
for _ in 1 2 3 4 5; do
	assert_eq "$(timeout 2 cat "$V/d/status")" "Creating" "status answers while Cinder hangs"
	timeout 2 ls "$V" >/dev/null || fail "ls volumes/ hung while Cinder hangs"
	sleep 1
done
assert_eq "$(timeout 90 cat "$V/d/until/Error")" "Error" "Cinder hung: the attach fails"
assert_match "$(cat "$V/d/status_reason")" "[Tt]imed out|timeout" "the reason says it timed out"
log "the hung attach failed after $((SECONDS - t1)) s"
kill -CONT -- "-$(api_pgid)"
wait_for 30 curl -s --noproxy '*' -m 2 -o /dev/null "$CINDER_URL/volumes"
assert_eq "$(put_spec volumes/d <"$T/d.yaml")" "ok" "the same spec.yaml again"
assert_eq "$(timeout 120 cat "$V/d/until/Available" || cat "$V/d/status_reason")" "Available" "retried"
assert_attached d "$A" "after Cinder hung"
rmdir "$V/d"
wait_for 60 is_status "$A" available
wait_for 30 not test -e "$V/d"
assert_let_go "$A" "at the end"
# a capsule's own volume, killed as its launch sends os-attach: the
# restart launches the capsule again, with the same volume attached once
K=$MNT/capsules
mkdir "$K/k"
hold before '"os-attach"'
printf 'kind: capsule\nspec:\n  containers:\n  - {name: w, image: busybox, command: [sh, -c, "echo in-capsule > /d/k.txt; sync; trap exit TERM; while :; do sleep 1; done"], volumeMounts: [{name: v, mountPath: /d}]}\n  volumes:\n  - {name: v, cinder: {size: 1, autoRemove: true}}\n' | put_spec capsules/k >/dev/null
wait_for 60 held
KU=$(jq -r .uuid "$K/k/inspect.json")
KID=$(capi "$CINDER_URL/volumes/detail" | jq -r --arg u "$KU" '.volumes[] | select(.metadata."zunfs.uuid" == $u) | .id')
assert_match "$KID" '^[0-9a-f-]{36}$' "the capsule's volume, made"
crash
release
start
assert_eq "$(timeout 120 cat "$K/k/until/Running") $(cat "$K/k/status_reason")" "Running " "relaunched after the cut attach"
assert_eq "$(capi "$CINDER_URL/volumes/detail" | jq -r --arg u "$KU" '[.volumes[] | select(.metadata."zunfs.uuid" == $u) | .id] | join(" ")')" "$KID" "the same volume, no second one"
assert_eq "$(cstatus "$KID") $(attachments "$KID")" "in-use zunfs-$(hostname)" "attached once"
assert_eq "$(mounts_of "$KID") $(loops_over "volume-$KID")" "1 1" "one mount, one loop"
wait_for 30 test -e "$STATE/cinder/$KID/k.txt"
rmdir "$K/k"
wait_for 90 not test -e "$K/k"
wait_for 60 is_status "$KID" gone
assert_eq "$(mounts_of "$KID") $(loops_over "volume-$KID") $(marks)" "0 0 " "the capsule's volume let go"

capi -X DELETE "$CINDER_URL/volumes/$A" >/dev/null
unmount_zunfs
