#!/usr/bin/env bash
# Build, then run every test: Criterion unit tests, guest programs under symunix
# (1, 2, 4 ranks) compared with qemu-riscv64, and the randomised difftest.
# Arguments go to ctest (e.g. -L unit, -R guest.hello, -V).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
bash scripts/build.sh
cd "$SYMUNIX_BUILD"
ctest --output-on-failure -j 2 "$@"
