// A driver's data buffer in guest RAM as the kernel's block layer hands it over: a list of
// guest-physical segments (pages), not necessarily adjacent or in ascending order. DMA
// describes it with one PRD per segment; PIO copies each DRQ block run by run.

import type { GuestRamAccess } from '../guest-bus.js';
import { gpa, type GuestPhysAddr } from '../../../../shared-mem/types.js';

export interface GuestSegment {
  addr: GuestPhysAddr;
  len: number;
}

export const PAGE_BYTES = 4096;

export class GuestBuffer {
  readonly length: number;

  constructor(
    private readonly ram: GuestRamAccess,
    readonly segments: readonly GuestSegment[],
  ) {
    this.length = segments.reduce((n, s) => n + s.len, 0);
  }

  /** One physically contiguous allocation. */
  static contiguous(ram: GuestRamAccess, len: number, align = PAGE_BYTES): GuestBuffer {
    return new GuestBuffer(ram, [{ addr: ram.alloc(len, align), len }]);
  }

  /**
   * `len` bytes spread over whole pages in a shuffled order, so that no two logically
   * adjacent pages are physically adjacent: what a long-running kernel's page cache looks
   * like, and what forces one PRD entry per page.
   */
  static scattered(ram: GuestRamAccess, len: number, opts: { pageBytes?: number; seed?: number } = {}): GuestBuffer {
    const pageBytes = opts.pageBytes ?? PAGE_BYTES;
    const pages = Math.max(1, Math.ceil(len / pageBytes));
    const base = ram.alloc(pages * pageBytes, pageBytes);
    const order = scatterOrder(pages, opts.seed ?? 0x9e3779b9);
    const segments: GuestSegment[] = [];
    for (let i = 0; i < pages; i++) {
      const segLen = Math.min(pageBytes, len - i * pageBytes);
      if (segLen <= 0) break;
      segments.push({ addr: gpa(base + order[i]! * pageBytes), len: segLen });
    }
    return new GuestBuffer(ram, segments);
  }

  /** The segments covering bytes [offset, offset + len), split at segment edges. */
  runs(offset = 0, len = this.length - offset): GuestSegment[] {
    if (offset < 0 || len < 0 || offset + len > this.length) {
      throw new RangeError(`range ${offset}+${len} outside a ${this.length}-byte buffer`);
    }
    const out: GuestSegment[] = [];
    let skip = offset;
    let want = len;
    for (const seg of this.segments) {
      if (want === 0) break;
      if (skip >= seg.len) {
        skip -= seg.len;
        continue;
      }
      const take = Math.min(seg.len - skip, want);
      out.push({ addr: gpa(seg.addr + skip), len: take });
      want -= take;
      skip = 0;
    }
    return out;
  }

  /** A view of part of this buffer (shares the same guest memory). */
  slice(offset: number, len: number): GuestBuffer {
    return new GuestBuffer(this.ram, this.runs(offset, len));
  }

  /** CPU store into the buffer (what the guest kernel's memcpy does). */
  write(bytes: Uint8Array, offset = 0): void {
    let done = 0;
    for (const run of this.runs(offset, bytes.length)) {
      this.ram.write(run.addr, bytes.subarray(done, done + run.len));
      done += run.len;
    }
  }

  read(offset = 0, len = this.length - offset): Uint8Array {
    const out = new Uint8Array(len);
    let done = 0;
    for (const run of this.runs(offset, len)) {
      out.set(this.ram.read(run.addr, run.len), done);
      done += run.len;
    }
    return out;
  }

  fill(byte: number): void {
    for (const seg of this.segments) this.ram.write(seg.addr, new Uint8Array(seg.len).fill(byte));
  }
}

/** A fixed pseudo-random permutation of 0..n-1 (Fisher-Yates over xorshift32). */
function scatterOrder(n: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  let x = seed >>> 0 || 1;
  for (let i = n - 1; i > 0; i--) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    const j = x % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}
