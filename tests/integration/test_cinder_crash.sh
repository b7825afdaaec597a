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
# - a restart while Cinder's API is down (Error, not a false Available);
# - kill -9 while mkfs runs (no mkfs outlives zunfs to write over the
#   filesystem the restart makes);
# - a capsule upgrade adding Cinder entries, kill -9 mid-attach;
# - a capsule's own volume, kill -9 mid-attach of its launch.
# After each: no volume stuck reserved/attaching/detaching, no stale loop
# device or mount, and the file written before the first crash is still on
# the volume.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cinder.sh"
# a stopped API goes on again before scripts/cinder clean stops it
at_exit "kill -CONT -- -\$(cat /tmp/zunfs-it-cinder-crash/run/cinder-api.pid 2>/dev/null) 2>/dev/null"
at_fail "echo '--- relay:'; tail -n 40 '$T/relay/log' 2>/dev/null"
start_cinder /tmp/zunfs-it-cinder-crash 8778 5684
RELAY_PORT=8779
attachments() { capi "$CINDER_URL/volumes/$1" | jq -r '[.volume.attachments[].host_name] | join(" ")'; }
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
no_marks() { [ -z "$(marks)" ]; }
assert_let_go() { # ID WHAT
	wait_for 60 is_status "$1" available
	wait_for 10 no_marks # dropped once Cinder's os-detach has answered
	assert_eq "$(cstatus "$1") $(attachments "$1")" "available " "$2: available, no attachment"
	assert_eq "$(mounts_of "$1") $(loops_over "volume-$1")" "0 0" "$2: no mount, no loop"
	assert_eq "$(marks)" "" "$2: no marks"
}

