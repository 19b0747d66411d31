#!/usr/bin/env bash
# procs-sym.sh — the Symunix II side of processes (procs_sym.c): spawn,
# pinfo/pdup of other pids, kill to groups, orphans, execve, preemption and a
# child's core file. Runs test_procs_sym.elf on a fresh store root holding
# /execee.elf, compares stdout with procs_sym.expected and wants status 0;
# then again with a tiny quantum (1000 instructions) to shake the scheduler.
# procs_end.c: the run outlives an initial process that leaves an orphan, and
# a host SIGTERM ends a node whose processes all sleep.
# Usage: procs-sym.sh SYMUNIX GUEST_DIR EXPECTED
set -u
symunix=$(realpath "$1") guests=$(realpath "$2") expected=$(realpath "$3")
work=$(mktemp -d "${TMPDIR:-/tmp}/procs-sym.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail=0
for q in 1000000 1000; do
    root="$work/root.$q"
    mkdir "$root"
    cp "$guests/test_execee.elf" "$root/execee.elf"
    (cd "$work" && timeout --kill-after=5 120 "$symunix" run --quantum "$q" --root "$root" \
        "$guests/test_procs_sym.elf" >"$work/out.$q" 2>"$work/err.$q" </dev/null)
    status=$?
    if [[ $status != 0 ]]; then
        echo "FAIL procs-sym (quantum $q): status $status"
        tail -20 "$work/err.$q"
        fail=1
    fi
    if ! cmp -s "$expected" "$work/out.$q"; then
        echo "FAIL procs-sym (quantum $q): stdout differs"
        diff -u --label expected --label symunix "$expected" "$work/out.$q" | head -60
        fail=1
    fi
done

# The initial process ends first: the run waits for its orphan, keeps its status.
root="$work/root.orphan"
mkdir "$root"
timeout 60 "$symunix" run --root "$root" "$guests/test_procs_end.elf" orphan >/dev/null 2>"$work/err.orphan"
status=$?
[[ $status == 5 ]] || { echo "FAIL procs-sym orphan: status $status, expected 5"; cat "$work/err.orphan"; fail=1; }
[[ -e $root/child-done ]] || { echo "FAIL procs-sym orphan: the orphan did not finish"; fail=1; }

# A host SIGTERM ends every process of the node at once: 128+15, no child-done.
root="$work/root.hang"
mkdir "$root"
timeout --kill-after=5 60 "$symunix" run --root "$root" "$guests/test_procs_end.elf" hang >/dev/null 2>"$work/err.hang" &
job=$!
sleep 1
kill -TERM "$job"
wait "$job"
status=$?
[[ $status == 143 ]] || { echo "FAIL procs-sym hang: status $status, expected 143"; cat "$work/err.hang"; fail=1; }
[[ -e $root/child-done ]] && { echo "FAIL procs-sym hang: the sleeping child ran on"; fail=1; }

[[ $fail == 0 ]] && echo "PASS procs-sym"
exit $fail
