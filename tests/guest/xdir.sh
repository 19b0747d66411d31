#!/usr/bin/env bash
# xdir.sh — reading a directory names the lazy anonymous files of every node:
# run test_xdir.elf on P ranks (P = 1 without mpirun) with P as its argument;
# it must print xdir.expected and exit 0. On the host, xl/ must then hold
# 2 (P-1) files (2 when alone) and xo/ none.
# Usage: xdir.sh SYMUNIX ELF EXPECTED P [MPIRUN [tcp]]
set -u
source "$(dirname "$0")/launch.sh"
ranks_test_args "$@"
mkdir -p "$work/root"
(cd "$work" && timeout --kill-after=5 150 "${launch[@]}" "$symunix" run --root "$work/root" \
    "$elf" "$np") >"$work/out" 2>"$work/err" </dev/null
check_run $?
want=$(( np > 1 ? 2 * (np - 1) : 2 ))
got=$(ls "$work/root/xl" | wc -l)
[[ $got -eq $want ]] || fail "xl/ on the host holds $got files, want $want"
[[ -z $(ls -A "$work/root/xo") ]] || fail "xo/ on the host is not empty: $(ls -A "$work/root/xo")"
echo "xdir.sh: P=$np${tcp:+ $tcp} ok"
