#!/bin/sh
# Guest side of bench/guest-ide.ts and bench/guest-scsi.ts: O_DIRECT dd throughput on the
# first disk (/dev/sda, IDE or SCSI alike), write and read at bs=1M and bs=16M. DESTROYS the
# disk's contents.
# The host substitutes the @NAME@ placeholders:
#   @MIB@     MiB moved per dd case        @LEAD_S@  pause after each begin marker, seconds
#   @PROFILE@ 1: afterwards, trace a few commands with ftrace and print the trace
#
# Protocol (lines on the console, all starting with "BENCH "):
#   BENCH info key=value ...            queue limits and controller of the disk
#   BENCH mark begin|end NAME           the host samples process CPU times when it sees these
#   BENCH case NAME key=value ...       one measured case (guest time from /proc/timer_list)
#   BENCH totals key=value ...          the disk's requests since boot, at the very end
#   BENCH trace-begin ... BENCH trace-end   the ftrace function_graph output (profile only)
# Every case, the null cases "idle*" included, runs the same steps between its two markers:
# the pause, the counter readings, the command, the counter readings. The null cases' command
# does nothing, so the host can subtract what the markers themselves cost; "sleep1" leaves the
# guest idle for a second.
set -u
dev=/dev/sda
mib=@MIB@
lead=@LEAD_S@
profile=@PROFILE@

waitfor $dev 30 || { echo "BENCH error no $dev"; exit 1; }
q=/sys/block/sda/queue
# All counters in one awk run, so they cover (almost) the same instant: guest time in ns and
# jiffies (/proc/timer_list), timer interrupts (IRQ 0, /proc/interrupts), block requests
# completed (reads + writes, /sys/block/sda/stat), and the disk's busy time and the sum of
# its requests' times in flight (stat fields 10 and 11, ms: their ratio over a case is the
# mean number of requests in flight while busy, iostat's avgqu-sz; sampling
# /sys/block/sda/inflight from a shell would steal the one vCPU from dd and still miss most
# busy moments). Before a command the clock is read last, after it first, so the counters'
# window is never shorter than the timed one.
snap() { # snap FILE... -> "ns jiffies ticks requests busy_ms queued_ms"
  awk 'FILENAME == "/proc/timer_list" && /^now at/ && t == "" {t = $3}
       FILENAME == "/proc/timer_list" && /^jiffies:/ && j == "" {j = $2}
       FILENAME == "/proc/interrupts" && $1 == "0:" {k = $2}
       FILENAME ~ /stat$/ {r = $1 + $5; b = $10; q = $11}
       END {print t, j, k, r, b, q}' "$@"
}
counters_before() { snap /proc/interrupts /sys/block/sda/stat /proc/timer_list; }
counters_after() { snap /proc/timer_list /sys/block/sda/stat /proc/interrupts; }

