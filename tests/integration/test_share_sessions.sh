#!/usr/bin/env bash
# tty/exec sessions are shared fairly (issue 19, item 6): a user holds at
# most -o max_sessions (default 32) open ttys and started execs, the next
# open of `tty` or first write to `exec` is EMFILE, and another user's still
# work; the output buffers grow on demand and go back to the system at
# close: zunfs's RSS after 200 tty opens that never read, and their close,
# returns to near where it started (figures printed).
. "$(dirname "$0")/lib.sh"
chmod 755 "$T"
as() { setpriv --reuid="$1" --regid="$1" --clear-groups "${@:2}"; }
A=4242 B=4343
mount_zunfs -o allow_other
C=$MNT/containers
for u in $A $B; do
	as $u mkdir "$C/c$u"
	printf 'image: busybox\ncommand: [sh]\nstdin_open: true\n' | as $u "$ZF_TESTTOOL" write "$C/c$u/spec.yaml" >/dev/null
	as $u timeout 60 cat "$C/c$u/until/Running" >/dev/null
done

# holds N opens of FILE as uid U until killed: its pid; "ready" in $T/held/U
# once all are open ("failed" if one was refused)
mkdir -m 1777 "$T/held"
hold() { # U N FILE
	rm -f "$T/held/$1"
	# setpriv itself, not the function: $! is then the process that holds them
	setpriv --reuid="$1" --regid="$1" --clear-groups bash -c 'trap "[ -s $3 ] || echo failed >$3" EXIT
		for ((i = 0; i < $1; i++)); do exec {fd}<"$2" || exit 1; done
		echo ready >"$3"; exec sleep 600' _ "$2" "$3" "$T/held/$1" &
	HELD=$!
	at_exit "kill $HELD 2>/dev/null"
	wait_for 120 test -s "$T/held/$1"
	assert_eq "$(cat "$T/held/$1")" ready "uid $1 opened $2"
}

attached_is() { [ "$(as "$1" jq .attached "$2/inspect.json")" = "$3" ]; } # U DIR N

hold $A 32 "$C/c$A/tty"
holder=$HELD
assert_eq "$(as $A jq .attached "$C/c$A/inspect.json")" 32 "A's 32 attaches"
assert_fails "Too many open files" as $A timeout 5 cat "$C/c$A/tty"
assert_fails "Too many open files" as $A bash -c "exec 3<>'$C/c$A/exec'; echo true >&3"
# B's share is whole
assert_eq "$(as $B bash -c "exec 3<>'$C/c$B/exec'; echo 'echo b-ok' >&3; timeout 10 cat <&3")" \
	$'b-ok\n[exit 0]' "B's exec while A holds their share"
as $B bash -c "exec 3<>'$C/c$B/tty'; echo 'echo via-tty' >&3; read -r -t 10 l <&3; [ \"\$l\" = via-tty ]" ||
	fail "B's tty while A holds their share"
ok
kill "$holder"
wait "$holder" 2>/dev/null || true
wait_for 20 attached_is $A "$C/c$A" 0
as $A bash -c "exec 3<>'$C/c$A/exec'; echo true >&3" || fail "A's exec once their ttys closed"
ok

# memory: 200 opens by root (no cap) that never read, each sent ~1 MB
mkdir "$C/burst"
printf 'image: busybox\ncommand: [sh, -c, "while read go; do head -c 1000000 /dev/zero; done"]\nstdin_open: true\n' |
	put_spec containers/burst >/dev/null
timeout 60 cat "$C/burst/until/Running" >/dev/null
rss() { awk '/^VmRSS:/ { print int($2 / 1024) }' "/proc/$ZUNFS_PID/status"; }
threads() { awk '/^Threads:/ { print $2 }' "/proc/$ZUNFS_PID/status"; }
# a tty opened and closed first, as any earlier use would (glibc's malloc
# then keeps freed 1 MiB buffers in its arenas: its mmap threshold grew)
timeout 5 cat "$C/burst/tty" >/dev/null 2>&1 || true
rss0=$(rss) threads0=$(threads)
hold 0 200 "$C/burst/tty"
holder=$HELD
idle=$(rss)
exec 9>"$C/burst/tty"
echo go >&9
# until the output is in every buffer (RSS stops growing)
peak=$rss0
for _ in $(seq 1 60); do
	sleep 1
	now=$(rss)
	[ "$now" -gt $((peak + 2)) ] || [ "$now" -lt $((rss0 + 150)) ] || break
	[ "$now" -le "$peak" ] || peak=$now
done
peak=$(rss) threads1=$(threads)
kill "$holder"
wait "$holder" 2>/dev/null || true
exec 9>&-
wait_for 60 attached_is 0 "$C/burst" 0
sleep 1
after=$(rss) threads2=$(threads)
log "RSS of zunfs: ${rss0} MiB before, ${idle} MiB with 200 idle ttys, ${peak} MiB with each holding ~1 MB, ${after} MiB after their close; threads ${threads0}, ${threads1}, ${threads2}"
[ "$peak" -ge $((rss0 + 150)) ] || fail "the buffers did not fill (${peak} MiB): the test shows nothing"
ok
if ldd "$ZUNFS_BIN" | grep -q libasan; then
	# AddressSanitizer keeps the shadow of freed stacks and unmapped buffers
	log "a sanitizer build: the RSS after close is not checked"
else
	[ "$after" -le $((rss0 + 24)) ] || fail "RSS after close: ${after} MiB, started at ${rss0} MiB"
	ok
fi
unmount_zunfs

# -o max_sessions=N
mount_zunfs -o allow_other,max_sessions=1
as $A bash -c "exec 3<'$C/c$A/tty'; timeout 5 cat '$C/c$A/tty'" 2>"$T/err" && fail "a second session past max_sessions=1"
assert_match "$(cat "$T/err")" "Too many open files" "max_sessions=1"
unmount_zunfs
