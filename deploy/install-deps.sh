#!/usr/bin/env bash
# Installs the Debian packages Portico needs, only those missing.
#   deploy/install-deps.sh          build + run (libraries, PostgreSQL server binaries)
#   deploy/install-deps.sh --test   also what the test suite drives (SMTP server, Chromium, Python,
#                                   and the topology test's PgBouncer, HAProxy, Caddy, curl)
set -euo pipefail

packages=(pkg-config libpq-dev libcurl4-openssl-dev libargon2-dev libssl-dev zlib1g-dev postgresql)
if [[ "${1:-}" == "--test" ]]; then
  # openssl: the private CA and certificates of the STARTTLS test relays (Swift and browser tests).
  # pgbouncer, haproxy, caddy, curl, binutils (readelf): the topology and deploy-artefact tests.
  packages+=(python3 python3-aiosmtpd python3-icalendar python3-venv chromium chromium-driver openssl pgbouncer haproxy caddy curl binutils)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "Installing: ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
