// Requests that found the device's ring full wait here, in order, until the worker makes
// room. Everything the guest issues after a backlogged request must queue behind it (a read
// must see every write posted before it, and a write must not overtake a read issued before
// it), so callers use the ring directly only while the backlog is empty, and otherwise queue
// here and learn the slot their request finally took.
//
// The pump is a flag, not a cached promise: the pump may empty the backlog without ever
// awaiting (the worker freed slots between the caller's failed submit and the pump's retry),
// and a promise cached with `??=` around such a pump stays behind already settled, so the
// next backlog is never pumped and later reads overtake the stranded writes.

import type { Ioreq } from '../shared-mem/ioreq.js';

export interface BacklogTarget {
  /** Puts one request on the ring and returns its slot; -1 when the ring is full. */
  submit(req: Ioreq, posted: boolean): number;
  /** False once the incarnation is gone: the backlog is dropped (an absent device). */
  alive(): boolean;
  /** Resolves when it is worth trying again (the worker had a chance to take slots). */
  yieldToWorker(): Promise<void>;
}

export class RingBacklog {
  private queue: { req: Ioreq; posted: boolean; placed: (slot: number) => void }[] = [];
  private pumping = false;
  private waiters: (() => void)[] = [];

  constructor(private readonly target: BacklogTarget) {}

  get length(): number {
    return this.queue.length;
  }

  /** Queues a request behind the others; resolves with its ring slot once it is on the
   *  ring, or with -1 if the device went away first. */
  push(req: Ioreq, posted: boolean): Promise<number> {
    return new Promise<number>((placed) => {
      this.queue.push({ req, posted, placed });
      this.pump();
    });
  }

  /** Resolves once every request queued so far is on the ring (or was dropped). */
  drained(): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.waiters.push(resolve));
    this.pump();
    return done;
  }

  /** The device went away: nothing queued will ever run. */
  clear(): void {
    this.dropAll();
    this.release();
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    void this.run();
  }

  private async run(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        if (!this.target.alive()) {
          this.dropAll();
          break;
        }
        const head = this.queue[0]!;
        const slot = this.target.submit(head.req, head.posted);
        if (slot >= 0) {
          this.queue.shift();
          head.placed(slot);
        } else {
          await this.target.yieldToWorker();
        }
      }
    } finally {
      this.pumping = false;
      this.release();
    }
  }

  private dropAll(): void {
    const dropped = this.queue;
    this.queue = [];
    for (const entry of dropped) entry.placed(-1);
  }

  private release(): void {
    if (this.queue.length > 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
