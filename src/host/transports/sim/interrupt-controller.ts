// The simulated platform's interrupt lines: each line is the wired-OR of its sources
// (several PCI functions may share a PIRQ line, as on a PC) and the guest can wait for one.
//
// Sources report level changes through set(). A device host learns of its worker's changes
// either from a task its event loop runs when it is woken (slow: a thread wake-up, tens of µs
// here) or by sampling the worker's shared interrupt lines (a memory load). Such sources
// register a poller; a guest that waits for a line samples them first, then keeps sampling,
// one event-loop turn at a time, for as long as its adaptive budget says an interrupt has been
// coming that soon, and only then sleeps until set() wakes it.

import { SpinBudget, type WaitPolicy } from '../../../shared-mem/doorbell.js';
import type { GuestIrqs } from './guest-bus.js';

/**
 * Longest a waiting guest polls for its interrupt before sleeping. It covers a 1 MiB transfer
 * through the page cache (0.2-0.6 ms on the development VM); longer transfers (O_DIRECT to a
 * disk, 2-3 ms) teach the budget to stop polling. docs/performance.md has the measurements.
 */
export const IRQ_POLL_MAX_NS = 1_000_000;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export class SimInterruptController implements GuestIrqs {
  private readonly sources = new Map<number, Set<string>>();
  private readonly waiters = new Map<number, Set<() => void>>();
  private readonly pollers: (() => void)[] = [];
  private readonly pollBudget = new SpinBudget();
  private readonly pollPolicy: WaitPolicy;
  /** Count of rising edges per line, for tests and statistics. */
  readonly raised = new Map<number, number>();

  /** `policy` is the machine's wait policy: 'wait' never polls, 'spin' polls until the timeout. */
  constructor(policy: WaitPolicy = { mode: 'adaptive', spinNs: IRQ_POLL_MAX_NS }) {
    this.pollPolicy = policy.mode === 'adaptive' ? { mode: 'adaptive', spinNs: IRQ_POLL_MAX_NS } : policy;
  }

  set(line: number, source: string, level: boolean): void {
    let set = this.sources.get(line);
    if (!set) this.sources.set(line, (set = new Set()));
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

  /** Registers a source that can report its pending changes synchronously (through set()). */
  addPoller(poll: () => void): void {
    this.pollers.push(poll);
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
    return (this.sources.get(line)?.size ?? 0) > 0;
  }

  private poll(): void {
    for (const p of this.pollers) p();
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
    const remaining = start + timeoutMs - performance.now();
    const fired = await this.sleep(line, remaining);
    if (fired) this.pollBudget.onSlept(this.pollPolicy, (performance.now() - start) * 1e6);
    else this.pollBudget.onTimeout(this.pollPolicy);
    return fired;
  }

  private sleep(line: number, timeoutMs: number): Promise<boolean> {
    if (this.asserted(line)) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      let set = this.waiters.get(line);
      if (!set) this.waiters.set(line, (set = new Set()));
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.waiters.get(line)?.delete(wake);
        resolve(this.asserted(line));
      }, Math.max(0, timeoutMs));
      set.add(wake);
    });
  }
}
