#!/usr/bin/env bash
# The newcomer's path on a fresh machine: a minimal Debian 12 root made with
# debootstrap (minbase) from the mirror apt on this machine already uses, the
# checkout copied in (git archive, with uncommitted changes to tracked
# files), /dev/fuse, /proc, /sys and the test engine's socket bound in. In
# it, as a newcomer would, with a clean environment:
#   1. the README's run command, scripts/run /mnt/zunfs: it must install
#      every package running needs (scripts/deps --run), build without the
#      test packages, install, find the engine and mount;
#   2. a container made through that mount runs (checked with the docker
#      CLI outside), zunfs is on PATH with its manual, completion and unit;
#   3. the test path: scripts/deps installs the test packages, the tests
#      build, the unit tests pass and an integration test passes there;
#   4. unmount: the daemon exits.
# Needs root and $DOCKER_HOST (unix://) pointing at the test engine.
#   tests/fresh/run.sh            uses a cached root (/var/cache/zunfs-fresh)
#   CI=true tests/fresh/run.sh    makes the root afresh (about a minute)
#   ZUNFS_FRESH_KEEP=1            keeps the made root's directory for a look
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
: "${DOCKER_HOST:?set DOCKER_HOST to the test engine (unix://PATH)}"
sock=${DOCKER_HOST#unix://}
[ -S "$sock" ] || { echo "FAIL: $DOCKER_HOST is not a unix socket" >&2; exit 1; }
suite=bookworm
cache=/var/cache/zunfs-fresh/$suite-minbase.tar

work=$(mktemp -d /tmp/zunfs-fresh.XXXXXX)
root=$work/root
CHECKS=0
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
ok() { CHECKS=$((CHECKS + 1)); }
log() { echo "# $*"; }

# processes whose root is the made root: only ours run there
root_pids() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && echo "${p#/proc/}"
	done
	return 0
}
mounts_under() { awk -v d="$root/" 'index($2, d) == 1 || $2 == substr(d, 1, length(d) - 1) {print $2}' /proc/mounts | sort -r; }
cleanup() {
	local rc=$? m p
	# the zunfs mounted inside first: unmounting ends its daemon
	for m in $(mounts_under); do
		case "$m" in "$root/mnt/"*) fusermount3 -u -z "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true ;; esac
	done
	for _ in $(seq 1 50); do [ -z "$(root_pids)" ] && break; sleep 0.1; done
	for p in $(root_pids); do kill -9 "$p" 2>/dev/null || true; done
	for m in $(mounts_under); do umount -l "$m" 2>/dev/null || true; done
	if [ -n "$(mounts_under)" ]; then
		# never rm -rf across a bind mount of /dev or /sys
		echo "fresh: still mounted under $root, left in place:" >&2
		mounts_under >&2
		rc=1
	elif [ "${ZUNFS_FRESH_KEEP:-0}" = 1 ]; then
		echo "fresh: kept $work"
	else
		rm -rf "$work"
	fi
	[ $rc -eq 0 ] && echo "ok: $CHECKS checks"
	exit $rc
}
trap cleanup EXIT INT TERM

