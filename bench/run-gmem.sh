#!/usr/bin/env bash
# run-gmem.sh — the guest hot-spot benchmark of global memory: gmem_hot.elf
# (N processes spread round-robin over the nodes by spawn, K amoadd.d each on
# one global word) under `symunix run` on P ranks with and without combining,
# next to netbench's native MPI_Fetch_and_op hot-spot anchor on the same ranks
# in the same run.
# Columns: the anchor's Mops/s (Open MPI's defaults), the same with Open
# MPI's idle yield off (shown, not the anchor: symunix run turns that yield
# off for itself, docs/network.md "Idle ranks"); the guest's Mops/s with
# combining and without, each with its ratio to the anchor; requests reaching
# the hot MM per guest op (totals.mm_busiest of --stats-json over N*K; 1
# without combining). Every figure is the median of --reps runs. The guest
# figure is measured by the guest (clock_gettime from the start word until
# the last child is done with its loop).
# Usage: bench/run-gmem.sh [--build DIR] [--ranks "1 2 4 8"] [--procs N] [--ops K]
#                          [--tcp] [--reps R]
set -u -o pipefail
build=build ranks="1 2 4 8" procs=1000 ops=3000 tcp=0 reps=1
while [[ $# -gt 0 ]]; do
    case $1 in
    --build) build=$2; shift 2 ;;
    --ranks) ranks=$2; shift 2 ;;
    --procs) procs=$2; shift 2 ;;
    --ops) ops=$2; shift 2 ;;
    --tcp) tcp=1; shift ;;
    --reps) reps=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-gmem.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
    esac
done
cd "$(dirname "$0")/.."
source scripts/env.sh
symunix=$(realpath "$build/symunix") elf=$(realpath "$build/guest/gmem_hot.elf")
netbench=$(realpath "$build/bench/netbench")
for f in "$symunix" "$elf" "$netbench"; do
    [[ -x $f || -f $f ]] || { echo "run-gmem.sh: missing $f: build first" >&2; exit 1; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/run-gmem.XXXXXX")
trap 'rm -rf "$work"' EXIT
if [[ $tcp == 1 ]]; then
    # As between hosts: symunix's --flush-us default is 50 us only when all
    # ranks share a host; over TCP 500 us (fewer, larger messages) is faster.
    mca=(--mca btl self,tcp --mca osc ^sm) net=tcp sflags=(--flush-us 500)
else
    mca=(--mca btl self,vader) net=shm sflags=()
fi
# guest P MODE: one run; prints "MOPS MM_PER_OP" (the best of --reps runs).
guest() {
    local p=$1 mode=$2 runs="" flags=("${sflags[@]}")
    [[ $mode == nocomb ]] && flags+=(--no-combining)
    for _ in $(seq "$reps"); do
        rm -rf "$work/root" "$work/s.json"
        local line
        line=$(cd "$work" && timeout 600 mpirun -np "$p" --oversubscribe "${mca[@]}" "$symunix" run \
            --root "$work/root" --stats-json "$work/s.json" "${flags[@]}" "$elf" "$procs" "$ops") ||
            { echo "run-gmem.sh: the guest failed (P=$p, $mode)" >&2; exit 1; }
        [[ $line == *"check ok"* ]] || { echo "run-gmem.sh: check failed: $line" >&2; exit 1; }
        local m mm
        m=$(awk '{print $6}' <<<"$line")
        mm=$(jq ".totals.mm_busiest / ($procs * $ops)" "$work/s.json")
        runs+="$m $mm"$'\n'
    done
    # The median run (as netbench reports the anchor's median).
    sort -g <<<"${runs%$'\n'}" | awk '{ l[NR] = $0 } END { print l[int((NR + 1) / 2)] }'
}
echo "guest hot spot: $procs processes spread over the nodes x $ops amoadd.d on one global word ($net)"
echo "medians of $reps runs; native = MPI_Fetch_and_op with Open MPI's defaults (the anchor),"
echo "native-ny = the same with mpi_yield_when_idle 0 (ranks spin without yielding; not the anchor)"
printf "%-4s %2s %9s %9s %9s %7s %9s %9s %7s %9s\n" net P native native-ny comb x nocomb mm/op x \
    mm/op
printf "%-4s %2s %9s %9s %9s %7s %9s %9s %7s %9s\n" "" "" Mops/s Mops/s Mops/s nat "(comb)" \
    Mops/s nat "(nocomb)"
native() { # P [extra mpirun args]: the anchor's Mops/s
    local p=$1
    shift
    mpirun -np "$p" --oversubscribe "${mca[@]}" "$@" "$netbench" --only hot --seconds 0.3 \
        --reps "$reps" 2>/dev/null | awk '$2 == "native" {print $6}'
}
for p in $ranks; do
    nat=$(native "$p")
    ny=$(native "$p" --mca mpi_yield_when_idle 0)
    [[ -n $nat && -n $ny ]] || { echo "run-gmem.sh: netbench failed (P=$p)" >&2; exit 1; }
    read -r c cm < <(guest "$p" comb)
    read -r u um < <(guest "$p" nocomb)
    awk -v net=$net -v p="$p" -v n="$nat" -v ny="$ny" -v c="$c" -v cm="$cm" -v u="$u" -v um="$um" 'BEGIN {
        printf "%-4s %2s %9.3f %9.3f %9.3f %7.3f %9.4f %9.3f %7.3f %9.4f\n", net, p, n, ny, c, c / n,
               cm, u, u / n, um }'
done
