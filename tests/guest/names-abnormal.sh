#!/usr/bin/env bash
# names-abnormal.sh — close actions after an abnormal end: names_crash.elf
# opens files with each close action and dies of SIGSEGV (status 139); then
# names_list.elf, run on the same store root, lists what survived in ab/.
# The crash also writes its core file, core.<pid>, into "@image" (the root),
# never into ab/: the listing of ab/ is unchanged by it.
# Usage: names-abnormal.sh SYMUNIX GUEST_DIR
set -u
symunix=$(realpath "$1") guests=$(realpath "$2")
work=$(mktemp -d "${TMPDIR:-/tmp}/names-abnormal.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/root"
cd "$work" || exit 1

timeout 60 "$symunix" run --root "$work/root" "$guests/test_names_crash.elf" >crash.out 2>crash.err
status=$?
timeout 60 "$symunix" run --root "$work/root" "$guests/test_names_list.elf" ab >list.out 2>list.err
printf '%s\n' delnotabnormal 'anon.<node>.<n>' >expected.out
LC_ALL=C sort expected.out -o expected.out
fail=0
[[ $status == 139 ]] || { echo "FAIL: crash status $status, expected 139"; cat crash.err; fail=1; }
grep -qx opened crash.out || { echo "FAIL: crash did not open its files"; cat crash.out; fail=1; }
if ! diff -u expected.out list.out; then
    echo "FAIL: wrong survivors in ab/"; cat list.err; fail=1
fi
shopt -s nullglob
cores=("$work"/root/core.*)
[[ ${#cores[@]} == 1 ]] || { echo "FAIL: expected one core.<pid> in the root"; ls -a "$work/root"; fail=1; }
[[ $fail == 0 ]] && echo "PASS names-abnormal"
exit $fail
