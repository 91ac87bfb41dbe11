#!/usr/bin/env bash
# One formatting for the whole tree: .swift-format (150 columns, as the Hummingbird repo uses),
# applied by the swift-format that ships with the toolchain. Fails listing every file whose
# formatting differs; `scripts/check-format.sh --fix` rewrites them in place.
set -euo pipefail
cd "$(dirname "$0")/.."
paths=(Package.swift Sources Tests)
if [[ ${1:-} == "--fix" ]]; then
  swift format format --in-place --recursive --parallel --configuration .swift-format "${paths[@]}"
  exit 0
fi
# `lint --strict` reports every line the formatter would change, and every rule in the
# configuration it cannot fix by itself, as an error.
if ! out=$(swift format lint --strict --recursive --parallel --configuration .swift-format "${paths[@]}" 2>&1); then
  echo "$out" >&2
  echo "Formatting differs from .swift-format: run scripts/check-format.sh --fix" >&2
  exit 1
fi
if [[ -n "$out" ]]; then
  echo "$out" >&2
  echo "swift format lint printed findings: run scripts/check-format.sh --fix" >&2
  exit 1
fi
echo "format: $(git ls-files -- '*.swift' | wc -l) Swift files match .swift-format"
