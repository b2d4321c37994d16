// The adaptive doorbell: how one thread tells another "look at the shared memory now".
//
// A hand-off between two threads that are both awake costs well under a microsecond (the reader
// spins on a word); one through Atomics.wait/notify costs tens of microseconds (a futex wake
// plus a scheduler round trip), see bench/ring-roundtrip.ts. So a waiter first spins for a short,
// bounded budget and only then sleeps. Sleeping is only cheap if the ringer skips the notify
// syscall when nobody sleeps, hence a `sleepers` word next to the sequence word.
//
// The budget adapts, like KVM's halt polling (virt/kvm/kvm_main.c, grow/shrink of
// halt_poll_ns): after a sleep that a longer spin could have avoided (the event came within the
// policy's maximum), the budget grows; after a sleep that no allowed spin could have avoided
// (a long idle gap), it shrinks towards 0. A device that is idle but pinged now and then thus
// stops spinning altogether, and one in a burst of requests spins and answers in microseconds.
// To judge "could have avoided", the ringer stamps the time when it notifies a sleeper, so the
// waiter measures the gap itself rather than gap + its own wake-up latency.
//
// Only SharedArrayBuffer, Atomics and `performance` are used: the same code runs in Node
// worker_threads and browser Web Workers. `performance.timeOrigin + performance.now()` is the
// shared monotonic clock of the HR-Time spec, comparable between threads.

import { waitAsync, type WaitOutcome } from './wait-async.js';

export type WaitMode = 'spin' | 'wait' | 'adaptive';

/**
 * How to wait. 'adaptive': spin up to `spinNs` (the budget adapts within it), then sleep.
 * 'wait': sleep at once. 'spin': spin until the event or the timeout (at most SPIN_MODE_CEILING_MS
 * per wait): burns a core, for benchmarks only.
 */
export interface WaitPolicy {
  readonly mode: WaitMode;
  readonly spinNs: number;
}

/**
 * Maximum spin of the adaptive policy: 50 µs. Chosen with bench/ring-roundtrip.ts on the 2-core
 * development VM (Node 20), which other builds were sharing (load average 4-5 during the runs,
 * so wake-ups were slow: first request of a burst, p50 55-95 µs). Bursts of 16 round trips
 * 1 ms apart, best of 2 rounds of 250 bursts; round trip mean / p50, and worker CPU per request:
 *   max spin   0 µs: 51.5 / 34.8 µs, 22.2 µs CPU       20 µs: 33.3 /  5.6 µs, 13.7 µs CPU
 *              1 µs: 51.0 / 28.9 µs, 17.0 µs CPU       50 µs: 34.1 / 17.3 µs, 14.4 µs CPU
 *              5 µs: 44.7 / 24.9 µs, 17.4 µs CPU      100 µs: 35.6 / 17.3 µs, 15.2 µs CPU
 *                                                     200 µs: 18.4 /  2.9 µs, 11.0 µs CPU
 * Budgets under ~20 µs cannot bridge a peer's wake-up and behave like plain waiting. From
 * 20 µs up, bursts run at spinning speed for longer stretches, and the spinning even costs the
 * worker less CPU than the wake-ups it saves (a wake-up costs ~100 µs of CPU on this VM).
 * Between 20 and 200 µs the runs disagree from one to the next (the p50 flips with the load).
 * 50 µs covers a wake-up on a machine that is not saturated while bounding how long a spin can
 * hold the host's event loop. Idle with a ping every 5 ms, 4 x 2 s: adaptive worker CPU
 * 1.02-1.07x plain wait (the budget reaches 0 after three pings). Back-to-back in spin mode:
 * p50 1.7-1.9 µs, p99 3-5 µs.
 */
export const DEFAULT_SPIN_NS = 50_000;

export const DEFAULT_WAIT_POLICY: WaitPolicy = Object.freeze({ mode: 'adaptive', spinNs: DEFAULT_SPIN_NS });
export const WAIT_ONLY_POLICY: WaitPolicy = Object.freeze({ mode: 'wait', spinNs: 0 });
export const SPIN_POLICY: WaitPolicy = Object.freeze({ mode: 'spin', spinNs: 0 });

/** A 'spin' waiter falls back to sleeping after this long, so a dead peer cannot pin a core
 *  (or a host event loop) forever. */
export const SPIN_MODE_CEILING_MS = 1000;

/** Smallest non-zero budget of an adaptive waiter that learned spinning would pay; halving
 *  below it goes to 0. */
export const SPIN_GROW_START_NS = 4_000;
/** A grown budget covers the gap that was missed times this. */
export const SPIN_GROW_MARGIN = 1.5;
/** After this many spins in a row that ended in sleeping anyway, stop spinning for a while... */
export const SPIN_MISS_STREAK_LIMIT = 4;
/** ...for this many waits, then try again. */
export const SPIN_COOLDOWN_WAITS = 64;

/** Checks of the condition between two clock reads while spinning (a clock read costs ~30 ns,
 *  an Atomics.load a few). */
const CHECKS_PER_CLOCK_READ = 16;

