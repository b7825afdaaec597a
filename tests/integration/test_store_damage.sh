#!/usr/bin/env bash
# The state database damaged (truncated, random bytes, 0 bytes, a corrupted
# page): zunfs refuses to start, before mounting, with a message that names
# the file and what to do, exits 65, and leaves the file byte for byte as it
# was. Then zunfs killed with SIGKILL while shells write (mkdir, spec.yaml,
# rmdir), five times: each time it starts again on what the kill left, the
# store passes integrity_check, every record is whole, and every object
# whose mkdir returned 0 is there unless an rmdir of it returned 0 (docs/design.md,
# "Where state lives").
. "$(dirname "$0")/lib.sh"
C=$MNT/containers
DB=$STATE/zunfs.db
spec() { printf 'image: busybox\ncommand: [sh, -c, "trap '"'"'exit 0'"'"' TERM; while :; do sleep 1; done"]\n'; }
ro_sql() { sqlite3 -readonly "$DB" "$1"; }
contains() { # TEXT PART WHAT
	[[ "$1" == *"$2"* ]] || fail "$3: '$2' not in: $1"
	ok
}
# the state directory's files and their bytes
state_files() { (cd "$STATE" && ls -a && sha256sum zunfs.db*); }

mount_zunfs
mkdir "$C/a" "$C/b"
spec | put_spec containers/a >/dev/null
assert_eq "$(timeout 30 cat "$C/a/until/Running")" "Running" "a runs"
unmount_zunfs
id=$(instance)
cp "$DB" "$T/good.db"
size=$(stat -c %s "$DB")
page=$(sqlite3 "$T/good.db" 'PRAGMA page_size')
[ "$size" -ge $((4 * page)) ] || fail "the store is only $size bytes"

# zunfs started on the state as it is must refuse: WHAT REASON (its words in $said)
refused() {
	local before after rc=0
	before=$(state_files)
	said=$(timeout 60 "$ZUNFS_BIN" -f -o "docker=$DOCKER_HOST,state=$STATE" "$MNT" 2>&1) || rc=$?
	assert_eq "$rc" "65" "$1: exit status"
	contains "$said" "zunfs: the state database $DB is damaged: $2" "$1: what is wrong"
	contains "$said" "mv $DB* $STATE/damaged/" "$1: what to do"
	not mountpoint -q "$MNT" || fail "$1: mounted"
	ok
	after=$(state_files)
	assert_eq "$after" "$before" "$1: the state's files, byte for byte"
}
restore() { cp "$T/good.db" "$DB"; }

truncate -s $((2 * page)) "$DB"
refused "cut at a page" "truncated: $((2 * page)) bytes where its header says"
contains "$said" "label=zunfs.instance=$id" "the old state's instance id, read from what is left"

restore
truncate -s $((size - page / 2)) "$DB"
refused "cut mid-page" "truncated mid-page: $((size - page / 2)) bytes"

restore
truncate -s 50 "$DB"
refused "cut in the header" "truncated inside its header: 50 bytes"

head -c 20000 /dev/urandom >"$DB"
refused "random bytes" "it is not an SQLite database"

: >"$DB"
refused "0 bytes" "it is empty (0 bytes)"

restore
# the end of the third page and the header of the fourth
head -c 64 /dev/zero | tr '\0' '\245' | dd of="$DB" bs=1 seek=$((3 * page - 32)) conv=notrunc status=none
refused "a corrupted page" "SQLite's integrity_check"

# the store put back: everything is there
restore
mount_zunfs
assert_eq "$(ls "$C" | tr '\n' ' ')" "a b " "the objects, from the store put back"
assert_eq "$(timeout 30 cat "$C/a/until/Running")" "Running" "a runs on"
assert_eq "$(instance)" "$id" "the same instance"

# ---- kill -9 while shells write ----

# shell W of round R: mkdir, a spec now and then, rmdir of two in three, until
# the mount dies; each step logged "try" before and done after it returned 0
writer() { # W R
	local i=0 n out
	while :; do
		i=$((i + 1))
		n=w$1-r$2-$i
		mkdir "$C/$n" 2>/dev/null || break
		echo "mkdir $n"
		if ((i % 20 == 0)); then
			echo "spec-try $n"
			out=$(spec | "$ZF_TESTTOOL" write "$C/$n/spec.yaml" 2>&1) || true
			[ "$out" = ok ] || break
			echo "spec $n"
		fi
		if ((i % 3 != 0)); then
			echo "rmdir-try $n"
			rmdir "$C/$n" 2>/dev/null || break
			echo "rmdir $n"
		fi
		sleep 0.01
	done >"$T/log.$1.$2"
}
: >"$T/ops"
for round in 1 2 3 4 5; do
	pids=()
	for w in 1 2 3; do
		writer "$w" "$round" &
		pids+=($!)
	done
	sleep "$(awk -v s="$RANDOM" 'BEGIN { srand(s); printf "%.2f", 1.5 + 2 * rand() }')"
	kill -9 "$ZUNFS_PID"
	wait "$ZUNFS_PID" 2>/dev/null || true
	ZUNFS_PID=
	wait "${pids[@]}"
	fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT"
	cat "$T"/log.*."$round" >>"$T/ops"
	log "round $round: $(grep -c '^mkdir ' "$T/ops") mkdirs, $(grep -c '^spec ' "$T/ops") specs, $(grep -c '^rmdir ' "$T/ops") rmdirs so far"
	[ -s "$DB-wal" ] || fail "round $round: no WAL left by the kill"
	ok

	mount_zunfs
	assert_eq "$(ro_sql 'PRAGMA integrity_check')" "ok" "round $round: integrity_check"
	# whole records: every field there, a spec exactly when not Empty
	assert_eq "$(ro_sql "SELECT count(*) FROM objects WHERE length(uuid) != 36 OR kind != 'container'
		OR name = '' OR status = '' OR length(created_at) != 24 OR length(updated_at) != 24
		OR (spec = '') != (status = 'Empty')")" "0" "round $round: whole records"
	ls "$C" | sort >"$T/there"
	# there: made and never asked to go; gone: an rmdir returned 0
	sed -n 's/^mkdir //p' "$T/ops" | sort >"$T/made"
	sed -n 's/^rmdir-try //p' "$T/ops" | sort >"$T/tried"
	sed -n 's/^rmdir //p' "$T/ops" | sort >"$T/removed"
	missing=$(comm -23 "$T/made" "$T/tried" | comm -23 - "$T/there")
	assert_eq "$missing" "" "round $round: objects whose mkdir returned 0"
	back=$(comm -12 "$T/removed" "$T/there")
	assert_eq "$back" "" "round $round: objects whose rmdir returned 0"
	# a spec close() took is the object's spec
	for n in $(sed -n 's/^spec //p' "$T/ops" | sort | comm -23 - "$T/tried"); do
		assert_eq "$(cat "$C/$n/spec.yaml")" "$(spec)" "round $round: the spec of $n"
	done
done
assert_eq "$(grep -c '^spec ' "$T/ops" | awk '$1 > 0 { print "some" }')" "some" "specs were written"
unmount_zunfs
assert_eq "$(ro_sql 'PRAGMA integrity_check')" "ok" "integrity_check after the last unmount"
