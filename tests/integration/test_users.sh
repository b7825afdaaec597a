#!/usr/bin/env bash
# Two users and root with allow_other, with and without default_permissions:
# every file and action of another user's object is denied (as absent), and
# so is every reference from one object to another (a volume, a sandbox, a
# capsule's volume, a member, a containers/CAPSULE.CNAME link); root may do
# and name anything.
. "$(dirname "$0")/lib.sh"
chmod 755 "$T"
A=4242 # alice
B=4343 # bob
as() { setpriv --reuid="$1" --regid="$1" --clear-groups "${@:2}"; }
DENIED=0
ALLOWED=0
# denied: the command fails as if the object did not exist
denied() { # WHAT UID CMD...
	local what=$1 out
	shift
	if out=$(as "$@" 2>&1); then
		fail "$what: uid $1 was allowed: $*"
	fi
	[[ $out == *"No such file"* || $out == *"nonexistent"* || $out == *"Invalid argument"* ]] ||
		fail "$what: uid $1 refused for another reason: $out"
	DENIED=$((DENIED + 1))
	ok
}
allowed() { # WHAT UID CMD...
	local what=$1 out
	shift
	out=$(as "$@" 2>&1) || fail "$what: uid $1 was refused: $out"
	ALLOWED=$((ALLOWED + 1))
	ok
}
# writes stdin as uid's spec.yaml: close() must refuse it (EINVAL, as for a
# name that does not exist), or take it
spec_refused() { # WHAT UID FILE
	local out
	out=$(as "$2" "$ZF_TESTTOOL" write "$3" 2>&1 || true)
	[ "$out" = "close: EINVAL" ] || fail "$1: uid $2 got '$out', not close: EINVAL"
	DENIED=$((DENIED + 1))
	ok
}
spec_taken() { # WHAT UID FILE
	local out
	out=$(as "$2" "$ZF_TESTTOOL" write "$3" 2>&1 || true)
	[ "$out" = ok ] || fail "$1: uid $2 got '$out', not ok"
	ALLOWED=$((ALLOWED + 1))
	ok
}

for perms in "" default_permissions; do
	log "== allow_other${perms:+,$perms}"
	mount_zunfs -o "allow_other${perms:+,$perms}"
	M=$MNT
	# each user's objects: a running container, a sandbox, a volume, a capsule
	for u in $A $B 0; do
		n=u$u
		as $u mkdir "$M/volumes/v$n" "$M/sandboxes/s$n" "$M/containers/c$n" "$M/capsules/p$n"
		echo 'driver: local' | as $u "$ZF_TESTTOOL" write "$M/volumes/v$n/spec.yaml" >/dev/null
		echo '{}' | as $u "$ZF_TESTTOOL" write "$M/sandboxes/s$n/spec.yaml" >/dev/null
		printf 'image: busybox\ncommand: [sh]\ntty: true\nstdin_open: true\n' | as $u "$ZF_TESTTOOL" write "$M/containers/c$n/spec.yaml" >/dev/null
		printf 'kind: capsule\nspec:\n  containers:\n  - {name: m, image: busybox, command: [sleep, "3600"]}\n' |
			as $u "$ZF_TESTTOOL" write "$M/capsules/p$n/spec.yaml" >/dev/null
		as $u timeout 60 cat "$M/containers/c$n/until/Running" "$M/capsules/p$n/until/Running" >/dev/null ||
			fail "uid $u's objects do not run"
	done
	# events: each user reads its own objects' changes (root all)
	as $A timeout 3 cat "$M/events" >"$T/ev.a" 2>/dev/null &
	ev_a=$!
	timeout 3 cat "$M/events" >"$T/ev.root" 2>/dev/null &
	ev_root=$!
	sleep 0.5
	as $B mkdir "$M/containers/evb"
	as $A mkdir "$M/containers/eva"
	wait $ev_a $ev_root || true
	grep -q "containers/eva " "$T/ev.a" || fail "uid $A does not read its own events"
	ok
	not grep -q "evb" "$T/ev.a" || fail "uid $A reads uid $B's events"
	DENIED=$((DENIED + 1))
	ok
	grep -q "containers/evb " "$T/ev.root" || fail "root does not read uid $B's events"
	ok
	as $B rmdir "$M/containers/evb"
	as $A rmdir "$M/containers/eva"
	for me in $A $B; do
		for other in $A $B 0; do
			[ "$other" = "$me" ] && continue
			o=u$other
			# listing
			for k in containers sandboxes volumes capsules; do
				as $me ls "$M/$k" | grep -q "$o" && fail "uid $me lists $k/*$o"
				ok
				DENIED=$((DENIED + 1))
			done
			as $me ls "$M/containers" | grep -q "p$o\\.m" && fail "uid $me lists the link p$o.m"
			# every file of another's container
			for f in spec.yaml status status_reason task_state inspect.json logs top stats; do
				denied "read containers/c$o/$f" $me cat "$M/containers/c$o/$f"
			done
			denied "stat" $me stat "$M/containers/c$o"
			denied "until/" $me cat "$M/containers/c$o/until/Running"
			denied "write spec" $me sh -c "echo 'image: busybox' > '$M/containers/c$o/spec.yaml'"
			denied "write ctl" $me sh -c "echo stop > '$M/containers/c$o/ctl'"
			denied "open tty" $me sh -c "echo hi > '$M/containers/c$o/tty'"
			denied "open exec" $me sh -c "exec 3<>'$M/containers/c$o/exec'"
			denied "rmdir" $me rmdir "$M/containers/c$o"
			denied "rmdir sandbox" $me rmdir "$M/sandboxes/s$o"
			denied "rmdir volume" $me rmdir "$M/volumes/v$o"
			denied "rmdir capsule" $me rmdir "$M/capsules/p$o"
			denied "data/" $me ls "$M/volumes/v$o/data"
			denied "a member's dir" $me cat "$M/capsules/p$o/containers/m/status"
			denied "the member link" $me stat "$M/containers/p$o.m"
			denied "add a member" $me mkdir "$M/capsules/p$o/containers/x"
			# references from my objects to another's
			as $me mkdir "$M/containers/r$me$o" "$M/sandboxes/r$me$o" "$M/capsules/r$me$o"
			spec_refused "volumeMounts: v$o" $me "$M/containers/r$me$o/spec.yaml" <<<"image: busybox
