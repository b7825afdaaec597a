#!/usr/bin/env bash
# `events` per user (issue 19, item 6): one user's flood (5000 mkdirs) does
# not wipe another user's unread lines; a reader that falls behind its ring
# (the flooder's own, 1024 lines; root's, 4096) reads
# "[zunfs: N events skipped]" where the lines were, N exact; poll() on
# `events` wakes for the reader's own changes, not another user's.
. "$(dirname "$0")/lib.sh"
chmod 755 "$T"
as() { setpriv --reuid="$1" --regid="$1" --clear-groups "${@:2}"; }
A=4242 B=4343
mount_zunfs -o allow_other,max_objects=0
C=$MNT/containers
mkdir -m 1777 "$T/ev"

# a reader of uid U that opens `events` now and reads what is there once
# $T/ev/go exists: into $T/ev/U.out
reader() { # U
	setpriv --reuid="$1" --regid="$1" --clear-groups bash -c '
		exec 3<"$1/events"; : >"$2/$3.open"
		while [ ! -e "$2/go" ]; do sleep 0.1; done
		timeout 5 cat <&3 >"$2/$3.out" || true' _ "$MNT" "$T/ev" "$1" &
	READERS+=($!)
	wait_for 10 test -e "$T/ev/$1.open"
}
READERS=()
reader $B
reader $A
reader 0

as $B mkdir "$C/b1" "$C/b2" "$C/b3"
start=$SECONDS
as $A bash -c 'cd "$1" && mkdir f{1..5000}' _ "$C"
log "5000 mkdirs by A in $((SECONDS - start)) s"
touch "$T/ev/go"
wait "${READERS[@]}"

# B: its own three, intact, nothing skipped, nothing of A's
assert_eq "$(grep -c . "$T/ev/$B.out")" 3 "B reads its 3 lines"
for i in 1 2 3; do
	assert_match "$(sed -n "${i}p" "$T/ev/$B.out")" "^[^ ]+ containers/b$i - Empty\$" "B's line $i"
done
# A: its ring's 1024 kept, the 3976 before them said to be skipped
assert_eq "$(head -n 1 "$T/ev/$A.out")" "[zunfs: 3976 events skipped]" "A is told what it missed"
assert_eq "$(tail -n +2 "$T/ev/$A.out" | grep -c ' containers/f[0-9]* - Empty$')" 1024 "then A's last 1024"
assert_match "$(sed -n 2p "$T/ev/$A.out")" " containers/f3977 - Empty\$" "from where the skip ends"
# root: everyone's, 5003 - 4096 skipped
assert_eq "$(head -n 1 "$T/ev/0.out")" "[zunfs: 907 events skipped]" "root is told what it missed"
assert_eq "$(tail -n +2 "$T/ev/0.out" | grep -c .)" 4096 "then the last 4096 lines"

# poll(): another user's changes do not wake a reader, its own do
as $B "$ZF_TESTTOOL" poll "$MNT/events" 2000 >"$T/poll.b" &
p=$!
sleep 0.3
as $A mkdir "$C/g1" "$C/g2"
wait $p
assert_eq "$(cat "$T/poll.b")" timeout "B's poll() sleeps through A's mkdirs"
as $B "$ZF_TESTTOOL" poll "$MNT/events" 10000 >"$T/poll.b" &
p=$!
sleep 0.3
as $B mkdir "$C/b4"
wait $p
assert_eq "$(cat "$T/poll.b")" changed "B's poll() wakes for B's mkdir"
unmount_zunfs
