#!/usr/bin/env bash
# Applies every Pod or Zun capsule file of tests/corpus/pods/ as a capsule
# and checks the outcome its "# expect:" line gives (tests/README.md):
#   # expect: STATUS [TEXT]   accepted, the capsule settles at STATUS
#                             (Running, Finished, Failed), status_reason has TEXT
#   # expect: ERRNO [TEXT]    close() of spec.yaml fails with ERRNO (EINVAL,
#                             EPERM, EOPNOTSUPP, ...), status_reason has TEXT
. "$(dirname "$0")/lib.sh"
mount_zunfs
K=$MNT/capsules
corpus=$(cd "$(dirname "$0")/../corpus/pods" && pwd)
n=0
for f in "$corpus"/*.yaml; do
	base=$(basename "$f" .yaml)
	expect=$(sed -n 's/^# expect: *//p' "$f" | head -n 1)
	[ -n "$expect" ] || fail "$base: no '# expect:' line"
	word=${expect%% *}
	text=""
	[ "$word" = "$expect" ] || text=${expect#* }
	name="c-$base"
	mkdir "$K/$name"
	got=$("$ZF_TESTTOOL" write "$K/$name/spec.yaml" <"$f" || true)
	case $word in
	E[A-Z]*)
		assert_eq "$got" "close: $word" "$base: refused with $word"
		assert_eq "$(cat "$K/$name/status")" Empty "$base: nothing launched"
		;;
	*)
		assert_eq "$got" ok "$base: accepted"
		for _ in $(seq 1 1200); do
			[ "$(cat "$K/$name/status")" = "$word" ] && break
			sleep 0.1
		done
		assert_eq "$(cat "$K/$name/status")" "$word" \
			"$base: status ($(cat "$K/$name/status_reason"))"
		;;
	esac
	if [ -n "$text" ]; then
		reason=$(cat "$K/$name/status_reason")
		case $reason in
		*"$text"*) ok ;;
		*) fail "$base: status_reason '$reason' does not have '$text'" ;;
		esac
	fi
	rmdir "$K/$name"
	n=$((n + 1))
done
[ "$n" -gt 0 ] || fail "no corpus files"
unmount_zunfs
echo "ok: $n files, $CHECKS checks"
