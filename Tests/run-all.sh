#!/usr/bin/env bash
# Installs what the tests need and runs every test: the Swift suites (real PostgreSQL in an
# embedded cluster under .portico-test, a real SMTP server on loopback), the browser tests,
# the API fuzz, the deploy-artefact checks and the production-topology test.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh --test

stop_test_cluster() {
  if [[ -f .portico-test/embedded-postgres.json ]]; then
    cluster=$(python3 -c 'import json,sys; print(json.load(open(".portico-test/embedded-postgres.json"))["clusterPath"])')
    bindir=$(pg_config --bindir 2>/dev/null || ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    if [[ $(id -u) -eq 0 ]]; then
      runuser -u postgres -- "$bindir/pg_ctl" -D "$cluster" -m fast stop >/dev/null 2>&1 || true
    else
      "$bindir/pg_ctl" -D "$cluster" -m fast stop >/dev/null 2>&1 || true
    fi
  fi
}
trap stop_test_cluster EXIT

# One formatting (.swift-format); seconds, so it runs before the long build.
scripts/check-format.sh

swift build --build-tests
# The versions SwiftPM resolved are the ones deploy/dependency-versions.txt names.
scripts/check-dependency-versions.sh
swift test --skip-build

# Real headless Chromium against the real server (the binary built above).
PORTICO_BIN="$(swift build --show-bin-path)/portico" Tests/Browser/run.sh

# Property-based fuzz of /api/v1 against the real server (schemathesis; fails on any 5xx).
PORTICO_BIN="$(swift build --show-bin-path)/portico" Tests/API/fuzz.sh

# Deploy artefacts: the release binary exactly as deploy/ builds it (scripts/build-release.sh:
# static Swift runtime, version linked in), checked with ldd/readelf against the Containerfile's
# runtime packages and the manual recipe's, and run with the Swift toolchain hidden.
scripts/build-release.sh
release_bin="$(swift build -c release --show-bin-path)/portico"
Tests/Deploy/runtime_libraries.py "$release_bin"

# The production topology with that binary: PostgreSQL (application role only) → PgBouncer 1.18
# (transaction mode) → 3 × portico → HAProxy → Caddy (on-demand TLS), with kill -9, SIGTERM and
# a slow SMTP relay under a write workload.
PORTICO_BIN="$release_bin" Tests/Topology/run.sh
