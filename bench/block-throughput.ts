// Block backend throughput: the backend (default executor) against a raw fs.readvSync/writevSync
// loop of the same file into the same SharedArrayBuffer, page cache and O_DIRECT, read and write;
// and the libuv vs piscina executor comparison the default was chosen by (docs/block-backend.md).
// Standalone: node --import tsx bench/block-throughput.ts [--quick]
//
// The machine this runs on is shared and noisy, so no subject is timed in one long run: the image
// is cut into 16 MiB slices and every subject (raw loop, each executor at each queue depth) does
// each slice in turn, in a rotating order. Everyone then sees the same background load on average,
// and each figure is total bytes / total time over all its slices.

import fs from 'node:fs';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { randomFillSync } from 'node:crypto';
import type { BenchGoal, BenchSection } from './lib/report.js';
import { BlockBackend, DEFAULT_EXECUTOR, allocatePageAlignedSharedBuffer } from '../src/backends/block/block-backend.js';
import type { CacheMode, ExecutorKind } from '../src/backends/block/block-backend.js';
import { createScratchImage, settleDirtyPages, warmPageCache } from './lib/scratch-image.js';
import { COMMAND_BYTES, makeCommandLayouts, measureLatency, timeCommands } from './block/workload.js';
import { RawLoop } from './block/raw-baseline.js';

type Direction = 'read' | 'write';
const EXECUTORS: ExecutorKind[] = ['libuv', 'piscina'];
const CACHES: CacheMode[] = ['writeback', 'none'];
const DIRECTIONS: Direction[] = ['read', 'write'];
const QUEUE_DEPTHS = [1, 4];
const RAM_BYTES = 64 << 20;
const LAYOUTS = 64;
const SLICE_COMMANDS = 16;
const GOAL_RATIO = 0.8;
/** Small commands (12 sectors scattered over RAM, from the page cache) show the per-command cost. */
const LATENCY_SEGMENTS = 12;
const LATENCY_ROUNDS = 8;
const LATENCY_COMMANDS_PER_ROUND = 500;

const cacheLabel = (cache: CacheMode): string => (cache === 'none' ? 'O_DIRECT' : 'page cache');
const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;

interface Subject {
  readonly key: string;
  /** Seconds to run commands first..first+count-1. */
  time(first: number, count: number): Promise<number>;
}

/** Time and volume per subject, summed over its slices. */
class Totals {
  private readonly seconds = new Map<string, number>();
  private readonly units = new Map<string, number>();
  add(key: string, seconds: number, units: number): void {
    this.seconds.set(key, (this.seconds.get(key) ?? 0) + seconds);
    this.units.set(key, (this.units.get(key) ?? 0) + units);
  }
  /** Units per second (MiB/s when units are 1 MiB commands). */
  rate(key: string): number {
    const seconds = this.seconds.get(key);
    if (seconds === undefined) throw new Error(`no measurement ${key}`);
    return this.units.get(key)! / seconds;
  }
  /** Microseconds per unit. */
  microsecondsPer(key: string): number {
    return 1e6 / this.rate(key);
  }
}

/** Every subject does every slice; the order rotates so no subject is always first after a switch. */
async function interleave(subjects: readonly Subject[], slices: number, passes: number, totals: Totals): Promise<void> {
  for (let pass = 0; pass < passes; pass++) {
    for (let slice = 0; slice < slices; slice++) {
      for (let i = 0; i < subjects.length; i++) {
        const subject = subjects[(i + slice + pass) % subjects.length]!;
        totals.add(subject.key, await subject.time(slice * SLICE_COMMANDS, SLICE_COMMANDS), SLICE_COMMANDS);
      }
    }
  }
}

