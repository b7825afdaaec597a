#!/usr/bin/env bash
# top and stats: the container's processes and a JSON sample.
. "$(dirname "$0")/lib.sh"
mount_zunfs
C=$MNT/containers
mkdir "$C/p"
printf 'image: busybox\n%s\nresources: {limits: {memory: 64Mi}}\n' "$FOREVER" | put_spec containers/p >/dev/null
timeout 30 cat "$C/p/until/Running" >/dev/null
top=$(cat "$C/p/top")
assert_match "$(head -n 1 <<<"$top")" "PID" "top: titles"
assert_match "$top" "trap" "top: the container's command"
stats=$(cat "$C/p/stats")
assert_eq "$(jq -r 'has("cpu_percent") and has("memory_usage") and has("pids")' <<<"$stats")" "true" "stats fields"
assert_eq "$(jq -r .memory_limit <<<"$stats")" "67108864" "stats: the memory limit"
[ "$(jq -r .pids <<<"$stats")" -ge 1 ] || fail "stats: pids"
ok
echo stop >"$C/p/ctl"
assert_fails "Device or resource busy" cat "$C/p/top"
assert_fails "Device or resource busy" cat "$C/p/stats"
unmount_zunfs
