#!/usr/bin/env bash
# HTTP load benchmark: the release build of `portico serve` with the demo data, driven by wrk.
#
#   Tests/Benchmarks/http-load.sh [--scale] [connections] [seconds]   (defaults: 32 connections, 15 s)
#
# Per scenario it reports throughput, p50/p99 latency, and what each request cost: Portico
# CPU ms and PostgreSQL CPU ms (utime+stime deltas over the run from /proc: the server process,
# and the cluster's postmaster with every backend, exited ones included through the
# postmaster's cutime/cstime), statements and transactions (pg_stat_statements, loaded into the
# benchmark's cluster, and pg_stat_database), the server's peak memory (VmHWM) and the 1-minute
# load average at the end of the run. Then side by side: each subscriber page against the same
# data from /api/v1 (the dashboard against the six API calls that carry what it shows), sign-in
# against the raw Argon2id rate of the server's hashing executor (`portico bench argon2`), and
# the dashboard's p99 during a sign-in storm against its calm p99.
# Any answer that is not 2xx/3xx fails the run: a benchmark of error pages measures nothing.
#
# --scale adds 10,000 tenants and 1,000,000 work orders (Tests/Benchmarks/seed-scale.sh; its
# own data directory, kept between runs) before measuring: cost should not grow with them.
# PORTICO_BIN=path runs that binary instead of building the release (e.g. a baseline build).
# TOP_STATEMENTS=N prints, after each scenario, its N costliest statements inside PostgreSQL.
#
# Sign-ins come from 16,384 addresses through X-Forwarded-For (the server trusts 127.0.0.1 as
# its proxy here), as a real population behind a reverse proxy would; from one address the
# per-IP limit would turn the run into a benchmark of 429s.
set -euo pipefail
cd "$(dirname "$0")/../.."

scale=false
if [[ ${1:-} == --scale ]]; then scale=true; shift; fi
connections=${1:-32}
seconds=${2:-15}
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
command -v wrk >/dev/null || { as_root apt-get update -qq; as_root apt-get install -y -qq wrk >/dev/null; }
deploy/install-deps.sh >/dev/null

if [[ -n ${PORTICO_BIN:-} ]]; then
  portico=$PORTICO_BIN
else
  swift build -c release --product portico
  portico="$(swift build -c release --show-bin-path)/portico"
fi

work=$(mktemp -d /tmp/portico-http-load-XXXXXX)
if $scale; then export PORTICO_DATA_DIR="$PWD/.portico-bench-scale"; else export PORTICO_DATA_DIR="$PWD/.portico-bench-http"; fi
export PORTICO_TRUSTED_PROXIES=127.0.0.1
export LOG_LEVEL=${LOG_LEVEL:-warning}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
export PORTICO_PUBLIC_PORT=$port
PORTICO_INTERNAL_PORT=$(free_port)
export PORTICO_INTERNAL_PORT
host="acme.localhost:$port"
origin="http://$host"
base="http://127.0.0.1:$port"
server_pid=""
storm_pid=""
cleanup() {
  [[ -n $storm_pid ]] && kill "$storm_pid" 2>/dev/null || true
  # SIGTERM: the server finishes in-flight requests and stops the embedded PostgreSQL it started.
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$portico" demo >/dev/null
credentials="$PORTICO_DATA_DIR/embedded-postgres.json"
cluster=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["clusterPath"])' "$credentials")
admin_url() {
  python3 - "$credentials" <<'PY'
import json, sys, urllib.parse
c = json.load(open(sys.argv[1]))
print(f"postgresql://{c['adminUser']}:{urllib.parse.quote(c['adminPassword'])}@127.0.0.1:{c['port']}/{c['database']}?sslmode=disable")
PY
}
# Statement counts need pg_stat_statements, which loads at server start: the benchmark's
# cluster (never a production one) gets it in postgresql.auto.conf; `serve` starts it below.
if ! grep -q pg_stat_statements "$cluster/postgresql.auto.conf" 2>/dev/null; then
  printf "shared_preload_libraries = 'pg_stat_statements'\n" >>"$cluster/postgresql.auto.conf"
