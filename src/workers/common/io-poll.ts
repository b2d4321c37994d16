// How long a device worker keeps polling (event-loop turns, checking its ring after each)
// while a backend call is in flight, before it sleeps until the completion or a request wakes
// it. Polling catches the completion the moment libuv delivers it; sleeping costs a thread
// wake-up (tens of µs here, DESIGN.md "Measured") on top of the transfer. Like the ring's
// adaptive doorbell (src/shared-mem/doorbell.ts) and KVM's halt polling, the budget learns:
// it grows to cover a transfer that a longer poll would have caught and shrinks after ones no
// allowed poll could catch, so a device whose transfers take milliseconds (O_DIRECT to a disk)
// stops burning a core on them.

import { SpinBudget, type WaitPolicy } from '../../shared-mem/doorbell.js';

/**
 * Longest poll of the adaptive policy: 200 µs. It catches the completions that come about as
 * fast as a wake-up would take (small transfers, a sector of PIO) and gives up on 1 MiB ones.
 * Polling is not free on a 2-vCPU machine: the libuv pool thread doing the copy needs a CPU
 * too, and a polling worker competes with it (and with the host thread). Measured with a
 * budget of 1 ms on this loaded VM, data phase of a 1 MiB page-cache read (Start to the
 * interrupt seen by the guest, median of 59): 1158-1392 µs polling vs 883-992 µs sleeping
 * (docs/performance.md).
 */
export const IO_POLL_MAX_NS = 200_000;

export class IoPoll {
  private readonly budget = new SpinBudget();
  private readonly policy: WaitPolicy;

  /** `devicePolicy` is the worker's wait policy: 'wait' never polls, 'spin' always does. */
  constructor(devicePolicy: WaitPolicy) {
    this.policy = devicePolicy.mode === 'adaptive' ? { mode: 'adaptive', spinNs: IO_POLL_MAX_NS } : devicePolicy;
  }

  /** How long to poll for this wait (ms), at most `timeoutMs`. */
  budgetMs(timeoutMs: number): number {
    return Math.min(timeoutMs, this.budget.spinNs(this.policy, timeoutMs) / 1e6);
  }

  /** The completion came while polling. */
  caught(): void {
    this.budget.onSpinHit();
  }

  /** The completion came `afterMs` into a wait that had stopped polling. */
  missed(afterMs: number): void {
    this.budget.onSlept(this.policy, afterMs * 1e6);
  }
}