# The mirror of this machine's own apt sources (deb822 or one-line form),
# for the suite the root is made of.
mirror() {
	local f uri
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		uri=$(awk -v s="$suite" '
			/^[ \t]*$/ { if (u != "" && ok && deb) { print u; exit } u = ""; ok = 0; deb = 0; next }
			/^URIs:/ { u = $2 }
			/^Types:/ { deb = ($0 ~ /(^|[ \t])deb([ \t]|$)/) }
			/^Suites:/ { for (i = 2; i <= NF; i++) if ($i == s) ok = 1 }
			END { if (u != "" && ok && deb) print u }' "$f" | head -n 1)
		[ -n "$uri" ] && { echo "$uri"; return 0; }
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		uri=$(awk -v s="$suite" '$1 == "deb" {i = 2; if ($2 ~ /^\[/) while ($i !~ /\]$/) i++; if ($2 ~ /^\[/) i++; if ($(i + 1) == s) {print $i; exit}}' "$f")
		[ -n "$uri" ] && { echo "$uri"; return 0; }
	done
	return 1
}

mkdir -p "$root"
if [ "${CI:-}" != true ] && [ -f "$cache" ]; then
	log "the $suite root from $cache"
	tar -C "$root" -xf "$cache"
else
	m=$(mirror) || fail "no deb source for $suite in /etc/apt: cannot tell which mirror to use"
	log "debootstrap --variant=minbase $suite from this machine's apt mirror"
	start=$(date +%s)
	if ! debootstrap --variant=minbase "$suite" "$root" "$m" >"$work/debootstrap.log" 2>&1; then
		tail -n 20 "$work/debootstrap.log" >&2
		fail "debootstrap failed (its log is above)"
	fi
	log "made in $(($(date +%s) - start)) s"
	if [ "${CI:-}" != true ]; then
		mkdir -p "$(dirname "$cache")"
		tar -C "$root" -cf "$cache.tmp" . && mv "$cache.tmp" "$cache"
	fi
fi

log "the checkout, as git archive"
mkdir -p "$root/root/zunfs"
rev=$(git -C "$top" stash create 2>/dev/null || true)
git -C "$top" archive --format=tar "${rev:-HEAD}" | tar -C "$root/root/zunfs" -xf -

# What the machine gives every program: names, and no service starts
# inside a root that is not booted (the usual policy-rc.d of a chroot).
cp /etc/resolv.conf "$root/etc/resolv.conf"
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
for dev in null zero full random urandom tty fuse; do
	[ -e "$root/dev/$dev" ] || touch "$root/dev/$dev"
	mount --bind "/dev/$dev" "$root/dev/$dev"
done
mkdir -p "$root/run"
touch "$root/run/docker.sock"
mount --bind "$sock" "$root/run/docker.sock"

inside() { # COMMAND: a login shell's clean environment, in the made root
	chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		/bin/bash -c "$1"
}

log "1. the README's run command: scripts/run /mnt/zunfs"
for pkg in meson docker.io libcmocka-dev; do
	inside "dpkg-query -W -f='\${Status}' $pkg 2>/dev/null | grep -q 'install ok installed'" &&
		fail "the made root already has $pkg: not a fresh machine"
done
ok
start=$(date +%s)
if ! inside 'cd /root/zunfs && scripts/run /mnt/zunfs' >"$work/run.log" 2>&1; then
	cat "$work/run.log" >&2
	fail "scripts/run failed on a fresh root"
fi
log "mounted in $(($(date +%s) - start)) s"
mountpoint -q "$root/mnt/zunfs" || { cat "$work/run.log" >&2; fail "scripts/run returned 0 but /mnt/zunfs is not mounted"; }
ok
inside 'dpkg-query -W libcmocka-dev 2>/dev/null | grep -q .' && fail "the run path installed the test package libcmocka-dev"
ok

log "a set-up step that fails says its tool's words and what to do"
out=$(inside 'cd /root/zunfs && scripts/build --tests' 2>&1) && fail "tests built without cmocka"
[[ $out == *"Dependency \"cmocka\" not found"* && $out == *"scripts/deps installs"* ]] ||
	fail "scripts/build --tests without cmocka said: $out"
ok
out=$(inside 'cd /root/zunfs && scripts/run /mnt/other -o docker=unix:///nowhere.sock' 2>&1) && fail "scripts/run mounted with no engine"
[[ $out == *"/nowhere.sock"* && $out == *"does not answer"* && $out == *"-o docker=URL"* ]] ||
	fail "scripts/run with no engine said: $out"
ok

log "2. a container through the mount"
cat >"$root/root/hello.yaml" <<'YAML'
image: busybox
command: [sh, -c, "trap 'exit 0' TERM; while :; do sleep 0.2; done"]
YAML
inside 'set -e
	cd /mnt/zunfs
	mkdir containers/hello
	cp /root/hello.yaml containers/hello/spec.yaml
	timeout 60 cat containers/hello/until/Running' >"$work/hello.log" 2>&1 || { cat "$work/hello.log" >&2; fail "the container did not run"; }
grep -qx Running "$work/hello.log" || fail "until/Running read '$(cat "$work/hello.log")'"
ok
id=$(inside 'cat /mnt/zunfs/containers/hello/inspect.json' | sed -n 's/.*"container_id": "\([0-9a-f]*\)".*/\1/p')
[ "$(docker inspect -f '{{.State.Running}}' "$id" 2>/dev/null)" = true ] || fail "the engine does not run container '$id'"
ok
inside 'command -v zunfs && zunfs --version && test -f /usr/local/share/man/man1/zunfs.1 &&
	ls /usr/local/share/bash-completion/completions/zunfs && ls /lib/systemd/system/zunfs@.service /usr/local/lib/systemd/system/zunfs@.service 2>/dev/null | grep -q .' \
	>"$work/installed.log" 2>&1 || { cat "$work/installed.log" >&2; fail "zunfs, its manual, completion or unit is not installed"; }
ok
inside 'rmdir /mnt/zunfs/containers/hello'
for _ in $(seq 1 300); do docker inspect "$id" >/dev/null 2>&1 || break; sleep 0.1; done
docker inspect "$id" >/dev/null 2>&1 && fail "rmdir did not remove the engine container"
ok

log "3. the test command's packages: unit tests and an integration test in the fresh root"
start=$(date +%s)
if ! inside 'cd /root/zunfs && scripts/deps && scripts/build --tests >/dev/null &&
	meson test -C build --suite unit --print-errorlogs &&
	DOCKER_HOST=unix:///run/docker.sock tests/integration/run.sh build test_mount test_ctl' >"$work/tests.log" 2>&1; then
	tail -n 40 "$work/tests.log" >&2
	fail "the tests do not build or pass in the fresh root"
fi
log "in $(($(date +%s) - start)) s: $(grep -E '^(Ok|Fail):' "$work/tests.log" | tr '\n' ' ')$(tail -n 1 "$work/tests.log")"
ok

log "4. unmount"
pid=$(root_pids | while read -r p; do [ "$(cat "/proc/$p/comm" 2>/dev/null)" = zunfs ] && echo "$p"; done | head -n 1)
[ -n "$pid" ] || fail "no zunfs daemon runs in the made root"
inside 'fusermount3 -u /mnt/zunfs' || fail "fusermount3 -u failed"
for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && fail "zunfs (pid $pid) still runs 10 s after its unmount"
ok
