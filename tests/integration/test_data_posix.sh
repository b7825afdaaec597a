#!/usr/bin/env bash
# volumes/NAME/data/ against the host's own file system: one script of file
# system calls (zf-testtool fsops) run in data/ and in a directory of the
# host on the same file system, as the volume's owner, as root and as a
# stranger, and the two outputs compared with diff. The differences zunfs
# means to have are the table of docs/data-posix.md, each with a name: a line
# tagged #NAME must give the table's result in data/ (and another one on the
# host); every other line must give the same in both.
. "$(dirname "$0")/lib.sh"
chmod 755 "$T" # other users must reach the mountpoint
mount_zunfs -o allow_other
DOC=$(dirname "$0")/../../docs/data-posix.md
OWNER=4242 GROUP=5000 STRANGER=4343
as_owner() { setpriv --reuid=$OWNER --regid=$OWNER --groups=$GROUP "$@"; }
as_stranger() { setpriv --reuid=$STRANGER --regid=$STRANGER --clear-groups "$@"; }
as_root() { "$@"; }

as_owner mkdir "$MNT/volumes/v"
printf 'driver: local\n' | as_owner "$ZF_TESTTOOL" write "$MNT/volumes/v/spec.yaml" >/dev/null
assert_eq "$(as_owner timeout 30 cat "$MNT/volumes/v/until/Available")" "Available" "volume made"
D=$MNT/volumes/v/data
mp=$(jq -r .mountpoint "$MNT/volumes/v/inspect.json")
# the host's twin of data/: the same owner and mode, on the file system the
# volume is on (errors and link counts are the file system's own)
H=$T/host
mkdir "$H"
chown "$(stat -c %u:%g "$D")" "$H"
chmod "$(stat -c %a "$D")" "$H"
assert_eq "$(stat -f -c %T "$H")" "$(stat -f -c %T "$mp")" "the twin is on the volume's file system"
assert_eq "$(stat -c '%u:%g %a' "$H")" "$(stat -c '%u:%g %a' "$D")" "the twin is data/'s like"
assert_eq "$(stat -c %u "$D")" "$OWNER" "data/ is the owner's"

# phase ROLE: the script on stdin, in data/ and in the twin, as ROLE
# (the stranger cannot enter data/: the shell enters it first, as root)
n=0
phase() {
	local role=$1 script
	script=$(cat)
	n=$((n + 1))
	for side in data host; do
		local dir=$D
		[ $side = host ] && dir=$H
		echo "## phase $n as ${role#as_}" >>"$T/out.$side"
		(cd "$dir" && printf '%s\n' "$script" | $role "$ZF_TESTTOOL" fsops) >>"$T/out.$side" ||
			fail "phase $n: the script has a line fsops cannot read"
	done
}

