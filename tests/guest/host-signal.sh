#!/usr/bin/env bash
# host-signal.sh — a host SIGTERM or SIGINT to any rank ends the job cleanly:
# every rank leaves with 128+signal, soon, no hang. SIGKILL (a rank that dies)
# ends it too: mpirun tears the job down and names the rank. Runs test_sleeper.elf
# (sleeping 60 s) on P ranks, signals rank R (found by OMPI_COMM_WORLD_RANK
# in its environment) once the job runs, and wants status 128+SIG within 20 s.
# Also measures what an idle rank costs while the guest sleeps (< 5% of a core).
# Usage: host-signal.sh SYMUNIX GUEST_ELF_DIR MPIRUN P R SIG
set -u
symunix=$(realpath "$1")
elf=$(realpath "$2/test_sleeper.elf")
mpirun=$3 np=$4 target=$5 sig=$6
work=$(mktemp -d "${TMPDIR:-/tmp}/hostsig.XXXXXX")
trap 'rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Under a sanitizer build Open MPI's plugins leak at exit (run-guest.sh).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
fail() { echo "host-signal.sh: $*" >&2; exit 1; }
cd "$work" || exit 1

timeout --kill-after=5 60 "$mpirun" --oversubscribe -np "$np" "$symunix" run --root "$work/root" \
    "$elf" 60 >out 2>err </dev/null &
job=$!

# The rank processes: symunix processes with our root in their command line.
rank_pid() {
    for p in $(pgrep -f -- "--root $work/root"); do
        [[ $p == "$job" ]] && continue
        if tr '\0' '\n' </proc/$p/environ 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$1"; then
            echo "$p"
            return
        fi
    done
}
pid=""
for _ in $(seq 100); do
    pid=$(rank_pid "$target")
    [[ -n $pid ]] && [[ -n $(rank_pid $((np - 1))) ]] && break
    sleep 0.1
done
[[ -n $pid ]] || fail "rank $target never started"
sleep 2 # the job is up and the guest sleeps

# CPU time of every rank over 2 s while the guest sleeps; prints the ranks
# at 5% of a core or more. A loaded machine can stretch the job's start into
# the first window, so a second window decides before the test fails.
tck=$(getconf CLK_TCK)
idle_window() {
    declare -A before
    for r in $(seq 0 $((np - 1))); do
        p=$(rank_pid "$r")
        before[$r]="$p $(awk '{print $14 + $15}' /proc/$p/stat)"
    done
    sleep 2
    for r in $(seq 0 $((np - 1))); do
        read -r p t0 <<<"${before[$r]}"
        t1=$(awk '{print $14 + $15}' /proc/$p/stat)
        pct=$(((t1 - t0) * 100 / tck / 2))
        echo "rank $r: $((t1 - t0)) ticks of 1/$tck s in 2 s while idle (${pct}% of a core)" >&2
        [[ $pct -lt 5 ]] || echo "$r:$pct"
    done
}
busy=$(idle_window | xargs)
[[ -z $busy ]] || { echo "busy in the first window: $busy; measuring again" >&2; busy=$(idle_window | xargs); }
[[ -z $busy ]] || fail "ranks used 5% of a core or more while idle (rank:percent): $busy"

start=$(date +%s)
kill -s "$sig" "$pid"
wait $job
st=$?
took=$(($(date +%s) - start))
want=$((128 + $(kill -l "$sig")))
echo "SIG$sig to rank $target of $np: status $st after ${took}s"
[[ $st -eq $want ]] || { tail -20 err; fail "status $st, want $want"; }
[[ $took -le 20 ]] || fail "the job took ${took}s to end"
if [[ $sig == KILL ]]; then
    grep -q "rank $target" err || { tail -20 err; fail "no message names rank $target"; }
fi
echo "host-signal.sh: ok"
