#!/usr/bin/env bash
# Builds Portico, creates the demo tenants and serves http://localhost:8080 on embedded
# defaults: its own PostgreSQL under ./.portico and mail written to ./.portico/mail.
# Then open http://acme.localhost:8080/portal and http://zenith.localhost:8080/portal.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh
swift build --product portico
portico=$(swift build --show-bin-path)/portico
port=${PORT:-8080}
export PORTICO_PUBLIC_PORT=${PORTICO_PUBLIC_PORT:-$port}
"$portico" demo
exec "$portico" serve --hostname 127.0.0.1 --port "$port"
