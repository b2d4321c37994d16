// Two subjects timed side by side on a shared, noisy machine: each repetition moves the same
// fixed number of commands through both, cut into slices that alternate between them (and
// swap who goes first every slice), so background load and drift hit both alike. Each
// repetition gives one rate per subject; the caller takes the median over repetitions.

/** Seconds to run commands first..first+count-1. */
export type TimeCommands = (first: number, count: number) => Promise<number> | number;

export interface PairedPlan {
  /** Commands per repetition and subject. */
  commands: number;
  /** Commands per slice (the unit of alternation). */
  sliceCommands: number;
  repetitions: number;
  /** Untimed work before each repetition (refill buffers, write back dirty pages). */
  beforeRepetition?(repetition: number): Promise<void> | void;
  /** Untimed check after each repetition; returns why the data is wrong, or undefined. */
  afterRepetition?(repetition: number): Promise<string | undefined> | string | undefined;
}

export interface PairedRates {
  /** Commands per second, one per repetition. */
  ours: number[];
  raw: number[];
  /** The first failed check, if any. */
  failure?: string;
}

export async function runPaired(plan: PairedPlan, ours: TimeCommands, raw: TimeCommands): Promise<PairedRates> {
  const rates: PairedRates = { ours: [], raw: [] };
  for (let repetition = 0; repetition < plan.repetitions; repetition++) {
    await plan.beforeRepetition?.(repetition);
    let oursSeconds = 0;
    let rawSeconds = 0;
    let slice = 0;
    for (let first = 0; first < plan.commands; first += plan.sliceCommands, slice++) {
      const count = Math.min(plan.sliceCommands, plan.commands - first);
      if ((slice + repetition) % 2 === 0) {
        oursSeconds += await ours(first, count);
        rawSeconds += await raw(first, count);
      } else {
        rawSeconds += await raw(first, count);
        oursSeconds += await ours(first, count);
      }
    }
    rates.ours.push(plan.commands / oursSeconds);
    rates.raw.push(plan.commands / rawSeconds);
    const failure = await plan.afterRepetition?.(repetition);
    if (failure !== undefined) {
      rates.failure = `repetition ${repetition + 1}: ${failure}`;
      break;
    }
  }
  return rates;
}