volumeMounts: [{name: v$o, mountPath: /v}]"
			assert_match "$(as $me cat "$M/containers/r$me$o/status_reason")" "no volume named 'v$o'" "said as if absent"
			spec_refused "sandbox: s$o" $me "$M/containers/r$me$o/spec.yaml" <<<"image: busybox
sandbox: s$o"
			assert_match "$(as $me cat "$M/containers/r$me$o/status_reason")" "no sandbox named 's$o'" "said as if absent"
			spec_refused "a sandbox's volumes: v$o" $me "$M/sandboxes/r$me$o/spec.yaml" <<<"volumes: [{name: v$o, mountPath: /v}]"
			spec_refused "a capsule's volume: v$o" $me "$M/capsules/r$me$o/spec.yaml" <<<"kind: capsule
spec:
  containers:
  - {name: a, image: busybox, volumeMounts: [{name: x, mountPath: /x}]}
  volumes: [{name: x, volume: v$o}]"
			assert_eq "$(as $me cat "$M/containers/r$me$o/status") $(as $me cat "$M/capsules/r$me$o/status")" "Empty Empty" "nothing launched"
			as $me rmdir "$M/containers/r$me$o" "$M/sandboxes/r$me$o" "$M/capsules/r$me$o"
		done
	done
	# root may read, name and act on anyone's
	for o in u$A u$B; do
		allowed "root reads" 0 cat "$M/containers/c$o/status" "$M/capsules/p$o/containers/m/status"
		allowed "root sees the link" 0 readlink "$M/containers/p$o.m"
		mkdir "$M/containers/root$o"
		spec_taken "root names v$o" 0 "$M/containers/root$o/spec.yaml" <<<"image: busybox
volumeMounts: [{name: v$o, mountPath: /v}]
sandbox: s$o
$FOREVER"
		assert_eq "$(timeout 60 cat "$M/containers/root$o/until/Running")" Running "root's container with v$o in s$o runs"
		rmdir "$M/containers/root$o"
	done
	wait_for 30 bash -c "! ls '$M/containers' | grep -q '^rootu'"
	# users' own references work
	as $A mkdir "$M/containers/own"
	spec_taken "alice names her own" $A "$M/containers/own/spec.yaml" <<<"image: busybox
volumeMounts: [{name: vu$A, mountPath: /v}]
sandbox: su$A
$FOREVER"
	as $A rmdir "$M/containers/own"
	for u in $A $B 0; do
		as $u rmdir "$M/containers/cu$u" "$M/capsules/pu$u"
	done
	wait_for 30 bash -c "! ls '$M/containers' | grep -q ."
	for u in $A $B 0; do as $u rmdir "$M/sandboxes/su$u" "$M/volumes/vu$u"; done
	unmount_zunfs
done
log "cross-user matrix: $DENIED denied, $ALLOWED allowed for root"
