// What O_DIRECT demands of this particular image's file system and device, found out once at
// open by trying it (JS has no statx(STATX_DIOALIGN) and no BLKSSZGET). Two rules matter:
// file offsets and lengths must be multiples of the logical block size, and memory must be
// aligned to the queue's DMA alignment (Documentation/block/queue-sysfs.rst: dma_alignment,
// logical_block_size; open(2) "O_DIRECT" notes).

import { BlockError, Errno, errnoFromError } from './block-error.js';
import { preadAsync } from './fs-async.js';
import { allocatePageAlignedSharedBuffer } from '../../shared-mem/page-aligned.js';

export const SECTOR_BYTES = 512;
const PAGE_BYTES = 4096;

export interface DirectIoRequirements {
  /** File offsets and transfer lengths must be multiples of this (the logical block size). */
  readonly blockBytes: number;
  /** Memory addresses of each buffer must be multiples of this. */
  readonly memoryAlignment: number;
}

async function tryRead(fd: number, view: Uint8Array, position: number): Promise<boolean> {
  try {
    await preadAsync(fd, view, position);
    return true;
  } catch (error) {
    if (errnoFromError(error) === Errno.EINVAL) return false;
    throw error;
  }
}

/**
 * Probes an image opened with O_DIRECT. Guest sectors are 512 bytes, so a file system whose
 * O_DIRECT granularity is larger (a 4Kn disk) cannot serve them without read-modify-write: that is
 * reported as an error suggesting cache=writeback rather than emulated.
 */
export async function probeDirectIoRequirements(fd: number, path: string, sizeBytes: number): Promise<DirectIoRequirements> {
  const probe = new Uint8Array(allocatePageAlignedSharedBuffer(2 * PAGE_BYTES));
  if (!(await tryRead(fd, probe.subarray(0, SECTOR_BYTES), 0))) {
    throw new BlockError(Errno.EINVAL,
      `${path}: O_DIRECT on this file system needs more than 512-byte alignment (a 4K-sector device?); ` +
      `guest sectors are 512 bytes: use cache=writeback`);
  }
  // Two 512-byte pieces on either side of a page boundary: accepted only if the device's DMA
  // alignment is at most 512. Otherwise insist on page alignment.
  const straddling = probe.subarray(PAGE_BYTES - SECTOR_BYTES, PAGE_BYTES + SECTOR_BYTES);
  const memoryAlignment = sizeBytes >= straddling.byteLength && (await tryRead(fd, straddling, 0)) ? SECTOR_BYTES : PAGE_BYTES;
  return { blockBytes: SECTOR_BYTES, memoryAlignment };
}
