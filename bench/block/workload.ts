// The load every block measurement uses: 1 MiB commands, each a scatter-gather list of 8..16
// page-aligned segments of 64..128 KiB spread over guest RAM (what an IDE PRD table or a SCSI
// command's block moves look like), issued back to back at a given queue depth.

import { performance } from 'node:perf_hooks';

export const COMMAND_BYTES = 1 << 20;
const PAGE = 4096;
const MIN_SEGMENT = 64 << 10;
const MAX_SEGMENT = 128 << 10;

/** Deterministic PRNG (mulberry32): every run and every executor sees the same layouts. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Segment lengths of one command: 8..16 of them, 64..128 KiB each, in 4 KiB steps, summing to 1 MiB. */
function segmentLengths(random: () => number): number[] {
  const count = 8 + Math.floor(random() * 9);
  const lengths = new Array<number>(count).fill(MIN_SEGMENT);
  let spare = COMMAND_BYTES - count * MIN_SEGMENT;
  while (spare > 0) {
    const i = Math.floor(random() * count);
    if (lengths[i]! < MAX_SEGMENT) {
      lengths[i]! += PAGE;
      spare -= PAGE;
    }
  }
  return lengths;
}

/** `count` scatter-gather lists over `ram`; each command's segments sit at distinct page-aligned places. */
export function makeCommandLayouts(ram: SharedArrayBuffer, count: number, seed: number): Uint8Array[][] {
  const random = prng(seed);
  const slots = Math.floor(ram.byteLength / MAX_SEGMENT);
  const layouts: Uint8Array[][] = [];
  for (let c = 0; c < count; c++) {
    const used = new Set<number>();
    layouts.push(segmentLengths(random).map((length) => {
      let slot: number;
      do slot = Math.floor(random() * slots); while (used.has(slot));
      used.add(slot);
      return new Uint8Array(ram, slot * MAX_SEGMENT, length);
    }));
  }
  return layouts;
}

/** Starts the command for image offset `offset` with scatter-gather list `segments`. */
export type IssueCommand = (offset: number, segments: Uint8Array[]) => Promise<void>;

/**
 * Runs commands first..first+count-1 (command i covers bytes i MiB .. i+1 MiB of the image),
 * `queueDepth` at a time, and returns the seconds it took.
 */
export async function timeCommands(first: number, count: number, queueDepth: number, layouts: readonly Uint8Array[][], issue: IssueCommand): Promise<number> {
  let next = first;
  const end = first + count;
  const lane = async (): Promise<void> => {
    while (next < end) {
      const index = next++;
      await issue(index * COMMAND_BYTES, layouts[index % layouts.length]!);
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: queueDepth }, lane));
  return (performance.now() - start) / 1000;
}

/** Mean microseconds per command for `count` commands issued one at a time. */
export async function measureLatency(count: number, issue: (index: number) => Promise<void> | void): Promise<number> {
  const start = performance.now();
  for (let index = 0; index < count; index++) await issue(index);
  return ((performance.now() - start) * 1000) / count;
}
