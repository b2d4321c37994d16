#!/bin/sh
# Guest side of test/guest/scsi-remote.test.ts. Our LSI 53C895A (behind QEMU's
# x-pci-proxy-dev at 00:02.0, driven by Linux's unmodified sym53c8xx) carries several disks;
# the host substitutes the @NAME@ placeholders:
#   @DISKS@     "ID:SECTORS ..." for every disk, the first one the main disk
#   @HOST_MD5@  md5 of the 4 MiB the host wrote at 96 MiB on the main disk
#   @EXT2_ID@   SCSI ID of the disk that gets an ext2 file system
#   @PAR_ID@    SCSI ID of the disk written in parallel with the main disk
# Every check prints "CHECK name PASS|FAIL detail"; values the host verifies afterwards print
# "VALUE name value". Exits with the number of failed checks. Under TCG the proxied device is
# polled at the 250 Hz tick (guest/README.md), so data sizes stay small.
fails=0
check() { # check NAME CONDITION-RESULT DETAIL
  if [ "$2" = 0 ]; then echo "CHECK $1 PASS $3"; else echo "CHECK $1 FAIL $3"; fails=$((fails + 1)); fi
}
md5() { md5sum | cut -d' ' -f1; }
pci=/sys/bus/pci/devices/0000:00:02.0

# The SCSI host number sym53c8xx registered for our function (it changes on a rebind).
host_no() {
  for h in "$pci"/host*; do [ -d "$h" ] && { echo "${h##*/host}"; return; }; done
}
# The sd block device of the disk at SCSI ID $1, LUN 0 (empty if none), waiting up to $2 s.
disk_of() {
  tries=0
  while [ $tries -le "${2:-10}" ]; do
    h=$(host_no)
    for b in /sys/bus/scsi/devices/"$h":0:"$1":0/block/sd*; do
      [ -d "$b" ] && { waitfor "/dev/${b##*/}" 10; echo "${b##*/}"; return; }
    done
    sleep 1; tries=$((tries + 1))
  done
}

# --- the controller and its driver
drv=$(basename "$(readlink $pci/driver 2>/dev/null)" 2>/dev/null)
banner=$(dmesg | grep -m1 'sym0: <895a>')
check driver "$([ "$drv" = sym53c8xx ] && [ "$(cat $pci/vendor)" = 0x1000 ] && [ "$(cat $pci/device)" = 0x0012 ] && [ -n "$banner" ]; echo $?)" \
  "driver=$drv id=$(cat $pci/vendor 2>/dev/null):$(cat $pci/device 2>/dev/null) class=$(cat $pci/class 2>/dev/null) dmesg: ${banner#*] }"

