// A scatter-gather list in the layout the worker reads (SG_ENTRY_SIZE bytes per entry:
// u64 addr, u32 len, u32 flags), built in core memory and handed to block_submit.
// Appending merges a range that continues the previous one, so that a guest's many small
// contiguous descriptors become one readv/writev segment (DESIGN.md, "DMA batching").

import { SG_ENTRY_SIZE } from './abi';

export class SgList {
  /** Entries currently in the list. */
  count: u32 = 0;
  /** Sum of all entry lengths. */
  totalBytes: u64 = 0;

  /** `base` must hold `capacity` entries and stay valid while a request using it is in flight. */
  constructor(readonly base: usize, readonly capacity: u32) {}

  clear(): void {
    this.count = 0;
    this.totalBytes = 0;
  }

  /** Adds [addr, addr+len) with `flags`; merges with the previous entry when it is contiguous
   *  and has the same flags. Returns false (and adds nothing) when the list is full. */
  append(addr: u64, len: u32, flags: u32): bool {
    if (len == 0) return true;
    if (this.count > 0) {
      const last = this.base + <usize>(this.count - 1) * SG_ENTRY_SIZE;
      const lastAddr = load<u64>(last);
      const lastLen = load<u32>(last, 8);
      const lastFlags = load<u32>(last, 12);
      if (lastFlags == flags && lastAddr + <u64>lastLen == addr && <u64>lastLen + <u64>len <= <u64>u32.MAX_VALUE) {
        store<u32>(last, lastLen + len, 8);
        this.totalBytes += len;
        return true;
      }
    }
    if (this.count >= this.capacity) return false;
    const entry = this.base + <usize>this.count * SG_ENTRY_SIZE;
    store<u64>(entry, addr);
    store<u32>(entry, len, 8);
    store<u32>(entry, flags, 12);
    this.count++;
    this.totalBytes += len;
    return true;
  }

  entryAddr(index: u32): u64 {
    return load<u64>(this.base + <usize>index * SG_ENTRY_SIZE);
  }

  entryLen(index: u32): u32 {
    return load<u32>(this.base + <usize>index * SG_ENTRY_SIZE, 8);
  }
}
