#!/usr/bin/env bash
# gcopy.sh — system calls on buffers in global memory: run test_gcopy.elf on
# P ranks (P = 1 without mpirun), optionally over TCP, with a 16-page node
# cache (so that the kernel's own page fetches evict); the output must be
# gcopy.expected and the status 0.
# Usage: gcopy.sh SYMUNIX ELF EXPECTED P [MPIRUN [tcp]]
set -u
source "$(dirname "$0")/launch.sh"
ranks_test_args "$@"

mkdir -p "$work/cwd"
(cd "$work/cwd" && timeout --kill-after=5 150 "${launch[@]}" "$symunix" run \
    --root "$work/root" --node-cache 64K "$elf") >"$work/out" 2>"$work/err" </dev/null
check_run $?
echo "gcopy.sh: P=$np${tcp:+ $tcp} ok"
