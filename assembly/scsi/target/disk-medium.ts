// The medium of a disk: its capacity in 512-byte blocks, whether it is write protected,
// which backend drive holds it, and whether the unit is started (START STOP UNIT).

/** Largest capacity configure() accepts: byte offsets on the medium then stay below 2^53,
 *  exact as JavaScript numbers in the worker that serves block requests (8 PiB). */
export const MAX_DISK_SECTORS: u64 = <u64>1 << 44;

export class DiskMedium {
  /** Capacity in 512-byte blocks; never 0 once configured. */
  sectors: u64 = 0;
  readOnly: bool = false;
  /** The block_submit drive number of the image. */
  drive: u32 = 0;
  /** Cleared by START STOP UNIT with START = 0; medium access then reports NOT READY. */
  started: bool = true;

  /** Address of the last block (READ CAPACITY's RETURNED LOGICAL BLOCK ADDRESS). */
  get lastLba(): u64 {
    return this.sectors - 1;
  }

  /** Whether `blocks` blocks from `lba` lie on the medium. The LBA itself must name a
   *  block even when nothing is transferred (SBC-3: an LBA past the last one is out of
   *  range); written so that no sum can overflow. */
  contains(lba: u64, blocks: u64): bool {
    return lba < this.sectors && blocks <= this.sectors - lba;
  }
}
