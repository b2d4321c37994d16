import { describe, expect, it } from 'vitest';
import { BUFFERED_SLOT_COUNT, BufferedRing } from '../../src/shared-mem/buffered-ring.js';
import { IOREQ_TYPE_COPY, IOREQ_TYPE_PIO, IOREQ_TYPE_TIMEOFFSET } from '../../src/shared-mem/ioreq.js';
import type { AccessSize } from '../../src/shared-mem/types.js';
import { exited, nextMessage, startWorker } from '../helpers/shared-mem-workers.js';

interface Seen {
  type: number;
  addr: number;
  size: AccessSize;
  value: bigint;
}

function drainAll(ring: BufferedRing, max?: number): Seen[] {
  const seen: Seen[] = [];
  ring.drain((type, addr, size, value) => seen.push({ type, addr, size, value }), max);
  return seen;
}

/** The page as u32 words: [0] read_pointer, [1] write_pointer, then (header, data) per slot. */
const u32 = (ring: BufferedRing): Uint32Array => new Uint32Array(ring.buffer);

describe('buffered ioreq page', () => {
  it('encodes slots as the spec lays them out', () => {
    const ring = BufferedRing.create();
    expect(ring.tryPush(IOREQ_TYPE_COPY, 0xa0000, 2, 0xbeefn)).toBe(true);
    const w = u32(ring);
    // type 1 | size code 1 << 10 | addr 0xa0000 << 12; dir (bit 9) = write
    expect(w[2]).toBe(0xa000_0401);
    expect(w[3]).toBe(0xbeef);
    expect(w[1]).toBe(1);
    expect(w[0]).toBe(0);
  });

  it('puts an 8-byte value in two slots, low half first, and joins it again', () => {
    const ring = BufferedRing.create();
    expect(ring.tryPush(IOREQ_TYPE_TIMEOFFSET, 0, 8, 0x0123_4567_89ab_cdefn)).toBe(true);
    const w = u32(ring);
    expect(w[1]).toBe(2); // write pointer moved by 2 in one step
    expect([w[2], w[3], w[4], w[5]]).toEqual([0x0c07, 0x89ab_cdef, 0x0c07, 0x0123_4567]);
    expect(drainAll(ring)).toEqual([{ type: IOREQ_TYPE_TIMEOFFSET, addr: 0, size: 8, value: 0x0123_4567_89ab_cdefn }]);
    expect(w[0]).toBe(2);
  });

  it('delivers writes in order, each size', () => {
    const ring = BufferedRing.create();
    const sizes: AccessSize[] = [1, 2, 4, 8];
    sizes.forEach((size, i) => ring.tryPush(IOREQ_TYPE_PIO, 0x3c0 + i, size, 0x1_0000_0000n * BigInt(i) + 0x80n + BigInt(i)));
    expect(drainAll(ring).map((s) => [s.addr, s.size, s.value])).toEqual([
      [0x3c0, 1, 0x80n], // the value travels as the low 32 bits; the device masks to size
      [0x3c1, 2, 0x81n],
      [0x3c2, 4, 0x82n],
      [0x3c3, 8, 0x3_0000_0083n],
    ]);
    expect(ring.pending()).toBe(0);
  });

  it('refuses what Xen would not buffer', () => {
    const ring = BufferedRing.create();
    expect(ring.tryPush(IOREQ_TYPE_COPY, 0x10_0000, 4, 1)).toBe(false); // addr needs > 20 bits
    expect(ring.tryPush(IOREQ_TYPE_COPY, -1, 4, 1)).toBe(false);
    expect(ring.tryPush(IOREQ_TYPE_COPY, 0, 3 as AccessSize, 1)).toBe(false);
    expect(ring.tryPush(256, 0, 4, 1)).toBe(false);
    expect(ring.pending()).toBe(0);
  });

  it('is full at 511 slots, at 510 for an 8-byte value (Xen rule)', () => {
    const ring = BufferedRing.create();
    for (let i = 0; i < BUFFERED_SLOT_COUNT - 1; i++) expect(ring.tryPush(IOREQ_TYPE_PIO, i, 1, i & 0xff)).toBe(true);
    expect(ring.tryPush(IOREQ_TYPE_PIO, 0, 8, 1n)).toBe(false); // needs two slots, one left
    expect(ring.tryPush(IOREQ_TYPE_PIO, 0x511, 1, 1)).toBe(true); // the last slot
    expect(ring.pending()).toBe(511);
    expect(ring.tryPush(IOREQ_TYPE_PIO, 0, 1, 1)).toBe(false);
    expect(drainAll(ring, 1)).toHaveLength(1);
    expect(ring.tryPush(IOREQ_TYPE_PIO, 0, 1, 1)).toBe(true);
  });

  it('wraps at 511 and keeps the pointers canonical', () => {
    const ring = BufferedRing.create();
    const w = u32(ring);
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 40; round++) {
      // Uneven batches so that slot 510 -> 0 is crossed at every alignment, 8-byte pairs too.
      for (let k = 0; k < 37 + round; k++) {
        const size: AccessSize = next % 5 === 0 ? 8 : 4;
        expect(ring.tryPush(IOREQ_TYPE_PIO, next & 0xfffff, size, BigInt(next) | (size === 8 ? 0x7_0000_0000n : 0n))).toBe(true);
        next++;
      }
      // Canonicalisation runs at each push: the producer leaves both pointers small.
      expect(w[0]! < BUFFERED_SLOT_COUNT).toBe(true);
      expect(w[1]! < 2 * BUFFERED_SLOT_COUNT).toBe(true);
      for (const s of drainAll(ring)) {
        expect(s.addr).toBe(expected);
        expect(s.value).toBe(BigInt(expected) | (s.size === 8 ? 0x7_0000_0000n : 0n));
        expected++;
      }
    }
    expect(expected).toBe(next);
  });

  it('splits an 8-byte value over slot 510 and slot 0', () => {
    const ring = BufferedRing.create();
    const w = u32(ring);
    w[0] = 510;
    w[1] = 510;
    expect(ring.tryPush(IOREQ_TYPE_COPY, 0xb8000, 8, 0xaaaa_bbbb_cccc_ddddn)).toBe(true);
    expect(w[2 + 510 * 2 + 1]).toBe(0xcccc_dddd);
    expect(w[2 + 1]).toBe(0xaaaa_bbbb);
    expect(drainAll(ring)).toEqual([{ type: IOREQ_TYPE_COPY, addr: 0xb8000, size: 8, value: 0xaaaa_bbbb_cccc_ddddn }]);
    expect(w[0]).toBe(512);
  });

  it('canonicalises pointers left large by a previous producer', () => {
    const ring = BufferedRing.create();
    const w = u32(ring);
    w[0] = 511 * 3 + 5;
    w[1] = 511 * 3 + 5;
    expect(ring.tryPush(IOREQ_TYPE_PIO, 0x80, 1, 0x42)).toBe(true);
    expect([w[0], w[1]]).toEqual([5, 6]);
    expect(drainAll(ring)).toEqual([{ type: IOREQ_TYPE_PIO, addr: 0x80, size: 1, value: 0x42n }]);
  });

  it('skips and counts corrupt slots without throwing', () => {
    const ring = BufferedRing.create();
    const w = u32(ring);
    ring.tryPush(IOREQ_TYPE_PIO, 0x70, 1, 1);
    ring.tryPush(IOREQ_TYPE_PIO, 0x71, 1, 2); // will become a read
    ring.tryPush(IOREQ_TYPE_PIO, 0x72, 1, 3); // will get type 5
    ring.tryPush(IOREQ_TYPE_PIO, 0x73, 1, 4);
    w[2 + 1 * 2] = w[2 + 1 * 2]! | (1 << 9);
    w[2 + 2 * 2] = (w[2 + 2 * 2]! & ~0xff) | 5;
    expect(drainAll(ring).map((s) => s.addr)).toEqual([0x70, 0x73]);
    expect(ring.corruptSlots).toBe(2);

    // An 8-byte header with only one slot published.
    w[2 + 4 * 2] = IOREQ_TYPE_PIO | (3 << 10);
    w[1] = 5;
    expect(drainAll(ring)).toEqual([]);
    expect(ring.corruptSlots).toBe(3);
    ring.tryPush(IOREQ_TYPE_PIO, 0x74, 1, 5);
    expect(drainAll(ring).map((s) => s.addr)).toEqual([0x74]);

    // Pointers further apart than the ring is long: nothing between them is trusted.
    w[1] = w[0]! + 1000;
    expect(drainAll(ring)).toEqual([]);
    expect(ring.corruptSlots).toBe(4);
    expect(ring.pending()).toBe(0);
  });

  it('consumes a write even if the handler throws', () => {
    const ring = BufferedRing.create();
    ring.tryPush(IOREQ_TYPE_PIO, 1, 1, 1);
    ring.tryPush(IOREQ_TYPE_PIO, 2, 1, 2);
    expect(() => ring.drain(() => { throw new Error('device bug'); })).toThrow('device bug');
    expect(drainAll(ring).map((s) => s.addr)).toEqual([2]);
  });

  it('stays in order against a producer on another thread (canonicalisation races included)', async () => {
    const ring = BufferedRing.create();
    const count = 60_000;
    const worker = startWorker('shared-mem-buffered-producer', { sab: ring.buffer, count });
    const gone = exited(worker); // listen now: the worker ends right after its last message
    let finished = false;
    let failure: unknown = null;
    const done = nextMessage(worker, (m): m is { done: true; fullRetries: number } => (m as { done?: boolean }).done === true, 30_000);
    done.then(() => (finished = true), (e: unknown) => (failure = e));
    let expected = 0;
    const errors: string[] = [];
    const check = (_type: number, addr: number, size: AccessSize, value: bigint): void => {
      const wide = expected % 3 === 0;
      const want = wide ? (BigInt(expected) << 32n) | BigInt(expected) : BigInt(expected);
      if ((addr !== (expected & 0xfffff) || size !== (wide ? 8 : 4) || value !== want) && errors.length < 5) {
        errors.push(`#${expected}: addr ${addr} size ${size} value ${value}`);
      }
      expected++;
    };
    while (failure === null && !(finished && ring.pending() === 0)) {
      ring.drain(check);
      await new Promise((r) => setImmediate(r));
    }
    if (failure !== null) throw failure;
    await gone;
    expect(errors).toEqual([]);
    expect(expected).toBe(count);
    expect(ring.corruptSlots).toBe(0);
  });
});
