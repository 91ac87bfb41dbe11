#!/usr/bin/env bash
# Scale data for the HTTP benchmark (http-load.sh --scale): 10,000 tenants and 1,000,000 work
# orders next to the demo tenants — the reports' scale data (scripts/reports-scale/seed.sql:
# generate_series, triggers off while loading, one large ISP "big-isp" with 100,000 orders and
# ~90 for each other tenant, plus appointments, audit events and webhook deliveries in
# proportion) and a signed-in-able admin for big-isp, admin@scale.example with the demo
# password. Idempotent: a second run finds the data and stops.
#
#   Tests/Benchmarks/seed-scale.sh DATA_DIR
#
# DATA_DIR is a PORTICO_DATA_DIR whose embedded cluster runs and holds the demo (`portico
# demo`, then `portico serve`, as the benchmark does).
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
data_dir=${1:?usage: seed-scale.sh DATA_DIR}
credentials="$data_dir/embedded-postgres.json"
[[ -f $credentials ]] || { echo "seed-scale: no embedded cluster in $data_dir (run portico demo first)" >&2; exit 1; }
db=$(python3 - "$credentials" <<'PY'
import json, sys, urllib.parse
c = json.load(open(sys.argv[1]))
print(f"postgresql://{c['adminUser']}:{urllib.parse.quote(c['adminPassword'])}@127.0.0.1:{c['port']}/{c['database']}?sslmode=disable")
PY
)
if [[ $(psql "$db" -Atc "SELECT count(*) FROM tenants WHERE slug = 'big-isp'") != 0 ]]; then
  echo "seed-scale: already seeded ($(psql "$db" -Atc "SELECT count(*) FROM tenants") tenants, $(psql "$db" -Atc "SELECT count(*) FROM work_orders") work orders)"
  exit 0
fi
started=$(date +%s)
psql "$db" -q -f "$here/scripts/reports-scale/seed.sql" >/dev/null
psql "$db" -q <<'SQL'
INSERT INTO staff_users (tenant_id, email, name, role, status, password_hash)
SELECT t.id, 'admin@scale.example', 'Scale Admin', 'admin', 'active', a.password_hash
  FROM tenants t, staff_users a WHERE t.slug = 'big-isp' AND a.email = 'admin@acme.example';
SQL
echo "seed-scale: $(psql "$db" -Atc "SELECT count(*) FROM tenants") tenants, $(psql "$db" -Atc "SELECT count(*) FROM work_orders") work orders in $(( $(date +%s) - started )) s"
