#!/usr/bin/env bash
# Builds Portico, creates the demo tenants and serves http://localhost:8080 on embedded
# defaults: its own PostgreSQL under ./.portico and mail written to ./.portico/mail.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh
swift build --product portico
portico=$(swift build --show-bin-path)/portico

exec "$portico" serve --hostname 127.0.0.1 --port "${PORT:-8080}"