export async function run({ quick }: { quick: boolean }): Promise<BenchSection> {
  const imageBytes = (quick ? 64 : 256) << 20;
  const passes = quick ? 1 : 3;
  const slices = imageBytes / COMMAND_BYTES / SLICE_COMMANDS;
  const image = createScratchImage(imageBytes, 'block-throughput');
  const ram = allocatePageAlignedSharedBuffer(RAM_BYTES);
  const staging = new Uint8Array(RAM_BYTES);
  randomFillSync(staging);
  new Uint8Array(ram).set(staging);
  const layouts = makeCommandLayouts(ram, LAYOUTS, 1);
  // Guest RAM allocated the ordinary way (not page aligned here): every O_DIRECT segment bounces.
  const plainRam = new SharedArrayBuffer(RAM_BYTES);
  new Uint8Array(plainRam).set(staging);
  const plainLayouts = makeCommandLayouts(plainRam, LAYOUTS, 1);

  const backends = new Map<string, BlockBackend>();
  const totals = new Totals();
  let plainBounced = 0;
  try {
    for (const executor of EXECUTORS) {
      for (const cache of CACHES) {
        const backend = await BlockBackend.open({ path: image.path, cache, readOnly: false, executor });
        await backend.read(0, layouts[0]!); // start the pool threads, learn the RAM's alignment
        backends.set(`${executor}/${cache}`, backend);
      }
    }
    for (const cache of CACHES) {
      for (const direction of DIRECTIONS) {
        if (cache === 'writeback' && direction === 'read') warmPageCache(image.path);
        const raw = new RawLoop(image.path, cache === 'none', direction);
        const subjects: Subject[] = [{ key: `raw/${cache}/${direction}`, time: async (first, count) => raw.time(first, count, layouts) }];
        const backendSubject = (key: string, backend: BlockBackend, queueDepth: number, lists: Uint8Array[][]): Subject => {
          const issue = direction === 'read' ? backend.read.bind(backend) : backend.write.bind(backend);
          return { key, time: (first, count) => timeCommands(first, count, queueDepth, lists, issue) };
        };
        for (const queueDepth of QUEUE_DEPTHS) {
          for (const executor of EXECUTORS) {
            subjects.push(backendSubject(`${executor}/${cache}/${direction}/qd${queueDepth}`, backends.get(`${executor}/${cache}`)!, queueDepth, layouts));
          }
        }
        const defaultBackend = backends.get(`${DEFAULT_EXECUTOR}/${cache}`)!;
        if (cache === 'none') subjects.push(backendSubject(`plain/${direction}`, defaultBackend, 1, plainLayouts));
        const bouncedBefore = defaultBackend.stats.bouncedSegments;
        try {
          await interleave(subjects, slices, passes, totals);
        } finally {
          raw.close();
        }
        if (cache === 'none') plainBounced += defaultBackend.stats.bouncedSegments - bouncedBefore;
        if (cache === 'writeback' && direction === 'write') settleDirtyPages(image.path);
      }
    }

    warmPageCache(image.path);
    const sectors = Array.from({ length: LATENCY_SEGMENTS }, (_, i) => new Uint8Array(ram, i * 8192, 512));
    const at = (index: number): number => (index % 4096) * LATENCY_SEGMENTS * 512;
    const rawFd = fs.openSync(image.path, 'r');
    try {
      const latencySubjects: Subject[] = [
        { key: 'latency/sync', time: async (_, count) => (count * await measureLatency(count, (index) => { fs.readvSync(rawFd, sectors, at(index)); })) / 1e6 },
        ...EXECUTORS.map((executor): Subject => {
          const buffered = backends.get(`${executor}/writeback`)!;
          return { key: `latency/${executor}`, time: async (_, count) => (count * await measureLatency(count, (index) => buffered.read(at(index), sectors))) / 1e6 };
        }),
      ];
      for (let round = 0; round < LATENCY_ROUNDS; round++) {
        for (let i = 0; i < latencySubjects.length; i++) {
          const subject = latencySubjects[(i + round) % latencySubjects.length]!;
          totals.add(subject.key, await subject.time(0, LATENCY_COMMANDS_PER_ROUND), LATENCY_COMMANDS_PER_ROUND);
        }
      }
    } finally {
      fs.closeSync(rawFd);
    }
  } finally {
    for (const backend of backends.values()) await backend.close();
    image.remove();
  }

  const table: (string | number)[][] = [['measurement', 'cache', 'op', 'qd', 'MiB/s', 'against', 'MiB/s', 'ratio']];
  const goals: BenchGoal[] = [];
  for (const cache of CACHES) {
    for (const direction of DIRECTIONS) {
      const raw = totals.rate(`raw/${cache}/${direction}`);
      for (const queueDepth of QUEUE_DEPTHS) {
        const ours = totals.rate(`${DEFAULT_EXECUTOR}/${cache}/${direction}/qd${queueDepth}`);
        table.push([`backend (${DEFAULT_EXECUTOR}, default)`, cacheLabel(cache), direction, queueDepth, Math.round(ours), `raw ${direction}vSync loop`, Math.round(raw), ratio(ours, raw)]);
        if (queueDepth === 1) {
          goals.push({
            name: `backend vs raw ${direction}vSync, ${cacheLabel(cache)} ${direction}, 1 MiB commands, qd 1`,
            value: ratio(ours, raw), unit: 'x raw', target: `>= ${GOAL_RATIO}x raw`, met: ours / raw >= GOAL_RATIO,
          });
        }
      }
    }
  }
  let logRatioSum = 0;
  let ratios = 0;
  for (const cache of CACHES) {
    for (const direction of DIRECTIONS) {
      for (const queueDepth of QUEUE_DEPTHS) {
        const piscina = totals.rate(`piscina/${cache}/${direction}/qd${queueDepth}`);
        const libuv = totals.rate(`libuv/${cache}/${direction}/qd${queueDepth}`);
        table.push(['executor piscina', cacheLabel(cache), direction, queueDepth, Math.round(piscina), 'executor libuv', Math.round(libuv), ratio(piscina, libuv)]);
        logRatioSum += Math.log(piscina / libuv);
        ratios++;
      }
    }
  }
  for (const direction of DIRECTIONS) {
    const plain = totals.rate(`plain/${direction}`);
    const aligned = totals.rate(`${DEFAULT_EXECUTOR}/none/${direction}/qd1`);
    table.push(['backend, RAM = new SharedArrayBuffer', 'O_DIRECT', direction, 1, Math.round(plain), 'backend, page-aligned RAM', Math.round(aligned), ratio(plain, aligned)]);
  }
  const latency = (key: string): string => totals.microsecondsPer(`latency/${key}`).toFixed(1);
  return {
    title: 'Block backend throughput (1 MiB commands of 8..16 segments, 64..128 KiB each)',
    table,
    goals,
    notes: [
      `${imageBytes >> 20} MiB scratch image on a disk file system, ${passes} interleaved pass(es) in ${SLICE_COMMANDS} MiB slices; ` +
        `${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)} at the end, Node ${process.version}.`,
      'Guest RAM is page aligned (allocatePageAlignedSharedBuffer) except in the "new SharedArrayBuffer" rows, ' +
        `where every O_DIRECT segment is bounced (${plainBounced} bounced segments counted).`,
      'The goals compare queue depth 1 (one command at a time, like the synchronous raw loop); qd 4 rows are for information.',
      `piscina / libuv throughput, geometric mean over the ${ratios} executor rows: ${Math.exp(logRatioSum / ratios).toFixed(2)}x. ` +
        `Default executor: ${DEFAULT_EXECUTOR}.`,
      `Per-command cost, ${LATENCY_SEGMENTS} x 512 B from the page cache, one at a time: raw readvSync ${latency('sync')} µs, ` +
        `backend on libuv ${latency('libuv')} µs, backend on piscina ${latency('piscina')} µs.`,
    ],
  };
}

function printSection(section: BenchSection): void {
  const widths = section.table[0]!.map((_, column) => Math.max(...section.table.map((row) => String(row[column]).length)));
  console.log(section.title);
  for (const row of section.table) console.log(row.map((cell, column) => String(cell).padEnd(widths[column]!)).join('  '));
  for (const goal of section.goals) console.log(`${goal.met ? 'met ' : 'MISS'}  ${goal.name}: ${goal.value} ${goal.unit} (${goal.target})`);
  for (const note of section.notes ?? []) console.log(`note: ${note}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printSection(await run({ quick: process.argv.includes('--quick') }));
}
