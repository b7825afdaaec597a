#!/usr/bin/env bash
# A directory of data/ swapped for a symbolic link (issue 19, 2): the owner
# holds a directory of their volume's data/ (their working directory, a
# descriptor open on it); their container replaces it with
# a link to another user's volume (../../OTHER/_data, or an absolute path).
# Through what they hold, nothing of the other volume is read or listed and
# nothing is made there: the link is not followed by zunfs. (The container's
# side is played on the host, in the volume's directory.)
. "$(dirname "$0")/lib.sh"
chmod 755 "$T"
mount_zunfs -o allow_other
A=4242 B=4343
as() { setpriv --reuid="$1" --regid="$1" --clear-groups "${@:2}"; }
V=$MNT/volumes

for u in $A $B; do
	as $u mkdir "$V/v$u"
	printf 'driver: local\n' | as $u "$ZF_TESTTOOL" write "$V/v$u/spec.yaml" >/dev/null
	assert_eq "$(as $u timeout 30 cat "$V/v$u/until/Available")" Available "uid $u's volume"
done
mpa=$(jq -r .mountpoint "$V/v$A/inspect.json")
mpb=$(jq -r .mountpoint "$V/v$B/inspect.json")
echo "bob's secret" | as $B tee "$V/v$B/data/secret.txt" >/dev/null
as $B mkdir "$V/v$B/data/sub"
echo "bob's other secret" | as $B tee "$V/v$B/data/sub/deep.txt" >/dev/null

# each way to name the other volume from inside alice's: relative, absolute
n=0
for target in "../../$(basename "$(dirname "$mpb")")/_data" "$mpb"; do
	n=$((n + 1))
	log "the directory swapped for a link to $target"
	as $A mkdir "$V/v$A/data/d$n"
	# alice's side: enter d (a descriptor held on it), wait for the swap, then use it
	as $A "$ZF_TESTTOOL" heldat "$V/v$A/data/d$n" "$T/go$n" >"$T/alice$n.out" 2>&1 <<-'EOF' &
	cat secret.txt
	cat sub/deep.txt
	ls .
	ls sub
	stat secret.txt
	create planted 0644
	mkdir sub/planted 0755
	rename secret.txt stolen
	symlink x sub/link
	unlink sub/deep.txt
	EOF
	alice=$!
	sleep 1
	mv "$mpa/d$n" "$mpa/d$n.was"
	ln -s "$target" "$mpa/d$n"
	touch "$T/go$n"
	wait $alice || fail "alice's calls: $(cat "$T/alice$n.out")"
	log "alice saw: $(tr '\n' '|' <"$T/alice$n.out")"
	not grep -q "bob's" "$T/alice$n.out" || fail "alice read bob's volume: $(cat "$T/alice$n.out")"
	ok
	not grep -q -- "-> ok" "$T/alice$n.out" || fail "alice reached bob's volume: $(cat "$T/alice$n.out")"
	ok
	assert_eq "$(ls -A "$mpb" | tr '\n' ' ')" "secret.txt sub " "bob's volume as it was"
	assert_eq "$(ls -A "$mpb/sub" | tr '\n' ' ')" "deep.txt " "bob's directory as it was"
	rm "$mpa/d$n"
done

as $A rm -rf "$V/v$A/data/"*
for u in $A $B; do as $u rmdir "$V/v$u"; done
unmount_zunfs
