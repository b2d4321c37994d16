#!/usr/bin/env bash
# ensure-packages.sh PACKAGE...
#
# Installs the Debian packages among PACKAGE that are missing, the same way build-guest.sh
# installs qemu-system-x86: apt-get install --no-install-recommends, after apt-get update
# only when the package lists do not know a package. Root is needed only when something is
# missing. Used by the boot-media scripts next to this one and by scripts/ensure-packages.sh (npm pretest).
set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin LC_ALL=C

missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
[ ${#missing[@]} -gt 0 ] || exit 0
if [ "$(id -u)" != 0 ]; then
  echo "ensure-packages: missing ${missing[*]}; run as root or: apt-get install ${missing[*]}" >&2
  exit 2
fi
for p in "${missing[@]}"; do
  apt-cache show "$p" >/dev/null 2>&1 || { apt-get -o DPkg::Lock::Timeout=300 update; break; }
done
# Another apt run (a parallel build, another test) may hold the dpkg lock: wait for it.
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "${missing[@]}" >&2
