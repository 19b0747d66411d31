#!/usr/bin/env bash
# gfile.sh — global memory backed by its image file: run test_gfile.elf
# (gfile.c) on P ranks (P = 1 without mpirun), optionally over TCP and with
# --gmem SIZE (each rank's memory module holds at most SIZE: pages are written
# back and evicted). The guest must print its expected lines and exit 0; then
# the file on disk must hold, word by word, the values gfile.c computes
# (after(): the family's writes and a word in the node cache, synced by fsync,
# and one word written after fsync that only the job's end writes back); every
# MM served 4 syncs (fsync, fdatasync, two msyncs); the registry entries the job
# made are gone; --stats-json shows fills > 0, and evictions > 0 with --gmem.
# Usage: gfile.sh SYMUNIX ELF P [MPIRUN [tcp|-] [GMEM]]
set -u
symunix=$(realpath "$1")
elf=$(realpath "$2")
np=$3
mpirun=${4:-mpirun}
tcp=${5:--}
gmem=${6:-}
work=$(mktemp -d "${TMPDIR:-/tmp}/gfile.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "gfile.sh (P=$np $tcp ${gmem:-}): $*" >&2; exit 1; }

source "$(dirname "$0")/launch.sh"
mpi_launch "$np" "$mpirun" "$tcp"
flags=(--root "$work/root" --stats-json "$work/stats.json")
[[ -n $gmem ]] && flags+=(--gmem "$gmem")
mkdir -p "$work/root"
(cd "$work/root" && timeout --kill-after=5 200 "${launch[@]}" "$symunix" run "${flags[@]}" \
    "$elf") >"$work/out" 2>"$work/err" </dev/null
st=$?
cat "$work/out"
grep -q FAIL "$work/out" && { tail -20 "$work/err"; fail "a check failed"; }
[[ $(grep -c ' ok$' "$work/out") -eq 15 ]] || { tail -20 "$work/err"; fail "not 15 checks ok"; }
tail -1 "$work/out" | grep -qx 'all passed' || fail "no 'all passed'"
[[ $st -eq 0 ]] || { tail -20 "$work/err"; fail "status $st"; }

# The file on disk, every word against gfile.c's after().
f=$work/root/gdata
[[ $(stat -c %s "$f") -eq $((64 * 4096)) ]] || fail "gdata has the wrong size"
bad=$(od -An -v -tu8 -w8 "$f" | awk -v nw=$((64 * 512)) -v wpp=512 '
    { i = NR - 1; b = i * 3 + 5
      if (i == 1) want = 777777
      else if (i == 3 * wpp + 7) want = 424242
      else if (i == nw - 1) want = b + 4 * 50
      else if (int(i / wpp) % 2 == 0) want = b + 1000000
      else want = b
      if ($1 + 0 != want) bad++ }
    END { print bad + 0 + (NR != nw) }')
[[ $bad -eq 0 ]] || fail "$bad words of gdata on disk differ from the writes"
left=$(find "$work/root/.symunix/gseg" -mindepth 1 2>/dev/null | wc -l)
[[ $left -eq 0 ]] || fail "$left registry entries left after the job"
fills=$(jq '[.ranks[].mm.fills] | add' "$work/stats.json")
ev=$(jq '[.ranks[].mm.evictions] | add' "$work/stats.json")
syncs=$(jq '[.ranks[].mm.syncs] | add' "$work/stats.json")
[[ $fills -ge 64 ]] || fail "only $fills pages filled"
[[ $syncs -eq $((4 * np)) ]] ||
    fail "$syncs syncs served, want $((4 * np)) (fsync, fdatasync, two msyncs)"
if [[ -n $gmem ]]; then
    [[ $ev -gt 0 ]] || fail "--gmem $gmem: no eviction"
fi
echo "gfile.sh: P=$np $tcp ${gmem:-} ok (fills $fills, evictions $ev, syncs $syncs)"
