# launch.sh — sourced by the guest scripts that run symunix on P ranks:
# mpi_launch NP MPIRUN TCP sets the array `launch`, the command prefix (empty
# for one rank: no mpirun at all), with --mca btl tcp,self when TCP is "tcp",
# and exports what mpirun needs as root and under a sanitizer build;
# ranks_test_args parses the common arguments, check_run checks a run.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpi_launch() {
    launch=()
    [[ $1 -gt 1 ]] || return 0
    launch=("$2" --oversubscribe -np "$1")
    [[ $3 == tcp ]] && launch+=(--mca btl tcp,self)
    # Under a sanitizer build Open MPI's plugins leak at exit (run-guest.sh).
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
}

# ranks_test_args SYMUNIX ELF EXPECTED P [MPIRUN [tcp]]: the arguments of the
# scripts that run one guest program against an expected output on P ranks
# (dproc.sh, gmem.sh, gcopy.sh) into symunix, elf, expected, np, mpirun and
# tcp; a scratch directory $work removed at exit; fail MESSAGE; and launch.
ranks_test_args() {
    symunix=$(realpath "$1")
    elf=$(realpath "$2")
    expected=$(realpath "$3")
    np=$4
    mpirun=${5:-mpirun}
    tcp=${6:-}
    work=$(mktemp -d "${TMPDIR:-/tmp}/$(basename "$0" .sh).XXXXXX")
    trap 'rm -rf "$work"' EXIT
    mpi_launch "$np" "$mpirun" "$tcp"
    fail() { echo "$(basename "$0") (P=$np${tcp:+ $tcp}): $*" >&2; exit 1; }
}

# check_run STATUS [NAME [WHAT]]: the run's stdout ($work/NAME.out, default
# $work/out) must equal $expected and its status be 0; else the difference
# and the end of its stderr ($work/NAME.err), and fail (WHAT prefixes the
# message).
check_run() {
    local out=$work/${2:+$2.}out err=$work/${2:+$2.}err what=${3:+$3: }
    if ! cmp -s "$expected" "$out"; then
        diff -u "$expected" "$out" | head -40
        tail -20 "$err"
        fail "${what}output differs"
    fi
    [[ $1 -eq 0 ]] || { tail -20 "$err"; fail "${what}status $1"; }
}
