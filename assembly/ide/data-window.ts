// The PIO data register's view of the channel buffer: one DRQ data block at a time
// (ATA/ATAPI-6 9.7-9.9). The window is either device-to-host (reads drain it) or
// host-to-device (writes fill it). Accesses in the wrong direction, or with no block
// open, do nothing and read 0, like the emulations Linux is tested against; a 32-bit
// access moves two words but never reaches into the next DRQ block.

export class DataWindow {
  /** Offset of the block's first byte, relative to `buffer`. */
  start: u32 = 0;
  pos: u32 = 0;
  end: u32 = 0;
  open: bool = false;
  toHost: bool = false;

  constructor(readonly buffer: usize, readonly capacity: u32) {}

  /** Opens a block of `len` bytes at `start` in the buffer (clamped to the buffer). */
  openBlock(start: u32, len: u32, toHost: bool): void {
    const s = start < this.capacity ? start : this.capacity;
    const room = this.capacity - s;
    this.start = s;
    this.pos = s;
    this.end = s + (len < room ? len : room);
    this.toHost = toHost;
    this.open = this.end > s;
  }

  close(): void {
    this.open = false;
    this.start = 0;
    this.pos = 0;
    this.end = 0;
  }

  get drained(): bool {
    return this.pos >= this.end;
  }

  get length(): u32 {
    return this.end - this.start;
  }

  /** Takes the next 16-bit word (device-to-host); a final odd byte is padded with 0. */
  readWord(): u32 {
    if (!this.open || !this.toHost || this.pos >= this.end) return 0;
    const lo = <u32>load<u8>(this.buffer + this.pos);
    const hi = this.pos + 1 < this.end ? <u32>load<u8>(this.buffer + this.pos + 1) : 0;
    this.pos += 2;
    if (this.pos > this.end) this.pos = this.end;
    return lo | (hi << 8);
  }

  /** Stores the next 16-bit word (host-to-device); bytes past the block are dropped. */
  writeWord(value: u32): void {
    if (!this.open || this.toHost || this.pos >= this.end) return;
    store<u8>(this.buffer + this.pos, <u8>value);
    if (this.pos + 1 < this.end) store<u8>(this.buffer + this.pos + 1, <u8>(value >> 8));
    this.pos += 2;
    if (this.pos > this.end) this.pos = this.end;
  }
}
