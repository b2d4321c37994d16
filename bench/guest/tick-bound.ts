// The throughput bound of a device whose interrupt the guest sees only at its timer tick
// (guest/README.md, "Interrupts under TCG": `nolapic irqpoll nohz=off`, the PIT tick calls
// every shared handler). A request issued after one tick completes, at the earliest, at the
// next one; with queue depth Q, at most Q requests complete per tick. A dd block of B KiB is
// split by the block layer into about ceil(B / max_sectors_kb) requests (block/blk-merge.c
// splits at the queue's max_sectors, and at its segment limits when the buffer's pages are
// scattered), so with R requests per block
//   bound = HZ * block size / max(1, R / Q).
// R is best counted in the guest (requests completed / blocks): that includes every split.

/** CONFIG_HZ values a kernel can have (kernel/Kconfig.hz). */
const KERNEL_HZ_CHOICES = [100, 250, 300, 1000] as const;

/** The kernel's HZ from jiffies counted over a guest interval, snapped to the Kconfig choices
 *  (a busy TCG vCPU can lose a few ticks, so the raw rate comes out a little low). */
export function kernelHz(jiffies: number, ns: number): number {
  const rate = jiffies / (ns / 1e9);
  if (!Number.isFinite(rate) || rate <= 0) return NaN;
  return KERNEL_HZ_CHOICES.reduce((best, hz) => (Math.abs(Math.log(hz / rate)) < Math.abs(Math.log(best / rate)) ? hz : best));
}

export function requestsPerBlock(blockKiB: number, maxSectorsKb: number): number {
  return Math.ceil(blockKiB / maxSectorsKb);
}

/** MiB/s at one tick per round of up to `queueDepth` requests; `perBlock` may be an average. */
export function tickBoundMiBps(hz: number, blockMiB: number, perBlock: number, queueDepth: number): number {
  const ticksPerBlock = Math.max(1, perBlock / Math.max(1, queueDepth));
  return (hz * blockMiB) / ticksPerBlock;
}
