#!/usr/bin/env bash
# Configure and build into $SYMUNIX_BUILD (default build/). Extra arguments go to cmake,
# e.g. scripts/build.sh -DSYMUNIX_SANITIZE=ON with SYMUNIX_BUILD=build-asan.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cmake -S . -B "$SYMUNIX_BUILD" -DCMAKE_BUILD_TYPE="${SYMUNIX_BUILD_TYPE:-Release}" "$@" >/dev/null
cmake --build "$SYMUNIX_BUILD" -j "$(nproc)"
