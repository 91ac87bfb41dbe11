#!/usr/bin/env bash
# Compares the package versions SwiftPM resolved (Package.resolved, which stays out of git:
# its commit ids differ between mirrors of the same tags) with deploy/dependency-versions.txt.
# A difference fails: a build from this checkout uses exactly the versions that file names.
#   scripts/check-dependency-versions.sh            check (after `swift build` or `swift package resolve`)
#   scripts/check-dependency-versions.sh --update   rewrite the file after a deliberate upgrade
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -f Package.resolved ]] || swift package resolve >/dev/null
# identity and version of every pin (awk, not python: the Swift build image may lack it)
resolved=$(awk -F'"' '/"identity"/ { id = $4 } /"version" *: *"/ { print id, $4 } /"branch"/ { print id, "branch:" $4 }' Package.resolved | sort)
if [[ ${1:-} == "--update" ]]; then
  { echo "# Every Swift package a build of Portico uses, and its version (scripts/check-dependency-versions.sh)."
    echo "$resolved"; } > deploy/dependency-versions.txt
  echo "deploy/dependency-versions.txt updated"
  exit 0
fi
expected=$(grep -v '^#' deploy/dependency-versions.txt)
if [[ "$resolved" != "$expected" ]]; then
  echo "Resolved Swift package versions differ from deploy/dependency-versions.txt:" >&2
  diff <(echo "$expected") <(echo "$resolved") >&2 || true
  echo "Pin them in Package.swift, or after a deliberate upgrade run scripts/check-dependency-versions.sh --update" >&2
  exit 1
fi
echo "dependency versions: $(echo "$resolved" | wc -l) packages as in deploy/dependency-versions.txt"
