#!/usr/bin/env bash
# The production-topology test (issue 14): PostgreSQL as the application role, PgBouncer 1.18 in
# transaction mode, three `portico serve` behind HAProxy, Caddy with on-demand TLS, faults under a
# write workload, a slow SMTP relay. Bounded to about five minutes; every port is a free one.
#   PORTICO_BIN=$(swift build --show-bin-path)/portico Tests/Topology/run.sh [--keep]
set -euo pipefail
cd "$(dirname "$0")/../.."
portico=${PORTICO_BIN:-$(swift build --show-bin-path)/portico}
if [[ ! -x "$portico" ]]; then
  echo "topology: $portico is not built (swift build --product portico)" >&2
  exit 2
fi
# Debian's python3: the slow relay needs python3-aiosmtpd.
exec timeout --kill-after=30 420 /usr/bin/python3 Tests/Topology/topology.py --portico "$portico" "$@"
