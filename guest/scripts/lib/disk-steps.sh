# Steps shared by hvmio's disk workloads (ide-workload.sh, scsi-workload.sh). Inlined into a
# workload where it says "#@include lib/disk-steps.sh" by the host before the script goes to
# the guest (src/host/run/guest-script.ts): the kit hands the guest a single file.
#
# Every step prints "PASS name ..." or "FAIL name ..." and counts failures in $fails.
# Timings come from /proc/timer_list: busybox dd prints no rate, date has no %N.
fails=0
pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
now() { awk '/^now at/ {print $3; exit}' /proc/timer_list; }   # ns since boot
rate() { awk -v mib="$1" -v a="$2" -v b="$3" 'BEGIN { s = (b - a) / 1e9; printf "%.1f MiB/s (%d MiB in %.3f s)", mib / s, mib, s }'; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }
md5() { md5sum | cut -d' ' -f1; }

# step_pattern DEV: 8 MiB of random data at offset 1 MiB with O_DIRECT, read back, md5.
# Leaves the data in /tmp/pattern and its md5 in $pmd5 for later steps.
step_pattern() {
  echo "--- pattern: 8 MiB of random data at offset 1 MiB on $1, O_DIRECT, read back"
  dd if=/dev/urandom of=/tmp/pattern bs=1M count=8 2>/dev/null
  pmd5=$(md5 < /tmp/pattern)
  if dd if=/tmp/pattern of="$1" bs=64k seek=16 oflag=direct 2>/dev/null; then
    got=$(dd if="$1" bs=64k skip=16 count=128 iflag=direct 2>/dev/null | md5)
    if [ "$got" = "$pmd5" ]; then pass pattern "md5 $pmd5"; else fail pattern "wrote md5 $pmd5, read $got"; fi
  else
    fail pattern "dd write failed"
  fi
}

# step_throughput DEV MIB: O_DIRECT dd write and read of up to 64 MiB (a multiple of 16 that
# fits), bs=1M (one request at a time) and bs=16M (several in flight). Sets $total.
step_throughput() {
  total=$(($2 / 16 * 16))
  [ $total -le 64 ] || total=64
  echo "--- throughput: $total MiB with O_DIRECT (bs=1M: one request at a time; bs=16M: several in flight)"
  ok=0
  for bs in 1 16; do
    t0=$(now)
    if dd if=/dev/zero of="$1" bs=${bs}M count=$((total / bs)) oflag=direct 2>/dev/null; then
      echo "write bs=${bs}M: $(rate $total "$t0" "$(now)")"
    else
      echo "write bs=${bs}M: dd failed"; ok=1
    fi
    t0=$(now)
    if dd if="$1" of=/dev/null bs=${bs}M count=$((total / bs)) iflag=direct 2>/dev/null; then
      echo "read bs=${bs}M: $(rate $total "$t0" "$(now)")"
    else
      echo "read bs=${bs}M: dd failed"; ok=1
    fi
  done
  if [ $ok = 0 ]; then pass throughput "every dd completed"; else fail throughput "a dd failed"; fi
}

# step_ext2 DEV MIB: ext2 on the first (up to) 32 MiB: mke2fs, copy /tmp/pattern in, unmount,
# drop the page cache, mount read-only and compare with $pmd5. Many small synchronous
# requests: the slowest step.
step_ext2() {
  fs_kib=$(($2 * 1024))
  [ $fs_kib -le 32768 ] || fs_kib=32768
  echo "--- ext2 round trip: mke2fs ($((fs_kib / 1024)) MiB), copy, umount, drop caches, mount ro, md5"
  mkdir -p /mnt/disk
  t0=$(now)
  got=''
  if mke2fs -q "$1" $fs_kib >/dev/null 2>&1 && mount -t ext2 "$1" /mnt/disk; then
    cp /tmp/pattern /mnt/disk/pattern
    umount /mnt/disk
    echo 3 > /proc/sys/vm/drop_caches
    if mount -t ext2 -o ro "$1" /mnt/disk; then
      got=$(md5 < /mnt/disk/pattern)
      umount /mnt/disk
    fi
  fi
  t1=$(now)
  if [ "$got" = "$pmd5" ]; then
    pass ext2 "/pattern md5 $got ($(secs "$t0" "$t1") s)"
  else
    fail ext2 "read '${got:-nothing}', wrote $pmd5"
  fi
}

# step_driver_errors PATTERN: prints the kernel's error lines of the driver whose messages
# match the extended regex PATTERN (shown, not counted: the steps above judged the data).
step_driver_errors() {
  errs=$(dmesg | grep -E "$1" | grep -iE 'error|fail|timeout|exception|abort|parity error|reset detected|offlin' || true)
  if [ -n "$errs" ]; then
    echo "--- driver errors"
    echo "$errs" | head -20
  fi
}
