import { describe, expect, it } from 'vitest';
import {
  Doorbell,
  SPIN_COOLDOWN_WAITS,
  SPIN_GROW_MARGIN,
  SPIN_GROW_START_NS,
  SPIN_MISS_STREAK_LIMIT,
  SPIN_MODE_CEILING_MS,
  SpinBudget,
  spinUntil,
  type WaitPolicy,
} from '../../src/shared-mem/doorbell.js';

const adaptive = (spinNs: number): WaitPolicy => ({ mode: 'adaptive', spinNs });

describe('adaptive spin budget', () => {
  it('never spins in wait mode and spins up to the timeout (capped) in spin mode', () => {
    const b = new SpinBudget();
    expect(b.spinNs({ mode: 'wait', spinNs: 50_000 }, 100)).toBe(0);
    expect(b.spinNs({ mode: 'spin', spinNs: 0 }, 3)).toBe(3e6);
    expect(b.spinNs({ mode: 'spin', spinNs: 0 }, Number.POSITIVE_INFINITY)).toBe(SPIN_MODE_CEILING_MS * 1e6);
  });

  it('starts at the maximum, shrinks by halves to 0 after long gaps, grows back to cover missed gaps', () => {
    const b = new SpinBudget();
    const p = adaptive(20_000);
    expect(b.spinNs(p, 1000)).toBe(20_000);
    b.onSlept(p, 5_000_000); // 5 ms idle: no allowed spin would have helped
    expect(b.current).toBe(10_000);
    b.onSlept(p, 5_000_000);
    expect(b.current).toBe(5_000);
    b.onTimeout(p);
    expect(b.current).toBe(0); // 2.5 µs is below the smallest useful budget
    b.onSlept(p, 1_000); // would have been caught by a 1 µs spin
    expect(b.current).toBe(SPIN_GROW_START_NS);
    b.onSlept(p, 2_000); // doubling covers it
    expect(b.current).toBe(2 * SPIN_GROW_START_NS);
    b.onSlept(p, 12_000); // more than doubling: jump to the gap plus margin
    expect(b.current).toBe(12_000 * SPIN_GROW_MARGIN);
    b.onSlept(p, 18_000);
    expect(b.current).toBe(20_000); // capped at the policy maximum
  });

  it('respects a maximum below the growth start, and a policy that lowers its maximum', () => {
    const b = new SpinBudget();
    b.spinNs(adaptive(1_000), 1);
    b.onSlept(adaptive(1_000), 5_000_000);
    expect(b.spinNs(adaptive(1_000), 1)).toBe(0);
    b.onSlept(adaptive(1_000), 500);
    expect(b.spinNs(adaptive(1_000), 1)).toBe(1_000);
    const c = new SpinBudget();
    expect(c.spinNs(adaptive(200_000), 1)).toBe(200_000);
    expect(c.spinNs(adaptive(5_000), 1)).toBe(5_000);
    b.onSlept({ mode: 'wait', spinNs: 0 }, 1); // other modes do not train the budget
    expect(b.spinNs(adaptive(1_000), 1)).toBe(1_000);
  });
});

describe('adaptive spin budget, back-off', () => {
  it('stops spinning after a streak of spins that missed, then tries again', () => {
    const b = new SpinBudget();
    const p = adaptive(50_000);
    for (let i = 0; i < SPIN_MISS_STREAK_LIMIT; i++) {
      expect(b.spinNs(p, 1000)).toBe(50_000);
      b.onSlept(p, 40_000); // just after the spin gave up: "longer would have paid", yet it missed
    }
    for (let i = 0; i < SPIN_COOLDOWN_WAITS; i++) {
      expect(b.spinNs(p, 1000)).toBe(0);
      b.onSlept(p, 40_000);
    }
    expect(b.spinNs(p, 1000)).toBe(50_000);
  });

  it('forgets a streak on a hit', () => {
    const b = new SpinBudget();
    const p = adaptive(50_000);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < SPIN_MISS_STREAK_LIMIT - 1; i++) {
        b.spinNs(p, 1000);
        b.onSlept(p, 40_000);
      }
      b.spinNs(p, 1000);
      b.onSpinHit();
    }
    expect(b.spinNs(p, 1000)).toBe(50_000);
  });
});

describe('spinUntil', () => {
  it('returns as soon as the condition holds', () => {
    let calls = 0;
    expect(spinUntil({ ready: () => ++calls === 100 }, 1e9)).toBe(true);
    expect(calls).toBe(100);
  });

  it('gives up after its budget, and does not spin with none', () => {
    let calls = 0;
    expect(spinUntil({ ready: () => (calls++, false) }, 0)).toBe(false);
    expect(calls).toBe(1);
    expect(spinUntil({ ready: () => false }, 50_000)).toBe(false);
  });
});

describe('Doorbell', () => {
  const bell = (): { words: Int32Array; door: Doorbell } => {
    const words = new Int32Array(new SharedArrayBuffer(64));
    return { words, door: new Doorbell(words, 0, 1, 2) };
  };

  it('counts rings and leaves no sleeper behind after a timeout', () => {
    const { words, door } = bell();
    door.ring();
    door.ring();
    expect(door.sequence).toBe(2);
    expect(door.waitUntil({ ready: () => false }, { mode: 'wait', spinNs: 0 }, 2, new SpinBudget())).toBe(false);
    expect(door.sleepers).toBe(0);
    expect(words[2]).toBe(0); // no stamp: nobody slept while it rang
  });

  it('wakes an asynchronous waiter, stamps the ring, and teaches the budget the gap', async () => {
    const { words, door } = bell();
    const budget = new SpinBudget();
    const policy = adaptive(20_000);
    let flag = false;
    const waiting = door.waitUntilAsync({ ready: () => flag }, policy, 10_000, budget);
    expect(door.sleepers).toBe(1);
    setTimeout(() => {
      flag = true;
      door.ring();
    }, 5);
    expect(await waiting).toBe(true);
    expect(door.sleepers).toBe(0);
    expect(words[2]).not.toBe(0);
    expect(budget.current).toBe(10_000); // a 5 ms gap: halved from the 20 µs start
  });

  it('re-checks a condition on wakeAll without anything published', async () => {
    const { door } = bell();
    const signal = { aborted: false };
    const waiting = door.waitUntilAsync({ ready: () => signal.aborted }, { mode: 'wait', spinNs: 0 }, 10_000, new SpinBudget());
    setTimeout(() => {
      signal.aborted = true;
      door.wakeAll();
    }, 1);
    expect(await waiting).toBe(true);
  });
});
