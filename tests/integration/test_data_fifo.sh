#!/usr/bin/env bash
# A FIFO swapped in under a file's name (issue 19, 3): the owner holds the
# file open, their container replaces it with a FIFO, and a truncate(2)
# through what they hold (/proc/self/fd/N: the kernel still knows a regular
# file) reaches zunfs by the name. It returns at once with an error (no
# worker waits for a reader that never comes), zunfs answers other calls
# meanwhile, and SIGTERM ends zunfs within 5 s. Sockets and devices too.
. "$(dirname "$0")/lib.sh"
chmod 755 "$T"
mount_zunfs -o allow_other
OWNER=4242
as_owner() { setpriv --reuid=$OWNER --regid=$OWNER --clear-groups "$@"; }

as_owner mkdir "$MNT/volumes/v"
printf 'driver: local\n' | as_owner "$ZF_TESTTOOL" write "$MNT/volumes/v/spec.yaml" >/dev/null
assert_eq "$(as_owner timeout 30 cat "$MNT/volumes/v/until/Available")" Available "volume made"
D=$MNT/volumes/v/data
mp=$(jq -r .mountpoint "$MNT/volumes/v/inspect.json")
# on a failure, a worker may still wait in open(): a reader lets it go
at_fail "timeout 2 cat '$mp/f' >/dev/null 2>&1"

swap_in() { # KIND: what the container puts in f's place
	rm -f "$mp/f"
	case $1 in
	fifo) mkfifo -m 666 "$mp/f" ;;
	socket) (cd "$mp" && echo 'bind f' | "$ZF_TESTTOOL" fsops >/dev/null) && chmod 666 "$mp/f" ;;
	device) mknod -m 666 "$mp/f" c 1 5 ;; # /dev/zero's numbers
	esac
	chown -h $OWNER:$OWNER "$mp/f"
}

for kind in fifo socket device; do
	log "a $kind swapped in under a held file"
	echo data | as_owner tee "$D/f" >/dev/null
	rm -f "$T/go"
	as_owner bash -c '
		exec 5<"$1"
		while [ ! -e "$2" ]; do sleep 0.1; done
		"$3" truncate /proc/self/fd/5 0
		exec 6<>/proc/self/fd/5 && echo "reopened" || true
	' _ "$D/f" "$T/go" "$ZF_TESTTOOL" >"$T/trunc.out" 2>&1 &
	holder=$!
	sleep 0.5
	swap_in $kind
	start=$(date +%s%N)
	touch "$T/go"
	for _ in $(seq 1 50); do kill -0 $holder 2>/dev/null || break; sleep 0.1; done
	kill -0 $holder 2>/dev/null && fail "$kind: the truncate still waits 5 s later"
	ok
	wait $holder || true
	log "$kind: $(tr '\n' ' ' <"$T/trunc.out")in $((($(date +%s%N) - start) / 1000000)) ms"
	assert_match "$(head -n 1 "$T/trunc.out")" "^truncate: E" "$kind: the truncate fails"
	not grep -q reopened "$T/trunc.out" || fail "$kind: reopened through the held file"
	ok
	# the mount answers meanwhile
	assert_eq "$(as_owner timeout 5 cat "$MNT/volumes/v/status")" Available "$kind: status answers"
	rm -f "$mp/f"
done

# nothing holds a worker: SIGTERM ends zunfs within 5 s
kill -TERM "$ZUNFS_PID"
for _ in $(seq 1 50); do kill -0 "$ZUNFS_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$ZUNFS_PID" 2>/dev/null && fail "zunfs still runs 5 s after SIGTERM"
rc=0
wait "$ZUNFS_PID" || rc=$?
ZUNFS_PID=
assert_eq "$rc" 0 "zunfs's exit status after SIGTERM"
check_daemon_log
