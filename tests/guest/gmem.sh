#!/usr/bin/env bash
# gmem.sh — global memory over the combining network: run test_gmem.elf on P
# ranks (P = 1 without mpirun) with combining and with --no-combining; both
# runs must print gmem.expected and exit 0; --stats-json must be valid JSON
# naming P ranks, with totals.combines > 0 when combining is on and P >= 2
# and == 0 with --no-combining.
# Usage: gmem.sh SYMUNIX ELF EXPECTED P [MPIRUN [tcp]]
set -u
source "$(dirname "$0")/launch.sh"
ranks_test_args "$@"

for mode in on off; do
    flags=(--root "$work/root.$mode" --stats-json "$work/$mode.json" --node-cache 64K)
    [[ $mode == off ]] && flags+=(--no-combining)
    mkdir -p "$work/$mode.cwd"
    (cd "$work/$mode.cwd" && timeout --kill-after=5 150 "${launch[@]}" "$symunix" run \
        "${flags[@]}" "$elf") >"$work/$mode.out" 2>"$work/$mode.err" </dev/null
    check_run $? "$mode" "combining $mode"
    jq -e . "$work/$mode.json" >/dev/null || fail "combining $mode: --stats-json is not JSON"
    n=$(jq .nranks "$work/$mode.json")
    [[ $n -eq $np ]] || fail "combining $mode: nranks $n, want $np"
    c=$(jq .totals.combines "$work/$mode.json")
    r=$(jq .totals.requests "$work/$mode.json")
    [[ $r -gt 1000 ]] || fail "combining $mode: only $r requests"
    echo "P=$np combining $mode: requests $r, combines $c"
    if [[ $mode == off ]]; then
        [[ $c -eq 0 ]] || fail "--no-combining: combines $c, want 0"
    elif [[ $np -ge 2 ]]; then
        [[ $c -gt 0 ]] || fail "combining on P=$np: no combine"
    fi
done
echo "gmem.sh: P=$np ok"
