#!/usr/bin/env bash
# host-signal.sh — a host signal ends the job, whatever the guest does: every
# rank leaves, the job's status is 128+signal, nothing hangs. Checks behaviour
# only: no time or CPU bound (the idle cost of a rank is bench/idle-cpu.sh's);
# each trial runs under a generous `timeout` that only turns a hang into a
# failure.
#
# Usage: host-signal.sh SYMUNIX GUEST_ELF_DIR MPIRUN P TARGET SIG [GUEST [TRIALS]]
#   TARGET  a rank number; "all" (every rank at once); "mpirun" (Open MPI's
#           mpirun forwards it to the ranks and leaves with status 1 itself:
#           the check is then that the ranks heard the signal and none is
#           left); "again" (rank P-1 is stopped with SIGSTOP first, so the
#           orderly end cannot finish: SIG is sent to the other ranks every
#           2 s until the job ends, and a second signal must end a rank).
#   SIG     TERM, INT, HUP, QUIT, ALRM (status 128+SIG), KILL (the rank dies:
#           mpirun ends the job and names it), USR1 (ignored with a message:
#           the guest finishes; GUEST sleep only).
#   GUEST   sleep (test_sleeper.elf: sleeps), gmem (test_gmem_busy.elf:
#           global-memory traffic on every rank), lock (test_hostblock.elf
#           deadlock: waits on an OFD lock it can never get), fifo
#           (test_fifo.elf stuck: waits in the open of a FIFO, made here in
#           the root, whose other end nobody opens).
#   TRIALS  repeat the whole run (default 1).
# P may be 1 (no mpirun; TARGET 0).
set -u
symunix=$(realpath "$1")
elfdir=$(realpath "$2")
mpirun=$3 np=$4 target=$5 sig=$6 guest=${7:-sleep} trials=${8:-1}
work=$(mktemp -d "${TMPDIR:-/tmp}/hostsig.XXXXXX")
trap 'rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Under a sanitizer build Open MPI's plugins leak at exit (run-guest.sh).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
fail() { echo "host-signal.sh ($np ranks, $target, SIG$sig, $guest, trial $trial): $*" >&2; exit 1; }
cd "$work" || exit 1

case $guest in
sleep) prog=("$elfdir/test_sleeper.elf" 30) ready=""
       [[ $sig == USR1 ]] && prog=("$elfdir/test_sleeper.elf" 8) ;; # it must finish
gmem) prog=("$elfdir/test_gmem_busy.elf" 6) ready=running ;;
lock) prog=("$elfdir/test_hostblock.elf" deadlock) ready=locked ;;
fifo) prog=("$elfdir/test_fifo.elf" stuck) ready=waiting ;;
*) echo "host-signal.sh: unknown guest $guest" >&2; exit 2 ;;
esac
launch=()
[[ $np -gt 1 ]] && launch=("$mpirun" --oversubscribe -np "$np")

# The rank processes: symunix processes with this trial's root in their
# command line (rank R by OMPI_COMM_WORLD_RANK in its environment).
rank_pid() {
    for p in $(pgrep -f -- "--root $root"); do
        [[ $p == "$job" || $p == "$mpi" ]] && continue
        [[ $np -eq 1 ]] && { echo "$p"; return; }
        if tr '\0' '\n' </proc/$p/environ 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$1"; then
            echo "$p"
            return
        fi
    done
}

