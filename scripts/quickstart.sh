#!/usr/bin/env bash
# The main job for a newcomer: install what is missing, build, then run a hello
# program and the CPU benchmark on the emulated machine (2 ranks under mpirun),
# with a readable summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
source scripts/env.sh
B="$SYMUNIX_BUILD"
echo
echo "== hello on 2 nodes (mpirun -np 2) =="
mpirun -np 2 --oversubscribe "$B/symunix" run --root "$B/symroot" "$B/guest/hello.elf"
echo
echo "== CPU benchmark: symunix vs qemu-riscv64 on the same binary =="
bash bench/run-cpu.sh --build "$B" --runs 3
