#!/usr/bin/env bash
# run-net.sh — the network engine's benchmark: one table of host-driven
# throughput (hot spot, hot fraction h, GUPS-like; combining on and off)
# against the native anchor MPI_Fetch_and_op on the same ranks in the same run,
# for P = 1, 2, 4, 8 (oversubscribed) over shared memory and over TCP.
# Columns: Mops/s of the anchor and of the engine with and without combining,
# each engine figure's ratio to the anchor, and the requests reaching the hot
# word's MM per hot op (1 without combining; the target with it is <= 1/4).
# "tcp" is --mca btl self,tcp --mca osc ^sm (one-sided ops over TCP as well).
# Usage: bench/run-net.sh [--build DIR] [--ranks "1 2 4 8"] [--transports "shm tcp"]
#                         [--window W] [--h H] [--seconds S] [--reps N] [--raw FILE]
set -u -o pipefail
build=build ranks="1 2 4 8" transports="shm tcp" window=1024 h=0.1 seconds=0.5 reps=3 raw=""
while [[ $# -gt 0 ]]; do
    case $1 in
    --build) build=$2; shift 2 ;;
    --ranks) ranks=$2; shift 2 ;;
    --transports) transports=$2; shift 2 ;;
    --window) window=$2; shift 2 ;;
    --h) h=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --raw) raw=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-net.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
    esac
done
cd "$(dirname "$0")/.."
source scripts/env.sh
bench=$(realpath "$build/bench/netbench" 2>/dev/null)
[[ -x $bench ]] || { echo "run-net.sh: missing $build/bench/netbench: build first" >&2; exit 1; }
out=$(mktemp "${TMPDIR:-/tmp}/run-net.XXXXXX")
trap 'rm -f "$out"' EXIT
for t in $transports; do
    case $t in
    shm) mca=(--mca btl self,vader) ;;
    # Without osc ^sm the anchor's one-sided ops would bypass TCP through
    # Open MPI's shared-memory window component (osc/sm): 16 Mops/s, not TCP.
    tcp) mca=(--mca btl self,tcp --mca osc ^sm) ;;
    *) echo "run-net.sh: transport $t is not shm or tcp" >&2; exit 2 ;;
    esac
    for p in $ranks; do
        echo "run-net.sh: $t, $p ranks" >&2
        if ! mpirun -np "$p" --oversubscribe "${mca[@]}" "$bench" --window "$window" --h "$h" \
            --seconds "$seconds" --reps "$reps" | sed "s/^/$t /" >>"$out"; then
            echo "run-net.sh: netbench failed ($t, $p ranks)" >&2; exit 1
        fi
    done
done
[[ -n $raw ]] && cp "$out" "$raw"
echo "network engine, host-driven: W = $window requests in flight per rank, h = $h, amoadd.d"
awk -v W="$window" '
{ key = $1 " " $4 " " $2; mops[key, $3] = $7; mm[key, $3] = $8; ok[key, $3] = $9
  if (!(key in seen)) { seen[key] = 1; order[n++] = key } }
END {
  printf "%-4s %2s %-5s %9s %9s %7s %9s %7s %9s %9s %s\n", "net", "P", "load", "native",
         "comb", "x", "nocomb", "x", "mm/op", "mm/op", "checks"
  printf "%-4s %2s %-5s %9s %9s %7s %9s %7s %9s %9s\n", "", "", "", "Mops/s", "Mops/s", "nat",
         "Mops/s", "nat", "comb", "nocomb"
  for (i = 0; i < n; i++) {
    k = order[i]; split(k, f, " ")
    nat = mops[k, "native"]; c = mops[k, "comb"]; u = mops[k, "nocomb"]
    chk = (ok[k, "native"] == "ok" && ok[k, "comb"] == "ok" && ok[k, "nocomb"] == "ok") ? "ok" : "FAILED"
    hm = f[3] == "gups" ? "-" : sprintf("%.4f", mm[k, "comb"])
    hu = f[3] == "gups" ? "-" : sprintf("%.4f", mm[k, "nocomb"])
    printf "%-4s %2s %-5s %9.3f %9.3f %7.2f %9.3f %7.2f %9s %9s %s\n", f[1], f[2], f[3], nat, c,
           (nat > 0 ? c / nat : 0), u, (nat > 0 ? u / nat : 0), hm, hu, chk
  }
}' "$out"
grep -q "CHECK-FAILED" "$out" && { echo "run-net.sh: a built-in check failed" >&2; exit 1; }
exit 0
