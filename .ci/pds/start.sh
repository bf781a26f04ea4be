#!/usr/bin/env bash
# Installs (once, cached in node_modules/) and starts a real Bluesky PDS with
# its PLC directory on 127.0.0.1, creates a test account with an app
# password, and prints the environment clairon's Bluesky integration test
# reads. Progress goes to stderr, the exports to stdout:
#
#   eval "$(bash .ci/pds/start.sh)"
#   go test ./engine/network/bluesky/ -run PDS
#   bash .ci/pds/stop.sh
#
# Environment: CLAIRON_PDS_PORT (default 2583). Every start is a blank
# server: a PDS left running by an earlier start is stopped first.
set -euo pipefail

dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
port=${CLAIRON_PDS_PORT:-2583}
run="$dir/.run"
say() { printf 'pds: %s\n' "$*" >&2; }

command -v node >/dev/null || { say "node is required (Node.js 20 or later)"; exit 1; }
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
	say "Node.js $(node --version) is too old: 20 or later is required"
	exit 1
fi

# Install once; reinstall only when the lock file changed. better-sqlite3
# compiles from source, which needs the Node headers: use the system's.
stamp="$dir/node_modules/.clairon-installed"
if [ ! -f "$stamp" ] || ! cmp -s "$dir/package-lock.json" "$stamp"; then
	say "installing (a cold install compiles SQLite, about two minutes)"
	t0=$SECONDS
	if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node.h ]; then
		export npm_config_nodedir=/usr
	fi
	(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
	cp "$dir/package-lock.json" "$stamp"
	say "installed in $((SECONDS - t0)) s"
fi

bash "$dir/stop.sh" 2>/dev/null || true
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
	say "port $port is in use; set CLAIRON_PDS_PORT"
	exit 1
fi

mkdir -p "$run"
rm -rf "$run/data"
t0=$SECONDS
nohup node "$dir/pds.mjs" --port "$port" --data "$run/data" >"$run/pds.log" 2>&1 &
echo $! >"$run/pid"
url="http://127.0.0.1:$port"
for _ in $(seq 1 600); do
	if ! kill -0 "$(cat "$run/pid")" 2>/dev/null; then
		say "the PDS exited; its log:"
		tail -n 40 "$run/pds.log" >&2
		exit 1
	fi
	if grep -q '^READY ' "$run/pds.log" && curl -fsS "$url/xrpc/_health" >/dev/null 2>&1; then
		break
	fi
	sleep 0.1
done
curl -fsS "$url/xrpc/_health" >/dev/null || { say "no answer from $url/xrpc/_health after 60 s"; exit 1; }
say "started on $url in $((SECONDS - t0)) s"

# field NAME: read one string field of the JSON on stdin.
field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s)[process.argv[1]];if(typeof v!=="string"){console.error(s);process.exit(1)}console.log(v)})' "$1"; }
xrpc() { curl -sS --fail-with-body -X POST -H 'Content-Type: application/json' "$@"; }

handle=clairon-ci.test
login_password=$(node -e 'console.log(require("crypto").randomBytes(18).toString("base64url"))')
session=$(xrpc "$url/xrpc/com.atproto.server.createAccount" \
	-d "{\"handle\":\"$handle\",\"email\":\"ci@example.com\",\"password\":\"$login_password\"}")
access=$(printf '%s' "$session" | field accessJwt)
app_password=$(xrpc "$url/xrpc/com.atproto.server.createAppPassword" -H "Authorization: Bearer $access" \
	-d '{"name":"clairon-ci"}' | field password)
say "account $handle created with an app password"

printf 'export CLAIRON_PDS_URL=%s\n' "$url"
printf 'export CLAIRON_PDS_HANDLE=%s\n' "$handle"
printf 'export CLAIRON_PDS_PASSWORD=%s\n' "$app_password"
