// The simulated platform's interrupt lines: each line is the wired-OR of its sources
// (several PCI functions may share a PIRQ line, as on a PC) and the guest can wait for one.

import type { GuestIrqs } from './guest-bus.js';

export class SimInterruptController implements GuestIrqs {
  private readonly sources = new Map<number, Set<string>>();
  private readonly waiters = new Map<number, Set<() => void>>();
  /** Count of rising edges per line, for tests and statistics. */
  readonly raised = new Map<number, number>();

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

  level(line: number): boolean {
    return (this.sources.get(line)?.size ?? 0) > 0;
  }

  waitFor(line: number, timeoutMs: number): Promise<boolean> {
    if (this.level(line)) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      let set = this.waiters.get(line);
      if (!set) this.waiters.set(line, (set = new Set()));
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.waiters.get(line)?.delete(wake);
        resolve(this.level(line));
      }, timeoutMs);
      set.add(wake);
    });
  }
}
