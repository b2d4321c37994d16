// Guest RAM as the device workers see it: a table of regions, each a window of a
// SharedArrayBuffer at some guest-physical address. Every DMA a device core asks for is resolved
// against this table; anything that is not entirely RAM is refused (DESIGN.md, "Guest RAM is
// never WASM memory"). Under `sim` and in the browser the buffers are ordinary SABs; under
// mpqemu/xen a native addon wraps mapped guest memory as external SABs, possibly several, with
// holes between them.
//
// Addresses and lengths come from the guest (PRDs, descriptors, SCRIPTS), often as u64 BigInts
// out of WASM. Only integers in [0, 2^53) are accepted: they are exact as JS numbers, and every
// comparison below is written as `len <= regionEnd - gpa` (both sides exact) instead of
// `gpa + len <= regionEnd` (which could round above 2^53).
//
// Replacing the table at run time (QEMU's SYNC_SYSMEM, a Xen INVALIDATE): `replaceRegions`
// swaps the whole (frozen) table in one assignment, so a lookup running on this thread sees
// either the old or the new table, never a mix. Each table carries a generation number; a worker
// that receives tables by message ignores a stale one, and reports the generation it now uses so
// the transport knows when no worker can start a new access to an old mapping. Views handed
// out before the swap keep their SharedArrayBuffer alive; a transport that unmaps external
// memory must also wait for in-flight DMA on the old generation to finish.

import { allocatePageAlignedSharedBuffer } from './page-aligned.js';
import type { GuestPhysAddr } from './types.js';

export interface RamRegion {
  gpa: GuestPhysAddr;
  size: number;
  buffer: SharedArrayBuffer;
  /** Byte offset of the region inside `buffer`; 0 if absent. */
  offset?: number;
}

/** Structured-cloneable form for postMessage / workerData (SABs are shared, not copied). */
export interface GuestRamTransferable {
  generation: number;
  regions: { gpa: number; size: number; buffer: SharedArrayBuffer; offset: number }[];
}

/** A resolved range inside one region. */
export interface RamLocation {
  buffer: SharedArrayBuffer;
  byteOffset: number;
}

/** A gpa or length as the guest (or WASM, as u64) supplied it. */
export type GuestNumber = GuestPhysAddr | number | bigint;

/** Below this every address is RAM; above it, up to 4 GiB, sits the PCI/MMIO hole. */
export const LOW_RAM_END = 0xe000_0000;
/** Where RAM that did not fit below the hole continues. */
export const HIGH_RAM_BASE = 0x1_0000_0000;
/** Views are cut at this length: Node 20 refuses typed arrays longer than 2^32 elements. */
export const MAX_VIEW_BYTES = 0x4000_0000;

const LIMIT = 2 ** 53;
const LIMIT_BIG = 1n << 53n;

/** The guest number as an exact non-negative JS integer below 2^53, or -1 if it is not one. */
export function toGuestIndex(value: GuestNumber): number {
  if (typeof value === 'bigint') return value >= 0n && value < LIMIT_BIG ? Number(value) : -1;
  return Number.isInteger(value) && value >= 0 && value < LIMIT ? value : -1;
}

interface Region {
  readonly start: number;
  readonly end: number; // exclusive, <= 2^53
  readonly buffer: SharedArrayBuffer;
  readonly offset: number;
}

type Table = readonly Region[];

function buildTable(regions: readonly RamRegion[]): Table {
  const table: Region[] = regions.map((r, i) => {
    const start = toGuestIndex(r.gpa);
    const offset = r.offset ?? 0;
    if (start < 0) throw new RangeError(`RAM region ${i}: gpa ${r.gpa} is not an integer in [0, 2^53)`);
    if (!Number.isSafeInteger(r.size) || r.size <= 0) throw new RangeError(`RAM region ${i}: size ${r.size} must be a positive integer`);
    if (r.size > LIMIT - start) throw new RangeError(`RAM region ${i} ends above 2^53`);
    if (!(r.buffer instanceof SharedArrayBuffer)) throw new TypeError(`RAM region ${i}: buffer is not a SharedArrayBuffer`);
    if (!Number.isSafeInteger(offset) || offset < 0 || r.size > r.buffer.byteLength - offset) {
      throw new RangeError(`RAM region ${i}: [offset ${offset}, +${r.size}) does not fit its ${r.buffer.byteLength}-byte buffer`);
    }
    return Object.freeze({ start, end: start + r.size, buffer: r.buffer, offset });
  });
  table.sort((a, b) => a.start - b.start);
  for (let i = 1; i < table.length; i++) {
    if (table[i]!.start < table[i - 1]!.end) {
      throw new RangeError(`RAM regions overlap at gpa 0x${table[i]!.start.toString(16)}`);
    }
  }
  return Object.freeze(table);
}

