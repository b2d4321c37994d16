#!/usr/bin/env bash
# make-boot-disk.sh [--size-mib N] [--append "PARAMS"] [--whole-disk] KITDIR IMAGE
#
# Writes IMAGE: a BIOS-bootable disk holding the guest kit's Linux (KITDIR/vmlinuz and
# KITDIR/initramfs.cpio.gz, as built by guest/build-guest.sh), made without root and
# without a loop mount:
#   sector 0      syslinux's mbr.bin (boots the active partition) and a partition table
#                 with one active FAT16 partition (type 0Eh) from sector 2048 to the end;
#                 its CHS fields use the conventional 255 heads x 63 sectors geometry
#   partition     FAT16 made by mformat at the byte offset (mtools' IMAGE@@OFFSET), holding
#                 VMLINUZ, INITRD.GZ and SYSLINUX.CFG; syslinux --offset installs
#                 ldlinux.sys/ldlinux.c32 and the partition's boot sector
# SYSLINUX.CFG boots the kernel at once with the kit's kernel command line (the one
# run-guest.sh gives -kernel boots: console=ttyS0 quiet panic=-1 sym53c8xx.settle=0) plus
# PARAMS (e.g. "nolapic irqpoll nohz=off" for a boot through run-guest-remote.sh). The guest
# script still comes through fw_cfg (run-guest.sh does that in GUEST_BOOT=bios mode too).
# --whole-disk: no MBR and no partition table; the FAT file system covers the disk from
# sector 0 and the BIOS runs syslinux's FAT boot sector directly (a "superfloppy"). That
# layout boots through x-pci-proxy-dev under TCG with a BIOS that DMAs straight into the
# caller's buffer, where the MBR layout does not (guest/README.md, "Booting from disk").
# Size: N MiB (default 32, at least 16: the kernel and initramfs take about 11 MiB).
# Installs mtools, syslinux and syslinux-common when missing (ensure-packages.sh).
# Exit status 2 with one line on stderr for bad arguments or missing kit files.
set -euo pipefail
export LC_ALL=C MTOOLS_SKIP_CHECK=1
here=$(cd "$(dirname "$0")" && pwd)

usage() { echo "usage: $0 [--size-mib N] [--append PARAMS] [--whole-disk] KITDIR IMAGE" >&2; exit 2; }
size_mib=32 append='' whole_disk=''
while [ $# -gt 0 ]; do
  case $1 in
    --whole-disk) whole_disk=1; shift ;;
    --size-mib) [ $# -ge 2 ] || usage; size_mib=$2; shift 2 ;;
    --append) [ $# -ge 2 ] || usage; append=$2; shift 2 ;;
    --) shift; break ;;
    -*) echo "make-boot-disk: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -eq 2 ] || usage
kit=$1 image=$2
[[ $size_mib =~ ^[0-9]+$ ]] && [ "$size_mib" -ge 16 ] && [ "$size_mib" -le 2048 ] ||
  { echo "make-boot-disk: --size-mib must be 16..2048, not '$size_mib'" >&2; exit 2; }
for f in vmlinuz initramfs.cpio.gz; do
  [ -r "$kit/$f" ] || { echo "make-boot-disk: $kit/$f missing (build it with guest/build-guest.sh $kit)" >&2; exit 2; }
done
case $append in *$'\n'*) echo "make-boot-disk: --append must be one line" >&2; exit 2 ;; esac

"$here/ensure-packages.sh" mtools syslinux syslinux-common
mbr=/usr/lib/syslinux/mbr/mbr.bin
[ -r "$mbr" ] || { echo "make-boot-disk: $mbr missing (package syslinux-common)" >&2; exit 2; }

part_start=2048                             # sectors: 1 MiB alignment, as fdisk does
[ -z "$whole_disk" ] || part_start=0
total=$((size_mib * 2048))
part_sectors=$((total - part_start))
offset=$((part_start * 512))

# Written next to IMAGE and renamed at the end, so a failure leaves no half-made disk.
tmp="$image.tmp.$$"
trap 'rm -f "$tmp" "$tmp.cfg"' EXIT
rm -f "$tmp"
truncate -s $((total * 512)) "$tmp"

# Sector 0: boot code (440 bytes), disk signature, one partition entry, 55 AA.
[ -n "$whole_disk" ] || dd if="$mbr" of="$tmp" conv=notrunc status=none
[ -n "$whole_disk" ] || perl -e '
  my ($start, $count) = @ARGV;
  # CHS of an LBA for 255 heads x 63 sectors; beyond cylinder 1023 the usual 1023/254/63.
  sub chs { my $lba = shift; my $c = int($lba / (255 * 63));
    return pack("C3", 254, 255, 255) if $c > 1023;
    my $h = int($lba / 63) % 255; my $s = $lba % 63 + 1;
    return pack("C3", $h, (($c >> 2) & 0xC0) | $s, $c & 0xFF); }
  print pack("V", 0x4f494d56), "\0\0";                     # disk signature "VMIO"
  print "\x80", chs($start), "\x0e", chs($start + $count - 1), pack("VV", $start, $count);
  print "\0" x 48, "\x55\xaa";
' "$part_start" "$part_sectors" | dd of="$tmp" bs=1 seek=440 conv=notrunc status=none

# FAT16 in the partition. -H: hidden sectors = the partition's first sector, which a FAT
# boot sector adds to its own sector numbers.
mformat -i "$tmp@@$offset" -T "$part_sectors" -h 255 -s 63 -H "$part_start" -v HVMIOBOOT ::
cat > "$tmp.cfg" <<CFG
DEFAULT linux
PROMPT 0
TIMEOUT 0
LABEL linux
  KERNEL /VMLINUZ
  INITRD /INITRD.GZ
  APPEND console=ttyS0 quiet panic=-1 sym53c8xx.settle=0 $append
CFG
mcopy -i "$tmp@@$offset" "$kit/vmlinuz" ::VMLINUZ
mcopy -i "$tmp@@$offset" "$kit/initramfs.cpio.gz" ::INITRD.GZ
mcopy -i "$tmp@@$offset" "$tmp.cfg" ::SYSLINUX.CFG
syslinux --offset "$offset" --install "$tmp"
mv "$tmp" "$image"
echo "make-boot-disk: $image (${size_mib} MiB, FAT16 at sector $part_start$([ -z "$whole_disk" ] || echo ', no partition table'), syslinux, kernel from $kit)"
