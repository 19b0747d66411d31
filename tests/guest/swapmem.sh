#!/usr/bin/env bash
# swapmem.sh — memory accounting: test_swapmem.elf writes and reads back 32 MiB
# on a node of 4 MiB (`symunix run --mem 4M --stats`). It must print "all ok"
# and exit 0, and the statistics must show that pages were evicted and written
# back (and, with the default 1 GiB, that nothing was swapped out);
# test_swapanon.elf does the same with a lazy anonymous image file. Also:
# a bad --mem value is refused with status 2 and a message.
# Usage: swapmem.sh SYMUNIX GUEST_ELF_DIR
set -u
symunix=$(realpath "$1")
elf=$(realpath "$2/test_swapmem.elf")
work=$(mktemp -d "${TMPDIR:-/tmp}/swapmem.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "swapmem.sh: $*" >&2; exit 1; }

cd "$work" || exit 1
"$symunix" run --root "$work/root" --mem 4M --stats "$elf" >out 2>err
st=$?
cat out
[[ $st -eq 0 ]] || { cat err >&2; fail "status $st, want 0"; }
grep -qx "all ok" out || fail "the program did not read everything back"
stat() { sed -n "s/^$1: //p" err; }
[[ $(stat mem_bytes) -eq 4194304 ]] || fail "mem_bytes $(stat mem_bytes), want 4194304"
for k in page_evictions page_writebacks; do
    v=$(stat $k)
    [[ -n $v && $v -gt 0 ]] || fail "$k is '$v', want > 0"
    echo "$k: $v"
done

# Without memory pressure nothing is swapped out (an exit is not a swap-out).
"$symunix" run --root "$work/root" --stats "$elf" >out 2>err || fail "default --mem: status $?"
[[ $(stat swap_outs) == 0 ]] || fail "swap_outs $(stat swap_outs) with 1 GiB of memory, want 0"

# A lazy anonymous file bigger than memory: a memory file until its first
# write-back makes it an (unnamed) file of the store.
anon=$(realpath "$2/test_swapanon.elf")
"$symunix" run --root "$work/root2" --mem 4M "$anon" >out 2>err
st=$?
cat out
[[ $st -eq 0 ]] || { cat err >&2; fail "swapanon: status $st, want 0"; }
grep -qx "all ok" out || fail "swapanon: a check failed"
[[ -z $(ls -A "$work/root2/anon.d") ]] || fail "swapanon: the never-named file left something in anon.d"

for bad in 0 4X -1 1T 100 ""; do
    "$symunix" run --root "$work/root" --mem "$bad" "$elf" >/dev/null 2>err
    st=$?
    [[ $st -eq 2 ]] || fail "--mem '$bad': status $st, want 2"
    grep -q -- "--mem wants a size" err || fail "--mem '$bad': no message"
done
echo "swapmem.sh: ok"
