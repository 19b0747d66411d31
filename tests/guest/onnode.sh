#!/usr/bin/env bash
# onnode.sh — a differential guest test run on another node: qemu-riscv64
# runs REF_ELF (the plain build) for the expected output and status; symunix
# runs NODE_ELF (the same source built with -DSYMUNIX_ONNODE: its checks run
# in a spawn child on the last node, onnode.h) on P ranks (P = 1 without
# mpirun), which must print the same and exit the same way.
# Usage: onnode.sh SYMUNIX QEMU REF_ELF NODE_ELF P [MPIRUN [tcp]]
set -u
source "$(dirname "$0")/launch.sh"
qemu=$2
ref=$(realpath "$3")
ranks_test_args "$1" "$4" /dev/null "${@:5}"
mkdir -p "$work/qemu.cwd" "$work/root" "$work/cwd"
(cd "$work/qemu.cwd" && timeout --kill-after=5 120 "$qemu" "$ref") >"$work/expected" \
    2>"$work/qemu.err" </dev/null
qs=$?
[[ $qs -eq 0 ]] || { tail -5 "$work/qemu.err"; fail "qemu itself failed ($qs): the test is wrong"; }
expected=$work/expected
(cd "$work/cwd" && timeout --kill-after=5 150 "${launch[@]}" "$symunix" run --root "$work/root" \
    "$elf" "$np") >"$work/out" 2>"$work/err" </dev/null
check_run $?
echo "onnode.sh: $(basename "$elf") P=$np ok"