N255=$(printf 'a%.0s' $(seq 255))
# 1. the owner: modes under each umask, the calls' errors, links, renames
phase as_owner <<EOF
umask 000
create f000 0666
mkdir d000 0777
mknod fifo000 fifo 0666
mknod reg000 reg 0666
bind sock000
umask 022
create f022 0666
mkdir d022 0777
mknod fifo022 fifo 0666
bind sock022
umask 077
create f077 0666
mkdir d077 0777
mknod fifo077 fifo 0666
bind sock077
umask 022
stat f000
stat d000
stat fifo000
stat reg000
stat sock000
stat f022
stat d022
stat fifo022
stat sock022
stat f077
stat d077
stat fifo077
stat sock077
create f022 0666
mkdir d022 0777
mknod fifo022 fifo 0666
mknod dev chr 0666
symlink f022 f022
create d000/inner 0640
stat d000/inner
rmdir d000
unlink d000
rmdir f000
unlink d000/inner
rmdir d000
chmod f022 0640
stat f022
chmod f022 04755
stat f022
chmod f022 02755
stat f022
chown f022 -1 5000
stat f022
chown f022 -1 6000
chown f022 4343 -1
chown f022 4242 4242
chmod f022 0644
write f022 hello
cat f022
stat f022
truncate f022 2
cat f022
ftruncate f022 8
stat f022
open f022 wt
stat f022
fallocate f022 0 4096
stat f022
fallocate f022 0 8192 keep
stat f022
fallocate f022 0 1024 punch
stat f022
write f022 tail
stat f022
utimens f022 1000000000 123456789 1200000000 987654321
times f022
utimens f022 0 omit 1300000000 0
times f022
open nothere r
open d022 w
open fifo022 r
write fifo022 x
symlink f022 ln
readlink ln
stat ln
readlink f022
symlink nowhere dangling
readlink dangling
cat dangling
utimens ln 1000000000 0 1100000000 0 nofollow
times ln
chmod ln 0600
stat f022
chmod f022 0644
mkdir hl 0755
create hl/src 0644
link hl/src hl/dst #hardlink
mkdir a 0755
mkdir a/b 0755
create a/b/f 0644
create x 0644
create y 0644
write x X
write y Y
rename x y
cat y
rename y a
rename a y
mkdir e 0755
rename e a
mkdir e2 0755
rename e e2
rename a a/b/c
rename y z noreplace
rename z f022 noreplace
rename z f022 exchange
cat z
cat f022
rename f022 z
rename nothere q
rename d077 a/b/moved
stat a/b/moved
rmdir a
unlink a/b
ls .
ls a/b
create $N255 0644
create ${N255}a 0644
setxattr z user.note hello #xattr
getxattr z user.note #xattr
listxattr z #xattr
removexattr z user.note #xattr
access z w
access z x
access z r
access a x
access . w
access nothere r
chmod . 0700
stat .
utimens . 1000000000 0 1000000000 0
times .
chmod . 0755
EOF
# 1b. a directory with a default ACL: it decides the modes, not the umask
phase as_owner <<'EOF'
mkdir acl 0755
EOF
for dir in "$mp" "$H"; do
	(cd "$dir" && echo 'defacl acl' | "$ZF_TESTTOOL" fsops) >/dev/null
done
phase as_owner <<'EOF'
umask 077
create acl/f 0666
mkdir acl/d 0777
mknod acl/p fifo 0666
bind acl/s
create acl/d/f 0666
create f077b 0666
stat acl/f
stat acl/d
stat acl/p
stat acl/s
stat acl/d/f
stat f077b
EOF
# 2. root: set-ID files the owner may write, a sticky and a set-group-ID directory
phase as_root <<'EOF'
umask 022
create rootfile 0644
write rootfile R
create s_write 0644
chmod s_write 06777
create s_gid 0644
chmod s_gid 02777
create s_gid_nox 0644
chmod s_gid_nox 02767
create s_trunc 0644
chmod s_trunc 06777
create s_ftrunc 0644
chmod s_ftrunc 06777
create s_otrunc 0644
chmod s_otrunc 06777
create s_falloc 0644
chmod s_falloc 06777
create s_chmod 0644
chmod s_chmod 04777
create s_chmod2 0644
chmod s_chmod2 06777
create s_ro 0644
chmod s_ro 04755
create s_root 0644
chmod s_root 06777
write s_root x
stat s_root
mkdir sticky 0755
chmod sticky 01777
stat sticky
create sticky/rf 0666
chmod sticky/rf 0666
mkdir sgid 0755
chown sgid 0 5000
chmod sgid 02777
stat sgid
access rootfile x
access s_root x
access sticky w
mknod rdev chr 0666 #devices
mknod rfifo fifo 0600
stat rfifo
setxattr rootfile trusted.t 1 #xattr
link rootfile hl/rhl #hardlink
chown z 0 0
stat z
chown z 4242 4242
chmod . 0750
stat .
chmod . 0755
EOF
# 3. the owner, on root's files: set-ID bits cleared by a write (the host's own rule)
phase as_owner <<'EOF'
write s_write x
stat s_write
truncate s_trunc 1
stat s_trunc
ftruncate s_ftrunc 1
stat s_ftrunc
open s_otrunc wt
stat s_otrunc
fallocate s_falloc 0 4096
stat s_falloc
write s_gid x
stat s_gid
write s_gid_nox x
stat s_gid_nox
chmod s_chmod 0777 #setid-chmod
chmod s_chmod2 06770
chmod s_chmod2 04775
chmod s_chmod2 07777
chmod s_chmod2 0755
chmod s_ro 0755
open rfifo r #special-perms
chmod rootfile 0600
write rootfile x
chown rootfile 4242 -1
unlink sticky/rf
rename sticky/rf sticky/mine
create sticky/mine 0600
unlink sticky/mine
create sgid/f 0666
stat sgid/f
mkdir sgid/d 0777
stat sgid/d
create own 0644
chmod own 06755
stat own
write own x
stat own
EOF
# 4. the deep end: 16 directories of 250 bytes below deep/ still make a
# path below data/ shorter than PATH_MAX; the 17th does not
deep=$(for i in $(seq 1 16); do
	printf 'mkdir %0250d 0755\nchdir %0250d\n' "$i" "$i"
done)
phase as_owner <<EOF
mkdir deep 0755
chdir deep
$deep
create f 0644
stat f
mkdir $(printf '%0250d' 17) 0755 #deep-paths
EOF
# 5. a stranger: data/ is not theirs to see (on the host, its modes say)
phase as_stranger <<'EOF'
stat z #hidden
cat rootfile #hidden
create mine 0644 #hidden
ls . #hidden
EOF

