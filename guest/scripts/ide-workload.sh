#!/bin/sh
# hvmio's IDE workload, run inside the guest kit's Linux guest by `hvmio run` (any kit runner
# works: guest/run-guest-remote.sh OUTDIR guest/scripts/ide-workload.sh ...).
#
# Finds our PIIX3 IDE controller (the one in PCI native mode: the board's own PIIX3 at
# 00:01.1 stays in compatibility mode) and its first disk, shows how Linux sees them (driver,
# model, size, transfer mode), then: a random pattern written and read back with O_DIRECT
# (md5 compare), O_DIRECT dd throughput with bs=1M and bs=16M, and an ext2 file round trip.
# Every step prints "PASS name ..." or "FAIL name ..."; the exit status is the number of
# failures. The steps shared with the other disk workload are in lib/disk-steps.sh.
#
# DESTROYS the disk's contents. Needs a disk of at least 16 MiB.
set -u
#@include lib/disk-steps.sh

echo "--- controller"
ctl=''
for d in /sys/bus/pci/devices/*; do
  if [ "$(cat "$d/vendor")" = 0x8086 ] && [ "$(cat "$d/device")" = 0x7010 ] && [ "$(cat "$d/class")" = 0x010185 ]; then
    ctl=${d##*/}
  fi
done
if [ -z "$ctl" ]; then
  fail controller "no PIIX3 IDE in PCI native mode (class 0x010185) on the bus: did the remote start?"
  exit $fails
fi
pci=/sys/bus/pci/devices/$ctl
drv=$(basename "$(readlink "$pci/driver" 2>/dev/null)" 2>/dev/null)
if [ "$drv" = ata_piix ]; then
  pass controller "$ctl 8086:7010 (PIIX3 IDE, native mode), driver $drv, irq $(cat "$pci/irq")"
else
  fail controller "$ctl 8086:7010 is bound to '${drv:-no driver}', not ata_piix"
fi
dmesg | grep -E "ata[0-9]+: PATA .*(cmd 0x[0-9a-f]{4,} )" || true

echo "--- disk"
# The first sd disk whose sysfs path runs through our controller; modprobe has waited for
# the driver's probing, the loop only covers a slow scan (at most 30 s).
disk='' tries=0
while [ -z "$disk" ] && [ $tries -lt 30 ]; do
  for b in /sys/block/sd*; do
    case "$(readlink -f "$b")" in */"$ctl"/*) disk=${b##*/}; break ;; esac
  done
  [ -n "$disk" ] || { sleep 1; tries=$((tries + 1)); }
done
if [ -z "$disk" ]; then
  fail disk "no disk behind $ctl (a CD-ROM only? the workload needs a disk)"
  exit $fails
fi
dev=/dev/$disk
waitfor "$dev" 10
sectors=$(cat /sys/block/$disk/size)
mib=$((sectors / 2048))
pass disk "$dev: $(cat /sys/block/$disk/device/vendor | tr -s ' ') $(cat /sys/block/$disk/device/model | tr -s ' '), $sectors sectors ($mib MiB), write cache: $(cat /sys/block/$disk/queue/write_cache)"
dmesg | grep -E "ata[0-9]+\.[0-9]+: (ATA|ATAPI)-|ata[0-9]+\.[0-9]+: [0-9]+ sectors" || true
mode=''
for a in "$pci"/ata*/link*/dev*/ata_device/dev*; do   # positions without a drive say "unknown"
  class=$(cat "$a/class" 2>/dev/null) || continue
  case "$class" in ata | atapi) ;; *) continue ;; esac
  echo "${a##*/}: $class, xfer_mode $(cat "$a/xfer_mode")"
  [ "$class" = ata ] && [ -z "$mode" ] && mode=$(cat "$a/xfer_mode")
done
case "$mode" in
  *DMA*) pass dma "transfer mode $mode (bus-master DMA)" ;;
  *) fail dma "transfer mode '${mode:-unknown}', not DMA" ;;
esac
if [ "$mib" -lt 16 ]; then
  fail size "$dev has $mib MiB; the workload needs at least 16"
  exit $fails
fi

step_pattern $dev

step_throughput $dev $mib

step_ext2 $dev $mib

echo "--- interrupts (0 when polled: QEMU's proxy cannot inject them under TCG)"
grep ata_piix /proc/interrupts || true
step_driver_errors 'ata[0-9]|sd [0-9]'
echo "--- $fails failure(s)"
exit $fails
