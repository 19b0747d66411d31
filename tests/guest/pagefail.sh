#!/usr/bin/env bash
# pagefail.sh — paging that fails ends the guest with a clear message
# (issue 11 item 4). test_pagefail.elf pages 32 MiB of anonymous memory in 512
# mappings through a node of 4 MiB (--mem 4M):
#   enospc: the store root is a 1 MiB tmpfs (skipped, status 77, where tmpfs
#     cannot be mounted): the write-back of a page fails with ENOSPC;
#   nofile: the emulator runs with 48 host descriptors (ulimit -n): the unnamed
#     host file of a lazy image cannot be opened (EMFILE).
# Either way: status 135 (SIGBUS), stderr names the failure, the file and what
# to do, and says nothing of SIGSEGV. A control run with room prints "all ok".
# Usage: pagefail.sh SYMUNIX GUEST_DIR CASE
set -u
symunix=$(realpath "$1") elf=$(realpath "$2/test_pagefail.elf") case=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/pagefail.XXXXXX")
mnt=""
cleanup() { [[ -n $mnt ]] && umount "$mnt" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "pagefail.sh $case: $*" >&2; exit 1; }
mkdir "$work/root"
run() { timeout --kill-after=5 150 "$symunix" run --root "$work/root" --mem 4M "$elf" \
    >"$work/out" 2>"$work/err" </dev/null; }

run
st=$?
[[ $st -eq 0 ]] && grep -qx "all ok" "$work/out" || { cat "$work/err"; fail "control run: status $st"; }

case $case in
enospc)
    mnt=$work/root
    if ! mount -t tmpfs -o size=1M tmpfs "$mnt" 2>"$work/mount.err"; then
        mnt=""
        echo "pagefail.sh: SKIP: cannot mount a tmpfs ($(cat "$work/mount.err"))"
        exit 77
    fi
    run
    st=$?
    want="No space left on device"
    what="free space"
    ;;
nofile)
    (ulimit -n 48 && run)
    st=$?
    want="Too many open files"
    what="ulimit -n"
    ;;
*) fail "unknown case" ;;
esac
cat "$work/err"
[[ $st -eq 135 ]] || fail "status $st, want 135 (SIGBUS)"
grep -q "paging failed" "$work/err" || fail "no 'paging failed' message on stderr"
grep -q "$want" "$work/err" || fail "the message does not say '$want'"
grep -q -- "$what" "$work/err" || fail "the message does not say what to do ('$what')"
grep -q "$work/root" "$work/err" || fail "the message does not name the file in the store"
grep -qi "segmentation\|SIGSEGV" "$work/err" && fail "the message speaks of SIGSEGV"
echo "pagefail.sh $case: ok"
