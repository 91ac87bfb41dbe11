#!/usr/bin/env bash
# The release build of `portico` that deploy/ installs: optimised, the Swift runtime and
# Foundation linked in statically (the binary needs no Swift toolchain, only the Debian
# libraries listed in deploy/Containerfile's runtime stage), and the version baked in.
#
#   scripts/build-release.sh                       → .build/release/portico
#   PORTICO_VERSION=1.4.0 scripts/build-release.sh (no .git, e.g. inside a container build)
#   scripts/build-release.sh -c debug              (extra arguments go to `swift build`)
#
# The version is `git describe --tags --always --dirty` of this checkout. It reaches the
# binary at link time: a one-line C object whose strong `portico_build_version` replaces the
# weak one of the CPorticoVersion target (which says "dev" in a plain `swift build`). No
# build plugin, no generated file in the tree, and no compiler flag that would rebuild
# every module — only the link step sees it.
set -euo pipefail
cd "$(dirname "$0")/.."
version=${PORTICO_VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
if [[ ! $version =~ ^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$ ]]; then
  echo "build-release: the version must be letters, digits and . _ + - (got '$version')" >&2
  exit 2
fi
configuration=(-c release)
if [[ ${1:-} == "-c" ]]; then configuration=(-c "$2"); shift 2; fi
mkdir -p .build
stamp=.build/portico-version
printf 'const char *portico_build_version(void) { return "%s"; }\n' "$version" > "$stamp.c"
"${CC:-$(command -v cc || command -v clang)}" -c -O2 -fPIC -o "$stamp.o" "$stamp.c"
swift build "${configuration[@]}" --product portico --static-swift-stdlib -Xlinker "$PWD/$stamp.o" "$@"
echo "$(swift build "${configuration[@]}" --show-bin-path)/portico ($version)"
