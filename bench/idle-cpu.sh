#!/usr/bin/env bash
# idle-cpu.sh — what an idle rank costs: runs a guest that sleeps on P ranks
# and prints, for every rank, the CPU time it used over WINDOW seconds while
# the guest slept, as a percentage of one core (user + system, from
# /proc/PID/stat). A report, not a test: the exit status is non-zero only if
# the job did not run. The target (docs/network.md "Idle ranks") is a few
# percent of a core per rank; on a busy machine the numbers grow with the
# load beside them.
#
# Usage: bench/idle-cpu.sh [--build DIR] [--ranks P] [--window S] [--tcp]
#   --build DIR   the build directory (default: build)
#   --ranks P     ranks (default 3)
#   --window S    seconds measured (default 4)
#   --tcp         Open MPI's TCP transport between the ranks
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=$here/../build np=3 window=4 tcp=()
while [[ $# -gt 0 ]]; do
    case $1 in
    --build) build=$2; shift 2 ;;
    --ranks) np=$2; shift 2 ;;
    --window) window=$2; shift 2 ;;
    --tcp) tcp=(--mca btl tcp,self); shift ;;
    *) echo "usage: idle-cpu.sh [--build DIR] [--ranks P] [--window S] [--tcp]" >&2; exit 2 ;;
    esac
done
symunix=$(realpath "$build/symunix")
elf=$(realpath "$build/guest/test_sleeper.elf")
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
work=$(mktemp -d "${TMPDIR:-/tmp}/idlecpu.XXXXXX")
trap 'kill "$job" 2>/dev/null; rm -rf "$work"' EXIT
sleep_s=$((window + 30))
mpirun --oversubscribe -np "$np" "${tcp[@]}" "$symunix" run --root "$work/root" "$elf" "$sleep_s" \
    >"$work/out" 2>"$work/err" </dev/null &
job=$!

rank_pid() {
    for p in $(pgrep -f -- "--root $work/root"); do
        [[ $p == "$job" ]] && continue
        if tr '\0' '\n' </proc/$p/environ 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$1"; then
            echo "$p"
            return
        fi
    done
}
declare -A pid
for _ in $(seq 300); do
    n=0
    for r in $(seq 0 $((np - 1))); do
        pid[$r]=$(rank_pid "$r")
        [[ -n ${pid[$r]} ]] && n=$((n + 1))
    done
    [[ $n -eq $np ]] && break
    sleep 0.1
done
[[ $n -eq $np ]] || { echo "idle-cpu.sh: the ranks did not start" >&2; cat "$work/err" >&2; exit 1; }
sleep 3 # past start-up: the guest sleeps now

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
tck=$(getconf CLK_TCK)
declare -A t0
for r in "${!pid[@]}"; do t0[$r]=$(ticks "${pid[$r]}"); done
start=$(date +%s.%N)
sleep "$window"
el=$(echo "$(date +%s.%N) - $start" | bc)
echo "idle ranks: P=$np${tcp:+ tcp}, ${el}s measured while the guest slept"
for r in $(seq 0 $((np - 1))); do
    t1=$(ticks "${pid[$r]}")
    d=$((t1 - ${t0[$r]}))
    printf 'rank %d: %d ticks of 1/%d s = %.2f%% of a core\n' "$r" "$d" "$tck" \
        "$(echo "100 * $d / $tck / $el" | bc -l)"
done
