#!/usr/bin/env bash
# State survives unmount; containers run on while zunfs is down; at start
# zunfs reconciles the store with the engine (docs/design.md, "Reconcile").
. "$(dirname "$0")/lib.sh"
C=$MNT/containers
spec() { printf 'image: busybox\n%s\n' "$FOREVER"; }
sql() { sqlite3 "$STATE/zunfs.db" "$1"; }

mount_zunfs
for n in a b d e f; do
	mkdir "$C/$n"
	spec | put_spec "containers/$n" >/dev/null
	timeout 30 cat "$C/$n/until/Running" >/dev/null
done
mkdir "$C/c"
echo stop >"$C/b/ctl"
uuid_a=$(jq -r .uuid "$C/a/inspect.json")
id_a=$(engine_id_of a)
id_d=$(engine_id_of d)
id_e=$(engine_id_of e)
id_f=$(engine_id_of f)
unmount_zunfs

# down: the containers run on
assert_eq "$(docker inspect -f '{{.State.Running}}' "$id_a")" "true" "running while zunfs is down"
assert_eq "$(sql "PRAGMA user_version")" "3" "schema version"
assert_eq "$(sql "PRAGMA journal_mode")" "wal" "WAL journal"

mount_zunfs
assert_eq "$(ls "$C" | tr '\n' ' ')" "a b c d e f " "same objects after remount"
assert_eq "$(cat "$C/a/status") $(cat "$C/b/status") $(cat "$C/c/status")" "Running Stopped Empty" "same statuses"
assert_eq "$(jq -r .uuid "$C/a/inspect.json")" "$uuid_a" "same uuid"
assert_eq "$(engine_id_of a)" "$id_a" "same container"
unmount_zunfs

# changes made while zunfs was down
docker rm -f "$id_a" >/dev/null                 # a: removed behind its back
docker rm -f "$id_d" >/dev/null                 # d: as if a crash came before create
sql "UPDATE objects SET status = 'Creating', task_state = 'container_creating', engine_id = '' WHERE name = 'd'"
# e: a crash after the engine made it but before its id was stored
sql "UPDATE objects SET status = 'Creating', task_state = 'container_creating', engine_id = '' WHERE name = 'e'"
# f: a crash in the middle of rmdir
sql "UPDATE objects SET status = 'Deleting', task_state = 'container_deleting', deleting = 1 WHERE name = 'f'"
# b: a crash while a ctl command was in flight
sql "UPDATE objects SET task_state = 'container_starting' WHERE name = 'b'"
# a stray: an engine container of this instance that no record owns
stray=$(docker create --network none --label "zunfs.instance=$(instance)" --label zunfs.uuid=00000000-0000-4000-8000-000000000000 \
	--label zunfs.kind=container --label zunfs.name=ghost busybox sleep 300)

mount_zunfs
assert_eq "$(cat "$C/a/status")" "Error" "removed while down: Error"
assert_match "$(cat "$C/a/status_reason")" "removed from the engine while zunfs was not running" "reason"
assert_eq "$(timeout 30 cat "$C/d/until/Running")" "Running" "interrupted launch resumed"
assert_eq "$(timeout 30 cat "$C/e/until/Running")" "Running" "half-made launch resumed"
[ "$(engine_id_of e)" != "$id_e" ] || fail "the half-made container was kept instead of rebuilt"
assert_fails "No such object" docker inspect "$id_e"
assert_eq "$(docker ps -aq --filter "label=zunfs.uuid=$(jq -r .uuid "$C/e/inspect.json")" | wc -l)" "1" "one container for e"
assert_fails "No such file" cat "$C/f/status"
wait_for 20 bash -c "! docker inspect '$id_f' >/dev/null 2>&1"
assert_eq "$(sql "SELECT count(*) FROM objects WHERE name = 'f'")" "0" "f forgotten"
assert_eq "$(cat "$C/b/status") [$(cat "$C/b/task_state")]" "Stopped []" "cut-short task cleared"
assert_fails "No such object" docker inspect "$stray"
assert_match "$(cat "$T/zunfs.log")" "removing engine container ${stray:0:12} \(ghost\): no record owns it" "stray removal is said"

# kill -9: the mount is left dead; after unmounting it, a remount has it all
kill -9 "$ZUNFS_PID"
wait "$ZUNFS_PID" 2>/dev/null || true
ZUNFS_PID=
fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT"
mount_zunfs
assert_eq "$(cat "$C/d/status")" "Running" "after kill -9 and remount"
unmount_zunfs
