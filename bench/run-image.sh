#!/usr/bin/env bash
# run-image.sh — the image-file cost benchmark (symunix2-memory-management.txt §4.1).
# Runs guest/imagefiles.elf N times under `symunix run`, each with a fresh
# --root in a temporary directory, takes the median ops/s of every (path, size),
# and prints a table with each path's cost per op relative to the cheapest path
# of that size, then a verdict on the target: lazy anonymous segments within
# 1.5x the cost of the cheapest path, for each of the two lazy forms (lazy: the
# path form, lazyat: through an open directory descriptor) and each size.
# The verdict is a report, not an assertion: the exit status is non-zero only
# if the program failed or the paths' checksums disagree. Progress lines go
# to stderr.
# Usage: bench/run-image.sh [--build DIR] [--runs N] [--scale S]
#   --build DIR   the CMake build directory (default: build)
#   --runs N      number of runs (default 5)
#   --scale S     iterations scale passed to imagefiles.elf (default 1)
# Profile one run with callgrind (valgrind lacks openat2):
#   SYMUNIX_NO_OPENAT2=1 valgrind --tool=callgrind build/symunix run --root /tmp/r build/guest/imagefiles.elf 0.2
set -u
runs=5 build=build scale="" target=1.5
while [[ $# -gt 0 ]]; do
    case $1 in
    --runs) runs=${2:?--runs needs a value}; shift 2 ;;
    --build) build=${2:?--build needs a value}; shift 2 ;;
    --scale) scale=${2:?--scale needs a value}; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-image.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
    esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "run-image.sh: --runs wants a positive integer, not '$runs'" >&2; exit 2; }
symunix=$(realpath "$build/symunix" 2>/dev/null) elf=$(realpath "$build/guest/imagefiles.elf" 2>/dev/null)
for f in "$symunix" "$elf"; do
    [[ -n $f && -f $f ]] || { echo "run-image.sh: missing $build/symunix or $build/guest/imagefiles.elf: build first (cmake --build $build)" >&2; exit 1; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/run-image.XXXXXX") || { echo "run-image.sh: mktemp failed" >&2; exit 1; }
trap 'rm -rf "$work"' EXIT
args=()
[[ -n $scale ]] && args=("$scale")

: >"$work/all"
for ((i = 1; i <= runs; i++)); do
    rm -rf "$work/root"; mkdir "$work/root"
    if ! (cd "$work/root" && "$symunix" run --root "$work/root" "$elf" "${args[@]}") >"$work/out" 2>"$work/err"; then
        echo "run-image.sh: imagefiles.elf failed (run $i/$runs):" >&2
        tail -5 "$work/err" "$work/out" >&2
        exit 1
    fi
    grep -v '^#' "$work/out" >>"$work/all"
    echo "run $i/$runs: $(awk '!/^#/ { printf "%s/%s %.0f  ", $1, $2, $5 }' "$work/out")" >&2
done
for p in lazy lazyat named brk mmap; do
    grep -q "^$p " "$work/all" || { echo "run-image.sh: no '$p' lines in the output" >&2; exit 1; }
done

# Medians of ops/s per (path, pages); rows in the program's order.
awk -v target="$target" -v runs="$runs" -v scale="${scale:-1}" '
function median(key,   n, i, j, t, v) {
    n = split(vals[key], v, " ")
    for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
{
    key = $1 " " $2
    if (!(key in vals)) { order[++nk] = key; path[key] = $1; pages[key] = $2; iters[key] = $3 }
    vals[key] = vals[key] " " $5
    if (!(($2, $6) in sum)) { sum[$2, $6] = 1; nsum[$2]++ }
}
END {
    for (k = 1; k <= nk; k++) {
        key = order[k]; ops[key] = median(key); p = pages[key]
        if (!(p in best) || ops[key] > best[p]) { best[p] = ops[key]; bestpath[p] = path[key] }
        if (!(p in seen)) { sizes[++ns] = p; seen[p] = 1 }
    }
    printf "image-file cost benchmark, scale %s, %d runs (median ops/s per path and size)\n", scale, runs
    printf "%-6s %6s %7s %12s %12s %14s\n", "path", "pages", "iters", "ops/s", "ns/op", "vs cheapest"
    for (s = 1; s <= ns; s++) {
        for (k = 1; k <= nk; k++) {
            key = order[k]; if (pages[key] != sizes[s]) continue
            r = best[sizes[s]] / ops[key]
            if (path[key] == "lazy" || path[key] == "lazyat") lr[path[key], sizes[s]] = r
            printf "%-6s %6s %7s %12.1f %12.0f %13.2fx\n", path[key], pages[key], iters[key], ops[key], 1e9 / ops[key], r
        }
    }
    nform = split("lazy lazyat", form, " ")
    for (fi = 1; fi <= nform; fi++) {
        f = form[fi]; met = ""; bad = ""; worst = 0
        for (s = 1; s <= ns; s++) {
            p = sizes[s]; r = lr[f, p]; if (r > worst) worst = r
            if (r > target) bad = bad sprintf(" %s pages (%.2fx vs %s)", p, r, bestpath[p])
            else met = met sprintf(" %s pages (%.2fx)", p, r)
        }
        if (bad == "") printf "verdict %-6s: target MET within %.1fx the cheapest path at every size:%s\n", f, target, met
        else printf "verdict %-6s: target NOT met at%s; met at%s\n", f, bad, met == "" ? " no size" : met
    }
    csbad = 0
    for (s = 1; s <= ns; s++) if (nsum[sizes[s]] != 1) csbad = 1
    print csbad ? "checksums: DIFFER between paths" : "checksums: identical across paths"
    exit csbad
}' "$work/all"
