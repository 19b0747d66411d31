#!/usr/bin/env bash
# xabnormal.sh — close actions across nodes: run test_xabnormal.elf on P
# ranks (P = 1 without mpirun) with P as its argument; it must print
# xabnormal.expected and exit 0 (what survived in xab/ after holders on other
# nodes ended normally, by SIGSEGV, by SIGKILL). The store root must hold the
# same survivors, and the core files of the two crashes in "@image" (the root).
# Usage: xabnormal.sh SYMUNIX ELF EXPECTED P [MPIRUN [tcp]]
set -u
source "$(dirname "$0")/launch.sh"
ranks_test_args "$@"
mkdir -p "$work/root"
(cd "$work" && timeout --kill-after=5 150 "${launch[@]}" "$symunix" run --root "$work/root" \
    "$elf" "$np") >"$work/out" 2>"$work/err" </dev/null
check_run $?
got=$(cd "$work/root/xab" && LC_ALL=C ls | tr '\n' ' ')
[[ $got == "in-delnot ok-delabn pd-delnot rv-delnot " ]] || fail "xab/ on the host holds: $got"
shopt -s nullglob
cores=("$work"/root/core.*)
[[ ${#cores[@]} == 2 ]] || fail "expected two core.<pid> in the root, got ${#cores[@]}"
echo "xabnormal.sh: P=$np${tcp:+ $tcp} ok"
