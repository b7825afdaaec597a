#!/usr/bin/env bash
# A remote engine as the docker CLI reaches it: tcp:// with TLS. A second
# private dockerd listens with --tlsverify on 127.0.0.1 (never another
# address), with a CA, server and client certificates made here; zunfs
# mounts it with -o tlscacert=,tlscert=,tlskey= and with the environment
# (DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH); containers, tty, exec,
# logs and events go over TLS. A wrong CA and plain TCP to a host that is not
# loopback are refused at start (the latter before any connection).
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
for tool in openssl strace; do
	command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/deps)"
done

E=$T/tls-engine
CERTS=$T/certs
stop_tls_engine() { "$top/scripts/engine" stop "$E" >/dev/null 2>&1 || true; }
# the engine lives under $T, which lib.sh's cleanup removes: stop it first,
# handing cleanup the test's exit status (set +e: "(exit 1)" must not end the trap)
trap 'rc=$?; set +e; stop_tls_engine; (exit $rc); cleanup' EXIT

# --- certificates: a CA, the engine's (for 127.0.0.1 and localhost), a client's
mkdir -p "$CERTS" "$T/other"
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
mkca() { # DIR NAME
	openssl req -x509 "${ec[@]}" -keyout "$1/ca-key.pem" -out "$1/ca.pem" -days 2 \
		-subj "/CN=$2" -addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}
mkcert() { # NAME CN EXTENSIONS
	openssl req "${ec[@]}" -keyout "$CERTS/$1-key.pem" -out "$T/$1.csr" -subj "/CN=$2" 2>/dev/null
	printf '%b' "$3" >"$T/$1.ext"
	openssl x509 -req -in "$T/$1.csr" -CA "$CERTS/ca.pem" -CAkey "$CERTS/ca-key.pem" \
		-set_serial "0x$(openssl rand -hex 8)" -days 2 -extfile "$T/$1.ext" \
		-out "$CERTS/$1-cert.pem" 2>/dev/null
}
mkca "$CERTS" "zunfs test CA"
mkca "$T/other" "another CA"
mkcert server localhost 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n'
mkcert client zunfs-client 'extendedKeyUsage=clientAuth\n'
# the docker CLI's names, for DOCKER_CERT_PATH
mkdir "$T/dockercerts"
cp "$CERTS/ca.pem" "$T/dockercerts/ca.pem"
cp "$CERTS/client-cert.pem" "$T/dockercerts/cert.pem"
cp "$CERTS/client-key.pem" "$T/dockercerts/key.pem"
ok

# --- the engine: its own unix socket too, for the scripts; TLS on a free loopback port
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
PORT=
for _ in $(seq 1 50); do
	p=$((20000 + RANDOM % 40000))
	listening "$p" || { PORT=$p; break; }
done
[ -n "$PORT" ] || fail "no free port on 127.0.0.1"
TLS_HOST=tcp://127.0.0.1:$PORT
ZUNFS_ENGINE_ARGS="--tlsverify --tlscacert=$CERTS/ca.pem --tlscert=$CERTS/server-cert.pem \
--tlskey=$CERTS/server-key.pem -H $TLS_HOST" "$top/scripts/engine" start "$E" >/dev/null ||
	fail "the TLS engine did not start: $(tail -n 5 "$E/dockerd.log" 2>/dev/null)"
wait_for 30 listening "$PORT"
DOCKER_HOST=unix://$E/docker.sock "$top/scripts/busybox-image" >/dev/null
# the docker CLI, over TLS, to that engine
tdocker() {
	docker --tlsverify --tlscacert "$CERTS/ca.pem" --tlscert "$CERTS/client-cert.pem" \
		--tlskey "$CERTS/client-key.pem" -H "$TLS_HOST" "$@"
}
assert_match "$(tdocker version --format '{{.Server.Version}}')" "^[0-9]" "the docker CLI speaks TLS to it"
TLS_OPTS="tlscacert=$CERTS/ca.pem,tlscert=$CERTS/client-cert.pem,tlskey=$CERTS/client-key.pem"

