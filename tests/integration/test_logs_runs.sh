#!/usr/bin/env bash
# logs holds every byte the engine logged for a container across many short
# runs: a restart policy's crash loop (runs that end at once, the last one
# after which the policy gives up), a start by hand, runs while zunfs was
# unmounted. Compared with `docker logs` of the same container. And a
# capsule's log, where members' lines stay apart.
. "$(dirname "$0")/lib.sh"
mount_zunfs
C=$MNT/containers
names="r1 r2 r3 r4 r5 rt"
for n in r1 r2 r3 r4 r5; do
	mkdir "$C/$n"
	printf 'image: busybox\nrestartPolicy: on-failure:3\ncommand: [sh, -c, "echo run-$RANDOM; echo err-$RANDOM >&2; exit 3"]\n' |
		put_spec "containers/$n" >/dev/null
done
# with a tty: one stream, and each run's output ends without a newline
mkdir "$C/rt"
printf 'image: busybox\ntty: true\nrestartPolicy: on-failure:3\ncommand: [sh, -c, "printf run-$RANDOM; exit 3"]\n' |
	put_spec containers/rt >/dev/null

# the engine's state of container ID: "exited 3" once the policy gave up
# (a start by hand counts the restarts from 0 again)
gave_up() { [ "$(docker inspect -f '{{.State.Status}} {{.RestartCount}}' "$1" 2>/dev/null)" = "exited 3" ]; }
# the engine's log and zunfs's: byte for byte for one stream (a tty), line
# for line otherwise (docker logs puts stdout and stderr apart)
engine_log() { # NAME ID
	if [ "$1" = rt ]; then docker logs "$2"; else docker logs "$2" 2>&1 | sort; fi
}
zunfs_log() { if [ "$1" = rt ]; then cat "$C/$1/logs"; else sort "$C/$1/logs"; fi; }
declare -A ID
for n in $names; do
	wait_for 30 bash -c "[ -n \"\$(sed -n 's/.*\"container_id\": \"\([0-9a-f]*\)\".*/\1/p' '$C/$n/inspect.json')\" ]"
	ID[$n]=$(engine_id_of "$n")
done
# once every policy gave up: within 5 s, and still a second later
check_all() { # RUNS WHAT
	local n i
	for n in $names; do wait_for 30 gave_up "${ID[$n]}"; done
	for n in $names; do
		for ((i = 0; i < 50; i++)); do
			[ "$(engine_log "$n" "${ID[$n]}")" = "$(zunfs_log "$n")" ] && break
			sleep 0.1
		done
	done
	sleep 1
	for n in $names; do
		[ "$(engine_log "$n" "${ID[$n]}")" = "$(zunfs_log "$n")" ] ||
			fail "$2: logs of $n: expected '$(engine_log "$n" "${ID[$n]}" | tr '\n' ' ')', got '$(zunfs_log "$n" | tr '\n' ' ')'"
		ok
	done
	# each run two lines (stdout, stderr), nothing twice, nothing missing
	assert_eq "$(grep -c . "$C/r1/logs")" "$(($1 * 2))" "$2: $1 runs of r1"
	assert_match "$(cat "$C/rt/logs")" "^(run-[0-9]+){$1}\$" "$2: $1 runs with a tty"
}
check_all 4 "a crash loop"

# started again by hand: another loop, as zunfs follows it
for n in $names; do echo start >"$C/$n/ctl"; done
check_all 8 "started again"

# runs while zunfs was unmounted are read at the next mount
unmount_zunfs
for n in $names; do docker start "${ID[$n]}" >/dev/null; done
for n in $names; do wait_for 30 gave_up "${ID[$n]}"; done
mount_zunfs
check_all 12 "runs while unmounted"

# a capsule's log: a member's output that ended without a newline is not
# glued to the next member's line, whose "[CNAME] " starts a line
mkdir "$MNT/capsules/pair"
cat >"$T/pair.yaml" <<'YAML'
kind: capsule
metadata: {name: pair}
spec:
  restartPolicy: Never
  containers:
  - {name: a, image: busybox, command: [sh, -c, "printf a-no-newline"]}
  - {name: b, image: busybox, command: [sh, -c, "sleep 1; echo b-line; sleep 1; printf b-no-newline"]}
YAML
"$ZF_TESTTOOL" write "$MNT/capsules/pair/spec.yaml" <"$T/pair.yaml" >/dev/null
wait_for 30 grep -q b-no-newline "$MNT/capsules/pair/logs"
assert_eq "$(sort "$MNT/capsules/pair/logs")" "$(printf '[a] a-no-newline\n[b] b-line\n[b] b-no-newline')" "members' lines apart in the capsule's log"
assert_eq "$(cat "$C/pair.a/logs")" "a-no-newline" "the member's own log as it wrote it"
unmount_zunfs
