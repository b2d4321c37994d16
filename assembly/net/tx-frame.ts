// The guest buffers of one transmit frame, in order, as its data descriptors gave them. The
// frame's bytes are never copied out of guest memory to be sent: a segment's SG list
// references these ranges. Reading them into scratch is only done to checksum them or to
// take a copy of the headers that offload rewrites.

import { DMA_OK, GuestPhysAddr, dma_read } from '../common/abi';
import { SgList } from '../common/sg-list';
import { OnesComplementSum } from './checksum';

/** Data descriptors one frame may have; a longer chain is dropped (Linux uses at most
 *  MAX_SKB_FRAGS + a few, each split at 4 KiB). */
export const MAX_FRAME_RANGES: u32 = 256;
const RANGE_SIZE: u32 = 16;
const SCRATCH_SIZE: u32 = 4096;

export class FrameRanges {
  private readonly ranges: usize = heap.alloc(MAX_FRAME_RANGES * RANGE_SIZE);
  private readonly scratch: usize = heap.alloc(SCRATCH_SIZE);
  count: u32 = 0;
  totalLength: u32 = 0;
  overflowed: bool = false;

  clear(): void {
    this.count = 0;
    this.totalLength = 0;
    this.overflowed = false;
  }

  add(addr: GuestPhysAddr, len: u32): void {
    if (len == 0) return;
    if (this.count >= MAX_FRAME_RANGES || <u64>this.totalLength + <u64>len > 0x7fffffff) {
      this.overflowed = true;
      return;
    }
    const at = this.ranges + <usize>this.count * RANGE_SIZE;
    store<u64>(at, addr);
    store<u32>(at, len, 8);
    this.count++;
    this.totalLength += len;
  }

  /** Appends the guest ranges holding frame bytes [offset, offset+len) to `sg`; false when
   *  the list is full. */
  appendTo(sg: SgList, offset: u32, len: u32): bool {
    let skip = offset;
    let left = len;
    for (let i: u32 = 0; i < this.count && left > 0; i++) {
      const at = this.ranges + <usize>i * RANGE_SIZE;
      const rangeLen = load<u32>(at, 8);
      if (skip >= rangeLen) {
        skip -= rangeLen;
        continue;
      }
      const chunk = min(rangeLen - skip, left);
      if (!sg.append(load<u64>(at) + <u64>skip, chunk, 0)) return false;
      skip = 0;
      left -= chunk;
    }
    return left == 0;
  }

  /** Copies frame bytes [offset, offset+len) to core memory at `dst`; false on a DMA fault. */
  copy(offset: u32, len: u32, dst: usize): bool {
    let skip = offset;
    let left = len;
    let out = dst;
    for (let i: u32 = 0; i < this.count && left > 0; i++) {
      const at = this.ranges + <usize>i * RANGE_SIZE;
      const rangeLen = load<u32>(at, 8);
      if (skip >= rangeLen) {
        skip -= rangeLen;
        continue;
      }
      const chunk = min(rangeLen - skip, left);
      if (dma_read(load<u64>(at) + <u64>skip, chunk, out) != DMA_OK) return false;
      out += chunk;
      skip = 0;
      left -= chunk;
    }
    return left == 0;
  }

  /** Adds frame bytes [offset, offset+len) to `sum`, reading them through scratch. */
  sum(acc: OnesComplementSum, offset: u32, len: u32): bool {
    let at = offset;
    let left = len;
    while (left > 0) {
      const chunk = min(left, SCRATCH_SIZE);
      if (!this.copy(at, chunk, this.scratch)) return false;
      acc.addBytes(this.scratch, chunk);
      at += chunk;
      left -= chunk;
    }
    return true;
  }
}