# zunfs started in the foreground that must stop at once with a message
start_fails() { # WANT ENV... -- OPTIONS
	local want=$1 out rc=0 envs=()
	shift
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	mkdir -p "$T/mnt-fail"
	out=$(env "${envs[@]}" timeout 30 "$ZUNFS_BIN" -f -o "state=$T/state-fail" "$@" \
		"$T/mnt-fail" 2>&1) || rc=$?
	if mountpoint -q "$T/mnt-fail"; then
		fusermount3 -u "$T/mnt-fail"
		fail "zunfs $* mounted; expected: $want"
	fi
	[ "$rc" -ne 0 ] || fail "zunfs $* exited 0; expected: $want"
	[[ "$out" == *"$want"* ]] || fail "zunfs $* said '$out'; expected: $want"
	echo "$out" >"$T/start.log"
	[ -z "$(sanitizer_findings "$T/start.log")" ] || fail "sanitizer report: $out"
	log "refused: $out"
	ok
}

# --- refusals at start
# plain TCP to an address that is not loopback (TEST-NET-1: nothing is sent to it)
start_fails "-o insecure_tcp" -- -o docker=tcp://192.0.2.1:2375
start_fails "refusing plain TCP to 192.0.2.1" DOCKER_HOST=tcp://192.0.2.1:2375 DOCKER_TLS_VERIFY= --
start_fails "refusing plain TCP to [2001:db8::1]" -- -o "docker=tcp://[2001:db8::1]:2375"
# before any socket is made, let alone connected
strace -f -e trace=socket,connect -o "$T/strace.out" \
	"$ZUNFS_BIN" -f -o "docker=tcp://192.0.2.1:2375,state=$T/state-fail" "$T/mnt-fail" 2>/dev/null && fail "zunfs started"
assert_eq "$(grep -cE 'socket\(|connect\(' "$T/strace.out")" "0" "no socket made for a refused engine"
# a CA that did not sign the engine's certificate
start_fails "certificate" -- -o "docker=$TLS_HOST,tlscacert=$T/other/ca.pem,tlscert=$CERTS/client-cert.pem,tlskey=$CERTS/client-key.pem"
start_fails "tlscacert=" -- -o "docker=$TLS_HOST,tlscacert=$T/other/ca.pem,tlscert=$CERTS/client-cert.pem,tlskey=$CERTS/client-key.pem"
# no client certificate: the engine refuses us
start_fails "over TLS" -- -o "docker=$TLS_HOST,tlscacert=$CERTS/ca.pem"
# files that are not there, or not what they say
start_fails "tlscacert=$T/nope.pem: No such file" -- -o "docker=$TLS_HOST,tlscacert=$T/nope.pem"
start_fails "the client key $CERTS/ca-key.pem" -- -o "docker=$TLS_HOST,tlscacert=$CERTS/ca.pem,tlscert=$CERTS/client-cert.pem,tlskey=$CERTS/ca-key.pem"
start_fails "give both tlscert= and tlskey=" -- -o "docker=$TLS_HOST,tlscert=$CERTS/client-cert.pem"
# plain HTTP to the TLS port (loopback: allowed, and the engine says why not)
start_fails "HTTPS" -- -o "docker=$TLS_HOST"
start_fails "for a tcp:// engine" -- -o "docker=unix://$E/docker.sock,tlsverify"

# --- mounted over TLS with options
DOCKER_HOST=$TLS_HOST mount_zunfs -o "$TLS_OPTS"
C=$MNT/containers
assert_match "$(cat "$MNT/version")" "[0-9]" "version from the engine"
mkdir "$C/web"
printf 'image: busybox\n%s\n' 'command: [sh, -c, "trap \"exit 0\" TERM; i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.5; done"]' |
	put_spec containers/web >/dev/null
assert_eq "$(timeout 30 cat "$C/web/until/Running")" "Running" "a container launched over TLS"
id=$(engine_id_of web)
assert_eq "$(tdocker inspect -f '{{.State.Running}}' "$id")" "true" "the engine runs it"
assert_eq "$(tdocker inspect -f '{{index .Config.Labels "zunfs.name"}}' "$id")" "web" "with zunfs's labels"

