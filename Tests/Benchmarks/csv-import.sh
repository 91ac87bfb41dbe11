#!/usr/bin/env bash
# Benchmark (not a gate): the staff console's CSV import of 50,000 generated rows (one account,
# customer and device each) through the real HTTP stack — upload and analysis, dry run, import —
# against an embedded test cluster of its own (.portico-bench-csv). Prints the three times.
# The same test runs in the ordinary suite (`CSVImportTests/fiftyThousandRows`), which checks
# the rows and prints the times without asserting them.
#   Tests/Benchmarks/csv-import.sh [debug|release]
# SCRATCH_PATH reuses an existing build folder (e.g. SCRATCH_PATH=.build for the debug build).
set -euo pipefail
cd "$(dirname "$0")/../.."
config=${1:-debug}
scratch=${SCRATCH_PATH:-.build-bench-csv}
data=.portico-bench-csv

deploy/install-deps.sh --test >/dev/null
flags=(--scratch-path "$scratch" -c "$config")
# The suites use @testable imports, which a release build only allows with testing enabled.
[[ $config == release ]] && flags+=(-Xswiftc -enable-testing)
swift build "${flags[@]}" --build-tests >/dev/null

stop_cluster() {
  if [[ -f $data/embedded-postgres.json ]]; then
    cluster=$(python3 -c "import json; print(json.load(open('$data/embedded-postgres.json'))['clusterPath'])")
    bindir=$(pg_config --bindir 2>/dev/null || ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$bindir/pg_ctl" -D "$cluster" -m fast stop >/dev/null 2>&1 || true
    else "$bindir/pg_ctl" -D "$cluster" -m fast stop >/dev/null 2>&1 || true; fi
  fi
}
trap stop_cluster EXIT

PORTICO_TEST_DATA_DIR=$data swift test "${flags[@]}" --skip-build --filter 'CSVImportTests/fiftyThousandRows' 2>&1 \
  | grep -E 'CSV import benchmark|passed|failed|error' || true