/** Milliseconds on the clock every thread shares. */
export function sharedClockMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Low 32 bits of the shared clock in microseconds: fits an Int32 word, differences are exact
 *  for gaps up to 35 minutes. */
function stampNow(): number {
  return Math.floor((sharedClockMs() * 1000) % 4294967296) | 0;
}

/**
 * What a waiter waits for. An object rather than a closure: waits are on the hot path, and a
 * class instance is cheaper to make than a closure (notably under tsx/esbuild, whose keepNames
 * helper defines a `name` property on every closure it creates).
 */
export interface WaitCondition {
  ready(): boolean;
}

/** Spins until `cond.ready()` or `budgetNs` elapsed since `from` (performance.now() ms). True if
 *  ready. */
export function spinUntil(cond: WaitCondition, budgetNs: number, from: number = performance.now()): boolean {
  if (cond.ready()) return true;
  if (!(budgetNs > 0)) return false;
  const deadline = from + budgetNs / 1e6;
  for (;;) {
    for (let i = 0; i < CHECKS_PER_CLOCK_READ; i++) {
      if (cond.ready()) return true;
    }
    if (performance.now() >= deadline) return cond.ready();
  }
}

/**
 * The per-waiter adaptive spin budget (one per waiting side of a ring).
 *
 * Besides growing and shrinking with the gaps it sees, it backs off when spinning keeps failing:
 * on an oversubscribed machine the peer thread may only get a CPU once this one stops spinning,
 * so the peer's answer always comes just after the spin ends, which looks like "a slightly
 * longer spin would have paid" and would keep the budget at its maximum while every spin is
 * wasted (measured: p50 rose to about the budget plus a wake-up, worse than never spinning).
 * SPIN_MISS_STREAK_LIMIT misses in a row switch spinning off for SPIN_COOLDOWN_WAITS waits.
 */
export class SpinBudget {
  /** Current budget; -1 until the first wait, which starts optimistic at the policy maximum. */
  private currentNs = -1;
  private missStreak = 0;
  private cooldownWaits = 0;
  /** The wait in progress was given a non-zero spin. */
  private spinning = false;

  /** What to spin for this wait. */
  spinNs(policy: WaitPolicy, timeoutMs: number): number {
    switch (policy.mode) {
      case 'wait':
        return 0;
      case 'spin':
        return Math.min(timeoutMs, SPIN_MODE_CEILING_MS) * 1e6;
      case 'adaptive': {
        const max = Math.max(0, policy.spinNs);
        if (this.currentNs < 0 || this.currentNs > max) this.currentNs = max;
        if (this.cooldownWaits > 0) {
          this.cooldownWaits--;
          this.spinning = false;
          return 0;
        }
        this.spinning = this.currentNs > 0;
        return this.currentNs;
      }
    }
  }

  /** The event came while spinning (or before the wait began). */
  onSpinHit(): void {
    this.missStreak = 0;
    this.spinning = false;
  }

  /** The waiter slept and the event came `gapNs` after it started waiting. */
  onSlept(policy: WaitPolicy, gapNs: number): void {
    if (policy.mode !== 'adaptive') return;
    if (this.spinning) {
      this.spinning = false;
      if (++this.missStreak >= SPIN_MISS_STREAK_LIMIT) {
        this.missStreak = 0;
        this.cooldownWaits = SPIN_COOLDOWN_WAITS;
      }
    }
    const max = Math.max(0, policy.spinNs);
    if (gapNs <= max) {
      // A longer spin would have caught it, and we know how much longer: cover the gap with
      // a margin at once (or double, whichever is more), so that one miss is enough to get
      // back to spinning when traffic resumes.
      const wanted = Math.max(SPIN_GROW_START_NS, this.currentNs * 2, gapNs * SPIN_GROW_MARGIN);
      this.currentNs = Math.min(max, wanted);
    } else {
      this.shrink();
    }
  }

  /** The wait timed out: the longest gap there is (an idle device, not a failing spin). */
  onTimeout(policy: WaitPolicy): void {
    this.spinning = false;
    if (policy.mode === 'adaptive') this.shrink();
  }

  /** For tests and statistics. */
  get current(): number {
    return this.currentNs;
  }

  private shrink(): void {
    const half = this.currentNs / 2;
    this.currentNs = half < SPIN_GROW_START_NS ? 0 : half;
  }
}

/**
 * A doorbell over three Int32 words of a shared buffer: `seq` (bumped per ring, the word
 * waiters sleep on), `sleepers` (how many waiters are asleep or about to be), `stamp` (shared
 * clock in µs when the last notify was sent).
 *
 * No lost wake-ups: a waiter reads seq, checks its condition, increments sleepers, re-checks,
 * then sleeps only while seq is unchanged; a ringer publishes its data, bumps seq, then reads
 * sleepers. All sequentially consistent, so either the ringer sees the sleeper and notifies, or
 * the waiter's futex check sees the new seq.
 */
export class Doorbell {
  constructor(
    private readonly words: Int32Array,
    private readonly seqIndex: number,
    private readonly sleepersIndex: number,
    private readonly stampIndex: number,
  ) {}

