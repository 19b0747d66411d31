#!/usr/bin/env bash
# cow.sh — copy-on-write as the paper's §4.3 says (issue 11 item 1), one case
# per run:
#   exec-otrunc, exec-truncate, exec-mmap, exec-mapin: cowexec.c rewrites its
#     own running executable (copied into the store root) and runs text pages
#     it had not touched, on --mem 4M so that pages cached before are gone;
#     exec-remote: a child on node 1 rewrites it (2 ranks);
#   spawn-here, spawn-node1: cowfile.c, COPY of a named file's mapping is a
#     snapshot at the spawn (spawn-node1 on 2 ranks);
#   read: cowfile.c reads 8 MiB of a resident file into fresh memory under
#     --mem 14M; --stats page_evictions must stay small (the read maps the
#     file's pages copy-on-write instead of copying them into new frames).
# Each must print only "ok" checks and exit 0.
# Usage: cow.sh SYMUNIX GUEST_DIR CASE [MPIRUN]
set -u
source "$(dirname "$0")/launch.sh"
symunix=$(realpath "$1") guests=$(realpath "$2") case=$3 mpirun=${4:-mpirun}
work=$(mktemp -d "${TMPDIR:-/tmp}/cow.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "cow.sh $case: $*" >&2; exit 1; }
mkdir "$work/root"
np=1 opts=() args=()
case $case in
exec-remote) np=2 ;;&
exec-*)
    cp "$guests/test_cowexec.elf" "$work/root/cowexec.elf"
    elf=$guests/test_cowexec.elf args=("${case#exec-}") opts=(--mem 4M) ;;
spawn-node1) np=2 ;;&
spawn-*) elf=$guests/test_cowfile.elf args=("$case") ;;
read) elf=$guests/test_cowfile.elf args=(read) opts=(--mem 14M --stats) ;;
*) fail "unknown case" ;;
esac
mpi_launch "$np" "$mpirun" ""
(cd "$work" && timeout --kill-after=5 150 "${launch[@]}" "$symunix" run --root "$work/root" \
    "${opts[@]}" "$elf" "${args[@]}") >"$work/out" 2>"$work/err" </dev/null
st=$?
cat "$work/out"
if [[ $st -ne 0 ]] || grep -q FAIL "$work/out" || ! [[ -s $work/out ]]; then
    tail -20 "$work/err" >&2
    fail "status $st"
fi
if [[ $case == read ]]; then
    ev=$(sed -n 's/^page_evictions: //p' "$work/err")
    [[ -n $ev ]] || fail "no page_evictions in --stats"
    echo "page_evictions: $ev"
    # 8 MiB read into fresh memory beside 8 MiB of resident file pages on a
    # 14 MiB node: copying would evict hundreds of pages; mapping, none.
    [[ $ev -lt 64 ]] || fail "page_evictions $ev: the read copied the resident pages"
fi
echo "cow.sh $case: ok"