export class GuestRam {
  private table: Table;
  private gen: number;

  constructor(regions: readonly RamRegion[], generation = 0) {
    this.table = buildTable(regions);
    this.gen = generation;
  }

  /**
   * Fresh zeroed RAM for the sim transport and the browser. Up to 3.5 GiB it is one region at
   * gpa 0, page aligned so that cache=none moves it without bounce copies. Above that the PC layout QEMU uses for large guests: [0, 0xE0000000) below the
   * 32-bit PCI hole and the rest from 4 GiB up, each its own SharedArrayBuffer.
   */
  static allocate(sizeBytes: number): GuestRam {
    if (!Number.isSafeInteger(sizeBytes) || sizeBytes <= 0) throw new RangeError(`RAM size ${sizeBytes} must be a positive integer`);
    if (sizeBytes <= LOW_RAM_END) {
      return new GuestRam([{ gpa: 0 as GuestPhysAddr, size: sizeBytes, buffer: allocatePageAlignedSharedBuffer(sizeBytes) }]);
    }
    const high = sizeBytes - LOW_RAM_END;
    return new GuestRam([
      { gpa: 0 as GuestPhysAddr, size: LOW_RAM_END, buffer: allocatePageAlignedSharedBuffer(LOW_RAM_END) },
      { gpa: HIGH_RAM_BASE as GuestPhysAddr, size: high, buffer: allocatePageAlignedSharedBuffer(high) },
    ]);
  }

  static fromTransferable(x: GuestRamTransferable): GuestRam {
    return new GuestRam(
      x.regions.map((r) => ({ gpa: r.gpa as GuestPhysAddr, size: r.size, buffer: r.buffer, offset: r.offset })),
      x.generation,
    );
  }

  toTransferable(): GuestRamTransferable {
    return {
      generation: this.gen,
      regions: this.table.map((r) => ({ gpa: r.start, size: r.end - r.start, buffer: r.buffer, offset: r.offset })),
    };
  }

  /** Generation of the table in use; bumped by every replacement. */
  get generation(): number {
    return this.gen;
  }

  /** The table, sorted by gpa. */
  get regions(): readonly RamRegion[] {
    return this.table.map((r) => ({ gpa: r.start as GuestPhysAddr, size: r.end - r.start, buffer: r.buffer, offset: r.offset }));
  }

  /** Total bytes of RAM. */
  get sizeBytes(): number {
    let total = 0;
    for (const r of this.table) total += r.end - r.start;
    return total;
  }

  /**
   * Installs a new table. With `generation`, a table not newer than the current one is ignored
   * (false): messages carrying tables may arrive out of order. Without, the generation is bumped.
   * An invalid table throws and leaves the current one in place.
   */
  replaceRegions(regions: readonly RamRegion[], generation?: number): boolean {
    if (generation !== undefined && generation <= this.gen) return false;
    const table = buildTable(regions);
    this.table = table;
    this.gen = generation ?? this.gen + 1;
    return true;
  }