fi
if ! grep -q track_planning "$cluster/postgresql.auto.conf" 2>/dev/null; then
  printf "pg_stat_statements.track_planning = on\n" >>"$cluster/postgresql.auto.conf"
fi

"$portico" serve --hostname 127.0.0.1 --port "$port" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do
  [[ $(curl -s -o /dev/null -w '%{http_code}' -H "Host: $host" "$base/readyz" || true) == 200 ]] && break
  sleep 0.2
done
[[ $(curl -s -o /dev/null -w '%{http_code}' -H "Host: $host" "$base/readyz" || true) == 200 ]] \
  || { cat "$work/server.log" >&2; echo "http-load: the server did not become ready" >&2; exit 1; }
db=$(admin_url)
psql "$db" -qAtc "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
postmaster=$(head -1 "$cluster/postmaster.pid")
if $scale; then Tests/Benchmarks/seed-scale.sh "$PORTICO_DATA_DIR"; fi

# A signed-in browser: the anonymous CSRF cookie and token from the form, then the session.
sign_in() {
  local path=$1 field=$2 who=$3 jar="$work/$4.jar" host=${5:-$host}
  local page token
  page=$(curl -s -c "$jar" -H "Host: $host" "$base$path")
  token=$(python3 -c 'import re,sys; print(re.search(r"name=\"csrf_token\" value=\"([^\"]+)\"", sys.stdin.read()).group(1))' <<<"$page")
  curl -s -o /dev/null -b "$jar" -c "$jar" -H "Host: $host" -H "Origin: http://$host" -H 'Sec-Fetch-Site: same-origin' \
    --data-urlencode "csrf_token=$token" --data-urlencode "$field=$who" --data-urlencode "password=portico-demo-2024" "$base$path"
  awk '$6 ~ /portico_session$/ { print $7 }' "$jar"
}
subscriber=$(sign_in /portal/login identifier dana@acme.example subscriber)
staff=$(sign_in /admin/login email admin@acme.example staff)
[[ -n $subscriber && -n $staff ]] || { echo "http-load: demo sign-in failed" >&2; exit 1; }
token=$(curl -s -H "Host: $host" -H 'Content-Type: application/json' \
  -d '{"identifier": "dana@acme.example", "password": "portico-demo-2024"}' "$base/api/v1/auth/login" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
number=$(curl -s -H "Host: $host" -H "Authorization: Bearer $token" "$base/api/v1/work-orders" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["number"])')
staff_rows=$(curl -s -H "Host: $host" -H "Cookie: portico_session=$staff" "$base/admin/work-orders" | grep -c '/admin/work-orders/[0-9]' || true)

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
# The dashboard's data from the API: the account, open orders, visits, tasks, notes and
# notices, one call each, in turn (one "page" = one round of six).
cat >"$work/dashboard-json.lua" <<'LUA'
local paths = {"/api/v1/me", "/api/v1/work-orders", "/api/v1/appointments", "/api/v1/tasks", "/api/v1/notes", "/api/v1/service"}
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format(nil, paths[i])
end
LUA

clock_ticks=$(getconf CLK_TCK)
# CPU seconds × ticks: the server process; the postmaster (with its reaped children) and
# every live backend of the cluster.
app_ticks() { awk '{ print $14 + $15 }' "/proc/$server_pid/stat"; }
pg_ticks() {
  local total=0 pid
  total=$(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$postmaster/stat")
  for pid in $(pgrep -P "$postmaster"); do
    total=$(( total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0) ))
  done
  echo "$total"
}
statements() { psql "$db" -qAtc "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements WHERE userid = 'portico_app'::regrole"; }
# TOP_STATEMENTS=N: after each scenario, its N costliest statements (planning + execution time
# inside PostgreSQL, calls, mean ms), to see where the PostgreSQL CPU of a page goes.
top_statements() {
  [[ ${TOP_STATEMENTS:-0} -gt 0 ]] || return 0
  psql "$db" -qAt -F $'\t' -c "SELECT calls, round(((total_exec_time + total_plan_time) / calls)::numeric, 3),
      round(total_plan_time::numeric / nullif(total_exec_time + total_plan_time, 0)::numeric * 100) || '% plan',
      left(regexp_replace(query, '\s+', ' ', 'g'), 110)
    FROM pg_stat_statements WHERE userid = 'portico_app'::regrole
    ORDER BY total_exec_time + total_plan_time DESC LIMIT ${TOP_STATEMENTS}" \
    | awk -F'\t' '{ printf "      %8d calls %7.3f ms %8s  %s\n", $1, $2, $3, $4 }'
}
transactions() { psql "$db" -qAtc "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()"; }
peak_kib() { awk '/VmHWM/ { print $2 }' "/proc/$server_pid/status"; }

results="$work/results.tsv"
printf '\n%-36s %8s %9s %9s %8s %8s %7s %6s %8s %6s\n' scenario "req/s" p50 p99 "app ms" "pg ms" stmts xacts "RSS MiB" load
# run NAME REQUESTS_PER_PAGE wrk-args...: one scenario; costs are per page (requests ÷ REQUESTS_PER_PAGE).
run() {
  local name=$1 per_page=$2; shift 2
  psql "$db" -qAtc "SELECT pg_stat_statements_reset()" >/dev/null
  local xacts_before app_before pg_before
  xacts_before=$(transactions)
  app_before=$(app_ticks); pg_before=$(pg_ticks)
  wrk -t2 -c"$connections" -d"${seconds}s" --latency -H "Host: $host" "$@" >"$work/wrk.txt" 2>&1
  local app_after pg_after
  app_after=$(app_ticks); pg_after=$(pg_ticks)
  sleep 1.2  # pg_stat_database is flushed at most once a second
  python3 - "$name" "$per_page" "$work/wrk.txt" "$(peak_kib)" "$((app_after - app_before))" "$((pg_after - pg_before))" \
    "$clock_ticks" "$(statements)" "$(( $(transactions) - xacts_before ))" "$(cut -d' ' -f1 /proc/loadavg)" "$results" <<'PY'
import re, sys
name, per_page, path, peak, app, pg, hz, stmts, xacts, load, results = sys.argv[1:]
per_page, peak, app, pg, hz, stmts, xacts = int(per_page), int(peak), int(app), int(pg), int(hz), int(stmts), int(xacts)
text = open(path).read()
def latency(p):
    m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
requests = int(re.search(r"(\d+) requests in", text).group(1))
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)) / per_page
bad = int((re.search(r"Non-2xx or 3xx responses: (\d+)", text) or [0, 0])[1])
# Refused or broken connections fail the run; a timeout (no answer within wrk's 2 s) is a
# latency, reported beside the row, since an overloaded shared machine produces a few.
socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
errors = bad + (sum(int(n) for n in socket.groups()[:3]) if socket else 0)
timeouts = int(socket.group(4)) if socket else 0
pages = max(requests / per_page, 1)
app_ms, pg_ms = app * 1000 / hz / pages, pg * 1000 / hz / pages
print(f"{name:36} {rps:8.1f} {latency(50):7.2f}ms {latency(99):7.2f}ms {app_ms:8.2f} {pg_ms:8.2f} {stmts / pages:7.1f} {xacts / pages:6.1f} {peak / 1024:8.1f} {load:>6}" + (f"  ({timeouts} timed out)" if timeouts else ""))
with open(results, "a") as out:
    out.write(f"{name}\t{rps}\t{latency(99)}\t{app_ms}\t{pg_ms}\n")