# The documented differences: | `NAME` | `RESULT IN data/` | why |
declare -A documented used
while IFS='|' read -r _ name result _; do
	name=$(echo "$name" | tr -d ' `')
	result=$(echo "$result" | sed 's/^ *`//; s/` *$//')
	documented[$name]=$result
done < <(grep -E '^\| `[a-z-]+` \| `' "$DOC")
[ ${#documented[@]} -gt 0 ] || fail "no table of differences in $DOC"
# libfuse from 3.17.1 passes FUSE_CAP_HANDLE_KILLPRIV on, and then a
# non-owner's chmod is refused as on the host (the entry's own words)
fusever=$("$ZUNFS_BIN" --version | sed -n 's/^FUSE library //p')
newfuse=0
! printf '3.17.1\n%s\n' "$fusever" | sort -V -C || newfuse=1

# Each tagged line: the documented result in data/, another on the host;
# such a pair is made alike, so that diff shows only what is not documented
# (a tagged line that is not as documented shows too, with its entry).
: >"$T/cmp.data"
: >"$T/cmp.host"
exec 3<"$T/out.host"
while IFS= read -r dline; do
	IFS= read -r hline <&3 || fail "the host's output is shorter"
	cmd=${dline% -> *}
	[ "$cmd" = "${hline% -> *}" ] || fail "the outputs are out of step: '$dline' / '$hline'"
	tag=$(echo "$cmd" | sed -n 's/.*#\([a-z-]*\).*/\1/p')
	if [ -n "$tag" ] && ! { [ "$tag" = setid-chmod ] && [ $newfuse = 1 ]; }; then
		[ -n "${documented[$tag]+x}" ] || fail "#$tag is not in $DOC"
		used[$tag]=1
		want=${documented[$tag]}
		if [ "${dline##* -> }" = "$want" ] && [ "${hline##* -> }" != "$want" ]; then
			ok
			dline="$cmd -> (#$tag)"
			hline=$dline
		else
			dline="$dline (documented: $want in data/, something else on the host)"
		fi
	fi
	echo "$dline" >>"$T/cmp.data"
	echo "$hline" >>"$T/cmp.host"
done <"$T/out.data"
! IFS= read -r hline <&3 || fail "the host's output is longer"
exec 3<&-
for tag in "${!documented[@]}"; do
	[ -n "${used[$tag]+x}" ] || [ "$tag" = setid-chmod ] ||
		fail "$DOC lists #$tag, which this test never shows"
done
if ! diff -u "$T/cmp.host" "$T/cmp.data" >"$T/diff"; then
	cat "$T/diff" >&2
	fail "data/ and the host differ where $DOC says nothing (- host, + data/)"
fi
ok
log "$(grep -c . "$T/out.data") lines alike but for ${#used[@]} documented differences"

rm -rf "$H"
rm -rf "${mp:?}"/* # the deep end is deeper than data/ can reach
as_owner rmdir "$MNT/volumes/v"
unmount_zunfs
