# Guest script for a Linux booted from disk by the BIOS (guest/boot/make-boot-disk.sh).
# @LAYOUT@ is "mbr" (partition table, FAT in sda1) or "whole" (FAT on the whole disk).
# Prints CHECK name PASS|FAIL detail and VALUE name value lines (test/helpers/guest-kit.ts).
layout=@LAYOUT@
check() { if [ "$2" = 0 ]; then echo "CHECK $1 PASS $3"; else echo "CHECK $1 FAIL $3"; fi; }

# syslinux, not QEMU's -kernel, started this kernel: it names the image it loaded.
grep -q 'BOOT_IMAGE=/VMLINUZ' /proc/cmdline
check syslinux $? "$(cat /proc/cmdline)"
echo "VALUE cmdline $(cat /proc/cmdline)"

# sym53c8xx drives the controller the BIOS booted from, and sd found the boot disk on it.
waitfor /dev/sda 10
check sym53c8xx-disk $? "$(dmesg | grep -E 'sym0|sd 0:0:0:0' | head -3 | tr '\n' '|')"
# sda's device is HOST:CHANNEL:TARGET:LUN; three levels up is the PCI function.
echo "VALUE sda_driver $(basename "$(readlink -f /sys/block/sda/device/../../../driver)")"
echo "VALUE sda_sectors $(cat /sys/block/sda/size)"
echo "VALUE mbr_sig $(dd if=/dev/sda bs=1 skip=510 count=2 2>/dev/null | od -An -tx1 | tr -d ' \n')"

# The disk is the one we booted: the FAT boot sector syslinux installed, where the layout
# puts it.
if [ "$layout" = mbr ]; then
  waitfor /dev/sda1 10
  check partition $? "$(ls /dev/sd* | tr '\n' ' ')"
  echo "VALUE sda1_start $(cat /sys/block/sda/sda1/start 2>/dev/null)"
  fat=/dev/sda1
else
  [ ! -e /sys/block/sda/sda1 ]
  check partition $? "no partitions expected: $(ls /dev/sd* | tr '\n' ' ')"
  fat=/dev/sda
fi
echo "VALUE vbr_oem $(dd if=$fat bs=1 skip=3 count=8 2>/dev/null)"

# The other SCSI disks sd attached (H:C:T:L and size in sectors; one without medium has 0),
# and what sd said about them.
for d in /sys/block/sd*; do
  [ "$d" = /sys/block/sda ] || echo "VALUE disk_$(basename "$d") $(basename "$(readlink -f "$d/device")") $(cat "$d/size")"
done
echo "VALUE sd_other $(dmesg | grep -E 'sd [0-9]+:0:[1-9][0-9]*:0' | sed 's/^\[[^]]*\] //' | head -8 | tr '\n' '|')"
exit 0
