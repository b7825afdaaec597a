#!/usr/bin/env bash
# zunfs attach in a real terminal (tmux): a shell, vi, window size, ctrl-c,
# detach with ctrl-p ctrl-q and re-attach, --exec, and the end of a container.
. "$(dirname "$0")/lib.sh"
mount_zunfs
C=$MNT/containers
TMUX_SOCK=zunfs-test-$$
tm() { tmux -L "$TMUX_SOCK" "$@"; }
at_exit 'tm kill-server 2>/dev/null'
screen() { tm capture-pane -p -t "$1"; }
# waits until the pane shows REGEX
shows() { # PANE REGEX
	local i
	for ((i = 0; i < 100; i++)); do
		screen "$1" | grep -Eq "$2" && { ok; return 0; }
		sleep 0.1
	done
	screen "$1" >&2
	fail "pane $1 never showed /$2/"
}

mkdir "$C/sh"
printf 'image: busybox\ncommand: [sh]\ntty: true\nstdin_open: true\n' | put_spec containers/sh >/dev/null
timeout 30 cat "$C/sh/until/Running" >/dev/null

tm new-session -d -s a -x 100 -y 30 "$ZUNFS_BIN attach $C/sh"
tm set-option -t a remain-on-exit on
sleep 0.5
tm send-keys -t a 'echo hello-$((6*7))' Enter
shows a '^hello-42'
ok
assert_eq "$(jq .attached "$C/sh/inspect.json")" "1" "attached while zunfs attach runs"
# the window size reached the container's tty, and follows a resize
tm send-keys -t a 'stty size' Enter
shows a '^30 100'
tm resize-window -t a -x 120 -y 40
sleep 0.5
tm send-keys -t a 'clear; stty size' Enter
shows a '^40 120'
ok

# a full-screen program
tm send-keys -t a 'vi /tmp/note' Enter
shows a '^~'
tm send-keys -t a 'i' 'written in vi' Escape
# apart: busybox vi reads an ESC followed at once by ':' as one key (Alt-:)
sleep 0.5
tm send-keys -t a ':wq' Enter
shows a '^/ # ?$' # the prompt alone (capture-pane drops trailing blanks)
assert_eq "$(docker exec "$(engine_id_of sh)" cat /tmp/note)" "written in vi" "vi saved the file"

# ctrl-c reaches the foreground process
tm send-keys -t a 'clear; sleep 100; echo not-interrupted' Enter
sleep 0.5
tm send-keys -t a C-c
tm send-keys -t a 'echo interrupted-ok' Enter
shows a '^interrupted-ok'
screen a | grep -q '^not-interrupted' && fail "ctrl-c did not reach sleep"
ok

# detach: ctrl-p ctrl-q; the container keeps running
tm send-keys -t a C-p C-q
shows a 'detached from sh; it keeps running'
assert_eq "$(cat "$C/sh/status")" "Running" "running after detach"
wait_for 5 bash -c "[ \"\$(jq .attached '$C/sh/inspect.json')\" = 0 ]"

# re-attach, with other detach keys
tm new-session -d -s b -x 80 -y 24 "$ZUNFS_BIN attach --detach-keys ctrl-a,d $C/sh"
tm set-option -t b remain-on-exit on
sleep 0.5
tm send-keys -t b 'echo back-again' Enter
shows b '^back-again'
# ctrl-p ctrl-q reach the shell (ctrl-p recalls its last line: ctrl-u clears it)
tm send-keys -t b C-p C-q C-u 'echo keys-went-through' Enter
shows b '^keys-went-through'
tm send-keys -t b C-a d
shows b 'detached from sh'

# --exec: a shell of its own, with a tty, beside the container's
tm new-session -d -s c -x 80 -y 24 "$ZUNFS_BIN attach --exec sh $C/sh"
tm set-option -t c remain-on-exit on
sleep 0.5
tm send-keys -t c 'tty; echo pid-$$' Enter
shows c '^/dev/pts/'
screen c | grep -q '^pid-1$' && fail "--exec got the container's own shell"
ok
tm send-keys -t c 'exit' Enter
shows c 'sh in sh ended'

# the container ends while attached: a clear message
tm new-session -d -s d -x 80 -y 24 "$ZUNFS_BIN attach $C/sh"
tm set-option -t d remain-on-exit on
sleep 0.5
tm send-keys -t d 'exit' Enter
shows d "sh's output ended; it is (Stopped|Running)"
wait_for 5 status_is sh Stopped
# attaching to a stopped container says why
out=$("$ZUNFS_BIN" attach "$C/sh" </dev/null 2>&1 || true)
assert_match "$out" "Device or resource busy; the container is Stopped" "attach to a stopped container"
assert_match "$("$ZUNFS_BIN" attach --help)" "usage: zunfs attach" "attach --help"
tm kill-server 2>/dev/null || true
unmount_zunfs
