#!/usr/bin/env bash
# Install every Debian package the project needs, when missing. Idempotent:
# a machine that has them all is left alone (no apt-get update, no network).
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  libopenmpi-dev openmpi-bin      # the MPI transport
  libevent-dev                    # the node loop's timers and signals
  libcriterion-dev                # unit tests
  zlib1g-dev                      # crc32 of network messages
  libjansson-dev                  # --stats-json of the network
  gcc-riscv64-linux-gnu libc6-dev-riscv64-cross  # guest programs
  qemu-user                       # reference oracle in tests (qemu-riscv64)
  jq                              # tests read --stats-json
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: done"
