// CPU time consumed by the calling thread (not the process: a worker's own cost is what the
// idle measurement compares). Linux only: /proc/thread-self/schedstat gives nanoseconds of
// run time; /proc/thread-self/stat (clock ticks, 10 ms) is the fallback. NaN elsewhere.

import { readFileSync } from 'node:fs';

const TICK_NS = 10_000_000; // USER_HZ = 100 on Linux

export function threadCpuNs(): number {
  try {
    const runNs = Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
    if (Number.isFinite(runNs) && runNs > 0) return runNs;
  } catch {
    // fall through
  }
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    // Fields after the ")" that ends the command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_NS;
  } catch {
    return Number.NaN;
  }
}
