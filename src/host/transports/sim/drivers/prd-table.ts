// Physical Region Descriptor tables (SFF-8038i; PIIX3 datasheet 2.7.3): 8-byte entries of
// { u32 base address (bit 0 = 0), u16 byte count (0 = 64 KiB, bit 0 = 0), u16 with bit 15 =
// end of table }. A region must not cross a 64 KiB boundary, and neither may the table;
// the table is dword aligned. Built in guest RAM, the way libata's ata_bmdma_fill_sg does.

import type { GuestRamAccess } from '../guest-bus.js';
import { gpa, type GuestPhysAddr } from '../../../../shared-mem/types.js';
import type { GuestSegment } from './guest-buffer.js';

export const PRD_ENTRY_BYTES = 8;
export const PRD_MAX_REGION_BYTES = 0x10000;
export const PRD_EOT = 0x80000000;
const BOUNDARY = 0x10000;
/** One table must stay inside one 64 KiB page of guest RAM. */
export const PRD_MAX_ENTRIES = BOUNDARY / PRD_ENTRY_BYTES;

export interface PrdEntry {
  addr: number;
  /** 2..65536 bytes. */
  len: number;
  eot: boolean;
}

/** Splits segments into PRD regions that respect the 64 KiB boundary rule. */
export function prdRegionsFor(segments: readonly GuestSegment[]): { addr: number; len: number }[] {
  const out: { addr: number; len: number }[] = [];
  for (const seg of segments) {
    if (seg.addr % 2 !== 0 || seg.len % 2 !== 0 || seg.len === 0) {
      throw new RangeError(`DMA segment 0x${seg.addr.toString(16)}+${seg.len} is not word aligned`);
    }
    if (seg.addr + seg.len > 2 ** 32) throw new RangeError('bus-master IDE addresses only the low 4 GiB');
    let addr = seg.addr as number;
    let left = seg.len;
    while (left > 0) {
      const toBoundary = BOUNDARY - (addr % BOUNDARY);
      const len = Math.min(left, toBoundary);
      out.push({ addr, len });
      addr += len;
      left -= len;
    }
  }
  return out;
}

export class PrdTable {
  private constructor(
    readonly addr: GuestPhysAddr,
    readonly entries: readonly PrdEntry[],
  ) {}

  /**
   * A well-formed table for `segments`, EOT on the last entry, written at `at` (the
   * channel's own table area, allocated once like libata's per-port PRD table, so that
   * concurrent commands on other channels never share or free it).
   */
  static build(ram: GuestRamAccess, segments: readonly GuestSegment[], at: GuestPhysAddr, capacity: number): PrdTable {
    const regions = prdRegionsFor(segments);
    if (regions.length === 0) throw new RangeError('a DMA transfer needs at least one region');
    if (regions.length > capacity) throw new RangeError(`${regions.length} PRD entries exceed the table's ${capacity}`);
    const entries = regions.map((r, i) => ({ ...r, eot: i === regions.length - 1 }));
    return PrdTable.writeEntries(ram, at, entries);
  }

  /**
   * Writes exactly the given entries at `at`, whatever they say (no EOT, odd sizes, regions
   * outside RAM): how a buggy or hostile guest builds a table. Lengths are encoded as the
   * hardware reads them (65536 -> 0; only bits 15:0 kept).
   */
  static writeEntries(ram: GuestRamAccess, at: GuestPhysAddr, entries: readonly PrdEntry[]): PrdTable {
    entries.forEach((e, i) => {
      const slot = gpa(at + i * PRD_ENTRY_BYTES);
      ram.writeU32(slot, e.addr >>> 0);
      ram.writeU32(gpa(slot + 4), ((e.len & 0xffff) | (e.eot ? PRD_EOT : 0)) >>> 0);
    });
    return new PrdTable(at, entries);
  }

  get byteCount(): number {
    return this.entries.reduce((n, e) => n + e.len, 0);
  }
}

/** Aligning the table to a power of two at least its size keeps it inside one 64 KiB page. */
export function allocTable(ram: GuestRamAccess, entryCount: number): GuestPhysAddr {
  const bytes = entryCount * PRD_ENTRY_BYTES;
  let align = PRD_ENTRY_BYTES;
  while (align < bytes) align *= 2;
  return ram.alloc(bytes, Math.max(align, 4));
}