# the same spec.yaml again retries volume NAME (in Error): attached with
# its data; then rmdir lets it go
retry_and_let_go() { # NAME WHAT
	assert_eq "$(put_spec "volumes/$1" <"$T/$1.yaml")" "ok" "$2: the same spec.yaml again"
	assert_eq "$(timeout 120 cat "$V/$1/until/Available" || cat "$V/$1/status_reason")" "Available" "$2: retried"
	assert_attached "$1" "$A" "$2"
	rmdir "$V/$1"
	wait_for 30 not test -e "$V/$1"
	assert_let_go "$A" "$2: rmdir"
}
api_down() { # Cinder's API stopped (its process group), no longer answering
	kill -TERM -- "-$(api_pgid)"
	wait_for 30 not curl -s --noproxy '*' -m 2 -o /dev/null "$CINDER_URL/volumes"
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
# a start without -o cinder= cannot finish it: the rmdir stays done and
# pending, never given back (to be attached again by the next start)
mount_zunfs
wait_for 30 grep -q "volumes/a: rmdir waits for a mount with its volume driver" "$T/zunfs.log"
assert_eq "$(ls "$V")" "" "the rmdir stays done"
assert_eq "$(cstatus "$A")" "detaching" "Cinder: still detaching"
unmount_zunfs
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
api_down
release
assert_eq "$(timeout 60 cat "$V/c/until/Error")" "Error" "Cinder gone: the attach fails"
assert_match "$(cat "$V/c/status_reason")" "Cinder" "the reason names Cinder"
assert_eq "$(mounts_of "$A") $(loops_over "volume-$A")" "0 0" "nothing mounted or looped"
assert_eq "$(marks)" "$A.attaching " "the rollback could not finish: its mark stays"
api_back
assert_eq "$(cstatus "$A")" "attaching" "Cinder back: still reserved"
retry_and_let_go c "after Cinder stopped"

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
retry_and_let_go d "after Cinder hung"

# a restart while Cinder's API is down, the host mount gone (a reboot):
# the volume is Error (not Available without its files), saying why; the
# same spec.yaml again, once Cinder is back, attaches it with its data
mkdir "$V/e"
printf 'driver: cinder\nvolumeID: %s\n' "$A" >"$T/e.yaml"
put_spec volumes/e <"$T/e.yaml" >/dev/null
assert_eq "$(timeout 120 cat "$V/e/until/Available")" "Available" "adopted"
# first with its mount intact: Cinder is not needed for it
crash
api_down
start
wait_for 30 test -e "$V/e/data/f.txt"
sleep 1
assert_eq "$(cat "$V/e/status") $(cat "$V/e/data/f.txt")" "Available before-crash" "Cinder down, its mount intact: Available, data/ there"
api_back
crash
umount "$STATE/cinder/$A"
wait_for 10 n_loops "$A" 0
api_down
start
assert_eq "$(timeout 60 cat "$V/e/until/Error")" "Error" "restarted without Cinder: not attached"
assert_match "$(cat "$V/e/status_reason")" "^attaching the volume: .*Cinder" "why"
api_back
retry_and_let_go e "after a restart without Cinder"

# killed while mkfs runs on a new volume (a slow mkfs.ext4 first in zunfs's
# PATH: it holds the device, as mkfs does, then runs the real one): no mkfs
# outlives zunfs, the restart makes the filesystem once and it stays whole
mkdir -p "$T/slowbin"
cat >"$T/slowbin/mkfs.ext4" <<'SH'
#!/bin/sh
for dev; do :; done
exec 3<>"$dev"
touch "$(dirname "$0")/started"
sleep 8 3>&-
exec /usr/sbin/mkfs.ext4 "$@"
SH
chmod +x "$T/slowbin/mkfs.ext4"
crash
PATH=$T/slowbin:$PATH start
mkdir "$V/mk"
printf 'driver: cinder\nsize: 1\n' | put_spec volumes/mk >/dev/null
wait_for 60 test -e "$T/slowbin/started"
MK=$(capi "$CINDER_URL/volumes/detail" | jq -r '.volumes[] | select(.name == "zunfs-mk") | .id')
assert_match "$MK" '^[0-9a-f-]{36}$' "made in Cinder"
crash
sleep 0.5
assert_eq "$(pgrep -f "$T/slowbin/mkfs.ext4" | wc -l)" "0" "no mkfs outlives zunfs"
start
assert_eq "$(timeout 120 cat "$V/mk/until/Available" || cat "$V/mk/status_reason")" "Available" "made after the cut mkfs"
assert_eq "$(loops_over "volume-$MK")" "1" "one loop over its file"
echo whole >"$V/mk/data/f.txt"
sleep 9 # past the slow mkfs's start, had it lived
sync
echo 3 >/proc/sys/vm/drop_caches
assert_eq "$(cat "$V/mk/data/f.txt") $(ls "$V/mk/data" | tr '\n' ' ')" "whole f.txt lost+found " "its filesystem whole"
rmdir "$V/mk"
wait_for 30 not test -e "$V/mk"
wait_for 60 is_status "$MK" gone

# upgrades that add Cinder entries, killed as they attach one: after the
# restart the previous capsule runs and no volume of it is left attaching.
# A kept entry's volume (no autoRemove: not labelled with the instance, so
# only the startup's recovery finds it) is available; an autoRemove one,
# made for a spec never in force, is deleted
K=$MNT/capsules
mkdir "$K/u"
cat >"$T/u1.yaml" <<'YAML'
kind: capsule
spec:
  containers:
  - {name: w, image: busybox, command: [sh, -c, "trap exit TERM; while :; do sleep 1; done"], volumeMounts: [{name: v, mountPath: /d}]}
  volumes:
  - {name: v, cinder: {size: 1, autoRemove: true}}
YAML
assert_eq "$(put_spec capsules/u <"$T/u1.yaml")" "ok" "a capsule with a volume"
assert_eq "$(timeout 120 cat "$K/u/until/Running")" "Running" "it runs"
UU=$(jq -r .uuid "$K/u/inspect.json")
cvols() { capi "$CINDER_URL/volumes/detail" | jq -r --arg u "$UU" '.volumes[] | select(.metadata."zunfs.uuid" == $u) | "\(.metadata."zunfs.role") \(.status)"' | sort | tr '\n' ' '; }
none_attaching() { ! grep -q attaching <<<"$(cvols)"; }
upgrade_cut() { # NAME ENTRY: the upgrade adds it, and is killed as it attaches it
	sed -e "s/^  - {name: v, cinder: {size: 1, autoRemove: true}}\$/&\\n  - $2/" \
		-e "s/volumeMounts: \\[{name: v, mountPath: \\/d}\\]/volumeMounts: [{name: v, mountPath: \\/d}, {name: $1, mountPath: \\/$1}]/" \
		"$T/u1.yaml" >"$T/u2.yaml"
	grep -q "name: $1, mountPath" "$T/u2.yaml" || fail "the upgrade's spec"
	hold before '"os-attach"'
	assert_eq "$(put_spec capsules/u <"$T/u2.yaml")" "ok" "an upgrade adding $1"
	wait_for 60 held
	crash
	release
	start
	assert_eq "$(timeout 60 cat "$K/u/until/Running")" "Running" "the previous capsule runs"
	wait_for 60 none_attaching
	assert_eq "$(marks | tr ' ' '\n' | grep -c attaching || true)" "0" "no attach mark left"
}
upgrade_cut n "{name: n, cinder: {size: 1}}"
assert_eq "$(cvols)" "cinder.n available cinder.v in-use " "the kept entry's volume is available"
upgrade_cut m "{name: m, driver: cinder, size: 1, autoRemove: true}"
only_made_one() { [ "$(cvols)" = "cinder.n available cinder.v in-use " ]; }
wait_for 60 only_made_one
assert_eq "$(cvols)" "cinder.n available cinder.v in-use " "the autoRemove entry's volume is deleted"
rmdir "$K/u"
wait_for 90 not test -e "$K/u"
only_kept() { [ "$(cvols)" = "cinder.n available " ]; }
wait_for 60 only_kept
for id in $(capi "$CINDER_URL/volumes/detail" | jq -r --arg u "$UU" '.volumes[] | select(.metadata."zunfs.uuid" == $u) | .id'); do
	capi -X DELETE "$CINDER_URL/volumes/$id" >/dev/null
	wait_for 60 is_status "$id" gone
done

# a capsule's rmdir killed as it detaches its kept volume, then a start
# without -o cinder=: the rmdir stays done and pending (the capsule does not
# come back), and the next start with Cinder finishes the detach
mkdir "$K/h"
sed -e 's/{name: v, cinder: {size: 1, autoRemove: true}}/{name: v, cinder: {size: 1}}/' "$T/u1.yaml" | put_spec capsules/h >/dev/null
assert_eq "$(timeout 120 cat "$K/h/until/Running")" "Running" "a capsule with a kept volume"
HU=$(jq -r .uuid "$K/h/inspect.json")
HID=$(capi "$CINDER_URL/volumes/detail" | jq -r --arg u "$HU" '.volumes[] | select(.metadata."zunfs.uuid" == $u) | .id')
hold before '"os-detach"'
rmdir "$K/h"
wait_for 90 held
crash
release
mount_zunfs
wait_for 60 grep -q "capsules/h: rmdir waits for a mount with its volume driver" "$T/zunfs.log"
assert_eq "$(ls "$K")" "" "the capsule stays removed"
unmount_zunfs
start
wait_for 60 is_status "$HID" available
wait_for 10 no_marks
assert_eq "$(attachments "$HID") $(mounts_of "$HID") $(loops_over "volume-$HID") $(marks)" " 0 0 " "its volume let go"
capi -X DELETE "$CINDER_URL/volumes/$HID" >/dev/null

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
