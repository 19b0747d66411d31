#!/usr/bin/env bash
# dproc.sh — processes across nodes: run test_dproc.elf on P ranks (P = 1
# without mpirun) with P as its argument; it must print dproc.expected and
# exit 0, and the grandchild that outlived the initial process must have
# written grandchild.txt before the job ended (the job waits for every
# descendant, on every node). --stats must add up every node's counters:
# "nodes: P", instructions = the sum of instructions_per_node, and every node
# ran some (each gets children).
# Usage: dproc.sh SYMUNIX ELF EXPECTED P [MPIRUN [tcp]]
set -u
source "$(dirname "$0")/launch.sh"
ranks_test_args "$@"
mkdir -p "$work/root" "$work/cwd"
(cd "$work/cwd" && timeout --kill-after=5 150 "${launch[@]}" "$symunix" run --root "$work/root" \
    --stats "$elf" "$np") >"$work/out" 2>"$work/err" </dev/null
check_run $?
[[ -s $work/root/grandchild.txt ]] || fail "the grandchild did not finish before the job ended"
want="grandchild on node $(( np > 1 ? 2 % np : 0 )) outlived pid 1"
[[ $(cat "$work/root/grandchild.txt") == "$want" ]] ||
    fail "grandchild.txt: '$(cat "$work/root/grandchild.txt")', want '$want'"
stat() { awk -F': *' -v k="$1" '$1 == k { print $2; exit }' "$work/err"; }
[[ $(stat nodes) == "$np" ]] || fail "--stats: nodes '$(stat nodes)', want $np"
per=($(stat instructions_per_node))
[[ ${#per[@]} -eq $np ]] || fail "--stats: ${#per[@]} per-node counts, want $np"
sum=0
for v in "${per[@]}"; do
    [[ $v -gt 0 ]] || fail "--stats: a node ran no instruction (${per[*]})"
    sum=$((sum + v))
done
[[ $(stat instructions) -eq $sum ]] ||
    fail "--stats: instructions $(stat instructions), per node ${per[*]} (sum $sum)"
echo "dproc.sh: P=$np ok (instructions per node: ${per[*]})"
