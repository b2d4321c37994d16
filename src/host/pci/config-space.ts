// The standard type-0 configuration header (PCI Local Bus Spec 3.0, 6.1-6.2) of one function.
// The bridge owns 0x00..0x3f for every device so that BAR placement, and therefore routing,
// is decided in one place; 0x40..0xff is device-specific and belongs to the core.

import type { BarDecl, PciIdentity } from './pci-identity.js';

export const CFG_VENDOR = 0x00;
export const CFG_COMMAND = 0x04;
export const CFG_STATUS = 0x06;
export const CFG_REVISION = 0x08;
export const CFG_CACHE_LINE = 0x0c;
export const CFG_LATENCY = 0x0d;
export const CFG_HEADER_TYPE = 0x0e;
export const CFG_BAR0 = 0x10;
export const CFG_SUBSYS_VENDOR = 0x2c;
export const CFG_ROM = 0x30;
export const CFG_INT_LINE = 0x3c;
export const CFG_INT_PIN = 0x3d;
export const STANDARD_HEADER_END = 0x40;

export const CMD_IO = 1 << 0;
export const CMD_MEM = 1 << 1;
export const CMD_BUS_MASTER = 1 << 2;
export const CMD_INTX_DISABLE = 1 << 10;
/** COMMAND bits a conventional device implements: I/O, memory, bus master, MWI, parity, SERR, INTx disable. */
const COMMAND_WRITABLE = 0x0001 | 0x0002 | 0x0004 | 0x0010 | 0x0040 | 0x0100 | 0x0400;
/** STATUS bit 3: the function's INTx is asserted (6.2.3). Read-only, mirrored from the IRQ line. */
const STATUS_INTERRUPT = 1 << 3;
/** STATUS error bits are write-1-to-clear (6.2.3). */
const STATUS_RW1C = 0xf900;

export interface DecodedBar {
  index: number;
  kind: BarDecl['kind'];
  base: number;
  size: number;
}

export interface ConfigSnapshot {
  bytes: Uint8Array;
}

export class PciConfigSpace {
  private readonly header = new Uint8Array(STANDARD_HEADER_END);
  private readonly writeMask = new Uint8Array(STANDARD_HEADER_END);

  constructor(private readonly identity: PciIdentity) {
    this.powerOn();
  }

  /** PCI RST#: the values a function has before firmware touches it. */
  powerOn(): void {
    const h = this.header;
    const id = this.identity;
    h.fill(0);
    this.writeMask.fill(0);
    this.put(CFG_VENDOR, 2, id.vendorId);
    this.put(0x02, 2, id.deviceId);
    this.put(CFG_REVISION, 1, id.revision);
    this.put(0x09, 1, id.classCode & 0xff);
    this.put(0x0a, 1, (id.classCode >> 8) & 0xff);
    this.put(0x0b, 1, (id.classCode >> 16) & 0xff);
    this.put(CFG_SUBSYS_VENDOR, 2, id.subsystemVendorId);
    this.put(0x2e, 2, id.subsystemId);
    this.put(CFG_INT_PIN, 1, id.interruptPin);
    this.maskRange(CFG_COMMAND, 2, COMMAND_WRITABLE);
    this.maskRange(CFG_CACHE_LINE, 1, 0xff);
    this.maskRange(CFG_LATENCY, 1, 0xff);
    this.maskRange(CFG_INT_LINE, 1, 0xff);
    id.bars.forEach((bar, i) => {
      if (!bar) return;
      const off = CFG_BAR0 + 4 * i;
      if (bar.kind === 'io') {
        this.put(off, 4, 0x1);
        this.maskRange(off, 4, ~(bar.size - 1) & 0xfffffffc);
      } else {
        this.put(off, 4, bar.prefetchable ? 0x8 : 0x0);
        this.maskRange(off, 4, ~(bar.size - 1) & 0xfffffff0);
      }
    });
    if (id.romSize) this.maskRange(CFG_ROM, 4, (~(id.romSize - 1) & 0xfffff800) | 1);
  }

