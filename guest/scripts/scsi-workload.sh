#!/bin/sh
# hvmio's SCSI workload, run inside the guest kit's Linux guest by `hvmio run --device
# lsi53c895a,...` (any kit runner works: guest/run-guest-remote.sh OUTDIR
# guest/scripts/scsi-workload.sh scsi0 -- --device lsi53c895a,id=scsi0,drive=disk.img ...).
#
# Finds our LSI 53C895A (PCI 1000:0012; or the 53C875 identity, 1000:000F) and every disk sym53c8xx found behind it, shows how
# Linux sees them (driver, SCSI IDs, model, size, tagged queue depth), then on the first disk:
# a random pattern written and read back with O_DIRECT (md5), O_DIRECT dd throughput with
# bs=1M and bs=16M, requests seen in flight together; with two or more disks, the first two
# written and read back in parallel; last an ext2 file round trip on the first disk.
# Every step prints "PASS name ..." or "FAIL name ..."; the exit status is the number of
# failures. The steps shared with the other disk workload are in lib/disk-steps.sh.
#
# DESTROYS the first disk's contents, and 8 MiB at 8 MiB of the second disk's if there is one.
# Needs a first disk of at least 16 MiB.
set -u
#@include lib/disk-steps.sh

echo "--- controller"
ctl='' chip=''
for d in /sys/bus/pci/devices/*; do
  [ "$(cat "$d/vendor")" = 0x1000 ] || continue
  case $(cat "$d/device") in
    0x0012) ctl=${d##*/} chip='1000:0012 (LSI 53C895A)' ;;
    0x000f) ctl=${d##*/} chip='1000:000f (LSI 53C875)' ;;
  esac
done
if [ -z "$ctl" ]; then
  fail controller "no LSI 53C895A (1000:0012) or 53C875 (1000:000f) on the bus: did the remote start?"
  exit $fails
fi
pci=/sys/bus/pci/devices/$ctl
drv=$(basename "$(readlink "$pci/driver" 2>/dev/null)" 2>/dev/null)
if [ "$drv" = sym53c8xx ]; then
  pass controller "$ctl $chip, driver $drv, irq $(cat "$pci/irq")"
else
  fail controller "$ctl $chip is bound to '${drv:-no driver}', not sym53c8xx"
fi
dmesg | grep -E 'sym[0-9]+: ' || true

echo "--- disks"
# Every sd disk whose sysfs path runs through our controller, in SCSI ID order. modprobe has
# waited for the driver's probing; the loop only covers a slow scan (at most 30 s).
disks='' tries=0
while [ -z "$disks" ] && [ $tries -lt 30 ]; do
  for s in /sys/bus/scsi/devices/*:*:*:*; do
    case "$(readlink -f "$s")" in */"$ctl"/*) ;; *) continue ;; esac
    for b in "$s"/block/sd*; do [ -d "$b" ] && disks="$disks ${s##*/}=${b##*/}"; done
  done
  [ -n "$disks" ] || { sleep 1; tries=$((tries + 1)); }
done
if [ -z "$disks" ]; then
  fail disks "no disk behind $ctl"
  exit $fails
fi
# "H:C:T:L=sdX" pairs sorted by target ID
disks=$(for p in $disks; do echo "$p"; done | sort -t: -k3,3n)
first='' second='' summary=''
for p in $disks; do
  addr=${p%%=*} d=${p#*=}
  waitfor /dev/$d 10
  id=$(echo "$addr" | cut -d: -f3)
  sectors=$(cat /sys/block/$d/size)
  summary="$summary; ID $id /dev/$d $(echo $(cat /sys/block/$d/device/vendor) $(cat /sys/block/$d/device/model)), $sectors sectors ($((sectors / 2048)) MiB), queue depth $(cat /sys/block/$d/device/queue_depth)"
  if [ -z "$first" ]; then first=$d; elif [ -z "$second" ]; then second=$d; fi
done
n=$(echo "$disks" | wc -w)
pass disks "$n disk(s)${summary}"
dmesg | grep -E 'scsi target[0-9:]+: |sd [0-9:]+: \[sd[a-z]+\] [0-9]+ ' || true
dev=/dev/$first
mib=$(($(cat /sys/block/$first/size) / 2048))
if [ "$mib" -lt 16 ]; then
  fail size "$dev has $mib MiB; the workload needs at least 16"
  exit $fails
fi

step_pattern $dev

step_throughput $dev $mib

echo "--- tagged queuing: requests in flight together during a bs=16M O_DIRECT read"
# /sys/block/X/stat field 10 is the time the disk had requests in flight and field 11 the
# sum of every request's time in flight (both ms): their ratio over the dd is the mean number
# in flight (iostat's avgqu-sz), about 1.0 for one-at-a-time I/O (above 1.2 counts as queued:
# a guest starved of host CPU submits slowly and sees less overlap). Samples of
# /sys/block/X/inflight (shell builtins only: a fork per sample costs more than a request
# here) show the most seen at once, but can miss the busy moments.
read -r _ _ _ _ _ _ _ _ _ busy0 queued0 _ < /sys/block/$first/stat
rm -f /tmp/qd-done
( dd if=$dev of=/dev/null bs=16M count=$((total / 16)) iflag=direct 2>/dev/null; echo done > /tmp/qd-done ) &
max=0 samples=0
while [ ! -e /tmp/qd-done ] && [ $samples -lt 100000 ]; do
  read -r r w < /sys/block/$first/inflight
  [ $((r + w)) -gt $max ] && max=$((r + w))
  samples=$((samples + 1))
done
wait
read -r _ _ _ _ _ _ _ _ _ busy1 queued1 _ < /sys/block/$first/stat
mean=$(awk -v b=$((busy1 - busy0)) -v q=$((queued1 - queued0)) 'BEGIN { printf "%.1f", (b > 0 ? q / b : 0) }')
qd=$(cat /sys/block/$first/device/queue_depth)
if [ "$qd" -gt 1 ] && awk -v m="$mean" 'BEGIN { exit !(m > 1.2) }'; then
  pass queue "queue depth $qd, $mean requests in flight on average, up to $max seen ($samples samples)"
else
  fail queue "queue depth $qd, $mean request(s) in flight on average, up to $max seen ($samples samples)"
fi

if [ -n "$second" ]; then
  echo "--- parallel: 8 MiB each to $dev and /dev/$second at once (O_DIRECT), read back at once"
  dd if=/dev/urandom of=/tmp/pb bs=1M count=8 2>/dev/null
  want="$pmd5 $(md5 < /tmp/pb)"
  t0=$(now)
  dd if=/tmp/pattern of=$dev bs=1M seek=8 oflag=direct 2>/dev/null &
  dd if=/tmp/pb of=/dev/$second bs=1M seek=8 oflag=direct 2>/dev/null &
  wait
  dd if=$dev bs=1M skip=8 count=8 iflag=direct 2>/dev/null | md5 > /tmp/ra &
  dd if=/dev/$second bs=1M skip=8 count=8 iflag=direct 2>/dev/null | md5 > /tmp/rb &
  wait
  t1=$(now)
  got="$(cat /tmp/ra) $(cat /tmp/rb)"
  if [ "$got" = "$want" ]; then pass parallel "$first and $second md5s match ($(secs "$t0" "$t1") s)"; else fail parallel "wrote $want, read $got"; fi
fi

step_ext2 $dev $mib

echo "--- interrupts (0 when polled: QEMU's proxy cannot inject them under TCG)"
grep sym53c8xx /proc/interrupts || true
step_driver_errors 'sym[0-9]|sd [0-9]|scsi [0-9]|target[0-9]'
echo "--- $fails failure(s)"
exit $fails
