// The on-chip SCRIPTS RAM (LSI53C895A data manual, "SCRIPTS RAM": 8 KiB; the 53C875 has
// 4 KiB; Linux's sym53c8xx loads its SCRIPTS there when the chip has FE_RAM / FE_RAM8K). The host reaches it
// through memory BAR2; the SCRIPTS processor reaches it by bus address: any fetch, table
// read, memory move, LOAD/STORE or block move whose address falls inside the window at the
// BAR2 base address is served from here instead of from guest memory.

/** The largest SCRIPTS RAM of the variants (chip-variant.ts); `size` is the chip's own. */
export const SCRIPTS_RAM_SIZE: u32 = 8192;

export class ScriptsRam {
  readonly base: usize = heap.alloc(SCRIPTS_RAM_SIZE);
  /** Bytes the chip has (at most SCRIPTS_RAM_SIZE). */
  size: u32 = SCRIPTS_RAM_SIZE;
  /** Bus address of the RAM (the BAR2 base); 0 while the BAR is unassigned. */
  busAddress: u64 = 0;

  clear(): void {
    memory.fill(this.base, 0, SCRIPTS_RAM_SIZE);
  }

  /** True when [addr, addr+len) lies entirely inside the RAM window. */
  contains(addr: u64, len: u64): bool {
    if (this.busAddress == 0) return false;
    return addr >= this.busAddress && len <= <u64>this.size &&
      addr - this.busAddress <= <u64>this.size - len;
  }

  /** True when [addr, addr+len) touches the window at all. */
  overlaps(addr: u64, len: u64): bool {
    if (this.busAddress == 0 || len == 0) return false;
    const end = addr + len;
    const wrapped = end < addr;
    return addr < this.busAddress + <u64>this.size && (wrapped || end > this.busAddress);
  }

  /** Core-memory pointer of bus address `addr` (caller checked `contains`). */
  pointerOf(addr: u64): usize {
    return this.base + <usize>(addr - this.busAddress);
  }

  /** BAR2 access from the host: `size` bytes at `offset`, little-endian. */
  hostRead(offset: u32, size: u32): u64 {
    if (<u64>offset + <u64>size > <u64>this.size) return 0;
    let value: u64 = 0;
    for (let i: u32 = 0; i < size; i++) value |= <u64>load<u8>(this.base + <usize>(offset + i)) << (<u64>i * 8);
    return value;
  }

  hostWrite(offset: u32, size: u32, value: u64): void {
    if (<u64>offset + <u64>size > <u64>this.size) return;
    for (let i: u32 = 0; i < size; i++) store<u8>(this.base + <usize>(offset + i), <u8>(value >> (<u64>i * 8)));
  }
}
