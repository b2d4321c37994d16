// What a device tells the bridge about itself: the read-only part of its PCI header, the
// BARs it decodes and any legacy (ISA-decoded) ranges. This is the only way a device touches
// the bridge (DESIGN.md "Layout"): a new device is a new identity plus a worker.

import type { IoPort } from '../../shared-mem/types.js';

export interface BarDecl {
  kind: 'io' | 'mem32';
  /** Power of two; I/O BARs at least 16 bytes (QEMU's proxy mis-sizes smaller ones, mpqemu.md 5.3). */
  size: number;
  prefetchable?: boolean;
}

export interface LegacyIoRange {
  base: IoPort;
  size: number;
}

export interface PciIdentity {
  vendorId: number;
  deviceId: number;
  revision: number;
  /** Base class, sub-class and programming interface as one 24-bit value (config 0x09..0x0b). */
  classCode: number;
  subsystemVendorId: number;
  subsystemId: number;
  /** 0 = no interrupt pin, 1 = INTA# (QEMU's proxy supports only INTA#, mpqemu.md 5.5). */
  interruptPin: 0 | 1;
  bars: (BarDecl | null)[];
  /** Expansion ROM size in bytes (power of two >= 2 KiB), or 0 for none. */
  romSize: number;
  /** The ROM's contents when the host serves it (reads of the enabled ROM window are answered
   *  by the bridge, never by the core); absent: the core's SPACE_ROM answers. */
  romImage?: Uint8Array;
  /** Ports decoded regardless of BARs (compatibility-mode IDE), gated by COMMAND.IO like PIIX does. */
  legacyIo: LegacyIoRange[];
}

export function validateIdentity(id: PciIdentity): void {
  if (id.bars.length > 6) throw new Error('a PCI function has at most 6 BARs');
  for (const bar of id.bars) {
    if (!bar) continue;
    if (bar.size <= 0 || (bar.size & (bar.size - 1)) !== 0) throw new Error(`BAR size ${bar.size} is not a power of two`);
    if (bar.kind === 'io' && (bar.size < 16 || bar.size > 256)) throw new Error(`I/O BAR size ${bar.size} outside 16..256`);
    if (bar.kind === 'mem32' && bar.size < 16) throw new Error(`memory BAR size ${bar.size} below 16`);
  }
  if (id.romSize !== 0 && (id.romSize < 2048 || (id.romSize & (id.romSize - 1)) !== 0)) {
    throw new Error(`ROM size ${id.romSize} must be 0 or a power of two >= 2 KiB`);
  }
  if (id.romImage && id.romImage.length > id.romSize) throw new Error(`ROM image of ${id.romImage.length} bytes does not fit the ${id.romSize}-byte ROM BAR`);
}
