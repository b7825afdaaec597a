#!/usr/bin/env bash
# One user cannot freeze the mount for another (zunfs(1), USERS and
# LIMITS): with allow_other, user A holds 100 blocked readers of `events`
# and `until/`, then 70 opens of `top` that a slow engine holds, then its
# whole share of open files and of parked reads; meanwhile user B's
# `cat status` stays under 10 ms (the figures are printed), B's own `top`
# is answered at once, root's `ls` works, and A's readers end at once on
# SIGKILL. Last, SIGTERM ends zunfs within the manual's bound with all of
# that in flight. The engine is slow only for A's `top`: a relay
# (slowrelay.py) holds those calls.
. "$(dirname "$0")/lib.sh"
chmod 755 "$T"
A=4646
B=4747
as() { setpriv --reuid="$1" --regid="$1" --clear-groups "${@:2}"; }
# in the background, with $! the command's own pid (`as ... &` would fork a
# subshell around it, and a kill of $! would miss the command)
bg_as() { setpriv --reuid="$1" --regid="$1" --clear-groups "${@:2}" & }

relay=$T/relay.sock
rules=$T/slow
python3 "$(dirname "$0")/slowrelay.py" "$relay" "${DOCKER_HOST#unix://}" "$rules" &
RELAY_PID=$!
at_exit "kill $RELAY_PID 2>/dev/null"
wait_for 10 test -S "$relay"
DOCKER_HOST=unix://$relay mount_zunfs -o allow_other
C=$MNT/containers

for u in $A $B; do
	as $u mkdir "$C/c$u"
	printf 'image: busybox\n%s\n' "$FOREVER" | as $u "$ZF_TESTTOOL" write "$C/c$u/spec.yaml" >/dev/null
done
for u in $A $B; do wait_for 60 status_is "c$u" Running; done

