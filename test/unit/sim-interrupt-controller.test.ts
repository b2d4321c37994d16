// The sim's interrupt controller with sources that report changes only when sampled or
// while a wait is armed (what DeviceHost.deliverIrqsOnDemand does): a waiting guest must be
// woken by a change that comes at any time before its deadline, also after the source's
// shorter armed waits ran out, and a change must be visible to level() without waiting.

import { describe, expect, it } from 'vitest';
import { SimInterruptController, type IrqSource } from '../../src/host/transports/sim/interrupt-controller.js';
import { WAIT_ONLY_POLICY } from '../../src/shared-mem/request-ring.js';

const LINE = 14;
/** Like DeviceHost's IRQ_WAIT_SLICE_MS, but short: every armed wait ends this soon. */
const SLICE_MS = 10;

/** A device whose line level only reaches the controller when sampled or while a wait is armed. */
class OnDemandSource implements IrqSource {
  private level = false;
  private reported = false;
  private armed: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  armedWaits = 0;

  constructor(private readonly pic: SimInterruptController) {}

  /** The device changes its line; nobody is told unless a wait is armed. */
  drive(level: boolean): void {
    this.level = level;
    this.wake?.();
  }

  poll(): void {
    if (this.level !== this.reported) {
      this.reported = this.level;
      this.pic.set(LINE, 'dev', this.level);
    }
  }

  waitChange(timeoutMs: number): Promise<void> {
    this.armed ??= new Promise<void>((resolve) => {
      this.armedWaits++;
      const timer = setTimeout(done, Math.min(timeoutMs, SLICE_MS));
      const self = this;
      function done(): void {
        clearTimeout(timer);
        self.wake = null;
        self.armed = null;
        self.poll();
        resolve();
      }
      this.wake = done;
    });
    return this.armed;
  }
}

describe('SimInterruptController with on-demand sources', () => {
  it('level() samples the sources: a change is visible at once', () => {
    const pic = new SimInterruptController(WAIT_ONLY_POLICY);
    const dev = new OnDemandSource(pic);
    pic.addSource(dev);
    expect(pic.level(LINE)).toBe(false);
    dev.drive(true);
    expect(pic.level(LINE)).toBe(true);
    dev.drive(false);
    expect(pic.level(LINE)).toBe(false);
  });

  it('wakes a waiter for a change long after the first armed waits ran out', async () => {
    const pic = new SimInterruptController(WAIT_ONLY_POLICY);
    const dev = new OnDemandSource(pic);
    pic.addSource(dev);
    // A guest waits far longer than one armed wait lasts; the change comes after several
    // slices. Without re-arming, nothing would report it before the 60 s deadline and the
    // test would time out.
    const fired = pic.waitFor(LINE, 60_000);
    await new Promise((r) => setTimeout(r, 5 * SLICE_MS));
    expect(dev.armedWaits).toBeGreaterThan(1);
    dev.drive(true);
    expect(await fired).toBe(true);
  });

  it('a waiter that times out reports the sampled level, not a stale one', async () => {
    const pic = new SimInterruptController(WAIT_ONLY_POLICY);
    const dev = new OnDemandSource(pic);
    pic.addSource(dev);
    expect(await pic.waitFor(LINE, 2 * SLICE_MS)).toBe(false);
    dev.drive(true);
    expect(await pic.waitFor(LINE, 2 * SLICE_MS)).toBe(true);
  });
});
