#!/usr/bin/env bash
# check-driver.sh — bad-input tests of `symunix run`: each case gives the
# expected exit status and an extended regex the driver's stderr (or stdout, for
# usage text) must match, case-insensitively.
# Usage: check-driver.sh SYMUNIX CASE [GUEST_DIR [MPIRUN]]
#   CASE: missing | not-elf | x86 | truncated | dynamic | bad-option | bad-flush
#         | root-is-file | fifo (PROG is a FIFO nobody writes: refused at once, no
#         wait in open(2)) | fifo-np2 (the same on two ranks) | mismatch-program | mismatch-args (two ranks started by MPIRUN with
#         different programs or arguments: the job must refuse to start)
#   GUEST_DIR holds test_hello.elf (for the truncated copy) and dynamic.elf.
set -u
symunix=$(realpath "$1") case=$2 guests=${3:-} mpirun=${4:-mpirun}
work=$(mktemp -d "${TMPDIR:-/tmp}/driver-$case.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

root=(--root "$work/root")
case $case in
missing) want=127 re='no such file|not found|does not exist'
         args=("${root[@]}" "$work/no-such-program.elf") ;;
not-elf) printf '#!/bin/sh\necho not an ELF\n' >script.sh; chmod +x script.sh
         want=126 re='elf|exec format|not .*executable'
         args=("${root[@]}" "$work/script.sh") ;;
x86) want=126 re='risc-?v|machine|elf|exec format|not .*executable'
     args=("${root[@]}" "$(realpath /bin/true)") ;;
truncated) head -c 300 "$guests/test_hello.elf" >trunc.elf
           want=126 re='trunc|short|elf|exec format|not .*executable|corrupt|invalid'
           args=("${root[@]}" "$work/trunc.elf") ;;
dynamic) want=126 re='dynamic|interp|static|exec format|not .*executable'
         args=("${root[@]}" "$guests/dynamic.elf") ;;
bad-option) want=2 re='usage'
            args=(--no-such-option "$guests/test_hello.elf") ;;
bad-flush) want=2 re='flush-us wants'
           args=(--flush-us 0 "$guests/test_hello.elf") ;;
root-is-file) : >plainfile
              want="nonzero" re='root|directory|plainfile'
              args=(--root "$work/plainfile" "$guests/test_hello.elf") ;;
fifo|fifo-np2) mkfifo prog.fifo
              want=126 re='not a regular file'
              args=("${root[@]}" "$work/prog.fifo")
              [[ $case == fifo-np2 ]] && mpmd=("${args[@]}") ;;
mismatch-program) want=nonzero re='differs from node 0'
                  mpmd=("${root[@]}" "$guests/test_hello.elf" : -np 1 --oversubscribe
                        "$symunix" run "${root[@]}" "$guests/test_fork.elf") ;;
mismatch-args) want=nonzero re='differs from node 0'
               mpmd=("${root[@]}" "$guests/test_hello.elf" a : -np 1 --oversubscribe
                     "$symunix" run "${root[@]}" "$guests/test_hello.elf" b) ;;
*) echo "check-driver.sh: unknown case $case" >&2; exit 2 ;;
esac

if [[ -v mpmd ]]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    # Open MPI's own plugins leak at exit (as in launch.sh): no leak check.
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
    n=1
    [[ $case == fifo-np2 ]] && n=2
    args=(-np $n --oversubscribe "$symunix" run "${mpmd[@]}")
    timeout --kill-after=5 60 "$mpirun" "${args[@]}" >out.txt 2>err.txt </dev/null
else
    timeout --kill-after=5 60 "$symunix" run "${args[@]}" >out.txt 2>err.txt </dev/null
fi
status=$?
fail=0
if [[ $want == nonzero ]]; then
    [[ $status != 0 && $status != 124 && $status -lt 128 ]] || { echo "FAIL $case: status $status, expected a failure status"; fail=1; }
elif [[ $status != "$want" ]]; then
    echo "FAIL $case: status $status, expected $want"; fail=1
fi
if ! cat out.txt err.txt | grep -Eqi "$re"; then
    echo "FAIL $case: message does not match /$re/"; fail=1
fi
echo "--- symunix run ${args[*]}"
echo "--- stderr:"; head -5 err.txt
[[ $fail == 0 ]] && echo "PASS driver.$case"
exit $fail
