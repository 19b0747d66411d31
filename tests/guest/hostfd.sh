#!/usr/bin/env bash
# hostfd.sh — host descriptors (docs/store.md, "Host descriptors"): test_hostfd.elf
# runs with a host file outside the root as stdin, then a host directory
# outside the root, and tries every fd-taking call on fd 0 (and on /dev/full,
# /dev/zero); its output must equal hostfd.expected (which calls are refused,
# with which errno). Then, on the host: the file's mode, times, size, link
# count and bytes, the directory's mode, times and entries, and /dev/full's
# mode, owner and times are as before (access times aside: reading is allowed), and nothing in the root names the host
# file. Last, the program path the guest sees: /proc/self/exe and AT_EXECFN
# give "/" + the program's file name when it lies outside the root, and its
# guest path when it lies inside.
# Usage: hostfd.sh SYMUNIX GUEST_DIR EXPECTED
set -u
symunix=$(realpath "$1") guests=$(realpath "$2") expected=$(realpath "$3")
work=$(mktemp -d "${TMPDIR:-/tmp}/hostfd.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
mkdir "$work/root" "$work/hostdir"
printf 'host data\n' >"$work/host.txt"
printf 'secret\n' >"$work/hostdir/secret"
chmod 0640 "$work/host.txt"
chmod 0750 "$work/hostdir"
touch -d '2001-02-03 04:05:06' "$work/host.txt" "$work/hostdir"

# What must not change: mode, owner, size, links, times, bytes (or entries).
fileinfo() { stat -c '%a %u %g %s %h %y %z' "$1"; sha256sum <"$1"; }
dirinfo() { stat -c '%a %u %g %h %y %z' "$1"; ls -a "$1"; }
devinfo() { stat -c '%a %u %g %t:%T %y %z' /dev/full; }
before_f=$(fileinfo "$work/host.txt") before_d=$(dirinfo "$work/hostdir") before_v=$(devinfo)

elf=$guests/test_hostfd.elf
timeout 120 "$symunix" run --root "$work/root" "$elf" file <"$work/host.txt" \
    >"$work/file.out" 2>"$work/file.err"
st=$?
[[ $st == 0 ]] || { bad "file run: status $st"; tail -5 "$work/file.err"; }
timeout 120 "$symunix" run --root "$work/root" "$elf" dir <"$work/hostdir" \
    >"$work/dir.out" 2>"$work/dir.err"
st=$?
[[ $st == 0 ]] || { bad "dir run: status $st"; tail -5 "$work/dir.err"; }
cat "$work/file.out" "$work/dir.out" >"$work/all.out"

# The program path: outside the root, then a copy inside it.
timeout 60 "$symunix" run --root "$work/root" "$elf" exe >>"$work/all.out" 2>"$work/exe.err" ||
    bad "exe run (outside the root) failed"
mkdir -p "$work/root/bin"
cp "$elf" "$work/root/bin/prog.elf"
timeout 60 "$symunix" run --root "$work/root" "$work/root/bin/prog.elf" exe \
    >>"$work/all.out" 2>>"$work/exe.err" || bad "exe run (inside the root) failed"
rm -rf "$work/root/bin"

if ! cmp -s "$expected" "$work/all.out"; then
    bad "output differs from hostfd.expected"
    diff -u "$expected" "$work/all.out" | head -80
fi
[[ $(fileinfo "$work/host.txt") == "$before_f" ]] ||
    bad "the host file changed: $before_f -> $(fileinfo "$work/host.txt")"
[[ $(dirinfo "$work/hostdir") == "$before_d" ]] ||
    bad "the host directory changed: $before_d -> $(dirinfo "$work/hostdir")"
[[ $(devinfo) == "$before_v" ]] || bad "/dev/full changed: $before_v -> $(devinfo)"
named=$(find "$work/root" -samefile "$work/host.txt" 2>/dev/null)
[[ -z $named ]] || bad "the root names the host file: $named"
leftover=$(find "$work/root" -mindepth 1 2>/dev/null)
[[ -z $leftover ]] || bad "the root is not empty: $leftover"

[[ $fail == 0 ]] && echo "PASS hostfd"
exit $fail
