#!/usr/bin/env bash
# meson install puts what a FUSE filesystem installs where the system looks:
# zunfs, its manual (man zunfs), bash completion and the systemd unit.
. "$(dirname "$0")/lib.sh"
build=$(dirname "$ZUNFS_BIN")
dest=$T/dest
meson install -C "$build" --no-rebuild --destdir "$dest" >"$T/install.log" 2>&1 ||
	{ cat "$T/install.log" >&2; fail "meson install"; }
prefix=$(meson introspect "$build" --buildoptions | jq -r '.[] | select(.name == "prefix") | .value')
mandir=$(meson introspect "$build" --buildoptions | jq -r '.[] | select(.name == "mandir") | .value')

bin=$dest$prefix/bin/zunfs
[ -x "$bin" ] || fail "no $bin"
ok
assert_match "$("$bin" --version)" "^zunfs [0-9]" "the installed zunfs runs"
assert_match "$("$bin" --help)" "mount -t fuse.zunfs SOURCE MOUNTPOINT" "--help shows the mount(8) form"

page=$dest$prefix/$mandir/man1/zunfs.1
[ -f "$page" ] || fail "no manual at $page"
ok
# man finds it by name once its directory is on MANPATH, as /usr/local/share/man is
assert_eq "$(MANPATH=$dest$prefix/$mandir man -w zunfs)" "$page" "man -w zunfs"
text=$(MANPATH=$dest$prefix/$mandir MANWIDTH=100 man zunfs 2>&1)
assert_match "$text" "ZUNFS\(1\) +User Commands" "the page's header"
assert_match "$text" "zunfs - container management as a FUSE filesystem" "NAME"
assert_match "$text" "MOUNTING AT BOOT" "the fstab and systemd section"
# markdown that go-md2man does not know would show as stray marks
[[ "$text" != *'\'$'\n'* && "$text" != *'**'* ]] || fail "markdown left in the rendered page"
ok

comp=$(find "$dest" -path '*bash-completion/completions/zunfs')
[ -n "$comp" ] || fail "no bash completion installed"
ok
complete_words() { # WORDS...: what the completion offers for the last word
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _zunfs; printf "%s\n" "${COMPREPLY[@]}"' _ "$comp" "$@"
}
assert_eq "$(complete_words zunfs -o doc)" "docker=" "-o doc completes docker="
assert_match "$(complete_words zunfs -o docker=u)" "^docker=unix:///var/run/docker.sock" "and its usual value"
assert_eq "$(complete_words zunfs -o max_)" $'max_objects=\nmax_sessions=\nmax_threads=' "the per-user caps"
assert_match "$(complete_words zunfs -o state=/tmp,sand)" "state=/tmp,sandbox=per-container" "the last of a comma list"
assert_match "$(complete_words zunfs att)" "^attach" "the attach subcommand"
assert_eq "$(complete_words zunfs attach --det)" "--detach-keys" "attach's options"
mkdir -p "$T/c/containers/web"
assert_eq "$(cd "$T/c" && complete_words zunfs attach containers/w)" "containers/web" "attach completes object directories"

unit=$(find "$dest" -name 'zunfs@.service')
[ -n "$unit" ] || fail "no zunfs@.service installed"
ok
assert_match "$(grep '^ExecStart=' "$unit")" "^ExecStart=$prefix/bin/zunfs -f " "the unit runs the installed zunfs in the foreground"
# offline: the unit's syntax and its commands' paths (docker.service may be absent here)
out=$(cd "$T" && cp "$unit" "$T/zunfs@mnt-zunfs.service" && MANPATH=$dest$prefix/$mandir systemd-analyze verify "$T/zunfs@mnt-zunfs.service" 2>&1 | grep -v -e 'docker.service' -e 'containerd.service' -e "$prefix/bin/zunfs" || true)
[ -z "$out" ] || fail "systemd-analyze verify: $out"
ok
