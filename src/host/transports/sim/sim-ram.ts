// The simulated guest's view of its own RAM: plain loads/stores plus a bump allocator that
// stands in for the guest kernel's page allocator (PRD tables, data buffers). Allocation
// starts above 1 MiB, clear of the real-mode area.

import type { GuestRam } from '../../../shared-mem/guest-ram.js';
import { gpa, type GuestPhysAddr } from '../../../shared-mem/types.js';
import type { GuestRamAccess } from './guest-bus.js';

const ALLOC_BASE = 0x100000;

export class SimGuestRam implements GuestRamAccess {
  private next = ALLOC_BASE;

  constructor(private readonly ram: GuestRam, readonly sizeBytes: number) {}

  read(addr: GuestPhysAddr, len: number): Uint8Array {
    const out = new Uint8Array(len);
    if (!this.ram.read(addr, len, out, 0)) throw new RangeError(`guest RAM read outside RAM at 0x${addr.toString(16)}+${len}`);
    return out;
  }

  write(addr: GuestPhysAddr, bytes: Uint8Array): void {
    if (!this.ram.write(addr, bytes)) throw new RangeError(`guest RAM write outside RAM at 0x${addr.toString(16)}+${bytes.length}`);
  }

  readU32(addr: GuestPhysAddr): number {
    const b = this.read(addr, 4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }

  writeU32(addr: GuestPhysAddr, value: number): void {
    this.write(addr, new Uint8Array([value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff]));
  }

  alloc(len: number, align = 16): GuestPhysAddr {
    if (align <= 0 || (align & (align - 1)) !== 0) throw new RangeError(`alignment ${align} is not a power of two`);
    const start = Math.ceil(this.next / align) * align;
    if (start + len > this.sizeBytes) throw new RangeError(`guest RAM exhausted: ${len} bytes at 0x${start.toString(16)}`);
    this.next = start + len;
    return gpa(start);
  }

  mark(): number {
    return this.next;
  }

  release(mark: number): void {
    if (mark >= ALLOC_BASE && mark <= this.next) this.next = mark;
  }
}