  /** Publish: call after the data the waiter looks at is written. True if a waiter was asleep
   *  (and had to be woken: it will take a futex wake-up before it acts). */
  ring(): boolean {
    Atomics.add(this.words, this.seqIndex, 1);
    if (Atomics.load(this.words, this.sleepersIndex) === 0) return false;
    Atomics.store(this.words, this.stampIndex, stampNow());
    Atomics.notify(this.words, this.seqIndex);
    return true;
  }

  /** Wakes every sleeper without publishing anything (they re-check their conditions). */
  wakeAll(): void {
    Atomics.add(this.words, this.seqIndex, 1);
    Atomics.notify(this.words, this.seqIndex);
  }

  get sequence(): number {
    return Atomics.load(this.words, this.seqIndex);
  }

  get sleepers(): number {
    return Atomics.load(this.words, this.sleepersIndex);
  }

  /**
   * Phase 1 of a wait: spin for the policy's budget. Returns -1 if `cond.ready()` came true (no
   * sleep needed), otherwise the time the wait began (performance.now() ms), to hand to
   * sleepUntil / sleepUntilAsync. Split out so that a caller whose answer usually arrives
   * within the spin can stay synchronous (no promise machinery on the fast path).
   */
  spin(cond: WaitCondition, policy: WaitPolicy, timeoutMs: number, budget: SpinBudget): number {
    if (cond.ready()) return -1;
    const start = performance.now();
    if (spinUntil(cond, budget.spinNs(policy, timeoutMs), start)) {
      budget.onSpinHit();
      return -1;
    }
    return start;
  }

  /** Phase 2: blocks the thread in Atomics.wait until `cond.ready()` or `timeoutMs` after `start`
   *  (Infinity allowed). True if ready. */
  sleepUntil(cond: WaitCondition, policy: WaitPolicy, timeoutMs: number, budget: SpinBudget, start: number): boolean {
    const deadline = start + timeoutMs;
    let notified = false;
    for (;;) {
      const seq = Atomics.load(this.words, this.seqIndex);
      if (cond.ready()) break;
      const remaining = deadline - performance.now();
      if (remaining <= 0) {
        budget.onTimeout(policy);
        return false;
      }
      Atomics.add(this.words, this.sleepersIndex, 1);
      let outcome: WaitOutcome = 'not-equal';
      try {
        if (!cond.ready()) outcome = Atomics.wait(this.words, this.seqIndex, seq, remaining);
      } finally {
        Atomics.sub(this.words, this.sleepersIndex, 1);
      }
      if (outcome === 'ok') notified = true;
    }
    budget.onSlept(policy, this.gapNs(start, notified));
    return true;
  }

  /** Phase 2 with Atomics.waitAsync: the thread's event loop keeps running meanwhile. */
  async sleepUntilAsync(cond: WaitCondition, policy: WaitPolicy, timeoutMs: number, budget: SpinBudget, start: number): Promise<boolean> {
    const deadline = start + timeoutMs;
    let notified = false;
    for (;;) {
      const seq = Atomics.load(this.words, this.seqIndex);
      if (cond.ready()) break;
      const remaining = deadline - performance.now();
      if (remaining <= 0) {
        budget.onTimeout(policy);
        return false;
      }
      Atomics.add(this.words, this.sleepersIndex, 1);
      let outcome: WaitOutcome = 'not-equal';
      try {
        if (!cond.ready()) outcome = await waitAsync(this.words, this.seqIndex, seq, remaining);
      } finally {
        Atomics.sub(this.words, this.sleepersIndex, 1);
      }
      if (outcome === 'ok') notified = true;
    }
    budget.onSlept(policy, this.gapNs(start, notified));
    return true;
  }

  /** Blocks the calling thread until `cond.ready()` or `timeoutMs` (Infinity allowed). True if ready. */
  waitUntil(cond: WaitCondition, policy: WaitPolicy, timeoutMs: number, budget: SpinBudget): boolean {
    const start = this.spin(cond, policy, timeoutMs, budget);
    return start < 0 || this.sleepUntil(cond, policy, timeoutMs, budget, start);
  }

  /** Like waitUntil, but sleeps with Atomics.waitAsync: the thread's event loop keeps running. */
  waitUntilAsync(cond: WaitCondition, policy: WaitPolicy, timeoutMs: number, budget: SpinBudget): Promise<boolean> {
    const start = this.spin(cond, policy, timeoutMs, budget);
    return start < 0 ? Promise.resolve(true) : this.sleepUntilAsync(cond, policy, timeoutMs, budget, start);
  }

  /** How long after `start` (performance.now() ms) the awaited event happened: the ringer's
   *  stamp if it notified us (excludes our wake-up latency), otherwise our own measurement. */
  private gapNs(start: number, notified: boolean): number {
    const measuredNs = (performance.now() - start) * 1e6;
    if (!notified) return measuredNs;
    const startUs = Math.floor(((performance.timeOrigin + start) * 1000) % 4294967296) | 0;
    const gapUs = (Atomics.load(this.words, this.stampIndex) - startUs) | 0;
    return gapUs >= 0 && gapUs * 1000 <= measuredNs ? gapUs * 1000 : measuredNs;
  }
}
