#!/usr/bin/env bash
# layers.sh — the kernel's layers kept (docs/kernel.md "Layers"): no file of
# kernel/ includes the header of a layer above its own, and every file of
# kernel/ has a layer here. Calls that go up are declared in hooks.h (layer
# 0), never by including a higher header. Usage: layers.sh KERNEL_DIR
set -u
dir=${1:?usage: layers.sh KERNEL_DIR}
layer_of() {
    case $1 in
    kernel.h | ktypes.h | hooks.h | guest_abi.h) echo 0 ;;
    gmem.h | gmem.c) echo 1 ;;
    vm.h | vm.c | elf.c) echo 2 ;;
    files.h | fd.c | vfile.c) echo 3 ;;
    proc.h | proc.c | signal.c | remote.c | itimer.c | fifo.c | core.c | migrate.c | kernel.c) echo 4 ;;
    syscalls.h | sys_file.h | syscall.c | exec.c | sys_*.c) echo 5 ;;
    *) echo ;;
    esac
}
bad=0
for f in "$dir"/*.c "$dir"/*.h; do
    name=$(basename "$f")
    mine=$(layer_of "$name")
    if [ -z "$mine" ]; then
        echo "layers.sh: kernel/$name has no layer (add it here and to docs/kernel.md)"
        bad=1
        continue
    fi
    while read -r inc; do
        h=$(basename "$inc")
        theirs=$(layer_of "$h")
        if [ -z "$theirs" ]; then
            echo "layers.sh: kernel/$name includes kernel/$h, which has no layer"
            bad=1
        elif [ "$theirs" -gt "$mine" ]; then
            echo "layers.sh: kernel/$name (layer $mine) includes kernel/$h (layer $theirs)"
            bad=1
        fi
    done < <(sed -n 's|^[[:space:]]*#[[:space:]]*include[[:space:]]*"kernel/\([^"]*\)".*|\1|p' "$f")
done
[ $bad = 0 ] && echo "layers.sh: every kernel/ file includes only its layer and those below"
exit $bad
