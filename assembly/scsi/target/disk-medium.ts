// The medium of a disk: its logical block size and capacity, whether it is write protected,
// which backend drive holds it, and whether the unit is started (START STOP UNIT). The
// backend counts in 512-byte sectors; commands count in logical blocks of 512, 1024, 2048
// or 4096 bytes.

/** Largest capacity accepted, in 512-byte sectors: byte offsets on the medium then stay
 *  below 2^53, exact as JavaScript numbers in the worker that serves block requests. */
export const MAX_DISK_SECTORS: u64 = <u64>1 << 44;
export const SECTOR_SIZE: u32 = 512;
export const MAX_BLOCK_SIZE: u32 = 4096;

export class DiskMedium {
  /** Logical block size in bytes. */
  blockSize: u32 = SECTOR_SIZE;
  /** Capacity in logical blocks; 0: no usable medium (a zero-byte image). */
  blocks: u64 = 0;
  readOnly: bool = false;
  /** The block_submit drive number of the image. */
  drive: u32 = 0;
  /** Cleared by START STOP UNIT with START = 0; medium access then reports NOT READY. */
  started: bool = true;

  /** Takes `sectors` 512-byte sectors as blocks of `blockSize` bytes. Returns false,
   *  changing nothing, unless the block size is a power of two from 512 to 4096 and the
   *  capacity is a whole number of blocks no larger than MAX_DISK_SECTORS. A capacity of 0
   *  is a unit without usable medium (see `present`). */
  configure(drive: u32, sectors: u64, blockSize: u32, readOnly: bool): bool {
    if (blockSize < SECTOR_SIZE || blockSize > MAX_BLOCK_SIZE || (blockSize & (blockSize - 1)) != 0) return false;
    const perBlock = <u64>(blockSize / SECTOR_SIZE);
    if (sectors > MAX_DISK_SECTORS || sectors % perBlock != 0) return false;
    this.drive = drive;
    this.blockSize = blockSize;
    this.blocks = sectors / perBlock;
    this.readOnly = readOnly;
    return true;
  }

  /** Whether there is a medium to access. Without one (capacity 0) the unit still answers
   *  INQUIRY, REQUEST SENSE, REPORT LUNS and MODE SENSE, and every medium access (TEST UNIT
   *  READY, READ CAPACITY, READ/WRITE/VERIFY/SYNCHRONIZE CACHE) ends in CHECK CONDITION,
   *  NOT READY: QEMU's scsi-disk answers READ CAPACITY of a zero-sized drive with LOGICAL
   *  UNIT NOT READY, MANUAL INTERVENTION REQUIRED (04h/03h), which Linux's sd takes as "do
   *  not try to spin it up" and reports a disk of 0 blocks. */
  get present(): bool {
    return this.blocks != 0;
  }

  get sectorsPerBlock(): u32 {
    return this.blockSize / SECTOR_SIZE;
  }

  /** Address of the last block (READ CAPACITY's RETURNED LOGICAL BLOCK ADDRESS); only
   *  meaningful when `present`. */
  get lastLba(): u64 {
    return this.blocks - 1;
  }

  /** Whether `count` blocks from `lba` lie on the medium. The LBA itself must name a
   *  block even when nothing is transferred (SBC-3: an LBA past the last one is out of
   *  range); written so that no sum can overflow. */
  contains(lba: u64, count: u64): bool {
    return lba < this.blocks && count <= this.blocks - lba;
  }
}