for trial in $(seq "$trials"); do
    root=$work/root$trial
    rm -f out err
    [[ $guest == fifo ]] && { mkdir -p "$root" && mkfifo "$root/fstuck" || fail "mkfifo"; }
    # 60 s is no time bound: a trial takes seconds; only a hang reaches it.
    timeout --kill-after=5 60 "${launch[@]}" "$symunix" run --root "$root" "${prog[@]}" \
        >out 2>err </dev/null &
    job=$! mpi=""
    [[ $np -gt 1 ]] && for _ in $(seq 100); do
        mpi=$(pgrep -P "$job" | head -1)
        [[ -n $mpi ]] && break
        sleep 0.1
    done
    pids=()
    for _ in $(seq 300); do
        pids=()
        for r in $(seq 0 $((np - 1))); do
            p=$(rank_pid "$r")
            [[ -n $p ]] && pids+=("$p")
        done
        [[ ${#pids[@]} -eq $np ]] && { [[ -z $ready ]] || grep -q "$ready" out; } && break
        kill -0 "$job" 2>/dev/null || break
        sleep 0.2
    done
    [[ ${#pids[@]} -eq $np ]] || { tail -20 err; fail "the ranks never started"; }
    [[ -z $ready ]] || grep -q "$ready" out || { tail -20 err; fail "the guest never said '$ready'"; }
    [[ -z $ready ]] && sleep 1 # the guest sleeps now

    case $target in
    all) kill -s "$sig" "${pids[@]}" ;;
    mpirun) kill -s "$sig" "$mpi" ;;
    again)
        kill -s STOP "${pids[np - 1]}"
        while kill -0 "$job" 2>/dev/null; do
            kill -s "$sig" "${pids[@]:0:np-1}" 2>/dev/null
            sleep 2
        done
        kill -s CONT "${pids[np - 1]}" 2>/dev/null
        ;;
    *) kill -s "$sig" "${pids[target]}" ;;
    esac
    wait "$job"
    st=$?
    echo "SIG$sig to $target of $np ($guest, trial $trial): status $st"
    [[ $st -eq 124 || $st -eq 137 && $sig != KILL ]] && { tail -20 err; fail "the job hung (timeout)"; }
    # mpirun may leave before the ranks it ended are gone: give them time.
    for p in "${pids[@]}"; do
        for _ in $(seq 100); do
            [[ -d /proc/$p ]] && [[ $(awk '{print $3}' /proc/$p/stat 2>/dev/null) != Z ]] || break
            sleep 0.2
        done
        [[ -d /proc/$p ]] && [[ $(awk '{print $3}' /proc/$p/stat 2>/dev/null) != Z ]] &&
            fail "rank process $p is still there"
    done
    num=$(kill -l "$sig")
    case $sig:$target in
    USR1:*)
        [[ $st -eq 0 ]] || { tail -20 err; fail "status $st after an ignored SIGUSR1, want 0"; }
        grep -q "SIGUSR1: ignored" err || { tail -20 err; fail "no message for SIGUSR1"; }
        ;;
    *:mpirun)
        # mpirun's own status on a signal is Open MPI's choice (1). The
        # ranks heard it (a rank may be gone before its own copy arrives,
        # the job having ended through another's) and none is left (above).
        [[ $st -ne 0 ]] || fail "status 0"
        grep -q "rank [0-9]*: SIG$sig" err || { tail -20 err; fail "no rank heard SIG$sig"; }
        ;;
    KILL:*)
        [[ $st -eq $((128 + num)) ]] || { tail -20 err; fail "status $st, want $((128 + num))"; }
        grep -q "rank $target" err || { tail -20 err; fail "no message names rank $target"; }
        ;;
    *)
        [[ $st -eq $((128 + num)) ]] || { tail -20 err; fail "status $st, want $((128 + num))"; }
        # "ending the job" in the node loop; "leaving at once" when the
        # signal came while the rank was still starting.
        grep -q "SIG$sig: \(ending the job\|leaving at once\)" err ||
            { tail -20 err; fail "no message for SIG$sig"; }
        ;;
    esac
    # The orderly end must have been taken, not the kernel's default action
    # (a core dump, an "exited on signal" report from mpirun).
    [[ $sig != KILL ]] && grep -q "exited on signal\|core dumped" err && { tail -20 err; fail "a rank died of the signal"; }
done
echo "host-signal.sh: ok"
