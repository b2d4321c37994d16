// The simulated platform's interrupt lines: each line is the wired-OR of its sources
// (several PCI functions may share a PIRQ line, as on a PC) and the guest can wait for one.
//
// Sources report level changes through set(). A device host can learn of its worker's changes
// by sampling the worker's shared interrupt lines (a memory load) instead of keeping a watcher
// asleep on them (which costs the worker a futex wake per change). Such sources register with
// addSource: a guest that waits for a line samples them first, then keeps sampling, one
// event-loop turn at a time, for as long as its adaptive budget says an interrupt has been
// coming that soon, and only then sleeps, asking each source to wake it at its next change.

import { SpinBudget, type WaitPolicy } from '../../../shared-mem/doorbell.js';
import type { GuestIrqs } from './guest-bus.js';

/**
 * Longest a waiting guest polls for its interrupt before sleeping: 200 µs, like the device
 * worker's I/O poll (src/workers/common/io-poll.ts): interrupts that come that soon (a PIO
 * sector, a non-data command) are caught without a wake-up; a 1 MiB transfer takes longer,
 * and polling through it only takes a CPU from the threads doing the work
 * (docs/performance.md).
 */
export const IRQ_POLL_MAX_NS = 200_000;

/** Something that drives interrupt lines and reports its changes when asked. */
export interface IrqSource {
  /** Report (through set()) whatever changed since the last report. */
  poll(): void;
  /** Report the next change as soon as it happens (or give up after `timeoutMs`). */
  waitChange(timeoutMs: number): Promise<void>;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export class SimInterruptController implements GuestIrqs {
  private readonly lines = new Map<number, Set<string>>();
  private readonly waiters = new Map<number, Set<() => void>>();
  private readonly sources: IrqSource[] = [];
  private readonly pollBudget = new SpinBudget();
  private readonly pollPolicy: WaitPolicy;
  /** Count of rising edges per line, for tests and statistics. */
  readonly raised = new Map<number, number>();

  /** `policy` is the machine's wait policy: 'wait' never polls, 'spin' polls until the timeout. */
  constructor(policy: WaitPolicy = { mode: 'adaptive', spinNs: IRQ_POLL_MAX_NS }) {
    this.pollPolicy = policy.mode === 'adaptive' ? { mode: 'adaptive', spinNs: IRQ_POLL_MAX_NS } : policy;
  }

  set(line: number, source: string, level: boolean): void {
    let set = this.lines.get(line);
    if (!set) this.lines.set(line, (set = new Set()));
    const before = set.size > 0;
    if (level) set.add(source);
    else set.delete(source);
    if (!before && set.size > 0) {
      this.raised.set(line, (this.raised.get(line) ?? 0) + 1);
      const w = this.waiters.get(line);
      if (w) {
        this.waiters.delete(line);
        for (const wake of w) wake();
      }
    }
  }

  /** Registers a source that reports its changes when sampled (through set()). */
  addSource(source: IrqSource): void {
    this.sources.push(source);
  }

  level(line: number): boolean {
    this.poll();
    return this.asserted(line);
  }

  waitFor(line: number, timeoutMs: number): Promise<boolean> {
    if (this.level(line)) return Promise.resolve(true);
    return this.pollThenSleep(line, timeoutMs);
  }

  private asserted(line: number): boolean {
    return (this.lines.get(line)?.size ?? 0) > 0;
  }

  private poll(): void {
    for (const s of this.sources) s.poll();
  }

  private async pollThenSleep(line: number, timeoutMs: number): Promise<boolean> {
    const start = performance.now();
    const pollUntil = start + Math.min(timeoutMs, this.pollBudget.spinNs(this.pollPolicy, timeoutMs) / 1e6);
    while (performance.now() < pollUntil) {
      await yieldToEventLoop();
      if (this.level(line)) {
        this.pollBudget.onSpinHit();
        return true;
      }
    }
    // One more look: a turn that overran the budget (this thread preempted, say) may have
    // ended the loop after the interrupt came.
    if (this.level(line)) {
      this.pollBudget.onSlept(this.pollPolicy, (performance.now() - start) * 1e6);
      return true;
    }
    const remaining = start + timeoutMs - performance.now();
    const fired = await this.sleep(line, remaining);
    if (fired) this.pollBudget.onSlept(this.pollPolicy, (performance.now() - start) * 1e6);
    else this.pollBudget.onTimeout(this.pollPolicy);
    return fired;
  }

  private sleep(line: number, timeoutMs: number): Promise<boolean> {
    if (this.asserted(line)) return Promise.resolve(true);
    const until = performance.now() + Math.max(0, timeoutMs);
    let pending = true;
    const fired = new Promise<boolean>((resolve) => {
      let set = this.waiters.get(line);
      if (!set) this.waiters.set(line, (set = new Set()));
      const wake = () => {
        pending = false;
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        pending = false;
        this.waiters.get(line)?.delete(wake);
        resolve(this.level(line));
      }, Math.max(0, timeoutMs));
      set.add(wake);
    });
    // Keep every source armed until this wait ends: a source shares one armed wait among its
    // callers, which may end (at an earlier caller's deadline) before ours.
    for (const s of this.sources) {
      void (async () => {
        while (pending && performance.now() < until) await s.waitChange(until - performance.now());
      })();
    }
    return fired;
  }
}