# The PCI function that carries the disk: the last bus:device.function in its sysfs path.
bdf=$(readlink -f /sys/block/sda/device | grep -o '0000:[0-9a-f]*:[0-9a-f]*\.[0-7]' | tail -n 1)
pci=/sys/bus/pci/devices/$bdf
xfer=
for d in /sys/class/ata_device/*; do
  [ "$(cat "$d/class" 2>/dev/null)" = ata ] && xfer="$xfer${xfer:+,}$(cat "$d/xfer_mode")"
done
echo "BENCH info pci=$bdf id=$(cat $pci/vendor):$(cat $pci/device) driver=$(basename "$(readlink $pci/driver)") irq=$(cat $pci/irq)" \
  "max_sectors_kb=$(cat $q/max_sectors_kb) max_hw_sectors_kb=$(cat $q/max_hw_sectors_kb) max_segments=$(cat $q/max_segments)" \
  "max_segment_size=$(cat $q/max_segment_size) nr_requests=$(cat $q/nr_requests) queue_depth=$(cat /sys/block/sda/device/queue_depth)" \
  "xfer=${xfer:-none} cmdline_irqpoll=$(grep -c irqpoll /proc/cmdline)"

measure() { # measure NAME BYTES COMMAND...
  name=$1 bytes=$2
  shift 2
  echo "BENCH mark begin $name"
  sleep "$lead"
  before=$(counters_before)
  err=$("$@" 2>&1 >/dev/null)
  rc=$?
  after=$(counters_after)
  echo "BENCH mark end $name"
  recs=$(echo "$err" | awk '/records out/ {print $1; exit}')
  echo "$before $after" | awk -v name="$name" -v bytes="$bytes" -v rc="$rc" -v recs="${recs:-none}" \
    '{ printf "BENCH case %s bytes=%s ns=%.0f jiffies=%.0f ticks=%.0f requests=%.0f busy_ms=%.0f queued_ms=%.0f rc=%s records=%s\n",
       name, bytes, $7 - $1, $8 - $2, $9 - $3, $10 - $4, $11 - $5, $12 - $6, rc, recs }'
}

measure idle1 0 true
measure sleep1 0 sleep 1      # an idle guest for one second: what the tick (and its polls) cost the host
for bs in 1 16; do
  n=$((mib / bs))
  measure write$bs $((mib * 1048576)) dd if=/dev/zero of=$dev bs=${bs}M count=$n oflag=direct
  measure read$bs $((mib * 1048576)) dd if=$dev of=/dev/null bs=${bs}M count=$n iflag=direct
done
measure idle2 0 true

echo "--- driver errors, if any"
dmesg | grep -E 'ata[0-9]|sym0|scsi|sd [0-9]' | grep -iE 'error|fail|timeout|abort' | head -n 10

if [ "$profile" = 1 ]; then
  # Where a command's time goes, in guest time (under TCG the guest clock is the host clock):
  # function_graph durations of the IDE issue and interrupt paths and of the single register
  # reads in them (ata_bmdma_status, ata_sff_check_status, piix_irq_check: one inb each), of
  # the SCSI driver's interrupt handler (idle: one ISTAT read), plus block-layer issue/complete
  # and every interrupt's entry (IRQ 0 = the tick that polls a proxied device).
  T=/sys/kernel/tracing
  mount -t tracefs nodev $T 2>/dev/null
  # SCSI: sym53c8xx_queue_command hands a command to the SCRIPTS (start queue in memory, one
  # ISTAT SIGP write); sym_interrupt reads ISTAT and, when the SCRIPTS flagged completions,
  # acknowledges them and sym_wakeup_done completes every finished command in the done queue.
  for f in ata_bmdma_qc_issue ata_bmdma_interrupt sym53c8xx_intr sym53c8xx_queue_command; do
    echo $f >> $T/set_graph_function 2>/dev/null
  done
  for f in ata_bmdma_qc_issue ata_bmdma_interrupt ata_bmdma_status ata_sff_check_status \
    ata_bmdma_setup ata_bmdma_start ata_bmdma_stop ata_sff_tf_load sym53c8xx_intr \
    sym53c8xx_queue_command sym_interrupt sym_wakeup_done sym_complete_ok; do
    echo $f >> $T/set_ftrace_filter 2>/dev/null
  done
  echo 8192 > $T/buffer_size_kb
  echo function_graph > $T/current_tracer
  echo funcgraph-abstime > $T/trace_options
  echo funcgraph-tail > $T/trace_options
  echo 'block:block_rq_issue block:block_rq_complete irq:irq_handler_entry' > $T/set_event
  # Only the tick, the disk's line and the board's IDE lines (14, 15): keyboard, ACPI etc. are noise.
  echo "irq == 0 || irq == $(cat $pci/irq) || irq == 14 || irq == 15" > $T/events/irq/irq_handler_entry/filter ||
    echo "BENCH note irq event filter refused: $(cat $T/events/irq/irq_handler_entry/filter)"
  echo 1 > $T/tracing_on
  echo 'BENCH-PROFILE idle' > $T/trace_marker
  sleep 0.3
  echo 'BENCH-PROFILE write1' > $T/trace_marker
  dd if=/dev/zero of=$dev bs=1M count=8 oflag=direct 2>/dev/null
  echo 'BENCH-PROFILE read1' > $T/trace_marker
  dd if=$dev of=/dev/null bs=1M count=8 iflag=direct 2>/dev/null
  echo 'BENCH-PROFILE write16' > $T/trace_marker
  dd if=/dev/zero of=$dev bs=16M count=2 oflag=direct 2>/dev/null
  echo 'BENCH-PROFILE read16' > $T/trace_marker
  dd if=$dev of=/dev/null bs=16M count=2 iflag=direct 2>/dev/null
  echo 'BENCH-PROFILE end' > $T/trace_marker
  echo 0 > $T/tracing_on
  echo "BENCH trace-begin"
  grep -v '^#' $T/trace
  echo "BENCH trace-end"
fi
# Requests the disk completed since boot, the profile's included (reads, writes; flushes are
# field 16 where the kernel has it, Documentation/block/stat.rst), to set against the backend
# calls the remote counted over the same boot.
awk '{ printf "BENCH totals requests=%.0f flushes=%.0f\n", $1 + $5, (NF >= 16 ? $16 : 0) }' /sys/block/sda/stat
exit 0
