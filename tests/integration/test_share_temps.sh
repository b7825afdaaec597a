#!/usr/bin/env bash
# Temp files (spec.yaml replacements) are shared fairly (issue 19, item 6):
# a user holds at most 64 (EDQUOT past that), the users together at most
# 192 of the mount's 256 (ENOSPC past that), and root's share stays free, so
# another user's and root's `sed -i` work while users hold all theirs.
. "$(dirname "$0")/lib.sh"
chmod 755 "$T"
mount_zunfs -o allow_other
C=$MNT/containers
as() { setpriv --reuid="$1" --regid="$1" --clear-groups "${@:2}"; }
A=4242 B=4343 D=4545 E=4646

# makes temp files in DIR as uid U until one is refused: prints how many
# were made and the refusal's words
hoard() { # U DIR
	as "$1" bash -c 'i=0; while out=$( { : >"$1/zt$i"; } 2>&1); do i=$((i + 1)); [ $i -le 300 ] || break; done; echo "$i ${out##*: }"' _ "$2"
}

spec() { printf 'image: busybox\ncommand: [sleep, "%s"]\n' "$1"; }
for u in $A $B $D $E 0; do
	as $u mkdir "$C/c$u"
done
spec 3600 | as $B "$ZF_TESTTOOL" write "$C/c$B/spec.yaml" >/dev/null
spec 3600 | "$ZF_TESTTOOL" write "$C/c0/spec.yaml" >/dev/null
timeout 60 cat "$C/c$B/until/Running" "$C/c0/until/Running" >/dev/null

# user A takes their share: 64, then EDQUOT
assert_eq "$(hoard $A "$C/c$A")" "64 Disk quota exceeded" "user A stops at their cap"
# B's and root's sed -i still work
as $B sed -i 's/3600/3601/' "$C/c$B/spec.yaml"
assert_match "$(as $B cat "$C/c$B/spec.yaml")" "3601" "B's sed -i while A holds their cap"
timeout 60 cat "$C/c$B/until/Running" >/dev/null
sed -i 's/3600/3601/' "$C/c0/spec.yaml"
assert_match "$(cat "$C/c0/spec.yaml")" "3601" "root's sed -i while A holds their cap"
timeout 60 cat "$C/c0/until/Running" >/dev/null

# the users together: B and D take theirs, then E finds the users' share gone
assert_eq "$(hoard $B "$C/c$B")" "64 Disk quota exceeded" "user B stops at their cap"
assert_eq "$(hoard $D "$C/c$D")" "64 Disk quota exceeded" "user D stops at their cap"
assert_eq "$(hoard $E "$C/c$E")" "0 No space left on device" "the users' share of the mount is used up"
# root's share is free: its sed -i works, and root has a cap of its own
sed -i 's/3601/3602/' "$C/c0/spec.yaml"
assert_match "$(cat "$C/c0/spec.yaml")" "3602" "root's sed -i while the users hold all theirs"
assert_eq "$(hoard 0 "$C/c0")" "64 Disk quota exceeded" "root stops at its own cap"
rm -f "$C/c0"/zt*

# given back at rmdir: E gets some once A's object goes
as $A rmdir "$C/c$A"
as $E bash -c ": >'$C/c$E/x'" || fail "E makes a temp file once A's went"
ok
unmount_zunfs
