#!/usr/bin/env bash
# zunfs attach in each of docker's four cases (tty x stdin_open), from a shell
# in a real terminal (tmux): the terminal raw only with a tty, the detach keys
# in every case with the shell's prompt back clean (no key typed during the
# attach replayed to it), and ctrl-c as docker attach has it: a key for a tty,
# SIGINT passed on to the container without one (--sig-proxy=false: ctrl-c
# leaves), and leaving when there is a tty but no stdin.
# Each case runs on its own (a subshell) so that all four report.
. "$(dirname "$0")/lib.sh"
mount_zunfs
C=$MNT/containers
TMUX_SOCK=zunfs-test-$$
tm() { tmux -L "$TMUX_SOCK" "$@"; }
at_exit 'tm kill-server 2>/dev/null'
# panes by exact session name: a bare "b" also matches the window "bash"
screen() { tm capture-pane -p -t "=$1:"; }
shows() { # PANE REGEX
	local i
	for ((i = 0; i < 100; i++)); do
		screen "$1" | grep -Eq -- "$2" && { ok; return 0; }
		sleep 0.1
	done
	screen "$1" >&2
	fail "pane $1 never showed /$2/"
}
not_shown() { # PANE REGEX WHAT
	if screen "$1" | grep -Eq -- "$2"; then
		screen "$1" >&2
		fail "$3: pane $1 shows /$2/"
	fi
	ok
}
# the local terminal's modes, as stty -a words (-icanon, isig, eol=^Q, ...)
term_has() { # PANE WORD...
	local words f
	words=$(stty -a -F "$(tm display -p -t "=$1:" '#{pane_tty}')" | sed 's/ = /=/g' | tr ' ;' '\n\n')
	shift
	for f; do grep -qxF -- "$f" <<<"$words" || return 1; done
}
attached() { [ "$(jq .attached "$C/$1/inspect.json")" = "$2" ]; }
# a shell in its own pane, where zunfs attach is typed as a user would
shell() { # PANE
	tm new-session -d -s "$1" -x 100 -y 30 \
		"env PS1='SH> ' Z='$ZUNFS_BIN' C='$C' bash --norc --noprofile"
	shows "$1" '^SH> ?$'
}
# types zunfs attach in PANE and waits until it has set the terminal to MODES
attach() { # PANE NAME "MODES" [OPTIONS...]
	local pane=$1 name=$2 modes=$3
	shift 3
	wait_for 5 attached "$name" 0
	tm send-keys -t "=$pane:" "clear; \$Z attach $* \$C/$name" Enter
	local i
	for ((i = 0; i < 50; i++)); do
		attached "$name" 1 && break
		sleep 0.1
	done
	attached "$name" 1 || { screen "$pane" >&2; fail "zunfs attach $* $name: not attached"; }
	# shellcheck disable=SC2086 # words
	wait_for 5 term_has "$pane" $modes
}
# the attach ended and the shell's prompt is back with nothing typed on it,
# then the exit status zunfs attach had
prompt_back() { # PANE EXIT
	shows "$1" '^SH> ?$'
	sleep 0.5 # time for keys left over to show up
	local last
	last=$(screen "$1" | sed '/^$/d' | tail -n 1)
	[[ "$last" =~ ^SH\>\ ?$ ]] || { screen "$1" >&2; fail "pane $1: the prompt line is '$last'"; }
	ok
	tm send-keys -t "=$1:" 'echo rc-$?' Enter
	shows "$1" "^rc-$2\$"
}
logs_count() { grep -c -- "$2" "$C/$1/logs" || true; } # NAME TEXT
new_container() { # NAME TTY STDIN_OPEN COMMAND
	mkdir "$C/$1"
	printf 'image: busybox\ncommand: %s\ntty: %s\nstdin_open: %s\n' "$4" "$2" "$3" |
		put_spec "containers/$1" >/dev/null
}

# a, b, c, d: tty/stdin_open false/true, true/false, true/true, false/false
TICK='[sh, -c, '\''trap "echo got-INT" INT; while :; do sleep 0.2; done'\'']'
new_container a true false "$TICK"
new_container b false true '[sh, -c, '\''trap "echo got-INT" INT; while :; do if read l; then echo "got:$l"; fi; done'\'']'
new_container c true true '[sh]'
new_container d false false "$TICK"
for n in a b c d; do timeout 30 cat "$C/$n/until/Running" >/dev/null; done
for n in a b c d; do shell "$n"; done

