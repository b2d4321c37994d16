#!/usr/bin/env bash
# build-guest.sh OUTDIR
#
# Builds OUTDIR/vmlinuz and OUTDIR/initramfs.cpio.gz: the Debian 12 kernel plus a busybox
# initramfs whose /init (guest-init, next to this script) loads the IDE, SCSI and NIC drivers
# and runs a test script handed in by run-guest.sh.
# Needs Debian 12 with working apt; installs missing host packages (root needed for that).
# Idempotent: does nothing when OUTDIR already holds a build of the same inputs
# (kernel and busybox package versions, this script, guest-init). Downloaded .debs are
# kept in OUTDIR/debs. KERNEL_PKG=linux-image-... picks another kernel package.
set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin LC_ALL=C

[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)

# Driver modules for the guest; their dependencies are added from modules.dep.
MODULES="qemu_fw_cfg sd_mod sr_mod cdrom isofs sym53c8xx ata_piix ata_generic e1000 ext4 crc32c_generic"

# 1. Host packages: qemu to run the guest; cpio, kmod (depmod, modprobe), xz-utils to build it.
missing=()
for p in qemu-system-x86 cpio kmod xz-utils; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
apt-cache show linux-image-amd64 >/dev/null 2>&1 || apt-get update
if [ ${#missing[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

# 2. Inputs: current kernel package (what linux-image-amd64 points to) and busybox-static.
kpkg=${KERNEL_PKG:-$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')}
version() { apt-cache show --no-all-versions "$1" | awk '/^Version:/ {print $2; exit}'; }
kver=$(version "$kpkg") bver=$(version busybox-static)
key=$( { echo "$kpkg=$kver busybox-static=$bver $MODULES"; cat "$0" "$here/guest-init"; } | sha256sum | cut -c1-16)
if [ -f "$out/vmlinuz" ] && [ -f "$out/initramfs.cpio.gz" ] && [ "$(cat "$out/build.stamp" 2>/dev/null)" = "$key" ]; then
  echo "build-guest: $out is up to date ($kpkg $kver, busybox $bver)"
  exit 0
fi

# 3. Download the two .debs (kept in OUTDIR/debs, stale ones removed) and unpack them.
mkdir -p "$out/debs"
deb() { echo "$out/debs/${1}_${2/:/%3a}_amd64.deb"; }
kdeb=$(deb "$kpkg" "$kver") bdeb=$(deb busybox-static "$bver")
for f in "$out"/debs/*.deb; do [ "$f" = "$kdeb" ] || [ "$f" = "$bdeb" ] || rm -f "$f"; done
[ -f "$kdeb" ] || (cd "$out/debs" && apt-get download -o APT::Sandbox::User=root "$kpkg=$kver")
[ -f "$bdeb" ] || (cd "$out/debs" && apt-get download -o APT::Sandbox::User=root "busybox-static=$bver")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dpkg -x "$kdeb" "$tmp/k"
dpkg -x "$bdeb" "$tmp/bb"
kdir=$(dirname "$(find "$tmp/k" -path '*/lib/modules/*/kernel' -prune)")   # BASE/lib/modules/VERSION
kmodver=$(basename "$kdir") kbase=${kdir%/lib/modules/*}

# 4. Root tree: busybox with all applet links, /init, the modules with their dependencies.
root=$tmp/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,run,root,lib/modules/"$kmodver"}
cp "$tmp/bb/bin/busybox" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list-full); do
  [ "$applet" = linuxrc ] || [ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done
install -m 755 "$here/guest-init" "$root/init"

depmod -b "$kbase" "$kmodver"
for m in $MODULES; do
  modprobe -d "$kbase" -S "$kmodver" --show-depends "$m"
done | awk '$1 == "insmod" {print $2}' | sort -u | while read -r ko; do
  rel=${ko#"$kdir/"}
  mkdir -p "$root/lib/modules/$kmodver/$(dirname "$rel")"
  cp "$ko" "$root/lib/modules/$kmodver/$rel"
done
cp "$kdir"/modules.{order,builtin,builtin.modinfo} "$root/lib/modules/$kmodver/"
depmod -b "$root" "$kmodver"
echo "$MODULES" > "$root/etc/guest-modules"

# 5. Outputs.
(cd "$root" && find . | sort | cpio -o -H newc -R 0:0 --quiet) | gzip -6 -n > "$tmp/initramfs.cpio.gz"
mv "$tmp/initramfs.cpio.gz" "$out/initramfs.cpio.gz"
cp "$tmp/k/boot/vmlinuz-$kmodver" "$out/vmlinuz"
# Uncompressed kernel (ELF with a PVH entry point): QEMU boots it directly, which saves the
# ~3 s that decompressing vmlinuz takes under TCG. run-guest.sh prefers it when present.
rm -f "$out/vmlinux"
off=$(grep -m1 -obUaP '\xfd7zXZ\x00' "$out/vmlinuz" | awk -F: 'NR == 1 {print $1}' || true)   # xz stream inside the bzImage
if [ -n "$off" ] && xz -dc --single-stream < <(tail -c +$((off + 1)) "$out/vmlinuz") > "$tmp/vmlinux"; then
  mv "$tmp/vmlinux" "$out/vmlinux"
fi
(cd "$root/lib/modules/$kmodver" && find . -name '*.ko' | sort) > "$out/modules.txt"
echo "$kpkg $kver ($kmodver), busybox-static $bver" > "$out/versions.txt"
echo "$key" > "$out/build.stamp"
echo "build-guest: built $out/vmlinuz and $out/initramfs.cpio.gz ($(cat "$out/versions.txt"))"