if errors:
    print(text, file=sys.stderr)
    sys.exit(1)
PY
  top_statements
}

subscriber_cookie=(-H "Cookie: portico_session=$subscriber")
api=(-H "Authorization: Bearer $token")
run "subscriber dashboard /portal" 1 "${subscriber_cookie[@]}" "$base/portal"
run "  same data as JSON (6 API calls)" 6 "${api[@]}" -s "$work/dashboard-json.lua" "$base/api/v1/me"
run "subscriber work-order list" 1 "${subscriber_cookie[@]}" "$base/portal/work-orders"
run "  same as JSON /api/v1/work-orders" 1 "${api[@]}" "$base/api/v1/work-orders"
run "subscriber work order #$number" 1 "${subscriber_cookie[@]}" "$base/portal/work-orders/$number"
run "  same as JSON /api/v1/work-orders/N" 1 "${api[@]}" "$base/api/v1/work-orders/$number"
run "staff command centre /admin" 1 -H "Cookie: portico_session=$staff" "$base/admin"
run "staff work-order list ($staff_rows rows)" 1 -H "Cookie: portico_session=$staff" "$base/admin/work-orders"
if $scale; then
  big_host="big-isp.localhost:$port"
  big=$(sign_in /admin/login email admin@scale.example big "$big_host")
  [[ -n $big ]] || { echo "http-load: big-isp sign-in failed" >&2; exit 1; }
  # wrk sends the Host header given last.
  run "staff work-order list, big-isp (100k)" 1 -H "Cookie: portico_session=$big" -H "Host: $big_host" "$base/admin/work-orders"
