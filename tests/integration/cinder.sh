# Sourced by the Cinder tests after lib.sh. start_cinder DIR PORT RABBIT_PORT
# starts the project's real Cinder (scripts/cinder) in DIR, its API on
# 127.0.0.1:PORT and RabbitMQ on RABBIT_PORT (tests run two at a time: each
# its own), removed at exit whatever happens, its logs printed on a failure;
# then CINDER_URL and OS_AUTH_TOKEN are set. The helpers below ask Cinder
# itself, to check what zunfs did.
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

start_cinder() { # DIR PORT RABBIT_PORT
	local t0=$SECONDS
	CDIR=$1
	export CINDER_PORT=$2 CINDER_RABBIT_PORT=$3
	at_exit "'$top/scripts/cinder' clean '$CDIR' >/dev/null 2>&1"
	at_fail "echo '--- scripts/cinder start:'; cat '$T/cinder.log' 2>/dev/null; tail -n 5 '$CDIR'/logs/*.log 2>/dev/null"
	"$top/scripts/cinder" start "$CDIR" >"$T/cinder.url" 2>"$T/cinder.log" || { cat "$T/cinder.log"; fail "scripts/cinder start"; }
	log "Cinder up in $((SECONDS - t0)) s"
	eval "$("$top/scripts/cinder" env "$CDIR")"
	export OS_AUTH_TOKEN
}

capi() { # curl ARGS... URL: Cinder's API with the token
	curl -s --noproxy '*' -m 30 -H "X-Auth-Token: $OS_AUTH_TOKEN" -H "Content-Type: application/json" "$@"
}
cstatus() { capi "$CINDER_URL/volumes/$1" | jq -r '.volume.status // "gone"'; }
is_status() { [ "$(cstatus "$1")" = "$2" ]; }
loops_over() { losetup -n -O BACK-FILE 2>/dev/null | grep -c "$1" || true; }
