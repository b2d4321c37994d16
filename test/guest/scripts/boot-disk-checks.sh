# Guest script for a Linux booted from disk by the BIOS (guest/boot/make-boot-disk.sh).
# @LAYOUT@ is "mbr" (partition table, FAT in sda1) or "whole" (FAT on the whole disk).
# Prints CHECK name PASS|FAIL detail and VALUE name value lines (test/helpers/guest-kit.ts).
layout=@LAYOUT@
check() { if [ "$2" = 0 ]; then echo "CHECK $1 PASS $3"; else echo "CHECK $1 FAIL $3"; fi; }

# syslinux, not QEMU's -kernel, started this kernel: it names the image it loaded.
grep -q 'BOOT_IMAGE=/VMLINUZ' /proc/cmdline
check syslinux $? "$(cat /proc/cmdline)"
echo "VALUE cmdline $(cat /proc/cmdline)"

# sym53c8xx drives the controller the BIOS booted from, and sd found the boot disk on it: the
# disk at SCSI ID 0, LUN 0. sd names disks in the order their probes finish, so with more
# than one disk it need not be sda; the VALUE names below say "sda" for it all the same.
disk=
for _ in 1 2 3 4 5 6 7 8 9 10 11 12; do
  for b in /sys/bus/scsi/devices/*:0:0:0/block/sd*; do [ -e "$b" ] && disk=$(basename "$b"); done
  [ -n "$disk" ] && break
  sleep 1
done
[ -n "$disk" ] && waitfor "/dev/$disk" 10
check sym53c8xx-disk $? "$(dmesg | grep -E 'sym0|sd 0:0:0:0' | head -3 | tr '\n' '|')"
# The disk's device is HOST:CHANNEL:TARGET:LUN; three levels up is the PCI function.
echo "VALUE sda_driver $(basename "$(readlink -f "/sys/block/$disk/device/../../../driver")")"
echo "VALUE sda_sectors $(cat "/sys/block/$disk/size")"
echo "VALUE mbr_sig $(dd if="/dev/$disk" bs=1 skip=510 count=2 2>/dev/null | od -An -tx1 | tr -d ' \n')"

# The disk is the one we booted: the FAT boot sector syslinux installed, where the layout
# puts it.
if [ "$layout" = mbr ]; then
  waitfor "/dev/${disk}1" 10
  check partition $? "$(ls /dev/sd* | tr '\n' ' ')"
  echo "VALUE sda1_start $(cat "/sys/block/$disk/${disk}1/start" 2>/dev/null)"
  fat=/dev/${disk}1
else
  [ ! -e "/sys/block/$disk/${disk}1" ]
  check partition $? "no partitions expected: $(ls /dev/sd* | tr '\n' ' ')"
  fat=/dev/$disk
fi
echo "VALUE vbr_oem $(dd if=$fat bs=1 skip=3 count=8 2>/dev/null)"

# The other SCSI disks sd attached (H:C:T:L and size in sectors; one without medium has 0),
# and what sd said about them. A test that has other_disks=N in front of this script waits
# for N of them (SCSI scanning and sd probing go on in the background).
for _ in 1 2 3 4 5 6 7 8 9 10; do
  [ $(($(ls -d /sys/block/sd* | wc -l) - 1)) -ge "${other_disks:-0}" ] && break
  sleep 1
done
for d in /sys/block/sd*; do
  [ "$d" = "/sys/block/$disk" ] || echo "VALUE disk_$(basename "$d") $(basename "$(readlink -f "$d/device")") $(cat "$d/size")"
done
echo "VALUE sd_other $(dmesg | grep -E 'sd [0-9]+:0:[1-9][0-9]*:0' | sed 's/^\[[^]]*\] //' | head -8 | tr '\n' '|')"
exit 0
