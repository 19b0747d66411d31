#!/usr/bin/env bash
# The main job for a newcomer: install what is missing, build, then run a hello
# program on 2 ranks, the parallel hot-spot benchmark (a family of guest
# processes doing fetch-and-add on one word of global memory, through the
# combining network on 2 and 4 ranks, with and without combining, next to
# native MPI_Fetch_and_op) and the CPU benchmark, each with a readable table.
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
echo "== parallel hot spot: guest amoadd on global memory vs MPI_Fetch_and_op =="
bash bench/run-gmem.sh --build "$B" --ranks "2 4" --procs 64 --ops 200
echo
echo "== CPU benchmark: symunix vs qemu-riscv64 on the same binary =="
bash bench/run-cpu.sh --build "$B" --runs 3
