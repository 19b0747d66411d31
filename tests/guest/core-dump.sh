#!/usr/bin/env bash
# core-dump.sh — core files (design.md §6): test_segv.elf dies of SIGSEGV on a
# fresh store root; the run still exits 139 (128+11, as under qemu), core.<pid>
# appears in the root ("@image" is bound to "/"), and `symunix inspect` shows
# SIGSEGV (11), a pc and the program as "/test_segv.elf" (it lies outside the
# root: no host path in the core file); a damaged core is refused with one line and status 1;
# a core that cannot be written (its name taken by a directory) changes
# nothing else and leaves no temporary file; a program that exits normally
# leaves no core file.
# Usage: core-dump.sh SYMUNIX GUEST_DIR
set -u
symunix=$(realpath "$1") guests=$(realpath "$2")
work=$(mktemp -d "${TMPDIR:-/tmp}/core-dump.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/root" "$work/root2" "$work/root3"
cd "$work" || exit 1
fail=0
bad() { echo "FAIL: $*"; fail=1; }

timeout 60 "$symunix" run --root "$work/root" "$guests/test_segv.elf" >segv.out 2>segv.err
status=$?
[[ $status == 139 ]] || { bad "segv status $status, expected 139"; cat segv.err; }
shopt -s nullglob
cores=("$work"/root/core.*)
if [[ ${#cores[@]} != 1 || ! ${cores[0]} =~ /core\.[0-9]+$ ]]; then
    bad "expected one core.<pid> in the root, found: ${cores[*]:-none}"
    ls -la "$work/root"
else
    core=${cores[0]}
    "$symunix" inspect "$core" >inspect.out 2>inspect.err
    st=$?
    [[ $st == 0 ]] || { bad "inspect status $st"; cat inspect.err; }
    grep -Eq '^signal +SIGSEGV \(11\)' inspect.out || { bad "inspect: no SIGSEGV (11)"; cat inspect.out; }
    grep -Eq '^pc +0x[0-9a-f]{16}$' inspect.out || { bad "inspect: no pc"; cat inspect.out; }
    grep -Eq '^process +pid [0-9]+ ' inspect.out || { bad "inspect: no pid"; cat inspect.out; }
    # The program lies outside the root: its guest placeholder, no host path.
    grep -Eq '^exe +/test_segv\.elf$' inspect.out || { bad "inspect: exe not /test_segv.elf"; cat inspect.out; }
    grep -q "$guests" "$core" && bad "the core file holds the host path $guests"
    # A damaged copy (one byte changed in the middle): one line, status 1.
    cp "$core" damaged
    size=$(stat -c %s damaged)
    printf '\xff' | dd of=damaged bs=1 seek=$((size / 2)) conv=notrunc status=none
    "$symunix" inspect damaged >damaged.out 2>damaged.err
    st=$?
    [[ $st == 1 ]] || bad "inspect of a damaged core: status $st, expected 1"
    [[ $(wc -l <damaged.err) == 1 ]] && grep -q 'damaged' damaged.err ||
        { bad "inspect of a damaged core: message"; cat damaged.err; }
    head -c 100 "$core" >truncated
    "$symunix" inspect truncated >/dev/null 2>&1
    [[ $? == 1 ]] || bad "inspect of a truncated core: status not 1"
fi

# The first process of node 0 is pid 1: make core.1 a non-empty directory.
mkdir -p "$work/root3/core.1/x"
timeout 60 "$symunix" run --root "$work/root3" "$guests/test_segv.elf" >segv3.out 2>segv3.err
status=$?
[[ $status == 139 ]] || { bad "unwritable core: status $status, expected 139"; cat segv3.err; }
cmp -s segv.out segv3.out || bad "unwritable core: output differs"
[[ -s segv3.err ]] && { bad "unwritable core: something was printed"; cat segv3.err; }
[[ -d $work/root3/core.1/x ]] || bad "unwritable core: the directory was touched"
temps=("$work"/root3/.core.*)
[[ ${#temps[@]} == 0 ]] || bad "unwritable core left ${temps[*]}"

timeout 60 "$symunix" run --root "$work/root2" "$guests/test_hello.elf" >hello.out 2>hello.err
status=$?
[[ $status == 0 ]] || { bad "hello status $status"; cat hello.err; }
leftover=("$work"/root2/core.* "$work"/root2/.core.*)
[[ ${#leftover[@]} == 0 ]] || bad "a normal exit left ${leftover[*]}"

[[ $fail == 0 ]] && echo "PASS core-dump"
exit $fail
