# launch.sh — sourced by the guest scripts that run symunix on P ranks:
# mpi_launch NP MPIRUN TCP sets the array `launch`, the command prefix (empty
# for one rank: no mpirun at all), with --mca btl tcp,self when TCP is "tcp",
# and exports what mpirun needs as root and under a sanitizer build.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpi_launch() {
    launch=()
    [[ $1 -gt 1 ]] || return 0
    launch=("$2" --oversubscribe -np "$1")
    [[ $3 == tcp ]] && launch+=(--mca btl tcp,self)
    # Under a sanitizer build Open MPI's plugins leak at exit (run-guest.sh).
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
}
