#!/usr/bin/env bash
# Benchmark (not a test): the same single-row primary-key SELECT through our pool and
# through `pgbench -S`, same client count and duration, against an embedded cluster of its
# own (.portico-bench). Prints both throughputs and the ratio.
#   Tests/Benchmarks/pool-vs-pgbench.sh [clients=8] [seconds=15]
set -euo pipefail
cd "$(dirname "$0")/../.."
clients=${1:-8}
seconds=${2:-15}
scale=10

deploy/install-deps.sh
swift build -c release --product portico-bench >/dev/null
swift build -c release --product portico >/dev/null
bin=$(swift build -c release --show-bin-path)

export PORTICO_DATA_DIR=.portico-bench
# Starting `migrate status` brings up (and provisions) the embedded cluster.
"$bin/portico" migrate status >/dev/null 2>&1 || true
creds=.portico-bench/embedded-postgres.json
read -r port cluster password <<<"$(python3 -c "import json; d=json.load(open('$creds')); print(d['port'], d['clusterPath'], d['ownerPassword'])")"
bindir=$(pg_config --bindir)
as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
as_pg "$bindir/pg_ctl" -D "$cluster" status >/dev/null || as_pg "$bindir/pg_ctl" -D "$cluster" -l "$cluster/server.log" -w start >/dev/null

export PGPASSWORD=$password PGHOST=127.0.0.1 PGPORT=$port PGUSER=portico_owner PGDATABASE=portico
pgbench -i -q -s "$scale" >/dev/null 2>&1
rows=$((scale * 100000))

pg_tps=$(pgbench -S -n -c "$clients" -j "$clients" -T "$seconds" 2>/dev/null | awk '/^tps/ {print $3; exit}')
pool_line=$("$bin/portico-bench" pool "postgresql://portico_owner:$password@127.0.0.1:$port/portico?sslmode=disable" "$clients" "$seconds" "$rows")
pool_tps=$(sed -E 's/.*pool_tps=([0-9.]+).*/\1/' <<<"$pool_line")

as_pg "$bindir/pg_ctl" -D "$cluster" -m fast stop >/dev/null
python3 - "$clients" "$seconds" "$pg_tps" "$pool_tps" <<'PY'
import sys
clients, seconds, pg, pool = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
print(f"clients={clients} seconds={seconds}")
print(f"pgbench -S : {pg:10.0f} tps")
print(f"our pool   : {pool:10.0f} tps")
print(f"ratio      : {pool / pg:10.2f}  (target >= 0.60)")
PY