case_a() { # tty, no stdin: keys not echoed, signals kept; detach; ctrl-c leaves
	attach a a "-icanon -echo isig"
	tm send-keys -t =a: 'echo replayed-$((1+1))' Enter
	sleep 0.3
	not_shown a 'replayed' "keys typed with stdin closed are not echoed"
	tm send-keys -t =a: C-p C-q
	shows a 'detached from a; it keeps running'
	prompt_back a 0
	not_shown a '^replayed-2' "keys typed during the attach"
	assert_eq "$(cat "$C/a/status")" Running "a keeps running"

	# ctrl-c: docker passes nothing on to a tty container; the attach ends
	attach a a "-icanon -echo isig"
	tm send-keys -t =a: C-c
	shows a 'left a on SIGINT; it keeps running'
	prompt_back a 130
	sleep 0.5
	assert_eq "$(logs_count a got-INT)" 0 "no SIGINT sent to a tty container"
	assert_eq "$(cat "$C/a/status")" Running "a keeps running"
}

case_b() { # no tty, stdin: the terminal's lines; ctrl-c sent as SIGINT
	# the shell's own settings, but ctrl-q (the last detach key) ends a line
	attach b b "icanon echo isig icrnl opost -ixon eol=^Q"
	# the terminal's own line editing; Enter ends a line
	tm send-keys -t =b: 'helx' BSpace 'lo world' Enter
	shows b '^got:hello world$'
	tm send-keys -t =b: C-c
	tm send-keys -t =b: 'again' Enter
	shows b '^got-INT$'
	shows b '^got:again$'
	not_shown b 'left b' "ctrl-c passed on does not end the attach"
	tm send-keys -t =b: C-p C-q
	shows b 'detached from b; it keeps running'
	prompt_back b 0

	# other detach keys: a plain last key still goes through in a line
	attach b b "icanon echo isig ixon eol=d" --detach-keys ctrl-a,d
	tm send-keys -t =b: 'odd' Enter
	shows b '^got:odd$'
	tm send-keys -t =b: C-a d
	shows b 'detached from b'
	prompt_back b 0

	# --sig-proxy=false: ctrl-c leaves, the container gets nothing
	local before
	before=$(logs_count b got-INT)
	attach b b "icanon echo isig eol=^Q" --sig-proxy=false
	tm send-keys -t =b: C-c
	shows b 'left b on SIGINT; it keeps running'
	prompt_back b 130
	sleep 0.5
	assert_eq "$(logs_count b got-INT)" "$before" "--sig-proxy=false sends nothing"
	assert_eq "$(cat "$C/b/status")" Running "b keeps running"
}

case_c() { # tty and stdin: raw; ctrl-c is a key for the container
	attach c c "-icanon -echo -isig"
	tm send-keys -t =c: 'echo in-c-$((2+3))' Enter
	shows c '^in-c-5'
	tm send-keys -t =c: 'sleep 100; echo not-interrupted' Enter
	sleep 0.5
	tm send-keys -t =c: C-c
	tm send-keys -t =c: 'echo interrupted-ok' Enter
	shows c '^interrupted-ok'
	not_shown c '^not-interrupted' "ctrl-c reaches the container's shell"
	tm send-keys -t =c: C-p C-q
	shows c 'detached from c; it keeps running'
	prompt_back c 0
}

case_d() { # neither: keys not echoed, ctrl-c sent as SIGINT; detach
	attach d d "-icanon -echo isig"
	tm send-keys -t =d: 'echo replayed-$((1+1))' Enter
	tm send-keys -t =d: C-c
	shows d '^got-INT$'
	not_shown d 'replayed|left d' "keys not echoed; ctrl-c passed on"
	tm send-keys -t =d: C-p C-q
	shows d 'detached from d; it keeps running'
	prompt_back d 0
	not_shown d '^replayed-2' "keys typed during the attach"

	# a detach key that is the terminal's ctrl-c: the detach wins
	attach d d "-icanon isig intr=<undef>" --detach-keys ctrl-c
	tm send-keys -t =d: C-c
	shows d 'detached from d'
	prompt_back d 0

	attach d d "-icanon -echo isig intr=^C" --sig-proxy=false
	tm send-keys -t =d: C-c
	shows d 'left d on SIGINT; it keeps running'
	prompt_back d 130
	assert_eq "$(cat "$C/d/status")" Running "d keeps running"
}

failed=()
for c in ${ATTACH_CASES:-a b c d}; do
	before=$CHECKS
	(
		case_"$c"
		echo $((CHECKS - before)) >"$T/checks-$c"
	) || failed+=("$c")
	[ ! -f "$T/checks-$c" ] || CHECKS=$((CHECKS + $(cat "$T/checks-$c")))
done
[ ${#failed[@]} -eq 0 ] || fail "zunfs attach failed in case(s): ${failed[*]}"
assert_match "$("$ZUNFS_BIN" attach --sig-proxy=maybe "$C/b" 2>&1 </dev/null || true)" \
	"--sig-proxy=maybe: give true or false" "a bad --sig-proxy"
tm kill-server 2>/dev/null || true
unmount_zunfs
