#!/usr/bin/env bash
# run-difftest.sh — randomised differential test of the hart against qemu.
# For each seed: generate a program (difftest-gen), assemble it static and
# nostdlib, run it under qemu-riscv64 and under symunix, and compare the
# register dumps. On a mismatch, print the seed, the first differing slot and
# keep the .S/.elf for reproduction. --zb adds Zba/Zbb/Zbs instructions to the
# programs (assembled with -march=rv64gc_zba_zbb_zbs, qemu run with them
# enabled by name).
# Usage: run-difftest.sh --symunix PATH --gen PATH [--qemu PATH] [--cc PATH]
#                        [--count N] [--keep DIR] [--zb] SEED...
set -u
symunix="" gen="" qemu=qemu-riscv64 cc=riscv64-linux-gnu-gcc count=2000 keep=""
ext=() march=rv64gc qcpu=()
while [[ $# -gt 0 && $1 == --* ]]; do
    case $1 in
    --symunix) symunix=$2; shift 2 ;;
    --gen) gen=$2; shift 2 ;;
    --qemu) qemu=$2; shift 2 ;;
    --cc) cc=$2; shift 2 ;;
    --count) count=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    --zb) ext=(zb) march=rv64gc_zba_zbb_zbs qcpu=(-cpu rv64,zba=true,zbb=true,zbs=true); shift ;;
    *) echo "run-difftest.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
if [[ -z $symunix || -z $gen || $# -lt 1 ]]; then
    echo "usage: run-difftest.sh --symunix PATH --gen PATH [--count N] SEED..." >&2
    exit 2
fi
symunix=$(realpath "$symunix") gen=$(realpath "$gen")
[[ -x $gen ]] || { echo "run-difftest.sh: generator $gen not found (build target difftest-gen)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/difftest.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Slot names of the dump, in order: x0..x31, f0..f31, fcsr, checksum.
abi=(zero ra sp gp tp t0 t1 t2 s0 s1 a0 a1 a2 a3 a4 a5 a6 a7 s2 s3 s4 s5 s6 s7 s8 s9 s10 s11
     t3 t4 t5 t6)
slot_name() {
    local i=$1
    if ((i < 32)); then echo "x$i(${abi[$i]})"
    elif ((i < 64)); then echo "f$((i - 32))"
    elif ((i == 64)); then echo "fcsr"
    else echo "scratch-checksum"; fi
}

dump() { od -An -v -tx8 -w8 "$1" | tr -d ' '; }

failed=0
for seed in "$@"; do
    s="$work/seed$seed"
    "$gen" "$seed" "$count" "${ext[@]}" >"$s.S" || { echo "FAIL seed $seed: generator"; failed=1; continue; }
    if ! "$cc" -static -nostdlib -march="$march" -mabi=lp64d -o "$s.elf" "$s.S" 2>"$s.cc"; then
        echo "FAIL seed $seed: does not assemble:"; head -5 "$s.cc"; failed=1; continue
    fi
    (cd "$work" && timeout 60 "$qemu" "${qcpu[@]}" "$s.elf" >"$s.qemu") 2>/dev/null; qs=$?
    mkdir -p "$s.root"
    timeout 60 "$symunix" run --root "$s.root" "$s.elf" >"$s.sym" 2>"$s.err"; ss=$?
    if [[ $qs != 0 ]]; then
        echo "FAIL seed $seed: qemu exit status $qs (generator made a trapping program)"
        failed=1; continue
    fi
    if [[ $ss != 0 ]]; then
        echo "FAIL seed $seed: symunix exit status $ss, qemu 0"; tail -5 "$s.err"
    fi
    mapfile -t a < <(dump "$s.qemu")
    mapfile -t b < <(dump "$s.sym")
    bad=-1
    for ((i = 0; i < ${#a[@]}; i++)); do
        if [[ ${a[$i]} != "${b[$i]:-missing}" ]]; then bad=$i; break; fi
    done
    if ((bad < 0)) && [[ $ss == 0 ]]; then
        echo "PASS seed $seed"
        continue
    fi
    failed=1
    if ((bad >= 0)); then
        echo "FAIL seed $seed: first difference at $(slot_name $bad):" \
             "qemu=${a[$bad]} symunix=${b[$bad]:-missing}"
        n=0
        for ((i = bad + 1; i < ${#a[@]} && n < 8; i++)); do
            [[ ${a[$i]} != "${b[$i]:-missing}" ]] || continue
            echo "     also $(slot_name $i): qemu=${a[$i]} symunix=${b[$i]:-missing}"; n=$((n + 1))
        done
    fi
    if [[ -n $keep ]]; then
        mkdir -p "$keep" && cp "$s.S" "$s.elf" "$keep/"
        echo "     kept $keep/seed$seed.S and .elf"
    fi
    echo "     reproduce: $gen $seed $count ${ext[*]} > t.S &&" \
         "$cc -static -nostdlib -march=$march -o t.elf t.S"
done
exit $failed
