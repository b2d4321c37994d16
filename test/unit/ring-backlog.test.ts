// The backlog that keeps requests in the guest's order while the device's ring is full
// (src/host/ring-backlog.ts). A fake ring with a scripted number of free slots stands in for
// the worker, so every interleaving below is deterministic.

import { describe, expect, it } from 'vitest';
import { RingBacklog, type BacklogTarget } from '../../src/host/ring-backlog.js';
import type { Ioreq } from '../../src/shared-mem/ioreq.js';

function req(data: number): Ioreq {
  return { addr: 0n, data: BigInt(data), count: 1, size: 1, space: 0, dataIsPtr: false, dir: 'write', df: false, type: 0 };
}

class FakeRing implements BacklogTarget {
  readonly accepted: number[] = [];
  free = 0;
  up = true;
  yields = 0;
  submit(r: Ioreq): number {
    if (this.free <= 0) return -1;
    this.free--;
    this.accepted.push(Number(r.data));
    return this.accepted.length - 1;
  }
  alive(): boolean {
    return this.up;
  }
  async yieldToWorker(): Promise<void> {
    this.yields++;
    await new Promise<void>((r) => setImmediate(r));
  }
}

describe('ring backlog', () => {
  it('places requests on the ring in the order they were queued, as slots free up', async () => {
    const ring = new FakeRing();
    const backlog = new RingBacklog(ring);
    const slots = [1, 2, 3, 4, 5].map((n) => backlog.push(req(n), true));
    expect(backlog.length).toBe(5);
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((r) => setImmediate(r));
      ring.free = 1;
    }
    expect(await Promise.all(slots)).toEqual([0, 1, 2, 3, 4]);
    expect(ring.accepted).toEqual([1, 2, 3, 4, 5]);
    expect(backlog.length).toBe(0);
  });

  it('keeps pumping after a pump that emptied the backlog without ever waiting', { timeout: 5000 }, async () => {
    // The race CI hit: the worker freed a slot between the caller's failed submit and the
    // pump's first retry, so the pump finished synchronously. The next backlog must still
    // be pumped, or a later read overtakes the writes stranded in it.
    const ring = new FakeRing();
    const backlog = new RingBacklog(ring);
    ring.free = 1;
    expect(await backlog.push(req(1), true)).toBe(0);
    const second = backlog.push(req(2), true);
    const drained = backlog.drained();
    setTimeout(() => (ring.free = 1), 5);
    await drained;
    expect(await second).toBe(1);
    expect(ring.accepted).toEqual([1, 2]);
  });

  it('drained() waits for everything queued before it and is immediate when empty', async () => {
    const ring = new FakeRing();
    const backlog = new RingBacklog(ring);
    await backlog.drained();
    void backlog.push(req(7), true);
    void backlog.push(req(8), true);
    let done = false;
    const drained = backlog.drained().then(() => (done = true));
    await new Promise<void>((r) => setImmediate(r));
    expect(done).toBe(false);
    ring.free = 1;
    await new Promise<void>((r) => setTimeout(r, 5));
    expect(done).toBe(false);
    expect(ring.accepted).toEqual([7]);
    ring.free = 1;
    await drained;
    expect(ring.accepted).toEqual([7, 8]);
  });

  it('answers -1 for everything queued when the device goes away, and releases waiters', async () => {
    const ring = new FakeRing();
    const backlog = new RingBacklog(ring);
    const a = backlog.push(req(1), false);
    const b = backlog.push(req(2), true);
    const drained = backlog.drained();
    await new Promise<void>((r) => setImmediate(r));
    backlog.clear();
    expect(await Promise.all([a, b])).toEqual([-1, -1]);
    await drained;
    expect(ring.accepted).toEqual([]);

    const c = backlog.push(req(3), true);
    ring.up = false;
    expect(await c).toBe(-1);
    expect(backlog.length).toBe(0);
  });
});
