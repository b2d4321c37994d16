// Table cells of the real-guest benchmarks' reports: rounded numbers, "-" for a figure a
// configuration does not have, and a remote's memory as medians over runs.

import { median } from './config-summary.js';
import type { MemoryStatus } from './procfs.js';

const MIB = 1 << 20;

export const round = (x: number, digits = 0): number => Number(x.toFixed(digits));
export const cell = (x: number, digits = 0): string | number => (Number.isFinite(x) ? round(x, digits) : '-');
const mib = (bytes: number): number => round(bytes / MIB);

/** [VmHWM MiB, "VmRSS (anon, file, shmem)"] */
export function memoryCells(m: readonly MemoryStatus[]): [string | number, string] {
  if (m.length === 0) return ['-', '-'];
  const med = (f: (x: MemoryStatus) => number): number => median(m.map(f));
  return [
    mib(med((x) => x.hwmBytes)),
    `${mib(med((x) => x.rssBytes))} (anon ${mib(med((x) => x.anonBytes))}, file ${mib(med((x) => x.fileBytes))}, shmem ${mib(med((x) => x.shmemBytes))})`,
  ];
}
