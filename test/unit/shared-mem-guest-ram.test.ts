import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { GuestRam, HIGH_RAM_BASE, LOW_RAM_END, type GuestRamTransferable, type RamRegion } from '../../src/shared-mem/guest-ram.js';
import { gpa } from '../../src/shared-mem/types.js';

const region = (at: number, size: number, buffer = new SharedArrayBuffer(size), offset?: number): RamRegion =>
  offset === undefined ? { gpa: gpa(at), size, buffer } : { gpa: gpa(at), size, buffer, offset };

/** Two adjacent 4 KiB regions at 0x10000 (separate buffers), a gap, then 4 KiB at 0x20000. */
function threeRegions(): { ram: GuestRam; a: SharedArrayBuffer; b: SharedArrayBuffer; c: SharedArrayBuffer } {
  const a = new SharedArrayBuffer(0x1000);
  const b = new SharedArrayBuffer(0x3000); // region b lives at offset 0x2000 of its buffer
  const c = new SharedArrayBuffer(0x1000);
  const ram = new GuestRam([region(0x20000, 0x1000, c), region(0x11000, 0x1000, b, 0x2000), region(0x10000, 0x1000, a)]);
  return { ram, a, b, c };
}

describe('GuestRam region table', () => {
  it('sorts regions and rejects overlaps, zero sizes and regions that do not fit their buffer', () => {
    const { ram } = threeRegions();
    expect(ram.regions.map((r) => r.gpa)).toEqual([0x10000, 0x11000, 0x20000]);
    expect(ram.sizeBytes).toBe(0x3000);
    expect(() => new GuestRam([region(0, 0x2000), region(0x1fff, 0x1000)])).toThrow(/overlap/);
    expect(() => new GuestRam([region(0x1000, 0x1000), region(0x1000, 0x1000)])).toThrow(/overlap/);
    expect(() => new GuestRam([region(0, 0, new SharedArrayBuffer(16))])).toThrow(RangeError);
    expect(() => new GuestRam([region(0, 0x2000, new SharedArrayBuffer(0x1000))])).toThrow(RangeError);
    expect(() => new GuestRam([region(0, 0x1000, new SharedArrayBuffer(0x1000), 1)])).toThrow(RangeError);
    expect(() => new GuestRam([region(2 ** 53 - 0x800, 0x1000)])).toThrow(RangeError);
    expect(() => new GuestRam([region(-0x1000, 0x1000)])).toThrow(RangeError);
  });

  it('resolves a range inside one region, with the region offset applied', () => {
    const { ram, b } = threeRegions();
    expect(ram.resolve(0x11010, 0x20)).toEqual({ buffer: b, byteOffset: 0x2010 });
    expect(ram.resolve(0x11000, 0x1000)).toEqual({ buffer: b, byteOffset: 0x2000 });
    expect(ram.resolve(0x11000n, 0x1000n)).toEqual({ buffer: b, byteOffset: 0x2000 });
    expect(ram.resolve(0x11fff, 0)).toEqual({ buffer: b, byteOffset: 0x2fff });
  });

  it('refuses ranges that leave RAM, span two regions, or overflow', () => {
    const { ram } = threeRegions();
    expect(ram.resolve(0x10ff0, 0x20)).toBeNull(); // spans the adjacent a|b boundary
    expect(ram.resolve(0x11ff0, 0x20)).toBeNull(); // runs off the end into the gap
    expect(ram.resolve(0x12000, 1)).toBeNull(); // in the gap
    expect(ram.resolve(0xffff, 2)).toBeNull(); // starts below RAM
    expect(ram.resolve(0xffff_ffff_ffff_ffffn, 1)).toBeNull(); // 2^64 - 1
    expect(ram.resolve(0x10000, 0xffff_ffff_ffff_ffffn)).toBeNull();
    expect(ram.resolve(0x10000, 2 ** 53)).toBeNull();
    expect(ram.resolve(2 ** 53, 1)).toBeNull();
    expect(ram.resolve(-1, 1)).toBeNull();
    expect(ram.resolve(-1n, 1)).toBeNull();
    expect(ram.resolve(0x10000, -1)).toBeNull();
    expect(ram.resolve(65536.5, 1)).toBeNull();
    expect(ram.resolve(Number.NaN, 1)).toBeNull();
    expect(ram.resolve(0x10000, Number.POSITIVE_INFINITY)).toBeNull();
  });

  it('refuses a range ending past the top of a region placed just below 2^53', () => {
    const top = 2 ** 53 - 0x1000;
    const ram = new GuestRam([region(top, 0x1000)]);
    expect(ram.resolve(top, 0x1000)).not.toBeNull();
    expect(ram.resolve(2 ** 53 - 1, 1)).not.toBeNull();
    expect(ram.resolve(2 ** 53 - 1, 2)).toBeNull();
    expect(ram.views(2 ** 53 - 1, Number.MAX_SAFE_INTEGER)).toBeNull();
    expect(ram.resolve(top, 2 ** 53 - 1)).toBeNull();
  });

  it('splits views across adjacent regions, zero-copy', () => {
    const { ram, a, b } = threeRegions();
    const views = ram.views(0x10ff0, 0x20);
    expect(views).not.toBeNull();
    expect(views!.map((v) => [v.buffer, v.byteOffset, v.length])).toEqual([
      [a, 0xff0, 0x10],
      [b, 0x2000, 0x10],
    ]);
    views![0]![0xf] = 0xaa;
    views![1]![0] = 0xbb;
    expect(new Uint8Array(a)[0xfff]).toBe(0xaa);
    expect(new Uint8Array(b)[0x2000]).toBe(0xbb);
    expect(ram.views(0x10000, 0x2000)!.map((v) => v.length)).toEqual([0x1000, 0x1000]);
    expect(ram.views(0x10000, 0x2001)).toBeNull(); // one byte into the gap
    expect(ram.views(0x11fff, 0xffff_ffff_ffff_ffffn)).toBeNull();
    expect(ram.views(0x12000, 0)).toEqual([]);
  });

  it('reads and writes across the boundary, and has no effect when refused', () => {
    const { ram, a, b } = threeRegions();
    const src = Uint8Array.from({ length: 64 }, (_, i) => i + 1);
    expect(ram.write(0x10fe0n, src)).toBe(true);
    expect(new Uint8Array(a)[0xfe0]).toBe(1);
    expect(new Uint8Array(b)[0x2000 + 31]).toBe(64);
    const dst = new Uint8Array(70);
    expect(ram.read(0x10fe0, 64, dst, 3)).toBe(true);
    expect(Array.from(dst.subarray(3, 67))).toEqual(Array.from(src));
    expect(dst[2]).toBe(0);

    const before = new Uint8Array(b).slice();
    expect(ram.write(0x11fc0, new Uint8Array(0x41).fill(9))).toBe(false); // last byte in the gap
    expect(new Uint8Array(b)).toEqual(before);
    const untouched = new Uint8Array(8).fill(7);
    expect(ram.read(0x11ffc, 8, untouched, 0)).toBe(false);
    expect(Array.from(untouched)).toEqual([7, 7, 7, 7, 7, 7, 7, 7]);
    expect(ram.read(0x10000, 8, new Uint8Array(8), 1)).toBe(false); // dst too short
    expect(ram.read(0x10000, 8, new Uint8Array(8), -1)).toBe(false);
    expect(ram.read(0x10000, 2n ** 64n - 1n, new Uint8Array(8), 0)).toBe(false);
  });

  it('travels through postMessage and still shares the memory', async () => {
    const { ram, a } = threeRegions();
    const { port1, port2 } = new MessageChannel();
    const received = new Promise<GuestRamTransferable>((resolve) => port2.once('message', resolve));
    port1.postMessage(ram.toTransferable());
    const copy = GuestRam.fromTransferable(await received);
    port1.close();
    expect(copy.regions.map((r) => [r.gpa, r.size, r.offset])).toEqual(ram.regions.map((r) => [r.gpa, r.size, r.offset]));
    expect(copy.write(0x10004, Uint8Array.of(0x5a))).toBe(true);
    expect(new Uint8Array(a)[4]).toBe(0x5a);
  });

  it('replaces its table whole, ignoring stale generations and invalid tables', () => {
    const { ram, c } = threeRegions();
    expect(ram.generation).toBe(0);
    const fresh = new SharedArrayBuffer(0x1000);
    expect(ram.replaceRegions([region(0x40000, 0x1000, fresh)])).toBe(true);
    expect(ram.generation).toBe(1);
    expect(ram.resolve(0x10000, 1)).toBeNull();
    expect(ram.resolve(0x40000, 1)!.buffer).toBe(fresh);
    expect(ram.replaceRegions([region(0x20000, 0x1000, c)], 1)).toBe(false); // not newer
    expect(ram.resolve(0x40000, 1)).not.toBeNull();
    expect(() => ram.replaceRegions([region(0, 0x1000), region(0x800, 0x1000)], 7)).toThrow(/overlap/);
    expect(ram.generation).toBe(1);
    expect(ram.replaceRegions([region(0x20000, 0x1000, c)], 7)).toBe(true);
    expect(ram.generation).toBe(7);
    expect(ram.toTransferable().generation).toBe(7);
    expect(GuestRam.fromTransferable(ram.toTransferable()).generation).toBe(7);
  });

  it('allocates one region up to 3.5 GiB, and splits around the PCI hole above', () => {
    const small = GuestRam.allocate(64 << 20);
    expect(small.regions.map((r) => [r.gpa, r.size])).toEqual([[0, 64 << 20]]);
    const big = GuestRam.allocate(LOW_RAM_END + 0x10_0000);
    expect(big.regions.map((r) => [r.gpa, r.size])).toEqual([
      [0, LOW_RAM_END],
      [HIGH_RAM_BASE, 0x10_0000],
    ]);
    expect(big.resolve(LOW_RAM_END, 1)).toBeNull(); // the hole
    expect(big.write(HIGH_RAM_BASE + 0xff, Uint8Array.of(1, 2))).toBe(true);
    expect(big.views(LOW_RAM_END - 1, 2)).toBeNull();
    expect(() => GuestRam.allocate(0)).toThrow(RangeError);
  });
});
