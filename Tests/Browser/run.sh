#!/usr/bin/env bash
# Browser tests: real headless Chromium driving the real `portico serve`.
#
#   Tests/Browser/run.sh [pytest arguments…]      e.g. -k registration, -x
#
# Needs Debian's chromium, chromium-driver and python3-venv (Tests/run-all.sh installs them).
# Creates the Python venv (.build-browser-venv/, pinned requirements) when missing or when
# requirements.txt changed, builds `portico` with `swift build --product portico` unless
# PORTICO_BIN points at a built one (SWIFT_BUILD_ARGS adds arguments, e.g. a scratch path),
# runs pytest and leaves screenshots and the server log in artifacts/browser/.
# The exit code is pytest's.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

for tool in "${PORTICO_CHROMIUM:-/usr/bin/chromium}" "${PORTICO_CHROMEDRIVER:-/usr/bin/chromedriver}"; do
  if [[ ! -x $tool ]]; then
    echo "browser tests: $tool is missing (apt-get install chromium chromium-driver)" >&2
    exit 2
  fi
done

# Python venv with the pinned requirements; reinstalled only when requirements.txt changes.
venv="$root/.build-browser-venv"
requirements="$root/Tests/Browser/requirements.txt"
stamp="$venv/.requirements.sha256"
wanted=$(sha256sum "$requirements" | cut -d' ' -f1)
if [[ ! -x $venv/bin/python || ! -f $stamp || $(cat "$stamp") != "$wanted" ]]; then
  python=/usr/bin/python3
  [[ -x $python ]] || python=$(command -v python3)
  rm -rf "$venv"
  "$python" -m venv "$venv"
  PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/pip" install --quiet --no-input -r "$requirements"
  echo "$wanted" > "$stamp"
fi

# The server under test.
if [[ -z ${PORTICO_BIN:-} ]]; then
  # shellcheck disable=SC2086 # SWIFT_BUILD_ARGS is a list of words on purpose
  swift build --product portico ${SWIFT_BUILD_ARGS:-}
  # shellcheck disable=SC2086
  PORTICO_BIN="$(swift build --show-bin-path ${SWIFT_BUILD_ARGS:-})/portico"
fi
export PORTICO_BIN

artifacts="$root/artifacts/browser"
rm -rf "$artifacts"
mkdir -p "$artifacts"
export PORTICO_BROWSER_ARTIFACTS="$artifacts"
export PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1

status=0
"$venv/bin/python" -m pytest -q -c Tests/Browser/pytest.ini --rootdir Tests/Browser Tests/Browser "$@" || status=$?
echo "browser tests: screenshots and server log in artifacts/browser/"
exit "$status"
