#!/bin/sh
# Guest side of test/guest/ide-remote.test.ts. Our PIIX3 IDE controller (native mode, behind
# QEMU's x-pci-proxy-dev at 00:02.0) carries: primary master = scratch disk (sda), primary
# slave = ext2 disk (sdb), secondary master = ISO9660 CD-ROM (sr0). The host substitutes the
# @NAME@ placeholders. Every check prints "CHECK name PASS|FAIL detail"; values the host
# verifies afterwards print "VALUE name value". Exits non-zero if any check failed.
fails=0
check() { # check NAME CONDITION-RESULT DETAIL
  if [ "$2" = 0 ]; then echo "CHECK $1 PASS $3"; else echo "CHECK $1 FAIL $3"; fails=$((fails + 1)); fi
}
md5() { md5sum | cut -d' ' -f1; }

dev=/sys/bus/pci/devices/0000:00:02.0
drv=$(basename "$(readlink $dev/driver 2>/dev/null)" 2>/dev/null)
check driver "$([ "$drv" = ata_piix ] && [ "$(cat $dev/vendor)" = 0x8086 ] && [ "$(cat $dev/device)" = 0x7010 ]; echo $?)" \
  "driver=$drv id=$(cat $dev/vendor 2>/dev/null):$(cat $dev/device 2>/dev/null) class=$(cat $dev/class 2>/dev/null)"

waitfor /dev/sda 30; waitfor /dev/sdb 30; waitfor /dev/sr0 30
check disk "$([ "$(cat /sys/block/sda/size)" = @DISK_SECTORS@ ]; echo $?)" \
  "sda sectors=$(cat /sys/block/sda/size 2>/dev/null) model=$(cat /sys/block/sda/device/model 2>/dev/null)"

modes=""
for d in /sys/class/ata_device/*; do
  [ "$(cat "$d/class" 2>/dev/null)" = ata ] && modes="$modes ${d##*/}=$(cat "$d/xfer_mode")"
done
check dma "$(echo "$modes" | grep -q MW_DMA_2; echo $?)" "xfer modes:$modes"

# Data the host put in the image (8 MiB at 96 MiB) read back with O_DIRECT.
got=$(dd if=/dev/sda bs=1M skip=96 count=8 iflag=direct 2>/dev/null | md5)
check host-data "$([ "$got" = @HOST_MD5@ ]; echo $?)" "md5 $got"

# Pattern written with O_DIRECT at 1 MiB; the host checks the image afterwards.
dd if=/dev/urandom of=/tmp/pattern bs=1M count=8 2>/dev/null
want=$(md5 < /tmp/pattern)
dd if=/tmp/pattern of=/dev/sda bs=64k seek=16 oflag=direct 2>/dev/null
got=$(dd if=/dev/sda bs=64k skip=16 count=128 iflag=direct 2>/dev/null | md5)
check pattern-direct "$([ "$got" = "$want" ]; echo $?)" "wrote $want read $got"
echo "VALUE guest_md5 $want"

# O_DIRECT at an odd sector offset with an odd number of sectors (77 x 512 at sector 33333).
dd if=/dev/urandom of=/tmp/odd1 bs=512 count=77 2>/dev/null
want=$(md5 < /tmp/odd1)
dd if=/tmp/odd1 of=/dev/sda bs=512 seek=33333 count=77 oflag=direct 2>/dev/null
got=$(dd if=/dev/sda bs=512 skip=33333 count=77 iflag=direct 2>/dev/null | md5)
check odd-direct "$([ "$got" = "$want" ]; echo $?)" "wrote $want read $got"

# Buffered I/O at an odd byte offset and length (5003 bytes at 50 MiB + 777), through the
# page cache, then read back after dropping the cache so the data comes from the disk.
dd if=/dev/urandom of=/tmp/odd2 bs=5003 count=1 2>/dev/null
want=$(md5 < /tmp/odd2)
dd if=/tmp/odd2 of=/dev/sda bs=1 seek=$((50 * 1048576 + 777)) count=5003 conv=notrunc 2>/dev/null
sync; echo 3 > /proc/sys/vm/drop_caches
got=$(dd if=/dev/sda bs=1 skip=$((50 * 1048576 + 777)) count=5003 2>/dev/null | md5)
check odd-buffered "$([ "$got" = "$want" ]; echo $?)" "wrote $want read $got"

# FLUSH CACHE: the drive reports a write-back cache, so fsync/sync makes the kernel flush.
wc=$(cat /sys/block/sda/queue/write_cache 2>/dev/null)
sync; blockdev --flushbufs /dev/sda
check write-cache "$([ "$wc" = "write back" ]; echo $?)" "sda write_cache=$wc"

# ext2 on the slave: mke2fs, many files, remount, read back. The host runs e2fsck -fn after.
mkdir -p /mnt/e /mnt/cd
ok=1
if mke2fs -q /dev/sdb >/dev/null 2>&1 && mount -t ext2 /dev/sdb /mnt/e; then
  i=0
  while [ $i -lt 150 ]; do
    dd if=/dev/urandom of=/mnt/e/f$i bs=$((i * 997 % 20000 + 1)) count=1 2>/dev/null
    i=$((i + 1))
  done
  mkdir /mnt/e/dir && cp /tmp/pattern /mnt/e/dir/pattern
  (cd /mnt/e && md5sum f* dir/pattern) > /tmp/sums
  umount /mnt/e && echo 3 > /proc/sys/vm/drop_caches && mount -t ext2 -o ro /dev/sdb /mnt/e &&
    (cd /mnt/e && md5sum -c /tmp/sums >/dev/null) && ok=0
  umount /mnt/e
fi
check ext2 "$ok" "$(wc -l < /tmp/sums 2>/dev/null) files"

# The CD-ROM: ISO9660 made by the host, mounted and read.
ok=1
if mount -t iso9660 -o ro /dev/sr0 /mnt/cd; then
  got=$(md5 < /mnt/cd/@ISO_FILE_LC@)
  [ "$got" = @ISO_MD5@ ] && ok=0
  umount /mnt/cd
fi
check cdrom "$ok" "md5 ${got:-none} $(cat /sys/block/sr0/device/model 2>/dev/null)"

echo "--- driver messages"
dmesg | grep -E 'ata[0-9]|scsi|sr[0-9]|sd[ab]' | grep -iE 'error|fail|timeout|exception' | head -20
exit $fails
