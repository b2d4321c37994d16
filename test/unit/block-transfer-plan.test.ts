// The O_DIRECT planner: whatever the segments, the kernel only ever sees whole, aligned blocks,
// the bytes reach the file in command order, and the bounce buffer never exceeds its capacity.

import { describe, expect, it } from 'vitest';
import {
  bounceBytesNeeded, planBufferedTransfer, planDirectTransfer,
  type AlignmentRule, type TransferPlan,
} from '../../src/backends/block/transfer-plan.js';

const BLOCK = 512;

/** Marks a view direct-capable when its byteOffset is a multiple of 4096 and its length of 512. */
const pageRule: AlignmentRule = {
  blockBytes: BLOCK,
  isDirectCapable: (view) => view.byteOffset % 4096 === 0 && view.byteLength % BLOCK === 0,
};

/** Small deterministic PRNG (mulberry32) so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Executes a plan as a write would, into a fake file, and lists every rule the kernel would see
 * broken: a buffer that is not whole blocks, a misaligned file offset, a direct view the rule
 * does not accept, a copy beyond the bounce capacity, passes out of order.
 */
function simulateWrite(plan: TransferPlan, rule: AlignmentRule, capacity: number): { file: Uint8Array; problems: string[] } {
  const total = plan.passes.reduce((sum, pass) => sum + pass.byteLength, 0);
  const file = new Uint8Array(total);
  const bounce = new Uint8Array(capacity);
  const problems: string[] = [];
  let expectedOffset = 0;
  for (const [index, pass] of plan.passes.entries()) {
    if (pass.commandOffset !== expectedOffset) problems.push(`pass ${index} starts at ${pass.commandOffset}, not ${expectedOffset}`);
    bounce.fill(0xee);
    for (const copy of pass.copies) {
      if (copy.bounceOffset + copy.view.byteLength > capacity) problems.push(`pass ${index}: copy beyond the bounce capacity`);
      bounce.set(copy.view.subarray(0, Math.max(0, capacity - copy.bounceOffset)), copy.bounceOffset);
    }
    let at = pass.commandOffset;
    for (const buffer of pass.buffers) {
      const bytes = buffer.kind === 'direct' ? buffer.view : bounce.subarray(buffer.bounceOffset, buffer.bounceOffset + buffer.byteLength);
      if (bytes.byteLength % BLOCK !== 0) problems.push(`pass ${index}: ${bytes.byteLength}-byte buffer`);
      if (at % BLOCK !== 0) problems.push(`pass ${index}: buffer at file offset ${at}`);
      if (buffer.kind === 'direct' && !rule.isDirectCapable(buffer.view)) problems.push(`pass ${index}: misaligned direct view`);
      file.set(bytes.subarray(0, Math.max(0, total - at)), at);
      at += bytes.byteLength;
    }
    if (at - pass.commandOffset !== pass.byteLength) problems.push(`pass ${index}: buffers hold ${at - pass.commandOffset} bytes, not ${pass.byteLength}`);
    expectedOffset += pass.byteLength;
  }
  return { file, problems };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** Runs simulateWrite and expects no broken rule and the segments' bytes in order in the file. */
function expectFaithful(plan: TransferPlan, segments: readonly Uint8Array[], rule: AlignmentRule, capacity: number): void {
  const { file, problems } = simulateWrite(plan, rule, capacity);
  expect(problems).toEqual([]);
  expect(sameBytes(file, concat(segments))).toBe(true);
}

function concat(views: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(views.reduce((sum, v) => sum + v.byteLength, 0));
  let at = 0;
  for (const view of views) { out.set(view, at); at += view.byteLength; }
  return out;
}

function patterned(bytes: number, seed: number): ArrayBuffer {
  const buffer = new ArrayBuffer(bytes);
  const random = prng(seed);
  const view = new Uint8Array(buffer);
  for (let i = 0; i < bytes; i++) view[i] = Math.floor(random() * 256);
  return buffer;
}

describe('planBufferedTransfer', () => {
  it('hands every non-empty segment to the kernel as it is, in one pass', () => {
    const ram = patterned(10_000, 1);
    const segments = [new Uint8Array(ram, 3, 7), new Uint8Array(ram, 100, 0), new Uint8Array(ram, 500, 1234)];
    const plan = planBufferedTransfer(segments);
    expect(plan.passes).toHaveLength(1);
    expect(plan.passes[0]!.buffers.map((b) => (b.kind === 'direct' ? b.view : null))).toEqual([segments[0], segments[2]]);
    expect(plan.bouncedSegments).toBe(0);
    expect(bounceBytesNeeded(plan)).toBe(0);
  });
});

describe('planDirectTransfer', () => {
  it('sends aligned segments straight and packs misaligned ones into the bounce buffer', () => {
    const ram = patterned(1 << 20, 2);
    const segments = [
      new Uint8Array(ram, 0, 8192),        // direct
      new Uint8Array(ram, 20_000, 1000),   // bounced, opens a run of 1000
      new Uint8Array(ram, 40_960, 4096),   // aligned, but the run is open: joins it (5096)
      new Uint8Array(ram, 70_001, 24),     // closes it at 5120 = 10 blocks
      new Uint8Array(ram, 81_920, 4096),   // direct again
    ];
    const plan = planDirectTransfer(segments, pageRule, 1 << 20);
    expect(plan.passes).toHaveLength(1);
    expect(plan.passes[0]!.buffers.map((b) => b.kind)).toEqual(['direct', 'bounce', 'direct']);
    expect(plan.bouncedSegments).toBe(3);
    expect(plan.directSegments).toBe(2);
    expect(bounceBytesNeeded(plan)).toBe(5120);
    expectFaithful(plan, segments, pageRule, 1 << 20);
  });

  it('cuts a command that needs more bounce space than there is into passes', () => {
    const ram = patterned(4 << 20, 3);
    const segments = [new Uint8Array(ram, 16, (3 << 20) + 512), new Uint8Array(ram, 3 << 20 | 4096 * 64, 65536)];
    const capacity = 1 << 20;
    const plan = planDirectTransfer(segments, pageRule, capacity);
    expect(plan.passes.length).toBe(4);
    expect(bounceBytesNeeded(plan)).toBe(capacity);
    expectFaithful(plan, segments, pageRule, capacity);
  });

  it('refuses a bounce capacity that is not whole blocks', () => {
    expect(() => planDirectTransfer([], pageRule, 1000)).toThrow(RangeError);
  });

  it('keeps every invariant for random segment lists (1000 cases)', () => {
    const random = prng(20240607);
    const ram = patterned(1 << 20, 4);
    for (let round = 0; round < 1000; round++) {
      const segments: Uint8Array[] = [];
      let total = 0;
      const count = 1 + Math.floor(random() * 12);
      for (let i = 0; i < count; i++) {
        const aligned = random() < 0.5;
        const length = aligned ? BLOCK * Math.floor(random() * 20) : Math.floor(random() * 3000);
        const offset = aligned ? 4096 * Math.floor(random() * 128) : Math.floor(random() * 500_000);
        segments.push(new Uint8Array(ram, offset, length));
        total += length;
      }
      const pad = (BLOCK - (total % BLOCK)) % BLOCK;
      if (pad > 0) segments.push(new Uint8Array(ram, 7, pad));
      const capacity = BLOCK * (1 + Math.floor(random() * 16));
      const plan = planDirectTransfer(segments, pageRule, capacity);
      expectFaithful(plan, segments, pageRule, capacity);
      expect(plan.bouncedSegments + plan.directSegments).toBe(segments.filter((s) => s.byteLength > 0).length);
    }
  });
});
