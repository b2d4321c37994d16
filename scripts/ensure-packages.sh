#!/usr/bin/env bash
# Installs the Debian packages the network backends and their tests use, when missing:
#   passt   user-mode networking for `--netdev user` (hvmio starts it on a private socket)
#   iproute2 `ip` for the TAP and passt tests' network namespaces
#   iputils-ping the TAP test's host pinging the guest
# Same rule as guest/build-guest.sh: apt-get with --no-install-recommends, an apt-get update
# only when the package lists are empty. Without root, missing packages are named and the
# script exits 0: the tests that need them then skip with that reason.
set -euo pipefail

missing=()
for p in passt iproute2 iputils-ping; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-packages: missing ${missing[*]} (not root: install them with apt-get install ${missing[*]})" >&2
  exit 0
fi
apt-cache show passt >/dev/null 2>&1 || apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