fi
run "sign-in POST /portal/login" 1 -s "$work/signin.lua" "$base/portal/login"
# The storm: sign-ins on 8 connections for the whole dashboard run.
wrk -t1 -c8 -d"$((seconds + 2))s" -H "Host: $host" -s "$work/signin.lua" "$base/portal/login" >"$work/storm.txt" 2>&1 &
storm_pid=$!
sleep 1
run "dashboard during a sign-in storm" 1 "${subscriber_cookie[@]}" "$base/portal"
wait "$storm_pid" || true
storm_pid=""
storm_rate=$(awk '/Requests\/sec/ { print $2 }' "$work/storm.txt")
# Raw Argon2id with the server's own parameters and executor, the server idle meanwhile.
argon2=$("$portico" bench argon2 --seconds "$seconds" 2>/dev/null || echo "unavailable (this build has no 'portico bench argon2')")

echo
python3 - "$results" "$storm_rate" "$argon2" <<'PY'
import re, sys
rows = {}
for line in open(sys.argv[1]):
    name, rps, p99, app, pg = line.rstrip("\n").split("\t")
    rows[name.strip()] = (float(rps), float(p99), float(app), float(pg))
def find(prefix): return next(v for k, v in rows.items() if k.startswith(prefix))
print("HTML page vs the same data as JSON (throughput ratio HTML/JSON; CPU per page, Portico + PostgreSQL):")
for html, json in [("subscriber dashboard", "same data as JSON (6"), ("subscriber work-order list", "same as JSON /api/v1/work-orders"),
                   ("subscriber work order #", "same as JSON /api/v1/work-orders/N")]:
    h, j = find(html), find(json)
    print(f"  {html:28} {h[0] / j[0]:5.2f}x   HTML {h[2] + h[3]:6.2f} ms   JSON {j[2] + j[3]:6.2f} ms")
calm, storm, signin = find("subscriber dashboard"), find("dashboard during"), find("sign-in POST")
print(f"Dashboard p99 during a sign-in storm ({float(sys.argv[2]):.1f} sign-ins/s): {storm[1]:.2f} ms vs {calm[1]:.2f} ms calm = {storm[1] / calm[1]:.2f}x")
m = re.search(r"([\d.]+) verifications/s", sys.argv[3])
print(f"Sign-in {signin[0]:.1f}/s; raw {sys.argv[3]}" + (f"; ratio {signin[0] / float(m.group(1)):.2f}" if m else ""))
PY
echo
echo "$connections connections, ${seconds} s each, wrk and the server sharing this machine ($(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))."
echo "Portico: $("$portico" --version 2>/dev/null || echo unknown); data: $($scale && echo "demo + 10,000 tenants, 1,000,000 work orders" || echo "demo")."