  read(offset: number, size: 1 | 2 | 4): number {
    let v = 0;
    for (let i = size - 1; i >= 0; i--) {
      const o = offset + i;
      v = v * 256 + (o < STANDARD_HEADER_END ? this.header[o]! : 0);
    }
    return v >>> 0;
  }

  /** Applies a guest write; returns which routing-relevant things changed. */
  write(offset: number, size: 1 | 2 | 4, value: number): { barsChanged: boolean; commandChanged: boolean } {
    const beforeCommand = this.command;
    const beforeBars = this.barSignature();
    for (let i = 0; i < size; i++) {
      const o = offset + i;
      if (o >= STANDARD_HEADER_END) break;
      const byte = (value >>> (8 * i)) & 0xff;
      if (o === CFG_STATUS || o === CFG_STATUS + 1) {
        const rw1c = (STATUS_RW1C >> (8 * (o - CFG_STATUS))) & 0xff;
        this.header[o] = this.header[o]! & ~(byte & rw1c);
        continue;
      }
      const m = this.writeMask[o]!;
      this.header[o] = (this.header[o]! & ~m) | (byte & m);
    }
    return { barsChanged: beforeBars !== this.barSignature(), commandChanged: beforeCommand !== this.command };
  }

  get command(): number {
    return this.read(CFG_COMMAND, 2);
  }

  /** Mirrors the function's INTx level into STATUS bit 3. */
  setInterruptStatus(asserted: boolean): void {
    const lo = this.header[CFG_STATUS]!;
    this.header[CFG_STATUS] = asserted ? lo | STATUS_INTERRUPT : lo & ~STATUS_INTERRUPT;
  }

  /** BARs the function currently decodes: enabled by COMMAND and placed at a usable address. */
  decodedBars(): DecodedBar[] {
    const cmd = this.command;
    const out: DecodedBar[] = [];
    this.identity.bars.forEach((bar, index) => {
      if (!bar) return;
      const raw = this.read(CFG_BAR0 + 4 * index, 4);
      if (bar.kind === 'io') {
        const base = raw & 0xfffffffc;
        // x86 port space is 64 KiB; a BAR left at its sizing value is not decoded.
        if ((cmd & CMD_IO) && base !== 0 && base + bar.size <= 0x10000) out.push({ index, kind: 'io', base, size: bar.size });
      } else {
        const base = (raw & 0xfffffff0) >>> 0;
        if ((cmd & CMD_MEM) && base !== 0 && base + bar.size <= 0x1_0000_0000 && base !== ((~(bar.size - 1)) >>> 0)) {
          out.push({ index, kind: 'mem32', base, size: bar.size });
        }
      }
    });
    return out;
  }

  /** The expansion ROM window, when enabled (ROM BAR bit 0 and COMMAND memory decode). */
  decodedRom(): { base: number; size: number } | null {
    if (!this.identity.romSize) return null;
    const raw = this.read(CFG_ROM, 4);
    const base = (raw & 0xfffff800) >>> 0;
    if (!(raw & 1) || !(this.command & CMD_MEM) || base === 0) return null;
    return { base, size: this.identity.romSize };
  }

  snapshot(): ConfigSnapshot {
    return { bytes: this.header.slice() };
  }

  restore(s: ConfigSnapshot): void {
    this.header.set(s.bytes.subarray(0, STANDARD_HEADER_END));
  }

  private barSignature(): string {
    return Array.from(this.header.subarray(CFG_BAR0, CFG_BAR0 + 24)).join(',') + ':' + this.read(CFG_ROM, 4);
  }

  private put(offset: number, size: number, value: number): void {
    for (let i = 0; i < size; i++) this.header[offset + i] = (value >>> (8 * i)) & 0xff;
  }

  private maskRange(offset: number, size: number, mask: number): void {
    for (let i = 0; i < size; i++) this.writeMask[offset + i] = (mask >>> (8 * i)) & 0xff;
  }
}
