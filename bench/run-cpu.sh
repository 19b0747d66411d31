#!/usr/bin/env bash
# run-cpu.sh — the single-node CPU benchmark: symunix against qemu-riscv64.
# Runs guest/cpu.elf N times under `symunix run --stats` (median seconds and
# MIPS) and N times under qemu-riscv64 (median seconds), alternating the two so
# that both see the same noise of a shared machine, checks that both printed
# the same checksums, and prints a small table (progress goes to stderr).
# Usage: bench/run-cpu.sh [--runs N] [--build DIR] [--scale S] [--no-qemu]
#   --build DIR   the CMake build directory (default: build)
# Profile the interpreter with callgrind (slow: use a small scale; valgrind
# lacks openat2, so the store walks paths itself):
#   SYMUNIX_NO_OPENAT2=1 valgrind --tool=callgrind build/symunix run build/guest/cpu.elf 1
#   callgrind_annotate callgrind.out.* | head -40
set -u
runs=5 build=build scale="" qemu=qemu-riscv64 use_qemu=1
while [[ $# -gt 0 ]]; do
    case $1 in
    --runs) runs=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --scale) scale=$2; shift 2 ;;
    --qemu) qemu=$2; shift 2 ;;
    --no-qemu) use_qemu=0; shift ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-cpu.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
    esac
done
symunix=$(realpath "$build/symunix" 2>/dev/null) elf=$(realpath "$build/guest/cpu.elf" 2>/dev/null)
for f in "$symunix" "$elf"; do
    [[ -x $f || -f $f ]] || { echo "run-cpu.sh: missing $f: build first (cmake --build $build)" >&2; exit 1; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/run-cpu.XXXXXX")
trap 'rm -rf "$work"' EXIT
args=()
[[ -n $scale ]] && args=("$scale")

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# One run of each per round; symunix's own --stats give instructions, seconds
# and MIPS, qemu (which has no instruction count) is timed here.
run_symunix() {
    if ! "$symunix" run --root "$work/root" --stats "$elf" "${args[@]}" >"$work/sym.out" 2>"$work/sym.err"; then
        echo "run-cpu.sh: symunix failed (run $1):" >&2; tail -5 "$work/sym.err" >&2; exit 1
    fi
    awk -F': *' '$1 == "seconds" { print $2 }' "$work/sym.err" >>"$work/sym.s"
    awk -F': *' '$1 == "mips" { print $2 }' "$work/sym.err" >>"$work/sym.mips"
    insns=$(awk -F': *' '$1 == "instructions" { print $2 }' "$work/sym.err")
}
run_qemu() {
    local t0 t1
    t0=$(date +%s.%N)
    "$qemu" "$elf" "${args[@]}" >"$work/qemu.out" || { echo "run-cpu.sh: qemu failed" >&2; exit 1; }
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }' >>"$work/qemu.s"
}
: >"$work/sym.s"; : >"$work/sym.mips"; : >"$work/qemu.s"
for ((i = 1; i <= runs; i++)); do
    run_symunix "$i"
    line="run $i/$runs: symunix $(tail -1 "$work/sym.s") s ($(tail -1 "$work/sym.mips") MIPS)"
    if [[ $use_qemu == 1 ]]; then
        run_qemu
        line="$line, qemu $(tail -1 "$work/qemu.s") s"
    fi
    echo "$line" >&2
done
sym_s=$(median <"$work/sym.s") sym_mips=$(median <"$work/sym.mips")
qemu_s="" status="checksums: symunix only"
if [[ $use_qemu == 1 ]]; then
    qemu_s=$(median <"$work/qemu.s")
    if cmp -s "$work/sym.out" "$work/qemu.out"; then
        status="checksums: identical"
    else
        status="checksums: DIFFER"
    fi
fi

echo "cpu benchmark, scale ${scale:-default}, $runs runs, $insns guest instructions"
printf '%-10s %10s %10s %14s\n' emulator "median s" MIPS "vs qemu"
ratio="-"
[[ -n $qemu_s ]] && ratio=$(awk -v a="$sym_s" -v b="$qemu_s" 'BEGIN { printf "%.2fx time", a / b }')
printf '%-10s %10.3f %10.1f %14s\n' symunix "$sym_s" "$sym_mips" "$ratio"
if [[ -n $qemu_s ]]; then
    qmips=$(awk -v n="$insns" -v s="$qemu_s" 'BEGIN { if (s > 0) printf "%.1f", n / s / 1e6; else print "-" }')
    printf '%-10s %10.3f %10s %14s\n' qemu "$qemu_s" "$qmips" "1.00x time"
fi
echo "$status"
if [[ $status == *DIFFER* ]]; then
    diff "$work/qemu.out" "$work/sym.out"
    exit 1
fi
