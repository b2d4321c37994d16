#!/usr/bin/env bash
# Installs the Debian packages the network backends, the boot media and their tests use, when
# missing (npm's pretest runs this; QEMU itself comes with the guest kit's build-guest.sh):
#   passt                 user-mode networking for `--netdev user` (hvmio starts it)
#   iproute2, iputils-ping the TAP and passt tests' network namespaces, the host's ping
#   binutils              as/ld for the option ROM and the test boot sector
#   mtools, syslinux, syslinux-common  the bootable Linux disk, made without root
# The installing is guest/boot/ensure-packages.sh's (apt-get, update only when needed, waits
# for the dpkg lock). Without root, missing packages are named and this exits 0: the tests
# that need them then skip with that reason, and the ROM build says what to install.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
packages=(passt iproute2 iputils-ping binutils mtools syslinux syslinux-common)
if [ "$(id -u)" -ne 0 ]; then
  bash "$here/../guest/boot/ensure-packages.sh" "${packages[@]}" || true
  exit 0
fi
exec bash "$here/../guest/boot/ensure-packages.sh" "${packages[@]}"
