// What a simulated guest's driver code sees: the CPU's view of the platform. Every call
// becomes one Xen-format ioreq that the sim transport hands to the host bridge, exactly as
// a trapped vCPU access would under Xen; awaiting it is the vCPU blocking on the answer.

import type { AccessSize, GuestPhysAddr, IoPort } from '../../../shared-mem/types.js';

export interface GuestBus {
  /** Port input of 1, 2 or 4 bytes. Unclaimed ports read all-ones. */
  in(port: IoPort, size: 1 | 2 | 4): Promise<number>;
  /** Port output; completes when the device has taken it (Xen answers PIO writes too). */
  out(port: IoPort, size: 1 | 2 | 4, value: number): Promise<void>;
  /** `rep ins{b,w,d}`: `count` elements from `port` into guest RAM at `dst`
   *  (one ioreq with data_is_ptr, split at 4 KiB pages as Xen does). */
  insRep(port: IoPort, size: 1 | 2 | 4, dst: GuestPhysAddr, count: number): Promise<void>;
  /** `rep outs{b,w,d}`: `count` elements from guest RAM at `src` to `port`. */
  outsRep(port: IoPort, size: 1 | 2 | 4, src: GuestPhysAddr, count: number): Promise<void>;
  mmioRead(addr: GuestPhysAddr, size: AccessSize): Promise<bigint>;
  mmioWrite(addr: GuestPhysAddr, size: AccessSize, value: bigint): Promise<void>;
  /** A posted MMIO/PIO write through the buffered ring (not waited for), as Xen does for
   *  some writes below 1 MiB. */
  postedWrite(kind: 'pio' | 'mmio', addr: number, size: AccessSize, value: number): void;

  readonly ram: GuestRamAccess;
  readonly irq: GuestIrqs;
}

/** The guest CPU's view of its own RAM (what a driver does with kmalloc'd buffers). */
export interface GuestRamAccess {
  readonly sizeBytes: number;
  read(addr: GuestPhysAddr, len: number): Uint8Array; // a copy
  write(addr: GuestPhysAddr, bytes: Uint8Array): void;
  readU32(addr: GuestPhysAddr): number;
  writeU32(addr: GuestPhysAddr, value: number): void;
  /** Bump allocator for driver buffers (PRD tables, data buffers); `align` is a power of two. */
  alloc(len: number, align?: number): GuestPhysAddr;
  /** Releases everything alloc handed out since `mark()` returned `m`. */
  mark(): number;
  release(mark: number): void;
}

/** Interrupt lines as the guest's interrupt controller sees them. Lines are ISA IRQ numbers
 *  (0-15) or the GSI the sim platform assigned to a PCI function's INTA# (see Platform). */
export interface GuestIrqs {
  level(line: number): boolean;
  /** Resolves true as soon as `line` is asserted, false after `timeoutMs`. */
  waitFor(line: number, timeoutMs: number): Promise<boolean>;
}
