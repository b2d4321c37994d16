// A GuestRamAccess over a plain byte array, for unit tests of driver pieces that only
// touch guest memory (PRD tables, scattered buffers) and need no machine.

import type { GuestRamAccess } from '../../../src/host/transports/sim/guest-bus.js';
import { gpa, type GuestPhysAddr } from '../../../src/shared-mem/types.js';

export class ArrayRam implements GuestRamAccess {
  readonly bytes: Uint8Array;
  private next: number;

  constructor(readonly sizeBytes: number, allocBase = 0x100000) {
    this.bytes = new Uint8Array(sizeBytes);
    this.next = allocBase;
  }

  read(addr: GuestPhysAddr, len: number): Uint8Array {
    if (addr + len > this.sizeBytes) throw new RangeError('outside RAM');
    return this.bytes.slice(addr, addr + len);
  }

  write(addr: GuestPhysAddr, bytes: Uint8Array): void {
    if (addr + bytes.length > this.sizeBytes) throw new RangeError('outside RAM');
    this.bytes.set(bytes, addr);
  }

  readU32(addr: GuestPhysAddr): number {
    return new DataView(this.bytes.buffer).getUint32(addr, true);
  }

  writeU32(addr: GuestPhysAddr, value: number): void {
    new DataView(this.bytes.buffer).setUint32(addr, value >>> 0, true);
  }

  alloc(len: number, align = 16): GuestPhysAddr {
    const start = Math.ceil(this.next / align) * align;
    if (start + len > this.sizeBytes) throw new RangeError('RAM exhausted');
    this.next = start + len;
    return gpa(start);
  }

  mark(): number {
    return this.next;
  }

  release(mark: number): void {
    this.next = mark;
  }
}