  /** Index of the region containing `at`, or -1. Binary search over the sorted table. */
  private find(table: Table, at: number): number {
    let lo = 0;
    let hi = table.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const r = table[mid]!;
      if (at < r.start) hi = mid - 1;
      else if (at >= r.end) lo = mid + 1;
      else return mid;
    }
    return -1;
  }

  /**
   * Where [gpa, gpa+len) lives, if it lies entirely inside ONE region; null otherwise (including
   * a range spanning two adjacent regions: use `views` for those). A zero-length range resolves
   * if gpa itself is RAM.
   */
  resolve(gpa: GuestNumber, len: GuestNumber): RamLocation | null {
    const at = toGuestIndex(gpa);
    const n = toGuestIndex(len);
    if (at < 0 || n < 0) return null;
    const table = this.table;
    const i = this.find(table, at);
    if (i < 0) return null;
    const r = table[i]!;
    if (n > r.end - at) return null;
    return { buffer: r.buffer, byteOffset: r.offset + (at - r.start) };
  }

  /**
   * Zero-copy views covering [gpa, gpa+len), split where the range crosses from one region into
   * the adjacent next one (and every MAX_VIEW_BYTES); null if any byte is not RAM. A zero-length
   * range gives [] for any well-formed gpa.
   */
  views(gpa: GuestNumber, len: GuestNumber): Uint8Array[] | null {
    const out: Uint8Array[] = [];
    const ok = this.walk(gpa, len, (buffer, byteOffset, length) => {
      out.push(new Uint8Array(buffer, byteOffset, length));
    });
    return ok ? out : null;
  }

  /** Copies [gpa, gpa+len) into dst[dstOffset..]. False (and dst untouched) if any byte is not
   *  RAM or dst is too short. */
  read(gpa: GuestNumber, len: GuestNumber, dst: Uint8Array, dstOffset = 0): boolean {
    const n = toGuestIndex(len);
    if (n < 0 || !Number.isSafeInteger(dstOffset) || dstOffset < 0 || n > dst.length - dstOffset) return false;
    let at = dstOffset;
    return this.walk(gpa, n, (buffer, byteOffset, length) => {
      dst.set(new Uint8Array(buffer, byteOffset, length), at);
      at += length;
    });
  }

  /** Copies src to guest RAM at gpa. False (and RAM untouched) if any byte is not RAM. */
  write(gpa: GuestNumber, src: Uint8Array): boolean {
    let at = 0;
    return this.walk(gpa, src.length, (buffer, byteOffset, length) => {
      new Uint8Array(buffer, byteOffset, length).set(src.subarray(at, at + length));
      at += length;
    });
  }

  /** True if every byte of [gpa, gpa+len) is RAM. */
  covers(gpa: GuestNumber, len: GuestNumber): boolean {
    return this.walk(gpa, len, null);
  }

  /**
   * Visits the pieces of [gpa, gpa+len) region by region. Checks the whole range before the
   * first visit, so a refused range has no partial effect. Bounded: at most one step per region
   * plus one per MAX_VIEW_BYTES of RAM.
   */
  private walk(
    gpa: GuestNumber,
    len: GuestNumber,
    visit: ((buffer: SharedArrayBuffer, byteOffset: number, length: number) => void) | null,
  ): boolean {
    const start = toGuestIndex(gpa);
    const total = toGuestIndex(len);
    if (start < 0 || total < 0) return false;
    if (total === 0) return true;
    const table = this.table; // one table for the whole access, even if replaced meanwhile
    const first = this.find(table, start);
    if (first < 0) return false;

    // Pass 1: is it all RAM? Regions must follow each other without a gap.
    let remaining = total;
    let cursor = start;
    let last = first;
    for (let i = first; ; i++) {
      const r = table[i];
      if (r === undefined || (i > first && r.start !== cursor)) return false;
      const here = r.end - cursor;
      if (remaining <= here) {
        last = i;
        break;
      }
      remaining -= here;
      cursor = r.end;
    }
    if (visit === null) return true;

    // Pass 2: hand out the pieces.
    remaining = total;
    cursor = start;
    for (let i = first; i <= last; i++) {
      const r = table[i]!;
      let piece = Math.min(remaining, r.end - cursor);
      let offset = r.offset + (cursor - r.start);
      remaining -= piece;
      cursor += piece;
      while (piece > 0) {
        const chunk = Math.min(piece, MAX_VIEW_BYTES);
        visit(r.buffer, offset, chunk);
        offset += chunk;
        piece -= chunk;
      }
    }
    return true;
  }
}
