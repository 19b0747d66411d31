#!/usr/bin/env bash
# fifo.sh — opening a FIFO (test_fifo.elf): a blocking open waits for the
# other end with the process asleep, never the node (docs/kernel.md, "Host
# calls never block the node"). The guest has no mknod: the FIFOs are made
# here, in the store root for symunix and in the working directory for
# qemu-riscv64 (the oracle); each mode's output and status must match.
# Modes: fork, nonblock, alarm (test_fifo.elf's), and host: a host process
# (this script) writes into a FIFO the guest opens read-only. Every run is
# under a generous `timeout`: only a hang (the old node-blocking open)
# reaches it. SIGTERM to a guest stuck in a FIFO open: host-signal.sh "fifo".
# Usage: fifo.sh SYMUNIX QEMU GUEST_DIR
set -u
symunix=$(realpath "$1") qemu=$2 elf=$(realpath "$3")/test_fifo.elf
work=$(mktemp -d "${TMPDIR:-/tmp}/fifo.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# run LABEL DIR MODE CMD...: run CMD in DIR (fresh FIFOs); output in LABEL.out.
run() {
    local label=$1 dir=$2 mode=$3
    shift 3
    rm -rf "$dir"
    mkdir -p "$dir"
    for f in ffork fhost fnb falarm fstuck; do mkfifo "$dir/$f"; done
    (cd "$dir" && timeout --kill-after=5 60 "$@" "$mode" >"$work/$label.out" 2>"$work/$label.err") &
    local job=$!
    if [[ $mode == host ]]; then
        # Blocks until the guest opens its end (60 s: only a hang reaches it).
        timeout 60 bash -c 'printf "written by the host\n" >"$1"' _ "$dir/fhost" ||
            bad "$label host: the guest never opened fhost for reading"
    fi
    wait "$job"
    echo "status $?" >>"$work/$label.out"
}

for mode in fork nonblock alarm host; do
    run "sym.$mode" "$work/root" "$mode" "$symunix" run --root "$work/root" "$elf"
    if command -v "$qemu" >/dev/null; then
        run "qemu.$mode" "$work/cwd" "$mode" "$qemu" "$elf"
        if ! diff -u "$work/qemu.$mode.out" "$work/sym.$mode.out"; then
            bad "$mode: symunix differs from qemu"
            tail -5 "$work/sym.$mode.err"
        fi
    else
        grep -q '^status 0$' "$work/sym.$mode.out" || bad "$mode: $(tail -1 "$work/sym.$mode.out")"
    fi
    cat "$work/sym.$mode.out"
done
[[ $fail == 0 ]] && echo "fifo.sh: ok"
exit $fail
