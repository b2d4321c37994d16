// Shape of one benchmark's results; bench/run.ts collects them into bench/results/.
// Goals are ratios or bounds measured side by side in the same run (never in tests).

export interface BenchGoal {
  name: string;
  /** Measured value, in `unit`. */
  value: number;
  unit: string;
  /** Human-readable target, e.g. "<= 2 µs" or ">= 0.8x raw". */
  target: string;
  met: boolean;
}

export interface BenchSection {
  title: string;
  /** Free-form table: first row is the header. */
  table: (string | number)[][];
  goals: BenchGoal[];
  notes?: string[];
}

export type BenchModule = { run(opts: { quick: boolean }): Promise<BenchSection> };

export function percentile(sortedAscending: ArrayLike<number>, p: number): number {
  if (sortedAscending.length === 0) return NaN;
  const idx = Math.min(sortedAscending.length - 1, Math.max(0, Math.ceil((p / 100) * sortedAscending.length) - 1));
  return sortedAscending[idx]!;
}