# B's status, opened, read and closed N times in one process (no process
# start in the figure): "p50 p90 max" in ms
latency() {
	as $B /usr/bin/python3 - "$C/c$B/status" <<'EOF'
import sys, time
path, t = sys.argv[1], []
for _ in range(40):
    s = time.perf_counter()
    with open(path) as f:
        f.read()
    t.append((time.perf_counter() - s) * 1000)
    time.sleep(0.01)
t.sort()
print("%.2f %.2f %.2f" % (t[len(t) // 2], t[len(t) * 9 // 10], t[-1]))
EOF
}
# B's p90 under 10 ms (the median and the worst are printed)
b_fast() { # WHAT
	local l
	l=$(timeout 30 bash -c "$(declare -f latency as); B=$B C=$C latency") || fail "$1: B's status did not answer"
	log "$1: B's cat status p50 p90 max (ms): $l"
	read -r _ p90 _ <<<"$l"
	assert_eq "$(awk -v v="$p90" 'BEGIN { print (v < 10) }')" "1" "$1: B's status p90 under 10 ms ($p90)"
}
b_fast "idle"

log "poll() on events wakes a user for their own changes only"
as $B "$ZF_TESTTOOL" poll "$MNT/events" 3000 >"$T/poll.out" &
POLL_PID=$!
sleep 0.5
as $A mkdir "$C/other$A"
wait "$POLL_PID" || true
assert_eq "$(cat "$T/poll.out")" "timeout" "B's poll: A's mkdir does not wake it"
as $B "$ZF_TESTTOOL" poll "$MNT/events" 3000 >"$T/poll.out" &
POLL_PID=$!
sleep 0.5
as $B mkdir "$C/other$B"
wait "$POLL_PID" || true
assert_eq "$(cat "$T/poll.out")" "changed" "B's poll: B's own mkdir wakes it"

log "100 blocked readers of A's"
pids=()
for _ in $(seq 1 50); do
	bg_as $A cat "$MNT/events" >/dev/null 2>&1
	pids+=($!)
	bg_as $A cat "$C/c$A/until/Stopped" >/dev/null 2>&1
	pids+=($!)
done
sleep 2
alive=0
for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=$((alive + 1)); done
assert_eq "$alive" "100" "A's 100 readers wait"
b_fast "100 blocked readers"
assert_match "$(timeout 5 ls "$C")" "c$B" "root's ls answers"
assert_eq "$(as $B timeout 5 cat "$C/c$B/until/Running")" "Running" "B's own until/ answers"
kill -9 "${pids[@]}" 2>/dev/null
gone() { for p in "${pids[@]}"; do ! kill -0 "$p" 2>/dev/null || return 1; done; }
wait_for 2 gone
for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done

log "a slow engine for A's top: 70 opens"
a_id=$(engine_id_of "c$A")
echo "8 /containers/$a_id/top" >"$rules"
pids=()
for _ in $(seq 1 70); do
	bg_as $A cat "$C/c$A/top" >/dev/null 2>&1
	pids+=($!)
done
sleep 1
alive=0
for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=$((alive + 1)); done
log "A's top opens waiting: $alive (past A's share of the room: EAGAIN)"
assert_eq "$alive" "64" "A's 70 tops: 64 wait, 6 refused"
b_fast "70 slow top opens"
start=$(date +%s%N)
assert_match "$(as $B timeout 5 cat "$C/c$B/top")" "PID" "B's top"
log "B's top took $((($(date +%s%N) - start) / 1000000)) ms while A's 70 wait"
assert_eq "$(($(date +%s%N) - start < 3000000000))" "1" "B's top is not queued behind A's"
# a signal answers what still waits for the engine room at once; what the
# engine holds (ROOM_PER_USER of A's) answers when its call ends
kill -TERM "${pids[@]}" 2>/dev/null
sleep 1
alive=0
for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=$((alive + 1)); done
log "A's tops left a second after SIGTERM: $alive"
assert_eq "$((alive <= 4))" "1" "queued opens end at once ($alive left)"
rm -f "$rules"
wait_for 20 gone
for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done

log "A's share of open files and of parked reads"
out=$(prlimit --nofile=4096:4096 setpriv --reuid=$A --regid=$A --clear-groups /usr/bin/python3 - "$C/c$A/status" "$MNT/events" <<'EOF'
import errno, os, sys, threading, time
status, events = sys.argv[1], sys.argv[2]
fds = []
try:
    while len(fds) < 3000:
        fds.append(os.open(status, os.O_RDONLY))
    print("opened", len(fds))
except OSError as e:
    print("opened", len(fds), errno.errorcode[e.errno])
for fd in fds:
    os.close(fd)
# parked reads: each thread blocks in a read of events
results = []
def reader():
    fd = os.open(events, os.O_RDONLY)
    try:
        os.read(fd, 100)
        results.append("read")
    except OSError as e:
        results.append(errno.errorcode[e.errno])
threads = [threading.Thread(target=reader, daemon=True) for _ in range(300)]
for t in threads:
    t.start()
time.sleep(3)
print("parked", 300 - len(results), "refused", results.count("EAGAIN"))
sys.stdout.flush()
os._exit(0)
EOF
)
assert_match "$out" 'opened 1024 EMFILE' "A's share of open files: 1024, then EMFILE"
assert_match "$out" 'parked 256 refused 44' "A's share of parked reads: 256, then EAGAIN"
assert_match "$(as $B cat "$C/c$B/status")" "Running" "B still opens files"

log "SIGTERM with readers, slow opens and a stuck engine call in flight"
echo "30 /containers/$a_id/top" >"$rules"
pids=()
for _ in $(seq 1 30); do
	bg_as $A cat "$MNT/events" >/dev/null 2>&1
	pids+=($!)
	bg_as $A cat "$C/c$A/top" >/dev/null 2>&1
	pids+=($!)
done
sleep 1
start=$(date +%s%N)
kill -TERM "$ZUNFS_PID"
for _ in $(seq 1 100); do kill -0 "$ZUNFS_PID" 2>/dev/null || break; sleep 0.1; done
took=$((($(date +%s%N) - start) / 1000000))
log "zunfs exited $took ms after SIGTERM"
assert_eq "$(kill -0 "$ZUNFS_PID" 2>/dev/null && echo alive || echo gone)" "gone" "zunfs ended"
assert_eq "$((took < 4000))" "1" "within the manual's bound ($took ms)"
wait "$ZUNFS_PID" 2>/dev/null || true
ZUNFS_PID=
wait_for 5 gone
rm -f "$rules"
check_daemon_log
