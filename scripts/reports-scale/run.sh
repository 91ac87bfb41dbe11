#!/usr/bin/env bash
# Measures the reports at scale (docs/performance.md, "Measured at scale"): a scratch
# embedded cluster under $DATA, migrated by `portico serve`, seeded by seed.sql with 10,000
# tenants and 1,000,000 work orders, then every report of a big tenant (100,000 orders) and
# of a typical one (~90) fetched as CSV over two years, with auto_explain logging the plan
# and timing of every statement the server ran (EXPLAIN ANALYZE of the real queries) to
# $DATA/reports-plans.log. Takes several minutes; leaves $DATA behind for inspection.
#   PORTICO_BIN=.build/debug/portico scripts/reports-scale/run.sh [/tmp/portico-reports-scale]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
portico=${PORTICO_BIN:-$(cd "$here/../.." && swift build --show-bin-path)/portico}
export PORTICO_DATA_DIR=${1:-/tmp/portico-reports-scale}
mkdir -p "$PORTICO_DATA_DIR"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
PORTICO_INTERNAL_PORT=$(free_port)
export PORTICO_INTERNAL_PORT
server_pid=
stop() { if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; server_pid=; fi; }
trap stop EXIT
serve() {
  "$portico" serve --hostname 127.0.0.1 --port "$port" >>"$PORTICO_DATA_DIR/serve.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 120); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return; sleep 1; done
  echo "portico did not start; see $PORTICO_DATA_DIR/serve.log" >&2; exit 1
}
admin_url() {
  python3 - "$PORTICO_DATA_DIR/embedded-postgres.json" <<'PY'
import json, sys, urllib.parse
c = json.load(open(sys.argv[1]))
print(f"postgresql://{c['adminUser']}:{urllib.parse.quote(c['adminPassword'])}@127.0.0.1:{c['port']}/{c['database']}")
PY
}

serve  # creates and migrates the cluster
"$portico" demo >/dev/null  # acme's admin gives the password hash below (portico-demo-2024)
db=$(admin_url)
if [ "$(psql "$db" -Atc "SELECT count(*) FROM tenants WHERE slug = 'big-isp'")" = 0 ]; then
  echo "seeding (a few minutes)…"
  time psql "$db" -q -f "$here/seed.sql"
  psql "$db" -q <<'SQL'
INSERT INTO staff_users (tenant_id, email, name, role, status, password_hash)
SELECT t.id, 'admin@scale.example', 'Scale Admin', 'admin', 'active', a.password_hash
  FROM tenants t, staff_users a WHERE t.slug IN ('big-isp', 'isp-5000') AND a.email = 'admin@acme.example';
SQL
fi
psql "$db" -q <<'SQL'
LOAD 'auto_explain';  -- so ALTER SYSTEM knows its settings
ALTER SYSTEM SET session_preload_libraries = 'auto_explain';
ALTER SYSTEM SET auto_explain.log_min_duration = 0;
ALTER SYSTEM SET auto_explain.log_analyze = on;
ALTER SYSTEM SET auto_explain.log_buffers = on;
ALTER SYSTEM SET auto_explain.log_nested_statements = on;
SELECT pg_reload_conf();
SQL
stop; serve  # new connections load auto_explain

jar=$(mktemp)
measure() {  # tenant slug, query string
  local host="$1.localhost:$port" base="http://127.0.0.1:$port"
  : >"$jar"
  token=$(curl -s -c "$jar" -b "$jar" -H "Host: $host" "$base/admin/login" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1)
  curl -s -o /dev/null -c "$jar" -b "$jar" -H "Host: $host" --data-urlencode "csrf_token=$token" \
       --data-urlencode "email=admin@scale.example" --data-urlencode "password=portico-demo-2024" "$base/admin/login"
  for report in work-orders-weekly time-by-category time-by-technician overdue-weekly appointments-weekly subscriber-activity-weekly integrations-weekly; do
    curl -s -o /dev/null -b "$jar" -H "Host: $host" -w "$1 $report: %{http_code} in %{time_total} s\n" "$base/admin/reports/$report.csv?$2"
  done
  curl -s -o /dev/null -b "$jar" -H "Host: $host" -w "$1 whole page: %{http_code} in %{time_total} s\n" "$base/admin/reports?$2"
}
range="from=$(date -u -d '-730 days' +%F)&to=$(date -u +%F)"
log=$(ls -t "$(python3 -c "import json; print(json.load(open('$PORTICO_DATA_DIR/embedded-postgres.json'))['clusterPath'])")"/log/*.log 2>/dev/null | head -1 || true)
before=$( [ -n "$log" ] && wc -l <"$log" || echo 0)
for round in warm measured; do
  echo "— $round"
  measure big-isp "$range"
  measure isp-5000 "$range"
  measure big-isp ""   # the default twelve weeks
done
psql "$db" -c '\timing on' -c "SET ROLE portico_app" \
  -c "SELECT count(*) FROM portico_platform_tenant_usage()" \
  -c "SELECT count(*) FROM portico_platform_growth(current_date - 730, current_date)"
if [ -n "$log" ]; then tail -n +"$((before + 1))" "$log" >"$PORTICO_DATA_DIR/reports-plans.log"; echo "plans: $PORTICO_DATA_DIR/reports-plans.log"; fi
rm -f "$jar"