# exec: the hijacked stream, relayed over TLS (stdin closed at once: close_notify)
exec 3<>"$C/web/exec"
echo 'echo hi' >&3
assert_eq "$(timeout 10 cat <&3)" $'hi\n[exit 0]' "exec over TLS"
exec 3>&-
# with stdin, through the relay both ways
exec 3<>"$C/web/exec"
echo '-i head -n 2' >&3
printf 'one\ntwo\nthree\n' >&3
assert_eq "$(timeout 10 cat <&3)" $'one\ntwo\n[exit 0]' "exec stdin over TLS"
exec 3>&-
# more than a TLS record and a relay buffer at once
exec 3<>"$C/web/exec"
echo "sh -c 'head -c 300000 /dev/zero | tr \"\\\\0\" x; echo'" >&3
out=$(timeout 20 cat <&3)
exec 3>&-
assert_eq "${#out}" "$((300000 + 1 + 8))" "a large exec output, whole"

# tty: an attach over TLS, a conversation
mkdir "$C/sh"
printf 'image: busybox\ncommand: [sh]\nstdin_open: true\n' | put_spec containers/sh >/dev/null
timeout 30 cat "$C/sh/until/Running" >/dev/null
exec 3<>"$C/sh/tty"
echo 'echo out-$((40+2))' >&3
read -r -t 10 line <&3 || true
assert_eq "$line" "out-42" "tty over TLS"
echo 'echo again' >&3
read -r -t 10 line <&3 || true
assert_eq "$line" "again" "tty, a second line"
exec 3>&-

# a pull over TLS (from a loopback port where nothing listens: it fails, quickly)
mkdir "$C/pull"
printf 'image: 127.0.0.1:9/zunfs-test/missing:1\n%s\n' "$FOREVER" | put_spec containers/pull >/dev/null
assert_fails "Input/output error" timeout 60 cat "$C/pull/until/Running"
assert_match "$(cat "$C/pull/status_reason")" "pulling image 127.0.0.1:9/zunfs-test/missing:1: .*(refused|connect)" "a pull asked over TLS, the engine's reason"
rmdir "$C/pull"
# a sandbox: zunfs's pause image is imported (a tar POSTed over TLS)
mkdir "$MNT/sandboxes/sb"
printf 'hostname: sbhost\n' | put_spec sandboxes/sb >/dev/null
assert_eq "$(timeout 60 cat "$MNT/sandboxes/sb/until/Running")" "Running" "a sandbox, its image imported over TLS"
assert_match "$(tdocker image ls --format '{{.Repository}}:{{.Tag}}')" "zunfs/pause:" "the pause image in the TLS engine"
rmdir "$MNT/sandboxes/sb"

# logs: read, and followed
wait_for 10 bash -c "grep -q 'tick 3' '$C/web/logs'"
timeout 3 tail -f -n 0 "$C/web/logs" >"$T/follow.out" || true
[ "$(grep -c '^tick' "$T/follow.out")" -ge 2 ] || fail "tail -f over TLS saw: $(cat "$T/follow.out")"
ok

# events: a stop behind zunfs's back comes through the engine's event stream
timeout 20 cat "$MNT/events" >"$T/events.out" &
evpid=$!
sleep 0.5
tdocker stop -t 1 "$id" >/dev/null
wait_for 10 status_is web Stopped
assert_eq "$(cat "$C/web/status_reason")" "exited with code 0" "the reason, from the engine"
wait_for 5 grep -q "containers/web Running Stopped" "$T/events.out"
kill "$evpid" 2>/dev/null || true
wait "$evpid" 2>/dev/null || true
unmount_zunfs

# --- the environment's form, as the docker CLI: DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH
mkdir -p "$MNT"
env DOCKER_HOST="$TLS_HOST" DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH="$T/dockercerts" \
	"$ZUNFS_BIN" -f -o "state=$STATE" "$MNT" >>"$T/zunfs.log" 2>&1 &
ZUNFS_PID=$!
wait_for 10 mountpoint -q "$MNT"
assert_eq "$(cat "$C/web/status")" "Stopped" "the same state, over TLS from the environment"
echo start >"$C/web/ctl"
assert_eq "$(timeout 30 cat "$C/web/until/Running")" "Running" "started over TLS"
exec 3<>"$C/web/exec"
echo 'echo env' >&3
assert_eq "$(timeout 10 cat <&3)" $'env\n[exit 0]' "exec, TLS from the environment"
exec 3>&-
rmdir "$C/web" "$C/sh"
# (sh, as PID 1, waits out the grace period)
none_left() { [ -z "$(tdocker ps -aq --filter "label=zunfs.instance=$(instance)")" ]; }
wait_for 30 none_left
ok
unmount_zunfs
