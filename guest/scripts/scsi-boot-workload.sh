# Guest script for `hvmio run --boot scsi`: the guest was booted by SeaBIOS from a disk on
# our LSI controller (53C875 identity) through the project's option ROM, syslinux loading
# the kit's Linux with INT 13h. Shows that, one PASS/FAIL line per step; exit status = the
# number of failed steps. Reads only: the boot disk is left as it was.
fails=0
step() { if [ "$2" = 0 ]; then echo "PASS $1 $3"; else echo "FAIL $1 $3"; fails=$((fails + 1)); fi; }

# syslinux (not QEMU's -kernel) started this kernel: it passes the image name it loaded.
grep -q 'BOOT_IMAGE=' /proc/cmdline
step bootloader $? "syslinux: $(cat /proc/cmdline)"

# The controller the BIOS booted from, bound to sym53c8xx as a 53C875.
dev=''
for d in /sys/bus/pci/devices/*; do
  [ "$(cat "$d/vendor")" = 0x1000 ] && [ "$(cat "$d/device")" = 0x000f ] && dev=$d
done
drv=$( [ -n "$dev" ] && basename "$(readlink -f "$dev/driver")" )
[ "$drv" = sym53c8xx ]
step controller $? "PCI 1000:000f at ${dev##*/} bound to ${drv:-nothing}; $(dmesg | grep -m1 'sym0: <' | sed 's/^\[[^]]*\] //')"

# The disk the BIOS read: partitioned by make-boot-disk.sh, syslinux in its first partition.
waitfor /dev/sda1 10
sig=$(dd if=/dev/sda bs=1 skip=510 count=2 2>/dev/null | od -An -tx1 | tr -d ' \n')
oem=$(dd if=/dev/sda1 bs=1 skip=3 count=8 2>/dev/null)
[ "$sig" = 55aa ] && [ "$oem" = SYSLINUX ]
step boot-disk $? "sda: $(( $(cat /sys/block/sda/size) / 2048 )) MiB, MBR signature $sig, partition 1 at sector $(cat /sys/block/sda/sda1/start 2>/dev/null), boot sector OEM '$oem'"

# Linux reads the whole boot partition through sym53c8xx (the kit has no vfat module, so
# the files syslinux loaded are not mounted): every sector answers.
part=$(cat /sys/block/sda/sda1/size 2>/dev/null || echo 0)
dd if=/dev/sda1 of=/dev/null bs=64k iflag=direct 2>/tmp/dd.err
rc=$?
step read $rc "$(( part / 2048 )) MiB partition read with O_DIRECT: $(tail -1 /tmp/dd.err)"
exit $fails
