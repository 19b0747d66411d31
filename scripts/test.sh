#!/usr/bin/env bash
# Build, then run every test: Criterion unit tests, guest programs under symunix
# (1, 2, 4 ranks) compared with qemu-riscv64, and the randomised difftest — first
# in the Release build (build/), then in a Debug build with AddressSanitizer and
# UBSan (build-asan/), which must be just as clean.
# Arguments go to ctest (e.g. -L unit, -R guest.hello, -V).
# SYMUNIX_SKIP_ASAN=1 runs the Release pass only.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

run_suite() { # build dir, build type, cmake args...
  local dir=$1 type=$2
  shift 2
  echo "== $dir ($type $*) =="
  SYMUNIX_BUILD=$dir SYMUNIX_BUILD_TYPE=$type bash scripts/build.sh "$@"
  (cd "$dir" && ctest --output-on-failure -j 2 "${CTEST_ARGS[@]}")
}

CTEST_ARGS=("$@")
run_suite "$SYMUNIX_BUILD" Release
if [ "${SYMUNIX_SKIP_ASAN:-0}" != 1 ]; then
  # Open MPI's own plugins leak at exit; run-guest.sh turns leak checks off
  # for mpirun runs only.
  run_suite build-asan Debug -DSYMUNIX_SANITIZE=ON
fi
