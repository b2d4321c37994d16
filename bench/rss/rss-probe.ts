// One measurement of bench/worker-rss.ts, in a process of its own (so no earlier measurement's
// heap or freed-but-resident pages colour it): the process's resident set before and after
// starting N threads of one kind, each left idle, with a forced GC of this isolate and a pause
// before each reading. Run from dist/ by the benchmark, with --expose-gc:
//   node --expose-gc dist/bench/rss/rss-probe.js <ide|empty> <n> <image>...
// and prints one JSON line (ProbeResult).
//   ide:   a SimMachine with N PIIX3 IDE controllers (native mode, one disk each), PCI enumerated
//          and every controller probed by the ata_piix-like driver, then idle.
//   empty: N worker_threads running only `setInterval(() => {}, 1000)`.

import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { SimMachine, type DeviceSpec } from '../../src/host/transports/sim/machine.js';
import { PciBios } from '../../src/host/transports/sim/drivers/pci-enum.js';
import { PiixIdeHost } from '../../src/host/transports/sim/drivers/piix-ide.js';

export type ProbeKind = 'ide' | 'empty';

export interface ProbeResult {
  kind: ProbeKind;
  n: number;
  /** VmRSS before starting anything, bytes. */
  beforeBytes: number;
  /** VmRSS with the N threads up and idle, bytes. */
  afterBytes: number;
}

const SETTLE_ROUNDS = 3;
const SETTLE_PAUSE_MS = 100;
const RAM_BYTES = 16 << 20;
const EMPTY_WORKER_SOURCE = 'setInterval(() => {}, 1000);';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resident set size from /proc/self/status (kB there), or Node's figure where there is no procfs. */
function residentBytes(): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]) * 1024;
  } catch {
    // not Linux: fall through
  }
  return process.memoryUsage.rss();
}

/** Lets started threads finish their start-up work, collecting this isolate's garbage in between. */
async function settle(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('rss-probe needs --expose-gc');
  for (let i = 0; i < SETTLE_ROUNDS; i++) {
    gc();
    await sleep(SETTLE_PAUSE_MS);
  }
}

async function startIde(images: readonly string[]): Promise<() => Promise<void>> {
  const devices: DeviceSpec[] = images.map((path, i) => ({
    kind: 'piix3-ide', id: `ide${i}`, mode: 'native', drives: [{ path, cache: 'writeback', media: 'disk' }, null, null, null],
  }));
  const machine = await SimMachine.start({ devices, ramBytes: RAM_BYTES });
  const bios = new PciBios(machine.bus, { intxLine: (bdf) => machine.intxLine(bdf) });
  await bios.enumerate();
  for (const fn of machine.pciFunctions) {
    const host = await PiixIdeHost.attach(machine.bus, bios.config, bios.byBdf(fn.bdf));
    if (host.devices.filter((d) => d !== null).length !== 1) throw new Error(`${fn.id}: the probe did not find its disk`);
  }
  return () => machine.stop();
}

async function startEmpty(n: number): Promise<() => Promise<void>> {
  const workers = Array.from({ length: n }, () => new Worker(EMPTY_WORKER_SOURCE, { eval: true }));
  await Promise.all(workers.map((w) => new Promise<void>((resolve, reject) => {
    w.once('online', resolve);
    w.once('error', reject);
  })));
  return async () => {
    await Promise.all(workers.map((w) => w.terminate()));
  };
}

async function main(argv: readonly string[]): Promise<void> {
  const [kind, count, ...images] = argv;
  const n = Number(count);
  if ((kind !== 'ide' && kind !== 'empty') || !Number.isInteger(n) || n < 0) {
    throw new Error('usage: rss-probe <ide|empty> <n> <image>...');
  }
  if (kind === 'ide' && images.length !== n) throw new Error(`ide needs ${n} images, got ${images.length}`);
  await settle();
  const beforeBytes = residentBytes();
  const stop = kind === 'ide' ? await startIde(images) : await startEmpty(n);
  await settle();
  const afterBytes = residentBytes();
  await stop();
  const result: ProbeResult = { kind, n, beforeBytes, afterBytes };
  console.log(JSON.stringify(result));
}

await main(process.argv.slice(2));
// DeviceHost.stop leaves its 2 s shutdown-race timer armed, which would keep this process alive
// for nothing: the measurement is printed, so leave now.
process.exit(0);
