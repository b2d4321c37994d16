#!/bin/sh
# hvmio's IDE workload, run inside the guest kit's Linux guest by `hvmio run` (any kit runner
# works: guest/run-guest-remote.sh OUTDIR guest/scripts/ide-workload.sh ...).
#
# Finds our PIIX3 IDE controller (the one in PCI native mode: the board's own PIIX3 at
# 00:01.1 stays in compatibility mode) and its first disk, shows how Linux sees them (driver,
# model, size, transfer mode), then: a random pattern written and read back with O_DIRECT
# (md5 compare), O_DIRECT dd throughput with bs=1M and bs=16M, and an ext2 file round trip.
# Every step prints "PASS name ..." or "FAIL name ..."; the exit status is the number of
# failures. Timings come from /proc/timer_list: busybox dd prints no rate, date has no %N.
#
# DESTROYS the disk's contents. Needs a disk of at least 16 MiB.
set -u
fails=0
pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
now() { awk '/^now at/ {print $3; exit}' /proc/timer_list; }   # ns since boot
rate() { awk -v mib="$1" -v a="$2" -v b="$3" 'BEGIN { s = (b - a) / 1e9; printf "%.1f MiB/s (%d MiB in %.3f s)", mib / s, mib, s }'; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }
md5() { md5sum | cut -d' ' -f1; }

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

echo "--- pattern: 8 MiB of random data at offset 1 MiB, O_DIRECT, read back"
dd if=/dev/urandom of=/tmp/pattern bs=1M count=8 2>/dev/null
want=$(md5 < /tmp/pattern)
if dd if=/tmp/pattern of=$dev bs=64k seek=16 oflag=direct 2>/dev/null; then
  got=$(dd if=$dev bs=64k skip=16 count=128 iflag=direct 2>/dev/null | md5)
  if [ "$got" = "$want" ]; then pass pattern "md5 $want"; else fail pattern "wrote md5 $want, read $got"; fi
else
  fail pattern "dd write failed"
fi

# Up to 64 MiB, a multiple of 16 MiB that fits on the disk.
total=$((mib / 16 * 16))
[ $total -le 64 ] || total=64
echo "--- throughput: $total MiB with O_DIRECT (bs=1M: one request at a time; bs=16M: several in flight)"
ok=0
for bs in 1 16; do
  t0=$(now)
  if dd if=/dev/zero of=$dev bs=${bs}M count=$((total / bs)) oflag=direct 2>/dev/null; then
    echo "write bs=${bs}M: $(rate $total "$t0" "$(now)")"
  else
    echo "write bs=${bs}M: dd failed"; ok=1
  fi
  t0=$(now)
  if dd if=$dev of=/dev/null bs=${bs}M count=$((total / bs)) iflag=direct 2>/dev/null; then
    echo "read bs=${bs}M: $(rate $total "$t0" "$(now)")"
  else
    echo "read bs=${bs}M: dd failed"; ok=1
  fi
done
if [ $ok = 0 ]; then pass throughput "every dd completed"; else fail throughput "a dd failed"; fi

# ext2 on the first (up to) 32 MiB: mke2fs, copy the pattern in, unmount, drop the page
# cache, mount read-only and compare. Many small synchronous requests: the slowest step.
fs_kib=$((mib * 1024))
[ $fs_kib -le 32768 ] || fs_kib=32768
echo "--- ext2 round trip: mke2fs ($((fs_kib / 1024)) MiB), copy, umount, drop caches, mount ro, md5"
mkdir -p /mnt/disk
t0=$(now)
got=''
if mke2fs -q $dev $fs_kib >/dev/null 2>&1 && mount -t ext2 $dev /mnt/disk; then
  cp /tmp/pattern /mnt/disk/pattern
  umount /mnt/disk
  echo 3 > /proc/sys/vm/drop_caches
  if mount -t ext2 -o ro $dev /mnt/disk; then
    got=$(md5 < /mnt/disk/pattern)
    umount /mnt/disk
  fi
fi
t1=$(now)
if [ "$got" = "$want" ]; then
  pass ext2 "/pattern md5 $got ($(secs "$t0" "$t1") s)"
else
  fail ext2 "read '${got:-nothing}', wrote $want"
fi

echo "--- interrupts (0 when polled: QEMU's proxy cannot inject them under TCG)"
grep ata_piix /proc/interrupts || true
errs=$(dmesg | grep -E 'ata[0-9]|sd [0-9]' | grep -iE 'error|fail|timeout|exception|abort' || true)
if [ -n "$errs" ]; then
  echo "--- driver errors"
  echo "$errs" | head -20
fi
echo "--- $fails failure(s)"
exit $fails
