#!/usr/bin/env bash
# HTTP load benchmark: the release build of `portico serve` with the demo data, driven by wrk.
#
#   Tests/Benchmarks/http-load.sh [connections] [seconds]      (defaults: 16 connections, 15 s)
#
# Reports throughput, p50/p99 latency and the server's peak memory (VmHWM) for the subscriber
# dashboard, the subscriber and staff work-order lists, the staff command centre, the API's
# work-order list, and sign-in (a real Argon2id verification and a new session per request).
# Any answer that is not 2xx/3xx fails the run: a benchmark of error pages measures nothing.
#
# Sign-ins come from 16,384 addresses through X-Forwarded-For (the server trusts 127.0.0.1 as
# its proxy here), as a real population behind a reverse proxy would; from one address the
# per-IP limit (100 an hour) would turn the run into a benchmark of 429s.
set -euo pipefail
cd "$(dirname "$0")/../.."

connections=${1:-16}
seconds=${2:-15}
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
command -v wrk >/dev/null || { as_root apt-get update -qq; as_root apt-get install -y -qq wrk >/dev/null; }
deploy/install-deps.sh >/dev/null

swift build -c release --product portico
portico="$(swift build -c release --show-bin-path)/portico"

work=$(mktemp -d /tmp/portico-http-load-XXXXXX)
export PORTICO_DATA_DIR="$PWD/.portico-bench-http"
export PORTICO_TRUSTED_PROXIES=127.0.0.1
export LOG_LEVEL=${LOG_LEVEL:-warning}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export PORTICO_PUBLIC_PORT=$port
PORTICO_INTERNAL_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export PORTICO_INTERNAL_PORT
host="acme.localhost:$port"
origin="http://$host"
base="http://127.0.0.1:$port"
server_pid=""
cleanup() {
  # SIGTERM: the server finishes in-flight requests and stops the embedded PostgreSQL it started.
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$portico" demo >/dev/null
"$portico" serve --hostname 127.0.0.1 --port "$port" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do
  [[ $(curl -s -o /dev/null -w '%{http_code}' -H "Host: $host" "$base/readyz" || true) == 200 ]] && break
  sleep 0.2
done
[[ $(curl -s -o /dev/null -w '%{http_code}' -H "Host: $host" "$base/readyz" || true) == 200 ]] \
  || { cat "$work/server.log" >&2; echo "http-load: the server did not become ready" >&2; exit 1; }

# A signed-in browser: the anonymous CSRF cookie and token from the form, then the session.
sign_in() {
  local path=$1 field=$2 who=$3 jar="$work/$4.jar"
  local page token
  page=$(curl -s -c "$jar" -H "Host: $host" "$base$path")
  token=$(python3 -c 'import re,sys; print(re.search(r"name=\"csrf_token\" value=\"([^\"]+)\"", sys.stdin.read()).group(1))' <<<"$page")
  curl -s -o /dev/null -b "$jar" -c "$jar" -H "Host: $host" -H "Origin: $origin" -H 'Sec-Fetch-Site: same-origin' \
    --data-urlencode "csrf_token=$token" --data-urlencode "$field=$who" --data-urlencode "password=portico-demo-2024" "$base$path"
  awk '$6 ~ /portico_session$/ { print $7 }' "$jar"
}
subscriber=$(sign_in /portal/login identifier dana@acme.example subscriber)
staff=$(sign_in /admin/login email admin@acme.example staff)
[[ -n $subscriber && -n $staff ]] || { echo "http-load: demo sign-in failed" >&2; exit 1; }
token=$(curl -s -H "Host: $host" -H 'Content-Type: application/json' \
  -d '{"identifier": "dana@acme.example", "password": "portico-demo-2024"}' "$base/api/v1/auth/login" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

# Sign-in: the anonymous CSRF pair is reusable until a session exists, and wrk keeps no cookies.
curl -s -c "$work/anon.jar" -H "Host: $host" "$base/portal/login" >"$work/login.html"
csrf=$(python3 -c 'import re,sys; print(re.search(r"name=\"csrf_token\" value=\"([^\"]+)\"", open(sys.argv[1]).read()).group(1))' "$work/login.html")
csrf_cookie=$(awk '$6 ~ /portico_csrf$/ { print $6 "=" $7 }' "$work/anon.jar")
cat >"$work/signin.lua" <<LUA
wrk.method = "POST"
wrk.body = "csrf_token=$csrf&identifier=dana%40acme.example&password=portico-demo-2024"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "$csrf_cookie"
wrk.headers["Origin"] = "$origin"
wrk.headers["Sec-Fetch-Site"] = "same-origin"
request = function()
  wrk.headers["X-Forwarded-For"] = "198.18." .. math.random(0, 63) .. "." .. math.random(1, 254)
  return wrk.format()
end
LUA

peak_kib() { awk '/VmHWM/ { print $2 }' "/proc/$server_pid/status"; }
printf '\n%-34s %10s %10s %10s %9s %14s\n' scenario "req/s" p50 p99 errors "peak RSS MiB"
run() {
  local name=$1; shift
  wrk -t2 -c"$connections" -d"${seconds}s" --latency -H "Host: $host" "$@" >"$work/wrk.txt" 2>&1
  python3 - "$name" "$work/wrk.txt" "$(peak_kib)" <<'PY'
import re, sys
name, path, peak = sys.argv[1], sys.argv[2], int(sys.argv[3])
text = open(path).read()
def latency(p):
    m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
bad = int((re.search(r"Non-2xx or 3xx responses: (\d+)", text) or [0, 0])[1])
socket = re.search(r"Socket errors: (.*)", text)
errors = bad + (sum(int(n) for n in re.findall(r"\d+", socket.group(1))) if socket else 0)
print(f"{name:34} {rps:10.1f} {latency(50):8.2f}ms {latency(99):8.2f}ms {errors:9d} {peak / 1024:14.1f}")
if errors:
    print(text, file=sys.stderr)
    sys.exit(1)
PY
}
run "subscriber dashboard /portal" -H "Cookie: portico_session=$subscriber" "$base/portal"
run "subscriber work orders" -H "Cookie: portico_session=$subscriber" "$base/portal/work-orders"
run "staff command centre /admin" -H "Cookie: portico_session=$staff" "$base/admin"
run "staff work orders" -H "Cookie: portico_session=$staff" "$base/admin/work-orders"
run "API GET /api/v1/work-orders" -H "Authorization: Bearer $token" "$base/api/v1/work-orders"
run "sign-in POST /portal/login" -s "$work/signin.lua" "$base/portal/login"
echo
echo "$connections connections, ${seconds} s each, wrk and the server sharing this machine ($(nproc) cores)."