# --- every disk at its SCSI ID with its size
ok=0 found=''
main='' ext2='' par=''
for entry in @DISKS@; do
  id=${entry%%:*} want=${entry#*:}
  d=$(disk_of "$id" 30)
  got=$( [ -n "$d" ] && cat /sys/block/"$d"/size)
  found="$found $id=${d:-none}:${got:-?}"
  [ -n "$d" ] && [ "$got" = "$want" ] || ok=1
  [ -z "$main" ] && main=$d
  [ "$id" = @EXT2_ID@ ] && ext2=$d
  [ "$id" = @PAR_ID@ ] && par=$d
  echo "VALUE disk_$id ${d:-none}"
done
check disks "$ok" "ID=dev:sectors$found ($(cat /sys/block/${main:-none}/device/vendor 2>/dev/null | tr -s ' ') $(cat /sys/block/${main:-none}/device/model 2>/dev/null | tr -s ' '))"
if [ -z "$main" ] || [ -z "$ext2" ] || [ -z "$par" ]; then
  echo "--- missing disks; driver messages:"; dmesg | grep -E 'sym|scsi|sd ' | tail -30
  exit $((fails + 1))
fi
dev=/dev/$main

# --- data the host put in the image (4 MiB at 96 MiB), read with O_DIRECT
got=$(dd if=$dev bs=1M skip=96 count=4 iflag=direct 2>/dev/null | md5)
check host-data "$([ "$got" = @HOST_MD5@ ]; echo $?)" "md5 $got"

# --- pattern written with O_DIRECT at 1 MiB (aligned, 64 KiB requests); the host checks the image
dd if=/dev/urandom of=/tmp/pattern bs=1M count=4 2>/dev/null
want=$(md5 < /tmp/pattern)
dd if=/tmp/pattern of=$dev bs=64k seek=16 oflag=direct 2>/dev/null
got=$(dd if=$dev bs=64k skip=16 count=64 iflag=direct 2>/dev/null | md5)
check pattern-direct "$([ "$got" = "$want" ]; echo $?)" "wrote $want read $got"
echo "VALUE guest_md5 $want"

# --- O_DIRECT at odd sectors: 37 single sectors at sector 33333, then 24 requests of 9
# sectors at sector 9 x 2223 = 20007 (start and length odd: no request fills a 4 KiB page)
dd if=/dev/urandom of=/tmp/odd1 bs=512 count=37 2>/dev/null
dd if=/dev/urandom of=/tmp/odd9 bs=4608 count=24 2>/dev/null
want="$(md5 < /tmp/odd1) $(md5 < /tmp/odd9)"
dd if=/tmp/odd1 of=$dev bs=512 seek=33333 count=37 oflag=direct 2>/dev/null
dd if=/tmp/odd9 of=$dev bs=4608 seek=2223 count=24 oflag=direct 2>/dev/null
got="$(dd if=$dev bs=512 skip=33333 count=37 iflag=direct 2>/dev/null | md5) $(dd if=$dev bs=4608 skip=2223 count=24 iflag=direct 2>/dev/null | md5)"
check odd-direct "$([ "$got" = "$want" ]; echo $?)" "wrote $want read $got"
echo "VALUE odd9_md5 $(md5 < /tmp/odd9)"

# --- buffered I/O at an odd byte offset and length (5003 bytes at 50 MiB + 777), through the
# page cache, read back after dropping the cache so the data comes from the disk
dd if=/dev/urandom of=/tmp/odd2 bs=5003 count=1 2>/dev/null
want=$(md5 < /tmp/odd2)
dd if=/tmp/odd2 of=$dev bs=1 seek=$((50 * 1048576 + 777)) count=5003 conv=notrunc 2>/dev/null
sync; echo 3 > /proc/sys/vm/drop_caches
got=$(dd if=$dev bs=1 skip=$((50 * 1048576 + 777)) count=5003 2>/dev/null | md5)
check odd-buffered "$([ "$got" = "$want" ]; echo $?)" "wrote $want read $got"

# --- SYNCHRONIZE CACHE: the disk reports a write-back cache, so sync makes sd flush it
wc=$(cat /sys/block/$main/queue/write_cache 2>/dev/null)
sync; blockdev --flushbufs $dev
check write-cache "$([ "$wc" = "write back" ]; echo $?)" "$main write_cache=$wc"

# --- tagged queuing: the queue depth sd negotiated, and requests really in flight together.
# A 16 MiB O_DIRECT block is split at max_sectors_kb (1280 KiB) into requests that are all
# queued at once; a 1 MiB block is one request at a time. Two measures per dd (see
# in_flight): the mean number in flight, which must be clearly above 1 with 16 MiB blocks and
# above the 1 MiB figure, and the most seen by sampling.
# in_flight DEV BS COUNT: runs an O_DIRECT read and sets mean, max and samples.
# /sys/block/X/stat field 10 is the time the disk had requests in flight and field 11 the
# sum of every request's time in flight (both ms): their ratio over the dd is the mean number
# in flight (iostat's avgqu-sz). Samples of /sys/block/X/inflight use shell builtins only (a
# fork per sample costs more than a request here) and can miss the busy moments.
in_flight() {
  read -r _ _ _ _ _ _ _ _ _ busy0 queued0 _ < /sys/block/$1/stat
  rm -f /tmp/qd-done
  ( dd if=/dev/$1 of=/dev/null bs=$2 count=$3 iflag=direct 2>/dev/null; echo done > /tmp/qd-done ) &
  max=0 samples=0
  while [ ! -e /tmp/qd-done ] && [ $samples -lt 100000 ]; do
    read -r r w < /sys/block/$1/inflight
    [ $((r + w)) -gt $max ] && max=$((r + w))
    samples=$((samples + 1))
  done
  wait
  read -r _ _ _ _ _ _ _ _ _ busy1 queued1 _ < /sys/block/$1/stat
  mean=$(awk -v b=$((busy1 - busy0)) -v q=$((queued1 - queued0)) 'BEGIN { printf "%.2f", (b > 0 ? q / b : 0) }')
}
qd=$(cat /sys/block/$main/device/queue_depth)
in_flight $main 1M 32; mean1=$mean max1=$max
in_flight $main 16M 8
check queue-depth "$([ "$qd" -gt 1 ] && awk -v a=$mean -v b=$mean1 'BEGIN { exit !(a > 1.5 && a > b) }'; echo $?)" \
  "queue_depth=$qd; mean in flight: bs=1M $mean1, bs=16M $mean; most seen: bs=1M $max1, bs=16M $max ($samples samples); max_sectors_kb=$(cat /sys/block/$main/queue/max_sectors_kb)"
echo "VALUE queue_mean_16m $mean"

# --- two disks at once: different patterns written and read back in parallel
dd if=/dev/urandom of=/tmp/pa bs=1M count=6 2>/dev/null
dd if=/dev/urandom of=/tmp/pb bs=1M count=6 2>/dev/null
want="$(md5 < /tmp/pa) $(md5 < /tmp/pb)"
dd if=/tmp/pa of=$dev bs=1M seek=64 oflag=direct 2>/dev/null &
dd if=/tmp/pb of=/dev/$par bs=1M seek=8 oflag=direct 2>/dev/null &
wait
dd if=$dev bs=1M skip=64 count=6 iflag=direct 2>/dev/null | md5 > /tmp/ra &
dd if=/dev/$par bs=1M skip=8 count=6 iflag=direct 2>/dev/null | md5 > /tmp/rb &
wait
got="$(cat /tmp/ra) $(cat /tmp/rb)"
check parallel "$([ "$got" = "$want" ]; echo $?)" "$main+$par wrote $want read $got"
echo "VALUE parallel_md5 $(md5 < /tmp/pb)"

# --- ext2 on its own disk: mke2fs, many files, remount, read back; the host runs e2fsck -fn
mkdir -p /mnt/e
ok=1
if mke2fs -q /dev/$ext2 >/dev/null 2>&1 && mount -t ext2 /dev/$ext2 /mnt/e; then
  i=0
  while [ $i -lt 120 ]; do
    dd if=/dev/urandom of=/mnt/e/f$i bs=$((i * 997 % 20000 + 1)) count=1 2>/dev/null
    i=$((i + 1))
  done
  mkdir /mnt/e/dir && cp /tmp/pattern /mnt/e/dir/pattern
  (cd /mnt/e && md5sum f* dir/pattern) > /tmp/sums
  umount /mnt/e && echo 3 > /proc/sys/vm/drop_caches && mount -t ext2 -o ro /dev/$ext2 /mnt/e &&
    (cd /mnt/e && md5sum -c /tmp/sums >/dev/null) && ok=0
  umount /mnt/e
fi
check ext2 "$ok" "$(wc -l < /tmp/sums 2>/dev/null) files on $ext2"

# --- a rescan: the main disk's SCSI device is deleted and found again by a bus scan
# (INQUIRY, REPORT LUNS, READ CAPACITY and the rest of Linux's probe, once more)
h=$(host_no)
echo 1 > /sys/bus/scsi/devices/"$h":0:0:0/delete
gone=$([ -e /sys/bus/scsi/devices/"$h":0:0:0 ]; echo $?)
echo "- - -" > /sys/class/scsi_host/host"$h"/scan
d=$(disk_of 0 20)
got=$( [ -n "$d" ] && dd if=/dev/"$d" bs=64k skip=16 count=64 iflag=direct 2>/dev/null | md5)
check rescan "$([ "$gone" = 1 ] && [ "$got" = "$(md5 < /tmp/pattern)" ]; echo $?)" "deleted=$gone found again as ${d:-nothing}, pattern md5 ${got:-none}"
main=${d:-$main}; dev=/dev/$main

# --- a guest-issued SCSI bus reset, recovered. busybox has no sg_reset, this kernel has no
# /proc/scsi (so no sym53c8xx "resetdev" command), sym53c8xx has no host_reset, and the
# function offers no PCI reset method (no FLR, no PM capability). What busybox can reach is
# the driver's own start-up: unbinding and binding sym53c8xx makes it soft-reset the chip,
# reload its SCRIPTS and assert RST on the SCSI bus ("SCSI BUS has been reset"), after which
# every target reports a reset (UNIT ATTENTION) and is probed again. Then the data written
# before must still be there, and new writes must work. (The unbind prints a WARNING from
# dma_free_attrs in sym_detach: a sym53c8xx bug, the same with QEMU's own LSI model.)
before=$(dmesg | grep -c 'SCSI BUS has been reset')
echo 0000:00:02.0 > /sys/bus/pci/drivers/sym53c8xx/unbind
echo 0000:00:02.0 > /sys/bus/pci/drivers/sym53c8xx/bind
after=$(dmesg | grep -c 'SCSI BUS has been reset')
d=$(disk_of 0 30)
got=$( [ -n "$d" ] && dd if=/dev/"$d" bs=64k skip=16 count=64 iflag=direct 2>/dev/null | md5)
dd if=/dev/urandom of=/tmp/post bs=64k count=16 2>/dev/null
[ -n "$d" ] && dd if=/tmp/post of=/dev/"$d" bs=64k seek=512 oflag=direct 2>/dev/null
got2=$( [ -n "$d" ] && dd if=/dev/"$d" bs=64k skip=512 count=16 iflag=direct 2>/dev/null | md5)
check bus-reset "$([ "$after" -gt "$before" ] && [ "$got" = "$(md5 < /tmp/pattern)" ] && [ "$got2" = "$(md5 < /tmp/post)" ]; echo $?)" \
  "bus resets $before -> $after, disk back as ${d:-nothing}, old data ${got:-none}, new write $( [ "$got2" = "$(md5 < /tmp/post)" ] && echo ok || echo bad)"
sync

# --- what the driver said: nothing but what the resets above explain
errs=$(dmesg | grep -E 'sym0|sd [0-9]|scsi [0-9]|target0' | grep -iE 'error|fail|timeout|abort|parity error|reset detected|offlin' || true)
check driver-messages "$([ -z "$errs" ]; echo $?)" "$(echo "$errs" | head -3 | tr '\n' '|')"
echo "--- $fails failure(s)"
exit $fails
