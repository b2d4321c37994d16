// Every wait a driver does is bounded: a device that never answers must turn into a timeout
// error, never a hung guest. A Deadline is the one clock all waits of one operation share,
// so a sequence of polls cannot add up to more than the operation's budget.

export class Deadline {
  private readonly endsAt: number;

  constructor(readonly budgetMs: number) {
    this.endsAt = performance.now() + budgetMs;
  }

  remainingMs(): number {
    return Math.max(0, this.endsAt - performance.now());
  }

  expired(): boolean {
    return performance.now() >= this.endsAt;
  }
}

/** Gives other async work (the device's answers, other vCPUs' drivers) a turn. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** How long a poll loop waits between reads once the first fast reads did not succeed:
 *  short enough that an emulated device's sub-millisecond answers are not slowed down
 *  much, long enough that a device which stays busy is not hammered with ioreqs (libata's
 *  ata_sff_wait_ready also backs off to sleeping after a short busy-wait). */
const FAST_POLLS = 64;
const BACKOFF_MS = 1;

/**
 * Reads `read()` until `done(value)` holds or the deadline passes.
 * Returns the last value read and whether `done` was reached; never loops unbounded.
 */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  deadline: Deadline,
): Promise<{ value: T; ok: boolean }> {
  for (let attempt = 0; ; attempt++) {
    const value = await read();
    if (done(value)) return { value, ok: true };
    if (deadline.expired()) return { value, ok: false };
    if (attempt >= FAST_POLLS) await sleepMs(BACKOFF_MS);
    else if ((attempt & 7) === 7) await yieldToEventLoop();
  }
}
